"""Problems found while reading a ledger: one per bad value, with the spreadsheet's own row number."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Literal

import pandas as pd

Severity = Literal["error", "warning"]

PROBLEM_COLUMNS = ("row", "field", "value", "message", "severity")


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

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def problems_frame(problems: Iterable[Problem]) -> pd.DataFrame:
    """Problems as a DataFrame with the contract's columns, sorted by row then field."""
    rows = [p.to_dict() for p in problems]
    df = pd.DataFrame(rows, columns=list(PROBLEM_COLUMNS))
    if not df.empty:
        df = df.sort_values(["row", "field"], kind="stable", na_position="first").reset_index(
            drop=True
        )
    return df
