"""Every CJK script in its regional face: Japanese, Korean, Traditional and Simplified Chinese."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from pipeline import faces, langs
from pipeline.loader import load_book
from pipeline.yamledit import Editor

ROOT = Path(__file__).resolve().parent.parent
BLOCKS = ROOT / "tests" / "fixtures" / "blocks"
TITLES = {
    "ja": ("畳み込み層", "この章では<b>畳み込み層</b>を紹介します。"),
    "ko": ("합성곱 층", "이 장에서는 <b>합성곱 층</b>을 소개합니다."),
    "zh-Hant": ("卷積層", "本章介紹<b>卷積層</b>。"),
}
FACES = {"ja": "NotoSansJP", "ko": "NotoSansKR", "zh-Hant": "NotoSansTC", "zh": "NotoSansSC"}


def pipeline(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=full,
        timeout=300,
    )


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("faces") / "sources"
    shutil.copytree(BLOCKS, root)
    for code, (title, intro) in TITLES.items():
        assert pipeline("add-language", code, "--sources", str(root), cwd=root.parent).returncode == 0
        chapter = load_book(str(root)).chapters[code]["ch04"]
        editor = Editor(chapter.path)
        units = {u.id: u for u in chapter.units()}
        editor.set_text(units["title"], title)
        editor.set_text(units["intro"], intro + '<ref to="basics.sizes"/><fn to="kernel"/>')
        editor.save()
    return root


def fonts_of(pdf: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            names.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    return names


@pytest.mark.parametrize("code", sorted(TITLES))
def test_each_script_is_set_in_its_regional_face(book: Path, code: str) -> None:
    if not faces.fetched(faces.SCRIPT_FACES[langs.get(code).script.font]):
        pytest.fail("run `pipeline fonts fetch --all` (make test does) before the tests")
    out = book.parent / f"ch04.{code}.pdf"
    done = pipeline(
        "export",
        "--sources",
        str(book),
        "--lang",
        code,
        "--format",
        "pdf",
        "--out",
        str(out),
        cwd=book.parent,
    )
    assert done.returncode == 0, done.stderr
    data = out.read_bytes()
    used = fonts_of(data)
    assert any(name.startswith(FACES[code]) for name in used), used
    # the untranslated units stand in Chinese, in the Simplified Chinese face
    assert any(name.startswith("NotoSansSC") for name in used), used
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert TITLES[code][0].replace(" ", "") in text.replace(" ", "")


def test_a_bilingual_handout_uses_both_faces(book: Path) -> None:
    out = book.parent / "ch04.ja+ko.pdf"
    done = pipeline(
        "export",
        "--sources",
        str(book),
        "--lang",
        "ja+ko",
        "--format",
        "pdf",
        "--out",
        str(out),
        cwd=book.parent,
    )
    assert done.returncode == 0, done.stderr
    used = fonts_of(out.read_bytes())
    assert {n[:10] for n in used} >= {"NotoSansJP", "NotoSansKR"}


def test_a_face_that_is_not_installed_is_a_clear_error(book: Path, tmp_path: Path) -> None:
    out = book.parent / "none.pdf"
    empty = tmp_path / "cache"
    done = pipeline(
        "export", "--sources", str(book), "--lang", "ko", "--format", "pdf", "--out", str(out),
        cwd=book.parent, env={"PIPELINE_FACES_DIR": str(empty)},
    )  # fmt: skip
    assert done.returncode == 2
    assert "ko: Noto Sans KR is not installed: run `pipeline fonts fetch kr`" in done.stderr
    assert "Traceback" not in done.stderr and not out.exists()


def test_a_book_may_name_its_own_font(book: Path, tmp_path: Path) -> None:
    root = tmp_path / "sources"
    shutil.copytree(book, root)
    shutil.copy(ROOT / "pipeline" / "fonts" / "NotoSansSC-Regular.ttf", root / "own.ttf")
    text = (root / "book.yaml").read_text(encoding="utf-8")
    (root / "book.yaml").write_text(text + "fonts:\n  zh-Hant: {regular: own.ttf}\n", encoding="utf-8")
    out = tmp_path / "own.pdf"
    done = pipeline(
        "export",
        "--sources",
        str(root),
        "--lang",
        "zh-Hant",
        "--format",
        "pdf",
        "--out",
        str(out),
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    used = fonts_of(out.read_bytes())
    assert not any(n.startswith("NotoSansTC") for n in used), used
    missing = (root / "book.yaml").read_text(encoding="utf-8").replace("own.ttf", "gone.ttf")
    (root / "book.yaml").write_text(missing, encoding="utf-8")
    done = pipeline("check", "--sources", str(root), cwd=tmp_path)
    assert done.returncode == 2 and "fonts.zh-Hant.regular: no such file:" in done.stderr


def test_a_character_no_face_has_names_the_unit_and_how_to_give_a_font(book: Path, tmp_path: Path) -> None:
    root = tmp_path / "sources"
    shutil.copytree(book, root)
    chapter = load_book(str(root)).chapters["ko"]["ch04"]
    editor = Editor(chapter.path)
    editor.set_text(next(u for u in chapter.units() if u.id == "title"), "합성곱 층 \U0001f600")
    editor.save()
    out = tmp_path / "x.pdf"
    done = pipeline(
        "export", "--sources", str(root), "--lang", "ko", "--format", "pdf", "--out", str(out), cwd=tmp_path
    )
    assert done.returncode == 2
    line = next(x for x in done.stderr.splitlines() if "character" in x)
    assert "ko/ch04.yaml:" in line and ": title: character U+1F600" in line
    assert "--font" in line and "fonts:" in line
