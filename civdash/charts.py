"""Altair chart builders: canonical ledger frame in, `alt.Chart` (or a layer of charts) out.

Every builder aggregates in pandas first and hands Vega only the aggregated rows (a few dozen to a
few hundred), so a 50,000-row ledger never becomes 50,000 rows of chart JSON. Titles, axes,
legends and tooltips are in Chinese; colours come from `civdash.palette` with fixed meanings.
Builders return unconfigured charts so they can be layered or concatenated; `configure(chart)`
is the one place fonts and type sizes are set, for a page, in large type, or for a 周例会 slide.

The dashboard charts that `civdash.chart(name, led)` draws are registered where they are built,
by `@dashboard_chart(title, ledger=…)` on the builder; `CHARTS` is that registry. Adding one is
a builder with the decorator, nothing else.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Any, Literal, TypeVar, cast

import altair as alt
import numpy as np
import pandas as pd

from civdash import numbers, palette
from civdash.config import DEFAULT_SETTINGS, Settings
from civdash.ledgers.issues import CLOSED_STATUSES, LONG_TERM
from civdash.ledgers.units import CATEGORIES, LEVELS
from civdash.metrics import (
    METRICS,
    MISSING_GROUP,
    STAR_LABELS,
    DateLike,
    format_value,
    issue_state,
    metric_key,
    real_issues,
    red_black_list,
    star_level,
)

__all__ = [
    "AGING_BUCKETS",
    "ASSESSMENT_GROUPS",
    "ASSESSMENT_LISTS",
    "BREAKDOWN_FIELDS",
    "CHARTS",
    "CITY_SERIES",
    "FONT",
    "OTHER_GROUP",
    "Chart",
    "ChartStyle",
    "DashboardChart",
    "assessment_ranking_chart",
    "assessment_trend",
    "configure",
    "dashboard_chart",
    "group_bars",
    "hours_histogram",
    "issue_breakdown",
    "issue_status_by_week",
    "issues_new_vs_closed",
    "loss_pareto_chart",
    "open_issue_aging",
    "red_black_chart",
    "score_distribution",
    "star_level_distribution",
    "target_progress",
    "top_groups",
    "units_by_category_level",
    "volunteer_registrations",
    "wrap_label",
]

Chart = alt.Chart | alt.LayerChart

FONT = '"Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "Source Han Sans SC", sans-serif'
"""CJK fonts an office PC or projector laptop is likely to have, then the browser default."""

AGING_BUCKETS: tuple[tuple[int, int | None, str], ...] = (
    (0, 7, "7天以内"),
    (8, 15, "8–15天"),
    (16, 30, "16–30天"),
    (31, 60, "31–60天"),
    (61, None, "60天以上"),
)
"""Open-issue age buckets: (first day, last day or None, label)."""

BREAKDOWN_FIELDS: Mapping[str, str] = MappingProxyType(
    {
        "category": "问题类别",
        "point_type": "点位类型",
        "source": "问题来源",
        "district": "所属区县",
        "street": "街道/乡镇",
        "responsible_unit": "责任单位",
    }
)
"""Issue fields `issue_breakdown` can count by, with their Chinese names."""

_OPEN_LABEL, _OVERDUE_LABEL = "未逾期", palette.OVERDUE


# ---------------------------------------------------------------------------------------------
# Configuration


ChartStyle = Literal["screen", "large", "projector"]
"""How a chart is set: "screen" on a page; "large" for the back row of a meeting room (总览's
progress chart, the targets' trends, the toolkit's `large=True`); "projector" on a 周例会 slide
(24 px labels, 28 px titles, white background: the slide pictures of the briefing pack too)."""

LARGE_SCALE = 1.6
"""How much larger "large" type is than "screen" type."""

TopLevelChart = (
    alt.Chart
    | alt.LayerChart
    | alt.FacetChart
    | alt.ConcatChart
    | alt.HConcatChart
    | alt.VConcatChart
)
TopLevel = TypeVar("TopLevel", bound=TopLevelChart)


def configure(chart: TopLevel, *, style: ChartStyle = "screen") -> TopLevel:
    """The chart with CivDash's CJK fonts, the type sizes of `style` and the number format of
    `civdash.numbers` (thousands separators on axes, labels and tooltips that set no format of
    their own): the one function that configures charts, for the pages, the views, the 周例会
    deck and the toolkit.

    Axis labels too long for their width wrap onto more lines (`wrap_label`), never cut.

    Configuration makes a chart top-level, so apply it last, after layering or concatenating;
    it replaces any configuration the chart had. It is set on one shallow copy: chaining
    Altair's `configure_*` calls copies the chart once per call, on a layered chart the largest
    cost of a page rerun after Vega-Lite validation.
    """
    out = cast(TopLevel, chart.copy(deep=False))
    out.config = _config(style)
    return out


LABEL_BREAK = "·"
"""Where a long "区县·指标" label breaks first when it must wrap."""


def wrap_label(text: str, chars: int) -> str:
    """A Vega expression that writes the label `text` (an expression, "datum.label") on as many
    lines of at most `chars` characters as it needs, breaking after a `LABEL_BREAK` when that
    gives two lines that fit: a long name wraps instead of being cut with "…" (civdash.names).

    `configure` sets it as every axis's `labelExpr` for its type size, with `chars` the labels'
    width limit over their font size (a CJK character is one font size wide, so a line of
    `chars` characters always fits); an axis with a `labelExpr` of its own wraps by calling it on
    its own text. (Vega-Lite has no `labelExpr` for legends: their width limit is the axes'.)

    >>> wrap_label("datum.label", 18)[:40]
    'length(datum.label) <= 18 ? datum.label '
    """
    cut = f"indexof({text}, '{LABEL_BREAK}')"
    lines = ", ".join(
        f"substring({text}, {i * chars}, {(i + 1) * chars})" for i in range(_WRAP_LINES - 1)
    )
    return (
        f"length({text}) <= {chars} ? {text} : "
        f"({cut} > 0 && {cut} < {chars} && length({text}) - {cut} - 1 <= {chars}) ? "
        f"[substring({text}, 0, {cut} + 1), substring({text}, {cut} + 1)] : "
        f"slice([{lines}, substring({text}, {(_WRAP_LINES - 1) * chars})], "
        f"0, ceil(length({text}) / {chars}))"
    )


_WRAP_LINES = 4
"""Lines a wrapped label takes at most (the last holds whatever is left)."""


def _config(style: ChartStyle) -> alt.Config:
    """The Vega-Lite configuration of `style` (a new object each time: charts never share one)."""
    if style == "projector":
        return alt.Config(
            font=FONT,
            background="white",
            axis=alt.AxisConfig(
                labelFontSize=24,
                titleFontSize=24,
                labelLimit=360,
                titlePadding=12,
                labelExpr=wrap_label("datum.label", 360 // 24),
            ),
            legend=alt.LegendConfig(
                labelFontSize=24,
                titleFontSize=24,
                symbolSize=300,
                titleLimit=480,
                labelLimit=360,
            ),
            title=alt.TitleConfig(fontSize=28, anchor="start"),
            text=alt.MarkConfig(fontSize=24),
            view=alt.ViewConfig(strokeWidth=0),
            numberFormat=numbers.CHART_NUMBER_FORMAT,
        )
    k = LARGE_SCALE if style == "large" else 1.0
    return alt.Config(
        font=FONT,
        axis=alt.AxisConfig(
            labelFontSize=round(12 * k),
            titleFontSize=round(13 * k),
            labelLimit=round(220 * k),
            labelExpr=wrap_label("datum.label", round(220 * k) // round(12 * k)),
            grid=True,
            gridOpacity=0.4,
        ),
        title=alt.TitleConfig(
            fontSize=round(16 * k), anchor="start", subtitleFontSize=round(12 * k)
        ),
        legend=alt.LegendConfig(
            labelFontSize=round(12 * k),
            titleFontSize=round(13 * k),
            symbolSize=round(120 * k * k),
            orient="top",
            labelLimit=round(220 * k),
        ),
        text=alt.MarkConfig(fontSize=round(12 * k)),
        view=alt.ViewConfig(strokeWidth=0),
        numberFormat=numbers.CHART_NUMBER_FORMAT,
    )


# ---------------------------------------------------------------------------------------------
# The registry of dashboard charts


@dataclass(frozen=True)
class DashboardChart:
    """A chart `civdash.chart(name, led)` draws from the ledgers in force."""

    name: str
    title: str
    """What the chart shows, in Chinese (for lists of charts and messages)."""
    ledger: str
    """The ledger kind it is drawn from."""
    builder: Callable[..., Chart]
    takes: tuple[str, ...]
    """Which of the ledgers' `as_of` and `settings` the builder takes (keyword-only)."""

    def build(
        self, frame: pd.DataFrame, *, as_of: date, settings: Settings, **options: Any
    ) -> Chart:
        """The chart of `frame` (the ledger in force on `as_of`), unconfigured; `options` go to
        the builder."""
        given = {"as_of": as_of, "settings": settings}
        return self.builder(frame, **{k: given[k] for k in self.takes}, **options)


_REGISTERED: dict[str, DashboardChart] = {}
"""Filled once, while this module is imported, by `dashboard_chart`; read through `CHARTS`."""

Builder = TypeVar("Builder", bound=Callable[..., Chart])


def dashboard_chart(
    title: str, *, ledger: str, name: str | None = None
) -> Callable[[Builder], Builder]:
    """Register the builder below as a dashboard chart (under its function name, or `name`).

    The builder takes the ledger's frame first; its keyword-only `as_of` and `settings`, when
    it has them, are filled from the ledgers in force; any other keyword is the caller's option.

    Example:

    >>> @dashboard_chart("问题数量（按来源）", ledger="issues")      # doctest: +SKIP
    ... def issue_sources(issues: pd.DataFrame) -> alt.Chart: ...
    """

    def register(builder: Builder) -> Builder:
        key = name or builder.__name__
        if key in _REGISTERED:
            raise ValueError(f"chart {key!r} is registered twice")
        params = inspect.signature(builder).parameters
        takes = tuple(p for p in ("as_of", "settings") if p in params)
        _REGISTERED[key] = DashboardChart(key, title, ledger, builder, takes)
        return builder

    return register


CHARTS: Mapping[str, DashboardChart] = MappingProxyType(_REGISTERED)
"""The dashboard charts by name, in the order they are defined below; read-only."""


def _title(text: str, subtitle: str | None = None) -> alt.TitleParams:
    return alt.TitleParams(text=text, subtitle=subtitle or "")


def _list_colour() -> alt.Color:
    """Bars coloured by the 红黑榜 they are on (column "label": 红榜, 黑榜 or —)."""
    return alt.Color(
        "label:N",
        title="榜单",
        scale=alt.Scale(
            domain=["红榜", "黑榜", "—"],
            range=[
                palette.LIST_COLORS["红榜"],
                palette.LIST_COLORS["黑榜"],
                palette.LIST_COLORS[""],
            ],
        ),
    )


def _timestamp(value: DateLike) -> pd.Timestamp:
    return pd.Timestamp(value).normalize()


def _week_start(dates: pd.Series) -> pd.Series:
    """The Monday of each date's week (周一为一周开始)."""
    d = pd.to_datetime(dates, errors="coerce").dt.normalize()
    return d - pd.to_timedelta(d.dt.day_of_week, unit="D")


def _week_label(week: pd.Timestamp) -> str:
    return f"{week.month}月{week.day}日"


def _weeks(as_of: pd.Timestamp, weeks: int) -> list[pd.Timestamp]:
    last = as_of - pd.Timedelta(days=as_of.weekday())
    return [last - pd.Timedelta(weeks=i) for i in range(weeks - 1, -1, -1)]


def _display_status(state: pd.DataFrame) -> pd.Series:
    status = state["status"].astype("string").fillna("待整改")
    return status.mask(state["is_overdue"], palette.OVERDUE)


def _status_scale(statuses: Sequence[str]) -> alt.Scale:
    return alt.Scale(domain=list(statuses), range=[palette.STATUS_COLORS[s] for s in statuses])


# ---------------------------------------------------------------------------------------------
# Issues


@dashboard_chart("每周发现问题及整改状态", ledger="issues")
def issue_status_by_week(issues: pd.DataFrame, *, as_of: DateLike, weeks: int = 12) -> alt.Chart:
    """Stacked bars: issues found each week (last `weeks` weeks), split by their status today.

    Open issues past their deadline are shown as 逾期 (same red as 待整改, at the bottom).
    """
    day = _timestamp(as_of)
    frame = real_issues(issues)
    state = issue_state(frame, day)
    state = state.assign(week=_week_start(state["found_on"]), status=_display_status(state))
    wanted = _weeks(day, weeks)
    counts = (
        state[state["week"].isin(wanted)]
        .groupby(["week", "status"], observed=True)
        .size()
        .rename("count")
        .reset_index()
    )
    order = {s: i for i, s in enumerate(palette.STATUS_ORDER)}
    counts["week_label"] = counts["week"].map(_week_label)
    counts["status_order"] = counts["status"].map(order).fillna(len(order)).astype(int)
    counts = counts.drop(columns="week")
    labels = [_week_label(w) for w in wanted]
    return (
        alt.Chart(counts, title=_title("每周发现问题及整改状态", "按发现日期所在周（周一起）统计"))
        .mark_bar()
        .encode(
            x=alt.X("week_label:O", sort=labels, title="发现周", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("sum(count):Q", title="问题数（个）", stack="zero"),
            color=alt.Color(
                "status:N", title="整改状态", scale=_status_scale(palette.STATUS_ORDER)
            ),
            order=alt.Order("status_order:Q", sort="ascending"),
            tooltip=[
                alt.Tooltip("week_label:O", title="发现周"),
                alt.Tooltip("status:N", title="整改状态"),
                alt.Tooltip("sum(count):Q", title="问题数"),
            ],
        )
    )


@dashboard_chart("每周新发现与已整改问题", ledger="issues")
def issues_new_vs_closed(issues: pd.DataFrame, *, as_of: DateLike, weeks: int = 12) -> alt.Chart:
    """Grouped bars per week: issues newly found vs issues rectified (by rectification date)."""
    day = _timestamp(as_of)
    frame = real_issues(issues)
    wanted = _weeks(day, weeks)
    found = _week_start(frame["found_on"])
    closed_mask = frame["status"].astype("string").isin(CLOSED_STATUSES).fillna(False)
    rectified = _week_start(frame.loc[closed_mask.astype(bool), "rectified_on"])
    rows = []
    for series, label in ((found, "新发现"), (rectified, "已整改")):
        counts = series[series.isin(wanted)].value_counts()
        for week in wanted:
            rows.append(
                {
                    "week_label": _week_label(week),
                    "series": label,
                    "count": int(counts.get(week, 0)),
                }
            )
    data = pd.DataFrame(rows, columns=["week_label", "series", "count"])
    labels = [_week_label(w) for w in wanted]
    return (
        alt.Chart(data, title=_title("每周新发现与已整改问题", "已整改按整改完成日期统计"))
        .mark_bar()
        .encode(
            x=alt.X("week_label:O", sort=labels, title="周", axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("series:N", sort=["新发现", "已整改"]),
            y=alt.Y("count:Q", title="问题数（个）"),
            color=alt.Color(
                "series:N",
                title="",
                scale=alt.Scale(domain=["新发现", "已整改"], range=[palette.NEUTRAL, palette.GOOD]),
            ),
            tooltip=[
                alt.Tooltip("week_label:O", title="周"),
                alt.Tooltip("series:N", title="类型"),
                alt.Tooltip("count:Q", title="问题数"),
            ],
        )
    )


def _bucket(days: pd.Series) -> pd.Series:
    labels = pd.Series(pd.NA, index=days.index, dtype="string")
    for first, last, label in AGING_BUCKETS:
        inside = days >= first if last is None else (days >= first) & (days <= last)
        labels = labels.mask(inside.fillna(False).astype(bool), label)
    return labels


@dashboard_chart("未整改问题账龄", ledger="issues")
def open_issue_aging(issues: pd.DataFrame, *, as_of: DateLike) -> alt.Chart:
    """Open issues (not rectified, not long-term) by days since found, split overdue / not."""
    day = _timestamp(as_of)
    state = issue_state(real_issues(issues), day)
    open_ = state[~state["is_closed"] & state["status"].astype("string").ne(LONG_TERM).fillna(True)]
    frame = pd.DataFrame(
        {
            "bucket": _bucket(open_["days_open"].astype("Float64").clip(lower=0)),
            "overdue": np.where(open_["is_overdue"], _OVERDUE_LABEL, _OPEN_LABEL),
        }
    ).dropna()
    counts = frame.groupby(["bucket", "overdue"]).size().rename("count").reset_index()
    buckets = [label for _, _, label in AGING_BUCKETS]
    return (
        alt.Chart(
            counts, title=_title("未整改问题账龄", f"截至{day.month}月{day.day}日，不含长期整改")
        )
        .mark_bar()
        .encode(
            x=alt.X("bucket:O", sort=buckets, title="已发现天数", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("sum(count):Q", title="问题数（个）"),
            color=alt.Color(
                "overdue:N",
                title="",
                scale=alt.Scale(
                    domain=[_OVERDUE_LABEL, _OPEN_LABEL],
                    range=[palette.OVERDUE_COLOR, palette.WARNING],
                ),
            ),
            order=alt.Order("overdue:N", sort="descending"),
            tooltip=[
                alt.Tooltip("bucket:O", title="已发现天数"),
                alt.Tooltip("overdue:N", title="是否逾期"),
                alt.Tooltip("sum(count):Q", title="问题数"),
            ],
        )
    )


OTHER_GROUP = "其他"
"""The catch-all value of a coded field (an unknown 点位类型 or 问题来源 is kept as 其他)."""

REST_MEMBERS_SHOWN = 12
"""Names a rest bar's tooltip lists before "等N项"."""


def top_groups(values: pd.Series, top: int) -> pd.DataFrame:
    """Counts of `values` for a bar chart of the largest groups: name, count, members.

    The `top` largest groups are shown, largest first (blanks as 未填写). When there are more,
    the rest become one bar "其余N项", and a value 其他 is folded into it, so one chart never
    shows both a 其他 bar and a rest bar; `members` lists what a rest bar holds, for its
    tooltip. Without a rest bar, 其他 is a bar of its own, after the named groups.

    >>> top_groups(pd.Series(["甲", "甲", "乙", "其他", "丙"]), 1).values.tolist()
    [['甲', 2, '甲'], ['其余3项', 3, '乙、其他、丙']]
    """
    text = values.astype("string").str.strip().fillna("")
    text = text.mask(text == "", MISSING_GROUP)
    counts = text.value_counts().sort_values(ascending=False, kind="stable")
    named = counts[counts.index != OTHER_GROUP]
    rows = [(str(k), int(v), str(k)) for k, v in named.iloc[:top].items()]
    rest = counts.drop(named.index[:top])
    if len(named) > top:
        names = [str(k) for k in rest.index]
        shown = "、".join(names[:REST_MEMBERS_SHOWN])
        more = f"等{len(names)}项" if len(names) > REST_MEMBERS_SHOWN else ""
        rows.append((f"其余{len(names)}项", int(rest.sum()), shown + more))
    elif len(rest):
        rows.append((OTHER_GROUP, int(rest.sum()), OTHER_GROUP))
    return pd.DataFrame(rows, columns=["name", "count", "members"])


def group_bars(
    data: pd.DataFrame, *, title: str, field: str, measure: str, color: str
) -> alt.LayerChart:
    """Horizontal bars of `top_groups` rows, each with its count at its end.

    The category axis has no title of its own: the chart's title names the grouping (a rotated
    axis title beside long labels was cut at the chart's edge). The value axis leaves room past
    the longest bar for its count.
    """
    order = data["name"].tolist()
    base = alt.Chart(data, title=_title(title))
    top = int(data["count"].max()) if len(data) else 0
    bars = base.mark_bar(color=color).encode(
        y=alt.Y("name:N", sort=order, title=None),
        x=alt.X("count:Q", title=f"{measure}（个）", scale=_room_for_labels(top)),
        tooltip=[
            alt.Tooltip("name:N", title=field),
            alt.Tooltip("count:Q", title=measure),
            alt.Tooltip("members:N", title="包括"),
        ],
    )
    text = base.mark_text(align="left", dx=4).encode(
        y=alt.Y("name:N", sort=order), x=alt.X("count:Q"), text=alt.Text("count:Q")
    )
    return alt.LayerChart(layer=[bars, text])


def _room_for_labels(largest: float) -> alt.Scale:
    """A value scale that ends far enough past `largest` for a count written at the bar's end."""
    return alt.Scale(domainMax=largest * 1.15 if largest > 0 else 1, nice=True)


@dashboard_chart("问题数量（按类别、点位类型、来源等）", ledger="issues")
def issue_breakdown(
    issues: pd.DataFrame, field: str = "category", *, top: int = 12
) -> alt.LayerChart:
    """Horizontal bars: issue counts by category, point type, source, district, street or unit.

    The `top` largest groups are shown, the rest summed into one bar (`top_groups`).
    """
    if field not in BREAKDOWN_FIELDS:
        known = "、".join(f"{k}（{v}）" for k, v in BREAKDOWN_FIELDS.items())
        raise ValueError(f"不能按『{field}』统计问题，可选：{known}。")
    name = BREAKDOWN_FIELDS[field]
    data = top_groups(real_issues(issues)[field], top)
    return group_bars(
        data, title=f"问题数量（按{name}）", field=name, measure="问题数", color=palette.NEUTRAL
    )


def red_black_chart(table: pd.DataFrame, *, only_listed: bool = True) -> alt.LayerChart:
    """Horizontal bars of each unit's rectification rate from `metrics.red_black_list`.

    Colours follow the list: 红榜 in the "good" colour, 黑榜 in the "bad" colour.
    """
    rows = table[table["list"].astype("string").fillna("") != ""] if only_listed else table
    data = pd.DataFrame(
        {
            "unit": rows["unit"].astype("string"),
            "close_rate": rows["close_rate"].astype("float64").round(1),
            "list": rows["list"].astype("string").fillna(""),
            "closed": rows["closed"].astype("int64"),
            "assessed": rows["assessed"].astype("int64"),
            "overdue": rows["overdue"].astype("int64"),
            "rank": rows["rank"],
        }
    ).dropna(subset=["close_rate"])
    # in the table's order: equal rates stand in the order the list's tie rule ranks them
    data = data.sort_values(["rank", "unit"], na_position="last", kind="stable")
    data = data.drop(columns="rank")
    data["label"] = data["list"].replace("", "—")
    order = data["unit"].tolist()
    base = alt.Chart(data, title=_title("红黑榜：责任单位问题整改率"))
    bars = base.mark_bar().encode(
        y=alt.Y("unit:N", sort=order, title=None),  # the chart's title names the units
        x=alt.X("close_rate:Q", title="整改率（%）", scale=alt.Scale(domain=[0, 100])),
        color=_list_colour(),
        tooltip=[
            alt.Tooltip("unit:N", title="责任单位"),
            alt.Tooltip("close_rate:Q", title="整改率（%）", format=numbers.d3_format(1)),
            alt.Tooltip("closed:Q", title="已整改"),
            alt.Tooltip("assessed:Q", title="纳入考核问题数"),
            alt.Tooltip("overdue:Q", title="逾期未整改"),
            alt.Tooltip("label:N", title="榜单"),
        ],
    )
    text = base.mark_text(align="left", dx=4).encode(
        y=alt.Y("unit:N", sort=order),
        x=alt.X("close_rate:Q"),
        text=alt.Text("close_rate:Q", format=numbers.d3_format(1)),
    )
    return bars + text


@dashboard_chart("红黑榜：责任单位问题整改率", ledger="issues", name="red_black_chart")
def _red_black_chart_of_issues(
    issues: pd.DataFrame,
    *,
    as_of: DateLike,
    settings: Settings = DEFAULT_SETTINGS,
    only_listed: bool = True,
    **rule: Any,
) -> alt.LayerChart:
    """`red_black_chart` of the 红黑榜 drawn up from `issues` on `as_of` by
    `metrics.red_black_list` (`rule`: its options, e.g. rule="threshold", red_at=90)."""
    table = red_black_list(issues, as_of, settings=settings, **rule)
    return red_black_chart(table, only_listed=bool(only_listed))


# ---------------------------------------------------------------------------------------------
# Volunteers


@dashboard_chart("注册志愿者人数累计增长", ledger="volunteers")
def volunteer_registrations(
    volunteers: pd.DataFrame,
    *,
    target: float | None = None,
    due: DateLike | None = None,
) -> Chart:
    """Cumulative registered volunteers over time, with the target as a horizontal rule.

    Points are weekly (monthly when the history is longer than two years).
    """
    registered = pd.to_datetime(volunteers["registered_on"], errors="coerce").dropna()
    registered = registered.dt.normalize()
    if registered.empty:
        data = pd.DataFrame({"date": pd.to_datetime([]), "total": pd.Series([], dtype="int64")})
    else:
        span = registered.max() - registered.min()
        freq = "W-SUN" if span <= pd.Timedelta(weeks=104) else "MS"
        per_day = registered.value_counts().sort_index()
        days = pd.DatetimeIndex(per_day.index)
        if freq == "MS":
            period = per_day.groupby(days.to_period("M").start_time).sum()
        else:
            period = per_day.groupby(days.to_period("W-SUN").end_time.normalize()).sum()
        total = period.cumsum()
        data = pd.DataFrame({"date": total.index, "total": total.to_numpy(dtype="int64")})
    line = (
        alt.Chart(data, title=_title("注册志愿者人数累计增长"))
        .mark_line(point=True, color=palette.NEUTRAL)
        .encode(
            x=alt.X("date:T", title="注册日期", axis=alt.Axis(format="%Y年%m月")),
            y=alt.Y("total:Q", title="注册志愿者人数（人）"),
            tooltip=[
                alt.Tooltip("date:T", title="截至", format="%Y年%m月%d日"),
                alt.Tooltip("total:Q", title="累计人数", format=","),
            ],
        )
    )
    if target is None:
        return line
    due_text = ""
    if due is not None:
        d = _timestamp(due)
        due_text = f"（{d.year}年{d.month}月{d.day}日前）"
    goal = pd.DataFrame(
        {"target": [float(target)], "label": [f"目标 {numbers.number(target, 0, '人')}{due_text}"]}
    )
    rule = (
        alt.Chart(goal).mark_rule(color=palette.BAD, strokeDash=[6, 4], size=2).encode(y="target:Q")
    )
    label = (
        alt.Chart(goal)
        .mark_text(align="left", baseline="bottom", dx=4, dy=-4, color=palette.BAD_TEXT)
        .encode(y="target:Q", text="label:N", x=alt.value(0))
    )
    return alt.LayerChart(layer=[line, rule, label])


@dashboard_chart("志愿者星级分布", ledger="volunteers")
def star_level_distribution(
    volunteers: pd.DataFrame, *, settings: Settings = DEFAULT_SETTINGS
) -> alt.Chart:
    """Bars: volunteers per star level (未评星 … 五星), from hours and the configured thresholds."""
    levels = star_level(volunteers["hours"], settings.star_thresholds).dropna().astype(int)
    counts = levels.value_counts()
    top = len(settings.star_thresholds)
    names = list(STAR_LABELS[: top + 1])
    data = pd.DataFrame(
        {
            "level": names,
            "count": [int(counts.get(i, 0)) for i in range(len(names))],
            "hours": ["不足" + _h(settings.star_thresholds[0])]
            + [f"≥{_h(t)}" for t in settings.star_thresholds],
        }
    )
    colors = list(palette.STAR_COLORS[: len(names)])
    return (
        alt.Chart(data, title=_title("志愿者星级分布", "按累计服务时长评定"))
        .mark_bar()
        .encode(
            x=alt.X("level:O", sort=names, title="星级", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("count:Q", title="人数（人）"),
            color=alt.Color(
                "level:O", sort=names, scale=alt.Scale(domain=names, range=colors), legend=None
            ),
            tooltip=[
                alt.Tooltip("level:O", title="星级"),
                alt.Tooltip("hours:N", title="累计时长"),
                alt.Tooltip("count:Q", title="人数", format=","),
            ],
        )
    )


def _g(value: float, unit: str = "") -> str:
    """A threshold or a bin edge as few decimals as it has (at most one), with separators."""
    return numbers.number(value, numbers.decimals_of([value], most=1), unit)


def _h(hours: float) -> str:
    return _g(hours, "小时")


@dashboard_chart("志愿者累计服务时长分布", ledger="volunteers")
def hours_histogram(
    volunteers: pd.DataFrame,
    *,
    bins: int = 20,
    clip_quantile: float = 0.99,
    settings: Settings = DEFAULT_SETTINGS,
) -> Chart:
    """Histogram of cumulative service hours, binned in pandas, with star thresholds as rules.

    The range ends at the `clip_quantile` of hours so a few very long-serving volunteers do not
    squash the rest; the last bar counts everyone at or above its start.
    """
    hours = pd.to_numeric(volunteers["hours"], errors="coerce").dropna().clip(lower=0)
    top = float(hours.quantile(clip_quantile)) if len(hours) else 0.0
    top = top if top > 0 else float(hours.max()) if len(hours) and hours.max() > 0 else 1.0
    edges = np.linspace(0.0, top, bins + 1)
    counts, _ = np.histogram(hours.clip(upper=top), bins=edges)
    data = pd.DataFrame(
        {"start": edges[:-1].round(1), "end": edges[1:].round(1), "count": counts.astype(int)}
    )
    data["range"] = [f"{_g(a)}–{_h(b)}" for a, b in zip(data["start"], data["end"], strict=True)]
    if len(data):
        data.loc[data.index[-1], "range"] = f"≥{_h(data['start'].iloc[-1])}"
    bars = (
        alt.Chart(data, title=_title("志愿者累计服务时长分布"))
        .mark_bar(color=palette.NEUTRAL, binSpacing=1)
        .encode(
            x=alt.X("start:Q", title="累计服务时长（小时）", bin="binned"),
            x2="end:Q",
            y=alt.Y("count:Q", title="人数（人）"),
            tooltip=[
                alt.Tooltip("range:N", title="时长区间"),
                alt.Tooltip("count:Q", title="人数"),
            ],
        )
    )
    stars = pd.DataFrame(
        {
            "hours": list(settings.star_thresholds),
            "label": list(STAR_LABELS[1 : len(settings.star_thresholds) + 1]),
        }
    )
    stars = stars[stars["hours"] <= top]
    if stars.empty:
        return bars
    rules = alt.Chart(stars).mark_rule(color=palette.GREY, strokeDash=[4, 3]).encode(x="hours:Q")
    labels = (
        alt.Chart(stars)
        .mark_text(align="left", dx=3, baseline="top", color=palette.GREY)
        .encode(x="hours:Q", y=alt.value(2), text="label:N")
    )
    return alt.LayerChart(layer=[bars, rules, labels])


# ---------------------------------------------------------------------------------------------
# Units


@dashboard_chart("创建单位数量（按类别和级别）", ledger="units")
def units_by_category_level(units: pd.DataFrame) -> alt.Chart:
    """Stacked bars: creation units per category, split by level (全国 … 县级)."""
    category = units["category"].astype("string").str.strip().fillna("")
    level = units["level"].astype("string").str.strip().fillna("")
    frame = pd.DataFrame(
        {
            "category": category.mask(category == "", MISSING_GROUP),
            "level": level.mask(level == "", MISSING_GROUP),
        }
    )
    counts = frame.groupby(["category", "level"]).size().rename("count").reset_index()
    categories = [c for c in CATEGORIES if c in set(counts["category"])]
    categories += sorted(set(counts["category"]) - set(categories))
    levels = [*LEVELS, MISSING_GROUP]
    colors = [palette.LEVEL_COLORS[lv] for lv in LEVELS] + [palette.NO_DATA]
    order = {lv: i for i, lv in enumerate(levels)}
    counts["level_order"] = counts["level"].map(order).fillna(len(levels)).astype(int)
    return (
        alt.Chart(counts, title=_title("创建单位数量（按类别和级别）"))
        .mark_bar()
        .encode(
            x=alt.X("category:N", sort=categories, title="创建类别", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("sum(count):Q", title="单位数（个）"),
            color=alt.Color("level:N", title="级别", scale=alt.Scale(domain=levels, range=colors)),
            order=alt.Order("level_order:Q", sort="ascending"),
            tooltip=[
                alt.Tooltip("category:N", title="创建类别"),
                alt.Tooltip("level:N", title="级别"),
                alt.Tooltip("sum(count):Q", title="单位数"),
            ],
        )
    )


@dashboard_chart("创建单位测评得分分布", ledger="units")
def score_distribution(
    units: pd.DataFrame, *, bin_width: float = 5.0, settings: Settings = DEFAULT_SETTINGS
) -> alt.LayerChart:
    """Histogram of unit scores (0–100) split 达标 / 未达标, with the pass mark as a rule.

    A unit passes when its score reaches its own target_score, else the configured pass mark.
    """
    score = pd.to_numeric(units["score"], errors="coerce")
    if "target_score" in units.columns:
        mark = pd.to_numeric(units["target_score"], errors="coerce").fillna(settings.unit_pass_mark)
    else:
        mark = pd.Series(settings.unit_pass_mark, index=units.index)
    scored = score.notna()
    score, mark = score[scored].clip(0, 100), mark[scored]
    start = (np.floor(score / bin_width) * bin_width).clip(upper=100 - bin_width)
    frame = pd.DataFrame({"start": start, "passed": np.where(score >= mark, "达标", "未达标")})
    counts = frame.groupby(["start", "passed"]).size().rename("count").reset_index()
    counts["end"] = counts["start"] + bin_width
    counts["range"] = [
        f"{_g(a)}–{_g(b, '分')}" for a, b in zip(counts["start"], counts["end"], strict=True)
    ]
    bars = (
        alt.Chart(counts, title=_title("创建单位测评得分分布"))
        .mark_bar(binSpacing=1)
        .encode(
            x=alt.X(
                "start:Q", bin="binned", title="测评得分（分）", scale=alt.Scale(domain=[0, 100])
            ),
            x2="end:Q",
            y=alt.Y("sum(count):Q", title="单位数（个）"),
            color=alt.Color(
                "passed:N",
                title="",
                scale=alt.Scale(domain=["达标", "未达标"], range=[palette.GOOD, palette.BAD]),
            ),
            tooltip=[
                alt.Tooltip("range:N", title="得分区间"),
                alt.Tooltip("passed:N", title="是否达标"),
                alt.Tooltip("sum(count):Q", title="单位数"),
            ],
        )
    )
    pass_mark = pd.DataFrame(
        {
            "mark": [settings.unit_pass_mark],
            "label": [f"达标线 {_g(settings.unit_pass_mark, '分')}"],
        }
    )
    rule = (
        alt.Chart(pass_mark)
        .mark_rule(color=palette.BLACK, strokeDash=[6, 4], size=2)
        .encode(x="mark:Q")
    )
    label = (
        alt.Chart(pass_mark)
        .mark_text(align="right", dx=-4, baseline="top", color=palette.BLACK)
        .encode(x="mark:Q", y=alt.value(2), text="label:N")
    )
    return alt.LayerChart(layer=[bars, rule, label])


# ---------------------------------------------------------------------------------------------
# Targets


def target_progress(progress: pd.DataFrame, *, cap: float = 120.0) -> alt.LayerChart:
    """Bullet-style bars: each target's completion in percent of the target, with a 100 % rule.

    `progress` has one row per target: `metric` (key or Chinese name), `current`, `target`, and
    optionally `district` (blank = 全市; a short name where it has one, `civdash.names`) and
    `on_track` (bool; default: reached or not). For a lower-is-better metric completion is
    target ÷ current. Bars stop at `cap` percent.

    The axis ends at 100 %, or at the longest bar (rounded up to 10 %, at most `cap`), so it is
    never stretched past what is drawn. Each target's "current / target" is written in a column
    of its own right of the bars (the labels of a second axis, outside the plot), never across
    the 100 % rule or another bar.
    """
    rows = []
    for rec in progress.to_dict("records"):
        mdef = METRICS[metric_key(str(rec["metric"]))]
        current, target = float(rec["current"]), float(rec["target"])
        if mdef.better == "lower":
            pct = 100.0 if current <= target else target / current * 100.0 if current else 100.0
        else:
            pct = current / target * 100.0 if target else (100.0 if current >= target else 0.0)
        pct = float("nan") if np.isnan(pct) else pct
        district = str(rec.get("district") or "").strip()
        on_track = rec.get("on_track")
        if on_track is None or (isinstance(on_track, float) and np.isnan(on_track)):
            on_track = pct >= 100.0
        rows.append(
            {
                "name": f"{district or '全市'}·{mdef.label}",
                "progress": min(round(pct, 1), cap),
                "actual": round(pct, 1),
                "state": "进度正常" if bool(on_track) else "进度滞后",
                "detail": (
                    f"{format_value(mdef.key, current, with_unit=False)} / "
                    f"{format_value(mdef.key, target)}"
                ),
            }
        )
    data = pd.DataFrame(rows, columns=["name", "progress", "actual", "state", "detail"])
    # one band per target, keyed by name and detail: the left axis writes the name, the right
    # axis the detail (a tab never occurs in either)
    data["row"] = data["name"] + "\t" + data["detail"]
    order = data["row"].tolist()
    longest = float(data["progress"].max()) if len(data) else 0.0
    end = min(cap, max(100.0, math.ceil(longest / 10) * 10)) if math.isfinite(longest) else 100.0
    base = alt.Chart(data, title=_title("目标任务完成进度", "完成度 = 当前值 ÷ 目标值"))
    names = alt.Axis(labelExpr=_LEFT_PART, ticks=False, domain=False)
    details = alt.Axis(
        orient="right",
        labelExpr="split(datum.label, '\t')[1]",
        ticks=False,
        domain=False,
        grid=False,
        labelColor=palette.BLACK,
        labelPadding=8,
    )
    bars = base.mark_bar(size=22).encode(
        y=alt.Y("row:N", sort=order, title=None, axis=names),
        x=alt.X(
            "progress:Q",
            title="完成度（%）",
            scale=alt.Scale(domain=[0, end], nice=False, clamp=True),
        ),
        color=alt.Color(
            "state:N",
            title="",
            scale=alt.Scale(domain=["进度正常", "进度滞后"], range=[palette.GOOD, palette.BAD]),
        ),
        tooltip=[
            alt.Tooltip("name:N", title="指标"),
            alt.Tooltip("detail:N", title="当前 / 目标"),
            alt.Tooltip("actual:Q", title="完成度（%）"),
            alt.Tooltip("state:N", title="进度"),
        ],
    )
    # an invisible mark that carries the right-hand axis of details
    text = base.mark_tick(opacity=0).encode(
        y=alt.Y("row:N", sort=order, title=None, axis=details), x=alt.X("progress:Q")
    )
    full = pd.DataFrame({"x": [100.0]})
    rule = alt.Chart(full).mark_rule(color=palette.BLACK, size=2).encode(x="x:Q")
    return alt.LayerChart(layer=[bars, text, rule]).resolve_axis(y="independent")


_LEFT_PART = wrap_label("split(datum.label, '\t')[0]", 18)
"""The name half of a target's band label, wrapped as `configure` wraps labels."""


# ---------------------------------------------------------------------------------------------
# Assessments (测评)
#
# These draw the tables of `civdash.metrics.assessments` (one row per round, per group or per
# 测评项目), so a chart shows the same figures as the table beside it. They are not dashboard
# charts of the ledger in force: a trend needs every round, which `civdash.assessments.
# load_rounds` merges from the monthly snapshots (the toolkit's `assessment_chart` does that).

ASSESSMENT_GROUPS: Mapping[str, str] = MappingProxyType(
    {
        "district": "区县",
        "street": "街道/乡镇",
        "responsible_unit": "责任单位",
        "point_type": "点位类型",
        "item": "测评项目",
    }
)
"""Fields the 测评 results are ranked or summed by, with their Chinese names."""

ASSESSMENT_LISTS: Mapping[str, str] = MappingProxyType({"red": "红榜", "black": "黑榜", "": "—"})
"""`assessment_ranking`'s list codes as the 红黑榜 words."""

CITY_SERIES = "全市"
"""The series name of city-wide values in a trend."""


def _rate_decimals() -> int:
    """The precision of a 测评得分率: the catalogue's, as on the cards and tables. (Values are
    rounded in Python before Vega formats them: 90.625 is 90.62 on a card, and Vega would
    write 90.63.)"""
    return METRICS["assessment_score_rate"].decimals


def _rate_format() -> str:
    return numbers.d3_format(_rate_decimals())


def _rate_floor(values: pd.Series) -> float:
    """Where a 得分率 axis starts: 5 points under the lowest rate, on a multiple of 5 (rates
    sit between 70 and 100, and an axis from 0 would flatten every difference)."""
    finite = pd.to_numeric(values, errors="coerce").dropna()
    if finite.empty:
        return 0.0
    return float(max(0.0, math.floor((float(finite.min()) - 5.0) / 5.0) * 5.0))


def assessment_trend(summary: pd.DataFrame) -> alt.LayerChart:
    """Lines of 测评得分率 per round, oldest first, each point labelled with its rate.

    `summary` has one row per round and series: `round`, `score_rate` and optionally `series`
    (e.g. 全市 and a district; default 全市) and `points_lost`, `failed_items`, as
    `metrics.assessments.round_summary` gives them. 全市 is blue, any other series black (the
    chosen district, outlined black on the maps too).
    """
    data = pd.DataFrame(
        {
            "round": summary["round"].astype("string"),
            "series": (
                summary["series"].astype("string")
                if "series" in summary.columns
                else pd.Series(CITY_SERIES, index=summary.index, dtype="string")
            ),
            "score_rate": pd.to_numeric(summary["score_rate"], errors="coerce").round(
                _rate_decimals()
            ),
            "points_lost": pd.to_numeric(
                summary.get("points_lost", pd.Series(np.nan, index=summary.index)), errors="coerce"
            ),
            "failed_items": pd.to_numeric(
                summary.get("failed_items", pd.Series(np.nan, index=summary.index)),
                errors="coerce",
            ),
        }
    ).dropna(subset=["score_rate"])
    order = list(dict.fromkeys(summary["round"].astype(str)))
    series = list(dict.fromkeys(data["series"].astype(str)))
    series.sort(key=lambda s: s != CITY_SERIES)
    colors = [palette.NEUTRAL if s == CITY_SERIES else palette.BLACK for s in series]
    low = _rate_floor(data["score_rate"])
    base = alt.Chart(data, title=_title("测评得分率（按测评批次）"))
    x = alt.X("round:N", sort=order, title=None, axis=alt.Axis(labelAngle=0))
    y = alt.Y("score_rate:Q", title="得分率（%）", scale=alt.Scale(domain=[low, 100], nice=False))
    color = alt.Color(
        "series:N", title="", scale=alt.Scale(domain=series, range=colors), sort=series
    )
    lines = base.mark_line(point=alt.OverlayMarkDef(size=90), strokeWidth=3).encode(
        x=x,
        y=y,
        color=color,
        tooltip=[
            alt.Tooltip("round:N", title="测评批次"),
            alt.Tooltip("series:N", title="范围"),
            alt.Tooltip("score_rate:Q", title="得分率（%）", format=_rate_format()),
            alt.Tooltip("points_lost:Q", title="失分（分）"),
            alt.Tooltip("failed_items:Q", title="失分项数（项）"),
        ],
    )
    labels = base.mark_text(dy=-14, fontWeight="bold").encode(
        x=x,
        y=y,
        color=color,
        text=alt.Text("score_rate:Q", format=_rate_format()),
    )
    return alt.LayerChart(layer=[lines, labels])


def assessment_ranking_chart(ranking: pd.DataFrame, *, by: str = "district") -> alt.LayerChart:
    """Horizontal bars of 得分率 per group of `metrics.assessments.assessment_ranking`, best
    first, coloured by the 红黑榜 (红榜 the "good" colour, 黑榜 the "bad" one), each with its
    rate at its end."""
    name = ASSESSMENT_GROUPS.get(by, by)
    data = pd.DataFrame(
        {
            "group": ranking[by].astype("string").fillna(MISSING_GROUP),
            "score_rate": pd.to_numeric(ranking["score_rate"], errors="coerce").round(
                _rate_decimals()
            ),
            "points_lost": pd.to_numeric(ranking["points_lost"], errors="coerce"),
            "failed_items": pd.to_numeric(ranking["failed_items"], errors="coerce"),
            "label": ranking["list"].astype("string").fillna("").map(ASSESSMENT_LISTS),
            "rank": ranking["rank"],
        }
    ).dropna(subset=["score_rate"])
    # in the ranking's order: equal rates stand as its tie rule ranks them (fewer 失分项 first)
    data = data.sort_values(["rank", "group"], na_position="last", kind="stable")
    data = data.drop(columns="rank")
    order = data["group"].tolist()
    base = alt.Chart(data, title=_title(f"测评得分率（按{name}）"))
    # bars start at 0: a bar's length is its rate (an axis from 76 made 84 look half of 93);
    # the rates themselves stand at the bars' ends
    x = alt.X("score_rate:Q", title="得分率（%）", scale=alt.Scale(domain=[0, 100], nice=False))
    bars = base.mark_bar().encode(
        y=alt.Y("group:N", sort=order, title=None),
        x=x,
        color=_list_colour(),
        tooltip=[
            alt.Tooltip("group:N", title=name),
            alt.Tooltip("score_rate:Q", title="得分率（%）", format=_rate_format()),
            alt.Tooltip("points_lost:Q", title="失分（分）"),
            alt.Tooltip("failed_items:Q", title="失分项数（项）"),
            alt.Tooltip("label:N", title="榜单"),
        ],
    )
    text = base.mark_text(align="left", dx=4).encode(
        y=alt.Y("group:N", sort=order),
        x=x,
        text=alt.Text("score_rate:Q", format=_rate_format()),
    )
    return alt.LayerChart(layer=[bars, text])


def loss_pareto_chart(pareto: pd.DataFrame, *, by: str = "item", top: int = 10) -> alt.LayerChart:
    """失分 Pareto of `metrics.assessments.loss_pareto`: the `top` groups losing most points as
    bars (largest first, points lost at each bar's end), and the cumulative share of all points
    lost as a line on its own axis (0–100 %, at the top), so a reader sees how few 测评项目 make
    most of the loss."""
    name = ASSESSMENT_GROUPS.get(by, by)
    shown = pareto.head(top)
    data = pd.DataFrame(
        {
            "group": shown[by].astype("string").fillna(MISSING_GROUP),
            "points_lost": pd.to_numeric(shown["points_lost"], errors="coerce").round(2),
            "failed_items": pd.to_numeric(shown["failed_items"], errors="coerce"),
            "share": pd.to_numeric(shown["share"], errors="coerce").round(1),
            "cumulative_share": pd.to_numeric(shown["cumulative_share"], errors="coerce").round(1),
        }
    )
    order = data["group"].tolist()
    more = f"，显示失分最多的 {top} 个" if len(pareto) > top else ""
    counted = f"{len(pareto):,} 个{name}有失分"  # not "项": the cards count 失分项 (item × 点位)
    base = alt.Chart(data, title=_title(f"失分最多的{name}", f"{counted}{more}"))
    y = alt.Y("group:N", sort=order, title=None)
    largest = float(data["points_lost"].max()) if len(data) else 0.0
    x_lost = alt.X("points_lost:Q", title="失分（分）", scale=_room_for_labels(largest))
    tooltip = [
        alt.Tooltip("group:N", title=name),
        alt.Tooltip("points_lost:Q", title="失分（分）"),
        alt.Tooltip("failed_items:Q", title="失分项数（项）"),
        alt.Tooltip("share:Q", title="占全部失分（%）", format=numbers.d3_format(1)),
        alt.Tooltip("cumulative_share:Q", title="累计占比（%）", format=numbers.d3_format(1)),
    ]
    bars = base.mark_bar(color=palette.BAD).encode(y=y, x=x_lost, tooltip=tooltip)
    points = numbers.d3_format(METRICS["points_lost"].decimals)  # as the cards write 失分
    text = base.mark_text(align="left", dx=4).encode(
        y=y, x=x_lost, text=alt.Text("points_lost:Q", format=points)
    )
    x_share = alt.X(
        "cumulative_share:Q",
        title="累计占全部失分（%）",
        scale=alt.Scale(domain=[0, 100]),
        axis=alt.Axis(orient="top", grid=False),
    )
    line = base.mark_line(
        color=palette.BLACK, strokeWidth=2, point=alt.OverlayMarkDef(color=palette.BLACK, size=60)
    ).encode(y=y, x=x_share, order=alt.Order("cumulative_share:Q"), tooltip=tooltip)
    return alt.LayerChart(layer=[alt.LayerChart(layer=[bars, text]), line]).resolve_scale(
        x="independent"
    )
