"""Issue 13's speed point: the open episodes, by when the child was last seen. "Missing
now" and the dashboard's data-quality counts read only these, a handful among a council's
years of closed episodes, which they otherwise scanned in full.

Revision ID: 0016_open_episodes_index
Revises: 0015_open_work_index
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_open_episodes_index"
down_revision = "0015_open_work_index"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_episode_open", "episode", ["last_seen_at", "child_id"],
                    postgresql_where=sa.text("status = 'open'"),
                    sqlite_where=sa.text("status = 'open'"))


def downgrade():
    op.drop_index("ix_episode_open", table_name="episode")
