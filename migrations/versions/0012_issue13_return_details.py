"""issue 13: what the DfE return needs that the record did not keep: why a child moved on
from a placement (REASON_PLACE_CHANGE) and the child's home postcode (HOME_POST); indexes
for the dashboard's figures over dated periods

Revision ID: 0012_issue13_return_details
Revises: 0010_what_people_see
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_issue13_return_details"
down_revision = "0010_what_people_see"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("placement") as batch:
        batch.add_column(sa.Column("end_reason", sa.String(length=6), nullable=True))
    with op.batch_alter_table("child") as batch:
        batch.add_column(sa.Column("home_postcode", sa.String(length=10), nullable=True))
    op.create_index("ix_episode_last_seen_child", "episode", ["last_seen_at", "child_id"])
    op.create_index("ix_episode_found_child", "episode", ["found_at", "child_id"])
    op.create_index("ix_episode_segment_episode_starts", "episode_segment",
                    ["episode_id", "starts_at"])


def downgrade() -> None:
    op.drop_index("ix_episode_segment_episode_starts", table_name="episode_segment")
    op.drop_index("ix_episode_found_child", table_name="episode")
    op.drop_index("ix_episode_last_seen_child", table_name="episode")
    with op.batch_alter_table("child") as batch:
        batch.drop_column("home_postcode")
    with op.batch_alter_table("placement") as batch:
        batch.drop_column("end_reason")
