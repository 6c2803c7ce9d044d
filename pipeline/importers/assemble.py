"""Events -> Chapter: nesting by heading level, captions, labels, notes and ids.

The same recognition serves every reader. Beyond the plain structure it knows the furniture of
our own handouts (``pipeline export``), written with the UI words of the chapter's language, so
that a handout imported back gives the blocks it was made from: the title block (the "Chapter 4"
kicker, the book line, the credit, the edition date) is dropped; section numbers (``4.1.2``)
are cut from headings; "Table 4.1" captions, the "Notes" lines below a table and its note
letters, "Pros"/"Cons" list titles with their ✓/✗ marks, callout labels ("Note", "Tip: title"),
quote attributions ("— …"), row headers (a bold first column), Yes/No and number cells, and the
glossary section at the end are recognised. Ordinary manuscripts use the same cues (a "Table 1"
caption, "1.2" typed before a heading).
"""

from __future__ import annotations

import dataclasses
import os
import re
from datetime import date

from pipeline import inline
from pipeline import tex as texcheck
from pipeline.errors import Position
from pipeline.i18n import Labels, labels
from pipeline.importers import Report, ids
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
from pipeline.loader import MAX_LIST_DEPTH, MAX_SECTION_DEPTH
from pipeline.model import (
    Block,
    Callout,
    Cell,
    Chapter,
    Code,
    Column,
    Fact,
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
)

CALLOUT_LABELS = {"note": "Note", "tip": "Tip", "warning": "Warning", "editor": "Editor's note"}
ALERTS = {"NOTE": "note", "TIP": "tip", "IMPORTANT": "note", "WARNING": "warning", "CAUTION": "warning"}
FIGURE_KINDS = (".png", ".jpg", ".jpeg", ".svg")  # what pipeline.media accepts
TAG = re.compile(r"\\tag\*?\{[^{}]*\}")  # an equation's number as the handouts write it
# "4.1.2 Title", "3. Title", "3、标题": a number typed before a heading (not "2.5D Convolution")
SECTION_NUMBER = re.compile(r"^\s*\d+(?:\.\d+)+\.?[\s\u3000]+|^\s*\d+(?:[.．][\s\u3000]+|、[\s\u3000]*)")
MARKS = {"pros": "✓", "cons": "✗"}
SEPARATOR = r"[\s\u3000]*(?:[:：.．][\s\u3000]*)?"  # after "Table 1" or "Figure 1" in a caption
NUMBER = re.compile(r"[-+]?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?")


def _pattern(lab: Labels, message: str, name: str, group: str) -> re.Pattern[str]:
    """A UI message as a regular expression, its placeholder a group, spaces optional."""
    text = lab(message, **{name: "\x00"})
    body = r"\s*".join(re.escape(part) for part in text.split(" ") if part)
    return re.compile("^" + body.replace("\x00", f"(?P<{name}>{group})") + "$")


class _Furniture:
    """The UI words of one language, as our handouts print them."""

    def __init__(self, lang: str) -> None:
        try:
            lab = labels(lang)
        except Exception:  # an unknown language: no handout furniture to recognise
            lab = labels("en")
        self.chapter = _pattern(lab, "Chapter %(number)s", "number", r"\d+")
        self.table = _pattern(lab, "Table %(number)s", "number", r"[\d.]+")
        self.section = _pattern(lab, "Section %(number)s", "number", r"[\d.]+")
        self.figure = _pattern(lab, "Figure %(number)s", "number", r"[\d.]+")
        self.equation = _pattern(lab, "Equation (%(number)s)", "number", r"[\d.]+")
        self.figure_prefix = re.compile("^" + self.figure.pattern[1:-1] + SEPARATOR)
        self.edition = _pattern(lab, "Edition of %(date)s", "date", r".+")
        self.callouts = {lab(m): kind for kind, m in CALLOUT_LABELS.items()}
        self.lists = {lab("Pros"): "pros", lab("Cons"): "cons"}
        self.notes = lab("Notes")
        self.glossary = lab("Glossary")
        self.flags = {lab("Yes").casefold(): True, lab("No").casefold(): False}
        self.table_prefix = re.compile("^" + self.table.pattern[1:-1] + SEPARATOR)


class Assembler:
    def __init__(self, ms: Manuscript, lang: str, key: str, path: str, report: Report) -> None:
        self.ms = ms
        self.lang = lang
        self.key = key
        self.path = path
        self.report = report
        self.f = _Furniture(lang)
        self.pending: list[tuple[Unit, Nodes]] = []  # units whose text waits for ids
        self.anchors: dict[str, str] = {}  # anchor or bookmark -> block id
        self.targets: set[str] = set()  # ids of sections and tables
        self.number: int | None = None
        # where headings carry typed numbers (as handouts print them), one without is unnumbered
        self.numbered_headings = any(
            isinstance(e, Heading) and SECTION_NUMBER.match(N.plain(N.strip(e.nodes))) for e in ms.events
        )
        # equations written with \tag are numbered, the others not; without any, all are
        self.tagged_math = any(isinstance(e, MathEv) and e.tagged for e in _all_events(ms.events))

    # -- units -------------------------------------------------------------------------------
    def unit(self, nodes: Nodes, pos: Position, uid: str = "") -> Unit:
        unit = Unit(uid, "", pos)
        self.pending.append((unit, N.strip(nodes)))
        return unit

    # -- the chapter -------------------------------------------------------------------------
    def chapter(self, number: int | None, edition: date, default_number: int | None = None) -> Chapter:
        events = list(self.ms.events)
        title_nodes, title_pos, events = self.take_title(events)
        events = self.drop_glossary(events)
        title = self.unit(title_nodes, title_pos, "title")
        blocks = self.blocks(events, "", 0)
        if not blocks:
            self.report.warn(title_pos, "the manuscript has no text under its title")
        footnotes = self.finish()
        number = number if number is not None else self.number if self.number is not None else default_number
        if number is None:
            number = 1
            self.report.warn(title_pos, "no chapter number found: 1 was written (give --number N)")
        pos = Position(self.path, 1, 1)
        return Chapter(
            self.key, self.lang, self.path, Fact("chapter", number, pos), edition, pos, title, blocks,
            footnotes, pos,
        )  # fmt: skip

    def take_title(self, events: list[Event]) -> tuple[Nodes, Position, list[Event]]:
        """The chapter title: a Title paragraph, else the one heading of the top level that
        comes first; the handout's kicker and title block go with it."""
        index = next((i for i, e in enumerate(events) if isinstance(e, Para) and e.hint == "title"), None)
        headings = [e for e in events if isinstance(e, Heading)]
        top = min((h.level for h in headings), default=0)
        if index is None and headings:
            first = next(i for i, e in enumerate(events) if isinstance(e, Heading))
            if sum(h.level == top for h in headings) == 1 and events[first].level == top:  # type: ignore[union-attr]
                index = first
        if index is None:
            pos = events[0].pos if events else Position(self.path, 1, 1)
            text = self.ms.title or ""
            self.report.warn(pos, "no title found (a Title style or one top-level heading): write one")
            return [text], pos, events
        title = events[index]
        # the levels of the remaining headings start at 1
        shift = (title.level if isinstance(title, Heading) else top - 1 if headings else 0) or 0
        before, after = events[:index], events[index + 1 :]
        kept = [e for e in before if not self.is_kicker(e)]
        if kept:
            self.report.warn(
                kept[0].pos, "text before the chapter title was kept at the start of the chapter"
            )
        after = self.drop_title_block(after)
        out: list[Event] = []
        for e in [*kept, *after]:
            if isinstance(e, Heading):
                e = Heading(max(1, e.level - shift), e.nodes, e.pos, e.anchor)
            out.append(e)
        return title.nodes, title.pos, out  # type: ignore[union-attr]

    def is_kicker(self, e: Event) -> bool:
        if not isinstance(e, Para):
            return False
        m = self.f.chapter.match(N.plain(N.strip(e.nodes)))
        if m is None:
            return False
        self.number = int(m.group("number"))
        return True

    def drop_title_block(self, events: list[Event]) -> list[Event]:
        """Drop the kicker, the book line, the credit and the edition date of a handout: only
        after a "Chapter 4" kicker (before or after the title), the mark of our handouts."""
        start = 0
        if events and self.is_kicker(events[0]):
            start = 1
        if self.number is None:
            return events
        for i, e in enumerate(events[start : start + 5], start):
            if not isinstance(e, Para):
                break
            if self.f.edition.match(N.plain(N.strip(e.nodes))):
                return events[i + 1 :]
        lead = start
        while lead < len(events) and isinstance(events[lead], Para) and events[lead].hint == "meta":  # type: ignore[union-attr]
            lead += 1
        return events[lead:]

    def drop_glossary(self, events: list[Event]) -> list[Event]:
        """A handout's glossary section (the book's glossary lives in glossary.yaml); only in a
        handout (after its kicker): a manuscript's own glossary is text."""
        if self.number is None:
            return events
        for i, e in enumerate(events):
            if isinstance(e, Heading) and N.plain(self.heading_text(e.nodes)[0]).strip() == self.f.glossary:
                rest = events[i + 1 :]
                if all(isinstance(r, (Para, TableEv)) for r in rest) and any(
                    isinstance(r, TableEv) for r in rest
                ):
                    self.report.warn(
                        e.pos, "the handout's glossary was skipped: terms belong in glossary.yaml"
                    )
                    return events[:i]
        return events

    # -- blocks ------------------------------------------------------------------------------
    def heading_text(self, nodes: Nodes) -> tuple[Nodes, bool]:
        nodes = N.strip(nodes)
        m = SECTION_NUMBER.match(N.plain(nodes))
        if m is None:
            return nodes, False
        return N.strip(N.drop_leading(nodes, m.end())), True

    def blocks(
        self,
        events: list[Event],
        prefix: str,
        depth: int,
        in_box: bool = False,
        namer: ids.Namer | None = None,
    ) -> list[Block]:
        """Blocks of one body; a heading opens a section that runs to the next heading of its
        level or a higher one."""
        namer = namer or ids.Namer()
        out: list[Block] = []
        events = _pass_anchors(events)
        i = 0
        while i < len(events):
            e = events[i]
            if isinstance(e, Heading) and not in_box:
                end = next(
                    (
                        j
                        for j in range(i + 1, len(events))
                        if isinstance(events[j], Heading) and events[j].level <= e.level
                    ),  # type: ignore[union-attr]
                    len(events),
                )
                out += self.section(e, events[i + 1 : end], prefix, depth, namer)
                i = end
                continue
            block, used = self.block(events, i, prefix, namer, in_box)
            if block is not None:
                out.append(block)
            i += used
        return out

    def section(
        self, h: Heading, body: list[Event], prefix: str, depth: int, namer: ids.Namer
    ) -> list[Block]:
        title, numbered = self.heading_text(h.nodes)
        if depth >= MAX_SECTION_DEPTH or not body:
            why = "nothing under it" if not body else f"sections nest at most {MAX_SECTION_DEPTH} levels deep"
            self.report.warn(h.pos, f"heading kept as a bold paragraph ({why})")
            bid = _join(prefix, namer.take(ids.slug(N.plain(title)) or "para"))
            para = self.paragraph([inline.Span("b", title)], h.pos, bid)
            return [para, *self.blocks(body, prefix, depth, namer=namer)]
        want = ids.from_anchor(h.anchor) or ids.slug(N.plain(title), 4) or "section"
        bid = _join(prefix, namer.take(want))
        if h.anchor:
            self.anchors[h.anchor] = bid
        self.targets.add(bid)
        section = Section(
            bid, h.pos, self.unit(title, h.pos, bid), [], numbered or not self.numbered_headings
        )
        section.blocks = self.blocks(body, bid, depth + 1)
        return [section]

    def paragraph(self, nodes: Nodes, pos: Position, bid: str) -> Paragraph:
        return Paragraph(bid, pos, self.unit(nodes, pos, bid))

    def block(
        self, events: list[Event], i: int, prefix: str, namer: ids.Namer, in_box: bool
    ) -> tuple[Block | None, int]:
        """The block that starts at events[i] and how many events it took."""
        e = events[i]
        nxt = events[i + 1] if i + 1 < len(events) else None
        if isinstance(e, Heading):  # inside a box: a callout holds no sections
            self.report.warn(e.pos, "a heading inside a box or quote was kept as a bold paragraph")
            bid = _join(prefix, namer.take(ids.slug(N.plain(e.nodes)) or "para"))
            return self.paragraph([inline.Span("b", N.strip(e.nodes))], e.pos, bid), 1
        if isinstance(e, Para):
            text = N.plain(N.strip(e.nodes))
            label = N.plain(N.only_span(e.nodes, "b") or e.nodes).strip()
            if isinstance(nxt, TableEv) and (e.hint == "caption" or self.f.table_prefix.match(text)):
                return self.table(nxt, e, events[i + 2 :], prefix, namer)
            if isinstance(nxt, CodeEv) and (e.hint == "caption" or N.only_span(e.nodes, "i") is not None):
                caption = N.only_span(e.nodes, "i") or e.nodes
                return self.code(nxt, prefix, namer, caption, e.pos), 2
            if isinstance(nxt, ListEv) and label in self.f.lists:
                return self.list_block(nxt, prefix, namer, self.f.lists[label]), 2
            if not text and not N.strip(e.nodes):
                return None, 1  # an empty paragraph: spacing, not text
            bid = _join(prefix, namer.take(ids.slug(text) or "para"))
            return self.paragraph(e.nodes, e.pos, bid), 1
        if isinstance(e, ListEv):
            return self.list_block(e, prefix, namer, None), 1
        if isinstance(e, TableEv):
            return self.table(e, None, events[i + 1 :], prefix, namer, lead=1)
        if isinstance(e, CodeEv):
            return self.code(e, prefix, namer, None, e.pos), 1
        if isinstance(e, QuoteEv):
            return self.quote(e, prefix, namer, in_box), 1
        if isinstance(e, FigureEv):
            caption = nxt if isinstance(nxt, Para) and self.is_figure_caption(nxt) else None
            return self.figure(e, caption, prefix, namer), 2 if caption is not None else 1
        if isinstance(e, MathEv):
            return self.math(e, prefix, namer), 1
        raise AssertionError(e)  # pragma: no cover

    # -- lists -------------------------------------------------------------------------------
    def list_block(self, e: ListEv, prefix: str, namer: ids.Namer, style: str | None) -> ListBlock:
        if style is None:
            style = self.marked_style(e) or ("numbered" if e.ordered else "bullet")
        bid = _join(prefix, namer.take(style if style in ("pros", "cons") else "list"))
        return ListBlock(bid, e.pos, style, self.items(e.items, bid, style, 0))

    def marked_style(self, e: ListEv) -> str | None:
        """pros or cons when every item starts with the handout's ✓ or ✗."""
        for style, mark in MARKS.items():
            if all(N.plain(N.strip(it.nodes)).startswith(mark) for it in e.items):
                return style
        return None

    def items(self, items: list[ItemEv], bid: str, style: str, level: int) -> list[Item]:
        namer = ids.Namer()
        out = []
        for it in items:
            nodes = N.strip(it.nodes)
            mark = MARKS.get(style)
            if mark and N.plain(nodes).startswith(mark):
                nodes = N.strip(N.drop_leading(nodes, 1))
            iid = _join(bid, namer.take(ids.slug(N.plain(nodes)) or "item"))
            sub = None
            if it.sub is not None:
                if level + 1 >= MAX_LIST_DEPTH:
                    self.report.warn(it.sub.pos, f"lists nest at most {MAX_LIST_DEPTH} levels: flattened")
                    out.append(Item(iid, it.pos, self.unit(nodes, it.pos, iid)))
                    out += self.items(it.sub.items, bid, style, level)
                    continue
                sub_style = "numbered" if it.sub.ordered else "bullet"
                sub = ListBlock(
                    iid, it.sub.pos, sub_style, self.items(it.sub.items, iid, sub_style, level + 1)
                )
            out.append(Item(iid, it.pos, self.unit(nodes, it.pos, iid), sub))
        return out

    # -- tables ------------------------------------------------------------------------------
    def table(
        self,
        e: TableEv,
        caption: Para | None,
        after: list[Event],
        prefix: str,
        namer: ids.Namer,
        lead: int = 2,
    ) -> tuple[Block | None, int]:
        cap_nodes = self.caption(caption, self.f.table_prefix)
        if len(e.rows) < 2:
            self.report.warn(e.pos, "a table needs a header row and at least one row: kept as paragraphs")
            blocks = [
                self.paragraph(cell, e.pos, _join(prefix, namer.take("para")))
                for row in e.rows
                for cell in row
            ]
            return (blocks[0] if blocks else None), lead
        anchor = e.anchor or (caption.anchor if caption is not None else None)
        header = " ".join(N.plain(c) for c in e.rows[0])
        want = ids.from_anchor(anchor) or ids.slug(N.plain(cap_nodes)) or ids.slug(header) or "table"
        bid = _join(prefix, namer.take(want))
        if anchor:
            self.anchors[anchor] = bid
        self.targets.add(bid)
        if not cap_nodes:
            self.report.warn(e.pos, f"table {bid} has no caption: write one (check reports it empty)")
        columns = self.columns(e.rows[0], bid, e.pos)
        body = e.rows[1:]
        row_header = bool(body) and all(N.only_span(r[0], "b") is not None for r in body if r)
        rows = self.rows(body, bid, columns, row_header, e.pos)
        notes, used = self.notes(after, bid)
        self.check_note_refs(columns, rows, notes, bid, e.pos)
        table = Table(bid, e.pos, self.unit(cap_nodes, e.pos, bid), columns, rows, notes, row_header)
        return table, lead + used

    def columns(self, header: list[Nodes], bid: str, pos: Position) -> list[Column]:
        namer = ids.Namer()
        out = []
        for nodes in header:
            nodes, letter = N.trailing_note(nodes)
            cid = namer.take(ids.slug(N.plain(nodes), 2) or "col")
            sub = f"{bid}.columns.{cid}"
            note = Fact(f"{sub}.note", letter, pos) if letter else None
            out.append(Column(cid, self.unit(nodes, pos, sub), note))
        return out

    def rows(
        self, body: list[list[Nodes]], bid: str, columns: list[Column], row_header: bool, pos: Position
    ) -> list[Row]:
        namer = ids.Namer()
        out = []
        for n, cells in enumerate(body, 1):
            if len(cells) > len(columns):
                self.report.warn(
                    pos, f"row {n} of table {bid} has more cells than the header: extra cells dropped"
                )
            first = N.plain(N.strip(cells[0])) if cells else ""
            rid = f"{bid}.rows.{namer.take(ids.slug(first, 2) or 'row')}"
            found: dict[str, Cell] = {}
            for col, nodes in zip(columns, cells, strict=False):
                if row_header and col is columns[0]:
                    nodes = N.only_span(nodes, "b") or nodes
                cell = self.cell(nodes, f"{rid}.{col.id}", pos)
                if cell is not None:
                    found[col.id] = cell
            if not found:
                self.report.warn(pos, f"row {n} of table {bid} is empty: skipped")
                continue
            out.append(Row(rid, found, pos))
        return out

    def cell(self, nodes: Nodes, cid: str, pos: Position) -> Cell | None:
        nodes, letter = N.trailing_note(nodes)
        note = Fact(f"{cid}.note", letter, pos) if letter else None
        text = N.plain(nodes)
        if not text.strip():
            return None
        if len(nodes) == 1 and isinstance(nodes[0], str):
            if NUMBER.fullmatch(text):
                return Cell(cid, Fact(cid, int(text) if "." not in text else text, pos), note)
            if text.casefold() in self.f.flags:  # the UI words of a flag: "Yes", "no", "是"
                return Cell(cid, Fact(cid, self.f.flags[text.casefold()], pos), note)
        return Cell(cid, self.unit(nodes, pos, cid), note)

    def caption(self, para: Para | None, label: re.Pattern[str]) -> Nodes:
        """A caption without its label ("表 4.1", "**Figure 1.** ", "Table 2:")."""
        if para is None:
            return []
        nodes = N.strip(para.nodes)
        m = label.match(N.plain(nodes))
        if m is not None:
            nodes = N.strip(N.drop_leading(nodes, m.end()))
        # "**表 4.1** caption": the bold label is gone, its emptied span may remain
        if nodes and isinstance(nodes[0], inline.Span) and not N.plain(nodes[0].children).strip():
            nodes = N.strip(nodes[1:])
        return nodes

    def check_note_refs(
        self, columns: list[Column], rows: list[Row], notes: list[Note], bid: str, pos: Position
    ) -> None:
        """A note letter with no note below the table is reported and dropped."""
        letters = {n.letter for n in notes}
        holders: list[Column | Cell] = [*columns, *(c for r in rows for c in r.cells.values())]
        for holder in holders:
            if holder.note is not None and holder.note.value not in letters:
                self.report.warn(
                    pos, f"table {bid}: note mark {holder.note.value!r} has no note below the table: dropped"
                )
                holder.note = None

    def notes(self, after: list[Event], bid: str) -> tuple[list[Note], int]:
        """The notes below a table: a "Notes" line, then one line or list item per letter."""
        if not after or not isinstance(after[0], Para):
            return [], 0
        if N.plain(N.only_span(after[0].nodes, "b") or after[0].nodes).strip() != self.f.notes:
            return [], 0
        lines: list[tuple[Nodes, Position]] = []
        used = 1
        for e in after[1:]:
            if isinstance(e, TableEv) and not lines:  # notes laid out in a grid (DOCX handouts)
                cells = [c for row in e.rows for c in row if N.plain(c).strip()]
                if cells and all(N.leading_note(c)[1] for c in cells):
                    lines = sorted(((c, e.pos) for c in cells), key=lambda c: N.leading_note(c[0])[1] or "")
                    used += 1
                break
            if isinstance(e, ListEv) and not lines:
                lines = [(it.nodes, it.pos) for it in e.items]
                used += 1
                break
            if isinstance(e, Para) and N.leading_note(e.nodes)[1]:
                lines.append((e.nodes, e.pos))
                used += 1
                continue
            break
        out = []
        for nodes, pos in lines:
            rest, letter = N.leading_note(nodes)
            if letter is None:
                self.report.warn(pos, f"a note below table {bid} has no letter: kept in the notes as 'x'")
                letter = "x"
            nid = f"{bid}.notes.{letter}"
            url = _url_only(rest)
            if url is not None:
                out.append(Note(nid, pos, url=Fact(f"{nid}.url", url, pos)))
            else:
                out.append(Note(nid, pos, text=self.unit(rest, pos, nid)))
        return out, used

    # -- code, quotes, callouts --------------------------------------------------------------
    def code(self, e: CodeEv, prefix: str, namer: ids.Namer, caption: Nodes | None, pos: Position) -> Code:
        bid = _join(prefix, namer.take(ids.slug(N.plain(caption or []), 2) or "code"))
        language = e.language if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_+#.-]*", e.language or "") else "text"
        cap = self.unit(caption, pos, f"{bid}.caption") if caption else None
        text = e.text if e.text.endswith("\n") else e.text + "\n"
        return Code(bid, e.pos, Fact(bid, text, e.pos), Fact(f"{bid}.language", language, e.pos), cap)

    def quote(self, e: QuoteEv, prefix: str, namer: ids.Namer, in_box: bool) -> Block | None:
        body = list(e.body)
        kind = ALERTS.get(e.alert or "")
        title: Nodes | None = None
        first = body[0] if body else None
        if isinstance(first, Para):
            found = self.callout_label(first)
            if found is not None:
                kind, title, rest = found
                body = body[1:] if rest is None else [Para(rest, first.pos), *body[1:]]
        if kind is None and e.box:
            kind = "note"
            self.report.warn(e.pos, "a one-cell table was read as a note callout")
        if kind is None or in_box:
            return self.plain_quote(body, e.pos, prefix, namer)
        paras = [p for p in body if isinstance(p, Para)]
        if kind == "editor" and paras and all(N.only_span(p.nodes, "i") is not None for p in paras):
            # handouts set editors' notes in italics (where the script has italics): not the text's
            body = [Para(N.only_span(p.nodes, "i") or [], p.pos) if isinstance(p, Para) else p for p in body]
        bid = _join(prefix, namer.take(kind))
        callout = Callout(bid, e.pos, kind, [], self.unit(title, e.pos, bid) if title else None)
        callout.blocks = self.blocks(body, bid, 0, in_box=True)
        if not callout.blocks:
            self.report.warn(e.pos, f"callout {bid} is empty: skipped")
            return None
        return callout

    def callout_label(self, p: Para) -> tuple[str, Nodes | None, Nodes | None] | None:
        """(kind, title, the rest of the paragraph) when a paragraph starts with a callout label:
        a label line ("Tip: title", bold or in a label style) or "**Note**: text"."""
        nodes = N.strip(p.nodes)
        bold = N.only_span(nodes, "b")
        whole = N.plain(bold if bold is not None else nodes)
        for label, kind in sorted(self.f.callouts.items(), key=lambda kv: -len(kv[0])):
            if not whole.startswith(label):
                continue
            after = whole[len(label) :]
            if bold is not None or p.hint == "label":
                title = N.strip(N.drop_leading(bold if bold is not None else nodes, len(label)))
                title = _drop_colon(title)
                return kind, (title or None), None
            if after[:1] in ("：", ":"):
                return kind, None, _drop_colon(N.strip(N.drop_leading(nodes, len(label))))
        return None

    def plain_quote(self, body: list[Event], pos: Position, prefix: str, namer: ids.Namer) -> Block | None:
        paras = [e for e in body if isinstance(e, Para) and N.strip(e.nodes)]
        if len(paras) != len([e for e in body if not (isinstance(e, Para) and not N.strip(e.nodes))]):
            self.report.warn(pos, "a quote holds only text here: its lists, tables or code were dropped")
        if not paras:
            return None
        attribution = None
        last = N.strip(paras[-1].nodes)
        if len(paras) > 1 and (N.plain(last)[:1] in ("—", "―") or paras[-1].hint == "attribution"):
            attribution = N.strip(N.drop_leading(last, 1)) if N.plain(last)[:1] in ("—", "―") else last
            paras = paras[:-1]
        if len(paras) > 1:
            self.report.warn(pos, f"a quote of {len(paras)} paragraphs was joined into one")
        text: Nodes = []
        for p in paras:
            text += [" "] if text else []
            # a quote set wholly in italics (as handouts set quotes) is styled, not emphasised
            text += N.only_span(p.nodes, "i") or N.strip(p.nodes)
        bid = _join(prefix, namer.take("quote"))
        att = self.unit(attribution, pos, f"{bid}.attribution") if attribution else None
        return Quote(bid, pos, self.unit(text, pos, bid), att)

    # -- figures and equations ---------------------------------------------------------------
    def is_figure_caption(self, p: Para) -> bool:
        return p.hint == "caption" or self.f.figure_prefix.match(N.plain(N.strip(p.nodes))) is not None

    def figure(self, e: FigureEv, caption: Para | None, prefix: str, namer: ids.Namer) -> Block | None:
        ext = os.path.splitext(e.name)[1].lower()
        if ext not in FIGURE_KINDS or e.data is None:
            kind = ext[1:].upper() or "unknown"
            why = (
                f"a {kind} image (only PNG, JPEG and SVG are supported)"
                if e.data is not None
                else "unreadable"
            )
            self.report.warn(e.pos, f"figure {e.name!r} skipped: {why}")
            return None
        problem = _image_problem(e.name, e.data)
        if problem is not None:
            self.report.warn(e.pos, f"figure {e.name!r} skipped: {problem}")
            return None
        cap = self.caption(caption, self.f.figure_prefix)
        anchor = e.anchor or (caption.anchor if caption is not None else None)  # DOCX: on the caption
        want = ids.from_anchor(anchor) or ids.slug(N.plain(cap)) or ids.slug(e.alt) or "figure"
        bid = _join(prefix, namer.take(want))
        if anchor:
            self.anchors[anchor] = bid
        self.targets.add(bid)
        if not cap:
            self.report.warn(e.pos, f"figure {bid} has no caption: write one (check reports it empty)")
        if not e.alt.strip():
            self.report.warn(e.pos, f"figure {bid} has no alt text: write one for readers who cannot see it")
        src = f"media/{self.key}-{bid.replace('.', '-')}{'.jpg' if ext == '.jpeg' else ext}"
        self.report.media.append((src, e.data))
        return Figure(
            bid,
            e.pos,
            Fact(bid, src, e.pos),
            self.unit(cap, e.pos, f"{bid}.caption"),
            self.unit([e.alt], e.pos, f"{bid}.alt"),
        )

    def math(self, e: MathEv, prefix: str, namer: ids.Namer) -> Block | None:
        tex = " ".join(TAG.sub("", e.tex).split())
        problem = texcheck.problem(tex)
        if problem is not None:
            self.report.warn(e.pos, f"equation kept as code: {problem}")
            bid = _join(prefix, namer.take("para"))
            return self.paragraph([inline.Code(tex)] if tex.strip() else [], e.pos, bid)
        bid = _join(prefix, namer.take(ids.from_anchor(e.anchor) or "equation"))
        if e.anchor:
            self.anchors[e.anchor] = bid
        self.targets.add(bid)
        numbered = e.tagged if e.tagged is not None and self.tagged_math else True
        return Math(bid, e.pos, Fact(bid, tex, e.pos), numbered)

    # -- references and footnotes ------------------------------------------------------------
    def finish(self) -> list[Footnote]:
        """Resolve internal links and footnote references, then write every unit's text."""
        names: dict[str, str] = {}  # reader key -> footnote name
        namer = ids.Namer()
        footnotes: list[Footnote] = []
        i = 0
        while i < len(self.pending):  # footnotes append their own units as they are found
            unit, nodes = self.pending[i]
            i += 1
            nodes = self.resolve(nodes, unit, names, namer, footnotes)
            unit.text = self.text(nodes, unit)
        return footnotes

    def resolve(
        self, nodes: Nodes, unit: Unit, names: dict[str, str], namer: ids.Namer, footnotes: list[Footnote]
    ) -> Nodes:
        out: Nodes = []
        for node in nodes:
            if isinstance(node, inline.Span):
                out.append(
                    inline.Span(
                        node.tag, self.resolve(node.children, unit, names, namer, footnotes), node.href
                    )
                )
            elif isinstance(node, N.PendingFn):
                name = names.get(node.value)
                if name is None:
                    found = self.ms.footnotes.get(node.value)
                    if found is None:
                        self.report.warn(
                            unit.pos, f"footnote reference {node.value!r} has no footnote: dropped"
                        )
                        continue
                    fn_nodes, fn_pos = found
                    name = names[node.value] = namer.take(ids.slug(N.plain(fn_nodes), 2) or "note")
                    fid = f"footnotes.{name}"
                    footnotes.append(Footnote(fid, fn_pos, self.unit(fn_nodes, fn_pos, fid)))
                out.append(inline.FnRef(name))
            elif isinstance(node, N.PendingRef):
                target = self.anchors.get(node.value)
                label = N.plain(node.text).strip()
                printed = any(
                    p.match(label)
                    for p in (self.f.section, self.f.table_prefix, self.f.figure, self.f.equation)
                ) or (target is not None and label == target)  # an unnumbered equation prints its id
                if target is not None and printed:
                    out.append(inline.Ref(target))
                else:
                    if target is None:
                        self.report.warn(
                            unit.pos, f"link to #{node.value} names nothing imported: kept as text"
                        )
                    out += node.text
            else:
                out.append(node)
        return N.merge(out)

    def checked_math(self, nodes: Nodes, unit: Unit) -> Nodes:
        """Inline math the renderers cannot set is kept as code, with a warning."""
        out: Nodes = []
        for node in nodes:
            if isinstance(node, inline.Math) and (problem := texcheck.problem(node.value)) is not None:
                self.report.warn(unit.pos, f"formula {node.value!r} kept as code: {problem}")
                node = inline.Code(node.value)
            elif isinstance(node, inline.Span):
                node = inline.Span(node.tag, self.checked_math(node.children, unit), node.href)
            out.append(node)
        return out

    def text(self, nodes: Nodes, unit: Unit) -> str:
        """The nodes as our tags; text that would read as a tag is kept as inline code."""
        nodes = self.checked_math(nodes, unit)
        text = inline.markup(nodes)
        try:
            if inline.parse(text) == nodes:
                return text
        except inline.InlineError:
            pass
        fixed: Nodes = []
        for node in nodes:
            got = _guard(node)
            fixed += got if isinstance(got, list) else [got]
        fixed = N.merge(fixed)
        self.report.warn(unit.pos, "text that reads as one of our tags was kept as inline code")
        return inline.markup(fixed)


def _image_problem(name: str, data: bytes) -> str | None:
    """What pipeline.media finds wrong with an image (its kind, its size, an unsafe SVG), checked
    on a copy before the image becomes a figure."""
    import tempfile

    from pipeline import media

    with tempfile.TemporaryDirectory() as folder:
        probe = os.path.join(folder, "image" + os.path.splitext(name)[1].lower())
        with open(probe, "wb") as fh:
            fh.write(data)
        try:
            media.inspect(probe, name)
        except media.MediaError as exc:
            return str(exc)
    return None


def _all_events(events: list[Event]) -> list[Event]:
    out: list[Event] = []
    for e in events:
        out.append(e)
        if isinstance(e, QuoteEv):
            out += _all_events(e.body)
    return out


def _pass_anchors(events: list[Event]) -> list[Event]:
    """An anchor written alone before a block (``<a id="eq-conv"></a>``) is the block's."""
    out: list[Event] = []
    carried: str | None = None
    for e in events:
        if isinstance(e, Para) and e.anchor and not N.strip(e.nodes):
            carried = e.anchor
            continue
        if carried and isinstance(e, (FigureEv, MathEv, TableEv, Heading)) and not e.anchor:
            e = dataclasses.replace(e, anchor=carried)
        carried = None
        out.append(e)
    return out


_TAGLIKE = re.compile(r"</?(?:sub|sup|code|ref|fn|b|i|a|m)(?=[\s/>])")


def _guard(node: inline.Node) -> inline.Node | list:
    if isinstance(node, str) and _TAGLIKE.search(node):
        parts: Nodes = []
        at = 0
        for m in _TAGLIKE.finditer(node):
            parts += [node[at : m.start()], inline.Code(m.group(0))]
            at = m.end()
        parts.append(node[at:])
        return parts
    if isinstance(node, inline.Span):
        kids: Nodes = []
        for child in node.children:
            got = _guard(child)
            kids += got if isinstance(got, list) else [got]
        return inline.Span(node.tag, kids, node.href)
    return node


def _drop_colon(nodes: Nodes) -> Nodes:
    if N.plain(nodes)[:1] in ("：", ":"):
        return N.strip(N.drop_leading(nodes, 1))
    return nodes


def _url_only(nodes: Nodes) -> str | None:
    """The URL when a note is nothing but a link to it (or a bare URL)."""
    nodes = N.strip(nodes)
    text = N.plain(nodes)
    if (
        len(nodes) == 1
        and isinstance(nodes[0], inline.Span)
        and nodes[0].tag == "a"
        and nodes[0].href in (text, text.rstrip("/"))
    ):
        return nodes[0].href
    if len(nodes) == 1 and isinstance(nodes[0], str) and re.fullmatch(r"https?://[^\s<>\"]+", text):
        return text
    return None


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def assemble(
    ms: Manuscript,
    lang: str,
    key: str,
    path: str,
    report: Report,
    number: int | None = None,
    edition: date | None = None,
    default_number: int | None = None,
) -> Chapter:
    """The chapter a manuscript holds, with ids (see :mod:`pipeline.importers.ids`); its number is
    ``number``, else the one a handout's kicker prints, else ``default_number``."""
    return Assembler(ms, lang, key, path, report).chapter(number, edition or date.today(), default_number)
