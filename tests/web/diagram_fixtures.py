"""Fixtures for the modeller and process pages (issue 6), shared with the browser tests:
the engine's small `simple` diagram published, and cases on it at known places."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import forms
from engine.commands import FireTimers, PublishProcesses, StartCase
from engine.executor import SYSTEM, run

ENGINE_TESTS = Path(__file__).resolve().parent.parent / "engine"
SIMPLE = (ENGINE_TESTS / "diagrams" / "simple.bpmn").read_bytes()


@pytest.fixture
def simple_published(session, fake_clock, monkeypatch):
    """`simple` version 1, with the engine tests' forms; no decision tables."""
    monkeypatch.setattr(forms, "FORMS_DIR", ENGINE_TESTS / "forms")
    return run(session, PublishProcesses({"simple.bpmn": SIMPLE}, "first"), SYSTEM)[0]


def start_simple(session, fake_clock, child=None):
    return run(session, StartCase("simple", {"reported_at": fake_clock.now().isoformat()},
                                  child_id=child.id if child else None), SYSTEM)


@pytest.fixture
def cases_on_simple(session, fake_clock, simple_published, make_org, make_child):
    """Two cases of children of one council at 'first': the first one 3 hours old, so its
    2-hour deadline has fired ('first' overdue, 'chase' open); and one of another council."""
    org, other = make_org(), make_org()
    late = start_simple(session, fake_clock, make_child(org))
    fake_clock.advance(hours=3)
    run(session, FireTimers(late.id), SYSTEM)
    fresh = start_simple(session, fake_clock, make_child(org))
    elsewhere = start_simple(session, fake_clock, make_child(other))
    return {"org": org, "other": other, "late": late, "fresh": fresh, "elsewhere": elsewhere}
