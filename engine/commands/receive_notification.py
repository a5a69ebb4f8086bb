"""R13: another authority tells us about their child (missing, or placed in our area).
The MACH receives the notification; processes/inbound_notification.bpmn says what is
done (the flag on the record, health and partners considered, a missing report here,
the Philomena Protocol form at placement)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import audit, child_record, forms
from ..errors import NotFound, NotPermitted
from ..models import Case, Child
from .report_episode import open_episode
from .start_case import start

# Who takes in another authority's notification: the MACH (out of hours, the EDT), and
# the social care staff who may receive it first.
NOTIFICATION_ROLES = frozenset({"mach", "edt", "social_worker", "team_manager"})


@dataclass
class ReceiveNotification:
    child_id: int
    notification: dict = field(default_factory=dict)

    def __call__(self, ctx) -> Case:
        if not (ctx.actor.is_system or ctx.actor.roles & NOTIFICATION_ROLES):
            raise NotPermitted("your role cannot take in a notification from another "
                               "authority")
        child = ctx.session.get(Child, self.child_id)
        if child is None:
            raise NotFound(f"there is no child {self.child_id}")
        notice = forms.validate("inbound_notification", self.notification)
        episode = open_episode(ctx.session, child.id)
        data = {**child_record.facts(ctx.session, child, episode), **notice,
                "child_id": child.id, "reported_here": episode is not None}
        case = start(ctx, "inbound_notification", data, child_id=child.id)
        audit.record(ctx.session, ctx.actor, "notification.received", "case", case.id,
                     case_id=case.id, child_id=child.id,
                     detail={"from": notice["notifying_authority"],
                             "kind": notice["notification_kind"]})
        return case
