"""Findings: what a check run reports, as plain data that the renderers turn into text."""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.errors import Position

# "error" or "warning". A plain str, not a Literal: `pipeline check` must not pay for
# importing typing at start-up.
Severity = str
SEVERITIES: tuple[Severity, ...] = ("error", "warning")


@dataclass
class Finding:
    """One inconsistency at one place; ``reason`` is set when a unit's waiver excuses it."""

    rule: str
    severity: Severity
    unit: str | None  # the unit's (or fact's) id; None for file-level findings
    path: str
    line: int
    column: int
    message: str
    twin: Position | None = None  # the corresponding place in the other edition
    reason: str | None = None  # the waiver's written reason, for waived findings

    @property
    def pos(self) -> Position:
        return Position(self.path, self.line, self.column)


@dataclass
class Result:
    """Everything one run found: live findings and waived ones, each sorted by position."""

    findings: list[Finding] = field(default_factory=list)
    waived: list[Finding] = field(default_factory=list)
    files: int = 0  # source files checked

    @property
    def errors(self) -> int:
        return sum(f.severity == "error" for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == "warning" for f in self.findings)

    def clean(self, strict: bool = False) -> bool:
        """No errors (and, when ``strict``, no warnings either)."""
        return not self.errors and not (strict and self.warnings)
