"""Helpers for the hostile-input and property tests: run the CLI in-process on a copy of the
sources, snapshot folders, and read the text back out of every export format."""

from __future__ import annotations

import io
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from mdread import all_text, parse, tables

from pipeline.cli import main

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "sources"
ZH = "sources/zh/ch14.yaml"
EN = "sources/en/ch14.yaml"
BOOK = "sources/book.yaml"
GLOSSARY = "sources/glossary.yaml"
# one stderr line: a source position and a message, or the CLI's own "pipeline: ..." line, or
# one of the two lines below a syntax error that show the source line and a caret under the column
ERROR_LINE = re.compile(r"(?:[^\s:][^:]*:\d+:\d+: .+|pipeline: .+| \d+ \| .*| +\| [\t ]*\^)")


@dataclass(frozen=True)
class Run:
    status: int
    out: str
    err: str


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> Run:
    """``pipeline ARGS`` in this process (the working directory is the caller's business)."""
    capsys.readouterr()
    try:
        status = main(args)
    except SystemExit as exc:  # argparse's usage errors
        status = int(exc.code or 0)
    captured = capsys.readouterr()
    return Run(status, captured.out, captured.err)


def copy_sources(dest: Path) -> Path:
    shutil.copytree(SOURCES, dest / "sources")
    return dest / "sources"


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` (relative name -> bytes); {} when it does not exist."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def temporary_files(folder: Path) -> list[Path]:
    """Leftovers of atomic writes (``.NAME.XXXX.tmp``)."""
    return sorted(p for p in folder.rglob("*.tmp"))


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


# -- reading exports back ----------------------------------------------------------------------
def md_text(data: bytes) -> str:
    """What a reader of the rendered Markdown sees, one inline element or code block per line."""
    tokens = parse(data)
    code = [t.content for t in tokens if t.type in ("fence", "code_block")]
    return "\n".join([all_text(tokens), *code])


def md_tables(data: bytes) -> list[list[list[str]]]:
    """Each table of the rendered Markdown as rows of cell texts (header row first)."""
    return tables(parse(data))


def docx_text(data: bytes) -> str:
    """Every paragraph of the document body, table cells included, in document order; then the
    footnotes."""
    import docx
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    doc = docx.Document(io.BytesIO(data))
    body = [Paragraph(p, doc._body).text for p in doc.element.body.iter(qn("w:p"))]
    return "\n".join(body + _docx_footnotes(data))


def _docx_footnotes(data: bytes) -> list[str]:
    """The text of every footnote (word/footnotes.xml), one paragraph a line."""
    import zipfile
    from xml.etree import ElementTree

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if "word/footnotes.xml" not in archive.namelist():
            return []
        root = ElementTree.fromstring(archive.read("word/footnotes.xml"))
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    return ["".join(t.text or "" for t in p.iter(f"{w}t")) for p in root.iter(f"{w}p")]


def pdf_text(data: bytes) -> str:
    import pypdf

    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


TEXT_OF = {"md": md_text, "docx": docx_text, "pdf": pdf_text}
