"""`safeguard returns ...`: the DfE SSDA903 return and Ofsted's Annex A from the command
line (the same commands the managers' pages run)."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import click
from sqlalchemy import select

from engine.executor import SYSTEM, run
from engine.models import Organisation


@click.group("returns")
def returns_group():
    """The DfE and Ofsted returns (R46)."""


def _authority(session, code: str | None) -> Organisation:
    authorities = session.scalars(select(Organisation).where(
        Organisation.kind == "local_authority").order_by(Organisation.code)).all()
    if code is None and len(authorities) == 1:
        return authorities[0]
    if code is None:
        raise click.UsageError("name the local authority with --org (one of: "
                               + ", ".join(a.code for a in authorities) + ")")
    for authority in authorities:
        if authority.code == code:
            return authority
    raise click.BadParameter(f"no local authority '{code}'", param_hint="--org")


def la_code() -> str:
    from engine.returns import validator

    return os.environ.get("SSDA903_LA_CODE", validator.DEFAULT_LA_CODE)


@returns_group.command("903")
@click.option("--year", type=click.IntRange(2000, 2100), required=True,
              help="Collection year: 2026 is 1 April 2025 to 31 March 2026.")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--org", "org_code", help="The local authority's code (when there are several).")
@click.option("--no-validate", is_flag=True, help="Write the tables without running the "
                                                  "DfE validator.")
@click.pass_context
def return_903(ctx, year, out, org_code, no_validate):
    """Write the SSDA903 Header, Episodes and Missing tables as CSV, check them with the
    DfE validator, and write what it and the record say needs putting right."""
    from engine.returns import validator
    from engine.returns.commands import BuildReturn903

    from .cli import _session

    with _session(ctx) as session:
        authority = _authority(session, org_code)
        result = run(session, BuildReturn903(year, authority.id, "exported"), SYSTEM)
    paths = result.write(out)
    with (out / "problems.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["child", "table", "problem"])
        writer.writerows((p.child, p.table, p.what) for p in result.problems)
    click.echo(f"{authority.name}, {year - 1}-{str(year)[2:]}: {len(result.header)} children, "
               f"{len(result.episodes)} episodes, {len(result.missing)} missing rows "
               f"-> {', '.join(str(p) for p in paths)}")
    click.echo(f"{len(result.problems)} problems in the record (problems.csv)")
    if no_validate:
        return
    try:
        checked = validator.validate(paths, year, la_code())
    except validator.ValidatorUnavailable as error:
        raise click.ClickException(str(error)) from error
    with (out / "validation.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["child", "table", "row", "rule", "message"])
        writer.writerows((i.child, i.table, i.row, i.rule, i.message)
                         for i in checked.findings)
    from engine.returns.commands import RecordReturnCheck

    with _session(ctx) as session:
        run(session, RecordReturnCheck(year, authority.id, len(checked.findings),
                                       len(result.problems),
                                       len({i.child for i in checked.findings})), SYSTEM)
    click.echo(f"{len(checked.findings)} rule hits from the DfE validator (validation.csv)")


@returns_group.command("annex-a")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The .xlsx file to write.")
@click.option("--org", "org_code", help="The local authority's code (when there are several).")
@click.pass_context
def annex_a(ctx, out, org_code):
    """Write Ofsted Annex A List 8's missing columns for the children in care (.xlsx)."""
    from engine import clock
    from engine.returns.commands import BuildAnnexA

    from .cli import _session

    with _session(ctx) as session:
        authority = _authority(session, org_code)
        today = clock.london(clock.now()).date()
        data = run(session, BuildAnnexA(authority.id, today), SYSTEM)
    out.write_bytes(data)
    click.echo(f"{authority.name}: Annex A List 8 for {today:%d/%m/%Y} -> {out}")
