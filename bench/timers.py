"""Timers on time and at volume, on PostgreSQL with real worker processes.

1. Lateness: a `safeguard worker` runs on the real clock while 100 cases are started with
   deadlines spread over the next few seconds; how long after its due time each fired
   (the moment its firing was saved). Target: at most 1 s late, never early.
2. Volume: two `safeguard worker` processes, 10,000 timers due at once (copied in one
   transaction while the workers run): the time until the last has fired, and a check
   that each fired exactly once. Target: within 60 s.
3. The audit chain's cost: an in-process worker fires 1,000 timers and times, per
   transaction, how long it waits for and then holds the PostgreSQL advisory lock that
   serialises audit writes (held from the audit insert to the commit). Every worker on
   every machine shares that lock, so 1 / (hold time) bounds transactions per second.

The database is BENCH_DATABASE_URL, else postgresql+psycopg://postgres@127.0.0.1:5432/
safeguard_bench (created if missing). ITS SCHEMA IS DROPPED: never point it at real data.
Prints figures; nothing fails on a time.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import pgdb  # noqa: E402

from engine import clock, db  # noqa: E402
from engine.commands import PublishProcesses, StartCase  # noqa: E402
from engine.executor import SYSTEM, run  # noqa: E402
from engine.models import AuditEvent, Child, Organisation, Timer, User, UserRole  # noqa: E402
from engine.worker import Worker  # noqa: E402
from tests.worker.seeding import (  # noqa: E402
    clone_cases,
    fired_count,
    firing_record,
    hold,
    wait_until,
)

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/safeguard_bench"
DIAGRAM = ROOT / "tests" / "worker" / "diagrams" / "deadline.bpmn"
LATENESS_CASES = 100
VOLUME = 10_000
AUDIT_SAMPLE = 1_000


def main():
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    try:
        pgdb.ensure_database(url)
    except psycopg.OperationalError as exc:
        print(f"timers: PostgreSQL is not reachable ({exc}); skipped")
        return
    clock.install()
    engine = db.make_engine(url)
    sessions = db.make_session_factory(engine)
    print(f"timers: PostgreSQL {make_url(url).render_as_string(hide_password=True)}")

    pgdb.fresh(url, engine)
    child_id = setup(sessions)
    lateness(engine, sessions, url, child_id)

    pgdb.fresh(url, engine)
    child_id = setup(sessions)
    volume(engine, sessions, url, child_id)

    pgdb.fresh(url, engine)
    child_id = setup(sessions)
    audit_lock(engine, sessions, child_id)
    engine.dispose()


def setup(sessions) -> int:
    """The diagram, an authority, a child and a team manager (escalations notify them)."""
    with sessions() as session:
        run(session, PublishProcesses({"deadline.bpmn": DIAGRAM.read_bytes()}, "bench"),
            SYSTEM)
        with session.begin():
            org = Organisation(code="bench", name="Bench Council", kind="local_authority")
            session.add(org)
            session.flush()
            session.add(User(email="manager@example.org", name="Manager", password_hash="x",
                             organisation_id=org.id, roles=[UserRole(role="team_manager")]))
            child = Child(first_name="Bench", last_name="Child",
                          date_of_birth=dt.date(2011, 1, 1), responsible_org_id=org.id)
            session.add(child)
            session.flush()
            return child.id


def start(sessions, child_id, due) -> int:
    with sessions() as session:
        data = {"due_at": due.isoformat(), "explode": False}
        return run(session, StartCase("deadline", data, child_id=child_id), SYSTEM).id


def spawn(url, log_path):
    import subprocess

    with open(log_path, "ab") as log:
        return subprocess.Popen([sys.executable, "-m", "web.cli", "--database-url", url,
                                 "worker"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)


def stop(workers):
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    for worker in workers:
        worker.wait(timeout=60)


def started(logs) -> bool:
    return all(path.exists() and "started" in path.read_text() for path in logs)


def lateness(engine, sessions, url, child_id):
    with tempfile.TemporaryDirectory() as tmp:
        logs = [Path(tmp) / "worker.log"]
        workers = [spawn(url, logs[0])]
        try:
            wait_until(lambda: started(logs), 60, "the worker to start")
            first = clock.now() + dt.timedelta(seconds=3)
            ids = [start(sessions, child_id, first + dt.timedelta(seconds=0.07 * i))
                   for i in range(LATENESS_CASES)]
            wait_until(lambda: fired_count(engine, ids) == len(ids), 120, "every timer")
        finally:
            stop(workers)
    with engine.connect() as conn:
        late = [(fired - due).total_seconds() for due, fired in conn.execute(
            select(Timer.due_at, Timer.fired_at).where(Timer.case_id.in_(ids)))]
    print(f"  lateness, one worker, real clock, {len(late)} timers due over "
          f"{0.07 * LATENESS_CASES:.0f} s: median {statistics.median(late) * 1000:.0f} ms, "
          f"max {max(late) * 1000:.0f} ms, earliest {min(late) * 1000:+.0f} ms "
          f"({'never early' if min(late) > 0 else 'EARLY'})")


def volume(engine, sessions, url, child_id):
    template = start(sessions, child_id, clock.now() + dt.timedelta(seconds=1))
    hold(engine, template)
    time.sleep(1.1)  # the template's deadline, which the copies share, has passed
    with tempfile.TemporaryDirectory() as tmp:
        logs = [Path(tmp) / "worker-1.log", Path(tmp) / "worker-2.log"]
        workers = [spawn(url, log) for log in logs]
        try:
            wait_until(lambda: started(logs), 60, "both workers to start")
            ids = clone_cases(engine, template, VOLUME)
            due_from = clock.now()
            wait_until(lambda: fired_count(engine, ids) == VOLUME, 600, "every timer")
        finally:
            stop(workers)
    with engine.connect() as conn:
        last = conn.scalar(select(func.max(Timer.fired_at)).where(Timer.case_id.in_(ids)))
        by_worker = sorted(n for _, n in conn.execute(
            select(AuditEvent.actor, func.count()).where(AuditEvent.action == "timers.fired")
            .group_by(AuditEvent.actor)))
    took = (last - due_from).total_seconds()
    record = firing_record(engine, ids)
    once = all(len(counts) == VOLUME and set(counts.values()) == {1}
               for counts in record.values())
    print(f"  volume, two workers: {VOLUME:,} timers due at once fired in {took:.1f} s "
          f"({VOLUME / took:.0f} per second; split {by_worker}); each exactly once "
          f"(timer row, escalation item, audit event, notification): "
          f"{'yes' if once else 'NO'}")


def audit_lock(engine, sessions, child_id):
    template = start(sessions, child_id, clock.now() + dt.timedelta(milliseconds=500))
    hold(engine, template)
    clone_cases(engine, template, AUDIT_SAMPLE)
    time.sleep(0.6)
    timing = {"tx": [], "wait": [], "hold": []}
    marks = {}

    # The audit chain's lock: its head row read FOR UPDATE (engine/audit.py).
    def takes_lock(statement):
        return "FROM audit_head" in statement and "FOR UPDATE" in statement

    @event.listens_for(engine, "before_cursor_execute")
    def before(conn, cursor, statement, *args):
        if takes_lock(statement):
            marks["asked"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def after(conn, cursor, statement, *args):
        if takes_lock(statement):
            marks["got"] = time.perf_counter()

    @event.listens_for(engine, "begin")
    def begin(conn):
        marks.clear()
        marks["begin"] = time.perf_counter()

    def after_commit(session):
        end = time.perf_counter()
        if "got" in marks and "begin" in marks:
            timing["tx"].append(end - marks["begin"])
            timing["wait"].append(marks["got"] - marks["asked"])
            timing["hold"].append(end - marks["got"])

    event.listen(sessions, "after_commit", after_commit)
    worker = Worker(sessions, name="Bench worker")
    began = time.perf_counter()
    worker.run_once()
    took = time.perf_counter() - began
    event.remove(sessions, "after_commit", after_commit)
    for name, fn in (("before_cursor_execute", before), ("after_cursor_execute", after),
                     ("begin", begin)):
        event.remove(engine, name, fn)
    tx, wait, hold_ms = (statistics.median(timing[k]) * 1000 for k in ("tx", "wait", "hold"))
    print(f"  audit lock, one in-process worker, {AUDIT_SAMPLE:,} firings in {took:.1f} s: "
          f"median transaction {tx:.1f} ms, of which the audit lock is held {hold_ms:.2f} ms "
          f"({hold_ms / tx:.0%}; waited for {wait:.2f} ms): at most about "
          f"{1000 / hold_ms:.0f} audited transactions per second across all workers")


if __name__ == "__main__":
    main()
