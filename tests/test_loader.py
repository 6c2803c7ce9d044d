"""The strict loader: every error kind with its exact position, and valid books into the model."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from pipeline import yamlsrc
from pipeline.errors import SourceError
from pipeline.loader import load_book, read_chapter
from pipeline.model import Fact, Unit, fingerprint

ROOT = Path(__file__).resolve().parent.parent
BOOK2 = ROOT / "tests" / "fixtures" / "book2"

MINIMAL = """\
meta:
  chapter: 1
  language: zh
  edition: 2024-03-05
  title: 标题
  book: 书名
  author: 作者
  publisher: 出版社
  year: 2024
  credit: 致谢
introduction:
  first: 引言。
table:
  title: 对比
  caption: 表 1.1
  subject-label: 对象
  criteria:
    size: 大小
    free: {text: 免费, note: a}
  rows:
    one:
      name: One
      size: 小
      free: true
  notes:
    a: {url: https://example.org/a}
profiles-title: 特点
profiles:
  one:
    description:
      overview: 一个对象。
    pros:
      good: 很好。
"""


def load_text(text: str, lang: str = "zh", path: str = "ch.yaml"):
    return read_chapter(yamlsrc.parse(path, text.encode("utf-8")), lang, "ch")


def problems(text: str, lang: str = "zh") -> list[str]:
    with pytest.raises(SourceError) as info:
        load_text(text, lang)
    return [str(p) for p in info.value.problems]


def test_minimal_chapter_loads_into_the_model() -> None:
    ch = load_text(MINIMAL)
    assert ch.meta.edition == date(2024, 3, 5)
    assert ch.meta.chapter == Fact("meta.chapter", 1, ch.meta.chapter.pos)
    assert [c.id for c in ch.table.criteria] == ["size", "free"]
    cell = ch.table.subjects[0].cells["free"]
    assert isinstance(cell.value, Fact) and cell.value.value is True
    assert ch.table.criteria[1].note is not None and ch.table.criteria[1].note.value == "a"
    assert isinstance(ch.table.subjects[0].cells["size"].value, Unit)
    pros = ch.profiles[0].pros
    assert [(u.id, u.text) for u in pros] == [("profiles.one.pros.good", "很好。")]
    assert (pros[0].pos.line, pros[0].pos.column) == (33, 13)
    ids = [u.id for u in ch.units()]
    assert ids[:5] == ["meta.title", "meta.book", "meta.author", "meta.publisher", "meta.credit"]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        # wrong type, with the exact position of the offending value
        (
            lambda t: t.replace("      good: 很好。", "      good: [a, b]"),
            "ch.yaml:33:13: profiles.one.pros.good: expected a string or a mapping with text, got a list",
        ),
        (
            lambda t: t.replace("  year: 2024", "  year: soon"),
            "ch.yaml:9:9: meta.year: expected an integer, got a string",
        ),
        (
            lambda t: t.replace("  edition: 2024-03-05", "  edition: March"),
            "ch.yaml:4:12: meta.edition: expected a date written YYYY-MM-DD, got a string",
        ),
        (
            lambda t: t.replace("      free: true", "      free: 12"),
            "ch.yaml:24:13: table.rows.one.free: expected a string, got an integer (quote it to keep it as text)",
        ),
        # unknown and missing fields
        (
            lambda t: t.replace("  credit: 致谢", "  credit: 致谢\n  colour: red"),
            "ch.yaml:11:3: meta.colour: unknown field",
        ),
        (lambda t: t.replace("  author: 作者\n", ""), "ch.yaml:2:3: meta.author: missing required field"),
        # duplicate keys, anchors, aliases, tags
        (
            lambda t: t.replace("  author: 作者", "  author: 作者\n  author: 某人"),
            "ch.yaml:8:3: meta.author: duplicate key (first defined at line 7)",
        ),
        (
            lambda t: t.replace("  title: 标题", "  title: &t 标题").replace("  book: 书名", "  book: *t"),
            "ch.yaml:5:10: meta.title: anchors (&t) are not allowed",
        ),
        (
            lambda t: t.replace("  book: 书名", "  book: *t"),
            "ch.yaml:6:9: meta.book: aliases (*t) are not allowed",
        ),
        (
            lambda t: t.replace("  book: 书名", "  book: !!python/object/apply:os.system [echo hi]"),
            "ch.yaml:6:9: meta.book: tags (tag:yaml.org,2002:python/object/apply:os.system) are not allowed",
        ),
        # syntax errors
        (
            lambda t: t.replace("  book: 书名", "  book: [书名"),
            "ch.yaml:7:9: YAML syntax error: the list opened at line 6, column 9 is not closed: "
            "end it with ']' (or a ',' is missing)",
        ),
        (lambda t: t.replace("  book: 书名", "\tbook: 书名"), "ch.yaml:6:1: YAML syntax error"),
        # references, ids, values
        (
            lambda t: t.replace("note: a}", "note: z}"),
            "ch.yaml:19:28: table.criteria.free.note: no note 'z' in table.notes",
        ),
        (
            lambda t: t.replace("  one:\n    description", "  two:\n    description"),
            "ch.yaml:29:3: profiles.two: no subject 'two' in table.rows",
        ),
        (
            lambda t: t.replace("      good: 很好。", "      Bad Id: 很好。"),
            "ch.yaml:33:7: profiles.one.pros.Bad Id: ids use lower-case letters",
        ),
        (
            lambda t: t.replace("https://example.org/a", "ftp://x y"),
            "ch.yaml:26:14: table.notes.a.url: expected an http:// or https:// URL",
        ),
        (
            lambda t: t.replace("  language: zh", "  language: en"),
            "ch.yaml:3:13: meta.language: is 'en' but the file is in the 'zh' folder",
        ),
    ],
)
def test_each_error_kind_names_file_line_column_and_field(mutate, expected: str) -> None:
    found = problems(mutate(MINIMAL))
    assert any(p.startswith(expected) for p in found), found


def test_every_error_of_a_file_is_reported_in_one_run() -> None:
    text = MINIMAL.replace("  year: 2024", "  year: soon").replace("      good: 很好。", "      good: [a]")
    text = text.replace("  credit: 致谢", "  credit: 致谢\n  extra: 1")
    found = problems(text)
    assert len(found) == 3
    assert [int(p.split(":")[1]) for p in found] == [9, 11, 34]  # file order


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
    assert ch.meta.title.text == "标题"


def test_a_fingerprint_made_of_digits_stays_text() -> None:
    text = MINIMAL.replace("  title: 标题", "  title: {text: 标题, source: 12345678}")
    assert load_text(text).meta.title.source == "12345678"


def test_second_chapter_with_other_subjects_and_criteria() -> None:
    book = load_book(str(BOOK2))
    assert book.chapter_keys() == ["ch03"]
    zh, en = book.chapters["zh"]["ch03"], book.chapters["en"]["ch03"]
    assert [c.id for c in zh.table.criteria] == ["license", "gui", "systems"]
    assert [s.id for s in en.table.subjects] == ["vim", "emacs", "gedit"]
    assert [u.id for u in zh.units()] == [u.id for u in en.units()]
    assert all(e.source == fingerprint(z.text) for z, e in zip(zh.units(), en.units(), strict=True))
    assert [t.id for t in book.glossary.terms] == ["syntax-highlighting", "plugin"]
    assert book.glossary.terms[1].renderings["en"].also == ("extension",)


def test_problems_of_several_files_are_reported_together(tmp_path: Path) -> None:
    root = tmp_path / "book"
    shutil.copytree(BOOK2, root)
    for lang in ("zh", "en"):
        path = root / lang / "ch03.yaml"
        path.write_text(
            path.read_text(encoding="utf-8").replace("  year: 2024", "  year: x"), encoding="utf-8"
        )
    with pytest.raises(SourceError) as info:
        load_book(str(root))
    files = {Path(p.pos.path).parent.name for p in info.value.problems}
    assert files == {"zh", "en"}


def test_file_without_twin_is_recorded(tmp_path: Path) -> None:
    root = tmp_path / "book"
    shutil.copytree(BOOK2, root)
    text = (root / "zh" / "ch03.yaml").read_text(encoding="utf-8")
    (root / "zh" / "ch04.yaml").write_text(text.replace("  chapter: 3\n", "  chapter: 4\n"), encoding="utf-8")
    book = load_book(str(root))
    assert [(lang, Path(p).name) for lang, p in book.orphans] == [("zh", "ch04.yaml")]


SHIPPED = ROOT / "sources"


def test_shipped_editions_load_and_align_id_by_id() -> None:
    book = load_book(str(SHIPPED))
    zh, en = book.chapters["zh"]["ch14"], book.chapters["en"]["ch14"]
    assert [u.id for u in zh.units()] == [u.id for u in en.units()]
    assert [(f.id, f.value) for f in zh.facts()] == [(f.id, f.value) for f in en.facts()]
    assert len(zh.table.subjects) == 9 and len(zh.table.criteria) == 9
    counts = [(p.id, len(p.pros), len(p.cons)) for p in zh.profiles]
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
    assert [n.id for n in zh.table.notes] == list("abcdefghij")
    assert book.glossary.terms
