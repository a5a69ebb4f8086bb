"""What the DfE return asks that issue 10's record pages do not take: the child's home
postcode before care (HOME_POST) and why the child moved on from a placement
(REASON_PLACE_CHANGE). Kept on the record (migration 0012), changed by the people who
keep the record, with a reason, audited like every other change to it."""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import audit
from ..child_record import _child_for_change
from ..errors import InvalidInput, NotFound
from ..models import Placement
from .source import PLACE_CHANGE_REASONS

UNCHANGED = object()


def check_postcode(value, errors: dict, name: str = "home_postcode") -> str | None:
    postcode = " ".join((value or "").upper().split()) or None
    if postcode is not None and not (5 <= len(postcode) <= 8):
        errors[name] = ["Enter a full postcode, or leave it blank"]
    return postcode


@dataclass
class SetReturnDetails:
    """Set the child's home postcode and/or, per placement id, why the child moved on
    from it (a DfE code from `PLACE_CHANGE_REASONS`, or None to clear it)."""

    child_id: int
    reason: str
    home_postcode: object = UNCHANGED
    placement_end_reasons: dict = field(default_factory=dict)
    expected_revision: int | None = None

    def __call__(self, ctx):
        child = _child_for_change(ctx, self.child_id, self.expected_revision)
        errors: dict = {}
        reason = (self.reason or "").strip()
        if not reason:
            errors["reason"] = ["Say why the record is changing"]
        changes = {}
        if self.home_postcode is not UNCHANGED:
            postcode = check_postcode(self.home_postcode, errors)
            if postcode != child.home_postcode:
                changes["home_postcode"] = [child.home_postcode, postcode]
        rows = {}
        for placement_id, code in self.placement_end_reasons.items():
            row = ctx.session.get(Placement, int(placement_id))
            if row is None or row.child_id != child.id:
                raise NotFound("there is no such placement on this record")
            code = (code or "").strip().upper() or None
            if code is not None and code not in PLACE_CHANGE_REASONS:
                errors[f"end_reason_{row.id}"] = ["Select why the child moved on"]
            rows[row] = code
        if errors:
            raise InvalidInput("the return details have errors", errors)
        if "home_postcode" in changes:
            child.home_postcode = changes["home_postcode"][1]
        for row, code in rows.items():
            if row.end_reason != code:
                changes[f"placement {row.id} end reason"] = [row.end_reason, code]
                row.end_reason = code
                row.changed_by, row.changed_at = ctx.actor.name, ctx.now
        if changes:
            ctx.session.flush()
            audit.record(ctx.session, ctx.actor, "child.return_details_saved", "child",
                         child.id, child_id=child.id,
                         detail={"changes": changes, "reason": reason})
        return child
