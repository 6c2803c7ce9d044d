"""Languages come from CLDR: any code Babel knows works without touching the code."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from pipeline import langs
from pipeline.i18n import Labels

ROOT = Path(__file__).resolve().parent.parent


def test_the_shipped_table_is_what_babel_says_today() -> None:
    # the table is generated from Babel (python -m pipeline.langs): it must not drift from it
    from pipeline.langtable import TABLE

    assert langs.build_table() == TABLE


@pytest.mark.parametrize(
    ("code", "locale", "tag", "script", "cjk", "font"),
    [
        ("zh", "zh_Hans_CN", "zh-CN", "Hans", True, "sc"),
        ("zh-Hant", "zh_Hant_TW", "zh-Hant-TW", "Hant", True, "tc"),
        ("ja", "ja_JP", "ja-JP", "Jpan", True, "jp"),
        ("ko", "ko_KR", "ko-KR", "Kore", False, "kr"),
        ("fr", "fr_FR", "fr-FR", "Latn", False, "latin"),
        ("de", "de_DE", "de-DE", "Latn", False, "latin"),
        ("en", "en_US", "en-US", "Latn", False, "latin"),
    ],
)
def test_languages_by_their_script(
    code: str, locale: str, tag: str, script: str, cjk: bool, font: str
) -> None:
    lang = langs.get(code)
    assert (lang.locale, lang.bcp47, lang.script.code, lang.cjk, lang.script.font) == (
        locale,
        tag,
        script,
        cjk,
        font,
    )


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("ar", "'ar' (Arabic) is written right to left, which the handouts do not support yet"),
        ("he", "'he' (Hebrew) is written right to left, which the handouts do not support yet"),
        ("xx", "unknown language 'xx': CLDR has no locale of that name"),
        ("EN", "write the language code 'en', not 'EN'"),
        ("zh_hant", "write the language code 'zh-Hant', not 'zh_hant'"),
    ],
)
def test_unknown_and_right_to_left_languages_are_refused(code: str, message: str) -> None:
    with pytest.raises(langs.LanguageError) as info:
        langs.get(code)
    assert str(info.value) == message


def test_dates_and_lists_come_from_the_locale() -> None:
    assert Labels("ja").date(date(2026, 12, 1)) == "2026年12月1日"  # JLREQ: no typed spaces
    assert Labels("fr").date(date(2026, 12, 1)) == "1 décembre 2026"
    assert Labels("de").list(["Linux", "Windows", "iOS"]) == "Linux, Windows und iOS"
    assert Labels("zh-Hant").date(date(2026, 12, 1)) == "2026 年 12 月 1 日"


def test_no_code_in_the_package_compares_a_language_code_with_a_literal() -> None:
    # languages differ by their script's properties (pipeline.langs), never by an if on a code
    pattern = re.compile(r"""(==|!=|\bin)\s*\(?\s*["'](zh|en|ja|ko|fr|de|zh-Hant)["']""")
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in sorted((ROOT / "pipeline").rglob("*.py"))
        if path.name != "langtable.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert found == []
