"""Formulas rendered once: TeX → SVG (vector paths, for PDF) and TeX → OMML (Word equations).

PDF: ziamath sets the TeX with its own STIX Two Math font and writes SVG paths, which svglib
turns into a ReportLab drawing: vector outlines, not a bitmap and not the TeX source. ziamath's
SVG 2 output is read wrongly by svglib (a verified pitfall), so SVG 1.1 is asked for.
Word: latex2mathml gives MathML, mathml2omml turns it into OMML, which comes without the ``m:``
namespace declaration: it is declared here, so that the XML parses and Word (and LibreOffice)
show an editable equation.

Both results are kept on disk in the user's cache folder, keyed by the TeX, the mode (inline or
display) and the renderers' versions: a book of a hundred chapters pays for each formula once,
and a rebuild after editing one formula renders only that one. ziamath takes about 0.6 s to
import, so it is imported only when a formula has to be drawn.
"""

from __future__ import annotations

import hashlib
import os
from functools import cache

from pipeline import usercache
from pipeline.atomic import write_bytes_atomic

M_NS = "http://schemas.openxmlformats.org/officeDocument/2006/math"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def cache_dir() -> str:
    return usercache.folder("math")


def _cached(kind: str, version: str, tex: str, display: bool, make: object) -> str:
    key = hashlib.sha256(f"{kind}\0{version}\0{int(display)}\0{tex}".encode()).hexdigest()
    path = os.path.join(cache_dir(), kind, key[:2], key)
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except OSError:
        pass
    value = make(tex, display)  # type: ignore[operator]
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        write_bytes_atomic(path, value.encode("utf-8"))
    except OSError:  # a read-only home: no cache, same result
        pass
    return value


@cache
def _versions() -> tuple[str, str]:
    from importlib.metadata import version

    svg = f"ziamath {version('ziamath')} ziafont {version('ziafont')}"
    omml = f"latex2mathml {version('latex2mathml')} mathml2omml {version('mathml2omml')}"
    return svg, omml


def _make_svg(tex: str, display: bool) -> str:
    import ziamath

    ziamath.config.svg2 = False  # svglib scrambles ziamath's SVG 2 output
    return ziamath.Latex(tex, size=24, inline=not display).svg()


def _make_omml(tex: str, display: bool) -> str:
    import mathml2omml
    from latex2mathml.converter import convert

    omml = mathml2omml.convert(convert(tex, display="block" if display else "inline"))
    # the converter writes m: elements without declaring the namespace
    return omml.replace("<m:oMath>", f'<m:oMath xmlns:m="{M_NS}" xmlns:w="{W_NS}">', 1)


@cache
def svg(tex: str, display: bool = False) -> str:
    """The formula as SVG 1.1 paths (24 px type: scale to the text size)."""
    return _cached("svg", _versions()[0], tex, display, _make_svg)


@cache
def omml(tex: str, display: bool = False) -> str:
    """The formula as one ``<m:oMath>`` element with its namespaces declared."""
    return _cached("omml", _versions()[1], tex, display, _make_omml)
