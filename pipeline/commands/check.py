"""`pipeline check`: compare the editions unit by unit and report every inconsistency.

Exit status: 0 clean (warnings allowed unless --strict), 1 findings, 2 unusable sources or
a usage error. The checker imports neither ReportLab nor python-docx.
"""

from __future__ import annotations

import argparse
import sys

from pipeline.cli import EXIT_FINDINGS, EXIT_OK, add_sources_option

FORMATS = ("text", "json", "github")  # kept in step with pipeline.check.report.FORMATS (tested)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "check",
        help="check that the editions agree, unit by unit",
        description="Compare every translation with its source, unit by unit, and report every "
        "inconsistency as PATH:LINE:COL: SEVERITY RULE: MESSAGE. Exit status: 0 clean, "
        "1 findings, 2 unusable sources or usage error.",
    )
    add_sources_option(p)
    p.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="check only the chapters of these chapter files (SOURCES/LANG/NAME.yaml), in every language",
    )
    p.add_argument("--list", action="store_true", help="print the rule catalog and exit")
    p.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    p.add_argument("--strict", action="store_true", help="warnings fail the check too")
    p.add_argument("--show-waived", action="store_true", help="also list findings that waivers excuse")
    p.add_argument(
        "--accept",
        nargs="+",
        metavar="ID",
        help="mark these reviewed units as up to date (rewrite their fingerprints), then check",
    )
    p.add_argument("--rule", action="append", default=[], metavar="RULE", help="run only RULE; repeatable")
    p.add_argument("--skip", action="append", default=[], metavar="RULE", help="do not run RULE; repeatable")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pipeline import gcpause

    # No cyclic garbage collection for the whole command, imports included: it makes no
    # reference cycles worth freeing, and the collections the imports and the end of each
    # pause started (one walking every object alive) took 3-5 ms of a one-chapter check.
    with gcpause.paused():
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    from pipeline.check import report
    from pipeline.check.engine import check, select_rules
    from pipeline.errors import UsageError

    try:
        rules = select_rules(args.rule, args.skip)
    except KeyError as exc:
        from pipeline.check.catalog import catalog
        from pipeline.suggest import did_you_mean

        hint = did_you_mean(exc.args[0], catalog())
        hint = f"; {hint}" if hint else ""
        raise UsageError(f"unknown rule {exc.args[0]!r}{hint} (see `pipeline check --list`)") from None
    if args.list:
        sys.stdout.write(report.render_catalog(rules, args.format))
        return EXIT_OK
    if args.accept:  # `--accept ID FILE`: argparse hands the chapter file to --accept
        args.files += [a for a in args.accept if a.endswith((".yaml", ".yml"))]
        args.accept = [a for a in args.accept if not a.endswith((".yaml", ".yml"))]
        if not args.accept:
            raise UsageError("give the ids of the reviewed units to --accept")
    book = _load(args)
    if args.accept:
        from pipeline.check.stamping import stamp

        # the accepted units are part of the report in text; JSON and annotations keep stdout
        # for themselves
        stamp(
            book,
            args.accept,
            verb="accepted",
            out=sys.stdout if args.format == "text" else sys.stderr,
            summary=False,
        )
        book = _load(args)  # check what is now on disk
    result = check(book, rules)
    sys.stdout.write(report.render(result, args.format, args.show_waived))
    return EXIT_OK if result.clean(args.strict) else EXIT_FINDINGS


def _load(args: argparse.Namespace) -> object:
    """The book, or only the chapters of the files named on the command line (in every language)."""
    from pipeline.loader import load_book

    if not args.files:
        return load_book(args.sources)
    keys = _chapters(args.files, args.sources)
    book = load_book(args.sources, lambda lang, key: key in keys)
    _restrict(book, args.files, keys)
    return book


def _chapters(files: list[str], sources: str) -> set[str]:
    """The chapter keys of chapter files named on the command line (sources/en/ch14.yaml -> ch14)."""
    import os

    from pipeline.errors import UsageError

    keys = set()
    root = os.path.realpath(sources)
    for path in files:
        if not os.path.isfile(path):
            raise UsageError(f"{path}: no such file")
        folder = os.path.dirname(os.path.realpath(path))
        stem, ext = os.path.splitext(os.path.basename(path))
        if os.path.dirname(folder) != root or ext not in (".yaml", ".yml"):
            where = os.path.join(sources, "LANG", "NAME.yaml")
            raise UsageError(
                f"{path} is not a chapter file of the book in {sources} (chapter files are {where})"
            )
        keys.add(stem)
    return keys


def _restrict(book: object, files: list[str], keys: set[str]) -> None:
    """Keep the book's findings about files to the chapters named; refuse a file in a folder that
    is not one of its languages."""
    import os

    from pipeline.errors import UsageError

    for path in files:
        lang = os.path.basename(os.path.dirname(os.path.realpath(path)))
        if lang not in book.langs:  # type: ignore[attr-defined]
            known = ", ".join(book.langs)  # type: ignore[attr-defined]
            raise UsageError(
                f"{path} is not a chapter file of the book: {lang!r} is not one of its languages ({known})"
            )
    orphans = book.orphans  # type: ignore[attr-defined]
    orphans[:] = [(lang, p) for lang, p in orphans if os.path.splitext(os.path.basename(p))[0] in keys]
