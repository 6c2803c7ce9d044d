"""The book, its author and its publisher are credited on every handout: the credit line in the
title block, and its short form in the footer of every page (PDF and DOCX)."""

from __future__ import annotations

import io
from pathlib import Path

import docx as python_docx
import pytest
from pypdf import PdfReader

from pipeline.export import Options, layout
from pipeline.export.docx import docx
from pipeline.export.markdown import markdown
from pipeline.export.pdf import pdf
from pipeline.loader import load_book

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def book():
    return load_book(str(ROOT / "sources"))


@pytest.mark.parametrize("langs", [("zh",), ("en",), ("en", "zh")])
def test_every_pdf_page_carries_the_short_credit(book, langs: tuple[str, ...]) -> None:
    handout = layout.build(book, "ch14", langs)
    expected = {"zh": "改写自魏秀参《解析深度学习", "en": "After Wei Xiu-Shen, Analyzing Deep Learning"}[
        langs[0]
    ]
    assert handout.short_credit.startswith(expected) and "2018" in handout.short_credit
    pages = PdfReader(io.BytesIO(pdf(handout, Options()))).pages
    assert len(pages) > 2
    for page in pages:
        assert expected.replace(" ", "") in page.extract_text().replace(" ", "").replace("\n", "")


def test_every_docx_footer_carries_the_short_credit(book) -> None:
    handout = layout.build(book, "ch14", ("en",))
    doc = python_docx.Document(io.BytesIO(docx(handout, Options())))
    assert len(doc.sections) >= 2  # the landscape table has a section of its own
    for section in doc.sections:
        assert handout.short_credit in [p.text for p in section.footer.paragraphs]


def test_the_full_credit_is_in_every_format(book) -> None:
    credit = book.meta["en"].credit.text
    handout = layout.build(book, "ch14", ("en",))
    assert credit in markdown(handout, Options()).decode()
    doc = python_docx.Document(io.BytesIO(docx(handout, Options())))
    assert credit in "\n".join(p.text for p in doc.paragraphs)
