"""Readable, stable, unique ids for imported blocks and units.

An id comes, in this order, from: an anchor or bookmark the manuscript carries (our own
handouts carry ``sec-operation--sliding``, ``tbl-comparison--layers``, ``fig-…`` and ``eq-…``,
so sections, tables, figures and equations get their original ids back); the first significant
Latin words of the heading, caption or text (``kernel-size``); else the block's kind
(``section``, ``para``, ``list``, ``table``...). A repeated id gets ``-2``, ``-3``. The same
manuscript always gives the same ids. Chinese text has no Latin words to take, so a Chinese
manuscript gets mostly kind-based ids: rename them freely before translating (ids only need to
be the same in every edition).
"""

from __future__ import annotations

import re

from pipeline import inline
from pipeline.inline import ID_RE

# words that name nothing: left out of ids
STOPWORDS = frozenset(
    re.findall(
        r"\w+",
        "a an the of and or to in on for with is are be by as at this that it its from into how what "
        "which we you our your their there these those was were not no has have",
    )
)
# keys the format gives a meaning to (unit fields) or reserves at the top of a body
RESERVED = frozenset(("text", "source", "comment", "ignore", "title", "footnotes"))
MAX_WORDS = 3
MAX_LEN = 32


def slug(text: str, words: int = MAX_WORDS) -> str:
    """Up to ``words`` significant Latin words of ``text``, lower-case, joined by hyphens."""
    # numbers alone make poor names ("32-32-3"): a word needs a letter
    found = [w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOPWORDS and not w.isdigit()]
    out = ""
    for word in found[:words]:
        if len(out) + len(word) + 1 > MAX_LEN:
            break
        out = f"{out}-{word}" if out else word
    return out


def text_slug(text: str, fallback: str, words: int = MAX_WORDS) -> str:
    return slug(inline.text_of(inline.parse(text)) if "<" in text else text, words) or fallback


def from_anchor(anchor: str | None) -> str | None:
    """The last part of the id an anchor of our handouts was made from, when it is one."""
    if not anchor:
        return None
    m = re.fullmatch(r"(?:sec|tbl|fig|eq)[-_](.+)", anchor)
    if m is None:
        return None
    rest = m.group(1)
    rest = rest.replace("--", ".") if "-" in rest else rest.replace("__", ".").replace("_", "-")
    last = rest.rsplit(".", 1)[-1]
    return last if ID_RE.fullmatch(rest) else None


class Namer:
    """Unique keys within one mapping."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def take(self, wanted: str) -> str:
        base = wanted if re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", wanted or "") else "x"
        key = f"{base}-1" if base in RESERVED else base
        n = 2
        while key in self.used:
            key = f"{base}-{n}"
            n += 1
        self.used.add(key)
        return key
