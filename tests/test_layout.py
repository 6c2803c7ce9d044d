"""The shared handout layout: numbering, references, footnotes, staleness and alignment by id."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.export.layout import (
    MISSING_MARK,
    STALE_MARK,
    Callout,
    CodeBlock,
    Heading,
    ListBlock,
    NoteRef,
    Paragraph,
    Quote,
    Table,
    Text,
    XRef,
    block_texts,
    build,
)
from pipeline.inline import Code, Math, Span
from pipeline.loader import load_book

ROOT = Path(__file__).resolve().parent.parent
BLOCKS = ROOT / "tests" / "fixtures" / "blocks"
UNIT = "profiles.caffe.pros.feedforward"


@pytest.fixture(scope="module")
def blocks_book():
    return load_book(str(BLOCKS))


def test_every_block_kind_becomes_a_handout_block(blocks_book) -> None:
    handout = build(blocks_book, "ch04", ("zh",))
    kinds = [type(b).__name__ for b in handout.blocks]
    assert kinds == [
        "Paragraph", "Heading", "Paragraph", "ListBlock", "Table", "Heading", "Heading", "Paragraph",
        "Callout", "Callout", "Quote", "CodeBlock", "ListBlock", "ListBlock",
    ]  # fmt: skip
    headings = [(b.level, b.number, b.anchor) for b in handout.blocks if isinstance(b, Heading)]
    assert headings[:3] == [
        (1, "4.1", "sec-basics"),
        (2, "4.1.1", "sec-basics--deeper"),
        (3, "4.1.1.1", "sec-basics--deeper--padding"),
    ]


def test_lists_keep_their_style_nesting_and_marks(blocks_book) -> None:
    handout = build(blocks_book, "ch04", ("en",))
    lists = [b for b in handout.blocks if isinstance(b, ListBlock)]
    steps, pros, cons = lists
    assert steps.style == "bullet" and steps.mark is None and steps.title is None
    nested = steps.items[1].children
    assert nested is not None and nested.numbered and nested.depth == 1
    assert [i.text[0].text for i in nested.items] == ["multiply element by element;", "sum."]
    assert (pros.mark, pros.title[0].text) == ("✓", "Pros")
    assert (cons.mark, cons.title[0].text) == ("✗", "Cons")


def test_tables_get_a_label_an_anchor_row_headers_and_notes(blocks_book) -> None:
    handout = build(blocks_book, "ch04", ("zh",))
    table = next(b for b in handout.blocks if isinstance(b, Table) and b.role == "table")
    assert table.label is not None and table.label[0].text == "表 4.1"
    assert table.anchor == "tbl-basics--sizes" and table.row_header
    assert [c.text[0].text for c in table.header] == ["尺寸", "权重数", "常用", "用途"]
    assert table.header[1].note == "a"
    first = table.rows[0]
    assert [(c.kind, c.text[0].text) for c in first] == [
        ("rowhead", "3×3"), ("number", "9"), ("flag", "是"), ("text", "大多数网络"),
    ]  # fmt: skip
    assert table.rows[1][2].note == "b"
    assert [(n.mark, n.url) for n in table.notes] == [("a", None), ("b", "https://example.org/sizes")]


def test_references_and_footnotes_are_resolved_per_language(blocks_book) -> None:
    for lang, table_label, section_label in (("zh", "表 4.1", "4.1 节"), ("en", "Table 4.1", "Section 4.1")):
        handout = build(blocks_book, "ch04", (lang,))
        intro = handout.blocks[0]
        assert isinstance(intro, Paragraph)
        nodes = intro.text[0].nodes
        refs = [n for n in nodes if isinstance(n, XRef)]
        assert [(r.label, r.anchor) for r in refs] == [
            (table_label, "tbl-basics--sizes"),
            (section_label, "sec-basics"),
        ]
        assert [n for n in nodes if isinstance(n, NoteRef)] == [NoteRef(1, "fn-kernel", "footnotes.kernel")]
        assert any(isinstance(n, Span) and n.tag == "b" for n in nodes)
        assert table_label in intro.text[0].plain
        # footnotes are numbered in the order of their first reference
        assert [(f.number, f.anchor) for f in handout.footnotes] == [(1, "fn-kernel"), (2, "fn-filter")]
        assert handout.footnotes_title is not None


def test_inline_code_math_and_links_reach_the_writers(blocks_book) -> None:
    handout = build(blocks_book, "ch04", ("en",))
    slide = handout.blocks[2]
    assert isinstance(slide, Paragraph)
    nodes = slide.text[0].nodes
    assert Math("k_{m,n}") in nodes and Code("np.convolve") in nodes
    link = next(n for n in nodes if isinstance(n, Span) and n.tag == "a")
    assert link.href == "https://example.org/conv" and link.children == ["an example"]


def test_callouts_quotes_and_code(blocks_book) -> None:
    handout = build(blocks_book, "ch04", ("zh", "en"))
    callouts = [b for b in handout.blocks if isinstance(b, Callout)]
    assert [(c.style, [t.text for t in c.label]) for c in callouts] == [
        ("tip", ["提示", "Tip"]),
        ("editor", ["编者注", "Editor's note"]),
    ]
    assert isinstance(callouts[0].blocks[0], Paragraph) and len(callouts[0].blocks[0].text) == 2
    quote = next(b for b in handout.blocks if isinstance(b, Quote))
    assert quote.attribution is not None and [t.text for t in quote.attribution] == ["某位老师", "A teacher"]
    code = next(b for b in handout.blocks if isinstance(b, CodeBlock))
    assert code.language == "python" and code.code.startswith("import numpy as np\n")
    assert code.caption is not None and len(code.caption) == 2  # the code once, its caption in both


def test_generated_chinese_text_is_spaced_like_the_sources(blocks_book) -> None:
    handout = build(blocks_book, "ch04", ("zh",))
    assert handout.title.edition[0].text == "版本日期：2026 年 12 月 1 日"
    assert handout.title.kicker[0].text == "第 4 章"


def test_the_credit_and_source_line_come_from_the_book(blocks_book) -> None:
    handout = build(blocks_book, "ch04", ("en", "zh"))
    assert [t.text for t in handout.title.credit] == [
        "Written for the tests; the content is made up.",
        "本书为测试编写，内容为虚构。",
    ]
    assert handout.title.source[0].text == "A Book for Tests by Test Author, Example Press, 2026"


def test_a_changed_source_marks_its_translation_stale(tmp_path: Path) -> None:
    root = tmp_path / "sources"
    shutil.copytree(ROOT / "sources", root)
    zh = root / "zh" / "ch14.yaml"
    text = zh.read_text(encoding="utf-8")
    book = load_book(str(ROOT / "sources"))
    old = next(u for u in book.chapters["zh"]["ch14"].units() if u.id == UNIT).text
    zh.write_text(text.replace(old, old.rstrip("。") + "，也适合其他任务。"), encoding="utf-8")
    handout = build(load_book(str(root)), "ch14", ("zh", "en"))
    stale = [(t.lang, t.unit) for t in handout.texts() if t.stale]
    assert stale == [("en", UNIT)]
    assert handout.stale_legend is not None and STALE_MARK in handout.stale_legend[0].text


def test_clean_sources_have_no_stale_mark() -> None:
    handout = build(load_book(str(ROOT / "sources")), "ch14", ("en", "zh"))
    assert not any(t.stale for t in handout.texts()) and handout.stale_legend is None


def test_chapter_14_structure_follows_the_book() -> None:
    book = load_book(str(ROOT / "sources"))
    handout = build(book, "ch14", ("en",))
    headings = [(h.level, h.number) for h in handout.blocks if isinstance(h, Heading)]
    assert headings[:2] == [(1, "14.1"), (1, "14.2")]
    assert [n for lvl, n in headings if lvl == 2] == [f"14.2.{k}" for k in range(1, 9)]
    table = next(b for b in handout.blocks if isinstance(b, Table) and b.role == "table")
    assert table.label is not None and table.label[0].text == "Table 14.1"
    assert len(table.header) == 10 and len(table.rows) == 9 and table.row_header
    glossary = next(b for b in handout.blocks if isinstance(b, Table) and b.role == "glossary")
    assert ("automatic differentiation", "自动求导") in [
        (r[0].text[0].text, r[1].text[0].text) for r in glossary.rows
    ]
    texts = [t for b in handout.blocks for t in block_texts(b)]
    assert all(isinstance(t, Text) for t in texts)


def test_bilingual_pairs_align_by_id_not_position(tmp_path: Path) -> None:
    root = tmp_path / "sources"
    shutil.copytree(BLOCKS, root)
    en = root / "en" / "ch04.yaml"
    text = en.read_text(encoding="utf-8")
    # swap the two items of the bulleted list in the English file
    head, rest = text.split("          place: ", 1)
    place, rest = rest.split("          compute:\n", 1)
    compute, tail = rest.split("      sizes:\n", 1)
    en.write_text(
        head + "          compute:\n" + compute + "          place: " + place + "      sizes:\n" + tail
    )
    book = load_book(str(root))
    steps = book.chapters["en"]["ch04"].block("basics.steps")
    assert [i.id for i in steps.items] == ["basics.steps.compute", "basics.steps.place"]  # type: ignore[union-attr]
    handout = build(book, "ch04", ("zh", "en"))
    first = next(b for b in handout.blocks if isinstance(b, ListBlock)).items[0]
    assert [(t.lang, t.text) for t in first.text] == [("zh", "放置卷积核；"), ("en", "Place the kernel;")]


def _untranslate(root: Path, unit_ids: list[str]) -> None:
    """Empty the English text of some units, as an edition started with add-language has them."""
    from pipeline.yamledit import Editor

    book = load_book(str(root))
    chapter = book.chapters["en"]["ch04"]
    editor = Editor(chapter.path)
    for unit in chapter.units():
        if unit.id in unit_ids:
            editor.set_text(unit, "")
    editor.save()


def test_a_missing_translation_shows_the_source_text_marked(tmp_path: Path) -> None:
    root = tmp_path / "book"
    shutil.copytree(BLOCKS, root)
    _untranslate(root, ["basics.slide", "basics.sizes.rows.small.use"])
    book = load_book(str(root))
    alone = build(book, "ch04", ("en",))
    assert alone.missing == 2
    slide = alone.blocks[2]
    assert isinstance(slide, Paragraph)
    (text,) = slide.text
    assert text.missing and text.lang == "zh" and text.plain.endswith(f"。2 {MISSING_MARK}")
    table = next(b for b in alone.blocks if isinstance(b, Table))
    assert table.rows[0][3].text[0].text == "大多数网络" and table.rows[0][3].text[0].missing
    assert alone.stale_legend is not None and MISSING_MARK in alone.stale_legend[0].text
    # beside the source text, only the mark
    both = build(book, "ch04", ("zh", "en"))
    slide = both.blocks[2]
    assert isinstance(slide, Paragraph)
    assert [(t.lang, t.text, t.missing) for t in slide.text][1] == ("en", MISSING_MARK, True)
