"""The modeller's commands: save or discard a draft, publish it, republish an old version
(roll back). Each checks the actor is a process owner and audits what it did."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .. import audit, specs, statutory_changes, versions
from ..errors import InvalidDiagram, NotFound, NotPermitted
from ..models import ProcessDraft, ProcessVersion
from .publish import PUBLISH_ROLES, PublishProcesses

FILENAME = re.compile(r"^[a-z][a-z0-9_]{0,60}\.(bpmn|dmn)$")
MAX_BYTES = 2_000_000


def _require_owner(ctx) -> None:
    if not (ctx.actor.is_system or ctx.actor.roles & PUBLISH_ROLES):
        raise NotPermitted("only process owners can change diagrams")


@dataclass
class SaveProcessDraft:
    """Keep a process owner's edit (from the modeller or an uploaded file) server-side.

    A draft may still have problems (Check shows them), but it must be XML we are willing
    to parse: hostile or malformed XML is refused and the previous draft is kept.
    """

    filename: str
    xml: bytes
    based_on_id: int | None = None

    def __call__(self, ctx) -> ProcessDraft:
        _require_owner(ctx)
        if not FILENAME.match(self.filename):
            raise InvalidDiagram("the file name must be lower case letters, digits and "
                                 "underscores, ending .bpmn or .dmn", file=self.filename)
        if len(self.xml) > MAX_BYTES:
            raise InvalidDiagram(f"the file is larger than {MAX_BYTES // 1_000_000} MB",
                                 file=self.filename)
        specs.parse_xml(self.xml, self.filename)
        draft = versions.get_draft(ctx.session, self.filename)
        if draft is None:
            draft = ProcessDraft(filename=self.filename)
            ctx.session.add(draft)
        draft.xml = self.xml
        draft.based_on_id = self.based_on_id or draft.based_on_id
        draft.saved_by_id = ctx.actor.user_id
        draft.saved_by = ctx.actor.name
        draft.saved_at = ctx.now
        ctx.session.flush()
        audit.record(ctx.session, ctx.actor, "draft.saved", "process_draft", draft.id,
                     detail={"file": self.filename, "sha256": specs.sha256(self.xml)})
        return draft


@dataclass
class DiscardProcessDraft:
    filename: str

    def __call__(self, ctx) -> None:
        _require_owner(ctx)
        draft = versions.get_draft(ctx.session, self.filename)
        if draft is None:
            raise NotFound(f"there is no draft of {self.filename}")
        audit.record(ctx.session, ctx.actor, "draft.discarded", "process_draft", draft.id,
                     detail={"file": self.filename})
        ctx.session.delete(draft)


@dataclass
class PublishProcessDraft:
    """Publish one draft as a new version, only if Check finds nothing; the draft goes.

    `decision_files` are the DMN tables the diagram's business rule tasks read. A table's
    draft is published with the newest version of every diagram, so the diagrams that
    read it get new versions.
    Raises DiagramProblems (and keeps the draft) when Check finds anything, and
    DeadlineChangeUnconfirmed when it changes a statutory deadline without
    `deadline_reason` (issue 12): the note then records the change and the reason.
    """

    filename: str
    note: str
    decision_files: dict[str, bytes] = field(default_factory=dict)
    deadline_reason: str = ""

    def __call__(self, ctx) -> list[ProcessVersion]:
        _require_owner(ctx)
        draft = versions.get_draft(ctx.session, self.filename)
        if draft is None:
            raise NotFound(f"there is no draft of {self.filename}")
        note = _confirmed_note(ctx, self.filename, draft.xml, self.note, self.deadline_reason)
        files = {**self.decision_files, self.filename: draft.xml}
        if self.filename.endswith(".dmn"):
            # A table is compiled into the diagrams that read it: publish them again with
            # it, and those whose content changed (the readers) get new versions.
            files.update({v.filename: v.xml for v in versions.latest_versions(ctx.session)})
        created = PublishProcesses(files, note)(ctx)
        ctx.session.delete(draft)
        return created


def _confirmed_note(ctx, filename: str, xml: bytes, note: str, reason: str) -> str:
    """The note to publish with: unchanged unless `xml` changes a statutory deadline of
    the newest version, which needs a reason (recorded in the note and the audit)."""
    latest = {v.filename: v for v in versions.latest_versions(ctx.session)}.get(filename)
    found = statutory_changes.changes(latest.xml if latest else None, xml, filename)
    if not found:
        return note
    if not (reason or "").strip():
        raise statutory_changes.DeadlineChangeUnconfirmed(found)
    audit.record(ctx.session, ctx.actor, "deadline.changed", "process_version",
                 latest.id, detail={"file": filename, "reason": reason.strip()[:500],
                                    "changes": [c.sentence for c in found]})
    return statutory_changes.recorded_note(note, found, reason)


@dataclass
class RepublishVersion:
    """Publish an old version's XML again as the newest version: how a process owner
    rolls back. Checked again, since what it calls may have changed since."""

    process_id: str
    version: int
    note: str = ""
    decision_files: dict[str, bytes] = field(default_factory=dict)
    deadline_reason: str = ""

    def __call__(self, ctx) -> list[ProcessVersion]:
        _require_owner(ctx)
        old = versions.get_version(ctx.session, self.process_id, self.version)
        if old is None:
            raise NotFound(f"{self.process_id} has no version {self.version}")
        # Rolling back can move a statutory deadline too: the same confirmation applies.
        note = _confirmed_note(ctx, old.filename, old.xml,
                               self.note or f"back to version {self.version}",
                               self.deadline_reason)
        files = {**self.decision_files, old.filename: old.xml}
        return PublishProcesses(files, note)(ctx)
