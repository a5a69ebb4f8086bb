"""The returns as engine commands: building one reads every looked-after child of an
authority, so each export is audited (who, which return, how many children)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .. import audit
from ..errors import NotFound, NotPermitted
from ..models import Organisation, ReturnCheck
from . import annex_a, source, ssda903

# Who prepares the returns: service managers and administrators (the roles).
RETURN_ROLES = frozenset({"service_manager", "admin"})


def _check(ctx, organisation_id):
    organisation = ctx.session.get(Organisation, organisation_id)
    if organisation is None or organisation.kind != "local_authority":
        raise NotFound("no such local authority")
    if not ctx.actor.is_system:
        if not ctx.actor.roles & RETURN_ROLES:
            raise NotPermitted("only service managers and administrators prepare returns")
        if ctx.actor.organisation_id != organisation_id:
            raise NotPermitted("a return is prepared by the authority's own staff")
    return organisation


@dataclass(frozen=True)
class BuildReturn903:
    """The SSDA903 Header, Episodes and Missing tables of one authority for one year,
    with every problem the record has for them (R46)."""

    year: int
    organisation_id: int
    purpose: str = "viewed"  # viewed, downloaded or exported

    def __call__(self, ctx) -> ssda903.Return903:
        organisation = _check(ctx, self.organisation_id)
        children, problems = source.read(ctx.session, self.year, organisation.id)
        result = ssda903.build(children, self.year)
        result.problems[:0] = problems
        audit.record(ctx.session, ctx.actor, f"return_903_{self.purpose}", "organisation",
                     organisation.id, detail={"year": self.year,
                                              "children": len(result.header),
                                              "missing_rows": len(result.missing)})
        return result


@dataclass(frozen=True)
class BuildAnnexA:
    """Ofsted Annex A List 8's missing columns for the authority's children in care, as
    an .xlsx workbook (bytes)."""

    organisation_id: int
    today: dt.date

    def __call__(self, ctx) -> bytes:
        organisation = _check(ctx, self.organisation_id)
        table = annex_a.rows(ctx.session, organisation.id, self.today)
        audit.record(ctx.session, ctx.actor, "annex_a_downloaded", "organisation",
                     organisation.id, detail={"children": len(table)})
        return annex_a.workbook(table)


@dataclass(frozen=True)
class RecordReturnCheck:
    """Keeps what checking a return found (counts only), for the dashboard."""

    year: int
    organisation_id: int
    rule_hits: int
    problems: int
    children_with_hits: int

    def __call__(self, ctx) -> None:
        organisation = _check(ctx, self.organisation_id)
        ctx.session.add(ReturnCheck(
            organisation_id=organisation.id, year=self.year, checked_at=ctx.now,
            checked_by=ctx.actor.name, rule_hits=self.rule_hits, problems=self.problems,
            children_with_hits=self.children_with_hits))
