"""The handout layout shared by every exporter.

``build(book, key, langs)`` turns one chapter of the document model into a :class:`Handout`: a
title block, a flat list of blocks (headings, paragraphs, lists, tables, callouts, quotes, code)
and the chapter's footnotes. Every piece of text is a :class:`Para`, the same content in each
language of the handout: a single-language handout has one :class:`Text` per Para, a bilingual
one has two, which writers set side by side. Each Text carries its inline elements already
resolved (a cross-reference is its printed label and the anchor it links to, a footnote
reference its number), so writers only arrange what they are given and never translate,
number or format anything themselves. UI words, dates and lists come from :mod:`pipeline.i18n`.

Writers dispatch on the block class through a table (one function per kind): a new block kind is
one class here, one function in :class:`_Builder` and one function per writer.
"""

from __future__ import annotations

import os
from datetime import datetime

from pipeline import __version__, inline, langs
from pipeline.dates import build_timestamp
from pipeline.errors import Position
from pipeline.i18n import N_, Labels, labels
from pipeline.inline import Code as CodeSpan
from pipeline.inline import Math as MathSpan
from pipeline.inline import Span
from pipeline.model import (
    Block as ModelBlock,
)
from pipeline.model import (
    Book,
    Chapter,
    Fact,
    Unit,
    fingerprint,
)
from pipeline.model import (
    Callout as ModelCallout,
)
from pipeline.model import (
    Code as ModelCode,
)
from pipeline.model import (
    Figure as ModelFigure,
)
from pipeline.model import (
    ListBlock as ModelList,
)
from pipeline.model import (
    Math as ModelMath,
)
from pipeline.model import (
    Paragraph as ModelParagraph,
)
from pipeline.model import (
    Quote as ModelQuote,
)
from pipeline.model import (
    Section as ModelSection,
)
from pipeline.model import (
    Table as ModelTable,
)
from pipeline.record import Record

__all__ = ["CodeSpan", "MathSpan", "Span", "build", "build_timestamp"]

PRO_MARK, CON_MARK = "✓", "✗"
STALE_MARK = "‡"  # printed after a translation whose source changed since it was reviewed
MISSING_MARK = "†"  # printed after source text shown where a translation is missing
LIST_MARKS = {"pros": PRO_MARK, "cons": CON_MARK}
LIST_TITLES = {"pros": N_("Pros"), "cons": N_("Cons")}
CALLOUT_LABELS = {
    "note": N_("Note"),
    "tip": N_("Tip"),
    "warning": N_("Warning"),
    "editor": N_("Editor's note"),
}


# -- inline elements after resolution ------------------------------------------------------------
class Value(Record):
    """The classes below are Records (as the document model's), not frozen dataclasses: 21 of
    those cost a DOCX or Markdown export about 17 ms of start-up, as much as writing the tables
    of a chapter. They are built once by the layout and only read after that (``but`` makes a
    changed copy), so like frozen dataclasses they hash by the fields that ``==`` compares."""

    __slots__ = ()

    def __hash__(self) -> int:
        return hash(self._values())


class XRef(Value):
    """A resolved cross-reference: the words printed ("表 14.1") and the anchor it links to."""

    __slots__ = _fields = ("label", "anchor", "target")

    def __init__(self, label: str, anchor: str, target: str) -> None:
        self.label = label
        self.anchor = anchor
        self.target = target  # the id of the target block


class NoteRef(Value):
    """A resolved footnote reference: its number in the chapter and the footnote's anchor."""

    __slots__ = _fields = ("number", "anchor", "target")

    def __init__(self, number: int, anchor: str, target: str) -> None:
        self.number = number
        self.anchor = anchor
        self.target = target  # the footnote's id


# str | inline.Span (children resolved too) | inline.Code | inline.Math | XRef | NoteRef
Inline = object


class Text(Value):
    """One language's version of a piece of handout text."""

    __slots__ = _args = ("lang", "text", "unit", "stale", "pos", "inlines", "missing")
    _fields = ("lang", "text", "unit", "stale", "missing")  # where it is written is not compared

    def __init__(
        self,
        lang: str,
        text: str,
        unit: str | None = None,
        stale: bool = False,
        pos: Position | None = None,
        inlines: tuple[Inline, ...] = (),
        missing: bool = False,
    ) -> None:
        self.lang = lang
        self.text = text  # as written in the sources (with tags), or the UI words
        self.unit = unit  # id of the unit, None for UI words and facts
        self.stale = stale  # a translation whose source text changed since it was reviewed
        self.pos = pos  # where the unit is written
        self.inlines = inlines  # () for UI words: (text,)
        self.missing = missing  # no translation yet: the source text (or only a mark) stands in

    @property
    def nodes(self) -> tuple[Inline, ...]:
        """The inline elements to print: text, Span, CodeSpan, MathSpan, XRef, NoteRef."""
        return self.inlines if self.inlines else ((self.text,) if self.text else ())

    @property
    def plain(self) -> str:
        """The printed text without formatting (labels of references, numbers of notes)."""
        return plain(self.nodes)


def plain(nodes: tuple[Inline, ...] | list[Inline]) -> str:
    out = []
    for n in nodes:
        if isinstance(n, str):
            out.append(n)
        elif isinstance(n, Span):
            out.append(plain(n.children))
        elif isinstance(n, (CodeSpan, MathSpan)):
            out.append(n.value)
        elif isinstance(n, XRef):
            out.append(n.label)
        elif isinstance(n, NoteRef):
            out.append(str(n.number))
    return "".join(out)


Para = tuple[Text, ...]


# -- blocks ------------------------------------------------------------------------------------
class Heading(Value):
    __slots__ = _fields = ("level", "number", "text", "anchor")

    def __init__(self, level: int, number: str, text: Para, anchor: str) -> None:
        self.level = level  # 1: a top-level section of the chapter; 2, 3, 4: nested sections
        self.number = number  # "14.2.1"; empty for unnumbered headings
        self.text = text
        self.anchor = anchor  # stable, ASCII: bookmarks and internal links


class Paragraph(Value):
    __slots__ = _fields = ("text", "role")

    def __init__(self, text: Para, role: str = "body") -> None:
        self.text = text
        self.role = role  # body | lead (the chapter's opening paragraphs)


class ListItem(Value):
    __slots__ = _fields = ("text", "children")

    def __init__(self, text: Para, children: ListBlock | None = None) -> None:
        self.text = text
        self.children = children  # a nested list


class ListBlock(Value):
    """A list. ``numbered`` lists get real numbering in each writer; ``mark`` (✓, ✗) is printed
    before every item of a pros/cons list; ``title`` ("Pros") before the list."""

    __slots__ = _fields = ("style", "items", "title", "mark", "depth")

    def __init__(
        self,
        style: str,
        items: tuple[ListItem, ...],
        title: Para | None = None,
        mark: str | None = None,
        depth: int = 0,
    ) -> None:
        self.style = style  # bullet | numbered | pros | cons
        self.items = items
        self.title = title
        self.mark = mark
        self.depth = depth  # 0 for a top-level list, 1 for a list nested in an item, ...

    @property
    def numbered(self) -> bool:
        return self.style == "numbered"


class Cell(Value):
    __slots__ = _fields = ("text", "note", "kind")

    def __init__(self, text: Para, note: str | None = None, kind: str = "text") -> None:
        self.text = text
        self.note = note  # letter of a table note, printed as a superscript
        self.kind = kind  # text | flag | names | number | name | header | term | rowhead


class NoteLine(Value):
    __slots__ = _fields = ("mark", "text", "url")

    def __init__(self, mark: str, text: Para | None, url: str | None) -> None:
        self.mark = mark
        self.text = text
        self.url = url


class Table(Value):
    __slots__ = _fields = (
        "role",
        "caption",
        "header",
        "rows",
        "notes_title",
        "notes",
        "label",
        "anchor",
        "row_header",
    )

    def __init__(
        self,
        role: str,
        caption: Para,
        header: tuple[Cell, ...],
        rows: tuple[tuple[Cell, ...], ...],
        notes_title: Para | None = None,
        notes: tuple[NoteLine, ...] = (),
        label: Para | None = None,
        anchor: str | None = None,
        row_header: bool = False,
    ) -> None:
        self.role = role  # table | glossary
        self.caption = caption  # the caption, without its label
        self.header = header
        self.rows = rows
        self.notes_title = notes_title
        self.notes = notes
        self.label = label  # "表 14.1" / "Table 14.1"; None for unnumbered tables
        self.anchor = anchor
        self.row_header = row_header  # the first cell of every row heads it


class Callout(Value):
    __slots__ = _fields = ("style", "label", "blocks", "title")

    def __init__(self, style: str, label: Para, blocks: tuple[Block, ...], title: Para | None = None) -> None:
        self.style = style  # note | tip | warning | editor
        self.label = label  # "Note", "Editor's note" (UI words)
        self.blocks = blocks
        self.title = title


class Quote(Value):
    __slots__ = _fields = ("text", "attribution")

    def __init__(self, text: Para, attribution: Para | None = None) -> None:
        self.text = text
        self.attribution = attribution


class CodeBlock(Value):
    """Source code: shown once, also in a bilingual handout; never reflowed."""

    __slots__ = _fields = ("code", "language", "caption")

    def __init__(self, code: str, language: str, caption: Para | None = None) -> None:
        self.code = code
        self.language = language
        self.caption = caption


class Figure(Value):
    """An image with its caption: ``files`` holds the file of each language of the handout (one
    entry when every language uses the same file, which is then shown once)."""

    __slots__ = _fields = ("files", "caption", "alt", "label", "anchor")

    def __init__(
        self, files: tuple[tuple[str, str], ...], caption: Para, alt: Para, label: Para, anchor: str
    ) -> None:
        self.files = files  # (language, absolute path), in the handout's order
        self.caption = caption
        self.alt = alt
        self.label = label  # "图 4.2" / "Figure 4.2"
        self.anchor = anchor

    @property
    def shared(self) -> bool:
        return len({path for _, path in self.files}) == 1


class MathBlock(Value):
    """A displayed formula (TeX), shown once; ``number`` is "4.3" or empty."""

    __slots__ = _fields = ("tex", "number", "anchor")

    def __init__(self, tex: str, number: str = "", anchor: str = "") -> None:
        self.tex = tex
        self.number = number
        self.anchor = anchor


Block = Heading | Paragraph | ListBlock | Table | Callout | Quote | CodeBlock | Figure | MathBlock


class Footnote(Value):
    __slots__ = _fields = ("number", "anchor", "text")

    def __init__(self, number: int, anchor: str, text: Para) -> None:
        self.number = number
        self.anchor = anchor  # the note's own anchor; references link here
        self.text = text


class TitleBlock(Value):
    __slots__ = _fields = ("kicker", "title", "source", "credit", "edition")

    def __init__(self, kicker: Para, title: Para, source: Para, credit: Para, edition: Para) -> None:
        self.kicker = kicker  # "Chapter 14"
        self.title = title
        self.source = source  # the book, its author, publisher and year
        self.credit = credit  # the book's credit line
        self.edition = edition  # "Edition of 28 November 2026"


class DocInfo(Value):
    """Document properties for PDF and DOCX metadata."""

    __slots__ = _fields = ("title", "author", "subject", "keywords", "language", "creator", "timestamp")

    def __init__(
        self,
        title: str,
        author: str,
        subject: str,
        keywords: tuple[str, ...],
        language: str,
        creator: str,
        timestamp: datetime,
    ) -> None:
        self.title = title
        self.author = author
        self.subject = subject
        self.keywords = keywords
        self.language = language  # BCP 47 tag of the first language
        self.creator = creator
        self.timestamp = timestamp  # UTC: SOURCE_DATE_EPOCH, else the edition date at midnight


class Handout(Record):
    __slots__ = _fields = (
        "key",
        "langs",
        "title",
        "blocks",
        "info",
        "running_title",
        "labels",
        "stale_legend",
        "footnotes",
        "footnotes_title",
        "missing",
        "fonts",
        "short_credit",
    )

    def __init__(
        self,
        key: str,
        langs: tuple[str, ...],
        title: TitleBlock,
        blocks: list[Block],
        info: DocInfo,
        running_title: str,
        labels: dict[str, Labels] | None = None,
        stale_legend: Para | None = None,
        footnotes: list[Footnote] | None = None,
        footnotes_title: Para | None = None,
        missing: int = 0,
        fonts: dict[str, tuple[str, str | None]] | None = None,
        short_credit: str = "",
    ) -> None:
        self.key = key
        self.langs = langs
        self.title = title
        self.blocks = blocks
        self.info = info
        self.running_title = running_title
        self.labels = {} if labels is None else labels
        self.stale_legend = stale_legend  # explains STALE_MARK; only when some text is stale
        self.footnotes = [] if footnotes is None else footnotes
        self.footnotes_title = footnotes_title  # "Notes", for writers that print them at the end
        self.missing = missing  # units shown without their translation (the source text, marked)
        self.fonts = {} if fonts is None else fonts  # book.yaml's, by language
        self.short_credit = short_credit  # the credit's short form, for page footers (the lead language's)

    def __repr__(self) -> str:  # the labels are Babel objects: long and useless to read
        return f"Handout(key={self.key!r}, langs={self.langs!r}, blocks={len(self.blocks)})"

    @property
    def bilingual(self) -> bool:
        return len(self.langs) > 1

    def page_label(self, page: int, pages: int) -> str:
        """The footer's "Page 3 of 7", in every language of the handout."""
        return " / ".join(
            self.labels[c](N_("Page %(page)s of %(pages)s"), page=page, pages=pages) for c in self.langs
        )

    def texts(self) -> list[Text]:
        """Every piece of text in the handout, for coverage checks and font checks."""
        out: list[Text] = []
        t = self.title
        for para in (t.kicker, t.title, t.source, t.credit, t.edition):
            out.extend(para)
        for block in self.blocks:
            out.extend(block_texts(block))
        for note in self.footnotes:
            out.extend(note.text)
        out.extend(self.footnotes_title or ())
        out.extend(self.stale_legend or ())
        return out


def block_texts(block: Block) -> list[Text]:
    """Every Text of a block, nested blocks included."""
    if isinstance(block, Heading):
        return list(block.text)
    if isinstance(block, Paragraph):
        return list(block.text)
    if isinstance(block, ListBlock):
        out = list(block.title or ())
        for item in block.items:
            out.extend(item.text)
            if item.children is not None:
                out.extend(block_texts(item.children))
        return out
    if isinstance(block, Callout):
        out = [*block.label, *(block.title or ())]
        for b in block.blocks:
            out.extend(block_texts(b))
        return out
    if isinstance(block, Quote):
        return [*block.text, *(block.attribution or ())]
    if isinstance(block, CodeBlock):
        return list(block.caption or ())
    if isinstance(block, Figure):
        return [*block.label, *block.caption, *block.alt]
    if isinstance(block, MathBlock):
        return []
    out = [*(block.label or ()), *block.caption, *(block.notes_title or ())]
    for row in (block.header, *block.rows):
        for cell in row:
            out.extend(cell.text)
    for note in block.notes:
        out.extend(note.text or ())
    return out


def shown(unit: Unit) -> str:
    """A unit's visible text without its formatting, for places that print plain text (titles
    in metadata and running heads, the book line): code and math as written, a reference or a
    footnote reference left out."""
    if "<" not in unit.text:
        return unit.text
    return inline.text_of(unit.inlines)


# Han, kana, Hangul, CJK and full-width punctuation. Tested by ranges, not a regex: a character
# class this wide takes CPython 4 ms to compile, at every export's start.
_CJK_RANGES = ((0x2E80, 0x9FFF), (0xF900, 0xFAFF), (0xFF00, 0xFFEF), (0x3000, 0x303F), (0xAC00, 0xD7AF))


def _cjk(char: str) -> bool:
    code = ord(char)
    return any(lo <= code <= hi for lo, hi in _CJK_RANGES)


def _latin(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _gap(left: str, right: str, spaced_han: bool) -> str:
    """The space between two characters a reference's label meets: none between CJK characters
    (or CJK punctuation), one between Han and a Latin letter or digit where the sources put one."""
    if _cjk(left) and _cjk(right):
        return ""
    if spaced_han and ((_cjk(left) and _latin(right)) or (_latin(left) and _cjk(right))):
        return " " if not (left in "（（【《“‘" or right in "），。；：！？】》”’、") else ""
    return "\x00"  # leave whatever the text has


def _space_references(nodes: tuple[Inline, ...], spaced_han: bool) -> tuple[Inline, ...]:
    """In CJK text the words printed for a reference ("表 14.1", "14.2 节", "式（4.1）") meet the
    text around them as the sources' typography wants, however the author spaced the tag: the
    author cannot know whether a label starts with a Han character or a digit."""
    out = list(nodes)
    for i, n in enumerate(out):
        if not isinstance(n, XRef) or not n.label:
            continue
        if i > 0 and isinstance(out[i - 1], str):
            before = out[i - 1]
            stripped = before.rstrip(" ")
            gap = _gap(stripped[-1], n.label[0], spaced_han) if stripped else "\x00"
            if gap != "\x00":
                out[i - 1] = stripped + gap
        if i + 1 < len(out) and isinstance(out[i + 1], str):
            after = out[i + 1]
            stripped = after.lstrip(" ")
            gap = _gap(n.label[-1], stripped[0], spaced_han) if stripped else "\x00"
            if gap != "\x00":
                out[i + 1] = gap + stripped
    return tuple(x for x in out if x != "")


def anchor(kind: str, item_id: str) -> str:
    """An ASCII anchor for an id: ids use single hyphens, so '--' for '.' is unambiguous."""
    return f"{kind}-{item_id.replace('.', '--')}"


# -- building ------------------------------------------------------------------------------------
class _Builder:
    """Builds one handout; holds the chapter in each of its languages."""

    def __init__(self, book: Book, key: str, codes: tuple[str, ...]) -> None:
        self.book = book
        self.codes = codes
        self.chapters: dict[str, Chapter] = {c: book.chapters[c][key] for c in codes}
        self.first = self.chapters[codes[0]]
        self.source = book.chapters.get(book.source_lang, {}).get(key)
        # the source chapter gives the structure, so that a partly translated edition still
        # shows every block (with the source text where a translation is missing)
        self.structure = self.source or self.first
        self.labels = {c: labels(c) for c in codes}
        self.source_units = {u.id: u for u in self.source.units()} if self.source else {}
        if book.source_lang in book.meta:
            self.source_units.update({u.id: u for u in book.meta[book.source_lang].units()})
        self.units = {c: {u.id: u for u in self.chapters[c].units()} for c in codes}
        self.blocks = {c: {b.id: b for b in self.chapters[c].walk()} for c in codes}
        self.missing = 0  # units shown without their translation
        self.targets = self._number()
        self.notes = self._footnote_numbers()

    # -- numbering -------------------------------------------------------------------------
    def _number(self) -> dict[str, tuple[str, str, str]]:
        """id -> (kind, number, anchor) of every section and table a reference can name."""
        chapter = str(self.structure.number.value)
        out: dict[str, tuple[str, str, str]] = {}
        tables = figures = equations = 0

        def visit(blocks: list[ModelBlock], prefix: str, numbered: bool) -> None:
            nonlocal tables, figures, equations
            n = 0
            for b in blocks:
                if isinstance(b, ModelSection):
                    on = numbered and b.numbered
                    number = ""
                    if on:
                        n += 1
                        number = f"{prefix}.{n}"
                    out[b.id] = ("section", number, anchor("sec", b.id))
                    visit(b.blocks, number, on)
                elif isinstance(b, ModelTable):
                    tables += 1
                    out[b.id] = ("table", f"{chapter}.{tables}", anchor("tbl", b.id))
                elif isinstance(b, ModelFigure):
                    figures += 1
                    out[b.id] = ("figure", f"{chapter}.{figures}", anchor("fig", b.id))
                elif isinstance(b, ModelMath):
                    equations += b.numbered
                    number = f"{chapter}.{equations}" if b.numbered else ""
                    out[b.id] = ("equation", number, anchor("eq", b.id))
                elif isinstance(b, ModelCallout):
                    visit(b.blocks, prefix, False)

        visit(self.structure.blocks, chapter, True)
        return out

    def _footnote_numbers(self) -> dict[str, int]:
        """Footnote id -> number, in the order of first reference in the first language."""
        out: dict[str, int] = {}
        for unit in self.structure.units():
            if "<fn" not in unit.text:
                continue
            for atom in inline.atoms(unit.inlines):
                if isinstance(atom, inline.FnRef):
                    out.setdefault(f"footnotes.{atom.value}", len(out) + 1)
        for note in self.structure.footnotes:  # never referenced: the loader refuses it; be safe
            out.setdefault(note.id, len(out) + 1)
        return out

    # -- text helpers ------------------------------------------------------------------------
    def resolve(self, code: str, nodes: list[inline.Node]) -> tuple[Inline, ...]:
        out = self._resolve(code, nodes)
        if any(isinstance(n, XRef) for n in out) and langs.get(code).script.breaking:
            out = _space_references(out, langs.get(code).script.spaced_han)
        return out

    def _resolve(self, code: str, nodes: list[inline.Node]) -> tuple[Inline, ...]:
        lab = self.labels.get(code) or labels(code)  # the source's, for a stand-in text
        out: list[Inline] = []
        for n in nodes:
            if isinstance(n, Span):
                out.append(Span(n.tag, list(self._resolve(code, n.children)), n.href))
            elif isinstance(n, inline.Ref):
                out.append(self.xref(code, lab, n.value))
            elif isinstance(n, inline.FnRef):
                fid = f"footnotes.{n.value}"
                out.append(NoteRef(self.notes.get(fid, 0), anchor("fn", n.value), fid))
            else:
                out.append(n)
        return tuple(out)

    def xref(self, code: str, lab: Labels, target: str) -> XRef:
        kind, number, anc = self.targets.get(target, ("section", "", anchor("sec", target)))
        if kind == "table":
            label = lab(N_("Table %(number)s"), number=number)
        elif kind == "figure":
            label = lab(N_("Figure %(number)s"), number=number)
        elif kind == "equation":
            label = lab(N_("Equation (%(number)s)"), number=number) if number else target
        elif number:
            label = lab(N_("Section %(number)s"), number=number)
        else:  # an unnumbered section is named by its title
            block = self.blocks.get(code, {}).get(target) or self.structure.block(target)
            label = shown(block.title) if isinstance(block, ModelSection) else target
        return XRef(label, anc, target)

    def text(self, code: str, unit: Unit) -> Text:
        stale = False
        if code != self.book.source_lang and unit.id in self.source_units:
            stale = unit.source != fingerprint(self.source_units[unit.id].text)
        inlines = self.resolve(code, unit.inlines) if "<" in unit.text else ()
        return Text(code, unit.text, unit.id, stale, unit.pos, inlines)

    def para(self, unit: Unit) -> Para:
        """The unit in every language of the handout, by id. A translation that is missing or
        empty is replaced by the source text, marked; beside the source text in a bilingual
        handout, by the mark alone."""
        out = []
        for c in self.codes:
            twin = self.units[c].get(unit.id)
            if twin is not None and (twin.text.strip() or c == self.book.source_lang):
                out.append(self.text(c, twin))
                continue
            source = self.source_units.get(unit.id)
            if source is not None:
                out.append(self.stand_in(c, source))
        return tuple(out)

    def stand_in(self, code: str, source: Unit) -> Text:
        """What a handout in ``code`` shows for a unit not translated yet."""
        self.missing += 1
        if self.book.source_lang in self.codes:
            return Text(code, MISSING_MARK, source.id, pos=source.pos, missing=True)
        shown = self.text(self.book.source_lang, source)
        nodes = (*shown.nodes, f" {MISSING_MARK}")
        return Text(self.book.source_lang, source.text, source.id, False, source.pos, nodes, True)

    def ui(self, message: str, **values: object) -> Para:
        return tuple(Text(c, self.labels[c](message, **values)) for c in self.codes)

    def per_lang(self, make: callable) -> Para:  # type: ignore[valid-type]
        """Text computed for each language from its labels and chapter; shown once if equal."""
        texts = tuple(Text(c, make(self.labels[c], self.chapters[c])) for c in self.codes)
        return texts[:1] if len({t.text for t in texts}) == 1 else texts

    def meta_para(self, pick: callable) -> Para:  # type: ignore[valid-type]
        out = []
        for c in self.codes:
            meta = self.book.meta.get(c)
            if meta is not None and pick(meta).text.strip():
                out.append(self.text(c, pick(meta)))
            elif self.book.source_lang in self.book.meta:  # not translated yet: the source's
                out.append(self.text(self.book.source_lang, pick(self.book.meta[self.book.source_lang])))
        return tuple(dict.fromkeys(out))

    # -- parts -------------------------------------------------------------------------------
    def title_block(self) -> TitleBlock:
        def source_line(lab: Labels, ch: Chapter) -> str:
            meta = self.book.meta.get(ch.lang)
            if meta is None or not meta.title.text.strip():  # not translated yet: the source's
                meta = self.book.meta.get(self.book.source_lang)
            if meta is None:
                return ""
            title = shown(meta.title)
            if meta.title_translated:
                title = lab(N_("%(title)s (title translated by the editors)"), title=title)
            return lab(
                N_("%(book)s by %(author)s, %(publisher)s, %(year)s"),
                book=title,
                author=shown(meta.author),
                publisher=shown(meta.publisher),
                year=self.book.year.value if self.book.year else "",
            )

        return TitleBlock(
            kicker=self.per_lang(lambda lab, ch: lab(N_("Chapter %(number)s"), number=ch.number.value)),
            title=self.para(self.structure.title),
            source=tuple(self.source_line(c, source_line) for c in self.codes),
            credit=self.meta_para(lambda m: m.credit),
            edition=self.per_lang(lambda lab, ch: lab(N_("Edition of %(date)s"), date=lab.date(ch.edition))),
        )

    def source_line(self, code: str, make: callable) -> Text:  # type: ignore[valid-type]
        """The book line; where the book's metadata is not translated yet, the source's, in the
        source language (its title is printed in that language's face)."""
        meta = self.book.meta.get(code)
        translated = meta is not None and bool(meta.title.text.strip())
        lang = code if translated or code == self.book.source_lang else self.book.source_lang
        return Text(lang, make(self.labels[code], self.chapters[code]), "book.title", missing=not translated)

    def blocks_of(self, blocks: list[ModelBlock], level: int = 1, depth: int = 0) -> list[Block]:
        out: list[Block] = []
        for b in blocks:
            out.extend(BLOCK_BUILDERS[type(b)](self, b, level, depth))
        return out

    def section(self, b: ModelSection, level: int, depth: int) -> list[Block]:
        _, number, anc = self.targets[b.id]
        return [Heading(level, number, self.para(b.title), anc), *self.blocks_of(b.blocks, level + 1)]

    def paragraph(self, b: ModelParagraph, level: int, depth: int) -> list[Block]:
        return [Paragraph(self.para(b.text), "lead" if level == 1 else "body")]

    def list_block(self, b: ModelList, level: int, depth: int) -> list[Block]:
        return [self._list(b, depth)]

    def _list(self, b: ModelList, depth: int) -> ListBlock:
        items = tuple(
            ListItem(self.para(i.text), self._list(i.sublist, depth + 1) if i.sublist else None)
            for i in b.items
        )
        title = self.ui(LIST_TITLES[b.style]) if b.style in LIST_TITLES else None
        return ListBlock(b.style, items, title, LIST_MARKS.get(b.style), depth)

    def table(self, b: ModelTable, level: int, depth: int) -> list[Block]:
        _, number, anc = self.targets[b.id]
        rows_by = {
            c: {r.id: r for r in self.blocks[c][b.id].rows} for c in self.codes if b.id in self.blocks[c]
        }
        header = tuple(
            Cell(self.para(col.label), str(col.note.value) if col.note else None, "header")
            for col in b.columns
        )
        rows = []
        for row in b.rows:
            cells = []
            for k, col in enumerate(b.columns):
                cells.append(self.cell(row.id, col.id, rows_by, b.row_header and k == 0))
            rows.append(tuple(cells))
        notes = tuple(
            NoteLine(n.letter, self.para(n.text) if n.text else None, str(n.url.value) if n.url else None)
            for n in b.notes
        )
        return [
            Table(
                "table",
                self.para(b.caption),
                header,
                tuple(rows),
                self.ui(N_("Notes")) if notes else None,
                notes,
                self.ui(N_("Table %(number)s"), number=number),
                anc,
                b.row_header,
            )
        ]

    def cell(self, row_id: str, col: str, rows_by: dict, rowhead: bool) -> Cell:
        texts, note, kind = [], None, "text"
        for c in self.codes:
            row = rows_by.get(c, {}).get(row_id)
            cell = row.cells.get(col) if row else None
            if cell is None or (isinstance(cell.value, Unit) and not cell.value.text.strip()):
                source = self.source_units.get(f"{row_id}.{col}")
                if source is not None and c != self.book.source_lang:
                    texts.append(self.stand_in(c, source))
                continue
            texts.append(self.cell_text(c, cell.value))
            note = note or (str(cell.note.value) if cell.note else None)
            kind = _cell_kind(cell.value)
        if len({x.text for x in texts}) == 1 and kind != "text":
            texts = texts[:1]  # a fact prints the same in every language: once
        if rowhead:
            kind = "rowhead"
        return Cell(tuple(texts), note, kind)

    def cell_text(self, code: str, value: Unit | Fact) -> Text:
        lab = self.labels[code]
        if isinstance(value, Unit):
            return self.text(code, value)
        v = value.value
        if isinstance(v, bool):
            return Text(code, lab(N_("Yes")) if v else lab(N_("No")))
        if isinstance(v, tuple):
            return Text(code, lab.list(v))
        return Text(code, str(v))

    def callout(self, b: ModelCallout, level: int, depth: int) -> list[Block]:
        title = self.para(b.title) if b.title is not None else None
        inner = tuple(self.blocks_of(b.blocks, level, depth))
        return [Callout(b.style, self.ui(CALLOUT_LABELS[b.style]), inner, title)]

    def quote(self, b: ModelQuote, level: int, depth: int) -> list[Block]:
        attribution = self.para(b.attribution) if b.attribution is not None else None
        return [Quote(self.para(b.text), attribution)]

    def code(self, b: ModelCode, level: int, depth: int) -> list[Block]:
        caption = self.para(b.caption) if b.caption is not None else None
        return [CodeBlock(str(b.code.value), str(b.language.value), caption)]

    def figure(self, b: ModelFigure, level: int, depth: int) -> list[Block]:
        from pipeline import media

        _, number, anc = self.targets[b.id]
        root = self.book.root
        files = []
        for c in self.codes:
            rel = media.variant(root, str(b.src.value), c, b.neutral)
            files.append((c, os.path.realpath(os.path.join(root, rel))))
        label = self.ui(N_("Figure %(number)s"), number=number)
        return [Figure(tuple(files), self.para(b.caption), self.para(b.alt), label, anc)]

    def math(self, b: ModelMath, level: int, depth: int) -> list[Block]:
        _, number, anc = self.targets[b.id]
        return [MathBlock(str(b.tex.value), number, anc)]

    def footnotes(self) -> list[Footnote]:
        by_id = {n.id: n for n in self.structure.footnotes}
        order = sorted(self.notes.items(), key=lambda kv: kv[1])
        return [
            Footnote(number, anchor("fn", fid.split(".", 1)[1]), self.para(by_id[fid].text))
            for fid, number in order
            if fid in by_id
        ]

    def glossary(self) -> list[Block]:
        """Terms of the book's glossary that this chapter uses, with every language's form."""
        used_text = " ".join(u.plain for ch in self.chapters.values() for u in ch.units())
        if self.source:
            used_text += " " + " ".join(u.plain for u in self.source.units())
        used_text = used_text.lower()  # once: the chapter may be megabytes long
        order = list(self.codes) + [c for c in self.book.langs if c not in self.codes]
        rows = []
        for term in self.book.glossary.terms:
            forms = term.renderings
            if not all(c in forms for c in order):
                continue
            if not any(forms[c].text.lower() in used_text for c in order):
                continue
            rows.append(tuple(Cell((Text(c, forms[c].text),), kind="term") for c in order))
        if not rows:
            return []
        header = tuple(
            Cell(tuple(Text(h, self.labels[h].language_name(c)) for h in self.codes), kind="header")
            for c in order
        )
        return [
            Heading(1, "", self.ui(N_("Glossary")), "glossary"),
            Table("glossary", self.ui(N_("Terms used in this chapter")), header, tuple(rows)),
        ]

    def short_credit(self) -> str:
        """ "After Wei Xiu-Shen, Analyzing Deep Learning (2018)": the credit line's short form."""
        code = self.codes[0]
        meta = self.book.meta.get(code)
        if meta is None or not meta.title.text.strip():
            meta = self.book.meta.get(self.book.source_lang)
        if meta is None:
            return ""
        year = self.book.year.value if self.book.year else ""
        return self.labels[code](N_("After %(author)s, %(book)s (%(year)s)"), author=shown(meta.author),
                                 book=shown(meta.title), year=year)  # fmt: skip

    def info(self) -> DocInfo:
        first = self.codes[0]
        chapter = self.labels[first](N_("Chapter %(number)s"), number=self.first.number.value)
        meta = self.book.meta.get(first)
        sections = [shown(b.title) for b in self.first.walk() if isinstance(b, ModelSection)]
        return DocInfo(
            title=" / ".join(shown(self.chapters[c].title) for c in self.codes),
            author=shown(meta.author) if meta else "",
            subject=f"{shown(meta.title)}, {chapter}" if meta else chapter,
            keywords=tuple(sections),
            language=self.labels[first].language.bcp47,
            creator=f"pipeline {__version__}",
            timestamp=build_timestamp(self.first.edition),
        )


def _cell_kind(value: Unit | Fact) -> str:
    if isinstance(value, Unit):
        return "text"
    v = value.value
    if isinstance(v, bool):
        return "flag"
    if isinstance(v, tuple):
        return "names"
    return "number"


BLOCK_BUILDERS = {
    ModelSection: _Builder.section,
    ModelParagraph: _Builder.paragraph,
    ModelList: _Builder.list_block,
    ModelTable: _Builder.table,
    ModelCallout: _Builder.callout,
    ModelQuote: _Builder.quote,
    ModelCode: _Builder.code,
    ModelFigure: _Builder.figure,
    ModelMath: _Builder.math,
}


def build(book: Book, key: str, codes: tuple[str, ...]) -> Handout:
    """The handout of chapter ``key`` in the languages ``codes`` (first one leads)."""
    b = _Builder(book, key, codes)
    blocks = b.blocks_of(b.structure.blocks) + b.glossary()
    running = " / ".join(shown(b.chapters[c].title) for c in codes)
    footnotes = b.footnotes()
    handout = Handout(
        key,
        codes,
        b.title_block(),
        blocks,
        b.info(),
        running,
        b.labels,
        footnotes=footnotes,
        footnotes_title=b.ui(N_("Notes")) if footnotes else None,
    )
    legend: list[Para] = []
    if any(t.stale for t in handout.texts()):
        legend.append(
            b.ui(
                N_("%(mark)s marks a translation whose source text has changed since it was reviewed"),
                mark=STALE_MARK,
            )
        )
    if b.missing:
        legend.append(
            b.ui(N_("%(mark)s marks a place where the translation is still missing"), mark=MISSING_MARK)
        )
    if legend:
        handout.stale_legend = tuple(
            Text(c, " ".join(p[i].text for p in legend)) for i, c in enumerate(codes)
        )
    handout.missing = b.missing
    handout.short_credit = b.short_credit()
    handout.fonts = {c: f for c, f in book.fonts.items() if c in codes or b.missing}
    return handout
