"""创建单位 page: where the creation units stand, as one frozen `UnitsView`.

`build_units_view(led, table_for)` turns the units ledger in force (already narrowed to the
sidebar's district) into everything the page shows: headline cards with week-over-week change and
target, counts by category × level × district, the status pipeline 培育中 → 已申报 → 已命名 →
复查保留 / 已撤销, the score distribution against the pass mark, the units below target and the
units table. `table_for` maps a snapshot to its metric table (`dashboard.metric_table`); the app
passes `ui.metrics_for`, which is cached per snapshot.

A unit passes when its score reaches its own 目标分, else the configured pass mark
(`Settings.unit_pass_mark`), the same rule as the catalogue's 创建单位达标率.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import NamedTuple

import altair as alt
import numpy as np
import pandas as pd

from civdash import numbers, palette
from civdash.charts import Chart, score_distribution, units_by_category_level
from civdash.dashboard import Ledgers
from civdash.ledgers.units import CATEGORIES, LEVELS, STATUSES
from civdash.metrics import MISSING_GROUP, compared_text
from civdash.names import shorten
from civdash.views.common import (
    BAR_STEP,
    Headline,
    TableFor,
    headlines_for,
)

__all__ = [
    "BELOW_TARGET_LIMIT",
    "HEADLINE_METRICS",
    "UNIT_TABLE_LIMIT",
    "UnitRows",
    "UnitsView",
    "build_units_view",
]

HEADLINE_METRICS = ("unit_count", "named_units", "unit_pass_rate", "unit_avg_score")
UNIT_TABLE_LIMIT = 5_000
"""Most rows the units table sends to the browser (a city has a few thousand units)."""
BELOW_TARGET_LIMIT = 500
"""Most units listed below target (largest shortfall first)."""

PASSED, FAILED, UNSCORED = "达标", "未达标", "未测评"


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
        # one column per district along the bottom: short names (civdash.names)
        counts["area"] = shorten(counts["area"], led.districts)
        order = shorten(pd.Series(districts, dtype=object), led.districts).tolist()
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


def _status_chart(counts: pd.DataFrame, previous_as_of: date | None = None) -> alt.LayerChart:
    data = counts.copy()
    compared = compared_text(previous_as_of) or "较上周"
    data["label"] = [
        numbers.number(c, 0, "个")
        + ("" if math.isnan(ch) else f"（{compared} {numbers.change(ch, 0, '个')}）")
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
    """The 创建单位 page for the ledgers in force (`led` must hold a units snapshot).

    Kept by `led.cached` (the app passes `ui.metrics_for` as `table_for`, always the same).
    """
    return led.cached("units_view", lambda: _units_view(led, table_for))


def _units_view(led: Ledgers, table_for: TableFor) -> UnitsView:
    settings = led.settings
    now = _prepared(led.frame("units"), settings.unit_pass_mark)
    prev_frame = led.previous_frames.get("units")
    before = _labels(prev_frame["status"]) if prev_frame is not None else None
    prev_snap = led.previous.get("units")
    districts = _district_order(led, set(now["district"]))

    below, below_total = _below_target(now)
    table = _sorted_units(now, districts)
    table = table[list(_TABLE_COLUMNS)].rename(columns=_TABLE_COLUMNS).reset_index(drop=True)
    counts = _counts(now, districts)
    for shown in (below, table, counts):  # 区县 is one narrow column of many (civdash.names)
        shown["区县"] = shorten(shown["区县"], led.districts)
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
        counts=counts,
        status_counts=statuses,
        status_chart=_status_chart(statuses, prev_snap.as_of if prev_snap else None),
        score_chart=score_distribution(led.frame("units"), settings=settings),
        pass_rule_text=pass_rule,
        below_target=below,
        below_target_total=below_total,
        units=table,
        category_options=tuple(_ordered(set(now["category"]), CATEGORIES)),
        status_options=tuple(_ordered(set(now["status"]), STATUSES)),
    )
