"""Bounded work for diagram Python: every script, condition and timer expression stops
within about a second, however it is written.

Why an AST rewrite and not a signal or a thread: `signal.alarm` works only in the main
thread, and web requests run in worker threads; a watchdog thread cannot stop another
thread's Python; a trace function (`sys.settrace`) sees every line but slows every
script and fights with debuggers and coverage. So, after the sandbox has checked a source
(which refuses every name starting with `_`, so no diagram can name or replace what is
added here), the tree is rewritten:

- every loop body, function body, lambda and comprehension ticks `__sg_tick()`, which
  counts steps and looks at the time: over `MAX_STEPS` or `MAX_SECONDS` it raises
  `WorkLimit`;
- `**`, `*`, `<<`, `+` and `%` (and their `x op= y` forms) go through `__sg_binop`, which
  refuses a result bigger than `MAX_INT_BITS` or `MAX_LENGTH` *before* making it, so
  `9**9**9` and `"x"*10**10` fail at once instead of filling memory for minutes;
- the string methods that can make a huge string from a small call (`ljust`, `replace`,
  `join`, ...) go through `__sg_method`, and `range` is one that refuses more than
  `MAX_LENGTH` items, since `sum(range(10**15))` loops in C where no tick can reach.

The budget is per evaluation and per thread, so two requests never share one.
"""

from __future__ import annotations

import ast
import re
import threading
from collections.abc import Iterable

from . import clock

MAX_STEPS = 1_000_000  # loop iterations and calls in one evaluation (about 0.2 s)
MAX_SECONDS = 1.0  # wall time for one evaluation
MAX_LENGTH = 1_000_000  # characters of a string, items of a list, a range
MAX_INT_BITS = 100_000  # about 30,000 decimal digits
MAX_WIDTH = 10_000  # a format width or precision ("%10000d", f"{x:.10000f}")
# Characters and items made by bounded operations in one evaluation, added up: a loop may
# not keep a thousand strings of a million characters each.
MAX_MADE = 10_000_000


class WorkLimit(Exception):
    """A script did more work, or made a bigger value, than a diagram may. One string
    argument, since SpiffWorkflow's error wrapper reads args[0]."""


class _Budget(threading.local):
    steps = 0
    made = 0
    deadline = 0.0
    depth = 0


_budget = _Budget()


class budget:
    """`with budget():` around one evaluation. Nested uses share the outer budget."""

    def __enter__(self):
        if _budget.depth == 0:
            _budget.steps = 0
            _budget.made = 0
            _budget.deadline = clock.elapsed() + MAX_SECONDS
        _budget.depth += 1
        return self

    def __exit__(self, *exc):
        _budget.depth -= 1
        return False


def tick() -> None:
    _budget.steps += 1
    if _budget.steps > MAX_STEPS:
        raise WorkLimit(f"the script did more than {MAX_STEPS:,} steps (a loop that never "
                        "ends?)")
    if clock.elapsed() > _budget.deadline:
        raise WorkLimit(f"the script ran for more than {MAX_SECONDS:g} second")


def ticking(iterable: Iterable):
    for item in iterable:
        tick()
        yield item


def _size(value) -> int | None:
    if isinstance(value, (str, bytes, list, tuple)):
        return len(value)
    return None


def _int_bits(value) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value.bit_length()


def _made(size: int) -> None:
    _budget.made += size
    if _budget.made > MAX_MADE:
        raise WorkLimit(f"the script made more than {MAX_MADE:,} characters or items in "
                        "all")


def _too_big(what: str):
    return WorkLimit(f"the script makes {what} too big to keep (more than "
                     f"{MAX_LENGTH:,} characters or items, or {MAX_INT_BITS:,} bits)")


_DIGITS = re.compile(r"\d+")
_PRINTF = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")


def _check_width(number: str | None) -> None:
    if number == "*":
        raise WorkLimit("'*' widths are not allowed in a format")
    if number and (len(number) > 5 or int(number) > MAX_WIDTH):
        raise WorkLimit(f"a format width or precision over {MAX_WIDTH:,} is not allowed")


def _check_format(spec: str) -> None:
    """A format spec (`>10`, `.2f`): its digit runs are its width and precision."""
    for number in _DIGITS.findall(spec):
        _check_width(number)


def _check_printf(template: str) -> None:
    for width, precision in _PRINTF.findall(template):
        _check_width(width)
        _check_width(precision)


def binop(op: str, left, right):
    tick()
    if op == "pow":
        base, exponent = _int_bits(left), _int_bits(right)
        if base is not None and exponent is not None and abs(left) > 1 and right > 0:
            if right > MAX_INT_BITS or (base - 1) * right > MAX_INT_BITS:
                raise _too_big("a number")
        return left**right
    if op == "mul":
        for seq, times in ((left, right), (right, left)):
            size, count = _size(seq), _int_bits(times)
            if size is not None and count is not None:
                if size * max(times, 0) > MAX_LENGTH:
                    raise _too_big("a string or list")
                _made(size * max(times, 0))
        a, b = _int_bits(left), _int_bits(right)
        if a is not None and b is not None and a + b > MAX_INT_BITS:
            raise _too_big("a number")
        return left * right
    if op == "lshift":
        a, b = _int_bits(left), _int_bits(right)
        if a is not None and b is not None and left != 0 and right > 0 and a + right > MAX_INT_BITS:
            raise _too_big("a number")
        return left << right
    if op == "add":
        a, b = _size(left), _size(right)
        if a is not None and b is not None:
            if a + b > MAX_LENGTH:
                raise _too_big("a string or list")
            _made(a + b)
        return left + right
    if op == "mod":
        if isinstance(left, (str, bytes)):
            _check_printf(left if isinstance(left, str) else left.decode("latin-1"))
        return left % right
    raise ValueError(f"unknown operator {op!r}")


_CONVERSIONS = {ord("s"): str, ord("r"): repr, ord("a"): ascii}


def format_value(value, spec: str, conversion: int = -1):
    """An f-string field `{value!conversion:spec}` with its width bounded."""
    _check_format(spec)
    if conversion in _CONVERSIONS:
        value = _CONVERSIONS[conversion](value)
    return format(value, spec)


AMPLIFIERS = frozenset({"ljust", "rjust", "center", "zfill", "expandtabs", "replace", "join",
                        "extend"})


def method(obj, name: str, *args, **kwargs):
    """`obj.name(*args)` for the methods that can make a big value from a small call."""
    tick()
    bound = getattr(obj, name)
    if isinstance(obj, (str, bytes)):
        if name in ("ljust", "rjust", "center", "zfill") and args:
            if isinstance(args[0], int):
                if args[0] > MAX_LENGTH:
                    raise _too_big("a string")
                _made(args[0])
        elif name == "expandtabs":
            size = args[0] if args else kwargs.get("tabsize", 8)
            if isinstance(size, int) and size * max(obj.count("\t"), 1) > MAX_LENGTH:
                raise _too_big("a string")
        elif name == "replace" and len(args) >= 2:
            old, new = args[0], args[1]
            count = obj.count(old) if old else len(obj) + 1
            if len(obj) + count * len(new) > MAX_LENGTH:
                raise _too_big("a string")
            _made(len(obj) + count * len(new))
        elif name == "join" and args:
            parts = list(ticking(args[0]))
            size = sum(len(p) for p in parts if _size(p) is not None) + len(obj) * len(parts)
            if size > MAX_LENGTH:
                raise _too_big("a string")
            _made(size)
            return bound(parts)
    elif name == "extend" and isinstance(obj, list) and args:
        items = list(ticking(args[0]))
        if len(obj) + len(items) > MAX_LENGTH:
            raise _too_big("a list")
        return bound(items)
    return bound(*args, **kwargs)


class bounded_range:
    """`range` for diagrams: at most MAX_LENGTH items, since C loops over a range never
    tick."""

    def __new__(cls, *args):
        made = range(*args)
        if len(made) > MAX_LENGTH:
            raise _too_big("a range")
        return made


# --- the rewrite --------------------------------------------------------------------

TICK, BINOP, METHOD, ITER, FORMAT = ("__sg_tick", "__sg_binop", "__sg_method", "__sg_iter",
                                     "__sg_format")
OPS = {ast.Pow: "pow", ast.Mult: "mul", ast.LShift: "lshift", ast.Add: "add", ast.Mod: "mod"}


def _call(name: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=ast.Name(id=name, ctx=ast.Load()), args=list(args), keywords=[])


def _tick_stmt() -> ast.stmt:
    return ast.Expr(value=_call(TICK))


class _Bounder(ast.NodeTransformer):
    def _tick_body(self, node):
        self.generic_visit(node)
        node.body.insert(0, _tick_stmt())
        return node

    visit_For = visit_While = visit_AsyncFor = _tick_body
    visit_FunctionDef = visit_AsyncFunctionDef = _tick_body

    def visit_Lambda(self, node):
        self.generic_visit(node)
        # `None or body`: the tick comes first, then the lambda's value.
        node.body = ast.BoolOp(op=ast.Or(), values=[_call(TICK), node.body])
        return node

    def visit_comprehension(self, node):
        self.generic_visit(node)
        node.iter = _call(ITER, node.iter)
        return node

    def visit_BinOp(self, node):
        self.generic_visit(node)
        op = OPS.get(type(node.op))
        if op is None:
            return node
        return _call(BINOP, ast.Constant(op), node.left, node.right)

    def visit_AugAssign(self, node):
        self.generic_visit(node)
        op = OPS.get(type(node.op))
        if op is None:
            return node
        # `x op= y` becomes `x = __sg_binop(op, x, y)` (the target read, then written).
        load = _as_load(node.target)
        return ast.Assign(targets=[node.target],
                          value=_call(BINOP, ast.Constant(op), load, node.value))

    def visit_FormattedValue(self, node):
        self.generic_visit(node)
        if node.format_spec is None:
            return node
        # The spec may itself hold fields (f"{x:{width}}"), so it is checked once made.
        return ast.FormattedValue(
            value=_call(FORMAT, node.value, node.format_spec, ast.Constant(node.conversion)),
            conversion=-1, format_spec=None)

    def visit_Call(self, node):
        self.generic_visit(node)
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in AMPLIFIERS:
            return ast.Call(func=ast.Name(id=METHOD, ctx=ast.Load()),
                            args=[func.value, ast.Constant(func.attr), *node.args],
                            keywords=node.keywords)
        return node


def _as_load(target: ast.expr) -> ast.expr:
    # The same expression, read instead of written.
    copy = ast.parse(ast.unparse(target), mode="eval").body
    return ast.copy_location(copy, target)


def rewrite(tree: ast.AST) -> ast.AST:
    """The tree with every bound added; line numbers kept for error messages."""
    bounded = _Bounder().visit(tree)
    return ast.fix_missing_locations(bounded)


HELPERS = {TICK: tick, BINOP: binop, METHOD: method, ITER: ticking, FORMAT: format_value}
