"""`pipeline export`: print-ready handouts in PDF, DOCX and Markdown."""

from __future__ import annotations

import argparse
import os
import sys

from pipeline.cli import EXIT_FINDINGS, EXIT_OK, EXIT_UNUSABLE, add_sources_option

FORMAT_NAMES = ("pdf", "docx", "md")  # kept in step with pipeline.export.FORMATS (tested)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export",
        help="build handouts (PDF, DOCX, Markdown) in one language or two side by side",
        description="Build print-ready comparison handouts into exports/ "
        "(named CHAPTER.LANG.EXT, e.g. ch14.en.pdf, ch14.zh+en.docx).",
    )
    add_sources_option(p)
    p.add_argument(
        "--lang", metavar="LANG", help="zh, en, or two joined by '+' for a bilingual handout (zh+en)"
    )
    p.add_argument(
        "--format", choices=FORMAT_NAMES, help="output format (default: from the name given to --out)"
    )
    p.add_argument("--all", action="store_true", help="every language, pair of languages and format")
    p.add_argument(
        "--chapter", action="append", metavar="KEY", help="only this chapter (file stem); repeatable"
    )
    p.add_argument(
        "--out",
        metavar="FILE",
        help="write exactly this file (one chapter, language and format; the format follows its "
        "extension); '-' writes to standard output",
    )
    p.add_argument(
        "--exports", metavar="DIR", help="output folder (default: exports/, beside the project's sources/)"
    )
    p.add_argument("--paper", choices=("a4", "letter"), default="a4", help="paper size (default: a4)")
    p.add_argument("--font", metavar="TTF", help="TrueType font for the PDF instead of Noto Sans SC")
    p.add_argument("--bold-font", metavar="TTF", help="bold face of --font (default: --font itself)")
    p.add_argument(
        "--check",
        action="store_true",
        help="build in memory and exit 1 if a file in the output folder differs",
    )
    p.add_argument("--force", action="store_true", help="rebuild outputs that are up to date")
    p.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=os.cpu_count() or 1,
        metavar="N",
        help="outputs built in parallel (default: number of cores)",
    )
    p.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pipeline import gcpause
    from pipeline.errors import UsageError

    with gcpause.paused():  # importing makes no garbage (see pipeline.gcpause)
        from pipeline.export import RenderError
        from pipeline.export import build as b
        from pipeline.loader import load_book

    args.format = _format(args.format, args.out)
    if not args.all and not (args.lang and args.format):
        raise UsageError("give --lang and --format (or --out FILE.pdf, .docx or .md), or --all")
    if args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    to_stdout = args.out == "-"
    if to_stdout and args.check:
        raise UsageError("--check compares files: give --out FILE, not --out -")
    if to_stdout and args.format != "md" and sys.stdout.isatty():
        raise UsageError(
            f"--out -: a {args.format.upper()} file is binary and standard output is a terminal; "
            f"redirect it (> handout.{args.format}) or give --out handout.{args.format}"
        )
    book = load_book(args.sources)
    keys = args.chapter or book.chapter_keys()
    missing = [k for k in keys if k not in book.chapter_keys()]
    if missing:
        from pipeline.suggest import did_you_mean

        hint = did_you_mean(missing[0], book.chapter_keys())
        raise UsageError(f"no chapter {missing[0]!r} in {args.sources}{'; ' + hint if hint else ''}")
    editions = b.all_editions(book) if args.all and not args.lang else [b.parse_langs(args.lang, book.langs)]
    formats = list(FORMAT_NAMES) if args.all and not args.format else [args.format]
    from pipeline.i18n import missing_catalog_warning

    for code in dict.fromkeys(c for edition in editions for c in edition):
        warning = missing_catalog_warning(code)
        if warning:  # never silently: once per language and run, not once per handout
            print(f"pipeline: warning: {warning}", file=sys.stderr)
    _report_missing(book, keys, editions)
    options = b.Options(paper=args.paper, font=args.font, bold_font=args.bold_font or args.font)
    b.check_fonts(options)
    jobs = b.plan(book, keys, editions, formats, args.exports, args.out)
    digests = {job: b.input_hash(book, job, options) for job in jobs}
    if not args.check and not args.force and not to_stdout:
        cache_data = b._load_cache()
        jobs = [job for job in jobs if not b.up_to_date(job, digests[job], cache_data)]
    progress = b.Progress(len(jobs), enabled=not args.quiet and not to_stdout)
    try:
        outputs = list(b.render_all(book, jobs, options, min(args.jobs, len(jobs)), progress))
    except RenderError as exc:
        progress.close()
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print("pipeline: nothing was written", file=sys.stderr)
        return EXIT_UNUSABLE
    progress.close()
    if args.check:
        return _compare(outputs, args)
    if to_stdout:
        sys.stdout.flush()
        sys.stdout.buffer.write(outputs[0][1])
        sys.stdout.buffer.flush()
        return EXIT_OK
    # Everything is built before anything is written: a failed run leaves earlier outputs as
    # they were, and each file is replaced atomically.
    b.write_all(outputs)
    b.remember(outputs, digests)
    if not args.quiet:
        for job, _ in outputs:
            print(job.path)
        skipped = len(digests) - len(outputs)
        if skipped:
            print(f"{skipped} up-to-date output{'s' if skipped != 1 else ''} skipped (--force rebuilds)")
    return EXIT_OK


def _report_missing(book: object, keys: list[str], editions: list[tuple[str, ...]]) -> None:
    """Say how many units of each exported translation are not translated yet."""
    from pipeline.export.layout import MISSING_MARK
    from pipeline.progress import progress

    wanted = {c for edition in editions for c in edition}
    for row in progress(book, words=False):  # type: ignore[arg-type]
        if row["chapter"] in keys and row["lang"] in wanted and row["untranslated"]:
            print(
                f"pipeline: {row['chapter']}.{row['lang']}: {row['untranslated']} of {row['units']} units "
                "are not translated yet; the handouts show the source text in their place, marked "
                f"{MISSING_MARK}",
                file=sys.stderr,
            )


EXTENSIONS = {".pdf": "pdf", ".docx": "docx", ".md": "md", ".markdown": "md"}


def _format(fmt: str | None, out: str | None) -> str | None:
    """The format to write: --format, else the one --out's extension names (Markdown for
    standard output); a --format that --out's extension contradicts is refused."""
    from pipeline.errors import UsageError

    if out is None:
        return fmt
    if out == "-":
        return fmt or "md"
    ext = os.path.splitext(out)[1]
    named = EXTENSIONS.get(ext.lower())
    if fmt is None and named is None:
        raise UsageError(
            f"cannot tell the format of --out {out}: give --format, or end the name in .pdf, .docx or .md"
        )
    if fmt is None:
        return named
    if named is not None and named != fmt:
        raise UsageError(
            f"--format {fmt} but --out {out} names a {named.upper()} file: "
            f"give --out {out[: -len(ext)]}.{fmt}, or leave out --format"
        )
    return fmt


def _compare(outputs: list, args: argparse.Namespace) -> int:
    from pipeline.cli import command_line, default_exports

    extra = ("--exports", args.exports) if args.exports != default_exports(args.sources) else ()
    rebuild = command_line(args.sources, "export", "--all", *extra)
    stale = []
    for job, data in outputs:
        try:
            with open(job.path, "rb") as fh:
                same = fh.read() == data
        except OSError:
            same = False
        if not same:
            stale.append(job.path)
            print(f"{job.path}: out of date (run `{rebuild}`)", file=sys.stderr)
    if stale:
        return EXIT_FINDINGS
    print(f"{len(outputs)} handouts up to date")
    return EXIT_OK
