"""Issue 15: with the default set-up (SQLite, the timer worker beside the web server),
normal use never meets "database is locked". The worker fires hundreds of due timers in a
process of its own while four people, each in a thread of the web app, open work (an
audited view: a write), claim it and give it back, for a bounded time: every answer is
the page they asked for, none an error."""

import datetime as dt
import threading
import time

import pytest
from sqlalchemy import select

from engine.models import User, UserRole, WorkItem
from tests.web.conftest import _PASSWORD_HASH, PASSWORD
from tests.worker.seeding import clone_cases, fired_count, hold, spawn_worker, wait_until
from web import create_app

SECONDS = 8.0
H = dt.timedelta(hours=1)


@pytest.fixture
def web_app(database_url, sessions, fake_clock):
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test",
                      "WTF_CSRF_ENABLED": False, "PROPAGATE_EXCEPTIONS": False})
    yield app
    app.extensions["sqlalchemy_engine"].dispose()


def test_worker_and_four_writers_on_sqlite_meet_no_error(
        session, fake_clock, db_engine, database_url, start, people, web_app, tmp_path):
    if db_engine.dialect.name != "sqlite":
        pytest.skip("the default set-up's SQLite; PostgreSQL has row locks")
    template = start(fake_clock.now() + H)
    hold(db_engine, template)
    mine = clone_cases(db_engine, template, 4)  # the four people's work: not due yet
    session.rollback()
    with session.begin():
        for case_id in mine:  # their timers are not the worker's to fire during the test
            session.execute(WorkItem.__table__.update().where(
                WorkItem.case_id == case_id).values(due_at=None))
    items = session.scalars(select(WorkItem.id).where(
        WorkItem.case_id.in_(mine), WorkItem.element_id == "do_it")).all()
    here = session.get(User, people.ids["police"]).organisation_id
    session.commit()  # end the reads
    with session.begin():
        writers = [User(email=f"writer{i}@example.org", name=f"Writer {i}",
                        password_hash=_PASSWORD_HASH, organisation_id=here,
                        roles=[UserRole(role="police")]) for i in range(4)]
        session.add_all(writers)
    due = clone_cases(db_engine, template, 400)  # the worker's work, due at once

    results: list[int] = []
    errors: list[str] = []

    def person(i: int):
        client = web_app.test_client()
        response = client.post("/sign-in", data={"email": writers[i].email,
                                                 "password": PASSWORD})
        assert response.status_code == 302
        until = time.monotonic() + SECONDS
        item = items[i]
        while time.monotonic() < until:
            for method, url in (("GET", f"/work/{item}"), ("POST", f"/work/{item}/claim"),
                                ("POST", f"/work/{item}/release"), ("GET", "/")):
                response = client.open(url, method=method)
                results.append(response.status_code)
                if response.status_code not in (200, 302):
                    errors.append(f"{method} {url}: {response.status_code} "
                                  f"{response.get_data(as_text=True)[:300]}")

    log = tmp_path / "worker.log"
    worker = spawn_worker(database_url, fake_clock.now() + 2 * H, log)
    try:
        wait_until(lambda: "started" in (log.read_text() if log.exists() else ""), 60,
                   "the worker to start")
        threads = [threading.Thread(target=person, args=(i,)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=SECONDS + 60)
        firing = fired_count(db_engine, due)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert not errors, errors[:5]
    assert len(results) >= 16, len(results)  # each of them got round at least once
    assert firing > 0, log.read_text()  # and the worker wrote meanwhile
    assert "database is locked" not in log.read_text()
