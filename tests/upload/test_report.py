"""The error report: the file in Excel with its problems marked, masked, formula-safe."""

from __future__ import annotations

import io

import openpyxl
import pytest

from civdash import upload as up
from civdash.upload import report
from tests.io.helpers import fixture
from tests.upload.helpers import (
    BAD_DISTRICT,
    BAD_HOURS,
    GOOD,
    VOLUNTEER_HEADER,
    check_file,
    volunteers_xlsx,
)


def _report_sheet(review: up.Review) -> openpyxl.worksheet.worksheet.Worksheet:
    return openpyxl.load_workbook(io.BytesIO(up.error_report(review))).worksheets[0]


def test_error_report_highlights_exactly_the_invalid_cells() -> None:
    review = check_file(volunteers_xlsx(GOOD, BAD_DISTRICT, BAD_HOURS))
    ws = _report_sheet(review)
    assert ws.cell(1, 1).value == "注册志愿者台账（截至2026年11月15日）"
    header = [c.value for c in ws[2]]
    assert header == ["原行号", *VOLUNTEER_HEADER, "问题说明"]
    red = set()
    for row in ws.iter_rows(min_row=3):
        for cell in row:
            if cell.fill.fgColor.rgb == "FFFFC7CE":
                red.add((row[0].value, header[cell.column - 1]))
    assert red == {(4, "所属区县"), (5, "累计服务时长（小时）")}
    notes = {row[0].value: row[-1].value for row in ws.iter_rows(min_row=3)}
    assert notes[3] is None
    assert "北岭区" in notes[4]
    assert "时长不能为负数" in notes[5]
    assert openpyxl.load_workbook(io.BytesIO(up.error_report(review))).sheetnames[1] == "问题清单"


def test_error_report_keeps_formula_like_text_as_text() -> None:
    csv = (
        # the fifth column is not personal data: personal columns are masked in the report
        "姓名,所属区县,注册日期,累计服务时长（小时）,志愿服务队\n"
        '=HYPERLINK(""http://x""),北岭区,2024-03-01,1,@SUM(A1)\n'
    )
    review = check_file(
        csv.replace('=HYPERLINK(""http://x"")', '"=HYPERLINK(""http://x"")"').encode(), "v.csv"
    )
    ws = _report_sheet(review)
    name, team = ws.cell(2, 2), ws.cell(2, 6)
    assert name.data_type == "s"
    assert name.value == '=HYPERLINK("http://x")'
    assert name.quotePrefix
    assert team.data_type == "s"
    assert team.value == "@SUM(A1)"


def test_error_report_of_a_libreoffice_xls_marks_the_rows_the_problems_name() -> None:
    review = check_file(fixture("units_offset.xls"), "units_offset.xls")
    ws = _report_sheet(review)
    header = [c.value for c in ws[ws.max_row - review.result.rows_read]]
    district = header.index("所属区县") + 1
    red_rows = {
        row[0].value
        for row in ws.iter_rows(min_row=1)
        if row[district - 1].fill.fgColor.rgb == "FFFFC7CE"
    }
    assert red_rows == set(review.result.invalid_rows)


def test_error_report_of_a_big_file_lists_only_the_rows_with_problems(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(report, "REPORT_ALL_ROWS_LIMIT", 2)
    review = check_file(volunteers_xlsx(GOOD, BAD_DISTRICT, GOOD, BAD_HOURS))
    assert not up.report_has_all_rows(review)
    ws = _report_sheet(review)
    assert ws.cell(1, 1).value == (
        "本文件共 4 行，报告只列出有问题的 2 行；请按『原行号』在原表格中修改后重新上传原表格。"
    )
    assert ws.cell(2, 1).value == "注册志愿者台账（截至2026年11月15日）"
    assert [row[0].value for row in ws.iter_rows(min_row=4)] == [4, 6]


def test_report_file_name_says_what_it_is() -> None:
    assert up.report_file_name("志愿者台账.xls") == "志愿者台账_问题报告.xlsx"


def test_error_report_masks_personal_data_and_a_masked_number_sent_back_is_not_imported() -> None:
    csv = (
        "姓名,所属区县,注册日期,累计服务时长（小时）,联系电话,身份证号\n"
        "张三,北岭区,2024-03-01,1,13800138000,110105199001011234\n"
        "李四,东湖区,2024-03-01,2,13900139000,110105199001015678\n"
    )
    review = check_file(csv.encode(), "v.csv")
    data = up.error_report(review)
    book = openpyxl.load_workbook(io.BytesIO(data))
    cells = [str(c.value) for row in book.worksheets[0].iter_rows() for c in row if c.value]
    assert "138****8000" in cells and "110105********1234" in cells
    assert not any("13800138000" in c or "199001011234" in c for c in cells)
    header = list(book.worksheets[0][1])
    phone = next(c for c in header if c.value == "联系电话")
    assert phone.comment is not None and phone.comment.text == up.MSG_REPORT_MASKED
    again = check_file(data, "v_问题报告.xlsx")
    assert again.result.rows["phone"].isna().all()
    warned = [p for p in again.result.problems if p.field == "phone"]
    assert warned and all(p.severity == "warning" for p in warned)
    assert "是脱敏后的号码，未导入" in warned[0].message
