"""One home for the files that leave the app: every workbook is opened, styled and typed by
`civdash.exports`, and every chart picture is drawn there with the Chinese fonts."""

from __future__ import annotations

import ast
import io
from pathlib import Path

import altair as alt
import openpyxl
import pandas as pd
import pytest
import xlsxwriter

from civdash import upload as up
from civdash.charts import FONT
from civdash.exports import images, to_excel_bytes
from civdash.exports.excel import HEADER_STYLE, column_width, xlsx_bytes
from civdash.templates import template_workbook
from tests.upload.helpers import BAD_DISTRICT, GOOD, check_file, volunteers_xlsx

CIVDASH = Path(__file__).resolve().parents[2] / "civdash"

ALLOWED: dict[str, str] = {
    # the sample city's files imitate the clerks' own workbooks (their styles, their mistakes)
    "civdash/sample/workbooks.py": "xlsxwriter.Workbook",
    # `ingest --out` follows the CLI contract (shared/ledgers.md): canonical names, text verbatim
    "civdash/cli.py": "to_csv",
}
"""Module → the one file writer it may call itself, and why."""


def _writers(source: str) -> set[str]:
    """The file writers a module calls or imports directly."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in ("to_csv", "to_excel", "ExcelWriter"):
                found.add(node.func.attr)
            value = node.func.value
            if node.func.attr == "Workbook" and isinstance(value, ast.Name):
                found.add(f"{value.id}.Workbook")  # xlsxwriter.Workbook, openpyxl.Workbook
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names]
            module = node.module if isinstance(node, ast.ImportFrom) else None
            if "vl_convert" in [module, *names]:
                found.add("vl_convert")
    return found


def test_only_civdash_exports_opens_workbooks_writes_csv_or_draws_charts() -> None:
    exports = CIVDASH / "exports"
    stray = {}
    for path in sorted(CIVDASH.rglob("*.py")):
        if exports in path.parents:
            continue
        name = path.relative_to(CIVDASH.parent).as_posix()
        found = _writers(path.read_text(encoding="utf-8")) - {ALLOWED.get(name)}
        if found:
            stray[name] = sorted(found)
    assert stray == {}


def test_the_writers_found_by_the_guard_are_the_ones_it_looks_for() -> None:
    source = "import vl_convert\nimport xlsxwriter\nxlsxwriter.Workbook(b)\ndf.to_csv(p)\n"
    assert _writers(source) == {"vl_convert", "xlsxwriter.Workbook", "to_csv"}


def test_a_workbook_never_turns_text_into_a_formula_a_number_or_a_link() -> None:
    texts = ["=1+1", "00123", "1.5e3", "http://example.com/a"]

    def write(book: xlsxwriter.Workbook) -> None:
        sheet = book.add_worksheet("说明")
        for r, text in enumerate(texts):
            sheet.write(r, 0, text)  # write(), not write_string(): the options decide

    for in_order in (True, False):
        ws = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(write, in_order=in_order))).active
        cells = [ws.cell(r + 1, 1) for r in range(len(texts))]
        assert [c.value for c in cells] == texts
        assert {c.data_type for c in cells} == {"s"}
        assert not any(c.hyperlink for c in cells)


def test_column_width_counts_a_chinese_character_as_two_and_stays_in_bounds() -> None:
    assert column_width(["街道/乡镇"]) == 11  # 4 characters × 2 + 1 + 2 of room
    assert column_width(["区"]) == 8
    assert column_width(["很长" * 40]) == 60
    assert column_width([]) == 8


def _header_fill(data: bytes, row: int) -> str:
    ws = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    return str(ws.cell(row, 1).fill.fgColor.rgb)


def test_downloads_error_reports_and_templates_share_one_header_style() -> None:
    want = "FF" + str(HEADER_STYLE["bg_color"]).lstrip("#").upper()
    download = to_excel_bytes({"明细": pd.DataFrame({"district": ["东湖区"]})})
    report = up.error_report(check_file(volunteers_xlsx(GOOD, BAD_DISTRICT)))
    template = template_workbook("volunteers")
    # the report's header is below the file's title line
    assert [_header_fill(download, 1), _header_fill(report, 2), _header_fill(template, 1)] == [
        want
    ] * 3


@pytest.fixture(scope="module")
def fontless_chart() -> alt.Chart:
    frame = pd.DataFrame({"区县": ["南港区", "东湖区"], "整改率": [75.2, 60.0]})
    return alt.Chart(frame, title="问题整改率").mark_bar().encode(x="区县:N", y="整改率:Q")


def test_every_chart_picture_gets_the_chinese_font_list_when_the_chart_sets_none(
    fontless_chart: alt.Chart,
) -> None:
    assert images.vega_lite_spec(fontless_chart)["config"]["font"] == FONT
    svg = images.chart_svg(fontless_chart)
    assert svg.startswith("<svg") and "Microsoft YaHei" in svg and "问题整改率" in svg
    html = images.chart_html(fontless_chart)
    assert "Microsoft YaHei" in html and "vegaEmbed" in html
    own = fontless_chart.configure(font="SimSun")
    assert images.vega_lite_spec(own)["config"]["font"] == "SimSun"
