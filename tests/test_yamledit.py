"""In-place edits of YAML sources: only the requested bytes change, and what is written reads back."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import atomic, yamlsrc
from pipeline.errors import SourceError
from pipeline.loader import read_chapter
from pipeline.yamledit import EditError, Editor, double_quoted, emit_scalar
from pipeline.yamlsrc import Map, Scalar

DOC = """\
# a comment that must survive
meta:
  title:   {text: "Quoted title", source: 'aaaaaaaa'}   # trailing comment
  block:
    text: Block text
    comment: for translators
  nosource:
    text: Missing fingerprint  # keep me
    comment: after the text
  flow: {text: Flow text, note: a}
  plain: Plain text   # plain comment
  literal:
    text: |
      line one
      line two

  last:
    text: The end"""


def write(tmp_path: Path, text: str, name: str = "doc.yaml", bom: bool = False) -> Path:
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def value(path: Path, unit_id: str, field: str = "text") -> str | None:
    node = yamlsrc.read(str(path)).root
    for part in unit_id.split("."):
        assert isinstance(node, Map)
        node = node.get(part)
    if isinstance(node, Map):
        node = node.get(field)
    elif field != "text":
        return None
    assert isinstance(node, Scalar)
    return node.value


def changed_lines(before: str, after: str) -> list[tuple[str, str]]:
    a, b = before.splitlines(), after.splitlines()
    assert len(a) == len(b)
    return [(x, y) for x, y in zip(a, b, strict=True) if x != y]


def test_replacing_a_fingerprint_changes_only_its_bytes(tmp_path: Path) -> None:
    path = write(tmp_path, DOC)
    editor = Editor(str(path))
    editor.set_source("meta.title", "12345678")
    assert editor.save()
    after = path.read_text(encoding="utf-8")
    # the file quoted it: the quotes stay, so an all-digit fingerprint stays a string
    assert changed_lines(DOC, after) == [
        (
            "  title:   {text: \"Quoted title\", source: 'aaaaaaaa'}   # trailing comment",
            "  title:   {text: \"Quoted title\", source: '12345678'}   # trailing comment",
        )
    ]
    assert value(path, "meta.title", "source") == "12345678"


def test_a_missing_fingerprint_gets_a_line_under_the_text(tmp_path: Path) -> None:
    path = write(tmp_path, DOC)
    editor = Editor(str(path))
    editor.set_source("meta.nosource", "0badcafe")
    editor.set_source("meta.block", "1badcafe")
    editor.set_source("meta.last", "2badcafe")
    editor.set_source("meta.literal", "3badcafe")
    editor.save()
    after = path.read_text(encoding="utf-8")
    assert (
        "    text: Missing fingerprint  # keep me\n    source: 0badcafe\n    comment: after the text\n"
        in after
    )
    assert "    text: Block text\n    source: 1badcafe\n    comment: for translators\n" in after
    assert after.endswith("    text: The end\n    source: 2badcafe")
    assert "      line two\n\n    source: 3badcafe\n  last:" in after
    for unit, fp in (
        ("nosource", "0badcafe"),
        ("block", "1badcafe"),
        ("last", "2badcafe"),
        ("literal", "3badcafe"),
    ):
        assert value(path, f"meta.{unit}", "source") == fp
    assert value(path, "meta.literal") == "line one\nline two\n"
    # removing the inserted lines gives back the original text exactly
    restored = "".join(line for line in after.splitlines(keepends=True) if "badcafe" not in line)
    assert restored == DOC + "\n"  # the last line gained the line break it lacked


def test_flow_mappings_and_plain_strings(tmp_path: Path) -> None:
    path = write(tmp_path, DOC)
    editor = Editor(str(path))
    editor.set_source("meta.flow", "abcdef01")
    editor.set_source("meta.plain", "abcdef02")
    editor.save()
    lines = changed_lines(DOC, path.read_text(encoding="utf-8"))
    assert lines == [
        ("  flow: {text: Flow text, note: a}", "  flow: {text: Flow text, source: abcdef01, note: a}"),
        (
            "  plain: Plain text   # plain comment",
            "  plain: {text: Plain text, source: abcdef02}   # plain comment",
        ),
    ]


def test_setting_text_emits_a_safe_scalar(tmp_path: Path) -> None:
    path = write(tmp_path, DOC)
    editor = Editor(str(path))
    tricky = 'Say "yes": it is #1, {really} — 真的'
    editor.set_text("meta.flow", tricky)
    editor.set_text("meta.block", "Plain new text")
    editor.set_text("meta.literal", "one line now")
    editor.set_text("meta.plain", "yes")  # plain `yes` would read back as a boolean
    editor.save()
    assert value(path, "meta.flow") == tricky
    assert value(path, "meta.block") == "Plain new text"
    assert value(path, "meta.literal") == "one line now"
    assert value(path, "meta.plain") == "yes"
    text = path.read_text(encoding="utf-8")
    assert "    text: Plain new text\n" in text and '  plain: "yes"   # plain comment' in text


def test_text_and_fingerprint_of_a_plain_unit_together(tmp_path: Path) -> None:
    path = write(tmp_path, DOC)
    editor = Editor(str(path))
    editor.set_text("meta.plain", "New, with a comma")
    editor.set_source("meta.plain", "abcdef03")
    editor.save()
    assert '  plain: {text: "New, with a comma", source: abcdef03}   # plain comment' in path.read_text(
        encoding="utf-8"
    )


def test_nothing_to_do_writes_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, DOC)
    before = os.stat(path).st_mtime_ns
    editor = Editor(str(path))
    editor.set_source("meta.title", "aaaaaaaa")
    editor.set_text("meta.block", "Block text")
    assert editor.save() is False
    assert os.stat(path).st_mtime_ns == before


def test_crlf_and_bom_survive(tmp_path: Path) -> None:
    original = DOC.replace("\n", "\r\n")
    path = write(tmp_path, original, bom=True)
    editor = Editor(str(path))
    editor.set_source("meta.title", "bbbbbbbb")
    editor.set_source("meta.nosource", "cccccccc")
    editor.save()
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    text = data[3:].decode("utf-8")
    assert "\n" not in text.replace("\r\n", "")
    assert text == original.replace("'aaaaaaaa'", "'bbbbbbbb'").replace(
        "# keep me\r\n", "# keep me\r\n    source: cccccccc\r\n"
    )


def test_line_separators_inside_text_do_not_shift_positions(tmp_path: Path) -> None:
    # libyaml counts U+2028 as a line break; offsets must count lines the same way
    doc = 'a:\n  text: "x\u2028y"\nb:\n  text: After\n'
    path = write(tmp_path, doc)
    editor = Editor(str(path))
    editor.set_source("b", "dddddddd")
    editor.save()
    assert path.read_text(encoding="utf-8") == doc + "  source: dddddddd\n"


def test_unknown_unit_is_an_error(tmp_path: Path) -> None:
    editor = Editor(str(write(tmp_path, DOC)))
    with pytest.raises(EditError, match=r"no unit 'meta\.nope'"):
        editor.set_source("meta.nope", "abcdef01")


def test_the_loader_reads_a_stamped_chapter(tmp_path: Path) -> None:
    from checkutil import EN, copy_sources

    root = copy_sources(tmp_path)
    path = root / EN
    chapter = read_chapter(yamlsrc.read(str(path)), "en", "ch14")
    unit = next(u for u in chapter.units() if u.id == "profiles.caffe.pros.feedforward")
    editor = Editor(str(path))
    editor.set_source(unit, "0000000a")
    editor.save()
    again = read_chapter(yamlsrc.read(str(path)), "en", "ch14")
    assert next(u for u in again.units() if u.id == unit.id).source == "0000000a"


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
@settings(max_examples=300, deadline=None)
def test_emitted_scalars_read_back(text: str) -> None:
    for flow, doc in ((False, "k: {}\n"), (True, "{{k: {}}}\n")):
        emitted = emit_scalar(text, flow)
        try:
            root = yamlsrc.parse("<t>", doc.format(emitted).encode("utf-8")).root
        except SourceError as exc:
            # the sources refuse some characters (controls, invisible ones) however they are
            # written: the escape reached the reader intact, the character itself is refused
            assert "is not allowed" in str(exc), (text, emitted)
            continue
        assert isinstance(root, Map)
        node = root.get("k")
        assert isinstance(node, Scalar) and node.value == text and node.kind == "string", (text, emitted)


def test_text_the_sources_refuse_is_not_written(tmp_path: Path) -> None:
    path = write(tmp_path, DOC)
    editor = Editor(str(path))
    editor.set_text("meta.block", "bell\x07")
    with pytest.raises(EditError, match="not allowed"):
        editor.save()
    assert path.read_text(encoding="utf-8") == DOC


def test_plain_when_plain_is_safe() -> None:
    assert emit_scalar("Well suited to networks.") == "Well suited to networks."
    assert emit_scalar("很适合前馈网络。") == "很适合前馈网络。"
    for risky in ("yes", "12345678", "null", "a: b", "x #y", "- item", " lead", "", "[x]", "@at", "1.5", "~"):
        assert emit_scalar(risky).startswith('"'), risky
    assert emit_scalar("a, b") == "a, b" and emit_scalar("a, b", flow=True) == '"a, b"'
    assert double_quoted('a"\\\n\t\x00\u2028') == '"a\\"\\\\\\n\\t\\0\\L"'


# -- atomic writes -------------------------------------------------------------------------------
def test_atomic_write_keeps_the_mode_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_bytes(b"old")
    os.chmod(path, 0o640)
    atomic.write_bytes_atomic(str(path), b"new")
    assert path.read_bytes() == b"new"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert os.listdir(tmp_path) == ["f.yaml"]


@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_a_failed_write_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException
) -> None:
    path = tmp_path / "f.yaml"
    path.write_bytes(b"old")

    def fail(*args: object) -> None:
        raise error

    monkeypatch.setattr(atomic.os, "replace", fail)
    with pytest.raises(type(error)):
        atomic.write_bytes_atomic(str(path), b"new")
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["f.yaml"]


def test_atomic_write_follows_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real.yaml"
    real.write_bytes(b"old")
    link = tmp_path / "link.yaml"
    link.symlink_to(real)
    atomic.write_bytes_atomic(str(link), b"new")
    assert link.is_symlink() and real.read_bytes() == b"new"
