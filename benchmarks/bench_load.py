"""Benchmark: a Monday morning on two app servers — many leaders at once while clerks upload.

Run by hand (not part of the test suite; needs PostgreSQL, nginx, Chromium and Playwright):

    python benchmarks/bench_load.py                  # 20 leaders, 4 clerks, 2 servers
    python benchmarks/bench_load.py --sessions 24 --clerks 4 --servers 2

It starts `civdash.cluster.Cluster` (a throwaway PostgreSQL with the sample city, N app servers,
nginx in front, all on 127.0.0.1), then drives headless Chromium through nginx: each leader's
session (its own browser context, so its own cookies and server) logs in, waits for 总览's
numbers, switches to a district, opens 周例会 and downloads the 通报 (.docx); at the same time each
clerk uploads their district's part of the volunteers ledger for a new week and commits it.

It prints p50 / p95 / max of the page times (log in → 总览 shown; district switch → its 总览;
周例会 shown; 通报 downloaded; a clerk's upload → committed), the errors (failed steps, or a page
showing an error), each server's peak memory (VmHWM from /proc) and its sessions, the most
PostgreSQL connections in use, and whether each clerk's part was stored exactly once.
Goal (issue 15), on this 2-core machine: no error, no lost or duplicated part, p95 under 5 s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

from harness import ROOT, cpu_seconds, load_text, machine_busy

sys.path.insert(0, str(ROOT))

from civdash.cluster import SERVER_HEADER, Cluster

PASSWORD = "load-test-2026"
NEW_WEEK = date(2026, 11, 22)
STEP_TIMEOUT_MS = 120_000
GOAL_P95_S = 5.0


def _peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _leader(browser, cluster: Cluster, name: str, district: str, times, errors, servers):  # type: ignore[no-untyped-def]
    from playwright.async_api import expect

    context = await browser.new_context(
        viewport={"width": 1280, "height": 720}, accept_downloads=True
    )
    page = await context.new_page()
    try:
        response = await page.goto(cluster.url)
        servers[response.headers.get(SERVER_HEADER.lower(), "?") if response else "?"] += 1
        form = page.get_by_test_id("stForm")
        await form.get_by_label("用户名", exact=True).fill(name)
        await form.get_by_label("密码", exact=True).fill(PASSWORD)
        t0 = time.perf_counter()
        await form.get_by_role("button", name="登录").click()
        await expect(page.get_by_test_id("stMetric").first).to_be_visible(timeout=STEP_TIMEOUT_MS)
        times["登录→总览"].append(time.perf_counter() - t0)

        combo = page.get_by_test_id("stSidebar").get_by_role("combobox", name="区县")
        t0 = time.perf_counter()
        await combo.click()
        await page.keyboard.type(district)
        await page.keyboard.press("Enter")
        heading = page.get_by_test_id("stMain").locator("h1").first
        await expect(heading).to_contain_text(district, timeout=STEP_TIMEOUT_MS)
        await expect(page.get_by_test_id("stMetric").first).to_be_visible(timeout=STEP_TIMEOUT_MS)
        times["切换区县"].append(time.perf_counter() - t0)

        t0 = time.perf_counter()
        await page.get_by_test_id("stSidebar").get_by_role("link", name="周例会").click()
        await expect(page.locator(".cd-slide").first).to_be_visible(timeout=STEP_TIMEOUT_MS)
        times["周例会"].append(time.perf_counter() - t0)

        t0 = time.perf_counter()
        async with page.expect_download(timeout=STEP_TIMEOUT_MS) as download:
            await page.get_by_role("button", name="下载通报（Word）").click()
        got = await download.value
        failure = await got.failure()  # e.g. "canceled": said, rather than a bare exception
        path = None if failure else await got.path()
        if failure:
            errors.append(f"{name}: 通报下载失败（{failure}）")
        elif not path or Path(path).stat().st_size < 1000:
            errors.append(f"{name}: 通报文件为空")
        times["下载通报"].append(time.perf_counter() - t0)
        if (
            await page.get_by_test_id("stException").count()
            or await page.get_by_text("这个页面出了意外问题").count()
        ):
            errors.append(f"{name}: 页面显示错误")
    except Exception as exc:
        errors.append(f"{name}: {type(exc).__name__}: {str(exc).splitlines()[0][:160]}")
    finally:
        await context.close()


async def _clerk(browser, cluster: Cluster, name: str, file: Path, rows: int, times, errors):  # type: ignore[no-untyped-def]
    from playwright.async_api import expect

    context = await browser.new_context(viewport={"width": 1280, "height": 720})
    context.set_default_timeout(STEP_TIMEOUT_MS)
    page = await context.new_page()
    try:
        await page.goto(cluster.url)
        form = page.get_by_test_id("stForm")
        await form.get_by_label("用户名", exact=True).fill(name)
        await form.get_by_label("密码", exact=True).fill(PASSWORD)
        await form.get_by_role("button", name="登录").click()
        await expect(page.get_by_test_id("stSidebar").get_by_text("当前用户")).to_be_attached(
            timeout=STEP_TIMEOUT_MS
        )
        await page.get_by_test_id("stSidebar").get_by_role("link", name="数据导入").click()
        t0 = time.perf_counter()
        uploader = page.get_by_test_id("stFileUploaderDropzone").first.locator("input[type=file]")
        await uploader.set_input_files(str(file))
        commit = page.get_by_role("button", name=f"确认导入 {rows:,} 行有效数据", exact=False)
        await expect(commit).to_be_enabled(timeout=STEP_TIMEOUT_MS)
        await commit.click()
        await expect(page.get_by_text("已保存").first).to_be_visible(timeout=STEP_TIMEOUT_MS)
        times["填报员上传并提交"].append(time.perf_counter() - t0)
    except Exception as exc:
        errors.append(f"{name}: {type(exc).__name__}: {str(exc).splitlines()[0][:160]}")
    finally:
        await context.close()


async def _run(  # type: ignore[no-untyped-def]
    cluster: Cluster,
    leaders: int,
    clerks: list[tuple[str, Path, int]],
    districts: list[str],
    warm: bool,
    pids: list[int],
):
    from playwright.async_api import async_playwright

    times: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    servers: Counter[str] = Counter()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        jobs = [
            _leader(
                browser,
                cluster,
                f"领导{i + 1:02d}",
                districts[i % len(districts)],
                times,
                errors,
                servers,
            )
            for i in range(leaders)
        ] + [
            _clerk(browser, cluster, name, file, rows, times, errors) for name, file, rows in clerks
        ]
        if warm:  # each server has run its pages once, as on a morning after it started
            await asyncio.gather(
                *(_leader(browser, cluster, f"领导{i + 1:02d}", districts[0], defaultdict(list), [], Counter())
                  for i in range(cluster.servers * 2))
            )  # fmt: skip
        t0 = time.perf_counter()
        cpu_before = [cpu_seconds(pid) for pid in pids]
        busy_before, total_before = machine_busy()
        await asyncio.gather(*jobs)
        busy_after, total_after = machine_busy()
        server_cpu = sum(cpu_seconds(pid) for pid in pids) - sum(cpu_before)
        wall = time.perf_counter() - t0
        await browser.close()
    cpu = (busy_after - busy_before, total_after - total_before, server_cpu)
    return times, errors, servers, wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20, help="同时打开看板的领导会话数")
    parser.add_argument("--clerks", type=int, default=4, help="同时上传的区县填报员数（≤7）")
    parser.add_argument("--servers", type=int, default=2)
    parser.add_argument(
        "--cold", action="store_true", help="不预热：服务器刚启动，各页第一次运行也计入"
    )
    args = parser.parse_args()

    from civdash.sample import CLERKS, history_parts, simulate
    from civdash.store import Store

    print(f"机器: {os.cpu_count()} 核; {load_text()}")
    print(f"准备：{args.servers} 台应用服务器 + PostgreSQL（示例城市）+ nginx ……", flush=True)
    work = Path(tempfile.mkdtemp(prefix="civdash-load-"))
    parts = history_parts(simulate(), "volunteers", NEW_WEEK)
    with Cluster(servers=args.servers, sample=True, run_dir=work / "cluster") as cluster:
        cluster.add_user("基准管理员", "admin", PASSWORD)  # an office with its administrator
        for i in range(args.sessions):
            cluster.add_user(f"领导{i + 1:02d}", "viewer", PASSWORD)
        clerks = []
        for clerk in CLERKS[: args.clerks]:
            name = f"{clerk.district}填报员"
            cluster.add_user(name, "district", PASSWORD, district=clerk.district)
            part = parts[clerk.district]
            file = work / part.result.file_name
            file.write_bytes(part.data)
            clerks.append((name, file, part.result.rows_valid))
        assert cluster.postgres is not None and cluster.database_url is not None
        with Store(cluster.database_url) as store:
            before = {s.id for s in store.snapshots("volunteers")}
            districts = store.districts().names  # type: ignore[union-attr]
        most_connections = [0]
        done = threading.Event()

        def watch() -> None:
            while not done.is_set():
                with contextlib.suppress(Exception):  # a sample missed is fine
                    most_connections[0] = max(most_connections[0], cluster.postgres.connections())  # type: ignore[union-attr]
                done.wait(0.5)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        print(
            f"开始：{args.sessions} 个领导会话 + {len(clerks)} 个填报员同时操作"
            f"（{'服务器刚启动' if args.cold else '每台服务器先各走过两遍，不计时'}）…",
            flush=True,
        )
        pids = [cluster.server_pid(i) for i in range(args.servers)]
        times, errors, servers, wall, (busy, total, server_cpu) = asyncio.run(
            _run(cluster, args.sessions, clerks, districts, not args.cold, pids)
        )
        done.set()
        watcher.join()
        peaks = [_peak_mb(cluster.server_pid(i)) for i in range(args.servers)]
        server_errors = _server_errors(cluster)
        with Store(cluster.database_url) as store:
            new = [s for s in store.snapshots("volunteers") if s.id not in before and s.scope]
        by_clerk = Counter(s.committed_by for s in new)

    shutil.rmtree(work, ignore_errors=True)
    everything = [t for ts in times.values() for t in ts] or [float("nan")]
    print(f"\n总用时 {wall:.1f} s；{load_text()}")
    print(f"{'操作':<16}{'次数':>6}{'p50':>8}{'p95':>8}{'最长':>8}")
    for step, ts in times.items():
        q = statistics.quantiles(ts, n=20, method="inclusive") if len(ts) > 1 else ts * 19
        print(f"{step:<16}{len(ts):>6}{statistics.median(ts):>7.2f}s{q[18]:>7.2f}s{max(ts):>7.2f}s")
    q_all = (
        statistics.quantiles(everything, n=20, method="inclusive")
        if len(everything) > 1
        else everything * 19
    )
    p95 = q_all[18] if everything else float("nan")
    print(
        f"{'全部页面':<16}{len(everything):>6}{statistics.median(everything):>7.2f}s{p95:>7.2f}s{max(everything):>7.2f}s"
    )
    print("各服务器：" + "；".join(
        f"{i + 1} 号 峰值内存 {peak:.0f} MB、新会话 {servers.get(f'127.0.0.1:{port}', 0)} 个"
        for i, (peak, port) in enumerate(zip(peaks, cluster.server_ports, strict=True))
    ))  # fmt: skip
    print(f"PostgreSQL 同时在用的连接：最多 {most_connections[0]} 个")
    cores = os.cpu_count() or 1
    print(
        f"CPU（计时部分）：整机 {busy:.0f} 核·秒（{cores} 核的 {busy / total * 100:.0f}%），"
        f"其中应用服务器 {server_cpu:.0f} 核·秒，其余（Chromium、PostgreSQL、nginx）{busy - server_cpu:.0f} 核·秒"
    )
    lost = [c for c, _, _ in clerks if by_clerk.get(c, 0) == 0]
    doubled = [c for c, n in by_clerk.items() if n > 1]
    print(
        f"填报员的部分：应有 {len(clerks)} 份，存下 {len(new)} 份；丢失 {lost or '无'}；重复 {doubled or '无'}"
    )
    print(f"错误 {len(errors)} 个" + ("" if not errors else "：\n  " + "\n  ".join(errors[:20])))
    print(
        f"服务器日志中的错误 {len(server_errors)} 条"
        + ("" if not server_errors else "：\n  " + "\n  ".join(server_errors[:10]))
    )
    ok = not errors and not lost and not doubled and p95 < GOAL_P95_S
    print(f"{'✓' if ok else '✗ 未达标'}（目标：无错误、部分不丢不重、p95 < {GOAL_P95_S:g} s）")


def _server_errors(cluster: Cluster) -> list[str]:
    """The app servers' logged errors (a traceback's last line, or an ERROR line), before the
    set is stopped and its logs removed."""
    found = []
    for log in sorted(cluster.run_dir.glob("app*.log")):
        lines = log.read_text(errors="replace").splitlines()
        for i, line in enumerate(lines):
            if " ERROR " in line or line.startswith("Traceback"):
                tail = next(
                    (
                        x
                        for x in lines[i + 1 : i + 60]
                        if x and not x.startswith((" ", "Traceback"))
                    ),
                    "",
                )
                found.append(f"{log.name}: {line.strip()[:120]} … {tail.strip()[:160]}")
    return found


if __name__ == "__main__":
    main()
