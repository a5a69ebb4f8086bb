"""R45, issue 13's speed point: the per-episode facts the dashboard aggregates
(engine/episode_facts.py) follow every change they are made from, in the same
transaction, and equal a rebuild from scratch (what migration 0014 fills the table with)."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

from sqlalchemy import delete, select

from engine import clock, episode_facts
from engine.child_record import SavePeriod, SetFlags
from engine.commands.purge import PurgeChild
from engine.executor import SYSTEM, run
from engine.models import Episode, EpisodeFact
from tests.returns.conftest import records  # noqa: F401


def _facts(session):
    session.expire_all()
    found = {row.episode_id: {c: getattr(row, c) for c in episode_facts.COLUMNS}
             for row in session.scalars(select(EpisodeFact))}
    session.rollback()  # a read: end it, so the next step begins its own transaction
    return found


def test_r45_episode_facts_follow_the_record_and_equal_a_rebuild(
        session, records, fake_clock):  # noqa: F811
    now = fake_clock.now()
    today = clock.london(now).date()
    ours, other = records.org("wfc"), records.org("lcc")
    child = records.child(ours, placement="Flat home")
    seen = now - dt.timedelta(days=10)
    episode = records.episode(child, "M", seen, seen + dt.timedelta(hours=30),
                              found_where="Kendal LA9 4DL", risk_grade="low")
    episode_id, child_id = episode.id, child.id
    fact = _facts(session)[episode_id]
    assert (fact["care_status"], fact["establishment"], fact["placement_type"]) == (
        "care_order", "Flat home", "")
    assert fact["seconds"] == 30 * 3600 and fact["rhi_recorded"] is False

    # The dated record changes after the episode: its facts at the start change with it.
    run(session, SavePeriod(child_id, "legal_status", {
        "legal_status": "s20", "starts_on": today - dt.timedelta(days=100)}), SYSTEM)
    run(session, SavePeriod(child_id, "placement", {
        "address": "Brook House", "starts_on": today - dt.timedelta(days=50),
        "placement_type": "K3", "local_authority_id": other.id}), SYSTEM)
    session.commit()
    fact = _facts(session)[episode_id]
    assert (fact["care_status"], fact["establishment"], fact["placement_type"],
            fact["placed_org_id"]) == ("s20", "Brook House", "K3", other.id)

    run(session, SetFlags(child_id, {"ce_risk": True}, "seen with older men"), SYSTEM)
    session.commit()
    assert _facts(session)[episode_id]["ce_risk"] is True

    # The episode itself changes (regraded, found not missing) and an interview is done.
    with session.begin():
        row = session.get(Episode, episode_id)
        row.risk_grade, row.not_missing = "high", True
    records.work(episode, "rhi", completed=seen + dt.timedelta(hours=50),
                 data={"rhi_offered": True, "rhi_outcome": "completed"})
    fact = _facts(session)[episode_id]
    assert (fact["risk_grade"], fact["not_missing"]) == ("high", True)
    assert (fact["rhi_recorded"], fact["rhi_offered"], fact["rhi_outcome"],
            fact["rhi_seconds"]) == (True, True, "completed", 20 * 3600)

    kept = _facts(session)
    with session.begin():
        episode_facts.rebuild(session)
    assert _facts(session) == kept


def test_r45_a_purged_child_leaves_no_episode_facts(session, records, fake_clock):  # noqa: F811
    now = fake_clock.now()
    child = records.child(records.org("wfc"), flags={})
    records.episode(child, "M", now - dt.timedelta(days=9000), now - dt.timedelta(days=8999))
    assert _facts(session)
    run(session, PurgeChild(child.id, dt.date(2100, 1, 1)), SYSTEM)
    session.commit()
    assert _facts(session) == {}


def _migration(name):
    path = Path(__file__).resolve().parents[2] / "migrations" / "versions" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_r45_migration_0014_backfill_fills_the_rows_the_engine_rebuild_does(
        session, records, fake_clock):  # noqa: F811
    """0014 carries its own frozen SQL; on the same record it must fill what the engine's
    rebuild fills, so an old database upgraded today agrees with one kept since."""
    now = fake_clock.now()
    today = clock.london(now).date()
    ours, other = records.org("wfc"), records.org("lcc")
    dated = records.child(ours, placement="Flat home", flags={"ce_risk": True})
    run(session, SavePeriod(dated.id, "legal_status", {
        "legal_status": "interim_care_order", "starts_on": today - dt.timedelta(days=400),
        "ends_on": today - dt.timedelta(days=30)}), SYSTEM)
    run(session, SavePeriod(dated.id, "legal_status", {
        "legal_status": "care_order", "starts_on": today - dt.timedelta(days=30)}), SYSTEM)
    run(session, SavePeriod(dated.id, "placement", {
        "address": "Brook House", "starts_on": today - dt.timedelta(days=400),
        "placement_type": "K3", "local_authority_id": other.id}), SYSTEM)
    session.commit()
    flat = records.child(ours, placement=None, legal_status="not_in_care", flags={})
    hosted = records.child(other, placement="Hill Farm", host_org_id=ours.id)
    for days, child in ((200, dated), (10, dated), (5, flat), (3, hosted)):
        seen = now - dt.timedelta(days=days)
        episode = records.episode(child, "A" if child is flat else "M", seen,
                                  seen + dt.timedelta(hours=days), found_where="Kendal",
                                  risk_grade="medium")
        records.work(episode, "rhi", completed=seen + dt.timedelta(days=2),
                     data={"rhi_offered": days > 5, "rhi_outcome": "declined"})
    records.episode(hosted, "M", now - dt.timedelta(hours=6))  # still missing
    with session.begin():
        episode_facts.rebuild(session)
    rebuilt = _facts(session)
    assert len(rebuilt) == 5

    with session.begin():
        session.execute(delete(EpisodeFact))
        connection = session.connection()
        backfill = _migration("0014_dash13_episode_facts").BACKFILL
        connection.exec_driver_sql(backfill[connection.dialect.name])
    assert _facts(session) == rebuilt
