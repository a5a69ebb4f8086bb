"""the child's record over time: partnership, dated periods, flag history, segments

Existing children move into the new shape: a legal status other than "not in care"
becomes a legal-status period, a placement (or host authority) a placement in that
authority (the responsible one when none was given), the allocated social worker and
IRO allocations, and each flag a first flag change. They start on the day the child
became looked after when the record says so, else the day the record was created.

Revision ID: 0007_child_record
Revises: 0006
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

import engine.models

revision = "0007_child_record"
down_revision = "0006"
branch_labels = None
depends_on = None

LS_CODES = {"s20": "V2", "interim_care_order": "C1", "care_order": "C2",
            "s21_pace": "J2", "remand": "J1"}
# The words the old free-text field held most often, to the DfE codes.
ETHNIC_CODES = {"white british": "WBRI", "white irish": "WIRI", "white other": "WOTH",
                "mixed white and black caribbean": "MWBC",
                "mixed white and black african": "MWBA", "mixed white and asian": "MWAS",
                "asian british": "AOTH", "indian": "AIND", "pakistani": "APKN",
                "bangladeshi": "ABAN", "black caribbean": "BCRB", "black african": "BAFR",
                "chinese": "CHNE", "other ethnic group": "OOTH"}
MOVED = "Recorded before the record kept history"


def _stamp():
    return sa.Column("changed_at", engine.models.UTCDateTime(timezone=True), nullable=False)


def upgrade() -> None:
    # Plain ADD COLUMN (SQLite has it): a batch copy of `child` would trip the foreign
    # keys other tables hold on it.
    op.add_column("child", sa.Column("ethnic_code", sa.String(length=4), nullable=True))
    op.add_column("child", sa.Column("sex", sa.String(length=1), nullable=False,
                                     server_default="U"))
    op.add_column("child", sa.Column("upn", sa.String(length=13), nullable=True))
    op.add_column("child", sa.Column("la_child_id", sa.String(length=20), nullable=True))
    op.add_column("child", sa.Column("revision", sa.Integer(), nullable=False,
                                     server_default="1"))
    op.create_index("ix_child_la_child_id", "child", ["la_child_id"], unique=True)
    op.add_column("episode", sa.Column("not_missing", sa.Boolean(), nullable=False,
                                       server_default=sa.false()))
    op.create_table(
        "partnership_organisation",
        sa.Column("organisation_id", sa.Integer(), sa.ForeignKey("organisation.id"),
                  primary_key=True),
        sa.Column("added_by", sa.String(length=200), nullable=False),
        sa.Column("added_at", engine.models.UTCDateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "legal_status_period",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("child_id", sa.Integer(), sa.ForeignKey("child.id"), nullable=False,
                  index=True),
        sa.Column("legal_status", sa.String(length=32), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("ls_code", sa.String(length=2), nullable=True),
        sa.Column("cin_code", sa.String(length=2), nullable=True),
        sa.Column("rne_code", sa.String(length=1), nullable=True),
        sa.Column("rec_code", sa.String(length=3), nullable=True),
        sa.Column("changed_by", sa.String(length=200), nullable=False),
        _stamp(),
    )
    op.create_table(
        "placement",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("child_id", sa.Integer(), sa.ForeignKey("child.id"), nullable=False,
                  index=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("address", sa.String(length=500), nullable=False),
        sa.Column("postcode", sa.String(length=10), nullable=True),
        sa.Column("placement_type", sa.String(length=3), nullable=True),
        sa.Column("provider_type", sa.String(length=3), nullable=True),
        sa.Column("provider_org_id", sa.Integer(), sa.ForeignKey("organisation.id"),
                  nullable=True),
        sa.Column("urn", sa.String(length=10), nullable=True),
        sa.Column("local_authority_id", sa.Integer(), sa.ForeignKey("organisation.id"),
                  nullable=False),
        sa.Column("changed_by", sa.String(length=200), nullable=False),
        _stamp(),
    )
    op.create_table(
        "allocation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("child_id", sa.Integer(), sa.ForeignKey("child.id"), nullable=False,
                  index=True),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("changed_by", sa.String(length=200), nullable=False),
        _stamp(),
    )
    op.create_table(
        "child_flag_change",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("child_id", sa.Integer(), sa.ForeignKey("child.id"), nullable=False,
                  index=True),
        sa.Column("flag", sa.String(length=64), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), sa.ForeignKey("user_account.id"),
                  nullable=True),
        sa.Column("changed_by", sa.String(length=200), nullable=False),
        _stamp(),
    )
    op.create_table(
        "episode_segment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("episode_id", sa.Integer(), sa.ForeignKey("episode.id"), nullable=False,
                  index=True),
        sa.Column("category", sa.String(length=1), nullable=False),
        sa.Column("starts_at", engine.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", engine.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changed_by", sa.String(length=200), nullable=False),
        _stamp(),
    )
    _move_rows()


def _move_rows() -> None:
    conn = op.get_bind()
    meta = sa.MetaData()
    child = sa.Table("child", meta, autoload_with=conn)
    episode = sa.Table("episode", meta, autoload_with=conn)
    tables = {name: sa.Table(name, meta, autoload_with=conn) for name in (
        "legal_status_period", "placement", "allocation", "child_flag_change",
        "episode_segment")}
    # Written through the model's type so that SQLite and PostgreSQL store it alike.
    now = dt.datetime.now(dt.UTC)
    stamp = {"changed_by": "Safeguard Flow", "changed_at": now}
    for row in conn.execute(sa.select(child)).mappings():
        flags = row["flags"] or {}
        since = flags.get("looked_after_since")
        created = row["created_at"]
        created_on = created.date() if isinstance(created, dt.datetime) else dt.date.fromisoformat(
            str(created)[:10])
        starts_on = dt.date.fromisoformat(since) if since else created_on
        in_care = row["legal_status"] != "not_in_care"
        if in_care:
            conn.execute(tables["legal_status_period"].insert().values(
                child_id=row["id"], legal_status=row["legal_status"], starts_on=starts_on,
                ls_code=LS_CODES.get(row["legal_status"]), **stamp))
        host = row["host_org_id"]
        if row["placement"] or host is not None:
            host = host or row["responsible_org_id"]
            conn.execute(tables["placement"].insert().values(
                child_id=row["id"], starts_on=starts_on,
                address=row["placement"] or "Not recorded", local_authority_id=host,
                **stamp))
        for role, user_id in (("social_worker", row["social_worker_id"]),
                              ("iro", row["iro_id"])):
            if user_id is not None:
                conn.execute(tables["allocation"].insert().values(
                    child_id=row["id"], role=role, user_id=user_id, starts_on=created_on,
                    **stamp))
        for flag, value in sorted(flags.items()):
            conn.execute(tables["child_flag_change"].insert().values(
                child_id=row["id"], flag=flag, value=value, reason=MOVED, **stamp))
        words = (row["ethnicity"] or "").strip().casefold()
        conn.execute(child.update().where(child.c.id == row["id"]).values(
            host_org_id=host, ethnic_code=ETHNIC_CODES.get(words, "NOBT")))
    for row in conn.execute(sa.select(episode)).mappings():
        conn.execute(tables["episode_segment"].insert().values(
            episode_id=row["id"], category=row["category"], starts_at=row["last_seen_at"],
            ends_at=row["found_at"], reason="", **stamp))


def downgrade() -> None:
    for name in ("episode_segment", "child_flag_change", "allocation", "placement",
                 "legal_status_period", "partnership_organisation"):
        op.drop_table(name)
    op.drop_column("episode", "not_missing")
    op.drop_index("ix_child_la_child_id", table_name="child")
    for column in ("revision", "la_child_id", "upn", "sex", "ethnic_code"):
        op.drop_column("child", column)
