"""Small helpers on python-docx's XML layer, for what its friendly API does not cover.

Each helper does one WordprocessingML thing and is named for it: East Asian fonts, language
tags, repeating header rows, page-number fields, cell shading, bookmarks, hyperlinks, and the
package-level clean-ups that make a document reproducible (fixed zip entry times, no stale
template parts). Three small builders write whole parts: :class:`Numbering` (numbering.xml),
:class:`Footnotes` (footnotes.xml) and :class:`FontEmbedder` (obfuscated font subsets and the
font table). Only :mod:`pipeline.export.docx` uses them.

Word rejects a file whose property elements are out of schema order, so every element added
to an existing element goes through :func:`_child`, which inserts it at its place in the
sequence; elements built from scratch (:class:`RunProps`, numbering levels) are written in
that order.
"""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cache
from typing import Any

from docx.document import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.pkgwriter import PackageWriter
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.parser import oxml_parser
from docx.table import Table
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from lxml import etree
from lxml.etree import _Element


def _order(names: str) -> list[str]:
    return names.split()


# Schema order of the children we touch (ECMA-376 Part 1, 17.3.2.28, 17.3.1.26, 17.4.x).
_RPR = _order(
    "rStyle rFonts b bCs i iCs caps smallCaps strike dstrike outline shadow emboss imprint noProof "
    "snapToGrid vanish webHidden color spacing w kern position sz szCs highlight u effect bdr shd "
    "fitText vertAlign rtl cs em lang eastAsianLayout specVanish oMath"
)
_PPR = _order(
    "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr suppressLineNumbers pBdr "
    "shd tabs suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE autoSpaceDN "
    "bidi adjustRightInd snapToGrid spacing ind contextualSpacing mirrorIndents suppressOverlap jc "
    "textDirection textAlignment textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange"
)
_PBDR = _order("top left bottom right between bar")
_TRPR = _order(
    "cnfStyle divId gridBefore gridAfter wBefore wAfter cantSplit trHeight tblHeader tblCellSpacing "
    "jc hidden ins del trPrChange"
)
_TBLPR = _order(
    "tblStyle tblpPr tblOverlap bidiVisual tblStyleRowBandSize tblStyleColBandSize tblW jc "
    "tblCellSpacing tblInd tblBorders shd tblLayout tblCellMar tblLook tblCaption tblDescription"
)
_TCPR = _order(
    "cnfStyle tcW gridSpan hMerge vMerge tcBorders shd noWrap tcMar textDirection tcFitText vAlign hideMark"
)
_CELL_MAR = _order("top left start bottom right end")
_BORDERS = _order("top left start bottom right end insideH insideV tl2br tr2bl")
_STYLE = _order(
    "name aliases basedOn next link autoRedefine hidden uiPriority semiHidden unhideWhenUsed qFormat "
    "locked personal personalCompose personalReply rsid pPr rPr tblPr trPr tcPr tblStylePr"
)
_ORDERS = {
    "rPr": _RPR,
    "pPr": _PPR,
    "pBdr": _PBDR,
    "trPr": _TRPR,
    "tblPr": _TBLPR,
    "tcPr": _TCPR,
    "tr": _order("tblPrEx trPr tc customXml sdt bookmarkStart bookmarkEnd"),
    "tc": _order("tcPr customXml sdt p tbl bookmarkStart bookmarkEnd"),
    "tblCellMar": _CELL_MAR,
    "tcBorders": _BORDERS,
    "tblBorders": _BORDERS,
    "style": _STYLE,
    "docDefaults": ["rPrDefault", "pPrDefault"],
    "rPrDefault": ["rPr"],
}

# Word prefers a theme font over an explicit one when both are given, so explicit fonts only
# take effect once these are gone.
THEME_FONT_ATTRS = ("w:asciiTheme", "w:eastAsiaTheme", "w:hAnsiTheme", "w:cstheme")
STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"
APP_XML = "/docProps/app.xml"


def _local(element: _Element) -> str:
    return element.tag.rpartition("}")[2]


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


_NSMAP = {"w": _W[1:-1]}


def new_element(tag: str) -> _Element:
    """A new ``w:<tag>`` of python-docx's element classes (its ``OxmlElement``, without the
    parsing of the prefixed name on every call)."""
    return oxml_parser.makeelement(_W + tag, nsmap=_NSMAP)


@cache
def _later(parent_tag: str, tag: str) -> frozenset[str]:
    """The (Clark) names of the children that come after ``w:<tag>`` in a ``parent_tag``."""
    order = _ORDERS.get(parent_tag.rpartition("}")[2], [])
    return frozenset(_W + t for t in order[order.index(tag) + 1 :]) if tag in order else frozenset()


def _child(parent: _Element, tag: str) -> _Element:
    """The child ``w:<tag>`` of ``parent``, created at its schema position when missing. (The
    lxml calls here, not python-docx's: this runs for every property of every cell and run.)"""
    found = parent.find(_W + tag)
    if found is not None:
        return found
    new = parent.makeelement(_W + tag)
    later = _later(parent.tag, tag)
    if later:
        for i, sibling in enumerate(parent):
            if sibling.tag in later:
                parent.insert(i, new)
                return new
    parent.append(new)
    return new


def _rpr(target: Any) -> _Element:
    """The w:rPr of a run, a style, a paragraph, or a raw element that owns one (or is one)."""
    if isinstance(target, Run):
        return target._r.get_or_add_rPr()
    element = getattr(target, "element", None)
    element = element if element is not None else getattr(target, "_p", target)
    if _local(element) == "rPr":
        return element
    if _local(element) == "p":  # a paragraph's own mark properties live in w:pPr/w:rPr
        return _child(element.get_or_add_pPr(), "rPr")
    return _child(element, "rPr")


def _ppr(target: Any) -> _Element:
    """The w:pPr of a paragraph style or a paragraph."""
    element = getattr(target, "element", None)
    element = element if element is not None else target._p
    return element.get_or_add_pPr()


# -- fonts and languages -------------------------------------------------------------------------
def strip_theme_fonts(element: _Element) -> None:
    """Remove the *Theme attributes of every w:rFonts below ``element`` (styles, tables...)."""
    for fonts in element.iter(qn("w:rFonts")):
        for attr in THEME_FONT_ATTRS:
            fonts.attrib.pop(qn(attr), None)


def set_east_asian_font(style_or_run: Any, name: str, latin: str | None = None) -> None:
    """Set w:rFonts/@w:eastAsia (and the Latin slots when ``latin`` is given), dropping theme fonts.

    python-docx's ``font.name`` only sets w:ascii and w:hAnsi, so Chinese text would otherwise
    keep the theme's East Asian font.
    """
    fonts = _child(_rpr(style_or_run), "rFonts")
    for attr in THEME_FONT_ATTRS:
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:eastAsia"), name)
    if latin is not None:
        for attr in ("w:ascii", "w:hAnsi", "w:cs"):
            fonts.set(qn(attr), latin)


def set_language(element: Any, lang: str | None, east_asia: str | None = None) -> None:
    """w:lang on a style, run or w:rPr: @w:val tags Latin text, @w:eastAsia tags CJK text.

    Spell-checkers and hyphenation pick their dictionary from these, so in a bilingual
    document each language's runs carry their own tag. ``None`` leaves an attribute as it is.
    """
    tag = _child(_rpr(element), "lang")
    if lang is not None:
        tag.set(qn("w:val"), lang)
    if east_asia is not None:
        tag.set(qn("w:eastAsia"), east_asia)


def set_paragraph_style(paragraph: Paragraph, style_id: str) -> None:
    """w:pPr/w:pStyle by style id (python-docx's setter looks the style up by name each time)."""
    ppr = paragraph_properties(paragraph._p)
    style = ppr.find(_W + "pStyle")
    if style is None:
        style = new_element("pStyle")
        ppr.insert(0, style)  # first in the schema order of w:pPr
    style.set(_VAL, style_id)


def doc_defaults_rpr(document: Document) -> _Element:
    """The document-wide default run properties (w:docDefaults/w:rPrDefault/w:rPr)."""
    defaults = document.styles.element.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = OxmlElement("w:docDefaults")
        document.styles.element.insert(0, defaults)
    return _child(_child(defaults, "rPrDefault"), "rPr")


def declare_font(
    document: Document, name: str, panose: str, charset: str, family: str, pitch: str = "variable"
) -> None:
    """A w:font entry in word/fontTable.xml: where the font is missing, Word picks its substitute
    by these (charset 86 asks for a Simplified Chinese font, family swiss for a sans serif)."""
    part = document.part.part_related_by(RT.FONT_TABLE)
    root = etree.fromstring(part.blob)
    if root.find(f"{qn('w:font')}[@{qn('w:name')}='{name}']") is not None:
        return
    font = etree.SubElement(root, qn("w:font"), {qn("w:name"): name})
    for tag, value in (("panose1", panose), ("charset", charset), ("family", family), ("pitch", pitch)):
        etree.SubElement(font, qn(f"w:{tag}"), {qn("w:val"): value})
    # a plain Part: python-docx writes its bytes back as they are
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def remove_proof_state(document: Document) -> None:
    """The template claims spelling and grammar were checked ("clean"), so Word would not check
    the new text until it is edited."""
    settings = document.settings.element
    for tag in settings.findall(qn("w:proofState")):
        settings.remove(tag)


def set_theme_font_lang(document: Document, lang: str, east_asia: str | None) -> None:
    """w:settings/w:themeFontLang: the template says ja-JP, which would pick Japanese theme fonts."""
    tag = document.settings.element.find(qn("w:themeFontLang"))
    if tag is None:
        return
    tag.set(qn("w:val"), lang)
    if east_asia is not None:
        tag.set(qn("w:eastAsia"), east_asia)


# -- paragraphs ----------------------------------------------------------------------------------
def set_paragraph_border(style_or_paragraph: Any, side: str, color: str, eighths: int, space: int) -> None:
    """A single-line paragraph border (w:pBdr) on one side; size in eighths of a point."""
    line = _child(_child(_ppr(style_or_paragraph), "pBdr"), side)
    line.set(qn("w:val"), "single")
    line.set(qn("w:sz"), str(eighths))
    line.set(qn("w:space"), str(space))
    line.set(qn("w:color"), color)


def remove_numbering(style: Any) -> None:
    """Drop a paragraph style's w:numPr (the template's list styles point at its own lists)."""
    ppr = _ppr(style)
    for num in ppr.findall(qn("w:numPr")):
        ppr.remove(num)


def add_field(paragraph: Paragraph, instruction: str, placeholder: str = "1") -> list[Run]:
    """A complex field (w:fldChar begin / w:instrText / separate / result / end) at the end.

    ``placeholder`` is the cached result shown until the reader updates fields; Word and
    LibreOffice recompute PAGE and NUMPAGES whenever they lay out the page.
    """
    runs: list[Run] = []

    def run_with(tag: str, **attrs: str) -> _Element:
        run = paragraph.add_run()
        element = OxmlElement(tag)
        for key, value in attrs.items():
            element.set(qn(key), value)
        run._r.append(element)
        runs.append(run)
        return element

    run_with("w:fldChar", **{"w:fldCharType": "begin"})
    run_with("w:instrText", **{"xml:space": "preserve"}).text = f" {instruction} "
    run_with("w:fldChar", **{"w:fldCharType": "separate"})
    runs.append(paragraph.add_run(placeholder))
    run_with("w:fldChar", **{"w:fldCharType": "end"})
    return runs


# -- tables --------------------------------------------------------------------------------------
# These work on the table's XML directly: python-docx's row, cell and format objects look every
# child up through their schema's successor lists, which was a third of a chapter's DOCX export.
# The elements and attributes they write are the ones python-docx's setters write.
def rows_of(table: Table) -> list[_Element]:
    """The table's w:tr elements."""
    return table._tbl.findall(qn("w:tr"))


def cells_of(row: _Element) -> list[_Element]:
    """A row's w:tc elements (the tables written here merge no cells)."""
    return row.findall(qn("w:tc"))


def first_paragraph(cell: _Element) -> Paragraph:
    """The first paragraph of a cell (every new cell has one)."""
    return Paragraph(cell.find(qn("w:p")), None)  # type: ignore[arg-type]


def _on(parent: _Element, tag: str) -> None:
    """An on/off property switched on, as python-docx writes it: the element without w:val."""
    _child(parent, tag).attrib.pop(qn("w:val"), None)


def paragraph_properties(p: _Element) -> _Element:
    """The w:pPr of a w:p, made when missing (it is the first child)."""
    ppr = p.find(_W + "pPr")
    if ppr is None:
        ppr = new_element("pPr")
        p.insert(0, ppr)
    return ppr


def keep_with_next(p: _Element) -> None:
    """w:keepNext: the paragraph stays on the page of the next one."""
    _on(paragraph_properties(p), "keepNext")


def align_paragraph(p: _Element, value: str) -> None:
    """w:pPr/w:jc: "center", "right", "both"..."""
    _child(paragraph_properties(p), "jc").set(qn("w:val"), value)


def align_cell(cell: _Element, value: str) -> None:
    """w:tcPr/w:vAlign: "top", "center" or "bottom"."""
    _child(_child(cell, "tcPr"), "vAlign").set(qn("w:val"), value)


def mark_header_row(row: _Element) -> None:
    """w:trPr/w:tblHeader: the row repeats at the top of every page the table runs onto."""
    _child(_child(row, "trPr"), "tblHeader").set(qn("w:val"), "true")


def cant_split(row: _Element) -> None:
    """w:trPr/w:cantSplit: the row is never broken across two pages."""
    _child(_child(row, "trPr"), "cantSplit").set(qn("w:val"), "true")


def set_cell_shading(cell: _Element, fill: str) -> None:
    """w:tcPr/w:shd with a solid fill colour (hex RGB without '#')."""
    shd = _child(_child(cell, "tcPr"), "shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)


def set_table_style(table: Table, style_id: str) -> None:
    """w:tblPr/w:tblStyle by style id (python-docx's setter searches every style for the
    default one each time)."""
    _child(table._tbl.tblPr, "tblStyle").set(qn("w:val"), style_id)


def set_table_layout(table: Table, align: str | None = None) -> None:
    """A fixed layout (w:tblLayout: the columns keep their widths), centred when asked."""
    tblpr = table._tbl.tblPr
    if align:
        _child(tblpr, "jc").set(qn("w:val"), align)
    _child(tblpr, "tblLayout").set(qn("w:type"), "fixed")


def set_table_width(table: Table, twips: int) -> None:
    """w:tblPr/w:tblW in twips (python-docx has no API for the table's own width)."""
    width = _child(table._tbl.tblPr, "tblW")
    width.set(qn("w:w"), str(twips))
    width.set(qn("w:type"), "dxa")


def set_cell_margins(table: Table, left: int, right: int, top: int = 0, bottom: int = 0) -> None:
    """w:tblPr/w:tblCellMar in twips: the padding inside every cell of the table."""
    margins = _child(table._tbl.tblPr, "tblCellMar")
    for side, value in (("top", top), ("left", left), ("bottom", bottom), ("right", right)):
        tag = _child(margins, side)
        tag.set(qn("w:w"), str(value))
        tag.set(qn("w:type"), "dxa")


def set_column_widths(table: Table, widths: list[int]) -> None:
    """Column widths in twips on w:tblGrid and on every cell: Word reads the cells' w:tcW,
    LibreOffice the grid, and a fixed layout needs both to agree."""
    grid = table._tbl.find(qn("w:tblGrid"))
    for column, width in zip(grid.findall(qn("w:gridCol")), widths, strict=True):
        column.set(qn("w:w"), str(width))
    for row in rows_of(table):
        for cell, width in zip(cells_of(row), widths, strict=False):
            tcw = _child(_child(cell, "tcPr"), "tcW")
            tcw.set(qn("w:type"), "dxa")
            tcw.set(qn("w:w"), str(width))


# -- package -------------------------------------------------------------------------------------
def drop_package_part(document: Document, reltype: str) -> None:
    """Forget a template part; a part no relationship points to is not written by ``save``."""
    for rels in (document.part.package.rels, document.part.rels):
        for rid in [rid for rid, rel in rels.items() if rel.reltype == reltype]:
            del rels[rid]


def drop_template_leftovers(document: Document) -> None:
    """The default template's thumbnail shows an empty page, and its stylesWithEffects part
    repeats every style with the theme fonts we remove (Word 2010 would read those). Its 100
    table styles (Light Shading, Medium Grid 1 Accent 1...) are 300 KB of the 350 KB of
    styles.xml and no handout uses them: only the default one stays. Word offers its built-in
    table styles whether a document defines them or not."""
    drop_package_part(document, RT.THUMBNAIL)
    drop_package_part(document, STYLES_WITH_EFFECTS)
    styles = document.styles.element
    for style in styles.findall(qn("w:style")):
        if style.get(qn("w:type")) == "table" and style.get(qn("w:default")) != "1":
            styles.remove(style)


def set_app_properties(document: Document, application: str) -> None:
    """Replace docProps/app.xml, which in the template claims "Microsoft Macintosh Word" and
    stale page and word counts, with the producing application only."""
    xml = (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
        'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        f"<Application>{_escape(application)}</Application><DocSecurity>0</DocSecurity>"
        "<ScaleCrop>false</ScaleCrop><LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc>"
        "<HyperlinksChanged>false</HyperlinksChanged></Properties>"
    )
    for part in document.part.package.iter_parts():
        if part.partname == APP_XML:
            part._blob = xml.encode("utf-8")  # a plain Part: python-docx writes its bytes back as they are


def package_bytes(document: Document, when: datetime, packed: dict[str, Packed] | None = None) -> bytes:
    """The document as a zip package with fixed entry times and attributes, so equal input
    gives equal bytes; ``when`` is clamped to what a zip header can hold (1980-2107).

    The entries are the ones ``Document.save()`` writes, in its order, taken from python-docx's
    package writer and zipped once here (saving, then rewriting the zip, compressed it twice).
    ``packed`` holds entries already compressed (embedded fonts, from the cache), by name.
    """
    if when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    stamp = max(min(when, datetime(2107, 12, 31, 23, 59, 58)), datetime(1980, 1, 1))
    entries: list[tuple[str, bytes]] = []

    class Entries:
        """Takes the place of python-docx's zip writer (PhysPkgWriter)."""

        @staticmethod
        def write(uri: PackURI, blob: bytes) -> None:
            entries.append((uri.membername, blob))

    package = document.part.package
    parts = list(package.parts)
    for part in parts:
        part.before_marshal()
    PackageWriter._write_content_types_stream(Entries, parts)
    PackageWriter._write_pkg_rels(Entries, package.rels)
    PackageWriter._write_parts(Entries, parts)  # type: ignore[arg-type]
    return zip_bytes(entries, stamp, packed or {})


# -- zip ------------------------------------------------------------------------------------------
# A zip archive as the zipfile module writes one with ZIP_DEFLATED (entries made on MS-DOS, as
# Word makes them, and no extra fields), except that an entry can come
# already compressed: the embedded fonts are most of a Chinese handout's bytes and took a tenth
# of its export to compress, though they are the same from one export to the next.
Packed = tuple[int, bytes]  # an entry's CRC-32 and its deflate stream
_LOCAL = struct.Struct("<4s2B4HL2L2H")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_END = struct.Struct("<4s4H2LH")
_DEFLATED, _VERSION, _UTF8 = 8, 20, 0x800
_ATTRIBUTES = 0o600 << 16  # what zipfile writes for "none" (rw------- for unzip on Unix)


def _pack(packed: Packed) -> bytes:
    crc, stream = packed
    return crc.to_bytes(4, "little") + stream


def deflate(data: bytes) -> Packed:
    """``data``'s CRC-32 and raw deflate stream, as zipfile compresses it (zlib's level 6)."""
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    return zlib.crc32(data), compressor.compress(data) + compressor.flush()


def zip_bytes(entries: list[tuple[str, bytes]], stamp: datetime, packed: dict[str, Packed]) -> bytes:
    """The entries (name, data) as a zip archive whose entries all carry the time ``stamp``."""
    date = (stamp.year - 1980) << 9 | stamp.month << 5 | stamp.day
    time = stamp.hour << 11 | stamp.minute << 5 | stamp.second // 2
    out: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for name, data in entries:
        crc, stream = packed[name] if name in packed else deflate(data)
        if len(data) > 0xFFFFFFFF or len(stream) > 0xFFFFFFFF or offset > 0xFFFFFFFF:
            raise ValueError(f"{name}: too large for a zip archive without ZIP64")
        try:
            encoded, flags = name.encode("ascii"), 0
        except UnicodeEncodeError:
            encoded, flags = name.encode("utf-8"), _UTF8
        sizes = (crc, len(stream), len(data), len(encoded))
        local = _LOCAL.pack(b"PK\x03\x04", _VERSION, 0, flags, _DEFLATED, time, date, *sizes, 0)
        out += [local, encoded, stream]
        central += [
            _CENTRAL.pack(b"PK\x01\x02", _VERSION, 0, _VERSION, 0, flags, _DEFLATED, time, date, *sizes,
                          0, 0, 0, 0, _ATTRIBUTES, offset),
            encoded,
        ]  # fmt: skip
        offset += _LOCAL.size + len(encoded) + len(stream)
    directory = b"".join(central)
    end = _END.pack(b"PK\x05\x06", 0, 0, len(entries), len(entries), len(directory), offset, 0)
    return b"".join(out) + directory + end


# -- runs, links and notes built as XML ------------------------------------------------------------
# The writer builds paragraph content as lxml elements: inline markup nests (a bold link holding
# a subscript), and the same code fills body paragraphs and footnotes, which python-docx's
# Paragraph API does not reach.
_SPACE = qn("xml:space")


_VAL = _W + "val"


class RunProps:
    """What a run looks like, written as one w:rPr in schema order (ECMA-376 Part 1, 17.3.2.28)."""

    __slots__ = ("asian", "bold", "colour", "east_asia", "font", "half_points", "hint", "italic", "lang",
                 "no_proof", "style", "underline", "vert")  # fmt: skip

    def __init__(
        self,
        asian: str | None = None,
        bold: bool | None = None,
        colour: str | None = None,
        east_asia: str | None = None,
        font: str | None = None,
        half_points: int | None = None,
        hint: str | None = None,
        italic: bool | None = None,
        lang: str | None = None,
        no_proof: bool | None = None,
        style: str | None = None,
        underline: bool | None = None,
        vert: str | None = None,
    ) -> None:
        self.asian = asian
        self.bold = bold
        self.colour = colour
        self.east_asia = east_asia
        self.font = font
        self.half_points = half_points
        self.hint = hint
        self.italic = italic
        self.lang = lang
        self.no_proof = no_proof
        self.style = style
        self.underline = underline
        self.vert = vert

    def but(self, **changes: Any) -> RunProps:
        """A copy with some properties changed (inline markup nests)."""
        values = {name: getattr(self, name) for name in self.__slots__}
        values.update(changes)
        return RunProps(**values)

    def element(self) -> _Element | None:
        # lxml's own calls and Clark names: this runs for every run of the document
        rpr = new_element("rPr")
        sub = etree.SubElement
        if self.style:
            sub(rpr, _W + "rStyle").set(_VAL, self.style)
        if self.font or self.hint or self.asian:
            fonts = sub(rpr, _W + "rFonts")
            if self.hint:
                fonts.set(_W + "hint", self.hint)
            if self.asian:  # the face of the run's language, where it is not the document's
                fonts.set(_W + "eastAsia", self.asian)
            if self.font:  # a Latin font (code, math); CJK characters keep the document's font
                for attr in ("ascii", "hAnsi", "cs"):
                    fonts.set(_W + attr, self.font)
        for tag, on in (("b", self.bold), ("i", self.italic)):
            if on is not None:
                flag = sub(rpr, _W + tag)
                if not on:
                    flag.set(_VAL, "0")
        if self.no_proof:
            sub(rpr, _W + "noProof")
        if self.colour:
            sub(rpr, _W + "color").set(_VAL, self.colour)
        if self.half_points:
            sub(rpr, _W + "sz").set(_VAL, str(self.half_points))
        if self.underline:
            sub(rpr, _W + "u").set(_VAL, "single")
        if self.vert:
            sub(rpr, _W + "vertAlign").set(_VAL, self.vert)
        if self.lang or self.east_asia:
            tag = sub(rpr, _W + "lang")
            if self.lang:
                tag.set(_VAL, self.lang)
            if self.east_asia:
                tag.set(_W + "eastAsia", self.east_asia)
        return rpr if len(rpr) else None


_BR, _TAB, _T, _R = _W + "br", _W + "tab", _W + "t", _W + "r"


def add_text(run: _Element, text: str) -> None:
    """Text into a w:r: line breaks as w:br, tabs as w:tab, spaces kept (xml:space)."""
    for k, line in enumerate(text.split("\n")):
        if k:
            etree.SubElement(run, _BR)
        for j, piece in enumerate(line.split("\t")):
            if j:
                etree.SubElement(run, _TAB)
            if piece:
                t = etree.SubElement(run, _T)
                t.text = piece
                if piece != piece.strip() or "  " in piece:
                    t.set(_SPACE, "preserve")


def make_run(parent: _Element, text: str, props: RunProps | None = None) -> _Element:
    """A w:r with ``props`` and ``text`` appended to ``parent`` (a w:p or a w:hyperlink)."""
    run = etree.SubElement(parent, _R)
    rpr = props.element() if props is not None else None
    if rpr is not None:
        run.append(rpr)
    add_text(run, text)
    return run


def external_link(parent: _Element, part: Any, url: str) -> _Element:
    """An empty w:hyperlink to ``url``, related from ``part`` (the document or the footnotes)."""
    rid = part.relate_to(url, RT.HYPERLINK, is_external=True)
    link = etree.SubElement(parent, qn("w:hyperlink"))
    link.set(qn("r:id"), rid)
    return link


def internal_link(parent: _Element, bookmark: str) -> _Element:
    """An empty w:hyperlink to a bookmark of the document (w:anchor)."""
    link = etree.SubElement(parent, qn("w:hyperlink"))
    link.set(qn("w:anchor"), bookmark)
    link.set(qn("w:history"), "1")
    return link


def footnote_reference(parent: _Element, note_id: int, mark: str | None, props: RunProps) -> _Element:
    """The run that calls footnote ``note_id``: Word numbers it, or prints ``mark`` as written
    (w:customMarkFollows) when the handout's own number must be kept."""
    run = etree.SubElement(parent, qn("w:r"))
    rpr = props.but(style="FootnoteReference").element()
    assert rpr is not None
    run.append(rpr)
    ref = etree.SubElement(run, qn("w:footnoteReference"))
    if mark is not None:
        ref.set(qn("w:customMarkFollows"), "1")
    ref.set(qn("w:id"), str(note_id))
    if mark is not None:
        add_text(run, mark)
    return run


def bookmark(p: _Element, name: str, bookmark_id: int) -> None:
    """w:bookmarkStart/End around a paragraph's content (a raw w:p)."""
    start = OxmlElement("w:bookmarkStart", attrs={qn("w:id"): str(bookmark_id), qn("w:name"): name})
    p.insert(1 if p.find(qn("w:pPr")) is not None else 0, start)
    p.append(OxmlElement("w:bookmarkEnd", attrs={qn("w:id"): str(bookmark_id)}))


def set_numbering(paragraph: Paragraph, num_id: int, level: int) -> None:
    """w:pPr/w:numPr: the paragraph is an item of list ``num_id`` at ``level`` (0-8)."""
    num = _child(paragraph._p.get_or_add_pPr(), "numPr")
    _child(num, "ilvl").set(qn("w:val"), str(level))
    _child(num, "numId").set(qn("w:val"), str(num_id))


def set_paragraph_box(style_or_paragraph: Any, fill: str, colour: str) -> None:
    """A shaded paragraph with a rule on its left (callouts, code). Word draws consecutive
    paragraphs with the same borders and shading as one box."""
    set_paragraph_border(style_or_paragraph, "left", colour, 18, 8)
    shd = _child(_ppr(style_or_paragraph), "shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)


# -- numbering -------------------------------------------------------------------------------------
class Numbering:
    """word/numbering.xml, written from scratch: one abstract list per kind of bulleted list
    (bullets, a mark such as ✓) and per numbered list, and a new w:num per list with a
    w:startOverride, so every numbered list starts again at 1 in Word and in LibreOffice."""

    LEVELS = 9
    INDENT = 360  # twips per level, and the hanging indent of the mark

    def __init__(self) -> None:
        self.abstract: dict[tuple[str, ...], int] = {}  # (format, marks, font, colour, list) -> id
        self.nums: list[tuple[int, bool]] = []  # (abstract id, restart)

    def new_list(self, fmt: str, marks: tuple[str, ...], font: str = "", colour: str = "") -> int:
        """A new w:num: ``fmt`` decimal or bullet; ``marks`` the bullet of each level, cycled.
        Returns its numId."""
        restart = fmt == "decimal"
        # LibreOffice counts on across w:nums that share an abstract list, whatever their
        # w:startOverride: a numbered list gets an abstract list of its own
        key = (fmt, "".join(marks), font, colour, str(len(self.nums)) if restart else "")
        if key not in self.abstract:
            self.abstract[key] = len(self.abstract)
        self.nums.append((self.abstract[key], restart))
        return len(self.nums)

    def write(self, root: _Element) -> None:
        for child in list(root):
            root.remove(child)
        for (fmt, marks, font, colour, _), aid in self.abstract.items():
            root.append(self._abstract(aid, fmt, marks, font, colour))
        for num_id, (aid, restart) in enumerate(self.nums, start=1):
            num = etree.SubElement(root, qn("w:num"), {qn("w:numId"): str(num_id)})
            etree.SubElement(num, qn("w:abstractNumId"), {qn("w:val"): str(aid)})
            if restart:
                for level in range(self.LEVELS):
                    override = etree.SubElement(num, qn("w:lvlOverride"), {qn("w:ilvl"): str(level)})
                    etree.SubElement(override, qn("w:startOverride"), {qn("w:val"): "1"})

    def _abstract(self, aid: int, fmt: str, marks: str, font: str, colour: str) -> _Element:
        element = OxmlElement("w:abstractNum", attrs={qn("w:abstractNumId"): str(aid)})
        etree.SubElement(element, qn("w:nsid"), {qn("w:val"): f"{0x5A170000 + aid:08X}"})
        etree.SubElement(element, qn("w:multiLevelType"), {qn("w:val"): "hybridMultilevel"})
        for level in range(self.LEVELS):
            lvl = etree.SubElement(element, qn("w:lvl"), {qn("w:ilvl"): str(level)})
            etree.SubElement(lvl, qn("w:start"), {qn("w:val"): "1"})
            etree.SubElement(lvl, qn("w:numFmt"), {qn("w:val"): fmt})
            text = f"%{level + 1}." if fmt == "decimal" else marks[level % len(marks)]
            etree.SubElement(lvl, qn("w:lvlText"), {qn("w:val"): text})
            etree.SubElement(lvl, qn("w:lvlJc"), {qn("w:val"): "left"})
            ppr = etree.SubElement(lvl, qn("w:pPr"))
            left = str(self.INDENT * (level + 1))
            etree.SubElement(ppr, qn("w:ind"), {qn("w:left"): left, qn("w:hanging"): str(self.INDENT)})
            if font or colour:
                rpr = etree.SubElement(lvl, qn("w:rPr"))
                if font:
                    fonts = etree.SubElement(rpr, qn("w:rFonts"))
                    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
                        fonts.set(qn(attr), font)
                if colour:
                    etree.SubElement(rpr, qn("w:b"))
                    etree.SubElement(rpr, qn("w:color"), {qn("w:val"): colour})
        return element


# -- footnotes -------------------------------------------------------------------------------------
FOOTNOTES_URI = "/word/footnotes.xml"


class Footnotes:
    """word/footnotes.xml: the separators Word writes (ids -1 and 0), then the notes. The part
    exists from the start so links inside notes can be related from it."""

    def __init__(self, document: Document) -> None:
        from docx.opc.constants import CONTENT_TYPE as CT
        from docx.opc.packuri import PackURI
        from docx.opc.part import Part

        self.document = document
        self.part = Part(PackURI(FOOTNOTES_URI), CT.WML_FOOTNOTES, b"", document.part.package)
        w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
        r = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
        self.root = etree.Element(qn("w:footnotes"), nsmap={"w": w, "r": r})
        for note_id, kind in ((-1, "separator"), (0, "continuationSeparator")):
            note = etree.SubElement(
                self.root, qn("w:footnote"), {qn("w:type"): kind, qn("w:id"): str(note_id)}
            )
            p = etree.SubElement(note, qn("w:p"))
            spacing = etree.SubElement(etree.SubElement(p, qn("w:pPr")), qn("w:spacing"))
            for attr, value in (("w:after", "0"), ("w:line", "240"), ("w:lineRule", "auto")):
                spacing.set(qn(attr), value)
            etree.SubElement(etree.SubElement(p, qn("w:r")), qn(f"w:{kind}"))
        self.count = 0

    def add(self, mark: str | None) -> tuple[int, _Element]:
        """A new footnote: its id and its paragraph, already holding the note's own mark."""
        self.count += 1
        note = etree.SubElement(self.root, qn("w:footnote"), {qn("w:id"): str(self.count)})
        p = etree.SubElement(note, qn("w:p"))
        etree.SubElement(etree.SubElement(p, qn("w:pPr")), qn("w:pStyle"), {qn("w:val"): "FootnoteText"})
        run = etree.SubElement(p, qn("w:r"))
        etree.SubElement(
            etree.SubElement(run, qn("w:rPr")), qn("w:rStyle"), {qn("w:val"): "FootnoteReference"}
        )
        if mark is None:
            etree.SubElement(run, qn("w:footnoteRef"))
        else:
            add_text(run, mark)
        make_run(p, " ")
        return self.count, p

    def paragraph(self) -> _Element:
        """A further paragraph of the last footnote (its text in another language)."""
        note = self.root[-1]
        p = etree.SubElement(note, qn("w:p"))
        etree.SubElement(etree.SubElement(p, qn("w:pPr")), qn("w:pStyle"), {qn("w:val"): "FootnoteText"})
        return p

    def finish(self) -> None:
        """Write the part and relate it from the document, with w:footnotePr in the settings."""
        if not self.count:
            return
        self.part._blob = etree.tostring(self.root, xml_declaration=True, encoding="UTF-8", standalone=True)
        self.document.part.relate_to(self.part, RT.FOOTNOTES)
        settings = self.document.settings.element
        pr = OxmlElement("w:footnotePr")
        for note_id in ("-1", "0"):
            etree.SubElement(pr, qn("w:footnote"), {qn("w:id"): note_id})
        compat = settings.find(qn("w:compat"))
        if compat is not None:
            compat.addprevious(pr)
        else:
            settings.append(pr)


# -- tables ----------------------------------------------------------------------------------------
def set_cell_border(cell: _Element, side: str, colour: str, eighths: int) -> None:
    """One single-line border of a cell (w:tcPr/w:tcBorders), over the table's own rules."""
    borders = _child(_child(cell, "tcPr"), "tcBorders")
    line = _child(borders, side)
    line.set(qn("w:val"), "single")
    line.set(qn("w:sz"), str(eighths))
    line.set(qn("w:space"), "0")
    line.set(qn("w:color"), colour)


def set_table_look(table: Table, first_row: bool, first_column: bool, banded_rows: bool) -> None:
    """w:tblLook: which conditional formats of the table style apply, as attributes and as
    the older bit mask (w:val) that Word 2007 reads; the two must agree."""
    look = _child(table._tbl.tblPr, "tblLook")
    mask = 0
    for attr, bit, on in (
        ("w:firstRow", 0x0020, first_row),
        ("w:lastRow", 0x0040, False),
        ("w:firstColumn", 0x0080, first_column),
        ("w:lastColumn", 0x0100, False),
        ("w:noHBand", 0x0200, not banded_rows),
        ("w:noVBand", 0x0400, True),
    ):
        look.set(qn(attr), "1" if on else "0")
        mask |= bit if on else 0
    look.set(qn("w:val"), f"{mask:04X}")


def set_table_caption(table: Table, caption: str) -> None:
    """w:tblCaption: the table's title for screen readers (Word's "Alt Text" of a table)."""
    _child(table._tbl.tblPr, "tblCaption").set(qn("w:val"), caption)


def set_table_borders(target: Any, colour: str, eighths: int, inner_vertical: bool = True) -> None:
    """w:tblBorders of a table or a table style: thin rules of one colour."""
    element = getattr(target, "_tbl", None)
    tblpr = element.tblPr if element is not None else _child(target.element, "tblPr")
    borders = _child(tblpr, "tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        line = borders.find(qn(f"w:{side}"))
        if line is None:
            line = etree.SubElement(borders, qn(f"w:{side}"))
        on = inner_vertical or side != "insideV"
        line.set(qn("w:val"), "single" if on else "nil")
        if on:
            line.set(qn("w:sz"), str(eighths))
            line.set(qn("w:space"), "0")
            line.set(qn("w:color"), colour)


# -- embedded fonts ----------------------------------------------------------------------------------
# Word's "Embed fonts in the file" (ECMA-376 Part 1, 17.8.1 and 17.8.3.3): each face is a part
# under word/fonts/ related from the font table, its first 32 bytes XORed with a key that the
# font table names (w:fontKey), so the file is not a plain font anyone could install.
OBFUSCATED_FONT = "application/vnd.openxmlformats-officedocument.obfuscatedFont"
_FACES = {
    "regular": "embedRegular",
    "bold": "embedBold",
    "italic": "embedItalic",
    "boldItalic": "embedBoldItalic",
}
_FONT_ORDER = _order(
    "altName panose1 charset family notTrueType pitch sig embedRegular embedBold embedItalic embedBoldItalic"
)
_ORDERS["font"] = _FONT_ORDER


def _parsed_font(path: str) -> Any:
    """A font file parsed once per process, and its parse kept between runs (Noto Sans SC is
    10 MB: a quarter of a second)."""
    from pipeline.export.fontcache import face

    return face(path)


def family_name(path: str) -> str:
    """The family name a TrueType file gives itself (its name table), which Word looks it up by."""
    from pipeline.export.fontcache import derived

    def parse() -> bytes:
        name = _parsed_font(path).familyName
        return name if isinstance(name, bytes) else str(name).encode()

    return derived(path, "family", parse).decode("utf-8", "replace")


def subset_font(path: str, chars: Iterable[str]) -> bytes:
    """A TrueType font holding only the glyphs of ``chars`` (those it has), with a Unicode cmap;
    kept between runs for the same font and characters."""
    from pipeline.export.fontcache import derived

    wanted = "".join(sorted(set(chars)))
    key = hashlib.sha256(wanted.encode("utf-8", "surrogatepass")).hexdigest()
    return derived(path, f"subset {_SUBSET_FORMAT} {key}", lambda: _subset_font(path, wanted))


_SUBSET_FORMAT = 1  # raise it when _subset_font() changes what it makes


def _escape(text: str) -> str:
    """XML character data escaped (xml.sax.saxutils would load urllib for this)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _subset_font(path: str, chars: Iterable[str]) -> bytes:
    """A TrueType font holding only the glyphs of ``chars`` (those it has), with a Unicode cmap.

    ReportLab's subsetter (made for PDF) keeps the outlines, metrics and names but maps the
    glyphs to the codes 0, 1, 2...; the cmap is rebuilt here for the real code points, with
    the glyph numbers it gives: in the order of the codes asked for, after glyph 0.
    """
    from reportlab.pdfbase.ttfonts import TTFontMaker, TTFontParser

    font = _parsed_font(path)
    codes = sorted({ord(c) for c in chars if ord(c) in font.charToGlyph})
    data = font.makeSubset(codes)
    new: dict[int, int] = {0: 0}  # old glyph -> new glyph, as makeSubset numbers them
    glyphs = {}
    for code in codes:
        glyphs[code] = new.setdefault(font.charToGlyph[code], len(new))
    parsed = TTFontParser(io.BytesIO(data))
    out = TTFontMaker()
    for tag in parsed.table:
        out.add(tag, _cmap(glyphs) if tag == "cmap" else parsed.get_table(tag))
    return out.makeStream()


def _cmap(glyphs: dict[int, int]) -> bytes:
    """A cmap table: format 4 for the Basic Multilingual Plane (platforms 0/3 and 3/1), and
    format 12 for every code point (0/4 and 3/10) when some lie beyond it."""
    bmp = {c: g for c, g in glyphs.items() if c < 0xFFFF}
    subtables = [_cmap4(bmp)]
    records = [(0, 3, 0), (3, 1, 0)]
    if len(bmp) < len(glyphs):
        subtables.append(_cmap12(glyphs))
        records = [(0, 3, 0), (0, 4, 1), (3, 1, 0), (3, 10, 1)]
    offsets, pos = [], 4 + 8 * len(records)
    for table in subtables:
        offsets.append(pos)
        pos += len(table)
    head = struct.pack(">HH", 0, len(records))
    head += b"".join(struct.pack(">HHL", p, e, offsets[k]) for p, e, k in records)
    return head + b"".join(subtables)


def _runs(glyphs: dict[int, int]) -> list[tuple[int, int, int]]:
    """(first code, last code, first glyph) of each run where codes and glyphs both go up by one."""
    runs: list[list[int]] = []
    for code in sorted(glyphs):
        if runs and code == runs[-1][1] + 1 and glyphs[code] == runs[-1][2] + code - runs[-1][0]:
            runs[-1][1] = code
        else:
            runs.append([code, code, glyphs[code]])
    return [(a, b, g) for a, b, g in runs]


def _cmap4(glyphs: dict[int, int]) -> bytes:
    segments = [*_runs(glyphs), (0xFFFF, 0xFFFF, 0)]  # the required last segment: 0xFFFF to glyph 0
    count = len(segments)
    power = 1 << (count.bit_length() - 1)
    ends = [b for _, b, _ in segments]
    starts = [a for a, _, _ in segments]
    deltas = [(g - a) % 0x10000 for a, _, g in segments]
    body = struct.pack(f">{count}H", *ends) + b"\0\0" + struct.pack(f">{count}H", *starts)
    body += struct.pack(f">{count}H", *deltas) + b"\0\0" * count
    head = struct.pack(
        ">7H", 4, 14 + len(body), 0, 2 * count, 2 * power, power.bit_length() - 1, 2 * (count - power)
    )
    return head + body


def _cmap12(glyphs: dict[int, int]) -> bytes:
    groups = _runs(glyphs)
    body = b"".join(struct.pack(">3L", a, b, g) for a, b, g in groups)
    return struct.pack(">HHLLL", 12, 0, 16 + len(body), 0, len(groups)) + body


def font_key(seed: bytes) -> str:
    """A GUID, as w:fontKey writes it, derived from ``seed`` (reproducible files)."""
    h = hashlib.sha256(seed).hexdigest().upper()
    return f"{{{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}}}"


def obfuscate_font(data: bytes, key: str) -> bytes:
    """XOR the first 32 bytes with the key's 16 bytes (the GUID's hex digits read backwards),
    twice over (17.8.1). The same operation undoes it."""
    mask = bytes.fromhex(key.strip("{}").replace("-", ""))[::-1]
    head = bytes(b ^ mask[i % 16] for i, b in enumerate(data[:32]))
    return head + data[32:]


class FontEmbedder:
    """Puts obfuscated font parts into the package and names them in word/fontTable.xml."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self.table_part = document.part.part_related_by(RT.FONT_TABLE)
        self.root = etree.fromstring(self.table_part.blob)
        self.count = 0
        self.packed: dict[str, Packed] = {}  # the font parts, compressed, by zip entry name

    def font(self, name: str) -> _Element:
        found = self.root.find(f"{qn('w:font')}[@{qn('w:name')}='{name}']")
        if found is None:
            found = etree.SubElement(self.root, qn("w:font"), {qn("w:name"): name})
        return found

    def alt_name(self, name: str, alternative: str) -> None:
        """w:altName: the font Word looks for when ``name`` is neither installed nor embedded."""
        _child(self.font(name), "altName").set(qn("w:val"), alternative)

    def embed(self, name: str, face: str, data: bytes) -> None:
        """Embed one face ("regular", "bold"...) of the font ``name``: a subset, already made."""
        from docx.opc.packuri import PackURI
        from docx.opc.part import Part

        from pipeline.export.fontcache import kept

        self.count += 1
        key = font_key(name.encode() + face.encode() + data)
        uri = PackURI(f"/word/fonts/font{self.count}.odttf")
        blob = obfuscate_font(data, key)
        # compressed once and kept: the same subset comes back in every export of a chapter
        digest = hashlib.sha256(blob).hexdigest()
        packed = kept(f"odttf deflate {zlib.ZLIB_RUNTIME_VERSION} {digest}", lambda: _pack(deflate(blob)))
        self.packed[uri.membername] = (int.from_bytes(packed[:4], "little"), packed[4:])
        part = Part(uri, OBFUSCATED_FONT, blob, self.document.part.package)
        rid = self.table_part.relate_to(part, RT.FONT)
        tag = _child(self.font(name), _FACES[face])
        tag.set(qn("r:id"), rid)
        tag.set(qn("w:fontKey"), key)
        tag.set(qn("w:subsetted"), "1")

    def finish(self) -> None:
        """Write the font table back, and tell Word the file carries its fonts."""
        self.table_part._blob = etree.tostring(
            self.root, xml_declaration=True, encoding="UTF-8", standalone=True
        )
        if not self.count:
            return
        settings = self.document.settings.element
        zoom = settings.find(qn("w:zoom"))
        for tag in ("saveSubsetFonts", "embedTrueTypeFonts"):  # in schema order, after w:zoom
            if settings.find(qn(f"w:{tag}")) is None:
                element = OxmlElement(f"w:{tag}")
                if zoom is not None:
                    zoom.addnext(element)
                else:
                    settings.insert(0, element)


# -- pictures --------------------------------------------------------------------------------------
SVG_BLIP_EXT = "{96DAC541-7B7A-43D3-8B79-37D633B846F1}"  # Office's extension id for an SVG image
ASVG = "http://schemas.microsoft.com/office/drawing/2016/SVG/main"


def add_svg_blip(document_part: Any, inline: _Element, svg: bytes, index: int) -> None:
    """The SVG beside a picture's PNG (a:blip/a:extLst/asvg:svgBlip), as Word 2016 writes it:
    Word draws the vector image, older readers the PNG."""
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    part = Part(PackURI(f"/word/media/vector{index + 1}.svg"), "image/svg+xml", svg, document_part.package)
    rid = document_part.relate_to(part, RT.IMAGE)
    blip = next(inline.iter(qn("a:blip")))
    ext_list = etree.SubElement(blip, qn("a:extLst"))
    ext = etree.SubElement(ext_list, qn("a:ext"), {"uri": SVG_BLIP_EXT})
    etree.SubElement(ext, f"{{{ASVG}}}svgBlip", {qn("r:embed"): rid}, nsmap={"asvg": ASVG})
