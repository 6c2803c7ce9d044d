"""Terminology: the glossary's renderings are used, its forbidden renderings are not, and the
glossary itself is consistent.

A term is found in a source unit as written (CJK) and in a translation case-insensitively,
with English inflection tolerated (plural -s/-es/-ies, -ed, -ing, -er) and hyphen and space
interchangeable. Where two terms overlap in a source unit (模型 inside 预训练模型) the longer wins.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pipeline.check import scan
from pipeline.check.catalog import Hit, rule
from pipeline.check.context import Pair, RunContext, UnitContext
from pipeline.check.conventions import Conventions, for_language
from pipeline.model import Rendering, Term, Unit


@dataclass(eq=False, repr=False)
class Wording:
    """One term in one language: what is accepted and what is forbidden."""

    term: Term
    rendering: Rendering
    conv: Conventions
    accepted: tuple[str, ...]  # the rendering and its accepted variants

    def find(self, text: str) -> list[tuple[int, int]]:
        return [span for t in self.accepted for span in self.conv.find_term(t, text)]

    def shown(self) -> str:
        return " or ".join(repr(a) for a in self.accepted)


def wordings(ctx: RunContext, lang: str) -> dict[str, Wording]:
    """The glossary in one language (term id -> wording), built once per run."""
    found = ctx.cache.get(f"glossary:{lang}")
    if isinstance(found, dict):
        return found
    conv = for_language(lang)
    out = {}
    for t in ctx.book.glossary.terms:
        r = t.renderings.get(lang)
        if r is not None and r.text.strip():
            out[t.id] = Wording(t, r, conv, tuple(v for v in (r.text, *r.also) if v.strip()))
    ctx.cache[f"glossary:{lang}"] = out
    return out


def terms_in(text: str, words: dict[str, Wording]) -> list[tuple[Wording, int]]:
    """Glossary terms in a text with their first index; overlapping matches go to the longest."""
    matches = [(end - start, start, end, w) for w in words.values() for start, end in w.find(text)]
    taken: list[tuple[int, int]] = []
    found: dict[str, tuple[Wording, int]] = {}
    for _, start, end, w in sorted(matches, key=lambda m: (-m[0], m[1])):
        if any(start < b and a < end for a, b in taken):
            continue
        taken.append((start, end))
        if w.term.id not in found or start < found[w.term.id][1]:
            found[w.term.id] = (w, start)
    return sorted(found.values(), key=lambda f: f[1])


@rule(
    "glossary",
    "error",
    "a glossary term in the source unit lacks the glossary's rendering in its twin",
    scope="twins",
    unless=("empty", "unchanged", "untranslated"),
)
def glossary(source: Unit, target: Unit, pair: Pair) -> Iterator[Hit]:
    src_words = wordings(pair.run, pair.source.lang)
    tgt_words = wordings(pair.run, pair.target.lang)
    for wording, at in terms_in(source.text, src_words):
        rendering = tgt_words.get(wording.term.id)
        if rendering is not None and not rendering.find(target.text):
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
    for wording in wordings(ctx.run, ctx.edition.lang).values():
        if not wording.rendering.avoid:
            continue
        accepted = set(wording.find(unit.text))
        for avoid in wording.rendering.avoid:
            # an accepted rendering that matches a forbidden one too is fine (glossary-conflict)
            spans = [s for s in wording.conv.find_term(avoid, unit.text) if s not in accepted]
            if spans:
                start, end = spans[0]
                yield Hit(
                    f"{unit.text[start:end]!r} is a rendering the glossary avoids for {wording.term.id}; "
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
