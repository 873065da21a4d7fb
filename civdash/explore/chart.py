"""The chart of an explore result, built from the aggregated rows only: at most
`CHART_MAX_CATEGORIES` × `CHART_MAX_SERIES` points however many ledger rows there are.

One group: bars down the side (categories) or along the bottom (periods), or a line. Two groups:
the second one is the colour (grouped or stacked bars, lines) or the heatmap's columns. A chart
that would mislead falls back with a note (a heatmap needs two groups; rates and means are not
stacked). Statuses and levels keep the colours they have on every other page (`Field.colors`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import altair as alt
import pandas as pd

from civdash import palette
from civdash.explore.spec import ExploreSpec, Group
from civdash.ledgers import get_kind
from civdash.metrics import METRICS

__all__ = ["CHART_MAX_CATEGORIES", "CHART_MAX_SERIES", "result_chart"]

CHART_MAX_CATEGORIES = 30
"""Bars (or heatmap rows/columns) in a chart: the largest groups, or the latest periods."""
CHART_MAX_SERIES = 8
"""Colours in a chart with two groups: the largest second-level groups."""

_SERIES_COLORS = (
    palette.BLUE,
    palette.ORANGE,
    palette.BLUISH_GREEN,
    palette.VERMILLION,
    palette.SKY_BLUE,
    palette.REDDISH_PURPLE,
    palette.YELLOW,
    palette.BLACK,
)


def _is_additive(spec: ExploreSpec) -> bool:
    m = spec.measure
    return m.kind in ("count", "sum") or (m.kind == "metric" and METRICS[m.name].additive)


def _keep(
    data: pd.DataFrame, column: str, order: Sequence[str], n: int, *, period: bool, natural: bool
) -> list[str]:
    """The categories of `column` a chart shows, in display order: the latest `n` periods, or
    the `n` largest by total |value| (shown in their natural order when they have one)."""
    present = set(data[column])
    ordered = [k for k in order if k in present]
    if period:
        return ordered[-n:]
    totals = data.assign(size=data["value"].abs()).groupby(column)["size"].sum()
    largest = totals.sort_values(ascending=False, kind="stable").index[:n].tolist()
    return [k for k in ordered if k in set(largest)] if natural else [str(k) for k in largest]


def _series_scale(spec: ExploreSpec, field_name: str, domain: list[str]) -> alt.Scale:
    """Statuses and levels keep the colours they have on every other page (`Field.colors`)."""
    kind = get_kind(spec.ledger)
    fixed = kind.field(field_name).colors if field_name in kind.field_names else {}
    if fixed and all(d in fixed for d in domain):
        return alt.Scale(domain=domain, range=[fixed[d] for d in domain])
    return alt.Scale(domain=domain, range=list(_SERIES_COLORS[: len(domain)]))


def result_chart(
    table: pd.DataFrame,
    spec: ExploreSpec,
    groups: Sequence[Group],
    labels: Mapping[str, str],
    natural: Sequence[bool],
    orders: Sequence[Sequence[str]],
    unit: str,
) -> tuple[alt.Chart | alt.LayerChart, list[str]]:
    """The chart of an aggregated table, and notes on what it leaves out or changes.

    `natural[i]` tells whether group i has an order of its own (periods, registry choices) and
    `orders[i]` is that display order. Stacking only adds what can be added: rates and means
    fall back to grouped bars. Categories are sized by step, so legends and long labels never
    squeeze the bars.
    """
    notes: list[str] = []
    kind: str = spec.chart
    if kind == "heatmap" and len(groups) < 2:
        kind = "bar"
        notes.append("热力图需要两个分组字段，已改为柱状图。")
    if kind == "stacked" and not _is_additive(spec):
        kind = "bar"
        notes.append("比率和平均值不能相加，堆叠柱状图已改为分组柱状图。")
    tokens = [g.token for g in groups]
    data = pd.DataFrame({f"g{i + 1}": table[t].astype(str) for i, t in enumerate(tokens)})
    data["value"] = table["value"].astype("float64")
    data = data.dropna(subset=["value"])
    limits = [CHART_MAX_CATEGORIES, CHART_MAX_CATEGORIES if kind == "heatmap" else CHART_MAX_SERIES]
    if kind == "bar" and len(tokens) > 1:
        # grouped bars: one bar per pair, so fewer categories (about 120 bars in all)
        series = min(CHART_MAX_SERIES, max(data["g2"].nunique(), 1))
        limits[0] = max(5, min(CHART_MAX_CATEGORIES, 120 // series))
    keep: list[list[str]] = []
    for i, token in enumerate(tokens):
        column, period = f"g{i + 1}", groups[i].period is not None
        kept = _keep(data, column, orders[i], limits[i], period=period, natural=natural[i])
        if len(kept) < data[column].nunique():
            which = "最近" if period else "数值最大的"
            notes.append(f"图表只显示{which} {len(kept)} 个{labels[token]}，表格和下载包含全部。")
        data = data[data[column].isin(kept)]
        keep.append(kept)

    fmt = (
        ",.2f"
        if spec.measure.kind == "mean"
        else ",.1f"
        if unit in ("%", "小时", "天", "分")
        else ","
    )
    value_title = labels["value"]
    tooltip = [alt.Tooltip(f"g{i + 1}:N", title=labels[t]) for i, t in enumerate(tokens)]
    tooltip.append(alt.Tooltip("value:Q", title=value_title, format=fmt))
    title = f"{value_title}（按{'、'.join(labels[t] for t in tokens)}）"
    base = alt.Chart(data, title=alt.TitleParams(text=title))
    across = groups[0].period is not None or kind == "line"
    angle = -45 if len(keep[0]) > 12 else 0
    # the chart title names the grouping, so a category axis needs no (rotated) title of its own
    first: alt.X | alt.Y = alt.Y("g1:N", sort=keep[0], title=None)
    if across:
        first = alt.X("g1:N", sort=keep[0], title=None, axis=alt.Axis(labelAngle=angle))

    if kind == "heatmap":
        scheme = palette.sequential_for(
            METRICS[spec.measure.name].better if spec.measure.kind == "metric" else None
        )
        heat = base.mark_rect().encode(
            x=alt.X("g2:N", sort=keep[1], title=labels[tokens[1]],
                    axis=alt.Axis(labelAngle=-45 if len(keep[1]) > 8 else 0, orient="top")),
            y=alt.Y("g1:N", sort=keep[0], title=None),
            color=alt.Color("value:Q", title=value_title, scale=alt.Scale(range=list(scheme))),
            tooltip=tooltip,
        )  # fmt: skip
        return heat.properties(height=alt.Step(32)), notes

    series = len(groups) > 1
    color: alt.Color | alt.ColorValue = alt.ColorValue(palette.NEUTRAL)
    if series:
        scale = _series_scale(spec, groups[1].field, keep[1])
        color = alt.Color("g2:N", title=labels[tokens[1]], sort=keep[1], scale=scale)
    if kind == "line":
        line = base.mark_line(point=True).encode(
            x=first, y=alt.Y("value:Q", title=value_title), color=color, tooltip=tooltip
        )
        return line.properties(height=440), notes

    stacked = kind == "stacked" and series
    stack: Literal["zero"] | None = "zero" if stacked else None
    value = (alt.Y if across else alt.X)("value:Q", title=value_title, stack=stack)
    encoding: dict[str, object] = {"color": color, "tooltip": tooltip}
    encoding |= {"x": first, "y": value} if across else {"y": first, "x": value}
    if series and not stacked:
        offset = alt.XOffset if across else alt.YOffset
        encoding["xOffset" if across else "yOffset"] = offset("g2:N", sort=keep[1])
    if stacked:
        # the first series (待整改 before 已销号) sits on the axis, as on the issues page
        position = {k: i for i, k in enumerate(keep[1])}
        base = alt.Chart(data.assign(o2=data["g2"].map(position)), title=base.title)
        encoding["order"] = alt.Order("o2:Q", sort="ascending")
    bars = base.mark_bar().encode(**encoding)
    if across:
        return bars.properties(height=440), notes
    if series:
        return bars.properties(height=alt.Step(16 if not stacked else 30)), notes
    text = base.mark_text(align="left", dx=4).encode(
        y=alt.Y("g1:N", sort=keep[0]), x=alt.X("value:Q"), text=alt.Text("value:Q", format=fmt)
    )
    return (bars + text).properties(height=alt.Step(30)), notes
