"""CommonMark/GFM manuscripts: markdown-it-py's tokens -> events.

Understood: ATX and setext headings, paragraphs, bullet and ordered lists with their nesting,
GFM tables, fenced and indented code, block quotes and GitHub alerts (``> [!NOTE]``), footnotes
(``[^1]``), ``$…$`` math (mdit-py-plugins' dollarmath), emphasis, links, inline code, and the raw
HTML our own handouts write (``<sub>``, ``<sup>``, ``<strong>``, ``<em>``, ``<br>``,
``<a id="…"></a>`` anchors). Any other raw HTML, images, display math and rules are reported
with their line, never silently dropped.
"""

from __future__ import annotations

import os
import re

from pipeline import inline
from pipeline.errors import Position
from pipeline.importers import ManuscriptError, Report
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

MAX_BYTES = 20 * 1024 * 1024  # a chapter is a few hundred kilobytes; more is not a manuscript
_HTML_TAG = re.compile(r"^<(/?)([A-Za-z][A-Za-z0-9]*)((?:\s+[^>]*)?)\s*(/?)>$")
_HTML_SPANS = {"sub": "sub", "sup": "sup", "strong": "b", "b": "b", "em": "i", "i": "i"}
_ALERT = re.compile(r"^\[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]\s*$")


def _parser():  # type: ignore[no-untyped-def]
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin
    from mdit_py_plugins.footnote import footnote_plugin
    from mdit_py_plugins.front_matter import front_matter_plugin

    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    return md.use(footnote_plugin).use(dollarmath_plugin).use(front_matter_plugin)


def read(path: str, report: Report) -> Manuscript:
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ManuscriptError(f"{path}: cannot read: {exc.strerror}") from None
    if len(data) > MAX_BYTES:
        raise ManuscriptError(f"{path}: larger than {MAX_BYTES // 2**20} MB: not a chapter manuscript")
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0") or b"\0" in data[:4096]:
        raise ManuscriptError(f"{path}: a binary file, not Markdown text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ManuscriptError(f"{path}: not UTF-8 text (byte {exc.start}): save it as UTF-8") from None
    return _Reader(path, report).read(text.replace("\r\n", "\n").replace("\r", "\n"))


class _Reader:
    def __init__(self, path: str, report: Report) -> None:
        self.path = path
        self.report = report
        self.footnotes: dict[str, tuple[Nodes, Position]] = {}
        self.title: str | None = None

    def pos(self, token) -> Position:  # type: ignore[no-untyped-def]
        return Position(self.path, (token.map[0] + 1) if token.map else 1, 1)

    def read(self, text: str) -> Manuscript:
        tokens = _parser().parse(text)
        events, _ = self.blocks(tokens, 0, None)
        return Manuscript(events, self.footnotes, self.title)

    # -- blocks ------------------------------------------------------------------------------
    def blocks(self, tokens: list, i: int, until: str | None) -> tuple[list[Event], int]:  # type: ignore[type-arg]
        """Events from tokens[i] up to the closing token ``until``; the index after it."""
        out: list[Event] = []
        while i < len(tokens):
            t = tokens[i]
            if until is not None and t.type == until:
                return out, i + 1
            i = self.block(tokens, i, out)
        return out, i

    def block(self, tokens: list, i: int, out: list[Event]) -> int:  # type: ignore[type-arg]
        t = tokens[i]
        kind = t.type
        if kind == "heading_open":
            nodes, anchor = self.inline(tokens[i + 1])
            out.append(Heading(int(t.tag[1:]), nodes, self.pos(t), anchor))
            return i + 3
        if kind == "paragraph_open":
            figure = self.figure(tokens[i + 1])
            if figure is not None:
                out.append(figure)
                return next(j for j in range(i + 2, len(tokens)) if tokens[j].type == "paragraph_close") + 1
            nodes, anchor = self.inline(tokens[i + 1])
            out.append(Para(nodes, self.pos(t), anchor=anchor))
            # a footnote's paragraph ends with a footnote_anchor token before its close
            return next(j for j in range(i + 2, len(tokens)) if tokens[j].type == "paragraph_close") + 1
        if kind in ("bullet_list_open", "ordered_list_open"):
            lst, i = self.list(tokens, i)
            out.append(lst)
            return i
        if kind == "table_open":
            return self.table(tokens, i, out)
        if kind in ("fence", "code_block"):
            language = (t.info or "").split()[0] if t.info else ""
            out.append(CodeEv(t.content, language, self.pos(t)))
            return i + 1
        if kind == "blockquote_open":
            body, end = self.blocks(tokens, i + 1, "blockquote_close")
            out.append(self.quote(body, self.pos(t)))
            return end
        if kind == "footnote_block_open":
            return self.footnote_block(tokens, i + 1)
        if kind == "front_matter":
            m = re.search(r"^title:\s*\"?(.*?)\"?\s*$", t.content, re.M)
            self.title = m.group(1) if m else None
            return i + 1
        what = {
            "html_block": "raw HTML block",
            "math_block": "display equation",
            "math_block_label": "display equation",
            "hr": "horizontal rule",
        }.get(kind, kind)
        if kind in ("math_block", "math_block_label"):
            out.append(MathEv(t.content, self.pos(t), tagged="\\tag" in t.content))
        elif kind != "hr":
            self.report.warn(self.pos(t), f"{what} skipped: {t.content.strip()[:60]!r}")
        return i + 1

    def figure(self, token) -> FigureEv | None:  # type: ignore[no-untyped-def]
        """A paragraph that is one image (and an anchor): a figure; its file is read here."""
        kids = [
            c for c in token.children or [] if not (c.type in ("softbreak", "text") and not c.content.strip())
        ]
        images = [c for c in kids if c.type == "image"]
        others = [c for c in kids if c.type != "image"]
        anchors = [re.search(r'\bid="([^"]*)"', c.content) for c in others if c.type == "html_inline"]
        if (
            len(images) != 1
            or any(c.type != "html_inline" for c in others)
            or not all(m or c.content.strip() == "</a>" for m, c in zip(anchors, others, strict=True))
        ):
            return None
        image = images[0]
        src = image.attrGet("src") or ""
        alt = "".join(c.content for c in image.children or [] if c.type in ("text", "code_inline"))
        pos = self.pos(token)
        anchor = next((m.group(1) for m in anchors if m), None)
        return FigureEv(self.image_bytes(src, pos), os.path.basename(src), alt, pos, anchor)

    def image_bytes(self, src: str, pos: Position) -> bytes | None:
        """The image a figure names, relative to the manuscript; checked like the sources' files."""
        from urllib.parse import unquote

        from pipeline import media

        if re.match(r"^[a-z][a-z0-9+.-]*:", src, re.I):
            self.report.warn(pos, f"an external image {src!r} is not fetched")
            return None
        path = os.path.join(os.path.dirname(os.path.abspath(self.path)), unquote(src))
        try:
            media.inspect(path, src)
            with open(path, "rb") as fh:
                return fh.read(media.MAX_FILE + 1)
        except (OSError, media.MediaError) as exc:
            self.report.warn(pos, f"image {src!r} cannot be used: {exc}")
            return None

    def quote(self, body: list[Event], pos: Position) -> QuoteEv:
        """A block quote; ``> [!NOTE]`` on its first line makes it a GitHub alert."""
        first = body[0] if body else None
        if isinstance(first, Para):
            lead = first.nodes[0] if first.nodes else None
            if isinstance(lead, str):
                head, _, rest = lead.partition("\n")
                m = _ALERT.match(head)
                if m is not None:
                    nodes = N.merge([rest, *first.nodes[1:]])
                    body = ([Para(nodes, first.pos)] if N.strip(nodes) else []) + body[1:]
                    return QuoteEv(body, pos, alert=m.group(1))
        return QuoteEv(body, pos)

    def list(self, tokens: list, i: int) -> tuple[ListEv, int]:  # type: ignore[type-arg]
        t = tokens[i]
        ordered = t.type == "ordered_list_open"
        close = "ordered_list_close" if ordered else "bullet_list_close"
        items: list[ItemEv] = []
        i += 1
        while tokens[i].type != close:
            item_tok = tokens[i]  # list_item_open
            body, i = self.blocks(tokens, i + 1, "list_item_close")
            items.append(self.item(body, self.pos(item_tok)))
        return ListEv(ordered, items, self.pos(t)), i + 1

    def item(self, body: list[Event], pos: Position) -> ItemEv:
        """A list item: its first paragraph, and a list nested in it; more is reported."""
        nodes: Nodes = []
        sub: ListEv | None = None
        for e in body:
            if isinstance(e, Para) and sub is None:
                nodes = N.merge([*nodes, " ", *e.nodes]) if nodes else e.nodes
            elif isinstance(e, ListEv) and sub is None:
                sub = e
            else:
                self.report.warn(
                    e.pos, "a list item holds text and one nested list here: the rest was dropped"
                )
        return ItemEv(nodes, pos, sub)

    def table(self, tokens: list, i: int, out: list[Event]) -> int:  # type: ignore[type-arg]
        start = tokens[i]
        rows: list[list[Nodes]] = []
        i += 1
        while tokens[i].type != "table_close":
            t = tokens[i]
            if t.type == "tr_open":
                rows.append([])
            elif t.type == "inline":
                rows[-1].append(self.inline(t)[0])
            i += 1
        out.append(TableEv(rows, self.pos(start)))
        return i + 1

    def footnote_block(self, tokens: list, i: int) -> int:  # type: ignore[type-arg]
        while tokens[i].type != "footnote_block_close":
            t = tokens[i]
            if t.type == "footnote_open":
                body, i = self.blocks(tokens, i + 1, "footnote_close")
                paras = [e for e in body if isinstance(e, Para)]
                if len(paras) != len(body) or not paras:
                    self.report.warn(self.pos(t), "a footnote holds only text here: the rest was dropped")
                nodes: Nodes = []
                for p in paras:
                    nodes = N.merge([*nodes, " ", *p.nodes]) if nodes else p.nodes
                key = str(t.meta.get("label", t.meta.get("id")))
                self.footnotes[key] = (nodes, paras[0].pos if paras else self.pos(t))
                continue
            i += 1
        return i + 1

    # -- inline ------------------------------------------------------------------------------
    def inline(self, token) -> tuple[Nodes, str | None]:  # type: ignore[no-untyped-def]
        """Inline nodes of an ``inline`` token, and the id of an ``<a id>`` anchor in it."""
        pos = self.pos(token)
        root: Nodes = []
        stack: list[tuple[str, Nodes, str | None]] = []  # open element, the list it sits in, href
        out = root
        anchor: str | None = None
        children = token.children or []
        for n, c in enumerate(children):
            kind = c.type
            if kind == "text":
                out.append(c.content)
            elif kind == "softbreak":
                before = children[n - 1].content if n else ""
                after = children[n + 1].content if n + 1 < len(children) else ""
                out.append("\n" if _ALERT.match(before or "") else N.join_break(before, after))
            elif kind == "hardbreak":
                out.append("\n")
            elif kind in ("strong_open", "em_open", "s_open"):
                span: Nodes = []
                out.append(inline.Span({"strong_open": "b", "em_open": "i"}.get(kind, "s"), span))
                stack.append((kind[:-5], out, None))
                out = span
            elif kind == "link_open":
                href = c.attrGet("href") or ""
                span = []
                stack.append(("link", out, href))
                out = span
            elif kind in ("strong_close", "em_close", "s_close", "link_close"):
                out = self.close(stack, kind[:-6], out, pos)
            elif kind == "code_inline":
                out.append(inline.Code(c.content) if c.content.strip() else c.content)
            elif kind == "math_inline":
                out.append(inline.Math(c.content) if c.content.strip() else c.content)
            elif kind == "footnote_ref":
                out.append(N.PendingFn(str(c.meta.get("label", c.meta.get("id")))))
            elif kind == "image":
                self.report.warn(
                    pos,
                    f"image {c.attrGet('src')!r} inside a paragraph skipped: "
                    "a figure is a paragraph of its own",
                )
            elif kind == "html_inline":
                found = self.html(c.content, stack, out, pos)
                if isinstance(found, tuple):
                    out, anchor = found[0], found[1] or anchor
                else:
                    out = found
            else:
                self.report.warn(pos, f"{kind} kept as text")
                out.append(c.content)
        while stack:  # unbalanced raw HTML: close what is open
            out = self.close(stack, stack[-1][0], out, pos)
        return _unstrike(N.merge(root), self.report, pos), anchor

    def close(self, stack: list, name: str, out: Nodes, pos: Position) -> Nodes:  # type: ignore[type-arg]
        if not stack or stack[-1][0] != name:
            self.report.warn(pos, f"unbalanced </{name}> ignored")
            return out
        _, parent, href = stack.pop()
        if name == "link":
            parent.extend(self.link(href or "", out, pos))
        elif name.startswith("html:"):
            parent.append(inline.Span(_HTML_SPANS[name[5:]], out))
        return parent

    def link(self, href: str, children: Nodes, pos: Position) -> Nodes:
        if href.startswith("#") and len(href) > 1:
            return [N.PendingRef(href[1:], children)]
        if inline.URL_RE.match(href):
            return [inline.Span("a", children, href)]
        self.report.warn(pos, f"link to {href!r} kept as text (only http(s) and mailto links are kept)")
        return children

    def html(self, raw: str, stack: list, out: Nodes, pos: Position) -> Nodes | tuple[Nodes, str | None]:  # type: ignore[type-arg]
        """The raw HTML our handouts write; anything else is reported and ignored."""
        m = _HTML_TAG.match(raw.strip())
        if m is None:
            self.report.warn(pos, f"raw HTML {raw!r} ignored")
            return out
        closing, name, attrs, empty = m.group(1), m.group(2).lower(), m.group(3), m.group(4)
        if name == "br":
            out.append("\n")
            return out
        if name == "a":
            found = re.search(r'\bid="([^"]*)"', attrs or "")
            if closing or found:
                return out, found.group(1) if found else None
        if name in _HTML_SPANS and not empty:
            if closing:
                return self.close(stack, f"html:{name}", out, pos)
            span: Nodes = []
            stack.append((f"html:{name}", out, None))
            return span
        self.report.warn(pos, f"raw HTML {raw!r} ignored")
        return out


def _unstrike(nodes: Nodes, report: Report, pos: Position) -> Nodes:
    """Strikethrough has no tag of ours: its text is kept, with a warning."""
    out: Nodes = []
    for node in nodes:
        if isinstance(node, inline.Span) and node.tag == "s":
            report.warn(pos, "strikethrough is not supported: its text was kept")
            out += _unstrike(node.children, report, pos)
        elif isinstance(node, inline.Span):
            out.append(inline.Span(node.tag, _unstrike(node.children, report, pos), node.href))
        else:
            out.append(node)
    return N.merge(out)
