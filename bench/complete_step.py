"""How much the engine's one-transaction path costs over raw SpiffWorkflow.

For the first step of the episode diagram (the police grade the risk), on SQLite:
- through the engine: load the case, check the revision, complete, run, save state and
  projections and audit, commit; measured twice: with the case's state parsed
  from the database (another process saved its last step) and with the workflow this
  process kept when it saved the last step (engine.workflow_cache);
- raw: the same step done with SpiffWorkflow alone: load the state-only JSON, complete,
  run, serialize, with SpiffWorkflow's own task converter (the engine writes tasks more
  compactly, engine.store.CompactTaskConverter; the anchor stays the library as shipped).
Prints the median and p95 of each and the ratios. Not a test: nothing fails on a time.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine import (  # noqa: E402
    clock,
    db,
    forms,
    migrate,
    runtime,
    specs,
    store,
    workflow_cache,
)
from engine.commands import CompleteWorkItem, ReportEpisode  # noqa: E402
from engine.executor import SYSTEM, run  # noqa: E402
from engine.models import Case, Child, Organisation, WorkItem  # noqa: E402

RUNS = 200
FIRST_STEP = "grade_risk"


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main():
    clock.install()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        migrate.upgrade(url)
        sessions = db.make_session_factory(db.make_engine(url))
        with sessions() as session:
            cold, warm, form, data = bench_engine(session)
        raw_times = bench_raw(form, data)
    report("engine, state parsed from the database (load, complete, save, commit)", cold)
    report("engine, workflow kept by this process from the case's last step", warm)
    report("raw SpiffWorkflow load + complete + run + serialize", raw_times)
    raw = statistics.median(raw_times)
    print(f"ratio of medians: parsed {statistics.median(cold) / raw:.2f}x, kept "
          f"{statistics.median(warm) / raw:.2f}x (target, issue 16: at most 1.5x)")


def bench_engine(session):
    """(cold times, warm times, form, start data). Warm: this process saved the case's
    last step and kept its workflow (engine.workflow_cache). Cold: the case's state is
    parsed from the database, as when another process saved its last step."""
    from engine.commands import PublishProcesses

    run(session, PublishProcesses(specs.read_directory(ROOT / "processes")), SYSTEM)
    # One child per run: a child has one episode at a time, and the same report saved again
    # is the same episode (it starts nothing twice), so one child would give one item.
    with session.begin():
        org = Organisation(code="bench", name="Bench Council", kind="local_authority")
        session.add(org)
        session.flush()
        children = [Child(first_name="Bench", last_name=f"Child {n}",
                          date_of_birth=dt.date(2012, 1, 1), responsible_org_id=org.id,
                          flags={}) for n in range(2 * RUNS)]
        session.add_all(children)
    report_data = forms.load("missing_report")["example"]
    # Every seeded case kept, so the warm half finds its case; a process keeps SIZE.
    workflow_cache.SIZE = 10 * len(children)
    items = []
    for child in children:
        episode = run(session, ReportEpisode(child.id, report_data), SYSTEM)
        items.append(session.execute(
            select(WorkItem.case_id, WorkItem.id).join(Case)
            .where(Case.episode_id == episode.id, WorkItem.element_id == FIRST_STEP)).one())
        session.rollback()
    # The raw run starts from what the engine's cases start with: the same facts (read
    # from a case of the cold half, which parses its state anyway).
    start_data = dict(runtime.load_case(session, items[-1][0])[1].data)
    session.rollback()
    form = forms.load("grade_risk")["example"]
    warm, cold = [], []
    for n, (_, item_id) in enumerate(items):
        if n == RUNS:
            workflow_cache.clear()
        start = time.perf_counter()
        run(session, CompleteWorkItem(item_id, form), SYSTEM)
        (warm if n < RUNS else cold).append(time.perf_counter() - start)
    return cold, warm, form, start_data


def bench_raw(form, data):
    parsed = specs.parse_bundle(specs.read_directory(ROOT / "processes"))
    spec = parsed["episode"].spec
    subprocess_specs = {}
    for process in parsed.values():
        subprocess_specs.update(process.embedded)
        if process.process_id != "episode":
            subprocess_specs[process.process_id] = process.spec
    engine = runtime.scripting.make_script_engine()
    registry = stock_registry()
    times = []
    for _ in range(RUNS):
        workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=engine)
        workflow.task_tree.data.update(data)
        workflow.data.update(data)
        workflow.do_engine_steps()
        state = raw_dumps(registry, workflow)
        start = time.perf_counter()
        workflow = raw_loads(registry, state, spec, subprocess_specs, engine)
        task = next(t for t in workflow.get_tasks(state=TaskState.READY, manual=True)
                    if t.task_spec.bpmn_id == FIRST_STEP)
        task.data.update(form)
        task.run()
        workflow.do_engine_steps()
        raw_dumps(registry, workflow)
        times.append(time.perf_counter() - start)
    return times


def stock_registry():
    """SpiffWorkflow's serializer as shipped, writing the state without the specs (as the
    engine does: specs come from the published version)."""
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = store.StateOnlyWorkflowConverter
    return BpmnWorkflowSerializer.configure(config)


def raw_dumps(registry, workflow):
    return json.dumps(registry.convert(workflow), separators=(",", ":"))


def raw_loads(registry, state, spec, subprocess_specs, engine):
    workflow = registry.restore(json.loads(state), spec=spec,
                                subprocess_specs=subprocess_specs)
    workflow.script_engine = engine
    return workflow


def report(label, times):
    ms = [t * 1000 for t in times]
    print(f"{label}: median {statistics.median(ms):.2f} ms, p95 {percentile(ms, 95):.2f} ms "
          f"over {len(ms)} runs")


if __name__ == "__main__":
    main()
