"""The modeller's deadlines (issue 12): the builder's words over HTTP, the text people see
derived from the timer, and publishing a statutory deadline change only with a confirmed
reason that the version's note records."""

import pytest
from sqlalchemy import select

from engine import versions
from engine.commands import PublishProcesses
from engine.executor import SYSTEM, run
from engine.models import AuditEvent, ProcessVersion, Timer

from . import diagram_fixtures
from .conftest import sign_in
from .diagram_fixtures import SIMPLE

simple_published = diagram_fixtures.simple_published

XML = {"Content-Type": "application/xml"}
# `simple`'s 2-hour timer as a statutory deadline: it carries a clock (R6's low-risk review)
CLOCKED = SIMPLE.replace(
    b'cancelActivity="false" attachedToRef="first">',
    b'cancelActivity="false" attachedToRef="first">\n      <bpmn:documentation>R6: two hours'
    b'</bpmn:documentation>\n      <bpmn:extensionElements><spiffworkflow:properties>'
    b'<spiffworkflow:property name="clock" value="low_risk_review"/>'
    b'</spiffworkflow:properties></bpmn:extensionElements>', 1)
LONGER = CLOCKED.replace(b"sg_hours_after(reported_at, 2)",
                         b"sg_hours_after(reported_at, 48)").replace(
    b'name="2 hours after the report"', b'name="48 hours after the report"')


@pytest.fixture
def owner(client, make_user, simple_published):
    sign_in(client, make_user("process_owner", name="Olive Owner").email)
    return client


@pytest.fixture
def clocked(session, simple_published):
    return run(session, PublishProcesses({"simple.bpmn": CLOCKED}, "with a clock"), SYSTEM)[0]


def test_r22_deadline_endpoint_understands_typed_words_and_builder_fields(owner):
    typed = owner.get("/modeller/deadline", query_string={"text": "48 hours after found"})
    assert typed.status_code == 200
    assert typed.json["expression"] == "sg_hours_after(found_at, 48)"
    assert typed.json["words"] == "48 hours after the child was found"
    alone = owner.get("/modeller/deadline", query_string={"text": "72 hours",
                                                          "anchor": "found_at"})
    assert alone.json["expression"] == "sg_hours_after(found_at, 72)"
    built = owner.get("/modeller/deadline", query_string={
        "amount": "10", "unit": "working_days", "anchor": "last_episode_start"})
    assert built.json["words"] == "10 working days after the latest episode started"
    read = owner.get("/modeller/deadline",
                     query_string={"expression": "sg_days_after(last_seen_at, 7)"})
    assert read.json == {"understood": True, "amount": 7, "unit": "days", "anchor": "last_seen_at",
                         "expression": "sg_days_after(last_seen_at, 7)",
                         "words": "7 days after the child was last seen"}


@pytest.mark.parametrize(("query", "message"), [
    ({"text": "72 hours"}, "Say what the 72 hours count from, like '72 hours after found'"),
    ({"text": "72 hours after foudn"}, "Did you mean '72 hours after found'?"),
    ({"amount": "lots", "unit": "hours", "anchor": "found_at"}, "as a number like 72"),
    ({"amount": "2", "unit": "fortnights", "anchor": "found_at"}, "Choose hours, days"),
    ({"expression": "plans_due_at"}, "The builder cannot read this expression"),
])
def test_deadline_endpoint_answers_what_it_cannot_read_with_a_suggestion(owner, query,
                                                                       message):
    response = owner.get("/modeller/deadline", query_string=query)
    assert response.status_code == 200 and response.json["understood"] is False
    assert message in response.json["message"]


def test_deadline_endpoint_is_for_process_owners_only(client, make_user):
    sign_in(client, make_user("team_manager").email)
    assert client.get("/modeller/deadline?text=72+hours+after+found").status_code == 403


def test_modeller_offers_forms_by_title_and_lanes_by_role_name(owner):
    html = owner.get("/modeller/files/simple.bpmn").get_data(as_text=True)
    assert "{&#34;key&#34;: &#34;note&#34;, &#34;title&#34;: &#34;Note&#34;}" in html
    assert "&#34;Team manager&#34;" in html and "&#34;team_manager&#34;" not in html
    assert "&#34;sg_working_days_after&#34;" in html  # the builder's units


def test_r6_shown_deadline_follows_the_timer_not_its_name(owner, session, fake_clock,
                                                        simple_published):
    """The timer is renamed to words with no time in them and set to 48 hours: people are
    shown "48 hours after the report", derived from the expression."""
    changed = SIMPLE.replace(b"sg_hours_after(reported_at, 2)",
                             b"sg_hours_after(reported_at, 48)").replace(
        b'name="2 hours after the report"', b'name="Chase deadline"')
    owner.post("/modeller/files/simple.bpmn/draft", data=changed, headers=XML)
    response = owner.post("/modeller/files/simple.bpmn/publish", data={"note": "48 hours"})
    assert response.status_code == 302
    case = diagram_fixtures.start_simple(session, fake_clock)
    timer = session.scalar(select(Timer).where(Timer.case_id == case.id))
    assert timer.name == "48 hours after the report"


def test_r6_check_refuses_a_timer_name_that_says_another_time(owner):
    stale = SIMPLE.replace(b"sg_hours_after(reported_at, 2)",
                           b"sg_hours_after(reported_at, 48)")
    problems = owner.post("/modeller/files/simple.bpmn/check", data=stale,
                          headers=XML).json["problems"]
    assert [(p["element"], "set to 48 hours after the report" in p["message"])
            for p in problems] == [("first_deadline", True)]


def test_r6_publishing_a_statutory_deadline_change_asks_for_confirmation_and_reason(
        owner, session, clocked):
    owner.post("/modeller/files/simple.bpmn/draft", data=LONGER, headers=XML)
    asked = owner.post("/modeller/files/simple.bpmn/publish", data={"note": "Longer review"})
    assert asked.status_code == 400
    html = asked.get_data(as_text=True)
    assert "This version changes a statutory deadline" in html
    assert ("changes the low risk review deadline (R6), timer &#39;first_deadline&#39; from "
            "2 hours after the report to 48 hours after the report") in html
    assert 'name="confirm_deadline"' in html and 'name="deadline_reason"' in html
    assert "Longer review" in html  # what was typed is kept
    assert versions.get_draft(session, "simple.bpmn") is not None  # nothing published

    no_reason = owner.post("/modeller/files/simple.bpmn/publish", data={
        "note": "Longer review", "confirm_deadline": "yes"})
    assert no_reason.status_code == 400
    assert "Say why the statutory deadline changes" in no_reason.get_data(as_text=True)
    unticked = owner.post("/modeller/files/simple.bpmn/publish", data={
        "note": "Longer review", "deadline_reason": "The partnership agreed it"})
    assert unticked.status_code == 400
    assert "Confirm that the statutory deadline changes" in unticked.get_data(as_text=True)

    done = owner.post("/modeller/files/simple.bpmn/publish", data={
        "note": "Longer review", "confirm_deadline": "yes",
        "deadline_reason": "The partnership board agreed it on 1 December"})
    assert done.status_code == 302
    session.rollback()  # a fresh read: the requests committed in their own sessions
    newest = session.scalar(select(ProcessVersion).order_by(ProcessVersion.id.desc()))
    assert newest.version == 3
    assert newest.note == (
        "Longer review\nStatutory deadline: this version changes the low risk review "
        "deadline (R6), timer 'first_deadline' from 2 hours after the report to 48 hours "
        "after the report.\nReason for the deadline change: The partnership board agreed "
        "it on 1 December")
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "deadline.changed"))
    assert event.detail["reason"] == "The partnership board agreed it on 1 December"
    history = owner.get("/modeller/processes/simple/versions").get_data(as_text=True)
    assert "Reason for the deadline change: The partnership board agreed it" in history


def test_r6_a_change_that_leaves_statutory_deadlines_alone_needs_no_reason(owner, session,
                                                                         clocked):
    renamed = CLOCKED.replace(b'name="Do the first thing"', b'name="Do it first"')
    owner.post("/modeller/files/simple.bpmn/draft", data=renamed, headers=XML)
    assert owner.post("/modeller/files/simple.bpmn/publish",
                      data={"note": "Shorter name"}).status_code == 302


def test_r6_rolling_back_a_statutory_deadline_asks_for_the_reason_too(owner, session,
                                                                    clocked):
    owner.post("/modeller/files/simple.bpmn/draft", data=LONGER, headers=XML)
    owner.post("/modeller/files/simple.bpmn/publish", data={
        "note": "Longer", "confirm_deadline": "yes", "deadline_reason": "Agreed"})
    page = owner.get("/modeller/processes/simple/versions/2").get_data(as_text=True)
    assert "from 48 hours after the report to 2 hours after the report" in page
    refused = owner.post("/modeller/processes/simple/versions/2/republish", data={},
                         follow_redirects=True)
    assert "it changes a statutory deadline" in refused.get_data(as_text=True)
    session.rollback()  # a fresh read: the requests committed in their own sessions
    assert session.scalar(select(ProcessVersion).order_by(ProcessVersion.id.desc())
                          ).version == 3
    owner.post("/modeller/processes/simple/versions/2/republish", data={
        "confirm_deadline": "yes", "deadline_reason": "Back to the guidance"})
    session.rollback()  # a fresh read: the requests committed in their own sessions
    newest = session.scalar(select(ProcessVersion).order_by(ProcessVersion.id.desc()))
    assert newest.version == 4
    assert newest.note.endswith("Reason for the deadline change: Back to the guidance")

