"""红黑榜: ranking, thresholds, ties and the black-list streak across weekly snapshots."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from civdash.config import Settings
from civdash.metrics import COLUMN_LABELS, red_black_list

AS_OF = date(2026, 11, 15)


def _lists(table: pd.DataFrame) -> dict[str, str]:
    return dict(zip(table["unit"], table["list"], strict=True))


def _issues(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    """(unit, status, deadline) rows, all found on 2026-11-01."""
    return pd.DataFrame(
        {
            "issue_id": [f"q{i}" for i in range(len(rows))],
            "found_on": pd.to_datetime(["2026-11-01"] * len(rows)),
            "description": ["问题"] * len(rows),
            "responsible_unit": [r[0] for r in rows],
            "status": [r[1] for r in rows],
            "deadline": pd.to_datetime([r[2] for r in rows]),
            "rectified_on": pd.to_datetime(
                ["2026-11-03" if r[1] in ("已整改", "已销号") else None for r in rows]
            ),
        }
    )


def test_rank_rule_puts_best_on_red_and_worst_on_black(issues):
    # 城管局 2/2 = 100 %, 交警支队 2/3, 住建局 0/2 (f is long-term and not assessed)
    table = red_black_list(issues, AS_OF, top_n=1, bottom_n=1)
    assert _lists(table) == {"城管局": "红榜", "交警支队": "", "住建局": "黑榜"}
    assert table["unit"].tolist() == ["城管局", "交警支队", "住建局"]
    assert table["rank"].tolist() == [1, 2, 3]


def test_table_carries_counts_rate_and_streak_with_chinese_headers(issues):
    table = red_black_list(issues, AS_OF, top_n=1, bottom_n=1)
    row = table.set_index("unit").loc["交警支队"]
    assert (row["issues"], row["assessed"], row["closed"], row["open"], row["overdue"]) == (
        3,
        3,
        2,
        1,
        1,
    )
    assert row["close_rate"] == pytest.approx(200 / 3)
    assert set(table.columns) <= set(COLUMN_LABELS)
    assert COLUMN_LABELS["black_streak"] == "连续上黑榜周数"


@pytest.mark.parametrize(
    ("red_at", "black_below", "expected"),
    [
        (90, 85, {"城管局": "红榜", "交警支队": "黑榜", "住建局": "黑榜"}),
        (60, 50, {"城管局": "红榜", "交警支队": "红榜", "住建局": "黑榜"}),
        (101, 0, {"城管局": "", "交警支队": "", "住建局": ""}),
    ],
)
def test_threshold_rule_compares_rates_with_configured_lines(issues, red_at, black_below, expected):
    table = red_black_list(issues, AS_OF, rule="threshold", red_at=red_at, black_below=black_below)
    assert _lists(table) == expected


def test_list_sizes_default_to_settings(issues):
    table = red_black_list(issues, AS_OF, settings=Settings(red_list_size=2, black_list_size=1))
    assert _lists(table) == {"城管局": "红榜", "交警支队": "红榜", "住建局": "黑榜"}


def test_tie_on_rate_is_broken_by_fewer_overdue_issues():
    frame = _issues(
        [
            ("甲局", "已整改", "2026-11-05"),
            ("甲局", "待整改", "2026-11-05"),  # overdue
            ("乙局", "已整改", "2026-11-05"),
            ("乙局", "待整改", "2026-11-30"),  # not yet due
        ]
    )
    table = red_black_list(frame, AS_OF, top_n=1, bottom_n=1)
    assert _lists(table) == {"乙局": "红榜", "甲局": "黑榜"}


def test_unit_that_rectified_everything_is_never_black_listed_by_rank():
    frame = _issues([(u, "已整改", "2026-11-05") for u in ("甲局", "乙局", "丙局")])
    table = red_black_list(frame, AS_OF, top_n=1, bottom_n=2)
    assert sorted(_lists(table).values()) == ["", "", "红榜"]


def test_units_below_minimum_issue_count_are_ranked_on_nothing():
    frame = _issues(
        [
            ("甲局", "待整改", "2026-11-05"),
            ("乙局", "已整改", "2026-11-05"),
            ("乙局", "待整改", "2026-11-05"),
        ]
    )
    table = red_black_list(frame, AS_OF, top_n=1, bottom_n=1, min_issues=2)
    row = table.set_index("unit").loc["甲局"]
    assert row["list"] == ""
    assert row["rank"] is pd.NA


def test_lists_and_streak_of_empty_ledger_are_empty(issues):
    table = red_black_list(issues.iloc[0:0], AS_OF)
    assert table.empty
    assert "black_streak" in table.columns


def _week(issues: pd.DataFrame, black: bool) -> pd.DataFrame:
    """A snapshot where 住建局 is (or is not) the worst unit."""
    frame = issues.copy()
    if not black:
        frame.loc[frame["issue_id"].isin(["e", "g"]), "status"] = "已整改"
        frame.loc[frame["issue_id"].isin(["d"]), "status"] = "待整改"
        frame.loc[frame["issue_id"].isin(["a", "b"]), "status"] = "待整改"
    return frame


@pytest.mark.parametrize(
    ("weeks_back", "expected"),
    [
        # black this week and in snapshots 7 and 14 days earlier
        ({7: True, 14: True}, 3),
        # the week before was clean: the streak is this week only
        ({7: False, 14: True}, 1),
        # no snapshot near 7 days back: a missing week ends the streak
        ({14: True}, 1),
        # a snapshot 6 days back stands for last week (within 3 days of 7)
        ({6: True, 13: True}, 3),
        # several snapshots in one week count once
        ({7: True, 8: True}, 2),
    ],
)
def test_black_streak_counts_consecutive_weeks_from_history(issues, weeks_back, expected):
    history = {AS_OF - timedelta(days=d): _week(issues, black) for d, black in weeks_back.items()}
    table = red_black_list(issues, AS_OF, top_n=1, bottom_n=1, history=history)
    streaks = dict(zip(table["unit"], table["black_streak"], strict=True))
    assert streaks["住建局"] == expected
    assert streaks["城管局"] == 0


def test_history_keys_may_be_strings_or_timestamps(issues):
    history = {
        "2026-11-08": _week(issues, True),
        pd.Timestamp("2026-11-01"): _week(issues, True),
    }
    table = red_black_list(issues, "2026-11-15", top_n=1, bottom_n=1, history=history)
    assert table.set_index("unit").loc["住建局", "black_streak"] == 3


def test_list_by_missing_column_says_which_column(issues):
    with pytest.raises(KeyError, match="没有列『department』"):
        red_black_list(issues, AS_OF, by="department")
