"""Backing up and restoring the whole database: PostgreSQL with pg_dump / psql (plain SQL,
so any psql of the same major version restores it); SQLite with its online backup API
(a consistent copy while the app runs)."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess  # noqa: S404 (pg_dump and psql, fixed arguments, no shell)
from pathlib import Path

from sqlalchemy.engine import make_url


def _libpq(url: str) -> tuple[list[str], dict]:
    parsed = make_url(url)
    args = ["--host", parsed.host or "127.0.0.1", "--port", str(parsed.port or 5432),
            "--username", parsed.username or "postgres", "--dbname", parsed.database]
    env = {"PATH": "/usr/bin:/bin:/usr/local/bin"}
    if parsed.password:
        env["PGPASSWORD"] = parsed.password
    return args, env


def backup(url: str, target: Path) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        source = sqlite3.connect(parsed.database)
        copy = sqlite3.connect(target)
        with copy:
            source.backup(copy)
        copy.close()
        source.close()
        return
    args, env = _libpq(url)
    subprocess.run([_tool("pg_dump"), "--no-owner", "--no-privileges",  # noqa: S603
                    "--file", str(target), *args], check=True, env=env)


def restore(url: str, source: Path) -> None:
    """Into an empty database (refuses one that has tables)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        target = Path(parsed.database)
        if target.exists() and target.stat().st_size and _sqlite_has_tables(target):
            raise ValueError(f"{target} is not empty: restore into an empty database")
        backup_conn = sqlite3.connect(source)
        target_conn = sqlite3.connect(target)
        with target_conn:
            backup_conn.backup(target_conn)
        target_conn.close()
        backup_conn.close()
        return
    args, env = _libpq(url)
    tables = subprocess.run([_tool("psql"), "-Atc", "SELECT count(*) FROM pg_tables WHERE "  # noqa: S603
                             "schemaname = 'public'", *args], check=True, env=env,
                            capture_output=True, text=True).stdout.strip()
    if tables != "0":
        raise ValueError("the database is not empty: restore into an empty database")
    subprocess.run([_tool("psql"), "--quiet", "--set", "ON_ERROR_STOP=1", "--single-transaction",  # noqa: S603
                    "--file", str(source), *args], check=True, env=env,
                   stdout=subprocess.DEVNULL)


def _sqlite_has_tables(path: Path) -> bool:
    with sqlite3.connect(path) as conn:
        found = conn.execute("SELECT count(*) FROM sqlite_master WHERE type='table'")
        return found.fetchone()[0] > 0


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise FileNotFoundError(f"{name} is not installed (PostgreSQL's client tools)")
    return path
