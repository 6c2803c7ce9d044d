"""Neutral-fact rules: values that are the same in every language (yes/no cells, names,
platform lists, URLs, numbers, chapter numbers, code and its language) are compared exactly
between editions."""

from __future__ import annotations

from collections.abc import Iterator

from pipeline.check.catalog import Hit, rule
from pipeline.check.context import Pair
from pipeline.model import Fact, FactValue


def show(value: FactValue) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, tuple):
        return "[" + ", ".join(value) + "]"
    return repr(value) if isinstance(value, str) else str(value)


def _shape(value: FactValue) -> str:
    """Facts of different shapes are not compared: type-mismatch reports them."""
    if isinstance(value, bool):
        return "flag"
    return "names" if isinstance(value, tuple) else "value"  # a number, a name, a URL, code


def _lines_differ(fact: Fact, twin: Fact, pair: Pair) -> str:
    """A message for code (text on several lines): the first line that differs, not the whole."""
    mine, theirs = str(fact.value).split("\n"), str(twin.value).split("\n")
    t_lang, s_lang = pair.target.lang, pair.source.lang
    for n, (a, b) in enumerate(zip(mine, theirs, strict=False), 1):
        if a != b:
            return f"line {n} of the code {fact.id} is {a!r} in {t_lang} but {b!r} in {s_lang}"
    return (
        f"the code {fact.id} has {len(mine)} lines in {pair.target.lang} but {len(theirs)} in "
        f"{pair.source.lang} (code is copied exactly)"
    )


@rule(
    "fact-mismatch",
    "error",
    "a language-neutral value (flag, name, list, URL, number, chapter number, code, code language) "
    "differs between editions",
    scope="pair",
)
def fact_mismatch(pair: Pair) -> Iterator[Hit]:
    for fact_id, fact in pair.target.facts.items():
        twin = pair.source.facts.get(fact_id)
        if twin is None or _shape(twin.value) != _shape(fact.value):
            continue  # missing-id and type-mismatch report these
        if twin.value == fact.value:
            continue
        if isinstance(fact.value, str) and "\n" in fact.value + str(twin.value):
            message = _lines_differ(fact, twin, pair)
        else:
            message = (
                f"{fact_id} is {show(fact.value)} in {pair.target.lang} "
                f"but {show(twin.value)} in {pair.source.lang}"
            )
        yield Hit(message, fact.pos, unit_id=fact_id, twin=twin.pos)
