"""`pipeline status`: how far each translation is, per chapter, from the fingerprints."""

from __future__ import annotations

import argparse
import json
import sys

from pipeline.cli import EXIT_OK, add_sources_option

BAR = 20


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "status",
        help="translation progress per chapter and language",
        description="Units and words (characters for CJK) accepted, translated (not yet reviewed), "
        "stale and untranslated, per chapter and translation, with the glossary's gaps.",
    )
    add_sources_option(p)
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pipeline import progress
    from pipeline.loader import load_book

    book = load_book(args.sources)
    rows = progress.progress(book)
    gaps = progress.glossary_gaps(book)
    if args.format == "json":
        print(json.dumps({"version": 1, "rows": rows, "glossary_gaps": gaps}, ensure_ascii=False, indent=2))
        return EXIT_OK
    bars = sys.stdout.isatty()
    head = ("chapter", "lang", "units", "accepted", "translated", "stale", "untranslated", "words", "done")
    table = [head] + [
        (
            str(r["chapter"]),
            str(r["lang"]),
            *(str(r[k]) for k in ("units", "accepted", "translated", "stale", "untranslated", "words")),
            f"{r['percent']}%",
        )
        for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    for n, row in enumerate(table):
        cells = [
            c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        line = "  ".join(cells)
        if bars and n:
            filled = round(BAR * int(rows[n - 1]["percent"]) / 100)  # type: ignore[call-overload]
            line += "  " + "█" * filled + "░" * (BAR - filled)
        print(line)
    terms = len(book.glossary.terms)
    for lang, missing in gaps.items():
        if missing:
            print(f"glossary: {missing} of {terms} terms have no {lang} form")
    return EXIT_OK
