"""A metric over time: its value at each snapshot, and the "较上周" comparison."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, timedelta
from typing import NamedTuple

import pandas as pd

from civdash.config import DEFAULT_SETTINGS, Settings
from civdash.metrics.catalogue import metric_key
from civdash.metrics.computing import compute
from civdash.metrics.dates import DateLike, as_day, closest_snapshot

__all__ = ["WeekOverWeek", "metric_series", "series_points", "week_over_week"]


def metric_series(
    key: str,
    snapshots: Mapping[DateLike, pd.DataFrame],
    *,
    district: str | None = None,
    population: float | Mapping[str, float] | None = None,
    settings: Settings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """The metric at each snapshot date: a frame (as_of, value) sorted by date.

    `district` (canonical name; "" or None = city-wide) restricts every snapshot to one district,
    and then a population mapping supplies that district's population.
    """
    mkey = metric_key(key)
    rows: list[tuple[pd.Timestamp, float]] = []
    for when, frame in snapshots.items():
        day = as_day(when)
        pop = population
        if district:
            frame = frame[frame["district"].astype("string") == district]
            if isinstance(population, Mapping):
                pop = population.get(district)
        value = compute(mkey, frame, as_of=day, population=pop, settings=settings)
        rows.append((day, float(value)))  # type: ignore[arg-type]
    out = pd.DataFrame(rows, columns=["as_of", "value"])
    out["as_of"] = pd.to_datetime(out["as_of"])
    out["value"] = out["value"].astype("float64")
    return out.sort_values("as_of", kind="stable").reset_index(drop=True)


class WeekOverWeek(NamedTuple):
    """A value, the one a week earlier and that snapshot's date (NaN / None when missing)."""

    current: float
    previous: float
    previous_date: date | None


def series_points(series: pd.DataFrame | pd.Series) -> pd.Series:
    """A history as values indexed by whole days, sorted: a frame (as_of, value) as from
    `metric_series`, or a Series indexed by date. Two values on one day: the later one counts."""
    if isinstance(series, pd.DataFrame):
        s = pd.Series(series["value"].to_numpy(dtype="float64"), index=series["as_of"])
    else:
        s = series.astype("float64")
    s.index = pd.DatetimeIndex([as_day(d) for d in s.index])
    s = s.groupby(level=0).last()
    return s.sort_index()


def week_over_week(series: pd.DataFrame | pd.Series, as_of: DateLike) -> WeekOverWeek:
    """(current, previous, previous_date) for a "较上周" figure.

    `current` is the value of the latest snapshot on or before `as_of`; `previous` that of the
    earlier snapshot closest to 7 days before it (on a tie, the older one). Missing → NaN / None.
    """
    points = series_points(series)
    points = points[points.index <= as_day(as_of)]
    if points.empty:
        return WeekOverWeek(math.nan, math.nan, None)
    now = points.index[-1]
    prev = closest_snapshot(list(points.index[:-1]), now - timedelta(days=7), now, 10**6)
    if prev is None:
        return WeekOverWeek(float(points.iloc[-1]), math.nan, None)
    return WeekOverWeek(float(points.iloc[-1]), float(points[prev]), prev.date())
