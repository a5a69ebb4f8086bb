from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from sqlalchemy import select

from .. import episodes, runtime
from ..errors import Conflict, InvalidInput, NotFound, NotPermitted
from ..models import Case, Episode, EpisodeSegment

# Who may say a child has been found (R20: carers tell the police, social worker and IRO).
FOUND_ROLES = frozenset({"carer", "police", "mach", "social_worker", "team_manager", "iro",
                         "edt", "home_office"})


@dataclass
class DeliverMessage:
    """Deliver a BPMN message (news from outside) to a case that waits for it."""

    case_id: int
    name: str
    payload: dict = field(default_factory=dict)

    def __call__(self, ctx) -> Case:
        case, workflow = runtime.load_case(ctx.session, self.case_id)
        event = BpmnEvent(MessageEventDefinition(self.name), self.payload)
        try:
            workflow.send_event(event)
        except WorkflowException as exc:
            raise Conflict(f"case {self.case_id} is not waiting for '{self.name}'") from exc
        runtime.run_engine(workflow)
        runtime.save_case(ctx.session, case, workflow, ctx.actor, f"message.{self.name}",
                          {"payload": self.payload})
        return case


@dataclass
class ReportFound:
    """The child of an episode has been found or has returned (R20)."""

    episode_id: int
    found_at: dt.datetime
    found_where: str = ""
    found_by: str = ""
    not_missing: bool = False

    def __call__(self, ctx) -> Case:
        if not (ctx.actor.is_system or ctx.actor.roles & FOUND_ROLES):
            raise NotPermitted("your role cannot report a child found")
        episode = ctx.session.get(Episode, self.episode_id)
        if episode is None:
            raise NotFound(f"there is no episode {self.episode_id}")
        if self.found_at.tzinfo is None:
            raise InvalidInput("give the time found with its time zone",
                               {"found_at": ["Enter the time found with a time zone"]})
        if self.found_at < episode.last_seen_at:
            raise InvalidInput("the child cannot be found before they were last seen",
                               {"found_at": ["Time found must be after the time last seen"]})
        if self.found_at > ctx.now:
            raise InvalidInput("the time found is in the future",
                               {"found_at": ["Time found must be in the past"]})
        case_id = ctx.session.query(Case.id).filter(
            Case.episode_id == episode.id, Case.process_id == "episode").scalar()
        payload = {"found_at": self.found_at.astimezone(dt.UTC).isoformat(),
                   "found_where": self.found_where, "found_by": self.found_by,
                   "not_missing": self.not_missing}
        case = DeliverMessage(case_id, "child_found", payload)(ctx)
        episode.not_missing = bool(self.not_missing)
        for segment in ctx.session.scalars(select(EpisodeSegment).where(
                EpisodeSegment.episode_id == episode.id, EpisodeSegment.ends_at.is_(None))):
            segment.ends_at = self.found_at.astimezone(dt.UTC)
        # The Home Office route runs beside the episode and waits for the same news (R41).
        for other_id in ctx.session.scalars(select(Case.id).where(
                Case.episode_id == episode.id, Case.process_id == "subject_to_restriction",
                Case.status == "running")):
            DeliverMessage(other_id, "child_found", payload)(ctx)
        # Missing over 24 hours is an R29 judgement factor, known only now.
        if "missing_over_24_hours" in episodes.judgement_factors(episode.child, episode):
            episodes.recount(ctx, episode.child, episode)
        return case
