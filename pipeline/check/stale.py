"""Stale translations: each translation unit records the fingerprint of the source text it
translates (``source:``). When the source text changes the unit is stale until a translator
reviews it and accepts it (``pipeline stamp ID``, or ``pipeline check --accept ID``), which is
the only thing that rewrites a fingerprint.
"""

from __future__ import annotations

from collections.abc import Iterator

from pipeline.check import untranslated  # noqa: F401 - registers 'empty', which stale waits for
from pipeline.check.catalog import Hit, rule
from pipeline.check.context import Pair
from pipeline.model import Unit, fingerprint


def is_stale(source: Unit, target: Unit) -> bool:
    """True when the target's fingerprint is missing or is not that of the source's text."""
    return target.source != fingerprint(source.text)


@rule(
    "stale",
    "error",
    "a translation's fingerprint is missing or not that of its source text (`pipeline stamp ID` accepts it)",
    scope="twins",
    unless=("empty",),  # a unit not translated yet is reported once, as empty
)
def stale(source: Unit, target: Unit, pair: Pair) -> Iterator[Hit]:
    if not is_stale(source, target):
        return
    from pipeline.cli import command_line  # only for a stale unit: a command to suggest

    s_lang = pair.source.lang
    accept = f"review it and run `{command_line(pair.run.book.root, 'stamp', target.id)}`"
    if target.source is None:
        message = f"no fingerprint of the {s_lang} text; {accept}"
        yield Hit(message, target.pos, target, twin=source.pos, twin_unit=source)
        return
    message = (
        f"the {s_lang} text changed since this was translated (fingerprint {target.source}, "
        f"now {fingerprint(source.text)}); {accept}"
    )
    yield Hit(message, target.source_pos or target.pos, target, twin=source.pos, twin_unit=source)
