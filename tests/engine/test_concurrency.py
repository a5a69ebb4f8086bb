"""Two people complete the same work item at the same moment: one wins, one is told."""

import threading

from sqlalchemy import select

from engine.commands import CompleteWorkItem, StartCase
from engine.errors import Conflict
from engine.executor import SYSTEM, run
from engine.models import AuditEvent, Case, WorkItem


def test_two_concurrent_completions_exactly_one_succeeds(sessions, session, simple,
                                                         fake_clock, people):
    case = run(session, StartCase("simple", {"reported_at": fake_clock.now().isoformat()}),
               SYSTEM)
    item_id = session.scalar(select(WorkItem.id).where(WorkItem.case_id == case.id))
    revision = case.revision
    barrier = threading.Barrier(2)
    outcomes = []

    def complete(actor):
        with sessions() as own:
            barrier.wait()
            try:
                run(own, CompleteWorkItem(item_id, {"note": actor.name, "outcome": "done"},
                                          expected_revision=revision), actor)
                outcomes.append(("ok", actor.name))
            except Conflict as exc:
                outcomes.append(("conflict", str(exc)))

    threads = [threading.Thread(target=complete, args=(people[k],))
               for k in ("police", "other_police")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(o[0] for o in outcomes) == ["conflict", "ok"]
    winner = next(o[1] for o in outcomes if o[0] == "ok")
    session.rollback()  # end the read snapshot taken before the threads wrote
    item = session.get(WorkItem, item_id)
    assert (item.state, item.completed_by, item.data["note"]) == ("completed", winner, winner)
    assert session.get(Case, case.id).revision == revision + 1
    completions = session.scalars(select(AuditEvent).where(
        AuditEvent.action == "work_item.completed")).all()
    assert len(completions) == 1
