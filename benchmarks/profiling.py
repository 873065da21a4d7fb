"""cProfile inside AppTest's script thread, and the report the page benchmarks print with it.

Used by bench_dashboard.py and bench_upload.py (`--profile`); imported from their stage
processes (this folder is put on `sys.path` there).
"""

from __future__ import annotations

import cProfile
import io
import pstats
from pathlib import Path
from typing import Any


def profiled_runs() -> cProfile.Profile:
    """A profiler switched on inside AppTest's script thread for every run from now on
    (cProfile only sees the thread that enables it)."""
    from streamlit.testing.v1.local_script_runner import LocalScriptRunner

    profiler = cProfile.Profile()
    original = LocalScriptRunner._run_script_thread

    def run_profiled(self: Any) -> None:
        profiler.enable()
        try:
            original(self)
        finally:
            profiler.disable()

    LocalScriptRunner._run_script_thread = run_profiled  # type: ignore[method-assign]
    return profiler


def top(profiler: cProfile.Profile, ours: tuple[str, ...], root: Path, limit: int) -> list[str]:
    """The functions under the folders `ours` with the most cumulative time, then the functions
    with the most own time anywhere."""
    stats = pstats.Stats(profiler, stream=io.StringIO())
    rows = [
        (cumulative, own, calls, file, line, name)
        for (file, line, name), (_cc, calls, own, cumulative, _callers) in stats.stats.items()  # type: ignore[attr-defined]
    ]

    def where(file: str, line: int, name: str) -> str:
        return f"{file.split('site-packages/')[-1].replace(str(root) + '/', '')}:{line}({name})"

    mine = sorted((r for r in rows if r[3].startswith(ours)), reverse=True)[:limit]
    own = sorted(rows, key=lambda r: r[1], reverse=True)[: limit // 2]
    return [
        f"累计 {c:6.2f} s  自身 {o:5.2f} s  ×{n:<7} {where(f, ln, nm)}"
        for c, o, n, f, ln, nm in mine
    ] + [
        f"自身 {o:6.2f} s  累计 {c:5.2f} s  ×{n:<7} {where(f, ln, nm)}"
        for c, o, n, f, ln, nm in own
    ]
