"""Diagrams are untrusted input: every problem is refused with its file, element and line,
and nothing is published."""

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from engine import specs
from engine.commands import PublishProcesses
from engine.errors import DiagramProblems, NotPermitted
from engine.executor import SYSTEM, Actor, run
from engine.models import ProcessVersion
from web.cli import main

from .conftest import HERE

SIMPLE = (HERE / "diagrams" / "simple.bpmn").read_text()


def broken(old, new):
    assert old in SIMPLE, old
    return {"simple.bpmn": SIMPLE.replace(old, new, 1).encode()}


def problems_of(files):
    with pytest.raises(DiagramProblems) as raised:
        specs.parse_bundle(files)
    return raised.value.problems


def line_of(text, fragment):
    return SIMPLE.splitlines().index(next(
        line for line in SIMPLE.splitlines() if fragment in line)) + 1


XXE = """<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <bpmn:process id="p" isExecutable="true"><bpmn:documentation>&xxe;</bpmn:documentation>
  </bpmn:process>
</bpmn:definitions>"""

LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
<bpmn:process id="p" isExecutable="true"><bpmn:documentation>&lol3;</bpmn:documentation>
</bpmn:process></bpmn:definitions>"""


@pytest.mark.parametrize("xml", [XXE, LAUGHS], ids=["external-entity", "entity-expansion"])
def test_hostile_xml_is_refused(engine_forms, xml):
    [problem] = problems_of({"hostile.bpmn": xml.encode()})
    assert problem.file == "hostile.bpmn"
    assert "DOCTYPE is not allowed" in problem.message
    assert "root:" not in problem.located()  # nothing of /etc/passwd leaks into the message


def test_malformed_xml_names_file_and_line(engine_forms):
    [problem] = problems_of(broken('<bpmn:endEvent id="end" />', '<bpmn:endEvent id="end">'))
    assert problem.file == "simple.bpmn"
    assert "malformed" in problem.message
    assert problem.line is not None and problem.line > 1


def test_xsd_violation_is_refused(engine_forms):
    [problem] = problems_of(broken('<bpmn:startEvent id="start" />',
                                   '<bpmn:startEvent id="start" colour="red" />'))
    assert problem.file == "simple.bpmn"
    assert problem.line == line_of(SIMPLE, 'startEvent id="start"')


def test_unquoted_timer_duration_is_refused_on_its_element(engine_forms):
    [problem] = problems_of(broken("<bpmn:timeDate>sg_hours_after(reported_at, 2)</bpmn:timeDate>",
                                   "<bpmn:timeDuration>PT72H</bpmn:timeDuration>"))
    assert problem.element == "first_deadline_timer"
    assert "timeDuration" in problem.message


def test_timer_that_does_not_evaluate_is_refused(engine_forms):
    [problem] = problems_of(broken("sg_hours_after(reported_at, 2)", "sg_hours_after(2)"))
    assert problem.element == "first_deadline_timer"
    assert problem.line == line_of(SIMPLE, "sg_hours_after")


@pytest.mark.parametrize("condition, words", [
    ("import os", "does not parse"),
    ("__import__('os').system('id')", "'__import__' is not allowed"),
    ("().__class__.__base__.__subclasses__()", "'_'"),
    ("open('/etc/passwd')", "'open'"),
])
def test_condition_escaping_the_sandbox_is_refused(engine_forms, condition, words):
    flow = '<bpmn:sequenceFlow id="f5" sourceRef="wait_ping" targetRef="end" />'
    guarded = ('<bpmn:sequenceFlow id="f5" sourceRef="wait_ping" targetRef="end">'
               f'<bpmn:conditionExpression>{condition}</bpmn:conditionExpression>'
               '</bpmn:sequenceFlow>')
    [problem] = problems_of(broken(flow, guarded))
    assert problem.element == "f5"
    assert words in problem.message
    assert problem.line == line_of(SIMPLE, 'sequenceFlow id="f5"')


def test_script_with_import_is_refused(engine_forms):
    task = '<bpmn:endEvent id="end" />'
    script = ('<bpmn:scriptTask id="sneaky"><bpmn:script>x = 1\nimport os</bpmn:script>'
              '</bpmn:scriptTask><bpmn:endEvent id="end" />')
    [problem] = problems_of(broken(task, script))
    assert problem.element == "sneaky"
    assert "import is not allowed" in problem.message
    assert problem.line == line_of(SIMPLE, 'endEvent id="end"') + 1


def test_lane_that_is_not_a_role_is_refused(engine_forms):
    [problem] = problems_of(broken('name="Team manager"', 'name="Tea lady"'))
    assert problem.element == "lane_manager"
    assert "not a known role" in problem.message


def test_form_that_does_not_exist_is_refused(engine_forms):
    problems = problems_of(broken('value="note"', 'value="no_such_form"'))
    assert [p.element for p in problems] == ["first"]
    assert "no_such_form" in problems[0].message


def test_unknown_rule_id_is_refused(engine_forms):
    [problem] = problems_of(broken("R5: a test task.", "R99: a test task."))
    assert problem.element == "first"
    assert "R99" in problem.message


def test_call_to_missing_process_is_refused(engine_forms):
    flow = '<bpmn:sequenceFlow id="f5" sourceRef="wait_ping" targetRef="end" />'
    call = ('<bpmn:sequenceFlow id="f5" sourceRef="wait_ping" targetRef="call_nowhere" />'
            '<bpmn:callActivity id="call_nowhere" calledElement="nowhere" />'
            '<bpmn:sequenceFlow id="f6" sourceRef="call_nowhere" targetRef="end" />')
    [problem] = problems_of(broken(flow, call))
    assert problem.element == "call_nowhere"
    assert "'nowhere'" in problem.message


def test_nothing_is_published_when_any_file_is_bad(session, fake_clock, engine_forms):
    files = {"simple.bpmn": SIMPLE.encode(), "hostile.bpmn": XXE.encode()}
    with pytest.raises(DiagramProblems):
        run(session, PublishProcesses(files), SYSTEM)
    assert session.scalar(select(func.count()).select_from(ProcessVersion)) == 0


def test_publishing_makes_a_version_only_when_content_changes(session, fake_clock,
                                                               engine_forms):
    first = run(session, PublishProcesses({"simple.bpmn": SIMPLE.encode()}), SYSTEM)
    again = run(session, PublishProcesses({"simple.bpmn": SIMPLE.encode()}), SYSTEM)
    changed = run(session, PublishProcesses(broken("Do the first thing", "Do it")), SYSTEM)
    assert [v.version for v in first] == [1]
    assert again == []
    assert [v.version for v in changed] == [2]
    assert first[0].sha256 != changed[0].sha256


def test_only_process_owners_publish(session, fake_clock, engine_forms):
    with pytest.raises(NotPermitted):
        run(session, PublishProcesses({"simple.bpmn": SIMPLE.encode()}),
            Actor(None, "Pat", frozenset({"police"})))


def test_check_command_passes_on_processes_and_names_the_element_on_a_broken_copy(tmp_path):
    runner = CliRunner()
    ok = runner.invoke(main, ["check"])
    assert ok.exit_code == 0, ok.output
    from tests.conftest import PROCESSES

    for path in PROCESSES.iterdir():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    report = (tmp_path / "report.bpmn").read_text()
    (tmp_path / "report.bpmn").write_text(
        report.replace('id="grade_risk"', 'id="grade_risk" colour="red"', 1))
    bad = runner.invoke(main, ["check", "--dir", str(tmp_path)])
    assert bad.exit_code == 1
    assert "report.bpmn" in bad.output and "grade_risk" in bad.output
