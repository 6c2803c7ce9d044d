"""Inline markup parity: a translation keeps its source unit's tags (see pipeline.inline).

Like pofilter's ``xmltags`` and the inline-code checks of XLIFF tools, each translated unit is
compared with its twin as multisets, never by position: Chinese and English order words
differently, so tags may move, but none may be lost or added.

- ``markup-atoms``: the same code, math, cross-references and footnote references, content
  included (code and TeX are copied exactly; references name the same targets).
- ``markup-tags``: the same paired tags (b, i, sub, sup, a), as many of each.
- ``markup-links``: the same link targets (``<a href>``), when the links are as many.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from pipeline.check import scan
from pipeline.check.catalog import Hit, rule
from pipeline.check.context import Pair
from pipeline.model import Unit

SKIP = ("empty",)


def _nodes(unit: Unit) -> list:
    """The unit's inline nodes; [] for text without tags (the common case, told without parsing)."""
    return unit.inlines if "<" in unit.text else []


def _short(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@rule(
    "markup-atoms",
    "error",
    "inline code, math, cross-references or footnote references differ between twins (content included)",
    scope="twins",
    unless=SKIP,
)
def markup_atoms(source: Unit, target: Unit, pair: Pair) -> Iterator[Hit]:
    s_nodes, t_nodes = _nodes(source), _nodes(target)
    if not s_nodes and not t_nodes:
        return
    from pipeline import inline

    s_atoms, t_atoms = list(inline.atoms(s_nodes)), list(inline.atoms(t_nodes))
    if Counter(s_atoms) == Counter(t_atoms):
        return
    s_lang, t_lang = pair.source.lang, pair.target.lang
    missing, extra = _extra(s_atoms, t_atoms), _extra(t_atoms, s_atoms)
    for atom in extra:  # in the translation only: changed (when the source lacks one of its kind)
        instead = next((m for m in missing if m.tag == atom.tag), None)
        if instead is not None:
            missing.remove(instead)
            message = f"{atom.markup()} should be {instead.markup()} as in the {s_lang} text"
            twin = scan.locate_text(source, instead.offset)
        else:
            message = f"{atom.markup()} is not in the {s_lang} text: remove it, or write what {s_lang} has"
            twin = source.pos
        yield Hit(message, scan.locate_text(target, atom.offset), unit=target, twin=twin, twin_unit=source)
    for atom in missing:  # in the source only: write it in the translation
        yield Hit(
            f"{atom.markup()} of the {s_lang} text is missing in {t_lang}: write it exactly as in {s_lang}",
            target.pos,
            unit=target,
            twin=scan.locate_text(source, atom.offset),
            twin_unit=source,
        )


def _extra(mine: list, theirs: list) -> list:
    """The elements of ``mine`` left over once each of ``theirs`` has cancelled one equal to it."""
    left = Counter(theirs)
    out = []
    for element in mine:
        if left[element] > 0:
            left[element] -= 1
        else:
            out.append(element)
    return out


def _spans(unit: Unit) -> list:
    from pipeline import inline

    return list(inline.spans(_nodes(unit)))


def _shown(span: object) -> str:
    """A span as it is written, shortened: <i>Science</i>, <a href="…">the site</a>."""
    from pipeline import inline

    return _short(inline.markup([span]), 60)  # type: ignore[list-item]


@rule(
    "markup-tags",
    "error",
    "paired tags (<b>, <i>, <sub>, <sup>, <a>) differ in number between twins (their order may change)",
    scope="twins",
    unless=SKIP,
)
def markup_tags(source: Unit, target: Unit, pair: Pair) -> Iterator[Hit]:
    if "<" not in source.text and "<" not in target.text:
        return
    s_spans, t_spans = _spans(source), _spans(target)
    s_count, t_count = Counter(s.tag for s in s_spans), Counter(s.tag for s in t_spans)
    if s_count == t_count:
        return
    s_lang, t_lang = pair.source.lang, pair.target.lang
    for tag in dict.fromkeys([s.tag for s in s_spans] + [s.tag for s in t_spans]):
        n_s, n_t = s_count[tag], t_count[tag]
        if n_s > n_t:  # missing: show the source's first one the translation lacks
            example = [s for s in s_spans if s.tag == tag][n_t]
            yield Hit(
                f"{n_s} <{tag}> in {s_lang} but {n_t} in {t_lang}: mark up the words that render "
                f"{_shown(example)} with <{tag}>…</{tag}>",
                target.pos,
                unit=target,
                twin=scan.locate_text(source, example.offset),
                twin_unit=source,
            )
        elif n_t > n_s:
            example = [s for s in t_spans if s.tag == tag][n_s]
            yield Hit(
                f"{n_t} <{tag}> in {t_lang} but {n_s} in {s_lang}: {_shown(example)} has no "
                f"counterpart in {s_lang}; remove the tag or add it to {s_lang}",
                scan.locate_text(target, example.offset),
                unit=target,
                twin=source.pos,
                twin_unit=source,
            )


@rule(
    "markup-links",
    "error",
    "link targets (<a href>) differ between twins",
    scope="twins",
    unless=SKIP,
)
def markup_links(source: Unit, target: Unit, pair: Pair) -> Iterator[Hit]:
    if "href" not in source.text and "href" not in target.text:
        return
    s_links = [s for s in _spans(source) if s.tag == "a"]
    t_links = [s for s in _spans(target) if s.tag == "a"]
    if len(s_links) != len(t_links):
        return  # a link missing or added: markup-tags reports it, with its target
    s_lang, t_lang = pair.source.lang, pair.target.lang
    missing = _extra([link.href for link in s_links], [link.href for link in t_links])
    left = Counter(link.href for link in s_links)
    extra = []  # the links whose target the source does not have (as many as ``missing``)
    for link in t_links:
        if left[link.href] > 0:
            left[link.href] -= 1
        else:
            extra.append(link)
    for href, link in zip(missing, extra, strict=True):
        yield Hit(
            f'a link goes to "{link.href}" in {t_lang} but the {s_lang} text links "{href}": '
            f'write <a href="{href}">',
            scan.locate_text(target, link.offset),
            unit=target,
            twin=source.pos,
            twin_unit=source,
        )
