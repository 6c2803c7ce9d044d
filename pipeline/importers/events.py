"""What a reader hands to the assembler: a flat list of events, text as inline nodes.

Readers know their format (Word styles, Markdown tokens); the assembler knows the model. A
``hint`` carries what the format said about a paragraph's role (a Word "Caption" style, a
Markdown alert) so that the assembler can recognise captions, labels and attributions the same
way for every format.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline import inline
from pipeline.errors import Position

Nodes = list[inline.Node]


@dataclass
class Para:
    nodes: Nodes
    pos: Position
    hint: str = ""  # title, kicker, meta, caption, list-title, attribution, table-note, label
    anchor: str | None = None  # an anchor or bookmark in the paragraph (a table caption's)


@dataclass
class Heading:
    level: int
    nodes: Nodes
    pos: Position
    anchor: str | None = None  # a bookmark or anchor id written with the heading


@dataclass
class ItemEv:
    nodes: Nodes
    pos: Position
    sub: ListEv | None = None


@dataclass
class ListEv:
    ordered: bool
    items: list[ItemEv]
    pos: Position


@dataclass
class TableEv:
    rows: list[list[Nodes]]  # the first row is the header row
    pos: Position
    anchor: str | None = None


@dataclass
class CodeEv:
    text: str
    language: str
    pos: Position


@dataclass
class QuoteEv:
    """A block quote (Markdown ``>``, a Word "Quote" style) or a box (a one-cell Word table,
    a GitHub alert): what it holds, and the alert kind when the format names one."""

    body: list[Event]
    pos: Position
    alert: str | None = None
    box: bool = False


@dataclass
class FigureEv:
    """An image: its bytes as the manuscript holds them (None: could not be read)."""

    data: bytes | None
    name: str  # the image's file name in the manuscript: its extension says its kind
    alt: str
    pos: Position
    anchor: str | None = None


@dataclass
class MathEv:
    """A displayed equation in TeX; ``tagged``: written with a \\tag (None: the format cannot say)."""

    tex: str
    pos: Position
    anchor: str | None = None
    tagged: bool | None = None


Event = Para | Heading | ListEv | TableEv | CodeEv | QuoteEv | FigureEv | MathEv


@dataclass
class Manuscript:
    """Everything a reader found."""

    events: list[Event]
    footnotes: dict[str, tuple[Nodes, Position]] = field(default_factory=dict)  # reader key -> text
    title: str | None = None  # from the file's properties, when it has no title paragraph
