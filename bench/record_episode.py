"""What counting repeat episodes adds to recording an episode (R28).

Records episodes for children on SQLite through `ReportEpisode` (episode case, the
companion `episode_risks` case, the count and the trigger table), and times the count and
the table alone for a child with many episodes. Prints medians and p95. Not a test.
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine import clock, db, episodes, forms, migrate, specs  # noqa: E402
from engine.commands import PublishProcesses, ReportEpisode, ReportFound  # noqa: E402
from engine.executor import SYSTEM, Context, run  # noqa: E402
from engine.models import Child, Episode, Organisation  # noqa: E402

RUNS = 60


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def report(label, times):
    ms = [t * 1000 for t in times]
    print(f"{label}: median {statistics.median(ms):.1f} ms, p95 {percentile(ms, 95):.1f} ms "
          f"({len(ms)} runs)")


def main():
    clock.install()
    fake = clock.FakeClock(dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC))
    clock.set_clock(fake)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        migrate.upgrade(url)
        sessions = db.make_session_factory(db.make_engine(url))
        with sessions() as session:
            run(session, PublishProcesses(specs.read_directory(ROOT / "processes")), SYSTEM)
            with session.begin():
                org = Organisation(code="bench", name="Bench Council", kind="local_authority")
                session.add(org)
                session.flush()
                child = Child(first_name="A", last_name="B", date_of_birth=dt.date(2011, 1, 1),
                              legal_status="care_order", responsible_org_id=org.id, flags={})
                session.add(child)
                session.flush()
                child_id = child.id
            example = forms.load("missing_report")["example"]
            record = []
            for _ in range(RUNS):
                fake.advance(hours=36)  # an episode every day and a half: Stage One, Two, ...
                now = fake.now()
                data = {**example, "last_seen_at": (now - dt.timedelta(hours=1)).isoformat(),
                        "reported_at": now.isoformat(),
                        "checks_deadline": (now + dt.timedelta(hours=1)).isoformat()}
                started = time.perf_counter()
                episode = run(session, ReportEpisode(child_id, data), SYSTEM)
                record.append(time.perf_counter() - started)
                # found again before the next one: a child has one open episode at a time
                fake.advance(hours=2)
                run(session, ReportFound(episode.id, fake.now(), "home", "parent_or_carer"),
                    SYSTEM)
            count = []
            session.rollback()
            child = session.get(Child, child_id)
            episode = session.query(Episode).filter_by(
                child_id=child_id).order_by(Episode.id.desc()).first()
            for _ in range(RUNS):
                started = time.perf_counter()
                episodes.recount(Context(session, SYSTEM), child, episode)
                count.append(time.perf_counter() - started)
                session.rollback()  # nothing new to keep: the episode is already counted
    report("ReportEpisode with the count (episode, episode_risks, trigger)", record)
    report(f"count and trigger table alone, child with {RUNS} episodes", count)


if __name__ == "__main__":
    main()
