"""Excel templates a clerk fills in: one per ledger kind, built from the registry.

Each template has the ledger sheet (Chinese headers from the registry, required ones marked with
`*`, one row per record), a 填表说明 sheet (what every column means, the allowed values and worked
examples) and a hidden 选项 sheet that holds the drop-down lists (district, status, category, level,
source, point type …). Date columns are date-formatted; identifiers, phone and ID numbers are text
so leading zeros and 18-digit ID numbers survive. A file made from a template ingests cleanly:
`tests/test_templates.py` fills every template with `example_rows` and checks that.

>>> data = template_workbook("volunteers", ["城关区", "东湖区"])   # doctest: +SKIP
>>> Path("志愿者台账模板.xlsx").write_bytes(data)                   # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from civdash.exports.excel import DATE_FORMAT, HEADER_STYLE, xlsx_bytes
from civdash.ledgers import LEDGER_KINDS, get_kind
from civdash.ledgers.base import Field, LedgerKind
from civdash.ledgers.targets import CITYWIDE
from civdash.metrics import METRICS
from civdash.privacy import is_personal

__all__ = [
    "CITYWIDE",
    "REQUIRED_MARK",
    "choices_for",
    "example_rows",
    "template_fields",
    "template_file_name",
    "template_workbook",
]

REQUIRED_MARK = "*"
"""Prefix of a required column's header (header matching ignores it)."""

_BOOL_CHOICES = ("是", "否")
_LAST_ROW = 1_048_575  # 0-based index of Excel's last row: validation covers the whole column
_OPTIONS_SHEET = "选项"
_NOTES_SHEET = "填表说明"

_TYPE_NAMES = {
    "str": "文本",
    "text": "文本",
    "date": "日期",
    "float": "数字",
    "int": "整数",
    "bool": "是/否",
}

_GENERAL_NOTES = (
    "1. 请在『{sheet}』工作表中从第 2 行起逐行填写，一行一条记录；不要修改第 1 行的表头文字。",
    "2. 表头带 * 的列为必填项，缺少必填项的行不会被导入。",
    "3. 日期请填写为日期格式（如 2026-11-15），不要写成“11月15日”之类不完整的日期。",
    "4. 带下拉箭头的列请从下拉列表中选择，不要自行改写名称。",
    "5. 请勿合并单元格，不要在数据下方添加合计行以外的说明文字。",
    "6. 下方“填写示例”仅供参考，示例行不会被导入；请不要把示例复制到台账工作表中。",
)


def template_fields(kind: str) -> tuple[Field, ...]:
    """The columns of a kind's template: every field a file can supply, in registry order."""
    return get_kind(kind).input_fields


def template_file_name(kind: str) -> str:
    """The download name of a kind's template, e.g. 志愿者台账模板.xlsx."""
    return f"{_sheet_name(kind)}模板.xlsx"


def choices_for(kind: str, f: Field, districts: Sequence[str] = ()) -> tuple[str, ...]:
    """The drop-down list of a column, or () when it has none.

    District lists come from the city's district table (empty without one); a target's district
    may also be 全市 (city-wide).
    """
    if f.parser in ("district", "target_district"):
        if not districts:
            return ()
        return (CITYWIDE, *districts) if f.parser == "target_district" else tuple(districts)
    if f.parser == "metric":
        return tuple(m.label for m in METRICS.values())
    if f.type == "bool":
        return _BOOL_CHOICES
    return f.choices


def _uploaded(kind: str) -> LedgerKind:
    k = get_kind(kind) if kind in LEDGER_KINDS else None
    if k is None:
        raise KeyError(f"no template for ledger kind {kind!r}; known: {', '.join(LEDGER_KINDS)}")
    return k


def _as_text(kind: str, f: Field) -> bool:
    """Typed as text in Excel: ids and personal numbers (leading zeros and long digit strings
    must survive)."""
    return f.name == get_kind(kind).id_field or is_personal(kind, f.name)


def example_rows(kind: str, districts: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Worked examples for a kind (its `examples`), field name → value; each one ingests
    without any problem.

    Districts come from `districts` (the city's table) so that they resolve; "城关区" without one.
    """
    return _uploaded(kind).examples(districts)


def template_workbook(
    kind: str, districts: Sequence[str] = (), *, rows: Sequence[Mapping[str, Any]] = ()
) -> bytes:
    """The .xlsx template of a ledger kind, with `rows` (field name → value) already filled in.

    `districts` are the city's district names (the drop-down list of the district column).
    """
    _uploaded(kind)
    fields = template_fields(kind)

    def write(wb: xlsxwriter.Workbook) -> None:
        fmt = _Formats(wb)
        data_ws = wb.add_worksheet(_sheet_name(kind))
        notes_ws = wb.add_worksheet(_NOTES_SHEET)
        options_ws = wb.add_worksheet(_OPTIONS_SHEET)

        lists = _write_options(options_ws, kind, fields, districts)
        options_ws.hide()
        _write_data_sheet(data_ws, kind, fields, lists, rows, fmt)
        _write_notes(notes_ws, kind, fields, districts, fmt)
        data_ws.activate()

    # strings are never formulas or numbers: a name like "=1+1" stays text; the validations of
    # a column are written after its header, so the sheets are not written row by row
    return xlsx_bytes(write, in_order=False)


# ---- internals -------------------------------------------------------------------------------


class _Formats:
    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        self.header = wb.add_format({**HEADER_STYLE, "align": "center", "text_wrap": True})
        self.required = wb.add_format(
            {**HEADER_STYLE, "align": "center", "text_wrap": True, "font_color": "#C00000"}
        )
        self.date = wb.add_format({"num_format": DATE_FORMAT})
        self.text = wb.add_format({"num_format": "@"})
        self.number = wb.add_format({"num_format": "0.##"})
        self.title = wb.add_format({"bold": True, "font_size": 14})
        self.bold = wb.add_format({"bold": True})
        self.cell = wb.add_format({"border": 1, "text_wrap": True, "valign": "top"})
        self.cell_date = wb.add_format({"border": 1, "num_format": DATE_FORMAT, "valign": "top"})


def _sheet_name(kind: str) -> str:
    return f"{get_kind(kind).label}台账"


def _header_text(f: Field) -> str:
    return f"{REQUIRED_MARK}{f.label}" if f.required else f.label


def _column_letter(col: int) -> str:
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _write_options(
    ws: Worksheet, kind: str, fields: Sequence[Field], districts: Sequence[str]
) -> dict[str, str]:
    """One column per drop-down list on the hidden sheet; field name → range reference."""
    refs: dict[str, str] = {}
    col = 0
    for f in fields:
        values = choices_for(kind, f, districts)
        if not values:
            continue
        ws.write_string(0, col, f.label)
        for i, v in enumerate(values, start=1):
            ws.write_string(i, col, v)
        letter = _column_letter(col)
        refs[f.name] = f"='{_OPTIONS_SHEET}'!${letter}$2:${letter}${len(values) + 1}"
        col += 1
    return refs


def _write_data_sheet(
    ws: Worksheet,
    kind: str,
    fields: Sequence[Field],
    lists: Mapping[str, str],
    rows: Sequence[Mapping[str, Any]],
    fmt: _Formats,
) -> None:
    ws.freeze_panes(1, 0)
    ws.set_row(0, 30)
    for col, f in enumerate(fields):
        ws.write_string(0, col, _header_text(f), fmt.required if f.required else fmt.header)
        width = max(10, min(28, 2 * len(f.label) + 4))
        column_format = (
            fmt.date
            if f.type == "date" and f.parser != "deadline"
            else fmt.text
            if _as_text(kind, f)
            else None
        )
        ws.set_column(col, col, width, column_format)
        hint = f.hint
        if f.name in lists:
            ws.data_validation(
                1,
                col,
                _LAST_ROW,
                col,
                {
                    "validate": "list",
                    "source": lists[f.name],
                    "input_title": f.label,
                    "input_message": hint[:255],
                    "error_title": "请从下拉列表中选择",
                    "error_message": f"『{f.label}』请从下拉列表中选择。"[:255],
                    # 点位类型 and 问题类别 accept other spellings; the rest must be from the list
                    "error_type": "warning" if f.name in ("point_type",) else "stop",
                },
            )
        elif f.type == "date" and f.parser != "deadline":
            ws.data_validation(
                1,
                col,
                _LAST_ROW,
                col,
                {
                    "validate": "date",
                    "criteria": "between",
                    "minimum": date(1900, 1, 1),
                    "maximum": date(2100, 12, 31),
                    "input_title": f.label,
                    "input_message": hint[:255],
                    "error_title": "日期格式不正确",
                    "error_message": f"『{f.label}』请填写日期，如 2026-11-15。",
                    "error_type": "stop",
                },
            )
        elif f.type in ("float", "int") and (f.min_value is not None or f.max_value is not None):
            lo = f.min_value if f.min_value is not None else -1e15
            hi = f.max_value if f.max_value is not None else 1e15
            ws.data_validation(
                1,
                col,
                _LAST_ROW,
                col,
                {
                    "validate": "integer" if f.type == "int" else "decimal",
                    "criteria": "between",
                    "minimum": lo,
                    "maximum": hi,
                    "input_title": f.label,
                    "input_message": hint[:255],
                    "error_title": "数值超出范围",
                    "error_message": f"『{f.label}』{hint}。"[:255],
                    "error_type": "stop",
                },
            )
        elif hint:
            ws.data_validation(
                1,
                col,
                _LAST_ROW,
                col,
                {"validate": "any", "input_title": f.label, "input_message": hint[:255]},
            )
    for r, row in enumerate(rows, start=1):
        for col, f in enumerate(fields):
            _write_value(ws, r, col, row.get(f.name), _as_text(kind, f), fmt)


def _write_value(ws: Worksheet, r: int, c: int, value: Any, text: bool, fmt: _Formats) -> None:
    if value is None or value == "":
        return
    if isinstance(value, datetime):
        ws.write_datetime(r, c, value, fmt.date)
    elif isinstance(value, date):
        ws.write_datetime(r, c, datetime(value.year, value.month, value.day), fmt.date)
    elif isinstance(value, bool):
        ws.write_string(r, c, "是" if value else "否")
    elif isinstance(value, int | float) and not text:
        ws.write_number(r, c, value)
    else:
        ws.write_string(r, c, str(value), fmt.text if text else None)


def _write_notes(
    ws: Worksheet, kind: str, fields: Sequence[Field], districts: Sequence[str], fmt: _Formats
) -> None:
    k = get_kind(kind)
    ws.set_column(0, 0, 22)
    ws.set_column(1, 2, 10)
    ws.set_column(3, 3, 46)
    ws.set_column(4, 4, 60)
    ws.write_string(0, 0, f"{k.label}台账填表说明", fmt.title)
    r = 2
    for line in _GENERAL_NOTES:
        ws.write_string(r, 0, line.format(sheet=_sheet_name(kind)))
        r += 1
    if not districts and any(f.parser in ("district", "target_district") for f in fields):
        ws.write_string(r, 0, "7. 尚未导入本市区县表，区县列暂无下拉列表，请填写区县全称。")
        r += 1
    r += 1
    ws.write_string(r, 0, "各列说明", fmt.bold)
    r += 1
    for col, text in enumerate(("列名", "是否必填", "类型", "填写说明", "可选值")):
        ws.write_string(r, col, text, fmt.header)
    r += 1
    for f in fields:
        options = choices_for(kind, f, districts)
        ws.write_string(r, 0, f.label, fmt.cell)
        ws.write_string(r, 1, "必填" if f.required else "选填", fmt.cell)
        ws.write_string(r, 2, _TYPE_NAMES.get(f.type, "文本"), fmt.cell)
        ws.write_string(r, 3, f.hint, fmt.cell)
        ws.write_string(r, 4, "、".join(options), fmt.cell)
        r += 1
    r += 1
    ws.write_string(r, 0, "填写示例（仅供参考，不会被导入）", fmt.bold)
    r += 1
    for col, f in enumerate(fields):
        ws.write_string(r, col, _header_text(f), fmt.header)
    r += 1
    for example in example_rows(kind, districts):
        for col, f in enumerate(fields):
            value = example.get(f.name)
            if isinstance(value, date):
                ws.write_datetime(
                    r, col, datetime(value.year, value.month, value.day), fmt.cell_date
                )
            elif value is None:
                ws.write_blank(r, col, None, fmt.cell)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                ws.write_number(r, col, value, fmt.cell)
            else:
                ws.write_string(r, col, str(value), fmt.cell)
        r += 1
