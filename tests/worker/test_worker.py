"""The timer worker with the fake clock: on time, never early, exactly once, in due order,
and a case that fails is set aside while the others carry on."""

import datetime as dt
import re

import pytest
from sqlalchemy import event, select

from engine import case_timers, store
from engine.commands import CompleteWorkItem, PublishProcesses, RetryCase, StartCase
from engine.commands.retry_case import failed_cases
from engine.errors import Conflict, NotPermitted
from engine.executor import SYSTEM, run
from engine.models import AuditEvent, Case, Child, Episode, Timer, User
from engine.worker import WorkerAlreadyRunning, single_worker
from tests.procedure.conftest import example
from tests.worker.conftest import HERE, case, open_items, told

S = dt.timedelta(seconds=1)


def fired_events(session):
    session.rollback()
    return session.scalars(select(AuditEvent).where(AuditEvent.action == "timers.fired")
                           .order_by(AuditEvent.id)).all()


def test_fires_nothing_a_second_early_then_exactly_once(session, fake_clock, start, worker):
    due = fake_clock.now() + dt.timedelta(hours=2)
    case_id = start(due)
    assert open_items(session, case_id)["do_it"].due_at == due  # from the timer row

    fake_clock.set(due - S)
    assert worker.run_once().fired == 0
    fake_clock.set(due)  # a timer fires once its time has passed, not at the instant
    assert worker.run_once().fired == 0
    assert "escalate" not in open_items(session, case_id)

    fake_clock.set(due + S)
    assert worker.run_once().fired == 1
    items = open_items(session, case_id)
    assert items["escalate"].role == "team_manager"
    assert items["do_it"].due_at == due  # still open, now overdue
    timer = session.scalar(select(Timer).where(Timer.case_id == case_id))
    assert (timer.state, timer.fired_at) == ("fired", due + S)

    fake_clock.advance(hours=5)
    assert worker.run_once().fired == 0
    assert [e.detail["elements"] for e in fired_events(session)] == [["do_it_due"]]
    assert fired_events(session)[0].actor == "Test worker"


def test_after_downtime_fires_everything_overdue_in_due_order(session, fake_clock, start,
                                                               worker):
    now = fake_clock.now()
    hours = [5, 1, 4, 2, 3]
    cases = {h: start(now + dt.timedelta(hours=h)) for h in hours}
    fake_clock.advance(days=3)  # the worker was down
    assert worker.run_once().fired == 5
    assert [e.case_id for e in fired_events(session)] == [cases[h] for h in sorted(hours)]


def test_a_task_done_in_time_cancels_its_deadline(session, fake_clock, start, worker, people):
    due = fake_clock.now() + dt.timedelta(hours=2)
    case_id = start(due)
    item = open_items(session, case_id)["do_it"]
    run(session, CompleteWorkItem(item.id, example("tell_iro")), people.actors["police"])
    fake_clock.set(due + S)
    assert worker.run_once().fired == 0
    session.rollback()
    finished = session.get(Case, case_id)  # the case has ended: its archive keeps the timer
    assert [t.state for t in case_timers.of_case(session, finished)] == ["cancelled"]
    assert open_items(session, case_id) == {}


def test_sleeps_until_the_next_due_time_at_most_a_second(session, fake_clock, start, worker):
    due = fake_clock.now() + dt.timedelta(seconds=2.5)
    case_id = start(due)
    added = {}

    def sleep(seconds):
        worker.slept.append(seconds)
        fake_clock.advance(seconds=seconds)
        if len(worker.slept) == 1:
            # a web process arms another timer while the worker sleeps
            added["id"] = start(fake_clock.now() + dt.timedelta(seconds=0.3))
        if all("escalate" in open_items(session, c) for c in (case_id, added["id"])):
            worker.stop()

    worker.sleep = sleep
    worker.run()
    assert all(0 < s <= 1.0 for s in worker.slept)
    assert worker.slept[0] == 1.0  # nothing due within a second
    session.rollback()
    fired = {t.case_id: t.fired_at - t.due_at for t in session.scalars(select(Timer))}
    # woken just after each due time: on time, never early
    assert all(dt.timedelta(0) < late <= dt.timedelta(milliseconds=2) for late in fired.values())
    assert len(fired) == 2


def test_a_case_whose_step_raises_is_set_aside_and_others_carry_on(session, fake_clock, start,
                                                                    worker, people):
    due = fake_clock.now() + dt.timedelta(hours=1)
    bad = start(due, explode=True)
    good = start(due + S)
    fake_clock.advance(hours=2)
    done = worker.run_once()
    assert (done.fired, done.failed) == (1, 1)
    assert "escalate" in open_items(session, good)
    failed = case(session, bad)
    assert failed.status == "error"
    assert failed.error_element == "check"
    assert "NameError" in failed.error and "not_defined_anywhere" in failed.error
    assert failed.failed_at == fake_clock.now()
    assert [c.id for c in failed_cases(session)] == [bad]
    assert session.scalar(select(Timer.state).where(Timer.case_id == bad)) == "waiting"

    fake_clock.advance(hours=1)
    assert not worker.run_once().busy  # left alone until someone acts
    with pytest.raises(NotPermitted):
        run(session, RetryCase(bad), people.actors["police"])
    with pytest.raises(Conflict):
        run(session, RetryCase(good), people.actors["admin"])
    run(session, RetryCase(bad), people.actors["admin"])
    assert case(session, bad).status == "running"
    assert worker.run_once().failed == 1  # tried again, and the diagram still fails
    actions = [a for a, in session.execute(select(AuditEvent.action).where(
        AuditEvent.case_id == bad).order_by(AuditEvent.id))]
    assert actions == ["case.started", "case.failed", "case.retried", "case.failed"]


def test_sqlite_takes_one_worker(tmp_path):
    url = f"sqlite:///{tmp_path / 'one.sqlite3'}"
    with single_worker(url):
        with pytest.raises(WorkerAlreadyRunning, match="SQLite takes one worker"):
            with single_worker(url):
                pass
    with single_worker(url):  # released when the first stopped
        pass


def test_postgresql_takes_many_workers():
    url = "postgresql+psycopg://postgres@127.0.0.1:5432/any"
    with single_worker(url), single_worker(url):
        pass


def test_error_cases_are_not_counted_as_due(session, fake_clock, start, worker):
    start(fake_clock.now() + S, explode=True)
    fake_clock.advance(seconds=2)
    worker.run_once()
    assert session.scalar(select(Case.status)) == "error"
    assert worker.pause(session) == 1.0


def test_a_case_someone_holds_is_skipped_and_fired_on_a_later_pass(
        session, sessions, db_engine, fake_clock, start, worker):
    if db_engine.dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite takes one writer at a time")
    due = fake_clock.now() + dt.timedelta(hours=1)
    held, free = start(due), start(due + S)
    fake_clock.advance(hours=2)
    with sessions() as other, other.begin():
        # a person saving the case at this very moment holds its row
        other.execute(select(Case.id).where(Case.id == held).with_for_update())
        done = worker.run_pass(session)
        assert (done.fired, done.skipped) == (1, 1)
        assert "escalate" not in open_items(session, held)
    assert worker.run_once().fired == 1
    assert "escalate" in open_items(session, held) and "escalate" in open_items(session, free)


def test_a_timer_row_that_disagrees_with_the_case_is_put_right_not_fired(
        session, fake_clock, start, worker):
    due = fake_clock.now() + dt.timedelta(hours=3)
    case_id = start(due)
    with session.begin():  # the row says due in an hour; the case state says three
        session.scalar(select(Timer).where(Timer.case_id == case_id)).due_at = (
            due - dt.timedelta(hours=2))
    fake_clock.advance(hours=2)
    done = worker.run_once()
    assert (done.fired, done.failed) == (0, 0)
    assert session.scalar(select(Timer.due_at).where(Timer.case_id == case_id)) == due
    assert "escalate" not in open_items(session, case_id)
    fake_clock.set(due + S)
    assert worker.run_once().fired == 1
    assert [e.detail["elements"] for e in fired_events(session)] == [[], ["do_it_due"]]


def test_a_batch_reads_its_cases_timers_and_work_once_whatever_its_size(
        session, db_engine, fake_clock, start, worker, people):
    """Issue 16: the worker reads the cases of a batch, their waiting timers, their open
    work items and the people its escalations tell in one statement each, not again for
    each case it fires; and an escalation still names the late work it was raised for,
    and still tells the team manager."""

    def reads_to_fire(count: int) -> list[str]:
        due = fake_clock.now() + dt.timedelta(hours=1)
        ids = [start(due + n * S) for n in range(count)]
        fake_clock.advance(hours=2)
        reads = []

        def seen(conn, cursor, statement, *args):
            flat = " ".join(statement.split())
            if flat.startswith("SELECT") and re.search(
                    r" FROM (case_record|child|timer|work_item|legal_status_period|allocation"
                    r"|placement|user_account) ", flat):
                reads.append(flat[:80])

        event.listen(db_engine, "before_cursor_execute", seen)
        try:
            assert worker.run_once().fired == count
        finally:
            event.remove(db_engine, "before_cursor_execute", seen)
        for case_id in ids:
            items = open_items(session, case_id)
            assert items["escalate"].late_item_id == items["do_it"].id
            assert told(session, items["escalate"], "escalation") == [people.ids["manager"]]
        return reads

    one = reads_to_fire(1)
    assert one  # the batch's reads are seen
    assert reads_to_fire(5) == one


def test_a_batch_tells_each_case_its_own_organisations_people(
        session, fake_clock, start, worker, people):
    """The batch looks up the people an escalation tells once for each role and set of
    organisations (issue 16), so cases of children of different authorities, fired in one
    batch, each tell their own authority's manager and never the other's."""
    with session.begin():
        there = session.get(User, people.ids["manager_there"]).organisation_id
        elsewhere = Child(first_name="Sam", last_name="Example",
                          date_of_birth=dt.date(2012, 3, 1), responsible_org_id=there)
        session.add(elsewhere)
    due = fake_clock.now() + dt.timedelta(hours=1)
    data = {"due_at": (due + S).astimezone(dt.UTC).isoformat(), "explode": False}
    ids = [start(due),
           run(session, StartCase("deadline", data, child_id=elsewhere.id), SYSTEM).id,
           start(due + 2 * S)]
    fake_clock.advance(hours=2)

    assert worker.run_once().fired == 3
    managers = [told(session, open_items(session, case_id)["escalate"], "escalation")
                for case_id in ids]
    assert managers == [[people.ids["manager"]], [people.ids["manager_there"]],
                        [people.ids["manager"]]]


def _unsavable(session):
    """The `deadline` diagram as process `unsavable`, whose escalation path leaves a set in
    the case data: the engine step runs, but the state cannot be written (JSON has no
    sets), so the case fails while it is saved, not while it runs."""
    xml = (HERE / "diagrams" / "deadline.bpmn").read_text()
    xml = xml.replace('id="deadline"', 'id="unsavable"').replace(
        'processRef="deadline"', 'processRef="unsavable"').replace(
        "if explode:\n    escalation = not_defined_anywhere", "escalation = {1, 2}")
    run(session, PublishProcesses({"unsavable.bpmn": xml.encode()}, "tests"), SYSTEM)


def test_a_case_that_fails_as_it_is_saved_is_set_aside_and_the_batch_fires_once(
        session, fake_clock, start, worker, people):
    """A batch writes its cases in one flush, so a case whose save raises takes the batch's
    transaction with it: it is marked in error on its own, and the other cases of the
    batch are fired again, each exactly once."""
    _unsavable(session)
    due = fake_clock.now() + dt.timedelta(hours=1)
    good = [start(due), start(due + S)]
    data = {"due_at": (due + 2 * S).astimezone(dt.UTC).isoformat(), "explode": False}
    bad = run(session, StartCase("unsavable", data, child_id=people.child_id), SYSTEM).id
    good.append(start(due + 3 * S))
    fake_clock.advance(hours=2)

    done = worker.run_once()
    assert (done.fired, done.failed) == (3, 1)
    failed = case(session, bad)
    assert failed.status == "error"
    assert "TypeError" in failed.error and "set" in failed.error
    assert session.scalar(select(Timer.state).where(Timer.case_id == bad)) == "waiting"
    for case_id in good:
        assert "escalate" in open_items(session, case_id)
    assert sorted(e.case_id for e in fired_events(session)) == sorted(good)
    assert not worker.run_once().busy


def _timer_diagram(process_id: str, then: str) -> bytes:
    """A process that waits until `due_at`, then does `then` (BPMN of the step after)."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    id="{process_id}_definitions" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:collaboration id="{process_id}_collaboration">
    <bpmn:participant id="{process_id}_pool" name="{process_id}" processRef="{process_id}" />
  </bpmn:collaboration>
  <bpmn:process id="{process_id}" name="{process_id}" isExecutable="true">
    <bpmn:laneSet id="{process_id}_lanes">
      <bpmn:lane id="{process_id}_police" name="Police">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>wait</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>then</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait" />
    <bpmn:intermediateCatchEvent id="wait" name="Until it is due">
      <bpmn:timerEventDefinition id="wait_def"><bpmn:timeDate>due_at</bpmn:timeDate>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="then" />
    {then}
    <bpmn:sequenceFlow id="f3" sourceRef="then" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>""".encode()


def test_a_case_an_earlier_case_of_the_batch_ended_is_not_saved_over(
        session, fake_clock, worker, people):
    """Issue 16: a batch fires every case in memory first, then saves them. An episode
    whose timer ends it ends the cases beside it as it is saved; a side case of the same
    batch, fired from its state before that, is then left alone, not saved over its end
    (it stays ended, and its fired timer does nothing)."""
    run(session, PublishProcesses({
        "episode.bpmn": _timer_diagram("episode", """<bpmn:scriptTask id="then" name="Close">
      <bpmn:script>closed = True</bpmn:script></bpmn:scriptTask>"""),
        "side.bpmn": _timer_diagram("side", """<bpmn:userTask id="then" name="Side work">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="tell_iro" />
      </spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>""")}, "tests"),
        SYSTEM)
    now = fake_clock.now()
    with session.begin():
        episode = Episode(child_id=people.child_id, category="M", last_seen_at=now,
                          reported_at=now)
        session.add(episode)
    due = now + dt.timedelta(hours=1)
    ids = {}
    for process_id, at in (("episode", due), ("side", due + S)):
        data = {"due_at": at.astimezone(dt.UTC).isoformat()}
        ids[process_id] = run(session, StartCase(process_id, data, child_id=people.child_id,
                                                 episode_id=episode.id), SYSTEM).id
    fake_clock.advance(hours=2)

    worker.run_once()
    assert case(session, ids["episode"]).status == "completed"
    side = case(session, ids["side"])
    assert side.status == "completed"
    assert store.archived(side.state) is not None
    assert "then" not in open_items(session, ids["side"])
    actions = [a for a, in session.execute(select(AuditEvent.action).where(
        AuditEvent.case_id == ids["side"]).order_by(AuditEvent.id))]
    assert actions == ["case.started", "case.ended"]
