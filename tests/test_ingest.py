"""Ingest end to end: messy ledgers in, canonical rows and problems out."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xlsxwriter

from civdash.districts import District, DistrictTable
from civdash.geo import wgs84_to_gcj02
from civdash.ingest import ingest_file, read_districts
from civdash.io import FileRefused

SQUARE = [[[120.0, 30.2], [120.5, 30.2], [120.5, 30.5], [120.0, 30.5], [120.0, 30.2]]]
CITY = DistrictTable(
    (
        District("城关区", 60000, geometry={"type": "Polygon", "coordinates": SQUARE}),
        District("东湖区", 50000),
        District("南港区", 40000),
        District("高新技术产业开发区", 30000, aliases=("高新区",)),
    )
)


def write_xlsx(
    path: Path,
    rows: list[list[object]],
    *,
    title: str | None = None,
    date_cols: tuple[int, ...] = (),
) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("台账")
    fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    r0 = 0
    if title:
        ws.merge_range(0, 0, 0, max(len(rows[0]) - 1, 1), title)
        r0 = 1
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            if isinstance(v, datetime):
                ws.write_datetime(r0 + i, j, v, fmt)
            elif isinstance(v, str):
                ws.write_string(r0 + i, j, v)
            elif v is not None:
                ws.write(r0 + i, j, v)
    del date_cols
    wb.close()
    return path


VOLUNTEER_HEADER = [
    "志愿者编号",
    "姓名",
    "所在区（县）",
    "注册时间",
    "服务时长（小时）",
    "政治面貌",
    "联系电话",
]


@pytest.fixture
def volunteers_file(tmp_path: Path) -> Path:
    rows = [
        VOLUNTEER_HEADER,
        ["V001", "张三", "城关区", datetime(2026, 1, 5), 12.5, "中共党员", "13800138000"],  # row 3
        ["V002", "李四", "东湖", "2026/1/6", "１２小时", "群众", "13900139000"],  # row 4
        ["V003", "王五", "高新区", "2026年3月1日", -5, "群众", None],  # row 5: negative hours
        ["V004", "赵六", "西湖区", "2026-02-30", 3, "群众", None],  # row 6: district + date
        ["V002", "钱七", "南港区", 46341, 8, "中共预备党员", None],  # row 7: duplicate id
        ["V008", None, "南港区", "2026.11.01", 1, None, None],  # row 8: missing name
        ["合计", None, None, None, 31.5, None, None],
        ["填报人：孙八  审核人：周九", None, None, None, None, None, None],
    ]
    return write_xlsx(
        tmp_path / "志愿者.xlsx", rows, title="青澜市注册志愿者台账（截至2026年11月15日）"
    )


def test_messy_volunteer_ledger_gives_valid_rows_and_row_numbered_problems(volunteers_file):
    result = ingest_file(volunteers_file, districts=CITY)
    assert result.kind == "volunteers"
    assert result.header_row == 2
    assert result.as_of == date(2026, 11, 15)
    assert (result.rows_read, result.rows_valid, result.rows_invalid) == (6, 2, 4)
    rows = result.rows.set_index("source_row")
    assert rows.loc[3, "hours"] == 12.5 and rows.loc[4, "hours"] == 12.0
    assert rows.loc[4, "district"] == "东湖区"
    assert rows.loc[4, "registered_on"] == pd.Timestamp("2026-01-06")
    assert bool(rows.loc[3, "is_party_member"]) and not bool(rows.loc[4, "is_party_member"])
    errors = {(p.row, p.field): p for p in result.problems if p.severity == "error"}
    assert set(errors) == {
        (5, "hours"),
        (6, "district"),
        (6, "registered_on"),
        (7, "volunteer_id"),
        (8, "name"),
    }
    assert (
        errors[(5, "hours")].message
        == "第 5 行『累计服务时长（小时）』为 -5，时长不能为负数，请核对后重新上传。"
    )
    assert errors[(5, "hours")].value == "-5"
    assert errors[(6, "registered_on")].value == "2026-02-30"
    assert "与第 4 行重复" in errors[(7, "volunteer_id")].message
    assert (
        errors[(8, "name")].message == "第 8 行『姓名』为空，这是必填项，请填写『姓名』后重新上传。"
    )
    assert "东湖区" in errors[(6, "district")].message


def test_star_level_is_derived_from_configured_thresholds(tmp_path):
    from civdash.config import Settings

    rows = [["姓名", "区县", "注册日期", "时长"]] + [
        [f"人{i}", "城关区", "2026-01-01", h] for i, h in enumerate([0, 99, 100, 850, 1500])
    ]
    path = write_xlsx(tmp_path / "v.xlsx", rows)
    national = ingest_file(path, districts=CITY)
    assert national.rows["star_level"].tolist() == [0, 0, 1, 3, 5]
    local = ingest_file(
        path, districts=CITY, settings=Settings(star_thresholds=(100, 200, 500, 800, 1000))
    )
    assert local.rows["star_level"].tolist() == [0, 0, 1, 4, 5]


def test_issue_ledger_deadlines_statuses_and_verbatim_text(tmp_path):
    hostile = '<img src=x onerror=alert(1)> =HYPERLINK("http://x")'
    rows = [
        [
            "编号",
            "发现时间",
            "所属区县",
            "点位",
            "点位类型",
            "问题描述",
            "问题来源",
            "责任部门",
            "整改时限",
            "整改情况",
            "完成时间",
        ],
        [
            "A1",
            "2026-11-13",
            "城关区",
            "人民路",
            "农贸市场",
            hostile,
            "12345",
            "城管局",
            "3天",
            "已完成",
            "2026-11-14",
        ],
        [
            "A2",
            "2026-11-13",
            "南港",
            "西街",
            "背街小巷",
            "垃圾",
            "暗访",
            "南港街道",
            "5个工作日",
            "未整改",
            None,
        ],
        [
            "A3",
            "2026-11-13",
            "南港",
            "滨河",
            "公园",
            "破损",
            "模拟测评",
            "住建局",
            "长期坚持",
            "长期坚持",
            None,
        ],
        [
            "A4",
            "2026-11-13",
            "东湖",
            "东路",
            "小区",
            "乱停车",
            "其他",
            "交通局",
            "立行立改",
            "正在整改",
            None,
        ],
    ]
    result = ingest_file(write_xlsx(tmp_path / "问题.xlsx", rows), districts=CITY)
    assert result.kind == "issues"
    assert result.columns["整改情况"] == "status"
    r = result.rows.set_index("issue_id")
    assert r.loc["A1", "description"] == hostile
    assert r.loc["A1", "deadline"] == pd.Timestamp("2026-11-16")
    assert r.loc["A2", "deadline"] == pd.Timestamp("2026-11-20")
    assert pd.isna(r.loc["A3", "deadline"])
    assert r.loc["A4", "deadline"] == pd.Timestamp("2026-11-14")
    assert r["status"].tolist() == ["已整改", "待整改", "长期整改", "整改中"]
    assert r.loc["A1", "point_type"] == "集贸市场" and r.loc["A1", "source"] == "12345热线"
    assert result.rows_invalid == 0


def test_issue_ids_are_generated_when_absent_and_stable(tmp_path):
    rows = [
        ["发现日期", "区县", "问题描述", "责任单位", "整改状态"],
        ["2026-11-01", "城关区", "占道经营", "城管局", "待整改"],
        ["2026-11-02", "东湖区", "占道经营", "城管局", "待整改"],
    ]
    a = ingest_file(write_xlsx(tmp_path / "a.xlsx", rows), districts=CITY)
    b = ingest_file(write_xlsx(tmp_path / "b.xlsx", rows), districts=CITY)
    assert a.rows["issue_id"].tolist() == b.rows["issue_id"].tolist()
    assert a.rows["issue_id"].is_unique


def test_blank_ids_are_generated_as_for_a_file_without_the_id_column(tmp_path):
    # the template says 可不填：不填时自动生成 — per cell, not only when the column is missing
    rows = [
        ["发现日期", "区县", "问题描述", "责任单位", "整改状态"],
        ["2026-11-01", "城关区", "占道经营", "城管局", "待整改"],
        ["2026-11-02", "东湖区", "占道经营", "城管局", "待整改"],
    ]
    with_ids = [["问题编号", *rows[0]], ["", *rows[1]], ["A7", *rows[2]]]
    absent = ingest_file(write_xlsx(tmp_path / "a.xlsx", rows), districts=CITY)
    partly = ingest_file(write_xlsx(tmp_path / "b.xlsx", with_ids), districts=CITY)
    assert partly.columns["问题编号"] == "issue_id" and partly.problems == []
    generated = absent.rows["issue_id"].tolist()
    assert partly.rows["issue_id"].tolist() == [generated[0], "A7"]


def test_a_missing_optional_column_reads_as_a_blank_one(tmp_path):
    # an absent 区县 is city-wide ("") as a blank one is; an absent 是否党员 is false
    targets = [["指标", "目标值"], ["问题整改率", 90]]
    result = ingest_file(write_xlsx(tmp_path / "t.xlsx", targets), districts=CITY)
    assert result.rows["district"].tolist() == [""]
    volunteers = [["姓名", "区县", "注册日期", "服务时长"], ["张伟", "城关区", "2024-03-01", 12]]
    result = ingest_file(write_xlsx(tmp_path / "v.xlsx", volunteers), districts=CITY)
    assert result.rows["is_party_member"].tolist() == [False]
    assert result.rows["gender"].isna().all()


def test_units_title_column_fills_level_and_category(tmp_path):
    rows = [
        ["单位名称", "所属区县", "称号", "创建状态", "测评得分"],
        ["青澜一中", "城关区", "省级文明校园", "已命名", 91],
        ["临江村", "南港区", "市级文明村", "培育中", 78.5],
        ["东湖社区", "东湖区", "县（区）级文明社区", "保留", 105],
    ]
    result = ingest_file(write_xlsx(tmp_path / "u.xlsx", rows), districts=CITY)
    r = result.rows.set_index("unit_name")
    assert (r.loc["青澜一中", "level"], r.loc["青澜一中", "category"]) == ("省级", "文明校园")
    assert (r.loc["临江村", "level"], r.loc["临江村", "category"]) == ("市级", "文明村镇")
    assert r.loc["临江村", "unit_id"].startswith("U")
    problems = {(p.row, p.field) for p in result.problems}
    assert (4, "score") in problems  # 105 is out of 0–100


def test_targets_percentages_in_percent_units(tmp_path):
    rows = [
        ["指标", "区县", "目标值", "完成时限"],
        ["注册志愿者占常住人口比例", "全市", "13%", "2026-12-31"],
        ["问题整改率", "南港区", 0.9, "2026-12-31"],
        ["issue_on_time_rate", None, 85, "2026-12-31"],
        ["星级志愿者人数", "", 3000, "2026-12-31"],
        ["幸福指数", "", 1, "2026-12-31"],
    ]
    result = ingest_file(write_xlsx(tmp_path / "t.xlsx", rows), districts=CITY)
    assert result.kind == "targets"
    r = result.rows
    assert r["metric"].tolist() == [
        "volunteer_rate",
        "issue_close_rate",
        "issue_on_time_rate",
        "star_volunteers",
    ]
    assert r["target"].tolist() == [13.0, 90.0, 85.0, 3000.0]
    assert r["district"].tolist() == ["", "南港区", "", ""]
    assert [p.row for p in result.problems] == [6]


def test_swapped_coordinates_are_swapped_back_and_outside_ones_dropped(tmp_path):
    rows = [
        ["单位名称", "所属区县", "纬度", "经度"],
        ["甲", "城关区", 30.3, 120.2],
        ["乙", "城关区", 120.2, 30.3],
        ["丙", "城关区", 0, 0],
        ["丁", "城关区", 39.9, 116.4],
    ]
    result = ingest_file(write_xlsx(tmp_path / "u.xlsx", rows), districts=CITY)
    r = result.rows.set_index("unit_name")
    assert (r.loc["乙", "lat"], r.loc["乙", "lon"]) == (30.3, 120.2)
    assert r.loc[["丙", "丁"], "lat"].isna().all()
    assert result.rows_valid == 4
    warnings = {p.row for p in result.problems if p.severity == "warning"}
    assert warnings == {3, 4, 5}


def test_gcj02_coordinates_are_converted_to_wgs84(tmp_path):
    glat, glon = wgs84_to_gcj02(np.array([30.3]), np.array([120.2]))
    rows = [
        ["单位名称", "所属区县", "纬度", "经度"],
        ["甲", "城关区", float(glat[0]), float(glon[0])],
    ]
    result = ingest_file(write_xlsx(tmp_path / "u.xlsx", rows), districts=CITY, crs="GCJ-02")
    assert result.rows.loc[0, "lat"] == pytest.approx(30.3, abs=1e-6)
    assert result.rows.loc[0, "lon"] == pytest.approx(120.2, abs=1e-6)


def test_missing_required_column_invalidates_every_row_and_says_which(tmp_path):
    rows = [["姓名", "区县", "注册日期"], ["张三", "城关区", "2026-01-01"]]
    result = ingest_file(write_xlsx(tmp_path / "v.xlsx", rows), kind="volunteers", districts=CITY)
    assert result.rows_valid == 0
    assert [p.field for p in result.problems] == ["hours"]
    assert "缺少必填列『累计服务时长（小时）』" in result.problems[0].message


def test_user_mapping_rescues_an_unknown_header(tmp_path):
    rows = [["姓名", "区县", "注册日期", "干了多久"], ["张三", "城关区", "2026-01-01", 5]]
    path = write_xlsx(tmp_path / "v.xlsx", rows)
    result = ingest_file(path, kind="volunteers", districts=CITY, mapping={"干了多久": "hours"})
    assert result.rows_valid == 1
    assert result.columns["干了多久"] == "hours"


def test_header_only_and_unrecognisable_files_are_refused(tmp_path):
    header_only = write_xlsx(tmp_path / "h.xlsx", [VOLUNTEER_HEADER])
    with pytest.raises(FileRefused, match="只有表头"):
        ingest_file(header_only)
    other = write_xlsx(tmp_path / "o.xlsx", [["品名", "单价"], ["苹果", 3]])
    with pytest.raises(FileRefused, match="未识别出台账类型"):
        ingest_file(other)


def test_district_sheet_is_read_as_a_district_table(tmp_path):
    rows = [
        ["区县", "常住人口", "别名"],
        ["城关区", "6.1万", "城关"],
        ["高新技术产业开发区", 30000, "高新区"],
    ]
    table = read_districts(write_xlsx(tmp_path / "d.xlsx", rows))
    assert table.names == ("城关区", "高新技术产业开发区")
    assert table.population()["城关区"] == 61000
    assert table.resolve("高新区") == "高新技术产业开发区"
    assert not table.has_geometry


def test_summary_is_the_cli_json_contract(volunteers_file):
    summary = ingest_file(volunteers_file, districts=CITY).summary()
    assert list(summary) == [
        "kind",
        "sheet",
        "header_row",
        "rows_read",
        "rows_valid",
        "rows_invalid",
        "columns",
        "as_of",
        "problems",
    ]
    assert summary["as_of"] == "2026-11-15"
    assert set(summary["problems"][0]) == {"row", "field", "value", "message", "severity"}
    json.dumps(summary, ensure_ascii=False)


def test_district_sheet_without_aliases_or_codes_is_read(tmp_path):
    rows = [["区县", "常住人口"], ["城关区", 61842], ["南港区", "4.1万"]]
    table = read_districts(write_xlsx(tmp_path / "d.xlsx", rows))
    assert table.names == ("城关区", "南港区")
    assert table.resolve("南港") == "南港区"
    assert table.population() == {"城关区": 61842.0, "南港区": 41000.0}
