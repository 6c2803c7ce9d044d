"""Word manuscripts (issue #17): hand-made .docx files with what real manuscripts contain, made
here with python-docx (plus a little raw XML for what it has no API for), read by
`pipeline import`, and bad input refused with one clear line and nothing written."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import parse_xml
from docx.shared import Pt

from pipeline.cli import main
from pipeline.importers import Report
from pipeline.importers import docx as reader
from pipeline.importers.assemble import assemble
from pipeline.loader import load_chapter
from pipeline.model import Chapter

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
M = 'xmlns:m="http://schemas.openxmlformats.org/officeDocument/2006/math"'


def read(path: Path, lang: str = "en") -> tuple[Chapter, list[str]]:
    report = Report(str(path))
    chapter = assemble(reader.read(str(path), report), lang, "ch04", "ch04.yaml", report, default_number=4)
    return chapter, [w.message for w in report.warnings]


def texts(chapter: Chapter) -> list[str]:
    return [u.text for u in chapter.units()]


def run_import(tmp_path: Path, doc: Path, *extra: str) -> tuple[int, Path]:
    sources = tmp_path / "sources"
    sources.mkdir(exist_ok=True)
    code = main(["--sources", str(sources), "import", str(doc), "--lang", "en", "--chapter", "ch04", *extra])
    return code, sources / "en" / "ch04.yaml"


def png() -> bytes:
    """A 1×1 PNG, enough for python-docx to embed."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\0\xff\xff\xff"))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def manuscript(tmp_path: Path) -> Path:
    """A manuscript as authors write them: styles, a list of Word's and one numbered by hand,
    direct formatting, empty paragraphs, a table, code, a quote and an equation."""
    doc = Document()
    doc.add_paragraph("Convolution", style="Title")
    doc.add_paragraph("")  # empty paragraphs for spacing
    doc.add_paragraph("Images are grids of numbers.")
    doc.add_heading("Kernel Size", level=1)
    p = doc.add_paragraph("A kernel is ")
    p.add_run("small").bold = True
    p.add_run(" and ")
    p.add_run("square").italic = True
    p.add_run("; H")
    p.add_run("out").font.subscript = True
    p.add_run(" is 10")
    p.add_run("4").font.superscript = True
    p.add_run(", see ")
    code = p.add_run("conv2d")
    code.font.name = "Courier New"
    p.add_run(".")
    doc.add_paragraph("")
    doc.add_heading("Steps", level=2)
    doc.add_paragraph("Slide the window.", style="List Bullet")
    doc.add_paragraph("Multiply.", style="List Number 2")
    doc.add_paragraph("Sum.", style="List Number 2")
    doc.add_paragraph("Move on.", style="List Bullet")
    doc.add_paragraph("1. Pad the input.")
    doc.add_paragraph("2. Choose a stride.")
    big = doc.add_paragraph().add_run("Costs")
    big.bold, big.font.size = True, Pt(16)  # a heading made with direct formatting
    doc.add_paragraph("Small kernels are cheap.")
    table = doc.add_table(rows=3, cols=2)
    for r, row in enumerate((("Layer", "Weights"), ("conv", "36864"), ("dense", "a lot"))):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    styles = doc.styles
    styles.add_style("Code", WD_STYLE_TYPE.PARAGRAPH)
    doc.add_paragraph("import numpy as np", style="Code")
    doc.add_paragraph("    x = np.zeros(3)", style="Code")
    doc.add_paragraph("Premature optimization is the root of all evil.", style="Quote")
    eq = doc.add_paragraph("The output is ")
    eq._p.append(
        parse_xml(
            f"<m:oMath {M}><m:sSup><m:e><m:r><m:t>x</m:t></m:r></m:e><m:sup><m:r><m:t>2</m:t></m:r></m:sup></m:sSup>"
            "<m:r><m:t>+</m:t></m:r><m:f><m:num><m:r><m:t>a</m:t></m:r></m:num><m:den><m:r><m:t>b</m:t></m:r></m:den></m:f></m:oMath>"
        )
    )
    path = tmp_path / "manuscript.docx"
    doc.save(str(path))
    return path


def test_structure_of_a_manuscript(manuscript: Path) -> None:
    chapter, warnings = read(manuscript)
    assert chapter.title.text == "Convolution"
    kinds = [(b.id, b.kind) for b in chapter.walk()]
    assert kinds[:2] == [("images-grids-numbers", "paragraph"), ("kernel-size", "section")]
    section = chapter.block("kernel-size")
    assert section.blocks[0].text.text == (
        "A kernel is <b>small</b> and <i>square</i>; H<sub>out</sub> is 10<sup>4</sup>, see <code>conv2d</code>."
    )
    steps = chapter.block("kernel-size.steps")
    lists = [b for b in steps.blocks if b.kind == "list"]
    assert [i.text.text for i in lists[0].items] == ["Slide the window.", "Move on."]
    assert lists[0].style == "bullet"
    nested = lists[0].items[0].sublist
    assert nested is not None and nested.style == "numbered"
    assert [i.text.text for i in nested.items] == ["Multiply.", "Sum."]
    assert lists[1].style == "numbered"
    assert [i.text.text for i in lists[1].items] == ["Pad the input.", "Choose a stride."]
    assert "a list numbered by hand was read as a list (use Word's lists)" in warnings
    costs = chapter.block("costs")
    assert costs is not None and costs.kind == "section"  # from its direct formatting
    assert any("read as a heading" in w for w in warnings)
    table = next(b for b in chapter.walk() if b.kind == "table")
    assert [c.label.text for c in table.columns] == ["Layer", "Weights"]
    assert table.rows[0].cells["weights"].value.value == 36864  # a number is a fact
    assert table.rows[1].cells["weights"].value.text == "a lot"
    assert any("has no caption" in w for w in warnings)
    code = next(b for b in chapter.walk() if b.kind == "code")
    assert code.code.value == "import numpy as np\n    x = np.zeros(3)\n"
    quote = next(b for b in chapter.walk() if b.kind == "quote")
    assert quote.text.text == "Premature optimization is the root of all evil."
    assert "The output is <m>x^{2}+\\frac{a}{b}</m>" in texts(chapter)


def test_the_written_file_loads_and_dry_run_writes_nothing(manuscript: Path, tmp_path: Path, capsys) -> None:
    code, target = run_import(tmp_path, manuscript, "--dry-run")
    assert code == 1  # written with warnings (no caption, a list typed by hand...)
    out = capsys.readouterr()
    assert out.out.startswith("# imported from manuscript.docx") and "kernel-size:" in out.out
    assert "would write" in out.err and not target.exists()
    code, target = run_import(tmp_path, manuscript)
    assert code == 1 and target.exists()
    chapter = load_chapter(str(target), "en")
    assert chapter.number.value == 4
    before = target.read_bytes()
    code, _ = run_import(tmp_path, manuscript)
    assert code == 2 and "exists: give --force" in capsys.readouterr().err
    assert target.read_bytes() == before
    assert run_import(tmp_path, manuscript, "--force")[0] == 1


def test_chinese_style_names_and_headings(tmp_path: Path) -> None:
    doc = Document()
    for level in (1, 2):
        style = doc.styles.add_style(f"标题 {level}", WD_STYLE_TYPE.PARAGRAPH)
        style.font.bold = True
    doc.add_paragraph("深度学习开源工具", style="标题 1")
    doc.add_paragraph("2006 年，深度学习兴起。")
    doc.add_paragraph("常用框架 Caffe", style="标题 2")
    doc.add_paragraph("Caffe 出自 BVLC。")
    path = tmp_path / "zh.docx"
    doc.save(str(path))
    chapter, _ = read(path, "zh")
    assert chapter.title.text == "深度学习开源工具"
    assert [(b.id, b.kind) for b in chapter.walk()] == [
        ("para", "paragraph"),
        ("caffe", "section"),
        ("caffe.caffe-bvlc", "paragraph"),
    ]


def test_tracked_changes_are_accepted_and_comments_ignored(tmp_path: Path) -> None:
    doc = Document()
    doc.add_heading("Title", level=1)
    p = doc.add_paragraph("Kept ")
    p._p.append(
        parse_xml(
            f'<w:ins {W} w:id="1" w:author="A" w:date="2024-01-01T00:00:00Z"><w:r><w:t>added</w:t></w:r></w:ins>'
        )
    )
    p._p.append(
        parse_xml(
            f'<w:del {W} w:id="2" w:author="A" w:date="2024-01-01T00:00:00Z"><w:r><w:delText> removed</w:delText></w:r></w:del>'
        )
    )
    p.add_run(".")
    doc.add_comment(p.runs, text="Please check", author="Editor")
    path = tmp_path / "tracked.docx"
    doc.save(str(path))
    chapter, warnings = read(path)
    assert texts(chapter)[1] == "Kept added."
    assert "tracked changes were accepted (insertions kept, deletions dropped)" in warnings
    assert "comments in the manuscript were ignored" in warnings


def test_images_external_images_and_ole_objects_are_reported(tmp_path: Path) -> None:
    doc = Document()
    doc.add_heading("Figures", level=1)
    doc.add_paragraph("Text before.")
    doc.add_picture(io.BytesIO(png()))
    p = doc.add_paragraph("An object: ")
    p.add_run()._r.append(parse_xml(f"<w:object {W}><w:t>ole</w:t></w:object>"))
    path = tmp_path / "figures.docx"
    doc.save(str(path))
    # link the picture instead of embedding it: an external image
    data = path.read_bytes()
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "word/document.xml":
                body = body.replace(b"r:embed=", b"r:link=")
            if info.filename == "word/_rels/document.xml.rels":
                body = body.replace(
                    b'Target="media/image1.png"', b'Target="http://example.org/x.png" TargetMode="External"'
                )
            dst.writestr(info, body)
    linked = tmp_path / "linked.docx"
    linked.write_bytes(out.getvalue())
    chapter, warnings = read(path)
    assert "an embedded (OLE) object skipped: it cannot be imported" in warnings
    figure = next(b for b in chapter.walk() if b.kind == "figure")
    assert figure.src.value == "media/ch04-figure.png"
    assert any("has no caption" in w for w in warnings) and any("has no alt text" in w for w in warnings)
    assert texts(chapter)[1:] == ["Text before.", "", "", "An object:"]  # caption and alt to write
    _, warnings = read(linked)
    assert any(w.startswith("an external (linked) image") for w in warnings)


def test_a_picture_with_its_caption_is_a_figure_written_beside_the_chapter(tmp_path: Path, capsys) -> None:
    doc = Document()
    doc.add_heading("Maps", level=1)
    doc.add_paragraph("A map follows.")
    doc.add_picture(io.BytesIO(png()))
    doc.inline_shapes[0]._inline.docPr.set("descr", "One white pixel")
    doc.add_paragraph("Figure 1: The smallest map", style="Caption")
    doc.add_paragraph()._p.append(
        parse_xml(
            f"<m:oMathPara {M}><m:oMath><m:r><m:t>y=</m:t></m:r><m:rad><m:deg/><m:e><m:r><m:t>x</m:t></m:r></m:e></m:rad></m:oMath></m:oMathPara>"
        )
    )
    path = tmp_path / "maps.docx"
    doc.save(str(path))
    code, target = run_import(tmp_path, path)
    assert code == 0, capsys.readouterr().err
    chapter = load_chapter(str(target), "en")
    figure = chapter.block("smallest-map")
    assert (figure.caption.text, figure.alt.text) == ("The smallest map", "One white pixel")
    assert (target.parent.parent / figure.src.value).read_bytes() == png()
    math = next(b for b in chapter.walk() if b.kind == "math")
    assert math.tex.value == "y=\\sqrt{x}"
    # run again: the same image is no conflict; another image in its place needs --force
    assert run_import(tmp_path, path, "--force")[0] == 0
    (target.parent.parent / figure.src.value).write_bytes(png() + b"\0")
    capsys.readouterr()
    assert run_import(tmp_path, path, "--force")[0] == 0


def bad(tmp_path: Path, name: str, data: bytes, capsys) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    code, target = run_import(tmp_path, path)
    err = capsys.readouterr().err
    assert code == 2 and not target.exists()
    assert "Traceback" not in err and str(path) in err
    return err


def zipped(parts: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as z:
        for name, body in parts.items():
            z.writestr(name, body)
    return out.getvalue()


def test_bad_word_files_are_refused_with_one_line(tmp_path: Path, manuscript: Path, capsys) -> None:
    assert "not a Word (.docx) file" in bad(tmp_path, "text.docx", b"just some text\n", capsys)
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1024
    assert "password-protected (encrypted)" in bad(tmp_path, "locked.docx", ole, capsys)
    whole = manuscript.read_bytes()
    assert "damaged" in bad(tmp_path, "cut.docx", whole[: len(whole) // 2], capsys)
    assert "no word/document.xml" in bad(tmp_path, "other.docx", zipped({"a.txt": b"x"}), capsys)
    broken = zipped({"word/document.xml": b"<w:document><w:body>"})
    assert "not well-formed XML" in bad(tmp_path, "broken.docx", broken, capsys)
    assert "unknown manuscript format" in bad(tmp_path, "notes.odt", b"x", capsys)


def test_zip_bomb_is_refused_before_it_is_expanded(tmp_path: Path, capsys) -> None:
    bomb = zipped({"word/document.xml": b"<" + b" " * (3 * 1024 * 1024) + b">"})  # 3 MB in a few kB
    assert "refused as a zip bomb" in bad(tmp_path, "bomb.docx", bomb, capsys)


def test_a_part_larger_than_the_limit_is_refused(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setattr(reader, "MAX_PART", 1000)
    stored = zipped({"word/document.xml": b"x" * 2000}, zipfile.ZIP_STORED)
    assert "would expand to 2000 bytes" in bad(tmp_path, "large.docx", stored, capsys)


def test_damaged_copies_never_crash(manuscript: Path, tmp_path: Path, capsys) -> None:
    """Bytes changed anywhere in a Word file: refused (2) or read (0/1), never an internal error."""
    import random

    data = manuscript.read_bytes()
    rng = random.Random(17)
    for n in range(40):
        damaged = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        path = tmp_path / f"damaged{n}.docx"
        path.write_bytes(bytes(damaged))
        code, _ = run_import(tmp_path, path, "--dry-run")
        err = capsys.readouterr().err
        assert code in (0, 1, 2), err
        assert "internal error" not in err and "Traceback" not in err


def test_field_hyperlinks_and_a_table_of_contents(tmp_path: Path) -> None:
    doc = Document()
    doc.styles.add_style("toc 1", WD_STYLE_TYPE.PARAGRAPH)
    doc.add_heading("Links", level=1)
    doc.add_paragraph("Kernel Size\t3", style="toc 1")
    p = doc.add_paragraph("Read ")
    for xml in (
        '<w:r {W}><w:fldChar w:fldCharType="begin"/></w:r>',
        '<w:r {W}><w:instrText xml:space="preserve"> HYPERLINK "https://numpy.org/" \\o "tip" </w:instrText></w:r>',
        '<w:r {W}><w:fldChar w:fldCharType="separate"/></w:r>',
        "<w:r {W}><w:rPr><w:b/></w:rPr><w:t>the docs</w:t></w:r>",
        '<w:r {W}><w:fldChar w:fldCharType="end"/></w:r>',
        '<w:r {W}><w:t xml:space="preserve"> or </w:t></w:r>',
        '<w:fldSimple {W} w:instr="PAGE"><w:r><w:t>7</w:t></w:r></w:fldSimple>',
        "<w:r {W}><w:t>.</w:t></w:r>",
    ):
        p._p.append(parse_xml(xml.replace("{W}", W)))
    path = tmp_path / "links.docx"
    doc.save(str(path))
    chapter, warnings = read(path)
    assert texts(chapter) == ["Links", 'Read <a href="https://numpy.org/"><b>the docs</b></a> or 7.']
    assert "the table of contents was skipped (handouts make their own)" in warnings


def test_entities_are_not_expanded_and_strict_files_are_named(tmp_path: Path, capsys) -> None:
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
        b"<w:p><w:r><w:t>&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;</w:t></w:r></w:p></w:body></w:document>"
    )
    path = tmp_path / "laughs.docx"
    path.write_bytes(zipped({"word/document.xml": laughs}))
    chapter, _ = read(path)
    assert "aaaa" not in "".join(texts(chapter))  # the entities were not expanded
    strict = b'<w:document xmlns:w="http://purl.oclc.org/ooxml/wordprocessingml/main"><w:body/></w:document>'
    assert "'Strict Open XML' document" in bad(
        tmp_path, "strict.docx", zipped({"word/document.xml": strict}), capsys
    )
