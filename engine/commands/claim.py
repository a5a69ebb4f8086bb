from __future__ import annotations

from dataclasses import dataclass

from .. import access, audit
from ..errors import AlreadyClaimed, AlreadyCompleted, Conflict, NotFound, NotPermitted
from ..models import User, WorkItem


def open_item(session, work_item_id: int) -> WorkItem:
    item = session.get(WorkItem, work_item_id)
    if item is None:
        raise NotFound(f"there is no work item {work_item_id}")
    if item.state == "completed":
        raise AlreadyCompleted(item.completed_by or "someone", item.completed_at)
    if item.state != "open":
        raise Conflict("this work is no longer needed")
    return item


def check_may_act(actor, item: WorkItem) -> None:
    why = access.work_refusal(actor, item)
    if why is not None:
        raise NotPermitted(why)


@dataclass
class ClaimWorkItem:
    """Take an open item for yourself. Claiming what you already hold does nothing."""

    work_item_id: int

    def __call__(self, ctx) -> WorkItem:
        item = open_item(ctx.session, self.work_item_id)
        if item.assignee_id == ctx.actor.user_id:
            return item
        if item.assignee_id is not None:
            holder = ctx.session.get(User, item.assignee_id)
            raise AlreadyClaimed(holder.name if holder else "someone")
        check_may_act(ctx.actor, item)
        item.assignee_id = ctx.actor.user_id
        audit.record(ctx.session, ctx.actor, "work_item.claimed", "work_item", item.id,
                     case_id=item.case_id)
        return item


@dataclass
class ReleaseWorkItem:
    """Give a claimed item back to the team."""

    work_item_id: int

    def __call__(self, ctx) -> WorkItem:
        item = open_item(ctx.session, self.work_item_id)
        if item.assignee_id != ctx.actor.user_id:
            raise NotPermitted("you can only release work you hold")
        item.assignee_id = None
        audit.record(ctx.session, ctx.actor, "work_item.released", "work_item", item.id,
                     case_id=item.case_id)
        return item
