"""Writing to the child's record from the procedure (PLAN interface 2).

Minimal version (issue 11): only `set_flag`, writing `Child.flags` with an audit row in
the command's transaction. The child's record issue replaces this module with the full
record (flags with history) and keeps this signature.
"""

from __future__ import annotations

from . import audit
from .errors import NotFound
from .models import Child


def set_flag(ctx, child_id: int, flag: str, value, reason: str) -> None:
    """Set one flag on the child's record, audited with who, why and the old value."""
    child = ctx.session.get(Child, child_id)
    if child is None:
        raise NotFound(f"there is no child {child_id}")
    flags = dict(child.flags or {})
    before = flags.get(flag)
    flags[flag] = value
    child.flags = flags  # a new dict, so the JSON column is seen as changed
    audit.record(ctx.session, ctx.actor, "child.flag_set", "child", child.id,
                 child_id=child.id,
                 detail={"flag": flag, "value": value, "before": before, "reason": reason})
