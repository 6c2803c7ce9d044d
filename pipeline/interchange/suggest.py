"""Translation-memory suggestions for untranslated and stale units, from the book's own reviewed pairs.

A unit whose source text matches the source text of a reviewed pair of the book (any chapter, or
the book's metadata) gets that pair's translation as a suggestion: exactly (score 100), or
fuzzily when RapidFuzz's ``fuzz.ratio`` (the normalised Indel similarity of the visible texts,
0–100, per character, so it suits Chinese as well as English) reaches :data:`THRESHOLD`.
Suggestions are only ever offered (a fuzzy PO entry, an XLIFF ``<mtc:match>``), never written
into the sources by an export and never counted as translated.
"""

from __future__ import annotations

from rapidfuzz import fuzz, process

from pipeline import inline
from pipeline.interchange.common import reviewed_pairs
from pipeline.model import Book, Unit

THRESHOLD = 75  # the usual lower bound of a "fuzzy match" in CAT tools (memoQ, Trados: 70–75 %)


class Suggestion:
    __slots__ = ("key", "score", "source", "target", "unit_id")

    def __init__(self, key: str, unit_id: str, score: int, source: str, target: str) -> None:
        self.key = key  # the document (chapter key, or "book") of the matching pair
        self.unit_id = unit_id
        self.score = score  # 0–100; 100 for the same source text
        self.source = source  # the matching pair's source text (with tags)
        self.target = target  # its reviewed translation (with tags)

    @property
    def origin(self) -> str:
        return f"{self.key}:{self.unit_id}"


class Memory:
    """The reviewed pairs of a book into one language, searchable by source text."""

    def __init__(self, book: Book, lang: str, threshold: int = THRESHOLD) -> None:
        self.threshold = threshold
        self.pairs = [(key, src, tgt) for key, src, tgt in reviewed_pairs(book, lang)]
        self.visible = [_visible(src) for _, src, _ in self.pairs]
        self.exact: dict[str, int] = {}
        for i, (_, src, _) in enumerate(self.pairs):
            self.exact.setdefault(src.text.strip(), i)

    def suggest(self, key: str, unit: Unit) -> Suggestion | None:
        """The best suggestion for ``unit`` of document ``key`` (never its own pair), or None."""
        i = self.exact.get(unit.text.strip())
        if i is not None and (self.pairs[i][0], self.pairs[i][1].id) != (key, unit.id):
            return self._suggestion(i, 100)
        query = _visible(unit)
        if not query.strip():
            return None
        best = None
        for _, score, j in process.extract(
            query, self.visible, scorer=fuzz.ratio, score_cutoff=self.threshold, limit=2
        ):
            if (self.pairs[j][0], self.pairs[j][1].id) != (key, unit.id):
                best = (j, round(score))
                break
        return self._suggestion(*best) if best else None

    def _suggestion(self, i: int, score: int) -> Suggestion:
        key, src, tgt = self.pairs[i]
        return Suggestion(key, src.id, score, src.text, tgt.text)


def _visible(unit: Unit) -> str:
    return inline.text_of(unit.inlines) if "<" in unit.text else unit.text
