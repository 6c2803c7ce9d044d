"""`pipeline check` and `pipeline stamp` end to end: output formats, exit statuses, fingerprints."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from checkutil import BEN, BLOCKS, EN, ZH, copy_sources, line_of, modules_after, mutate, run_cli

from pipeline.check.catalog import catalog
from pipeline.check.report import FORMATS, escape_data, escape_property
from pipeline.commands import check as check_command

FEEDFORWARD_EN = "text: Suited to feed-forward networks and image-processing tasks."
FEEDFORWARD_ZH = "feedforward: 适用于前馈网络和图像处理任务。"
CHANGED_ZH = "feedforward: 非常适合前馈网络和图像处理任务。"
SHIPPED_WAIVED = "numbers"  # the shipped sources waive one finding (the editor's note on MXNet)
INDENT = " " * 16  # of the fields of a pros/cons item in the shipped English chapter
FEEDFORWARD_ID = "profiles.caffe.pros.feedforward"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return copy_sources(tmp_path)


def broken(root: Path) -> int:
    """An error finding (untranslated text); returns its line."""
    return mutate(root, EN, FEEDFORWARD_EN, "text: Suited to 前馈网络 and image-processing tasks.")


def test_formats_match_the_renderers() -> None:
    assert check_command.FORMATS == FORMATS


def test_clean_sources_exit_0(root: Path) -> None:
    out = run_cli("check", cwd=root)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.startswith("pipeline check: clean (4 files checked")
    assert out.stderr == ""


def test_text_format_and_exit_1(root: Path) -> None:
    line = broken(root)
    out = run_cli("check", cwd=root)
    assert out.returncode == 1
    lines = out.stdout.splitlines()
    assert re.fullmatch(
        rf"sources/en/ch14\.yaml:{line}:\d+: error untranslated: untranslated zh text '前馈网络' .* "
        rf"\(twin: sources/zh/ch14\.yaml:{line_of(root, ZH, FEEDFORWARD_ZH)}:\d+\)",
        lines[0],
    ), lines[0]
    assert lines[-1] == "pipeline check: 1 error, 0 warnings, 1 waived in 4 files"


def test_json_format(root: Path) -> None:
    line = broken(root)
    out = run_cli("check", "--format", "json", cwd=root)
    assert out.returncode == 1
    doc = json.loads(out.stdout)
    assert doc["version"] == 1 and [w["rule"] for w in doc["waived"]] == [SHIPPED_WAIVED]
    assert doc["summary"] == {"errors": 1, "warnings": 0, "waived": 1}
    (f,) = doc["findings"]
    assert set(f) == {"rule", "severity", "unit", "path", "line", "column", "message", "twin"}
    assert (f["rule"], f["severity"], f["unit"], f["path"], f["line"]) == (
        "untranslated", "error", FEEDFORWARD_ID, "sources/en/ch14.yaml", line,
    )  # fmt: skip
    assert set(f["twin"]) == {"path", "line", "column"} and f["twin"]["path"] == "sources/zh/ch14.yaml"


def test_json_of_clean_sources(root: Path) -> None:
    out = run_cli("check", "--format", "json", cwd=root)
    assert out.returncode == 0
    doc = json.loads(out.stdout)
    assert (doc["version"], doc["findings"]) == (1, [])
    assert doc["summary"] == {"errors": 0, "warnings": 0, "waived": 1}
    (waived,) = doc["waived"]
    assert waived["rule"] == SHIPPED_WAIVED and waived["reason"]


def test_github_format(root: Path) -> None:
    line = broken(root)
    out = run_cli("check", "--format", "github", cwd=root)
    assert out.returncode == 1
    first, summary = out.stdout.splitlines()
    assert re.fullmatch(
        rf"::error file=sources/en/ch14\.yaml,line={line},col=\d+,title=untranslated::.+", first
    )
    assert summary.startswith("pipeline check: 1 error")


def test_github_escaping() -> None:
    assert escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"


def test_warnings_pass_unless_strict(root: Path) -> None:
    mutate(root, ZH, "带有易用的 Python 和", "带有易用的Python 和")
    # the zh text changed: accept the translation so that only the spacing warning is left
    assert (
        run_cli("stamp", f"ch14:{FEEDFORWARD_ID.replace('feedforward', 'interfaces')}", cwd=root).returncode
        == 0
    )
    plain = run_cli("check", cwd=root)
    assert plain.returncode == 0, plain.stdout
    assert "warning cjk-spacing" in plain.stdout and "0 errors, 1 warning" in plain.stdout
    assert run_cli("check", "--strict", cwd=root).returncode == 1


def test_unusable_sources_exit_2(root: Path) -> None:
    mutate(root, EN, "body:\n", "body: [\n")
    out = run_cli("check", cwd=root)
    assert out.returncode == 2
    assert "sources/en/ch14.yaml:" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.parametrize(
    "args",
    [("check", "--rule", "no-such-rule"), ("check", "--format", "xml"), ("check", "--bogus"), ("stamp",)],
)
def test_usage_errors_exit_2(root: Path, args: tuple[str, ...]) -> None:
    out = run_cli(*args, cwd=root)
    assert out.returncode == 2 and out.stderr.strip() and "Traceback" not in out.stderr


def test_list_prints_the_catalog(root: Path) -> None:
    out = run_cli("check", "--list", cwd=root)
    assert out.returncode == 0
    ids = [line.split()[0] for line in out.stdout.splitlines()]
    assert ids == list(catalog())
    doc = json.loads(run_cli("check", "--list", "--format", "json", cwd=root).stdout)
    assert [r["id"] for r in doc["rules"]] == ids
    assert all(r["severity"] in ("error", "warning") and r["description"] for r in doc["rules"])


def test_rule_and_skip_select_rules(root: Path) -> None:
    broken(root)
    # without "untranslated", the glossary rule reports the same unit (no rendering of 前馈网络)
    assert run_cli("check", "--skip", "untranslated", "--skip", "glossary", cwd=root).returncode == 0
    assert run_cli("check", "--rule", "numbers", cwd=root).returncode == 0
    assert run_cli("check", "--rule", "untranslated", cwd=root).returncode == 1


def test_show_waived(root: Path) -> None:
    mutate(
        root,
        EN,
        FEEDFORWARD_EN + "\n",
        f"text: Suited to 前馈网络 and image-processing tasks.\n{INDENT}ignore: {{untranslated: quoted on purpose}}\n",
    )
    out = run_cli("check", cwd=root)
    assert out.returncode == 0 and "2 waived" in out.stdout and "waived untranslated" not in out.stdout
    shown = run_cli("check", "--show-waived", cwd=root)
    assert "waived untranslated:" in shown.stdout and "[waived: quoted on purpose]" in shown.stdout
    doc = json.loads(run_cli("check", "--format", "json", cwd=root).stdout)
    assert [w["reason"] for w in doc["waived"] if w["rule"] == "untranslated"] == ["quoted on purpose"]
    assert doc["summary"]["waived"] == 2


# -- accepting reviewed translations ----------------------------------------------------------


def only_fingerprints_changed(before: bytes, after: bytes) -> list[tuple[bytes, bytes]]:
    """The changed lines, asserting each differs only in an 8-hex-digit fingerprint."""
    a, b = before.splitlines(keepends=True), after.splitlines(keepends=True)
    assert len(a) == len(b)
    changed = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    for x, y in changed:
        assert re.sub(rb"[0-9a-f]{8}", b"#", x) == re.sub(rb"[0-9a-f]{8}", b"#", y), (x, y)
    return changed


def test_accept_rewrites_only_the_fingerprint(root: Path) -> None:
    mutate(root, ZH, FEEDFORWARD_ZH, CHANGED_ZH)
    before = (root / EN).read_bytes()
    assert run_cli("check", cwd=root).returncode == 1
    out = run_cli("check", "--accept", FEEDFORWARD_ID, cwd=root)
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"accepted {FEEDFORWARD_ID}" in out.stdout and out.stderr == ""
    assert len(only_fingerprints_changed(before, (root / EN).read_bytes())) == 1


def test_stamp_keeps_crlf_and_bom(root: Path) -> None:
    path = root / EN
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    mutate(root, ZH, FEEDFORWARD_ZH, CHANGED_ZH)
    before = path.read_bytes()
    assert run_cli("stamp", FEEDFORWARD_ID, cwd=root).returncode == 0
    after = path.read_bytes()
    assert after.startswith(b"\xef\xbb\xbf") and after.count(b"\r\n") == before.count(b"\r\n")
    assert len(only_fingerprints_changed(before, after)) == 1
    assert run_cli("check", cwd=root).returncode == 0


def test_stamp_inserts_a_missing_fingerprint(root: Path) -> None:
    path = root / EN
    shipped = path.read_text(encoding="utf-8")
    text = re.sub(r"(text: Suited to feed-forward[^\n]*\n)\s+source: [0-9a-f]{8}\n", r"\1", shipped)
    path.write_text(text, encoding="utf-8")
    out = run_cli("check", cwd=root)
    assert out.returncode == 1 and "no fingerprint" in out.stdout
    assert run_cli("stamp", "--all", cwd=root).returncode == 0
    # the fingerprint line comes back where the shipped file has it, indented like `text:`
    assert path.read_text(encoding="utf-8") == shipped


def test_stamping_an_up_to_date_unit_changes_nothing(root: Path) -> None:
    before = (root / EN).read_bytes()
    out = run_cli("stamp", FEEDFORWARD_ID, "ch14:profiles.caffe.*", cwd=root)
    assert out.returncode == 0 and out.stdout == "pipeline stamp: 0 fingerprints updated\n"
    assert (root / EN).read_bytes() == before


def test_unknown_ids_exit_2_and_change_nothing(root: Path) -> None:
    mutate(root, ZH, FEEDFORWARD_ZH, CHANGED_ZH)
    before = (root / EN).read_bytes()
    for args in (("stamp", FEEDFORWARD_ID, "profiles.nope"), ("check", "--accept", "ch99:" + FEEDFORWARD_ID)):
        out = run_cli(*args, cwd=root)
        assert out.returncode == 2 and "no translation unit" in out.stderr
    assert (root / EN).read_bytes() == before


# -- start-up cost ------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [["check"], ["--help"], ["check", "--help"]])
def test_start_up_skips_the_slow_standard_modules(root: Path, args: list[str]) -> None:
    """Each costs milliseconds of every `pipeline check` and none is needed: dataclasses (with
    inspect, ast, dis), typing, shutil (argparse's terminal width; with bz2, lzma) and hashlib
    (OpenSSL)."""
    status, modules = modules_after(args, cwd=root)
    assert status == 0
    assert not modules & {"dataclasses", "inspect", "typing", "shutil", "hashlib"}


def test_hooks_for_other_repositories_run_the_checker() -> None:
    import yaml

    repo = Path(__file__).resolve().parent.parent
    (hook,) = yaml.safe_load((repo / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "pipeline-check" and hook["entry"] == "pipeline check"
    assert hook["language"] == "python" and hook["pass_filenames"] is False and hook["files"] == "^sources/"
    workflow = yaml.safe_load((repo / ".github" / "workflows" / "check.yml").read_text(encoding="utf-8"))
    steps = workflow["jobs"]["check"]["steps"]
    assert any("-c constraints.txt -e ." in s.get("run", "") for s in steps)
    assert steps[-1]["run"] == "pipeline check --format github"


def test_stamp_writes_the_fingerprints_of_every_block_kind(tmp_path: Path) -> None:
    """Every translation unit of every block kind (and of the book's metadata in book.yaml) is
    found, reported stale and stamped in place, whatever its layout (flow or block mapping)."""
    root = copy_sources(tmp_path, BLOCKS)
    paths = [root / BEN, root / "sources" / "book.yaml"]
    shipped = [p.read_bytes() for p in paths]
    units = sum(len(re.findall(rb"source: [0-9a-f]{8}", data)) for data in shipped)
    for path, data in zip(paths, shipped, strict=True):
        path.write_bytes(re.sub(rb"source: [0-9a-f]{8}", b"source: 00000000", data))
    out = run_cli("check", "--format", "json", cwd=root)
    stale = [f["unit"] for f in json.loads(out.stdout)["findings"] if f["rule"] == "stale"]
    assert len(stale) == units
    assert {"basics.steps.compute.sum", "basics.sizes.notes.a", "basics.saying.attribution"} <= set(stale)
    assert {"basics.example.caption", "footnotes.kernel", "book.title", "basics.tip"} <= set(stale)
    done = run_cli("stamp", "--all", cwd=root)
    # stamp reports on standard output (#16)
    assert done.returncode == 0 and f"{units} fingerprints updated" in done.stdout, done.stdout + done.stderr
    assert [p.read_bytes() for p in paths] == shipped
    assert run_cli("check", cwd=root).returncode == 0
