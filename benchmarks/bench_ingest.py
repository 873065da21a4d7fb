"""Benchmark: reading, ingesting, committing and reloading large volunteer ledgers.

Run by hand (not part of the test suite):

    python benchmarks/bench_ingest.py                 # 100k and 1M rows
    python benchmarks/bench_ingest.py --sizes 100000  # quicker

It writes volunteer ledgers shaped like real ones (title row with the as-of date, header,
合计 row, 填报人 footer) with xlsxwriter into benchmarks/out/ (kept between runs), then times,
each stage in a fresh subprocess so peak memory (max RSS) belongs to that stage alone:

- pandas + openpyxl read (`pd.read_excel(engine="openpyxl")`), the path a typical dashboard
  takes; only on files up to 100k rows (it needs minutes on 1M);
- the raw fastexcel read (`fastexcel.read_excel(path).load_sheet(0, header_row=1).to_pandas()`);
- our ingest: read + header detection + normalise + validate (`civdash.ingest.ingest_file`);
- the metric aggregates a commit computes (`civdash.aggregates.aggregate` of the ingested rows);
- our commit of the ingested rows into a fresh SQLite store, and the reload of that snapshot;
- whole processes, imports included: `python -m civdash ingest FILE --json` against a process
  that only reads the file with fastexcel into pandas (the best of three each).

Goals (issue 2): ingest within 1.5× of the raw read, over 15× faster than pandas + openpyxl,
peak memory under 2 GB; commit and reload each under the raw read time. (Issue 14): the
aggregates ≤ 0.5× the raw read; the command-line ingest as a whole process ≤ 1.5× the reading
process.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
DISTRICTS = ["城关区", "东湖区", "西山区", "南港区", "北塘镇", "高新技术产业开发区", "临江镇"]


def make_ledger(path: Path, rows: int, seed: int = 7) -> None:
    """A volunteer ledger of `rows` rows, written the way offices write them."""
    import numpy as np
    import xlsxwriter

    rng = np.random.default_rng(seed)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    wb.set_properties({"created": datetime(2026, 11, 15)})
    ws = wb.add_worksheet("志愿者台账")
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write(0, 0, "青澜市注册志愿者台账（截至2026年11月15日）")
    header = [
        "志愿者编号",
        "姓名",
        "性别",
        "所在区（县）",
        "街道/乡镇",
        "志愿服务队",
        "注册日期",
        "服务时长（小时）",
        "是否党员",
        "联系电话",
        "身份证号",
    ]
    ws.write_row(1, 0, header)
    surnames = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")
    given = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华")
    district = rng.integers(0, len(DISTRICTS), rows)
    days = rng.integers(0, 2000, rows)
    hours = np.round(rng.pareto(1.6, rows) * 40, 1)
    party = rng.random(rows) < 0.3
    base = datetime(2021, 1, 1)
    for i in range(rows):
        r = i + 2
        ws.write_string(r, 0, f"QL{i:08d}")
        ws.write_string(r, 1, surnames[i % 20] + given[(i * 7) % 24] + given[(i * 13) % 24])
        ws.write_string(r, 2, "男" if i % 2 else "女")
        ws.write_string(r, 3, DISTRICTS[district[i]])
        ws.write_string(r, 4, f"第{district[i] + 1}街道")
        ws.write_string(r, 5, f"志愿服务{i % 60 + 1}队")
        ws.write_datetime(r, 6, base + timedelta(days=int(days[i])), date_fmt)
        ws.write_number(r, 7, float(hours[i]))
        ws.write_string(r, 8, "是" if party[i] else "否")
        ws.write_string(r, 9, f"139{i:08d}")
        ws.write_string(r, 10, f"330100199{i % 10}0101{i % 10000:04d}")
    ws.write_string(rows + 2, 0, "合计")
    ws.write_string(rows + 3, 0, "填报人：张晓  审核人：李明  填报日期：2026年11月15日")
    wb.close()


def _stage(stage: str, path: Path, db: str) -> dict[str, float]:
    """One stage in this process; returns seconds, rows and peak RSS. Imports happen before the
    clock starts, for every stage alike, so the figures compare the work, not module loading."""
    import fastexcel
    import openpyxl  # noqa: F401  (imported for the pandas + openpyxl stage)
    import pandas as pd

    from civdash.ingest import ingest_file
    from civdash.store import Store

    rows = 0
    t0, c0 = time.perf_counter(), time.process_time()
    if stage == "openpyxl":
        rows = len(pd.read_excel(path, engine="openpyxl", header=1))
    elif stage == "fastexcel":
        rows = len(fastexcel.read_excel(path).load_sheet(0, header_row=1).to_pandas())
    elif stage == "ingest":
        rows = ingest_file(path, kind="volunteers").rows_valid
    elif stage == "commit":
        result = ingest_file(path, kind="volunteers")
        store = Store(db)
        data = path.read_bytes()
        t0, c0 = time.perf_counter(), time.process_time()
        store.commit(result, data, committed_by="benchmark")
        rows = result.rows_valid
    elif stage == "aggregate":
        from civdash.aggregates import aggregate

        result = ingest_file(path, kind="volunteers")
        t0, c0 = time.perf_counter(), time.process_time()
        aggregate("volunteers", result.rows, as_of=result.as_of or datetime(2026, 11, 15))
        rows = result.rows_valid
    elif stage == "reload":
        store = Store(db)
        snap = store.current("volunteers")
        assert snap is not None
        t0, c0 = time.perf_counter(), time.process_time()
        rows = len(store.load(snap.id))
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - c0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "cpu": cpu, "rows": rows, "peak_mb": peak_mb}


def _whole_processes(path: Path, runs: int = 3) -> dict[str, float]:
    """Wall time of whole processes, imports included (the best of `runs`): the command-line
    ingest, and a process that only reads the file with fastexcel into pandas."""
    commands = {
        "cli": [sys.executable, "-m", "civdash", "ingest", str(path), "--json"],
        "raw": [
            sys.executable,
            "-c",
            "import sys, fastexcel; "
            "fastexcel.read_excel(sys.argv[1]).load_sheet(0, header_row=1).to_pandas()",
            str(path),
        ],
    }
    best = {}
    for name, command in commands.items():
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            times.append(time.perf_counter() - t0)
        best[name] = min(times)
    return best


def _run(stage: str, path: Path, db: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--stage", stage, "--file", str(path), "--db", db],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--stage")
    parser.add_argument("--file", type=Path)
    parser.add_argument("--db", default="")
    args = parser.parse_args()
    if args.stage:
        print(json.dumps(_stage(args.stage, args.file, args.db)))
        return
    OUT.mkdir(exist_ok=True)
    print(f"机器: {os.cpu_count()} 核; Python {sys.version.split()[0]}")
    for size in (int(s) for s in args.sizes.split(",")):
        path = OUT / f"volunteers_{size}.xlsx"
        if not path.exists():
            t = time.perf_counter()
            make_ledger(path, size)
            print(
                f"生成 {path.name}: {time.perf_counter() - t:.1f} s, {path.stat().st_size / 1e6:.1f} MB"
            )
        with tempfile.TemporaryDirectory() as tmp:
            db = f"sqlite:///{tmp}/bench.sqlite"
            res: dict[str, dict[str, float]] = {}
            if size <= 100_000:
                res["openpyxl"] = _run("openpyxl", path, db)
            for stage in ("fastexcel", "ingest", "aggregate", "commit", "reload"):
                res[stage] = _run(stage, path, db)
            processes = _whole_processes(path)
        raw = res["fastexcel"]["seconds"]
        raw_cpu = res["fastexcel"]["cpu"]
        print(f"\n== {size:,} 行志愿者台账 ({path.stat().st_size / 1e6:.1f} MB) ==")
        names = {
            "openpyxl": "pandas + openpyxl 读取",
            "fastexcel": "fastexcel 原始读取",
            "ingest": "civdash 导入(读+规范化+校验)",
            "aggregate": "其中提交时计算指标汇总",
            "commit": "civdash 提交到 SQLite",
            "reload": "civdash 重新载入快照",
        }
        for stage, r in res.items():
            print(
                f"{names[stage]:<28} {r['seconds']:8.2f} s ({r['seconds'] / raw:5.2f}×)  "
                f"CPU {r['cpu']:7.2f} s ({r['cpu'] / raw_cpu:5.2f}×)  "
                f"峰值内存 {r['peak_mb']:6.0f} MB  行数 {int(r['rows']):,}"
            )
        if "openpyxl" in res:
            o, i = res["openpyxl"], res["ingest"]
            print(
                f"pandas+openpyxl / civdash 导入 = {o['seconds'] / i['seconds']:.1f}×（墙钟），"
                f"{o['cpu'] / i['cpu']:.1f}×（CPU）"
            )
        print("（括号内为相对 fastexcel 原始读取的倍数；机器繁忙时以 CPU 时间为准）")
        cli, raw_process = processes["cli"], processes["raw"]
        print(
            f"整个进程（含导入模块，取 3 次最快）：python -m civdash ingest {cli:.2f} s，"
            f"只用 fastexcel 读入 pandas {raw_process:.2f} s，{cli / raw_process:.2f}×（目标 ≤ 1.5×）"
        )


if __name__ == "__main__":
    main()
