"""The audit chain catches an edited event, a removed event anywhere and a truncated end
(the signed head); `safeguard audit verify` says so, and the worker checks once a day
and tells the administrators."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from alembic import command
from click.testing import CliRunner
from sqlalchemy import delete, select, update

from engine import audit, db, migrate
from engine.executor import SYSTEM, run
from engine.models import AuditEvent, AuditHead, Notification, Organisation, User, UserRole
from engine.worker import Worker
from web.cli import main


class Write:
    def __init__(self, n):
        self.n = n

    def __call__(self, ctx):
        for i in range(self.n):
            audit.record(ctx.session, ctx.actor, "test.event", "test", i)


@pytest.fixture
def trail(session, fake_clock):
    run(session, Write(6), SYSTEM)
    ids = session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()
    session.commit()
    return ids


def _tamper(session, statement):
    session.rollback()
    with session.begin():
        session.execute(statement)


def test_a_whole_trail_verifies(session, trail):
    assert audit.verify(session) is None


def test_an_edited_event_is_caught(session, trail):
    _tamper(session, update(AuditEvent).where(AuditEvent.id == trail[2])
            .values(detail={"edited": True}))
    problem = audit.verify(session)
    assert problem.event_id == trail[2] and "changed" in str(problem)


@pytest.mark.parametrize("position", [0, 3])
def test_a_removed_event_in_the_middle_or_at_the_start_is_caught(session, trail, position):
    _tamper(session, delete(AuditEvent).where(AuditEvent.id == trail[position]))
    problem = audit.verify(session)
    assert problem is not None and problem.event_id == trail[position + 1]


def test_a_truncated_end_is_caught_by_the_signed_head(session, trail):
    _tamper(session, delete(AuditEvent).where(AuditEvent.id >= trail[4]))
    problem = audit.verify(session)
    assert problem is not None and "removed from the end" in str(problem)


def test_rewriting_the_head_without_the_key_is_caught(session, trail):
    _tamper(session, delete(AuditEvent).where(AuditEvent.id >= trail[4]))
    last = session.get(AuditEvent, trail[3])
    _tamper(session, update(AuditHead).values(last_id=last.id, count=4,
                                              head_hash=last.hash))
    assert "signed head" in str(audit.verify(session))


def test_cli_verify_passes_and_fails(session, trail, database_url):
    ok = CliRunner().invoke(main, ["--database-url", database_url, "audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert "6 events" in ok.output
    _tamper(session, delete(AuditEvent).where(AuditEvent.id == trail[-1]))
    bad = CliRunner().invoke(main, ["--database-url", database_url, "audit", "verify"])
    assert bad.exit_code == 1
    assert "removed from the end" in bad.output


def test_the_worker_checks_daily_and_notifies_administrators(session, sessions, trail,
                                                             fake_clock):
    with session.begin():
        org = Organisation(code="la", name="Council", kind="local_authority")
        session.add(org)
        session.flush()
        admin = User(email="admin@example.org", name="Admin", password_hash="x",
                     organisation_id=org.id, roles=[UserRole(role="admin")])
        other = User(email="sw@example.org", name="Sw", password_hash="x",
                     organisation_id=org.id, roles=[UserRole(role="social_worker")])
        session.add_all([admin, other])
    worker = Worker(sessions, sleep=lambda s: fake_clock.advance(seconds=s))
    worker.run_once()
    assert session.scalars(select(Notification)).all() == []
    _tamper(session, delete(AuditEvent).where(AuditEvent.id == trail[-1]))
    worker.run_once()  # checked less than a day ago: not again yet
    assert session.scalars(select(Notification)).all() == []
    fake_clock.advance(dt.timedelta(days=1))
    worker.run_once()
    session.rollback()
    [note] = session.scalars(select(Notification)).all()
    assert note.user_id == admin.id and note.kind == "audit"
    assert note.path == "/admin/audit"


def test_an_events_hash_is_the_one_the_trail_was_always_written_with():
    """Issue 16: the hash of the event before is no longer stored in each row, but every
    event's hash is computed as before, so trails written before 0019 verify unchanged
    (this digest was computed by the code of 992b00b, which stored `prev_hash`)."""
    event = AuditEvent(at=dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC), actor_id=7,
                       actor="Sam Example", action="case.viewed", record_type="case",
                       record_id=12, case_id=12, child_id=3, detail={"page": "summary"})
    assert audit._digest(event, "ab" * 32) == (
        "e1bf16fa4b83ffdd82a9e70107e3b0d5cfe2984d80e7025cb0967f336263b978")


def test_0019_drops_the_stored_previous_hash_and_the_trail_still_verifies(old_database):
    """Written at 0019, taken back to 0018 (whose `prev_hash` the downgrade fills in as the
    code before wrote it: each event's predecessor's hash), then upgraded again: the trail
    verifies, and an event removed afterwards is still caught."""
    migrate.upgrade(old_database)
    engine = db.make_engine(old_database)
    sessions = db.make_session_factory(engine)
    with sessions() as session:
        run(session, Write(4), SYSTEM)
        hashes = session.scalars(select(AuditEvent.hash).order_by(AuditEvent.id)).all()
    engine.dispose()
    command.downgrade(migrate.alembic_config(old_database), "0018_closed_rows_leave_indexes")
    engine = sa.create_engine(old_database)
    with engine.connect() as conn:
        stored = conn.execute(sa.text(
            "SELECT prev_hash, hash FROM audit_event ORDER BY id")).all()
    engine.dispose()
    assert [tuple(row) for row in stored] == list(zip([audit.GENESIS, *hashes[:-1]], hashes,
                                                      strict=True))

    migrate.upgrade(old_database)
    engine = db.make_engine(old_database)
    sessions = db.make_session_factory(engine)
    with sessions() as session:
        assert "prev_hash" not in {c["name"] for c in sa.inspect(engine).get_columns(
            "audit_event")}
        assert audit.verify(session) is None
        ids = session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()
        _tamper(session, delete(AuditEvent).where(AuditEvent.id == ids[1]))
        problem = audit.verify(session)
        assert problem is not None and problem.event_id == ids[2]
    engine.dispose()
