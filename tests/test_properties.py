"""Property-based tests: any valid book exports to every format, and every unit's text can be
read back from every export.

Hypothesis builds small chapters (1-3 subjects, 1-3 criteria, a few paragraphs, pros and cons)
in both languages from random Unicode text, writes them as YAML (every string double-quoted by
:func:`pipeline.yamledit.double_quoted`, the emitter the tools themselves write sources with),
loads them with the real loader and renders them with the real writers.

The text is any Unicode except what the sources refuse by policy (surrogates; control and format
characters, among them the invisible bidi and zero-width ones; U+FFFE/U+FFFF) and must not be
blank. The PDF property uses a narrower alphabet: characters the bundled Noto Sans SC has in
both faces (a missing one is a documented export error, tested in test_hostile.py), from CJK
ideographs, Latin, digits, ASCII and CJK punctuation. Reading text back out of a PDF goes
through the font's ToUnicode map and the extractor's idea of reading order, which is only
dependable for such plain scripts (combining marks, right-to-left and shaped scripts come back
reordered or decomposed), so the wider alphabet is left to the Markdown and DOCX properties.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from hostileutil import TEXT_OF, squash
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.export import Options
from pipeline.export.build import Job, all_editions, render
from pipeline.loader import load_book
from pipeline.model import Book
from pipeline.yamledit import double_quoted

settings.register_profile(
    "hostile",
    deadline=None,  # a first PDF render loads the fonts: timing says nothing here
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("hostile")

LANGS = ("zh", "en")
# what the loader refuses, whatever the category says
REFUSED = "\ufffe\uffff"


# pieces of text that mean something to Markdown, HTML, XML or ReportLab, drawn as often as
# random text, so that emphasis, tags, entities and line-start markers turn up in every run
SNIPPETS = (
    "*", "**", "_", "`", "|", "\\", "#", "- ", "+ ", "1. ", "2) ", "> ", "===", "---", "~~", "[", "](", ")",
    "<", ">", "&", "&amp;", "&lt;", "&#x41;", "<b>", "</b>", "<br/>", "<br>", "<i>", '<font color="red">',
    "</font>", "<para>", "<![CDATA[", "]]>", "<!--", "-->", "<script>", "http://x.y", "    ", "：", "（",
)  # fmt: skip


def any_text(max_size: int = 20) -> st.SearchStrategy[str]:
    chars = st.characters(blacklist_categories=("Cs", "Cc", "Cf"), blacklist_characters=REFUSED)
    piece = st.one_of(st.sampled_from(SNIPPETS), st.text(chars, min_size=1, max_size=6))
    return st.lists(piece, min_size=1, max_size=5).map("".join).map(lambda s: s[:max_size]).filter(str.strip)


@cache
def _pdf_alphabet() -> str:
    from reportlab.pdfbase.ttfonts import TTFont

    from pipeline.export.pdfkit import BOLD_FONT, REGULAR_FONT

    faces = [TTFont(f"cover{i}", path).face.charToGlyph for i, path in enumerate((REGULAR_FONT, BOLD_FONT))]
    ranges = [(0x21, 0x7E), (0xC0, 0xFF), (0x3001, 0x3002), (0xFF01, 0xFF5E), (0x4E00, 0x9FA5)]
    return "".join(chr(c) for lo, hi in ranges for c in range(lo, hi + 1) if all(c in face for face in faces))


def pdf_text(max_size: int = 20) -> st.SearchStrategy[str]:
    alphabet = _pdf_alphabet()
    snippets = [s for s in SNIPPETS if all(c in alphabet or c == " " for c in s)]
    piece = st.one_of(st.sampled_from(snippets), st.text(st.sampled_from(alphabet), min_size=1, max_size=6))
    return st.lists(piece, min_size=1, max_size=5).map("".join).map(lambda s: s[:max_size]).filter(str.strip)


# -- a random chapter --------------------------------------------------------------------------
@dataclass(frozen=True)
class Shape:
    """The ids of a chapter: the same in both editions."""

    paragraphs: int
    criteria: int
    subjects: int
    pros: tuple[int, ...]  # per subject
    cons: tuple[int, ...]
    cells: tuple[tuple[str, ...], ...]  # per subject and criterion: text | flag | names
    noted: bool  # the first criterion has a table note


@st.composite
def shapes(draw: st.DrawFn) -> Shape:
    subjects = draw(st.integers(1, 3))
    criteria = draw(st.integers(1, 3))
    kinds = st.sampled_from(("text", "flag", "names"))
    return Shape(
        paragraphs=draw(st.integers(1, 3)),
        criteria=criteria,
        subjects=subjects,
        pros=tuple(draw(st.integers(1, 2)) for _ in range(subjects)),
        cons=tuple(draw(st.integers(0, 2)) for _ in range(subjects)),
        cells=tuple(tuple(draw(kinds) for _ in range(criteria)) for _ in range(subjects)),
        noted=draw(st.booleans()),
    )


def _unit_texts(shape: Shape) -> list[str]:
    """Every unit id of a chapter of this shape, in the order :func:`chapter_yaml` uses them."""
    ids = [f"meta.{k}" for k in ("title", "book", "author", "publisher", "credit")]
    ids += [f"introduction.p{i}" for i in range(shape.paragraphs)]
    ids += ["table.title", "table.caption", "table.subject-label"]
    ids += [f"table.criteria.c{c}" for c in range(shape.criteria)]
    ids += [
        f"table.rows.s{s}.c{c}"
        for s in range(shape.subjects)
        for c in range(shape.criteria)
        if shape.cells[s][c] == "text"
    ]
    ids += ["table.notes.a"] if shape.noted else []
    ids += ["profiles-title"]
    for s in range(shape.subjects):
        ids += [f"profiles.s{s}.description.d0"]
        ids += [f"profiles.s{s}.pros.p{i}" for i in range(shape.pros[s])]
        ids += [f"profiles.s{s}.cons.k{i}" for i in range(shape.cons[s])]
    return ids


def chapter_yaml(lang: str, shape: Shape, text: dict[str, str], facts: dict[str, object]) -> str:
    """The chapter file of one edition; ``text`` maps unit ids to this edition's texts."""
    q = double_quoted
    lines = ["meta:", "  chapter: 7", f"  language: {lang}", "  edition: 2026-01-31", "  year: 2024"]
    lines += [f"  {k}: {q(text[f'meta.{k}'])}" for k in ("title", "book", "author", "publisher", "credit")]
    lines += ["introduction:"] + [f"  p{i}: {q(text[f'introduction.p{i}'])}" for i in range(shape.paragraphs)]
    lines += ["table:"] + [f"  {k}: {q(text[f'table.{k}'])}" for k in ("title", "caption", "subject-label")]
    lines += ["  criteria:"]
    for c in range(shape.criteria):
        label = q(text[f"table.criteria.c{c}"])
        lines.append(
            f"    c{c}: {{text: {label}, note: a}}" if c == 0 and shape.noted else f"    c{c}: {label}"
        )
    lines += ["  rows:"]
    for s in range(shape.subjects):
        lines += [f"    s{s}:", f"      name: {q(str(facts[f's{s}']))}"]
        for c in range(shape.criteria):
            kind = shape.cells[s][c]
            if kind == "text":
                value = q(text[f"table.rows.s{s}.c{c}"])
            elif kind == "flag":
                value = "true" if facts[f"s{s}.c{c}"] else "false"
            else:
                value = "[" + ", ".join(q(n) for n in facts[f"s{s}.c{c}"]) + "]"  # type: ignore[attr-defined]
            lines.append(f"      c{c}: {value}")
    if shape.noted:
        lines += ["  notes:", f"    a: {q(text['table.notes.a'])}"]
    lines += [f"profiles-title: {q(text['profiles-title'])}", "profiles:"]
    for s in range(shape.subjects):
        lines += [f"  s{s}:", "    description:", f"      d0: {q(text[f'profiles.s{s}.description.d0'])}"]
        lines += ["    pros:"] + [
            f"      p{i}: {q(text[f'profiles.s{s}.pros.p{i}'])}" for i in range(shape.pros[s])
        ]
        if shape.cons[s]:
            lines += ["    cons:"] + [
                f"      k{i}: {q(text[f'profiles.s{s}.cons.k{i}'])}" for i in range(shape.cons[s])
            ]
    return "\n".join(lines) + "\n"


@st.composite
def books(draw: st.DrawFn, text: st.SearchStrategy[str]) -> dict[str, str]:
    """A book folder's files (relative name -> content): both editions of one chapter."""
    shape = draw(shapes())
    facts: dict[str, object] = {}
    for s in range(shape.subjects):
        facts[f"s{s}"] = draw(text)
        for c in range(shape.criteria):
            facts[f"s{s}.c{c}"] = (
                draw(st.booleans())
                if shape.cells[s][c] == "flag"
                else draw(st.lists(text, min_size=1, max_size=3))
            )
    files = {"book.yaml": "source: zh\ntranslations: [en]\n"}
    for lang in LANGS:
        texts = {uid: draw(text) for uid in _unit_texts(shape)}
        files[f"{lang}/ch07.yaml"] = chapter_yaml(lang, shape, texts, facts)
    return files


def load(files: dict[str, str], folder: str) -> Book:
    for name, content in files.items():
        path = Path(folder) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    return load_book(folder)


def assert_every_unit_exported(book: Book, codes: tuple[str, ...], fmt: str) -> None:
    data = render(book, Job("ch07", codes, fmt, ""), Options())
    seen = squash(TEXT_OF[fmt](data))
    for lang in codes:
        chapter = book.chapters[lang]["ch07"]
        for unit in chapter.units():
            assert squash(unit.text) in seen, f"{fmt} {'+'.join(codes)}: {unit.id} {unit.text!r} is missing"
        for subject in chapter.table.subjects:
            assert squash(str(subject.name.value)) in seen, f"{fmt}: subject name {subject.name.value!r}"


EDITIONS = st.sampled_from([("zh",), ("en",), ("zh", "en"), ("en", "zh")])


# -- the properties ------------------------------------------------------------------------------
@settings(max_examples=25)
@given(files=books(any_text()))
def test_any_valid_book_exports_to_markdown_with_every_unit(files: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        book = load(files, folder)
        for codes in all_editions(book):
            assert_every_unit_exported(book, codes, "md")


@settings(max_examples=25)
@given(files=books(any_text()), codes=EDITIONS)
def test_any_valid_book_exports_to_docx_with_every_unit(
    files: dict[str, str], codes: tuple[str, ...]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        assert_every_unit_exported(load(files, folder), codes, "docx")


@settings(max_examples=10)
@given(files=books(pdf_text()), codes=EDITIONS)
def test_any_valid_book_in_the_font_exports_to_pdf_with_every_unit(
    files: dict[str, str], codes: tuple[str, ...]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        assert_every_unit_exported(load(files, folder), codes, "pdf")
