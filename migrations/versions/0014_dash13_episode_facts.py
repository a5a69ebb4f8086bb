"""issue 13's speed point: the per-episode facts the managers' dashboard aggregates
(engine/episode_facts.py), created and filled for the episodes already recorded

Revision ID: 0014_dash13_episode_facts
Revises: 0013_open_cases_index
"""

import sqlalchemy as sa
from alembic import op

from engine.models import UTCDateTime

revision = "0014_dash13_episode_facts"
down_revision = "0013_open_cases_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "episode_fact",
        sa.Column("episode_id", sa.Integer(),
                  sa.ForeignKey("episode.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("responsible_org_id", sa.Integer(), nullable=True),
        sa.Column("category", sa.String(length=1), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(), nullable=False),
        sa.Column("found_at", UTCDateTime(), nullable=True),
        sa.Column("not_missing", sa.Boolean(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("care_status", sa.String(length=32), nullable=False),
        sa.Column("establishment", sa.String(length=500), nullable=True),
        sa.Column("placement_type", sa.String(length=3), nullable=False),
        sa.Column("placed_org_id", sa.Integer(), nullable=True),
        sa.Column("found_where", sa.String(length=500), nullable=True),
        sa.Column("risk_grade", sa.String(length=8), nullable=True),
        sa.Column("ce_risk", sa.Boolean(), nullable=True),
        sa.Column("rhi_seconds", sa.Float(), nullable=True),
        sa.Column("rhi_recorded", sa.Boolean(), nullable=False),
        sa.Column("rhi_offered", sa.Boolean(), nullable=True),
        sa.Column("rhi_outcome", sa.String(length=32), nullable=True),
    )
    op.create_index("ix_episode_fact_last_seen", "episode_fact", ["last_seen_at", "child_id"])
    op.create_index("ix_episode_fact_found", "episode_fact", ["found_at", "child_id"])
    op.create_index("ix_episode_fact_org_last_seen", "episode_fact",
                    ["responsible_org_id", "last_seen_at"])
    op.create_index("ix_episode_fact_child", "episode_fact", ["child_id"])
    # The same statement the engine writes the rows with, so old and new rows agree.
    from engine import episode_facts

    episode_facts.rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_table("episode_fact")
