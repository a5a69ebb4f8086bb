from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import update

from .. import audit
from ..errors import NotPermitted
from ..models import Notification, User


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


@dataclass
class SetEmailNewWork:
    """Whether the actor is e-mailed when new work arrives for them or their team. They
    are always told in the app; reminders and escalations are always e-mailed."""

    wanted: bool

    def __call__(self, ctx) -> bool:
        if ctx.actor.user_id is None:
            raise NotPermitted("only a person has notification settings")
        user = ctx.session.get(User, ctx.actor.user_id)
        if user.email_new_work != self.wanted:
            user.email_new_work = self.wanted
            audit.record(ctx.session, ctx.actor, "notifications.settings", "user", user.id,
                         detail={"email_new_work": self.wanted})
        return self.wanted
