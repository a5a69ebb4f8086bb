"""Issue 16: whether a work item has drafts, so that completing one without (nearly all of
them) does not run a DELETE of drafts that are not there.

Revision ID: 0017_work_item_drafted
Revises: 0016_open_episodes_index
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_work_item_drafted"
down_revision = "0016_open_episodes_index"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN, on SQLite too: a batch rebuild would re-create the partial
    # index of open work without its WHERE.
    op.add_column("work_item", sa.Column("drafted", sa.Boolean(), nullable=False,
                                         server_default=sa.false()))
    op.execute("UPDATE work_item SET drafted = true "
               "WHERE id IN (SELECT work_item_id FROM draft)")


def downgrade():
    with op.batch_alter_table("work_item") as batch:
        batch.drop_column("drafted")
