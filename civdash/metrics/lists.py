"""红黑榜: the weekly red and black lists of responsible units, ranked by rectification rate.

Each week the office names the units that rectify best (红榜) and worst (黑榜); a unit that
stays on the black list week after week is called out by its streak (连续上黑榜周数), judged
from the earlier issue snapshots by the same rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

import numpy as np
import pandas as pd

from civdash.config import DEFAULT_SETTINGS, Settings
from civdash.ledgers.issues import LONG_TERM, real_issues
from civdash.metrics.dates import DateLike, as_day, closest_snapshot
from civdash.metrics.format import MISSING_GROUP
from civdash.metrics.state import issue_state

__all__ = ["red_black_list", "unit_counts"]


@dataclass(frozen=True)
class _ListRule:
    by: str
    rule: Literal["rank", "threshold"]
    top_n: int
    bottom_n: int
    red_at: float
    black_below: float
    min_issues: int


_COUNTS = ("unit", "issues", "assessed", "closed", "overdue")
_COLUMNS = ("unit", "issues", "assessed", "closed", "open", "overdue", "close_rate", "rank", "list")


def unit_counts(
    issues: pd.DataFrame, as_of: DateLike, by: str = "responsible_unit"
) -> pd.DataFrame:
    """What the 红黑榜 judges each unit on, from the issues ledger: its issues, those assessed
    (not 长期整改), closed and overdue on `as_of`. Columns: unit, issues, assessed, closed,
    overdue; one row per unit (blank as 未填写), sorted by unit. The stored metric aggregates
    give the same table without the rows (`civdash.aggregates.unit_counts`)."""
    rows = real_issues(issues)
    if rows.empty:
        return pd.DataFrame({c: pd.Series(dtype="int64") for c in _COUNTS}).astype(
            {"unit": "string"}
        )
    state = issue_state(rows, as_day(as_of))
    assessed = state["status"].astype("string").ne(LONG_TERM).fillna(True)
    unit = state[by].astype("string").str.strip().fillna("")
    unit = unit.mask(unit == "", MISSING_GROUP)
    parts = pd.DataFrame(
        {
            "unit": unit,
            "issues": 1,
            "assessed": assessed.astype(int),
            "closed": (state["is_closed"] & assessed).astype(int),
            "overdue": state["is_overdue"].astype(int),
        }
    )
    return parts.groupby("unit", sort=True).sum().reset_index()


def rank_lists(
    ranked: pd.Index, top_n: int, bottom_n: int, may_be_black: pd.Series
) -> tuple[pd.Index, pd.Index]:
    """The red and black lists of the rank rule: the first `top_n` of `ranked` (best first) and
    the last `bottom_n` of the rest that `may_be_black` allows. Neither list reaches past the
    middle of those ranked, so with few groups (three streets, a top 3) the worst is never red.

    >>> red, black = rank_lists(pd.Index(["a", "b", "c"]), 3, 3, pd.Series(True, index=["a", "b", "c"]))
    >>> list(red), list(black)
    (['a', 'b'], ['c'])
    """
    half = (len(ranked) + 1) // 2
    red = ranked[: max(min(top_n, half), 0)]
    rest = ranked.drop(red)
    rest = rest[may_be_black.reindex(rest).fillna(False).to_numpy(dtype=bool)]
    bottom = max(min(bottom_n, half), 0)
    black = rest[len(rest) - bottom :] if bottom else rest[:0]
    return red, black


def _unit_table(counts: pd.DataFrame, rule: _ListRule) -> pd.DataFrame:
    if counts.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in _COLUMNS}).astype(
            {"unit": "string", "list": "string", "rank": "Int64"}
        )
    table = counts.reset_index(drop=True)
    table["open"] = table["assessed"] - table["closed"]
    rate = table["closed"] / table["assessed"].where(table["assessed"] > 0) * 100.0
    table["close_rate"] = rate.astype("float64")
    eligible = table["close_rate"].notna() & (table["assessed"] >= rule.min_issues)
    ranked = table[eligible].sort_values(
        ["close_rate", "overdue", "assessed", "unit"],
        ascending=[False, True, False, True],
        kind="stable",
    )
    table["rank"] = pd.Series(pd.NA, index=table.index, dtype="Int64")
    table.loc[ranked.index, "rank"] = np.arange(1, len(ranked) + 1)
    lists = pd.Series("", index=table.index, dtype="string")
    if rule.rule == "threshold":
        lists[eligible & (table["close_rate"] >= rule.red_at)] = "红榜"
        lists[eligible & (table["close_rate"] < rule.black_below)] = "黑榜"
    else:
        # a unit that has rectified everything is never black-listed, whatever its rank
        red, black = rank_lists(
            ranked.index, rule.top_n, rule.bottom_n, ranked["close_rate"] < 100.0
        )
        lists[red] = "红榜"
        lists[black] = "黑榜"
    table["list"] = lists
    order = table.sort_values(["rank", "unit"], na_position="last", kind="stable")
    return order[list(_COLUMNS)].reset_index(drop=True)


def red_black_list(
    issues: pd.DataFrame,
    as_of: DateLike,
    *,
    by: str = "responsible_unit",
    rule: Literal["rank", "threshold"] = "rank",
    top_n: int | None = None,
    bottom_n: int | None = None,
    red_at: float = 90.0,
    black_below: float = 85.0,
    min_issues: int = 1,
    history: Mapping[DateLike, pd.DataFrame] | None = None,
    settings: Settings = DEFAULT_SETTINGS,
    history_counts: Mapping[DateLike, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """The weekly 红黑榜 of responsible units, ranked by rectification rate.

    `rule="rank"`: the best `top_n` units go on the red list and the worst `bottom_n` of the
    rest on the black list (a unit at 100 % never does); `rule="threshold"`: rate ≥ `red_at` is
    red, rate < `black_below` is black. Sizes default to the settings. Ties are broken by fewer
    overdue issues, then more issues, then name. Units with fewer than `min_issues` assessed
    issues (long-term ones do not count) are ranked on nothing and listed nowhere.

    `black_streak` is the number of consecutive weeks, up to this one, the unit has been on the
    black list: `history` holds earlier issue snapshots by date, and for each week back the
    snapshot closest to 7, 14, … days earlier (within 3 days) is judged by the same rule; a
    missing week ends the streak. `history_counts` may give some of those weeks as their
    `unit_counts` instead (from the stored aggregates: no rows to read).

    Columns: unit, issues, assessed, closed, open, overdue, close_rate, rank, list, black_streak
    (Chinese headers in `COLUMN_LABELS`).
    """
    day = as_day(as_of)
    spec = _ListRule(
        by=by,
        rule=rule,
        top_n=settings.red_list_size if top_n is None else top_n,
        bottom_n=settings.black_list_size if bottom_n is None else bottom_n,
        red_at=red_at,
        black_below=black_below,
        min_issues=min_issues,
    )
    if by not in issues.columns:
        raise KeyError(f"问题整改台账中没有列『{by}』，无法生成红黑榜。")
    table = _unit_table(unit_counts(issues, day, by), spec)
    streak = (table["list"] == "黑榜").astype(int)
    snapshots = {as_day(d): f for d, f in (history or {}).items()}
    counted = {as_day(d): c for d, c in (history_counts or {}).items()}
    dates = sorted(set(snapshots) | set(counted))
    still = set(table.loc[table["list"] == "黑榜", "unit"])
    week, newer = 1, day
    while still and dates:
        snap = closest_snapshot(dates, day - timedelta(days=7 * week), newer, window_days=3)
        if snap is None:
            break
        counts = counted.get(snap)
        if counts is None:
            counts = unit_counts(snapshots[snap], snap, by)
        earlier = _unit_table(counts, spec)
        black = set(earlier.loc[earlier["list"] == "黑榜", "unit"])
        still &= black
        streak += table["unit"].isin(still).astype(int)
        week, newer = week + 1, snap
    table["black_streak"] = streak.astype("int64")
    return table
