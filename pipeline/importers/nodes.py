"""Small operations on inline nodes that readers and the assembler share.

Lengths count characters of :func:`pipeline.inline.plain`: every atom (code, math, references)
is one character, so a prefix found in the plain text can be cut from the nodes exactly.
"""

from __future__ import annotations

import re

from pipeline import inline
from pipeline.importers.events import Nodes
from pipeline.inline import Atom, Span

CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")


class PendingRef(Atom):
    """An internal link (to an anchor or bookmark) until the assembler knows the block ids."""

    tag = "ref"

    def __init__(self, value: str, text: Nodes, offset: int = 0) -> None:
        super().__init__(value, offset)
        self.text = text


class PendingFn(Atom):
    """A footnote reference by the reader's own key (a Word footnote id, a Markdown label)."""

    tag = "fn"


def plain(nodes: Nodes) -> str:
    return inline.plain(nodes)


def _size(node: inline.Node) -> int:
    if isinstance(node, str):
        return len(node)
    if isinstance(node, Span):
        return len(plain(node.children))
    return 1


def drop_leading(nodes: Nodes, n: int) -> Nodes:
    """The nodes without their first ``n`` plain characters (emptied spans vanish)."""
    out: Nodes = []
    for node in nodes:
        if n <= 0:
            out.append(node)
            continue
        size = _size(node)
        if size <= n:
            n -= size
            continue
        if isinstance(node, str):
            out.append(node[n:])
        elif isinstance(node, Span):
            out.append(Span(node.tag, drop_leading(node.children, n), node.href))
        n = 0
    return out


def drop_trailing(nodes: Nodes, n: int) -> Nodes:
    """The nodes without their last ``n`` plain characters."""
    out: Nodes = []
    for node in reversed(nodes):
        if n <= 0:
            out.append(node)
            continue
        size = _size(node)
        if size <= n:
            n -= size
            continue
        if isinstance(node, str):
            out.append(node[: len(node) - n])
        elif isinstance(node, Span):
            out.append(Span(node.tag, drop_trailing(node.children, n), node.href))
        n = 0
    return list(reversed(out))


def strip(nodes: Nodes) -> Nodes:
    """Without surrounding white space (inside spans at the edges too)."""
    text = plain(nodes)
    lead = len(text) - len(text.lstrip())
    trail = len(text) - len(text.rstrip())
    if lead == len(text):
        return []
    return merge(drop_trailing(drop_leading(nodes, lead), trail))


def merge(nodes: Nodes) -> Nodes:
    """Adjacent strings joined, empty strings and empty spans dropped, recursively."""
    out: Nodes = []
    for node in nodes:
        if isinstance(node, Span):
            children = merge(node.children)
            if not children:
                continue
            node = Span(node.tag, children, node.href)
            if out and isinstance(out[-1], Span) and (out[-1].tag, out[-1].href) == (node.tag, node.href):
                out[-1] = Span(node.tag, merge([*out[-1].children, *children]), node.href)
                continue
        elif isinstance(node, str):
            if not node:
                continue
            if out and isinstance(out[-1], str):
                out[-1] += node
                continue
        out.append(node)
    return out


def only_span(nodes: Nodes, tag: str) -> Nodes | None:
    """The children when the nodes are one ``tag`` span and nothing else, else None."""
    nodes = strip(nodes)
    if len(nodes) == 1 and isinstance(nodes[0], Span) and nodes[0].tag == tag:
        return nodes[0].children
    return None


def note_letter(node: inline.Node) -> str | None:
    """The letter of a note mark: a superscript (possibly bold or italic) holding one letter."""
    tags = set()
    while isinstance(node, Span) and node.tag in ("sup", "b", "i"):
        tags.add(node.tag)
        kids = [k for k in node.children if not (isinstance(k, str) and not k.strip())]
        if len(kids) != 1:
            break
        node = kids[0]
    if "sup" not in tags:
        return None
    letter = node.strip() if isinstance(node, str) else ""
    return letter if re.fullmatch(r"[a-z]", letter) else None


def trailing_note(nodes: Nodes) -> tuple[Nodes, str | None]:
    """A table note letter written as a trailing superscript (``局部连接<sup>a</sup>``)."""
    nodes = strip(nodes)
    letter = note_letter(nodes[-1]) if nodes else None
    if letter:
        return strip(nodes[:-1]), letter
    return nodes, None


def leading_note(nodes: Nodes) -> tuple[Nodes, str | None]:
    """A note letter written as a leading superscript (the lines below a table)."""
    nodes = strip(nodes)
    letter = note_letter(nodes[0]) if nodes else None
    if letter:
        return strip(nodes[1:]), letter
    return nodes, None


def join_break(left: str, right: str) -> str:
    """What a soft line break becomes: nothing between Chinese characters, else a space."""
    if left and right and CJK.match(left[-1]) and CJK.match(right[0]):
        return ""
    return " "
