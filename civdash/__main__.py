"""Entry point for `python -m civdash`."""

import os
import sys

from civdash.cli import main

EXIT_PIPE_CLOSED = 141
"""128 + SIGPIPE: what `ls | head` reports for `ls`; the output was cut short by the reader."""

try:
    code = main()
    sys.stdout.flush()
except BrokenPipeError:
    # The reader went away (`python -m civdash snapshots | head`): stop quietly, and keep Python
    # from complaining again when it flushes stdout at exit.
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    code = EXIT_PIPE_CLOSED
raise SystemExit(code)
