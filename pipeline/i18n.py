"""UI words, dates and lists for one language: gettext catalogs and Babel's locale data.

Handouts never spell out a UI word or a date format themselves; they ask a :class:`Labels`.
The catalogs live in ``pipeline/locales/<locale>/LC_MESSAGES/pipeline.po`` (compiled ``.mo``
beside them) and are managed with ``pybabel`` (see the README, "UI words").
"""

from __future__ import annotations

import gettext
import json
import os
from collections.abc import Callable
from datetime import date
from functools import cache

from pipeline import langs, usercache
from pipeline.atomic import write_bytes_atomic

# Han characters (unified, extension A, compatibility), tested by ranges: as a regex character
# class they would take CPython 3 ms to compile at every export's start
_HAN = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))


def _han(char: str) -> bool:
    code = ord(char)
    return any(lo <= code <= hi for lo, hi in _HAN)


def space_han_latin(text: str) -> str:
    """``text`` with one space put between a Han character and a Latin letter or digit, in
    either order (also after the "+" of "C++" and the "#" of "C#")."""
    out: list[str] = []
    before = ""
    for char in text:
        if before and (
            (_han(before) and char.isascii() and char.isalnum())
            or (_han(char) and before.isascii() and (before.isalnum() or before in "+#"))
        ):
            out.append(" ")
        out.append(char)
        before = char
    return "".join(out)


LOCALES_DIR = os.path.join(os.path.dirname(__file__), "locales")
DOMAIN = "pipeline"


def N_(message: str) -> str:
    """Mark a string for extraction by pybabel without translating it yet."""
    return message


class Labels:
    """The UI words and the locale conventions of one handout language."""

    def __init__(self, code: str) -> None:
        self.language = langs.get(code)
        # The catalog of the most specific of the language's locales that has one (zh_Hans
        # serves zh_Hans_CN), found as Babel's Translations.load finds it; English words without.
        found = gettext.find(DOMAIN, LOCALES_DIR, self.language.catalog_locales)
        self.translations: gettext.NullTranslations = gettext.NullTranslations()
        if found:
            with open(found, "rb") as fh:
                self.translations = gettext.GNUTranslations(fh)
        self.answers = BabelAnswers(self.language.locale)

    @property
    def code(self) -> str:
        return self.language.code

    def __call__(self, message: str, **values: object) -> str:
        """Translate a UI message and fill in its %(name)s placeholders."""
        text = self.translations.gettext(message)
        return text % values if values else text

    def has_translation(self, message: str) -> bool:
        return getattr(self.translations, "_catalog", {}).get(message) not in (None, "")

    def date(self, value: date) -> str:
        def ask() -> str:
            from babel.dates import format_date

            return format_date(value, "long", locale=self.language.locale)

        return self.typeset(self.answers.get(["date", value.isoformat()], ask))

    def list(self, items: list[str] | tuple[str, ...]) -> str:
        def ask() -> str:
            from babel.lists import format_list

            return format_list(list(items), locale=self.language.locale)

        return self.typeset(self.answers.get(["list", *items], ask))

    def typeset(self, text: str) -> str:
        """Text the toolkit generates follows the sources' own conventions: in a language
        written without spaces, one space between a Han character and a Latin letter or digit
        (CLDR writes "2026年11月28日" and "Linux、Mac OS X和Windows"; the sources, and the
        checker's cjk-spacing rule, want "2026 年 11 月 28 日" and "Mac OS X 和 Windows")."""
        if not self.language.script.spaced_han:
            return text
        return space_han_latin(text)

    def language_name(self, code: str) -> str:
        """The name of a language in this handout's language ("Chinese", "英语")."""
        other = langs.get(code).locale.split("_")[0]  # zh_Hans_CN -> zh

        def ask() -> str:
            from babel import Locale

            return Locale.parse(self.language.locale).languages.get(other, other)

        name = self.answers.get(["language", other], ask)
        return name[:1].upper() + name[1:]


class BabelAnswers:
    """Babel's answers for one locale (a date, a list, a language's name), kept between runs.

    The first question costs Babel a load of the locale's CLDR data, merged into its parents'
    (7 to 12 ms, as long as building a chapter's layout), and its modules (5 ms); a handout asks
    only a date, a few lists and a name, the same ones every time. So each answer is kept, by
    locale and Babel version, in a small JSON file of the user's cache (see pipeline.usercache),
    and Babel is asked only what it was never asked. An answer read back is Babel's own, so the
    handouts are the same with or without the cache; a file that cannot be read is ignored.
    """

    def __init__(self, locale: str) -> None:
        self.path = os.path.join(usercache.folder("babel"), f"{_babel_version()}-{locale}.json")
        self.known: dict[str, str] = {}
        try:
            with open(self.path, encoding="utf-8") as fh:
                kept = json.load(fh)
            if isinstance(kept, dict) and all(isinstance(v, str) for v in kept.values()):
                self.known = kept
        except (OSError, ValueError):
            pass

    def get(self, question: list[str], ask: Callable[[], str]) -> str:
        key = json.dumps(question, ensure_ascii=False)
        answer = self.known.get(key)
        if answer is None:
            answer = self.known[key] = ask()
            data = json.dumps(self.known, ensure_ascii=False, sort_keys=True, indent=0)
            try:  # kept for the next run; a lost cache only means asking Babel again
                os.makedirs(os.path.dirname(self.path), exist_ok=True)
                write_bytes_atomic(self.path, data.encode("utf-8"), sync=False)
            except OSError:
                pass
        return answer


@cache
def _babel_version() -> str:
    """Which Babel answers: a hash of its package's __init__.py, which holds its version, read
    without importing Babel (importlib.metadata would cost more than the answers save)."""
    import hashlib
    import importlib.util

    spec = importlib.util.find_spec("babel")
    try:
        with open(spec.origin or "", "rb") as fh:  # type: ignore[union-attr]
            return hashlib.sha256(fh.read()).hexdigest()[:16]
    except (OSError, AttributeError):  # no Babel source to read: a key that changes every run
        return os.urandom(8).hex()


def catalog_of(code: str) -> str | None:
    """The catalog folder that serves a language (pipeline/locales/<locale>), or None."""
    for name in langs.get(code).catalog_locales:
        if os.path.exists(os.path.join(LOCALES_DIR, name, "LC_MESSAGES", f"{DOMAIN}.mo")):
            return name
    return None


def missing_catalog_warning(code: str) -> str | None:
    """The warning for a language whose UI words would be printed in English, or None."""
    if catalog_of(code) is not None:
        return None
    lang = langs.get(code)
    return (
        f"no UI catalog for {code!r} (pipeline/locales/{lang.catalog_locales[-1]}): its handouts print "
        "their labels in English; add one as the README says ('UI words', make catalogs)"
    )


@cache
def labels(code: str) -> Labels:
    return Labels(code)
