from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from sqlalchemy import select

from .. import episodes, runtime
from ..errors import Conflict, InvalidInput, NotFound, NotPermitted
from ..models import Case, Episode

# Who may say a child has been found (R20: carers tell the police, social worker and IRO).
FOUND_ROLES = frozenset({"carer", "police", "mach", "social_worker", "team_manager", "iro",
                         "edt", "home_office"})

# R20: where and by whom the child was found are choices, not free text, so that the
# routing that depends on them (R42: found by the Home Office) and the figures (R45
# "where children are found") do not depend on spelling. Values -> words for people.
FOUND_BY = {
    "police": "Police",
    "local_authority": "Local authority or social worker",
    "home_office": "Home Office",
    "parent_or_carer": "Parent or carer",
    "returned_themselves": "Returned by themselves",
    "other": "Someone else",
}
FOUND_WHERE = {
    "home": "Home",
    "placement": "Their placement",
    "friend_or_relative": "With a friend or relative",
    "public_place": "A public place",
    "other_address": "Another address",
    "outside_area": "Outside the area",
    "other": "Somewhere else",
}


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
    # the address or place in words, beside the choice (optional)
    found_where_detail: str = ""

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
        problems = {}
        if self.found_where not in FOUND_WHERE:
            problems["found_where"] = ["Select where the child was found"]
        if self.found_by not in FOUND_BY:
            problems["found_by"] = ["Select who found the child or who they returned to"]
        if problems:
            raise InvalidInput("say where and by whom the child was found", problems)
        case_id = ctx.session.query(Case.id).filter(
            Case.episode_id == episode.id, Case.process_id == "episode").scalar()
        payload = {"found_at": self.found_at.astimezone(dt.UTC).isoformat(),
                   "found_where": self.found_where, "found_by": self.found_by,
                   "found_where_detail": self.found_where_detail.strip(),
                   "not_missing": self.not_missing,
                   # R35: health is told about a high-risk child; the grade was set in
                   # the grading, whose data ends with 'Child missing'.
                   "risk_grade": episode.risk_grade or ""}
        case = DeliverMessage(case_id, "child_found", payload)(ctx)
        # The Home Office route runs beside the episode and waits for the same news (R41).
        for other_id in ctx.session.scalars(select(Case.id).where(
                Case.episode_id == episode.id, Case.process_id == "subject_to_restriction",
                Case.status == "running")):
            DeliverMessage(other_id, "child_found", payload)(ctx)
        # Missing over 24 hours is an R29 judgement factor, known only now.
        if "missing_over_24_hours" in episodes.judgement_factors(episode.child, episode):
            episodes.recount(ctx, episode.child, episode)
        return case
