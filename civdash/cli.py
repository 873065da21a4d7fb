"""`python -m civdash`: ingest, commit and list ledger snapshots from the command line.

    python -m civdash ingest PATH [--kind auto|units|volunteers|issues|targets] [--sheet NAME]
                                  [--districts GEOJSON_OR_XLSX] [--map 'HEADER=field' ...]
                                  [--json] [--out CSV]
    python -m civdash commit PATH [same options] [--as-of YYYY-MM-DD] [--by NAME]
    python -m civdash snapshots [--kind KIND] [--json]
    python -m civdash districts GEOJSON_OR_XLSX [--by NAME]
    python -m civdash load-sample
    python -m civdash export chart NAME [--district D] [--as-of YYYY-MM-DD] [--field F] [--large]
                                 --out FILE.html|FILE.png
    python -m civdash export map [--metric KEY] [--district D] [--as-of YYYY-MM-DD]
                                 [--width PX] [--height PX] --out FILE.html|FILE.png

`ingest` reads and validates one file and stores nothing; `commit` does the same and stores the
valid rows as a snapshot. Exit status: 0 when the file was read (even with invalid rows), 2 when it
was refused, with one Chinese line on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pandas as pd

from civdash.districts import DistrictTable
from civdash.ingest import IngestResult, ingest_file, read_districts
from civdash.io import FileRefused
from civdash.ledgers import LEDGER_KINDS, get_kind
from civdash.normalize import mask_id_number, mask_phone

EXIT_REFUSED = 2


def _parse_map(items: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        if "=" not in item:
            raise FileRefused(
                f"--map 参数『{item}』格式不对，应为 '表头=字段'，例如 '服务时长=hours'。"
            )
        header, target = item.split("=", 1)
        out[header.strip()] = target.strip() or "-"
    return out


def export_frame(result: IngestResult) -> pd.DataFrame:
    """Valid rows for `--out`: canonical field names, ISO dates, true/false, personal data masked."""
    k = get_kind(result.kind)
    out = pd.DataFrame(index=result.rows.index)
    for f in k.fields:
        col = result.rows[f.name]
        if f.type == "date":
            col = col.dt.strftime("%Y-%m-%d")
        elif f.type == "bool":
            col = col.map({True: "true", False: "false"})
        if f.personal:
            col = mask_id_number(col) if f.name == "id_number" else mask_phone(col)
        out[f.name] = col
    return out


def _add_read_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", type=Path)
    p.add_argument("--kind", default="auto", choices=["auto", *LEDGER_KINDS])
    p.add_argument("--sheet", default=None)
    p.add_argument("--header-row", type=int, default=None, help="表头所在行号（从 1 开始）")
    p.add_argument("--districts", type=Path, default=None, help="区县 GeoJSON 或区县表")
    p.add_argument("--map", action="append", default=[], metavar="HEADER=field")
    p.add_argument("--crs", default=None, help="坐标系：WGS-84（默认）、GCJ-02、BD-09")
    p.add_argument("--json", action="store_true")
    p.add_argument("--out", type=Path, default=None)
    p.add_argument(
        "--db", default=None, help="数据库 URL（默认 $CIVDASH_DATABASE_URL 或 data/ 下的 SQLite）"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m civdash", description="文明创建数据看板命令行工具"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    _add_read_options(sub.add_parser("ingest", help="读取并校验台账文件（不保存）"))
    commit = sub.add_parser("commit", help="读取、校验并保存为快照")
    _add_read_options(commit)
    commit.add_argument(
        "--as-of", type=date.fromisoformat, default=None, help="截至日期 YYYY-MM-DD"
    )
    commit.add_argument("--by", default="", help="提交人")
    snaps = sub.add_parser("snapshots", help="列出已保存的快照")
    snaps.add_argument("--kind", default=None, choices=[*LEDGER_KINDS, "districts"])
    snaps.add_argument("--json", action="store_true")
    snaps.add_argument("--db", default=None)
    dist = sub.add_parser("districts", help="导入区县边界（GeoJSON）或区县人口表")
    dist.add_argument("path", type=Path)
    dist.add_argument("--by", default="")
    dist.add_argument("--db", default=None)
    sample = sub.add_parser("load-sample", help="向空数据库载入示例城市")
    sample.add_argument("--db", default=None)
    _add_export(sub.add_parser("export", help="把看板图表或地图导出为离线 HTML 或 PNG 文件"))
    return parser


def _add_export(export: argparse.ArgumentParser) -> None:
    what = export.add_subparsers(dest="target", required=True)
    chart = what.add_parser("chart", help="导出看板图表")
    chart.add_argument(
        "name", help="图表名称，例如 issue_breakdown（名称有误时会列出全部可选名称）"
    )
    chart.add_argument("--field", default=None, help="issue_breakdown 的分组字段，例如 point_type")
    chart.add_argument("--large", action="store_true", help="会议室投影用的大字号")
    geo = what.add_parser("map", help="导出地图（区县着色、问题点位、创建单位）")
    geo.add_argument("--metric", default="issue_close_rate", help="区县着色指标（指标键或中文名）")
    geo.add_argument("--width", type=int, default=1280, help="PNG 宽度（像素）")
    geo.add_argument("--height", type=int, default=800, help="PNG 高度（像素）")
    for p in (chart, geo):
        p.add_argument("--district", default=None, help="区县（默认全市）")
        p.add_argument("--as-of", type=date.fromisoformat, default=None, help="截至日期 YYYY-MM-DD")
        p.add_argument("--out", type=Path, required=True, help="输出文件：.html 或 .png")
        p.add_argument("--db", default=None)


def _export(args: argparse.Namespace) -> int:
    """`export chart|map`: the dashboard's chart or map as a standalone offline file."""
    from civdash import toolkit

    try:
        store = _store(args.db)
        if args.target == "chart":
            if args.field and args.name != "issue_breakdown":
                raise ValueError(
                    f"--field 只适用于 issue_breakdown 图表，不适用于『{args.name}』。"
                )
            options = {"field": args.field} if args.field else {}
            led = toolkit.ledgers_at(store, district=args.district, as_of=args.as_of)
            out = toolkit.export_chart(
                toolkit.chart(args.name, led, large=args.large, **options), args.out
            )
        else:
            m = toolkit.dashboard_map(store, args.metric, district=args.district, as_of=args.as_of)
            out = toolkit.export_map(m, args.out, width=args.width, height=args.height)
    except RuntimeError as exc:  # no Chromium for a PNG map, or Chromium failed
        print(str(exc), file=sys.stderr)
        return EXIT_REFUSED
    print(f"已导出 {out}")
    return 0


def _store(url: str | None):  # type: ignore[no-untyped-def]
    from civdash.store import Store

    return Store(url)


def _districts_for(args: argparse.Namespace, *, create: bool) -> DistrictTable | None:
    if args.districts is not None:
        return read_districts(args.districts)
    if not create:
        from civdash.config import database_url

        url = args.db or database_url()
        if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
            return None
    try:
        return _store(args.db).districts()
    except Exception:  # the store is optional for ingest
        return None


def _print_human(result: IngestResult, out: Path | None) -> None:
    k = get_kind(result.kind)
    print(
        f"台账类型：{k.label}（{result.kind}）  工作表：{result.sheet or '-'}  表头行：{result.header_row}"
    )
    if result.as_of:
        print(f"截至日期：{result.as_of.isoformat()}")
    print(f"读取 {result.rows_read} 行：有效 {result.rows_valid} 行，无效 {result.rows_invalid} 行")
    errors = [p for p in result.problems if p.severity == "error"]
    warnings = [p for p in result.problems if p.severity == "warning"]
    if result.problems:
        print(f"问题 {len(errors)} 个错误，{len(warnings)} 个提醒：")
        for p in result.problems[:50]:
            print(f"  [{'错误' if p.severity == 'error' else '提醒'}] {p.message}")
        if len(result.problems) > 50:
            print(f"  …… 另有 {len(result.problems) - 50} 个问题，用 --json 查看全部")
    if out:
        print(f"有效行已写入 {out}")


def _read(args: argparse.Namespace, *, create_store: bool) -> IngestResult:
    return ingest_file(
        args.path,
        kind=args.kind,
        sheet=args.sheet,
        header_row=args.header_row,
        mapping=_parse_map(args.map),
        districts=_districts_for(args, create=create_store),
        crs=args.crs,
    )


def _record_refusal(args: argparse.Namespace, reason: str) -> None:
    """A refused commit leaves a line in the audit log (who tried which file, and why)."""
    import hashlib

    data = args.path.read_bytes()
    _store(args.db).record_refusal(
        args.path.name, hashlib.sha256(data).hexdigest(), reason, actor=args.by
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command in ("ingest", "commit"):
            if not args.path.is_file():
                raise FileRefused(f"找不到文件 {args.path}，请检查路径。")
            result = _read(args, create_store=args.command == "commit")
            if args.out:
                export_frame(result).to_csv(args.out, index=False, encoding="utf-8")
            message = None
            if args.command == "commit":
                outcome = _store(args.db).commit(
                    result, args.path.read_bytes(), committed_by=args.by, as_of=args.as_of
                )
                message = outcome.message
            if args.json:
                summary = result.summary()
                if message:
                    summary["commit"] = message
                json.dump(summary, sys.stdout, ensure_ascii=False)
                sys.stdout.write("\n")
            else:
                _print_human(result, args.out)
                if message:
                    print(message)
            return 0
        if args.command == "snapshots":
            snaps = _store(args.db).snapshots(args.kind)
            if args.json:
                rows = [
                    {
                        "id": s.id,
                        "kind": s.kind,
                        "as_of": s.as_of.isoformat(),
                        "file_name": s.file_name,
                        "rows_valid": s.rows_valid,
                        "rows_invalid": s.rows_invalid,
                        "is_current": s.is_current,
                        "sha256": s.sha256,
                        "committed_by": s.committed_by,
                        "committed_at": s.committed_at.isoformat(),
                    }
                    for s in snaps
                ]
                json.dump(rows, sys.stdout, ensure_ascii=False)
                sys.stdout.write("\n")
            else:
                if not snaps:
                    print("还没有任何快照。可用 python -m civdash load-sample 载入示例城市。")
                for s in snaps:
                    mark = "*" if s.is_current else " "
                    print(
                        f"{mark} #{s.id:<5} {get_kind(s.kind).label:<6} 截至 {s.as_of}  "
                        f"有效 {s.rows_valid:>7} 行  {s.file_name}"
                    )
            return 0
        if args.command == "districts":
            table = read_districts(args.path)
            outcome = _store(args.db).commit_districts(
                table, args.path.read_bytes(), file_name=args.path.name, committed_by=args.by
            )
            print(outcome.message)
            return 0
        if args.command == "export":
            return _export(args)
        if args.command == "load-sample":
            from civdash.sample import load_sample

            store = _store(args.db)
            outcomes = load_sample(store)
            print(
                f"已载入示例城市：{len(outcomes)} 个快照。"
                if outcomes
                else "数据库不是空的，未载入示例城市。"
            )
            return 0
    except FileRefused as exc:
        if args.command == "commit" and args.path.is_file():
            _record_refusal(args, str(exc))
        print(str(exc), file=sys.stderr)
        return EXIT_REFUSED
    except (ValueError, KeyError) as exc:
        print(str(exc).strip("'\""), file=sys.stderr)
        return EXIT_REFUSED
    return 1
