"""Terminology: the glossary's renderings are used, its forbidden renderings are not, and the
glossary itself is consistent.

A term is found in a source unit as written (CJK) and in a translation case-insensitively,
with English inflection tolerated (plural -s/-es/-ies, -ed, -ing, -er) and hyphen and space
interchangeable. Where two terms overlap in a source unit (模型 inside 预训练模型) the longer wins.
"""

from __future__ import annotations

from collections.abc import Iterator

from pipeline.check import scan
from pipeline.check.catalog import Hit, rule
from pipeline.check.context import Pair, RunContext, UnitContext
from pipeline.check.conventions import Conventions, PlainText, WordText, for_language
from pipeline.model import Rendering, Term, Unit


# Plain classes with __slots__, not dataclasses: `pipeline check` must start fast (see
# pipeline.record). Like the dataclasses they replace (eq=False, repr=False), they compare by
# identity.
class Wording:
    """One term in one language: what is accepted and what is forbidden."""

    __slots__ = ("accepted", "conv", "rendering", "term")

    def __init__(
        self,
        term: Term,
        rendering: Rendering,
        conv: Conventions,
        accepted: tuple[str, ...],  # the rendering and its accepted variants
    ) -> None:
        self.term = term
        self.rendering = rendering
        self.conv = conv
        self.accepted = accepted

    def find(self, text: str) -> list[tuple[int, int]]:
        found = self.conv.terms(text)
        return [span for t in self.accepted for span in found.spans(t)]

    def used_in(self, text: str) -> bool:
        """The rendering or a variant occurs in ``text`` (``find`` without the positions)."""
        found = self.conv.terms(text)
        return any(found.has(t) for t in self.accepted)

    def shown(self) -> str:
        return " or ".join(repr(a) for a in self.accepted)


class Glossary:
    """The glossary in one language, indexed so that a text is searched for the terms whose
    first character (or first word) it holds, not for every term of the glossary in turn."""

    __slots__ = ("avoiding", "by_lead", "conv", "variants", "wordings")

    def __init__(
        self,
        conv: Conventions,
        wordings: dict[str, Wording],  # term id -> wording, in glossary order
        variants: list[tuple[str, Wording]],  # every accepted rendering with its wording, in order
        by_lead: dict[str, list[int]],  # indices in ``variants`` by what a text must hold for them
        avoiding: list[Wording],  # the wordings that forbid renderings
    ) -> None:
        self.conv = conv
        self.wordings = wordings
        self.variants = variants
        self.by_lead = by_lead
        self.avoiding = avoiding

    @classmethod
    def of(cls, conv: Conventions, wordings: dict[str, Wording]) -> Glossary:
        variants = [(t, w) for w in wordings.values() for t in w.accepted]
        by_lead: dict[str, list[int]] = {}
        for i, (t, _) in enumerate(variants):
            first = conv.lead(t)
            if first:  # an empty lead never occurs: nothing to find
                by_lead.setdefault(first, []).append(i)
        avoiding = [w for w in wordings.values() if w.rendering.avoid]
        return cls(conv, wordings, variants, by_lead, avoiding)

    def candidates(self, found: PlainText | WordText) -> list[tuple[str, Wording]]:
        """The variants that may occur in a prepared text, in glossary order."""
        leads = self.by_lead.keys() & found.leads
        if not leads:
            return []
        return [self.variants[i] for i in sorted(i for lead in leads for i in self.by_lead[lead])]


def glossary_of(ctx: RunContext, lang: str) -> Glossary:
    """The glossary in one language, built and indexed once per run."""
    found = ctx.cache.get(f"glossary:{lang}")
    if isinstance(found, Glossary):
        return found
    conv = for_language(lang)
    out = {}
    for t in ctx.book.glossary.terms:
        r = t.renderings.get(lang)
        if r is not None and r.text.strip():
            out[t.id] = Wording(t, r, conv, tuple(v for v in (r.text, *r.also) if v.strip()))
    glossary = ctx.cache[f"glossary:{lang}"] = Glossary.of(conv, out)
    return glossary


def terms_in(text: str, glossary: Glossary) -> list[tuple[Wording, int]]:
    """Glossary terms in a text with their first index; overlapping matches go to the longest."""
    found = glossary.conv.terms(text)
    matches = [
        (end - start, start, end, w) for t, w in glossary.candidates(found) for start, end in found.spans(t)
    ]
    if not matches:
        return []
    taken: list[tuple[int, int]] = []
    first: dict[str, tuple[Wording, int]] = {}
    # longest first; among equals the earliest, then the first in glossary order (a stable sort)
    for _, start, end, w in sorted(matches, key=lambda m: (-m[0], m[1])):
        if any(start < b and a < end for a, b in taken):
            continue
        taken.append((start, end))
        if w.term.id not in first or start < first[w.term.id][1]:
            first[w.term.id] = (w, start)
    return sorted(first.values(), key=lambda f: f[1])


@rule(
    "glossary",
    "error",
    "a glossary term in the source unit lacks the glossary's rendering in its twin",
    scope="twins",
    unless=("empty", "unchanged", "untranslated"),
)
def glossary(source: Unit, target: Unit, pair: Pair) -> Iterator[Hit]:
    in_source = terms_in(scan.plain(source), glossary_of(pair.run, pair.source.lang))
    if not in_source:
        return
    tgt_words = glossary_of(pair.run, pair.target.lang).wordings
    for wording, at in in_source:
        rendering = tgt_words.get(wording.term.id)
        if rendering is not None and not rendering.used_in(scan.plain(target)):
            yield Hit(
                f"glossary term {wording.rendering.text!r} ({wording.term.id}) should be rendered "
                f"{rendering.shown()} in {pair.target.lang}",
                target.pos,
                unit=target,
                twin=scan.locate(source, at),
                twin_unit=source,
            )


@rule(
    "glossary-avoid",
    "error",
    "a unit uses a rendering the glossary forbids",
    scope="unit",
    unless=("empty",),
)
def glossary_avoid(unit: Unit, ctx: UnitContext) -> Iterator[Hit]:
    avoiding = glossary_of(ctx.run, ctx.edition.lang).avoiding
    text = scan.plain(unit) if avoiding else unit.text
    for wording in avoiding:
        found = wording.conv.terms(text)
        accepted: set[tuple[int, int]] | None = None  # found only when a forbidden one is there
        for avoid in wording.rendering.avoid:
            spans = found.spans(avoid)
            if not spans:
                continue
            if accepted is None:
                accepted = set(wording.find(text))
            # an accepted rendering that matches a forbidden one too is fine (glossary-conflict)
            spans = [s for s in spans if s not in accepted]
            if spans:
                start, end = spans[0]
                yield Hit(
                    f"{text[start:end]!r} is a rendering the glossary avoids for {wording.term.id}; "
                    f"use {wording.shown()}",
                    scan.locate(unit, start),
                    unit=unit,
                )


@rule(
    "glossary-conflict",
    "error",
    "the glossary gives one source term two renderings, or forbids its own rendering",
    scope="book",
)
def glossary_conflict(ctx: RunContext) -> Iterator[Hit]:
    book = ctx.book
    seen: dict[str, Term] = {}
    for term in book.glossary.terms:
        src = term.renderings.get(book.source_lang)
        if src is None:
            continue
        key = " ".join(src.text.split()).casefold()
        first = seen.setdefault(key, term)
        if first is not term:
            for lang in book.langs[1:]:
                a, b = first.renderings.get(lang), term.renderings.get(lang)
                if a and b and a.text.strip().casefold() != b.text.strip().casefold():
                    yield Hit(
                        f"{src.text!r} is rendered {b.text!r} here ({term.id}) but {a.text!r} in {first.id}",
                        b.pos,
                        unit_id=f"terms.{term.id}",
                        twin=a.pos,
                    )
        for lang, r in term.renderings.items():
            bad = {v.casefold() for v in r.avoid} & {v.casefold() for v in (r.text, *r.also)}
            if bad:
                yield Hit(
                    f"{term.id}: {lang} rendering {sorted(bad)[0]!r} is both accepted and avoided",
                    r.pos,
                    unit_id=f"terms.{term.id}",
                )
