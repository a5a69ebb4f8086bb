"""Reads the SSDA903 Header and Episodes tables a council's case management system (LCS,
Mosaic, Eclipse) already writes, into plain rows for `engine.child_import`: no database,
so every malformed row can be tested directly.

A table is recognised by its column headers, as the DfE's validator does (file names do
not matter): every 903 column must be there. The 903 tables hold no names and do not say
which authority a placement lies in, so two optional columns are read when a council adds
them: FORENAME and SURNAME in Header, PL_LA (the authority's code or name) in Episodes.
Any other extra column is said to be left unread. Each row that cannot be taken is a
`RowProblem` naming the table, the row (the header line is row 1, as a spreadsheet shows
it) and the reason, in words; every other row is kept.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from .child_record import (
    CIN_CODES,
    ETHNIC_CODES,
    PLACEMENT_TYPES,
    PROVIDER_TYPES,
    REC_CODES,
    RNE_CODES,
    SEXES,
    STATUS_FOR_LS,
)
from .returns.source import PLACE_CHANGE_REASONS
from .returns.ssda903 import EPISODES_COLUMNS, HEADER_COLUMNS

NAME_COLUMNS = ("FORENAME", "SURNAME")
PLACEMENT_AUTHORITY_COLUMN = "PL_LA"
OPTIONAL = {"Header": NAME_COLUMNS, "Episodes": (PLACEMENT_AUTHORITY_COLUMN,)}
REQUIRED = {"Header": HEADER_COLUMNS, "Episodes": EPISODES_COLUMNS}
# 903 UPN codes for "no UPN" (UN1 not yet allocated ... UN10), and URN "not applicable".
NO_UPN = {f"UN{i}" for i in range(1, 11)}
NO_URN = {"XXXXXXX", "SC999999"}
# The sex codes before 2024-25 (1 male, 2 female) are still in older extracts.
OLD_SEX = {"1": "M", "2": "F"}
MAX_ID = 20


class TableError(ValueError):
    """The file as a whole cannot be read as the table: nothing of it is taken. `table`
    names the file it is about (Header or Episodes)."""

    def __init__(self, message: str, table: str = ""):
        super().__init__(message)
        self.table = table


@dataclass(frozen=True)
class RowProblem:
    table: str
    row: int
    reason: str

    def __str__(self) -> str:
        return f"{self.table} row {self.row}: {self.reason}"


@dataclass(frozen=True)
class HeaderRow:
    row: int
    child: str
    sex: str
    dob: dt.date
    ethnic: str
    upn: str | None
    first_name: str | None = None
    last_name: str | None = None


@dataclass(frozen=True)
class EpisodeRow:
    row: int
    child: str
    decom: dt.date
    dec: dt.date | None
    rne: str | None
    ls: str
    cin: str | None
    place: str
    provider: str | None
    rec: str | None
    home_post: str | None
    pl_post: str | None
    urn: str | None
    pl_la: str | None = None
    # why the child moved into this placement from the one before (a DfE code)
    reason_place_change: str | None = None


@dataclass
class Tables:
    header: list[HeaderRow] = field(default_factory=list)
    episodes: list[EpisodeRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def decode(data: bytes, what: str) -> str:
    """The text of an uploaded file, or TableError saying it is not a CSV text file."""
    if not data.strip():
        raise TableError(f"The {what} file is empty", what)
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise TableError(f"The {what} file is not a CSV text file", what)


def which_table(text: str) -> str | None:
    """"Header" or "Episodes" by the first line's columns, else None."""
    try:
        columns = set(_columns(text))
    except TableError:
        return None
    for table, required in REQUIRED.items():
        if set(required) <= columns:
            return table
    return None


def _columns(text: str, table: str = "") -> list[str]:
    try:
        first = next(csv.reader(io.StringIO(text)), [])
    except csv.Error as exc:
        raise TableError(f"The {table or 'CSV'} file cannot be read as CSV: {exc}",
                         table) from None
    return [c.strip().upper() for c in first]


def _rows(text: str, table: str, notes: list[str]) -> list[tuple[int, dict]]:
    try:
        return _read_rows(text, table, notes)
    except csv.Error as exc:
        # a broken quote or an enormous cell: the file is not the CSV it should be
        raise TableError(f"The {table} file cannot be read as CSV: {exc}", table) from None


def _read_rows(text: str, table: str, notes: list[str]) -> list[tuple[int, dict]]:
    columns = _columns(text, table)
    missing = [c for c in REQUIRED[table] if c not in columns]
    if missing:
        other = "Episodes" if table == "Header" else "Header"
        if set(REQUIRED[other]) <= set(columns):
            raise TableError(f"The file given as the {table} table is the {other} table: "
                             "give each file in its place", table)
        raise TableError(f"The {table} file is not the SSDA903 {table} table: it has no "
                         f"{', '.join(missing)} column{'s' if len(missing) > 1 else ''}",
                         table)
    unread = [c for c in columns if c and c not in REQUIRED[table] + OPTIONAL[table]]
    if unread:
        notes.append(f"{table}: the column{'s' if len(unread) > 1 else ''} "
                     f"{', '.join(unread)} {'are' if len(unread) > 1 else 'is'} not read.")
    reader = csv.reader(io.StringIO(text))
    next(reader)
    out = []
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        out.append((number, {name: (cells[i].strip() if i < len(cells) else "")
                             for i, name in enumerate(columns)}))
    return out


def _date(value: str, name: str, *, required: bool) -> dt.date | None:
    if not value:
        if required:
            raise _Bad(f"{name} is blank")
        return None
    try:
        return dt.datetime.strptime(value, "%d/%m/%Y").date()
    except ValueError:
        raise _Bad(f"{name} {value} is not a date (dd/mm/yyyy)") from None


def _code(value: str, name: str, codes, *, required: bool = False) -> str | None:
    value = value.upper()
    if not value:
        if required:
            raise _Bad(f"{name} is blank")
        return None
    if value not in codes:
        raise _Bad(f"{name} {value} is not a DfE code for {name}")
    return value


class _Bad(ValueError):
    pass


def _child_id(value: str) -> str:
    if not value:
        raise _Bad("CHILD is blank")
    if len(value) > MAX_ID:
        raise _Bad(f"CHILD {value[:30]} is longer than {MAX_ID} characters")
    return value


def _header_row(number: int, cells: dict, today: dt.date) -> HeaderRow:
    child = _child_id(cells["CHILD"])
    sex = OLD_SEX.get(cells["SEX"], cells["SEX"].upper())
    if sex not in SEXES:
        raise _Bad(f"SEX {cells['SEX'] or '(blank)'} is not M, F or U")
    dob = _date(cells["DOB"], "DOB", required=True)
    if dob > today:
        raise _Bad(f"DOB {cells['DOB']} is in the future")
    ethnic = _code(cells["ETHNIC"], "ETHNIC", ETHNIC_CODES) or "NOBT"
    upn = cells["UPN"].upper() or None
    if upn in NO_UPN:
        upn = None
    if upn is not None and not (len(upn) == 13 and upn[0].isalpha() and upn[1:12].isdigit()
                                and upn[12].isalnum()):
        raise _Bad(f"UPN {upn} is not a unique pupil number (a letter, 11 digits and a "
                   "letter or digit)")
    first = cells.get("FORENAME", "") or None
    last = cells.get("SURNAME", "") or None
    for name, value in (("FORENAME", first), ("SURNAME", last)):
        if value is not None and len(value) > 200:
            raise _Bad(f"{name} is longer than 200 characters")
    return HeaderRow(number, child, sex, dob, ethnic, upn, first, last)


def _postcode(value: str, name: str) -> str | None:
    value = " ".join(value.upper().split()) or None
    if value is not None and not (5 <= len(value) <= 8):
        raise _Bad(f"{name} {value} is not a full postcode")
    return value


def _episode_row(number: int, cells: dict) -> EpisodeRow:
    child = _child_id(cells["CHILD"])
    decom = _date(cells["DECOM"], "DECOM", required=True)
    dec = _date(cells["DEC"], "DEC", required=False)
    if dec is not None and dec < decom:
        raise _Bad(f"DEC {cells['DEC']} is before DECOM {cells['DECOM']}")
    rec = _code(cells["REC"], "REC", REC_CODES)
    if rec is not None and dec is None:
        raise _Bad(f"REC {rec} is given but DEC is blank")
    urn = cells["URN"].upper() or None
    if urn in NO_URN:
        urn = None
    if urn is not None and len(urn) > 10:
        raise _Bad(f"URN {urn[:20]} is longer than 10 characters")
    return EpisodeRow(
        number, child, decom, dec, _code(cells["RNE"], "RNE", RNE_CODES),
        _code(cells["LS"], "LS", STATUS_FOR_LS, required=True),
        _code(cells["CIN"], "CIN", CIN_CODES),
        _code(cells["PLACE"], "PLACE", PLACEMENT_TYPES, required=True),
        _code(cells["PLACE_PROVIDER"], "PLACE_PROVIDER", PROVIDER_TYPES), rec,
        _postcode(cells["HOME_POST"], "HOME_POST"), _postcode(cells["PL_POST"], "PL_POST"),
        urn, cells.get(PLACEMENT_AUTHORITY_COLUMN, "") or None,
        _code(cells["REASON_PLACE_CHANGE"], "REASON_PLACE_CHANGE", PLACE_CHANGE_REASONS))


def read(header_text: str, episodes_text: str, today: dt.date) -> Tables:
    """Both tables' rows, with every row that cannot be taken as a problem. A child
    appearing twice in Header, or an Episodes row for a child not in Header (or whose
    Header row was not taken), is a problem too. TableError when a file is not the
    table at all."""
    tables = Tables()
    seen: dict[str, int] = {}
    refused: dict[str, int] = {}
    for number, cells in _rows(header_text, "Header", tables.notes):
        try:
            row = _header_row(number, cells, today)
        except _Bad as exc:
            tables.problems.append(RowProblem("Header", number, str(exc)))
            refused.setdefault(cells["CHILD"], number)
            continue
        if row.child in seen:
            tables.problems.append(RowProblem(
                "Header", number, f"CHILD {row.child} is already on row {seen[row.child]}"))
            continue
        seen[row.child] = number
        tables.header.append(row)
    for number, cells in _rows(episodes_text, "Episodes", tables.notes):
        try:
            row = _episode_row(number, cells)
        except _Bad as exc:
            tables.problems.append(RowProblem("Episodes", number, str(exc)))
            continue
        if row.child not in seen:
            tables.problems.append(RowProblem(
                "Episodes", number, f"CHILD {row.child} is not taken (see Header row "
                f"{refused[row.child]})" if row.child in refused
                else f"CHILD {row.child} is not in the Header table"))
            continue
        tables.episodes.append(row)
    tables.episodes = _without_overlaps(tables.episodes, tables.problems)
    return tables


def _without_overlaps(rows: list[EpisodeRow], problems: list[RowProblem]) -> list[EpisodeRow]:
    """Each child's episodes in date order; one that starts before the previous one ended
    (the DfE's own rule: a new episode starts on or after the previous end) is refused."""
    kept: list[EpisodeRow] = []
    last: dict[str, EpisodeRow] = {}
    for row in sorted(rows, key=lambda r: (r.child, r.decom, r.row)):
        before = last.get(row.child)
        if before is not None and (before.dec is None or row.decom < before.dec):
            until = before.dec.strftime("%d/%m/%Y") if before.dec else "still open"
            problems.append(RowProblem(
                "Episodes", row.row, f"DECOM {row.decom:%d/%m/%Y} overlaps the episode on "
                f"row {before.row} ({before.decom:%d/%m/%Y} to {until})"))
            continue
        last[row.child] = row
        kept.append(row)
    problems.sort(key=lambda p: (p.table != "Header", p.row))
    return kept
