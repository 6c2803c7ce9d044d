"""The `pipeline` command line: parses arguments and dispatches to one command module.

Command modules live in ``pipeline.commands``; each defines ``register(subparsers)`` and keeps
its heavy imports (ReportLab, python-docx) inside the function that runs, so that
``pipeline --help`` and ``pipeline check`` start fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from pipeline import __version__, gcpause
from pipeline.errors import Problem, SourceError, UsageError

COMMANDS = ("check", "stamp", "export", "po", "xliff", "tm", "status", "add_language", "fonts", "import_")

EXIT_OK, EXIT_FINDINGS, EXIT_UNUSABLE, EXIT_INTERNAL = 0, 1, 2, 3


def _wanted(argv: list[str] | None) -> tuple[str, ...]:
    """The command modules to import: only the one named on the command line, when it is one.

    Importing and describing every command costs more than `pipeline check` itself on a
    chapter; help and usage errors still see them all.
    """
    args = sys.argv[1:] if argv is None else argv
    # the first word that is not an option, nor the value of --sources given before the command
    words = [
        a for i, a in enumerate(args) if not a.startswith("-") and (i == 0 or args[i - 1] != "--sources")
    ]
    first = words[0] if words else None
    module = first.replace("-", "_") if first else None  # add-language lives in add_language.py
    module = "import_" if module == "import" else module  # a keyword: import lives in import_.py
    if module in COMMANDS and not any(a in ("-h", "--help") for a in args[: args.index(first)]):  # type: ignore[arg-type]
        return (module,)
    return COMMANDS


def _columns() -> int:
    """The terminal's width as shutil.get_terminal_size() gives it: $COLUMNS when it is a positive
    number, else the width of the terminal on stdout, else 80."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):  # no stdout, or not a terminal
            columns = 0
    return columns or 80


class HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter, with the width found without importing shutil.

    argparse asks shutil.get_terminal_size() for the width each time it makes a formatter (for
    every add_argument, too), and importing shutil also imports bz2 and lzma: about 3 ms of
    every `pipeline check`. The width is the same, so the help is too.
    """

    def __init__(
        self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None
    ) -> None:
        super().__init__(
            prog, indent_increment, max_help_position, _columns() - 2 if width is None else width
        )


class ArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose formatter is :class:`HelpFormatter` unless told otherwise.

    Subparsers are made with the class of their parent (add_subparsers() defaults its
    parser_class to it), so every command's parser gets the formatter too.
    """

    def __init__(self, *args: object, formatter_class: type = HelpFormatter, **kwargs: object) -> None:
        super().__init__(*args, formatter_class=formatter_class, **kwargs)  # type: ignore[arg-type]


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog="pipeline",
        description="Load, check and export a bilingual book kept as parallel YAML sources.",
    )
    parser.add_argument("--version", action="version", version=f"pipeline {__version__}")
    parser.add_argument(
        "--sources",
        dest="top_sources",
        metavar="DIR",
        help="the book's sources folder, or a project folder holding sources/ (default: sources)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in _wanted(argv):
        importlib.import_module(f"pipeline.commands.{name}").register(sub)
    return parser


def add_sources_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sources",
        metavar="DIR",
        help="folder holding book.yaml and one folder per language, or a project folder holding "
        "sources/ (default: the sources/ folder of the project, found in the working folder or "
        "the nearest folder above it)",
    )


SOURCES = "sources"  # the sources folder of a project, beside exports/
NO_BOOK = "no book here: run inside a project or give --sources"


def find_sources(start: str = ".") -> str | None:
    """The sources folder of the project ``start`` is in, as git finds ``.git``: ``sources/``
    holding ``book.yaml`` in ``start`` or the nearest folder above it.

    A path relative to the working folder (``sources``, ``../sources``); a ``sources/`` folder
    without ``book.yaml`` in ``start`` when there is no project (the loader then says what is
    missing); or None."""
    here = os.path.abspath(start)
    while True:
        if os.path.isfile(os.path.join(here, SOURCES, "book.yaml")):
            return os.path.relpath(os.path.join(here, SOURCES))
        parent = os.path.dirname(here)
        if parent == here:
            break
        here = parent
    return SOURCES if os.path.isdir(os.path.join(start, SOURCES)) else None


def resolve_sources(args: argparse.Namespace) -> None:
    """Settle ``args.sources`` (given after the command, before it, or the project's, found by
    walking up from the working folder) and the default ``--exports`` beside it. A project
    folder (one that holds sources/book.yaml, as examples/showcase does) stands for its
    sources. Without a project, the commands that read the book say so."""
    if not hasattr(args, "sources"):
        return
    given = args.sources or getattr(args, "top_sources", None)
    if given is None:
        found = find_sources()
        if found is None:
            if getattr(args, "list", False):  # check --list needs no book
                args.sources = SOURCES
                return
            raise UsageError(NO_BOOK)
        path = found
    else:
        path = given
        if not os.path.exists(os.path.join(path, "book.yaml")) and os.path.exists(
            os.path.join(path, SOURCES, "book.yaml")
        ):
            path = os.path.join(path, SOURCES)
    args.sources = path
    if getattr(args, "exports", "") is None:
        args.exports = default_exports(path)


def default_exports(sources: str) -> str:
    """Where handouts go by default: exports/ beside a folder named sources/ (the project's
    layout: sources/ and exports/ side by side), else exports/ inside the book's own folder
    (examples/showcase/exports/ for examples/showcase/), so that every book keeps its handouts."""
    norm = os.path.normpath(sources)
    if os.path.basename(norm) == SOURCES:
        return os.path.join(os.path.dirname(norm), "exports")
    return os.path.join(norm, "exports")


_found: dict[str, str | None] = {}  # working folder -> find_sources(), for command_line()


def command_line(sources: str, command: str, *words: str) -> str:
    """A `pipeline COMMAND WORDS` line to suggest, that runs as printed from the working folder:
    with ``--sources`` unless it names the sources found without it."""
    import shlex  # only when a command is suggested

    cwd = os.getcwd()
    found = _found[cwd] if cwd in _found else _found.setdefault(cwd, find_sources())
    parts = ["pipeline", command]
    if found is None or os.path.realpath(found) != os.path.realpath(sources):
        parts += ["--sources", sources]
    return " ".join(shlex.quote(p) for p in (*parts, *words))


def _subparser(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.ArgumentParser:
    """The parser of the (sub)command named on the command line, for its usage in errors."""
    for name in ("command", "action"):
        actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        chosen = getattr(args, name, None)
        if not actions or chosen not in actions[0].choices:
            break
        parser = actions[0].choices[chosen]
    return parser


def report_source_error(exc: SourceError) -> int:
    for problem in exc.problems:
        print(problem.render() if isinstance(problem, Problem) else problem, file=sys.stderr)
    n = len(exc.problems)
    print(f"pipeline: {n} problem{'s' if n != 1 else ''} in the sources; nothing was done", file=sys.stderr)
    return EXIT_UNUSABLE


def main(argv: list[str] | None = None) -> int:
    try:  # building the parser imports the command modules: Ctrl-C may come that early
        with gcpause.paused():  # importing makes no garbage (see pipeline.gcpause)
            parser = build_parser(argv)
        args, extra = parser.parse_known_args(argv)
        if extra:  # said by the command's own parser, with its usage, not the top-level one
            _subparser(parser, args).error(f"unrecognized arguments: {' '.join(extra)}")
    except KeyboardInterrupt:
        print("pipeline: interrupted", file=sys.stderr)
        return 130
    try:
        resolve_sources(args)
        return int(args.run(args))
    except SourceError as exc:
        return report_source_error(exc)
    except UsageError as exc:
        print(f"pipeline: error: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    except KeyboardInterrupt:
        print("pipeline: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a bug: say so in one line; PIPELINE_DEBUG=1 shows the traceback
        if os.environ.get("PIPELINE_DEBUG"):
            raise
        print(f"pipeline: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_INTERNAL
