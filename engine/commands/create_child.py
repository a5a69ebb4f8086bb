from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .. import audit, clock, episodes
from ..errors import InvalidInput, NotPermitted
from ..models import Child, Organisation
from .report_episode import REPORT_ROLES

FLAGS = ("ce_risk", "learning_needs", "mental_health", "uasc", "subject_to_restriction",
         "care_experienced_16_17", "child_protection_plan")


@dataclass
class CreateChild:
    """Add a child's record (R2) so that an episode can be reported against it."""

    first_name: str
    last_name: str
    date_of_birth: dt.date | None
    responsible_org_id: int | None
    legal_status: str = "not_in_care"
    ethnicity: str = ""
    placement: str = ""
    flags: dict = field(default_factory=dict)

    def __call__(self, ctx) -> Child:
        if not (ctx.actor.is_system or ctx.actor.roles & REPORT_ROLES):
            raise NotPermitted("your role cannot add a child")
        self._check(ctx)
        child = Child(first_name=self.first_name.strip(), last_name=self.last_name.strip(),
                      date_of_birth=self.date_of_birth, ethnicity=self.ethnicity.strip() or None,
                      legal_status=self.legal_status, responsible_org_id=self.responsible_org_id,
                      placement=self.placement.strip() or None,
                      flags={k: True for k, v in self.flags.items() if v and k in FLAGS},
                      created_at=ctx.now)
        ctx.session.add(child)
        ctx.session.flush()
        audit.record(ctx.session, ctx.actor, "child.created", "child", child.id,
                     child_id=child.id)
        return child

    def _check(self, ctx) -> None:
        errors: dict[str, list[str]] = {}
        if not self.first_name.strip():
            errors["first_name"] = ["Enter the child's first name"]
        if not self.last_name.strip():
            errors["last_name"] = ["Enter the child's last name"]
        if self.date_of_birth is None:
            errors["date_of_birth"] = ["Enter the child's date of birth"]
        elif self.date_of_birth > clock.london(ctx.now).date():
            errors["date_of_birth"] = ["Date of birth must be in the past"]
        elif episodes.age_on(self.date_of_birth, clock.london(ctx.now).date()) >= 18:
            errors["date_of_birth"] = ["The child must be under 18"]
        if self.legal_status not in episodes.LEGAL_STATUSES:
            errors["legal_status"] = ["Select the child's legal status"]
        org = (ctx.session.get(Organisation, self.responsible_org_id)
               if self.responsible_org_id else None)
        if org is None or org.kind != "local_authority":
            errors["responsible_org_id"] = ["Select the responsible local authority"]
        if errors:
            raise InvalidInput("the child's details have errors", errors)
