from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from ..errors import InvalidInput, NotFound, NotPermitted
from ..models import Case, Child, Episode
from .start_case import start

# R31: "a request from any agency for ongoing complex risk".
REQUEST_ROLES = frozenset({"police", "police_supervisor", "mach", "social_worker",
                           "team_manager", "iro", "rhi_worker", "metco", "service_manager",
                           "health", "home_office"})


@dataclass
class RequestStageTwo:
    """An agency asks for a Stage Two meeting for ongoing complex risk (R31). The case's
    first task is the Service Manager's decision; a refusal goes to the partnership's
    escalation policy (R33)."""

    child_id: int
    reason: str

    def __call__(self, ctx) -> Case:
        if not (ctx.actor.is_system or ctx.actor.roles & REQUEST_ROLES):
            raise NotPermitted("your role cannot request a Stage Two meeting")
        child = ctx.session.get(Child, self.child_id)
        if child is None:
            raise NotFound(f"there is no child {self.child_id}")
        if not (self.reason or "").strip():
            raise InvalidInput("give the reason for the request",
                               {"reason": ["Enter why a Stage Two meeting is needed"]})
        # R33: a request is never refused here, even for a child with no recorded
        # episodes: the Service Manager decides, and a refusal goes to the partnership's
        # escalation policy. The count is shown to them.
        episodes = ctx.session.scalar(select(func.count(Episode.id)).where(
            Episode.child_id == child.id))
        existing = ctx.session.scalar(select(Case).where(
            Case.child_id == child.id, Case.process_id == "stage_two",
            Case.status == "running"))
        if existing is not None:
            return existing
        return start(ctx, "stage_two", {"child_id": child.id, "trigger": "request",
                                        "trigger_rule": "R31", "request_reason": self.reason,
                                        "requested_by": ctx.actor.name,
                                        "episodes_recorded": episodes},
                     child_id=child.id)
