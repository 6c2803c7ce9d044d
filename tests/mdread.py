"""Reading Markdown handouts back with a real CommonMark/GFM parser (markdown-it-py), shared by
the Markdown exporter's tests and the hostile-input tests."""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.token import Token

PARSER = MarkdownIt("commonmark").enable("table")


def parse(data: bytes) -> list[Token]:
    return PARSER.parse(data.decode("utf-8"))


def inline_text(token: Token) -> str:
    """The visible text of an inline token: text children, <br> as a newline, no note marks."""
    out, in_sup = [], False
    for child in token.children or []:
        if child.type == "html_inline" and child.content in ("<sup>", "</sup>"):
            in_sup = child.content == "<sup>"  # note letters are not part of the text
        elif child.type in ("text", "code_inline") and not in_sup:
            out.append(child.content)
        elif (child.type == "html_inline" and child.content.startswith("<br")) or child.type in (
            "softbreak",
            "hardbreak",
        ):
            out.append("\n")
    return "".join(out)


def all_text(tokens: list[Token]) -> str:
    """What a reader sees, one inline element per line."""
    return "\n".join(inline_text(t) for t in tokens if t.type == "inline")


def tables(tokens: list[Token]) -> list[list[list[str]]]:
    """Each table as rows of cell texts (header row first)."""
    out: list[list[list[str]]] = []
    row: list[str] = []
    for t in tokens:
        if t.type == "table_open":
            out.append([])
        elif t.type == "tr_open":
            row = []
        elif t.type == "inline" and out and t.level >= 4:
            row.append(inline_text(t))
        elif t.type == "tr_close":
            out[-1].append(row)
    return out
