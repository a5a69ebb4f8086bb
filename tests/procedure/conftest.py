"""Helpers for driving the procedure's diagrams (processes/) through the engine's commands
with the fake clock: people in every role, children, reports, work items and timers."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.child_record import SavePeriod
from engine.commands import (
    CompleteWorkItem,
    FireTimers,
    ReportEpisode,
    ReportFound,
)
from engine.commands.fire_timers import due_case_ids
from engine.commands.report_episode import open_episode
from engine.executor import SYSTEM, Actor, run
from engine.models import (
    Case,
    Child,
    Episode,
    Organisation,
    PartnershipOrganisation,
    User,
    UserRole,
    WorkItem,
)

POLICE_ORG_ROLES = ("mach", "police_inspector")
FORMS = Path(__file__).resolve().parents[2] / "forms"

ROLES = ("police", "police_supervisor", "police_inspector", "mach", "social_worker",
         "team_manager", "iro", "rhi_worker", "edt", "metco", "carer", "service_manager",
         "home_office", "health")


def example(form_key: str, **overrides) -> dict:
    data = copy.deepcopy(json.loads((FORMS / f"{form_key}.json").read_text())["example"])
    data.update(overrides)
    # An override of None leaves the field out, as an unanswered optional question.
    return {key: value for key, value in data.items() if value is not None}


def iso(when: dt.datetime) -> str:
    return when.isoformat()


class Procedure:
    """One test's organisations, people and commands."""

    def __init__(self, session, clock):
        self.session = session
        self.clock = clock
        with session.begin():
            self.org = Organisation(code="cumbria", name="Westmorland and Furness Council",
                                    kind="local_authority")
            self.other_org = Organisation(code="other-la", name="Other Council",
                                          kind="local_authority")
            # R8: the MACH review is done by a police officer in the MACH, so the MACH user
            # belongs to the police force (the other people to the council).
            self.police_org = Organisation(code="cumbria-police", name="Cumbria Constabulary",
                                           kind="police")
            session.add_all([self.org, self.other_org, self.police_org])
            session.flush()
            # "Ours": the partnership every placement direction is judged against.
            session.add(PartnershipOrganisation(organisation_id=self.org.id, added_by="tests",
                                                added_at=clock.now()))
            users = {}
            for role in ROLES:
                org_id = self.police_org.id if role in POLICE_ORG_ROLES else self.org.id
                user = User(email=f"{role}@example.org", name=f"{role.title()} Person",
                            password_hash="x", organisation_id=org_id,
                            roles=[UserRole(role=role)])
                session.add(user)
                users[role] = user
            session.flush()
            self.user_ids = {role: u.id for role, u in users.items()}
            self.actors = {role: Actor.for_user(u) for role, u in users.items()}
            self.org_id, self.other_org_id = self.org.id, self.other_org.id

    # children and episodes

    # Where the child is placed, seen from our partnership (engine/child_record.DIRECTIONS):
    # in_area (ours, placed here), out_of_area (ours, placed in the other council),
    # placed_here (the other council's child placed here); a child not in care is not
    # placed.
    def child(self, legal_status="care_order", flags=None, placed="in_area",
              social_worker=None, iro=True, date_of_birth=dt.date(2011, 5, 4)) -> int:
        theirs = placed == "placed_here"
        if social_worker is None:  # another council's child has their social worker
            social_worker = not theirs
        self.session.rollback()
        with self.session.begin():
            child = Child(first_name="Alex", last_name="Example", date_of_birth=date_of_birth,
                          ethnicity="White British", legal_status="not_in_care",
                          responsible_org_id=self.other_org_id if theirs else self.org_id,
                          flags=flags or {})
            self.session.add(child)
            self.session.flush()
            child_id = child.id
        since = dt.date(2025, 1, 6)
        if legal_status != "not_in_care":
            self.record(child_id, "legal_status", legal_status=legal_status, starts_on=since)
            where = self.other_org_id if placed in ("out_of_area", "elsewhere") \
                else self.org_id
            self.record(child_id, "placement", address="Foster placement", starts_on=since,
                        local_authority_id=where, placement_type="U6")
        if social_worker:
            self.record(child_id, "allocation", role="social_worker", starts_on=since,
                        user_id=self.user_ids["social_worker"])
        if iro and legal_status != "not_in_care":
            self.record(child_id, "allocation", role="iro", starts_on=since,
                        user_id=self.user_ids["iro"])
        return child_id

    def record(self, child_id: int, kind: str, reason="tests", **values):
        """Add a dated period to the child's record through its command."""
        self.session.rollback()
        return run(self.session, SavePeriod(child_id, kind, values, reason), SYSTEM).id

    def report(self, child_id: int, actor="police", keep_open=False, **overrides) -> int:
        """Report an episode. One absence is one episode, so a child still missing from an
        earlier report is first reported found (an hour after they were last seen, or
        now), unless `keep_open`."""
        now = self.clock.now()
        if not keep_open:
            self.end_open_episode(child_id)
        data = example("missing_report",
                       last_seen_at=iso(now - dt.timedelta(minutes=30)),
                       reported_at=iso(now),
                       checks_deadline=iso(now + dt.timedelta(hours=1)))
        data.update(overrides)
        # An override of None leaves the answer out, as example() does.
        data = {key: value for key, value in data.items() if value is not None}
        episode = run(self.session, ReportEpisode(child_id, data), self.actors[actor])
        return episode.id

    def end_open_episode(self, child_id: int) -> None:
        """Report the child's open episode (if any) found an hour after last seen, or now."""
        self.session.rollback()
        current = open_episode(self.session, child_id)
        if current is not None:
            now = self.clock.now()
            found_at = min(current.last_seen_at + dt.timedelta(hours=1), now)
            if found_at < current.last_seen_at:  # the test moved the clock back
                found_at = current.last_seen_at + dt.timedelta(minutes=1)
                self.clock.set(found_at)
            self.session.rollback()
            run(self.session, ReportFound(current.id, found_at, "home", "police"), SYSTEM)
            self.clock.set(max(now, self.clock.now()) if found_at <= now else now)

    def episode_at(self, child_id: int, last_seen: dt.datetime, **overrides) -> int:
        """Report an episode that started at `last_seen` (reported 30 minutes later); the
        clock moves there first unless it is already later (an episode entered late)."""
        reported = last_seen + dt.timedelta(minutes=30)
        if self.clock.now() < reported:
            self.clock.set(reported)
        return self.report(child_id, last_seen_at=iso(last_seen), reported_at=iso(reported),
                           checks_deadline=iso(reported + dt.timedelta(hours=1)),
                           **overrides)

    def child_cases(self, child_id: int, process: str) -> list[Case]:
        self.session.rollback()
        return list(self.session.scalars(select(Case).where(
            Case.child_id == child_id, Case.process_id == process).order_by(Case.id)))

    def case_items(self, case_id: int, state="open") -> dict[str, WorkItem]:
        self.session.rollback()
        rows = self.session.scalars(select(WorkItem).where(
            WorkItem.case_id == case_id, WorkItem.state == state).order_by(WorkItem.id))
        return {w.element_id: w for w in rows}

    def complete_in(self, case_id: int, element_id: str, actor=None, **overrides):
        """Complete an open item of any case with its form's example, changed by
        `overrides`."""
        item = self.case_items(case_id)[element_id]
        data = example(item.form_key, **overrides)
        return run(self.session, CompleteWorkItem(item.id, data),
                   self.actors[actor or item.role])

    def found(self, episode_id: int, found_at=None, actor="police", **kw):
        found_at = found_at or self.clock.now()
        kw.setdefault("found_where", "home")
        kw.setdefault("found_by", "police")
        run(self.session, ReportFound(episode_id, found_at, **kw), self.actors[actor])

    # reading

    def episode(self, episode_id: int) -> Episode:
        self.session.rollback()
        return self.session.get(Episode, episode_id)

    def case(self, episode_id: int) -> Case:
        self.session.rollback()
        return self.session.scalar(select(Case).where(Case.episode_id == episode_id,
                                                      Case.process_id == "episode"))

    def items(self, episode_id: int, state="open", process="episode") -> dict[str, WorkItem]:
        """Work items of the episode's case (or of the case of `process` beside it)."""
        self.session.rollback()
        case_ids = select(Case.id).where(Case.episode_id == episode_id,
                                         Case.process_id == process)
        rows = self.session.scalars(select(WorkItem).where(
            WorkItem.case_id.in_(case_ids), WorkItem.state == state).order_by(WorkItem.id))
        return {w.element_id: w for w in rows}

    def summary(self, episode_id: int) -> dict[str, tuple]:
        """{element: (role, due_at)} of the open work items."""
        return {k: (w.role, w.due_at) for k, w in self.items(episode_id).items()}

    # acting

    def complete(self, episode_id: int, element_id: str, actor=None, process="episode",
                 **overrides):
        item = self.items(episode_id, process=process)[element_id]
        data = example(item.form_key, **overrides)
        return run(self.session, CompleteWorkItem(item.id, data),
                   self.actors[actor or item.role])

    def advance(self, **delta):
        self.clock.advance(**delta)
        self.fire()

    def set(self, when: dt.datetime):
        self.clock.set(when)
        self.fire()

    def fire(self):
        self.session.rollback()
        for case_id in due_case_ids(self.session, self.clock.now()):
            run(self.session, FireTimers(case_id), SYSTEM)
        self.session.rollback()


@pytest.fixture
def proc(session, fake_clock, published):
    yield Procedure(session, fake_clock)
    session.rollback()  # end any read snapshot before the database is emptied


def open_items(session, episode_id):
    session.rollback()
    case_ids = select(Case.id).where(Case.episode_id == episode_id,
                                     Case.process_id == "episode")
    return {w.element_id: w for w in session.scalars(select(WorkItem).where(
        WorkItem.case_id.in_(case_ids), WorkItem.state == "open"))}


def advance(fake_clock, session, **delta):
    fake_clock.advance(**delta)
    session.rollback()
    for case_id in due_case_ids(session, fake_clock.now()):
        run(session, FireTimers(case_id), SYSTEM)
    session.rollback()
