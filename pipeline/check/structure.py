"""Structure rules: both editions have the same files, blocks, ids, lists, cells and kinds of value.

Each edition (a chapter, or the book's metadata) is turned into a tree of :class:`Node` objects
that says only what structure rules compare: every block, item, column, row, cell, note and
footnote with its id, kind, position and style, its optional parts (a callout's title, a
quote's attribution, a note's URL) and its ordered groups (a body's blocks, a list's items, a
table's columns, rows and notes). The trees of a pair are compared once, top down, pairing
nodes by id, and every structure rule takes its findings from that one comparison. A subtree
missing from one edition is reported once, at its root, and nothing under it is compared.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from pipeline.check.catalog import Hit, rule
from pipeline.check.context import Document, Edition, Pair, RunContext
from pipeline.errors import Position, display_path
from pipeline.model import (
    Block,
    Callout,
    Chapter,
    Code,
    Fact,
    Figure,
    ListBlock,
    Math,
    Paragraph,
    Quote,
    Section,
    Table,
    Unit,
)

# What each kind of node is called in messages (with its article).
KIND_NAMES = {
    "chapter": "a chapter",
    "meta": "the book's metadata",
    "paragraph": "a paragraph",
    "section": "a section",
    "list": "a list",
    "item": "a list item",
    "table": "a table",
    "column": "a table column",
    "row": "a table row",
    "note": "a table note",
    "callout": "a callout",
    "quote": "a quote",
    "code": "a code block",
    "figure": "a figure",
    "math": "a formula",
    "footnote": "a footnote",
    "text": "translatable text",
    "url": "a URL",
    "note-ref": "a note reference",
    "flag": "a yes/no flag",
    "names": "a list of names",
    "number": "a number",
}
# Ordered groups: what their members are called in list-length messages.
GROUP_NOUNS = {
    "body": "block",
    "items": "item",
    "columns": "column",
    "rows": "row",
    "notes": "note",
    "footnotes": "footnote",
}
CELLS = "cells"  # the group of a row's cells: unordered, and a row may omit cells


class Node:
    """Anything with an id in an edition, as far as structure rules are concerned.

    A plain class, not a dataclass: `pipeline check` must start fast (see pipeline.record).
    """

    __slots__ = ("groups", "id", "kind", "parts", "pos", "style", "unit", "what")

    def __init__(
        self,
        id: str,
        kind: str,  # a key of KIND_NAMES
        pos: Position,
        unit: Unit | None = None,  # the node's own unit (a paragraph's text, a section's title)
        style: str = "",  # list style, callout kind, section numbering, table row header
        what: str = "",  # how messages name it when its kind does not say enough ("callout title")
    ) -> None:
        self.id = id
        self.kind = kind
        self.pos = pos
        self.unit = unit
        self.style = style
        self.what = what or KIND_NAMES[kind].split(" ", 1)[1]
        self.parts: dict[str, Node] = {}  # optional single children, by role
        self.groups: dict[str, list[Node]] = {}  # ordered children, by role

    def units(self) -> Iterator[Unit]:
        """Every unit of the subtree (the first one carries the waivers of a missing subtree)."""
        if self.unit is not None:
            yield self.unit
        for part in self.parts.values():
            yield from part.units()
        for group in self.groups.values():
            for node in group:
                yield from node.units()


def cell_kind(value: Unit | Fact) -> str:
    """The kind of a table cell's value: text, flag, names or number (an integer, or a decimal
    number kept as written)."""
    if isinstance(value, Unit):
        return "text"
    if isinstance(value.value, bool):
        return "flag"
    if isinstance(value.value, tuple):
        return "names"
    return "number"


def _unit_node(unit: Unit, what: str) -> Node:
    return Node(unit.id, "text", unit.pos, unit, what=what)


def _fact_node(fact: Fact, node_kind: str, what: str = "") -> Node:
    return Node(fact.id, node_kind, fact.pos, what=what)


def _list_node(block: ListBlock) -> Node:
    node = Node(block.id, "list", block.pos, style=block.style)
    items = node.groups["items"] = []
    for item in block.items:
        inode = Node(item.id, "item", item.pos, item.text)
        if item.sublist is not None:
            inode.parts["list"] = _list_node(item.sublist)
        items.append(inode)
    return node


def _table_node(t: Table) -> Node:
    node = Node(t.id, "table", t.pos, t.caption, style="row header" if t.row_header else "no row header")
    columns = node.groups["columns"] = []
    for col in t.columns:
        cnode = Node(col.label.id, "column", col.label.pos, col.label)
        if col.note is not None:
            cnode.parts["note"] = _fact_node(col.note, "note-ref", "note reference of the column")
        columns.append(cnode)
    rows = node.groups["rows"] = []
    for row in t.rows:
        rnode = Node(row.id, "row", row.pos)
        cells = rnode.groups[CELLS] = []
        for cell in row.cells.values():
            value = cell.value
            unit = value if isinstance(value, Unit) else None
            cellnode = Node(cell.id, cell_kind(value), value.pos, unit, what="cell")
            if cell.note is not None:
                cellnode.parts["note"] = _fact_node(cell.note, "note-ref", "note reference of the cell")
            cells.append(cellnode)
        rows.append(rnode)
    notes = node.groups["notes"] = []
    for note in t.notes:
        nnode = Node(note.id, "note", note.pos)
        if note.text is not None:
            nnode.parts["text"] = _unit_node(note.text, "text of the note")
        if note.url is not None:
            nnode.parts["url"] = _fact_node(note.url, "url", "URL of the note")
        notes.append(nnode)
    return node


def block_node(block: Block) -> Node:
    """The node of one block and everything in it."""
    if isinstance(block, Paragraph):
        return Node(block.id, "paragraph", block.pos, block.text)
    if isinstance(block, ListBlock):
        return _list_node(block)
    if isinstance(block, Table):
        return _table_node(block)
    if isinstance(block, Section):
        node = Node(
            block.id, "section", block.pos, block.title, "numbered" if block.numbered else "unnumbered"
        )
        node.groups["body"] = [block_node(b) for b in block.blocks]
        return node
    if isinstance(block, Callout):
        node = Node(block.id, "callout", block.pos, style=block.style)
        if block.title is not None:
            node.parts["title"] = _unit_node(block.title, "callout title")
        node.groups["body"] = [block_node(b) for b in block.blocks]
        return node
    if isinstance(block, Quote):
        node = Node(block.id, "quote", block.pos, block.text)
        if block.attribution is not None:
            node.parts["attribution"] = _unit_node(block.attribution, "attribution")
        return node
    if isinstance(block, Code):
        node = Node(block.id, "code", block.pos)  # its text and language are facts (fact-mismatch)
        if block.caption is not None:
            node.parts["caption"] = _unit_node(block.caption, "code caption")
        return node
    if isinstance(block, Figure):  # its file is a fact (fact-mismatch); neutral is a style
        node = Node(
            block.id, "figure", block.pos, block.caption, "neutral" if block.neutral else "per language"
        )
        node.parts["alt"] = _unit_node(block.alt, "alt text")
        return node
    if isinstance(block, Math):  # its TeX is a fact (fact-mismatch)
        return Node(block.id, "math", block.pos, style="numbered" if block.numbered else "unnumbered")
    raise TypeError(f"no structure for a {block.kind} block")  # a new kind must be added here


def tree(doc: Document) -> Node:
    """The structure of a chapter or of the book's metadata in one language."""
    if not isinstance(doc, Chapter):
        root = Node("", "meta", doc.pos)
        for unit in doc.units():
            root.parts[unit.id] = _unit_node(unit, "book metadata")
        return root
    root = Node("", "chapter", doc.pos, doc.title)
    root.groups["body"] = [block_node(b) for b in doc.blocks]
    root.groups["footnotes"] = [Node(f.id, "footnote", f.pos, f.text) for f in doc.footnotes]
    return root


# -- comparing two trees ---------------------------------------------------------------------


class Diff:
    """The structure findings of one pair, by rule id, found in one walk over both trees."""

    __slots__ = ("hits", "pair")

    def __init__(self, pair: Pair) -> None:
        self.pair = pair
        self.hits: dict[str, list[Hit]] = {}

    def add(self, rule_id: str, hit: Hit) -> None:
        self.hits.setdefault(rule_id, []).append(hit)


def _tree(pair: Pair, edition: Edition) -> Node:
    """``tree`` of an edition, built once per run (a source edition pairs with every translation)."""
    key = f"tree:{id(edition)}"
    found = pair.run.cache.get(key)
    if not isinstance(found, Node):
        found = pair.run.cache[key] = tree(edition.doc)
    return found


def diff(pair: Pair) -> Diff:
    """The structure findings of a pair, found once per run (every structure rule reads them)."""
    key = f"diff:{id(pair)}"
    found = pair.run.cache.get(key)
    if not isinstance(found, Diff):
        found = pair.run.cache[key] = Diff(pair)
        _compare(found, _tree(pair, pair.source), _tree(pair, pair.target))
    return found


def _name(node: Node) -> str:
    return f"the {node.what} {node.id}" if node.id else f"the {node.what}"


def _compare(d: Diff, s: Node, t: Node) -> None:
    """Compare two nodes of the same id and kind, and everything under them."""
    pair = d.pair
    s_lang, t_lang = pair.source.lang, pair.target.lang
    if s.style != t.style:
        rule_id = "list-style" if s.kind == "list" else "block-style"
        verb = "has" if t.kind == "table" else "is"
        message = f"{_name(t)} {verb} {_styled(t)} in {t_lang} but {_styled(s)} in {s_lang}"
        d.add(rule_id, Hit(message, t.pos, unit=t.unit, unit_id=t.id, twin=s.pos))
    for role in dict.fromkeys((*s.parts, *t.parts)):
        sp, tp = s.parts.get(role), t.parts.get(role)
        if sp is not None and tp is not None:
            _pair_nodes(d, sp, tp)
        elif role == "list" and t.kind == "item":  # nesting differs: a list under one item only
            here, there, lang, other = (s, t, s_lang, t_lang) if sp is not None else (t, s, t_lang, s_lang)
            message = f"the list item {here.id} has a nested list in {lang} but not in {other}"
            d.add("list-style", Hit(message, here.pos, unit=here.unit, unit_id=here.id, twin=there.pos))
        elif sp is not None:
            _missing(d, sp, True, s, t)
        elif tp is not None:
            _missing(d, tp, False, t, s)
    for role in dict.fromkeys((*s.groups, *t.groups)):
        _compare_group(d, s, t, role)


def _styled(node: Node) -> str:
    """What a node's style makes it, for block-style and list-style messages (after "is" or,
    for a table, "has")."""
    if node.kind == "list":
        return f"a {node.style} list (style: {node.style})"
    if node.kind == "callout":
        return f"a {node.style} callout (callout: {node.style})"
    if node.kind == "table":
        return "a row header (row-header: true)" if node.style == "row header" else "no row header"
    return "numbered" if node.style == "numbered" else "not numbered (numbered: false)"


def _pair_nodes(d: Diff, s: Node, t: Node) -> None:
    """Two nodes of the same id: the same kind, then compared further."""
    if s.kind == t.kind:
        _compare(d, s, t)
        return
    t_lang, s_lang = d.pair.target.lang, d.pair.source.lang
    message = f"{t.id} is {KIND_NAMES[t.kind]} in {t_lang} but {KIND_NAMES[s.kind]} in {s_lang}"
    d.add("type-mismatch", Hit(message, t.pos, unit=t.unit, unit_id=t.id, twin=s.pos))


def _missing(d: Diff, node: Node, in_source: bool, parent: Node, twin_parent: Node) -> None:
    """``node`` (and all under it) is in one edition only: reported once, at its root."""
    this, other = (d.pair.source, d.pair.target) if in_source else (d.pair.target, d.pair.source)
    unit = next(node.units(), None)  # its waivers may excuse the finding
    where = display_path(other.path)
    message = f"{_name(node)} is in the {this.lang} edition but not in {other.lang} ({where})"
    message += _did_you_mean(node, parent, twin_parent)
    d.add("missing-id", Hit(message, node.pos, unit=unit, unit_id=node.id, twin=twin_parent.pos))


def _children(node: Node) -> list[Node]:
    return [*node.parts.values(), *(n for g in node.groups.values() for n in g)]


def _did_you_mean(node: Node, parent: Node, twin_parent: Node) -> str:
    """A close id among the twin parent's children that this edition lacks (a renamed id)."""
    mine = {n.id for n in _children(parent)}
    candidates = [n.id for n in _children(twin_parent) if n.id not in mine and n.kind == node.kind]
    if not candidates:
        return ""
    import difflib  # only when an id is missing: not needed to start

    found = difflib.get_close_matches(node.id, candidates, n=1, cutoff=0.6)
    return f"; did you mean {found[0]}?" if found else ""


def _find(root: Node, node_id: str) -> Node | None:
    stack = [root]
    while stack:
        node = stack.pop()
        if node.id == node_id and node.kind != "text":
            return node
        stack.extend(node.parts.values())
        for group in node.groups.values():
            stack.extend(group)
    return None


def _compare_group(d: Diff, s: Node, t: Node, role: str) -> None:
    pair = d.pair
    s_items, t_items = s.groups.get(role, []), t.groups.get(role, [])
    s_by, t_by = {n.id: n for n in s_items}, {n.id: n for n in t_items}
    if role == CELLS:
        _compare_cells(d, s, t, s_by, t_by)
        return
    for node in s_items:
        if node.id not in t_by:
            _missing(d, node, True, s, t)
    for node in t_items:
        if node.id not in s_by:
            _missing(d, node, False, t, s)
    for node in t_items:
        twin = s_by.get(node.id)
        if twin is not None:
            _pair_nodes(d, twin, node)
    name = _group_name(t, role)
    if len(s_items) != len(t_items):
        pos = t_items[0].pos if t_items else t.pos
        twin_pos = s_items[0].pos if s_items else s.pos
        message = (
            f"{name} has {_count(len(t_items), GROUP_NOUNS[role])} in {pair.target.lang} "
            f"but {_count(len(s_items), GROUP_NOUNS[role])} in {pair.source.lang}"
        )
        d.add("list-length", Hit(message, pos, unit_id=_group_id(t, role), twin=twin_pos))
    s_common = [n for n in s_items if n.id in t_by]
    t_common = [n for n in t_items if n.id in s_by]
    for n, (sn, tn) in enumerate(zip(s_common, t_common, strict=True), 1):
        if sn.id != tn.id:
            message = (
                f"{name}: {GROUP_NOUNS[role]} {n} is {tn.id} in {pair.target.lang} "
                f"but {sn.id} in {pair.source.lang}"
            )
            d.add("order", Hit(message, tn.pos, unit=tn.unit, unit_id=tn.id, twin=sn.pos))
            break  # one finding per group: the rest follows from it


def _group_name(owner: Node, role: str) -> str:
    if role == "footnotes":
        return "the footnotes"
    if role == "body":
        return f"the body of {_name(owner)}" if owner.id else "the chapter body"
    if role == "items":
        return f"the list {owner.id}"
    return f"the table {owner.id}"  # its columns, rows or notes: the noun says which


def _group_id(owner: Node, role: str) -> str:
    if role == "items":
        return owner.id
    return f"{owner.id}.{role}" if owner.id else role


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' if n != 1 else ''}"


def _compare_cells(d: Diff, s: Node, t: Node, s_by: dict[str, Node], t_by: dict[str, Node]) -> None:
    """A row's cells: the same kinds of value; a cell in one edition only is ``missing-cell``
    (unless its whole column is missing, which ``missing-id`` reports once)."""
    pair = d.pair
    columns: set[str] | None = None  # found only when a cell is missing
    for this_by, other_by, this, other, here, there in (
        (s_by, t_by, pair.source, pair.target, s, t),
        (t_by, s_by, pair.target, pair.source, t, s),
    ):
        for cell_id, cell in this_by.items():
            if cell_id in other_by:
                continue
            if columns is None:
                columns = _columns(pair, t.id)
            column = cell_id.rsplit(".", 1)[1]
            if column not in columns:
                continue  # the column is in one edition only: missing-id reports it once
            row = here.id.rsplit(".", 1)[1]
            message = f"row {row} has a {column} cell in {this.lang} but not in {other.lang}"
            d.add("missing-cell", Hit(message, cell.pos, unit=cell.unit, unit_id=cell_id, twin=there.pos))
    for cell_id, cell in t_by.items():
        twin = s_by.get(cell_id)
        if twin is not None:
            _pair_nodes(d, twin, cell)


def _columns(pair: Pair, row_id: str) -> set[str]:
    """The column ids both editions' tables have, for the table of a row (TABLE.rows.ROW)."""
    table_id = row_id.rsplit(".", 2)[0]
    found = []
    for edition in (pair.source, pair.target):
        table = _find(_tree(pair, edition), table_id)
        cols = table.groups.get("columns", []) if table is not None else []
        found.append({c.id.rsplit(".", 1)[1] for c in cols})
    return found[0] & found[1]


# -- the rules ---------------------------------------------------------------------------------


@rule("twin-file", "error", "a chapter file has no twin of the same name in every language", scope="book")
def twin_file(ctx: RunContext) -> Iterator[Hit]:
    book = ctx.book
    for lang, path in book.orphans:
        name = os.path.basename(path)
        for other in book.langs:
            expected = os.path.join(book.root, other, name)
            if other != lang and not os.path.exists(expected):
                yield Hit(f"no twin in {other}: expected {display_path(expected)}", Position(path, 1, 1))


@rule(
    "missing-id",
    "error",
    "a block, unit, item, column, row, note, footnote or fact is in one edition only "
    "(reported once, at the highest missing one)",
    scope="pair",
)
def missing_id(pair: Pair) -> list[Hit]:
    return diff(pair).hits.get("missing-id", [])


@rule("missing-cell", "error", "a table row has a cell in one edition only", scope="pair")
def missing_cell(pair: Pair) -> list[Hit]:
    return diff(pair).hits.get("missing-cell", [])


@rule(
    "list-length",
    "error",
    "a body, list, nested list, table (columns, rows, notes) or the footnotes differ in length",
    scope="pair",
)
def list_length(pair: Pair) -> list[Hit]:
    return diff(pair).hits.get("list-length", [])


@rule(
    "order",
    "error",
    "blocks, items, columns, rows, notes or footnotes present in both editions come in a different order",
    scope="pair",
)
def order(pair: Pair) -> list[Hit]:
    return diff(pair).hits.get("order", [])


@rule(
    "type-mismatch",
    "error",
    "an id is a different kind of block or value in the two editions (a list vs a paragraph, a flag vs text)",
    scope="pair",
)
def type_mismatch(pair: Pair) -> list[Hit]:
    return diff(pair).hits.get("type-mismatch", [])


@rule(
    "list-style",
    "error",
    "a list has another style (bullet, numbered, pros, cons) or another nesting in the two editions",
    scope="pair",
)
def list_style(pair: Pair) -> list[Hit]:
    return diff(pair).hits.get("list-style", [])


@rule(
    "block-style",
    "error",
    "a callout has another kind, a section another numbering or a table another row header",
    scope="pair",
)
def block_style(pair: Pair) -> list[Hit]:
    return diff(pair).hits.get("block-style", [])
