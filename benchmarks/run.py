"""Benchmarks: `pipeline check` and `pipeline export` on synthetic books of 1, 10 and 100 chapters.

A synthetic book is the real one with its chapter copied N times under new file names (every
copy is a valid chapter in both editions, so ids are unique per chapter). Each command runs
in a fresh process, as users run it; the table gives the median wall time of the runs and
the peak resident memory of the slowest process. The floor is `python -c "import yaml"`;
when pandoc is installed, pandoc converting the project's own Markdown export to DOCX is
measured for comparison.

Usage: python benchmarks/run.py [--runs 5] [--sizes 1,10,100] [--out benchmarks/README.md]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIPELINE = [sys.executable, "-m", "pipeline"]


def make_book(n: int, dest: Path) -> Path:
    """A copy of sources/ whose chapters are repeated to make n chapters per language."""
    src = ROOT / "sources"
    book = dest / f"book{n}"
    shutil.copytree(src, book)
    for lang_dir in (p for p in book.iterdir() if p.is_dir()):
        chapters = sorted(lang_dir.glob("*.yaml"))
        for ch in chapters:
            for i in range(1, n):
                shutil.copy(ch, lang_dir / f"{ch.stem}-copy{i:03d}.yaml")
    return book


def measure(cmd: list[str], runs: int, cwd: Path) -> tuple[float, float]:
    """Median wall seconds over ``runs`` and the peak RSS (MB) of the children."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(cmd, cwd=cwd, capture_output=True)
        times.append(time.perf_counter() - start)
        if done.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr.decode()}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return statistics.median(times), peak


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    system = f"{platform.system()} {platform.release()}"
    return f"{system}, {cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--sizes", default="1,10,100")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "README.md"))
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows: list[tuple[str, int, float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        floor = measure([sys.executable, "-c", "import yaml"], args.runs, work)
        rows.append(("floor: python -c 'import yaml'", 0, *floor))
        for n in sizes:
            book = make_book(n, work)
            out = work / f"out{n}"
            base = ["--sources", str(book)]
            rows.append(("check", n, *measure([*PIPELINE, "check", *base], args.runs, work)))
            for lang in ("zh", "en"):
                for fmt in ("pdf", "docx", "md"):
                    if fmt == "pdf" and n == 100 and lang == "en":
                        continue  # the 100-chapter PDF is measured once, in zh, to keep the run short
                    cmd = [
                        *PIPELINE,
                        "export",
                        *base,
                        "--lang",
                        lang,
                        "--format",
                        fmt,
                        "--exports",
                        str(out),
                        "--force",
                        "--quiet",
                    ]
                    runs = args.runs if n < 100 else max(1, args.runs // 5)
                    rows.append((f"export {lang} {fmt}", n, *measure(cmd, runs, work)))
            cmd = [*PIPELINE, "export", *base, "--all", "--exports", str(out), "--force", "--quiet"]
            if n == 1:
                rows.append(("export --all", n, *measure(cmd, args.runs, work)))
                rerun = [*PIPELINE, "export", *base, "--all", "--exports", str(out), "--quiet"]
                rows.append(("export --all, nothing changed", n, *measure(rerun, args.runs, work)))
        pandoc = shutil.which("pandoc")
        if pandoc:
            md = work / "out1" / "ch14.en.md"
            rows.append(
                (
                    "pandoc: Markdown export -> DOCX",
                    1,
                    *measure([pandoc, str(md), "-o", str(work / "p.docx")], args.runs, work),
                )
            )
    lines = [
        "# Benchmarks",
        "",
        "Made by `make bench` (`benchmarks/run.py`): synthetic books of N chapters (the real",
        "chapter copied under new names, both editions), each command in a fresh process.",
        f"Median of {args.runs} runs (1 run at N = 100); peak memory is the largest resident set",
        "of any process measured so far in the run.",
        "",
        f"Machine: {machine()}.",
        "",
        "| what | chapters | median wall (s) | peak RSS (MB) |",
        "|---|---:|---:|---:|",
        *(f"| {what} | {n or ''} | {t:.3f} | {mem:.0f} |" for what, n, t, mem in rows),
        "",
    ]
    text = "\n".join(lines)
    print(text)
    Path(args.out).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
