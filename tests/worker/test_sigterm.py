"""Issue 15: the worker honours SIGTERM within seconds even in the middle of a case whose
timer starts long (bounded) engine work, and leaves nothing half-written: the case, its
timer and the audit trail are as they were, for the next worker to fire again."""

import datetime as dt
import signal
import time
from xml.sax.saxutils import escape

from sqlalchemy import func, select

from engine.commands import PublishProcesses, StartCase
from engine.executor import SYSTEM, run
from engine.models import AuditEvent, Case, Timer
from tests.hostile.corpus import diagram, flow, process
from tests.worker.seeding import spawn_worker, wait_until

# Each round of the script is well inside a script's bound (some 0.05 s); the gateway
# sends the case round again and again: work the engine stops only at its own bound.
SLOW = "n = 0\nwhile n < 100000:\n    n = n + 1"


def long_timer_work() -> bytes:
    body = "\n".join([
        '<bpmn:startEvent id="start" />', flow("f0", "start", "wait"),
        '<bpmn:intermediateCatchEvent id="wait" name="An hour later">'
        '<bpmn:timerEventDefinition id="wait_def">'
        '<bpmn:timeDuration>"PT1H"</bpmn:timeDuration></bpmn:timerEventDefinition>'
        '</bpmn:intermediateCatchEvent>',
        flow("f1", "wait", "again"),
        '<bpmn:exclusiveGateway id="again" name="Again?" default="out" />',
        flow("round", "again", "work", "True"), flow("out", "again", "done"),
        f'<bpmn:scriptTask id="work" name="Work"><bpmn:script>{escape(SLOW)}</bpmn:script>'
        '</bpmn:scriptTask>', flow("back", "work", "again"), '<bpmn:endEvent id="done" />'])
    return diagram(process("slow", body, ["start", "wait", "again", "work", "done"]),
                   pid="slow")


def test_sigterm_mid_case_exits_within_seconds_and_rolls_the_case_back(
        session, fake_clock, db_engine, database_url, tmp_path):
    run(session, PublishProcesses({"slow.bpmn": long_timer_work()}, "tests"), SYSTEM)
    case = run(session, StartCase("slow", {}), SYSTEM)
    session.rollback()
    before = session.get(Case, case.id)
    revision, state = before.revision, before.state
    audit_rows = session.scalar(select(func.count()).select_from(AuditEvent))
    session.rollback()

    log = tmp_path / "worker.log"
    worker = spawn_worker(database_url, fake_clock.now() + dt.timedelta(hours=2), log)
    try:
        wait_until(lambda: "started" in (log.read_text() if log.exists() else ""), 60,
                   "the worker to start")
        time.sleep(1.5)  # inside the case's engine work, which runs for seconds
        assert worker.poll() is None, log.read_text()
        sent = time.monotonic()
        worker.send_signal(signal.SIGTERM)
        code = worker.wait(timeout=30)
        took = time.monotonic() - sent
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    text = log.read_text()
    assert code == 0, text
    assert took < 3.0, f"took {took:.1f} s to stop"
    assert "stopped in the middle of a case" in text, text
    session.rollback()
    after = session.get(Case, case.id)
    assert (after.status, after.revision, after.state) == ("running", revision, state)
    assert session.scalar(select(Timer.state).where(Timer.case_id == case.id)) == "waiting"
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == audit_rows
