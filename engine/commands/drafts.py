from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from .. import audit
from ..errors import NotPermitted
from ..models import Draft, WorkItem
from .claim import check_may_act, open_item


@dataclass
class SaveDraft:
    """Keep a work item's form as typed so far, for its author only. Nothing is validated:
    a draft may be half done."""

    work_item_id: int
    values: dict = field(default_factory=dict)

    def __call__(self, ctx) -> Draft:
        if ctx.actor.user_id is None:
            raise NotPermitted("only a person can save a draft")
        item = open_item(ctx.session, self.work_item_id)
        check_may_act(ctx.actor, item)
        draft = ctx.session.scalar(select(Draft).where(
            Draft.work_item_id == item.id, Draft.user_id == ctx.actor.user_id))
        if draft is None:
            draft = Draft(work_item_id=item.id, user_id=ctx.actor.user_id)
            ctx.session.add(draft)
        item.drafted = True
        draft.data = dict(self.values)
        draft.saved_at = ctx.now
        audit.record(ctx.session, ctx.actor, "work_item.draft_saved", "work_item", item.id,
                     case_id=item.case_id)
        return draft


def draft_for(session, work_item: WorkItem, user_id: int | None) -> Draft | None:
    if user_id is None:
        return None
    return session.scalar(select(Draft).where(Draft.work_item_id == work_item.id,
                                              Draft.user_id == user_id))
