"""One database session per request, closed on teardown. Writes go through
`engine.executor.run` on this session; nothing here writes."""

from __future__ import annotations

from flask import current_app, g

from engine.db import make_engine, make_session_factory


def init_app(app) -> None:
    # DATABASE_ENGINE_OPTIONS: keyword arguments for SQLAlchemy's create_engine (pool sizes).
    engine = make_engine(app.config.get("DATABASE_URL"),
                         **app.config.get("DATABASE_ENGINE_OPTIONS", {}))
    app.extensions["sqlalchemy_engine"] = engine
    app.extensions["session_factory"] = make_session_factory(engine)
    app.teardown_appcontext(close_session)


def get_session():
    if "db_session" not in g:
        g.db_session = current_app.extensions["session_factory"]()
    return g.db_session


def close_session(_exc=None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
