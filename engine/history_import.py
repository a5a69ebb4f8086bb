"""Bringing in a previous system's records in one go: children with their dated legal
statuses, placements and allocations, and their closed episodes with segments, completed
cases and the deadline work with its clocks. One command for the whole import (it is one
act by the people moving the data, audited as such), writing the same rows issue 10's
record commands write, and then each child's current state from its periods
(`child_record.refresh_current`), as those commands do.

Used by the demo's year of history (web/demo_history.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from . import audit, child_record
from .errors import NotPermitted
from .models import (
    Allocation,
    Case,
    Child,
    Episode,
    EpisodeSegment,
    LegalStatusPeriod,
    Placement,
    WorkItem,
)


@dataclass
class ImportedEpisode:
    episode: dict  # Episode columns
    segments: list[dict] = field(default_factory=list)  # EpisodeSegment columns
    case: dict = field(default_factory=dict)  # Case columns
    work: list[dict] = field(default_factory=list)  # WorkItem columns


@dataclass
class ImportedChild:
    child: dict | None = None  # Child columns of a new child, or None with `child_id`
    child_id: int | None = None  # an existing child
    legal_statuses: list[dict] = field(default_factory=list)
    placements: list[dict] = field(default_factory=list)
    allocations: list[dict] = field(default_factory=list)
    episodes: list[ImportedEpisode] = field(default_factory=list)


@dataclass
class ImportHistory:
    children: list[ImportedChild]
    source: str = "import"

    def __call__(self, ctx) -> dict:
        if not (ctx.actor.is_system or "admin" in ctx.actor.roles):
            raise NotPermitted("only administrators import records")
        stamp = {"changed_by": ctx.actor.name, "changed_at": ctx.now}
        counts = {"children": 0, "new_children": 0, "periods": 0, "episodes": 0}
        for item in self.children:
            if item.child is not None:
                child = Child(**item.child)
                ctx.session.add(child)
                ctx.session.flush()
                counts["new_children"] += 1
            else:
                child = ctx.session.get(Child, item.child_id)
            counts["children"] += 1
            for model, rows in ((LegalStatusPeriod, item.legal_statuses),
                                (Placement, item.placements), (Allocation, item.allocations)):
                for row in rows:
                    ctx.session.add(model(child_id=child.id, **stamp, **row))
                    counts["periods"] += 1
            for imported in item.episodes:
                episode = Episode(child_id=child.id, **imported.episode)
                ctx.session.add(episode)
                ctx.session.flush()
                for segment in imported.segments:
                    ctx.session.add(EpisodeSegment(episode_id=episode.id, **stamp, **segment))
                case = Case(child_id=child.id, episode_id=episode.id, **imported.case)
                ctx.session.add(case)
                ctx.session.flush()
                for work in imported.work:
                    ctx.session.add(WorkItem(case_id=case.id, **{
                        k: (v.format(episode=episode.id) if k == "task_id" else v)
                        for k, v in work.items()}))
                counts["episodes"] += 1
            ctx.session.flush()
            child_record.refresh_current(ctx.session, child)
        audit.record(ctx.session, ctx.actor, "records.imported", "import", None,
                     detail={"source": self.source, **counts})
        return counts
