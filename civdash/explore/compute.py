"""Computing a view: filter the ledger rows, group them, measure each group, order the groups.

Grouping is a pandas groupby on categorical keys, fast at a million rows. Catalogue metrics go
through `metrics.compute(by=...)`, so a number here is the number every other page shows. A
grouping or measure the data cannot give (a column the upload lacked, a population rate by
street) is an `ExploreResult` with `error` set, never an exception.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import cast

import altair as alt
import numpy as np
import pandas as pd

from civdash.config import DEFAULT_SETTINGS, Settings
from civdash.explore.chart import result_chart
from civdash.explore.choices import count_label, group_choices
from civdash.explore.fields import coded
from civdash.explore.spec import (
    ExploreSpec,
    Filter,
    Group,
    Measure,
    Period,
    RangeFilter,
    ValuesFilter,
)
from civdash.ledgers import get_kind
from civdash.metrics import METRICS, MISSING_GROUP, DateLike, LatestOnly, compute

__all__ = ["TABLE_MAX_ROWS", "ExploreResult", "apply_filters", "explore"]

TABLE_MAX_ROWS = 1000
"""Rows of the result table shown on the page; downloads carry all of them."""


def apply_filters(frame: pd.DataFrame, ledger: str, filters: Sequence[Filter]) -> pd.DataFrame:
    """The rows of `frame` that pass every filter (a filter on a missing column passes none)."""
    mask = np.ones(len(frame), dtype=bool)
    kind = get_kind(ledger)
    for flt in filters:
        if flt.field not in frame.columns:
            return frame.iloc[0:0]
        f = kind.field(flt.field)
        s = frame[flt.field]
        if isinstance(flt, ValuesFilter):
            codes, labels = coded(frame, f)
            wanted = set(flt.values)
            chosen = np.array([(x if x is not None else MISSING_GROUP) in wanted for x in labels])
            mask &= chosen[codes]
            continue
        elif isinstance(flt, RangeFilter):
            if f.type == "date":
                d = pd.to_datetime(s, errors="coerce").dt.normalize()
                hit = d.notna()
                if flt.low is not None:
                    hit &= d >= pd.Timestamp(cast(date, flt.low))
                if flt.high is not None:
                    hit &= d <= pd.Timestamp(cast(date, flt.high))
            else:
                num = pd.to_numeric(s, errors="coerce").astype("float64")
                hit = num.notna()
                if isinstance(flt.low, int | float):
                    hit &= num >= float(flt.low)
                if isinstance(flt.high, int | float):
                    hit &= num <= float(flt.high)
        else:
            hit = s.astype("string").str.contains(flt.text, case=False, regex=False)
        mask &= hit.fillna(False).to_numpy(dtype=bool)
    return frame[mask]


def _period_start(s: pd.Series, period: Period) -> np.ndarray:
    """Monday of the week, or the 1st of the month, of each date (NaT stays NaT)."""
    days = pd.to_datetime(s, errors="coerce").to_numpy("datetime64[D]")
    if period == "month":
        return days.astype("datetime64[M]").astype("datetime64[D]")
    # 1970-01-01 was a Thursday, so (days + 3) % 7 is 0 on Mondays
    offset = (days.astype("int64") + 3) % 7
    return days - offset.astype("timedelta64[D]")


def _group_key(frame: pd.DataFrame, ledger: str, g: Group) -> tuple[pd.Series, bool]:
    """The group labels of each row as an ordered Categorical, and whether that order is
    natural (periods, numbers, the registry's choices) rather than alphabetical."""
    f = get_kind(ledger).field(g.field)
    s = frame[g.field]
    natural = True
    if g.period is not None:
        starts = _period_start(s, g.period)
        codes, uniques = pd.factorize(starts, sort=True)
        fmt = "%Y-%m" if g.period == "month" else "%Y-%m-%d"
        labels = [pd.Timestamp(u).strftime(fmt) for u in uniques]
    elif f.type == "int":
        num = pd.to_numeric(s, errors="coerce")
        codes, uniques = pd.factorize(num, sort=True)
        labels = [str(int(u)) for u in uniques]
    else:
        raw_codes, raw_labels = coded(frame, f)
        order = {
            c: i for i, c in enumerate(f.choices or (("是", "否") if f.type == "bool" else ()))
        }
        natural = bool(order)
        # distinct values can share a label ("南港区" and "南港区 "): one group each label
        present = sorted(
            {x for x in raw_labels if x is not None}, key=lambda x: (order.get(x, len(order)), x)
        )
        position = {x: i for i, x in enumerate(present)}
        to_group = np.array([position.get(x, -1) if x is not None else -1 for x in raw_labels])
        codes, labels = to_group[raw_codes], present
    codes = np.asarray(codes)
    if (codes < 0).any():
        labels = [*labels, MISSING_GROUP]
        codes = np.where(codes < 0, len(labels) - 1, codes)
    categories = pd.Categorical.from_codes(codes, categories=pd.Index(labels), ordered=True)
    return pd.Series(categories, index=frame.index, name=g.token), natural


def _measure_label(ledger: str, m: Measure) -> tuple[str, str, int]:
    """(column header, unit, decimals) of a measure's value column."""
    if m.kind == "count":
        return count_label(ledger), "", 0
    if m.kind == "metric":
        mdef = METRICS[m.name]
        return f"{mdef.label}（{mdef.unit}）", mdef.unit, mdef.decimals
    f = get_kind(ledger).field(m.name)
    return (f"{f.label}合计", "", 1) if m.kind == "sum" else (f"{f.label}平均值", "", 2)


def _as_text(key: pd.Series) -> pd.Series:
    """A categorical key as a string column, built by taking labels (fast at a million rows)."""
    labels = pd.array(list(map(str, key.cat.categories)), dtype="string")
    return pd.Series(labels.take(key.cat.codes.to_numpy()), index=key.index, name=key.name)


def _aggregate(
    rows: pd.DataFrame,
    keys: list[pd.Series],
    spec: ExploreSpec,
    *,
    as_of: DateLike,
    population: float | Mapping[str, float] | None,
    settings: Settings,
) -> pd.DataFrame | float:
    m = spec.measure
    tokens = [k.name for k in keys]
    if m.kind == "metric":
        # compute() groups on label columns added beside the fields, never over them (a metric
        # reads status or is_party_member itself); district stays itself, since a population
        # rate looks districts up by name, and so does the field a metric of the latest value
        # only is grouped by (测评批次: each round, not the latest one alone)
        latest = METRICS[m.name].latest
        kept = {"district", *([latest.of] if latest is not None else [])}
        names = [t if t in kept else f"__by{i}" for i, t in enumerate(tokens)]
        work = rows.assign(**{n: _as_text(k) for n, k in zip(names, keys, strict=True)})
        result = compute(
            m.name, work, as_of=as_of, population=population, by=names or None, settings=settings
        )
        if not isinstance(result, pd.DataFrame):
            return float(result)
        return result.rename(columns=dict(zip(names, tokens, strict=True)))
    if m.kind == "count":
        values = pd.Series(1.0, index=rows.index)
    else:
        values = pd.to_numeric(rows[m.name], errors="coerce").astype("float64")
    if not keys:
        if m.kind == "count":
            return float(len(rows))
        return float(values.sum()) if m.kind == "sum" else float(values.mean())
    frame = pd.DataFrame({**{str(k.name): k for k in keys}, "value": values})
    grouped = frame.groupby(tokens, observed=True, sort=True)["value"]
    out = (
        grouped.size()
        if m.kind == "count"
        else grouped.sum()
        if m.kind == "sum"
        else grouped.mean()
    )
    return out.astype("float64").rename("value").reset_index()


def _order(table: pd.DataFrame, keys: list[pd.Series], natural: list[bool]) -> pd.DataFrame:
    """Groups in their natural order (periods, numbers, registry choices); a single group
    without one (districts, streets, units) by value, largest first."""
    if table.empty:
        return table
    if len(keys) == 1 and not natural[0]:
        return table.sort_values(
            ["value", keys[0].name], ascending=[False, True], na_position="last", kind="stable"
        ).reset_index(drop=True)
    rank = {
        str(k.name): table[str(k.name)].map({c: i for i, c in enumerate(k.cat.categories)})
        for k in keys
    }
    order = pd.DataFrame(rank).sort_values(list(rank), kind="stable").index
    return table.loc[order].reset_index(drop=True)


def _latest_note(
    latest: LatestOnly | None, rows: pd.DataFrame, groups: list[Group], ledger: str
) -> list[str]:
    """Said when a metric of the latest value only (the latest 测评批次) left other values out."""
    if latest is None or any(g.field == latest.of for g in groups) or latest.of not in rows:
        return []
    mask = latest.rows(rows)
    if mask.all() or not mask.any():
        return []
    label = get_kind(ledger).field(latest.of).label
    newest = str(rows[latest.of][mask].iloc[0]).strip()
    return [f"指标只计最近一个{label}（{newest}）；按『{label}』分组可查看各{label}的数值。"]


@dataclass(frozen=True)
class ExploreResult:
    """What the page shows for a spec: the aggregated table, its chart, and notes.

    `table` has one column per group (named by the group's token) and `value` (rates also carry
    `numerator` and `denominator`), all groups, in display order; `labels` gives their Chinese
    headers. `rows` are the filtered ledger rows (for the detail download).
    """

    spec: ExploreSpec
    rows_total: int
    rows_matched: int
    table: pd.DataFrame
    labels: Mapping[str, str]
    value: float | None
    value_text: str
    decimals: int
    chart: alt.Chart | alt.LayerChart | None
    notes: tuple[str, ...]
    error: str | None
    rows: pd.DataFrame = field(repr=False)

    @property
    def display_table(self) -> pd.DataFrame:
        """The first `TABLE_MAX_ROWS` rows of the table, rounded, with Chinese headers."""
        head = self.table.head(TABLE_MAX_ROWS).copy()
        for col in ("value", "numerator", "denominator"):
            if col in head.columns:
                head[col] = (
                    head[col].astype("float64").round(self.decimals if col == "value" else 2)
                )
        return head.rename(columns=dict(self.labels))

    @property
    def table_truncated(self) -> bool:
        return len(self.table) > TABLE_MAX_ROWS


def _format(value: float | None, decimals: int, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:,.{decimals}f}{unit if unit not in ('', '行') else ''}"


def explore(
    frame: pd.DataFrame,
    spec: ExploreSpec,
    *,
    as_of: DateLike,
    population: float | Mapping[str, float] | None = None,
    settings: Settings = DEFAULT_SETTINGS,
) -> ExploreResult:
    """Filter `frame` (rows of `spec.ledger`), group and measure it, and chart the result.

    A metric that cannot be computed for this grouping (注册志愿者占常住人口比例 needs the
    population and groups only by district) gives a result with `error` set, not an exception.
    """
    rows = apply_filters(frame, spec.ledger, spec.filters)
    header, unit, decimals = _measure_label(spec.ledger, spec.measure)
    groups = [g for g in spec.group_by if g.field in frame.columns]
    labels = {g.token: group_choices(spec.ledger).get(g.token, g.token) for g in groups}
    labels |= {"value": header, "numerator": "分子", "denominator": "分母"}
    notes: list[str] = []
    error: str | None = None
    kind = get_kind(spec.ledger)
    # a count is of what the ledger's rows are (问题数): the rows that count, as on every page
    measured = kind.counted(rows) if spec.measure.kind == "count" else rows
    keys_natural = [_group_key(measured, spec.ledger, g) for g in groups]
    keys = [k for k, _ in keys_natural]
    natural = [n for _, n in keys_natural]
    empty = pd.DataFrame({**{g.token: pd.Series(dtype="string") for g in groups}, "value": []})
    out: pd.DataFrame | float = empty
    m = spec.measure
    if (
        m.kind == "metric"
        and METRICS[m.name].needs_population
        and groups not in ([], [Group("district")])
    ):
        # a share of the resident population exists per district only
        error = f"『{METRICS[m.name].label}』要用各区县的常住人口计算，只能按所属区县分组或不分组。"
    elif missing := [g for g in spec.group_by if g.field not in frame.columns]:
        names = "、".join(get_kind(spec.ledger).field(g.field).label for g in missing)
        error = f"当前{get_kind(spec.ledger).label}台账中没有『{names}』列，无法按它分组。"
    elif m.kind in ("sum", "mean") and m.name not in frame.columns:
        kind = get_kind(spec.ledger)
        what = "合计" if m.kind == "sum" else "平均值"
        error = f"当前{kind.label}台账中没有『{kind.field(m.name).label}』列，无法计算{what}。"
    else:
        try:
            out = _aggregate(
                measured, keys, spec, as_of=as_of, population=population, settings=settings
            )
        except (KeyError, ValueError) as exc:
            error = str(exc.args[0]) if exc.args else str(exc)
    value: float | None = None
    if isinstance(out, float):
        value, table = out, empty
    else:
        table = _order(out, keys, natural)
    counting = m.kind in ("metric", "count") and bool(kind.uncounted_note)
    if counting and len(kind.counted(rows)) < len(rows):
        notes.append(kind.uncounted_note)  # metrics and counts take only the rows that count
    if m.kind == "metric" and error is None:
        notes.extend(_latest_note(METRICS[m.name].latest, kind.counted(rows), groups, spec.ledger))
    if len(table) > TABLE_MAX_ROWS:
        notes.append(
            f"共 {len(table):,} 组，表格只显示前 {TABLE_MAX_ROWS:,} 组，下载文件包含全部。"
        )
    chart = None
    if groups and not table.empty and error is None:
        orders = [[str(c) for c in k.cat.categories] for k in keys]
        chart, chart_notes = result_chart(table, spec, groups, labels, natural, orders, unit)
        notes.extend(chart_notes)
    return ExploreResult(
        spec=spec,
        rows_total=len(frame),
        rows_matched=len(rows),
        table=table,
        labels=labels,
        value=value,
        value_text=_format(value, decimals, unit),
        decimals=decimals,
        chart=chart,
        notes=tuple(notes),
        error=error,
        rows=rows,
    )
