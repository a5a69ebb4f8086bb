"""R37-R42: the Home Office route (subject_to_restriction.bpmn), run beside the episode of
a child subject to immigration restriction."""

import datetime as dt

import pytest

from engine.errors import InvalidInput

ROUTE = "subject_to_restriction"


def restricted_episode(proc):
    return proc.report(proc.child(flags={"subject_to_restriction": True}))


def test_r37_only_a_child_subject_to_restriction_gets_the_home_office_route(proc):
    assert proc.items(proc.report(proc.child()), process=ROUTE) == {}
    episode = restricted_episode(proc)
    items = proc.items(episode, process=ROUTE)
    assert {k: w.role for k, w in items.items()} == {
        "home_office_referral": "home_office", "notify_home_office_missing": "social_worker",
        "pnc_circulation": "police", "home_office_weekly_contact": "home_office"}
    assert "grade_risk" in proc.items(episode)  # the episode runs as usual beside it


def test_r38_referral_to_police_ukmpb_and_childrens_social_care(proc):
    episode = restricted_episode(proc)
    with pytest.raises(InvalidInput):
        proc.complete(episode, "home_office_referral", process=ROUTE,
                      notification_form_sent=False)
    proc.complete(episode, "home_office_referral", process=ROUTE)
    assert "coercion_report" not in proc.items(episode, process=ROUTE)


def test_r39_coercion_reported_as_significant_harm(proc):
    episode = restricted_episode(proc)
    proc.complete(episode, "home_office_referral", process=ROUTE, coercion_believed=True)
    assert proc.items(episode, process=ROUTE)["coercion_report"].role == "home_office"
    proc.complete(episode, "coercion_report", process=ROUTE)


def test_r40_local_authority_notifies_home_office_and_police_circulate_on_pnc(proc):
    episode = restricted_episode(proc)
    proc.complete(episode, "notify_home_office_missing", process=ROUTE)
    proc.complete(episode, "pnc_circulation", process=ROUTE)
    proc.found(episode, found_by="police")
    assert proc.items(episode, process=ROUTE)["notify_home_office_found"].role == \
        "social_worker"


def test_r41_weekly_home_office_contact_until_found_then_it_stops(proc):
    episode = restricted_episode(proc)
    for _ in range(3):
        proc.complete(episode, "home_office_weekly_contact", process=ROUTE)
        assert "home_office_weekly_contact" not in proc.items(episode, process=ROUTE)
        proc.advance(days=7, seconds=1)
        assert "home_office_weekly_contact" in proc.items(episode, process=ROUTE)
    done = proc.items(episode, state="completed", process=ROUTE)
    assert "home_office_weekly_contact" in done
    proc.complete(episode, "home_office_weekly_contact", process=ROUTE)
    proc.found(episode, found_by="police")
    for _ in range(3):
        proc.advance(days=7, seconds=1)
        assert "home_office_weekly_contact" not in proc.items(episode, process=ROUTE)


def test_r41_found_while_a_contact_is_open_withdraws_it(proc):
    episode = restricted_episode(proc)
    proc.found(episode, found_by="police")
    items = proc.items(episode, process=ROUTE)
    assert "home_office_weekly_contact" not in items
    assert "notify_home_office_found" in items
    assert "home_office_weekly_contact" in proc.items(episode, state="cancelled",
                                                      process=ROUTE)


def test_r42_found_by_the_home_office_tells_police_and_local_authority(proc):
    episode = restricted_episode(proc)
    proc.clock.advance(hours=3)
    proc.found(episode, found_by="home_office", actor="home_office")
    items = proc.items(episode, process=ROUTE)
    assert items["home_office_found"].role == "home_office"
    assert "notify_home_office_found" not in items
    proc.complete(episode, "home_office_found", process=ROUTE)


def test_r42_found_by_police_notifies_the_home_office(proc):
    episode = restricted_episode(proc)
    proc.clock.advance(hours=1)
    proc.found(episode, found_by="police", found_at=proc.clock.now() - dt.timedelta(minutes=5))
    items = proc.items(episode, process=ROUTE)
    assert "home_office_found" not in items
    proc.complete(episode, "notify_home_office_found", process=ROUTE)
