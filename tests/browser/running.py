"""A Streamlit server started with a command and environment of the test's own (conftest's
`serve_app` starts the usual one): the offline-server test runs it under the socket recorder
and with the README's command line, the error-page test against a database that is down."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .conftest import ROOT, _wait_healthy

__all__ = ["running_server"]


@contextmanager
def running_server(command: list[str], env: dict[str, str], log: Path, port: int) -> Iterator[str]:
    """Run `command` (a Streamlit server listening on `port`) in the checkout with `env`, its
    output in `log`; yields its URL on 127.0.0.1 once /_stcore/health answers, stops it on exit
    (terminated, then killed)."""
    with log.open("wb") as out:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
