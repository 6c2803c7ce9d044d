"""Where the toolkit keeps what it can always make again, between runs.

Everything lives under ``~/.cache/pipeline/<kind>/`` (``$XDG_CACHE_HOME/pipeline``, or
``$PIPELINE_CACHE_DIR`` when set): the fonts' parses and subsets, rendered formulas, Babel's
answers. It is plain data, safe to delete; a file that cannot be read or written is ignored.
"""

from __future__ import annotations

import os


def folder(kind: str) -> str:
    """The cache folder of one kind of data ("fonts", "math", "babel"); not created here."""
    base = os.environ.get("PIPELINE_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "pipeline"
    )
    return os.path.join(base, kind)
