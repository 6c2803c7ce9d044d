"""The document model: plain typed objects that checks and exporters work on.

The loader is the only code that sees YAML; everything after it sees these classes. Each
translatable piece of text is a :class:`Unit` with a stable id (its path in the source, such as
``profiles.caffe.cons.no-multi-machine``) so that editions align by id, never by position.
Values that are the same fact in every language (yes/no cells, names, URLs, years) are
:class:`Fact` objects, compared exactly between editions.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from pipeline.errors import Position


def fingerprint(text: str) -> str:
    """A short, stable fingerprint of a source text (NFC, surrounding space ignored)."""
    norm = unicodedata.normalize("NFC", text.strip())
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()[:8]


@dataclass(frozen=True)
class Waiver:
    """A unit's written permission to break one named check rule."""

    rule: str
    reason: str
    pos: Position


@dataclass
class Unit:
    """One translatable piece of text."""

    id: str
    text: str
    pos: Position
    source: str | None = None  # fingerprint of the source-language text it translates
    source_pos: Position | None = None
    comment: str | None = None  # a note for translators
    waivers: dict[str, Waiver] = field(default_factory=dict)
    node: object = field(default=None, repr=False, compare=False)  # yamlsrc node, for edits


FactValue = bool | int | str | tuple[str, ...]


@dataclass
class Fact:
    """A language-neutral value: the same in every edition."""

    id: str
    value: FactValue
    pos: Position


@dataclass
class Cell:
    """One table cell: a yes/no flag, a list of names (both facts) or translatable text."""

    id: str
    value: Unit | Fact
    note: Fact | None = None  # letter of a table note


@dataclass
class Criterion:
    id: str
    label: Unit
    note: Fact | None = None


@dataclass
class Subject:
    id: str
    name: Fact
    cells: dict[str, Cell]
    pos: Position


@dataclass
class Note:
    id: str
    pos: Position
    text: Unit | None = None
    url: Fact | None = None


@dataclass
class Table:
    title: Unit
    caption: Unit
    subject_label: Unit
    criteria: list[Criterion]
    subjects: list[Subject]
    notes: list[Note]
    editor_note: Unit | None = None

    def subject(self, subject_id: str) -> Subject | None:
        return next((s for s in self.subjects if s.id == subject_id), None)


@dataclass
class Profile:
    """What the chapter says of one subject: a description, pros and cons in order."""

    id: str  # the subject's id in the table
    pos: Position
    description: list[Unit]
    pros: list[Unit]
    cons: list[Unit]
    editor_note: Unit | None = None


@dataclass
class Meta:
    chapter: Fact
    language: Fact
    year: Fact
    edition: date
    edition_pos: Position
    title: Unit
    book: Unit
    author: Unit
    publisher: Unit
    credit: Unit


@dataclass
class Chapter:
    """One chapter in one language, as loaded from one file."""

    key: str  # file stem, the same in every language ("ch14")
    lang: str
    path: str
    meta: Meta
    introduction: list[Unit]
    table: Table
    profiles_title: Unit | None
    profiles: list[Profile]
    pos: Position

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


@dataclass
class Rendering:
    """How one language writes a glossary term."""

    text: str
    pos: Position
    also: tuple[str, ...] = ()  # accepted variants
    avoid: tuple[str, ...] = ()  # renderings the checker flags


@dataclass
class Term:
    id: str
    pos: Position
    renderings: dict[str, Rendering]


@dataclass
class Glossary:
    path: str | None
    terms: list[Term]


@dataclass
class Book:
    """Everything under a sources folder: every chapter in every language, and the glossary."""

    root: str
    source_lang: str
    langs: list[str]  # source language first
    chapters: dict[str, dict[str, Chapter]]  # lang -> chapter key -> chapter
    glossary: Glossary
    orphans: list[tuple[str, str]] = field(default_factory=list)  # (lang, path) without twin

    def chapter_keys(self) -> list[str]:
        """Chapter keys present in any language, sorted."""
        return sorted({k for chapters in self.chapters.values() for k in chapters})
