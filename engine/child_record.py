"""The child's record over time, and the facts the procedure's decisions read from it.

The record is kept as dated periods (legal status = periods of care, placements,
allocations) and a history of flag changes; `Child`'s own legal_status, host_org_id,
placement, social_worker_id, iro_id and flags are its current state, rewritten here by
every change so that visibility queries stay simple. Every change is a command run by
`engine.executor.run`: checked, revision-checked against the child, audited.

Where a placement lies, and who the social worker works for, is judged against the
partnership setting (`PartnershipOrganisation`: "our" authorities and police forces):
placed in our area by us, placed out of area by us (R11), placed here by another
authority (R12, R13, R23), or not placed. `facts()` gives the names the diagrams read
(docs/conventions.md); `runtime` refreshes them into a case's waiting tasks whenever a
command loads the case, so a decision reads the record as it is when it is taken.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified

from . import audit, caches, clock
from .errors import Conflict, InvalidInput, NotFound, NotPermitted
from .models import (
    Allocation,
    Case,
    Child,
    ChildFlagChange,
    Episode,
    LegalStatusPeriod,
    Organisation,
    PartnershipOrganisation,
    Placement,
    User,
    WorkItem,
)

LEGAL_STATUSES = {
    "not_in_care": "Not in care",
    "s20": "Accommodated under section 20",
    "interim_care_order": "Interim care order",
    "care_order": "Care order",
    "s21_pace": "Section 21 (PACE transfer)",
    "remand": "Remanded to local authority accommodation",
    "other": "Other legal status",
}
# DfE SSDA903 LS codes: the default for each status, and what each code means here.
LS_FOR_STATUS = {"s20": "V2", "interim_care_order": "C1", "care_order": "C2",
                 "s21_pace": "J2", "remand": "J1"}
STATUS_FOR_LS = {"C1": "interim_care_order", "C2": "care_order", "V2": "s20", "V3": "s20",
                 "V4": "s20", "J1": "remand", "J2": "s21_pace", "J3": "other", "D1": "other",
                 "E1": "other", "L1": "other", "L2": "other", "L3": "other"}
CIN_CODES = {f"N{i}" for i in range(1, 10)}
RNE_CODES = {"S", "L", "P", "T", "U", "B"}
REC_CODES = {"E11", "E12", "E13", "E14", "E15", "E16", "E17", "E2", "E3", "E41", "E45",
             "E46", "E47", "E48", "E4A", "E4B", "E5", "E6", "E7", "E8", "E9", "X1"}
# The DfE's 2025-26 placement codes: exactly those the validator's rule 146 accepts. Words
# from the record's earlier list and, for the new codes, from the validator's own messages
# (rules 371 and 710: supported accommodation; 375, 376 and 379: the temporary placements;
# Z11 to Z14 replace Z1, "other placement"). T2 and Z11 to Z14 have no finer words there,
# so their code is named beside the words.
PLACEMENT_TYPES = {
    "K1": "Secure children's home", "K2": "Children's home",
    "K3": "Supported accommodation", "P1": "Placed with parents",
    "P3": "Residential employment", "R1": "Residential care home",
    "R2": "NHS or health provision", "R3": "Family centre or mother and baby unit",
    "R5": "Young offender institution or prison", "S1": "All residential schools",
    "T0": "Temporary: other", "T1": "Temporary: hospitalisation",
    "T2": "Temporary placement (T2)", "T3": "Temporary: holiday of the usual foster carers",
    "T4": "Temporary: unspecified reason, seven days or less",
    "U1": "Foster placement with relative or friend (long term)",
    "U2": "Foster placement with relative or friend (FFA)",
    "U3": "Foster placement with relative or friend (not long term)",
    "U4": "Foster placement with other foster carer (long term)",
    "U5": "Foster placement with other foster carer (FFA)",
    "U6": "Foster placement with other foster carer (not long term)",
    "Z11": "Other placement (Z11)", "Z12": "Other placement (Z12)",
    "Z13": "Other placement (Z13)", "Z14": "Other placement (Z14)",
    "A3": "Placed for adoption (consent)",
    "A4": "Placed for adoption (order)", "A5": "Placed for adoption with former foster carer",
    "A6": "Placed for adoption (not with former foster carer)",
}
PROVIDER_TYPES = {"PR0": "Parent or other person with parental responsibility",
                  "PR1": "Own provision by the local authority",
                  "PR2": "Other local authority provision",
                  "PR3": "Other public provision", "PR4": "Private provision",
                  "PR5": "Voluntary or third sector provision"}
SEXES = {"M": "Male", "F": "Female", "U": "Not known or not stated"}
ETHNIC_CODES = {
    "WBRI": "White British", "WIRI": "White Irish", "WOTH": "Any other White background",
    "WIRT": "Traveller of Irish heritage", "WROM": "Gypsy or Roma",
    "MWBC": "White and Black Caribbean", "MWBA": "White and Black African",
    "MWAS": "White and Asian", "MOTH": "Any other mixed background", "AIND": "Indian",
    "APKN": "Pakistani", "ABAN": "Bangladeshi", "AOTH": "Any other Asian background",
    "BCRB": "Black Caribbean", "BAFR": "Black African",
    "BOTH": "Any other Black background", "CHNE": "Chinese",
    "OOTH": "Any other ethnic group", "REFU": "Declined to give",
    "NOBT": "Not yet obtained",
}
RESTRICTION_GROUNDS = {
    "no_leave": "Passed immigration control without leave",
    "left_border_force": "Left Border Force accommodation without permission",
    "temporary_admission": "Temporary admission, release or bail",
    "restriction_order": "Subject to a restriction order",
    "deport_notice": "Notice of liability to deport",
    "offender_dependant": "Dependant of a foreign national offender under consideration",
}
CE_LEVELS = ("low", "medium", "high")
# Each flag, what it holds and its words. A flag set to None or False is not set.
FLAGS = {
    "ce_risk": ("bool", "At risk of child exploitation"),
    "ce_risk_level": ("level", "Level of exploitation risk"),
    "learning_needs": ("bool", "Learning needs or disability"),
    "mental_health": ("bool", "Mental health needs"),
    "uasc": ("bool", "Unaccompanied asylum-seeking child"),
    "migrant": ("bool", "Migrant child"),
    "looked_after_since": ("date", "Looked after since"),
    "subject_to_restriction": ("bool", "Subject to immigration restriction"),
    "restriction_ground": ("ground", "Ground of the immigration restriction"),
    "care_experienced_16_17": ("bool", "Care experienced, aged 16 or 17"),
    "child_protection_plan": ("bool", "On a child protection plan"),
    "early_help": ("bool", "Receiving Early Help"),
    "location_withheld": ("bool", "Location withheld from enquirers"),
    "safeguarding_hub_referral": ("bool", "Referred to the Safeguarding Hub"),
    "notified_by_other_authority": ("bool", "Notified missing by another authority"),
}
DIRECTIONS = {
    "in_area": "Placed in our area by us",
    "out_of_area": "Placed out of area by us",
    "placed_here": "Placed here by another authority",
    "elsewhere": "Another authority's child placed outside our area",
    "not_placed": "Not placed",
}
ALLOCATION_ROLES = {"social_worker": "Social worker", "iro": "IRO"}
# Who keeps the record (R2): they may change it; others who may see the child may not.
RECORD_ROLES = frozenset({"social_worker", "team_manager", "mach", "admin"})
# The names the diagrams read from the record (docs/conventions.md, PLAN interface 1).
FACT_NAMES = (
    "child_age", "in_care", "legal_status", "ce_risk", "ce_risk_level", "learning_needs",
    "mental_health", "uasc", "migrant", "looked_after_days", "subject_to_restriction",
    "restriction_ground", "care_experienced_16_17", "child_protection_plan", "early_help",
    "location_withheld", "open_to_social_worker", "placed_out_of_area",
    "placed_by_other_authority", "placed_in_area",
)


# --- reading the record --------------------------------------------------------------

def age_on(date_of_birth: dt.date, when: dt.date) -> int:
    years = when.year - date_of_birth.year
    if (when.month, when.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


def partnership(session) -> tuple[set[int], set[int]]:
    """(our local authority ids, our police force ids)."""
    rows = caches.partnership_rows(session)  # read on every step of every case
    return ({i for i, kind in rows if kind == "local_authority"},
            {i for i, kind in rows if kind == "police"})


def partnership_name(session) -> str | None:
    """The partnership's name for the header, "Westmorland and Furness Council and Cumbria
    Constabulary": its authorities, then its police forces. None until it is set."""
    names = session.scalars(select(Organisation.name).join(
        PartnershipOrganisation, PartnershipOrganisation.organisation_id == Organisation.id)
        .order_by(Organisation.kind, Organisation.name)).all()
    if not names:
        return None
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def our_authorities(session, child: Child) -> set[int]:
    """Our local authorities. Until an administrator sets the partnership, the child's
    responsible authority counts as ours: nobody is then "placed here by another
    authority", but a placement elsewhere is still out of area."""
    ours, _ = partnership(session)
    return ours or {child.responsible_org_id}


def _covering(rows, on: dt.date):
    for row in rows:
        if row.starts_on <= on and (row.ends_on is None or on < row.ends_on
                                    or (on == row.ends_on == row.starts_on)):
            return row
    return None


def _periods(session, model, child_id: int, *where, role: str | None = None):
    """The child's dated periods of `model` in date order (of allocations, in `role`)."""
    ahead = session.info.get(_READ_AHEAD)
    if ahead is not None and child_id in ahead["children"] and not where:
        return [row for row in ahead["rows"].get((model, child_id), ())
                if role is None or row.role == role]
    if role is not None:
        where = (*where, model.role == role)
    return list(session.scalars(select(model).where(model.child_id == child_id, *where)
                                .order_by(model.starts_on, model.id)))


_READ_AHEAD = "child_record_read_ahead"


@contextmanager
def periods_read_ahead(session, child_ids):
    """Inside the block, the dated periods (legal statuses, placements, allocations) of
    these children come from three statements made here for all of them, not from one
    or more per child whose facts are read: for a caller that reads many children's facts
    in a row and changes no record meanwhile (the timer worker's batch, issue 16)."""
    ids = set(child_ids)
    rows: dict[tuple, list] = {}
    for model in (LegalStatusPeriod, Placement, Allocation):
        for row in session.scalars(select(model).where(model.child_id.in_(ids))
                                   .order_by(model.child_id, model.starts_on, model.id)):
            rows.setdefault((model, row.child_id), []).append(row)
    session.info[_READ_AHEAD] = {"children": ids, "rows": rows}
    try:
        yield
    finally:
        session.info.pop(_READ_AHEAD, None)


def legal_status_on(session, child: Child, on: dt.date) -> str:
    """The legal status that day. A record without any dated period (written before
    periods were kept) keeps its single current value."""
    rows = _periods(session, LegalStatusPeriod, child.id)
    if not rows:
        return child.legal_status
    row = _covering(rows, on)
    return row.legal_status if row is not None else "not_in_care"


def placement_on(session, child: Child, on: dt.date) -> Placement | None:
    return _covering(_periods(session, Placement, child.id), on)


def placement_authority_on(session, child: Child, on: dt.date) -> int | None:
    rows = _periods(session, Placement, child.id)
    if not rows:  # before dated placements: the host authority, else the responsible one
        if child.host_org_id is None and not child.placement:
            return None
        return child.host_org_id or child.responsible_org_id
    row = _covering(rows, on)
    return row.local_authority_id if row is not None else None


def allocated_on(session, child: Child, role: str, on: dt.date) -> int | None:
    """The user allocated to the child in `role` (social_worker, iro) that day."""
    rows = _periods(session, Allocation, child.id, role=role)
    if not rows:
        return child.social_worker_id if role == "social_worker" else (
            child.iro_id if role == "iro" else None)
    row = _covering(rows, on)
    return row.user_id if row is not None else None


def direction(session, child: Child, on: dt.date, ours: set[int] | None = None,
              status: str | None = None) -> str:
    """Where the child is placed, seen from our partnership (see DIRECTIONS). `status`: the
    legal status that day, when the caller has read it already."""
    if (status or legal_status_on(session, child, on)) == "not_in_care":
        return "not_placed"
    where = placement_authority_on(session, child, on)
    if where is None:
        return "not_placed"
    ours = our_authorities(session, child) if ours is None else ours
    ours_responsible = child.responsible_org_id in ours
    if ours_responsible:
        return "in_area" if where in ours else "out_of_area"
    return "placed_here" if where in ours else "elsewhere"


def open_to_social_worker(session, child: Child, on: dt.date,
                          ours: set[int] | None = None, status: str | None = None) -> str:
    """R8, R25: "here" when the allocated social worker works for one of our authorities
    (wherever the child is placed), "elsewhere" when they work for another authority, or
    when another authority looks after the child (a looked-after child always has a
    social worker there) and none of ours is allocated; "no" otherwise."""
    ours = our_authorities(session, child) if ours is None else ours
    worker_id = allocated_on(session, child, "social_worker", on)
    if worker_id is not None:
        org = session.scalar(select(User.organisation_id).where(User.id == worker_id))
        return "here" if org in ours else "elsewhere"
    if child.responsible_org_id not in ours and \
            (status or legal_status_on(session, child, on)) != "not_in_care":
        return "elsewhere"
    return "no"


def looked_after_since(session, child: Child, on: dt.date) -> dt.date | None:
    """The flag when recorded, else the start of the unbroken run of periods of care
    that covers `on` (consecutive periods form one period of care)."""
    since = (child.flags or {}).get("looked_after_since")
    if since:
        return dt.date.fromisoformat(since)
    rows = [r for r in _periods(session, LegalStatusPeriod, child.id)
            if r.legal_status != "not_in_care"]
    current = _covering(rows, on)
    if current is None:
        return None
    start = current.starts_on
    for row in reversed(rows):
        if row.ends_on is not None and row.ends_on >= start and row.starts_on < start:
            start = row.starts_on
    return start


def facts(session, child: Child, episode: Episode | None = None,
          at: dt.datetime | None = None) -> dict:
    """The child's facts as the record says at `at` (now by default), under the names the
    diagrams read. Age and days looked after are taken at the episode's start (R2: a
    17-year-old who turns 18 while missing stays in the episode)."""
    at = at or clock.now()
    on = clock.london(at).date()
    start = clock.london(episode.last_seen_at).date() if episode is not None else on
    flags = child.flags or {}
    ours = our_authorities(session, child)
    status = legal_status_on(session, child, on)
    in_care = status != "not_in_care"
    placed = direction(session, child, on, ours, status)  # one read of the periods
    since = looked_after_since(session, child, start) if in_care else None
    return {
        "child_age": age_on(child.date_of_birth, start),
        "in_care": in_care,
        "legal_status": status,
        "ce_risk": bool(flags.get("ce_risk")),
        "ce_risk_level": flags.get("ce_risk_level") if flags.get("ce_risk") else None,
        "learning_needs": bool(flags.get("learning_needs")),
        "mental_health": bool(flags.get("mental_health")),
        "uasc": bool(flags.get("uasc")),
        "migrant": bool(flags.get("migrant")),
        "looked_after_days": (start - since).days if since is not None else None,
        "subject_to_restriction": bool(flags.get("subject_to_restriction")),
        "restriction_ground": flags.get("restriction_ground")
        if flags.get("subject_to_restriction") else None,
        "care_experienced_16_17": bool(flags.get("care_experienced_16_17")),
        "child_protection_plan": bool(flags.get("child_protection_plan")),
        "early_help": bool(flags.get("early_help")),
        "location_withheld": bool(flags.get("location_withheld")),
        "open_to_social_worker": open_to_social_worker(session, child, on, ours, status),
        "placed_out_of_area": placed == "out_of_area",
        "placed_by_other_authority": placed == "placed_here",
        "placed_in_area": placed == "in_area",
    }


def summary(session, child: Child, at: dt.datetime | None = None) -> dict:
    """What a page says about the record now: direction and "open to" in words."""
    on = clock.london(at or clock.now()).date()
    return {"direction": direction(session, child, on),
            "open_to_social_worker": open_to_social_worker(session, child, on),
            "legal_status": legal_status_on(session, child, on),
            "placement": placement_on(session, child, on),
            "social_worker_id": allocated_on(session, child, "social_worker", on),
            "iro_id": allocated_on(session, child, "iro", on)}


# --- changing the record ---------------------------------------------------------------

def _child_for_change(ctx, child_id: int, expected_revision: int | None) -> Child:
    if not (ctx.actor.is_system or ctx.actor.roles & RECORD_ROLES):
        raise NotPermitted("your role cannot change a child's record")
    child = ctx.session.get(Child, child_id, with_for_update=True)
    if child is None:
        raise NotFound(f"there is no child {child_id}")
    if expected_revision is not None and child.revision != expected_revision:
        raise Conflict("someone else changed this record since you opened it; "
                       "reload it and make your change again")
    return child


def _need_reason(reason: str, errors: dict) -> str:
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = ["Say why the record is changing"]
    return reason


def refresh_current(session, child: Child, on: dt.date | None = None) -> None:
    """Rewrite the child's current-state fields from the periods, and bump its revision
    (the row is always rewritten, so a concurrent change of the same record conflicts)."""
    on = on or clock.london(clock.now()).date()
    if _periods(session, LegalStatusPeriod, child.id):
        child.legal_status = legal_status_on(session, child, on)
    placements = _periods(session, Placement, child.id)
    if placements:
        current = _covering(placements, on)
        child.host_org_id = current.local_authority_id if current else None
        child.placement = current.address if current else None
    for role, attr in (("social_worker", "social_worker_id"), ("iro", "iro_id")):
        if _periods(session, Allocation, child.id, role=role):
            setattr(child, attr, allocated_on(session, child, role, on))
    flag_modified(child, "flags")


def _check_flag(flag: str, value):
    """The value stored for `flag`, or InvalidInput naming the flag."""
    if flag not in FLAGS:
        raise InvalidInput(f"there is no flag '{flag}'", {"flag": ["Choose a flag"]})
    kind = FLAGS[flag][0]
    if value in (None, "", False):
        return None
    if kind == "bool":
        if value not in (True, "true", "yes", "on", 1):
            raise InvalidInput("a yes/no flag", {flag: ["Select yes or no"]})
        return True
    if kind == "level":
        if value not in CE_LEVELS:
            raise InvalidInput("unknown level", {flag: ["Select low, medium or high"]})
        return value
    if kind == "ground":
        if value not in RESTRICTION_GROUNDS:
            raise InvalidInput("unknown ground", {flag: ["Select the ground (R37)"]})
        return value
    try:
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput("not a date", {flag: ["Enter a real date"]}) from None
    if day > clock.london(clock.now()).date():
        raise InvalidInput("a date in the future", {flag: ["The date must not be in the "
                                                           "future"]})
    return day.isoformat()


def set_flag(ctx, child_id: int, flag: str, value, reason: str) -> None:
    """Set (or clear, with None/False) one flag on the child's record, with who, when and
    why; audited, in the calling command's transaction (PLAN interface 2). The procedure
    calls it too (R43: location withheld), so it checks the flag, not the actor's role."""
    child = ctx.session.get(Child, child_id)
    if child is None:
        raise NotFound(f"there is no child {child_id}")
    errors: dict = {}
    reason = _need_reason(reason, errors)
    if errors:
        raise InvalidInput("say why the flag changes", errors)
    stored = _check_flag(flag, value)
    flags = dict(child.flags or {})
    old = flags.get(flag)
    if old == stored:
        return
    if stored is None:
        flags.pop(flag, None)
    else:
        flags[flag] = stored
    child.flags = flags
    flag_modified(child, "flags")
    ctx.session.add(ChildFlagChange(child_id=child.id, flag=flag, value=stored, reason=reason,
                                    changed_by_id=ctx.actor.user_id,
                                    changed_by=ctx.actor.name, changed_at=ctx.now))
    audit.record(ctx.session, ctx.actor, "child.flag_set", "child", child.id,
                 child_id=child.id, detail={"flag": flag, "from": old, "to": stored,
                                            "value": stored, "before": old,
                                            "reason": reason})
    from . import placement_duties

    if flag in placement_duties.RISK_FLAGS:
        # R12: a change of risk asks for an update of the Philomena Protocol form
        placement_duties.tell_placement_cases(ctx, child.id, "placement_risk_changed")


@dataclass
class SetFlags:
    """Change several flags at once (the record page's flag form)."""

    child_id: int
    values: dict
    reason: str
    expected_revision: int | None = None

    def __call__(self, ctx) -> Child:
        child = _child_for_change(ctx, self.child_id, self.expected_revision)
        errors: dict = {}
        _need_reason(self.reason, errors)
        for flag, value in self.values.items():
            try:
                _check_flag(flag, value)
            except InvalidInput as exc:
                errors.update(exc.errors)
        merged = {**(child.flags or {}), **self.values}
        if merged.get("ce_risk_level") and not merged.get("ce_risk"):
            errors["ce_risk_level"] = ["A level needs the exploitation risk flag set"]
        if merged.get("restriction_ground") and not merged.get("subject_to_restriction"):
            errors["restriction_ground"] = ["A ground needs the restriction flag set"]
        if errors:
            raise InvalidInput("the flags have errors", errors)
        for flag, value in self.values.items():
            set_flag(ctx, child.id, flag, value, self.reason)
        refresh_current(ctx.session, child)
        return child


@dataclass
class UpdateIdentity:
    """Names, date of birth, sex, ethnicity, UPN and the council's child id (R2)."""

    child_id: int
    values: dict
    reason: str
    expected_revision: int | None = None

    FIELDS = ("first_name", "last_name", "date_of_birth", "sex", "ethnic_code", "upn",
              "la_child_id", "responsible_org_id")

    def __call__(self, ctx) -> Child:
        child = _child_for_change(ctx, self.child_id, self.expected_revision)
        errors: dict = {}
        reason = _need_reason(self.reason, errors)
        values = check_identity(ctx.session, self.values, errors, child_id=child.id,
                                now=ctx.now)
        if errors:
            raise InvalidInput("the child's details have errors", errors)
        changes = {}
        for name, value in values.items():
            old = getattr(child, name)
            if old != value:
                changes[name] = [_plain(old), _plain(value)]
                setattr(child, name, value)
        if changes:
            refresh_current(ctx.session, child)
            audit.record(ctx.session, ctx.actor, "child.identity_changed", "child", child.id,
                         child_id=child.id, detail={"changes": changes, "reason": reason})
        return child


def check_identity(session, values: dict, errors: dict, *, child_id=None, now=None) -> dict:
    """The identity fields given in `values`, checked; problems go into `errors`."""
    now = now or clock.now()
    out = {}
    for name in ("first_name", "last_name"):
        if name in values:
            text = (values[name] or "").strip()
            if not text:
                errors[name] = [f"Enter the child's {name.replace('_', ' ')}"]
            elif len(text) > 200:
                errors[name] = ["Use 200 characters or fewer"]
            out[name] = text
    if "date_of_birth" in values:
        dob = values["date_of_birth"]
        if isinstance(dob, str):
            try:
                dob = dt.date.fromisoformat(dob)
            except ValueError:
                dob = None
        if dob is None:
            errors["date_of_birth"] = ["Enter the child's date of birth"]
        elif dob > clock.london(now).date():
            errors["date_of_birth"] = ["Date of birth must be in the past"]
        out["date_of_birth"] = dob
    if "sex" in values:
        if values["sex"] not in SEXES:
            errors["sex"] = ["Select male, female or not known"]
        out["sex"] = values["sex"]
    if "ethnic_code" in values:
        code = values["ethnic_code"] or "NOBT"
        if code not in ETHNIC_CODES:
            errors["ethnic_code"] = ["Select the child's ethnicity, or not recorded"]
        out["ethnic_code"] = code
    if "upn" in values:
        upn = (values["upn"] or "").strip().upper() or None
        if upn is not None and not (len(upn) == 13 and upn[0].isalpha()
                                    and upn[1:12].isdigit() and upn[12].isalnum()):
            errors["upn"] = ["A unique pupil number is a letter, 11 digits and a letter or "
                             "digit (13 characters), or leave it blank"]
        out["upn"] = upn
    if "la_child_id" in values:
        la_id = (values["la_child_id"] or "").strip() or None
        if la_id is not None:
            other = session.scalar(select(Child.id).where(Child.la_child_id == la_id))
            if other is not None and other != child_id:
                errors["la_child_id"] = ["Another child already has this council id"]
            if len(la_id) > 20:
                errors["la_child_id"] = ["Use 20 characters or fewer"]
        out["la_child_id"] = la_id
    if "responsible_org_id" in values:
        org = _organisation(session, values["responsible_org_id"])
        if org is None or org.kind != "local_authority":
            errors["responsible_org_id"] = ["Select the responsible local authority"]
        out["responsible_org_id"] = org.id if org else None
    return out


def _organisation(session, org_id) -> Organisation | None:
    try:
        return session.get(Organisation, int(org_id)) if org_id not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _plain(value):
    return value.isoformat() if isinstance(value, dt.date) else value


def _day(value, name: str, errors: dict, *, required: bool) -> dt.date | None:
    if value in (None, ""):
        if required:
            errors[name] = ["Enter the date"]
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        errors[name] = ["Enter a real date"]
        return None


PERIOD_MODELS = {"legal_status": LegalStatusPeriod, "placement": Placement,
                 "allocation": Allocation}
PERIOD_WORDS = {"legal_status": "legal status", "placement": "placement",
                "allocation": "allocation"}


@dataclass
class SavePeriod:
    """Add a dated period to the record, or change one (`period_id`). `kind` is
    legal_status, placement or allocation. A new period that starts after the start of
    the open one of its kind ends that one on its start day (the usual move to a new
    placement); any other overlap is refused."""

    child_id: int
    kind: str
    values: dict = field(default_factory=dict)
    reason: str = ""
    period_id: int | None = None
    expected_revision: int | None = None

    def __call__(self, ctx):
        child = _child_for_change(ctx, self.child_id, self.expected_revision)
        if self.kind not in PERIOD_MODELS:
            raise InvalidInput(f"there is no kind of period '{self.kind}'",
                               {"kind": ["Choose what to change"]})
        model = PERIOD_MODELS[self.kind]
        errors: dict = {}
        reason = (self.reason or "").strip()
        if self.period_id is not None and not reason:
            errors["reason"] = ["Say why the record is changing"]
        row = None
        if self.period_id is not None:
            row = ctx.session.get(model, self.period_id)
            if row is None or row.child_id != child.id:
                raise NotFound(f"there is no such {PERIOD_WORDS[self.kind]} on this record")
        values = dict(self.values)
        starts = _day(values.get("starts_on"), "starts_on", errors, required=True)
        ends = _day(values.get("ends_on"), "ends_on", errors, required=False)
        if starts and ends and ends < starts:
            errors["ends_on"] = ["The end date must be the same as or after the start date"]
        if starts and starts < child.date_of_birth:
            errors["starts_on"] = ["The start date must not be before the date of birth"]
        fields = getattr(self, f"_check_{self.kind}")(ctx.session, values, errors)
        role = fields.get("role")
        if starts and not errors:
            self._check_overlap(ctx.session, model, child, row, starts, ends, role, errors)
        if errors:
            raise InvalidInput(f"the {PERIOD_WORDS[self.kind]} has errors", errors)
        closed = self._close_open(ctx, model, child, row, starts, role)
        before = _row_dict(row) if row is not None else None
        if row is None:
            row = model(child_id=child.id)
            ctx.session.add(row)
        row.starts_on, row.ends_on = starts, ends
        for name, value in fields.items():
            setattr(row, name, value)
        row.changed_by, row.changed_at = ctx.actor.name, ctx.now
        ctx.session.flush()
        refresh_current(ctx.session, child)
        after = _row_dict(row)
        changes = {k: [before.get(k) if before else None, v] for k, v in after.items()
                   if not before or before.get(k) != v}
        audit.record(ctx.session, ctx.actor, f"child.{self.kind}_saved", "child", child.id,
                     child_id=child.id, detail={"period": row.id, "changes": changes,
                                                "reason": reason, "new": before is None,
                                                "ended": closed})
        if self.kind == "allocation":
            _give_open_items(ctx, child, row)
        if self.kind == "placement":
            from . import placement_duties

            if before is None:
                # R12: the placement this one replaces ends, and with it its Philomena
                # updates; the new placement starts its own duties (the form)
                placement_duties.tell_placement_cases(ctx, child.id, "placement_ended")
                placement_duties.on_new_placement(ctx, child, row)
            if row.ends_on is not None and (before is None or before.get("ends_on") is None):
                # R12: an end recorded on the placement stops its Philomena updates
                placement_duties.tell_placement_cases(ctx, child.id, "placement_ended",
                                                      placement_id=row.id)
        return row

    def _check_legal_status(self, session, values, errors) -> dict:
        status = values.get("legal_status")
        if status not in LEGAL_STATUSES or status == "not_in_care":
            errors["legal_status"] = ["Select the legal status (end the period when care "
                                      "ends)"]
        ls = (values.get("ls_code") or LS_FOR_STATUS.get(status) or "").strip().upper() or None
        if ls is None and status == "other":
            errors["ls_code"] = ["Give the DfE legal status code for another legal status"]
        elif ls is not None and ls not in STATUS_FOR_LS:
            errors["ls_code"] = ["Enter a DfE legal status code, such as C2 or V2"]
        out = {"legal_status": status, "ls_code": ls}
        for name, codes in (("cin_code", CIN_CODES), ("rne_code", RNE_CODES),
                            ("rec_code", REC_CODES)):
            code = (values.get(name) or "").strip().upper() or None
            if code is not None and code not in codes:
                errors[name] = ["Enter a DfE code from the list, or leave it blank"]
            out[name] = code
        return out

    def _check_placement(self, session, values, errors) -> dict:
        address = (values.get("address") or "").strip()
        if not address:
            errors["address"] = ["Enter the establishment or address"]
        org = _organisation(session, values.get("local_authority_id"))
        if org is None or org.kind != "local_authority":
            errors["local_authority_id"] = ["Select the local authority the placement is in"]
        out = {"address": address[:500], "local_authority_id": org.id if org else None}
        for name, codes in (("placement_type", PLACEMENT_TYPES),
                            ("provider_type", PROVIDER_TYPES)):
            code = (values.get(name) or "").strip().upper() or None
            if code is not None and code not in codes:
                errors[name] = ["Select from the list, or leave it blank"]
            out[name] = code
        provider = values.get("provider_org_id")
        if provider not in (None, ""):
            found = _organisation(session, provider)
            if found is None:
                errors["provider_org_id"] = ["Select the provider from the list"]
            out["provider_org_id"] = found.id if found else None
        else:
            out["provider_org_id"] = None
        postcode = (values.get("postcode") or "").strip().upper() or None
        if postcode is not None and not (5 <= len(postcode) <= 8):
            errors["postcode"] = ["Enter a full postcode, or leave it blank"]
        urn = (values.get("urn") or "").strip() or None
        if urn is not None and len(urn) > 10:
            errors["urn"] = ["An Ofsted URN has at most 10 characters"]
        out.update(postcode=postcode, urn=urn)
        return out

    def _check_allocation(self, session, values, errors) -> dict:
        role = values.get("role")
        if role not in ALLOCATION_ROLES:
            errors["role"] = ["Select social worker or IRO"]
            return {"role": role, "user_id": None}
        user = None
        try:
            user = session.get(User, int(values.get("user_id")))
        except (TypeError, ValueError):
            pass
        if user is None or not user.active:
            errors["user_id"] = [f"Select the {ALLOCATION_ROLES[role]}"]
        elif role not in user.role_keys:
            errors["user_id"] = [f"{user.name} does not hold the "
                                 f"{ALLOCATION_ROLES[role]} role"]
        return {"role": role, "user_id": user.id if user else None}

    def _others(self, session, model, child, row, role):
        where = [model.id != row.id] if row is not None else []
        if model is Allocation:
            where.append(Allocation.role == role)
        return _periods(session, model, child.id, *where)

    def _check_overlap(self, session, model, child, row, starts, ends, role, errors):
        far = dt.date.max
        for other in self._others(session, model, child, row, role):
            if row is None and other.ends_on is None and other.starts_on < starts:
                continue  # ended on this one's start by _close_open
            if starts < (other.ends_on or far) and other.starts_on < (ends or far):
                until = other.ends_on.strftime("%-d %B %Y") if other.ends_on else "now"
                errors["starts_on"] = [
                    f"This overlaps the {PERIOD_WORDS[self.kind]} from "
                    f"{other.starts_on.strftime('%-d %B %Y')} to {until}: end that one "
                    "first or change the dates"]
                return

    def _close_open(self, ctx, model, child, row, starts, role) -> int | None:
        if row is not None:
            return None
        for other in self._others(ctx.session, model, child, None, role):
            if other.ends_on is None and other.starts_on < starts:
                other.ends_on = starts
                other.changed_by, other.changed_at = ctx.actor.name, ctx.now
                return other.id
        return None


def _row_dict(row) -> dict:
    return {c.key: _plain(getattr(row, c.key)) for c in row.__table__.columns
            if c.key not in ("id", "child_id", "changed_by", "changed_at")}


def _give_open_items(ctx, child: Child, allocation: Allocation) -> None:
    """The newly allocated worker takes the child's open items of their role that nobody
    has taken, or that the previous allocated worker held (R8, R14)."""
    today = clock.london(ctx.now).date()
    current = allocated_on(ctx.session, child, allocation.role, today)
    if current != allocation.user_id:
        return
    items = ctx.session.scalars(select(WorkItem).join(Case, WorkItem.case_id == Case.id).where(
        Case.child_id == child.id, Case.status == "running", WorkItem.state == "open",
        WorkItem.role == allocation.role)).all()
    moved = []
    for item in items:
        if item.assignee_id in (None, allocation.user_id):
            if item.assignee_id is None:
                item.assignee_id = allocation.user_id
                moved.append(item.id)
    if moved:
        audit.record(ctx.session, ctx.actor, "work_item.reassigned", "child", child.id,
                     child_id=child.id, detail={"work_items": moved,
                                                "to": allocation.user_id,
                                                "reason": "allocated to the child"})


@dataclass
class SetPartnership:
    """Which local authorities and police forces are ours (administrators)."""

    organisation_ids: list[int]

    def __call__(self, ctx) -> list[int]:
        if not (ctx.actor.is_system or "admin" in ctx.actor.roles):
            raise NotPermitted("only administrators change the partnership")
        wanted = set()
        for org_id in self.organisation_ids:
            org = _organisation(ctx.session, org_id)
            if org is None or org.kind not in ("local_authority", "police"):
                raise InvalidInput("not a local authority or police force",
                                   {"organisation_ids": ["Choose local authorities and "
                                                         "police forces only"]})
            wanted.add(org.id)
        if not any(ctx.session.get(Organisation, i).kind == "local_authority" for i in wanted):
            raise InvalidInput("no local authority", {"organisation_ids": [
                "Choose at least one local authority"]})
        rows = {r.organisation_id: r for r in ctx.session.scalars(
            select(PartnershipOrganisation))}
        for org_id in set(rows) - wanted:
            ctx.session.delete(rows[org_id])
        for org_id in wanted - set(rows):
            ctx.session.add(PartnershipOrganisation(organisation_id=org_id,
                                                    added_by=ctx.actor.name,
                                                    added_at=ctx.now))
        if wanted != set(rows):
            audit.record(ctx.session, ctx.actor, "partnership.changed", "partnership", None,
                         detail={"from": sorted(rows), "to": sorted(wanted)})
        return sorted(wanted)
