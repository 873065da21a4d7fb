"""创建单位 page: where the creation units stand, as one frozen `UnitsView`.

`build_units_view(led, table_for)` turns the units ledger in force (already narrowed to the
sidebar's district) into everything the page shows: headline cards with week-over-week change and
target, counts by category × level × district, the status pipeline 培育中 → 已申报 → 已命名 →
复查保留 / 已撤销, the score distribution against the pass mark, the units below target and the
units table. `table_for` maps a snapshot to its metric table (`dashboard.metric_table`); the app
passes `ui.metrics_for`, which is cached per snapshot.

A unit passes when its score reaches its own 目标分, else the configured pass mark
(`Settings.unit_pass_mark`), the same rule as the catalogue's 创建单位达标率.

`Target`, `Headline`, `scope_target` and `headline` are shared with the volunteers view.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from types import MappingProxyType
from typing import Any, Literal, NamedTuple

import altair as alt
import numpy as np
import pandas as pd

from civdash import palette
from civdash.charts import Chart, configure, score_distribution, units_by_category_level
from civdash.dashboard import CITY, Change, Ledgers, change
from civdash.ledgers.units import CATEGORIES, LEVELS, STATUSES
from civdash.metrics import METRICS, MISSING_GROUP, format_value
from civdash.store import SnapshotInfo

__all__ = [
    "BAR_STEP",
    "BELOW_TARGET_LIMIT",
    "HEADLINE_METRICS",
    "UNIT_TABLE_LIMIT",
    "Headline",
    "TableFor",
    "Target",
    "UnitRows",
    "UnitsView",
    "build_units_view",
    "cn_date",
    "configured",
    "headline",
    "headlines_for",
    "scope_target",
    "target_records",
]

TableFor = Callable[[SnapshotInfo], pd.DataFrame]
"""A snapshot → its metric table (`dashboard.metric_table`); the app caches it per snapshot."""

HEADLINE_METRICS = ("unit_count", "named_units", "unit_pass_rate", "unit_avg_score")
UNIT_TABLE_LIMIT = 5_000
"""Most rows the units table sends to the browser (a city has a few thousand units)."""
BELOW_TARGET_LIMIT = 500
"""Most units listed below target (largest shortfall first)."""

PASSED, FAILED, UNSCORED = "达标", "未达标", "未测评"
BAR_STEP = 40
"""Pixels per bar of the horizontal bar charts: readable from the back of a meeting room."""


# ---------------------------------------------------------------- chart configuration


def configured(chart: Chart, *, large: bool = False) -> Chart:
    """`charts.configure(chart)` with the same spec at a fraction of the cost.

    `configure` chains six `configure_*` calls, each copying the chart; on a layered chart that
    is the largest cost of a page rerun after Vega-Lite validation. Here the configuration is
    taken from a configured empty chart and set on one shallow copy.
    """
    out = chart.copy(deep=False)
    out.config = configure(alt.Chart(), large=large).config
    return out


# ---------------------------------------------------------------- targets and headline cards


def cn_date(d: date) -> str:
    """2026年12月31日."""
    return f"{d.year}年{d.month}月{d.day}日"


@dataclass(frozen=True)
class Target:
    """One target that applies to the page's scope."""

    key: str
    value: float
    due: date | None
    district: str
    """The district the target was set for; "" for a city-wide target."""

    @property
    def text(self) -> str:
        """e.g. "目标 85.0%（2026年12月31日前）"."""
        due = f"（{cn_date(self.due)}前）" if self.due else ""
        return f"目标 {format_value(self.key, self.value)}{due}"

    def reached(self, value: float) -> bool | None:
        """Whether `value` meets the target in the metric's better direction (None: no value)."""
        if value is None or math.isnan(value):
            return None
        if METRICS[self.key].better == "lower":
            return value <= self.value
        return value >= self.value

    def gap_text(self, value: float) -> str:
        """ "已达标" or "尚差 3.2 个百分点" / "尚差 1,234人"."""
        ok = self.reached(value)
        if ok is None:
            return "暂无数据"
        if ok:
            return "已达标"
        gap = abs(self.value - value)
        if METRICS[self.key].is_rate:
            return f"尚差 {gap:.1f} 个百分点"
        return f"尚差 {format_value(self.key, gap)}"


def _text(value: object) -> str:
    return "" if value is None or value is pd.NA or value != value else str(value).strip()


def target_records(targets: pd.DataFrame) -> list[dict[str, Any]]:
    """A targets table as plain records: it has a few dozen rows, and looking targets up in
    Python is far cheaper than a pandas filter per lookup."""
    return targets.to_dict("records") if "metric" in targets.columns else []


def scope_target(
    targets: pd.DataFrame | Sequence[Mapping[str, Any]], key: str, district: str | None
) -> Target | None:
    """The target of metric `key` for the scope: the district's own target when it has one;
    otherwise the city-wide one, but for a district only when the metric is a rate or a mean
    (a city-wide count target such as 10,000 party volunteers says nothing about one district).
    `targets` is `Ledgers.targets()` or, for many lookups, its `target_records`.
    """
    records = target_records(targets) if isinstance(targets, pd.DataFrame) else targets
    rows = [r for r in records if _text(r.get("metric")) == key]
    wanted = [r for r in rows if _text(r.get("district")) == (district or CITY)]
    if not wanted and district and not METRICS[key].additive:
        wanted = [r for r in rows if _text(r.get("district")) == CITY]
    if not wanted:
        return None
    row = wanted[-1]
    value = float(row["target"])
    if math.isnan(value):
        return None
    due = pd.Timestamp(row["due"]).date() if _text(row.get("due")) else None
    return Target(key, value, due, _text(row.get("district")))


@dataclass(frozen=True)
class Headline:
    """One headline card: value, week-over-week change coloured by the metric's direction, target."""

    key: str
    label: str
    value_text: str
    delta_text: str
    """ "+1.2 个百分点", "−35人", or "无上周数据"."""
    delta_color: Literal["green", "red", "gray"]
    """green: the change goes the metric's better way; red: the other way; gray: flat/unknown."""
    delta_arrow: Literal["up", "down", "off"]
    compared_with: str
    """ "较11月8日" (the snapshot compared with), "" in a first week."""
    help: str
    """The metric's definition, for the card's tooltip."""
    target_text: str
    """ "目标 85.0%（2026年12月31日前）· 尚差 10.1 个百分点", "" without a target."""
    on_target: bool | None


_WAN = 10_000.0
_COMPACT_FROM = 100_000.0


def _compact(key: str, value: float | None) -> str | None:
    """Counts and totals of 100,000 or more in 万 ("277.5万小时"), so a card stays readable on a
    projector; None when the ordinary format is short enough."""
    mdef = METRICS[key]
    if value is None or math.isnan(value) or mdef.is_rate or abs(value) < _COMPACT_FROM:
        return None
    return f"{value / _WAN:,.1f}万{mdef.unit}"


def _compact_delta(ch: Change) -> str | None:
    d = ch.delta
    text = _compact(ch.key, abs(d)) if d is not None else None
    return f"{'+' if d >= 0 else '−'}{text}" if text and d is not None else None


def headline(ch: Change, target: Target | None = None) -> Headline:
    """A card from a `dashboard.Change` and the scope's target (if any)."""
    mdef = METRICS[ch.key]
    d = ch.delta
    # a change that rounds to zero at the precision shown is "flat", not a grey "+0.0"
    flat = d is not None and round(abs(d), 1 if mdef.is_rate else mdef.decimals) == 0
    good = None if flat else ch.is_good
    color: Literal["green", "red", "gray"] = "gray" if good is None else "green" if good else "red"
    arrow: Literal["up", "down", "off"] = "off" if d is None or flat else "up" if d > 0 else "down"
    compared = (
        f"较{ch.previous_as_of.month}月{ch.previous_as_of.day}日" if ch.previous_as_of else ""
    )
    target_text = f"{target.text} · {target.gap_text(ch.value)}" if target else ""
    return Headline(
        key=ch.key,
        label=ch.label,
        value_text=_compact(ch.key, ch.value) or ch.value_text,
        delta_text="持平" if flat else _compact_delta(ch) or ch.delta_text,
        delta_color=color,
        delta_arrow=arrow,
        compared_with=compared,
        help=METRICS[ch.key].definition,
        target_text=target_text,
        on_target=target.reached(ch.value) if target else None,
    )


def _zero_if_nan(value: float) -> float:
    return 0.0 if math.isnan(value) else value


def headlines_for(
    led: Ledgers, kind: str, keys: Sequence[str], table_for: TableFor
) -> tuple[Headline, ...]:
    """Cards for catalogue metrics of one ledger: now vs the snapshot about a week earlier."""
    snap = led.snapshots[kind]
    prev = led.previous.get(kind)
    now = table_for(snap)
    before = table_for(prev) if prev is not None else None
    targets = target_records(led.targets())
    out = []
    for key in keys:
        if not (now["metric"] == key).any():
            continue  # e.g. volunteer_rate without population
        ch = change(
            key, now, before, district=led.district, previous_as_of=prev.as_of if prev else None
        )
        if METRICS[key].additive:
            # a metric table has no row for a district without rows: that count is 0, not unknown
            ch = replace(
                ch,
                value=_zero_if_nan(ch.value),
                previous=None if ch.previous is None else _zero_if_nan(ch.previous),
            )
        out.append(headline(ch, scope_target(targets, key, led.district)))
    return tuple(out)


# ---------------------------------------------------------------- the view


class UnitRows(NamedTuple):
    rows: pd.DataFrame
    """At most `UNIT_TABLE_LIMIT` rows, display headers."""
    total: int
    """Units matching the filters before the limit."""


_TABLE_COLUMNS: Mapping[str, str] = MappingProxyType(
    {
        "unit_id": "单位编号",
        "unit_name": "单位名称",
        "category": "创建类别",
        "level": "级别",
        "district": "区县",
        "street": "街道/乡镇",
        "status": "创建状态",
        "score": "测评得分",
        "mark": "达标分",
        "result": "是否达标",
        "named_year": "命名年份",
        "department": "主管部门",
    }
)


@dataclass(frozen=True)
class UnitsView:
    """Everything the 创建单位 page shows for one scope and as-of date."""

    scope: str
    as_of: date | None
    previous_as_of: date | None
    headlines: tuple[Headline, ...]
    category_level_chart: Chart
    area_level_chart: Chart
    """By district and level; by street and level when a district is chosen."""
    counts: pd.DataFrame
    """区县 × 创建类别 rows, one column per level, then 合计; a last 合计 row."""
    status_counts: pd.DataFrame
    """status (pipeline order), count, previous (NaN without last week), change."""
    status_chart: Chart
    score_chart: Chart
    pass_rule_text: str
    below_target: pd.DataFrame
    """Scored units under their pass mark, largest shortfall first (display headers)."""
    below_target_total: int
    units: pd.DataFrame
    """Every unit in scope (display headers), by district, category, level, name."""
    category_options: tuple[str, ...]
    status_options: tuple[str, ...]

    def filter_units(
        self, categories: Sequence[str] = (), statuses: Sequence[str] = ()
    ) -> UnitRows:
        """The units table narrowed to the chosen categories and statuses (empty = all)."""
        rows = self.units
        if categories:
            rows = rows[rows["创建类别"].isin(list(categories))]
        if statuses:
            rows = rows[rows["创建状态"].isin(list(statuses))]
        return UnitRows(rows.head(UNIT_TABLE_LIMIT).reset_index(drop=True), len(rows))


def _labels(values: pd.Series, blank: str = MISSING_GROUP) -> pd.Series:
    """Text with blanks as `blank`; cleans the distinct values only (a column has a handful)."""
    codes, uniques = pd.factorize(values)
    clean = pd.Series(uniques, dtype="object").astype("string").str.strip().fillna("")
    names = clean.mask(clean == "", blank).to_numpy(dtype=object)
    out = names[np.clip(codes, 0, None)] if len(names) else np.full(len(codes), blank, dtype=object)
    return pd.Series(np.where(codes >= 0, out, blank), index=values.index, dtype="str")


def _ordered(present: set[str], order: Sequence[str]) -> list[str]:
    known = [v for v in order if v in present]
    return known + sorted(present - set(known))


def _marks(units: pd.DataFrame, pass_mark: float) -> pd.Series:
    own = pd.to_numeric(units["target_score"], errors="coerce") if "target_score" in units else None
    if own is None:
        return pd.Series(pass_mark, index=units.index, dtype="float64")
    return own.fillna(pass_mark).astype("float64")


def _prepared(units: pd.DataFrame, pass_mark: float) -> pd.DataFrame:
    """The columns the page works with, blanks as 未填写, with each unit's pass mark and result."""
    score = pd.to_numeric(units["score"], errors="coerce").astype("float64")
    mark = _marks(units, pass_mark)
    result = np.where(score.isna(), UNSCORED, np.where(score >= mark, PASSED, FAILED))
    out = pd.DataFrame(
        {
            "unit_id": units["unit_id"].fillna(""),
            "unit_name": units["unit_name"].fillna(""),
            "category": _labels(units["category"]),
            "level": _labels(units["level"]),
            "district": _labels(units["district"]),
            "street": units["street"].fillna(""),
            "status": _labels(units["status"]),
            "score": score,
            "mark": mark,
            "result": result,
            "named_year": units["named_year"].astype("Int64"),
            "department": units["department"].fillna(""),
        },
        index=units.index,
    )
    return out


def _district_order(led: Ledgers, present: set[str]) -> list[str]:
    names = led.districts.names if led.districts is not None else ()
    return _ordered(present, names)


def _rank(values: pd.Series, order: Sequence[str]) -> np.ndarray:
    """Each value's position in `order` (values not in it after all of them), for sorting."""
    positions = {v: i for i, v in enumerate(order)}
    return values.map(positions).fillna(len(order)).to_numpy(dtype="int64")


def _counts(units: pd.DataFrame, districts: list[str]) -> pd.DataFrame:
    levels = _ordered(set(units["level"]), [*LEVELS, MISSING_GROUP])
    grid = (
        units.groupby(["district", "category", "level"], sort=False)
        .size()
        .unstack("level", fill_value=0)
        .reindex(columns=levels, fill_value=0)
        .reset_index()
    )
    grid["合计"] = grid[levels].sum(axis=1)
    order = np.lexsort((_rank(grid["category"], CATEGORIES), _rank(grid["district"], districts)))
    grid = grid.iloc[order].rename(columns={"district": "区县", "category": "创建类别"})
    total = {"区县": "合计", "创建类别": "", **{c: int(grid[c].sum()) for c in [*levels, "合计"]}}
    grid = pd.concat([grid, pd.DataFrame([total])], ignore_index=True)
    return grid.astype({c: "int64" for c in [*levels, "合计"]})


def _area_level_chart(units: pd.DataFrame, led: Ledgers, districts: list[str]) -> alt.Chart:
    """Stacked bars by district and level; by street and level once a district is chosen
    (one bar for the whole district would say nothing)."""
    field, name = ("street", "街道/乡镇") if led.district else ("district", "区县")
    area = _labels(units[field])
    counts = (
        pd.DataFrame({"area": area, "level": units["level"]})
        .groupby(["area", "level"])
        .size()
        .rename("count")
        .reset_index()
    )
    if led.district:
        order = counts.groupby("area")["count"].sum().sort_values(ascending=False).index.tolist()
    else:
        order = districts
    levels = [*LEVELS, MISSING_GROUP]
    colors = [palette.LEVEL_COLORS[lv] for lv in LEVELS] + [palette.NO_DATA]
    rank = {lv: i for i, lv in enumerate(levels)}
    counts["level_order"] = counts["level"].map(rank).fillna(len(levels)).astype(int)
    return (
        alt.Chart(counts, title=alt.TitleParams(f"创建单位数量（按{name}和级别）"))
        .mark_bar()
        .encode(
            x=alt.X("area:N", sort=order, title=name, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("sum(count):Q", title="单位数（个）"),
            color=alt.Color("level:N", title="级别", scale=alt.Scale(domain=levels, range=colors)),
            order=alt.Order("level_order:Q", sort="ascending"),
            tooltip=[
                alt.Tooltip("area:N", title=name),
                alt.Tooltip("level:N", title="级别"),
                alt.Tooltip("sum(count):Q", title="单位数"),
            ],
        )
    )


def _status_counts(now: pd.DataFrame, before: pd.Series | None) -> pd.DataFrame:
    """Units per status now and in the snapshot a week earlier (`before`: its statuses)."""
    counts = now["status"].value_counts()
    statuses = _ordered(set(counts.index), [*STATUSES, MISSING_GROUP])
    for s in STATUSES:  # the whole pipeline is shown, empty stages as 0
        if s not in statuses:
            statuses.insert(STATUSES.index(s), s)
    out = pd.DataFrame({"status": statuses})
    out["count"] = [int(counts.get(s, 0)) for s in statuses]
    if before is None:
        out["previous"] = np.nan
    else:
        prev = before.value_counts()
        out["previous"] = [float(prev.get(s, 0)) for s in statuses]
    out["change"] = out["count"] - out["previous"]
    return out


def _signed(v: float) -> str:
    return f"{'+' if v > 0 else '−' if v < 0 else '±'}{abs(v):,.0f}"


def _status_chart(counts: pd.DataFrame) -> alt.LayerChart:
    data = counts.copy()
    data["label"] = [
        f"{c:,}个" + ("" if math.isnan(ch) else f"（较上周{_signed(ch)}）")
        for c, ch in zip(data["count"], data["change"], strict=True)
    ]
    order = data["status"].tolist()
    colors = [palette.UNIT_STATUS_COLORS.get(s, palette.NO_DATA) for s in order]
    base = alt.Chart(
        data,
        title=alt.TitleParams("创建状态", subtitle="培育中 → 已申报 → 已命名 → 复查保留 / 已撤销"),
    )
    bars = base.mark_bar().encode(
        y=alt.Y("status:N", sort=order, title=""),
        x=alt.X("count:Q", title="单位数（个）"),
        color=alt.Color("status:N", scale=alt.Scale(domain=order, range=colors), legend=None),
        tooltip=[
            alt.Tooltip("status:N", title="创建状态"),
            alt.Tooltip("count:Q", title="单位数"),
            alt.Tooltip("label:N", title="说明"),
        ],
    )
    text = base.mark_text(align="left", dx=4).encode(
        y=alt.Y("status:N", sort=order), x=alt.X("count:Q"), text=alt.Text("label:N")
    )
    return alt.LayerChart(layer=[bars, text]).properties(height=alt.Step(BAR_STEP))


_BELOW_COLUMNS: Mapping[str, str] = MappingProxyType(
    {
        "unit_name": "单位名称",
        "district": "区县",
        "street": "街道/乡镇",
        "category": "创建类别",
        "level": "级别",
        "status": "创建状态",
        "score": "测评得分",
        "mark": "达标分",
        "gap": "差距（分）",
    }
)


def _below_target(units: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    below = units[units["result"] == FAILED].assign(gap=lambda f: (f["mark"] - f["score"]).round(1))
    below = below.sort_values(["gap", "unit_name"], ascending=[False, True], kind="stable")
    shown = below.head(BELOW_TARGET_LIMIT)[list(_BELOW_COLUMNS)].rename(columns=_BELOW_COLUMNS)
    return shown.reset_index(drop=True), len(below)


def _sorted_units(units: pd.DataFrame, districts: list[str]) -> pd.DataFrame:
    """By district (the district table's order), category, level (全国 first), then name."""
    order = np.lexsort(
        (
            units["unit_name"].to_numpy(dtype=object),
            _rank(units["level"], LEVELS),
            _rank(units["category"], CATEGORIES),
            _rank(units["district"], districts),
        )
    )
    return units.iloc[order]


def build_units_view(led: Ledgers, table_for: TableFor) -> UnitsView:
    """The 创建单位 page for the ledgers in force (`led` must hold a units snapshot)."""
    settings = led.settings
    now = _prepared(led.frame("units"), settings.unit_pass_mark)
    prev_frame = led.previous_frames.get("units")
    before = _labels(prev_frame["status"]) if prev_frame is not None else None
    prev_snap = led.previous.get("units")
    districts = _district_order(led, set(now["district"]))

    below, below_total = _below_target(now)
    table = _sorted_units(now, districts)
    table = table[list(_TABLE_COLUMNS)].rename(columns=_TABLE_COLUMNS).reset_index(drop=True)
    statuses = _status_counts(now, before)
    has_own = (
        "target_score" in led.frame("units") and led.frame("units")["target_score"].notna().any()
    )
    pass_rule = (
        f"达标线：单位自有目标分；未填写目标分的单位按 {settings.unit_pass_mark:g} 分。"
        if has_own
        else f"达标线：{settings.unit_pass_mark:g} 分。"
    )
    return UnitsView(
        scope=led.scope_label,
        as_of=led.kind_as_of("units"),
        previous_as_of=prev_snap.as_of if prev_snap else None,
        headlines=headlines_for(led, "units", HEADLINE_METRICS, table_for),
        category_level_chart=units_by_category_level(now),
        area_level_chart=_area_level_chart(now, led, districts),
        counts=_counts(now, districts),
        status_counts=statuses,
        status_chart=_status_chart(statuses),
        score_chart=score_distribution(led.frame("units"), settings=settings),
        pass_rule_text=pass_rule,
        below_target=below,
        below_target_total=below_total,
        units=table,
        category_options=tuple(_ordered(set(now["category"]), CATEGORIES)),
        status_options=tuple(_ordered(set(now["status"]), STATUSES)),
    )
