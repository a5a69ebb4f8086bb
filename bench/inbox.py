"""The inbox of one user with 10,000 open team items and 100,000 closed cases: real HTTP
requests through the Flask app (test client, full request cycle: session, access filter,
query, template), on SQLite by default or on BENCH_DATABASE_URL (an empty database it may
fill; PostgreSQL is the one issue 16's targets are for).

Seeds BENCH_OPEN (10,000) open work items for the social-worker role on a fifth as many
cases of children of the user's council, and BENCH_CLOSED (100,000) closed cases of the
same children with three completed items each (what a council holds after a few years),
then times the Team work page (first page, a filtered page, a deep page by its number and
by the Next link a person follows to it), My work, and the API's team list. Prints p50 and
p95 in milliseconds beside the target (p95 at most 30 ms at 10,000 open; 40 ms at
100,000). BENCH_REUSE=1 measures the data an earlier run left in BENCH_DATABASE_URL
instead of seeding again. Not a test: nothing fails on a time.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from engine import clock, db, migrate  # noqa: E402
from engine.models import (  # noqa: E402
    Case,
    Child,
    Organisation,
    ProcessVersion,
    User,
    UserRole,
    WorkItem,
)
from web import create_app  # noqa: E402

ITEMS = int(os.environ.get("BENCH_OPEN", "10000"))
CLOSED = int(os.environ.get("BENCH_CLOSED", "100000"))
CLOSED_ITEMS_PER_CASE = 3
ITEMS_PER_CASE = 5
RUNS = int(os.environ.get("BENCH_RUNS", "200"))
PASSWORD = "bench-password"  # noqa: S105


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def seed(url: str) -> str:
    from werkzeug.security import generate_password_hash

    engine = db.make_engine(url)
    now = clock.now()
    with engine.begin() as conn:
        council = conn.execute(insert(Organisation).values(
            code="bench-la", name="Bench Council", kind="local_authority")).inserted_primary_key[0]
        user_id = conn.execute(insert(User).values(
            email="bench@example.org", name="Bench Worker", organisation_id=council,
            password_hash=generate_password_hash(PASSWORD), active=True,
            created_at=now)).inserted_primary_key[0]
        conn.execute(insert(UserRole).values(user_id=user_id, role="social_worker"))
        version = conn.execute(insert(ProcessVersion).values(
            process_id="episode", version=1, filename="episode.bpmn", xml=b"", spec_json="{}",
            sha256="0" * 64, calls=[], published_by="bench", published_at=now,
            note="")).inserted_primary_key[0]
        cases = ITEMS // ITEMS_PER_CASE
        conn.execute(insert(Child), [
            {"first_name": "Child", "last_name": f"Number {n}",
             "date_of_birth": dt.date(2010, 1, 1) + dt.timedelta(days=n % 2000),
             "legal_status": "care_order", "responsible_org_id": council, "flags": {},
             "created_at": now} for n in range(cases)])
        child_ids = [r[0] for r in conn.exec_driver_sql("SELECT id FROM child ORDER BY id")]
        conn.execute(insert(Case), [
            {"process_id": "episode", "process_version_id": version, "spec_versions": {},
             "child_id": child_id, "status": "running", "stage": ("report", "locate")[n % 2],
             "state": "{}", "revision": 1, "created_at": now, "updated_at": now}
            for n, child_id in enumerate(child_ids)])
        case_ids = [r[0] for r in conn.exec_driver_sql(
            "SELECT id FROM case_record ORDER BY id")]
        conn.execute(insert(WorkItem), [
            {"case_id": case_id, "task_id": f"{case_id}-{k}", "process_id": "locate",
             "element_id": f"task_{k}", "name": f"Task {k}", "role": "social_worker",
             "form_key": "daily_contact", "state": "open", "created_at": now,
             "due_at": now + dt.timedelta(minutes=(case_id * 7 + k * 131) % 10_000 - 2_000)}
            for case_id in case_ids for k in range(ITEMS_PER_CASE)])
        _closed_cases(conn, version, child_ids, now)
    if engine.dialect.name == "postgresql":
        # What autovacuum would soon do after a bulk load: give the planner statistics.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    return "bench@example.org"


def _closed_cases(conn, version, child_ids, now) -> None:
    """CLOSED completed cases over the same children, in batches (each with its items)."""
    batch = 10_000
    for start in range(0, CLOSED, batch):
        count = min(batch, CLOSED - start)
        first = conn.execute(insert(Case).values(
            process_id="episode", process_version_id=version, spec_versions={},
            child_id=child_ids[start % len(child_ids)], status="completed", stage="closed",
            state="{}", revision=30, created_at=now - dt.timedelta(days=400),
            updated_at=now - dt.timedelta(days=300),
            completed_at=now - dt.timedelta(days=300))).inserted_primary_key[0]
        conn.execute(insert(Case), [
            {"process_id": "episode", "process_version_id": version, "spec_versions": {},
             "child_id": child_ids[(start + n) % len(child_ids)], "status": "completed",
             "stage": "closed", "state": "{}", "revision": 30,
             "created_at": now - dt.timedelta(days=400 - n % 365),
             "updated_at": now - dt.timedelta(days=300 - n % 300),
             "completed_at": now - dt.timedelta(days=300 - n % 300)}
            for n in range(1, count)])
        ids = [r[0] for r in conn.exec_driver_sql(
            f"SELECT id FROM case_record WHERE id >= {int(first)} ORDER BY id")]  # noqa: S608
        conn.execute(insert(WorkItem), [
            {"case_id": case_id, "task_id": f"{case_id}-c{k}", "process_id": "episode",
             "element_id": f"done_{k}", "name": f"Done {k}", "role": "social_worker",
             "form_key": "daily_contact", "state": "completed",
             "created_at": now - dt.timedelta(days=350),
             "completed_at": now - dt.timedelta(days=349),
             "due_at": now - dt.timedelta(days=349)}
            for case_id in ids for k in range(CLOSED_ITEMS_PER_CASE)])


def _seeded(url: str) -> bool:
    """An earlier run's data is there, at the schema's head (BENCH_REUSE=1 keeps it)."""
    from sqlalchemy import inspect

    engine = db.make_engine(url)
    try:
        if not inspect(engine).has_table("user_account"):
            return False
        migrate.upgrade(url)
        with engine.connect() as conn:
            return conn.scalar(select(User.id).where(
                User.email == "bench@example.org")) is not None
    finally:
        engine.dispose()


def _api_key(url) -> dict:
    from web.api import keys

    engine = db.make_engine(url)
    with db.make_session_factory(engine)() as session:
        council = session.scalar(select(Organisation.id).where(
            Organisation.code == "bench-la"))
        _, plain = keys.create(session, organisation_id=council, roles=["social_worker"],
                               name="Bench system")
    engine.dispose()
    return {"Authorization": f"Bearer {plain}"}


def _next_link(client, page: int) -> str:
    """The Next link on team page `page`: how a person reaches the page after it (the link
    carries where that page starts; `page=N` alone makes the inbox find the start)."""
    html = client.get(f"/?tab=team&page={page}").get_data(as_text=True)
    found = re.search(rf'href="([^"]*\bpage={page + 1}&amp;after=[^"]*)"', html)
    assert found, f"no Next link on page {page}"
    return found.group(1).replace("&amp;", "&")


def measure(client, path: str, headers=None) -> tuple[float, float]:
    for _ in range(10):  # warm caches and the connection pool
        answer = client.get(path, headers=headers)
        assert answer.status_code == 200, (path, answer.status_code, answer.location)
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        response = client.get(path, headers=headers)
        response.get_data()
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    return statistics.median(times), percentile(times, 95)


def main():
    clock.install()
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
        if os.environ.get("BENCH_REUSE") and _seeded(url):
            email = "bench@example.org"  # seeded by an earlier run: 100,000 cases take a while
        else:
            if url.startswith("postgresql"):
                import pgdb

                pgdb.fresh(url)
            migrate.upgrade(url)
            email = seed(url)
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench",
                          "SAFEGUARD_ENV": "development",
                          "WTF_CSRF_ENABLED": False, "SESSION_COOKIE_SECURE": False,
                          "SECOND_FACTOR": False})
        client = app.test_client()
        assert client.post("/sign-in", data={"email": email,
                                             "password": PASSWORD}).status_code == 302
        print(f"inbox of one user with {ITEMS:,} open team items and {CLOSED:,} closed cases "
              f"({app.extensions['sqlalchemy_engine'].dialect.name}, {RUNS} requests each; "
              f"target p95 at most {30 if ITEMS <= 10_000 else 40} ms)")
        for label, path in (("Team work, page 1", "/?tab=team"),
                            ("Team work, overdue only", "/?tab=team&due=overdue"),
                            ("Team work, page 200", "/?tab=team&page=200"),
                            ("  the same, by its Next", _next_link(client, 199)),
                            ("My work", "/?tab=mine")):
            p50, p95 = measure(client, path)
            print(f"  {label:<26} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms")
        headers = _api_key(url)
        p50, p95 = measure(client, "/api/v1/work-items?scope=team", headers)
        print(f"  {'API team list, page 1':<26} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms")
        app.extensions["sqlalchemy_engine"].dispose()


if __name__ == "__main__":
    main()
