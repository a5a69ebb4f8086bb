"""Loading what the council already holds: the SSDA903 Header and Episodes tables of its
case management system, read by `engine.child_import_tables`, become children, periods of
care (legal status periods) and placements on their records.

`ImportChildren` is one command: one transaction, one audit event per child it changed
(`child.imported`, with what changed), nothing for a child it left as it was, so a second
run of the same files changes nothing. A child is found by the council's id (903 `CHILD`,
kept as `Child.la_child_id`). Consecutive episodes with the same legal status form one
legal status period, and consecutive episodes in the same placement one placement (the
903 splits a period of care at every change of either). A period already on the record
is matched by its start date (or, when the council has corrected the dates, by being the
one period it overlaps that is the same in everything else) and brought up to date with
what the file says; one that would overlap another is reported, not taken; the file
never removes one, and what the file cannot know (a placement's address as typed by a
social worker, the authority it lies in when the file has no PL_LA) is left as recorded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import or_, select

from . import audit, clock
from .child_import_tables import EpisodeRow, HeaderRow, RowProblem, Tables
from .child_record import STATUS_FOR_LS, age_on, refresh_current
from .errors import InvalidInput, NotPermitted
from .models import Child, LegalStatusPeriod, Organisation, Placement

CONTINUES = "X1"  # REC: the episode ends and the next begins the same day
REASON = "The council's SSDA903 files"
ADDRESS_NOT_GIVEN = "Address not recorded"


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return self.added + self.updated

    def summary(self) -> str:
        return (f"{self.changed} {'child' if self.changed == 1 else 'children'} changed "
                f"({self.added} added, {self.updated} updated), {self.unchanged} unchanged; "
                f"{len(self.problems)} {'row' if len(self.problems) == 1 else 'rows'} "
                "not taken")


@dataclass(frozen=True)
class _Wanted:
    """One period the file says the child had, and the first row it came from."""

    kind: str  # legal_status or placement
    row: int
    starts_on: dt.date
    ends_on: dt.date | None
    fields: dict


@dataclass
class ImportChildren:
    """Create or update `authority_id`'s children from the tables (administrators of that
    authority, or the system from the command line). `source` names the files in the
    audit trail."""

    authority_id: int
    tables: Tables
    source: str = ""

    def __call__(self, ctx) -> ImportReport:
        authority = ctx.session.get(Organisation, self.authority_id)
        if authority is None or authority.kind != "local_authority":
            raise InvalidInput("not a local authority", {"authority_id": [
                "Select the local authority whose children these are"]})
        if not ctx.actor.is_system and not ("admin" in ctx.actor.roles
                                            and ctx.actor.organisation_id == authority.id):
            raise NotPermitted("only an administrator of the authority loads its children")
        report = ImportReport(problems=list(self.tables.problems),
                              notes=list(self.tables.notes))
        today = clock.london(ctx.now).date()
        authorities = _authorities(ctx.session)
        rows_by_child: dict[str, list[EpisodeRow]] = {}
        for row in self.tables.episodes:
            rows_by_child.setdefault(row.child, []).append(row)
        unnamed = 0
        for header in self.tables.header:
            rows = rows_by_child.get(header.child, [])
            child = ctx.session.scalar(select(Child).where(Child.la_child_id == header.child))
            if child is not None and child.responsible_org_id != authority.id:
                report.problems.append(RowProblem(
                    "Header", header.row, f"CHILD {header.child} is another authority's "
                    "child on this service"))
                report.problems += [RowProblem("Episodes", r.row, f"CHILD {header.child} is "
                                               f"not taken (see Header row {header.row})")
                                    for r in rows]
                continue
            if child is None and age_on(header.dob, today) >= 18:
                report.problems.append(RowProblem(
                    "Header", header.row, f"CHILD {header.child} is 18 or over (DOB "
                    f"{header.dob:%d/%m/%Y}): not added"))
                report.problems += [RowProblem("Episodes", r.row, f"CHILD {header.child} is "
                                               f"not taken (see Header row {header.row})")
                                    for r in rows]
                continue
            unnamed += child is None and not (header.first_name and header.last_name)
            done = _import_child(ctx, authority, authorities, header, child, rows, report,
                                 self.source)
            if done == "added":
                report.added += 1
            elif done == "updated":
                report.updated += 1
            else:
                report.unchanged += 1
        if unnamed:
            report.notes.append(
                f"{unnamed} new {'child has' if unnamed == 1 else 'children have'} no name in "
                "the Header file (no FORENAME and SURNAME columns): the record says "
                "\"Child\" and the council's id until someone adds the name.")
        report.problems.sort(key=lambda p: (p.table != "Header", p.row))
        return report


def _authorities(session) -> dict[str, int]:
    """Local authorities by code and by name, in capitals: how PL_LA is matched."""
    found = {}
    for org in session.scalars(select(Organisation).where(
            Organisation.kind == "local_authority")):
        found[org.code.upper()] = org.id
        found[org.name.upper()] = org.id
    return found


def _import_child(ctx, authority, authorities, header: HeaderRow, child: Child | None,
                  rows: list[EpisodeRow], report: ImportReport, source: str) -> str:
    new = child is None
    identity: dict = {}
    if new:
        child = Child(first_name=header.first_name or "Child",
                      last_name=header.last_name or header.child,
                      date_of_birth=header.dob, sex=header.sex, ethnic_code=header.ethnic,
                      upn=header.upn, la_child_id=header.child, legal_status="not_in_care",
                      responsible_org_id=authority.id, flags={}, created_at=ctx.now)
        ctx.session.add(child)
        ctx.session.flush()
    else:
        wanted = {"date_of_birth": header.dob, "sex": header.sex,
                  "ethnic_code": header.ethnic, "upn": header.upn}
        if header.first_name and header.last_name:
            wanted.update(first_name=header.first_name, last_name=header.last_name)
        for name, value in wanted.items():
            old = getattr(child, name)
            if old != value:
                identity[name] = [_plain(old), _plain(value)]
                setattr(child, name, value)
    rows = [r for r in rows if _before_birth(r, header, report)]
    home = next((r.home_post for r in reversed(rows) if r.home_post), None)
    if home is not None and child.home_postcode != home:  # the latest the council holds
        identity["home_postcode"] = [child.home_postcode, home]
        child.home_postcode = home
    periods = []
    for wanted_period in _legal_statuses(rows) + _placements(rows, authorities, report):
        change = _save(ctx, child, wanted_period, authority, report)
        if change is not None:
            periods.append(change)
    if not (new or identity or periods):
        return "unchanged"
    refresh_current(ctx.session, child)
    audit.record(ctx.session, ctx.actor, "child.imported", "child", child.id,
                 child_id=child.id, detail={"new": new, "la_child_id": header.child,
                                            "changes": identity, "periods": periods,
                                            "source": source, "reason": REASON + (
                                                f" ({source})" if source else "")})
    return "added" if new else "updated"


def _before_birth(row: EpisodeRow, header: HeaderRow, report: ImportReport) -> bool:
    if row.decom < header.dob:
        report.problems.append(RowProblem("Episodes", row.row, f"DECOM {row.decom:%d/%m/%Y} "
                                          f"is before the child's DOB {header.dob:%d/%m/%Y}"))
        return False
    return True


def _runs(rows: list[EpisodeRow], key) -> list[list[EpisodeRow]]:
    """Consecutive rows (each starting the day the one before ended) with the same key."""
    runs: list[list[EpisodeRow]] = []
    for row in rows:
        last = runs[-1][-1] if runs else None
        if last is not None and last.dec == row.decom and key(last) == key(row):
            runs[-1].append(row)
        else:
            runs.append([row])
    return runs


def _legal_statuses(rows: list[EpisodeRow]) -> list[_Wanted]:
    out = []
    for run in _runs(rows, lambda r: r.ls):
        first, last = run[0], run[-1]
        out.append(_Wanted("legal_status", first.row, first.decom, last.dec, {
            "legal_status": STATUS_FOR_LS[first.ls], "ls_code": first.ls,
            "cin_code": first.cin, "rne_code": first.rne,
            "rec_code": last.rec if last.rec != CONTINUES else None}))
    return out


def _placements(rows: list[EpisodeRow], authorities: dict[str, int],
                report: ImportReport) -> list[_Wanted]:
    known = []
    for row in rows:
        if row.pl_la is not None and row.pl_la.upper() not in authorities:
            report.problems.append(RowProblem("Episodes", row.row, f"PL_LA {row.pl_la} is not "
                                              "a local authority known here"))
            continue
        known.append(row)
    out = []
    runs = _runs(known, lambda r: (r.place, r.provider, r.urn, r.pl_post, r.pl_la))
    for first, last, after in zip([r[0] for r in runs], [r[-1] for r in runs],
                                  [r[0] for r in runs[1:]] + [None], strict=True):
        where = authorities[first.pl_la.upper()] if first.pl_la else None
        # The next placement's REASON_PLACE_CHANGE says why the child left this one.
        moved = after is not None and after.decom == last.dec
        out.append(_Wanted("placement", first.row, first.decom, last.dec, {
            "placement_type": first.place, "provider_type": first.provider,
            "urn": first.urn, "postcode": first.pl_post, "local_authority_id": where,
            "end_reason": after.reason_place_change if moved else None}))
    return out


MODELS = {"legal_status": LegalStatusPeriod, "placement": Placement}
WORDS = {"legal_status": "legal status", "placement": "placement"}


def _save(ctx, child: Child, wanted: _Wanted, authority, report: ImportReport) -> dict | None:
    """Create the period, or bring the one starting that day up to date; the change made
    (for the audit event), or None when the record already says it."""
    model = MODELS[wanted.kind]
    session = ctx.session
    existing = session.scalar(select(model).where(model.child_id == child.id,
                                                  model.starts_on == wanted.starts_on))
    fields = {k: v for k, v in wanted.fields.items() if v is not None}
    fields["ends_on"] = wanted.ends_on
    if existing is None:
        existing = _same_period_moved(session, model, child, wanted)
        if existing is not None:
            fields["starts_on"] = wanted.starts_on
    if existing is not None:
        changes = {k: [_plain(getattr(existing, k)), _plain(v)] for k, v in fields.items()
                   if getattr(existing, k) != v}
        if not changes:
            return None
        if _overlapping(session, model, child, existing, wanted, report):
            return None
        for name, value in fields.items():
            setattr(existing, name, value)
        existing.changed_by, existing.changed_at = ctx.actor.name, ctx.now
        return {"kind": wanted.kind, "period": existing.id, "new": False,
                "starts_on": wanted.starts_on.isoformat(), "changes": changes}
    if _overlapping(session, model, child, None, wanted, report):
        return None
    ended = _end_open(ctx, model, child, wanted.starts_on)
    row = model(child_id=child.id, changed_by=ctx.actor.name, changed_at=ctx.now,
                starts_on=wanted.starts_on)
    if wanted.kind == "placement":
        row.address = ADDRESS_NOT_GIVEN
        fields.setdefault("local_authority_id", authority.id)
        if fields["local_authority_id"] is None:
            fields["local_authority_id"] = authority.id
    for name, value in fields.items():
        setattr(row, name, value)
    session.add(row)
    session.flush()
    return {"kind": wanted.kind, "period": row.id, "new": True,
            "starts_on": wanted.starts_on.isoformat(), "ended": ended,
            "changes": {k: [None, _plain(v)] for k, v in fields.items() if v is not None}}


# What makes a period the same one when the council has corrected its dates.
SAME = {"legal_status": ("ls_code",),
        "placement": ("placement_type", "provider_type", "urn", "postcode")}


def _same_period_moved(session, model, child, wanted: _Wanted):
    """The one period of the record that overlaps the wanted one and is the same in
    everything but its dates (the council corrected a start date), if there is one."""
    far = dt.date.max
    found = [row for row in session.scalars(select(model).where(
        model.child_id == child.id, model.starts_on < (wanted.ends_on or far),
        or_(model.ends_on.is_(None), model.ends_on > wanted.starts_on)))
        if all(getattr(row, name) == wanted.fields.get(name) for name in SAME[wanted.kind])]
    return found[0] if len(found) == 1 else None


def _overlapping(session, model, child, row, wanted: _Wanted, report) -> bool:
    """Whether another period of the record overlaps the wanted one (an open one that
    started before it is ended by it instead, as when a worker records a move)."""
    far = dt.date.max
    others = session.scalars(select(model).where(
        model.child_id == child.id, model.id != (row.id if row is not None else -1),
        model.starts_on < (wanted.ends_on or far),
        or_(model.ends_on.is_(None), model.ends_on > wanted.starts_on))).all()
    for other in others:
        if row is None and other.ends_on is None and other.starts_on < wanted.starts_on:
            continue
        until = f"{other.ends_on:%d/%m/%Y}" if other.ends_on else "now"
        report.problems.append(RowProblem(
            "Episodes", wanted.row, f"the {WORDS[wanted.kind]} from "
            f"{wanted.starts_on:%d/%m/%Y} overlaps the {WORDS[wanted.kind]} from "
            f"{other.starts_on:%d/%m/%Y} to {until} already on the record"))
        return True
    return False


def _end_open(ctx, model, child, starts_on) -> int | None:
    other = ctx.session.scalar(select(model).where(
        model.child_id == child.id, model.ends_on.is_(None), model.starts_on < starts_on))
    if other is None:
        return None
    other.ends_on = starts_on
    other.changed_by, other.changed_at = ctx.actor.name, ctx.now
    return other.id


def _plain(value):
    return value.isoformat() if isinstance(value, dt.date) else value

