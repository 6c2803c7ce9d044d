"""Typography: punctuation that belongs to the unit's language, clean spacing, balanced pairs.

Units are read without their tags (see :func:`pipeline.check.scan.plain`): nothing inside
<code> or <m> is reported, and the placeholder that stands for code, math and references needs
no space and is no punctuation. Which punctuation is foreign, which ASCII marks must be
full-width in prose and whether Han and Latin text are spaced all come from
:mod:`pipeline.check.conventions`; the spacing convention is documented there.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipeline.check import scan
from pipeline.check.catalog import Hit, rule
from pipeline.check.context import UnitContext
from pipeline.check.conventions import FULLWIDTH_PUNCT, QUOTE_PAIRS, compiled, for_language
from pipeline.model import Unit

PAIRS = {"(": ")", "[": "]", "{": "}", "（": "）", "【": "】", "《": "》", "〈": "〉", "「": "」", "『": "』",
         "“": "”"}  # fmt: skip
CLOSERS = {v: k for k, v in PAIRS.items()}
# Rules find the few characters they look at with a regular expression rather than a Python
# loop over every character (seconds on a 10 MB unit).
_BRACKET_RE = re.compile("[" + re.escape("".join(PAIRS) + "".join(CLOSERS)) + "]")
_BAD_SPACE_RE = re.compile(r"[ \u3000]{2,}|[\t\n\r\f\v]")
_SPACE_BY_PUNCT = rf" +(?=[{FULLWIDTH_PUNCT}])|(?<=[{FULLWIDTH_PUNCT}]) +"  # compiled on first use
# what _BAD_SPACE_RE needs to find anything: in a long text, substring tests are far faster
_BAD_SPACES = ("  ", " \u3000", "\u3000 ", "\u3000\u3000", "\t", "\n", "\r", "\f", "\v")


def _hit(unit: Unit, index: int, message: str) -> Hit:
    return Hit(message, scan.locate(unit, index), unit=unit)


# What to write instead of full-width punctuation in a language that does not use it, where
# NFKC does not say (it maps full-width ASCII forms, ，→, and （→( , but not CJK punctuation)
_HALFWIDTH = {"、": ",", "。": ".", "“": '"', "”": '"', "‘": "'", "’": "'", "《": '"', "》": '"', "「": '"',
              "」": '"', "『": '"', "』": '"', "【": "[", "】": "]", "〈": "<", "〉": ">", "〔": "(",
              "〕": ")", "～": "~", "〜": "~", "　": " "}  # fmt: skip
# and the full-width form of ASCII marks in prose written in Han characters
_FULLWIDTH = {",": "，", ".": "。", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}


def halfwidth_of(ch: str) -> str | None:
    """The ASCII character to write instead of full-width ``ch`` in a Latin-script text."""
    if ch in _HALFWIDTH:
        return _HALFWIDTH[ch]
    import unicodedata  # only when a finding is reported

    folded = unicodedata.normalize("NFKC", ch)
    return folded if folded != ch and folded.isascii() else None


def _quoted_originals(unit: Unit, ctx: UnitContext) -> list[tuple[int, int]]:
    """Quoted spans holding text in the source's script: an original title, written with its
    own punctuation and title marks (《解析深度学习——卷积神经网络原理与视觉实践》)."""
    own = for_language(ctx.source_lang).own_script_re
    if own is None or ctx.edition.lang == ctx.source_lang:
        return []
    text = scan.plain(unit)
    spans = scan.quoted_spans(text, QUOTE_PAIRS)
    return [(a, b) for a, b in spans if own.search(text, a, b)]


@rule(
    "fullwidth-punct",
    "error",
    "full-width punctuation (，。；：（）“” …) in a language that does not use it",
    scope="unit",
    unless=("empty", "unchanged", "untranslated"),
)
def fullwidth_punct(unit: Unit, ctx: UnitContext) -> Iterator[Hit]:
    foreign = ctx.conv.foreign_punct_re
    if foreign is None:
        return
    quoted: list[tuple[int, int]] | None = None  # found only when there is something to excuse
    for m in foreign.finditer(scan.plain(unit)):
        if quoted is None:
            quoted = _quoted_originals(unit, ctx)
        if scan.outside(quoted, m.start()):
            ch = m.group()
            instead = halfwidth_of(ch)
            fix = f"; write {instead!r}" if instead else "; write its ASCII form"
            yield _hit(
                unit, m.start(), f"full-width {ch!r} (U+{ord(ch):04X}) in {ctx.edition.lang} text{fix}"
            )


def _neighbours(text: str, i: int) -> tuple[str, str]:
    """The nearest non-space characters before and after index ``i``."""
    # a walk over the spaces, not text[:i].rstrip(): that copies the text for every mark
    j = i - 1
    while j >= 0 and text[j].isspace():
        j -= 1
    k = i + 1
    while k < len(text) and text[k].isspace():
        k += 1
    return text[j] if j >= 0 else "", text[k : k + 1]


@rule(
    "halfwidth-punct",
    "error",
    "half-width sentence punctuation (, . ; : ? ! and parentheses) next to CJK text",
    scope="unit",
    unless=("empty",),
)
def halfwidth_punct(unit: Unit, ctx: UnitContext) -> Iterator[Hit]:
    own, marks = ctx.conv.own_script_re, ctx.conv.halfwidth_in_prose_re
    if own is None or marks is None:
        return
    text = scan.unmasked(scan.plain(unit))
    last = len(text.rstrip()) - 1
    for m in marks.finditer(text):
        i, ch = m.start(), m.group()
        before, after = _neighbours(text, i)
        if ch in ".,:" and before.isdigit() and after.isdigit():
            continue  # 1.5, 1,000, 10:30
        next_to_own = bool(own.match(before or " ") or own.match(after or " "))
        ends_prose = i == last and ch in ".?!" and own.search(text) is not None
        if next_to_own or ends_prose:
            yield _hit(unit, i, f"half-width {ch!r} in {ctx.edition.lang} prose; write {_FULLWIDTH[ch]!r}")


@rule(
    "whitespace",
    "error",
    "leading, trailing or doubled spaces, tabs or line breaks inside a unit",
    scope="unit",
    unless=("empty",),
)
def whitespace(unit: Unit, ctx: UnitContext) -> Iterator[Hit]:
    text = scan.plain(unit)
    # (str.strip() strips exactly the characters for which str.isspace() is true)
    start, end = 0, len(text)
    if text[:1].isspace():
        start = len(text) - len(text.lstrip())
        yield _hit(unit, 0, "leading whitespace; remove it")
    if text[-1:].isspace():
        end = len(text.rstrip())
        yield _hit(unit, end, "trailing whitespace; remove it")
    if len(text) > scan.LONG_TEXT and not any(bad in text for bad in _BAD_SPACES):
        return
    # within the stripped text, without copying it: the pattern looks at nothing around a match
    for m in _BAD_SPACE_RE.finditer(text, start, max(start, end)):
        what = (
            "doubled space; write one"
            if m.group()[0] in " \u3000"
            else f"{m.group()[0]!r} inside the text; write a space"
        )
        yield _hit(unit, m.start(), what)


@rule("brackets", "error", "unbalanced brackets or quotes", scope="unit", unless=("empty",))
def brackets(unit: Unit, ctx: UnitContext) -> Iterator[Hit]:
    text = scan.unmasked(scan.plain(unit))  # URLs may hold parentheses
    stack: list[tuple[str, int]] = []
    for m in _BRACKET_RE.finditer(text):
        ch, i = m.group(), m.start()
        if ch in PAIRS:
            stack.append((ch, i))
        elif not stack or stack[-1][0] != CLOSERS[ch]:
            yield _hit(unit, i, f"{ch!r} closes nothing; remove it or open it with {CLOSERS[ch]!r}")
            return
        else:
            stack.pop()
    if stack:
        ch, i = stack[-1]
        yield _hit(unit, i, f"{ch!r} is never closed; close it with {PAIRS[ch]!r}")
        return
    if text.count('"') % 2:
        yield _hit(unit, text.rfind('"'), 'unbalanced straight quote ("); add the missing one or remove this')


@rule(
    "cjk-spacing",
    "warning",
    "CJK spacing: one space between Han and Latin letters or digits, none around full-width punctuation",
    scope="unit",
    unless=("empty",),
)
def cjk_spacing(unit: Unit, ctx: UnitContext) -> Iterator[Hit]:
    own = ctx.conv.own_script_re
    if own is None or not ctx.conv.spaced_scripts:
        return
    text = scan.unmasked(scan.plain(unit))
    for m in own.finditer(text):  # runs of Han: look at what touches each end
        j = m.start()
        while j > 0 and text[j - 1] in "+#":  # text[:j].rstrip("+#"), without copying the text
            j -= 1
        before = text[j - 1] if j > 0 else ""
        if before.isascii() and before.isalnum():
            yield _hit(unit, m.start(), "no space between Latin text and Han; write one")
        after = text[m.end() : m.end() + 1]
        if after.isascii() and after.isalnum():
            yield _hit(unit, m.end(), "no space between Han and Latin text; write one")
    for m in compiled(_SPACE_BY_PUNCT).finditer(text):
        yield _hit(unit, m.start(), "space next to full-width punctuation; remove it")
