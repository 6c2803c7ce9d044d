"""UI words come from complete gettext catalogs; dates and lists from Babel's locale data."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from pipeline import i18n, langs
from pipeline.i18n import LOCALES_DIR, Labels

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = sorted(Path(LOCALES_DIR).glob("*/LC_MESSAGES/pipeline.po"))


def used_messages() -> set[str]:
    """Every message the code marks for translation, as pybabel extract finds them."""
    found = extract_from_dir(
        str(ROOT / "pipeline"), method_map=[("**.py", "python")], keywords={"N_": None, "_": None}
    )
    return {msg for _, _, msg, _, _ in found if isinstance(msg, str)}


SHIPPED = ("zh", "zh-Hant", "ja", "fr", "de", "en")


@pytest.mark.parametrize("code", SHIPPED)
def test_every_shipped_language_has_a_catalog(code: str) -> None:
    names = {p.parent.parent.name for p in CATALOGS}
    assert names & set(langs.get(code).catalog_locales), code
    assert i18n.missing_catalog_warning(code) is None


def test_a_language_without_a_catalog_gets_english_labels_and_a_warning() -> None:
    assert i18n.catalog_of("ko") is None
    assert i18n.missing_catalog_warning("ko") == (
        "no UI catalog for 'ko' (pipeline/locales/ko): its handouts print their labels in English; "
        "add one as the README says ('UI words', make catalogs)"
    )
    assert i18n.Labels("ko")("Pros") == "Pros"


@pytest.mark.parametrize(
    ("code", "pros", "page", "table"),
    [
        ("zh-Hant", "優點", "第 3 頁，共 7 頁", "表 14.1"),
        ("ja", "長所", "3 / 7 ページ", "表14.1"),
        ("fr", "Avantages", "Page 3 sur 7", "Tableau 14.1"),
        ("de", "Vorteile", "Seite 3 von 7", "Tabelle 14.1"),
    ],
)
def test_new_catalogs_translate_the_labels(code: str, pros: str, page: str, table: str) -> None:
    lab = i18n.Labels(code)
    assert lab("Pros") == pros
    assert lab("Page %(page)s of %(pages)s", page=3, pages=7) == page
    assert lab("Table %(number)s", number="14.1") == table


@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: p.parent.parent.name)
def test_catalog_translates_every_message_the_code_uses(po: Path) -> None:
    with po.open("rb") as fh:
        catalog = read_po(fh)
    missing = [m for m in sorted(used_messages()) if not (catalog.get(m) and catalog.get(m).string)]
    assert not missing, f"{po}: no translation for {missing}"
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not fuzzy


@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: p.parent.parent.name)
def test_compiled_catalog_matches_its_po_file(po: Path) -> None:
    with po.open("rb") as fh:
        source = {m.id: m.string for m in read_po(fh) if m.id}
    with po.with_suffix(".mo").open("rb") as fh:
        compiled = {m.id: m.string for m in read_mo(fh) if m.id}
    assert compiled == source, "run `make catalogs` to recompile"


@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: p.parent.parent.name)
def test_placeholders_survive_translation(po: Path) -> None:
    import re

    with po.open("rb") as fh:
        for m in read_po(fh):
            if m.id:
                assert sorted(re.findall(r"%\(\w+\)s", m.id)) == sorted(re.findall(r"%\(\w+\)s", m.string))


def test_labels_translate_and_format_by_locale() -> None:
    zh, en = Labels("zh"), Labels("en")
    assert (zh("Pros"), en("Pros")) == ("优点", "Pros")
    assert zh("Page %(page)s of %(pages)s", page=3, pages=7) == "第 3 页，共 7 页"
    assert en("Page %(page)s of %(pages)s", page=3, pages=7) == "Page 3 of 7"
    assert zh.date(date(2024, 3, 5)) == "2024 年 3 月 5 日"  # spaced like the sources
    assert en.date(date(2024, 3, 5)) == "March 5, 2024"
    assert zh.list(["Linux", "Mac OS X", "Windows"]) == "Linux、Mac OS X 和 Windows"
    assert zh.list(["C++", "Python"]) == "C++ 和 Python"
    assert en.list(["Linux", "Mac OS X", "Windows"]) == "Linux, Mac OS X, and Windows"


QUESTIONS = [
    ("date", date(2024, 3, 5)),
    ("list", ["Linux", "Mac OS X", "Windows"]),
    ("list", ["C++"]),
    ("language_name", "en"),
    ("language_name", "zh-Hant"),
]


def ask(lab: Labels, how: str, what: object) -> str:
    return getattr(lab, how)(what)


@pytest.mark.parametrize("code", ["zh", "en", "ja", "fr"])
def test_babels_answers_are_kept_between_runs(
    code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A date, a list or a language's name is asked of Babel once; later it is read back from
    the cache, the same, without Babel. A damaged cache is asked again."""
    monkeypatch.setenv("PIPELINE_CACHE_DIR", str(tmp_path))
    fresh = [ask(Labels(code), how, what) for how, what in QUESTIONS]
    [kept] = (tmp_path / "babel").iterdir()
    assert langs.get(code).locale in kept.name

    import babel.dates
    import babel.lists

    def refuse(*args: object, **kwargs: object) -> str:
        raise AssertionError("Babel was asked again")

    with monkeypatch.context() as m:
        m.setattr(babel.dates, "format_date", refuse)
        m.setattr(babel.lists, "format_list", refuse)
        m.setattr(babel.Locale, "parse", refuse)
        assert [ask(Labels(code), how, what) for how, what in QUESTIONS] == fresh
    kept.write_text('{"broken', encoding="utf-8")
    assert [ask(Labels(code), how, what) for how, what in QUESTIONS] == fresh
    assert '"broken' not in kept.read_text(encoding="utf-8")  # written again, whole


def test_catalogs_pass_msgfmt_check_when_available(tmp_path: Path) -> None:
    msgfmt = subprocess.run(["which", "msgfmt"], capture_output=True, text=True).stdout.strip()
    if not msgfmt:
        pytest.skip("GNU gettext is not installed")
    for po in CATALOGS:
        run = subprocess.run([msgfmt, "--check", "-o", str(tmp_path / "x.mo"), str(po)], capture_output=True)
        assert run.returncode == 0, run.stderr


def test_no_language_branches_in_exporters() -> None:
    # Language differences live in pipeline/langs.py and the catalogs, not in writers.
    for path in (ROOT / "pipeline" / "export").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert '== "zh"' not in text and "== 'zh'" not in text, path
