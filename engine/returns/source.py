"""Reads the child's record into the SSDA903 builder's plain data (`ssda903.ChildData`).

One local authority's return: the children it is responsible for who were looked after
at any time in the collection year, their periods of care, and their missing and away
episodes. Read in a few bulk queries (no per-child query), so a year of a large
authority exports in seconds.

The record is issue 10's: dated legal statuses (`LegalStatusPeriod`, with the DfE LS
and CIN codes and the reason care ended), dated placements (`Placement`, with the DfE
placement type, provider, URN, postcode and why the child moved on), and each episode's
segments (`EpisodeSegment`: an A episode that becomes M is two segments, two Missing
rows meeting on the same day). Consecutive legal statuses, the next starting on or before
the day the one before ended, form one period of care (the DfE's rule).

A record written before dated periods were kept has only its current legal status and
the `looked_after_since` flag: it is returned as one open period, and what it cannot say
(the codes) comes out as problems for the people preparing the return, never as invented
codes. Episodes found not to have been missing are not episodes of being missing or away
and are not returned (DATA.md).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import and_, exists, or_, select

from .. import clock
from ..models import Child, Episode, EpisodeSegment, LegalStatusPeriod
from ..models import Placement as PlacementRow
from . import ssda903
from .ssda903 import CarePeriod, ChildData, LegalStatus, MissingSegment, Placement, Problem

# Legal statuses of records without dated periods, and the DfE LS code each is returned as.
LS_CODES = {
    "s20": "V2",  # accommodated under section 20 (single period)
    "interim_care_order": "C1",
    "care_order": "C2",
    "s21_pace": "J2",
    "remand": "J1",
}
# The DfE's reasons for a change of placement (REASON_PLACE_CHANGE, 2025-26).
PLACE_CHANGE_REASONS = {
    "CARPL": "Change to the care plan", "CLOSE": "Provider closed",
    "ALLEG": "Allegation (section 47)", "STAND": "Standards of care concern",
    "APPRR": "Approval removed", "CREQB": "Carer requests: behaviour of the child",
    "CREQO": "Carer requests: other reason", "CHILD": "Child requests",
    "LAREQ": "Responsible authority requests", "PLACE": "Change of placement status",
    "CUSTOD": "Custody arrangement", "OTHER": "Other",
}
SEX_CODES = {"M": "M", "F": "F", "U": "U", "male": "M", "female": "F"}
CHUNK = 5000  # ids per IN list


def london_date(moment: dt.datetime | None) -> dt.date | None:
    return moment.astimezone(clock.LONDON).date() if moment is not None else None


def read(session, year: int, organisation_id: int) -> tuple[list[ChildData], list[Problem]]:
    """The plain data of `organisation_id`'s return for collection `year`, and what the
    record could not say (each a problem naming the child)."""
    start, end = ssda903.collection_year(year)
    dated = exists().where(LegalStatusPeriod.child_id == Child.id)
    in_year = exists().where(LegalStatusPeriod.child_id == Child.id,
                             LegalStatusPeriod.legal_status != "not_in_care",
                             LegalStatusPeriod.starts_on <= end,
                             or_(LegalStatusPeriod.ends_on.is_(None),
                                 LegalStatusPeriod.ends_on >= start))
    children = session.execute(
        select(Child.id, Child.la_child_id, Child.sex, Child.date_of_birth, Child.ethnic_code,
               Child.upn, Child.home_postcode, Child.legal_status, Child.placement,
               Child.flags, dated.label("dated"))
        .where(Child.responsible_org_id == organisation_id,
               or_(in_year, and_(~dated, Child.legal_status != "not_in_care")))
        .order_by(Child.id)).all()
    problems: list[Problem] = []
    dated_ids = [c.id for c in children if c.dated]
    statuses = _by_child(session, LegalStatusPeriod, dated_ids)
    placements = _by_child(session, PlacementRow, dated_ids)
    periods = {}
    for child in children:
        if child.dated:
            found = _dated_periods(child, statuses.get(child.id, ()),
                                   placements.get(child.id, ()))
        else:
            found = _undated_periods(child, problems)
        if any(p.start <= end and (p.end is None or p.end >= start) for p in found):
            periods[child.id] = found
    episodes = _segments(session, list(periods), start, end)
    result = []
    for child in children:
        if child.id not in periods:
            continue
        result.append(ChildData(
            child=child_id(child), sex=SEX_CODES.get(child.sex or ""),
            dob=child.date_of_birth, ethnic=child.ethnic_code or None, upn=child.upn,
            periods=tuple(periods[child.id]), missing=tuple(episodes.get(child.id, ())),
            mother=None))
    return result, problems


def child_id(child) -> str:
    """The authority's own child id where the record has one, else ours."""
    return getattr(child, "la_child_id", None) or str(child.id)


def _by_child(session, model, child_ids) -> dict[int, list]:
    found: dict[int, list] = defaultdict(list)
    for chunk in _chunks(child_ids, CHUNK):
        for row in session.scalars(select(model).where(model.child_id.in_(chunk))
                                   .order_by(model.child_id, model.starts_on, model.id)):
            found[row.child_id].append(row)
    return found


def _dated_periods(child, statuses, placements) -> list[CarePeriod]:
    """The periods of care: runs of legal statuses in care, each starting on or before
    the day the one before ended, with the placements that start inside them."""
    runs: list[list] = []
    for row in statuses:
        if row.legal_status == "not_in_care":
            continue
        if runs and runs[-1][-1].ends_on is not None and row.starts_on <= runs[-1][-1].ends_on:
            runs[-1].append(row)
        elif runs and runs[-1][-1].ends_on is None:
            runs[-1].append(row)  # an overlap the builder reports
        else:
            runs.append([row])
    result = []
    for run in runs:
        first, last = run[0], run[-1]
        inside = [p for p in placements if p.starts_on >= first.starts_on
                  and (last.ends_on is None or p.starts_on <= last.ends_on)]
        result.append(CarePeriod(
            first.starts_on, last.ends_on, last.rec_code if last.ends_on else None,
            tuple(LegalStatus(r.starts_on, r.ls_code, r.cin_code) for r in run),
            tuple(_placement(p, inside[n - 1] if n else None) for n, p in enumerate(inside)),
            child.home_postcode))
    return result


def _placement(row, before) -> Placement:
    # The DfE records why a placement changed on the episode the move ended: the reason
    # the child moved on from the one before, kept on that placement.
    moved = before.end_reason if before is not None and before.ends_on == row.starts_on \
        else None
    return Placement(row.starts_on, row.placement_type, row.provider_type, row.urn,
                     row.postcode, moved)


def _undated_periods(child, problems) -> list[CarePeriod]:
    """A record from before dated periods: one open period from `looked_after_since`."""
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
    # The category of need and the placement's type and provider are not kept: the builder
    # lists each as a problem of the episode.
    return [CarePeriod(started, None, None, (LegalStatus(started, code, None),),
                       (Placement(started, None, None),), child.home_postcode)]


def _segments(session, child_ids, start, end) -> dict[int, list[MissingSegment]]:
    """Each child's missing and away segments of the episodes that overlap the year: one
    per category an episode was in (an episode recorded before segments were kept is one
    segment). Episodes found not to have been missing are left out."""
    found: dict[int, list[MissingSegment]] = defaultdict(list)
    if not child_ids:
        return found
    first = dt.datetime.combine(start, dt.time(), clock.LONDON)
    last = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), clock.LONDON)
    for chunk in _chunks(child_ids, CHUNK):
        rows = session.execute(
            select(Episode.id, Episode.child_id, Episode.category, Episode.last_seen_at,
                   Episode.found_at, Episode.status, Episode.closed_at)
            .where(Episode.child_id.in_(chunk), Episode.last_seen_at < last,
                   or_(Episode.found_at.is_(None), Episode.found_at >= first),
                   Episode.not_missing.is_(False))
            .where(or_(Episode.status == "open",
                       and_(Episode.status == "closed", Episode.closed_at >= first)))
            .order_by(Episode.child_id, Episode.last_seen_at, Episode.id)).all()
        parts: dict[int, list] = defaultdict(list)
        for ids in _chunks([r.id for r in rows], CHUNK):
            for seg in session.execute(
                    select(EpisodeSegment.episode_id, EpisodeSegment.category,
                           EpisodeSegment.starts_at, EpisodeSegment.ends_at)
                    .where(EpisodeSegment.episode_id.in_(ids))
                    .order_by(EpisodeSegment.episode_id, EpisodeSegment.starts_at,
                              EpisodeSegment.id)):
                parts[seg.episode_id].append(seg)
        for row in rows:
            ended = row.found_at if row.found_at is not None else (
                row.closed_at if row.status == "closed" else None)
            segments = parts.get(row.id) or [None]
            for n, seg in enumerate(segments):
                final = n == len(segments) - 1
                begun = row.last_seen_at if seg is None or n == 0 else seg.starts_at
                until = seg.ends_at if seg is not None and not final else (
                    seg.ends_at if seg is not None and seg.ends_at is not None else ended)
                label = f"episode {row.id}" + (f", part {n + 1}" if len(segments) > 1 else "")
                found[row.child_id].append(MissingSegment(
                    seg.category if seg is not None else row.category, london_date(begun),
                    london_date(until), ref=label))
    return found


def _chunks(items, size):
    for n in range(0, len(items), size):
        yield items[n:n + size]
