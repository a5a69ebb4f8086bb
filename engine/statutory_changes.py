"""Which statutory deadlines a new version of a diagram changes (issue 12).

A statutory deadline is a timer that carries a `clock` property (docs/conventions.md,
"Statutory clocks"): it implements a rule's clock, such as R22's 72 hours for the return
home interview. Publishing a version that changes, adds or removes one needs a process
owner's confirmation and reason, which the version's note then records.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import deadline_words, specs
from .errors import EngineError

_TIMER_KINDS = ("timeDate", "timeDuration", "timeCycle")


@dataclass(frozen=True)
class StatutoryTimer:
    element: str
    name: str
    clock: str
    rules: str
    expression: str

    @property
    def words(self) -> str:
        return deadline_words.describe(self.expression) or self.expression


@dataclass(frozen=True)
class DeadlineChange:
    old: StatutoryTimer | None
    new: StatutoryTimer | None

    @property
    def sentence(self) -> str:
        timer = self.new or self.old
        rules = f" ({timer.rules})" if timer.rules else ""
        what = f"the {timer.clock.replace('_', ' ')} deadline{rules}, timer '{timer.element}'"
        if self.old is None:
            return f"adds {what}: {self.new.words}"
        if self.new is None:
            return f"removes {what} (was {self.old.words})"
        return f"changes {what} from {self.old.words} to {self.new.words}"

    def as_dict(self) -> dict:
        return {"element": (self.new or self.old).element, "sentence": self.sentence}


class DeadlineChangeUnconfirmed(EngineError):
    """The version changes a statutory deadline and no reason was given."""

    def __init__(self, changes: list[DeadlineChange]):
        self.changes = changes
        super().__init__("; ".join(c.sentence for c in changes))


def statutory_timers(xml: bytes | None, filename: str = "diagram.bpmn") -> dict:
    """{element id: StatutoryTimer} for each timer with a `clock` property."""
    if not xml or not filename.endswith(".bpmn"):
        return {}
    root = specs.parse_xml(xml, filename)
    found = {}
    for definition in root.iter(f"{{{specs.BPMN_NS}}}timerEventDefinition"):
        event = definition.getparent()
        props = {p.get("name"): p.get("value") for p in event.iterfind(
            "bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property",
            specs.NS)}
        if not props.get("clock"):
            continue
        expression = ""
        for kind in _TIMER_KINDS:
            node = definition.find(f"bpmn:{kind}", specs.NS)
            if node is not None:
                expression = f"{kind}: {(node.text or '').strip()}" if kind != "timeDate" \
                    else (node.text or "").strip()
        docs = " ".join((d.text or "") for d in event.iterfind("bpmn:documentation", specs.NS))
        rules = ", ".join(f"R{n}" for n in sorted(_cited(docs)))
        found[event.get("id")] = StatutoryTimer(event.get("id"), event.get("name") or "",
                                                props["clock"], rules, expression)
    return found


def _cited(text: str) -> set[int]:
    from .rules import cited_rules

    return cited_rules(text)


def changes(old_xml: bytes | None, new_xml: bytes, filename: str) -> list[DeadlineChange]:
    """The statutory deadlines `new_xml` changes, adds or removes against `old_xml` (the
    newest published version; none when the diagram is new)."""
    if old_xml is None:
        return []  # a first version has nothing to change from
    old, new = statutory_timers(old_xml, filename), statutory_timers(new_xml, filename)
    found = []
    for element in sorted(old.keys() | new.keys()):
        before, after = old.get(element), new.get(element)
        if before is None or after is None or (before.expression, before.clock) != (
                after.expression, after.clock):
            found.append(DeadlineChange(before, after))
    return found


def recorded_note(note: str, found: list[DeadlineChange], reason: str) -> str:
    """The version's note with the deadline changes and the reason given for them."""
    lines = [note.strip()] if note.strip() else []
    lines += [f"Statutory deadline: this version {c.sentence}." for c in found]
    lines.append(f"Reason for the deadline change: {reason.strip()}")
    return "\n".join(lines)
