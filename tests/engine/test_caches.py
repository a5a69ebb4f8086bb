"""Issue 16: what every command reads and almost nothing changes is cached per process,
and a change is still seen: at once in the process that made it, within caches.TTL seconds
in any other (a gunicorn worker, the timer worker)."""

import datetime as dt

from sqlalchemy import event, insert

from engine import caches, runtime
from engine.commands.holidays import AddBankHoliday
from engine.executor import SYSTEM, run
from engine.models import BankHoliday


def _working_day_after(session, when="2026-03-02T09:00:00+00:00"):
    after = runtime.script_engine(session).environment.globals["sg_working_days_after"]
    return after(when, 1)[:10]


def test_r28_a_holiday_added_here_is_seen_by_the_next_command(session, fake_clock):
    assert _working_day_after(session) == "2026-03-03"
    session.rollback()
    assert run(session, AddBankHoliday(dt.date(2026, 3, 3), "One-off"), SYSTEM)
    assert _working_day_after(session) == "2026-03-04"


def test_r28_a_holiday_added_by_another_process_is_seen_once_the_cache_ages(
        session, db_engine, fake_clock, monkeypatch):
    assert _working_day_after(session) == "2026-03-03"
    session.rollback()
    # Another process writes the row: this process's Session never flushes it.
    with db_engine.begin() as conn:
        conn.execute(insert(BankHoliday).values(day=dt.date(2026, 3, 3), name="Elsewhere",
                                                added_by="tests", added_at=fake_clock.now()))
    monkeypatch.setattr(caches, "TTL", 3600.0)
    assert _working_day_after(session) == "2026-03-03"  # still the cached copy
    session.rollback()
    monkeypatch.setattr(caches, "TTL", 0.0)  # its life is over
    assert _working_day_after(session) == "2026-03-04"


def test_published_version_rows_are_read_once_per_process(session, published, db_engine):
    ids = [v.id for v in published]
    statements = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    caches.clear()
    event.listen(db_engine, "before_cursor_execute", seen)
    try:
        first = caches.version_rows(session, ids)
        again = caches.version_rows(session, ids)
    finally:
        event.remove(db_engine, "before_cursor_execute", seen)
    assert sorted(first) == sorted(again) and len(first) == len(ids)
    assert len([s for s in statements if "FROM process_version" in s]) == 1
    assert {row.sha256 for row in first} == {v.sha256 for v in published}
