"""Children and their missing or away episodes (R1, R2), and what a case starts with."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select

from . import audit, child_record
from .models import Case, Child, Episode, EpisodeSegment, MeetingEpisode, WorkItem

LEGAL_STATUSES = tuple(child_record.LEGAL_STATUSES)
CATEGORIES = {"M": "Missing", "A": "Away from placement without authorisation"}
age_on = child_record.age_on
# The episode's own facts, kept in case data (the child's come from the record).
EPISODE_FACTS = ("episode_id", "child_id", "category", "last_seen_at", "reported_at")


def episode_facts(episode: Episode) -> dict:
    return {
        "episode_id": episode.id,
        "child_id": episode.child_id,
        "category": episode.category,
        "last_seen_at": episode.last_seen_at.astimezone(dt.UTC).isoformat(),
        "reported_at": episode.reported_at.astimezone(dt.UTC).isoformat(),
        "police_told_at": _police_told_at(episode).astimezone(dt.UTC).isoformat(),
        # R5: the grade the episode holds now (report grading or a later review), so a
        # review that keeps "high" is not taken for a rise to high.
        "current_risk_grade": episode.risk_grade or "",
    }


def _police_told_at(episode: Episode) -> dt.datetime:
    """R1: an away episode changed to missing is new to the police when the change is
    recorded (not when the whereabouts were lost, which may be typed in the past):
    grading and the action plan are due from then, as for a new report."""
    from sqlalchemy.orm import object_session

    session = object_session(episode)
    if session is None or episode.id is None:
        return episode.reported_at
    changed = session.scalar(select(EpisodeSegment.changed_at).where(
        EpisodeSegment.episode_id == episode.id, EpisodeSegment.category == "M",
        EpisodeSegment.changed_at > episode.reported_at).order_by(
            EpisodeSegment.changed_at).limit(1))
    return max(changed, episode.reported_at) if changed else episode.reported_at


def case_data(session, child: Child, episode: Episode) -> dict:
    """The facts an episode case starts with (docs/conventions.md): the episode's, and
    the child's as the record says now (refreshed whenever the case is loaded again)."""
    report = episode.report or {}
    return {
        **episode_facts(episode),
        **child_record.facts(session, child, episode),
        "risk_of_serious_harm": bool(report.get("risk_of_serious_harm")),
        "ce_risk_suspected": bool(report.get("ce_risk_suspected")),
        # R3: the checks deadline the reporter set at the outset, and whether the checks'
        # outcome came with the report; R4: whether a recent photo is held.
        "checks_deadline": _utc_text(report.get("checks_deadline")),
        "checks_outcome_given": bool((report.get("checks_outcome") or "").strip()),
        "photo_available": bool(report.get("photo_available")),
    }


def _utc_text(value) -> str:
    """An ISO date-time from a form, as UTC text for the diagrams' timers ("" if none);
    one typed without a zone is London time, as people type it."""
    if not value:
        return ""
    from . import clock

    when = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    if when.tzinfo is None:
        when = when.replace(tzinfo=clock.LONDON)
    return when.astimezone(dt.UTC).isoformat()


# --- repeat episodes (R28, R29, R31, R34) -------------------------------------------

# The per-child meeting cases the decision table can ask for, by its `meeting` answer.
MEETING_PROCESSES = {"stage_one": "stage_one", "consider_stage_one": "stage_one",
                     "stage_two": "stage_two", "escalation": "escalation"}
# Still open, these make further episodes an escalation (R34).
REVIEW_PROCESSES = ("stage_two", "escalation")


def judgement_factors(child: Child, episode: Episode) -> list[str]:
    """The R29 factors known for this episode. Missing over 24 hours is known once the
    child is found; injured and victim of crime once the police record them in the
    prevention interview (read from that work item's stored answers)."""
    flags = child.flags or {}
    factors = []
    if age_on(child.date_of_birth, episode.last_seen_at.date()) < 12:
        factors.append("under_12")
    # "a high CE risk flag" (docs/rules-extra.md): a flag at low or medium level is not
    # a factor; a flag with no level recorded is read as high until someone grades it.
    if flags.get("ce_risk") and flags.get("ce_risk_level") in (None, "", "high"):
        factors.append("ce_risk")
    for flag in ("learning_needs", "mental_health"):
        if flags.get(flag):
            factors.append(flag)
    if episode.found_at is not None and episode.found_at - episode.last_seen_at > dt.timedelta(
            hours=24):
        factors.append("missing_over_24_hours")
    factors += _interview_factors(episode)
    return factors


# R29: answers of the prevention interview (forms/prevention_interview.json) that are
# judgement factors.
INTERVIEW_FACTORS = {"injured": "injured", "victim_of_crime": "victim_of_crime"}


def _interview_factors(episode: Episode) -> list[str]:
    from sqlalchemy.orm import object_session

    session = object_session(episode)
    if session is None or episode.id is None:
        return []
    answers = session.scalars(select(WorkItem.data).join(Case, WorkItem.case_id == Case.id)
                              .where(Case.episode_id == episode.id,
                                     WorkItem.element_id == "prevention_interview",
                                     WorkItem.state == "completed")).all()
    return [factor for key, factor in INTERVIEW_FACTORS.items()
            if any((data or {}).get(key) for data in answers)]


def recount(ctx, child: Child, episode: Episode):
    """Count the child's episodes and ask the trigger table (triggers.dmn) which meeting
    they call for; start that case, or add the episode to the one already open.

    Runs in the transaction of the command that recorded (or found) the episode. The window
    is anchored on the child's latest episode, whatever order episodes were entered in,
    so an older episode entered late counts as if it had been entered on time.
    Returns the meeting case the episode was added to or started, or None.
    """
    from . import triggers
    from .commands.start_case import start

    session = ctx.session
    # What counts (docs/rules-extra.md, "Counting episodes"): the triggers are "missing
    # episodes", so an episode counts when it is or ever was M. Away from placement
    # (whereabouts known) alone does not count; an A episode that becomes M is one
    # episode, counted once from its start; found not to have been missing: kept, not
    # counted (R28, R31).
    ever_missing = select(EpisodeSegment.episode_id).where(EpisodeSegment.category == "M")
    starts = session.scalars(select(Episode.last_seen_at).where(
        Episode.child_id == child.id, Episode.not_missing.is_(False),
        or_(Episode.category == "M", Episode.id.in_(ever_missing)))).all()
    if not starts:
        return None
    latest = max(starts)
    open_cases = {case.process_id: case for case in session.scalars(
        select(Case).where(Case.child_id == child.id, Case.status == "running",
                           Case.process_id.in_(set(MEETING_PROCESSES.values())))
        .order_by(Case.id))}
    inputs = {
        "stage_two_open": any(p in open_cases for p in REVIEW_PROCESSES),
        "episode_days": [(latest - start).total_seconds() / 86400 for start in starts],
        "judgement_factors": judgement_factors(child, episode),
    }
    answer = triggers.decide(session, inputs)
    process_id = MEETING_PROCESSES.get(answer["meeting"])
    if process_id is None:
        return None
    case = open_cases.get(process_id)
    if case is not None and not _mandatory_after_judgement(session, case, answer):
        _add_episode(ctx, case, episode, "added")
        return case
    data = {
        "child_id": child.id,
        "trigger": answer["meeting"],
        "trigger_rule": answer["trigger_rule"],
        "trigger_episode_id": episode.id,
        "last_episode_start": latest.astimezone(dt.UTC).isoformat(),
        "episode_count": sum(1 for days in inputs["episode_days"] if days <= 90),
        "judgement_factors": inputs["judgement_factors"],
        "ce_risk": bool((child.flags or {}).get("ce_risk")),
        "hub_referral_made": _hub_referral_made(session, child),
        "high_risk": _latest_grade(session, child) == "high",
    }
    case = start(ctx, process_id, data, child_id=child.id)
    _add_episode(ctx, case, episode, answer["trigger_rule"] or answer["meeting"])
    audit.record(session, ctx.actor, "meeting.triggered", "case", case.id, case_id=case.id,
                 child_id=child.id, detail={"meeting": answer["meeting"],
                                            "rule": answer["trigger_rule"],
                                            "episode": episode.id,
                                            "table_version": answer["version"]})
    return case


def _mandatory_after_judgement(session, case: Case, answer: dict) -> bool:
    """The open Stage One case was opened for the team manager's judgement (R29), and now
    the count itself calls for a meeting (R28): that is a new trigger, which the team
    manager cannot decline, so it opens its own case."""
    opened_by = session.scalar(select(MeetingEpisode.reason).where(
        MeetingEpisode.case_id == case.id).order_by(MeetingEpisode.id).limit(1))
    return opened_by == "R29" and answer["trigger_rule"] != "R29"


def _hub_referral_made(session, child: Child) -> bool:
    """R28 "a referral to the Safeguarding Hub if none yet": recorded on the child's record,
    or done in an earlier Stage One case."""
    if (child.flags or {}).get("safeguarding_hub_referral"):
        return True
    return session.scalar(select(WorkItem.id).join(Case, WorkItem.case_id == Case.id).where(
        Case.child_id == child.id, WorkItem.element_id == "hub_referral",
        WorkItem.state == "completed").limit(1)) is not None


def _latest_grade(session, child: Child) -> str | None:
    return session.scalar(select(Episode.risk_grade).where(
        Episode.child_id == child.id, Episode.risk_grade.is_not(None))
        .order_by(Episode.last_seen_at.desc()).limit(1))


def _add_episode(ctx, case: Case, episode: Episode, reason: str) -> None:
    exists = ctx.session.scalar(select(MeetingEpisode.id).where(
        MeetingEpisode.case_id == case.id, MeetingEpisode.episode_id == episode.id))
    if exists is None:
        ctx.session.add(MeetingEpisode(case_id=case.id, episode_id=episode.id, reason=reason,
                                       added_at=ctx.now))
        audit.record(ctx.session, ctx.actor, "meeting.episode_added", "case", case.id,
                     case_id=case.id, child_id=case.child_id,
                     detail={"episode": episode.id, "reason": reason})


def meeting_episodes(session, case_id: int) -> list[int]:
    return list(session.scalars(select(MeetingEpisode.episode_id).where(
        MeetingEpisode.case_id == case_id).order_by(MeetingEpisode.episode_id)))
