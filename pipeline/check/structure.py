"""Structure rules: both editions have the same files, ids, lists, cells and kinds of value."""

from __future__ import annotations

import os
from collections.abc import Iterator

from pipeline.check.catalog import Hit, rule
from pipeline.check.context import Edition, Pair, RunContext
from pipeline.errors import Position, display_path
from pipeline.model import Chapter, Fact, Unit

KIND_NAMES = {
    "text": "translatable text",
    "flag": "a yes/no flag",
    "names": "a list of names",
    "number": "a number",
    "name": "a name",
    "row": "a table row",
    "profile": "a profile",
    "note": "a URL-only note",
}


class Item:
    """Anything with an id in a chapter: a unit, a fact or a container (row, profile, note).

    A plain class, not a dataclass: `pipeline check` must start fast (see pipeline.record).
    """

    __slots__ = ("id", "kind", "pos", "unit")

    def __init__(self, id: str, kind: str, pos: Position, unit: Unit | None = None) -> None:
        self.id = id
        self.kind = kind
        self.pos = pos
        self.unit = unit


def kind(value: Unit | Fact) -> str:
    if isinstance(value, Unit):
        return "text"
    if isinstance(value.value, bool):
        return "flag"
    if isinstance(value.value, tuple):
        return "names"
    return "number" if isinstance(value.value, int) else "name"


def items(chapter: Chapter) -> dict[str, Item]:
    """Every id of a chapter with its kind and position."""
    out = {u.id: Item(u.id, "text", u.pos, u) for u in chapter.units()}
    out.update({f.id: Item(f.id, kind(f), f.pos) for f in chapter.facts()})
    containers = [(f"table.rows.{s.id}", "row", s.pos) for s in chapter.table.subjects]
    containers += [(f"profiles.{p.id}", "profile", p.pos) for p in chapter.profiles]
    containers += [(f"table.notes.{n.id}", "note", n.pos) for n in chapter.table.notes]
    for cid, k, pos in containers:
        out.setdefault(cid, Item(cid, k, pos))  # a note with text is already a unit
    return out


def cell_ids(chapter: Chapter) -> set[str]:
    return {c.id for s in chapter.table.subjects for c in s.cells.values()}


def _prefixes(item_id: str) -> Iterator[str]:
    parts = item_id.split(".")
    for i in range(1, len(parts)):
        yield ".".join(parts[:i])


def _nearest(ids: dict[str, Item], item_id: str, fallback: Position) -> Position:
    """Position of the deepest ancestor of ``item_id`` that exists (for the twin position)."""
    found = [ids[p].pos for p in _prefixes(item_id) if p in ids]
    return found[-1] if found else fallback


@rule("twin-file", "error", "a chapter file has no twin of the same name in every language", scope="book")
def twin_file(ctx: RunContext) -> Iterator[Hit]:
    book = ctx.book
    for lang, path in book.orphans:
        name = os.path.basename(path)
        for other in book.langs:
            expected = os.path.join(book.root, other, name)
            if other != lang and not os.path.exists(expected):
                yield Hit(f"no twin in {other}: expected {display_path(expected)}", Position(path, 1, 1))


def _items(pair: Pair, edition: Edition) -> dict[str, Item]:
    """``items`` of an edition, computed once per run (several rules need them)."""
    key = f"items:{edition.path}"
    found = pair.run.cache.get(key)
    if not isinstance(found, dict):
        found = pair.run.cache[key] = items(edition.chapter)
    return found


def _sides(pair: Pair) -> Iterator[tuple[Edition, Edition, dict[str, Item], dict[str, Item]]]:
    a, b = _items(pair, pair.source), _items(pair, pair.target)
    yield pair.source, pair.target, a, b
    yield pair.target, pair.source, b, a


@rule(
    "missing-id",
    "error",
    "an id (unit, fact, row, profile or note) is present in one edition only",
    scope="pair",
)
def missing_id(pair: Pair) -> Iterator[Hit]:
    cells: set[str] | None = None  # found only when some id is missing
    for this, other, mine, theirs in _sides(pair):
        if mine.keys() <= theirs.keys():
            continue  # the usual case, told without a Python loop over every id
        if cells is None:
            cells = cell_ids(pair.source.chapter) | cell_ids(pair.target.chapter)
        for item in mine.values():
            if item.id in theirs or item.id in cells:
                continue  # cells have their own rule
            if any(p in mine and p not in theirs for p in _prefixes(item.id)):
                continue  # reported once, at the missing row, profile or note
            twin = _nearest(theirs, item.id, other.chapter.pos)
            where = display_path(other.path)
            message = f"{item.id} is in the {this.lang} edition but not in {other.lang} ({where})"
            yield Hit(
                message + _misspelt(item.id, mine, theirs, other.lang),
                item.pos,
                unit=item.unit,
                unit_id=item.id,
                twin=twin,
            )


def _misspelt(item_id: str, mine: dict[str, Item], theirs: dict[str, Item], lang: str) -> str:
    """``"; did you mean 'ID' (in zh)?"`` naming the closest sibling id that only the other
    edition has (fine-tuning for fine-tunning), or ``""``."""
    from pipeline.suggest import close_id

    parent = item_id.rpartition(".")[0]
    found = close_id(item_id, [i for i in theirs if i not in mine and i.rpartition(".")[0] == parent])
    return f"; did you mean {found!r} (in {lang})?" if found else ""


@rule("missing-cell", "error", "a table row has a cell in one edition only", scope="pair")
def missing_cell(pair: Pair) -> Iterator[Hit]:
    for this, other, _, _ in _sides(pair):
        for subject in this.chapter.table.subjects:
            twin_subject = other.chapter.table.subject(subject.id)
            if twin_subject is None:
                continue  # the whole row is missing: missing-id
            for crit, cell in subject.cells.items():
                if crit not in twin_subject.cells:
                    yield Hit(
                        f"row {subject.id} has a {crit} cell in {this.lang} but not in {other.lang}",
                        cell.value.pos,
                        unit=cell.value if isinstance(cell.value, Unit) else None,
                        unit_id=cell.id,
                        twin=twin_subject.pos,
                    )


def lists(chapter: Chapter) -> dict[str, tuple[Position, list[tuple[str, Position]]]]:
    """Every ordered list of a chapter: name -> (where the list is, [(item id, position)])."""
    t = chapter.table
    out = {
        "introduction": (chapter.pos, [(u.id, u.pos) for u in chapter.introduction]),
        "table.criteria": (chapter.pos, [(c.label.id, c.label.pos) for c in t.criteria]),
        "table.rows": (chapter.pos, [(f"table.rows.{s.id}", s.pos) for s in t.subjects]),
        "table.notes": (chapter.pos, [(f"table.notes.{n.id}", n.pos) for n in t.notes]),
        "profiles": (chapter.pos, [(f"profiles.{p.id}", p.pos) for p in chapter.profiles]),
    }
    for p in chapter.profiles:
        for name in ("description", "pros", "cons"):
            units: list[Unit] = getattr(p, name)
            out[f"profiles.{p.id}.{name}"] = (p.pos, [(u.id, u.pos) for u in units])
    return out


def _lists(pair: Pair, edition: Edition) -> dict[str, tuple[Position, list[tuple[str, Position]]]]:
    """``lists`` of an edition, computed once per run (list-length and order need them)."""
    key = f"lists:{edition.path}"
    found = pair.run.cache.get(key)
    if not isinstance(found, dict):
        found = pair.run.cache[key] = lists(edition.chapter)
    return found


def _common_lists(pair: Pair) -> Iterator[tuple[str, tuple[Position, list], tuple[Position, list]]]:
    src, tgt = _lists(pair, pair.source), _lists(pair, pair.target)
    for name, target in tgt.items():
        if name in src:
            yield name, src[name], target


@rule(
    "list-length",
    "error",
    "a list (paragraphs, rows, notes, profiles, pros, cons) differs in length",
    scope="pair",
)
def list_length(pair: Pair) -> Iterator[Hit]:
    s_lang, t_lang = pair.source.lang, pair.target.lang
    for name, (s_where, s_items), (t_where, t_items) in _common_lists(pair):
        if len(s_items) != len(t_items):
            pos = t_items[0][1] if t_items else t_where
            twin = s_items[0][1] if s_items else s_where
            message = f"{name} has {_count(len(t_items))} in {t_lang} but {_count(len(s_items))} in {s_lang}"
            yield Hit(message, pos, unit_id=name, twin=twin)


def _count(n: int) -> str:
    return f"{n} item{'s' if n != 1 else ''}"


@rule("order", "error", "items present in both editions come in a different order", scope="pair")
def order(pair: Pair) -> Iterator[Hit]:
    for name, (_, s_items), (_, t_items) in _common_lists(pair):
        t_ids = {i for i, _ in t_items}
        s_ids = {i for i, _ in s_items}
        s_common = [(i, p) for i, p in s_items if i in t_ids]
        t_common = [(i, p) for i, p in t_items if i in s_ids]
        for n, ((s_id, s_pos), (t_id, t_pos)) in enumerate(zip(s_common, t_common, strict=True), 1):
            if s_id != t_id:
                message = f"{name}: item {n} is {t_id} in {pair.target.lang} but {s_id} in {pair.source.lang}"
                yield Hit(message, t_pos, unit_id=t_id, twin=s_pos)
                break  # one finding per list: the rest follows from it


@rule("type-mismatch", "error", "an id holds different kinds of value in the two editions", scope="pair")
def type_mismatch(pair: Pair) -> Iterator[Hit]:
    src, tgt = _items(pair, pair.source), _items(pair, pair.target)
    for item_id, t in tgt.items():
        s = src.get(item_id)
        if s is not None and s.kind != t.kind:
            message = (
                f"{item_id} is {KIND_NAMES[t.kind]} in {pair.target.lang} "
                f"but {KIND_NAMES[s.kind]} in {pair.source.lang}"
            )
            yield Hit(message, t.pos, unit=t.unit, unit_id=item_id, twin=s.pos)
