"""Audit events for reading: a child's data shown, a search's results, a refusal.

Views are written as commands like every other write, so they go through the executor's
transaction and nothing writes around it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import audit


@dataclass
class RecordView:
    """Someone was shown a record: `child.viewed`, `case.viewed`, `work_item.viewed`."""

    record_type: str
    record_id: int
    child_id: int | None = None
    case_id: int | None = None
    detail: dict = field(default_factory=dict)

    def __call__(self, ctx) -> None:
        audit.record(ctx.session, ctx.actor, f"{self.record_type}.viewed", self.record_type,
                     self.record_id, case_id=self.case_id, child_id=self.child_id,
                     detail=self.detail)


@dataclass
class RecordSearch:
    """A search showed these children (their ids, never the words searched for)."""

    children: list[int]
    detail: dict = field(default_factory=dict)

    def __call__(self, ctx) -> None:
        audit.record(ctx.session, ctx.actor, "child.searched", "child",
                     detail={"children": list(self.children), **self.detail})


@dataclass
class RecordRefusal:
    """Someone was refused (a record they have no reason to see, a page their role does not
    have). Counted per person, or per address when nobody is signed in, and written at the
    1st, 10th, 100th, ... refusal of the hour."""

    who: str  # "user:<id>", "address:<ip>"
    detail: dict = field(default_factory=dict)

    def __call__(self, ctx) -> int:
        return audit.tally(ctx.session, ctx.actor, f"refused:{self.who}", "access.refused",
                           "access", detail=self.detail)


@dataclass
class RecordLocationView:
    """R43: someone opened a page or answer about a child whose location is withheld from
    enquirers; `shown` says whether they were given it (`child.location_viewed`) or not
    (`child.location_hidden`)."""

    child_id: int
    shown: bool
    detail: dict = field(default_factory=dict)

    def __call__(self, ctx) -> None:
        action = "child.location_viewed" if self.shown else "child.location_hidden"
        audit.record(ctx.session, ctx.actor, action, "child", self.child_id,
                     child_id=self.child_id, detail=self.detail)
