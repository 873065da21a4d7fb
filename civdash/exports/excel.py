"""Excel workbooks that leave the app: how every .xlsx is opened, styled and filled.

The downloads (`to_excel_bytes`), the upload's error report (`civdash.upload.report`) and the
ledger templates (`civdash.templates`) all open their workbook with `xlsx_bytes`, so three rules
hold for each of them:

- **text stays text**: xlsxwriter never turns a string into a formula, a number or a link
  (`WORKBOOK_OPTIONS`), and callers write text with `write_string`; text that Excel would read
  as a formula when it is typed (`FORMULA_START`) is what the error report marks with Excel's
  quote prefix and CSV downloads neutralise;
- **one look**: the same header style (`HEADER_STYLE`), date formats (`DATE_FORMAT`) and number
  formats (`civdash.numbers.excel_format`: thousands separators, as many decimals as the
  column needs, years and codes plain);
- **valid sheet names** (`sheet_name`) and columns as wide as their text (`column_width`, CJK
  characters counting double).

>>> data = to_excel_bytes({"问题明细": issues}, kinds={"问题明细": "issues"})    # doctest: +SKIP
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import pandas as pd
import xlsxwriter

from civdash import numbers
from civdash.exports.frame import column_kind, export_frame, has_time, text_values
from civdash.names import display_width

__all__ = [
    "DATETIME_FORMAT",
    "DATE_FORMAT",
    "FORMULA_START",
    "HEADER_STYLE",
    "WORKBOOK_OPTIONS",
    "WRITTEN_FORMULA_START",
    "XLSX_MIME",
    "column_width",
    "display_width",
    "sheet_name",
    "to_excel_bytes",
    "xlsx_bytes",
]

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

WORKBOOK_OPTIONS: Mapping[str, bool] = MappingProxyType(
    {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
)
"""xlsxwriter options of every workbook: a string is written as a string, never as a formula,
a number or a hyperlink, whatever it looks like."""

HEADER_STYLE: Mapping[str, Any] = MappingProxyType(
    {"bold": True, "bg_color": "#DDEBF7", "border": 1}
)
"""The header row of every table CivDash writes (pale blue, bold, boxed)."""

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""Leading characters that make Excel read a cell as a formula when it is typed or edited: the
error report keeps such text with Excel's quote prefix, so it stays text when the clerk edits it."""

WRITTEN_FORMULA_START = (*FORMULA_START, "＝", "＋", "－", "＠")
"""`FORMULA_START` and their full-width forms, which an input method can turn into formulas too:
the text a CSV download neutralises (`civdash.exports.csv.neutralize_formula`)."""

_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def xlsx_bytes(write: Callable[[xlsxwriter.Workbook], None], *, in_order: bool = True) -> bytes:
    """The .xlsx bytes of a workbook that `write` fills, opened with `WORKBOOK_OPTIONS`.

    `in_order`: every sheet is written top to bottom, row after row (xlsxwriter's
    constant-memory mode: a 200,000-row table does not sit in memory); pass False for a
    workbook that writes a cell above one already written (the templates' validations).

    >>> xlsx_bytes(lambda book: book.add_worksheet("说明").write_string(0, 0, "=1+1"))[:2]
    b'PK'
    """
    buffer = io.BytesIO()
    options = {**WORKBOOK_OPTIONS, "constant_memory": in_order, "in_memory": not in_order}
    with xlsxwriter.Workbook(buffer, options) as book:
        write(book)
    return buffer.getvalue()


def sheet_name(name: str, taken: Sequence[str] = ()) -> str:
    """A valid, unused Excel sheet name: no []:*?/\\, at most 31 characters, not blank.

    >>> sheet_name("问题/整改: 明细"), sheet_name("明细", ["明细"])
    ('问题_整改_ 明细', '明细（2）')
    """
    base = _SHEET_BAD.sub("_", str(name)).strip().strip("'") or "Sheet"
    base = base[:31]
    lowered = {t.lower() for t in taken}
    candidate, n = base, 1
    while candidate.lower() in lowered:
        n += 1
        suffix = f"（{n}）"
        candidate = base[: 31 - len(suffix)] + suffix
    return candidate


def column_width(texts: Iterable[str], *, least: int = 8, most: int = 60) -> int:
    """An Excel column width that shows the widest of `texts` (a header and sample cells) with
    a little room, between `least` and `most`."""
    widest = max(map(display_width, texts), default=0)
    return min(max(widest + 2, least), most)


# ---------------------------------------------------------------- tables as sheets


def _write_sheet(
    book: xlsxwriter.Workbook,
    sheet: xlsxwriter.workbook.Worksheet,
    frame: pd.DataFrame,
    formats: Mapping[str, xlsxwriter.format.Format],
) -> None:
    for c, name in enumerate(frame.columns):
        sheet.write_string(0, c, str(name), formats["header"])
    columns: list[tuple[str, list[object]]] = []
    widths: list[int] = []
    for c in range(frame.shape[1]):
        s = frame.iloc[:, c]
        kind = column_kind(s)
        sample: list[str]
        if kind == "date":
            fmt = "datetime" if has_time(s) else "date"
            values: list[object] = [
                None if pd.isna(v) else pd.Timestamp(v).to_pydatetime() for v in s.tolist()
            ]
            columns.append((fmt, values))
            sample = ["2026-11-15 00:00" if fmt == "datetime" else "2026-11-15"]
        elif kind == "number":
            nums = pd.to_numeric(s, errors="coerce").astype("float64").to_numpy()
            finite = [None if not math.isfinite(v) else float(v) for v in nums]
            decimals = numbers.decimals_of(finite)
            plain = numbers.is_plain_column(str(frame.columns[c]))
            values = list(finite)
            columns.append((numbers.excel_format(decimals, plain=plain), values))
            sample = [
                f"{v:.{decimals}f}" if plain else numbers.number(v, decimals)
                for v in finite[:200]
                if v is not None
            ]
        else:
            texts = text_values(s)
            columns.append(("text", list(texts)))
            sample = [t for t in texts[:200] if t]
        widths.append(column_width([str(frame.columns[c]), *sample]))
    number_formats: dict[str, xlsxwriter.format.Format] = {}
    for kind, _ in columns:
        if kind not in ("text", "date", "datetime") and kind not in number_formats:
            number_formats[kind] = book.add_format({"num_format": kind})
    for c, width in enumerate(widths):
        cell_kind = columns[c][0]
        cell_format = formats.get(cell_kind) if cell_kind != "text" else None
        sheet.set_column(c, c, width, number_formats.get(cell_kind, cell_format))
    for r in range(frame.shape[0]):
        row = r + 1
        for c, (kind, values) in enumerate(columns):
            v = values[r]
            if v is None:
                continue
            if kind == "text":
                # write_string, never write(): a text cell is never a formula, a number or a URL
                sheet.write_string(row, c, str(v))
            elif kind in number_formats:
                # numbers keep the column's separators and decimals (`numbers.excel_format`)
                sheet.write_number(row, c, float(v), number_formats[kind])  # type: ignore[arg-type]
            else:
                sheet.write_datetime(row, c, v, formats[kind])
    sheet.freeze_panes(1, 0)
    if frame.shape[1]:
        sheet.autofilter(0, 0, max(frame.shape[0], 1), frame.shape[1] - 1)


def to_excel_bytes(
    frames: Mapping[str, pd.DataFrame],
    *,
    kinds: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    notes: Sequence[str] = (),
    notes_sheet: str = "说明",
) -> bytes:
    """An .xlsx workbook with one sheet per frame (sheet name → frame), safe to send to units.

    `kinds` names the ledger of a sheet (sheet name → "issues", ...) for its labels; `labels`
    overrides headers in every sheet; `notes` (lines of text, e.g. the filters used and a row
    limit) go to a first sheet called `notes_sheet`. Headers are Chinese, personal data is
    masked, text is written as text (never a formula) and dates are Excel dates.
    """

    def write(book: xlsxwriter.Workbook) -> None:
        formats = {
            "header": book.add_format(dict(HEADER_STYLE)),
            "date": book.add_format({"num_format": DATE_FORMAT}),
            "datetime": book.add_format({"num_format": DATETIME_FORMAT}),
            "note": book.add_format({"text_wrap": False}),
        }
        taken: list[str] = []
        if notes:
            name = sheet_name(notes_sheet, taken)
            taken.append(name)
            sheet = book.add_worksheet(name)
            sheet.set_column(0, 0, 100)
            for r, line in enumerate(notes):
                sheet.write_string(r, 0, str(line), formats["note"])
        for name, df in frames.items():
            kind = (kinds or {}).get(name)
            frame = export_frame(df, kind=kind, labels=labels)
            title = sheet_name(name, taken)
            taken.append(title)
            _write_sheet(book, book.add_worksheet(title), frame, formats)
        if not taken:
            book.add_worksheet(sheet_name(notes_sheet))

    return xlsx_bytes(write)
