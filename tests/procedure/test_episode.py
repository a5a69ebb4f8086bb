"""A whole episode, report to closed, checking the open work (element, role, due) at each step."""

import datetime as dt

from tests.conftest import london

H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)


def test_whole_episode_report_to_closed(proc):
    last_seen = london(2026, 3, 2, 3, 0)
    reported = proc.clock.now()  # Monday 09:00
    ntk = ("team_manager", last_seen + 48 * H)
    lead_member = ("service_manager", last_seen + 7 * D)
    locate = {"legal_routes": ("social_worker", None),
              "liaison": ("social_worker", reported + 2 * D),
              "iro_contact": ("iro", reported + D),
              "daily_contact": ("social_worker", reported + D),
              "early_strategy_meeting": ("social_worker", reported + 24 * H),
              "need_to_know_report": ntk, "notify_lead_member": lead_member}
    share = {"publicity_decision": ("police", None),
             "mach_review": ("mach", london(2026, 3, 2, 17, 0)),
             "notifications": ("social_worker", reported + H)}  # R7: at once
    episode = proc.report(proc.child(), last_seen_at=last_seen.isoformat())
    assert proc.summary(episode) == {**locate, **share,
                                     "grade_risk": ("police", reported + H),
                                     "action_plan": ("social_worker", reported + H)}

    proc.complete(episode, "grade_risk")
    assert proc.episode(episode).risk_grade == "medium"
    for element in (*share, "action_plan", "need_to_know_report", "notify_lead_member"):
        proc.complete(episode, element)
    locate = {k: v for k, v in locate.items()
              if k not in ("need_to_know_report", "notify_lead_member")}
    assert_finished_subprocesses_pruned(proc, episode, "share", "publicity_decision")
    assert proc.summary(episode) == locate

    proc.set(reported + 24 * H)
    assert "strategy_meeting" not in proc.items(episode)
    proc.advance(seconds=1)
    after_a_day = proc.summary(episode)
    assert after_a_day["strategy_meeting"] == ("social_worker", reported + 48 * H)
    assert after_a_day["police_strategy_meeting"] == ("police", reported + 48 * H)
    assert after_a_day["review_risk"] == ("police", reported + 26 * H)
    assert "early_strategy_meeting" not in after_a_day

    for element in ("strategy_meeting", "police_strategy_meeting", "review_risk"):
        proc.complete(episode, element)

    found_at = proc.clock.now()
    proc.found(episode, found_at=found_at, found_where="friend_or_relative", found_by="police")
    rhi_due = found_at + 72 * H
    plans_due = london(2026, 3, 10, 23, 59) + dt.timedelta(seconds=59)  # 5 working days
    # R22: the RHI clock runs from found, beside the record of who was told (R20); R35:
    # the plans after the episode are due too
    assert proc.summary(episode) == {"record_found": ("police", None),
                                     "prevention_interview": ("police", None),
                                     "rhi": ("rhi_worker", rhi_due),
                                     "update_child_plan": ("social_worker", plans_due),
                                     "update_trigger_plan": ("police", plans_due)}
    assert proc.episode(episode).found_at == found_at
    proc.complete(episode, "update_child_plan", process="episode")
    proc.complete(episode, "update_trigger_plan")

    proc.complete(episode, "record_found")
    proc.complete(episode, "prevention_interview")
    assert proc.summary(episode) == {"rhi": ("rhi_worker", rhi_due)}

    proc.advance(hours=20)
    proc.complete(episode, "rhi")
    assert proc.summary(episode) == {"tell_iro": ("social_worker", None),
                                     "consider_rhi": ("social_worker", None)}
    proc.complete(episode, "tell_iro")
    proc.complete(episode, "consider_rhi")
    assert proc.summary(episode) == {"return_rhi_form": ("rhi_worker", None)}
    proc.complete(episode, "return_rhi_form")
    assert proc.summary(episode) == {"finalise_report": ("mach", None)}
    assert proc.episode(episode).status == "open"

    proc.complete(episode, "finalise_report")
    assert proc.summary(episode) == {}
    ep = proc.episode(episode)
    assert (ep.status, ep.closed_at) == ("closed", proc.clock.now())
    assert proc.case(episode).status == "completed"
    assert_side_cases_ended(proc, episode)


def assert_side_cases_ended(proc, episode):
    """R43, R44: the cases beside the episode (episode_risks) end with it: nothing of
    theirs is left open or waiting, and what they completed is kept."""
    from sqlalchemy import select

    from engine import store
    from engine.models import AuditEvent, Case, Timer, WorkItem

    session = proc.session
    session.rollback()
    cases = session.scalars(select(Case).where(Case.episode_id == episode)).all()
    assert {c.process_id for c in cases} >= {"episode", "episode_risks"}
    assert {c.status for c in cases} == {"completed"}
    assert all(store.archived(c.state) is not None for c in cases)
    ids = [c.id for c in cases]
    assert not session.scalars(select(WorkItem.element_id).where(
        WorkItem.case_id.in_(ids), WorkItem.state == "open")).all()
    assert not session.scalars(select(Timer.element_id).where(
        Timer.case_id.in_(ids), Timer.state == "waiting")).all()
    side = [c.id for c in cases if c.process_id != "episode"]
    assert set(session.scalars(select(AuditEvent.case_id).where(
        AuditEvent.action == "case.ended"))) == set(side)


def test_r26_r7_episode_stays_open_until_the_sharing_is_done(proc):
    """R26 with R7-R13: finalising the report does not throw away sharing work still
    open; the episode closes once that is done too."""
    episode = proc.report(proc.child())
    proc.found(episode)
    for _ in range(40):
        items = set(proc.items(episode)) - {"mach_review", "edt_share"}
        if not items:
            break
        proc.complete(episode, sorted(items)[0])
    assert "mach_review" in proc.items(episode)
    assert proc.episode(episode).status == "open"
    proc.complete(episode, "mach_review")
    for element in proc.items(episode):
        proc.complete(episode, element)
    assert proc.episode(episode).status == "closed"


def assert_finished_subprocesses_pruned(proc, episode, process_id, element_id):
    """Issue 16: a running case's state keeps no finished subprocess, and the case page's
    diagram still shows what was completed in it."""
    import json

    from engine import case_diagram, store

    case = proc.case(episode)
    stored = json.loads(store.unpack(case.state))
    assert not [sp for sp in stored["state"]["subprocesses"].values() if sp["completed"]]
    assert element_id in stored["done"][process_id]
    assert element_id in case_diagram.positions(proc.session, case, process_id).completed
    proc.session.rollback()
