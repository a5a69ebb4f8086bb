"""What a closed episode costs to keep, and what keeping it costs PostgreSQL's tables.

Runs whole episodes through the engine, each from the report to closed (found, every
item completed with its form's example, every timer fired), on SQLite and, if
BENCH_DATABASE_URL names one, on PostgreSQL. Then prints, per closed episode:
- the bytes of every row of its cases (case state, work items, timers, drafts, the
  episode and risk rows; the audit events that name its cases), and the case state alone,
  JSON and task count of the largest;
- on PostgreSQL, the growth of the tables' files over the run beside their live rows
  (every save of a case state leaves a dead copy until VACUUM).
Targets (issue 16): at most 8 KB per closed episode; PostgreSQL growth at most twice the
live size. Not a test: nothing fails on a size.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import tempfile
from pathlib import Path

from sqlalchemy import func, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from engine import clock, db, forms, migrate, specs, store  # noqa: E402
from engine.commands import (  # noqa: E402
    CompleteWorkItem,
    FireTimers,
    PublishProcesses,
    ReportEpisode,
    ReportFound,
)
from engine.commands.fire_timers import due_case_ids  # noqa: E402
from engine.executor import SYSTEM, run  # noqa: E402
from engine.models import Case, Child, Organisation, WorkItem  # noqa: E402
from web.demo import closing_answers  # noqa: E402

EPISODES = int(os.environ.get("BENCH_EPISODES", "40"))
TARGET_KB = 8
# Rows that belong to a case (by case_id) or to its episode (by episode_id).
CASE_TABLES = ("case_record", "work_item", "timer", "draft", "audit_event", "notification",
               "outbox")
EPISODE_TABLES = ("episode", "risk_assessment", "episode_segment")


def main():
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    fake = clock.FakeClock(start)
    clock.install()  # SpiffWorkflow's timers read the fake clock too
    clock.set_clock(fake)
    with tempfile.TemporaryDirectory() as tmp:
        measure(f"sqlite:///{tmp}/storage.sqlite3", fake)
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        import pgdb

        fake.set(start)
        measure(pgdb.fresh(url), fake)
    else:
        print("PostgreSQL: set BENCH_DATABASE_URL (an empty database it may fill) to measure")


def measure(url: str, fake) -> None:
    backend = url.split(":", 1)[0]
    migrate.upgrade(url)
    engine = db.make_engine(url)
    sessions = db.make_session_factory(engine)
    with sessions() as session:
        run(session, PublishProcesses(specs.read_directory(ROOT / "processes")), SYSTEM)
        before = _table_sizes(session) if backend.startswith("postgresql") else None
        episodes = [_close_one(session, fake, n) for n in range(EPISODES)]
        closed = [e for e in episodes if e is not None]
        cases = session.scalars(select(Case.id).where(Case.episode_id.in_(closed))).all()
        print(f"\n{backend}: {len(closed)} of {EPISODES} episodes closed, {len(cases)} cases")
        rows = _row_bytes(session, cases, closed)
        state = session.execute(select(func.sum(func.length(Case.state)),
                                       func.max(func.length(Case.state)))
                                .where(Case.id.in_(cases))).one()
        largest = session.scalar(select(Case.state).where(Case.id.in_(cases))
                                 .order_by(func.length(Case.state).desc()).limit(1))
        per = rows / max(len(closed), 1) / 1024
        print(f"  stored per closed episode (all rows of its cases): {per:.1f} KB "
              f"(target: at most {TARGET_KB} KB, {per / TARGET_KB:.1f}x)")
        print(f"  of which case state: {state[0] / max(len(closed), 1) / 1024:.1f} KB; "
              f"largest state {state[1] / 1024:.1f} KB with {_tasks(largest)} tasks "
              "(completed elements, once archived)")
        if before is not None:
            _growth(session, before, len(closed), rows)
            _steady_growth(engine, session, fake, rows / max(len(closed), 1))
    engine.dispose()


def _close_one(session, fake, n: int) -> int | None:
    """Report a child missing, find them two hours later, then complete and fire
    everything until the episode's case has finished. Returns the episode id."""
    with session.begin():
        org = session.scalar(select(Organisation).where(Organisation.code == "bench"))
        if org is None:
            org = Organisation(code="bench", name="Bench Council", kind="local_authority")
            session.add(org)
            session.flush()
        child = Child(first_name="Bench", last_name=f"Child {n}",
                      # twelve whatever the bench's clock has reached
                      date_of_birth=clock.london(clock.now()).date().replace(day=1)
                      - dt.timedelta(days=12 * 365), responsible_org_id=org.id,
                      legal_status="not_in_care", flags={})
        session.add(child)
    report = dict(forms.load("missing_report")["example"])
    now = clock.now()
    report.update(last_seen_at=(now - dt.timedelta(minutes=40)).isoformat(),
                  reported_at=(now - dt.timedelta(minutes=10)).isoformat(),
                  checks_deadline=(now - dt.timedelta(minutes=15)).isoformat())
    episode = run(session, ReportEpisode(child.id, report), SYSTEM).id
    fake.advance(hours=2)
    run(session, ReportFound(episode, clock.now(), "home", "parent_or_carer"), SYSTEM)
    for _ in range(200):
        item = session.scalar(select(WorkItem).join(WorkItem.case).where(
            WorkItem.state == "open", WorkItem.case.has(episode_id=episode))
            .order_by(WorkItem.id).limit(1))
        if item is None:
            fake.advance(days=8)  # past every deadline still waiting: its timer fires
            due = due_case_ids(session, clock.now())
            session.rollback()
            if not due:
                break
            for case_id in due:
                run(session, FireTimers(case_id), SYSTEM)
            continue
        example = closing_answers(item.form_key)
        session.rollback()
        run(session, CompleteWorkItem(item.id, example), SYSTEM)
    session.rollback()
    open_cases = session.scalar(select(func.count(Case.id)).where(
        Case.episode_id == episode, Case.status != "completed"))
    session.rollback()
    return episode if open_cases == 0 else None


def _row_bytes(session, case_ids, episode_ids) -> int:
    """Bytes of the rows' values as stored (the length of each value as text): a measure
    both databases give the same way. Prints each table's share."""
    total = 0
    shares = {}
    for table in CASE_TABLES + EPISODE_TABLES:
        key = "episode_id" if table in EPISODE_TABLES else "case_id"
        ids = episode_ids if key == "episode_id" else case_ids
        if table in ("episode", "case_record"):
            key = "id"
        if not _has_column(session, table, key):
            continue
        columns = _columns(session, table)
        size = " + ".join(f"coalesce(length(cast({c} as text)), 0)" for c in columns)
        for chunk in range(0, len(ids), 500):
            part = list(ids[chunk:chunk + 500])
            if not part:
                continue
            marks = ", ".join(str(int(i)) for i in part)
            part_bytes = session.execute(text(
                f"SELECT coalesce(sum({size}), 0) FROM {table} "  # noqa: S608 (names from the schema)
                f"WHERE {key} IN ({marks})")).scalar()
            total += part_bytes
            shares[table] = shares.get(table, 0) + part_bytes
    session.rollback()
    per = max(len(episode_ids), 1) * 1024
    print("  per closed episode by table: " + ", ".join(
        f"{t} {b / per:.1f} KB" for t, b in sorted(shares.items(), key=lambda x: -x[1]) if b))
    return int(total)


def _columns(session, table) -> list[str]:
    from sqlalchemy import inspect

    return [c["name"] for c in inspect(session.get_bind()).get_columns(table)]


def _has_column(session, table, column) -> bool:
    from sqlalchemy import inspect

    inspector = inspect(session.get_bind())
    return table in inspector.get_table_names() and column in _columns(session, table)


def _table_sizes(session) -> dict[str, int]:
    rows = session.execute(text(
        "SELECT relname, pg_total_relation_size(relid) FROM pg_stat_user_tables")).all()
    session.rollback()
    return dict(rows)


def _growth(session, before, closed: int, rows: int) -> None:
    after = _table_sizes(session)
    grown = sum(after.get(t, 0) - before.get(t, 0) for t in after)
    live = session.execute(text(
        "SELECT coalesce(sum(pg_column_size(c.*)), 0) FROM case_record c")).scalar()
    session.rollback()
    per_grown = grown / max(closed, 1) / 1024
    per_live = live / max(closed, 1) / 1024
    per_rows = rows / max(closed, 1) / 1024
    print(f"  PostgreSQL table growth per closed episode, nothing vacuumed: {per_grown:.1f} KB "
          f"({per_grown / max(per_rows, 0.001):.1f}x the episode's live rows of "
          f"{per_rows:.1f} KB; the live case rows alone {per_live:.1f} KB)")


def _steady_growth(engine, session, fake, live_per_episode: float) -> None:
    """Growth once the dead copies have been vacuumed (what autovacuum does within its
    minute's nap on a running system): a second batch of episodes, after a VACUUM, reuses
    the space the first left; what the files grow by then is what the data costs."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM")
    before = _table_sizes(session)
    batch = max(EPISODES // 2, 1)
    closed = [e for e in (_close_one(session, fake, 10_000 + n) for n in range(batch))
              if e is not None]
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM")
    after = _table_sizes(session)
    by_table = {t: (after.get(t, 0) - before.get(t, 0)) / max(len(closed), 1) for t in after}
    grown = sum(by_table.values())
    print(f"  PostgreSQL table growth per closed episode, vacuumed as autovacuum would: "
          f"{grown / 1024:.1f} KB over {len(closed)} more episodes "
          f"({grown / max(live_per_episode, 1):.1f}x the episode's live rows of "
          f"{live_per_episode / 1024:.1f} KB; target: at most 2x)")
    largest = sorted(((b, t) for t, b in by_table.items() if b > 0), reverse=True)[:5]
    print("    of which, with their indexes and TOAST: " + ", ".join(
        f"{t} {b / 1024:.1f} KB" for b, t in largest))


def _tasks(state: str | None) -> int:
    if not state:
        return 0
    done = store.archived(state)
    if done is not None:  # a finished case: the elements it completed
        return sum(len(ids) for ids in done.values())
    data = json.loads(store.unpack(state))["state"]
    count = len(data.get("tasks", {}))
    for sub in (data.get("subprocesses") or {}).values():
        count += len(sub.get("tasks", {}))
    return count


if __name__ == "__main__":
    main()
