"""How far each translation is: units and words by state, for `pipeline status` and for the
warning an export gives about units not translated yet.

A unit is *untranslated* (empty or absent), *translated* (a text not yet reviewed: no
fingerprint), *stale* (reviewed against an older source text) or *accepted* (reviewed against
the current source text).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from pipeline import langs
from pipeline.model import Book, Unit, fingerprint

STATES = ("accepted", "translated", "stale", "untranslated")


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(a Han or kana character, a word). Compiled when words are first counted: the wide
    character class takes CPython 4 ms to compile, which an export would pay for nothing."""
    han_or_kana = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
    return han_or_kana, re.compile(r"[^\W_]+(?:['’.-][^\W_]+)*")


def state(source: Unit, unit: Unit | None) -> str:
    if unit is None or not unit.text.strip():
        return "untranslated"
    if unit.source is None:
        return "translated"
    return "accepted" if unit.source == fingerprint(source.text) else "stale"


def size(text: str, cjk: bool) -> int:
    """Words of a text, or characters for a language written without spaces (Han, kana)."""
    han_or_kana, word = _patterns()
    if cjk:
        return len(han_or_kana.findall(text)) + len(word.findall(han_or_kana.sub(" ", text)))
    return len(word.findall(text))


def progress(book: Book, words: bool = True) -> list[dict[str, object]]:
    """One row per chapter (and the book's metadata) and translation: units and words by state
    (without ``words``, every word count is 0)."""
    cjk = langs.get(book.source_lang).cjk
    rows = []
    sources: list[tuple[str, Iterable[Unit], dict[str, dict[str, Unit]]]] = []
    if book.source_lang in book.meta:
        meta = {c: {u.id: u for u in m.units()} for c, m in book.meta.items()}
        sources.append(("book", list(book.meta[book.source_lang].units()), meta))
    for key, chapter in sorted(book.chapters[book.source_lang].items()):
        units = {
            c: {u.id: u for u in book.chapters[c][key].units()} for c in book.langs if key in book.chapters[c]
        }
        sources.append((key, list(chapter.units()), units))
    for key, source_units, by_lang in sources:
        for lang in book.langs[1:]:
            theirs = by_lang.get(lang, {})
            counts = {s: 0 for s in STATES}
            counts_words = {s: 0 for s in STATES}
            for unit in source_units:
                s = state(unit, theirs.get(unit.id))
                counts[s] += 1
                if words:
                    counts_words[s] += size(unit.plain, cjk)
            total = sum(counts.values())
            done = counts["accepted"] + counts["translated"]
            rows.append(
                {
                    "chapter": key,
                    "lang": lang,
                    "units": total,
                    **counts,
                    "words": sum(counts_words.values()),
                    "words_by_state": counts_words,
                    "percent": round(100 * done / total) if total else 100,
                }
            )
    return rows


def glossary_gaps(book: Book) -> dict[str, int]:
    """Per translation: how many glossary terms have no form in it."""
    return {lang: sum(1 for t in book.glossary.terms if lang not in t.renderings) for lang in book.langs[1:]}
