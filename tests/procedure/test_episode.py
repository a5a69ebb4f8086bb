"""A whole episode, report to closed, checking the open work (element, role, due) at each step."""

import datetime as dt

from tests.conftest import london

LOCATE = {"review_risk": ("police", None), "legal_routes": ("social_worker", None),
          "liaison": ("social_worker", None), "iro_contact": ("iro", None)}


def test_whole_episode_report_to_closed(proc):
    last_seen = london(2026, 3, 2, 3, 0)
    reported = proc.clock.now()  # Monday 09:00
    ntk = ("team_manager", last_seen + dt.timedelta(hours=48))
    episode = proc.report(proc.child(), last_seen_at=last_seen.isoformat())
    share = {"publicity_decision": ("police", None),
             "mach_review": ("mach", london(2026, 3, 2, 17, 0)),
             "notifications": ("social_worker", None)}
    assert proc.summary(episode) == {**LOCATE, **share,
                                     "grade_risk": ("police", reported + dt.timedelta(hours=1)),
                                     "action_plan": ("social_worker", None),
                                     "need_to_know_report": ntk}

    proc.complete(episode, "grade_risk")
    assert proc.summary(episode) == {**LOCATE, **share, "action_plan": ("social_worker", None),
                                     "need_to_know_report": ntk}
    assert proc.episode(episode).risk_grade == "medium"

    for element in share:
        proc.complete(episode, element)
    proc.complete(episode, "action_plan")
    assert proc.summary(episode) == {**LOCATE, "need_to_know_report": ntk,
                                     "daily_contact": ("social_worker", None)}

    proc.set(reported + dt.timedelta(hours=24))
    assert "strategy_meeting" not in proc.items(episode)
    proc.advance(seconds=1)
    assert proc.summary(episode) == {**LOCATE, "need_to_know_report": ntk,
                                     "daily_contact": ("social_worker", None),
                                     "strategy_meeting": (
                                         "social_worker", reported + dt.timedelta(hours=48))}

    proc.complete(episode, "strategy_meeting")
    proc.complete(episode, "need_to_know_report")
    assert proc.items(episode)["notify_lead_member"].due_at == last_seen + dt.timedelta(days=7)

    found_at = proc.clock.now()
    proc.found(episode, found_at=found_at, found_where="friend_or_relative", found_by="police")
    rhi_due = found_at + dt.timedelta(hours=72)
    # R22: the RHI clock runs from found, beside the record of who was told (R20)
    assert proc.summary(episode) == {"record_found": ("police", None),
                                     "prevention_interview": ("police", None),
                                     "rhi": ("rhi_worker", rhi_due)}
    assert proc.episode(episode).found_at == found_at

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
