"""Hostile diagrams: each one a way a process owner's diagram could hang or crash the
service, written as small as it can be. `CORPUS` lists them with what must happen:
refused by Check (with the element named) or published, and then a case that starts (or
whose first task completes) must be marked in error at the element, within a bound."""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
        'id="{pid}_definitions" targetNamespace="http://bpmn.io/schema/bpmn">\n')
FORM = ('<bpmn:extensionElements><spiffworkflow:properties>'
        '<spiffworkflow:property name="formKey" value="note" />'
        '</spiffworkflow:properties></bpmn:extensionElements>')


def process(pid: str, body: str, nodes: list[str]) -> str:
    """A process with every node in the Police lane."""
    refs = "".join(f"<bpmn:flowNodeRef>{n}</bpmn:flowNodeRef>" for n in nodes)
    return (f'<bpmn:process id="{pid}" name="{pid}" isExecutable="true">\n'
            f'<bpmn:laneSet id="{pid}_lanes"><bpmn:lane id="{pid}_police" name="Police">'
            f'{refs}</bpmn:lane></bpmn:laneSet>\n{body}\n</bpmn:process>\n')


def diagram(*processes: str, pid: str = "hostile") -> bytes:
    return (HEAD.format(pid=pid) + "".join(processes) + "</bpmn:definitions>\n").encode()


def user_task(tid: str, name: str = "Look at it") -> str:
    return f'<bpmn:userTask id="{tid}" name="{name}">{FORM}</bpmn:userTask>'


def flow(fid: str, source: str, target: str, condition: str | None = None) -> str:
    if condition is None:
        return f'<bpmn:sequenceFlow id="{fid}" sourceRef="{source}" targetRef="{target}" />'
    return (f'<bpmn:sequenceFlow id="{fid}" sourceRef="{source}" targetRef="{target}">'
            f'<bpmn:conditionExpression>{escape(condition)}</bpmn:conditionExpression>'
            '</bpmn:sequenceFlow>')


def script_diagram(script: str) -> bytes:
    """start -> first (a person) -> hostile_script -> after (a person) -> end"""
    body = "\n".join([
        '<bpmn:startEvent id="start" />', flow("f0", "start", "first"), user_task("first"),
        flow("f1", "first", "hostile_script"),
        f'<bpmn:scriptTask id="hostile_script" name="Work it out"><bpmn:script>'
        f'{escape(script)}</bpmn:script></bpmn:scriptTask>',
        flow("f2", "hostile_script", "after"), user_task("after", "Then this"),
        flow("f3", "after", "end"), '<bpmn:endEvent id="end" />'])
    return diagram(process("hostile", body, ["start", "first", "hostile_script", "after",
                                             "end"]))


def condition_diagram(condition: str) -> bytes:
    """start -> first -> choose (condition or default) -> yes / no"""
    body = "\n".join([
        '<bpmn:startEvent id="start" />', flow("f0", "start", "first"), user_task("first"),
        flow("f1", "first", "choose"),
        '<bpmn:exclusiveGateway id="choose" name="Which way?" default="to_no" />',
        flow("to_yes", "choose", "yes", condition), flow("to_no", "choose", "no"),
        user_task("yes", "Yes"), user_task("no", "No")])
    return diagram(process("hostile", body, ["start", "first", "choose", "yes", "no"]))


def timer_diagram(kind: str, expression: str, *, interrupting: bool = False) -> bytes:
    """start -> first -> second, with a boundary timer -> chase"""
    cancel = "true" if interrupting else "false"
    body = "\n".join([
        '<bpmn:startEvent id="start" />', flow("f0", "start", "first"), user_task("first"),
        flow("f2", "first", "second"), user_task("second", "Then this"),
        f'<bpmn:boundaryEvent id="hostile_timer" name="Chase" cancelActivity="{cancel}" '
        f'attachedToRef="second"><bpmn:timerEventDefinition id="hostile_timer_def">'
        f'<bpmn:{kind}>{escape(expression)}</bpmn:{kind}></bpmn:timerEventDefinition>'
        '</bpmn:boundaryEvent>',
        flow("f1", "hostile_timer", "chase"), user_task("chase", "Chase it")])
    return diagram(process("hostile", body, ["start", "first", "second", "hostile_timer",
                                             "chase"]))


def dead_end_gateway() -> bytes:
    body = "\n".join([
        '<bpmn:startEvent id="start" />', flow("f0", "start", "first"), user_task("first"),
        flow("f1", "first", "nowhere"), '<bpmn:exclusiveGateway id="nowhere" name="Then?" />'])
    return diagram(process("hostile", body, ["start", "first", "nowhere"]))


def calls(pid: str, called: str) -> str:
    body = "\n".join([
        f'<bpmn:startEvent id="{pid}_start" />', flow(f"{pid}_f0", f"{pid}_start",
                                                        f"{pid}_first"),
        user_task(f"{pid}_first"), flow(f"{pid}_f1", f"{pid}_first", f"{pid}_call"),
        f'<bpmn:callActivity id="{pid}_call" name="Again" calledElement="{called}" />',
        flow(f"{pid}_f2", f"{pid}_call", f"{pid}_end"), f'<bpmn:endEvent id="{pid}_end" />'])
    return process(pid, body, [f"{pid}_start", f"{pid}_first", f"{pid}_call", f"{pid}_end"])


def loop_forever() -> bytes:
    """A gateway whose condition always sends the case round again, with no person in
    the loop: the engine itself would never stop."""
    body = "\n".join([
        '<bpmn:startEvent id="start" />', flow("f0", "start", "first"), user_task("first"),
        flow("f1", "first", "again"),
        '<bpmn:exclusiveGateway id="again" name="Again?" default="out" />',
        flow("round", "again", "count", "True"), flow("out", "again", "done"),
        '<bpmn:scriptTask id="count" name="Count"><bpmn:script>n = 1</bpmn:script>'
        '</bpmn:scriptTask>', flow("back", "count", "again"), user_task("done", "Done")])
    return diagram(process("hostile", body, ["start", "first", "again", "count", "done"]))


@dataclass
class Case:
    name: str
    files: dict[str, bytes]
    refused: str | None = None  # Check refuses it, with this in the message
    element: str | None = None  # the element Check names, or the case fails at ("a|b")
    fails: str | None = None  # published; running it fails with this in the error


PLUS_TERMS = "x = " + "+".join(["1"] * 100_000)
XXE = ('<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
       '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">'
       '<bpmn:process id="p" isExecutable="true"><bpmn:documentation>&xxe;'
       '</bpmn:documentation></bpmn:process></bpmn:definitions>')
LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
          '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>'
          '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">'
          '<bpmn:process id="p" isExecutable="true"><bpmn:documentation>&c;'
          '</bpmn:documentation></bpmn:process></bpmn:definitions>')

CORPUS = [
    Case("while-true", {"hostile.bpmn": script_diagram("while True:\n    pass")},
         refused="fails in every case", element="hostile_script"),
    Case("huge-string", {"hostile.bpmn": script_diagram('note = "x" * 10**10')},
         refused="too big", element="hostile_script"),
    Case("recursion", {"hostile.bpmn": script_diagram(
        "def f(n):\n    return f(n - 1) + f(n - 1) if n else 1\nx = f(80)")},
         refused="fails in every case", element="hostile_script"),
    Case("power-condition", {"hostile.bpmn": condition_diagram("9**9**9 > 0")},
         refused="too big", element="to_yes"),
    Case("power-of-variable", {"hostile.bpmn": condition_diagram("9**9**(case_id + 8) > 0")},
         element="choose", fails="too big"),
    Case("100000-terms", {"hostile.bpmn": script_diagram(PLUS_TERMS)},
         refused="characters long", element="hostile_script"),
    Case("cycle-zero", {"hostile.bpmn": timer_diagram("timeCycle", '"R/PT0S"')},
         refused="repeat", element="hostile_timer"),
    Case("cycle-millisecond", {"hostile.bpmn": timer_diagram("timeCycle",
                                                             '"R999999999/PT0.001S"')},
         refused="repeat", element="hostile_timer"),
    Case("duration-zero", {"hostile.bpmn": timer_diagram("timeDuration", '"PT0S"')},
         refused="more than zero", element="hostile_timer"),
    Case("duration-negative", {"hostile.bpmn": timer_diagram("timeDuration", '"-PT1H"')},
         refused="timeDuration", element="hostile_timer"),
    Case("gateway-dead-end", {"hostile.bpmn": dead_end_gateway()},
         refused="no outgoing flow", element="nowhere"),
    Case("calls-itself", {"hostile.bpmn": diagram(calls("hostile", "hostile"))},
         refused="calls its own process", element="hostile_call"),
    Case("call-cycle", {"hostile.bpmn": diagram(calls("hostile", "other"),
                                                calls("other", "hostile"))},
         refused="cycle", element="hostile_call"),
    # The same hazards computed from case data: Check cannot know, the case stops.
    Case("while-case-data", {"hostile.bpmn": script_diagram("while case_id:\n    pass")},
         element="hostile_script", fails="the script"),  # its steps or its second
    Case("huge-string-from-data", {"hostile.bpmn": script_diagram(
        'note = "x" * 10**(case_id + 9)')}, element="hostile_script", fails="too big"),
    Case("cycle-from-data", {"hostile.bpmn": timer_diagram(
        "timeCycle", '"R/PT0S" if isinstance(case_id, int) else "R3/PT24H"')},
         element="hostile_timer", fails="repeat"),
    Case("engine-loop", {"hostile.bpmn": loop_forever()}, element="again|count",
         fails="steps"),
    Case("external-entity", {"hostile.bpmn": XXE.encode()}, refused="DOCTYPE"),
    Case("entity-expansion", {"hostile.bpmn": LAUGHS.encode()}, refused="DOCTYPE"),
    Case("not-xml", {"hostile.bpmn": b"\x00\xff<<<"}, refused="malformed"),
]
