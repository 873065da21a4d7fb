"""Entry point for `python -m civdash`."""

import atexit
import os
import sys
import threading

from civdash.cli import main

EXIT_PIPE_CLOSED = 141
"""128 + SIGPIPE: what `ls | head` reports for `ls`; the output was cut short by the reader."""


def _end(code: int) -> None:
    """End the process once its work is done: output flushed and exit handlers run, but without
    Python freeing every module one by one (0.1 s with pandas, pandera and SQLAlchemy loaded; the
    operating system takes the memory back at once). While another thread still runs, or under a
    profiler or debugger (which write their results at exit), the process exits the usual way."""
    sys.stdout.flush()
    sys.stderr.flush()
    if threading.active_count() > 1 or sys.getprofile() or sys.gettrace():
        raise SystemExit(code)
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


try:
    code = main()
    sys.stdout.flush()
except BrokenPipeError:
    # The reader went away (`python -m civdash snapshots | head`): stop quietly, and keep Python
    # from complaining again when it flushes stdout at exit.
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    code = EXIT_PIPE_CLOSED
_end(code)
