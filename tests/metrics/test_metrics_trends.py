"""Snapshots over time: metric series and week-over-week change."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest

from civdash.metrics import metric_series, week_over_week


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
