"""Issue 16: the open work items in the inbox's order, covering what its lists and counts
test. A partial index (open items only): a council's closed work never enters it, so a page
of team work or its counts walk the open items alone, in (due time, id) order, without
visiting the table for the assignee or the case.

Revision ID: 0015_open_work_index
Revises: 0014_dash13_episode_facts
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_open_work_index"
down_revision = "0014_dash13_episode_facts"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_work_item_open_queue", "work_item", ["role", "due_at", "id"],
                    postgresql_include=["assignee_id", "case_id"],
                    postgresql_where=sa.text("state = 'open'"),
                    sqlite_where=sa.text("state = 'open'"))


def downgrade():
    op.drop_index("ix_work_item_open_queue", table_name="work_item")
