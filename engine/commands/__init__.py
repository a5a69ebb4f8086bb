"""One module per command; each is a small callable object run by `engine.executor.run`."""

from .claim import ClaimWorkItem, ReleaseWorkItem
from .complete import CompleteWorkItem
from .deliver_message import DeliverMessage, ReportFound
from .fire_timers import FireTimers
from .publish import PublishProcesses
from .report_episode import ReportEpisode
from .start_case import StartCase

__all__ = [
    "ClaimWorkItem", "CompleteWorkItem", "DeliverMessage", "FireTimers", "PublishProcesses",
    "ReleaseWorkItem", "ReportEpisode", "ReportFound", "StartCase",
]
