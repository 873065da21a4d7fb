"""What the page benchmarks share: running a stage in a fresh process, the load average, and
cProfile inside AppTest's script thread with the report printed from it.

Imported by bench_dashboard.py and bench_upload.py (run as scripts, so this folder is on
`sys.path`).
"""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def run_stage(script: str, stage: str, home: Path, *args: str) -> dict[str, Any]:
    """`python script --stage stage args…` in a fresh process on the store in `home`; the JSON
    it prints last. The stage imports civdash from this checkout, installed or not."""
    env = {k: v for k, v in os.environ.items() if k != "CIVDASH_DATABASE_URL"}
    env.update(CIVDASH_HOME=str(home), CIVDASH_NO_SAMPLE="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, script, "--stage", stage, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{stage} 失败：\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(values) - idle) / tick, sum(values) / tick


def load_text() -> str:
    """The load average, to print beside figures measured on a shared machine."""
    one, five, _ = os.getloadavg()
    return f"负载 {one:.2f} / {five:.2f}（1/5 分钟）"


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
