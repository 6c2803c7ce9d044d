"""A round trip through gettext PO files, for translators' tools (Poedit, OmegaT, Weblate, Lokalize).

One PO file holds one chapter's translation into one language:

- ``msgctxt`` is the unit id, and so is the first extracted comment (``#. id: …``): tools that
  drop ``msgctxt`` (Translate Toolkit's po2xliff, for one) keep extracted comments, so their
  files still import;
- ``msgid`` is the source text, ``msgstr`` the translation, ``#:`` the places of both;
- ``#.`` comments say where the unit stands (section, block kind) and carry the units' notes
  for translators;
- ``#, fuzzy`` marks units that are not reviewed (stale or untranslated); a stale unit carries
  its previous source text as ``#| msgid`` when the sources' git history has it, so Poedit
  shows what changed;
- an untranslated unit whose source matches a reviewed unit of the book gets that translation
  as a fuzzy suggestion, its score in a comment.

Reading and writing PO is Babel's (:mod:`babel.messages.pofile`); importing writes changed
texts back into the YAML in place. Import is partial: entries whose source text changed since
the export, or whose unit is gone, are skipped and listed; fuzzy entries are left out (as
msgfmt leaves them out); everything else goes in. Broken files and texts the sources cannot
take (broken tags, invisible characters) stop the import before anything is written.
"""

from __future__ import annotations

import io
import os
from typing import TYPE_CHECKING

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import PoFileError, PoFileParser, write_po

from pipeline import __version__, langs
from pipeline.dates import build_timestamp
from pipeline.errors import Position, Problem, SourceError
from pipeline.interchange import common
from pipeline.interchange.common import REVIEWED, STALE, UNTRANSLATED, Plan
from pipeline.model import Book, Chapter, Unit

if TYPE_CHECKING:  # RapidFuzz is imported only when an export has something to suggest for
    from pipeline.interchange.suggest import Memory

ID_COMMENT = "id: "  # the extracted comment that repeats msgctxt


def _header_comment(book: Book, key: str, source: common.Document, lang: str) -> str:
    meta = book.meta.get(book.source_lang)
    title = meta.title.plain if meta else key
    what = f"chapter {source.number.value}" if isinstance(source, Chapter) else "book metadata"
    return (
        f"# {title}, {what} ({key}): "
        f"{langs.get(book.source_lang).name} -> {langs.get(lang).name}.\n"
        "# Made by `pipeline po export`; msgctxt (and the comment `#. id:`) is the unit id.\n"
        "# Import with `pipeline po import FILE`; fuzzy entries are not imported."
    )


def export_catalog(book: Book, key: str, lang: str, suggestions: bool = True) -> Catalog:
    """The PO catalog of document ``key`` (a chapter, or ``book``) translated into ``lang``."""
    source, target = common.pair(book, key, lang, "PO files")
    stamp = build_timestamp(common.edition(book, target))
    meta = book.meta.get(book.source_lang)
    title = meta.title.plain if meta else key
    catalog = Catalog(
        locale=langs.get(lang).locale,
        project=f"{title} / {key}",  # the chapter key: `po import` finds the chapter here
        version=common.edition(book, target).isoformat(),  # the edition it was made from
        creation_date=stamp,
        revision_date=stamp,
        fuzzy=False,
        copyright_holder=meta.author.plain if meta else "",
        header_comment=_header_comment(book, key, source, lang),
    )
    # Babel's constructor turns an empty address into its placeholder EMAIL@ADDRESS, which
    # translators' tools then show as if it were real; the sources name no contact
    catalog.msgid_bugs_address = ""
    catalog.last_translator = f"pipeline {__version__}"
    catalog.language_team = langs.get(lang).name
    twins = {u.id: u for u in target.units()}
    where = common.places(source)
    states = {u.id: common.status(u, twins.get(u.id)) for u in source.units()}
    stale_fps = {twins[i].source for i, s in states.items() if s == STALE and twins[i].source}
    previous = common.previous_sources(source.path, stale_fps)  # type: ignore[arg-type]
    memory = _memory(book, lang) if suggestions and any(s != REVIEWED for s in states.values()) else None
    for unit in source.units():
        twin = twins.get(unit.id)
        state = states[unit.id]
        comments = [ID_COMMENT + unit.id, where.get(unit.id, "")]
        comments += [f"note: {c}" for c in (unit.comment, twin.comment if twin else None) if c]
        locations = [(os.path.relpath(unit.pos.path), unit.pos.line)]
        if twin is not None:
            locations.append((os.path.relpath(twin.pos.path), twin.pos.line))
        message = Message(
            unit.text,
            twin.text if twin else "",
            locations=locations,
            flags=[] if state == REVIEWED else ["fuzzy"],
            auto_comments=[c for c in comments if c],
            context=unit.id,
        )
        if state == STALE:
            _mark_stale(message, twin, previous)  # type: ignore[arg-type]
        if memory is not None and state != REVIEWED:
            _suggest(message, memory, key, unit, state)
        catalog[unit.text] = message
    return catalog


def _memory(book: Book, lang: str) -> Memory:
    from pipeline.interchange.suggest import Memory

    return Memory(book, lang)


def _mark_stale(message: Message, twin: Unit, previous: dict[str, str]) -> None:
    old = previous.get(twin.source or "")
    if old is not None:
        message.previous_id = [old]  # Babel keeps msgid and msgid_plural in a list
        message.auto_comments.append("stale: the source text changed since this translation was reviewed")
    elif twin.source:
        message.auto_comments.append(
            f"stale: the source text changed since this translation was reviewed; the text it rendered "
            f"(fingerprint {twin.source}) is not in the sources' git history"
        )
    else:
        message.auto_comments.append("not reviewed: the translation records no source fingerprint")


def _suggest(message: Message, memory: Memory, key: str, unit: Unit, state: str) -> None:
    found = memory.suggest(key, unit)
    if found is None:
        return
    kind = "exact" if found.score == 100 else "fuzzy"
    note = f"suggestion: {found.score}% {kind} match with {found.origin}, not reviewed"
    if state == UNTRANSLATED:
        message.string = found.target  # fuzzy, so neither msgfmt nor `po import` takes it as done
        message.auto_comments.append(note)
    else:  # a stale unit keeps its own earlier translation; the suggestion is only shown
        message.auto_comments.append(f"{note}: {found.target}")


def export_po(book: Book, key: str, lang: str, suggestions: bool = True) -> bytes:
    out = io.BytesIO()
    catalog = export_catalog(book, key, lang, suggestions)
    write_po(out, catalog, width=76, sort_output=False, include_previous=True)
    return out.getvalue()


# -- import -------------------------------------------------------------------------------------


class _Entries(Catalog):
    """A catalog that keeps every entry in file order, duplicates included.

    Babel's Catalog merges entries with the same msgid and msgctxt; a file that lost its
    msgctxt (po2xliff, then xliff2po) has several entries with the same msgid, each for its
    own unit.
    """

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[Message] = []

    def __setitem__(self, id: object, message: Message) -> None:
        if id:
            self.entries.append(message)
        else:
            super().__setitem__(id, message)  # type: ignore[index]


class PoFile:
    """A PO file as read for import: its entries and what its header says."""

    def __init__(self, path: str, catalog: _Entries) -> None:
        self.path = path
        self.entries = catalog.entries
        project = catalog.project or ""
        self.key = project.rsplit(" / ", 1)[1].strip() if " / " in project else None
        self.language = str(catalog.locale_identifier or "") or None


def read_po_file(path: str, data: bytes) -> PoFile:
    catalog = _Entries()
    try:
        PoFileParser(catalog, ignore_obsolete=True, abort_invalid=True).parse(io.BytesIO(data))
    except PoFileError as exc:
        raise SourceError(
            [Problem(Position(path, getattr(exc, "lineno", 1) or 1, 1), "", f"invalid PO file: {exc}")]
        ) from None
    except (ValueError, UnicodeDecodeError, LookupError) as exc:
        raise SourceError([Problem(Position(path, 1, 1), "", f"unreadable PO file: {exc}")]) from None
    if not catalog.entries:
        raise SourceError(
            [
                Problem(
                    Position(path, 1, 1), "", "no entries found (is it a PO file from `pipeline po export`?)"
                )
            ]
        )
    return PoFile(path, catalog)


def _msgstr(message: Message) -> str:
    return message.string if isinstance(message.string, str) else message.string[0]


def _unit_id(message: Message, by_text: dict[str, list[str]]) -> tuple[str | None, str]:
    """The unit an entry is for: msgctxt, else the `#. id:` comment, else a msgid of one unit.

    A msgctxt that names no unit gives way to the comment: xliff2po, for one, writes the
    entry's places into msgctxt to tell equal msgids apart.
    """
    ids = {i for ids in by_text.values() for i in ids}
    if message.context in ids:
        return message.context, ""
    for comment in message.auto_comments:
        if comment.startswith(ID_COMMENT):
            return comment[len(ID_COMMENT) :].strip(), ""
    if message.context:
        return message.context, ""
    msgid = message.id if isinstance(message.id, str) else message.id[0]
    candidates = by_text.get(msgid, [])
    if len(candidates) == 1:
        return candidates[0], ""
    why = "no source unit has its msgid" if not candidates else f"{len(candidates)} units have its msgid"
    return None, f"the entry has no msgctxt and no '#. {ID_COMMENT}…' comment, and {why}"


def plan_import(book: Book, key: str, lang: str, po: PoFile) -> Plan:
    """What importing ``po`` changes and skips; SourceError (nothing written) for unusable texts."""
    source, target = common.pair(book, key, lang, "PO files")
    sources = {u.id: u for u in source.units()}
    twins = {u.id: u for u in target.units()}
    by_text: dict[str, list[str]] = {}
    for unit in sources.values():
        by_text.setdefault(unit.text, []).append(unit.id)
    plan, problems, seen = Plan(), [], set()
    for message in po.entries:
        where = Position(po.path, message.lineno or 1, 1)
        unit_id, why = _unit_id(message, by_text)
        if unit_id is None:
            plan.skipped.append(Problem(where, "msgctxt", why))
            continue
        if unit_id not in sources:
            plan.skipped.append(Problem(where, unit_id, f"no unit {unit_id!r} in chapter {key!r}"))
            continue
        if unit_id not in twins:
            where_t = os.path.relpath(target.path)
            plan.skipped.append(Problem(where, unit_id, f"the unit is missing from {where_t}: add it first"))
            continue
        if message.id != sources[unit_id].text:
            plan.skipped.append(common.skipped_source_changed(where, unit_id, "msgid"))
            continue
        if unit_id in seen:
            plan.skipped.append(Problem(where, unit_id, "a second entry for the same unit"))
            continue
        seen.add(unit_id)
        text = _msgstr(message)
        bad = common.text_problem(text, sources[unit_id].text) if text else None
        if bad:  # the sources would refuse it: say so here, about the PO file, and write nothing
            problems.append(Problem(where, unit_id, f"msgstr: {bad}"))
            continue
        if message.fuzzy:
            plan.unfinished += text != twins[unit_id].text
            continue
        found = common.change(sources[unit_id], twins[unit_id], text, accept=True)
        if found is not None:
            plan.changes.append(found)
    if problems:
        raise SourceError(problems)
    return plan


def import_po(book: Book, key: str, lang: str, po: PoFile) -> Plan:
    plan = plan_import(book, key, lang, po)
    common.apply_changes(common.pair(book, key, lang)[1].path, plan.changes)
    return plan
