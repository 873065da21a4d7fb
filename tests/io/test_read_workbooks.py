"""Reading workbooks written by real programs: xlsxwriter (as Excel writes), LibreOffice .xls/.ods/.xlsx."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from civdash.io import list_sheets, read_table
from tests.io.helpers import FIXTURES, fixture, rewrite_zip, xlsx_bytes, xlsx_with, zip_part

VOLUNTEER_FILES = [
    "volunteers_messy.xlsx",
    "volunteers_messy_libreoffice.xlsx",
    "volunteers_messy.xls",
    "volunteers_messy.ods",
]
UNIT_FILES = ["units_offset.xlsx", "units_offset.xls", "units_offset.ods"]
VOLUNTEER_HEADERS = (
    "序号",
    "姓名",
    "性别",
    "所属区县",
    "街道/乡镇",
    "志愿服务队",
    "注册日期",
    "累计服务时长（小时）",
    "是否党员",
    "联系电话",
    "列11",
)


@pytest.fixture(scope="module", params=VOLUNTEER_FILES)
def volunteers(request):
    return read_table(FIXTURES / request.param)


@pytest.fixture(scope="module", params=UNIT_FILES)
def units(request):
    return read_table(FIXTURES / request.param)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("volunteers_messy.xlsx", "xlsx"),
        ("volunteers_messy_libreoffice.xlsx", "xlsx"),
        ("volunteers_messy.xls", "xls"),
        ("volunteers_messy.ods", "ods"),
        ("issues_gbk.csv", "csv"),
        ("units_web.xls", "html"),
    ],
)
def test_format_is_taken_from_the_content_not_the_extension(name, expected):
    assert read_table(fixture(name), "renamed.xlsx").file_format == expected


def test_instruction_and_hidden_sheets_lose_to_the_visible_ledger(volunteers):
    # the hidden 2025年数据 sheet names more fields than the visible ledger, and still loses
    assert volunteers.sheet == "志愿者台账"
    assert volunteers.sheets == ("填表说明", "志愿者台账", "2025年数据")


def test_title_rows_are_skipped_and_two_row_header_is_combined(volunteers):
    assert (volunteers.header_row, volunteers.header_rows) == (3, 2)
    assert volunteers.headers == VOLUNTEER_HEADERS


def test_as_of_date_and_title_come_from_the_title_rows(volunteers):
    assert volunteers.as_of == dt.date(2026, 11, 15)
    assert volunteers.title == "南港市注册志愿者台账（截至2026年11月15日）\n填报单位：南港区文明办"


def test_blank_total_and_footer_rows_are_set_aside_with_their_row_numbers(volunteers):
    assert volunteers.skipped == (
        (8, "空行"),
        (11, "合计行"),
        (12, "空行"),
        (13, "表尾（填报人、审核人、注释等）"),
        (14, "表尾（填报人、审核人、注释等）"),
    )
    assert list(volunteers.body.index) == [5, 6, 7, 9, 10]


def test_body_columns_are_positions_and_values_are_as_read(volunteers):
    body = volunteers.body
    assert list(body.columns) == list(range(len(VOLUNTEER_HEADERS)))
    assert list(body[1]) == ["张伟", "李娜", "王芳", "刘洋", "陈静"]
    assert body.at[7, 7] == "12.5小时"  # not normalised by io
    assert body.at[7, 6] == "2026年3月1日"
    assert body.at[5, 10] == "已核验"
    assert pd.isna(body.at[6, 10])


def test_kind_scores_favour_the_ledger_kind_of_the_header(volunteers):
    scores = volunteers.kind_scores
    assert max(scores, key=lambda k: scores[k]) == "volunteers"


def test_column_with_data_but_no_header_gets_a_generated_name_and_empty_one_is_dropped(volunteers):
    # column K holds 已核验 without a header; column L only holds 审核人 in the footer
    assert volunteers.headers[-1] == "列11"
    assert len(volunteers.headers) == 11


def test_user_can_pick_the_hidden_sheet():
    raw = read_table(fixture("volunteers_messy.xlsx"), sheet="2025年数据")
    assert (raw.sheet, raw.header_row, raw.header_rows) == ("2025年数据", 1, 1)
    assert raw.headers[0] == "志愿者编号"
    assert list(raw.body.index) == [2]


@pytest.mark.parametrize(
    "name", ["volunteers_messy.xlsx", "volunteers_messy.xls", "volunteers_messy.ods"]
)
def test_user_header_row_overrides_the_guess(name):
    raw = read_table(fixture(name), header_row=4)
    assert (raw.header_row, raw.header_rows) == (4, 1)
    assert "志愿服务队" in raw.headers
    assert raw.body.index[0] == 5


@pytest.mark.parametrize("name", VOLUNTEER_FILES[:1] + VOLUNTEER_FILES[2:])
def test_sheets_are_listed_with_their_visibility(name):
    assert list_sheets(fixture(name)) == [
        ("填表说明", True),
        ("志愿者台账", True),
        ("2025年数据", False),
    ]


def test_csv_and_html_have_no_sheets():
    assert list_sheets(fixture("issues_gbk.csv")) == []
    assert list_sheets(fixture("units_web.xls")) == []


def test_table_starting_in_column_b_lines_headers_up_with_values(units):
    assert units.headers == (
        "序号",
        "单位名称",
        "所属区县",
        "得分",
        "目标分",
        "经度（百度坐标）",
        "纬度",
        "备注",
    )
    first = units.body.loc[5]
    assert first[1] == "南港市第1中学"
    assert first[3] == 80
    assert first[5] == pytest.approx(118.8)
    assert len(units.body) == 40


def test_sub_header_alone_is_used_when_it_names_a_field(units):
    assert (units.header_row, units.header_rows) == (3, 2)
    assert units.headers[3:5] == ("得分", "目标分")


def test_date_cell_after_a_statistics_label_is_the_as_of_date(units):
    assert units.as_of == dt.date(2026, 11, 15)
    assert units.title.splitlines()[1].startswith("统计时间： 2026-11-15")


def test_baidu_coordinates_in_a_header_give_a_crs_hint(units):
    assert units.crs_hint == "BD-09"


def test_note_in_column_a_after_the_total_is_footer(units):
    assert units.skipped == ((45, "合计行"), (46, "空行"), (47, "表尾（填报人、审核人、注释等）"))


def test_xlsm_is_read_like_xlsx():
    data = xlsx_bytes({"S": [["姓名", "所属区县", "服务时长"], ["张三", "东湖区", 3]]})
    types = zip_part(data, "[Content_Types].xml").replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    )
    raw = read_table(rewrite_zip(data, {"[Content_Types].xml": types}), "宏.xlsm")
    assert raw.file_format == "xlsm"
    assert raw.headers == ("姓名", "所属区县", "服务时长")


def test_kind_restricts_sheet_choice_to_that_kind():
    data = xlsx_bytes(
        {
            "单位": [
                ["单位名称", "所属区县", "创建类别", "级别", "创建状态"],
                ["一中", "东湖区", "文明校园", "市级", "已命名"],
            ],
            "志愿者": [["姓名", "服务时长"], ["张三", 3]],
        }
    )
    assert read_table(data).sheet == "单位"
    assert read_table(data, kind="volunteers").sheet == "志愿者"


def test_sheet_naming_no_field_is_still_read_from_its_widest_row():
    raw = read_table(xlsx_bytes({"S": [["清单"], ["甲", "乙", "丙"], ["1", "2", "3"]]}))
    assert (raw.header_row, raw.headers) == (2, ("甲", "乙", "丙"))
    assert max(raw.kind_scores.values()) == 0


def test_header_without_data_rows_gives_an_empty_body():
    raw = read_table(xlsx_bytes({"S": [["志愿者台账"], ["姓名", "所属区县", "服务时长"]]}))
    assert raw.headers == ("姓名", "所属区县", "服务时长")
    assert raw.body.shape == (0, 3)


def test_total_label_under_more_than_a_thousand_numbers_is_recognised():
    rows = [
        ["序号", "姓名", "服务时长"],
        *[[i, f"志愿者{i}", 1.5] for i in range(1, 1201)],
        ["合计", None, 1800],
    ]
    raw = read_table(xlsx_bytes({"S": rows}))
    assert raw.skipped == ((1202, "合计行"),)
    assert len(raw.body) == 1200


def test_pure_date_and_number_columns_keep_their_types():
    def build(wb):
        ws = wb.add_worksheet("S")
        day = wb.add_format({"num_format": "yyyy-mm-dd"})
        ws.write_row(0, 0, ["姓名", "注册日期", "服务时长"])
        for r in range(1, 4):
            ws.write(r, 0, f"志愿者{r}")
            ws.write_datetime(r, 1, dt.datetime(2026, 1, r), day)
            ws.write_number(r, 2, r * 1.5)

    raw = read_table(xlsx_with(build))
    assert pd.api.types.is_datetime64_any_dtype(raw.body[1])
    assert raw.body[2].dtype == "float64"
    assert raw.body.at[2, 1] == pd.Timestamp(2026, 1, 1)


def test_subtotals_between_data_rows_are_set_aside_and_data_continues():
    rows = [
        ["姓名", "所属区县", "服务时长"],
        ["张三", "东湖区", 3],
        ["小 计：", None, 3],
        ["李四", "南港区", 4],
        ["总计", None, 7],
    ]
    raw = read_table(xlsx_bytes({"S": rows}))
    assert list(raw.body.index) == [2, 4]
    assert raw.skipped == ((3, "合计行"), (5, "合计行"))


def test_total_word_beyond_the_first_cell_does_not_drop_a_data_row():
    rows = [["姓名", "备注"], ["张三", "合计"], ["李四", None]]
    raw = read_table(xlsx_bytes({"S": rows}))
    assert list(raw.body.index) == [2, 3]


def test_data_below_many_blank_rows_is_still_read():
    rows: list[list[object]] = [
        ["姓名", "所属区县", "服务时长"],
        *[[] for _ in range(40)],
        ["张三", "东湖区", 3],
    ]
    raw = read_table(xlsx_bytes({"S": rows}))
    assert list(raw.body.index) == [42]
    assert len(raw.skipped) == 40
