"""Rewrite the README's rule table from the catalog (`python tools/rules_table.py`)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.check.catalog import catalog  # noqa: E402 - after the path is set


def table() -> str:
    rows = ["| Rule | Severity | Category | What it reports |", "| --- | --- | --- | --- |"]
    for r in catalog().values():
        description = r.description.replace("|", "\\|").replace("<", "&lt;")  # GFM reads <b> as HTML
        rows.append(f"| `{r.id}` | {r.severity} | {r.category} | {description} |")
    return "\n".join(rows)


def main() -> int:
    path = ROOT / "README.md"
    text = path.read_text(encoding="utf-8")
    pattern = r"\| Rule \| Severity \| Category \| What it reports \|\n(?:\|.*\|\n)+"
    new = re.sub(pattern, table() + "\n", text)
    path.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
