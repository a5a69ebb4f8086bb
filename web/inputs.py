"""What arrives from outside is checked before any view reads it, app-wide:

- an id in a URL (`<int:...>`) beyond the database's integer range matches no route (404),
  where it used to reach the database and fail there (500);
- a number typed into a query string or form (`request.args.get(..., type=int)`) beyond
  that range reads as absent, as a word does;
- text the databases cannot store (NUL, which PostgreSQL refuses, and lone surrogates,
  which are not UTF-8) in a query string, a form or a JSON body is refused with 400
  naming the field, before a view or the audit trail tries to store it. (A JSON number of
  any size is stored as JSON; an id in a body is bounded by the API's schema.)
"""

from __future__ import annotations

from flask import Request, render_template, request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import BadRequest, NotFound
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # PostgreSQL's INTEGER; SQLite's is wider, so this bounds both
MAX_PAGE = 100_000  # a page of the inbox further than anyone could have work


class IdConverter(IntegerConverter):
    """`<int:...>`, whose values `ids_in_range` bounds to the database's range. (Werkzeug's
    own `max=` would answer 405, not 404, where another method has the same path.)"""


def ids_in_range(_endpoint, values) -> None:
    """url_value_preprocessor: an id past what the database holds is no such page."""
    for value in (values or {}).values():
        if isinstance(value, int) and not 0 <= value <= MAX_ID:
            raise NotFound()


class BoundedArgs(ImmutableMultiDict):
    """`get(key, type=int)` reads a number beyond the database's range as not a number."""

    def get(self, key, default=None, type=None):  # noqa: A002 - MultiDict's own signature
        value = super().get(key, default, type)
        if type is int and isinstance(value, int) and not -MAX_ID <= value <= MAX_ID:
            return default
        return value


class SafeRequest(Request):
    parameter_storage_class = BoundedArgs


def page_number() -> int:
    """`?page=` as a page number from 1; anything else is a bad request naming `page`."""
    raw = request.args.get("page")
    if raw is None or raw == "":
        return 1
    try:
        page = int(raw)
    except ValueError:
        page = 0
    if not 1 <= page <= MAX_PAGE:
        raise FieldRefused("page", f"Give page as a whole number from 1 to {MAX_PAGE:,}")
    return page


class FieldRefused(BadRequest):
    """400 for one field, with what is wrong with it."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def unstorable(text: str) -> bool:
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


UNSTORABLE = "Contains a character that cannot be stored (a NUL byte or broken text)"


def _first_unstorable_json(value, path: str = "") -> tuple[str, str] | None:
    pending = [(value, path)]
    while pending:
        value, path = pending.pop()
        if isinstance(value, str):
            if unstorable(value):
                return path or "_body", UNSTORABLE
        elif isinstance(value, dict):
            for key, item in value.items():
                where = f"{path}.{key}" if path else str(key)
                if unstorable(str(key)):
                    return where, UNSTORABLE
                pending.append((item, where))
        elif isinstance(value, list):
            pending.extend((item, f"{path}[{i}]") for i, item in enumerate(value))
    return None


def refuse_unstorable():
    """before_request: the first field holding unstorable text, refused with 400."""
    if unstorable(request.path):
        raise FieldRefused("path", UNSTORABLE)
    for source in (request.args, request.form):
        for key, value in source.items(multi=True):
            if unstorable(key) or unstorable(value):
                raise FieldRefused(key if not unstorable(key) else "_name", UNSTORABLE)
    if request.is_json:
        found = _first_unstorable_json(request.get_json(silent=True))
        if found is not None:
            raise FieldRefused(*found)
    return None


def field_refused(error: FieldRefused):
    if request.path.startswith("/api/"):
        from .api.problems import problem

        return problem(400, f"{error.field} cannot be accepted",
                       errors={error.field: [error.message]})
    return render_template(
        "errors/error.html", title="There is a problem with what was sent",
        message=f"The answer to “{_words(error.field)}” cannot be accepted: "
                f"{error.message[0].lower()}{error.message[1:]}. Go back, correct it and "
                "send it again."), 400


def _words(field: str) -> str:
    # People see words, not form keys: "first_name" is "first name".
    return field.replace("_", " ").replace(".", ", ").strip() or "a field"


def init_app(app) -> None:
    """Before any blueprint is registered: the converter applies to every route."""
    app.request_class = SafeRequest
    app.url_map.converters["int"] = IdConverter
    app.url_value_preprocessor(ids_in_range)
    app.before_request(refuse_unstorable)
    app.register_error_handler(FieldRefused, field_refused)
