"""Evaluate the repeat-episode decision table (processes/triggers.dmn).

The table is published inside the tiny process `repeat_triggers` (one business rule
task), so it is versioned and cached like every diagram and process owners edit it in
the same way. It is run in memory, never stored as a case: it only answers a question.
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

from . import runtime, specs

PROCESS_ID = "repeat_triggers"


def decide(session, inputs: dict) -> dict:
    """The table's outputs (`meeting`, `trigger_rule`) for `inputs`, on the newest
    published version of the table."""
    version = runtime.latest_version(session, PROCESS_ID)
    spec, embedded = specs.cache.get(version.sha256, lambda: version.spec_json)
    workflow = BpmnWorkflow(spec, embedded, script_engine=runtime.script_engine(session))
    workflow.task_tree.data.update(inputs)
    runtime.run_engine(workflow)
    return {"meeting": workflow.data.get("meeting") or "none",
            "trigger_rule": workflow.data.get("trigger_rule") or "",
            "version": version.version}
