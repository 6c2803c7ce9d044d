"""Figures and formulas in PDF handouts, read back with pypdf: a PNG is an image (drawn once when
every language shares it), an SVG is vector paths with its lettering as text in the language's
face, formulas are paths (their TeX is not in the text), equation numbers, captions, named
destinations for references, side-by-side or stacked language variants, glyph checks and
reproducible bytes."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from pipeline.export import Options, RenderError
from pipeline.export.layout import Figure, Handout, MathBlock, MathSpan, Paragraph, build
from pipeline.export.pdf import pdf
from pipeline.loader import load_book

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ROOT / "tests" / "fixtures" / "figures"
KEY = "ch05"
A4_WIDTH = 595.28
# path-painting and path-building operators of a PDF content stream
CURVE = re.compile(rb"(?:^|\s)c(?=\s)")


@cache
def handout(codes: tuple[str, ...], root: Path = FIGURES) -> Handout:
    return build(load_book(str(root)), KEY, codes)


@cache
def rendered(codes: tuple[str, ...]) -> bytes:
    return pdf(handout(codes), Options())


def reader(data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(data))


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def text_of(data: bytes) -> str:
    return squash("".join(page.extract_text() for page in reader(data).pages))


def content(data: bytes) -> bytes:
    return b"".join(page.get_contents().get_data() for page in reader(data).pages)  # type: ignore[union-attr]


def images(data: bytes) -> list[tuple[str, Any]]:
    """(name, image XObject) of every page's resources."""
    out = []
    for page in reader(data).pages:
        xobjects = page["/Resources"].get("/XObject", {})
        for name, ref in xobjects.items():
            obj = ref.get_object()
            if obj["/Subtype"] == "/Image":
                out.append((name, obj))
    return out


def drawn(data: bytes) -> list[tuple[str, float, float]]:
    """(text, x, y) of every piece of text as drawn."""
    out: list[tuple[str, float, float]] = []
    for page in reader(data).pages:

        def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
            if text.strip():
                x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                out.append((text.strip(), x, y))

        page.extract_text(visitor_text=visit)
    return out


def where(data: bytes, text: str, exact: bool = False) -> tuple[float, float]:
    return next((x, y) for t, x, y in drawn(data) if (text == t if exact else text in t))


def with_blocks(h: Handout, blocks: list[Any]) -> Handout:
    return h.but(blocks=blocks)


def figure(h: Handout, anchor: str) -> Figure:
    return next(b for b in h.blocks if isinstance(b, Figure) and b.anchor == anchor)


# -- figures -------------------------------------------------------------------------------------
@pytest.mark.parametrize("codes", [("en",), ("zh", "en")], ids=["en", "zh+en"])
def test_the_png_is_one_image_of_its_pixel_size_drawn_once(codes: tuple[str, ...]) -> None:
    data = rendered(codes)
    [(name, image)] = images(data)  # the SVG figure and the formulas are no images
    assert (image["/Width"], image["/Height"]) == (120, 80)
    assert len(re.findall(rb"%s Do" % name.encode(), content(data))) == 1  # shared: once


def image_boxes(data: bytes) -> list[tuple[float, float]]:
    """(width, height) in points of every image drawn (ReportLab scales the unit square)."""
    found = re.findall(rb"([\d.]+) 0 0 ([\d.]+) 0 0 cm\s*/[\w.]+ Do", content(data))
    return [(float(w), float(h)) for w, h in found]


def test_images_keep_their_natural_size_within_the_frame(tmp_path: Path) -> None:
    from PIL import Image

    assert image_boxes(rendered(("en",))) == [(90.0, 60.0)]  # 120 × 80 px at 96 dpi, not enlarged
    root = tmp_path / "book"
    shutil.copytree(FIGURES, root)
    Image.new("RGB", (1000, 3000), "#336699").save(root / "media" / "feature-map.png")
    [(w, h)] = image_boxes(pdf(build(load_book(str(root)), KEY, ("en",)), Options()))
    frame_height = 841.89 - (22 + 20) * 72 / 25.4
    assert h == pytest.approx(0.4 * frame_height, abs=0.01) and w == pytest.approx(h / 3, abs=0.01)


def test_a_jpeg_figure_is_embedded_as_it_is(tmp_path: Path) -> None:
    from PIL import Image

    root = tmp_path / "book"
    shutil.copytree(FIGURES, root)
    with Image.open(root / "media" / "feature-map.png") as png:
        png.convert("RGB").save(root / "media" / "feature-map.jpg", quality=90)
    for lang in ("zh", "en"):
        chapter = root / lang / "ch05.yaml"
        chapter.write_text(chapter.read_text().replace("feature-map.png", "feature-map.jpg"))
    data = pdf(build(load_book(str(root)), KEY, ("zh", "en")), Options())
    [(_, image)] = images(data)
    assert "/DCTDecode" in image["/Filter"] and (image["/Width"], image["/Height"]) == (120, 80)
    assert pdf(build(load_book(str(root)), KEY, ("zh", "en")), Options()) == data


def test_svg_figures_are_vector_paths_with_their_lettering_as_text() -> None:
    h = handout(("en",))
    svg_only = with_blocks(h, [figure(h, "fig-sliding")])
    data = pdf(svg_only, Options())
    assert images(data) == []
    ops = content(data)
    assert len(re.findall(rb"\sre\s", ops)) >= 25 + 9 + 9  # the grid cells as rectangles
    assert "input5×5" in text_of(data)  # lettering stays text, in the language's embedded face
    assert b"Helvetica" not in data


def test_each_language_gets_its_variant_side_by_side() -> None:
    data = rendered(("zh", "en"))
    zh, en = where(data, "输入 5×5"), where(data, "input 5×5")
    assert zh[0] < A4_WIDTH / 2 < en[0]
    assert abs(zh[1] - en[1]) < 1  # on the same line
    assert "输入" not in text_of(rendered(("en",)))


def test_wide_variants_follow_one_another(tmp_path: Path) -> None:
    root = tmp_path / "book"
    shutil.copytree(FIGURES, root)
    for lang in ("zh", "en"):
        svg = root / "media" / f"sliding.{lang}.svg"
        svg.write_text(svg.read_text().replace('width="380"', 'width="900"', 1))
    data = pdf(build(load_book(str(root)), KEY, ("zh", "en")), Options())
    zh, en = where(data, "输入 5×5"), where(data, "input 5×5")
    assert zh[1] > en[1] + 100  # the Chinese one above the English one, each at full width
    assert abs(zh[0] - en[0]) < 5  # both centred (the lettering's widths differ)


def test_captions_with_their_labels_in_every_language() -> None:
    text = text_of(rendered(("zh", "en")))
    for caption in ("图5.13×3卷积核在5×5输入上滑动", "Figure5.1A3×3kernelslidingovera5×5input"):
        assert caption in text
    assert "图5.2一张特征图的示例" in text and "Figure5.2Anexampleofafeaturemap" in text
    alt = figure(handout(("zh", "en")), "fig-map").alt
    assert squash(alt[1].plain) not in text  # the alt text is no caption


def test_references_link_to_figures_and_equations() -> None:
    data = rendered(("zh", "en"))
    tops = {
        float(annot.get_object()["/Dest"][3])
        for page in reader(data).pages
        for annot in page.get("/Annots", [])
        if "/Dest" in annot.get_object()
    }
    assert len(tops) == 3  # 图 5.1, 式 (5.1) and 图 5.2, referred to in both languages

    def reached(text: str, depth: float) -> bool:
        """Does a link lead just above ``text`` (at most ``depth`` points above it)?"""
        y = where(data, text, exact=True)[1]
        return any(y < top < y + depth for top in tops)

    assert reached("输入 5×5", 30)  # the top of the figure: its lettering
    assert reached("(5.1)", 50)  # the formula, whose number sits on its baseline
    assert reached("图 5.2", 60 + 30)  # the 60 pt tall PNG above its caption


def test_figures_are_reproducible() -> None:
    h = handout(("zh", "en"))
    assert pdf(h, Options()) == pdf(h, Options())


def test_a_character_the_face_lacks_in_svg_lettering_is_reported(tmp_path: Path) -> None:
    root = tmp_path / "book"
    shutil.copytree(FIGURES, root)
    svg = root / "media" / "sliding.en.svg"
    svg.write_text(svg.read_text().replace("input 5×5", "input \ue000"))
    with pytest.raises(RenderError) as err:
        pdf(build(load_book(str(root)), KEY, ("en",)), Options())
    [problem] = err.value.problems
    assert "U+E000" in problem.message and "sliding.en.svg" in problem.message
    assert problem.field == "sliding.caption"  # the figure's caption leads to it


# -- formulas ------------------------------------------------------------------------------------
def curves(data: bytes) -> int:
    return len(CURVE.findall(content(data)))


def test_display_formulas_are_paths_with_their_number() -> None:
    h = handout(("zh", "en"))
    maths = [b for b in h.blocks if isinstance(b, MathBlock)]
    bare = pdf(with_blocks(h, []), Options())
    data = pdf(with_blocks(h, maths), Options())
    assert curves(data) > curves(bare) + 20  # the glyphs' outlines
    text = text_of(data)
    assert "(5.1)" in text and text.count("(5.") == 1  # the unnumbered one has none
    for tex in ("\\sum", "y_{i,j}", "\\lfloor", "\\frac"):
        assert tex not in text
    assert images(data) == []


def test_inline_formulas_are_paths_in_the_line() -> None:
    h = handout(("en",))
    para = next(b for b in h.blocks if isinstance(b, Paragraph))
    [formula] = [n for n in para.text[0].nodes if isinstance(n, MathSpan)]
    first = para.text[0]
    without = para.but(text=(first.but(inlines=tuple(n for n in first.nodes if n != formula)),))
    data = pdf(with_blocks(h, [para]), Options())
    assert curves(data) > curves(pdf(with_blocks(h, [without]), Options())) + 5
    text = text_of(data)
    assert "\\sum" not in text and "x_{m,n}" not in text
    assert "weightedsum" in text and "ofequation(5.1)" in text
    # the formula starts the second line, about 61 pt wide at 10 pt type (109 pt at 24 px), and
    # the words after it follow on that line
    words = drawn(data)
    left, first = where(data, "A kernel slides")
    after_x, after_y = next((x, y) for t, x, y in words if t.startswith("of equation"))
    assert first - 25 < after_y < first
    assert 58 < after_x - left < 68


def test_tex_that_cannot_be_typeset_is_printed_as_source() -> None:
    h = handout(("en",))
    data = pdf(with_blocks(h, [MathBlock("\\frac{a", "5.9", "eq-broken")]), Options())
    assert "\\frac{a" in text_of(data) and "(5.9)" in text_of(data)


def test_a_character_the_formula_font_lacks_is_reported() -> None:
    h = handout(("en",))
    para = next(b for b in h.blocks if isinstance(b, Paragraph))
    t = para.text[0]
    bad = t.but(inlines=(*t.nodes, MathSpan("\\text{中}")))
    with pytest.raises(RenderError) as err:
        pdf(with_blocks(h, [para.but(text=(bad,))]), Options())
    [problem] = err.value.problems
    assert "U+4E2D" in problem.message and "STIXTwoMath" in problem.message
    assert problem.field == t.unit


def test_a_handout_without_formulas_or_figures_imports_neither_ziamath_nor_svglib() -> None:
    code = (
        "import sys\n"
        "from pipeline.export import Options\n"
        "from pipeline.export.layout import build\n"
        "from pipeline.export.pdf import pdf\n"
        "from pipeline.loader import load_book\n"
        f"h = build(load_book({str(ROOT / 'tests' / 'fixtures' / 'book2')!r}), 'ch03', ('en',))\n"
        "pdf(h, Options())\n"
        "print('ziamath' in sys.modules, 'svglib.svglib' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.split() == ["False", "False"]


def test_text_of_units_with_formulas_keeps_its_words() -> None:
    text = text_of(rendered(("zh", "en")))
    assert "Akernelslidesovertheinput(seeFigure5.1)" in text
    assert "卷积核在输入上滑动（见图5.1）" in text
