"""Ingest: turn one spreadsheet into a clean, validated ledger and its problems.

read (civdash.io) → match headers (civdash.ledgers.matching) → normalise values
(civdash.normalize) → validate (pandera schemas in civdash.validation) → `IngestResult`.
Nothing is stored here; `civdash.store.Store.commit` stores a result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from civdash.problems import Problem, problems_frame

SOURCE_ROW = "source_row"
"""Column of `IngestResult.rows` holding each row's number as the spreadsheet shows it."""


@dataclass(frozen=True)
class IngestResult:
    """One file read and checked.

    `rows` holds the valid rows only: one column per field of the kind, in the registry's order
    (dates as datetime64 at midnight, floats float64, ints Int64, bools bool, text as str), plus
    `source_row`. Invalid rows are never in `rows`; `problems` says why.
    """

    kind: str
    sheet: str | None
    header_row: int | None
    rows_read: int
    rows: pd.DataFrame
    problems: list[Problem]
    columns: dict[str, str]
    as_of: date | None
    file_name: str = ""
    sha256: str = ""
    invalid_rows: tuple[int, ...] = ()
    warnings: tuple[str, ...] = field(default=())

    @property
    def rows_valid(self) -> int:
        return len(self.rows)

    @property
    def rows_invalid(self) -> int:
        return self.rows_read - len(self.rows)

    def problems_frame(self) -> pd.DataFrame:
        return problems_frame(self.problems)

    def summary(self) -> dict[str, object]:
        """The `--json` object of the CLI contract."""
        return {
            "kind": self.kind,
            "sheet": self.sheet,
            "header_row": self.header_row,
            "rows_read": self.rows_read,
            "rows_valid": self.rows_valid,
            "rows_invalid": self.rows_invalid,
            "columns": self.columns,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "problems": [p.to_dict() for p in self.problems],
        }
