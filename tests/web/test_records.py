"""The data protection officer: who has seen a record, the subject access export,
retention (report, dry run, purge) and backup / restore into an empty database."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os

import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.engine import make_url

from engine import audit, db, migrate
from engine.models import AuditEvent, Child, Episode
from web.cli import main

from .conftest import sign_in


def test_who_has_seen_lists_views_with_who_when_and_from_where(client, app, world,
                                                               make_user, session):
    sign_in(client, world.sw.email)
    client.get(f"/children/{world.child.id}")
    client.get(f"/cases/{world.case.id}")
    client.post("/sign-out")
    dpo = make_user("dpo", org=world.council, name="Dana DPO")
    sign_in(client, dpo.email)
    assert "Who has seen this record" in client.get(
        f"/children/{world.child.id}").get_data(as_text=True)
    page = client.get(f"/children/{world.child.id}/who-has-seen")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Sam Social Worker" in html and "Child&#39;s page" in html or "Child's page" in html
    assert "Case page" in html and "Reported missing or away" in html
    assert page.headers["Cache-Control"] == "no-store"


def test_who_has_seen_refuses_other_roles_and_outsiders(client, world, make_user):
    sign_in(client, world.sw.email)
    assert client.get(f"/children/{world.child.id}/who-has-seen").status_code == 403
    client.post("/sign-out")
    outsider_dpo = make_user("dpo", org=world.other_council)
    sign_in(client, outsider_dpo.email)
    assert client.get(f"/children/{world.child.id}/who-has-seen").status_code == 404


def test_subject_access_export_holds_everything_and_is_audited(client, world, make_user,
                                                               session):
    dpo = make_user("dpo", org=world.council)
    sign_in(client, dpo.email)
    response = client.get(f"/children/{world.child.id}/subject-access")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    body = json.loads(response.get_data(as_text=True))
    assert body["child"]["last_name"] == "Example"
    assert body["episodes"][0]["report"]["clothing"]
    assert body["cases"] and body["cases"][0]["work"]
    assert "state" not in body["cases"][0]
    assert any(e["action"] == "episode.reported" for e in body["who_viewed_or_changed"])
    session.rollback()
    event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.detail["page"]) == ("child.viewed", "subject_access")
    manager = make_user("team_manager", org=world.council)
    client.post("/sign-out")
    sign_in(client, manager.email)
    assert client.get(f"/children/{world.child.id}/subject-access").status_code == 403


def test_retention_report_dry_run_and_purge(world, make_child, session, database_url,
                                            fake_clock):
    old = make_child(world.council, first_name="Old", date_of_birth=dt.date(1950, 1, 1))
    died = make_child(world.council, first_name="Died", date_of_birth=dt.date(2000, 1, 1),
                      date_of_death=dt.date(2010, 6, 1))
    young = make_child(world.council, first_name="Young", date_of_birth=dt.date(1960, 1, 1))
    old_id, died_id, kept_id = old.id, died.id, world.child.id
    cli = CliRunner()
    report = cli.invoke(main, ["--database-url", database_url, "retention", "report"])
    assert f"child {old.id}: kept until 2025-01-01" in report.output
    assert f"child {died.id}: kept until 2025-06-01, 15 years after their death" in report.output
    assert f"child {young.id}:" not in report.output  # in care: to 2035
    assert f"child {world.child.id}:" not in report.output
    dry = cli.invoke(main, ["--database-url", database_url, "retention", "purge", "--dry-run"])
    assert "2 records would be removed" in dry.output
    session.rollback()
    assert session.get(Child, old.id) is not None
    done = cli.invoke(main, ["--database-url", database_url, "retention", "purge"])
    assert done.exit_code == 0, done.output
    session.rollback()
    session.expunge_all()
    assert session.get(Child, old_id) is None and session.get(Child, died_id) is None
    assert session.get(Child, kept_id) is not None
    assert session.scalar(select(Episode.child_id)) == kept_id
    purged = session.scalars(select(AuditEvent.child_id).where(
        AuditEvent.action == "child.purged")).all()
    assert sorted(purged) == sorted([old_id, died_id])
    assert audit.verify(session) is None


def test_backup_restores_into_an_empty_database_and_the_trail_verifies(
        world, database_url, session, tmp_path):
    cli = CliRunner()
    target = tmp_path / "backup.dump"
    made = cli.invoke(main, ["--database-url", database_url, "backup", str(target)])
    assert made.exit_code == 0, made.output
    session.rollback()
    events = audit.count(session)
    with _empty_database(database_url, tmp_path) as empty:
        _restore_and_verify(cli, empty, target, events, world)


@contextlib.contextmanager
def _empty_database(database_url, tmp_path):
    """A second, empty database beside the test's: a new file on SQLite, a new database on
    the same PostgreSQL server (dropped afterwards)."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    url = make_url(database_url)
    name = f"{url.database}_restore_{os.getpid()}"
    server = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE template0'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def _restore_and_verify(cli, empty, target, events, world):
    restored = cli.invoke(main, ["--database-url", empty, "restore", str(target)])
    assert restored.exit_code == 0, restored.output
    again = cli.invoke(main, ["--database-url", empty, "restore", str(target)])
    assert again.exit_code == 1 and "not empty" in again.output
    verified = cli.invoke(main, ["--database-url", empty, "audit", "verify"])
    assert verified.exit_code == 0, verified.output
    assert f"{events} events" in verified.output
    engine = db.make_engine(empty)
    with db.make_session_factory(engine)() as copy:
        assert copy.get(Child, world.child.id).last_name == "Example"
    engine.dispose()
    migrate.upgrade(empty)  # already at the head: nothing to do
