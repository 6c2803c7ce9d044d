"""Entry points: `python -m pipeline` and the `pipeline` console script (``run``).

Both guard the start-up itself against Ctrl-C: until the command line is parsed nothing has
been written, so an interrupt then just says so and exits 130, without a traceback.
"""

from __future__ import annotations

import _thread
import gc
import sys


def _redeliver(unraisable: sys.UnraisableHookArgs) -> None:
    """A Ctrl-C that landed in a callback Python cannot raise from (a weakref callback of the
    import system, a __del__) is only printed as "Exception ignored" and then lost, and the
    command would go on as if it had not been pressed: deliver it again to the main thread."""
    if unraisable.exc_type is not None and issubclass(unraisable.exc_type, KeyboardInterrupt):
        # from another thread: called here, the interrupt would be raised inside this hook
        _thread.start_new_thread(_thread.interrupt_main, ())
        return
    sys.__unraisablehook__(unraisable)


def _ignore_interrupts() -> None:
    """The command is over (done or interrupted): a Ctrl-C that _redeliver passes on again may
    still be on its way (two callbacks can swallow the one interrupt), and raised past main's own
    handler it would kill the process by SIGINT after it said "interrupted"."""
    # _signal, the C module that signal wraps: importing signal builds three enums, a millisecond
    # of every command, for this one call
    import _signal

    _signal.signal(_signal.SIGINT, _signal.SIG_IGN)


def run() -> None:
    sys.unraisablehook = _redeliver
    try:
        from pipeline import gcpause

        # Importing makes a few hundred thousand objects and no garbage: without the collector's
        # 75 walks over them, a command starts about 10 ms sooner (see pipeline.gcpause).
        with gcpause.paused():
            from pipeline.cli import main
    except KeyboardInterrupt:  # Ctrl-C while the command line is still being imported
        _ignore_interrupts()
        sys.stderr.write("pipeline: interrupted\n")
        sys.exit(130)
    status = 0
    try:
        status = main()
        _ignore_interrupts()
    except KeyboardInterrupt:
        _ignore_interrupts()
        if status != 130:
            sys.stderr.write("pipeline: interrupted\n")
        status = 130
    # Frozen, the objects still alive are not walked by the two full collections of the
    # interpreter's shutdown (about 10 ms, a tenth of a `pipeline check` of a chapter) and the
    # memory goes with the process. atexit handlers still run and stdout and stderr are still
    # flushed; every file the commands write is closed before main() returns.
    gc.freeze()
    sys.exit(status)


if __name__ == "__main__":
    run()
