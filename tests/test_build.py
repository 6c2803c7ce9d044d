"""Export planning: what is out of date, parallel builds, progress, start-up imports."""

from __future__ import annotations

import io
import shutil
import sys
from pathlib import Path

import pytest
from checkutil import modules_after

from pipeline.export import Options
from pipeline.export import build as b
from pipeline.loader import load_book

ROOT = Path(__file__).resolve().parent.parent
BOOK2 = ROOT / "tests" / "fixtures" / "book2"


def job(book, fmt: str = "md", codes: tuple[str, ...] = ("en",)) -> b.Job:
    return b.plan(book, ["ch03"], [codes], [fmt], "out")[0]


def test_input_hash_follows_every_input(tmp_path: Path) -> None:
    root = tmp_path / "book"
    shutil.copytree(BOOK2, root)
    book = load_book(str(root))
    base = b.input_hash(book, job(book), Options())
    assert b.input_hash(book, job(book), Options()) == base
    assert b.input_hash(book, job(book), Options(paper="letter")) != base
    assert b.input_hash(book, job(book, "docx"), Options()) != base
    for name in ("zh/ch03.yaml", "glossary.yaml", "book.yaml"):  # the source edition counts too
        path = root / name
        path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
        b._file_digest.cache_clear()
        changed = b.input_hash(book, job(book), Options())
        assert changed != base, name
        base = changed


def test_input_hash_follows_the_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An edited writer makes its old outputs out of date even when the version is the same."""
    book = load_book(str(BOOK2))
    package = tmp_path / "pipeline"
    (package / "export").mkdir(parents=True)
    writer = package / "export" / "markdown.py"
    writer.write_text("# the old writer\n", encoding="utf-8")
    monkeypatch.setattr(b, "PACKAGE_DIR", str(package))
    b._tree_files.cache_clear()
    base = b.input_hash(book, job(book), Options())
    writer.write_text("# the new writer\n", encoding="utf-8")
    b._file_digest.cache_clear()
    assert b.input_hash(book, job(book), Options()) != base
    b._tree_files.cache_clear()


def test_parallel_build_gives_the_same_bytes_in_the_same_order() -> None:
    book = load_book(str(BOOK2))
    jobs = b.plan(book, ["ch03"], b.all_editions(book), ["md", "docx"], "out")
    serial = list(b.render_all(book, jobs, Options(), 1, lambda j: None))
    parallel = list(b.render_all(book, jobs, Options(), 2, lambda j: None))
    assert [j for j, _ in parallel] == jobs
    assert serial == parallel


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_only_on_a_terminal_and_after_a_second(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [0.0]
    monkeypatch.setattr(b.time, "monotonic", lambda: now[0])
    tty = _Tty()
    monkeypatch.setattr(sys, "stderr", tty)
    jobs = [b.Job("ch", ("en",), "md", f"out/{i}.md") for i in range(2)]
    progress = b.Progress(2, enabled=True)
    now[0] = 0.5
    progress(jobs[0])  # half a second in: quiet
    assert tty.getvalue() == ""
    now[0] = 1.5
    progress(jobs[1])  # past a second: shows
    assert "[2/2] out/1.md" in tty.getvalue()
    progress.close()
    quiet = b.Progress(2, enabled=False)
    assert not quiet.enabled
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # not a terminal
    assert not b.Progress(2, enabled=True).enabled


@pytest.mark.parametrize("args", [["--help"], ["check"], ["check", "--list"], ["export", "--help"]])
def test_start_up_never_imports_reportlab_or_docx(args: list[str]) -> None:
    _, modules = modules_after(args)
    assert not {m for m in modules if m.split(".")[0] in ("reportlab", "docx", "lxml", "PIL")}
