"""One module per CLI command; each keeps heavy imports inside its run function."""

from __future__ import annotations

import sys


def write_output(out: str | None, data: bytes) -> None:
    """Write a command's file (atomically), or to standard output when ``out`` is None or '-'."""
    if not out or out == "-":
        sys.stdout.buffer.write(data)
        return
    from pipeline.atomic import write_bytes_atomic
    from pipeline.errors import UsageError

    try:
        write_bytes_atomic(out, data)
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from None


def read_input(path: str) -> bytes:
    """The bytes of a file a command reads; a clear error when it cannot be read."""
    from pipeline.errors import UsageError

    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
