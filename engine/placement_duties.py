"""R12: what a new placement on a child's record starts. The Philomena Protocol is
preventive: the form is filed when the child is placed (processes/placement.bpmn decides
whether it applies), not only once the child goes missing."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from . import child_record, clock
from .errors import NotFound
from .models import Case, Episode

PROCESS = "placement"


def on_new_placement(ctx, child, placement) -> Case | None:
    """Start the placement case for a placement just added to the record, or nothing
    where the procedure is not published (a database with no diagrams yet)."""
    from . import runtime
    from .commands.start_case import start

    if placement.ends_on is not None and placement.ends_on < clock.london(ctx.now).date():
        return None  # a past placement entered as history: nothing to file now
    try:
        runtime.latest_version(ctx.session, PROCESS)
    except NotFound:
        return None
    # the facts as they will be on the day the placement starts (at noon, London time)
    starts = dt.datetime.combine(placement.starts_on, dt.time(12), tzinfo=clock.LONDON)
    data = {
        **child_record.facts(ctx.session, child, at=starts),
        "child_id": child.id,
        "placement_id": placement.id,
        "placement_starts_at": starts.astimezone(dt.UTC).isoformat(),
        "previous_episodes": ctx.session.scalar(
            select(func.count()).select_from(Episode).where(Episode.child_id == child.id)),
    }
    return start(ctx, PROCESS, data, child_id=child.id)


# R12: the risk flags whose change asks for an update of the Philomena Protocol form.
RISK_FLAGS = frozenset({"ce_risk", "ce_risk_level", "mental_health", "learning_needs",
                        "location_withheld"})


def tell_placement_cases(ctx, child_id: int, message: str,
                         placement_id: int | None = None) -> list[int]:
    """Send `message` (placement_risk_changed, placement_ended) to the child's running
    placement cases (only the one of `placement_id` if given) that wait for it. A case
    not waiting for it (the form not sent yet, the Protocol not applying) is left alone."""
    from SpiffWorkflow.bpmn.util import BpmnEvent
    from SpiffWorkflow.exceptions import WorkflowException
    from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition

    from . import runtime

    told = []
    for case in ctx.session.scalars(select(Case).where(
            Case.child_id == child_id, Case.process_id == PROCESS,
            Case.status == "running").order_by(Case.id)):
        case, workflow = runtime.load_case(ctx.session, case.id)
        if placement_id is not None and workflow.data.get("placement_id") != placement_id:
            continue
        try:
            workflow.send_event(BpmnEvent(MessageEventDefinition(message), {}))
        except WorkflowException:
            continue
        runtime.run_engine(workflow)
        runtime.save_case(ctx.session, case, workflow, ctx.actor, f"message.{message}", {})
        told.append(case.id)
    return told
