"""Office Math (OMML) -> TeX for the common constructs of a manuscript's inline equations.

Covered: runs, sub/superscripts, fractions, roots, delimiters, n-ary operators (sums,
integrals), functions, accents, bars, boxes, equation arrays and matrices, and the usual Greek
letters and operators. Anything else keeps its text and is named in ``unknown`` so the caller
can warn. (The PyPI converters looked at, dwml and omml2latex, are unmaintained or very new;
this is a page of code that the round-trip tests cover.)
"""

from __future__ import annotations

from lxml import etree

M = "http://schemas.openxmlformats.org/officeDocument/2006/math"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

SYMBOLS = {
    "×": r"\times ", "·": r"\cdot ", "÷": r"\div ", "±": r"\pm ", "∓": r"\mp ", "≤": r"\le ", "≥": r"\ge ",
    "≠": r"\ne ", "≈": r"\approx ", "≡": r"\equiv ", "∞": r"\infty ", "∈": r"\in ", "∉": r"\notin ",
    "⊂": r"\subset ", "⊆": r"\subseteq ", "∪": r"\cup ", "∩": r"\cap ", "→": r"\to ", "←": r"\leftarrow ",
    "⇒": r"\Rightarrow ", "∂": r"\partial ", "∇": r"\nabla ", "∀": r"\forall ", "∃": r"\exists ",
    "α": r"\alpha ", "β": r"\beta ", "γ": r"\gamma ", "δ": r"\delta ", "ε": r"\epsilon ", "ζ": r"\zeta ",
    "η": r"\eta ", "θ": r"\theta ", "λ": r"\lambda ", "μ": r"\mu ", "π": r"\pi ", "ρ": r"\rho ",
    "σ": r"\sigma ", "τ": r"\tau ", "φ": r"\phi ", "χ": r"\chi ", "ψ": r"\psi ", "ω": r"\omega ",
    "Γ": r"\Gamma ", "Δ": r"\Delta ", "Θ": r"\Theta ", "Λ": r"\Lambda ", "Π": r"\Pi ", "Σ": r"\Sigma ",
    "Φ": r"\Phi ", "Ψ": r"\Psi ", "Ω": r"\Omega ", "⌊": r"\lfloor ", "⌋": r"\rfloor ", "⌈": r"\lceil ",
    "⌉": r"\rceil ", "…": r"\ldots ", "⋯": r"\cdots ", "∘": r"\circ ", "′": "'", "−": "-",
}  # fmt: skip
NARY = {
    "∑": r"\sum",
    "∏": r"\prod",
    "∫": r"\int",
    "∬": r"\iint",
    "∮": r"\oint",
    "⋃": r"\bigcup",
    "⋂": r"\bigcap",
}
ACCENTS = {"̂": r"\hat", "̃": r"\tilde", "̄": r"\bar", "⃗": r"\vec", "̇": r"\dot", "̈": r"\ddot"}
FUNCTIONS = frozenset(
    ("sin", "cos", "tan", "log", "ln", "exp", "max", "min", "lim", "det", "sup", "inf", "arg")
)


def _m(name: str) -> str:
    return f"{{{M}}}{name}"


class Converter:
    def __init__(self) -> None:
        self.unknown: list[str] = []

    def tex(self, el: etree._Element) -> str:
        return " ".join(self.seq(el).split()).strip()

    def seq(self, el: etree._Element | None) -> str:
        if el is None:
            return ""
        return "".join(self.node(child) for child in el)

    def arg(self, el: etree._Element, name: str) -> str:
        return self.seq(el.find(_m(name)))

    def prop(self, el: etree._Element, pr: str, name: str, default: str | None = None) -> str | None:
        found = el.find(f"{_m(pr)}/{_m(name)}")
        return found.get(_m("val"), default) if found is not None else default

    def node(self, el: etree._Element) -> str:
        if not isinstance(el.tag, str):
            return ""
        ns, _, name = el.tag[1:].partition("}")
        if ns != M:
            return ""  # run properties, bookmarks
        handler = getattr(self, f"m_{name}", None)
        if handler is not None:
            return handler(el)
        if name.endswith("Pr"):
            return ""
        if name in ("e", "num", "den", "sub", "sup", "deg", "fName", "lim", "oMath", "box", "borderBox"):
            return self.seq(el)
        self.unknown.append(name)
        return "".join(t.text or "" for t in el.iter(_m("t")))

    def m_r(self, el: etree._Element) -> str:
        text = "".join(t.text or "" for t in el.iter(_m("t")))
        if text in FUNCTIONS:
            return f"\\{text} "
        return "".join(SYMBOLS.get(c, c) for c in text)

    def m_sSub(self, el: etree._Element) -> str:
        return f"{self.arg(el, 'e')}_{{{self.arg(el, 'sub')}}}"

    def m_sSup(self, el: etree._Element) -> str:
        return f"{self.arg(el, 'e')}^{{{self.arg(el, 'sup')}}}"

    def m_sSubSup(self, el: etree._Element) -> str:
        return f"{self.arg(el, 'e')}_{{{self.arg(el, 'sub')}}}^{{{self.arg(el, 'sup')}}}"

    def m_f(self, el: etree._Element) -> str:
        kind = self.prop(el, "fPr", "type")
        num, den = self.arg(el, "num"), self.arg(el, "den")
        return f"{num}/{den}" if kind == "lin" else f"\\frac{{{num}}}{{{den}}}"

    def m_rad(self, el: etree._Element) -> str:
        deg = self.arg(el, "deg")
        return f"\\sqrt[{deg}]{{{self.arg(el, 'e')}}}" if deg.strip() else f"\\sqrt{{{self.arg(el, 'e')}}}"

    def m_d(self, el: etree._Element) -> str:
        beg = self.prop(el, "dPr", "begChr", "(") or ""
        end = self.prop(el, "dPr", "endChr", ")") or ""
        sep = self.prop(el, "dPr", "sepChr", "|") or "|"
        inner = f" {sep} ".join(self.seq(e) for e in el.findall(_m("e")))
        left = {"{": r"\{", "": "."}.get(beg, SYMBOLS.get(beg, beg).strip())
        right = {"}": r"\}", "": "."}.get(end, SYMBOLS.get(end, end).strip())
        return f"\\left{left} {inner} \\right{right}"

    def m_nary(self, el: etree._Element) -> str:
        op = self.prop(el, "naryPr", "chr", "∫") or "∫"
        out = NARY.get(op, SYMBOLS.get(op, op).strip())
        sub, sup = self.arg(el, "sub"), self.arg(el, "sup")
        if sub.strip():
            out += f"_{{{sub}}}"
        if sup.strip():
            out += f"^{{{sup}}}"
        return f"{out} {self.arg(el, 'e')}"

    def m_func(self, el: etree._Element) -> str:
        return f"{self.arg(el, 'fName')} {self.arg(el, 'e')}"

    def m_limLow(self, el: etree._Element) -> str:
        return f"{self.arg(el, 'e')}_{{{self.arg(el, 'lim')}}}"

    def m_limUpp(self, el: etree._Element) -> str:
        return f"{self.arg(el, 'e')}^{{{self.arg(el, 'lim')}}}"

    def m_acc(self, el: etree._Element) -> str:
        chr_ = self.prop(el, "accPr", "chr", "̂") or "̂"
        command = ACCENTS.get(chr_, r"\hat")
        return f"{command}{{{self.arg(el, 'e')}}}"

    def m_bar(self, el: etree._Element) -> str:
        below = self.prop(el, "barPr", "pos") == "bot"
        command = r"\underline" if below else r"\overline"
        return f"{command}{{{self.arg(el, 'e')}}}"

    def m_eqArr(self, el: etree._Element) -> str:
        # split, not aligned: Word's own converter writes invalid XML for aligned (pipeline.tex)
        return r"\begin{split}" + r" \\ ".join(self.seq(e) for e in el.findall(_m("e"))) + r"\end{split}"

    def m_m(self, el: etree._Element) -> str:
        rows = [" & ".join(self.seq(e) for e in mr.findall(_m("e"))) for mr in el.findall(_m("mr"))]
        return r"\begin{matrix}" + r" \\ ".join(rows) + r"\end{matrix}"


def to_tex(el: etree._Element) -> tuple[str, list[str]]:
    """The TeX of an ``m:oMath`` element, and the OMML elements it could not convert."""
    c = Converter()
    return c.tex(el), c.unknown
