"""The PO round trip: export for translators' tools, import back into the YAML sources."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from pipeline.loader import load_book
from pipeline.model import fingerprint

ROOT = Path(__file__).resolve().parent.parent
UNIT = "profiles.caffe.pros.feedforward"


@pytest.fixture
def book(tmp_path: Path) -> Path:
    root = tmp_path / "sources"
    shutil.copytree(ROOT / "sources", root)
    return root


def pipeline(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args], cwd=cwd, capture_output=True, text=True, timeout=60
    )


def export(book: Path) -> bytes:
    out = book.parent / "ch14.po"
    done = pipeline("po", "export", "--sources", str(book), "--out", str(out), cwd=book.parent)
    assert done.returncode == 0, done.stderr
    return out.read_bytes()


def snapshot(book: Path) -> dict[str, bytes]:
    return {str(p.relative_to(book)): p.read_bytes() for p in sorted(book.rglob("*")) if p.is_file()}


def catalog_of(data: bytes):
    return read_po(io.BytesIO(data))


def write(book: Path, catalog, **kwargs) -> Path:
    out = io.BytesIO()
    write_po(out, catalog, **kwargs)
    path = book.parent / "edited.po"
    path.write_bytes(out.getvalue())
    return path


def test_export_has_context_ids_references_and_passes_msgfmt(book: Path) -> None:
    data = export(book)
    cat = catalog_of(data)
    zh = {u.id: u for u in load_book(str(book)).chapters["zh"]["ch14"].units()}
    messages = [m for m in cat if m.id]
    assert [m.context for m in messages] == list(zh)
    msg = next(m for m in messages if m.context == UNIT)
    assert msg.id == zh[UNIT].text
    en = {u.id: u for u in load_book(str(book)).chapters["en"]["ch14"].units()}
    assert msg.string == en[UNIT].text
    assert {path for path, _ in msg.locations} == {"sources/en/ch14.yaml", "sources/zh/ch14.yaml"}
    assert not any(m.fuzzy for m in messages)
    msgfmt = shutil.which("msgfmt")
    if msgfmt:
        po = book.parent / "ch14.po"
        check = subprocess.run([msgfmt, "--check", "-o", os.devnull, str(po)], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr


def test_header_names_the_book_and_edition_and_keeps_no_placeholder(book: Path) -> None:
    data = export(book)
    headers = dict(catalog_of(data).mime_headers)
    loaded = load_book(str(book))
    title, edition = loaded.meta["zh"].title.text, loaded.chapters["en"]["ch14"].edition
    assert headers["Project-Id-Version"] == f"{title} / ch14 {edition.isoformat()}"
    assert headers["Language"] == "en"
    assert "EMAIL@ADDRESS" not in data.decode("utf-8")  # Babel's placeholder


def test_export_then_import_changes_no_byte(book: Path) -> None:
    before = snapshot(book)
    export(book)
    done = pipeline("po", "import", "--sources", str(book), str(book.parent / "ch14.po"), cwd=book.parent)
    assert done.returncode == 0, done.stderr
    assert snapshot(book) == before


def test_a_changed_msgstr_changes_only_that_value(book: Path) -> None:
    en = book / "en" / "ch14.yaml"
    before = en.read_text(encoding="utf-8").splitlines()
    cat = catalog_of(export(book))
    msg = next(m for m in cat if m.context == UNIT)
    msg.string = "Very well suited to feed-forward networks and image processing: a new # wording"
    path = write(book, cat)
    done = pipeline("po", "import", "--sources", str(book), str(path), cwd=book.parent)
    assert done.returncode == 0, done.stderr
    assert "1 translation changed" in done.stdout
    after = en.read_text(encoding="utf-8").splitlines()
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert len(changed) == 1
    assert "a new # wording" in changed[0][1]
    unit = next(u for u in load_book(str(book)).chapters["en"]["ch14"].units() if u.id == UNIT)
    assert unit.text == msg.string


def test_stale_units_are_fuzzy_and_keep_their_fingerprint_until_reviewed(book: Path) -> None:
    zh = book / "zh" / "ch14.yaml"
    old = next(u for u in load_book(str(book)).chapters["zh"]["ch14"].units() if u.id == UNIT).text
    new = old.rstrip("。") + "，也适合其他任务。"
    zh.write_text(zh.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    cat = catalog_of(export(book))
    msg = next(m for m in cat if m.context == UNIT)
    assert msg.fuzzy
    assert [m.context for m in cat if m.id and m.fuzzy] == [UNIT]
    before = snapshot(book)
    # imported as it is (still fuzzy): nothing changes, the unit stays stale
    path = write(book, cat)
    assert pipeline("po", "import", "--sources", str(book), str(path), cwd=book.parent).returncode == 0
    assert snapshot(book) == before
    # the translator reviews it and clears the fuzzy flag: the fingerprint moves
    msg.flags.discard("fuzzy")
    path = write(book, cat)
    done = pipeline("po", "import", "--sources", str(book), str(path), cwd=book.parent)
    assert "1 fingerprint updated" in done.stdout
    unit = next(u for u in load_book(str(book)).chapters["en"]["ch14"].units() if u.id == UNIT)
    assert unit.source == fingerprint(new)


def test_po_rewritten_by_another_tool_imports_cleanly(book: Path) -> None:
    before = snapshot(book)
    cat = catalog_of(export(book))
    path = write(book, cat, width=0, sort_output=True, no_location=True)  # reordered, unwrapped
    assert path.read_bytes() != (book.parent / "ch14.po").read_bytes()
    done = pipeline("po", "import", "--sources", str(book), str(path), cwd=book.parent)
    assert done.returncode == 0, done.stderr
    assert snapshot(book) == before


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda cat: setattr(
                next(m for m in cat if m.context == UNIT), "context", "profiles.caffe.pros.nope"
            ),
            "no unit 'profiles.caffe.pros.nope'",
        ),
        (lambda cat: _rename_msgid(cat, UNIT, "改过的中文。"), "the msgid differs from the source text"),
    ],
)
def test_mismatched_po_is_rejected_and_nothing_is_written(book: Path, edit, message: str) -> None:
    cat = catalog_of(export(book))
    next(m for m in cat if m.context == "title").string = "A changed title"
    edit(cat)
    path = write(book, cat)
    before = snapshot(book)
    done = pipeline("po", "import", "--sources", str(book), str(path), cwd=book.parent)
    assert done.returncode == 2
    assert message in done.stderr and "edited.po:" in done.stderr and "Traceback" not in done.stderr
    assert snapshot(book) == before


def test_a_msgstr_with_broken_tags_is_refused(book: Path) -> None:
    cat = catalog_of(export(book))
    next(m for m in cat if m.context == UNIT).string = "Suited to <b>feed-forward networks."
    path = write(book, cat)
    before = snapshot(book)
    done = pipeline("po", "import", "--sources", str(book), str(path), cwd=book.parent)
    assert done.returncode == 2, done.stderr
    assert f"{UNIT}: msgstr: <b> is not closed (</b> is missing)" in done.stderr
    assert snapshot(book) == before


def _rename_msgid(cat, context: str, new_id: str) -> None:
    msg = next(m for m in cat if m.context == context)
    del cat[msg.id, context]
    msg.id = new_id
    cat[new_id] = msg


@pytest.mark.parametrize(
    "text",
    [
        'msgctxt "title"\nmsgid "x\nmsgstr ""\n',
        'msgctxt "title"\nmsgid "x"\nmsgstr ""\nbogus line\n',
        "",
    ],
)
def test_broken_po_is_a_clear_error(book: Path, text: str) -> None:
    path = book.parent / "broken.po"
    path.write_text(text, encoding="utf-8")
    before = snapshot(book)
    done = pipeline("po", "import", "--sources", str(book), str(path), cwd=book.parent)
    assert done.returncode == 2 and "broken.po:" in done.stderr and "Traceback" not in done.stderr
    assert snapshot(book) == before
