"""What a commit changes against the current snapshot."""

from __future__ import annotations

import pandas as pd

from civdash import upload as up
from civdash.ingest import SOURCE_ROW
from civdash.store import Store
from tests.upload.helpers import (
    GOOD,
    check_file,
    volunteers_xlsx,
)


def _issue_rows(*rows: tuple[str, str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "issue_id": [r[0] for r in rows],
            "status": [r[1] for r in rows],
            "description": [r[2] for r in rows],
            SOURCE_ROW: range(3, 3 + len(rows)),
        }
    )


def test_diff_counts_added_removed_and_changed_rows_by_id() -> None:
    current = _issue_rows(("Q1", "待整改", "a"), ("Q2", "整改中", "b"), ("Q3", "待整改", "c"))
    new = _issue_rows(("Q1", "已整改", "a"), ("Q2", "整改中", "b2"), ("Q4", "待整改", "d"))
    diff = up.diff_against(current, new, "issues")
    assert (diff.added, diff.removed, diff.changed, diff.unchanged) == (1, 1, 2, 0)
    assert diff.changed_fields == {"整改状态": 1, "问题描述": 1}
    assert diff.status_changes.to_dict("records") == [
        {"原状态": "待整改", "新状态": "已整改", "数量": 1}
    ]
    assert set(diff.examples["字段"]) == {"整改状态", "问题描述"}


def test_diff_counts_status_changes_by_from_and_to() -> None:
    current = _issue_rows(*[(f"Q{i}", "待整改", "x") for i in range(5)])
    new = _issue_rows(
        ("Q0", "已整改", "x"),
        ("Q1", "已整改", "x"),
        ("Q2", "整改中", "x"),
        ("Q3", "待整改", "x"),
        ("Q4", "已整改", "x"),
    )
    diff = up.diff_against(current, new, "issues")
    assert diff.status_changes.to_dict("records") == [
        {"原状态": "待整改", "新状态": "已整改", "数量": 3},
        {"原状态": "待整改", "新状态": "整改中", "数量": 1},
    ]
    assert diff.unchanged == 1


def test_diff_without_a_current_snapshot_adds_everything() -> None:
    new = _issue_rows(("Q1", "待整改", "a"))
    diff = up.diff_against(None, new, "issues")
    assert (diff.has_current, diff.added, diff.removed, diff.changed) == (False, 1, 0, 0)
    assert up.diff_summary(diff, None) == "本台账还没有快照，提交后将成为第一个快照（1 行）。"


def test_volunteers_without_ids_are_matched_by_name_district_and_registration() -> None:
    def frame(hours: list[float]) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "volunteer_id": [None, None],
                "name": ["张伟", "李娜"],
                "district": ["东湖区", "南港区"],
                "registered_on": pd.to_datetime(["2024-03-01", "2025-06-18"]),
                "hours": hours,
                SOURCE_ROW: [3, 4],
            }
        )

    diff = up.diff_against(frame([10.0, 20.0]), frame([10.0, 25.5]), "volunteers")
    assert (diff.added, diff.removed, diff.changed, diff.unchanged) == (0, 0, 1, 1)
    assert diff.changed_fields == {"累计服务时长（小时）": 1}


def test_diff_compares_whole_number_columns_with_blanks() -> None:
    # 命名年份 is Int64: a blank is pd.NA, which has no truth value in a plain comparison
    def units(years: list[int | None]) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "unit_id": ["U1", "U2", "U3"],
                "named_year": pd.array(years, dtype="Int64"),
                SOURCE_ROW: [3, 4, 5],
            }
        )

    diff = up.diff_against(units([2023, None, None]), units([2023, None, 2024]), "units")
    assert (diff.changed, diff.unchanged) == (1, 2)
    assert diff.changed_fields == {"命名年份": 1}
    assert diff.examples.to_dict("records") == [
        {"标识": "U3", "字段": "命名年份", "原值": "", "新值": "2024"}
    ]


def test_targets_are_matched_by_metric_and_district() -> None:
    current = pd.DataFrame(
        {
            "metric": ["issue_close_rate", "volunteer_count"],
            "district": ["", "东湖区"],
            "target": [90.0, 100.0],
        }
    )
    new = pd.DataFrame(
        {
            "metric": ["issue_close_rate", "volunteer_count"],
            "district": ["", "南港区"],
            "target": [95.0, 100.0],
        }
    )
    diff = up.diff_against(current, new, "targets")
    assert (diff.added, diff.removed, diff.changed) == (1, 1, 1)


def test_diff_against_a_stored_snapshot_of_the_same_file_changes_nothing(store: Store) -> None:
    review = check_file(volunteers_xlsx(GOOD, ["李娜", "东湖区", "2025-06-18", 36, "13800000002"]))
    outcome = up.commit_review(store, review)
    diff = up.diff_against(store.load(outcome.snapshot.id), review.result.rows, "volunteers")
    assert (diff.added, diff.removed, diff.changed, diff.unchanged) == (0, 0, 0, 2)


def test_diff_summary_names_the_current_snapshot(store: Store) -> None:
    review = check_file(volunteers_xlsx(GOOD))
    outcome = up.commit_review(store, review)
    diff = up.diff_against(store.load(outcome.snapshot.id), review.result.rows, "volunteers")
    text = up.diff_summary(diff, outcome.snapshot)
    assert text.startswith(
        f"与当前快照 #{outcome.snapshot.id}（截至 2026-11-15）相比：新增 **0** 行"
    )
