"""The document model: plain typed objects that checks and exporters work on.

The loader is the only code that sees YAML; everything after it sees these classes. Each
translatable piece of text is a :class:`Unit` with a stable id (its path in the source, such as
``profiles.caffe.cons.no-multi-machine``) so that editions align by id, never by position.
Values that are the same fact in every language (yes/no cells, names, URLs, years) are
:class:`Fact` objects, compared exactly between editions.
"""

from __future__ import annotations

import unicodedata
from collections import namedtuple
from collections.abc import Iterator
from datetime import date

from pipeline.errors import Position
from pipeline.record import Record

# The classes here are plain classes with __slots__, not dataclasses: `pipeline check` must start
# fast, and dataclasses cost it about 30 ms (see pipeline.record). They keep the dataclasses'
# constructors, mutability, ``==`` and ``repr()``.


# SHA-256 from CPython's own implementation where it has one: importing hashlib loads OpenSSL's
# libcrypto (about 4 ms at start-up) for the eight-digit fingerprints that `pipeline check`
# computes. The digests are the same.
try:
    from _sha256 import sha256  # CPython 3.11
except ImportError:  # pragma: no cover - other versions and implementations
    try:
        from _sha2 import sha256  # CPython 3.12 and later
    except ImportError:
        from hashlib import sha256


def fingerprint(text: str) -> str:
    """A short, stable fingerprint of a source text (NFC, surrounding space ignored)."""
    norm = unicodedata.normalize("NFC", text.strip())
    return sha256(norm.encode("utf-8")).hexdigest()[:8]


class Waiver(namedtuple("Waiver", ("rule", "reason", "pos"))):
    """A unit's written permission to break one named check rule (immutable)."""

    __slots__ = ()
    rule: str
    reason: str
    pos: Position


class Unit(Record):
    """One translatable piece of text."""

    _fields = ("id", "text", "pos", "source", "source_pos", "comment", "waivers")
    __slots__ = (*_fields, "node", "keys", "_inlines")  # neither compared nor shown

    def __init__(
        self,
        id: str,
        text: str,
        pos: Position,
        source: str | None = None,  # fingerprint of the source-language text it translates
        source_pos: Position | None = None,
        comment: str | None = None,  # a note for translators
        waivers: dict[str, Waiver] | None = None,  # by rule id; a new empty dict when None
        node: object = None,  # yamlsrc node, for edits
        keys: tuple[str, ...] = (),  # the path of mapping keys to the unit in its file, for edits
    ) -> None:
        self.id = id
        self.text = text
        self.pos = pos
        self.source = source
        self.source_pos = source_pos
        self.comment = comment
        self.waivers: dict[str, Waiver] = {} if waivers is None else waivers
        self.node = node
        self.keys = keys
        self._inlines: list | None = None

    @property
    def inlines(self) -> list:
        """The text parsed into inline elements (see pipeline.inline), parsed once."""
        if self._inlines is None:
            from pipeline import inline

            self._inlines = inline.parse(self.text)
        return self._inlines

    @property
    def plain(self) -> str:
        """The text without its tags; code, math and references as one placeholder each."""
        if "<" not in self.text:
            return self.text
        from pipeline import inline

        return inline.plain(self.inlines)


FactValue = bool | int | str | tuple[str, ...]


class Fact(Record):
    """A language-neutral value: the same in every edition."""

    __slots__ = _fields = ("id", "value", "pos")

    def __init__(self, id: str, value: FactValue, pos: Position) -> None:
        self.id = id
        self.value = value
        self.pos = pos


class Cell(Record):
    """One table cell: a yes/no flag, a list of names, a number (facts) or translatable text."""

    __slots__ = _fields = ("id", "value", "note")

    def __init__(self, id: str, value: Unit | Fact, note: Fact | None = None) -> None:
        self.id = id
        self.value = value
        self.note = note  # letter of a table note


class Column(Record):
    """A table column: its id and its header unit (with an optional note letter)."""

    __slots__ = _fields = ("id", "label", "note")

    def __init__(self, id: str, label: Unit, note: Fact | None = None) -> None:
        self.id = id
        self.label = label
        self.note = note


class Row(Record):
    __slots__ = _fields = ("id", "cells", "pos")

    def __init__(self, id: str, cells: dict[str, Cell], pos: Position) -> None:
        self.id = id  # full id: TABLE.rows.ROW
        self.cells = cells  # column id -> cell, in column order; a row may omit cells
        self.pos = pos

    @property
    def key(self) -> str:
        return self.id.rsplit(".", 1)[1]


class Note(Record):
    """A note below a table: its letter (the id's last part), a text, a URL or both."""

    __slots__ = _fields = ("id", "pos", "text", "url")

    def __init__(self, id: str, pos: Position, text: Unit | None = None, url: Fact | None = None) -> None:
        self.id = id  # full id: TABLE.notes.LETTER
        self.pos = pos
        self.text = text
        self.url = url

    @property
    def letter(self) -> str:
        return self.id.rsplit(".", 1)[1]


# -- blocks ------------------------------------------------------------------------------------
# Each block kind is one small class with a ``kind`` name; the layout layer and every writer
# dispatch on it through a table (one function per kind). ``units()`` and ``facts()`` list what
# a block holds in reading order; ``children()`` the blocks nested in it.


class Block(Record):
    kind = "block"
    __slots__ = ()
    id: str
    pos: Position

    def units(self) -> Iterator[Unit]:
        return iter(())

    def facts(self) -> Iterator[Fact]:
        return iter(())

    def children(self) -> list[Block]:
        return []


class Paragraph(Block):
    kind = "paragraph"
    __slots__ = _fields = ("id", "pos", "text")

    def __init__(self, id: str, pos: Position, text: Unit) -> None:
        self.id = id
        self.pos = pos
        self.text = text

    def units(self) -> Iterator[Unit]:
        yield self.text


class Section(Block):
    kind = "section"
    __slots__ = _fields = ("id", "pos", "title", "blocks", "numbered")

    def __init__(
        self, id: str, pos: Position, title: Unit, blocks: list[Block], numbered: bool = True
    ) -> None:
        self.id = id
        self.pos = pos
        self.title = title
        self.blocks = blocks
        self.numbered = numbered

    def units(self) -> Iterator[Unit]:
        yield self.title

    def children(self) -> list[Block]:
        return self.blocks


LIST_STYLES = ("bullet", "numbered", "pros", "cons")


class Item(Record):
    """A list item: a unit, and optionally a list nested in it."""

    __slots__ = _fields = ("id", "pos", "text", "sublist")

    def __init__(self, id: str, pos: Position, text: Unit, sublist: ListBlock | None = None) -> None:
        self.id = id
        self.pos = pos
        self.text = text
        self.sublist = sublist


class ListBlock(Block):
    kind = "list"
    __slots__ = _fields = ("id", "pos", "style", "items")

    def __init__(self, id: str, pos: Position, style: str, items: list[Item]) -> None:
        self.id = id
        self.pos = pos
        self.style = style  # one of LIST_STYLES
        self.items = items

    def units(self) -> Iterator[Unit]:
        for item in self.items:
            yield item.text
            if item.sublist is not None:
                yield from item.sublist.units()


class Table(Block):
    kind = "table"
    __slots__ = _fields = ("id", "pos", "caption", "columns", "rows", "notes", "row_header")

    def __init__(
        self,
        id: str,
        pos: Position,
        caption: Unit,
        columns: list[Column],
        rows: list[Row],
        notes: list[Note],
        row_header: bool = False,
    ) -> None:
        self.id = id
        self.pos = pos
        self.caption = caption
        self.columns = columns
        self.rows = rows
        self.notes = notes
        self.row_header = row_header  # the first column heads each row

    def units(self) -> Iterator[Unit]:
        yield self.caption
        yield from (c.label for c in self.columns)
        for row in self.rows:
            yield from (c.value for c in row.cells.values() if isinstance(c.value, Unit))
        yield from (n.text for n in self.notes if n.text is not None)

    def facts(self) -> Iterator[Fact]:
        yield from (c.note for c in self.columns if c.note is not None)
        for row in self.rows:
            for cell in row.cells.values():
                if isinstance(cell.value, Fact):
                    yield cell.value
                if cell.note is not None:
                    yield cell.note
        yield from (n.url for n in self.notes if n.url is not None)

    def row(self, key: str) -> Row | None:
        return next((r for r in self.rows if r.key == key), None)


CALLOUT_KINDS = ("note", "tip", "warning", "editor")


class Callout(Block):
    kind = "callout"
    __slots__ = _fields = ("id", "pos", "style", "title", "blocks")

    def __init__(
        self, id: str, pos: Position, style: str, blocks: list[Block], title: Unit | None = None
    ) -> None:
        self.id = id
        self.pos = pos
        self.style = style  # one of CALLOUT_KINDS
        self.blocks = blocks
        self.title = title

    def units(self) -> Iterator[Unit]:
        if self.title is not None:
            yield self.title

    def children(self) -> list[Block]:
        return self.blocks


class Quote(Block):
    kind = "quote"
    __slots__ = _fields = ("id", "pos", "text", "attribution")

    def __init__(self, id: str, pos: Position, text: Unit, attribution: Unit | None = None) -> None:
        self.id = id
        self.pos = pos
        self.text = text
        self.attribution = attribution

    def units(self) -> Iterator[Unit]:
        yield self.text
        if self.attribution is not None:
            yield self.attribution


class Code(Block):
    kind = "code"
    __slots__ = _fields = ("id", "pos", "code", "language", "caption")

    def __init__(
        self, id: str, pos: Position, code: Fact, language: Fact, caption: Unit | None = None
    ) -> None:
        self.id = id
        self.pos = pos
        self.code = code  # the source text: a fact, never translated
        self.language = language  # its language name ("python"), a fact
        self.caption = caption

    def units(self) -> Iterator[Unit]:
        if self.caption is not None:
            yield self.caption

    def facts(self) -> Iterator[Fact]:
        yield self.code
        yield self.language


class Figure(Block):
    """An image with a caption and alt text, numbered per chapter ("图 4.2" / "Figure 4.2")."""

    kind = "figure"
    __slots__ = _fields = ("id", "pos", "src", "caption", "alt", "neutral")

    def __init__(
        self, id: str, pos: Position, src: Fact, caption: Unit, alt: Unit, neutral: bool = False
    ) -> None:
        self.id = id
        self.pos = pos
        self.src = src  # the file, relative to the sources folder (a per-language twin may exist)
        self.caption = caption
        self.alt = alt
        self.neutral = neutral  # one file for every edition

    def units(self) -> Iterator[Unit]:
        yield self.caption
        yield self.alt

    def facts(self) -> Iterator[Fact]:
        yield self.src


class Math(Block):
    """A displayed formula in TeX: language-neutral, optionally numbered "(4.3)"."""

    kind = "math"
    __slots__ = _fields = ("id", "pos", "tex", "numbered")

    def __init__(self, id: str, pos: Position, tex: Fact, numbered: bool = True) -> None:
        self.id = id
        self.pos = pos
        self.tex = tex
        self.numbered = numbered

    def facts(self) -> Iterator[Fact]:
        yield self.tex


class Footnote(Record):
    __slots__ = _fields = ("id", "pos", "text")

    def __init__(self, id: str, pos: Position, text: Unit) -> None:
        self.id = id  # full id: footnotes.NAME
        self.pos = pos
        self.text = text

    @property
    def name(self) -> str:
        return self.id.rsplit(".", 1)[1]


def walk(blocks: list[Block]) -> Iterator[Block]:
    """Every block of a tree, depth first, in reading order."""
    for block in blocks:
        yield block
        kids = block.children()
        if kids:
            yield from walk(kids)


class Chapter(Record):
    """One chapter in one language, as loaded from one file."""

    __slots__ = _fields = ("key", "lang", "path", "number", "edition", "edition_pos", "title", "blocks",
                           "footnotes", "pos")  # fmt: skip

    def __init__(
        self,
        key: str,  # file stem, the same in every language ("ch14")
        lang: str,
        path: str,
        number: Fact,  # the chapter number (id "chapter")
        edition: date,
        edition_pos: Position,
        title: Unit,
        blocks: list[Block],
        footnotes: list[Footnote],
        pos: Position,
    ) -> None:
        self.key = key
        self.lang = lang
        self.path = path
        self.number = number
        self.edition = edition
        self.edition_pos = edition_pos
        self.title = title
        self.blocks = blocks
        self.footnotes = footnotes
        self.pos = pos

    def walk(self) -> Iterator[Block]:
        return walk(self.blocks)

    def units(self) -> Iterator[Unit]:
        """Every translatable unit, in reading order."""
        yield self.title
        for block in walk(self.blocks):
            yield from block.units()
        for note in self.footnotes:
            yield note.text

    def facts(self) -> Iterator[Fact]:
        """Every language-neutral value, in reading order."""
        yield self.number
        for block in walk(self.blocks):
            yield from block.facts()

    def block(self, block_id: str) -> Block | None:
        return next((b for b in walk(self.blocks) if b.id == block_id), None)


class BookMeta(Record):
    """The book's metadata in one language (from book.yaml): printed on every handout."""

    __slots__ = _fields = (
        "lang",
        "path",
        "title",
        "author",
        "publisher",
        "credit",
        "pos",
        "title_translated",
    )

    def __init__(
        self,
        lang: str,
        path: str,
        title: Unit,
        author: Unit,
        publisher: Unit,
        credit: Unit,
        pos: Position,
        title_translated: bool = False,  # the editors' translation of the title, not a published one
    ) -> None:
        self.lang = lang
        self.path = path
        self.title = title
        self.author = author
        self.publisher = publisher
        self.credit = credit
        self.pos = pos
        self.title_translated = title_translated

    key = "book"  # pairs with the same object of the other languages, as chapters pair by key

    def units(self) -> Iterator[Unit]:
        yield from (self.title, self.author, self.publisher, self.credit)

    def facts(self) -> Iterator[Fact]:
        return iter(())


class Rendering(Record):
    """How one language writes a glossary term."""

    __slots__ = _fields = ("text", "pos", "also", "avoid")

    def __init__(
        self,
        text: str,
        pos: Position,
        also: tuple[str, ...] = (),  # accepted variants
        avoid: tuple[str, ...] = (),  # renderings the checker flags
    ) -> None:
        self.text = text
        self.pos = pos
        self.also = also
        self.avoid = avoid


class Term(Record):
    __slots__ = _fields = ("id", "pos", "renderings")

    def __init__(self, id: str, pos: Position, renderings: dict[str, Rendering]) -> None:
        self.id = id
        self.pos = pos
        self.renderings = renderings


class Glossary(Record):
    __slots__ = _fields = ("path", "terms")

    def __init__(self, path: str | None, terms: list[Term]) -> None:
        self.path = path
        self.terms = terms


class Book(Record):
    """Everything under a sources folder: every chapter in every language, and the glossary."""

    __slots__ = _fields = ("root", "source_lang", "langs", "chapters", "glossary", "orphans", "meta", "year")
    __slots__ += ("fonts",)  # not compared: book.yaml's fonts per language (regular, bold files)

    def __init__(
        self,
        root: str,
        source_lang: str,
        langs: list[str],  # source language first
        chapters: dict[str, dict[str, Chapter]],  # lang -> chapter key -> chapter
        glossary: Glossary,
        orphans: list[tuple[str, str]] | None = None,  # (lang, path) without twin; [] when None
        meta: dict[str, BookMeta] | None = None,  # lang -> the book's metadata in that language
        year: Fact | None = None,  # the book's year (id "year")
    ) -> None:
        self.root = root
        self.source_lang = source_lang
        self.langs = langs
        self.chapters = chapters
        self.glossary = glossary
        self.orphans: list[tuple[str, str]] = [] if orphans is None else orphans
        self.meta: dict[str, BookMeta] = {} if meta is None else meta
        self.year = year
        self.fonts: dict[str, tuple[str, str | None]] = {}

    def chapter_keys(self) -> list[str]:
        """Chapter keys present in any language, sorted."""
        return sorted({k for chapters in self.chapters.values() for k in chapters})
