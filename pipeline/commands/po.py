"""`pipeline po export|import`: a round trip through PO files for translators' tools."""

from __future__ import annotations

import argparse

from pipeline.cli import EXIT_OK, add_sources_option
from pipeline.commands import read_input, write_output


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "po",
        help="export a translation to a PO file, or import a translated PO file",
        description="One PO file per chapter and translation: msgctxt is the unit id, msgid the "
        "source text, msgstr the translation; units not reviewed are fuzzy.",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    exp = actions.add_parser("export", help="write the PO file of a chapter's translation")
    imp = actions.add_parser(
        "import",
        help="write a PO file's translations back into the sources",
        description="Entries whose source text changed since the export are skipped and listed "
        "(exit status 1); fuzzy entries are left out; every other edit goes in.",
    )
    for q in (exp, imp):
        add_sources_option(q)
        q.add_argument("--lang", metavar="LANG", help="translation language (default: the only one)")
    exp.add_argument(
        "--chapter", metavar="KEY", help="chapter, or 'book' for book.yaml (default: the only one)"
    )
    imp.add_argument("--chapter", metavar="KEY", help="chapter (default: the one the file's header names)")
    exp.add_argument(
        "--out", metavar="FILE", help="write here instead of standard output ('-': standard output)"
    )
    exp.add_argument("--no-suggestions", action="store_true", help="offer no translation-memory suggestions")
    imp.add_argument("file", metavar="FILE", help="the translated PO file")
    exp.set_defaults(run=run_export)
    imp.set_defaults(run=run_import)


def choose(book: object, chapter: str | None, lang: str | None, hint_key: str | None = None,
           hint_lang: str | None = None, origin: str = "") -> tuple[str, str]:  # fmt: skip
    """The chapter and language: as given, else as the file says (``hint_*``), else the only one."""
    from pipeline.errors import UsageError
    from pipeline.interchange.common import document_keys

    keys = [k for k in document_keys(book) if k != "book"]  # type: ignore[arg-type]
    targets = book.langs[1:]  # type: ignore[attr-defined]
    key = chapter or hint_key or (keys[0] if len(keys) == 1 else None)
    if lang:  # codes in any case on the command line: ZH-hant is zh-Hant
        from pipeline.langs import normalise

        lang = normalise(lang.strip())
    lang = lang or hint_lang or (targets[0] if len(targets) == 1 else None)
    if key is None:
        raise UsageError(f"give --chapter (one of: {', '.join(keys)}){origin}")
    if lang is None:
        raise UsageError(f"give --lang (one of: {', '.join(targets)}){origin}")
    if not chapter and hint_key and hint_key not in document_keys(book):  # type: ignore[arg-type]
        raise UsageError(
            f"the file is for chapter {hint_key!r}, which the sources do not have; give --chapter"
        )
    if lang not in targets:
        raise UsageError(f"unknown translation language {lang!r} (known: {', '.join(targets)})")
    if key not in document_keys(book):  # type: ignore[arg-type]
        raise UsageError(f"--chapter {key!r}: no such chapter (known: {', '.join(keys)})")
    return key, lang


def run_export(args: argparse.Namespace) -> int:
    from pipeline.interchange.po import export_po
    from pipeline.loader import load_book

    book = load_book(args.sources)
    key, lang = choose(book, args.chapter, args.lang)
    data = export_po(book, key, lang, suggestions=not args.no_suggestions)
    write_output(args.out, data)
    return EXIT_OK


def run_import(args: argparse.Namespace) -> int:
    import os

    from pipeline.errors import UsageError
    from pipeline.interchange.common import lang_of_tag, report
    from pipeline.interchange.po import import_po, read_po_file
    from pipeline.loader import load_book

    book = load_book(args.sources)
    data = read_input(args.file)
    po = read_po_file(args.file, data)
    hint_key = po.key
    if hint_key is None:  # a tool rewrote the header: the `#:` places name the chapter's file
        stems = {os.path.splitext(os.path.basename(p))[0] for m in po.entries for p, _ in m.locations}
        hint_key = stems.pop() if len(stems) == 1 else None
    hint_lang = lang_of_tag(book, po.language) if po.language else None
    if args.lang and hint_lang and args.lang != hint_lang:
        raise UsageError(f"{args.file} is a translation into {hint_lang!r}, not {args.lang!r}")
    key, lang = choose(book, args.chapter, args.lang, hint_key, hint_lang, f" for {args.file}")
    return report(args.file, import_po(book, key, lang, po)) or EXIT_OK
