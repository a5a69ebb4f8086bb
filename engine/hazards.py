"""What Check can know will hang or crash a case, refused when a diagram is published:
a gateway with no way out, call activities that call themselves (directly or round a
cycle), and scripts or conditions that read no case data yet fail (run once, bounded, at
Check: `while True: pass` or `9**9**9 > 0` fail the same way in every case)."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping

from . import scripting
from .errors import InvalidDiagram

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
GATEWAYS = ("exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway",
            "complexGateway")


def dead_end_gateways(root, filename: str) -> list[InvalidDiagram]:
    """A gateway with no outgoing flow leaves the engine nowhere to go."""
    sources = {flow.get("sourceRef") for flow in root.iter(f"{{{BPMN_NS}}}sequenceFlow")}
    problems = []
    for kind in GATEWAYS:
        for gateway in root.iter(f"{{{BPMN_NS}}}{kind}"):
            if gateway.get("id") not in sources:
                problems.append(InvalidDiagram(
                    "the gateway has no outgoing flow: add the flows it chooses between",
                    file=filename, element=gateway.get("id"), line=gateway.sourceline))
    return problems


def calls_in(roots: Mapping[str, object]) -> dict[str, list[tuple[str, object]]]:
    """{process id: [(called process id, callActivity element)]} for every process in the
    files' XML (call activities inside subprocesses count for their process)."""
    found: dict[str, list[tuple[str, object]]] = {}
    for root in roots.values():
        for process in root.iter(f"{{{BPMN_NS}}}process"):
            found[process.get("id")] = [
                (call.get("calledElement"), call)
                for call in process.iter(f"{{{BPMN_NS}}}callActivity")]
    return found


def call_cycles(roots: Mapping[str, object], owner_file: Mapping[str, str],
                published_calls: Mapping[str, Iterable[str]]) -> list[InvalidDiagram]:
    """A call activity that calls its own process, or leads back to it through others
    (`published_calls` gives what published processes call), never ends."""
    local = calls_in(roots)
    graph = {pid: list(called) for pid, called in published_calls.items()}
    graph.update({pid: [called for called, _ in calls] for pid, calls in local.items()})
    problems = []
    for pid, calls in local.items():
        for called, element in calls:
            path = _path_back(graph, called, pid)
            if path is None:
                continue
            if called == pid:
                message = "the call activity calls its own process, which never ends"
            else:
                message = ("the call activity starts a cycle of calls that never ends: "
                           + " calls ".join([pid, *path]))
            problems.append(InvalidDiagram(message, file=owner_file.get(pid),
                                           element=element.get("id"),
                                           line=element.sourceline))
    return problems


def _path_back(graph, start: str, target: str) -> list[str] | None:
    """The processes from `start` to `target` along calls, or None."""
    pending, seen = [(start, [start])], set()
    while pending:
        node, path = pending.pop()
        if node == target:
            return path
        if node in seen:
            continue
        seen.add(node)
        pending.extend((nxt, [*path, nxt]) for nxt in graph.get(node, ()))
    return None


def dry_run_problem(source: str, mode: str) -> str | None:
    """If `source` reads nothing but its own names and the allowed builtins, run it once
    in the bounded sandbox: what fails now fails in every case. The message, or None."""
    tree = ast.parse(source, mode=mode)
    own = {node.id for node in ast.walk(tree)
           if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load)}
    own |= {node.name for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
    own |= {node.arg for node in ast.walk(tree) if isinstance(node, ast.arg)}
    reads = {node.id for node in ast.walk(tree)
             if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}
    if reads - own - set(scripting.SAFE_BUILTINS):
        return None  # it reads case data or helpers: only a case can tell
    try:
        scripting.dry_run(source, mode)
    except Exception as exc:
        return f"it fails in every case: {exc}"
    return None
