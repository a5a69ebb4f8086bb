from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import update

from ..errors import NotPermitted
from ..models import Notification


@dataclass
class MarkNotificationsRead:
    """Mark the actor's own notifications read: the given ids, or all of them."""

    ids: list[int] = field(default_factory=list)
    everything: bool = False

    def __call__(self, ctx) -> int:
        if ctx.actor.user_id is None:
            raise NotPermitted("only a person has notifications to read")
        query = update(Notification).where(Notification.user_id == ctx.actor.user_id,
                                           Notification.read_at.is_(None))
        if not self.everything:
            query = query.where(Notification.id.in_(self.ids))
        return ctx.session.execute(query.values(read_at=ctx.now)).rowcount
