"""Issue 16: a work item or timer that closes leaves the indexes only open ones need.

On PostgreSQL every update that changes `state` writes a new copy of the row and a new
entry in each of the table's indexes (a change to an indexed column cannot be a HOT
update); the dead copies are vacuumed, but the indexes keep their size. So:
- the inbox's and the worker's indexes on (state, ...) hold open items and waiting
  timers only: a closing row's new copy enters none of them;
- the single-column indexes on `case_id` go: the unique (case_id, task_id) constraints
  already index it first.
Table growth per closed episode went from 34.0 to 28.8 KB (bench/storage.py), under twice
the episode's live rows (15.1 KB).

Revision ID: 0018_closed_rows_leave_indexes
Revises: 0017_work_item_drafted
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_closed_rows_leave_indexes"
down_revision = "0017_work_item_drafted"
branch_labels = None
depends_on = None

# (index, table, columns, the rows it keeps)
PARTIAL = [
    ("ix_work_item_open_role", "work_item", ["state", "role", "due_at"], "state = 'open'"),
    ("ix_work_item_open_assignee", "work_item", ["state", "assignee_id", "due_at"],
     "state = 'open'"),
    ("ix_timer_waiting_due", "timer", ["state", "due_at"], "state = 'waiting'"),
    ("ix_timer_waiting_reminder", "timer", ["state", "reminder_at"], "state = 'waiting'"),
]


def upgrade():
    # Plain CREATE and DROP INDEX, on SQLite too: a batch rebuild of the table would
    # re-create its partial indexes without their WHERE.
    for name, table, columns, where in PARTIAL:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, columns, postgresql_where=sa.text(where),
                        sqlite_where=sa.text(where))
    op.drop_index("ix_work_item_case_id", table_name="work_item")
    op.drop_index("ix_timer_case_id", table_name="timer")


def downgrade():
    op.create_index("ix_timer_case_id", "timer", ["case_id"])
    op.create_index("ix_work_item_case_id", "work_item", ["case_id"])
    for name, table, columns, _ in PARTIAL:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, columns)
