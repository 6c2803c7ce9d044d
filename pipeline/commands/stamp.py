"""`pipeline stamp`: accept reviewed translations by recording their source fingerprints.

Only the ``source:`` value of each named stale unit changes in the translation files; every
other byte stays as it was.
"""

from __future__ import annotations

import argparse

from pipeline.cli import EXIT_OK, add_sources_option


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "stamp",
        help="record that translation units were reviewed against their current source text",
        description="Rewrite the fingerprint (source:) of the named translation units whose "
        "source text changed or that have none. IDs may be prefixed by the chapter (ch14:ID) "
        "and may use shell wildcards ('profiles.caffe.*').",
    )
    add_sources_option(p)
    p.add_argument("ids", nargs="*", metavar="ID", help="unit ids to accept")
    p.add_argument("--all", action="store_true", help="accept every stale unit")
    p.add_argument("--dry-run", action="store_true", help="show what would change, write nothing")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pipeline.check.stamping import stamp
    from pipeline.errors import UsageError
    from pipeline.loader import load_book

    if bool(args.ids) == bool(args.all):
        raise UsageError("give the ids of the reviewed units, or --all")
    book = load_book(args.sources)
    stamp(book, None if args.all else args.ids, dry_run=args.dry_run)
    return EXIT_OK
