from __future__ import annotations

from dataclasses import dataclass, field

from .. import runtime
from ..models import Case


@dataclass
class StartCase:
    """Start a case on the newest published version of a process."""

    process_id: str
    data: dict = field(default_factory=dict)
    child_id: int | None = None
    episode_id: int | None = None

    def __call__(self, ctx) -> Case:
        return start(ctx, self.process_id, self.data, child_id=self.child_id,
                     episode_id=self.episode_id)


def start(ctx, process_id, data, *, child_id=None, episode_id=None) -> Case:
    top = runtime.latest_version(ctx.session, process_id)
    case = Case(process_id=process_id, process_version_id=top.id,
                spec_versions=runtime.resolve_versions(ctx.session, top),
                child_id=child_id, episode_id=episode_id, status="running", state="",
                created_at=ctx.now)
    ctx.session.add(case)
    ctx.session.flush()
    workflow = runtime.new_workflow(ctx.session, case, {**data, "case_id": case.id})
    runtime.run_engine(workflow)
    runtime.save_case(ctx.session, case, workflow, ctx.actor, "case.started",
                      {"process": process_id, "version": top.version})
    return case
