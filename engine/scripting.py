"""The restricted environment every script, condition and timer expression runs in.

Diagrams are edited by process owners, so their Python is untrusted. SpiffWorkflow's
default environment runs it with full builtins, where `import os` just works. Taking
the builtins away is not enough either (`().__class__.__base__.__subclasses__()` gets
them back), so every source is parsed first and refused if it imports, touches a name or
attribute starting with `_`, reaches frames through generator attributes, or calls a
builtin outside a short allow-list. Only then does it run, with that allow-list as its
builtins.

Diagrams also get a few helpers for deadlines, all named `sg_*`: SpiffWorkflow refuses
to run a script when a task-data key equals a helper's name, so the names are kept few
and unlikely to collide with form fields.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from types import CodeType

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import TaskDataEnvironment
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from . import bounds, clock
from .calendar import WorkingCalendar, london_date

ALLOWED_BUILTINS = frozenset({
    "abs", "all", "any", "bool", "dict", "enumerate", "float", "int", "isinstance", "len",
    "list", "max", "min", "range", "round", "set", "sorted", "str", "sum", "tuple", "zip",
})

# Refused wherever they appear, called or not, so they cannot be smuggled out under
# another name.
FORBIDDEN_NAMES = frozenset({
    "exec", "eval", "compile", "open", "getattr", "setattr", "delattr", "hasattr", "globals",
    "locals", "vars", "type", "__import__", "breakpoint", "input", "memoryview",
})

# Attributes without a leading underscore that still lead to frames, code objects and
# from there to real builtins (the same list RestrictedPython refuses), plus the
# format methods, whose "{0.__class__}" fields reach attributes the parser never sees.
FORBIDDEN_ATTRIBUTES = frozenset({
    "gi_frame", "gi_code", "gi_yieldfrom", "cr_frame", "cr_code", "cr_await", "ag_frame",
    "ag_code", "ag_await", "f_back", "f_builtins", "f_code", "f_globals", "f_locals",
    "f_trace", "tb_frame", "tb_next", "co_code", "mro", "format", "format_map",
})

# True, False and None are keywords and never looked up; listed to match the docs.
SAFE_BUILTINS = {name: getattr(builtins, name) for name in ALLOWED_BUILTINS}
SAFE_BUILTINS.update({"True": True, "False": False, "None": None})
# C loops over a range never tick (engine.bounds), so the range itself is bounded.
SAFE_BUILTINS["range"] = bounds.bounded_range

# A script or expression longer than this is refused before it is parsed: 100,000 `+1`
# terms would exhaust the parser's recursion, and no real diagram needs more.
MAX_SOURCE = 20_000  # characters
MAX_DEPTH = 100  # nesting of the syntax tree (brackets, operators, blocks)

_ALL_BUILTINS = frozenset(dir(builtins))


class ScriptRejected(Exception):
    """A script or expression the sandbox will not run. `line` is 1-based within the
    source; `str()` gives "import is not allowed (line 2)"."""

    def __init__(self, message: str, line: int = 1):
        self.message = message
        self.line = line
        # One string argument: SpiffWorkflow's error wrapper concatenates args[0].
        super().__init__(f"{message} (line {line})")


class _Checker(ast.NodeVisitor):
    """Raises ScriptRejected at the first thing a diagram may not do."""

    def _refuse(self, node: ast.AST, message: str):
        raise ScriptRejected(message, getattr(node, "lineno", 1))

    def _check_name(self, node: ast.AST, name: str | None):
        if name and name.startswith("_"):
            self._refuse(node, f"names starting with '_' are not allowed: '{name}'")

    def visit_Import(self, node):
        self._refuse(node, "import is not allowed")

    visit_ImportFrom = visit_Import

    def visit_Global(self, node):
        self._refuse(node, "global is not allowed")

    def visit_Nonlocal(self, node):
        self._refuse(node, "nonlocal is not allowed")

    def visit_ClassDef(self, node):
        self._refuse(node, "class definitions are not allowed")

    def visit_Name(self, node):
        self._check_name(node, node.id)
        if node.id in FORBIDDEN_NAMES:
            self._refuse(node, f"the built-in '{node.id}' is not allowed")

    def visit_Attribute(self, node):
        # Children first, so `().__class__.__base__` reports `__class__`, the first one
        # a reader meets.
        self.generic_visit(node)
        self._check_name(node, node.attr)
        if node.attr in FORBIDDEN_ATTRIBUTES:
            self._refuse(node, f"the attribute '{node.attr}' is not allowed")

    def visit_Call(self, node):
        func = node.func
        if (isinstance(func, ast.Name) and func.id in _ALL_BUILTINS
                and func.id not in ALLOWED_BUILTINS):
            self._refuse(node, f"the built-in '{func.id}' is not allowed")
        self.generic_visit(node)

    def visit_keyword(self, node):
        self._check_name(node, node.arg)
        self.generic_visit(node)

    def visit_arg(self, node):
        self._check_name(node, node.arg)
        self.generic_visit(node)

    def visit_FunctionDef(self, node):
        self._check_name(node, node.name)
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ExceptHandler(self, node):
        self._check_name(node, node.name)
        self.generic_visit(node)

    def visit_MatchAs(self, node):
        self._check_name(node, node.name)
        self.generic_visit(node)

    def visit_MatchStar(self, node):
        self._check_name(node, node.name)
        self.generic_visit(node)

    def visit_MatchMapping(self, node):
        self._check_name(node, node.rest)
        self.generic_visit(node)


@lru_cache(maxsize=2048)
def compile_checked(source: str, mode: str) -> CodeType:
    """Check `source` and compile it. Cached by source text, since conditions are
    evaluated on every engine step; only successes are cached.

    Raises ScriptRejected, or SyntaxError when the source does not parse.
    """
    if mode not in ("exec", "eval"):
        raise ValueError(f"mode must be 'exec' or 'eval', not {mode!r}")
    if len(source) > MAX_SOURCE:
        raise ScriptRejected(f"the source is {len(source):,} characters long; the most a "
                             f"script or expression may have is {MAX_SOURCE:,}")
    try:
        tree = ast.parse(source, mode=mode)
        _check_depth(tree)
        _Checker().visit(tree)
        # '<string>' is the file name SpiffWorkflow looks for in a traceback to find the
        # failing line of a script.
        return compile(bounds.rewrite(tree), "<string>", mode)
    except (RecursionError, MemoryError):
        raise ScriptRejected("the source is nested too deeply to run") from None


def _check_depth(tree: ast.AST) -> None:
    """Refuse a tree nested deeper than MAX_DEPTH (iteratively: a recursive walk is what
    would overflow)."""
    pending = [(tree, 0)]
    while pending:
        node, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise ScriptRejected(f"the source is nested more than {MAX_DEPTH} levels deep",
                                 getattr(node, "lineno", 1))
        pending.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def check_source(source: str, mode: str) -> None:
    """Raise ScriptRejected if the sandbox would refuse `source`, SyntaxError if it does
    not parse. `mode` is 'exec' for script tasks, 'eval' for conditions and timers."""
    compile_checked(source, mode)


class SafeEnvironment(TaskDataEnvironment):
    """TaskDataEnvironment that checks every source and runs it with the allow-listed
    builtins only."""

    def evaluate(self, expression, context, external_context=None):
        code = compile_checked(expression, "eval")
        scope = {**self.globals, **(external_context or {}), **context}
        # Last, so no task-data key can bring the real builtins back or replace a bound.
        scope.update(bounds.HELPERS)
        scope["__builtins__"] = SAFE_BUILTINS
        with bounds.budget():
            return _bounded(eval, code, scope)

    def execute(self, script, context, external_context=None):
        code = compile_checked(script, "exec")
        external_context = external_context or {}
        self.check_for_overwrite(context, external_context)
        # The script runs in the task data itself, so what it assigns becomes case data.
        context.update(self.globals)
        context.update(external_context)
        context.update(bounds.HELPERS)  # callables: removed again below
        context["__builtins__"] = SAFE_BUILTINS
        try:
            with bounds.budget():
                _bounded(exec, code, context)
        finally:
            self._remove_globals_and_functions_from_context(context, external_context)
        return True


def _bounded(run, code, scope, local_scope=None):
    """Run `code`, turning the interpreter's own limits into WorkLimit, so a script that
    recurses or allocates without end fails like one that loops."""
    try:
        if local_scope is None:
            return run(code, scope)  # noqa: S102,S307 - checked, restricted and bounded
        return run(code, scope, local_scope)  # noqa: S102,S307
    except MemoryError as exc:
        # The script's frames stay in the traceback, where SpiffWorkflow finds the line.
        raise bounds.WorkLimit("the script ran out of memory").with_traceback(
            exc.__traceback__) from None
    except RecursionError as exc:
        raise bounds.WorkLimit("the script recursed too deeply").with_traceback(
            exc.__traceback__) from None


class SafeScriptEngine(PythonScriptEngine):
    """Reports a refused or unparseable source as a WorkflowTaskException naming the
    element and the line.

    Left to SpiffWorkflow, a refused condition would say only "Error evaluating
    expression" and a refused script would lose its line number, since the error comes
    from our check and not from a frame of the running script.
    """

    def evaluate(self, task, expression, external_context=None):
        self._check(task, expression, "eval")
        try:
            value = super().evaluate(task, expression, external_context)
        except WorkflowTaskException as exc:
            # SpiffWorkflow says only "Error evaluating expression": say why.
            cause = exc.__cause__ or exc.__context__
            if not isinstance(cause, bounds.WorkLimit):
                raise
            element = task.task_spec.bpmn_id or task.task_spec.name
            raise WorkflowTaskException(f"'{element}': {cause} (line 1)", task=task,
                                        exception=cause, line_number=1) from cause
        kind = _timer_kind(task, expression)
        if kind is not None:
            # A timer computed from case data: the same sanity Check applies to literals.
            try:
                check_timer_value(kind, value)
            except ScriptRejected as exc:
                element = task.task_spec.bpmn_id or task.task_spec.name
                raise WorkflowTaskException(f"'{element}': {exc.message}", task=task,
                                            exception=exc) from exc
        return value

    def execute(self, task, script, external_context=None):
        self._check(task, script, "exec")
        return super().execute(task, script, external_context)

    def _check(self, task, source: str, mode: str) -> None:
        try:
            check_source(source, mode)
        except ScriptRejected as exc:
            reason, line = exc.message, exc.line
            error = exc
        except SyntaxError as exc:
            reason, line = f"the source does not parse: {exc.msg}", exc.lineno or 1
            error = exc
        else:
            return
        element = task.task_spec.bpmn_id or task.task_spec.name
        lines = source.splitlines()
        raise WorkflowTaskException(
            f"'{element}': {reason} (line {line})", task=task, exception=error,
            line_number=line, error_line=lines[line - 1] if 0 < line <= len(lines) else "",
        ) from error


def _timer_kind(task, expression) -> str | None:
    """'timeDate', 'timeDuration' or 'timeCycle' if `expression` is the task's timer."""
    from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
        CycleTimerEventDefinition,
        DurationTimerEventDefinition,
        TimeDateEventDefinition,
    )

    definition = getattr(task.task_spec, "event_definition", None)
    if getattr(definition, "expression", None) != expression:
        return None
    for cls, kind in ((CycleTimerEventDefinition, "timeCycle"),
                      (DurationTimerEventDefinition, "timeDuration"),
                      (TimeDateEventDefinition, "timeDate")):
        if isinstance(definition, cls):
            return kind
    return None


# --- helpers diagrams may call ------------------------------------------------------

OFFICE_OPENS = time(9, 0)
OFFICE_CLOSES = time(17, 0)


def to_utc(value: str | datetime) -> datetime:
    """An aware UTC datetime from an ISO 8601 string or a datetime; naive means UTC."""
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    if not isinstance(when, datetime):
        raise TypeError(f"expected an ISO 8601 datetime, got {value!r}")
    if when.tzinfo is None:
        when = when.replace(tzinfo=clock.UTC)
    return when.astimezone(clock.UTC)


def to_date(value: str | date) -> date:
    """A date from '2012-05-01', a date, or anything `to_utc` reads (its London date)."""
    if isinstance(value, datetime):
        return london_date(to_utc(value))
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        return london_date(to_utc(value))


def iso(when: datetime) -> str:
    return to_utc(when).isoformat()


def diagram_helpers(calendar: WorkingCalendar) -> dict[str, Callable]:
    """The functions diagrams may call. They take and return ISO 8601 strings, since
    case data holds strings, and return UTC."""

    def sg_now() -> str:
        return iso(clock.now())

    def sg_hours_after(start, n) -> str:
        # Elapsed hours: across the clocks change 24 hours is not "same time tomorrow".
        return iso(to_utc(start) + timedelta(hours=n))

    def sg_days_after(start, n) -> str:
        # Calendar days keep London's time of day, so "7 days after 10:00" is 10:00
        # even if the clocks change in between.
        local = clock.london(to_utc(start))
        return iso(local + timedelta(days=n))

    def sg_days_since(start) -> int:
        # Whole calendar days gone since start, in London time as sg_days_after counts
        # them: the n with sg_days_after(start, n) <= now < sg_days_after(start, n + 1).
        begun, now = clock.london(to_utc(start)), clock.london(clock.now())
        days = (now.date() - begun.date()).days
        if begun + timedelta(days=days) > now:
            days -= 1
        return max(days, 0)

    def sg_working_days_after(start, n) -> str:
        day = calendar.add_working_days(to_utc(start), n)
        return iso(calendar.end_of_working_day(day))

    def sg_out_of_hours(when) -> bool:
        local = clock.london(to_utc(when))
        if not calendar.is_working_day(local.date()):
            return True
        return not OFFICE_OPENS <= local.time() < OFFICE_CLOSES

    def sg_out_of_hours_from(when) -> str:
        # R10 is judged when the sharing is due: the first moment at or after `when`
        # that is out of hours (`when` itself if it already is), so a report made at
        # 16:55 and not yet shared goes to the EDT at 17:00.
        if sg_out_of_hours(when):
            return iso(to_utc(when))
        local = clock.london(to_utc(when))
        return iso(local.replace(hour=OFFICE_CLOSES.hour, minute=OFFICE_CLOSES.minute,
                                 second=0, microsecond=0))

    def sg_age_on(dob, when) -> int:
        born, on = to_date(dob), to_date(when)
        # Someone born on 29 February is a year older on 1 March in other years.
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))

    return {
        "sg_now": sg_now,
        "sg_hours_after": sg_hours_after,
        "sg_days_after": sg_days_after,
        "sg_days_since": sg_days_since,
        "sg_working_days_after": sg_working_days_after,
        "sg_out_of_hours": sg_out_of_hours,
        "sg_out_of_hours_from": sg_out_of_hours_from,
        "sg_age_on": sg_age_on,
    }


def make_script_engine(calendar: WorkingCalendar | None = None) -> PythonScriptEngine:
    return SafeScriptEngine(SafeEnvironment(diagram_helpers(calendar or WorkingCalendar())))


def dry_run(source: str, mode: str):
    """Run a self-contained source once, bounded, with nothing but the allowed builtins
    (`engine.hazards` uses it at Check). Raises what the source raises."""
    code = compile_checked(source, mode)
    scope = {**bounds.HELPERS, "__builtins__": SAFE_BUILTINS}
    with bounds.budget():
        return _bounded(eval if mode == "eval" else exec, code, scope)


# --- checking timer expressions when a diagram is published -------------------------

def probe_expression(source: str, data: Mapping | None = None,
                     calendar: WorkingCalendar | None = None):
    """Evaluate a timer expression once, the way a case would, to see that it runs.

    Case data is not known when a diagram is published, so any variable the expression
    reads stands for "now" as an ISO string: timer expressions read recorded moments
    (`reported_at`, `last_seen_at`). Pass `data` to supply others. Every failure is a
    ScriptRejected.
    """
    try:
        code = compile_checked(source, "eval")
    except SyntaxError as exc:
        raise ScriptRejected(f"the expression does not parse: {exc.msg}",
                             exc.lineno or 1) from None
    helpers = diagram_helpers(calendar or WorkingCalendar())
    sample = _SampleData(helpers["sg_now"](), {**helpers, **(data or {}), **bounds.HELPERS})
    try:
        # Names at the top level of an eval are looked up in the locals mapping first,
        # which is how unknown variables get their sample value.
        with bounds.budget():
            return _bounded(eval, code, {**helpers, **bounds.HELPERS,
                                         "__builtins__": SAFE_BUILTINS}, sample)
    except Exception as exc:
        raise ScriptRejected(f"the expression fails: {type(exc).__name__}: {exc}") from exc


class _SampleData(dict):
    def __init__(self, default: str, data: Mapping):
        super().__init__(data)
        self.default = default

    def __missing__(self, key):
        if key in SAFE_BUILTINS:
            raise KeyError(key)  # so the lookup goes on to the builtins
        return self.default


MAX_REPEATS = 1000  # a timeCycle repeats at most this many times
SHORTEST_REPEAT = timedelta(minutes=1)


def check_timer_value(kind: str, value) -> None:
    """Raise ScriptRejected unless `value` is what SpiffWorkflow expects of a `kind`
    timer ('timeDate', 'timeDuration' or 'timeCycle') and is sane: a duration more than
    zero, a repeat with a count from 1 to MAX_REPEATS at least SHORTEST_REPEAT apart (an
    `R/PT0S` cycle fires for ever without a pause)."""
    if not isinstance(value, str):
        raise ScriptRejected(f"the expression must give a string, not {type(value).__name__}")
    try:
        if kind == "timeDate":
            when = datetime.fromisoformat(value)
            if when.tzinfo is None:
                # SpiffWorkflow would read it in the server's local time zone.
                raise ValueError("the date and time needs a UTC offset")
        elif kind == "timeDuration":
            if value.strip().startswith("-"):
                # SpiffWorkflow drops the sign, so "-PT1H" would mean an hour.
                raise ValueError("the duration must be more than zero")
            if timedelta(**TimerEventDefinition.parse_iso_duration(value)) <= timedelta(0):
                raise ValueError("the duration must be more than zero")
        elif kind == "timeCycle":
            cycles, _, every = TimerEventDefinition.parse_iso_recurring_interval(value)
            if not 1 <= cycles <= MAX_REPEATS:
                raise ValueError(f"a repeat needs a count from 1 to {MAX_REPEATS} "
                                 "(R3/PT24H repeats three times)")
            if every < SHORTEST_REPEAT:
                raise ValueError("a repeat must be at least a minute apart")
        else:
            raise ValueError(f"unknown timer kind {kind!r}")
    except Exception as exc:
        raise ScriptRejected(f"{value!r} is not a valid {kind}: {exc}") from exc
