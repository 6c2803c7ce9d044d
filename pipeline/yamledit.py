"""In-place edits of a YAML source file that keep every other byte as it was.

Tools that write into the sources (``pipeline stamp``, the PO import) change a unit's text or
fingerprint and nothing else: comments, key order, quoting, line endings and a byte-order mark
survive. Edits are computed from the node positions :mod:`pipeline.yamlsrc` records, applied
to the file's text, checked by parsing the result, and written atomically::

    editor = Editor("sources/en/ch14.yaml")
    editor.set_source(unit, "1a2b3c4d")         # a Unit (found by its key path) ...
    editor.set_text("body.intro.text", "New")   # ... or a path of mapping keys joined by dots
    editor.save()                               # False when nothing changed

A unit written as a plain string becomes the flow mapping ``{text: ..., source: ...}`` when it
gets a fingerprint; a block mapping gets a ``source:`` line under its ``text:`` line.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from pipeline import yamlsrc
from pipeline.atomic import write_bytes_atomic
from pipeline.errors import SourceError
from pipeline.model import Unit
from pipeline.yamlsrc import Map, Node, Scalar

BOM = b"\xef\xbb\xbf"
# libyaml's line breaks: positions count lines the way it does
_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0",
            "\x85": "\\N", "\u2028": "\\L", "\u2029": "\\P", "\ufeff": "\\uFEFF"}  # fmt: skip


class EditError(Exception):
    """The requested edit cannot be made (no such unit, or a layout this module cannot edit)."""


def _printable(ch: str) -> bool:
    """YAML's printable set (minus the characters that get a named escape)."""
    o = ord(ch)
    return 0x20 <= o <= 0x7E or 0xA0 <= o <= 0xD7FF or 0xE000 <= o <= 0xFFFD or o >= 0x10000


def double_quoted(text: str) -> str:
    """``text`` as a double-quoted YAML scalar on one line."""
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif _printable(ch):
            out.append(ch)
        else:
            o = ord(ch)
            out.append(f"\\x{o:02X}" if o <= 0xFF else f"\\u{o:04X}" if o <= 0xFFFF else f"\\U{o:08X}")
    return '"' + "".join(out) + '"'


def _reads_back(doc: str, text: str) -> bool:
    try:
        root = yamlsrc.parse("<scalar>", doc.encode("utf-8")).root
    except SourceError:
        return False
    if not isinstance(root, Map) or len(root.pairs) != 1:
        return False
    value = root.pairs[0][1]
    return isinstance(value, Scalar) and value.plain and value.kind == "string" and value.value == text


def emit_scalar(text: str, flow: bool = False) -> str:
    """``text`` as a YAML scalar: plain when it reads back unchanged as a string, else double-quoted.

    ``flow`` asks for a scalar that is also valid inside ``{...}``.
    """
    simple = text and text == text.strip() and all(_printable(c) for c in text)
    if simple and _reads_back(f"k: {text}\n", text) and (not flow or _reads_back(f"{{k: {text}}}\n", text)):
        return text
    return double_quoted(text)


@dataclass
class _Change:
    text: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class _Edit:
    start: int  # character offsets in the document text
    end: int
    new: str


@dataclass
class Editor:
    """Pending edits to one YAML file."""

    path: str
    data: bytes | None = None  # the file's content when it is not (yet) on disk
    doc: yamlsrc.Document = field(init=False)
    _changes: dict[tuple[str, ...], _Change] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.doc = yamlsrc.read(self.path) if self.data is None else yamlsrc.parse(self.path, self.data)
        self._starts = [0] + [m.end() for m in _BREAK.finditer(self.doc.text)]

    # -- requests --------------------------------------------------------------------------
    def set_source(self, unit: Unit | str, fingerprint: str) -> None:
        """Record ``fingerprint`` as the unit's ``source:``."""
        self._change(unit).source = fingerprint

    def set_text(self, unit: Unit | str, text: str) -> None:
        """Replace the unit's text."""
        self._change(unit).text = text

    def _change(self, unit: Unit | str) -> _Change:
        # a unit knows the path of mapping keys that leads to it in its file; its id is a
        # logical name (a section's title has the section's id) and need not be that path
        keys = (unit.keys or tuple(unit.id.split("."))) if isinstance(unit, Unit) else tuple(unit.split("."))
        self._find(keys)  # fail early on an unknown unit
        return self._changes.setdefault(keys, _Change())

    # -- results ---------------------------------------------------------------------------
    def render(self) -> str:
        """The document text with every pending change applied (and verified)."""
        found = [e for uid, change in self._changes.items() for e in self._edits(uid, change)]
        edits = sorted(found, key=lambda e: e.start)
        for a, b in itertools.pairwise(edits):
            if b.start < a.end:
                raise EditError(f"{self.path}: overlapping edits")
        text = self.doc.text
        for e in reversed(edits):
            text = text[: e.start] + e.new + text[e.end :]
        self._verify(text)
        return text

    def to_bytes(self) -> bytes:
        data = self.render().encode("utf-8")
        return BOM + data if self.doc.bom else data

    def save(self) -> bool:
        """Write the file if anything changed (atomically); True when it was written."""
        text = self.render()
        if text == self.doc.text:
            return False
        data = text.encode("utf-8")
        write_bytes_atomic(self.path, BOM + data if self.doc.bom else data)
        return True

    # -- positions -------------------------------------------------------------------------
    def _offset(self, line0: int, col: int) -> int:
        return self._starts[line0] + col

    def _start(self, node: Node) -> int:
        return self._offset(node.pos.line - 1, node.pos.column - 1)

    def _end(self, node: Node) -> int:
        return self._offset(*node.end)

    def _find(self, keys: tuple[str, ...], root: Node | None = None) -> tuple[Map, Scalar, Node]:
        """The mapping holding a unit, the unit's key and its value, by the unit's key path."""
        node = self.doc.root if root is None else root
        parent = key = None
        for part in keys:
            if not isinstance(node, Map):
                break
            found = next(((k, v) for k, v in node.pairs if k.value == part), None)
            if found is None:
                break
            parent, (key, node) = node, found
        else:
            if parent is not None and key is not None:
                return parent, key, node
        raise EditError(f"{self.path}: no unit {'.'.join(keys)!r}")

    def _flow(self, node: Node) -> bool:
        return self.doc.text[self._start(node) : self._start(node) + 1] == "{"

    # -- edits -----------------------------------------------------------------------------
    def _replace(self, node: Node, new: str) -> _Edit:
        start, end = self._start(node), self._end(node)
        if node.end[1] == 0 and node.end[0] > node.pos.line - 1:
            new += self.doc.newline  # a block scalar's span runs to the start of the next line
        return _Edit(start, end, new)

    def _fingerprint(self, node: Scalar | None, fp: str, flow: bool) -> str:
        if node is not None:
            quote = self.doc.text[self._start(node)]
            if quote in "\"'":
                return f"{quote}{fp}{quote}"  # keep the file's quoting
        return emit_scalar(fp, flow)

    def _edits(self, keys: tuple[str, ...], change: _Change) -> list[_Edit]:
        unit_id = ".".join(keys)
        parent, _, value = self._find(keys)
        if isinstance(value, Scalar):
            return self._edits_plain(value, change, self._flow(parent))
        if not isinstance(value, Map) or not isinstance(value.get("text"), Scalar):
            raise EditError(f"{self.path}: {unit_id} is not a translatable unit")
        return self._edits_mapping(value, change)

    def _edits_plain(self, node: Scalar, change: _Change, in_flow: bool) -> list[_Edit]:
        text = node.value if change.text is None else change.text
        if change.source is None:
            return [self._replace(node, emit_scalar(text, in_flow))] if text != node.value else []
        raw = self.doc.text[self._start(node) : self._end(node)]
        quoted_one_line = node.end[0] == node.pos.line - 1 and raw[:1] in "\"'"
        shown = raw if text == node.value and quoted_one_line else emit_scalar(text, flow=True)
        fp = self._fingerprint(None, change.source, flow=True)
        return [self._replace(node, f"{{text: {shown}, source: {fp}}}")]

    def _edits_mapping(self, unit: Map, change: _Change) -> list[_Edit]:
        flow = self._flow(unit)
        text_node = unit.get("text")
        assert isinstance(text_node, Scalar)
        edits = []
        if change.text is not None and change.text != text_node.value:
            edits.append(self._replace(text_node, emit_scalar(change.text, flow)))
        if change.source is None:
            return edits
        src = unit.get("source")
        if isinstance(src, Scalar):
            if src.value != change.source:
                new = self._fingerprint(src, change.source, flow)
                edits.append(_Edit(self._start(src), self._end(src), new))
            return edits
        if src is not None:
            raise EditError(f"{self.path}:{src.pos.line}: source is not a scalar")
        fp = self._fingerprint(None, change.source, flow)
        if flow:
            end = self._end(text_node)
            edits.append(_Edit(end, end, f", source: {fp}"))
        else:
            edits.append(self._insert_line_after(text_node, unit, f"source: {fp}"))
        return edits

    def _insert_line_after(self, node: Node, unit: Map, line: str) -> _Edit:
        """A new line under ``node``'s last line, indented like the mapping's keys."""
        key = next(k for k, v in unit.pairs if v is node)
        indent = " " * (key.pos.column - 1)
        line0, col = node.end
        nl = self.doc.newline
        if col == 0 and line0 > node.pos.line - 1:  # block scalar: its span ends at a line start
            at = self._offset(line0, 0)
            return _Edit(at, at, f"{indent}{line}{nl}")
        if line0 + 1 < len(self._starts):
            at = self._starts[line0 + 1]
            return _Edit(at, at, f"{indent}{line}{nl}")
        at = len(self.doc.text)  # the last line has no line break
        return _Edit(at, at, f"{nl}{indent}{line}")

    def _verify(self, text: str) -> None:
        """Parse the edited text and check every changed unit reads back as requested."""
        try:
            root = yamlsrc.parse(self.path, text.encode("utf-8")).root
        except SourceError as exc:  # a bug here, not in the sources: refuse to write
            raise EditError(f"{self.path}: the edit would break the file: {exc}") from None
        for keys, change in self._changes.items():
            unit_id = ".".join(keys)
            _, _, value = self._find(keys, root)
            text_node = value.get("text") if isinstance(value, Map) else value
            src = value.get("source") if isinstance(value, Map) else None
            got_text = text_node.value if isinstance(text_node, Scalar) else None
            got_src = src.value if isinstance(src, Scalar) else None
            if change.text is not None and got_text != change.text:
                raise EditError(f"{self.path}: {unit_id}: the new text does not read back")
            if change.source is not None and got_src != change.source:
                raise EditError(f"{self.path}: {unit_id}: the new fingerprint does not read back")
