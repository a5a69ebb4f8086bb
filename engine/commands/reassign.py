from __future__ import annotations

from dataclasses import dataclass

from .. import assignment, audit

# Who may give someone else's work to a named colleague.
from ..access import REASSIGN_ROLES  # noqa: E402,F401 (the role set lives there)
from ..errors import InvalidInput, NotPermitted
from ..models import Case, User, WorkItem
from .claim import open_item


@dataclass
class ReassignWorkItem:
    """A manager gives an open item to a named colleague who holds its role, with a reason."""

    work_item_id: int
    to_user_id: int
    reason: str

    def __call__(self, ctx) -> WorkItem:
        if not (ctx.actor.is_system or ctx.actor.roles & REASSIGN_ROLES):
            raise NotPermitted("only a team manager can reassign work")
        item = open_item(ctx.session, self.work_item_id)
        errors = {}
        if not self.reason.strip():
            errors["reason"] = ["Enter why you are reassigning this work"]
        case = ctx.session.get(Case, item.case_id)
        candidates = {u.id for u in assignment.candidate_users(ctx.session, case, item.role)}
        if self.to_user_id not in candidates:
            errors["to_user_id"] = ["Select a colleague who holds this role"]
        if errors:
            raise InvalidInput("the reassignment has errors", errors)
        previous = item.assignee_id
        item.assignee_id = self.to_user_id
        to_user = ctx.session.get(User, self.to_user_id)
        audit.record(ctx.session, ctx.actor, "work_item.reassigned", "work_item", item.id,
                     case_id=item.case_id,
                     detail={"from": previous, "to": self.to_user_id, "to_name": to_user.name,
                             "reason": self.reason.strip()})
        return item
