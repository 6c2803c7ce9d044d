"""What rules are given to look at: editions with their units and facts indexed by id."""

from __future__ import annotations

from pipeline.check.conventions import Conventions, for_language
from pipeline.model import Book, Chapter, Fact, Unit

# Plain classes with __slots__, not dataclasses: `pipeline check` must start fast (see
# pipeline.record). Like the dataclasses they replace (eq=False, repr=False), they compare by
# identity.


class RunContext:
    """One check run over a book; ``cache`` keeps what rules compute once per run (the glossary)."""

    __slots__ = ("book", "cache")

    def __init__(self, book: Book, cache: dict[str, object] | None = None) -> None:
        self.book = book
        self.cache: dict[str, object] = {} if cache is None else cache


class Edition:
    """One chapter in one language, with its units and facts by id."""

    __slots__ = ("chapter", "conv", "facts", "units")

    def __init__(
        self, chapter: Chapter, conv: Conventions, units: dict[str, Unit], facts: dict[str, Fact]
    ) -> None:
        self.chapter = chapter
        self.conv = conv
        self.units = units
        self.facts = facts

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


class Pair:
    """A translated chapter and the source chapter it translates."""

    __slots__ = ("run", "source", "target")

    def __init__(self, run: RunContext, source: Edition, target: Edition) -> None:
        self.run = run
        self.source = source
        self.target = target


class UnitContext:
    __slots__ = ("edition", "run", "source_lang")

    def __init__(self, run: RunContext, edition: Edition, source_lang: str) -> None:
        self.run = run
        self.edition = edition
        self.source_lang = source_lang

    @property
    def conv(self) -> Conventions:
        return self.edition.conv


class WaiverContext:
    __slots__ = ("editions", "known", "ran", "run", "used")

    def __init__(
        self,
        run: RunContext,
        editions: list[Edition],
        ran: set[str],  # ids of the rules that ran
        used: set[tuple[str, str, str]],  # (path, unit id, rule id) of every waiver that excused a finding
        known: set[str],  # every rule id in the catalog
    ) -> None:
        self.run = run
        self.editions = editions
        self.ran = ran
        self.used = used
        self.known = known
