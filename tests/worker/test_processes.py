"""Workers as real processes (`safeguard worker` on a frozen clock): two at once against
PostgreSQL, one killed with SIGKILL mid-batch and restarted, and SQLite refusing a second.
Every deadline fires exactly once: one timer row fired, one escalation work item, one
audit event and one notification per case, none missing."""

import datetime as dt
import os
import signal
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from engine.models import AuditEvent
from tests.worker.seeding import (
    ROOT,
    clone_cases,
    fired_count,
    firing_record,
    hold,
    spawn_worker,
    wait_until,
)

H = dt.timedelta(hours=1)


@pytest.fixture
def due_template(session, fake_clock, start, db_engine):
    """A `deadline` case due in an hour, held out of the workers' way, to copy."""
    template = start(fake_clock.now() + H)
    hold(db_engine, template)
    return template


def assert_each_fired_once(db_engine, ids):
    for what, counts in firing_record(db_engine, ids).items():
        assert set(counts) == set(ids), f"{what}: {len(set(ids) - set(counts))} cases missing"
        twice = {case_id: n for case_id, n in counts.items() if n != 1}
        assert not twice, f"{what}: {len(twice)} cases more than once"


def logged(path):
    return path.read_text() if path.exists() else ""


def test_two_workers_fire_1000_timers_due_at_once_each_exactly_once(
        db_engine, database_url, fake_clock, due_template, tmp_path):
    if db_engine.dialect.name != "postgresql":
        pytest.skip("several workers need PostgreSQL (SQLite takes one worker)")
    frozen = fake_clock.now() + 2 * H
    logs = [tmp_path / "worker-1.log", tmp_path / "worker-2.log"]
    workers = [spawn_worker(database_url, frozen, log) for log in logs]
    try:
        wait_until(lambda: all("started" in logged(log) for log in logs), 60,
                   "both workers to start")
        ids = clone_cases(db_engine, due_template, 1000)
        wait_until(lambda: fired_count(db_engine, ids) == 1000, 120, "1000 timers to fire")
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        assert [worker.wait(timeout=30) for worker in workers] == [0, 0]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    assert all("stopped" in logged(log) for log in logs)
    assert_each_fired_once(db_engine, ids)
    # both took part
    with db_engine.connect() as conn:
        by_worker = dict(conn.execute(select(AuditEvent.actor, func.count()).where(
            AuditEvent.action == "timers.fired").group_by(AuditEvent.actor)).all())
    assert len(by_worker) == 2 and all(n > 0 for n in by_worker.values()), by_worker


def test_worker_killed_mid_batch_then_restarted_fires_every_timer_exactly_once(
        db_engine, database_url, fake_clock, due_template, tmp_path):
    frozen = fake_clock.now() + 2 * H
    ids = clone_cases(db_engine, due_template, 500)
    log = tmp_path / "worker.log"
    worker = spawn_worker(database_url, frozen, log)
    try:
        wait_until(lambda: fired_count(db_engine, ids) >= 50, 60, "50 timers to fire")
        worker.send_signal(signal.SIGKILL)
        assert worker.wait(timeout=30) == -signal.SIGKILL
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert 50 <= fired_count(db_engine, ids) < 500, "killed before the batch was done"

    restarted = spawn_worker(database_url, frozen, log, "--once")
    assert restarted.wait(timeout=120) == 0, logged(log)
    assert fired_count(db_engine, ids) == 500
    assert_each_fired_once(db_engine, ids)


def test_sqlite_refuses_a_second_worker_process(db_engine, database_url, fake_clock, tmp_path):
    if db_engine.dialect.name != "sqlite":
        pytest.skip("SQLite only: PostgreSQL takes several workers")
    log = tmp_path / "worker.log"
    first = spawn_worker(database_url, fake_clock.now(), log)
    try:
        wait_until(lambda: "started" in logged(log), 60, "the first worker to start")
        second = subprocess.run(
            [sys.executable, "-m", "web.cli", "--database-url", database_url, "worker",
             "--once"], cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert second.returncode == 1
        assert "SQLite takes one worker" in second.stderr
        assert f"pid {first.pid}" in second.stderr
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=30) == 0
    finally:
        if first.poll() is None:
            os.kill(first.pid, signal.SIGKILL)
            first.wait()
