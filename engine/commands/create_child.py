from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .. import audit, child_record, clock, episodes
from ..errors import InvalidInput, NotPermitted
from ..models import Child, ChildFlagChange, LegalStatusPeriod, Organisation, Placement
from .report_episode import REPORT_ROLES

# The yes/no flags a reporter may tick when adding a child (the record keeps more).
FLAGS = ("ce_risk", "learning_needs", "mental_health", "uasc", "migrant",
         "subject_to_restriction", "care_experienced_16_17", "child_protection_plan")


@dataclass
class CreateChild:
    """Add a child's record (R2) so that an episode can be reported against it. What is
    known goes into the record's dated parts from today: a legal status other than "not in
    care" opens a period of care, a placement opens a placement in the authority given
    (the responsible one by default), each flag is a first flag change."""

    first_name: str
    last_name: str
    date_of_birth: dt.date | None
    responsible_org_id: int | None
    legal_status: str = "not_in_care"
    ethnicity: str = ""
    placement: str = ""
    flags: dict = field(default_factory=dict)
    sex: str = "U"
    ethnic_code: str = ""
    upn: str = ""
    placement_authority_id: int | None = None

    def __call__(self, ctx) -> Child:
        if not (ctx.actor.is_system or ctx.actor.roles & REPORT_ROLES):
            raise NotPermitted("your role cannot add a child")
        identity = self._check(ctx)
        child = Child(first_name=identity["first_name"], last_name=identity["last_name"],
                      date_of_birth=self.date_of_birth, ethnicity=self.ethnicity.strip() or
                      None, ethnic_code=identity["ethnic_code"], sex=identity["sex"],
                      upn=identity["upn"], legal_status=self.legal_status,
                      responsible_org_id=self.responsible_org_id,
                      placement=self.placement.strip() or None,
                      flags={k: True for k, v in self.flags.items() if v and k in FLAGS},
                      created_at=ctx.now)
        ctx.session.add(child)
        ctx.session.flush()
        today = clock.london(ctx.now).date()
        stamp = {"changed_by": ctx.actor.name, "changed_at": ctx.now}
        if self.legal_status != "not_in_care":
            ctx.session.add(LegalStatusPeriod(
                child_id=child.id, legal_status=self.legal_status, starts_on=today,
                ls_code=child_record.LS_FOR_STATUS.get(self.legal_status), **stamp))
        if child.placement:
            where = self.placement_authority_id or self.responsible_org_id
            child.host_org_id = where
            ctx.session.add(Placement(child_id=child.id, starts_on=today,
                                      address=child.placement[:500],
                                      local_authority_id=where, **stamp))
        for flag in sorted(child.flags):
            ctx.session.add(ChildFlagChange(child_id=child.id, flag=flag, value=True,
                                            reason="Given when the child was added",
                                            changed_by_id=ctx.actor.user_id, **stamp))
        audit.record(ctx.session, ctx.actor, "child.created", "child", child.id,
                     child_id=child.id)
        return child

    def _check(self, ctx) -> dict:
        errors: dict[str, list[str]] = {}
        identity = child_record.check_identity(ctx.session, {
            "first_name": self.first_name, "last_name": self.last_name,
            "date_of_birth": self.date_of_birth, "sex": self.sex or "U",
            "ethnic_code": self.ethnic_code, "upn": self.upn}, errors, now=ctx.now)
        if not (self.ethnic_code or "").strip():
            # R2, R4: ethnicity is part of the minimum report. "Declined to give" (REFU)
            # and "not yet obtained" (NOBT) are answers, so one can always be given
            # truthfully; a blank is not.
            errors["ethnic_code"] = ["Select the child's ethnicity, or that it was "
                                     "declined or is not yet known"]
        if "date_of_birth" not in errors and episodes.age_on(
                self.date_of_birth, clock.london(ctx.now).date()) >= 18:
            errors["date_of_birth"] = ["The child must be under 18"]
        if self.legal_status not in episodes.LEGAL_STATUSES:
            errors["legal_status"] = ["Select the child's legal status"]
        org = (ctx.session.get(Organisation, self.responsible_org_id)
               if self.responsible_org_id else None)
        if org is None or org.kind != "local_authority":
            errors["responsible_org_id"] = ["Select the responsible local authority"]
        if self.placement_authority_id is not None:
            where = ctx.session.get(Organisation, self.placement_authority_id)
            if where is None or where.kind != "local_authority":
                errors["placement_authority_id"] = [
                    "Select the local authority the placement is in"]
        if self.legal_status == "not_in_care" and self.placement.strip():
            errors["placement"] = ["A placement is only for a child in care: leave it blank "
                                   "or give the legal status"]
        if errors:
            raise InvalidInput("the child's details have errors", errors)
        return identity
