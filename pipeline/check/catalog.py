"""The rule catalog: every check is a small named function registered here, in order.

A rule has an id (used in findings, waivers and on the command line), a severity, a category
(the module that defines it), a one-line description and a scope saying what it looks at:

``book``
    ``fn(ctx: RunContext)``: the whole book (files without a twin, the glossary).
``pair``
    ``fn(pair: Pair)``: a translated edition with its source edition (structure, facts): a
    chapter with its source chapter, or the book's metadata with the source language's.
``unit``
    ``fn(unit: Unit, ctx: UnitContext)``: every unit of every edition (empty text, typography).
``twins``
    ``fn(source: Unit, target: Unit, pair: Pair)``: a translation unit with its source twin.
``waivers``
    ``fn(ctx: WaiverContext)``: the waivers themselves, after every other rule ran.

Like pofilter's preconditions, ``unless`` names earlier rules whose finding on a unit (or on
either twin) makes this rule skip it: no "numbers" finding on a unit already reported as
untranslated. Rules yield :class:`Hit` objects; the engine adds the rule id and severity.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable

from pipeline.check.findings import SEVERITIES, Severity
from pipeline.errors import Position
from pipeline.model import Unit

Scope = str  # one of SCOPES (a plain str: typing is not imported at start-up)
SCOPES = ("book", "pair", "unit", "twins", "waivers")
RULE_MODULES = (
    "structure",
    "facts",
    "figures",
    "untranslated",
    "markup",
    "invariants",
    "terminology",
    "typography",
    "stale",
    "waivers",
)

# The classes of this package are plain classes with __slots__, not dataclasses: `pipeline check`
# must start fast, and dataclasses cost it about 30 ms (see pipeline.record).


class Hit:
    """What a rule found: a message at a position, about a unit (whose waivers apply) or an id."""

    __slots__ = ("message", "pos", "twin", "twin_unit", "unit", "unit_id")

    def __init__(
        self,
        message: str,
        pos: Position,
        unit: Unit | None = None,
        unit_id: str | None = None,  # for findings about facts, lists and other non-units
        twin: Position | None = None,
        twin_unit: Unit | None = None,  # its waivers apply too
    ) -> None:
        self.message = message
        self.pos = pos
        self.unit = unit
        self.unit_id = unit_id
        self.twin = twin
        self.twin_unit = twin_unit

    @property
    def id(self) -> str | None:
        return self.unit.id if self.unit is not None else self.unit_id


class Rule:
    __slots__ = ("category", "description", "function", "id", "scope", "severity", "unless")

    def __init__(
        self,
        id: str,
        severity: Severity,
        category: str,
        description: str,
        function: Callable[..., Iterable[Hit]],
        scope: Scope,
        unless: tuple[str, ...] = (),
    ) -> None:
        self.id = id
        self.severity = severity
        self.category = category
        self.description = description
        self.function = function
        self.scope = scope
        self.unless = unless

    def __repr__(self) -> str:
        return f"Rule({self.id!r}, {self.severity!r}, scope={self.scope!r})"


_CATALOG: dict[str, Rule] = {}


def rule(
    rule_id: str, severity: Severity, description: str, *, scope: Scope, unless: tuple[str, ...] = ()
) -> Callable[[Callable[..., Iterable[Hit]]], Callable[..., Iterable[Hit]]]:
    """Register the decorated function as a rule (in definition order)."""

    def register(fn: Callable[..., Iterable[Hit]]) -> Callable[..., Iterable[Hit]]:
        if rule_id in _CATALOG:
            raise ValueError(f"rule {rule_id!r} is defined twice")
        if severity not in SEVERITIES or scope not in SCOPES:
            raise ValueError(f"rule {rule_id!r}: bad severity {severity!r} or scope {scope!r}")
        for earlier in unless:
            if earlier not in _CATALOG:  # a precondition must run first
                raise ValueError(f"rule {rule_id!r}: precondition {earlier!r} is not defined before it")
        category = fn.__module__.rsplit(".", 1)[-1]
        _CATALOG[rule_id] = Rule(rule_id, severity, category, description, fn, scope, unless)
        return fn

    return register


def catalog() -> dict[str, Rule]:
    """Every rule, in the order they run (and are listed)."""
    for name in RULE_MODULES:
        importlib.import_module(f"pipeline.check.{name}")
    return dict(_CATALOG)
