"""Word handouts, read back with python-docx and checked on the XML Word itself reads."""

from __future__ import annotations

import copy
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
from lxml import etree
from reportlab.pdfbase.ttfonts import TTFontFile

from pipeline import faces, langs
from pipeline.export import Options, RenderError
from pipeline.export.docx import (
    FONT,
    MONO_FONT,
    STALE,
    STALE_MARK,
    TABLE_STYLE,
    TEMPLATE,
    bookmark_name,
    column_widths,
    docx,
    make_template,
    too_wide,
)
from pipeline.export.layout import (
    Callout,
    Cell,
    CodeBlock,
    Figure,
    Handout,
    Heading,
    ListBlock,
    MathBlock,
    MathSpan,
    NoteRef,
    Paragraph,
    Quote,
    Span,
    Table,
    Text,
    block_texts,
    build,
    plain,
)
from pipeline.export.ooxml import deflate, zip_bytes
from pipeline.loader import load_book
from pipeline.model import Book

ROOT = Path(__file__).resolve().parent.parent
CH14 = (ROOT / "sources", "ch14")  # the shipped chapter: a wide table, an editor's note
SHOWCASE = (ROOT / "tests" / "fixtures" / "docx", "ch05")  # every block kind and inline tag
EXAMPLE = (ROOT / "examples" / "showcase", "ch04")  # the project's own showcase of every kind
BOOKS = [(ROOT / "tests" / "fixtures" / "book2", "ch03"), CH14, SHOWCASE, EXAMPLE]
EDITIONS = [("en",), ("zh",), ("zh", "en"), ("en", "zh")]
A4, LETTER = (11906, 16838), (12240, 15840)
THEME_ATTRS = ("w:asciiTheme", "w:eastAsiaTheme", "w:hAnsiTheme", "w:cstheme")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
PKG_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
FOOTNOTES_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"
HYPERLINK_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
FOOTNOTES_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"


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

    def part(self, name: str) -> etree._Element:
        with zipfile.ZipFile(io.BytesIO(self.data)) as z:
            return etree.fromstring(z.read(name))

    def has_part(self, name: str) -> bool:
        with zipfile.ZipFile(io.BytesIO(self.data)) as z:
            return name in z.namelist()

    def rels(self, name: str = "word/_rels/document.xml.rels") -> dict[str, etree._Element]:
        return {r.get("Id"): r for r in self.part(name).iter(f"{PKG_RELS}Relationship")}

    @property
    def body(self) -> etree._Element:
        return self.doc.element.body


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


@pytest.fixture(scope="module", params=[(*SHOWCASE, e) for e in EDITIONS], ids=str)
def showcase(request: pytest.FixtureRequest, books: dict[str, Book]) -> Rendered:
    return _render_param(request, books)


@pytest.fixture(scope="module")
def fixture_en(books: dict[str, Book]) -> Handout:
    return build(books[str(BOOKS[0][0])], "ch03", ("en",))


@pytest.fixture(scope="module")
def showcase_zh(books: dict[str, Book]) -> Handout:
    return build(books[str(SHOWCASE[0])], SHOWCASE[1], ("zh",))


# -- reading helpers ---------------------------------------------------------------------------
def paragraphs(doc: DocxDocument) -> list[DocxParagraph]:
    """Every body paragraph in document order, including those inside table cells."""
    return [DocxParagraph(p, doc._body) for p in doc.element.body.iter(qn("w:p"))]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def text_of(element: etree._Element) -> str:
    """Every w:t below an element (runs inside hyperlinks included), line breaks as newlines."""
    out = []
    for e in element.iter(f"{W}t", f"{W}br", f"{W}tab", f"{W}p"):
        if e.tag == f"{W}t":
            out.append(e.text or "")
        elif e.tag == f"{W}p":
            if out:
                out.append("\n")
        elif e.getparent().tag == f"{W}r":  # not a tab stop (w:pPr/w:tabs/w:tab)
            out.append("\n" if e.tag == f"{W}br" else "\t")
    return "".join(out)


def all_text(doc: DocxDocument) -> str:
    return text_of(doc.element.body)


def runs_with(root: etree._Element, text: str) -> list[etree._Element]:
    return [r for r in root.iter(f"{W}r") if "".join(t.text or "" for t in r.iter(f"{W}t")) == text]


def prop(run: etree._Element, tag: str) -> etree._Element | None:
    rpr = run.find(f"{W}rPr")
    return None if rpr is None else rpr.find(f"{W}{tag}")


def table_style_id(table: DocxTable) -> str | None:
    """The table's w:tblStyle (``table.style`` looks up the default style, slowly, when unset)."""
    tag = table._tbl.tblPr.find(qn("w:tblStyle"))
    return None if tag is None else tag.get(qn("w:val"))


def grid_tables(doc: DocxDocument) -> list[DocxTable]:
    """The handout's tables (the side-by-side and notes tables have no style)."""
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


def tables(handout: Handout) -> list[Table]:
    return [b for b in handout.blocks if isinstance(b, Table)]


def walk(blocks: list) -> list:
    out = []
    for b in blocks:
        out.append(b)
        if isinstance(b, Callout):
            out.extend(walk(list(b.blocks)))
    return out


def lists(handout: Handout) -> list[ListBlock]:
    """Every list, nested ones included, in reading order."""

    def nested(b: ListBlock) -> list[ListBlock]:
        return [b, *(x for i in b.items if i.children for x in nested(i.children))]

    return [x for b in walk(handout.blocks) if isinstance(b, ListBlock) for x in nested(b)]


def edited(handout: Handout, text: str, **changes: object) -> Handout:
    """The handout with the first body paragraph's first text replaced."""
    blocks = list(handout.blocks)
    i = next(i for i, b in enumerate(blocks) if isinstance(b, Paragraph))
    para = blocks[i]
    assert isinstance(para, Paragraph)
    changes.setdefault("inlines", ())
    first = para.text[0].but(text=text, **changes)
    blocks[i] = para.but(text=(first, *para.text[1:]))
    return handout.but(blocks=blocks)


def num_pr(p: DocxParagraph) -> tuple[int, int] | None:
    """(numId, ilvl) of a list paragraph."""
    pr = p._p.find(f"{W}pPr/{W}numPr")
    if pr is None:
        return None
    return int(pr.find(f"{W}numId").get(f"{W}val")), int(pr.find(f"{W}ilvl").get(f"{W}val"))


# -- content -----------------------------------------------------------------------------------
def without_calls(nodes: tuple | list) -> list:
    """Inline nodes without footnote calls (Word prints those itself, or as custom marks) and
    without formulas (Word equations: test_inline_code_and_math reads them)."""
    out: list = []
    for n in nodes:
        if isinstance(n, Span):
            out.append(Span(n.tag, without_calls(n.children), n.href))
        elif not isinstance(n, (NoteRef, MathSpan)):
            out.append(n)
    return out


def uncalled(element: etree._Element) -> etree._Element:
    """A copy without the runs that call footnotes (Word's references and the printed numbers)."""
    element = copy.deepcopy(element)
    for run in list(element.iter(f"{W}r")):
        style = prop(run, "rStyle")
        if style is not None and style.get(f"{W}val") == "FootnoteReference":
            run.getparent().remove(run)
    return element


def test_every_unit_is_in_the_document(rendered: Rendered) -> None:
    text = squash(text_of(uncalled(rendered.body)))
    # a figure's alt text is the picture's description (wp:docPr/@descr), not printed text
    wp = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
    text += squash(" ".join(e.get("descr", "") for e in rendered.body.iter(f"{wp}docPr")))
    notes = squash(text_of(rendered.part("word/footnotes.xml"))) if rendered.handout.footnotes else ""
    missing = [
        t.unit
        for t in rendered.handout.texts()
        if t.unit
        and squash(plain(without_calls(t.nodes))) not in (notes if t.unit.startswith("footnotes.") else text)
    ]
    assert not missing


def test_word_styles_are_used(rendered: Rendered) -> None:
    used = {style for style, _ in rendered.styled}
    assert {"Title", "Heading 1", "Caption"} <= used
    kinds = {b.style for b in lists(rendered.handout)}
    assert ("List Bullet" in used) == bool(kinds - {"numbered"})
    assert ("List Number" in used) == ("numbered" in kinds)
    assert len(grid_tables(rendered.doc)) == len(tables(rendered.handout))


def test_headings_use_the_style_of_their_level_and_carry_their_numbers(rendered: Rendered) -> None:
    heads = {(style, p.text) for style, p in rendered.styled if style.startswith("Heading")}
    for block in rendered.handout.blocks:
        if isinstance(block, Heading):
            for text in block.text:
                wanted = f"{block.number} {text.plain}" if block.number else text.plain
                assert (f"Heading {block.level}", wanted) in heads


def test_opening_paragraphs_are_lead_paragraphs(rendered: Rendered) -> None:
    leads = [b for b in rendered.handout.blocks if isinstance(b, Paragraph) and b.role == "lead"]
    assert leads
    got = {squash(text_of(uncalled(p._p))) for p in rendered.with_style("Lead")}
    assert got == {squash(plain(without_calls(t.nodes))) for b in leads for t in b.text}


def test_showcase_has_four_heading_levels(showcase: Rendered) -> None:
    used = {style for style, _ in showcase.styled}
    assert {"Heading 1", "Heading 2", "Heading 3", "Heading 4"} <= used


# -- lists -------------------------------------------------------------------------------------
def test_list_items_are_word_list_paragraphs(rendered: Rendered) -> None:
    items = rendered.with_style("List Bullet") + rendered.with_style("List Number")
    wanted = sum(len(item.text) for b in lists(rendered.handout) for item in b.items)
    assert len(items) == wanted > 0  # one paragraph per language of each item
    assert all(num_pr(p) is not None for p in items)


def test_numbering_part_defines_the_lists(rendered: Rendered) -> None:
    numbering = rendered.part("word/numbering.xml")
    abstract = {a.get(f"{W}abstractNumId"): a for a in numbering.iter(f"{W}abstractNum")}
    nums = {int(n.get(f"{W}numId")): n for n in numbering.iter(f"{W}num")}
    for _, p in rendered.styled:
        pr = num_pr(p)
        if pr is None:
            continue
        num = nums[pr[0]]
        lvl = abstract[num.find(f"{W}abstractNumId").get(f"{W}val")].find(f"{W}lvl[@{W}ilvl='{pr[1]}']")
        fmt = lvl.find(f"{W}numFmt").get(f"{W}val")
        mark = lvl.find(f"{W}lvlText").get(f"{W}val")
        if p._p.style == "ListNumber":
            assert (fmt, mark) == ("decimal", f"%{pr[1] + 1}.")
            starts = num.findall(f"{W}lvlOverride/{W}startOverride")
            assert starts and all(s.get(f"{W}val") == "1" for s in starts)
        else:
            assert fmt == "bullet" and mark


def test_each_list_and_language_is_a_list_of_its_own(showcase: Rendered) -> None:
    """Two numbered lists in a row each start at 1: they do not share a w:num; nor do the two
    languages of a bilingual list, nor a nested list and its parent."""
    numbered = [num_pr(p) for p in showcase.with_style("List Number")]
    handout = [b for b in lists(showcase.handout) if b.style == "numbered"]
    n_langs = len(showcase.handout.langs)
    assert len({num for num, _ in numbered}) == len(handout) * n_langs
    nested = [num_pr(p) for p in showcase.with_style("List Bullet") if num_pr(p)[1] == 1]
    assert nested and not {n for n, _ in nested} & {n for n, _ in numbered}


def test_pros_and_cons_are_marked_by_their_lists(rendered: Rendered) -> None:
    numbering = rendered.part("word/numbering.xml")
    marks = {
        a.get(f"{W}abstractNumId"): a.find(f"{W}lvl/{W}lvlText").get(f"{W}val")
        for a in numbering.iter(f"{W}abstractNum")
    }
    nums = {
        n.get(f"{W}numId"): marks[n.find(f"{W}abstractNumId").get(f"{W}val")]
        for n in numbering.iter(f"{W}num")
    }
    used = {nums[str(num_pr(p)[0])] for p in rendered.with_style("List Bullet")}
    styles = {b.style for b in lists(rendered.handout)}
    assert ("✓" in used) == ("pros" in styles)
    assert ("✗" in used) == ("cons" in styles)
    titles = {t.plain for b in lists(rendered.handout) for t in b.title or ()}
    assert titles <= {p.text for p in rendered.with_style("List Title")}


# -- inline formatting -------------------------------------------------------------------------
def _spans(nodes: tuple | list, tag: str) -> list[str]:
    out = []
    for n in nodes:
        if isinstance(n, Span):
            if n.tag == tag:
                out.append("".join(c for c in n.children if isinstance(c, str)))
            out += _spans(n.children, tag)
    return out


@pytest.mark.parametrize(
    ("tag", "element", "value"),
    [
        ("b", "b", None),
        ("i", "i", None),
        ("sub", "vertAlign", "subscript"),
        ("sup", "vertAlign", "superscript"),
    ],
)
def test_inline_formatting_is_run_formatting(
    showcase: Rendered, tag: str, element: str, value: str | None
) -> None:
    words = [w for t in showcase.handout.texts() for w in _spans(t.nodes, tag)]
    assert words
    for word in words:
        found = [prop(r, element) for r in runs_with(showcase.body, word)]
        assert any(f is not None and (value is None or f.get(f"{W}val") == value) for f in found), word


def test_italic_leaves_east_asian_characters_upright(showcase: Rendered) -> None:
    """<i>池化</i> in Chinese, <i>pooling</i> in English: only the Latin word is slanted."""
    for word in ("池化", "pooling"):
        runs = runs_with(showcase.body, word)
        if runs:
            assert all(
                (prop(r, "i") is not None and prop(r, "i").get(f"{W}val") != "0") == (word == "pooling")
                for r in runs
            )
    mixed = edited(showcase.handout, "x", inlines=(Span("i", ["Science 科学 Nature"]),))
    body = render(mixed).body
    assert prop(runs_with(body, "科学")[0], "i").get(f"{W}val") == "0"
    assert prop(runs_with(body, "Science ")[0], "i").get(f"{W}val") is None  # on


def test_external_links_are_hyperlinks(showcase: Rendered) -> None:
    rels = showcase.rels()
    links = showcase.body.findall(f".//{W}hyperlink[@{R_ID}]")
    targets = {rels[link.get(R_ID)].get("Target") for link in links}
    assert {"https://example.org/conv", "https://example.org/sizes"} <= targets
    assert all(rels[link.get(R_ID)].get("TargetMode") == "External" for link in links)
    docs = next(link for link in links if rels[link.get(R_ID)].get("Target") == "https://example.org/conv")
    assert text_of(docs) in {"官方文档", "the documentation"}
    assert all(prop(r, "rStyle").get(f"{W}val") == "Hyperlink" for r in docs.iter(f"{W}r"))


def test_cross_references_link_to_bookmarks(showcase: Rendered) -> None:
    marks = {b.get(f"{W}name"): b for b in showcase.body.iter(f"{W}bookmarkStart")}
    links = showcase.body.findall(f".//{W}hyperlink[@{W}anchor]")
    assert len(links) == 2 * len(showcase.handout.langs)  # a table and a section, in each language
    for link in links:
        assert link.get(f"{W}anchor") in marks
    table = tables(showcase.handout)[0]
    caption = marks[bookmark_name(table.anchor)].getparent()
    assert caption.find(f"{W}pPr/{W}pStyle").get(f"{W}val") == "Caption"
    assert {text_of(link) for link in links} >= {t.plain for t in table.label}


def test_inline_code_and_math(showcase: Rendered) -> None:
    code = runs_with(showcase.body, "np.convolve")
    assert code and all(prop(r, "rStyle").get(f"{W}val") == "VerbatimChar" for r in code)
    verbatim = showcase.doc.styles.get_by_id("VerbatimChar", WD_STYLE_TYPE.CHARACTER)
    assert verbatim.font.name == MONO_FONT
    assert verbatim.element.rPr.rFonts.get(qn("w:eastAsia")) == FONT
    # inline math is a Word equation (m:oMath) inside the paragraph, not its TeX source
    assert not runs_with(showcase.body, r"y = \sum_i w_i x_i")
    m = "{http://schemas.openxmlformats.org/officeDocument/2006/math}"
    inline_math = [e for e in showcase.body.iter(f"{m}oMath") if e.getparent().tag == f"{W}p"]
    assert inline_math
    texts = ["".join(t.text or "" for t in e.iter(f"{m}t")) for e in inline_math]
    assert any(t.startswith("y=") and "w" in t and "x" in t for t in texts), texts


def test_markup_characters_print_literally(fixture_en: Handout) -> None:
    text = '<b>&amp;</b> & "quotes" <w:t> ]]>'
    assert text in all_text(render(edited(fixture_en, text)).doc)


# -- footnotes ---------------------------------------------------------------------------------
def test_footnotes_are_word_footnotes(showcase: Rendered) -> None:
    assert showcase.handout.footnotes
    rels = showcase.rels()
    (rel,) = [r for r in rels.values() if r.get("Type") == FOOTNOTES_TYPE]
    assert rel.get("Target") == "footnotes.xml"
    types = showcase.part("[Content_Types].xml")
    overrides = {o.get("PartName"): o.get("ContentType") for o in types}
    assert overrides["/word/footnotes.xml"] == FOOTNOTES_CT
    notes = showcase.part("word/footnotes.xml")
    footnotes = notes.findall(f"{W}footnote")
    assert [(n.get(f"{W}id"), n.get(f"{W}type")) for n in footnotes[:2]] == [
        ("-1", "separator"),
        ("0", "continuationSeparator"),
    ]
    body = {int(n.get(f"{W}id")): n for n in footnotes[2:]}
    calls = showcase.body.findall(f".//{W}footnoteReference")
    assert (
        [int(c.get(f"{W}id")) for c in calls]
        == sorted(body)
        == list(range(1, 1 + len(showcase.handout.footnotes)))
    )
    for call in calls:
        assert prop(call.getparent(), "rStyle").get(f"{W}val") == "FootnoteReference"
    for note, number in zip(showcase.handout.footnotes, sorted(body), strict=True):
        paras = body[number].findall(f"{W}p")
        assert [squash(text_of(p)) for p in paras] == [squash(t.plain) for t in note.text]  # every language
        assert all(p.find(f"{W}pPr/{W}pStyle").get(f"{W}val") == "FootnoteText" for p in paras)
        assert paras[0].find(f"{W}r/{W}footnoteRef") is not None  # Word prints the note's number
    styles = {s.style_id for s in showcase.doc.styles}
    assert {"FootnoteText", "FootnoteReference"} <= styles
    settings = showcase.part("word/settings.xml")
    assert [f.get(f"{W}id") for f in settings.findall(f"{W}footnotePr/{W}footnote")] == ["-1", "0"]


def test_footnote_numbers_match_the_handout(showcase: Rendered) -> None:
    """Word numbers the notes in the order of their first calls, which is the handout's order;
    the other language's calls print the same numbers in the same superscript style."""
    calls = showcase.body.findall(f".//{W}footnoteReference")
    assert not any(c.get(f"{W}customMarkFollows") for c in calls)
    numbers = [n.number for t in showcase.handout.texts() if t.unit and not t.unit.startswith("footnotes.")
               for n in _refs(t.nodes)]  # fmt: skip
    assert list(dict.fromkeys(numbers)) == list(range(1, len(calls) + 1))
    plain = [
        text_of(r)
        for r in showcase.body.iter(f"{W}r")
        if prop(r, "rStyle") is not None
        and prop(r, "rStyle").get(f"{W}val") == "FootnoteReference"
        and r.find(f"{W}footnoteReference") is None
    ]
    printed = [int(c.get(f"{W}id")) for c in calls] + [int(x) for x in plain]  # Word prints note k as k
    assert sorted(printed) == sorted(numbers)


def test_notes_called_out_of_order_keep_the_handouts_numbers(showcase_zh: Handout) -> None:
    """Word would number the first note it meets 1: a note 2 called first prints its own mark."""
    handout = edited(showcase_zh, "x", inlines=("见", NoteRef(2, "fn-second", "footnotes.second"), "。"))
    body = render(handout).body
    calls = body.findall(f".//{W}footnoteReference")
    assert calls and all(c.get(f"{W}customMarkFollows") == "1" for c in calls)
    assert text_of(calls[0].getparent()) == "2"


def _refs(nodes: tuple | list) -> list[NoteRef]:
    out = []
    for n in nodes:
        if isinstance(n, NoteRef):
            out.append(n)
        elif isinstance(n, Span):
            out += _refs(n.children)
    return out


def test_links_inside_footnotes_are_related_from_the_footnotes_part(showcase: Rendered) -> None:
    rels = showcase.rels("word/_rels/footnotes.xml.rels")
    links = showcase.part("word/footnotes.xml").findall(f".//{W}hyperlink")
    assert links and {rels[link.get(R_ID)].get("Target") for link in links} == {"https://example.org/fn"}


def test_no_footnotes_part_without_footnotes(fixture_en: Handout) -> None:
    out = render(fixture_en)
    assert not fixture_en.footnotes and not out.has_part("word/footnotes.xml")


# -- code, callouts, quotes --------------------------------------------------------------------
def test_code_keeps_every_line_and_space_once(showcase: Rendered) -> None:
    (block,) = [b for b in showcase.handout.blocks if isinstance(b, CodeBlock)]
    (p,) = showcase.with_style("Source Code")  # once, also in a bilingual handout
    assert text_of(p._p) == block.code.rstrip("\n")
    assert p._p.find(f".//{W}t[@{{http://www.w3.org/XML/1998/namespace}}space='preserve']") is not None
    style = showcase.doc.styles["Source Code"]
    assert style.font.name == MONO_FONT
    assert style.element.rPr.rFonts.get(qn("w:eastAsia")) == FONT  # for Chinese comments
    assert p._p.getparent().tag == f"{W}body"  # across the page, not in a language column


def test_callouts_are_boxed_with_their_label(showcase: Rendered) -> None:
    """A callout is a one-row table, a cell per language, shaded with a rule on its left;
    its label, paragraphs and lists are inside."""
    callouts = [b for b in showcase.handout.blocks if isinstance(b, Callout)]
    labels = showcase.with_style("Callout Label")
    assert {p.text.split("：")[0].split(":")[0] for p in labels} == {
        t.plain for c in callouts for t in c.label
    }
    inner = showcase.with_style("Callout Text")
    assert len(inner) == sum(len(b.text) for c in callouts for b in c.blocks if isinstance(b, Paragraph))
    tip_list = [
        p for p in showcase.with_style("List Bullet") if p._p.getparent().find(f"{W}tcPr/{W}shd") is not None
    ]
    boxes = []
    for p in labels + inner + tip_list:
        cell = p._p.getparent()
        assert cell.tag == f"{W}tc"
        assert cell.find(f"{W}tcPr/{W}shd").get(f"{W}fill")
        assert cell.find(f"{W}tcPr/{W}tcBorders/{W}left").get(f"{W}val") == "single"
        boxes.append(cell.getparent().getparent())
    assert len({id(b) for b in boxes}) == len(callouts)
    assert len(tip_list) == len(showcase.handout.langs)  # the list inside the tip
    assert all(len(b.findall(f"{W}tr/{W}tc")) == len(showcase.handout.langs) for b in boxes)


def test_quotes_use_the_quote_style_with_their_attribution(showcase: Rendered) -> None:
    (quote,) = [b for b in showcase.handout.blocks if isinstance(b, Quote)]
    assert {p.text for p in showcase.with_style("Quote")} == {t.plain for t in quote.text}
    assert {p.text for p in showcase.with_style("Quote Attribution")} == {
        f"— {t.plain}" for t in quote.attribution or ()
    }
    for p, text in zip(showcase.with_style("Quote"), quote.text, strict=True):  # no slanted Han characters
        italic = {prop(r, "i") is not None for r in p._p.iter(f"{W}r")}
        assert italic == {not langs.get(text.lang).cjk}
    assert not showcase.doc.styles["Quote"].font.italic


# -- tables ------------------------------------------------------------------------------------
def test_table_captions_carry_their_label(rendered: Rendered) -> None:
    captions = {p.text for p in rendered.with_style("Caption")}
    for table in tables(rendered.handout):
        for text in table.caption:
            label = next((t.plain for t in table.label or () if t.lang == text.lang), None)
            assert any(text.plain in c and (label is None or label in c) for c in captions)


def test_tables_have_alt_text(rendered: Rendered) -> None:
    for table, grid in zip(tables(rendered.handout), grid_tables(rendered.doc), strict=True):
        alt = grid._tbl.tblPr.find(f"{W}tblCaption").get(f"{W}val")
        assert all(t.plain in alt for t in table.caption)
        assert table.label is None or table.label[0].plain in alt


def test_table_cells_stack_both_languages(rendered: Rendered) -> None:
    for table, grid in zip(tables(rendered.handout), grid_tables(rendered.doc), strict=True):
        assert len(grid.rows) == 1 + len(table.rows)
        assert len(grid.columns) == len(table.header)
        for row, cells in zip(grid.rows[1:], table.rows, strict=True):
            for got, cell in zip(row.cells, cells, strict=True):
                for t in cell.text:
                    assert t.plain in got.text
                if cell.note:
                    sup = [r for r in got._tc.iter(f"{W}r") if prop(r, "vertAlign") is not None]
                    assert [text_of(r) for r in sup] == [cell.note]
                    assert sup[0].find(f"{W}rPr/{W}vertAlign").get(f"{W}val") == "superscript"


def test_tables_look_like_the_pdf(rendered: Rendered) -> None:
    """Shaded header row, light zebra rows, bold row headers, thin rules."""
    for table, grid in zip(tables(rendered.handout), grid_tables(rendered.doc), strict=True):
        fills = [
            {(tc.find(f"{W}tcPr/{W}shd") if tc.find(f"{W}tcPr/{W}shd") is not None else etree.Element("x")).get(f"{W}fill")
             for tc in row._tr.iter(f"{W}tc")}
            for row in grid.rows
        ]  # fmt: skip
        assert fills[0] == {"E2E9F1"}
        assert all(f == {None} for f in fills[1::2]) and all(f == {"F4F6F9"} for f in fills[2::2])
        for row, cells in zip(grid.rows[1:], table.rows, strict=True):
            for got, cell in zip(row.cells, cells, strict=True):
                wanted = "TableHeading" if cell.kind == "rowhead" else "TableText"
                assert got.paragraphs[0]._p.style == wanted
        assert table.row_header == any(c.kind == "rowhead" for r in table.rows for c in r)
        look = grid._tbl.tblPr.find(f"{W}tblLook")
        assert look.get(f"{W}firstColumn") == ("1" if table.row_header else "0")
        assert int(look.get(f"{W}val"), 16) & 0x80 == (0x80 if table.row_header else 0)  # the same, as a mask
    style = rendered.doc.styles[TABLE_STYLE].element
    borders = style.find(f"{W}tblPr/{W}tblBorders")
    assert {b.get(f"{W}sz") for b in borders} == {"4"}  # half a point
    assert rendered.doc.styles["Table Heading"].font.bold
    for table, grid in zip(tables(rendered.handout), grid_tables(rendered.doc), strict=True):
        for cell, got in zip(table.header, grid.rows[0].cells, strict=True):  # bold: the first language only
            for i, text in enumerate(cell.text):
                (run,) = runs_with(got._tc, text.plain)
                assert (prop(run, "b") is None) == (i == 0)  # the first inherits the style's bold


def test_table_text_is_at_least_7pt(rendered: Rendered) -> None:
    sizes = {s.style_id: s.font.size for s in rendered.doc.styles if s.type == WD_STYLE_TYPE.PARAGRAPH}
    for table in grid_tables(rendered.doc):
        for row in table.rows:
            for cell in row.cells:
                for p in cell.paragraphs:
                    assert sizes[p._p.style].pt >= 7
                    assert all(r.font.size is None or r.font.size.pt >= 7 for r in p.runs)


def test_tables_repeat_their_header_row_and_keep_rows_whole(rendered: Rendered) -> None:
    for table in grid_tables(rendered.doc):
        first = table.rows[0]._tr.trPr
        assert first.find(qn("w:tblHeader")) is not None
        for row in table.rows:
            assert row._tr.trPr.find(qn("w:cantSplit")) is not None
        # a short table keeps together (every row with the next); a long one may break
        kept = [
            all(p._p.find(f"{W}pPr/{W}keepNext") is not None for p in row.cells[0].paragraphs)
            for row in table.rows
        ]
        short = len(table.rows) <= 12
        assert kept == [short] * (len(table.rows) - 1) + [False]


def test_bilingual_units_sit_side_by_side(rendered: Rendered) -> None:
    if not rendered.handout.bilingual:
        return
    rows = [
        [squash(text_of(uncalled(c._tc))) for c in row.cells]
        for t in rendered.doc.tables
        if table_style_id(t) is None
        for row in t.rows
        if len(row.cells) == 2
    ]
    found = [b for b in walk(rendered.handout.blocks) if isinstance(b, Paragraph) and len(b.text) == 2]
    assert found
    for block in found:
        first, second = (squash(plain(without_calls(t.nodes))) for t in block.text)
        assert any(first in a and second in b for a, b in rows), block.text[0].unit


# -- fonts and languages -----------------------------------------------------------------------
def test_styles_name_the_east_asian_font(rendered: Rendered) -> None:
    styles = rendered.doc.styles
    for name in ("Normal", "Title", "Heading 1", "Heading 4", "List Bullet", "Caption", "Quote", "Footer"):
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
    for run in rendered.body.iter(f"{W}r"):
        lang = prop(run, "lang")
        if lang is not None:
            tagged.setdefault(text_of(run), set()).add((lang.get(f"{W}val"), lang.get(f"{W}eastAsia")))
    checked = 0
    for text in rendered.handout.texts():
        if not text.unit or text.plain not in tagged:
            continue
        checked += 1
        language = langs.get(text.lang)
        if language.cjk:
            assert any(ea == language.bcp47 for _, ea in tagged[text.plain]), text.unit
        else:
            assert any(val == language.bcp47 for val, _ in tagged[text.plain]), text.unit
    assert checked


# -- figures and formulas -----------------------------------------------------------------------
FIGURES = ROOT / "tests" / "fixtures" / "figures"  # an SVG per language, a shared PNG, two formulas
SVG_CT = "image/svg+xml"
M = "{http://schemas.openxmlformats.org/officeDocument/2006/math}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"


@pytest.fixture(scope="module", params=[("zh",), ("zh", "en")], ids=str)
def figures(request: pytest.FixtureRequest) -> Rendered:
    return render(build(load_book(str(FIGURES)), "ch05", request.param))


def test_figures_are_pictures_with_alt_text_and_a_caption(figures: Rendered) -> None:
    blocks = [b for b in figures.handout.blocks if isinstance(b, Figure)]
    assert blocks
    inlines = figures.body.findall(f".//{WP}inline")
    wanted = []
    for b in blocks:  # a picture per language when they differ; one shared picture has every language's alt
        once = b.shared or not figures.handout.bilingual
        wanted += [" / ".join(t.plain for t in b.alt)] if once else [t.plain for t in b.alt]
    assert [i.find(f"{WP}docPr").get("descr") for i in inlines] == wanted
    captions = figures.with_style("Image Caption")
    marks = {b.get(f"{W}name"): b for b in figures.body.iter(f"{W}bookmarkStart")}
    for block, caption in zip(blocks, captions, strict=True):
        assert all(t.plain in caption.text for t in (*block.label, *block.caption))
        assert marks[bookmark_name(block.anchor)].getparent() is caption._p


def test_svg_figures_carry_the_svg_beside_a_png(figures: Rendered) -> None:
    rels = figures.rels()
    overrides = {o.get("PartName"): o.get("ContentType") for o in figures.part("[Content_Types].xml")}
    svgs = 0
    for blip in figures.body.iter(f"{A}blip"):
        png = rels[blip.get(R_ID.replace("id", "embed"))].get("Target")
        assert png.endswith(".png")
        vector = blip.find(
            f"{A}extLst/{A}ext/{{http://schemas.microsoft.com/office/drawing/2016/SVG/main}}svgBlip"
        )
        if vector is not None:
            target = rels[vector.get(R_ID.replace("id", "embed"))].get("Target")
            assert overrides[f"/word/{target}"] == SVG_CT
            with zipfile.ZipFile(io.BytesIO(figures.data)) as z:
                assert z.read(f"word/{target}").lstrip().startswith(b"<")
            svgs += 1
    langs_shown = len(figures.handout.langs)
    assert svgs == langs_shown  # the sliding-window figure has an SVG per language
    if not figures.handout.bilingual:  # room enough: the SVG's own size, 380 × 160 CSS pixels
        extent = figures.body.find(f".//{WP}inline/{WP}extent")
        assert (int(extent.get("cx")), int(extent.get("cy"))) == (380 * 9525, 160 * 9525)


def test_formulas_are_word_equations_with_their_numbers(figures: Rendered) -> None:
    blocks = [b for b in figures.handout.blocks if isinstance(b, MathBlock)]
    paragraphs = figures.with_style("Equation")
    assert len(paragraphs) == len(blocks) == 2  # once, also in a bilingual handout
    marks = {b.get(f"{W}name") for b in figures.body.iter(f"{W}bookmarkStart")}
    for block, p in zip(blocks, paragraphs, strict=True):
        assert p._p.find(f"{M}oMath") is not None
        assert text_of(p._p).rstrip().endswith(f"({block.number})") == bool(block.number)
        assert bookmark_name(block.anchor) in marks
    links = {link.get(f"{W}anchor") for link in figures.body.iter(f"{W}hyperlink")}
    assert {bookmark_name("eq-conv"), bookmark_name("fig-sliding"), bookmark_name("fig-map")} <= links


def test_figures_are_reproducible(figures: Rendered) -> None:
    assert docx(figures.handout, Options()) == figures.data


# -- embedded fonts ----------------------------------------------------------------------------
FONT_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/font"
OBFUSCATED = "application/vnd.openxmlformats-officedocument.obfuscatedFont"
GUID = re.compile(r"\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\}")


def deobfuscate(data: bytes, key: str) -> bytes:
    """ECMA-376 Part 1, 17.8.1: the key's bytes are its hex digits from the last pair to the first;
    the first 32 bytes of the font were XORed with them, twice over."""
    digits = key.strip("{}").replace("-", "")
    mask = [int(digits[i : i + 2], 16) for i in range(30, -2, -2)]
    return bytes(b ^ mask[i % 16] for i, b in enumerate(data[:32])) + data[32:]


@functools.cache
def original(face: str) -> TTFontFile:
    return TTFontFile(str(ROOT / "pipeline" / "fonts" / f"NotoSansSC-{face}.ttf"))


def test_fonts_are_embedded_as_word_does(rendered: Rendered) -> None:
    table = rendered.part("word/fontTable.xml")
    rels = rendered.rels("word/_rels/fontTable.xml.rels")
    overrides = {o.get("PartName"): o.get("ContentType") for o in rendered.part("[Content_Types].xml")}
    font = table.find(f"{W}font[@{W}name='{FONT}']")
    assert font.find(f"{W}altName").get(f"{W}val") == "Microsoft YaHei"
    furniture = rendered.handout.running_title + rendered.handout.page_label(0, 0) + rendered.handout.short_credit
    printed = set(all_text(rendered.doc) + furniture)
    if rendered.handout.footnotes:
        printed |= set(text_of(rendered.part("word/footnotes.xml")))
    marks = {c for lvl in rendered.part("word/numbering.xml").iter(f"{W}lvlText") for c in lvl.get(f"{W}val")}
    printed -= {"\n", "\t"}
    keys = set()
    for tag, face in (("embedRegular", "Regular"), ("embedBold", "Bold")):
        embed = font.find(f"{W}{tag}")
        rel = rels[embed.get(R_ID)]
        assert rel.get("Type") == FONT_TYPE
        name = f"word/{rel.get('Target')}"
        assert name.startswith("word/fonts/") and overrides[f"/{name}"] == OBFUSCATED
        key = embed.get(f"{W}fontKey")
        assert GUID.fullmatch(key)
        keys.add(key)
        with zipfile.ZipFile(io.BytesIO(rendered.data)) as z:
            data = z.read(name)
        assert len(data) < 1_500_000  # a subset: the whole face is 10 MB
        assert data[:4] != b"\x00\x01\x00\x00"  # obfuscated
        subset = TTFontFile(io.BytesIO(deobfuscate(data, key)), validate=1)  # checksums too
        assert subset.name == original(face).name
        for char in printed:  # every printed character the face has, with its own glyph's width
            if ord(char) in original(face).charToGlyph:
                assert subset.charWidths[ord(char)] == original(face).charWidths[ord(char)], char
        # and nothing else (ReportLab's parser adds U+00A0 as a copy of the space)
        mapped = {code for code, glyph in subset.charToGlyph.items() if glyph}  # 0xFFFF: to glyph 0
        assert mapped - {0xA0} <= {ord(c) for c in printed | marks | set("0123456789")}
    assert len(keys) == 2
    assert rendered.part("word/settings.xml").find(f"{W}embedTrueTypeFonts") is not None


def test_each_east_asian_language_gets_its_regional_face(fixture_en: Handout) -> None:
    """Japanese text (here a stand-in in an English handout) names Noto Sans JP in its East Asian
    slot, with Word's fallback for it; it is embedded when the face is installed."""
    out = render(edited(fixture_en, "日本語の文章です。", lang="ja"))
    (run,) = runs_with(out.body, "日本語の文章です。")
    assert prop(run, "rFonts").get(f"{W}eastAsia") == "Noto Sans JP"
    assert prop(run, "lang").get(f"{W}eastAsia") == "ja-JP"
    table = out.part("word/fontTable.xml")
    jp = table.find(f"{W}font[@{W}name='Noto Sans JP']")
    assert jp.find(f"{W}altName").get(f"{W}val") == "Yu Gothic"
    assert jp.find(f"{W}charset").get(f"{W}val") == "80"
    assert (jp.find(f"{W}embedRegular") is not None) == faces.fetched("jp")
    english = runs_with(out.body, fixture_en.title.title[0].plain)
    assert english and all(
        prop(r, "rFonts") is None or prop(r, "rFonts").get(f"{W}eastAsia") is None for r in english
    )


DEJAVU = str(ROOT / "pipeline" / "fonts" / "DejaVuSans.ttf")


def embedded_families(out: Rendered) -> set[str]:
    table = out.part("word/fontTable.xml")
    return {f.get(f"{W}name") for f in table.iter(f"{W}font") if f.find(f"{W}embedRegular") is not None}


def test_a_font_given_for_the_handout_sets_every_language(fixture_en: Handout) -> None:
    """--font, as in the PDF: the given file's family in every slot, embedded instead of Noto."""
    out = render(fixture_en, Options(font=DEJAVU))
    fonts = out.doc.styles["Normal"].element.rPr.rFonts
    assert (fonts.get(qn("w:ascii")), fonts.get(qn("w:eastAsia"))) == ("DejaVu Sans", "DejaVu Sans")
    assert embedded_families(out) == {"DejaVu Sans"}


def test_the_books_font_for_a_language_sets_its_runs(books: dict[str, Book]) -> None:
    """book.yaml fonts: for English only: English runs name it, Chinese ones keep the default."""
    handout = build(books[str(SHOWCASE[0])], SHOWCASE[1], ("zh", "en"))
    out = render(handout.but(fonts={"en": (DEJAVU, None)}))
    para = next(b for b in handout.blocks if isinstance(b, Paragraph))
    zh, en = (runs_with(out.body, t.nodes[0]) for t in para.text)
    assert zh and all(prop(r, "rFonts").get(f"{W}ascii") is None for r in zh)
    assert en and all(prop(r, "rFonts").get(f"{W}ascii") == "DejaVu Sans" for r in en)
    assert embedded_families(out) == {FONT, "DejaVu Sans"}


# -- pages -------------------------------------------------------------------------------------
def test_pages_are_a4_and_only_wide_tables_are_landscape(rendered: Rendered) -> None:
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
    assert sections[0].orientation == WD_ORIENT.PORTRAIT
    portrait = A4[0] - 2 * 1134
    for table, grid in zip(tables(rendered.handout), grid_tables(doc), strict=True):
        holder = next(i for i, g in enumerate(groups) if grid._tbl in g)
        wide = sections[holder].orientation == WD_ORIENT.LANDSCAPE
        assert wide == too_wide(table, portrait)
    landscape = sum(s.orientation == WD_ORIENT.LANDSCAPE for s in sections)
    assert landscape == sum(too_wide(t, portrait) for t in tables(rendered.handout))


def test_the_shipped_table_is_too_wide_and_the_small_ones_fit(books: dict[str, Book]) -> None:
    portrait = A4[0] - 2 * 1134
    for codes in EDITIONS:
        assert too_wide(tables(build(books[str(CH14[0])], CH14[1], codes))[0], portrait)
        assert not too_wide(tables(build(books[str(SHOWCASE[0])], SHOWCASE[1], codes))[0], portrait)


def test_a_widened_table_gets_a_landscape_section(showcase_zh: Handout) -> None:
    blocks = list(showcase_zh.blocks)
    i = next(i for i, b in enumerate(blocks) if isinstance(b, Table))
    table = blocks[i]
    assert isinstance(table, Table)
    wide = Cell((Text("zh", "一个很长的列标题用来撑宽表格"),), kind="header")
    cell = Cell((Text("zh", "Supercalifragilisticexpialidocious"),))
    blocks[i] = table.but(header=table.header + (wide,) * 6, rows=tuple(r + (cell,) * 6 for r in table.rows)
    )
    doc = render(showcase_zh.but(blocks=blocks)).doc
    orientations = [s.orientation for s in doc.sections]
    assert orientations == [WD_ORIENT.PORTRAIT, WD_ORIENT.LANDSCAPE, WD_ORIENT.PORTRAIT]
    groups = section_elements(doc)
    assert grid_tables(doc)[0]._tbl in groups[1]


def test_letter_paper(fixture_en: Handout) -> None:
    doc = render(fixture_en, Options(paper="letter")).doc
    for section in doc.sections:
        wanted = LETTER if section.orientation == WD_ORIENT.PORTRAIT else LETTER[::-1]
        assert size(section) == wanted


def test_column_widths_fill_the_text_width(rendered: Rendered) -> None:
    for table, grid in zip(tables(rendered.handout), grid_tables(rendered.doc), strict=True):
        width = (A4[1] if too_wide(table, A4[0] - 2 * 1134) else A4[0]) - 2 * 1134
        widths = column_widths(table, width)
        assert sum(widths) == width
        assert min(widths) > 400
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
    footer = [p.text for p in rendered.doc.sections[0].footer.paragraphs]
    assert footer[-1] == rendered.handout.page_label(1, 1)  # both fields show 1 until Word counts
    assert footer[:-1] == ([rendered.handout.short_credit] if rendered.handout.short_credit else [])


# -- marks, errors -----------------------------------------------------------------------------
def test_stale_translation_is_marked(fixture_en: Handout) -> None:
    out = render(edited(fixture_en, "An outdated sentence.", stale=True))
    (run,) = runs_with(out.body, "An outdated sentence.")
    assert prop(run, "color").get(f"{W}val") == STALE
    assert "An outdated sentence. " + STALE_MARK in all_text(out.doc)


def test_editor_callout_is_slanted_only_in_latin_text(books: dict[str, Book]) -> None:
    for codes in (("zh",), ("en",)):
        out = render(build(books[str(CH14[0])], CH14[1], codes))
        inner = out.with_style("Callout Text")
        assert inner
        italic = {prop(r, "i") is not None for p in inner for r in p._p.iter(f"{W}r")}
        assert italic == {codes == ("en",)}


def test_control_characters_are_a_render_error(fixture_en: Handout) -> None:
    with pytest.raises(RenderError) as caught:
        docx(edited(fixture_en, "bell\x07"), Options())
    (problem,) = caught.value.problems
    assert problem.field == "purpose"
    assert "U+0007" in problem.message


def test_control_characters_in_code_are_a_render_error(showcase_zh: Handout) -> None:
    blocks = [
        b.but(code="x = 1\x0b") if isinstance(b, CodeBlock) else b
        for b in showcase_zh.blocks
    ]
    with pytest.raises(RenderError, match=r"U\+000B"):
        docx(showcase_zh.but(blocks=blocks), Options())


def test_block_texts_of_the_showcase_cover_every_kind(showcase_zh: Handout) -> None:
    """The fixture keeps its promise: every block kind is there (or the tests above prove less)."""
    kinds = {type(b) for b in walk(showcase_zh.blocks)}
    assert {Heading, Paragraph, ListBlock, Table, Callout, Quote, CodeBlock} <= kinds
    assert {b.style for b in lists(showcase_zh)} == {"bullet", "numbered", "pros", "cons"}
    assert all(block_texts(b) or isinstance(b, CodeBlock) for b in showcase_zh.blocks)


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


def test_only_the_table_styles_in_use_are_defined(rendered: Rendered) -> None:
    """The default template's 100 Word 2010 table styles (300 KB) are not carried along."""
    defined = [s for s in rendered.doc.styles if s.type == WD_STYLE_TYPE.TABLE]
    assert sorted(s.name for s in defined) == ["Handout Table", "Normal Table"]
    used = {e.get(qn("w:val")) for e in rendered.doc.element.body.iter(qn("w:tblStyle"))}
    assert used <= {s.style_id for s in defined}


def test_the_shipped_template_is_what_the_code_makes() -> None:
    """pipeline/export/template.docx holds the styles template_styles() makes: after changing
    them, `make template` writes it again."""
    assert Path(TEMPLATE).read_bytes() == make_template(), "out of date: run `make template`"


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


ZIP_ENTRIES = [
    ("[Content_Types].xml", b"<Types/>" * 300),
    ("word/fonts/font1.odttf", bytes(range(256)) * 40),
    ("word/m\u00e9dia/\u56fe.xml", "<p>\u56fe</p>".encode()),  # a name that is not ASCII
    ("empty.xml", b""),
]


@pytest.mark.parametrize("stamp", [datetime(2026, 11, 28, 13, 45, 59), datetime(1980, 1, 1)])
def test_the_zip_writer_writes_what_zipfile_writes(stamp: datetime) -> None:
    """The package is zipped by ooxml.zip_bytes (so that cached font parts go in compressed):
    byte for byte what the zipfile module makes of the same entries, and read back whole."""
    theirs = io.BytesIO()
    with zipfile.ZipFile(theirs, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in ZIP_ENTRIES:
            entry = zipfile.ZipInfo(name, date_time=stamp.timetuple()[:6])
            entry.compress_type, entry.create_system = zipfile.ZIP_DEFLATED, 0
            z.writestr(entry, data)
    ours = zip_bytes(ZIP_ENTRIES, stamp, {})
    assert ours == theirs.getvalue()
    with zipfile.ZipFile(io.BytesIO(ours)) as z:
        assert z.testzip() is None
        assert [(i.filename, z.read(i)) for i in z.infolist()] == ZIP_ENTRIES
        even = stamp.replace(second=stamp.second // 2 * 2)  # a zip header counts seconds in twos
        assert {i.date_time for i in z.infolist()} == {even.timetuple()[:6]}


def test_the_zip_writer_takes_entries_compressed_already() -> None:
    name, data = ZIP_ENTRIES[1]
    assert zip_bytes(ZIP_ENTRIES, datetime(2026, 1, 1), {name: deflate(data)}) == zip_bytes(
        ZIP_ENTRIES, datetime(2026, 1, 1), {}
    )
    crc, stream = deflate(data)
    bad = zip_bytes(ZIP_ENTRIES, datetime(2026, 1, 1), {name: (crc ^ 1, stream)})
    with zipfile.ZipFile(io.BytesIO(bad)) as z:
        assert z.testzip() == name  # the CRC is the archive's check on what it was given


def test_font_subsets_kept_between_runs_give_the_same_document(tmp_path: Path) -> None:
    """The family names and subsets of the embedded faces, and their compressed font parts,
    are kept between runs; a document made from them, or from damaged copies, is the one made
    without them, and other text makes other subsets."""
    import os
    import shutil
    import subprocess
    import sys

    env = {**os.environ, "PIPELINE_CACHE_DIR": str(tmp_path / "cache")}
    book = tmp_path / "book"
    shutil.copytree(ROOT / "tests" / "fixtures" / "book2", book)

    def export(name: str) -> bytes:
        out = tmp_path / name
        args = ["export", "--sources", str(book), "--lang", "zh", "--format", "docx"]
        cmd = [sys.executable, "-m", "pipeline", *args, "--out", str(out)]
        done = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return out.read_bytes()

    def kept() -> set[str]:
        return {p.name for p in (tmp_path / "cache" / "fonts").iterdir()}

    cold = export("cold.docx")
    first = kept()
    assert export("warm.docx") == cold
    assert kept() == first  # nothing new: every subset came from the cache
    for damaged in (tmp_path / "cache" / "fonts").iterdir():
        damaged.write_bytes(damaged.read_bytes()[:-7])
    assert export("damaged.docx") == cold  # a damaged file is made again, not embedded
    chapter = next((book / "zh").glob("*.yaml"))
    chapter.write_text(chapter.read_text(encoding="utf-8").replace("。", "。龘", 1), encoding="utf-8")
    edited = export("edited.docx")
    assert len(kept() - first) == 4  # the regular and bold subsets with it, and their zip entries
    assert "龘" in all_text(Document(io.BytesIO(edited)))
