from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import delete

from .. import forms, runtime, task_actions
from ..errors import Conflict
from ..models import Draft, WorkItem
from ..projections import ESCALATION_FORM
from .claim import check_may_act, open_item


@dataclass
class CompleteWorkItem:
    """Complete a work item with its form's data and run the case on to its next wait."""

    work_item_id: int
    data: dict = field(default_factory=dict)
    expected_revision: int | None = None

    def __call__(self, ctx) -> WorkItem:
        item = open_item(ctx.session, self.work_item_id)
        check_may_act(ctx.actor, item)
        data = forms.validate(item.form_key, self.data) if item.form_key else self.data
        case, workflow = runtime.load_case(ctx.session, item.case_id,
                                           expected_revision=self.expected_revision)
        task = workflow.get_task_from_id(UUID(item.task_id))
        if task is None or task.state != TaskState.READY:
            raise Conflict("this work is no longer waiting in the case")
        task.data.update(data)
        if item.form_key == ESCALATION_FORM:
            # R36: whose late work it was picks the line management an escalation goes
            # through (deadline_escalation.bpmn: police line, else the council's).
            task.data["late_work_role"] = item.role
        task.run()
        runtime.run_engine(workflow)
        item.state = "completed"
        item.completed_at = ctx.now
        item.completed_by_id = ctx.actor.user_id
        item.completed_by = ctx.actor.name
        item.data = data
        if item.drafted:  # drafts of a completed item would only mislead
            ctx.session.execute(delete(Draft).where(Draft.work_item_id == item.id))
        # Flags on the child's record, meetings chosen, recounts (R13, R25, R27, R29).
        task_actions.after_completion(ctx, case, workflow, task)
        runtime.save_case(ctx.session, case, workflow, ctx.actor, "work_item.completed",
                          {"work_item": item.id, "element": item.element_id})
        # A child reported found from a review (R6, R20).
        task_actions.after_save(ctx, case, workflow, task)
        return item

