from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select

from .. import access, audit, child_record, clock, episodes, forms
from ..access import REPORT_ROLES  # noqa: E402,F401 (the role set lives there)
from ..errors import InvalidInput, NotFound, NotPermitted
from ..models import Case, Child, Episode, EpisodeSegment, Organisation, WorkItem
from ..notifications import outbox
from .start_case import start


class EpisodeAlreadyOpen(InvalidInput):
    """The child is already missing or away: one absence is one episode (DATA.md, DfE
    rule 574). Carries the open episode and its case so a page can link to them."""

    def __init__(self, episode: Episode, case_id: int | None):
        since = clock.london(episode.last_seen_at).strftime("%-d %B %Y %H:%M")
        how = "missing" if episode.category == "M" else "away from placement"
        super().__init__(
            f"{episode.child.full_name} is already reported {how} (since {since}); "
            "add what you know to that episode instead of reporting again",
            {"category": [f"Already reported {how} since {since}: open that episode"]})
        self.episode_id = episode.id
        self.case_id = case_id


def open_episode(session, child_id: int) -> Episode | None:
    """The child's episode still waiting for news of the child, if any."""
    return session.scalar(select(Episode).where(
        Episode.child_id == child_id, Episode.status == "open", Episode.found_at.is_(None))
        .order_by(Episode.id.desc()).limit(1))


@dataclass
class ReportEpisode:
    """Record a missing or away episode (R1, R4) and start its case."""

    child_id: int
    report: dict = field(default_factory=dict)
    # The police force the episode is reported to; by default the reporter's own force, or
    # the partnership's only force.
    police_org_id: int | None = None
    # The reporter found the child by exact last name and date of birth (the report page's
    # search): their reason to know a child whose record they do not otherwise see.
    identified: bool = False

    def __call__(self, ctx) -> Episode:
        if not (ctx.actor.is_system or ctx.actor.roles & REPORT_ROLES):
            raise NotPermitted("your role cannot report a child missing")
        # Locked (on PostgreSQL) so that two reports for one child, or one report saved
        # twice at once, are counted one after the other (R28: nothing starts twice).
        child = ctx.session.get(Child, self.child_id, with_for_update=True)
        if child is None or not (self.identified
                                 or access.may_report(ctx.session, ctx.actor, child)):
            # the same answer whether the child does not exist or is not the reporter's
            raise NotFound(f"there is no child {self.child_id} you can report")
        police_org_id = self._police_force(ctx)
        report = forms.validate("missing_report", self.report)
        last_seen = _instant(report["last_seen_at"], "last_seen_at")
        reported = _instant(report.get("reported_at"), "reported_at") if report.get(
            "reported_at") else ctx.now
        if last_seen > reported:
            raise InvalidInput("the child was last seen after the report",
                               {"last_seen_at": ["Time last seen must be before the report"]})
        if last_seen.date() < child.date_of_birth:
            raise InvalidInput("the child was last seen before they were born",
                               {"last_seen_at": ["Time last seen must be after the date of "
                                                 "birth"]})
        same = ctx.session.scalar(select(Episode).where(
            Episode.child_id == child.id, Episode.last_seen_at == last_seen,
            Episode.category == report["category"]))
        if same is not None:
            # The same report saved twice (a double submit, a retried API call): the
            # episode and everything it started exist already; start nothing again.
            return same
        current = open_episode(ctx.session, child.id)
        if current is not None:
            raise EpisodeAlreadyOpen(current, ctx.session.scalar(select(Case.id).where(
                Case.episode_id == current.id, Case.process_id == "episode")))
        seen_on = clock.london(last_seen).date()
        if child_record.age_on(child.date_of_birth, seen_on) >= 18:
            raise InvalidInput("the child was 18 or over when last seen", {
                "last_seen_at": ["The child was 18 or over when last seen: this procedure "
                                 "is for children"]})
        if report["category"] == "A" and \
                child_record.legal_status_on(ctx.session, child, seen_on) == "not_in_care":
            raise InvalidInput("away from placement is only for a looked-after child", {
                "category": ["Away from placement is only for a child in care: report the "
                             "child missing"]})
        episode = Episode(child_id=child.id, category=report["category"],
                          last_seen_at=last_seen, reported_at=reported, report=report,
                          reported_by_id=ctx.actor.user_id, status="open",
                          police_org_id=police_org_id, created_at=ctx.now)
        ctx.session.add(episode)
        ctx.session.flush()
        ctx.session.add(EpisodeSegment(episode_id=episode.id, category=episode.category,
                                       starts_at=last_seen, changed_by=ctx.actor.name,
                                       changed_at=ctx.now))
        audit.record(ctx.session, ctx.actor, "episode.reported", "episode", episode.id,
                     child_id=child.id, detail={"category": episode.category})
        data = episodes.case_data(ctx.session, child, episode)
        # R47: the child's existing safety plan is shown at intake.
        plan = latest_safety_plan(ctx.session, child.id)
        data["has_safety_plan"] = plan is not None
        data["existing_safety_plan"] = (plan or {}).get("safety_plan", "")
        case = start(ctx, "episode", data, child_id=child.id, episode_id=episode.id)
        outbox.episode_reported(ctx.session, case, episode)
        # Beside the episode: the risks every episode considers (R43, R44) and, for a
        # child subject to immigration restriction, the Home Office route (R37-R42).
        start(ctx, "episode_risks", data, child_id=child.id, episode_id=episode.id)
        if data["subject_to_restriction"]:
            start(ctx, "subject_to_restriction", data, child_id=child.id,
                  episode_id=episode.id)
        episodes.recount(ctx, child, episode)
        return episode

    def _police_force(self, ctx) -> int | None:
        if self.police_org_id is not None:
            force = ctx.session.get(Organisation, self.police_org_id)
            if force is None or force.kind != "police":
                raise InvalidInput("the police force is not a police organisation", {
                    "police_org_id": ["Give the id of a police force"]})
            return force.id
        if ctx.actor.organisation_id is not None:
            own = ctx.session.get(Organisation, ctx.actor.organisation_id)
            if own is not None and own.kind == "police":
                return own.id
        forces = ctx.session.scalars(select(Organisation.id)
                                     .where(Organisation.kind == "police").limit(2)).all()
        return forces[0] if len(forces) == 1 else None


def latest_safety_plan(session, child_id: int) -> dict | None:
    """R47: the child's latest safety plan (written with the child at a Stage One or Stage
    Two meeting, form `safety_plan`): its answers with `agreed_at`, or None."""
    row = session.execute(
        select(WorkItem.data, WorkItem.completed_at).join(Case, WorkItem.case_id == Case.id)
        .where(Case.child_id == child_id, WorkItem.form_key == "safety_plan",
               WorkItem.state == "completed")
        .order_by(WorkItem.completed_at.desc()).limit(1)).first()
    if row is None:
        return None
    return {**(row.data or {}), "agreed_at": row.completed_at}


def _instant(value: str, field_name: str) -> dt.datetime:
    try:
        return clock.given(value)
    except (TypeError, ValueError):
        raise InvalidInput("a date and time is not valid",
                           {field_name: ["Enter a real date and time"]}) from None
