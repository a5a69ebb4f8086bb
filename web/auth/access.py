"""The access helpers live in `web.access`; this name is kept for pages that import it here."""

from ..access import (  # noqa: F401
    actor,
    can_see_case,
    can_see_child,
    case_or_404,
    child_or_404,
    role_required,
    visible_cases,
    visible_children,
)
