"""The tables. Typed SQLAlchemy 2 models; Alembic migrations in `migrations/` follow them.

Case state is stored whole (`Case.state`), and everything that other parts read often
(work items, timers, stage) is kept beside it as projections written in the same
transaction, so that nothing has to load case state to draw a list.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from . import clock


class UTCDateTime(TypeDecorator):
    """Stores aware datetimes as UTC and gives them back aware, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: give a time zone")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


intpk = Annotated[int, mapped_column(primary_key=True)]
timestamp = Annotated[dt.datetime, mapped_column(UTCDateTime)]
str200 = Annotated[str, mapped_column(String(200))]
str64 = Annotated[str, mapped_column(String(64))]


def _now() -> dt.datetime:
    return clock.now()


class Base(DeclarativeBase):
    type_annotation_map = {dt.datetime: UTCDateTime, dict[str, Any]: JSON}


class Organisation(Base):
    __tablename__ = "organisation"

    id: Mapped[intpk]
    code: Mapped[str64] = mapped_column(unique=True)
    name: Mapped[str200]
    # local_authority, police, health, home_office, provider, education, voluntary
    kind: Mapped[str] = mapped_column(String(32))
    # --- issue 14: single sign-on with the organisation's own identity provider ---
    oidc_issuer: Mapped[str | None] = mapped_column(String(500))
    oidc_client_id: Mapped[str | None] = mapped_column(String(200))
    oidc_client_secret: Mapped[str | None] = mapped_column(String(500))
    oidc_email_claim: Mapped[str] = mapped_column(String(64), default="email")
    active: Mapped[bool] = mapped_column(default=True)


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[intpk]
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str200]
    password_hash: Mapped[str] = mapped_column(String(255))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[timestamp] = mapped_column(default=_now)
    # --- issue 14 ---
    # Every session carries the generation it was signed in under; bumping it (sign-out,
    # deactivation, a new password, new roles) ends every session of the user at once.
    session_generation: Mapped[int] = mapped_column(default=0)
    team: Mapped[str | None] = mapped_column(String(100))
    password_set_at: Mapped[dt.datetime | None]
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enrolled_at: Mapped[dt.datetime | None]
    # API keys' service users never sign in to pages
    is_service: Mapped[bool] = mapped_column(default=False)
    # New work for this person is e-mailed as well as listed in the service.
    email_new_work: Mapped[bool] = mapped_column(default=True, server_default=true())

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    roles: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def role_keys(self) -> frozenset[str]:
        return frozenset(r.role for r in self.roles)

    # What flask-login asks of a user (duck-typed: the engine does not import Flask).
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return str(self.id)


class UserRole(Base):
    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)


class Child(Base):
    __tablename__ = "child"

    id: Mapped[intpk]
    first_name: Mapped[str200]
    last_name: Mapped[str200]
    date_of_birth: Mapped[dt.date]
    ethnicity: Mapped[str | None] = mapped_column(String(100))
    # The DfE ethnicity code (WBRI, MWBC, ..., NOBT "not recorded"); `ethnicity` above is
    # the words typed before codes were kept.
    ethnic_code: Mapped[str | None] = mapped_column(String(4))
    sex: Mapped[str] = mapped_column(String(1), default="U")  # DfE: M, F or U
    upn: Mapped[str | None] = mapped_column(String(13))
    # issue 13: the postcode of the child's home before care (the DfE return's HOME_POST)
    home_postcode: Mapped[str | None] = mapped_column(String(10))
    # The council's own child id (the 903 CHILD column): how an import finds the child.
    la_child_id: Mapped[str | None] = mapped_column(String(20), unique=True, index=True)
    # The fields below are the record's *current* state, written only by
    # engine/child_record.py from the dated periods and flag history (the source of
    # truth), so that visibility queries stay one indexed join.
    # not_in_care, s20, interim_care_order, care_order, s21_pace, remand, other (R2)
    legal_status: Mapped[str] = mapped_column(String(32), default="not_in_care")
    responsible_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    # the local authority the current placement lies in (ours or another)
    host_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    placement: Mapped[str | None] = mapped_column(String(500))
    # issue 14: the organisation providing the placement (a children's home), whose people
    # may report the child missing (engine.access.may_report)
    placement_provider_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    # issue 14: retention runs 15 years from a death under 18 (engine.retention)
    date_of_death: Mapped[dt.date | None]
    social_worker_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    iro_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # current flag values (engine/child_record.FLAGS); every change in child_flag_change
    flags: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[timestamp] = mapped_column(default=_now)
    revision: Mapped[int] = mapped_column(default=1)

    responsible_org: Mapped[Organisation] = relationship(foreign_keys=[responsible_org_id])
    host_org: Mapped[Organisation | None] = relationship(foreign_keys=[host_org_id])

    # Two people editing one record: the second gets a conflict, not a lost update.
    __mapper_args__ = {"version_id_col": revision}

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Episode(Base):
    __tablename__ = "episode"

    id: Mapped[intpk]
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"), index=True)
    category: Mapped[str] = mapped_column(String(1))  # M or A (R1)
    last_seen_at: Mapped[timestamp]
    reported_at: Mapped[timestamp]
    found_at: Mapped[dt.datetime | None]
    found_where: Mapped[str | None] = mapped_column(String(500))
    found_by: Mapped[str | None] = mapped_column(String(200))
    police_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    risk_grade: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open, closed
    closed_at: Mapped[dt.datetime | None]
    report: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the R4 minimum report
    # found not to have been missing: kept, but not counted for Stage One/Two (R28, R31)
    not_missing: Mapped[bool] = mapped_column(default=False)
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[timestamp] = mapped_column(default=_now)

    child: Mapped[Child] = relationship(lazy="joined")
    risk_assessments: Mapped[list[RiskAssessment]] = relationship(
        order_by="RiskAssessment.id", cascade="all, delete-orphan"
    )


class RiskAssessment(Base):
    """Every risk grade an episode had, with who and why (R5: the grade is dynamic)."""

    __tablename__ = "risk_assessment"

    id: Mapped[intpk]
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id"), index=True)
    grade: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(Text, default="")
    assessed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    assessed_by: Mapped[str] = mapped_column(String(200))
    assessed_at: Mapped[timestamp]


class ProcessVersion(Base):
    """A published diagram version. Never updated: a change is a new version."""

    __tablename__ = "process_version"
    __table_args__ = (UniqueConstraint("process_id", "version"),)

    id: Mapped[intpk]
    process_id: Mapped[str64] = mapped_column(index=True)
    version: Mapped[int]
    filename: Mapped[str] = mapped_column(String(200))
    xml: Mapped[bytes] = mapped_column(LargeBinary)
    spec_json: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    # the process ids this one calls; resolved to versions when a case starts
    calls: Mapped[list[str]] = mapped_column(JSON, default=list)
    published_by: Mapped[str] = mapped_column(String(200))
    published_at: Mapped[timestamp]
    note: Mapped[str] = mapped_column(Text, default="")


class Case(Base):
    __tablename__ = "case_record"

    id: Mapped[intpk]
    process_id: Mapped[str64]
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"))
    # {process_id: process_version.id} for the called diagrams, fixed when the case starts
    spec_versions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    child_id: Mapped[int | None] = mapped_column(ForeignKey("child.id"), index=True)
    episode_id: Mapped[int | None] = mapped_column(ForeignKey("episode.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="running",  # running, completed, error
                                        index=True)
    stage: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    # where and when an engine step last failed (status "error"); cleared by a retry
    error_element: Mapped[str | None] = mapped_column(String(200))
    failed_at: Mapped[dt.datetime | None]
    # Deferred: a running case's state is tens of kilobytes, and only the runtime reads it
    # (runtime.load_case undefers it); lists and pages of cases never pull it.
    state: Mapped[str] = mapped_column(Text, deferred=True)
    revision: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[timestamp] = mapped_column(default=_now)
    updated_at: Mapped[timestamp] = mapped_column(default=_now)
    completed_at: Mapped[dt.datetime | None]

    process_version: Mapped[ProcessVersion] = relationship()
    child: Mapped[Child | None] = relationship()
    episode: Mapped[Episode | None] = relationship()

    # Optimistic locking: every UPDATE says WHERE revision = <the one we loaded>, so two
    # writers can never both win; the loser gets StaleDataError, which we turn into Conflict.
    __mapper_args__ = {"version_id_col": revision}


class WorkItem(Base):
    """One row per user task that is or was READY: the inbox reads these, never case state."""

    __tablename__ = "work_item"
    __table_args__ = (
        # Its leading case_id serves the lookups by case (no index of its own: 0018).
        UniqueConstraint("case_id", "task_id"),
        # Open items only, so a closing item leaves them (migration 0018). By role, the
        # inbox's keyset index below serves (0021).
        Index("ix_work_item_open_assignee", "state", "assignee_id", "due_at",
              postgresql_where=text("state = 'open'"), sqlite_where=text("state = 'open'")),
        # The inbox's keyset order over open items only (migration 0015).
        Index("ix_work_item_open_queue", "role", "due_at", "id",
              postgresql_include=["assignee_id", "case_id"],
              postgresql_where=text("state = 'open'"), sqlite_where=text("state = 'open'")),
    )

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"))
    task_id: Mapped[str] = mapped_column(String(36))
    process_id: Mapped[str64]
    element_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    role: Mapped[str | None] = mapped_column(String(32))
    form_key: Mapped[str | None] = mapped_column(String(100))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    state: Mapped[str] = mapped_column(String(16), default="open")  # open, completed, cancelled
    due_at: Mapped[dt.datetime | None]
    created_at: Mapped[timestamp] = mapped_column(default=_now)
    completed_at: Mapped[dt.datetime | None]
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    completed_by: Mapped[str | None] = mapped_column(String(200))
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # the statutory clock of the deadline that bounds it (its timer's `clock`), if any
    clock: Mapped[str | None] = mapped_column(String(32))
    # An escalation of a missed deadline: the work that is late and when it was due.
    late_item_id: Mapped[int | None] = mapped_column(ForeignKey("work_item.id"))
    missed_due_at: Mapped[dt.datetime | None]
    # Someone has saved a draft of it (migration 0017): completing it then deletes the
    # drafts, and only then, which spares every other completion a DELETE.
    drafted: Mapped[bool] = mapped_column(default=False, server_default=false())

    case: Mapped[Case] = relationship()
    late_item: Mapped[WorkItem | None] = relationship(remote_side="WorkItem.id")


class Timer(Base):
    """One row per waiting timer, with its due time: the worker reads these."""

    __tablename__ = "timer"
    __table_args__ = (
        UniqueConstraint("case_id", "task_id"),  # and the lookups by case (0018)
        # Waiting timers only, so a fired or cancelled one leaves them (migration 0018).
        Index("ix_timer_waiting_due", "state", "due_at", postgresql_where=text(
            "state = 'waiting'"), sqlite_where=text("state = 'waiting'")),
        Index("ix_timer_waiting_reminder", "state", "reminder_at", postgresql_where=text(
            "state = 'waiting'"), sqlite_where=text("state = 'waiting'")),
    )

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"))
    task_id: Mapped[str] = mapped_column(String(36))
    process_id: Mapped[str64]
    element_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str | None] = mapped_column(String(300))
    # the user task this timer bounds, if it is a boundary event on one
    bounds_task_id: Mapped[str | None] = mapped_column(String(36))
    due_at: Mapped[timestamp]
    state: Mapped[str] = mapped_column(String(16), default="waiting")  # waiting, fired, cancelled
    fired_at: Mapped[dt.datetime | None]
    # a deadline's reminder: when it falls due (cleared once sent or no longer needed)
    # and when it went out
    reminder_at: Mapped[dt.datetime | None]
    reminded_at: Mapped[dt.datetime | None]
    # the statutory clock the timer element is tagged with (`clock` property), if any
    clock: Mapped[str | None] = mapped_column(String(32))


class AuditEvent(Base):
    """Append-only; each event's hash covers the hash of the one before, so gaps and edits
    show (engine/audit.py)."""

    __tablename__ = "audit_event"

    id: Mapped[intpk]
    at: Mapped[timestamp]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    record_type: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[int | None]
    case_id: Mapped[int | None] = mapped_column(index=True)
    child_id: Mapped[int | None] = mapped_column(index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    hash: Mapped[str] = mapped_column(String(64))


class BankHoliday(Base):
    """A one-off bank holiday an administrator added before the `holidays` package knew it."""

    __tablename__ = "bank_holiday"

    id: Mapped[intpk]
    day: Mapped[dt.date] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(String(200))
    added_by: Mapped[str] = mapped_column(String(200))
    added_at: Mapped[timestamp]


# --- issue 3: repeat episodes ---

class MeetingEpisode(Base):
    """Which episodes a child's Stage One, Stage Two or escalation case covers (R28: one
    trigger opens one meeting case; further episodes while it is open are added to it)."""

    __tablename__ = "meeting_episode"
    __table_args__ = (UniqueConstraint("case_id", "episode_id"),)

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"), index=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id"), index=True)
    # the decision table's rule that opened the case, or "added" for a later episode
    reason: Mapped[str] = mapped_column(String(32))
    added_at: Mapped[timestamp]


# --- issue 4: sign-in throttling, drafts, API keys ---


class LoginFailure(Base):
    """A failed sign-in, kept for a while so that attempts can be throttled per account and
    per address across every web process."""

    __tablename__ = "login_failure"
    __table_args__ = (Index("ix_login_failure_key_at", "key", "at"),)

    id: Mapped[intpk]
    key: Mapped[str] = mapped_column(String(300))  # "account:<email>" or "address:<ip>"
    at: Mapped[timestamp]


class Draft(Base):
    """A work item's form saved part-way: kept across sessions, visible only to its author."""

    __tablename__ = "draft"
    __table_args__ = (UniqueConstraint("work_item_id", "user_id"),)

    id: Mapped[intpk]
    work_item_id: Mapped[int] = mapped_column(ForeignKey("work_item.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    saved_at: Mapped[timestamp]


class ApiKey(Base):
    """A key another system uses on /api/v1. Only its SHA-256 is stored; the key acts as its
    own service user, so it has that user's organisation and roles and sees what they see."""

    __tablename__ = "api_key"

    id: Mapped[intpk]
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    name: Mapped[str200]
    created_at: Mapped[timestamp] = mapped_column(default=_now)
    revoked_at: Mapped[dt.datetime | None]
    expires_at: Mapped[dt.datetime | None]
    last_used_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship(lazy="joined")


# --- issue 5: notifications ---


class Notification(Base):
    """One message to one person: their in-app list, and the e-mail outbox.

    Written in the same transaction as the event that causes it (a reminder due, an
    escalation created); the worker's sender delivers the e-mail afterwards. It holds no
    child personal data: what the work is, when it is due and where to find it.
    """

    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_user", "user_id", "created_at"),
        Index("ix_notification_outbox", "email_state", "email_next_at"),
    )

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    # reminder, escalation, new_work, episode (news for the reporter), account, audit
    kind: Mapped[str] = mapped_column(String(16))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id"))
    # where the message points when it is not about a case (an invitation, an audit alarm)
    link: Mapped[str | None] = mapped_column(String(500))
    work_item_id: Mapped[int | None] = mapped_column(ForeignKey("work_item.id"))
    subject: Mapped[str] = mapped_column(String(400))
    due_at: Mapped[dt.datetime | None]
    created_at: Mapped[timestamp] = mapped_column(default=_now)
    read_at: Mapped[dt.datetime | None]
    # pending (in the outbox), sent, failed (refused for good), or off (in-app only)
    email_state: Mapped[str] = mapped_column(String(16), default="pending")
    email_next_at: Mapped[dt.datetime | None] = mapped_column(default=_now)
    email_attempts: Mapped[int] = mapped_column(default=0)
    email_sent_at: Mapped[dt.datetime | None]
    email_error: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User] = relationship()
    work_item: Mapped[WorkItem | None] = relationship()

    @property
    def path(self) -> str:
        """Where to act on it, under the site's base URL: the work item, else the case."""
        if self.link is not None:
            return self.link
        if self.work_item_id is not None:
            return f"/work/{self.work_item_id}"
        return f"/cases/{self.case_id}"


# --- issue 6: modeller drafts; indexes for the process page ---
class ProcessDraft(Base):
    """A process owner's unpublished edit of one diagram file, kept server-side.

    One per file: saving again replaces it, publishing it turns it into a version.
    """

    __tablename__ = "process_draft"

    id: Mapped[intpk]
    filename: Mapped[str] = mapped_column(String(200), unique=True)
    xml: Mapped[bytes] = mapped_column(LargeBinary)
    # the version the edit started from, so the page can say what it changes
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("process_version.id"))
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    saved_by: Mapped[str] = mapped_column(String(200))
    saved_at: Mapped[timestamp]


# The process page counts open work items and waiting timers per element of one diagram.
Index("ix_work_item_process_element", WorkItem.process_id, WorkItem.state, WorkItem.element_id)
Index("ix_timer_process_element", Timer.process_id, Timer.state, Timer.element_id)


# --- decision tables published from the modeller ---


class DecisionTableVersion(Base):
    """A published decision table (`.dmn` file). Never updated: a change is a new version.

    The tables are compiled into the specs of the diagrams that read them; this keeps the
    source each publication used, so the modeller opens the live table and a process owner
    can publish a changed one without the repository.
    """

    __tablename__ = "decision_table_version"
    __table_args__ = (UniqueConstraint("filename", "version"),)

    id: Mapped[intpk]
    filename: Mapped[str] = mapped_column(String(200))
    version: Mapped[int]
    xml: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    published_by: Mapped[str] = mapped_column(String(200))
    published_at: Mapped[timestamp]
    note: Mapped[str] = mapped_column(Text, default="")


# --- issue 13: statutory clocks for the managers' dashboard; the DfE return's checks ---


class ReturnCheck(Base):
    """The outcome of checking one authority's SSDA903 return with the DfE's validator:
    kept so the dashboard's data-quality figure need not run the validator itself."""

    __tablename__ = "return_check"
    __table_args__ = (Index("ix_return_check_org_at", "organisation_id", "checked_at"),)

    id: Mapped[intpk]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    year: Mapped[int]
    checked_at: Mapped[timestamp]
    checked_by: Mapped[str200]
    rule_hits: Mapped[int]
    problems: Mapped[int]  # what the record cannot say, found by the builder
    children_with_hits: Mapped[int]


Index("ix_work_item_clock_due", WorkItem.clock, WorkItem.due_at)
# The dashboard's period filters (issue 13's migration 0012).
Index("ix_episode_last_seen_child", Episode.last_seen_at, Episode.child_id)
Index("ix_episode_found_child", Episode.found_at, Episode.child_id)
# The open episodes (migration 0016): "missing now" and the data-quality counts read them,
# a handful among a council's years of closed ones.
Index("ix_episode_open", Episode.last_seen_at, Episode.child_id,
      postgresql_where=text("status = 'open'"), sqlite_where=text("status = 'open'"))
Index("ix_timer_clock_due", Timer.clock, Timer.due_at)

# --- issue 14: accounts, sign-in, the audit trail's checkpoint ---


class AccountToken(Base):
    """A one-time link sent by e-mail: an invitation or a password reset. Only the
    token's SHA-256 is kept; it works once, before it expires."""

    __tablename__ = "account_token"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))  # invite, reset
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[timestamp] = mapped_column(default=_now)
    expires_at: Mapped[timestamp]
    used_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()


class RecoveryCode(Base):
    """A second-factor recovery code: kept hashed, used once."""

    __tablename__ = "recovery_code"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    used_at: Mapped[dt.datetime | None]


class AuditTally(Base):
    """Refusals and failed sign-ins counted per actor (or address) and window, so a scan
    writes a handful of audit events (at 1, 10, 100, ...) while every attempt is counted."""

    __tablename__ = "audit_tally"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    window_start: Mapped[timestamp] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    last_at: Mapped[timestamp]
    last_detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class AuditHead(Base):
    """The audit chain's head and length, written with every event and signed with a key
    the application holds (not in the database): removing events from the end, or
    rewriting this row, is caught by `engine.audit.verify`."""

    __tablename__ = "audit_head"

    id: Mapped[intpk]
    last_id: Mapped[int]
    count: Mapped[int]
    head_hash: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64))


class AuditCheck(Base):
    """Each run of the chain check: when, and what it found (the worker runs one a day)."""

    __tablename__ = "audit_check"

    id: Mapped[intpk]
    at: Mapped[timestamp]
    ok: Mapped[bool]
    events: Mapped[int]
    message: Mapped[str] = mapped_column(Text, default="")

# --- issue 10: the child's record over time ---


class PartnershipOrganisation(Base):
    """The local authorities and police forces this deployment serves ("ours"): every
    here / elsewhere / placed-by-another-authority decision is made against them."""

    __tablename__ = "partnership_organisation"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"),
                                                 primary_key=True)
    added_by: Mapped[str200]
    added_at: Mapped[timestamp]

    organisation: Mapped[Organisation] = relationship(lazy="joined")


class LegalStatusPeriod(Base):
    """A dated legal status (R1, R2): the periods of care the DfE return is built from."""

    __tablename__ = "legal_status_period"

    id: Mapped[intpk]
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"), index=True)
    legal_status: Mapped[str] = mapped_column(String(32))
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date | None]
    ls_code: Mapped[str | None] = mapped_column(String(2))  # DfE LS
    cin_code: Mapped[str | None] = mapped_column(String(2))  # DfE CIN (category of need)
    rne_code: Mapped[str | None] = mapped_column(String(1))  # DfE RNE (reason new episode)
    rec_code: Mapped[str | None] = mapped_column(String(3))  # DfE REC (reason ended)
    changed_by: Mapped[str200]
    changed_at: Mapped[timestamp]


class Placement(Base):
    """Where a looked-after child lives, as a dated period, and the authority it lies in."""

    __tablename__ = "placement"

    id: Mapped[intpk]
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"), index=True)
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date | None]
    address: Mapped[str] = mapped_column(String(500))  # establishment or address
    postcode: Mapped[str | None] = mapped_column(String(10))  # DfE PL_POST
    placement_type: Mapped[str | None] = mapped_column(String(3))  # DfE PLACE
    provider_type: Mapped[str | None] = mapped_column(String(3))  # DfE PLACE_PROVIDER
    provider_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    urn: Mapped[str | None] = mapped_column(String(10))  # DfE URN (Ofsted)
    # issue 13: why the child moved on from this placement to the next (the DfE
    # REASON_PLACE_CHANGE code, e.g. CARPL), returned on the episode the move ended
    end_reason: Mapped[str | None] = mapped_column(String(6))
    local_authority_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    changed_by: Mapped[str200]
    changed_at: Mapped[timestamp]

    local_authority: Mapped[Organisation] = relationship(foreign_keys=[local_authority_id],
                                                         lazy="joined")
    provider: Mapped[Organisation | None] = relationship(foreign_keys=[provider_org_id],
                                                         lazy="joined")


class Allocation(Base):
    """A dated allocation of the child's social worker or IRO (R8, R14, R25)."""

    __tablename__ = "allocation"

    id: Mapped[intpk]
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))  # social_worker, iro
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date | None]
    changed_by: Mapped[str200]
    changed_at: Mapped[timestamp]

    user: Mapped[User] = relationship(lazy="joined")


class ChildFlagChange(Base):
    """One change of one flag on a child's record: the value, who, when and why."""

    __tablename__ = "child_flag_change"

    id: Mapped[intpk]
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"), index=True)
    flag: Mapped[str64]
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    changed_by: Mapped[str200]
    changed_at: Mapped[timestamp]


class EpisodeSegment(Base):
    """A stretch of one episode in one category (R1): an A episode that becomes M keeps one
    case and one episode, and the DfE return gets one row per segment (DATA.md)."""

    __tablename__ = "episode_segment"

    id: Mapped[intpk]
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id"), index=True)
    category: Mapped[str] = mapped_column(String(1))
    starts_at: Mapped[timestamp]
    ends_at: Mapped[dt.datetime | None]
    reason: Mapped[str] = mapped_column(Text, default="")
    changed_by: Mapped[str200]
    changed_at: Mapped[timestamp]


Index("ix_episode_segment_episode_starts", EpisodeSegment.episode_id, EpisodeSegment.starts_at)


class EpisodeFact(Base):
    """Issue 13's speed point: one row per episode with what the managers' figures (R45)
    cut it by, as it stood when the episode began (care status, placement, where it lies)
    and the child's current authority and flags. Written by engine/episode_facts.py in
    the transaction that changes the episode, its child's record or its return home
    interview, so the dashboard aggregates one table instead of joining the dated record
    for every episode of the period."""

    __tablename__ = "episode_fact"

    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"),
                                            primary_key=True)
    child_id: Mapped[int]
    responsible_org_id: Mapped[int | None]
    category: Mapped[str] = mapped_column(String(1))
    last_seen_at: Mapped[timestamp]
    found_at: Mapped[dt.datetime | None]
    not_missing: Mapped[bool] = mapped_column(default=False)
    month: Mapped[str] = mapped_column(String(7))  # London 'YYYY-MM' of the start
    seconds: Mapped[float | None]  # last seen to found
    care_status: Mapped[str] = mapped_column(String(32))  # legal status at the start
    establishment: Mapped[str | None] = mapped_column(String(500))
    placement_type: Mapped[str] = mapped_column(String(3), default="")  # DfE PLACE or ''
    placed_org_id: Mapped[int | None]  # the authority the placement lay in
    found_where: Mapped[str | None] = mapped_column(String(500))
    risk_grade: Mapped[str | None] = mapped_column(String(8))
    ce_risk: Mapped[bool | None]
    # the episode's first completed return home interview
    rhi_seconds: Mapped[float | None]  # found to completed
    rhi_recorded: Mapped[bool] = mapped_column(default=False)
    rhi_offered: Mapped[bool | None]
    rhi_outcome: Mapped[str | None] = mapped_column(String(32))


Index("ix_episode_fact_last_seen", EpisodeFact.last_seen_at, EpisodeFact.child_id)
Index("ix_episode_fact_found", EpisodeFact.found_at, EpisodeFact.child_id)
Index("ix_episode_fact_org_last_seen", EpisodeFact.responsible_org_id,
      EpisodeFact.last_seen_at)
Index("ix_episode_fact_child", EpisodeFact.child_id)
