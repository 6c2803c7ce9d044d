"""What the toolkit knows about each language it can publish in: everything comes from CLDR.

Any language that CLDR (through Babel) knows can be a source or a translation, named by its
BCP 47 code as the sources folder is named (``zh``, ``zh-Hant``, ``ja``, ``ko``, ``fr``, ``de``).
Its locale data (dates, lists, plural rules, its own name) come from Babel; how it is typeset
(line breaking, spaces between words, full-width punctuation, the font) from a small table keyed
by its *script*, never by the language code. Nothing else in the code branches on a language.
Right-to-left scripts are refused for now: neither the PDF nor the DOCX writer lays them out.
"""

from __future__ import annotations

import os
from collections import namedtuple
from functools import cache


class LanguageError(ValueError):
    """A code that names no language the toolkit can publish in; the message says why."""


# A named tuple, not a frozen dataclass: `pipeline check` does not import dataclasses (see
# pipeline.record).
class Script(namedtuple("Script", ("code", "cjk", "breaking", "spaced_han", "font"))):
    __slots__ = ()
    code: str  # ISO 15924: Hans, Hant, Jpan, Kore, Latn, ...
    cjk: bool  # written without spaces between words, with full-width punctuation
    breaking: bool  # CJK line breaking: a line may break between any two characters
    spaced_han: bool  # one space between Han and Latin letters or digits (the sources' convention)
    font: str  # the face family for PDF handouts: "sc", "tc", "jp", "kr" or "latin"


SCRIPTS: dict[str, Script] = {
    # Han characters have different standard shapes in Simplified and Traditional Chinese and in
    # Japanese, and Korean needs Hangul: each gets its own regional face.
    "Hans": Script("Hans", True, True, True, "sc"),
    "Hant": Script("Hant", True, True, True, "tc"),
    "Jpan": Script("Jpan", True, True, False, "jp"),  # JLREQ: no typed space around Latin
    "Kore": Script("Kore", False, True, False, "kr"),  # Hangul words are separated by spaces
    "Latn": Script("Latn", False, False, False, "latin"),
    "Cyrl": Script("Cyrl", False, False, False, "latin"),
    "Grek": Script("Grek", False, False, False, "latin"),
}
OTHER_SCRIPT = Script("", False, False, False, "latin")  # typeset like Latin; the font may lack it


class Language(namedtuple("Language", ("code", "locale", "fallbacks", "bcp47", "cjk", "name", "script"))):
    __slots__ = ()
    code: str  # the sources folder name and the id used on the command line ("zh-Hant")
    locale: str  # Babel locale for dates, lists and catalogs ("zh_Hant_TW")
    fallbacks: tuple[str, ...]  # catalog directories to try after the locale, most specific first
    bcp47: str  # language tag for PDF, DOCX and HTML metadata ("zh-Hant-TW")
    cjk: bool  # written without spaces between words (line breaking, spacing rules)
    name: str  # the language's own name, for bilingual headings ("中文 (繁體)")
    script: Script

    @property
    def catalog_locales(self) -> list[str]:
        return [self.locale, *self.fallbacks]


def normalise(code: str) -> str:
    """The canonical spelling of a BCP 47 code: zh-hant -> zh-Hant, EN -> en, pt_br -> pt-BR."""
    parts = code.replace("_", "-").split("-")
    out = [parts[0].lower()]
    for part in parts[1:]:
        out.append(part.title() if len(part) == 4 else part.upper() if len(part) in (2, 3) else part)
    return "-".join(out)


TABLE = os.path.join(os.path.dirname(__file__), "langtable.py")


def _table() -> dict[str, list]:
    # CLDR's answers for every locale, computed once from Babel by `make catalogs` (see
    # build_table; a test keeps it equal to Babel's) and kept as a Python module, which loads
    # from its bytecode in a millisecond: reading Babel's locale data costs about 0.1 s, more
    # than `pipeline check` takes for a chapter
    from pipeline.langtable import TABLE as table

    return table


@cache
def get(code: str) -> Language:
    """The language for a code; LanguageError when CLDR does not know it or it is right-to-left."""
    if not code or normalise(code) != code:
        raise LanguageError(f"write the language code {normalise(code or '?')!r}, not {code!r}")
    entry = _table().get(code)
    if entry is None:
        raise LanguageError(f"unknown language {code!r}: CLDR has no locale of that name")
    locale, fallbacks, tag, script_code, name, english, rtl = entry
    if rtl:
        raise LanguageError(
            f"{code!r} ({english}) is written right to left, which the handouts do not support yet"
        )
    script = SCRIPTS.get(script_code, OTHER_SCRIPT._replace(code=script_code))
    return Language(code, locale, tuple(fallbacks), tag, script.cjk, name, script)


def describe(code: str) -> list:
    """What CLDR says of one locale: the entry of the table (uses Babel)."""
    from babel import Locale, UnknownLocaleError
    from babel.core import get_global

    locale = Locale.parse(code.replace("-", "_"))
    likely = get_global("likely_subtags")
    full = str(likely.get(str(locale)) or likely.get(locale.language) or locale)
    lang, script_code, *region = full.split("_")
    script_code = locale.script or script_code
    territory = locale.territory or (region[0] if region else None)
    try:
        data = Locale.parse("_".join(p for p in (lang, locale.script, territory) if p))
    except UnknownLocaleError:  # CLDR's likely territory has no locale data of its own (no_NO)
        data = locale
    fallbacks = list(
        dict.fromkeys(f for f in ("_".join(p for p in (lang, script_code) if p), lang) if f != str(data))
    )
    default_script = likely.get(lang, "").split("_")[1:2] == [script_code]
    tag = "-".join(p for p in (lang, None if default_script else script_code, territory) if p)
    name = Locale.parse("_".join(p for p in (lang, locale.script) if p)).get_display_name() or code
    english = locale.get_display_name("en") or code
    return [str(data), fallbacks, tag, script_code, name, english, locale.character_order == "right-to-left"]


def build_table() -> dict[str, list]:
    """The table of every locale CLDR has, keyed by BCP 47 code (uses Babel)."""
    from babel import UnknownLocaleError, localedata

    out = {}
    for ident in sorted(localedata.locale_identifiers()):
        if ident == "root":
            continue
        try:
            out[normalise(ident)] = describe(ident)
        except (ValueError, KeyError, UnknownLocaleError):  # listed but not parseable
            continue
    return out


def write_table() -> None:
    lines = [
        '"""Every locale CLDR knows (generated by `python -m pipeline.langs`; do not edit)."""',
        "",
        "# code: [locale, catalog fallbacks, BCP 47 tag, script, own name, English name, right-to-left]",
        "TABLE = {",
        *(f"    {k!r}: {v!r}," for k, v in sorted(build_table().items())),
        "}",
        "",
    ]
    with open(TABLE, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines))


if __name__ == "__main__":  # `make catalogs` refreshes the table after a Babel upgrade
    write_table()
