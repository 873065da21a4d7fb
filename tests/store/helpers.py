"""Ledger results built directly (not read from files) for the store tests."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import sqlalchemy as sa

from civdash.ingest import SOURCE_ROW, IngestResult
from civdash.ledgers import get_kind
from civdash.store import Store

TRICKY_TEXT = ("第一行\n第二行", 'He said "整改", then left', "a,b;c\td", "NULL", "", "\\N 反斜杠")
"""Text a bulk path could mangle: newlines, quotes, separators, null look-alikes, empty."""


def ledger_rows(kind: str, n: int = 6, *, first_row: int = 3) -> pd.DataFrame:
    """`n` rows with a typed value in every field of `kind`, shaped like `IngestResult.rows`.

    Row 1 (0-based) is empty in every field, so nulls round-trip too; text fields cycle through
    `TRICKY_TEXT`."""
    data: dict[str, object] = {}
    blank = np.arange(n) == 1
    for f in get_kind(kind).fields:
        if f.type in ("str", "text"):
            if f.type == "text":
                values = [TRICKY_TEXT[i % len(TRICKY_TEXT)] for i in range(n)]
            else:
                values = [f"{f.label}{i}" for i in range(n)]
            data[f.name] = pd.Series(values, dtype="str").mask(blank)
        elif f.type == "date":
            days = pd.Series(pd.Timestamp("2026-01-01") + pd.to_timedelta(np.arange(n) * 37, "D"))
            data[f.name] = days.astype("datetime64[s]").mask(blank)
        elif f.type == "float":
            data[f.name] = pd.Series(np.arange(n) * 12.5 + 0.1 + 0.2).mask(blank)
        elif f.type == "int":
            data[f.name] = pd.Series(np.arange(n) * 3 + 2020, dtype="Int64").mask(blank)
        else:
            data[f.name] = np.arange(n) % 2 == 0
    data[SOURCE_ROW] = np.arange(first_row, first_row + n, dtype="int64")
    return pd.DataFrame(data)


def ledger_result(
    kind: str = "volunteers",
    rows: pd.DataFrame | None = None,
    *,
    as_of: date | None = date(2026, 11, 15),
    file_name: str = "台账.xlsx",
    rows_invalid: int = 1,
) -> IngestResult:
    """An IngestResult as the reader would hand it to `Store.commit`."""
    rows = ledger_rows(kind) if rows is None else rows
    return IngestResult(
        kind=kind,
        sheet="Sheet1",
        header_row=2,
        rows_read=len(rows) + rows_invalid,
        rows=rows,
        problems=[],
        columns={"姓名": "name", "累计服务时长（小时）": "hours"},
        as_of=as_of,
        file_name=file_name,
    )


def count_rows(store: Store, table: str) -> int:
    """Rows in a store table, counted with plain SQL."""
    with store.engine.connect() as conn:
        return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())
