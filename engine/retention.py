"""How long a child's record is kept (the procedure's DATA.md, "Retention and access").

A child who has been in care (any legal status but `not_in_care`): to their 75th
birthday, or 15 years after their death if they died under 18. A child never in care (our
choice; the procedure is silent): to their 25th birthday, the usual term for children's
social care records that are not a looked-after child's. The date a record may go is the
later of that and 15 years after the last episode was reported, so that a record is never
purged while a recent episode might be reviewed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from .models import Child, Episode

IN_CARE_UNTIL_AGE = 75
NOT_IN_CARE_UNTIL_AGE = 25
AFTER_DEATH_YEARS = 15
AFTER_LAST_EPISODE_YEARS = 15


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class Retention:
    child_id: int
    keep_until: dt.date
    reason: str


def keep_until(child: Child, last_episode: dt.date | None) -> Retention:
    in_care = child.legal_status != "not_in_care"
    died_young = (child.date_of_death is not None
                  and child.date_of_death < _add_years(child.date_of_birth, 18))
    if died_young:
        until = _add_years(child.date_of_death, AFTER_DEATH_YEARS)
        reason = "15 years after their death under 18"
    elif in_care:
        until = _add_years(child.date_of_birth, IN_CARE_UNTIL_AGE)
        reason = "their 75th birthday (a child in care)"
    else:
        until = _add_years(child.date_of_birth, NOT_IN_CARE_UNTIL_AGE)
        reason = "their 25th birthday (never in care)"
    if last_episode is not None:
        floor = _add_years(last_episode, AFTER_LAST_EPISODE_YEARS)
        if floor > until:
            until, reason = floor, "15 years after their last episode"
    return Retention(child.id, until, reason)


def past_retention(session, today: dt.date) -> list[Retention]:
    """Every child whose record is past its retention date on `today`, oldest first."""
    last = dict(session.execute(select(Episode.child_id, func.max(Episode.reported_at))
                                .group_by(Episode.child_id)).all())
    found = []
    for child in session.scalars(select(Child).order_by(Child.id)):
        reported = last.get(child.id)
        rule = keep_until(child, reported.date() if reported else None)
        if rule.keep_until <= today:
            found.append(rule)
    return sorted(found, key=lambda r: (r.keep_until, r.child_id))
