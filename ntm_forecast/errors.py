"""Problems with input, the exception that carries them, and the exit codes the command line
maps errors to."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

EXIT_OK = 0
EXIT_FAILED = 1  # the run went ahead but something in it failed (a locality of the batch)
EXIT_BAD_INPUT = 2  # a user's mistake: a params file, an option, an output directory

Location = tuple[str | int, ...]  # a place inside a file: ("observations", 3, "value")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, kept as data until it is shown.

    ``file`` is a path or an option (``--lang``), None while the validator that found the
    problem does not know it yet; ``field`` is a name or a path inside the file; ``row`` is a
    table's row; ``code`` says what kind of problem it is, for programs (pydantic's error
    type, or the name of the check)."""

    file: object
    field: str | Location
    expected: str
    found: object
    row: int | None = None
    code: str | None = None

    def within(self, *outer: str | int) -> Problem:
        """The same problem, its field seen from an enclosing place (``observations[2]``)."""
        inner = (self.field,) if isinstance(self.field, str) else self.field
        return replace(self, field=(*outer, *inner))

    def __str__(self) -> str:
        """The line users see: ``file: field: …``, ``file:row:column: …`` in a table, and
        ``field: …`` before the file is known."""
        what = f"expected {self.expected}, found {self.found}"
        if self.row is not None:
            return f"{self.file}:{self.row}:{_dotted(self.field)}: {what}"
        if self.file is None:
            return f"{_dotted(self.field)}: {what}"
        return f"{self.file}: {_dotted(self.field)}: {what}"


def _dotted(field: str | Location) -> str:
    if isinstance(field, str):
        return field or "(top level)"
    out = ""
    for part in field:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out or "(top level)"


class NtmError(Exception):
    """Base class of every error the toolkit raises on purpose."""

    exit_code = EXIT_FAILED


class InputError(NtmError):
    """Bad input: every :class:`Problem` found, rendered one line each only when shown."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, problems: Problem | Iterable[Problem]):
        self.problems = (problems,) if isinstance(problems, Problem) else tuple(problems)
        super().__init__(self.problems)  # the data; the text is made by __str__

    def __str__(self) -> str:
        return "\n".join(self.lines)

    @property
    def lines(self) -> list[str]:
        return [str(p) for p in self.problems]

    @classmethod
    def at(cls, file: object, field: str, expected: str, found: object) -> InputError:
        return cls(Problem(file, field, expected, found))
