"""Fixtures every test shares: a real database (SQLite, or PostgreSQL when
TEST_DATABASE_URL names one), a fake clock, and published diagrams."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import uuid
from pathlib import Path

import flask
import jinja2
import pytest
from sqlalchemy import create_engine, func, select, text

from engine import audit, caches, clock, db, migrate, specs
from engine.commands import PublishProcesses
from engine.executor import SYSTEM, run
from engine.models import Base, ProcessVersion

ROOT = Path(__file__).resolve().parent.parent
PROCESSES = ROOT / "processes"


class _TemplateCode(jinja2.BytecodeCache):
    """Compiled templates kept in memory for every app the tests make. A production process
    makes one app and compiles each template once; the tests make an app per test, and
    compiling the pages' templates again each time was most of a test's first request.
    Jinja checks each template's source against the code it keeps."""

    def __init__(self):
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket):
        self.code[bucket.key] = bucket.bytecode_to_string()


flask.Flask.jinja_options = {**flask.Flask.jinja_options, "bytecode_cache": _TemplateCode()}


def pytest_collection_modifyitems(config, items):
    """On PostgreSQL, tests marked `once` (the sweeps of every page's words and markup,
    which the database does not change, and the two longest tests) are skipped: the
    SQLite run checks them, and `.ci/run` runs both within its 20 minutes."""
    if os.environ.get("TEST_DATABASE_URL") is None:
        return
    skip = pytest.mark.skip(reason="checks pages' words or markup: run once, on SQLite")
    for item in items:
        if item.get_closest_marker("once"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = os.environ.get("TEST_DATABASE_URL")
    if url is None:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    else:
        engine = db.make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    migrate.upgrade(url)
    return url


@pytest.fixture
def old_database(tmp_path):
    """An empty database of the test's own, for a migration test to bring to the revision
    it starts from (PostgreSQL: a schema of its own in the test database)."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url is None:
        yield f"sqlite:///{tmp_path / 'old.sqlite3'}"
        return
    schema = f"mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in url else "?"
    yield f"{url}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture(scope="session")
def db_engine(database_url):
    engine = db.make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(db_engine):
    """A session factory on a database emptied after the test."""
    yield db.make_session_factory(db_engine)
    empty(db_engine)


def empty(db_engine) -> None:
    """Every table emptied and, on PostgreSQL, every id sequence back at 1, as after
    TRUNCATE ... RESTART IDENTITY. A TRUNCATE of every table made new files for each and
    took most of a small test's time; a test fills a few tables, and deleting a few rows is
    quick."""
    caches.clear()  # the next test's ids are this one's again
    tables = list(reversed(Base.metadata.sorted_tables))
    with db_engine.begin() as conn:
        if db_engine.dialect.name != "postgresql":
            for table in tables:
                conn.execute(table.delete())
            return
        filled = conn.execute(select(*[select(table).exists() for table in tables])).one()
        for table, has_rows in zip(tables, filled, strict=True):
            if has_rows:
                conn.execute(table.delete())
        used = conn.scalars(text("SELECT quote_ident(sequencename) FROM pg_sequences "
                                 "WHERE schemaname = 'public' AND last_value IS NOT NULL"))
        for sequence in used.all():
            conn.execute(text(f"ALTER SEQUENCE {sequence} RESTART"))


@pytest.fixture
def session(sessions):
    with sessions() as session:
        yield session


@pytest.fixture
def fake_clock():
    """A clock at Monday 2 March 2026 09:00 London (GMT), moved by tests, never slept on."""
    fake = clock.FakeClock(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
    clock.install()
    clock.set_clock(fake)
    yield fake
    clock.set_clock(clock.SystemClock())


@pytest.fixture
def published(session, fake_clock):
    """Every diagram in processes/ published as version 1 (the versions, by process id)."""
    files = specs.read_directory(PROCESSES)
    digest = hashlib.sha256(repr(sorted(files.items())).encode()).hexdigest()
    return replayed(session, ("published", digest),
                    lambda: run(session, PublishProcesses(files, "tests"), SYSTEM),
                    lambda: session.scalars(select(ProcessVersion)
                                            .order_by(ProcessVersion.process_id)).all())


# Rows written by a fixture's work on an empty database, by what the work was, the time on
# the clock and the audit key: see `replayed`.
_REPLAYS: dict[tuple, dict[str, list[dict]]] = {}


def replayed(session, what: tuple, work, result):
    """`work()` on the test's database, or, once it has been done on an empty database at
    the same time on the clock, the rows it wrote copied in again: the same ids, hashes
    and times, so the database is as the work leaves it. Checking and publishing every
    diagram takes seconds, and hundreds of tests start from it. Returns `result()` after
    a copy, `work()`'s own answer otherwise."""
    key = (*what, clock.now(), audit.signing_key())
    tables = Base.metadata.sorted_tables
    # A session already in a transaction may hold work of its own: then do the work.
    empty = not session.in_transaction() and not any(session.execute(select(*[
        select(func.count()).select_from(t).scalar_subquery() for t in tables])).one())
    if empty:
        session.rollback()
    rows = _REPLAYS.get(key) if empty else None
    if rows is None:
        answer = work()
        if empty:
            with session.get_bind().connect() as conn:
                _REPLAYS[key] = {t.name: [dict(r) for r in conn.execute(t.select())
                                          .mappings()] for t in tables}
        return answer
    with session.begin():
        for table in tables:
            if rows[table.name]:
                session.execute(table.insert(), rows[table.name])
        if session.get_bind().dialect.name == "postgresql":
            _move_sequences(session, [t for t in tables if rows[t.name]])
    answer = result()
    session.commit()
    return answer


def _move_sequences(session, tables) -> None:
    """Rows copied in with their ids leave PostgreSQL's sequences behind: move them on, as
    the inserts that first wrote the rows did."""
    for table in tables:
        for column in table.primary_key.columns:
            if column.autoincrement is True or (
                    column.autoincrement == "auto" and len(table.primary_key.columns) == 1
                    and column.type.python_type is int):
                session.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', "  # noqa: S608
                    f"'{column.name}'), (SELECT max({column.name}) FROM {table.name}))"))


def london(year, month, day, hour=0, minute=0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=clock.LONDON)
