"""One module per command; each is a small callable object run by `engine.executor.run`."""

from .claim import ClaimWorkItem, ReleaseWorkItem
from .complete import CompleteWorkItem
from .deliver_message import DeliverMessage, ReportFound
from .drafts import DiscardDraft, PublishDraft, RepublishVersion, SaveDraft
from .fire_timers import FireTimers
from .migrate_cases import MigrateCase
from .publish import PublishProcesses
from .report_episode import ReportEpisode
from .start_case import StartCase

__all__ = [
    "ClaimWorkItem", "CompleteWorkItem", "DeliverMessage", "DiscardDraft", "FireTimers",
    "MigrateCase", "PublishDraft", "PublishProcesses", "RepublishVersion", "SaveDraft",
    "ReleaseWorkItem", "ReportEpisode", "ReportFound", "StartCase",
]
