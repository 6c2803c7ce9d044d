"""Untranslated, unchanged and empty units (read without their tags: see scan.plain)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipeline.check import scan
from pipeline.check.catalog import Hit, rule
from pipeline.check.context import Pair, UnitContext
from pipeline.check.conventions import QUOTE_PAIRS
from pipeline.model import Unit


@rule("empty", "error", "a unit is empty or only whitespace", scope="unit")
def empty(unit: Unit, ctx: UnitContext) -> Iterator[Hit]:
    if not scan.plain(unit).strip():  # "<b> </b>" is empty too; "<fn to=\"x\"/>" is not
        yield Hit(f"{unit.id} is empty", unit.pos, unit=unit)


def _translatable(text: str, pair: Pair) -> bool:
    """Text with something to translate: the source's own script, or a lower-case word.

    A unit made only of names, acronyms and numbers ("RNN", "Mac OS X") may stay the same.
    """
    own = pair.source.conv.own_script_re
    return bool(own and own.search(text)) or re.search(r"\b[a-z]{2,}\b", text) is not None


@rule(
    "unchanged",
    "error",
    "a translation is identical to its source text (names, acronyms and numbers may be)",
    scope="twins",
    unless=("empty",),
)
def unchanged(source: Unit, target: Unit, pair: Pair) -> Iterator[Hit]:
    if target.text.strip() == source.text.strip() and _translatable(scan.plain(source), pair):
        yield Hit(
            f"the {pair.target.lang} text is the {pair.source.lang} text unchanged",
            target.pos,
            unit=target,
            twin=source.pos,
            twin_unit=source,
        )


@rule(
    "untranslated",
    "error",
    "a translation holds the source's script (Han in English) outside a quoted original title",
    scope="twins",
    unless=("empty", "unchanged"),
)
def untranslated(source: Unit, target: Unit, pair: Pair) -> Iterator[Hit]:
    own = pair.source.conv.own_script_re
    if own is None or pair.target.conv.own_script == pair.source.conv.own_script:
        return  # same script in both languages: only "unchanged" can tell
    text = scan.plain(target)  # Han inside <code> or <m> is not prose
    quoted = scan.quoted_spans(text, QUOTE_PAIRS)
    for m in own.finditer(text):
        if scan.outside(quoted, m.start()):
            yield Hit(
                f"untranslated {pair.source.lang} text {m.group()!r} in the {pair.target.lang} edition "
                "(quote an original title to keep it)",
                scan.locate(target, m.start()),
                unit=target,
                twin=source.pos,
                twin_unit=source,
            )
            return  # one finding per unit is enough to send the translator there
