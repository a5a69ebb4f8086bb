"""Ofsted's Annex A, List 8 (children in care): the identifying columns and the four
missing columns, per child looked after by the authority, as an .xlsx workbook.

Headers follow the sample workbook of about the 2021 edition (Ofsted reissues it: check
the edition in force). Coded answers are lettered strings (`a) Yes`, `b) No`,
`c) Unknown`); dates are real Excel dates. "Offered" and "accepted" come from the return
home interview records of the child's last missing episode: the RHI worker's form says
whether an interview was offered (so "not offered" is recorded, not inferred) and what
happened; an interview got from the placing authority counts as offered. A child not
offered one did not accept one. A child with no missing episode in the last 12 months
has both answers blank; one whose last interview is not yet recorded has `c) Unknown`.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from ..models import Case, Child, Episode, WorkItem
from .source import child_id

SHEET = "List 8"
IDENTIFYING = ("Child Unique ID", "Gender", "Ethnicity", "Date of Birth",
               "Age of Child (Years)")
MISSING_COUNT = "Number of Episodes the Child has been 'Missing' from their Placement in the last 12 months"  # noqa: E501
ABSENT_COUNT = "Number of Episodes the Child has been 'Absent' from their Placement in the last 12 months"  # noqa: E501
OFFERED = "Was the child offered a Return Interview after their last missing episode (Y/N)?"
ACCEPTED = "Did the child accept a Return Interview after their last missing episode (Y/N)?"
COLUMNS = IDENTIFYING + (MISSING_COUNT, ABSENT_COUNT, OFFERED, ACCEPTED)

YES, NO, UNKNOWN = "a) Yes", "b) No", "c) Unknown"
GENDER = {"M": "a) Male", "F": "b) Female", "U": "c) Not stated/recorded"}
# Annex A letters the DfE ethnicity codes in this order.
ETHNIC_ORDER = ("WBRI", "WIRI", "WIRT", "WOTH", "WROM", "MWBC", "MWBA", "MWAS", "MOTH",
                "AIND", "APKN", "ABAN", "AOTH", "BCRB", "BAFR", "BOTH", "CHNE", "OOTH")
ETHNICITY = {code: f"{chr(ord('a') + n)}) {code}" for n, code in enumerate(ETHNIC_ORDER)}
ETHNICITY.update({"REFU": "s) REFU", "NOBT": "s) NOBT"})
RHI_FORMS = ("rhi", "rhi_placing_authority")


@dataclass(frozen=True)
class Interview:
    offered: bool | None
    outcome: str | None  # completed, child_declined, parents_declined


def answers(interview: Interview | None) -> tuple[str, str]:
    """(offered, accepted) for the child's last missing episode's interview record."""
    if interview is None:
        return UNKNOWN, UNKNOWN
    offered = interview.offered
    if offered is None and interview.outcome:
        offered = True  # the placing authority carried it out
    if offered is None:
        return UNKNOWN, UNKNOWN
    if not offered:
        return NO, NO
    if interview.outcome == "completed":
        return YES, YES
    if interview.outcome in ("child_declined", "parents_declined"):
        return YES, NO
    return YES, UNKNOWN


def rows(session, organisation_id: int, today: dt.date) -> list[dict]:
    """One row per child the authority looks after today."""
    children = session.scalars(select(Child).where(
        Child.responsible_org_id == organisation_id, Child.legal_status != "not_in_care")
        .order_by(Child.id)).all()
    since = dt.datetime.combine(today.replace(year=today.year - 1), dt.time(), dt.UTC)
    episodes = defaultdict(list)
    query = (select(Episode.id, Episode.child_id, Episode.category, Episode.last_seen_at)
             .where(Episode.child_id.in_([c.id for c in children]),
                    Episode.last_seen_at >= since)
             .order_by(Episode.last_seen_at))
    not_missing = getattr(Episode, "not_missing", None)
    if not_missing is not None:
        query = query.where(not_missing.is_(False))
    for row in session.execute(query):
        episodes[row.child_id].append(row)
    interviews = _interviews(session, [e[-1].id for e in episodes.values()])
    result = []
    for child in children:
        own = episodes.get(child.id, [])
        offered = accepted = None
        if own:
            offered, accepted = answers(interviews.get(own[-1].id))
        sex = getattr(child, "sex", None) or "U"
        result.append({
            "Child Unique ID": child_id(child),
            "Gender": GENDER.get(sex, GENDER["U"]),
            "Ethnicity": ETHNICITY.get(getattr(child, "ethnic_code", None) or "", "s) NOBT"),
            "Date of Birth": child.date_of_birth,
            "Age of Child (Years)": _age(child.date_of_birth, today),
            MISSING_COUNT: sum(1 for e in own if e.category == "M"),
            ABSENT_COUNT: sum(1 for e in own if e.category == "A"),
            OFFERED: offered, ACCEPTED: accepted,
        })
    return result


def _interviews(session, episode_ids) -> dict[int, Interview]:
    """{episode id: its latest completed return home interview record}."""
    found: dict[int, tuple] = {}
    if not episode_ids:
        return {}
    for episode_id, completed_at, data in session.execute(
            select(Case.episode_id, WorkItem.completed_at, WorkItem.data)
            .join(Case, Case.id == WorkItem.case_id)
            .where(Case.episode_id.in_(episode_ids), WorkItem.form_key.in_(RHI_FORMS),
                   WorkItem.state == "completed")):
        if episode_id not in found or completed_at > found[episode_id][0]:
            data = data or {}
            found[episode_id] = (completed_at, Interview(data.get("rhi_offered"),
                                                         data.get("rhi_outcome")))
    return {k: v for k, (_, v) in found.items()}


def _age(born: dt.date, today: dt.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def workbook(table: list[dict]) -> bytes:
    """The rows as an .xlsx workbook with one sheet, dates as real Excel dates."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table:
        sheet.append([row[c] for c in COLUMNS])
    for cell in sheet["D"][1:]:
        cell.number_format = "DD/MM/YYYY"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

