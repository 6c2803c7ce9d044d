"""Neutral-fact rules: values that are the same in every language (yes/no cells, names,
platform lists, URLs, years, chapter numbers) are compared exactly between editions."""

from __future__ import annotations

from collections.abc import Iterator

from pipeline.check.catalog import Hit, rule
from pipeline.check.context import Pair
from pipeline.check.structure import kind
from pipeline.model import FactValue


def show(value: FactValue) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, tuple):
        return "[" + ", ".join(value) + "]"
    return repr(value) if isinstance(value, str) else str(value)


@rule(
    "fact-mismatch",
    "error",
    "a language-neutral value (flag, name, list, URL, year) differs between editions",
    scope="pair",
)
def fact_mismatch(pair: Pair) -> Iterator[Hit]:
    for fact_id, fact in pair.target.facts.items():
        twin = pair.source.facts.get(fact_id)
        if twin is None or kind(twin) != kind(fact):
            continue  # missing-id and type-mismatch report these
        if twin.value != fact.value:
            message = (
                f"{fact_id} is {show(fact.value)} in {pair.target.lang} "
                f"but {show(twin.value)} in {pair.source.lang}"
            )
            yield Hit(message, fact.pos, unit_id=fact_id, twin=twin.pos)
