"""Strict loading of a book's sources into the document model.

Every problem of every file is collected and reported together as
``path:line:col: field: message``; a book with problems raises :class:`SourceError`.
The file format is documented in the README ("Source format").
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from datetime import date

from pipeline import gcpause, langs, suggest, yamlsrc
from pipeline.errors import Position, Problem, SourceError, display_path
from pipeline.model import (
    CALLOUT_KINDS,
    LIST_STYLES,
    Block,
    Book,
    BookMeta,
    Callout,
    Cell,
    Chapter,
    Code,
    Column,
    Fact,
    Figure,
    Footnote,
    Glossary,
    Item,
    ListBlock,
    Math,
    Note,
    Paragraph,
    Quote,
    Rendering,
    Row,
    Section,
    Table,
    Term,
    Unit,
    Waiver,
    walk,
)
from pipeline.yamlsrc import Map, Node, Scalar, Seq

ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DECIMAL_RE = re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$")
URL_RE = re.compile(r"^https?://[^\s<>\"]+$")
KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
BOOK_FILE = "book.yaml"
UNIT_FIELDS = ("text", "source", "comment", "ignore")
ARTICLES = {"integer": "an integer", "null": "null", "list": "a list", "mapping": "a mapping"}


def _a(kind: str) -> str:
    return ARTICLES.get(kind, f"a {kind}")


class _Reader:
    """Turns one file's node tree into model objects, collecting problems as it goes."""

    def __init__(self, doc: yamlsrc.Document) -> None:
        self.doc = doc
        self.problems: list[Problem] = []
        self.starts: list[int] | None = None  # line offsets, computed on first need
        # (node, field, text, inline nodes) of every unit with tags: references are checked
        # against the chapter's targets once the whole file is read
        self.parsed: list[tuple[Scalar, str, str, list]] = []

    # -- reporting -------------------------------------------------------------------------
    def problem(self, node: Node | Position, fieldpath: str, message: str) -> None:
        pos = node if isinstance(node, Position) else node.pos
        self.problems.append(Problem(pos, fieldpath, message))

    def wrong_type(self, node: Node, fieldpath: str, expected: str) -> None:
        hint = ""
        if isinstance(node, Scalar) and node.plain and expected == "a string":
            hint = " (quote it to keep it as text)"
        self.problem(node, fieldpath, f"expected {expected}, got {_a(node.kind)}{hint}")

    # -- shapes ----------------------------------------------------------------------------
    def mapping(
        self, node: Node, fieldpath: str, required: tuple[str, ...], optional: tuple[str, ...] = ()
    ) -> Map | None:
        """A mapping with exactly the named fields (unknown ones and missing ones reported)."""
        if not isinstance(node, Map):
            self.wrong_type(node, fieldpath, "a mapping")
            return None
        allowed = set(required) | set(optional)
        for key, _ in node.pairs:
            if key.value not in allowed:
                known = ", ".join(sorted(allowed))
                hint = suggest.did_you_mean(key.value, allowed)
                message = f"unknown field{'; ' + hint if hint else ''} (expected one of: {known})"
                self.problem(key, _join(fieldpath, key.value), message)
        for name in required:
            if node.get(name) is None:
                typo = suggest.close_matches(name, [k.value for k, _ in node.pairs if k.value not in allowed])
                hint = f" ('{typo[0]}' misspelt?)" if typo else ""
                self.problem(node, _join(fieldpath, name), f"missing required field{hint}")
        return node

    def entries(
        self, node: Node, fieldpath: str, allow_empty: bool = False, units: bool = False
    ) -> list[tuple[str, Node]]:
        """A mapping of ids to values; the ids are checked against ID_RE.

        ``units``: the values are units, so a unit's field name (source:) in the place of an id
        is a field indented too little, and is reported as such."""
        if not isinstance(node, Map):
            self.wrong_type(node, fieldpath, "a mapping of ids")
            return []
        out = []
        for i, (key, value) in enumerate(node.pairs):
            sub = _join(fieldpath, key.value)
            if units and key.value in UNIT_FIELDS:
                previous = node.pairs[i - 1] if i else None
                self.problem(key, sub, suggest.misplaced_unit_field(key.value, previous))
                continue
            if not ID_RE.match(key.value):
                self.problem(key, sub, "ids use lower-case letters, digits and single hyphens")
                continue
            out.append((sub, value))
        if not out and not allow_empty and not node.pairs:
            self.problem(node, fieldpath, "must not be empty")
        return out

    # -- values ----------------------------------------------------------------------------
    def string(self, node: Node | None, fieldpath: str) -> str | None:
        if node is None:
            return None
        if not isinstance(node, Scalar) or node.kind != "string":
            self.wrong_type(node, fieldpath, "a string")
            return None
        return node.value

    def fact_str(self, node: Node | None, fieldpath: str) -> Fact | None:
        value = self.string(node, fieldpath)
        if value is None or node is None:
            return None
        if not value.strip():
            self.problem(node, fieldpath, "must not be empty")
        return Fact(fieldpath, value, node.pos)

    def fact_int(self, node: Node | None, fieldpath: str) -> Fact | None:
        if node is None:
            return None
        if not isinstance(node, Scalar) or node.kind != "integer":
            self.wrong_type(node, fieldpath, "an integer")
            return None
        if not DECIMAL_RE.match(node.value):
            # YAML 1.1 also reads 0x0E, 0o16, 016 (octal!) and 1:30 (base 60) as integers
            self.problem(node, fieldpath, f"write the integer in decimal digits, not {node.value!r}")
            return None
        return Fact(fieldpath, int(node.value.replace("_", "")), node.pos)

    def fact_bool(self, node: Node, fieldpath: str) -> Fact | None:
        if not isinstance(node, Scalar) or node.kind != "boolean":
            self.wrong_type(node, fieldpath, "true or false")
            return None
        return Fact(fieldpath, node.value.lower() in ("true", "yes", "on", "y"), node.pos)

    def fact_names(self, node: Node, fieldpath: str) -> Fact | None:
        if not isinstance(node, Seq):
            self.wrong_type(node, fieldpath, "a list of names")
            return None
        names = [self.string(item, f"{fieldpath}[{i}]") for i, item in enumerate(node.items)]
        if not names:
            self.problem(node, fieldpath, "must not be empty")
        if any(n is None for n in names):
            return None
        return Fact(fieldpath, tuple(n for n in names if n is not None), node.pos)

    def fact_url(self, node: Node, fieldpath: str) -> Fact | None:
        fact = self.fact_str(node, fieldpath)
        if fact is not None and not URL_RE.match(str(fact.value)):
            self.problem(node, fieldpath, "expected an http:// or https:// URL without spaces")
            return None
        return fact

    def fact_note_ref(self, node: Node | None, fieldpath: str) -> Fact | None:
        fact = self.fact_str(node, fieldpath)
        if fact is not None and not ID_RE.match(str(fact.value)):
            self.problem(node or fact.pos, fieldpath, "a note reference is a note id")
            return None
        return fact

    def edition(self, node: Node | None, fieldpath: str) -> date | None:
        if node is None:
            return None
        if isinstance(node, Scalar) and node.kind == "date":
            try:
                return date.fromisoformat(node.value.strip())
            except ValueError:
                # 2026-13-45 looks like a date to YAML; 2026-11-28T10:00 is a date and time
                self.problem(node, fieldpath, f"{node.value!r} is not a date written YYYY-MM-DD")
                return None
        self.problem(node, fieldpath, f"expected a date written YYYY-MM-DD, got {_a(node.kind)}")
        return None

    # -- units -----------------------------------------------------------------------------
    def unit(
        self, node: Node | None, fieldpath: str, extra: tuple[str, ...] = (), keys: tuple[str, ...] = ()
    ) -> Unit | None:
        """A translatable text: a string, or a mapping with text, source, comment and ignore.

        ``keys`` is the path of mapping keys to the unit in its file (for in-place edits); its
        inline markup is parsed here, so that a broken tag is reported where it is written.
        """
        if node is None:
            return None
        if isinstance(node, Scalar):
            text = self.string(node, fieldpath)
            if text is None:
                return None
            self.markup(node, fieldpath, text)
            return Unit(fieldpath, text, node.pos, node=node, keys=keys)
        if not isinstance(node, Map):
            self.wrong_type(node, fieldpath, "a string or a mapping with text")
            return None
        m = self.mapping(node, fieldpath, ("text",), UNIT_FIELDS[1:] + extra)
        if m is None:
            return None
        text_node = m.get("text")
        text = self.string(text_node, fieldpath)
        if text is None or text_node is None:
            return None
        assert isinstance(text_node, Scalar)
        self.markup(text_node, fieldpath, text)
        unit = Unit(fieldpath, text, text_node.pos, node=m, keys=keys)
        src = m.get("source")
        if src is not None:
            # read the raw text: a fingerprint such as 12345678 or 1e100000 is not a number
            value = src.value if isinstance(src, Scalar) else self.string(src, _join(fieldpath, "source"))
            if value is not None and not re.fullmatch(r"[0-9a-f]{8}", value):
                self.problem(src, _join(fieldpath, "source"), "a fingerprint is 8 hex digits")
            unit.source, unit.source_pos = value, src.pos
        unit.comment = self.string(m.get("comment"), _join(fieldpath, "comment"))
        ignore = m.get("ignore")
        if ignore is not None:
            unit.waivers = self.waivers(ignore, _join(fieldpath, "ignore"))
        return unit

    def markup(self, node: Scalar, fieldpath: str, text: str) -> None:
        """Report broken inline tags at their exact place, and a plain text cut by a comment."""
        if node.plain:
            rest = self.line_rest(node)
            if rest.lstrip().startswith("#") and rest[:1] in (" ", "\t"):
                self.problem(
                    Position(
                        node.pos.path, node.end[0] + 1, node.end[1] + 1 + len(rest) - len(rest.lstrip())
                    ),
                    fieldpath,
                    "' #' after plain text starts a YAML comment, and the rest of the line is lost: "
                    'quote the text ("…")',
                )
            else:
                self.comment_inside(node, fieldpath)
        if "<" not in text:
            return
        from pipeline import inline

        try:
            nodes = inline.parse(text)
        except inline.InlineError as exc:
            self.problem(self.offset_pos(node, text, exc.offset), fieldpath, exc.message)
            return
        if "<m>" in text:  # a formula the renderers cannot set is refused here, not in a handout
            from pipeline import tex

            for atom in inline.atoms(nodes):
                problem = tex.problem(atom.value) if isinstance(atom, inline.Math) else None
                if problem is not None:
                    self.problem(self.offset_pos(node, text, atom.offset), fieldpath, f"<m>: {problem}")
        self.parsed.append((node, fieldpath, text, nodes))

    def comment_inside(self, node: Scalar, fieldpath: str) -> None:
        """A line starting with '#' right under a plain text, indented as a continuation of it:
        YAML reads a comment there and silently ends the text before it."""
        if self.starts is None:
            self.starts = yamlsrc._line_starts(self.doc.text)
        src, line = self.doc.text, node.end[0] + 1  # the line after the text's last one
        if line >= len(self.starts) - 1:
            return
        first = src[self.starts[node.pos.line - 1] : self.starts[node.pos.line]]
        nxt = src[self.starts[line] : self.starts[line + 1]]
        indent = len(nxt) - len(nxt.lstrip(" "))
        if nxt.lstrip(" ").startswith("#") and indent > len(first) - len(first.lstrip(" ")):
            self.problem(
                Position(node.pos.path, line + 1, indent + 1),
                fieldpath,
                "a line starting with '#' inside the text is a YAML comment, and the text ends before "
                'it: quote the text ("…")',
            )

    def line_rest(self, node: Scalar) -> str:
        """What follows a scalar on its last line."""
        if self.starts is None:
            self.starts = yamlsrc._line_starts(self.doc.text)
        line, col = node.end
        if line >= len(self.starts):
            return ""
        start = self.starts[line] + col
        stop = self.doc.text.find("\n", start)
        return self.doc.text[start : stop if stop >= 0 else len(self.doc.text)].rstrip("\r")

    def offset_pos(self, node: Scalar, text: str, offset: int) -> Position:
        """The file position of character ``offset`` of a scalar's value, where it can be told:
        text written on one line as it reads (plain, or quoted without escapes); else the start."""
        if self.starts is None:
            self.starts = yamlsrc._line_starts(self.doc.text)
        line0, col0 = node.pos.line - 1, node.pos.column - 1
        start = self.starts[line0] + col0
        src = self.doc.text
        for skip in (0, 1):  # plain, or after the opening quote
            if src[start + skip : start + skip + len(text)] == text and "\n" not in text:
                return Position(node.pos.path, node.pos.line, node.pos.column + skip + offset)
        return node.pos

    def waivers(self, node: Node, fieldpath: str) -> dict[str, Waiver]:
        if not isinstance(node, Map):
            self.wrong_type(node, fieldpath, "a mapping of rule ids to reasons")
            return {}
        out = {}
        for key, value in node.pairs:
            reason = self.string(value, _join(fieldpath, key.value))
            if reason is not None and not reason.strip():
                self.problem(value, _join(fieldpath, key.value), "a waiver needs a written reason")
            elif reason is not None:
                out[key.value] = Waiver(key.value, reason, key.pos)
        return out

    def units(self, node: Node | None, fieldpath: str, allow_empty: bool = False) -> list[Unit]:
        if node is None:
            return []
        found = (self.unit(v, sub) for sub, v in self.entries(node, fieldpath, allow_empty, units=True))
        return [u for u in found if u is not None]


def _join(base: str, name: str) -> str:
    return f"{base}.{name}" if base else name


# -- chapter ---------------------------------------------------------------------------------
CHAPTER_FIELDS = ("chapter", "edition", "title", "body")
BLOCK_KINDS = ("section", "list", "table", "callout", "quote", "code", "figure", "math")
BLOCK_FIELDS = {
    "section": (("section", "body"), ("numbered",)),
    "list": (("list",), ("style",)),
    "table": (("table", "columns", "rows"), ("notes", "row-header")),
    "callout": (("callout", "body"), ("title",)),
    "quote": (("quote",), ("attribution",)),
    "code": (("code", "language"), ("caption",)),
    "figure": (("figure", "caption", "alt"), ("neutral",)),
    "math": (("math",), ("numbered",)),
}
IN_CALLOUT = ("paragraph", "list", "quote", "code", "math")  # what a callout may hold
RESERVED_IDS = ("title", "footnotes")  # top-level body ids that would clash with chapter units
MAX_SECTION_DEPTH = 4  # 14.2.1.1; deeper headings are a sign of a mistake
MAX_LIST_DEPTH = 4
CELL_KINDS = ("flag", "names", "number", "text")


class _ChapterReader:
    """Reads a chapter's body: the tree of blocks, with ids and key paths."""

    def __init__(self, r: _Reader, root: str | None = None, lang: str = "") -> None:
        self.r = r
        self.root = root  # the sources folder, where figures' files are (None: not checked)
        self.lang = lang
        self.targets: dict[str, str] = {}  # id -> kind of every block a <ref/> may name

    def blocks(
        self,
        node: Node,
        prefix: str,
        keys: tuple[str, ...],
        depth: int,
        allowed: tuple[str, ...] | None = None,
    ) -> list[Block]:
        r = self.r
        field = _join(prefix, "body") if prefix else "body"
        if not isinstance(node, Map):
            r.wrong_type(node, field, "a mapping of block ids to blocks")
            return []
        if not node.pairs:
            r.problem(node, field, "must not be empty")
        out = []
        for i, (key, value) in enumerate(node.pairs):
            bid = _join(prefix, key.value)
            if not ID_RE.match(key.value):
                r.problem(key, bid, "ids use lower-case letters, digits and single hyphens")
                continue
            if key.value in UNIT_FIELDS:
                previous = node.pairs[i - 1] if i else None
                r.problem(key, bid, suggest.misplaced_unit_field(key.value, previous))
                continue
            if not prefix and key.value in RESERVED_IDS:
                r.problem(key, bid, f"{key.value!r} is reserved at the top of the body: choose another id")
                continue
            block = self.block(value, bid, (*keys, key.value), depth, allowed)
            if block is not None:
                out.append(block)
        return out

    def block(
        self, node: Node, bid: str, keys: tuple[str, ...], depth: int, allowed: tuple[str, ...] | None
    ) -> Block | None:
        r = self.r
        kind = "paragraph"
        if isinstance(node, Map):
            kinds = [k for k in BLOCK_KINDS if node.get(k) is not None]
            if len(kinds) > 1:
                r.problem(node, bid, f"a block has one kind, not {len(kinds)}: {', '.join(kinds)}")
                return None
            if kinds:
                kind = kinds[0]
            elif node.get("text") is None:
                kinds_text = "a block is a paragraph (text) or has one of: " + ", ".join(BLOCK_KINDS)
                known = {"text", *BLOCK_KINDS, *UNIT_FIELDS}
                known.update(name for fields in BLOCK_FIELDS.values() for group in fields for name in group)
                for key, _ in node.pairs:  # a misspelt kind (lsit:) or text (txet:)
                    if key.value in known:
                        continue
                    hint = suggest.did_you_mean(key.value, ("text", *BLOCK_KINDS))
                    if hint:
                        r.problem(key, _join(bid, key.value), f"unknown field; {hint} ({kinds_text})")
                        return None
                r.problem(node, bid, kinds_text)
                return None
        if kind in ("section", "table", "figure", "math"):
            # a target even when the block has errors: a <ref/> to it is not a second error
            self.targets.setdefault(bid, kind)
        if allowed is not None and kind not in allowed:
            r.problem(
                node, bid, f"a callout holds paragraphs, lists, quotes, code and formulas, not a {kind}"
            )
            return None
        if kind == "paragraph":
            unit = r.unit(node, bid, keys=keys)
            return None if unit is None else Paragraph(bid, node.pos, unit)
        assert isinstance(node, Map)
        required, optional = BLOCK_FIELDS[kind]
        if r.mapping(node, bid, required, optional) is None:
            return None
        return getattr(self, f"read_{kind}")(node, bid, keys, depth)

    def read_section(self, m: Map, bid: str, keys: tuple[str, ...], depth: int) -> Block | None:
        r = self.r
        if depth >= MAX_SECTION_DEPTH:
            r.problem(m, bid, f"sections nest at most {MAX_SECTION_DEPTH} levels deep")
            return None
        self.targets[bid] = "section"
        title = r.unit(m.get("section"), bid, keys=(*keys, "section"))
        numbered = True
        if m.get("numbered") is not None:
            flag = r.fact_bool(m.get("numbered"), _join(bid, "numbered"))  # type: ignore[arg-type]
            numbered = bool(flag.value) if flag else True
        body_node = m.get("body")
        assert body_node is not None
        blocks = self.blocks(body_node, bid, (*keys, "body"), depth + 1)
        return None if title is None else Section(bid, m.pos, title, blocks, numbered)

    def read_list(
        self, m: Map, bid: str, keys: tuple[str, ...], depth: int, level: int = 0
    ) -> ListBlock | None:
        r = self.r
        style = "bullet"
        style_node = m.get("style")
        if style_node is not None:
            name = r.string(style_node, _join(bid, "style"))
            if name is not None and name not in LIST_STYLES:
                r.problem(
                    style_node,
                    _join(bid, "style"),
                    f"unknown list style {name!r} (use: {', '.join(LIST_STYLES)})",
                )
            elif name is not None:
                style = name
        items_node = m.get("list")
        assert items_node is not None
        items = []
        for sub, value in r.entries(items_node, bid, units=True):
            item_key = sub.rsplit(".", 1)[1]
            ikeys = (*keys, "list", item_key)
            sublist = None
            if isinstance(value, Map) and value.get("list") is not None:
                if level + 1 >= MAX_LIST_DEPTH:
                    r.problem(value, sub, f"lists nest at most {MAX_LIST_DEPTH} levels deep")
                    continue
                sublist = self.read_list(value, sub, ikeys, depth, level + 1)
                text = r.unit(value, sub, extra=("list", "style"), keys=ikeys)
            else:
                text = r.unit(value, sub, keys=ikeys)
            if text is not None:
                items.append(Item(sub, value.pos, text, sublist))
        return ListBlock(bid, m.pos, style, items)

    def read_table(self, m: Map, bid: str, keys: tuple[str, ...], depth: int) -> Table | None:
        r = self.r
        self.targets[bid] = "table"
        caption = r.unit(m.get("table"), bid, keys=(*keys, "table"))
        notes = self.notes(m.get("notes"), _join(bid, "notes"), (*keys, "notes"))
        letters = {n.letter for n in notes}
        columns = []
        cols_field = _join(bid, "columns")
        for sub, value in r.entries(m.get("columns"), cols_field, units=True):  # type: ignore[arg-type]
            cid = sub.rsplit(".", 1)[1]
            label = r.unit(value, sub, extra=("note",), keys=(*keys, "columns", cid))
            note = self.note_ref(value, sub, letters)
            if label is not None:
                columns.append(Column(cid, label, note))
        col_ids = tuple(c.id for c in columns)
        rows = []
        for sub, value in r.entries(m.get("rows"), _join(bid, "rows")):  # type: ignore[arg-type]
            row = r.mapping(value, sub, (), col_ids)
            if row is None:
                continue
            if not row.pairs:
                r.problem(row, sub, "a row needs at least one cell")
            rkey = sub.rsplit(".", 1)[1]
            cells = {}
            for key, cell_node in row.pairs:
                if key.value in col_ids:
                    ckeys = (*keys, "rows", rkey, key.value)
                    cell = self.cell(cell_node, _join(sub, key.value), letters, ckeys)
                    if cell is not None:
                        cells[key.value] = cell
            rows.append(Row(sub, {c: cells[c] for c in col_ids if c in cells}, value.pos))
        row_header = False
        if m.get("row-header") is not None:
            flag = r.fact_bool(m.get("row-header"), _join(bid, "row-header"))  # type: ignore[arg-type]
            row_header = bool(flag.value) if flag else False
        return None if caption is None else Table(bid, m.pos, caption, columns, rows, notes, row_header)

    def note_ref(self, node: Node, fieldpath: str, letters: set[str]) -> Fact | None:
        r = self.r
        ref_node = node.get("note") if isinstance(node, Map) else None
        ref = r.fact_note_ref(ref_node, _join(fieldpath, "note"))
        if ref is not None and ref.value not in letters:
            known = ", ".join(sorted(letters)) or "none"
            r.problem(ref.pos, ref.id, f"no note {ref.value!r} below the table (notes: {known})")
            return None
        return ref

    def cell(self, node: Node, fieldpath: str, letters: set[str], keys: tuple[str, ...]) -> Cell | None:
        """A flag (true/false), a list of names, a number or translatable text; a mapping adds a note."""
        r = self.r
        value: Unit | Fact | None
        if isinstance(node, Scalar) and node.kind == "boolean":
            value = r.fact_bool(node, fieldpath)
        elif isinstance(node, Scalar) and node.kind in ("integer", "number"):
            value = self.number(node, fieldpath)
        elif isinstance(node, Seq):
            value = r.fact_names(node, fieldpath)
        elif isinstance(node, Map):
            kinds = [k for k in CELL_KINDS if node.get(k) is not None]
            if len(kinds) != 1:
                r.problem(node, fieldpath, "a cell mapping has exactly one of: " + ", ".join(CELL_KINDS))
                return None
            kind = kinds[0]
            if kind == "text":
                value = r.unit(node, fieldpath, extra=("note",), keys=keys)
            else:
                r.mapping(node, fieldpath, (kind,), ("note",))
                sub = node.get(kind)
                assert sub is not None
                if kind == "flag":
                    value = r.fact_bool(sub, fieldpath)
                elif kind == "names":
                    value = r.fact_names(sub, fieldpath)
                else:
                    value = self.number(sub, fieldpath)
        else:
            value = r.unit(node, fieldpath, keys=keys)
        note = self.note_ref(node, fieldpath, letters)
        return None if value is None else Cell(fieldpath, value, note)

    def number(self, node: Node, fieldpath: str) -> Fact | None:
        if not isinstance(node, Scalar) or node.kind not in ("integer", "number"):
            self.r.wrong_type(node, fieldpath, "a number")
            return None
        if node.kind == "integer":
            return self.r.fact_int(node, fieldpath)
        if not re.fullmatch(r"[-+]?[0-9][0-9_]*\.[0-9_]+(?:[eE][-+]?[0-9]+)?", node.value):
            self.r.problem(node, fieldpath, f"write the number in decimal digits, not {node.value!r}")
            return None
        return Fact(fieldpath, node.value, node.pos)  # as written: "3.50" stays "3.50"

    def notes(self, node: Node | None, fieldpath: str, keys: tuple[str, ...]) -> list[Note]:
        r = self.r
        out: list[Note] = []
        if node is None:
            return out
        for sub, value in r.entries(node, fieldpath):
            letter = sub.rsplit(".", 1)[1]
            nkeys = (*keys, letter)
            if isinstance(value, Map) and value.get("text") is None:
                r.mapping(value, sub, ("url",))
                url_node = value.get("url")
                url = r.fact_url(url_node, _join(sub, "url")) if url_node else None
                out.append(Note(sub, value.pos, url=url))
                continue
            text = r.unit(value, sub, extra=("url",), keys=nkeys)
            url_node = value.get("url") if isinstance(value, Map) else None
            url = r.fact_url(url_node, _join(sub, "url")) if url_node is not None else None
            out.append(Note(sub, value.pos, text=text, url=url))
        return out

    def read_callout(self, m: Map, bid: str, keys: tuple[str, ...], depth: int) -> Block | None:
        r = self.r
        style_node = m.get("callout")
        style = r.string(style_node, bid)
        if style is not None and style not in CALLOUT_KINDS:
            r.problem(style_node, bid, f"unknown callout kind {style!r} (use: {', '.join(CALLOUT_KINDS)})")  # type: ignore[arg-type]
            style = None
        title = r.unit(m.get("title"), _join(bid, "title"), keys=(*keys, "title")) if m.get("title") else None
        if title is not None:
            title.id = bid
        blocks = self.blocks(m.get("body"), bid, (*keys, "body"), depth, IN_CALLOUT)  # type: ignore[arg-type]
        return None if style is None else Callout(bid, m.pos, style, blocks, title)

    def read_quote(self, m: Map, bid: str, keys: tuple[str, ...], depth: int) -> Block | None:
        r = self.r
        text = r.unit(m.get("quote"), bid, keys=(*keys, "quote"))
        attribution = None
        if m.get("attribution") is not None:
            attribution = r.unit(m.get("attribution"), _join(bid, "attribution"), keys=(*keys, "attribution"))
        return None if text is None else Quote(bid, m.pos, text, attribution)

    def read_code(self, m: Map, bid: str, keys: tuple[str, ...], depth: int) -> Block | None:
        r = self.r
        code_node = m.get("code")
        code = r.fact_str(code_node, bid)
        language = r.fact_str(m.get("language"), _join(bid, "language"))
        if language is not None and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_+#.-]*", str(language.value)):
            r.problem(language.pos, language.id, "a language name is one word (python, c++, yaml)")
        caption = None
        if m.get("caption") is not None:
            caption = r.unit(m.get("caption"), _join(bid, "caption"), keys=(*keys, "caption"))
        if code is None or language is None:
            return None
        if isinstance(code_node, Scalar) and code_node.plain:
            r.problem(code_node, bid, "write code as a literal block (code: |) so that it is kept exactly")
        return Code(bid, m.pos, code, language, caption)

    def read_figure(self, m: Map, bid: str, keys: tuple[str, ...], depth: int) -> Block | None:
        r = self.r
        src = r.fact_str(m.get("figure"), bid)
        caption = r.unit(m.get("caption"), _join(bid, "caption"), keys=(*keys, "caption"))
        alt = r.unit(m.get("alt"), _join(bid, "alt"), keys=(*keys, "alt"))
        neutral = _flag(r, m, "neutral", bid, False)
        if src is None or caption is None or alt is None:
            return None
        if self.root is not None:
            from pipeline import media

            rel = media.variant(self.root, str(src.value), self.lang, neutral)
            try:
                media.inspect(media.locate(self.root, rel), rel)
            except media.MediaError as exc:
                message = str(exc)
                if not neutral and message.startswith("no file"):
                    stem, ext = os.path.splitext(rel)
                    message += f" (nor its {self.lang} twin {stem}.{self.lang}{ext})"
                r.problem(src.pos, bid, message)
                return None
        return Figure(bid, m.pos, src, caption, alt, neutral)

    def read_math(self, m: Map, bid: str, keys: tuple[str, ...], depth: int) -> Block | None:
        r = self.r
        tex = r.fact_str(m.get("math"), bid)
        if tex is None:
            return None
        from pipeline import tex as texcheck

        problem = texcheck.problem(str(tex.value))
        if problem is not None:
            r.problem(tex.pos, bid, problem)
            return None
        return Math(bid, m.pos, tex, _flag(r, m, "numbered", bid, True))


def _flag(r: _Reader, m: Map, name: str, bid: str, default: bool) -> bool:
    node = m.get(name)
    if node is None:
        return default
    flag = r.fact_bool(node, _join(bid, name))
    return bool(flag.value) if flag else default


def _check_references(
    r: _Reader, targets: dict[str, str], footnotes: list[Footnote], unfinished: bool = False
) -> None:
    """Every <ref/> names a section or table of the chapter; every <fn/> a footnote, and every
    footnote is referenced."""
    from pipeline import inline

    names = {n.name for n in footnotes}
    used: set[str] = set()
    for node, fieldpath, text, nodes in r.parsed:
        for atom in inline.atoms(nodes):
            if isinstance(atom, inline.Ref) and atom.value not in targets:
                hint = _close(atom.value, targets)
                r.problem(
                    r.offset_pos(node, text, atom.offset),
                    fieldpath,
                    f"<ref to={atom.value!r}/> names no section or table of the chapter{hint}",
                )
            elif isinstance(atom, inline.FnRef):
                if atom.value not in names:
                    hint = _close(atom.value, names)
                    r.problem(
                        r.offset_pos(node, text, atom.offset),
                        fieldpath,
                        f"<fn to={atom.value!r}/> names no footnote in footnotes:{hint}",
                    )
                used.add(atom.value)
    if r.problems or unfinished:
        # a unit or block with errors, or a unit not translated yet, may hold the reference
        return
    for note in footnotes:
        if note.name not in used:
            r.problem(
                note.pos, note.id, 'footnote never referenced (add <fn to="' + note.name + '"/> to a text)'
            )


def _unit_texts(blocks: list[Block], footnotes: list[Footnote]) -> list[str]:
    texts = [u.text for b in walk(blocks) for u in b.units()]
    return texts + [n.text.text for n in footnotes]


def _close(word: str, candidates: object) -> str:
    import difflib

    found = difflib.get_close_matches(word, list(candidates), n=1)  # type: ignore[call-overload]
    return f" (did you mean {found[0]!r}?)" if found else ""


def read_chapter(doc: yamlsrc.Document, lang: str, key: str, folder: str | None = None) -> Chapter:
    """Build a Chapter from a parsed file, or raise SourceError with all its problems."""
    r = _Reader(doc)
    root = r.mapping(doc.root, "", CHAPTER_FIELDS, ("footnotes",))
    if root is None:
        raise SourceError(r.problems)
    number = r.fact_int(root.get("chapter"), "chapter")
    edition = r.edition(root.get("edition"), "edition")
    title = r.unit(root.get("title"), "title", keys=("title",))
    cr = _ChapterReader(r, folder, lang)  # folder: the sources folder, where figures' files are
    body = root.get("body")
    blocks = cr.blocks(body, "", ("body",), 0) if body is not None else []
    footnotes = []
    fn_node = root.get("footnotes")
    if fn_node is not None:
        for sub, value in r.entries(fn_node, "footnotes"):
            unit = r.unit(value, sub, keys=("footnotes", sub.rsplit(".", 1)[1]))
            if unit is not None:
                footnotes.append(Footnote(sub, value.pos, unit))
    # an edition being translated (empty units, as add-language writes them) is not broken
    unfinished = any(not text.strip() for text in _unit_texts(blocks, footnotes))
    _check_references(r, cr.targets, footnotes, unfinished)
    if r.problems or number is None or edition is None or title is None:
        raise SourceError(r.problems)
    edition_node = root.get("edition")
    assert edition_node is not None
    return Chapter(
        key, lang, doc.path, number, edition, edition_node.pos, title, blocks, footnotes, doc.root.pos
    )


def load_chapter(path: str, lang: str, root: str | None = None) -> Chapter:
    key = os.path.splitext(os.path.basename(path))[0]
    if root is None:  # a chapter file sits in sources/LANG/
        root = os.path.dirname(os.path.dirname(os.path.abspath(path)))
    try:
        doc = yamlsrc.read(path)
    except SourceError as exc:  # refused while reading YAML: name the field as the chapter does
        raise SourceError([p._replace(field=unit_field(p.field)) for p in exc.problems]) from None
    return read_chapter(doc, lang, key, root)


_STRUCTURAL = re.compile(r"(?:^body\.|\.body(?=\.)|\.list(?=\.))")
_LAST_KEY = re.compile(r"\.(?:text|section|table|quote|callout|code|math|figure)$")


def unit_field(field: str) -> str:
    """The id a YAML key path of a chapter stands for, as the loader names fields:
    ``body.profiles.body.caffe.body.cons.list.no-commercial-support.text`` is
    ``profiles.caffe.cons.no-commercial-support``."""
    return _LAST_KEY.sub("", _STRUCTURAL.sub("", field))


_BOOK_META = re.compile(r"^meta\.[^.]+\.(title|author|publisher|credit)(?:\.text)?$")


def book_field(field: str) -> str:
    """``meta.en.author.text`` in book.yaml is the unit ``book.author``."""
    return _BOOK_META.sub(r"book.\1", field)


# -- glossary --------------------------------------------------------------------------------
def _read_rendering(r: _Reader, node: Node, fieldpath: str) -> Rendering | None:
    if isinstance(node, Scalar):
        text = r.string(node, fieldpath)
        return None if text is None else Rendering(text, node.pos)
    m = r.mapping(node, fieldpath, ("term",), ("also", "avoid"))
    if m is None:
        return None
    text = r.string(m.get("term"), _join(fieldpath, "term"))
    lists = []
    for name in ("also", "avoid"):
        sub = m.get(name)
        fact = r.fact_names(sub, _join(fieldpath, name)) if sub is not None else None
        lists.append(tuple(fact.value) if fact else ())  # type: ignore[arg-type]
    return None if text is None else Rendering(text, node.pos, lists[0], lists[1])


def read_glossary(doc: yamlsrc.Document, codes: list[str]) -> Glossary:
    r = _Reader(doc)
    root = r.mapping(doc.root, "", ("terms",))
    terms = []
    if root is not None and root.get("terms") is not None:
        for sub, value in r.entries(root.get("terms"), "terms"):
            # a term may leave out a language: the terminology rule is then silent for it, and
            # `pipeline status` counts the gap; it needs the source language and one other
            m = r.mapping(value, sub, tuple(codes[:1]), tuple(codes[1:]))
            if m is None:
                continue
            if len(m.pairs) < 2:
                r.problem(value, sub, "a term needs its form in the source language and at least one other")
            found = {c: _read_rendering(r, m.get(c), _join(sub, c)) for c in codes if m.get(c)}
            renderings = {c: v for c, v in found.items() if v is not None}
            terms.append(Term(sub.rsplit(".", 1)[1], value.pos, renderings))
    if r.problems:
        raise SourceError(r.problems)
    return Glossary(doc.path, terms)


# -- book ------------------------------------------------------------------------------------
BOOK_FIELDS = (("source", "translations", "year", "meta"), ("glossary", "fonts"))
META_FIELDS = ("title", "author", "publisher", "credit")


class _Config:
    __slots__ = ("codes", "fonts", "glossary", "meta", "source", "year")

    def __init__(
        self, source: str, codes: list[str], glossary: str | None, year: Fact, meta: dict[str, BookMeta]
    ) -> None:
        self.source = source
        self.codes = codes
        self.glossary = glossary
        self.year = year
        self.meta = meta


def _read_config(root: str) -> _Config:
    path = os.path.join(root, BOOK_FILE)
    try:
        doc = yamlsrc.read(path)
    except SourceError as exc:  # refused while reading YAML: name the field as the book does
        raise SourceError([p._replace(field=book_field(p.field)) for p in exc.problems]) from None
    r = _Reader(doc)
    m = r.mapping(doc.root, "", *BOOK_FIELDS)
    source = r.string(m.get("source"), "source") if m else None
    names = r.fact_names(m.get("translations"), "translations") if m and m.get("translations") else None
    glossary = r.string(m.get("glossary"), "glossary") if m and m.get("glossary") else None
    year = r.fact_int(m.get("year"), "year") if m else None
    codes = [source, *(names.value if names else ())] if source else []
    for i, code in enumerate(codes):
        where = "source" if i == 0 else "translations"
        try:
            langs.get(code)
        except langs.LanguageError as exc:
            r.problem(m.get(where) or doc.root, where, str(exc))  # type: ignore[union-attr]
            continue
        if code in codes[:i]:
            what = "the source language" if code == source else "listed twice"
            r.problem(m.get("translations") or doc.root, "translations", f"{code!r} is {what}")  # type: ignore[union-attr]
    if glossary is not None and not _inside(glossary):
        r.problem(m.get("glossary") or doc.root, "glossary", "name a file inside the sources folder")  # type: ignore[union-attr]
    meta: dict[str, BookMeta] = {}
    meta_node = m.get("meta") if m else None
    if isinstance(meta_node, Map):
        r.mapping(meta_node, "meta", tuple(c for c in codes if isinstance(c, str)))
        for key, value in meta_node.pairs:
            code = key.value
            if code not in codes:
                continue
            fields = r.mapping(value, f"meta.{code}", META_FIELDS, ("title-translated",))
            if fields is None:
                continue
            units = {f: r.unit(fields.get(f), f"book.{f}", keys=("meta", code, f)) for f in META_FIELDS}
            # the title is the editors' translation, not one the book was published under
            flag_node = fields.get("title-translated")
            flag = r.fact_bool(flag_node, f"meta.{code}.title-translated") if flag_node else None
            if all(u is not None for u in units.values()):
                book_meta = BookMeta(code, path, pos=value.pos, **units)  # type: ignore[arg-type]
                book_meta.title_translated = bool(flag.value) if flag else False
                meta[code] = book_meta
    elif meta_node is not None:
        r.wrong_type(
            meta_node, "meta", "a mapping of languages to the book's title, author, publisher and credit"
        )
    if r.problems or source is None or names is None or year is None:
        raise SourceError(r.problems)
    fonts = _read_fonts(r, m.get("fonts") if m else None, root, codes)  # type: ignore[arg-type]
    if r.problems:
        raise SourceError(r.problems)
    config = _Config(source, list(codes), glossary, year, meta)  # type: ignore[arg-type]
    config.fonts = fonts
    return config


def _read_fonts(
    r: _Reader, node: Node | None, root: str, codes: list[str]
) -> dict[str, tuple[str, str | None]]:
    """fonts: {LANG: {regular: FILE, bold: FILE}}: TrueType files of the book for a language's PDF
    handouts, instead of the regional face (paths relative to book.yaml, inside its folder)."""
    out: dict[str, tuple[str, str | None]] = {}
    if node is None:
        return out
    m = r.mapping(node, "fonts", (), tuple(codes))
    for key, value in m.pairs if m else ():
        if key.value not in codes:
            continue
        sub = f"fonts.{key.value}"
        f = r.mapping(value, sub, ("regular",), ("bold",))
        if f is None:
            continue
        found = []
        for field in ("regular", "bold"):
            name = r.string(f.get(field), f"{sub}.{field}")
            if name is None:
                found.append(None)
                continue
            path = os.path.join(root, name)
            if not _inside(name):
                r.problem(f.get(field), f"{sub}.{field}", "name a file inside the sources folder")  # type: ignore[arg-type]
            elif not os.path.isfile(path):
                r.problem(f.get(field), f"{sub}.{field}", f"no such file: {display_path(path)}")  # type: ignore[arg-type]
            found.append(path)
        if found[0] is not None:
            out[key.value] = (found[0], found[1])
    return out


def _inside(name: str) -> bool:
    """A relative path that stays below the folder it is relative to (no /etc/passwd, no ../)."""
    norm = os.path.normpath(name)
    return not os.path.isabs(name) and norm != ".." and not norm.startswith(".." + os.sep)


def chapter_files(root: str, lang: str) -> dict[str, str]:
    """Chapter key -> path of every chapter file in one language folder."""
    folder = os.path.join(root, lang)
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return {}
    return {os.path.splitext(n)[0]: os.path.join(folder, n) for n in names if n.endswith((".yaml", ".yml"))}


def load_book(root: str, only: Callable[[str, str], bool] | None = None) -> Book:
    """Load every chapter of every language under ``root`` and the glossary.

    ``only(lang, key)`` restricts which chapters are read. Problems of all files are reported
    together in one SourceError.
    """
    with gcpause.paused():
        return _load_book(root, only)


def _load_book(root: str, only: Callable[[str, str], bool] | None) -> Book:
    config = _read_config(root)
    source, codes, glossary_name = config.source, config.codes, config.glossary
    problems: list[Problem] = []
    files = {lang: chapter_files(root, lang) for lang in codes}
    all_keys = sorted({k for fs in files.values() for k in fs})
    chapters: dict[str, dict[str, Chapter]] = {lang: {} for lang in codes}
    orphans = []
    for lang in codes:
        if not os.path.isdir(os.path.join(root, lang)):
            problems.append(
                Problem(
                    Position(os.path.join(root, BOOK_FILE), 1, 1),
                    "",
                    f"no folder {lang}/ for language {lang!r}",
                )
            )
        for key in all_keys:
            path = files[lang].get(key)
            if path is None:
                continue
            if not KEY_RE.match(key):
                problems.append(
                    Problem(Position(path, 1, 1), "", "chapter file names use letters, digits, '-' and '_'")
                )
                continue
            if any(key not in files[other] for other in codes):
                orphans.append((lang, path))
            if only is not None and not only(lang, key):
                continue
            try:
                chapters[lang][key] = load_chapter(path, lang, root)
            except SourceError as exc:
                problems.extend(exc.problems)
    for lang in codes:  # two files with one chapter number: one of them is misnumbered
        numbered: dict[object, Chapter] = {}
        for chapter in chapters[lang].values():
            first = numbered.setdefault(chapter.number.value, chapter)
            if first is not chapter:
                number, other = chapter.number, first.number.pos
                message = f"chapter {number.value} again (as in {other}); give each chapter its own number"
                problems.append(Problem(number.pos, "chapter", message))
    glossary = Glossary(None, [])
    if glossary_name:
        try:
            glossary = read_glossary(yamlsrc.read(os.path.join(root, glossary_name)), codes)
        except SourceError as exc:
            problems.extend(exc.problems)
    if problems:
        raise SourceError(problems)
    book = Book(root, source, codes, chapters, glossary, orphans, config.meta, config.year)
    book.fonts = config.fonts
    return book
