"""Problems found in declarations, located by file, line, column and the user's field path."""

from __future__ import annotations

from dataclasses import dataclass

Path = tuple[str | int, ...]


@dataclass(frozen=True, order=True)
class Problem:
    """One problem: where it is and what is wrong; what was given; what is expected."""

    file: str
    line: int
    column: int
    field: str
    message: str

    def __str__(self) -> str:
        field = self.field or "(document)"
        return f"{self.file}:{self.line}:{self.column}: {field}: {self.message}"


@dataclass(frozen=True)
class Finding:
    """A problem found on a model, located by its raw path (keys and list indices)."""

    path: Path
    message: str


class DeclarationError(Exception):
    """Raised when one or more declarations are invalid; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
