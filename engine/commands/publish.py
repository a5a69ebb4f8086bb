from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from .. import audit, specs
from ..access import PUBLISH_ROLES  # noqa: E402,F401 (the role set lives there)
from ..errors import NotPermitted
from ..models import DecisionTableVersion, ProcessVersion


@dataclass
class PublishProcesses:
    """Check diagram files together and publish a new version of each process whose
    content changed. Nothing is published if any file has a problem."""

    files: dict[str, bytes]
    note: str = ""

    def __call__(self, ctx) -> list[ProcessVersion]:
        if not (ctx.actor.is_system or ctx.actor.roles & PUBLISH_ROLES):
            raise NotPermitted("only process owners can publish diagrams")
        from ..versions import published_calls

        parsed = specs.parse_bundle(self.files, known_processes=published_calls(ctx.session))
        created = []
        for process_id, process in sorted(parsed.items()):
            latest = ctx.session.execute(
                select(ProcessVersion.version, ProcessVersion.sha256)
                .where(ProcessVersion.process_id == process_id)
                .order_by(ProcessVersion.version.desc()).limit(1)).first()
            if latest is not None and latest.sha256 == process.sha256:
                continue
            version = ProcessVersion(
                process_id=process_id, version=(latest.version + 1) if latest else 1,
                filename=process.filename, xml=process.xml, spec_json=process.spec_json(),
                sha256=process.sha256, calls=process.calls, published_by=ctx.actor.name,
                published_at=ctx.now, note=self.note)
            ctx.session.add(version)
            ctx.session.flush()
            audit.record(ctx.session, ctx.actor, "process.published", "process_version",
                         version.id, detail={"process": process_id,
                                             "version": version.version,
                                             "sha256": process.sha256})
            created.append(version)
        self._record_tables(ctx)
        return created

    def _record_tables(self, ctx) -> None:
        """Keep each decision table whose content changed as a new version of its own."""
        for filename, xml in sorted(self.files.items()):
            if not filename.endswith(".dmn"):
                continue
            latest = ctx.session.execute(
                select(DecisionTableVersion.version, DecisionTableVersion.sha256)
                .where(DecisionTableVersion.filename == filename)
                .order_by(DecisionTableVersion.version.desc()).limit(1)).first()
            sha = specs.sha256(xml)
            if latest is not None and latest.sha256 == sha:
                continue
            table = DecisionTableVersion(
                filename=filename, version=(latest.version + 1) if latest else 1, xml=xml,
                sha256=sha, published_by=ctx.actor.name, published_at=ctx.now,
                note=self.note)
            ctx.session.add(table)
            ctx.session.flush()
            audit.record(ctx.session, ctx.actor, "decision_table.published",
                         "decision_table_version", table.id,
                         detail={"file": filename, "version": table.version, "sha256": sha})
