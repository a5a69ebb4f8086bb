"""The modeller's commands: drafts, publish from a draft only when clean, history, the
element diff, rollback and export (issue 6)."""

import pytest
from sqlalchemy import select

from engine import versions
from engine.commands import StartCase
from engine.commands.process_drafts import (
    DiscardProcessDraft,
    PublishProcessDraft,
    RepublishVersion,
    SaveProcessDraft,
)
from engine.errors import DiagramProblems, InvalidDiagram, NotPermitted
from engine.executor import SYSTEM, Actor, run
from engine.models import AuditEvent, Case, ProcessDraft

from .conftest import HERE

SIMPLE = (HERE / "diagrams" / "simple.bpmn").read_bytes()
OWNER = Actor(None, "Olive Owner", frozenset({"process_owner"}))
RENAMED = SIMPLE.replace(b'name="Do the first thing"', b'name="Do the very first thing"')


def publish_draft(session, xml, note="a change"):
    run(session, SaveProcessDraft("simple.bpmn", xml), OWNER)
    return run(session, PublishProcessDraft("simple.bpmn", note), OWNER)


def test_draft_is_kept_with_author_and_time(session, simple, fake_clock):
    run(session, SaveProcessDraft("simple.bpmn", RENAMED, based_on_id=simple.id), OWNER)
    draft = versions.get_draft(session, "simple.bpmn")
    assert (draft.xml, draft.saved_by, draft.saved_at) == (RENAMED, "Olive Owner",
                                                          fake_clock.now())
    assert draft.based_on_id == simple.id
    run(session, SaveProcessDraft("simple.bpmn", SIMPLE), OWNER)  # saving again replaces it
    assert session.scalars(select(ProcessDraft)).one().xml == SIMPLE


@pytest.mark.parametrize("xml, words", [
    (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>',
     "DOCTYPE"),
    (b"<bpmn:definitions", "malformed"),
])
def test_hostile_or_malformed_upload_is_refused_and_the_draft_kept(session, simple, xml,
                                                                    words):
    run(session, SaveProcessDraft("simple.bpmn", RENAMED), OWNER)
    with pytest.raises(InvalidDiagram, match=words):
        run(session, SaveProcessDraft("simple.bpmn", xml), OWNER)
    assert versions.get_draft(session, "simple.bpmn").xml == RENAMED


def test_bad_file_name_is_refused(session, simple):
    with pytest.raises(InvalidDiagram, match="file name"):
        run(session, SaveProcessDraft("../etc/passwd.bpmn", SIMPLE), OWNER)


def test_only_process_owners_change_drafts(session, simple):
    police = Actor(None, "Pat", frozenset({"police"}))
    with pytest.raises(NotPermitted):
        run(session, SaveProcessDraft("simple.bpmn", RENAMED), police)


def test_publish_from_draft_makes_version_2_new_cases_use_it_old_stay(session, simple,
                                                                      fake_clock):
    data = {"reported_at": fake_clock.now().isoformat()}
    old_case = run(session, StartCase("simple", data), SYSTEM)
    [v2] = publish_draft(session, RENAMED, note="clearer name")
    assert (v2.version, v2.published_by, v2.note) == (2, "Olive Owner", "clearer name")
    assert versions.get_draft(session, "simple.bpmn") is None
    new_case = run(session, StartCase("simple", data), SYSTEM)
    assert session.get(Case, new_case.id).process_version_id == v2.id
    assert session.get(Case, old_case.id).process_version_id == simple.id
    assert [v.version for v in versions.history(session, "simple")] == [2, 1]
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "process.published")
                          .order_by(AuditEvent.id.desc()).limit(1)).actor == "Olive Owner"


def test_publish_is_refused_while_check_finds_problems_and_the_draft_stays(session, simple):
    broken = SIMPLE.replace(b'value="note"', b'value="no_such_form"', 1)
    run(session, SaveProcessDraft("simple.bpmn", broken), OWNER)
    with pytest.raises(DiagramProblems) as raised:
        run(session, PublishProcessDraft("simple.bpmn", "oops"), OWNER)
    assert [p.element for p in raised.value.problems] == ["first"]
    assert versions.get_draft(session, "simple.bpmn").xml == broken
    assert [v.version for v in versions.history(session, "simple")] == [1]
    assert [p.element for p in versions.check_file(session, "simple.bpmn", broken)] == ["first"]


def test_discard_draft(session, simple):
    run(session, SaveProcessDraft("simple.bpmn", RENAMED), OWNER)
    run(session, DiscardProcessDraft("simple.bpmn"), OWNER)
    assert versions.get_draft(session, "simple.bpmn") is None


def test_republishing_an_old_version_rolls_back(session, simple):
    publish_draft(session, RENAMED)
    [v3] = run(session, RepublishVersion("simple", 1), OWNER)
    assert (v3.version, v3.xml, v3.note) == (3, SIMPLE, "back to version 1")
    assert versions.latest_versions(session)[0].version == 3


def test_diff_lists_elements_added_removed_and_changed():
    new = (RENAMED.replace(b'<bpmn:endEvent id="chase_end" />',
                           b'<bpmn:endEvent id="chase_done" />')
           .replace(b'targetRef="chase_end"', b'targetRef="chase_done"')
           .replace(b"<bpmn:flowNodeRef>chase_end<", b"<bpmn:flowNodeRef>chase_done<"))
    diff = versions.diff_xml(SIMPLE, new)
    assert [e["id"] for e in diff.added] == ["chase_done"]
    assert [e["id"] for e in diff.removed] == ["chase_end"]
    assert sorted(e["id"] for e in diff.changed) == ["f3", "first", "lane_manager"]
    assert versions.diff_xml(SIMPLE, SIMPLE).empty


def test_diff_sees_a_changed_documentation_or_property():
    diff = versions.diff_xml(SIMPLE, SIMPLE.replace(b"R5: a test task.", b"R6: a test task."))
    assert [e["id"] for e in diff.changed] == ["first"]


def test_export_writes_the_newest_versions(session, simple, tmp_path):
    publish_draft(session, RENAMED)
    assert versions.export(session, tmp_path) == [tmp_path / "simple.bpmn"]
    assert (tmp_path / "simple.bpmn").read_bytes() == RENAMED
    assert versions.export(session, tmp_path) == []  # nothing changed since


def test_export_writes_the_published_decision_tables_too(session, fake_clock, engine_forms,
                                                         tmp_path):
    from engine.commands import PublishProcesses

    grade = (HERE / "diagrams" / "grade.dmn").read_bytes()
    run(session, PublishProcesses({"grade.dmn": grade}, "table"), SYSTEM)
    assert versions.latest_tables(session)["grade.dmn"].version == 1
    run(session, PublishProcesses({"grade.dmn": grade}, "same again"), SYSTEM)
    assert versions.latest_tables(session)["grade.dmn"].version == 1  # unchanged: no version
    assert versions.export(session, tmp_path) == [tmp_path / "grade.dmn"]
    assert (tmp_path / "grade.dmn").read_bytes() == grade
