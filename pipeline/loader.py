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
from pipeline.errors import Position, Problem, SourceError
from pipeline.model import (
    Book,
    Cell,
    Chapter,
    Criterion,
    Fact,
    Glossary,
    Meta,
    Note,
    Profile,
    Rendering,
    Subject,
    Table,
    Term,
    Unit,
    Waiver,
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
    def unit(self, node: Node | None, fieldpath: str, extra: tuple[str, ...] = ()) -> Unit | None:
        """A translatable text: a string, or a mapping with text, source, comment and ignore."""
        if node is None:
            return None
        if isinstance(node, Scalar):
            text = self.string(node, fieldpath)
            return None if text is None else Unit(fieldpath, text, node.pos, node=node)
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
        unit = Unit(fieldpath, text, text_node.pos, node=m)
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
CHAPTER_FIELDS = ("meta", "introduction", "table", "profiles")
META_FIELDS = ("chapter", "language", "edition", "title", "book", "author", "publisher", "year", "credit")
TABLE_FIELDS = ("title", "caption", "subject-label", "criteria", "rows")


def _read_meta(r: _Reader, node: Node, lang: str) -> Meta | None:
    m = r.mapping(node, "meta", META_FIELDS)
    if m is None:
        return None
    language = r.fact_str(m.get("language"), "meta.language")
    if language is not None and language.value != lang:
        r.problem(
            language.pos, "meta.language", f"is {language.value!r} but the file is in the {lang!r} folder"
        )
    parts = {
        "chapter": r.fact_int(m.get("chapter"), "meta.chapter"),
        "year": r.fact_int(m.get("year"), "meta.year"),
        "edition": r.edition(m.get("edition"), "meta.edition"),
        **{k: r.unit(m.get(k), f"meta.{k}") for k in ("title", "book", "author", "publisher", "credit")},
    }
    if language is None or any(v is None for v in parts.values()):
        return None
    edition_node = m.get("edition")
    assert edition_node is not None
    return Meta(language=language, edition_pos=edition_node.pos, **parts)  # type: ignore[arg-type]


def _read_criteria(r: _Reader, node: Node, note_ids: set[str]) -> list[Criterion]:
    out = []
    for sub, value in r.entries(node, "table.criteria", units=True):
        label = r.unit(value, sub, extra=("note",))
        note = _note_ref(r, value, sub, note_ids)
        if label is not None:
            out.append(Criterion(sub.rsplit(".", 1)[1], label, note))
    return out


def _note_ref(r: _Reader, node: Node, fieldpath: str, note_ids: set[str]) -> Fact | None:
    ref_node = node.get("note") if isinstance(node, Map) else None
    ref = r.fact_note_ref(ref_node, _join(fieldpath, "note"))
    if ref is not None and ref.value not in note_ids:
        r.problem(ref.pos, ref.id, f"no note {ref.value!r} in table.notes")
        return None
    return ref


CELL_KINDS = ("flag", "names", "text")


def _read_cell(r: _Reader, node: Node, fieldpath: str, note_ids: set[str]) -> Cell | None:
    """A flag (true/false), a list of names, or translatable text; a mapping adds a note."""
    if isinstance(node, Scalar) and node.kind == "boolean":
        value: Unit | Fact | None = r.fact_bool(node, fieldpath)
    elif isinstance(node, Seq):
        value = r.fact_names(node, fieldpath)
    elif isinstance(node, Map):
        kinds = [k for k in CELL_KINDS if node.get(k) is not None]
        if len(kinds) != 1:
            r.problem(node, fieldpath, "a cell mapping has exactly one of: flag, names, text")
            return None
        kind = kinds[0]
        if kind == "text":
            value = r.unit(node, fieldpath, extra=("note",))
        else:
            r.mapping(node, fieldpath, (kind,), ("note",))
            sub = node.get(kind)
            assert sub is not None
            value = r.fact_bool(sub, fieldpath) if kind == "flag" else r.fact_names(sub, fieldpath)
    else:
        value = r.unit(node, fieldpath)
    note = _note_ref(r, node, fieldpath, note_ids)
    return None if value is None else Cell(fieldpath, value, note)


def _read_notes(r: _Reader, node: Node | None) -> list[Note]:
    out = []
    if node is None:
        return out
    for sub, value in r.entries(node, "table.notes", units=True):
        note_id = sub.rsplit(".", 1)[1]
        if isinstance(value, Map) and value.get("text") is None:
            r.mapping(value, sub, ("url",))
            url_node = value.get("url")
            url = r.fact_url(url_node, _join(sub, "url")) if url_node else None
            out.append(Note(note_id, value.pos, url=url))
            continue
        text = r.unit(value, sub, extra=("url",))
        url_node = value.get("url") if isinstance(value, Map) else None
        url = r.fact_url(url_node, _join(sub, "url")) if url_node is not None else None
        out.append(Note(note_id, value.pos, text=text, url=url))
    return out


def _read_table(r: _Reader, node: Node) -> Table | None:
    m = r.mapping(node, "table", TABLE_FIELDS, ("notes", "editor-note"))
    if m is None:
        return None
    notes_node = m.get("notes")
    notes = _read_notes(r, notes_node)
    note_ids = {n.id for n in notes}
    criteria = _read_criteria(r, m.get("criteria"), note_ids) if m.get("criteria") else []
    crit_ids = [c.id for c in criteria]
    subjects = []
    rows = m.get("rows")
    for sub, value in r.entries(rows, "table.rows") if rows is not None else []:
        row = r.mapping(value, sub, ("name",), tuple(crit_ids))
        if row is None:
            continue
        name = r.fact_str(row.get("name"), _join(sub, "name"))
        cells = {}
        for key, cell_node in row.pairs:
            if key.value in crit_ids:
                cell = _read_cell(r, cell_node, _join(sub, key.value), note_ids)
                if cell is not None:
                    cells[key.value] = cell
        if name is not None:
            # cells follow the order of the criteria, whatever the order in the file
            ordered = {c: cells[c] for c in crit_ids if c in cells}
            subjects.append(Subject(sub.rsplit(".", 1)[1], name, ordered, value.pos))
    parts = [r.unit(m.get(k), f"table.{k}") for k in ("title", "caption", "subject-label")]
    editor_note = r.unit(m.get("editor-note"), "table.editor-note")
    if any(p is None for p in parts):
        return None
    title, caption, label = parts
    assert title and caption and label
    return Table(title, caption, label, criteria, subjects, notes, editor_note)


def _read_profiles(r: _Reader, node: Node | None, subject_ids: set[str]) -> list[Profile]:
    out = []
    if node is None:
        return out
    for sub, value in r.entries(node, "profiles"):
        pid = sub.rsplit(".", 1)[1]
        if subject_ids and pid not in subject_ids:
            key = next(k for k, v in node.pairs if v is value)  # type: ignore[union-attr]
            r.problem(key, sub, f"no subject {pid!r} in table.rows")
        m = r.mapping(value, sub, ("description", "pros"), ("cons", "editor-note"))
        if m is None:
            continue
        out.append(
            Profile(
                pid,
                value.pos,
                description=r.units(m.get("description"), _join(sub, "description")),
                pros=r.units(m.get("pros"), _join(sub, "pros"), allow_empty=True),
                cons=r.units(m.get("cons"), _join(sub, "cons"), allow_empty=True),
                editor_note=r.unit(m.get("editor-note"), _join(sub, "editor-note")),
            )
        )
    return out


def read_chapter(doc: yamlsrc.Document, lang: str, key: str) -> Chapter:
    """Build a Chapter from a parsed file, or raise SourceError with all its problems."""
    r = _Reader(doc)
    root = r.mapping(doc.root, "", ("meta", "introduction", "table"), ("profiles-title", "profiles"))
    if root is None:
        raise SourceError(r.problems)
    meta = _read_meta(r, root.get("meta"), lang) if root.get("meta") else None
    intro = r.units(root.get("introduction"), "introduction")
    table = _read_table(r, root.get("table")) if root.get("table") else None
    subject_ids = {s.id for s in table.subjects} if table else set()
    profiles_title = r.unit(root.get("profiles-title"), "profiles-title")
    profiles = _read_profiles(r, root.get("profiles"), subject_ids)
    if profiles and profiles_title is None and root.get("profiles-title") is None:
        r.problem(root, "profiles-title", "missing required field (the chapter has profiles)")
    if r.problems or meta is None or table is None:
        raise SourceError(r.problems)
    return Chapter(key, lang, doc.path, meta, intro, table, profiles_title, profiles, doc.root.pos)


def load_chapter(path: str, lang: str) -> Chapter:
    key = os.path.splitext(os.path.basename(path))[0]
    return read_chapter(yamlsrc.read(path), lang, key)


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
            m = r.mapping(value, sub, tuple(codes))
            if m is None:
                continue
            found = {c: _read_rendering(r, m.get(c), _join(sub, c)) for c in codes if m.get(c)}
            renderings = {c: v for c, v in found.items() if v is not None}
            terms.append(Term(sub.rsplit(".", 1)[1], value.pos, renderings))
    if r.problems:
        raise SourceError(r.problems)
    return Glossary(doc.path, terms)


# -- book ------------------------------------------------------------------------------------
def _read_config(root: str) -> tuple[str, list[str], str | None]:
    path = os.path.join(root, BOOK_FILE)
    doc = yamlsrc.read(path)
    r = _Reader(doc)
    m = r.mapping(doc.root, "", ("source", "translations"), ("glossary",))
    source = r.string(m.get("source"), "source") if m else None
    names = r.fact_names(m.get("translations"), "translations") if m and m.get("translations") else None
    glossary = r.string(m.get("glossary"), "glossary") if m and m.get("glossary") else None
    codes = [source, *(names.value if names else ())] if source else []
    for i, code in enumerate(codes):
        if code not in langs.LANGUAGES:
            known = ", ".join(sorted(langs.LANGUAGES))
            r.problem(
                doc.root,
                "source" if i == 0 else "translations",
                f"unknown language {code!r} (known: {known})",
            )
        elif code in codes[:i]:
            what = "the source language" if code == source else "listed twice"
            r.problem(m.get("translations") or doc.root, "translations", f"{code!r} is {what}")  # type: ignore[union-attr]
    if glossary is not None and not _inside(glossary):
        r.problem(m.get("glossary") or doc.root, "glossary", "name a file inside the sources folder")  # type: ignore[union-attr]
    if r.problems or source is None or names is None:
        raise SourceError(r.problems)
    return source, list(codes), glossary  # type: ignore[arg-type]


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
    source, codes, glossary_name = _read_config(root)
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
                chapters[lang][key] = load_chapter(path, lang)
            except SourceError as exc:
                problems.extend(exc.problems)
    for lang in codes:  # two files with one chapter number: one of them is misnumbered
        numbered: dict[object, Chapter] = {}
        for chapter in chapters[lang].values():
            first = numbered.setdefault(chapter.meta.chapter.value, chapter)
            if first is not chapter:
                number, other = chapter.meta.chapter, first.meta.chapter.pos
                message = f"chapter {number.value} again (as in {other}); give each chapter its own number"
                problems.append(Problem(number.pos, "meta.chapter", message))
    glossary = Glossary(None, [])
    if glossary_name:
        try:
            glossary = read_glossary(yamlsrc.read(os.path.join(root, glossary_name)), codes)
        except SourceError as exc:
            problems.extend(exc.problems)
    if problems:
        raise SourceError(problems)
    return Book(root, source, codes, chapters, glossary, orphans)
