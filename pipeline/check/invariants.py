"""Invariants: what a translation keeps as written. Numbers, years, versions, URLs, e-mail
addresses and Latin-script names found in a unit must appear in its twin.

Direction matters for names. From a source written in a CJK script, every Latin-script token
(Caffe, GoogLeNet, C++, CUDA, Mac OS X) must reappear in the translation (case-insensitive, a
plural allowed: GPU → GPUs). From the translation back to the source only *name-like* tokens
must: mixed case (TensorFlow, GoogLeNet, iOS) or with digits, + or # (DL4J, C++). Capitalised
words and all-caps acronyms need not, since a translation adds them ("GPU" for 卡). Numbers,
URLs and e-mail addresses must appear both ways; a small number may be spelled out
("9" as "nine" or "九"). Units are read without their tags (code, math and references are
compared by the markup rules, link targets by markup-links).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pipeline.check import scan
from pipeline.check.catalog import Hit, rule
from pipeline.check.context import Pair
from pipeline.check.conventions import compiled
from pipeline.model import Unit

SKIP = ("empty", "unchanged", "untranslated")


def _first(matches: Iterable[scan.Match]) -> dict[str, int]:
    """Each distinct matched text with the index of its first occurrence."""
    seen: dict[str, int] = {}
    for found, start in matches:
        seen.setdefault(found, start)
    return seen


def _hit(what: str, word: str, where: str, target: Unit, source: Unit, at: int, in_source: bool) -> Hit:
    """A finding on the target unit; ``at`` is where the word is (in the source or the target)."""
    message = f"{what} {word!r} is not in the {where} text"
    if in_source:  # missing from the target: point at the target unit, twin at the word
        return Hit(message, target.pos, target, twin=scan.locate(source, at), twin_unit=source)
    return Hit(message, scan.locate(target, at), target, twin=source.pos, twin_unit=source)


@rule(
    "numbers",
    "error",
    "a number, year or version in one twin is missing from the other, or is written in full-width digits",
    scope="twins",
    unless=SKIP,
)
def numbers(source: Unit, target: Unit, pair: Pair) -> Iterator[Hit]:
    s, t = pair.source, pair.target
    # full-width digits (２０１２) are reported as such, and compared as the digits they stand for;
    # a source unit's are reported once, with its first translation
    s_plain, t_plain = scan.plain(source), scan.plain(target)
    s_text, t_text = _ascii_digits(s_plain), _ascii_digits(t_plain)
    if s_text is not s_plain and pair.run.book.langs[1:2] == [t.lang]:
        yield from _fullwidth_digits(source, target)
    if t_text is not t_plain:
        yield from _fullwidth_digits(target, source)
    for number, at in _first(scan.numbers(s_text)).items():
        if not scan.contains_number(t_text, number) and not t.conv.spells(number, t_text):
            yield _hit(f"{s.lang} number", number, t.lang, target, source, at, in_source=True)
    for number, at in _first(scan.numbers(t_text)).items():
        if not scan.contains_number(s_text, number) and not s.conv.spells(number, s_text):
            yield _hit("number", number, s.lang, target, source, at, in_source=False)


_ASCII_DIGITS = {0xFF10 + d: 0x30 + d for d in range(10)}
_FULLWIDTH_DIGITS = "０１２３４５６７８９"


def _ascii_digits(text: str) -> str:
    """``text`` with full-width digits written as ASCII ones (``text`` itself when it has none)."""
    # the usual case, told without a copy or a Python loop over the characters
    if text.isascii() or not any(digit in text for digit in _FULLWIDTH_DIGITS):
        return text
    return text.translate(_ASCII_DIGITS)


def _fullwidth_digits(unit: Unit, twin: Unit) -> Iterator[Hit]:
    """A finding at each run of full-width digits (２０１２) in ``unit``, saying what to write."""
    for m in compiled("[\uff10-\uff19]+").finditer(scan.plain(unit)):
        digits = m.group()
        message = f"full-width digits {digits!r}: write {digits.translate(_ASCII_DIGITS)}"
        yield Hit(message, scan.locate(unit, m.start()), unit, twin=twin.pos, twin_unit=twin)


@rule(
    "urls",
    "error",
    "a URL or e-mail address in one twin is missing from the other",
    scope="twins",
    unless=SKIP,
)
def urls(source: Unit, target: Unit, pair: Pair) -> Iterator[Hit]:
    s, t = pair.source, pair.target
    s_urls, t_urls = _first(scan.urls(scan.plain(source))), _first(scan.urls(scan.plain(target)))
    for url, at in s_urls.items():
        if url not in t_urls:
            yield _hit(f"{s.lang} address", url, t.lang, target, source, at, in_source=True)
    for url, at in t_urls.items():
        if url not in s_urls:
            yield _hit("address", url, s.lang, target, source, at, in_source=False)


@rule(
    "names",
    "error",
    "a Latin-script token of a CJK source (Caffe, Mac OS X), or a name-like token of either twin "
    "(TensorFlow, DL4J, C++), is missing from the other",
    scope="twins",
    unless=SKIP,
)
def names(source: Unit, target: Unit, pair: Pair) -> Iterator[Hit]:
    s, t = pair.source, pair.target
    every = s.conv.cjk  # in CJK text every Latin-script token is a name
    s_text, t_text = scan.plain(source), scan.plain(target)
    s_tokens = scan.first_tokens(s_text, None if every else scan.name_like)
    t_tokens = scan.first_tokens(t_text, scan.name_like)
    reported: set[str] = set()
    for token, at in s_tokens.items():
        if token.lower() not in reported and not scan.contains_token(t_text, token):
            reported.add(token.lower())
            yield _hit(f"{s.lang} name", token, t.lang, target, source, at, in_source=True)
    for token, at in t_tokens.items():
        if token.lower() not in reported and not scan.contains_token(s_text, token):
            reported.add(token.lower())
            yield _hit("name", token, s.lang, target, source, at, in_source=False)
