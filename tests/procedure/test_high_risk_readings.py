"""R5: the senior officer's oversight follows a rise to high, judged against the episode's
current grade; R29: "a high CE risk flag" is the CE flag at high level (or with no level)."""

import pytest


def test_r5_review_that_keeps_high_asks_for_no_second_oversight(proc):
    episode = proc.report(proc.child())
    proc.complete(episode, "grade_risk", risk_grade="high")
    assert proc.items(episode)["high_risk_oversight"].role == "police_supervisor"
    proc.complete(episode, "high_risk_oversight")
    proc.advance(hours=24, seconds=1)  # the first daily review
    proc.complete(episode, "review_risk", risk_grade="high",
                  risk_change_reason="No change: still with older males")
    items = proc.items(episode)
    assert "locate_high_risk_oversight" not in items
    assert "high_risk_oversight" not in items
    assert proc.episode(episode).risk_grade == "high"


def test_r5_review_that_raises_medium_to_high_asks_for_oversight(proc):
    episode = proc.report(proc.child())
    proc.complete(episode, "grade_risk", risk_grade="medium")
    proc.advance(hours=24, seconds=1)
    proc.complete(episode, "review_risk", risk_grade="high",
                  risk_change_reason="Seen with older males")
    assert proc.items(episode)["locate_high_risk_oversight"].role == "police_supervisor"


def test_r5_lowered_then_raised_again_asks_for_oversight_again(proc):
    episode = proc.report(proc.child())
    proc.complete(episode, "grade_risk", risk_grade="high")
    proc.complete(episode, "high_risk_oversight")
    proc.advance(hours=24, seconds=1)
    proc.complete(episode, "review_risk", risk_grade="medium",
                  risk_change_reason="Seen safe with an aunt")
    assert "locate_high_risk_oversight" not in proc.items(episode)
    proc.advance(hours=24)
    proc.complete(episode, "review_risk", risk_grade="high",
                  risk_change_reason="Left the aunt's; phone off")
    assert proc.items(episode)["locate_high_risk_oversight"].role == "police_supervisor"


@pytest.mark.parametrize("level", ["low", "medium"])
def test_r29_ce_flag_below_high_is_not_a_judgement_factor(proc, level):
    child = proc.child(flags={"ce_risk": True, "ce_risk_level": level})
    proc.report(child)
    assert proc.child_cases(child, "stage_one") == []


@pytest.mark.parametrize("flags", [{"ce_risk": True, "ce_risk_level": "high"},
                                   {"ce_risk": True}])
def test_r29_high_ce_flag_or_a_flag_with_no_level_asks_the_team_manager(proc, flags):
    child = proc.child(flags=flags)
    proc.report(child)
    [case] = proc.child_cases(child, "stage_one")
    assert proc.case_items(case.id)["consider_stage_one"].role == "team_manager"
