"""Reads the child's record into the SSDA903 builder's plain data (`ssda903.ChildData`).

One local authority's return: the children it is responsible for who were looked after
at any time in the collection year, their periods of care, and their missing and away
episodes. Read in a few bulk queries (no per-child query), so a year of a large
authority exports in seconds.

Today's record keeps only the child's *current* legal status (`Child.legal_status`), the
date they became looked after (`flags.looked_after_since`) and the placement as words;
the DfE codes it cannot know (category of need, placement type and provider) come out as
problems for the people preparing the return, never as invented codes. The dated periods
of care and placements of the child's record (issue 10) replace `_periods` when they land.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import and_, or_, select

from .. import clock
from ..models import Child, Episode
from . import ssda903
from .ssda903 import CarePeriod, ChildData, LegalStatus, MissingSegment, Placement, Problem

# Today's legal statuses (R2) and the DfE LS code each is returned as.
LS_CODES = {
    "s20": "V2",  # accommodated under section 20 (single period)
    "interim_care_order": "C1",
    "care_order": "C2",
}
SEX_CODES = {"M": "M", "F": "F", "U": "U", "male": "M", "female": "F"}


def london_date(moment: dt.datetime | None) -> dt.date | None:
    return moment.astimezone(clock.LONDON).date() if moment is not None else None


def read(session, year: int, organisation_id: int) -> tuple[list[ChildData], list[Problem]]:
    """The plain data of `organisation_id`'s return for collection `year`, and what the
    record could not say (each a problem naming the child)."""
    start, end = ssda903.collection_year(year)
    children = session.scalars(
        select(Child).where(Child.responsible_org_id == organisation_id,
                            Child.legal_status != "not_in_care")
        .order_by(Child.id)).all()
    problems: list[Problem] = []
    periods = {}
    for child in children:
        found = _periods(child, problems)
        if any(p.start <= end and (p.end is None or p.end >= start) for p in found):
            periods[child.id] = found
    episodes = _episodes(session, list(periods), start, end)
    result = []
    for child in children:
        if child.id not in periods:
            continue
        result.append(ChildData(
            child=child_id(child), sex=SEX_CODES.get(getattr(child, "sex", None) or ""),
            dob=child.date_of_birth, ethnic=_ethnic(child), upn=getattr(child, "upn", None),
            periods=tuple(periods[child.id]), missing=tuple(episodes.get(child.id, ())),
            mother=None))
    return result, problems


def child_id(child) -> str:
    """The authority's own child id where the record has one, else ours."""
    return getattr(child, "la_child_id", None) or str(child.id)


def _ethnic(child) -> str | None:
    code = getattr(child, "ethnic_code", None)
    return code or None


def _periods(child, problems) -> list[CarePeriod]:
    since = (child.flags or {}).get("looked_after_since")
    code = LS_CODES.get(child.legal_status)
    ident = child_id(child)
    if not since:
        problems.append(Problem(ident, "Episodes", "The date the child became looked after is "
                                                   "not recorded."))
        return []
    try:
        started = dt.date.fromisoformat(str(since)[:10])
    except ValueError:
        problems.append(Problem(ident, "Episodes", f"The date the child became looked after "
                                                   f"({since}) is not a date."))
        return []
    if code is None:
        problems.append(Problem(ident, "Episodes", "The legal status has no DfE code."))
    if not child.placement:
        problems.append(Problem(ident, "Episodes", "No placement is recorded."))
    # The category of need and the placement's type and provider are not kept yet: the
    # builder lists each as a problem of the episode.
    return [CarePeriod(started, None, None, (LegalStatus(started, code, None),),
                       (Placement(started, None, None),))]


def _episodes(session, child_ids, start, end) -> dict[int, list[MissingSegment]]:
    """Each child's missing and away episodes that overlap the year (one segment each:
    today's record keeps no change of category within an episode)."""
    found: dict[int, list[MissingSegment]] = defaultdict(list)
    if not child_ids:
        return found
    first = dt.datetime.combine(start, dt.time(), clock.LONDON)
    last = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), clock.LONDON)
    for chunk in _chunks(child_ids, 5000):
        rows = session.execute(
            select(Episode.id, Episode.child_id, Episode.category, Episode.last_seen_at,
                   Episode.found_at, Episode.status, Episode.closed_at)
            .where(Episode.child_id.in_(chunk), Episode.last_seen_at < last,
                   or_(Episode.found_at.is_(None), Episode.found_at >= first),
                   *_not_missing_filter())
            .where(or_(Episode.status == "open",
                       and_(Episode.status == "closed", Episode.closed_at >= first)))
            .order_by(Episode.child_id, Episode.last_seen_at))
        for row in rows:
            ended = row.found_at if row.found_at is not None else (
                row.closed_at if row.status == "closed" else None)
            found[row.child_id].append(MissingSegment(
                row.category, london_date(row.last_seen_at), london_date(ended),
                ref=f"episode {row.id}"))
    return found


def _not_missing_filter():
    column = getattr(Episode, "not_missing", None)
    return [column.is_(False)] if column is not None else []


def _chunks(items, size):
    for n in range(0, len(items), size):
        yield items[n:n + size]
