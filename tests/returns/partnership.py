"""A generated partnership for the SSDA903 tests: children in care with missing episodes
of every shape the DfE's recording rules describe, as the builder's plain data.

Every child's record is valid, so the DfE validator finds nothing in the return; the
tests break one thing at a time to prove that each check can fail.
"""

from __future__ import annotations

import datetime as dt
import random

from engine.returns.ssda903 import (
    CarePeriod,
    ChildData,
    LegalStatus,
    MissingSegment,
    Placement,
    collection_year,
)

YEAR = 2026
IN_AREA = ("LA9 4DL",)  # Kendal: Westmorland and Furness
OUT_OF_AREA = ("L1 8JQ",)  # Liverpool
HOME = "LA9 5BP"  # where the child lived before care

SHAPES = (
    "same_day", "overnight", "across_year_end", "a_then_m_same_day", "found_not_missing",
    "turns_18_while_missing", "carried_from_last_year", "started_care_in_year",
    "placement_change", "legal_status_change", "leaves_care_while_missing",
    "several_on_one_day", "never_missing",
)


def foster(start, postcode=IN_AREA[0], reason=None):
    return Placement(start, "U4", "PR1", "SC999999", postcode, reason)


def home(start, postcode=OUT_OF_AREA[0], reason=None):
    return Placement(start, "K2", "PR4", "SC123456", postcode, reason)


def generate(count: int = 221, seed: int = 13) -> list[ChildData]:
    rng = random.Random(seed)
    start, end = collection_year(YEAR)
    children = []
    for n in range(count):
        shape = SHAPES[n % len(SHAPES)]
        children.append(_child(n, shape, rng, start, end))
    return children


def _child(n, shape, rng, year_start, year_end) -> ChildData:
    child_id = f"C{n:05d}"
    sex = "MF"[n % 2]
    dob = dt.date(2010 + rng.randrange(6), 1 + rng.randrange(12), 1 + rng.randrange(28))
    care_start = dt.date(2023, 5, 1) + dt.timedelta(days=rng.randrange(300))
    day = year_start + dt.timedelta(days=30 + rng.randrange(200))
    period_end, reason = None, None
    statuses = (LegalStatus(care_start, "C2", "N1"),)
    placements = (foster(care_start),)
    missing: list[MissingSegment] = []
    seg = MissingSegment
    if shape == "same_day":
        missing = [seg("M", day, day, "same day")]
    elif shape == "overnight":
        missing = [seg("A", day, day + dt.timedelta(days=1), "overnight")]
    elif shape == "across_year_end":
        missing = [seg("M", year_end - dt.timedelta(days=3), None, "open at year end")]
    elif shape == "a_then_m_same_day":
        missing = [seg("A", day, day, "away"), seg("M", day, day + dt.timedelta(days=2),
                                                    "then missing")]
    elif shape == "found_not_missing":
        missing = [seg("M", day, day + dt.timedelta(days=1), "reported", not_missing=True),
                   seg("A", day + dt.timedelta(days=20), day + dt.timedelta(days=20), "away")]
    elif shape == "turns_18_while_missing":
        birthday = day + dt.timedelta(days=5)
        dob = dt.date(birthday.year - 18, birthday.month, birthday.day)
        period_end, reason = birthday, "E8"
        missing = [seg("M", day, None, "still missing at 18")]
    elif shape == "carried_from_last_year":
        missing = [seg("M", year_start - dt.timedelta(days=4),
                       year_start + dt.timedelta(days=3), "from last year")]
    elif shape == "started_care_in_year":
        care_start = year_start + dt.timedelta(days=10 + rng.randrange(20))
        statuses = (LegalStatus(care_start, "V2", "N2"),)
        placements = (home(care_start),)
        missing = [seg("A", day + dt.timedelta(days=40), day + dt.timedelta(days=41), "away")]
    elif shape == "placement_change":
        placements = (foster(care_start), home(day - dt.timedelta(days=10), reason="CARPL"))
        missing = [seg("M", day, day + dt.timedelta(days=2), "after the move")]
    elif shape == "legal_status_change":
        statuses = (LegalStatus(care_start, "C1", "N1"),
                    LegalStatus(day - dt.timedelta(days=10), "C2", "N1"))
        missing = [seg("M", day - dt.timedelta(days=12), day - dt.timedelta(days=9),
                       "across the change")]
    elif shape == "leaves_care_while_missing":
        period_end, reason = day + dt.timedelta(days=3), "E8"
        missing = [seg("M", day, day + dt.timedelta(days=9), "left care while missing")]
    elif shape == "several_on_one_day":
        missing = [seg("A", day, day, "morning"), seg("A", day, day, "afternoon"),
                   seg("M", day, day, "evening")]
    period = CarePeriod(care_start, period_end, reason, statuses, placements, HOME)
    upn = f"A{n:012d}"
    mother = "0" if sex == "F" else None
    return ChildData(child_id, sex, dob, "WBRI", upn, (period,), tuple(missing), mother)
