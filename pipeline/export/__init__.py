"""Exporters: one module per format, each with one entry function from a Handout to bytes.

The table below is the only place that knows every format; adding one means adding a module
with a function ``(handout, options) -> bytes`` and a row here. Modules are imported only when
their format is asked for, so ReportLab and python-docx never load for other work.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import NamedTuple

from pipeline import gcpause
from pipeline.errors import Problem


# NamedTuples, not dataclasses: a frozen dataclass costs about 1 ms of every export's start-up
class Format(NamedTuple):
    name: str  # as given to --format
    module: str
    function: str
    suffix: str


FORMATS: dict[str, Format] = {
    "pdf": Format("pdf", "pipeline.export.pdf", "pdf", ".pdf"),
    "docx": Format("docx", "pipeline.export.docx", "docx", ".docx"),
    "md": Format("md", "pipeline.export.markdown", "markdown", ".md"),
}

PAPERS = ("a4", "letter")


class Options(NamedTuple):
    paper: str = "a4"
    font: str | None = None  # path of a TrueType font to use instead of the bundled one
    bold_font: str | None = None
    # the folder the output goes to: links to figures' files are made relative to it (Markdown)
    out_dir: str = ""


class RenderError(Exception):
    """The content cannot be rendered in this format (a character the font lacks, ...)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def writer(fmt: str) -> Callable[..., bytes]:
    f = FORMATS[fmt]
    module = sys.modules.get(f.module)
    if module is None:
        # Importing a writer and its libraries makes no garbage (see pipeline.gcpause). Only
        # then: the pause ends by moving every live object to the oldest generation, garbage
        # of an earlier handout included, which only full collections would then free.
        with gcpause.paused():
            module = importlib.import_module(f.module)
    return getattr(module, f.function)


def output_name(key: str, codes: tuple[str, ...], fmt: str) -> str:
    """The documented file name of a handout: ch14.en.pdf, ch14.zh+en.docx."""
    return f"{key}.{'+'.join(codes)}{FORMATS[fmt].suffix}"
