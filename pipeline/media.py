"""Figures' image files: where they are, per language, and whether they are safe to print.

A figure names a file under the sources folder (``media/conv.svg``). For an edition in LANG the
file ``media/conv.LANG.svg`` is used when it exists, else the shared ``media/conv.svg`` (the rule
Sphinx uses for translated images); a figure marked ``neutral: true`` uses the shared file in
every edition. Files are PNG, JPEG or SVG, and they are checked before anything reads them for a
handout: the path stays inside the sources folder (no ``..``, no absolute path, no symbolic link
that leads out), the content is what the extension says, a raster image declares a sane number
of pixels (a decompression bomb is refused from its header, before decoding), and an SVG has no
DOCTYPE, entities, scripts or references to anything outside itself (nothing of this machine
may end up in a handout).
"""

from __future__ import annotations

import os
import re
import struct
from collections import namedtuple

KINDS = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".svg": "svg"}
MAX_FILE = 20 << 20  # bytes of an image file
MAX_SVG = 2 << 20  # bytes of an SVG file
MAX_PIXELS = 40_000_000  # 8000 × 5000
_SVG_NS = "http://www.w3.org/2000/svg"
_XLINK = "{http://www.w3.org/1999/xlink}href"
_REFUSED_SVG_TAGS = {"script", "foreignObject", "iframe", "object", "embed"}
_CSS_URL = re.compile(r"url\(\s*['\"]?\s*(?!#)", re.I)


class MediaError(ValueError):
    """An image that cannot be used; the message says why."""


class Image(namedtuple("Image", ("path", "kind", "width", "height"))):
    __slots__ = ()
    path: str  # absolute
    kind: str  # png | jpeg | svg
    width: float  # pixels for raster images, user units (points) for SVG
    height: float


def variant(root: str, rel: str, lang: str, neutral: bool) -> str:
    """The file an edition uses: name.LANG.ext when it exists (and the figure is not neutral),
    else the shared name.ext. Paths are relative to the sources folder."""
    if neutral:
        return rel
    stem, ext = os.path.splitext(rel)
    own = f"{stem}.{lang}{ext}"
    return own if os.path.exists(os.path.join(root, own)) else rel


def locate(root: str, rel: str) -> str:
    """The absolute path of a file named relative to the sources folder; MediaError when it leads
    outside the folder or is not a readable file."""
    if os.path.isabs(rel) or rel.startswith(("\\", "/")) or re.match(r"^[A-Za-z]:", rel):
        raise MediaError(f"{rel!r} is an absolute path: name a file inside the sources folder")
    norm = os.path.normpath(rel)
    if norm == ".." or norm.startswith(".." + os.sep) or "/../" in f"/{rel}/":
        raise MediaError(f"{rel!r} leads outside the sources folder")
    base = os.path.realpath(root)
    path = os.path.realpath(os.path.join(root, rel))
    if os.path.commonpath([base, path]) != base:
        raise MediaError(f"{rel!r} is a link that leads outside the sources folder")
    if not os.path.isfile(path):
        raise MediaError(f"no file {rel!r} in the sources folder")
    return path


def inspect(path: str, rel: str) -> Image:
    """Check an image file and read its size; MediaError naming what is wrong."""
    kind = KINDS.get(os.path.splitext(rel)[1].lower())
    if kind is None:
        raise MediaError(f"{rel!r}: figures are PNG, JPEG or SVG files (.png, .jpg, .svg)")
    try:
        size = os.path.getsize(path)
        if size > (MAX_SVG if kind == "svg" else MAX_FILE):
            limit = MAX_SVG if kind == "svg" else MAX_FILE
            raise MediaError(f"{rel!r} is {size >> 10} KB, more than the {limit >> 20} MB a figure may have")
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise MediaError(f"{rel!r} cannot be read: {exc.strerror}") from None
    if kind == "svg":
        return _svg(path, rel, data)
    return _raster(path, rel, kind, data)


def _raster(path: str, rel: str, kind: str, data: bytes) -> Image:
    if kind == "png":
        if not data.startswith(b"\x89PNG\r\n\x1a\n") or data[12:16] != b"IHDR":
            raise MediaError(f"{rel!r} is not a PNG file (its content is something else)")
        width, height = struct.unpack(">II", data[16:24])
    else:
        if not data.startswith(b"\xff\xd8\xff"):
            raise MediaError(f"{rel!r} is not a JPEG file (its content is something else)")
        width, height = _jpeg_size(data, rel)
    if width * height > MAX_PIXELS or not width or not height:
        raise MediaError(
            f"{rel!r} declares {width} × {height} pixels (at most {MAX_PIXELS:,} are allowed): "
            "refused before decoding"
        )
    from PIL import Image as PILImage

    try:
        with PILImage.open(path) as img:
            img.load()  # decodes: a truncated or corrupt file fails here, not in a handout
    except Exception as exc:  # Pillow raises many kinds for a broken file
        raise MediaError(f"{rel!r} does not decode as {kind.upper()}: {exc}") from None
    return Image(path, kind, float(width), float(height))


def _jpeg_size(data: bytes, rel: str) -> tuple[int, int]:
    """Width and height from the first SOF marker, without decoding."""
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            break
        marker = data[i + 1]
        length = struct.unpack(">H", data[i + 2 : i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return width, height
        i += 2 + length
    raise MediaError(f"{rel!r} is not a readable JPEG file (no frame header)")


def _svg(path: str, rel: str, data: bytes) -> Image:
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower():
        raise MediaError(f"{rel!r}: an SVG with a DOCTYPE or entities is refused (they can pull in files)")
    from lxml import etree

    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise MediaError(f"{rel!r} is not a well-formed SVG file: {exc}") from None
    if root.tag != f"{{{_SVG_NS}}}svg":
        raise MediaError(f"{rel!r} is not an SVG file (its root element is {etree.QName(root).localname!r})")
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        name = etree.QName(el).localname
        if name in _REFUSED_SVG_TAGS:
            raise MediaError(f"{rel!r}: an SVG with <{name}> is refused")
        for attr in ("href", _XLINK):
            ref = el.get(attr)
            if ref is not None and not ref.startswith(("#", "data:image/png", "data:image/jpeg")):
                raise MediaError(f"{rel!r}: an SVG that refers to {ref!r} is refused (only #ids inside it)")
        style = (el.get("style") or "") + ((el.text or "") if name == "style" else "")
        if _CSS_URL.search(style) or "@import" in style:
            raise MediaError(f"{rel!r}: an SVG whose CSS loads url(…) or @import is refused")
    width, height = _svg_size(root)
    return Image(path, "svg", width, height)


def _svg_size(root: object) -> tuple[float, float]:
    def number(value: str | None) -> float | None:
        m = re.match(r"\s*([0-9.]+)\s*(px|pt)?\s*$", value or "")
        if not m:
            return None
        return float(m.group(1)) * (0.75 if m.group(2) in (None, "px") else 1.0)

    width, height = number(root.get("width")), number(root.get("height"))  # type: ignore[attr-defined]
    box = (root.get("viewBox") or "").replace(",", " ").split()  # type: ignore[attr-defined]
    if (width is None or height is None) and len(box) == 4:
        vw, vh = float(box[2]), float(box[3])
        width = width or vw * 0.75
        height = height or vh * 0.75
    return (width or 300.0, height or 150.0)
