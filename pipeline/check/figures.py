"""Figures: an edition whose figure has labels in its own language needs its twin in every
other language (media/x.zh.svg calls for media/x.en.svg), unless the figure is neutral."""

from __future__ import annotations

import os
from collections.abc import Iterator

from pipeline.check.catalog import Hit, rule
from pipeline.check.context import Pair
from pipeline.model import Chapter, Figure


def _figures(edition: object) -> dict[str, Figure]:
    chapter = getattr(edition, "chapter", None)
    if not isinstance(chapter, Chapter):
        return {}  # the book's metadata has no figures
    return {b.id: b for b in chapter.walk() if isinstance(b, Figure)}


@rule(
    "figure-variant",
    "error",
    "a figure has its own file in the source language but none in a translation (x.zh.svg, no x.en.svg)",
    scope="pair",
)
def figure_variant(pair: Pair) -> Iterator[Hit]:
    sources = _figures(pair.source)
    if not sources:
        return
    from pipeline import media  # only for a chapter with figures: a millisecond of every check

    root = os.path.dirname(os.path.dirname(os.path.abspath(pair.source.path)))
    for fid, figure in _figures(pair.target).items():
        twin = sources.get(fid)
        if twin is None or figure.neutral:
            continue
        src = str(twin.src.value)
        theirs = media.variant(root, src, pair.source.lang, False)
        mine = media.variant(root, str(figure.src.value), pair.target.lang, False)
        if theirs != src and mine != theirs and mine == str(figure.src.value):
            stem, ext = os.path.splitext(src)
            yield Hit(
                f"the {pair.source.lang} edition shows its own {theirs}, the {pair.target.lang} edition "
                f"the shared {mine}: add {stem}.{pair.target.lang}{ext}, or mark the figure neutral: true",
                figure.src.pos,
                unit_id=fid,
                twin=twin.src.pos,
            )
