"""A small diagram of our own, so engine tests do not depend on the procedure's."""

from pathlib import Path

import pytest

from engine import forms
from engine.commands import PublishProcesses
from engine.executor import SYSTEM, run

HERE = Path(__file__).resolve().parent


@pytest.fixture
def engine_forms(monkeypatch):
    monkeypatch.setattr(forms, "FORMS_DIR", HERE / "forms")


@pytest.fixture
def simple(session, fake_clock, engine_forms):
    """The `simple` test diagram, published: a police task with a 2-hour deadline from the
    report that escalates to the team manager, then a wait for the message `ping`."""
    xml = (HERE / "diagrams" / "simple.bpmn").read_bytes()
    return run(session, PublishProcesses({"simple.bpmn": xml}), SYSTEM)[0]


@pytest.fixture
def people(session):
    """Real users, so audit rows and work items can point at them."""
    from engine.executor import Actor
    from engine.models import Organisation, User, UserRole

    with session.begin():
        org = Organisation(code="test-org", name="Test Council", kind="local_authority")
        session.add(org)
        session.flush()
        made = {}
        for key, name, role in [("police", "Pat Police", "police"),
                                ("other_police", "Pip Police", "police"),
                                ("social_worker", "Sam Social Worker", "social_worker")]:
            user = User(email=f"{key}@example.org", name=name, password_hash="x",
                        organisation_id=org.id, roles=[UserRole(role=role)])
            session.add(user)
            made[key] = user
        session.flush()
    return {key: Actor.for_user(user) for key, user in made.items()}
