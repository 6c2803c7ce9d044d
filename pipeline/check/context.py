"""What rules are given to look at: editions with their units and facts indexed by id.

An *edition* is one document in one language: a chapter file, or the book's metadata in one
language (from book.yaml). Both have ``lang``, ``path``, ``key``, ``units()`` and ``facts()``;
a translated edition pairs with the source edition of the same key.
"""

from __future__ import annotations

from pipeline.check.conventions import Conventions, for_language
from pipeline.model import Book, BookMeta, Chapter, Fact, Unit

# Plain classes with __slots__, not dataclasses: `pipeline check` must start fast (see
# pipeline.record). Like the dataclasses they replace (eq=False, repr=False), they compare by
# identity.

Document = Chapter | BookMeta


class RunContext:
    """One check run over a book; ``cache`` keeps what rules compute once per run (the glossary)."""

    __slots__ = ("book", "cache")

    def __init__(self, book: Book, cache: dict[str, object] | None = None) -> None:
        self.book = book
        self.cache: dict[str, object] = {} if cache is None else cache


class Edition:
    """One document (a chapter, or the book's metadata) in one language, with its units and
    facts by id."""

    __slots__ = ("conv", "doc", "facts", "units")

    def __init__(
        self, doc: Document, conv: Conventions, units: dict[str, Unit], facts: dict[str, Fact]
    ) -> None:
        self.doc = doc
        self.conv = conv
        self.units = units
        self.facts = facts

    @classmethod
    def of(cls, doc: Document) -> Edition:
        return cls(
            doc,
            for_language(doc.lang),
            {u.id: u for u in doc.units()},
            {f.id: f for f in doc.facts()},
        )

    @property
    def chapter(self) -> Document:
        """The document (kept under its old name: most editions are chapters)."""
        return self.doc

    @property
    def lang(self) -> str:
        return self.doc.lang

    @property
    def path(self) -> str:
        return self.doc.path

    @property
    def key(self) -> str:
        return self.doc.key


class Pair:
    """A translated edition and the source edition it translates."""

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
        used: set[tuple[int, str]],  # (id() of the unit, rule id) of every waiver that excused a finding
        known: set[str],  # every rule id in the catalog
    ) -> None:
        self.run = run
        self.editions = editions
        self.ran = ran
        self.used = used
        self.known = known
