"""Alembic environment: runs migrations against the connection or URL it is given."""

from alembic import context
from sqlalchemy import pool

from engine.db import make_engine
from engine.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"),
                      target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
    with engine.connect() as connection:
        _run(connection)


def _run(connection) -> None:
    # Batch mode so ALTERs work on SQLite, which rebuilds the table instead. Rebuilding a
    # table that other rows point at (organisation, child) drops it first, which SQLite's
    # foreign-key check refuses; the pragma only takes effect outside a transaction, so it
    # is turned off before the migrations' transaction and back on after it.
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        _foreign_keys(connection, "OFF")
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
    if sqlite:
        _foreign_keys(connection, "ON")


def _foreign_keys(connection, state: str) -> None:
    # Straight to the driver: through SQLAlchemy the statement would begin a transaction
    # first (engine.db's "begin" hook), and inside one SQLite ignores this pragma.
    connection.connection.dbapi_connection.execute(f"PRAGMA foreign_keys={state}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
