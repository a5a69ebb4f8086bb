"""Connections: one engine per database URL, sessions made here and passed in."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.orm import sessionmaker

DEFAULT_URL = f"sqlite:///{Path('instance/safeguard.sqlite3').resolve()}"


def database_url() -> str:
    return os.environ.get("DATABASE_URL", DEFAULT_URL)


def make_engine(url: str | None = None, **kwargs):
    url = url or database_url()
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"timeout": 30})
    else:
        # A pooled connection killed while idle (a restarted server, pg_terminate_backend)
        # is noticed and replaced at checkout, not by the request that would use it.
        kwargs.setdefault("pool_pre_ping", True)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_pragmas(dbapi_connection, _record):
    # WAL lets readers go on while one writer writes; foreign keys are off by default.
    dbapi_connection.isolation_level = None  # let SQLAlchemy's "begin" event issue BEGIN
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    from .sql_time import register_sqlite

    register_sqlite(dbapi_connection)  # London days in SQL (the dashboard's figures)


def _sqlite_begin(connection):
    # A command begins IMMEDIATE: it takes the write lock up front, so two writers queue
    # instead of one failing half-way after reading stale data. Reads begin DEFERRED and
    # never block anyone.
    immediate = connection.get_execution_options().get("sqlite_immediate", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_session_factory(engine) -> sessionmaker:
    from . import episode_facts

    factory = sessionmaker(engine, expire_on_commit=False)
    episode_facts.watch(factory)  # the dashboard's per-episode facts, kept as they change
    return factory
