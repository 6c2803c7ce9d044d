"""Word (DOCX) handouts, written with python-docx.

The document uses Word's own styles (Title, Heading 1/2, List Bullet, Caption, a built-in
table style) so readers can restyle, navigate and re-use it; a few custom paragraph styles
(kicker, editor's note, table text...) are based on Normal. Fonts are set explicitly on the
styles for both the Latin and the East Asian slot, and every run carries its language, so a
bilingual handout shows Chinese in Noto Sans SC and spell-checks each language with its own
dictionary. Where python-docx's API stops, :mod:`pipeline.export.ooxml` works on the XML.

Layout: A4 or Letter portrait, with the chapter section that holds the comparison table in a
landscape section of its own. In a bilingual handout every heading, paragraph and list item
with two languages is a row of a borderless two-column table (languages side by side, aligned
per unit); inside the comparison and glossary tables both languages are stacked in the cell.

The output is byte-for-byte reproducible: no random ids, core properties and zip entry times
come from ``handout.info.timestamp``.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Pt, RGBColor, Twips
from docx.styles.style import ParagraphStyle
from docx.table import Table as DocxTable
from docx.table import _Cell
from docx.text.paragraph import Paragraph as DocxParagraph
from docx.text.run import Run

from pipeline import langs
from pipeline.errors import Position, Problem
from pipeline.export import Options, RenderError
from pipeline.export.layout import (
    Block,
    Cell,
    Handout,
    Heading,
    NoteLine,
    Para,
    Paragraph,
    Points,
    Table,
    Text,
)
from pipeline.export.ooxml import (
    add_bookmark,
    add_field,
    add_hyperlink,
    cant_split,
    declare_font,
    doc_defaults_rpr,
    drop_template_leftovers,
    mark_header_row,
    normalise_zip,
    remove_numbering,
    remove_proof_state,
    set_app_properties,
    set_cell_margins,
    set_column_widths,
    set_east_asian_font,
    set_language,
    set_paragraph_border,
    set_paragraph_style,
    set_run_properties,
    set_table_width,
    set_theme_font_lang,
    strip_theme_fonts,
)

# One family for every script, as in the PDF; Word substitutes a similar font when it is missing.
FONT = "Noto Sans SC"
# Noto Sans SC has ✓ but not ✗; both marks come from one symbol font so they match.
SYMBOL_FONT = "Segoe UI Symbol"
STALE_MARK = "‡"
# The language of Latin words inside Chinese text (names, English terms) when the handout has
# no Latin-script language of its own to lend.
LATIN_IN_CJK = "en-US"

PAPER = {"a4": (11906, 16838), "letter": (12240, 15840)}  # portrait width, height in twips
MARGIN = 1134  # 2 cm
HEADER_DISTANCE = 567  # 1 cm from the page edge

ACCENT = "1F4E79"
GREY = "595959"
STALE = "C55A11"  # orange: a translation whose source changed since it was reviewed
MARK_COLOURS = {"pro": "2E7D32", "con": "C62828"}

TABLE_STYLE = "Light Grid Accent 1"  # built into python-docx's default template
TABLE_SIZE, SECOND_SIZE = Pt(8), Pt(7)  # comparison cells: first language, second language
CELL_PAD = 57  # 1 mm on each side of a comparison cell's text
GUTTER = 340  # 6 mm between the two languages of a bilingual row
CHAR_TWIPS = 92  # rough width of one Latin character at 8 pt, for column widths
HEADER_MIN = 10  # a header up to this wide (five Chinese characters) stays on one line
BOLD_WIDTH = 1.1  # bold text (header row, name column) is that much wider

# custom paragraph styles, all based on Normal
KICKER, TITLE_META, EDITOR_NOTE = "Kicker", "Title Meta", "Editor Note"
POINTS_TITLE, TABLE_TEXT, TABLE_HEADING = "Points Title", "Table Text", "Table Heading"
TABLE_NOTE, SPACER = "Table Note", "Table Spacer"

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
        extra += [n.url or "" for b in handout.blocks if isinstance(b, Table) for n in b.notes]
        problems = [_character_problem(s, HANDOUT_POS, "") for s in extra if _XML_INVALID.search(s)]
    if problems:
        raise RenderError(problems)


def _character_problem(text: str, pos: Position, unit: str) -> Problem:
    match = _XML_INVALID.search(text)
    assert match is not None
    return Problem(pos, unit, f"character U+{ord(match.group()):04X} cannot be stored in DOCX")


# -- measuring -------------------------------------------------------------------------------
def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF"


def _display_width(text: str) -> int:
    """Width in Latin-character units: CJK characters count twice."""
    return sum(2 if _wide(c) else 1 for c in text)


def _longest_unbreakable(text: str) -> int:
    """Width of the longest stretch a line cannot break inside (a Latin word; one CJK character)."""
    longest = run = 0
    for char in text:
        if char.isspace() or _wide(char):
            run = 0
            longest = max(longest, 2 if _wide(char) else 0)
        else:
            run += 1
            longest = max(longest, run)
    return longest


def column_widths(block: Table, total: int) -> list[int]:
    """Column widths in twips that add up to ``total``, as a browser sizes an automatic table.

    Each column needs room for its longest unbreakable word (its minimum) and would like its
    longest body text on one line (its maximum). When the maxima do not fit, every column gets its
    minimum plus a share of the rest in proportion to how much more it would like.
    """
    least, most = [], []
    for column in zip(*(block.header, *block.rows), strict=True):
        low = high = 0.0
        for cell in column:
            bold = BOLD_WIDTH if cell.kind in ("header", "name") else 1.0
            note = 1 if cell.note else 0  # the superscript letter sticks to the last word
            for i, text in enumerate(cell.text):
                # the second language is set smaller
                scale = bold * (SECOND_SIZE.pt / TABLE_SIZE.pt if i else 1.0)
                lines = text.text.split("\n")
                words = max(_longest_unbreakable(line) for line in lines)
                if cell.kind == "header":  # Chinese breaks after any character: one line or two even ones
                    width = max(_display_width(line) for line in lines)
                    words = max(words, width if width <= HEADER_MIN else -(-width // 2))
                low = max(low, scale * (words + note))
                if cell.kind != "header":  # a header may wrap onto a few lines: only its words count
                    high = max(high, scale * (max(_display_width(line) for line in lines) + note))
        least.append(low * CHAR_TWIPS + 2 * CELL_PAD)
        most.append(max(high, low) * CHAR_TWIPS + 2 * CELL_PAD)
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


def _landscape_blocks(blocks: Sequence[Block]) -> set[int]:
    """Indices of the blocks set in landscape: the chapter section holding the comparison table."""

    def opens_section(b: Block) -> bool:
        return isinstance(b, Heading) and b.level == 1

    wide: set[int] = set()
    for i, block in enumerate(blocks):
        if isinstance(block, Table) and block.role == "comparison":
            start = next((j for j in range(i, -1, -1) if opens_section(blocks[j])), i)
            end = next((j for j in range(i + 1, len(blocks)) if opens_section(blocks[j])), len(blocks))
            wide.update(range(start, end))
    return wide


def _bookmark_name(anchor: str) -> str:
    """Word bookmark names: a letter first, then letters, digits and _, at most 40 characters."""
    name = re.sub(r"[^A-Za-z0-9_]", "_", anchor)
    return (name if name[:1].isalpha() else f"h_{name}")[:40]


def _naive_utc(value: datetime) -> datetime:
    """python-docx writes core-property dates as given, with a 'Z': hand it naive UTC."""
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


# -- styles ----------------------------------------------------------------------------------
def _font_slots(style: ParagraphStyle, size: float | None = None) -> None:
    set_east_asian_font(style, FONT, latin=FONT)
    if size is not None:
        style.font.size = Pt(size)


def _custom_style(doc: DocxDocument, name: str, size: float) -> ParagraphStyle:
    style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = doc.styles["Normal"]
    style.quick_style = True
    _font_slots(style, size)
    return style


def setup_styles(doc: DocxDocument, handout: Handout) -> None:
    """Explicit fonts and languages on the document defaults and every style the handout uses."""
    codes = [langs.get(c) for c in handout.langs]
    east_asia = next((lang.bcp47 for lang in codes if lang.cjk), None)
    strip_theme_fonts(doc.styles.element)  # theme fonts would win over the explicit ones below
    defaults = doc_defaults_rpr(doc)
    set_east_asian_font(defaults, FONT, latin=FONT)
    set_language(defaults, handout.info.language, east_asia)
    set_theme_font_lang(doc, handout.info.language, east_asia)
    remove_proof_state(doc)
    declare_font(doc, FONT, panose="020B0200000000000000", charset="86", family="swiss")

    styles = doc.styles
    normal = styles["Normal"]
    _font_slots(normal, 10)
    set_language(normal, handout.info.language, east_asia)
    normal.paragraph_format.space_after = Pt(5)
    normal.paragraph_format.line_spacing = 1.1  # Noto Sans SC's own line gap is already generous

    for name, size, colour in (("Title", 22, ACCENT), ("Heading 1", 14, ACCENT), ("Heading 2", 12, ACCENT)):
        style = styles[name]
        _font_slots(style, size)
        style.font.color.rgb = RGBColor.from_string(colour)
    styles["Heading 1"].paragraph_format.space_before = Pt(16)
    styles["Heading 1"].paragraph_format.space_after = Pt(4)
    styles["Heading 2"].paragraph_format.space_before = Pt(12)
    styles["Heading 2"].paragraph_format.space_after = Pt(3)
    styles["Title"].paragraph_format.space_after = Pt(8)

    bullets = styles["List Bullet"]
    _font_slots(bullets)
    remove_numbering(bullets)  # the item's own ✓ / ✗ is its bullet
    bullets.paragraph_format.left_indent = Twips(340)
    bullets.paragraph_format.first_line_indent = Twips(-340)
    bullets.paragraph_format.space_after = Pt(2)

    caption = styles["Caption"]
    _font_slots(caption, 9)
    caption.font.color.rgb = RGBColor.from_string(ACCENT)
    caption.paragraph_format.keep_with_next = True
    caption.paragraph_format.space_after = Pt(4)

    for name in ("Header", "Footer"):
        _font_slots(styles[name], 8)
        styles[name].font.color.rgb = RGBColor.from_string(GREY)
        styles[name].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER

    kicker = _custom_style(doc, KICKER, 11)
    kicker.font.bold = True
    kicker.font.color.rgb = RGBColor.from_string(GREY)
    kicker.paragraph_format.space_after = Pt(2)
    meta = _custom_style(doc, TITLE_META, 9)
    meta.font.color.rgb = RGBColor.from_string(GREY)
    meta.paragraph_format.space_after = Pt(3)

    note = _custom_style(doc, EDITOR_NOTE, 9.5)
    note.font.italic = True
    note.font.color.rgb = RGBColor.from_string("404040")
    note.paragraph_format.left_indent = Twips(170)
    note.paragraph_format.space_before = Pt(4)
    set_paragraph_border(note, "left", ACCENT, 12, 6)

    points = _custom_style(doc, POINTS_TITLE, 10)
    points.font.bold = True
    points.paragraph_format.keep_with_next = True
    points.paragraph_format.space_before = Pt(4)
    points.paragraph_format.space_after = Pt(2)

    for name, bold in ((TABLE_TEXT, False), (TABLE_HEADING, True)):
        style = _custom_style(doc, name, TABLE_SIZE.pt)
        style.font.bold = bold
        style.paragraph_format.space_after = Pt(0)
        # Noto Sans SC's line height is 1.45 em; an exact leading keeps the wide table on one page
        style.paragraph_format.line_spacing = Pt(TABLE_SIZE.pt + 2)
    table_note = _custom_style(doc, TABLE_NOTE, 8)
    table_note.paragraph_format.space_after = Pt(1)
    table_note.paragraph_format.line_spacing = Pt(10.5)
    table_note.paragraph_format.left_indent = Twips(170)
    table_note.paragraph_format.first_line_indent = Twips(-170)
    spacer = _custom_style(doc, SPACER, 2)
    spacer.paragraph_format.space_after = Pt(0)
    spacer.paragraph_format.line_spacing = 1.0


# -- the writer ------------------------------------------------------------------------------
class _Writer:
    """Writes one handout into a fresh python-docx Document."""

    def __init__(self, handout: Handout, options: Options) -> None:
        self.h = handout
        self.doc = Document()
        self.paper = PAPER[options.paper]
        self.landscape = False
        self.pair: DocxTable | None = None  # the open side-by-side table of a bilingual handout
        self.bookmarks = 0
        self.latin = next((x.bcp47 for x in map(langs.get, handout.langs) if not x.cjk), LATIN_IN_CJK)
        drop_template_leftovers(self.doc)
        setup_styles(self.doc, handout)
        # name -> style id: python-docx's own style setter searches all 160 styles for the
        # default one on every call, which was most of the run time
        self.style_ids = {s.name: s.style_id for s in self.doc.styles if s.type == WD_STYLE_TYPE.PARAGRAPH}
        self.table_style = self.doc.styles[TABLE_STYLE]

    def restyle(self, p: DocxParagraph, style: str) -> None:
        set_paragraph_style(p, self.style_ids[style])

    def add_paragraph(self, style: str) -> DocxParagraph:
        p = self.doc.add_paragraph()
        self.restyle(p, style)
        return p

    # -- page geometry and furniture -----------------------------------------------------------
    def text_width(self) -> int:
        width, height = self.paper
        return (height if self.landscape else width) - 2 * MARGIN

    def geometry(self, section: Section) -> None:
        width, height = self.paper
        section.orientation = WD_ORIENT.LANDSCAPE if self.landscape else WD_ORIENT.PORTRAIT
        section.page_width = Twips(height if self.landscape else width)
        section.page_height = Twips(width if self.landscape else height)
        for side in ("top_margin", "bottom_margin", "left_margin", "right_margin"):
            setattr(section, side, Twips(MARGIN))
        section.header_distance = section.footer_distance = Twips(HEADER_DISTANCE)

    def furniture(self, section: Section) -> None:
        """Running title above, "Page X of Y" below; later sections link to these."""
        header = section.header.paragraphs[0]
        self.restyle(header, "Header")
        header.add_run(self.h.running_title)
        footer = section.footer.paragraphs[0]
        self.restyle(footer, "Footer")
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

    # -- runs ------------------------------------------------------------------------------------
    def text(
        self,
        p: DocxParagraph,
        text: Text,
        *,
        size: Pt | None = None,
        colour: str | None = None,
        bold: bool | None = None,
        italic: bool | None = None,
    ) -> Run:
        """One Text as a run tagged with its language; stale translations in orange with ‡."""
        lang = langs.get(text.lang)
        run = p.add_run(text.text)
        colour = STALE if text.stale else colour
        set_run_properties(
            run,
            # w:val is the language of the run's Latin words; tagged Chinese, LibreOffice breaks
            # "Windows" anywhere. Word's own Chinese documents say en-US there too.
            lang=self.latin if lang.cjk else lang.bcp47,
            east_asia=lang.bcp47 if lang.cjk else None,
            hint="eastAsia" if lang.cjk else None,
            colour=colour or None,
            half_points=round(size.pt * 2) if size is not None else None,
            bold=bold,
            italic=italic,
        )
        if text.stale:
            mark = p.add_run(f" {STALE_MARK}")
            mark.font.bold = True
            mark.font.color.rgb = RGBColor.from_string(STALE)
        return run

    def plain(self, p: DocxParagraph, text: Text, _: int) -> None:
        self.text(p, text)

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
            self.pair.autofit = False
            set_table_width(self.pair, width)
            set_cell_margins(self.pair, left=GUTTER // 2, right=GUTTER // 2)
            set_column_widths(self.pair, [width // 2, width - width // 2])
        row = self.pair.add_row()
        if keep:  # headings and list titles stay with what follows them
            cant_split(row)
        return list(row.cells)

    def flow(
        self, para: Para, style: str, fill: Fill, *, span: bool = False, keep: bool = False
    ) -> list[DocxParagraph]:
        """A paragraph per language: stacked in a single-language handout, side by side in a
        bilingual one (each text in its language's column). With ``span``, a lone text (a
        name) runs across the page instead."""
        out: list[DocxParagraph] = []
        if not self.h.bilingual or (span and len(para) == 1):
            self.end_pair()
            for i, text in enumerate(para):
                p = self.add_paragraph(style)
                fill(p, text, i)
                out.append(p)
            return out
        cells = self.pair_row(keep)
        for i, text in enumerate(para):
            column = self.h.langs.index(text.lang) if text.lang in self.h.langs else i
            p = cells[column].paragraphs[0]
            self.restyle(p, style)
            if keep:
                p.paragraph_format.keep_with_next = True
            fill(p, text, i)
            out.append(p)
        return out

    # -- blocks ----------------------------------------------------------------------------------
    def title_block(self) -> None:
        t = self.h.title
        self.flow(t.kicker, KICKER, self.plain, span=True)
        self.flow(t.title, "Title", self.plain, span=True)
        for para in (t.source, t.credit, t.edition, self.h.stale_legend or ()):
            self.flow(para, TITLE_META, self.plain, span=True)
        self.end_pair()

    def heading(self, b: Heading) -> None:
        def fill(p: DocxParagraph, text: Text, _: int) -> None:
            if b.number:
                p.add_run(f"{b.number} ")
            self.text(p, text)

        paragraphs = self.flow(b.text, f"Heading {b.level}", fill, span=True, keep=True)
        self.bookmarks += 1
        add_bookmark(paragraphs[0], _bookmark_name(b.anchor), self.bookmarks)

    def paragraph(self, b: Paragraph) -> None:
        if b.role != "editor-note":
            self.flow(b.text, "Normal", self.plain)
            return
        labels = {t.lang: t for t in b.label or ()}

        def fill(p: DocxParagraph, text: Text, _: int) -> None:
            lang = langs.get(text.lang)
            label = labels.get(text.lang)
            if label is not None:
                self.text(p, label, bold=True)
                p.add_run("：" if lang.cjk else ": ")
            # Chinese has no italic: a slanted Han character is a distortion, so CJK text stays
            # upright and the note is told apart by its rule and colour.
            self.text(p, text, italic=False if lang.cjk else None)

        self.flow(b.text, EDITOR_NOTE, fill)

    def points(self, b: Points) -> None:
        self.flow(b.title, POINTS_TITLE, self.plain, keep=True)

        def fill(p: DocxParagraph, text: Text, _: int) -> None:
            mark = p.add_run(b.mark)
            colour = MARK_COLOURS.get(b.kind, ACCENT)
            set_run_properties(mark, font=SYMBOL_FONT, bold=True, colour=colour)
            p.add_run("\t")  # to the hanging indent, so wrapped lines align with the text
            self.text(p, text)

        for item in b.items:
            self.flow(item, "List Bullet", fill)

    def table(self, b: Table) -> None:
        self.end_pair()
        caption = self.add_paragraph("Caption")
        self.stacked(caption, b.caption, second_size=None)
        self.grid(b)
        self.notes(b)

    def stacked(
        self, p: DocxParagraph, para: Para, second_size: Pt | None = SECOND_SIZE, note: str | None = None
    ) -> None:
        """The languages of a table's text one under the other: the second smaller, in grey."""
        for i, text in enumerate(para):
            if i:
                p.add_run().add_break()
            self.text(p, text, size=second_size if i else None, colour=GREY if i else None)
            if i == 0 and note:
                sup = p.add_run(note)
                sup.font.superscript = True
                sup.font.bold = True

    def grid(self, b: Table) -> None:
        self.before_table()
        rows = (b.header, *b.rows)
        widths = column_widths(b, self.text_width())
        table = self.doc.add_table(rows=len(rows), cols=len(b.header))
        table.style = self.table_style  # looked up once: python-docx searches every style each time
        table.autofit = False
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        set_table_width(table, sum(widths))
        set_cell_margins(table, left=CELL_PAD, right=CELL_PAD, top=20, bottom=20)
        set_column_widths(table, widths)
        for r, (cells, row) in enumerate(zip(rows, table.rows, strict=True)):
            cant_split(row)
            for cell, data in zip(row.cells, cells, strict=True):
                self.cell(cell, data, TABLE_HEADING if r == 0 else TABLE_TEXT)
        mark_header_row(table.rows[0])

    def cell(self, cell: _Cell, data: Cell, style: str) -> None:
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
        p = cell.paragraphs[0]
        self.restyle(p, style)
        if data.kind == "flag":
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
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
                    title.add_run(" / ")
                self.text(title, text, bold=True)
        if not self.landscape:
            for note in b.notes:
                self.note(self.add_paragraph(TABLE_NOTE), note)
            return
        # Below a landscape table the notes fill two columns (down, then across), so a long
        # list of sources does not spill onto a page of its own.
        self.before_table()
        rows = -(-len(b.notes) // 2)
        width = self.text_width()
        table = self.doc.add_table(rows=rows, cols=2)
        table.autofit = False
        set_table_width(table, width)
        set_cell_margins(table, left=0, right=GUTTER)
        set_column_widths(table, [width // 2, width - width // 2])
        for k, note in enumerate(b.notes):
            p = table.rows[k % rows].cells[k // rows].paragraphs[0]
            self.restyle(p, TABLE_NOTE)
            self.note(p, note)

    def note(self, p: DocxParagraph, note: NoteLine) -> None:
        sup = p.add_run(note.mark)
        sup.font.superscript = True
        sup.font.bold = True
        p.add_run("\t")
        self.stacked(p, note.text or (), second_size=None)
        if note.url:
            if note.text:
                p.add_run(" ")
            add_hyperlink(p, note.url, note.url, ACCENT)

    def block(self, b: Block) -> None:
        if isinstance(b, Heading):
            self.heading(b)
        elif isinstance(b, Paragraph):
            self.paragraph(b)
        elif isinstance(b, Points):
            self.points(b)
        else:
            self.table(b)

    # -- the whole document ------------------------------------------------------------------
    def write(self) -> None:
        self.geometry(self.doc.sections[0])
        self.furniture(self.doc.sections[0])
        self.title_block()
        wide = _landscape_blocks(self.h.blocks)
        for i, block in enumerate(self.h.blocks):
            if (i in wide) != self.landscape:
                self.new_section(i in wide)
            self.block(block)
        self.end_pair()
        self.before_table()  # Word wants a paragraph, not a table, at the very end
        self.properties()

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


def docx(handout: Handout, options: Options) -> bytes:
    """The handout as a Word document (Office Open XML), reproducible byte for byte."""
    check_characters(handout)
    writer = _Writer(handout, options)
    writer.write()
    raw = io.BytesIO()
    writer.doc.save(raw)
    return normalise_zip(raw.getvalue(), handout.info.timestamp)
