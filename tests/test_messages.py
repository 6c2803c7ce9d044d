"""Issue 16: error messages that say what to do, and commands that do what people try.

Each case runs the command line in-process on a copy of the shipped sources, as a new user
would meet it, and pins the exact message.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from checkutil import line_of, mutate
from hostileutil import BOOK, EN, ZH, Run, copy_sources, run_cli

from pipeline.model import fingerprint

NOTHING_DONE = "pipeline: 1 problem in the sources; nothing was done"
# book.yaml and two chapter files; the waiver is the editor's note on MXNet (ignore: numbers)
CLEAN = "pipeline check: clean (4 files checked, 1 waived)"


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
# the first item of Caffe's pros, in the English edition (a unit mapping) and its fingerprint line
FEEDFORWARD = "                text: Suited to feed-forward networks and image-processing tasks.\n"
FEEDFORWARD_SOURCE = "                source: 6f178881\n"


def test_a_misspelt_field_is_named_with_the_field_it_should_be(root: Path, cli) -> None:
    line = mutate(root, EN, FEEDFORWARD, FEEDFORWARD.replace("text:", "txet:"))
    out = cli("check")
    assert out.status == 2
    assert out.err.splitlines() == [
        f"sources/en/ch14.yaml:{line}:17: profiles.caffe.pros.feedforward.text: missing required field "
        "('txet' misspelt?)",
        f"sources/en/ch14.yaml:{line}:17: profiles.caffe.pros.feedforward.txet: unknown field; "
        "did you mean 'text'? (expected one of: comment, ignore, source, text)",
        "pipeline: 2 problems in the sources; nothing was done",
    ]


def test_a_misspelt_block_option_is_named_with_the_option_it_should_be(root: Path, cli) -> None:
    line = mutate(root, EN, "            style: pros\n", "            stlye: pros\n")
    assert cli("check").err.splitlines() == [
        f"sources/en/ch14.yaml:{line}:13: profiles.caffe.pros.stlye: unknown field; did you mean 'style'? "
        "(expected one of: list, style)",
        NOTHING_DONE,
    ]


KINDS = (
    "a block is a paragraph (text) or has one of: section, list, table, callout, quote, code, figure, math"
)


@pytest.mark.parametrize(
    ("old", "new", "where", "col", "message"),
    [
        (
            "            list:\n              feedforward:",
            "            lsit:\n              feedforward:",
            "profiles.caffe.pros.lsit",
            13,
            f"unknown field; did you mean 'list'? ({KINDS})",
        ),
        (
            "        section:\n          text: Caffe\n",
            "        sectoin:\n          text: Caffe\n",
            "profiles.caffe.sectoin",
            9,
            f"unknown field; did you mean 'section'? ({KINDS})",
        ),
        (
            "    text: In 2006",
            "    txet: In 2006",
            "revival.txet",
            5,
            f"unknown field; did you mean 'text'? ({KINDS})",
        ),
    ],
)
def test_a_misspelt_block_kind_is_named_with_the_kind_it_should_be(
    root: Path, cli, old: str, new: str, where: str, col: int, message: str
) -> None:
    # without its kind key (list:, section:) or text:, a block has no kind; the misspelt key is named
    line = mutate(root, EN, old, new)
    assert cli("check").err.splitlines() == [
        f"sources/en/ch14.yaml:{line}:{col}: {where}: {message}",
        NOTHING_DONE,
    ]


def test_an_unknown_field_with_nothing_close_gets_no_guess(root: Path, cli) -> None:
    line = mutate(root, ZH, "\nbody:\n", "\nextra: 1\nbody:\n") + 1
    assert cli("check").err.splitlines()[0] == (
        f"sources/zh/ch14.yaml:{line}:1: extra: unknown field "
        "(expected one of: body, chapter, edition, footnotes, title)"
    )


def test_an_under_indented_unit_field_is_not_taken_for_an_id(root: Path, cli) -> None:
    line = mutate(root, EN, FEEDFORWARD_SOURCE, "              source: 6f178881\n")
    out = cli("check")
    assert out.status == 2
    assert out.err.splitlines() == [
        f"sources/en/ch14.yaml:{line}:15: profiles.caffe.pros.source: 'source:' looks like a unit's field "
        "that is not indented under its unit; indent it as far as the 'text:' of 'feedforward'",
        NOTHING_DONE,
    ]


def test_an_under_indented_unit_field_among_blocks(root: Path, cli) -> None:
    line = mutate(root, EN, "    source: 86b37c34\n", "  source: 86b37c34\n")
    assert cli("check").err.splitlines() == [
        f"sources/en/ch14.yaml:{line}:3: source: 'source:' looks like a unit's field that is not indented "
        "under its unit; indent it as far as the 'text:' of 'revival'",
        NOTHING_DONE,
    ]


def test_an_under_indented_field_after_a_plain_unit(root: Path, cli) -> None:
    line = mutate(
        root,
        ZH,
        "              fine-tuning: 适合",
        "              comment: 注释\n              fine-tuning: 适合",
    )
    assert cli("check").err.splitlines()[0] == (
        f"sources/zh/ch14.yaml:{line}:15: profiles.caffe.pros.comment: 'comment:' looks like a unit's field "
        "that is not indented under its unit; write 'feedforward' as a mapping with 'text:' and indent "
        "'comment:' as far as 'text:'"
    )


def test_a_misspelt_id_is_matched_with_the_other_edition(root: Path, cli) -> None:
    line = mutate(root, EN, "              fine-tuning:\n", "              fine-tunning:\n")
    zh_line = line_of(root, ZH, "              fine-tuning:")
    # the twins are Caffe's pros lists (a mapping starts at its first key)
    zh_pros, en_pros = (line_of(root, rel, "            style: pros") for rel in (ZH, EN))
    out = cli("check")
    assert out.status == 1
    assert out.out.splitlines()[:2] == [
        f"sources/en/ch14.yaml:{line + 1}:17: error missing-id: the list item profiles.caffe.pros.fine-tunning "
        "is in the en edition but not in zh (sources/zh/ch14.yaml); did you mean "
        f"profiles.caffe.pros.fine-tuning? (twin: sources/zh/ch14.yaml:{zh_pros}:13)",
        f"sources/zh/ch14.yaml:{zh_line}:28: error missing-id: the list item profiles.caffe.pros.fine-tuning "
        "is in the zh edition but not in en (sources/en/ch14.yaml); did you mean "
        f"profiles.caffe.pros.fine-tunning? (twin: sources/en/ch14.yaml:{en_pros}:13)",
    ]


def test_two_files_with_one_chapter_number(root: Path, cli) -> None:
    for rel in (EN, ZH):
        (root / rel.replace("ch14", "ch15")).write_bytes((root / rel).read_bytes())
    out = cli("check")
    assert out.status == 2
    assert out.err.splitlines() == [
        "sources/en/ch15.yaml:3:10: chapter: chapter 14 again (as in sources/en/ch14.yaml:3:10); "
        "give each chapter its own number",
        "sources/zh/ch15.yaml:3:10: chapter: chapter 14 again (as in sources/zh/ch14.yaml:3:10); "
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
def syntax_error(cli, line: int, col: int, message: str, source: str, caret: str, rel: str = EN) -> None:
    out = cli("check")
    assert out.status == 2
    gutter = " " * len(str(line))
    assert out.err.splitlines() == [
        f"{rel}:{line}:{col}: YAML syntax error: {message}",
        f" {line} | {source}",
        f" {gutter} | {caret}",
        NOTHING_DONE,
    ]


def test_a_colon_in_english_text(root: Path, cli) -> None:
    line = mutate(root, EN, FEEDFORWARD, FEEDFORWARD.replace("Suited to", "Suited to:"))
    syntax_error(
        cli,
        line,
        32,
        'a colon followed by a space inside unquoted text; put the whole text in double quotes: text: "…"',
        FEEDFORWARD.replace("Suited to", "Suited to:").rstrip(),
        " " * 31 + "^",
    )


def test_a_short_text_with_a_colon_is_shown_quoted(root: Path, cli) -> None:
    line = mutate(root, EN, FEEDFORWARD, "                text: Caffe: a framework\n")
    syntax_error(
        cli,
        line,
        28,
        "a colon followed by a space inside unquoted text; put the whole text in double quotes: "
        'text: "Caffe: a framework"',
        "                text: Caffe: a framework",
        " " * 27 + "^",
    )


def test_the_caret_stands_under_the_character_after_wide_ones(root: Path, cli) -> None:
    line = mutate(root, BOOK, "    author: 魏秀参", "    author: 魏: 秀参")
    out = cli("check")
    assert out.err.splitlines()[0].startswith(f"sources/book.yaml:{line}:14: ")
    # 魏 takes two columns on a terminal: the caret stands under the colon after it
    assert out.err.splitlines()[1:3] == [f" {line} |     author: 魏: 秀参", "    |               ^"]


def test_an_unclosed_quote_is_reported_where_it_opened(root: Path, cli) -> None:
    # the last text of the chapter: nothing below closes it, libyaml reports the end of the file
    line = mutate(root, EN, "                text: Training code", '                text: "Training code')
    syntax_error(
        cli,
        line,
        23,
        'the quote (") opened here is never closed; end the text with "',
        '                text: "Training code usually has to be written by hand, and relatively little is '
        "plug-and-play.",
        " " * 22 + "^",
    )


def test_a_quote_closed_by_the_next_quoted_text(root: Path, cli) -> None:
    line = mutate(root, BOOK, '原理与视觉实践》"\n', "原理与视觉实践》\n")
    next_quote = line_of(root, BOOK, '      text: "This handout')
    out = cli("check")
    assert out.err.splitlines()[0] == (
        f'sources/book.yaml:{line}:13: YAML syntax error: the quote (") opened here is not closed on its '
        f'line: YAML reads on to the " at line {next_quote}, column 13; end the text with "'
    )
    # in a chapter: the next quoted text is the editor's note on MXNet
    mutate(root, BOOK, "原理与视觉实践》\n", '原理与视觉实践》"\n')
    line = mutate(root, EN, FEEDFORWARD, FEEDFORWARD.replace("text: ", 'text: "'))
    next_quote = line_of(root, EN, '                text: "The book says')
    assert cli("check").err.splitlines()[0] == (
        f'sources/en/ch14.yaml:{line}:23: YAML syntax error: the quote (") opened here is not closed on its '
        f'line: YAML reads on to the " at line {next_quote}, column 23; end the text with "'
    )


def test_an_over_indented_text_is_reported_on_its_own_line(root: Path, cli) -> None:
    line = mutate(root, EN, FEEDFORWARD, "  " + FEEDFORWARD)
    syntax_error(
        cli,
        line,
        19,
        "'text:' is indented 18 spaces, 'source:' below it on line "
        f"{line + 1} only 16: indent the keys of one mapping alike",
        "  " + FEEDFORWARD.rstrip(),
        " " * 18 + "^",
    )


def test_an_over_indented_source_after_a_text(root: Path, cli) -> None:
    line = mutate(root, EN, FEEDFORWARD_SOURCE, "  " + FEEDFORWARD_SOURCE)
    syntax_error(
        cli,
        line,
        19,
        f"'source:' is indented more than 'text:' on line {line - 1}, so YAML reads it as more of that text; "
        "indent it as far as 'text:'",
        "                  source: 6f178881",
        " " * 18 + "^",
    )


@pytest.mark.parametrize(
    ("old", "new", "col"),
    [
        ("chapter: 14\n", "\tchapter: 14\n", 1),
        # a nested key: libyaml says "found a tab character that violates indentation"
        ("    source: 86b37c34\n", "\tsource: 86b37c34\n", 1),
        (FEEDFORWARD_SOURCE, "\t\t" + FEEDFORWARD_SOURCE.lstrip(), 1),
        ("    text: In 2006,", "  \ttext: In 2006,", 3),
    ],
)
def test_a_tab_in_the_indentation(root: Path, cli, old: str, new: str, col: int) -> None:
    line = mutate(root, EN, old, new)
    shown = (root / EN).read_text(encoding="utf-8").splitlines()[line - 1]
    syntax_error(
        cli, line, col, "a tab in the indentation; indent with spaces only", shown, " " * (col - 1) + "^"
    )


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
        "pipeline check: 1 error, 0 warnings, 1 waived in 4 files",
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
        ("Science</i> 上", "Science</i>上", "cjk-spacing", "no space between Latin text and Han; write one"),
        ("Hinton 和", "Hinton和", "cjk-spacing", "no space between Latin text and Han; write one"),
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


STALE_ZH = ("feedforward: 适用于前馈网络和图像处理任务。", "feedforward: 非常适用于前馈网络和图像处理任务。")
NEW_PRINT = fingerprint("非常适用于前馈网络和图像处理任务。")


def test_the_stale_message_suggests_one_command(root: Path, cli) -> None:
    zh_line = mutate(root, ZH, *STALE_ZH)
    out = cli("check", "--rule", "stale")
    assert out.out.splitlines()[0].endswith(
        f"review it and run `pipeline stamp profiles.caffe.pros.feedforward` (twin: sources/zh/ch14.yaml:{zh_line}:28)"
    )
    # without a fingerprint: the same command
    path = root / EN
    path.write_text(path.read_text(encoding="utf-8").replace(FEEDFORWARD_SOURCE, ""), encoding="utf-8")
    out = cli("check", "--rule", "stale")
    assert out.out.splitlines()[0].split(": error stale: ")[1] == (
        "no fingerprint of the zh text; review it and run `pipeline stamp profiles.caffe.pros.feedforward` "
        f"(twin: sources/zh/ch14.yaml:{zh_line}:28)"
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
    line = line_of(root, EN, FEEDFORWARD_SOURCE)
    out = cli("stamp", "profiles.caffe.pros.feedforward")
    assert (out.status, out.err) == (0, "")
    assert out.out.splitlines() == [
        f"sources/en/ch14.yaml:{line - 1}:23: stamped profiles.caffe.pros.feedforward (6f178881 -> {NEW_PRINT})",
        "pipeline stamp: 1 fingerprint updated",
    ]


def test_check_accept_reports_with_the_check(root: Path, cli) -> None:
    mutate(root, ZH, *STALE_ZH)
    line = line_of(root, EN, FEEDFORWARD_SOURCE)
    out = cli("check", "--accept", "profiles.caffe.pros.feedforward")
    assert (out.status, out.err) == (0, "")
    assert out.out.splitlines() == [
        f"sources/en/ch14.yaml:{line - 1}:23: accepted profiles.caffe.pros.feedforward (6f178881 -> {NEW_PRINT})",
        CLEAN,
    ]


# -- running commands: check FILE, export --out, --lang ------------------------------------------
def test_check_only_the_chapters_of_the_files_named(root: Path, cli) -> None:
    # a second chapter with a finding, that `check sources/en/ch14.yaml` must leave out
    for rel in (EN, ZH):
        text = (root / rel).read_text(encoding="utf-8").replace("\nchapter: 14\n", "\nchapter: 15\n")
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
        assert (out.status, out.out) == (0, CLEAN + "\n")
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


@pytest.mark.parametrize(
    ("name", "magic"), [("h.pdf", b"%PDF-"), ("h.docx", b"PK"), ("h.md", b"---\ntitle: ")]
)
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
    # Markdown with its front matter, then the chapter's title
    assert out.out.startswith('---\ntitle: "An Introduction to Open-Source Deep Learning Tools"\n')
    assert "\n---\n\n# An Introduction to Open-Source Deep Learning Tools\n" in out.out
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
FEED_EN = "text: Suited to feed-forward networks and image-processing tasks."
TROUBLES = [
    (EN, FEED_EN, FEED_EN.replace("Suited to", "Suited to:"), ("check",)),
    # the last text of the chapter: no quote below closes it
    (EN, "text: Training code", 'text: "Training code', ("check",)),
    (EN, FEEDFORWARD_SOURCE, "              source: 6f178881\n", ("check",)),
    (EN, FEEDFORWARD_SOURCE, "                  source: 6f178881\n", ("check",)),
    (EN, "            style: pros\n", "            stlye: pros\n", ("check",)),
    (EN, "              fine-tuning:\n", "              fine-tunning:\n", ("check",)),
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
    line = mutate(root, EN, "            source: 38084d30\n", "          source: 38084d30\n")
    out = cli("check")
    assert out.err.splitlines() == [
        f"sources/en/ch14.yaml:{line}:11: comparison.frameworks.columns.source: 'source:' looks like a unit's "
        "field that is not indented under its unit; indent it as far as the 'text:' of 'developer'",
        NOTHING_DONE,
    ]


def test_a_misspelt_chapter(root: Path, cli) -> None:
    out = cli("export", "--lang", "en", "--format", "md", "--chapter", "ch41")
    assert out.err == "pipeline: error: no chapter 'ch41' in sources; did you mean 'ch14'?\n"


def test_a_text_wrapped_onto_a_line_without_indentation(root: Path, cli) -> None:
    line = (
        mutate(root, EN, " and image-processing tasks.\n", "\n              and image-processing tasks.\n")
        + 1
    )
    syntax_error(
        cli,
        line,
        15,
        "a line of text where a key was expected; if it continues the text of 'text:', indent it more than "
        "'text:' (or join it to the line above)",
        "              and image-processing tasks.",
        " " * 14 + "^",
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
    assert out.status == 0 and out.out.splitlines()[-1] == CLEAN
    only_files = cli("check", "--accept", "sources/en/ch14.yaml")
    assert only_files.err == "pipeline: error: give the ids of the reviewed units to --accept\n"


def test_po_export_out_dash_is_standard_output(root: Path, cli) -> None:
    out = cli("po", "export", "--out", "-")
    assert out.status == 0 and 'msgctxt "profiles.caffe.pros.feedforward"' in out.out
    assert not (root / "-").exists()
