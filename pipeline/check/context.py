"""What rules are given to look at: editions with their units and facts indexed by id."""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.check.conventions import Conventions, for_language
from pipeline.model import Book, Chapter, Fact, Unit


@dataclass(eq=False, repr=False)
class RunContext:
    """One check run over a book; ``cache`` keeps what rules compute once per run (the glossary)."""

    book: Book
    cache: dict[str, object] = field(default_factory=dict)


@dataclass(eq=False, repr=False)
class Edition:
    """One chapter in one language, with its units and facts by id."""

    chapter: Chapter
    conv: Conventions
    units: dict[str, Unit]
    facts: dict[str, Fact]

    @classmethod
    def of(cls, chapter: Chapter) -> Edition:
        return cls(
            chapter,
            for_language(chapter.lang),
            {u.id: u for u in chapter.units()},
            {f.id: f for f in chapter.facts()},
        )

    @property
    def lang(self) -> str:
        return self.chapter.lang

    @property
    def path(self) -> str:
        return self.chapter.path


@dataclass(eq=False, repr=False)
class Pair:
    """A translated chapter and the source chapter it translates."""

    run: RunContext
    source: Edition
    target: Edition


@dataclass(eq=False, repr=False)
class UnitContext:
    run: RunContext
    edition: Edition
    source_lang: str

    @property
    def conv(self) -> Conventions:
        return self.edition.conv


@dataclass(eq=False, repr=False)
class WaiverContext:
    run: RunContext
    editions: list[Edition]
    ran: set[str]  # ids of the rules that ran
    used: set[tuple[str, str, str]]  # (path, unit id, rule id) of every waiver that excused a finding
    known: set[str]  # every rule id in the catalog
