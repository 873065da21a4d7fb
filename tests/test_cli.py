"""`python -m civdash` honours the ingest contract of ledgers.md."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

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


def run_cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "civdash", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )


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
    proc = run_cli(
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


def test_refused_file_exits_2_with_one_chinese_line(tmp_path, env):
    bogus = tmp_path / "report.xlsx"
    bogus.write_bytes(b"%PDF-1.7 not a spreadsheet")
    proc = run_cli("ingest", str(bogus), "--json", cwd=tmp_path, env=env)
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
    again = run_cli("commit", str(ledger), cwd=tmp_path, env=env)
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
    audit = store.audit()
    assert audit["action"].tolist() == ["refuse"]
    assert audit["file_name"].iloc[0] == "台账.xlsx" and audit["actor"].iloc[0] == "张晓"
    assert store.snapshots() == []
