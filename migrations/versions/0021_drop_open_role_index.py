"""Issue 16: the work item's index on (state, role, due_at) over open items goes.

The inbox's keyset index (role, due_at, id) over open items (0015) serves every query it
served: within open items, `state` is the same on every row, so the two order the rows
alike. It was a sixth of the work item's index space and a write at each item opened.

Revision ID: 0021_drop_open_role_index
Revises: 0020_timers_kept_in_archive
"""

import sqlalchemy as sa
from alembic import op

revision = "0021_drop_open_role_index"
down_revision = "0020_timers_kept_in_archive"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_work_item_open_role", table_name="work_item")


def downgrade():
    op.create_index("ix_work_item_open_role", "work_item", ["state", "role", "due_at"],
                    postgresql_where=sa.text("state = 'open'"),
                    sqlite_where=sa.text("state = 'open'"))
