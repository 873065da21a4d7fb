"""issue_state() over the hand-made issues ledger: closed, overdue, days open, on time."""

from __future__ import annotations

import pandas as pd
import pytest

from civdash.metrics import issue_state

AS_OF = "2026-11-15"


@pytest.mark.parametrize(
    ("issue_id", "is_closed", "is_overdue", "days_open", "closed_on_time"),
    [
        ("a", True, False, 3, True),
        ("b", True, False, 7, False),
        ("c", True, False, 2, pd.NA),
        ("d", False, True, 11, pd.NA),
        ("e", False, False, 10, pd.NA),
        ("f", False, False, 9, pd.NA),
        ("g", False, False, 8, pd.NA),
        ("i", True, False, pd.NA, False),
    ],
)
def test_issue_state_derives_closed_overdue_age_and_on_time(
    issues, issue_id, is_closed, is_overdue, days_open, closed_on_time
):
    row = issue_state(issues, AS_OF).set_index("issue_id").loc[issue_id]
    assert bool(row["is_closed"]) is is_closed
    assert bool(row["is_overdue"]) is is_overdue
    assert (row["days_open"] is pd.NA) if days_open is pd.NA else row["days_open"] == days_open
    if closed_on_time is pd.NA:
        assert row["closed_on_time"] is pd.NA
    else:
        assert bool(row["closed_on_time"]) is closed_on_time


def test_issue_state_keeps_the_original_columns_and_rows(issues):
    state = issue_state(issues, AS_OF)
    assert list(state.columns[: len(issues.columns)]) == list(issues.columns)
    assert len(state) == len(issues)
    assert "is_closed" not in issues.columns
