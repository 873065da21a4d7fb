"""Benchmark: a large volunteer ledger through the real 数据导入 page, from drop to committed.

Run by hand (not part of the test suite):

    python benchmarks/bench_upload.py                   # 200,000 rows (issue 4)
    python benchmarks/bench_upload.py --rows 100000,1000000
    python benchmarks/bench_upload.py --profile         # cProfile both steps

The file is the volunteer ledger of benchmarks/bench_ingest.py (title row with the as-of date,
合计 row, 填报人 footer), written once into benchmarks/out/. The store is a copy of the sample city
(built once into benchmarks/out/sample_home/), so the page compares the file against a real
current volunteers snapshot, as it does for a clerk. Each size runs in a fresh subprocess (peak
memory is that run's) driving app.py on the upload page with `streamlit.testing.v1.AppTest`:

1. open the page (not timed as part of the upload; module imports happen before any clock);
2. read + check: the file is set on the uploader (`key="files"`) and the page runs to the review
   step (read, header detection, normalise, validate, the diff against the current snapshot, the
   preview tables); the review must show every row as valid. The file's transfer from the
   browser is not part of it (AppTest hands the bytes to the uploader directly);
3. commit: the 确认导入 button is pressed, the page saves the snapshot and reruns to the success
   message; then the store must hold a new current volunteers snapshot with every row.

Progress: the page's progress bar is cleared once the review is ready, so the final element tree
cannot show it; instead every message the page sends is recorded as it is queued for the browser
(`ForwardMsgQueue.on_before_enqueue_msg`), with its time. The benchmark checks that the reading
step was announced before the read started and prints the progress texts with their times, and the
longest stretch in which the page sent nothing (what a clerk sees as a frozen page).

Goal (issue 4): drop → committed under 40 s for 200,000 rows. Wall times on a busy machine are
noisy: CPU time is printed beside them and the load average before and after.
"""

from __future__ import annotations

import argparse
import importlib
import itertools
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from harness import load_text, profiled_runs, run_stage, top

from civdash.pages import PAGES

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
PAGE = PAGES["upload"].path
OUT = Path(__file__).resolve().parent / "out"
SAMPLE_HOME = OUT / "sample_home"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WHO = "基准测试"
GOAL_S = 40.0
TIMEOUT_S = 1800.0


def _require(ok: bool, message: str) -> None:
    """A check of what the page did (not `assert`: it must hold under `python -O` too)."""
    if not ok:
        raise RuntimeError(message)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _profiler() -> Any:
    return profiled_runs()


def _top(profiler: Any) -> list[str]:
    return top(profiler, (f"{ROOT}/civdash/", f"{ROOT}/app_pages/"), ROOT, 16)


class _Sent:
    """Every delta the page queues for the browser, with the time it was queued."""

    def __init__(self) -> None:
        self.t0 = time.perf_counter()
        self.items: list[tuple[float, str, str]] = []

    def restart(self) -> None:
        self.t0 = time.perf_counter()
        self.items.clear()

    def __call__(self, msg: Any) -> None:
        if msg.WhichOneof("type") != "delta":
            return
        delta = msg.delta
        what = delta.WhichOneof("type") or ""
        text = ""
        if what == "new_element":
            what = delta.new_element.WhichOneof("type") or what
            if what == "progress":
                text = delta.new_element.progress.text
        elif what == "new_transient":  # st.spinner: shown after a short delay, then cleared
            spinners = [e.spinner.text for e in delta.new_transient.elements if e.spinner.text]
            what, text = ("spinner", "、".join(spinners)) if spinners else (what, "")
        self.items.append((time.perf_counter() - self.t0, what, text))

    def progress(self) -> list[tuple[float, str]]:
        """(time, text) of every progress bar and spinner shown."""
        return [(t, text) for t, what, text in self.items if what in ("progress", "spinner")]

    def longest_silence(self, total: float) -> float:
        times = [0.0, *(t for t, _, _ in self.items), total]
        return max(b - a for a, b in itertools.pairwise(times))


def _upload_stage(path: Path, rows: int, profile: bool) -> dict[str, Any]:
    from streamlit.runtime.forward_msg_queue import ForwardMsgQueue
    from streamlit.testing.v1 import AppTest

    from civdash.store import Store
    from civdash.upload import MSG_STEP_READ

    importlib.import_module("civdash.ui")  # the page's imports happen before any clock
    with Store() as store:
        before = store.current("volunteers")
    data = path.read_bytes()
    profiler = _profiler() if profile else None
    sent = _Sent()
    ForwardMsgQueue.on_before_enqueue_msg(sent)
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    steps: dict[str, dict[str, float]] = {}
    profiles: dict[str, list[str]] = {}
    progress: dict[str, list[tuple[float, str]]] = {}

    def timed(label: str, step: Any) -> None:
        if profiler is not None:
            profiler.clear()
        sent.restart()
        t0, c0 = time.perf_counter(), time.process_time()
        step()
        seconds = time.perf_counter() - t0
        steps[label] = {
            "seconds": seconds,
            "cpu": time.process_time() - c0,
            "silence": sent.longest_silence(seconds),
            "peak_mb": _peak_mb(),
        }
        progress[label] = sent.progress()
        if profiler is not None:
            profiles[label] = _top(profiler)
        if at.exception:
            raise RuntimeError(f"{label}: 页面异常 {at.exception[0].value}")

    timed("open", lambda: at.switch_page(PAGE).run())
    at.text_input(key="who").set_value(WHO)
    at.file_uploader(key="files").set_value([(path.name, data, XLSX)])
    timed("check", at.run)
    shown = {m.label: m.value for m in at.metric}
    _require(shown.get("有效行（将导入）") == f"{rows:,}", f"检查结果不对：{shown}")
    (go,) = [b for b in at.button if (b.key or "").startswith("go_")]
    _require(not go.disabled, "确认导入按钮不可用")
    timed("commit", go.click().run)
    progress_texts = [text for _, text in progress["check"]]
    read_progress = bool(progress_texts) and progress_texts[0] == MSG_STEP_READ
    saved = [s.value for s in at.success]
    _require(bool(saved), f"没有显示保存成功：{[e.value for e in at.error]}")

    with Store() as store:
        after = store.current("volunteers")
        if after is None or (before is not None and after.id == before.id):
            raise RuntimeError("库中没有新的志愿者快照")
        stored = len(store.load(after.id))
    _require(
        after.rows_valid == stored == rows, f"快照 {after.rows_valid} / {stored} 行，应为 {rows}"
    )
    return {
        "steps": steps,
        "progress": progress,
        "profiles": profiles,
        "snapshot": {"id": after.id, "rows": stored, "message": saved[0]},
        "read_progress": read_progress,
        "peak_mb": _peak_mb(),
    }


def _sample_stage(home: Path) -> dict[str, Any]:
    import civdash

    t0 = time.perf_counter()
    civdash.sample_store(home).close()
    return {"seconds": time.perf_counter() - t0}


def _run(stage: str, home: Path, *args: str) -> dict[str, Any]:
    return run_stage(__file__, stage, home, *args)


def _ledger(rows: int) -> Path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_ingest import make_ledger

    path = OUT / f"volunteers_{rows}.xlsx"
    if not path.exists():
        t = time.perf_counter()
        make_ledger(path, rows)
        print(f"生成 {path.name}: {time.perf_counter() - t:.1f} s")
    return path


def _pad(text: str, width: int) -> str:
    """`text` left-aligned in `width` terminal columns (a CJK character takes two)."""
    return text + " " * max(0, width - sum(2 if ord(c) > 0x2E7F else 1 for c in text))


def _report(rows: int, path: Path, res: dict[str, Any]) -> bool:
    steps = res["steps"]
    check, commit = steps["check"], steps["commit"]
    total = {k: check[k] + commit[k] for k in ("seconds", "cpu")}
    ok = total["seconds"] < GOAL_S
    print(
        f"\n== {rows:,} 行志愿者台账 {path.name}（{path.stat().st_size / 1e6:.1f} MB）==  {load_text()}"
    )
    names = {"open": "打开数据导入页", "check": "读取+检查（拖入→检查结果）",
             "commit": "提交（点确认导入→保存成功）"}  # fmt: skip
    for label, name in names.items():
        s = steps[label]
        print(
            f"{_pad(name, 30)}{s['seconds']:7.2f} s  CPU {s['cpu']:6.2f} s  "
            f"页面最长无更新 {s['silence']:5.2f} s  峰值内存 {s['peak_mb']:5.0f} MB"
        )
    print(
        f"{_pad('合计（拖入→已入库）', 30)}{total['seconds']:7.2f} s  CPU {total['cpu']:6.2f} s  "
        f"目标 < {GOAL_S:g} s {'✓' if ok else '✗ 未达标'}"
    )
    for label in ("check", "commit"):
        shown = "；".join(f"{t:.2f} s {text}" for t, text in res["progress"][label])
        print(f"{names[label]}时显示：{shown or '（没有进度提示）'}")
    snap = res["snapshot"]
    print(f"库中新快照 #{snap['id']}：{snap['rows']:,} 行（页面：{snap['message']}）")
    for label, lines in res["profiles"].items():
        print(f"  {names[label]}的剖析：")
        for line in lines:
            print(f"    {line}")
    if not res["read_progress"]:
        print("✗ 读取文件时没有显示进度条")
    return ok and res["read_progress"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="200000", help="逗号分隔的行数")
    parser.add_argument("--profile", action="store_true", help="剖析读取+检查和提交")
    parser.add_argument("--stage", help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage == "upload":
        print(json.dumps(_upload_stage(args.file, args.size, args.profile), ensure_ascii=False))
        return
    if args.stage == "sample":
        print(json.dumps(_sample_stage(Path(os.environ["CIVDASH_HOME"]))))
        return

    OUT.mkdir(exist_ok=True)
    print(f"机器: {os.cpu_count()} 核; Python {sys.version.split()[0]}; {load_text()}")
    db = SAMPLE_HOME / "civdash.sqlite"
    if not db.exists():
        print("生成示例城市库 benchmarks/out/sample_home ……", flush=True)
        SAMPLE_HOME.mkdir(parents=True, exist_ok=True)
        print(f"  {_run('sample', SAMPLE_HOME)['seconds']:.0f} s")
    failed = []
    for rows in (int(r) for r in args.rows.split(",")):
        path = _ledger(rows)
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copy2(db, Path(tmp) / "civdash.sqlite")
            extra = ["--file", str(path), "--size", str(rows)]
            res = _run("upload", Path(tmp), *extra, *(["--profile"] if args.profile else []))
        if not _report(rows, path, res):
            failed.append(rows)
    print(f"\n{load_text()}（机器繁忙时墙钟时间偏大，以 CPU 时间为参考）")
    if failed:
        print("未达目标或没有显示进度：" + "、".join(f"{r:,} 行" for r in failed))
        sys.exit(1)


if __name__ == "__main__":
    main()
