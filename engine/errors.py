"""What can go wrong, as types callers can catch one by one.

Expected failures (a conflict, a refusal, a bad form) are not bugs: callers show them
to people and log them quietly.
"""

from __future__ import annotations


class EngineError(Exception):
    """Base of every error the engine raises on purpose."""


class NotFound(EngineError):
    pass


class NotPermitted(EngineError):
    pass


class Conflict(EngineError):
    """Someone else changed the case first; reload and try again."""


class AlreadyCompleted(Conflict):
    def __init__(self, by: str, at):
        self.by = by
        self.at = at
        super().__init__(f"already completed by {by} at {at.isoformat()}")


class AlreadyClaimed(Conflict):
    def __init__(self, by: str):
        self.by = by
        super().__init__(f"already claimed by {by}")


class InvalidInput(EngineError):
    """Bad data from a person or another system. `errors` maps a field to its messages."""

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None):
        self.errors = errors or {}
        super().__init__(message)


class InvalidDiagram(EngineError):
    """A diagram or form that cannot be published. Names the file, element and line."""

    def __init__(self, message: str, *, file: str | None = None, element: str | None = None,
                 line: int | None = None):
        self.message = message
        self.file = file
        self.element = element
        self.line = line
        super().__init__(self.located())

    def as_dict(self) -> dict:
        """The problem as structured data, for the modeller's Check."""
        return {"file": self.file, "element": self.element, "line": self.line,
                "message": self.message}

    def located(self) -> str:
        where = ":".join(str(p) for p in (self.file, self.line) if p)
        if self.element:
            where = f"{where} element '{self.element}'" if where else f"element '{self.element}'"
        return f"{where}: {self.message}" if where else self.message


class DiagramProblems(EngineError):
    """Several `InvalidDiagram` problems found in one check."""

    def __init__(self, problems: list[InvalidDiagram]):
        self.problems = problems
        super().__init__("\n".join(p.located() for p in problems))


class CaseFailed(EngineError):
    """An engine step raised inside a diagram (a script or condition failed)."""

    def __init__(self, message: str, *, element: str | None = None, line: int | None = None,
                 case_id: int | None = None):
        self.element = element
        self.line = line
        self.case_id = case_id  # the case to mark in error, when known
        super().__init__(message)
