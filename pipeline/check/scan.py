"""Language-neutral text scanning shared by the rules: URLs, numbers, names, quoted spans.

Scanners return matches with their index in the unit's text so that findings can point at the
exact column (see :func:`locate`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline.errors import Position
from pipeline.model import Unit
from pipeline.yamlsrc import Map, Scalar

URL_RE = re.compile(r"https?://[^\s<>\"'“”‘’()（）\[\]，。；、《》]+")
EMAIL_RE = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# A number is digits not glued to letters: "2014年" and "Torch 7" have one, "DL4J" has none.
# Thousands separators are dropped before comparing ("1,000" = "1000"); versions keep dots.
NUMBER_RE = re.compile(r"(?<![A-Za-z0-9_.])(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)*(?![A-Za-z0-9_])")
# A Latin-script token: a word, an acronym, or a name such as C++, C#, Node.js, v2.0, 3D, DL4J.
TOKEN_RE = re.compile(r"(?<![A-Za-z0-9])[0-9]*[A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z0-9]+)*[+#]*")
_TRAILING = ".,;:!?)]}'\""


# (matched text, index in the unit's text): a tuple, since scanners make thousands of them
Match = tuple[str, int]


# Scanners are memoised: several rules scan the same text, and the check must stay fast.
@lru_cache(maxsize=4096)
def urls(text: str) -> tuple[Match, ...]:
    """URLs and e-mail addresses, trailing sentence punctuation excluded."""
    if "@" not in text and "://" not in text:
        return ()
    found = []
    for m in URL_RE.finditer(text):
        found.append((m.group().rstrip(_TRAILING), m.start()))
    for m in EMAIL_RE.finditer(text):
        found.append((m.group().rstrip(_TRAILING), m.start()))
    return tuple(sorted(found, key=lambda m: m[1]))


def mask(text: str, spans: tuple[Match, ...]) -> str:
    """``text`` with the spans blanked out (same length, so indices stay valid)."""
    if not spans:
        return text
    chars = list(text)
    for found, start in spans:
        chars[start : start + len(found)] = " " * len(found)
    return "".join(chars)


@lru_cache(maxsize=4096)
def numbers(text: str) -> tuple[Match, ...]:
    """Numbers outside URLs, thousands separators removed."""
    clean = mask(text, urls(text))
    return tuple((m.group().replace(",", ""), m.start()) for m in NUMBER_RE.finditer(clean))


@lru_cache(maxsize=4096)
def tokens(text: str) -> tuple[Match, ...]:
    """Latin-script tokens outside URLs."""
    clean = mask(text, urls(text))
    return tuple((m.group(), m.start()) for m in TOKEN_RE.finditer(clean))


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


@lru_cache(maxsize=4096)
def _token_set(text: str) -> frozenset[str]:
    return frozenset(m.group().lower() for m in TOKEN_RE.finditer(text))


def contains_token(text: str, token: str) -> bool:
    """``token`` occurs in ``text`` as a whole token (case-insensitive; a plural is fine: GPUs)."""
    found, t = _token_set(text), token.lower()
    return t in found or (t[-1:].isalpha() and (t + "s" in found or t + "es" in found))


_DIGITS_RE = re.compile(r"(?<![0-9.])[0-9]+(?:\.[0-9]+)*")


@lru_cache(maxsize=4096)
def _number_set(text: str) -> frozenset[str]:
    flat = re.sub(r"(?<=[0-9]),(?=[0-9]{3})", "", text)
    return frozenset(m.group() for m in _DIGITS_RE.finditer(flat))


def contains_number(text: str, number: str) -> bool:
    """``number`` occurs in ``text`` as a whole number (letters may touch it: "Torch7")."""
    return number in _number_set(text)


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


def locate(unit: Unit, index: int) -> Position:
    """The file position of character ``index`` of a unit's text.

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
