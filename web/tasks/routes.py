"""A work item: its case and child beside its form; claim, release, reassign, save a draft,
complete. Every change is an engine command; this module only reads and renders."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask import session as browser_session
from flask_login import current_user

from engine import assignment
from engine.access import REASSIGN_ROLES, work_item_for
from engine.commands import (
    ClaimWorkItem,
    CompleteWorkItem,
    ReassignWorkItem,
    ReleaseWorkItem,
    SaveDraft,
)
from engine.commands.drafts import draft_for
from engine.errors import AlreadyClaimed, AlreadyCompleted, Conflict, InvalidInput, NotPermitted
from engine.executor import run
from engine.models import User, WorkItem

from .. import formfields
from ..access import actor, record_view, refused, role_required
from ..children.record import location_shown
from ..database import get_session
from . import bp
from .next_steps import after_completion


def _item_or_404(session, item_id: int, *, with_case: bool = False) -> WorkItem:
    item = work_item_for(session, current_user, item_id, with_case=with_case)
    if item is None:
        refused("work_item")
        abort(404)
    return item


@bp.route("/work/<int:item_id>")
@role_required()
def show(item_id: int):
    session = get_session()
    item = _item_or_404(session, item_id)
    draft = draft_for(session, item, current_user.id) if item.state == "open" else None
    record_view("work_item", item.id, case_id=item.case_id, child_id=item.case.child_id,
                page="work_item")
    return _render(item, values=draft.data if draft else {}, draft=draft)


def _render(item: WorkItem, *, values: dict, errors: dict | None = None, status: int = 200,
            draft=None, completed_by_other: bool = False, problem: str | None = None):
    db = get_session()
    errors = errors or {}
    fields = formfields.fields(item.form_key, values, errors) if item.form_key else []
    form = formfields.definition(item.form_key) if item.form_key else None
    description, rules = formfields.plain(form.get("description") if form else "")
    for f in _all_fields(fields):
        rules += [r for r in f["rules"] if r not in rules]
    late = item.late_item
    late_holder = db.get(User, late.assignee_id) if late and late.assignee_id else None
    assignee = db.get(User, item.assignee_id) if item.assignee_id else None
    candidates = []
    if current_user.role_keys & REASSIGN_ROLES and item.state == "open":
        candidates = assignment.candidate_users(db, item.case, item.role)
    child = item.case.child
    # R43: the page says where the child was last seen; withheld from those without a
    # working need, like the child's own pages, and each view of it audited.
    shown = location_shown(db, child) if child is not None else True
    return render_template(
        "tasks/show.html", item=item, case=item.case, child=child, location_shown=shown,
        episode=item.case.episode, fields=fields, errors=errors,
        error_order=formfields.names_in_order(fields) + ["_form", "to_user_id", "reason"],
        form=form, description=description, rules=rules, late=late,
        late_holder=late_holder.name if late_holder else None,
        assignee_name=assignee.name if assignee else None, draft=draft, candidates=candidates,
        completed_by_other=completed_by_other, problem=problem,
        may_act=item.state == "open" and (item.assignee_id in (None, current_user.id))
        and (item.assignee_id == current_user.id or item.role in current_user.role_keys),
    ), status


@bp.route("/work/<int:item_id>", methods=["POST"])
@role_required()
def submit(item_id: int):
    session = get_session()
    item = _item_or_404(session, item_id, with_case=True)
    values = formfields.values_from(item.form_key, request.form) if item.form_key else {}
    action = request.form.get("action", "complete")
    try:
        if action == "save_draft":
            run(session, SaveDraft(item.id, values), actor())
            flash("Your draft is saved. Only you can see it.", "success")
            return redirect(url_for("tasks.show", item_id=item.id))
        data = formfields.data_from(item.form_key, values) if item.form_key else {}
        revision = request.form.get("revision", type=int)
        run(session, CompleteWorkItem(item.id, data, expected_revision=revision), actor())
    except InvalidInput as exc:
        return _render(item, values=values, errors=exc.errors or {"_form": [str(exc)]},
                       status=400)
    except AlreadyCompleted as exc:
        session.rollback()
        return _render(session.get(WorkItem, item.id), values=values, status=409,
                       completed_by_other=True,
                       problem=f"{exc.by} completed this work at {_london(exc.at)}. "
                               "What you typed is below so that you can copy it.")
    except Conflict:
        session.rollback()
        return _render(session.get(WorkItem, item.id), values=values, status=409,
                       problem="Someone else changed this case after you opened this page. "
                               "Check what is new, then complete the form again: what you "
                               "typed is below.")
    except NotPermitted as exc:
        session.rollback()
        refused("work item")  # audited like every other refusal (R8)
        return _render(session.get(WorkItem, item.id), values=values, status=409,
                       problem=_sentence(exc) + " What you typed is below.")
    return redirect(url_for("tasks.done", item_id=item.id))


@bp.route("/work/<int:item_id>/done")
@role_required()
def done(item_id: int):
    """After completing: what happens next and who does it, then back to the list."""
    item = _item_or_404(get_session(), item_id)
    if item.state != "completed":
        return redirect(url_for("tasks.show", item_id=item.id))
    return render_template("tasks/done.html", item=item, case=item.case,
                           child=item.case.child, steps=after_completion(get_session(), item),
                           back=_inbox_url())


def _inbox_url() -> str:
    url = browser_session.get("inbox_url") or ""
    return url if url.startswith("/") and not url.startswith("//") else url_for("inbox.index")


def _all_fields(fields):
    for f in fields:
        yield f
        for option in f["options"]:
            yield from _all_fields(option["reveals"])


@bp.route("/work/<int:item_id>/claim", methods=["POST"])
@role_required()
def claim(item_id: int):
    return _simple(item_id, ClaimWorkItem, "You have claimed this work.")


@bp.route("/work/<int:item_id>/release", methods=["POST"])
@role_required()
def release(item_id: int):
    return _simple(item_id, ReleaseWorkItem, "You have given this work back to the team.")


def _simple(item_id: int, command, done: str):
    session = get_session()
    item = _item_or_404(session, item_id)
    try:
        run(session, command(item.id), actor())
    except AlreadyClaimed as exc:
        flash(f"{exc.by} has already claimed this work.", "info")
    except Conflict as exc:
        flash(_sentence(exc), "info")
    except NotPermitted as exc:
        session.rollback()
        refused("work item")
        flash(_sentence(exc), "info")
    else:
        flash(done, "success")
    return redirect(url_for("tasks.show", item_id=item_id))


@bp.route("/work/<int:item_id>/reassign", methods=["POST"])
@role_required(*REASSIGN_ROLES)
def reassign(item_id: int):
    session = get_session()
    item = _item_or_404(session, item_id)
    to_user = request.form.get("to_user_id", type=int)
    reason = request.form.get("reason", "")
    try:
        run(session, ReassignWorkItem(item.id, to_user or 0, reason), actor())
    except InvalidInput as exc:
        session.rollback()
        return _render(session.get(WorkItem, item.id), values={}, errors=exc.errors,
                       status=400)
    except (Conflict, NotPermitted) as exc:
        flash(_sentence(exc), "info")
        return redirect(url_for("tasks.show", item_id=item_id))
    name = session.get(User, to_user).name
    flash(f"This work is now {name}'s.", "success")
    return redirect(url_for("tasks.show", item_id=item_id))


def _london(when) -> str:
    from ..templating import london

    return london(when)


def _sentence(exc: Exception) -> str:
    text = str(exc)
    return (text[:1].upper() + text[1:]).rstrip(".") + "."
