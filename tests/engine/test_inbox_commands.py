"""The commands the inbox and API share: drafts, reassigning, adding a child, and which
police force an episode is reported to."""

import datetime as dt

import pytest

from engine import forms
from engine.commands import CreateChild, ReassignWorkItem, ReportEpisode, SaveDraft
from engine.commands.drafts import draft_for
from engine.errors import InvalidInput, NotPermitted
from engine.executor import Actor, run
from engine.models import AuditEvent, Child, Draft, Organisation, User, UserRole, WorkItem


@pytest.fixture
def partnership(session, published, fake_clock):
    with session.begin():
        council = Organisation(code="la", name="Council", kind="local_authority")
        police = Organisation(code="pol", name="Police", kind="police")
        elsewhere = Organisation(code="la2", name="Elsewhere", kind="local_authority")
        session.add_all([council, police, elsewhere])
        session.flush()

        def user(name, role, org):
            u = User(email=f"{name}@example.org", name=name, password_hash="x",
                     organisation_id=org.id, roles=[UserRole(role=role)])
            session.add(u)
            return u

        people = {"carer": user("carer", "carer", council), "pc": user("pc", "police", police),
                  "pc2": user("pc2", "police", police),
                  "far": user("far", "police", elsewhere),
                  "tm": user("tm", "team_manager", council)}
        session.flush()
        child = Child(first_name="A", last_name="B", date_of_birth=dt.date(2012, 1, 1),
                      responsible_org_id=council.id, flags={})
        session.add(child)
    return council, police, people, child


def _report(fake_clock):
    report = dict(forms.load("missing_report")["example"])
    seen = fake_clock.now() - dt.timedelta(minutes=30)
    report.update(last_seen_at=seen.isoformat(),
                  checks_deadline=(seen + dt.timedelta(minutes=10)).isoformat())
    return report


def _grade_item(session, episode):
    session.rollback()
    return session.query(WorkItem).filter_by(form_key="grade_risk", state="open").one()


def test_episode_goes_to_the_partnerships_only_police_force(session, partnership,
                                                            fake_clock):
    _, police, people, child = partnership
    episode = run(session, ReportEpisode(child.id, _report(fake_clock)),
                  Actor.for_user(people["carer"]))
    assert episode.police_org_id == police.id


def test_draft_is_per_author_and_goes_when_completed(session, partnership, fake_clock):
    from engine.commands import CompleteWorkItem

    _, _, people, child = partnership
    episode = run(session, ReportEpisode(child.id, _report(fake_clock)),
                  Actor.for_user(people["carer"]))
    item = _grade_item(session, episode)
    pc = Actor.for_user(people["pc"])
    run(session, SaveDraft(item.id, {"risk_reason": "so far"}), pc)
    run(session, SaveDraft(item.id, {"risk_reason": "further"}), pc)
    assert draft_for(session, item, people["pc"].id).data == {"risk_reason": "further"}
    assert draft_for(session, item, people["pc2"].id) is None
    with pytest.raises(NotPermitted):
        run(session, SaveDraft(item.id, {}), Actor.for_user(people["carer"]))
    run(session, CompleteWorkItem(item.id, forms.load("grade_risk")["example"]), pc)
    assert session.query(Draft).count() == 0


def test_reassign_needs_a_manager_a_reason_and_a_candidate(session, partnership, fake_clock):
    _, _, people, child = partnership
    episode = run(session, ReportEpisode(child.id, _report(fake_clock)),
                  Actor.for_user(people["carer"]))
    item = _grade_item(session, episode)
    with pytest.raises(NotPermitted):
        run(session, ReassignWorkItem(item.id, people["pc2"].id, "why"),
            Actor.for_user(people["pc"]))
    tm = Actor.for_user(people["tm"])
    with pytest.raises(InvalidInput) as refused:
        run(session, ReassignWorkItem(item.id, people["far"].id, " "), tm)
    assert set(refused.value.errors) == {"reason", "to_user_id"}
    run(session, ReassignWorkItem(item.id, people["pc2"].id, "on leave"), tm)
    assert session.get(WorkItem, item.id).assignee_id == people["pc2"].id
    assert session.query(AuditEvent).filter_by(action="work_item.reassigned").one().detail[
        "reason"] == "on leave"


def test_r2_r4_create_child_checks_every_field_ethnicity_required(session, partnership, fake_clock):
    council, police, people, _ = partnership
    carer = Actor.for_user(people["carer"])
    with pytest.raises(InvalidInput) as refused:
        run(session, CreateChild(" ", "", dt.date(2030, 1, 1), police.id, "nonsense"), carer)
    # R2, R4: ethnicity is required (a DfE code; REFU and NOBT are answers too)
    assert set(refused.value.errors) == {"first_name", "last_name", "date_of_birth",
                                         "legal_status", "responsible_org_id", "ethnic_code"}
    child = run(session, CreateChild("Zed", "New", dt.date(2012, 2, 1), council.id,
                                     flags={"ce_risk": True, "made_up": True},
                                     ethnic_code="NOBT"), carer)
    assert child.ethnic_code == "NOBT"
    assert child.flags == {"ce_risk": True}
    assert session.query(AuditEvent).filter_by(action="child.created").count() == 1
