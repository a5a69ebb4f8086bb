"""Removing a child's record once it is past retention (`engine.retention`): the child,
their episodes, cases, work, timers, drafts and notifications. The audit trail keeps its
events (the chain must stay whole; they hold ids, not the record) and gains one saying
the record was purged and why."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, func, select

from .. import audit, retention
from ..access import ADMIN_ROLES, DPO_ROLES
from ..errors import InvalidInput, NotFound, NotPermitted
from ..models import (
    Case,
    Child,
    Draft,
    Episode,
    MeetingEpisode,
    Notification,
    RiskAssessment,
    Timer,
    WorkItem,
)


@dataclass
class PurgeChild:
    child_id: int
    today: dt.date

    def __call__(self, ctx) -> retention.Retention:
        if not (ctx.actor.is_system or ctx.actor.roles & (ADMIN_ROLES | DPO_ROLES)):
            raise NotPermitted("only the data protection officer or an administrator purges")
        child = ctx.session.get(Child, self.child_id, with_for_update=True)
        if child is None:
            raise NotFound(f"there is no child {self.child_id}")
        last = ctx.session.scalar(select(func.max(Episode.reported_at))
                                  .where(Episode.child_id == child.id))
        rule = retention.keep_until(child, last.date() if last else None)
        if rule.keep_until > self.today:
            raise InvalidInput("the record is not past retention", {
                "child_id": [f"Kept until {rule.keep_until:%d %B %Y}: {rule.reason}"]})
        cases = select(Case.id).where(Case.child_id == child.id)
        episodes = select(Episode.id).where(Episode.child_id == child.id)
        items = select(WorkItem.id).where(WorkItem.case_id.in_(cases))
        counts = {"episodes": ctx.session.scalar(select(func.count()).select_from(
            episodes.subquery())), "cases": ctx.session.scalar(select(func.count())
                                                             .select_from(cases.subquery()))}
        for statement in (
                delete(Notification).where(Notification.case_id.in_(cases)),
                delete(Draft).where(Draft.work_item_id.in_(items)),
                delete(WorkItem).where(WorkItem.case_id.in_(cases)),
                delete(Timer).where(Timer.case_id.in_(cases)),
                delete(MeetingEpisode).where(MeetingEpisode.case_id.in_(cases)
                                             | MeetingEpisode.episode_id.in_(episodes)),
                delete(Case).where(Case.child_id == child.id),
                delete(RiskAssessment).where(RiskAssessment.episode_id.in_(episodes)),
                delete(Episode).where(Episode.child_id == child.id)):
            ctx.session.execute(statement.execution_options(synchronize_session=False))
        ctx.session.delete(child)
        ctx.session.flush()
        audit.record(ctx.session, ctx.actor, "child.purged", "child", self.child_id,
                     child_id=self.child_id,
                     detail={"kept_until": rule.keep_until.isoformat(), "reason": rule.reason,
                             **counts})
        return rule
