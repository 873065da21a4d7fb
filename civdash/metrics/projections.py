"""Targets: where a metric stands against its target, and when, at the recent pace, it gets there."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from civdash.metrics.catalogue import Better
from civdash.metrics.dates import DateLike, as_day
from civdash.metrics.trends import series_points

__all__ = ["Projection", "project_target"]


@dataclass(frozen=True)
class Projection:
    """Where a metric stands against its target and when, at the recent pace, it gets there.

    `gap` is what is still to go in the better direction (≤ 0: reached). `pace` is the change per
    week from a straight-line fit over the history. `projected_date` is None when the pace never
    reaches the target.
    """

    current: float
    target: float
    gap: float
    pace: float
    projected_date: date | None
    due: date | None
    on_track: bool
    message: str


def _cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def project_target(
    series: pd.DataFrame | pd.Series,
    target: float,
    due: DateLike | None,
    better: Better | None,
) -> Projection:
    """Project a metric's history (as from `metric_series`) to its target and due date.

    >>> s = pd.DataFrame({"as_of": pd.to_datetime(["2026-11-01", "2026-11-08"]), "value": [80, 82]})
    >>> project_target(s, 90, "2026-11-30", "higher").message
    '按当前进度无法按期完成：预计2026年12月6日达标，晚于完成时限2026年11月30日'
    """
    points = series_points(series).dropna()
    due_day = None if due is None or (isinstance(due, float) and math.isnan(due)) else due
    due_ts = as_day(due_day) if due_day is not None and pd.notna(due_day) else None
    due_date = due_ts.date() if due_ts is not None else None
    if points.empty:
        return Projection(
            math.nan, target, math.nan, math.nan, None, due_date, False, "暂无数据，无法测算进度"
        )
    current = float(points.iloc[-1])
    last = points.index[-1]
    direction = better or ("higher" if target >= float(points.iloc[0]) else "lower")
    sign = 1.0 if direction == "higher" else -1.0
    gap = (target - current) * sign
    pace = math.nan
    if len(points) >= 2:
        days = (points.index - points.index[0]).days.to_numpy(dtype="float64")
        slope = float(np.polyfit(days, points.to_numpy(dtype="float64"), 1)[0])
        # a flat history fits a slope of ±1e-15, not 0: treat rounding noise as no progress
        scale = max(float(np.abs(points.to_numpy(dtype="float64")).max()), 1.0)
        if abs(slope) < 1e-9 * scale:
            slope = 0.0
        pace = slope * 7.0
    if gap <= 0:
        return Projection(current, target, gap, pace, last.date(), due_date, True, "已达到目标")
    if due_ts is not None and last > due_ts:
        return Projection(
            current,
            target,
            gap,
            pace,
            None,
            due_date,
            False,
            f"已超过完成时限{_cn_date(due_ts.date())}，目标尚未完成",
        )
    if math.isnan(pace):
        return Projection(
            current, target, gap, pace, None, due_date, False, "只有一期数据，暂无法测算进度"
        )
    toward = pace * sign
    if toward <= 0:
        return Projection(
            current,
            target,
            gap,
            pace,
            None,
            due_date,
            False,
            "按当前进度无法按期完成：近期指标没有改善",
        )
    projected = (last + timedelta(days=math.ceil(round(gap / toward * 7.0, 6)))).date()
    if due_date is None:
        return Projection(
            current,
            target,
            gap,
            pace,
            projected,
            None,
            True,
            f"按当前进度预计{_cn_date(projected)}达标",
        )
    if projected <= due_date:
        return Projection(
            current,
            target,
            gap,
            pace,
            projected,
            due_date,
            True,
            f"按当前进度可按期完成：预计{_cn_date(projected)}达标",
        )
    return Projection(
        current,
        target,
        gap,
        pace,
        projected,
        due_date,
        False,
        f"按当前进度无法按期完成：预计{_cn_date(projected)}达标，晚于完成时限{_cn_date(due_date)}",
    )
