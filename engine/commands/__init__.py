"""One module per command; each is a small callable object run by `engine.executor.run`."""

from .claim import ClaimWorkItem, ReleaseWorkItem
from .complete import CompleteWorkItem
from .create_child import CreateChild
from .deliver_message import DeliverMessage, ReportFound
from .drafts import SaveDraft
from .episode_changes import ChangeCategory, CorrectEpisodeTimes
from .fire_timers import FireDueTimers, FireTimers
from .publish import PublishProcesses
from .read_notifications import MarkNotificationsRead, SetEmailNewWork
from .reassign import ReassignWorkItem
from .receive_notification import ReceiveNotification
from .report_episode import ReportEpisode
from .request_stage_two import RequestStageTwo
from .retry_case import RetryCase
from .send_reminders import SendDueReminders
from .start_case import StartCase

__all__ = [
    "ClaimWorkItem", "CompleteWorkItem", "CreateChild", "DeliverMessage", "FireTimers",
    "PublishProcesses", "ReassignWorkItem", "ReleaseWorkItem", "ReportEpisode", "ReportFound",
    "RequestStageTwo", "SaveDraft", "StartCase",
    # issue 5: the timer worker and notifications
    "FireDueTimers", "MarkNotificationsRead", "RetryCase", "SendDueReminders",
    # issue 10: the child's record over time
    "ChangeCategory", "CorrectEpisodeTimes",
    # issue 11: another authority's notification (R13)
    "ReceiveNotification",
    # issue 12: what people see
    "SetEmailNewWork",
]
