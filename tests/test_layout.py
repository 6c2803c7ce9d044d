"""The shared handout layout: staleness, alignment by id, and what each handout contains."""

from __future__ import annotations

import shutil
from pathlib import Path

from pipeline.export import Options
from pipeline.export.layout import STALE_MARK, Heading, Points, Table, build
from pipeline.export.markdown import markdown
from pipeline.loader import load_book

ROOT = Path(__file__).resolve().parent.parent
UNIT = "profiles.caffe.pros.feedforward"


def test_a_changed_source_marks_its_translation_stale(tmp_path: Path) -> None:
    root = tmp_path / "sources"
    shutil.copytree(ROOT / "sources", root)
    zh = root / "zh" / "ch14.yaml"
    zh.write_text(
        zh.read_text(encoding="utf-8").replace("很适合前馈网络和图像处理。", "非常适合前馈网络和图像处理。"),
        encoding="utf-8",
    )
    handout = build(load_book(str(root)), "ch14", ("zh", "en"))
    stale = [(t.lang, t.unit) for t in handout.texts() if t.stale]
    assert stale == [("en", UNIT)]
    assert handout.stale_legend is not None
    md = markdown(handout, Options()).decode()
    assert f"Well suited to feed-forward networks and image processing. {STALE_MARK}" in md
    assert md.count(STALE_MARK) == 1 + len(handout.stale_legend)  # the unit, the legend in each language


def test_clean_sources_have_no_stale_mark() -> None:
    handout = build(load_book(str(ROOT / "sources")), "ch14", ("en", "zh"))
    assert not any(t.stale for t in handout.texts()) and handout.stale_legend is None


def test_handout_structure_follows_the_chapter() -> None:
    book = load_book(str(ROOT / "sources"))
    ch = book.chapters["en"]["ch14"]
    handout = build(book, "ch14", ("en",))
    headings = [(h.level, h.number) for h in handout.blocks if isinstance(h, Heading)]
    assert headings[1:3] == [(1, "14.1"), (1, "14.2")]
    assert [n for lvl, n in headings if lvl == 2] == [f"14.2.{k}" for k in range(1, 9)]
    points = [b for b in handout.blocks if isinstance(b, Points)]
    pros = [[t.text for item in b.items for t in item] for b in points if b.kind == "pro"]
    assert pros == [[u.text for u in p.pros] for p in ch.profiles]
    table = next(b for b in handout.blocks if isinstance(b, Table) and b.role == "comparison")
    assert [c.text[0].text for c in table.header][1:] == [c.label.text for c in ch.table.criteria]
    assert table.rows[0][5].text[0].text == "No" and table.rows[0][6].note == "b"
    glossary = next(b for b in handout.blocks if isinstance(b, Table) and b.role == "glossary")
    assert ("automatic differentiation", "自动求导") in [
        (r[0].text[0].text, r[1].text[0].text) for r in glossary.rows
    ]


def test_bilingual_pairs_align_by_id_not_position(tmp_path: Path) -> None:
    root = tmp_path / "sources"
    shutil.copytree(ROOT / "tests" / "fixtures" / "book2", root)
    en = root / "en" / "ch03.yaml"
    head, profiles = en.read_text(encoding="utf-8").split("profiles:\n", 1)
    vim, emacs = profiles.split("  emacs:\n", 1)
    en.write_text(head + "profiles:\n  emacs:\n" + emacs.rstrip("\n") + "\n" + vim, encoding="utf-8")
    book = load_book(str(root))
    assert [p.id for p in book.chapters["en"]["ch03"].profiles] == ["emacs", "vim"]
    handout = build(book, "ch03", ("zh", "en"))
    cons = next(b for b in handout.blocks if isinstance(b, Points) and b.kind == "con")
    assert [(t.lang, t.text) for t in cons.items[0]] == [
        ("zh", "学习曲线陡峭。"),
        ("en", "A steep learning curve."),
    ]
