"""modeller drafts and process-page indexes (issue 6)

Revision ID: 0005
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

import engine.models

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "process_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("xml", sa.LargeBinary(), nullable=False),
        sa.Column("based_on_id", sa.Integer(), nullable=True),
        sa.Column("saved_by_id", sa.Integer(), nullable=True),
        sa.Column("saved_by", sa.String(length=200), nullable=False),
        sa.Column("saved_at", engine.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["based_on_id"], ["process_version.id"]),
        sa.ForeignKeyConstraint(["saved_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("filename"),
    )
    with op.batch_alter_table("work_item") as batch_op:
        batch_op.create_index("ix_work_item_process_element",
                              ["process_id", "state", "element_id"])
    with op.batch_alter_table("timer") as batch_op:
        batch_op.create_index("ix_timer_process_element", ["process_id", "state", "element_id"])


def downgrade() -> None:
    with op.batch_alter_table("timer") as batch_op:
        batch_op.drop_index("ix_timer_process_element")
    with op.batch_alter_table("work_item") as batch_op:
        batch_op.drop_index("ix_work_item_process_element")
    op.drop_table("process_draft")
