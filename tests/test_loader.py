"""The strict loader: every error kind with its exact position, and valid books into the model."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from pipeline import inline, yamlsrc
from pipeline.errors import SourceError
from pipeline.loader import load_book, read_chapter
from pipeline.model import Callout, Code, Fact, ListBlock, Section, Table, Unit, fingerprint

ROOT = Path(__file__).resolve().parent.parent
BOOK2 = ROOT / "tests" / "fixtures" / "book2"

MINIMAL = """\
chapter: 1
edition: 2024-03-05
title: 标题
body:
  first: 引言，见 <ref to="compare.sizes"/>。<fn to="why"/>
  compare:
    section: 对比
    body:
      sizes:
        table: 各对象的大小
        row-header: true
        columns:
          name: 对象
          size: 大小
          free: {text: 免费, note: a}
        rows:
          one:
            name: [One]
            size: 小
            free: true
        notes:
          a: {url: https://example.org/a}
      points:
        list:
          good: 很好。
        style: pros
footnotes:
  why: 一个脚注。
"""


def load_text(text: str, lang: str = "zh", path: str = "ch.yaml"):
    return read_chapter(yamlsrc.parse(path, text.encode("utf-8")), lang, "ch")


def problems(text: str, lang: str = "zh") -> list[str]:
    with pytest.raises(SourceError) as info:
        load_text(text, lang)
    return [str(p) for p in info.value.problems]


def test_minimal_chapter_loads_into_the_model() -> None:
    ch = load_text(MINIMAL)
    assert ch.edition == date(2024, 3, 5)
    assert ch.number == Fact("chapter", 1, ch.number.pos)
    section = ch.blocks[1]
    assert isinstance(section, Section) and section.title.text == "对比"
    table = section.blocks[0]
    assert isinstance(table, Table) and table.row_header
    assert [c.id for c in table.columns] == ["name", "size", "free"]
    cell = table.rows[0].cells["free"]
    assert isinstance(cell.value, Fact) and cell.value.value is True
    assert table.columns[2].note is not None and table.columns[2].note.value == "a"
    assert isinstance(table.rows[0].cells["size"].value, Unit)
    points = section.blocks[1]
    assert isinstance(points, ListBlock) and points.style == "pros"
    assert [(i.text.id, i.text.text) for i in points.items] == [("compare.points.good", "很好。")]
    assert (points.items[0].text.pos.line, points.items[0].text.pos.column) == (25, 17)
    ids = [u.id for u in ch.units()]
    assert ids == [
        "title",
        "first",
        "compare",
        "compare.sizes",
        "compare.sizes.columns.name",
        "compare.sizes.columns.size",
        "compare.sizes.columns.free",
        "compare.sizes.rows.one.size",
        "compare.points.good",
        "footnotes.why",
    ]
    # the path of keys to each unit in its file, for in-place edits
    assert points.items[0].text.keys == ("body", "compare", "body", "points", "list", "good")
    assert [a.value for a in inline.atoms(ch.blocks[0].text.inlines)] == ["compare.sizes", "why"]


def test_every_block_kind_and_nesting() -> None:
    text = MINIMAL.replace(
        "footnotes:",
        """\
  more:
    section: 更多
    numbered: false
    body:
      steps:
        list:
          a: 甲
          b:
            text: 乙：
            style: numbered
            list:
              x: 一
              y: 二
      tip:
        callout: tip
        title: 小提示
        body:
          p: 提示。
      q: {quote: 引文。, attribution: 某人}
      c:
        code: |
          print("你好")
        language: python
        caption: 代码
      deep:
        section: 二级
        body:
          deeper:
            section: 三级
            body:
              p: 文本。
footnotes:""",
    )
    ch = load_text(text)
    kinds = [b.kind for b in ch.walk()]
    assert kinds == ["paragraph", "section", "table", "list", "section", "list", "callout", "paragraph",
                     "quote", "code", "section", "section", "paragraph"]  # fmt: skip
    more = ch.block("more")
    assert isinstance(more, Section) and not more.numbered
    steps = ch.block("more.steps")
    assert isinstance(steps, ListBlock)
    nested = steps.items[1].sublist
    assert nested is not None and nested.style == "numbered"
    assert [i.id for i in nested.items] == ["more.steps.b.x", "more.steps.b.y"]
    code = ch.block("more.c")
    assert isinstance(code, Code) and code.code.value == 'print("你好")\n' and code.language.value == "python"
    tip = ch.block("more.tip")
    assert isinstance(tip, Callout) and tip.title is not None and tip.title.id == "more.tip"
    assert "more.q.attribution" in [u.id for u in ch.units()]


ERRORS = [
    # wrong type, with the exact position of the offending value
    ("good: 很好。", "good: [a, b]",
     "ch.yaml:25:17: compare.points.good: expected a string or a mapping with text, got a list"),
    ("chapter: 1", "chapter: one", "ch.yaml:1:10: chapter: expected an integer, got a string"),
    ("edition: 2024-03-05", "edition: March",
     "ch.yaml:2:10: edition: expected a date written YYYY-MM-DD, got a string"),
    ("            free: true", "            free: {flag: true, text: x}",
     "ch.yaml:20:19: compare.sizes.rows.one.free: a cell mapping has exactly one of: flag, names, number, text"),
    # unknown and missing fields
    ("title: 标题", "title: 标题\ncolour: red", "ch.yaml:4:1: colour: unknown field"),
    ("title: 标题\n", "", "ch.yaml:1:1: title: missing required field"),
    ("            size: 小", "            colour: 小",
     "ch.yaml:19:13: compare.sizes.rows.one.colour: unknown field (expected one of: free, name, size)"),
    # duplicate keys, anchors, aliases, tags
    ("title: 标题", "title: 标题\ntitle: 某", "ch.yaml:4:1: title: duplicate key (first defined at line 3)"),
    ("title: 标题", "title: &t 标题", "ch.yaml:3:8: title: anchors (&t) are not allowed"),
    ("title: 标题", "title: *t", "ch.yaml:3:8: title: aliases (*t) are not allowed"),
    ("title: 标题", "title: !!python/object/apply:os.system [echo hi]",
     "ch.yaml:3:8: title: tags (tag:yaml.org,2002:python/object/apply:os.system) are not allowed"),
    # syntax errors
    ("title: 标题", "title: [标题", "ch.yaml:4:5: YAML syntax error: the list opened at line 3, column 8 is not closed: "
     "end it with ']' (or a ',' is missing)"),
    # references, ids, values
    ("note: a}", "note: z}", "ch.yaml:15:34: compare.sizes.columns.free.note: no note 'z' below the table (notes: a)"),
    ("          good: 很好。", "          Bad Id: 很好。",
     "ch.yaml:25:11: compare.points.Bad Id: ids use lower-case letters, digits and single hyphens"),
    ("https://example.org/a", "ftp://x y",
     "ch.yaml:22:20: compare.sizes.notes.a.url: expected an http:// or https:// URL without spaces"),
    ("        style: pros", "        style: checks",
     "ch.yaml:26:16: compare.points.style: unknown list style 'checks' (use: bullet, numbered, pros, cons)"),
    ("        table: 各对象的大小", "        table: 各对象的大小\n        list: {a: b}",
     "ch.yaml:10:9: compare.sizes: a block has one kind, not 2: list, table"),
    ("      sizes:\n", "      aside:\n        callout: aside\n        body: {p: 文本}\n      sizes:\n",
     "ch.yaml:10:18: compare.aside: unknown callout kind 'aside' (use: note, tip, warning, editor)"),
    ("  first:", "  title:", "ch.yaml:5:3: title: 'title' is reserved at the top of the body: choose another id"),
    # inline markup, at the exact column of the tag
    ('见 <ref to="compare.sizes"/>', '见 <ref to="compare.size"/>',
     "ch.yaml:5:15: first: <ref to='compare.size'/> names no section or table of the chapter "
     "(did you mean 'compare.sizes'?)"),
    ('<fn to="why"/>', '<fn to="wy"/>',
     "ch.yaml:5:41: first: <fn to='wy'/> names no footnote in footnotes: (did you mean 'why'?)"),
    ('<fn to="why"/>', "", 'ch.yaml:28:8: footnotes.why: footnote never referenced (add <fn to="why"/> to a text)'),
    ("引言，见", "<b>引言，见", "ch.yaml:5:10: first: <b> is not closed (</b> is missing)"),
    ("引言，见", '<b class="x">引言</b>，见',
     "ch.yaml:5:10: first: unknown attribute 'class' on <b> (it takes no attributes)"),
    ("引言，见", "<b><i>引言</b></i>，见", "ch.yaml:5:18: first: </b> closes <i>: tags may nest but not overlap"),
    # a comment that silently eats text, and a unit field where a block id belongs
    ("          good: 很好。", "          good: 很好 #1 的。",
     "ch.yaml:25:20: compare.points.good: ' #' after plain text starts a YAML comment, "
     'and the rest of the line is lost: quote the text ("…")'),
    ("      points:\n", "      source: 12345678\n      points:\n",
     "ch.yaml:23:7: compare.source: 'source:' looks like a unit's field that is not indented under its unit; "
     "indent it as far as that unit's 'text:'"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("old", "new", "expected"), ERRORS, ids=[e[2].split(": ", 2)[-1][:40] for e in ERRORS]
)
def test_each_error_kind_names_file_line_column_and_field(old: str, new: str, expected: str) -> None:
    text = MINIMAL.replace(old, new, 1)
    assert text != MINIMAL
    found = problems(text)
    assert found[0] == expected or any(p.startswith(expected) for p in found), found


def test_sections_nest_at_most_four_levels() -> None:
    deep = "  s1:\n    section: 一\n    body:\n"
    indent = "      "
    for n in range(2, 6):
        deep += f"{indent}s{n}:\n{indent}  section: 级\n{indent}  body:\n"
        indent += "    "
    deep += f"{indent}p: 文本。\n"
    found = problems(MINIMAL.replace("footnotes:", deep + "footnotes:"))
    assert any("sections nest at most 4 levels deep" in p and "s1.s2.s3.s4.s5" in p for p in found), found


def test_code_must_be_a_literal_block() -> None:
    text = MINIMAL.replace("footnotes:", "  c: {code: print(1), language: python}\nfootnotes:")
    assert problems(text) == [
        "ch.yaml:27:13: c: write code as a literal block (code: |) so that it is kept exactly"
    ]


def test_every_error_of_a_file_is_reported_in_one_run() -> None:
    text = MINIMAL.replace("chapter: 1", "chapter: x").replace(
        "          good: 很好。", "          good: [a]"
    )
    text = text.replace("title: 标题", "title: 标题\nextra: 1")
    found = problems(text)
    assert len(found) == 3
    assert [int(p.split(":")[1]) for p in found] == [1, 4, 26]  # file order


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "ch.yaml:1:1: the file is empty"),
        (b"meta:\n  title: \xff\n", "ch.yaml:2:10: invalid UTF-8 (byte 0xff)"),
        (b"meta:\n  title: a\x01b\n", "ch.yaml:2:11: control character U+0001 is not allowed"),
        (b"a: 1\n---\nb: 2\n", "ch.yaml:2:1: expected one YAML document"),
        (b"- a\n- b\n", "ch.yaml:1:1: expected a mapping, got a list"),
    ],
)
def test_unusable_files(data: bytes, expected: str) -> None:
    with pytest.raises(SourceError) as info:
        read_chapter(yamlsrc.parse("ch.yaml", data), "zh", "ch")
    assert str(info.value.problems[0]).startswith(expected)


def test_deep_nesting_is_refused_without_recursion_error() -> None:
    data = ("a: " + "[" * 5000 + "]" * 5000 + "\n").encode()
    with pytest.raises(SourceError) as info:
        yamlsrc.parse("deep.yaml", data)
    assert "nesting deeper than" in str(info.value)


def test_bom_and_crlf_are_accepted() -> None:
    data = b"\xef\xbb\xbf" + MINIMAL.replace("\n", "\r\n").encode()
    ch = read_chapter(yamlsrc.parse("ch.yaml", data), "zh", "ch")
    assert ch.title.text == "标题"


def test_a_fingerprint_made_of_digits_stays_text() -> None:
    text = MINIMAL.replace("title: 标题", "title: {text: 标题, source: 12345678}")
    assert load_text(text).title.source == "12345678"


def test_second_book_with_other_sections_and_tables() -> None:
    book = load_book(str(BOOK2))
    assert book.chapter_keys() == ["ch03"]
    zh, en = book.chapters["zh"]["ch03"], book.chapters["en"]["ch03"]
    tables = [b for b in zh.walk() if isinstance(b, Table)]
    assert [c.id for c in tables[0].columns][1:] == ["license", "gui", "systems"]
    assert [r.key for r in tables[0].rows] == ["vim", "emacs", "gedit"]
    assert [u.id for u in zh.units()] == [u.id for u in en.units()]
    assert all(e.source == fingerprint(z.text) for z, e in zip(zh.units(), en.units(), strict=True))
    assert [t.id for t in book.glossary.terms] == ["syntax-highlighting", "plugin"]
    assert book.glossary.terms[1].renderings["en"].also == ("extension",)
    assert book.meta["en"].title.text == "A Handbook of Writing Tools" and book.year.value == 2024


def test_problems_of_several_files_are_reported_together(tmp_path: Path) -> None:
    root = tmp_path / "book"
    shutil.copytree(BOOK2, root)
    for lang in ("zh", "en"):
        path = root / lang / "ch03.yaml"
        path.write_text(
            path.read_text(encoding="utf-8").replace("chapter: 3", "chapter: x"), encoding="utf-8"
        )
    with pytest.raises(SourceError) as info:
        load_book(str(root))
    files = {Path(p.pos.path).parent.name for p in info.value.problems}
    assert files == {"zh", "en"}


def _copy_chapter(root: Path, lang: str, number: int, name: str) -> None:
    text = (root / lang / "ch03.yaml").read_text(encoding="utf-8")
    (root / lang / name).write_text(text.replace("chapter: 3", f"chapter: {number}"), encoding="utf-8")


def test_file_without_twin_is_recorded(tmp_path: Path) -> None:
    root = tmp_path / "book"
    shutil.copytree(BOOK2, root)
    _copy_chapter(root, "zh", 4, "ch04.yaml")
    book = load_book(str(root))
    assert [(lang, Path(p).name) for lang, p in book.orphans] == [("zh", "ch04.yaml")]


def test_two_chapter_files_with_one_number_are_refused(tmp_path: Path) -> None:
    root = tmp_path / "book"
    shutil.copytree(BOOK2, root)
    for lang in ("zh", "en"):
        _copy_chapter(root, lang, 3, "ch03b.yaml")
    with pytest.raises(SourceError) as info:
        load_book(str(root))
    messages = [p.message for p in info.value.problems]
    assert len(messages) == 2 and all(
        m.startswith("chapter 3 again (as in ") and "ch03.yaml:" in m and m.endswith("its own number")
        for m in messages
    ), messages


def test_book_metadata_errors_name_book_yaml(tmp_path: Path) -> None:
    root = tmp_path / "book"
    shutil.copytree(BOOK2, root)
    path = root / "book.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("    author: 测试作者\n", ""), encoding="utf-8")
    with pytest.raises(SourceError) as info:
        load_book(str(root))
    assert [str(p).split("book.yaml:", 1)[1] for p in info.value.problems] == [
        "9:5: meta.zh.author: missing required field"
    ]


SHIPPED = ROOT / "sources"


def test_shipped_editions_load_and_align_id_by_id() -> None:
    book = load_book(str(SHIPPED))
    zh, en = book.chapters["zh"]["ch14"], book.chapters["en"]["ch14"]
    assert [u.id for u in zh.units()] == [u.id for u in en.units()]
    assert [(f.id, f.value) for f in zh.facts()] == [(f.id, f.value) for f in en.facts()]
    (table,) = [b for b in zh.walk() if isinstance(b, Table)]
    assert len(table.rows) == 9 and len(table.columns) == 10 and table.row_header
    profiles = zh.block("profiles")
    assert isinstance(profiles, Section)
    counts = []
    for sub in profiles.blocks:
        assert isinstance(sub, Section)
        lists = {b.style: len(b.items) for b in sub.blocks if isinstance(b, ListBlock)}
        counts.append((sub.id.split(".")[-1], lists.get("pros", 0), lists.get("cons", 0)))
    assert counts == [
        ("caffe", 4, 7),
        ("deeplearning4j", 6, 2),
        ("keras", 4, 0),
        ("mxnet", 2, 1),
        ("matconvnet", 3, 2),
        ("tensorflow", 3, 2),
        ("theano", 4, 4),
        ("torch", 4, 3),
    ]
    assert [n.letter for n in table.notes] == list("abcdefghij")
    assert any(isinstance(b, Callout) and b.style == "editor" for b in zh.walk())
    assert book.glossary.terms


def test_a_comment_line_inside_a_wrapped_text_is_reported() -> None:
    # YAML ends the text at a line starting with '#' (a comment), silently: "#1 choice" is lost
    text = MINIMAL.replace("          good: 很好。", "          good: 很好，是\n            #1 的选择。")
    assert problems(text) == [
        "ch.yaml:26:13: compare.points.good: a line starting with '#' inside the text is a YAML comment, "
        'and the text ends before it: quote the text ("…")'
    ]
    # a comment under the block, at the key's indentation, is an ordinary comment
    assert load_text(MINIMAL.replace("          good: 很好。", "          good: 很好。\n          # a note"))


def test_yaml_level_refusals_name_the_unit_not_the_key_path(tmp_path: Path) -> None:
    root = tmp_path / "book"
    shutil.copytree(SHIPPED, root)
    en = root / "en" / "ch14.yaml"
    text = en.read_text(encoding="utf-8")
    en.write_text(
        text.replace("text: No commercial support.", 'text: "No commercial\\x01 support."', 1),
        encoding="utf-8",
    )
    with pytest.raises(SourceError) as info:
        load_book(str(root))
    (problem,) = info.value.problems
    assert (problem.field, problem.message) == (
        "profiles.caffe.cons.no-commercial-support",
        "control character U+0001 is not allowed",
    )
    book = root / "book.yaml"
    en.write_text(text, encoding="utf-8")
    book.write_text(
        book.read_text(encoding="utf-8").replace("    author: 魏秀参", "    author: &a 魏秀参"),
        encoding="utf-8",
    )
    with pytest.raises(SourceError) as info:
        load_book(str(root))
    assert [(p.field, p.message) for p in info.value.problems] == [
        ("book.author", "anchors (&a) are not allowed")
    ]
