"""statutory clocks on the timer and work-item projections (managers' dashboard)

Revision ID: 0011_returns_dashboard
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_returns_dashboard"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("work_item", sa.Column("clock", sa.String(length=32), nullable=True))
    op.add_column("timer", sa.Column("clock", sa.String(length=32), nullable=True))
    op.create_index("ix_work_item_clock_due", "work_item", ["clock", "due_at"])
    op.create_index("ix_timer_clock_due", "timer", ["clock", "due_at"])


def downgrade() -> None:
    op.drop_index("ix_timer_clock_due", table_name="timer")
    op.drop_index("ix_work_item_clock_due", table_name="work_item")
    op.drop_column("timer", "clock")
    op.drop_column("work_item", "clock")
