"""Pause the cyclic garbage collector around batch work that builds large object graphs.

Loading a book of 100 chapters creates hundreds of thousands of small objects (nodes, units,
positions) and no reference cycles. Python starts a collection every few hundred allocations
and each full one walks everything alive, which took more than half of the loading time.
Reference counting still frees everything as usual while the collector is paused.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """Disable the cyclic collector for the block; restore its previous state afterwards."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
