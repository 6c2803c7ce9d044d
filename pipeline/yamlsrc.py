"""A strict YAML reader that keeps the position of every value.

PyYAML's safe loader is lenient where a publishing source must not be: it keeps the last of
two duplicate keys, expands aliases (an "alias bomb" is cheap to write and explodes when
walked) and honours tags. This module drives libyaml's event parser (PyYAML's C binding when
present, the pure-Python parser otherwise) and composes its own small node tree, refusing
duplicate keys, anchors, aliases and tags, and recording every problem instead of stopping at
the first. Values are not converted here; the loader does that against the schema.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import yaml
from yaml.resolver import Resolver

from pipeline.errors import Position, Problem, SourceError
from pipeline.record import Record

try:  # libyaml is an order of magnitude faster; PyYAML's wheels bundle it.
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - only without libyaml
    _Loader = yaml.SafeLoader

MAX_DEPTH = 64  # sources are a few levels deep; deeper nesting is a mistake or an attack
_RESOLVER = Resolver()
_YAML_KINDS = {
    "tag:yaml.org,2002:str": "string",
    "tag:yaml.org,2002:int": "integer",
    "tag:yaml.org,2002:float": "number",
    "tag:yaml.org,2002:bool": "boolean",
    "tag:yaml.org,2002:null": "null",
    "tag:yaml.org,2002:timestamp": "date",
}


# Nodes are plain classes with __slots__, not dataclasses: `pipeline check` must start fast
# (see pipeline.record), and a chapter has thousands of nodes.
class Node(Record):
    """Base of the node tree: where the value starts and ends in the file."""

    __slots__ = _fields = ("pos", "end")

    def __init__(self, pos: Position, end: tuple[int, int]) -> None:
        self.pos = pos
        self.end = end  # 0-based (line, column) just past the value, for in-place edits

    @property
    def kind(self) -> str:
        raise NotImplementedError


class Scalar(Node):
    __slots__ = ("plain", "value")
    _fields = ("pos", "end", "value", "plain")

    def __init__(self, pos: Position, end: tuple[int, int], value: str = "", plain: bool = True) -> None:
        self.pos = pos
        self.end = end
        self.value = value
        self.plain = plain  # unquoted: YAML gives it an implicit type (int, bool, null, ...)

    @property
    def kind(self) -> str:
        if not self.plain:
            return "string"
        tag = _RESOLVER.resolve(yaml.ScalarNode, self.value, (True, False))
        return _YAML_KINDS.get(tag, "string")


class Seq(Node):
    __slots__ = ("items",)
    _fields = ("pos", "end", "items")

    def __init__(self, pos: Position, end: tuple[int, int], items: list[Node] | None = None) -> None:
        self.pos = pos
        self.end = end
        self.items: list[Node] = [] if items is None else items

    @property
    def kind(self) -> str:
        return "list"


class Map(Node):
    __slots__ = ("pairs",)
    _fields = ("pos", "end", "pairs")

    def __init__(
        self, pos: Position, end: tuple[int, int], pairs: list[tuple[Scalar, Node]] | None = None
    ) -> None:
        self.pos = pos
        self.end = end
        # keys keep their own node for positions; duplicates are refused while composing
        self.pairs: list[tuple[Scalar, Node]] = [] if pairs is None else pairs

    @property
    def kind(self) -> str:
        return "mapping"

    def get(self, key: str) -> Node | None:
        for k, v in self.pairs:
            if k.value == key:
                return v
        return None

    def keys(self) -> list[str]:
        return [k.value for k, _ in self.pairs]


class Document(Record):
    """A parsed file: its root node and its text (kept for in-place edits)."""

    __slots__ = _fields = ("path", "text", "root", "bom", "newline")

    def __init__(self, path: str, text: str, root: Node, bom: bool = False, newline: str = "\n") -> None:
        self.path = path
        self.text = text
        self.root = root
        self.bom = bom
        self.newline = newline


def _pos(path: str, mark: yaml.Mark) -> Position:
    return Position(path, mark.line + 1, mark.column + 1)


class _Composer:
    def __init__(self, path: str, text: str = "") -> None:
        self.path = path
        self.text = text
        self.problems: list[Problem] = []
        self._starts: list[int] | None = None  # offset of each line, computed on first need

    def problem(self, mark: yaml.Mark, message: str, fieldpath: str = "") -> None:
        self.problems.append(Problem(_pos(self.path, mark), fieldpath, message))

    def compose(self, get_event: Callable[[], yaml.Event | None]) -> Node | None:
        """Compose the one document of a stream, pulling events from the parser as it goes.

        Pulling (rather than parsing everything first) stops the parser at the first node
        nested deeper than MAX_DEPTH: libyaml's scanner is quadratic in the depth of flow
        collections ("a: [[[[..." 100,000 levels deep takes a minute).
        """
        self.get = get_event
        root: Node | None = None
        while (ev := get_event()) is not None:
            if isinstance(ev, yaml.DocumentStartEvent):
                if root is not None:
                    self.problem(ev.start_mark, "expected one YAML document, found another")
                    return None
                root = self.node(get_event(), "", 1)
        return root

    def node(self, ev: yaml.Event, fieldpath: str, depth: int) -> Node:
        cls = type(ev)
        if cls is yaml.ScalarEvent and ev.anchor is None and ev.tag is None and depth <= MAX_DEPTH:
            # the common case, kept short: a scalar without anchor or tag; everything else
            # takes the careful path below
            mark = ev.start_mark
            if ev.style == '"' and bad_char(ev.value):
                # only an escape ("\x01", "\u200B") gets here: decode() refused raw characters
                self.escaped_char(ev, fieldpath)
            return Scalar(
                Position(self.path, mark.line + 1, mark.column + 1),
                (ev.end_mark.line, ev.end_mark.column),
                value=ev.value,
                plain=not ev.style and ev.implicit[0],
            )
        if depth > MAX_DEPTH:
            self.problem(ev.start_mark, f"nesting deeper than {MAX_DEPTH} levels", fieldpath)
            raise _TooDeep
        if isinstance(ev, yaml.AliasEvent):
            self.problem(ev.start_mark, f"aliases (*{ev.anchor}) are not allowed", fieldpath)
            return Scalar(_pos(self.path, ev.start_mark), _end(ev), value="", plain=False)
        if ev.anchor is not None:
            self.problem(ev.start_mark, f"anchors (&{ev.anchor}) are not allowed", fieldpath)
        if ev.tag not in (None, "!") and not _implicit(ev):
            self.problem(ev.start_mark, f"tags ({ev.tag}) are not allowed", fieldpath)
        pos = _pos(self.path, ev.start_mark)
        if isinstance(ev, yaml.ScalarEvent):
            if bad_char(ev.value):
                # only an escape of a double-quoted scalar ("\x01", "\u200B") gets here:
                # decode() has refused the raw characters already
                self.escaped_char(ev, fieldpath)
            plain = not ev.style and ev.implicit[0]
            return Scalar(pos, _end(ev), value=ev.value, plain=bool(plain))
        get = self.get
        if isinstance(ev, yaml.SequenceStartEvent):
            seq = Seq(pos, (0, 0))
            items = seq.items
            while type(item := get()) is not yaml.SequenceEndEvent:
                items.append(self.node(item, f"{fieldpath}[{len(items)}]", depth + 1))
            seq.end = _end(item)
            return seq
        assert isinstance(ev, yaml.MappingStartEvent)
        mapping = Map(pos, (0, 0))
        seen: dict[str, Position] = {}
        while type(first := get()) is not yaml.MappingEndEvent:
            key = self.node(first, fieldpath, depth + 1)
            name = key.value if isinstance(key, Scalar) else ""
            sub = f"{fieldpath}.{name}" if fieldpath else name
            value = self.node(get(), sub, depth + 1)
            if not isinstance(key, Scalar):
                self.problems.append(Problem(key.pos, fieldpath, "keys must be plain strings"))
                continue
            if name in seen:
                self.problems.append(
                    Problem(key.pos, sub, f"duplicate key (first defined at line {seen[name].line})")
                )
                continue
            seen[name] = key.pos
            mapping.pairs.append((key, value))
        mapping.end = _end(first)
        return mapping

    def escaped_char(self, ev: yaml.ScalarEvent, fieldpath: str) -> None:
        """Report the first escape in a quoted scalar that stands for a refused character."""
        if self._starts is None:
            self._starts = _line_starts(self.text)
        start = self._starts[ev.start_mark.line] + ev.start_mark.column
        end = self._starts[ev.end_mark.line] + ev.end_mark.column
        mark, char = ev.start_mark, bad_char(ev.value)
        for m in re.compile(_ESCAPE, re.DOTALL).finditer(self.text, start, end):
            decoded = _unescape(m.group(1))
            if decoded and bad_char(decoded):
                mark, char = _offset_mark(self._starts, m.start()), decoded
                break
        assert char is not None
        self.problems.append(Problem(_pos(self.path, mark), fieldpath, refusal(char)))


class _TooDeep(Exception):
    pass


def _end(ev: yaml.Event) -> tuple[int, int]:
    return (ev.end_mark.line, ev.end_mark.column)


def _implicit(ev: yaml.Event) -> bool:
    """True when the event's tag was not written in the file (libyaml reports resolved tags)."""
    implicit = getattr(ev, "implicit", None)
    if isinstance(implicit, tuple):
        return bool(implicit[0] or implicit[1])
    return bool(implicit)


_CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff"
# Invisible characters that reorder or hide text ("Trojan Source" bidi overrides, zero-width
# spaces and joiners, the Arabic letter mark and the Mongolian vowel separator, which are bidi
# and zero-width controls too, a stray BOM): a reviewer cannot see them and a printed handout
# loses them. The soft hyphen (U+00AD) stays allowed: it is a legitimate hyphenation hint.
_INVISIBLE = "\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
# Either kind, to tell that a text is clean in one pass. Which character to report, when there
# is one (the first control character, else the first invisible one), is found with a pattern
# for each kind, compiled then: classes beyond Latin-1 are slow to compile (0.3-0.4 ms each), and
# `pipeline check` must start fast.
_REFUSED = re.compile(f"[{_CONTROL}{_INVISIBLE}]")


# YAML double-quoted escapes; finditer from the opening quote pairs "\\\\" correctly (compiled
# when a refused escape is reported)
_ESCAPE = r"\\(x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)"
_NAMED_ESCAPES = {"0": "\0", "a": "\a", "b": "\b", "v": "\v", "f": "\f", "e": "\x1b"}


def _unescape(escape: str) -> str | None:
    """The character a YAML escape (without its backslash) stands for, if it may be refused."""
    if escape[0] in "xuU" and len(escape) > 1:
        code = int(escape[1:], 16)
        return chr(code) if code <= 0x10FFFF else None  # libyaml refuses larger ones anyway
    return _NAMED_ESCAPES.get(escape)


def bad_char(text: str) -> str | None:
    """The first character of ``text`` that sources must not contain, or None.

    Also used for text that reaches the sources another way (a PO file's translations).
    """
    bad = _first_refused(text)
    return bad.group() if bad else None


def _first_refused(text: str) -> re.Match[str] | None:
    """The first control character of ``text``, else its first invisible one."""
    if _REFUSED.search(text) is None:
        return None
    return re.search(f"[{_CONTROL}]", text) or re.search(f"[{_INVISIBLE}]", text)


def refusal(char: str) -> str:
    """The message for a refused character."""
    kind = "control" if re.match(f"[{_CONTROL}]", char) else "invisible"
    return f"{kind} character U+{ord(char):04X} is not allowed"


def _line_starts(text: str) -> list[int]:
    """Offset of the start of every line, counting line breaks as libyaml does."""
    starts, offset = [0], 0
    for line in text.splitlines(keepends=True):
        offset += len(line)
        starts.append(offset)
    return starts


def _offset_mark(starts: list[int], offset: int) -> yaml.Mark:
    import bisect  # only for a refused escape: not imported at every start-up

    line = bisect.bisect_right(starts, offset) - 1
    return yaml.Mark("", offset, line, offset - starts[line], None, None)


def decode(path: str, data: bytes) -> tuple[str, bool]:
    """Decode UTF-8 strictly, reporting the line and column of the first bad byte."""
    bom = data.startswith(b"\xef\xbb\xbf")
    if bom:
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        good = data[: exc.start].decode("utf-8", errors="replace")
        line = good.count("\n") + 1
        col = len(good) - (good.rfind("\n") + 1) + 1
        raise SourceError(
            [Problem(Position(path, line, col), "", f"invalid UTF-8 (byte 0x{data[exc.start]:02x})")]
        ) from None
    bad = _first_refused(text)
    if bad:
        before = text[: bad.start()]
        line = before.count("\n") + 1
        col = bad.start() - (before.rfind("\n") + 1) + 1
        raise SourceError([Problem(Position(path, line, col), "", refusal(bad.group()))])
    return text, bom


def parse(path: str, data: bytes) -> Document:
    """Parse one YAML file into a node tree, or raise SourceError with every problem found."""
    text, bom = decode(path, data)
    composer = _Composer(path, text)
    try:
        root = composer.compose(_Loader(text).get_event)
    except _TooDeep:
        root = None
    except yaml.MarkedYAMLError as exc:
        raise SourceError([syntax_error(path, text, exc)]) from None
    except yaml.YAMLError as exc:  # reader errors carry no mark in the C binding
        raise SourceError([Problem(Position(path, 1, 1), "", f"unreadable YAML: {exc}")]) from None
    if composer.problems:
        raise SourceError(composer.problems)
    if root is None or (isinstance(root, Scalar) and root.plain and root.kind == "null"):
        raise SourceError([Problem(Position(path, 1, 1), "", "the file is empty")])
    newline = "\r\n" if "\r\n" in text else "\n"
    return Document(path, text, root, bom, newline)


# -- syntax errors that say what to do -----------------------------------------------------------
# libyaml reports where its parser gave up, in its own words: "mapping values are not allowed in
# this context" for a colon in unquoted text, the end of the file for a quote left open, the line
# after an over-indented key. syntax_error() finds the usual mistakes behind those reports, says
# what to write, and points at the place to change (where the quote opened, where the
# indentation went wrong), with the source line and a caret below the error line.
_KEY_LINE = re.compile(r"( *)(?:- +)?(\w[^:#]*?):(?: +(.*)|$)")


def syntax_error(path: str, text: str, exc: yaml.MarkedYAMLError) -> Problem:
    """The problem to report for a YAML syntax error, with an excerpt of the line."""
    from pipeline.errors import excerpt

    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    message = exc.problem or "invalid YAML"
    if exc.context:
        message = f"{message} ({exc.context})"
    try:
        explained = _explain(text, exc, line, column)
    except Exception:  # pragma: no cover - an explanation must never hide the error itself
        explained = None
    if explained is not None:
        message, line, column = explained
    pos = Position(path, line, column)
    return Problem(pos, "", f"YAML syntax error: {message}", excerpt(text, line, column))


def _explain(text: str, exc: yaml.MarkedYAMLError, line: int, column: int) -> tuple[str, int, int] | None:
    """(what to do, line, column) for the usual mistakes behind a libyaml error, or None."""
    lines = text.splitlines()
    problem = exc.problem or ""
    here = lines[line - 1] if 0 < line <= len(lines) else ""
    context = exc.context_mark
    if exc.context == "while scanning a quoted scalar" and context is not None:
        quote = (lines[context.line] if context.line < len(lines) else "")[context.column :][:1] or '"'
        return (
            f"the quote ({quote}) opened here is never closed; end the text with {quote}",
            context.line + 1,
            context.column + 1,
        )
    quoted = _quoted_before(text, exc)
    if quoted is not None:
        start, end, quote = quoted.start_mark, quoted.end_mark, quoted.style
        before = lines[end.line][: end.column - 1] if end.line < len(lines) else ""
        # run over line ends up to a quote that opens the next key's text: left open
        if start.line != end.line and re.fullmatch(r" *(?:- +)?[^\s#:]+: *", before):
            return (
                f"the quote ({quote}) opened here is not closed on its line: YAML reads on to the {quote} "
                f"at line {end.line + 1}, column {end.column}; end the text with {quote}",
                start.line + 1,
                start.column + 1,
            )
        return "text after the closing quote; put the whole text inside the quotes", line, column
    if problem == "could not find expected ':'" and exc.context == "while scanning a simple key" and context:
        # a line of text where the mapping wants its next key: a text wrapped onto a new line
        return _stray_text(lines, context.line + 1, context.column + 1)
    if problem == "mapping values are not allowed in this context":
        key = _KEY_LINE.match(here)
        if key and key.group(3) is not None and column - 1 > key.end(2):
            value = key.group(3).rstrip()
            shown = value if len(value) <= 40 and '"' not in value and "\\" not in value else "…"
            return (
                "a colon followed by a space inside unquoted text; put the whole text in double quotes: "
                f'{key.group(2)}: "{shown}"',
                line,
                column,
            )
    at_start = bool(here.strip()) and column == _indent(here) + 1 and here.lstrip()[:1].isalnum()
    if problem == "did not find expected key" and at_start and not _KEY_LINE.fullmatch(here):
        return _stray_text(lines, line, column)
    if problem in ("mapping values are not allowed in this context", "did not find expected key"):
        return _indentation(lines, line)
    if problem == "found a tab character that violates indentation":  # a tab before a nested key
        return "a tab in the indentation; indent with spaces only", line, column
    if problem == "found character that cannot start any token":
        ch = here[column - 1 : column]
        if ch == "\t":
            return "a tab in the indentation; indent with spaces only", line, column
        if ch:
            return (
                f"unquoted text cannot start with {ch!r}; put the whole text in double quotes",
                line,
                column,
            )
    if problem == "block sequence entries are not allowed in this context":
        return "unquoted text cannot start with '- '; put the whole text in double quotes", line, column
    if problem.startswith("did not find expected ','") and context is not None:
        close, what = ("]", "list") if problem.endswith("']'") else ("}", "mapping")
        where = f"line {context.line + 1}, column {context.column + 1}"
        return (
            f"the {what} opened at {where} is not closed: end it with '{close}' (or a ',' is missing)",
            line,
            column,
        )
    return None


def _stray_text(lines: list[str], line: int, column: int) -> tuple[str, int, int]:
    """A line of text where a key belongs (from 1): most often a text wrapped onto a new line
    without the indentation that makes it more of the text above."""
    what = "a line of text where a key was expected"
    above = next((lines[i] for i in range(line - 2, -1, -1) if lines[i].strip()), "")
    key = _KEY_LINE.fullmatch(above)
    if key and key.group(3):
        name = key.group(2)
        fix = f"if it continues the text of '{name}:', indent it more than '{name}:'"
    else:
        fix = "if it continues the text above, indent it more than that text's key"
    return f"{what}; {fix} (or join it to the line above)", line, column


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _indentation(lines: list[str], line: int) -> tuple[str, int, int] | None:
    """An indentation mistake at or before key line ``line`` (from 1): a key indented more
    than the key above it, which YAML reads as more of that key's text, or a block whose keys
    are indented unlike the key after it."""
    key = _KEY_LINE.fullmatch(lines[line - 1]) if line <= len(lines) else None
    if key is None:
        return None
    own = _indent(lines[line - 1])
    above = [i for i in range(line - 2, -1, -1) if lines[i].strip() and not lines[i].lstrip().startswith("#")]
    if not above:
        return None
    prev = above[0]
    prev_key = _KEY_LINE.fullmatch(lines[prev])
    name = key.group(2)
    if own > _indent(lines[prev]) and prev_key and prev_key.group(3):
        return (
            f"'{name}:' is indented more than '{prev_key.group(2)}:' on line {prev + 1}, so YAML reads it "
            f"as more of that text; indent it as far as '{prev_key.group(2)}:'",
            line,
            own + 1,
        )
    if own < _indent(lines[prev]):
        # the block above is indented deeper than this key: find where it started
        deep = _indent(lines[prev])
        start = prev
        for i in above[1:]:
            if _indent(lines[i]) < deep:
                parent = i
                break
            start = i if _indent(lines[i]) == deep else start
        else:
            return None
        if _indent(lines[parent]) < own:
            first = _KEY_LINE.fullmatch(lines[start])
            what = f"'{first.group(2)}:'" if first else f"line {start + 1}"
            return (
                f"{what} is indented {deep} spaces, '{name}:' below it on line {line} only {own}: "
                "indent the keys of one mapping alike",
                start + 1,
                deep + 1,
            )
    return None


def _quoted_before(text: str, exc: yaml.MarkedYAMLError) -> yaml.ScalarToken | None:
    """The quoted scalar that ends on the line where the parser gave up, just before it: text
    after its closing quote, or (when it runs over line ends) a quote never closed on its own
    line, that the quote opening the next quoted text closed."""
    mark = exc.problem_mark
    if mark is None or exc.problem not in (
        "did not find expected key",
        "mapping values are not allowed in this context",
    ):
        return None
    last = None
    try:
        for token in yaml.scan(text, Loader=_Loader):
            if (token.start_mark.line, token.start_mark.column) >= (mark.line, mark.column):
                break
            last = token
    except yaml.YAMLError:
        pass
    if not isinstance(last, yaml.ScalarToken) or last.style not in ('"', "'"):
        return None
    return last if last.end_mark.line == mark.line else None


def read(path: str) -> Document:
    """Read and parse a file; unreadable files are a SourceError too."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise SourceError([Problem(Position(path, 1, 1), "", f"cannot read: {exc.strerror}")]) from None
    return parse(path, data)
