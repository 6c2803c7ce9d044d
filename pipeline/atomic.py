"""Atomic file writes: a reader sees the old file or the new one, never half of one."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import threading
from collections.abc import Sequence

_UMASK_LOCK = threading.Lock()
_umask_value: int | None = None


def write_bytes_atomic(path: str, data: bytes, sync: bool = True) -> None:
    """Write ``data`` to a temporary file in the same folder, then rename it over ``path``.

    The rename is atomic on POSIX because both names are on one file system. The temporary
    file is removed on any failure, Ctrl-C included, so nothing half-written is left behind.
    An existing file keeps its permissions (a source file stays as the user set it); a new
    one gets the usual ``0666 & ~umask``. A symbolic link is followed, not replaced. Without
    ``sync`` (a cache, which is only rebuilt if lost) nothing waits for the disk.
    """
    write_files_atomic([(path, data)], sync)


def write_files_atomic(files: Sequence[tuple[str, bytes]], sync: bool = True) -> None:
    """Write several files as :func:`write_bytes_atomic` does, all or (nearly) nothing.

    Every temporary file is written and synced before the first rename, so a failure while
    writing (a full disk, a folder without write permission, a target that is a folder, Ctrl-C)
    leaves every file as it was; only the renames, which take microseconds, come after. An
    OSError names the file that could not be written in ``filename``.
    """
    staged: list[tuple[str, str, str]] = []  # (temporary file, target, path as given)
    try:
        for path, data in files:
            staged.append(_stage(path, data, sync))
        for tmp, target, path in staged:
            try:
                os.replace(tmp, target)
            except OSError as exc:
                raise _naming(exc, path) from None
    except BaseException:
        for tmp, _, _ in staged:  # the ones already renamed are gone: nothing to remove
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise
    for folder in dict.fromkeys(os.path.dirname(target) for _, target, _ in staged) if sync else ():
        _fsync_folder(folder)


def _stage(path: str, data: bytes, sync: bool) -> tuple[str, str, str]:
    """Write ``data`` to a synced temporary file beside ``path``."""
    target = os.path.realpath(path)
    folder = os.path.dirname(target)
    try:
        if os.path.isdir(target):  # found now, not at the rename after other files were replaced
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
        fd, tmp = _temporary(folder, os.path.basename(target))
    except OSError as exc:
        raise _naming(exc, path) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if sync:
                os.fsync(fh.fileno())
        os.chmod(tmp, _mode_for(target))  # mkstemp creates 0600 files
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise _naming(exc, path) from None
        raise
    return tmp, target, path


_FLAGS = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def _temporary(folder: str, base: str) -> tuple[int, str]:
    """A new file ``.BASE.XXXXXXXXXXXX.tmp`` in ``folder``, open, readable by its owner only, as
    tempfile.mkstemp makes one (importing tempfile, and the random module with it, cost every
    command 3 ms of start-up)."""
    for _ in range(100):
        tmp = os.path.join(folder, f".{base}.{os.urandom(6).hex()}.tmp")
        try:
            return os.open(tmp, _FLAGS, 0o600), tmp
        except FileExistsError:  # 48 random bits: practically never
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary file name", folder)


def _naming(exc: OSError, path: str) -> OSError:
    """The same error about ``path``, not about a temporary file nobody asked for."""
    if exc.errno is None:
        return exc
    return type(exc)(exc.errno, exc.strerror, path)


def _mode_for(path: str) -> int:
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return 0o666 & ~_umask()


def _umask() -> int:
    """The process umask, read once: reading it means setting it, which races between threads."""
    global _umask_value
    with _UMASK_LOCK:
        if _umask_value is None:
            _umask_value = os.umask(0)
            os.umask(_umask_value)
        return _umask_value


def _fsync_folder(folder: str) -> None:
    """Make the rename itself durable (POSIX; a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
