"""`pipeline xliff export|import`: XLIFF 2.1 files for CAT tools, with inline codes."""

from __future__ import annotations

import argparse

from pipeline.cli import EXIT_OK, add_sources_option
from pipeline.commands import read_input, write_output


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "xliff",
        help="export a translation to an XLIFF 2.1 file, or import a translated one",
        description="One <file> per chapter, one <unit> per translatable unit (our ids); inline tags "
        "become inline codes; state says whether a unit is untranslated, stale or reviewed.",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    exp = actions.add_parser("export", help="write the XLIFF file of a translation")
    imp = actions.add_parser(
        "import",
        help="write an XLIFF file's translations back into the sources",
        description="Units whose source text changed since the export, or whose target lost or "
        "invented an inline code, are skipped and listed (exit status 1); targets in state initial "
        "are left out; every other edit goes in.",
    )
    for q in (exp, imp):
        add_sources_option(q)
    exp.add_argument("--lang", metavar="LANG", help="translation language (default: the only one)")
    exp.add_argument(
        "--chapter",
        metavar="KEY",
        action="append",
        help="chapter, or 'book' for book.yaml; repeatable (default: every chapter and the book's metadata)",
    )
    exp.add_argument("--out", metavar="FILE", help="write here instead of standard output")
    exp.add_argument("--no-suggestions", action="store_true", help="offer no translation-memory matches")
    imp.add_argument("--lang", metavar="LANG", help="translation language (default: the file's trgLang)")
    imp.add_argument("file", metavar="FILE", help="the translated XLIFF file")
    exp.set_defaults(run=run_export)
    imp.set_defaults(run=run_import)


def run_export(args: argparse.Namespace) -> int:
    from pipeline.errors import UsageError
    from pipeline.interchange.common import document_keys
    from pipeline.interchange.xliff import export_xliff
    from pipeline.loader import load_book

    book = load_book(args.sources)
    targets = book.langs[1:]
    lang = args.lang or (targets[0] if len(targets) == 1 else None)
    if lang is None:
        raise UsageError(f"give --lang (one of: {', '.join(targets)})")
    keys = list(dict.fromkeys(args.chapter)) if args.chapter else document_keys(book)
    data = export_xliff(book, keys, lang, suggestions=not args.no_suggestions)
    write_output(args.out, data)
    return EXIT_OK


def run_import(args: argparse.Namespace) -> int:
    from pipeline.errors import UsageError
    from pipeline.interchange.common import lang_of_tag, report
    from pipeline.interchange.xliff import import_xliff, read_xliff
    from pipeline.loader import load_book

    book = load_book(args.sources)
    data = read_input(args.file)
    xf = read_xliff(args.file, data)
    file_lang = lang_of_tag(book, xf.trg_lang or "")
    if file_lang is None:
        raise UsageError(f"{args.file}: trgLang {xf.trg_lang!r} is none of the book's translations")
    if args.lang and args.lang != file_lang:
        raise UsageError(f"{args.file} is a translation into {file_lang!r}, not {args.lang!r}")
    if lang_of_tag(book, xf.src_lang) != book.source_lang:
        raise UsageError(f"{args.file}: srcLang {xf.src_lang!r} is not the book's source language")
    return report(args.file, import_xliff(book, file_lang, xf)) or EXIT_OK
