"""Issue 16: error messages that say what to do, and commands that do what people try.

Each case runs the command line in-process on a copy of the shipped sources, as a new user
would meet it, and pins the exact message.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from checkutil import line_of, mutate
from hostileutil import EN, ZH, Run, copy_sources, run_cli

from pipeline.model import fingerprint

NOTHING_DONE = "pipeline: 1 problem in the sources; nothing was done"


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder holding a copy of the sources; the working directory."""
    copy_sources(tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]):
    def run(*args: str) -> Run:
        return run_cli(list(args), capsys)

    return run


# -- writing sources: typos and misplaced fields ------------------------------------------------
def test_a_misspelt_field_is_named_with_the_field_it_should_be(root: Path, cli) -> None:
    line = line_of(root, EN, "  caffe:\n    description:\n")
    pros = mutate(root, EN, "    pros:\n      feedforward:", "    prso:\n      feedforward:")
    out = cli("check")
    assert out.status == 2
    assert out.err.splitlines() == [
        f"sources/en/ch14.yaml:{line + 1}:5: profiles.caffe.pros: missing required field ('prso' misspelt?)",
        f"sources/en/ch14.yaml:{pros}:5: profiles.caffe.prso: unknown field; did you mean 'pros'? "
        "(expected one of: cons, description, editor-note, pros)",
        "pipeline: 2 problems in the sources; nothing was done",
    ]


def test_an_unknown_field_with_nothing_close_gets_no_guess(root: Path, cli) -> None:
    line = mutate(root, ZH, "introduction:\n", "extra: 1\nintroduction:\n")
    assert cli("check").err.splitlines()[0] == (
        f"sources/zh/ch14.yaml:{line}:1: extra: unknown field "
        "(expected one of: introduction, meta, profiles, profiles-title, table)"
    )


def test_an_under_indented_unit_field_is_not_taken_for_an_id(root: Path, cli) -> None:
    line = mutate(root, EN, "        source: 7184ca93\n", "      source: 7184ca93\n")
    out = cli("check")
    assert out.status == 2
    assert out.err.splitlines() == [
        f"sources/en/ch14.yaml:{line}:7: profiles.caffe.pros.source: 'source:' looks like a unit's field "
        "that is not indented under its unit; indent it as far as the 'text:' of 'feedforward'",
        NOTHING_DONE,
    ]


def test_an_under_indented_field_after_a_plain_unit(root: Path, cli) -> None:
    line = mutate(root, ZH, "      fine-tuning: 便于", "      comment: 注释\n      fine-tuning: 便于")
    assert cli("check").err.splitlines()[0] == (
        f"sources/zh/ch14.yaml:{line}:7: profiles.caffe.pros.comment: 'comment:' looks like a unit's field "
        "that is not indented under its unit; write 'feedforward' as a mapping with 'text:' and indent "
        "'comment:' as far as 'text:'"
    )


def test_a_misspelt_id_is_matched_with_the_other_edition(root: Path, cli) -> None:
    line = mutate(root, EN, "      fine-tuning:\n", "      fine-tunning:\n")
    zh_line = line_of(root, ZH, "      fine-tuning:")
    # the twins are the profiles (a mapping starts at its first key)
    zh_caffe, en_caffe = (line_of(root, rel, "  caffe:\n    description:") + 1 for rel in (ZH, EN))
    out = cli("check")
    assert out.status == 1
    assert out.out.splitlines()[:2] == [
        f"sources/en/ch14.yaml:{line + 1}:15: error missing-id: profiles.caffe.pros.fine-tunning is in the "
        "en edition but not in zh (sources/zh/ch14.yaml); did you mean 'profiles.caffe.pros.fine-tuning' "
        f"(in zh)? (twin: sources/zh/ch14.yaml:{zh_caffe}:5)",
        f"sources/zh/ch14.yaml:{zh_line}:20: error missing-id: profiles.caffe.pros.fine-tuning is in the "
        "zh edition but not in en (sources/en/ch14.yaml); did you mean 'profiles.caffe.pros.fine-tunning' "
        f"(in en)? (twin: sources/en/ch14.yaml:{en_caffe}:5)",
    ]


def test_two_files_with_one_chapter_number(root: Path, cli) -> None:
    for rel in (EN, ZH):
        (root / rel.replace("ch14", "ch15")).write_bytes((root / rel).read_bytes())
    out = cli("check")
    assert out.status == 2
    assert out.err.splitlines() == [
        "sources/en/ch15.yaml:4:12: meta.chapter: chapter 14 again (as in sources/en/ch14.yaml:4:12); "
        "give each chapter its own number",
        "sources/zh/ch15.yaml:4:12: meta.chapter: chapter 14 again (as in sources/zh/ch14.yaml:4:12); "
        "give each chapter its own number",
        "pipeline: 2 problems in the sources; nothing was done",
    ]


# -- running commands: typos on the command line ------------------------------------------------
@pytest.mark.parametrize("option", ["--rule", "--skip"])
def test_a_misspelt_rule(root: Path, cli, option: str) -> None:
    out = cli("check", option, "nubmers")
    assert out.status == 2
    assert (
        out.err
        == "pipeline: error: unknown rule 'nubmers'; did you mean 'numbers'? (see `pipeline check --list`)\n"
    )


@pytest.mark.parametrize(
    "args",
    [
        ("stamp", "profiles.caffe.pros.feedforwrd"),
        ("check", "--accept", "profiles.caffe.pros.feedforwrd"),
    ],
)
def test_a_misspelt_unit_id(root: Path, cli, args: tuple[str, ...]) -> None:
    out = cli(*args)
    assert out.status == 2
    assert out.err == (
        "pipeline: error: no translation unit 'profiles.caffe.pros.feedforwrd'; "
        "did you mean 'profiles.caffe.pros.feedforward'?\n"
    )


def test_misspelt_ids_with_a_chapter_and_a_wildcard(root: Path, cli) -> None:
    out = cli("stamp", "ch14:profiles.caffe.pros.feedforwrd", "profiles.nope.*")
    assert out.err == (
        "pipeline: error: no translation unit 'ch14:profiles.caffe.pros.feedforwrd'; did you mean "
        "'ch14:profiles.caffe.pros.feedforward'?, 'profiles.nope.*' (ids look like "
        "profiles.caffe.pros.feedforward, optionally prefixed by the chapter: ch14:...)\n"
    )


# -- writing sources: YAML syntax errors that say what to do, with the line and a caret ---------
FEEDFORWARD = "        text: Well suited to feed-forward networks and image processing.\n"


def syntax_error(cli, line: int, col: int, message: str, source: str, caret: str) -> None:
    out = cli("check")
    assert out.status == 2
    gutter = " " * len(str(line))
    assert out.err.splitlines() == [
        f"sources/en/ch14.yaml:{line}:{col}: YAML syntax error: {message}",
        f" {line} | {source}",
        f" {gutter} | {caret}",
        NOTHING_DONE,
    ]


def test_a_colon_in_english_text(root: Path, cli) -> None:
    line = mutate(root, EN, FEEDFORWARD, FEEDFORWARD.replace("suited to", "suited to:"))
    syntax_error(
        cli,
        line,
        29,
        'a colon followed by a space inside unquoted text; put the whole text in double quotes: text: "…"',
        FEEDFORWARD.replace("suited to", "suited to:").rstrip(),
        " " * 28 + "^",
    )


def test_a_short_text_with_a_colon_is_shown_quoted(root: Path, cli) -> None:
    line = mutate(root, EN, FEEDFORWARD, "        text: Caffe: a framework\n")
    syntax_error(
        cli,
        line,
        20,
        "a colon followed by a space inside unquoted text; put the whole text in double quotes: "
        'text: "Caffe: a framework"',
        "        text: Caffe: a framework",
        " " * 19 + "^",
    )


def test_the_caret_stands_under_the_character_after_wide_ones(root: Path, cli) -> None:
    line = mutate(root, ZH, "  author: 魏秀参", "  author: 魏: 秀参")
    out = cli("check")
    assert out.err.splitlines()[1:3] == [f" {line} |   author: 魏: 秀参", "   |             ^"]


def test_an_unclosed_quote_is_reported_where_it_opened(root: Path, cli) -> None:
    # nothing below closes it: libyaml reports the end of the file
    line = mutate(
        root, EN, FEEDFORWARD, '        text: "Well suited to feed-forward networks and image processing.\n'
    )
    syntax_error(
        cli,
        line,
        15,
        'the quote (") opened here is never closed; end the text with "',
        '        text: "Well suited to feed-forward networks and image processing.',
        " " * 14 + "^",
    )


def test_a_quote_closed_by_the_next_quoted_text(root: Path, cli) -> None:
    line = mutate(root, EN, '原理与视觉实践》"\n', "原理与视觉实践》\n")
    next_quote = line_of(root, EN, '    text: "This handout')
    out = cli("check")
    assert out.err.splitlines()[0] == (
        f'sources/en/ch14.yaml:{line}:11: YAML syntax error: the quote (") opened here is not closed on its '
        f'line: YAML reads on to the " at line {next_quote}, column 11; end the text with "'
    )


def test_an_over_indented_text_is_reported_on_its_own_line(root: Path, cli) -> None:
    line = mutate(root, EN, FEEDFORWARD, "  " + FEEDFORWARD)
    syntax_error(
        cli,
        line,
        11,
        "'text:' is indented 10 spaces, 'source:' below it on line "
        f"{line + 1} only 8: indent the keys of one mapping alike",
        "  " + FEEDFORWARD.rstrip(),
        " " * 10 + "^",
    )


def test_an_over_indented_source_after_a_text(root: Path, cli) -> None:
    line = mutate(root, EN, "        source: 7184ca93\n", "          source: 7184ca93\n")
    syntax_error(
        cli,
        line,
        11,
        f"'source:' is indented more than 'text:' on line {line - 1}, so YAML reads it as more of that text; "
        "indent it as far as 'text:'",
        "          source: 7184ca93",
        " " * 10 + "^",
    )


def test_a_tab_in_the_indentation(root: Path, cli) -> None:
    line = mutate(root, EN, "  chapter: 14", "\tchapter: 14")
    syntax_error(cli, line, 1, "a tab in the indentation; indent with spaces only", "\tchapter: 14", "^")


# -- checking: every finding says what to write instead ---------------------------------------


def test_full_width_digits_are_reported_as_such(root: Path, cli) -> None:
    line = mutate(root, ZH, "到了 2012 年", "到了 ２０１２ 年")
    col = (root / ZH).read_text(encoding="utf-8").splitlines()[line - 1].index("２０１２") + 1
    en_line = line_of(root, EN, "  revival:") + 1
    out = cli("check", "--rule", "numbers")
    assert out.status == 1
    assert out.out.splitlines() == [
        f"sources/zh/ch14.yaml:{line}:{col}: error numbers: full-width digits '２０１２': write 2012 "
        f"(twin: sources/en/ch14.yaml:{en_line}:11)",
        "pipeline check: 1 error, 0 warnings in 3 files",
    ]


def test_full_width_digits_in_a_translation(root: Path, cli) -> None:
    line = mutate(root, EN, "In 2006, Hinton", "In ２００６, Hinton")
    zh_line = line_of(root, ZH, "  revival:")
    out = cli("check", "--rule", "numbers")
    assert out.out.splitlines()[0] == (
        f"sources/en/ch14.yaml:{line}:14: error numbers: full-width digits '２００６': write 2006 "
        f"(twin: sources/zh/ch14.yaml:{zh_line}:12)"
    )


@pytest.mark.parametrize(
    ("old", "new", "rule", "message"),
    [
        (", AlexNet", "，AlexNet", "fullwidth-punct", "full-width '，' (U+FF0C) in en text; write ','"),
        (", AlexNet", "、AlexNet", "fullwidth-punct", "full-width '、' (U+3001) in en text; write ','"),
        ("In 2006, Hinton", "In 2006,  Hinton", "whitespace", "doubled space; write one"),
        ("In 2006, Hinton", "In 2006, (Hinton", "brackets", "'(' is never closed; close it with ')'"),
        (
            "In 2006, Hinton",
            "In 2006, Hinton)",
            "brackets",
            "')' closes nothing; remove it or open it with '('",
        ),
    ],
)
def test_english_typography_says_what_to_write(
    root: Path, cli, old: str, new: str, rule: str, message: str
) -> None:
    mutate(root, EN, old, new)
    out = cli("check", "--rule", rule)
    assert out.status == 1
    assert out.out.splitlines()[0].split(f": error {rule}: ")[1] == message


@pytest.mark.parametrize(
    ("old", "new", "rule", "message"),
    [
        ("的论文，", "的论文,", "halfwidth-punct", "half-width ',' in zh prose; write '，'"),
        ("Science 上", "Science上", "cjk-spacing", "no space between Latin text and Han; write one"),
        ("2006 年，", "2006 年 ，", "cjk-spacing", "space next to full-width punctuation; remove it"),
    ],
)
def test_chinese_typography_says_what_to_write(
    root: Path, cli, old: str, new: str, rule: str, message: str
) -> None:
    mutate(root, ZH, old, new)
    out = cli("check", "--rule", rule)
    assert out.out.splitlines()[0].split(f": {'warning' if rule == 'cjk-spacing' else 'error'} {rule}: ")[
        1
    ] == (message)


# -- running commands: where the book is, and commands that run as printed --------------------
def test_the_book_is_found_from_a_folder_inside_the_project(root: Path, cli, monkeypatch) -> None:
    (root / "notes" / "drafts").mkdir(parents=True)
    monkeypatch.chdir(root / "notes" / "drafts")
    line = mutate(root, EN, "In 2006, Hinton", "In 2006,  Hinton")
    out = cli("check", "--rule", "whitespace")
    assert out.status == 1
    assert out.out.splitlines()[0].startswith(f"../../sources/en/ch14.yaml:{line}:")
    # handouts go to the project's exports/, beside its sources/
    assert cli("export", "--lang", "en", "--format", "md", "-q").status == 0
    assert (root / "exports" / "ch14.en.md").is_file() and not (
        root / "notes" / "drafts" / "exports"
    ).exists()


def test_no_book_here(tmp_path: Path, cli, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    for args in (("check",), ("stamp", "--all"), ("export", "--all"), ("po", "export")):
        out = cli(*args)
        assert (out.status, out.err) == (
            2,
            "pipeline: error: no book here: run inside a project or give --sources\n",
        )
    assert cli("check", "--list").status == 0  # the rule catalog needs no book


@pytest.mark.parametrize(
    ("args", "usage", "error"),
    [
        (
            ("check", "--fix"),
            "usage: pipeline check ",
            "pipeline check: error: unrecognized arguments: --fix",
        ),
        (
            ("po", "export", "--bogus"),
            "usage: pipeline po export ",
            "pipeline po export: error: unrecognized arguments: --bogus",
        ),
        (
            ("export", "--paper", "a3"),
            "usage: pipeline export ",
            "pipeline export: error: argument --paper: invalid choice: 'a3' (choose from 'a4', 'letter')",
        ),
    ],
)
def test_a_command_s_usage_errors_show_that_command_s_usage(
    root: Path, cli, args: tuple[str, ...], usage: str, error: str
) -> None:
    out = cli(*args)
    assert out.status == 2
    assert out.err.startswith(usage) and out.err.splitlines()[-1] == error


STALE_ZH = ("feedforward: 很适合前馈网络和图像处理。", "feedforward: 非常适合前馈网络和图像处理。")
NEW_PRINT = fingerprint("非常适合前馈网络和图像处理。")


def test_the_stale_message_suggests_one_command(root: Path, cli) -> None:
    zh_line = mutate(root, ZH, *STALE_ZH)
    out = cli("check", "--rule", "stale")
    assert out.out.splitlines()[0].endswith(
        f"review it and run `pipeline stamp profiles.caffe.pros.feedforward` (twin: sources/zh/ch14.yaml:{zh_line}:20)"
    )
    # without a fingerprint: the same command
    path = root / EN
    path.write_text(
        path.read_text(encoding="utf-8").replace("        source: 7184ca93\n", ""), encoding="utf-8"
    )
    out = cli("check", "--rule", "stale")
    assert out.out.splitlines()[0].split(": error stale: ")[1] == (
        "no fingerprint of the zh text; review it and run `pipeline stamp profiles.caffe.pros.feedforward` "
        f"(twin: sources/zh/ch14.yaml:{zh_line}:20)"
    )


def test_suggested_commands_name_the_sources_given(root: Path, cli, tmp_path_factory) -> None:
    mutate(root, ZH, *STALE_ZH)
    elsewhere = tmp_path_factory.mktemp("book with spaces")
    (root / "sources").rename(elsewhere / "sources")
    sources = str(elsewhere / "sources")
    out = cli("check", "--rule", "stale", "--sources", sources)
    assert (
        f"review it and run `pipeline stamp --sources '{sources}' profiles.caffe.pros.feedforward`" in out.out
    )
    # ... and it runs as printed
    assert cli("stamp", "--sources", sources, "profiles.caffe.pros.feedforward").status == 0
    assert cli("check", "--sources", sources).status == 0


def test_stamp_reports_on_standard_output(root: Path, cli) -> None:
    mutate(root, ZH, *STALE_ZH)
    line = line_of(root, EN, "        source: 7184ca93")
    out = cli("stamp", "profiles.caffe.pros.feedforward")
    assert (out.status, out.err) == (0, "")
    assert out.out.splitlines() == [
        f"sources/en/ch14.yaml:{line - 1}:15: stamped profiles.caffe.pros.feedforward (7184ca93 -> {NEW_PRINT})",
        "pipeline stamp: 1 fingerprint updated",
    ]


def test_check_accept_reports_with_the_check(root: Path, cli) -> None:
    mutate(root, ZH, *STALE_ZH)
    line = line_of(root, EN, "        source: 7184ca93")
    out = cli("check", "--accept", "profiles.caffe.pros.feedforward")
    assert (out.status, out.err) == (0, "")
    assert out.out.splitlines() == [
        f"sources/en/ch14.yaml:{line - 1}:15: accepted profiles.caffe.pros.feedforward (7184ca93 -> {NEW_PRINT})",
        "pipeline check: clean (3 files checked)",
    ]


# -- running commands: check FILE, export --out, --lang ------------------------------------------
def test_check_only_the_chapters_of_the_files_named(root: Path, cli) -> None:
    # a second chapter with a finding, that `check sources/en/ch14.yaml` must leave out
    for rel in (EN, ZH):
        text = (root / rel).read_text(encoding="utf-8").replace("  chapter: 14\n", "  chapter: 15\n")
        (root / rel.replace("ch14", "ch15")).write_text(
            text.replace("In 2006, Hinton", "In 2006,  Hinton"), encoding="utf-8"
        )
    (root / "sources" / "en" / "ch16.yaml").write_text("meta: [\n", encoding="utf-8")  # not even loaded
    for args in (
        ("sources/en/ch14.yaml",),
        ("sources/zh/ch14.yaml",),
        ("sources/en/ch14.yaml", "sources/zh/ch14.yaml"),
    ):
        out = cli("check", *args)
        assert (out.status, out.out) == (0, "pipeline check: clean (3 files checked)\n")
    out = cli("check", "sources/en/ch15.yaml", "--rule", "whitespace")
    assert out.status == 1 and out.out.splitlines()[0].startswith("sources/en/ch15.yaml:")


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("nope.yaml",), "nope.yaml: no such file"),
        (
            ("sources/book.yaml",),
            "sources/book.yaml is not a chapter file of the book in sources (chapter files are sources/LANG/NAME.yaml)",
        ),
    ],
)
def test_check_refuses_what_is_not_a_chapter_file(root: Path, cli, args: tuple[str, ...], error: str) -> None:
    out = cli("check", *args)
    assert (out.status, out.err) == (2, f"pipeline: error: {error}\n")


@pytest.mark.parametrize(("name", "magic"), [("h.pdf", b"%PDF-"), ("h.docx", b"PK"), ("h.md", b"# ")])
def test_the_format_follows_the_out_extension(root: Path, cli, name: str, magic: bytes) -> None:
    out = cli("export", "--lang", "en", "--out", name, "-q")
    assert out.status == 0, out.err
    assert (root / name).read_bytes().startswith(magic)


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (
            ("--format", "md", "--out", "h.pdf"),
            "--format md but --out h.pdf names a PDF file: give --out h.md, or leave out --format",
        ),
        (
            ("--out", "h.txt"),
            "cannot tell the format of --out h.txt: give --format, or end the name in .pdf, .docx or .md",
        ),
        ((), "give --lang and --format (or --out FILE.pdf, .docx or .md), or --all"),
    ],
)
def test_export_format_mistakes(root: Path, cli, args: tuple[str, ...], error: str) -> None:
    out = cli("export", "--lang", "en", *args)
    assert (out.status, out.err) == (2, f"pipeline: error: {error}\n")
    assert not list(root.glob("h.*"))


def test_out_dash_writes_markdown_to_standard_output(root: Path, cli) -> None:
    out = cli("export", "--lang", "EN", "--out", "-")
    assert out.status == 0 and out.err == ""
    assert out.out.startswith("# An Introduction to Open-Source Deep Learning Tools\n")
    assert not (root / "exports").exists() and not (root / "-").exists()


def test_out_dash_refuses_binary_on_a_terminal(root: Path, cli, monkeypatch) -> None:
    import sys

    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    out = cli("export", "--lang", "en", "--format", "pdf", "--out", "-")
    assert (out.status, out.out) == (2, "")
    assert out.err == (
        "pipeline: error: --out -: a PDF file is binary and standard output is a terminal; "
        "redirect it (> handout.pdf) or give --out handout.pdf\n"
    )


def test_out_dash_writes_binary_to_a_pipe(root: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "export", "--lang", "en", "--format", "pdf", "--out", "-"],
        cwd=root,
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0 and done.stdout.startswith(b"%PDF-") and done.stderr == b""


@pytest.mark.parametrize(
    ("lang", "error"),
    [
        ("ja", "unknown language 'ja' (known: zh, en)"),
        ("zh+JA", "unknown language 'ja' (known: zh, en)"),
        ("en+en", "--lang 'en+en': give one language or two joined by '+' (languages: zh, en)"),
        ("en+", "--lang 'en+': give one language or two joined by '+' (languages: zh, en)"),
    ],
)
def test_unknown_languages(root: Path, cli, lang: str, error: str) -> None:
    out = cli("export", "--lang", lang, "--format", "md")
    assert (out.status, out.err) == (2, f"pipeline: error: {error}\n")


def test_languages_in_any_case(root: Path, cli) -> None:
    assert cli("export", "--lang", "ZH+En", "--format", "md", "-q").status == 0
    assert (root / "exports" / "ch14.zh+en.md").is_file()
    assert cli("po", "export", "--lang", "EN").status == 0
    out = cli("po", "export", "--lang", "ja")
    assert (out.status, out.err) == (2, "pipeline: error: unknown translation language 'ja' (known: en)\n")


# -- the README's troubleshooting section shows what the toolkit says ---------------------------
FEED_EN = "text: Well suited to feed-forward networks and image processing."
TROUBLES = [
    (EN, FEED_EN, FEED_EN.replace("suited to", "suited to:"), ("check",)),
    (EN, FEED_EN, FEED_EN.replace("text: ", 'text: "'), ("check",)),
    (EN, "        source: 7184ca93\n", "      source: 7184ca93\n", ("check",)),
    (EN, "        source: 7184ca93\n", "          source: 7184ca93\n", ("check",)),
    (EN, "    pros:\n      feedforward:", "    prso:\n      feedforward:", ("check",)),
    (EN, "      fine-tuning:\n", "      fine-tunning:\n", ("check",)),
    (ZH, *STALE_ZH, ("check",)),
    (EN, "", "", ("check", "--rule", "nubmers")),
    (EN, "", "", ("stamp", "profiles.caffe.pros.feedforwrd")),
]


@pytest.mark.parametrize(("rel", "old", "new", "args"), TROUBLES)
def test_the_readme_troubleshooting_messages_are_true(
    root: Path, cli, rel: str, old: str, new: str, args: tuple[str, ...]
) -> None:
    from hostileutil import ROOT

    readme = [
        line.removeprefix("   ") for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    ]
    section = readme[readme.index("## Troubleshooting") : readme.index("## Hostile and broken input")]
    if old:
        mutate(root, rel, old, new)
    out = cli(*args)
    shown = [
        line
        for line in (out.out + out.err).splitlines()
        if not line.startswith("pipeline: ") or "error" in line
    ]
    assert [line for line in shown if line in section], out.out + out.err
    first = shown[0] if "missing required field" not in shown[0] else shown[1]
    assert first in section


def test_an_under_indented_field_of_a_table_heading(root: Path, cli) -> None:
    line = mutate(root, EN, "      source: 38084d30\n", "    source: 38084d30\n")
    out = cli("check")
    assert out.err.splitlines()[0] == (
        f"sources/en/ch14.yaml:{line}:5: table.criteria.source: 'source:' looks like a unit's field that is "
        "not indented under its unit; indent it as far as the 'text:' of 'developer'"
    )


def test_a_misspelt_chapter(root: Path, cli) -> None:
    out = cli("export", "--lang", "en", "--format", "md", "--chapter", "ch41")
    assert out.err == "pipeline: error: no chapter 'ch41' in sources; did you mean 'ch14'?\n"


def test_a_text_wrapped_onto_a_line_without_indentation(root: Path, cli) -> None:
    line = mutate(root, EN, " and image processing.\n", "\n      and image processing.\n") + 1
    syntax_error(
        cli,
        line,
        7,
        "a line of text where a key was expected; if it continues the text of 'text:', indent it more than "
        "'text:' (or join it to the line above)",
        "      and image processing.",
        " " * 6 + "^",
    )


def test_export_check_suggests_a_command_that_runs_as_printed(root: Path, cli, tmp_path_factory) -> None:
    elsewhere = tmp_path_factory.mktemp("book")
    (root / "sources").rename(elsewhere / "sources")
    sources = str(elsewhere / "sources")
    out = cli("export", "--sources", sources, "--lang", "en", "--format", "md", "--exports", "out", "--check")
    assert out.status == 1
    assert (
        out.err
        == f"out/ch14.en.md: out of date (run `pipeline export --sources {sources} --all --exports out`)\n"
    )
    assert cli("export", "--sources", sources, "--all", "--exports", "out", "-q").status == 0
    assert (
        cli(
            "export", "--sources", sources, "--lang", "en", "--format", "md", "--exports", "out", "--check"
        ).status
        == 0
    )
    refused = cli("export", "--lang", "en", "--out", "-", "--check", "--sources", sources)
    assert refused.err == "pipeline: error: --check compares files: give --out FILE, not --out -\n"


def test_accept_then_a_chapter_file(root: Path, cli) -> None:
    mutate(root, ZH, *STALE_ZH)
    out = cli("check", "--accept", "profiles.caffe.pros.feedforward", "sources/en/ch14.yaml")
    assert out.status == 0 and out.out.splitlines()[-1] == "pipeline check: clean (3 files checked)"
    only_files = cli("check", "--accept", "sources/en/ch14.yaml")
    assert only_files.err == "pipeline: error: give the ids of the reviewed units to --accept\n"


def test_po_export_out_dash_is_standard_output(root: Path, cli) -> None:
    out = cli("po", "export", "--out", "-")
    assert out.status == 0 and 'msgctxt "profiles.caffe.pros.feedforward"' in out.out
    assert not (root / "-").exists()
