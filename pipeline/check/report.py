"""Renderers of a check result: text for people, JSON for tools, GitHub Actions annotations.

Text (one line per finding, then a summary line)::

    path:line:col: severity rule-id: message (twin: path:line:col)

JSON (``--format json``), schema version 1. Paths are as shown in text output (relative to the
working directory when below it); lines and columns count from 1::

    {
      "version": 1,
      "findings": [
        {"rule": "stale", "severity": "error", "unit": "profiles.caffe.pros.feedforward",
         "path": "sources/en/ch14.yaml", "line": 120, "column": 17,
         "message": "...", "twin": {"path": "sources/zh/ch14.yaml", "line": 98, "column": 20}}
      ],
      "waived": [ {... the same fields ..., "reason": "the waiver's reason"} ],
      "summary": {"errors": 1, "warnings": 0, "waived": 0}
    }

``unit`` is the unit's or fact's id (null for whole-file findings), ``twin`` the corresponding
place in the other edition or null, ``severity`` "error" or "warning". ``waived`` is always
present. New fields may be added within version 1; a change to existing ones bumps it.

GitHub (``--format github``): one workflow command per finding,
``::error file=PATH,line=L,col=C,title=RULE::MESSAGE`` (``::warning`` for warnings, ``::notice``
for waived findings with ``--show-waived``), followed by the plain summary line.
"""

from __future__ import annotations

from collections.abc import Iterable

from pipeline.check.catalog import Rule
from pipeline.check.findings import Finding, Result
from pipeline.errors import Position, display_path

SCHEMA_VERSION = 1
FORMATS = ("text", "json", "github")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def summary(result: Result) -> str:
    counts = f"{_plural(result.errors, 'error')}, {_plural(result.warnings, 'warning')}"
    waived = f", {len(result.waived)} waived" if result.waived else ""
    files = _plural(result.files, "file")
    if not result.findings:
        return f"pipeline check: clean ({files} checked{waived})"
    return f"pipeline check: {counts}{waived} in {files}"


def _where(p: Position) -> str:
    return f"{display_path(p.path)}:{p.line}:{p.column}"


def text_line(f: Finding, label: str | None = None) -> str:
    twin = f" (twin: {_where(f.twin)})" if f.twin else ""
    reason = f" [waived: {f.reason}]" if f.reason is not None else ""
    return f"{_where(f.pos)}: {label or f.severity} {f.rule}: {f.message}{twin}{reason}"


def render_text(result: Result, show_waived: bool = False) -> str:
    lines = [text_line(f) for f in result.findings]
    if show_waived:
        lines += [text_line(f, "waived") for f in result.waived]
    lines.append(summary(result))
    return "\n".join(lines) + "\n"


def _position(p: Position | None) -> dict[str, object] | None:
    return None if p is None else {"path": display_path(p.path), "line": p.line, "column": p.column}


def finding_json(f: Finding) -> dict[str, object]:
    out: dict[str, object] = {
        "rule": f.rule,
        "severity": f.severity,
        "unit": f.unit,
        "path": display_path(f.path),
        "line": f.line,
        "column": f.column,
        "message": f.message,
        "twin": _position(f.twin),
    }
    if f.reason is not None:
        out["reason"] = f.reason
    return out


def render_json(result: Result, show_waived: bool = False) -> str:
    import json  # only for this format: the text format starts faster without it

    doc = {
        "version": SCHEMA_VERSION,
        "findings": [finding_json(f) for f in result.findings],
        "waived": [finding_json(f) for f in result.waived],
        "summary": {"errors": result.errors, "warnings": result.warnings, "waived": len(result.waived)},
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def escape_data(s: str) -> str:
    """Escape a workflow command's message (GitHub's ``escapeData``)."""
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(s: str) -> str:
    """Escape a workflow command's property value (GitHub's ``escapeProperty``)."""
    return escape_data(s).replace(":", "%3A").replace(",", "%2C")


def github_line(f: Finding, command: str | None = None) -> str:
    props = {
        "file": display_path(f.path),
        "line": str(f.line),
        "col": str(f.column),
        "title": f.rule if f.reason is None else f"{f.rule} (waived)",
    }
    message = f.message
    if f.twin:
        message += f" (twin: {_where(f.twin)})"
    if f.reason is not None:
        message += f" [waived: {f.reason}]"
    joined = ",".join(f"{k}={escape_property(v)}" for k, v in props.items())
    return f"::{command or f.severity} {joined}::{escape_data(message)}"


def render_github(result: Result, show_waived: bool = False) -> str:
    lines = [github_line(f) for f in result.findings]
    if show_waived:
        lines += [github_line(f, "notice") for f in result.waived]
    lines.append(summary(result))
    return "\n".join(lines) + "\n"


RENDERERS = {"text": render_text, "json": render_json, "github": render_github}


def render(result: Result, fmt: str, show_waived: bool = False) -> str:
    return RENDERERS[fmt](result, show_waived)


def render_catalog(rules: Iterable[Rule], fmt: str = "text") -> str:
    """The rule catalog (``pipeline check --list``)."""
    rules = list(rules)
    if fmt == "json":
        import json

        entries = [
            {"id": r.id, "severity": r.severity, "category": r.category, "description": r.description}
            for r in rules
        ]
        return json.dumps({"version": SCHEMA_VERSION, "rules": entries}, ensure_ascii=False, indent=2) + "\n"
    width = max(len(r.id) for r in rules)
    lines = [f"{r.id:<{width}}  {r.severity:<7}  {r.category:<12}  {r.description}" for r in rules]
    return "\n".join(lines) + "\n"
