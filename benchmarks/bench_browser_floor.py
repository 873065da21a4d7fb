"""Benchmark: the floor under bench_load.py — fresh browsers opening a one-line Streamlit app.

Run by hand (needs Chromium and Playwright):

    python benchmarks/bench_browser_floor.py                  # 1, 8, 20, then 24 sessions at once
    python benchmarks/bench_browser_floor.py --sessions 24 --servers 2

bench_load.py drives twenty-odd headless Chromium sessions on the same machine as the app
servers. To tell how much of its page time is the browsers' own, this starts `--servers`
Streamlit servers running an app of three lines (a title and one st.metric: no CivDash, no
database, no charts) and opens it in N fresh browser contexts at once, as bench_load.py's
sessions open the login page, after four unmeasured warm-up visits. It prints p50 / p95 / max of
the time from navigation to the number being shown, and the CPU used by the browsers and by
the servers. Whatever the app does, a page of bench_load.py cannot be shown sooner than this.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from harness import ROOT, cpu_seconds, load_text, machine_busy

sys.path.insert(0, str(ROOT))

from civdash.cluster import free_port

APP = 'import streamlit as st\nst.title("总览")\nst.metric("问题整改率", "87.5%")\n'
TIMEOUT_MS = 300_000


def _serve(app: Path, port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [
            sys.executable, "-m", "streamlit", "run", str(app),
            "--server.headless", "true", "--server.address", "127.0.0.1",
            "--server.port", str(port), "--browser.gatherUsageStats", "false",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health") as r:
                if r.read() == b"ok":
                    return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise RuntimeError(f"Streamlit 未能在端口 {port} 启动")


async def _visit(browser, url: str, times: list[float] | None) -> None:  # type: ignore[no-untyped-def]
    from playwright.async_api import expect

    context = await browser.new_context(viewport={"width": 1280, "height": 720})
    page = await context.new_page()
    try:
        t0 = time.perf_counter()
        await page.goto(url, timeout=TIMEOUT_MS)
        await expect(page.get_by_test_id("stMetric").first).to_be_visible(timeout=TIMEOUT_MS)
        if times is not None:
            times.append(time.perf_counter() - t0)
    finally:
        await context.close()


async def _burst(
    urls: list[str], sessions: int, pids: list[int]
) -> tuple[list[float], float, float, float]:
    """The times of `sessions` visits at once (after four unmeasured ones), the wall time, and
    the CPU seconds of the whole machine and of the servers meanwhile."""
    from playwright.async_api import async_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        await asyncio.gather(*(_visit(browser, urls[i % len(urls)], None) for i in range(4)))
        times: list[float] = []
        t0 = time.perf_counter()
        busy, served = machine_busy()[0], sum(cpu_seconds(pid) for pid in pids)
        await asyncio.gather(
            *(_visit(browser, urls[i % len(urls)], times) for i in range(sessions))
        )
        busy, served = machine_busy()[0] - busy, sum(cpu_seconds(pid) for pid in pids) - served
        wall = time.perf_counter() - t0
        await browser.close()
    return times, wall, busy, served


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sessions", type=int, nargs="+", default=[1, 8, 20, 24], help="同时打开的浏览器会话数"
    )
    parser.add_argument("--servers", type=int, default=2)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="civdash-floor-"))
    app = work / "one_metric.py"
    app.write_text(APP, encoding="utf-8")
    ports = [free_port() for _ in range(args.servers)]
    servers = [_serve(app, port) for port in ports]
    urls = [f"http://127.0.0.1:{port}/" for port in ports]
    print(f"机器: {os.cpu_count()} 核; {load_text()}")
    print(f"{args.servers} 台 Streamlit 服务器运行三行的应用（标题和一个 st.metric）")
    try:
        for n in args.sessions:
            time.sleep(5)  # let the previous burst's browser processes end
            times, wall, busy, server_cpu = asyncio.run(
                _burst(urls, n, [server.pid for server in servers])
            )
            q = statistics.quantiles(times, n=20, method="inclusive") if n > 1 else times * 19
            print(
                f"{n:>3} 个会话同时打开：p50 {statistics.median(times):5.1f} s，"
                f"p95 {q[18]:5.1f} s，最长 {max(times):5.1f} s；用时 {wall:.1f} s；"
                f"CPU 整机 {busy:.1f} 核·秒，其中服务器 {server_cpu:.1f}"
            )
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
