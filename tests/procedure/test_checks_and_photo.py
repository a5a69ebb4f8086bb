"""R3 the reasonable-checks deadline is a clock from the report; R4 the photo is more
than a yes or no: where it is held, and getting one when none is."""

import datetime as dt

import pytest

from engine.errors import InvalidInput

H = dt.timedelta(hours=1)


def test_r3_checks_deadline_clock_starts_at_the_report_beside_the_grading(proc):
    reported = proc.clock.now()
    deadline = reported + 3 * H
    episode = proc.report(proc.child(), checks_deadline=deadline.isoformat(),
                          checks_outcome=None)
    items = proc.items(episode)
    # armed at once, not after the grading or any other paperwork
    assert items["checks_followup"].role == "police"
    assert items["checks_followup"].due_at == deadline
    assert "grade_risk" in items
    proc.set(deadline)
    assert "checks_overdue" not in proc.items(episode)
    proc.advance(seconds=1)
    items = proc.items(episode)
    assert items["checks_overdue"].role == "police_supervisor"
    assert "checks_followup" in items  # the follow-up itself stays to be done
    proc.complete(episode, "checks_followup")
    assert "checks_followup" not in proc.items(episode)


def test_r3_clock_runs_even_while_grading_is_still_open(proc):
    reported = proc.clock.now()
    episode = proc.report(proc.child(), checks_deadline=(reported + 2 * H).isoformat(),
                          checks_outcome=None)
    proc.set(reported + 2 * H + dt.timedelta(seconds=1))
    items = proc.items(episode)
    assert "grade_risk" in items and "checks_overdue" in items


def test_r3_no_checks_clock_when_the_outcome_came_with_the_report_or_on_serious_harm(proc):
    done = proc.report(proc.child())  # the example report gives what the checks found
    assert "checks_followup" not in proc.items(done)
    proc.clock.advance(minutes=1)
    harm = proc.report(proc.child(), risk_of_serious_harm=True, checks_outcome=None,
                       reasonable_checks=None, checks_deadline=None)
    assert "checks_followup" not in proc.items(harm)


def test_r4_photo_held_says_where_and_no_photo_makes_a_locate_action(proc):
    with pytest.raises(InvalidInput) as where:
        proc.report(proc.child(), photo_available=True, photo_held_where=None)
    assert "photo_held_where" in where.value.errors
    held = proc.report(proc.child(), photo_held_where="case_file")
    assert proc.episode(held).report["photo_held_where"] == "case_file"
    assert "obtain_photo" not in proc.items(held)
    proc.clock.advance(minutes=1)
    none = proc.report(proc.child(), photo_available=False, photo_held_where=None)
    item = proc.items(none)["obtain_photo"]
    assert item.role == "police"
    with pytest.raises(InvalidInput) as why:
        proc.complete(none, "obtain_photo", photo_obtained=False, obtained_photo_where=None)
    assert "photo_not_obtained_reason" in why.value.errors
    proc.complete(none, "obtain_photo")
    assert "obtain_photo" not in proc.items(none)


def test_r4_photo_action_stops_when_the_child_is_found(proc):
    episode = proc.report(proc.child(), photo_available=False, photo_held_where=None)
    proc.advance(minutes=20)
    proc.found(episode)
    assert "obtain_photo" not in proc.items(episode)


@pytest.mark.parametrize("unanswered", ["photo_available", "photo_consent",
                                        "photo_consent_child"])
def test_r4_photo_held_and_both_consents_are_required_answers(proc, unanswered):
    child = proc.child()
    with pytest.raises(InvalidInput) as refused:
        proc.report(child, **{unanswered: None})
    assert unanswered in refused.value.errors
    episode = proc.report(child, photo_available=False, photo_held_where=None,
                          photo_consent=False, photo_consent_child="not_possible")
    report = proc.episode(episode).report
    assert (report["photo_available"], report["photo_consent"],
            report["photo_consent_child"]) == (False, False, "not_possible")
    assert proc.items(episode)["obtain_photo"].role == "police"
