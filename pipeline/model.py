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
    __slots__ = (*_fields, "node")  # node is neither compared nor shown

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
    ) -> None:
        self.id = id
        self.text = text
        self.pos = pos
        self.source = source
        self.source_pos = source_pos
        self.comment = comment
        self.waivers: dict[str, Waiver] = {} if waivers is None else waivers
        self.node = node


FactValue = bool | int | str | tuple[str, ...]


class Fact(Record):
    """A language-neutral value: the same in every edition."""

    __slots__ = _fields = ("id", "value", "pos")

    def __init__(self, id: str, value: FactValue, pos: Position) -> None:
        self.id = id
        self.value = value
        self.pos = pos


class Cell(Record):
    """One table cell: a yes/no flag, a list of names (both facts) or translatable text."""

    __slots__ = _fields = ("id", "value", "note")

    def __init__(self, id: str, value: Unit | Fact, note: Fact | None = None) -> None:
        self.id = id
        self.value = value
        self.note = note  # letter of a table note


class Criterion(Record):
    __slots__ = _fields = ("id", "label", "note")

    def __init__(self, id: str, label: Unit, note: Fact | None = None) -> None:
        self.id = id
        self.label = label
        self.note = note


class Subject(Record):
    __slots__ = _fields = ("id", "name", "cells", "pos")

    def __init__(self, id: str, name: Fact, cells: dict[str, Cell], pos: Position) -> None:
        self.id = id
        self.name = name
        self.cells = cells
        self.pos = pos


class Note(Record):
    __slots__ = _fields = ("id", "pos", "text", "url")

    def __init__(self, id: str, pos: Position, text: Unit | None = None, url: Fact | None = None) -> None:
        self.id = id
        self.pos = pos
        self.text = text
        self.url = url


class Table(Record):
    __slots__ = _fields = (
        "title",
        "caption",
        "subject_label",
        "criteria",
        "subjects",
        "notes",
        "editor_note",
    )

    def __init__(
        self,
        title: Unit,
        caption: Unit,
        subject_label: Unit,
        criteria: list[Criterion],
        subjects: list[Subject],
        notes: list[Note],
        editor_note: Unit | None = None,
    ) -> None:
        self.title = title
        self.caption = caption
        self.subject_label = subject_label
        self.criteria = criteria
        self.subjects = subjects
        self.notes = notes
        self.editor_note = editor_note

    def subject(self, subject_id: str) -> Subject | None:
        return next((s for s in self.subjects if s.id == subject_id), None)


class Profile(Record):
    """What the chapter says of one subject: a description, pros and cons in order."""

    __slots__ = _fields = ("id", "pos", "description", "pros", "cons", "editor_note")

    def __init__(
        self,
        id: str,  # the subject's id in the table
        pos: Position,
        description: list[Unit],
        pros: list[Unit],
        cons: list[Unit],
        editor_note: Unit | None = None,
    ) -> None:
        self.id = id
        self.pos = pos
        self.description = description
        self.pros = pros
        self.cons = cons
        self.editor_note = editor_note


class Meta(Record):
    __slots__ = _fields = (
        "chapter", "language", "year", "edition", "edition_pos", "title", "book", "author", "publisher",
        "credit",
    )  # fmt: skip

    def __init__(
        self,
        chapter: Fact,
        language: Fact,
        year: Fact,
        edition: date,
        edition_pos: Position,
        title: Unit,
        book: Unit,
        author: Unit,
        publisher: Unit,
        credit: Unit,
    ) -> None:
        self.chapter = chapter
        self.language = language
        self.year = year
        self.edition = edition
        self.edition_pos = edition_pos
        self.title = title
        self.book = book
        self.author = author
        self.publisher = publisher
        self.credit = credit


class Chapter(Record):
    """One chapter in one language, as loaded from one file."""

    __slots__ = _fields = (
        "key", "lang", "path", "meta", "introduction", "table", "profiles_title", "profiles", "pos",
    )  # fmt: skip

    def __init__(
        self,
        key: str,  # file stem, the same in every language ("ch14")
        lang: str,
        path: str,
        meta: Meta,
        introduction: list[Unit],
        table: Table,
        profiles_title: Unit | None,
        profiles: list[Profile],
        pos: Position,
    ) -> None:
        self.key = key
        self.lang = lang
        self.path = path
        self.meta = meta
        self.introduction = introduction
        self.table = table
        self.profiles_title = profiles_title
        self.profiles = profiles
        self.pos = pos

    def units(self) -> Iterator[Unit]:
        """Every translatable unit, in reading order."""
        m = self.meta
        yield from (m.title, m.book, m.author, m.publisher, m.credit)
        yield from self.introduction
        t = self.table
        yield from (t.title, t.caption, t.subject_label)
        yield from (c.label for c in t.criteria)
        for s in t.subjects:
            yield from (c.value for c in s.cells.values() if isinstance(c.value, Unit))
        yield from (n.text for n in t.notes if n.text is not None)
        if t.editor_note:
            yield t.editor_note
        if self.profiles_title:
            yield self.profiles_title
        for p in self.profiles:
            yield from p.description
            yield from p.pros
            yield from p.cons
            if p.editor_note:
                yield p.editor_note

    def facts(self) -> Iterator[Fact]:
        """Every language-neutral value, in reading order."""
        m = self.meta
        yield from (m.chapter, m.year)
        for c in self.table.criteria:
            if c.note:
                yield c.note
        for s in self.table.subjects:
            yield s.name
            for cell in s.cells.values():
                if isinstance(cell.value, Fact):
                    yield cell.value
                if cell.note:
                    yield cell.note
        yield from (n.url for n in self.table.notes if n.url is not None)

    def profile(self, subject_id: str) -> Profile | None:
        return next((p for p in self.profiles if p.id == subject_id), None)


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

    __slots__ = _fields = ("root", "source_lang", "langs", "chapters", "glossary", "orphans")

    def __init__(
        self,
        root: str,
        source_lang: str,
        langs: list[str],  # source language first
        chapters: dict[str, dict[str, Chapter]],  # lang -> chapter key -> chapter
        glossary: Glossary,
        orphans: list[tuple[str, str]] | None = None,  # (lang, path) without twin; [] when None
    ) -> None:
        self.root = root
        self.source_lang = source_lang
        self.langs = langs
        self.chapters = chapters
        self.glossary = glossary
        self.orphans: list[tuple[str, str]] = [] if orphans is None else orphans

    def chapter_keys(self) -> list[str]:
        """Chapter keys present in any language, sorted."""
        return sorted({k for chapters in self.chapters.values() for k in chapters})
