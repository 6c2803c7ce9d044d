"""GitHub-flavoured Markdown handouts.

Every piece of user text goes through :func:`inline`, which backslash-escapes the characters
that could start Markdown or HTML structure, so that ``|``, ``*``, ``_``, ``<``, ``#``,
backticks and newlines in the sources never change the document's shape. Bilingual handouts
set each unit as a two-column table row (one column per language).
"""

from __future__ import annotations

import re

from pipeline.export import Options
from pipeline.export.layout import (
    STALE_MARK,
    Block,
    Cell,
    Handout,
    Heading,
    NoteLine,
    Para,
    Paragraph,
    Points,
    Table,
    Text,
)

# ASCII punctuation that can open or close inline structure anywhere in a line. CommonMark
# allows a backslash before any ASCII punctuation, so escaping is always safe.
_INLINE = re.compile(r"([\\`*_\[\]<>|~&#])")
# constructs that only mean something at the start of a line (lists, quotes, headings, rules)
_LINE_START = re.compile(r"^(\s*)([-+=>]|\d{1,9}(?=[.)]))")


def inline(text: str) -> str:
    """Escape user text for use inside a Markdown paragraph or table cell, on one line."""
    lines = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = _INLINE.sub(r"\\\1", line)
        match = _LINE_START.match(line)
        if match:  # "- x" or "1. x" would become a list; escape the marker's punctuation
            head = match.group(0)
            if head[-1].isdigit():
                line = head + "\\" + line[len(head) :]
            else:
                line = match.group(1) + "\\" + line[len(match.group(1)) :]
        lines.append(line.strip())
    # a newline inside a table cell ends the row: use an HTML line break on every line kind
    return "<br>".join(lines)


def _text(t: Text) -> str:
    return inline(t.text) + (f" {STALE_MARK}" if t.stale else "")


def _joined(para: Para, sep: str = " / ") -> str:
    return sep.join(_text(t) for t in para)


def _sup(note: str | None) -> str:
    return f"<sup>{inline(note)}</sup>" if note else ""


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(c if c else " " for c in cells) + " |"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [_row(header), _row(["---"] * len(header)), *(_row(r) for r in rows), ""]


def _cell(cell: Cell) -> str:
    return _joined(cell.text, "<br>") + _sup(cell.note)


class _Writer:
    def __init__(self, handout: Handout) -> None:
        self.h = handout
        self.out: list[str] = []

    def pair_header(self) -> list[str]:
        first = self.h.labels[self.h.langs[0]]
        return [inline(first.language_name(c)) for c in self.h.langs]

    def title(self) -> None:
        t = self.h.title
        self.out += [f"# {_joined(t.title)}", "", f"*{_joined(t.kicker)}*", ""]
        for para in (t.source, t.credit, t.edition):
            self.out += ["<br>".join(_text(x) for x in para), ""]
        if self.h.stale_legend:
            self.out += ["<br>".join(f"*{inline(x.text)}*" for x in self.h.stale_legend), ""]

    def heading(self, b: Heading) -> None:
        hashes = "#" * (b.level + 1)
        number = f"{b.number} " if b.number else ""
        self.out += [f'{hashes} {number}{_joined(b.text)} <a id="{b.anchor}"></a>', ""]

    def paragraph(self, b: Paragraph) -> None:
        label = f"**{_joined(b.label)}:** " if b.label else ""
        if len(b.text) > 1:
            rows = [[_text(t) for t in b.text]]
            if label:
                rows = [
                    [f"**{_text(lab)}:** {_text(t)}" for lab, t in zip(b.label or (), b.text, strict=False)]
                ]
            self.out += _table(self.pair_header(), rows)
            return
        prefix = "> " if b.role == "editor-note" else ""
        self.out += [f"{prefix}{label}{_joined(b.text)}", ""]

    def points(self, b: Points) -> None:
        self.out += [f"**{_joined(b.title)}**", ""]
        if self.h.bilingual:
            rows = [[b.mark, *(_text(t) for t in item)] for item in b.items]
            self.out += _table([" ", *self.pair_header()], rows)
            return
        self.out += [f"- {b.mark} {_joined(item)}" for item in b.items] + [""]

    def table(self, b: Table) -> None:
        self.out += [f"**{_joined(b.caption)}**", ""]
        header = [_cell(c) for c in b.header]
        self.out += _table(header, [[_cell(c) for c in row] for row in b.rows])
        if b.notes:
            self.out += [f"**{_joined(b.notes_title or ())}**", ""]
            self.out += [self.note(n) for n in b.notes] + [""]

    def note(self, n: NoteLine) -> str:
        parts = [_joined(n.text)] if n.text else []
        if n.url:
            parts.append(f"<{n.url}>")  # the loader only lets through URLs without spaces or <>
        return f"- <sup>{inline(n.mark)}</sup> " + " ".join(parts)

    def block(self, b: Block) -> None:
        kind = {Heading: self.heading, Paragraph: self.paragraph, Points: self.points, Table: self.table}
        kind[type(b)](b)  # type: ignore[operator]


def markdown(handout: Handout, options: Options) -> bytes:
    """The handout as GitHub-flavoured Markdown (UTF-8, LF line ends)."""
    w = _Writer(handout)
    w.title()
    for block in handout.blocks:
        w.block(block)
    while w.out and w.out[-1] == "":
        w.out.pop()
    return ("\n".join(w.out) + "\n").encode("utf-8")
