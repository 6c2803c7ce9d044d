"""The text the toolkit prints follows the typography rules it enforces on the sources.

Generated words (labels, dates, lists of names, "表 14.1", the credit line) must be spaced and
punctuated like the sources themselves: the checker's own typography rules (full-width and
half-width punctuation, spacing between Han and Latin text) run over every paragraph and table
cell of the single-language handouts of both books, read back with real readers. Code is
excluded, as the rules exclude it in the sources.
"""

from __future__ import annotations

import io
from pathlib import Path

import docx as python_docx
import mdread
import pytest

from pipeline.check.catalog import catalog
from pipeline.check.context import Edition, RunContext, UnitContext
from pipeline.errors import Position
from pipeline.export import Options, layout
from pipeline.export.docx import docx
from pipeline.export.markdown import markdown
from pipeline.loader import load_book
from pipeline.model import Unit

ROOT = Path(__file__).resolve().parent.parent
BOOKS = {"sources": "ch14", "examples/showcase": "ch04"}
RULES = ("fullwidth-punct", "halfwidth-punct", "cjk-spacing")
PLACEHOLDER = "\ufffc"  # what the checker sees in place of code, math and references


def markdown_texts(data: bytes) -> list[str]:
    """The text of every paragraph, heading and table cell, code replaced by a placeholder."""
    tokens = mdread.parse(data)  # with the footnote and math plugins when installed
    out = []
    for tok in tokens:
        if tok.type != "inline" or not tok.children:
            continue
        parts, in_note = [], False
        for child in tok.children:
            if child.type == "html_inline" and child.content.startswith('<sup class="note">'):
                in_note = True  # a table note's letter is a mark, not text
            elif child.type == "html_inline" and in_note and child.content == "</sup>":
                in_note = False
            elif in_note:
                continue
            elif child.type == "text":
                parts.append(child.content)
            elif child.type in ("code_inline", "math_inline", "footnote_ref"):
                parts.append(PLACEHOLDER)
            elif child.type in ("softbreak", "hardbreak"):
                parts.append(" ")
        text = "".join(parts).strip()
        if text and not text.startswith("---"):
            out.append(text)
    return out


def docx_texts(data: bytes) -> list[str]:
    doc = python_docx.Document(io.BytesIO(data))
    paragraphs = list(doc.paragraphs)
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                paragraphs.extend(cell.paragraphs)
    out = []
    for p in paragraphs:
        style = (p.style.name if p.style is not None else "") or ""
        if "Code" in style or "Source" in style:
            continue
        text = "".join(_inner_text(p)).strip()
        if text:
            out.append(text)
    return out


def _inner_text(p: object) -> list[str]:
    """A paragraph's text: its runs, the runs of its links, and each equation as a placeholder."""
    from docx.text.run import Run

    out = []
    for child in p._p:  # type: ignore[attr-defined]
        tag = child.tag.rsplit("}", 1)[1]
        if tag == "oMath":
            out.append(PLACEHOLDER)
        elif tag == "r":
            out.append(_run_text(Run(child, p)))
        elif tag == "hyperlink":
            out.extend(_run_text(Run(r, p)) for r in child.iter(child.tag.replace("hyperlink", "r")))
    return out


def _runs(item: object) -> list:
    return list(item.runs) if hasattr(item, "runs") else [item]  # a hyperlink holds runs


def _run_text(run: object) -> str:
    """A run's text; code, and raised or lowered marks (note letters, footnote numbers), as one
    placeholder: the rules do not look inside them."""
    style = run.style.name if run.style is not None else ""  # type: ignore[attr-defined]
    font = run.font  # type: ignore[attr-defined]
    if "Verbatim" in (style or "") or "Code" in (style or "") or font.superscript or font.subscript:
        return PLACEHOLDER
    return run.text  # type: ignore[attr-defined]


WRITERS = {"md": (markdown, markdown_texts), "docx": (docx, docx_texts)}


@pytest.mark.parametrize("fmt", sorted(WRITERS))
@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("folder", sorted(BOOKS))
def test_every_printed_paragraph_passes_the_typography_rules(folder: str, lang: str, fmt: str) -> None:
    book = load_book(str(ROOT / folder))
    key = BOOKS[folder]
    write, read = WRITERS[fmt]
    data = write(layout.build(book, key, (lang,)), Options())
    texts = read(data)
    assert len(texts) > 20  # the reader found the handout's text
    rules = [catalog()[r] for r in RULES]
    ctx = UnitContext(RunContext(book), Edition.of(book.chapters[lang][key]), book.source_lang)
    findings = []
    for n, text in enumerate(texts, 1):
        unit = Unit(f"printed.{n}", text, Position(f"{key}.{lang}.{fmt}", n, 1))
        for rule in rules:
            findings += [f"{rule.id}: {hit.message} in {text!r}" for hit in rule.function(unit, ctx)]
    assert findings == []
