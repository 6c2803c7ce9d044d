"""The command line as a user meets it: help, version, usage errors, exports end to end."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import __version__

ROOT = Path(__file__).resolve().parent.parent
BOOK2 = ROOT / "tests" / "fixtures" / "book2"


def run(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def test_version_and_help() -> None:
    assert run("--version").stdout.strip() == f"pipeline {__version__}"
    out = run("--help")
    assert out.returncode == 0
    for command in ("check", "stamp", "export", "po"):
        assert command in out.stdout
    for command in ("check", "stamp", "export", "po"):
        sub = run(command, "--help")
        assert sub.returncode == 0 and "usage: pipeline " + command in sub.stdout


@pytest.mark.parametrize(
    "args",
    [("frobnicate",), ("export", "--bogus"), (), ("export",), ("export", "--format", "rtf", "--lang", "en")],
)
def test_usage_errors_exit_2_without_traceback(args: tuple[str, ...]) -> None:
    out = run(*args)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr and out.stderr.strip()


def test_unknown_language_and_chapter(tmp_path: Path) -> None:
    for args in (("--lang", "fr", "--format", "md"), ("--lang", "en", "--format", "md", "--chapter", "ch99")):
        out = run("export", "--sources", str(BOOK2), "--exports", str(tmp_path), *args)
        assert out.returncode == 2 and out.stderr.startswith("pipeline: error:")


def test_broken_sources_exit_2_with_positions(tmp_path: Path) -> None:
    root = tmp_path / "book"
    shutil.copytree(BOOK2, root)
    path = root / "en" / "ch03.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("chapter: 3", "chapter: [3]"), encoding="utf-8")
    out = run("export", "--sources", str(root), "--all", "--exports", str(tmp_path / "out"))
    assert out.returncode == 2
    assert "en/ch03.yaml:1:10: chapter: expected an integer, got a list" in out.stderr
    assert "Traceback" not in out.stderr
    assert not (tmp_path / "out").exists()


def test_export_writes_documented_names_and_check_detects_staleness(tmp_path: Path) -> None:
    out_dir = tmp_path / "exports"
    out = run(
        "export", "--sources", str(BOOK2), "--all", "--format", "md", "--exports", str(out_dir), cwd=tmp_path
    )
    assert out.returncode == 0, out.stderr
    names = sorted(p.name for p in out_dir.iterdir())
    assert names == ["ch03.en+zh.md", "ch03.en.md", "ch03.zh+en.md", "ch03.zh.md"]
    check = (
        "export",
        "--sources",
        str(BOOK2),
        "--all",
        "--format",
        "md",
        "--exports",
        str(out_dir),
        "--check",
    )
    assert run(*check, cwd=tmp_path).returncode == 0
    (out_dir / "ch03.en.md").write_text("edited by hand\n", encoding="utf-8")
    stale = run(*check, cwd=tmp_path)
    assert stale.returncode == 1 and "ch03.en.md" in stale.stderr
    assert (out_dir / "ch03.en.md").read_text(
        encoding="utf-8"
    ) == "edited by hand\n"  # --check writes nothing


def test_rerun_skips_up_to_date_outputs_and_force_rebuilds(tmp_path: Path) -> None:
    args = (
        "export",
        "--sources",
        str(BOOK2),
        "--lang",
        "en",
        "--format",
        "md",
        "--exports",
        str(tmp_path / "x"),
    )
    first = run(*args, cwd=tmp_path)
    assert first.stdout.splitlines()[0].endswith("ch03.en.md")
    second = run(*args, cwd=tmp_path)
    assert "1 up-to-date output skipped" in second.stdout
    target = tmp_path / "x" / "ch03.en.md"
    target.write_text("tampered\n", encoding="utf-8")
    third = run(*args, cwd=tmp_path)  # the file changed on disk: rebuilt although inputs did not
    assert third.stdout.splitlines()[0].endswith("ch03.en.md")
    assert run(*args, "--force", cwd=tmp_path).stdout.splitlines()[0].endswith("ch03.en.md")


def test_out_writes_exactly_one_file(tmp_path: Path) -> None:
    target = tmp_path / "handout.md"
    out = run(
        "export",
        "--sources",
        str(BOOK2),
        "--lang",
        "zh",
        "--format",
        "md",
        "--out",
        str(target),
        cwd=tmp_path,
    )
    assert out.returncode == 0 and "\n# 文本编辑器\n" in target.read_text(encoding="utf-8")
    many = run("export", "--sources", str(BOOK2), "--all", "--out", str(target), cwd=tmp_path)
    assert many.returncode == 2


def test_unwritable_output_folder_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    out = run(
        "export",
        "--sources",
        str(BOOK2),
        "--lang",
        "en",
        "--format",
        "md",
        "--exports",
        str(blocker / "sub"),
        cwd=tmp_path,
    )
    assert out.returncode == 2
    assert out.stderr.startswith("pipeline: error: cannot write") and "Traceback" not in out.stderr
