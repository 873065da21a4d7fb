"""Each issue's state on a day: closed, overdue, days open, closed on time.

The issue metrics, the 红黑榜, the overdue layer of the map and the pages' overdue lists are all
built from these columns, so an issue is "overdue" in the same sense everywhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import pandas as pd

from civdash.ledgers.issues import CLOSED_STATUSES, LONG_TERM
from civdash.metrics.dates import DateLike, as_day, day_column

__all__ = ["issue_state", "shared_issue_states"]

_SHARED: ContextVar[dict[tuple[int, pd.Timestamp], tuple[pd.DataFrame, pd.DataFrame]] | None] = (
    ContextVar("civdash_issue_states", default=None)
)


@contextmanager
def shared_issue_states() -> Iterator[None]:
    """Inside this block (one thread's), `issue_state` of the same frame and day is worked out
    once: the three metrics built from it, computed together, share it."""
    token = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(token)


def issue_state(issues: pd.DataFrame, as_of: DateLike) -> pd.DataFrame:
    """A copy of `issues` with the columns every issue metric is built from.

    - `is_closed`: status 已整改 or 已销号;
    - `is_overdue`: not closed, not 长期整改, with a deadline before `as_of` (long-term never is);
    - `days_open`: days from found_on to rectified_on (closed) or to `as_of` (still open);
    - `closed_on_time`: for closed issues with a deadline, rectified on or before it (a closed
      issue without a rectification date cannot show it was on time: False); NA otherwise.
    """
    day = as_day(as_of)
    shared = _SHARED.get()
    if shared is not None:
        kept = shared.get((id(issues), day))
        if kept is not None and kept[0] is issues:
            return kept[1]
    out = _state(issues, day)
    if shared is not None:
        shared[(id(issues), day)] = (issues, out)  # the frame is kept: its id stays its own
    return out


def _state(issues: pd.DataFrame, day: pd.Timestamp) -> pd.DataFrame:
    out = issues.copy()
    status = out["status"].astype("string")
    closed = status.isin(CLOSED_STATUSES).fillna(False).astype(bool)
    long_term = status.eq(LONG_TERM).fillna(False).astype(bool)
    found = day_column(out, "found_on")
    deadline = day_column(out, "deadline")
    rectified = day_column(out, "rectified_on")
    out["is_closed"] = closed
    out["is_overdue"] = ~closed & ~long_term & deadline.notna() & (deadline < day)
    end = rectified.where(closed, day)
    out["days_open"] = (end - found).dt.days.astype("Int64")
    on_time = (rectified.notna() & (rectified <= deadline)).astype("boolean")
    out["closed_on_time"] = on_time.mask(~(closed & deadline.notna()))
    return out
