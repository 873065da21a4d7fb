"""Rules on the layout of a sheet: header rows, as-of dates, coordinate hints, rows that are not data."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from civdash.io.layout import (
    Scorer,
    combine_header_levels,
    combine_header_rows,
    find_as_of,
    find_crs,
    find_header,
    is_instruction_sheet,
    split_body,
)


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([["南港市志愿者台账（截至2026年11月15日）"]], dt.date(2026, 11, 15)),
        ([["问题整改台账（截止2026-11-15）"]], dt.date(2026, 11, 15)),
        ([["创建单位台账（2026.11.15）"]], dt.date(2026, 11, 15)),
        ([["统计时间：2026/11/15"]], dt.date(2026, 11, 15)),
        ([["台账"], ["填报单位：东湖区", "统计日期：2026年1月5日"]], dt.date(2026, 1, 5)),
        ([["截至２０２６年１１月１５日"]], dt.date(2026, 11, 15)),
        ([["数据截至20261115"]], dt.date(2026, 11, 15)),
        ([["统计时间：", dt.datetime(2026, 11, 15)]], dt.date(2026, 11, 15)),
        ([["统计时间：", 46341.0]], dt.date(2026, 11, 15)),
        ([["统计时间：", "2026-11-15 00:00:00"]], dt.date(2026, 11, 15)),
        ([["2025年报表（2025.12.31）", "截至2026年1月10日"]], dt.date(2026, 1, 10)),
        ([["志愿服务时长统计（2026年1月1日至2026年11月15日）"]], dt.date(2026, 11, 15)),
        ([["整改台账 2026.10.01-2026.10.31"]], dt.date(2026, 10, 31)),
        ([["2026年志愿者台账"]], None),
        ([["截至2026年13月40日"]], None),
        ([], None),
    ],
    ids=[
        "截至-年月日",
        "截止-dashes",
        "bracketed-dots",
        "统计时间-slashes",
        "second-title-row",
        "full-width",
        "compact",
        "label-then-date-cell",
        "label-then-excel-serial",
        "label-then-date-text",
        "labelled-beats-unlabelled",
        "period-end",
        "period-end-dashes",
        "year-only",
        "impossible-date",
        "no-title",
    ],
)
def test_as_of_date_is_read_from_title_rows(rows, expected):
    assert find_as_of(rows) == expected


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (["点位台账（坐标系：GCJ-02）"], "GCJ-02"),
        (["经度（高德）", "纬度"], "GCJ-02"),
        (["注：坐标取自腾讯地图"], "GCJ-02"),
        (["火星坐标"], "GCJ-02"),
        (["经度（百度坐标）"], "BD-09"),
        (["坐标系 bd09"], "BD-09"),
        (["经度", "纬度"], None),
        (["WGS-84 坐标"], None),
    ],
)
def test_coordinate_system_hint_is_found_in_titles_and_headers(texts, expected):
    assert find_crs(texts) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("填表说明", True),
        ("说明", True),
        ("Instructions", True),
        ("志愿者台账", False),
        ("Sheet1", False),
    ],
)
def test_instruction_sheets_are_recognised_by_name(name, expected):
    assert is_instruction_sheet(name) is expected


def test_group_text_is_carried_over_merged_columns_and_joined_when_sub_header_alone_names_nothing():
    upper = ["序号", "单位名称", "测评情况", "", "联系方式", "", "备注"]
    lower = ["", "", "得分", "目标分", "座机", "传真", ""]
    assert combine_header_rows(upper, lower, Scorer(None)) == [
        "序号",
        "单位名称",
        "得分",
        "目标分",
        "联系方式座机",
        "联系方式传真",
        "备注",
    ]


def test_group_joined_with_sub_header_when_only_together_they_name_a_field():
    upper = ["姓名", "服务", ""]
    lower = ["", "时长", "队"]
    assert combine_header_rows(upper, lower, Scorer("volunteers")) == ["姓名", "时长", "服务队"]


def test_header_is_found_below_title_rows():
    grid = [
        ["南港市志愿者台账"],
        ["填报单位：东湖区", None, "统计时间：2026-11-15"],
        ["姓名", "所属区县", "注册日期", "服务时长"],
        ["张三", "东湖区", 46000.0, 3.0],
    ]
    header = find_header(grid, Scorer(None))
    assert (header.row, header.rows) == (3, 1)
    assert header.headers == ("姓名", "所属区县", "注册日期", "服务时长")


def test_title_line_with_labels_is_not_glued_onto_the_header():
    grid = [
        ["填报单位：南港区", None, None, "统计时间：2026-11-15"],
        ["序号", "姓名", "所属区县", "服务时长"],
        ["1", "张三", "东湖区", "3"],
    ]
    header = find_header(grid, Scorer(None))
    assert (header.row, header.rows) == (2, 1)


def test_data_row_below_the_header_is_never_a_sub_header():
    grid = [["姓名", "服务", None], [None, "时长", "队伍"]]
    assert find_header(grid, Scorer("volunteers")).rows == 2
    numbers = [["姓名", "服务", None], [None, "12", "5"]]
    assert find_header(numbers, Scorer("volunteers")).rows == 1


def test_kind_scores_only_that_kinds_fields():
    grid = [
        ["单位名称", "所属区县", "创建类别", "级别", "创建状态", "测评得分"],
        ["姓名", "所属区县", "注册日期", "服务时长"],
    ]
    assert find_header(grid, Scorer(None)).row == 1
    assert find_header(grid, Scorer("volunteers")).row == 2


def _body(rows: list[list[object]]) -> pd.DataFrame:
    width = max(len(r) for r in rows)
    columns = {
        c: pd.Series([r[c] if c < len(r) else None for r in rows], dtype="str")
        for c in range(width)
    }
    return pd.DataFrame(columns).set_axis(pd.RangeIndex(10, 10 + len(rows)))


@pytest.mark.parametrize(
    "label",
    [
        "合计",
        "合 计",
        "合计：",
        "小计:",
        " 总 计 ",
        "总计（人）",
        "共计",
        "总合计",
        "全区合计",
        "全市总计",
        "全 县 合 计",
        "本页小计",
        "合计7个区",
    ],
)
def test_total_rows_are_set_aside_whatever_their_spacing(label):
    split = split_body(_body([["张三", "3"], [label, "3"], ["李四", "4"]]))
    assert split.keep.tolist() == [True, False, True]
    assert split.skipped == ((11, "合计行"),)


def test_total_label_in_a_later_column_of_an_otherwise_empty_start_counts():
    split = split_body(_body([["1", "张三", "3"], [None, "合计", "3"]]))
    assert split.skipped == ((11, "合计行"),)


@pytest.mark.parametrize(
    "footer",
    [
        "填报人：张三",
        "填表人:李四",
        "审核人：王五",
        "制表：东湖区文明办",
        "注：时长以系统为准",
        "注1：见附件",
        "说明：1. 本表按月报送",
        "填表说明",
        "备注：无",
        "单位负责人：赵六",
    ],
)
def test_footer_and_everything_after_it_are_not_data(footer):
    rows = [
        ["张三", "东湖区", "3", "是"],
        [footer],
        [None],
        ["附：另有3人待核实", None, None, None],
    ]
    split = split_body(_body(rows))
    assert split.keep.tolist() == [True, False, False, False]
    assert split.skipped == (
        (11, "表尾（填报人、审核人、注释等）"),
        (12, "空行"),
        (13, "表尾之后的内容"),
    )


def test_footer_word_in_a_full_row_is_data():
    rows = [["说明书张贴点", "东湖区", "3", "是"], ["备注：已整改", "南港区", "4", "否"]]
    split = split_body(_body(rows))
    assert split.keep.tolist() == [True, True]


def test_numbers_before_a_total_word_keep_the_row():
    body = pd.DataFrame({0: pd.Series([1.0, 2.0]), 1: pd.Series(["合计", "李四"], dtype="str")})
    split = split_body(body.set_axis(pd.RangeIndex(5, 7)))
    assert split.keep.tolist() == [True, True]


def test_whitespace_only_rows_are_blank():
    split = split_body(_body([["张三", "3"], ["  ", "\u3000"], ["李四", "4"]]))
    assert split.skipped == ((11, "空行"),)
    assert np.array_equal(split.filled[0], [True, False, True])


@pytest.mark.parametrize("name", ["合计局", "小计划", "总计划办公室", "合计算中心"])
def test_names_that_only_start_like_a_total_are_data(name):
    split = split_body(_body([["张三", "3"], [name, "3"]]))
    assert split.keep.tolist() == [True, True]


def test_total_row_right_under_the_header_is_set_aside():
    split = split_body(_body([["总合计", "86", "52"], ["张三", "3", "1"], ["李四", "4", "2"]]))
    assert split.keep.tolist() == [False, True, True]
    assert split.skipped == ((10, "合计行"),)


def test_rows_of_formula_results_filled_down_past_the_data_are_not_data():
    rows = [
        ["张三", "东湖区", "3", "3"],
        [None, None, "0", None],  # inside the data: kept, so the clerk hears it is incomplete
        ["李四", "南港区", "4", "4"],
        [None, None, "0", "0"],
        [None, None, "0.00", "#DIV/0!"],
        [None, None, None, "-"],
        [None, None, "0%", None],
    ]
    split = split_body(_body(rows))
    assert split.keep.tolist() == [True, True, True, False, False, False, False]
    assert [reason for _, reason in split.skipped] == ["数据下方只有公式结果（0 或空值）的行"] * 4


def test_numeric_zero_columns_after_the_data_are_formula_rows_too():
    body = pd.DataFrame(
        {
            0: pd.Series(["张三", "李四", None, None], dtype="str"),
            1: pd.Series([3.0, 0.0, 0.0, 0.0]),
        }
    ).set_axis(pd.RangeIndex(4, 8))
    split = split_body(body)
    assert split.keep.tolist() == [True, True, False, False]


def test_a_row_of_long_free_text_is_never_the_header():
    reply = "现将网友在平台栏目反映的问题调查核实情况答复如下：经调查了解，所属街道已组织整改，责任单位已落实。"
    grid = [
        ["留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "答复意见"],
        ["24", "A00012", "A2区景蓉华苑物业管理有问题", "2019/4/25 9:32:09", reply, reply],
        ["37", "U00078", "A3区街道违规停车", "2019/4/24 16:03:40", reply, reply],
    ]
    for kind in (None, "issues"):
        header = find_header(grid, Scorer(kind))
        assert (header.row, header.rows) == (1, 1)


def test_names_the_user_mapped_decide_the_header_row():
    grid = [
        ["序号", "区县", "状态", "备注"],  # a stray row that happens to name fields
        ["留言编号", "留言主题", "留言时间", "留言详情"],
        ["1", "停车难", "2019/4/25", "详情"],
    ]
    assert find_header(grid, Scorer("issues")).row == 1
    steered = Scorer("issues", mapped=["留言主题", "留言时间"])
    assert find_header(grid, steered).row == 2


def test_three_header_rows_are_combined():
    grid = [
        ["各个活动受益人数统计表"],
        ["序号", "活动名称", "受益人数", None, None, None, "备注"],
        [None, None, "成人", None, "儿童", None, None],
        [None, None, "男", "女", "男", "女", None],
        ["总合计", None, "12", "13", "5", "6", None],
        ["1", "读书会", "2", "3", "1", "1", None],
    ]
    header = find_header(grid, Scorer(None))
    assert (header.row, header.rows) == (2, 3)
    assert header.headers == (
        "序号",
        "活动名称",
        "受益人数成人男",
        "受益人数成人女",
        "受益人数儿童男",
        "受益人数儿童女",
        "备注",
    )


def test_three_rows_keep_a_sub_header_alone_when_it_names_the_field():
    upper = ["姓名", "服务情况", None, None]
    middle = [None, "时间", None, "服务"]
    lower = [None, "注册日期", "服务时长", "队"]
    combined = combine_header_levels([upper, middle, lower], Scorer("volunteers"))
    assert combined[:3] == ["姓名", "注册日期", "服务时长"]
