"""Many due timers at once, fast: start one case through the engine, then copy its rows
(case state, work items, timers) with a few bulk inserts. Used by the process tests and
by bench/timers.py."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, insert, select, update

from engine import clock
from engine.models import AuditEvent, Case, Notification, Timer, WorkItem

ROOT = Path(__file__).resolve().parents[2]


def hold(engine, case_id: int) -> None:
    """Keep a template case out of the workers' way."""
    with engine.begin() as conn:
        conn.execute(update(Case.__table__).where(Case.__table__.c.id == case_id)
                     .values(status="template"))


def clone_cases(engine, template_id: int, count: int) -> list[int]:
    """`count` running copies of a case, with its timers and work items, in one
    transaction (so a running worker sees them all at once)."""
    cases, timers, items = Case.__table__, Timer.__table__, WorkItem.__table__
    with engine.begin() as conn:
        template = dict(conn.execute(select(cases).where(cases.c.id == template_id))
                        .mappings().one())
        del template["id"]
        template["status"] = "running"
        ids = conn.execute(insert(cases).returning(cases.c.id, sort_by_parameter_order=True),
                           [template] * count).scalars().all()
        for table in (timers, items):
            rows = [dict(row) for row in conn.execute(
                select(table).where(table.c.case_id == template_id)).mappings()]
            for row in rows:
                del row["id"]
            conn.execute(insert(table), [{**row, "case_id": case_id}
                                         for case_id in ids for row in rows])
    return ids


def fired_count(engine, ids) -> int:
    # Copies get consecutive ids: a range is far cheaper to poll than 10,000 parameters.
    first, last = min(ids), max(ids)
    among = (Timer.case_id.between(first, last) if last - first + 1 == len(ids)
             else Timer.case_id.in_(ids))
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(Timer).where(
            among, Timer.state == "fired"))


def per_case(engine, ids, query) -> dict[int, int]:
    """{case id: count} for a `select(X.case_id, count)` query, over `ids`."""
    with engine.connect() as conn:
        return dict(conn.execute(query).all())


def firing_record(engine, ids) -> dict[str, dict[int, int]]:
    """How many times each case's deadline fired, counted every way it shows."""
    in_ids = list(ids)
    count = func.count()
    return {
        "timer rows fired": per_case(engine, ids, select(Timer.case_id, count).where(
            Timer.case_id.in_(in_ids), Timer.state == "fired").group_by(Timer.case_id)),
        "escalation work items": per_case(engine, ids, select(WorkItem.case_id, count).where(
            WorkItem.case_id.in_(in_ids), WorkItem.element_id == "escalate")
            .group_by(WorkItem.case_id)),
        "audit events": per_case(engine, ids, select(AuditEvent.case_id, count).where(
            AuditEvent.case_id.in_(in_ids), AuditEvent.action == "timers.fired")
            .group_by(AuditEvent.case_id)),
        "notifications": per_case(engine, ids, select(Notification.case_id, count).where(
            Notification.case_id.in_(in_ids)).group_by(Notification.case_id)),
    }


def spawn_worker(url: str, frozen_now, log_path: Path, *args: str) -> subprocess.Popen:
    """`safeguard worker` in a process of its own, on a clock stopped at `frozen_now`."""
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "web.cli", "--database-url", url, "worker",
             "--frozen-now", frozen_now.isoformat(), *args],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)


def wait_until(predicate, timeout: float, what: str) -> None:
    """Poll a real process's progress (the one place tests wait in real time)."""
    real = clock.SystemClock()
    deadline = real.monotonic() + timeout
    while not predicate():
        if real.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.2)
