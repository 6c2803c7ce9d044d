"""The README stays true: its rule table is the catalog's, and it documents every command."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
sys.path.insert(0, str(ROOT / "tools"))

import rules_table  # noqa: E402 - after the path is set

from pipeline.cli import COMMANDS  # noqa: E402


def test_the_rule_table_is_the_catalog() -> None:
    assert rules_table.table() in README, "run `python tools/rules_table.py`"


def test_every_command_has_a_row_with_an_example() -> None:
    rows = [line for line in README.splitlines() if line.startswith("| `pipeline ")]
    for module in COMMANDS:
        name = module.rstrip("_").replace("_", "-")
        found = [r for r in rows if r.startswith(f"| `pipeline {name}")]
        assert found, f"no row for `pipeline {name}` in the README's command table"
        assert all(re.search(r"\| `pipeline [^`]+` \|$", r) for r in found), found


def test_the_two_setup_commands_are_documented() -> None:
    assert "make handouts" in README and "make test" in README
    assert "\n\ttest: " not in README  # the Makefile, not the README, holds the recipes
