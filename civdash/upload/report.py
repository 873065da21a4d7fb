"""The error report: the clerk's file as .xlsx with every problem marked, to fix it in Excel.

Invalid cells are red and warnings yellow (as in the preview), each row's problems are spelled
out in a 问题说明 column, and a second sheet lists them all (问题清单). The clerk fixes the cells
and uploads the report again: its added columns (`REPORT_COLUMNS`) are left out of the mapping
by default. The workbook is written by `civdash.exports.excel` (text stays text, one header
style); personal data is masked by `civdash.privacy`, and a masked number sent back is not
imported.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter

from civdash.exports.excel import (
    DATE_FORMAT,
    FORMULA_START,
    HEADER_STYLE,
    sheet_name,
    xlsx_bytes,
)
from civdash.io import RawTable
from civdash.ledgers import get_kind
from civdash.privacy import is_personal, mask_field
from civdash.upload._cells import ERROR_FILL, ERROR_FONT, WARNING_FILL
from civdash.upload.review import cell_marks, problems_table
from civdash.upload.workbench import REPORT_COLUMNS, Review

__all__ = [
    "MSG_REPORT_MASKED",
    "REPORT_ALL_ROWS_LIMIT",
    "error_report",
    "report_file_name",
    "report_has_all_rows",
]

MSG_REPORT_MASKED = (
    "本报告中的联系电话、身份证号等个人信息已脱敏，重新上传本报告时这些号码不会导入；"
    "需要修改时请按『原行号』在原表格中修改后上传原表格。"
)

REPORT_ALL_ROWS_LIMIT = 20_000
"""Up to this many rows the error report holds every row (fix it and upload it again); above
it, only the rows with a problem (writing 200,000 rows to .xlsx takes minutes)."""


def report_file_name(file_name: str) -> str:
    """志愿者台账.xls → 志愿者台账_问题报告.xlsx."""
    stem = file_name.rsplit(".", 1)[0] if "." in file_name else file_name
    return f"{stem or '台账'}_问题报告.xlsx"


def report_has_all_rows(review: Review) -> bool:
    return review.result.rows_read <= REPORT_ALL_ROWS_LIMIT


def error_report(review: Review) -> bytes:
    """The file's data rows as .xlsx: invalid cells red, warnings yellow, a 问题说明 column.

    The title rows come first (they carry the as-of date), then the header, then every data row
    in file order with its original row number, so the clerk fixes the cells in Excel and uploads
    the report again. A file of more than `REPORT_ALL_ROWS_LIMIT` rows gets only its rows with a
    problem, and a first line that says so: those are fixed in the original file by row number.
    Text that starts like a formula (= + - @) is stored as text.
    """
    raw = _report_rows(review)

    def write(book: xlsxwriter.Workbook) -> None:
        formats = _ReportFormats(book)
        _write_rows(book, review, raw, formats)
        _write_listing(book, review, formats)

    # rows are written in order: low memory for big files
    return xlsx_bytes(write)


def _report_rows(review: Review) -> RawTable:
    """The table the report holds: every row, or for a big file only the rows with a problem
    under a first title line that says so."""
    raw = review.raw
    if report_has_all_rows(review):
        return raw
    problem_rows = sorted({int(p.row) for p in review.result.problems if p.row is not None})
    body = raw.body.loc[raw.body.index.intersection(problem_rows)]
    note = (
        f"本文件共 {review.result.rows_read:,} 行，报告只列出有问题的 {len(body):,} 行；"
        "请按『原行号』在原表格中修改后重新上传原表格。"
    )
    return replace(raw, body=body, title="\n".join(filter(None, [note, raw.title])))


def _write_rows(
    book: xlsxwriter.Workbook, review: Review, raw: RawTable, formats: _ReportFormats
) -> None:
    """The first sheet: title lines, the header with 原行号 and 问题说明, then the rows."""
    marks = cell_marks(review)
    messages: dict[int, list[str]] = {}
    for p in review.result.problems:
        if p.row is not None and p.row in raw.body.index:
            messages.setdefault(int(p.row), []).append(p.message)
    field_columns: dict[str, int] = {}
    for name in get_kind(review.kind).field_names:
        col = review.column_of(name)
        if col is not None:
            field_columns[name] = col
    ws = book.add_worksheet(sheet_name(raw.sheet or review.label))
    r = 0
    for line in (raw.title or "").splitlines():
        if line.strip():
            _write_cell(ws, r, 0, line, formats, None)
            r += 1
    header_at = r
    headers = [REPORT_COLUMNS[0], *raw.headers, REPORT_COLUMNS[1]]
    for c, h in enumerate(headers):
        ws.write_string(r, c, h, formats.header)
    personal = {c for name, c in field_columns.items() if is_personal(review.kind, name)}
    for c in sorted(personal):
        ws.write_comment(r, c + 1, MSG_REPORT_MASKED, {"x_scale": 3, "y_scale": 1.5})
    r += 1
    # row → {body column → severity}; most rows have none
    by_row: dict[int, dict[int, str]] = {}
    for (row, name), severity in marks.items():
        col = field_columns.get(name)
        if col is not None:
            by_row.setdefault(row, {})[col] = severity
    body = raw.body
    shown = {c: mask_field(body[c], review.kind, name) for name, c in field_columns.items()}
    columns = [_report_column(shown.get(c, body[c])) for c in body.columns]
    note_col = len(headers) - 1
    for i, row in enumerate(body.index.tolist()):
        ws.write_number(r, 0, raw.locate(row)[1])
        row_marks = by_row.get(row)
        for c, (kind, values) in enumerate(columns):
            value = values[i]
            mark = row_marks.get(c) if row_marks else None
            if value is None:
                if mark is not None:
                    ws.write_blank(r, c + 1, None, formats.plain[mark])
            elif kind == "text":
                style = formats.text if value.startswith(FORMULA_START) else formats.plain
                ws.write_string(r, c + 1, value, style[mark])
            elif kind == "date":
                ws.write_datetime(r, c + 1, value, formats.date[mark])
            else:
                _write_cell(ws, r, c + 1, value, formats, mark)
        if row in messages:
            _write_cell(ws, r, note_col, "；".join(messages[row]), formats, "note")
        r += 1
    ws.freeze_panes(header_at + 1, 1)
    ws.autofilter(header_at, 0, max(header_at, r - 1), len(headers) - 1)
    ws.set_column(0, 0, 8)
    ws.set_column(1, len(headers) - 2, 14)
    ws.set_column(len(headers) - 1, len(headers) - 1, 60)


def _write_listing(book: xlsxwriter.Workbook, review: Review, formats: _ReportFormats) -> None:
    """The 问题清单 sheet: `problems_table` as the page shows it."""
    listing = book.add_worksheet("问题清单")
    table = problems_table(review)
    for c, h in enumerate(table.columns):
        listing.write_string(0, c, str(h), formats.header)
    for i, rec in enumerate(table.itertuples(index=False), start=1):
        for c, v in enumerate(rec):
            _write_cell(listing, i, c, v, formats, None)
    listing.set_column(0, 0, 8)
    listing.set_column(1, 2, 16)
    listing.set_column(3, 3, 80)


class _ReportFormats:
    """The report's cell formats, by kind of cell and mark (None, "error", "warning", "note")."""

    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        def fmt(**kw: Any) -> Any:
            return wb.add_format(kw)

        self.header = fmt(**HEADER_STYLE)
        self.plain = {
            None: None,
            "error": fmt(bg_color=ERROR_FILL, font_color=ERROR_FONT),
            "warning": fmt(bg_color=WARNING_FILL),
            "note": fmt(font_color=ERROR_FONT, text_wrap=True),
        }
        self.text = {
            None: fmt(quote_prefix=True),
            "error": fmt(bg_color=ERROR_FILL, font_color=ERROR_FONT, quote_prefix=True),
            "warning": fmt(bg_color=WARNING_FILL, quote_prefix=True),
            "note": fmt(font_color=ERROR_FONT, text_wrap=True, quote_prefix=True),
        }
        self.date = {
            None: fmt(num_format=DATE_FORMAT),
            "error": fmt(num_format=DATE_FORMAT, bg_color=ERROR_FILL, font_color=ERROR_FONT),
            "warning": fmt(num_format=DATE_FORMAT, bg_color=WARNING_FILL),
            "note": fmt(num_format=DATE_FORMAT),
        }


def _report_column(series: pd.Series) -> tuple[str, list[Any]]:
    """A body column as ("text" | "date" | "any", Python values with None for blanks): typed
    once per column, so a 200,000-row report is not typed cell by cell."""
    values = series.astype(object).where(series.notna(), None).tolist()
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return "date", values
    if isinstance(series.dtype, pd.StringDtype):
        return "text", values
    return "any", values


def _write_cell(
    ws: Any, r: int, c: int, value: Any, formats: _ReportFormats, mark: str | None
) -> None:
    """One cell, typed as the file had it; a highlighted cell keeps its fill even when empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        if mark in ("error", "warning"):
            ws.write_blank(r, c, None, formats.plain[mark])
        return
    if isinstance(value, pd.Timestamp | datetime):
        if pd.isna(value):
            if mark in ("error", "warning"):
                ws.write_blank(r, c, None, formats.plain[mark])
            return
        ws.write_datetime(r, c, pd.Timestamp(value).to_pydatetime(), formats.date[mark])
    elif isinstance(value, date):
        ws.write_datetime(r, c, datetime(value.year, value.month, value.day), formats.date[mark])
    elif isinstance(value, bool | np.bool_):
        ws.write_boolean(r, c, bool(value), formats.plain[mark])
    elif isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
        if math.isfinite(number):
            ws.write_number(r, c, number, formats.plain[mark])
        else:
            ws.write_string(r, c, str(value), formats.plain[mark])
    else:
        text = str(value)
        # a text cell starting like a formula keeps Excel's quote prefix: it stays text on edit
        style = formats.text[mark] if text.startswith(FORMULA_START) else formats.plain[mark]
        ws.write_string(r, c, text, style)
