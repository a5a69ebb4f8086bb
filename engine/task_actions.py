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
`check_properties` refuses, when a diagram is published (Check), what would fail or do
nothing in a case: an unknown flag, a constant value the flag cannot hold, a meeting
that does not exist, a condition that does not parse, a form without the found answers.
"""

from __future__ import annotations

import ast
import datetime as dt

from sqlalchemy import select

from . import audit, child_record, episodes, scripting
from .errors import InvalidDiagram, InvalidInput
from .models import Case, Child, Episode

MEETINGS = ("stage_one", "stage_two")
# Every property this module reads, and those that only make sense beside `childFlag`.
PROPERTIES = ("childFlag", "childFlagWhen", "childFlagValue", "childFlagReason",
              "startMeeting", "recountEpisodes", "reportsFound")
FLAG_COMPANIONS = ("childFlagWhen", "childFlagValue", "childFlagReason")
FOUND_ANSWERS = ("review_found_at", "review_found_where", "review_found_by")


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


# --- Check: the properties above, refused at publish time --------------------------------

_BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
_SPIFF = "{http://spiffworkflow.org/bpmn/schema/1.0/core}"


def check_properties(root, filename: str, load_form=None) -> list[InvalidDiagram]:
    """The task-action properties of every element in one diagram file, as Check sees them:
    each problem names the element and the property. `load_form(key)` gives a form's
    definition (engine.forms.load by default); a form it cannot give is Check's other
    finding ("form does not exist"), not repeated here."""
    if load_form is None:
        from . import forms
        load_form = forms.load
    problems = []
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        props = {p.get("name"): p.get("value") or "" for p in node.iterfind(
            f"{_BPMN}extensionElements/{_SPIFF}properties/{_SPIFF}property")}
        if not any(name in props for name in PROPERTIES):
            continue
        element, line = node.get("id"), node.sourceline

        def refuse(message, element=element, line=line):
            problems.append(InvalidDiagram(message, file=filename, element=element,
                                           line=line))

        if node.tag != f"{_BPMN}userTask":
            refuse("task actions (" + ", ".join(n for n in PROPERTIES if n in props)
                   + ") run when a person completes a user task: move them to one")
            continue
        _check_flag_properties(props, refuse)
        if "startMeeting" in props:
            _check_meeting(props["startMeeting"], refuse)
        if "recountEpisodes" in props and props["recountEpisodes"] not in ("true", "false"):
            refuse("property recountEpisodes must be true or false, not "
                   f"'{props['recountEpisodes']}'")
        if "reportsFound" in props:
            _check_found(props["reportsFound"], props.get("formKey"), load_form, refuse)
    return problems


def _check_flag_properties(props, refuse) -> None:
    flag = props.get("childFlag")
    if flag is None:
        for name in FLAG_COMPANIONS:
            if name in props:
                refuse(f"property {name} needs a childFlag property naming the flag")
        return
    if flag not in child_record.FLAGS:
        refuse(f"property childFlag: there is no flag '{flag}' on a child's record "
               f"(known: {', '.join(sorted(child_record.FLAGS))})")
        return
    if "childFlagWhen" in props:
        _check_expression("childFlagWhen", props["childFlagWhen"], refuse)
    if "childFlagValue" in props:
        if _check_expression("childFlagValue", props["childFlagValue"], refuse):
            constant = _constant(props["childFlagValue"])
            if constant is not _NOT_CONSTANT:
                try:
                    child_record._check_flag(flag, constant)
                except InvalidInput as exc:
                    words = "; ".join(m for ms in exc.errors.values() for m in ms)
                    refuse(f"property childFlagValue: {constant!r} is not a value flag "
                           f"'{flag}' can hold ({words})")
    if "childFlagReason" in props and not props["childFlagReason"].strip():
        refuse("property childFlagReason is empty: say why the flag is set, or leave it out")


def _check_meeting(source, refuse) -> None:
    if not _check_expression("startMeeting", source, refuse):
        return
    constant = _constant(source)
    if constant is not _NOT_CONSTANT and constant not in MEETINGS:
        refuse(f"property startMeeting: {constant!r} is not a meeting that can be started "
               f"({' or '.join(MEETINGS)}); give an answer's name, e.g. stage_meeting")


def _check_found(source, form_key, load_form, refuse) -> None:
    if not _check_expression("reportsFound", source, refuse):
        return
    if not form_key:
        return
    try:
        schema = load_form(form_key).get("schema", {})
    except Exception:  # noqa: BLE001 - the missing form is reported by Check itself
        return
    missing = [name for name in FOUND_ANSWERS if name not in _field_names(schema)]
    if missing:
        refuse(f"property reportsFound: form '{form_key}' does not ask "
               f"{', '.join(missing)}, which report the child found")


def _field_names(schema: dict) -> set[str]:
    names = set(schema.get("properties") or {})
    for key in ("allOf", "anyOf", "oneOf"):
        for part in schema.get(key, ()):
            names |= _field_names(part)
    for key in ("if", "then", "else"):
        if isinstance(schema.get(key), dict):
            names |= _field_names(schema[key])
    return names


def _check_expression(name, source, refuse) -> bool:
    source = (source or "").strip()
    if not source:
        refuse(f"property {name} is empty: give a condition or leave it out")
        return False
    try:
        scripting.check_source(source, "eval")
    except scripting.ScriptRejected as exc:
        refuse(f"property {name}: {exc.message}")
        return False
    except SyntaxError as exc:
        refuse(f"property {name} does not parse: {exc.msg}")
        return False
    return True


_NOT_CONSTANT = object()


def _constant(source: str):
    """The value of a literal expression ("True", "'high'"), or _NOT_CONSTANT."""
    try:
        return ast.literal_eval(source.strip())
    except (ValueError, SyntaxError):
        return _NOT_CONSTANT
