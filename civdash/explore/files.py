"""An explore result as files to download: the aggregated table and the filtered rows, each as
Excel (with a 说明 sheet saying the scope and the view) and CSV, written by `civdash.exports` so
personal data is masked and headers are Chinese as in every other download.

(Named `files`, not `downloads`, so that `civdash.explore.downloads` stays the function.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial

import pandas as pd

from civdash.explore.choices import describe
from civdash.explore.compute import ExploreResult
from civdash.exports import CSV_MIME, XLSX_MIME, to_csv_bytes, to_excel_bytes

__all__ = [
    "ROWS_EXPORT_MAX",
    "Download",
    "downloads",
    "result_csv",
    "result_excel",
    "rows_csv",
    "rows_excel",
]

ROWS_EXPORT_MAX = 100_000
"""Filtered rows in a detail download (Excel and CSV)."""


def _notes(result: ExploreResult, scope: Sequence[str]) -> list[str]:
    return [
        "数据探索导出",
        *scope,
        *describe(result.spec),
        f"符合条件的行数：{result.rows_matched:,}（共 {result.rows_total:,} 行）",
        *result.notes,
    ]


def _result_frame(result: ExploreResult) -> pd.DataFrame:
    if result.value is not None or (result.table.empty and not result.spec.group_by):
        return pd.DataFrame({"value": [result.value]})
    return result.table


def result_excel(result: ExploreResult, scope: Sequence[str] = ()) -> bytes:
    """The aggregated result as .xlsx: a 说明 sheet (scope, filters, grouping) and 汇总结果."""
    return to_excel_bytes(
        {"汇总结果": _result_frame(result)},
        kinds={"汇总结果": result.spec.ledger},
        labels=result.labels,
        notes=_notes(result, scope),
    )


def result_csv(result: ExploreResult) -> bytes:
    """The aggregated result as CSV (UTF-8 with BOM, Chinese headers)."""
    return to_csv_bytes(_result_frame(result), kind=result.spec.ledger, labels=result.labels)


def _export_rows(result: ExploreResult) -> tuple[pd.DataFrame, list[str]]:
    rows = result.rows.head(ROWS_EXPORT_MAX)
    notes = []
    if len(result.rows) > ROWS_EXPORT_MAX:
        notes.append(
            f"符合条件的 {len(result.rows):,} 行中只导出了前 {ROWS_EXPORT_MAX:,} 行；请加筛选条件分批导出。"
        )
    return rows, notes


def rows_excel(result: ExploreResult, scope: Sequence[str] = ()) -> bytes:
    """The filtered rows (at most `ROWS_EXPORT_MAX`) as .xlsx, personal data masked."""
    rows, notes = _export_rows(result)
    return to_excel_bytes(
        {"明细": rows},
        kinds={"明细": result.spec.ledger},
        notes=[*_notes(result, scope), *notes],
    )


def rows_csv(result: ExploreResult) -> bytes:
    """The filtered rows (at most `ROWS_EXPORT_MAX`) as CSV, personal data masked."""
    rows, _ = _export_rows(result)
    return to_csv_bytes(rows, kind=result.spec.ledger)


@dataclass(frozen=True)
class Download:
    """One download of a result: built only when the user clicks (`data` is called then)."""

    key: str
    label: str
    data: Callable[[], bytes] = field(repr=False)
    file_name: str
    mime: str


def downloads(result: ExploreResult, scope: Sequence[str], name: str) -> tuple[Download, ...]:
    """The result and its filtered rows, each as Excel and CSV, named `{name}_汇总.xlsx` etc."""
    return (
        Download("result_xlsx", "结果（Excel）", partial(result_excel, result, scope),
                 f"{name}_汇总.xlsx", XLSX_MIME),
        Download("result_csv", "结果（CSV）", partial(result_csv, result), f"{name}_汇总.csv", CSV_MIME),
        Download("rows_xlsx", "明细（Excel）", partial(rows_excel, result, scope),
                 f"{name}_明细.xlsx", XLSX_MIME),
        Download("rows_csv", "明细（CSV）", partial(rows_csv, result), f"{name}_明细.csv", CSV_MIME),
    )  # fmt: skip
