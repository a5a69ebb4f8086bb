"""Issue 15: a killed PostgreSQL connection (pg_terminate_backend of the app's own backend)
is no error page. Killed while idle in the pool: replaced unseen. Killed under a read: the
read runs again on a fresh connection. Killed inside a command: the command, which had
changed nothing, runs again. Killed while committing: a "try again" page that keeps what
was typed (the change may or may not be saved, so it is not repeated blindly)."""

import html

import pytest
from sqlalchemy import event, text

from engine.models import WorkItem
from web import create_app

from .conftest import open_items, sign_in

APP_NAME = "safeguard-killed-connection-test"
GRADE = {"risk_grade": "medium", "risk_reason": "Typed before the database went away",
         "ce_linked": "no", "action": "complete"}


@pytest.fixture
def app(database_url, sessions, fake_clock, db_engine):
    if db_engine.dialect.name != "postgresql":
        pytest.skip("pg_terminate_backend is PostgreSQL's")
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test",
                      "WTF_CSRF_ENABLED": False, "SESSION_COOKIE_SECURE": False,
                      "PROPAGATE_EXCEPTIONS": False,
                      "DATABASE_ENGINE_OPTIONS": {
                          "connect_args": {"application_name": APP_NAME}}})
    yield app
    app.extensions["sqlalchemy_engine"].dispose()


def kill(db_engine, pid=None) -> int:
    """Terminate the app's backend `pid` (or all of them), waiting until it is gone."""
    where = "pid = :pid" if pid else "application_name = :name"
    with db_engine.connect() as conn:
        killed = conn.execute(text(
            f"SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity "  # noqa: S608
            f"WHERE {where}"), {"pid": pid, "name": APP_NAME}).scalar()
        conn.commit()
    return killed


def kill_once_at(app, db_engine, when):
    """Kill the app's connection the first time `when(statement)` says so, just before the
    statement runs (or, with when=None, just before the commit of a change)."""
    engine = app.extensions["sqlalchemy_engine"]
    armed = {"left": 1, "wrote": False}

    def pid_of(conn):
        return conn.connection.dbapi_connection.info.backend_pid

    if when is None:
        @event.listens_for(engine, "before_cursor_execute")
        def on_write(conn, cursor, statement, *_):
            armed["wrote"] = armed["wrote"] or statement.startswith(("UPDATE", "INSERT"))

        @event.listens_for(engine, "commit")
        def on_commit(conn):
            if armed["left"] and armed["wrote"]:
                armed["left"] -= 1
                kill(db_engine, pid_of(conn))
    else:
        @event.listens_for(engine, "before_cursor_execute")
        def on_execute(conn, cursor, statement, *_):
            if armed["left"] and when(statement):
                armed["left"] -= 1
                kill(db_engine, pid_of(conn))
    return armed


def _grade_item(session):
    return next(i for i in open_items(session, role="police") if i.form_key == "grade_risk")


def test_a_connection_killed_idle_in_the_pool_is_replaced_unseen(app, client, world, session,
                                                                 db_engine):
    sign_in(client, world.police.email)
    assert client.get("/").status_code == 200
    assert kill(db_engine) >= 1
    assert client.get("/").status_code == 200
    item = _grade_item(session)
    assert client.post(f"/work/{item.id}/claim").status_code == 302


def test_a_read_whose_connection_dies_is_read_again(app, client, world, session, db_engine):
    item = _grade_item(session)
    sign_in(client, world.police.email)
    armed = kill_once_at(app, db_engine, lambda s: "FROM work_item" in s)
    response = client.get(f"/work/{item.id}")
    assert armed["left"] == 0  # it was killed
    assert response.status_code == 200
    assert "Grade the risk" in response.get_data(as_text=True)


def test_a_command_whose_connection_dies_before_commit_runs_again(app, client, world,
                                                                  session, db_engine):
    item = _grade_item(session)
    sign_in(client, world.police.email)
    armed = kill_once_at(app, db_engine, lambda s: s.startswith("UPDATE work_item"))
    response = client.post(f"/work/{item.id}/claim")
    assert armed["left"] == 0
    assert response.status_code == 302
    session.rollback()
    assert session.get(WorkItem, item.id).assignee_id == world.police.id


def test_a_connection_killed_while_committing_gives_try_again_keeping_what_was_typed(
        app, client, world, session, db_engine):
    item = _grade_item(session)
    sign_in(client, world.police.email)
    armed = kill_once_at(app, db_engine, None)
    response = client.post(f"/work/{item.id}", data=GRADE)
    assert armed["left"] == 0
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 503
    assert "Sorry, try that again" in page and "may or may not have been saved" in page
    assert 'name="risk_reason" value="Typed before the database went away"' in page
    assert f'action="/work/{item.id}"' in page
    session.rollback()
    assert session.get(WorkItem, item.id).state == "open"
    # Sending it again (what the page's button does) completes the work.
    again = client.post(f"/work/{item.id}", data=GRADE)
    assert again.status_code == 302, again.get_data(as_text=True)[:500]
    session.rollback()
    assert session.get(WorkItem, item.id).state == "completed"
