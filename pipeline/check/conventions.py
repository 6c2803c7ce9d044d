"""Each language's writing conventions, in one place, keyed by language code.

Rules never branch on a language code: they ask the :class:`Conventions` of the unit's
language what its own script is, which punctuation does not belong in it, whether Han and Latin
text are spaced, how numbers are spelled out and how a glossary term may be inflected. Adding
a language means adding an entry to ``CONVENTIONS`` (a language without one gets the generic
CJK or Latin-script conventions, chosen by :attr:`pipeline.langs.Language.cjk`).

Spacing convention for CJK text (the ``cjk-spacing`` rule): one half-width space between a Han
character and a Latin letter or digit (``使用 Caffe 框架``, ``2014 年``), and no space between
Han or Latin text and full-width punctuation (``Caffe、Torch``, never ``Caffe 、Torch``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, lru_cache

from pipeline import langs

# Han ideographs (CJK unified, extension A, compatibility, extensions B+) and 〇.
HAN = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
# Full-width punctuation: CJK symbols and punctuation (with the ideographic space), full-width
# ASCII forms, CJK compatibility and vertical forms, and the curly double quotes “” that
# Chinese text uses (translations in a Latin script quote with straight quotes).
FULLWIDTH_PUNCT = (
    "\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\ufe10-\ufe1f\ufe30-\ufe4f“”"
)
# Pairs that quote an original title inside a translation: Han characters (and their
# punctuation) are expected there, not untranslated text.
QUOTE_PAIRS: tuple[tuple[str, str], ...] = (('"', '"'), ("“", "”"), ("《", "》"))

_EN_NUMBERS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
               "eleven", "twelve")  # fmt: skip
_ZH_NUMBERS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
               "八": 8, "九": 9, "十": 10}  # fmt: skip


@dataclass(eq=False)
class Conventions:
    code: str
    cjk: bool  # written without spaces between words
    own_script: str  # character class (regex body) of the language's own script; "" for Latin
    foreign_punct: str  # character class of punctuation that never belongs in this language
    halfwidth_in_prose: str  # ASCII marks written full-width next to the own script: ，。；：？！（）
    spaced_scripts: bool  # one space between the own script and Latin letters or digits
    inflected: bool  # glossary terms may appear inflected (English plurals, -ing, -ed)
    number_words: dict[str, int] = field(default_factory=dict)  # spelled-out small numbers

    @property
    def own_script_re(self) -> re.Pattern[str] | None:
        """Runs of the own script (one pattern for every rule: a class of Han ranges is slow
        to compile, and ``pipeline check`` must start fast)."""
        return _compile(f"[{self.own_script}]+") if self.own_script else None

    @property
    def foreign_punct_re(self) -> re.Pattern[str] | None:
        return _compile(f"[{self.foreign_punct}]") if self.foreign_punct else None

    def find_term(self, term: str, text: str) -> list[tuple[int, int]]:
        """(start, end) of every occurrence of a glossary term in ``text``, case-insensitive.

        In an inflected language words match by stem (plural, -ed, -ing), and hyphen and
        space are interchangeable ("feed-forward network" = "feed forward networks") though a
        separator is not optional ("autograd" is not "auto-grad").
        """
        if not self.inflected:
            return _find_plain(term, text)
        return _find_words(term, text)

    def spells(self, number: str, text: str) -> bool:
        """True when ``text`` writes ``number`` out in words (``9`` as ``nine`` or ``九``)."""
        words = [w for w, n in self.number_words.items() if str(n) == number]
        if not words:
            return False
        if self.cjk:
            return any(w in text for w in words)
        return any(re.search(rf"(?<![A-Za-z]){w}(?![A-Za-z])", text, re.IGNORECASE) for w in words)


def cjk(code: str, number_words: dict[str, int] | None = None) -> Conventions:
    """Conventions of a language written in Han characters without spaces between words."""
    return Conventions(
        code,
        cjk=True,
        own_script=HAN,
        foreign_punct="",
        halfwidth_in_prose=",.;:?!()",
        spaced_scripts=True,
        inflected=False,
        number_words=number_words or {},
    )


def latin(code: str, inflected: bool = False, number_words: dict[str, int] | None = None) -> Conventions:
    """Conventions of a language written in the Latin script with spaces between words."""
    return Conventions(
        code,
        cjk=False,
        own_script="",
        foreign_punct=FULLWIDTH_PUNCT,
        halfwidth_in_prose="",
        spaced_scripts=False,
        inflected=inflected,
        number_words=number_words or {},
    )


CONVENTIONS: dict[str, Conventions] = {
    "zh": cjk("zh", number_words=_ZH_NUMBERS),
    "en": latin("en", inflected=True, number_words={w: i for i, w in enumerate(_EN_NUMBERS)}),
}


def for_language(code: str) -> Conventions:
    """The conventions of a language; generic CJK or Latin ones for a language without an entry."""
    if code in CONVENTIONS:
        return CONVENTIONS[code]
    return cjk(code) if langs.get(code).cjk else latin(code)


@cache
def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


# -- glossary terms --------------------------------------------------------------------------
# Matching works on words, not on a regular expression per term: compiling one pattern per
# glossary term costs more than the whole check of a chapter.
_WORD = re.compile(r"[^\W_]+[+#]*|[^\w\s-]|_")  # words, and marks that break a phrase
_VOWELS = set("aeiou")


@lru_cache(maxsize=4096)
def _lower(text: str) -> str:
    return text.lower()


def _find_plain(term: str, text: str) -> list[tuple[int, int]]:
    needle, hay = _lower(term.strip()), _lower(text)
    if needle not in hay:
        return []
    found, i = [], hay.find(needle) if needle else -1
    while i >= 0:
        found.append((i, i + len(needle)))
        i = hay.find(needle, i + len(needle))
    return found


@lru_cache(maxsize=8192)
def stem(word: str) -> str:
    """A crude English stem: enough that "models", "modelling" and "model" compare equal."""
    w = word.lower()
    for suffix in ("'s", "’s"):
        w = w.removesuffix(suffix)
    if len(w) > 4 and w.endswith("ies"):
        w = w[:-3] + "y"
    elif len(w) > 5 and w.endswith("ing"):
        w = _undouble(w[:-3])
    elif len(w) > 4 and w.endswith("ed"):
        w = _undouble(w[:-2])
    elif len(w) > 4 and w.endswith("es") and not w.endswith("ies"):
        w = w[:-2]
    elif len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        w = w[:-1]
    return w[:-1] if len(w) > 3 and w.endswith("e") else w


def _undouble(w: str) -> str:
    if len(w) > 2 and w[-1] == w[-2] and w[-1] not in _VOWELS and w[-1] not in "ls":
        return w[:-1]
    return w


@lru_cache(maxsize=4096)
def _words(text: str) -> tuple[tuple[str, ...], tuple[tuple[int, int], ...], frozenset[str]]:
    """The stems of a text's words ("" for a mark that breaks a phrase: comma, bracket, full
    stop), their spans, and the set of stems for a quick rejection."""
    found = [(m.group(), m.start(), m.end()) for m in _WORD.finditer(text)]
    stems = tuple(stem(w) if w[0].isalnum() else "" for w, _, _ in found)
    return stems, tuple((a, b) for _, a, b in found), frozenset(stems)


def _find_words(term: str, text: str) -> list[tuple[int, int]]:
    key = tuple(w for w in _words(term)[0] if w)
    stems, spans, present = _words(text)
    if not key or not present.issuperset(key):
        return []
    n = len(key)
    return [
        (spans[i][0], spans[i + n - 1][1])
        for i in range(len(stems) - n + 1)
        if stems[i] == key[0] and stems[i : i + n] == key
    ]
