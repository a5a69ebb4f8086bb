"""Children and their missing or away episodes (R1, R2), and what a case starts with."""

from __future__ import annotations

import datetime as dt

from .models import Child, Episode

LEGAL_STATUSES = ("not_in_care", "s20", "interim_care_order", "care_order", "other")
CATEGORIES = {"M": "Missing", "A": "Away from placement without authorisation"}


def age_on(date_of_birth: dt.date, when: dt.date) -> int:
    years = when.year - date_of_birth.year
    if (when.month, when.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


def open_to_social_worker(child: Child) -> str:
    """R8: "here" when allocated in the responsible authority, "elsewhere" when the child is
    placed here by another authority that holds the case, "no" when nobody is allocated."""
    if child.social_worker_id is None:
        return "no"
    if child.host_org_id is not None and child.host_org_id != child.responsible_org_id:
        return "elsewhere"
    return "here"


def case_data(child: Child, episode: Episode) -> dict:
    """The facts an episode case starts with (docs/conventions.md)."""
    flags = child.flags or {}
    placed_elsewhere = (child.host_org_id is not None
                        and child.host_org_id != child.responsible_org_id)
    report = episode.report or {}
    return {
        "episode_id": episode.id,
        "child_id": child.id,
        "category": episode.category,
        "last_seen_at": episode.last_seen_at.astimezone(dt.UTC).isoformat(),
        "reported_at": episode.reported_at.astimezone(dt.UTC).isoformat(),
        "child_age": age_on(child.date_of_birth, episode.last_seen_at.date()),
        "in_care": child.legal_status != "not_in_care",
        "ce_risk": bool(flags.get("ce_risk")),
        "open_to_social_worker": open_to_social_worker(child),
        "placed_out_of_area": placed_elsewhere,
        "placed_by_other_authority": placed_elsewhere,
        "child_protection_plan": bool(flags.get("child_protection_plan")),
        "subject_to_restriction": bool(flags.get("subject_to_restriction")),
        "risk_of_serious_harm": bool(report.get("risk_of_serious_harm")),
    }
