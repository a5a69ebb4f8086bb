from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from .. import audit
from ..access import ADMIN_ROLES
from ..errors import NotPermitted
from ..models import BankHoliday


@dataclass
class AddBankHoliday:
    """A one-off bank holiday the `holidays` package does not know yet. False if the day
    is already one."""

    day: dt.date
    name: str

    def __call__(self, ctx) -> bool:
        if not (ctx.actor.is_system or ctx.actor.roles & ADMIN_ROLES):
            raise NotPermitted("only administrators add bank holidays")
        if ctx.session.scalar(select(BankHoliday).where(BankHoliday.day == self.day)):
            return False
        ctx.session.add(BankHoliday(day=self.day, name=self.name, added_by=ctx.actor.name,
                                    added_at=ctx.now))
        audit.record(ctx.session, ctx.actor, "bank_holiday.added", "bank_holiday",
                     detail={"day": self.day.isoformat(), "name": self.name})
        return True
