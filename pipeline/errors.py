"""Positions and the errors that carry them.

Every problem the tool reports about a source names the file, line, column and field, so the
error types here are plain data rendered as ``path:line:col: field: message``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import NamedTuple


class Position(NamedTuple):
    """A place in a source file; line and column count from 1.

    A named tuple rather than a dataclass: a chapter holds thousands of positions, and a
    tuple is created several times faster (and orders by path, line, column for free).
    """

    path: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{display_path(self.path)}:{self.line}:{self.column}"


def display_path(path: str) -> str:
    """Show a path relative to the working directory when it lies below it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path
    return path if rel.startswith("..") else rel


@dataclass(frozen=True)
class Problem:
    """One error in one source file."""

    pos: Position
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.field}: " if self.field else ""
        return f"{self.pos}: {where}{self.message}"


class SourceError(Exception):
    """The sources cannot be used; carries every problem found, in file order."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.pos, p.field))
        super().__init__("\n".join(str(p) for p in self.problems))


class UsageError(Exception):
    """The command line or the environment asks for something impossible (exit status 2)."""
