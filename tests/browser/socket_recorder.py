"""Run Streamlit's command line with every network attempt of the process written down.

    python -m tests.browser.socket_recorder LOG run app.py --server.port 8501

installs an audit hook (PEP 578) and then runs `streamlit run app.py …` in this same process.
Each socket connect (TCP, UDP or a Unix socket), sendto / sendmsg and name lookup (getaddrinfo,
gethostbyname, gethostbyaddr, getnameinfo) made by Python code anywhere in the server, its
threads and the libraries it uses (requests, urllib3, asyncio, SQLAlchemy's drivers' Python
parts) becomes one JSON line in LOG: {"event": …, "family": …, "host": …, "address": …}.
Connections made inside C extensions without Python's socket module are not seen (the test
stores its data in SQLite, which makes none).
"""

from __future__ import annotations

import json
import sys
from typing import Any

EVENTS = frozenset(
    {
        "socket.connect",
        "socket.sendto",
        "socket.sendmsg",
        "socket.getaddrinfo",
        "socket.gethostbyname",
        "socket.gethostbyaddr",
        "socket.getnameinfo",
    }
)


def _record(event: str, args: tuple[Any, ...]) -> dict[str, Any]:
    if event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
        sock, address = args[0], args[1]
        family = getattr(sock, "family", None)
        return {"event": event, "family": getattr(family, "name", str(family)),
                "address": repr(address),
                "host": address[0] if isinstance(address, tuple) else None}  # fmt: skip
    host = args[0]
    if event == "socket.getnameinfo":  # (sockaddr, flags)
        host = host[0] if isinstance(host, tuple) else host
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    return {"event": event, "family": None, "address": repr(args), "host": host}


def main(log_path: str, args: list[str]) -> int:
    log = open(log_path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115 (open for the process)

    def hook(event: str, hook_args: tuple[Any, ...]) -> None:
        if event in EVENTS:
            log.write(json.dumps(_record(event, hook_args), ensure_ascii=False) + "\n")

    sys.addaudithook(hook)
    from streamlit.web import cli

    sys.argv = ["streamlit", *args]
    return int(cli.main(prog_name="streamlit") or 0)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1], sys.argv[2:]))
