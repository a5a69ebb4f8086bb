"""One database session per request, closed on teardown. Writes go through
`engine.executor.run` on this session; nothing here writes."""

from __future__ import annotations

from flask import current_app, g, has_request_context, request

from engine.db import make_engine, make_session_factory


def init_app(app) -> None:
    # DATABASE_ENGINE_OPTIONS: keyword arguments for SQLAlchemy's create_engine (pool sizes).
    engine = make_engine(app.config.get("DATABASE_URL"),
                         **app.config.get("DATABASE_ENGINE_OPTIONS", {}))
    app.extensions["sqlalchemy_engine"] = engine
    app.extensions["session_factory"] = make_session_factory(engine)
    if engine.dialect.name == "sqlite":
        # A request that may write takes SQLite's write lock with its first read: its reads
        # and its command are then one transaction (engine.executor carries it on), and
        # no other writer can make what it read stale before it writes.
        app.extensions["write_bind"] = engine.execution_options(sqlite_immediate=True)
    app.teardown_appcontext(close_session)


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_session():
    if "db_session" not in g:
        factory = current_app.extensions["session_factory"]
        write_bind = current_app.extensions.get("write_bind")
        if (write_bind is not None and has_request_context()
                and request.method not in SAFE_METHODS):
            g.db_session = factory(bind=write_bind)
        else:
            g.db_session = factory()
    return g.db_session


def close_session(_exc=None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
