"""Workbooks with one sheet per district (or street, team …) read as one ledger; headers of three
merged rows; total rows and formula rows that are not data."""

from __future__ import annotations

import io

import openpyxl
import pytest

from civdash import upload as up
from civdash.districts import District, DistrictTable
from civdash.ingest import ingest_file, ingest_table
from civdash.io import FileRefused, read_table
from civdash.io.reader import SHEET_COLUMN
from tests.io.helpers import fixture, xlsx_bytes

FORMATS = ("xlsx", "xls", "ods")
CITY = DistrictTable((District("东湖区"), District("南港区"), District("城关区")))


@pytest.mark.parametrize("ext", FORMATS)
def test_sheets_of_one_layout_are_read_as_one_table_and_the_others_named(ext):
    raw = read_table(fixture(f"issues_by_district.{ext}"), f"问题.{ext}")
    assert [(p.name, p.rows) for p in raw.parts] == [("东湖区", 3), ("南港区", 2), ("城关区", 2)]
    assert raw.skipped_sheets == (
        ("填表说明", "填表说明页，不是台账"),
        ("模板", "隐藏的工作表"),
        ("汇总", "表头与工作表『东湖区』不同"),
    )  # the empty Sheet7 is not news
    assert raw.headers[-1] == SHEET_COLUMN
    assert list(raw.body[len(raw.headers) - 1]) == ["东湖区"] * 3 + ["南港区"] * 2 + ["城关区"] * 2
    # each row keeps its own number and its sheet's row number
    assert [raw.locate(r) for r in raw.body.index[[0, 3, 5]]] == [
        ("东湖区", 4),
        ("南港区", 3),
        ("城关区", 3),
    ]
    assert raw.row_label(raw.body.index[3]) == "工作表『南港区』第 3 行"
    # 全区合计 right under the header, 合计 and the footer of each sheet are not data
    assert ("东湖区", 3) in [raw.locate(r) for r, why in raw.skipped if why == "合计行"]
    assert raw.as_of is not None and raw.as_of.isoformat() == "2026-11-15"


@pytest.mark.parametrize("ext", FORMATS)
def test_sheet_names_give_the_district_and_problems_name_their_sheet(ext):
    result = ingest_file(
        fixture(f"issues_by_district.{ext}"), file_name=f"问题.{ext}", districts=CITY
    )
    assert result.kind == "issues"
    assert result.columns[SHEET_COLUMN] == "district"
    assert [(c.name, c.rows_read, c.rows_valid) for c in result.sheets] == [
        ("东湖区", 3, 3),
        ("南港区", 2, 1),
        ("城关区", 2, 2),
    ]
    assert list(result.rows["district"]) == ["东湖区"] * 3 + ["南港区"] + ["城关区"] * 2
    [problem] = [p for p in result.problems if p.severity == "error"]
    assert problem.message.startswith("工作表『南港区』第 4 行『责任单位』")
    assert problem.to_dict()["row"] == 4
    assert problem.to_dict()["sheet"] == "南港区"
    summary = result.summary()
    assert summary["sheets"][1] == {"name": "南港区", "rows_read": 2, "rows_valid": 1}
    assert {"name": "汇总", "reason": "表头与工作表『东湖区』不同"} in summary["skipped_sheets"]
    # stored rows keep numbers unique across sheets
    assert result.rows["source_row"].is_unique


def test_the_clerk_can_leave_sheets_out_or_read_one():
    data = fixture("issues_by_district.xlsx")
    two = read_table(data, "问题.xlsx", sheets=["东湖区", "城关区"])
    assert [p.name for p in two.parts] == ["东湖区", "城关区"]
    one = read_table(data, "问题.xlsx", sheet="南港区")
    assert (one.sheet, one.parts, one.skipped_sheets) == ("南港区", (), ())
    assert SHEET_COLUMN not in one.headers
    with pytest.raises(FileRefused, match="没有选择任何工作表"):
        read_table(data, "问题.xlsx", sheets=[])
    with pytest.raises(FileRefused, match="没有名为『西山县』的工作表"):
        read_table(data, "问题.xlsx", sheets=["西山县"])


def test_streets_as_sheets_fill_the_street_when_the_district_is_a_column():
    header = ["姓名", "所属区县", "注册日期", "服务时长"]
    data = xlsx_bytes(
        {
            "湖滨街道": [header, ["张三", "东湖区", "2026-01-02", 3]],
            "东湖街道": [header, ["李四", "东湖区", "2026-01-03", 4]],
        }
    )
    result = ingest_file(data, file_name="志愿者.xlsx", districts=CITY)
    assert result.columns[SHEET_COLUMN] == "street"
    assert list(result.rows["street"]) == ["湖滨街道", "东湖街道"]


def test_team_sheets_fill_the_team_and_generic_sheet_names_fill_nothing():
    header = ["姓名", "所属区县", "注册日期", "服务时长"]
    teams = xlsx_bytes(
        {
            "蓝马甲服务队": [header, ["张三", "东湖区", "2026-01-02", 3]],
            "红石榴服务队": [header, ["李四", "南港区", "2026-01-03", 4]],
        }
    )
    assert list(ingest_file(teams, file_name="t.xlsx", districts=CITY).rows["team"]) == [
        "蓝马甲服务队",
        "红石榴服务队",
    ]
    generic = xlsx_bytes({"Sheet1": [header, ["张三", "东湖区", "2026-01-02", 3]],
                          "Sheet2": [header, ["李四", "南港区", "2026-01-03", 4]]})  # fmt: skip
    result = ingest_file(generic, file_name="g.xlsx", districts=CITY)
    assert SHEET_COLUMN not in result.columns
    assert result.rows_valid == 2


def test_an_error_report_of_sheets_keeps_the_sheet_and_reads_back_the_same_way():
    upload = up.Upload.of("问题.xlsx", fixture("issues_by_district.xlsx"))
    bench = up.Workbench()
    review = bench.check(upload, up.FileChoice(), CITY)
    assert review.result.rows_invalid == 1
    report = up.error_report(review)
    ws = openpyxl.load_workbook(io.BytesIO(report)).worksheets[0]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    header = next(r for r in rows if r[0] == "原行号")
    body = rows[rows.index(header) + 1 :]
    assert [r[0] for r in body] == [4, 5, 6, 3, 4, 3, 4]  # each sheet's own row numbers
    assert [r[header.index(SHEET_COLUMN)] for r in body][3] == "南港区"
    table = up.problems_table(review)
    assert list(table.columns[:2]) == ["工作表", "行号"]
    assert (table.at[0, "工作表"], table.at[0, "行号"]) == ("南港区", 4)
    # the fixed report (one sheet, the sheet names in a column) is read the same way
    fixed = up.Upload.of("问题_问题报告.xlsx", report)
    again = up.Workbench().check(fixed, up.FileChoice(), CITY)
    assert again.result.columns[SHEET_COLUMN] == "district"
    assert again.result.rows_valid == 6


def test_fix_table_shows_each_rows_sheet_and_maps_edits_back():
    upload = up.Upload.of("问题.xlsx", fixture("issues_by_district.xlsx"))
    review = up.Workbench().check(upload, up.FileChoice(), CITY)
    fix = up.fix_table(review)
    assert list(fix.frame.index) == ["工作表『南港区』第 4 行"]
    assert SHEET_COLUMN in fix.locked
    edits = up.edits_from_editor(fix, {0: {"责任单位": "南港区文明办", SHEET_COLUMN: "东湖区"}})
    assert edits == {(fix.rows[0], review.raw.headers.index("责任单位")): "南港区文明办"}
    fixed = ingest_table(up.apply_edits(review.raw, edits), kind="issues", districts=CITY)
    assert fixed.rows_valid == 7


@pytest.mark.parametrize("ext", FORMATS)
def test_three_merged_header_rows_total_under_the_header_and_formula_rows(ext):
    raw = read_table(fixture(f"activities_three_row_header.{ext}"), f"活动.{ext}")
    assert (raw.header_row, raw.header_rows) == (2, 3)
    assert raw.headers == (
        "序号",
        "年份",
        "活动名称",
        "受益人数成人男",
        "受益人数成人女",
        "受益人数儿童男",
        "受益人数儿童女",
        "合计",
        "备注",
    )
    assert list(raw.body.index) == [6, 7, 8]
    reasons = dict(raw.skipped)
    assert reasons[5] == "合计行"
    assert {reasons[r] for r in range(9, 19)} == {"数据下方只有公式结果（0 或空值）的行"}


@pytest.mark.parametrize("ext", FORMATS)
def test_an_activity_ledger_is_never_taken_for_creation_units(ext):
    with pytest.raises(FileRefused, match="未识别出台账类型"):
        ingest_file(fixture(f"activities_three_row_header.{ext}"), file_name=f"活动.{ext}")


def test_the_preview_names_each_rows_sheet():
    upload = up.Upload.of("问题.xlsx", fixture("issues_by_district.xlsx"))
    review = up.Workbench().check(upload, up.FileChoice(), CITY)
    frame = up.preview_styler(review, only_problems=True).data
    assert list(frame.index) == ["工作表『南港区』第 4 行"]
