"""Every file that leaves the app: Excel, CSV and pictures, written one way.

Whatever a page, the briefing pack, the upload's error report, the templates or the toolkit hand
out goes through this package, so three rules hold everywhere:

- **Chinese headers**: canonical field names become the registry's labels (`联系电话`, `整改状态`),
  result columns take `metrics.COLUMN_LABELS` or labels the caller passes (`frame.export_frame`).
- **Personal data masked** by `civdash.privacy`: every column the registry marks personal (by
  field name, label or a synonym such as 手机) is masked, phone numbers as 138****8000 and ID
  numbers as 110105********1234, and numbers pasted into any text are masked inside it.
- **No formula injection**: a text cell starting with = + - @ (or tab / CR) is data, never a formula.
  In Excel it is a string cell (`write_string`, `strings_to_formulas` off); in CSV it gets a leading
  single quote, the usual defence (OWASP "CSV injection").

Dates become real Excel dates with a yyyy-mm-dd format, and ISO dates in CSV. CSV is UTF-8 with a
byte-order mark, so Excel on a Chinese Windows PC shows the Chinese text instead of mojibake.

Where things are: `excel` (workbook options, header style, date formats, sheet names, column
widths, tables as sheets), `csv`, `images` (charts as PNG / SVG / HTML with the Chinese fonts,
maps as PNG), `frame` (headers, masking and cell types shared by Excel and CSV). A new format is
one new module here.

>>> data = to_excel_bytes({"问题明细": issues}, kinds={"问题明细": "issues"})    # doctest: +SKIP
>>> open("问题.csv", "wb").write(to_csv_bytes(issues, kind="issues"))          # doctest: +SKIP
"""

from __future__ import annotations

from civdash.exports.csv import CSV_MIME, neutralize_formula, to_csv_bytes
from civdash.exports.excel import XLSX_MIME, sheet_name, to_excel_bytes
from civdash.exports.frame import EXTRA_LABELS, export_frame

__all__ = [
    "CSV_MIME",
    "EXTRA_LABELS",
    "XLSX_MIME",
    "export_frame",
    "neutralize_formula",
    "sheet_name",
    "to_csv_bytes",
    "to_excel_bytes",
]
