"""Every hostile diagram of the corpus, through Check, publish and, where it publishes, a
case: refused with the element named, or the case stops in error at the element, each
within a time bound (the bound is what failed on the code before issue 15: these hung)."""

import time

import pytest
from sqlalchemy import select

from engine import forms, runtime, specs
from engine.commands import CompleteWorkItem, PublishProcesses, StartCase
from engine.commands.fire_timers import MarkCaseFailed
from engine.errors import CaseFailed, DiagramProblems
from engine.executor import SYSTEM, run
from engine.models import Case, ProcessVersion, WorkItem
from tests.engine.conftest import HERE as ENGINE_TESTS

from .corpus import CORPUS

CHECK_SECONDS = 3.0
RUN_SECONDS = 3.0


@pytest.fixture
def note_form(monkeypatch):
    monkeypatch.setattr(forms, "FORMS_DIR", ENGINE_TESTS / "forms")


def timed(call):
    started = time.monotonic()
    try:
        return call(), None, time.monotonic() - started
    except Exception as exc:  # noqa: BLE001 - the test looks at what was raised
        return None, exc, time.monotonic() - started


@pytest.mark.parametrize("hostile", [c for c in CORPUS if c.refused], ids=lambda c: c.name)
def test_check_and_publish_refuse(session, fake_clock, note_form, hostile):
    problems, error, took = timed(lambda: specs.check(hostile.files))
    assert error is None and took < CHECK_SECONDS
    assert any(hostile.refused in p.message for p in problems), problems
    if hostile.element:
        assert any(hostile.element in (p.element or "") for p in problems), problems
    _, error, took = timed(lambda: run(session, PublishProcesses(hostile.files), SYSTEM))
    assert isinstance(error, DiagramProblems) and took < CHECK_SECONDS
    session.rollback()
    assert session.scalar(select(ProcessVersion.id)) is None


RUNS = [c for c in CORPUS if c.fails and not c.refused]


@pytest.mark.parametrize("hostile", RUNS, ids=lambda c: c.name)
def test_published_case_stops_in_error_at_the_element(session, fake_clock, note_form,
                                                      hostile, people):
    assert specs.check(hostile.files) == []
    run(session, PublishProcesses(hostile.files), SYSTEM)
    case = run(session, StartCase("hostile", {}), SYSTEM)
    item = session.scalar(select(WorkItem).where(WorkItem.case_id == case.id,
                                                 WorkItem.element_id == "first"))
    _, error, took = timed(lambda: run(session, CompleteWorkItem(
        item.id, {"note": "Seen", "outcome": "done"}), people["police"]))
    # A loop through the engine itself stops at the engine's own bound (the task tree's
    # depth, in about a second; its seconds on a machine loaded enough).
    bound = runtime.MAX_ENGINE_SECONDS + 1 if hostile.name == "engine-loop" else RUN_SECONDS
    assert took < bound, f"took {took:.1f} s"
    assert isinstance(error, CaseFailed), error
    assert error.element in hostile.element.split("|") and hostile.fails in str(error)
    assert error.case_id == case.id
    run(session, MarkCaseFailed(case.id, error), SYSTEM)
    session.rollback()
    stored = session.get(Case, case.id)
    assert stored.status == "error" and stored.error_element == error.element
    # Nothing was lost: the completed step rolled back and is still open.
    assert session.get(WorkItem, item.id).state == "open"
