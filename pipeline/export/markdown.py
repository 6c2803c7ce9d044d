"""GitHub-flavoured Markdown handouts.

The document opens with a YAML metadata block (title and language, for pandoc), then the visible
title, then one function per block kind (:data:`BLOCKS`) and the footnotes as GFM footnote
definitions. Inline elements come resolved from the layout; :func:`_Inline.render` writes them.

Safety: every piece of user text goes through :func:`escape`, which backslash-escapes the ASCII
characters that could start Markdown or HTML structure, so that ``|``, ``*``, ``_``, ``<``,
``#``, backticks, ``$`` and newlines in the sources never change the document's shape. Markup is
only ever written by this module, from the inline nodes.

Emphasis: ``**`` and ``*`` only work where CommonMark's flanking rules let the delimiter run open
and close (``这是**“强调”**文本`` is not bold: the run sits between a letter and punctuation).
Each run's neighbours are checked, under both the 0.30 and 0.31 definitions of punctuation, and
where a run would fail the span is written as ``<strong>``/``<em>`` raw HTML, which GFM renders.

Bilingual handouts: consecutive paragraphs and list items of one section go into one two-column
table (one column per language, the header once), instead of a table per paragraph (issue #15);
headings, tables, callouts, quotes, code, figures and formulas interrupt it. Code and formulas
are shown once.

Figures: ``![alt](path)`` with the path relative to :attr:`Options.out_dir` (the folder the file
is written to), so the image shows wherever the exports folder is read from; the caption follows
as ``**图 5.1** caption``. GitHub shows images full width: a figure with a file per language is
each image followed by its own caption, one after the other; a shared file is shown once with
every caption under it.

Formulas: ``$$`` blocks, or a ```` ```math ```` fence where a ``$$`` block cannot hold the TeX
(see :func:`math_lines`); a number goes inside as ``\tag{5.1}``.
"""

from __future__ import annotations

import html
import os
import re
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import PurePath
from urllib.parse import quote

from pipeline.export import Options
from pipeline.export.layout import (
    STALE_MARK,
    Block,
    Callout,
    Cell,
    CodeBlock,
    CodeSpan,
    Figure,
    Footnote,
    Handout,
    Heading,
    ListBlock,
    MathBlock,
    MathSpan,
    NoteLine,
    NoteRef,
    Para,
    Paragraph,
    Quote,
    Span,
    Table,
    Text,
    XRef,
)
from pipeline.i18n import labels

# ASCII punctuation that can open or close inline structure anywhere in a line (``$``: GitHub
# math, ``^``: footnotes and pandoc superscripts). CommonMark allows a backslash before any ASCII
# punctuation, so escaping is always safe.
_INLINE = re.compile(r"([\\`*_\[\]<>|~&#$^])")
# constructs that only mean something at the start of a line (lists, quotes, setext underlines,
# pandoc definition lists); the content of every block starts a line
_LINE_START = re.compile(r"^([-+=>:]|\d{1,9}(?=[.)]))")
_ASCII_PUNCT = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_BACKTICKS = re.compile(r"`+")
_URL_SPECIAL = re.compile(r"([\\()<>|`\[\]&])")  # "&amp;" in a destination is an entity
ALERTS = {"note": "NOTE", "tip": "TIP", "warning": "WARNING"}  # GitHub alerts; editor: plain quote
SEPARATOR = "<!-- -->"  # prints nothing; keeps two backtick or dollar runs apart
BULLET, NESTED_INDENT = "•", "&emsp;"  # list markers inside bilingual table cells
# ASCII that may stay as it is in a link to a file; the rest is percent-encoded (spaces and
# parentheses end or split a destination, "&" starts an entity, "%" an escape, "<" raw HTML)
_PATH_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-._~")
# GitHub (like comrak and pandoc) reads "$$" as inline markup inside a paragraph, so a line of
# TeX that starts a list, quote, heading, setext underline, thematic break, table, fence, HTML
# block or definition would break the formula; checked after the indent, to be safe
_BLOCK_START = re.compile(r"[-+*>#=_|`~<:]|\d{1,9}[.)]")
_TAG = re.compile(r"\\tag\b")


def escape(text: str) -> str:
    """User text as Markdown that prints literally, on one line (a newline becomes ``<br>``)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "<br>".join(_INLINE.sub(r"\\\1", line) for line in lines)


def guard_line_start(md: str) -> str:
    """Escape a list, quote or heading marker at the start of a block's content."""
    m = _LINE_START.match(md)
    if m is None:
        return md
    head = m.group(0)
    if head[-1].isdigit():  # "1. x" would be a list: escape the dot after the number
        return head + "\\" + md[len(head) :]
    return "\\" + md


def inline(text: str) -> str:
    """Plain user text for one line of a paragraph or a table cell (no inline markup)."""
    return guard_line_start(escape(text).strip())


# -- CommonMark's flanking rules ------------------------------------------------------------------
def _space(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch) == "Zs"


def _punct(ch: str, strict: bool) -> bool:
    """Punctuation for the flanking rules. CommonMark 0.30 counts Unicode P*, 0.31 also S*: with
    ``strict`` a symbol counts (where being punctuation hurts), without it it does not."""
    if ch in _ASCII_PUNCT:
        return True
    cat = unicodedata.category(ch)
    return cat.startswith("P") or (strict and cat.startswith("S"))


def _opens(before: str | None, after: str | None) -> bool:
    """A ``*`` run between these characters is left-flanking in every CommonMark version."""
    if before is None or after is None or "*" in (before, after) or _space(after):
        return False
    return not _punct(after, strict=True) or _space(before) or _punct(before, strict=False)


def _closes(before: str | None, after: str | None) -> bool:
    """A ``*`` run between these characters is right-flanking in every CommonMark version."""
    if before is None or after is None or "*" in (before, after) or _space(before):
        return False
    return not _punct(before, strict=True) or _space(after) or _punct(after, strict=False)


# -- inline elements ----------------------------------------------------------------------------
def code_span(value: str, cell: bool = False) -> str:
    """Inline code: a backtick fence longer than any run inside, padded where CommonMark strips."""
    text = value.replace("\r\n", " ").replace("\r", " ").replace("\n", " ")
    if cell:  # GFM splits table rows on "|" before it sees code spans
        text = text.replace("|", "\\|")
    fence = "`" * (max((len(r) for r in _BACKTICKS.findall(text)), default=0) + 1)
    both_spaces = text.startswith(" ") and text.endswith(" ") and text.strip(" ")
    pad = " " if text.startswith("`") or text.endswith("`") or both_spaces else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def math_span(tex: str, cell: bool = False, next_char: str | None = "", prev_char: str | None = "") -> str:
    """Inline math as ``$TeX$`` (nothing escaped inside), or code where ``$…$`` cannot hold it:
    a ``$`` inside, a ``|`` in a table cell, a trailing backslash, a digit right after it
    (pandoc) or right before it (markdown-it's dollarmath), or neighbours not known (None)."""
    text = " ".join(tex.split())
    unsafe = "$" in text or text.endswith("\\") or (cell and "|" in text)
    if next_char is None or prev_char is None:
        unsafe = True
    if unsafe or not text or next_char.isdigit() or prev_char.isdigit():
        return code_span(tex, cell)
    return f"${text}$"


def link_destination(url: str) -> str:
    """A URL as a link destination that reads back as itself (parentheses, entities, bars)."""
    return _URL_SPECIAL.sub(r"\\\1", url).replace(" ", "%20")


def url_path(path: str) -> str:
    """A relative file path as a link destination: ASCII other than letters, digits and
    ``/-._~`` percent-encoded, as are non-ASCII spaces and controls; other letters (CJK file
    names) stay readable, as GitHub and markdown-it accept them."""
    out = []
    for ch in path:
        keep = ch in _PATH_SAFE if ch.isascii() else unicodedata.category(ch)[0] not in "ZC"
        out.append(ch if keep else quote(ch, safe=""))
    return "".join(out)


def file_link(path: str, out_dir: str) -> str:
    """The link to a file from a document in ``out_dir`` (the current directory when empty).

    Both paths are resolved first: a reader resolves ``..`` from the real folder of the
    document, so a symlinked exports folder must not be counted as where it seems to be."""
    base = os.path.realpath(out_dir or os.curdir)
    target = os.path.realpath(path)
    try:
        rel = os.path.relpath(target, base)
    except ValueError:  # another drive on Windows: no relative path exists
        return PurePath(target).as_uri()
    return url_path(PurePath(rel).as_posix())


def image(alt: str, destination: str) -> str:
    """``![alt](destination)``; the alt text on one line, escaped (``]``, ``\\``, ``<``...)."""
    return f"![{escape(' '.join(alt.split()))}]({destination})"


def math_lines(tex: str, number: str = "") -> list[str]:
    """A displayed formula: a ``$$`` block, or a ```` ```math ```` fence (GitHub renders both)
    where ``$$`` cannot hold the TeX: a ``$`` inside, a blank line (it ends the paragraph GitHub
    reads ``$$`` in) or a line that starts Markdown structure (see ``_BLOCK_START``).

    The number: GitHub renders math with MathJax, which supports ``\\tag`` in display math (as do
    KaTeX and pandoc's HTML math), and there is no other place for it: text after the closing
    ``$$`` would end the block. So ``\\tag{5.1}`` is added inside the TeX (unless it already has
    a ``\\tag``: a second one is an error), and the number prints at the right as ``(5.1)``."""
    body = tex.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    if number and not _TAG.search(body):
        body += f"\n\\tag{{{number}}}"
    lines = body.split("\n")
    if all(line.strip() and "$" not in line and not _BLOCK_START.match(line.lstrip()) for line in lines):
        return ["$$", *lines, "$$"]
    fence = "`" * max(3, max((len(r) for r in _BACKTICKS.findall(body)), default=0) + 1)
    return [f"{fence}math", *lines, fence]


def _emphasis_tag(span: Span) -> str:
    return {"b": "strong", "i": "em"}[span.tag]


class _Inline:
    """Writes resolved inline nodes. ``cell``: the text sits in a table row."""

    def __init__(self, cell: bool = False) -> None:
        self.cell = cell

    def render(
        self,
        nodes: Sequence[object],
        before: str | None = " ",
        after: str | None = " ",
        marks: frozenset[str] = frozenset(),
        in_link: bool = False,
    ) -> str:
        """``before``/``after``: the characters around the nodes in the output (None: not known
        yet); ``marks``: the emphasis delimiters open around them, which an inner run of the same
        kind could close by mistake."""
        # everything but emphasis and math renders the same whatever surrounds it: do it first,
        # so that an emphasis run can look at the characters on both sides
        fixed = [
            None if _is_emphasis(node) or isinstance(node, MathSpan) else self.node(node, marks, in_link)
            for node in nodes
        ]

        def next_char(i: int) -> str | None:
            if i + 1 == len(nodes):
                return after
            if isinstance(nodes[i + 1], MathSpan):
                return "$"  # or a backtick: punctuation either way, never "*"
            following = fixed[i + 1]
            return following[0] if following else None

        out: list[str] = []
        last = before  # the last character written so far
        for i, node in enumerate(nodes):
            piece = fixed[i]
            if isinstance(node, MathSpan):
                # what follows is unknown only at the edge of a link inside a link: be safe
                nxt = "*" if i + 1 < len(nodes) and _is_emphasis(nodes[i + 1]) else next_char(i)
                piece = math_span(node.value, self.cell, nxt, last)
            elif piece is None:
                piece = self.emphasis(node, last, next_char(i), marks, in_link)  # type: ignore[arg-type]
            if last == "]" and piece[:1] in ("(", ":"):
                piece = "\\" + piece  # "[^1](x)" or "[^1]: x" would be a link or a definition
            elif out and last == "!" and piece[:1] == "[":
                out[-1] = out[-1][:-1] + "\\!"  # "Wow![Table 1](#t)" would be an image
            elif last in ("`", "$", "]") and piece[:1] == {"]": "["}.get(last, last):
                # "[^1][Table 1](#t)" could read as a reference link; two code spans (or math)
                # side by side would fuse their fences into one run
                piece = SEPARATOR + piece
            out.append(piece)
            last = piece[-1] if piece else last
        return "".join(out)

    def node(self, node: object, marks: frozenset[str], in_link: bool) -> str:
        """One node that is neither bold, italic nor math."""
        if isinstance(node, str):
            return escape(node)
        if isinstance(node, Span):
            if node.tag in ("sub", "sup"):
                return f"<{node.tag}>{self.render(node.children, '>', '<', marks, in_link)}</{node.tag}>"
            return self.link(node, marks, in_link)
        if isinstance(node, CodeSpan):
            return code_span(node.value, self.cell)
        if isinstance(node, XRef):
            label = escape(node.label)
            return label if in_link else f"[{label}](#{node.anchor})"
        if isinstance(node, NoteRef):  # links do not nest: inside one, a plain superscript
            return f"<sup>{node.number}</sup>" if in_link else f"[^{node.number}]"
        raise TypeError(f"unknown inline node {node!r}")

    def link(self, span: Span, marks: frozenset[str], in_link: bool) -> str:
        if in_link:
            return self.render(span.children, None, None, marks, True)
        # emphasis cannot pair across a link's brackets: the marks start afresh inside
        text = self.render(span.children, "[", "]", frozenset(), True) or escape(span.href or "")
        return f"[{text}]({link_destination(span.href or '')})"

    def emphasis(
        self, span: Span, before: str | None, after: str | None, marks: frozenset[str], in_link: bool
    ) -> str:
        mark = "**" if span.tag == "b" else "*"
        if mark not in marks:
            inner = self.render(span.children, "*", "*", marks | {mark}, in_link)
            if inner and _opens(before, inner[0]) and _closes(inner[-1], after):
                return f"{mark}{inner}{mark}"
        tag = _emphasis_tag(span)
        return f"<{tag}>{self.render(span.children, '>', '<', marks, in_link)}</{tag}>"


def _is_emphasis(node: object) -> bool:
    return isinstance(node, Span) and node.tag in ("b", "i")


Wrap = Callable[[Sequence[object]], tuple[object, ...]]


def bold(nodes: Sequence[object]) -> tuple[object, ...]:
    return (Span("b", list(nodes)),)


def italic(nodes: Sequence[object]) -> tuple[object, ...]:
    return (Span("i", list(nodes)),)


# -- lines --------------------------------------------------------------------------------------
def _row(cells: list[str]) -> str:
    return "| " + " | ".join(c if c else " " for c in cells) + " |"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [_row(header), _row(["---"] * len(header)), *(_row(r) for r in rows)]


def _quoted(lines: list[str]) -> list[str]:
    return [f"> {line}" if line else ">" for line in lines]


def _indented(lines: list[str], width: int) -> list[str]:
    return [" " * width + line if line else "" for line in lines]


def yaml_string(value: str) -> str:
    """A YAML double-quoted scalar that any YAML 1.1 or 1.2 reader reads back as ``value``."""
    out = ['"']
    for ch in value:
        if ch in '"\\':
            out.append("\\" + ch)
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp", "Co", "Cn"):
            out.append(f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else f"\\U{ord(ch):08x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


class _Writer:
    def __init__(self, handout: Handout, options: Options) -> None:
        self.h = handout
        self.out_dir = options.out_dir
        self.langs = handout.langs
        self.bilingual = handout.bilingual
        self.inline = _Inline()
        self.cells = _Inline(cell=True)

    # -- text ----------------------------------------------------------------------------------
    def text(self, t: Text, cell: bool = False, lead: Sequence[object] = ()) -> str:
        """One language's text, ready to start a line (or fill a cell); ``lead``: nodes before it."""
        writer = self.cells if cell else self.inline
        md = guard_line_start(writer.render((*lead, *t.nodes)).strip())
        return md + (f" {STALE_MARK}" if t.stale else "")

    def styled(self, t: Text, wrap: Wrap, cell: bool = False) -> str:
        """The text in bold or italic (``wrap``: :func:`bold`, :func:`italic`)."""
        return self.text(t.but(inlines=wrap(t.nodes)), cell)

    def joined(self, para: Para, sep: str = " / ", cell: bool = False) -> str:
        """The texts side by side; a name that reads the same in every language ("Caffe") once."""
        return sep.join(dict.fromkeys(self.text(t, cell) for t in para))

    def by_lang(self, para: Para) -> dict[str, Text]:
        return {t.lang: t for t in para}

    def lead(self, label: Text) -> tuple[object, ...]:
        """The bold label before a callout's first words: "**注意**：" (the full-width colon
        outside, where a closing ``**`` still flanks), "**Note:** "."""
        return (*bold([label.text]), "：") if self.cjk(label) else (*bold([f"{label.text}:"]), " ")

    def label_text(self, label: Text, title: Text | None) -> Text:
        """A callout's label as a text of its own, with its title: "**警告：小心**"."""
        if title is None:
            return label.but(inlines=self.lead(label))
        colon = "：" if self.cjk(label) else ": "
        return title.but(inlines=bold([label.text + colon, *title.nodes]))

    def cjk(self, t: Text) -> bool:
        return labels(t.lang).language.cjk

    # -- the document ---------------------------------------------------------------------------
    def document(self) -> list[str]:
        chunks = [self.metadata(), *self.title(), *self.blocks(self.h.blocks), *self.footnotes()]
        out: list[str] = []
        for chunk in chunks:
            if chunk:
                out += [*chunk, ""]
        return out[:-1]

    def metadata(self) -> list[str]:
        """A YAML metadata block, which pandoc reads the title and language from; the title is
        Markdown there, written like the visible one."""
        title = self.joined(tuple(t.but(stale=False) for t in self.h.title.title))
        return ["---", f"title: {yaml_string(title)}", f"lang: {yaml_string(self.h.info.language)}", "---"]

    def title(self) -> list[list[str]]:
        t = self.h.title
        chunks = [[f"# {self.joined(t.title)}"], ["<br>".join(self.styled(x, italic) for x in t.kicker)]]
        for para in (t.source, t.credit, t.edition):
            if para:
                chunks.append(["<br>".join(self.text(x) for x in para)])
        if self.h.stale_legend:
            chunks.append(["<br>".join(self.styled(x, italic) for x in self.h.stale_legend)])
        return chunks

    def blocks(self, blocks: Sequence[Block]) -> list[list[str]]:
        """Each block's lines; in a bilingual handout a run of paragraphs and lists is one table."""
        chunks: list[list[str]] = []
        rows: list[list[str]] = []
        tail: str | None = None  # the marker of a list the last block ended with
        for b in blocks:
            if self.bilingual and isinstance(b, (Paragraph, ListBlock)):
                rows += self.pair_rows(b)
                continue
            if rows:
                chunks.append(_table(self.pair_header(), rows))
                rows = []
            if isinstance(b, ListBlock):
                # a list right after a list with the same marker would merge into it
                alternate = b.title is None and tail == _marker(b, 1, False)
                chunks.append(self.list_block(b, alternate))
                tail = _marker(b, 1, alternate)
            else:
                chunks.append(BLOCKS[type(b)](self, b))
                tail = "-" if isinstance(b, Table) and b.notes else None  # the notes are a list
        if rows:
            chunks.append(_table(self.pair_header(), rows))
        return chunks

    def heading(self, b: Heading) -> list[str]:
        number = f"{b.number} " if b.number else ""
        return [f'{"#" * (b.level + 1)} {number}{self.joined(b.text)} <a id="{html.escape(b.anchor)}"></a>']

    def paragraph(self, b: Paragraph) -> list[str]:
        return [self.joined(b.text)] if b.text else []

    def list_block(self, b: ListBlock, alternate: bool = False) -> list[str]:
        lines = [self.title_line(b.title), ""] if b.title else []
        for n, item in enumerate(b.items, 1):
            marker = _marker(b, n, alternate)
            mark = f"{b.mark} " if b.mark else ""
            lines.append(f"{marker} {mark}{self.joined(item.text)}".rstrip())
            if item.children is not None:  # under the parent's content column
                lines += _indented(self.list_block(item.children), len(marker) + 1)
        return lines

    def title_line(self, para: Para) -> str:
        return " / ".join(self.styled(t, bold) for t in para)

    def table(self, b: Table) -> list[str]:
        lines = [self.caption_line(b), ""]
        header = [self.cell(c) for c in b.header]
        lines += _table(header, [[self.cell(c) for c in row] for row in b.rows])
        if b.notes:
            if b.notes_title:
                lines += ["", self.title_line(b.notes_title)]
            lines += ["", *(self.note(n) for n in b.notes)]
        return lines

    def caption_line(self, b: Table) -> str:
        """``**表 14.1** caption``, one line per language, and the table's anchor."""
        anchor = f' <a id="{html.escape(b.anchor)}"></a>' if b.anchor else ""
        return "<br>".join(self.captions(b.caption, b.label)) + anchor

    def captions(self, caption: Para, label: Para | None) -> list[str]:
        """Each language's caption led by its bold label (``**图 5.1** caption``); without a
        label the caption is bold, without a caption the label stands alone."""
        labels_by = self.by_lang(label or ())
        parts = []
        for t in caption:
            lab = labels_by.pop(t.lang, None)
            if lab is None:
                parts.append(self.styled(t, bold))
            else:
                parts.append(self.text(t, lead=(*bold(lab.nodes), " ")))
        return parts + [self.styled(lab, bold) for lab in labels_by.values()]

    def figure(self, b: Figure) -> list[str]:
        """The image (the anchor before it, where a link should scroll to) and the caption under
        it; a file per language: each image with its own caption, in the handout's order."""
        anchor = f'<a id="{html.escape(b.anchor)}"></a>' if b.anchor else ""
        if b.shared:
            alt = " / ".join(dict.fromkeys(t.plain for t in b.alt))
            shown = [(alt, b.files[0][1], b.caption, b.label)]
        else:
            alts = self.by_lang(b.alt)
            shown = []
            for lang, path in b.files:
                mine = alts.get(lang) or (b.alt[0] if b.alt else None)
                caption = tuple(t for t in b.caption if t.lang == lang)
                label = tuple(t for t in b.label if t.lang == lang)
                shown.append((mine.plain if mine else "", path, caption, label))
        lines: list[str] = []
        for alt, path, caption, label in shown:
            lines += [anchor + image(alt, file_link(path, self.out_dir)), ""]
            anchor = ""  # once, before the first image
            parts = self.captions(caption, label)
            lines += ["<br>".join(parts), ""] if parts else []
        return lines[:-1]

    def math(self, b: MathBlock) -> list[str]:
        """The formula once, the anchor on a line of its own before it (nothing can share the
        ``$$`` lines)."""
        anchor = [f'<a id="{html.escape(b.anchor)}"></a>', ""] if b.anchor else []
        return [*anchor, *math_lines(b.tex, b.number)]

    def cell(self, c: Cell) -> str:
        if c.kind == "rowhead":
            texts = [self.styled(t, bold, cell=True) for t in c.text]
        else:
            texts = [self.text(t, cell=True) for t in c.text]
        note = f'<sup class="note">{escape(c.note)}</sup>' if c.note else ""
        return "<br>".join(texts) + note

    def note(self, n: NoteLine) -> str:
        parts = [self.joined(n.text, "<br>")] if n.text else []
        if n.url:
            plain_url = not re.search(r"[\s<>]", n.url)
            parts.append(f"<{n.url}>" if plain_url else escape(n.url))
        return f'- <sup class="note">{escape(n.mark)}</sup> ' + " ".join(parts)

    def callout(self, b: Callout) -> list[str]:
        """A blockquote, a GitHub alert for note/tip/warning; the bold label leads its words."""
        labels_by = self.by_lang(b.label)
        titles = self.by_lang(b.title or ())
        blocks = list(b.blocks)
        lines = [f"[!{ALERTS[b.style]}]"] if b.style in ALERTS else []
        first = blocks[0] if blocks else None
        if b.title is None and isinstance(first, Paragraph):
            texts = tuple(
                t.but(inlines=(*self.lead(labels_by[t.lang]), *t.nodes))
                if t.lang in labels_by
                else t
                for t in first.text
            )
            blocks[0] = first.but(text=texts)
        else:  # the label (and title) as a paragraph of their own: a table row when bilingual
            heads = tuple(self.label_text(lab, titles.get(lab.lang)) for lab in b.label)
            blocks.insert(0, Paragraph(heads))
        inner = self.blocks(blocks)
        if lines and lines[-1] != "" and inner and inner[0][0].startswith("|"):
            lines.append("")  # a table right under the alert line would take it for its header
        for chunk in inner:
            lines += [*chunk, ""]
        while lines and lines[-1] == "":
            lines.pop()
        return _quoted(lines)

    def quote(self, b: Quote) -> list[str]:
        lines: list[str] = []
        for t in b.text:
            lines += [self.text(t), ""]
        if b.attribution:
            lines.append("— " + self.joined(b.attribution))
        while lines and lines[-1] == "":
            lines.pop()
        return _quoted(lines)

    def code(self, b: CodeBlock) -> list[str]:
        lines = [" / ".join(self.styled(t, italic) for t in b.caption), ""] if b.caption else []
        fence = "`" * max(3, max((len(r) for r in _BACKTICKS.findall(b.code)), default=0) + 1)
        language = b.language if re.fullmatch(r"[\w.+#-]+", b.language or "") else ""
        body = b.code.replace("\r\n", "\n").replace("\r", "\n").removesuffix("\n")
        return [*lines, f"{fence}{language}", *body.split("\n"), fence]

    # -- bilingual tables -------------------------------------------------------------------------
    def pair_header(self) -> list[str]:
        first = self.h.labels[self.langs[0]]
        return [inline(first.language_name(c)) for c in self.langs]

    def pair_row(self, para: Para, prefix: str = "", wrap: Wrap | None = None) -> list[str]:
        texts = self.by_lang(para)
        row = []
        for code in self.langs:
            t = texts.get(code)
            if t is None:
                row.append("")
            else:
                md = self.styled(t, wrap, cell=True) if wrap else self.text(t, cell=True)
                row.append(prefix + md)
        return row

    def pair_rows(self, b: Paragraph | ListBlock) -> list[list[str]]:
        if isinstance(b, Paragraph):
            return [self.pair_row(b.text)] if b.text else []
        rows = [self.pair_row(b.title, wrap=bold)] if b.title else []
        indent = NESTED_INDENT * b.depth
        for n, item in enumerate(b.items, 1):
            marker = f"{n}." if b.numbered else (b.mark or BULLET)
            rows.append(self.pair_row(item.text, f"{indent}{marker} "))
            if item.children is not None:
                rows += self.pair_rows(item.children)
        return rows

    # -- footnotes ----------------------------------------------------------------------------------
    def footnotes(self) -> list[list[str]]:
        return [self.footnote(n) for n in self.h.footnotes]

    def footnote(self, n: Footnote) -> list[str]:
        """``[^N]: text``; in a bilingual handout each further language is a paragraph of it."""
        texts = [self.text(t) for t in n.text]
        lines = [f"[^{n.number}]: {texts[0] if texts else ''}".rstrip()]
        for md in texts[1:]:
            lines += ["", f"    {md}"]
        return lines


def _marker(b: ListBlock, n: int, alternate: bool) -> str:
    """``1.``/``-``; the alternate markers ``1)``/``*`` start a new list right after another."""
    if b.numbered:
        return f"{n})" if alternate else f"{n}."
    return "*" if alternate else "-"


BLOCKS: dict[type, Callable[[_Writer, object], list[str]]] = {
    Heading: _Writer.heading,
    Paragraph: _Writer.paragraph,
    ListBlock: _Writer.list_block,
    Table: _Writer.table,
    Callout: _Writer.callout,
    Quote: _Writer.quote,
    CodeBlock: _Writer.code,
    Figure: _Writer.figure,
    MathBlock: _Writer.math,
}


def markdown(handout: Handout, options: Options) -> bytes:
    """The handout as GitHub-flavoured Markdown (UTF-8, LF line ends)."""
    return ("\n".join(_Writer(handout, options).document()) + "\n").encode("utf-8")
