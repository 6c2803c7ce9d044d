"""What the toolkit knows about each language it can publish in.

Adding a language means adding an entry here (and a gettext catalog and a sources folder);
nothing else in the code branches on a language code.
"""

from __future__ import annotations

from collections import namedtuple


# A named tuple, not a frozen dataclass: `pipeline check` does not import dataclasses (see
# pipeline.record).
class Language(namedtuple("Language", ("code", "locale", "fallbacks", "bcp47", "cjk", "name"))):
    __slots__ = ()
    code: str  # the sources folder name and the id used on the command line
    locale: str  # Babel locale for dates, lists and catalogs
    fallbacks: tuple[str, ...]  # catalog directories to try, most specific first
    bcp47: str  # language tag for PDF, DOCX and HTML metadata
    cjk: bool  # written without spaces between words (line breaking, spacing rules)
    name: str  # the language's own name, for bilingual headings

    @property
    def catalog_locales(self) -> list[str]:
        return [self.locale, *self.fallbacks]


LANGUAGES: dict[str, Language] = {
    "zh": Language("zh", "zh_Hans_CN", ("zh_Hans", "zh"), "zh-CN", True, "中文"),
    "en": Language("en", "en", (), "en-US", False, "English"),
}


def get(code: str) -> Language:
    """The language for a code; KeyError when the toolkit does not know it."""
    return LANGUAGES[code]
