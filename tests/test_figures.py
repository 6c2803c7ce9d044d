"""Figures and formulas in the sources: per-language files, numbering, references, and every way
an image file or a formula can be unusable (each a clear error, exit 2, nothing written)."""

from __future__ import annotations

import os
import shutil
import struct
import time
import zlib
from pathlib import Path

import pytest

from pipeline import media, tex
from pipeline.check.engine import check
from pipeline.errors import SourceError
from pipeline.export.layout import Figure, MathBlock, Paragraph, XRef, build
from pipeline.loader import load_book

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ROOT / "tests" / "fixtures" / "figures"


@pytest.fixture
def book(tmp_path: Path) -> Path:
    root = tmp_path / "sources"
    shutil.copytree(FIGURES, root)
    return root


def problems(root: Path) -> list[str]:
    with pytest.raises(SourceError) as info:
        load_book(str(root))
    return [f"{Path(p.pos.path).parent.name}/{Path(p.pos.path).name}:{p.pos.line}: {p.field}: {p.message}"
            for p in info.value.problems]  # fmt: skip


def png(width: int, height: int) -> bytes:
    """A PNG header that declares a size (the body is a tiny, valid-looking chunk)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))


def test_figures_and_formulas_are_numbered_and_referenced() -> None:
    book = load_book(str(FIGURES))
    handout = build(book, "ch05", ("zh", "en"))
    figures = [b for b in handout.blocks if isinstance(b, Figure)]
    assert [(f.label[0].text, f.label[1].text, f.anchor) for f in figures] == [
        ("图 5.1", "Figure 5.1", "fig-sliding"),
        ("图 5.2", "Figure 5.2", "fig-map"),
    ]
    sliding, feature = figures
    assert [Path(p).name for _, p in sliding.files] == ["sliding.zh.svg", "sliding.en.svg"]
    assert not sliding.shared and feature.shared
    maths = [b for b in handout.blocks if isinstance(b, MathBlock)]
    assert [(m.number, m.anchor) for m in maths] == [("5.1", "eq-conv"), ("", "eq-size")]
    intro = handout.blocks[0]
    assert isinstance(intro, Paragraph)
    labels = [[n.label for n in t.nodes if isinstance(n, XRef)] for t in intro.text]
    assert labels == [["图 5.1", "式（5.1）"], ["Figure 5.1", "equation (5.1)"]]


def test_the_figure_rules_fire_and_stay_quiet(book: Path) -> None:
    assert check(load_book(str(book))).findings == []
    shutil.copy(book / "media" / "sliding.zh.svg", book / "media" / "sliding.svg")
    (book / "media" / "sliding.en.svg").unlink()
    found = [(f.rule, f.unit) for f in check(load_book(str(book))).findings]
    assert found == [("figure-variant", "sliding")]
    zh = book / "zh" / "ch05.yaml"
    zh.write_text(
        zh.read_text(encoding="utf-8").replace("numbered: false", "numbered: true"), encoding="utf-8"
    )
    found = [(f.rule, f.unit) for f in check(load_book(str(book))).findings]
    assert ("block-style", "size") in found


def _edit(book: Path, lang: str, old: str, new: str) -> None:
    path = book / lang / "ch05.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        (lambda b: _edit(b, "zh", "media/feature-map.png", "../../etc/passwd.png"),
         "zh/ch05.yaml:16: map: '../../etc/passwd.png' leads outside the sources folder"),
        (lambda b: _edit(b, "zh", "media/feature-map.png", "/etc/passwd.png"),
         "zh/ch05.yaml:16: map: '/etc/passwd.png' is an absolute path: name a file inside the sources folder"),
        (lambda b: (b / "media" / "feature-map.png").unlink(),
         "zh/ch05.yaml:16: map: no file 'media/feature-map.png' in the sources folder"),
        (lambda b: (b / "media" / "feature-map.png").write_bytes(b"GIF89a not a png"),
         "zh/ch05.yaml:16: map: 'media/feature-map.png' is not a PNG file (its content is something else)"),
        (lambda b: (b / "media" / "feature-map.png").write_bytes(png(50000, 50000)),
         "zh/ch05.yaml:16: map: 'media/feature-map.png' declares 50000 × 50000 pixels"),
        (lambda b: (b / "media" / "feature-map.png").write_bytes(png(10, 10)),
         "zh/ch05.yaml:16: map: 'media/feature-map.png' does not decode as PNG"),
        (lambda b: (b / "media" / "sliding.zh.svg").write_text(
            '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            '<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>'),
         "zh/ch05.yaml:7: sliding: 'media/sliding.zh.svg': an SVG with a DOCTYPE or entities is refused"),
        (lambda b: (b / "media" / "sliding.zh.svg").write_text(
            '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
            '<image xlink:href="file:///etc/passwd"/></svg>'),
         "zh/ch05.yaml:7: sliding: 'media/sliding.zh.svg': an SVG that refers to 'file:///etc/passwd' is refused"),
        (lambda b: (b / "media" / "sliding.zh.svg").write_text(
            '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
         "zh/ch05.yaml:7: sliding: 'media/sliding.zh.svg': an SVG with <script> is refused"),
        (lambda b: (b / "media" / "sliding.zh.svg").write_bytes(b"<svg" + b" " * (3 << 20) + b"/>"),
         "zh/ch05.yaml:7: sliding: 'media/sliding.zh.svg' is 3072 KB, more than the 2 MB a figure may have"),
        (lambda b: _edit(b, "zh", r"\sum_{m=0}^{2}", r"\summ_{m=0}^{2}"),
         "zh/ch05.yaml:11: conv: unknown TeX command \\summ (the math renderers do not support it)"),
        (lambda b: _edit(b, "zh", r"\frac{n + 2p - k}{s}", r"\frac{n + 2p - k}{s"),
         "zh/ch05.yaml:13: size: unbalanced braces: a '{' is not closed"),
        (lambda b: _edit(b, "zh", "<m>\\sum_{m,n}", "<m>\\begin{aligned}a&=b\\end{aligned} \\sum_{m,n}"),
         "zh/ch05.yaml:5: intro: <m>: the environment 'aligned' is not supported"),
    ],
)  # fmt: skip
def test_unusable_figures_and_formulas_are_refused(book: Path, setup, expected: str) -> None:
    setup(book)
    found = problems(book)
    assert any(p.startswith(expected) for p in found), found


def test_a_symbolic_link_out_of_the_sources_is_refused(book: Path, tmp_path: Path) -> None:
    outside = tmp_path / "secret.png"
    shutil.copy(book / "media" / "feature-map.png", outside)
    (book / "media" / "feature-map.png").unlink()
    os.symlink(outside, book / "media" / "feature-map.png")
    found = problems(book)
    assert len(found) == 2 and all(
        p.endswith("map: 'media/feature-map.png' is a link that leads outside the sources folder")
        for p in found
    ), found


def test_a_decompression_bomb_is_refused_fast(tmp_path: Path) -> None:
    path = tmp_path / "bomb.png"
    path.write_bytes(png(50000, 50000))
    start = time.perf_counter()
    with pytest.raises(media.MediaError):
        media.inspect(str(path), "bomb.png")
    assert time.perf_counter() - start < 0.5  # from the header: nothing is decoded


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        (r"\frac{a}{b} + \sqrt{x}", None),
        (r"\foo{x}", "unknown TeX command \\foo (the math renderers do not support it)"),
        ("x}", "unbalanced braces: a '}' closes nothing"),
        (r"\begin{cases} a \\ b \end{matrix}", "\\begin and \\end do not match"),
        ("", "the formula is empty"),
    ],
)
def test_tex_problems(formula: str, message: str | None) -> None:
    assert tex.problem(formula) == message
