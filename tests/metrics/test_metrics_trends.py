"""Snapshots over time: metric series, week-over-week change and target projection."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest

from civdash.metrics import metric_series, project_target, week_over_week


def _volunteers(counts: dict[str, int]) -> pd.DataFrame:
    rows = [(d, i) for d, n in counts.items() for i in range(n)]
    return pd.DataFrame(
        {
            "name": [f"志愿者{i}" for i in range(len(rows))],
            "district": [d for d, _ in rows],
            "registered_on": pd.to_datetime(["2026-01-01"] * len(rows)),
            "hours": [10.0] * len(rows),
        }
    )


@pytest.fixture
def snapshots() -> dict[date, pd.DataFrame]:
    return {
        date(2026, 11, 15): _volunteers({"东湖区": 9, "西湖区": 6}),
        date(2026, 11, 1): _volunteers({"东湖区": 6, "西湖区": 4}),
        date(2026, 11, 8): _volunteers({"东湖区": 8, "西湖区": 4}),
    }


def test_metric_series_is_one_value_per_snapshot_sorted_by_date(snapshots):
    series = metric_series("注册志愿者人数", snapshots)
    assert series["as_of"].dt.date.tolist() == [date(2026, 11, d) for d in (1, 8, 15)]
    assert series["value"].tolist() == [10.0, 12.0, 15.0]


def test_metric_series_of_one_district_uses_its_population(snapshots):
    series = metric_series(
        "volunteer_rate", snapshots, district="东湖区", population={"东湖区": 200, "西湖区": 100}
    )
    assert series["value"].tolist() == pytest.approx([3.0, 4.0, 4.5])


@pytest.mark.parametrize(
    ("dates", "as_of", "expected"),
    [
        # weekly snapshots: last week's is 7 days back
        (["11-01", "11-08", "11-15"], "11-15", (15.0, 12.0, date(2026, 11, 8))),
        # closest to 7 days back wins: 11-07 (8 days) over 11-10 (5 days)
        (["11-07", "11-10", "11-15"], "11-15", (15.0, 7.0, date(2026, 11, 7))),
        # equally close (6 and 8 days back): the older one, a full week
        (["11-07", "11-09", "11-15"], "11-15", (15.0, 7.0, date(2026, 11, 7))),
        # as-of between snapshots: current is the latest on or before it
        (["11-01", "11-08", "11-15"], "11-12", (12.0, 10.0, date(2026, 11, 1))),
    ],
)
def test_week_over_week_compares_with_snapshot_closest_to_a_week_earlier(dates, as_of, expected):
    days = pd.to_datetime([f"2026-{d}" for d in dates])
    values = {
        "11-01": 10.0,
        "11-07": 7.0,
        "11-08": 12.0,
        "11-09": 9.0,
        "11-10": 11.0,
        "11-15": 15.0,
    }
    series = pd.DataFrame({"as_of": days, "value": [values[d] for d in dates]})
    assert week_over_week(series, f"2026-{as_of}") == expected


@pytest.mark.parametrize(
    ("dates", "as_of", "current"),
    [
        (["11-15"], "11-15", 1.0),  # only one snapshot: nothing to compare with
        (["11-15"], "11-01", None),  # as-of before every snapshot: no current value either
        ([], "11-15", None),  # no snapshots at all
    ],
)
def test_week_over_week_without_earlier_snapshot_gives_nan_and_no_date(dates, as_of, current):
    series = pd.DataFrame(
        {"as_of": pd.to_datetime([f"2026-{d}" for d in dates]), "value": [1.0] * len(dates)}
    )
    now, previous, previous_date = week_over_week(series, f"2026-{as_of}")
    assert math.isnan(now) if current is None else now == current
    assert math.isnan(previous)
    assert previous_date is None


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
