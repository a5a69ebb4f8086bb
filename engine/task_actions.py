"""What a completed user task asks the engine to do beyond its own case.

Diagrams are data that process owners edit, so these are declared on the user task as
`spiffworkflow:property` entries rather than written in Python per element:

- `childFlag`, `childFlagWhen`, `childFlagValue`, `childFlagReason`: write one flag on the
  child's record (R13 flag on another authority's notification, R27 CE found in the RHI,
  so the next episode is graded high), through `child_record.set_flag`.
- `startMeeting`: an expression giving `stage_one`, `stage_two` or anything else (nothing):
  the practitioner chose a Stage One or Stage Two meeting after the RHI (R25), so that
  meeting's case starts (or the episode joins the one already open).
- `recountEpisodes` = `true`: the answers change the R29 judgement factors (injured,
  victim of crime in the prevention interview), so the child's episodes are counted again.
- `reportsFound`: a condition; when it holds, the task's `review_found_at`,
  `review_found_where` and `review_found_by` answers report the child found, exactly as
  `ReportFound` does (R6: "found" at the low-risk review). Not `found_*`: only the
  child_found message sets those. Run after the case is saved (`after_save`).

Conditions and expressions run in the diagrams' restricted environment, on the task data.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from . import audit, child_record, episodes
from .models import Case, Child, Episode

MEETINGS = ("stage_one", "stage_two")


def after_completion(ctx, case: Case, workflow, task) -> None:
    props = task.task_spec.extensions.get("properties", {})
    engine = workflow.script_engine
    if props.get("childFlag") and case.child_id is not None:
        if engine.evaluate(task, props.get("childFlagWhen") or "True"):
            value = engine.evaluate(task, props.get("childFlagValue") or "True")
            reason = props.get("childFlagReason") or (
                f"Recorded at '{task.task_spec.bpmn_name}'")
            child_record.set_flag(ctx, case.child_id, props["childFlag"], value, reason)
    if props.get("startMeeting") and case.episode_id is not None:
        meeting = engine.evaluate(task, props["startMeeting"])
        if meeting in MEETINGS:
            start_meeting(ctx, case, meeting, task.task_spec.bpmn_name)
    if props.get("recountEpisodes") == "true" and case.episode_id is not None:
        episode = ctx.session.get(Episode, case.episode_id)
        episodes.recount(ctx, episode.child, episode)


def start_meeting(ctx, case: Case, meeting: str, decided_at: str) -> Case:
    """Start a Stage One or Stage Two case chosen by a practitioner (R25), or add the
    episode to the child's open one (one meeting at a time, as for the table's triggers)."""
    from .commands.start_case import start

    session = ctx.session
    child = session.get(Child, case.child_id)
    episode = session.get(Episode, case.episode_id)
    open_case = session.scalar(select(Case).where(
        Case.child_id == child.id, Case.process_id == meeting, Case.status == "running"))
    if open_case is not None:
        episodes._add_episode(ctx, open_case, episode, "R25")
        return open_case
    starts = session.scalars(select(Episode.last_seen_at).where(
        Episode.child_id == child.id)).all()
    latest = max(starts)
    data = {
        "child_id": child.id,
        # a practitioner's decision, not a trigger the team manager could still decline
        "trigger": meeting,
        "trigger_rule": "R25",
        "trigger_episode_id": episode.id,
        "last_episode_start": latest.astimezone(dt.UTC).isoformat(),
        "episode_count": sum(1 for s in starts if (latest - s).days <= 90),
        "judgement_factors": episodes.judgement_factors(child, episode),
        "ce_risk": bool((child.flags or {}).get("ce_risk")),
        "hub_referral_made": episodes._hub_referral_made(session, child),
        "high_risk": episodes._latest_grade(session, child) == "high",
    }
    new = start(ctx, meeting, data, child_id=child.id)
    episodes._add_episode(ctx, new, episode, "R25")
    audit.record(session, ctx.actor, "meeting.chosen", "case", new.id, case_id=new.id,
                 child_id=child.id, detail={"meeting": meeting, "episode": episode.id,
                                            "decided_at": decided_at})
    return new


def after_save(ctx, case: Case, workflow, task) -> None:
    """Actions on the saved case itself (a message to it), after the completion is saved."""
    props = task.task_spec.extensions.get("properties", {})
    condition = props.get("reportsFound")
    if not condition or case.episode_id is None:
        return
    if not workflow.script_engine.evaluate(task, condition):
        return
    from . import clock
    from .commands.deliver_message import ReportFound

    found_at = dt.datetime.fromisoformat(task.data["review_found_at"])
    if found_at.tzinfo is None:
        found_at = found_at.replace(tzinfo=clock.LONDON)  # people type London time
    ReportFound(case.episode_id, found_at, task.data["review_found_where"],
                task.data["review_found_by"])(ctx)
