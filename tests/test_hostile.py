"""Hostile and broken input: a corpus of small mutations of the real sources (and of the command
line), each with its exact outcome.

Every case copies ``sources/`` into a temporary folder that already holds an ``exports/`` folder
with files from an earlier build, applies one mutation, and runs commands in-process. A command
that fails must print one line per problem, ``path:line:col: field: message`` (or
``pipeline: ...``), exit 2 (unusable input) or 1 (findings), show no traceback and change no
file at all: no partial output, no temporary file, the earlier exports byte for byte. Valid
input must export, with text that only looks like markup printed literally and real inline tags
rendered.

Expected lines are templates: ``{line}`` is the line the mutation landed on in the pristine file
(found by searching it), ``{line+2}`` two lines below it, so a case still pins the exact position
when the sources grow above it.
"""

from __future__ import annotations

import codecs
import io
import json
import os
import re
import shutil
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hostileutil import (
    BOOK,
    EN,
    ERROR_LINE,
    GLOSSARY,
    ROOT,
    TEXT_OF,
    ZH,
    Run,
    copy_sources,
    docx_text,
    md_tables,
    md_text,
    pdf_text,
    run_cli,
    snapshot,
    squash,
    temporary_files,
)

from pipeline.model import fingerprint

Mutation = Callable[[Path], int]  # applied to the working directory (holding sources/); returns a line
EXPORT_MD = ("export", "--all", "--format", "md", "--exports", "exports", "--jobs", "1", "--force", "-q")
EARLIER = {"ch14.en.md": b"# an earlier build of the English handout\n", "keep.txt": b"not ours\n"}


# -- mutations ---------------------------------------------------------------------------------
def _line_of(text: str, old: str) -> int:
    assert text.count(old) >= 1, f"{old!r} is no longer in the sources: update the case"
    return text[: text.index(old)].count("\n") + 1


def replace(rel: str, old: str, new: str | bytes, at: str | None = None) -> Mutation:
    """Replace the first ``old`` in a file (str: as UTF-8 text; bytes: raw, e.g. invalid UTF-8).

    Returns the line of ``old``, or of ``at`` when the error is reported somewhere else.
    """

    def mutate(root: Path) -> int:
        path = root / rel
        text = path.read_text(encoding="utf-8")
        line = _line_of(text, at or old)
        _line_of(text, old)
        data = text.encode("utf-8")
        new_bytes = new if isinstance(new, bytes) else new.encode("utf-8")
        path.write_bytes(data.replace(old.encode("utf-8"), new_bytes, 1))
        return line

    return mutate


def replace_block(rel: str, head: str, new: str) -> Mutation:
    """Replace the first line ``head`` (with its newline) and every line below it indented deeper:
    a whole block of the YAML tree. Returns the line of ``head``."""

    def mutate(root: Path) -> int:
        path = root / rel
        text = path.read_text(encoding="utf-8")
        line = _line_of(text, head)
        lines = text.splitlines(keepends=True)
        indent = len(head) - len(head.lstrip(" "))
        end = line
        while end < len(lines) and (
            len(lines[end]) - len(lines[end].lstrip(" ")) > indent or not lines[end].strip()
        ):
            end += 1
        path.write_text("".join(lines[: line - 1]) + new + "".join(lines[end:]), encoding="utf-8")
        return line

    return mutate


def append(rel: str, text: str) -> Mutation:
    """Add lines at the end of a file; returns the line of the first one."""

    def mutate(root: Path) -> int:
        path = root / rel
        data = path.read_text(encoding="utf-8")
        path.write_text(data + text, encoding="utf-8")
        return data.count("\n") + 1

    return mutate


def replace_all(*mutations: Mutation) -> Mutation:
    """Several mutations; the line of the first one counts."""

    def mutate(root: Path) -> int:
        lines = [m(root) for m in mutations]
        return lines[0]

    return mutate


def rewrite(rel: str, change: Callable[[bytes], bytes]) -> Mutation:
    def mutate(root: Path) -> int:
        path = root / rel
        path.write_bytes(change(path.read_bytes()))
        return 1

    return mutate


def write(rel: str, data: str | bytes) -> Mutation:
    def mutate(root: Path) -> int:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
        return 1

    return mutate


def remove(rel: str) -> Mutation:
    def mutate(root: Path) -> int:
        path = root / rel
        shutil.rmtree(path) if path.is_dir() else path.unlink()
        return 1

    return mutate


def rename(rel: str, new: str) -> Mutation:
    def mutate(root: Path) -> int:
        (root / rel).rename(root / new)
        return 1

    return mutate


def copy(rel: str, new: str) -> Mutation:
    def mutate(root: Path) -> int:
        shutil.copyfile(root / rel, root / new)
        return 1

    return mutate


def nothing(root: Path) -> int:
    return 1


def in_workdir(make: Callable[[Path], None]) -> Mutation:
    """A change beside the sources, not in them."""

    def mutate(root: Path) -> int:
        make(root)
        return 1

    return mutate


def q(text: str) -> str:
    """``text`` as a YAML double-quoted scalar (JSON's string syntax is valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


# -- cases -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Step:
    args: tuple[str, ...]
    status: int
    first: str | None = None  # exact first line (stderr when failing, stdout for findings)
    literal: str | None = None  # success: this text must be in every output, as printed text
    formats: tuple[str, ...] = ()  # success: the outputs to read back (ch14.en.FMT)
    usage: bool = False  # an argparse error: usage text first, the message last
    identical: bool = False  # success: every Markdown handout is the one of the pristine sources
    skipped: bool = False  # status 1 of a partial import: what was skipped is on stderr


@dataclass(frozen=True)
class Case:
    id: str
    kind: str  # the class of the case, as the README counts them
    mutate: Mutation
    steps: tuple[Step, ...]
    check: Callable[[Path, list[Run]], None] | None = field(default=None, compare=False)


CASES: list[Case] = []


def broken(kind: str, id: str, mutate: Mutation, first: str) -> None:
    """Unusable sources: check and export both refuse them with the same first line."""
    steps = (Step(("check",), 2, first), Step(EXPORT_MD, 2, first))
    CASES.append(Case(id, kind, mutate, steps))


def finding(kind: str, id: str, mutate: Mutation, first: str) -> None:
    """Loadable sources the checker flags (exit 1); they still export."""
    CASES.append(Case(id, kind, mutate, (Step(("check",), 1, first), Step(EXPORT_MD, 0))))


def valid(
    kind: str,
    id: str,
    mutate: Mutation,
    literal: str | None = None,
    formats: tuple[str, ...] = ("md",),
    status: int = 0,
    check: Callable[[Path, list[Run]], None] | None = None,
    identical: bool = False,
) -> None:
    """Valid input: check passes (or reports ``status``), the English handout exports in
    ``formats`` and shows ``literal`` as text; ``identical``: all Markdown handouts are
    byte-identical to those of the pristine sources."""
    steps: list[Step] = [Step(("check",), status)]
    if identical:
        steps.append(Step(EXPORT_MD, 0, identical=True))
    for fmt in formats:
        args = ("export", "--lang", "en", "--format", fmt, "--exports", "exports", "--force", "-q")
        steps.append(Step(args, 0, literal=literal, formats=(fmt,)))
    CASES.append(Case(id, kind, mutate, tuple(steps), check))


def command(
    kind: str, id: str, mutate: Mutation, args: tuple[str, ...], status: int, first: str, **kw: bool
) -> None:
    CASES.append(Case(id, kind, mutate, (Step(args, status, first, **kw),)))


# ---- encoding: bytes that are not UTF-8, byte-order marks, line ends
broken(
    "encoding",
    "invalid-utf8-byte",
    replace(BOOK, "      text: Wei Xiu-Shen", b"      text: Wei Xiu\xff-Shen"),
    "sources/book.yaml:{line}:20: invalid UTF-8 (byte 0xff)",
)
broken(
    "encoding",
    "truncated-multibyte-char",
    replace(BOOK, "    author: 魏秀参", "    author: 魏秀".encode() + "参".encode()[:2]),
    "sources/book.yaml:{line}:15: invalid UTF-8 (byte 0xe5)",
)
broken(
    "encoding",
    "latin-1-accent",
    replace(EN, "Université de Montréal", "Université de Montréal".encode("latin-1")),
    "sources/en/ch14.yaml:{line}:30: invalid UTF-8 (byte 0xe9)",
)
broken(
    "encoding",
    "utf-16-file",
    rewrite(EN, lambda d: d.decode("utf-8").encode("utf-16")),
    "sources/en/ch14.yaml:1:1: invalid UTF-8 (byte 0xff)",
)
broken(
    "encoding",
    "double-byte-order-mark",
    rewrite(EN, lambda d: codecs.BOM_UTF8 * 2 + d),
    "sources/en/ch14.yaml:1:1: invisible character U+FEFF is not allowed",
)
valid("encoding", "byte-order-mark", rewrite(EN, lambda d: codecs.BOM_UTF8 + d), formats=(), identical=True)
valid(
    "encoding", "crlf-line-ends", rewrite(ZH, lambda d: d.replace(b"\n", b"\r\n")), formats=(), identical=True
)
valid(
    "encoding",
    "bom-and-crlf",
    rewrite(BOOK, lambda d: codecs.BOM_UTF8 + d.replace(b"\n", b"\r\n")),
    formats=(),
    identical=True,
)

# ---- characters: XML-invalid controls and invisible bidi/zero-width characters, raw or escaped
broken(
    "characters",
    "nul-byte",
    replace(BOOK, "      text: Wei Xiu-Shen", "      text: Wei\x00Xiu-Shen"),
    "sources/book.yaml:{line}:16: control character U+0000 is not allowed",
)
broken(
    "characters",
    "escape-control",
    replace(ZH, "title: 深度学习", "title: 深度\x1b学习"),
    "sources/zh/ch14.yaml:{line}:10: control character U+001B is not allowed",
)
broken(
    "characters",
    "delete-control",
    replace(BOOK, "    publisher: 电子工业出版社", "    publisher: 电子\x7f工业出版社"),
    "sources/book.yaml:{line}:18: control character U+007F is not allowed",
)
broken(
    "characters",
    "right-to-left-override",
    replace(BOOK, "    author: 魏秀参", "    author: 魏\u202e秀参"),
    "sources/book.yaml:{line}:14: invisible character U+202E is not allowed",
)
broken(
    "characters",
    "zero-width-space",
    replace(EN, "text: No commercial support.", "text: No commercial\u200b support."),
    "sources/en/ch14.yaml:{line}:36: invisible character U+200B is not allowed",
)
broken(
    "characters",
    "left-to-right-isolate",
    replace(BOOK, "      text: Wei Xiu-Shen", "      text: \u2066Wei Xiu-Shen"),
    "sources/book.yaml:{line}:13: invisible character U+2066 is not allowed",
)
broken(
    "characters",
    "arabic-letter-mark",
    replace(BOOK, "      text: Wei Xiu-Shen", "      text: Wei\u061c Xiu-Shen"),
    "sources/book.yaml:{line}:16: invisible character U+061C is not allowed",
)
broken(
    "characters",
    "mongolian-vowel-separator",
    replace(BOOK, "    author: 魏秀参", "    author: 魏秀\u180e参"),
    "sources/book.yaml:{line}:15: invisible character U+180E is not allowed",
)
broken(
    "characters",
    "byte-order-mark-inside",
    replace(BOOK, "    title: 解析", "    title: 解\ufeff析"),
    "sources/book.yaml:{line}:13: invisible character U+FEFF is not allowed",
)
broken(
    "characters",
    "word-joiner-in-glossary",
    replace(GLOSSARY, "zh: 深度学习\n", "zh: 深度\u2060学习\n"),
    "sources/glossary.yaml:{line}:11: invisible character U+2060 is not allowed",
)
# a double-quoted scalar can spell any character as an escape: the policy must hold there too.
# (Escapes sit in the chapter title and the glossary, whose field names are their key paths: in
# body units the loader names the YAML key path, not the unit id; see the README.)
broken(
    "characters",
    "escaped-control-x01",
    replace(ZH, "title: 深度学习开源工具简介", 'title: "深度学习开源\\x01工具简介"'),
    "sources/zh/ch14.yaml:{line}:15: title: control character U+0001 is not allowed",
)
broken(
    "characters",
    "escaped-zero-width-joiner",
    replace(GLOSSARY, "en: convolutional neural network", 'en: "convolutional \\\\ \\u200D network"'),
    "sources/glossary.yaml:{line}:27: terms.convolutional-neural-network.en: "
    "invisible character U+200D is not allowed",
)
broken(
    "characters",
    "escaped-noncharacter",
    replace(GLOSSARY, "zh: 卷积神经网络", 'zh: "卷积\\uFFFE神经网络"'),
    "sources/glossary.yaml:{line}:12: terms.convolutional-neural-network.zh: "
    "control character U+FFFE is not allowed",
)
broken(
    "characters",
    "escape-on-continuation-line",
    replace(ZH, "title: 深度学习开源工具简介", 'title: "深度学习\n  开源\\e工具简介"'),
    "sources/zh/ch14.yaml:{line+1}:5: title: control character U+001B is not allowed",
)
broken(
    "characters",
    "escaped-nul-in-key",
    replace(EN, "chapter: 14", '"chap\\0ter": 14'),
    "sources/en/ch14.yaml:{line}:6: control character U+0000 is not allowed",
)
# control characters must be refused before the DOCX writer could choke on them
command(
    "characters",
    "escaped-control-docx",
    replace(ZH, "title: 深度学习开源工具简介", 'title: "深度\\b学习开源工具简介"'),
    ("export", "--lang", "zh", "--format", "docx", "--exports", "exports", "--force"),
    2,
    "sources/zh/ch14.yaml:{line}:11: title: control character U+0008 is not allowed",
)

# ---- YAML syntax errors, and tabs
finding(
    "syntax",
    "tab-inside-text",
    replace(EN, "text: No commercial support.", "text: No commercial\tsupport."),
    "sources/en/ch14.yaml:{line}:36: error whitespace: '\\t' inside the text; write a space",
)
broken(
    "syntax",
    "tab-indentation",
    replace(EN, "  revival:\n", "\trevival:\n"),
    "sources/en/ch14.yaml:{line}:1: YAML syntax error: a tab in the indentation; indent with spaces only",
)
# libyaml finds out at the next quote, where the scalar it thought it read ends: the error points
# back at the quote left open
broken(
    "syntax",
    "unclosed-double-quote",
    replace(BOOK, '原理与视觉实践》"\n', "原理与视觉实践》\n"),  # reported where the quote opens (#16)
    're:sources/book\\.yaml:{line}:13: YAML syntax error: the quote \\(\\"\\) opened here is not closed on '
    'its line: YAML reads on to the " at line \\d+, column 13; end the text with "',
)
broken(
    "syntax",
    "unclosed-flow-sequence",
    replace(ZH, "            language: [C++]", "            language: [C++"),
    "sources/zh/ch14.yaml:{line+1}:22: YAML syntax error: the list opened at line {line}, column 23 is not "
    "closed: end it with ']' (or a ',' is missing)",
)
broken(
    "syntax",
    "bad-indentation",
    replace(BOOK, "    author: 魏秀参", "     author: 魏秀参"),
    "sources/book.yaml:{line}:6: YAML syntax error: 'author:' is indented more than 'title:' on line "
    "{line-1}, so YAML reads it as more of that text; indent it as far as 'title:'",
)
broken(
    "syntax",
    "colon-in-plain-text",
    replace(BOOK, "    author: 魏秀参", "    author: 魏: 秀参"),
    "sources/book.yaml:{line}:14: YAML syntax error: a colon followed by a space inside unquoted text; "
    'put the whole text in double quotes: author: "魏: 秀参"',
)
broken(
    "syntax",
    "reserved-indicator",
    replace(BOOK, "    author: 魏秀参", "    author: @魏秀参"),
    "sources/book.yaml:{line}:13: YAML syntax error: unquoted text cannot start with '@'; "
    "put the whole text in double quotes",
)
broken(
    "syntax",
    "second-document",
    rewrite(EN, lambda d: d + b"---\nchapter: 14\n"),
    "sources/en/ch14.yaml:{last}:1: expected one YAML document, found another",
)

# ---- YAML features the sources refuse: duplicate keys, anchors, aliases, tags
broken(
    "yaml-features",
    "duplicate-key",
    replace(BOOK, "year: 2018\n", "year: 2018\nyear: 2019\n"),
    "sources/book.yaml:{line+1}:1: year: duplicate key (first defined at line {line})",
)
broken(
    "yaml-features",
    "duplicate-footnote-id",
    append(ZH, "footnotes:\n  dup: 第一条。\n  dup: 第二条。\n"),
    "sources/zh/ch14.yaml:{line+2}:3: footnotes.dup: duplicate key (first defined at line {line+1})",
)
broken(
    "yaml-features",
    "anchor-and-alias",
    replace_all(replace(EN, "chapter: 14", "chapter: &n 14"), replace(EN, "edition: ", "edition: *n\nx: ")),
    "sources/en/ch14.yaml:{line}:10: chapter: anchors (&n) are not allowed",
)
ALIAS_BOMB = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(9)
)  # 9**10 strings once expanded
broken(
    "yaml-features",
    "alias-bomb",
    write(EN, ALIAS_BOMB),
    "sources/en/ch14.yaml:1:4: a: anchors (&a) are not allowed",
)
broken(
    "yaml-features",
    "merge-key",
    replace(EN, "chapter: 14", "<<: *base\nchapter: 14"),
    "sources/en/ch14.yaml:{line}:5: <<: aliases (*base) are not allowed",
)
broken(
    "yaml-features",
    "python-object-apply-document",
    write(EN, '!!python/object/apply:os.system ["touch PWNED"]\n'),
    "sources/en/ch14.yaml:1:1: tags (tag:yaml.org,2002:python/object/apply:os.system) are not allowed",
)
broken(
    "yaml-features",
    "python-object-apply-value",
    replace(EN, "chapter: 14", 'chapter: !!python/object/apply:os.system ["touch PWNED"]'),
    "sources/en/ch14.yaml:{line}:10: chapter: tags (tag:yaml.org,2002:python/object/apply:os.system) "
    "are not allowed",
)
broken(
    "yaml-features",
    "python-name-tag",
    replace(EN, "chapter: 14", "chapter: !!python/name:os.system ''"),
    "sources/en/ch14.yaml:{line}:10: chapter: tags (tag:yaml.org,2002:python/name:os.system) are not allowed",
)
broken(
    "yaml-features",
    "explicit-str-tag",
    replace(EN, "chapter: 14", "chapter: !!str 14"),
    "sources/en/ch14.yaml:{line}:10: chapter: tags (tag:yaml.org,2002:str) are not allowed",
)
broken(
    "yaml-features",
    "binary-tag",
    replace(ZH, "title: 深度学习开源工具简介", "title: !!binary 6a2P56eA5Y+C"),
    "sources/zh/ch14.yaml:{line}:8: title: tags (tag:yaml.org,2002:binary) are not allowed",
)
broken(
    "yaml-features",
    "local-tag",
    replace(EN, "chapter: 14", "chapter: !int 14"),
    "sources/en/ch14.yaml:{line}:10: chapter: tags (!int) are not allowed",
)
broken(
    "yaml-features",
    "tag-directive",
    replace(EN, "chapter: 14\n", "%TAG !e! tag:example.com,2000:\n---\nchapter: !e!number 14\n"),
    "sources/en/ch14.yaml:{line+2}:10: chapter: tags (tag:example.com,2000:number) are not allowed",
)
broken(
    "yaml-features",
    "complex-key",
    replace(EN, "chapter: 14", "? [a, b]\n: 1\nchapter: 14"),
    "sources/en/ch14.yaml:{line}:3: keys must be plain strings",
)

# ---- the schema: wrong types at every level, missing and unknown fields, empty files, and the
# rules of the block model (kinds, nesting, styles, cells, code, ids)
broken("schema", "empty-file", write(EN, b""), "sources/en/ch14.yaml:1:1: the file is empty")
broken("schema", "comments-only", write(EN, "# nothing yet\n"), "sources/en/ch14.yaml:1:1: the file is empty")
broken("schema", "empty-book-file", write(BOOK, b""), "sources/book.yaml:1:1: the file is empty")
broken("schema", "empty-glossary", write(GLOSSARY, b"\n"), "sources/glossary.yaml:1:1: the file is empty")
broken(
    "schema",
    "root-is-a-list",
    write(EN, "- chapter\n- body\n"),
    "sources/en/ch14.yaml:1:1: expected a mapping, got a list",
)
broken(
    "schema",
    "root-is-text",
    write(EN, "hello\n"),
    "sources/en/ch14.yaml:1:1: expected a mapping, got a string",
)
broken(
    "schema",
    "book-meta-is-a-number",
    replace(BOOK, "meta:\n", "meta: 14\nmeta-x:\n"),
    "sources/book.yaml:{line}:7: meta: expected a mapping of languages to the book's title, author, publisher "
    "and credit, got an integer",
)
broken(
    "schema",
    "book-meta-language-missing",
    replace(BOOK, "  en:\n", "  fr:\n", at="  zh:\n"),
    "sources/book.yaml:{line}:3: meta.en: missing required field",
)  # where meta's mapping starts
broken(
    "schema",
    "chapter-is-text",
    replace(EN, "chapter: 14", "chapter: fourteen"),
    "sources/en/ch14.yaml:{line}:10: chapter: expected an integer, got a string",
)
broken(
    "schema",
    "chapter-is-hexadecimal",
    replace(ZH, "chapter: 14", "chapter: 0x0E"),
    "sources/zh/ch14.yaml:{line}:10: chapter: write the integer in decimal digits, not '0x0E'",
)
broken(
    "schema",
    "chapter-is-base-60",
    replace(ZH, "chapter: 14", "chapter: 1:30"),
    "sources/zh/ch14.yaml:{line}:10: chapter: write the integer in decimal digits, not '1:30'",
)
broken(
    "schema",
    "year-is-a-list",
    replace(BOOK, "year: 2018", "year: [2018]"),
    "sources/book.yaml:{line}:7: year: expected an integer, got a list",
)
broken(
    "schema",
    "edition-impossible-date",
    replace(EN, "edition: 2026-12-01", "edition: 2026-13-45"),
    "sources/en/ch14.yaml:{line}:10: edition: '2026-13-45' is not a date written YYYY-MM-DD",
)
broken(
    "schema",
    "edition-quoted",
    replace(EN, "edition: 2026-12-01", 'edition: "2026-12-01"'),
    "sources/en/ch14.yaml:{line}:10: edition: expected a date written YYYY-MM-DD, got a string",
)
broken(
    "schema",
    "missing-field",
    replace(BOOK, "    author: 魏秀参\n", "", at="    title: 解析"),
    "sources/book.yaml:{line}:5: meta.zh.author: missing required field",
)  # where meta.zh's mapping starts
broken(
    "schema",
    "unknown-top-level-field",
    replace(ZH, "body:\n", "extra: 1\nbody:\n"),
    "sources/zh/ch14.yaml:{line}:1: extra: unknown field (expected one of: body, chapter, edition, footnotes, title)",
)
broken(
    "schema",
    "misspelt-unit-field",
    replace(BOOK, "      text: Wei Xiu-Shen", "      txt: Wei Xiu-Shen"),
    "sources/book.yaml:{line}:7: book.author.text: missing required field ('txt' misspelt?)",
)
broken(
    "schema",
    "unit-is-a-number",
    replace(ZH, "          overview: Caffe 出自", "          overview: 2018\n          x: Caffe 出自"),
    "sources/zh/ch14.yaml:{line}:21: profiles.caffe.overview: expected a string, got an integer "
    "(quote it to keep it as text)",
)
broken(
    "schema",
    "unit-is-null",
    replace(ZH, "          framework: 框架", "          framework:"),
    "sources/zh/ch14.yaml:{line}:21: comparison.frameworks.columns.framework: expected a string, got null "
    "(quote it to keep it as text)",
)
broken(
    "schema",
    "unit-is-a-list",
    replace(ZH, "        table: 2018 年常用", "        table: [x]\n        x: 2018 年常用"),
    "sources/zh/ch14.yaml:{line}:16: comparison.frameworks: expected a string or a mapping with text, got a list",
)
broken(
    "schema",
    "list-items-as-a-yaml-sequence",
    replace_block(
        ZH,
        "            list:\n",
        "            list:\n              - 适用于前馈网络。\n              - 适合微调。\n",
    ),
    "sources/zh/ch14.yaml:{line+1}:15: profiles.caffe.pros: expected a mapping of ids, got a list",
)
broken(
    "schema",
    "callout-body-is-a-list",
    replace(ZH, "            body:\n              history: ", "            body:\n              - "),
    "sources/zh/ch14.yaml:{line+1}:15: profiles.mxnet.editor-note.body: "
    "expected a mapping of block ids to blocks, got a list",
)
broken(
    "schema",
    "cell-with-two-kinds",
    replace(ZH, "pretrained: {flag: true, note: b}", "pretrained: {flag: true, text: 有, note: b}"),
    "sources/zh/ch14.yaml:{line}:25: comparison.frameworks.rows.caffe.pretrained: "
    "a cell mapping has exactly one of: flag, names, number, text",
)
broken(
    "schema",
    "name-list-holds-a-number",
    replace(ZH, "            developer: [BVLC]", "            developer: [BVLC, 3]"),
    "sources/zh/ch14.yaml:{line}:31: comparison.frameworks.rows.caffe.developer[1]: expected a string, "
    "got an integer (quote it to keep it as text)",
)
broken(
    "schema",
    "note-reference-missing",
    replace(ZH, "rnn: {text: RNN 开发, note: a}", "rnn: {text: RNN 开发, note: zz}"),
    "sources/zh/ch14.yaml:{line}:37: comparison.frameworks.columns.rnn.note: "
    "no note 'zz' below the table (notes: a, b, c, d, e, f, g, h, i, j)",
)
broken(
    "schema",
    "unit-text-is-a-mapping",
    replace(BOOK, "      text: Wei Xiu-Shen", "      text: {name: Wei Xiu-Shen}"),
    "sources/book.yaml:{line}:13: book.author: expected a string, got a mapping",
)
broken(
    "schema",
    "rows-is-a-list",
    replace(ZH, "        rows:\n", "        rows: [caffe]\n        rows-x:\n"),
    "sources/zh/ch14.yaml:{line}:15: comparison.frameworks.rows: expected a mapping of ids, got a list",
)
broken(
    "schema",
    "glossary-form-is-a-number",
    replace(GLOSSARY, "en: convolutional neural network", "en: 42"),
    "sources/glossary.yaml:{line}:9: terms.convolutional-neural-network.en: expected a string, got an integer "
    "(quote it to keep it as text)",
)
broken(
    "schema",
    "book-source-is-a-list",
    replace(BOOK, "source: zh\n", "source: [zh]\n"),
    "sources/book.yaml:{line}:9: source: expected a string, got a list",
)
broken(
    "schema",
    "bad-fingerprint",
    replace(BOOK, "source: 7795acb0", "source: xyz"),
    "sources/book.yaml:{line}:15: book.author.source: a fingerprint is 8 hex digits",
)
broken(
    "schema",
    "waiver-without-reason",
    replace(BOOK, "      text: Wei Xiu-Shen\n", "      text: Wei Xiu-Shen\n      ignore: {unchanged: ''}\n"),
    "sources/book.yaml:{line+1}:27: book.author.ignore.unchanged: a waiver needs a written reason",
)
broken(
    "schema",
    "javascript-url",
    replace(ZH, "b: {url: https://github.com/BVLC/caffe/wiki/Model-Zoo}", "b: {url: 'javascript:alert(1)'}"),
    "sources/zh/ch14.yaml:{line}:20: comparison.frameworks.notes.b.url: "
    "expected an http:// or https:// URL without spaces",
)
broken(
    "schema",
    "glossary-term-is-a-list",
    rewrite(GLOSSARY, lambda d: d + b"  bad: [x]\n"),
    "sources/glossary.yaml:{glossary_end}:8: terms.bad: expected a mapping, got a list",
)
broken(
    "schema",
    "unknown-language",
    replace(BOOK, "translations: [en]", "translations: [xx]"),
    "sources/book.yaml:{line}:15: translations: unknown language 'xx': CLDR has no locale of that name",
)
broken(
    "schema",
    "translation-listed-twice",
    replace(BOOK, "translations: [en]", "translations: [en, en]"),
    "sources/book.yaml:{line}:15: translations: 'en' is listed twice",
)
broken(
    "schema",
    "source-among-translations",
    replace(BOOK, "translations: [en]", "translations: [zh, en]"),
    "sources/book.yaml:{line}:15: translations: 'zh' is the source language",
)
broken(
    "schema",
    "glossary-outside-the-sources",
    replace(BOOK, "glossary: glossary.yaml", "glossary: ../../../../etc/passwd"),
    "sources/book.yaml:{line}:11: glossary: name a file inside the sources folder",
)
# the block model
SECTIONS_5_DEEP = (
    "          deeper:\n            section: 三\n            body:\n"
    "              deeper:\n                section: 四\n                body:\n"
    "                  deeper:\n                    section: 五\n                    body:\n"
    "                      text: 太深了。\n"
)
broken(
    "schema",
    "sections-nested-5-deep",
    replace(ZH, "          overview: Caffe 出自", SECTIONS_5_DEEP + "          overview: Caffe 出自"),
    "sources/zh/ch14.yaml:{line+7}:21: profiles.caffe.deeper.deeper.deeper: sections nest at most 4 levels deep",
)  # profiles (1), caffe (2), deeper (3), deeper (4): the fifth level is refused
broken(
    "schema",
    "lists-nested-5-deep",
    replace(
        ZH,
        "              feedforward: 适用于前馈网络和图像处理任务。\n",
        "              feedforward:\n                text: 一\n                list:\n"
        "                  a:\n                    text: 二\n                    list:\n"
        "                      b:\n                        text: 三\n                        list:\n"
        "                          c:\n                            text: 四\n                            list:\n"
        "                              d: 五\n",
    ),
    "sources/zh/ch14.yaml:{line+10}:29: profiles.caffe.pros.feedforward.a.b.c: lists nest at most 4 levels deep",
)  # the pros list (1), feedforward's (2), a's (3), b's (4): c's list is refused
broken(
    "schema",
    "code-language-of-two-words",
    replace(
        ZH,
        "          overview: Caffe 出自",
        "          example:\n            code: |\n              caffe train\n            language: shell script\n"
        "          overview: Caffe 出自",
    ),
    "sources/zh/ch14.yaml:{line+3}:23: profiles.caffe.example.language: a language name is one word (python, c++, yaml)",
)
broken(
    "schema",
    "block-with-two-kinds",
    replace(
        ZH,
        "          cons:\n            style: cons\n",
        "          cons:\n            style: cons\n            callout: note\n",
    ),
    "sources/zh/ch14.yaml:{line+1}:13: profiles.caffe.cons: a block has one kind, not 2: list, callout",
)
broken(
    "schema",
    "block-without-kind",
    replace(
        ZH, "            style: pros\n            list:\n", "            style: pros\n            items:\n"
    ),
    "sources/zh/ch14.yaml:{line}:13: profiles.caffe.pros: a block is a paragraph (text) or has one of: "
    "section, list, table, callout, quote, code, figure, math",
)
broken(
    "schema",
    "unknown-list-style",
    replace(ZH, "style: pros", "style: pro"),
    "sources/zh/ch14.yaml:{line}:20: profiles.caffe.pros.style: unknown list style 'pro' "
    "(use: bullet, numbered, pros, cons)",
)
broken(
    "schema",
    "unknown-callout-kind",
    replace(ZH, "callout: editor", "callout: editors"),
    "sources/zh/ch14.yaml:{line}:22: profiles.mxnet.editor-note: unknown callout kind 'editors' "
    "(use: note, tip, warning, editor)",
)
broken(
    "schema",
    "callout-holds-a-section",
    replace(
        ZH,
        "              history: 原书称",
        "              more:\n                section: 更多\n                body:\n                  x: 一。\n"
        "              history: 原书称",
    ),
    "sources/zh/ch14.yaml:{line+1}:17: profiles.mxnet.editor-note.more: "
    "a callout holds paragraphs, lists, quotes, code and formulas, not a section",
)
broken(
    "schema",
    "cell-for-unknown-column",
    replace(ZH, "            multi-gpu: true\n", "            multi-gpu: true\n            gpus: 8\n"),
    "sources/zh/ch14.yaml:{line+1}:13: comparison.frameworks.rows.caffe.gpus: unknown field (expected one of: "
    "autodiff, cnn, developer, framework, interfaces, language, multi-gpu, platforms, pretrained, rnn)",
)
broken(
    "schema",
    "code-as-a-plain-scalar",
    replace(
        ZH,
        "          overview: Caffe 出自",
        "          example:\n            code: caffe train --solver=solver.prototxt\n            language: sh\n"
        "          overview: Caffe 出自",
    ),
    "sources/zh/ch14.yaml:{line+1}:19: profiles.caffe.example: "
    "write code as a literal block (code: |) so that it is kept exactly",
)
broken(
    "schema",
    "under-indented-source-in-a-list",
    replace(EN, "                source: 6f178881", "              source: 6f178881"),
    "sources/en/ch14.yaml:{line}:15: profiles.caffe.pros.source: 'source:' looks like a unit's field "
    "that is not indented under its unit; indent it as far as the 'text:' of 'feedforward'",
)
broken(
    "schema",
    "under-indented-source-as-a-block",
    replace(EN, "    source: 86b37c34", "  source: 86b37c34"),
    "sources/en/ch14.yaml:{line}:3: source: 'source:' looks like a unit's field that is not indented under "
    "its unit; indent it as far as the 'text:' of 'revival'",
)
broken(
    "schema",
    "reserved-top-level-id",
    replace(ZH, "  revival:", "  title:"),
    "sources/zh/ch14.yaml:{line}:3: title: 'title' is reserved at the top of the body: choose another id",
)
broken(
    "schema",
    "duplicate-chapter-number",
    replace_all(copy(EN, "sources/en/ch15.yaml"), copy(ZH, "sources/zh/ch15.yaml")),
    "sources/en/ch15.yaml:3:10: chapter: chapter 14 again (as in sources/en/ch14.yaml:3:10); "
    "give each chapter its own number",
)

# ---- ids and file names: path separators, spaces, capitals, other scripts
broken(
    "ids",
    "id-with-path-separators",
    replace(ZH, "  revival:", "  ../../etc/passwd:"),
    "sources/zh/ch14.yaml:{line}:3: ../../etc/passwd: ids use lower-case letters, digits and single hyphens",
)
broken(
    "ids",
    "id-with-backslash",
    replace(ZH, "  revival:", '  "..\\\\evil":'),
    "sources/zh/ch14.yaml:{line}:3: ..\\evil: ids use lower-case letters, digits and single hyphens",
)
broken(
    "ids",
    "id-with-space",
    replace(ZH, "  revival:", '  "re vival":'),
    "sources/zh/ch14.yaml:{line}:3: re vival: ids use lower-case letters, digits and single hyphens",
)
broken(
    "ids",
    "id-with-capitals",
    replace(EN, "      caffe:\n        section:", "      Caffe:\n        section:"),
    "sources/en/ch14.yaml:{line}:7: profiles.Caffe: ids use lower-case letters, digits and single hyphens",
)
broken(
    "ids",
    "id-with-double-hyphen",
    replace(ZH, "          multi-gpu: 单机多卡并行", "          multi--gpu: 单机多卡并行"),
    "sources/zh/ch14.yaml:{line}:11: comparison.frameworks.columns.multi--gpu: "
    "ids use lower-case letters, digits and single hyphens",
)
broken(
    "ids",
    "id-in-chinese",
    replace(ZH, "  revival:", "  复兴:"),
    "sources/zh/ch14.yaml:{line}:3: 复兴: ids use lower-case letters, digits and single hyphens",
)
broken(
    "ids",
    "empty-id",
    replace(ZH, "  revival:", '  "":'),
    "sources/zh/ch14.yaml:{line}:3: ids use lower-case letters, digits and single hyphens",
)
broken(
    "ids",
    "file-name-with-space",
    replace_all(rename(EN, "sources/en/ch 14.yaml"), rename(ZH, "sources/zh/ch 14.yaml")),
    "sources/en/ch 14.yaml:1:1: chapter file names use letters, digits, '-' and '_'",
)
broken(
    "ids",
    "file-name-with-dots",
    replace_all(copy(EN, "sources/en/ch14.en.yaml"), copy(ZH, "sources/zh/ch14.en.yaml")),
    "sources/en/ch14.en.yaml:1:1: chapter file names use letters, digits, '-' and '_'",
)
command(
    "ids",
    "chapter-option-with-path",
    nothing,
    ("export", "--lang", "en", "--format", "md", "--chapter", "../../etc/passwd", "--exports", "exports"),
    2,
    "pipeline: error: no chapter '../../etc/passwd' in sources",
)

# ---- size and depth
broken(
    "size",
    "nesting-65-levels",
    write(EN, "".join("  " * i + f"k{i}:\n" for i in range(65)) + "  " * 65 + "x\n"),
    "sources/en/ch14.yaml:64:127: "
    + ".".join(f"k{i}" for i in range(63))
    + ": nesting deeper than 64 levels",
)
broken(
    "size",
    "flow-nesting-100000-levels",
    write(EN, "a: " + "[" * 100_000 + "]" * 100_000 + "\n"),
    "sources/en/ch14.yaml:1:67: a" + "[0]" * 63 + ": nesting deeper than 64 levels",
)
# ---- markup: inline tags must be well formed and name what exists; text that only looks like
# markup prints literally in every format, and real tags are rendered, never printed
broken(
    "markup",
    "unclosed-tag",
    replace(EN, "<i>Science</i>", "<i>Science"),
    "sources/en/ch14.yaml:{line}:83: revival: <i> is not closed (</i> is missing)",
)
broken(
    "markup",
    "closing-tag-without-opening",
    replace(EN, "<i>Science</i>", "Science</i>"),
    "sources/en/ch14.yaml:{line}:90: revival: </i> without an opening <i>",
)
broken(
    "markup",
    "overlapping-tags",
    replace(EN, "<i>Science</i>", "<b><i>Science</b></i>"),
    "sources/en/ch14.yaml:{line}:96: revival: </b> closes <i>: tags may nest but not overlap",
)
broken(
    "markup",
    "unknown-tag-attribute",
    replace(EN, "<i>Science</i>", '<i class="journal">Science</i>'),
    "sources/en/ch14.yaml:{line}:83: revival: unknown attribute 'class' on <i> (it takes no attributes)",
)
broken(
    "markup",
    "ref-to-a-missing-target",
    replace(EN, "nine of them,", 'nine of them (<ref to="comparison.framework"/>),'),
    "sources/en/ch14.yaml:{line}:181: frameworks: <ref to='comparison.framework'/> names no section or "
    "table of the chapter (did you mean 'comparison.frameworks'?)",
)
broken(
    "markup",
    "ref-to-a-paragraph",
    replace(EN, "nine of them,", 'nine of them (<ref to="revival"/>),'),
    "sources/en/ch14.yaml:{line}:181: frameworks: <ref to='revival'/> names no section or table of the chapter",
)  # a paragraph has no number to print
broken(
    "markup",
    "javascript-link",
    replace(EN, "<i>Science</i>", '<a href="javascript:alert(1)">Science</a>'),
    "sources/en/ch14.yaml:{line}:83: revival: <a href> must be an http(s) or mailto URL, not 'javascript:alert(1)'",
)
broken(
    "markup",
    "fn-to-a-missing-footnote",
    replace(EN, "nine of them,", 'nine of them<fn to="nine"/>,'),
    "sources/en/ch14.yaml:{line}:179: frameworks: <fn to='nine'/> names no footnote in footnotes:",
)
broken(
    "markup",
    "footnote-never-referenced",
    append(ZH, "footnotes:\n  orphan: 一条没有引用的脚注。\n"),
    'sources/zh/ch14.yaml:{line+1}:11: footnotes.orphan: footnote never referenced (add <fn to="orphan"/> '
    "to a text)",
)
# YAML reads "models #1 choice." as a comment: a plain text would lose it without a word
broken(
    "markup",
    "comment-after-plain-text",
    replace(EN, "text: No commercial support.", "text: No commercial support, the #1 complaint."),
    "sources/en/ch14.yaml:{line}:50: profiles.caffe.cons.no-commercial-support: ' #' after plain text "
    'starts a YAML comment, and the rest of the line is lost: quote the text ("…")',
)
RL_MARKUP = 'Tom & Jerry <font color="red">red</font> a<br/>b &amp; &lt; <para> ]]> <![CDATA[x]]>'
valid(
    "markup",
    "reportlab-markup-everywhere",
    replace(EN, "text: No commercial support.", "text: " + q(RL_MARKUP)),
    literal=RL_MARKUP,
    formats=("md", "docx", "pdf"),
    status=1,
)  # the checker: ']' closes nothing
valid(
    "markup",
    "markup-in-the-title",
    replace(
        EN,
        "  text: An Introduction to Open-Source Deep Learning Tools",
        "  text: " + q("An <em>Introduction</em> & <br/> Tools"),
    ),
    literal="An <em>Introduction</em> & <br/> Tools",
    formats=("md", "docx", "pdf"),
    status=1,
)
# a "<" that starts no known tag is text: comparisons, HTML that is not ours, lookalike names
NOT_TAGS = "a < b, a<b, <br>, <bold>, <codes>, </x>, <abbr> and &amp; &lt;"
valid(
    "markup",
    "not-tags-everywhere",
    replace(EN, "text: No commercial support.", "text: " + q(NOT_TAGS)),
    literal=NOT_TAGS,
    formats=("md", "docx", "pdf"),
    status=1,
)
MD_BREAKERS = "Sky|mind `team` *a* _b_ [l](http://x)\n<br> \\| ~~s~~ <script>x</script> <!-- c"


def _table_intact(root: Path, runs: list[Run]) -> None:
    """The comparison table keeps its shape: 10 rows (header + 9) of 10 cells."""
    tables = md_tables((root / "exports" / "ch14.en.md").read_bytes())
    assert [len(r) for r in tables[0]] == [10] * 10
    assert tables[0][2][1] == MD_BREAKERS  # the Deeplearning4j row, developer column


valid(
    "markup",
    "markdown-table-breakers",
    replace(EN, "text: Skymind engineering team", "text: " + q(MD_BREAKERS)),
    literal=MD_BREAKERS,
    status=1,
    check=_table_intact,
)
LINE_STARTS = "# not a heading\n- not a list\n1. not a list\n> not a quote\n```\n==="


def _one_paragraph(root: Path, runs: list[Run]) -> None:
    data = (root / "exports" / "ch14.en.md").read_text(encoding="utf-8")
    assert data.count("\n# ") + data.startswith("# ") == 1  # the title, nothing else
    assert "\n```" not in data


valid(
    "markup",
    "markdown-line-starts",
    replace(EN, "text: No commercial support.", "text: " + q(LINE_STARTS)),
    literal=LINE_STARTS,
    status=1,
    check=_one_paragraph,
)
# real tags, in both editions (the translation reviewed against the new source): rendered as
# bold and code, never printed as tags
TAGGED_ZH = "没有<b>商业</b>支持，要用 <code>caffe train</code> 自己训练。"
TAGGED_EN = "No <b>commercial</b> support; train with <code>caffe train</code> yourself."


def _tags_rendered(root: Path, runs: list[Run]) -> None:
    import docx

    plain = "No commercial support; train with caffe train yourself."
    md = (root / "exports" / "ch14.en.md").read_bytes()
    assert b"**commercial**" in md or b"<strong>commercial</strong>" in md, "no bold in the Markdown"
    assert b"`caffe train`" in md, "no inline code in the Markdown"
    data = (root / "exports" / "ch14.en.docx").read_bytes()
    runs_of = [r for p in docx.Document(io.BytesIO(data)).paragraphs for r in p.runs]
    assert any(r.text == "commercial" and r.bold for r in runs_of), "no bold run in the DOCX"
    texts = {
        "md": md_text(md),
        "docx": docx_text(data),
        "pdf": pdf_text((root / "exports" / "ch14.en.pdf").read_bytes()),
    }
    for fmt, text in texts.items():
        assert "<b>" not in text and "<code>" not in text, f"tags printed in the {fmt} handout"
        assert squash(plain) in squash(text), f"{plain!r} is not in the {fmt} handout"


valid(
    "markup",
    "real-tags-rendered",
    replace_all(
        replace(ZH, "no-commercial-support: 没有商业支持。", "no-commercial-support: " + TAGGED_ZH),
        replace(EN, "text: No commercial support.", "text: " + q(TAGGED_EN)),
        replace(EN, "source: b47db2c9", "source: " + fingerprint(TAGGED_ZH)),
    ),
    formats=("md", "docx", "pdf"),
    check=_tags_rendered,
)

# ---- fonts: a character the PDF font lacks is an export error naming the unit; others accept it
GLYPH = (
    r"profiles\.caffe\.cons\.no-commercial-support: character U\+{cp} .* is not in font NotoSansSC-Regular\.ttf; "
    r"give a font that has it \(fonts: in book\.yaml for its language, or --font FILE\)"
)
for case_id, char in (("emoji-missing-from-pdf-font", "😀"), ("hebrew-missing-from-pdf-font", "עברית")):
    mutation = replace(EN, "text: No commercial support.", "text: " + q(f"No commercial support {char}."))
    cp = f"{ord(char[0]):04X}"
    CASES.append(
        Case(
            case_id,
            "font",
            mutation,
            (
                Step(
                    ("export", "--lang", "en", "--format", "pdf", "--exports", "exports", "--force"),
                    2,
                    "re:sources/en/ch14\\.yaml:{line}:23: " + GLYPH.format(cp=cp),
                ),
                Step(
                    ("export", "--lang", "en", "--format", "docx", "--exports", "exports", "--force", "-q"),
                    0,
                    literal=char,
                    formats=("docx",),
                ),
            ),
        )
    )
command(
    "font",
    "missing-glyph-stops-all-formats",
    replace(EN, "text: No commercial support.", "text: " + q("No commercial support 😀.")),
    ("export", "--all", "--exports", "exports", "--jobs", "1", "--force"),
    2,
    "re:sources/en/ch14\\.yaml:{line}:23: " + GLYPH.format(cp="1F600"),
)

# ---- files: a file without its twin, missing folders and files, a folder for a file
finding(
    "files",
    "file-without-twin",
    replace_all(
        copy(EN, "sources/en/ch15.yaml"), replace("sources/en/ch15.yaml", "chapter: 14", "chapter: 15")
    ),
    "sources/en/ch15.yaml:1:1: error twin-file: no twin in zh: expected sources/zh/ch15.yaml",
)
finding(
    "files",
    "source-without-translation",
    remove(EN),
    "sources/zh/ch14.yaml:1:1: error twin-file: no twin in en: expected sources/en/ch14.yaml",
)
broken(
    "files",
    "language-folder-missing",
    remove("sources/en"),
    "sources/book.yaml:1:1: no folder en/ for language 'en'",
)
broken(
    "files",
    "book-file-missing",
    remove("sources/book.yaml"),
    "sources/book.yaml:1:1: cannot read: No such file or directory",
)
broken(
    "files",
    "glossary-missing",
    remove("sources/glossary.yaml"),
    "sources/glossary.yaml:1:1: cannot read: No such file or directory",
)
broken(
    "files",
    "chapter-is-a-folder",
    replace_all(remove(EN), lambda root: (root / EN).mkdir() or 1),
    "sources/en/ch14.yaml:1:1: cannot read: Is a directory",
)

# ---- the command line and the output folder
command(
    "cli",
    "sources-is-a-file",
    nothing,
    ("check", "--sources", "sources/book.yaml"),
    2,
    "sources/book.yaml/book.yaml:1:1: cannot read: Not a directory",
)
command(
    "cli",
    "sources-missing",
    nothing,
    ("check", "--sources", "nowhere"),
    2,
    "nowhere/book.yaml:1:1: cannot read: No such file or directory",
)
command(
    "cli",
    "exports-is-a-file",
    in_workdir(lambda w: (w / "blocker").write_text("x")),
    ("export", "--all", "--format", "md", "--exports", "blocker/out", "--jobs", "1"),
    2,
    "pipeline: error: cannot write blocker/out/ch14.zh.md: Not a directory",
)
command(
    "cli",
    "exports-names-a-file",
    in_workdir(lambda w: (w / "blocker").write_text("x")),
    ("export", "--all", "--format", "md", "--exports", "blocker", "--jobs", "1"),
    2,
    "pipeline: error: cannot write blocker/ch14.zh.md: blocker is a file, not a folder",
)
# the third output cannot be written: the first two must not have been replaced either
command(
    "cli",
    "one-target-is-a-folder",
    in_workdir(lambda w: (w / "exports" / "ch14.zh+en.md").mkdir()),
    EXPORT_MD,
    2,
    "pipeline: error: cannot write exports/ch14.zh+en.md: Is a directory",
)
command(
    "cli",
    "out-is-a-folder",
    in_workdir(lambda w: (w / "handout").mkdir()),
    ("export", "--lang", "en", "--format", "md", "--out", "handout"),
    2,
    "pipeline: error: cannot write handout: Is a directory",
)
command(
    "cli",
    "font-is-not-a-font",
    nothing,
    ("export", "--lang", "en", "--format", "pdf", "--exports", "exports", "--font", "sources/book.yaml"),
    2,
    "re:pipeline: error: font sources/book\\.yaml: not a usable TrueType font \\(.*\\)",
)
command(
    "cli",
    "same-language-twice",
    nothing,
    ("export", "--lang", "en+en", "--format", "md"),
    2,
    "pipeline: error: --lang 'en+en': give one language or two joined by '+' (languages: zh, en)",
)
command(
    "cli",
    "jobs-zero",
    nothing,
    ("export", "--all", "--jobs", "0"),
    2,
    "pipeline: error: --jobs must be at least 1",
)
command(
    "cli",
    "jobs-not-a-number",
    nothing,
    ("export", "--all", "--jobs", "x"),
    2,
    "pipeline export: error: argument --jobs/-j: invalid int value: 'x'",
    usage=True,
)
command(
    "cli",
    "accept-unknown-id",
    nothing,
    ("check", "--accept", "../*"),
    2,
    "pipeline: error: no translation unit '../*' (ids look like profiles.caffe.pros.feedforward, "
    "optionally prefixed by the chapter: ch14:...)",
)


# ---- PO files coming back from translators
def _po(edit: Callable[[bytes], bytes]) -> Mutation:
    """Export the PO file of the (pristine) sources, then edit it as a translator's tool might.

    Returns the line of the entry of profiles.caffe.cons.no-commercial-support (its msgctxt).
    """

    def mutate(root: Path) -> int:
        from pipeline.loader import load_book
        from pipeline.po import export_po

        data = export_po(load_book(str(root / "sources")), "ch14", "en")
        (root / "ch.po").write_bytes(edit(data))
        return data[: data.index(b'msgctxt "profiles.caffe.cons.no-commercial-support"')].count(b"\n") + 1

    return mutate


def _msgstr(new: bytes) -> Callable[[bytes], bytes]:
    return lambda po: po.replace(b'msgstr "No commercial support."', b'msgstr "' + new + b'"', 1)


PO_IMPORT = ("po", "import", "ch.po")
for case_id, new, name in (
    ("po-zero-width-space", "No commercial\u200b support.".encode(), "invisible character U+200B"),
    ("po-bidi-override", "No \u202ecommercial support.".encode(), "invisible character U+202E"),
):
    command(
        "po",
        case_id,
        _po(_msgstr(new)),
        PO_IMPORT,
        2,
        f"ch.po:{{line+1}}:1: profiles.caffe.cons.no-commercial-support: msgstr: {name} is not allowed",
    )
command(
    "po",
    "po-unclosed-tag",
    _po(_msgstr(b"No <b>commercial support.")),
    PO_IMPORT,
    2,
    "ch.po:{line+1}:1: profiles.caffe.cons.no-commercial-support: msgstr: <b> is not closed (</b> is missing)",
)
command(
    "po",
    "po-invalid-utf8",
    _po(_msgstr(b"No \xff support.")),
    PO_IMPORT,
    2,
    "re:ch\\.po:1:1: unreadable PO file: .*can't decode byte 0xff.*",
)
command(
    "po",
    "po-garbage",
    _po(lambda po: b"\x00\x01 garbage\n"),
    PO_IMPORT,
    2,
    "re:ch\\.po:1:1: invalid PO file: .*",
)
command(
    "po",
    "po-unknown-unit",
    _po(lambda po: po.replace(b"profiles.caffe.cons.no-commercial-support", b"profiles.caffe.cons.nope")),
    PO_IMPORT,
    1,
    "ch.po:{line+1}:1: profiles.caffe.cons.nope: no unit 'profiles.caffe.cons.nope' in chapter 'ch14' (skipped)",
    skipped=True,
)  # the entry names its unit twice (msgctxt and an "#. id:" comment): both renamed
PO_MARKUP = "No <em>commercial</em> & a < b support."


def _imported_literally(root: Path, runs: list[Run]) -> None:
    from pipeline.loader import load_book

    chapter = load_book(str(root / "sources")).chapters["en"]["ch14"]
    [unit] = [u for u in chapter.units() if u.id == "profiles.caffe.cons.no-commercial-support"]
    assert unit.text == PO_MARKUP


CASES.append(
    Case(
        "po-markup-is-imported-literally",
        "po",
        _po(_msgstr(PO_MARKUP.encode())),
        (
            Step(PO_IMPORT, 0),
            Step(
                ("export", "--lang", "en", "--format", "md", "--exports", "exports", "--force", "-q"),
                0,
                literal=PO_MARKUP,
                formats=("md",),
            ),
        ),
        _imported_literally,
    )
)


# -- running a case ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Callable[[], dict[str, bytes]]:
    """The Markdown handouts of the pristine sources, built when a case first asks for them."""
    built: dict[str, bytes] = {}

    def get() -> dict[str, bytes]:
        if not built:
            from pipeline.export import Options
            from pipeline.export.build import Job, all_editions, render
            from pipeline.loader import load_book

            book = load_book(str(copy_sources(tmp_path_factory.mktemp("reference"))))
            for codes in all_editions(book):
                built[f"ch14.{'+'.join(codes)}.md"] = render(book, Job("ch14", codes, "md", ""), Options())
        return built

    return get


def _places(root: Path, line: int) -> dict[str, int]:
    """The values the expected lines may use besides {line+N}: ends of files."""
    glossary = (root / GLOSSARY).read_bytes() if (root / GLOSSARY).exists() else b""
    en = (root / EN).read_bytes() if (root / EN).is_file() else b""
    return {
        "line": line,
        "last": en.count(b"\n") - 1,  # the line of a "---" appended after the file's last line
        "glossary_end": glossary.count(b"\n"),
    }


def _assert_first_line(text: str, expected: str) -> None:
    first = text.splitlines()[0] if text else ""
    if expected.startswith("re:"):
        assert re.fullmatch(expected[3:], first), f"{first!r} does not match {expected[3:]!r}"
    else:
        assert first == expected


def _format(expected: str, places: dict[str, int]) -> str:
    # regexes hold braces of their own: only the named places are substituted
    expected = re.sub(r"\{line([+-]\d+)\}", lambda m: str(places["line"] + int(m.group(1))), expected)
    for name, value in places.items():
        expected = expected.replace("{" + name + "}", str(value))
    return expected


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_case(
    case: Case,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    reference: Callable[[], dict[str, bytes]],
) -> None:
    copy_sources(tmp_path)
    exports = tmp_path / "exports"
    exports.mkdir()
    for name, data in EARLIER.items():
        (exports / name).write_bytes(data)
    monkeypatch.chdir(tmp_path)  # positions print as sources/...; the export cache stays here
    monkeypatch.setattr(os, "system", _no_system)  # belt and braces: nothing may run a command
    places = _places(tmp_path, case.mutate(tmp_path))
    runs = []
    for step in case.steps:
        before = snapshot(tmp_path)
        started = time.monotonic()
        result = run_cli(list(step.args), capsys)
        runs.append(result)
        assert time.monotonic() - started < 20, "hostile input must not make a command crawl"
        assert "Traceback" not in result.err + result.out
        assert result.status == step.status, result.err or result.out
        assert not temporary_files(tmp_path)
        if step.status == 0:
            _assert_outputs(step, exports, reference)
            continue
        expected = _format(step.first or "", places)
        if step.skipped:  # one line per skipped entry, then the count
            _assert_first_line(result.err, expected)
            assert all(ERROR_LINE.fullmatch(line) for line in result.err.splitlines()), result.err
        elif step.status == 1:  # findings: the report is on stdout, nothing on stderr
            assert not result.err
            if step.first is not None:
                _assert_first_line(result.out, expected)
        elif step.usage:
            assert result.err.splitlines()[-1] == expected
        else:
            lines = result.err.splitlines()
            _assert_first_line(result.err, expected)
            assert all(ERROR_LINE.fullmatch(line) for line in lines), result.err
        assert snapshot(tmp_path) == before, "a failed command changed files"
    assert not (tmp_path / "PWNED").exists()
    if case.check is not None:
        case.check(tmp_path, runs)


def _no_system(command: str) -> int:
    raise AssertionError(f"os.system({command!r}) was called")


def _assert_outputs(step: Step, exports: Path, reference: Callable[[], dict[str, bytes]]) -> None:
    if step.identical:
        expected = reference()
        produced = {n: d for n, d in snapshot(exports).items() if n in expected}
        assert produced == expected
    for fmt in step.formats:
        data = (exports / f"ch14.en.{fmt}").read_bytes()
        if step.literal is not None:
            text = TEXT_OF[fmt](data)
            if fmt == "pdf":  # PDF text comes back with line breaks wherever lines were broken
                text, literal = "".join(text.split()), "".join(step.literal.split())
            else:
                literal = step.literal
            assert literal in text, f"{step.literal!r} is not printed literally in the {fmt} handout"


# -- size: megabytes and tens of thousands of items stay fast ---------------------------------
# The limits are on processor time (this process and the worker processes it waited for), not on
# the clock: the suite runs on 2 cores beside other tests, and a busy machine is no regression.
def _cpu_seconds() -> float:
    import resource

    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _timed(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[Run, float]:
    started = _cpu_seconds()
    result = run_cli(args, capsys)
    return result, _cpu_seconds() - started


def test_a_ten_megabyte_unit_loads_and_exports_to_markdown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    copy_sources(tmp_path)
    big = "word " * 2_000_000  # 10 MB, before the unit's own text so its numbers stay in place
    replace(EN, "    text: In 2006, Hinton", "    text: " + big + "In 2006, Hinton")(tmp_path)
    monkeypatch.chdir(tmp_path)
    export, seconds = _timed(list(EXPORT_MD), capsys)
    assert export.status == 0, export.err
    assert seconds < 10, f"loading and exporting 10 MB took {seconds:.1f} s of processor time"
    assert big.strip() in (tmp_path / "exports" / "ch14.en.md").read_text(encoding="utf-8")


def test_a_ten_megabyte_unit_is_checked_in_seconds(tmp_path: Path) -> None:
    import subprocess
    import sys

    copy_sources(tmp_path)
    replace(EN, "    text: In 2006, Hinton", "    text: " + "word " * 2_000_000 + "In 2006, Hinton")(tmp_path)
    started = _cpu_seconds()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pipeline", "check"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,  # a hang
        )
    except subprocess.TimeoutExpired:
        pytest.fail("checking a 10 MB unit took more than a minute")
    seconds = _cpu_seconds() - started
    assert done.returncode == 0, done.stdout + done.stderr
    assert seconds < 8, f"checking a 10 MB unit took {seconds:.1f} s of processor time"


def test_ten_thousand_names_in_a_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    copy_sources(tmp_path)
    names = "[" + ", ".join(f"Platform{i}" for i in range(10_000)) + "]"
    for rel in (ZH, EN):  # a language-neutral list: the same in both editions
        replace(rel, "platforms: [Linux, Mac OS X, Windows, Android, iOS]", "platforms: " + names)(tmp_path)
    monkeypatch.chdir(tmp_path)
    check, seconds = _timed(["check"], capsys)
    assert check.status == 0 and seconds < 10, (check.out, seconds)
    export, seconds = _timed(list(EXPORT_MD), capsys)
    assert export.status == 0 and seconds < 10, (export.err, seconds)
    assert "Platform9999" in (tmp_path / "exports" / "ch14.zh+en.md").read_text(encoding="utf-8")


def test_ten_thousand_units(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """10,000 pros in both editions, reviewed (fingerprinted): clean, and every one exported."""
    copy_sources(tmp_path)
    zh = "".join(f"              p{i}: 第 {i} 条优点。\n" for i in range(10_000))
    en = "".join(
        f"              p{i}: {{text: Advantage number {i}., source: {fingerprint(f'第 {i} 条优点。')}}}\n"
        for i in range(10_000)
    )
    first = "            list:\n              feedforward:"  # Caffe's pros
    replace(ZH, first, "            list:\n" + zh + "              feedforward:")(tmp_path)
    replace(EN, first, "            list:\n" + en + "              feedforward:")(tmp_path)
    monkeypatch.chdir(tmp_path)
    check, seconds = _timed(["check"], capsys)
    assert check.status == 0 and seconds < 15, (check.out[:500], seconds)
    one = ["export", "--lang", "zh+en", "--format", "md", "--exports", "exports", "--force", "-q"]
    export, seconds = _timed(one, capsys)
    assert export.status == 0 and seconds < 15, (export.err, seconds)
    bilingual = (tmp_path / "exports" / "ch14.zh+en.md").read_text(encoding="utf-8")
    assert "| ✓ 第 9999 条优点。 | ✓ Advantage number 9999. |" in bilingual


def test_the_readme_counts_the_corpus_as_it_is() -> None:
    """The README's table of case classes and its total stay true as cases are added."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    counted = Counter(case.kind for case in CASES)
    rows = dict(re.findall(r"^\| ([a-z-]+) \| (\d+) \|", readme, flags=re.MULTILINE))
    assert {kind: int(n) for kind, n in rows.items() if kind in counted} == dict(counted)
    assert set(counted) <= set(rows), "a class of cases the README does not describe"
    assert f"has **{len(CASES)} cases**" in readme
