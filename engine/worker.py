"""The timer worker: fires due timers on time and exactly once, and sends what they cause.

Each pass
1. reads up to 100 cases with a timer due, the most overdue first (`due_cases`), and
   fires them 50 to a transaction (`FireDueTimersBatch`: the case rows taken with
   `FOR UPDATE SKIP LOCKED`, every case fired in memory first and then saved, the batch
   written in one flush, the timer rows marked fired in the same transaction); a case
   whose engine step raises is marked in error (`MarkCaseFailed`) and skipped until
   someone retries it, and the others carry on; one whose save raises takes the batch's
   transaction with it, so it is marked in error on its own and the rest fired again;
2. sends due reminders (`SendDueReminders`), and once a day checks the audit chain
   (`check_audit_trail`, administrators notified when it is broken);
3. delivers due e-mails from the outbox, when SMTP is configured (`notifications.sender`).

Between passes it sleeps until the next due time, at most a second, so that a timer a
web process arms meanwhile is seen within a second. A timer fires only once its due time
has passed, by the clock of the machine the worker runs on (`engine.clock`).

Against PostgreSQL any number of workers may run, on any number of machines: they take
different cases with `FOR UPDATE SKIP LOCKED`. SQLite takes one worker: `single_worker`
holds an OS lock on a file beside the database and refuses a second. A worker killed at
any moment loses nothing: the transaction it was in never commits, and the next pass (of
this or another worker) fires that case again.
"""

from __future__ import annotations

import fcntl
import logging
import os
import socket
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from . import clock
from .commands import SendDueReminders
from .commands.audit_check import check_audit_trail, check_due
from .commands.fire_timers import FireDueTimersBatch, MarkCaseFailed, SaveFailed, due_cases
from .errors import Conflict, EngineError
from .executor import Actor, run
from .models import Case, Notification, Timer
from .notifications.sender import Delivered, MailSettings, deliver_due

log = logging.getLogger("safeguard.worker")

LONGEST_SLEEP = 1.0  # seconds: how soon a newly armed timer is seen
RETRY_SLEEP = 0.1  # seconds: something is due but another transaction holds it
BATCH = 100  # cases fired per pass before reminders and e-mail get their turn
# Cases fired per transaction (FireDueTimersBatch): one commit and one take of the audit
# lock for them all (issue 16: 10,000 timers due at once took 152 s one case per
# transaction; in the same hour 50 took 22-29 s where 25 took 26-31 s, and 100 took
# 39-42 s, the two workers then contending for the same cases). Small enough that a
# person saving one of them waits a fraction of a second (50 firings, 0.2-0.3 s).
PER_TRANSACTION = 50
ONCE_WAITS = 100  # `--once`: how many times to look again for due cases others hold


class WorkerAlreadyRunning(EngineError):
    pass


class WorkerStopped(BaseException):  # noqa: N818 - not an error: SIGTERM mid-case
    """Raised by the signal handler in the middle of a case: the case's transaction rolls
    back (nothing half-written; the next worker fires it again) and `run` returns. A
    BaseException, so that no `except Exception` on the way takes it for the case's fault."""


@contextmanager
def single_worker(url: str):
    """On a SQLite file, hold an exclusive OS lock for as long as the worker runs; raise
    WorkerAlreadyRunning if another process holds it. The OS drops the lock when the
    process ends, however it ends. Does nothing for other databases."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        yield
        return
    path = Path(f"{Path(parsed.database).resolve()}.worker-lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise WorkerAlreadyRunning(
                f"a worker ({holder}) is already running on {parsed.database}: SQLite takes "
                "one worker; use PostgreSQL to run several") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} on {socket.gethostname()}")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass
class Pass:
    """What one pass did."""

    fired: int = 0  # cases whose due timers fired
    failed: int = 0  # cases marked in error
    skipped: int = 0  # cases another transaction held or had just fired: a later pass
    reminded: int = 0
    emails: Delivered = field(default_factory=Delivered)

    @property
    def busy(self) -> bool:
        return bool(self.fired or self.failed or self.reminded or self.emails.sent
                    or self.emails.failed)

    def add(self, other: Pass) -> None:
        self.fired += other.fired
        self.failed += other.failed
        self.skipped += other.skipped
        self.reminded += other.reminded
        self.emails.sent += other.emails.sent
        self.emails.retrying += other.emails.retrying
        self.emails.failed += other.emails.failed


class Worker:
    """Runs passes until stopped. `sleep(seconds)` is the only way it waits: tests pass
    one that moves a fake clock; by default it waits on `stop()`, so SIGTERM is prompt."""

    def __init__(self, sessions, *, mail: MailSettings | None = None, name: str | None = None,
                 sleep=None, batch: int = BATCH, per_transaction: int = PER_TRANSACTION,
                 longest_sleep: float = LONGEST_SLEEP,
                 retry_sleep: float = RETRY_SLEEP):
        self.sessions = sessions
        self.mail = mail
        self.name = name or f"Timer worker {socket.gethostname()}:{os.getpid()}"
        self.actor = Actor(None, self.name, frozenset({"system"}))
        self.batch = batch
        self.per_transaction = per_transaction
        self.longest_sleep = longest_sleep
        self.retry_sleep = retry_sleep
        self.stopping = threading.Event()
        self.sleep = sleep or self.stopping.wait
        self.in_case = False  # firing a case's timers: a signal then abandons it

    def stop(self, *signal_args) -> None:
        """Return from `run` after the case in hand. As a signal handler (SIGTERM), do not
        wait for that case (its engine work may take up to its bound, 10 s): abandon it at
        once, rolled back, so the worker exits within a second."""
        self.stopping.set()
        if signal_args and self.in_case:
            raise WorkerStopped()

    def run(self) -> None:
        log.info("%s started", self.name)
        try:
            self._run()
        except WorkerStopped:
            log.info("%s: stopped in the middle of a case, which was rolled back",
                     self.name)
        log.info("%s stopped", self.name)

    def _run(self) -> None:
        with self.sessions() as session:
            while not self.stopping.is_set():
                try:
                    done = self.run_pass(session)
                    if done.busy:
                        self._report(done)
                        continue
                    pause = self.pause(session)
                except Exception:
                    # A database that went away, say: keep trying, a timer must not be lost.
                    log.exception("%s: the pass failed; trying again shortly", self.name)
                    session.rollback()
                    pause = self.longest_sleep
                self.sleep(pause)

    def run_once(self) -> Pass:
        """Fire everything due now (and send what it causes), then return."""
        total = Pass()
        waits = 0
        with self.sessions() as session:
            while not self.stopping.is_set():
                done = self.run_pass(session)
                total.add(done)
                if done.busy:
                    self._report(done)
                    waits = 0
                elif done.skipped and waits < ONCE_WAITS:
                    # Due cases someone else holds (a worker that died a moment ago, say,
                    # whose transaction the database has not ended yet): wait for them.
                    waits += 1
                    self.sleep(self.retry_sleep)
                else:
                    break
        return total

    def run_pass(self, session) -> Pass:
        done = Pass()
        due = due_cases(session, clock.now(), self.batch)
        session.rollback()  # end the read before taking cases
        for start in range(0, len(due), self.per_transaction):
            if self.stopping.is_set():
                return done
            outcomes = self._fire(session, due[start:start + self.per_transaction])
            for case_id, outcome in outcomes.items():
                if isinstance(outcome, str):
                    done.failed += 1
                    log.warning("%s: case %s is in error: %s", self.name, case_id, outcome)
                elif outcome is None or not outcome.elements:
                    done.skipped += 1  # another worker has it, or has just fired it
                else:
                    done.fired += 1
        done.reminded = run(session, SendDueReminders(self.batch), self.actor)
        if check_due(session, clock.now()):
            # once a day: the whole audit chain; administrators are told if it is broken
            check = check_audit_trail(session, actor=self.actor)
            if not check.ok:
                log.error("%s: the audit trail is not whole: %s", self.name, check.message)
        if self.mail is not None:
            done.emails = deliver_due(session, self.mail, self.actor, limit=self.batch)
        return done

    def _fire(self, session, chunk: list[int]) -> dict:
        """Fire a chunk of cases in one transaction. A case whose save raises rolls the
        transaction back (`SaveFailed`): it is marked in error in a transaction of its own,
        and the rest of the chunk fired again without it."""
        outcomes = {}
        while chunk:
            try:
                self.in_case = True
                try:
                    outcomes.update(run(session, FireDueTimersBatch(
                        chunk, self.stopping.is_set), self.actor))
                finally:
                    self.in_case = False
                break
            except Conflict:
                outcomes.update(dict.fromkeys(chunk))
                break
            except SaveFailed as failed:
                outcomes[failed.case_id] = run(session, MarkCaseFailed(
                    failed.case_id, failed.error), self.actor)
                chunk = [case_id for case_id in chunk if case_id != failed.case_id]
        return outcomes

    def pause(self, session) -> float:
        """Seconds until the next thing falls due, at most `longest_sleep`."""
        upcoming = [
            session.scalar(select(func.min(Timer.due_at)).join(Case, Case.id == Timer.case_id)
                           .where(Timer.state == "waiting", Case.status == "running")),
            session.scalar(select(func.min(Timer.reminder_at)).where(
                Timer.state == "waiting")),
        ]
        if self.mail is not None:
            upcoming.append(session.scalar(select(func.min(Notification.email_next_at))
                                           .where(Notification.email_state == "pending")))
        session.rollback()  # end the read: never sleep inside a transaction
        upcoming = [when for when in upcoming if when is not None]
        if not upcoming:
            return self.longest_sleep
        wait = (min(upcoming) - clock.now()).total_seconds()
        if wait <= 0:
            # Due, yet not taken: another transaction holds the case. Look again soon.
            return self.retry_sleep
        # A timer fires once its time has passed, so wake just after it.
        return min(wait + 0.001, self.longest_sleep)

    def _report(self, done: Pass) -> None:
        log.info("%s: fired timers of %d cases, %d in error, %d skipped, %d reminders, "
                 "%d e-mails sent (%d to retry, %d failed)", self.name, done.fired,
                 done.failed, done.skipped, done.reminded, done.emails.sent,
                 done.emails.retrying, done.emails.failed)

