"""Case workflows kept loaded in this process between the commands that change them.

Loading a case (its state parsed and rebuilt as SpiffWorkflow objects) is a quarter of a
completion (issue 16). A case's next step is often taken in the process that took its last
(a practitioner works down a case's tasks), so the workflow a command saved is kept here
and used again, instead of parsing what was just written, when the stored state is still
exactly what this process wrote:

- kept only once the transaction that saved it has committed (a rolled-back command's
  workflow is half-changed and is never kept), and never from a savepoint, which can be
  rolled back alone;
- taken, not shared: a command takes the entry out, so no two commands ever hold the same
  objects, and a command that fails leaves nothing behind (the next load parses the state);
- used only if the case row's stored state is the very text this workflow was saved as, on
  the same diagram versions: another process's change, a migration, a restored or emptied
  database all write something else, so a stale copy is never used.

Bounded (the least recently kept go first); each process has its own.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from sqlalchemy import event
from sqlalchemy.orm import Session

SIZE = 128  # cases; a running episode's workflow is a few hundred KB of objects

_lock = threading.Lock()
_held: OrderedDict[int, tuple[str, dict, object]] = OrderedDict()
PENDING = "workflows_to_keep"  # session.info: {case id: (state, spec versions, workflow)}


def take(case, script_engine):
    """The workflow this process last saved for `case`, if the case's stored state is
    still what it saved; else None (load it from the state)."""
    with _lock:
        entry = _held.pop(case.id, None)
    if entry is None:
        return None
    state, versions, workflow = entry
    if state != case.state or versions != case.spec_versions:
        return None
    workflow.script_engine = script_engine  # the calendar may have changed since
    return workflow


def keep(session: Session, case, workflow) -> None:
    """Keep `workflow`, as saved in `case.state`, once this session's transaction commits."""
    if session.in_nested_transaction():
        return
    session.info.setdefault(PENDING, {})[case.id] = (
        case.state, dict(case.spec_versions), workflow)


def clear() -> None:
    with _lock:
        _held.clear()


@event.listens_for(Session, "after_commit")
def _committed(session) -> None:
    kept = session.info.pop(PENDING, None)
    if not kept:
        return
    with _lock:
        for case_id, entry in kept.items():
            _held[case_id] = entry
            _held.move_to_end(case_id)
        while len(_held) > SIZE:
            _held.popitem(last=False)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session) -> None:
    session.info.pop(PENDING, None)
