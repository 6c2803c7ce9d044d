"""What PO, XLIFF and TMX share: documents and their twins, unit states, places, imports.

A *document* is a chapter or the book's metadata (book.yaml, key ``book``): both list their
units with ``units()`` and know their file. A translation unit is *reviewed* when its
``source:`` fingerprint is that of the current source text, *stale* when it has another one (or
none), *untranslated* when it is missing or empty.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from datetime import date

from lxml import etree

from pipeline import inline, langs, yamlsrc
from pipeline.errors import Position, Problem, UsageError
from pipeline.model import Block, Book, BookMeta, Chapter, Unit, fingerprint

Document = Chapter | BookMeta
BOOK_KEY = "book"  # the book's metadata, named like a chapter (as `pipeline stamp` does)

UNTRANSLATED, STALE, REVIEWED = "untranslated", "stale", "reviewed"


def document_keys(book: Book) -> list[str]:
    """Keys of every source document: the chapters, then the book's metadata."""
    keys = sorted(book.chapters.get(book.source_lang, {}))
    return [*keys, BOOK_KEY] if book.source_lang in book.meta else keys


def check_lang(book: Book, lang: str, what: str) -> None:
    if lang == book.source_lang or lang not in book.langs:
        targets = ", ".join(book.langs[1:])
        raise UsageError(f"--lang {lang!r}: {what} are made for a translation ({targets})")


def pair(book: Book, key: str, lang: str, what: str = "translators' files") -> tuple[Document, Document]:
    """The source document ``key`` and its translation into ``lang``; UsageError when missing."""
    check_lang(book, lang, what)
    if key == BOOK_KEY and book.source_lang in book.meta and lang in book.meta:
        return book.meta[book.source_lang], book.meta[lang]
    try:
        return book.chapters[book.source_lang][key], book.chapters[lang][key]
    except KeyError:
        known = ", ".join(document_keys(book))
        raise UsageError(
            f"no chapter {key!r} in both {book.source_lang} and {lang} (known: {known})"
        ) from None


def edition(book: Book, doc: Document) -> date:
    """The edition date a file made from ``doc`` carries (the newest chapter's for book.yaml)."""
    if isinstance(doc, Chapter):
        return doc.edition
    editions = [c.edition for by_key in book.chapters.values() for c in by_key.values()]
    return max(editions) if editions else date(1970, 1, 1)


def status(source: Unit, twin: Unit | None) -> str:
    if twin is None or not twin.text.strip():
        return UNTRANSLATED
    return REVIEWED if twin.source == fingerprint(source.text) else STALE


def bcp47(lang: str) -> str:
    try:
        return langs.get(lang).bcp47
    except (KeyError, ValueError):  # a language the toolkit cannot describe: its code is a tag too
        return lang


def lang_of_tag(book: Book, tag: str) -> str | None:
    """The book's language for a language tag or locale as tools write it (en, en-US, zh_Hans_CN)."""
    norm = tag.replace("_", "-").lower()
    for code in book.langs:
        try:
            lang = langs.get(code)
        except (KeyError, ValueError):
            continue
        if norm in {code.lower(), lang.bcp47.lower(), lang.locale.replace("_", "-").lower()}:
            return code
    base = norm.split("-")[0]
    return next((code for code in book.langs if code.lower() == base), None)


# -- where a unit stands ------------------------------------------------------------------------


def places(doc: Document) -> dict[str, str]:
    """For each unit id, where it stands: its section's title and the kind of block it is in."""
    if isinstance(doc, BookMeta):
        return {u.id: f"book metadata ({u.id.removeprefix('book.')})" for u in doc.units()}
    out = {doc.title.id: "chapter title"}
    _places(doc.blocks, "", out)
    for note in doc.footnotes:
        out[note.text.id] = f"footnote {note.name}"
    return out


def _places(blocks: list[Block], section: str, out: dict[str, str]) -> None:
    where = f"in section “{section}”: " if section else ""
    for block in blocks:
        for unit in block.units():
            out[unit.id] = where + _kind(block, unit)
        inner = section
        if block.kind == "section":
            inner = inline.text_of(block.title.inlines)  # type: ignore[attr-defined]
        _places(block.children(), inner, out)


def _kind(block: Block, unit: Unit) -> str:
    rest = unit.id[len(block.id) + 1 :] if unit.id != block.id else ""
    if block.kind == "table":
        part = rest.split(".")
        if part[0] == "columns":
            return f"table {block.id}, header of column {part[1]}"
        if part[0] == "rows":
            return f"table {block.id}, row {part[1]}, column {part[2]}"
        if part[0] == "notes":
            return f"table {block.id}, note {part[1]}"
        return f"table {block.id}, caption"
    if block.kind == "list":
        return f"list {block.id}, item {rest}"
    if block.kind in ("section", "callout"):
        return f"{block.kind} {block.id}, title"
    if block.kind == "quote":
        return f"quote {block.id}, attribution" if rest else f"quote {block.id}"
    if block.kind == "code":
        return f"code {block.id}, caption"
    return f"{block.kind} {block.id}"


def reviewed_pairs(book: Book, lang: str) -> Iterator[tuple[str, Unit, Unit]]:
    """Every reviewed (source unit, translation) of the book into ``lang``, with its document key."""
    for key in document_keys(book):
        try:
            source, target = pair(book, key, lang)
        except UsageError:
            continue
        twins = {u.id: u for u in target.units()}
        for unit in source.units():
            twin = twins.get(unit.id)
            if status(unit, twin) == REVIEWED:
                yield key, unit, twin  # type: ignore[misc]


def indent(elem: etree._Element, leaves: set[str], level: int = 0) -> None:
    """Indent an element tree for reading, but never inside the ``leaves`` (text content).

    lxml's own ``indent()`` also adds a newline after the last inline code of a text, which
    would change the text; here elements named in ``leaves`` are left exactly as built.
    """
    if etree.QName(elem).localname in leaves or not len(elem):
        return
    pad = "\n" + "  " * (level + 1)
    elem.text = pad
    for child in elem:
        indent(child, leaves, level + 1)
        child.tail = pad
    elem[-1].tail = "\n" + "  " * level


# -- the previous source text of stale units ----------------------------------------------------


def previous_sources(path: str, wanted: set[str], max_revisions: int = 200) -> dict[str, str]:
    """Earlier source texts by fingerprint, found in the git history of the source file ``path``.

    The sources keep only a fingerprint of the text a translation renders, not the text. When
    the sources are in a git repository, the file's earlier versions hold it: every string of
    each version is fingerprinted until every wanted fingerprint is found (newest first, at most
    ``max_revisions`` versions). Without git, or outside a repository, nothing is found.
    """
    found: dict[str, str] = {}
    if not wanted:
        return found
    folder, name = os.path.split(os.path.abspath(path))
    revisions = _git(folder, "log", f"-n{max_revisions}", "--format=%H", "--", name)
    for rev in (revisions or b"").decode("ascii", "replace").split():
        data = _git(folder, "show", f"{rev}:./{name}")
        if data is None:
            continue
        for text in _strings(data):
            fp = fingerprint(text)
            if fp in wanted and fp not in found:
                found[fp] = text
        if wanted <= found.keys():
            break
    return found


def _git(folder: str, *args: str) -> bytes | None:
    try:
        done = subprocess.run(
            ["git", "-C", folder, *args],
            capture_output=True,
            timeout=30,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def _strings(data: bytes) -> Iterator[str]:
    """Every string scalar of a YAML file (an old version may not load as a chapter today)."""
    import yaml

    try:
        root = yaml.load(data, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (yaml.YAMLError, UnicodeDecodeError, ValueError):
        return
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            yield node
        elif isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


# -- imports ------------------------------------------------------------------------------------


class Change:
    """One translation unit to rewrite: a new text and/or a new fingerprint (None: unchanged)."""

    __slots__ = ("source", "text", "unit")

    def __init__(self, unit: Unit, text: str | None, source: str | None) -> None:
        self.unit = unit
        self.text = text
        self.source = source


class Plan:
    """What an import does: the changes, the entries skipped (with why), the unfinished ones."""

    def __init__(self) -> None:
        self.changes: list[Change] = []
        self.skipped: list[Problem] = []
        self.unfinished = 0  # fuzzy (PO) or initial (XLIFF) entries: never imported


def text_problem(text: str, source: str | None = None) -> str | None:
    """Why ``text`` cannot go into the sources (a character YAML refuses, broken tags, a
    reference to a section, table or footnote its source text does not name, which would leave
    the sources unloadable), or None."""
    bad = yamlsrc.bad_char(text)
    if bad:
        return yamlsrc.refusal(bad)
    try:
        nodes = inline.parse(text)
    except inline.InlineError as exc:
        return exc.message
    if source is not None and "<" in text:
        allowed = {(a.tag, a.value) for a in inline.atoms(inline.parse(source)) if a.tag in ("ref", "fn")}
        for atom in inline.atoms(nodes):
            if atom.tag in ("ref", "fn") and (atom.tag, atom.value) not in allowed:
                return f"{atom.markup()} names nothing its source text refers to"
    return None


def change(source: Unit, twin: Unit, text: str, accept: bool) -> Change | None:
    """The change a finished entry asks for: ``text`` translates ``source``.

    Callers leave unfinished entries out (fuzzy, XLIFF state initial), as msgfmt does: they may
    hold a suggestion nobody looked at. An empty text keeps what the sources have. The
    fingerprint moves only when the translator touched the unit: a new text, or (``accept``)
    a stale unit marked reviewed without a change.
    """
    if not text:
        return None
    fp = fingerprint(source.text)
    new_text = text if text != twin.text else None
    new_source = fp if twin.source != fp and (new_text is not None or accept) else None
    if new_text is None and new_source is None:
        return None
    return Change(twin, new_text, new_source)


def apply_changes(path: str, changes: list[Change]) -> bool:
    """Write the changes into the translation file in place; False when nothing changed."""
    from pipeline.yamledit import Editor

    if not changes:
        return False
    editor = Editor(path)
    for c in changes:
        if c.text is not None:
            editor.set_text(c.unit, c.text)
        if c.source is not None:
            editor.set_source(c.unit, c.source)
    return editor.save()


def report(file: str, plan: Plan) -> int:
    """Print what an import did; exit status 1 when entries were skipped (findings), else 0."""
    import sys

    texts = sum(c.text is not None for c in plan.changes)
    stamps = sum(c.source is not None for c in plan.changes)
    line = (
        f"{file}: {texts} translation{'s' if texts != 1 else ''} changed, "
        f"{stamps} fingerprint{'s' if stamps != 1 else ''} updated"
    )
    if plan.unfinished:
        line += (
            f"; {plan.unfinished} unfinished (fuzzy) entr{'ies' if plan.unfinished != 1 else 'y'} left out"
        )
    print(line)
    for problem in sorted(plan.skipped):
        print(f"{problem} (skipped)", file=sys.stderr)
    if plan.skipped:
        n = len(plan.skipped)
        print(
            f"pipeline: {n} entr{'ies' if n != 1 else 'y'} skipped; everything else was imported",
            file=sys.stderr,
        )
        return 1
    return 0


def skipped_source_changed(where: Position, unit_id: str, what: str) -> Problem:
    return Problem(
        where,
        unit_id,
        f"the {what} differs from the current source text (it changed since the export): export again",
    )
