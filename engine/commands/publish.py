from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from .. import audit, specs
from ..errors import NotPermitted
from ..models import ProcessVersion

PUBLISH_ROLES = frozenset({"process_owner", "admin"})


@dataclass
class PublishProcesses:
    """Check diagram files together and publish a new version of each process whose
    content changed. Nothing is published if any file has a problem."""

    files: dict[str, bytes]
    note: str = ""

    def __call__(self, ctx) -> list[ProcessVersion]:
        if not (ctx.actor.is_system or ctx.actor.roles & PUBLISH_ROLES):
            raise NotPermitted("only process owners can publish diagrams")
        published = set(ctx.session.scalars(select(ProcessVersion.process_id).distinct()))
        parsed = specs.parse_bundle(self.files, known_processes=published)
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
        return created
