"""XLIFF 2.1 export and import, for CAT tools (memoQ, Trados, OmegaT through Okapi, Weblate).

One ``<file>`` per document (chapter key, or ``book`` for book.yaml), one ``<unit>`` per
translatable unit, its id ours. Each unit has one ``<segment>`` whose ``state`` maps our
fingerprints: ``initial`` (untranslated), ``translated`` (stale: the source changed since the
translation was reviewed, ``subState="pipeline:stale"``) or ``reviewed`` (accepted). Notes say
where the unit stands, carry the sources' notes for translators, and the previous source text
of a stale unit when the git history has it. Suggestions from the book's memory are
``<mtc:match>`` elements (the Translation Candidates module).

Inline tags become inline codes: paired tags ``<pc>`` (``type="fmt"``, ``xlf:b``/``xlf:i``,
``pipeline:sub``/``pipeline:sup``; links ``type="link"``), atomic ones ``<ph>``, all with
``canDelete="no"`` and their markup in ``<originalData>``. Code ids are given in the order of
the source text, so the same source text always gets the same ids: importing decodes the codes
by id against the current source text (never trusting ``<originalData>``), and a target that
lost or invented a code is skipped and reported. Tools that rewrite ``<pc>`` as ``<sc>``/``<ec>``
pairs, wrap text in ``<mrk>`` or split segments are understood.

The XML is written with lxml; tests validate every export against the OASIS core schema.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import TYPE_CHECKING

from lxml import etree

from pipeline import __version__, inline
from pipeline.errors import Position, Problem, SourceError, UsageError
from pipeline.interchange import common
from pipeline.interchange.common import REVIEWED, STALE, UNTRANSLATED, Plan
from pipeline.model import Book, Unit

if TYPE_CHECKING:
    from pipeline.interchange.suggest import Memory, Suggestion

NS = "urn:oasis:names:tc:xliff:document:2.0"
MTC = "urn:oasis:names:tc:xliff:matches:2.0"
XML_NS = "http://www.w3.org/XML/1998/namespace"
STATES = {UNTRANSLATED: "initial", STALE: "translated", REVIEWED: "reviewed"}
SUBTYPES = {"b": "xlf:b", "i": "xlf:i", "sub": "pipeline:sub", "sup": "pipeline:sup"}


def _q(name: str, ns: str = NS) -> str:
    return f"{{{ns}}}{name}"


# -- inline codes -------------------------------------------------------------------------------


def _key(node: inline.Span | inline.Atom) -> tuple[str, str | None]:
    return (node.tag, node.href) if isinstance(node, inline.Span) else (node.tag, node.value)


class Codes:
    """The inline codes of one unit: ids in source order, the markup of each, and its data."""

    def __init__(self) -> None:
        self.spec: dict[str, inline.Span | inline.Atom] = {}  # code id -> what it stands for
        self.data: list[tuple[str, str]] = []  # (data id, original markup)
        self._free: dict[tuple[str, str | None], list[str]] = {}  # source ids a target may reuse
        self._count = 0

    def new(self, node: inline.Span | inline.Atom, prefix: str = "") -> str:
        self._count += 1
        cid = f"{prefix}{self._count}"
        self.spec[cid] = node
        return cid

    def add_data(self, markup: str) -> str:
        did = f"d{len(self.data) + 1}"
        self.data.append((did, markup))
        return did

    def source_ids(self, nodes: list[inline.Node]) -> None:
        """Number the codes of a source text, in order; targets then reuse these ids."""
        for node in code_nodes(nodes):
            self._free.setdefault(_key(node), []).append(self.new(node))

    def reuse(self, node: inline.Span | inline.Atom) -> str:
        """The id of the next source code like ``node``; a new ``x`` id for one the source lacks."""
        free = self._free.get(_key(node))
        return free.pop(0) if free else self.new(node, "x")


def code_nodes(nodes: list[inline.Node]) -> list[inline.Span | inline.Atom]:
    out: list[inline.Span | inline.Atom] = []
    for node in nodes:
        if isinstance(node, inline.Span):
            out.append(node)
            out.extend(code_nodes(node.children))
        elif isinstance(node, inline.Atom):
            out.append(node)
    return out


def _add_text(parent: etree._Element, text: str) -> None:
    if not text:
        return
    if len(parent):
        parent[-1].tail = (parent[-1].tail or "") + text
    else:
        parent.text = (parent.text or "") + text


def _encode(parent: etree._Element, nodes: list[inline.Node], codes: Codes, ids: list[str]) -> None:
    """Write ``nodes`` into ``parent`` as text and inline codes; ``ids`` gives each code its id."""
    for node in nodes:
        if isinstance(node, str):
            _add_text(parent, node)
            continue
        cid = ids.pop(0)
        if isinstance(node, inline.Span):
            attr = f' href="{node.href}"' if node.href is not None else ""
            pc = etree.SubElement(parent, _q("pc"), id=cid, canDelete="no")
            pc.set("dataRefStart", codes.add_data(f"<{node.tag}{attr}>"))
            pc.set("dataRefEnd", codes.add_data(f"</{node.tag}>"))
            if node.tag == "a":
                pc.set("type", "link")
            else:
                pc.set("type", "fmt")
                pc.set("subType", SUBTYPES[node.tag])
            _encode(pc, node.children, codes, ids)
        else:
            ph = etree.SubElement(parent, _q("ph"), id=cid, canDelete="no")
            ph.set("dataRef", codes.add_data(node.markup()))
            ph.set("type", "other" if node.tag in ("code", "m") else "link")
            ph.set("equiv", node.value if node.tag in ("code", "m") else "")
            ph.set("disp", node.markup())


def encode_pair(source: str, target: str | None) -> tuple[etree._Element, etree._Element | None, Codes]:
    """``<source>`` and ``<target>`` elements for a source text and its translation."""
    codes = Codes()
    s_nodes = inline.parse(source)
    codes.source_ids(s_nodes)
    src = etree.Element(_q("source"))
    _encode(src, s_nodes, codes, list(codes.spec))
    if target is None:
        return src, None, codes
    t_nodes = inline.parse(target)
    tgt = etree.Element(_q("target"))
    _encode(tgt, t_nodes, codes, [codes.reuse(n) for n in code_nodes(t_nodes)])
    return src, tgt, codes


# -- export -------------------------------------------------------------------------------------


def export_xliff(book: Book, keys: list[str], lang: str, suggestions: bool = True) -> bytes:
    """The XLIFF 2.1 file of documents ``keys`` translated into ``lang``."""
    root = etree.Element(
        _q("xliff"),
        nsmap={None: NS, "mtc": MTC},
        version="2.1",
        srcLang=common.bcp47(book.source_lang),
        trgLang=common.bcp47(lang),
    )
    memory: Memory | None = None
    if suggestions:
        from pipeline.interchange.suggest import Memory

        memory = Memory(book, lang)
    for key in keys:
        root.append(_file(book, key, lang, memory))
    common.indent(root, {"source", "target", "note", "data"})
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="UTF-8") + b"\n"


def _file(book: Book, key: str, lang: str, memory: Memory | None) -> etree._Element:
    source, target = common.pair(book, key, lang, "XLIFF files")
    elem = etree.Element(_q("file"), id=key, original=_below(book, source.path))
    elem.set(_q("space", XML_NS), "preserve")  # our texts' spaces are the texts'
    notes = etree.SubElement(elem, _q("notes"))
    made = f"Made by pipeline {__version__} from the edition of {common.edition(book, target).isoformat()}"
    etree.SubElement(
        notes, _q("note"), category="pipeline"
    ).text = (
        f"{made}; translation file {_below(book, target.path)}. Import with `pipeline xliff import FILE`."
    )
    twins = {u.id: u for u in target.units()}
    where = common.places(source)
    states = {u.id: common.status(u, twins.get(u.id)) for u in source.units()}
    stale = {twins[i].source for i, s in states.items() if s == STALE and twins[i].source}
    previous = common.previous_sources(source.path, stale)  # type: ignore[arg-type]
    for unit in source.units():
        twin = twins.get(unit.id)
        elem.append(_unit(key, unit, twin, states[unit.id], where.get(unit.id, ""), previous, memory))
    return elem


def _below(book: Book, path: str) -> str:
    """A path relative to the sources folder, with slashes: the same wherever the export runs."""
    return os.path.relpath(path, book.root).replace(os.sep, "/")


def _unit(
    key: str,
    unit: Unit,
    twin: Unit | None,
    state: str,
    where: str,
    previous: dict[str, str],
    memory: Memory | None,
) -> etree._Element:
    elem = etree.Element(_q("unit"), id=unit.id)
    src, tgt, codes = encode_pair(unit.text, twin.text if state != UNTRANSLATED and twin else None)
    if memory is not None and state != REVIEWED:
        found = memory.suggest(key, unit)
        if found is not None:
            elem.append(_match(found))
    notes = etree.SubElement(elem, _q("notes"))
    etree.SubElement(notes, _q("note"), category="location").text = where
    for c in (unit.comment, twin.comment if twin else None):
        if c:
            etree.SubElement(notes, _q("note"), category="comment").text = c
    if state == STALE:
        old = previous.get(twin.source or "")  # type: ignore[union-attr]
        text = "the source text changed since this translation was reviewed"
        if old is not None:
            text += f"; it was: {old}"
        etree.SubElement(notes, _q("note"), category="stale", appliesTo="source").text = text
    if codes.data:
        _original_data(elem, codes)
    segment = etree.SubElement(elem, _q("segment"), id="s1", state=STATES[state])
    if state == STALE:
        segment.set("subState", "pipeline:stale")
    segment.append(src)
    if tgt is not None:
        segment.append(tgt)
    return elem


def _original_data(parent: etree._Element, codes: Codes) -> None:
    data = etree.SubElement(parent, _q("originalData"))
    for did, markup in codes.data:
        etree.SubElement(data, _q("data"), id=did).text = markup


def _match(found: Suggestion) -> etree._Element:
    matches = etree.Element(_q("matches", MTC))
    match = etree.SubElement(matches, _q("match", MTC), ref="#s1", type="tm")
    match.set("similarity", f"{found.score:.1f}")
    match.set("origin", f"pipeline:{found.origin}")
    src, tgt, codes = encode_pair(found.source, found.target)
    if codes.data:
        _original_data(match, codes)
    match.append(src)
    match.append(tgt)  # type: ignore[arg-type]
    return matches


# -- import -------------------------------------------------------------------------------------


class XliffFile:
    """An XLIFF file as read for import."""

    def __init__(self, path: str, root: etree._Element) -> None:
        self.path = path
        self.root = root
        self.src_lang = root.get("srcLang") or ""
        self.trg_lang = root.get("trgLang")
        self.files = [f for f in root if f.tag == _q("file")]


def read_xliff(path: str, data: bytes) -> XliffFile:
    def fail(line: int, message: str) -> SourceError:
        return SourceError([Problem(Position(path, line, 1), "", message)])

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise fail(exc.lineno or 1, f"invalid XML: {exc.msg}") from None
    if root.getroottree().docinfo.doctype:  # XLIFF 2 has no DTD; entities would only hide text
        raise fail(1, "a DOCTYPE declaration is not allowed in an XLIFF 2 file")
    if root.tag != _q("xliff") or not (root.get("version") or "").startswith("2."):
        raise fail(
            root.sourceline or 1,
            'not an XLIFF 2 file (the root is not <xliff version="2.x"> of the core namespace)',
        )
    if not root.get("trgLang"):
        raise fail(root.sourceline or 1, "trgLang: the file names no target language")
    return XliffFile(path, root)


class _Decoder:
    """Turns a ``<source>`` or ``<target>`` back into our markup, by code id."""

    def __init__(self, spec: dict[str, inline.Span | inline.Atom]) -> None:
        self.spec = spec
        self.used: list[str] = []
        self.errors: list[str] = []

    def text(self, elem: etree._Element) -> str:
        out = [elem.text or ""]
        open_sc: list[tuple[str, str]] = []  # (sc id, closing markup) of <sc> still open
        for child in elem:
            out.append(self._child(child, open_sc))
            out.append(child.tail or "")
        if open_sc:
            self.errors.append(f'<sc id="{open_sc[-1][0]}"> has no <ec> in the same text')
        return "".join(out)

    def _child(self, child: etree._Element, open_sc: list[tuple[str, str]]) -> str:
        if not isinstance(child.tag, str):
            return ""  # a comment or processing instruction
        name = etree.QName(child).localname if child.tag.startswith(f"{{{NS}}}") else child.tag
        cid = child.get("id") or ""
        if name == "pc":
            span = self._code(cid, inline.Span, "pc")
            inner = self.text(child)
            if span is None:
                return inner
            return f"{_opening(span)}{inner}</{span.tag}>"
        if name == "ph":
            atom = self._code(cid, inline.Atom, "ph")
            return atom.markup() if atom is not None else ""
        if name == "sc":
            span = self._code(cid, inline.Span, "sc")
            if span is None:
                return ""
            open_sc.append((cid, f"</{span.tag}>"))
            return _opening(span)
        if name == "ec":
            ref = child.get("startRef") or ""
            if not open_sc or open_sc[-1][0] != ref:
                self.errors.append(f'<ec startRef="{ref}"> does not close the innermost open <sc>')
                return ""
            return open_sc.pop()[1]
        if name == "cp":
            try:
                return chr(int(child.get("hex") or "", 16))
            except ValueError:
                self.errors.append(f'<cp hex="{child.get("hex")}"> is not a code point')
                return ""
        if name in ("mrk", "sm", "em"):  # annotations: their text is kept, the markers dropped
            return self.text(child) if name == "mrk" else ""
        self.errors.append(f"unexpected element <{name}>")
        return ""

    def _code(self, cid: str, kind: type, name: str) -> inline.Span | inline.Atom | None:
        node = self.spec.get(cid)
        self.used.append(cid)
        if node is None:
            return None  # invented: reported by the caller as a code the source does not have
        if not isinstance(node, kind):
            self.errors.append(f'<{name} id="{cid}"> stands for {_describe(node)}, which is not a <{name}>')
            return None
        return node


def _opening(span: inline.Span) -> str:
    return f'<{span.tag} href="{span.href}">' if span.href is not None else f"<{span.tag}>"


def _describe(node: inline.Span | inline.Atom) -> str:
    if isinstance(node, inline.Span):
        attr = f' href="{node.href}"' if node.href is not None else ""
        return f"<{node.tag}{attr}>…</{node.tag}>"
    return node.markup()


def _parts(unit: etree._Element) -> list[tuple[str, etree._Element | None, etree._Element | None]]:
    """(state, source, target) of each segment and ignorable of a unit (ignorables: state "")."""
    parts = []
    for part in unit:
        if part.tag in (_q("segment"), _q("ignorable")):
            state = (part.get("state") or "initial") if part.tag == _q("segment") else ""
            parts.append((state, part.find(_q("source")), part.find(_q("target"))))
    return parts


class _Document:
    """One document being imported: its units, and where findings go."""

    def __init__(self, path: str, key: str, source: common.Document, target: common.Document) -> None:
        self.path = path
        self.key = key
        self.target_path = target.path
        self.sources = {u.id: u for u in source.units()}
        self.twins = {u.id: u for u in target.units()}
        self.plan = Plan()
        self.seen: set[str] = set()


def plan_import(book: Book, lang: str, xf: XliffFile) -> dict[str, Plan]:
    """What importing the file changes in each document; SourceError when it cannot be used."""
    plans: dict[str, Plan] = {}
    problems: list[Problem] = []
    for file in xf.files:
        key = file.get("id") or ""
        try:
            source, target = common.pair(book, key, lang, "XLIFF files")
        except UsageError as exc:
            problems.append(Problem(Position(xf.path, file.sourceline or 1, 1), "file", str(exc)))
            continue
        doc = _Document(xf.path, key, source, target)
        for unit in file.iter(_q("unit")):
            _import_unit(doc, unit, problems)
        plans[key] = doc.plan
    if problems:
        raise SourceError(problems)
    return plans


def _import_unit(doc: _Document, elem: etree._Element, problems: list[Problem]) -> None:
    uid = elem.get("id") or ""
    where = Position(doc.path, elem.sourceline or 1, 1)
    skip = doc.plan.skipped
    if uid not in doc.sources:
        skip.append(Problem(where, uid, f"no unit {uid!r} in chapter {doc.key!r}"))
        return
    if uid not in doc.twins:
        skip.append(
            Problem(where, uid, f"the unit is missing from {os.path.relpath(doc.target_path)}: add it first")
        )
        return
    source, twin = doc.sources[uid], doc.twins[uid]
    parts = _parts(elem)
    if not parts or any(src is None for _, src, _ in parts):
        problems.append(Problem(where, uid, "the unit has no <segment> with a <source>"))
        return
    _, _, codes = encode_pair(source.text, twin.text)  # the ids the export gave, from the sources
    decoder = _Decoder(codes.spec)
    if "".join(decoder.text(src) for _, src, _ in parts) != source.text or decoder.errors:  # type: ignore[arg-type]
        skip.append(common.skipped_source_changed(where, uid, "<source>"))
        return
    if uid in doc.seen:
        skip.append(Problem(where, uid, "a second <unit> with the same id"))
        return
    doc.seen.add(uid)
    source_ids = Counter(decoder.used)
    states = [state for state, _, _ in parts if state]
    if any(tgt is None for state, _, tgt in parts if state):
        return  # untranslated in the file: keep what the sources have
    decoder = _Decoder(codes.spec)
    text = "".join(decoder.text(src if tgt is None else tgt) for _, src, tgt in parts)  # type: ignore[arg-type]
    if decoder.errors:
        skip.append(Problem(where, uid, f"<target>: {decoder.errors[0]}"))
        return
    if text != twin.text and Counter(decoder.used) != source_ids:
        skip.append(Problem(where, uid, _code_difference(source_ids, Counter(decoder.used), codes)))
        return
    bad = common.text_problem(text, source.text)
    if bad:  # the sources would refuse it: say so about the XLIFF file, and write nothing
        problems.append(Problem(where, uid, f"<target>: {bad}"))
        return
    if text != twin.text and len(code_nodes(inline.parse(text))) != len(decoder.used):
        # a tag typed as text (&lt;b&gt;) would become markup in the sources: codes only
        skip.append(Problem(where, uid, "<target>: a tag is written as text; use the unit's inline codes"))
        return
    if "initial" in states:
        doc.plan.unfinished += text != twin.text
        return
    found = common.change(source, twin, text, accept=all(s in ("reviewed", "final") for s in states))
    if found is not None:
        doc.plan.changes.append(found)


def _code_difference(expected: Counter, found: Counter, codes: Codes) -> str:
    parts = []
    for cid in sorted((expected - found).elements()):
        node = codes.spec.get(cid)
        parts.append(f"lost code {cid} ({_describe(node)})" if node is not None else f"lost code {cid}")
    for cid in sorted((found - expected).elements()):
        node = codes.spec.get(cid)
        parts.append(f"code {cid} ({_describe(node)}) is not in the source" if node is not None
                     else f"invented code {cid}")  # fmt: skip
    return "the target's inline codes differ from the source's: " + "; ".join(parts)


def import_xliff(book: Book, lang: str, xf: XliffFile) -> Plan:
    """Import every document of the file (all or nothing), then return the combined plan."""
    plans = plan_import(book, lang, xf)
    files = []
    for key, plan in plans.items():
        if plan.changes:
            files.append((common.pair(book, key, lang)[1].path, plan.changes))
    for path, changes in files:
        common.apply_changes(path, changes)
    total = Plan()
    for plan in plans.values():
        total.changes += plan.changes
        total.skipped += plan.skipped
        total.unfinished += plan.unfinished
    return total
