"""Rows the returns read, written directly: the returns read projections and the child's
record only, so a test sets those up without running the procedure."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from engine.models import Case, Child, Episode, Organisation, ProcessVersion, WorkItem
from tests.web.conftest import app, client, make_org, make_user, signed_in  # noqa: F401

_n = itertools.count(1)


@pytest.fixture
def records(session, fake_clock):
    class Records:
        def __init__(self):
            with session.begin():
                self.version = ProcessVersion(
                    process_id="episode", version=1, filename="episode.bpmn", xml=b"",
                    spec_json="{}", sha256="0" * 64, calls=[], published_by="tests",
                    published_at=fake_clock.now())
                session.add(self.version)

        def org(self, code="wfc", kind="local_authority"):
            with session.begin():
                org = Organisation(code=code, name=code.upper(), kind=kind)
                session.add(org)
            return org

        def child(self, org, **fields):
            values = dict(first_name="Ava", last_name=f"Test{next(_n)}",
                          date_of_birth=dt.date(2011, 5, 14), legal_status="care_order",
                          responsible_org_id=org.id,
                          flags={"looked_after_since": "2024-02-01"})
            values.update(fields)
            with session.begin():
                child = Child(**values)
                session.add(child)
            return child

        def episode(self, child, category, seen, found=None, **fields):
            with session.begin():
                episode = Episode(child_id=child.id, category=category, last_seen_at=seen,
                                  reported_at=seen, found_at=found, report={},
                                  status="closed" if found else "open", closed_at=found,
                                  **fields)
                session.add(episode)
                session.flush()
                case = Case(process_id="episode", process_version_id=self.version.id,
                            child_id=child.id, episode_id=episode.id, state="{}",
                            status="completed" if found else "running")
                session.add(case)
            episode.case = case
            return episode

        def work(self, episode, form_key, state="completed", data=None, due=None,
                 completed=None, role="rhi_worker", element=None, created=None,
                 clock_name=None):
            with session.begin():
                item = WorkItem(case_id=episode.case.id, task_id=f"t{next(_n)}",
                                process_id="interview", element_id=element or form_key,
                                name=form_key.replace("_", " "), role=role,
                                form_key=form_key, state=state, due_at=due,
                                clock=clock_name,
                                completed_at=completed, data=data,
                                created_at=created or fake_clock.now())
                session.add(item)
            return item

    return Records()
