"""问题整改 page: the rectification loop and who is late, as one frozen `IssuesView`.

`build_issues_view(led, table_for, rule=…, lists=…)` turns the issues ledger in force (already
narrowed to the sidebar's district) into headline cards, status by week, new vs closed per week,
the aging of open issues, the overdue list, breakdowns by category / point type / source, and the
红黑榜 of responsible units.

The 红黑榜 comes from `metrics.red_black_list` under a `ListRule` the page lets the user change
(rank: best N red, worst M black; or thresholds: red ≥ X %, black < Y %). Its black-list streak
needs every earlier weekly snapshot, which makes it the slow part of the page, so it is computed
apart by `unit_lists(led, loader, rule)` and the app caches it by snapshot ids and rule.

The 督办 tab's tables come from here too: who gets a 督办通知 (`notice_table` of
`notices.notice_units`), the escalation records (`escalation_table`), and each unit's latest
escalation beside the 红黑榜 (`latest_escalations`, `with_latest_escalation`), read from the store
on each run since editors change them.

No personal data leaves this module: phone and ID numbers that complaints paste into a
description or location are masked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from types import MappingProxyType
from typing import Literal

import altair as alt
import pandas as pd

from civdash import palette
from civdash.charts import (
    BREAKDOWN_FIELDS,
    Chart,
    group_bars,
    issue_breakdown,
    issue_status_by_week,
    issues_new_vs_closed,
    open_issue_aging,
    red_black_chart,
    top_groups,
)
from civdash.config import Settings
from civdash.dashboard import Ledgers, Loader
from civdash.districts import DistrictTable
from civdash.metrics import (
    COLUMN_LABELS,
    DateLike,
    issue_state,
    real_issues,
    red_black_list,
)
from civdash.names import shorten
from civdash.privacy import mask_free_text
from civdash.store import LOCAL_TZ, SnapshotInfo
from civdash.views.common import Headline, TableFor, headlines_for

__all__ = [
    "BREAKDOWNS",
    "DEFAULT_BLACK_BELOW",
    "DEFAULT_RED_AT",
    "ESCALATION_HEADERS",
    "HEADLINE_METRICS",
    "LATEST_ESCALATION",
    "NOTICE_HEADERS",
    "OVERDUE_LIMIT",
    "RULE_LABELS",
    "IssuesView",
    "ListRule",
    "build_issues_view",
    "escalation_label",
    "escalation_table",
    "escalation_units",
    "latest_escalations",
    "notice_file_name",
    "notice_table",
    "overdue_table",
    "unit_lists",
    "with_latest_escalation",
]

HEADLINE_METRICS = ("issue_count", "issue_close_rate", "issue_on_time_rate", "overdue_issues")
BREAKDOWNS = ("category", "point_type", "source")
"""Issue fields the page breaks the issues down by."""
OVERDUE_LIMIT = 2_000
"""Most overdue issues the table sends to the browser (the longest overdue first)."""

DEFAULT_RED_AT = 90.0
"""Threshold rule: a rectification rate at or above this is 红榜 (domain.md's common rule)."""
DEFAULT_BLACK_BELOW = 85.0
"""Threshold rule: a rectification rate below this is 黑榜."""

RuleKind = Literal["rank", "threshold"]
RULE_LABELS: Mapping[RuleKind, str] = MappingProxyType(
    {"rank": "按排名（排名靠前的上红榜、靠后的上黑榜）", "threshold": "按整改率阈值"}
)


@dataclass(frozen=True)
class ListRule:
    """How the 红黑榜 is drawn up; the defaults come from `Settings` and domain.md."""

    rule: RuleKind = "rank"
    top_n: int = 5
    bottom_n: int = 5
    red_at: float = DEFAULT_RED_AT
    black_below: float = DEFAULT_BLACK_BELOW
    min_issues: int = 1
    """Units with fewer assessed issues are not ranked (a single issue says little)."""

    @staticmethod
    def from_settings(settings: Settings, rule: RuleKind = "rank") -> ListRule:
        return ListRule(rule=rule, top_n=settings.red_list_size, bottom_n=settings.black_list_size)

    @property
    def text(self) -> str:
        """The rule in words, e.g. "整改率排名前5名上红榜，后5名上黑榜"."""
        floor = (
            f"（纳入考核问题少于{self.min_issues}个的单位不参评）" if self.min_issues > 1 else ""
        )
        if self.rule == "threshold":
            return f"整改率≥{self.red_at:g}%上红榜，低于{self.black_below:g}%上黑榜{floor}"
        return (
            f"整改率排名前{self.top_n}名上红榜，后{self.bottom_n}名上黑榜"
            f"（整改率100%的单位不上黑榜）{floor}"
        )


def _narrow(frame: pd.DataFrame, district: str | None) -> pd.DataFrame:
    if district is None or "district" not in frame.columns:
        return frame
    return frame[frame["district"] == district]


CountsFor = Callable[[SnapshotInfo, str | None], pd.DataFrame | None]
"""(issues snapshot, district) → its `metrics.lists.unit_counts` from the stored aggregates, or
None when it has none (the app passes `ui.unit_counts_for`)."""


def unit_lists(
    led: Ledgers, loader: Loader, rule: ListRule, counts_for: CountsFor | None = None
) -> pd.DataFrame:
    """`metrics.red_black_list` of the responsible units in scope under `rule`.

    The black-list streak is judged on the earlier issue snapshots, in the same district, by the
    same rule: from their stored aggregates (`counts_for`) where they have them, else from
    their rows (`loader`: snapshot id → rows).
    """
    snap = led.snapshots["issues"]
    history: dict[DateLike, pd.DataFrame] = {}
    history_counts: dict[DateLike, pd.DataFrame] = {}
    for s in led.history.get("issues", ()):
        if s.as_of >= snap.as_of:
            continue
        counts = counts_for(s, led.district) if counts_for is not None else None
        if counts is not None:
            history_counts[s.as_of] = counts
        else:
            history[s.as_of] = _narrow(loader(s.id), led.district)
    return red_black_list(
        led.frame("issues"),
        snap.as_of,
        rule=rule.rule,
        top_n=rule.top_n,
        bottom_n=rule.bottom_n,
        red_at=rule.red_at,
        black_below=rule.black_below,
        min_issues=rule.min_issues,
        history=history,
        settings=led.settings,
        history_counts=history_counts,
    )


@dataclass(frozen=True)
class IssuesView:
    """Everything the 问题整改 page shows for one scope, as-of date and 红黑榜 rule.

    Charts, the overdue list and the 红黑榜 are computed when first read, so a page that shows
    one tab at a time pays only for that tab.
    """

    scope: str
    as_of: date
    previous_as_of: date | None
    headlines: tuple[Headline, ...]
    rule: ListRule
    history_weeks: int
    """Weekly snapshots the streak can look back on (the one in force included)."""
    issues: pd.DataFrame = field(repr=False)
    """The issues ledger in scope (canonical columns)."""
    lists_for: Callable[[], pd.DataFrame] = field(repr=False, compare=False)
    districts: DistrictTable | None = field(default=None, repr=False, compare=False)
    """The district table, for the short names of the overdue table's 区县 column."""

    @cached_property
    def status_by_week(self) -> Chart:
        return issue_status_by_week(self.issues, as_of=self.as_of)

    @cached_property
    def new_vs_closed(self) -> Chart:
        return issues_new_vs_closed(self.issues, as_of=self.as_of)

    @cached_property
    def aging(self) -> Chart:
        return open_issue_aging(self.issues, as_of=self.as_of)

    @cached_property
    def overdue_by_point_type(self) -> Chart:
        """Overdue issues per inspection point type (where the backlog sits), in the 逾期 red."""
        return _overdue_by(self.issues, self.as_of, "point_type")

    @cached_property
    def breakdowns(self) -> tuple[tuple[str, Chart], ...]:
        """(field's Chinese name, bar chart) for category, point type and source."""
        return tuple(
            (BREAKDOWN_FIELDS[f], issue_breakdown(self.issues, f))
            for f in BREAKDOWNS
            if f in self.issues.columns
        )

    @cached_property
    def _overdue(self) -> tuple[pd.DataFrame, int]:
        table, total = overdue_table(self.issues, self.as_of)
        # thirteen columns share the page's width: 区县 is a narrow one (civdash.names)
        table["区县"] = shorten(table["区县"], self.districts)
        return table, total

    @property
    def overdue(self) -> pd.DataFrame:
        """Open issues past their deadline, longest overdue first (display headers, masked,
        districts by their short names), at most `OVERDUE_LIMIT` rows."""
        return self._overdue[0]

    @property
    def overdue_total(self) -> int:
        return self._overdue[1]

    @property
    def overdue_note(self) -> str:
        """What the overdue table holds, in a sentence."""
        more = (
            f"，显示逾期最久的 {OVERDUE_LIMIT:,} 个" if self.overdue_total > OVERDUE_LIMIT else ""
        )
        return (
            f"共 {self.overdue_total:,} 个逾期未整改问题{more}，"
            "按逾期天数从长到短排列；点击列标题可排序。"
        )

    @property
    def lists_note(self) -> str:
        """The rule in force and what the streak is judged on."""
        return (
            f"规则：{self.rule.text}。"
            f"连续上黑榜周数按近 {self.history_weeks} 期周台账用同一规则计算。"
        )

    @cached_property
    def lists(self) -> pd.DataFrame:
        """`metrics.red_black_list` columns (unit, …, list, black_streak)."""
        return self.lists_for()

    def _listed(self, which: str) -> pd.DataFrame:
        return self.lists[self.lists["list"].astype("string").fillna("") == which]

    @cached_property
    def red(self) -> pd.DataFrame:
        """The red list for display, best first."""
        rows = self._listed("红榜").sort_values("rank", kind="stable")
        return _unit_table(rows, ("rank", "unit", "close_rate", "assessed", "closed", "overdue"))

    @cached_property
    def black(self) -> pd.DataFrame:
        """The black list for display, worst first, with each unit's weeks in a row on it."""
        rows = self._listed("黑榜").sort_values("rank", ascending=False, kind="stable")
        return _unit_table(
            rows, ("rank", "unit", "close_rate", "assessed", "open", "overdue", "black_streak")
        )

    @cached_property
    def units(self) -> pd.DataFrame:
        """Every responsible unit in scope with its rank and list (display headers)."""
        return _unit_table(self.lists)

    @cached_property
    def lists_chart(self) -> Chart:
        # one readable row per unit, however many units the rule lists
        return red_black_chart(self.lists).properties(height=alt.Step(24))


_OVERDUE_COLUMNS = {
    "days_overdue": "逾期天数",
    "issue_id": "问题编号",
    "district": "区县",
    "street": "街道/乡镇",
    "location": "具体点位",
    "point_type": "点位类型",
    "category": "问题类别",
    "description": "问题描述",
    "responsible_unit": "责任单位",
    "found_on": "发现日期",
    "deadline": "整改时限",
    "status": "整改状态",
    "source": "问题来源",
}


def overdue_table(
    issues: pd.DataFrame, as_of: date, *, limit: int | None = OVERDUE_LIMIT
) -> tuple[pd.DataFrame, int]:
    """Open issues past their deadline at `as_of`, longest overdue first, with display headers
    (逾期天数, 问题编号, 区县, … ; free text masked): the first `limit` rows (all for None) and
    how many there are."""
    state = issue_state(real_issues(issues), as_of)
    late = state[state["is_overdue"]]
    day = pd.Timestamp(as_of)
    deadline = pd.to_datetime(late["deadline"], errors="coerce").dt.normalize()
    table = pd.DataFrame(index=late.index)
    table["days_overdue"] = (day - deadline).dt.days.astype("int64")
    for col in _OVERDUE_COLUMNS:
        if col == "days_overdue":
            continue
        if col not in late.columns:
            table[col] = pd.Series("", index=late.index, dtype="string")
        elif col in ("found_on", "deadline"):
            table[col] = pd.to_datetime(late[col], errors="coerce").dt.date
        elif col in ("description", "location"):
            table[col] = mask_free_text(late[col].astype("string"))
        else:
            table[col] = late[col].astype("string")
    table = table.sort_values(
        ["days_overdue", "responsible_unit", "issue_id"],
        ascending=[False, True, True],
        kind="stable",
    )
    shown = (
        (table if limit is None else table.head(limit))
        .rename(columns=_OVERDUE_COLUMNS)
        .reset_index(drop=True)
    )
    return shown, len(table)


def _overdue_by(issues: pd.DataFrame, as_of: date, field: str, top: int = 10) -> alt.LayerChart:
    state = issue_state(real_issues(issues), as_of)
    late = state.loc[state["is_overdue"], field] if field in state else pd.Series(dtype="string")
    name = BREAKDOWN_FIELDS[field]
    return group_bars(
        top_groups(late, top),
        title=f"逾期未整改问题（按{name}）",
        field=name,
        measure="逾期问题数",
        color=palette.OVERDUE_COLOR,
    )


_UNIT_COLUMNS = (
    "rank",
    "unit",
    "list",
    "close_rate",
    "assessed",
    "closed",
    "open",
    "overdue",
    "black_streak",
    "issues",
)


def _unit_table(lists: pd.DataFrame, columns: tuple[str, ...] = _UNIT_COLUMNS) -> pd.DataFrame:
    table = lists[list(columns)].copy()
    if "close_rate" in table.columns:
        table["close_rate"] = table["close_rate"].astype("float64").round(1)
    if "list" in table.columns:
        table["list"] = table["list"].astype("string").fillna("").replace("", "—")
    return table.rename(columns=dict(COLUMN_LABELS)).reset_index(drop=True)


def build_issues_view(
    led: Ledgers,
    table_for: TableFor,
    *,
    rule: ListRule,
    lists: pd.DataFrame | Callable[[], pd.DataFrame],
) -> IssuesView:
    """The 问题整改 page for the ledgers in force (`led` must hold an issues snapshot).

    `lists` is the 红黑榜 under `rule`, `unit_lists(led, loader, rule)`, or a function returning
    it when the page first needs it (the app passes its cached one).
    """
    snap = led.snapshots["issues"]
    prev = led.previous.get("issues")
    table = lists
    return IssuesView(
        scope=led.scope_label,
        as_of=snap.as_of,
        previous_as_of=prev.as_of if prev else None,
        headlines=headlines_for(led, "issues", HEADLINE_METRICS, table_for),
        rule=rule,
        history_weeks=len(led.history.get("issues", ())),
        issues=led.frame("issues"),
        lists_for=table if callable(table) else lambda: table,
        districts=led.districts,
    )


# ---------------------------------------------------------------- 督办: notices and escalations

ESCALATION_HEADERS: Mapping[str, str] = MappingProxyType(
    {
        "id": "编号",
        "responsible_unit": "责任单位",
        "level": "级别",
        "on_date": "日期",
        "reason": "事由",
        "district": "所属区县",
        "recorded_by": "记录人",
        "recorded_at": "记录时间",
    }
)
"""`Store.escalations` columns → the 督办记录 table's headers."""
LATEST_ESCALATION = "最近督办"
"""The 红黑榜 column naming each unit's latest escalation, e.g. "约谈（2026-11-20）"."""
NOTICE_HEADERS: Mapping[str, str] = MappingProxyType(
    {
        "responsible_unit": "责任单位",
        "overdue": "逾期问题数",
        "max_days_overdue": "最长逾期天数",
        "lost_items": "失分项数",
        "points_lost": "失分",
        "latest": LATEST_ESCALATION,
    }
)


def escalation_table(escalations: pd.DataFrame) -> pd.DataFrame:
    """The escalation records as the 督办 tab lists them, newest first (China time; a city
    department's 所属区县 reads 市直部门)."""
    rows = escalations.sort_values(["on_date", "id"], ascending=False, kind="stable")
    table = rows[list(ESCALATION_HEADERS)].copy()
    table["on_date"] = pd.to_datetime(table["on_date"]).dt.date
    table["district"] = table["district"].astype("string").fillna("市直部门")
    table["reason"] = mask_free_text(table["reason"].astype("string"))
    table["recorded_at"] = [
        f"{pd.Timestamp(t).tz_convert(LOCAL_TZ):%Y-%m-%d %H:%M}" if pd.notna(t) else ""
        for t in table["recorded_at"]
    ]
    return table.rename(columns=dict(ESCALATION_HEADERS)).reset_index(drop=True)


def escalation_label(record: Mapping[str, object]) -> str:
    """A record in a picker: "#3 市住建局 · 约谈 · 2026-11-20"."""
    day = pd.Timestamp(record["on_date"])  # type: ignore[arg-type]
    return f"#{record['id']} {record['responsible_unit']} · {record['level']} · {day:%Y-%m-%d}"


def latest_escalations(escalations: pd.DataFrame) -> dict[str, str]:
    """Unit → its latest escalation in words, "约谈（2026-11-20）" (by date, then as recorded)."""
    if escalations.empty:
        return {}
    rows = escalations.sort_values(["on_date", "id"], kind="stable")
    last = rows.groupby("responsible_unit", sort=False).tail(1)
    return {
        str(r.responsible_unit): f"{r.level}（{pd.Timestamp(r.on_date):%Y-%m-%d}）"
        for r in last.itertuples(index=False)
    }


def with_latest_escalation(table: pd.DataFrame, latest: Mapping[str, str]) -> pd.DataFrame:
    """A 红黑榜 table (display headers) with `LATEST_ESCALATION` as its last column (blank for
    a unit never escalated; the list's own columns keep their places on a narrow screen)."""
    unit = COLUMN_LABELS["unit"]
    out = table.copy()
    values = [latest.get(str(u)) for u in out[unit]] if unit in out.columns else []
    out[LATEST_ESCALATION] = pd.Series(values, index=out.index, dtype="string")
    return out


def notice_table(units: pd.DataFrame) -> pd.DataFrame:
    """`notices.notice_units` as the 督办 tab shows it: who gets a 督办通知 and why."""
    table = units.copy()
    table["latest"] = [
        f"{level}（{on:%Y-%m-%d}）" if isinstance(level, str) and level else ""
        for level, on in zip(table["latest_level"], table["latest_on"], strict=True)
    ]
    table["points_lost"] = table["points_lost"].astype("float64").round(2)
    return table[list(NOTICE_HEADERS)].rename(columns=dict(NOTICE_HEADERS))


def notice_file_name(scope: str, as_of: date) -> str:
    """The download's name: "督办通知_全市_2026-11-15.zip"."""
    return f"督办通知_{scope}_{as_of:%Y-%m-%d}.zip"


def escalation_units(*frames: pd.DataFrame | None) -> list[str]:
    """The responsible units named in these ledgers (issues, assessments, contacts), sorted:
    the choices of the escalation editor."""
    names: set[str] = set()
    for frame in frames:
        if frame is not None and "responsible_unit" in frame.columns:
            names.update(str(u).strip() for u in frame["responsible_unit"].dropna())
    return sorted(n for n in names if n)
