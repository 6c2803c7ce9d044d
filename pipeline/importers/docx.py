"""Word manuscripts (.docx): the package is checked, then its XML is read into events.

Understood: headings by style (Heading 1-6 by name or id, the Chinese built-in names 标题 1-6,
styles based on them, an outline level), the Title style, paragraphs with bold, italic,
sub/superscript, links, inline code (a code character style or a monospace font) and footnotes;
lists from Word's numbering definitions (bullet or numbered, nesting by level) and lists typed by
hand ("1." or "•" at the start of consecutive paragraphs); tables (the first row is the header
row; a one-cell table is a box); code paragraphs (a code style, or every run monospace); quotes
(Quote styles); inline equations (OMML, converted to TeX by :mod:`pipeline.importers.omml`).
Tracked insertions are accepted and deletions dropped, comments ignored, each with a warning.
Pictures become figures (their files written beside the chapter), display equations math
blocks; linked pictures, shapes and OLE objects are reported per item.

A position in a Word file is its paragraph number (``manuscript.docx:12:1`` is the twelfth
paragraph, counting those in tables), which is what a user can find in Word's navigation.

Safety: the file must be a zip (an encrypted Word file is an OLE compound file: refused with
that reason), every part's declared size and the total are checked before anything is
decompressed (zip bombs), and XML is parsed without entities or network access.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass

from lxml import etree

from pipeline import inline
from pipeline.errors import Position
from pipeline.importers import ManuscriptError, Report, omml
from pipeline.importers import nodes as N
from pipeline.importers.events import (
    CodeEv,
    Event,
    FigureEv,
    Heading,
    ItemEv,
    ListEv,
    Manuscript,
    MathEv,
    Nodes,
    Para,
    QuoteEv,
    TableEv,
)

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
MATH = omml.M
NS = {"w": W, "r": R, "m": MATH}

MAX_PART = 64 * 1024 * 1024  # one part, decompressed
MAX_TOTAL = 256 * 1024 * 1024  # every part, decompressed
MAX_RATIO = 200  # a text part compresses 5-20 times; a bomb thousands of times
MAX_PARTS = 10_000
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MONOSPACE = re.compile(
    r"courier|consolas|menlo|monaco|mono|source code|inconsolata|fira code|lucida console", re.I
)
CODE_STYLES = re.compile(r"code|preformatted|plain\s*text|verbatim|listing|源代码|代码", re.I)
HEADING = re.compile(r"^(?:heading|标题|titre|überschrift)\s*([1-9])$", re.I)
DISPLAY_NUMBER = re.compile(r"\s*(\(\s*[\d.]+\s*\))?\s*")  # what may stand beside a displayed equation
MANUAL_NUMBER = re.compile(r"^\s*(?:\d{1,3}|[a-z])[.)、．]\s+|^\s*[（(]\d{1,3}[)）]\s*")
MANUAL_BULLET = re.compile(r"^\s*[•·▪◦●○■□\-–—*]\s+")
HINT_STYLES = {
    "kicker": "kicker",
    "titlemeta": "meta",
    "calloutlabel": "label",
    "listtitle": "list-title",
    "tablenote": "table-note",
    "quoteattribution": "attribution",
    "caption": "caption",
    "题注": "caption",
}


def _w(name: str) -> str:
    return f"{{{W}}}{name}"


_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=False)


def _xml(data: bytes, name: str, path: str) -> etree._Element:
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise ManuscriptError(f"{path}: {name} is not well-formed XML ({exc}): the file is damaged") from None


# -- the package -----------------------------------------------------------------------------
class Package:
    """The parts of a Word file, read with their sizes checked first."""

    def __init__(self, path: str) -> None:
        self.path = path
        try:
            with open(path, "rb") as fh:
                head = fh.read(8)
        except OSError as exc:
            raise ManuscriptError(f"{path}: cannot read: {exc.strerror}") from None
        if head.startswith(OLE_MAGIC):
            raise ManuscriptError(
                f"{path}: an OLE compound file, not a .docx package: a password-protected (encrypted) "
                "Word file or an old .doc; remove the password or save it as .docx, then import it again"
            )
        if not head.startswith(b"PK"):
            raise ManuscriptError(f"{path}: not a Word (.docx) file: it is not a zip package")
        try:
            self.zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise ManuscriptError(
                f"{path}: a damaged zip package ({exc}): not a readable Word file"
            ) from None
        self.check_sizes()
        names = set(self.zip.namelist())
        if "word/document.xml" not in names and not self.main_part():
            raise ManuscriptError(f"{path}: a zip file without a Word document in it (no word/document.xml)")

    def check_sizes(self) -> None:
        infos = self.zip.infolist()
        if len(infos) > MAX_PARTS:
            raise ManuscriptError(f"{self.path}: {len(infos)} parts in the package: not a manuscript")
        total = 0
        for info in infos:
            if info.flag_bits & 0x1:
                raise ManuscriptError(f"{self.path}: part {info.filename} is encrypted")
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > MAX_PART or (info.file_size > 1024 * 1024 and ratio > MAX_RATIO):
                raise ManuscriptError(
                    f"{self.path}: part {info.filename} would expand to {info.file_size} bytes "
                    f"(compressed {info.compress_size}): refused as a zip bomb"
                )
        if total > MAX_TOTAL:
            raise ManuscriptError(
                f"{self.path}: the parts would expand to {total} bytes: refused as a zip bomb"
            )

    def read(self, name: str) -> bytes | None:
        try:
            info = self.zip.getinfo(name)
        except KeyError:
            return None
        try:
            with self.zip.open(info) as fh:
                data = fh.read(MAX_PART + 1)  # never trust the declared size alone
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as exc:
            raise ManuscriptError(
                f"{self.path}: part {name} cannot be read ({exc}): the file is damaged"
            ) from None
        except Exception as exc:  # zlib.error and friends: a damaged stream
            raise ManuscriptError(
                f"{self.path}: part {name} cannot be read ({exc}): the file is damaged"
            ) from None
        if len(data) > MAX_PART:
            raise ManuscriptError(
                f"{self.path}: part {name} expands past {MAX_PART} bytes: refused as a zip bomb"
            )
        return data

    def main_part(self) -> str | None:
        data = self.read("_rels/.rels")
        if data is None:
            return None
        root = _xml(data, "_rels/.rels", self.path)
        for rel in root:
            if rel.get("Type", "").endswith("/officeDocument"):
                return rel.get("Target", "").lstrip("/")
        return None

    def xml(self, name: str) -> etree._Element | None:
        data = self.read(name)
        return None if data is None else _xml(data, name, self.path)

    def rels(self, part: str) -> dict[str, tuple[str, str, bool]]:
        """Relationship id -> (type, target, external) of one part."""
        folder, _, base = part.rpartition("/")
        root = self.xml(f"{folder}/_rels/{base}.rels")
        out: dict[str, tuple[str, str, bool]] = {}
        if root is None:
            return out
        for rel in root:
            kind = rel.get("Type", "").rsplit("/", 1)[-1]
            out[rel.get("Id", "")] = (kind, rel.get("Target", ""), rel.get("TargetMode") == "External")
        return out


# -- styles and numbering --------------------------------------------------------------------
@dataclass
class Style:
    name: str
    based_on: str | None
    outline: int | None
    num: tuple[str, int] | None  # numId, level of a list style
    monospace: bool


def _styles(pkg: Package, main: str) -> dict[str, Style]:
    root = pkg.xml(f"{main.rpartition('/')[0]}/styles.xml")
    out: dict[str, Style] = {}
    if root is None:
        return out
    for s in root.iter(_w("style")):
        sid = s.get(_w("styleId"), "")
        name_el = s.find(_w("name"))
        based = s.find(_w("basedOn"))
        outline = s.find(f"{_w('pPr')}/{_w('outlineLvl')}")
        num = s.find(f"{_w('pPr')}/{_w('numPr')}")
        fonts = s.find(f"{_w('rPr')}/{_w('rFonts')}")
        out[sid] = Style(
            name=(name_el.get(_w("val"), sid) if name_el is not None else sid),
            based_on=based.get(_w("val")) if based is not None else None,
            outline=int(outline.get(_w("val"), "9")) if outline is not None else None,
            num=_num_pr(num),
            monospace=bool(fonts is not None and MONOSPACE.search(fonts.get(_w("ascii"), "") or "")),
        )
    return out


def _num_pr(el: etree._Element | None) -> tuple[str, int] | None:
    if el is None:
        return None
    num = el.find(_w("numId"))
    lvl = el.find(_w("ilvl"))
    if num is None:
        return None
    return num.get(_w("val"), "0"), int(lvl.get(_w("val"), "0")) if lvl is not None else 0


def _numbering(pkg: Package, main: str) -> dict[str, dict[int, str]]:
    """numId -> level -> number format (bullet, decimal, none, ...)."""
    root = pkg.xml(f"{main.rpartition('/')[0]}/numbering.xml")
    if root is None:
        return {}
    abstract: dict[str, dict[int, str]] = {}
    for a in root.iter(_w("abstractNum")):
        levels = {}
        for lvl in a.iter(_w("lvl")):
            fmt = lvl.find(_w("numFmt"))
            levels[int(lvl.get(_w("ilvl"), "0"))] = (
                fmt.get(_w("val"), "decimal") if fmt is not None else "decimal"
            )
        abstract[a.get(_w("abstractNumId"), "")] = levels
    out = {}
    for n in root.iter(_w("num")):
        ref = n.find(_w("abstractNumId"))
        if ref is not None:
            out[n.get(_w("numId"), "")] = dict(abstract.get(ref.get(_w("val"), ""), {}))
        for override in n.iter(_w("lvlOverride")):
            fmt = override.find(f"{_w('lvl')}/{_w('numFmt')}")
            if fmt is not None:
                out[n.get(_w("numId"), "")][int(override.get(_w("ilvl"), "0"))] = fmt.get(
                    _w("val"), "decimal"
                )
    return out


# -- paragraphs ------------------------------------------------------------------------------
@dataclass
class _P:
    """One body paragraph, classified."""

    kind: str  # heading, title, para, item, code, quote, empty, box-start...
    nodes: Nodes
    pos: Position
    level: int = 0
    ordered: bool = False
    hint: str = ""
    anchor: str | None = None
    text: str = ""  # raw text, for code
    orig: Nodes | None = None  # a line numbered by hand, with its number


@dataclass
class _Seg:
    """A piece of a paragraph's text with its formatting."""

    kind: str  # text, code, math, fn, ref
    value: str
    marks: tuple[tuple[str, str | None], ...]  # (tag, href), outermost first


MARK_ORDER = ("a", "b", "i", "sub", "sup")


class _Reader:
    def __init__(self, pkg: Package, report: Report) -> None:
        self.pkg = pkg
        self.report = report
        self.path = pkg.path
        main = pkg.main_part() or "word/document.xml"
        self.main = main
        self.styles = _styles(pkg, main)
        self.numbering = _numbering(pkg, main)
        self.rels = pkg.rels(main)
        self.count = 0  # paragraphs read, for positions
        self.once: set[str] = set()
        self.footnotes: dict[str, tuple[Nodes, Position]] = {}
        self.figures: list[FigureEv] = []  # pictures found in the paragraph being read
        self.fields: list[list] = []  # open complex fields: [instruction, past "separate"]  # type: ignore[type-arg]

    def warn_once(self, key: str, pos: Position, message: str) -> None:
        if key not in self.once:
            self.once.add(key)
            self.report.warn(pos, message)

    # -- styles ---------------------------------------------------------------------------
    def style_chain(self, sid: str | None) -> list[Style]:
        out = []
        seen = set()
        while sid and sid in self.styles and sid not in seen:
            seen.add(sid)
            out.append(self.styles[sid])
            sid = self.styles[sid].based_on
        return out

    def style_names(self, sid: str | None) -> list[str]:
        names = [s.name for s in self.style_chain(sid)]
        return [n.lower().replace(" ", "") if not HEADING.match(n) else n.lower() for n in names] + (
            [sid.lower()] if sid else []
        )

    def heading_level(self, sid: str | None, ppr: etree._Element | None) -> int | None:
        for style in self.style_chain(sid):
            m = HEADING.match(style.name.strip())
            if m:
                return int(m.group(1))
        if sid and (m := re.fullmatch(r"(?:heading|标题)\s*([1-9])", sid, re.I)):
            return int(m.group(1))
        outline = ppr.find(_w("outlineLvl")) if ppr is not None else None
        if (
            outline is not None
            and outline.get(_w("val"), "9").isdigit()
            and int(outline.get(_w("val"), "9")) < 9
        ):
            return int(outline.get(_w("val"), "9")) + 1
        for style in self.style_chain(sid):
            if style.outline is not None and style.outline < 9:
                return style.outline + 1
        return None

    # -- the document ---------------------------------------------------------------------
    def read(self) -> Manuscript:
        root = self.pkg.xml(self.main)
        if root is None:
            raise ManuscriptError(f"{self.path}: the package names {self.main} but does not hold it")
        body = root.find(_w("body"))
        if body is None and "purl.oclc.org/ooxml" in str(root.tag):
            raise ManuscriptError(
                f"{self.path}: a 'Strict Open XML' document: save it in Word as a Word Document (.docx)"
            )
        if body is None:
            raise ManuscriptError(f"{self.path}: {self.main} has no document body")
        self.read_footnotes()
        self.check_extras()
        events = self.events(list(self.body_children(body)))
        return Manuscript(events, self.footnotes, self.core_title())

    def body_children(self, el: etree._Element):  # type: ignore[no-untyped-def]
        """Paragraphs and tables, with content controls and tracked insertions opened."""
        for child in el:
            tag = child.tag
            if tag in (_w("p"), _w("tbl")):
                yield child
            elif tag == _w("sdt"):
                content = child.find(_w("sdtContent"))
                if content is not None:
                    yield from self.body_children(content)
            elif tag in (_w("ins"), _w("customXml")):
                yield from self.body_children(child)

    def check_extras(self) -> None:
        names = self.pkg.zip.namelist()
        pos = Position(self.path, 1, 1)
        if any(n.endswith("comments.xml") for n in names):
            self.warn_once("comments", pos, "comments in the manuscript were ignored")

    def core_title(self) -> str | None:
        root = self.pkg.xml("docProps/core.xml")
        if root is None:
            return None
        for el in root.iter():
            if isinstance(el.tag, str) and el.tag.endswith("}title") and (el.text or "").strip():
                return el.text.strip()
        return None

    def read_footnotes(self) -> None:
        for kind, prefix in (("footnotes", ""), ("endnotes", "e")):
            target = next((t for k, t, ext in self.rels.values() if k == kind and not ext), None)
            if target is None:
                continue
            name = (
                target.lstrip("/") if target.startswith("/") else f"{self.main.rpartition('/')[0]}/{target}"
            )
            root = self.pkg.xml(name)
            if root is None:
                continue
            for note in root:
                if note.get(_w("type")) in ("separator", "continuationSeparator", "continuationNotice"):
                    continue
                nodes: Nodes = []
                where = Position(self.path, 1, 1)  # a footnote has no paragraph number of the body
                for p in note.iter(_w("p")):
                    more = self.inline(p, where)
                    nodes = N.merge([*nodes, " ", *more]) if nodes else more
                self.footnotes[prefix + note.get(_w("id"), "")] = (nodes, where)

    # -- classification -------------------------------------------------------------------
    def classify(self, p: etree._Element) -> _P:
        self.count += 1
        pos = Position(self.path, self.count, 1)
        ppr = p.find(_w("pPr"))
        style_el = ppr.find(_w("pStyle")) if ppr is not None else None
        sid = style_el.get(_w("val")) if style_el is not None else None
        names = self.style_names(sid)
        anchor = next(
            (
                b.get(_w("name"))
                for b in p.iter(_w("bookmarkStart"))
                if not (b.get(_w("name")) or "").startswith("_")
            ),
            None,
        )
        if any(re.fullmatch(r"(?:toc|目录)\s*\d|tocheading|目录标题", n) for n in names):
            self.warn_once("toc", pos, "the table of contents was skipped (handouts make their own)")
            return _P("empty", [], pos)
        level = self.heading_level(sid, ppr)
        if any(n in ("title", "标题") for n in names):
            return _P("title", self.inline(p, pos), pos, anchor=anchor)
        if level is not None:
            return _P("heading", self.inline(p, pos), pos, level=level, anchor=anchor)
        if any(CODE_STYLES.search(n) for n in names[:1]) or (
            names and self.styles.get(sid or "", None) and self.styles[sid].monospace
        ):  # type: ignore[index]
            return _P("code", [], pos, text=self.raw_text(p))
        hint = next((HINT_STYLES[n] for n in names if n in HINT_STYLES), "")
        if (
            any(n.startswith(("quote", "intensequote", "引用", "明显引用", "blocktext")) for n in names)
            and not hint
        ):
            return _P("quote", self.inline(p, pos), pos)
        display = self.display_math(p)
        if display is not None:
            tex, tagged = display
            return _P("math", [], pos, text=tex, anchor=anchor, ordered=tagged)
        nodes = self.inline(p, pos)
        num = _num_pr(ppr.find(_w("numPr")) if ppr is not None else None)
        if num is None:
            num = next((s.num for s in self.style_chain(sid) if s.num is not None), None)
            # "List Bullet 2" has a numbering of its own at level 0: its number is its level
            m = re.search(
                r"list\s*(?:bullet|number|paragraph|continue)\s*([2-9])$", names[0] if names else ""
            )
            if num is not None and m is not None:
                num = (num[0], int(m.group(1)) - 1)
        if num is not None and num[0] != "0":
            fmt = self.numbering.get(num[0], {}).get(num[1], "decimal")
            if fmt != "none":
                # hint: the Word list (numId) the item belongs to, so that two lists stay apart
                return _P("item", nodes, pos, level=num[1], ordered=fmt != "bullet", hint=num[0])
        if not hint and self.all_code(p):
            return _P("code", [], pos, text=self.raw_text(p))
        text = N.plain(nodes)
        if not text.strip():
            return _P("empty", [], pos)
        if not hint and (m := MANUAL_NUMBER.match(text)) is not None:
            return _P("manual", N.strip(N.drop_leading(nodes, m.end())), pos, ordered=True, orig=nodes)
        if not hint and (m := MANUAL_BULLET.match(text)) is not None:
            return _P("manual", N.strip(N.drop_leading(nodes, m.end())), pos, ordered=False, orig=nodes)
        if not hint and self.looks_like_heading(p, nodes):
            size = self.size(p)
            self.report.warn(pos, "a short, bold, large paragraph was read as a heading (use Heading styles)")
            return _P("heading", N.only_span(nodes, "b") or nodes, pos, level=1 if size >= 32 else 2)
        return _P("para", nodes, pos, hint=hint, anchor=anchor)

    def display_math(self, p: etree._Element) -> tuple[str, bool] | None:
        """(TeX, numbered) of a displayed equation: an m:oMathPara, or a paragraph of one formula
        and at most its number, "(5.1)", as our handouts write them; None for anything else."""
        maths = p.findall(f".//{{{MATH}}}oMath")
        if not maths:
            return None
        text = "".join(t.text or "" for t in p.iter(_w("t")))
        number = DISPLAY_NUMBER.fullmatch(text)
        if number is None or (p.find(f".//{{{MATH}}}oMathPara") is None and len(maths) != 1):
            return None
        return self.display_tex(maths, Position(self.path, self.count, 1)), bool(number.group(1))

    def display_tex(self, maths: list[etree._Element], pos: Position) -> str:
        parts = []
        for m in maths:
            tex, unknown = omml.to_tex(m)
            if unknown:
                self.report.warn(pos, f"equation {tex!r}: {', '.join(sorted(set(unknown)))} kept as text")
            parts.append(tex)
        return " ".join(parts)

    def size(self, p: etree._Element) -> int:
        sizes = [int(s.get(_w("val"), "0")) for s in p.iter(_w("sz")) if (s.get(_w("val")) or "").isdigit()]
        return min(sizes) if sizes else 0

    def looks_like_heading(self, p: etree._Element, nodes: Nodes) -> bool:
        """Direct formatting instead of a style: one short bold line in a large size."""
        return N.only_span(nodes, "b") is not None and len(N.plain(nodes)) <= 80 and self.size(p) >= 28

    def all_code(self, p: etree._Element) -> bool:
        runs = [r for r in p.iter(_w("r")) if "".join(t.text or "" for t in r.iter(_w("t"))).strip()]
        return bool(runs) and all(self.run_is_code(r) for r in runs)

    def raw_text(self, p: etree._Element) -> str:
        out = []
        for el in p.iter(_w("t"), _w("tab"), _w("br"), _w("delText")):
            if el.tag == _w("t"):
                out.append(el.text or "")
            elif el.tag == _w("tab"):
                out.append("\t")
            elif el.tag == _w("br"):
                out.append("\n")
        return "".join(out)

    # -- events ---------------------------------------------------------------------------
    def events(self, children: list[etree._Element]) -> list[Event]:
        paras: list[_P | TableEv | QuoteEv | FigureEv] = []
        for child in children:
            if child.tag == _w("tbl"):
                paras.append(self.table(child))
            else:
                self.figures = []
                paras.append(self.classify(child))
                paras += self.figures  # a picture is a figure of its own, after its paragraph
        return self.group(paras)

    def group(self, items: list) -> list[Event]:  # type: ignore[type-arg]
        """Runs of list items become lists, runs of code paragraphs one code block."""
        out: list[Event] = []
        i = 0
        while i < len(items):
            it = items[i]
            if not isinstance(it, _P):
                out.append(it)
                i += 1
                continue
            if it.kind in ("item", "manual"):
                j = i
                while j < len(items) and isinstance(items[j], _P) and items[j].kind == it.kind:
                    # another Word list (numId) at the first level starts a new list
                    if (
                        j > i
                        and it.kind == "item"
                        and items[j].hint != it.hint
                        and items[j].level <= it.level
                    ):
                        break
                    j += 1
                if it.kind == "manual" and j - i < 2:
                    out.append(Para(it.orig or it.nodes, it.pos))  # one "1." line is a paragraph
                    i += 1
                    continue
                if it.kind == "manual":
                    self.report.warn(it.pos, "a list numbered by hand was read as a list (use Word's lists)")
                out.append(self.list(items[i:j]))
                i = j
                continue
            if it.kind == "code":
                j = i
                lines = []
                while j < len(items) and isinstance(items[j], _P) and items[j].kind in ("code", "empty"):
                    lines.append(items[j].text)
                    j += 1
                while lines and not lines[-1].strip():
                    lines.pop()
                    j -= 1
                out.append(CodeEv("\n".join(lines) + "\n", "", it.pos))
                i = j
                continue
            if it.kind == "empty":
                i += 1
                continue
            if it.kind == "quote":
                j = i
                body: list[Event] = []
                while j < len(items) and isinstance(items[j], _P) and items[j].kind == "quote":
                    body.append(Para(items[j].nodes, items[j].pos))
                    j += 1
                if j < len(items) and isinstance(items[j], _P) and items[j].hint == "attribution":
                    body.append(Para(items[j].nodes, items[j].pos, hint="attribution"))
                    j += 1
                out.append(QuoteEv(body, it.pos))
                i = j
                continue
            if it.kind == "math":
                out.append(MathEv(it.text, it.pos, it.anchor, tagged=it.ordered))
                i += 1
                continue
            if it.kind == "title":
                out.append(Para(it.nodes, it.pos, hint="title", anchor=it.anchor))
            elif it.kind == "heading":
                out.append(Heading(it.level, it.nodes, it.pos, it.anchor))
            else:
                out.append(Para(it.nodes, it.pos, hint=it.hint, anchor=it.anchor))
            i += 1
        return out

    def list(self, items: list[_P]) -> ListEv:
        """Items with their levels -> nested lists (a level deeper than the last nests under it)."""
        base = min(it.level for it in items)

        def build(start: int, level: int) -> tuple[ListEv, int]:
            lst = ListEv(items[start].ordered, [], items[start].pos)
            i = start
            while i < len(items):
                it = items[i]
                if it.level - base < level:
                    break
                if it.level - base > level:
                    if not lst.items:
                        lst.items.append(ItemEv([], it.pos))
                        self.report.warn(
                            it.pos, "a list starts deeper than its first level: an empty item was added"
                        )
                    sub, i = build(i, level + 1)
                    if lst.items[-1].sub is None:
                        lst.items[-1].sub = sub
                    else:
                        lst.items[-1].sub.items += sub.items
                    continue
                lst.items.append(ItemEv(it.nodes, it.pos))
                i += 1
            return lst, i

        lst, _ = build(0, 0)
        return lst

    # -- tables ---------------------------------------------------------------------------
    def table(self, tbl: etree._Element) -> TableEv | QuoteEv:
        rows = tbl.findall(_w("tr"))
        pos = Position(self.path, self.count + 1, 1)
        cells = [r.findall(_w("tc")) for r in rows]
        if len(rows) == 1 and len(cells[0]) == 1:
            body = self.events(list(self.body_children(cells[0][0])))
            return QuoteEv(body, pos, box=True)
        out: list[list[Nodes]] = []
        for n, tcs in enumerate(cells):
            row: list[Nodes] = []
            for tc in tcs:
                span = tc.find(f"{_w('tcPr')}/{_w('gridSpan')}")
                if span is not None and span.get(_w("val"), "1") != "1":
                    self.warn_once(f"span{pos}", pos, "merged table cells were read as one cell each")
                if tc.find(f".//{_w('tbl')}") is not None:
                    self.report.warn(pos, "a table inside a table cell was read as text")
                nodes: Nodes = []
                for p in tc.iter(_w("p")):
                    self.count += 1
                    more = self.inline(p, Position(self.path, self.count, 1))
                    if N.plain(more).strip():
                        nodes = N.merge([*nodes, " ", *more]) if nodes else more
                if n and nodes and self.heading_cell(tc):
                    nodes = [inline.Span("b", nodes)]  # a row heading, as Markdown writes it bold
                row.append(nodes)
            out.append(row)
        return TableEv(out, pos)

    def heading_cell(self, tc: etree._Element) -> bool:
        """A cell in a table heading style (a row header below the header row)."""
        first = tc.find(f"{_w('p')}/{_w('pPr')}/{_w('pStyle')}")
        names = self.style_names(first.get(_w("val")) if first is not None else None)
        return any("tableheading" in n or "tableheader" in n for n in names)

    # -- inline ---------------------------------------------------------------------------
    def run_marks(self, r: etree._Element) -> tuple[set[str], bool, bool]:
        """The inline tags of a run's formatting, and whether it is code or math (TeX text)."""
        marks: set[str] = set()
        rpr = r.find(_w("rPr"))
        code = math = False
        if rpr is None:
            return marks, code, math
        for tag, name in (("b", "b"), ("i", "i")):
            el = rpr.find(_w(tag))
            if el is not None and el.get(_w("val"), "true") not in ("0", "false", "off"):
                marks.add(name)
        va = rpr.find(_w("vertAlign"))
        if va is not None and va.get(_w("val")) in ("superscript", "subscript"):
            marks.add("sup" if va.get(_w("val")) == "superscript" else "sub")
        rstyle = rpr.find(_w("rStyle"))
        if rstyle is not None:
            for style in self.style_chain(rstyle.get(_w("val"))):
                low = style.name.lower()
                if low in ("strong", "bold"):
                    marks.add("b")
                elif low in ("emphasis", "italic"):
                    marks.add("i")
                elif CODE_STYLES.search(low) or style.monospace:
                    code = True
        fonts = rpr.find(_w("rFonts"))
        if fonts is not None:
            face = fonts.get(_w("ascii"), "") or fonts.get(_w("hAnsi"), "") or ""
            if MONOSPACE.search(face):
                code = True
            elif face == "Cambria Math":
                math = True  # TeX kept as text in a math face (our own handouts)
        if code or math:
            marks -= {"i"} if math else set()
        return marks, code, math

    def run_is_code(self, r: etree._Element) -> bool:
        return self.run_marks(r)[1]

    def inline(self, p: etree._Element, pos: Position) -> Nodes:
        self.fields = []  # a field left open (a damaged file, a field across paragraphs) ends here
        segs: list[_Seg] = []
        self.segments(p, pos, segs, ())
        return _build(segs)

    def segments(self, el: etree._Element, pos: Position, out: list[_Seg], link: tuple) -> None:  # type: ignore[type-arg]
        for child in el:
            tag = child.tag
            if not isinstance(tag, str):
                continue
            if tag == _w("r"):
                self.run(child, pos, out, link)
            elif tag == _w("hyperlink"):
                self.hyperlink(child, pos, out)
            elif tag in (_w("ins"), _w("moveTo")):
                self.warn_once(
                    "ins", pos, "tracked changes were accepted (insertions kept, deletions dropped)"
                )
                self.segments(child, pos, out, link)
            elif tag in (_w("del"), _w("moveFrom")):
                self.warn_once(
                    "ins", pos, "tracked changes were accepted (insertions kept, deletions dropped)"
                )
            elif tag == _w("fldSimple"):
                href = _field_link(child.get(_w("instr")) or "")
                self.segments(child, pos, out, (("a", href),) if href and not link else link)
            elif tag in (_w("smartTag"), _w("customXml"), _w("dir"), _w("bdo")):
                self.segments(child, pos, out, link)
            elif tag == _w("sdt"):
                content = child.find(_w("sdtContent"))
                if content is not None:
                    self.segments(content, pos, out, link)
            elif tag in (f"{{{MATH}}}oMath", f"{{{MATH}}}oMathPara"):
                for m in [child] if tag.endswith("}oMath") else child.iter(f"{{{MATH}}}oMath"):
                    self.math(m, pos, out, link)

    def hyperlink(self, h: etree._Element, pos: Position, out: list[_Seg]) -> None:
        anchor = h.get(_w("anchor"))
        rid = h.get(f"{{{R}}}id")
        if anchor:
            inner: list[_Seg] = []
            self.segments(h, pos, inner, ())
            out.append(_Seg("ref", anchor, ()))
            out[-1].inner = _build(inner)  # type: ignore[attr-defined]
            return
        href = self.rels.get(rid or "", ("", "", False))[1]
        if not inline.URL_RE.match(href):
            if href:
                self.report.warn(
                    pos, f"link to {href!r} kept as text (only http(s) and mailto links are kept)"
                )
            self.segments(h, pos, out, ())
            return
        self.segments(h, pos, out, (("a", href),))

    def math(self, m: etree._Element, pos: Position, out: list[_Seg], link: tuple) -> None:  # type: ignore[type-arg]
        tex, unknown = omml.to_tex(m)
        if unknown:
            self.report.warn(pos, f"equation {tex!r}: {', '.join(sorted(set(unknown)))} kept as text")
        if tex.strip():
            out.append(_Seg("math", tex, link))

    def field(self, child: etree._Element) -> bool:
        """Follow a complex field (fldChar begin, instrText, separate, end): True for the parts
        of its code, which are not text. A HYPERLINK field's result is a link."""
        tag = child.tag
        if tag == _w("fldChar"):
            kind = child.get(_w("fldCharType"))
            if kind == "begin":
                self.fields.append(["", False])
            elif kind == "separate" and self.fields:
                self.fields[-1][1] = True
            elif kind == "end" and self.fields:
                self.fields.pop()
            return True
        if tag == _w("instrText"):
            if self.fields:
                self.fields[-1][0] += child.text or ""
            return True
        return bool(self.fields) and not self.fields[-1][1]  # inside the field's code

    def field_link(self) -> tuple:  # type: ignore[type-arg]
        href = next((h for h in (_field_link(f[0]) for f in reversed(self.fields) if f[1]) if h), None)
        return (("a", href),) if href else ()

    def run(self, r: etree._Element, pos: Position, out: list[_Seg], link: tuple) -> None:  # type: ignore[type-arg]
        marks, code, math = self.run_marks(r)
        kind = "code" if code else "math" if math else "text"
        for child in r:
            tag = child.tag
            if self.field(child):
                continue
            ordered = tuple(link or self.field_link()) + tuple((m, None) for m in MARK_ORDER if m in marks)
            if tag == _w("t"):
                out.append(_Seg(kind, child.text or "", ordered))
            elif tag == _w("tab"):
                out.append(_Seg(kind, "\t" if code else " ", ordered))
            elif tag in (_w("br"), _w("cr")):
                if child.get(_w("type")) not in ("page", "column"):
                    out.append(_Seg("text", "\n", ordered))
            elif tag == _w("noBreakHyphen"):
                out.append(_Seg(kind, "\u2011", ordered))
            elif tag == _w("sym"):
                out.append(_Seg(kind, chr(int(child.get(_w("char"), "20"), 16) & 0xFFFF or 0x20), ordered))
            elif tag in (_w("footnoteReference"), _w("endnoteReference")):
                prefix = "e" if tag == _w("endnoteReference") else ""
                out.append(_Seg("fn", prefix + (child.get(_w("id")) or ""), ()))
            elif tag in (_w("drawing"), _w("pict")):
                self.image(child, pos)
            elif tag == _w("object"):
                self.report.warn(pos, "an embedded (OLE) object skipped: it cannot be imported")
            elif tag == _w("delText"):
                continue

    def image(self, el: etree._Element, pos: Position) -> None:
        """An embedded picture becomes a figure (after its paragraph); a linked one is reported."""
        blip = next(el.iter("{http://schemas.openxmlformats.org/drawingml/2006/main}blip"), None)
        descr = next((d.get("descr") or d.get("title") or "" for d in el.iter("{*}docPr")), "")
        if blip is None:
            self.report.warn(pos, f"a drawing {descr!r} without a picture skipped (shapes are not imported)")
            return
        rid = blip.get(f"{{{R}}}embed") or blip.get(f"{{{R}}}link") or ""
        svg = next(blip.iter("{http://schemas.microsoft.com/office/drawing/2016/SVG/main}svgBlip"), None)
        if svg is not None and svg.get(f"{{{R}}}embed"):
            rid = svg.get(f"{{{R}}}embed") or rid  # the drawing itself, not Word's PNG stand-in
        _, target, external = self.rels.get(rid, ("", "", False))
        if external or blip.get(f"{{{R}}}embed") is None:
            self.report.warn(
                pos, f"an external (linked) image {target or descr!r} skipped: it is not fetched"
            )
            return
        folder = self.main.rpartition("/")[0]
        part = target.lstrip("/") if target.startswith("/") else f"{folder}/{target}"
        data = self.pkg.read(part)
        if data is None:
            self.report.warn(pos, f"image {target!r} is missing from the package: skipped")
            return
        self.figures.append(FigureEv(data, target.rsplit("/", 1)[-1], descr, pos))


def _field_link(instr: str) -> str | None:
    """The URL of a HYPERLINK field instruction (``HYPERLINK "https://…" \\o "tip"``)."""
    m = re.match(r'\s*HYPERLINK\s+"([^"]+)"', instr)
    if m is None or not inline.URL_RE.match(m.group(1)):
        return None
    return m.group(1)


def _build(segs: list[_Seg]) -> Nodes:
    """Formatted pieces -> nested inline nodes; a white-space piece keeps the open spans, and
    neighbouring code or math pieces join into one element."""
    root: Nodes = []
    stack: list[tuple[tuple[str, str | None] | None, Nodes]] = [(None, root)]
    merged: list[_Seg] = []
    for s in segs:
        if (
            merged
            and s.kind in ("code", "math")
            and merged[-1].kind == s.kind
            and merged[-1].marks == s.marks
        ):
            merged[-1] = _Seg(s.kind, merged[-1].value + s.value, s.marks)
        else:
            merged.append(s)
    for s in merged:
        current = tuple(m for m, _ in stack[1:])
        marks = current if s.kind == "text" and not s.value.strip() else s.marks
        k = 0
        while k < min(len(current), len(marks)) and current[k] == marks[k]:
            k += 1
        del stack[k + 1 :]
        for mark in marks[k:]:
            span = inline.Span(mark[0], [], mark[1])
            stack[-1][1].append(span)
            stack.append((mark, span.children))
        target = stack[-1][1]
        if s.kind == "text":
            target.append(s.value)
        elif s.kind in ("code", "math"):
            value = s.value.replace("\n", " ")
            if value.strip():
                target.append(inline.Code(value) if s.kind == "code" else inline.Math(value))
            else:
                target.append(value)
        elif s.kind == "fn":
            target.append(N.PendingFn(s.value))
        elif s.kind == "ref":
            target.append(N.PendingRef(s.value, getattr(s, "inner", [])))
    return N.merge(root)


def read(path: str, report: Report) -> Manuscript:
    pkg = Package(path)
    try:
        return _Reader(pkg, report).read()
    finally:
        pkg.zip.close()
