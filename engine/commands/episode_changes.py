"""Changes to an episode after it was reported: its category (A <-> M, R1) and its
times (last seen, reported, found), each with a reason, without a second case."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from .. import audit, child_record, clock, episodes, runtime
from ..errors import Conflict, InvalidInput, NotFound, NotPermitted
from ..models import Case, Child, Episode, EpisodeSegment
from .deliver_message import DeliverMessage

# Who may say the child's whereabouts became known or were lost (the people told).
CATEGORY_ROLES = frozenset({"carer", "police", "mach", "social_worker", "team_manager",
                            "edt"})
# Who may correct an episode's recorded times: supervisors of the police and social work.
CORRECT_ROLES = frozenset({"police_supervisor", "mach", "team_manager", "service_manager",
                           "admin"})


def _episode(ctx, episode_id: int, roles, what: str) -> Episode:
    if not (ctx.actor.is_system or ctx.actor.roles & roles):
        raise NotPermitted(f"your role cannot {what}")
    episode = ctx.session.get(Episode, episode_id)
    if episode is None:
        raise NotFound(f"there is no episode {episode_id}")
    # Changes to one child's episodes are made one after the other (as reports are).
    ctx.session.get(Child, episode.child_id, with_for_update=True)
    return episode


def _instant(value, name: str, errors: dict) -> dt.datetime | None:
    if value in (None, ""):
        return None
    try:
        return clock.given(value)
    except ValueError:
        errors[name] = ["Enter a real date and time"]
        return None


def _segments(session, episode_id: int) -> list[EpisodeSegment]:
    return list(session.scalars(select(EpisodeSegment).where(
        EpisodeSegment.episode_id == episode_id).order_by(EpisodeSegment.starts_at,
                                                          EpisodeSegment.id)))


def _touch_cases(ctx, episode: Episode, action: str, detail: dict, rearm: bool) -> None:
    """Load each running case of the episode (which refreshes its facts), move its date
    timers if asked, and save it: the next decision reads the change."""
    for case_id in ctx.session.scalars(select(Case.id).where(
            Case.episode_id == episode.id, Case.status == "running").order_by(Case.id)):
        case, workflow = runtime.load_case(ctx.session, case_id)
        moved = runtime.rearm_date_timers(workflow) if rearm else 0
        runtime.save_case(ctx.session, case, workflow, ctx.actor, action,
                          {**detail, "timers_moved": moved})


@dataclass
class ChangeCategory:
    """The child's whereabouts became known (M -> A) or were lost (A -> M) while still
    away: one episode, one case; the 903 return closes one row and opens the next."""

    episode_id: int
    category: str
    at: dt.datetime | str | None
    reason: str

    def __call__(self, ctx) -> Episode:
        episode = _episode(ctx, self.episode_id, CATEGORY_ROLES, "change an episode")
        errors: dict = {}
        if episode.found_at is not None or episode.status != "open":
            raise InvalidInput("the episode has ended", {"category": [
                "The child has been found: the episode's category can no longer change"]})
        if self.category not in episodes.CATEGORIES:
            errors["category"] = ["Select missing or away from placement"]
        elif self.category == episode.category:
            errors["category"] = ["The episode is already in this category"]
        elif self.category == "A" and child_record.legal_status_on(
                ctx.session, episode.child, clock.london(ctx.now).date()) == "not_in_care":
            errors["category"] = ["Away from placement is only for a child in care"]
        at = _instant(self.at, "at", errors) or (ctx.now if "at" not in errors else None)
        segments = _segments(ctx.session, episode.id)
        current = segments[-1] if segments else None
        if at is not None:
            if at > ctx.now:
                errors["at"] = ["The time must not be in the future"]
            elif at < (current.starts_at if current else episode.last_seen_at):
                errors["at"] = ["The time must be after the current category began"]
        reason = (self.reason or "").strip()
        if not reason:
            errors["reason"] = ["Say why the category changes"]
        if errors:
            raise InvalidInput("the category change has errors", errors)
        if current is None:  # an episode recorded before segments were kept
            current = EpisodeSegment(episode_id=episode.id, category=episode.category,
                                     starts_at=episode.last_seen_at,
                                     changed_by=ctx.actor.name, changed_at=ctx.now)
            ctx.session.add(current)
        current.ends_at = at
        ctx.session.add(EpisodeSegment(episode_id=episode.id, category=self.category,
                                       starts_at=at, reason=reason,
                                       changed_by=ctx.actor.name, changed_at=ctx.now))
        old, episode.category = episode.category, self.category
        ctx.session.flush()
        audit.record(ctx.session, ctx.actor, "episode.category_changed", "episode",
                     episode.id, child_id=episode.child_id,
                     detail={"from": old, "to": self.category, "at": at.isoformat(),
                             "reason": reason})
        _touch_cases(ctx, episode, "episode.category_changed",
                     {"episode": episode.id, "category": self.category}, rearm=False)
        if self.category == "M":
            _tell_now_missing(ctx, episode)
            # An away episode that becomes missing now counts (once) towards R28/R31.
            episodes.recount(ctx, episode.child, episode)
        return episode


def _tell_now_missing(ctx, episode: Episode) -> None:
    """R1: an away episode that becomes missing takes the police route at once (grading
    due as for a new report, locate work), not at the next daily away check: away.bpmn
    waits for category_missing. A case already on the police route waits for nothing."""
    case_id = ctx.session.scalar(select(Case.id).where(
        Case.episode_id == episode.id, Case.process_id == "episode",
        Case.status == "running"))
    if case_id is None:
        return
    try:
        DeliverMessage(case_id, "category_missing", {"category": "M"})(ctx)
    except Conflict:
        pass


@dataclass
class CorrectEpisodeTimes:
    """Put right when the child was last seen, reported or found. The deadlines anchored
    on them (date timers) are evaluated again and the repeat-episode count follows."""

    episode_id: int
    reason: str
    last_seen_at: dt.datetime | str | None = None
    reported_at: dt.datetime | str | None = None
    found_at: dt.datetime | str | None = None

    def __call__(self, ctx) -> Episode:
        episode = _episode(ctx, self.episode_id, CORRECT_ROLES, "correct an episode's times")
        errors: dict = {}
        given = {name: _instant(getattr(self, name), name, errors)
                 for name in ("last_seen_at", "reported_at", "found_at")}
        if given["found_at"] is not None and episode.found_at is None:
            errors["found_at"] = ["The child has not been reported found: report them found"]
        new = {name: given[name] or getattr(episode, name)
               for name in ("last_seen_at", "reported_at", "found_at")}
        for name, when in new.items():
            if when is not None and when > ctx.now and name not in errors:
                errors[name] = ["The time must not be in the future"]
        if new["last_seen_at"] > new["reported_at"] and "reported_at" not in errors:
            errors["reported_at"] = ["The report must be after the time last seen"]
        if new["found_at"] is not None and new["found_at"] < new["last_seen_at"]:
            errors["found_at"] = ["Time found must be after the time last seen"]
        seen_on = clock.london(new["last_seen_at"]).date()
        if seen_on < episode.child.date_of_birth:
            errors["last_seen_at"] = ["Time last seen must be after the date of birth"]
        elif child_record.age_on(episode.child.date_of_birth, seen_on) >= 18:
            errors["last_seen_at"] = ["The child would have been 18 or over when last seen"]
        reason = (self.reason or "").strip()
        if not reason:
            errors["reason"] = ["Say why the times are corrected"]
        if not any(given.values()) and not errors:
            errors["last_seen_at"] = ["Give at least one corrected time"]
        if errors:
            raise InvalidInput("the corrected times have errors", errors)
        changes = {}
        for name, when in new.items():
            old = getattr(episode, name)
            if when != old:
                changes[name] = [old.isoformat() if old else None, when.isoformat()]
                setattr(episode, name, when)
        if not changes:
            return episode
        segments = _segments(ctx.session, episode.id)
        if segments:
            segments[0].starts_at = new["last_seen_at"]
            if new["found_at"] is not None:
                segments[-1].ends_at = new["found_at"]
        ctx.session.flush()
        audit.record(ctx.session, ctx.actor, "episode.times_corrected", "episode",
                     episode.id, child_id=episode.child_id,
                     detail={"changes": changes, "reason": reason})
        _touch_cases(ctx, episode, "episode.times_corrected", {"episode": episode.id},
                     rearm=True)
        _reanchor_meetings(ctx, episode)
        episodes.recount(ctx, episode.child, episode)
        return episode


def _reanchor_meetings(ctx, episode: Episode) -> None:
    """A meeting case anchored on this episode's start (R28's 10 working days) moves
    with it."""
    for case in ctx.session.scalars(select(Case).where(
            Case.child_id == episode.child_id, Case.episode_id.is_(None),
            Case.status == "running")).all():
        case, workflow = runtime.load_case(ctx.session, case.id)
        start = workflow.task_tree.data.get("trigger_episode_id")
        if start != episode.id:
            continue
        anchor = episode.last_seen_at.astimezone(dt.UTC).isoformat()
        for task in workflow.get_tasks(state=runtime.TaskState.NOT_FINISHED_MASK):
            if "last_episode_start" in task.data:
                task.data["last_episode_start"] = anchor
        moved = runtime.rearm_date_timers(workflow)
        runtime.save_case(ctx.session, case, workflow, ctx.actor, "episode.times_corrected",
                          {"episode": episode.id, "timers_moved": moved})
