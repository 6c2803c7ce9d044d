"""The typefaces of PDF handouts, one regional face per CJK script, and where they come from.

Han characters have different standard shapes in Simplified Chinese, Traditional Chinese and
Japanese, and Korean needs Hangul, so each of these scripts gets its own face (Noto Sans SC, TC,
JP, KR: SIL Open Font License 1.1, static TrueType, regular and bold). Latin, Cyrillic and Greek
text is set in the Simplified Chinese face, which covers them.

Noto Sans SC is bundled in ``pipeline/fonts/`` (the shipped book is Chinese). The other three
faces are about 12 MB each (two weights): instead of making every installation 37 MB larger,
``pipeline fonts fetch`` downloads the one a book needs from the npm registry (the package
``@expo-google-fonts/noto-sans-XX``, checked against its pinned SHA-512 digest) into the user's
data folder (``~/.local/share/pipeline/faces``), once. ``make test`` fetches all three, so the
tests of every script run on a fresh machine. A book may also name its own font files per
language in ``book.yaml`` (``fonts:``).
"""

from __future__ import annotations

import os
from collections import namedtuple

FONTS_DIR = os.path.join(os.path.dirname(__file__), "fonts")
REGISTRY = os.environ.get("PIPELINE_NPM_REGISTRY", "https://registry.npmjs.org").rstrip("/")
MAX_DOWNLOAD = 64 << 20  # the packages are 28 to 39 MB


class FaceError(Exception):
    """A face cannot be had: the message says how to get it."""


class Face(namedtuple("Face", ("key", "family", "package", "version", "integrity", "stem"))):
    __slots__ = ()
    key: str  # sc, tc, jp, kr
    family: str  # "Noto Sans JP"
    package: str  # npm package name, or "" for a bundled face
    version: str
    integrity: str  # npm's dist.integrity of the package tarball
    stem: str  # file name stem inside the package: NotoSansJP

    @property
    def files(self) -> tuple[str, str]:
        return (f"{self.stem}_400Regular.ttf", f"{self.stem}_700Bold.ttf")


FACES: dict[str, Face] = {
    "sc": Face("sc", "Noto Sans SC", "", "", "", "NotoSansSC"),
    "tc": Face(
        "tc", "Noto Sans TC", "@expo-google-fonts/noto-sans-tc", "0.4.3",
        "sha512-69XAOTLPz0WlAxL6qJEKlDMxHsBd4J1M39HjV0gPF2o1xWVALOsVWvDgistnecVockA9wbU/tH5C/gyS2PdnHg==",
        "NotoSansTC",
    ),
    "jp": Face(
        "jp", "Noto Sans JP", "@expo-google-fonts/noto-sans-jp", "0.4.3",
        "sha512-Fl+Z6vtD24HFAYsvzB0S9Nery1ly16B9PesdY0wBd+wEHAvkNglnkTUspU0HqGOubkmoa8zusJrKv6vDx1o70A==",
        "NotoSansJP",
    ),
    "kr": Face(
        "kr", "Noto Sans KR", "@expo-google-fonts/noto-sans-kr", "0.4.3",
        "sha512-EVS/uJPcf1TgJtjmQmrFr0oGdcl7ml09CSu0E/AyGzR0UfzdR2pBbzWWPsnuzZiGUl643ODYwYiXK5+B+fLjhQ==",
        "NotoSansKR",
    ),
}  # fmt: skip
SCRIPT_FACES = {"sc": "sc", "tc": "tc", "jp": "jp", "kr": "kr", "latin": "sc"}


def cache_dir() -> str:
    """Where fetched faces are kept: data the user keeps, not a cache that may be wiped
    ($PIPELINE_FACES_DIR, else $XDG_DATA_HOME/pipeline/faces, else ~/.local/share/pipeline/faces)."""
    if os.environ.get("PIPELINE_FACES_DIR"):
        return os.environ["PIPELINE_FACES_DIR"]
    data = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(data, "pipeline", "faces")


def paths(key: str) -> tuple[str, str]:
    """The regular and bold TrueType files of a face; FaceError when it is not fetched."""
    face = FACES[key]
    if not face.package:
        return (
            os.path.join(FONTS_DIR, "NotoSansSC-Regular.ttf"),
            os.path.join(FONTS_DIR, "NotoSansSC-Bold.ttf"),
        )
    folder = os.path.join(cache_dir(), f"{key}-{face.version}")
    found = tuple(os.path.join(folder, name) for name in face.files)
    if not all(os.path.exists(p) for p in found):
        raise FaceError(
            f"{face.family} is not installed: run `pipeline fonts fetch {key}` (about 12 MB, into "
            f"{os.path.dirname(folder)}), or name a font for the language in book.yaml (fonts:)"
        )
    return found  # type: ignore[return-value]


def fetched(key: str) -> bool:
    try:
        paths(key)
    except FaceError:
        return False
    return True


def fetch(key: str) -> str:
    """Download a face into the cache (checked against its digest); the folder it is in."""
    face = FACES[key]
    if not face.package:
        return FONTS_DIR
    folder = os.path.join(cache_dir(), f"{key}-{face.version}")
    if fetched(key):
        return folder
    # only here: every export imports this module, and urllib alone takes 30 ms to import
    import base64
    import hashlib
    import io
    import tarfile
    import urllib.request

    name = face.package.rsplit("/", 1)[1]
    url = f"{REGISTRY}/{face.package}/-/{name}-{face.version}.tgz"
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            data = response.read(MAX_DOWNLOAD + 1)
    except OSError as exc:
        raise FaceError(f"cannot download {face.family} from {url}: {exc}") from None
    algo, digest = face.integrity.split("-", 1)
    if len(data) > MAX_DOWNLOAD or base64.b64encode(hashlib.new(algo, data).digest()).decode() != digest:
        raise FaceError(
            f"{url} is not the expected package (its {algo} digest differs): nothing was installed"
        )
    wanted = {
        f"package/400Regular/{face.files[0]}",
        f"package/700Bold/{face.files[1]}",
        "package/LICENSE_FONT",
    }
    found: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member in tar.getmembers():
            if member.name in wanted and member.isfile():
                extracted = tar.extractfile(member)
                assert extracted is not None
                found[os.path.basename(member.name)] = extracted.read()
    if len(found) != len(wanted):
        raise FaceError(f"{url} lacks {sorted(wanted - {f'package/{n}' for n in found})}")
    from pipeline.atomic import write_files_atomic

    os.makedirs(folder, exist_ok=True)
    write_files_atomic(
        [(os.path.join(folder, n if n != "LICENSE_FONT" else "OFL.txt"), b) for n, b in sorted(found.items())]
    )
    return folder
