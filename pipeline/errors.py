"""Positions and the errors that carry them.

Every problem the tool reports about a source names the file, line, column and field, so the
error types here are plain data rendered as ``path:line:col: field: message``.
"""

from __future__ import annotations

import os
from collections import namedtuple


# collections.namedtuple rather than typing.NamedTuple: nothing else on the path of `pipeline
# check` imports typing, which costs about 5 ms at start-up.
class Position(namedtuple("Position", ("path", "line", "column"))):
    """A place in a source file; line and column count from 1.

    A named tuple rather than a class: a chapter holds thousands of positions, and a tuple is
    created several times faster (and orders by path, line, column for free).
    """

    __slots__ = ()
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


class Problem(namedtuple("Problem", ("pos", "field", "message", "excerpt"), defaults=("",))):
    """One error in one source file (immutable, compared and hashed by value).

    ``excerpt``: lines shown below the error, as compilers do (the source line and a caret
    under the column; see :func:`excerpt`), or "". ``str()`` is the error line alone.
    """

    __slots__ = ()
    pos: Position
    field: str
    message: str
    excerpt: str

    def __str__(self) -> str:
        where = f"{self.field}: " if self.field else ""
        return f"{self.pos}: {where}{self.message}"

    def render(self) -> str:
        """The error line, followed by the excerpt when there is one."""
        return f"{self}\n{self.excerpt}" if self.excerpt else str(self)


def excerpt(text: str, line: int, column: int) -> str:
    """Line ``line`` of ``text`` with a caret under ``column`` (both from 1), as gcc shows them::

         213 |     text: Caffe: a framework
             |                ^

    Tabs are kept in the caret line's padding and wide (CJK) characters take two columns, so the
    caret stands under its character in a terminal. "" when the line does not exist.
    """
    lines = text.splitlines()
    if not 1 <= line <= len(lines):
        return ""
    source = lines[line - 1].rstrip()
    import unicodedata  # only when an excerpt is shown

    pad = ""
    for ch in source[: column - 1]:
        pad += "\t" if ch == "\t" else "  " if unicodedata.east_asian_width(ch) in "WF" else " "
    number = str(line)
    gutter = " " * len(number)
    return f" {number} | {source}\n {gutter} | {pad}^"


class SourceError(Exception):
    """The sources cannot be used; carries every problem found, in file order."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.pos, p.field))
        super().__init__("\n".join(str(p) for p in self.problems))


class UsageError(Exception):
    """The command line or the environment asks for something impossible (exit status 2)."""
