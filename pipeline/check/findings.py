"""Findings: what a check run reports, as plain data that the renderers turn into text."""

from __future__ import annotations

from pipeline.errors import Position
from pipeline.record import Record

# "error" or "warning". A plain str, not a Literal: `pipeline check` must not pay for
# importing typing at start-up.
Severity = str
SEVERITIES: tuple[Severity, ...] = ("error", "warning")


# Plain classes with __slots__, not dataclasses: `pipeline check` must start fast (see
# pipeline.record). They compare and print as the dataclasses did.
class Finding(Record):
    """One inconsistency at one place; ``reason`` is set when a unit's waiver excuses it."""

    __slots__ = _fields = ("rule", "severity", "unit", "path", "line", "column", "message", "twin", "reason")

    def __init__(
        self,
        rule: str,
        severity: Severity,
        unit: str | None,  # the unit's (or fact's) id; None for file-level findings
        path: str,
        line: int,
        column: int,
        message: str,
        twin: Position | None = None,  # the corresponding place in the other edition
        reason: str | None = None,  # the waiver's written reason, for waived findings
    ) -> None:
        self.rule = rule
        self.severity = severity
        self.unit = unit
        self.path = path
        self.line = line
        self.column = column
        self.message = message
        self.twin = twin
        self.reason = reason

    @property
    def pos(self) -> Position:
        return Position(self.path, self.line, self.column)


class Result(Record):
    """Everything one run found: live findings and waived ones, each sorted by position."""

    __slots__ = _fields = ("findings", "waived", "files")

    def __init__(
        self,
        findings: list[Finding] | None = None,  # a new empty list when None
        waived: list[Finding] | None = None,
        files: int = 0,  # source files checked
    ) -> None:
        self.findings: list[Finding] = [] if findings is None else findings
        self.waived: list[Finding] = [] if waived is None else waived
        self.files = files

    @property
    def errors(self) -> int:
        return sum(f.severity == "error" for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == "warning" for f in self.findings)

    def clean(self, strict: bool = False) -> bool:
        """No errors (and, when ``strict``, no warnings either)."""
        return not self.errors and not (strict and self.warnings)
