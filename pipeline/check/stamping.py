"""Accepting reviewed translations: rewriting the fingerprints of stale units.

A unit is named by its id (``profiles.caffe.pros.feedforward``), optionally prefixed by its
chapter (``ch14:profiles.caffe.pros.feedforward``); shell-style wildcards select several
(``'profiles.caffe.*'``). The book's metadata in book.yaml is named like a chapter whose key is
``book`` (``book.title``, ``book:book.*``). A name is looked up in every translation. Only units whose
fingerprint is missing or stale are rewritten: stamping an up-to-date unit changes nothing.
"""

from __future__ import annotations

import fnmatch
import sys
from collections.abc import Iterator

from pipeline.check.stale import is_stale
from pipeline.errors import Position, UsageError
from pipeline.model import Book, BookMeta, Chapter, Unit, fingerprint
from pipeline.yamledit import Editor


class Stamp:
    """One fingerprint to write: the translation unit, its old and its new fingerprint.

    A plain class, not a dataclass: `pipeline check --accept` must start fast (see pipeline.record).
    """

    __slots__ = ("new", "old", "path", "unit")

    def __init__(self, unit: Unit, path: str, old: str | None, new: str) -> None:
        self.unit = unit
        self.path = path
        self.old = old
        self.new = new


def _documents(book: Book) -> Iterator[tuple[Chapter | BookMeta, list[Chapter | BookMeta]]]:
    """Each source document (chapter, then the book's metadata) with its translations."""
    for key, source in book.chapters[book.source_lang].items():
        yield source, [book.chapters[lang][key] for lang in book.langs[1:] if key in book.chapters[lang]]
    if book.source_lang in book.meta:
        yield book.meta[book.source_lang], [book.meta[lang] for lang in book.langs[1:] if lang in book.meta]


def _twins(book: Book) -> Iterator[tuple[str, Unit, Unit]]:
    """(document key, source unit, translation unit) for every unit with a twin."""
    for source, translations in _documents(book):
        by_id = {u.id: u for u in source.units()}
        for doc in translations:
            for unit in doc.units():
                if unit.id in by_id:
                    yield source.key, by_id[unit.id], unit


def _matches(name: str, key: str, unit_id: str) -> bool:
    chapter, sep, pattern = name.rpartition(":")
    if sep and not fnmatch.fnmatchcase(key, chapter):
        return False
    return fnmatch.fnmatchcase(unit_id, pattern)


def plan(book: Book, names: list[str] | None = None) -> list[Stamp]:
    """The fingerprints to rewrite for ``names`` (every stale unit when None).

    Raises UsageError naming every name that matches no translation unit.
    """
    twins = list(_twins(book))
    if names is not None:
        unknown = [n for n in names if not any(_matches(n, key, t.id) for key, _, t in twins)]
        if unknown:
            raise UsageError(_unknown(unknown, twins))
    return [
        Stamp(target, target.pos.path, target.source, fingerprint(source.text))
        for key, source, target in twins
        if (names is None or any(_matches(n, key, target.id) for n in names)) and is_stale(source, target)
    ]


def _unknown(names: list[str], twins: list[tuple[str, Unit, Unit]]) -> str:
    """The message for names that match no translation unit, with the closest id of each."""
    from pipeline.suggest import close_id

    parts = []
    for name in names:
        chapter, sep, unit_id = name.rpartition(":")
        ids = {t.id for key, _, t in twins if not sep or fnmatch.fnmatchcase(key, chapter)}
        found = None if any(c in name for c in "*?[") else close_id(unit_id, ids)
        hint = f"; did you mean {chapter + sep + found!r}?" if found else ""
        parts.append(f"{name!r}{hint}")
    if all("did you mean" in p for p in parts):
        return f"no translation unit {', '.join(parts)}"
    return (
        f"no translation unit {', '.join(parts)} (ids look like profiles.caffe.pros.feedforward, "
        "optionally prefixed by the chapter: ch14:...)"
    )


def apply(stamps: list[Stamp]) -> list[str]:
    """Write the fingerprints, one atomic write per file; returns the files written.

    Every file's edits are computed and verified before any file is written.
    """
    editors: dict[str, Editor] = {}
    for s in stamps:
        editor = editors.get(s.path) or editors.setdefault(s.path, Editor(s.path))
        editor.set_source(s.unit, s.new)
    for editor in editors.values():
        editor.render()  # raises before anything is written if an edit cannot be made
    return [path for path, editor in editors.items() if editor.save()]


def stamp(
    book: Book,
    names: list[str] | None,
    verb: str = "stamped",
    dry_run: bool = False,
    out: object = None,  # a text stream (stdout by default)
    summary: bool = True,
) -> list[Stamp]:
    """Plan, write and report the fingerprints of ``names`` (every stale unit when None).

    The report (one line per fingerprint, then a summary line unless ``summary`` is false) is
    the command's result: it goes to ``out``, standard output by default.
    """
    out = sys.stdout if out is None else out
    stamps = plan(book, names)
    if not dry_run:
        apply(stamps)
    for s in stamps:
        where = Position(s.path, s.unit.pos.line, s.unit.pos.column)
        print(f"{where}: {verb} {s.unit.id} ({s.old or 'no fingerprint'} -> {s.new})", file=out)
    if summary:
        n = len(stamps)
        done = "would change" if dry_run else "updated"
        print(f"pipeline stamp: {n} fingerprint{'s' if n != 1 else ''} {done}", file=out)
    return stamps
