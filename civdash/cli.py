"""`python -m civdash`: ingest, commit and list ledger snapshots from the command line.

    python -m civdash ingest PATH [--kind auto|units|volunteers|issues|targets] [--sheet NAME]
                                  [--districts GEOJSON_OR_XLSX] [--map 'HEADER=field' ...]
                                  [--json] [--out CSV]
    python -m civdash commit PATH [same options] [--as-of YYYY-MM-DD] --by NAME [--allow-shrink]
    python -m civdash snapshots [--kind KIND] [--json]
    python -m civdash districts GEOJSON_OR_XLSX [--crs GCJ-02|BD-09|WGS-84] [--population SHEET]
                                                [--by NAME]
    python -m civdash set-current SNAPSHOT_ID --by NAME
    python -m civdash load-sample
    python -m civdash backup FILE
    python -m civdash restore FILE [--yes]
    python -m civdash notices --out FILE.zip [--as-of YYYY-MM-DD]
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
import importlib
import json
import re
import shlex
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

import pandas as pd

from civdash.districts import DistrictTable
from civdash.ingest import IngestResult, ingest_table, read_districts, read_file
from civdash.io import FileRefused
from civdash.ledgers import LEDGER_KINDS, REGISTRY, get_kind
from civdash.names import padded
from civdash.privacy import mask_frame

EXIT_REFUSED = 2
_HOW_CONFIRM_CLI = "请确认上传的是完整台账；如确需以此替换当前数据，请加 --allow-shrink 重新提交"
_MSG_SET_CURRENT_CLI = (
    "；该快照不是当前快照，如需设为当前，请运行 python -m civdash set-current {id} --by {by}"
)


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
    """Valid rows for `--out`: canonical field names, ISO dates, true/false, personal data masked
    (phone and ID numbers inside free text too)."""
    k = get_kind(result.kind)
    rows = mask_frame(result.rows, result.kind)
    out = pd.DataFrame(index=rows.index)
    for f in k.fields:
        col = rows[f.name]
        if f.type == "date":
            col = col.dt.strftime("%Y-%m-%d")
        elif f.type == "bool":
            col = col.map({True: "true", False: "false"})
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


_ARGPARSE_ZH = (
    (re.compile(r"the following arguments are required: (.+)"), "缺少必需的参数：{0}"),
    (re.compile(r"argument (\S+): invalid choice: '([^']*)' \(choose from (.+)\)"),
     "参数 {0} 的值『{1}』无效，可选：{2}"),
    (re.compile(r"unrecognized arguments: (.+)"), "无法识别的参数：{0}"),
    (re.compile(r"argument (\S+): expected one argument"), "参数 {0} 后面需要一个值"),
    (re.compile(r"argument (\S+): invalid (\w+) value: '([^']*)'"), "参数 {0} 的值『{2}』格式不对"),
)  # fmt: skip
"""argparse's refusals, said in Chinese (anything else is passed on as argparse words it)."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose refusal is one Chinese line on stderr and exit status 2 (the
    CLI contract: other programs read that line)."""

    def error(self, message: str) -> NoReturn:
        for pattern, chinese in _ARGPARSE_ZH:
            if m := pattern.fullmatch(message):
                message = chinese.format(*(g.replace("'", "") for g in m.groups()))
                break
        self.exit(2, f"{message}（用法见 {self.prog} -h）\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m civdash", description="文明创建数据看板命令行工具")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_read_options(sub.add_parser("ingest", help="读取并校验台账文件（不保存）"))
    commit = sub.add_parser("commit", help="读取、校验并保存为快照")
    _add_read_options(commit)
    commit.add_argument(
        "--as-of", type=date.fromisoformat, default=None, help="截至日期 YYYY-MM-DD"
    )
    commit.add_argument(
        "--by",
        required=True,
        type=_committer,
        help="提交人：一个有效账号的用户名（以该账号身份提交）",
    )
    commit.add_argument(
        "--district", default=None, help="提交该区县的报送（只含该区县的行）；不填为全市文件"
    )
    commit.add_argument(
        "--allow-shrink",
        action="store_true",
        help="确认以此文件替换当前数据，即使它缺少当前快照中的区县或行数减少超过允许的比例",
    )
    snaps = sub.add_parser("snapshots", help="列出已保存的快照")
    snaps.add_argument("--kind", default=None, choices=list(REGISTRY))
    snaps.add_argument("--json", action="store_true")
    snaps.add_argument("--db", default=None)
    dist = sub.add_parser("districts", help="导入区县边界（GeoJSON）或区县人口表")
    dist.add_argument("path", type=Path)
    dist.add_argument(
        "--crs",
        default=None,
        help="边界坐标系：GCJ-02（高德、DataV）、BD-09（百度）或 WGS-84（不换算）；"
        "不填时 DataV 文件按 GCJ-02，其他按 WGS-84",
    )
    dist.add_argument(
        "--population",
        type=Path,
        default=None,
        help="常住人口表（区县、常住人口两列，或区划代码列）",
    )
    dist.add_argument("--by", default="")
    dist.add_argument("--db", default=None)
    current = sub.add_parser("set-current", help="把某个快照设为当前快照（任何台账或区县表）")
    current.add_argument("snapshot_id", help="快照编号（python -m civdash snapshots 可查）")
    current.add_argument("--by", default="", help="操作人：一个有效账号的用户名")
    current.add_argument("--db", default=None)
    _add_user(sub.add_parser("user", help="账号管理：新建、列出、停用、设置密码"))
    sample = sub.add_parser("load-sample", help="向空数据库载入示例城市")
    sample.add_argument("--db", default=None)
    rebuild = sub.add_parser(
        "rebuild-aggregates", help="重算各快照的指标汇总（指标口径或星级等设置改变后）"
    )
    rebuild.add_argument("--all", action="store_true", help="全部重算，不只是过期的")
    rebuild.add_argument("--db", default=None)
    _add_export(sub.add_parser("export", help="把看板图表或地图导出为离线 HTML 或 PNG 文件"))
    saved = sub.add_parser("backup", help="把整个数据库备份到一个文件（应用运行时也可以）")
    saved.add_argument("file", type=Path, help="备份文件")
    saved.add_argument("--db", default=None)
    back = sub.add_parser("restore", help="用备份文件替换数据库中的全部数据")
    back.add_argument("file", type=Path, help="backup 命令写出的备份文件")
    back.add_argument("--yes", action="store_true", help="不再询问，直接恢复")
    back.add_argument("--db", default=None)
    notices = sub.add_parser(
        "notices", help="生成督办通知：每个有逾期问题或测评失分的责任单位一份 Word，打包为 .zip"
    )
    notices.add_argument("--out", type=Path, required=True, help="输出文件（.zip）")
    notices.add_argument(
        "--as-of",
        type=date.fromisoformat,
        default=None,
        help="截至日期 YYYY-MM-DD（默认当前问题整改台账的截至日期）",
    )
    notices.add_argument("--db", default=None)
    return parser


def _add_user(user: argparse.ArgumentParser) -> None:
    what = user.add_subparsers(dest="action", required=True)
    add = what.add_parser("add", help="新建账号")
    add.add_argument("name")
    add.add_argument("--role", required=True, help="admin|editor|district|viewer")
    add.add_argument("--district", default=None, help="区县填报员所属区县")
    add.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码（一行）")
    what.add_parser("list", help="列出账号")
    disable = what.add_parser("disable", help="停用账号")
    disable.add_argument("name")
    passwd = what.add_parser("passwd", help="设置账号密码")
    passwd.add_argument("name")
    passwd.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码（一行）")
    for p in (add, disable, passwd, *what.choices.values()):
        if not any(a.dest == "db" for a in p._actions):
            p.add_argument("--db", default=None)


def _password(args: argparse.Namespace) -> str:
    """The password from one line of standard input, or asked twice without echo."""
    import getpass

    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():  # nowhere to ask without echo: a script says so explicitly
        raise ValueError("没有可输入密码的终端；从脚本或管道提供密码时请加 --password-stdin。")
    try:
        first = getpass.getpass("密码：")
        if first and getpass.getpass("再输入一次密码：") != first:
            raise ValueError("两次输入的密码不一致，请重新运行。")
    except (EOFError, KeyboardInterrupt):
        raise ValueError("已取消，未做任何修改。") from None
    return first


def _user(args: argparse.Namespace) -> int:
    """`user add|list|disable|passwd`: accounts, changed by whoever runs the command line (it has
    the database itself) and audited as 命令行."""
    from civdash.accounts import Accounts

    accounts = Accounts(_store(args.db))
    actor, role = "命令行", "admin"
    if args.action == "add":
        password = _password(args)
        if not password:
            raise ValueError("密码不能为空。")
        account = accounts.add(
            args.name, args.role, district=args.district, password=password,
            actor=actor, actor_role=role,
        )  # fmt: skip
        where = f"，{account.district}" if account.district else ""
        print(f"已新建账号『{account.name}』（{account.role_label}{where}）。")
    elif args.action == "list":
        rows = accounts.list()
        if not rows:
            print(
                "还没有任何账号。可用 python -m civdash user add 用户名 --role admin 新建管理员。"
            )
        for a in rows:
            state = "停用" if not a.active else ("已锁定" if a.locked() else "正常")
            password = "" if a.has_password else "  未设密码"
            columns = (a.name, a.role, a.role_label, a.district or "-")
            line = "".join(padded(c, w) for c, w in zip(columns, (14, 10, 12, 20), strict=True))
            print(f"{line}{state}{password}")
    elif args.action == "disable":
        accounts.disable(args.name, actor=actor, actor_role=role)
        print(f"已停用账号『{args.name}』。")
    else:
        password = _password(args)
        if not password:
            raise ValueError("密码不能为空。")
        accounts.set_password(args.name, password, actor=actor, actor_role=role)
        print(f"已设置账号『{args.name}』的密码。")
    return 0


def _acting(store: Any, name: str, action: str, district: str | None = None) -> Any:
    """The active account named by `--by`, allowed to take `action`; refused (and audited)
    otherwise. The command line acts as that user."""
    from civdash.accounts import Accounts
    from civdash.permissions import PermissionDenied, require

    account = Accounts(store).active(name)
    if account is None:
        store.audit_event(
            "denied", actor=name, scope=district, detail=f"命令行：账号不存在或已停用（{action}）"
        )
        raise FileRefused(
            f"账号『{name}』不存在或已停用：--by 必须是一个有效账号的用户名"
            "（可用 python -m civdash user list 查看）。"
        )
    try:
        require(account, action, district)
    except PermissionDenied as exc:
        store.audit_event(
            "denied", actor=account.name, role=account.role, scope=district,
            detail=f"命令行：{exc}",
        )  # fmt: skip
        raise FileRefused(str(exc)) from None
    return account


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
        f"台账类型：{k.label}（{result.kind}）  工作表：{result.sheet or '-'}"
        f"{f' 等 {len(result.sheets)} 个' if result.sheets else ''}  表头行：{result.header_row}"
    )
    if result.as_of:
        print(f"截至日期：{result.as_of.isoformat()}")
    print(f"读取 {result.rows_read} 行：有效 {result.rows_valid} 行，无效 {result.rows_invalid} 行")
    for c in result.sheets:
        print(f"  工作表『{c.name}』：读取 {c.rows_read} 行，有效 {c.rows_valid} 行")
    for name, reason in result.skipped_sheets:
        print(f"  工作表『{name}』未读取：{reason}")
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
    """Read, match, normalise and validate the file. The store (for the district table) and the
    validation library are loaded in a second thread while the file is read: fastexcel reads
    without holding the interpreter lock, so the two overlap."""
    mapping = _parse_map(args.map)
    with ThreadPoolExecutor(max_workers=1) as pool:
        districts = pool.submit(_districts_for, args, create=create_store)
        checks = pool.submit(importlib.import_module, "civdash.validation")
        read = read_file(
            args.path, kind=args.kind, sheet=args.sheet, header_row=args.header_row, mapping=mapping
        )
        checks.result()
        return ingest_table(
            read.raw,
            kind=args.kind,
            mapping=mapping,
            districts=districts.result(),
            crs=args.crs,
            file_name=read.file_name,
            sha256=read.sha256,
            scope=getattr(args, "district", None),
        )


def _record_refusal(args: argparse.Namespace, reason: str) -> None:
    """A refused commit leaves a line in the audit log (who tried which file, and why)."""
    import hashlib

    data = args.path.read_bytes()
    _store(args.db).record_refusal(
        args.path.name, hashlib.sha256(data).hexdigest(), reason, actor=args.by
    )


def _committer(text: str) -> str:
    """`commit --by`: who commits is recorded with every snapshot, so it cannot be blank."""
    if not text.strip():
        raise argparse.ArgumentTypeError("提交人不能为空，请写明姓名或科室，例如 --by 张晓")
    return text.strip()


def _commit(args: argparse.Namespace, result: IngestResult) -> str:
    """`commit`: store the file's valid rows; what the store said. A refusal (no valid row) or a
    hold (districts or too many rows lost without --allow-shrink) raises `CommitRefusedError`, a
    ValueError that `main` prints as the one line on stderr (the store has audited it); the check
    results go to stdout first, since they say what to fix."""
    from civdash.store import CommitRefusedError, ShrinkHeldError

    store = _store(args.db)
    account = args.account
    try:
        outcome = store.commit(
            result,
            args.path.read_bytes(),
            committed_by=account.name,
            as_of=args.as_of,
            allow_shrink=args.allow_shrink,
            role=account.role,
            district=args.district,
        )
    except CommitRefusedError as exc:
        if args.json:
            json.dump(result.summary(), sys.stdout, ensure_ascii=False)
            sys.stdout.write("\n")
        else:
            _print_human(result, args.out)
        if isinstance(exc, ShrinkHeldError):
            raise CommitRefusedError(exc.check.message(_HOW_CONFIRM_CLI)) from exc
        raise
    message = outcome.message
    if not outcome.created and not outcome.snapshot.is_current:
        message += _MSG_SET_CURRENT_CLI.format(id=outcome.snapshot.id, by=_shell_word(args.by))
    return message


def _commit_as(args: argparse.Namespace) -> None:
    """Who commits, and for which scope: `--by` names an account whose role may commit the whole
    city, or `--district`'s part (a district clerk only its own district's)."""
    store = _store(args.db)
    if args.district:
        table = store.districts()
        resolved = table.resolve(args.district) if table else args.district
        if resolved is None:
            names = "、".join(table.names) if table else ""
            raise FileRefused(f"区县『{args.district}』不在当前区县表中，可选：{names}。")
        args.district = resolved
    action = "upload" if args.district else "upload_city"
    args.account = _acting(store, args.by, action, args.district)


def _shell_word(text: str) -> str:
    """`text` as one shell word: quoted only when the shell would split or expand it (a Chinese
    name stays readable)."""
    return shlex.quote(text) if re.search(r"[^\w.,:@%+=/-]", text) else text


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command in ("ingest", "commit"):
            if not args.path.is_file():
                raise FileRefused(f"找不到文件 {args.path}，请检查路径。")
            if args.command == "commit":
                _commit_as(args)
            result = _read(args, create_store=args.command == "commit")
            if args.out:
                export_frame(result).to_csv(args.out, index=False, encoding="utf-8")
            message = None
            if args.command == "commit":
                message = _commit(args, result)
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
                        f"{mark} #{s.id:<5} {padded(get_kind(s.kind).label, 9)}截至 {s.as_of}  "
                        f"有效 {s.rows_valid:>9,} 行  {s.file_name}"
                    )
            return 0
        if args.command == "districts":
            return _districts(args)
        if args.command == "set-current":
            return _set_current(args)
        if args.command == "user":
            return _user(args)
        if args.command == "export":
            return _export(args)
        if args.command == "rebuild-aggregates":
            return _rebuild_aggregates(args)
        if args.command == "backup":
            return _backup(args)
        if args.command == "restore":
            return _restore(args)
        if args.command == "notices":
            return _notices(args)
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
    except Exception as exc:
        said = _database_failure(exc)
        if said is None:
            raise
        print(said, file=sys.stderr)
        return EXIT_REFUSED
    return 1


def _database_failure(exc: Exception) -> str | None:
    """One Chinese line for a database that is full or cannot be reached (None: another
    failure, shown as a traceback)."""
    import sqlalchemy.exc

    from civdash.store import disk_full

    if disk_full(exc):
        return "数据库所在磁盘已满，本次操作没有保存任何数据；请清理磁盘空间后重试。"
    if isinstance(exc, sqlalchemy.exc.OperationalError | sqlalchemy.exc.InterfaceError):
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()
        return f"无法连接数据库，本次操作没有保存任何数据：{reason[0] if reason else exc}"
    return None


def _database_url(args: argparse.Namespace) -> str:
    from civdash.config import database_url

    return str(args.db or database_url())


def _backup(args: argparse.Namespace) -> int:
    """`backup FILE`: the whole store into FILE (SQLite's online backup, or pg_dump), audited."""
    from civdash.backup import backup

    url = _database_url(args)
    with _store(url) as store:  # a store from an older version is upgraded first, as the app does
        info = backup(url, args.file)
        store.audit_event("backup", actor="命令行", role="admin", file_name=str(info.path))
    print(
        f"已备份到 {info.path}：快照 {info.snapshots} 个，账号 {info.accounts} 个，"
        f"文件 {info.path.stat().st_size / 2**20:.1f} MB。"
    )
    return 0


def _restore(args: argparse.Namespace) -> int:
    """`restore FILE [--yes]`: replace everything in the store with the backup FILE, after a
    check of the file (a newer CivDash's backup is refused) and a confirmation."""
    from civdash.backup import backup_revision, restore

    url = _database_url(args)
    backup_revision(args.file)  # not a backup: refused before asking anything
    if not args.yes:
        if not sys.stdin.isatty():
            raise ValueError(
                "恢复会替换数据库中的全部数据（快照、账号、审计记录）；确认无误请加 --yes 重新运行。"
            )
        answer = input(
            f"恢复会用 {args.file} 替换数据库中的全部数据（快照、账号、审计记录），"
            "请先停止所有应用服务器。确定恢复吗？输入 yes 继续："
        )
        if answer.strip().lower() not in ("yes", "y"):
            raise ValueError("已取消，未做任何修改。")
    info = restore(url, args.file)
    with _store(url) as store:  # an older backup's schema is upgraded as the store opens
        store.audit_event("restore", actor="命令行", role="admin", file_name=str(info.path))
    print(f"已从 {info.path} 恢复：快照 {info.snapshots} 个，账号 {info.accounts} 个。")
    return 0


def _notices(args: argparse.Namespace) -> int:
    """`notices --out FILE.zip [--as-of DATE]`: a 督办通知 (.docx) for every responsible unit
    with overdue issues or lost 测评 points, and their list, in one .zip; audited."""
    from civdash.notices import load_notice_data, notice_units, reply_deadline

    out = Path(args.out)
    if out.suffix.lower() != ".zip":
        raise FileRefused(f"输出文件『{out.name}』应以 .zip 结尾，例如 --out 督办通知.zip。")
    store = _store(args.db)
    data = load_notice_data(store, args.as_of)
    archive = data.zip(store.settings)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(archive)
    units = notice_units(data.issues, data.assessments, data.as_of, data.escalations)
    reply_by = reply_deadline(data.issued, store.settings)
    names = "、".join(units["responsible_unit"].astype(str))
    detail = (
        f"生成督办通知 {len(units)} 份（截至 {data.as_of:%Y-%m-%d}，反馈截止 {reply_by:%Y-%m-%d}）"
        + (f"：{names}" if names else "")
    )
    store.audit_event("notices", actor="命令行", role="admin", file_name=out.name, detail=detail)
    if units.empty:
        print(
            f"截至 {data.as_of:%Y-%m-%d} 没有逾期问题或测评失分的责任单位，无需督办；已写出 {out}（只有清单）。"
        )
    else:
        print(f"已生成督办通知 {len(units)} 份（截至 {data.as_of:%Y-%m-%d}，"
              f"反馈截止 {reply_by:%Y-%m-%d}）：{out}")  # fmt: skip
    return 0


def _rebuild_aggregates(args: argparse.Namespace) -> int:
    """`rebuild-aggregates`: make the metric aggregates of every city ledger snapshot whose
    aggregates are missing or out of date (all of them with --all), one transaction each."""
    import time

    from civdash.aggregates import aggregated_kinds

    store = _store(args.db)
    if args.all:
        todo = [s for s in store.snapshots() if not s.scope and s.kind in aggregated_kinds()]
    else:
        todo = store.stale_aggregates()
    if not todo:
        print("各快照的指标汇总都是最新的，无需重算。")
        return 0
    started = time.perf_counter()
    print(f"需要重算指标汇总的快照：{len(todo)} 个")
    for i, snap in enumerate(todo, 1):
        store.rebuild_aggregates(snap.id, force=args.all)
        print(
            f"[{i}/{len(todo)}] #{snap.id} {get_kind(snap.kind).label} 截至 {snap.as_of}",
            flush=True,
        )
    print(f"已重算 {len(todo)} 个快照的指标汇总，用时 {time.perf_counter() - started:.1f} 秒。")
    return 0


_MSG_DATAV_GCJ02 = (
    "检测到 DataV（阿里云）区县边界文件，坐标已按 GCJ-02 换算为 WGS-84；"
    "如果坐标本来就是 WGS-84，请加 --crs WGS-84 重新导入。"
)


def _districts(args: argparse.Namespace) -> int:
    """`districts`: read boundaries or a sheet (and a population sheet), store the table, and make
    it current unless the current ledgers use district names it cannot resolve (then say which,
    and how to make it current anyway)."""
    from civdash import upload as up
    from civdash.ingest import load_districts

    for path in (args.path, args.population):
        if path is not None and not path.is_file():
            raise FileRefused(f"找不到文件 {path}，请检查路径。")
    population = (args.population.read_bytes(), args.population.name) if args.population else None
    read = load_districts(
        args.path.read_bytes(), args.path.name, crs=args.crs, population=population
    )
    if read.crs_assumed:
        print(_MSG_DATAV_GCJ02)
    elif read.crs != "WGS-84":
        print(f"坐标已按 {read.crs} 换算为 WGS-84。")
    print(f"读取区县 {len(read.table.districts)} 个：{'、'.join(read.table.names)}。")
    if read.population is not None:
        print(f"常住人口取自『{read.population_file}』，对应上 {read.population.matched} 个区县。")
    hint = "请加 --population 常住人口表（区县、常住人口两列）重新导入"
    for note in up.district_file_notes(read, hint):
        print(note)
    store = _store(args.db)
    check = up.check_districts({k: store.load_current(k) for k in LEDGER_KINDS}, read.table)
    outcome = store.commit_districts(
        read.table,
        read.content,
        file_name=read.file_name,
        committed_by=args.by.strip(),
        make_current=None if check.complete else False,
    )
    print(outcome.message)
    snap = outcome.snapshot
    if not snap.is_current:
        warning = check.warning()
        if warning:
            print(warning)
        by = args.by.strip() or "姓名"
        if not re.fullmatch(r"[\w·.-]+", by):  # Chinese names need no quotes; spaces do
            by = shlex.quote(by)
        print(
            f"快照 #{snap.id} 没有设为当前区县表；核对无误、仍要使用它，请运行："
            f"python -m civdash set-current {snap.id} --by {by}"
        )
    return 0


def _set_current(args: argparse.Namespace) -> int:
    """`set-current`: make a stored snapshot of any kind (a district table too) the current one."""
    from civdash.store import SnapshotNotFoundError

    actor = args.by.strip()
    if not actor:
        raise FileRefused("请用 --by 写明操作人，例如 --by 张晓。")
    try:
        snapshot_id = int(str(args.snapshot_id).lstrip("#"))
    except ValueError:
        raise FileRefused(
            f"快照编号『{args.snapshot_id}』不是数字，可用 python -m civdash snapshots 查看快照编号。"
        ) from None
    store = _store(args.db)
    account = _acting(store, actor, "set_current")
    try:
        before = store.snapshot(snapshot_id)
        store.set_current(snapshot_id, actor=account.name, role=account.role)
    except SnapshotNotFoundError:
        raise FileRefused(
            f"快照 #{snapshot_id} 不存在，可用 python -m civdash snapshots 查看已有快照的编号。"
        ) from None
    what = f"快照 #{before.id}（{get_kind(before.kind).label}，截至 {before.as_of}）"
    print(f"{what}已经是当前快照，未作改动。" if before.is_current else f"已将{what}设为当前快照。")
    return 0
