"""Planning and running exports: which handouts to build, which are out of date, building them
in parallel, and writing them safely.

"What is out of date" is one function, :func:`input_hash`, over the content of everything an
output depends on (its chapter files in every language, the glossary, the book file, the fonts,
the catalogs, the options and the pipeline version), as Sphinx's ``get_outdated_docs`` is. The
hashes of the last build live in ``.pipeline-cache/exports.json``; an output is skipped when its
input hash is unchanged and the file on disk is still the one that was written.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import NamedTuple

from pipeline import __version__
from pipeline.atomic import write_bytes_atomic, write_files_atomic
from pipeline.errors import UsageError
from pipeline.export import FORMATS, Options, output_name, writer
from pipeline.export.layout import build as build_layout
from pipeline.i18n import LOCALES_DIR
from pipeline.loader import BOOK_FILE
from pipeline.model import Book

PACKAGE_DIR = os.path.dirname(os.path.dirname(__file__))
FONTS_DIR = os.path.join(PACKAGE_DIR, "fonts")
CACHE_FILE = os.path.join(".pipeline-cache", "exports.json")


class Job(NamedTuple):
    key: str  # chapter
    codes: tuple[str, ...]  # languages, the first leads
    fmt: str
    path: str  # where the output goes


def parse_langs(value: str, book_langs: list[str]) -> tuple[str, ...]:
    """'en' or 'zh+en' -> ('zh', 'en'), checked against the book's languages (in any case:
    'EN' is 'en', 'ZH-HANT' is 'zh-Hant')."""
    from pipeline.langs import normalise

    codes = tuple(normalise(c.strip()) if c.strip() else "" for c in value.split("+"))
    known = ", ".join(book_langs)
    if all(codes):
        for code in codes:
            if code not in book_langs:
                raise UsageError(f"unknown language {code!r} (known: {known})")
    if not all(codes) or len(set(codes)) != len(codes) or len(codes) > 2:
        raise UsageError(f"--lang {value!r}: give one language or two joined by '+' (languages: {known})")
    return codes


def all_editions(book: Book) -> list[tuple[str, ...]]:
    """Every single-language edition, then the source paired with each translation both ways."""
    out: list[tuple[str, ...]] = [(c,) for c in book.langs]
    for target in book.langs[1:]:
        out += [(book.source_lang, target), (target, book.source_lang)]
    return out


def plan(
    book: Book,
    keys: list[str],
    editions: list[tuple[str, ...]],
    formats: list[str],
    folder: str,
    out: str | None = None,
) -> list[Job]:
    jobs = [
        Job(key, codes, fmt, os.path.join(folder, output_name(key, codes, fmt)))
        for key in keys
        for codes in editions
        for fmt in formats
        if all(key in book.chapters[c] for c in codes)
    ]
    if out is not None:
        if len(jobs) != 1:
            raise UsageError("--out names one file: give one chapter, one --lang and one --format")
        jobs = [Job(jobs[0].key, jobs[0].codes, jobs[0].fmt, out)]
    return jobs


def render(book: Book, job: Job, options: Options) -> bytes:
    """The bytes of one handout."""
    handout = build_layout(book, job.key, job.codes)
    here = options._replace(out_dir=os.path.dirname(os.path.abspath(job.path)))
    return writer(job.fmt)(handout, here)


def check_fonts(options: Options) -> None:
    for path in (options.font, options.bold_font):
        if path and not os.path.isfile(path):
            raise UsageError(f"--font {path}: no such file")


# -- what is out of date ---------------------------------------------------------------------
@cache
def _file_digest(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@cache
def _tree_files(folder: str, suffixes: tuple[str, ...]) -> list[str]:
    out = []
    for base, _, names in os.walk(folder):
        out += [os.path.join(base, n) for n in names if n.endswith(suffixes)]
    return sorted(out)


def _figure_files(book: Book, job: Job) -> list[str]:
    """The image files the handout shows: an edited figure makes it out of date."""
    from pipeline import media
    from pipeline.model import Figure

    out = []
    for lang in job.codes:
        chapter = book.chapters.get(lang, {}).get(job.key)
        for block in chapter.walk() if chapter else ():
            if isinstance(block, Figure):
                rel = media.variant(book.root, str(block.src.value), lang, block.neutral)
                out.append(os.path.join(book.root, rel))
    return sorted(set(out))


def input_hash(book: Book, job: Job, options: Options) -> str:
    """A hash of everything the output of ``job`` depends on."""
    h = hashlib.sha256(f"{__version__}\0{job.key}\0{'+'.join(job.codes)}\0{job.fmt}\0{options}".encode())
    inputs = [os.path.join(book.root, BOOK_FILE)]
    if book.glossary.path:
        inputs.append(book.glossary.path)
    inputs += [
        ch.path for chapters in book.chapters.values() for k, ch in sorted(chapters.items()) if k == job.key
    ]
    inputs += _figure_files(book, job)
    inputs += _tree_files(LOCALES_DIR, (".mo",))
    # the code itself, not only its version number: an edited writer (a checkout between
    # releases, an editable install) must not leave outputs built by the old one "up to date"
    inputs += _tree_files(PACKAGE_DIR, (".py", ".docx"))  # .docx: the DOCX writer's template
    if job.fmt == "pdf":
        inputs += _tree_files(FONTS_DIR, (".ttf",)) + [p for p in (options.font, options.bold_font) if p]
    for path in inputs:
        h.update(f"\0{os.path.basename(path)}\0{_file_digest(path)}".encode())
    return h.hexdigest()


def _load_cache() -> dict[str, dict[str, str]]:
    try:
        with open(CACHE_FILE, encoding="utf-8") as fh:
            data = json.load(fh)
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _save_cache(cache_data: dict[str, dict[str, str]]) -> None:
    try:
        os.makedirs(os.path.dirname(CACHE_FILE), exist_ok=True)
        # not synced: after a crash a lost cache only means one full rebuild
        write_bytes_atomic(CACHE_FILE, json.dumps(cache_data, indent=1, sort_keys=True).encode(), sync=False)
    except OSError:
        pass  # the cache only saves time; a read-only checkout still builds


def up_to_date(job: Job, digest: str, cache_data: dict[str, dict[str, str]]) -> bool:
    entry = cache_data.get(os.path.abspath(job.path))
    if not entry or entry.get("inputs") != digest or not os.path.isfile(job.path):
        return False
    return _file_digest.__wrapped__(job.path) == entry.get("output")


# -- running jobs ----------------------------------------------------------------------------
_WORKER_BOOK: Book | None = None


def _init_worker(book: Book) -> None:
    global _WORKER_BOOK
    _WORKER_BOOK = book
    # Ctrl-C reaches the whole process group. The parent stops the workers (they hold no files),
    # so a worker ignores it rather than dying with a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


@contextmanager
def _interrupts_held() -> Iterator[None]:
    """Hold Ctrl-C back while workers are forked: a child forked with the parent's handler and
    interrupted before its initializer ran would raise KeyboardInterrupt there. The parent gets
    a held interrupt as soon as the block ends."""
    if not hasattr(signal, "pthread_sigmask"):  # Windows: workers are spawned, not forked
        yield
        return
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _render_in_worker(job: Job, options: Options) -> bytes:
    assert _WORKER_BOOK is not None
    return render(_WORKER_BOOK, job, options)


def _cost(job: Job) -> int:
    return {"pdf": 0, "docx": 1}.get(job.fmt, 2)  # slowest first keeps both cores busy


def render_all(
    book: Book, jobs: list[Job], options: Options, workers: int, tick: Callable[[Job], None]
) -> Iterator[tuple[Job, bytes]]:
    """Render every job, in parallel when worth it; yields in the order of ``jobs``."""
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            data = render(book, job, options)
            tick(job)
            yield job, data
        return
    # imported here: a one-handout export does not pay for the process pool machinery
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    order = sorted(range(len(jobs)), key=lambda i: _cost(jobs[i]))
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker, initargs=(book,))
    try:
        with _interrupts_held():  # the first submit forks the workers
            futures = {i: pool.submit(_render_in_worker, jobs[i], options) for i in order}
        results: dict[int, bytes] = {}
        for i in order:
            results[i] = futures[i].result()
            tick(jobs[i])
    except BaseException:
        # Ctrl-C or a failed job: stop the workers now instead of letting them finish the
        # renders under way and the queued ones (the executor has no public way to do that)
        workers_now = list((pool._processes or {}).values())
        for process in workers_now:
            process.terminate()
        for process in workers_now:
            process.join()
        # A worker stopped while it was sending its result leaves half a message in the result
        # pipe, and the executor's thread would wait for the rest forever (and shutdown() and
        # the interpreter's exit with it). With the parent's copy of the pipe's write end
        # closed, that wait ends: the workers held the only other copies.
        with contextlib.suppress(AttributeError, OSError):
            pool._result_queue._writer.close()  # type: ignore[attr-defined]
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown()
    for i, job in enumerate(jobs):
        yield job, results[i]


class Progress:
    """`[3/12] exports/ch14.en.pdf` on a terminal, once a build has run for a second."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total, self.done = total, 0
        self.enabled = enabled and sys.stderr.isatty()
        self.start = time.monotonic()
        self.shown = False

    def __call__(self, job: Job) -> None:
        self.done += 1
        if self.enabled and time.monotonic() - self.start > 1.0:
            sys.stderr.write(f"\r\x1b[K[{self.done}/{self.total}] {job.path}")
            sys.stderr.flush()
            self.shown = True

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


def write_all(outputs: list[tuple[Job, bytes]]) -> None:
    """Write every output atomically; folders are created as needed.

    All of them are written to temporary files before any is renamed into place, so an output
    that cannot be written leaves every earlier output as it was.
    """
    for job, _ in outputs:
        folder = os.path.dirname(job.path) or "."
        try:
            os.makedirs(folder, exist_ok=True)
        except FileExistsError:  # makedirs says "File exists": say which and why it matters
            raise UsageError(f"cannot write {job.path}: {folder} is a file, not a folder") from None
        except OSError as exc:
            raise UsageError(f"cannot write {job.path}: {exc.strerror or exc}") from None
    try:
        write_files_atomic([(job.path, data) for job, data in outputs])
    except OSError as exc:
        raise UsageError(f"cannot write {exc.filename}: {exc.strerror or exc}") from None


def remember(outputs: list[tuple[Job, bytes]], digests: dict[Job, str]) -> None:
    cache_data = _load_cache()
    for job, data in outputs:
        cache_data[os.path.abspath(job.path)] = {
            "inputs": digests[job],
            "output": hashlib.sha256(data).hexdigest(),
        }
    _save_cache(cache_data)


__all__ = [
    "FORMATS",
    "Job",
    "Progress",
    "all_editions",
    "check_fonts",
    "input_hash",
    "parse_langs",
    "plan",
    "remember",
    "render",
    "render_all",
    "up_to_date",
    "write_all",
]
