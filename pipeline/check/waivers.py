"""Waivers: ``ignore: {rule-id: reason}`` on a unit excuses that rule's findings on it.

A waiver must name a rule of the catalog, and one that excuses nothing is reported so that
waivers do not outlive the problems they were written for.
"""

from __future__ import annotations

from collections.abc import Iterator

from pipeline.check.catalog import Hit, rule
from pipeline.check.context import WaiverContext


@rule("unknown-waiver", "error", "a waiver names a rule that does not exist", scope="waivers")
def unknown_waiver(ctx: WaiverContext) -> Iterator[Hit]:
    for edition in ctx.editions:
        for unit in edition.units.values():
            for name, waiver in unit.waivers.items():
                if name not in ctx.known:
                    message = f"waiver of unknown rule {name!r} (see `pipeline check --list`)"
                    yield Hit(message, waiver.pos, unit)


@rule("unused-waiver", "warning", "a waiver excuses no finding (remove it)", scope="waivers")
def unused_waiver(ctx: WaiverContext) -> Iterator[Hit]:
    for edition in ctx.editions:
        for unit in edition.units.values():
            for name, waiver in unit.waivers.items():
                if name in ctx.ran and (id(unit), name) not in ctx.used:
                    yield Hit(f"the waiver of {name!r} excuses nothing here", waiver.pos, unit)
