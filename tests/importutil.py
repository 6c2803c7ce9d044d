"""Helpers of the import tests: a chapter's shape without its ids, to compare a source chapter
with the chapter imported back from its handout."""

from __future__ import annotations

import re

from pipeline import inline
from pipeline.i18n import labels
from pipeline.model import Chapter, Fact, Unit


def _text(unit: Unit | None, fns: dict[str, int]) -> str | None:
    """A unit's text with footnote references by number (footnote ids are not derivable)."""
    if unit is None:
        return None
    nodes = _renumber(inline.parse(unit.text), fns)
    # the spaces around a cross-reference are the handout's typography, not the author's
    return re.sub(r" *(<ref to=\"[^\"]*\"/>) *", r"\1", inline.markup(nodes))


def _renumber(nodes: list, fns: dict[str, int]) -> list:
    out: list = []
    for node in nodes:
        if isinstance(node, inline.FnRef):
            out.append(inline.FnRef(str(fns.setdefault(node.value, len(fns) + 1))))
        elif isinstance(node, inline.Span):
            out.append(inline.Span(node.tag, _renumber(node.children, fns), node.href))
        elif isinstance(node, inline.Math):
            out.append(inline.Math(tex_shape(node.value)))
        else:
            out.append(node)
    return out


def tex_shape(tex: str) -> str:
    """A formula as Word's equations keep it: a DOCX holds the equation (OMML), not its TeX, so
    the TeX read back may differ in spaces and in braces around one symbol (k_h, k_{h})."""
    from pipeline import tex as texmod

    return texmod.shape(tex)


def _cell(value: Unit | Fact, lang: str, fns: dict[str, int]) -> object:
    """Facts as an import can tell them from the printed text: names are printed as a list."""
    if isinstance(value, Unit):
        return _text(value, fns)
    if isinstance(value.value, tuple):
        return inline.markup([labels(lang).list(value.value)])
    return value.value


def shape(chapter: Chapter, code_language: bool = True) -> dict:
    """The chapter without ids (but those of sections, tables, figures and equations); with
    ``code_language`` False (a Word file), without the language of code and TeX's spacing."""
    fns: dict[str, int] = {}

    def block(b) -> tuple:  # type: ignore[no-untyped-def]
        kind = b.kind
        if kind == "paragraph":
            return ("p", _text(b.text, fns))
        if kind == "section":
            return ("section", b.id, _text(b.title, fns), b.numbered, [block(c) for c in b.blocks])
        if kind == "list":
            return ("list", b.style, items(b.items))
        if kind == "table":
            cols = [(_text(c.label, fns), c.note and c.note.value) for c in b.columns]
            ids = [c.id for c in b.columns]
            rows = [
                [
                    (_cell(r.cells[c].value, chapter.lang, fns), r.cells[c].note and r.cells[c].note.value)
                    if c in r.cells
                    else None
                    for c in ids
                ]
                for r in b.rows
            ]
            notes = [(n.letter, _text(n.text, fns), n.url and n.url.value) for n in b.notes]
            return ("table", b.id, _text(b.caption, fns), b.row_header, cols, rows, notes)
        if kind == "callout":
            return ("callout", b.style, _text(b.title, fns), [block(c) for c in b.blocks])
        if kind == "quote":
            return ("quote", _text(b.text, fns), _text(b.attribution, fns))
        if kind == "code":
            lang = b.language.value if code_language else None
            return ("code", b.code.value, lang, _text(b.caption, fns))
        if kind == "figure":  # the file's name and neutral: true are not in a handout
            return ("figure", b.id, _text(b.caption, fns), _text(b.alt, fns))
        if kind == "math":  # Word's equations give back equivalent TeX, not its spacing
            tex = b.tex.value if code_language else tex_shape(re.sub(r"\\[,;:! ]", "", b.tex.value))
            return ("math", b.id, tex, b.numbered)
        raise AssertionError(kind)

    def items(its) -> list:  # type: ignore[no-untyped-def]
        return [(_text(i.text, fns), i.sublist and (i.sublist.style, items(i.sublist.items))) for i in its]

    blocks = [block(b) for b in chapter.blocks]
    order = sorted(chapter.footnotes, key=lambda n: fns.get(n.name, 10**6))
    return {
        "number": chapter.number.value,
        "title": _text(chapter.title, fns),
        "blocks": blocks,
        "footnotes": [_text(n.text, fns) for n in order],
    }
