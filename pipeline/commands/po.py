"""`pipeline po export|import`: a round trip through PO files for translators' tools."""

from __future__ import annotations

import argparse
import sys

from pipeline.cli import EXIT_OK, add_sources_option


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "po",
        help="export a translation to a PO file, or import a translated PO file",
        description="One PO file per chapter and translation: msgctxt is the unit id, msgid the "
        "source text, msgstr the translation; stale units are fuzzy.",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    exp = actions.add_parser("export", help="write the PO file of a chapter's translation")
    imp = actions.add_parser("import", help="write a PO file's translations back into the sources")
    for q in (exp, imp):
        add_sources_option(q)
        q.add_argument("--chapter", metavar="KEY", help="chapter (default: the only one)")
        q.add_argument("--lang", metavar="LANG", help="translation language (default: the only one)")
    exp.add_argument(
        "--out", metavar="FILE", help="write here instead of standard output ('-': standard output)"
    )
    imp.add_argument("file", metavar="FILE", help="the translated PO file")
    exp.set_defaults(run=run_export)
    imp.set_defaults(run=run_import)


def _target(args: argparse.Namespace, book: object) -> tuple[str, str]:
    from pipeline.errors import UsageError

    keys = book.chapter_keys()  # type: ignore[attr-defined]
    targets = book.langs[1:]  # type: ignore[attr-defined]
    key = args.chapter or (keys[0] if len(keys) == 1 else None)
    lang = args.lang.strip().lower() if args.lang else (targets[0] if len(targets) == 1 else None)
    if key is None:
        raise UsageError(f"give --chapter (one of: {', '.join(keys)})")
    if lang is None:
        raise UsageError(f"give --lang (one of: {', '.join(targets)})")
    if lang not in targets:
        raise UsageError(f"unknown translation language {lang!r} (known: {', '.join(targets)})")
    if key not in keys:
        raise UsageError(f"--chapter {key!r}: no such chapter (known: {', '.join(keys)})")
    return key, lang


def run_export(args: argparse.Namespace) -> int:
    from pipeline.atomic import write_bytes_atomic
    from pipeline.errors import UsageError
    from pipeline.loader import load_book
    from pipeline.po import export_po

    book = load_book(args.sources)
    key, lang = _target(args, book)
    data = export_po(book, key, lang)
    if args.out and args.out != "-":
        try:
            write_bytes_atomic(args.out, data)
        except OSError as exc:
            raise UsageError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    else:
        sys.stdout.buffer.write(data)
    return EXIT_OK


def run_import(args: argparse.Namespace) -> int:
    from pipeline.errors import UsageError
    from pipeline.loader import load_book
    from pipeline.po import apply_changes, plan_import, read_catalog

    book = load_book(args.sources)
    key, lang = _target(args, book)
    try:
        with open(args.file, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise UsageError(f"cannot read {args.file}: {exc.strerror}") from None
    changes = plan_import(book, key, lang, read_catalog(args.file, data), args.file)
    apply_changes(book.chapters[lang][key].path, changes)
    texts = sum(c.text is not None for c in changes)
    stamps = sum(c.source is not None for c in changes)
    print(
        f"{args.file}: {texts} translation{'s' if texts != 1 else ''} changed, "
        f"{stamps} fingerprint{'s' if stamps != 1 else ''} updated"
    )
    return EXIT_OK
