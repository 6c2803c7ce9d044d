"""`pipeline tm export`: the book's translation memory as TMX 1.4b, for any CAT tool."""

from __future__ import annotations

import argparse

from pipeline.cli import EXIT_OK, add_sources_option


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "tm",
        help="export the book's translation memory (TMX)",
        description="Every reviewed pair of the book, source language to each translation, as "
        "TMX 1.4b with inline tags as TMX inline elements.",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    exp = actions.add_parser("export", help="write the TMX file of every reviewed translation")
    add_sources_option(exp)
    exp.add_argument("--lang", metavar="LANG", action="append", help="only this translation (repeatable)")
    exp.add_argument("--out", metavar="FILE", required=True, help="the TMX file to write")
    exp.set_defaults(run=run_export)


def run_export(args: argparse.Namespace) -> int:
    from pipeline.atomic import write_bytes_atomic
    from pipeline.errors import UsageError
    from pipeline.interchange.common import check_lang
    from pipeline.interchange.tmx import export_tmx
    from pipeline.loader import load_book

    book = load_book(args.sources)
    langs = list(dict.fromkeys(args.lang)) if args.lang else book.langs[1:]
    for lang in langs:
        check_lang(book, lang, "translation memories")
    data, count = export_tmx(book, langs)
    try:
        write_bytes_atomic(args.out, data)
    except OSError as exc:
        raise UsageError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    print(f"{args.out}: {count} translation unit{'s' if count != 1 else ''}")
    return EXIT_OK
