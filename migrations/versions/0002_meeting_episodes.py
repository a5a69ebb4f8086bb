"""meeting episodes: the episodes a Stage One, Stage Two or escalation case covers

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import engine.models

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meeting_episode",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("added_at", engine.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case_record.id"]),
        sa.ForeignKeyConstraint(["episode_id"], ["episode.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "episode_id"),
    )
    with op.batch_alter_table("meeting_episode", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_episode_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_meeting_episode_episode_id"), ["episode_id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("meeting_episode", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_episode_episode_id"))
        batch_op.drop_index(batch_op.f("ix_meeting_episode_case_id"))
    op.drop_table("meeting_episode")
