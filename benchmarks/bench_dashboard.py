"""Benchmark: every dashboard page and the issue map on a city-scale store.

Run by hand (not part of the test suite):

    python benchmarks/bench_dashboard.py                          # 1M volunteers, 50k issues, 5k units
    python benchmarks/bench_dashboard.py --pages map,overview     # some pages only
    python benchmarks/bench_dashboard.py --volunteers 100000 --issues 5000 --units 500 --weeks 3
    python benchmarks/bench_dashboard.py --profile                # cProfile every warm run
    python benchmarks/bench_dashboard.py --weeks 52 --walk --no-map   # a year of history

The store comes from benchmarks/city.py (`--weeks` weekly snapshots of each ledger, six by
default, built directly from numpy frames and committed through `Store.commit`, so each commit
also computes and stores its metric aggregates: the report says how long that takes per week)
and is kept in benchmarks/out/ between runs (`--rebuild` makes it again). Then, each stage in a
fresh subprocess so caches start empty and peak memory (max RSS) is that stage's. The pages run
logged in as the store's benchmark admin:

- each page of app.py under `streamlit.testing.v1.AppTest`: the first run (cold: empty caches,
  snapshots loaded from the store), a rerun with nothing changed, a change of the sidebar's
  district, and back to 全市 (both warm: the snapshots are cached by id; the change of district
  is that district's first visit, so its rows and the page's view are computed). Module imports
  happen before the clock starts. A warm run that misses its goal is profiled (cProfile, script thread)
  and the functions that dominate it are printed;
- with `--walk`, one process (one app server) through every page, a change of district and back,
  and three earlier as-of dates on 总览 and 周例会: each step's time, the process's peak memory
  and the bytes the snapshot cache holds (bounded by CIVDASH_CACHE_MB);
- the issue map (`maps.issue_map` with districts and units, `maps.render_html`) at the city's
  issue count: build and render time and HTML size, first and second build in one process.

Goals (issue 14, at 1M volunteers, 50k issues, 5k units and 52 weeks): each page's cold first
view ≤ 2 s (周例会 ≤ 3 s), warm reruns ≤ 0.5 s, peak memory of the walk ≤ 1 GB; (issue 3) the
map's HTML under 5 MB and built under 1 s at 50,000 points. Wall times on a busy machine are noisy: CPU time is printed beside them and the
load average before and after.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

from harness import load_text, profiled_runs, run_stage, top

from civdash.pages import PAGES

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
OUT = Path(__file__).resolve().parent / "out"
DISTRICT_KEY = "f_district"
ALL = "全市"
WARM_GOAL_S = 0.5
COLD_GOAL_S = 2.0
MEETING_COLD_GOAL_S = 3.0
PEAK_GOAL_MB = 1024
MAP_BYTES_GOAL = 5_000_000
MAP_BUILD_GOAL_S = 1.0
TIMEOUT_S = 1800.0


def registry_pages() -> list[tuple[str, str]]:
    """(path, title) of every page of the app's registry (`civdash.pages`), in navigation order."""
    return [(page.path, page.title) for page in PAGES.values()]


def _imported_modules(paths: list[Path]) -> list[str]:
    """Top-level imports of the app and its pages (imported before any clock starts)."""
    names: list[str] = []
    for path in paths:
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Import):
                names += [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.append(node.module)
    return [n for n in dict.fromkeys(names) if n != "__future__"]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---------------------------------------------------------------------------------------------
# Stages (each in its own process)


def _profiler() -> Any:
    return profiled_runs()


def _top(profiler: Any) -> list[str]:
    return top(
        profiler,
        tuple({f"{(ROOT / p).parent}/" for p, _ in registry_pages()} | {f"{ROOT}/civdash/"}),
        ROOT,
        14,
    )


def _page_stage(page: str, district: str, profile: bool) -> dict[str, Any]:
    pages = [ROOT / p for p, _ in registry_pages()]
    for module in _imported_modules([APP, *pages]):
        importlib.import_module(module)

    profiler = _profiler() if profile else None
    at = _logged_in_app()
    at.switch_page(page)
    runs: dict[str, dict[str, float]] = {}
    profiles: dict[str, list[str]] = {}

    def timed(label: str, step: Any) -> None:
        if profiler is not None:
            profiler.clear()
        t0, c0 = time.perf_counter(), time.process_time()
        step()
        runs[label] = {"seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0}
        if profiler is not None and label != "cold":
            profiles[label] = _top(profiler)

    timed("cold", at.run)
    timed("rerun", at.run)
    if any(box.key == DISTRICT_KEY for box in at.selectbox):  # pages with the sidebar's filters
        timed("district", lambda: at.selectbox(key=DISTRICT_KEY).set_value(district).run())
        timed("city", lambda: at.selectbox(key=DISTRICT_KEY).set_value(ALL).run())
    exceptions = [e.value for e in at.exception]
    return {"runs": runs, "exceptions": exceptions, "peak_mb": _peak_mb(), "profiles": profiles}


def _logged_in_app() -> Any:
    """The app under AppTest, logged in as the benchmark's admin (as after the login form)."""
    from streamlit.testing.v1 import AppTest

    from civdash.accounts import Accounts
    from civdash.store import Store
    from civdash.ui.auth import USER_KEY

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from city import BENCH_ADMIN

    store = Store()
    accounts = Accounts(store)
    if accounts.get(BENCH_ADMIN) is None:  # a store built before the benchmark had accounts
        accounts.add(BENCH_ADMIN, "admin", actor="基准")
    store.close()
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    at.session_state[USER_KEY] = BENCH_ADMIN
    return at


def _walk_stage(district: str) -> dict[str, Any]:
    """One app server's memory through a walk: every page, a change of district and back, and
    three earlier as-of dates on 总览 and 周例会. Peak RSS is the whole process's."""
    pages = [ROOT / p for p, _ in registry_pages()]
    for module in _imported_modules([APP, *pages]):
        importlib.import_module(module)
    from civdash.ui.state import AS_OF_KEY, frame_cache, view_cache

    at = _logged_in_app()
    steps: list[dict[str, Any]] = []

    def step(label: str, action: Any) -> None:
        t0 = time.perf_counter()
        action()
        steps.append(
            {
                "step": label,
                "seconds": time.perf_counter() - t0,
                "peak_mb": _peak_mb(),
                "cache_mb": frame_cache().bytes_used / 2**20,
                "view_mb": view_cache().bytes_used / 2**20,
                "errors": [e.value for e in at.exception],
            }
        )

    for path, title in registry_pages():
        at.switch_page(path)
        step(title, at.run)
    at.switch_page("app_pages/overview.py")
    at.run()
    step("总览·切换区县", lambda: at.selectbox(key=DISTRICT_KEY).set_value(district).run())
    step("总览·回到全市", lambda: at.selectbox(key=DISTRICT_KEY).set_value(ALL).run())
    dates = [o for o in at.selectbox(key=AS_OF_KEY).options if o[:1].isdigit()]
    for when in (dates[1:2] + dates[len(dates) // 2 : len(dates) // 2 + 1] + dates[-1:])[:3]:
        at.switch_page("app_pages/overview.py")
        at.run()
        step(f"总览·截至{when}", lambda w=when: at.selectbox(key=AS_OF_KEY).set_value(w).run())
        at.switch_page("app_pages/meeting.py")
        step(f"周例会·截至{when}", at.run)
    return {
        "steps": steps,
        "peak_mb": _peak_mb(),
        "cache_limit_mb": frame_cache().max_bytes / 2**20,
        "view_limit_mb": view_cache().max_bytes / 2**20,
    }


def _map_stage() -> dict[str, Any]:
    from civdash import maps
    from civdash.store import Store

    store = Store()
    issues_snap = store.current("issues")
    assert issues_snap is not None, "基准库里没有问题台账"
    issues = store.load(issues_snap.id)
    units = store.load_current("units")
    districts = store.districts()
    builds = []
    for _ in range(2):
        t0, c0 = time.perf_counter(), time.process_time()
        m = maps.issue_map(issues, as_of=issues_snap.as_of, districts=districts, units=units)
        t1 = time.perf_counter()
        html = maps.render_html(m)
        t2, c2 = time.perf_counter(), time.process_time()
        builds.append(
            {
                "build": t1 - t0,
                "render": t2 - t1,
                "total": t2 - t0,
                "cpu": c2 - c0,
                "bytes": len(html.encode("utf-8")),
            }
        )
    return {
        "issues": len(issues),
        "with_point": int(issues["lat"].notna().sum()),
        "units": 0 if units is None else len(units),
        "builds": builds,
        "peak_mb": _peak_mb(),
    }


def _build_stage(db: Path, size: dict[str, int]) -> dict[str, Any]:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from city import CitySize, build_store

    tmp = db.with_suffix(".partial")
    tmp.unlink(missing_ok=True)
    t0 = time.perf_counter()
    timings = build_store(f"sqlite:///{tmp}", CitySize(**size), log=False)
    tmp.rename(db)
    return {**timings, "seconds": time.perf_counter() - t0, "peak_mb": _peak_mb()}


def _run(stage: str, home: Path, *args: str) -> dict[str, Any]:
    return run_stage(__file__, stage, home, *args)


def _mark(ok: bool) -> str:
    return "✓" if ok else "✗ 未达标"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volunteers", type=int, default=1_000_000)
    parser.add_argument("--issues", type=int, default=50_000)
    parser.add_argument("--units", type=int, default=5_000)
    parser.add_argument("--weeks", type=int, default=6)
    parser.add_argument("--pages", default="", help="逗号分隔的页面文件名，如 map,overview")
    parser.add_argument("--district", default="城关区", help="切换到的区县")
    parser.add_argument("--rebuild", action="store_true", help="重新生成基准库")
    parser.add_argument("--profile", action="store_true", help="剖析每个页面的热运行")
    parser.add_argument("--no-map", action="store_true", help="不测地图")
    parser.add_argument(
        "--walk",
        action="store_true",
        help="再在一个进程里走遍各页、切换区县和三个截至日期，测峰值内存",
    )
    parser.add_argument("--stage", help=argparse.SUPPRESS)
    parser.add_argument("--page", help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    size = {"volunteers": args.volunteers, "issues": args.issues, "units": args.units,
            "weeks": args.weeks}  # fmt: skip
    if args.stage == "page":
        print(json.dumps(_page_stage(args.page, args.district, args.profile), ensure_ascii=False))
        return
    if args.stage == "walk":
        print(json.dumps(_walk_stage(args.district), ensure_ascii=False))
        return
    if args.stage == "map":
        print(json.dumps(_map_stage()))
        return
    if args.stage == "build":
        print(json.dumps(_build_stage(args.db, size)))
        return

    key = "_".join(f"{k[0]}{v}" for k, v in size.items())
    home = OUT / f"city_{key}"
    db = home / "civdash.sqlite"
    home.mkdir(parents=True, exist_ok=True)
    print(f"机器: {os.cpu_count()} 核; Python {sys.version.split()[0]}; {load_text()}")
    print(
        f"城市规模: 志愿者 {args.volunteers:,}，问题 {args.issues:,}，创建单位 {args.units:,}，"
        f"{args.weeks} 周快照"
    )
    if args.rebuild:
        db.unlink(missing_ok=True)
    if db.exists():
        print(f"使用已有基准库 {db.relative_to(ROOT)}（{db.stat().st_size / 1e6:.0f} MB）")
    else:
        print(f"生成基准库 {db.relative_to(ROOT)} ……", flush=True)
        built = _run("build", home, "--db", str(db), *_size_args(size))
        print(
            f"  {int(built['rows']):,} 行，{built['seconds']:.0f} s（模拟 {built['simulate']:.1f} s，"
            f"生成 {built['generate']:.1f} s，提交 {built['commit']:.1f} s），"
            f"峰值内存 {built['peak_mb']:.0f} MB，{db.stat().st_size / 1e6:.0f} MB"
        )
        for kind, label in (("volunteers", "志愿者"), ("issues", "问题"), ("units", "创建单位")):
            commit, agg = (
                built[f"commit_{kind}"] / args.weeks,
                built[f"aggregate_{kind}"] / args.weeks,
            )
            print(
                f"  每周{label}快照：提交 {commit:.2f} s，其中计算指标汇总 {agg:.2f} s"
                f"（占 {agg / commit:.0%}）"
                if commit
                else ""
            )

    wanted = {p.strip() for p in args.pages.split(",") if p.strip()}
    pages = [(p, t) for p, t in registry_pages() if not wanted or Path(p).stem in wanted]
    print(f"\n== 页面（AppTest；切换区县：{args.district}）==  {load_text()}")
    print(
        f"{'页面':<8}{'冷启动':>9}{'重跑':>9}{'切换区县':>9}{'回到全市':>9}{'峰值内存':>10}"
        f"  冷启动 ≤ {COLD_GOAL_S:g} s（周例会 ≤ {MEETING_COLD_GOAL_S:g} s），热运行 ≤ {WARM_GOAL_S:g} s"
    )
    misses: list[tuple[str, str, float]] = []
    for path, title in pages:
        extra = ["--page", path, "--district", args.district]
        if args.profile:
            extra.append("--profile")
        try:
            res = _run("page", home, *extra)
        except RuntimeError as error:
            print(f"{title:<8} 运行失败：{str(error).splitlines()[-1]}")
            continue
        runs = res["runs"]
        warm = {k: runs[k]["seconds"] for k in ("rerun", "district", "city") if k in runs}
        cold_goal = MEETING_COLD_GOAL_S if path.endswith("meeting.py") else COLD_GOAL_S
        ok = all(v <= WARM_GOAL_S for v in warm.values()) and runs["cold"]["seconds"] <= cold_goal
        cells = "".join(
            f"{runs[k]['seconds']:8.2f}s" if k in runs else f"{'—':>9}"
            for k in ("cold", "rerun", "district", "city")
        )
        cpu = "/".join(
            f"{runs[k]['cpu']:.2f}" for k in ("cold", "rerun", "district", "city") if k in runs
        )
        print(f"{title:<8}{cells}{res['peak_mb']:8.0f} MB  {_mark(ok)}   CPU {cpu} s")
        for message in res["exceptions"]:
            print(f"    ！页面异常：{message.splitlines()[0][:160]}")
        worst = max(warm, key=lambda k: warm[k])
        if not ok:
            misses.append((path, title, warm[worst]))
            if not args.profile:
                try:
                    res = _run("page", home, *extra, "--profile")
                except RuntimeError as error:
                    print(f"    剖析失败：{str(error).splitlines()[-1]}")
        for label, lines in res.get("profiles", {}).items():
            if res["runs"][label]["seconds"] >= WARM_GOAL_S or args.profile:
                print(
                    f"    {title}·{_LABELS[label]} {res['runs'][label]['seconds']:.2f} s 的剖析："
                )
                for line in lines:
                    print(f"      {line}")

    if args.walk:
        print(f"\n== 一台服务器走遍各页（同一进程）==  {load_text()}")
        res = _run("walk", home, "--district", args.district)
        for st in res["steps"]:
            errors = f"  ！{st['errors'][0].splitlines()[0][:120]}" if st["errors"] else ""
            print(
                f"{st['step']:<22}{st['seconds']:7.2f} s  峰值 {st['peak_mb']:6.0f} MB  "
                f"快照缓存 {st['cache_mb']:5.0f} MB  视图缓存 {st['view_mb']:5.0f} MB{errors}"
            )
        print(
            f"峰值内存 {res['peak_mb']:.0f} MB（快照缓存上限 {res['cache_limit_mb']:.0f} MB，"
            f"CIVDASH_CACHE_MB；视图缓存上限 {res['view_limit_mb']:.0f} MB，"
            f"CIVDASH_VIEW_CACHE_MB）；目标 ≤ {PEAK_GOAL_MB} MB {_mark(res['peak_mb'] <= PEAK_GOAL_MB)}"
        )

    if not args.no_map:
        print(f"\n== 问题地图（maps.issue_map + render_html）==  {load_text()}")
        res = _run("map", home)
        print(
            f"问题 {res['issues']:,} 条（有坐标 {res['with_point']:,}），创建单位 {res['units']:,} 个"
        )
        for i, b in enumerate(res["builds"]):
            print(
                f"第 {i + 1} 次: 构建 {b['build']:.2f} s + 渲染 {b['render']:.2f} s = {b['total']:.2f} s"
                f"（CPU {b['cpu']:.2f} s），HTML {b['bytes'] / 1e6:.2f} MB"
            )
        first = res["builds"][0]
        print(
            f"目标：HTML < {MAP_BYTES_GOAL / 1e6:g} MB {_mark(first['bytes'] < MAP_BYTES_GOAL)}；"
            f"构建+渲染 < {MAP_BUILD_GOAL_S:g} s {_mark(first['total'] < MAP_BUILD_GOAL_S)}；"
            f"峰值内存 {res['peak_mb']:.0f} MB"
        )

    print(f"\n{load_text()}（机器繁忙时墙钟时间偏大，以 CPU 时间为参考）")
    if misses:
        print("未达热运行目标的页面：" + "、".join(f"{t}（最慢 {s:.2f} s）" for _, t, s in misses))


_LABELS = {"rerun": "重跑", "district": "切换区县", "city": "回到全市"}


def _size_args(size: dict[str, int]) -> list[str]:
    return [a for k, v in size.items() for a in (f"--{k}", str(v))]


if __name__ == "__main__":
    main()
