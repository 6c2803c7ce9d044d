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
from functools import cache, cached_property, lru_cache
from itertools import accumulate, chain

from pipeline import langs
from pipeline.check.scan import pieces

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


class Conventions:
    """A language's writing conventions (compared by identity).

    A plain class, not a dataclass: `pipeline check` must start fast (see pipeline.record). It
    has no __slots__: cached_property keeps the compiled patterns in the instance's __dict__.
    """

    def __init__(
        self,
        code: str,
        cjk: bool,  # written without spaces between words
        own_script: str,  # character class (regex body) of the language's own script; "" for Latin
        foreign_punct: str,  # character class of punctuation that never belongs in this language
        halfwidth_in_prose: str,  # ASCII marks written full-width next to the own script: ，。；：？！（）
        spaced_scripts: bool,  # one space between the own script and Latin letters or digits
        inflected: bool,  # glossary terms may appear inflected (English plurals, -ing, -ed)
        number_words: dict[str, int] | None = None,  # spelled-out small numbers; {} when None
    ) -> None:
        self.code = code
        self.cjk = cjk
        self.own_script = own_script
        self.foreign_punct = foreign_punct
        self.halfwidth_in_prose = halfwidth_in_prose
        self.spaced_scripts = spaced_scripts
        self.inflected = inflected
        self.number_words: dict[str, int] = {} if number_words is None else number_words

    # Patterns are compiled on first use and kept on the instance: rules ask for them once
    # per unit, hundreds of thousands of times in a large book.
    @cached_property
    def own_script_re(self) -> re.Pattern[str] | None:
        """Runs of the own script (one pattern for every rule: a class of Han ranges is slow
        to compile, and ``pipeline check`` must start fast)."""
        return compiled(f"[{self.own_script}]+") if self.own_script else None

    @cached_property
    def foreign_punct_re(self) -> re.Pattern[str] | None:
        return compiled(f"[{self.foreign_punct}]") if self.foreign_punct else None

    @cached_property
    def halfwidth_in_prose_re(self) -> re.Pattern[str] | None:
        """Any of the ASCII marks written full-width in prose."""
        return compiled(f"[{re.escape(self.halfwidth_in_prose)}]") if self.halfwidth_in_prose else None

    def find_term(self, term: str, text: str) -> list[tuple[int, int]]:
        """(start, end) of every occurrence of a glossary term in ``text``, case-insensitive.

        In an inflected language words match by stem (plural, -ed, -ing), and hyphen and
        space are interchangeable ("feed-forward network" = "feed forward networks") though a
        separator is not optional ("autograd" is not "auto-grad").
        """
        return self.terms(text).spans(term)

    def terms(self, text: str) -> PlainText | WordText:
        """``text`` prepared once for finding any number of glossary terms in it."""
        return _word_text(text) if self.inflected else _plain_text(text)

    def lead(self, term: str) -> str:
        """What a text prepared by :meth:`terms` must hold in its ``leads`` for ``term`` to occur
        there ("" for a term that occurs nowhere): a glossary is indexed by it."""
        return WordText.lead(term) if self.inflected else PlainText.lead(term)

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
def compiled(pattern: str) -> re.Pattern[str]:
    """``pattern`` compiled on first use, once: classes of Han ranges and full-width punctuation
    are slow to compile, and ``pipeline check`` must start fast."""
    return re.compile(pattern)


# -- glossary terms --------------------------------------------------------------------------
# Matching works on words, not on a regular expression per term: compiling one pattern per
# glossary term costs more than the whole check of a chapter. Each text is prepared once per
# run (lower-cased, or split into the stems of its words) and every term is then
# looked up in it, instead of scanning the whole text again for each term: a 10 MB unit is
# searched for every term of the glossary.
_WORD = re.compile(r"[^\W_]+[+#]*|[^\w\s-]|_")  # words, and marks that break a phrase
# The same words, captured by split(): [gap, word, gap, word, ..., gap] with no match objects.
_WORD_SPLIT = re.compile(f"({_WORD.pattern})")
_VOWELS = set("aeiou")
# Prepared texts are memoised like the scanners of pipeline.check.scan, and emptied with them.
MEMO_SIZE = 1 << 16


@lru_cache(maxsize=4096)
def _needle(term: str) -> str:
    return term.strip().lower()


class PlainText:
    """A text in which terms are found as written, case-insensitively (CJK)."""

    __slots__ = ("hay", "leads")

    def __init__(self, text: str) -> None:
        self.hay = text.lower()
        self.leads = frozenset(self.hay)  # a term can occur only if its lead (first character) does

    @staticmethod
    def lead(term: str) -> str:
        """What must be in :attr:`leads` for the term to occur ("" for a term that never does)."""
        return _needle(term)[:1]

    def has(self, term: str) -> bool:
        needle = _needle(term)
        return bool(needle) and needle in self.hay

    def spans(self, term: str) -> list[tuple[int, int]]:
        """Every occurrence, not overlapping each other, from the left."""
        needle, hay = _needle(term), self.hay
        if not self.has(term):
            return []
        found, i = [], hay.find(needle)
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


def _stems(words: list[str]) -> list[str]:
    """The stem of each word ("" for a mark that breaks a phrase: comma, bracket, full stop).
    Each distinct word is stemmed once: a long text repeats the same words."""
    of = {w: stem(w) if w[0].isalnum() else "" for w in set(words)}
    return list(map(of.__getitem__, words))


@lru_cache(maxsize=4096)
def _key(term: str) -> tuple[str, ...]:
    """A term's stems, marks left out."""
    return tuple(s for s in _stems(_WORD.findall(term)) if s)


class WordText:
    """A text in which terms are found by the stems of their words (English)."""

    __slots__ = ("_ends", "_pieces", "_stems", "_stems_of", "leads", "text")

    def __init__(self, text: str) -> None:
        # Each distinct piece of a long text is split into words once (see scan.pieces): words
        # never span whitespace.
        self.text = text
        self._pieces = pieces(text)
        self._stems_of = {p: _stems(_WORD.findall(p)) for p in set(self._pieces)}
        # a term can occur only if its lead (first stem) does
        self.leads = frozenset(chain.from_iterable(self._stems_of.values()))
        self._stems: list[str] | None = None  # the stem of every word, on first need
        self._ends: list[int] | None = None  # where each part of _WORD_SPLIT.split(text) ends

    @property
    def stems(self) -> list[str]:
        """The stem of each word in turn ("" for a mark that breaks a phrase)."""
        if self._stems is None:
            self._stems = list(chain.from_iterable(map(self._stems_of.__getitem__, self._pieces)))
        return self._stems

    @staticmethod
    def lead(term: str) -> str:
        """What must be in :attr:`leads` for the term to occur ("" for a term that never does)."""
        key = _key(term)
        return key[0] if key else ""

    def _starts(self, key: tuple[str, ...], first_only: bool = False) -> list[int]:
        """Index of every word where the phrase ``key`` starts (occurrences may overlap)."""
        if not key or not self.leads.issuperset(key):
            return []
        stems, n, rest = self.stems, len(key), list(key[1:])
        found: list[int] = []
        i = -1
        try:
            while True:
                i = stems.index(key[0], i + 1)  # the next candidate, found without a Python loop
                if stems[i + 1 : i + n] == rest:
                    found.append(i)
                    if first_only:
                        break
        except ValueError:  # no further candidate
            pass
        return found

    def has(self, term: str) -> bool:
        return bool(self._starts(_key(term), first_only=True))

    def spans(self, term: str) -> list[tuple[int, int]]:
        key = _key(term)
        starts = self._starts(key)
        if not starts:
            return []
        if self._ends is None:  # positions are needed for few texts: found on first need
            self._ends = list(accumulate(map(len, _WORD_SPLIT.split(self.text))))
        ends, last = self._ends, 2 * (len(key) - 1) + 1  # word j is parts[2j + 1]
        return [(ends[2 * i], ends[2 * i + last]) for i in starts]


@lru_cache(maxsize=MEMO_SIZE)
def _plain_text(text: str) -> PlainText:
    return PlainText(text)


@lru_cache(maxsize=MEMO_SIZE)
def _word_text(text: str) -> WordText:
    return WordText(text)


def forget() -> None:
    """Empty the memos of prepared texts (the engine calls this when a run ends)."""
    _plain_text.cache_clear()
    _word_text.cache_clear()
