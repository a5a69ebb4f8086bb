"""Case state survives the round trip at every step, and holds no diagram."""

import datetime as dt
import json

import pytest
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine import scripting, specs, store

from .conftest import HERE


@pytest.fixture
def simple_spec(engine_forms):
    xml = (HERE / "diagrams" / "simple.bpmn").read_bytes()
    return specs.parse_bundle({"simple.bpmn": xml})["simple"]


def round_trip(workflow, parsed):
    payload = store.dumps(workflow)
    return payload, store.loads(payload, parsed.spec, parsed.embedded,
                                scripting.make_script_engine())


def snapshot(workflow):
    return sorted((str(t.id), t.task_spec.name, t.state, json.dumps(t.data, sort_keys=True))
                  for t in workflow.get_tasks(state=TaskState.ANY_MASK))


def test_round_trip_at_every_step_loses_nothing(simple_spec, fake_clock):
    workflow = BpmnWorkflow(simple_spec.spec, simple_spec.embedded,
                            script_engine=scripting.make_script_engine())
    workflow.task_tree.data["reported_at"] = fake_clock.now().isoformat()
    workflow.do_engine_steps()
    payload, restored = round_trip(workflow, simple_spec)
    assert snapshot(restored) == snapshot(workflow)

    task = restored.get_next_task(state=TaskState.READY, manual=True)
    task.data.update({"note": "x", "outcome": "done"})
    task.run()
    restored.do_engine_steps()
    payload, again = round_trip(restored, simple_spec)
    assert snapshot(again) == snapshot(restored)
    assert again.get_next_task(state=TaskState.READY, manual=True) is None


def test_payload_is_versioned_and_holds_no_spec(simple_spec, fake_clock):
    workflow = BpmnWorkflow(simple_spec.spec, simple_spec.embedded,
                            script_engine=scripting.make_script_engine())
    workflow.task_tree.data["reported_at"] = fake_clock.now().isoformat()
    workflow.do_engine_steps()
    stored = json.loads(store.dumps(workflow))
    assert stored["format"] == store.FORMAT
    assert "spec" not in stored["state"] and "subprocess_specs" not in stored["state"]


def test_newer_format_is_refused_not_misread():
    with pytest.raises(ValueError, match="newer"):
        store.migrate({"format": store.FORMAT + 1, "spiff": "1.5", "state": {}})


def test_older_format_is_migrated(monkeypatch):
    monkeypatch.setattr(store, "MIGRATIONS",
                        {0: lambda p: {**p, "format": 1, "state": {"moved": True}}})
    assert store.migrate({"format": 0, "spiff": "1.5", "state": {}})["state"] == {"moved": True}


def stock_dumps(workflow):
    """The state as SpiffWorkflow's own task converter writes it (what cases saved before
    the compact one hold)."""
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
    from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = store.StateOnlyWorkflowConverter
    state = BpmnWorkflowSerializer.configure(config).convert(workflow)
    return json.dumps({"format": store.FORMAT, "spiff": store.SPIFF_FORMAT, "state": state})


def test_tasks_still_to_come_are_written_without_their_parents_facts(simple_spec, fake_clock):
    workflow = BpmnWorkflow(simple_spec.spec, simple_spec.embedded,
                            script_engine=scripting.make_script_engine())
    workflow.task_tree.data.update({"reported_at": fake_clock.now().isoformat(),
                                    "child_age": 14, "flags": {"uasc": False}})
    workflow.do_engine_steps()
    to_come = [t for t in workflow.get_tasks(state=TaskState.PREDICTED_MASK) if not t.data]
    assert to_come, "the diagram has tasks still to come under tasks with data"

    tasks = json.loads(store.dumps(workflow))["state"]["tasks"]
    for task in to_come:
        written = tasks[str(task.id)]
        assert written["delta"] == {} and written["data"] == {}
    # SpiffWorkflow's own converter lists every fact of the parent as deleted there.
    stock = json.loads(stock_dumps(workflow))["state"]["tasks"]
    assert any("child_age" in stock[str(t.id)]["delta"].get("deletions", ())
               for t in to_come)


def test_state_saved_by_spiffworkflows_own_converter_loads_the_same(simple_spec, fake_clock):
    workflow = BpmnWorkflow(simple_spec.spec, simple_spec.embedded,
                            script_engine=scripting.make_script_engine())
    workflow.task_tree.data.update({"reported_at": fake_clock.now().isoformat(),
                                    "notes": ["a"], "flags": {"uasc": False}})
    workflow.do_engine_steps()
    task = workflow.get_next_task(state=TaskState.READY, manual=True)
    task.data.update({"note": "x"})
    del task.data["notes"]  # a deletion, written as one in the delta
    old = store.loads(stock_dumps(workflow), simple_spec.spec, simple_spec.embedded)
    new = store.loads(store.dumps(workflow), simple_spec.spec, simple_spec.embedded)
    assert snapshot(old) == snapshot(new) == snapshot(workflow)
    # A copied list or dict is the task's own, as SpiffWorkflow's copy makes it.
    copied = [t for t in new.get_tasks(state=TaskState.ANY_MASK)
              if t.parent is not None and "flags" in t.data and "flags" in t.parent.data]
    assert copied
    assert all(t.data["flags"] is not t.parent.data["flags"] for t in copied)


def test_a_finished_cases_archive_is_compressed_and_an_older_plain_one_still_reads(
        simple_spec, fake_clock):
    """Issue 16: the archive is written once, so it is zlib-compressed (migration 0020);
    archives written before as plain JSON read the same."""
    workflow = BpmnWorkflow(simple_spec.spec, simple_spec.embedded,
                            script_engine=scripting.make_script_engine())
    workflow.task_tree.data["reported_at"] = fake_clock.now().isoformat()
    workflow.do_engine_steps()
    workflow.cancel()
    timers = [["first_deadline", "2 hours after the report", "cancelled",
               (fake_clock.now() + dt.timedelta(days=day)).isoformat()] for day in range(20)]
    payload = store.archive(workflow, timers)
    plain = json.dumps({"format": store.FORMAT, "archived": {"simple": ["start"]},
                        "timers": timers}, separators=(",", ":"))
    assert payload.startswith(store.ARCHIVED) and len(payload) < len(plain) / 4
    for kept in (payload, plain):
        assert store.archived(kept) == {"simple": ["start"]}
        assert store.archived_timers(kept) == timers
        with pytest.raises(ValueError, match="no state to run"):
            store.loads(kept, simple_spec.spec, simple_spec.embedded)
    small = store.archive(workflow, timers[:1])
    assert small.startswith('{"format":')  # shorter than compressed, so kept plain
    assert store.archived_timers(small) == timers[:1]
    assert store.archived(store.pack(store.dumps(workflow))) is None
