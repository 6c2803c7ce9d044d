"""Every rule of `pipeline check`: quiet on the shipped sources and on a small book with every
block kind (tests/fixtures/check/blocks), and firing at the exact file and line when a copy of
one of them is mutated to break it."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from checkutil import (
    BEN,
    BLOCKS,
    BOOK,
    BZH,
    EN,
    GLOSSARY,
    SOURCES,
    ZH,
    column_of,
    copy_sources,
    line_of,
    mutate,
    mutate_re,
    remove_block,
    run_check,
    swap_blocks,
    where,
)

from pipeline.check.catalog import catalog
from pipeline.check.findings import Result
from pipeline.loader import load_book

Expected = list[tuple[str, int]]
FEEDFORWARD_EN = "text: Suited to feed-forward networks and image-processing tasks."
FEEDFORWARD_ZH = "feedforward: 适用于前馈网络和图像处理任务。"
INDENT = " " * 16  # of the fields of a pros/cons item in the shipped English chapter


@pytest.fixture(scope="module")
def clean() -> Result:
    return run_check(Path(__file__).resolve().parent.parent)


@pytest.fixture(scope="module")
def clean_blocks() -> Result:
    return check_book(BLOCKS)


def check_book(folder: Path) -> Result:
    from pipeline.check.engine import check

    return check(load_book(str(folder)))


@pytest.mark.parametrize("rule_id", list(catalog()))
def test_rule_is_quiet_on_the_shipped_sources(clean: Result, rule_id: str) -> None:
    assert [f for f in clean.findings if f.rule == rule_id] == []


@pytest.mark.parametrize("rule_id", list(catalog()))
def test_rule_is_quiet_on_every_block_kind(clean_blocks: Result, rule_id: str) -> None:
    assert [f for f in clean_blocks.findings if f.rule == rule_id] == []


def test_shipped_sources_are_clean_with_every_rule(clean: Result) -> None:
    assert clean.clean(strict=True), [str(f) for f in clean.findings]


def test_the_book_with_every_block_kind_is_clean(clean_blocks: Result) -> None:
    assert clean_blocks.clean(strict=True) and not clean_blocks.waived, [
        str(f) for f in clean_blocks.findings
    ]


# -- one mutation per rule -------------------------------------------------------------------
# Each case breaks a copy of the shipped sources (or, for names starting "b_", of the book with
# every block kind) and returns where the rule must fire.


def drop_line(root: Path, rel: str, start: str) -> int:
    """Delete the line that starts (after its indentation) with ``start``; returns its number."""
    return mutate_re(root, rel, rf"(?m)^ *{re.escape(start)}[^\n]*\n", "")


def twin_file(root: Path) -> Expected:
    (root / EN).unlink()
    return [(ZH, 1)]


def missing_id(root: Path) -> Expected:
    remove_block(root, EN, "              fine-tuning:\n")
    return [(ZH, line_of(root, ZH, "fine-tuning: "))]


def missing_section(root: Path) -> Expected:
    # a whole section missing is reported once, not once per block or unit under it
    remove_block(root, EN, "      keras:\n        section:\n")
    return [(ZH, line_of(root, ZH, "      keras:\n        section: Keras") + 1)]  # its first line


def b_missing_footnote(root: Path) -> Expected:
    drop_line(root, BEN, "kernel: {text: A kernel")
    mutate(root, BEN, '<fn to="kernel"/>', "")
    return [(BZH, line_of(root, BZH, "kernel: 卷积核"))]


def b_missing_callout_title(root: Path) -> Expected:
    drop_line(root, BEN, "title: {text: Tip")
    return [(BZH, line_of(root, BZH, "title: 提示"))]


def b_missing_callout(root: Path) -> Expected:
    remove_block(root, BEN, "      tip:\n")
    drop_line(root, BEN, "padding: {text: The padding")  # its only reference was in the callout
    return [(BZH, line_of(root, BZH, "callout: tip")), (BZH, line_of(root, BZH, "  padding: 填充的值"))]


def b_missing_attribution(root: Path) -> Expected:
    mutate_re(root, BEN, r", attribution: \{text: Anonymous, source: [0-9a-f]{8}\}", "")
    return [(BZH, line_of(root, BZH, "saying:"))]


def b_missing_note_url(root: Path) -> Expected:
    old = "b: {url: https://example.org/sizes}"
    line = mutate(root, BEN, old, "b: {text: See the website., source: 00000000}")
    return [(BZH, line_of(root, BZH, old)), (BEN, line)]  # the URL is in zh only, the text in en only


def missing_cell(root: Path) -> Expected:
    mutate(
        root,
        EN,
        "            pretrained: {flag: true, note: b}\n            cnn: true\n",
        "            pretrained: {flag: true, note: b}\n",
    )
    return [(ZH, line_of(root, ZH, "            cnn: true"))]


def b_missing_cell(root: Path) -> Expected:
    mutate(root, BEN, "size: 9, common: true}", "size: 9}")
    return [(BZH, line_of(root, BZH, "small: {"))]


def list_length(root: Path) -> Expected:
    remove_block(root, EN, "              fine-tuning:\n")
    return [(EN, line_of(root, EN, FEEDFORWARD_EN))]


def b_list_length_nested(root: Path) -> Expected:
    drop_line(root, BEN, "sum: {text: add up.")
    return [(BEN, line_of(root, BEN, "multiply:"))]


def b_list_length_rows(root: Path) -> Expected:
    drop_line(root, BEN, "large: {")
    return [(BEN, line_of(root, BEN, "small: {"))]


def order(root: Path) -> Expected:
    swap_blocks(root, EN, "              feedforward:\n", "              fine-tuning:\n")
    return [(EN, line_of(root, EN, "text: A good fit for fine-tuning"))]


def b_order_rows(root: Path) -> Expected:
    swap_blocks(
        root,
        BEN,
        "          small: {name: [3×3], size: 9, common: true}\n",
        "          large: {name: [5×5], size: 25, common: {flag: false, note: b}}\n",
    )
    return [(BEN, line_of(root, BEN, "large: {"))]


def b_order_blocks(root: Path) -> Expected:
    swap_blocks(root, BEN, "      deeper:\n", "      tip:\n")
    return [(BEN, line_of(root, BEN, "callout: tip"))]


def b_order_footnotes(root: Path) -> Expected:
    text = (root / BEN).read_text(encoding="utf-8")
    kernel, padding = (
        line for line in text.splitlines(keepends=True) if line.startswith(("  kernel:", "  padding:"))
    )
    swap_blocks(root, BEN, kernel, padding)
    return [(BEN, line_of(root, BEN, "  padding: {text: The padding"))]


def type_mismatch(root: Path) -> Expected:
    return [(EN, mutate(root, EN, "            developer: [BVLC]", "            developer: BVLC"))]


def b_type_mismatch_block(root: Path) -> Expected:
    # a quote in zh, a paragraph in en: reported once (not also the attribution as missing)
    line = mutate_re(
        root,
        BEN,
        r"saying: \{quote: (\{[^}]*\}), attribution: \{[^}]*\}\}",
        r"saying: \1",
    )
    return [(BEN, line)]


def list_style(root: Path) -> Expected:
    mutate(root, EN, "            style: cons\n", "            style: bullet\n")
    return [(EN, line_of(root, EN, "            style: bullet\n"))]


def b_list_style_numbered(root: Path) -> Expected:
    mutate(root, BEN, "            style: numbered\n", "            style: bullet\n")
    return [(BEN, line_of(root, BEN, 'text: "At each position, compute:"'))]


def b_list_nesting(root: Path) -> Expected:
    remove_block(root, BEN, "            list:\n")
    remove_block(root, BEN, "            style: numbered\n")
    return [(BZH, line_of(root, BZH, "text: 在每个位置上计算："))]


def b_block_style_callout(root: Path) -> Expected:
    return [(BEN, mutate(root, BEN, "callout: tip", "callout: note"))]


def b_block_style_numbered(root: Path) -> Expected:
    remove_block(root, BEN, "            numbered: false\n")
    return [(BEN, line_of(root, BEN, "section: {text: Stacking"))]


def fact_mismatch(root: Path) -> Expected:
    line = mutate(
        root,
        EN,
        "            interfaces: [Python, MATLAB]\n            autodiff: false",
        "            interfaces: [Python, MATLAB]\n            autodiff: true",
    )
    return [(EN, line + 1)]


def fact_mismatch_url(root: Path) -> Expected:
    old, new = (
        "b: {url: https://github.com/BVLC/caffe/wiki/Model-Zoo}",
        "b: {url: https://github.com/BVLC/caffe/wiki}",
    )
    return [(EN, mutate(root, EN, old, new))]


def b_fact_mismatch_code(root: Path) -> Expected:
    mutate(root, BEN, "print(np.convolve([1, 2, 3], [0, 1]))", "print(np.convolve([1, 2, 3], [1, 0]))")
    return [(BEN, line_of(root, BEN, "code: |"))]


def b_fact_mismatch_decimal(root: Path) -> Expected:
    # a decimal number is a number too: compared with the integer, not skipped as another kind
    return [(BEN, mutate(root, BEN, "size: 9, common", "size: 9.0, common"))]


def b_fact_mismatch_language(root: Path) -> Expected:
    return [(BEN, mutate(root, BEN, "language: python", "language: python3"))]


def empty(root: Path) -> Expected:
    return [(EN, mutate(root, EN, FEEDFORWARD_EN, 'text: "  "'))]


def unchanged(root: Path) -> Expected:
    return [(EN, mutate(root, EN, FEEDFORWARD_EN, "text: 适用于前馈网络和图像处理任务。"))]


def untranslated(root: Path) -> Expected:
    return [(EN, mutate(root, EN, FEEDFORWARD_EN, "text: Suited to 前馈网络 and image-processing tasks."))]


def b_markup_atoms(root: Path) -> Expected:
    return [(BEN, mutate(root, BEN, "A kernel <m>k</m>", "A kernel <m>K</m>"))]


def b_markup_atoms_ref(root: Path) -> Expected:
    return [(BEN, mutate(root, BEN, '<ref to="basics.sizes"/>', '<ref to="basics"/>'))]


def b_markup_atoms_missing(root: Path) -> Expected:
    return [(BEN, mutate(root, BEN, "<code>np.convolve</code>", "np.convolve"))]


def markup_tags(root: Path) -> Expected:
    return [(EN, mutate(root, EN, "deep learning in <i>Science</i>,", "deep learning in Science,"))]


def b_markup_tags(root: Path) -> Expected:
    return [(BEN, mutate(root, BEN, "called a <i>filter</i>.", "called a <b>filter</b>."))] * 2


def b_markup_links(root: Path) -> Expected:
    return [(BEN, mutate(root, BEN, '<a href="https://numpy.org/doc/">', '<a href="https://numpy.org/">'))]


def numbers(root: Path) -> Expected:
    # the source's 2018 is missing (reported at the unit) and 2019 is not in the source (at 2019)
    line = mutate(root, EN, "came out in 2018, to help", "came out in 2019, to help")
    return [(EN, line), (EN, line)]


def urls(root: Path) -> Expected:
    old = "introduced the Gluon interface."
    return [(EN, mutate(root, EN, old, "introduced the Gluon interface (https://mxnet.apache.org)."))]


def names(root: Path) -> Expected:
    old = "New GPU layers must be implemented in C++/CUDA."
    return [(EN, mutate(root, EN, old, "New GPU layers must be implemented in C++."))]


def names_reverse(root: Path) -> Expected:
    return [(EN, mutate(root, EN, FEEDFORWARD_EN, FEEDFORWARD_EN[:-1] + ", as in TensorFlow."))]


def glossary(root: Path) -> Expected:
    old = "text: Supports automatic differentiation."
    return [(EN, mutate(root, EN, old, "text: Supports derivatives."))]


def glossary_avoid(root: Path) -> Expected:
    old = "text: Supports automatic differentiation."
    return [(EN, mutate(root, EN, old, "text: Supports automatic differentiation (auto-grad)."))]


def glossary_conflict(root: Path) -> Expected:
    path = root / GLOSSARY
    text = (
        path.read_text(encoding="utf-8").rstrip("\n")
        + "\n  autodiff-twice:\n    zh: 自动求导\n    en: derivative taking\n"
    )
    path.write_text(text, encoding="utf-8")
    return [(GLOSSARY, text.count("\n"))]


def fullwidth_punct(root: Path) -> Expected:
    return [(EN, mutate(root, EN, FEEDFORWARD_EN, FEEDFORWARD_EN[:-1] + "。"))]


def halfwidth_punct(root: Path) -> Expected:
    return [(ZH, mutate(root, ZH, FEEDFORWARD_ZH, FEEDFORWARD_ZH[:-1] + "."))]


def halfwidth_parens(root: Path) -> Expected:
    # "(" touches Han; ")" touches only Latin text and a full-width comma
    return [(ZH, mutate(root, ZH, "（例如 GoogLeNet、ResNet）", "(例如 GoogLeNet、ResNet)"))]


def whitespace(root: Path) -> Expected:
    return [(EN, mutate(root, EN, FEEDFORWARD_EN, FEEDFORWARD_EN.replace("Suited to", "Suited  to")))]


def b_whitespace_around_a_tag(root: Path) -> Expected:
    return [(BEN, mutate(root, BEN, "the <b>convolution</b> operation", "the  <b>convolution</b> operation"))]


def brackets(root: Path) -> Expected:
    old = "(GoogLeNet or ResNet, for example),"
    return [(EN, mutate(root, EN, old, "(GoogLeNet or ResNet, for example,"))]


def cjk_spacing(root: Path) -> Expected:
    return [(ZH, mutate(root, ZH, "带有易用的 Python 和", "带有易用的Python 和"))]


def stale(root: Path) -> Expected:
    mutate(root, ZH, FEEDFORWARD_ZH, "feedforward: 非常适合前馈网络和图像处理任务。")
    text_line = line_of(root, EN, FEEDFORWARD_EN)
    return [(EN, text_line + 1)]  # at the fingerprint, on the line under the text


def stale_book_metadata(root: Path) -> Expected:
    mutate(root, BOOK, "    author: 魏秀参\n", "    author: 魏秀参 著\n")
    return [(BOOK, line_of(root, BOOK, "text: Wei Xiu-Shen") + 1)]


def stale_missing_fingerprint(root: Path) -> Expected:
    line = mutate_re(root, EN, r"(text: Suited to feed-forward[^\n]*\n)\s+source: [0-9a-f]{8}\n", r"\1")
    return [(EN, line)]


def unknown_waiver(root: Path) -> Expected:
    line = mutate(
        root, EN, FEEDFORWARD_EN + "\n", f"{FEEDFORWARD_EN}\n{INDENT}ignore: {{no-such-rule: because}}\n"
    )
    return [(EN, line + 1)]


def unused_waiver(root: Path) -> Expected:
    new = f"{FEEDFORWARD_EN}\n{INDENT}ignore: {{numbers: there is no number here}}\n"
    return [(EN, mutate(root, EN, FEEDFORWARD_EN + "\n", new) + 1)]


FIGURES = SOURCES.parent / "tests" / "fixtures" / "figures"
FEN = "sources/en/ch05.yaml"


def f_figure_variant(root: Path) -> Expected:
    # the shared file exists, the Chinese edition has its own and the English one has none
    media = root / "sources" / "media"
    (media / "sliding.svg").write_bytes((media / "sliding.zh.svg").read_bytes())
    (media / "sliding.en.svg").unlink()
    return [(FEN, line_of(root, FEN, "figure: media/sliding.svg"))]


CASES: list[tuple[str, Callable[[Path], Expected]]] = [
    ("twin-file", twin_file),
    ("missing-id", missing_id),
    ("missing-id", missing_section),
    ("missing-id", b_missing_footnote),
    ("missing-id", b_missing_callout_title),
    ("missing-id", b_missing_callout),
    ("missing-id", b_missing_attribution),
    ("missing-id", b_missing_note_url),
    ("missing-cell", missing_cell),
    ("missing-cell", b_missing_cell),
    ("list-length", list_length),
    ("list-length", b_list_length_nested),
    ("list-length", b_list_length_rows),
    ("order", order),
    ("order", b_order_rows),
    ("order", b_order_blocks),
    ("order", b_order_footnotes),
    ("type-mismatch", type_mismatch),
    ("type-mismatch", b_type_mismatch_block),
    ("list-style", list_style),
    ("list-style", b_list_style_numbered),
    ("list-style", b_list_nesting),
    ("block-style", b_block_style_callout),
    ("block-style", b_block_style_numbered),
    ("fact-mismatch", fact_mismatch),
    ("fact-mismatch", fact_mismatch_url),
    ("fact-mismatch", b_fact_mismatch_code),
    ("fact-mismatch", b_fact_mismatch_decimal),
    ("fact-mismatch", b_fact_mismatch_language),
    ("empty", empty),
    ("unchanged", unchanged),
    ("untranslated", untranslated),
    ("markup-atoms", b_markup_atoms),
    ("markup-atoms", b_markup_atoms_ref),
    ("markup-atoms", b_markup_atoms_missing),
    ("markup-tags", markup_tags),
    ("markup-tags", b_markup_tags),
    ("markup-links", b_markup_links),
    ("numbers", numbers),
    ("urls", urls),
    ("names", names),
    ("names", names_reverse),
    ("glossary", glossary),
    ("glossary-avoid", glossary_avoid),
    ("glossary-conflict", glossary_conflict),
    ("fullwidth-punct", fullwidth_punct),
    ("halfwidth-punct", halfwidth_punct),
    ("halfwidth-punct", halfwidth_parens),
    ("whitespace", whitespace),
    ("whitespace", b_whitespace_around_a_tag),
    ("brackets", brackets),
    ("cjk-spacing", cjk_spacing),
    ("stale", stale),
    ("stale", stale_book_metadata),
    ("stale", stale_missing_fingerprint),
    ("unknown-waiver", unknown_waiver),
    ("unused-waiver", unused_waiver),
    ("figure-variant", f_figure_variant),
]


def test_every_rule_has_a_mutation() -> None:
    assert {rule for rule, _ in CASES} == set(catalog())


def copy_for(tmp_path: Path, case: Callable[[Path], Expected]) -> Path:
    if case.__name__.startswith("f_"):
        return copy_sources(tmp_path, FIGURES)
    return copy_sources(tmp_path, BLOCKS if case.__name__.startswith("b_") else SOURCES)


@pytest.mark.parametrize(("rule_id", "case"), CASES, ids=[f"{r}-{c.__name__}" for r, c in CASES])
def test_mutation_fires_the_rule_at_the_exact_line(
    tmp_path: Path, rule_id: str, case: Callable[[Path], Expected]
) -> None:
    root = copy_for(tmp_path, case)
    expected = case(root)
    result = run_check(root)
    assert sorted(where(root, result, rule_id)) == sorted(expected), [str(f) for f in result.findings]


# -- details of individual rules ----------------------------------------------------------------


def finding(result: Result, rule_id: str) -> str:
    (f,) = [f for f in result.findings if f.rule == rule_id]
    return f"{f.line}:{f.column}: {f.message}"


def messages(result: Result, rule_id: str) -> list[str]:
    return [f.message for f in result.findings if f.rule == rule_id]


def test_columns_point_at_the_offending_character(tmp_path: Path) -> None:
    root = copy_sources(tmp_path)
    mutate(root, EN, FEEDFORWARD_EN, "text: Suited to 前馈网络 and image-processing tasks。")
    result = run_check(root)
    col = column_of(root, EN, "前馈网络")
    assert finding(result, "untranslated").split(":")[1] == str(col)
    assert "'前馈网络'" in finding(result, "untranslated")
    # full-width punctuation is not reported on a unit already reported as untranslated
    assert [f for f in result.findings if f.rule == "fullwidth-punct"] == []


def test_columns_count_the_tags_before_the_offending_character(tmp_path: Path) -> None:
    root = copy_sources(tmp_path, BLOCKS)
    mutate(root, BEN, "are listed in <ref", "are listed 在 <ref")
    assert finding(run_check(root, "untranslated"), "untranslated").split(":")[1] == str(
        column_of(root, BEN, "在 <ref")
    )


def test_missing_id_suggests_a_renamed_id(tmp_path: Path) -> None:
    root = copy_sources(tmp_path)
    mutate(root, EN, "              fine-tuning:\n", "              fine-tune:\n")
    found = sorted(messages(run_check(root, "missing-id"), "missing-id"))
    assert len(found) == 2, found
    assert found[0].startswith(
        "the list item profiles.caffe.pros.fine-tune is in the en edition but not in zh"
    )
    assert found[0].endswith("zh/ch14.yaml); did you mean profiles.caffe.pros.fine-tuning?")
    assert found[1].startswith(
        "the list item profiles.caffe.pros.fine-tuning is in the zh edition but not in en"
    )
    assert found[1].endswith("en/ch14.yaml); did you mean profiles.caffe.pros.fine-tune?")


def test_a_missing_column_is_reported_once_not_once_per_row(tmp_path: Path) -> None:
    root = copy_sources(tmp_path, BLOCKS)
    drop_line(root, BEN, "common: {text: Common")
    mutate(root, BEN, "size: 9, common: true}", "size: 9}")
    mutate(root, BEN, "size: 25, common: {flag: false, note: b}}", "size: 25}")
    result = run_check(root)
    assert [f.unit for f in result.findings if f.rule in ("missing-id", "missing-cell")] == [
        "basics.sizes.columns.common"
    ], [str(f) for f in result.findings]


def test_markup_messages_say_what_to_write(tmp_path: Path) -> None:
    root = copy_sources(tmp_path, BLOCKS)
    mutate(root, BEN, "A kernel <m>k</m>", "A kernel <m>K</m>")
    mutate(root, BEN, "the <b>convolution</b> operation", "the convolution operation")
    mutate(root, BEN, '<a href="https://numpy.org/doc/">', '<a href="https://numpy.org/">')
    result = run_check(root)
    assert messages(result, "markup-atoms") == ["<m>K</m> should be <m>k</m> as in the zh text"]
    (tags,) = messages(result, "markup-tags")
    assert tags.startswith("1 <b> in zh but 0 in en: mark up the words that render <b>卷积</b> with <b>…</b>")
    assert messages(result, "markup-links") == [
        'a link goes to "https://numpy.org/" in en but the zh text links "https://numpy.org/doc/": '
        'write <a href="https://numpy.org/doc/">'
    ]


def test_markup_may_move_within_the_unit(tmp_path: Path) -> None:
    root = copy_sources(tmp_path, BLOCKS)
    mutate(root, BEN, "the <b>convolution</b> operation", "the convolution <b>operation</b>")
    mutate(
        root,
        BEN,
        '<ref to="basics.sizes"/>.<fn to="kernel"/>',
        '<ref to="basics.sizes"/><fn to="kernel"/>.',
    )
    assert run_check(root, "markup-atoms", "markup-tags", "markup-links").findings == []


def test_code_and_math_are_not_prose(tmp_path: Path) -> None:
    # nothing inside <code> or <m> is reported, and the placeholder needs no space around it
    root = copy_sources(tmp_path, BLOCKS)
    mutate(root, BZH, "卷积核 <m>k</m> 在", "卷积核<m>k, 2</m>在")
    mutate(root, BEN, "A kernel <m>k</m> slides", "A kernel <m>k, 2</m> slides")
    mutate(root, BZH, "<code>np.convolve</code>", "<code>np.convolve(a,b)  // 卷积。</code>")
    mutate(root, BEN, "<code>np.convolve</code>", "<code>np.convolve(a,b)  // 卷积。</code>")
    result = run_check(root)
    assert [f.rule for f in result.findings] == ["stale"], [str(f) for f in result.findings]


def test_preconditions_skip_units_already_reported(tmp_path: Path) -> None:
    root = copy_sources(tmp_path)
    mutate(root, EN, "came out in 2018, to help", "比较 2018 个框架")
    rules = {f.rule for f in run_check(root).findings}
    assert "untranslated" in rules
    assert not rules & {"numbers", "names", "glossary"}


def test_a_spelled_out_number_counts(tmp_path: Path) -> None:
    root = copy_sources(tmp_path)
    assert "compares nine of them" in (root / EN).read_text(encoding="utf-8")  # 9 in zh
    assert run_check(root, "numbers").findings == []


def test_names_accept_a_plural_and_any_case(tmp_path: Path) -> None:
    root = copy_sources(tmp_path)
    mutate(
        root,
        EN,
        "New GPU layers must be implemented in C++/CUDA.",
        "New gpus layers must be written in C++ and cuda.",
    )
    assert run_check(root, "names").findings == []


def test_glossary_tolerates_inflection_and_hyphens(tmp_path: Path) -> None:
    root = copy_sources(tmp_path)
    mutate(root, EN, FEEDFORWARD_EN, "text: Suited to feed forward Networks and image-processing tasks.")
    assert run_check(root, "glossary").findings == []


def test_quoted_original_title_may_hold_chinese(tmp_path: Path) -> None:
    root = copy_sources(tmp_path)
    mutate(
        root,
        EN,
        FEEDFORWARD_EN,
        'text: Suited to feed-forward networks ("前馈网络") and image-processing tasks.',
    )
    result = run_check(root, "untranslated", "fullwidth-punct")
    assert result.findings == []


def test_waiver_excuses_a_finding_and_keeps_its_reason(tmp_path: Path) -> None:
    root = copy_sources(tmp_path)
    line = mutate(
        root,
        EN,
        FEEDFORWARD_EN + "\n",
        f"text: Suited to 前馈网络 and image-processing tasks.\n{INDENT}"
        "ignore: {untranslated: the term is quoted on purpose}\n",
    )
    result = run_check(root)
    assert [f.rule for f in result.findings] == []
    waived = [f for f in result.waived if f.line == line]
    assert [(f.rule, f.reason) for f in waived] == [("untranslated", "the term is quoted on purpose")]


def test_a_waiver_on_the_translation_does_not_excuse_its_source_twin(tmp_path: Path) -> None:
    # the book's metadata in every language shares one file and one set of ids: waivers are
    # told apart by unit, not by (file, id)
    root = copy_sources(tmp_path)
    line = mutate(
        root, BOOK, "    author: 魏秀参\n", "    author: {text: 魏秀参, ignore: {untranslated: not needed}}\n"
    )
    mutate(
        root,
        BOOK,
        "      text: Wei Xiu-Shen\n",
        "      text: Wei Xiu-Shen (魏秀参)\n      ignore: {untranslated: the name in Chinese too}\n",
    )
    result = run_check(root)
    assert [(f.rule, f.line) for f in result.findings] == [("unused-waiver", line)], [
        str(f) for f in result.findings
    ]
    assert [f.rule for f in result.waived if f.path.endswith("book.yaml")] == ["untranslated"]


def test_stale_message_names_the_fingerprints(tmp_path: Path) -> None:
    root = copy_sources(tmp_path)
    mutate(root, ZH, FEEDFORWARD_ZH, "feedforward: 非常适合前馈网络和图像处理任务。")
    message = finding(run_check(root, "stale"), "stale")
    old = re.search(
        r"source: ([0-9a-f]{8})", (root / EN).read_text(encoding="utf-8").split(FEEDFORWARD_EN)[1]
    )
    assert old and f"fingerprint {old.group(1)}, now " in message
    # the command runs as printed: the sources are not those of the working folder's project
    assert message.endswith(
        f"run `pipeline stamp --sources {root / 'sources'} profiles.caffe.pros.feedforward`"
    )


def test_the_second_chapter_fixture_checks_clean() -> None:
    assert check_book(Path(__file__).resolve().parent / "fixtures" / "book2").findings == []


@pytest.mark.parametrize(
    "text",
    [
        "plain text",
        "A <b>bold <i>and italic</i></b> word, <code>a < b</code> and <m>x^2</m>.",
        '见 <ref to="basics.sizes"/>。<fn   to="kernel" />',
        '<a  href="https://example.org/a?b=1" >link</a >, H<sub>2</sub>O and x<sup>2</sup>',
        "<b></b>tail",
    ],
)
def test_plain_indices_map_back_to_the_text(text: str) -> None:
    from pipeline.check import scan
    from pipeline.inline import PLACEHOLDER
    from pipeline.model import Unit

    unit = Unit("x", text, None)  # type: ignore[arg-type]
    plain = scan.plain(unit)
    offsets = scan._offsets(text) if "<" in text else tuple(range(len(text) + 1))
    assert offsets is not None and len(offsets) == len(plain) + 1
    for i, ch in enumerate(plain):
        assert text[offsets[i]] == ("<" if ch == PLACEHOLDER else ch)
    scan.forget()
