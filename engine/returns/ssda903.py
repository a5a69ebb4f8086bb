"""The DfE SSDA903 return's Header, Episodes and Missing tables for one collection year
(R46), built from plain data: no database, so every shape can be tested directly.

The collection year "2026" is the 2025-26 return, 1 April 2025 to 31 March 2026. What the
DfE's recording rules say, and how this module follows them:

- Episodes: a period of care is split into one row at every change of legal status or
  placement (`RNE` S at the start, L legal status only, P placement only, B both); a row
  ended by the next has `REC` X1 and the next starts the same day. Rows open at any time
  in the year are returned; a row still open at 31 March has `DEC` and `REC` blank.
- Missing: one row per missing (M) or away (A) segment that overlaps the year. A change
  between A and M is two segments meeting on the same day (the caller splits them). A
  segment still open at 31 March has `MIS_END` blank and is carried into next year's
  file with the same `MIS_START`. A child who stops being looked after while missing has
  the segment end on the day care ceased.

Nothing is silently dropped or put right: whatever cannot be expressed as the DfE asks is
written as it is (so the validator sees it too) and listed in `Return903.problems`.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

HEADER_COLUMNS = ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB")
EPISODES_COLUMNS = ("CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC",
                    "REC", "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN")
MISSING_COLUMNS = ("CHILD", "DOB", "MISSING", "MIS_START", "MIS_END")
TABLES = {"Header": HEADER_COLUMNS, "Episodes": EPISODES_COLUMNS, "Missing": MISSING_COLUMNS}
FILE_NAMES = {"Header": "header.csv", "Episodes": "episodes.csv", "Missing": "missing.csv"}
MISSING_TYPES = ("M", "A")
CONTINUES = "X1"  # REC: the episode ceases and a new one begins


# --- what the builder is given --------------------------------------------------------

@dataclass(frozen=True)
class LegalStatus:
    """The child's legal status from `start` (DfE `LS` code, e.g. C2) and category of
    need (`CIN`, N1-N8)."""

    start: dt.date
    ls: str | None
    cin: str | None


@dataclass(frozen=True)
class Placement:
    """A placement from `start`: DfE placement type (`PLACE`, e.g. U1), provider
    (`PLACE_PROVIDER`, PR0-PR5), Ofsted URN, postcode, and the reason it replaced the
    one before (`REASON_PLACE_CHANGE`, e.g. CARPL), if it did."""

    start: dt.date
    place: str | None
    provider: str | None
    urn: str | None = None
    postcode: str | None = None
    reason_change: str | None = None


@dataclass(frozen=True)
class CarePeriod:
    """One period of being looked after, with the legal statuses and placements in it.
    `reason_ceased` is the DfE `REC` code (E-codes) when it ended."""

    start: dt.date
    end: dt.date | None
    reason_ceased: str | None
    legal_statuses: tuple[LegalStatus, ...]
    placements: tuple[Placement, ...]
    home_postcode: str | None = None


@dataclass(frozen=True)
class MissingSegment:
    """Part of an episode during which the child was missing (M) or away (A); `ref` says
    which record it came from, for problems."""

    category: str | None
    start: dt.date | None
    end: dt.date | None
    ref: str = ""
    # Reported, but the child turned out not to be missing: not an episode of being
    # missing or away, so not returned (kept here so the builder sees every report).
    not_missing: bool = False


@dataclass(frozen=True)
class ChildData:
    child: str  # the authority's child id as returned in CHILD
    sex: str | None  # M, F or U
    dob: dt.date | None
    ethnic: str | None  # DfE ethnicity code, e.g. WBRI
    upn: str | None
    periods: tuple[CarePeriod, ...] = ()
    missing: tuple[MissingSegment, ...] = ()
    mother: str | None = None  # 1 if the child is a mother, 0 if not
    mc_dob: dt.date | None = None  # the date of birth of her first child


# --- what it gives back ---------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    child: str
    table: str
    what: str  # plain words for the people who put the record right


@dataclass
class Return903:
    year: int
    header: list[dict] = field(default_factory=list)
    episodes: list[dict] = field(default_factory=list)
    missing: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def rows(self, table: str) -> list[dict]:
        return {"Header": self.header, "Episodes": self.episodes, "Missing": self.missing}[table]

    def csv_text(self, table: str) -> str:
        import io

        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=TABLES[table], lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(self.rows(table))
        return out.getvalue()

    def write(self, directory: Path) -> list[Path]:
        """The three tables as CSV files in `directory`; returns their paths."""
        directory.mkdir(parents=True, exist_ok=True)
        paths = []
        for table, name in FILE_NAMES.items():
            path = directory / name
            path.write_text(self.csv_text(table), encoding="utf-8", newline="")
            paths.append(path)
        return paths


def collection_year(year: int) -> tuple[dt.date, dt.date]:
    """(1 April, 31 March) of the collection year `year` (2026 is 2025-26)."""
    return dt.date(year - 1, 4, 1), dt.date(year, 3, 31)


def date_text(day: dt.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


# --- building -------------------------------------------------------------------------

def build(children, year: int) -> Return903:
    result = Return903(year)
    for child in sorted(children, key=lambda c: c.child):
        _add_child(result, child, year)
    return result


def _add_child(result: Return903, child: ChildData, year: int) -> None:
    start, end = collection_year(year)
    problems = result.problems

    def problem(table, what):
        problems.append(Problem(child.child, table, what))

    episodes = []
    for period in sorted(child.periods, key=lambda p: p.start):
        episodes += [row for row in _period_rows(child, period, problem)
                     if _overlaps(row["_start"], row["_end"], start, end)]
    missing = [_missing_row(child, segment, child.periods, year, problem)
               for segment in sorted(child.missing, key=_segment_order)
               if not segment.not_missing and (
                   segment.start is None or _overlaps(segment.start, segment.end, start, end))]
    if not episodes and not missing:
        return
    for before, after in overlapping_segments(s for s in child.missing if not s.not_missing):
        problem("Missing", f"Two episodes overlap: one from {before.start:%d/%m/%Y} and one "
                           f"from {after.start:%d/%m/%Y}; only one can be open at a time.")
    if child.dob is None:
        problem("Header", "The date of birth is not recorded.")
    if child.sex not in ("M", "F", "U"):
        problem("Header", "The sex is not recorded as male, female or unknown.")
    if not child.ethnic:
        problem("Header", "The ethnicity is not recorded.")
    if child.sex == "F" and child.mother is None:
        problem("Header", "Whether she is a mother is not recorded.")
    if not child.upn:
        problem("Header", "The unique pupil number (or the code for why there is none) "
                          "is not recorded.")
    if missing and not episodes:
        problem("Missing", "Missing episodes are recorded in the year but no period of care "
                           "is: the child is not in the Episodes table.")
    result.header.append({
        "CHILD": child.child, "SEX": child.sex or "", "DOB": date_text(child.dob),
        "ETHNIC": child.ethnic or "", "UPN": child.upn or "", "MOTHER": child.mother or "",
        "MC_DOB": date_text(child.mc_dob)})
    for row in episodes:
        if row["_end"] is not None and row["_end"] > end:
            # Still open at 31 March: ended next year, so not ended in this return (nor
            # the placement changed).
            row["DEC"], row["REC"], row["REASON_PLACE_CHANGE"] = "", "", ""
        result.episodes.append({k: v for k, v in row.items() if not k.startswith("_")})
    result.missing += missing


def _overlaps(first: dt.date, last: dt.date | None, start: dt.date, end: dt.date) -> bool:
    return first <= end and (last is None or last >= start)


def _segment_order(segment: MissingSegment):
    return (segment.start or dt.date.min, segment.end or dt.date.max, segment.ref)


def _period_rows(child: ChildData, period: CarePeriod, problem) -> list[dict]:
    """One Episodes row per span of a period with the same legal status and placement."""
    if period.end is not None and period.end < period.start:
        problem("Episodes", f"The period of care starting {period.start:%d/%m/%Y} ends "
                            f"before it starts ({period.end:%d/%m/%Y}).")
    if period.end is not None and not period.reason_ceased:
        problem("Episodes", f"The period of care ending {period.end:%d/%m/%Y} has no reason "
                            "recorded for why care ended.")
    statuses = sorted(period.legal_statuses, key=lambda s: s.start)
    placements = sorted(period.placements, key=lambda p: p.start)
    inside = [s.start for s in statuses] + [p.start for p in placements]
    for day in inside:
        if day < period.start or (period.end is not None and day > period.end):
            problem("Episodes", f"A legal status or placement from {day:%d/%m/%Y} lies outside "
                                f"the period of care starting {period.start:%d/%m/%Y}.")
    changes = sorted({period.start, *(d for d in inside if d > period.start
                                      and (period.end is None or d < period.end))})
    rows, previous = [], None
    for day in changes:
        status = _latest(statuses, day)
        placement = _latest(placements, day)
        key = (status, placement)
        if previous is not None and key == previous[0]:
            continue  # nothing the return records changed on this day
        if previous is None:
            rne = "S"
            if status is None:
                problem("Episodes", f"No legal status is recorded at the start of care on "
                                    f"{day:%d/%m/%Y}.")
            if placement is None:
                problem("Episodes", f"No placement is recorded at the start of care on "
                                    f"{day:%d/%m/%Y}.")
        else:
            status_changed = status != previous[0][0]
            placement_changed = placement != previous[0][1]
            rne = "B" if status_changed and placement_changed else (
                "L" if status_changed else "P")
            previous[1]["_end"] = day
            previous[1]["DEC"], previous[1]["REC"] = date_text(day), CONTINUES
            if placement_changed and placement is not None:
                # The DfE records why a placement changed on the episode it ended.
                previous[1]["REASON_PLACE_CHANGE"] = placement.reason_change or ""
        for what, value in (("legal status", status and status.ls),
                            ("category of need", status and status.cin),
                            ("placement type", placement and placement.place),
                            ("placement provider", placement and placement.provider)):
            if status is not None and placement is not None and not value:
                problem("Episodes", f"The episode from {day:%d/%m/%Y} has no {what} code.")
        row = {
            "CHILD": child.child, "DECOM": date_text(day), "RNE": rne,
            "LS": (status.ls if status else "") or "", "CIN": (status.cin if status else "") or "",
            "PLACE": (placement.place if placement else "") or "",
            "PLACE_PROVIDER": (placement.provider if placement else "") or "",
            "DEC": date_text(period.end), "REC": (period.reason_ceased or "") if period.end else "",
            "REASON_PLACE_CHANGE": "",
            "HOME_POST": period.home_postcode or "",
            "PL_POST": (placement.postcode if placement else "") or "",
            "URN": (placement.urn if placement else "") or "",
            "_start": day, "_end": period.end,
        }
        if rne in ("P", "B") and placement is not None and not placement.reason_change:
            problem("Episodes", f"The placement change on {day:%d/%m/%Y} has no reason "
                                "recorded.")
        rows.append(row)
        previous = (key, row)
    return rows


def _latest(items, day):
    found = None
    for item in items:
        if item.start <= day:
            found = item
    return found


def _missing_row(child: ChildData, segment: MissingSegment, periods, year: int,
                 problem) -> dict:
    _, year_end = collection_year(year)
    where = f" ({segment.ref})" if segment.ref else ""
    start, end = segment.start, segment.end
    if segment.category not in MISSING_TYPES:
        problem("Missing", f"An episode{where} is recorded as neither missing nor away from "
                           "placement.")
    if start is None:
        problem("Missing", f"An episode{where} has no start date.")
    elif end is not None and end < start:
        problem("Missing", f"An episode{where} ends ({end:%d/%m/%Y}) before it starts "
                           f"({start:%d/%m/%Y}).")
    elif child.dob is not None and start <= child.dob:
        problem("Missing", f"An episode{where} starts on or before the date of birth.")
    if start is not None:
        period = next((p for p in periods if p.start <= start
                       and (p.end is None or start <= p.end)), None)
        if period is None:
            problem("Missing", f"The episode{where} starting {start:%d/%m/%Y} is not inside a "
                               "period of care.")
        elif period.end is not None and (end is None or end > period.end):
            # The DfE's rule: a child who stops being looked after while missing has the
            # episode ended on the day care ceased.
            end = period.end
    return {"CHILD": child.child, "DOB": date_text(child.dob),
            "MISSING": segment.category or "", "MIS_START": date_text(start),
            "MIS_END": date_text(end) if end is not None and end <= year_end else ""}


def overlapping_segments(segments) -> list[tuple[MissingSegment, MissingSegment]]:
    """Pairs of segments of one child that overlap by more than a shared day (the DfE
    allows one to end and the next to start on the same day)."""
    ordered = sorted((s for s in segments if s.start), key=_segment_order)
    pairs = []
    for before, after in zip(ordered, ordered[1:], strict=False):
        if before.end is None or after.start < before.end:
            pairs.append((before, after))
    return pairs
