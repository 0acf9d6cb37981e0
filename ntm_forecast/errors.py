"""Exceptions and the exit codes the command line maps them to."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1  # the run went ahead but something in it failed (a locality of the batch)
EXIT_BAD_INPUT = 2  # a user's mistake: a params file, an option, an output directory


class NtmError(Exception):
    """Base class of every error the toolkit raises on purpose."""

    exit_code = EXIT_FAILED


class InputError(NtmError):
    """Bad input, reported as one line per problem: ``file: field: expected ..., found ...``."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, lines: list[str] | str):
        self.lines = [lines] if isinstance(lines, str) else list(lines)
        super().__init__("\n".join(self.lines))

    @classmethod
    def at(cls, file: object, field: str, expected: str, found: object) -> InputError:
        return cls(problem(file, field, expected, found))


def problem(file: object, field: str, expected: str, found: object) -> str:
    """The one-line form every input problem takes."""
    return f"{file}: {field}: expected {expected}, found {found}"
