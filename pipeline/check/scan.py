"""Language-neutral text scanning shared by the rules: URLs, numbers, names, quoted spans.

Rules about the words of a unit (typography, invariants, untranslated text, terminology) look
at its *plain* text (:func:`plain`): the text without its inline tags, where each code, math,
cross-reference and footnote reference is one placeholder character (U+FFFC). The placeholder
is neutral: neither Han nor Latin, neither punctuation nor space, so no rule fires on it or
inside code and math. Scanners return matches with their index in the plain text, and
:func:`locate` turns such an index into the file position of that character.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from pipeline.errors import Position
from pipeline.model import Unit
from pipeline.yamlsrc import Map, Scalar

# URLs and e-mail addresses are rare in a unit: their patterns are compiled when a text may
# hold one (about 0.7 ms of every start-up otherwise).
URL_PATTERN = r"https?://[^\s<>\"'“”‘’()（）\[\]，。；、《》\ufffc]+"
EMAIL_PATTERN = r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
# A number is digits not glued to letters: "2014年" and "Torch 7" have one, "DL4J" has none.
# Thousands separators are dropped before comparing ("1,000" = "1000"); versions keep dots.
# Patterns start with the character they match, not with a look-behind: the regular expression
# engine then skips to candidates in C, while a look-behind first is tried at every character
# (a few tenths of a second per pattern on a 10 MB unit). "[0-9](?<![A-Za-z0-9_.].)" is
# "(?<![A-Za-z0-9_.])[0-9]" with the digit matched first.
NUMBER_RE = re.compile(
    r"[0-9](?<![A-Za-z0-9_.].)(?:[0-9]{0,2}(?:,[0-9]{3})+|[0-9]*)(?:\.[0-9]+)*(?![A-Za-z0-9_])"
)
# A Latin-script token: a word, an acronym, or a name such as C++, C#, Node.js, v2.0, 3D, DL4J.
TOKEN_RE = re.compile(r"(?<![A-Za-z0-9])[0-9]*[A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z0-9]+)*[+#]*")
_TRAILING = ".,;:!?)]}'\""


# (matched text, index in the unit's text): a tuple, since scanners make thousands of them
Match = tuple[str, int]

# Scanners are memoised per text: several rules scan the same text, and the rules run one
# after the other over every unit, so a memo smaller than the book's count of texts would be
# emptied before the next rule asks again. The engine empties the memos after each run
# (:func:`forget`), so that a large unit's scans do not outlive its check.
MEMO_SIZE = 1 << 16


@lru_cache(maxsize=MEMO_SIZE)
def urls(text: str) -> tuple[Match, ...]:
    """URLs and e-mail addresses, trailing sentence punctuation excluded."""
    if "@" not in text and "://" not in text:
        return ()
    found = []
    for m in re.finditer(URL_PATTERN, text):
        found.append((m.group().rstrip(_TRAILING), m.start()))
    for m in re.finditer(EMAIL_PATTERN, text):
        found.append((m.group().rstrip(_TRAILING), m.start()))
    return tuple(sorted(found, key=lambda m: m[1]))


def mask(text: str, spans: tuple[Match, ...]) -> str:
    """``text`` with the spans blanked out (same length, so indices stay valid)."""
    if not spans:
        return text
    # Slices rather than a list of characters (slow for a 10 MB unit); spans may overlap
    # (an e-mail address inside a URL), so blank their union.
    pieces, done = [], 0
    for start, end in sorted((start, start + len(found)) for found, start in spans):
        if end <= done:
            continue
        start = max(start, done)
        pieces += (text[done:start], " " * (end - start))
        done = end
    pieces.append(text[done:])
    return "".join(pieces)


@lru_cache(maxsize=MEMO_SIZE)
def unmasked(text: str) -> str:
    """The text with its URLs and e-mail addresses blanked out (several rules need it)."""
    return mask(text, urls(text))


@lru_cache(maxsize=MEMO_SIZE)
def numbers(text: str) -> tuple[Match, ...]:
    """Numbers outside URLs, thousands separators removed."""
    return tuple((m.group().replace(",", ""), m.start()) for m in NUMBER_RE.finditer(unmasked(text)))


# A text longer than this is split at whitespace before a regular expression looks for tokens
# or words in it, one piece at a time; a shorter one is looked at whole.
LONG_TEXT = 4096


def pieces(text: str) -> list[str]:
    """The text in pieces that no token or word spans: the whitespace-separated pieces of a
    long text, or the whole of a short one.

    A regular expression match per word costs about half a second for each million words, and
    a long text repeats the same few thousand pieces: scanning each distinct piece once is far
    faster. A short text is cheaper to scan whole than piece by piece.
    """
    return text.split() if len(text) > LONG_TEXT else [text]


@lru_cache(maxsize=MEMO_SIZE)
def _tokens_by_piece(text: str) -> dict[str, list[Match]]:
    """Each distinct piece of ``text`` (see :func:`pieces`), in order of first occurrence, with
    its tokens and their indices in the piece."""
    return {p: [(m.group(), m.start()) for m in TOKEN_RE.finditer(p)] for p in dict.fromkeys(pieces(text))}


def _piece_index(text: str, piece: str) -> int:
    """Index of the first occurrence of ``piece`` as a whole whitespace-separated piece."""
    if piece is text:
        return 0
    n, i = len(piece), text.find(piece)
    while i >= 0:
        if (i == 0 or text[i - 1].isspace()) and (i + n == len(text) or text[i + n].isspace()):
            return i
        i = text.find(piece, i + 1)
    raise ValueError(piece)  # not reached: the piece was taken from the text


def first_tokens(text: str, keep: Callable[[str], bool] | None = None) -> dict[str, int]:
    """Each distinct Latin-script token outside URLs for which ``keep(token)`` is true (every
    token when ``keep`` is None) with the index of its first occurrence, in text order."""
    clean = unmasked(text)
    # A token first occurs in the first occurrence of some piece, and pieces come in the order
    # of their first occurrences: the first piece holding a token gives its first index.
    first: dict[str, tuple[str, int]] = {}
    for piece, found in _tokens_by_piece(clean).items():
        for token, at in found:
            if token not in first and (keep is None or keep(token)):
                first[token] = (piece, at)
    where: dict[str, int] = {}
    for token, (piece, at) in first.items():
        if piece not in where:
            where[piece] = _piece_index(clean, piece)
        first[token] = (piece, where[piece] + at)
    return {token: at for token, (_, at) in first.items()}


_NAME_MARKS = re.compile(r"[0-9+#]")
_ACRONYM_PLURAL = re.compile(r"[A-Z]{2,}s")


@lru_cache(maxsize=4096)
def name_like(token: str) -> bool:
    """A token that is surely a name whatever the language: TensorFlow, GoogLeNet, iOS, DL4J, C++.

    Plain capitalised words (sentence starts, "Linux") and all-caps acronyms (and their plurals:
    GPUs) are not: a translation may add or respell them.
    """
    if _NAME_MARKS.search(token):
        return True
    word = token[:-1] if _ACRONYM_PLURAL.fullmatch(token) else token
    return any(c.isupper() for c in word[1:]) and any(c.islower() for c in word)


@lru_cache(maxsize=MEMO_SIZE)
def _token_set(text: str) -> frozenset[str]:
    # Tokens of the whole text, URLs included (scanned once with the text outside URLs when
    # it has none); each distinct token is lower-cased once.
    found = {token for tokens in _tokens_by_piece(text).values() for token, _ in tokens}
    return frozenset(map(str.lower, found))


def contains_token(text: str, token: str) -> bool:
    """``token`` occurs in ``text`` as a whole token (case-insensitive; a plural is fine: GPUs)."""
    found, t = _token_set(text), token.lower()
    return t in found or (t[-1:].isalpha() and (t + "s" in found or t + "es" in found))


_DIGITS_RE = re.compile(r"[0-9](?<![0-9.].)[0-9]*(?:\.[0-9]+)*")  # (?<![0-9.])[0-9]+(?:\.[0-9]+)*
_THOUSANDS_RE = re.compile(r",(?<=[0-9],)(?=[0-9]{3})")  # (?<=[0-9]),(?=[0-9]{3})


@lru_cache(maxsize=MEMO_SIZE)
def _number_set(text: str) -> frozenset[str]:
    return frozenset(_DIGITS_RE.findall(_THOUSANDS_RE.sub("", text)))


def contains_number(text: str, number: str) -> bool:
    """``number`` occurs in ``text`` as a whole number (letters may touch it: "Torch7")."""
    return number in _number_set(text)


def forget() -> None:
    """Empty the memos of the scanners (the engine calls this when a run ends)."""
    for memoised in (urls, unmasked, numbers, _tokens_by_piece, _token_set, _number_set, _plain, _offsets):
        memoised.cache_clear()


def quoted_spans(text: str, pairs: tuple[tuple[str, str], ...]) -> list[tuple[int, int]]:
    """(start, end) of every quoted span, quotes included, for the given quote pairs."""
    spans = []
    for left, right in pairs:
        i = 0
        while (start := text.find(left, i)) >= 0:
            end = text.find(right, start + 1)
            if end < 0:
                break
            spans.append((start, end + 1))
            i = end + 1
    return spans


def outside(spans: list[tuple[int, int]], index: int) -> bool:
    return not any(a <= index < b for a, b in spans)


def plain(unit: Unit) -> str:
    """The unit's text without its tags; code, math and references as one placeholder each."""
    text = unit.text
    return text if "<" not in text else _plain(text)


@lru_cache(maxsize=MEMO_SIZE)
def _plain(text: str) -> str:
    from pipeline import inline

    return inline.plain(inline.parse(text))


@lru_cache(maxsize=MEMO_SIZE)
def _offsets(text: str) -> tuple[int, ...] | None:
    """For each character of the plain text (and its end), its index in the text with tags;
    None when the tags cannot be walked back (not reached for text the loader accepted)."""
    from pipeline import inline

    out: list[int] = []

    def walk(nodes: list, at: int) -> int:
        for node in nodes:
            if isinstance(node, str):
                if not text.startswith(node, at):
                    raise ValueError(node)
                out.extend(range(at, at + len(node)))
                at += len(node)
            elif isinstance(node, inline.Span):
                at = walk(node.children, text.index(">", node.offset) + 1)
                at = text.index(">", at) + 1  # past the closing tag
            else:
                out.append(node.offset)  # the placeholder stands where the element starts
                end = text.index(">", node.offset) + 1
                if node.tag in ("code", "m"):  # literal content, then the closing tag
                    end = text.index(f"</{node.tag}>", end) + len(node.tag) + 3
                at = end
        return at

    try:
        end = walk(inline.parse(text), 0)
    except ValueError:
        return None
    out.append(end)
    return tuple(out)


def locate(unit: Unit, index: int) -> Position:
    """The file position of character ``index`` of a unit's plain text (see :func:`plain`)."""
    if "<" in unit.text:
        offsets = _offsets(unit.text)
        if offsets is None or index >= len(offsets):
            return unit.pos
        index = offsets[index]
    return locate_text(unit, index)


def locate_text(unit: Unit, index: int) -> Position:
    """The file position of character ``index`` of a unit's text (tags included).

    Exact for a text written on one line, plain or quoted without escapes; otherwise the start
    of the text (the mapping from characters to columns of a folded or escaped scalar is lost).
    """
    node = unit.node.get("text") if isinstance(unit.node, Map) else unit.node
    if not isinstance(node, Scalar) or node.pos.line - 1 != node.end[0]:
        return unit.pos
    width = node.end[1] - (node.pos.column - 1)
    offset = {len(unit.text): 0, len(unit.text) + 2: 1}.get(width)
    if offset is None:
        return unit.pos
    return Position(node.pos.path, node.pos.line, node.pos.column + offset + index)
