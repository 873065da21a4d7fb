"""Target projection: the gap, the pace fitted over the history, the date the target is reached
and the message the 目标进度 page shows."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from civdash.metrics import project_target


def _series(points: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame({"as_of": pd.to_datetime(list(points)), "value": list(points.values())})


def test_projection_on_pace_reaches_target_before_due():
    # +2 a week from 82: 8 to go is 4 weeks after 11-08
    p = project_target(_series({"2026-11-01": 80, "2026-11-08": 82}), 90, "2026-12-31", "higher")
    assert (p.current, p.gap, p.pace) == (82.0, 8.0, pytest.approx(2.0))
    assert p.projected_date == date(2026, 12, 6)
    assert p.on_track is True
    assert p.message == "按当前进度可按期完成：预计2026年12月6日达标"


def test_projection_behind_pace_says_it_cannot_finish_on_time():
    p = project_target(_series({"2026-11-01": 80, "2026-11-08": 82}), 90, "2026-11-30", "higher")
    assert p.on_track is False
    assert p.message == "按当前进度无法按期完成：预计2026年12月6日达标，晚于完成时限2026年11月30日"


def test_projection_of_lower_is_better_metric_counts_down():
    # overdue issues 20 → 14 in a week: 9 more to go at 6 a week is 10.5 → 11 days
    p = project_target(_series({"2026-11-01": 20, "2026-11-08": 14}), 5, "2026-11-30", "lower")
    assert (p.gap, p.pace) == (9.0, pytest.approx(-6.0))
    assert p.projected_date == date(2026, 11, 19)
    assert p.on_track is True


def test_projection_pace_is_a_straight_line_fit_over_the_whole_history():
    # 80, 81, 84 at weeks 0, 1, 2: least-squares slope 2 a week
    p = project_target(
        _series({"2026-11-01": 80, "2026-11-08": 81, "2026-11-15": 84}), 90, None, "higher"
    )
    assert p.pace == pytest.approx(2.0)
    assert p.projected_date == date(2026, 12, 6)
    assert p.message == "按当前进度预计2026年12月6日达标"


@pytest.mark.parametrize(
    ("points", "due", "on_track", "projected", "message"),
    [
        ({"2026-11-01": 85, "2026-11-08": 91}, "2026-12-31", True, date(2026, 11, 8), "已达到目标"),
        (
            {"2026-11-01": 80, "2026-11-08": 80},
            "2026-12-31",
            False,
            None,
            "按当前进度无法按期完成：近期指标没有改善",
        ),
        (
            {"2026-11-01": 82, "2026-11-08": 80},
            "2026-12-31",
            False,
            None,
            "按当前进度无法按期完成：近期指标没有改善",
        ),
        ({"2026-11-08": 80}, "2026-12-31", False, None, "只有一期数据，暂无法测算进度"),
        (
            {"2026-11-01": 80, "2026-12-05": 85},
            "2026-11-30",
            False,
            None,
            "已超过完成时限2026年11月30日，目标尚未完成",
        ),
        ({}, "2026-12-31", False, None, "暂无数据，无法测算进度"),
    ],
)
def test_projection_messages_for_each_situation(points, due, on_track, projected, message):
    p = project_target(_series(points), 90, due, "higher")
    assert (p.on_track, p.projected_date, p.message) == (on_track, projected, message)


def test_projection_accepts_a_series_indexed_by_date():
    s = pd.Series([80.0, 82.0], index=[date(2026, 11, 1), date(2026, 11, 8)])
    assert project_target(s, 90, date(2026, 12, 31), "higher").projected_date == date(2026, 12, 6)


def test_flat_history_below_target_cannot_finish_and_does_not_overflow():
    from civdash.metrics import project_target

    history = pd.Series(
        [320.0, 320.0, 320.0], index=pd.to_datetime(["2026-11-01", "2026-11-08", "2026-11-15"])
    )
    p = project_target(history, 350, "2026-12-31", "higher")
    assert p.pace == 0.0
    assert p.projected_date is None
    assert not p.on_track
