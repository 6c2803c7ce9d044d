"""`pipeline add-language LANG`: start (or complete) an edition in another language."""

from __future__ import annotations

import argparse

from pipeline.cli import EXIT_OK, add_sources_option


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "add-language",
        help="start an edition in another language: a skeleton of every chapter to translate",
        description="Add LANG (a BCP 47 code that CLDR knows: ja, fr, zh-Hant, ...) to book.yaml and "
        "create SOURCES/LANG/ with every chapter's structure and facts and every text empty. Run "
        "again, it adds what is missing (a new chapter's skeleton) and changes nothing else.",
    )
    add_sources_option(p)
    p.add_argument("lang", metavar="LANG", help="the language code, e.g. ja, fr, de, zh-Hant, ko")
    p.add_argument("--dry-run", action="store_true", help="show what would be written, write nothing")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pipeline import editions
    from pipeline.loader import load_book

    book = load_book(args.sources)
    files, done = editions.add_language(book, args.lang)
    if not files:
        print(f"{args.lang}: the edition is complete already; nothing to add")
        return EXIT_OK
    if not args.dry_run:
        editions.write(files)
    for line in done:
        print(("would write " if args.dry_run else "") + line)
    if not args.dry_run:
        sources = "" if args.sources == "sources" else f" --sources {args.sources}"
        print(
            "next: give translators a PO or XLIFF file of each chapter, e.g. "
            f"`pipeline{sources} po export --lang {args.lang} --chapter KEY --out KEY.{args.lang}.po`, "
            f"import it with `pipeline{sources} po import FILE`, and follow the progress with "
            f"`pipeline{sources} status`"
        )
    return EXIT_OK
