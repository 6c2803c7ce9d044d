"""UI words, dates and lists for one language: gettext catalogs and Babel's locale data.

Handouts never spell out a UI word or a date format themselves; they ask a :class:`Labels`.
The catalogs live in ``pipeline/locales/<locale>/LC_MESSAGES/pipeline.po`` (compiled ``.mo``
beside them) and are managed with ``pybabel`` (see the README, "UI words").
"""

from __future__ import annotations

import os
from datetime import date
from functools import cache

from babel import Locale
from babel.dates import format_date
from babel.lists import format_list
from babel.support import Translations

from pipeline import langs

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
        self.locale = Locale.parse(self.language.locale)
        # Explicit fallbacks: Translations.load silently returns the untranslated text when
        # the catalog is stored under a less specific name (zh_Hans for zh_Hans_CN).
        self.translations = Translations.load(LOCALES_DIR, self.language.catalog_locales, DOMAIN)

    @property
    def code(self) -> str:
        return self.language.code

    def __call__(self, message: str, **values: object) -> str:
        """Translate a UI message and fill in its %(name)s placeholders."""
        text = self.translations.gettext(message)
        return text % values if values else text

    def has_translation(self, message: str) -> bool:
        return self.translations._catalog.get(message) not in (None, "")  # type: ignore[attr-defined]

    def date(self, value: date) -> str:
        return self.typeset(format_date(value, "long", locale=self.locale))

    def list(self, items: list[str] | tuple[str, ...]) -> str:
        return self.typeset(format_list(list(items), locale=self.locale))

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
        other = Locale.parse(langs.get(code).locale)
        name = self.locale.languages.get(other.language, other.language)
        return name[:1].upper() + name[1:]


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
