"""One module per command; each is a small callable object run by `engine.executor.run`."""

from .claim import ClaimWorkItem, ReleaseWorkItem
from .complete import CompleteWorkItem
from .create_child import CreateChild
from .deliver_message import DeliverMessage, ReportFound
from .drafts import SaveDraft
from .fire_timers import FireTimers
from .publish import PublishProcesses
from .reassign import ReassignWorkItem
from .report_episode import ReportEpisode
from .start_case import StartCase

__all__ = [
    "ClaimWorkItem", "CompleteWorkItem", "CreateChild", "DeliverMessage", "FireTimers",
    "PublishProcesses", "ReassignWorkItem", "ReleaseWorkItem", "ReportEpisode", "ReportFound",
    "SaveDraft", "StartCase",
]
