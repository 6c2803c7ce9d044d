"""Reading Markdown handouts back with a real CommonMark/GFM parser (markdown-it-py), shared by
the Markdown exporter's tests and the hostile-input tests.

With mdit-py-plugins installed the parser also reads the YAML metadata block, GFM footnotes and
``$…$`` math (with pandoc's rules: no space inside the dollars, no digit after the closing one);
without it the metadata block is cut off before parsing, so it never reads as a heading.
"""

from __future__ import annotations

import re

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

# GitHub's alerts ("> [!NOTE]") are read as alert_open/alert_close tokens (markdown-it-py >= 4.1)
PARSER = MarkdownIt("commonmark", {"alerts": True}).enable("table")
try:
    from mdit_py_plugins.dollarmath import dollarmath_plugin
    from mdit_py_plugins.footnote import footnote_plugin
    from mdit_py_plugins.front_matter import front_matter_plugin
except ImportError:  # pragma: no cover - the plugins are optional for the rest of the suite
    HAS_PLUGINS = False
else:
    HAS_PLUGINS = True
    PARSER.use(front_matter_plugin).use(footnote_plugin)
    PARSER.use(dollarmath_plugin, allow_space=False, allow_digits=False, double_inline=False)

_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)
_ID = re.compile(r'<a id="([^"]*)">')
NOTE_MARK = '<sup class="note">'  # a table note's letter: not part of the text


def parse(data: bytes) -> list[Token]:
    text = data.decode("utf-8")
    if not HAS_PLUGINS:  # keep the line numbers: blank lines instead of the block
        text = _FRONT_MATTER.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    return PARSER.parse(text)


def front_matter(data: bytes) -> dict | None:
    """The YAML metadata block at the top of the document, read with PyYAML; None without one."""
    m = _FRONT_MATTER.match(data.decode("utf-8"))
    return yaml.safe_load(m.group(1)) if m else None


def inline_text(token: Token) -> str:
    """The visible text of an inline token: text children, <br> as a newline, no note marks;
    a footnote reference is its number, inline math its TeX, an image its alt text."""
    out, in_note = [], False
    for child in token.children or []:
        if child.type == "html_inline" and (child.content == NOTE_MARK or child.content == "</sup>"):
            in_note = child.content == NOTE_MARK
        elif child.type in ("text", "code_inline", "math_inline") and not in_note:
            out.append(child.content)
        elif child.type == "footnote_ref":
            out.append(str(child.meta["label"]))
        elif child.type == "image":  # the alt text is the children of the image token
            out.append(inline_text(child))
        elif (child.type == "html_inline" and child.content.startswith("<br")) or child.type in (
            "softbreak",
            "hardbreak",
        ):
            out.append("\n")
    return "".join(out)


def all_text(tokens: list[Token]) -> str:
    """What a reader sees, one inline element per line."""
    return "\n".join(inline_text(t) for t in tokens if t.type == "inline")


def tables(tokens: list[Token]) -> list[list[list[str]]]:
    """Each table as rows of cell texts (header row first)."""
    out: list[list[list[str]]] = []
    row: list[str] = []
    depth = -1  # inline tokens of a cell sit two levels below its tr (tr, th/td, inline)
    for t in tokens:
        if t.type == "table_open":
            out.append([])
        elif t.type == "tr_open":
            row, depth = [], t.level + 2
        elif t.type == "inline" and out and t.level == depth:
            row.append(inline_text(t))
        elif t.type == "tr_close":
            out[-1].append(row)
            depth = -1
    return out


def children(tokens: list[Token]) -> list[Token]:
    """Every inline child token, in document order."""
    return [c for t in tokens if t.type == "inline" for c in t.children or []]


def ids(tokens: list[Token]) -> list[str]:
    """The anchors of the document: ``<a id="…"></a>`` in headings and captions."""
    return [m for c in children(tokens) if c.type == "html_inline" for m in _ID.findall(c.content)]


def hrefs(tokens: list[Token]) -> list[str]:
    return [str(c.attrs["href"]) for c in children(tokens) if c.type == "link_open"]


def images(tokens: list[Token]) -> list[tuple[str, str]]:
    """(src, alt text) of every image, in document order."""
    return [(str(c.attrs["src"]), inline_text(c)) for c in children(tokens) if c.type == "image"]


def display_math(tokens: list[Token]) -> list[str]:
    """The TeX of every displayed formula: ``$$`` blocks (dollarmath) and ```` ```math ```` fences."""
    out = []
    for t in tokens:
        if t.type == "math_block" or (t.type == "fence" and t.info == "math"):
            out.append(t.content.strip("\n"))
    return out


def _emphasis_edge(token: Token, side: str) -> tuple[str, str] | None:
    """(kind, how) when the token opens (side "open") or closes ("close") a bold/italic span."""
    for kind in ("strong", "em"):
        if token.type == f"{kind}_{side}":
            return kind, "markdown"
        html = f"<{kind}>" if side == "open" else f"</{kind}>"
        if token.type == "html_inline" and token.content == html:
            return kind, "html"
    return None


def emphasis(tokens: list[Token]) -> list[tuple[str, str, str]]:
    """(kind, how, text) of every bold or italic span: kind strong|em, how markdown|html."""
    out: list[tuple[str, str, str]] = []
    for t in tokens:
        kids = (t.children or []) if t.type == "inline" else []
        for i, c in enumerate(kids):
            edge = _emphasis_edge(c, "open")
            if edge is None:
                continue
            text, depth = [], 0
            for d in kids[i + 1 :]:
                if _emphasis_edge(d, "open") == edge:
                    depth += 1
                elif _emphasis_edge(d, "close") == edge:
                    if depth == 0:
                        break
                    depth -= 1
                if d.type in ("text", "code_inline", "math_inline"):
                    text.append(d.content)
                elif d.type == "footnote_ref":
                    text.append(str(d.meta["label"]))
            out.append((*edge, "".join(text)))
    return out
