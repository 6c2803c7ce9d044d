"""Starting an edition: `pipeline add-language` (its progress, for `pipeline status`, is in
:mod:`pipeline.progress`).

A new edition starts as a skeleton: every chapter file of the source language copied with the
same structure and every language-neutral fact, and every translatable unit empty. The sources
load (nothing is broken), `pipeline check` reports each empty unit (exit 1) and the handouts
show the source text in their place, marked, until translators fill them in through PO or
XLIFF files. Progress per chapter and language comes from the fingerprints: a unit is
*untranslated* (empty or absent), *translated* (a text not yet reviewed: no fingerprint),
*stale* (reviewed against an older source text) or *accepted* (reviewed against the current
source text).
"""

from __future__ import annotations

import os

from pipeline import langs, yamlsrc
from pipeline.atomic import write_files_atomic
from pipeline.errors import UsageError
from pipeline.loader import BOOK_FILE
from pipeline.model import Book, Unit
from pipeline.yamledit import Editor
from pipeline.yamlsrc import Map, Seq


# -- add-language --------------------------------------------------------------------------
def add_language(book: Book, code: str) -> tuple[list[tuple[str, bytes]], list[str]]:
    """The files to write to add (or complete) the edition ``code``: [(path, data)], and a line
    per thing done. Nothing existing changes but book.yaml, and only when ``code`` is new."""
    try:
        langs.get(code)
    except langs.LanguageError as exc:
        raise UsageError(str(exc)) from None
    if code == book.source_lang:
        raise UsageError(f"{code!r} is the book's source language")
    files: list[tuple[str, bytes]] = []
    done: list[str] = []
    book_path = os.path.join(book.root, BOOK_FILE)
    if code not in book.langs:
        files.append((book_path, _book_with(book, book_path, code)))
        done.append(f"{book_path}: {code} added to translations, with its book metadata to translate")
    folder = os.path.join(book.root, code)
    for _, chapter in sorted(book.chapters[book.source_lang].items()):
        path = os.path.join(folder, os.path.basename(chapter.path))
        if os.path.exists(path):
            continue
        files.append((path, _skeleton(chapter.path, path, list(chapter.units()), code, book.source_lang)))
        done.append(f"{path}: {len(list(chapter.units()))} units to translate")
    return files, done


def _book_with(book: Book, path: str, code: str) -> bytes:
    """book.yaml with ``code`` appended to translations and an empty meta entry for it."""
    doc = yamlsrc.read(path)
    text = doc.text
    root = doc.root
    assert isinstance(root, Map)
    edits: list[tuple[int, int, str]] = []
    starts = yamlsrc._line_starts(text)
    nl = doc.newline
    trans = root.get("translations")
    assert isinstance(trans, Seq)
    start = starts[trans.pos.line - 1] + trans.pos.column - 1
    end = starts[trans.end[0]] + trans.end[1]
    if text[start] == "[":  # a flow list: [en] -> [en, ja]
        close = text.rindex("]", start, end)
        edits.append((close, close, f", {code}" if trans.items else code))
    else:  # a block list: one more "- ja" line, indented like the others
        last = trans.items[-1]
        indent = " " * (last.pos.column - 3)
        at = starts[last.end[0] + 1] if last.end[0] + 1 < len(starts) else len(text)
        edits.append((at, at, f"{indent}- {code}{nl}"))
    meta = root.get("meta")
    assert isinstance(meta, Map) and meta.pairs
    key_indent = " " * (meta.pairs[0][0].pos.column - 1)
    field_indent = key_indent + "  "
    block = f"{key_indent}{code}:{nl}" + "".join(
        f'{field_indent}{name}: ""{nl}' for name in ("title", "author", "publisher", "credit")
    )
    last_line = meta.end[0] if meta.end[1] == 0 else meta.end[0] + 1
    at = starts[last_line] if last_line < len(starts) else len(text)
    prefix = "" if text[:at].endswith(("\n", "\r")) else nl
    edits.append((at, at, prefix + block))
    for a, b, new in sorted(edits, reverse=True):
        text = text[:a] + new + text[b:]
    data = text.encode("utf-8")
    yamlsrc.parse(path, data)  # refuse to write a file that would not load
    return (b"\xef\xbb\xbf" if doc.bom else b"") + data


def _skeleton(source_path: str, path: str, units: list[Unit], code: str, source_lang: str) -> bytes:
    """A chapter file for ``code``: the source file with every unit's text emptied."""
    with open(source_path, "rb") as fh:
        data = fh.read()
    text = data.decode("utf-8-sig")
    lines = text.splitlines(keepends=True)
    # the source file's leading comments describe the source edition: say what this file is
    while lines and lines[0].lstrip().startswith("#"):
        lines.pop(0)
    name, base = langs.get(code).name, os.path.basename(path)
    header = (
        f"# {base}: the {code} ({name}) edition of {source_lang}/{base},\n"
        f"# started by `pipeline add-language {code}`. Fill in each empty text (or import a PO or XLIFF\n"
        "# file); `pipeline status` shows what is left.\n"
    )
    skeleton = (header + "".join(lines)).encode("utf-8")
    editor = Editor(path, data=skeleton)
    for unit in units:
        editor.set_text(unit, "")
    return editor.render().encode("utf-8")


def write(files: list[tuple[str, bytes]]) -> None:
    for folder in {os.path.dirname(p) for p, _ in files}:
        os.makedirs(folder, exist_ok=True)
    write_files_atomic(files)
