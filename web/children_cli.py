"""`safeguard children import DIR`: load the council's looked-after children from the
SSDA903 Header and Episodes tables its case management system writes (the same command
the administrators' upload page runs)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from sqlalchemy import select

from engine import child_import_tables as tables
from engine import clock
from engine.child_import import ImportChildren
from engine.child_record import partnership
from engine.errors import EngineError
from engine.executor import SYSTEM, run
from engine.models import Organisation


@click.group("children")
def children_group():
    """Children's records."""


def find_tables(directory: Path) -> dict[str, Path]:
    """The Header and Episodes files among DIR's CSV files, by their columns."""
    found: dict[str, Path] = {}
    for path in sorted(directory.glob("*.csv")):
        try:
            text = tables.decode(path.read_bytes(), path.name)
        except tables.TableError:
            continue
        table = tables.which_table(text)
        if table is not None and table not in found:
            found[table] = path
    return found


def _authority(session, code: str | None) -> Organisation:
    if code is not None:
        org = session.scalar(select(Organisation).where(
            Organisation.code == code, Organisation.kind == "local_authority"))
        if org is None:
            raise click.BadParameter(f"no local authority '{code}'", param_hint="--org")
        return org
    ours, _ = partnership(session)
    if len(ours) != 1:
        raise click.UsageError("name the local authority whose children these are with "
                               "--org CODE")
    return session.get(Organisation, ours.pop())


@children_group.command("import")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--org", "org_code", help="The local authority's code (default: the "
              "partnership's one local authority).")
@click.pass_context
def children_import(ctx, directory, org_code):
    """Create or update children, periods of care and placements from the SSDA903 Header
    and Episodes CSV files in DIRECTORY (found by their columns). Every row not taken is
    listed with its table, row and reason; a second run of the same files changes
    nothing."""
    from .cli import _session

    found = find_tables(directory)
    missing = [t for t in ("Header", "Episodes") if t not in found]
    if missing:
        click.echo(f"error: {directory} has no SSDA903 {' or '.join(missing)} table "
                   "(a CSV file with its columns)", err=True)
        sys.exit(1)
    with _session(ctx) as session:
        authority = _authority(session, org_code)
        try:
            read = tables.read(tables.decode(found["Header"].read_bytes(), "Header"),
                               tables.decode(found["Episodes"].read_bytes(), "Episodes"),
                               clock.london(clock.now()).date())
            report = run(session, ImportChildren(
                authority.id, read, f"{found['Header'].name}, {found['Episodes'].name}"),
                SYSTEM)
        except (tables.TableError, EngineError) as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
    click.echo(f"{authority.name}: {report.summary()}")
    for problem in report.problems:
        click.echo(f"not taken: {problem}")
    for note in report.notes:
        click.echo(f"note: {note}")
