import builtins
from datetime import UTC, date, datetime, timedelta
from xml.sax.saxutils import escape

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from engine import clock, scripting
from engine.calendar import WorkingCalendar
from engine.scripting import (
    SafeEnvironment,
    ScriptRejected,
    check_source,
    diagram_helpers,
    make_script_engine,
)


@pytest.fixture
def frozen_clock():
    """Wednesday 7 January 2026, noon. (Named apart from tests/conftest.py's fake_clock,
    whose start time these tests do not rely on.)"""
    fake = clock.FakeClock(datetime(2026, 1, 7, 12, 0, tzinfo=UTC))
    clock.set_clock(fake)
    yield fake
    clock.set_clock(clock.SystemClock())


@pytest.fixture
def helpers():
    return diagram_helpers(WorkingCalendar(extra_holidays=[date(2026, 1, 2)]))


# --- helpers ------------------------------------------------------------------------

def test_sg_now_reads_the_engine_clock(frozen_clock, helpers):
    assert helpers["sg_now"]() == "2026-01-07T12:00:00+00:00"
    frozen_clock.advance(hours=1)
    assert helpers["sg_now"]() == "2026-01-07T13:00:00+00:00"


def test_sg_hours_after_counts_elapsed_hours_across_the_clocks_change(helpers):
    # Clocks go forward at 01:00 UTC on Sunday 29 March 2026: noon GMT on the Saturday
    # plus 24 hours is 13:00 BST on the Sunday.
    assert helpers["sg_hours_after"]("2026-03-28T12:00:00+00:00", 24) == (
        "2026-03-29T12:00:00+00:00")
    # And back at 01:00 UTC on Sunday 25 October 2026.
    assert helpers["sg_hours_after"]("2026-10-24T12:00:00+01:00", 72) == (
        "2026-10-27T11:00:00+00:00")


def test_helpers_read_naive_strings_as_utc_and_accept_datetimes(helpers):
    assert helpers["sg_hours_after"]("2026-01-05T09:00:00", 2) == "2026-01-05T11:00:00+00:00"
    assert helpers["sg_hours_after"]("2026-01-05T09:00:00Z", 2) == "2026-01-05T11:00:00+00:00"
    assert helpers["sg_hours_after"](datetime(2026, 1, 5, 9, tzinfo=UTC), 2) == (
        "2026-01-05T11:00:00+00:00")


def test_sg_days_after_keeps_the_london_time_of_day(helpers):
    # 10:00 GMT on Saturday is 10:00 BST a day later, which is 09:00 UTC.
    assert helpers["sg_days_after"]("2026-03-28T10:00:00+00:00", 1) == (
        "2026-03-29T09:00:00+00:00")
    assert helpers["sg_days_after"]("2026-01-05T10:00:00+00:00", 7) == (
        "2026-01-12T10:00:00+00:00")


def test_sg_working_days_after_r28(helpers):
    # The fixture's calendar also closes on 2 January, so plain bank holidays are used here.
    plain = diagram_helpers(WorkingCalendar())
    assert plain["sg_working_days_after"]("2025-12-19T15:00:00+00:00", 10) == (
        "2026-01-07T23:59:59+00:00")
    assert helpers["sg_working_days_after"]("2025-12-19T15:00:00+00:00", 10) == (
        "2026-01-08T23:59:59+00:00")


def test_sg_working_days_after_in_summer_uses_the_london_date(helpers):
    assert helpers["sg_working_days_after"]("2026-06-01T10:00:00+00:00", 1) == (
        "2026-06-02T22:59:59+00:00")
    # 23:30 UTC on Monday is already Tuesday in London.
    assert helpers["sg_working_days_after"]("2026-06-01T23:30:00+00:00", 1) == (
        "2026-06-03T22:59:59+00:00")


@pytest.mark.parametrize("when, expected", [
    # Week before the clocks change (GMT): London time equals UTC.
    ("2026-03-27T08:30:00+00:00", True),    # Friday 08:30 GMT
    ("2026-03-27T09:00:00+00:00", False),   # Friday 09:00 GMT: office opens
    ("2026-03-27T16:30:00+00:00", False),   # Friday 16:30 GMT
    ("2026-03-27T17:00:00+00:00", True),    # Friday 17:00 GMT: office closed
    # Week after (BST): the same UTC times are an hour later in London.
    ("2026-03-30T08:30:00+00:00", False),   # Monday 09:30 BST
    ("2026-03-30T16:30:00+00:00", True),    # Monday 17:30 BST
    ("2026-03-30T07:59:59+00:00", True),    # Monday 08:59:59 BST
    ("2026-03-28T12:00:00+00:00", True),    # Saturday
    ("2026-04-06T12:00:00+01:00", True),    # Easter Monday
    ("2026-01-02T12:00:00+00:00", True),    # administrator-added closure
    ("2026-01-05T12:00:00", False),         # naive, read as UTC: Monday noon
])
def test_sg_out_of_hours(helpers, when, expected):
    assert helpers["sg_out_of_hours"](when) is expected


@pytest.mark.parametrize("dob, when, age", [
    ("2012-05-01", "2026-04-30T12:00:00+00:00", 13),
    ("2012-05-01", "2026-05-01T00:00:00+01:00", 14),
    ("2012-05-01", "2026-04-30T23:30:00+00:00", 14),    # already 1 May in London
    ("2008-02-29", "2026-02-28T12:00:00+00:00", 17),
    ("2008-02-29", "2026-03-01T12:00:00+00:00", 18),
    (date(2012, 5, 1), datetime(2026, 5, 1, 12, tzinfo=UTC), 14),
])
def test_sg_age_on(helpers, dob, when, age):
    assert helpers["sg_age_on"](dob, when) == age


# --- refusals -----------------------------------------------------------------------

@pytest.mark.parametrize("source, mode, message", [
    ("x = 1\nimport os", "exec", "import is not allowed (line 2)"),
    ("from os import path", "exec", "import is not allowed (line 1)"),
    ("__import__('os')", "eval", "the built-in '__import__' is not allowed (line 1)"),
    ("().__class__.__base__.__subclasses__()", "eval",
     "names starting with '_' are not allowed: '__class__' (line 1)"),
    ("open('/etc/passwd')", "eval", "the built-in 'open' is not allowed (line 1)"),
    ("x = 1\ny = open", "exec", "the built-in 'open' is not allowed (line 2)"),
    ("getattr((), '__class__')", "eval", "the built-in 'getattr' is not allowed (line 1)"),
    ("x = 1\nf = getattr\nf((), 'mro')", "exec",
     "the built-in 'getattr' is not allowed (line 2)"),
    ("vars()", "eval", "the built-in 'vars' is not allowed (line 1)"),
    ("type(1)", "eval", "the built-in 'type' is not allowed (line 1)"),
    ("print('hello')", "eval", "the built-in 'print' is not allowed (line 1)"),
    ("'{0.__class__}'.format(())", "eval", "the attribute 'format' is not allowed (line 1)"),
    ("[x for x in ().__class__.__mro__]", "eval",
     "names starting with '_' are not allowed: '__class__' (line 1)"),
    ("str.mro()", "eval", "the attribute 'mro' is not allowed (line 1)"),
    ("[g.gi_frame for g in [1]]", "eval", "the attribute 'gi_frame' is not allowed (line 1)"),
    ("(\n  1 +\n  len(x.__dict__)\n)", "eval",
     "names starting with '_' are not allowed: '__dict__' (line 3)"),
    ("dict(_secret=1)", "eval", "names starting with '_' are not allowed: '_secret' (line 1)"),
    ("for _ in range(3):\n    pass", "exec",
     "names starting with '_' are not allowed: '_' (line 1)"),
    ("x = 1\n\nglobal y", "exec", "global is not allowed (line 3)"),
    ("def f():\n    nonlocal y", "exec", "nonlocal is not allowed (line 2)"),
    ("class A:\n    pass", "exec", "class definitions are not allowed (line 1)"),
    ("exec('import os')", "exec", "the built-in 'exec' is not allowed (line 1)"),
])
def test_refused(source, mode, message):
    with pytest.raises(ScriptRejected) as caught:
        check_source(source, mode)

    assert str(caught.value) == message
    assert caught.value.line == int(message.rsplit("line ", 1)[1].rstrip(")"))
    assert caught.value.message == message.rsplit(" (line", 1)[0]


@pytest.mark.parametrize("source, mode", [
    ("risk_grade == 'low'", "eval"),
    ("sg_working_days_after(last_episode_start, 10)", "eval"),
    ("\"PT72H\"", "eval"),
    ("sorted(items, key=lambda item: item['n'])[0]", "eval"),
    ("total = sum(x['n'] for x in items)\nlabel = f'{total} episodes'", "exec"),
    ("def double(n):\n    return n * 2\nresult = double(max(1, 2))", "exec"),
])
def test_allowed(source, mode):
    check_source(source, mode)


def test_a_syntax_error_is_left_as_a_syntax_error():
    with pytest.raises(SyntaxError):
        check_source("x = ", "exec")


def test_successful_checks_are_cached():
    source = "child_age < 12 and in_care"
    scripting.compile_checked.cache_clear()
    check_source(source, "eval")
    check_source(source, "eval")
    assert scripting.compile_checked.cache_info().hits == 1


def test_task_data_cannot_bring_the_real_builtins_back(helpers):
    env = SafeEnvironment(helpers)
    data = {"__builtins__": vars(builtins)}

    # `print` is not refused by the check when only named, so the restricted builtins
    # are what stop it.
    with pytest.raises(NameError):
        env.evaluate("print", dict(data))
    with pytest.raises(NameError):
        env.execute("p = print", dict(data))


def test_execute_writes_into_task_data_and_leaves_no_helpers_behind(helpers):
    env = SafeEnvironment(helpers)
    data = {"reported_at": "2026-01-05T10:00:00+00:00"}

    env.execute("due = sg_hours_after(reported_at, 24)\ncount = len([1, 2])", data)

    assert data == {"reported_at": "2026-01-05T10:00:00+00:00",
                    "due": "2026-01-06T10:00:00+00:00", "count": 2}


def test_task_data_named_like_a_helper_is_reported(helpers):
    # Why the helpers all start with sg_: SpiffWorkflow refuses to run over them.
    with pytest.raises(ValueError, match="sg_now"):
        SafeEnvironment(helpers).execute("x = 1", {"sg_now": "oops"})


# --- inside a real workflow ---------------------------------------------------------

def bpmn(script: str, condition: str = "False", timer: str | None = None) -> bytes:
    """start -> prepare (script) -> route: `condition` to edt_end, else [wait] office_end."""
    wait = ""
    office_target = "office_end"
    if timer:
        office_target = "wait"
        wait = f"""
    <bpmn:intermediateCatchEvent id="wait"><bpmn:incoming>to_office</bpmn:incoming>
      <bpmn:outgoing>f4</bpmn:outgoing>
      <bpmn:timerEventDefinition>
        <bpmn:timeDate xsi:type="bpmn:tFormalExpression">{escape(timer)}</bpmn:timeDate>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f4" sourceRef="wait" targetRef="office_end"/>"""
    office_in = "f4" if timer else "to_office"
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="defs"
    targetNamespace="http://example.org/test">
  <bpmn:process id="test" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="prepare"/>
    <bpmn:scriptTask id="prepare" name="Prepare">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>{escape(script)}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="prepare" targetRef="route"/>
    <bpmn:exclusiveGateway id="route" default="to_office">
      <bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>to_edt</bpmn:outgoing><bpmn:outgoing>to_office</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:sequenceFlow id="to_edt" sourceRef="route" targetRef="edt_end">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression"
        >{escape(condition)}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="to_office" sourceRef="route" targetRef="{office_target}"/>{wait}
    <bpmn:endEvent id="edt_end"><bpmn:incoming>to_edt</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="office_end"><bpmn:incoming>{office_in}</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
""".encode()


def start(xml: bytes, data: dict, engine=None) -> BpmnWorkflow:
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(xml, filename="test.bpmn")
    workflow = BpmnWorkflow(parser.get_spec("test"),
                            script_engine=engine or make_script_engine())
    for task in workflow.get_tasks(state=TaskState.READY):
        task.data.update(data)
    workflow.do_engine_steps()
    return workflow


def ended_at(workflow: BpmnWorkflow) -> set[str]:
    return {t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.COMPLETED)
            if t.task_spec.bpmn_id in ("edt_end", "office_end")}


def test_script_task_that_imports_is_refused_naming_the_element_and_line():
    with pytest.raises(WorkflowTaskException) as caught:
        start(bpmn("x = 1\nimport os"), {})

    error = caught.value
    assert error.task_spec.bpmn_id == "prepare"
    assert error.line_number == 2
    assert error.error_line == "import os"
    assert "'prepare': import is not allowed (line 2)" in str(error)
    assert error.task.state == TaskState.ERROR


def test_gateway_condition_escape_is_refused_naming_the_gateway():
    with pytest.raises(WorkflowTaskException) as caught:
        start(bpmn("x = 1", condition="().__class__.__base__.__subclasses__()"), {})

    error = caught.value
    assert error.task_spec.bpmn_id == "route"
    assert error.line_number == 1
    assert "names starting with '_' are not allowed: '__class__' (line 1)" in str(error)


def test_safe_environment_alone_does_not_crash_spiffworkflows_error_wrapper():
    # The wrapper concatenates args[0] and compares line numbers: an exception with
    # other args (or a SyntaxError without lineno) turns into a TypeError there.
    plain = PythonScriptEngine(environment=SafeEnvironment({}))

    with pytest.raises(WorkflowTaskException) as caught:
        start(bpmn("import os"), {}, engine=plain)

    assert caught.value.task_spec.bpmn_id == "prepare"
    assert "import is not allowed (line 1)" in str(caught.value)


def test_syntax_error_in_a_script_names_the_element_and_line():
    with pytest.raises(WorkflowTaskException) as caught:
        start(bpmn("x = 1\ny = = 2"), {})

    assert caught.value.task_spec.bpmn_id == "prepare"
    assert caught.value.line_number == 2


@pytest.mark.parametrize("reported_at, path", [
    ("2026-01-05T12:00:00+00:00", {"office_end"}),   # Monday noon
    ("2026-01-03T12:00:00+00:00", {"edt_end"}),      # Saturday
])
def test_normal_script_and_condition_still_run(reported_at, path):
    script = (
        "due = sg_working_days_after(reported_at, 10)\n"
        "out_of_hours = sg_out_of_hours(reported_at)\n"
        "names = sorted(set(['b', 'a']))"
    )
    workflow = start(bpmn(script, condition="out_of_hours and len(names) == 2"),
                     {"reported_at": reported_at})

    assert workflow.is_completed()
    assert ended_at(workflow) == path
    data = workflow.last_task.data
    assert data["names"] == ["a", "b"]
    assert not any(key.startswith("sg_") or key == "__builtins__" for key in data)


def test_timer_armed_from_a_helper_waits_for_the_working_day_deadline(frozen_clock):
    clock.install()
    frozen_clock.set(datetime(2025, 12, 19, 15, 0, tzinfo=UTC))
    workflow = start(bpmn("x = 1", timer="sg_working_days_after(last_episode_start, 10)"),
                     {"last_episode_start": "2025-12-19T14:00:00+00:00"})

    [waiting] = workflow.waiting_events()
    assert waiting.value == "2026-01-07T23:59:59+00:00"

    frozen_clock.set(datetime(2026, 1, 7, 23, 59, 58, tzinfo=UTC))
    workflow.refresh_timers()
    workflow.do_engine_steps()
    assert not workflow.is_completed()

    frozen_clock.advance(timedelta(seconds=2))
    workflow.refresh_timers()
    workflow.do_engine_steps()
    assert workflow.is_completed()
    assert ended_at(workflow) == {"office_end"}


# --- checking timers when a diagram is published ------------------------------------

def test_probe_expression_gives_unknown_variables_a_sample_moment(frozen_clock):
    value = scripting.probe_expression("sg_working_days_after(last_episode_start, 10)")

    assert value == "2026-01-21T23:59:59+00:00"
    scripting.check_timer_value("timeDate", value)


@pytest.mark.parametrize("source, message", [
    ("sg_hours_after(reported_at, 'x')", "the expression fails: TypeError"),
    ("__import__('os')", "the built-in '__import__' is not allowed"),
    ("sg_hours_after(", "the expression does not parse"),
])
def test_probe_expression_reports_every_failure_as_rejected(source, message):
    with pytest.raises(ScriptRejected, match=message):
        scripting.probe_expression(source)


def test_an_unquoted_duration_is_caught_by_probe_and_check_together():
    # Unquoted, PT72H is a variable: the probe gives it a moment, which is no duration.
    value = scripting.probe_expression("PT72H")
    with pytest.raises(ScriptRejected, match="not a valid timeDuration"):
        scripting.check_timer_value("timeDuration", value)


@pytest.mark.parametrize("kind, value, ok", [
    ("timeDate", "2026-01-07T23:59:59+00:00", True),
    ("timeDate", "2026-01-07T23:59:59", False),    # SpiffWorkflow would use server time
    ("timeDuration", "PT72H", True),
    ("timeDuration", "PT72", False),
    ("timeCycle", "R3/PT24H", True),
    ("timeDate", 42, False),
])
def test_check_timer_value(kind, value, ok):
    if ok:
        scripting.check_timer_value(kind, value)
    else:
        with pytest.raises(ScriptRejected):
            scripting.check_timer_value(kind, value)
