"""accounts, sessions that end, single sign-on, the audit chain's signed head

Revision ID: 0008_accounts
Revises: 0007_child_record
"""

import sqlalchemy as sa
from alembic import op

import engine.models

revision = "0008_accounts"
down_revision = "0007_child_record"
branch_labels = None
depends_on = None

UTC = engine.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("organisation") as batch:
        batch.add_column(sa.Column("oidc_issuer", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("oidc_client_id", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("oidc_client_secret", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("oidc_email_claim", sa.String(length=64), nullable=False,
                                   server_default="email"))
        batch.add_column(sa.Column("active", sa.Boolean(), nullable=False,
                                   server_default=sa.true()))
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("session_generation", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("team", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("password_set_at", UTC, nullable=True))
        batch.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("totp_enrolled_at", UTC, nullable=True))
        batch.add_column(sa.Column("is_service", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    with op.batch_alter_table("child") as batch:
        batch.add_column(sa.Column("placement_provider_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("date_of_death", sa.Date(), nullable=True))
        batch.create_foreign_key("fk_child_placement_provider", "organisation",
                                 ["placement_provider_id"], ["id"])
    with op.batch_alter_table("api_key") as batch:
        batch.add_column(sa.Column("expires_at", UTC, nullable=True))
        batch.add_column(sa.Column("last_used_at", UTC, nullable=True))
    with op.batch_alter_table("notification") as batch:
        batch.alter_column("case_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("link", sa.String(length=500), nullable=True))
    op.execute("UPDATE user_account SET is_service = true "
               "WHERE id IN (SELECT user_id FROM api_key)")
    op.create_table(
        "account_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False, unique=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.Column("used_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_account_token_user_id", "account_token", ["user_id"])
    op.create_table(
        "recovery_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=False),
        sa.Column("code_hash", sa.String(length=255), nullable=False),
        sa.Column("used_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_recovery_code_user_id", "recovery_code", ["user_id"])
    op.create_table(
        "audit_tally",
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("window_start", UTC, nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("last_at", UTC, nullable=False),
        sa.Column("last_detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("key", "window_start"),
    )
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "audit_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    for table in ("audit_check", "audit_head", "audit_tally", "recovery_code",
                  "account_token"):
        op.drop_table(table)
    with op.batch_alter_table("notification") as batch:
        batch.drop_column("link")
        batch.alter_column("case_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("child") as batch:
        batch.drop_constraint("fk_child_placement_provider", type_="foreignkey")
        batch.drop_column("placement_provider_id")
        batch.drop_column("date_of_death")
    with op.batch_alter_table("api_key") as batch:
        batch.drop_column("last_used_at")
        batch.drop_column("expires_at")
    with op.batch_alter_table("user_account") as batch:
        for column in ("is_service", "totp_enrolled_at", "totp_secret", "password_set_at",
                       "team", "session_generation"):
            batch.drop_column(column)
    with op.batch_alter_table("organisation") as batch:
        for column in ("active", "oidc_email_claim", "oidc_client_secret", "oidc_client_id",
                       "oidc_issuer"):
            batch.drop_column(column)
