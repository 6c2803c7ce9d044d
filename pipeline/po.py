"""A round trip through gettext PO files, for translators' tools (Poedit, OmegaT, Weblate, Lokalize).

One PO file holds one chapter's translation into one language: ``msgctxt`` is the unit id,
``msgid`` the source text, ``msgstr`` the translation, ``#:`` the places of both in the sources,
``#,  fuzzy`` marks units whose source changed since their translation was reviewed, and the
units' ``comment`` fields become translator comments. Reading and writing PO is Babel's
(:mod:`babel.messages.pofile`); importing writes changed texts back into the YAML in place.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import PoFileError, read_po, write_po

from pipeline import __version__, inline, langs, yamlsrc
from pipeline.dates import build_timestamp
from pipeline.errors import Position, Problem, SourceError, UsageError
from pipeline.model import Book, Chapter, Unit, fingerprint


def _pair(book: Book, key: str, lang: str) -> tuple[Chapter, Chapter]:
    if lang == book.source_lang or lang not in book.langs:
        targets = ", ".join(book.langs[1:])
        raise UsageError(f"--lang {lang!r}: PO files are made for a translation ({targets})")
    try:
        return book.chapters[book.source_lang][key], book.chapters[lang][key]
    except KeyError:
        raise UsageError(f"no chapter {key!r} in both {book.source_lang} and {lang}") from None


def _is_stale(source: Unit, unit: Unit) -> bool:
    return unit.source != fingerprint(source.text)


def export_catalog(book: Book, key: str, lang: str) -> Catalog:
    """The PO catalog of chapter ``key`` translated into ``lang``."""
    source, target = _pair(book, key, lang)
    stamp = build_timestamp(target.edition)
    meta = book.meta.get(book.source_lang)
    title = meta.title.plain if meta else key
    catalog = Catalog(
        locale=langs.get(lang).locale,
        project=f"{title} / {key}",
        version=target.edition.isoformat(),  # the edition of the sources it was made from
        creation_date=stamp,
        revision_date=stamp,
        fuzzy=False,
        copyright_holder=meta.author.plain if meta else "",
        header_comment=(
            f"# {title}, chapter {source.number.value} ({key}): "
            f"{langs.get(book.source_lang).name} -> {langs.get(lang).name}.\n"
            "# Made by `pipeline po export`; msgctxt is the unit id. Import with `pipeline po import`."
        ),
    )
    # Babel's constructor turns an empty address into its placeholder EMAIL@ADDRESS, which
    # translators' tools then show as if it were real; the sources name no contact
    catalog.msgid_bugs_address = ""
    catalog.last_translator = f"pipeline {__version__}"
    catalog.language_team = langs.get(lang).name
    twins = {u.id: u for u in target.units()}
    for unit in source.units():
        twin = twins.get(unit.id)
        comments = [c for c in (unit.comment, twin.comment if twin else None) if c]
        locations = [(os.path.relpath(unit.pos.path), unit.pos.line)]
        if twin is not None:
            locations.append((os.path.relpath(twin.pos.path), twin.pos.line))
        flags = ["fuzzy"] if twin is None or _is_stale(unit, twin) else []
        catalog[unit.text] = Message(
            unit.text,
            twin.text if twin else "",
            locations=locations,
            flags=flags,
            user_comments=comments,
            context=unit.id,
        )
    return catalog


def export_po(book: Book, key: str, lang: str) -> bytes:
    out = io.BytesIO()
    write_po(out, export_catalog(book, key, lang), width=76, sort_output=False, include_previous=False)
    return out.getvalue()


@dataclass(frozen=True)
class Change:
    unit: Unit  # the translation unit as it is in the sources
    text: str | None  # new text, or None when unchanged
    source: str | None  # new fingerprint, or None when unchanged


def read_catalog(path: str, data: bytes) -> Catalog:
    try:
        return read_po(io.BytesIO(data), abort_invalid=True)
    except PoFileError as exc:
        raise SourceError(
            [Problem(Position(path, getattr(exc, "lineno", 1) or 1, 1), "", f"invalid PO file: {exc}")]
        ) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise SourceError([Problem(Position(path, 1, 1), "", f"unreadable PO file: {exc}")]) from None


def plan_import(book: Book, key: str, lang: str, catalog: Catalog, path: str) -> list[Change]:
    """What importing ``catalog`` changes; SourceError (nothing written) when it does not match."""
    source, target = _pair(book, key, lang)
    sources = {u.id: u for u in source.units()}
    twins = {u.id: u for u in target.units()}
    problems, changes = [], []
    if not any(m.id for m in catalog):
        raise SourceError(
            [
                Problem(
                    Position(path, 1, 1), "", "no entries found (is it a PO file from `pipeline po export`?)"
                )
            ]
        )
    for message in catalog:
        if not message.id:
            continue  # the header
        where = Position(path, message.lineno or 1, 1)
        unit_id = message.context or ""
        if unit_id not in sources or unit_id not in twins:
            problems.append(Problem(where, unit_id, f"no unit {unit_id!r} in chapter {key!r}"))
            continue
        if message.id != sources[unit_id].text:
            problems.append(
                Problem(where, unit_id, "the msgid differs from the source text; export the PO file again")
            )
            continue
        bad = yamlsrc.bad_char(_msgstr(message))
        if bad:  # the YAML would refuse it: say so here, about the PO file, and write nothing
            problems.append(Problem(where, unit_id, f"msgstr: {yamlsrc.refusal(bad)}"))
            continue
        try:  # broken tags would make the sources unloadable
            inline.parse(_msgstr(message))
        except inline.InlineError as exc:
            problems.append(Problem(where, unit_id, f"msgstr: {exc.message}"))
            continue
        change = _change(sources[unit_id], twins[unit_id], message)
        if change is not None:
            changes.append(change)
    if problems:
        raise SourceError(problems)
    return changes


def _msgstr(message: Message) -> str:
    return message.string if isinstance(message.string, str) else message.string[0]


def _change(source: Unit, twin: Unit, message: Message) -> Change | None:
    text = _msgstr(message)
    if not text:
        return None  # untranslated in the PO file: keep what the sources have
    new_text = text if text != twin.text else None
    reviewed = not message.fuzzy
    fp = fingerprint(source.text)
    # the fingerprint moves only when the translator touched the unit: a new msgstr or a
    # cleared fuzzy flag; an untouched stale unit stays stale
    touched = new_text is not None or (twin.source != fp and reviewed)
    new_source = fp if touched and reviewed and twin.source != fp else None
    if new_text is None and new_source is None:
        return None
    return Change(twin, new_text, new_source)


def apply_changes(path: str, changes: list[Change]) -> bool:
    """Write the changes into the translation file in place; False when nothing changed."""
    from pipeline.yamledit import Editor

    if not changes:
        return False
    editor = Editor(path)
    for change in changes:
        if change.text is not None:
            editor.set_text(change.unit, change.text)
        if change.source is not None:
            editor.set_source(change.unit, change.source)
    return editor.save()
