"""ReportLab plumbing for :mod:`pipeline.export.pdf`: fonts, glyph coverage, Chinese line
breaking, escaping, a canvas that numbers pages "3 of 7", and table column widths.

Nothing here knows what a handout looks like; :mod:`pipeline.export.pdf` arranges the content.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fnmatch import fnmatch
from functools import lru_cache
from hashlib import md5
from typing import Any
from weakref import WeakKeyDictionary
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib import textsplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTEncoding, TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import paragraph as rl_paragraph
from reportlab.platypus import paraparser as rl_paraparser
from reportlab.platypus.paragraph import Paragraph as RLParagraph
from reportlab.rl_config import _FUZZ

from pipeline.errors import UsageError
from pipeline.export import fontcache

FONTS_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "fonts")
REGULAR_FONT = os.path.join(FONTS_DIR, "NotoSansSC-Regular.ttf")
BOLD_FONT = os.path.join(FONTS_DIR, "NotoSansSC-Bold.ttf")
SYMBOL_FONT = os.path.join(FONTS_DIR, "DejaVuSans.ttf")  # has ✓ and ✗; Noto Sans SC lacks ✗
# Noto Sans SC has no italic and no monospace: Latin italics, code and math take these faces,
# and whatever they lack (Chinese, above all) falls back to the text font character by character
ITALIC_FONT = os.path.join(FONTS_DIR, "DejaVuSans-Oblique.ttf")
MONO_FONT = os.path.join(FONTS_DIR, "DejaVuSansMono.ttf")
MATH_FONT = os.path.join(FONTS_DIR, "DejaVuSerif-Italic.ttf")  # TeX source that ziamath cannot set


# -- fonts -------------------------------------------------------------------------------------
# The parse of each font file is cached between runs (pipeline.export.fontcache). TTFont keeps
# its per-document subset state keyed by document, so sharing one object between documents is
# what ReportLab intends.
_FONTS: dict[str, TTFont] = {}


def _ttfont(name: str, path: str) -> TTFont:
    """TTFont(name, path), with the parse of the file cached between runs."""
    face = fontcache.face(path)
    font = TTFont.__new__(TTFont)
    # the rest of TTFont.__init__ (ReportLab is pinned in constraints.txt; a test compares the
    # PDF made through the cache with one made without it)
    font.fontName, font.face, font.encoding = name, face, TTEncoding()
    font.state = WeakKeyDictionary()
    font._asciiReadable = rl_config.ttfAsciiReadable
    font.shapable = not any(fnmatch(name, glob) for glob in rl_config.unShapedFontGlob)
    return font


def load_font(path: str) -> TTFont:
    """The registered TTFont of a TrueType file (parsed once per process)."""
    key = os.path.abspath(path)
    font = _FONTS.get(key)
    if font is None:
        # the registered name only has to be unique: the PDF names the face by its own name
        stem = re.sub(r"[^A-Za-z0-9-]", "", os.path.splitext(os.path.basename(key))[0]) or "font"
        name = f"{stem}-{hashlib.sha1(key.encode()).hexdigest()[:8]}"
        try:
            font = _ttfont(name, key)
        except (OSError, TTFError) as exc:  # CFF-flavoured .otf, .ttc, not a font at all
            raise UsageError(f"font {path}: not a usable TrueType font ({exc})") from None
        pdfmetrics.registerFont(font)
        _FONTS[key] = font
    return font


@dataclass(frozen=True)
class Fonts:
    regular: str  # registered names
    bold: str
    symbol: str
    italic: str  # Latin italics (the writer falls back to regular for what it lacks)
    mono: str  # code
    math: str  # inline math
    files: dict[str, str]  # registered name -> file, for messages
    # language -> its (regular, bold) registered names: each CJK script its regional face
    by_lang: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def regulars(self) -> list[str]:
        """The regular face of every language, the lead's first."""
        return list(dict.fromkeys([self.regular, *(r for r, _ in self.by_lang.values())]))

    def text(self, lang: str) -> tuple[str, str]:
        """The regular and bold faces of a language's text."""
        return self.by_lang.get(lang, (self.regular, self.bold))

    def face(self, name: str) -> TTFont:
        return pdfmetrics.getFont(name)

    def has(self, name: str, ch: str) -> bool:
        """Can face ``name`` draw ``ch``? (Whitespace always can: no glyph is drawn.)"""
        return ch.isspace() or ord(ch) in self.face(name).face.charToGlyph


def fonts(
    regular: str | None,
    bold: str | None,
    by_lang: dict[str, tuple[str, str]] | None = None,
    lead: str | None = None,
) -> Fonts:
    """Register the text fonts (bold as a real family member), the symbol font and the faces
    for italics, code and math. ``by_lang`` gives each language its (regular, bold) files, and
    ``lead`` the language whose faces set the page furniture; only these files are loaded."""
    pairs = {}
    for lang, (reg_path, bold_path) in (by_lang or {}).items():
        r, b = load_font(reg_path), load_font(bold_path)
        pdfmetrics.registerFontFamily(r.fontName, normal=r.fontName, bold=b.fontName, italic=r.fontName,
                                      boldItalic=b.fontName)  # fmt: skip
        pairs[lang] = (r, b)
    if lead in pairs:
        regular, bold = (pairs[lead][0].face.filename, pairs[lead][1].face.filename)  # type: ignore[index]
    reg = load_font(regular or REGULAR_FONT)
    bld = load_font(bold or (regular if regular else BOLD_FONT))
    sym = load_font(SYMBOL_FONT)
    ita, mono, math = (load_font(path) for path in (ITALIC_FONT, MONO_FONT, MATH_FONT))
    # <b> only switches face when the family knows its bold member
    pdfmetrics.registerFontFamily(
        reg.fontName, normal=reg.fontName, bold=bld.fontName, italic=reg.fontName, boldItalic=bld.fontName
    )
    # the auxiliary faces have no bold member: <b> around them keeps them as they are
    for f in (ita, mono, math):
        pdfmetrics.registerFontFamily(
            f.fontName, normal=f.fontName, bold=f.fontName, italic=f.fontName, boldItalic=f.fontName
        )
    loaded = [reg, bld, sym, ita, mono, math, *(f for pair in pairs.values() for f in pair)]
    files = {f.fontName: os.path.basename(f.face.filename) for f in loaded}
    names = {lang: (r.fontName, b.fontName) for lang, (r, b) in pairs.items()}
    return Fonts(
        reg.fontName, bld.fontName, sym.fontName, ita.fontName, mono.fontName, math.fontName, files, names
    )


def missing_char(text: str, font: TTFont) -> str | None:
    """The first character of ``text`` the font cannot draw (whitespace and controls aside)."""
    cmap = font.face.charToGlyph
    for ch in text:
        if ord(ch) not in cmap and not ch.isspace() and unicodedata.category(ch) != "Cc":
            return ch
    return None


# -- text --------------------------------------------------------------------------------------
# Characters XML 1.0 forbids (and that ReportLab's markup parser chokes on): C0 controls except
# tab/newline/CR, surrogates, U+FFFE/U+FFFF. The loader rejects them; this is the last line.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def markup(text: str) -> str:
    """User text as ReportLab paragraph markup that prints literally; newlines become breaks."""
    text = _XML_INVALID.sub("", text).replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return "<br/>".join(escape(line) for line in text.split("\n"))


def attr(value: str) -> str:
    """A value for a double-quoted markup attribute (href)."""
    return escape(_XML_INVALID.sub("", value), {'"': "&quot;"})


# -- Chinese line breaking ------------------------------------------------------------------------
# ReportLab's kinsoku list (textsplit.ALL_CANNOT_START) only knows Japanese punctuation, so a
# Chinese comma or closing quote may start a line. The list is read as a module global by
# textsplit.wordSplit (single-style paragraphs) and, through `from ... import ALL_CANNOT_START`,
# as a separate binding by paragraph.cjkFragSplit (paragraphs with <b>, <super>, ...): both
# bindings must be replaced, or one of the two code paths keeps the short list.
CJK_CANNOT_START = "，。、；：！？）》〉」』】〕〗〙〛｝］｠”’…‥～·・．｡｣％‰℃,.;:!?)]}%"
# ...and opening punctuation may not end one (ReportLab's splitters do not look at this at all)
CJK_CANNOT_END = "（《〈「『【〔〖〘〚｛［｟“‘(["
_PATCHED = False


def extend_line_start_rules() -> None:
    """Add Chinese closing punctuation to ReportLab's cannot-start-a-line list (idempotent)."""
    global _PATCHED
    if _PATCHED:
        return
    extra = "".join(ch for ch in dict.fromkeys(CJK_CANNOT_START) if ch not in textsplit.ALL_CANNOT_START)
    if extra:
        textsplit.CANNOT_START_LINE[0] += extra
        textsplit.ALL_CANNOT_START += extra
    rl_paragraph.ALL_CANNOT_START = textsplit.ALL_CANNOT_START
    _PATCHED = True


def _is_cjk(ch: str) -> bool:
    """Ideographs, kana, CJK and full-width punctuation: a line may break on either side."""
    cp = ord(ch)
    return (
        0x2E80 <= cp <= 0x9FFF
        or 0xF900 <= cp <= 0xFAFF
        or 0xFE30 <= cp <= 0xFE4F
        or 0xFF00 <= cp <= 0xFFEF
        or cp >= 0x20000
    )


def _neighbour(glyphs: Sequence[str], k: int, step: int) -> str | None:
    """The nearest non-empty glyph from index k in direction step (empty ones mark styles)."""
    while 0 <= k < len(glyphs):
        if glyphs[k]:
            return glyphs[k]
        k += step
    return None


def _can_break(glyphs: Sequence[str], k: int) -> bool:
    """May a line end before glyphs[k]?"""
    before, after = _neighbour(glyphs, k - 1, -1), _neighbour(glyphs, k, 1)
    if before is None or after is None:
        return False
    if after in textsplit.ALL_CANNOT_START or before in CJK_CANNOT_END:
        return False
    if before.isspace() or after.isspace():
        return True
    return _is_cjk(before) or _is_cjk(after)  # never inside a Latin word or number


_WIDTHS: dict[tuple[str, float, str], float] = {}


def _glyph(ch: str, frag: Any) -> Any:
    """ReportLab's cjkU (a character that knows its fragment and width) with the width looked
    up in a per-process table: measuring each character anew dominated the layout time."""
    key = (frag.fontName, frag.fontSize, ch)
    width = _WIDTHS.get(key)
    if width is None:
        width = _WIDTHS[key] = pdfmetrics.stringWidth(ch, frag.fontName, frag.fontSize)
    glyph = str.__new__(rl_paragraph.cjkU, ch)
    glyph._frag, glyph._width = frag, width
    return glyph


def _break_cjk(frags: list[Any], max_widths: list[float], calc_bounds: bool) -> Any:
    """Greedy line filling that breaks only where Chinese typography allows.

    ReportLab's own CJK splitter keeps at most one closing mark on the line ("。”" can still
    put ” first on the next line), gives up on a Latin word that is longer than half the line
    (it breaks "Pytho|n" in a narrow table cell) and lets opening marks end a line. This one
    moves back to the last legal break instead; a line with none (a column two glyphs wide)
    hangs its closing marks in the margin, and only a Latin word wider than the line is cut.
    """
    glyphs: list[Any] = []
    for f in frags:
        text = f.text.decode("utf8") if isinstance(f.text, bytes) else f.text
        if text and not hasattr(f, "cbDefn"):
            glyphs.extend(_glyph(c, f) for c in text)
        else:  # an empty fragment still carries a style change, a <br/> or an anchor
            glyphs.append(rl_paragraph.cjkU(text, f, "utf8"))
    chars = [str(g) for g in glyphs]
    lines = []
    start, n = 0, len(glyphs)
    while start < n:
        max_width = max_widths[min(len(lines), len(max_widths) - 1)]
        end, width, hard = start, 0.0, False
        while end < n:
            g = glyphs[end]
            if hasattr(g.frag, "lineBreak"):  # <br/>: the line ends here
                end, hard = end + 1, True
                break
            if width + g.width > max_width + _FUZZ and end > start:
                break
            width += g.width
            end += 1
        if not hard and end < n:
            k = end
            while k > start and not _can_break(chars, k):
                k -= 1
            if k > start:
                end = k
            else:  # no legal break on the line: hang its closing marks in the margin
                while end < n and chars[end] in textsplit.ALL_CANNOT_START:
                    end += 1
        line = glyphs[start:end]
        while line and chars[start + len(line) - 1].isspace():
            line.pop()  # a space where the line breaks is not printed
        used = sum(g.width for g in line)
        lines.append(rl_paragraph.makeCJKParaLine(line, max_width, used, max_width - used, hard, calc_bounds))
        start = end
        while start < n and chars[start].isspace():
            start += 1
    return rl_paragraph.ParaLines(kind=1, lines=lines)


class Paragraph(RLParagraph):
    """A ReportLab Paragraph whose CJK wrapping (wordWrap='CJK') follows :func:`_can_break`."""

    def breakLinesCJK(self, maxWidths: Any) -> Any:
        if not isinstance(maxWidths, (list, tuple)):
            maxWidths = [maxWidths]
        if hasattr(self, "blPara") and getattr(self, "_splitpara", 0):
            return self.blPara  # the second half of a split paragraph keeps its lines
        if not self.frags or self.style.endDots:
            return super().breakLinesCJK(maxWidths)
        self.height = 0
        maxWidths = list(maxWidths)
        rl_paragraph._handleBulletWidth(self.bulletText, self.style, maxWidths)
        # tables wrap each cell several times (sizing, splitting, drawing) at the same width
        key = tuple(maxWidths)
        cached = getattr(self, "_cjk_lines", None)
        if cached is not None and cached[0] == key:
            return cached[1]
        auto = getattr(self, "autoLeading", getattr(self.style, "autoLeading", ""))
        lines = _break_cjk(self.frags, maxWidths, auto not in ("", "off"))
        self._cjk_lines = (key, lines)
        return lines


# -- vector drawings in paragraph lines ------------------------------------------------------------
# A typeset inline formula must flow in its line like a word, yet stay vector paths. ReportLab's
# paragraphs only know raster images (<img src=…/>): they measure an image through getSize()
# and draw it with canvas.drawImage(). So <img> gets a source name that stands for a registered
# drawing: the paragraph parser is given a reader that returns the drawing for such a name (the
# real ImageReader for any other), and DeferredCanvas.drawImage() draws its paths instead of an
# image. User text cannot produce an <img> tag (it is escaped), so only the writer's names reach it.
VECTOR_SRC = "pipeline-vector:"


class VectorImage:
    """A ReportLab drawing standing in for an image in a paragraph line."""

    def __init__(self, drawing: Any, width: float, height: float) -> None:
        self.drawing, self.width, self.height = drawing, width, height

    def getSize(self) -> tuple[float, float]:  # ReportLab's ImageReader protocol
        return self.width, self.height

    def draw_on(self, canvas: Canvas, x: float, y: float, width: float, height: float) -> None:
        from reportlab.graphics import renderPDF

        # the drawing's default font is Helvetica, which would end up in the file unembedded:
        # the document's own first font stands in (lettering names its face explicitly)
        self.drawing.initialFontName = getattr(canvas, "_initialFontName", None)
        canvas.saveState()
        canvas.translate(x, y)
        canvas.scale(width / self.width, height / self.height)
        renderPDF.draw(self.drawing, canvas, 0, 0)
        canvas.restoreState()


_VECTORS: dict[str, VectorImage] = {}
_READER = rl_paraparser.ImageReader  # ReportLab's own, for every other source


def vector_src(key: str, drawing: Any, width: float, height: float) -> str:
    """The <img src> that stands for ``drawing`` (``width`` × ``height`` points); ``key`` names
    it (the same key, the same drawing: formulas are keyed by their TeX)."""
    _VECTORS.setdefault(key, VectorImage(drawing, width, height))
    return VECTOR_SRC + key


def _image_reader(src: Any, *args: Any, **kwargs: Any) -> Any:
    if isinstance(src, str) and src.startswith(VECTOR_SRC):
        return _VECTORS[src[len(VECTOR_SRC) :]]
    return _READER(src, *args, **kwargs)


def allow_vector_images() -> None:
    """Let paragraphs' <img> tags name registered drawings (idempotent)."""
    rl_paraparser.ImageReader = _image_reader


# -- canvas: page furniture with the page total, fixed dates ----------------------------------------
class _Stamp:
    """Stands in for reportlab.lib.utils.TimeStamp: the PDF dates of one fixed UTC moment."""

    def __init__(self, when: datetime) -> None:
        when = when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)  # naive means UTC
        self.t = when.timestamp()
        self.YMDhms = (when.year, when.month, when.day, when.hour, when.minute, when.second)
        self.dhh = self.dmm = 0
        self.tzname = "UTC"


Furniture = Callable[[Canvas, int, int], None]  # (canvas, page, pages) draws header and footer


class DeferredCanvas(Canvas):
    """Holds every finished page until the document ends, then draws each page's furniture
    knowing the page count ("Page 3 of 7") in one pass.

    The document's page counter still advances on every page so that bookmarks and outline
    entries made while a page is laid out point at that page. Dates come from ``stamp``, not
    from the clock or SOURCE_DATE_EPOCH, so the bytes depend on the handout only.
    """

    def __init__(self, *args: Any, furniture: Furniture, stamp: datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._furniture = furniture
        self._held: list[dict[str, Any]] = []
        doc = self._doc
        doc._timeStamp = _Stamp(stamp)
        # the file ID digest was seeded from ReportLab's own clock reading: reseed it from ours
        doc.signature = md5(b"a reportlab document", usedforsecurity=False)
        doc.signature.update(ascii(doc._timeStamp.t).encode())

    def showPage(self) -> None:
        self._held.append(dict(self.__dict__))
        self._doc.pageCounter += 1
        self._startPage()

    def drawImage(
        self, image: Any, x: float, y: float, width: Any = None, height: Any = None, **kw: Any
    ) -> Any:
        """Paragraph lines draw their <img> here: a registered drawing is drawn as paths."""
        if isinstance(image, VectorImage):
            w, h = width or image.width, height or image.height
            image.draw_on(self, x, y, w, h)
            return w, h
        return super().drawImage(image, x, y, width, height, **kw)

    def save(self) -> None:
        if len(self._code):
            self.showPage()
        pages = len(self._held)
        self._doc.pageCounter = 1  # Canvas.showPage counts again from the first page
        for number, state in enumerate(self._held, start=1):
            self.__dict__.update(state)
            self.saveState()
            self._furniture(self, number, pages)
            self.restoreState()
            Canvas.showPage(self)
        self._held = []
        Canvas.save(self)


# -- tables ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Run:
    """One line's worth of cell text as set: the text, its font and size, CJK or not."""

    text: str
    font: str
    size: float
    cjk: bool


def _pieces(run: Run) -> tuple[str, ...]:
    """The run cut where its lines may break: at spaces, and in CJK text wherever
    :func:`_can_break` allows (so "（DMLC）" and "字，" stay whole)."""
    return _cut(run.text, run.cjk)


@lru_cache(maxsize=16384)
def _cut(text: str, cjk: bool) -> tuple[str, ...]:
    # remembered: sizing a table cuts every cell at each type size and for each column layout
    if not cjk:
        return tuple(text.split())
    out, current = [], ""
    for k, ch in enumerate(text):
        if current and _can_break(text, k):
            out.append(current.strip())
            current = ""
        current += ch
    out.append(current.strip())
    return tuple(p for p in out if p)


@lru_cache(maxsize=65536)
def _width(text: str, font: str, size: float) -> float:
    """stringWidth, remembered: sizing a table measures the same words many times over."""
    return pdfmetrics.stringWidth(text, font, size)


def _min_width(run: Run) -> float:
    """The widest piece of a run that no line break can cut."""
    return max((_width(p, run.font, run.size) for p in _pieces(run)), default=0.0)


def _natural_width(run: Run) -> float:
    lines = run.text.split("\n")
    return max((_width(line, run.font, run.size) for line in lines), default=0.0)


def column_widths(
    header: Sequence[Iterable[Run]],
    rows: Sequence[Sequence[Iterable[Run]]],
    total: float,
    padding: float,
    header_lines: int = 0,
) -> list[float] | None:
    """Widths that fill ``total``, shared out in proportion to each column's content length,
    never narrower than a column's longest unbreakable word nor than what keeps its header
    within ``header_lines`` lines (0: no such limit); None when the minimums do not fit.

    Header text only sets the minimum: long criterion names should wrap, not widen the column.
    """
    # first, columns wide enough that short CJK headers do not break inside a word
    # ("预训练模/型"): without a dictionary, a segment of up to six characters counts as a word;
    # when that does not fit, headers may break between any two characters
    whole = _column_widths(header, rows, total, padding, header_lines, whole_words=True)
    if whole is not None:
        return whole
    return _column_widths(header, rows, total, padding, header_lines, whole_words=False)


SHORT_CJK_WORD = 6


def _header_minimum(run: Run, whole_words: bool) -> float:
    if not (whole_words and run.cjk):
        return _min_width(run)
    if len(run.text) <= SHORT_CJK_WORD + 2:  # a short header ("RNN 开发") stays on one line
        return _natural_width(run)
    short = [p for p in run.text.split() if len(p) <= SHORT_CJK_WORD]
    return max([_min_width(run), *(_width(p, run.font, run.size) for p in short)])


def _column_widths(
    header: Sequence[Iterable[Run]],
    rows: Sequence[Sequence[Iterable[Run]]],
    total: float,
    padding: float,
    header_lines: int,
    whole_words: bool,
) -> list[float] | None:
    n = len(header)
    minimum = [0.0] * n
    natural = [0.0] * n
    for i, cell in enumerate(header):
        for run in cell:
            minimum[i] = max(minimum[i], _header_minimum(run, whole_words))
            if header_lines:
                # one glyph more: lines break at glyphs or words, not at exact fractions
                minimum[i] = max(minimum[i], _natural_width(run) / header_lines + run.size)
    for row in rows:
        for i, cell in enumerate(row):
            for run in cell:
                minimum[i] = max(minimum[i], _min_width(run))
                natural[i] = max(natural[i], _natural_width(run))
    minimum = [m + padding + 1.5 for m in minimum]  # a word exactly as wide as the cell still wraps
    natural = [max(nat + padding, m) for nat, m in zip(natural, minimum, strict=True)]
    if sum(minimum) > total:
        return None
    if sum(natural) <= total:  # everything fits on one line: share out the slack by length
        scale = total / sum(natural)
        return [w * scale for w in natural]
    slack = total - sum(minimum)
    extra = [nat - m for nat, m in zip(natural, minimum, strict=True)]
    share = sum(extra) or 1.0
    return [m + slack * e / share for m, e in zip(minimum, extra, strict=True)]


def _line_count(run: Run, room: float) -> int:
    """Lines a run takes when its unbreakable pieces are filled greedily into ``room``."""
    space = _width(" ", run.font, run.size)
    lines, used = 1, 0.0
    for piece in _pieces(run):
        w = _width(piece, run.font, run.size)
        gap = 0.0 if used == 0 or run.cjk else space
        if used and used + gap + w > room:
            lines, used = lines + 1, w
        else:
            used += gap + w
    return lines


def table_height(
    header: Sequence[Iterable[Run]],
    rows: Sequence[Sequence[Iterable[Run]]],
    widths: Sequence[float],
    padding: float,
    leading: float = 1.3,
) -> float:
    """A rough height of a table of wrapped runs (line count from text length): enough to
    compare two sets of column widths."""
    total = 0.0
    for row in (header, *rows):
        cells = []
        for cell, width in zip(row, widths, strict=True):
            room = max(width - padding, 1.0)
            cells.append(sum(_line_count(r, room) * r.size * leading for r in cell))
        total += max(cells, default=0.0)
    return total
