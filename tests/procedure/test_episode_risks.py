"""R43, R44: trafficking, exploitation, radicalisation and homelessness
(episode_risks.bpmn), considered beside every episode."""

import datetime as dt

import pytest
from sqlalchemy import select

from engine.errors import InvalidInput
from engine.models import Child, ChildFlagChange

RISKS = "episode_risks"


def test_r43_unaccompanied_child_missing_soon_after_becoming_looked_after(proc):
    child = proc.child(flags={"uasc": True, "looked_after_since": "2026-02-20"})
    episode = proc.report(child)
    item = proc.items(episode, process=RISKS)["trafficking_assessment"]
    assert item.role == "social_worker"
    with pytest.raises(InvalidInput) as not_withheld:
        proc.complete(episode, "trafficking_assessment", process=RISKS,
                      withhold_location=False)
    assert "withhold_location" in not_withheld.value.errors
    with pytest.raises(InvalidInput):
        proc.complete(episode, "trafficking_assessment", process=RISKS, nrm_reason="")
    proc.complete(episode, "trafficking_assessment", process=RISKS)


def test_r43_withholding_the_location_sets_the_childs_location_withheld_flag(proc):
    child = proc.child(flags={"uasc": True, "looked_after_since": "2026-02-20"})
    episode = proc.report(child)
    assert not (proc.session.get(Child, child).flags or {}).get("location_withheld")
    proc.complete(episode, "trafficking_assessment", process=RISKS)
    proc.session.rollback()
    assert proc.session.get(Child, child).flags["location_withheld"] is True
    change = proc.session.scalars(select(ChildFlagChange).where(
        ChildFlagChange.child_id == child)).one()
    assert change.flag == "location_withheld" and "R43" in change.reason


def test_r43_not_for_a_child_looked_after_for_long_or_not_migrant(proc):
    long_ago = proc.child(flags={"migrant": True, "looked_after_since": "2025-01-10"})
    assert "trafficking_assessment" not in proc.items(proc.report(long_ago), process=RISKS)
    proc.clock.advance(minutes=1)
    local = proc.child(flags={"looked_after_since": "2026-02-20"})
    assert "trafficking_assessment" not in proc.items(proc.report(local), process=RISKS)


def test_r44_every_episode_considers_exploitation_county_lines_and_radicalisation(proc):
    episode = proc.report(proc.child())
    item = proc.items(episode, process=RISKS)["other_risks"]
    assert item.role == "social_worker"
    with pytest.raises(InvalidInput) as missing:
        proc.complete(episode, "other_risks", process=RISKS, county_lines=None,
                      radicalisation=None)
    assert {"county_lines", "radicalisation"} <= set(missing.value.errors)
    proc.complete(episode, "other_risks", process=RISKS)
    assert "homelessness" not in proc.items(episode, process=RISKS)  # 14 years old


def test_r44_homelessness_considered_for_16_and_17_year_olds(proc):
    episode = proc.report(proc.child(date_of_birth=dt.date(2009, 6, 1)))
    proc.complete(episode, "other_risks", process=RISKS)
    assert proc.items(episode, process=RISKS)["homelessness"].role == "social_worker"
    with pytest.raises(InvalidInput):
        proc.complete(episode, "homelessness", process=RISKS, homeless_risk=True)
    proc.complete(episode, "homelessness", process=RISKS, homeless_risk=True,
                  joint_protocol_action="Housing options referral under the joint protocol.")
