"""Safe Excel and CSV files of ledger rows and result tables, for every download in the app.

Whatever leaves the app goes through here, so three rules hold for every page and the briefing pack:

- **Chinese headers**: canonical field names become the registry's labels (`联系电话`, `整改状态`),
  result columns take `metrics.COLUMN_LABELS` or labels the caller passes.
- **Personal data masked** by `civdash.privacy`: every column the registry marks personal (by
  field name, label or a synonym such as 手机) is masked, phone numbers as 138****8000 and ID
  numbers as 110105********1234, and numbers pasted into any text are masked inside it.
- **No formula injection**: a text cell starting with = + - @ (or tab / CR) is data, never a formula.
  In Excel it is a string cell (`write_string`, `strings_to_formulas` off); in CSV it gets a leading
  single quote, the usual defence (OWASP "CSV injection").

Dates become real Excel dates with a yyyy-mm-dd format, and ISO dates in CSV. CSV is UTF-8 with a
byte-order mark, so Excel on a Chinese Windows PC shows the Chinese text instead of mojibake.

>>> data = to_excel_bytes({"问题明细": issues}, kinds={"问题明细": "issues"})    # doctest: +SKIP
>>> open("问题.csv", "wb").write(to_csv_bytes(issues, kind="issues"))          # doctest: +SKIP
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

import numpy as np
import pandas as pd
import xlsxwriter

from civdash.ledgers import REGISTRY, get_kind
from civdash.metrics import COLUMN_LABELS
from civdash.privacy import mask_labelled

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

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIME = "text/csv"

EXTRA_LABELS: Mapping[str, str] = {"source_row": "原表行号"}
"""Headers of the columns the store adds to every ledger."""

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
"""Leading characters that make Excel (or WPS) read a cell as a formula; the full-width forms
are included because an input method can turn them into formulas too."""

_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
_DATE_FORMAT = "yyyy-mm-dd"
_DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


# ---------------------------------------------------------------- labels and preparation


def _labels_for(kind: str | None, labels: Mapping[str, str] | None) -> dict[str, str]:
    """Header for each canonical column: the caller's labels, then the ledger's, then generic
    ones (result tables), then any ledger's (rows of an unnamed kind)."""
    merged: dict[str, str] = {}
    for kind_def in REGISTRY.values():
        for f in kind_def.fields:
            merged.setdefault(f.name, f.label)
    merged.update(COLUMN_LABELS)
    merged.update(EXTRA_LABELS)
    if kind is not None:
        merged.update(get_kind(kind).labels())
    merged.update(labels or {})
    return merged


def _unique(names: Sequence[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        n = seen.get(name, 0)
        seen[name] = n + 1
        out.append(name if n == 0 else f"{name}（{n + 1}）")
    return out


def export_frame(
    df: pd.DataFrame, *, kind: str | None = None, labels: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """A copy of `df` ready to leave the app: personal columns masked, headers in Chinese.

    `kind` picks the ledger whose labels win where ledgers disagree ("status" is 整改状态 for
    issues, 创建状态 for units); `labels` overrides any header. Personal columns are masked
    whatever `kind` says.
    """
    out = mask_labelled(df)
    names = _labels_for(kind, labels)
    out.columns = _unique([names.get(str(c), str(c)) for c in out.columns])
    return out


def neutralize_formula(text: str) -> str:
    """A text cell as CSV carries it: a leading ' when Excel would read it as a formula.

    >>> neutralize_formula("=HYPERLINK(\\"http://x\\")"), neutralize_formula("正常文本")
    ('\\'=HYPERLINK("http://x")', '正常文本')
    """
    return "'" + text if text.startswith(_FORMULA_START) else text


# ---------------------------------------------------------------- column kinds


def _column_kind(s: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(s.dtype):
        return "bool"
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return "date"
    if pd.api.types.is_numeric_dtype(s.dtype):
        return "number"
    return "text"


def _has_time(s: pd.Series) -> bool:
    d = s.dropna()
    return bool(len(d)) and bool((d != d.dt.normalize()).any())


def _cell_text(v: object) -> str:
    if isinstance(v, bool | np.bool_):
        return "是" if v else "否"
    if isinstance(v, pd.Timestamp | datetime):
        return v.strftime("%Y-%m-%d") if v == pd.Timestamp(v).normalize() else v.isoformat(" ")
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return str(v)


def _text_values(s: pd.Series) -> list[str | None]:
    """Cells of a text-like column as Python strings (None for blanks)."""
    values = s.astype("object").where(s.notna(), None).tolist()
    return [None if v is None else _cell_text(v) for v in values]


# ---------------------------------------------------------------- CSV


def to_csv_bytes(
    df: pd.DataFrame, *, kind: str | None = None, labels: Mapping[str, str] | None = None
) -> bytes:
    """`df` as CSV bytes for Excel: UTF-8 with BOM, Chinese headers, personal data masked,
    ISO dates, 是/否 for booleans, text that looks like a formula prefixed with '."""
    frame = export_frame(df, kind=kind, labels=labels)
    out = pd.DataFrame(index=frame.index)
    for i in range(frame.shape[1]):
        s = frame.iloc[:, i]
        kind_ = _column_kind(s)
        if kind_ == "date":
            fmt = "%Y-%m-%d %H:%M:%S" if _has_time(s) else "%Y-%m-%d"
            out[i] = s.dt.strftime(fmt).astype("object").where(s.notna(), None)
        elif kind_ == "bool":
            out[i] = s.map({True: "是", False: "否"})
        elif kind_ == "number":
            out[i] = s
        else:
            out[i] = [None if v is None else neutralize_formula(v) for v in _text_values(s)]
    header = [neutralize_formula(str(c)) for c in frame.columns]
    text = out.to_csv(index=False, header=header, lineterminator="\r\n")
    return text.encode("utf-8-sig")


# ---------------------------------------------------------------- Excel


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


def _display_width(text: str) -> int:
    """Characters as Excel columns: CJK characters count double."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


Writer = Callable[[int, object], None]


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
        kind = _column_kind(s)
        sample: list[str]
        if kind == "date":
            fmt = "datetime" if _has_time(s) else "date"
            values: list[object] = [
                None if pd.isna(v) else pd.Timestamp(v).to_pydatetime() for v in s.tolist()
            ]
            columns.append((fmt, values))
            sample = ["2026-11-15 00:00" if fmt == "datetime" else "2026-11-15"]
        elif kind == "number":
            nums = pd.to_numeric(s, errors="coerce").astype("float64").to_numpy()
            values = [None if not math.isfinite(v) else float(v) for v in nums]
            columns.append(("number", values))
            sample = [_cell_text(v) for v in values[:200] if v is not None]
        else:
            texts = _text_values(s)
            columns.append(("text", list(texts)))
            sample = [t for t in texts[:200] if t]
        widest = max([_display_width(str(frame.columns[c])), *map(_display_width, sample)])
        widths.append(min(max(widest + 2, 8), 60))
    for c, width in enumerate(widths):
        cell_kind = columns[c][0]
        cell_format = formats[cell_kind] if cell_kind in ("date", "datetime") else None
        sheet.set_column(c, c, width, cell_format)
    for r in range(frame.shape[0]):
        row = r + 1
        for c, (kind, values) in enumerate(columns):
            v = values[r]
            if v is None:
                continue
            if kind == "text":
                # write_string, never write(): a text cell is never a formula, a number or a URL
                sheet.write_string(row, c, str(v))
            elif kind == "number":
                sheet.write_number(row, c, float(v))  # type: ignore[arg-type]
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
    buffer = io.BytesIO()
    options = {
        "strings_to_formulas": False,
        "strings_to_numbers": False,
        "strings_to_urls": False,
        "constant_memory": True,
    }
    with xlsxwriter.Workbook(buffer, options) as book:
        formats = {
            "header": book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1}),
            "date": book.add_format({"num_format": _DATE_FORMAT}),
            "datetime": book.add_format({"num_format": _DATETIME_FORMAT}),
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
    return buffer.getvalue()
