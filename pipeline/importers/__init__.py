"""Readers of existing manuscripts (Word, Markdown) into the document model (issue #17).

Each reader turns one file into a flat list of *events* (:mod:`pipeline.importers.events`:
headings, paragraphs, lists, tables, code, quotes, boxes) whose text is inline nodes
(:mod:`pipeline.inline`); :func:`pipeline.importers.assemble.assemble` nests them into a
:class:`~pipeline.model.Chapter` and gives every block and unit a readable id
(:mod:`pipeline.importers.ids`); :mod:`pipeline.sources_writer` writes it. What a reader cannot
map is a warning (a :class:`~pipeline.errors.Problem` at the place in the manuscript: the
paragraph number of a Word file, the line of a Markdown file), never a silent loss; a file that
cannot be read at all is a :class:`ManuscriptError`.
"""

from __future__ import annotations

import os

from pipeline.errors import Position, Problem


class ManuscriptError(Exception):
    """The manuscript cannot be read at all (not a Word file, encrypted, corrupt, too large)."""


class Report:
    """What an import found besides the chapter: warnings about the manuscript, in the order they
    were found, and the figures' image files to write (path relative to the sources, bytes)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.warnings: list[Problem] = []
        self.media: list[tuple[str, bytes]] = []

    def warn(self, where: int | Position | None, message: str, field: str = "") -> None:
        pos = where if isinstance(where, Position) else Position(self.path, where or 1, 1)
        self.warnings.append(Problem(pos, field, message))


FORMATS = {".docx": "docx", ".md": "markdown", ".markdown": "markdown", ".txt": "markdown"}


def format_of(path: str) -> str:
    """The reader for a manuscript, by its extension (a Word file is also told by its bytes)."""
    ext = os.path.splitext(path)[1].lower()
    if ext in FORMATS:
        return FORMATS[ext]
    raise ManuscriptError(
        f"{path}: unknown manuscript format {ext or '(no extension)'!r}: give a .docx or .md file"
    )
