"""PDF handouts, typeset with ReportLab Platypus.

A :class:`BaseDocTemplate` with two page templates (portrait for the text, landscape for wide
tables) holds the page furniture: a running header and a "Page 3 of 7" footer, drawn once the
page count is known (:class:`pdfkit.DeferredCanvas`). The content is a list of flowables built
from the handout's blocks in order, one function per block kind (:data:`_BLOCKS`). Bilingual
handouts set every unit as a two-column borderless table row, one column per language; table
cells stack the languages; code and displayed formulas are shown once.

Figures and formulas are vector paths: an SVG figure goes through svglib (its lettering in the
language's face), a formula through ziamath (:mod:`pipeline.export.mathrender`) and svglib; PNG
and JPEG figures are images. ziamath and svglib are imported only for a handout that has them.

Inline elements become ReportLab markup (:meth:`_Story.inline`): bold, italic, sub- and
superscripts, links, cross-references and footnote numbers as internal links to the bookmark
of their target, code in its own face, formulas as drawings in the line. Text is set in the
bundled Noto Sans SC (real bold, embedded as subsets), the ✓/✗ marks in DejaVu Sans, Latin
italics in DejaVu Sans Oblique, code in DejaVu Sans Mono and TeX that ziamath cannot set in
DejaVu Serif Italic; a character one of those faces lacks (Chinese in a code comment) is set in
the text font instead. Every character is checked against the fonts before anything is laid
out, because ReportLab silently drops glyphs a font lacks (a typeset formula's against ziamath's
STIX Two Math, an SVG figure's lettering against its face). Footnotes are printed at the end,
under "Notes". The same handout always gives the same bytes.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, partial
from itertools import groupby
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, LETTER, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    Image,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Spacer,
    TableStyle,
    XPreformatted,
)
from reportlab.platypus import (
    Table as RLTable,
)
from reportlab.platypus.flowables import HRFlowable

from pipeline import faces, langs, media
from pipeline.errors import Position, Problem
from pipeline.export import Options, RenderError, mathrender, pdfkit
from pipeline.export.layout import (
    STALE_MARK,
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
)

PAPER = {"a4": A4, "letter": LETTER}
Runs = list[pdfkit.Run]  # one table cell's text, for measuring
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 20 * mm, 22 * mm, 20 * mm
GUTTER = 16  # between the two language columns, points
HANDOUT_POS = Position("<handout>", 1, 1)
NOTES_ANCHOR = "footnotes"  # the bookmark of the notes at the end (no block anchor looks like it)

INK = colors.HexColor("#1B1F24")
SECOND = colors.HexColor("#3C4350")  # the second language of a bilingual handout
MUTED = colors.HexColor("#5F6773")
ACCENT = colors.HexColor("#1F4E79")
RULE = colors.HexColor("#B9C2CE")
HEADER_FILL = colors.HexColor("#E2E9F1")
ZEBRA = colors.HexColor("#F4F6F9")
NOTE_FILL = colors.HexColor("#EEF3F8")
CODE_FILL = colors.HexColor("#F3F4F6")
STALE = colors.HexColor("#C05A00")
MARK_COLOURS = {"pros": colors.HexColor("#2E7D32"), "cons": colors.HexColor("#C62828")}
# callout style: (rule and label colour, background)
CALLOUT_COLOURS = {
    "note": (ACCENT, NOTE_FILL),
    "tip": (colors.HexColor("#2E7D32"), colors.HexColor("#EEF6EE")),
    "warning": (colors.HexColor("#B3261E"), colors.HexColor("#FBEDEC")),
    "editor": (ACCENT, NOTE_FILL),
}
BULLETS = ("•", "◦", "▪")  # by depth of nesting; drawn in the symbol font
ATTRIBUTION = "— "  # before the source of a quote
CONTINUED = "↪"  # starts the rest of a code line too long for the page (symbol font)
TABLE_SIZES = (8.0, 7.5, 7.0)  # table type, largest first; never below 7 pt
CODE_SIZES = (8.5, 8.0, 7.5, 7.0)  # code type: smaller before lines are broken
LANDSCAPE_COLUMNS = 6  # a table with more columns goes on landscape pages
CELL_PAD = 3.5
CODE_PAD = 5.0
LIST_STEP = 14.0  # indent of each level of a nested list
# formulas: ziamath sets 24 px type, which svglib reads as 18 pt (a px is 0.75 pt); inline ones
# are scaled to their line's type size, displayed ones to DISPLAY_SIZE
PX = 0.75
MATH_PT = 24 * PX
DISPLAY_SIZE = 11.0
FIGURE_HEIGHT = 0.4  # a figure takes at most this share of the frame's height
# per-language figures go side by side only when each keeps this share of its natural width in
# its language's column; smaller, their lettering would be hard to read
READABLE = 0.6


def pdf(handout: Handout, options: Options) -> bytes:
    """The handout as a PDF document."""
    if options.paper not in PAPER:
        raise ValueError(f"unknown paper {options.paper!r}: use {', '.join(PAPER)}")
    pdfkit.extend_line_start_rules()
    pdfkit.allow_vector_images()
    fonts = pdfkit.fonts(options.font, options.bold_font, _face_files(handout, options), handout.langs[0])
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


def _face_files(handout: Handout, options: Options) -> dict[str, tuple[str, str]]:
    """The (regular, bold) files of each language printed: --font, else the book's font for the
    language (book.yaml fonts:), else the regional face of its script (pipeline.faces)."""
    used = dict.fromkeys([*handout.langs, *(t.lang for t in handout.texts() if t.missing)])
    out: dict[str, tuple[str, str]] = {}
    problems = []
    for code in used:
        if options.font:
            out[code] = (options.font, options.bold_font or options.font)
        elif code in handout.fonts:
            regular, bold = handout.fonts[code]
            out[code] = (regular, bold or regular)
        else:
            try:
                out[code] = faces.paths(faces.SCRIPT_FACES[langs.get(code).script.font])
            except faces.FaceError as exc:
                problems.append(Problem(HANDOUT_POS, code, str(exc)))
    if problems:
        raise RenderError(problems)
    return out


# -- walking the handout ---------------------------------------------------------------------------
def _all_blocks(blocks: Iterable[Block]) -> Iterator[Block]:
    """Every block, those inside callouts and nested lists included."""
    for b in blocks:
        yield b
        if isinstance(b, Callout):
            yield from _all_blocks(b.blocks)
        elif isinstance(b, ListBlock):
            yield from _all_blocks(i.children for i in b.items if i.children is not None)


def _anchors(handout: Handout) -> set[str]:
    """The anchors the PDF bookmarks; a link to any other would make ReportLab fail."""
    out = {note.anchor for note in handout.footnotes}
    for b in _all_blocks(handout.blocks):
        if isinstance(b, (Heading, Figure, MathBlock)) or (isinstance(b, Table) and b.anchor):
            out.add(b.anchor)  # type: ignore[arg-type]
    out.discard("")
    return out


def _split_plain(nodes: Iterable[Any]) -> tuple[str, str, str, str]:
    """The printed characters of inline nodes: (text, code, math set as TeX source, the
    characters of typeset formulas that are not plain ASCII TeX)."""
    text, code, math, typeset = [], [], [], []
    for n in nodes:
        if isinstance(n, str):
            text.append(n)
        elif isinstance(n, Span):
            t, c, m, f = _split_plain(n.children)
            text.append(t), code.append(c), math.append(m), typeset.append(f)
        elif isinstance(n, CodeSpan):
            code.append(n.value)
        elif isinstance(n, MathSpan):
            if _formula(n.value, False) is None:
                math.append(n.value)
            else:
                typeset.append(_formula_chars(n.value))
        elif isinstance(n, XRef):
            text.append(n.label)
        elif isinstance(n, NoteRef):
            text.append(str(n.number))
    return "".join(text), "".join(code), "".join(math), "".join(typeset)


def _has_math(nodes: Iterable[Any]) -> bool:
    return any(isinstance(n, MathSpan) or (isinstance(n, Span) and _has_math(n.children)) for n in nodes)


# -- formulas and figures as vector drawings ------------------------------------------------------
@dataclass(frozen=True)
class _Math:
    """A typeset formula: ReportLab drawing of vector paths, its size in points at 24 px type
    and how far it reaches below its baseline."""

    drawing: Any
    width: float
    height: float
    descent: float


@cache
def _formula(tex: str, display: bool) -> _Math | None:
    """The formula as vector paths (mathrender's SVG through svglib), or None when ziamath
    cannot set this TeX: it is then printed as its source, in the math face, as before."""
    from svglib.svglib import svg2rlg

    try:
        svg = mathrender.svg(tex, display)
    except Exception:  # ziamath fails with assertions and key errors on TeX it cannot parse
        return None
    box = re.search(r'viewBox="([^"]+)"', svg)
    drawing = svg2rlg(io.BytesIO(svg.encode("utf-8")))
    if drawing is None or box is None or not drawing.width or not drawing.height:
        return None
    _, top, _, height = (float(v) for v in box.group(1).replace(",", " ").split())
    # ziamath puts the baseline at y = 0 of the SVG, whose view box starts at the top of the ink
    return _Math(drawing, float(drawing.width), float(drawing.height), max(0.0, top + height) * PX)


def _formula_chars(tex: str) -> str:
    """The characters of a TeX formula that need a glyph of their own in ziamath's font: ASCII
    is TeX syntax (and STIX Two Math has all of it)."""
    return "".join(ch for ch in tex if ord(ch) > 0x7E)


@cache
def _math_face() -> str:
    """The registered name of ziamath's STIX Two Math: what a typeset formula can draw (it is
    used only to look up glyphs, never to set text). Found without importing ziamath."""
    spec = importlib.util.find_spec("ziamath")
    where = spec.submodule_search_locations if spec else None
    if not where:
        raise RenderError([Problem(HANDOUT_POS, "", "ziamath is not installed: formulas cannot be set")])
    return pdfkit.load_font(os.path.join(next(iter(where)), "fonts", "STIXTwoMath-Regular.ttf")).fontName


def _svg_drawing(path: str, regular: str, bold: str) -> Any:
    """An SVG figure as a ReportLab drawing. Its lettering is set in the figure's language's
    text face: svglib would otherwise map 'sans-serif' to Helvetica, which has no Chinese and
    is not embedded."""
    from svglib.fonts import FontMap
    from svglib.svglib import svg2rlg

    class Faces(FontMap):
        def find_font(
            self, font_name: str, weight: str = "normal", style: str = "normal"
        ) -> tuple[str, bool]:
            heavy = str(weight).lower() in ("bold", "bolder", "600", "700", "800", "900")
            return (bold if heavy else regular), True

    return svg2rlg(path, font_map=Faces())


def _svg_text(path: str) -> str:
    """The lettering of an SVG figure (the loader has checked the file is safe to parse)."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.parse(path, parser).getroot()
    except (OSError, etree.XMLSyntaxError):
        return ""
    text = root.iter("{http://www.w3.org/2000/svg}text")
    return "".join("".join(el.itertext()) for el in text)


# -- glyph coverage ------------------------------------------------------------------------------
def _missing(text: str, faces: Sequence[str], fonts: pdfkit.Fonts) -> str | None:
    """The first character of ``text`` that none of ``faces`` can draw."""
    if len(faces) == 1:
        return pdfkit.missing_char(text, fonts.face(faces[0]))
    first = pdfkit.missing_char(text, fonts.face(faces[0]))
    if first is None:
        return None
    for ch in dict.fromkeys(text):
        if all(pdfkit.missing_char(ch, fonts.face(f)) is not None for f in faces):
            return ch
    return None


def glyph_problems(handout: Handout, fonts: pdfkit.Fonts) -> list[Problem]:
    """One problem per unit (and language) holding a character the fonts cannot draw."""
    seen: set[tuple[str, str, Position]] = set()
    problems: list[Problem] = []

    def report(t: Text, ch: str, files: str) -> None:
        pos = t.pos or HANDOUT_POS
        seen.add((t.unit or "", t.lang, pos))
        message = (
            f"character U+{ord(ch):04X} {ch!r} is not in font {files}; give a font that has it "
            "(fonts: in book.yaml for its language, or --font FILE)"
        )
        problems.append(Problem(pos, t.unit or "", message))

    def check(texts: Iterable[Text], faces: list[str] | None) -> None:
        for t in texts:
            if (t.unit or "", t.lang, t.pos or HANDOUT_POS) in seen:
                continue
            text, code, math, typeset = _split_plain(t.nodes)
            # each language's text in its own faces (None); code and math in their own face,
            # with the text font for what it lacks; typeset formulas in ziamath's font only
            own = list(dict.fromkeys(fonts.text(t.lang))) if faces is None else faces
            parts = [(text, [f]) for f in own] + [(code, [fonts.mono, fonts.regular])]
            parts.append((math, [fonts.math, fonts.regular]))
            if typeset:
                parts.append((typeset, [_math_face()]))
            for chars, chain in parts:
                ch = _missing(chars, chain, fonts) if chars else None
                if ch is not None:
                    report(t, ch, " or ".join(_file_of(f, fonts) for f in chain))
                    break

    lead = handout.langs[0]
    check(handout.texts(), None)
    for extra in _extra_strings(handout):  # furniture and numbers: any language's face will do
        ch = _missing(extra, fonts.regulars, fonts) if extra else None
        if ch is not None:
            report(Text(lead, extra), ch, " or ".join(fonts.files[f] for f in fonts.regulars))
    for b in _all_blocks(handout.blocks):
        if isinstance(b, CodeBlock):
            problems += _code_problems(b, fonts)
        elif isinstance(b, MathBlock):
            problems += _display_problems(b, fonts)
        elif isinstance(b, Figure):
            problems += _figure_problems(b, fonts)
    marks = {b.mark for b in _all_blocks(handout.blocks) if isinstance(b, ListBlock) and b.mark}
    check((Text(lead, m) for m in sorted(marks | {STALE_MARK, CONTINUED, *BULLETS})), [fonts.symbol])
    return problems


def _code_problems(b: CodeBlock, fonts: pdfkit.Fonts) -> list[Problem]:
    """A character of a code block that neither the code face nor the text font has. The code
    is a fact without a position of its own: its caption's (``ID.caption``) leads to it."""
    ch = _missing(b.code, [fonts.mono, *fonts.regulars], fonts)
    if ch is None:
        return []
    caption = b.caption[0] if b.caption else None
    pos = caption.pos if caption and caption.pos else HANDOUT_POS
    field = caption.unit.removesuffix(".caption") if caption and caption.unit else ""
    files = " or ".join(fonts.files[f] for f in [fonts.mono, *fonts.regulars])
    return [Problem(pos, field, f"character U+{ord(ch):04X} {ch!r} of the code is not in font {files}")]


def _file_of(face: str, fonts: pdfkit.Fonts) -> str:
    """The file of a registered face, for messages."""
    return fonts.files.get(face) or "STIXTwoMath-Regular.ttf (the formula font)"


def _display_problems(b: MathBlock, fonts: pdfkit.Fonts) -> list[Problem]:
    """A character of a displayed formula its font lacks (the TeX source's faces when
    ziamath cannot set it). Formulas are facts without a position: the equation's id says which."""
    if _formula(b.tex, True) is None:
        chars, chain = b.tex, [fonts.math, *fonts.regulars]
    else:
        chars, chain = _formula_chars(b.tex), [_math_face()]
    ch = _missing(chars, chain, fonts) if chars else None
    if ch is None:
        return []
    names = " or ".join(_file_of(f, fonts) for f in chain)
    message = f"character U+{ord(ch):04X} {ch!r} of the formula is not in font {names}"
    return [Problem(HANDOUT_POS, b.anchor.removeprefix("eq-").replace("--", "."), message)]


def _figure_problems(b: Figure, fonts: pdfkit.Fonts) -> list[Problem]:
    """A character of an SVG figure's lettering that its language's face lacks (svglib would
    draw nothing for it); reported at the figure's caption in that language."""
    out = []
    # a file every language shares is drawn once, in the lead language's face
    for i, (lang, path) in enumerate(b.files[:1] if b.shared else b.files):
        if not path.lower().endswith(".svg"):
            continue
        face = fonts.text(lang)[0]
        ch = _missing(_svg_text(path), [face], fonts)
        if ch is None:
            continue
        caption = b.caption[min(i, len(b.caption) - 1)] if b.caption else None
        pos = caption.pos if caption and caption.pos else HANDOUT_POS
        field = caption.unit if caption and caption.unit else ""
        message = (
            f"character U+{ord(ch):04X} {ch!r} of figure {os.path.basename(path)} is not in font "
            f"{fonts.files[face]}"
        )
        out.append(Problem(pos, field, message))
    return out


def _extra_strings(handout: Handout) -> Iterator[str]:
    """Printed strings that are not handout Texts: furniture, numbers, note letters, URLs."""
    yield handout.running_title
    yield handout.page_label(1, 1)
    yield from (f"{note.number}." for note in handout.footnotes)
    for b in _all_blocks(handout.blocks):
        if isinstance(b, Heading):
            yield b.number
        elif isinstance(b, ListBlock) and b.numbered:
            yield from (list_number(n, b.depth) for n in range(1, len(b.items) + 1))
        elif isinstance(b, Quote) and b.attribution:
            yield ATTRIBUTION
        elif isinstance(b, MathBlock) and b.number:
            yield f"({b.number})"
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


def _runs(text: str, chain: list[str], fonts: pdfkit.Fonts) -> list[tuple[str, str]]:
    """``text`` cut into (face, characters) runs: each character in the first face that has it."""
    out: list[tuple[str, str]] = []
    for ch in text:
        face = next((f for f in chain if fonts.has(f, ch)), chain[0])
        if out and out[-1][0] == face:
            out[-1] = (face, out[-1][1] + ch)
        else:
            out.append((face, ch))
    return out


def _width(runs: list[tuple[str, str]], size: float) -> float:
    return sum(stringWidth(t, f, size) for f, t in runs)


def _fit(text: str, chain: list[str], fonts: pdfkit.Fonts, size: float, width: float) -> tuple[list, float]:
    """A furniture line in the faces of its languages, shrunk down to 6 pt, then cut with an
    ellipsis, to fit ``width``."""
    runs = _runs(text, chain, fonts)
    while size > 6 and _width(runs, size) > width:
        size -= 0.5
    while len(text) > 1 and _width(runs, size) > width:
        text = text[:-2] + "…"
        runs = _runs(text, chain, fonts)
    return runs, size


def _draw(canvas: Canvas, runs: list[tuple[str, str]], size: float, x: float, y: float, align: str) -> None:
    width = _width(runs, size)
    x = {"left": x, "centre": x - width / 2, "right": x - width}[align]
    for face, text in runs:
        canvas.setFont(face, size)
        canvas.drawString(x, y, text)
        x += stringWidth(text, face, size)


def _furniture(handout: Handout, fonts: pdfkit.Fonts, canvas: Canvas, page: int, pages: int) -> None:
    """Running header (not on the title page); the book's credit in its short form and "Page 3
    of 7" in the footer of every page. Each language's words in its own face."""
    w, h = canvas._pagesize
    usable = w - 2 * MARGIN_X
    chain = fonts.regulars
    canvas.setFillColor(MUTED)
    if page == 1:
        canvas.showOutline()  # open the bookmarks panel in viewers
    else:
        runs, size = _fit(handout.running_title, chain, fonts, 8, usable)
        _draw(canvas, runs, size, MARGIN_X, h - MARGIN_TOP + 9 * mm, "left")
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN_X, h - MARGIN_TOP + 7 * mm, w - MARGIN_X, h - MARGIN_TOP + 7 * mm)
    label, size = _fit(handout.page_label(page, pages), chain, fonts, 8, usable / 4)
    _draw(canvas, label, size, w - MARGIN_X, MARGIN_BOTTOM - 10 * mm, "right")
    if handout.short_credit:
        room = usable - _width(label, size) - 6 * mm
        credit, size = _fit(handout.short_credit, chain, fonts, 7, room)
        _draw(canvas, credit, size, MARGIN_X, MARGIN_BOTTOM - 10 * mm, "left")


# -- styles --------------------------------------------------------------------------------------------
# name: (size, leading, bold, colour, extra ParagraphStyle attributes)
_SPECS: dict[str, tuple[float, float, bool, colors.Color, dict[str, Any]]] = {
    "body": (10, 14.5, False, INK, {"spaceAfter": 6}),
    "lead": (10.5, 15.5, False, INK, {"spaceAfter": 7}),
    "kicker": (10.5, 14, True, ACCENT, {"spaceAfter": 6}),
    "title": (22, 28, True, INK, {"spaceAfter": 2}),
    "title2": (15, 20, True, SECOND, {"spaceAfter": 2}),
    "source": (9.5, 13.5, False, INK, {"spaceAfter": 3}),
    "credit": (8, 11.5, False, MUTED, {"spaceAfter": 3}),
    "edition": (9, 13, False, MUTED, {}),
    "h1": (15, 20, True, ACCENT, {"spaceBefore": 18, "spaceAfter": 8, "keepWithNext": 1}),
    "h2": (12, 16, True, INK, {"spaceBefore": 12, "spaceAfter": 5, "keepWithNext": 1}),
    "h3": (10.5, 14.5, True, INK, {"spaceBefore": 10, "spaceAfter": 4, "keepWithNext": 1}),
    "h4": (10, 14, True, SECOND, {"spaceBefore": 8, "spaceAfter": 3, "keepWithNext": 1}),
    "points": (9, 12.5, True, INK, {"spaceBefore": 5, "spaceAfter": 3, "keepWithNext": 1}),
    "item": (
        10,
        14.5,
        False,
        INK,
        {"leftIndent": 16, "bulletIndent": 2, "bulletFontSize": 9.5, "spaceAfter": 2},
    ),
    "label": (8.5, 12, True, ACCENT, {"spaceAfter": 2}),
    "ctitle": (9.5, 13.5, True, INK, {"spaceAfter": 3}),
    "quote": (10, 14.5, False, SECOND, {"spaceAfter": 2}),
    "attribution": (9, 13, False, MUTED, {"alignment": TA_RIGHT, "spaceAfter": 0}),
    "caption": (9.5, 13, True, INK, {"spaceAfter": 6, "keepWithNext": 1}),
    "figcaption": (9, 12.5, False, INK, {"alignment": TA_CENTER}),
    "cell": (8, 10.5, False, INK, {}),
    "tnote": (8.5, 12, False, INK, {}),
    "fnote": (8.5, 12, False, INK, {"spaceAfter": 3}),
}
HEADING_ROLES = {1: "h1", 2: "h2", 3: "h3"}  # deeper: h4


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
        regular, bold_face = self.fonts.text(lang)
        attrs: dict[str, Any] = {
            "fontName": bold_face if bold else regular,
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


class _Bookmark(_Wrapped):
    """A flowable with a named destination at its top: where cross-references and footnote
    numbers link to."""

    def __init__(self, inner: Flowable, key: str) -> None:
        super().__init__(inner)
        self.key = key

    def again(self, inner: Flowable) -> Flowable:
        return _Bookmark(inner, self.key)

    def draw(self) -> None:
        self.canv.bookmarkHorizontal(self.key, 0, self.height + 6)
        super().draw()


class _Anchored(_Bookmark):
    """A heading with its bookmark and outline entry. Part of the heading rather than a
    flowable of its own, so keep-with-next sees the heading's own space before it."""

    def __init__(self, inner: Flowable, key: str, title: str, level: int, hold: bool = False) -> None:
        super().__init__(inner, key)
        self.title, self.level = title, level
        # a heading drawn before a landscape table it follows in the chapter (the table floated
        # to the next page): its outline entry waits for the table's, to keep the chapter's order
        self.hold = hold

    def again(self, inner: Flowable) -> Flowable:
        return _Anchored(inner, self.key, self.title, self.level, self.hold)

    def draw(self) -> None:
        held = self.canv.__dict__.setdefault("_held_outline", [])
        if self.hold:
            held.append((self.title, self.key, self.level))
        else:
            self.canv.addOutlineEntry(self.title, self.key, self.level, closed=False)
            for title, key, level in held:
                self.canv.addOutlineEntry(title, key, level, closed=False)
            held.clear()
        super().draw()


class _Whole(_Wrapped):
    """A figure with its caption: never split (it moves to the next page whole), with the
    named destination references to it lead to."""

    def __init__(self, inner: Flowable, key: str | None) -> None:
        super().__init__(inner)
        self.key = key

    def split(self, aW: float, aH: float) -> list[Flowable]:
        return []

    def draw(self) -> None:
        if self.key:
            self.canv.bookmarkHorizontal(self.key, 0, self.height + 6)
        super().draw()


class _Art(Flowable):
    """A drawing (an SVG figure) scaled to ``width`` × ``height`` points: vector paths."""

    def __init__(self, drawing: Any, width: float, height: float) -> None:
        super().__init__()
        self.image = pdfkit.VectorImage(drawing, float(drawing.width), float(drawing.height))
        self.width, self.height = width, height
        self.hAlign = "CENTER"

    def wrap(self, aW: float, aH: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        self.image.draw_on(self.canv, 0, 0, self.width, self.height)


class _Display(Flowable):
    """A displayed formula, centred, its number "(5.1)" at the right margin on its baseline.
    It shrinks (never below half size) when it is wider than the room the number leaves."""

    def __init__(self, formula: _Math, number: str, face: str) -> None:
        super().__init__()
        self.formula, self.number, self.face = formula, number, face
        self.number_size = 10.0
        self.spaceBefore, self.spaceAfter = 8, 10
        self.scale = DISPLAY_SIZE / MATH_PT

    def wrap(self, aW: float, aH: float) -> tuple[float, float]:
        tag = stringWidth(self.number, self.face, self.number_size) + 12 if self.number else 0
        room = max(aW - 2 * tag, aW / 2)  # centred on the line: the number's room on both sides
        self.scale = max(min(DISPLAY_SIZE / MATH_PT, room / self.formula.width), DISPLAY_SIZE / MATH_PT / 2)
        self.width, self.height = aW, self.formula.height * self.scale
        return self.width, self.height

    def draw(self) -> None:
        f, k = self.formula, self.scale
        image = pdfkit.VectorImage(f.drawing, f.width, f.height)
        image.draw_on(self.canv, (self.width - f.width * k) / 2, 0, f.width * k, f.height * k)
        if self.number:
            self.canv.setFillColor(INK)
            self.canv.setFont(self.face, self.number_size)
            self.canv.drawRightString(self.width, f.descent * k, self.number)


def _table_style(fonts: pdfkit.Fonts, *commands: tuple[Any, ...]) -> TableStyle:
    # FONT names our font even though every cell holds Paragraphs: a table's default font is
    # Helvetica, and naming it anywhere adds an unembedded base-14 font to the file
    return TableStyle(
        [("FONT", (0, 0), (-1, -1), fonts.regular, 8), ("VALIGN", (0, 0), (-1, -1), "TOP"), *commands]
    )


def _plain(text: str) -> str:
    return " ".join(text.split())


def _alpha(n: int) -> str:
    """1 -> a, 26 -> z, 27 -> aa."""
    out = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        out = chr(ord("a") + r) + out
    return out


def _roman(n: int) -> str:
    out = ""
    for value, letters in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc")):
        out, n = out + letters * (n // value), n % value
    for value, letters in ((50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        out, n = out + letters * (n // value), n % value
    return out


def list_number(n: int, depth: int) -> str:
    """The printed number of item ``n`` of a numbered list nested ``depth`` deep: 1. a. i."""
    return f"{(str, _alpha, _roman)[depth % 3](n)}."


# -- the story ------------------------------------------------------------------------------------------
class _Story:
    """Flowables for one handout, block by block."""

    def __init__(self, handout: Handout, fonts: pdfkit.Fonts, page: tuple[float, float]) -> None:
        self.h = handout
        self.fonts = fonts
        self.style = _Styles(fonts)
        self.frames = {"portrait": _frame_size(page), "landscape": _frame_size(landscape(page))}
        self.anchors = _anchors(handout)
        self.out: list[Flowable] = []
        self.outline_level = -1
        self.landscape = False  # laying out blocks for the landscape template
        self._widths: list[float] = []  # inside a callout or quote: the width of its content

    @property
    def width(self) -> float:
        """The width of the frame (or box) being filled."""
        if self._widths:
            return self._widths[-1]
        return self.frames["landscape" if self.landscape else "portrait"][0]

    @property
    def height(self) -> float:
        return self.frames["landscape" if self.landscape else "portrait"][1]

    @contextmanager
    def inset(self, width: float) -> Iterator[list[Flowable]]:
        """Collect the flowables made inside the block into a list of their own, laid out
        ``width`` wide (the content of a box)."""
        saved, self.out = self.out, []
        self._widths.append(width)
        try:
            yield self.out
        finally:
            self._widths.pop()
            self.out = saved

    # inline elements ------------------------------------------------------------------------------
    def faced(self, text: str, face: str, fallback: str | list[str] | None = None) -> str:
        """Markup for text in ``face``; what the face lacks is set in the first ``fallback`` face
        that has it, else in the paragraph's own font (regular or bold)."""
        chain = [face, *(fallback if isinstance(fallback, list) else [fallback] if fallback else [])]

        def pick(ch: str) -> str | None:
            return next((f for f in chain if self.fonts.has(f, ch)), None)

        out = []
        for name, run in groupby(text, pick):
            body = pdfkit.markup("".join(run))
            out.append(f'<font name="{name}">{body}</font>' if name else body)
        return "".join(out)

    def link(self, href: str, body: str, inside_link: bool) -> str:
        if inside_link:  # ReportLab cannot nest links: the outer one wins
            return body
        return f'<a href="{pdfkit.attr(href)}" color="{ACCENT.hexval()}">{body}</a>'

    def inline(
        self,
        nodes: Iterable[Any],
        bold: bool = False,
        italic: bool = False,
        link: bool = False,
        size: float = 10.0,
    ) -> str:
        """ReportLab markup for resolved inline nodes; all user text is escaped. ``size`` is the
        type size of the line, which inline formulas match."""
        out = []
        for n in nodes:
            if isinstance(n, str):
                # no bold oblique face: bold italics stay upright bold
                out.append(self.faced(n, self.fonts.italic) if italic and not bold else pdfkit.markup(n))
            elif isinstance(n, Span):
                out.append(self.span(n, bold, italic, link, size))
            elif isinstance(n, CodeSpan):
                # a point smaller: the monospace face is set larger than Noto Sans SC's Latin
                out.append(f'<font size="-1">{self.faced(n.value, self.fonts.mono)}</font>')
            elif isinstance(n, MathSpan):
                out.append(self.inline_math(n.value, size))
            elif isinstance(n, XRef):
                body = pdfkit.markup(n.label)
                out.append(self.link(f"#{n.anchor}", body, link) if n.anchor in self.anchors else body)
            elif isinstance(n, NoteRef):
                body = pdfkit.markup(str(n.number))
                if n.anchor in self.anchors:
                    body = self.link(f"#{n.anchor}", body, link)
                out.append(f"<super>{body}</super>")
        return "".join(out)

    def span(self, n: Span, bold: bool, italic: bool, link: bool, size: float = 10.0) -> str:
        if n.tag == "b":
            return f"<b>{self.inline(n.children, True, italic, link, size)}</b>"
        if n.tag == "i":
            return self.inline(n.children, bold, True, link, size)
        if n.tag in ("sub", "sup"):
            tag = "super" if n.tag == "sup" else "sub"
            return f"<{tag}>{self.inline(n.children, bold, italic, link, size * 0.7)}</{tag}>"
        body = self.inline(n.children, bold, italic, True, size)
        return self.link(n.href, body, link) if n.tag == "a" and n.href else body

    def inline_math(self, tex: str, size: float) -> str:
        """An inline formula typeset as vector paths that flow in the line like a word (an
        <img> standing for the drawing, see pdfkit.allow_vector_images), its baseline on the
        line's; TeX that ziamath cannot set is printed as its source in the math face."""
        f = _formula(tex, False)
        if f is None:
            return self.faced(tex, self.fonts.math)
        scale = size / MATH_PT
        key = "m" + hashlib.sha256(tex.encode("utf-8")).hexdigest()[:24]
        src = pdfkit.vector_src(key, f.drawing, f.width, f.height)
        w, h, below = f.width * scale, f.height * scale, f.descent * scale
        return f'<img src="{src}" width="{w:.3f}" height="{h:.3f}" valign="{-below:.3f}"/>'

    @staticmethod
    def leading(t: Text) -> dict[str, Any]:
        """Style overrides for a Text: a line holding a formula taller than the type grows to
        hold it, instead of overlapping the lines around it."""
        return {"autoLeading": "max"} if _has_math(t.nodes) else {}

    def ink(self, t: Text, note: str | None = None, size: float = 10.0) -> str:
        """Markup for one Text: inline elements, stale ones marked, an optional note letter."""
        body = self.inline(t.nodes, size=size)
        if t.stale:
            body = (
                f'<font name="{self.fonts.symbol}" color="{STALE.hexval()}">{STALE_MARK}</font> '
                f'<font color="{STALE.hexval()}">{body}</font>'
            )
        if note:
            body += f"<super>{pdfkit.markup(note)}</super>"
        return body

    def para(self, t: Text, role: str, prefix: str = "", **overrides: Any) -> pdfkit.Paragraph:
        style = self.style(role, t.lang, **self.leading(t), **overrides)
        return pdfkit.Paragraph(prefix + self.ink(t, size=style.fontSize), style)

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
        prefix: Callable[[Text], str] | None = None,
        colour: Any = None,
    ) -> Flowable:
        """A Para: two language columns side by side; a single Text spans the page, or with
        ``columns`` keeps to its language's column (a unit not translated yet). ``prefix``
        gives markup to set before each language's text (a label, a number); ``colour``
        replaces the role's colour in every language."""
        if not texts:
            return Spacer(1, 0)
        fixed = {"textColor": colour} if colour is not None else {}
        if len(texts) == 1 and not (columns and self.h.bilingual):
            t = texts[0]
            return self.single(self.para(t, role, prefix(t) if prefix else "", **fixed), t.stale)
        row: list[list[Flowable]] = [[], []]
        stale = [False, False]
        for i, t in enumerate(texts[:2]):
            col = self.column(t) if len(texts) == 1 else i
            plain_colour = self.is_second(t) and role not in ("caption", "figcaption")
            extra = {"textColor": SECOND} if plain_colour else {}
            extra.update(fixed)
            before = prefix(t) if prefix else ""
            row[col] = [self.para(t, role, before, spaceBefore=0, spaceAfter=0, **extra)]
            stale[col] = t.stale
        return self.pair([row], [stale], keep=keep, space=space)

    def joined(self, texts: Para, role: str, **overrides: Any) -> pdfkit.Paragraph:
        """Short UI lines ("Chapter 14", the edition date) in every language on one line."""
        body = " / ".join(self.ink(t) for t in texts)
        return pdfkit.Paragraph(body, self.style(role, texts[0].lang, **overrides))

    def boxed(self, flowables: list[Flowable], *commands: tuple[Any, ...], space: float = 6) -> RLTable:
        """Flowables in a one-cell table (a callout's or quote's box). A box moves to the next
        page whole, so that its label stays with its text; only one too tall for a page splits."""

        def make(split: int) -> RLTable:
            table = RLTable(
                [[flowables]],
                colWidths=[self.width],
                style=_table_style(self.fonts, *commands),
                hAlign="LEFT",
                splitInRow=split,
            )
            table.spaceBefore, table.spaceAfter = 4, space
            return table

        table = make(0)
        _, height = table.wrap(self.width, self.height)
        return table if height < self.height - 40 else make(1)

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

    # blocks ------------------------------------------------------------------------------------------
    def heading(self, b: Heading) -> None:
        role = HEADING_ROLES.get(b.level, "h4")
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
        title = " / ".join(_plain(t.plain) for t in b.text)
        self.anchored(flowable, b.anchor, f"{b.number} {title}".strip(), b.level - 1)

    def anchored(self, flowable: Flowable, key: str, title: str, level: int) -> None:
        level = min(max(level, 0), self.outline_level + 1)  # outlines may not skip a level
        self.outline_level = level
        self.out.append(_Anchored(flowable, key, title, level))

    def paragraph(self, b: Paragraph) -> None:
        role = "lead" if b.role == "lead" and not self._widths else "body"
        self.out.append(self.unit(b.text, role, columns=True))

    # lists -------------------------------------------------------------------------------------------
    def list_entries(self, b: ListBlock) -> Iterator[tuple[int, str, bool, Para]]:
        """(depth, bullet, bullet is a number, text) of every item, nested items after theirs."""
        for n, item in enumerate(b.items, start=1):
            if b.numbered:
                yield b.depth, list_number(n, b.depth), True, item.text
            else:
                yield b.depth, b.mark or BULLETS[b.depth % len(BULLETS)], False, item.text
            if item.children is not None:
                yield from self.list_entries(item.children)

    def item(self, t: Text, depth: int, bullet: str, number: bool, colour: Any, **extra: Any) -> Flowable:
        indent = (20 if number else 16) + LIST_STEP * depth
        style = self.style(
            "item",
            t.lang,
            leftIndent=indent,
            bulletIndent=2 + LIST_STEP * depth,
            bulletColor=colour,
            bulletFontName=self.fonts.regular if number else self.fonts.symbol,
            **self.leading(t),
            **extra,
        )
        return pdfkit.Paragraph(self.ink(t), style, bulletText=bullet)

    def list_block(self, b: ListBlock) -> None:
        """Items with their bullet, number or ✓/✗ mark; a pros/cons list after its title."""
        colour = MARK_COLOURS.get(b.style, INK)
        entries = list(self.list_entries(b))
        if not self.h.bilingual:
            if b.title:
                self.out.append(self.joined(b.title, "points"))
            for depth, bullet, number, texts in entries:
                for t in texts[:1]:
                    self.out.append(self.single(self.item(t, depth, bullet, number, colour), t.stale))
            self.out.append(Spacer(1, 4))
            return
        if b.title:
            self.out.append(self.unit(b.title, "points", space=(5, 3), keep=True))
        rows, stale = [], []
        for depth, bullet, number, texts in entries:
            row: list[list[Flowable]] = [[], []]
            flags = [False, False]
            for t in texts[:2]:
                col = self.column(t)
                extra = {"textColor": SECOND} if self.is_second(t) else {}
                row[col] = [self.item(t, depth, bullet, number, colour, spaceAfter=0, **extra)]
                flags[col] = t.stale
            rows.append(row)
            stale.append(flags)
        if rows:
            table = self.pair(rows, stale, space=(0, 8))
            table.setStyle(TableStyle([("BOTTOMPADDING", (0, 0), (-1, -1), 3)]))
            self.out.append(table)

    # boxes -------------------------------------------------------------------------------------------
    def callout(self, b: Callout) -> None:
        """A tinted box with a coloured rule: its label ("Tip"), its title, then its blocks."""
        rule, fill = CALLOUT_COLOURS.get(b.style, CALLOUT_COLOURS["note"])
        pad = 9
        with self.inset(self.width - 2 * pad) as inner:
            if self.h.bilingual and len(b.label) > 1:
                self.out.append(self.unit(b.label, "label", space=(0, 2), columns=True, colour=rule))
            else:
                self.out.append(self.joined(b.label, "label", textColor=rule))
            if b.title:
                self.out.append(self.unit(b.title, "ctitle", space=(0, 3), columns=True))
            for block in b.blocks:
                self.block(block)
        self.out.append(
            self.boxed(
                inner,
                ("BACKGROUND", (0, 0), (-1, -1), fill),
                ("LINEBEFORE", (0, 0), (0, -1), 2, rule),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("LEFTPADDING", (0, 0), (-1, -1), pad),
                ("RIGHTPADDING", (0, 0), (-1, -1), pad),
                space=10,
            )
        )

    def quote(self, b: Quote) -> None:
        """An indented block with a rule at its left; the attribution below, after a dash."""
        indent = 12
        with self.inset(self.width - indent) as inner:
            self.out.append(self.unit(b.text, "quote", columns=True, space=(0, 2)))
            if b.attribution:
                self.out.append(
                    self.unit(
                        b.attribution, "attribution", columns=True, space=(0, 0), prefix=lambda t: ATTRIBUTION
                    )
                )
        self.out.append(
            self.boxed(
                inner,
                ("LINEBEFORE", (0, 0), (0, -1), 2, RULE),
                ("LEFTPADDING", (0, 0), (-1, -1), indent),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                space=8,
            )
        )

    # code --------------------------------------------------------------------------------------------
    def code_width(self, text: str, size: float) -> float:
        return sum(
            stringWidth(
                ch, self.fonts.mono if self.fonts.has(self.fonts.mono, ch) else self.fonts.regular, size
            )
            for ch in text
        )

    def code_lines(self, code: str, size: float, room: float) -> list[tuple[bool, str]]:
        """(continued, text) of each printed line: a line wider than ``room`` is cut, and its
        rest starts a line of its own after the ↪ mark (code is never reflowed)."""
        mark = stringWidth(f"{CONTINUED} ", self.fonts.symbol, size)
        out: list[tuple[bool, str]] = []
        for line in code.expandtabs(4).split("\n"):
            continued = False
            while True:
                avail = room - (mark if continued else 0)
                cut, used = 0, 0.0
                while cut < len(line):
                    w = self.code_width(line[cut], size)
                    if used + w > avail and cut > 0:
                        break
                    used += w
                    cut += 1
                out.append((continued, line[:cut]))
                line, continued = line[cut:], True
                if not line:
                    break
        return out

    def code(self, b: CodeBlock) -> None:
        """Code in the monospace face on a tinted ground, shown once in every handout: the type
        shrinks to fit the longest line, then long lines are cut."""
        if b.caption:
            self.out.append(self.unit(b.caption, "caption", space=(2, 4), keep=True))
        room = self.width - 2 * CODE_PAD - 1
        text = b.code.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n")
        widest = max(self.code_width(line, 1.0) for line in text.expandtabs(4).split("\n"))
        size = next((s for s in CODE_SIZES if widest * s <= room), CODE_SIZES[-1])
        lines = []
        for continued, line in self.code_lines(text, size, room):
            mark = f'<font name="{self.fonts.symbol}" color="{MUTED.hexval()}">{CONTINUED}</font> '
            # code comments may be in any language of the book: every text face stands behind
            lines.append((mark if continued else "") + self.faced(line, self.fonts.mono, self.fonts.regulars))
        style = ParagraphStyle(
            "code",
            fontName=self.fonts.mono,
            fontSize=size,
            leading=round(size * 1.4, 2),
            textColor=INK,
            backColor=CODE_FILL,
            borderPadding=CODE_PAD,
            leftIndent=CODE_PAD,
            rightIndent=CODE_PAD,
            spaceBefore=CODE_PAD + 2,
            spaceAfter=CODE_PAD + 6,
        )
        self.out.append(XPreformatted("\n".join(lines), style))

    # figures and formulas -----------------------------------------------------------------------------
    def art(self, lang: str, path: str, width: float) -> Flowable:
        """A figure's file at its natural size (a raster pixel is a CSS pixel, 0.75 pt), shrunk
        to ``width`` and FIGURE_HEIGHT of the frame, never enlarged: an SVG as vector paths,
        PNG and JPEG as images."""
        image = media.inspect(path, path)
        scale = 1.0 if image.kind == "svg" else PX  # media gives an SVG's size in points
        w, h = image.width * scale, image.height * scale
        fit = min(1.0, width / w, self.height * FIGURE_HEIGHT / h)
        if image.kind == "svg":
            drawing = _svg_drawing(path, *self.fonts.text(lang))
            return _Art(drawing, w * fit, h * fit)
        flowable = Image(path, width=w * fit, height=h * fit)
        flowable.hAlign = "CENTER"
        return flowable

    @staticmethod
    def natural_width(path: str) -> float:
        image = media.inspect(path, path)
        return image.width * (1.0 if image.kind == "svg" else PX)

    def labelled(self, label: Para | None, bold: bool = False) -> Callable[[Text], str]:
        """A prefix for each language's caption: its label ("表 14.1") in the accent colour."""
        labels = {t.lang: t for t in label or ()}

        def prefix(t: Text) -> str:
            lab = labels.get(t.lang) or (label[0] if label else None)
            if lab is None:
                return ""
            body = f'<font color="{ACCENT.hexval()}">{self.ink(lab)}</font>'
            return (f"<b>{body}</b>" if bold else body) + "\u2003"

        return prefix

    def figure_box(self, rows: list[Flowable], anchor: str | None, space: float = 10) -> Flowable:
        """The figure's pieces (image row, caption row) stacked, centred, kept on one page."""
        style = _table_style(
            self.fonts,
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ("ALIGN", (0, 0), (-1, -1), "CENTER"),
        )
        table = RLTable([[r] for r in rows], colWidths=[self.width], style=style, hAlign="LEFT")
        table.spaceBefore, table.spaceAfter = 6, space
        return _Whole(table, anchor if anchor in self.anchors else None)

    def figure(self, b: Figure) -> None:
        """An image with its caption below ("图 5.1  …", the label in the accent colour).

        A file shared by every language is drawn once, each language's caption under it in its
        column. Per-language files go side by side, each over its own caption, when both keep
        READABLE of their natural width in a column: the reader compares them as they compare
        the text columns. Otherwise (wide figures) one follows the other, each with its caption,
        because lettering shrunk to fit half a page could not be read.

        ReportLab writes no tagged PDF (no structure tree), so the alt text cannot become the
        figure's /Alt entry; it stays in the sources and the DOCX/Markdown handouts.
        """
        prefix = self.labelled(b.label, bold=True)
        files = b.files if self.h.bilingual and not b.shared else b.files[:1]
        if len(files) == 1:
            lang, path = files[0]
            caption = self.unit(b.caption, "figcaption", space=(0, 0), columns=False, prefix=prefix)
            self.out.append(self.figure_box([self.art(lang, path, self.width), caption], b.anchor))
            return
        half = (self.width - GUTTER) / 2
        if all(half / self.natural_width(path) >= READABLE for _, path in files[:2]):
            arts = [[self.art(lang, path, half)] for lang, path in files[:2]]
            row = self.pair([arts], [[False, False]], space=(0, 0))
            row.setStyle(
                TableStyle([("ALIGN", (0, 0), (-1, -1), "CENTER"), ("VALIGN", (0, 0), (-1, -1), "BOTTOM")])
            )
            caption = self.unit(b.caption, "figcaption", space=(0, 0), prefix=prefix)
            self.out.append(self.figure_box([row, caption], b.anchor))
            return
        for i, (lang, path) in enumerate(files):
            caption = self.unit(b.caption[i : i + 1], "figcaption", space=(0, 0), prefix=prefix)
            anchor = b.anchor if i == 0 else None
            self.out.append(self.figure_box([self.art(lang, path, self.width), caption], anchor, 6))

    def math(self, b: MathBlock) -> None:
        """A displayed formula as vector paths, shown once in every handout."""
        number = f"({b.number})" if b.number else ""
        f = _formula(b.tex, True)
        flowable: Flowable
        if f is not None:
            flowable = _Display(f, number, self.fonts.regular)
        else:  # TeX ziamath cannot set: its source, centred, in the math face
            tail = f"\u2003{pdfkit.markup(number)}" if number else ""
            style = self.style("body", self.h.langs[0], alignment=TA_CENTER, spaceBefore=6, spaceAfter=8)
            flowable = pdfkit.Paragraph(self.faced(b.tex, self.fonts.math) + tail, style)
        self.out.append(_Bookmark(flowable, b.anchor) if b.anchor in self.anchors else flowable)

    # tables -------------------------------------------------------------------------------------------
    def table(self, b: Table) -> None:
        if b.role == "glossary":
            self.glossary(b)
        else:
            self.data_table(b, self.width)

    def caption(self, b: Table) -> Flowable:
        """The caption after its label ("表 14.1"), each language in its column; the table's
        bookmark, where references to it lead."""
        flowable = self.unit(b.caption, "caption", space=(0, 6), keep=True, prefix=self.labelled(b.label))
        if b.anchor and b.anchor in self.anchors:
            return _Bookmark(flowable, b.anchor)
        return flowable

    def stacked(self, cell: Cell, size: float, bold: bool, align: int) -> list[Flowable]:
        """A table cell: the first language, then the second smaller and in grey below it."""
        out: list[Flowable] = []
        for i, t in enumerate(cell.text):
            second = i > 0
            regular, bold_face = self.fonts.text(t.lang)
            font = bold_face if bold and not second else regular
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
                **self.leading(t),
            )
            out.append(pdfkit.Paragraph(self.ink(t, None if second else cell.note, s), style))
        return out

    def runs(self, cell: Cell, size: float, bold: bool) -> list[pdfkit.Run]:
        out = []
        for i, t in enumerate(cell.text):
            regular, bold_face = self.fonts.text(t.lang)
            font = bold_face if bold and i == 0 else regular
            text = t.plain + (f" {STALE_MARK}" if t.stale else "") + ((cell.note or "") if i == 0 else "")
            out.append(pdfkit.Run(text, font, max(7.0, size - 1) if i else size, langs.get(t.lang).cjk))
        return out

    def table_widths(self, b: Table, width: float, height: float = 0) -> tuple[float, list[float]] | None:
        """The type size (≥ 7 pt) and column widths for a table ``width`` wide.

        Of the column widths that keep headers to two lines, three, or break them only between
        words, those giving the shortest table win. The largest size that fits is used, unless
        a smaller one keeps the table within ``height`` (one page) where the largest does not.
        None when even 7 pt does not fit.
        """
        found: list[tuple[float, float, list[float]]] = []  # (size, estimated height, widths)
        for size in TABLE_SIZES:
            header = [self.runs(c, size, True) for c in b.header]
            rows = [[self.runs(c, size, c.kind == "rowhead") for c in r] for r in b.rows]
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
        """Roughly how tall the table will be."""
        padding = 7 * (len(rows) + 1)  # TOPPADDING + BOTTOMPADDING of each row
        return pdfkit.table_height(header, rows, widths, 2 * CELL_PAD) + padding

    def wants_landscape(self, b: Table) -> bool:
        """A table with many columns, or one whose columns do not fit the portrait frame at the
        largest type size, is set on landscape pages."""
        if b.role == "glossary" or not b.header:
            return False
        fit = self.table_widths(b, self.frames["portrait"][0])
        return len(b.header) > LANDSCAPE_COLUMNS or fit is None or fit[0] < TABLE_SIZES[0]

    def data_table(self, b: Table, width: float) -> None:
        self.out.append(self.caption(b))
        if not b.header:
            return
        # when even 7 pt cannot hold the longest words: equal columns, ReportLab splits words
        equal = (TABLE_SIZES[-1], [width / len(b.header)] * len(b.header))
        # a page less the heading and caption above the table and the notes below it: a type
        # size that keeps the notes on the table's page wins over a larger one that does not
        size, widths = self.table_widths(b, width, self.height - 70 - self.notes_height(b, width)) or equal
        align = {"flag": TA_CENTER, "number": TA_CENTER}
        header = [self.stacked(c, size, True, TA_LEFT) for c in b.header]
        rows = [
            [self.stacked(c, size, c.kind == "rowhead", align.get(c.kind, TA_LEFT)) for c in r]
            for r in b.rows
        ]
        commands: list[tuple[Any, ...]] = [
            ("GRID", (0, 0), (-1, -1), 0.4, RULE),
            ("LINEBELOW", (0, 0), (-1, 0), 0.9, ACCENT),
            ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
            ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, ZEBRA]),
            ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
            ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ]
        if b.row_header:
            commands.append(("LINEAFTER", (0, 0), (0, -1), 0.9, RULE))
        table = RLTable(
            [header, *rows],
            colWidths=widths,
            style=_table_style(self.fonts, *commands),
            repeatRows=1,
            hAlign="LEFT",
        )
        table.spaceAfter = 8
        self.out.append(table)
        if b.notes:
            self.notes(b, width)

    def notes_height(self, b: Table, width: float) -> float:
        """How tall the table's notes will be, measured on their flowables."""
        if not b.notes:
            return 0.0
        kept, self.out = self.out, []
        try:
            self.notes(b, width)
            return sum(_height(f, width, self.height) for f in self.out)
        finally:
            self.out = kept

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
            link = self.link(note.url, pdfkit.markup(note.url), False)
        if not note.text:
            return [[pdfkit.Paragraph(link, self.style("tnote", self.h.langs[0]))]]
        cells = []
        for t in note.text[:ncols]:
            extra = {"textColor": SECOND} if self.is_second(t) else {}
            body = self.ink(t, size=_SPECS["tnote"][0]) + (f" {link}" if link else "")
            cells.append([pdfkit.Paragraph(body, self.style("tnote", t.lang, **extra, **self.leading(t)))])
        return cells

    def glossary(self, b: Table) -> None:
        self.out.append(self.caption(b))
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

    # footnotes --------------------------------------------------------------------------------------
    def footnotes(self) -> None:
        """The chapter's notes at the end, numbered, each with the bookmark its references link to."""
        if not self.h.footnotes:
            return
        if self.h.footnotes_title:
            title = self.joined(self.h.footnotes_title, "h2", keepWithNext=1)
            label = " / ".join(_plain(t.plain) for t in self.h.footnotes_title)
            self.anchored(title, NOTES_ANCHOR, label, 0)
        for note in self.h.footnotes:
            number = f"<b>{note.number}.</b>\u2002"
            flowable = self.unit(note.text, "fnote", columns=True, space=(0, 3), prefix=lambda t, n=number: n)
            self.out.append(_Bookmark(flowable, note.anchor))

    # assembly ------------------------------------------------------------------------------------------
    def block(self, b: Block) -> None:
        _BLOCKS[type(b)](self, b)

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
            # the wide table, its heading and the editor's notes on it get landscape pages; like
            # a float, they wait for the end of the current page when what follows them fits
            # there, rather than leave that page half empty
            end = spans[i]
            after = self.fill_page(blocks, end, spans)
            self.out += [NextPageTemplate("landscape"), PageBreak()]
            self.landscape = True
            for b in blocks[i:end]:
                self.block(b)
            self.landscape = False
            if after < len(blocks) or self.h.footnotes:
                self.out += [NextPageTemplate("portrait"), PageBreak()]
            i = after
        self.footnotes()
        return self.out

    def page_used(self) -> float:
        """How much of the current portrait page the flowables since the last page break use."""
        start = max((k + 1 for k, f in enumerate(self.out) if isinstance(f, PageBreak)), default=0)
        width, height = self.frames["portrait"]
        return sum(_height(f, width, height) for f in self.out[start:])

    def fill_page(self, blocks: list[Block], end: int, spans: dict[int, int]) -> int:
        """Lay out the blocks after a landscape span that fit in what is left of the current
        page (when more than a third of it is left); the index of the first block not laid out."""
        width, height = self.frames["portrait"]
        free = height - self.page_used() - 12  # the frame's own padding
        j = end
        if free < height / 3:
            return j
        while j < len(blocks) and j not in spans:
            before = len(self.out)
            self.block(blocks[j])
            used = sum(_height(f, width, height) for f in self.out[before:])
            if used > free:
                del self.out[before:]
                break
            for f in self.out[before:]:
                if isinstance(f, _Anchored):
                    f.hold = True
            free -= used
            j += 1
        return j

    def landscape_spans(self) -> Iterator[tuple[int, int]]:
        """(start, end) of the blocks set on landscape pages: each wide table with the heading
        just before it and the editor's notes just after it."""
        blocks = self.h.blocks
        for i, b in enumerate(blocks):
            if isinstance(b, Table) and self.wants_landscape(b):
                start = i - 1 if i > 0 and isinstance(blocks[i - 1], Heading) else i
                end = i + 1
                while (
                    end < len(blocks) and isinstance(blocks[end], Callout) and blocks[end].style == "editor"
                ):
                    end += 1
                yield start, end


def _height(f: Flowable, width: float, height: float) -> float:
    """The height a flowable takes in a frame, with the space around it."""
    if isinstance(f, (NextPageTemplate, PageBreak)):
        return 0.0
    _, h = f.wrapOn(_scratch_canvas(), width, height * 10)
    return h + f.getSpaceBefore() + f.getSpaceAfter()


@cache
def _scratch_canvas() -> Canvas:
    """A canvas to measure flowables on before the document is built (nothing is drawn)."""
    return Canvas(io.BytesIO())


_BLOCKS: dict[type, Callable[[_Story, Any], None]] = {
    Heading: _Story.heading,
    Paragraph: _Story.paragraph,
    ListBlock: _Story.list_block,
    Table: _Story.table,
    Callout: _Story.callout,
    Quote: _Story.quote,
    CodeBlock: _Story.code,
    Figure: _Story.figure,
    MathBlock: _Story.math,
}
