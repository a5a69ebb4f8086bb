"""Who may see what, for pages and the API: thin wrappers over `engine.access`, which
decides, plus the signed-in user, 404s and the audit of what was shown or refused.

Refusals are audited here (compactly: see `engine.audit.tally`); a refusal is written in
a command of its own, so it stays written although the request then answers 403 or 404.
"""

from __future__ import annotations

import functools

from flask import abort, g, request
from flask_login import current_user, login_required

from engine import access as rule
from engine.commands.access_audit import RecordRefusal, RecordSearch, RecordView
from engine.executor import SYSTEM, Actor, run
from engine.models import Case, Child, User

from .database import get_session

CASE_ROLES = rule.CASE_ROLES


def role_required(*roles: str):
    """Not signed in: to the sign-in page. Signed in without one of `roles`: 403."""

    def decorator(view):
        @functools.wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if roles and not (current_user.role_keys & set(roles)):
                refused("role")
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def actor() -> Actor:
    return Actor.for_user(current_user)


def visible_cases(user: User, *, open_only: bool = False):
    """`select(Case.id)` of every case the user may see; use as `Case.id.in_(...)`."""
    return rule.visible_cases(user, open_only=open_only)


def visible_children(user: User):
    """`select(Child.id)` of every child the user may see."""
    return rule.visible_children(user)


def can_see_case(session, user: User, case_id: int) -> bool:
    return rule.can_see_case(session, user, case_id)


def can_see_child(session, user: User, child_id: int) -> bool:
    return rule.can_see_child(session, user, child_id)


def case_or_404(session, case_id: int, user: User | None = None) -> Case:
    """The case if it exists and the user (by default the signed-in one) may see it. 404
    either way, so ids of cases the user may not see reveal nothing; audited."""
    user = user or current_user
    case = session.get(Case, case_id)
    if case is None or not rule.can_see_case(session, user, case_id):
        refused("case", user)
        abort(404)
    return case


def child_or_404(session, child_id: int, user: User | None = None) -> Child:
    user = user or current_user
    child = session.get(Child, child_id)
    if child is None or not rule.can_see_child(session, user, child_id):
        refused("child", user)
        abort(404)
    return child


def _requester(user=None) -> tuple[Actor, str]:
    user = user if user is not None else (current_user if current_user.is_authenticated
                                          else g.get("api_user"))
    if user is not None and getattr(user, "is_authenticated", False):
        return Actor.for_user(user), f"user:{user.id}"
    return SYSTEM, f"address:{request.remote_addr or 'unknown'}"


def refused(what: str, user=None) -> None:
    """Audit (compactly) that the requester was refused `what` at this path."""
    who, key = _requester(user)
    run(get_session(), RecordRefusal(key, {"what": what, "path": request.path,
                                           "method": request.method}), who)


def record_view(record_type: str, record_id: int, *, child_id: int | None = None,
                case_id: int | None = None, page: str | None = None, user=None) -> None:
    """Audit that the requester was shown a record (`page` names the page or `api`)."""
    who, _ = _requester(user)
    detail = {"page": page or request.endpoint or request.path}
    run(get_session(), RecordView(record_type, record_id, child_id=child_id,
                                  case_id=case_id, detail=detail), who)


def record_search(children: list[int], *, via: str | None = None, user=None) -> None:
    who, _ = _requester(user)
    run(get_session(), RecordSearch(children, {"via": via} if via else {}), who)


def may_see_location(session, user: User, child: Child) -> bool:
    return rule.may_see_location(session, user, child)
