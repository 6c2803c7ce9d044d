"""Inline markup inside translatable units: a small set of explicit tags, parsed once.

The tags (see the README, "Inline markup") are paired ``<b>``, ``<i>``, ``<sub>``, ``<sup>``,
``<a href="…">`` and atomic ``<code>…</code>``, ``<m>…</m>`` (literal content), ``<ref to="ID"/>``
and ``<fn to="ID"/>``. Tags rather than Markdown emphasis: CommonMark does not recognise
``**强调**`` next to CJK punctuation, and translation QA tools (pofilter's ``xmltags``, XLIFF
inline codes) work on tags. A ``<`` that starts no known tag is text, so ``a < b`` and ``<br>``
need no escaping; there are no entities (``&amp;`` is seven characters of text).

:func:`parse` returns a list of nodes: ``str`` for text, :class:`Span` for paired tags (nested),
:class:`Code`, :class:`Math`, :class:`Ref` and :class:`FnRef` for atomic ones. The checker, the
layout layer, the writers and the translators' formats all read these nodes; nobody else parses
tags.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

PAIRED = ("b", "i", "sub", "sup", "a")
ATOMIC = ("code", "m", "ref", "fn")
ATTRIBUTES = {"a": ("href",), "ref": ("to",), "fn": ("to",)}  # required, and the only ones allowed
PLACEHOLDER = "\ufffc"  # stands for code, math and references in plain text (checks skip it)

# a known tag name at a "<": opening, closing or empty; the rest of the tag is parsed by hand
_TAG = re.compile(r"<(/?)(sub|sup|code|ref|fn|b|i|a|m)(?=[\s/>])")
_ATTR = re.compile(r'\s+([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*"([^"<>]*)"')
_END = re.compile(r"\s*(/?)>")
URL_RE = re.compile(r"^(?:https?://[^\s<>\"]+|mailto:[^\s<>\"@]+@[^\s<>\"]+)$")
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*(?:\.[a-z0-9]+(?:-[a-z0-9]+)*)*$")


class InlineError(ValueError):
    """Malformed markup at ``offset`` (characters from the start of the unit's text)."""

    def __init__(self, offset: int, message: str) -> None:
        super().__init__(message)
        self.offset = offset
        self.message = message


class Span:
    """A paired tag and what it encloses: ``<b>``, ``<i>``, ``<sub>``, ``<sup>`` or ``<a>``."""

    __slots__ = ("children", "href", "offset", "tag")

    def __init__(self, tag: str, children: list[Node], href: str | None = None, offset: int = 0) -> None:
        self.tag = tag
        self.children = children
        self.href = href
        self.offset = offset

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Span) and (self.tag, self.href, self.children) == (
            other.tag,
            other.href,
            other.children,
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Span({self.tag!r}, {self.children!r}, href={self.href!r})"


class Atom:
    """An atomic element; ``value`` is its literal content or its target id."""

    __slots__ = ("offset", "value")
    tag = ""

    def __init__(self, value: str, offset: int = 0) -> None:
        self.value = value
        self.offset = offset

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.value == self.value  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((self.tag, self.value))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.value!r})"

    def markup(self) -> str:
        if self.tag in ("ref", "fn"):
            return f'<{self.tag} to="{self.value}"/>'
        return f"<{self.tag}>{self.value}</{self.tag}>"


class Code(Atom):
    tag = "code"


class Math(Atom):
    tag = "m"


class Ref(Atom):
    """A cross-reference to a section or table (later: figure, equation) of the chapter."""

    tag = "ref"


class FnRef(Atom):
    tag = "fn"


Node = str | Span | Atom
ATOM_CLASSES: dict[str, type[Atom]] = {"code": Code, "m": Math, "ref": Ref, "fn": FnRef}


def parse(text: str) -> list[Node]:
    """The nodes of a unit's text; InlineError at the first malformed tag."""
    if "<" not in text:
        return [text] if text else []
    root: list[Node] = []
    stack: list[tuple[Span, list[Node]]] = []  # open paired tags and the list they sit in
    out = root
    pos = 0
    buf_start = 0

    def flush(upto: int) -> None:
        if upto > buf_start:
            if out and isinstance(out[-1], str):
                out[-1] += text[buf_start:upto]
            else:
                out.append(text[buf_start:upto])

    while True:
        m = _TAG.search(text, pos)
        if m is None:
            break
        closing, name = m.group(1) == "/", m.group(2)
        start = m.start()
        attrs: dict[str, str] = {}
        at = m.end()
        while (a := _ATTR.match(text, at)) is not None:
            if a.group(1) in attrs:
                raise InlineError(a.start() + 1, f"<{name}> has the attribute {a.group(1)!r} twice")
            attrs[a.group(1)] = a.group(2)
            at = a.end()
        end = _END.match(text, at)
        if end is None:
            raise InlineError(start, f'malformed <{name}> tag: attributes are written name="value"')
        empty = end.group(1) == "/"
        pos = end.end()
        flush(start)
        if closing:
            if attrs or empty:
                raise InlineError(start, f"a closing </{name}> tag takes no attributes")
            if name in ATOMIC:
                raise InlineError(start, f"</{name}> without an opening <{name}>")
            if not stack:
                raise InlineError(start, f"</{name}> without an opening <{name}>")
            span, parent = stack[-1]
            if span.tag != name:
                raise InlineError(start, f"</{name}> closes <{span.tag}>: tags may nest but not overlap")
            stack.pop()
            out = parent
            buf_start = pos
            continue
        _check_attributes(name, attrs, start)
        if name in ("ref", "fn"):
            if not empty:
                raise InlineError(start, f'<{name}> is an empty element: write <{name} to="{attrs["to"]}"/>')
            out.append(ATOM_CLASSES[name](attrs["to"], start))
            buf_start = pos
            continue
        if empty:
            raise InlineError(start, f"<{name}/> is empty: write <{name}>…</{name}>")
        if name in ("code", "m"):
            close = text.find(f"</{name}>", pos)
            if close < 0:
                raise InlineError(start, f"<{name}> is not closed (</{name}> is missing)")
            content = text[pos:close]
            if not content.strip():
                raise InlineError(start, f"<{name}> is empty")
            out.append(ATOM_CLASSES[name](content, start))
            pos = close + len(name) + 3
            buf_start = pos
            continue
        span = Span(name, [], attrs.get("href"), start)
        out.append(span)
        stack.append((span, out))
        out = span.children
        buf_start = pos
    pos = len(text)
    flush(pos)
    if stack:
        span = stack[-1][0]
        raise InlineError(span.offset, f"<{span.tag}> is not closed (</{span.tag}> is missing)")
    return root


def _check_attributes(name: str, attrs: dict[str, str], offset: int) -> None:
    allowed = ATTRIBUTES.get(name, ())
    for key in attrs:
        if key not in allowed:
            what = f"only {', '.join(allowed)}" if allowed else "no attributes"
            raise InlineError(offset, f"unknown attribute {key!r} on <{name}> (it takes {what})")
    for key in allowed:
        if key not in attrs:
            raise InlineError(offset, f'<{name}> needs {key}="…"')
    if name == "a" and not URL_RE.match(attrs["href"]):
        raise InlineError(offset, f"<a href> must be an http(s) or mailto URL, not {attrs['href']!r}")
    if name in ("ref", "fn") and not ID_RE.match(attrs["to"]):
        raise InlineError(offset, f"<{name} to> must be an id (lower-case letters, digits, '-', '.')")


def plain(nodes: list[Node]) -> str:
    """The text without tags; each atomic element becomes one PLACEHOLDER character."""
    return "".join(_plain(nodes))


def _plain(nodes: list[Node]) -> Iterator[str]:
    for node in nodes:
        if isinstance(node, str):
            yield node
        elif isinstance(node, Span):
            yield from _plain(node.children)
        else:
            yield PLACEHOLDER


def text_of(nodes: list[Node]) -> str:
    """The visible text without tags, code and math kept as written (for searching)."""
    out = []
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
        elif isinstance(node, Span):
            out.append(text_of(node.children))
        elif isinstance(node, (Code, Math)):
            out.append(node.value)
    return "".join(out)


def atoms(nodes: list[Node]) -> Iterator[Atom]:
    """Every atomic element, in order."""
    for node in nodes:
        if isinstance(node, Span):
            yield from atoms(node.children)
        elif isinstance(node, Atom):
            yield node


def spans(nodes: list[Node]) -> Iterator[Span]:
    """Every paired tag, outermost first, in order."""
    for node in nodes:
        if isinstance(node, Span):
            yield node
            yield from spans(node.children)


def markup(nodes: list[Node]) -> str:
    """The nodes written back as source text (parse(markup(n)) == n)."""
    out = []
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
        elif isinstance(node, Span):
            attr = f' href="{node.href}"' if node.href is not None else ""
            out.append(f"<{node.tag}{attr}>{markup(node.children)}</{node.tag}>")
        else:
            out.append(node.markup())
    return "".join(out)
