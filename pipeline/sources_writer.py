"""The model -> YAML writer: one Chapter as a chapter file in the documented format.

Importers (``pipeline import``) build a :class:`~pipeline.model.Chapter` and hand it here; this
module is the only code that writes a whole chapter file. Units are plain or double-quoted
scalars (:func:`pipeline.yamledit.emit_scalar`), a unit with a fingerprint or a comment is a
``{text, source, comment}`` block mapping, code is a literal block scalar (``|``). The text is
verified by loading it back with the strict loader and comparing every unit and fact with the
model before anything is written, and the file is written atomically.
"""

from __future__ import annotations

import os

from pipeline import yamlsrc
from pipeline.atomic import write_files_atomic
from pipeline.errors import SourceError
from pipeline.loader import read_chapter
from pipeline.model import (
    Block,
    Callout,
    Cell,
    Chapter,
    Code,
    Figure,
    Item,
    ListBlock,
    Math,
    Paragraph,
    Quote,
    Section,
    Table,
    Unit,
)
from pipeline.yamledit import double_quoted, emit_scalar

INDENT = "  "


class WriteError(Exception):
    """The chapter cannot be written as a valid chapter file (a bug or an unmappable value)."""


def _key(unit_or_id: str) -> str:
    return unit_or_id.rsplit(".", 1)[-1]


def _unit(key: str, unit: Unit, depth: int, extra: list[str] | None = None) -> list[str]:
    """``key: text``, or a block mapping when the unit has more than its text."""
    pad = INDENT * depth
    fields = []
    if unit.source is not None:
        fields.append(f"source: {emit_scalar(unit.source)}")
    if unit.comment is not None:
        fields.append(f"comment: {emit_scalar(unit.comment)}")
    if not fields and not extra:
        return [f"{pad}{key}: {emit_scalar(unit.text)}"]
    inner = pad + INDENT
    lines = [f"{pad}{key}:", f"{inner}text: {emit_scalar(unit.text)}"]
    lines += [inner + f for f in fields]
    lines += extra or []
    return lines


def _code_scalar(code: str, depth: int) -> str:
    """A literal block scalar that keeps ``code`` exactly, or a double-quoted one when it cannot
    (control characters, carriage returns, trailing spaces on the last line)."""
    if not code.strip() or any(c in code for c in "\r\x85\u2028\u2029\ufeff") or code != code.rstrip(" "):
        return double_quoted(code)
    if any(ord(c) < 0x20 and c not in "\n\t" for c in code):
        return double_quoted(code)
    chomp = (
        "" if code.endswith("\n") and not code.endswith("\n\n") else "-" if not code.endswith("\n") else "+"
    )
    indicator = "2" if code[:1] == " " or code.startswith("\n") else ""
    pad = INDENT * depth
    body = "\n".join(pad + line if line else "" for line in code.rstrip("\n").split("\n"))
    trailing = "\n" * (len(code) - len(code.rstrip("\n")) - 1) if chomp == "+" else ""
    return f"|{indicator}{chomp}\n{body}{trailing}"


def _blocks(blocks: list[Block], depth: int) -> list[str]:
    out: list[str] = []
    for block in blocks:
        out += _BLOCK_WRITERS[block.kind](block, depth)
    return out


def _paragraph(b: Paragraph, depth: int) -> list[str]:
    return _unit(_key(b.id), b.text, depth)


def _section(b: Section, depth: int) -> list[str]:
    pad = INDENT * (depth + 1)
    lines = [f"{INDENT * depth}{_key(b.id)}:", *_unit("section", b.title, depth + 1)]
    if not b.numbered:
        lines.append(f"{pad}numbered: false")
    return [*lines, f"{pad}body:", *_blocks(b.blocks, depth + 2)]


def _list_items(items: list[Item], depth: int) -> list[str]:
    out: list[str] = []
    for item in items:
        if item.sublist is None:
            out += _unit(_key(item.id), item.text, depth)
            continue
        pad = INDENT * (depth + 1)
        extra = [f"{pad}style: {item.sublist.style}"] if item.sublist.style != "bullet" else []
        extra += [f"{pad}list:", *_list_items(item.sublist.items, depth + 2)]
        out += _unit(_key(item.id), item.text, depth, extra)
    return out


def _list(b: ListBlock, depth: int) -> list[str]:
    pad = INDENT * (depth + 1)
    lines = [f"{INDENT * depth}{_key(b.id)}:"]
    if b.style != "bullet":
        lines.append(f"{pad}style: {b.style}")
    return [*lines, f"{pad}list:", *_list_items(b.items, depth + 2)]


def _fact_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, tuple):
        return "[" + ", ".join(emit_scalar(str(v), flow=True) for v in value) + "]"
    return str(value)  # a number written as in the manuscript ("3.50")


def _cell(key: str, cell: Cell, depth: int) -> list[str]:
    pad = INDENT * depth
    if isinstance(cell.value, Unit):
        if cell.note is None:
            return _unit(key, cell.value, depth)
        return _unit(key, cell.value, depth, [f"{pad}{INDENT}note: {cell.note.value}"])
    value = _fact_value(cell.value.value)
    if cell.note is None:
        return [f"{pad}{key}: {value}"]
    kind = (
        "flag"
        if isinstance(cell.value.value, bool)
        else "names"
        if isinstance(cell.value.value, tuple)
        else "number"
    )
    return [f"{pad}{key}: {{{kind}: {value}, note: {cell.note.value}}}"]


def _table(b: Table, depth: int) -> list[str]:
    pad = INDENT * (depth + 1)
    lines = [f"{INDENT * depth}{_key(b.id)}:", *_unit("table", b.caption, depth + 1)]
    if b.row_header:
        lines.append(f"{pad}row-header: true")
    lines.append(f"{pad}columns:")
    for col in b.columns:
        extra = [f"{pad}{INDENT * 2}note: {col.note.value}"] if col.note is not None else None
        lines += _unit(col.id, col.label, depth + 2, extra)
    lines.append(f"{pad}rows:")
    for row in b.rows:
        lines.append(f"{pad}{INDENT}{row.key}:")
        for col_id, cell in row.cells.items():
            lines += _cell(col_id, cell, depth + 3)
    if b.notes:
        lines.append(f"{pad}notes:")
        for note in b.notes:
            if note.text is None and note.url is not None:
                lines.append(f"{pad}{INDENT}{note.letter}: {{url: {note.url.value}}}")
            elif note.text is not None:
                extra = [f"{pad}{INDENT * 2}url: {note.url.value}"] if note.url is not None else None
                lines += _unit(note.letter, note.text, depth + 2, extra)
    return lines


def _callout(b: Callout, depth: int) -> list[str]:
    pad = INDENT * (depth + 1)
    lines = [f"{INDENT * depth}{_key(b.id)}:", f"{pad}callout: {b.style}"]
    if b.title is not None:
        lines += _unit("title", b.title, depth + 1)
    return [*lines, f"{pad}body:", *_blocks(b.blocks, depth + 2)]


def _quote(b: Quote, depth: int) -> list[str]:
    lines = [f"{INDENT * depth}{_key(b.id)}:", *_unit("quote", b.text, depth + 1)]
    if b.attribution is not None:
        lines += _unit("attribution", b.attribution, depth + 1)
    return lines


def _code(b: Code, depth: int) -> list[str]:
    pad = INDENT * (depth + 1)
    lines = [
        f"{INDENT * depth}{_key(b.id)}:",
        f"{pad}code: {_code_scalar(str(b.code.value), depth + 2)}",
        f"{pad}language: {emit_scalar(str(b.language.value))}",
    ]
    if b.caption is not None:
        lines += _unit("caption", b.caption, depth + 1)
    return lines


def _figure(b: Figure, depth: int) -> list[str]:
    pad = INDENT * (depth + 1)
    lines = [f"{INDENT * depth}{_key(b.id)}:", f"{pad}figure: {emit_scalar(str(b.src.value))}"]
    if b.neutral:
        lines.append(f"{pad}neutral: true")
    return [*lines, *_unit("caption", b.caption, depth + 1), *_unit("alt", b.alt, depth + 1)]


def _math(b: Math, depth: int) -> list[str]:
    pad = INDENT * (depth + 1)
    lines = [f"{INDENT * depth}{_key(b.id)}:", f"{pad}math: {emit_scalar(str(b.tex.value))}"]
    return lines if b.numbered else [*lines, f"{pad}numbered: false"]


_BLOCK_WRITERS = {
    "paragraph": _paragraph,
    "section": _section,
    "list": _list,
    "table": _table,
    "callout": _callout,
    "quote": _quote,
    "code": _code,
    "figure": _figure,
    "math": _math,
}


def render(chapter: Chapter, header: str = "") -> str:
    """The chapter file's text (``header``: comment lines written first)."""
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    lines += [
        f"chapter: {chapter.number.value}",
        f"edition: {chapter.edition.isoformat()}",
        *_unit("title", chapter.title, 0),
        "body:",
        *_blocks(chapter.blocks, 1),
    ]
    if chapter.footnotes:
        lines.append("footnotes:")
        for note in chapter.footnotes:
            lines += _unit(note.name, note.text, 1)
    return "\n".join(lines) + "\n"


def _signature(chapter: Chapter) -> list[tuple[str, object, object]]:
    """What must survive the trip through YAML: every unit and fact, by id, in order."""
    units = [(u.id, u.text, u.source) for u in chapter.units()]
    facts = [(f.id, f.value, None) for f in chapter.facts()]
    kinds = [(b.id, b.kind, None) for b in chapter.walk()]
    return units + facts + kinds


def verify(chapter: Chapter, text: str, path: str) -> Chapter:
    """Load ``text`` with the strict loader and check it holds exactly ``chapter``."""
    key = os.path.splitext(os.path.basename(path))[0]
    try:
        loaded = read_chapter(yamlsrc.parse(path, text.encode("utf-8")), chapter.lang, key)
    except SourceError as exc:
        raise WriteError(f"the written chapter would not load:\n{exc}") from None
    want, got = _signature(chapter), _signature(loaded)
    if want != got:
        pairs = zip(want + [None] * len(got), got + [None] * len(want), strict=False)  # type: ignore[operator]
        diff = next((w, g) for w, g in pairs if w != g)
        raise WriteError(f"the written chapter does not read back as built: {diff[0]!r} became {diff[1]!r}")
    return loaded


def write(
    chapter: Chapter, path: str, header: str = "", files: list[tuple[str, bytes]] | None = None
) -> Chapter:
    """Render, verify and write ``chapter`` to ``path``, with ``files`` (path, bytes) beside it
    (a figure's image), all atomically: every file or none; the loaded chapter."""
    text = render(chapter, header)
    loaded = verify(chapter, text, path)
    staged = [*(files or []), (path, text.encode("utf-8"))]
    for name, _ in staged:
        os.makedirs(os.path.dirname(os.path.abspath(name)), exist_ok=True)
    write_files_atomic(staged)
    return loaded
