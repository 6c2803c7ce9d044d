"""Word (DOCX) handouts, written with python-docx and a little raw WordprocessingML.

The document uses Word's own styles (Title, Heading 1-4, List Bullet, List Number, Caption,
Quote, footnote text, Hyperlink) so readers can restyle, navigate and re-use it, plus a few
custom ones based on Normal (kicker, table text, "Source Code" and "Verbatim Char" for code).
Lists are real Word lists (numbering.xml), footnotes real Word footnotes (footnotes.xml),
cross-references internal hyperlinks to bookmarks on the headings and table captions. Fonts are
set explicitly on the styles for both the Latin and the East Asian slot (each East Asian
language in its regional face) and embedded as subsets, as Word's "Embed fonts in the file"
does, so the handout looks the same where they are not installed; every run carries its
language, so a bilingual handout spell-checks each language with its own dictionary. Where
python-docx's API stops, :mod:`pipeline.export.ooxml` works on the XML.

Each block kind of :mod:`pipeline.export.layout` has one method here, found through
``WRITERS``. Inline elements (bold, italic, sub/superscripts, links, code, math,
cross-references, footnote calls) become runs in :meth:`_Writer.nodes`.

Layout: A4 or Letter portrait; a table too wide for the portrait page gets a landscape section
of its own (with the heading just before it). In a bilingual handout every heading, paragraph
and list item with two languages is a row of a borderless two-column table (languages side by
side, aligned per unit); inside tables both languages are stacked in the cell; code is shown
once, across the page.

The output is byte-for-byte reproducible: no random ids, core properties and zip entry times
come from ``handout.info.timestamp``.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import os
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import NamedTuple, cast

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Pt, RGBColor, Twips
from docx.styles import BabelFish
from docx.styles.style import BaseStyle, ParagraphStyle, StyleFactory
from docx.table import Table as DocxTable
from docx.table import _Cell
from docx.text.paragraph import Paragraph as DocxParagraph
from lxml import etree
from lxml.etree import _Element

from pipeline import faces, langs
from pipeline.errors import Position, Problem
from pipeline.export import Options, RenderError
from pipeline.export.layout import (
    Block,
    Callout,
    Cell,
    CodeBlock,
    CodeSpan,
    Figure,
    Handout,
    Heading,
    ListBlock,
    MathBlock,
    MathSpan,
    NoteLine,
    NoteRef,
    Para,
    Paragraph,
    Quote,
    Span,
    Table,
    Text,
    XRef,
    block_texts,
)
from pipeline.export.ooxml import (
    FontEmbedder,
    Footnotes,
    Numbering,
    Packed,
    RunProps,
    add_field,
    add_svg_blip,
    align_cell,
    align_paragraph,
    bookmark,
    cant_split,
    cells_of,
    declare_font,
    doc_defaults_rpr,
    drop_template_leftovers,
    external_link,
    family_name,
    first_paragraph,
    footnote_reference,
    internal_link,
    keep_with_next,
    make_run,
    mark_header_row,
    package_bytes,
    remove_numbering,
    remove_proof_state,
    rows_of,
    set_app_properties,
    set_cell_border,
    set_cell_margins,
    set_cell_shading,
    set_column_widths,
    set_east_asian_font,
    set_language,
    set_numbering,
    set_paragraph_box,
    set_paragraph_style,
    set_table_borders,
    set_table_caption,
    set_table_layout,
    set_table_look,
    set_table_style,
    set_table_width,
    set_theme_font_lang,
    strip_theme_fonts,
    subset_font,
)

# The face of Latin, Cyrillic and Greek text and of Simplified Chinese, as in the PDF.
FONT = "Noto Sans SC"
MONO_FONT = "Consolas"  # code: Word's monospace on Windows; elsewhere Courier New (w:altName) or alike
MATH_FONT = "Cambria Math"  # the TeX source of a formula the OMML converter refuses
# Noto Sans SC has ✓ but not ✗; both marks come from one symbol font so they match.
SYMBOL_FONT = "Segoe UI Symbol"
STALE_MARK = "‡"
# The language of Latin words inside Chinese text (names, English terms) when the handout has
# no Latin-script language of its own to lend.
LATIN_IN_CJK = "en-US"

# Han characters have different standard shapes in Simplified and Traditional Chinese and in
# Japanese, and Korean needs Hangul: the East Asian text of each language is set in its regional
# face (pipeline.faces, as in the PDF), embedded in the file as a subset of the glyphs it uses.
# w:altName is what Word looks for where a face is neither installed nor embedded: the system's
# sans serif for that script on Windows (macOS substitutes PingFang, Hiragino, Apple SD Gothic).
ALT_NAMES = {
    "Noto Sans SC": "Microsoft YaHei",
    "Noto Sans TC": "Microsoft JhengHei",
    "Noto Sans JP": "Yu Gothic",
    "Noto Sans KR": "Malgun Gothic",
    MONO_FONT: "Courier New",
}
CHARSETS = {"sc": "86", "tc": "88", "jp": "80", "kr": "81"}  # GB 2312, Big5, Shift JIS, Hangul

PAPER = {"a4": (11906, 16838), "letter": (12240, 15840)}  # portrait width, height in twips
MARGIN = 1134  # 2 cm
HEADER_DISTANCE = 567  # 1 cm from the page edge

ACCENT = "1F4E79"
GREY = "595959"
STALE = "C55A11"  # orange: a translation whose source changed since it was reviewed
MARK_COLOURS = {"pros": "2E7D32", "cons": "C62828"}
BULLETS = ("•", "◦", "▪")  # by nesting level, cycled
RULE = "B9C2CE"  # the PDF's table colours
HEADER_FILL = "E2E9F1"
ZEBRA = "F4F6F9"
CODE_FILL = "F5F6F8"
# callout style -> (fill, rule colour)
CALLOUT_COLOURS = {
    "note": ("EEF3F8", ACCENT),
    "tip": ("EEF6EE", "2E7D32"),
    "warning": ("FDF3E8", STALE),
    "editor": ("F2F2F2", GREY),
}

TABLE_STYLE = "Handout Table"  # our own table style: thin rules (the shading is on the cells)
TABLE_SIZE, SECOND_SIZE = Pt(8), Pt(7)  # table cells: first language, second language
CELL_PAD = 57  # 1 mm on each side of a table cell's text
GUTTER = 340  # 6 mm between the two languages of a bilingual row
CHAR_TWIPS = 92  # rough width of one Latin character at 8 pt, for column widths
HEADER_MIN = 10  # a header up to this wide (five Chinese characters) stays on one line
BOLD_WIDTH = 1.1  # bold text (header row, row headers) is that much wider
KEEP_ROWS = 12  # a table of at most this many rows (header included) is not broken across pages

# custom styles, based on Normal (paragraphs) or on the default paragraph font (characters)
KICKER, TITLE_META, LIST_TITLE, LEAD = "Kicker", "Title Meta", "List Title", "Lead"
TABLE_TEXT, TABLE_HEADING, TABLE_NOTE, SPACER = "Table Text", "Table Heading", "Table Note", "Table Spacer"
CALLOUT_LABEL, CALLOUT_TEXT, ATTRIBUTION = "Callout Label", "Callout Text", "Quote Attribution"
SOURCE_CODE, VERBATIM = "Source Code", "Verbatim Char"  # pandoc's names for them
FIGURE, FIGURE_CAPTION, EQUATION = "Figure", "Image Caption", "Equation"
# Word's built-in styles for footnotes and links: (name, style id)
FOOTNOTE_TEXT, FOOTNOTE_REF, HYPERLINK = "footnote text", "footnote reference", "Hyperlink"
STYLE_IDS = {FOOTNOTE_TEXT: "FootnoteText", FOOTNOTE_REF: "FootnoteReference", HYPERLINK: "Hyperlink"}

SVG_ZOOM = 2  # an SVG's PNG stand-in has twice its pixels, for print
SVG_SCALE = 72 / 96 / SVG_ZOOM  # python-docx reads a PNG without pHYs as 72 dpi

PAGE_SENTINEL, PAGES_SENTINEL = -1001, -1002
_FIELDS = {str(PAGE_SENTINEL): "PAGE", str(PAGES_SENTINEL): "NUMPAGES"}

# characters XML 1.0 cannot hold: python-docx (lxml) raises ValueError on them
_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
HANDOUT_POS = Position("<handout>", 1, 1)

Fill = Callable[[DocxParagraph, Text, int], None]


# -- checks ----------------------------------------------------------------------------------
def check_characters(handout: Handout) -> None:
    """Raise RenderError for text DOCX cannot store, naming the unit, instead of a bare ValueError."""
    problems = [
        _character_problem(t.text, t.pos or HANDOUT_POS, t.unit or "")
        for t in handout.texts()
        if _XML_INVALID.search(t.text)
    ]
    if not problems:  # derived strings are only worth a look when the texts are clean
        info = handout.info
        extra = [handout.running_title, info.title, info.author, info.subject, *info.keywords]
        for block in _walk(handout.blocks):
            if isinstance(block, Table):
                extra += [n.url or "" for n in block.notes]
            elif isinstance(block, CodeBlock):
                extra.append(block.code)
            elif isinstance(block, MathBlock):
                extra.append(block.tex)
        problems = [_character_problem(s, HANDOUT_POS, "") for s in extra if _XML_INVALID.search(s)]
    if problems:
        raise RenderError(problems)


def _character_problem(text: str, pos: Position, unit: str) -> Problem:
    match = _XML_INVALID.search(text)
    assert match is not None
    return Problem(pos, unit, f"character U+{ord(match.group()):04X} cannot be stored in DOCX")


def _walk(blocks: Sequence[Block]) -> Iterator[Block]:
    """Every block, the blocks inside callouts included, in reading order."""
    for block in blocks:
        yield block
        if isinstance(block, Callout):
            yield from _walk(block.blocks)


def _note_refs(nodes: Sequence[object]) -> Iterator[NoteRef]:
    for node in nodes:
        if isinstance(node, NoteRef):
            yield node
        elif isinstance(node, Span):
            yield from _note_refs(node.children)


def word_numbers_notes(handout: Handout) -> bool:
    """Whether Word's own footnote numbers equal the handout's: the notes are first called in
    the order of their numbers. Otherwise each note prints the handout's number as a custom
    mark (w:customMarkFollows), which LibreOffice shows less well."""
    t = handout.title
    texts = [*t.kicker, *t.title, *t.source, *t.credit, *t.edition]
    for block in handout.blocks:
        texts.extend(block_texts(block))
    calls = [ref.number for text in texts for ref in _note_refs(text.nodes)]
    first = list(dict.fromkeys(n for n in calls if n))
    return first == list(range(1, len(first) + 1))


# -- measuring -------------------------------------------------------------------------------
def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF"


def _display_width(text: str) -> int:
    """Width in Latin-character units: CJK characters count twice."""
    if text.isascii():
        return len(text)
    return sum(2 if _wide(c) else 1 for c in text)


def _longest_unbreakable(text: str) -> int:
    """Width of the longest stretch a line cannot break inside (a Latin word; one CJK character)."""
    if text.isascii():  # no wide character: the longest word
        return max(map(len, text.split()), default=0)
    longest = run = 0
    for char in text:
        if char.isspace() or _wide(char):
            run = 0
            longest = max(longest, 2 if _wide(char) else 0)
        else:
            run += 1
            longest = max(longest, run)
    return longest


Bounds = tuple[list[float], list[float]]


def _column_bounds(block: Table) -> Bounds:
    """Each column's least width (its longest unbreakable word; headers on at most two lines)
    and the width it would like (its longest text on one line), in twips."""
    least, most = [], []
    for column in zip(*(block.header, *block.rows), strict=True):
        low = high = 0.0
        for cell in column:
            bold = BOLD_WIDTH if cell.kind in ("header", "rowhead") else 1.0
            note = 1 if cell.note else 0  # the superscript letter sticks to the last word
            for i, text in enumerate(cell.text):
                # the second language is set smaller
                scale = bold * (SECOND_SIZE.pt / TABLE_SIZE.pt if i else 1.0)
                lines = text.plain.split("\n")
                words = max(_longest_unbreakable(line) for line in lines)
                if cell.kind == "header":  # Chinese breaks after any character: one line or two even ones
                    width = max(_display_width(line) for line in lines)
                    words = max(words, width if width <= HEADER_MIN else -(-width // 2))
                low = max(low, scale * (words + note))
                if cell.kind != "header":  # a header may wrap onto a few lines: only its words count
                    high = max(high, scale * (max(_display_width(line) for line in lines) + note))
        least.append(low * CHAR_TWIPS + 2 * CELL_PAD)
        most.append(max(high, low) * CHAR_TWIPS + 2 * CELL_PAD)
    return least, most


def column_widths(block: Table, total: int, bounds: Callable[[Table], Bounds] = _column_bounds) -> list[int]:
    """Column widths in twips that add up to ``total``, as a browser sizes an automatic table.

    Each column needs room for its longest unbreakable word (its minimum) and would like its
    longest body text on one line (its maximum). When the maxima do not fit, every column gets its
    minimum plus a share of the rest in proportion to how much more it would like.
    """
    least, most = bounds(block)
    if sum(most) <= total:
        widths = [m * total / sum(most) for m in most]
    elif sum(least) >= total:
        widths = [m * total / sum(least) for m in least]
    else:
        spare = (total - sum(least)) / (sum(most) - sum(least))
        widths = [lo + (hi - lo) * spare for lo, hi in zip(least, most, strict=True)]
    out = [int(w) for w in widths]
    out[-1] += total - sum(out)
    return out


def too_wide(block: Table, width: int, bounds: Callable[[Table], Bounds] = _column_bounds) -> bool:
    """Whether a table's columns cannot all get their least width in ``width`` twips."""
    return sum(bounds(block)[0]) > width


def landscape_spans(
    blocks: Sequence[Block], portrait_width: int, bounds: Callable[[Table], Bounds] = _column_bounds
) -> dict[int, int]:
    """start -> end of the blocks set in landscape: each table too wide for the portrait page,
    with the heading just before it (as the PDF does)."""
    spans: dict[int, int] = {}
    for i, block in enumerate(blocks):
        if isinstance(block, Table) and too_wide(block, portrait_width, bounds):
            start = i - 1 if i and isinstance(blocks[i - 1], Heading) and (i - 1) not in spans else i
            spans[start] = i + 1
    return spans


def bookmark_name(anchor: str) -> str:
    """Word bookmark names: a letter first, then letters, digits and _, at most 40 characters
    (a long anchor keeps a hash of itself, so two long anchors stay apart)."""
    name = re.sub(r"[^A-Za-z0-9_]", "_", anchor)
    name = name if name[:1].isalpha() else f"h_{name}"
    if len(name) > 40:
        name = f"{name[:31]}_{hashlib.sha256(anchor.encode()).hexdigest()[:8]}"
    return name


def _naive_utc(value: datetime) -> datetime:
    """python-docx writes core-property dates as given, with a 'Z': hand it naive UTC."""
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def face_key(code: str) -> str:
    """The key of the face (pipeline.faces) for a language's East Asian characters."""
    return faces.SCRIPT_FACES.get(langs.get(code).script.font, "sc")


def east_asian(code: str) -> bool:
    """Whether a language is written in an East Asian script (Han, kana, Hangul): its runs are
    tagged w:eastAsia and set in its face's East Asian slot."""
    return langs.get(code).script.font in CHARSETS


def _face_files(key: str) -> tuple[str, ...]:
    """The regular and bold files of a face, or nothing when it is not installed."""
    try:
        return faces.paths(key)
    except faces.FaceError:
        return ()


class Face(NamedTuple):
    family: str  # the name Word looks the font up by
    files: tuple[str, ...]  # regular and bold TrueType files to embed; () when not installed
    charset: str  # w:charset of the font table: the code page Word substitutes for


def language_face(code: str, handout: Handout, options: Options) -> Face:
    """The face of a language's text, as in the PDF: --font, else the book's font for the
    language (book.yaml fonts:), else the regional face of its script (pipeline.faces)."""
    key = face_key(code)
    charset = CHARSETS.get(key, "86") if east_asian(code) else "00"
    given = (options.font, options.bold_font) if options.font else handout.fonts.get(code)
    if given:
        regular, bold = given
        return Face(family_name(regular), (regular, bold or regular), charset)
    return Face(faces.FACES[key].family, _face_files(key), CHARSETS.get(key, "86"))


# -- styles ----------------------------------------------------------------------------------
def _font_slots(style: BaseStyle, size: float | None = None) -> None:
    set_east_asian_font(style, FONT, latin=FONT)
    if size is not None:
        style.font.size = Pt(size)


class StyleIndex:
    """The document's styles by name, indexed once: python-docx's ``styles[name]`` runs an
    XPath query over the template's 160 styles on every call, and ``add_style`` scans them all
    to check that the name is free (the names added here are the writer's own)."""

    def __init__(self, doc: DocxDocument) -> None:
        self.element = doc.styles.element
        self.by_name: dict[str, _Element] = {}
        for style in self.element.findall(qn("w:style")):
            name = style.find(qn("w:name"))
            if name is not None:  # the first of a name wins, as in python-docx's lookup
                self.by_name.setdefault(name.get(qn("w:val"), ""), style)

    def __getitem__(self, name: str) -> BaseStyle:
        return StyleFactory(self.by_name[BabelFish.ui2internal(name)])

    def add(self, name: str, kind: WD_STYLE_TYPE) -> BaseStyle:
        internal = BabelFish.ui2internal(name)
        element = self.element.add_style_of_type(internal, kind, False)
        self.by_name.setdefault(internal, element)
        return StyleFactory(element)

    def paragraph_ids(self) -> dict[str, str]:
        """UI name -> style id of every paragraph style (a style without w:type is one)."""
        ids = {}
        for style in self.element.findall(qn("w:style")):
            name = style.find(qn("w:name"))
            if name is not None and style.get(qn("w:type"), "paragraph") == "paragraph":
                ids[BabelFish.internal2ui(name.get(qn("w:val"), ""))] = style.get(qn("w:styleId"), "")
        return ids


def _custom_style(
    styles: StyleIndex, name: str, size: float | None, based_on: str = "Normal"
) -> ParagraphStyle:
    style = cast(ParagraphStyle, styles.add(name, WD_STYLE_TYPE.PARAGRAPH))
    style.base_style = styles[based_on]
    style.quick_style = True
    _font_slots(style, size)
    return style


def _character_style(styles: StyleIndex, name: str) -> BaseStyle:
    style = styles.add(name, WD_STYLE_TYPE.CHARACTER)
    style.base_style = styles["Default Paragraph Font"]
    if name in STYLE_IDS:
        style.style_id = STYLE_IDS[name]
    return style


# -- the template --------------------------------------------------------------------------------
# Every handout starts from TEMPLATE: python-docx's default document with the styles below
# applied, made once by `make template` (``python -m pipeline.export.docx``) and shipped. Making
# the styles anew for every handout took a quarter of a chapter's DOCX export. A test keeps the
# shipped file equal to what this code makes.
TEMPLATE = os.path.join(os.path.dirname(__file__), "template.docx")
TEMPLATE_TIME = datetime(2026, 1, 1)  # the template's own dates; every handout sets its own


def make_template() -> bytes:
    """The template: the default document without its leftovers, with the handout styles."""
    doc = Document()
    drop_template_leftovers(doc)
    template_styles(doc)
    return package_bytes(doc, TEMPLATE_TIME)


def localise(doc: DocxDocument, handout: Handout, latin: str, asian: str) -> StyleIndex:
    """The template's styles for this handout: its languages on the document defaults and on
    Normal, and its faces in every font slot the template fills with FONT (``latin`` in the
    Latin (and every other non-East Asian) slot, ``asian`` in the East Asian one)."""
    east_asia = next((langs.get(c).bcp47 for c in handout.langs if east_asian(c)), None)
    set_language(doc_defaults_rpr(doc), handout.info.language, east_asia)
    set_theme_font_lang(doc, handout.info.language, east_asia)
    styles = StyleIndex(doc)
    set_language(styles["Normal"], handout.info.language, east_asia)
    for fonts in doc.styles.element.iter(qn("w:rFonts")):  # the template names FONT in every slot
        for attr, face in (("w:ascii", latin), ("w:hAnsi", latin), ("w:cs", latin), ("w:eastAsia", asian)):
            if fonts.get(qn(attr)) == FONT:
                fonts.set(qn(attr), face)
    return styles


def template_styles(doc: DocxDocument) -> None:
    """Explicit fonts (FONT, for now) on the document defaults and every style the handouts
    use, and the look of each style."""
    strip_theme_fonts(doc.styles.element)  # theme fonts would win over the explicit ones below
    set_east_asian_font(doc_defaults_rpr(doc), FONT, latin=FONT)
    remove_proof_state(doc)
    declare_font(doc, FONT, panose="020B0200000000000000", charset="86", family="swiss")
    declare_font(doc, MONO_FONT, panose="020B0609020204030204", charset="00", family="modern", pitch="fixed")

    styles = StyleIndex(doc)
    normal = styles["Normal"]
    _font_slots(normal, 10)
    normal.paragraph_format.space_after = Pt(5)
    normal.paragraph_format.line_spacing = 1.1  # Noto Sans SC's own line gap is already generous

    headings = (("Title", 22, 0, 8), ("Heading 1", 14, 16, 4), ("Heading 2", 12, 12, 3))
    headings += (("Heading 3", 11, 10, 3), ("Heading 4", 10, 8, 2))
    for name, size, before, after in headings:
        style = styles[name]
        _font_slots(style, size)
        style.font.color.rgb = RGBColor.from_string(ACCENT)
        style.font.italic = False  # the template slants Heading 4; Chinese has no italic
        style.paragraph_format.space_before = Pt(before)
        style.paragraph_format.space_after = Pt(after)
    styles["Heading 4"].font.bold = True

    for name in ("List Bullet", "List Number"):
        items = styles[name]
        _font_slots(items)
        remove_numbering(items)  # every list has its own w:num (see ooxml.Numbering)
        items.paragraph_format.space_after = Pt(2)

    caption = styles["Caption"]
    _font_slots(caption, 9)
    caption.font.color.rgb = RGBColor.from_string(ACCENT)
    caption.font.italic = False
    caption.paragraph_format.keep_with_next = True
    caption.paragraph_format.space_before = Pt(6)
    caption.paragraph_format.space_after = Pt(4)

    quote = styles["Quote"]
    _font_slots(quote, 10)
    quote.font.italic = False  # the Latin runs are slanted one by one: Chinese has no italic
    quote.font.color.rgb = RGBColor.from_string("404040")
    quote.paragraph_format.left_indent = quote.paragraph_format.right_indent = Twips(567)
    attribution = _custom_style(styles, ATTRIBUTION, 9, based_on="Quote")
    attribution.font.italic = False
    attribution.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT

    for name in ("Header", "Footer"):
        _font_slots(styles[name], 8)
        styles[name].font.color.rgb = RGBColor.from_string(GREY)
        styles[name].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER

    kicker = _custom_style(styles, KICKER, 11)
    kicker.font.bold = True
    kicker.font.color.rgb = RGBColor.from_string(GREY)
    kicker.paragraph_format.space_after = Pt(2)
    lead = _custom_style(styles, LEAD, 10.5)  # as in the PDF: a little larger, a little more air
    lead.paragraph_format.space_after = Pt(7)
    meta = _custom_style(styles, TITLE_META, 9)
    meta.font.color.rgb = RGBColor.from_string(GREY)
    meta.paragraph_format.space_after = Pt(3)

    callout = _custom_style(styles, CALLOUT_TEXT, 9.5)
    callout.paragraph_format.space_after = Pt(2)
    label = _custom_style(styles, CALLOUT_LABEL, 9.5, based_on=CALLOUT_TEXT)
    label.font.bold = True
    label.paragraph_format.keep_with_next = True

    title = _custom_style(styles, LIST_TITLE, 10)
    title.font.bold = True
    title.paragraph_format.keep_with_next = True
    title.paragraph_format.space_before = Pt(4)
    title.paragraph_format.space_after = Pt(2)

    for name, bold in ((TABLE_TEXT, False), (TABLE_HEADING, True)):
        style = _custom_style(styles, name, TABLE_SIZE.pt)
        style.font.bold = bold
        style.paragraph_format.space_after = Pt(0)
        # Noto Sans SC's line height is 1.45 em; an exact leading keeps the wide table on one page
        style.paragraph_format.line_spacing = Pt(TABLE_SIZE.pt + 2)
    table_note = _custom_style(styles, TABLE_NOTE, 8)
    table_note.paragraph_format.space_after = Pt(1)
    table_note.paragraph_format.line_spacing = Pt(10.5)
    table_note.paragraph_format.left_indent = Twips(170)
    table_note.paragraph_format.first_line_indent = Twips(-170)
    spacer = _custom_style(styles, SPACER, 2)
    spacer.paragraph_format.space_after = Pt(0)
    spacer.paragraph_format.line_spacing = 1.0

    figure = _custom_style(styles, FIGURE, None)
    figure.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    figure.paragraph_format.keep_with_next = True  # with its caption
    figure.paragraph_format.space_before = Pt(6)
    below = _custom_style(styles, FIGURE_CAPTION, None, based_on="Caption")  # pandoc's name
    below.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    below.paragraph_format.keep_with_next = False
    below.paragraph_format.space_after = Pt(10)
    equation = _custom_style(styles, EQUATION, None)
    equation.paragraph_format.space_before = equation.paragraph_format.space_after = Pt(6)

    code = _custom_style(styles, SOURCE_CODE, 9)
    set_east_asian_font(code, FONT, latin=MONO_FONT)  # Chinese comments keep a CJK face
    code.font.no_proof = True
    code.paragraph_format.space_before = Pt(2)
    code.paragraph_format.space_after = Pt(8)
    code.paragraph_format.line_spacing = 1.0
    code.paragraph_format.left_indent = Twips(113)
    set_paragraph_box(code, CODE_FILL, RULE)
    verbatim = _character_style(styles, VERBATIM)
    set_east_asian_font(verbatim, FONT, latin=MONO_FONT)
    verbatim.font.no_proof = True

    link = _character_style(styles, HYPERLINK)
    link.font.color.rgb = RGBColor.from_string(ACCENT)
    link.font.underline = True
    reference = _character_style(styles, FOOTNOTE_REF)
    reference.font.superscript = True
    notes = _custom_style(styles, FOOTNOTE_TEXT, 8.5)
    notes.style_id = STYLE_IDS[FOOTNOTE_TEXT]
    notes.paragraph_format.space_after = Pt(1)
    notes.paragraph_format.line_spacing = 1.0

    table = styles.add(TABLE_STYLE, WD_STYLE_TYPE.TABLE)
    table.base_style = styles["Normal Table"]
    set_table_borders(table, RULE, 4)


# -- the writer ------------------------------------------------------------------------------
# inline tags that are run formatting: the run properties they add
SPAN_PROPS: dict[str, dict[str, object]] = {
    "b": {"bold": True},
    "i": {"italic": True},
    "sub": {"vert": "subscript"},
    "sup": {"vert": "superscript"},
}


class Where(NamedTuple):
    """Where inline elements are being written: the part that owns links, and what encloses them."""

    part: object  # the document part, or the footnotes part
    in_link: bool = False  # Word cannot nest hyperlinks
    in_note: bool = False  # a note cannot call a note


class _Writer:
    """Writes one handout into a fresh python-docx Document."""

    def __init__(self, handout: Handout, options: Options) -> None:
        self.h = handout
        self.doc = Document(TEMPLATE)
        self.paper = PAPER[options.paper]
        self.landscape = False
        self.pair: DocxTable | None = None  # the open side-by-side table of a bilingual handout
        self.bookmarks = 0
        self.latin = next((langs.get(c).bcp47 for c in handout.langs if not east_asian(c)), LATIN_IN_CJK)
        # The document's faces: the first language's for Latin text, the first East Asian
        # language's for East Asian text; runs of other languages name their own (a stand-in
        # source text may add a language)
        used = dict.fromkeys([*handout.langs, *(t.lang for t in handout.texts())])
        self.face = {c: language_face(c, handout, options) for c in used}
        self.latin_font = self.face[handout.langs[0]].family
        own = [self.face[c].family for c in handout.langs if east_asian(c)]
        self.asian = own[0] if own else self.latin_font
        styles = localise(self.doc, handout, self.latin_font, self.asian)
        for face in dict.fromkeys(self.face.values()):
            declare_font(
                self.doc, face.family, panose="020B0200000000000000", charset=face.charset, family="swiss"
            )
        # name -> style id: python-docx's own style setter searches all 160 styles for the
        # default one on every call, which was most of the run time
        self.style_ids = styles.paragraph_ids()
        self.table_style = styles[TABLE_STYLE].style_id
        self.numbering = Numbering()
        self.footnotes = Footnotes(self.doc)
        self.footnote_of = {note.number: note for note in handout.footnotes}
        self.word_numbers = word_numbers_notes(handout)
        self.called: set[int] = set()  # numbers of the notes already called
        self.figures = 0  # SVG parts written
        self.body = Where(self.doc.part)
        self.targets = {bookmark_name(a) for a in self.anchors()}
        # inside a callout: its paragraph style, its cells and whether Latin text is slanted
        self.body_style = "Normal"
        self.cells: list[_Cell] | None = None
        self.blank: set[int] = set()
        self.slant = False
        self.packed: dict[str, Packed] = {}  # parts compressed already (the fonts), by entry name
        self.measured: dict[int, Bounds] = {}  # id of a table of the handout -> its column bounds

    def anchors(self) -> Iterator[str]:
        for block in _walk(self.h.blocks):
            anchor = getattr(block, "anchor", None)  # headings, tables, figures, formulas
            if anchor:
                yield anchor

    def bounds(self, table: Table) -> Bounds:
        """A table's column bounds, measured once (the page's orientation needs them first)."""
        if id(table) not in self.measured:
            self.measured[id(table)] = _column_bounds(table)
        return self.measured[id(table)]

    def restyle(self, p: DocxParagraph, style: str) -> None:
        set_paragraph_style(p, self.style_ids[style])

    def add_paragraph(self, style: str) -> DocxParagraph:
        p = self.doc.add_paragraph()
        self.restyle(p, style)
        return p

    def add_bookmark(self, p: DocxParagraph, anchor: str) -> None:
        self.bookmarks += 1
        bookmark(p._p, bookmark_name(anchor), self.bookmarks)

    # -- page geometry and furniture -----------------------------------------------------------
    def text_width(self, landscape: bool | None = None) -> int:
        width, height = self.paper
        wide = self.landscape if landscape is None else landscape
        return (height if wide else width) - 2 * MARGIN

    def geometry(self, section: Section) -> None:
        width, height = self.paper
        section.orientation = WD_ORIENT.LANDSCAPE if self.landscape else WD_ORIENT.PORTRAIT
        section.page_width = Twips(height if self.landscape else width)
        section.page_height = Twips(width if self.landscape else height)
        for side in ("top_margin", "bottom_margin", "left_margin", "right_margin"):
            setattr(section, side, Twips(MARGIN))
        section.header_distance = section.footer_distance = Twips(HEADER_DISTANCE)

    def furniture(self, section: Section) -> None:
        """Running title above; the credit's short form and "Page X of Y" below; later sections
        link to these."""
        header = section.header.paragraphs[0]
        self.restyle(header, "Header")
        header.add_run(self.h.running_title)
        footer = section.footer.paragraphs[0]
        self.restyle(footer, "Footer")
        if self.h.short_credit:  # the book's credit on every page, above the page number
            credit = footer.insert_paragraph_before(self.h.short_credit)
            self.restyle(credit, "Footer")
        # The label is a translated sentence; sentinels show where its numbers go in any word order.
        label = self.h.page_label(PAGE_SENTINEL, PAGES_SENTINEL)
        for piece in re.split(f"({PAGE_SENTINEL}|{PAGES_SENTINEL})", label):
            if piece in _FIELDS:
                add_field(footer, _FIELDS[piece])
            elif piece:
                footer.add_run(piece)

    def new_section(self, landscape: bool) -> None:
        self.end_pair()
        self.landscape = landscape
        self.geometry(self.doc.add_section(WD_SECTION.NEW_PAGE))

    # -- inline elements -----------------------------------------------------------------------
    def props(self, text: Text, base: RunProps | None = None) -> RunProps:
        """A text's run properties: its language tags, and orange when it is stale."""
        lang = langs.get(text.lang)
        asian = east_asian(text.lang)
        props = (base or RunProps()).but(
            # w:val is the language of the run's Latin words; tagged Chinese, LibreOffice breaks
            # "Windows" anywhere. Word's own Chinese documents say en-US there too.
            lang=self.latin if asian else lang.bcp47,
            east_asia=lang.bcp47 if asian else None,
            hint="eastAsia" if asian else None,
        )
        face = self.face.get(text.lang)
        if face is not None and asian and face.family != self.asian:
            props = props.but(asian=face.family)
        if face is not None and face.family != self.latin_font:  # its Latin letters too, as the PDF
            props = props.but(font=face.family)
        if self.slant and not asian:  # Chinese has no italic: a slanted Han character is a distortion
            props = props.but(italic=True)
        return props.but(colour=STALE) if text.stale else props

    def inline(
        self, parent: _Element, text: Text, base: RunProps | None = None, where: Where | None = None
    ) -> None:
        """One Text's inline elements as runs at the end of ``parent``; stale ones get ‡."""
        props = self.props(text, base)
        self.nodes(parent, text.nodes, props, text, where or self.body)
        if text.stale:
            make_run(parent, f" {STALE_MARK}", props.but(bold=True, colour=STALE))

    def nodes(
        self, parent: _Element, nodes: Sequence[object], props: RunProps, text: Text, where: Where
    ) -> None:
        for node in nodes:
            if isinstance(node, str):
                self.string(parent, node, props)
            elif isinstance(node, Span):
                self.span(parent, node, props, text, where)
            elif isinstance(node, CodeSpan):
                make_run(parent, node.value, props.but(style="VerbatimChar", hint=None, font=None))
            elif isinstance(node, MathSpan):
                self.inline_math(parent, node.value, props)
            elif isinstance(node, XRef):
                target = bookmark_name(node.anchor)
                if where.in_link or target not in self.targets:
                    make_run(parent, node.label, props)
                else:
                    make_run(
                        internal_link(parent, target), node.label, props.but(colour=props.colour or ACCENT)
                    )
            elif isinstance(node, NoteRef):
                self.note_call(parent, node, props, text, where)

    def inline_math(self, parent: _Element, tex: str, props: RunProps) -> None:
        """Inline math as a Word equation (OMML) in the line, editable in Word; a formula the
        converter refuses shows its TeX in the math face."""
        try:
            from pipeline.export import mathrender

            parent.append(etree.fromstring(mathrender.omml(tex, display=False)))
        except Exception:  # any converter failure: the TeX is still readable
            make_run(parent, tex, props.but(font=MATH_FONT, italic=True, no_proof=True, hint=None))

    def string(self, parent: _Element, text: str, props: RunProps) -> None:
        """Plain text as a run; in italic, its East Asian characters in runs of their own that
        stay upright (Word would slant them, a distortion: CJK type has no italic)."""
        if not props.italic or not any(_wide(c) for c in text):
            make_run(parent, text, props)
            return
        for upright, chars in itertools.groupby(text, key=_wide):
            make_run(parent, "".join(chars), props.but(italic=False) if upright else props)

    def span(self, parent: _Element, node: Span, props: RunProps, text: Text, where: Where) -> None:
        if node.tag in SPAN_PROPS:
            self.nodes(parent, node.children, props.but(**SPAN_PROPS[node.tag]), text, where)
        elif node.tag == "a" and node.href and not where.in_link:
            link = external_link(parent, where.part, node.href)
            self.nodes(link, node.children, props.but(style="Hyperlink"), text, where._replace(in_link=True))
        else:
            self.nodes(parent, node.children, props, text, where)

    def note_call(self, parent: _Element, ref: NoteRef, props: RunProps, text: Text, where: Where) -> None:
        """The first call of a note is a real Word footnote holding the note in every language
        of the handout (one under the other, as in table cells); later calls, such as the
        other language's, print its number in the same superscript style."""
        note = self.footnote_of.get(ref.number)
        if note is None or where.in_note or ref.number in self.called:
            make_run(parent, str(ref.number), props.but(style="FootnoteReference"))
            return
        self.called.add(ref.number)
        mark = None if self.word_numbers else str(ref.number)
        note_id, p = self.footnotes.add(mark)
        footnote_reference(parent, note_id, mark, RunProps(lang=props.lang, east_asia=props.east_asia))
        inside = Where(self.footnotes.part, in_note=True)
        for i, body in enumerate(note.text):
            self.inline(
                p if not i else self.footnotes.paragraph(), body, RunProps(colour=GREY) if i else None, inside
            )

    def fill(self, base: RunProps | None = None) -> Fill:
        """A Fill writing each text's inline elements, on top of ``base``."""

        def fill(p: DocxParagraph, text: Text, _: int) -> None:
            self.inline(p._p, text, base)

        return fill

    # -- side-by-side rows -----------------------------------------------------------------------
    def before_table(self) -> None:
        """Word merges two tables that touch: keep a tiny paragraph between them."""
        body = self.doc.element.body
        last = next((e for e in reversed(body) if e.tag != qn("w:sectPr")), None)
        if last is not None and last.tag == qn("w:tbl"):
            self.add_paragraph(SPACER)

    def end_pair(self) -> None:
        self.pair = None

    def pair_row(self, keep: bool) -> list[_Cell]:
        """A new row of the open two-column table (opened first if needed)."""
        if self.pair is None:
            self.before_table()
            width = self.text_width()
            self.pair = self.doc.add_table(rows=0, cols=2)
            set_table_layout(self.pair)
            set_table_width(self.pair, width)
            set_cell_margins(self.pair, left=GUTTER // 2, right=GUTTER // 2)
            set_column_widths(self.pair, [width // 2, width - width // 2])
        row = self.pair.add_row()
        if keep:  # headings and list titles stay with what follows them
            cant_split(row._tr)
        return list(row.cells)

    def column(self, text: Text, i: int) -> int:
        return self.h.langs.index(text.lang) if text.lang in self.h.langs else i

    def flow(
        self, para: Para, style: str, fill: Fill, *, span: bool = False, keep: bool = False
    ) -> list[DocxParagraph]:
        """A paragraph per language: stacked in a single-language handout, side by side in a
        bilingual one (each text in its language's column). With ``span``, a lone text (a
        name) runs across the page instead. Inside a callout the paragraphs go into its cells."""
        out: list[DocxParagraph] = []
        if self.cells is not None:  # inside a callout's box
            for i, text in enumerate(para):
                column = self.column(text, i) if len(self.cells) > 1 else 0
                if column in self.blank:
                    self.blank.discard(column)
                    p = self.cells[column].paragraphs[0]
                else:
                    p = self.cells[column].add_paragraph()
                self.restyle(p, style)
                fill(p, text, i)
                out.append(p)
            return out
        if not self.h.bilingual or (span and len(para) == 1):
            self.end_pair()
            for i, text in enumerate(para):
                p = self.add_paragraph(style)
                fill(p, text, i)
                out.append(p)
            return out
        cells = self.pair_row(keep)
        for i, text in enumerate(para):
            p = cells[self.column(text, i)].paragraphs[0]
            self.restyle(p, style)
            if keep:
                keep_with_next(p._p)
            fill(p, text, i)
            out.append(p)
        return out

    # -- blocks ----------------------------------------------------------------------------------
    def title_block(self) -> None:
        t = self.h.title
        plain = self.fill()
        self.flow(t.kicker, KICKER, plain, span=True)
        self.flow(t.title, "Title", plain, span=True)
        for para in (t.source, t.credit, t.edition, self.h.stale_legend or ()):
            self.flow(para, TITLE_META, plain, span=True)
        self.end_pair()

    def heading(self, b: Heading) -> None:
        def fill(p: DocxParagraph, text: Text, _: int) -> None:
            if b.number:
                make_run(p._p, f"{b.number} ", self.props(text))
            self.inline(p._p, text)

        level = min(max(b.level, 1), 4)
        paragraphs = self.flow(b.text, f"Heading {level}", fill, span=True, keep=True)
        self.add_bookmark(paragraphs[0], b.anchor)

    def paragraph(self, b: Paragraph) -> None:
        lead = b.role == "lead" and self.cells is None  # the chapter's opening paragraphs
        self.flow(b.text, LEAD if lead else self.body_style, self.fill())

    def list_block(self, b: ListBlock) -> None:
        if b.title:
            colour = MARK_COLOURS.get(b.style)
            self.flow(b.title, LIST_TITLE, self.fill(RunProps(colour=colour)), keep=True)
        self.items(b)

    def list_format(self, b: ListBlock) -> tuple[str, tuple[str, ...], str, str]:
        """(number format, marks, mark font, mark colour) of a list's Word numbering."""
        if b.numbered:
            return "decimal", ("",), "", ""
        if b.mark:
            return "bullet", (b.mark,), SYMBOL_FONT, MARK_COLOURS.get(b.style, ACCENT)
        return "bullet", BULLETS, "", ""

    def items(self, b: ListBlock) -> None:
        """One paragraph per item and language, numbered by Word: one list per language column,
        so the two columns of a bilingual list count 1, 2, 3 each."""
        nums: dict[int, int] = {}
        style = "List Number" if b.numbered else "List Bullet"
        level = min(b.depth, Numbering.LEVELS - 1)

        def fill(p: DocxParagraph, text: Text, i: int) -> None:
            column = self.column(text, i)
            if column not in nums:
                nums[column] = self.numbering.new_list(*self.list_format(b))
            set_numbering(p, nums[column], level)
            self.inline(p._p, text)

        for item in b.items:
            self.flow(item.text, style, fill)
            if item.children is not None:
                self.items(item.children)

    def table(self, b: Table) -> None:
        self.end_pair()
        caption = self.add_paragraph("Caption")
        self.caption(caption, b.caption, b.label)
        if b.anchor:
            self.add_bookmark(caption, b.anchor)
        self.grid(b)
        self.notes(b)

    def caption(self, p: DocxParagraph, caption: Para, label: Para | None) -> None:
        """ "表 14.1 caption", each language on its own line, the second in grey."""
        labels = {t.lang: t for t in label or ()}
        for i, text in enumerate(caption):
            base = RunProps(colour=GREY) if i else RunProps()
            if i:
                make_run(p._p, "\n")
            if text.lang in labels:
                self.inline(p._p, labels[text.lang], base.but(bold=True))
                make_run(p._p, " " if not langs.get(text.lang).cjk else "\u3000", self.props(text))
            self.inline(p._p, text, base)

    def stacked(self, p: DocxParagraph, para: Para, note: str | None = None, small: bool = True) -> None:
        """The languages of a table's text one under the other: the second smaller, in grey and
        never bold (in a header it only glosses the first, as in the PDF)."""
        second = RunProps(colour=GREY, bold=False, half_points=round(SECOND_SIZE.pt * 2) if small else None)
        for i, text in enumerate(para):
            if i:
                make_run(p._p, "\n")
            self.inline(p._p, text, second if i else None)
            if i == 0 and note:
                make_run(p._p, note, RunProps(bold=True, vert="superscript"))

    def grid(self, b: Table) -> None:
        """The table: thin rules, a shaded header row repeated on every page, light zebra rows,
        bold row headers (as in the PDF)."""
        self.before_table()
        rows = (b.header, *b.rows)
        widths = column_widths(b, self.text_width(), self.bounds)
        table = self.doc.add_table(rows=len(rows), cols=len(b.header))
        set_table_style(table, self.table_style)
        set_table_layout(table, align="center")
        set_table_width(table, sum(widths))
        set_cell_margins(table, left=CELL_PAD, right=CELL_PAD, top=20, bottom=20)
        set_column_widths(table, widths)
        set_table_look(table, first_row=True, first_column=b.row_header, banded_rows=True)
        label = b.label[0].plain + " " if b.label else ""
        set_table_caption(table, label + " / ".join(t.plain for t in b.caption))
        trs = rows_of(table)
        for r, (cells, row) in enumerate(zip(rows, trs, strict=True)):
            cant_split(row)
            fill = HEADER_FILL if r == 0 else (ZEBRA if r % 2 == 0 else None)
            for cell, data in zip(cells_of(row), cells, strict=True):
                heading = r == 0 or data.kind == "rowhead"
                self.cell(cell, data, TABLE_HEADING if heading else TABLE_TEXT)
                if fill:
                    set_cell_shading(cell, fill)
                if r == 0:
                    set_cell_border(cell, "bottom", ACCENT, 8)
        mark_header_row(trs[0])
        if len(rows) <= KEEP_ROWS:  # a short table stays on one page: each row keeps with the next
            for row in trs[:-1]:
                for p in row.iter(qn("w:p")):
                    keep_with_next(p)

    def cell(self, cell: _Element, data: Cell, style: str) -> None:
        align_cell(cell, "top")
        p = first_paragraph(cell)
        self.restyle(p, style)
        if data.kind == "flag":
            align_paragraph(p._p, "center")
        self.stacked(p, data.text, note=data.note)

    def notes(self, b: Table) -> None:
        if not b.notes:
            return
        if b.notes_title:
            title = self.add_paragraph(TABLE_NOTE)
            title.paragraph_format.space_before = Pt(4)
            title.paragraph_format.keep_with_next = True
            for i, text in enumerate(b.notes_title):
                if i:
                    make_run(title._p, " / ")
                self.inline(title._p, text, RunProps(bold=True))
        if not self.landscape:
            for note in b.notes:
                last = self.add_paragraph(TABLE_NOTE)
                self.note(last, note)
            last.paragraph_format.space_after = Pt(8)  # apart from the text that follows
            return
        # Below a landscape table the notes fill two columns (down, then across), so a long
        # list of sources does not spill onto a page of its own.
        self.before_table()
        rows = -(-len(b.notes) // 2)
        width = self.text_width()
        table = self.doc.add_table(rows=rows, cols=2)
        set_table_layout(table)
        set_table_width(table, width)
        set_cell_margins(table, left=0, right=GUTTER)
        set_column_widths(table, [width // 2, width - width // 2])
        trs = rows_of(table)
        for k, note in enumerate(b.notes):
            p = first_paragraph(cells_of(trs[k % rows])[k // rows])
            self.restyle(p, TABLE_NOTE)
            self.note(p, note)

    def note(self, p: DocxParagraph, note: NoteLine) -> None:
        make_run(p._p, note.mark, RunProps(bold=True, vert="superscript"))
        make_run(p._p, "\t")
        self.stacked(p, note.text or (), small=False)
        if note.url:
            if note.text:
                make_run(p._p, " ")
            make_run(external_link(p._p, self.doc.part, note.url), note.url, RunProps(style="Hyperlink"))

    def callout(self, b: Callout) -> None:
        """A shaded box with a rule on its left: a table of one row, one cell per language, so
        that the label and the paragraphs and lists inside stay together in every reader."""
        self.end_pair()
        self.before_table()
        fill, colour = CALLOUT_COLOURS.get(b.style, CALLOUT_COLOURS["note"])
        width = self.text_width()
        columns = len(self.h.langs) if self.h.bilingual else 1
        box = self.doc.add_table(rows=1, cols=columns)
        set_table_layout(box)
        set_table_width(box, width)
        set_cell_margins(box, left=170, right=170, top=70, bottom=70)
        set_column_widths(
            box, [width // columns] * (columns - 1) + [width - width // columns * (columns - 1)]
        )
        self.cells = list(box.rows[0].cells)
        self.blank = set(range(columns))  # cells whose first (empty) paragraph is still unused
        for cell in self.cells:
            set_cell_shading(cell._tc, fill)
            set_cell_border(cell._tc, "left", colour, 18)
        titles = {t.lang: t for t in b.title or ()}

        def label(p: DocxParagraph, text: Text, _: int) -> None:
            self.inline(p._p, text, RunProps(colour=colour))
            title = titles.get(text.lang)
            if title is not None:
                make_run(p._p, "：" if langs.get(text.lang).cjk else ": ", self.props(text))
                self.inline(p._p, title)

        self.flow(b.label, CALLOUT_LABEL, label)
        self.body_style, self.slant = CALLOUT_TEXT, b.style == "editor"
        for inner in b.blocks:
            self.block(inner)
        self.body_style, self.slant, self.cells = "Normal", False, None

    def quote(self, b: Quote) -> None:
        self.slant = True
        self.flow(b.text, "Quote", self.fill())
        self.slant = False
        if b.attribution:

            def fill(p: DocxParagraph, text: Text, _: int) -> None:
                make_run(p._p, "— ", self.props(text))
                self.inline(p._p, text)

            self.flow(b.attribution, ATTRIBUTION, fill)

    def code(self, b: CodeBlock) -> None:
        """Code once, across the page, every line and space as written; its caption above it."""
        self.end_pair()
        if b.caption:
            caption = self.add_paragraph("Caption")
            self.caption(caption, b.caption, None)
        p = self.add_paragraph(SOURCE_CODE)
        make_run(p._p, b.code.rstrip("\n"), RunProps(lang=LATIN_IN_CJK))

    def figure(self, b: Figure) -> None:
        """The image across the page (one per language side by side when they differ), at most
        as wide as the text, with its alt text; its label and caption below it."""
        self.end_pair()
        files = b.files[:1] if b.shared or not self.h.bilingual else b.files
        alt = " / ".join(t.plain for t in b.alt)
        if len(files) == 1:
            p = self.add_paragraph(FIGURE)
            self.picture(p, files[0][1], self.text_width(), alt)
        else:
            cells = self.pair_row(keep=True)
            for (code, path), text in zip(files, b.alt, strict=False):
                p = cells[self.column(Text(code, ""), 0)].paragraphs[0]
                self.restyle(p, FIGURE)
                self.picture(p, path, self.text_width() // 2 - GUTTER, text.plain)
            self.end_pair()
        caption = self.add_paragraph(FIGURE_CAPTION)
        self.caption(caption, b.caption, b.label)
        self.add_bookmark(caption, b.anchor)

    def picture(self, p: DocxParagraph, path: str, width: int, alt: str) -> None:
        """An inline picture; an SVG as a PNG rendering (what python-docx and older Words can
        show) with the SVG itself beside it (asvg:svgBlip), which Word 2016 and later draw."""
        svg = path.lower().endswith(".svg")
        image = io.BytesIO(self.rendered_svg(path)) if svg else path
        shape = p.add_run().add_picture(image)
        if svg:  # rendered at twice its size, read as 72 dpi: back to CSS pixels (96 to the inch)
            shape.width, shape.height = int(shape.width * SVG_SCALE), int(shape.height * SVG_SCALE)
        if shape.width > Twips(width):  # never wider than the text; the aspect ratio kept
            shape.height = int(shape.height * Twips(width) / shape.width)
            shape.width = Twips(width)
        inline = shape._inline
        inline.docPr.set("descr", alt)
        if svg:
            with open(path, "rb") as f:
                add_svg_blip(self.doc.part, inline, f.read(), self.figures)
            self.figures += 1

    def rendered_svg(self, path: str) -> bytes:
        """A PNG of an SVG at twice its size, its text in the handout's faces (never the system's
        fonts, which differ from machine to machine)."""
        import resvg_py

        files = [f for face in dict.fromkeys(self.face.values()) for f in face.files]
        return bytes(
            resvg_py.svg_to_bytes(
                svg_path=path, zoom=SVG_ZOOM, skip_system_fonts=True, font_files=files, sans_serif_family=FONT
            )
        )

    def math(self, b: MathBlock) -> None:
        """A displayed formula once, centred, as Word equation (OMML); its number at the right
        margin. A formula the converter refuses shows its TeX."""
        self.end_pair()
        p = self.add_paragraph(EQUATION)
        width = self.text_width()
        tabs = p.paragraph_format.tab_stops
        tabs.add_tab_stop(Twips(width // 2), WD_TAB_ALIGNMENT.CENTER)
        tabs.add_tab_stop(Twips(width), WD_TAB_ALIGNMENT.RIGHT)
        make_run(p._p, "\t")
        try:
            from pipeline.export import mathrender

            p._p.append(etree.fromstring(mathrender.omml(b.tex, display=True)))
        except Exception:  # any converter failure: the TeX is still readable
            make_run(p._p, b.tex, RunProps(font=MATH_FONT, italic=True, no_proof=True))
        if b.number:
            make_run(p._p, f"\t({b.number})")
        if b.anchor:
            self.add_bookmark(p, b.anchor)

    def block(self, b: Block) -> None:
        WRITERS[type(b)](self, b)

    # -- the whole document ------------------------------------------------------------------
    def write(self) -> None:
        self.geometry(self.doc.sections[0])
        self.furniture(self.doc.sections[0])
        self.title_block()
        blocks = self.h.blocks
        spans = landscape_spans(blocks, self.text_width(landscape=False), self.bounds)
        wide = {i for start, end in spans.items() for i in range(start, end)}
        for i, block in enumerate(blocks):
            if (i in wide) != self.landscape:
                self.new_section(i in wide)
            self.block(block)
        self.end_pair()
        self.before_table()  # Word wants a paragraph, not a table, at the very end
        self.numbering.write(self.doc.part.numbering_part.element)
        self.footnotes.finish()
        self.embed_fonts()
        self.properties()

    def used_characters(self) -> set[str]:
        """Every character the document prints (page numbers: any digit)."""
        roots = [self.doc.element.body, self.footnotes.root, self.doc.part.numbering_part.element]
        for section in self.doc.sections:
            roots += [section.header._element, section.footer._element]
        chars = set("0123456789")
        for root in roots:
            for t in root.iter(qn("w:t")):
                chars.update(t.text or "")
            for lvl in root.iter(qn("w:lvlText")):
                chars.update(lvl.get(qn("w:val"), ""))
        return chars

    def embed_fonts(self) -> None:
        """Subsets of the regular and bold weights of every face the document names, with Word's
        fallback for the known ones. A face not installed is named, not embedded."""
        embedder = FontEmbedder(self.doc)
        named = dict.fromkeys(self.face.values())
        for name in (*(f.family for f in named), MONO_FONT):
            if name in ALT_NAMES:
                embedder.alt_name(name, ALT_NAMES[name])
        chars = self.used_characters()
        for face in named:
            if face.files:
                embedder.embed(face.family, "regular", subset_font(face.files[0], chars))
                embedder.embed(face.family, "bold", subset_font(face.files[1], chars))
        embedder.finish()
        self.packed = embedder.packed

    def properties(self) -> None:
        info = self.h.info
        props = self.doc.core_properties
        props.title = info.title
        props.author = info.author
        props.subject = info.subject
        props.keywords = ", ".join(info.keywords)
        props.language = info.language
        props.last_modified_by = info.creator
        props.comments = ""  # the template says "generated by python-docx"
        props.category = props.content_status = props.identifier = props.version = ""
        props.revision = 1
        when = _naive_utc(info.timestamp)
        props.created = props.modified = props.last_printed = when
        set_app_properties(self.doc, info.creator)


# one writer per block kind of the layout
WRITERS: dict[type, Callable[[_Writer, Block], None]] = {
    Heading: _Writer.heading,  # type: ignore[dict-item]
    Paragraph: _Writer.paragraph,  # type: ignore[dict-item]
    ListBlock: _Writer.list_block,  # type: ignore[dict-item]
    Table: _Writer.table,  # type: ignore[dict-item]
    Callout: _Writer.callout,  # type: ignore[dict-item]
    Quote: _Writer.quote,  # type: ignore[dict-item]
    CodeBlock: _Writer.code,  # type: ignore[dict-item]
    Figure: _Writer.figure,  # type: ignore[dict-item]
    MathBlock: _Writer.math,  # type: ignore[dict-item]
}


def docx(handout: Handout, options: Options) -> bytes:
    """The handout as a Word document (Office Open XML), reproducible byte for byte."""
    check_characters(handout)
    writer = _Writer(handout, options)
    writer.write()
    return package_bytes(writer.doc, handout.info.timestamp, writer.packed)


if __name__ == "__main__":  # `make template`
    from pipeline.atomic import write_bytes_atomic

    write_bytes_atomic(TEMPLATE, make_template())
    print(TEMPLATE)
