"""PLAN interfaces 3 and 5 on the landed diagrams: every statutory clock is tagged on a
boundary timer, and everything a person can see has a plain-English name."""

from lxml import etree

from engine import specs
from tests.conftest import PROCESSES

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
CLOCKS = {"grading", "high_risk_deployment", "low_risk_review", "action_plan", "daily_contact",
          "strategy_meeting", "need_to_know", "lead_member", "rhi", "stage_one_meeting",
          "home_office_contact", "police_protection", "epo", "trafficking_assessment"}
SEEN = ("userTask", "callActivity", "subProcess", "boundaryEvent", "intermediateCatchEvent")


def roots():
    for name, data in specs.read_directory(PROCESSES).items():
        if name.endswith(".bpmn"):
            yield name, etree.fromstring(data)


def clock_of(node):
    for prop in node.iterfind("bpmn:extensionElements/spiffworkflow:properties/"
                              "spiffworkflow:property", NS):
        if prop.get("name") == "clock":
            return prop.get("value")
    return None


def test_r5_r14_r15_r16_r17_r18_r22_r28_r41_r43_every_statutory_clock_is_tagged():
    tagged = {}
    for name, root in roots():
        for node in root.iter(f"{{{NS['bpmn']}}}boundaryEvent"):
            clock = clock_of(node)
            if clock is not None:
                assert clock in CLOCKS, f"{name}:{node.get('id')} has unknown clock {clock}"
                assert node.find("bpmn:timerEventDefinition", NS) is not None
                tagged.setdefault(clock, []).append(f"{name}:{node.get('id')}")
    assert set(tagged) == CLOCKS, CLOCKS - set(tagged)


def test_everything_a_person_sees_has_a_plain_english_name():
    unnamed = [f"{name}:{node.get('id')}" for name, root in roots()
               for tag in SEEN for node in root.iter(f"{{{NS['bpmn']}}}{tag}")
               if not (node.get("name") or "").strip() or "_" in node.get("name")]
    assert unnamed == []
