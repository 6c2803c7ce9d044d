"""Markdown handouts, read back with a real CommonMark/GFM parser (markdown-it-py)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from mdread import all_text, inline_text, parse, tables

from pipeline.export import Options
from pipeline.export.layout import Handout, Heading, Paragraph, Points, Table, build
from pipeline.export.markdown import inline, markdown
from pipeline.loader import load_book

ROOT = Path(__file__).resolve().parent.parent
BOOKS = [(ROOT / "tests" / "fixtures" / "book2", "ch03"), (ROOT / "sources", "ch14")]
EDITIONS = [("en",), ("zh",), ("zh", "en"), ("en", "zh")]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module", params=[(b, k, e) for b, k in BOOKS for e in EDITIONS], ids=str)
def rendered(request) -> tuple[Handout, bytes]:
    root, key, codes = request.param
    handout = build(load_book(str(root)), key, codes)
    return handout, markdown(handout, Options())


def test_every_unit_is_in_the_markdown(rendered) -> None:
    handout, data = rendered
    text = squash(all_text(parse(data)))
    missing = [t.unit for t in handout.texts() if t.unit and squash(t.text) not in text]
    assert not missing


def test_comparison_table_rows_and_cells(rendered) -> None:
    handout, data = rendered
    table = next(b for b in handout.blocks if isinstance(b, Table) and b.role == "comparison")
    label = "\n".join(t.text for t in table.header[0].text)
    parsed = next(t for t in tables(parse(data)) if t[0][0] == label)
    assert len(parsed) == 1 + len(table.rows)
    assert all(len(r) == len(table.header) for r in parsed)
    for row, cells in zip(parsed[1:], table.rows, strict=True):
        assert row[0] == cells[0].text[0].text
        for got, cell in zip(row[1:], cells[1:], strict=True):
            assert got.split("\n") == [t.text for t in cell.text]


def test_headings_and_lists(rendered) -> None:
    handout, data = rendered
    tokens = parse(data)
    heads = [inline_text(tokens[i + 1]) for i, t in enumerate(tokens) if t.type == "heading_open"]
    wanted = [b for b in handout.blocks if isinstance(b, Heading)]
    assert len(heads) == 1 + len(wanted)  # the title, then every section and profile
    for got, h in zip(heads[1:], wanted, strict=True):
        assert got.startswith(f"{h.number} " if h.number else h.text[0].text)
    if not handout.bilingual:
        items = sum(len(b.items) for b in handout.blocks if isinstance(b, Points))
        notes = sum(len(b.notes) for b in handout.blocks if isinstance(b, Table))
        assert sum(t.type == "list_item_open" for t in tokens) == items + notes


def test_output_is_reproducible(rendered) -> None:
    handout, data = rendered
    assert markdown(handout, Options()) == data


HOSTILE = [
    "a | b",
    "*bold* and _it_",
    "<b>x</b> & <br/> &amp;",
    "# not a heading",
    "- not a list",
    "1. not a list",
    "> not a quote",
    "`code` and ``more``",
    "line one\nline two | with pipe",
    "[link](http://x) ![img](y)",
    "back\\slash ~~strike~~",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_keeps_structure_and_prints_literally(text: str) -> None:
    handout = build(load_book(str(BOOKS[0][0])), "ch03", ("en",))
    blocks = []
    for b in handout.blocks:
        if isinstance(b, Paragraph):
            b = dataclasses.replace(b, text=(dataclasses.replace(b.text[0], text=text),))
        if isinstance(b, Table) and b.role == "comparison":
            row = list(b.rows[0])
            row[-1] = dataclasses.replace(row[-1], text=(dataclasses.replace(row[-1].text[0], text=text),))
            b = dataclasses.replace(b, rows=(tuple(row), *b.rows[1:]))
        blocks.append(b)
    data = markdown(dataclasses.replace(handout, blocks=blocks), Options())
    tokens = parse(data)
    table = tables(tokens)[0]
    assert len(table) == 4 and all(len(r) == 4 for r in table)
    assert table[1][3] == text
    paragraphs = [inline_text(tokens[i + 1]) for i, t in enumerate(tokens) if t.type == "paragraph_open"]
    assert text in paragraphs
    assert not any(t.type in ("html_block", "code_block", "fence", "blockquote_open") for t in tokens)


def test_inline_escapes_only_what_it_must() -> None:
    assert inline("Mac OS X and C++/CUDA, 2006.") == "Mac OS X and C++/CUDA, 2006."
    assert inline("a|b") == "a\\|b"
