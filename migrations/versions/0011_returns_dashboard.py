"""statutory clocks on the timer and work-item projections (managers' dashboard); the
DfE return's checks

Revision ID: 0011_returns_dashboard
Revises: 0008_accounts
"""

import sqlalchemy as sa
from alembic import op

import engine.models

revision = "0011_returns_dashboard"
down_revision = "0008_accounts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("work_item", sa.Column("clock", sa.String(length=32), nullable=True))
    op.add_column("timer", sa.Column("clock", sa.String(length=32), nullable=True))
    op.create_index("ix_work_item_clock_due", "work_item", ["clock", "due_at"])
    op.create_index("ix_timer_clock_due", "timer", ["clock", "due_at"])
    op.create_table(
        "return_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("checked_at", engine.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("checked_by", sa.String(length=200), nullable=False),
        sa.Column("rule_hits", sa.Integer(), nullable=False),
        sa.Column("problems", sa.Integer(), nullable=False),
        sa.Column("children_with_hits", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_return_check_org_at", "return_check", ["organisation_id", "checked_at"])


def downgrade() -> None:
    op.drop_index("ix_return_check_org_at", table_name="return_check")
    op.drop_table("return_check")
    op.drop_index("ix_timer_clock_due", table_name="timer")
    op.drop_index("ix_work_item_clock_due", table_name="work_item")
    op.drop_column("timer", "clock")
    op.drop_column("work_item", "clock")
