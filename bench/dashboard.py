"""How fast the managers' dashboard is with 10,000 children in care and 100,000 closed
episodes (target: p95 <= 500 ms per page), on BENCH_DATABASE_URL (PostgreSQL) or SQLite.

Seeds one authority's 10,000 looked-after children with their dated legal statuses and
placements, and 100,000 closed episodes over 15 months (a tenth away then missing: two
segments), each with a completed case and two deadline work items with their clocks
(rows written in bulk: the dashboard reads projections and the record only; the
per-episode facts are then rebuilt in one statement, as migration 0014 does). Then times the
three dashboard pages and the printable report through real requests of a signed-in
service manager (session, the visibility filter, the queries, the template). Prints
median and p95. Not a test: nothing fails on a time.
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

from sqlalchemy import insert, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine import clock, db, episode_facts, migrate  # noqa: E402
from engine.models import (  # noqa: E402
    Case,
    Child,
    Episode,
    EpisodeSegment,
    LegalStatusPeriod,
    Organisation,
    Placement,
    ProcessVersion,
    User,
    UserRole,
    WorkItem,
)

CHILDREN = 10_000
EPISODES = 100_000
RUNS = 20
PASSWORD = "bench-password"  # noqa: S105
PLACES = ("Kendal LA9 4DL", "Carlisle CA1 1QS", "Barrow town centre", "Friend's house")


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def database(tmp):
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
    if url.startswith("postgresql"):
        with db.make_engine(url).begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    migrate.upgrade(url)
    return url


def seed(url) -> int:
    """Returns the authority's organisation id."""
    from werkzeug.security import generate_password_hash

    rng = random.Random(13)  # noqa: S311
    now = clock.now()
    started = time.perf_counter()
    engine = db.make_engine(url)
    with db.make_session_factory(engine)() as session, session.begin():
        org = Organisation(code="wfc", name="Bench Council", kind="local_authority")
        session.add(org)
        session.flush()
        version = ProcessVersion(process_id="episode", version=1, filename="episode.bpmn",
                                 xml=b"", spec_json="{}", sha256="0" * 64, calls=[],
                                 published_by="bench", published_at=now)
        session.add(version)
        session.add(User(email="manager@example.org", name="Bench Manager",
                         organisation_id=org.id, password_hash=generate_password_hash(PASSWORD),
                         roles=[UserRole(role="service_manager")]))
        session.flush()
        children = [dict(id=n + 1, first_name="Child", last_name=str(n),
                         date_of_birth=dt.date(2008 + n % 10, 1 + n % 12, 1 + n % 28),
                         legal_status="care_order", responsible_org_id=org.id,
                         placement=f"Home {n % 40}", created_at=now,
                         flags={"looked_after_since": "2023-05-01", "ce_risk": n % 9 == 0})
                    for n in range(CHILDREN)]
        session.execute(insert(Child), children)
        # issue 10's record: dated legal statuses (a tenth from an interim order to a full
        # one) and placements (a quarter moved on 200 days ago, with the DfE's reason)
        stamp = dict(changed_by="bench", changed_at=now)
        since, changed = dt.date(2023, 5, 1), dt.date(2024, 1, 1)
        moved = clock.london(now).date() - dt.timedelta(days=200)
        statuses, placements = [], []
        for n in range(CHILDREN):
            if n % 10 == 0:
                statuses.append(dict(child_id=n + 1, legal_status="interim_care_order",
                                     ls_code="C1", cin_code="N1", starts_on=since,
                                     ends_on=changed, **stamp))
            statuses.append(dict(child_id=n + 1, legal_status="care_order", ls_code="C2",
                                 cin_code="N1", starts_on=changed if n % 10 == 0 else since,
                                 ends_on=None, **stamp))
            homes = [(f"Home {n % 40}", since, moved if n % 4 == 0 else None)]
            if n % 4 == 0:
                homes.append((f"Home {(n + 1) % 40}", moved, None))
            for k, (address, start, end) in enumerate(homes):
                placements.append(dict(
                    child_id=n + 1, address=address, starts_on=start, ends_on=end,
                    placement_type=("K2", "U4", "U6", "K3")[(n + k) % 4],
                    provider_type="PR4", postcode="LA9 4DL", urn=f"SC{n % 40:06d}",
                    local_authority_id=org.id, end_reason="CARPL" if end else None,
                    **stamp))
        session.execute(insert(LegalStatusPeriod), statuses)
        session.execute(insert(Placement), placements)
        episodes, cases, items, segments = [], [], [], []
        for n in range(EPISODES):
            seen = now - dt.timedelta(hours=rng.uniform(24, 15 * 730))
            found = seen + dt.timedelta(hours=rng.uniform(1, 120))
            episodes.append(dict(id=n + 1, child_id=1 + rng.randrange(CHILDREN),
                                 category="M" if n % 5 else "A", last_seen_at=seen,
                                 reported_at=seen, found_at=found,
                                 found_where=PLACES[n % len(PLACES)],
                                 risk_grade=("high", "medium", "low")[n % 3], status="closed",
                                 closed_at=found + dt.timedelta(days=3), report={},
                                 created_at=seen))
            if n % 10 == 3:  # away, then missing: two segments (two Missing rows)
                switch = seen + (found - seen) / 2
                segments += [dict(episode_id=n + 1, category="A", starts_at=seen,
                                  ends_at=switch, **stamp),
                             dict(episode_id=n + 1, category="M", starts_at=switch,
                                  ends_at=found, **stamp)]
            cases.append(dict(id=n + 1, process_id="episode", process_version_id=version.id,
                              spec_versions={}, child_id=episodes[-1]["child_id"],
                              episode_id=n + 1, status="completed", stage="closed",
                              state="{}", revision=1, created_at=seen, updated_at=found))
            for element, clock_name, due in (("strategy_meeting", "strategy_meeting",
                                              seen + dt.timedelta(hours=48)),
                                             ("rhi", "rhi", found + dt.timedelta(hours=72))):
                done = due + dt.timedelta(hours=rng.uniform(-40, 20))
                items.append(dict(case_id=n + 1, task_id=f"{n}-{element}", process_id="episode",
                                  element_id=element, name=element, role="social_worker",
                                  form_key=element, clock=clock_name, state="completed",
                                  due_at=due, created_at=seen, completed_at=done,
                                  data={"rhi_offered": True, "rhi_outcome": "completed"}
                                  if element == "rhi" else None))
        for table, rows in ((Episode, episodes), (EpisodeSegment, segments), (Case, cases),
                            (WorkItem, items)):
            for start in range(0, len(rows), 10_000):
                session.execute(insert(table), rows[start:start + 10_000])
        # Bulk rows bypass the session's flush, so their facts are written here, once the
        # planner has counted them (without statistics it joins 100,000 episodes by loops).
        if engine.dialect.name == "postgresql":
            session.execute(text("ANALYZE"))
        episode_facts.rebuild(session)
        org_id = org.id
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            # a running database has been vacuumed and analysed by now (autovacuum): the
            # pages are timed on that, not while autovacuum works through the bulk load
            conn.exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()
    print(f"seeded {CHILDREN} children, {EPISODES} closed episodes and {len(items)} deadline "
          f"work items in {time.perf_counter() - started:.1f} s on {engine.dialect.name}")
    return org_id


def bench_pages(url):
    from web import create_app

    # The second factor is signing in's concern, not the dashboard's: off for the bench.
    app = create_app({"DATABASE_URL": url, "SAFEGUARD_ENV": "development", "SECOND_FACTOR": False,
                      "WTF_CSRF_ENABLED": False, "SESSION_COOKIE_SECURE": False})
    client = app.test_client()
    assert client.post("/sign-in", data={"email": "manager@example.org",
                                         "password": PASSWORD}).status_code == 302
    for label, path in (("statutory deadlines", "/manage/?period=12m"),
                        ("deadlines, last 30 days", "/manage/?period=30d"),
                        ("now", "/manage/now"),
                        ("patterns, 12 months", "/manage/patterns?period=12m"),
                        ("printable report", "/manage/report?period=12m")):
        for _ in range(2):
            assert client.get(path).status_code == 200
        times = []
        for _ in range(RUNS):
            started = time.perf_counter()
            response = client.get(path)
            response.get_data()
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        print(f"dashboard {label}: median {statistics.median(times):.0f} ms, "
              f"p95 {percentile(times, 95):.0f} ms over {RUNS} requests (target 500 ms)")
    app.extensions["sqlalchemy_engine"].dispose()


def main():
    clock.install()
    with tempfile.TemporaryDirectory() as tmp:
        url = database(tmp)
        seed(url)
        bench_pages(url)
        if "--with-returns" in sys.argv:
            import returns

            returns.bench(url)


if __name__ == "__main__":
    main()
