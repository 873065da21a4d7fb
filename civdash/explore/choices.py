"""What a page offers for a ledger, in Chinese: the groupings, measures and filterable fields,
the filter control of one field (its widget, choices or bounds, and how a widget value becomes a
`Filter` and back), and a whole spec described line by line for an export's 说明 sheet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal, cast

import numpy as np
import pandas as pd

from civdash.explore.fields import coded, filter_mode, groupable, measurable
from civdash.explore.spec import (
    PERIODS,
    ContainsFilter,
    ExploreSpec,
    Filter,
    Group,
    Period,
    RangeFilter,
    ValuesFilter,
    bound_text,
)
from civdash.ledgers import get_kind
from civdash.metrics import METRICS, MISSING_GROUP

__all__ = [
    "FieldControl",
    "count_label",
    "describe",
    "field_control",
    "filter_fields",
    "group_choices",
    "measure_choices",
]


def group_choices(ledger: str) -> dict[str, str]:
    """Grouping tokens → Chinese names for a ledger ("found_on.week" → "发现日期（按周）")."""
    out: dict[str, str] = {}
    for f in get_kind(ledger).fields:
        if not groupable(ledger, f):
            continue
        if f.type == "date":
            for period, name in PERIODS.items():
                out[Group(f.name, cast(Period, period)).token] = f"{f.label}（{name}）"
        else:
            out[f.name] = f.label
    return out


def measure_choices(ledger: str) -> dict[str, str]:
    """Measure tokens → Chinese names: the count (what the ledger's rows are called: 问题数,
    志愿者人数 …), sums and means, then the ledger's metrics."""
    out = {"count": count_label(ledger)}
    for f in get_kind(ledger).fields:
        if measurable(ledger, f):
            out[f"sum.{f.name}"] = f"{f.label}合计"
            out[f"mean.{f.name}"] = f"{f.label}平均值"
    for key, m in METRICS.items():
        if m.ledger == ledger:
            out[f"metric.{key}"] = f"指标：{m.label}"
    return out


def count_label(ledger: str) -> str:
    """What the count measure of a ledger is called: its kind's `count_noun` (问题数, 志愿者人数,
    创建单位数), "行数" for a kind that names none.

    >>> count_label("issues"), count_label("volunteers")
    ('问题数', '志愿者人数')
    """
    return get_kind(ledger).count_noun or "行数"


def filter_fields(ledger: str) -> dict[str, str]:
    """Fields a ledger can be filtered by → Chinese names (personal fields never)."""
    return {f.name: f.label for f in get_kind(ledger).fields if filter_mode(ledger, f)}


@dataclass(frozen=True)
class FieldControl:
    """What the page needs to draw one filter: the widget, its choices or bounds, and how a
    widget value becomes a `Filter` (and back)."""

    field: str
    label: str
    widget: Literal["multiselect", "date_range", "number_range", "text"]
    options: tuple[str, ...] = ()
    low: date | float | None = None
    high: date | float | None = None

    @property
    def dates(self) -> tuple[date, date] | None:
        """(first, last) date in the data, for a date range; None when there is none."""
        if isinstance(self.low, date) and isinstance(self.high, date):
            return self.low, self.high
        return None

    @property
    def numbers(self) -> tuple[float, float] | None:
        """(lowest, highest) value in the data, for a number range; None when there is none."""
        if isinstance(self.low, int | float) and isinstance(self.high, int | float):
            return float(self.low), float(self.high)
        return None

    def value_for(self, f: Filter | None) -> object:
        """The widget value that shows filter `f` (None: no constraint)."""
        if self.widget == "multiselect":
            chosen = f.values if isinstance(f, ValuesFilter) else ()
            return [v for v in chosen if v in self.options]
        if self.widget == "text":
            return f.text if isinstance(f, ContainsFilter) else ""
        low, high = self.low, self.high
        if isinstance(f, RangeFilter) and low is not None and high is not None:
            lo = f.low if f.low is not None else low
            hi = f.high if f.high is not None else high
            lo = min(max(lo, low), high)  # type: ignore[type-var, operator]
            hi = max(min(hi, high), lo)  # type: ignore[type-var, operator]
            return (lo, hi)
        return (low, high)

    def clean(self, value: object) -> object:
        """A widget value made valid for this control (choices that exist, a range clamped to
        the data); a date range still being picked (one date so far) is left as it is."""
        if self.widget == "date_range" and isinstance(value, tuple | list) and len(value) == 1:
            return value
        return self.value_for(self.to_filter(value))

    def to_filter(self, value: object) -> Filter | None:
        """The filter a widget value means; None when it constrains nothing (an empty choice,
        the full range), so a half-used filter never silently drops rows with blanks."""
        if self.widget == "multiselect":
            values = tuple(str(v) for v in cast(Sequence[object], value or ()))
            return ValuesFilter(self.field, values) if values else None
        if self.widget == "text":
            text = str(value or "").strip()
            return ContainsFilter(self.field, text) if text else None
        bounds = tuple(cast(Sequence[object], value or ()))
        if len(bounds) != 2:
            return None  # a date range still being picked
        lo, hi = cast(tuple[date | float | None, date | float | None], bounds)
        low = None if lo is None or lo == self.low else lo
        high = None if hi is None or hi == self.high else hi
        if self.widget == "number_range":
            low = float(low) if isinstance(low, int | float) else None
            high = float(high) if isinstance(high, int | float) else None
        return RangeFilter(self.field, low, high) if (low, high) != (None, None) else None


def field_control(frame: pd.DataFrame, ledger: str, name: str) -> FieldControl:
    """The filter control of one field, with choices (or bounds) taken from `frame`."""
    f = get_kind(ledger).field(name)
    mode = filter_mode(ledger, f)
    present = name in frame.columns
    if mode == "values":
        options: list[str] = []
        if f.type == "bool":
            options = ["是", "否"]
        elif present:
            codes, labels = coded(frame, f)
            used = {labels[c] for c in np.unique(codes)}
            seen = {x for x in used if x is not None}
            options = [c for c in f.choices if c in seen] + sorted(seen - set(f.choices))
            if None in used:
                options.append(MISSING_GROUP)
        return FieldControl(name, f.label, "multiselect", tuple(options))
    if mode == "range":
        s = frame[name] if present else pd.Series(dtype="float64")
        if f.type == "date":
            d = pd.to_datetime(s, errors="coerce").dropna()
            lo = d.min().date() if len(d) else None
            hi = d.max().date() if len(d) else None
            return FieldControl(name, f.label, "date_range", low=lo, high=hi)
        num = pd.to_numeric(s, errors="coerce").dropna()
        low = float(np.floor(num.min())) if len(num) else None
        high = float(np.ceil(num.max())) if len(num) else None
        if low is not None and high is not None and high <= low:
            high = low + 1.0
        return FieldControl(name, f.label, "number_range", low=low, high=high)
    return FieldControl(name, f.label, "text")


def describe(spec: ExploreSpec) -> list[str]:
    """The spec in Chinese, one line each: ledger, filters, grouping, measure."""
    kind = get_kind(spec.ledger)
    lines = [f"台账：{kind.label}"]
    for f in spec.filters:
        label = kind.field(f.field).label
        if isinstance(f, ValuesFilter):
            lines.append(f"筛选：{label} 为 {'、'.join(f.values)}")
        elif isinstance(f, RangeFilter):
            low = bound_text(f.low) or "不限"
            high = bound_text(f.high) or "不限"
            lines.append(f"筛选：{label} 从 {low} 到 {high}")
        else:
            lines.append(f"筛选：{label} 包含“{f.text}”")
    choices = group_choices(spec.ledger)
    by = "、".join(choices.get(g.token, g.token) for g in spec.group_by) or "不分组"
    lines.append(f"分组：{by}")
    lines.append(
        f"度量：{measure_choices(spec.ledger).get(spec.measure.token, spec.measure.token)}"
    )
    return lines
