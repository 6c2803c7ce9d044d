"""Planning and running exports: which handouts to build, building them, writing them safely."""

from __future__ import annotations

import os
from dataclasses import dataclass

from pipeline.errors import UsageError
from pipeline.export import FORMATS, Options, output_name, writer
from pipeline.export.layout import build as build_layout
from pipeline.model import Book


@dataclass(frozen=True)
class Job:
    key: str  # chapter
    codes: tuple[str, ...]  # languages, the first leads
    fmt: str
    path: str  # where the output goes


def parse_langs(value: str, book_langs: list[str]) -> tuple[str, ...]:
    """'en' or 'zh+en' -> ('zh', 'en'), checked against the book's languages."""
    codes = tuple(value.split("+"))
    unknown = [c for c in codes if c not in book_langs]
    if unknown or not codes or len(set(codes)) != len(codes) or len(codes) > 2:
        known = ", ".join(book_langs)
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
    return writer(job.fmt)(handout, options)


def check_fonts(options: Options) -> None:
    for path in (options.font, options.bold_font):
        if path and not os.path.isfile(path):
            raise UsageError(f"--font {path}: no such file")


__all__ = ["FORMATS", "Job", "all_editions", "check_fonts", "parse_langs", "plan", "render"]
