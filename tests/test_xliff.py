"""XLIFF 2.1: schema-valid export, inline codes both ways, safe partial import."""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from pipeline.cli import main
from pipeline.interchange.xliff import export_xliff
from pipeline.loader import load_book
from pipeline.model import fingerprint

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = etree.XMLSchema(etree.parse(str(ROOT / "tests" / "fixtures" / "xliff" / "xliff_core_2.0.xsd")))
NS = {"x": "urn:oasis:names:tc:xliff:document:2.0", "mtc": "urn:oasis:names:tc:xliff:matches:2.0"}
BLOCKS = ROOT / "tests" / "fixtures" / "check" / "blocks"
STACK = "basics.deeper.stacking.stack"
SLIDING = "basics.sliding"
ZH_STACK = "两个 3×3 卷积层堆叠后的感受野与一个 5×5 卷积层相同。"
EN_STACK = "Two stacked 3×3 convolutional layers have the same receptive field as one 5×5 layer."
ZH_STACK_TAGS = (
    "两个 3×3 卷积层堆叠后的感受野 R<sub>2</sub> 与一个 5×5 卷积层相同，参数为 2·3<sup>2</sup> 个。"
)
EN_STACK_TAGS = "Two stacked 3×3 layers have the receptive field R<sub>2</sub> of one 5×5 layer, with 2·3<sup>2</sup> weights."


def pipeline(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the command line in this process (no interpreter start-up: the tests stay fast)."""
    out, err = io.StringIO(), io.StringIO()
    here = os.getcwd()
    os.chdir(cwd)  # paths in the files are relative to the working folder, as for a user
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
    finally:
        os.chdir(here)
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())


def pipeline_process(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``python -m pipeline`` as a user does."""
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args], cwd=cwd, capture_output=True, text=True, timeout=60
    )


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def blocks(tmp_path: Path) -> Path:
    """The fixture book with every inline tag: sub and sup added to a reviewed unit."""
    root = tmp_path / "sources"
    shutil.copytree(BLOCKS, root)
    replace(root / "zh" / "ch04.yaml", ZH_STACK, ZH_STACK_TAGS)
    replace(
        root / "en" / "ch04.yaml",
        f"{EN_STACK}, source: 4e2e6254",
        f"'{EN_STACK_TAGS}', source: {fingerprint(ZH_STACK_TAGS)}",  # quoted: a comma in a flow mapping
    )
    return root


@pytest.fixture
def book(tmp_path: Path) -> Path:
    root = tmp_path / "sources"
    shutil.copytree(ROOT / "sources", root)
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def export(root: Path, *extra: str) -> Path:
    out = root.parent / "book.xlf"
    done = pipeline("xliff", "export", "--sources", str(root), "--out", str(out), *extra, cwd=root.parent)
    assert done.returncode == 0, done.stderr
    return out


def xliff_import(root: Path, path: Path) -> subprocess.CompletedProcess[str]:
    return pipeline("xliff", "import", "--sources", str(root), str(path), cwd=root.parent)


def unit_elem(doc: etree._ElementTree, unit_id: str) -> etree._Element:
    [elem] = doc.xpath("//x:unit[@id=$id]", namespaces=NS, id=unit_id)
    return elem


def target_of(doc: etree._ElementTree, unit_id: str) -> etree._Element:
    return unit_elem(doc, unit_id).find("x:segment/x:target", NS)


def en_unit(root: Path, unit_id: str, key: str = "ch04"):
    return next(u for u in load_book(str(root)).chapters["en"][key].units() if u.id == unit_id)


def assert_valid(data: bytes) -> etree._Element:
    """Schema-valid, and the rules the schema leaves out: ids unique in a unit, every
    dataRef names a <data> of the unit, the fmt subTypes XLIFF defines or our own prefix."""
    doc = etree.fromstring(data)
    assert SCHEMA.validate(doc), SCHEMA.error_log
    for unit in doc.iterfind(".//x:unit", NS):
        data_ids = [d.get("id") for d in unit.iterfind("x:originalData/x:data", NS)]
        assert len(data_ids) == len(set(data_ids))
        for text in unit.iterfind("x:segment/*", NS):
            codes = [c.get("id") for c in text.iter(f"{{{NS['x']}}}pc", f"{{{NS['x']}}}ph")]
            assert len(codes) == len(set(codes)), etree.tostring(text)
            for code in text.iter(f"{{{NS['x']}}}pc", f"{{{NS['x']}}}ph"):
                for attr in ("dataRef", "dataRefStart", "dataRefEnd"):
                    assert code.get(attr) is None or code.get(attr) in data_ids
                assert code.get("canDelete") == "no"
                sub = code.get("subType")
                assert sub is None or sub in ("xlf:b", "xlf:i") or sub.startswith("pipeline:")
    return doc


@pytest.mark.parametrize("sources", [ROOT / "sources", BLOCKS, ROOT / "tests" / "fixtures" / "book2"])
def test_every_export_validates_against_the_core_schema(sources: Path) -> None:
    book = load_book(str(sources))
    keys = [*sorted(book.chapters[book.source_lang]), "book"]
    doc = assert_valid(export_xliff(book, keys, book.langs[1]))
    assert doc.get("version") == "2.1"
    assert (doc.get("srcLang"), doc.get("trgLang")) == ("zh-CN", "en-US")
    assert [f.get("id") for f in doc.iterfind("x:file", NS)] == keys
    units = [u.get("id") for u in doc.iterfind("x:file/x:unit", NS)]
    expected = [u.id for k in keys[:-1] for u in book.chapters["zh"][k].units()]
    assert units == [*expected, "book.title", "book.author", "book.publisher", "book.credit"]


def test_export_is_deterministic_and_the_same_from_any_folder(blocks: Path) -> None:
    first = export(blocks).read_bytes()
    elsewhere = blocks.parent / "elsewhere"
    elsewhere.mkdir()
    out = elsewhere / "again.xlf"
    done = pipeline("xliff", "export", "--sources", str(blocks), "--out", str(out), cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == first


def test_inline_tags_become_codes_with_their_markup(blocks: Path) -> None:
    doc = etree.parse(str(export(blocks)))
    sliding = unit_elem(doc, SLIDING)
    data = {d.get("id"): d.text for d in sliding.iterfind("x:originalData/x:data", NS)}
    source = sliding.find("x:segment/x:source", NS)
    kinds = [(etree.QName(c).localname, c.get("id"), c.get("type")) for c in source]
    assert kinds == [("ph", "1", "other"), ("ph", "2", "other"), ("pc", "3", "link")]
    assert [data[c.get("dataRef") or c.get("dataRefStart")] for c in source] == [
        "<m>k</m>",
        "<code>np.convolve</code>",
        '<a href="https://numpy.org/doc/">',
    ]
    assert source[2].text == "NumPy 文档"
    stack = unit_elem(doc, STACK).find("x:segment/x:source", NS)
    assert [c.get("subType") for c in stack] == ["pipeline:sub", "pipeline:sup"]
    intro = unit_elem(doc, "intro").find("x:segment/x:target", NS)
    assert [(c.tag.split("}")[1], c.get("id"), c.get("subType")) for c in intro] == [
        ("pc", "1", "xlf:b"),
        ("ph", "2", None),
        ("ph", "3", None),
    ]
    note = unit_elem(doc, SLIDING).find("x:notes/x:note[@category='location']", NS)
    assert note.text == "in section “基础”: paragraph basics.sliding"


def test_export_then_import_changes_no_byte(blocks: Path) -> None:
    before = snapshot(blocks)
    out = blocks.parent / "book.xlf"
    done = pipeline_process("xliff", "export", "--sources", str(blocks), "--out", str(out), cwd=blocks.parent)
    assert done.returncode == 0, done.stderr
    done = pipeline_process("xliff", "import", "--sources", str(blocks), str(out), cwd=blocks.parent)
    assert done.returncode == 0, done.stderr
    assert "0 translations changed, 0 fingerprints updated" in done.stdout
    assert snapshot(blocks) == before


def _set_target(doc: etree._ElementTree, unit_id: str, xml: str) -> None:
    """Replace a unit's target with ``xml`` (the inner XML, codes written as in XLIFF)."""
    old = target_of(doc, unit_id)
    new = etree.fromstring(f'<target xmlns="{NS["x"]}">{xml}</target>')
    old.getparent().replace(old, new)


def test_a_round_trip_with_inline_codes_of_every_kind(blocks: Path) -> None:
    path = export(blocks)
    doc = etree.parse(str(path))
    # codes moved, text reworded, in all three units that hold every kind of tag between them
    _set_target(
        doc,
        SLIDING,
        'Use <ph id="2" dataRef="d6"/> (<pc id="3" dataRefStart="d7" dataRefEnd="d8">the NumPy docs</pc>) '
        'to slide <ph id="1" dataRef="d5"/> over the input.',
    )
    _set_target(
        doc,
        "intro",
        '<ph id="3" dataRef="d8"/>Kernel sizes are in <ph id="2" dataRef="d7"/>; this chapter is about '
        '<pc id="1" dataRefStart="d5" dataRefEnd="d6">convolution</pc>.',
    )
    _set_target(
        doc,
        STACK,
        'With 2·3<pc id="2" dataRefStart="d7" dataRefEnd="d8">2</pc> weights, two 3×3 layers see '
        'R<pc id="1" dataRefStart="d5" dataRefEnd="d6">2</pc>, as one 5×5 layer does.',
    )
    _set_target(doc, "footnotes.kernel", 'Kernels are also called <pc id="1">filters</pc>.')
    doc.write(str(path), xml_declaration=True, encoding="UTF-8")
    done = xliff_import(blocks, path)
    assert done.returncode == 0, done.stderr
    assert "4 translations changed" in done.stdout
    assert en_unit(blocks, SLIDING).text == (
        'Use <code>np.convolve</code> (<a href="https://numpy.org/doc/">the NumPy docs</a>) '
        "to slide <m>k</m> over the input."
    )
    assert en_unit(blocks, "intro").text == (
        '<fn to="kernel"/>Kernel sizes are in <ref to="basics.sizes"/>; this chapter is about <b>convolution</b>.'
    )
    assert en_unit(blocks, STACK).text == (
        "With 2·3<sup>2</sup> weights, two 3×3 layers see R<sub>2</sub>, as one 5×5 layer does."
    )
    assert en_unit(blocks, "footnotes.kernel").text == "Kernels are also called <i>filters</i>."
    # and back out: the new texts export as the same codes
    again = assert_valid(export(blocks).read_bytes())
    assert len(again.xpath("//x:unit[@id=$id]//x:target/*", namespaces=NS, id=SLIDING)) == 3


def test_sc_ec_pairs_and_annotations_from_other_tools_are_understood(blocks: Path) -> None:
    path = export(blocks)
    doc = etree.parse(str(path))
    _set_target(
        doc,
        "footnotes.kernel",
        'A kernel is also <mrk id="m1" translate="yes">called</mrk> a <sc id="1"/>filter<ec startRef="1"/>, too.',
    )
    doc.write(str(path), xml_declaration=True, encoding="UTF-8")
    done = xliff_import(blocks, path)
    assert done.returncode == 0, done.stderr
    assert en_unit(blocks, "footnotes.kernel").text == "A kernel is also called a <i>filter</i>, too."


def test_one_edited_target_changes_one_line(blocks: Path) -> None:
    en = blocks / "en" / "ch04.yaml"
    before = en.read_text(encoding="utf-8").splitlines()
    path = export(blocks)
    doc = etree.parse(str(path))
    target_of(doc, "basics").text = "Fundamentals"
    doc.write(str(path), xml_declaration=True, encoding="UTF-8")
    done = xliff_import(blocks, path)
    assert done.returncode == 0, done.stderr
    after = en.read_text(encoding="utf-8").splitlines()
    assert [(a, b) for a, b in zip(before, after, strict=True) if a != b] == [
        (before[6], before[6].replace("Basics", "Fundamentals"))
    ]


def test_a_target_that_lost_or_invented_a_code_is_skipped_and_reported(blocks: Path) -> None:
    path = export(blocks)
    doc = etree.parse(str(path))
    _set_target(doc, SLIDING, 'A kernel <ph id="1" dataRef="d5"/> slides over the input.')  # lost 2 and 3
    _set_target(doc, "footnotes.kernel", 'A kernel is a <pc id="1">filter</pc><ph id="9"/>.')  # invented 9
    target_of(doc, "basics").text = "Fundamentals"
    doc.write(str(path), xml_declaration=True, encoding="UTF-8")
    done = xliff_import(blocks, path)
    assert done.returncode == 1, done.stderr
    assert (
        f"{SLIDING}: the target's inline codes differ from the source's: lost code 2 (<code>np.convolve</code>); lost code 3 (<a href=\"https://numpy.org/doc/\">…</a>)"
        in done.stderr
    )
    assert (
        "footnotes.kernel: the target's inline codes differ from the source's: invented code 9" in done.stderr
    )
    assert "1 translation changed" in done.stdout
    assert en_unit(blocks, "basics").text == "Fundamentals"
    assert "<code>np.convolve</code>" in en_unit(blocks, SLIDING).text


def test_a_unit_whose_source_changed_since_export_is_skipped_the_rest_imported(blocks: Path) -> None:
    path = export(blocks)
    doc = etree.parse(str(path))
    target_of(doc, "basics").text = "Fundamentals"
    target_of(doc, STACK).text = "Reworded, but against the old Chinese."
    for child in list(target_of(doc, STACK)):
        target_of(doc, STACK).remove(child)
    doc.write(str(path), xml_declaration=True, encoding="UTF-8")
    replace(blocks / "zh" / "ch04.yaml", ZH_STACK_TAGS, ZH_STACK_TAGS.replace("相同", "一样"))
    done = xliff_import(blocks, path)
    assert done.returncode == 1
    assert re.search(
        rf"book\.xlf:\d+:1: {re.escape(STACK)}: the <source> differs from the current source text",
        done.stderr,
    )
    assert "Traceback" not in done.stderr
    assert en_unit(blocks, "basics").text == "Fundamentals"
    assert en_unit(blocks, STACK).text == EN_STACK_TAGS


def test_states_map_the_fingerprints_and_reviewing_a_stale_unit_records_its_fingerprint(blocks: Path) -> None:
    new = ZH_STACK_TAGS.replace("相同", "一样")
    replace(blocks / "zh" / "ch04.yaml", ZH_STACK_TAGS, new)
    path = export(blocks)
    assert_valid(path.read_bytes())
    doc = etree.parse(str(path))
    segment = unit_elem(doc, STACK).find("x:segment", NS)
    assert (segment.get("state"), segment.get("subState")) == ("translated", "pipeline:stale")
    assert unit_elem(doc, "basics").find("x:segment", NS).get("state") == "reviewed"
    assert unit_elem(doc, STACK).find("x:notes/x:note[@category='stale']", NS) is not None
    before = snapshot(blocks)
    assert xliff_import(blocks, path).returncode == 0
    assert snapshot(blocks) == before  # untouched: still stale
    segment.set("state", "reviewed")
    doc.write(str(path), xml_declaration=True, encoding="UTF-8")
    done = xliff_import(blocks, path)
    assert "1 fingerprint updated" in done.stdout, done.stderr
    assert en_unit(blocks, STACK).source == fingerprint(new)


def test_a_suggestion_is_a_match_and_is_never_imported(book: Path) -> None:
    replace(book / "en" / "ch14.yaml", "text: Supports automatic differentiation.\n", 'text: ""\n')
    path = export(book)
    doc = etree.parse(str(path))
    assert_valid(path.read_bytes())
    unit = unit_elem(doc, "profiles.keras.pros.autodiff")
    segment = unit.find("x:segment", NS)
    assert segment.get("state") == "initial" and segment.find("x:target", NS) is None
    [match] = unit.findall("mtc:matches/mtc:match", NS)
    assert match.get("similarity") == "100.0" and match.get("ref") == "#" + segment.get("id")
    assert match.get("origin").startswith("pipeline:ch14:profiles.")
    assert match.find("x:target", NS).text == "Supports automatic differentiation."
    before = snapshot(book)
    done = xliff_import(book, path)
    assert done.returncode == 0, done.stderr
    assert snapshot(book) == before
    plain = etree.parse(str(export(book, "--no-suggestions")))
    assert not plain.xpath("//mtc:match", namespaces=NS)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<xliff", "book.xlf:1:1: invalid XML"),
        (b'<?xml version="1.0"?>\n<xliff version="1.2"/>', "not an XLIFF 2 file"),
        (b'<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.1" srcLang="zh-CN"/>', "trgLang"),
        (
            b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xliff>&e;</xliff>',
            "book.xlf:1:1: a DOCTYPE",
        ),
    ],
)
def test_an_unusable_file_is_a_clear_error_and_writes_nothing(
    blocks: Path, data: bytes, message: str
) -> None:
    path = blocks.parent / "book.xlf"
    path.write_bytes(data)
    before = snapshot(blocks)
    done = xliff_import(blocks, path)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr
    assert snapshot(blocks) == before


def test_a_target_the_sources_cannot_take_stops_the_import(blocks: Path) -> None:
    path = export(blocks)
    doc = etree.parse(str(path))
    target_of(doc, "basics").text = "Fundamentals"
    target_of(doc, "title").text = "Convolutional\u202e Layers"
    doc.write(str(path), xml_declaration=True, encoding="UTF-8")
    before = snapshot(blocks)
    done = xliff_import(blocks, path)
    assert done.returncode == 2
    assert "title: <target>: " in done.stderr and "U+202E" in done.stderr
    assert snapshot(blocks) == before


def test_a_tag_typed_as_text_is_not_smuggled_into_the_sources(blocks: Path) -> None:
    path = export(blocks)
    doc = etree.parse(str(path))
    target_of(doc, "basics").text = "<b>Basics</b>"  # written out as &lt;b&gt; by lxml: text, not a code
    doc.write(str(path), xml_declaration=True, encoding="UTF-8")
    before = snapshot(blocks)
    done = xliff_import(blocks, path)
    assert done.returncode == 1
    assert "basics: <target>: a tag is written as text; use the unit's inline codes" in done.stderr
    assert snapshot(blocks) == before


def test_a_unit_split_into_segments_by_a_tool_is_joined_again(blocks: Path) -> None:
    path = export(blocks)
    doc = etree.parse(str(path))
    unit = unit_elem(doc, "basics.saying")
    unit.remove(unit.find("x:segment", NS))
    parts = etree.fromstring(
        f'<unit xmlns="{NS["x"]}">'
        '<segment id="s1" state="translated"><source>简单的模型</source><target>Simple models </target></segment>'
        '<segment id="s2" state="translated"><source>往往更好。</source><target>often do better.</target></segment>'
        "</unit>"
    )
    unit.extend(list(parts))
    doc.write(str(path), xml_declaration=True, encoding="UTF-8")
    done = xliff_import(blocks, path)
    assert done.returncode == 0, done.stderr
    assert en_unit(blocks, "basics.saying").text == "Simple models often do better."


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_a_stale_unit_notes_its_previous_source_from_the_git_history(blocks: Path) -> None:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(blocks.parent)}
    for args in (["init", "-q"], ["add", "sources"], ["commit", "-q", "-m", "reviewed"]):
        git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args]
        subprocess.run(git, cwd=blocks.parent, env=env, check=True, capture_output=True)
    replace(blocks / "zh" / "ch04.yaml", ZH_STACK_TAGS, ZH_STACK_TAGS.replace("相同", "一样"))
    note = unit_elem(etree.parse(str(export(blocks))), STACK).find("x:notes/x:note[@category='stale']", NS)
    assert (
        note.text == f"the source text changed since this translation was reviewed; it was: {ZH_STACK_TAGS}"
    )
