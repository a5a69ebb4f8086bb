"""London days and lengths of time in SQL, the same on PostgreSQL and SQLite, so that the
dashboard's figures are aggregated in the database and not in Python loops.

Times are stored in UTC (`models.UTCDateTime`); PostgreSQL converts with its own time-zone
database, SQLite calls the Python functions `engine.db` registers on each connection
(which use the same zone as `engine.clock`)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Float, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from . import clock


class london_date(FunctionElement):  # noqa: N801 - reads as the SQL function it is
    """The London calendar day of a stored time."""

    type = Date()
    inherit_cache = True


class month_of(FunctionElement):  # noqa: N801
    """'YYYY-MM' of a date."""

    type = String()
    inherit_cache = True


class seconds_between(FunctionElement):  # noqa: N801
    """Seconds from the first stored time to the second."""

    type = Float()
    inherit_cache = True


@compiles(london_date, "postgresql")
def _pg_date(element, compiler, **kw):
    return f"CAST(timezone('Europe/London', {compiler.process(element.clauses, **kw)}) AS DATE)"


@compiles(month_of, "postgresql")
def _pg_month_of(element, compiler, **kw):
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM')"


@compiles(month_of, "sqlite")
def _lite_month_of(element, compiler, **kw):
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 7)"


@compiles(seconds_between, "postgresql")
def _pg_seconds(element, compiler, **kw):
    first, second = list(element.clauses)
    return (f"EXTRACT(EPOCH FROM ({compiler.process(second, **kw)} - "
            f"{compiler.process(first, **kw)}))")


@compiles(london_date, "sqlite")
def _lite_date(element, compiler, **kw):
    return f"sf_london_date({compiler.process(element.clauses, **kw)})"


@compiles(seconds_between, "sqlite")
def _lite_seconds(element, compiler, **kw):
    return f"sf_seconds_between({compiler.process(element.clauses, **kw)})"


def _parse(text):
    if text is None:
        return None
    return dt.datetime.fromisoformat(str(text)).replace(tzinfo=dt.UTC)


def _sqlite_london_date(text):
    moment = _parse(text)
    return moment.astimezone(clock.LONDON).date().isoformat() if moment else None


def _sqlite_seconds_between(first, second):
    a, b = _parse(first), _parse(second)
    return (b - a).total_seconds() if a is not None and b is not None else None


def register_sqlite(dbapi_connection) -> None:
    dbapi_connection.create_function("sf_london_date", 1, _sqlite_london_date,
                                     deterministic=True)
    dbapi_connection.create_function("sf_seconds_between", 2, _sqlite_seconds_between,
                                     deterministic=True)
