"""Problems found while reading a ledger: one per bad value, with the spreadsheet's own row number."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Literal

import pandas as pd

Severity = Literal["error", "warning"]

PROBLEM_COLUMNS = ("row", "field", "value", "message", "severity")

QUOTE_LIMIT = 40
"""A message quotes at most this many characters of a cell: a 500-character reply is not news."""


def quote_cell(text: str, limit: int = QUOTE_LIMIT) -> str:
    """A cell's text as a message quotes it: whole when short, else its first `limit` characters
    and "…".

    >>> quote_cell("答复意见" * 20)[-3:]
    '答复…'
    """
    return text if len(text) <= limit else text[:limit] + "…"


@dataclass(frozen=True)
class Problem:
    """A bad value. `error` rejects the row; `warning` keeps it.

    `row` is the row number as the spreadsheet shows it (1-based); `value` is the raw cell as text.
    """

    row: int | None
    field: str
    value: str
    message: str
    severity: Severity = "error"
    sheet: str | None = None
    """The sheet of a table read from several sheets (then `row` is the table's own row number,
    unique across sheets, and `sheet_row` the row number in that sheet); None for one sheet."""
    sheet_row: int | None = None

    @property
    def shown_row(self) -> int | None:
        """The row number the clerk sees in the spreadsheet (in its sheet)."""
        return self.sheet_row if self.sheet is not None else self.row

    def to_dict(self) -> dict[str, object]:
        """The contract's problem object; `row` is the row number as the sheet shows it, and a
        problem of a multi-sheet table also names its `sheet`."""
        out = {k: v for k, v in asdict(self).items() if k not in ("sheet", "sheet_row")}
        if self.sheet is not None:
            out["row"] = self.sheet_row
            out["sheet"] = self.sheet
        return out


def problems_frame(problems: Iterable[Problem]) -> pd.DataFrame:
    """Problems as a DataFrame with the contract's columns, sorted by row then field."""
    rows = [p.to_dict() for p in problems]
    df = pd.DataFrame(rows, columns=list(PROBLEM_COLUMNS))
    if not df.empty:
        df = df.sort_values(["row", "field"], kind="stable", na_position="first").reset_index(
            drop=True
        )
    return df
