"""Merged cells in data rows give their value to every row they cover; real blanks stay blank.

issues_merged.xlsx (xlsxwriter, as Excel writes it) and its LibreOffice .xls/.ods copies: 所属区县
东湖区 merged over rows 4-6, 责任单位 merged over rows 4-5 and 7-8, 街道 over 7-8, 整改时限 +
整改状态 merged across on row 9, a real blank 所属区县 on row 8, 合计 and footer rows merged across.
"""

from __future__ import annotations

import io
import threading
import zipfile
import zlib

import numpy as np
import pandas as pd
import pytest

from civdash.districts import District, DistrictTable
from civdash.ingest import ingest_file
from civdash.io import merges, read_table
from civdash.io.merges import fill_merged, ods_merges, parse_merge_refs, xls_merges, xlsx_merges
from tests.io.helpers import FIXTURES, fixture, rewrite_zip, xlsx_with

MERGED_FILES = ["issues_merged.xlsx", "issues_merged.xls", "issues_merged.ods"]
DISTRICT, STREET, UNIT, DEADLINE, STATUS, NOTE = 2, 3, 6, 7, 8, 9
CITY = DistrictTable((District("东湖区", 1), District("南港区", 1), District("西山县", 1)))


@pytest.fixture(scope="module", params=MERGED_FILES)
def issues(request):
    return read_table(FIXTURES / request.param)


def column(raw, c):
    return [None if pd.isna(v) else v for v in raw.body[c]]


# ---- the three workbook formats ---------------------------------------------------------------


def test_vertical_merges_fill_every_row_they_cover(issues):
    assert list(issues.body.index) == [4, 5, 6, 7, 8, 9]
    assert column(issues, DISTRICT)[:3] == ["东湖区", "东湖区", "东湖区"]
    assert column(issues, UNIT) == [
        "东湖区市场监管局",
        "东湖区市场监管局",
        "东湖区城管局",
        "南港区交通局",
        "南港区交通局",
        "西山县文明办",
    ]
    assert column(issues, STREET)[3:5] == ["港口街道", "港口街道"]


def test_a_real_blank_outside_any_merge_stays_blank(issues):
    # C8 follows the 南港区 cell of row 7, which is not merged: nothing may be invented there
    assert column(issues, DISTRICT)[3:] == ["南港区", None, "西山县"]
    assert pd.isna(issues.body.at[9, NOTE])  # J9 sits right of the H9:I9 merge, outside it


def test_a_merge_across_columns_in_a_data_row_fills_each_column(issues):
    assert (issues.body.at[9, DEADLINE], issues.body.at[9, STATUS]) == ("长期整改", "长期整改")


def test_header_merges_keep_the_two_row_header_logic(issues):
    assert (issues.header_row, issues.header_rows) == (2, 2)
    assert issues.headers == (
        "序号",
        "发现日期",
        "所属区县",
        "街道/乡镇",
        "具体点位",
        "问题描述",
        "责任单位",
        "整改时限",
        "整改状态",
        "备注",
    )
    assert issues.as_of is not None


def test_total_and_footer_rows_merged_across_the_table_are_still_set_aside(issues):
    assert issues.skipped == ((10, "合计行"), (11, "表尾（填报人、审核人、注释等）"))


def test_filled_columns_keep_their_dtypes(issues):
    body = issues.body
    for c in (DISTRICT, STREET, UNIT, DEADLINE, STATUS):
        assert body[c].dtype == "str"
    assert pd.api.types.is_datetime64_any_dtype(body[1])  # .ods dates too, not Python objects
    assert body.at[5, 1] == pd.Timestamp(2026, 11, 2)


@pytest.mark.parametrize("name", MERGED_FILES)
def test_ingest_reports_no_empty_district_or_unit_for_merged_rows(name):
    result = ingest_file(FIXTURES / name, districts=CITY)
    assert result.kind == "issues"
    empty = [(p.row, p.field) for p in result.problems if "为空" in p.message]
    assert empty == [(8, "district")]  # only the real blank
    assert [(p.row, p.field) for p in result.problems] == [(8, "district")]
    rows = result.rows.set_index("source_row")
    assert list(rows.index) == [4, 5, 6, 7, 9]
    assert list(rows["district"]) == ["东湖区", "东湖区", "东湖区", "南港区", "西山县"]
    assert rows.at[5, "responsible_unit"] == "东湖区市场监管局"
    assert rows.at[9, "status"] == "长期整改"
    assert pd.isna(rows.at[9, "deadline"])


# ---- where the ranges come from -----------------------------------------------------------------


EXPECTED_RANGES = {
    (0, 0, 0, 9),
    (1, 0, 2, 0),
    (1, 1, 2, 1),
    (1, 2, 2, 2),
    (1, 3, 2, 3),
    (1, 4, 2, 4),
    (1, 5, 2, 5),
    (1, 6, 2, 6),
    (1, 7, 1, 8),
    (1, 9, 2, 9),
    (3, 2, 5, 2),
    (3, 6, 4, 6),
    (6, 3, 7, 3),
    (6, 6, 7, 6),
    (8, 7, 8, 8),
    (9, 0, 9, 5),
    (10, 0, 10, 9),
}


def as_set(ranges):
    return {tuple(int(v) for v in r) for r in ranges}


def test_each_format_gives_the_same_ranges():
    data = fixture("issues_merged.xlsx")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    assert as_set(xlsx_merges(data, info)) == EXPECTED_RANGES
    assert as_set(xls_merges(fixture("issues_merged.xls"), "问题整改台账")) == EXPECTED_RANGES
    assert as_set(ods_merges(fixture("issues_merged.ods"), "问题整改台账")) == EXPECTED_RANGES


@pytest.mark.parametrize("stem", ["volunteers_messy", "units_offset", "issues_merged"])
def test_ods_spans_agree_with_the_xls_merged_cells_on_every_sheet(stem):
    ods, xls = fixture(f"{stem}.ods"), fixture(f"{stem}.xls")
    import fastexcel

    for sheet in fastexcel.read_excel(ods).sheet_names:
        assert as_set(ods_merges(ods, sheet)) == as_set(xls_merges(xls, sheet)), sheet


def test_merge_refs_are_parsed_with_prefixes_dollars_lowercase_and_single_cells():
    xml = (
        b'</x:sheetData><x:mergeCells count="5"><x:mergeCell ref="$a$1:b2"/>'
        b"<x:mergeCell ref = 'XFD1048576'/><x:mergeCell ref=\"AA10:AB12\"/>"
        b'<x:mergeCell ref="B7:A5"/><x:mergeCell ref="nonsense"/></x:mergeCells>'
        b'<x:hyperlinks><x:hyperlink ref="C3" r:id="rId1"/></x:hyperlinks>'
    )
    assert parse_merge_refs(xml).tolist() == [
        [0, 0, 1, 1],
        [1048575, 16383, 1048575, 16383],
        [9, 26, 11, 27],
        [4, 0, 6, 1],
    ]


def test_refs_outside_the_merge_block_are_not_merges():
    xml = b'<mergeCells count="0"/><hyperlinks><hyperlink ref="A1:B9"/></hyperlinks>'
    assert parse_merge_refs(xml).shape == (0, 4)
    assert parse_merge_refs(b'<conditionalFormatting sqref="A1:B9"/>').shape == (0, 4)


def many_merges_workbook(rows: int = 120) -> bytes:
    def build(wb):
        ws = wb.add_worksheet("志愿者")
        ws.write_row(0, 0, ["姓名", "所属区县", "注册日期", "服务时长"])
        for r in range(1, rows + 1):
            ws.write_row(r, 0, [f"志愿者{r}", None, "2026-01-01", r])
        for r in range(1, rows + 1, 2):
            ws.merge_range(r, 1, r + 1, 1, ["东湖区", "南港区"][r // 2 % 2])

    return xlsx_with(build)


INFLATERS = [pytest.param(zlib, id="zlib")]
if merges._ISAL is not None:
    INFLATERS.append(pytest.param(merges._ISAL, id="isal"))


@pytest.fixture(params=INFLATERS)
def inflater(request, monkeypatch):
    monkeypatch.setattr(merges, "INFLATER", request.param)
    return request.param


def test_stored_and_very_long_tails_give_the_same_ranges(monkeypatch, inflater):
    data = many_merges_workbook()
    part = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        expected = as_set(xlsx_merges(data, zf.getinfo(part)))
    assert len(expected) == 60
    stored = rewrite_zip(data, compression=zipfile.ZIP_STORED)
    with zipfile.ZipFile(io.BytesIO(stored)) as zf:
        assert as_set(xlsx_merges(stored, zf.getinfo(part))) == expected
    # a <mergeCells> block longer than the window kept from the end is found by a second pass
    monkeypatch.setattr(merges, "TAIL_WINDOW", 512)
    monkeypatch.setattr(merges, "_CHUNK", 64)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert as_set(xlsx_merges(data, zf.getinfo(part))) == expected
    raw = read_table(data)
    assert raw.body[1].isna().sum() == 0


def test_ranges_are_read_beside_the_body_load_and_stopped_when_it_fails():
    from civdash.io.reader import _load_with_merges

    seen: list[bool] = []

    def ranges(stop):
        seen.append(stop.wait(timeout=10))
        return merges.as_merges([])

    def failing_load():
        raise RuntimeError("load failed")

    with pytest.raises(RuntimeError):
        _load_with_merges(failing_load, ranges)
    assert seen == [True]  # the reader of ranges was told to stop, and the call waited for it
    frame, found = _load_with_merges(
        lambda: pd.DataFrame({0: [1]}), lambda stop: merges.as_merges([(1, 0, 2, 0)])
    )
    assert found.tolist() == [[1, 0, 2, 0]] and len(frame) == 1


def test_a_stopped_or_broken_scan_gives_no_ranges(inflater):
    data = many_merges_workbook()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    stop = threading.Event()
    stop.set()
    assert xlsx_merges(data, info, stop).shape == (0, 4)
    assert ods_merges(fixture("issues_merged.ods"), "问题整改台账", stop).shape == (0, 4)
    no_header = data[: info.header_offset] + b"XXXX" + data[info.header_offset + 4 :]
    assert xlsx_merges(no_header, info).shape == (0, 4)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    garbled = data[:start] + b"\xff" * 64 + data[start + 64 :]
    assert xlsx_merges(garbled, info).shape == (0, 4)


ODS_CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:t="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>
<t:table t:name="其他"><t:table-row><t:table-cell t:number-rows-spanned="2"><text:p>x</text:p></t:table-cell></t:table-row></t:table>
<t:table t:name="A&amp;B"><t:table-column t:number-columns-repeated="4"/>
<t:table-header-rows><t:table-row><t:table-cell><text:p>姓名</text:p></t:table-cell></t:table-row></t:table-header-rows>
<t:table-row t:number-rows-repeated="3"><t:table-cell t:number-columns-repeated="4"/></t:table-row>
<t:table-rows><t:table-row
 t:style-name="ro1"><t:table-cell t:number-columns-repeated="2"><text:p>同</text:p></t:table-cell><t:covered-table-cell/><t:table-cell
 t:number-rows-spanned="3" t:number-columns-spanned="2"><text:p>-spanned= in text</text:p></t:table-cell></t:table-row>
<t:table-row><t:covered-table-cell t:number-columns-repeated="3"/><t:covered-table-cell/></t:table-row></t:table-rows>
</t:table></office:spreadsheet></office:body></office:document-content>
"""


def ods_bytes(content: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", content)
    return buf.getvalue()


@pytest.mark.parametrize("piece", [1 << 20, 64])
def test_ods_spans_count_repeated_rows_and_columns_and_any_prefix(monkeypatch, piece):
    monkeypatch.setattr(merges, "_ODS_READ", piece)
    data = ods_bytes(ODS_CONTENT)
    # the header row, 3 repeated rows, then the row whose 4th cell spans 3 rows × 2 columns
    assert ods_merges(data, "A&B").tolist() == [[4, 3, 6, 4]]
    assert ods_merges(data, "其他").tolist() == [[0, 0, 1, 0]]
    assert ods_merges(data, "没有").shape == (0, 4)


# ---- filling ------------------------------------------------------------------------------------


def frame_of(columns: dict[int, list[object]], first_row: int = 2) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    return pd.DataFrame(columns).set_axis(pd.RangeIndex(first_row, first_row + n))


def fill(frame, ranges, keep=None, targets=None):
    from civdash.io.layout import nonempty_mask

    filled = {c: nonempty_mask(frame[c]) for c in frame.columns}
    keep = np.ones(len(frame), dtype=bool) if keep is None else np.asarray(keep)
    return fill_merged(
        frame, np.asarray(ranges), filled, keep, frame.columns if targets is None else targets
    )


def test_numbers_and_dates_merged_down_keep_their_dtypes():
    frame = frame_of(
        {
            0: pd.Series([1.5, None, None, 4.0], dtype="float64"),
            1: pd.Series([pd.Timestamp(2026, 1, 1), None, pd.NaT, pd.NaT], dtype="datetime64[ms]"),
        }
    )
    out = fill(frame, [(1, 0, 2, 0), (1, 1, 3, 1)])  # sheet rows 2-3 and 2-4
    assert out[0].tolist()[:2] == [1.5, 1.5] and pd.isna(out.at[4, 0]) and out.at[5, 0] == 4.0
    assert out[0].dtype == "float64"
    assert out[1].dtype == "datetime64[ms]"
    assert out[1].tolist() == [pd.Timestamp(2026, 1, 1)] * 3 + [pd.NaT]
    assert pd.isna(frame.at[3, 0])  # the input is not modified


def test_merges_across_columns_of_other_types():
    frame = frame_of(
        {
            0: pd.Series(["甲", "乙"], dtype="str"),
            1: pd.Series([None, None], dtype="float64"),  # empty: takes the text
            2: pd.Series([80.0, 90.0], dtype="float64"),
            3: pd.Series(["x", None], dtype="str"),  # text: a number merged in becomes text
        }
    )
    out = fill(frame, [(1, 0, 1, 1), (2, 2, 2, 3)])
    assert out[1].dtype == "str" and out.at[2, 1] == "甲" and pd.isna(out.at[3, 1])
    assert out[3].dtype == "str" and out.at[3, 3] == "90"


def test_only_empty_cells_of_data_rows_and_target_columns_are_filled():
    frame = frame_of(
        {
            0: pd.Series(["东湖区", None, "已填", None], dtype="str"),
            1: pd.Series([None, None, None, None], dtype="str"),
        }
    )
    ranges = [(1, 0, 4, 0), (1, 1, 4, 1)]
    out = fill(frame, ranges, keep=[True, True, True, False], targets=[0])
    assert out[0].tolist()[:3] == ["东湖区", "东湖区", "已填"]  # a hidden value is kept
    assert pd.isna(out.at[5, 0])  # row 5 is not a data row
    assert out[1].isna().all()  # column 1 is not a target (and its top-left is empty)


def test_ranges_starting_above_the_body_are_header_merges_and_are_ignored():
    frame = frame_of({0: pd.Series([None, None], dtype="str")}, first_row=3)
    assert fill(frame, [(0, 0, 3, 0)]) is frame  # rows 1-4: starts in the header
    frame = frame_of({0: pd.Series(["甲", None], dtype="str")}, first_row=3)
    out = fill(frame, [(2, 0, 99, 0)])  # reaches past the body: clipped
    assert out[0].tolist() == ["甲", "甲"]


def test_a_row_only_a_merge_reaches_is_a_blank_row():
    def build(wb):
        ws = wb.add_worksheet("志愿者")
        ws.write_row(0, 0, ["姓名", "所属区县", "服务时长"])
        ws.write_row(1, 0, ["张三", None, 3])
        ws.write_row(2, 0, ["李四", None, 4])
        ws.merge_range("B2:B4", "东湖区")  # row 4 has nothing else: the clerk left it empty
        ws.write_row(4, 0, ["王五", "南港区", 5])

    raw = read_table(xlsx_with(build))
    assert list(raw.body.index) == [2, 3, 5]
    assert list(raw.body[1]) == ["东湖区", "东湖区", "南港区"]
    assert raw.skipped == ((4, "空行"),)


def test_merges_in_a_table_starting_in_column_b_line_up():
    def build(wb):
        ws = wb.add_worksheet("单位")
        ws.write("B1", "创建单位台账")
        ws.write_row("B2", ["单位名称", "所属区县", "创建类别"])
        ws.write_row("B3", ["一中", None, "文明校园"])
        ws.write_row("B4", ["二中", None, "文明校园"])
        ws.write_row("B5", ["三小", "南港区", None])
        ws.merge_range("C3:C4", "东湖区")
        ws.write("A40", "说明：本表由各区县填报。")  # widens the sheet to column A

    raw = read_table(xlsx_with(build))
    assert raw.headers == ("单位名称", "所属区县", "创建类别")
    assert list(raw.body[1]) == ["东湖区", "东湖区", "南港区"]
    assert pd.isna(raw.body.at[5, 2])
