"""The modeller's Check: every server-side check as structured data, one broken diagram
per rule, each problem on its element (issue 6). Rules already proved one by one in
test_specs.py are proved here again through `specs.check`, the function the modeller uses."""

import pytest

from engine import specs

from .conftest import HERE

SIMPLE = (HERE / "diagrams" / "simple.bpmn").read_text()
GRADE = (HERE / "diagrams" / "grade.dmn").read_text()
FLOW = '<bpmn:sequenceFlow id="f5" sourceRef="wait_ping" targetRef="end" />'


def check_simple(old, new, known=frozenset()):
    assert old in SIMPLE, old
    return [p.as_dict() for p in specs.check(
        {"simple.bpmn": SIMPLE.replace(old, new, 1).encode()}, known)]


def check_grade(cell):
    assert "&gt;= 3" in GRADE
    return [p.as_dict() for p in specs.check(
        {"grade.dmn": GRADE.replace("&gt;= 3", cell, 1).encode()})]


def test_clean_diagrams_have_no_problems(engine_forms):
    assert specs.check({"simple.bpmn": SIMPLE.encode(), "grade.dmn": GRADE.encode()}) == []


# (rule, old, new, element, words in the message)
RULES = [
    ("parse", '<bpmn:endEvent id="end" />', '<bpmn:endEvent id="end">', None, "malformed"),
    ("xsd", '<bpmn:startEvent id="start" />', '<bpmn:startEvent id="start" colour="red" />',
     "start", "colour"),
    ("task-outside-lane", "<bpmn:flowNodeRef>first</bpmn:flowNodeRef>", "", "first",
     "not in a lane"),
    ("lane-not-a-role", 'name="Team manager"', 'name="Tea lady"', "lane_manager",
     "not a known role"),
    ("missing-form", 'value="note"', 'value="no_such_form"', "first", "no_such_form"),
    ("no-form-key", '<spiffworkflow:property name="formKey" value="note" />', "", "first",
     "no formKey"),
    ("timer-not-iso", "sg_hours_after(reported_at, 2)", '"in two hours"',
     "first_deadline_timer", "timeDate"),
    ("timer-does-not-evaluate", "sg_hours_after(reported_at, 2)", "sg_hours_after(2)",
     "first_deadline_timer", "timeDate"),
    ("timer-unquoted-duration", "<bpmn:timeDate>sg_hours_after(reported_at, 2)</bpmn:timeDate>",
     "<bpmn:timeDuration>PT72H</bpmn:timeDuration>", "first_deadline_timer", "timeDuration"),
    ("condition-sandbox", FLOW,
     FLOW[:-3] + "><bpmn:conditionExpression>__import__('os')</bpmn:conditionExpression>"
     "</bpmn:sequenceFlow>", "f5", "__import__"),
    ("script-sandbox", '<bpmn:endEvent id="end" />',
     '<bpmn:scriptTask id="sneaky"><bpmn:script>import os</bpmn:script></bpmn:scriptTask>'
     '<bpmn:endEvent id="end" />', "sneaky", "import"),
    ("call-to-missing-process", FLOW,
     '<bpmn:sequenceFlow id="f5" sourceRef="wait_ping" targetRef="call_nowhere" />'
     '<bpmn:callActivity id="call_nowhere" calledElement="nowhere" />'
     '<bpmn:sequenceFlow id="f6" sourceRef="call_nowhere" targetRef="end" />',
     "call_nowhere", "'nowhere'"),
    ("unknown-rule-id", "R5: a test task.", "R99: a test task.", "first", "R99"),
    ("unknown-rule-id-property", '<spiffworkflow:property name="formKey" value="note" />',
     '<spiffworkflow:property name="formKey" value="note" />'
     '<spiffworkflow:property name="rules" value="R5, R99" />', "first", "'R99'"),
]


@pytest.mark.parametrize("rule, old, new, element, words", RULES, ids=[r[0] for r in RULES])
def test_each_check_rule_names_the_element(engine_forms, rule, old, new, element, words):
    problems = check_simple(old, new)
    assert problems, rule
    problem = problems[0]
    assert problem["file"] == "simple.bpmn"
    assert problem["element"] == element
    assert words in problem["message"]
    assert problem["line"] and problem["line"] > 1


def test_call_to_a_published_process_is_fine(engine_forms):
    call = ('<bpmn:sequenceFlow id="f5" sourceRef="wait_ping" targetRef="call_other" />'
            '<bpmn:callActivity id="call_other" calledElement="other" />'
            '<bpmn:sequenceFlow id="f6" sourceRef="call_other" targetRef="end" />')
    assert check_simple(FLOW, call, known={"other"}) == []


@pytest.mark.parametrize("cell, words", [
    ("[12..17]", "not a valid Python expression"),
    ("0,1,2", "comma-separated list never matches"),
    ("__import__('os')", "'__import__' is not allowed"),
    ("open('/etc/passwd')", "'open'"),
])
def test_dmn_cell_that_is_not_a_valid_expression_is_refused(engine_forms, cell, words):
    [problem] = check_grade(cell)
    assert problem["file"] == "grade.dmn"
    assert problem["element"] == "grade_rule_high_in"
    assert words in problem["message"]


@pytest.mark.parametrize("cell", ["&lt; 3", "in (1, 2)", "? &gt; 1 and ? &lt; 5", '"high"', "-"])
def test_dmn_cells_spiffworkflow_accepts_pass(engine_forms, cell):
    assert check_grade(cell) == []


def test_dmn_output_cell_is_checked(engine_forms):
    problems = [p.as_dict() for p in specs.check(
        {"grade.dmn": GRADE.replace('"low"', "exec('1')").encode()})]
    assert [p["element"] for p in problems] == ["grade_rule_other_out"]
