"""Helpers for the checker's tests: copy the shipped sources, mutate them, run the checker."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from pipeline.check.engine import check, select_rules
from pipeline.check.findings import Finding, Result
from pipeline.loader import load_book

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "sources"
ZH = "sources/zh/ch14.yaml"
EN = "sources/en/ch14.yaml"
BOOK = "sources/book.yaml"
GLOSSARY = "sources/glossary.yaml"
# a small book with every block kind and every inline tag (tests/fixtures/check/blocks)
BLOCKS = ROOT / "tests" / "fixtures" / "check" / "blocks"
BZH = "sources/zh/ch04.yaml"
BEN = "sources/en/ch04.yaml"


def copy_sources(tmp_path: Path, book: Path = SOURCES) -> Path:
    """A copy of the shipped sources (or of another ``book``) under ``tmp_path/sources``;
    returns ``tmp_path``."""
    shutil.copytree(book, tmp_path / "sources")
    return tmp_path


def mutate(root: Path, rel: str, old: str, new: str) -> int:
    """Replace the first ``old`` in a file by ``new``; returns the 1-based line where it starts."""
    path = root / rel
    text = path.read_bytes().decode("utf-8")
    at = text.find(old)
    assert at >= 0, f"{old!r} is not in {rel} (did the shipped sources change?)"
    path.write_bytes((text[:at] + new + text[at + len(old) :]).encode("utf-8"))
    return text.count("\n", 0, at) + 1


def line_of(root: Path, rel: str, needle: str, nth: int = 1) -> int:
    """1-based line of the ``nth`` occurrence of ``needle`` in a file."""
    text = (root / rel).read_text(encoding="utf-8")
    at = -1
    for _ in range(nth):
        at = text.find(needle, at + 1)
        assert at >= 0, f"{needle!r} is not in {rel}"
    return text.count("\n", 0, at) + 1


def column_of(root: Path, rel: str, needle: str) -> int:
    """1-based column of the first occurrence of ``needle`` in its line."""
    text = (root / rel).read_text(encoding="utf-8")
    at = text.find(needle)
    assert at >= 0
    return at - (text.rfind("\n", 0, at) + 1) + 1


def run_check(root: Path, *rules: str) -> Result:
    """Check the sources under ``root`` (all rules, or only the given ones)."""
    return check(load_book(str(root / "sources")), select_rules(rules))


def where(root: Path, result: Result, rule: str) -> list[tuple[str, int]]:
    """(path relative to root, line) of each live finding of ``rule``."""
    return [(rel(root, f), f.line) for f in result.findings if f.rule == rule]


def rel(root: Path, f: Finding) -> str:
    return Path(os.path.relpath(f.path, root)).as_posix()


def run_cli(*args: str, cwd: Path, timeout: int = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def mutate_re(root: Path, rel: str, pattern: str, repl: str) -> int:
    """Replace the first match of a regex; returns the 1-based line where the match started."""
    import re

    path = root / rel
    text = path.read_bytes().decode("utf-8")
    m = re.search(pattern, text)
    assert m, f"{pattern!r} does not match {rel}"
    path.write_bytes((text[: m.start()] + m.expand(repl) + text[m.end() :]).encode("utf-8"))
    return text.count("\n", 0, m.start()) + 1


def _block(text: str, key_line: str) -> tuple[int, int]:
    """Character span of a YAML key line and the more indented lines under it."""
    start = text.find(key_line)
    assert start >= 0, f"{key_line!r} not found"
    indent = len(key_line) - len(key_line.lstrip(" "))
    end = start + len(key_line)
    while end < len(text):
        nl = text.find("\n", end)
        line = text[end : (nl if nl >= 0 else len(text))]
        if line.strip() and len(line) - len(line.lstrip(" ")) <= indent:
            break
        end = nl + 1 if nl >= 0 else len(text)
    return start, end


def remove_block(root: Path, rel: str, key_line: str) -> int:
    """Delete a key and everything under it; returns the line where it was."""
    path = root / rel
    text = path.read_text(encoding="utf-8")
    start, end = _block(text, key_line)
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    return text.count("\n", 0, start) + 1


def swap_blocks(root: Path, rel: str, first: str, second: str) -> None:
    """Swap two adjacent blocks (``second`` directly follows ``first``)."""
    path = root / rel
    text = path.read_text(encoding="utf-8")
    a, b = _block(text, first)
    c, d = _block(text, second)
    assert b == c, "the blocks are not adjacent"
    path.write_text(text[:a] + text[c:d] + text[a:b] + text[d:], encoding="utf-8")


def modules_after(args: list[str], cwd: Path = ROOT) -> tuple[int, set[str]]:
    """Run the CLI with ``args`` in a fresh interpreter: its exit status and every module that
    was imported by the end (start-up cost is what a user of `pipeline check` pays each time)."""
    code = (
        "import sys\n"
        "from pipeline.cli import main\n"
        "try:\n    status = main(sys.argv[1:])\nexcept SystemExit as exc:\n    status = exc.code\n"
        "print(status or 0); print(' '.join(sorted(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    status, modules = out.stdout.splitlines()[-2:]
    return int(status), set(modules.split())
