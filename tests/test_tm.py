"""The translation memory: TMX export read back by Translate Toolkit, and suggestions from it."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import etree
from translate.storage import tmx

from pipeline.cli import main
from pipeline.interchange.suggest import THRESHOLD, Memory
from pipeline.loader import load_book
from pipeline.model import Unit, fingerprint

ROOT = Path(__file__).resolve().parent.parent
BLOCKS = ROOT / "tests" / "fixtures" / "check" / "blocks"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
EN_SLIDING = (
    "A kernel <m>k</m> slides over the input, and <code>np.convolve</code> computes the result "
    '(see the <a href="https://numpy.org/doc/">NumPy documentation</a>).'
)
EN_SLIDING_MOVED = (
    'With <code>np.convolve</code> (see the <a href="https://numpy.org/doc/">NumPy documentation</a>), '
    "a kernel <m>k</m> slides over the input."
)


def pipeline(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the command line in this process, with ``env`` added to the environment."""
    out, err = io.StringIO(), io.StringIO()
    here, saved = os.getcwd(), dict(os.environ)
    os.chdir(cwd)
    os.environ.update(env or {})
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
    finally:
        os.chdir(here)
        os.environ.clear()
        os.environ.update(saved)
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())


@pytest.fixture
def blocks(tmp_path: Path) -> Path:
    root = tmp_path / "sources"
    shutil.copytree(BLOCKS, root)
    return root


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def export(root: Path, *extra: str, env: dict[str, str] | None = None) -> Path:
    out = root.parent / "book.tmx"
    done = pipeline(
        "tm", "export", "--sources", str(root), "--out", str(out), *extra, cwd=root.parent, env=env
    )
    assert done.returncode == 0, done.stderr
    return out


def test_translate_toolkit_reads_every_reviewed_pair_with_its_tags(blocks: Path) -> None:
    # one unit stale (its Chinese changed), one reworded with its codes in another order
    replace(blocks / "zh" / "ch04.yaml", "让卷积核滑动。", "让卷积核在输入上滑动。")
    replace(blocks / "en" / "ch04.yaml", EN_SLIDING, EN_SLIDING_MOVED)
    store = tmx.tmxfile.parsefile(str(export(blocks)))
    book = load_book(str(blocks))
    expected = {}
    for key, source, target in (
        *(
            ("ch04", s, t)
            for s, t in _twins(book.chapters["zh"]["ch04"].units(), book.chapters["en"]["ch04"].units())
        ),
        *(("book", s, t) for s, t in _twins(book.meta["zh"].units(), book.meta["en"].units())),
    ):
        if target.source == fingerprint(source.text):
            expected[f"{key}:{source.id}"] = (source.text, target.text)
    assert "ch04:basics.steps.slide" not in expected  # stale: not in the memory
    assert {u.getid(): (u.source, u.target) for u in store.units} == expected
    assert store.units[0].getid() == "ch04:title"
    assert expected["ch04:basics.sliding"] == (
        '卷积核 <m>k</m> 在输入上滑动，可以用 <code>np.convolve</code> 计算；详见 <a href="https://numpy.org/doc/">NumPy 文档</a>。',
        EN_SLIDING_MOVED,
    )


def _twins(sources, targets) -> list[tuple[Unit, Unit]]:
    by_id = {u.id: u for u in targets}
    return [(s, by_id[s.id]) for s in sources if s.id in by_id]


def test_inline_elements_pair_within_a_segment_and_match_across_languages(blocks: Path) -> None:
    replace(blocks / "en" / "ch04.yaml", EN_SLIDING, EN_SLIDING_MOVED)
    doc = etree.parse(str(export(blocks)))
    [tu] = doc.xpath("//tu[@tuid='ch04:basics.sliding']")
    zh, en = tu.findall("tuv")
    assert (zh.get(XML_LANG), en.get(XML_LANG)) == ("zh-CN", "en-US")

    def codes(tuv: etree._Element) -> dict[str, str]:
        return {c.text: c.get("x") for c in tuv.find("seg") if c.tag in ("ph", "bpt")}

    assert (
        codes(zh)
        == codes(en)
        == {"<m>k</m>": "1", "<code>np.convolve</code>": "2", '<a href="https://numpy.org/doc/">': "3"}
    )
    assert [c.tag for c in en.find("seg")] == ["ph", "bpt", "ept", "ph"]  # in the English order
    for seg in doc.iter("seg"):
        starts = [b.get("i") for b in seg.iter("bpt")]
        assert sorted(starts) == sorted(e.get("i") for e in seg.iter("ept"))
    header = doc.find("header")
    assert (header.get("srclang"), header.get("segtype"), doc.getroot().get("version")) == (
        "zh-CN",
        "block",
        "1.4",
    )


def test_the_memory_is_reproducible(blocks: Path) -> None:
    env = {"SOURCE_DATE_EPOCH": "1700000000"}
    first = export(blocks, env=env).read_bytes()
    assert b'creationdate="20231114T221320Z"' in first
    assert export(blocks, env=env).read_bytes() == first


def test_the_source_language_has_no_memory(blocks: Path) -> None:
    done = pipeline(
        "tm", "export", "--sources", str(blocks), "--lang", "zh", "--out", "x.tmx", cwd=blocks.parent
    )
    assert done.returncode == 2 and "translation memories are made for a translation" in done.stderr
    assert not (blocks.parent / "x.tmx").exists()


def _unit(text: str) -> Unit:
    return Unit("new-unit", text, None)  # type: ignore[arg-type]


def test_suggestions_exact_fuzzy_and_none_at_the_documented_threshold() -> None:
    memory = Memory(load_book(str(ROOT / "sources")), "en")
    exact = memory.suggest("ch14", _unit("支持自动求导。"))
    assert exact is not None and exact.score == 100 and exact.target == "Supports automatic differentiation."
    fuzzy = memory.suggest("ch14", _unit("完全支持自动求导。"))  # 2·7 / (9 + 7) = 87.5 %
    assert fuzzy is not None and THRESHOLD <= fuzzy.score < 100
    assert fuzzy.target == "Supports automatic differentiation."
    assert memory.suggest("ch14", _unit("这是一个完全不同的句子。")) is None
    # a unit never suggests its own pair, even with the same text
    caffe = next(
        u
        for u in load_book(str(ROOT / "sources")).chapters["zh"]["ch14"].units()
        if u.id.endswith("feedforward")
    )
    own = memory.suggest("ch14", caffe)
    assert own is None or own.unit_id != caffe.id
