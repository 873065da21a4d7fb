"""Benchmark: the app's first start with the sample city, as a newcomer meets it.

Run by hand (not part of the test suite; needs Chromium and Playwright, as the browser tests):

    python benchmarks/bench_first_start.py            # three starts, each on an empty store

Each start: `streamlit run app.py` on a free port of 127.0.0.1 with an empty CIVDASH_HOME, then
headless Chromium opens it. The clock runs from launching the server until the form that creates
the first administrator is shown (the sample city has been loaded, with its progress bar), and
again from submitting that form until 总览 shows its headline numbers. Their sum is the machine's
part of a first start (the typing is the newcomer's). Goal (issue 14): ≤ 10 s to a usable 总览.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from harness import load_text

ROOT = Path(__file__).resolve().parents[1]
GOAL_S = 10.0
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or ""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(url: str, deadline: float) -> None:
    while time.perf_counter() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("服务器未在时限内启动")


def one_start() -> dict[str, float]:
    from playwright.sync_api import expect, sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("CIVDASH_")}
        env["CIVDASH_HOME"] = tmp
        command = [
            sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
            "--server.headless", "true", "--server.port", str(port),
            "--server.address", "127.0.0.1", "--server.fileWatcherType", "none",
        ]  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM or None, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            t0 = time.perf_counter()
            proc = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            try:
                _wait_healthy(url, t0 + 120)
                healthy = time.perf_counter() - t0
                page.goto(url)
                form = page.get_by_test_id("stForm")
                expect(form.get_by_role("button", name="创建管理员并登录")).to_be_visible(
                    timeout=120_000
                )
                ready = time.perf_counter() - t0
                form.get_by_label("用户名", exact=True).fill("王主任")
                form.get_by_label("密码", exact=True).fill("first-start-2026")
                form.get_by_label("再输入一次密码").fill("first-start-2026")
                t1 = time.perf_counter()
                form.get_by_role("button", name="创建管理员并登录").click()
                expect(page.get_by_test_id("stMetric").first).to_be_visible(timeout=120_000)
                overview = time.perf_counter() - t1
            finally:
                proc.terminate()
                proc.wait(timeout=15)
                browser.close()
    return {"healthy": healthy, "ready": ready, "overview": overview}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"机器: {os.cpu_count()} 核; {load_text()}")
    print(
        f"{'次':<4}{'服务器就绪':>10}{'示例城市载入完、显示建管理员表单':>22}{'提交后总览显示':>12}{'合计':>8}"
    )
    for i in range(args.runs):
        r = one_start()
        total = r["ready"] + r["overview"]
        print(
            f"{i + 1:<4}{r['healthy']:9.1f}s{r['ready']:21.1f}s{r['overview']:13.1f}s"
            f"{total:9.1f}s  {'✓' if total <= GOAL_S else '✗ 未达标'}（目标 ≤ {GOAL_S:g} s）"
        )
    print(load_text())


if __name__ == "__main__":
    main()
