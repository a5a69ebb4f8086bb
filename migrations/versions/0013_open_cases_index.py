"""Issue 16: an index on the case's status, so lists of open work join the running cases
only (not every case a council ever closed).

Revision ID: 0013_open_cases_index
Revises: 0012_issue13_return_details
"""

from alembic import op

revision = "0013_open_cases_index"
down_revision = "0012_issue13_return_details"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_case_record_status", "case_record", ["status"])


def downgrade():
    op.drop_index("ix_case_record_status", table_name="case_record")
