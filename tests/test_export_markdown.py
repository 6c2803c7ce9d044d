"""Markdown handouts, read back with a real CommonMark/GFM parser (markdown-it-py; mdit-py-plugins
for the metadata block, footnotes and math when installed)."""

from __future__ import annotations

import functools
import itertools
import random
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
import yaml
from markdown_it import MarkdownIt
from mdread import (
    HAS_PLUGINS,
    PARSER,
    all_text,
    display_math,
    emphasis,
    front_matter,
    hrefs,
    ids,
    images,
    inline_text,
    parse,
    tables,
)

from pipeline.export import Options
from pipeline.export.layout import (
    Callout,
    CodeBlock,
    CodeSpan,
    Figure,
    Handout,
    Heading,
    ListBlock,
    MathBlock,
    MathSpan,
    NoteRef,
    Paragraph,
    Span,
    Table,
    Text,
    XRef,
    build,
)
from pipeline.export.markdown import (
    _Inline,
    code_span,
    escape,
    guard_line_start,
    inline,
    markdown,
    math_lines,
    math_span,
    yaml_string,
)
from pipeline.loader import load_book
from pipeline.model import Book
from pipeline.record import Record

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "md"  # every block kind and inline element, hostile text
FIGURES = ROOT / "tests" / "fixtures" / "figures"  # a figure per language, a shared one, formulas
BOOKS = [
    (ROOT / "tests" / "fixtures" / "book2", "ch03"),
    (ROOT / "sources", "ch14"),
    (FIXTURE, "ch05"),
    (FIGURES, "ch05"),
]
SHOWCASE = ROOT / "examples" / "showcase"  # the documentation's example book, every feature in use
if (SHOWCASE / "book.yaml").exists():
    BOOKS.append((SHOWCASE, "ch04"))
EDITIONS = [("en",), ("zh",), ("zh", "en"), ("en", "zh")]
plugins = pytest.mark.skipif(not HAS_PLUGINS, reason="mdit-py-plugins is not installed")


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@functools.cache
def book(root: Path) -> Book:
    return load_book(str(root))


@functools.cache
def fixture(codes: tuple[str, ...]) -> tuple[Handout, bytes]:
    handout = build(book(FIXTURE), "ch05", codes)
    return handout, markdown(handout, Options())


@pytest.fixture(scope="module", params=[(b, k, e) for b, k in BOOKS for e in EDITIONS], ids=str)
def rendered(request) -> tuple[Handout, bytes]:
    root, key, codes = request.param
    handout = build(book(root), key, codes)
    return handout, markdown(handout, Options())


def shown(t: Text) -> str:
    """What a reader sees of a Text: its plain text and the stale mark."""
    return t.plain + (" ‡" if t.stale else "")


def side_by_side(texts: list[str]) -> str:
    """Texts joined as headings and titles show them: a text the same in each language once."""
    return " / ".join(dict.fromkeys(texts))


def walk(blocks) -> list:
    """Every block, those inside callouts too, in document order."""
    out = []
    for b in blocks:
        out.append(b)
        if isinstance(b, Callout):
            out += walk(b.blocks)
    return out


# -- every handout --------------------------------------------------------------------------------
@plugins
def test_every_unit_is_in_the_markdown(rendered) -> None:
    handout, data = rendered
    text = squash(all_text(parse(data)))
    missing = [t.unit for t in handout.texts() if t.unit and squash(t.plain) not in text]
    assert not missing


def test_metadata_block_gives_the_title_and_language(rendered) -> None:
    handout, data = rendered
    assert data.startswith(b"---\n")
    meta = front_matter(data)
    assert meta == {
        "title": side_by_side([t.plain for t in handout.title.title]),
        "lang": handout.info.language,
    }
    tokens = parse(data)
    if HAS_PLUGINS:
        assert tokens[0].type == "front_matter"
    assert next(t.tag for t in tokens if t.type == "heading_open") == "h1"  # the metadata is no heading


def test_headings_levels_numbers_and_anchors(rendered) -> None:
    handout, data = rendered
    tokens = parse(data)
    heads = [(t.tag, inline_text(tokens[i + 1])) for i, t in enumerate(tokens) if t.type == "heading_open"]
    wanted = [b for b in handout.blocks if isinstance(b, Heading)]
    assert heads[0] == ("h1", side_by_side([shown(t) for t in handout.title.title]))
    assert len(heads) == 1 + len(wanted)
    for (tag, text), h in zip(heads[1:], wanted, strict=True):
        assert tag == f"h{h.level + 1}"
        number = f"{h.number} " if h.number else ""
        assert text.strip() == number + side_by_side([shown(t) for t in h.text])
    anchors = ids(tokens)
    assert len(anchors) == len(set(anchors))
    assert {h.anchor for h in wanted} <= set(anchors)


def test_internal_links_resolve_to_an_anchor_of_the_document(rendered) -> None:
    handout, data = rendered
    tokens = parse(data)
    internal = [h[1:] for h in hrefs(tokens) if h.startswith("#")]
    assert set(internal) <= set(ids(tokens))
    tables_ = [b for b in handout.blocks if isinstance(b, Table) and b.anchor]
    assert {b.anchor for b in tables_} <= set(ids(tokens))


def test_tables_keep_every_cell(rendered) -> None:
    handout, data = rendered
    parsed = tables(parse(data))
    for table in (b for b in walk(handout.blocks) if isinstance(b, Table)):
        header = ["\n".join(shown(t) for t in c.text) for c in table.header]
        got = next(t for t in parsed if t[0] == header)
        assert got[1:] == [["\n".join(shown(t) for t in c.text) for c in row] for row in table.rows]


def test_code_is_fenced_once_with_its_language(rendered) -> None:
    handout, data = rendered
    fences = [t for t in parse(data) if t.type == "fence"]
    codes = [b for b in walk(handout.blocks) if isinstance(b, CodeBlock)]
    assert [(f.info, f.content) for f in fences] == [(c.language, c.code) for c in codes]


def test_output_is_reproducible(rendered) -> None:
    handout, data = rendered
    assert markdown(handout, Options()) == data


def list_items(tokens) -> list[tuple[int, str, str]]:
    """(depth, bullet|ordered, text) of every list item, from the parser's nesting."""
    out, stack = [], []
    for i, t in enumerate(tokens):
        if t.type in ("bullet_list_open", "ordered_list_open"):
            stack.append(t.type.split("_")[0])
        elif t.type in ("bullet_list_close", "ordered_list_close"):
            stack.pop()
        elif t.type == "list_item_open":
            text = next(x for x in tokens[i:] if x.type == "inline")
            out.append((len(stack) - 1, stack[-1], squash(inline_text(text))))
    return out


def expected_items(b: ListBlock, depth: int = 0) -> list[tuple[int, str, str]]:
    out = []
    for item in b.items:
        mark = b.mark or ""
        out.append((depth, "ordered" if b.numbered else "bullet", squash(mark + shown(item.text[0]))))
        if item.children is not None:
            out += expected_items(item.children, depth + 1)
    return out


@plugins  # footnotes and math are read as such
def test_lists_nest_under_their_parent_item(rendered) -> None:
    handout, data = rendered
    wanted = []
    for b in walk(handout.blocks):
        if isinstance(b, ListBlock) and not handout.bilingual:  # else rows of the two-column tables
            wanted += expected_items(b)
        elif isinstance(b, Table):  # the table notes are a bullet list too
            wanted += [(0, "bullet", None) for _ in b.notes]
    got = list_items(parse(data))
    assert len(got) == len(wanted)
    for (depth, kind, text), want in zip(got, wanted, strict=True):
        assert (depth, kind, text if want[2] is not None else None) == want
    lists = [t for t in parse(data) if t.type.endswith("list_open") and t.level == 0]
    notes = sum(1 for b in handout.blocks if isinstance(b, Table) and b.notes)
    tops = sum(1 for b in handout.blocks if isinstance(b, ListBlock) and not handout.bilingual)
    assert len(lists) == tops + notes  # two lists in a row do not merge


# -- bilingual handouts (issue #15) -----------------------------------------------------------------
def runs(blocks) -> list[list]:
    """Consecutive paragraphs and lists: each run is one two-column table."""
    out: list[list] = []
    current: list = []
    for b in blocks:
        if isinstance(b, (Paragraph, ListBlock)):
            current.append(b)
            continue
        if current:
            out.append(current)
            current = []
        if isinstance(b, Callout):
            inner = list(b.blocks)
            if b.title is not None or not isinstance(inner[0], Paragraph):
                inner.insert(0, Paragraph(b.label))  # the label (and title): a row of their own
            out += runs(inner)
    return [*out, current] if current else out


def rows(b: Paragraph | ListBlock) -> int:
    if isinstance(b, Paragraph):
        return 1
    return (b.title is not None) + sum(1 + (rows(i.children) if i.children else 0) for i in b.items)


@plugins  # footnotes and math are read as such
def test_bilingual_paragraphs_share_one_table_per_run(rendered) -> None:
    handout, data = rendered
    first = handout.labels[handout.langs[0]]
    header = [first.language_name(c) for c in handout.langs]
    pair_tables = [t for t in tables(parse(data)) if t[0] == header]
    expected = runs(handout.blocks) if handout.bilingual else []  # one language: plain paragraphs
    assert len(pair_tables) == len(expected)
    for table, run in zip(pair_tables, expected, strict=True):
        assert len(table) == 1 + sum(rows(b) for b in run)  # the header once, a row per text
        cells = [[squash(c) for c in row] for row in table[1:]]
        paras = [b for b in run if isinstance(b, Paragraph) and b.text[0].unit]  # not the labels
        for p in paras:  # a callout's label leads its first paragraph
            by_lang = {t.lang: squash(shown(t)) for t in p.text}
            want = [by_lang.get(c, "") for c in handout.langs]
            assert any(all(c.endswith(w) for c, w in zip(row, want, strict=True)) for row in cells), want


# -- the fixture: every block kind and inline element ----------------------------------------------
def test_cjk_emphasis_is_strong_even_next_to_punctuation() -> None:
    zh = emphasis(parse(fixture(("zh",))[1]))
    assert ("strong", "html", "“强调”") in zh  # 这是**“强调”**文本 would not be bold
    assert ("strong", "markdown", "加粗") in zh
    assert ("em", "markdown", "斜体") in zh
    en = emphasis(parse(fixture(("en",))[1]))
    assert ("strong", "markdown", "“emphasis”") in en
    assert ("strong", "markdown", "site") in en  # inside a link


def test_links_sub_sup_code() -> None:
    _handout, data = fixture(("en",))
    tokens = parse(data)
    url = "https://example.org/a_(b)?q=1|2"
    assert PARSER.normalizeLink(url) in hrefs(tokens)
    kids = [c for t in tokens if t.type == "inline" for c in t.children or []]
    html = [c.content for c in kids if c.type == "html_inline"]
    assert {"<sub>", "</sub>", "<sup>", "</sup>"} <= set(html)
    code = [c.content for c in kids if c.type == "code_inline"]
    assert "a`b" in code and "`tick" in code


@plugins
def test_math_and_its_fallback_to_code() -> None:
    for codes in (("en",), ("zh", "en")):
        kids = [c for t in parse(fixture(codes)[1]) if t.type == "inline" for c in t.children or []]
        assert "x_1 + y^2" in [c.content for c in kids if c.type == "math_inline"]
        code = [c.content for c in kids if c.type == "code_inline"]
        assert "\\text{$}" in code  # a "$" inside: code, not math
        assert "|x|" in code  # a "|" inside a table cell: code (GFM splits rows first)


@plugins
@pytest.mark.parametrize("codes", [("en",), ("zh", "en")], ids=str)
def test_footnotes_are_definitions_at_the_end(codes) -> None:
    handout, data = fixture(codes)
    tokens = parse(data)
    refs = [c for t in tokens if t.type == "inline" for c in t.children or [] if c.type == "footnote_ref"]
    assert sorted({r.meta["label"] for r in refs}) == [str(n.number) for n in handout.footnotes]
    start = next(i for i, t in enumerate(tokens) if t.type == "footnote_block_open")
    notes: list[list[str]] = []
    for t in tokens[start:]:
        if t.type == "footnote_open":
            notes.append([])
        elif t.type == "inline":
            notes[-1].append(inline_text(t))
    assert notes == [[shown(t) for t in n.text] for n in handout.footnotes]


def blockquotes(tokens) -> list[tuple[str, list[str]]]:
    """(kind, inline texts) of each top-level blockquote: "quote", or the kind of a GitHub alert
    (the parser's title line left out)."""
    out: list[tuple[str, list[str]]] = []
    depth, title = 0, False
    for t in tokens:
        if t.type in ("alert_title_open", "alert_title_close"):
            title = t.type == "alert_title_open"
        elif t.type in ("blockquote_open", "alert_open"):
            depth += 1
            if depth == 1:
                out.append((t.info if t.type == "alert_open" else "quote", []))
        elif t.type in ("blockquote_close", "alert_close"):
            depth -= 1
        elif t.type == "inline" and depth and not title:
            out[-1][1].append(inline_text(t))
    return out


@plugins  # footnotes and math are read as such
def test_callouts_are_alerts_with_their_label_and_quotes_end_with_the_attribution() -> None:
    _handout, data = fixture(("en",))
    assert blockquotes(parse(data)) == [
        ("NOTE", ["Note: A note.2"]),  # the footnote reference prints its number
        ("WARNING", ["Warning: Careful", "A warning."]),
        ("TIP", ["Tip:", "Tip one", "Tip two"]),
        ("quote", ["Editor's note: The editor speaks."]),  # no alert: a plain quote
        ("quote", ["A quotation.", "— Someone"]),
    ]
    labels = [text for kind, how, text in emphasis(parse(data)) if how == "markdown" and kind == "strong"]
    assert {"Note:", "Warning: Careful", "Tip:", "Editor's note:"} <= set(labels)  # bold, natively


def test_bilingual_callout_keeps_its_alert_and_table() -> None:
    _, data = fixture(("zh", "en"))
    text = data.decode()
    assert "> [!NOTE]\n>\n> | 中文 | 英语 |\n" in text
    assert "| **注意**：注意文字。[^2] | **Note:** A note.[^2] |" in text


def test_code_fence_is_longer_than_any_backtick_run_inside() -> None:
    _, data = fixture(("zh", "en"))
    assert "\n````python\n" in data.decode()
    assert sum(t.type == "fence" for t in parse(data)) == 1  # once, in a bilingual handout too


# -- hostile text -----------------------------------------------------------------------------------
HOSTILE = [
    "a | b",
    "*bold* and _it_ **x**",
    "<b>x</b> & <br/> &amp;",
    "# not a heading",
    "- not a list",
    "1. not a list",
    "> not a quote",
    "`code` and ``more``",
    "line one\nline two | with pipe\n- three",
    "[link](http://x) ![img](y) [^1]: z",
    "back\\slash ~~strike~~ $x$ ^y^",
    "```\nfence",
    "    indented",
    ": definition",
]


def replace_texts(obj, text: str, wrap=lambda t: (t,)):
    """The handout with every piece of text replaced by ``text``, in the inline nodes ``wrap``
    makes of it."""
    if isinstance(obj, Text):
        return obj.but(text=text, inlines=wrap(text))
    if isinstance(obj, (tuple, list)):
        return type(obj)(replace_texts(x, text, wrap) for x in obj)
    if isinstance(obj, Record):
        changes = {name: replace_texts(getattr(obj, name), text, wrap) for name in obj._args or obj._fields}
        changes = {k: v for k, v in changes.items() if v is not getattr(obj, k)}
        return obj.but(**changes) if changes else obj
    return obj


WRAPS = {
    "bold": lambda t: ("“", Span("b", [t]), "”"),
    "link": lambda t: (Span("a", [Span("i", [t])], href="https://x.org/(a)"), t),
    "code": lambda t: (CodeSpan(t), Span("sup", [t]), MathSpan(t)),
}


def structure(data: bytes) -> list[tuple[str, str, int]]:
    return [(t.type, t.tag, t.level) for t in parse(data) if t.type != "inline"]


def hostile_fixture(codes: tuple[str, ...]) -> Handout:
    """The fixture's handout; without a footnote-aware reader, without its footnotes (plain
    CommonMark reads "[^1]: word" as a link reference definition)."""
    handout = fixture(codes)[0]
    return handout if HAS_PLUGINS else handout.but(footnotes=[])


@pytest.mark.parametrize("codes", [("en",), ("zh", "en")], ids=str)
@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_keeps_structure_and_prints_literally(text: str, codes) -> None:
    handout = hostile_fixture(codes)
    plain = replace_texts(handout, "harmless words")
    hostile = replace_texts(handout, text)
    base, data = markdown(plain, Options()), markdown(hostile, Options())
    assert structure(data) == structure(base)
    seen = all_text(parse(data))
    assert seen.count(text.strip()) >= all_text(parse(base)).count("harmless words")
    title = front_matter(data)["title"]  # Markdown for pandoc: escaped like the visible title
    assert inline_text(PARSER.parseInline(title)[0]) == text.strip()


@pytest.mark.parametrize("wrap", WRAPS)
@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_inside_markup_keeps_structure(text: str, wrap: str) -> None:
    handout = hostile_fixture(("en",))
    plain = replace_texts(handout, "harmless words", WRAPS[wrap])
    hostile = replace_texts(handout, text, WRAPS[wrap])
    base, data = markdown(plain, Options()), markdown(hostile, Options())
    assert structure(data) == structure(base)
    kids = [c for t in parse(data) if t.type == "inline" for c in t.children or []]
    texts = {c.content for c in kids if c.type in ("text", "code_inline", "math_inline")}
    pieces = [p.strip() for p in text.split("\n")]
    assert all(any(p in t for t in texts) for p in pieces if p)


@pytest.mark.parametrize("text", [*HOSTILE, 'say "hi" \\ #x', "a\u2028b\x85c", "tab\there"])
def test_yaml_title_is_quoted(text: str) -> None:
    assert yaml.safe_load(f"title: {yaml_string(text)}") == {"title": text}


# -- inline elements, one by one --------------------------------------------------------------------
NEIGHBOURS = ["", "a", "是", " ", "。", "“", "(", "1", "$", "✓", "*"]
INNERS = ["x", "强调", "“强调”", "a.", ".a", " x", "x ", "✓", "(1)"]


@pytest.mark.parametrize("tag", ["b", "i"])
def test_emphasis_works_whatever_surrounds_it(tag: str) -> None:
    """Every combination of neighbours: the span is bold/italic over exactly its text, and the
    text around it prints literally."""
    kind = {"b": "strong", "i": "em"}[tag]
    for left, inner, right in itertools.product(NEIGHBOURS, INNERS, NEIGHBOURS):
        nodes = [n for n in (left, Span(tag, [inner]), right) if n != ""]
        tokens = PARSER.parse(_Inline().render(nodes))
        got = [(k, t) for k, _, t in emphasis(tokens)]
        assert got == [(kind, inner)], (left, inner, right, _Inline().render(nodes))
        assert all_text(tokens).strip() == (left + inner + right).strip(), (left, inner, right)


def test_nested_and_adjacent_emphasis() -> None:
    cases = [
        [Span("b", ["a", Span("b", ["b"]), "c"])],  # **a**b**c** would end the outer one early
        [Span("i", ["a", Span("i", ["b"]), "c"])],
        [Span("b", [Span("i", ["x"])])],
        [Span("i", ["x", Span("b", ["“y”"]), "z"])],
        [Span("b", ["a"]), Span("i", ["b"])],
        [Span("b", ["a"]), "b", Span("b", ["c"])],
        ["x", Span("sup", [Span("b", ["2"])]), "y"],
        [Span("a", [Span("b", ["w"])], href="https://x.org")],
    ]
    for nodes in cases:
        md = _Inline().render(nodes)
        tokens = PARSER.parse(md)
        want = sorted(_spans(nodes))
        assert sorted((k, t) for k, _, t in emphasis(tokens)) == want, md


def _spans(nodes) -> list[tuple[str, str]]:
    out = []
    for n in nodes:
        if isinstance(n, Span):
            if n.tag in ("b", "i"):
                out.append(({"b": "strong", "i": "em"}[n.tag], visible(n.children)))
            out += _spans(n.children)
    return out


def test_native_markdown_where_commonmark_allows_it() -> None:
    assert _Inline().render(["这是", Span("b", ["强调"]), "文本"]) == "这是**强调**文本"
    assert _Inline().render(["这是", Span("b", ["“强调”"]), "文本"]) == "这是<strong>“强调”</strong>文本"
    assert _Inline().render(["a ", Span("i", ["b"]), "."]) == "a *b*."


@pytest.mark.parametrize(
    ("code", "md"),
    [
        ("x", "`x`"),
        ("a`b", "``a`b``"),
        ("`tick", "`` `tick ``"),
        (" a ", "`  a  `"),
        ("a``b`", "``` a``b` ```"),
    ],
)
def test_code_span(code: str, md: str) -> None:
    assert code_span(code) == md
    kids = PARSER.parseInline(md)[0].children
    assert [(c.type, c.content) for c in kids] == [("code_inline", code)]


def test_code_span_in_a_table_cell_escapes_the_bar() -> None:
    md = f"| h |\n|---|\n| {code_span('a|b', cell=True)} |\n"
    assert tables(PARSER.parse(md)) == [[["h"], ["a|b"]]]


def test_math_span() -> None:
    assert math_span("x_1 + y^2") == "$x_1 + y^2$"
    assert math_span(" a\nb ") == "$a b$"  # pandoc: no space inside the dollars
    assert math_span("\\text{$}") == "`\\text{$}`"
    assert math_span("a\\") == "`a\\`"
    assert math_span("|x|", cell=True) == "`\\|x\\|`"
    assert math_span("x", next_char="2") == "`x`"  # "$x$2" is no math for pandoc
    assert math_span("x", prev_char="2") == "`x`"  # nor "2$x$" for markdown-it


def test_inline_escapes_only_what_it_must() -> None:
    assert inline("Mac OS X and C++/CUDA, 2006.") == "Mac OS X and C++/CUDA, 2006."
    assert inline("a|b") == "a\\|b"
    assert inline("1. x") == "1\\. x"
    assert inline("- x") == "\\- x"
    assert escape("a\nb") == "a<br>b"


def test_lists_in_a_row_never_merge() -> None:
    """A list right after another one (or after a table's notes) with the same marker would
    continue it: the writer switches to the other marker (``*``, ``1)``)."""
    handout, _ = fixture(("en",))
    lists = [b for b in handout.blocks if isinstance(b, ListBlock)]
    table = next(b for b in handout.blocks if isinstance(b, Table) and b.notes)
    bullet = next(b for b in lists if b.style == "bullet")
    numbered = next(b for b in lists if b.numbered)
    pros = next(b for b in lists if b.style == "pros")
    blocks = [pros, bullet, bullet, bullet, table, bullet, numbered, numbered, numbered]
    data = markdown(handout.but(blocks=blocks), Options())
    tops = [t.type for t in parse(data) if t.type.endswith("list_open") and t.level == 0]
    assert len(tops) == len(blocks)  # eight lists, and the table's notes


@pytest.mark.parametrize(
    "url",
    ["https://example.org/a_(b)", "https://x.org/?a=1&amp;b=2", "https://x.org/a|b`c\\d", "mailto:a@b.org"],
)
def test_link_destination_reads_back_as_the_url(url: str) -> None:
    for md in (
        _Inline().render([Span("a", ["x"], href=url)]),
        f"| h |\n|---|\n| {_Inline(True).render([Span('a', ['x'], href=url)])} |",
    ):
        assert hrefs(PARSER.parse(md)) == [PARSER.normalizeLink(url)], md


# random inline trees: every span comes out as exactly one bold/italic span over its text, and the
# text reads back unchanged (a seeded generator: the same cases every run)
PIECES = [
    "a",
    "是",
    " ",
    "。",
    "“",
    "”",
    "(",
    ")",
    "1",
    "$",
    "✓",
    "*",
    "_",
    "-",
    "x y",
    "’s",
    "`",
    "|",
    "\\",
    "[",
    "]",
]


def random_nodes(r: random.Random, depth: int = 0) -> list:
    nodes: list = []
    for _ in range(r.randint(1, 4)):
        k = r.random()
        if k < 0.5 or depth > 2:
            piece = "".join(r.choice(PIECES) for _ in range(r.randint(1, 3)))
            if nodes and isinstance(nodes[-1], str):  # the inline parser joins adjacent text
                nodes[-1] += piece
            else:
                nodes.append(piece)
        elif k < 0.85:
            nodes.append(
                Span(
                    r.choice("bbiis") if r.random() < 0.9 else "a",
                    random_nodes(r, depth + 1),
                    "https://x.org/",
                )
            )
            if nodes[-1].tag == "s":
                nodes[-1] = Span("sup", nodes[-1].children)
        elif k < 0.9:
            nodes.append(CodeSpan(r.choice(["c`d", "x", "`y", "a|b"])))
        elif k < 0.95:
            nodes.append(MathSpan(r.choice(["x^2", "a$b", "|x|", "k"])))
        else:
            nodes.append(r.choice([XRef("表 1", "tbl-t", "t"), NoteRef(1, "fn-n", "footnotes.n")]))
    return nodes


def visible(nodes) -> str:
    out = []
    for n in nodes:
        if isinstance(n, (XRef, NoteRef)):
            out.append(n.label if isinstance(n, XRef) else str(n.number))
        else:
            out.append(n if isinstance(n, str) else getattr(n, "value", None) or visible(n.children))
    return "".join(out)


@plugins
def test_random_inline_markup_reads_back() -> None:
    r = random.Random(20261201)
    for _ in range(600):
        nodes = random_nodes(r)
        md = guard_line_start(_Inline().render(nodes).strip())
        # "Z ": dollarmath reads src[-1] for math at the very start of a paragraph (index -1)
        tokens = PARSER.parse("Z " + md + "\n\n[^1]: note\n")
        assert sorted((k, t) for k, _, t in emphasis(tokens[:3])) == sorted(_spans(nodes)), md
        assert inline_text(tokens[1])[2:].strip() == visible(nodes).strip(), md
        assert [c.attrs["href"] for c in tokens[1].children if c.type == "link_open"] == links(nodes), md


def links(nodes) -> list[str]:
    out = []
    for n in nodes:
        if isinstance(n, XRef):
            out.append(f"#{n.anchor}")
        elif isinstance(n, Span):
            out += [n.href] if n.tag == "a" else []
            out += [x for x in links(n.children) if n.tag != "a"]  # links do not nest
    return out


@plugins
@pytest.mark.parametrize(
    ("nodes", "types"),
    [
        (["Wow!", XRef("Table 1", "tbl-t", "t")], ["text", "link_open", "text", "link_close"]),
        (
            [NoteRef(1, "fn-n", "n"), XRef("Table 1", "tbl-t", "t")],
            ["footnote_ref", "html_inline", "link_open"],
        ),
        ([NoteRef(1, "fn-n", "n"), ": not a definition"], ["footnote_ref", "text"]),
        ([NoteRef(1, "fn-n", "n"), "(not a link)"], ["footnote_ref", "text"]),
        ([CodeSpan("a"), CodeSpan("b")], ["code_inline", "html_inline", "code_inline"]),
        ([MathSpan("a"), MathSpan("b")], ["math_inline", "html_inline", "math_inline"]),
    ],
)
def test_neighbours_never_make_another_construct(nodes: list, types: list[str]) -> None:
    md = _Inline().render(nodes)
    kids = PARSER.parse(f"{md}\n\n[^1]: note\n")[1].children
    assert [c.type for c in kids][: len(types)] == types, md


@pytest.mark.parametrize("codes", [("en",), ("zh", "en")], ids=str)
def test_table_caption_row_headers_and_notes(codes) -> None:
    tokens = parse(fixture(codes)[1])
    at = next(i for i, t in enumerate(tokens) if t.type == "inline" and 'id="tbl-basics--sizes"' in t.content)
    caption, start = tokens[at], at + 2  # inline, paragraph_close, table_open
    assert tokens[start].type == "table_open"
    pairs = {"zh": ("表 5.1", "常见尺寸"), "en": ("Table 5.1", "Common sizes")}
    assert inline_text(caption).strip() == "\n".join(" ".join(pairs[c]) for c in codes)
    assert {("strong", "markdown", pairs[c][0]) for c in codes} <= set(emphasis([caption]))
    end = next(i for i, t in enumerate(tokens) if i > start and t.type == "table_close")
    assert [e[2] for e in emphasis(tokens[start:end])] == ["3×3", "5×5"]  # the row headers
    title, *notes = [inline_text(t).strip() for t in tokens[end:] if t.type == "inline"][:3]
    words = {"zh": ("注", "以像素计。"), "en": ("Notes", "In pixels.")}
    assert title == " / ".join(words[c][0] for c in codes)
    assert notes == ["\n".join(words[c][1] for c in codes), "https://example.org"]
    assert hrefs(tokens[end:])[0] == "https://example.org"


# -- figures and displayed formulas (issue #12) -------------------------------------------------------
MEDIA = FIGURES / "media"


def figures(codes: tuple[str, ...], out_dir: Path | str) -> tuple[Handout, bytes]:
    handout = build(book(FIGURES), "ch05", codes)
    return handout, markdown(handout, Options(out_dir=str(out_dir)))


def wanted_images(handout: Handout) -> list[tuple[str, str]]:
    """(file, alt) of every image the handout should show: a shared file once, with every
    language's alt text; else each language's file with its own."""
    out = []
    for b in handout.blocks:
        if isinstance(b, Figure) and b.shared:
            out.append((b.files[0][1], " / ".join(dict.fromkeys(t.plain for t in b.alt))))
        elif isinstance(b, Figure):
            alts = {t.lang: t.plain for t in b.alt}
            out += [(path, alts[lang]) for lang, path in b.files]
    return out


def target(out_dir: Path | str, src: str) -> Path:
    """The file a link in a document in ``out_dir`` leads to, as a reader finds it."""
    assert "://" not in src and not src.startswith("/")  # relative, so it works when moved
    return (Path(out_dir) / unquote(src)).resolve()


@pytest.mark.parametrize("codes", EDITIONS, ids=str)
def test_images_link_to_their_files_relative_to_the_output_folder(codes, tmp_path) -> None:
    for out_dir in (FIGURES / "exports", tmp_path / "deep" / "out"):
        handout, data = figures(codes, out_dir)
        got = images(parse(data))
        want = wanted_images(handout)
        assert [alt for _, alt in got] == [alt for _, alt in want]
        assert [target(out_dir, src) for src, _ in got] == [Path(f) for f, _ in want]
    srcs = [src for src, _ in images(parse(figures(codes, FIGURES / "exports")[1]))]
    assert "../media/feature-map.png" in srcs  # from the exports folder next to the sources


def test_one_language_shows_its_own_variant() -> None:
    for code in ("zh", "en"):
        srcs = [src for src, _ in images(parse(figures((code,), FIGURES / "exports")[1]))]
        assert srcs == [f"../media/sliding.{code}.svg", "../media/feature-map.png"]


def test_without_an_output_folder_links_are_relative_to_the_current_directory(monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    handout, data = figures(("zh", "en"), "")
    got = images(parse(data))
    assert [target(tmp_path, src) for src, _ in got] == [Path(f) for f, _ in wanted_images(handout)]


def test_a_symlinked_output_folder_links_from_where_it_really_is(tmp_path) -> None:
    """``..`` is resolved from the folder's real place: counting it from the link's would miss."""
    real = tmp_path / "elsewhere" / "exports"
    real.mkdir(parents=True)
    (tmp_path / "exports").symlink_to(real, target_is_directory=True)
    handout, data = figures(("en",), tmp_path / "exports")
    got = images(parse(data))
    assert [target(tmp_path / "exports", src) for src, _ in got] == [
        Path(f) for f, _ in wanted_images(handout)
    ]


def test_paths_with_spaces_parentheses_and_percent_are_encoded(tmp_path) -> None:
    handout, _ = figures(("zh", "en"), "")
    folder = tmp_path / "my media (draft) 100%"
    folder.mkdir()
    names = ["a b(1).png", "[x]&y <z>.png", "图 一#.png"]
    for name in names:
        (folder / name).write_bytes((MEDIA / "feature-map.png").read_bytes())
    files = tuple(zip(handout.langs, [str(folder / n) for n in names[:2]], strict=True))
    fig = next(b for b in handout.blocks if isinstance(b, Figure) and not b.shared)
    shared = next(b for b in handout.blocks if isinstance(b, Figure) and b.shared)
    blocks = [
        fig.but(files=files),
        shared.but(files=(("zh", str(folder / names[2])),)),
    ]
    data = markdown(handout.but(blocks=blocks), Options(out_dir=str(tmp_path / "out")))
    got = images(parse(data))
    assert [target(tmp_path / "out", src) for src, _ in got] == [folder / n for n in names]
    assert "../my%20media%20%28draft%29%20100%25/a%20b%281%29.png" in data.decode()
    assert "/图%20一%23.png)" in data.decode()  # CJK names stay readable


@pytest.mark.parametrize("codes", [("zh", "en"), ("en", "zh")], ids=str)
def test_bilingual_figures_variants_one_after_the_other_and_a_shared_image_once(codes) -> None:
    _, data = figures(codes, FIGURES / "exports")
    tokens = parse(data)
    shown = []  # each paragraph: the image's file name, or the caption's text
    for t in tokens:
        if t.type == "inline":
            pics = [Path(c.attrs["src"]).name for c in t.children or [] if c.type == "image"]
            shown.append(pics[0] if pics else inline_text(t))
    caption = {
        "zh": ("图 5.1 3×3 卷积核在 5×5 输入上滑动", "图 5.2 一张特征图的示例"),
        "en": ("Figure 5.1 A 3×3 kernel sliding over a 5×5 input", "Figure 5.2 An example of a feature map"),
    }
    a, b = codes
    start = shown.index(f"sliding.{a}.svg")
    assert shown[start : start + 4] == [f"sliding.{a}.svg", caption[a][0], f"sliding.{b}.svg", caption[b][0]]
    at = shown.index("feature-map.png")
    assert shown[at + 1] == f"{caption[a][1]}\n{caption[b][1]}"  # one line per language
    assert [Path(src).name for src, _ in images(tokens)].count("feature-map.png") == 1
    labels = {text for kind, how, text in emphasis(tokens) if kind == "strong" and how == "markdown"}
    assert {"图 5.1", "图 5.2", "Figure 5.1", "Figure 5.2"} <= labels  # the labels are bold


@plugins
@pytest.mark.parametrize("codes", EDITIONS, ids=str)
def test_formulas_once_with_their_tex_number_and_anchor(codes) -> None:
    handout, data = figures(codes, "")
    tokens = parse(data)
    blocks = [b for b in handout.blocks if isinstance(b, MathBlock)]
    assert [b.number for b in blocks] == ["5.1", ""]
    assert display_math(tokens) == [b.tex + (f"\n\\tag{{{b.number}}}" if b.number else "") for b in blocks]
    assert [t.type for t in tokens].count("math_block") == 2  # "$$" blocks, once in every edition


@pytest.mark.parametrize("codes", EDITIONS, ids=str)
def test_references_to_figures_and_formulas_lead_to_their_anchors(codes) -> None:
    _, data = figures(codes, "")
    tokens = parse(data)
    anchors = ids(tokens)
    assert {"fig-sliding", "fig-map", "eq-conv", "eq-size"} <= set(anchors)
    assert len(anchors) == len(set(anchors))
    assert {"#fig-sliding", "#fig-map", "#eq-conv"} <= set(hrefs(tokens))
    assert {h[1:] for h in hrefs(tokens) if h.startswith("#")} <= set(anchors)
    text = data.decode()  # a figure's anchor comes before its (first) image: a link scrolls to it
    assert text.index('<a id="fig-sliding">') < text.index("![")


def image_paragraphs(tokens) -> list[list[str]]:
    return [
        [c.type for c in t.children or []]
        for t in tokens
        if t.type == "inline" and any(c.type == "image" for c in t.children or [])
    ]


@pytest.mark.parametrize("codes", [("en",), ("zh", "en")], ids=str)
@pytest.mark.parametrize("text", [*HOSTILE, "alt ] with ) and ![x](y) \\", "a\n\nb"])
def test_hostile_alt_and_caption_keep_the_figure(text: str, codes) -> None:
    handout, _ = figures(codes, "")
    plain = replace_texts(handout, "harmless words")
    hostile = replace_texts(handout, text)
    base, data = markdown(plain, Options()), markdown(hostile, Options())
    assert structure(data) == structure(base)
    tokens = parse(data)
    assert image_paragraphs(tokens) == image_paragraphs(parse(base))  # only the anchor and the image
    assert [src for src, _ in images(tokens)] == [src for src, _ in images(parse(base))]
    assert {alt for _, alt in images(tokens)} == {" ".join(text.split())}
    # the captions (and labels) print literally; the alt texts, on one line, are checked above
    seen = all_text(tokens).count(text.strip())
    assert seen >= all_text(parse(base)).count("harmless words") - len(images(tokens))


# TeX that a "$$" block holds, and TeX that needs a fence: GitHub reads "$$" inside a paragraph,
# so a line that starts a list, quote, heading... or a blank line would break the formula
FORMULAS = [
    ("x^2", "$$"),
    ("a = b\n  + c\n  - d", "fence"),
    ("\\begin{align*}\na &= b \\\\\n1. &= c\n\\end{align*}", "fence"),
    ("a\n\nb", "fence"),
    ("\\text{a $$ b}", "fence"),
    ("\\text{$}", "fence"),
    ("a\n> b", "fence"),
    ("a\n= b", "fence"),
    ("x \\text{```}", "$$"),
    ("a\n# b\n```", "fence"),
    ("\\frac{a}{b}\n\\cdot c", "$$"),
]
COMMONMARK = MarkdownIt("commonmark").enable("table")  # no math: how GitHub sees the block structure


@plugins
@pytest.mark.parametrize("number", ["", "5.1"])
@pytest.mark.parametrize(("tex", "kind"), FORMULAS)
def test_display_math_reads_back_exactly(tex: str, kind: str, number: str) -> None:
    lines = math_lines(tex, number)
    md = "\n".join(lines) + "\n"
    want = tex + (f"\n\\tag{{{number}}}" if number else "")
    assert display_math(PARSER.parse(md)) == [want], md
    if kind == "$$":
        assert lines[0] == lines[-1] == "$$"
        blocks = [t.type for t in COMMONMARK.parse(md) if t.type != "inline"]
        assert blocks == ["paragraph_open", "paragraph_close"], md  # one paragraph, as GitHub reads it
    else:
        assert lines[0].endswith("math") and lines[0].startswith("```")
        assert [t.type for t in COMMONMARK.parse(md)] == ["fence"], md


def test_a_formula_with_its_own_tag_gets_no_second_one() -> None:
    assert math_lines("x \\tag{A}", "5.1") == ["$$", "x \\tag{A}", "$$"]
    assert math_lines("x", "5.1") == ["$$", "x", "\\tag{5.1}", "$$"]
