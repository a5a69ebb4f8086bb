"""R33-R43 gaps closed by issue 11, and the duties the source texts add (R47-R52,
docs/rules-extra.md), driven through the engine with the fake clock."""

import datetime as dt

import pytest
from sqlalchemy import select

from engine import store
from engine.errors import InvalidInput
from engine.models import Episode
from tests.procedure.test_interview import found_episode
from tests.procedure.test_stage_two import start_escalation

H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)
S = dt.timedelta(seconds=1)
ROUTE = "subject_to_restriction"
RISKS = "episode_risks"


# --- R34: no reduction escalates up the hierarchy; reviews recur with a due time

def test_r34_no_reduction_escalates_up_the_hierarchy_and_reviews_go_on(proc):
    case = start_escalation(proc)
    decided = proc.clock.now()
    proc.set(decided + 14 * D + S)
    review = proc.case_items(case.id)["escalation_review"]
    assert review.due_at is not None and review.due_at > decided + 14 * D
    proc.complete_in(case.id, "escalation_review", episodes_reduced=False,
                     end_escalation=False, end_rationale=None)
    items = proc.case_items(case.id)
    assert items["hierarchy_escalation"].role == "service_manager"
    assert "escalation_review" not in items
    # the next review counts from the last review date, 28 days after the decision
    proc.set(decided + 28 * D - H)
    assert "escalation_review" not in proc.case_items(case.id)
    proc.set(decided + 28 * D + S)
    assert "escalation_review" in proc.case_items(case.id)


def test_r34_reduced_episodes_do_not_escalate(proc):
    case = start_escalation(proc)
    proc.advance(days=14, seconds=1)
    proc.complete_in(case.id, "escalation_review", episodes_reduced=True,
                     end_escalation=False, end_rationale=None)
    assert "hierarchy_escalation" not in proc.case_items(case.id)


def test_r34_review_meeting_overdue_escalates_to_service_manager(proc):
    case = start_escalation(proc)
    proc.advance(days=14, seconds=1)
    due = proc.case_items(case.id)["escalation_review"].due_at
    proc.set(due + S)
    assert proc.case_items(case.id)["escalation_review_overdue"].role == "service_manager"


# --- R35, R49, R51: after each episode

def test_r35_after_each_episode_iro_told_and_plans_updated(proc):
    child = proc.child(legal_status="care_order")
    for _ in range(2):
        episode = found_episode(proc, child=child)
        items = proc.items(episode)
        assert items["update_child_plan"].role == "social_worker"
        assert items["update_child_plan"].assignee_id == proc.user_ids["social_worker"]
        assert items["update_trigger_plan"].role == "police"
        assert items["update_child_plan"].due_at == items["update_trigger_plan"].due_at
        with pytest.raises(InvalidInput):
            proc.complete(episode, "update_child_plan", iro_told=False)
        proc.complete(episode, "update_child_plan")
        proc.clock.advance(days=2)


def test_r35_r49_health_told_only_for_a_high_risk_child(proc):
    high = proc.report(proc.child())
    proc.complete(high, "grade_risk", risk_grade="high")
    proc.advance(hours=1)
    proc.found(high)
    assert proc.items(high)["tell_health"].role == "social_worker"
    medium = found_episode(proc)
    assert "tell_health" not in proc.items(medium)


def test_r51_not_in_care_child_has_no_child_plan_item(proc):
    episode = found_episode(proc, child=proc.child(legal_status="not_in_care"))
    items = proc.items(episode)
    assert "update_child_plan" not in items and "update_trigger_plan" in items


def test_r51_placement_checked_on_return_needs_the_concern(proc):
    episode = found_episode(proc)
    with pytest.raises(InvalidInput) as refused:
        proc.complete(episode, "update_child_plan", placement_still_appropriate=False)
    assert "placement_concern" in refused.value.errors


def test_r51_frequently_missing_child_placement_reviewed_urgently(proc):
    from tests.procedure.test_stage_two import START

    child = proc.child()
    proc.clock.set(START)
    ids = [proc.episode_at(child, START + dt.timedelta(days=7 * n)) for n in range(3)]
    [case] = proc.child_cases(child, "stage_one")
    item = proc.case_items(case.id)["placement_review"]
    assert item.role == "social_worker"
    latest = proc.episode(ids[-1]).last_seen_at
    assert dt.timedelta(days=2) <= item.due_at - latest <= dt.timedelta(days=5)
    proc.set(item.due_at + S)
    assert proc.case_items(case.id)["placement_review_overdue"].role == "service_manager"


# --- R38, R41, R42: the Home Office route

def test_r38_home_office_can_report_a_restricted_child_missing(proc):
    reported = proc.clock.now()
    child = proc.child(flags={"subject_to_restriction": True})
    episode = proc.report(child, actor="home_office")
    assert proc.episode(episode).reported_by_id == proc.user_ids["home_office"]
    items = proc.items(episode, process=ROUTE)
    assert items["home_office_referral"].role == "home_office"
    assert "grade_risk" in proc.items(episode)
    # R38: the referral is made at once, within 4 hours, or the team manager is told
    assert items["home_office_referral"].due_at == reported + 4 * H
    proc.set(reported + 4 * H)
    assert "home_office_referral_overdue" not in proc.items(episode, process=ROUTE)
    proc.advance(seconds=1)
    items = proc.items(episode, process=ROUTE)
    assert items["home_office_referral_overdue"].role == "team_manager"
    assert "home_office_referral" in items


def test_r38_referral_records_who_it_went_to(proc):
    episode = proc.report(proc.child(flags={"subject_to_restriction": True}))
    with pytest.raises(InvalidInput) as refused:
        proc.complete(episode, "home_office_referral", process=ROUTE, referred_to=[])
    assert "referred_to" in refused.value.errors
    proc.complete(episode, "home_office_referral", process=ROUTE)
    done = proc.items(episode, state="completed", process=ROUTE)["home_office_referral"]
    assert set(done.data["referred_to"]) == {"police", "uk_mpb", "childrens_social_care"}


def test_r41_weekly_contact_due_every_7_days_from_the_first_not_drifting(proc):
    reported = proc.clock.now()
    episode = proc.report(proc.child(flags={"subject_to_restriction": True}))
    assert proc.items(episode, process=ROUTE)["home_office_weekly_contact"].due_at == \
        reported + 7 * D
    # week 1 done late, after its escalation
    proc.set(reported + 9 * D)
    items = proc.items(episode, process=ROUTE)
    assert items["weekly_contact_overdue"].role == "team_manager"
    proc.complete(episode, "home_office_weekly_contact", process=ROUTE)
    proc.fire()
    assert proc.items(episode, process=ROUTE)["home_office_weekly_contact"].due_at == \
        reported + 14 * D
    proc.found(episode)
    assert "home_office_weekly_contact" not in proc.items(episode, process=ROUTE)


@pytest.mark.parametrize("found_by,task,role", [
    ("home_office", "home_office_found", "home_office"),
    ("police", "notify_home_office_found", "social_worker"),
    ("local_authority", "notify_home_office_found", "social_worker")])
def test_r42_found_notifies_the_others_within_an_hour(proc, found_by, task, role):
    episode = proc.report(proc.child(flags={"subject_to_restriction": True}))
    proc.clock.advance(hours=3)
    found_at = proc.clock.now() - 10 * dt.timedelta(minutes=1)
    proc.found(episode, found_at=found_at, found_by=found_by)
    item = proc.items(episode, process=ROUTE)[task]
    assert (item.role, item.due_at) == (role, found_at + H)
    other = {"home_office_found", "notify_home_office_found"} - {task}
    assert not other & set(proc.items(episode, process=ROUTE))


# --- R39, R50: significant harm starts a strategy discussion

def test_r39_r50_home_office_coercion_report_starts_a_strategy_discussion(proc):
    episode = proc.report(proc.child(flags={"subject_to_restriction": True}))
    proc.complete(episode, "home_office_referral", process=ROUTE, coercion_believed=True)
    proc.complete(episode, "coercion_report", process=ROUTE)
    item = proc.items(episode, process=ROUTE)["coercion_strategy_discussion"]
    assert item.role == "social_worker" and item.due_at is not None


def test_r50_mach_significant_harm_starts_a_strategy_discussion(proc):
    quiet = proc.report(proc.child())
    proc.complete(quiet, "mach_review")
    assert "strategy_discussion" not in proc.items(quiet)
    proc.clock.advance(minutes=1)
    harmed = proc.report(proc.child())
    proc.complete(harmed, "mach_review", significant_harm=True)
    item = proc.items(harmed)["strategy_discussion"]
    assert item.role == "social_worker"
    proc.found(harmed)  # not cancelled when the child is found
    assert "strategy_discussion" in proc.items(harmed)


# --- R43: the trafficking assessment has a deadline

def test_r43_trafficking_assessment_due_within_4_hours_and_escalates(proc):
    reported = proc.clock.now()
    child = proc.child(flags={"uasc": True, "looked_after_since": "2026-02-20"})
    episode = proc.report(child)
    item = proc.items(episode, process=RISKS)["trafficking_assessment"]
    assert item.due_at == reported + 4 * H
    proc.set(reported + 4 * H + S)
    assert proc.items(episode, process=RISKS)["trafficking_assessment_overdue"].role == \
        "team_manager"


# --- R47: the existing safety plan at intake

def test_r47_existing_safety_plan_is_checked_at_intake(proc):
    from tests.procedure.test_stage_two import START

    child = proc.child()
    assert "safety_plan_check" not in proc.items(proc.report(child))
    proc.clock.set(START)
    for n in range(3):
        proc.episode_at(child, START + dt.timedelta(days=7 * n))
    [case] = proc.child_cases(child, "stage_one")
    proc.complete_in(case.id, "stage_one_meeting")
    proc.complete_in(case.id, "safety_plan", safety_plan="Call Gran; meet at the library.")
    proc.clock.advance(days=1)
    episode = proc.report(child)
    item = proc.items(episode)["safety_plan_check"]
    assert item.role == "police"
    assert "Call Gran" in store.unpack(proc.case(episode).state)  # in the case's start data
    with pytest.raises(InvalidInput):
        proc.complete(episode, "safety_plan_check", plan_response_followed=False)
    proc.complete(episode, "safety_plan_check")


def test_r47_safety_plan_shown_on_the_report_page(proc):
    from engine.commands.report_episode import latest_safety_plan
    from tests.procedure.test_stage_two import START

    child = proc.child()
    proc.clock.set(START)
    for n in range(3):
        proc.episode_at(child, START + dt.timedelta(days=7 * n))
    [case] = proc.child_cases(child, "stage_one")
    proc.complete_in(case.id, "stage_one_meeting")
    proc.complete_in(case.id, "safety_plan", safety_plan="Call Gran first.")
    proc.session.rollback()
    assert latest_safety_plan(proc.session, child)["safety_plan"] == "Call Gran first."


# --- R48, R49: education and health invited to the strategy meeting

@pytest.mark.parametrize("invited,reason", [("health_invited", "health_not_invited_reason"),
                                            ("education_invited",
                                             "education_not_invited_reason")])
def test_r48_r49_strategy_meeting_records_education_and_health_invited(proc, invited,
                                                                       reason):
    episode = proc.report(proc.child())
    with pytest.raises(InvalidInput) as refused:
        proc.complete(episode, "early_strategy_meeting", **{invited: False})
    assert reason in refused.value.errors
    proc.complete(episode, "early_strategy_meeting", **{invited: False, reason: "Not known"})


# --- R52: emergency orders

def test_r52_police_protection_move_must_be_to_safe_accommodation(proc):
    episode = proc.report(proc.child())
    proc.complete(episode, "legal_routes", police_protection=True,
                  police_protection_from=proc.clock.now().isoformat(),
                  police_protection_hours=72)
    with pytest.raises(InvalidInput) as refused:
        proc.complete(episode, "police_protection_end", accommodation_safe=False)
    assert "accommodation_safe" in refused.value.errors


def test_r52_epo_not_extended_ends_the_order_work(proc):
    episode = proc.report(proc.child())
    proc.complete(episode, "legal_routes", epo=True,
                  epo_made_at=proc.clock.now().isoformat(), epo_days=8)
    proc.complete(episode, "epo_extension")  # not extended
    assert not {"epo_extension", "epo_extension_end"} & set(proc.items(episode))
    assert proc.session.scalar(select(Episode.id).where(Episode.id == episode))


# --- R44: a concern is acted on

def test_r44_exploitation_concern_gets_the_checklist_and_flags_the_child(proc):
    from engine.models import Child

    child = proc.child()
    episode = proc.report(child)
    proc.complete(episode, "other_risks", process=RISKS, county_lines="concern")
    items = proc.items(episode, process=RISKS)
    assert items["ce_concern_checklist"].role == "social_worker"
    assert "prevent_referral" not in items
    proc.complete(episode, "ce_concern_checklist", process=RISKS)
    proc.session.rollback()
    assert proc.session.get(Child, child).flags.get("ce_risk") is True


def test_r44_radicalisation_concern_needs_a_prevent_decision(proc):
    episode = proc.report(proc.child())
    proc.complete(episode, "other_risks", process=RISKS, radicalisation="concern")
    items = proc.items(episode, process=RISKS)
    assert items["prevent_referral"].role == "social_worker"
    assert "ce_concern_checklist" not in items
    with pytest.raises(InvalidInput):
        proc.complete(episode, "prevent_referral", process=RISKS, prevent_reason="")
