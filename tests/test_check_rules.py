"""Every rule of `pipeline check`: quiet on the shipped sources, and firing at the exact file and
line when a copy of them is mutated to break it."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from checkutil import (
    EN,
    GLOSSARY,
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
FEEDFORWARD_EN = "text: Well suited to feed-forward networks and image processing."
FEEDFORWARD_ZH = "feedforward: 很适合前馈网络和图像处理。"


@pytest.fixture(scope="module")
def clean() -> Result:
    return run_check(Path(__file__).resolve().parent.parent)


@pytest.mark.parametrize("rule_id", list(catalog()))
def test_rule_is_quiet_on_the_shipped_sources(clean: Result, rule_id: str) -> None:
    assert [f for f in clean.findings if f.rule == rule_id] == []


def test_shipped_sources_are_clean_with_every_rule(clean: Result) -> None:
    assert clean.clean(strict=True), [str(f) for f in clean.findings]


# -- one mutation per rule -------------------------------------------------------------------
# Each case breaks a copy of the shipped sources and returns where the rule must fire.


def twin_file(root: Path) -> Expected:
    (root / EN).unlink()
    return [(ZH, 1)]


def missing_id(root: Path) -> Expected:
    remove_block(root, EN, "      fine-tuning:\n")
    return [(ZH, line_of(root, ZH, "fine-tuning: "))]


def missing_profile(root: Path) -> Expected:
    # a whole profile missing is reported once, not once per unit under it
    remove_block(root, EN, "  keras:\n    description:\n")
    return [(ZH, line_of(root, ZH, "  keras:\n    description:\n") + 1)]  # the profile's first line


def missing_cell(root: Path) -> Expected:
    mutate(
        root,
        EN,
        "      pretrained: {flag: true, note: b}\n      cnn: true\n",
        "      pretrained: {flag: true, note: b}\n",
    )
    return [(ZH, line_of(root, ZH, "      cnn: true"))]


def list_length(root: Path) -> Expected:
    remove_block(root, EN, "      fine-tuning:\n")
    return [(EN, line_of(root, EN, FEEDFORWARD_EN))]


def order(root: Path) -> Expected:
    swap_blocks(root, EN, "      feedforward:\n", "      fine-tuning:\n")
    return [(EN, line_of(root, EN, "text: Makes it easy to fine-tune"))]


def type_mismatch(root: Path) -> Expected:
    return [(EN, mutate(root, EN, "      developer: [BVLC]", "      developer: BVLC"))]


def fact_mismatch(root: Path) -> Expected:
    line = mutate(
        root,
        EN,
        "      interfaces: [Python, MATLAB]\n      autodiff: false",
        "      interfaces: [Python, MATLAB]\n      autodiff: true",
    )
    return [(EN, line + 1)]


def fact_mismatch_url(root: Path) -> Expected:
    return [
        (
            EN,
            mutate(
                root,
                EN,
                "b: {url: https://github.com/BVLC/caffe/wiki/Model-Zoo}",
                "b: {url: https://github.com/BVLC/caffe/wiki}",
            ),
        )
    ]


def empty(root: Path) -> Expected:
    return [(EN, mutate(root, EN, FEEDFORWARD_EN, 'text: "  "'))]


def unchanged(root: Path) -> Expected:
    return [(EN, mutate(root, EN, FEEDFORWARD_EN, "text: 很适合前馈网络和图像处理。"))]


def untranslated(root: Path) -> Expected:
    return [(EN, mutate(root, EN, FEEDFORWARD_EN, "text: Well suited to 前馈网络 and image processing."))]


def numbers(root: Path) -> Expected:
    # the source's 9 is missing (reported at the unit) and the 8 is not in the source (at the 8)
    line = mutate(root, EN, "compares 9 of the frameworks", "compares 8 of the frameworks")
    return [(EN, line), (EN, line)]


def urls(root: Path) -> Expected:
    return [
        (
            EN,
            mutate(
                root,
                EN,
                "introduced the Gluon interface.",
                "introduced the Gluon interface (https://mxnet.apache.org).",
            ),
        )
    ]


def names(root: Path) -> Expected:
    return [
        (
            EN,
            mutate(
                root,
                EN,
                "New GPU layers must be implemented in C++/CUDA.",
                "New GPU layers must be implemented in C++.",
            ),
        )
    ]


def names_reverse(root: Path) -> Expected:
    return [(EN, mutate(root, EN, FEEDFORWARD_EN, FEEDFORWARD_EN[:-1] + ", as in TensorFlow."))]


def glossary(root: Path) -> Expected:
    return [
        (EN, mutate(root, EN, "text: Supports automatic differentiation.", "text: Supports derivatives."))
    ]


def glossary_avoid(root: Path) -> Expected:
    return [
        (
            EN,
            mutate(
                root,
                EN,
                "text: Supports automatic differentiation.",
                "text: Supports automatic differentiation (auto-grad).",
            ),
        )
    ]


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
    line = mutate(root, ZH, "（例如 GoogLeNet、ResNet）", "(例如 GoogLeNet、ResNet)")
    return [(ZH, line), (ZH, line)]


def whitespace(root: Path) -> Expected:
    return [(EN, mutate(root, EN, FEEDFORWARD_EN, FEEDFORWARD_EN.replace("suited to", "suited  to")))]


def brackets(root: Path) -> Expected:
    return [(EN, mutate(root, EN, "(such as GoogLeNet and ResNet).", "(such as GoogLeNet and ResNet."))]


def cjk_spacing(root: Path) -> Expected:
    return [(ZH, mutate(root, ZH, "带有易用的 Python 和", "带有易用的Python 和"))]


def stale(root: Path) -> Expected:
    mutate(root, ZH, FEEDFORWARD_ZH, "feedforward: 非常适合前馈网络和图像处理。")
    text_line = line_of(root, EN, FEEDFORWARD_EN)
    return [(EN, text_line + 1)]  # at the fingerprint, on the line under the text


def stale_missing_fingerprint(root: Path) -> Expected:
    line = mutate_re(root, EN, r"(text: Well suited to feed-forward[^\n]*\n)\s+source: [0-9a-f]{8}\n", r"\1")
    return [(EN, line)]


def unknown_waiver(root: Path) -> Expected:
    line = mutate(
        root, EN, FEEDFORWARD_EN + "\n", FEEDFORWARD_EN + "\n        ignore: {no-such-rule: because}\n"
    )
    return [(EN, line + 1)]


def unused_waiver(root: Path) -> Expected:
    line = mutate(
        root,
        EN,
        FEEDFORWARD_EN + "\n",
        FEEDFORWARD_EN + "\n        ignore: {numbers: there is no number here}\n",
    )
    return [(EN, line + 1)]


CASES: list[tuple[str, Callable[[Path], Expected]]] = [
    ("twin-file", twin_file),
    ("missing-id", missing_id),
    ("missing-id", missing_profile),
    ("missing-cell", missing_cell),
    ("list-length", list_length),
    ("order", order),
    ("type-mismatch", type_mismatch),
    ("fact-mismatch", fact_mismatch),
    ("fact-mismatch", fact_mismatch_url),
    ("empty", empty),
    ("unchanged", unchanged),
    ("untranslated", untranslated),
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
    ("brackets", brackets),
    ("cjk-spacing", cjk_spacing),
    ("stale", stale),
    ("stale", stale_missing_fingerprint),
    ("unknown-waiver", unknown_waiver),
    ("unused-waiver", unused_waiver),
]


def test_every_rule_has_a_mutation() -> None:
    assert {rule for rule, _ in CASES} == set(catalog())


@pytest.mark.parametrize(("rule_id", "case"), CASES, ids=[f"{r}-{c.__name__}" for r, c in CASES])
def test_mutation_fires_the_rule_at_the_exact_line(
    tmp_path: Path, rule_id: str, case: Callable[[Path], Expected]
) -> None:
    root = copy_sources(tmp_path)
    expected = case(root)
    result = run_check(root)
    assert sorted(where(root, result, rule_id)) == sorted(expected), [str(f) for f in result.findings]


# -- details of individual rules ----------------------------------------------------------------


def finding(result: Result, rule_id: str) -> str:
    (f,) = [f for f in result.findings if f.rule == rule_id]
    return f"{f.line}:{f.column}: {f.message}"


def test_columns_point_at_the_offending_character(tmp_path: Path) -> None:
    root = copy_sources(tmp_path)
    mutate(root, EN, FEEDFORWARD_EN, "text: Well suited to 前馈网络 and image processing。")
    result = run_check(root)
    col = column_of(root, EN, "前馈网络")
    assert finding(result, "untranslated").split(":")[1] == str(col)
    assert "'前馈网络'" in finding(result, "untranslated")
    # full-width punctuation is not reported on a unit already reported as untranslated
    assert [f for f in result.findings if f.rule == "fullwidth-punct"] == []


def test_preconditions_skip_units_already_reported(tmp_path: Path) -> None:
    root = copy_sources(tmp_path)
    mutate(root, EN, "compares 9 of the frameworks", "比较 9 个框架")
    rules = {f.rule for f in run_check(root).findings}
    assert "untranslated" in rules
    assert not rules & {"numbers", "names", "glossary"}


def test_a_spelled_out_number_counts(tmp_path: Path) -> None:
    root = copy_sources(tmp_path)
    mutate(root, EN, "compares 9 of the frameworks", "compares nine of the frameworks")
    assert [f for f in run_check(root, "numbers").findings] == []


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
    mutate(root, EN, FEEDFORWARD_EN, "text: Well suited to feed forward Networks and image processing.")
    assert run_check(root, "glossary").findings == []


def test_quoted_original_title_may_hold_chinese(tmp_path: Path) -> None:
    root = copy_sources(tmp_path)
    mutate(
        root,
        EN,
        FEEDFORWARD_EN,
        'text: Well suited to feed-forward networks ("前馈网络") and image processing.',
    )
    result = run_check(root, "untranslated", "fullwidth-punct")
    assert result.findings == []


def test_waiver_excuses_a_finding_and_keeps_its_reason(tmp_path: Path) -> None:
    root = copy_sources(tmp_path)
    line = mutate(
        root,
        EN,
        FEEDFORWARD_EN + "\n",
        "text: Well suited to 前馈网络 and image processing.\n        ignore: {untranslated: the term is quoted on purpose}\n",
    )
    result = run_check(root)
    assert [f.rule for f in result.findings] == []
    (waived,) = result.waived
    assert (waived.rule, waived.line, waived.reason) == (
        "untranslated",
        line,
        "the term is quoted on purpose",
    )


def test_stale_message_names_the_fingerprints(tmp_path: Path) -> None:
    root = copy_sources(tmp_path)
    mutate(root, ZH, FEEDFORWARD_ZH, "feedforward: 非常适合前馈网络和图像处理。")
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
    from pipeline.check.engine import check

    book = load_book(str(Path(__file__).resolve().parent / "fixtures" / "book2"))
    assert check(book).findings == []
