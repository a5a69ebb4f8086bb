"""The timer worker and notifications: a tiny diagram of our own (`deadline`), people in
two organisations, a worker that sleeps only by moving the fake clock, and a way to seed
many due timers at once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from engine import clock
from engine.commands import PublishProcesses, StartCase
from engine.executor import SYSTEM, Actor, run
from engine.models import Case, Child, Notification, Organisation, User, UserRole, WorkItem
from engine.worker import Worker

HERE = Path(__file__).resolve().parent


@pytest.fixture
def deadline(session, fake_clock):
    """The `deadline` diagram: a police task due at the case's `due_at`, with a reminder
    an hour before (`reminderBefore` PT1H) and an escalation to the team manager."""
    xml = (HERE / "diagrams" / "deadline.bpmn").read_bytes()
    return run(session, PublishProcesses({"deadline.bpmn": xml}, "tests"), SYSTEM)[0]


class People:
    """An authority with a child, two police officers and a team manager; another
    authority with a police officer and a team manager who must never be told."""

    def __init__(self, session):
        with session.begin():
            here = Organisation(code="here", name="Here Council", kind="local_authority")
            there = Organisation(code="there", name="There Council", kind="local_authority")
            session.add_all([here, there])
            session.flush()
            users = {}
            for key, role, org in [("police", "police", here), ("police2", "police", here),
                                   ("manager", "team_manager", here),
                                   ("admin", "admin", here),
                                   ("police_there", "police", there),
                                   ("manager_there", "team_manager", there)]:
                users[key] = User(email=f"{key}@example.org", name=key.title(),
                                  password_hash="x", organisation_id=org.id,
                                  roles=[UserRole(role=role)])
            session.add_all(users.values())
            child = Child(first_name="Alex", last_name="Example",
                          date_of_birth=dt.date(2011, 5, 4), responsible_org_id=here.id)
            session.add(child)
            session.flush()
        self.ids = {key: user.id for key, user in users.items()}
        self.actors = {key: Actor.for_user(user) for key, user in users.items()}
        self.child_id = child.id


@pytest.fixture
def people(session):
    return People(session)


@pytest.fixture
def start(session, deadline, people):
    """start(due, explode=False) -> case id of a `deadline` case for the child."""

    def start_case(due: dt.datetime, explode: bool = False) -> int:
        data = {"due_at": due.astimezone(dt.UTC).isoformat(), "explode": explode}
        return run(session, StartCase("deadline", data, child_id=people.child_id), SYSTEM).id

    return start_case


@pytest.fixture
def worker(sessions, fake_clock):
    """A worker whose sleeping moves the fake clock (and records how long it slept)."""
    w = Worker(sessions, name="Test worker")
    w.slept = []

    def sleep(seconds):
        w.slept.append(seconds)
        fake_clock.advance(seconds=seconds)

    w.sleep = sleep
    return w


def open_items(session, case_id) -> dict[str, WorkItem]:
    session.rollback()
    return {w.element_id: w for w in session.scalars(select(WorkItem).where(
        WorkItem.case_id == case_id, WorkItem.state == "open"))}


def told(session, item: WorkItem, kind: str) -> list[int]:
    """The ids of the people told about `item` by notifications of `kind`."""
    session.rollback()
    return sorted(session.scalars(select(Notification.user_id).where(
        Notification.work_item_id == item.id, Notification.kind == kind)))


def case(session, case_id) -> Case:
    session.rollback()
    return session.get(Case, case_id)


def at(fake_clock, when: dt.datetime) -> dt.datetime:
    fake_clock.set(when)
    return clock.now()
