"""PDF handouts, typeset with ReportLab Platypus.

A :class:`BaseDocTemplate` with two page templates (portrait for the text, landscape for the
wide comparison table) holds the page furniture: a running header and a "Page 3 of 7" footer,
drawn once the page count is known (:class:`pdfkit.DeferredCanvas`). The content is a list of
flowables built from the handout's blocks in order. Bilingual handouts set every unit as a
two-column borderless table row, one column per language; table cells stack the languages.

Text is set in the bundled Noto Sans SC (real bold, embedded as subsets), the ✓/✗ marks in
DejaVu Sans. Every character is checked against the font before anything is laid out, because
ReportLab silently drops glyphs a font lacks. The same handout always gives the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence
from functools import partial
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4, LETTER, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import getFont, stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Spacer,
    TableStyle,
)
from reportlab.platypus import (
    Table as RLTable,
)
from reportlab.platypus.flowables import HRFlowable

from pipeline import langs
from pipeline.errors import Position, Problem
from pipeline.export import Options, RenderError, pdfkit
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

PAPER = {"a4": A4, "letter": LETTER}
Runs = list[pdfkit.Run]  # one table cell's text, for measuring
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 20 * mm, 22 * mm, 20 * mm
GUTTER = 16  # between the two language columns, points
STALE_MARK = "‡"  # drawn in the symbol font; also what the Markdown export uses
HANDOUT_POS = Position("<handout>", 1, 1)

INK = colors.HexColor("#1B1F24")
SECOND = colors.HexColor("#3C4350")  # the second language of a bilingual handout
MUTED = colors.HexColor("#5F6773")
ACCENT = colors.HexColor("#1F4E79")
RULE = colors.HexColor("#B9C2CE")
HEADER_FILL = colors.HexColor("#E2E9F1")
ZEBRA = colors.HexColor("#F4F6F9")
NOTE_FILL = colors.HexColor("#EEF3F8")
STALE = colors.HexColor("#C05A00")
MARK_COLOURS = {"pro": colors.HexColor("#2E7D32"), "con": colors.HexColor("#C62828")}
TABLE_SIZES = (8.0, 7.5, 7.0)  # comparison table type, largest first; never below 7 pt
LANDSCAPE_COLUMNS = 6  # a comparison table with more columns goes on landscape pages
CELL_PAD = 3.5


def pdf(handout: Handout, options: Options) -> bytes:
    """The handout as a PDF document."""
    if options.paper not in PAPER:
        raise ValueError(f"unknown paper {options.paper!r}: use {', '.join(PAPER)}")
    pdfkit.extend_line_start_rules()
    fonts = pdfkit.fonts(options.font, options.bold_font)
    problems = glyph_problems(handout, fonts)
    if problems:
        raise RenderError(problems)
    out = io.BytesIO()
    doc = _document(out, handout, fonts, PAPER[options.paper])
    story = _Story(handout, fonts, PAPER[options.paper]).flowables()
    maker = partial(
        pdfkit.DeferredCanvas, furniture=partial(_furniture, handout, fonts), stamp=handout.info.timestamp
    )
    doc.build(story, canvasmaker=maker)
    return out.getvalue()


# -- glyph coverage ------------------------------------------------------------------------------
def glyph_problems(handout: Handout, fonts: pdfkit.Fonts) -> list[Problem]:
    """One problem per unit (and language) holding a character the fonts cannot draw."""
    text_faces = [fonts.regular] + ([fonts.bold] if fonts.bold != fonts.regular else [])
    seen: set[tuple[str, str, Position]] = set()
    problems: list[Problem] = []

    def check(texts: Iterable[Text], faces: list[str]) -> None:
        for t in texts:
            pos = t.pos or HANDOUT_POS
            key = (t.unit or "", t.lang, pos)
            if key in seen:
                continue
            for face in faces:
                ch = pdfkit.missing_char(t.text, fonts.face(face))
                if ch is not None:
                    seen.add(key)
                    message = f"character U+{ord(ch):04X} {ch!r} is not in font {fonts.files[face]}"
                    problems.append(Problem(pos, t.unit or "", message))
                    break

    lead = handout.langs[0]
    check(handout.texts(), text_faces)
    check((Text(lead, s) for s in _extra_strings(handout)), text_faces)
    marks = {b.mark for b in handout.blocks if isinstance(b, Points)} | {STALE_MARK}
    check((Text(lead, m) for m in sorted(marks)), [fonts.symbol])
    return problems


def _extra_strings(handout: Handout) -> Iterator[str]:
    """Printed strings that are not handout Texts: furniture, numbers, note letters, URLs."""
    yield handout.running_title
    yield handout.page_label(1, 1)
    for b in handout.blocks:
        if isinstance(b, Heading):
            yield b.number
        elif isinstance(b, Table):
            yield from (c.note for row in (b.header, *b.rows) for c in row if c.note)
            for n in b.notes:
                yield n.mark
                yield n.url or ""


# -- document and page furniture ---------------------------------------------------------------------
def _document(
    out: io.BytesIO, handout: Handout, fonts: pdfkit.Fonts, size: tuple[float, float]
) -> BaseDocTemplate:
    info = handout.info
    doc = BaseDocTemplate(
        out,
        pagesize=size,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=info.title,
        author=info.author,
        subject=info.subject,
        keywords=list(info.keywords),
        creator=info.creator,
        lang=info.language,
        invariant=1,
        displayDocTitle=1,
        # without these the canvas opens with Helvetica, which ends up in the file unembedded
        initialFontName=fonts.regular,
        initialFontSize=10,
        initialLeading=14,
    )
    doc.addPageTemplates([_template("portrait", size), _template("landscape", landscape(size))])
    return doc


def _template(name: str, size: tuple[float, float]) -> PageTemplate:
    frame = Frame(
        MARGIN_X,
        MARGIN_BOTTOM,
        *_frame_size(size),
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id=name,
    )
    return PageTemplate(id=name, frames=[frame], pagesize=size)


def _frame_size(page: tuple[float, float]) -> tuple[float, float]:
    """Width and height of the text frame on a page of this size."""
    return page[0] - 2 * MARGIN_X, page[1] - MARGIN_TOP - MARGIN_BOTTOM


def _fit(text: str, font: str, size: float, width: float) -> tuple[str, float]:
    """Shrink a furniture line down to 6 pt, then cut it with an ellipsis, to fit ``width``."""
    while size > 6 and stringWidth(text, font, size) > width:
        size -= 0.5
    ellipsis = "…" if ord("…") in getFont(font).face.charToGlyph else "..."
    while len(text) > 1 and stringWidth(text, font, size) > width:
        text = text[: -1 - len(ellipsis)] + ellipsis
    return text, size


def _furniture(handout: Handout, fonts: pdfkit.Fonts, canvas: Canvas, page: int, pages: int) -> None:
    """Running header (not on the title page) and the "Page 3 of 7" footer."""
    w, h = canvas._pagesize
    usable = w - 2 * MARGIN_X
    canvas.setFillColor(MUTED)
    if page == 1:
        canvas.showOutline()  # open the bookmarks panel in viewers
    else:
        text, size = _fit(handout.running_title, fonts.regular, 8, usable)
        canvas.setFont(fonts.regular, size)
        canvas.drawString(MARGIN_X, h - MARGIN_TOP + 9 * mm, text)
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN_X, h - MARGIN_TOP + 7 * mm, w - MARGIN_X, h - MARGIN_TOP + 7 * mm)
    label, size = _fit(handout.page_label(page, pages), fonts.regular, 8, usable)
    canvas.setFont(fonts.regular, size)
    canvas.drawCentredString(w / 2, MARGIN_BOTTOM - 10 * mm, label)


# -- styles --------------------------------------------------------------------------------------------
# name: (size, leading, bold, colour, extra ParagraphStyle attributes)
_SPECS: dict[str, tuple[float, float, bool, colors.Color, dict[str, Any]]] = {
    "body": (10, 14.5, False, INK, {"spaceAfter": 6}),
    "kicker": (10.5, 14, True, ACCENT, {"spaceAfter": 6}),
    "title": (22, 28, True, INK, {"spaceAfter": 2}),
    "title2": (15, 20, True, SECOND, {"spaceAfter": 2}),
    "source": (9.5, 13.5, False, INK, {"spaceAfter": 3}),
    "credit": (8, 11.5, False, MUTED, {"spaceAfter": 3}),
    "edition": (9, 13, False, MUTED, {}),
    "h1": (15, 20, True, ACCENT, {"spaceBefore": 18, "spaceAfter": 8, "keepWithNext": 1}),
    "h2": (12, 16, True, INK, {"spaceBefore": 12, "spaceAfter": 5, "keepWithNext": 1}),
    "points": (9, 12.5, True, INK, {"spaceBefore": 5, "spaceAfter": 3, "keepWithNext": 1}),
    "item": (
        10,
        14.5,
        False,
        INK,
        {"leftIndent": 16, "bulletIndent": 2, "bulletFontSize": 9.5, "spaceAfter": 2},
    ),
    "label": (8.5, 12, True, ACCENT, {"spaceAfter": 2}),
    "note": (9.5, 14, False, INK, {}),
    "caption": (9.5, 13, True, INK, {"spaceAfter": 6, "keepWithNext": 1}),
    "cell": (8, 10.5, False, INK, {}),
    "tnote": (8.5, 12, False, INK, {}),
}


class _Styles:
    """Paragraph styles by role and language; every one names the registered fonts."""

    def __init__(self, fonts: pdfkit.Fonts) -> None:
        self.fonts = fonts
        self._cache: dict[tuple[Any, ...], ParagraphStyle] = {}

    def __call__(self, role: str, lang: str, **overrides: Any) -> ParagraphStyle:
        key = (role, lang, tuple(sorted(overrides.items())))
        style = self._cache.get(key)
        if style is None:
            style = self._cache[key] = self._make(role, lang, overrides)
        return style

    def _make(self, role: str, lang: str, overrides: dict[str, Any]) -> ParagraphStyle:
        size, leading, bold, colour, extra = _SPECS[role]
        cjk = langs.get(lang).cjk
        attrs: dict[str, Any] = {
            "fontName": self.fonts.bold if bold else self.fonts.regular,
            "fontSize": size,
            # CJK text sits on a square em and reads better with a little more air
            "leading": leading * (1.06 if cjk else 1.0),
            "textColor": colour,
            "bulletFontName": self.fonts.symbol,
            "alignment": TA_LEFT,
            "allowWidows": 0,
            "allowOrphans": 0,
            "wordWrap": "CJK" if cjk else None,
            **extra,
            **overrides,
        }
        return ParagraphStyle(f"{role}-{lang}", **attrs)


# -- flowable helpers -------------------------------------------------------------------------------------
class _Wrapped(Flowable):
    """A flowable that lays out exactly like the one it wraps and draws something extra."""

    def __init__(self, inner: Flowable) -> None:
        super().__init__()
        self.inner = inner

    def wrap(self, aW: float, aH: float) -> tuple[float, float]:
        self.width, self.height = self.inner.wrapOn(self.canv, aW, aH)
        return self.width, self.height

    def split(self, aW: float, aH: float) -> list[Flowable]:
        parts = self.inner.splitOn(self.canv, aW, aH)
        return [self.again(parts[0]), *parts[1:]] if parts else []

    def again(self, inner: Flowable) -> Flowable:
        """The same decoration around another flowable (the first part of a split)."""
        return type(self)(inner)

    def getSpaceBefore(self) -> float:
        return self.inner.getSpaceBefore()

    def getSpaceAfter(self) -> float:
        return self.inner.getSpaceAfter()

    def getKeepWithNext(self) -> bool:
        # KeepTogether clears keepWithNext on what it groups, so that it is not grouped again
        if "keepWithNext" in self.__dict__:
            return bool(self.keepWithNext)
        return bool(self.inner.getKeepWithNext())

    def draw(self) -> None:
        self.inner.drawOn(self.canv, 0, 0)


class _SideRule(_Wrapped):
    """An orange rule in the margin left of a stale translation; it sits outside the text, so
    marked and unmarked items stay aligned."""

    def draw(self) -> None:
        super().draw()
        self.canv.setStrokeColor(STALE)
        self.canv.setLineWidth(1.5)
        self.canv.line(-5, 0, -5, self.height)


class _Anchored(_Wrapped):
    """A heading with its bookmark and outline entry. Part of the heading rather than a
    flowable of its own, so keep-with-next sees the heading's own space before it."""

    def __init__(self, inner: Flowable, key: str, title: str, level: int) -> None:
        super().__init__(inner)
        self.key, self.title, self.level = key, title, level

    def again(self, inner: Flowable) -> Flowable:
        return _Anchored(inner, self.key, self.title, self.level)

    def draw(self) -> None:
        self.canv.bookmarkHorizontal(self.key, 0, self.height + 6)
        self.canv.addOutlineEntry(self.title, self.key, self.level, closed=False)
        super().draw()


def _table_style(fonts: pdfkit.Fonts, *commands: tuple[Any, ...]) -> TableStyle:
    # FONT names our font even though every cell holds Paragraphs: a table's default font is
    # Helvetica, and naming it anywhere adds an unembedded base-14 font to the file
    return TableStyle(
        [("FONT", (0, 0), (-1, -1), fonts.regular, 8), ("VALIGN", (0, 0), (-1, -1), "TOP"), *commands]
    )


def _plain(text: str) -> str:
    return " ".join(text.split())


# -- the story ------------------------------------------------------------------------------------------
class _Story:
    """Flowables for one handout, block by block."""

    def __init__(self, handout: Handout, fonts: pdfkit.Fonts, page: tuple[float, float]) -> None:
        self.h = handout
        self.fonts = fonts
        self.style = _Styles(fonts)
        self.frames = {"portrait": _frame_size(page), "landscape": _frame_size(landscape(page))}
        self.out: list[Flowable] = []
        self.outline_level = -1
        self.landscape = False  # laying out blocks for the landscape template

    @property
    def width(self) -> float:
        """The width of the frame being filled."""
        return self.frames["landscape" if self.landscape else "portrait"][0]

    @property
    def height(self) -> float:
        return self.frames["landscape" if self.landscape else "portrait"][1]

    # text ---------------------------------------------------------------------------------------
    def ink(self, t: Text, note: str | None = None) -> str:
        """Markup for one Text: escaped, stale ones marked, an optional note letter."""
        body = pdfkit.markup(t.text)
        if t.stale:
            body = (
                f'<font name="{self.fonts.symbol}" color="{STALE.hexval()}">{STALE_MARK}</font> '
                f'<font color="{STALE.hexval()}">{body}</font>'
            )
        if note:
            body += f"<super>{pdfkit.markup(note)}</super>"
        return body

    def para(self, t: Text, role: str, prefix: str = "", **overrides: Any) -> pdfkit.Paragraph:
        return pdfkit.Paragraph(prefix + self.ink(t), self.style(role, t.lang, **overrides))

    def is_second(self, t: Text) -> bool:
        return self.h.bilingual and t.lang != self.h.langs[0]

    # layout helpers ---------------------------------------------------------------------------
    def pair(
        self,
        rows: Sequence[Sequence[Sequence[Flowable]]],
        stale: Sequence[Sequence[bool]],
        keep: bool = False,
        space: tuple[float, float] = (0, 6),
    ) -> RLTable:
        """Side-by-side language columns: a borderless row per unit, so both languages of a
        unit start on the same line."""
        half = self.width / 2
        commands: list[tuple[Any, ...]] = [
            ("LEFTPADDING", (0, 0), (0, -1), 0),
            ("RIGHTPADDING", (0, 0), (0, -1), GUTTER / 2),
            ("LEFTPADDING", (1, 0), (1, -1), GUTTER / 2),
            ("RIGHTPADDING", (1, 0), (1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
        ]
        data = [
            [[self.single(f, is_stale) for f in cell] for cell, is_stale in zip(row, flags, strict=True)]
            for row, flags in zip(rows, stale, strict=True)
        ]
        table = RLTable(
            data, colWidths=[half, half], style=_table_style(self.fonts, *commands), hAlign="LEFT"
        )
        table.spaceBefore, table.spaceAfter = space
        if keep:
            table.keepWithNext = 1
        return table

    @staticmethod
    def single(flowable: Flowable, stale: bool) -> Flowable:
        """A flowable of one language's text; a stale one gets the orange side rule."""
        return _SideRule(flowable) if stale else flowable

    def column(self, t: Text) -> int:
        """The column of a language in a bilingual handout."""
        return self.h.langs.index(t.lang) if t.lang in self.h.langs else 0

    def unit(
        self,
        texts: Para,
        role: str,
        space: tuple[float, float] = (0, 6),
        keep: bool = False,
        columns: bool = False,
    ) -> Flowable:
        """A Para: two language columns side by side; a single Text spans the page, or with
        ``columns`` keeps to its language's column (a unit not translated yet)."""
        if len(texts) == 1 and not (columns and self.h.bilingual):
            return self.single(self.para(texts[0], role), texts[0].stale)
        row: list[list[Flowable]] = [[], []]
        stale = [False, False]
        for i, t in enumerate(texts[:2]):
            col = self.column(t) if len(texts) == 1 else i
            extra = {"textColor": SECOND} if self.is_second(t) else {}
            row[col] = [self.para(t, role, spaceBefore=0, spaceAfter=0, **extra)]
            stale[col] = t.stale
        return self.pair([row], [stale], keep=keep, space=space)

    # title block ---------------------------------------------------------------------------------
    def title_block(self) -> None:
        t = self.h.title
        self.out.append(self.joined(t.kicker, "kicker"))
        for i, text in enumerate(t.title):
            self.out.append(self.para(text, "title" if i == 0 else "title2"))
        self.out.append(Spacer(1, 6))
        self.out.append(self.unit(t.source, "source", space=(0, 3)))
        self.out.append(self.unit(t.credit, "credit", space=(0, 3)))
        self.out.append(self.joined(t.edition, "edition"))
        if self.h.stale_legend:
            self.out.append(self.joined(self.h.stale_legend, "edition"))
        self.out.append(HRFlowable(width="100%", thickness=1.2, color=ACCENT, spaceBefore=8, spaceAfter=10))

    def joined(self, texts: Para, role: str, **overrides: Any) -> pdfkit.Paragraph:
        """Short UI lines ("Chapter 14", the edition date) in every language on one line."""
        body = " / ".join(self.ink(t) for t in texts)
        return pdfkit.Paragraph(body, self.style(role, texts[0].lang, **overrides))

    # blocks ------------------------------------------------------------------------------------------
    def heading(self, b: Heading) -> None:
        role = "h1" if b.level <= 1 else "h2"
        number = f"{pdfkit.markup(b.number)}\u00a0\u00a0" if b.number else ""
        if b.level > 1 and number:
            number = f'<font color="{ACCENT.hexval()}">{number}</font>'
        flowable: Flowable
        if len(b.text) == 1:
            flowable = self.para(b.text[0], role, prefix=number)
        else:
            spec = _SPECS[role][4]
            row = [[self.para(t, role, prefix=number, spaceBefore=0, spaceAfter=0)] for t in b.text[:2]]
            flowable = self.pair(
                [row],
                [[t.stale for t in b.text[:2]]],
                keep=True,
                space=(spec["spaceBefore"], spec["spaceAfter"]),
            )
        title = " / ".join(_plain(t.text) for t in b.text)
        level = min(max(b.level - 1, 0), self.outline_level + 1)  # outlines may not skip a level
        self.outline_level = level
        self.out.append(_Anchored(flowable, b.anchor, f"{b.number} {title}".strip(), level))

    def paragraph(self, b: Paragraph) -> None:
        if b.role != "editor-note":
            self.out.append(self.unit(b.text, "body", columns=True))
            return
        labels = {t.lang: t for t in b.label or ()}
        cols = []
        for t in b.text:
            cell: list[Flowable] = []
            label = labels.get(t.lang)
            if label is not None:
                cell.append(self.para(label, "label"))
            cell.append(self.para(t, "note", **({"textColor": SECOND} if self.is_second(t) else {})))
            cols.append(cell)
        width = self.width / len(cols)
        commands: list[tuple[Any, ...]] = [
            ("BACKGROUND", (0, 0), (-1, -1), NOTE_FILL),
            ("LINEBEFORE", (0, 0), (0, -1), 2, ACCENT),
            ("TOPPADDING", (0, 0), (-1, -1), 6),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
            ("LEFTPADDING", (0, 0), (-1, -1), 9),
            ("RIGHTPADDING", (0, 0), (-1, -1), 9),
        ]
        for col, t in enumerate(b.text):
            if t.stale:
                commands.append(("LINEBEFORE", (col, 0), (col, 0), 2, STALE))
        table = RLTable(
            [cols], colWidths=[width] * len(cols), style=_table_style(self.fonts, *commands), hAlign="LEFT"
        )
        table.spaceBefore, table.spaceAfter = 4, 10
        self.out.append(table)

    def points(self, b: Points) -> None:
        """A small heading ("Pros") and the items, each with the ✓/✗ mark as its bullet."""
        colour = MARK_COLOURS.get(b.kind, INK)

        def item(t: Text, **extra: Any) -> pdfkit.Paragraph:
            style = self.style("item", t.lang, bulletColor=colour, **extra)
            return pdfkit.Paragraph(self.ink(t), style, bulletText=b.mark)

        if not self.h.bilingual:
            self.out.append(self.joined(b.title, "points"))
            self.out += [self.single(item(entry[0]), entry[0].stale) for entry in b.items]
            self.out.append(Spacer(1, 4))
            return
        self.out.append(self.unit(b.title, "points", space=(5, 3), keep=True))
        rows, stale = [], []
        for entry in b.items:
            row: list[list[Flowable]] = [[], []]
            flags = [False, False]
            for t in entry[:2]:
                col = self.column(t)
                extra = {"textColor": SECOND} if self.is_second(t) else {}
                row[col] = [item(t, spaceAfter=0, **extra)]
                flags[col] = t.stale
            rows.append(row)
            stale.append(flags)
        table = self.pair(rows, stale, space=(0, 8))
        table.setStyle(TableStyle([("BOTTOMPADDING", (0, 0), (-1, -1), 3)]))
        self.out.append(table)

    # tables -------------------------------------------------------------------------------------------
    def table(self, b: Table) -> None:
        if b.role == "comparison":
            self.comparison(b, self.width)
        else:
            self.glossary(b)

    def stacked(self, cell: Cell, size: float, bold: bool, align: int) -> list[Flowable]:
        """A table cell: the first language, then the second smaller and in grey below it."""
        out: list[Flowable] = []
        for i, t in enumerate(cell.text):
            second = i > 0
            font = self.fonts.bold if bold and not second else self.fonts.regular
            s = max(7.0, size - 1) if second else size
            style = self.style(
                "cell",
                t.lang,
                fontName=font,
                fontSize=s,
                leading=round(s * 1.3, 2),
                textColor=MUTED if second else INK,
                alignment=align,
                spaceBefore=1.5 if second else 0,
            )
            out.append(pdfkit.Paragraph(self.ink(t, None if second else cell.note), style))
        return out

    def runs(self, cell: Cell, size: float, bold: bool) -> list[pdfkit.Run]:
        out = []
        for i, t in enumerate(cell.text):
            font = self.fonts.bold if bold and i == 0 else self.fonts.regular
            text = t.text + (f" {STALE_MARK}" if t.stale else "") + ((cell.note or "") if i == 0 else "")
            out.append(pdfkit.Run(text, font, max(7.0, size - 1) if i else size, langs.get(t.lang).cjk))
        return out

    def comparison_widths(
        self, b: Table, width: float, height: float = 0
    ) -> tuple[float, list[float]] | None:
        """The type size (≥ 7 pt) and column widths for a comparison table ``width`` wide.

        Of the column widths that keep headers to two lines, three, or break them only between
        words, those giving the shortest table win. The largest size that fits is used, unless
        a smaller one keeps the table within ``height`` (one page) where the largest does not.
        None when even 7 pt does not fit.
        """
        found: list[tuple[float, float, list[float]]] = []  # (size, estimated height, widths)
        for size in TABLE_SIZES:
            header = [self.runs(c, size, True) for c in b.header]
            rows = [[self.runs(c, size, i == 0) for i, c in enumerate(r)] for r in b.rows]
            options = [pdfkit.column_widths(header, rows, width, 2 * CELL_PAD, lines) for lines in (2, 3, 0)]
            scored = [(self.estimate(header, rows, w), w) for w in options if w is not None]
            if scored:
                found.append((size, *min(scored, key=lambda hw: hw[0])))
        if not found:
            return None
        short = [f for f in found if f[1] <= height]
        size, _, widths = short[0] if short else found[0]
        return size, widths

    @staticmethod
    def estimate(header: list[Runs], rows: list[list[Runs]], widths: list[float]) -> float:
        """Roughly how tall the comparison table will be."""
        padding = 7 * (len(rows) + 1)  # TOPPADDING + BOTTOMPADDING of each row
        return pdfkit.table_height(header, rows, widths, 2 * CELL_PAD) + padding

    def wants_landscape(self, b: Table) -> bool:
        """A comparison table with many columns, or one whose columns do not fit the portrait
        frame at the largest type size, is set on landscape pages."""
        if b.role != "comparison":
            return False
        fit = self.comparison_widths(b, self.frames["portrait"][0])
        return len(b.header) > LANDSCAPE_COLUMNS or fit is None or fit[0] < TABLE_SIZES[0]

    def comparison(self, b: Table, width: float) -> None:
        # when even 7 pt cannot hold the longest words: equal columns, ReportLab splits words
        equal = (TABLE_SIZES[-1], [width / len(b.header)] * len(b.header))
        # a page less the heading and caption above the table
        size, widths = self.comparison_widths(b, width, self.height - 70) or equal
        self.out.append(self.unit(b.caption, "caption", space=(0, 6), keep=True))
        header = [self.stacked(c, size, True, TA_LEFT) for c in b.header]
        rows = [
            [
                self.stacked(c, size, i == 0, TA_CENTER if c.kind == "flag" else TA_LEFT)
                for i, c in enumerate(r)
            ]
            for r in b.rows
        ]
        style = _table_style(
            self.fonts,
            ("GRID", (0, 0), (-1, -1), 0.4, RULE),
            ("LINEBELOW", (0, 0), (-1, 0), 0.9, ACCENT),
            ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
            ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, ZEBRA]),
            ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
            ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        )
        table = RLTable([header, *rows], colWidths=widths, style=style, repeatRows=1, hAlign="LEFT")
        table.spaceAfter = 8
        self.out.append(table)
        if b.notes:
            self.notes(b, width)

    def notes(self, b: Table, width: float) -> None:
        """The table's notes: a mark column and a column per language; a one-language list
        longer than three notes runs in two columns (a-e | f-j) to stay on the table's page."""
        if b.notes_title:
            self.out.append(self.joined(b.notes_title, "label", keepWithNext=1))
        langs_n = len(self.h.langs)
        groups = 2 if langs_n == 1 and len(b.notes) > 3 else 1
        per_group = -(-len(b.notes) // groups)
        mark_w, group_w = 14.0, width / groups
        col_w = (group_w - mark_w) / langs_n
        data: list[list[Any]] = [[] for _ in range(per_group)]
        commands: list[tuple[Any, ...]] = []
        for k, note in enumerate(b.notes):
            g, r = divmod(k, per_group)
            first = g * (1 + langs_n)
            mark = pdfkit.Paragraph(
                f"<b>{pdfkit.markup(note.mark)}</b>", self.style("tnote", self.h.langs[0], textColor=ACCENT)
            )
            cells = self.note_cells(note, langs_n)
            if len(cells) < langs_n:  # a URL alone spans the language columns
                commands.append(("SPAN", (first + 1, r), (first + langs_n, r)))
                cells += [[] for _ in range(langs_n - len(cells))]
            data[r] += [[mark], *cells]
        for row in data:  # the last group may be shorter
            row += [[] for _ in range(groups * (1 + langs_n) - len(row))]
        style = _table_style(
            self.fonts,
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), GUTTER / 2),
            ("TOPPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            *commands,
        )
        table = RLTable(data, colWidths=([mark_w] + [col_w] * langs_n) * groups, style=style, hAlign="LEFT")
        table.spaceAfter = 8
        self.out.append(table)

    def note_cells(self, note: NoteLine, ncols: int) -> list[list[Flowable]]:
        link = ""
        if note.url:
            link = (
                f'<a href="{pdfkit.attr(note.url)}" color="{ACCENT.hexval()}">{pdfkit.markup(note.url)}</a>'
            )
        if not note.text:
            return [[pdfkit.Paragraph(link, self.style("tnote", self.h.langs[0]))]]
        cells = []
        for t in note.text[:ncols]:
            extra = {"textColor": SECOND} if self.is_second(t) else {}
            body = self.ink(t) + (f" {link}" if link else "")
            cells.append([pdfkit.Paragraph(body, self.style("tnote", t.lang, **extra))])
        return cells

    def glossary(self, b: Table) -> None:
        self.out.append(self.unit(b.caption, "caption", space=(0, 6), keep=True))
        n = len(b.header)
        header = [self.stacked(c, 9, True, TA_LEFT) for c in b.header]
        rows = [[self.stacked(c, 9, False, TA_LEFT) for c in r] for r in b.rows]
        style = _table_style(
            self.fonts,
            ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
            ("LINEBELOW", (0, 0), (-1, 0), 0.9, ACCENT),
            ("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE),
            ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, ZEBRA]),
            ("LEFTPADDING", (0, 0), (-1, -1), 6),
            ("RIGHTPADDING", (0, 0), (-1, -1), 6),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        )
        table = RLTable(
            [header, *rows], colWidths=[self.width / n] * n, style=style, repeatRows=1, hAlign="LEFT"
        )
        table.spaceAfter = 8
        self.out.append(table)

    # assembly ------------------------------------------------------------------------------------------
    def block(self, b: Block) -> None:
        if isinstance(b, Heading):
            self.heading(b)
        elif isinstance(b, Paragraph):
            self.paragraph(b)
        elif isinstance(b, Points):
            self.points(b)
        else:
            self.table(b)

    def flowables(self) -> list[Flowable]:
        self.title_block()
        blocks = self.h.blocks
        spans = dict(self.landscape_spans())
        i = 0
        while i < len(blocks):
            if i not in spans:
                self.block(blocks[i])
                i += 1
                continue
            # the wide table, its heading and its editor's notes get landscape pages of their own
            end = spans[i]
            self.out += [NextPageTemplate("landscape"), PageBreak()]
            self.landscape = True
            for b in blocks[i:end]:
                self.block(b)
            self.landscape = False
            if end < len(blocks):
                self.out += [NextPageTemplate("portrait"), PageBreak()]
            i = end
        return self.out

    def landscape_spans(self) -> Iterator[tuple[int, int]]:
        """(start, end) of the blocks set on landscape pages: each wide table with the heading
        just before it and the editor's notes just after it."""
        blocks = self.h.blocks
        for i, b in enumerate(blocks):
            if isinstance(b, Table) and self.wants_landscape(b):
                start = i - 1 if i > 0 and isinstance(blocks[i - 1], Heading) else i
                end = i + 1
                while end < len(blocks) and getattr(blocks[end], "role", None) == "editor-note":
                    end += 1
                yield start, end
