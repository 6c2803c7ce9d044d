"""A translated manuscript aligned with its source chapter, block by block.

The translation is expected to have the source's structure: the same sections, paragraphs,
list items, table rows and cells, in the same order. Blocks pair by position within each body
(the longest common sequence of block kinds, so one extra or missing block does not shift
all the rest); every pair takes the source's ids. Each place where the structures diverge (a
paragraph split in two, a missing list item, a table with another number of rows) is reported
with both positions, and what has no counterpart is left out rather than guessed: `pipeline
check` then reports the missing ids until the manuscript or the sources are fixed.

Language-neutral values come from the source: code, table cells that are facts (flags, names,
numbers), note letters and URLs. Cross-references and footnote references are renamed to the
source's ids.
"""

from __future__ import annotations

from pipeline import inline
from pipeline.errors import Position
from pipeline.importers import Report
from pipeline.model import (
    Block,
    Callout,
    Cell,
    Chapter,
    Code,
    Column,
    Figure,
    Footnote,
    Item,
    ListBlock,
    Math,
    Note,
    Paragraph,
    Quote,
    Row,
    Section,
    Table,
    Unit,
    fingerprint,
)


def _excerpt(unit: Unit | None) -> str:
    if unit is None:
        return ""
    text = inline.text_of(inline.parse(unit.text))
    return f" ({text[:40]!r})" if text else ""


class Aligner:
    def __init__(self, source: Chapter, report: Report, accept: bool) -> None:
        self.source = source
        self.report = report
        self.accept = accept
        self.ids: dict[str, str] = {}  # translation block id -> source block id
        self.fns: dict[str, str] = {}  # translation footnote name -> source footnote name
        self.units: list[Unit] = []  # translation units, for renaming references at the end
        self.twins: list[tuple[str, str]] = []  # (source figure file, the translation's image)

    def unit(self, src: Unit, tr: Unit | None, pos: Position) -> Unit:
        text = _same_formulas(tr.text, src.text) if tr is not None else ""
        if tr is None:
            self.report.warn(pos, f"{src.id}: no text in the translation (source {src.pos})")
        unit = Unit(src.id, text, tr.pos if tr is not None else pos)
        unit.source = fingerprint(src.text) if self.accept and tr is not None else None
        self.units.append(unit)
        self.pair_footnotes(src, tr)
        return unit

    def opt(self, src: Unit | None, tr: Unit | None, pos: Position) -> Unit | None:
        if src is None:
            if tr is not None:
                self.report.warn(tr.pos, f"text{_excerpt(tr)} has no counterpart in the source: left out")
            return None
        return self.unit(src, tr, pos)

    def pair_footnotes(self, src: Unit, tr: Unit | None) -> None:
        if tr is None:
            return
        s_fns = [a.value for a in inline.atoms(inline.parse(src.text)) if isinstance(a, inline.FnRef)]
        t_fns = [a.value for a in inline.atoms(inline.parse(tr.text)) if isinstance(a, inline.FnRef)]
        for s, t in zip(s_fns, t_fns, strict=False):
            self.fns.setdefault(t, s)
        if len(s_fns) != len(t_fns):
            self.report.warn(
                tr.pos, f"{src.id}: {len(t_fns)} footnote references, the source has {len(s_fns)}"
            )

    # -- blocks ----------------------------------------------------------------------------
    def blocks(self, src: list[Block], tr: list[Block], where: Position) -> list[Block]:
        """Pair two bodies in order: the longest common sequence of block kinds, each pair taken
        as early as it can be, so that an extra or missing block shifts nothing else."""
        n, m = len(src), len(tr)
        common = [[0] * (m + 1) for _ in range(n + 1)]  # common[i][j]: of src[i:] and tr[j:]
        for i in range(n - 1, -1, -1):
            for j in range(m - 1, -1, -1):
                same = src[i].kind == tr[j].kind
                common[i][j] = max(
                    common[i + 1][j + 1] + 1 if same else 0, common[i + 1][j], common[i][j + 1]
                )
        out: list[Block] = []
        i = j = 0
        while i < n or j < m:
            if i < n and j < m and src[i].kind == tr[j].kind and common[i][j] == common[i + 1][j + 1] + 1:
                out.append(self.block(src[i], tr[j]))
                i, j = i + 1, j + 1
            elif i < n and (j >= m or common[i + 1][j] >= common[i][j + 1]):
                here = tr[j].pos if j < m else where
                self.report.warn(
                    here,
                    f"source {src[i].kind} {src[i].id} ({src[i].pos}) has no counterpart in the translation",
                )
                i += 1
            else:
                t = tr[j]
                first = next(iter(t.units()), None)
                split = (
                    " (a paragraph split in two?)" if j and t.kind == tr[j - 1].kind == "paragraph" else ""
                )
                self.report.warn(
                    t.pos,
                    f"translated {t.kind}{_excerpt(first)} has no counterpart in the source: left out{split}",
                )
                j += 1
        return out

    def block(self, s: Block, t: Block) -> Block:
        self.ids[t.id] = s.id
        return getattr(self, f"b_{s.kind}")(s, t)

    def b_paragraph(self, s: Paragraph, t: Paragraph) -> Block:
        return Paragraph(s.id, t.pos, self.unit(s.text, t.text, t.pos))

    def b_section(self, s: Section, t: Section) -> Block:
        title = self.unit(s.title, t.title, t.pos)
        return Section(s.id, t.pos, title, self.blocks(s.blocks, t.blocks, t.pos), s.numbered)

    def b_list(self, s: ListBlock, t: ListBlock) -> Block:
        return ListBlock(s.id, t.pos, s.style, self.items(s, t))

    def items(self, s: ListBlock, t: ListBlock) -> list[Item]:
        if len(s.items) != len(t.items):
            self.report.warn(
                t.pos,
                f"list {s.id}: {len(t.items)} items in the translation, {len(s.items)} in the source "
                f"({s.pos})",
            )
        out = []
        for si, ti in zip(s.items, t.items, strict=False):
            sub = None
            if si.sublist is not None and ti.sublist is not None:
                sub = ListBlock(si.id, ti.pos, si.sublist.style, self.items(si.sublist, ti.sublist))
            elif si.sublist is not None or ti.sublist is not None:
                self.report.warn(ti.pos, f"{si.id}: a nested list in one edition only (source {si.pos})")
            out.append(Item(si.id, ti.pos, self.unit(si.text, ti.text, ti.pos), sub))
        return out

    def b_table(self, s: Table, t: Table) -> Block:
        caption = self.unit(s.caption, t.caption, t.pos)
        if len(s.columns) != len(t.columns) or len(s.rows) != len(t.rows):
            self.report.warn(
                t.pos,
                f"table {s.id}: {len(t.columns)} columns and {len(t.rows)} rows in the translation, "
                f"{len(s.columns)} and {len(s.rows)} in the source ({s.pos})",
            )
        columns = [
            Column(sc.id, self.unit(sc.label, tc.label, t.pos), sc.note)
            for sc, tc in zip(s.columns, t.columns, strict=False)
        ]
        t_cols = [c.id for c in t.columns]
        rows = []
        for sr, tr in zip(s.rows, t.rows, strict=False):
            cells: dict[str, Cell] = {}
            for n, sc in enumerate(s.columns):
                scell = sr.cells.get(sc.id)
                tcell = tr.cells.get(t_cols[n]) if n < len(t_cols) else None
                if scell is None:
                    continue
                if not isinstance(scell.value, Unit):  # a fact: the same in every edition
                    cells[sc.id] = scell
                    continue
                tunit = tcell.value if tcell is not None and isinstance(tcell.value, Unit) else None
                if tcell is not None and tunit is None:
                    tunit = Unit("", str(tcell.value.value), tr.pos)  # a number or Yes/No kept as text
                cells[sc.id] = Cell(scell.id, self.unit(scell.value, tunit, tr.pos), scell.note)
            rows.append(Row(sr.id, cells, tr.pos))
        notes = []
        by_letter = {n.letter: n for n in t.notes}
        for sn in s.notes:
            tn = by_letter.get(sn.letter)
            text = self.unit(sn.text, tn.text if tn else None, t.pos) if sn.text is not None else None
            notes.append(Note(sn.id, tn.pos if tn else t.pos, text, sn.url))
        return Table(s.id, t.pos, caption, columns, rows, notes, s.row_header)

    def b_callout(self, s: Callout, t: Callout) -> Block:
        title = self.opt(s.title, t.title, t.pos)
        if s.style != t.style:
            self.report.warn(t.pos, f"callout {s.id} is a {s.style} in the source, a {t.style} here")
        return Callout(s.id, t.pos, s.style, self.blocks(s.blocks, t.blocks, t.pos), title)

    def b_quote(self, s: Quote, t: Quote) -> Block:
        return Quote(
            s.id, t.pos, self.unit(s.text, t.text, t.pos), self.opt(s.attribution, t.attribution, t.pos)
        )

    def b_code(self, s: Code, t: Code) -> Block:
        if s.code.value != t.code.value:
            self.report.warn(
                t.pos, f"code {s.id} differs from the source's ({s.pos}): the source's code was kept"
            )
        return Code(s.id, t.pos, s.code, s.language, self.opt(s.caption, t.caption, t.pos))

    def b_figure(self, s: Figure, t: Figure) -> Block:
        caption = self.unit(s.caption, t.caption, t.pos)
        alt = self.unit(s.alt, t.alt, t.pos)
        if not s.neutral:
            self.twins.append((str(s.src.value), str(t.src.value)))
        return Figure(s.id, t.pos, s.src, caption, alt, s.neutral)

    def b_math(self, s: Math, t: Math) -> Block:
        if s.tex.value != t.tex.value:
            self.report.warn(
                t.pos, f"equation {s.id} differs from the source's ({s.pos}): the source's was kept"
            )
        return s

    # -- the chapter -----------------------------------------------------------------------
    def chapter(self, t: Chapter) -> Chapter:
        s = self.source
        title = self.unit(s.title, t.title, t.pos)
        blocks = self.blocks(s.blocks, t.blocks, t.pos)
        # footnote texts are read from the translation's footnotes, not paired as units
        for unit in self.units:
            unit.text = inline.markup(self.rename(inline.parse(unit.text), unit))
        used = {
            a.value
            for u in self.units
            for a in inline.atoms(inline.parse(u.text))
            if isinstance(a, inline.FnRef)
        }
        by_name = {n.name: n for n in t.footnotes}
        back = {sname: tname for tname, sname in self.fns.items()}
        footnotes = []
        for sn in s.footnotes:
            tn = by_name.get(back.get(sn.name, ""))
            if sn.name not in used or tn is None:
                self.report.warn(
                    t.pos, f"footnote {sn.id} ({sn.pos}) is not referenced in the translation: left out"
                )
                continue
            unit = Unit(sn.text.id, inline.markup(self.rename(inline.parse(tn.text.text), tn.text)), tn.pos)
            unit.source = fingerprint(sn.text.text) if self.accept else None
            footnotes.append(Footnote(sn.id, tn.pos, unit))
        return Chapter(
            s.key, t.lang, t.path, s.number, t.edition, t.edition_pos, title, blocks, footnotes, t.pos
        )

    def rename(self, nodes: list, unit: Unit) -> list:  # type: ignore[type-arg]
        """References renamed to the source's ids; one that names nothing there is dropped."""
        out: list = []  # type: ignore[type-arg]
        for node in nodes:
            if isinstance(node, inline.Span):
                out.append(inline.Span(node.tag, self.rename(node.children, unit), node.href))
            elif isinstance(node, inline.FnRef):
                if node.value in self.fns:
                    out.append(inline.FnRef(self.fns[node.value]))
                else:
                    self.report.warn(
                        unit.pos, f"{unit.id}: a footnote reference with no source footnote: dropped"
                    )
            elif isinstance(node, inline.Ref):
                target = self.ids.get(node.value)
                if target is not None and self.source.block(target) is not None:
                    out.append(inline.Ref(target))
                else:
                    self.report.warn(
                        unit.pos, f"{unit.id}: a cross-reference to nothing in the source: dropped"
                    )
            else:
                out.append(node)
        return out


def _same_formulas(text: str, source: str) -> str:
    """The translation's formulas written exactly as the source's where they are the same
    formula (a Word equation does not keep the TeX's spacing): formulas are compared exactly."""
    if "<m>" not in text or "<m>" not in source:
        return text
    from pipeline import tex

    by_shape = {
        tex.shape(a.value): a.value for a in inline.atoms(inline.parse(source)) if isinstance(a, inline.Math)
    }

    def fix(nodes: list) -> list:  # type: ignore[type-arg]
        out: list = []  # type: ignore[type-arg]
        for node in nodes:
            if isinstance(node, inline.Span):
                out.append(inline.Span(node.tag, fix(node.children), node.href))
            elif isinstance(node, inline.Math):
                out.append(inline.Math(by_shape.get(tex.shape(node.value), node.value)))
            else:
                out.append(node)
        return out

    return inline.markup(fix(inline.parse(text)))


def align(
    source: Chapter, translation: Chapter, report: Report, accept: bool
) -> tuple[Chapter, list[tuple[str, str]]]:
    """The translation with the source's ids (and fingerprints with ``accept``), and the pairs
    (source figure file, the translation's own image) of its figures that are not neutral."""
    aligner = Aligner(source, report, accept)
    return aligner.chapter(translation), aligner.twins
