"""Dates as the metrics take them: an "as of" day, a ledger's date column, the snapshot a week back.

Callers pass dates as date, datetime, Timestamp or ISO text (`DateLike`); every metric works on
whole days, so times and time zones are dropped here, once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TypeAlias

import pandas as pd

__all__ = ["DateLike", "as_day", "closest_snapshot", "day_column"]

DateLike: TypeAlias = date | datetime | pd.Timestamp | str
"""A date as callers pass it: date, datetime, Timestamp or ISO text."""


def as_day(value: DateLike) -> pd.Timestamp:
    """`value` as a midnight Timestamp without time zone; unreadable text is a Chinese error."""
    ts = pd.Timestamp(value)
    if ts is pd.NaT:
        raise ValueError(f"截至日期『{value}』无法识别，请使用 2026-11-15 这样的日期。")
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts.normalize()


def day_column(frame: pd.DataFrame, column: str) -> pd.Series:
    """The dates of `column` as whole days (NaT where blank, unreadable or the column is absent)."""
    if column not in frame.columns:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    return pd.to_datetime(frame[column], errors="coerce").dt.normalize()


def closest_snapshot(
    dates: Sequence[pd.Timestamp], target: pd.Timestamp, before: pd.Timestamp, window_days: int
) -> pd.Timestamp | None:
    """The date among `dates` before `before` closest to `target`, at most `window_days` away.

    "Last week's snapshot" is the one closest to 7 days back: offices do not upload on the same
    weekday every week. On a tie the older snapshot (a full week back) wins.
    """
    best: pd.Timestamp | None = None
    best_key: tuple[float, float] | None = None
    for d in dates:
        if d >= before:
            continue
        gap = abs((d - target).days)
        if gap > window_days:
            continue
        key = (gap, (d - target).days)
        if best_key is None or key < best_key:
            best, best_key = d, key
    return best
