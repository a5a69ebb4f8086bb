"""Issue 16: an audit event no longer stores the hash of the event before it.

`prev_hash` was always the previous event's `hash`, and verifying the trail recomputes
each event's hash from the one before anyway, so the copy added nothing a check could
use: 64 characters an event, 1.2 KB of the 15.4 KB a closed episode keeps
(bench/storage.py). Each event's hash still covers the one before, so a removed or
edited event shows exactly as before; existing trails verify unchanged.

Revision ID: 0019_audit_without_prev_hash
Revises: 0018_closed_rows_leave_indexes
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_audit_without_prev_hash"
down_revision = "0018_closed_rows_leave_indexes"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE on SQLite too (3.35 and later drop a column so): alembic's batch
    # mode would copy the trail into a new table and re-create its indexes.
    op.execute("ALTER TABLE audit_event DROP COLUMN prev_hash")


def downgrade():
    op.add_column("audit_event", sa.Column("prev_hash", sa.String(64), nullable=True))
    op.execute("""
        UPDATE audit_event SET prev_hash = coalesce((
            SELECT before.hash FROM audit_event AS before
            WHERE before.id < audit_event.id ORDER BY before.id DESC LIMIT 1),
            '0000000000000000000000000000000000000000000000000000000000000000')
    """)
