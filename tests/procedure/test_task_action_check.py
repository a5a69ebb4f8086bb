"""Check refuses, at publish time, task actions (engine/task_actions.py) that would fail or
do nothing in a case: the R13/R27/R43 child flag, the R25 meeting choice, the R6 found
report and the R29 recount, each refused on the real procedure diagrams with the
element named."""

import pytest

from engine import specs
from tests.conftest import PROCESSES

FILES = specs.read_directory(PROCESSES)


def problems(filename, old, new):
    text = FILES[filename].decode()
    assert text.count(old) == 1, old
    files = dict(FILES, **{filename: text.replace(old, new).encode()})
    return [(p.file, p.element, p.message) for p in specs.check(files)]


def test_r13_r27_r43_the_procedure_as_it_stands_passes():
    assert specs.check(FILES) == []


CASES = [
    # (rule, file, old, new, element, words in the message)
    ("R13 unknown flag", "share.bpmn", 'name="childFlag" value="notified_by_other_authority"',
     'name="childFlag" value="notified_by_another"', "flag_child_record",
     "no flag 'notified_by_another'"),
    ("R43 condition that does not parse", "episode_risks.bpmn",
     'name="childFlagWhen" value="withhold_location"',
     'name="childFlagWhen" value="withhold_location and"', "trafficking_assessment",
     "childFlagWhen does not parse"),
    ("R43 condition the sandbox refuses", "episode_risks.bpmn",
     'name="childFlagWhen" value="withhold_location"',
     'name="childFlagWhen" value="__import__(\'os\')"', "trafficking_assessment",
     "childFlagWhen"),
    ("R27 value the flag cannot hold", "interview.bpmn",
     'name="childFlag" value="ce_risk"/>',
     'name="childFlag" value="ce_risk_level"/><spiffworkflow:property '
     'name="childFlagValue" value="\'extreme\'"/>', "ce_checklist",
     "'extreme' is not a value flag 'ce_risk_level' can hold"),
    ("R27 companion without the flag", "interview.bpmn",
     'name="childFlag" value="ce_risk"/>', 'name="childFlagWhen" value="True"/>',
     "ce_checklist", "childFlagWhen needs a childFlag"),
    ("R25 meeting that does not exist", "interview.bpmn",
     'name="startMeeting" value="stage_meeting"', 'name="startMeeting" value="\'stage_three\'"',
     "consider_rhi", "'stage_three' is not a meeting"),
    ("R25 empty meeting", "interview.bpmn",
     'name="startMeeting" value="stage_meeting"', 'name="startMeeting" value=""',
     "consider_rhi", "startMeeting is empty"),
    ("R29 recount not a yes or no", "interview.bpmn",
     'name="recountEpisodes" value="true"', 'name="recountEpisodes" value="yes"',
     "prevention_interview", "recountEpisodes must be true or false"),
    ("R6 found reported from a form without the found answers", "report.bpmn",
     '<spiffworkflow:property name="formKey" value="low_risk_review"/>',
     '<spiffworkflow:property name="formKey" value="regrade_risk"/>', "low_risk_review",
     "form 'regrade_risk' does not ask review_found_at"),
]


@pytest.mark.parametrize(("rule", "filename", "old", "new", "element", "words"), CASES,
                         ids=[c[0] for c in CASES])
def test_r6_r13_r25_r27_r29_r43_bad_task_actions_are_refused_naming_the_element(
        rule, filename, old, new, element, words):
    found = problems(filename, old, new)
    assert [(f, e) for f, e, m in found if words in m] == [(filename, element)], found


def test_r13_task_actions_on_an_element_people_do_not_complete_are_refused():
    text = FILES["share.bpmn"].decode()
    start = '<bpmn:startEvent id="share_start" name="Report received">'
    assert start in text
    moved = text.replace(start, start + '<bpmn:extensionElements><spiffworkflow:properties>'
                         '<spiffworkflow:property name="childFlag" value="ce_risk"/>'
                         '</spiffworkflow:properties></bpmn:extensionElements>')
    found = specs.check(dict(FILES, **{"share.bpmn": moved.encode()}))
    assert [(p.element, "user task" in p.message) for p in found] == [("share_start", True)]
