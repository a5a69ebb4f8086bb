"""what people see: escalations name the late work; e-mail of new work per person

Revision ID: 0010_what_people_see
Revises: 0011_returns_dashboard
"""

import sqlalchemy as sa
from alembic import op

import engine.models

revision = "0010_what_people_see"
down_revision = "0011_returns_dashboard"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("work_item") as batch:
        batch.add_column(sa.Column("late_item_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("missed_due_at", engine.models.UTCDateTime(timezone=True),
                                   nullable=True))
        batch.create_foreign_key("fk_work_item_late_item", "work_item", ["late_item_id"],
                                 ["id"])
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("email_new_work", sa.Boolean(), nullable=False,
                                   server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("email_new_work")
    with op.batch_alter_table("work_item") as batch:
        batch.drop_constraint("fk_work_item_late_item", type_="foreignkey")
        batch.drop_column("missed_due_at")
        batch.drop_column("late_item_id")
