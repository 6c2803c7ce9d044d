"""A third edition by files alone: add-language, partial editions, status, and the PO round trip."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import mdread
import pytest
from babel.messages.pofile import read_po, write_po

from pipeline.loader import load_book

ROOT = Path(__file__).resolve().parent.parent
BLOCKS = ROOT / "tests" / "fixtures" / "blocks"


def pipeline(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def book(tmp_path: Path) -> Path:
    root = tmp_path / "sources"
    shutil.copytree(BLOCKS, root)
    return root


def test_add_language_writes_a_skeleton_and_the_book_entry(book: Path) -> None:
    before = (book / "book.yaml").read_text(encoding="utf-8")
    done = pipeline("add-language", "ja", "--sources", str(book), cwd=book.parent)
    assert done.returncode == 0, done.stderr
    assert "ja/ch04.yaml: 28 units to translate" in done.stdout
    assert "po export --lang ja" in done.stdout  # what to do next
    after = (book / "book.yaml").read_text(encoding="utf-8")
    assert after.startswith(before.split("translations: [en]")[0] + "translations: [en, ja]")
    assert after.endswith('  ja:\n    title: ""\n    author: ""\n    publisher: ""\n    credit: ""\n')
    loaded = load_book(str(book))
    zh, ja = loaded.chapters["zh"]["ch04"], loaded.chapters["ja"]["ch04"]
    assert [u.id for u in ja.units()] == [u.id for u in zh.units()]
    assert all(u.text == "" for u in ja.units())
    assert [(f.id, f.value) for f in ja.facts()] == [(f.id, f.value) for f in zh.facts()]


def test_add_language_again_changes_nothing_and_adds_a_new_chapter(book: Path) -> None:
    assert pipeline("add-language", "fr", "--sources", str(book), cwd=book.parent).returncode == 0
    first = snapshot(book)
    again = pipeline("add-language", "fr", "--sources", str(book), cwd=book.parent)
    assert again.returncode == 0 and "nothing to add" in again.stdout
    assert snapshot(book) == first
    # a new chapter in the source (and its English twin): only its French skeleton is added
    for lang in ("zh", "en"):
        text = (book / lang / "ch04.yaml").read_text(encoding="utf-8").replace("chapter: 4", "chapter: 5")
        (book / lang / "ch05.yaml").write_text(text, encoding="utf-8")
    more = pipeline("add-language", "fr", "--sources", str(book), cwd=book.parent)
    assert more.returncode == 0, more.stderr
    changed = {k for k, v in snapshot(book).items() if first.get(k) != v}
    assert changed == {"zh/ch05.yaml", "en/ch05.yaml", "fr/ch05.yaml"}


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("xx", "pipeline: error: unknown language 'xx': CLDR has no locale of that name"),
        (
            "ar",
            "pipeline: error: 'ar' (Arabic) is written right to left, which the handouts do not support yet",
        ),
        ("zh", "pipeline: error: 'zh' is the book's source language"),
    ],
)
def test_add_language_refuses_what_it_cannot_do(book: Path, code: str, message: str) -> None:
    before = snapshot(book)
    done = pipeline("add-language", code, "--sources", str(book), cwd=book.parent)
    assert (done.returncode, done.stderr.strip()) == (2, message)
    assert snapshot(book) == before


def test_a_partial_edition_checks_with_findings_and_exports_marked(book: Path) -> None:
    assert pipeline("add-language", "ja", "--sources", str(book), cwd=book.parent).returncode == 0
    check = pipeline("check", "--sources", str(book), cwd=book.parent)
    assert check.returncode == 1, check.stderr  # findings, never a load error
    assert "error empty: intro is empty" in check.stdout
    out = book.parent / "out.md"
    export = pipeline(
        "export", "--sources", str(book), "--lang", "ja", "--format", "md", "--out", str(out), cwd=book.parent
    )
    assert export.returncode == 0, export.stderr
    assert "ch04.ja: 28 of 28 units are not translated yet" in export.stderr
    text = out.read_text(encoding="utf-8")
    assert "本章介绍" in text and "†" in text and "†は訳文がまだない箇所を示します" in text.replace(" ", "")
    assert "第4章" in text  # the Japanese catalog's words and Babel's Japanese formats
    assert "2026年12月1日版" in text
    assert mdread.parse(out.read_bytes())


def test_a_french_edition_through_po(book: Path) -> None:
    assert pipeline("add-language", "fr", "--sources", str(book), cwd=book.parent).returncode == 0
    po = book.parent / "ch04.fr.po"
    done = pipeline(
        "po",
        "export",
        "--sources",
        str(book),
        "--lang",
        "fr",
        "--chapter",
        "ch04",
        "--out",
        str(po),
        cwd=book.parent,
    )
    assert done.returncode == 0, done.stderr
    with po.open("rb") as fh:
        catalog = read_po(fh)
    translations = {
        "title": "Couches de convolution",
        "intro": 'Ce chapitre présente les <b>couches de convolution</b> ; voir <ref to="basics.sizes"/> et <ref to="basics"/>.<fn to="kernel"/>',
    }
    for message in catalog:
        if message.context in translations:
            message.string = translations[message.context]
            message.flags.discard("fuzzy")
    with po.open("wb") as fh:
        write_po(fh, catalog)
    done = pipeline("po", "import", "--sources", str(book), str(po), cwd=book.parent)
    assert done.returncode == 0, done.stderr
    status = pipeline("status", "--sources", str(book), "--format", "json", cwd=book.parent)
    rows = {(r["chapter"], r["lang"]): r for r in json.loads(status.stdout)["rows"]}
    fr = rows[("ch04", "fr")]
    assert (fr["units"], fr["accepted"], fr["untranslated"]) == (28, 2, 26)
    assert rows[("ch04", "en")]["percent"] == 100
    out = book.parent / "fr.md"
    export = pipeline(
        "export",
        "--sources",
        str(book),
        "--lang",
        "fr+zh",
        "--format",
        "md",
        "--out",
        str(out),
        cwd=book.parent,
    )
    assert export.returncode == 0, export.stderr
    text = out.read_text(encoding="utf-8")
    assert "Couches de convolution" in text and "Chapitre 4" in text and "1 décembre 2026" in text
    assert "Tableau 4.1" in text  # the reference, in French


def test_status_counts_states_and_words(book: Path) -> None:
    zh = book / "zh" / "ch04.yaml"
    zh.write_text(
        zh.read_text(encoding="utf-8").replace("参数共享。", "参数在各位置共享。"), encoding="utf-8"
    )
    en = book / "en" / "ch04.yaml"
    text = en.read_text(encoding="utf-8")
    en.write_text(
        text.replace(
            '"Kernels of odd size have a centre.", source: ',
            '"Kernels of odd size have a centre.", comment: ',
        ),
        encoding="utf-8",
    )
    done = pipeline("status", "--sources", str(book), cwd=book.parent)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == [
        "chapter",
        "lang",
        "units",
        "accepted",
        "translated",
        "stale",
        "untranslated",
        "words",
        "done",
    ]
    row = next(line.split() for line in lines if line.startswith("ch04"))
    assert row[:7] == ["ch04", "en", "28", "26", "1", "1", "0"]
    assert row[-1] == "96%"  # translated or accepted, of all units


BOOK2 = ROOT / "tests" / "fixtures" / "book2"


@pytest.mark.parametrize(
    ("code", "date", "names"),
    [
        ("fr", "5 mars 2025", "Linux, macOS et Windows"),
        ("ja", "2025年3月5日", "Linux、macOS、Windows"),
        ("de", "5. März 2025", "Linux, macOS und Windows"),
    ],
)
def test_new_editions_print_dates_and_lists_of_their_locale(
    tmp_path: Path, code: str, date: str, names: str
) -> None:
    root = tmp_path / "sources"
    shutil.copytree(BOOK2, root)
    assert pipeline("add-language", code, "--sources", str(root), cwd=tmp_path).returncode == 0
    for fmt in ("md", "docx", "pdf"):
        out = tmp_path / f"ch03.{code}.{fmt}"
        done = pipeline("export", "--sources", str(root), "--lang", code, "--out", str(out), cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    text = (tmp_path / f"ch03.{code}.md").read_text(encoding="utf-8")
    assert date in text and names in text
    import docx as python_docx

    doc = python_docx.Document(str(tmp_path / f"ch03.{code}.docx"))
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    assert any(names in c for c in cells), cells
