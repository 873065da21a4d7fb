"""`python -m civdash` honours the ingest contract of ledgers.md.

The contract's own tests run `python -m civdash` in a fresh process (`run_module`); the rest call
the same `civdash.cli.main` in this process (`run_cli`), as a fresh process would see it: its own
environment and working directory, stdout and stderr captured, and the warnings Python shows by
default written to stderr, so "one line on stderr" still means one line. That spares each call
the second or so a new interpreter takes to import pandas.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import subprocess
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from datetime import datetime
from pathlib import Path

import pytest

from civdash import cli
from tests.test_ingest import write_xlsx

GEOJSON = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"name": n, "population": p, "aliases": a},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [
                        [120.0 + i * 0.1, 30.2],
                        [120.1 + i * 0.1, 30.2],
                        [120.1 + i * 0.1, 30.4],
                        [120.0 + i * 0.1, 30.2],
                    ]
                ],
            },
        }
        for i, (n, p, a) in enumerate(
            [
                ("城关区", 60000, []),
                ("东湖区", 50000, []),
                ("高新技术产业开发区", 30000, ["高新区"]),
            ]
        )
    ],
}


def run_module(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m civdash args…` in a fresh process."""
    return subprocess.run(
        [sys.executable, "-m", "civdash", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )


_PYTHON_DEFAULT_WARNINGS = (
    ("default", DeprecationWarning, "__main__"),
    ("ignore", DeprecationWarning, ""),
    ("ignore", PendingDeprecationWarning, ""),
    ("ignore", ImportWarning, ""),
    ("ignore", ResourceWarning, ""),
)
"""The warning filters of a fresh `python` (`python -W help`): everything else is shown."""


@contextmanager
def _process_like(cwd: Path, env: dict[str, str] | None) -> Iterator[None]:
    """This process with `env` as its whole environment and `cwd` as its working directory."""
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    try:
        if env is not None:
            os.environ.clear()
            os.environ.update(env)
        os.chdir(cwd)
        yield
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)


def run_cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`civdash.cli.main(args)` in this process as `python -m civdash args…` would run it:
    exit status, stdout and stderr (with any warning a fresh interpreter would print)."""
    _staff_accounts(args, env)
    out, err = io.StringIO(), io.StringIO()
    with (
        _process_like(cwd, env),
        warnings.catch_warnings(record=True) as shown,
        redirect_stdout(out),
        redirect_stderr(err),
    ):
        warnings.resetwarnings()
        for action, category, module in _PYTHON_DEFAULT_WARNINGS:
            warnings.filterwarnings(action, category=category, module=module, append=True)
        try:
            code = cli.main(list(args))
        except SystemExit as exit_:  # argparse's usage errors
            code = exit_.code if isinstance(exit_.code, int) else 0 if exit_.code is None else 1
            if isinstance(exit_.code, str):
                print(exit_.code, file=sys.stderr)
    for w in shown:
        err.write(warnings.formatwarning(w.message, w.category, w.filename, w.lineno, w.line))
    argv = [sys.executable, "-m", "civdash", *args]
    return subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())


STAFF = {"张晓": "editor", "李娜": "editor", "王科长": "admin"}
"""The office staff these tests commit as (`--by` must name an account with the right role)."""


def _staff_accounts(args: tuple[str, ...], env: dict[str, str] | None) -> None:
    """Create the staff's accounts in the store a `commit`/`set-current` command will use."""
    if not args or args[0] not in ("commit", "set-current"):
        return
    if "--by" not in args or not args[args.index("--by") + 1].strip():
        return  # the command must refuse before it touches any store
    from civdash.accounts import Accounts
    from civdash.store import Store

    url = args[args.index("--db") + 1] if "--db" in args else None
    if url is None:
        home = Path((env or {}).get("CIVDASH_HOME", "data"))
        url = f"sqlite:///{(home / 'civdash.sqlite').as_posix()}"
    with Store(url) as store:
        accounts = Accounts(store)
        for name, role in STAFF.items():
            if accounts.get(name) is None:
                accounts.add(name, role, actor="测试")


def _ledger_audit(store):  # type: ignore[no-untyped-def]
    """The audit trail without the accounts the tests set up."""
    audit = store.audit()
    return audit[audit["action"] != "user_add"].reset_index(drop=True)


@pytest.fixture
def city(tmp_path: Path) -> Path:
    path = tmp_path / "districts.geojson"
    path.write_text(json.dumps(GEOJSON, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    import os

    e = dict(os.environ)
    e["CIVDASH_HOME"] = str(tmp_path / "home")
    e.pop("CIVDASH_DATABASE_URL", None)
    e["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    return e


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    rows = [
        ["志愿者编号", "姓名", "区县", "注册日期", "服务时长", "是否党员", "联系电话", "身份证号"],
        [
            "V1",
            "张三",
            "城关",
            datetime(2026, 1, 5),
            "12.5小时",
            "是",
            "13800138000",
            "330102199001011234",
        ],
        ["V2", "=1+1", "高新区", "2026年2月1日", 3, "否", None, None],
        ["V3", "王五", "火星区", "2026-01-01", 1, "否", None, None],
    ]
    return write_xlsx(tmp_path / "志愿者.xlsx", rows, title="志愿者台账（截至2026年11月15日）")


def test_ingest_json_and_out_csv_follow_the_contract(tmp_path, city, ledger, env):
    out = tmp_path / "rows.csv"
    proc = run_module(
        "ingest",
        str(ledger),
        "--districts",
        str(city),
        "--json",
        "--out",
        str(out),
        cwd=tmp_path,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["kind"] == "volunteers"
    assert summary["header_row"] == 2 and summary["as_of"] == "2026-11-15"
    assert (summary["rows_read"], summary["rows_valid"], summary["rows_invalid"]) == (3, 2, 1)
    assert summary["columns"]["服务时长"] == "hours"
    assert [(p["row"], p["field"], p["value"], p["severity"]) for p in summary["problems"]] == [
        (5, "district", "火星区", "error")
    ]
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == [
        "volunteer_id",
        "name",
        "gender",
        "district",
        "street",
        "team",
        "registered_on",
        "hours",
        "is_party_member",
        "phone",
        "id_number",
        "star_level",
    ]
    assert rows[0]["registered_on"] == "2026-01-05" and rows[0]["hours"] == "12.5"
    assert rows[0]["is_party_member"] == "true" and rows[1]["is_party_member"] == "false"
    assert rows[0]["district"] == "城关区" and rows[1]["district"] == "高新技术产业开发区"
    assert rows[0]["phone"] == "138****8000" and rows[0]["id_number"] == "330102********1234"
    assert rows[1]["name"] == "=1+1"  # text verbatim
    assert not (tmp_path / "home").exists()  # ingest stores nothing


def test_ingest_without_districts_option_checks_against_the_stores_district_table(
    tmp_path, city, ledger, env
):
    """The store (opened in a second thread while the file is read) gives the district table:
    the unknown district is named, and the process ends with its whole output written."""
    stored = run_cli("districts", str(city), "--by", "王科长", cwd=tmp_path, env=env)
    assert stored.returncode == 0, stored.stderr
    proc = run_module("ingest", str(ledger), "--json", cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert [(p["row"], p["field"], p["value"]) for p in summary["problems"]] == [
        (5, "district", "火星区")
    ]
    assert summary["rows_valid"] == 2


def test_refused_file_exits_2_with_one_chinese_line(tmp_path, env):
    bogus = tmp_path / "report.xlsx"
    bogus.write_bytes(b"%PDF-1.7 not a spreadsheet")
    proc = run_module("ingest", str(bogus), "--json", cwd=tmp_path, env=env)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "文件" in lines[0]


def test_map_option_maps_a_header_by_hand(tmp_path, city, env):
    rows = [["姓名", "区县", "注册日期", "干了多久"], ["张三", "城关区", "2026-01-01", 5]]
    path = write_xlsx(tmp_path / "v.xlsx", rows)
    proc = run_cli(
        "ingest",
        str(path),
        "--kind",
        "volunteers",
        "--districts",
        str(city),
        "--json",
        "--map",
        "干了多久=hours",
        cwd=tmp_path,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["rows_valid"] == 1


def test_commit_then_list_snapshots_and_recommit_is_a_noop(tmp_path, city, ledger, env):
    assert run_cli("districts", str(city), cwd=tmp_path, env=env).returncode == 0
    first = run_cli("commit", str(ledger), "--by", "张晓", cwd=tmp_path, env=env)
    assert first.returncode == 0, first.stderr
    again = run_cli("commit", str(ledger), "--by", "李娜", cwd=tmp_path, env=env)
    assert again.returncode == 0
    assert "未重复保存" in again.stdout
    listed = run_cli("snapshots", "--kind", "volunteers", "--json", cwd=tmp_path, env=env)
    snaps = json.loads(listed.stdout)
    assert len(snaps) == 1
    assert snaps[0]["rows_valid"] == 2 and snaps[0]["as_of"] == "2026-11-15"
    assert snaps[0]["committed_by"] == "张晓"


def test_refused_commit_is_recorded_in_the_audit_log(tmp_path, env):
    from civdash.store import Store

    bogus = tmp_path / "台账.xlsx"
    bogus.write_bytes(b"\x89PNG\r\n\x1a\n not a spreadsheet")
    proc = run_cli("commit", str(bogus), "--by", "张晓", cwd=tmp_path, env=env)
    assert proc.returncode == 2
    store = Store(f"sqlite:///{tmp_path / 'home' / 'civdash.sqlite'}")
    audit = _ledger_audit(store)
    assert audit["action"].tolist() == ["refuse"]
    assert audit["file_name"].iloc[0] == "台账.xlsx" and audit["actor"].iloc[0] == "张晓"
    assert store.snapshots() == []


# ---- commit rules: nothing wrong becomes current --------------------------------------------------

FULL_CITY = {"城关区": 4, "东湖区": 3, "高新区": 3}


def _volunteer_file(path: Path, per_district: dict[str, int]) -> Path:
    rows: list[list[object]] = [["姓名", "区县", "注册日期", "服务时长"]]
    rows += [
        [f"志愿者{district}{i}", district, "2026-01-05", 5 + i]
        for district, n in per_district.items()
        for i in range(n)
    ]
    return write_xlsx(path, rows, title="志愿者台账")


def _commit(
    path: Path, as_of: str, *extra: str, city: Path, db: str, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    return run_cli(
        "commit", str(path), "--districts", str(city), "--as-of", as_of, "--by", "张晓",
        "--db", db, *extra, cwd=path.parent, env=env,
    )  # fmt: skip


def _refusal_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def test_commit_of_a_file_without_valid_rows_exits_2_and_stores_nothing(
    tmp_path, city, env, db_url
):
    from civdash.store import Store

    path = _volunteer_file(tmp_path / "志愿者.xlsx", {"火星区": 2, "水星区": 1})

    proc = _commit(path, "2026-11-15", city=city, db=db_url, env=env)

    line = _refusal_line(proc)
    assert line == (
        "文件中没有有效数据行（读取 3 行，全部有误），未保存；请按检查结果改正后重新提交。"
    )
    assert "无效 3 行" in proc.stdout  # the check results say what to fix
    with Store(db_url) as store:
        assert store.snapshots() == []
        audit = _ledger_audit(store)
    assert audit[["action", "kind", "file_name", "actor", "detail"]].values.tolist() == [
        ["refuse", "volunteers", "志愿者.xlsx", "张晓", line]
    ]
    assert audit["sha256"].iat[0] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_commit_dropping_districts_is_held_until_allow_shrink(tmp_path, city, env, db_url):
    from civdash.store import Store

    full = _volunteer_file(tmp_path / "全市.xlsx", FULL_CITY)
    assert _commit(full, "2026-11-15", city=city, db=db_url, env=env).returncode == 0
    part = _volunteer_file(tmp_path / "城关区.xlsx", {"城关区": 4})

    held = _commit(part, "2026-11-22", city=city, db=db_url, env=env)

    assert _refusal_line(held) == (
        "与当前快照 #1（志愿者，截至 2026-11-15，10 行）相比，本文件只有 4 行（减少 60%，超过允许的 30%），"
        "且没有东湖区（当前 3 行）、高新技术产业开发区（当前 3 行）的数据，未保存；"
        "请确认上传的是完整台账；如确需以此替换当前数据，请加 --allow-shrink 重新提交。"
    )
    with Store(db_url) as store:
        assert [s.file_name for s in store.snapshots()] == ["全市.xlsx"]
        entry = store.audit().iloc[0]
        assert entry[["action", "file_name", "actor"]].tolist() == ["hold", "城关区.xlsx", "张晓"]
        assert "东湖区（当前 3 行）、高新技术产业开发区（当前 3 行）" in entry["detail"]

    confirmed = _commit(part, "2026-11-22", "--allow-shrink", city=city, db=db_url, env=env)

    assert confirmed.returncode == 0, confirmed.stderr
    last = confirmed.stdout.strip().splitlines()[-1]
    assert last.startswith("已保存快照 #2（志愿者，截至 2026-11-22，有效 4 行）；提交人已确认替换")
    with Store(db_url) as store:
        assert store.current("volunteers").file_name == "城关区.xlsx"  # type: ignore[union-attr]
        entry = store.audit().iloc[0]
        assert (entry["action"], entry["detail"]) == ("commit", last)


def test_commit_losing_too_many_rows_is_held_unless_the_share_allows_it(
    tmp_path, city, env, db_url
):
    full = _volunteer_file(tmp_path / "全市.xlsx", FULL_CITY)
    assert _commit(full, "2026-11-15", city=city, db=db_url, env=env).returncode == 0
    fewer = _volunteer_file(tmp_path / "少.xlsx", {"城关区": 2, "东湖区": 2, "高新区": 2})

    held = _commit(fewer, "2026-11-22", city=city, db=db_url, env=env)
    assert "本文件只有 6 行（减少 40%，超过允许的 30%），未保存；" in _refusal_line(held)

    lenient = {**env, "CIVDASH_MAX_SHRINK": "50%"}
    allowed = _commit(fewer, "2026-11-22", city=city, db=db_url, env=lenient)
    assert allowed.returncode == 0, allowed.stderr
    assert "确认" not in allowed.stdout


def test_commit_losing_exactly_the_allowed_share_passes(tmp_path, city, env, db_url):
    full = _volunteer_file(tmp_path / "全市.xlsx", FULL_CITY)
    assert _commit(full, "2026-11-15", city=city, db=db_url, env=env).returncode == 0
    seven = _volunteer_file(tmp_path / "七行.xlsx", {"城关区": 3, "东湖区": 2, "高新区": 2})

    proc = _commit(seven, "2026-11-22", city=city, db=db_url, env=env)

    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1].startswith("已保存快照 #2（志愿者，截至 2026-11-22")


def test_recommitting_a_file_that_is_not_current_offers_the_set_current_command(
    tmp_path, city, env, db_url
):
    old = _volunteer_file(tmp_path / "上周.xlsx", {"城关区": 4, "东湖区": 3})
    new = _volunteer_file(tmp_path / "本周.xlsx", FULL_CITY)
    assert _commit(old, "2026-11-08", city=city, db=db_url, env=env).returncode == 0
    assert _commit(new, "2026-11-15", city=city, db=db_url, env=env).returncode == 0

    again = _commit(old, "2026-11-08", city=city, db=db_url, env=env)

    assert again.returncode == 0, again.stderr
    said = again.stdout.strip().splitlines()[-1]
    assert said.endswith(
        "（快照 #1），未重复保存；该快照不是当前快照，如需设为当前，"
        "请运行 python -m civdash set-current 1 --by 张晓"
    )
    current = _commit(new, "2026-11-15", city=city, db=db_url, env=env)
    assert current.stdout.strip().splitlines()[-1].endswith("（快照 #2），未重复保存")


@pytest.mark.parametrize(("by", "said"), [(None, "--by"), (" ", "提交人不能为空")])
def test_commit_needs_the_committers_name(tmp_path, ledger, env, by, said):
    proc = run_cli(
        "commit", str(ledger), *(["--by", by] if by is not None else []), cwd=tmp_path, env=env
    )
    assert proc.returncode == 2
    assert said in proc.stderr
    assert not (tmp_path / "home").exists()


# ---- districts from DataV files, population sheets, set-current -----------------------------------


def _datav_file(tmp_path: Path) -> Path:
    from tests.test_districts import datav_bytes

    path = tmp_path / "330100_full.json"
    path.write_bytes(datav_bytes())
    return path


def test_districts_converts_a_datav_file_and_takes_population_from_a_sheet(tmp_path, env, db_url):
    import numpy as np

    from civdash.store import Store
    from tests.test_districts import datav_wgs84_rings

    population = tmp_path / "人口.csv"
    population.write_text("区县,常住人口\n萧山,2011000\n临平,1170000\n桐庐,456000\n", "utf-8")
    proc = run_cli(
        "districts", str(_datav_file(tmp_path)), "--population", str(population),
        "--by", "王科长", "--db", db_url, cwd=tmp_path, env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == (
        "检测到 DataV（阿里云）区县边界文件，坐标已按 GCJ-02 换算为 WGS-84；"
        "如果坐标本来就是 WGS-84，请加 --crs WGS-84 重新导入。"
    )
    assert lines[1:5] == [
        "读取区县 3 个：西湖区、萧山区、桐庐县。",
        "常住人口取自『人口.csv』，对应上 2 个区县。",
        "以下 1 个区县没有常住人口，按每万人计算的指标不含它们：西湖区；请在常住人口表中补上。",
        "常住人口表中以下 1 行对应不上任何区县，未使用：临平；请核对区县名称或区划代码。",
    ]
    assert lines[5].startswith("已保存快照 #1（区县")
    with Store(db_url) as store:
        table = store.districts()
        assert store.current("districts").file_name == "330100_full.json（常住人口：人口.csv）"  # type: ignore[union-attr]
    assert table is not None
    assert [d.code for d in table.districts] == ["330106", "330109", "330122"]
    assert table.population() == {"萧山区": 2011000.0, "桐庐县": 456000.0}
    truth = datav_wgs84_rings()
    for d in table.districts:
        got = np.array(d.geometry["coordinates"], dtype=float)  # type: ignore[index]
        assert np.abs(got - np.array(truth[d.name])).max() < 1e-6


def test_districts_crs_option_says_no_conversion_and_a_sheet_only_table_still_works(tmp_path, env):
    from tests.test_districts import datav_city

    plain = run_cli(
        "districts", str(_datav_file(tmp_path)), "--crs", "WGS-84", cwd=tmp_path, env=env
    )
    assert plain.returncode == 0, plain.stderr
    assert "GCJ-02" not in plain.stdout
    assert "区县表中没有常住人口，按每万人计算的指标将无法显示；请加 --population" in plain.stdout
    from civdash.store import Store

    with Store(f"sqlite:///{tmp_path / 'home' / 'civdash.sqlite'}") as store:
        stored = store.districts()
    assert stored is not None
    assert stored.districts[0].geometry == datav_city()["features"][0]["geometry"]  # type: ignore[index]
    sheet = tmp_path / "区县.csv"
    sheet.write_text("区县,常住人口\n西湖区,1130000\n萧山区,2011000\n桐庐县,456000\n", "utf-8")
    proc = run_cli("districts", str(sheet), cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == "读取区县 3 个：西湖区、萧山区、桐庐县。"


def test_a_district_table_the_ledgers_do_not_use_is_stored_but_not_made_current(
    tmp_path, city, ledger, env, db_url
):
    from civdash.store import Store

    assert run_cli("districts", str(city), "--db", db_url, cwd=tmp_path, env=env).returncode == 0
    committed = run_cli(
        "commit", str(ledger), "--by", "张晓", "--db", db_url, cwd=tmp_path, env=env
    )
    assert committed.returncode == 0, committed.stderr
    proc = run_cli(
        "districts", str(_datav_file(tmp_path)), "--by", "王科长", "--db", db_url,
        cwd=tmp_path, env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    with Store(db_url) as store:
        new = store.snapshots("districts")[0]
        assert not new.is_current
        assert store.districts().names == ("城关区", "东湖区", "高新技术产业开发区")  # type: ignore[union-attr]
    assert (
        "现有台账中的区县名称在新区县表中全都对应不上：城关区（志愿者 1 行）、"
        "高新技术产业开发区（志愿者 1 行）；换成新区县表后，这些行不计入任何区县，"
        "地图和各区县统计中它们的数会是 0。"
    ) in proc.stdout.splitlines()
    assert proc.stdout.splitlines()[-1] == (
        f"快照 #{new.id} 没有设为当前区县表；核对无误、仍要使用它，请运行："
        f"python -m civdash set-current {new.id} --by 王科长"
    )

    made = run_cli(
        "set-current", str(new.id), "--by", "王科长", "--db", db_url, cwd=tmp_path, env=env
    )
    assert made.returncode == 0, made.stderr
    assert made.stdout.splitlines() == [
        f"已将快照 #{new.id}（区县，截至 {new.as_of}）设为当前快照。"
    ]
    with Store(db_url) as store:
        assert store.districts().names == ("西湖区", "萧山区", "桐庐县")  # type: ignore[union-attr]
        old = store.snapshots("districts")[-1]
        audit = store.audit()
    assert audit["action"].iloc[0] == "set_current" and audit["actor"].iloc[0] == "王科长"

    # the earlier table can be made current again
    back = run_cli(
        "set-current", str(old.id), "--by", "张晓", "--db", db_url, cwd=tmp_path, env=env
    )
    assert back.returncode == 0, back.stderr
    with Store(db_url) as store:
        assert store.districts().names == ("城关区", "东湖区", "高新技术产业开发区")  # type: ignore[union-attr]
    again = run_cli(
        "set-current", str(old.id), "--by", "张晓", "--db", db_url, cwd=tmp_path, env=env
    )
    assert again.stdout.strip().endswith("已经是当前快照，未作改动。")


def test_a_district_table_covering_only_some_ledger_districts_names_them(
    tmp_path, city, ledger, env
):
    assert run_cli("districts", str(city), cwd=tmp_path, env=env).returncode == 0
    assert run_cli("commit", str(ledger), "--by", "张晓", cwd=tmp_path, env=env).returncode == 0
    fewer = tmp_path / "区县.csv"
    fewer.write_text("区县,常住人口\n城关区,60000\n东湖区,50000\n", "utf-8")
    proc = run_cli("districts", str(fewer), cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    assert (
        "现有台账中有 1 个区县名称在新区县表中对应不上：高新技术产业开发区（志愿者 1 行）；"
        in proc.stdout
    )
    assert "python -m civdash set-current 3 --by 姓名" in proc.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("999", "--by", "张晓"),
            "快照 #999 不存在，可用 python -m civdash snapshots 查看已有快照的编号。",
        ),
        (
            ("abc", "--by", "张晓"),
            "快照编号『abc』不是数字，可用 python -m civdash snapshots 查看快照编号。",
        ),
        (("1",), "请用 --by 写明操作人，例如 --by 张晓。"),
    ],
)
def test_set_current_refuses_an_unknown_snapshot_in_one_chinese_line(tmp_path, env, args, message):
    proc = run_cli("set-current", *args, cwd=tmp_path, env=env)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.splitlines() == [message]


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (("user", "add"), "缺少必需的参数：name, --role（用法见 python -m civdash user add -h）"),
        (("ingest", "x.xlsx", "--kind", "bogus"),
         "参数 --kind 的值『bogus』无效，可选：auto, units, volunteers, issues, targets, "
         "assessments, contacts（用法见 python -m civdash ingest -h）"),
        (("snapshots", "--zzz"), "无法识别的参数：--zzz（用法见 python -m civdash -h）"),
    ],
)  # fmt: skip
def test_a_malformed_command_line_is_refused_in_one_chinese_line(args, line, tmp_path, env):
    done = run_cli(*args, cwd=tmp_path, env=env)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [line]
