"""Deadlines in words and as timer expressions, both ways (issue 12).

A process owner sets a deadline as "N hours / days / working days after <a case time>";
the modeller's builder writes the timer expression the engine runs
(`sg_hours_after(found_at, 72)`, engine/scripting.diagram_helpers) and people are shown
words derived from that expression ("72 hours after the child was found"), never words
typed separately, so the two cannot drift apart. An expression the builder does not write
(a conditional, a variable the diagram computes) keeps the element's own name.

Check (engine/specs) also refuses a timer name or a task's `deadline` property whose
number contradicts its timer: an old diagram saying 72 hours when the timer says 48.
"""

from __future__ import annotations

import ast
import difflib
import re
from dataclasses import dataclass

from lxml import etree


@dataclass(frozen=True)
class Unit:
    key: str
    helper: str  # the engine/scripting function that counts it
    one: str
    many: str


@dataclass(frozen=True)
class Anchor:
    source: str  # the case variable (or call) the timer counts from
    label: str  # what the builder offers and what a person types
    phrase: str  # what people read: "... after the child was found"
    synonyms: tuple[str, ...] = ()


UNITS = (
    Unit("hours", "sg_hours_after", "hour", "hours"),
    Unit("days", "sg_days_after", "day", "days"),
    Unit("working_days", "sg_working_days_after", "working day", "working days"),
)
UNIT_BY_KEY = {u.key: u for u in UNITS}
UNIT_BY_HELPER = {u.helper: u for u in UNITS}

# The case times a statutory deadline counts from (docs/conventions.md, "Case data").
ANCHORS = (
    Anchor("reported_at", "reported", "the report",
           ("the report", "report", "reporting", "the child was reported", "it was reported",
            "being reported")),
    Anchor("police_told_at", "the police were told", "the police were told",
           ("police told", "the police told", "police were told", "the police were told",
            "police informed", "the police were informed")),
    Anchor("last_seen_at", "last seen", "the child was last seen",
           ("the child was last seen", "the child being last seen", "being last seen",
            "last sighting", "last seen at")),
    Anchor("found_at", "found", "the child was found",
           ("the child was found", "the child being found", "being found", "return",
            "returned", "the return", "the child returned", "the child's return",
            "return home")),
    Anchor("last_episode_start", "the latest episode's start", "the latest episode started",
           ("latest episode", "the latest episode", "the latest episode started",
            "latest episode start", "the latest episode start", "episode start",
            "the episode started", "the start of the latest episode")),
    Anchor("risk_assessed_at", "the risk grade", "the risk was graded",
           ("risk grade", "the grade", "the high grade", "grading", "graded",
            "the risk was graded", "the risk grading")),
    Anchor("police_protection_from", "police protection started", "police protection started",
           ("police protection", "police protection starts", "police protection began")),
    Anchor("review_due_at", "the review date", "the review date",
           ("review date", "the review", "review")),
    Anchor("sg_now()", "the work is given", "the work was given",
           ("now", "the work was given", "the task starts", "the task appears",
            "the work appears", "it is given", "given")),
)
ANCHOR_BY_SOURCE = {a.source: a for a in ANCHORS}

EXAMPLE = "72 hours after found"


@dataclass(frozen=True)
class Deadline:
    amount: float
    unit: str  # a UNITS key
    anchor: str  # an ANCHORS source

    @property
    def expression(self) -> str:
        return f"{UNIT_BY_KEY[self.unit].helper}({self.anchor}, {_number(self.amount)})"

    @property
    def duration(self) -> str:
        return duration_words(self.amount, self.unit)

    @property
    def words(self) -> str:
        return f"{self.duration} after {ANCHOR_BY_SOURCE[self.anchor].phrase}"

    def as_dict(self) -> dict:
        return {"amount": self.amount, "unit": self.unit, "anchor": self.anchor,
                "expression": self.expression, "words": self.words}


class NotUnderstood(ValueError):
    """Typed words that are not a deadline; the message says what to type instead."""


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def duration_words(amount: float, unit: str) -> str:
    if unit == "hours" and not float(amount).is_integer() and (amount * 60).is_integer():
        minutes = int(amount * 60)  # 0.5 hours reads "30 minutes"
        return f"{minutes} minute" + ("" if minutes == 1 else "s")
    u = UNIT_BY_KEY[unit]
    return f"{_number(amount)} {u.one if amount == 1 else u.many}"


def build(amount, unit: str, anchor: str) -> Deadline:
    """The deadline the builder's three fields describe; NotUnderstood names the field."""
    if unit not in UNIT_BY_KEY:
        raise NotUnderstood("Choose hours, days or working days")
    if anchor not in ANCHOR_BY_SOURCE:
        raise NotUnderstood("Choose the case time the deadline counts from")
    try:
        value = float(amount)
    except (TypeError, ValueError):
        raise NotUnderstood(f"Enter how many {UNIT_BY_KEY[unit].many}, "
                            "as a number like 72") from None
    return _checked(value, unit, anchor)


def _checked(value: float, unit: str, anchor: str) -> Deadline:
    if not value > 0:
        raise NotUnderstood("A deadline must be more than 0 after its case time")
    if value > 9999:
        raise NotUnderstood("That is more than 9999: check the number")
    if unit == "working_days" and not value.is_integer():
        raise NotUnderstood("Working days are whole days: say 1 or 2 working days, or use "
                            "hours")
    if unit == "days" and not value.is_integer():
        raise NotUnderstood(f"Say whole days, or hours: {_number(value)} days is "
                            f"{_number(value * 24)} hours")
    return Deadline(int(value) if value.is_integer() else value, unit, anchor)


def parse_expression(expression: str | None) -> Deadline | None:
    """The deadline a timer expression the builder writes stands for, else None."""
    try:
        node = ast.parse((expression or "").strip(), mode="eval").body
    except SyntaxError:
        return None
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id in UNIT_BY_HELPER and len(node.args) == 2 and not node.keywords):
        return None
    start, amount = node.args
    if isinstance(start, ast.Name):
        source = start.id
    elif (isinstance(start, ast.Call) and isinstance(start.func, ast.Name)
          and start.func.id == "sg_now" and not start.args and not start.keywords):
        source = "sg_now()"
    else:
        return None
    if (source not in ANCHOR_BY_SOURCE or not isinstance(amount, ast.Constant)
            or isinstance(amount.value, bool) or not isinstance(amount.value, int | float)):
        return None
    try:
        return _checked(float(amount.value), UNIT_BY_HELPER[node.func.id].key, source)
    except NotUnderstood:
        return None


def describe(expression: str | None) -> str | None:
    """What people read for a timer expression, or None if it is not one we can word."""
    deadline = parse_expression(expression)
    return deadline.words if deadline else None


# --- typed words -----------------------------------------------------------------------

_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
            "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "twelve": 12,
            "twenty-four": 24, "forty-eight": 48, "seventy-two": 72, "half an": 0.5}
# (pattern, unit key, factor): longest first, so "working days" wins over "days"
_UNIT_WORDS = (
    (r"working\s+days?|work\s+days?|business\s+days?|wd", "working_days", 1),
    (r"hours?|hrs?|h", "hours", 1),
    (r"minutes?|mins?|m", "hours", 1 / 60),
    (r"weeks?|wks?|w", "days", 7),
    (r"days?|d", "days", 1),
)
_DURATION = re.compile(
    r"(?P<n>\d+(?:\.\d+)?|" + "|".join(sorted(map(re.escape, _NUMBERS), key=len,
                                              reverse=True)) + r")\s*"
    r"(?P<unit>" + "|".join(p for p, _, _ in _UNIT_WORDS) + r"|months?)\b")
_LINKS = re.compile(r"^(?:after|from|of|since|following)\b\s*")
_LEAD = re.compile(r"^(?:immediately:?|at once:?|within|by|no later than|in)\s+")


def _unit_of(word: str) -> tuple[str, float]:
    for pattern, key, factor in _UNIT_WORDS:
        if re.fullmatch(pattern, word):
            return key, factor
    raise NotUnderstood("A month varies in length: say days instead, like "
                        "'28 days after found'")


# Beyond the synonyms, a case time is recognised by its words, whatever the filler
# around them ("the child is found", "the start of the most recent episode"): the words
# left must all belong to one case time and include one of its key words.
_FILLER = frozenset("""the a an child child's childs young person was is has been being it
    they he she when of at first time made started starts start began begins did""".split())
_VOCABULARY = {
    "reported_at": ({"report", "reported", "reporting"}, {"missing", "police"}),
    "last_seen_at": ({"seen", "sighting", "sighted"}, {"last"}),
    "found_at": ({"found", "return", "returned", "returns", "located", "back"}, {"home"}),
    "last_episode_start": ({"episode", "episode's"}, {"latest", "last", "most", "recent"}),
    "risk_assessed_at": ({"grade", "graded", "grading", "assessed", "assessment"},
                         {"risk", "high"}),
    "police_protection_from": ({"protection"}, {"police"}),
    "review_due_at": ({"review"}, {"date", "meeting"}),
    "sg_now()": ({"now", "given", "appears", "assigned"}, {"task", "work", "is"}),
}


def _anchor_of(text: str) -> str | None:
    text = text.strip().rstrip(".").strip()
    for anchor in ANCHORS:
        if text in (anchor.label.casefold(), anchor.phrase.casefold(), anchor.source,
                    *anchor.synonyms):
            return anchor.source
    words = set(re.findall(r"[a-z']+", text)) - _FILLER
    for source, (keys, extra) in _VOCABULARY.items():
        if words & keys and words <= keys | extra:
            return source
    return None


def understand(text: str, current_anchor: str | None = None) -> Deadline:
    """The deadline typed words mean ("72 hours after found", "2 working days from the
    latest episode", "30 mins after the high grade"). Words without a case time ("72
    hours") count from `current_anchor`, the timer's own, if it has one. Raises
    NotUnderstood with a suggestion of what to type."""
    said = " ".join((text or "").casefold().split())
    said = re.sub(r"\s*\(r\d+(?:\s*,\s*r\d+)*\)$", "", said)  # a rule citation at the end
    said = _LEAD.sub("", said)
    choices = ", ".join(f"'{a.label}'" for a in ANCHORS)
    if not said:
        raise NotUnderstood(f"Type a deadline like '{EXAMPLE}'")
    match = _DURATION.match(said)
    if not match:
        raise NotUnderstood(f"Start with how long, like '{EXAMPLE}' (hours, days or "
                            "working days)")
    raw = match["n"]
    amount = float(_NUMBERS[raw]) if raw in _NUMBERS else float(raw)
    unit, factor = _unit_of(match["unit"])
    amount = round(amount * factor, 6)
    rest = _LINKS.sub("", said[match.end():].strip(" ,:"))
    if not rest:
        if current_anchor in ANCHOR_BY_SOURCE:
            return _checked(amount, unit, current_anchor)
        duration = duration_words(amount, unit) if amount > 0 else match.group(0)
        raise NotUnderstood(f"Say what the {duration} count from, like '{duration} after "
                            f"found'. The case times are: {choices}")
    anchor = _anchor_of(rest)
    if anchor is None:
        names = {s: a for a in ANCHORS for s in (a.label.casefold(), *a.synonyms)}
        close = difflib.get_close_matches(rest, names, n=1, cutoff=0.6)
        duration = duration_words(amount, unit) if amount > 0 else match.group(0)
        hint = (f"Did you mean '{duration} after {names[close[0]].label}'? "
                if close else "")
        raise NotUnderstood(f"'{rest}' is not a case time a deadline can count from. "
                            f"{hint}The case times are: {choices}")
    return _checked(amount, unit, anchor)


# --- names that contradict their timer (Check) -------------------------------------------

_MEASURE = {"hours": "h", "days": "d", "working_days": "wd"}


def _durations(text: str) -> set[tuple[str, float]]:
    found = set()
    for match in _DURATION.finditer(" ".join((text or "").casefold().split())):
        raw = match["n"]
        amount = float(_NUMBERS[raw]) if raw in _NUMBERS else float(raw)
        try:
            unit, factor = _unit_of(match["unit"])
        except NotUnderstood:
            continue
        found.add((_MEASURE[unit], round(amount * factor, 6)))
    return found


def contradicts(text: str | None, deadline: Deadline) -> bool:
    """True if `text` names a length of time and none of them is the deadline's. Days and
    hours are the same clock ("a day" is 24 hours); working days are not."""
    said = {_in_hours(measure, amount) for measure, amount in _durations(text or "")}
    wanted = _in_hours(_MEASURE[deadline.unit], round(float(deadline.amount), 6))
    return bool(said) and wanted not in said


def _in_hours(measure: str, amount: float) -> tuple[str, float]:
    return ("h", round(amount * 24, 6)) if measure == "d" else (measure, amount)


BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
_NS = {"bpmn": BPMN, "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}


def _deadline_property(node) -> str | None:
    for prop in node.iterfind("bpmn:extensionElements/spiffworkflow:properties/"
                              "spiffworkflow:property", _NS):
        if prop.get("name") == "deadline":
            return prop.get("value")
    return None


def timer_deadlines(root) -> list[tuple[etree._Element, Deadline]]:
    """(timer event element, deadline) for each timer whose expression the builder reads."""
    found = []
    for definition in root.iter(f"{{{BPMN}}}timerEventDefinition"):
        for kind in ("timeDate", "timeDuration", "timeCycle"):
            node = definition.find(f"bpmn:{kind}", _NS)
            if node is not None:
                deadline = parse_expression(node.text) if kind == "timeDate" else None
                if deadline is not None:
                    found.append((definition.getparent(), deadline))
    return found


def check_names(root, filename: str) -> list:
    """Timer names and tasks' `deadline` words that say another time than the timer."""
    from .errors import InvalidDiagram

    problems = []
    by_id = {n.get("id"): n for n in root.iter() if isinstance(n.tag, str) and n.get("id")}
    for event, deadline in timer_deadlines(root):
        name = event.get("name")
        if contradicts(name, deadline):
            problems.append(InvalidDiagram(
                f"the timer is named '{name}' but it is set to {deadline.words}: set it with "
                "the deadline builder, which names it", file=filename,
                element=event.get("id"), line=event.sourceline))
        task = by_id.get(event.get("attachedToRef") or "")
        said = _deadline_property(task) if task is not None else None
        if contradicts(said, deadline):
            problems.append(InvalidDiagram(
                f"the task's deadline says '{said}' but its timer '{event.get('id')}' is set "
                f"to {deadline.words}: change the timer with the deadline builder",
                file=filename, element=task.get("id"), line=task.sourceline))
    return problems


def timer_words(task_spec) -> str | None:
    """What people read for a waiting timer: its deadline in words when the builder can
    read its expression (so it follows the timer), else the element's name."""
    definition = getattr(task_spec, "event_definition", None)
    expression = getattr(definition, "expression", None)
    return describe(expression) or getattr(task_spec, "bpmn_name", None)
