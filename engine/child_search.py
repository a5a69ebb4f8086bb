"""Finding a child: by name, date of birth or id, among the children the person may see
(`engine.access.visible_children`). The find page, the report page and the API all ask
here, so a search means the same thing everywhere.

What is typed is split into words: a word that is a date (dd/mm/yyyy) is the date of
birth; every other word must match the first or last name (a part of it), or be the
child's id here, the council's child id or the unique pupil number. The report page also
lets anyone who may report find a child by exact last name and date of birth whose record
they do not otherwise see (`reporters_exception`), without browsing others.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select

from .access import visible_children
from .models import Child

LIMIT = 20
DATE = re.compile(r"^\d{1,2}[/.-]\d{1,2}[/.-]\d{4}$")


@dataclass
class Query:
    words: list[str] = field(default_factory=list)
    date_of_birth: dt.date | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.words and self.date_of_birth is None


def parse(text: str, date_of_birth: dt.date | None = None, field_name: str = "q") -> Query:
    """The words and date of birth in `text` (and a date of birth given apart, from a
    GOV.UK date input); a word that looks like a date but is none is an error."""
    query = Query(date_of_birth=date_of_birth)
    for word in (text or "").split():
        if DATE.match(word):
            day, month, year = re.split(r"[/.-]", word)
            try:
                born = dt.date(int(year), int(month), int(day))
            except ValueError:
                query.errors[field_name] = [f"{word} is not a real date: give the date of "
                                            "birth as dd/mm/yyyy"]
                continue
            if query.date_of_birth is not None and query.date_of_birth != born:
                query.errors[field_name] = ["Give one date of birth"]
            query.date_of_birth = born
        else:
            query.words.append(word.casefold()[:100])
    return query


def _word(word: str):
    conditions = [func.lower(Child.first_name).contains(word, autoescape=True),
                  func.lower(Child.last_name).contains(word, autoescape=True),
                  func.lower(Child.la_child_id) == word, func.lower(Child.upn) == word]
    # ASCII digits only: str.isdigit() is also true of "²" and other digits int() refuses
    if word.isascii() and word.isdigit() and len(word) < 10:
        conditions.append(Child.id == int(word))
    return or_(*conditions)


def find(session, who, query: Query, *, reporters_exception: bool = False,
         limit: int = LIMIT) -> list[Child]:
    """The children matching `query` that `who` may see, by last then first name."""
    if query.empty:
        return []
    allowed = [Child.id.in_(visible_children(who))]
    if reporters_exception and query.date_of_birth is not None and query.words:
        allowed.append(func.lower(Child.last_name).in_(query.words))
    statement = select(Child).where(*(_word(w) for w in query.words), or_(*allowed))
    if query.date_of_birth is not None:
        statement = statement.where(Child.date_of_birth == query.date_of_birth)
    return list(session.scalars(statement.order_by(Child.last_name, Child.first_name,
                                                   Child.id).limit(limit)))
