"""Runs the catalog's rules over a book and turns their hits into findings.

Each translated chapter is paired with the source chapter of the same key, and each
translation's book metadata (book.yaml) with the source language's; units pair with their twins
by id. Rules run in catalog order so that preconditions (``Rule.unless``) can skip
units an earlier rule already reported. A finding on a unit (or on its twin) whose ``ignore``
names the rule is waived: kept apart with the waiver's reason, and not counted.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from pipeline import gcpause
from pipeline.check import conventions, scan
from pipeline.check.catalog import Hit, Rule, catalog
from pipeline.check.context import Edition, Pair, RunContext, UnitContext, WaiverContext
from pipeline.check.findings import Finding, Result
from pipeline.model import Book, Unit

# rule id -> {id() of each unit it reported}: identity, not (path, unit id), since the book's
# metadata in every language shares one file and one set of ids
Fired = dict[str, set[int]]


class _Run:
    """One run: the editions, their pairs, and which rule reported which unit so far."""

    def __init__(self, book: Book) -> None:
        self.ctx = RunContext(book)
        self.editions = [Edition.of(ch) for lang in book.langs for ch in book.chapters[lang].values()]
        self.editions += [Edition.of(book.meta[lang]) for lang in book.langs if lang in book.meta]
        # chapters pair by key, the metadata with the metadata (a chapter file may be named "book")
        by_key = {(type(e.doc), e.lang, e.key): e for e in self.editions}
        self.pairs: list[Pair] = []
        for target in self.editions:
            source = by_key.get((type(target.doc), book.source_lang, target.key))
            if target.lang != book.source_lang and source is not None:
                self.pairs.append(Pair(self.ctx, source, target))
        # each translated unit with its source twin, found once rather than once per rule
        self.twins = [
            (p, [(p.source.units[i], t) for i, t in p.target.units.items() if i in p.source.units])
            for p in self.pairs
        ]
        self.fired: Fired = {}

    def blocked(self, rule: Rule) -> set[int]:
        """id() of the units an earlier rule named in ``rule.unless`` reported."""
        return set().union(*(self.fired.get(pre, set()) for pre in rule.unless))

    def hits(self, rule: Rule) -> list[Hit]:
        # A list filled with extend() rather than a chain of generators: the rules run once per
        # unit, hundreds of thousands of times in a large book, and each delegation costs.
        fn = rule.function
        out: list[Hit] = []
        if rule.scope == "book":
            out.extend(fn(self.ctx))
        elif rule.scope == "pair":
            for pair in self.pairs:
                out.extend(fn(pair))
        elif rule.scope == "unit":
            blocked = self.blocked(rule)
            for edition in self.editions:
                uctx = UnitContext(self.ctx, edition, self.ctx.book.source_lang)
                for unit in edition.units.values():
                    if not blocked or id(unit) not in blocked:
                        out.extend(fn(unit, uctx))
        elif rule.scope == "twins":
            blocked = self.blocked(rule)
            for pair, twins in self.twins:
                for source, target in twins:
                    if blocked and (id(target) in blocked or id(source) in blocked):
                        continue
                    out.extend(fn(source, target, pair))
        return out

    def record(self, rule: Rule, hits: Iterable[Hit]) -> list[Hit]:
        out = list(hits)
        mine = self.fired.setdefault(rule.id, set())
        for hit in out:
            if hit.unit is not None:
                mine.add(id(hit.unit))
        return out


def _waiver(hit: Hit, rule_id: str) -> tuple[Unit, str] | None:
    """The unit whose waiver excuses this hit, with the reason; None when nothing does."""
    for unit in (hit.unit, hit.twin_unit):
        if unit is not None and rule_id in unit.waivers:
            return unit, unit.waivers[rule_id].reason
    return None


def _finding(rule: Rule, hit: Hit, reason: str | None = None) -> Finding:
    p = hit.pos
    return Finding(rule.id, rule.severity, hit.id, p.path, p.line, p.column, hit.message, hit.twin, reason)


def select_rules(only: Collection[str] = (), skip: Collection[str] = ()) -> list[Rule]:
    """The catalog's rules, restricted to ``only`` (when given) and without ``skip``.

    Unknown ids raise KeyError naming the first of them.
    """
    rules = catalog()
    for rule_id in (*only, *skip):
        if rule_id not in rules:
            raise KeyError(rule_id)
    return [r for r in rules.values() if (not only or r.id in only) and r.id not in skip]


def check(book: Book, rules: list[Rule] | None = None) -> Result:
    """Run ``rules`` (default: the whole catalog) over ``book``."""
    rules = select_rules() if rules is None else rules
    # No cyclic garbage collection during the run: the loaded book is hundreds of thousands of
    # objects, each full collection walks them all, and the rules allocate enough to start
    # dozens of collections (a third of the run on a book of 100 chapters) while making no
    # reference cycles for them to free.
    try:
        with gcpause.paused():
            return _check(book, rules)
    finally:
        # the scanners' memos hold every text of the book: free them with the run
        scan.forget()
        conventions.forget()


def _check(book: Book, rules: list[Rule]) -> Result:
    run = _Run(book)
    paths = {e.path for e in run.editions} | ({book.glossary.path} if book.glossary.path else set())
    result = Result(files=len(paths))
    used: set[tuple[int, str]] = set()
    order = {r.id: i for i, r in enumerate(rules)}
    for rule in rules:
        if rule.scope == "waivers":
            continue
        for hit in run.record(rule, run.hits(rule)):
            waiver = _waiver(hit, rule.id)
            if waiver is None:
                result.findings.append(_finding(rule, hit))
            else:
                unit, reason = waiver
                used.add((id(unit), rule.id))
                result.waived.append(_finding(rule, hit, reason))
    wctx = WaiverContext(run.ctx, run.editions, {r.id for r in rules}, used, set(catalog()))
    for rule in rules:
        if rule.scope == "waivers":  # about the waivers themselves: never waivable
            result.findings.extend(_finding(rule, hit) for hit in rule.function(wctx))

    def key(f: Finding) -> tuple[str, int, int, int, str]:
        return (f.path, f.line, f.column, order[f.rule], f.message)

    result.findings.sort(key=key)
    result.waived.sort(key=key)
    return result
