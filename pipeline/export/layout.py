"""The handout layout shared by every exporter.

``build(book, key, langs)`` turns one chapter of the document model into a :class:`Handout`:
a title block and a flat list of blocks (headings, paragraphs, pros/cons lists, tables) whose
every piece of text is a :class:`Para`, the same content in each language of the handout. A
single-language handout has one :class:`Text` per Para; a bilingual one has two, which writers
set side by side. UI words, dates and lists come from :mod:`pipeline.i18n`, so writers only
arrange what they are given and never translate or format anything themselves.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from pipeline import __version__
from pipeline.errors import Position
from pipeline.i18n import N_, Labels, labels
from pipeline.model import Book, Chapter, Fact, Unit, fingerprint

PRO_MARK, CON_MARK = "✓", "✗"
STALE_MARK = "‡"  # printed after a translation whose source changed since it was reviewed


@dataclass(frozen=True)
class Text:
    """One language's version of a piece of handout text."""

    lang: str
    text: str
    unit: str | None = None  # id of the source unit, None for UI words and facts
    stale: bool = False  # a translation whose source text changed since it was reviewed
    pos: Position | None = field(default=None, compare=False)  # where the unit is written


Para = tuple[Text, ...]


@dataclass(frozen=True)
class Heading:
    level: int  # 1: a section of the chapter, 2: a profile
    number: str  # "14.2.1"; empty for unnumbered headings
    text: Para
    anchor: str  # stable, ASCII: bookmarks and internal links


@dataclass(frozen=True)
class Paragraph:
    text: Para
    role: str = "body"  # body | editor-note
    label: Para | None = None  # printed before the text ("Editor's note:")


@dataclass(frozen=True)
class Points:
    """A profile's pros or cons, each item marked with ✓ or ✗."""

    kind: str  # pro | con
    title: Para
    mark: str
    items: tuple[Para, ...]


@dataclass(frozen=True)
class Cell:
    text: Para
    note: str | None = None  # letter of a table note, printed as a superscript
    kind: str = "text"  # text | flag | names | name | header


@dataclass(frozen=True)
class NoteLine:
    mark: str
    text: Para | None
    url: str | None


@dataclass(frozen=True)
class Table:
    role: str  # comparison | glossary
    caption: Para
    header: tuple[Cell, ...]
    rows: tuple[tuple[Cell, ...], ...]
    notes_title: Para | None = None
    notes: tuple[NoteLine, ...] = ()


Block = Heading | Paragraph | Points | Table


@dataclass(frozen=True)
class TitleBlock:
    kicker: Para  # "Chapter 14"
    title: Para
    source: Para  # the book, its author, publisher and year
    credit: Para  # the sources' credit line
    edition: Para  # "Edition of 28 November 2026"


@dataclass(frozen=True)
class DocInfo:
    """Document properties for PDF and DOCX metadata."""

    title: str
    author: str
    subject: str
    keywords: tuple[str, ...]
    language: str  # BCP 47 tag of the first language
    creator: str
    timestamp: datetime  # UTC: SOURCE_DATE_EPOCH, else the edition date at midnight


@dataclass
class Handout:
    key: str
    langs: tuple[str, ...]
    title: TitleBlock
    blocks: list[Block]
    info: DocInfo
    running_title: str
    labels: dict[str, Labels] = field(repr=False, default_factory=dict)
    # explains STALE_MARK; present only when some text of the handout is stale
    stale_legend: Para | None = None

    @property
    def bilingual(self) -> bool:
        return len(self.langs) > 1

    def page_label(self, page: int, pages: int) -> str:
        """The footer's "Page 3 of 7", in every language of the handout."""
        return " / ".join(
            self.labels[c](N_("Page %(page)s of %(pages)s"), page=page, pages=pages) for c in self.langs
        )

    def texts(self) -> list[Text]:
        """Every piece of text in the handout, for coverage checks and font checks."""
        out: list[Text] = []
        t = self.title
        for para in (t.kicker, t.title, t.source, t.credit, t.edition):
            out.extend(para)
        for block in self.blocks:
            out.extend(_block_texts(block))
        return out


def _block_texts(block: Block) -> list[Text]:
    if isinstance(block, Heading):
        return list(block.text)
    if isinstance(block, Paragraph):
        return [*(block.label or ()), *block.text]
    if isinstance(block, Points):
        return [*block.title, *(t for item in block.items for t in item)]
    out = list(block.caption) + list(block.notes_title or ())
    for row in (block.header, *block.rows):
        for cell in row:
            out.extend(cell.text)
    for note in block.notes:
        out.extend(note.text or ())
    return out


def build_timestamp(edition: date) -> datetime:
    """SOURCE_DATE_EPOCH when set (reproducible builds), else the edition date at 00:00 UTC."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    return datetime(edition.year, edition.month, edition.day, tzinfo=UTC)


class _Builder:
    """Builds one handout; holds the chapter in each of its languages."""

    def __init__(self, book: Book, key: str, codes: tuple[str, ...]) -> None:
        self.book = book
        self.codes = codes
        self.chapters: dict[str, Chapter] = {c: book.chapters[c][key] for c in codes}
        self.first = self.chapters[codes[0]]
        self.source = book.chapters.get(book.source_lang, {}).get(key)
        self.labels = {c: labels(c) for c in codes}
        self.source_units = {u.id: u for u in self.source.units()} if self.source else {}

    # -- text helpers ------------------------------------------------------------------------
    def unit(self, pick: callable) -> Para:  # type: ignore[valid-type]
        """The same unit in every language: ``pick(chapter)`` returns it."""
        return tuple(self._text(c, pick(self.chapters[c])) for c in self.codes)

    def _text(self, code: str, unit: Unit) -> Text:
        stale = False
        if code != self.book.source_lang and unit.id in self.source_units:
            stale = unit.source != fingerprint(self.source_units[unit.id].text)
        return Text(code, unit.text, unit.id, stale, unit.pos)

    def ui(self, message: str, **values: object) -> Para:
        return tuple(Text(c, self.labels[c](message, **values)) for c in self.codes)

    def per_lang(self, make: callable) -> Para:  # type: ignore[valid-type]
        """Text computed for each language from its labels and chapter; shown once if equal."""
        texts = tuple(Text(c, make(self.labels[c], self.chapters[c])) for c in self.codes)
        return texts[:1] if len({t.text for t in texts}) == 1 else texts

    # -- parts -------------------------------------------------------------------------------
    def title_block(self) -> TitleBlock:
        def source_line(lab: Labels, ch: Chapter) -> str:
            m = ch.meta
            return lab(
                N_("%(book)s by %(author)s, %(publisher)s, %(year)s"),
                book=m.book.text,
                author=m.author.text,
                publisher=m.publisher.text,
                year=m.year.value,
            )

        return TitleBlock(
            kicker=self.per_lang(lambda lab, ch: lab(N_("Chapter %(number)s"), number=ch.meta.chapter.value)),
            title=self.unit(lambda ch: ch.meta.title),
            source=tuple(
                Text(c, source_line(self.labels[c], self.chapters[c]), "meta.book") for c in self.codes
            ),
            credit=self.unit(lambda ch: ch.meta.credit),
            edition=self.per_lang(
                lambda lab, ch: lab(N_("Edition of %(date)s"), date=lab.date(ch.meta.edition))
            ),
        )

    def number(self, *parts: int) -> str:
        return ".".join(str(p) for p in (self.first.meta.chapter.value, *parts))

    def introduction(self) -> list[Block]:
        if not self.first.introduction:
            return []
        blocks: list[Block] = [Heading(1, "", self.ui(N_("Introduction")), "introduction")]
        blocks += [Paragraph(para) for para in self._aligned(lambda ch: ch.introduction)]
        return blocks

    def _aligned(self, seq: callable) -> list[Para]:  # type: ignore[valid-type]
        """Each item of a unit list, matched by id across languages (position as a last resort).

        One pass with a dictionary per language: a list of 10,000 paragraphs is no slower per item
        than a list of ten.
        """
        lists = {c: seq(self.chapters[c]) for c in self.codes}
        by_id = {c: {u.id: u for u in reversed(units)} for c, units in lists.items()}
        out = []
        for i, first in enumerate(seq(self.first)):
            para = []
            for c in self.codes:
                units = lists[c]
                twin = by_id[c].get(first.id, units[i] if i < len(units) else None)
                if twin is not None:
                    para.append(self._text(c, twin))
            out.append(tuple(para))
        return out

    def cell(self, code: str, cell: object) -> Text:
        lab, value = self.labels[code], cell.value  # type: ignore[attr-defined]
        if isinstance(value, Unit):
            return self._text(code, value)
        assert isinstance(value, Fact)
        if isinstance(value.value, bool):
            return Text(code, lab(N_("Yes")) if value.value else lab(N_("No")))
        if isinstance(value.value, tuple):
            return Text(code, lab.list(value.value))
        return Text(code, str(value.value))

    def comparison(self) -> list[Block]:
        t = self.first.table
        tables = {c: self.chapters[c].table for c in self.codes}
        subjects = {c: {s.id: s for s in tables[c].subjects} for c in self.codes}
        header = [Cell(self.unit(lambda ch: ch.table.subject_label), kind="header")]
        labels = self._aligned(lambda ch: [c.label for c in ch.table.criteria])
        for crit, para in zip(t.criteria, labels, strict=True):
            header.append(Cell(para, crit.note.value if crit.note else None, "header"))  # type: ignore[arg-type]
        rows = []
        for subject in t.subjects:
            row = [Cell((Text(self.codes[0], str(subject.name.value)),), kind="name")]
            for crit in t.criteria:
                texts, note, kind = [], None, "text"
                for c in self.codes:
                    twin = subjects[c].get(subject.id)
                    cell = twin.cells.get(crit.id) if twin else None
                    if cell is None:
                        continue
                    texts.append(self.cell(c, cell))
                    note = note or (str(cell.note.value) if cell.note else None)
                    kind = (
                        "text"
                        if isinstance(cell.value, Unit)
                        else ("flag" if isinstance(cell.value.value, bool) else "names")
                    )
                if len({x.text for x in texts}) == 1 and kind != "text":
                    texts = texts[:1]
                row.append(Cell(tuple(texts), note, kind))
            rows.append(tuple(row))
        with_text = [n.id for n in t.notes if n.text is not None]
        note_texts = dict(
            zip(
                with_text,
                self._aligned(lambda ch: [n.text for n in ch.table.notes if n.text is not None]),
                strict=True,
            )
        )
        notes = [
            NoteLine(note.id, note_texts.get(note.id), str(note.url.value) if note.url else None)
            for note in t.notes
        ]
        blocks: list[Block] = [
            Heading(1, self.number(1), self.unit(lambda ch: ch.table.title), "comparison"),
            Table(
                "comparison",
                self.unit(lambda ch: ch.table.caption),
                tuple(header),
                tuple(rows),
                self.ui(N_("Notes")),
                tuple(notes),
            ),
        ]
        if t.editor_note:
            blocks.append(self.editor_note(lambda ch: ch.table.editor_note))
        return blocks

    def editor_note(self, pick: callable) -> Paragraph:  # type: ignore[valid-type]
        para = tuple(self._text(c, pick(self.chapters[c])) for c in self.codes if pick(self.chapters[c]))
        return Paragraph(para, "editor-note", self.ui(N_("Editor's note")))

    def profiles(self) -> list[Block]:
        if not self.first.profiles or self.first.profiles_title is None:
            return []
        blocks: list[Block] = [
            Heading(1, self.number(2), self.unit(lambda ch: ch.profiles_title), "profiles")  # type: ignore[arg-type,return-value]
        ]
        subjects = {s.id: s for s in self.first.table.subjects}
        # profile id -> {language: profile}: looked up once, not once per paragraph
        by_id = {p.id: {c: None for c in self.codes} for p in self.first.profiles}
        for c in self.codes:
            for p in self.chapters[c].profiles:
                if p.id in by_id and by_id[p.id][c] is None:
                    by_id[p.id][c] = p
        for k, profile in enumerate(self.first.profiles, start=1):
            subject = subjects.get(profile.id)
            name = str(subject.name.value) if subject else profile.id
            twins = by_id[profile.id]
            blocks.append(
                Heading(2, self.number(2, k), (Text(self.codes[0], name),), f"profile-{profile.id}")
            )

            def part(ch: Chapter, attr: str, twins: dict = twins) -> list[Unit]:
                twin = twins[ch.lang]
                return getattr(twin, attr) if twin else []

            blocks += [Paragraph(para) for para in self._aligned(lambda ch: part(ch, "description"))]
            for kind, title, mark in (("pro", N_("Pros"), PRO_MARK), ("con", N_("Cons"), CON_MARK)):
                items = tuple(self._aligned(lambda ch, a=kind + "s": part(ch, a)))
                if items:
                    blocks.append(Points(kind, self.ui(title), mark, items))
            if profile.editor_note and all(twins.values()):
                blocks.append(self.editor_note(lambda ch, t=twins: t[ch.lang].editor_note))
        return blocks

    def glossary(self) -> list[Block]:
        """Terms of the book's glossary that this chapter uses, with every language's form."""
        used_text = " ".join(u.text for ch in self.chapters.values() for u in ch.units())
        if self.source:
            used_text += " " + " ".join(u.text for u in self.source.units())
        used_text = used_text.lower()  # once: the chapter may be megabytes long
        order = list(self.codes) + [c for c in self.book.langs if c not in self.codes]
        rows = []
        for term in self.book.glossary.terms:
            forms = term.renderings
            if not all(c in forms for c in order):
                continue
            if not any(forms[c].text.lower() in used_text for c in order):
                continue
            rows.append(tuple(Cell((Text(c, forms[c].text),), kind="term") for c in order))
        if not rows:
            return []
        header = tuple(
            Cell(tuple(Text(h, self.labels[h].language_name(c)) for h in self.codes), kind="header")
            for c in order
        )
        return [
            Heading(1, "", self.ui(N_("Glossary")), "glossary"),
            Table("glossary", self.ui(N_("Terms used in this chapter")), header, tuple(rows)),
        ]

    def info(self) -> DocInfo:
        m = self.first.meta
        chapter = self.labels[self.codes[0]](N_("Chapter %(number)s"), number=m.chapter.value)
        return DocInfo(
            title=" / ".join(self.chapters[c].meta.title.text for c in self.codes),
            author=m.author.text,
            subject=f"{m.book.text}, {chapter}",
            keywords=tuple(str(s.name.value) for s in self.first.table.subjects),
            language=self.labels[self.codes[0]].language.bcp47,
            creator=f"pipeline {__version__}",
            timestamp=build_timestamp(m.edition),
        )


def build(book: Book, key: str, codes: tuple[str, ...]) -> Handout:
    """The handout of chapter ``key`` in the languages ``codes`` (first one leads)."""
    b = _Builder(book, key, codes)
    blocks = b.introduction() + b.comparison() + b.profiles() + b.glossary()
    running = " / ".join(b.chapters[c].meta.title.text for c in codes)
    handout = Handout(key, codes, b.title_block(), blocks, b.info(), running, b.labels)
    if any(t.stale for t in handout.texts()):
        handout.stale_legend = b.ui(
            N_("%(mark)s marks a translation whose source text has changed since it was reviewed"),
            mark=STALE_MARK,
        )
    return handout
