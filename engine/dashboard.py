"""The managers' figures (R45): statutory deadlines per clock, what is happening now, and
the patterns partnership reports show. Aggregated in SQL over the projections (work items
with their clock, due and completion times) and the child's record (children, episodes),
never by loading case state.

`visible` is a `select(Child.id)` of the children the viewer may see (the web app's one
visibility helper); every figure counts only those children.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import and_, case, func, or_, select

from . import clock
from .models import Case, Child, Episode, Organisation, ReturnCheck, WorkItem

# The statutory clocks (docs/conventions.md) in the order managers read them, in words.
CLOCKS = {
    "grading": "Risk graded",
    "high_risk_deployment": "High-risk response deployed",
    "low_risk_review": "Low-risk review within 2 hours",
    "action_plan": "Action plan agreed",
    "daily_contact": "Daily contact with the family",
    "strategy_meeting": "Strategy meeting within 48 hours",
    "need_to_know": "Need-to-know report within 48 hours",
    "lead_member": "Lead Member told within 7 days",
    "rhi": "Return home interview within 72 hours",
    "stage_one_meeting": "Stage One meeting within 10 working days",
    "home_office_contact": "Weekly Home Office contact",
    "police_protection": "Police protection (72 hours)",
    "epo": "Emergency protection order expiry",
    "trafficking_assessment": "Trafficking assessment",
}
OUTCOMES = {"met": "Met on time", "late": "Late", "missed": "Missed", "open": "Still open"}
PERIODS = {
    "30d": "Last 30 days",
    "3m": "Last 3 months",
    "12m": "Last 12 months",
    "year": "This year (from 1 April)",
    "last-year": "Last year (April to March)",
}
DURATION_BANDS = (
    ("Under 6 hours", dt.timedelta(hours=6)),
    ("6 to 24 hours", dt.timedelta(hours=24)),
    ("1 to 3 days", dt.timedelta(days=3)),
    ("3 to 7 days", dt.timedelta(days=7)),
    ("Over 7 days", None),
)
OVERDUE_BANDS = (
    ("Under 1 hour", dt.timedelta(hours=1)),
    ("1 to 24 hours", dt.timedelta(hours=24)),
    ("1 to 7 days", dt.timedelta(days=7)),
    ("Over 7 days", None),
)
RHI_FORMS = ("rhi", "rhi_placing_authority")
ESCALATION_FORMS = ("escalation", "partnership_escalation")
RHI_WINDOW = dt.timedelta(hours=72)
POSTCODE_DISTRICT = re.compile(r"\b([A-Z]{1,2}[0-9][0-9A-Z]?)\s*[0-9][A-Z]{2}\b", re.I)


@dataclass(frozen=True)
class Filters:
    period: str = "12m"
    organisation_id: int | None = None  # the child's responsible authority
    team: str | None = None  # the role whose work it is (deadlines and overdue work)

    def window(self, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) of the period, at London midnights, in UTC."""
        today = clock.london(now).date()
        year_start = dt.date(today.year if today.month >= 4 else today.year - 1, 4, 1)
        if self.period == "30d":
            first, last = today - dt.timedelta(days=29), today + dt.timedelta(days=1)
        elif self.period == "3m":
            first, last = _months_back(today, 3), today + dt.timedelta(days=1)
        elif self.period == "year":
            first, last = year_start, today + dt.timedelta(days=1)
        elif self.period == "last-year":
            first, last = year_start.replace(year=year_start.year - 1), year_start
        else:
            first, last = _months_back(today, 12), today + dt.timedelta(days=1)
        return _midnight(first), _midnight(last)


def _months_back(day: dt.date, months: int) -> dt.date:
    month = day.month - months
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return dt.date(year, month, min(day.day, 28)) + dt.timedelta(days=1)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), clock.LONDON).astimezone(dt.UTC)


def pct(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "–"


@dataclass
class Row:
    """One line of a figure: a label, its counts (in `columns` order) and where to see
    the cases behind each count (a drill-down key, or None)."""

    label: str
    counts: list[int]
    key: str | None = None

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass
class Figure:
    """A table of counts the page shows beside its chart and offers as CSV."""

    name: str  # url-safe
    title: str
    columns: list[str]
    rows: list[Row] = field(default_factory=list)
    chart: str = "bar"  # bar, stacked, line or none
    note: str = ""
    with_percent: bool = True

    @property
    def grand_total(self) -> int:
        return sum(r.total for r in self.rows)


# --- statutory deadlines ----------------------------------------------------------------

def _outcome(now):
    done = WorkItem.state == "completed"
    return case(
        (and_(done, WorkItem.completed_at <= WorkItem.due_at), "met"),
        (done, "late"),
        (and_(WorkItem.state == "open", WorkItem.due_at < now), "missed"),
        (WorkItem.state == "open", "open"),
        else_="cancelled")


def _deadline_rows(filters: Filters, visible, now):
    start, end = filters.window(now)
    query = (select(WorkItem.id).join(Case, Case.id == WorkItem.case_id)
             .join(Child, Child.id == Case.child_id)
             .where(WorkItem.clock.is_not(None), WorkItem.due_at >= start,
                    # still-open deadlines count in any period that runs to today
                    or_(WorkItem.due_at < end, and_(WorkItem.state == "open", end > now)),
                    Child.id.in_(visible)))
    if filters.organisation_id is not None:
        query = query.where(Child.responsible_org_id == filters.organisation_id)
    if filters.team:
        query = query.where(WorkItem.role == filters.team)
    return query


def deadlines(session, filters: Filters, visible, now=None) -> Figure:
    """Per clock: deadlines falling due in the period met on time, late, missed, open."""
    now = now or clock.now()
    outcome = _outcome(now)
    ids = _deadline_rows(filters, visible, now).subquery()
    counts: dict[str, Counter] = {}
    for clock_name, result, n in session.execute(
            select(WorkItem.clock, outcome, func.count())
            .where(WorkItem.id.in_(select(ids.c.id)))
            .group_by(WorkItem.clock, outcome)):
        counts.setdefault(clock_name, Counter())[result] = n
    figure = Figure("deadlines", "Statutory deadlines", list(OUTCOMES.values()),
                    chart="stacked",
                    note="Deadlines that fell due in the period. Work no longer needed (the "
                         "child was found first, say) is not counted.")
    for key, label in CLOCKS.items():
        if key in counts:
            figure.rows.append(Row(label, [counts[key][o] for o in OUTCOMES], key))
    for key in sorted(set(counts) - set(CLOCKS)):
        figure.rows.append(Row(key.replace("_", " ").capitalize(),
                               [counts[key][o] for o in OUTCOMES], key))
    return figure


def deadlines_by(session, filters: Filters, visible, by: str, now=None) -> Figure:
    """All clocks together, by team (`by="team"`) or by organisation."""
    now = now or clock.now()
    outcome = _outcome(now)
    ids = _deadline_rows(filters, visible, now).subquery()
    if by == "team":
        group = WorkItem.role
        query = select(group, outcome, func.count()).where(WorkItem.id.in_(select(ids.c.id)))
    else:
        group = Organisation.name
        query = (select(group, outcome, func.count())
                 .join(Case, Case.id == WorkItem.case_id).join(Child, Child.id == Case.child_id)
                 .join(Organisation, Organisation.id == Child.responsible_org_id)
                 .where(WorkItem.id.in_(select(ids.c.id))))
    counts: dict[str, Counter] = {}
    for name, result, n in session.execute(query.group_by(group, outcome)):
        counts.setdefault(name or "", Counter())[result] = n
    from .assignment import role_name

    figure = Figure(f"deadlines-by-{by}", "Statutory deadlines by " + (
        "team" if by == "team" else "organisation"), list(OUTCOMES.values()), chart="stacked")
    for name in sorted(counts):
        label = role_name(name) if by == "team" else name
        figure.rows.append(Row(label or "No team", [counts[name][o] for o in OUTCOMES]))
    return figure


@dataclass
class DeadlineCase:
    work_item_id: int
    case_id: int
    child_id: int
    child_name: str
    task: str
    team: str | None
    due_at: dt.datetime | None
    completed_at: dt.datetime | None
    outcome: str


def deadline_cases(session, filters: Filters, visible, clock_name: str, outcome_key: str,
                   now=None, limit: int = 500) -> list[DeadlineCase]:
    """The work behind one count of the deadlines table, most overdue first."""
    now = now or clock.now()
    outcome = _outcome(now)
    ids = _deadline_rows(filters, visible, now).where(WorkItem.clock == clock_name).subquery()
    rows = session.execute(
        select(WorkItem.id, WorkItem.case_id, Child.id.label("child_id"), Child.first_name,
               Child.last_name, WorkItem.name, WorkItem.role, WorkItem.due_at,
               WorkItem.completed_at, outcome.label("outcome"))
        .join(Case, Case.id == WorkItem.case_id).join(Child, Child.id == Case.child_id)
        .where(WorkItem.id.in_(select(ids.c.id)), outcome == outcome_key)
        .order_by(WorkItem.due_at, WorkItem.id).limit(limit))
    return [DeadlineCase(r.id, r.case_id, r.child_id, f"{r.first_name} {r.last_name}", r.name,
                         r.role, r.due_at, r.completed_at, r.outcome) for r in rows]


# --- now ---------------------------------------------------------------------------------

@dataclass
class MissingNow:
    child_id: int
    child_name: str
    category: str
    last_seen_at: dt.datetime
    risk_grade: str | None
    case_id: int | None

    def missing_for(self, now) -> dt.timedelta:
        return now - self.last_seen_at


def _episode_filter(query, filters: Filters, visible):
    query = query.where(Episode.child_id.in_(visible))
    if filters.organisation_id is not None:
        query = query.join(Child, Child.id == Episode.child_id).where(
            Child.responsible_org_id == filters.organisation_id)
    not_missing = getattr(Episode, "not_missing", None)
    if not_missing is not None:
        query = query.where(not_missing.is_(False))
    return query


def missing_now(session, filters: Filters, visible, limit: int = 200) -> list[MissingNow]:
    """Children missing or away now (not yet found), longest first."""
    query = _episode_filter(
        select(Episode.id, Episode.child_id, Episode.category, Episode.last_seen_at,
               Episode.risk_grade)
        .where(Episode.status == "open", Episode.found_at.is_(None))
        .order_by(Episode.last_seen_at).limit(limit), filters, visible)
    rows = session.execute(query).all()
    names = dict(session.execute(select(Child.id, Child.first_name + " " + Child.last_name)
                                 .where(Child.id.in_({r.child_id for r in rows}))).all())
    cases = dict(session.execute(select(Case.episode_id, Case.id).where(
        Case.episode_id.in_([r.id for r in rows]), Case.process_id == "episode")).all())
    return [MissingNow(r.child_id, names.get(r.child_id, ""), r.category, r.last_seen_at,
                       r.risk_grade, cases.get(r.id)) for r in rows]


def overdue_work(session, filters: Filters, visible, now=None) -> Figure:
    """Open work past its due time, by how long overdue and team."""
    now = now or clock.now()
    query = (select(WorkItem.role, WorkItem.due_at).join(Case, Case.id == WorkItem.case_id)
             .where(WorkItem.state == "open", WorkItem.due_at < now,
                    Case.child_id.in_(visible)))
    if filters.team:
        query = query.where(WorkItem.role == filters.team)
    if filters.organisation_id is not None:
        query = query.join(Child, Child.id == Case.child_id).where(
            Child.responsible_org_id == filters.organisation_id)
    bands = case(*[(WorkItem.due_at > now - limit, label)
                   for label, limit in OVERDUE_BANDS if limit is not None],
                 else_=OVERDUE_BANDS[-1][0])
    counts = Counter()
    sub = query.with_only_columns(WorkItem.id).subquery()
    for band, n in session.execute(select(bands, func.count())
                                   .where(WorkItem.id.in_(select(sub.c.id))).group_by(bands)):
        counts[band] = n
    figure = Figure("overdue", "Overdue work by how long overdue", ["Work items"],
                    with_percent=True)
    figure.rows = [Row(label, [counts[label]]) for label, _ in OVERDUE_BANDS]
    return figure


@dataclass
class Escalation:
    work_item_id: int
    case_id: int
    child_id: int | None
    child_name: str
    name: str
    team: str | None
    created_at: dt.datetime


def open_escalations(session, filters: Filters, visible, limit: int = 200) -> list[Escalation]:
    query = (select(WorkItem.id, WorkItem.case_id, Child.id.label("child_id"),
                    Child.first_name, Child.last_name, WorkItem.name, WorkItem.role,
                    WorkItem.created_at)
             .join(Case, Case.id == WorkItem.case_id).join(Child, Child.id == Case.child_id)
             .where(WorkItem.state == "open", WorkItem.form_key.in_(ESCALATION_FORMS),
                    Child.id.in_(visible))
             .order_by(WorkItem.created_at).limit(limit))
    if filters.team:
        query = query.where(WorkItem.role == filters.team)
    if filters.organisation_id is not None:
        query = query.where(Child.responsible_org_id == filters.organisation_id)
    return [Escalation(r.id, r.case_id, r.child_id, f"{r.first_name} {r.last_name}", r.name,
                       r.role, r.created_at) for r in session.execute(query)]


# --- patterns (R45) ------------------------------------------------------------------------

def _period_episodes(filters: Filters, visible, now):
    start, end = filters.window(now)
    return _episode_filter(select(Episode.id).where(Episode.last_seen_at >= start,
                                                    Episode.last_seen_at < end),
                           filters, visible)


def _in_care():
    return case((Child.legal_status == "not_in_care", "Not in care"), else_="In care")


def episodes_by_category(session, filters: Filters, visible, now=None) -> Figure:
    """Episodes and distinct children, missing (M) and away (A), by care status."""
    now = now or clock.now()
    ids = _period_episodes(filters, visible, now).subquery()
    figure = Figure("episodes", "Episodes and children", ["Episodes", "Children"],
                    with_percent=False,
                    note="Care status is the child's status today.")
    status = _in_care()
    for category, care, episodes, children in session.execute(
            select(Episode.category, status, func.count(), func.count(Episode.child_id.distinct()))
            .join(Child, Child.id == Episode.child_id)
            .where(Episode.id.in_(select(ids.c.id)))
            .group_by(Episode.category, status).order_by(Episode.category, status)):
        kind = "Missing" if category == "M" else "Away from placement"
        figure.rows.append(Row(f"{kind}, {care.lower()}", [episodes, children]))
    return figure


def durations(session, filters: Filters, visible, now=None) -> Figure:
    now = now or clock.now()
    ids = _period_episodes(filters, visible, now).subquery()
    counts = Counter()
    rows = session.execute(select(Episode.last_seen_at, Episode.found_at)
                           .where(Episode.id.in_(select(ids.c.id))))
    for seen, found in rows:
        if found is None:
            counts["Not yet found"] += 1
            continue
        length = found - seen
        for label, limit in DURATION_BANDS:
            if limit is None or length < limit:
                counts[label] += 1
                break
    figure = Figure("durations", "How long children were missing", ["Episodes"])
    figure.rows = [Row(label, [counts[label]]) for label, _ in DURATION_BANDS]
    figure.rows.append(Row("Not yet found", [counts["Not yet found"]]))
    return figure


def repeat_children(session, filters: Filters, visible, now=None, top: int = 20):
    """Children with 3 or more, and 10 or more, episodes in the 12 months to the period's
    end; and the children with the most, ranked."""
    now = now or clock.now()
    _, end = filters.window(now)
    start = end - dt.timedelta(days=365)
    counted = _episode_filter(
        select(Episode.child_id, func.count().label("n"))
        .where(Episode.last_seen_at >= start, Episode.last_seen_at < end)
        .group_by(Episode.child_id), filters, visible).subquery()
    bands = session.execute(select(
        func.count(), func.sum(case((counted.c.n >= 3, 1), else_=0)),
        func.sum(case((counted.c.n >= 10, 1), else_=0)))).one()
    children, three, ten = bands[0], int(bands[1] or 0), int(bands[2] or 0)
    figure = Figure("repeat", "Children missing repeatedly (12 months)", ["Children"],
                    note=f"Of {children} children with an episode in the 12 months.")
    figure.rows = [Row("1 or 2 episodes", [children - three]),
                   Row("3 to 9 episodes", [three - ten]), Row("10 or more episodes", [ten])]
    ranked = session.execute(
        select(Child.id, Child.first_name, Child.last_name, counted.c.n)
        .join(counted, counted.c.child_id == Child.id).where(counted.c.n >= 3)
        .order_by(counted.c.n.desc(), Child.id).limit(top)).all()
    return figure, [(r.id, f"{r.first_name} {r.last_name}", r.n) for r in ranked]


def interviews(session, filters: Filters, visible, now=None) -> Figure:
    """Return home interviews for the children found in the period: offered within 72
    hours, accepted, declined, not offered, not recorded yet."""
    now = now or clock.now()
    start, end = filters.window(now)
    found = _episode_filter(select(Episode.id).where(Episode.found_at >= start,
                                                     Episode.found_at < end),
                            filters, visible).subquery()
    offered = WorkItem.data["rhi_offered"].as_boolean()
    outcome = WorkItem.data["rhi_outcome"].as_string()
    latest = (select(Case.episode_id, WorkItem.completed_at, offered.label("offered"),
                     outcome.label("outcome"), Episode.found_at)
              .join(Case, Case.id == WorkItem.case_id)
              .join(Episode, Episode.id == Case.episode_id)
              .where(Case.episode_id.in_(select(found.c.id)), WorkItem.form_key.in_(RHI_FORMS),
                     WorkItem.state == "completed"))
    counts = Counter()
    seen = set()
    for episode_id, completed_at, was_offered, result, found_at in session.execute(latest):
        if episode_id in seen:
            continue
        seen.add(episode_id)
        if was_offered is False:
            counts["Not offered"] += 1
            continue
        if completed_at is not None and found_at is not None \
                and completed_at - found_at <= RHI_WINDOW:
            counts["Offered within 72 hours"] += 1
        else:
            counts["Offered after 72 hours"] += 1
        if result == "completed":
            counts["Accepted"] += 1
        elif result in ("child_declined", "parents_declined"):
            counts["Declined"] += 1
    total = session.scalar(select(func.count()).select_from(found))
    counts["Not recorded yet"] = total - len(seen)
    figure = Figure("interviews", "Return home interviews", ["Children found"],
                    note=f"For the {total} episodes where the child was found in the period. "
                         "Accepted and declined are of those offered.", with_percent=False)
    figure.rows = [Row(label, [counts[label]]) for label in (
        "Offered within 72 hours", "Offered after 72 hours", "Accepted", "Declined",
        "Not offered", "Not recorded yet")]
    return figure


def by_placement(session, filters: Filters, visible, now=None, top: int = 15) -> Figure:
    now = now or clock.now()
    ids = _period_episodes(filters, visible, now).subquery()
    place = func.coalesce(Child.placement, "Not recorded")
    figure = Figure("placements", "Episodes by placement", ["Episodes"])
    for name, n in session.execute(
            select(place, func.count()).select_from(Episode)
            .join(Child, Child.id == Episode.child_id)
            .where(Episode.id.in_(select(ids.c.id))).group_by(place)
            .order_by(func.count().desc(), place).limit(top)):
        figure.rows.append(Row(name, [n]))
    return figure


def by_area(session, filters: Filters, visible, now=None) -> Figure:
    now = now or clock.now()
    ids = _period_episodes(filters, visible, now).subquery()
    area = case((and_(Child.host_org_id.is_not(None),
                      Child.host_org_id != Child.responsible_org_id),
                 "Placed outside the responsible authority's area"),
                else_="Placed in the responsible authority's area")
    figure = Figure("area", "In area and out of area", ["Episodes"], chart="none")
    for name, n in session.execute(
            select(area, func.count()).select_from(Episode)
            .join(Child, Child.id == Episode.child_id)
            .where(Episode.id.in_(select(ids.c.id))).group_by(area).order_by(area)):
        figure.rows.append(Row(name, [n]))
    return figure


def where_found(session, filters: Filters, visible, now=None, top: int = 15) -> Figure:
    """'Hot spots': where children were found, by postcode district where the place has a
    postcode, else by the place as written."""
    now = now or clock.now()
    ids = _period_episodes(filters, visible, now).subquery()
    counts = Counter()
    for (where,) in session.execute(select(Episode.found_where).where(
            Episode.id.in_(select(ids.c.id)), Episode.found_where.is_not(None))):
        match = POSTCODE_DISTRICT.search(where)
        counts[match.group(1).upper() if match else " ".join(where.split()).title()] += 1
    figure = Figure("found", "Where children were found", ["Episodes"])
    figure.rows = [Row(name, [n]) for name, n in counts.most_common(top)]
    return figure


def risk_and_exploitation(session, filters: Filters, visible, now=None) -> Figure:
    now = now or clock.now()
    ids = _period_episodes(filters, visible, now).subquery()
    grade = func.coalesce(Episode.risk_grade, "none")
    counts = Counter(dict(session.execute(select(grade, func.count()).where(
        Episode.id.in_(select(ids.c.id))).group_by(grade)).all()))
    ce = session.scalar(select(func.count(Episode.child_id.distinct()))
                        .join(Child, Child.id == Episode.child_id)
                        .where(Episode.id.in_(select(ids.c.id)),
                               Child.flags["ce_risk"].as_boolean().is_(True)))
    figure = Figure("risk", "Risk grades and exploitation", ["Count"], with_percent=False,
                    note="Risk grades count episodes; the exploitation flag counts children.")
    figure.rows = [Row(f"{label} risk episodes", [counts[key]]) for key, label in
                   (("high", "High"), ("medium", "Medium"), ("low", "Low"))]
    figure.rows.append(Row("Episodes not graded", [counts["none"]]))
    figure.rows.append(Row("Children flagged at risk of exploitation", [ce or 0]))
    return figure


def trend(session, filters: Filters, visible, now=None) -> Figure:
    """Episodes per month (London), missing and away."""
    now = now or clock.now()
    ids = _period_episodes(filters, visible, now).subquery()
    counts: dict[str, Counter] = {}
    for seen, category in session.execute(select(Episode.last_seen_at, Episode.category)
                                          .where(Episode.id.in_(select(ids.c.id)))):
        month = clock.london(seen).strftime("%Y-%m")
        counts.setdefault(month, Counter())[category] += 1
    start, end = filters.window(now)
    months, day = [], clock.london(start).date().replace(day=1)
    while _midnight(day) < end:
        months.append(day.strftime("%Y-%m"))
        day = (day + dt.timedelta(days=32)).replace(day=1)
    figure = Figure("trend", "Episodes by month", ["Missing", "Away from placement"],
                    chart="line", with_percent=False)
    for month in months:
        c = counts.get(month, Counter())
        label = dt.datetime.strptime(month, "%Y-%m").strftime("%B %Y")
        figure.rows.append(Row(label, [c["M"], c["A"]]))
    return figure


def data_quality(session, filters: Filters, visible, now=None,
                 organisations=None) -> Figure:
    """Episodes not closed: found more than 7 days ago and still open (the interview or the
    report not finished), or not found for over 30 days."""
    now = now or clock.now()
    base = _episode_filter(select(func.count()).select_from(Episode)
                           .where(Episode.status == "open"), filters, visible)
    found_open = session.scalar(base.where(Episode.found_at < now - dt.timedelta(days=7)))
    long_missing = session.scalar(base.where(Episode.found_at.is_(None),
                                             Episode.last_seen_at < now - dt.timedelta(days=30)))
    figure = Figure("quality", "Data quality", ["Count"], chart="none", with_percent=False)
    figure.rows = [Row("Episodes found over 7 days ago but not closed", [found_open or 0]),
                   Row("Episodes not found after 30 days (check the record)",
                       [long_missing or 0])]
    check = latest_return_check(session, filters, organisations)
    if check is not None:
        figure.rows += [Row("DfE return: rule hits at the last check", [check.rule_hits]),
                        Row("DfE return: children with a rule hit", [check.children_with_hits]),
                        Row("DfE return: gaps in the record", [check.problems])]
        figure.note = (f"The DfE return was last checked on "
                       f"{clock.london(check.checked_at):%-d %B %Y} for "
                       f"{check.year - 1}-{str(check.year)[2:]}.")
    else:
        figure.note = "The DfE return has not been checked yet."
    return figure


def latest_return_check(session, filters: Filters, organisations=None):
    """The newest check of the DfE return of the filtered authority, or of the viewer's
    own (`organisations`)."""
    ids = [filters.organisation_id] if filters.organisation_id is not None else (
        organisations or [])
    if not ids:
        return None
    return session.scalar(select(ReturnCheck).where(ReturnCheck.organisation_id.in_(ids))
                          .order_by(ReturnCheck.checked_at.desc(), ReturnCheck.id.desc())
                          .limit(1))


def patterns(session, filters: Filters, visible, now=None, organisations=None) -> dict:
    now = now or clock.now()
    repeat, ranked = repeat_children(session, filters, visible, now)
    return {
        "figures": [episodes_by_category(session, filters, visible, now),
                    trend(session, filters, visible, now),
                    durations(session, filters, visible, now),
                    repeat,
                    interviews(session, filters, visible, now),
                    by_placement(session, filters, visible, now),
                    by_area(session, filters, visible, now),
                    where_found(session, filters, visible, now),
                    risk_and_exploitation(session, filters, visible, now),
                    data_quality(session, filters, visible, now, organisations)],
        "ranked": ranked,
    }


def suppress(n: int, threshold: int = 5) -> str:
    """A count for a report that leaves the partnership: small numbers could identify a
    child, so counts from 1 to 4 are shown as "fewer than 5"."""
    return "fewer than 5" if 0 < n < threshold else str(n)

