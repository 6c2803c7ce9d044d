"""Word handouts, read back with python-docx and checked on the XML Word itself reads."""

from __future__ import annotations

import dataclasses
import functools
import io
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml.ns import qn
from docx.section import Section
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph as DocxParagraph
from docx.text.run import Run

from pipeline import langs
from pipeline.export import Options, RenderError
from pipeline.export.docx import FONT, STALE, STALE_MARK, TABLE_STYLE, column_widths, docx
from pipeline.export.layout import Handout, Heading, Paragraph, Points, Table, build
from pipeline.loader import load_book
from pipeline.model import Book

ROOT = Path(__file__).resolve().parent.parent
CH14 = (ROOT / "sources", "ch14")  # the shipped chapter: it has an editor's note
BOOKS = [(ROOT / "tests" / "fixtures" / "book2", "ch03"), CH14]
EDITIONS = [("en",), ("zh",), ("zh", "en"), ("en", "zh")]
BILINGUAL = [e for e in EDITIONS if len(e) == 2]
A4, LETTER = (11906, 16838), (12240, 15840)
THEME_ATTRS = ("w:asciiTheme", "w:eastAsiaTheme", "w:hAnsiTheme", "w:cstheme")


@dataclasses.dataclass
class Rendered:
    handout: Handout
    data: bytes
    doc: DocxDocument

    @functools.cached_property
    def styled(self) -> list[tuple[str, DocxParagraph]]:
        """(style name, paragraph) for every body paragraph; python-docx's own ``p.style``
        searches all styles on each call, which would make these tests slow."""
        names = {s.style_id: s.name for s in self.doc.styles}
        default = "Normal"
        return [(names.get(p._p.style, default) if p._p.style else default, p) for p in paragraphs(self.doc)]

    def with_style(self, name: str) -> list[DocxParagraph]:
        return [p for style, p in self.styled if style == name]


def render(handout: Handout, options: Options | None = None) -> Rendered:
    data = docx(handout, options or Options())
    return Rendered(handout, data, Document(io.BytesIO(data)))


@pytest.fixture(scope="module")
def books() -> dict[str, Book]:
    return {str(root): load_book(str(root)) for root, _ in BOOKS}


def _render_param(request: pytest.FixtureRequest, books: dict[str, Book]) -> Rendered:
    root, key, codes = request.param
    return render(build(books[str(root)], key, codes))


@pytest.fixture(scope="module", params=[(b, k, e) for b, k in BOOKS for e in EDITIONS], ids=str)
def rendered(request: pytest.FixtureRequest, books: dict[str, Book]) -> Rendered:
    return _render_param(request, books)


@pytest.fixture(scope="module", params=[(b, k, e) for b, k in BOOKS for e in BILINGUAL], ids=str)
def bilingual(request: pytest.FixtureRequest, books: dict[str, Book]) -> Rendered:
    return _render_param(request, books)


@pytest.fixture(scope="module", params=[(*CH14, e) for e in EDITIONS], ids=str)
def with_editor_notes(request: pytest.FixtureRequest, books: dict[str, Book]) -> Rendered:
    return _render_param(request, books)


@pytest.fixture(scope="module")
def fixture_en(books: dict[str, Book]) -> Handout:
    return build(books[str(BOOKS[0][0])], "ch03", ("en",))


# -- reading helpers ---------------------------------------------------------------------------
def paragraphs(doc: DocxDocument) -> list[DocxParagraph]:
    """Every body paragraph in document order, including those inside table cells."""
    return [DocxParagraph(p, doc._body) for p in doc.element.body.iter(qn("w:p"))]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def all_text(doc: DocxDocument) -> str:
    return "\n".join(p.text for p in paragraphs(doc))


def runs(doc: DocxDocument) -> list[Run]:
    return [Run(r, None) for r in doc.element.body.iter(qn("w:r"))]  # type: ignore[arg-type]


def table_style_id(table: DocxTable) -> str | None:
    """The table's w:tblStyle (``table.style`` looks up the default style, slowly, when unset)."""
    tag = table._tbl.tblPr.find(qn("w:tblStyle"))
    return None if tag is None else tag.get(qn("w:val"))


def grid_tables(doc: DocxDocument) -> list[DocxTable]:
    """The comparison and glossary tables (the side-by-side tables have no style)."""
    wanted = doc.styles[TABLE_STYLE].style_id
    return [t for t in doc.tables if table_style_id(t) == wanted]


def section_elements(doc: DocxDocument) -> list[list[object]]:
    """Body children grouped by section (a paragraph holding a w:sectPr ends its section)."""
    groups: list[list[object]] = [[]]
    for child in doc.element.body:
        if child.tag == qn("w:sectPr"):
            continue
        groups[-1].append(child)
        if child.tag == qn("w:p") and child.find(qn("w:pPr") + "/" + qn("w:sectPr")) is not None:
            groups.append([])
    return groups


def size(section: Section) -> tuple[int, int]:
    return section.page_width.twips, section.page_height.twips  # type: ignore[union-attr]


def comparison(handout: Handout) -> Table:
    return next(b for b in handout.blocks if isinstance(b, Table) and b.role == "comparison")


def edited(handout: Handout, text: str, **changes: object) -> Handout:
    """The handout with the first body paragraph's first text replaced."""
    blocks = list(handout.blocks)
    i = next(i for i, b in enumerate(blocks) if isinstance(b, Paragraph))
    para = blocks[i]
    assert isinstance(para, Paragraph)
    first = dataclasses.replace(para.text[0], text=text, **changes)
    blocks[i] = dataclasses.replace(para, text=(first, *para.text[1:]))
    return dataclasses.replace(handout, blocks=blocks)


# -- content -----------------------------------------------------------------------------------
def test_every_unit_is_in_the_document(rendered: Rendered) -> None:
    text = squash(all_text(rendered.doc))
    missing = [t.unit for t in rendered.handout.texts() if t.unit and squash(t.text) not in text]
    assert not missing


def test_word_styles_are_used(rendered: Rendered) -> None:
    used = {style for style, _ in rendered.styled}
    assert {"Title", "Heading 1", "List Bullet", "Caption"} <= used
    if any(isinstance(b, Heading) and b.level == 2 for b in rendered.handout.blocks):
        assert "Heading 2" in used
    assert len(grid_tables(rendered.doc)) == sum(isinstance(b, Table) for b in rendered.handout.blocks)


def test_headings_carry_their_numbers(rendered: Rendered) -> None:
    heads = [p.text for style, p in rendered.styled if style.startswith("Heading")]
    for block in rendered.handout.blocks:
        if isinstance(block, Heading) and block.number:
            assert any(h.startswith(f"{block.number} ") for h in heads), block.number


def test_pros_and_cons_items_start_with_their_mark(rendered: Rendered) -> None:
    items = [p.text for p in rendered.with_style("List Bullet")]
    wanted = sum(len(item) for b in rendered.handout.blocks if isinstance(b, Points) for item in b.items)
    assert len(items) == wanted > 0  # one paragraph per language of each item
    assert all(item[:1] in "✓✗" for item in items)


def test_bilingual_units_sit_side_by_side(bilingual: Rendered) -> None:
    rendered = bilingual
    assert rendered.handout.bilingual
    rows = [
        [squash(c.text) for c in row.cells]
        for t in rendered.doc.tables
        if table_style_id(t) is None
        for row in t.rows
        if len(row.cells) == 2
    ]
    for block in rendered.handout.blocks:
        if isinstance(block, Paragraph) and len(block.text) == 2:
            first, second = (squash(t.text) for t in block.text)
            assert any(first in a and second in b for a, b in rows), block.text[0].unit


def test_comparison_cells_stack_both_languages(rendered: Rendered) -> None:
    table = comparison(rendered.handout)
    grid = next(t for t in grid_tables(rendered.doc) if len(t.columns) == len(table.header))
    assert len(grid.rows) == 1 + len(table.rows)
    for row, cells in zip(grid.rows[1:], table.rows, strict=True):
        for got, cell in zip(row.cells, cells, strict=True):
            text = got.text
            for t in cell.text:
                assert t.text in text
            if cell.note:
                sup = [r for p in got.paragraphs for r in p.runs if r.font.superscript]
                assert [r.text for r in sup] == [cell.note]


def test_table_text_is_at_least_7pt(rendered: Rendered) -> None:
    sizes = {s.style_id: s.font.size for s in rendered.doc.styles if s.type == WD_STYLE_TYPE.PARAGRAPH}
    for table in grid_tables(rendered.doc):
        for row in table.rows:
            for cell in row.cells:
                for p in cell.paragraphs:
                    assert sizes[p._p.style].pt >= 7
                    assert all(r.font.size is None or r.font.size.pt >= 7 for r in p.runs)


# -- fonts and languages -----------------------------------------------------------------------
def test_styles_name_the_east_asian_font(rendered: Rendered) -> None:
    styles = rendered.doc.styles
    for name in ("Normal", "Title", "Heading 1", "Heading 2", "List Bullet", "Caption", "Header", "Footer"):
        fonts = styles[name].element.rPr.rFonts
        assert fonts.get(qn("w:eastAsia")) == FONT, name
        assert fonts.get(qn("w:ascii")) == FONT, name
    for fonts in styles.element.iter(qn("w:rFonts")):
        assert not any(fonts.get(qn(a)) for a in THEME_ATTRS)
    defaults = styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
    assert defaults.find(qn("w:rFonts")).get(qn("w:eastAsia")) == FONT


def test_document_language_defaults(rendered: Rendered) -> None:
    info = rendered.handout.info
    defaults = rendered.doc.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
    lang = defaults.find(qn("w:lang"))
    assert lang.get(qn("w:val")) == info.language
    if "zh" in rendered.handout.langs:
        assert lang.get(qn("w:eastAsia")) == "zh-CN"


def test_runs_carry_their_language(rendered: Rendered) -> None:
    tagged: dict[str, set[tuple[str | None, str | None]]] = {}
    for run in runs(rendered.doc):
        lang = run._r.rPr.find(qn("w:lang")) if run._r.rPr is not None else None
        if lang is not None:
            tagged.setdefault(run.text, set()).add((lang.get(qn("w:val")), lang.get(qn("w:eastAsia"))))
    for text in rendered.handout.texts():
        if not text.unit or text.text not in tagged:
            continue
        language = langs.get(text.lang)
        if language.cjk:
            assert any(ea == language.bcp47 for _, ea in tagged[text.text]), text.unit
        else:
            assert any(val == language.bcp47 for val, _ in tagged[text.text]), text.unit


# -- pages -------------------------------------------------------------------------------------
def test_pages_are_a4_with_the_comparison_in_landscape(rendered: Rendered) -> None:
    doc = rendered.doc
    sections = list(doc.sections)
    for section in sections:
        if section.orientation == WD_ORIENT.LANDSCAPE:
            assert size(section) == (A4[1], A4[0])
        else:
            assert size(section) == A4
        assert abs(section.left_margin.cm - 2) < 0.05 and abs(section.top_margin.cm - 2) < 0.05
    groups = section_elements(doc)
    assert len(groups) == len(sections)
    widest = max(grid_tables(doc), key=lambda t: len(t.columns))
    holder = next(i for i, g in enumerate(groups) if widest._tbl in g)
    assert sections[holder].orientation == WD_ORIENT.LANDSCAPE
    assert sections[0].orientation == WD_ORIENT.PORTRAIT
    assert sum(s.orientation == WD_ORIENT.LANDSCAPE for s in sections) == 1


def test_letter_paper(fixture_en: Handout) -> None:
    doc = render(fixture_en, Options(paper="letter")).doc
    for section in doc.sections:
        wanted = LETTER if section.orientation == WD_ORIENT.PORTRAIT else LETTER[::-1]
        assert size(section) == wanted


def test_column_widths_fill_the_landscape_page(rendered: Rendered) -> None:
    table = comparison(rendered.handout)
    widths = column_widths(table, A4[1] - 2 * 1134)
    assert sum(widths) == A4[1] - 2 * 1134
    assert min(widths) > 400
    grid = next(t for t in grid_tables(rendered.doc) if len(t.columns) == len(table.header))
    assert [c.width.twips for c in grid.columns] == widths


def test_every_section_has_the_running_title_and_page_fields(rendered: Rendered) -> None:
    for section in rendered.doc.sections:
        assert rendered.handout.running_title in "\n".join(p.text for p in section.header.paragraphs)
        footer = section.footer._element
        instructions = [i.text.strip() for i in footer.iter(qn("w:instrText"))]
        assert instructions == ["PAGE", "NUMPAGES"] * len(rendered.handout.langs)  # "Page 1 of 2 / 第 1 页…"
        kinds = [f.get(qn("w:fldCharType")) for f in footer.iter(qn("w:fldChar"))]
        assert kinds == ["begin", "separate", "end"] * len(instructions)


def test_footer_words_follow_the_translation(rendered: Rendered) -> None:
    footer = rendered.doc.sections[0].footer.paragraphs[0].text
    assert footer == rendered.handout.page_label(1, 1)  # both fields show 1 until Word counts


def test_tables_repeat_their_header_row_and_keep_rows_whole(rendered: Rendered) -> None:
    for table in grid_tables(rendered.doc):
        first = table.rows[0]._tr.trPr
        assert first.find(qn("w:tblHeader")) is not None
        for row in table.rows:
            assert row._tr.trPr.find(qn("w:cantSplit")) is not None


# -- marks, notes, roles -----------------------------------------------------------------------
def test_stale_translation_is_marked(fixture_en: Handout) -> None:
    doc = render(edited(fixture_en, "An outdated sentence.", stale=True)).doc
    run = next(r for r in runs(doc) if r.text == "An outdated sentence.")
    assert str(run.font.color.rgb) == STALE
    assert "An outdated sentence. " + STALE_MARK in all_text(doc)


def test_editor_notes_are_set_apart(with_editor_notes: Rendered) -> None:
    rendered = with_editor_notes
    notes = [b for b in rendered.handout.blocks if isinstance(b, Paragraph) and b.role == "editor-note"]
    assert notes
    found = rendered.with_style("Editor Note")
    assert len(found) == sum(len(n.text) for n in notes)  # one paragraph per language
    assert rendered.doc.styles["Editor Note"].font.italic
    labels = {t.text for n in notes for t in n.label or ()}
    assert all(p.runs[0].font.bold and p.runs[0].text in labels for p in found)


def test_markup_characters_print_literally(fixture_en: Handout) -> None:
    text = '<b>&amp;</b> & "quotes" <w:t> ]]>'
    assert text in all_text(render(edited(fixture_en, text)).doc)


def test_control_characters_are_a_render_error(fixture_en: Handout) -> None:
    with pytest.raises(RenderError) as caught:
        docx(edited(fixture_en, "bell\x07"), Options())
    (problem,) = caught.value.problems
    assert problem.field == "introduction.purpose"
    assert "U+0007" in problem.message


# -- properties and reproducibility ------------------------------------------------------------
def test_core_properties(rendered: Rendered) -> None:
    info = rendered.handout.info
    props = rendered.doc.core_properties
    assert props.title == info.title
    assert props.author == info.author
    assert props.subject == info.subject
    assert props.keywords == ", ".join(info.keywords)
    assert props.language == info.language
    assert props.last_modified_by == info.creator
    assert props.revision == 1
    assert props.created == props.modified == props.last_printed == info.timestamp  # read back as UTC
    assert props.comments == ""


def test_no_template_leftovers(rendered: Rendered) -> None:
    with zipfile.ZipFile(io.BytesIO(rendered.data)) as z:
        names = z.namelist()
        assert "docProps/thumbnail.jpeg" not in names
        for name in ("docProps/core.xml", "docProps/app.xml"):
            assert b"python-docx" not in z.read(name)
            assert b"Microsoft" not in z.read(name)


def test_output_is_reproducible(rendered: Rendered) -> None:
    if rendered.handout.langs == ("zh", "en"):  # the richest edition; each build takes a while
        assert docx(rendered.handout, Options()) == rendered.data
    stamp = rendered.handout.info.timestamp
    with zipfile.ZipFile(io.BytesIO(rendered.data)) as z:
        assert {i.date_time for i in z.infolist()} == {
            (stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
        }


def test_source_date_epoch_sets_times(books: dict[str, Book], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14 22:13:20 UTC
    handout = build(books[str(BOOKS[0][0])], "ch03", ("zh",))
    out = render(handout)
    assert out.doc.core_properties.created == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    with zipfile.ZipFile(io.BytesIO(out.data)) as z:
        assert z.infolist()[0].date_time == (2023, 11, 14, 22, 13, 20)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")  # before 1980: zip times are clamped
    early = render(build(books[str(BOOKS[0][0])], "ch03", ("zh",)))
    with zipfile.ZipFile(io.BytesIO(early.data)) as z:
        assert z.infolist()[0].date_time == (1980, 1, 1, 0, 0, 0)
    assert early.doc.core_properties.created == datetime(1970, 1, 1, tzinfo=UTC)
