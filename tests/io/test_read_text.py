"""CSV in the encodings Chinese offices use, and HTML tables saved as .xls by web systems."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from civdash.io import read_table
from civdash.io.html_table import parse_html, parse_html_tables
from tests.io.helpers import fixture

VOLUNTEERS_CSV = (
    "姓名,所属区县,注册日期,服务时长\r\n张三,东湖区,2026-01-02,3\r\n李四,南港区,2026-02-03,4.5\r\n"
)


@pytest.mark.parametrize(
    ("name", "encoding"),
    [
        ("issues_gbk.csv", "gbk"),
        ("volunteers_utf16.csv", "utf-16"),
        ("targets_utf8_bom.csv", "utf-8-sig"),
    ],
)
def test_csv_encoding_is_detected(name, encoding):
    raw = read_table(fixture(name), name)
    assert raw.encoding == encoding
    assert raw.sheet is None and raw.sheets == ()


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (VOLUNTEERS_CSV.encode("utf-8"), "utf-8"),
        (VOLUNTEERS_CSV.encode("utf-8-sig"), "utf-8-sig"),
        (VOLUNTEERS_CSV.encode("gbk"), "gbk"),
        (VOLUNTEERS_CSV.replace("张三", "𠮷张三").encode("gb18030"), "gb18030"),
        (VOLUNTEERS_CSV.encode("utf-16"), "utf-16"),
        (VOLUNTEERS_CSV.encode("utf-16-le"), "utf-16-le"),
    ],
    ids=["utf8", "utf8-bom", "gbk", "gb18030", "utf16-bom", "utf16-no-bom"],
)
def test_csv_text_is_decoded(data, encoding):
    raw = read_table(data, "v.csv")
    assert raw.encoding == encoding
    assert raw.headers == ("姓名", "所属区县", "注册日期", "服务时长")
    assert raw.body[0].str.endswith("张三").iloc[0]
    assert list(raw.body[3]) == ["3", "4.5"]


def test_gbk_csv_title_header_and_quoted_newline_keep_record_numbers():
    raw = read_table(fixture("issues_gbk.csv"))
    assert (raw.header_row, raw.header_rows) == (2, 1)
    assert raw.as_of == dt.date(2026, 11, 15)
    assert raw.title == "问题整改台账（截止2026-11-15）"
    assert raw.headers == (
        "问题编号",
        "发现日期",
        "所属区县",
        "具体点位",
        "问题描述",
        "责任单位",
        "整改状态",
    )
    # W001's description spans two lines; numbers are records, as a spreadsheet shows them
    assert list(raw.body.index) == [3, 4, 6]
    assert raw.body.at[3, 4] == "地面有积水，\r\n垃圾未清运"
    assert raw.body.at[6, 4] == '占道经营"严重"'
    assert raw.skipped == ((5, "空行"), (7, "合计行"), (8, "表尾（填报人、审核人、注释等）"))


def test_tab_separated_unicode_text_is_split_on_tabs():
    raw = read_table(fixture("volunteers_utf16.csv"))
    assert raw.headers == ("志愿者编号", "姓名", "所属区县", "注册日期", "累计服务时长（小时）")
    assert list(raw.body[4]) == ["20", "8.5"]


def test_csv_values_are_strings_and_empty_cells_missing():
    raw = read_table("姓名,所属区县,服务时长\r\n张三,,007\r\n".encode())
    assert raw.body.at[2, 2] == "007"
    assert pd.isna(raw.body.at[2, 1])


def test_ragged_csv_rows_longer_than_the_header_keep_their_cells():
    raw = read_table("姓名,服务时长\r\n张三,3\r\n李四,4,多余\r\n".encode())
    assert raw.headers == ("姓名", "服务时长", "列3")
    assert raw.body.at[3, 2] == "多余"


def test_csv_with_header_only_has_an_empty_body():
    raw = read_table("姓名,所属区县,服务时长\r\n".encode())
    assert raw.headers == ("姓名", "所属区县", "服务时长")
    assert raw.body.empty


def test_csv_header_row_can_be_chosen_by_the_user():
    raw = read_table(fixture("issues_gbk.csv"), header_row=1)
    assert raw.header_row == 1
    assert raw.headers[0] == "问题整改台账（截止2026-11-15）"


def test_csv_totals_after_a_colon_are_set_aside():
    raw = read_table(fixture("targets_utf8_bom.csv"))
    assert raw.skipped == ((4, "合计行"),)
    assert list(raw.body[2]) == ["13%", "95"]


# ---- HTML -----------------------------------------------------------------------------------


def test_html_table_renamed_xls_is_read_as_a_table():
    raw = read_table(fixture("units_web.xls"), "units_web.xls")
    assert raw.file_format == "html"
    assert (raw.header_row, raw.headers) == (2, ("单位名称", "所属区县", "创建类别", "测评得分"))
    assert raw.as_of == dt.date(2026, 11, 15)
    assert raw.title == "创建单位台账 （统计时间：2026/11/15）"
    assert list(raw.body.index) == [3, 4, 5]
    assert raw.skipped == ((6, "合计行"),)


def test_html_entities_are_decoded():
    raw = read_table(fixture("units_web.xls"))
    assert raw.body.at[4, 0] == "湖滨街道&社区服务中心"
    assert raw.body.at[5, 3] == "81"


def test_html_rowspan_in_data_rows_fills_every_row_it_spans():
    # 所属区县 <td rowspan="2">东湖区</td> covers rows 3 and 4, like a merged cell
    raw = read_table(fixture("units_web.xls"))
    assert list(raw.body[1]) == ["东湖区", "东湖区", "南港区"]
    assert raw.body.at[4, 2] == "文明单位"
    assert raw.body[1].dtype == "str"


def test_html_spans_fill_data_rows_but_real_blanks_and_header_cells_stay_empty():
    html = (
        "<table><tr><th rowspan=2>序号</th><th rowspan=2>所属区县</th><th rowspan=2>责任单位</th>"
        "<th colspan=2>整改情况</th></tr><tr><th>整改时限</th><th>整改状态</th></tr>"
        "<tr><td>1</td><td rowspan=3>东湖区</td><td rowspan=2>城管局</td><td>7天</td><td>整改中</td></tr>"
        "<tr><td>2</td><td></td><td>已整改</td></tr>"
        "<tr><td>3</td><td>交通局</td><td colspan=2>长期整改</td></tr>"
        "<tr><td>4</td><td></td><td>文明办</td><td>3天</td><td>待整改</td></tr>"
        "<tr><td colspan=5>填报人：王五 审核人：赵六</td></tr></table>"
    ).encode()
    raw = read_table(html, "web.xls")
    assert (raw.header_row, raw.header_rows) == (1, 2)
    assert raw.headers == ("序号", "所属区县", "责任单位", "整改时限", "整改状态")
    body = raw.body
    assert list(body.index) == [3, 4, 5, 6]
    assert list(body[1].fillna("<空>")) == ["东湖区", "东湖区", "东湖区", "<空>"]
    assert list(body[2]) == ["城管局", "城管局", "交通局", "文明办"]
    # the <td></td> in row 4 is a cell of its own, not covered by a span: it stays blank
    assert pd.isna(body.at[4, 3])
    assert (body.at[5, 3], body.at[5, 4]) == ("长期整改", "长期整改")
    assert raw.skipped == ((7, "表尾（填报人、审核人、注释等）"),)


def test_html_spans_are_recorded_as_merged_ranges():
    grid = parse_html(
        "<table><tr><th rowspan=2>a</th><th colspan=2>b</th></tr><tr><td>c</td><td>d</td></tr>"
        "<tr><td rowspan=9>e</td><td>f</td><td>g</td></tr></table>"
    )
    # a rowspan reaches no further than its table's last row
    assert sorted(grid.merges) == [(0, 0, 1, 0), (0, 1, 0, 2), (2, 0, 2, 0)]


@pytest.mark.parametrize(
    ("html", "rows"),
    [
        (
            "<table><tr><td colspan=2>标题</td></tr><tr><td>a</td><td>b</td></tr></table>",
            [["标题", None], ["a", "b"]],
        ),
        (
            "<table><tr><th rowspan=2>序号</th><th colspan=2>测评</th></tr><tr><th>得分</th><th>目标分</th></tr></table>",
            [["序号", "测评", None], [None, "得分", "目标分"]],
        ),
        ("<table><tr><td>a<br>b</td><td>&lt;x&gt;&nbsp;</td></tr></table>", [["a\nb", "<x>"]]),
        ("<table><tr><td>one<td>two<tr><td>three</table>", [["one", "two"], ["three"]]),
    ],
    ids=["colspan", "rowspan-and-colspan", "br-and-entities", "unclosed-tags"],
)
def test_html_cells_follow_spans_like_a_spreadsheet(html, rows):
    parsed, _preamble = parse_html_tables(html)
    assert parsed == rows


def test_html_text_before_the_table_is_part_of_the_title():
    html = (
        "<html><body><h2>志愿者台账（截至2026年10月31日）</h2><table>"
        "<tr><th>姓名</th><th>所属区县</th><th>服务时长</th></tr><tr><td>张三</td><td>东湖区</td><td>3</td></tr>"
        "</table></body></html>"
    ).encode()
    raw = read_table(html, "web.xls")
    assert raw.title == "志愿者台账（截至2026年10月31日）"
    assert raw.as_of == dt.date(2026, 10, 31)
    assert raw.header_row == 1


def test_html_two_row_header_is_combined():
    html = (
        "<table><tr><th rowspan=2>单位名称</th><th rowspan=2>所属区县</th><th colspan=2>测评情况</th></tr>"
        "<tr><th>得分</th><th>目标分</th></tr><tr><td>一中</td><td>东湖区</td><td>90</td><td>85</td></tr></table>"
    ).encode()
    raw = read_table(html)
    assert (raw.header_row, raw.header_rows) == (1, 2)
    assert raw.headers == ("单位名称", "所属区县", "得分", "目标分")
    assert list(raw.body.index) == [3]
