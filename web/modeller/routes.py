"""Pages and JSON endpoints of the modeller. Every change is an engine command; the
browser sends diagram XML as the body of a POST (CSRF token in a header)."""

from __future__ import annotations

import json
from pathlib import Path

from flask import (
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf.csrf import generate_csrf

from engine import assignment, deadline_words, forms, statutory_changes, versions
from engine.access import OWNER_ROLES
from engine.commands.migrate_cases import MigrateCase, plan_process
from engine.commands.process_drafts import (
    FILENAME,
    DiscardProcessDraft,
    PublishProcessDraft,
    RepublishVersion,
    SaveProcessDraft,
)
from engine.errors import Conflict, DiagramProblems, InvalidDiagram, NotFound
from engine.executor import run
from engine.models import Case

from ..access import actor, role_required
from ..database import get_session
from . import bp

ROOT = Path(__file__).resolve().parent.parent.parent


def _processes_dir() -> Path:
    return Path(current_app.config.get("PROCESSES_DIR") or ROOT / "processes")


def decision_files() -> dict[str, bytes]:
    """The decision tables diagrams may read: the published version of each, else the
    repository's file in processes/."""
    files = {p.name: p.read_bytes() for p in sorted(_processes_dir().glob("*.dmn"))}
    files.update({name: table.xml
                  for name, table in versions.latest_tables(get_session()).items()})
    return files


def _filename_or_404(filename: str) -> str:
    if not FILENAME.match(filename):
        abort(404)
    return filename


def _source(session, filename: str) -> tuple[bytes | None, str]:
    """What the modeller opens: the draft, else the newest version, else the repository's
    file (decision tables), with where it came from."""
    draft = versions.get_draft(session, filename)
    if draft is not None:
        return draft.xml, "draft"
    latest = {v.filename: v for v in versions.latest_versions(session)}
    if filename in latest:
        return latest[filename].xml, f"version {latest[filename].version}"
    table = versions.latest_tables(session).get(filename)
    if table is not None:
        return table.xml, f"version {table.version}"
    path = _processes_dir() / filename
    if filename.endswith(".dmn") and path.is_file():
        return path.read_bytes(), "the repository"
    return None, ""


@bp.route("/")
@role_required(*OWNER_ROLES)
def index():
    session = get_session()
    latest = versions.latest_versions(session)
    drafts = versions.drafts(session)
    tables = sorted(decision_files())
    return render_template("modeller/index.html", latest=latest, drafts=drafts,
                           tables=tables)


@bp.route("/files/<filename>")
@role_required(*OWNER_ROLES)
def edit(filename):
    session = get_session()
    _filename_or_404(filename)
    xml, origin = _source(session, filename)
    if xml is None:
        abort(404)
    return _edit_page(session, filename, origin)


def _edit_page(session, filename, origin, errors=None, status=200, problems=None,
               form=None, deadline_changes=None):
    draft = versions.get_draft(session, filename)
    latest = {v.filename: v for v in versions.latest_versions(session)}.get(filename)
    data = {
        "xml-url": url_for(".source", filename=filename),
        "save-url": url_for(".save_draft", filename=filename),
        "check-url": url_for(".check", filename=filename),
        "deadline-url": url_for(".deadline"),
        "csrf-token": generate_csrf(),
        "roles": json.dumps(lane_roles()),
        "forms": json.dumps(form_choices()),
        "units": json.dumps([{"key": u.key, "helper": u.helper, "label": u.many}
                             for u in deadline_words.UNITS]),
        "anchors": json.dumps([{"source": a.source, "label": a.label}
                               for a in deadline_words.ANCHORS]),
    }
    return render_template("modeller/edit.html", filename=filename, origin=origin,
                           draft=draft, latest=latest, data=data, errors=errors,
                           problems=problems or [], form=form or {},
                           deadline_changes=deadline_changes or [],
                           is_dmn=filename.endswith(".dmn")), status


def lane_roles() -> list[str]:
    """The roles a lane may stand for, by the names people know them by (a lane's name is
    its role: engine.assignment.role_for_lane)."""
    return [name for key, name in assignment.ROLES.items()
            if key not in ("process_owner", "admin", "dpo")]


def form_choices() -> list[dict]:
    """Every form, as {key, title}, in title order: the modeller offers titles."""
    found = []
    for key in forms.available_keys():
        try:
            title = forms.load(key).get("title") or key
        except (ValueError, OSError):
            title = key
        found.append({"key": key, "title": title})
    return sorted(found, key=lambda f: (f["title"].casefold(), f["key"]))


@bp.route("/deadline")
@role_required(*OWNER_ROLES)
def deadline():
    """The deadline builder's words, both ways: `text` typed ("72 hours after found", or
    "72 hours" with the timer's `anchor`), `amount`/`unit`/`anchor` from its fields, or an
    `expression` to read. Answers the deadline, or a message saying what to type (a
    question answered, so 200 either way, with `understood`)."""
    args = request.args
    try:
        if "expression" in args:
            found = deadline_words.parse_expression(args["expression"])
            if found is None:
                return jsonify(understood=False,
                               message="The builder cannot read this expression: it is "
                                       "kept as it is (see Advanced)")
        elif "text" in args:
            found = deadline_words.understand(args["text"][:200], args.get("anchor"))
        else:
            found = deadline_words.build(args.get("amount"), args.get("unit", ""),
                                         args.get("anchor", ""))
    except deadline_words.NotUnderstood as exc:
        return jsonify(understood=False, message=str(exc))
    return jsonify(understood=True, **found.as_dict())


@bp.route("/files/<filename>/source.xml")
@role_required(*OWNER_ROLES)
def source(filename):
    xml, _ = _source(get_session(), _filename_or_404(filename))
    if xml is None:
        abort(404)
    return Response(xml, mimetype="application/xml")


def _body_xml() -> bytes:
    return request.get_data(cache=False, as_text=False)


@bp.route("/files/<filename>/draft", methods=["POST"])
@role_required(*OWNER_ROLES)
def save_draft(filename):
    _filename_or_404(filename)
    session = get_session()
    latest = {v.filename: v.id for v in versions.latest_versions(session)}.get(filename)
    try:
        draft = run(session, SaveProcessDraft(filename, _body_xml(), based_on_id=latest),
                    actor())
    except InvalidDiagram as exc:
        return jsonify(message=exc.located(), problems=[exc.as_dict()]), 400
    return jsonify(message=f"The draft is saved ({draft.saved_by}).",
                   saved_by=draft.saved_by, saved_at=draft.saved_at.isoformat())


@bp.route("/files/<filename>/check", methods=["POST"])
@role_required(*OWNER_ROLES)
def check(filename):
    """Check the XML in the body (the modeller's current diagram) without saving it."""
    _filename_or_404(filename)
    session = get_session()
    problems = versions.check_file(session, filename, _body_xml(), decision_files())
    return jsonify(problems=[p.as_dict() for p in problems])


@bp.route("/files/<filename>/upload", methods=["POST"])
@role_required(*OWNER_ROLES)
def upload(filename):
    _filename_or_404(filename)
    session = get_session()
    upload = request.files.get("diagram")
    if upload is None or not upload.filename:
        return _edit_page(session, filename, "draft", status=400,
                          errors={"diagram": "Choose a .bpmn or .dmn file to upload"})
    try:
        run(session, SaveProcessDraft(filename, upload.read()), actor())
    except InvalidDiagram as exc:
        return _edit_page(session, filename, "draft", status=400,
                          errors={"diagram": f"The file was not uploaded: {exc.located()}"})
    flash(f"{upload.filename} is uploaded into the draft of {filename}. Check it before "
          "you publish.", "success")
    return redirect(url_for(".edit", filename=filename))


@bp.route("/files/<filename>/publish", methods=["POST"])
@role_required(*OWNER_ROLES)
def publish(filename):
    _filename_or_404(filename)
    session = get_session()
    note = (request.form.get("note") or "").strip()
    if not note:
        return _edit_page(session, filename, "draft", status=400,
                          errors={"note": "Say what this version changes"})
    reason, errors = _deadline_confirmation(request.form)
    if errors:
        changes = _draft_deadline_changes(session, filename)
        return _edit_page(session, filename, "draft", status=400, errors=errors,
                          form=request.form, deadline_changes=changes)
    try:
        created = run(session, PublishProcessDraft(filename, note, decision_files(),
                                                   deadline_reason=reason), actor())
    except statutory_changes.DeadlineChangeUnconfirmed as exc:
        return _edit_page(session, filename, "draft", status=400, form=request.form,
                          deadline_changes=exc.changes, errors={
                              "confirm_deadline": "This version changes a statutory "
                              "deadline: confirm the change and say why"})
    except NotFound:
        return _edit_page(session, filename, "draft", status=400,
                          errors={"note": "Save a draft before you publish"})
    except InvalidDiagram as exc:
        return _edit_page(session, filename, "draft", status=400,
                          errors={"note": exc.message[0].upper() + exc.message[1:]})
    except DiagramProblems as exc:
        return _edit_page(session, filename, "draft", status=400, problems=exc.problems,
                          errors={"note": f"Check found {len(exc.problems)} problem(s): "
                                          "correct them before you publish"})
    if filename.endswith(".dmn"):
        readers = ", ".join(f"{v.process_id} version {v.version}" for v in created)
        flash(f"The decision table {filename} is published"
              + (f"; the diagrams that read it are now {readers}." if readers else "."),
              "success")
        return redirect(url_for(".index"))
    if not created:
        flash("Nothing was published: the draft is the same as the newest version.",
              "success")
        return redirect(url_for(".index"))
    version = created[0]
    flash(f"{version.process_id} version {version.version} is published. New cases start "
          "on it; running cases stay on their version.", "success")
    return redirect(url_for(".history", process_id=version.process_id))


def _deadline_confirmation(form) -> tuple[str, dict]:
    """(reason, errors) from the statutory deadline confirmation, if the form has one."""
    confirmed = form.get("confirm_deadline") == "yes"
    reason = (form.get("deadline_reason") or "").strip()
    if not confirmed and not reason:
        return "", {}
    if not confirmed:
        return "", {"confirm_deadline": "Confirm that the statutory deadline changes"}
    if not reason:
        return "", {"deadline_reason": "Say why the statutory deadline changes"}
    if len(reason) > 2000:
        return "", {"deadline_reason": "Say why in 2000 characters or fewer"}
    return reason, {}


def _draft_deadline_changes(session, filename):
    draft = versions.get_draft(session, filename)
    latest = {v.filename: v for v in versions.latest_versions(session)}.get(filename)
    if draft is None or latest is None:
        return []
    return statutory_changes.changes(latest.xml, draft.xml, filename)


@bp.route("/files/<filename>/discard", methods=["POST"])
@role_required(*OWNER_ROLES)
def discard(filename):
    _filename_or_404(filename)
    try:
        run(get_session(), DiscardProcessDraft(filename), actor())
    except NotFound:
        abort(404)
    flash(f"The draft of {filename} is discarded.", "success")
    return redirect(url_for(".index"))


# --- versions -------------------------------------------------------------------------

def _version_or_404(session, process_id, version):
    found = versions.get_version(session, process_id, version)
    if found is None:
        abort(404)
    return found


@bp.route("/processes/<process_id>/versions")
@role_required(*OWNER_ROLES)
def history(process_id):
    session = get_session()
    found = versions.history(session, process_id)
    if not found:
        abort(404)
    return render_template("modeller/history.html", process_id=process_id, versions=found)


@bp.route("/processes/<process_id>/versions/<int:version>")
@role_required(*OWNER_ROLES)
def version(process_id, version):
    session = get_session()
    found = _version_or_404(session, process_id, version)
    latest = {v.process_id: v for v in versions.latest_versions(session)}.get(process_id)
    changes = (statutory_changes.changes(latest.xml, found.xml, found.filename)
               if latest is not None and latest.id != found.id else [])
    return render_template("modeller/version.html", version=found, deadline_changes=changes)


@bp.route("/processes/<process_id>/versions/<int:version>/diagram.xml")
@role_required(*OWNER_ROLES)
def version_xml(process_id, version):
    found = _version_or_404(get_session(), process_id, version)
    return Response(found.xml, mimetype="application/xml")


@bp.route("/processes/<process_id>/versions/<int:version>/download")
@role_required(*OWNER_ROLES)
def download(process_id, version):
    found = _version_or_404(get_session(), process_id, version)
    name = f"{Path(found.filename).stem}-v{found.version}{Path(found.filename).suffix}"
    return Response(found.xml, mimetype="application/octet-stream",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/processes/<process_id>/versions/<int:version>/republish", methods=["POST"])
@role_required(*OWNER_ROLES)
def republish(process_id, version):
    session = get_session()
    _version_or_404(session, process_id, version)
    note = (request.form.get("note") or "").strip()
    reason, errors = _deadline_confirmation(request.form)
    if errors:
        flash(f"Version {version} was not published again: {next(iter(errors.values())).lower()}")
        return redirect(url_for(".version", process_id=process_id, version=version))
    try:
        created = run(session, RepublishVersion(process_id, version, note, decision_files(),
                                                deadline_reason=reason), actor())
    except statutory_changes.DeadlineChangeUnconfirmed:
        flash(f"Version {version} was not published again: it changes a statutory "
              "deadline: confirm the change and say why")
        return redirect(url_for(".version", process_id=process_id, version=version))
    except DiagramProblems as exc:
        flash("Version {} cannot be published again: {}".format(
            version, "; ".join(p.located() for p in exc.problems)))
        return redirect(url_for(".version", process_id=process_id, version=version))
    if created:
        flash(f"Version {version} is published again as version {created[0].version}.",
              "success")
    else:
        flash(f"Version {version} is already the newest content.", "success")
    return redirect(url_for(".history", process_id=process_id))


@bp.route("/processes/<process_id>/diff")
@role_required(*OWNER_ROLES)
def diff(process_id):
    session = get_session()
    old = _version_or_404(session, process_id, request.args.get("from", type=int))
    new = _version_or_404(session, process_id, request.args.get("to", type=int))
    return render_template("modeller/diff.html", old=old, new=new,
                           diff=versions.diff_xml(old.xml, new.xml))


# --- migrating running cases ------------------------------------------------------------

@bp.route("/processes/<process_id>/migrate")
@role_required(*OWNER_ROLES)
def migrate(process_id):
    session = get_session()
    if not versions.history(session, process_id):
        abort(404)
    plan = plan_process(session, process_id)
    session.rollback()  # the dry run changes nothing
    return render_template("modeller/migrate.html", process_id=process_id, plan=plan,
                           movable=[m for m in plan if m.can_move],
                           token=generate_csrf())


@bp.route("/processes/<process_id>/migrate", methods=["POST"])
@role_required(*OWNER_ROLES)
def migrate_all(process_id):
    """Without JavaScript: move every case that can, one transaction each."""
    session = get_session()
    plan = plan_process(session, process_id)
    session.rollback()
    moved = sum(_move(session, move.case_id) is None for move in plan if move.can_move)
    flash(f"Moved {moved} of {len(plan)} running cases to the newest version.", "success")
    return redirect(url_for(".migrate", process_id=process_id))


@bp.route("/processes/<process_id>/migrate/<int:case_id>", methods=["POST"])
@role_required(*OWNER_ROLES)
def migrate_one(process_id, case_id):
    """One case, for the page's running count."""
    session = get_session()
    case = session.get(Case, case_id)
    if case is None or case.process_id != process_id:
        abort(404)
    error = _move(session, case_id)
    if error:
        return jsonify(moved=False, message=error), 409
    return jsonify(moved=True)


def _move(session, case_id) -> str | None:
    try:
        run(session, MigrateCase(case_id), actor())
    except (Conflict, NotFound) as exc:
        return str(exc)
    return None
