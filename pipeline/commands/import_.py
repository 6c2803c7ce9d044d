"""`pipeline import`: bring a Word or Markdown manuscript into the YAML sources (issue #17).

The module is ``import_`` because ``import`` is a Python keyword; the command is ``import``.
"""

from __future__ import annotations

import argparse
import os
import re
import sys

from pipeline.cli import EXIT_FINDINGS, EXIT_OK, EXIT_UNUSABLE, add_sources_option

KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "import",
        help="write a chapter's YAML source from a Word (.docx) or Markdown manuscript",
        description="Read a manuscript (.docx or .md) and write sources/LANG/CHAPTER.yaml. With "
        "--translation-of, the manuscript is a translation: it is aligned block by block with the "
        "existing source chapter and written with the source's ids. Exit status: 0 written cleanly, "
        "1 written but something could not be mapped (each place is reported), 2 unusable input.",
    )
    add_sources_option(p)
    p.add_argument("manuscript", metavar="FILE", help="the manuscript: a .docx or .md file")
    p.add_argument("--lang", required=True, help="the manuscript's language (a language of the book)")
    p.add_argument("--chapter", required=True, metavar="KEY", help="the chapter file's name (ch04)")
    p.add_argument(
        "--translation-of",
        metavar="LANG",
        help="the manuscript translates the chapter of this language: align with it, keep its ids",
    )
    p.add_argument(
        "--accept",
        action="store_true",
        help="with --translation-of: record the source fingerprints (the translation counts as reviewed)",
    )
    p.add_argument(
        "--number", type=int, metavar="N", help="the chapter number (default: from the key or file)"
    )
    p.add_argument("--force", action="store_true", help="overwrite an existing chapter file")
    p.add_argument("--dry-run", action="store_true", help="print what would be written; write nothing")
    p.set_defaults(run=run)


def _number(key: str) -> int | None:
    digits = re.findall(r"\d+", key)
    return int(digits[-1]) if digits else None


def _twins(
    sources: str, lang: str, twins: list[tuple[str, str]], media: dict[str, bytes], report: object
) -> dict[str, bytes]:
    """A translated figure whose image differs from the source's file is written as the
    edition's twin (media/x.LANG.png, which the handouts of LANG use); the same image is not."""
    out: dict[str, bytes] = {}
    for src_rel, tr_rel in twins:
        data = media.get(tr_rel)
        if data is None:
            continue
        stem, ext = os.path.splitext(src_rel)
        try:
            with open(os.path.join(sources, src_rel), "rb") as fh:
                if fh.read() == data:
                    continue
        except OSError:
            pass
        if os.path.splitext(tr_rel)[1] != ext:
            report.warn(None, f"the translation's image for {src_rel} is not a {ext} file: not written")  # type: ignore[attr-defined]
            continue
        out[f"{stem}.{lang}{ext}"] = data
    return out


def _check_media(files: list[tuple[str, bytes]], overwrite: bool) -> None:
    """No image replaces another file without --force (checked before anything is written)."""
    from pipeline.errors import UsageError, display_path

    for name, data in files:
        if not overwrite and os.path.exists(name):
            with open(name, "rb") as fh:
                if fh.read() != data:
                    raise UsageError(f"{display_path(name)} exists: give --force to overwrite it")


def _book_languages(sources: str) -> list[str]:
    """The languages book.yaml names (source first); [] when there is no readable book.yaml
    (a new book: the chapter is written all the same, and `check` says what is missing)."""
    from pipeline import yamlsrc
    from pipeline.errors import SourceError
    from pipeline.yamlsrc import Map, Scalar, Seq

    try:
        root = yamlsrc.read(os.path.join(sources, "book.yaml")).root
    except (SourceError, OSError):
        return []
    if not isinstance(root, Map):
        return []
    source, translations = root.get("source"), root.get("translations")
    codes = [source.value] if isinstance(source, Scalar) else []
    if isinstance(translations, Seq):
        codes += [item.value for item in translations.items if isinstance(item, Scalar)]
    return codes


def run(args: argparse.Namespace) -> int:
    from pipeline import langs
    from pipeline.errors import SourceError, UsageError, display_path
    from pipeline.importers import ManuscriptError, Report, format_of
    from pipeline.importers.assemble import assemble
    from pipeline.loader import load_chapter
    from pipeline.sources_writer import WriteError, render, verify, write

    if not KEY_RE.match(args.chapter):
        raise UsageError(f"--chapter {args.chapter!r}: chapter names use letters, digits, '-' and '_'")
    for code in filter(None, (args.lang, args.translation_of)):
        try:
            langs.get(code)
        except langs.LanguageError as exc:
            raise UsageError(str(exc)) from None
    if args.accept and not args.translation_of:
        raise UsageError("--accept records source fingerprints: it needs --translation-of LANG")
    if args.translation_of == args.lang:
        raise UsageError("--translation-of names the manuscript's own language")
    known = _book_languages(args.sources)
    for code in filter(None, (args.lang, args.translation_of)):
        if known and code not in known:
            raise UsageError(
                f"{code!r} is not a language of the book ({', '.join(known)} in book.yaml): "
                f"add it first (pipeline add-language {code})"
            )
    target = os.path.join(args.sources, args.lang, f"{args.chapter}.yaml")
    if os.path.exists(target) and not args.force and not args.dry_run:
        raise UsageError(f"{display_path(target)} exists: give --force to overwrite it")
    source = None
    if args.translation_of:
        source_path = os.path.join(args.sources, args.translation_of, f"{args.chapter}.yaml")
        if not os.path.exists(source_path):
            raise UsageError(f"no source chapter {display_path(source_path)} to align the translation with")
        source = load_chapter(source_path, args.translation_of)  # SourceError: reported by the cli

    report = Report(args.manuscript)
    try:
        fmt = format_of(args.manuscript)
        if fmt == "docx":
            from pipeline.importers import docx as reader
        else:
            from pipeline.importers import markdown as reader  # type: ignore[no-redef]
        manuscript = reader.read(args.manuscript, report)
    except ManuscriptError as exc:
        print(f"pipeline: error: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    except (ValueError, KeyError, IndexError, TypeError) as exc:  # a malformed part the checks let by
        print(
            f"pipeline: error: {args.manuscript}: cannot be read as a manuscript "
            f"({type(exc).__name__}: {exc})",
            file=sys.stderr,
        )
        return EXIT_UNUSABLE
    number = args.number if args.number is not None else source.number.value if source else None
    chapter = assemble(
        manuscript, args.lang, args.chapter, target, report, number, default_number=_number(args.chapter)
    )
    media = dict(report.media)
    if source is not None:
        from pipeline.importers.align import align

        chapter, twins = align(source, chapter, report, args.accept)
        media = _twins(args.sources, args.lang, twins, media, report)
    # what could not be mapped is shown first: it explains a failure to write, too
    for problem in report.warnings:
        print(
            f"{problem.pos}: warning: {problem.field + ': ' if problem.field else ''}{problem.message}",
            file=sys.stderr,
        )
    header = f"imported from {os.path.basename(args.manuscript)} by pipeline import"
    files = [(os.path.join(args.sources, rel), data) for rel, data in media.items()]
    try:
        _check_media(files, args.force or args.dry_run)
        if args.dry_run:
            text = render(chapter, header)
            verify(chapter, text, target)
            sys.stdout.write(text)
            for name, data in files:
                print(
                    f"pipeline import: would write {display_path(name)} ({len(data)} bytes)", file=sys.stderr
                )
        else:
            write(chapter, target, header, files)
    except (WriteError, SourceError) as exc:
        print(f"pipeline: error: {display_path(target)} not written: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    except OSError as exc:
        print(f"pipeline: error: cannot write {display_path(target)}: {exc.strerror}", file=sys.stderr)
        return EXIT_UNUSABLE
    n = len(report.warnings)
    done = "would write" if args.dry_run else "wrote"
    print(
        f"pipeline import: {done} {display_path(target)}; "
        f"{n} place{'s' if n != 1 else ''} that could not be mapped exactly",
        file=sys.stderr,
    )
    return EXIT_FINDINGS if n else EXIT_OK
