"""The review step: a checked file's problems, its preview, and fixing invalid cells in the page.

`problems_table` lists each problem where the clerk finds it (sheet, row, field, value, what to
do); `preview_styler` shows the rows with invalid cells red and warnings yellow; `fix_table` puts
the invalid rows in an editor and `edits_from_editor` turns the clerk's edits into cell edits for
`FileChoice.with_edits` (the file is then checked again with them). Personal data is masked
everywhere, and a masked column cannot be edited (an edit could only store the mask).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from civdash.ingest import SOURCE_ROW
from civdash.io.reader import SHEET_COLUMN
from civdash.ledgers import get_kind
from civdash.privacy import is_personal, mask_texts
from civdash.upload._cells import ERROR_FILL, ERROR_FONT, WARNING_FILL, cell_text
from civdash.upload.workbench import Review

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

__all__ = ["FixTable", "edits_from_editor", "fix_table", "preview_styler", "problems_table"]

_SEVERITY_LABELS = {"error": "错误", "warning": "提醒"}


# ---- problems and preview ----------------------------------------------------------------------


def problems_table(
    review: Review,
    fields: Sequence[str] | None = None,
    severities: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The problems as the user reads them (行号, 字段, 原值, 说明, 级别), optionally filtered by
    field labels and severity labels (错误 / 提醒)."""
    k = get_kind(review.kind)
    labels = k.labels()
    rows = [
        {
            "工作表": p.sheet,
            "行号": p.shown_row,
            "字段": labels.get(p.field, p.field),
            "原值": mask_texts([p.value], review.kind, p.field)[0],
            "说明": p.message,
            "级别": _SEVERITY_LABELS[p.severity],
        }
        # errors first: they keep rows out; warnings only inform
        for p in sorted(review.result.problems, key=lambda p: p.severity != "error")
    ]
    frame = pd.DataFrame(rows, columns=["工作表", "行号", "字段", "原值", "说明", "级别"])
    frame["行号"] = frame["行号"].astype("Int64")
    if not review.raw.multi_sheet:
        frame = frame.drop(columns="工作表")
    if fields:
        frame = frame[frame["字段"].isin(list(fields))]
    if severities:
        frame = frame[frame["级别"].isin(list(severities))]
    return frame.reset_index(drop=True)


def cell_marks(review: Review) -> dict[tuple[int, str], str]:
    """(row, field) → "error" or "warning" (an error wins over a warning)."""
    marks: dict[tuple[int, str], str] = {}
    for p in review.result.problems:
        if p.row is None:
            continue
        key = (int(p.row), p.field)
        if p.severity == "error" or key not in marks:
            marks[key] = p.severity
    return marks


def preview_styler(review: Review, limit: int = 500, only_problems: bool = False) -> Styler:
    """The normalized rows (raw text for invalid rows, which have no normalized values), one
    column per mapped field, with invalid cells red and warnings yellow; personal data masked.

    The first `limit` rows in file order, or only the rows with a problem. Only those rows are
    looked up (a file of 200,000 rows is not walked cell by cell on every rerun of the page).
    """
    k = get_kind(review.kind)
    fields = [f for f in k.fields if f.name in _mapped_fields(review) or f.derived]
    marks = cell_marks(review)
    invalid = set(review.result.invalid_rows)
    order = review.raw.body.index
    if only_problems:
        order = order[order.isin(list({r for r, _ in marks} | invalid))]
    rows = order[:limit]

    valid = review.result.rows
    shown = valid[valid[SOURCE_ROW].isin(rows)].set_index(SOURCE_ROW)
    ok = rows.isin(shown.index) & ~rows.isin(list(invalid))
    normalized = shown.reindex(rows[ok])
    raw_rows = review.raw.body.loc[rows[~ok]]
    data: dict[str, list[str]] = {"状态": ["✓" if good else "✗" for good in ok]}
    for f in fields:
        good = iter([cell_text(v) for v in normalized[f.name]])
        col = review.column_of(f.name)
        bad = iter(
            [cell_text(v) for v in raw_rows[col]] if col is not None else [""] * len(raw_rows)
        )
        data[f.label] = [next(good) if is_ok else next(bad) for is_ok in ok]
    frame = pd.DataFrame(data, index=pd.Index(list(rows), name="行号"))
    for f in fields:
        frame[f.label] = mask_texts(list(frame[f.label]), review.kind, f.name)
    styles = pd.DataFrame("", index=frame.index, columns=frame.columns)
    for (r, name), severity in marks.items():
        if r in styles.index and name in k.field_names:
            label = k.field(name).label
            if label in styles.columns:
                styles.at[r, label] = (
                    f"background-color: {ERROR_FILL}; color: {ERROR_FONT}"
                    if severity == "error"
                    else f"background-color: {WARNING_FILL}"
                )
    for r in frame.index:
        if r in invalid:
            styles.at[r, "状态"] = f"color: {ERROR_FONT}; font-weight: bold"
    if review.raw.multi_sheet:
        # each row as the clerk finds it: its sheet and that sheet's row number
        frame.index = pd.Index([review.raw.row_label(r) for r in frame.index], name="行号")
        styles.index = frame.index
    return frame.style.apply(lambda _: styles, axis=None)


def _mapped_fields(review: Review) -> set[str]:
    out: set[str] = set()
    for target in review.result.columns.values():
        out.update(target.split("+"))
    return out


# ---- fixing cells in the page -----------------------------------------------------------------

PROBLEM_COLUMN = "问题"


@dataclass(frozen=True)
class FixTable:
    """The invalid rows as an editable table of raw text, and how to map edits back to cells."""

    frame: pd.DataFrame
    """Index: row numbers; one column per mapped source column, then 问题."""
    columns: dict[str, int]
    """Editor column name → body column position."""
    locked: tuple[str, ...]
    """Columns that cannot be edited (问题, the sheet name, and masked personal data)."""
    rows: tuple[int, ...] = ()
    """The body row of each line of `frame` (its index shows the clerk's row numbers)."""


def fix_table(review: Review, limit: int = 200) -> FixTable:
    """The first `limit` invalid rows, with the raw text of every mapped column."""
    rows = list(review.result.invalid_rows)[:limit]
    rows = [r for r in rows if r in review.raw.body.index]
    messages: dict[int, list[str]] = {}
    for p in review.result.problems:
        if p.row is not None and p.severity == "error":
            messages.setdefault(int(p.row), []).append(p.message)
    columns: dict[str, int] = {}
    locked: list[str] = []
    data: dict[str, list[str]] = {}
    for pos, header in enumerate(review.raw.headers):
        name = review.field_of(pos)
        mapped = review.result.columns.get(header)
        if mapped is None:
            continue
        column = header if header not in columns else f"{header}（第{pos + 1}列）"
        columns[column] = pos
        values = [cell_text(review.raw.body.at[r, pos]) for r in rows]
        if header == SHEET_COLUMN and review.raw.multi_sheet:
            locked.append(column)  # where the row came from, not a cell to edit
        if name is not None and is_personal(review.kind, name):
            locked.append(column)  # shown masked: an edit could only store the mask
        values = mask_texts(values, review.kind, name)
        data[column] = values
    data[PROBLEM_COLUMN] = ["；".join(messages.get(r, [])) for r in rows]
    locked.append(PROBLEM_COLUMN)
    shown = [review.raw.row_label(r) for r in rows] if review.raw.multi_sheet else rows
    frame = pd.DataFrame(data, index=pd.Index(shown, name="行号"))
    return FixTable(frame, columns, tuple(locked), tuple(rows))


def edits_from_editor(
    fix: FixTable, edited_rows: Mapping[Any, Mapping[str, Any]]
) -> dict[tuple[int, int], str]:
    """Cell edits from `st.data_editor`'s `edited_rows` ({row position: {column: value}}) as
    {(row number, body column): text}; unchanged cells and locked columns are ignored."""
    out: dict[tuple[int, int], str] = {}
    rows = list(fix.rows) or [int(r) for r in fix.frame.index]
    for pos, changes in edited_rows.items():
        i = int(pos)
        if not 0 <= i < len(rows):
            continue
        row = int(rows[i])
        for column, value in changes.items():
            if column in fix.locked or column not in fix.columns:
                continue
            text = (
                ""
                if value is None or (isinstance(value, float) and math.isnan(value))
                else str(value)
            )
            if text == fix.frame[column].iat[i]:
                continue
            out[(row, fix.columns[column])] = text
    return out
