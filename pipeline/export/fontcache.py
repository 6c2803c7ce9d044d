"""Parsed TrueType faces kept between runs, for the PDF and DOCX writers.

Parsing a 10 MB TrueType file (its character map and the widths of 30,000 glyphs) takes
~0.15 s, a third of a one-chapter PDF export. So each file is parsed once per process, and
what the parse extracts is also kept in the user's cache folder between runs, keyed by the
file's size and time stamp and the ReportLab version. It is stored with marshal (plain values
only: loading it can run no code) and a cache that cannot be read or written is ignored.
This module imports no more of ReportLab than its font parser, so the DOCX writer (which
subsets the faces it embeds) does not load the PDF machinery.
"""

from __future__ import annotations

import hashlib
import marshal
import os
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import reportlab

from pipeline import gcpause, usercache
from pipeline.atomic import write_bytes_atomic

_FONT_CACHE_FORMAT = 1
_NAME_FIELDS = ("name", "familyName", "styleName", "fullName", "uniqueFontID")  # TTFNameBytes


def _cache_dir() -> str:
    return usercache.folder("fonts")


def _font_cache_file(path: str, what: str = "") -> str | None:
    """Where the cache keeps something derived from the font file ``path`` (its parse when
    ``what`` is empty); it changes with the file, its time stamp and the ReportLab version."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    key = f"{_FONT_CACHE_FORMAT}\0{reportlab.Version}\0{path}\0{st.st_size}\0{st.st_mtime_ns}\0{what}"
    return os.path.join(_cache_dir(), hashlib.sha256(key.encode()).hexdigest()[:32] + ".marshal")


def derived(path: str, what: str, make: Callable[[], bytes]) -> bytes:
    """``make()``, a value derived from the font file ``path`` alone (its family name, a subset
    of it), kept between runs under the name ``what``: a DOCX export whose text did not change
    embeds the same subsets without parsing the 10 MB faces again."""
    return _kept(_font_cache_file(path, what), make)


def kept(key: str, make: Callable[[], bytes]) -> bytes:
    """``make()``, kept between runs under ``key``, which must name everything the value
    depends on (the compressed form of an embedded font part: its content's hash)."""
    name = hashlib.sha256(f"{_FONT_CACHE_FORMAT}\0{key}".encode()).hexdigest()[:32]
    return _kept(os.path.join(_cache_dir(), name + ".bin"), make)


def _kept(cache_file: str | None, make: Callable[[], bytes]) -> bytes:
    if cache_file is not None:
        try:
            with open(cache_file, "rb") as fh:
                kept = fh.read()
            # stored after its SHA-256: a damaged file is made again, never embedded
            if hashlib.sha256(kept[32:]).digest() == kept[:32]:
                return kept[32:]
        except OSError:
            pass
    value = make()
    if cache_file is not None:
        try:
            os.makedirs(os.path.dirname(cache_file), exist_ok=True)
            write_bytes_atomic(cache_file, hashlib.sha256(value).digest() + value, sync=False)
        except OSError:  # a read-only home: no cache
            pass
    return value


@lru_cache(maxsize=1)
def _face_class() -> type:
    """TTFontFace extended to take what extractInfo() finds from a cache; made on first use, so
    a DOCX export whose font subsets are all cached never imports ReportLab's font parser."""
    from reportlab.pdfbase.ttfonts import TTFNameBytes, TTFontFace

    class _Face(TTFontFace):
        """A TTFontFace that takes what extractInfo() finds from ``cached`` when it is given."""

        def __init__(self, filename: str, cached: dict[str, Any] | None) -> None:
            self._cached = cached
            super().__init__(filename)

        def extractInfo(self, charInfo: int = 1) -> None:
            cached, self._cached = self._cached, None
            if cached is None:
                before = dict(vars(self))
                super().extractInfo(charInfo)
                self._extracted = {
                    k: v
                    for k, v in vars(self).items()
                    if (k not in before or before[k] is not v) and k != "_pdfScale"
                }
                return
            for name in _NAME_FIELDS:
                cached[name] = TTFNameBytes(cached[name])
            vars(self).update(cached)
            per_em = self.unitsPerEm
            self._pdfScale = (lambda x: x) if per_em == 1000 else (lambda x: x * (1000 / per_em))

    return _Face


def _read_cache(path: str | None) -> dict[str, Any] | None:
    if path is None:
        return None
    try:
        with open(path, "rb") as fh:
            data = fh.read()  # marshal.load() on the file reads it a few bytes at a time: 10x slower
        with gcpause.paused():  # the 30,000-entry tables would start collections
            cached = marshal.loads(data)
    except (OSError, EOFError, ValueError, TypeError):
        return None
    return cached if isinstance(cached, dict) else None


def _write_cache(path: str | None, face: Any) -> None:
    extracted = getattr(face, "_extracted", None)
    if path is None or extracted is None:
        return
    values = {k: (bytes(v) if k in _NAME_FIELDS else v) for k, v in extracted.items()}
    try:
        data = marshal.dumps(values)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        write_bytes_atomic(path, data, sync=False)
    except (OSError, ValueError):  # a read-only home, a value marshal cannot store: no cache
        pass


@lru_cache(maxsize=16)
def face(path: str) -> Any:
    """The parsed face (a ReportLab TTFontFace) of a TrueType file, from the cache when it
    holds it (once per process)."""
    from reportlab.pdfbase.ttfonts import TTFError

    _Face = _face_class()
    cache_file = _font_cache_file(path)
    cached = _read_cache(cache_file)
    try:
        found = _Face(path, cached)
    except (OSError, TTFError):
        raise
    except Exception:  # a cache file that reads as something else: parse the font instead
        if cached is None:
            raise
        found = _Face(path, None)
    _write_cache(cache_file, found)
    return found
