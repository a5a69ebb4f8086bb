"""An open episode's category changes (A <-> M, R1), and corrections of an episode's
times with a reason; neither starts a second case."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from engine import clock
from engine.commands import ChangeCategory, CorrectEpisodeTimes
from engine.commands.episode_changes import CATEGORY_ROLES, CORRECT_ROLES
from engine.errors import InvalidInput
from engine.executor import run
from engine.models import Case, Episode

from .. import formfields
from ..access import actor, child_or_404, record_view, role_required
from ..database import get_session
from . import bp


def _episode(episode_id: int):
    session = get_session()
    episode = session.get(Episode, episode_id)
    if episode is None:
        abort(404)
    child = child_or_404(session, episode.child_id)
    record_view("child", child.id, child_id=child.id)
    return session, episode, child


def _case_id(session, episode) -> int | None:
    return session.scalar(select(Case.id).where(Case.episode_id == episode.id,
                                                Case.process_id == "episode"))


@bp.route("/episodes/<int:episode_id>/category", methods=["GET", "POST"])
@role_required(*CATEGORY_ROLES)
def change_category(episode_id: int):
    session, episode, child = _episode(episode_id)
    to = "A" if episode.category == "M" else "M"
    values = request.form if request.method == "POST" else {}
    parts = (formfields.posted_parts(values, "at") if request.method == "POST"
             else formfields.time_parts(clock.now()))
    errors = {}
    if request.method == "POST":
        at, problem = formfields.datetime_from_parts(values, "at")
        try:
            if problem:
                raise InvalidInput(problem, {"at": [problem]})
            run(session, ChangeCategory(episode.id, to, at or None,
                                        values.get("reason", "")), actor())
        except InvalidInput as exc:
            errors = {k: v[0] for k, v in exc.errors.items()}
        else:
            how = "away from placement" if to == "A" else "missing"
            flash(f"{child.first_name} is now recorded as {how}, in the same episode.",
                  "success")
            return redirect(url_for("cases.show", case_id=_case_id(session, episode)))
    return render_template("children/change_category.html", child=child, episode=episode,
                           to=to, values=values, parts=parts, errors=errors,
                           field_ids={"at": "at-day"}), (400 if errors else 200)


@bp.route("/episodes/<int:episode_id>/times", methods=["GET", "POST"])
@role_required(*CORRECT_ROLES)
def correct_times(episode_id: int):
    session, episode, child = _episode(episode_id)
    names = ("last_seen_at", "reported_at", "found_at")
    values = request.form if request.method == "POST" else {}
    parts = {name: formfields.posted_parts(values, name) if request.method == "POST"
             else formfields.time_parts(getattr(episode, name)) for name in names}
    errors = {}
    if request.method == "POST":
        given, problems = {}, {}
        for name in names:
            typed, problem = formfields.datetime_from_parts(values, name)
            if problem:
                problems[name] = [problem]
            elif typed and parts[name] != formfields.time_parts(getattr(episode, name)):
                given[name] = typed  # only the times changed are corrected
        try:
            if problems:
                raise InvalidInput("times that are not real", problems)
            run(session, CorrectEpisodeTimes(episode.id, values.get("reason", ""), **given),
                actor())
        except InvalidInput as exc:
            errors = {k: v[0] for k, v in exc.errors.items()}
        else:
            flash("The episode's times are corrected; its deadlines follow them.", "success")
            return redirect(url_for("children.show", child_id=child.id))
    return render_template("children/correct_times.html", child=child, episode=episode,
                           values=values, parts=parts, errors=errors,
                           field_ids={name: f"{name}-day" for name in names}), (
        400 if errors else 200)
