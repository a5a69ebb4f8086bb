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

from sqlalchemy import (
    Integer,
    String,
    and_,
    any_,
    bindparam,
    case,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    tuple_,
    union_all,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.types import NullType

from . import clock
from .models import (
    Case,
    Child,
    Episode,
    EpisodeFact,
    Organisation,
    ReturnCheck,
    WorkItem,
)

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


class Visible:
    """The ids of the children a viewer may see, read once per request. On PostgreSQL
    they go to the database as one array (`= ANY(...)`), not as thousands of bound
    parameters each figure's statement would otherwise expand and parse again; and as the
    array's text, written once, because the driver would convert the list item by item for
    every statement (10,000 ids: 14 ms a statement, six statements a page)."""

    def __init__(self, ids, dialect: str):
        self.ids = list(ids)
        self.dialect = dialect
        if dialect == "postgresql":
            self._array = "{" + ",".join(str(int(i)) for i in self.ids) + "}"

    def clause(self, column):
        if self.dialect == "postgresql":
            # untyped, so that PostgreSQL reads the text as the array once, as a constant
            # (a text parameter cast to an array is cast again for every row)
            ids = bindparam("visible_ids", self._array, type_=NullType())
            return column == any_(cast(ids, postgresql.ARRAY(Integer)))
        return column.in_(self.ids)


def _among(column, visible):
    """`column` is one of the visible children: `visible` is a `Visible`, a list of ids or
    a `select(Child.id)`."""
    if isinstance(visible, Visible):
        return visible.clause(column)
    return column.in_(visible)


# --- statutory deadlines ----------------------------------------------------------------

def _outcomes(now) -> dict:
    """{outcome: condition} of a deadline's work item, one true at most; "cancelled" is
    every other item (work no longer needed)."""
    done, still_open = WorkItem.state == "completed", WorkItem.state == "open"
    due, completed = WorkItem.due_at, WorkItem.completed_at
    return {"met": and_(done, completed <= due),
            "late": and_(done, or_(completed.is_(None), due.is_(None), completed > due)),
            "missed": and_(still_open, due < now),
            "open": and_(still_open, or_(due.is_(None), due >= now))}


def _outcome(now):
    return case(*[(condition, key) for key, condition in _outcomes(now).items()],
                else_="cancelled")


def _deadline_filter(query, filters: Filters, visible, now):
    """`query` (joining WorkItem, Case and Child) narrowed to the deadlines falling due in
    the period, of the visible children, of the team and authority filtered on."""
    start, end = filters.window(now)
    query = query.where(WorkItem.clock.is_not(None), WorkItem.due_at >= start,
                        # still-open deadlines count in any period that runs to today
                        or_(WorkItem.due_at < end, and_(WorkItem.state == "open", end > now)),
                        _among(Child.id, visible))
    if filters.organisation_id is not None:
        query = query.where(Child.responsible_org_id == filters.organisation_id)
    if filters.team:
        query = query.where(WorkItem.role == filters.team)
    return query


def _deadline_rows(filters: Filters, visible, now):
    return _deadline_filter(select(WorkItem.id).join(Case, Case.id == WorkItem.case_id)
                            .join(Child, Child.id == Case.child_id), filters, visible, now)


def deadline_counts(session, filters: Filters, visible, now=None) -> list[tuple]:
    """[(clock, team, responsible authority's name, outcome, count)] of the deadlines
    falling due in the period: one statement, from which every deadline figure is made.

    Counted with FILTER per outcome rather than grouped by the outcome's CASE: PostgreSQL
    estimates a group for every distinct due time in that CASE, so it would hash every row
    of the year (a year of 160,000 deadlines: 210 ms against 120 ms)."""
    now = now or clock.now()
    outcomes = _outcomes(now)
    query = _deadline_filter(
        select(WorkItem.clock, WorkItem.role, Organisation.name, func.count(),
               *[func.count().filter(condition) for condition in outcomes.values()])
        .join(Case, Case.id == WorkItem.case_id)
        .join(Child, Child.id == Case.child_id)
        .join(Organisation, Organisation.id == Child.responsible_org_id),
        filters, visible, now)
    counts = []
    for clock_name, team, org, total, *each in session.execute(
            query.group_by(WorkItem.clock, WorkItem.role, Organisation.name)):
        found = dict(zip(outcomes, each, strict=True))
        found["cancelled"] = total - sum(each)
        counts += [(clock_name, team, org, outcome, n) for outcome, n in found.items() if n]
    return counts


def deadlines(session, filters: Filters, visible, now=None, counts=None) -> Figure:
    """Per clock: deadlines falling due in the period met on time, late, missed, open."""
    rows = counts if counts is not None else deadline_counts(session, filters, visible, now)
    found: dict[str, Counter] = {}
    for clock_name, _, _, result, n in rows:
        found.setdefault(clock_name, Counter())[result] += n
    figure = Figure("deadlines", "Statutory deadlines", list(OUTCOMES.values()),
                    chart="stacked",
                    note="Deadlines that fell due in the period. Work no longer needed (the "
                         "child was found first, say) is not counted.")
    for key, label in CLOCKS.items():
        if key in found:
            figure.rows.append(Row(label, [found[key][o] for o in OUTCOMES], key))
    for key in sorted(set(found) - set(CLOCKS)):
        figure.rows.append(Row(key.replace("_", " ").capitalize(),
                               [found[key][o] for o in OUTCOMES], key))
    return figure


def deadlines_by(session, filters: Filters, visible, by: str, now=None,
                 counts=None) -> Figure:
    """All clocks together, by team (`by="team"`) or by organisation."""
    rows = counts if counts is not None else deadline_counts(session, filters, visible, now)
    found: dict[str, Counter] = {}
    for _, team, organisation, result, n in rows:
        found.setdefault((team if by == "team" else organisation) or "", Counter())[result] += n
    from .assignment import role_name

    figure = Figure(f"deadlines-by-{by}", "Statutory deadlines by " + (
        "team" if by == "team" else "organisation"), list(OUTCOMES.values()), chart="stacked")
    for name in sorted(found):
        label = role_name(name) if by == "team" else name
        figure.rows.append(Row(label or "No team", [found[name][o] for o in OUTCOMES]))
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
    query = query.where(_among(Episode.child_id, visible))
    if filters.organisation_id is not None:
        query = query.join(Child, Child.id == Episode.child_id).where(
            Child.responsible_org_id == filters.organisation_id)
    return query.where(Episode.not_missing.is_(False))


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
                    _among(Case.child_id, visible)))
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
                    _among(Child.id, visible))
             .order_by(WorkItem.created_at).limit(limit))
    if filters.team:
        query = query.where(WorkItem.role == filters.team)
    if filters.organisation_id is not None:
        query = query.where(Child.responsible_org_id == filters.organisation_id)
    return [Escalation(r.id, r.case_id, r.child_id, f"{r.first_name} {r.last_name}", r.name,
                       r.role, r.created_at) for r in session.execute(query)]


# --- patterns (R45) ------------------------------------------------------------------------
#
# Every pattern figure of a period is aggregated in one statement over the period's rows of
# `episode_fact` (engine/episode_facts.py: one row per episode with the child's care status
# and placement *at the episode's start*, kept as the record changes), one GROUP BY per
# figure over them, joined by UNION ALL. One indexed range of one table, one round trip.

def _fact_filter(query, filters: Filters, visible):
    """`query` on EpisodeFact, narrowed to the visible children, the authority filtered
    on, and the episodes that were missing (R28, R31)."""
    query = query.where(_among(EpisodeFact.child_id, visible),
                        EpisodeFact.not_missing.is_(False))
    if filters.organisation_id is not None:
        query = query.where(EpisodeFact.responsible_org_id == filters.organisation_id)
    return query


def tune_for_reports(session) -> None:
    """PostgreSQL: these statements aggregate tens of thousands of rows once. Compiling
    them (JIT) costs more than running them, and their sorts fit in memory with a little
    more than the default; both only for this transaction."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))
        session.execute(text("SET LOCAL work_mem = '32MB'"))


def _pattern_counts(session, filters: Filters, visible, now) -> dict[str, list]:
    """{figure: [(key, key2, episodes, children), ...]} for the period's episodes.

    The period's episodes (by when the child was last seen) are read once, with every
    figure's key worked out once per episode: the grouping below then names columns, and
    the statement stays short enough for the driver to keep its parsed form (a statement
    that repeated each key's CASE in every grouping was 17 KB, parsed again each time)."""
    f = EpisodeFact
    start, end = filters.window(now)
    band = case(*[(f.seconds < limit.total_seconds(), label)
                  for label, limit in DURATION_BANDS if limit is not None],
                else_=DURATION_BANDS[-1][0])
    area = case((and_(f.placed_org_id.is_not(None), f.placed_org_id != f.responsible_org_id),
                 "Placed outside the responsible authority's area"),
                else_="Placed in the responsible authority's area")
    e = _fact_filter(select(
        f.child_id, f.category, f.month, f.ce_risk,
        case((f.found_at.is_(None), "Not yet found"), else_=band).label("band"),
        case((f.care_status == "not_in_care", "Not in care"), else_="In care")
        .label("in_care"),
        func.coalesce(f.establishment, "Not recorded").label("establishment"),
        f.placement_type.label("kind"), area.label("area"),
        func.coalesce(f.found_where, "").label("found"),
        func.coalesce(f.risk_grade, "none").label("risk"))
        .where(f.last_seen_at >= start, f.last_seen_at < end), filters, visible
    ).cte("period_episodes")
    # Counted by episode: each figure's keys (at most two).
    sets = {"durations": (e.c.band,), "trend": (e.c.month, e.c.category),
            "placements": (e.c.establishment,), "placement_types": (e.c.kind,),
            "area": (e.c.area,), "found": (e.c.found,), "risk": (e.c.risk,)}
    in_care = e.c.in_care
    blank = literal(None, String)

    def distinct_part(name, first, second=None, where_clause=None):
        cols = [literal(name).label("figure"), cast(first, String).label("k1"),
                cast(second, String).label("k2") if second is not None else blank.label("k2"),
                func.count().label("n"), func.count(e.c.child_id.distinct()).label("children")]
        query = select(*cols).select_from(e)
        if where_clause is not None:
            query = query.where(where_clause)
        return query.group_by(*([first] if second is None else [first, second]))

    # Counted by episode and distinct child.
    parts = [distinct_part("episodes", e.c.category, in_care),
             distinct_part("ce", literal("ce"), where_clause=e.c.ce_risk.is_(True))]
    if session.get_bind().dialect.name == "postgresql":
        # One pass over the episodes, one hash table per figure; GROUPING() says which.
        keys = list(dict.fromkeys(k for group in sets.values() for k in group))
        masks = {name: sum(1 << (len(keys) - 1 - i) for i, k in enumerate(keys)
                           if k not in group) for name, group in sets.items()}
        grouped = (select(func.grouping(*keys).label("g"), *keys, func.count().label("n"))
                   .group_by(func.grouping_sets(*[tuple_(*g) for g in sets.values()]))
                   .subquery("grouped"))
        column = {k: grouped.c[k.name] for k in keys}

        def key(n):
            return case({literal_column(str(masks[name])): cast(column[group[n]], String)
                         for name, group in sets.items() if len(group) > n},
                        value=grouped.c.g, else_=blank)

        figure = case({literal_column(str(m)): literal_column(f"'{name}'")
                       for name, m in masks.items()}, value=grouped.c.g)
        parts.append(select(figure.label("figure"), key(0).label("k1"), key(1).label("k2"),
                            grouped.c.n, literal(None, Integer).label("children")))
    else:  # SQLite has no grouping sets: one GROUP BY per figure
        parts += [distinct_part(name, *group) for name, group in sets.items()]
    counts: dict[str, list] = {}
    for row in session.execute(union_all(*parts)):
        counts.setdefault(row.figure, []).append((row.k1, row.k2, row.n, row.children))
    counts["found"] = [row for row in counts.get("found", []) if row[0]]
    return counts


def episodes_by_category(counts) -> Figure:
    """Episodes and distinct children, missing (M) and away (A), by care status."""
    figure = Figure("episodes", "Episodes and children", ["Episodes", "Children"],
                    with_percent=False,
                    note="Care status is the child's status when the episode began.")
    for category, care, episodes, children in sorted(counts.get("episodes", [])):
        kind = "Missing" if category == "M" else "Away from placement"
        figure.rows.append(Row(f"{kind}, {care.lower()}", [episodes, children]))
    return figure


def durations(counts) -> Figure:
    found = Counter({k1: n for k1, _, n, _ in counts.get("durations", [])})
    figure = Figure("durations", "How long children were missing", ["Episodes"])
    figure.rows = [Row(label, [found[label]]) for label, _ in DURATION_BANDS]
    figure.rows.append(Row("Not yet found", [found["Not yet found"]]))
    return figure


def repeat_children(session, filters: Filters, visible, now=None, top: int = 20):
    """Children with 3 or more, and 10 or more, episodes in the 12 months to the period's
    end; and the children with the most, ranked."""
    now = now or clock.now()
    _, end = filters.window(now)
    start = end - dt.timedelta(days=365)
    counted = _fact_filter(
        select(EpisodeFact.child_id, func.count().label("n"))
        .where(EpisodeFact.last_seen_at >= start, EpisodeFact.last_seen_at < end)
        .group_by(EpisodeFact.child_id), filters, visible).cte("repeat_counts")
    # The bands and the ranked list in one statement over the counts.
    bands = select(literal("bands").label("kind"), func.count().label("a"),
                   func.sum(case((counted.c.n >= 3, 1), else_=0)).label("b"),
                   func.sum(case((counted.c.n >= 10, 1), else_=0)).label("c"),
                   literal(None, String).label("first"), literal(None, String).label("last")
                   ).select_from(counted)
    top_rows = (select(literal("child").label("kind"), Child.id, counted.c.n,
                       literal(0).label("c"), Child.first_name, Child.last_name)
                .join(counted, counted.c.child_id == Child.id).where(counted.c.n >= 3)
                .order_by(counted.c.n.desc(), Child.id).limit(top).subquery())
    rows = session.execute(union_all(bands, select(top_rows))).all()
    totals = next(r for r in rows if r.kind == "bands")
    children, three, ten = totals.a, int(totals.b or 0), int(totals.c or 0)
    figure = Figure("repeat", "Children missing repeatedly (12 months)", ["Children"],
                    note=f"Of {children} children with an episode in the 12 months.")
    figure.rows = [Row("1 or 2 episodes", [children - three]),
                   Row("3 to 9 episodes", [three - ten]), Row("10 or more episodes", [ten])]
    ranked = sorted((r for r in rows if r.kind == "child"), key=lambda r: (-r.b, r.a))
    return figure, [(r.a, f"{r.first} {r.last}", r.b) for r in ranked]


def interviews(session, filters: Filters, visible, now=None) -> Figure:
    """Return home interviews for the children found in the period: offered within 72
    hours, accepted, declined, not offered, not recorded yet. Each episode counts once,
    by its first completed interview."""
    now = now or clock.now()
    start, end = filters.window(now)
    f = EpisodeFact
    not_offered = f.rhi_offered.is_(False)
    in_time = and_(f.rhi_seconds.is_not(None), f.rhi_seconds <= RHI_WINDOW.total_seconds())

    def count(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    recorded = f.rhi_recorded.is_(True)
    row = session.execute(_fact_filter(select(
        func.count(), count(recorded),
        count(and_(recorded, not_offered)), count(and_(recorded, ~not_offered, in_time)),
        count(and_(recorded, ~not_offered, f.rhi_outcome == "completed")),
        count(and_(recorded, ~not_offered, f.rhi_outcome.in_(("child_declined",
                                                              "parents_declined")))))
        .where(f.found_at >= start, f.found_at < end), filters, visible)).one()
    total, recorded, refused, within, accepted, declined = (int(v or 0) for v in row)
    counts = Counter({"Not offered": refused, "Offered within 72 hours": within,
                      "Offered after 72 hours": recorded - refused - within,
                      "Accepted": accepted, "Declined": declined})
    counts["Not recorded yet"] = total - recorded
    figure = Figure("interviews", "Return home interviews", ["Children found"],
                    note=f"For the {total} episodes where the child was found in the period. "
                         "Accepted and declined are of those offered.", with_percent=False)
    figure.rows = [Row(label, [counts[label]]) for label in (
        "Offered within 72 hours", "Offered after 72 hours", "Accepted", "Declined",
        "Not offered", "Not recorded yet")]
    return figure


def _ranked(pairs, top):
    return sorted(pairs, key=lambda kv: (-kv[1], kv[0]))[:top]


def by_placement(counts, top: int = 15) -> Figure:
    figure = Figure("placements", "Episodes by placement", ["Episodes"],
                    note="The establishment the child was placed in when the episode began.")
    found = Counter()
    for name, _, n, _ in counts.get("placements", []):
        found[name] += n
    figure.rows = [Row(name, [n]) for name, n in _ranked(found.items(), top)]
    return figure


def by_placement_type(counts) -> Figure:
    from .child_record import PLACEMENT_TYPES as words

    figure = Figure("placement-types", "Episodes by placement type", ["Episodes"],
                    note="The DfE placement type when the episode began.")
    found = Counter()
    for code, _, n, _ in counts.get("placement_types", []):
        found[words.get(code, code) if code else "Not recorded"] += n
    figure.rows = [Row(name, [n]) for name, n in _ranked(found.items(), len(found))]
    return figure


def by_area(counts) -> Figure:
    figure = Figure("area", "In area and out of area", ["Episodes"], chart="none",
                    note="Where the placement was when the episode began.")
    figure.rows = [Row(name, [n]) for name, _, n, _ in sorted(counts.get("area", []))]
    return figure


def where_found(counts, top: int = 15) -> Figure:
    """'Hot spots': where children were found, by postcode district where the place has a
    postcode, else by the place as written."""
    found = Counter()
    for where, _, n, _ in counts.get("found", []):
        match = POSTCODE_DISTRICT.search(where)
        found[match.group(1).upper() if match else " ".join(where.split()).title()] += n
    figure = Figure("found", "Where children were found", ["Episodes"])
    figure.rows = [Row(name, [n]) for name, n in found.most_common(top)]
    return figure


def risk_and_exploitation(counts) -> Figure:
    grades = Counter({k1: n for k1, _, n, _ in counts.get("risk", [])})
    ce = sum(children for _, _, _, children in counts.get("ce", []))
    figure = Figure("risk", "Risk grades and exploitation", ["Count"], with_percent=False,
                    note="Risk grades count episodes; the exploitation flag counts children.")
    figure.rows = [Row(f"{label} risk episodes", [grades[key]]) for key, label in
                   (("high", "High"), ("medium", "Medium"), ("low", "Low"))]
    figure.rows.append(Row("Episodes not graded", [grades["none"]]))
    figure.rows.append(Row("Children flagged at risk of exploitation", [ce]))
    return figure


def trend(counts, filters: Filters, now) -> Figure:
    """Episodes per month (London), missing and away."""
    by_month: dict[str, Counter] = {}
    for month, category, n, _ in counts.get("trend", []):
        by_month.setdefault(month, Counter())[category] += n
    start, end = filters.window(now)
    months, day = [], clock.london(start).date().replace(day=1)
    while _midnight(day) < end:
        months.append(day.strftime("%Y-%m"))
        day = (day + dt.timedelta(days=32)).replace(day=1)
    figure = Figure("trend", "Episodes by month", ["Missing", "Away from placement"],
                    chart="line", with_percent=False)
    for month in months:
        c = by_month.get(month, Counter())
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
    counts = _pattern_counts(session, filters, visible, now)
    repeat, ranked = repeat_children(session, filters, visible, now)
    return {
        "figures": [episodes_by_category(counts),
                    trend(counts, filters, now),
                    durations(counts),
                    repeat,
                    interviews(session, filters, visible, now),
                    by_placement(counts),
                    by_placement_type(counts),
                    by_area(counts),
                    where_found(counts),
                    risk_and_exploitation(counts),
                    data_quality(session, filters, visible, now, organisations)],
        "ranked": ranked,
    }


def suppress(n: int, threshold: int = 5) -> str:
    """A count for a report that leaves the partnership: small numbers could identify a
    child, so counts from 1 to 4 are shown as "fewer than 5"."""
    return "fewer than 5" if 0 < n < threshold else str(n)

