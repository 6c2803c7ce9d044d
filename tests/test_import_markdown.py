"""Markdown manuscripts (issue #17): CommonMark/GFM with footnotes and $…$ math, read with
markdown-it-py into the block model; translations aligned with their source chapter; bad input
refused or reported per problem."""

from __future__ import annotations

import shutil
from pathlib import Path

from pipeline.cli import main
from pipeline.importers import Report
from pipeline.importers import markdown as reader
from pipeline.importers.assemble import assemble
from pipeline.loader import load_chapter
from pipeline.model import Chapter

ROOT = Path(__file__).resolve().parent.parent

MANUSCRIPT = """\
# Convolution Layers

Images are *grids* of numbers; a **kernel** of size $k \\times k$ slides over them.[^flip]

## Kernel Size

The output has side $o = n - k + 1$ (see [the NumPy docs](https://numpy.org/doc/)) and
`conv2d` computes it; H<sub>out</sub> is 10<sup>4</sup>.

1. Place the window.
2. Compute:
   - multiply;
   - sum.
3. Move on.

| Layer | Weights | Shared |
| --- | --- | --- |
| conv | 36864 | yes |
| dense | many | no |

```python
import numpy as np
```

> Premature optimization is the root of all evil.
>
> — Donald Knuth

> [!TIP]
> Use odd kernel sizes.

## Padding

Pad with zeros.

[^flip]: Strictly speaking, this is cross-correlation.
"""


def read(text: str, tmp_path: Path, lang: str = "en", name: str = "m.md") -> tuple[Chapter, list[str]]:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    report = Report(str(path))
    chapter = assemble(reader.read(str(path), report), lang, "ch04", "ch04.yaml", report, default_number=4)
    return chapter, [str(w) for w in report.warnings]


def test_blocks_of_a_manuscript(tmp_path: Path) -> None:
    chapter, warnings = read(MANUSCRIPT, tmp_path)
    assert [w.split(": ", 1)[1] for w in warnings] == [
        "table kernel-size.layer-weights-shared has no caption: write one (check reports it empty)"
    ]
    assert chapter.title.text == "Convolution Layers"
    assert [(b.id, b.kind) for b in chapter.walk()] == [
        ("images-grids-numbers", "paragraph"),
        ("kernel-size", "section"),
        ("kernel-size.output-side-see", "paragraph"),
        ("kernel-size.list", "list"),
        ("kernel-size.layer-weights-shared", "table"),
        ("kernel-size.code", "code"),
        ("kernel-size.quote", "quote"),
        ("kernel-size.tip", "callout"),
        ("kernel-size.tip.use-odd-kernel", "paragraph"),
        ("padding", "section"),
        ("padding.pad-zeros", "paragraph"),
    ]
    first = chapter.blocks[0].text.text
    assert (
        first
        == 'Images are <i>grids</i> of numbers; a <b>kernel</b> of size <m>k \\times k</m> slides over them.<fn to="strictly-speaking"/>'
    )
    para = chapter.block("kernel-size.output-side-see").text.text
    assert para == (
        'The output has side <m>o = n - k + 1</m> (see <a href="https://numpy.org/doc/">the NumPy docs</a>) and '
        "<code>conv2d</code> computes it; H<sub>out</sub> is 10<sup>4</sup>."
    )
    steps = chapter.block("kernel-size.list")
    assert steps.style == "numbered" and [i.text.text for i in steps.items] == [
        "Place the window.",
        "Compute:",
        "Move on.",
    ]
    assert [i.text.text for i in steps.items[1].sublist.items] == ["multiply;", "sum."]
    table = chapter.block("kernel-size.layer-weights-shared")
    assert table.rows[0].cells["weights"].value.value == 36864
    assert table.rows[1].cells["shared"].value.value is False  # "no" is the UI word for a flag
    assert chapter.block("kernel-size.code").language.value == "python"
    quote = chapter.block("kernel-size.quote")
    assert quote.attribution.text == "Donald Knuth"
    assert chapter.footnotes[0].text.text == "Strictly speaking, this is cross-correlation."


def test_ids_are_unique_and_valid_for_chinese_text(tmp_path: Path) -> None:
    chapter, _ = read(
        "# 卷积\n\n第一段。\n\n第二段。\n\n## 尺寸\n\n三。\n\n## 尺寸\n\n四。\n", tmp_path, "zh"
    )
    assert [b.id for b in chapter.walk()] == [
        "para",
        "para-2",
        "section",
        "section.para",
        "section-2",
        "section-2.para",
    ]


def test_raw_html_images_and_display_math_are_reported_per_item(tmp_path: Path) -> None:
    text = "# T\n\n<div>block</div>\n\nA <span>span</span> and ![cat](cat.png).\n\n$$\nx^2\n$$\n\nEnd ~~gone~~.\n"
    chapter, warnings = read(text, tmp_path)
    messages = [w.split(": ", 1)[1] for w in warnings]
    assert messages == [
        "raw HTML block skipped: '<div>block</div>'",
        "raw HTML '<span>' ignored",
        "raw HTML '</span>' ignored",
        "image 'cat.png' inside a paragraph skipped: a figure is a paragraph of its own",
        "strikethrough is not supported: its text was kept",
    ]
    assert warnings[0].startswith(str(tmp_path / "m.md") + ":3:1:")
    assert [u.text for u in chapter.units()] == ["T", "A span and .", "End gone."]
    math = next(b for b in chapter.walk() if b.kind == "math")
    assert (math.tex.value, math.numbered) == ("x^2", True)


PNG = (ROOT / "tests" / "fixtures" / "figures" / "media" / "feature-map.png").read_bytes()


def test_figures_and_equations_are_blocks_and_their_files_are_written(tmp_path: Path, capsys) -> None:
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "map.png").write_bytes(PNG)
    (tmp_path / "img" / "evil.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>'
    )
    text = (
        '# Maps\n\nSee [Figure 1](#fig-map) and $a^2$.\n\n<a id="fig-map"></a>![A striped map](img/map.png)\n\n'
        "Figure 1 A feature map\n\n$$\ny = \\frac{a}{b} \\tag{1}\n$$\n\n$$\nz = 1\n$$\n\n![Bad](img/evil.svg)\n\n"
        "![Gone](img/missing.png)\n\n![Far](https://example.org/x.png)\n\nBad $\\foo$ formula.\n"
    )
    manuscript = tmp_path / "maps.md"
    manuscript.write_text(text, "utf-8")
    sources = tmp_path / "sources"
    code = main(["--sources", str(sources), "import", str(manuscript), "--lang", "en", "--chapter", "ch04"])
    err = capsys.readouterr().err
    assert code == 1
    for message in (
        "figure 'evil.svg' skipped",
        "image 'img/missing.png' cannot be used",
        "an external image",
        "kept as code",
    ):
        assert message in err
    chapter = load_chapter(str(sources / "en" / "ch04.yaml"), "en")  # checks the figure's file too
    figure = chapter.block("map")
    assert (figure.src.value, figure.caption.text, figure.alt.text) == (
        "media/ch04-map.png",
        "A feature map",
        "A striped map",
    )
    assert (sources / "media" / "ch04-map.png").read_bytes() == PNG
    assert chapter.blocks[0].text.text == 'See <ref to="map"/> and <m>a^2</m>.'
    maths = [(b.tex.value, b.numbered) for b in chapter.walk() if b.kind == "math"]
    assert maths == [("y = \\frac{a}{b}", True), ("z = 1", False)]  # \tag says which are numbered
    assert chapter.blocks[-1].text.text == "Bad <code>\\foo</code> formula."


def test_text_that_reads_as_a_tag_is_kept_as_code(tmp_path: Path) -> None:
    chapter, warnings = read("# T\n\nWrite \\<b> for bold.\n", tmp_path)
    assert chapter.blocks[0].text.text == "Write <code><b</code>> for bold."
    assert any("reads as one of our tags" in w for w in warnings)


def test_bad_markdown_files(tmp_path: Path, capsys) -> None:
    sources = tmp_path / "sources"
    for name, data, message in [
        ("latin1.md", "# Caf\xe9\n".encode("latin-1"), "not UTF-8 text"),
        ("binary.md", b"PK\x03\x04rest", "a binary file"),
    ]:
        path = tmp_path / name
        path.write_bytes(data)
        code = main(["--sources", str(sources), "import", str(path), "--lang", "en", "--chapter", "ch04"])
        err = capsys.readouterr().err
        assert code == 2 and message in err and str(path) in err and "Traceback" not in err
        assert not (sources / "en" / "ch04.yaml").exists()


SOURCE = "# 卷积\n\n第一段。\n\n## 尺寸\n\n第二段。\n\n- 甲\n- 乙\n- 丙\n"
SPLIT = "# Convolution\n\nFirst paragraph.\n\n## Size\n\nSecond paragraph,\n\nsplit in two.\n\n- A\n- B\n"


def test_translation_divergences_are_reported_with_both_positions(tmp_path: Path, capsys) -> None:
    sources = tmp_path / "sources"
    shutil.copytree(
        ROOT / "examples" / "showcase", sources, ignore=shutil.ignore_patterns("zh", "en", "exports")
    )
    zh, en = tmp_path / "zh.md", tmp_path / "en.md"
    zh.write_text(SOURCE, "utf-8")
    en.write_text(SPLIT, "utf-8")
    base = ["--sources", str(sources), "import"]
    assert main([*base, str(zh), "--lang", "zh", "--chapter", "ch04"]) == 0
    assert main([*base, str(en), "--lang", "en", "--chapter", "ch04", "--translation-of", "zh"]) == 1
    err = capsys.readouterr().err
    assert (
        f"{en}:9:1: warning: translated paragraph ('split in two.') has no counterpart in the source" in err
    )
    assert "list section.list: 2 items in the translation, 3 in the source (" in err
    assert "zh/ch04.yaml:" in err  # the source's position too
    translated = load_chapter(str(sources / "en" / "ch04.yaml"), "en")
    assert [u.id for u in translated.units()] == [
        "title",
        "para",
        "section",
        "section.para",
        "section.list.item",
        "section.list.item-2",
    ]
    assert translated.block("section.para").text.text == "Second paragraph,"
    capsys.readouterr()
    assert main(["check", "--sources", str(sources)]) == 1
    assert "section.list.item-3" in capsys.readouterr().out  # the missing item, for the user to fix


FIXTURES = ROOT / "tests" / "fixtures" / "import"


def test_a_manuscript_and_its_translation_become_a_clean_book(tmp_path: Path, capsys) -> None:
    sources = tmp_path / "sources"
    shutil.copytree(
        ROOT / "examples" / "showcase", sources, ignore=shutil.ignore_patterns("zh", "en", "exports")
    )
    base = ["--sources", str(sources), "import", "--chapter", "ch01"]
    assert main([*base, str(FIXTURES / "kernel.zh.md"), "--lang", "zh"]) == 0
    assert (
        main([*base, str(FIXTURES / "kernel.en.md"), "--lang", "en", "--translation-of", "zh", "--accept"])
        == 0
    )
    assert "0 places" in capsys.readouterr().err
    assert main(["check", "--sources", str(sources)]) == 0
    zh = load_chapter(str(sources / "zh" / "ch01.yaml"), "zh")
    en = load_chapter(str(sources / "en" / "ch01.yaml"), "en")
    assert zh.number.value == 1 and [b.title.text for b in zh.blocks if b.kind == "section"] == [
        "感受野",
        "参数量",
    ]
    assert [u.id for u in zh.units()] == [u.id for u in en.units()]
    assert (
        en.block("section.list").items[1].sublist.items[0].text.text
        == "with only <m>2 \\cdot 9 C^2</m> weights;"
    )
    assert en.footnotes[0].text.text == "This observation comes from the VGG paper."


def test_a_language_the_book_does_not_have_is_refused(tmp_path: Path, capsys) -> None:
    sources = tmp_path / "sources"
    shutil.copytree(
        ROOT / "examples" / "showcase", sources, ignore=shutil.ignore_patterns("zh", "en", "exports")
    )
    code = main(
        [
            "--sources",
            str(sources),
            "import",
            str(FIXTURES / "kernel.en.md"),
            "--lang",
            "fr",
            "--chapter",
            "ch01",
        ]
    )
    assert code == 2 and "'fr' is not a language of the book (zh, en in book.yaml)" in capsys.readouterr().err
    assert not (sources / "fr").exists()


def test_title_block_is_only_dropped_after_a_kicker(tmp_path: Path) -> None:
    plain, _ = read("# Notes\n\nIntro.\n\nEdition of 2019 is the one we use.\n\nMore.\n", tmp_path)
    assert [u.text for u in plain.units()] == [
        "Notes",
        "Intro.",
        "Edition of 2019 is the one we use.",
        "More.",
    ]
    handout, _ = read("# Notes\n\n*Chapter 7*\n\nA book line.\n\nEdition of 1 May 2026\n\nText.\n", tmp_path)
    assert [u.text for u in handout.units()] == ["Notes", "Text."] and handout.number.value == 7


def test_numbers_typed_before_headings_are_cut_but_not_numbers_of_the_title(tmp_path: Path) -> None:
    text = (
        "# T\n\n## 1.2 Padding\n\nA.\n\n## 3. Stride\n\nB.\n\n## 2.5D Convolution\n\nC.\n\n## 4、步长\n\nD.\n"
    )
    chapter, _ = read(text, tmp_path)
    assert [b.title.text for b in chapter.blocks] == ["Padding", "Stride", "2.5D Convolution", "步长"]
    assert [b.numbered for b in chapter.blocks] == [True, True, False, True]  # as typed


def test_a_heading_without_a_number_among_numbered_ones_is_unnumbered(tmp_path: Path) -> None:
    chapter, _ = read("# T\n\n## Preface\n\nA.\n\n## 1. Padding\n\nB.\n", tmp_path)
    assert [(b.title.text, b.numbered) for b in chapter.blocks] == [("Preface", False), ("Padding", True)]
    chapter, _ = read("# T\n\n## Preface\n\nA.\n\n## Padding\n\nB.\n", tmp_path)
    assert [b.numbered for b in chapter.blocks] == [True, True]
