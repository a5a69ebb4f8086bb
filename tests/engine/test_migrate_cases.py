"""Moving running cases to the newest version where no element they touched changed
(issue 6): the dry run says why not, the real run keeps deadlines and work items."""

import pytest
from sqlalchemy import select

from engine.commands import (
    CompleteWorkItem,
    DeliverMessage,
    FireTimers,
    PublishProcesses,
    StartCase,
)
from engine.commands.migrate_cases import MigrateCase, plan_process
from engine.errors import Conflict, NotPermitted
from engine.executor import SYSTEM, Actor, run
from engine.models import AuditEvent, Case, Timer, WorkItem

from .conftest import HERE

SIMPLE = (HERE / "diagrams" / "simple.bpmn").read_bytes()
CHASE_RENAMED = SIMPLE.replace(b'name="Chase the first thing"', b'name="Chase it now"')
FIRST_RENAMED = SIMPLE.replace(b'name="Do the first thing"', b'name="Do it"')


def start(session, fake_clock):
    return run(session, StartCase("simple", {"reported_at": fake_clock.now().isoformat()}),
               SYSTEM)


def publish(session, xml):
    return run(session, PublishProcesses({"simple.bpmn": xml}, "v2"), SYSTEM)[0]


def open_items(session, case_id):
    return {w.element_id: w for w in session.scalars(
        select(WorkItem).where(WorkItem.case_id == case_id, WorkItem.state == "open"))}


def test_dry_run_says_which_cases_can_move_and_why_not(session, simple, fake_clock, people):
    waiting = start(session, fake_clock)
    done_first = start(session, fake_clock)
    item = open_items(session, done_first.id)["first"]
    run(session, CompleteWorkItem(item.id, {"note": "x", "outcome": "done"}), people["police"])
    publish(session, FIRST_RENAMED)
    plan = {move.case_id: move for move in plan_process(session, "simple")}
    assert not plan[waiting.id].can_move
    assert plan[waiting.id].reasons == ["element 'first' in 'simple' (in progress) was changed"]
    assert not plan[done_first.id].can_move
    assert "(completed) was changed" in plan[done_first.id].reasons[0]
    session.expire_all()
    assert session.get(Case, waiting.id).process_version_id == simple.id  # dry run only


DURATION = (b"<bpmn:timeDate>sg_hours_after(reported_at, 2)</bpmn:timeDate>",
            b'<bpmn:timeDuration>"PT2H"</bpmn:timeDuration>')


@pytest.mark.parametrize("timer", ["date", "duration"])
def test_case_moves_keeping_its_work_item_and_deadline(session, simple, fake_clock, people,
                                                       timer):
    if timer == "duration":  # a deadline counted from when the timer was armed
        publish(session, SIMPLE.replace(*DURATION))
    case = start(session, fake_clock)
    item = open_items(session, case.id)["first"]
    timer_due = session.scalar(select(Timer.due_at).where(Timer.case_id == case.id))
    fake_clock.advance(minutes=30)
    v2 = publish(session, CHASE_RENAMED if timer == "date"
                 else CHASE_RENAMED.replace(*DURATION))
    [move] = plan_process(session, "simple")
    assert move.can_move, move.reasons
    run(session, MigrateCase(case.id), SYSTEM)
    session.expire_all()
    moved = session.get(Case, case.id)
    assert (moved.process_version_id, moved.spec_versions) == (v2.id, {"simple": v2.id})
    assert open_items(session, case.id)["first"].id == item.id
    assert session.scalar(select(Timer.due_at).where(Timer.case_id == case.id,
                                                     Timer.state == "waiting")) == timer_due
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "case.migrated"))
    assert event.case_id == case.id and event.detail["to"] == {"simple": v2.id}
    # the case runs on the new version: the deadline still fires, into the renamed task
    fake_clock.advance(hours=2)
    run(session, FireTimers(case.id), SYSTEM)
    session.expire_all()
    assert open_items(session, case.id)["chase"].name == "Chase it now"
    run(session, CompleteWorkItem(item.id, {"note": "x", "outcome": "done"}), people["police"])
    run(session, DeliverMessage(case.id, "ping", {}), SYSTEM)
    session.expire_all()
    assert session.get(Case, case.id).status == "running"  # the chase is still open
    assert set(open_items(session, case.id)) == {"chase"}


def test_unsafe_case_is_refused_and_left_alone(session, simple, fake_clock):
    case = start(session, fake_clock)
    publish(session, FIRST_RENAMED)
    with pytest.raises(Conflict, match="'first'"):
        run(session, MigrateCase(case.id), SYSTEM)
    session.expire_all()
    assert session.get(Case, case.id).process_version_id == simple.id


def test_case_on_the_newest_version_does_not_move(session, simple, fake_clock):
    case = start(session, fake_clock)
    [move] = plan_process(session, "simple")
    assert move.up_to_date and not move.can_move
    with pytest.raises(Conflict, match="newest version"):
        run(session, MigrateCase(case.id), SYSTEM)


def test_only_process_owners_migrate(session, simple, fake_clock):
    case = start(session, fake_clock)
    publish(session, CHASE_RENAMED)
    with pytest.raises(NotPermitted):
        run(session, MigrateCase(case.id), Actor(None, "Pat", frozenset({"police"})))


def test_command_line_dry_run_then_moves_what_it_can(session, simple, fake_clock, people,
                                                     database_url):
    from click.testing import CliRunner

    from web.cli import main

    movable = start(session, fake_clock)
    stuck = start(session, fake_clock)
    item = open_items(session, stuck.id)["first"]
    run(session, CompleteWorkItem(item.id, {"note": "x", "outcome": "done"}), people["police"])
    publish(session, SIMPLE.replace(b'name="Ping"', b'name="Pong"'))
    session.commit()
    runner = CliRunner()
    dry = runner.invoke(main, ["--database-url", database_url, "processes", "migrate",
                               "simple", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"case {movable.id}: can move" in dry.output
    assert f"case {stuck.id}: stays, element 'wait_ping' in 'simple' (waiting) was changed" \
        in dry.output
    assert "1 of 2 running cases can move" in dry.output
    real = runner.invoke(main, ["--database-url", database_url, "processes", "migrate",
                                "simple"])
    assert real.exit_code == 0, real.output
    assert "moved 1 cases" in real.output
    session.expire_all()
    versions = {c.id: c.process_version_id for c in session.scalars(select(Case))}
    assert versions[stuck.id] == simple.id and versions[movable.id] != simple.id


def test_command_line_export(session, simple, database_url, tmp_path):
    from click.testing import CliRunner

    from web.cli import main

    out = CliRunner().invoke(main, ["--database-url", database_url, "processes", "export",
                                    "--dir", str(tmp_path)])
    assert out.exit_code == 0, out.output
    assert (tmp_path / "simple.bpmn").read_bytes() == SIMPLE
