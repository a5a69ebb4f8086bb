"""Fixtures every test shares: a real database (SQLite, or PostgreSQL when
TEST_DATABASE_URL names one), a fake clock, and published diagrams."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from sqlalchemy import text

from engine import caches, clock, db, migrate, specs
from engine.commands import PublishProcesses
from engine.executor import SYSTEM, run
from engine.models import Base

ROOT = Path(__file__).resolve().parent.parent
PROCESSES = ROOT / "processes"


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


@pytest.fixture(scope="session")
def db_engine(database_url):
    engine = db.make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(db_engine):
    """A session factory on a database emptied after the test."""
    yield db.make_session_factory(db_engine)
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with db_engine.begin() as conn:
        if db_engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))
    caches.clear()  # the next test's ids are this one's again


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
    """Every diagram in processes/ published as version 1."""
    return run(session, PublishProcesses(specs.read_directory(PROCESSES), "tests"), SYSTEM)


def london(year, month, day, hour=0, minute=0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=clock.LONDON)
