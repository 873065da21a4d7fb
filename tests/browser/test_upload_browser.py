"""数据导入 in real Chromium: a messy .xls saved by LibreOffice is dropped on the page, checked,
and its error report downloaded; the report's highlighted cells are exactly the invalid ones.

What AppTest cannot do here: send the file through the browser's upload widget and fetch the
report through the download endpoint (the report is built on demand when the button is clicked).
Nothing is committed: the server's store is shared with the other browser tests.
Screenshots of the review step at 1920×1080 and 1280×720 go where conftest says.
"""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import expect

from civdash.ingest import ingest_file
from civdash.pages import PAGES
from civdash.store import Store

from .conftest import WAIT_MS, AppTab

pytestmark = pytest.mark.browser

FIXTURES = Path(__file__).resolve().parents[1] / "io" / "fixtures"
MESSY_XLS = FIXTURES / "units_offset.xls"  # LibreOffice's .xls: title rows, footer, bad districts
UPLOAD = PAGES["upload"]
ERROR_FILL = "FFFFC7CE"


def _expected_invalid_cells(sample_home: Path) -> set[tuple[int, str]]:
    """(row number in the file, source header) of every error, as the server will find them."""
    with Store(f"sqlite:///{sample_home / 'civdash.sqlite'}") as store:
        districts = store.districts()
    result = ingest_file(MESSY_XLS, districts=districts)
    header_of = {field: header for header, field in result.columns.items()}
    cells = {(int(p.row), header_of[p.field]) for p in result.problems if p.severity == "error"}
    assert cells, "the fixture must have invalid cells for this test to mean anything"
    return cells


def _drop(tab: AppTab, path: Path) -> None:
    page = tab.page
    tab.open(UPLOAD)
    uploader = page.get_by_test_id("stFileUploaderDropzone").first.locator("input[type=file]")
    uploader.set_input_files(str(path))
    expect(page.get_by_test_id("stMetric").first).to_contain_text("读取行数", timeout=WAIT_MS)
    tab.settle()


def test_messy_libreoffice_xls_is_checked_and_its_report_marks_the_invalid_cells(
    tab: AppTab, sample_home: Path, tmp_path: Path
) -> None:
    expected = _expected_invalid_cells(sample_home)
    _drop(tab, MESSY_XLS)
    page = tab.page
    metrics = page.get_by_test_id("stMetric")
    expect(metrics.nth(1)).to_contain_text("30")
    expect(metrics.nth(2)).to_contain_text(str(len({r for r, _ in expected})))
    assert tab.exceptions() == []
    tab.screenshot("upload-review")
    tab.screenshot("upload-review-1280x720", width=1280, height=720)

    button = page.get_by_role("button", name="下载问题报告（Excel）")
    button.scroll_into_view_if_needed()
    with page.expect_download(timeout=WAIT_MS) as caught:
        button.click()
    download = caught.value
    assert download.suggested_filename == "units_offset_问题报告.xlsx"
    target = tmp_path / download.suggested_filename
    download.save_as(target)

    ws = openpyxl.load_workbook(io.BytesIO(target.read_bytes())).worksheets[0]
    header_row = next(r for r in ws.iter_rows() if r[0].value == "原行号")
    headers = [c.value for c in header_row]
    assert headers[-1] == "问题说明"
    highlighted = set()
    noted = set()
    for row in ws.iter_rows(min_row=header_row[0].row + 1):
        number = int(row[0].value)
        for cell in row[1:-1]:
            if cell.fill.fgColor.rgb == ERROR_FILL:
                highlighted.add((number, headers[cell.column - 1]))
        if row[-1].value and "不是本市的区县" in row[-1].value:
            noted.add(number)
    assert highlighted == expected
    assert noted == {r for r, _ in expected}
