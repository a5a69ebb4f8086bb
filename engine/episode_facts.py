"""The per-episode facts the managers' dashboard aggregates (R45, issue 13's speed point).

`episode_fact` holds one row per episode with what the pattern figures cut it by: the
child's care status and placement *at the episode's start* (from the dated periods of the
child's record), where that placement lay, how long the child was missing, where found,
the risk grade, the child's exploitation flag and authority, and the episode's first
completed return home interview. The dashboard then reads one table, by period and
authority, instead of joining the dated record for every episode at query time.

The rows are rewritten in the transaction that changes what they are made from, after
each flush of the session (`after_flush`): a reported, changed or closed episode, a
change to the child's dated record (legal statuses, placements) or current fields, or a
return home interview's work item. One DELETE and one INSERT ... SELECT per flush that
touched any of them, whatever the number of episodes; a flush that touched none (most
steps of a case) only looks at the objects it wrote. Migration 0014 fills the table for
the episodes already recorded (`rebuild`).
"""

from __future__ import annotations

import functools
from itertools import chain

from sqlalchemy import (
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    inspect,
    or_,
    select,
    true,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from . import sql_time
from .models import (
    Case,
    Child,
    Episode,
    EpisodeFact,
    LegalStatusPeriod,
    Placement,
    WorkItem,
)

RHI_FORMS = ("rhi", "rhi_placing_authority")
# The attributes whose change changes an episode's facts.
EPISODE_FIELDS = ("child_id", "category", "last_seen_at", "found_at", "found_where",
                  "risk_grade", "not_missing")
CHILD_FIELDS = ("legal_status", "placement", "host_org_id", "responsible_org_id", "flags")
WORK_FIELDS = ("state", "completed_at", "data", "form_key", "case_id")


def _covering(model, child_id, day):
    """The dated period of `model` covering `day` (child_record._covering's rule: ends_on
    is the first day not covered, except a period starting and ending the same day)."""
    return and_(model.child_id == child_id, model.starts_on <= day,
                or_(model.ends_on.is_(None), day < model.ends_on,
                    and_(day == model.ends_on, model.ends_on == model.starts_on)))


def _first_covering(episodes, model, column):
    """For each of `episodes` (a CTE with id, child_id, day), `column` of the first dated
    period of `model` covering its day, in child_record's order (start, then id): a join
    and a window, not a subquery per episode."""
    rank = func.row_number().over(partition_by=episodes.c.id,
                                  order_by=(model.starts_on, model.id)).label("rank")
    ranked = (select(episodes.c.id.label("episode_id"), column.label("value"), rank)
              .join(model, _covering(model, episodes.c.child_id, episodes.c.day))
              .subquery())
    return select(ranked.c.episode_id, ranked.c.value).where(ranked.c.rank == 1).subquery()


def _children_with(episodes, model):
    """The children of `episodes` with any dated period of `model`. A join, not an EXISTS
    per episode: PostgreSQL costs an EXISTS as a scan that stops at the first match and
    chose a sequential scan per episode (a rebuild of 100,000 episodes ran for an hour)."""
    return (select(model.child_id).where(model.child_id.in_(select(episodes.c.child_id)))
            .group_by(model.child_id).subquery())


def facts_select(where):
    """The facts of the episodes matching `where` (a condition on `Episode`), in the
    table's column order."""
    episodes = (select(Episode.id, Episode.child_id, Episode.category, Episode.last_seen_at,
                       Episode.found_at, Episode.not_missing, Episode.found_where,
                       Episode.risk_grade,
                       sql_time.london_date(Episode.last_seen_at).label("day"),
                       sql_time.seconds_between(Episode.last_seen_at, Episode.found_at)
                       .label("seconds"),
                       Child.legal_status.label("flat_status"),
                       Child.placement.label("flat_placement"),
                       Child.host_org_id, Child.responsible_org_id,
                       Child.flags["ce_risk"].as_boolean().label("ce_risk"))
                .join(Child, Child.id == Episode.child_id).where(where)
                .cte("fact_episodes"))
    status = _first_covering(episodes, LegalStatusPeriod, LegalStatusPeriod.legal_status)
    placement = _first_covering(episodes, Placement, Placement.id)
    with_statuses = _children_with(episodes, LegalStatusPeriod)
    with_placements = _children_with(episodes, Placement)
    dated = with_statuses.c.child_id.is_not(None)
    placed = with_placements.c.child_id.is_not(None)
    # A record without dated periods keeps its single current value (child_record).
    care = case((dated, func.coalesce(status.c.value, "not_in_care")),
                else_=episodes.c.flat_status)
    where_placed = aliased(Placement)
    establishment = case((placed, func.coalesce(where_placed.address, "Not recorded")),
                         else_=episodes.c.flat_placement)
    kind = case((placed, func.coalesce(where_placed.placement_type, "")), else_="")
    area = case((placed, where_placed.local_authority_id),
                else_=case((and_(episodes.c.host_org_id.is_(None),
                                 episodes.c.flat_placement.is_(None)), None),
                           else_=func.coalesce(episodes.c.host_org_id,
                                               episodes.c.responsible_org_id)))
    # Each episode's first completed return home interview (by time, then id).
    rank = func.row_number().over(partition_by=Case.episode_id,
                                  order_by=(WorkItem.completed_at, WorkItem.id))
    interviews = (select(Case.episode_id, WorkItem.completed_at,
                         WorkItem.data["rhi_offered"].as_boolean().label("offered"),
                         WorkItem.data["rhi_outcome"].as_string().label("outcome"),
                         rank.label("rank"))
                  .join(Case, Case.id == WorkItem.case_id)
                  .where(Case.episode_id.in_(select(episodes.c.id)),
                         WorkItem.form_key.in_(RHI_FORMS), WorkItem.state == "completed")
                  .subquery())
    first = select(interviews).where(interviews.c.rank == 1).subquery()
    return (select(episodes.c.id, episodes.c.child_id, episodes.c.responsible_org_id,
                   episodes.c.category, episodes.c.last_seen_at, episodes.c.found_at,
                   episodes.c.not_missing, sql_time.month_of(episodes.c.day),
                   episodes.c.seconds, care, establishment, kind, area,
                   episodes.c.found_where, episodes.c.risk_grade, episodes.c.ce_risk,
                   sql_time.seconds_between(episodes.c.found_at, first.c.completed_at),
                   first.c.episode_id.is_not(None), first.c.offered, first.c.outcome)
            .outerjoin(with_statuses, with_statuses.c.child_id == episodes.c.child_id)
            .outerjoin(with_placements, with_placements.c.child_id == episodes.c.child_id)
            .outerjoin(status, status.c.episode_id == episodes.c.id)
            .outerjoin(placement, placement.c.episode_id == episodes.c.id)
            .outerjoin(where_placed, where_placed.id == placement.c.value)
            .outerjoin(first, first.c.episode_id == episodes.c.id))


COLUMNS = ("episode_id", "child_id", "responsible_org_id", "category", "last_seen_at",
           "found_at", "not_missing", "month", "seconds", "care_status", "establishment",
           "placement_type", "placed_org_id", "found_where", "risk_grade", "ce_risk",
           "rhi_seconds", "rhi_recorded", "rhi_offered", "rhi_outcome")


def refresh(connection, episode_ids=(), child_ids=(), case_ids=()) -> None:
    """Rewrite the facts of these episodes, of every episode of these children, and of the
    episodes of these cases, in one statement. `connection` is a Connection."""
    if not (episode_ids or child_ids or case_ids):
        return
    statement = _refresh_statement(connection.dialect.name, bool(episode_ids),
                                   bool(child_ids), bool(case_ids))
    connection.execute(statement, {"episode_ids": sorted(episode_ids),
                                   "child_ids": sorted(child_ids),
                                   "case_ids": sorted(case_ids)})


@functools.cache
def _refresh_statement(dialect: str, by_episode: bool, by_child: bool, by_case: bool):
    """The INSERT ... SELECT ... ON CONFLICT DO UPDATE of `refresh`, built once per
    dialect and combination of the kinds of id it is given: building the select is most
    of a refresh's cost (issue 16), and a built statement with bound lists reuses
    SQLAlchemy's compiled form. Every episode has a facts row (its child is never
    missing), so writing over the row in place needs no DELETE first."""
    conditions = []
    if by_episode:
        conditions.append(Episode.id.in_(bindparam("episode_ids", expanding=True)))
    if by_child:
        conditions.append(Episode.child_id.in_(bindparam("child_ids", expanding=True)))
    if by_case:
        conditions.append(Episode.id.in_(select(Case.episode_id).where(
            Case.id.in_(bindparam("case_ids", expanding=True)))))
    # SQLite reads "ON CONFLICT" after a join's ON as part of the join unless the select
    # ends in a WHERE of its own.
    rows = facts_select(or_(*conditions)).where(true())
    upsert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(EpisodeFact)
    upsert = upsert.from_select(COLUMNS, rows)
    return upsert.on_conflict_do_update(
        index_elements=[EpisodeFact.episode_id],
        set_={name: upsert.excluded[name] for name in COLUMNS if name != "episode_id"})


def rebuild(connection) -> None:
    """Every episode's facts anew (migration 0014, and bulk loads such as the bench)."""
    connection.execute(delete(EpisodeFact))
    connection.execute(insert(EpisodeFact).from_select(
        COLUMNS, facts_select(Episode.id.is_not(None))))


def _changed(obj, fields) -> bool:
    attrs = inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in fields)


def after_flush(session, _flush_context) -> None:
    """What this flush wrote that episode facts are made from, refreshed in one go."""
    episodes, children, cases = set(), set(), set()
    deleted = session.deleted
    for obj in chain(session.new, session.dirty, deleted):
        if isinstance(obj, Episode):
            # a deleted episode's row goes with it (ON DELETE CASCADE)
            if obj not in deleted and (obj in session.new or _changed(obj, EPISODE_FIELDS)):
                episodes.add(obj.id)
        elif isinstance(obj, LegalStatusPeriod | Placement):
            children.add(obj.child_id)
        elif isinstance(obj, WorkItem):
            if obj.form_key in RHI_FORMS and (obj in session.new or obj in deleted
                                              or _changed(obj, WORK_FIELDS)):
                cases.add(obj.case_id)
        elif isinstance(obj, Child):
            # a new child has no episodes yet
            if obj not in deleted and obj not in session.new and _changed(obj, CHILD_FIELDS):
                children.add(obj.id)
    if episodes or children or cases:
        refresh(session.connection(), episodes, children, cases)


def watch(factory) -> None:
    """Keep the facts of every session `factory` makes (engine.db)."""
    from sqlalchemy import event

    event.listen(factory, "after_flush", after_flush)

