"""How fast the process page's counts are with 10,000 open cases (target: 200 ms).

Builds, on SQLite (or BENCH_DATABASE_URL), 10,000 running cases of the episode diagram
spread over 5 organisations and 3 risk grades, each with one open work item at one of the
report diagram's user tasks (a fifth of them overdue) and one waiting timer. The rows are
copies of a real case's projections written in bulk, since the page reads projections
only. Then times `element_counts` (unfiltered and filtered) and `cases_at`.
Then the same through real requests of a signed-in team manager (Flask test client: session,
the `visible_cases` access filter, query, template or JSON): the counts the page's diagram
fetches, the table, and the cases at one element.
Prints median and p95. Not a test: nothing fails on a time.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine import clock, db, forms, migrate, process_page, specs  # noqa: E402
from engine.commands import PublishProcesses, ReportEpisode  # noqa: E402
from engine.executor import SYSTEM, run  # noqa: E402
from engine.models import (  # noqa: E402
    Case,
    Child,
    Episode,
    Organisation,
    Timer,
    User,
    UserRole,
    WorkItem,
)
from engine.process_page import Filters  # noqa: E402

CASES = 10_000
RUNS = 50


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main():
    clock.install()
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
        if url.startswith("postgresql"):  # a scratch database: start it empty
            with db.make_engine(url).begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        migrate.upgrade(url)
        sessions = db.make_session_factory(db.make_engine(url))
        with sessions() as session:
            orgs = build(session)
            bench(session, orgs)
            email = manager(session, orgs[1])
        bench_requests(url, email)


PASSWORD = "bench-password"  # noqa: S105


def manager(session, org) -> str:
    from werkzeug.security import generate_password_hash

    with session.begin():
        session.add(User(email="manager@example.org", name="Bench Manager",
                         organisation_id=org.id, password_hash=generate_password_hash(PASSWORD),
                         roles=[UserRole(role="team_manager")]))
    return "manager@example.org"


def bench_requests(url, email):
    from web import create_app

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "SAFEGUARD_ENV": "development",
                      "SESSION_COOKIE_SECURE": False, "SECOND_FACTOR": False})
    client = app.test_client()
    assert client.post("/sign-in", data={"email": email, "password": PASSWORD}).status_code == 302
    for label, path in (("counts.json (what the diagram shows)", "/processes/report/counts.json"),
                        ("counts.json, high risk", "/processes/report/counts.json?risk_grade=high"),
                        ("the table page", "/processes/report/table"),
                        ("cases at one element", "/processes/report/elements/grade_risk")):
        for _ in range(5):
            assert client.get(path).status_code == 200
        times = []
        for _ in range(RUNS):
            started = time.perf_counter()
            response = client.get(path)
            response.get_data()
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        print(f"request {label}: median {statistics.median(times):.1f} ms, "
              f"p95 {percentile(times, 95):.1f} ms over {RUNS} requests (target 200 ms)")
    app.extensions["sqlalchemy_engine"].dispose()


def build(session):
    run(session, PublishProcesses(specs.read_directory(ROOT / "processes")), SYSTEM)
    with session.begin():
        orgs = [Organisation(code=f"org{n}", name=f"Council {n}", kind="local_authority")
                for n in range(5)]
        session.add_all(orgs)
        session.flush()
        child = Child(first_name="Bench", last_name="Child", date_of_birth=dt.date(2012, 1, 1),
                      responsible_org_id=orgs[0].id, flags={})
        session.add(child)
    episode = run(session, ReportEpisode(child.id, forms.load("missing_report")["example"]),
                  SYSTEM)
    template = session.scalar(select(Case).where(Case.episode_id == episode.id))
    elements = [(e, n) for e, n in
                _user_tasks(specs.read_directory(ROOT / "processes")["report.bpmn"])]
    now = clock.now()
    rng = random.Random(6)
    session.commit()
    started = time.perf_counter()
    with session.begin():
        first_child = session.scalar(select(Child.id).order_by(Child.id.desc())) + 1
        first_episode = session.scalar(select(Episode.id).order_by(Episode.id.desc())) + 1
        first_case = session.scalar(select(Case.id).order_by(Case.id.desc())) + 1
        children, episodes, cases, items, timers = [], [], [], [], []
        for n in range(CASES):
            org = orgs[n % len(orgs)]
            children.append(dict(id=first_child + n, first_name="Child", last_name=str(n),
                                 date_of_birth=dt.date(2011, 1, 1), flags={},
                                 legal_status="not_in_care", responsible_org_id=org.id,
                                 created_at=now))
            episodes.append(dict(id=first_episode + n, child_id=first_child + n, category="M",
                                 last_seen_at=now, reported_at=now, report={},
                                 risk_grade=("high", "medium", "low")[n % 3], status="open",
                                 created_at=now))
            cases.append(dict(id=first_case + n, process_id="episode",
                              process_version_id=template.process_version_id,
                              spec_versions=template.spec_versions, child_id=first_child + n,
                              episode_id=first_episode + n, status="running",
                              stage="report", state=template.state, revision=1,
                              created_at=now, updated_at=now))
            element, name = rng.choice(elements)
            due = now + dt.timedelta(hours=rng.choice([-2, 1, 2, 5, 24]))
            items.append(dict(case_id=first_case + n, task_id=f"{n:036d}", process_id="report",
                              element_id=element, name=name, role="police", state="open",
                              due_at=due, created_at=now))
            timers.append(dict(case_id=first_case + n, task_id=f"{n:036d}",
                               process_id="report", element_id=f"{element}_deadline",
                               name="deadline", due_at=due, state="waiting"))
        for table, rows in ((Child, children), (Episode, episodes), (Case, cases),
                            (WorkItem, items), (Timer, timers)):
            session.execute(insert(table), rows)
    if session.get_bind().dialect.name == "postgresql":
        # What autovacuum would soon do after a bulk load: give the planner statistics.
        with session.get_bind().connect().execution_options(
                isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    print(f"built {CASES} open cases in {time.perf_counter() - started:.1f} s "
          f"on {session.get_bind().dialect.name}")
    return orgs


def _user_tasks(xml: bytes):
    root = specs.parse_xml(xml, "report.bpmn")
    for task in root.iter(f"{{{specs.BPMN_NS}}}userTask"):
        yield task.get("id"), task.get("name") or task.get("id")


def bench(session, orgs):
    now = clock.now()
    visible = select(Case.id).join(Child).where(Child.responsible_org_id == orgs[1].id)
    cases = {
        "counts, no filter": lambda: process_page.element_counts(session, "report", now),
        "counts, organisation": lambda: process_page.element_counts(
            session, "report", now, Filters(organisation_id=orgs[2].id)),
        "counts, organisation + risk + team": lambda: process_page.element_counts(
            session, "report", now, Filters(orgs[2].id, "police", "high")),
        "counts, a manager's visible cases": lambda: process_page.element_counts(
            session, "report", now, visible=visible),
        "cases at one element": lambda: process_page.cases_at(
            session, "report", "grade_risk", now),
    }
    for label, call in cases.items():
        times = []
        for _ in range(RUNS):
            started = time.perf_counter()
            call()
            times.append((time.perf_counter() - started) * 1000)
            session.rollback()
        print(f"process page {label}: median {statistics.median(times):.1f} ms, "
              f"p95 {percentile(times, 95):.1f} ms over {RUNS} runs (target 200 ms)")


if __name__ == "__main__":
    main()
