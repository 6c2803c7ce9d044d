"""TeX formulas: what the renderers understand, refused early with a message that says what.

Both math renderers of the handouts start from latex2mathml's reading of the TeX (ziamath for
PDF, latex2mathml → mathml2omml for Word), so a formula is valid when latex2mathml reads every
command of it. It does not fail on what it does not know: it keeps the command as a name
(``<mi>\\foo</mi>``), which would print as "\\foo". That is found here, as are unbalanced braces
and ``aligned`` (its ``&`` becomes text and Word's converter writes invalid XML); a formula that
is refused names its unit and the command, and nothing is written.
"""

from __future__ import annotations

import re

_COMMAND = re.compile(r"\\([A-Za-z]+)")
_ENV = re.compile(r"\\(begin|end)\{([^}]*)\}")
REFUSED_ENVIRONMENTS = {"aligned": "write \\begin{align*} … \\end{align*} or \\begin{split} instead"}
MAX_TEX = 4000  # characters: a formula, not a document


def problem(tex: str) -> str | None:
    """What is wrong with a formula, or None when the renderers can set it."""
    if not tex.strip():
        return "the formula is empty"
    if len(tex) > MAX_TEX:
        return f"a formula of {len(tex)} characters is too long (at most {MAX_TEX})"
    depth = 0
    escaped = False
    for ch in tex:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth < 0:
                return "unbalanced braces: a '}' closes nothing"
    if depth:
        return "unbalanced braces: a '{' is not closed"
    for _, env in _ENV.findall(tex):
        if env in REFUSED_ENVIRONMENTS:
            return f"the environment {env!r} is not supported: {REFUSED_ENVIRONMENTS[env]}"
    begins = [e for k, e in _ENV.findall(tex) if k == "begin"]
    ends = [e for k, e in _ENV.findall(tex) if k == "end"]
    if sorted(begins) != sorted(ends):
        return "\\begin and \\end do not match"
    unknown = unknown_commands(tex)
    if unknown:
        return f"unknown TeX command \\{unknown[0]} (the math renderers do not support it)"
    return None


def unknown_commands(tex: str) -> list[str]:
    """The commands latex2mathml keeps as plain names: it does not know them."""
    if not _COMMAND.search(tex):
        return []
    from latex2mathml.converter import convert

    try:
        mathml = convert(tex)
    except Exception as exc:  # the converter's own errors: a formula it cannot read
        name = type(exc).__name__
        return [f"… ({name}: {exc})"] if str(exc) else [name]
    return re.findall(r">\\([A-Za-z]+)<", mathml)


def shape(tex: str) -> str:
    """A formula without what its renderings do not keep: spaces, and braces around a single
    symbol (k_h and k_{h}). A formula read back from a Word equation matches its source's in
    shape, not always character for character."""
    tex = re.sub(r"\s+", "", tex)
    return re.sub(r"([_^])\{(\\?[A-Za-z0-9])\}", r"\1\2", tex)
