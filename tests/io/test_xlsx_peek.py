"""The top of an .xlsx sheet is read by streaming its XML, stopping after the rows needed."""

from __future__ import annotations

import io
import zipfile

import pytest

from civdash.io import read_table
from civdash.io.xlsx_peek import peek_sheet, resolve_shared_strings, workbook_parts
from tests.io.helpers import fixture, rewrite_zip, xlsx_bytes, zip_part

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _sheet_xml(rows: str, tail: str = "</sheetData></worksheet>") -> bytes:
    return f'<?xml version="1.0"?><worksheet xmlns="{MAIN}"><dimension ref="A1:C500"/><sheetData>{rows}{tail}'.encode()


def _zip_with_sheet(xml: bytes, shared: bytes | None = None) -> zipfile.ZipFile:
    data = xlsx_bytes({"S": [["a"]]})
    replace = {"xl/worksheets/sheet1.xml": xml}
    if shared is not None:
        replace["xl/sharedStrings.xml"] = shared
    return zipfile.ZipFile(io.BytesIO(rewrite_zip(data, replace)))


def test_peek_stops_before_rows_it_does_not_need():
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(1, 41))
    broken = _sheet_xml(rows, tail='<row r="41"><c r="A41"><v>unterminated')  # never reached
    peek = peek_sheet(_zip_with_sheet(broken), "xl/worksheets/sheet1.xml", 30)
    assert len(peek.rows) == 30
    assert peek.rows[29] == [30.0]
    assert not peek.complete


def test_shared_strings_are_streamed_only_up_to_the_highest_index_used():
    xml = _sheet_xml('<row r="1"><c r="A1" t="s"><v>1</v></c><c r="B1" t="s"><v>0</v></c></row>')
    shared = (
        f'<?xml version="1.0"?><sst xmlns="{MAIN}"><si><t>姓名</t></si><si><t>所属区县</t></si>'
        "<si><t>unterminated"
    ).encode()
    zf = _zip_with_sheet(xml, shared)
    peek = peek_sheet(zf, "xl/worksheets/sheet1.xml", 30)
    resolve_shared_strings(zf, "xl/sharedStrings.xml", [peek])
    assert peek.rows == [["所属区县", "姓名"]]


def test_inline_rich_and_escaped_strings_are_read_and_gaps_kept():
    xml = _sheet_xml(
        '<row r="2"><c r="B2" t="inlineStr"><is><t>姓名</t></is></c>'
        '<c r="D2" t="inlineStr"><is><r><t>服务</t></r><r><t>时长</t></r><rPh><t>フリガナ</t></rPh></is></c></row>'
        '<row><c t="str"><v>备_x000D_注</v></c><c t="b"><v>1</v></c><c t="e"><v>#N/A</v></c></row>'
    )
    peek = peek_sheet(_zip_with_sheet(xml), "xl/worksheets/sheet1.xml", 30)
    assert peek.rows == [[], [None, "姓名", None, "服务时长"], ["备\r注", True, "#N/A"]]


def test_workbook_parts_follow_relationships_and_hidden_state():
    parts, shared = workbook_parts(zipfile.ZipFile(io.BytesIO(fixture("volunteers_messy.xlsx"))))
    assert [(p.name, p.visible) for p in parts] == [
        ("填表说明", True),
        ("志愿者台账", True),
        ("2025年数据", False),
    ]
    assert parts[1].part == "xl/worksheets/sheet2.xml"
    assert shared == "xl/sharedStrings.xml"


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_very_hidden_sheets_are_hidden_too(state):
    data = xlsx_bytes({"A": [["姓名"]], "B": [["姓名"]]})
    workbook = zip_part(data, "xl/workbook.xml").replace(
        b'name="B" sheetId="2"', f'name="B" sheetId="2" state="{state}"'.encode()
    )
    parts, _shared = workbook_parts(
        zipfile.ZipFile(io.BytesIO(rewrite_zip(data, {"xl/workbook.xml": workbook})))
    )
    assert [p.visible for p in parts] == [True, False]


def test_large_sheet_header_found_from_the_peek_and_body_loaded_once():
    rows = [["南港市志愿者台账（截至2026年11月15日）"], ["姓名", "所属区县", "服务时长"]]
    rows += [[f"志愿者{i}", "东湖区", float(i % 50)] for i in range(5000)]
    rows += [["合计", None, 1.0], ["填报人：张三"]]
    raw = read_table(xlsx_bytes({"志愿者": rows}))
    assert (raw.header_row, len(raw.body)) == (2, 5000)
    assert raw.body.index[-1] == 5002
    assert raw.skipped == ((5003, "合计行"), (5004, "表尾（填报人、审核人、注释等）"))
    assert raw.body[2].dtype == "float64"
