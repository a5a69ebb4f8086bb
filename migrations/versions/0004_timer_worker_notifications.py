"""timer worker: reminders on timers, case errors, notifications

Revision ID: 0004
Revises: 0003
"""

from alembic import op
import sqlalchemy as sa
import engine.models


revision = '0004'
down_revision = '0003'  # issue 4's migration; re-chained by the lead
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('case_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('error_element', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('failed_at', engine.models.UTCDateTime(timezone=True),
                                      nullable=True))

    with op.batch_alter_table('timer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminder_at', engine.models.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('reminded_at', engine.models.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.create_index('ix_timer_waiting_reminder', ['state', 'reminder_at'],
                              unique=False)

    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('work_item_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=400), nullable=False),
    sa.Column('due_at', engine.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', engine.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('read_at', engine.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('email_state', sa.String(length=16), nullable=False),
    sa.Column('email_next_at', engine.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('email_attempts', sa.Integer(), nullable=False),
    sa.Column('email_sent_at', engine.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('email_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case_record.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['work_item_id'], ['work_item.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index('ix_notification_outbox', ['email_state', 'email_next_at'],
                              unique=False)
        batch_op.create_index('ix_notification_user', ['user_id', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_user')
        batch_op.drop_index('ix_notification_outbox')
    op.drop_table('notification')

    with op.batch_alter_table('timer', schema=None) as batch_op:
        batch_op.drop_index('ix_timer_waiting_reminder')
        batch_op.drop_column('reminded_at')
        batch_op.drop_column('reminder_at')

    with op.batch_alter_table('case_record', schema=None) as batch_op:
        batch_op.drop_column('failed_at')
        batch_op.drop_column('error_element')
