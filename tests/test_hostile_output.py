"""Output safety: atomic writes, concurrent exports into one folder, unwritable folders and Ctrl-C.

Whatever happens to an export, a file in the output folder is either the one that was there
before or a complete new one, and no temporary file is left behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hostileutil import ROOT, SOURCES, copy_sources, run_cli, snapshot, temporary_files

from pipeline import atomic

EXPORT_ALL_MD = ["export", "--all", "--format", "md", "--force", "-q"]


def pipeline(*args: str, cwd: Path, **kw: object) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(  # type: ignore[call-overload]
        [sys.executable, "-m", "pipeline", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        **kw,
    )


# -- pipeline.atomic -------------------------------------------------------------------------
def test_the_temporary_file_is_written_beside_the_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same folder, so the rename never crosses file systems and stays atomic."""
    renames: list[tuple[str, str]] = []
    real_replace = os.replace

    def spy(src: str, dst: str) -> None:
        renames.append((src, dst))
        real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "replace", spy)
    target = tmp_path / "sub" / "out.md"
    target.parent.mkdir()
    atomic.write_bytes_atomic(str(target), b"new")
    [(src, dst)] = renames
    assert os.path.dirname(src) == os.path.dirname(dst) == str(target.parent)
    assert os.path.basename(src).startswith(".out.md.") and src.endswith(".tmp")
    assert target.read_bytes() == b"new" and os.listdir(target.parent) == ["out.md"]


@pytest.mark.parametrize("when", ["write", "fsync", "replace"])
def test_ctrl_c_during_a_write_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, when: str
) -> None:
    target = tmp_path / "out.md"
    target.write_bytes(b"old")

    def interrupt(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    if when == "write":  # half of the data is written when Ctrl-C comes
        real_fdopen = os.fdopen

        class Failing:
            def __init__(self, fd: int, mode: str) -> None:
                self.fh = real_fdopen(fd, mode)

            def __enter__(self) -> Failing:
                return self

            def __exit__(self, *exc: object) -> None:
                self.fh.close()

            def write(self, data: bytes) -> None:
                self.fh.write(data[:1])  # half-written, then Ctrl-C
                raise KeyboardInterrupt

        monkeypatch.setattr(atomic.os, "fdopen", Failing)
    else:
        monkeypatch.setattr(atomic.os, when, interrupt)
    with pytest.raises(KeyboardInterrupt):
        atomic.write_bytes_atomic(str(target), b"new content")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["out.md"]


def test_a_failure_while_writing_several_files_changes_none_of_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = [tmp_path / f"{n}.md" for n in ("a", "b", "c")]
    for f in files:
        f.write_bytes(b"old " + f.name.encode())
    calls = 0
    real_fsync = os.fsync

    def fsync_fails_on_the_third_file(fd: int) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(atomic.os, "fsync", fsync_fails_on_the_third_file)
    with pytest.raises(OSError) as info:
        atomic.write_files_atomic([(str(f), b"new") for f in files])
    assert info.value.filename == str(files[2]) and info.value.strerror == "No space left on device"
    assert [f.read_bytes() for f in files] == [b"old a.md", b"old b.md", b"old c.md"]
    assert sorted(os.listdir(tmp_path)) == ["a.md", "b.md", "c.md"]


def test_a_folder_in_place_of_a_target_is_found_before_anything_is_replaced(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_bytes(b"old")
    (tmp_path / "b.md").mkdir()
    with pytest.raises(IsADirectoryError) as info:
        atomic.write_files_atomic([(str(tmp_path / "a.md"), b"new"), (str(tmp_path / "b.md"), b"new")])
    assert info.value.filename == str(tmp_path / "b.md")
    assert (tmp_path / "a.md").read_bytes() == b"old"
    assert sorted(os.listdir(tmp_path)) == ["a.md", "b.md"]


def test_an_unwritable_place_is_reported_with_the_target_name(tmp_path: Path) -> None:
    (tmp_path / "blocker").write_bytes(b"a file, not a folder")
    target = tmp_path / "blocker" / "out.md"
    with pytest.raises(OSError) as info:
        atomic.write_bytes_atomic(str(target), b"new")
    assert info.value.filename == str(target)  # not the name of a temporary file
    assert sorted(os.listdir(tmp_path)) == ["blocker"]


# -- the export command ------------------------------------------------------------------------
@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy_sources(tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_ctrl_c_while_the_handouts_are_written_leaves_the_earlier_ones(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An interrupt between the writes of two handouts: none of them is replaced."""
    exports = workdir / "exports"
    assert run_cli([*EXPORT_ALL_MD, "--exports", "exports", "--jobs", "1"], capsys).status == 0
    earlier = snapshot(exports)
    (workdir / "sources" / "en" / "ch14.yaml").write_text(
        (SOURCES / "en" / "ch14.yaml").read_text(encoding="utf-8").replace("No commercial support.", "None."),
        encoding="utf-8",
    )
    calls = 0
    real_fsync = os.fsync

    def interrupt_on_the_third_file(fd: int) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise KeyboardInterrupt
        real_fsync(fd)

    monkeypatch.setattr(atomic.os, "fsync", interrupt_on_the_third_file)
    result = run_cli([*EXPORT_ALL_MD, "--exports", "exports", "--jobs", "1"], capsys)
    assert result.status == 130 and result.err == "pipeline: interrupted\n"
    assert snapshot(exports) == earlier
    assert not temporary_files(workdir)


def test_an_unwritable_output_folder_is_a_clear_error(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the tests run as root, for whom chmod does not block writes: a file stands where the
    # folder should be instead
    (workdir / "exports").write_bytes(b"not a folder")
    result = run_cli([*EXPORT_ALL_MD, "--exports", "exports/handouts", "--jobs", "1"], capsys)
    assert result.status == 2
    assert result.err == "pipeline: error: cannot write exports/handouts/ch14.zh.md: Not a directory\n"
    assert (workdir / "exports").read_bytes() == b"not a folder"


def test_an_unwritable_cache_does_not_stop_an_export(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The cache only saves time: an export into a read-only checkout still succeeds."""
    (workdir / ".pipeline-cache").write_bytes(b"not a folder")
    result = run_cli([*EXPORT_ALL_MD, "--exports", "exports", "--jobs", "1"], capsys)
    assert result.status == 0, result.err
    assert len(snapshot(workdir / "exports")) == 4
    assert not temporary_files(workdir)


def test_two_concurrent_exports_into_one_folder(tmp_path: Path) -> None:
    copy_sources(tmp_path)
    sequential = pipeline(*EXPORT_ALL_MD, "--exports", "sequential", cwd=tmp_path)
    assert sequential.wait(timeout=120) == 0, sequential.communicate()[1]
    expected = snapshot(tmp_path / "sequential")
    assert len(expected) == 4
    runs = [pipeline(*EXPORT_ALL_MD, "--exports", "same", cwd=tmp_path) for _ in range(2)]
    for run in runs:
        _, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
        assert "Traceback" not in err
    assert snapshot(tmp_path / "same") == expected
    assert not temporary_files(tmp_path)


_REFERENCE: dict[str, bytes] = {}


def reference_build(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Every handout of the shipped sources, built once without interruption (and only when a
    test needs it: most interrupted runs stop before writing anything)."""
    if not _REFERENCE:
        work = tmp_path_factory.mktemp("reference")
        copy_sources(work)
        run = pipeline("export", "--all", "--exports", "out", "--force", "-q", cwd=work)
        assert run.wait(timeout=300) == 0, run.communicate()[1]
        _REFERENCE.update(snapshot(work / "out"))
    return _REFERENCE


@pytest.mark.parametrize("delay", [0.3, 0.8, 1.6])
def test_ctrl_c_during_an_export_leaves_no_temporary_files(
    tmp_path: Path, delay: float, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Ctrl-C reaches the whole process group, worker processes included, as in a terminal."""
    copy_sources(tmp_path)
    run = pipeline("export", "--all", "--exports", "out", "--force", cwd=tmp_path, start_new_session=True)
    time.sleep(delay)
    os.killpg(run.pid, signal.SIGINT)
    try:
        _, err = run.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(run.pid, signal.SIGKILL)
        pytest.fail("the export did not stop after Ctrl-C")
    assert run.returncode in (0, 130), err
    assert "Traceback" not in err
    if run.returncode == 130:
        assert err.endswith("pipeline: interrupted\n")
    assert not temporary_files(tmp_path)
    produced = snapshot(tmp_path / "out")
    if produced:  # whatever was written is complete
        reference = reference_build(tmp_path_factory)
        for name, data in produced.items():
            assert data == reference[name], name


def test_a_ctrl_c_swallowed_by_a_callback_is_delivered_again() -> None:
    """Python only prints "Exception ignored" for a KeyboardInterrupt raised in a __del__ or a
    weakref callback (the import system has such callbacks), and the command would go on."""
    code = (
        "import sys, time\n"
        "from pipeline.__main__ import _redeliver\n"
        "sys.unraisablehook = _redeliver\n"
        "class Boom:\n"
        "    def __del__(self):\n"
        "        raise KeyboardInterrupt\n"
        "try:\n"
        "    Boom()\n"
        "    for _ in range(500):  # the command going on, for 5 s at the most\n"
        "        time.sleep(0.01)\n"
        "    print('lost')\n"
        "except KeyboardInterrupt:\n"
        "    print('delivered')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout == "delivered\n"
    assert "Exception ignored" not in done.stderr
