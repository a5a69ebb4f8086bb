"""The engine's cost per step on the smallest real diagram, against the persisted floor.

A diagram of two user tasks in one lane (bench/two_tasks.bpmn), on SQLite:
- through the engine: `StartCase`, then `CompleteWorkItem` for each task (load the case,
  check, complete, run, save state, projections, audit, commit);
- the persisted floor: raw SpiffWorkflow doing the same steps, each loading the state from
  a SQLite row, completing the task, running the engine, serializing, and writing the row
  back with one commit: what any engine that keeps state in a database must do.
Prints the median per step of each and their ratio (target, issue 16: at most 1.5x).
Not a test: nothing fails on a time.
"""

from __future__ import annotations

import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine import clock, db, forms, migrate, scripting, specs, store  # noqa: E402
from engine.commands import CompleteWorkItem, PublishProcesses, StartCase  # noqa: E402
from engine.executor import SYSTEM, run  # noqa: E402
from engine.models import WorkItem  # noqa: E402

RUNS = 200
DIAGRAM = Path(__file__).resolve().parent / "two_tasks.bpmn"
TARGET = 1.5
# The tests' one-field "note" form, so the diagram needs nothing of the procedure's.
forms.FORMS_DIR = ROOT / "tests" / "engine" / "forms"
NOTE = {"note": "Done it", "outcome": "done"}


def main():
    clock.install()
    with tempfile.TemporaryDirectory() as tmp:
        engine_steps = bench_engine(f"sqlite:///{tmp}/engine.sqlite3")
        floors = {"the app's WAL, synchronous=NORMAL": bench_floor(Path(tmp) / "wal.sqlite3"),
                  "SQLite's defaults": bench_floor(Path(tmp) / "default.sqlite3",
                                                   app_pragmas=False)}
    engine_ms = statistics.median(engine_steps) * 1000
    print(f"two-task diagram, per step, SQLite, {RUNS} cases: engine {engine_ms:.2f} ms")
    for label, steps in floors.items():
        floor_ms = statistics.median(steps) * 1000
        print(f"  persisted floor (raw SpiffWorkflow + one commit, {label}): {floor_ms:.2f} ms,"
              f" ratio {engine_ms / floor_ms:.2f}x (target: at most {TARGET}x)")


def bench_engine(url):
    migrate.upgrade(url)
    engine = db.make_engine(url)
    steps = []
    with db.make_session_factory(engine)() as session:
        run(session, PublishProcesses({DIAGRAM.name: DIAGRAM.read_bytes()}), SYSTEM)
        for _ in range(RUNS):
            start = time.perf_counter()
            case = run(session, StartCase("two_tasks"), SYSTEM)
            steps.append(time.perf_counter() - start)
            for _ in range(2):
                item = session.scalar(select(WorkItem.id).where(
                    WorkItem.case_id == case.id, WorkItem.state == "open"))
                session.rollback()
                start = time.perf_counter()
                run(session, CompleteWorkItem(item, NOTE), SYSTEM)
                steps.append(time.perf_counter() - start)
    engine.dispose()
    return steps


def bench_floor(path, app_pragmas=True):
    parsed = specs.parse_bundle({DIAGRAM.name: DIAGRAM.read_bytes()})["two_tasks"]
    script_engine = scripting.make_script_engine()
    conn = sqlite3.connect(path, isolation_level=None)
    if app_pragmas:  # the same durability as the app's database (engine/db.py)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE state (id INTEGER PRIMARY KEY, body TEXT)")
    steps = []
    for n in range(RUNS):
        start = time.perf_counter()
        workflow = BpmnWorkflow(parsed.spec, parsed.embedded, script_engine=script_engine)
        workflow.do_engine_steps()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO state VALUES (?, ?)", (n, store.dumps(workflow)))
        conn.execute("COMMIT")
        steps.append(time.perf_counter() - start)
        for _ in range(2):
            start = time.perf_counter()
            conn.execute("BEGIN IMMEDIATE")
            body = conn.execute("SELECT body FROM state WHERE id = ?", (n,)).fetchone()[0]
            workflow = store.loads(body, parsed.spec, parsed.embedded, script_engine)
            task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
            task.data.update(NOTE)
            task.run()
            workflow.do_engine_steps()
            conn.execute("UPDATE state SET body = ? WHERE id = ?", (store.dumps(workflow), n))
            conn.execute("COMMIT")
            steps.append(time.perf_counter() - start)
    conn.close()
    return steps


if __name__ == "__main__":
    main()
