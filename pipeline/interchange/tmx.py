"""The book's translation memory as TMX 1.4b: every reviewed pair, for any CAT tool.

One ``<tu>`` per source unit that has at least one reviewed translation (``tuid`` is
``KEY:UNIT-ID``, KEY the chapter or ``book``), with a ``<tuv>`` for the source and one for each
reviewed translation. Inline tags become TMX inline elements holding their original markup:
paired tags ``<bpt>``/``<ept>`` (``i`` pairs them within a segment), atomic ones ``<ph>``; ``x``
numbers the codes in source order and matches them across the languages of a unit, the way
XLIFF code ids do. Stale and untranslated units are left out: a memory offers only reviewed
work. Dates are the newest edition's, or SOURCE_DATE_EPOCH.
"""

from __future__ import annotations

from lxml import etree

from pipeline import __version__, inline
from pipeline.dates import build_timestamp
from pipeline.interchange import common
from pipeline.interchange.xliff import Codes, code_nodes
from pipeline.model import Book, Unit

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
BPT_TYPES = {"b": "bold", "i": "italic", "a": "link"}  # TMX's own names; sub and sup have none
PH_TYPES = {"fn": "fnote", "ref": "link"}


def export_tmx(book: Book, langs: list[str]) -> tuple[bytes, int]:
    """The TMX file of every reviewed pair into ``langs``, and the number of its units."""
    editions = [c.edition for by_key in book.chapters.values() for c in by_key.values()]
    stamp = build_timestamp(max(editions)).strftime("%Y%m%dT%H%M%SZ") if editions else None
    root = etree.Element("tmx", version="1.4")
    header = etree.SubElement(
        root,
        "header",
        creationtool="pipeline",
        creationtoolversion=__version__,
        segtype="block",
        adminlang="en-US",
        srclang=common.bcp47(book.source_lang),
        datatype="xml",
    )
    header.set("o-tmf", "pipeline")
    if stamp:
        header.set("creationdate", stamp)
    body = etree.SubElement(root, "body")
    pairs: dict[tuple[str, str], tuple[Unit, list[tuple[str, Unit]]]] = {}
    for lang in langs:
        for key, source, twin in common.reviewed_pairs(book, lang):
            pairs.setdefault((key, source.id), (source, []))[1].append((lang, twin))
    for (key, unit_id), (source, twins) in pairs.items():
        tu = etree.SubElement(body, "tu", tuid=f"{key}:{unit_id}")
        etree.SubElement(tu, "prop", type="x-pipeline-document").text = key
        codes = Codes()
        nodes = inline.parse(source.text)
        codes.source_ids(nodes)
        _tuv(tu, book.source_lang, nodes, list(codes.spec))
        for lang, twin in twins:
            t_nodes = inline.parse(twin.text)
            again = Codes()
            again.source_ids(nodes)
            _tuv(tu, lang, t_nodes, [again.reuse(n) for n in code_nodes(t_nodes)])
    common.indent(root, {"seg", "prop"})
    head = b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE tmx SYSTEM "tmx14.dtd">\n'
    return head + etree.tostring(root, encoding="UTF-8") + b"\n", len(pairs)


def _tuv(tu: etree._Element, lang: str, nodes: list[inline.Node], ids: list[str]) -> None:
    tuv = etree.SubElement(tu, "tuv")
    tuv.set(XML_LANG, common.bcp47(lang))
    seg = etree.SubElement(tuv, "seg")
    _seg(seg, nodes, ids, [0])


def _add_text(parent: etree._Element, text: str) -> None:
    if len(parent):
        parent[-1].tail = (parent[-1].tail or "") + text
    else:
        parent.text = (parent.text or "") + text


def _seg(parent: etree._Element, nodes: list[inline.Node], ids: list[str], pairs: list[int]) -> None:
    for node in nodes:
        if isinstance(node, str):
            _add_text(parent, node)
            continue
        x = ids.pop(0).lstrip("x")  # TMX's x is a number; an extra target code gets its own
        if isinstance(node, inline.Span):
            pairs[0] += 1
            i = str(pairs[0])
            attr = f' href="{node.href}"' if node.href is not None else ""
            bpt = etree.SubElement(parent, "bpt", i=i, x=x)
            if node.tag in BPT_TYPES:
                bpt.set("type", BPT_TYPES[node.tag])
            bpt.text = f"<{node.tag}{attr}>"
            _seg(parent, node.children, ids, pairs)
            etree.SubElement(parent, "ept", i=i).text = f"</{node.tag}>"
        else:
            ph = etree.SubElement(parent, "ph", x=x)
            if node.tag in PH_TYPES:
                ph.set("type", PH_TYPES[node.tag])
            ph.text = node.markup()
