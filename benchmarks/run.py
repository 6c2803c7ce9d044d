"""Benchmarks: `pipeline check` and `pipeline export` on synthetic books of 1, 10 and 100 chapters.

A synthetic book is the real one with each chapter copied N times under new file names and
chapter numbers (every copy is a valid chapter in both editions; ids stay unique because a
unit's id is qualified by its chapter). Each command runs in a fresh process, as users run
it, with the console script of the interpreter running this file. For every command the table
gives the median wall time of the runs and the peak resident memory of its process tree (the
largest of the runs, from wait4, which includes the worker processes an export forks).

Beside the commands it measures the floor, `python -c "import yaml"` with the same
interpreter, and, when they are on PATH, LibreOffice converting the project's own DOCX export
to PDF and pandoc converting its Markdown export to DOCX. It then checks the targets of the
benchmark issues and writes everything to benchmarks/README.md (or --out).

Usage: python benchmarks/run.py [--runs 5] [--sizes 1,10,100] [--out benchmarks/README.md]
"""

from __future__ import annotations

import argparse
import compileall
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_SCRIPT = Path(sys.executable).with_name("pipeline")
PIPELINE = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "pipeline"]
FORMATS = ("pdf", "docx", "md")
LANGS = ("zh", "en")
FLOOR = "floor: python -c 'import yaml'"
_CHAPTER_NUMBER = re.compile(r"^(chapter: )\d+$", re.MULTILINE)


@dataclass
class Row:
    what: str
    chapters: int | None
    median: float  # seconds
    peak_mb: float
    runs: int


@dataclass
class Pair:
    """A ratio target measured side by side: the two commands run in turn, ``runs`` times each
    (10 x --runs + 1, or 4 x for LibreOffice), so that a slow minute of a shared machine slows
    both alike."""

    what: str  # what the ratio is, as the target names it
    ours: float  # median seconds of the first command
    theirs: float  # median seconds of the second
    runs: int


def make_book(n: int, dest: Path) -> Path:
    """A copy of sources/ in which every chapter is repeated to make n chapters per language."""
    book = dest / f"book{n}"
    shutil.copytree(ROOT / "sources", book)
    for lang_dir in (p for p in book.iterdir() if p.is_dir()):
        for chapter in sorted(lang_dir.glob("*.yaml")):
            text = chapter.read_text(encoding="utf-8")
            for i in range(1, n):
                copy = _CHAPTER_NUMBER.sub(lambda m, i=i: f"{m.group(1)}{1000 + i}", text, count=1)
                (lang_dir / f"{chapter.stem}-copy{i:03d}.yaml").write_text(copy, encoding="utf-8")
    return book


def _fp(text: str) -> str:
    import hashlib
    import unicodedata

    return hashlib.sha256(unicodedata.normalize("NFC", text.strip()).encode()).hexdigest()[:8]


MATH_FORMULAS, MATH_FIGURES = 20, 5


def make_math_book(n: int, dest: Path) -> Path:
    """A book of n chapters, each with 20 displayed formulas (all different) and 5 figures (a
    per-language SVG and a shared PNG, from tests/fixtures/figures), in both editions."""
    book = dest / f"math{n}"
    (book / "zh").mkdir(parents=True)
    (book / "en").mkdir()
    shutil.copytree(ROOT / "tests" / "fixtures" / "figures" / "media", book / "media")
    shutil.copy(ROOT / "tests" / "fixtures" / "figures" / "book.yaml", book / "book.yaml")
    title = "公式与图"
    for c in range(1, n + 1):
        zh = [f"chapter: {c}", "edition: 2026-12-01", f"title: {title}", "body:"]
        en = [f"chapter: {c}", "edition: 2026-12-01", "title:", "  text: Formulas and Figures"]
        en += [f"  source: {_fp(title)}", "body:"]
        for k in range(MATH_FORMULAS):
            # all different (the cache saves nothing across them), single-quoted: no escapes
            tex = f"y_{{{c},{k}}} = \\sum_{{i=1}}^{{{k + 2}}} w_{{i}} x_{{i}}^{{{c % 7 + 1}}}"
            tex += f" + \\frac{{{k}}}{{{c}}}"
            text = f"第 {k + 1} 个公式如下。"
            zh += [f"  t{k}: {text}", f"  m{k}:", f"    math: '{tex}'"]
            en += [f"  t{k}: {{text: Formula {k + 1} follows., source: {_fp(text)}}}"]
            en += [f"  m{k}:", f"    math: '{tex}'"]
        for k in range(MATH_FIGURES):
            src, neutral = ("media/sliding.svg", False) if k % 2 == 0 else ("media/feature-map.png", True)
            cap, alt = f"图示 {k + 1}", f"第 {k + 1} 张图的说明。"
            for out, lang in ((zh, "zh"), (en, "en")):
                out += [f"  f{k}:", f"    figure: {src}"] + (["    neutral: true"] if neutral else [])
                if lang == "zh":
                    out += [f"    caption: {cap}", f"    alt: {alt}"]
                else:
                    out += [f"    caption: {{text: Picture {k + 1}, source: {_fp(cap)}}}",
                            f"    alt: {{text: About picture {k + 1}., source: {_fp(alt)}}}"]  # fmt: skip
        (book / "zh" / f"ch{c:03d}.yaml").write_text("\n".join(zh) + "\n", encoding="utf-8")
        (book / "en" / f"ch{c:03d}.yaml").write_text("\n".join(en) + "\n", encoding="utf-8")
    return book


def edit_one_formula(book: Path) -> None:
    """Change one formula of the first chapter (in both editions: formulas are facts)."""
    for lang in ("zh", "en"):
        path = book / lang / "ch001.yaml"
        text = path.read_text(encoding="utf-8")
        # back and forth, so that every run of the measurement has an edit to rebuild
        a, b = "+ \\frac{0}{1}", "+ \\frac{9}{1}"
        text = text.replace(a, b, 1) if a in text else text.replace(b, a, 1)
        path.write_text(text, encoding="utf-8")


def run_once(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one run of ``cmd`` and the processes it waited for."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err.decode()}")
    return wall, usage.ru_maxrss / 1024


def measure(
    cmd: list[str], runs: int, cwd: Path, before: Callable[[], None] | None = None
) -> tuple[float, float]:
    """Median wall seconds and largest peak RSS (MB) over ``runs`` runs."""
    times, peaks = [], []
    for _ in range(runs):
        if before:
            before()
        wall, peak = run_once(cmd, cwd)
        times.append(wall)
        peaks.append(peak)
    return statistics.median(times), max(peaks)


def measure_pair(first: list[str], second: list[str], runs: int, cwd: Path) -> tuple[float, float]:
    """Median wall seconds of two commands run alternately, ``runs`` times each."""
    a, b = [], []
    for _ in range(runs):
        a.append(run_once(first, cwd)[0])
        b.append(run_once(second, cwd)[0])
    return statistics.median(a), statistics.median(b)


def machine() -> str:
    cpu = platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.1f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} cores{memory}, "
        f"Python {platform.python_version()}"
    )


def forget(work: Path) -> None:
    """Delete the export cache (it lives in the working folder), so that everything is built."""
    shutil.rmtree(work / ".pipeline-cache", ignore_errors=True)


def export_cmd(book: Path, out: Path, *extra: str) -> list[str]:
    return [*PIPELINE, "export", "--sources", str(book), "--exports", str(out), "--quiet", *extra]


def bench(
    sizes: list[int], runs: int, work: Path, log: Callable[[str], None]
) -> tuple[list[Row], list[Pair]]:
    rows: list[Row] = []
    pairs: list[Pair] = []
    def side_by_side(what: str, first: list[str], second: list[str], quick: bool = True) -> None:
        # the medians of short commands need many runs to settle, and many cost little
        pair_runs = (10 if quick else 4) * runs + 1
        ours, theirs = measure_pair(first, second, pair_runs, work)
        pairs.append(Pair(what, ours, theirs, pair_runs))
        log(f"{what:<60} {ours:8.3f} s / {theirs:8.3f} s = {ours / theirs:5.2f}")

    def add(what: str, n: int | None, cmd: list[str], before: Callable[[], None] | None = None) -> None:
        median, peak = measure(cmd, runs, work, before)
        rows.append(Row(what, n, median, peak, runs))
        log(f"{what:<40} {n or '':>4} {median:8.3f} s {peak:7.0f} MB")

    floor = [sys.executable, "-c", "import yaml"]
    add(FLOOR, None, floor)
    for n in sizes:
        book = make_book(n, work)
        out = work / f"out{n}"
        add("check", n, [*PIPELINE, "check", "--sources", str(book)])
        if n == 1:
            side_by_side("check of one chapter / floor", [*PIPELINE, "check", "--sources", str(book)], floor)
        for lang in LANGS:
            for fmt in FORMATS:
                cmd = export_cmd(book, out, "--lang", lang, "--format", fmt, "--force")
                add(f"export --lang {lang} --format {fmt}", n, cmd)
        if n == 1:
            add("export --all", n, export_cmd(book, out, "--all", "--force"))
            add("export --all, nothing changed", n, export_cmd(book, out, "--all"))
            add("export --all, no cache", n, export_cmd(book, out, "--all"), lambda: forget(work))
    showcase = ROOT / "examples" / "showcase"
    if 1 in sizes:
        add("check (showcase)", 1, [*PIPELINE, "check", "--sources", str(showcase)])
        add("export --all (showcase)", 1, export_cmd(showcase, work / "showcase", "--all", "--force"))
    for n in sizes:
        if n == 1 and len(sizes) > 1:
            continue
        book = make_math_book(n, work)
        out = work / f"math-out{n}"
        for lang in LANGS:
            cmd = export_cmd(book, out, "--lang", lang, "--format", "pdf", "--force")
            add(f"formulas and figures: export --lang {lang} --format pdf", n, cmd)
        # the export cache and the formula cache are warm: one edited formula, one chapter rebuilt
        cmd = export_cmd(book, out, "--lang", "zh", "--format", "pdf")
        add("formulas and figures: one formula edited, rebuild", n, cmd, lambda b=book: edit_one_formula(b))
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office and 1 in sizes:
        profile = (work / "lo-profile").as_uri()  # its own profile, made by the first run
        for lang in LANGS:
            docx = work / "out1" / f"ch14.{lang}.docx"
            cmd = [office, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf"]
            cmd += ["--outdir", str(work / "lo"), str(docx)]
            run_once(cmd, work)  # not timed: the first start sets up the profile
            add(f"LibreOffice: DOCX export -> PDF ({lang})", 1, cmd)
            ours = export_cmd(work / "book1", work / "out1", "--lang", lang, "--format", "pdf", "--force")
            side_by_side(f"one PDF export / LibreOffice's DOCX -> PDF ({lang})", ours, cmd, quick=False)
    pandoc = shutil.which("pandoc")
    if pandoc and 1 in sizes:
        for lang in LANGS:
            md = work / "out1" / f"ch14.{lang}.md"
            theirs = [pandoc, str(md), "-o", str(work / "p.docx")]
            add(f"pandoc: Markdown export -> DOCX ({lang})", 1, theirs)
            ours = export_cmd(work / "book1", work / "out1", "--lang", lang, "--format", "docx", "--force")
            side_by_side(f"one DOCX export / pandoc md -> docx ({lang})", ours, theirs)
    return rows, pairs


def find(rows: list[Row], what: str, n: int | None) -> Row | None:
    return next((r for r in rows if r.what == what and r.chapters == n), None)


def targets(rows: list[Row], pairs: list[Pair]) -> list[tuple[str, str, bool]]:
    """(target, measured, met) for each target of the benchmark issue that was measured; the
    ratios from the side-by-side runs."""
    result: list[tuple[str, str, bool]] = []

    def target(name: str, value: float, limit: float, unit: str, at_least: bool = False) -> None:
        met = value >= limit if at_least else value <= limit
        result.append((f"{name} {'≥' if at_least else '≤'} {limit:g}{unit}", f"{value:.2f}{unit}", met))

    ratios = {p.what: p.ours / p.theirs for p in pairs}
    if "check of one chapter / floor" in ratios:
        target("check of one chapter / floor", ratios["check of one chapter / floor"], 2, " ×")
    simple = [
        ("check of 100 chapters", "check", 100, 3),
        ("export --all of one chapter", "export --all", 1, 2),
        ("export --all with nothing changed", "export --all, nothing changed", 1, 0.5),
        *((f"PDFs of 100 chapters ({x})", f"export --lang {x} --format pdf", 100, 60) for x in LANGS),
    ]
    for name, what, n, limit in simple:
        if row := find(rows, what, n):
            target(name, row.median, limit, " s")
    for lang in LANGS:
        if (what := f"one PDF export / LibreOffice's DOCX -> PDF ({lang})") in ratios:
            target(f"LibreOffice's time / one PDF export ({lang})", 1 / ratios[what], 2, " ×", at_least=True)
    for lang in LANGS:
        if (what := f"one DOCX export / pandoc md -> docx ({lang})") in ratios:
            target(what, ratios[what], 2, " ×")
    for lang in LANGS:
        if row := find(rows, f"formulas and figures: export --lang {lang} --format pdf", 100):
            target(f"PDFs of 100 chapters with 20 formulas and 5 figures each ({lang})", row.median, 60, " s")
    if at100 := [r for r in rows if r.chapters == 100]:
        target("peak memory at 100 chapters", max(r.peak_mb for r in at100), 500, " MB")
    growth = [(r.median / ten.median, r.what) for r in at100 if (ten := find(rows, r.what, 10))]
    if growth:
        ratio, what = max(growth)
        target(f"time of 100 chapters / time of 10 (worst: {what})", ratio, 12, " ×")
    return result


def report(rows: list[Row], pairs: list[Pair], runs: int) -> str:
    lines = [
        "# Benchmarks",
        "",
        "Made by `make bench` (`benchmarks/run.py`; `--runs`, `--sizes`, `--out` to vary it).",
        "Synthetic books of N chapters: the real chapter copied under new file names and chapter",
        "numbers, in both editions. Every command runs in a fresh process through the `pipeline`",
        f"console script; the time is the median wall time of {runs} runs, the memory the",
        "largest peak resident set of the process and the workers it forked over those runs.",
        "Exports use `--force` (everything is rebuilt) unless the row says otherwise, and the",
        "default `--jobs` (the number of cores).",
        "",
        f"Machine: {machine()}.",
        "",
        "## Targets",
        "",
        "| target | measured | met |",
        "|---|---|---|",
        *(f"| {t} | {m} | {'yes' if ok else '**no**'} |" for t, m, ok in targets(rows, pairs)),
        "",
        "The ratios come from side-by-side runs: the two commands in turn, so that a slow minute",
        "of the machine slows both alike (measured minutes apart, they could differ by a quarter).",
        "",
        "| side by side | runs each | first (s) | second (s) | ratio |",
        "|---|---:|---:|---:|---:|",
        *(
            f"| {p.what} | {p.runs} | {p.ours:.3f} | {p.theirs:.3f} | {p.ours / p.theirs:.2f} |"
            for p in pairs
        ),
        "",
        "## Results",
        "",
        "| command | chapters | median wall (s) | peak RSS (MB) |",
        "|---|---:|---:|---:|",
        *(f"| {r.what} | {r.chapters or ''} | {r.median:.3f} | {r.peak_mb:.0f} |" for r in rows),
        "",
    ]
    lines += [
        "Wall times on a shared virtual machine vary from run to run by 10 to 25 %; a target near its",
        'limit (`export --all` of a chapter) can be missed on a bad run. "no cache" does the same work',
        "as `--force` after deleting `.pipeline-cache/`: the two differ only by that noise.",
        "",
    ]
    if not shutil.which("pandoc"):
        lines += ["pandoc was not installed on this machine, so its row is missing.", ""]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5, help="runs per command (default: 5)")
    ap.add_argument("--sizes", default="1,10,100", help="book sizes in chapters (default: 1,10,100)")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "README.md"), help="where to write the table")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    # bytecode as an installation has it: with PYTHONDONTWRITEBYTECODE set, an edited module
    # would otherwise be compiled again by every timed run
    compileall.compile_dir(str(ROOT / "pipeline"), quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        log = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731
        rows, pairs = bench(sizes, args.runs, Path(tmp), log)
    text = report(rows, pairs, args.runs)
    Path(args.out).write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
