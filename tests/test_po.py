"""The PO round trip: export for translators' tools, import back into the YAML sources."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from pipeline import langs
from pipeline.cli import main
from pipeline.loader import load_book
from pipeline.model import fingerprint

ROOT = Path(__file__).resolve().parent.parent
UNIT = "profiles.caffe.pros.feedforward"
KERAS = "profiles.keras.pros.autodiff"  # its Chinese, 支持自动求导。, is also that of two other units
TOOLKIT = Path(sys.executable).parent


@pytest.fixture
def book(tmp_path: Path) -> Path:
    root = tmp_path / "sources"
    shutil.copytree(ROOT / "sources", root)
    return root


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


def export(book: Path, *extra: str) -> bytes:
    out = book.parent / "ch14.po"
    done = pipeline("po", "export", "--sources", str(book), "--out", str(out), *extra, cwd=book.parent)
    assert done.returncode == 0, done.stderr
    return out.read_bytes()


def po_import(book: Path, path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return pipeline("po", "import", "--sources", str(book), str(path), *extra, cwd=book.parent)


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


def unit_of(book: Path, lang: str, unit_id: str):
    return next(u for u in load_book(str(book)).chapters[lang]["ch14"].units() if u.id == unit_id)


def edit_yaml(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_export_has_context_ids_references_and_passes_msgfmt(book: Path) -> None:
    data = export(book)
    cat = catalog_of(data)
    zh = {u.id: u for u in load_book(str(book)).chapters["zh"]["ch14"].units()}
    messages = [m for m in cat if m.id]
    assert [m.context for m in messages] == list(zh)
    msg = next(m for m in messages if m.context == UNIT)
    assert msg.id == zh[UNIT].text
    assert msg.string == unit_of(book, "en", UNIT).text
    assert {path for path, _ in msg.locations} == {"sources/en/ch14.yaml", "sources/zh/ch14.yaml"}
    # the id again as the first extracted comment, then where the unit stands
    assert msg.auto_comments[:2] == [
        f"id: {UNIT}",
        "in section “Caffe”: list profiles.caffe.pros, item feedforward",
    ]
    assert not any(m.fuzzy for m in messages)
    msgfmt = shutil.which("msgfmt")
    if msgfmt:
        po = book.parent / "ch14.po"
        check = subprocess.run([msgfmt, "--check", "-o", os.devnull, str(po)], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr


def test_header_names_the_book_chapter_and_edition_and_keeps_no_placeholder(book: Path) -> None:
    data = export(book)
    headers = dict(catalog_of(data).mime_headers)
    loaded = load_book(str(book))
    title, edition = loaded.meta["zh"].title.text, loaded.chapters["en"]["ch14"].edition
    assert headers["Project-Id-Version"] == f"{title} / ch14 {edition.isoformat()}"
    assert headers["Language"] == langs.get("en").locale
    assert "EMAIL@ADDRESS" not in data.decode("utf-8")  # Babel's placeholder


def test_the_book_metadata_has_its_own_po_file(book: Path) -> None:
    out = book.parent / "book.po"
    done = pipeline(
        "po", "export", "--sources", str(book), "--chapter", "book", "--out", str(out), cwd=book.parent
    )
    assert done.returncode == 0, done.stderr
    cat = catalog_of(out.read_bytes())
    assert [m.context for m in cat if m.id] == ["book.title", "book.author", "book.publisher", "book.credit"]
    msg = next(m for m in cat if m.context == "book.author")
    msg.string = "Xiu-Shen Wei"
    path = write(book, cat)
    done = po_import(book, path)
    assert done.returncode == 0, done.stderr
    assert load_book(str(book)).meta["en"].author.text == "Xiu-Shen Wei"


def test_export_then_import_changes_no_byte(book: Path) -> None:
    before = snapshot(book)
    out = book.parent / "ch14.po"
    done = pipeline_process("po", "export", "--sources", str(book), "--out", str(out), cwd=book.parent)
    assert done.returncode == 0, done.stderr
    done = pipeline_process("po", "import", "--sources", str(book), str(out), cwd=book.parent)
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith("ch14.po: 0 translations changed, 0 fingerprints updated\n")
    assert snapshot(book) == before


def test_a_changed_msgstr_changes_only_that_value(book: Path) -> None:
    en = book / "en" / "ch14.yaml"
    before = en.read_text(encoding="utf-8").splitlines()
    cat = catalog_of(export(book))
    msg = next(m for m in cat if m.context == UNIT)
    msg.string = "Very well suited to feed-forward networks and image processing: a new # wording"
    path = write(book, cat)
    done = po_import(book, path)
    assert done.returncode == 0, done.stderr
    assert "1 translation changed" in done.stdout
    after = en.read_text(encoding="utf-8").splitlines()
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert len(changed) == 1
    assert "a new # wording" in changed[0][1]
    assert unit_of(book, "en", UNIT).text == msg.string


def _change_source(book: Path, unit_id: str = UNIT) -> tuple[str, str]:
    old = unit_of(book, "zh", unit_id).text
    new = old.rstrip("。") + "，也适合其他任务。"
    edit_yaml(book / "zh" / "ch14.yaml", old, new)
    return old, new


def test_stale_units_are_fuzzy_and_keep_their_fingerprint_until_reviewed(book: Path) -> None:
    _, new = _change_source(book)
    cat = catalog_of(export(book))
    msg = next(m for m in cat if m.context == UNIT)
    assert msg.fuzzy
    assert [m.context for m in cat if m.id and m.fuzzy] == [UNIT]
    before = snapshot(book)
    # imported as it is (still fuzzy): nothing changes, the unit stays stale
    path = write(book, cat)
    assert po_import(book, path).returncode == 0
    assert snapshot(book) == before
    # the translator reviews it and clears the fuzzy flag: the fingerprint moves
    msg.flags.discard("fuzzy")
    path = write(book, cat)
    done = po_import(book, path)
    assert "1 fingerprint updated" in done.stdout
    assert unit_of(book, "en", UNIT).source == fingerprint(new)


def test_a_fuzzy_edit_is_left_out_and_counted(book: Path) -> None:
    _change_source(book)
    cat = catalog_of(export(book))
    next(m for m in cat if m.context == UNIT).string = "Work in progress"
    before = snapshot(book)
    done = po_import(book, write(book, cat))
    assert done.returncode == 0, done.stderr
    assert "1 unfinished (fuzzy) entry left out" in done.stdout
    assert snapshot(book) == before


def _git(book: Path, *args: str) -> None:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(book.parent)}
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        cwd=book.parent, env=env, check=True, capture_output=True,
    )  # fmt: skip


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_a_stale_entry_carries_its_previous_source_from_the_git_history(book: Path) -> None:
    _git(book, "init", "-q")
    _git(book, "add", "sources")
    _git(book, "commit", "-q", "-m", "reviewed")
    old, new = _change_source(book)
    data = export(book)
    text = data.decode("utf-8")
    assert f'#| msgid "{old}"\n' in text  # Poedit shows the difference from here
    msg = next(m for m in catalog_of(data) if m.context == UNIT)
    assert msg.fuzzy and msg.id == new
    assert "stale: the source text changed since this translation was reviewed" in msg.auto_comments


def test_without_history_a_stale_entry_says_its_previous_source_is_unknown(book: Path) -> None:
    _change_source(book)
    msg = next(m for m in catalog_of(export(book)) if m.context == UNIT)
    fp = unit_of(book, "en", UNIT).source
    assert any(f"(fingerprint {fp}) is not in the sources' git history" in c for c in msg.auto_comments)


def test_po_rewritten_by_another_tool_imports_cleanly(book: Path) -> None:
    before = snapshot(book)
    cat = catalog_of(export(book))
    path = write(book, cat, width=0, sort_output=True, no_location=True)  # reordered, unwrapped
    assert path.read_bytes() != (book.parent / "ch14.po").read_bytes()
    done = po_import(book, path)
    assert done.returncode == 0, done.stderr
    assert snapshot(book) == before


def test_partial_import_skips_changed_sources_and_takes_every_other_edit(book: Path) -> None:
    cat = catalog_of(export(book))
    next(m for m in cat if m.context == "title").string = "A changed title"
    gone = next(m for m in cat if m.context == "profiles.caffe.pros.fine-tuning")
    gone.context, gone.auto_comments = "profiles.caffe.pros.nope", ["id: profiles.caffe.pros.nope"]
    path = write(book, cat)
    _change_source(book)  # the Chinese changes after the export
    before_zh = (book / "zh" / "ch14.yaml").read_bytes()
    done = po_import(book, path)
    assert done.returncode == 1, done.stderr  # findings: entries were skipped
    assert "1 translation changed" in done.stdout
    assert "edited.po:" in done.stderr and "Traceback" not in done.stderr
    assert f"{UNIT}: the msgid differs from the current source text" in done.stderr
    assert "no unit 'profiles.caffe.pros.nope' in chapter 'ch14'" in done.stderr
    assert "2 entries skipped" in done.stderr
    assert unit_of(book, "en", "title").text == "A changed title"
    assert (book / "zh" / "ch14.yaml").read_bytes() == before_zh


def test_an_entry_without_msgctxt_is_found_by_its_id_comment_or_reported_as_such(book: Path) -> None:
    cat = catalog_of(export(book))
    msg = next(m for m in cat if m.context == KERAS)
    msg.context = None
    msg.string = "Supports autodiff."
    path = write(book, cat)
    done = po_import(book, path)
    assert done.returncode == 0, done.stderr
    assert unit_of(book, "en", KERAS).text == "Supports autodiff."
    # without the comment too: its msgid is that of three units, so it is reported, not "no unit ''"
    text = path.read_text(encoding="utf-8").replace(f"#. id: {KERAS}\n", "")
    path.write_text(text.replace('"Supports autodiff."', '"Supports autograd."'), encoding="utf-8")
    done = po_import(book, path)
    assert done.returncode == 1
    assert "no msgctxt and no '#. id: …' comment, and 3 units have its msgid" in done.stderr
    assert "no unit ''" not in done.stderr
    assert unit_of(book, "en", KERAS).text == "Supports autodiff."


def test_po2xliff_then_xliff2po_imports(book: Path) -> None:
    """Translate Toolkit's converters drop msgctxt; the `#. id:` comments carry the ids through."""
    po = book.parent / "ch14.po"
    export(book)
    xlf, back = book.parent / "ch14.xlf", book.parent / "back.po"
    for tool, src, dst in (("po2xliff", po, xlf), ("xliff2po", xlf, back)):
        done = subprocess.run(
            [str(TOOLKIT / tool), str(src), str(dst)], capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
    assert 'msgctxt "profiles.' not in back.read_text(encoding="utf-8")  # what the tools lose
    before = snapshot(book)
    done = po_import(book, back)
    assert done.returncode == 0, done.stderr
    assert snapshot(book) == before
    # a translation edited in the converted file goes into the right one of three equal msgids
    text = back.read_text(encoding="utf-8")
    at = text.index(f"#. id: {KERAS}\n")
    old = 'msgstr "Supports automatic differentiation."'
    end = text.index(old, at)
    back.write_text(text[:end] + 'msgstr "Supports autodiff."' + text[end + len(old) :], encoding="utf-8")
    done = po_import(book, back)
    assert done.returncode == 0, done.stderr
    assert unit_of(book, "en", KERAS).text == "Supports autodiff."
    others = [u for u in load_book(str(book)).chapters["en"]["ch14"].units() if u.id.endswith(".autodiff")]
    assert sum(u.text == "Supports automatic differentiation." for u in others) == 2


def _second_chapter(book: Path) -> None:
    for lang in ("zh", "en"):
        text = (book / lang / "ch14.yaml").read_text(encoding="utf-8")
        (book / lang / "ch15.yaml").write_text(
            text.replace("chapter: 14", "chapter: 15", 1), encoding="utf-8"
        )


def test_import_takes_the_chapter_from_the_header(book: Path) -> None:
    _second_chapter(book)
    done = pipeline("po", "export", "--sources", str(book), cwd=book.parent)
    assert done.returncode == 2 and "give --chapter (one of: ch14, ch15)" in done.stderr
    export(book, "--chapter", "ch15")
    cat = catalog_of((book.parent / "ch14.po").read_bytes())
    next(m for m in cat if m.context == "title").string = "Chapter fifteen"
    done = po_import(book, write(book, cat))
    assert done.returncode == 0, done.stderr
    chapters = load_book(str(book)).chapters["en"]
    assert chapters["ch15"].title.text == "Chapter fifteen"
    assert chapters["ch14"].title.text != "Chapter fifteen"


def _untranslate_keras(book: Path, zh_text: str | None = None) -> None:
    """The Keras autodiff item loses its English; optionally its Chinese changes too."""
    edit_yaml(book / "en" / "ch14.yaml", "text: Supports automatic differentiation.\n", 'text: ""\n')
    if zh_text is not None:
        edit_yaml(
            book / "zh" / "ch14.yaml",
            "autodiff: 支持自动求导。\n              fast",
            f"autodiff: {zh_text}\n              fast",
        )


@pytest.mark.parametrize(
    ("zh_text", "score", "kind"), [(None, 100, "exact"), ("完全支持自动求导。", 88, "fuzzy")]
)
def test_a_suggestion_is_offered_fuzzy_and_never_imported_as_translated(
    book: Path, zh_text: str | None, score: int, kind: str
) -> None:
    _untranslate_keras(book, zh_text)
    msg = next(m for m in catalog_of(export(book)) if m.context == KERAS)
    assert msg.fuzzy and msg.string == "Supports automatic differentiation."
    assert any(
        c.startswith(f"suggestion: {score}% {kind} match with ch14:profiles.") for c in msg.auto_comments
    )
    before = snapshot(book)
    done = po_import(book, book.parent / "ch14.po")  # the translator did not look at it
    assert done.returncode == 0, done.stderr
    assert "1 unfinished (fuzzy) entry left out" in done.stdout
    assert snapshot(book) == before  # still untranslated
    plain = next(m for m in catalog_of(export(book, "--no-suggestions")) if m.context == KERAS)
    assert plain.string == "" and not any(c.startswith("suggestion") for c in plain.auto_comments)


def test_nothing_similar_enough_gives_no_suggestion(book: Path) -> None:
    _untranslate_keras(book, "这是一个完全不同的句子。")
    msg = next(m for m in catalog_of(export(book)) if m.context == KERAS)
    assert msg.string == "" and not any(c.startswith("suggestion") for c in msg.auto_comments)


def test_a_msgstr_with_broken_tags_is_refused(book: Path) -> None:
    cat = catalog_of(export(book))
    next(m for m in cat if m.context == "title").string = "A changed title"
    next(m for m in cat if m.context == UNIT).string = "Suited to <b>feed-forward networks."
    path = write(book, cat)
    before = snapshot(book)
    done = po_import(book, path)
    assert done.returncode == 2, done.stderr
    assert f"{UNIT}: msgstr: <b> is not closed (</b> is missing)" in done.stderr
    assert snapshot(book) == before


def test_a_file_for_another_language_is_refused(book: Path) -> None:
    export(book)
    done = po_import(book, book.parent / "ch14.po", "--lang", "zh")
    assert done.returncode == 2 and "is a translation into 'en', not 'zh'" in done.stderr


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
    done = po_import(book, path)
    assert done.returncode == 2 and "broken.po:" in done.stderr and "Traceback" not in done.stderr
    assert snapshot(book) == before


def test_the_readme_pofilter_line_quiets_the_tests_that_do_not_suit_chinese(book: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    line = next(x for x in readme.splitlines() if x.startswith("pofilter "))
    args = line.split("#")[0].split()[1:]
    export(book)
    out = book.parent / "report.po"
    args = [a.replace("ch14.po", str(book.parent / "ch14.po")).replace("report.po", str(out)) for a in args]
    done = subprocess.run([str(TOOLKIT / "pofilter"), *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    report = out.read_text(encoding="utf-8") if out.exists() else ""
    for test in ("startcaps", "endpunc", "simplecaps", "sentencecount", "brackets"):
        assert f"(pofilter) {test}:" not in report
    assert "(pofilter) numbers:" in report  # real findings still come through ("9" / "nine")


def test_a_msgstr_that_refers_to_nothing_is_refused(book: Path) -> None:
    # the sources would no longer load: refused, about the PO file, and nothing is written
    cat = catalog_of(export(book))
    next(m for m in cat if m.context == UNIT).string = 'Suited to feed-forward networks, see <ref to="nowhere"/>.'
    path = write(book, cat)
    before = snapshot(book)
    done = pipeline("po", "import", "--sources", str(book), str(path), cwd=book.parent)
    assert done.returncode == 2, done.stderr
    assert f"{UNIT}: msgstr: <ref to=\"nowhere\"/> names nothing its source text refers to" in done.stderr
    assert snapshot(book) == before
