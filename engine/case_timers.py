"""A case's timers as the case page and the API show them.

A running case's timers are rows: the worker fires the waiting ones. Once a case has
finished, nothing fires or reads them again except those two pages, so their rows are
folded into the case's archive and deleted (issue 16: they were a sixth of what a closed
episode stored). Cases finished before this kept their rows; both are read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from . import store
from .models import Case, Timer


@dataclass(frozen=True)
class KeptTimer:
    """A finished case's timer, as its archive keeps it."""

    element_id: str
    name: str | None
    state: str  # fired or cancelled
    due_at: dt.datetime


def fold(session, case: Case) -> list[list]:
    """The case's timer rows as the archive keeps them, each row marked for deletion.
    Called as the case finishes, after the projections have set the rows' last states:
    the rows are read as the session holds them, not flushed first (the case's one UPDATE
    waits for the caller's flush). A finished case has no waiting timer, so the
    projections added no row in this step."""
    with session.no_autoflush:
        rows = session.scalars(select(Timer).where(Timer.case_id == case.id)
                               .order_by(Timer.due_at, Timer.id)).all()
    for row in rows:
        session.delete(row)
    return [[row.element_id, row.name, row.state, row.due_at.astimezone(dt.UTC).isoformat()]
            for row in rows]


def of_case(session, case: Case) -> list[Timer | KeptTimer]:
    """Every timer of the case, rows and archived, in due order."""
    timers: list[Timer | KeptTimer] = list(session.scalars(
        select(Timer).where(Timer.case_id == case.id).order_by(Timer.due_at)))
    if case.status == "completed":  # only a finished case has an archive to read
        timers += [KeptTimer(element, name, state, dt.datetime.fromisoformat(due))
                   for element, name, state, due in store.archived_timers(case.state)]
        timers.sort(key=lambda t: t.due_at)
    return timers
