"""数据探索: filter a ledger, group it by one or two fields, measure each group, chart the result.

A view is an `ExploreSpec` (ledger, filters, grouping, measure, chart type), a frozen value that
round-trips through URL query parameters so an analyst can send a link::

    ?ledger=issues&in.status=待整改,整改中&by=street&measure=metric.overdue_issues&chart=bar

`explore(frame, spec, as_of=...)` turns a ledger frame into an `ExploreResult`: the aggregated
table (group columns + ``value``), its Chinese headers, an Altair chart built from the aggregated
rows only, and notes. Grouping is a pandas groupby on categorical keys, fast at a million rows;
catalogue metrics go through `metrics.compute(by=...)`, so a number here is the number every other
page shows. Which filter a field takes follows the registry: a date or number takes a range, free
text and names take "contains", any other coded field a list of values.

>>> spec = ExploreSpec.from_query({"ledger": "volunteers", "by": "district", "measure": "sum.hours"})
>>> result = explore(volunteers, spec, as_of="2026-11-15")                      # doctest: +SKIP
>>> result.table.columns.tolist()                                              # doctest: +SKIP
['district', 'value']
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Literal, TypeAlias, cast

import altair as alt
import numpy as np
import pandas as pd

from civdash import palette
from civdash.config import DEFAULT_SETTINGS, Settings
from civdash.exports import CSV_MIME, XLSX_MIME, to_csv_bytes, to_excel_bytes
from civdash.ledgers import LEDGER_KINDS, Field, get_kind
from civdash.metrics import METRICS, MISSING_GROUP, DateLike, compute, real_issues
from civdash.privacy import is_personal

__all__ = [
    "CHARTS",
    "CHART_MAX_CATEGORIES",
    "CHART_MAX_SERIES",
    "PERIODS",
    "ROWS_EXPORT_MAX",
    "TABLE_MAX_ROWS",
    "ChartType",
    "ContainsFilter",
    "Download",
    "ExploreResult",
    "ExploreSpec",
    "FieldControl",
    "Filter",
    "Group",
    "Measure",
    "RangeFilter",
    "ValuesFilter",
    "apply_filters",
    "describe",
    "downloads",
    "explore",
    "field_control",
    "filter_fields",
    "group_choices",
    "measure_choices",
    "result_csv",
    "result_excel",
    "rows_csv",
    "rows_excel",
]

ChartType: TypeAlias = Literal["bar", "line", "stacked", "heatmap"]
Period: TypeAlias = Literal["week", "month"]

CHARTS: Mapping[str, str] = {
    "bar": "柱状图",
    "line": "折线图",
    "stacked": "堆叠柱状图",
    "heatmap": "热力图",
}
"""Chart types by key, with their Chinese names (heatmap needs two groups)."""

PERIODS: Mapping[str, str] = {"week": "按周", "month": "按月"}
"""How a date field is grouped: weeks start on Monday (周一), months on the 1st."""

TABLE_MAX_ROWS = 1000
"""Rows of the result table shown on the page; downloads carry all of them."""
CHART_MAX_CATEGORIES = 30
"""Bars (or heatmap rows/columns) in a chart: the largest groups, or the latest periods."""
CHART_MAX_SERIES = 8
"""Colours in a chart with two groups: the largest second-level groups."""
ROWS_EXPORT_MAX = 100_000
"""Filtered rows in a detail download (Excel and CSV)."""

_NOT_MEASURES = frozenset({"lat", "lon", "named_year"})
"""Numeric fields that are not quantities: coordinates and years are never summed or averaged."""
_NAME_FIELDS = frozenset({"name", "unit_name"})
"""Coded fields with a value per row: filtered by "contains", never by a list of values."""
_QUERY_KEYS = ("ledger", "by", "measure", "chart")
_FILTER_PREFIXES = ("in.", "range.", "has.")
_CITY = "全市"


# ---------------------------------------------------------------------------------------------
# The spec


@dataclass(frozen=True)
class ValuesFilter:
    """Rows whose field is one of `values` (未填写 matches blanks; bools are 是/否)."""

    field: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class RangeFilter:
    """Rows whose date or number lies in [low, high]; None leaves that side open."""

    field: str
    low: date | float | None = None
    high: date | float | None = None


@dataclass(frozen=True)
class ContainsFilter:
    """Rows whose text contains `text` (case-insensitive)."""

    field: str
    text: str


Filter: TypeAlias = ValuesFilter | RangeFilter | ContainsFilter


@dataclass(frozen=True)
class Group:
    """A grouping field; a date field is grouped by week or month."""

    field: str
    period: Period | None = None

    @property
    def token(self) -> str:
        """ "district", "found_on.month": the form used in URLs and as the result's column name."""
        return f"{self.field}.{self.period}" if self.period else self.field

    @staticmethod
    def parse(token: str) -> Group:
        name, _, period = token.partition(".")
        return Group(name, cast(Period, period) if period else None)


@dataclass(frozen=True)
class Measure:
    """What each group gets: row count, sum or mean of a numeric field, or a catalogue metric."""

    kind: Literal["count", "sum", "mean", "metric"] = "count"
    name: str = ""

    @property
    def token(self) -> str:
        return self.kind if self.kind == "count" else f"{self.kind}.{self.name}"

    @staticmethod
    def parse(token: str) -> Measure:
        kind, _, name = token.partition(".")
        if kind not in ("count", "sum", "mean", "metric"):
            raise ValueError(f"unknown measure {token!r}")
        return Measure(cast(Literal["count", "sum", "mean", "metric"], kind), name)


def _filter_mode(kind: str, f: Field) -> Literal["values", "range", "contains"] | None:
    """Which filter a field takes, from the registry alone (so a link means the same everywhere)."""
    if is_personal(kind, f.name):
        return None  # nobody searches the ledger by someone's phone or ID number here
    if f.type in ("date", "float", "int"):
        return "range"
    if f.type == "text" or f.name in _NAME_FIELDS or f.name == get_kind(kind).id_field:
        return "contains"
    return "values"


def _groupable(kind: str, f: Field) -> bool:
    return not (is_personal(kind, f.name) or f.type == "float" or f.name == get_kind(kind).id_field)


def _measurable(kind: str, f: Field) -> bool:
    return (
        f.type in ("float", "int") and f.name not in _NOT_MEASURES and not is_personal(kind, f.name)
    )


def _escape_item(text: str) -> str:
    return text.replace("\\", "\\\\").replace(",", "\\,")


def _split_items(text: str) -> list[str]:
    """Split "a,b\\,c" into ["a", "b,c"] (a backslash escapes a comma or a backslash)."""
    items, current, escaped = [], [], False
    for ch in text:
        if escaped:
            current.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == ",":
            items.append("".join(current))
            current = []
        else:
            current.append(ch)
    items.append("".join(current))
    return [i for i in items if i != ""]


def _bound_text(v: date | float | None) -> str:
    if v is None:
        return ""
    if isinstance(v, date):
        return v.isoformat()
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def _parse_bound(text: str, ftype: str) -> date | float | None:
    text = text.strip()
    if not text:
        return None
    if ftype == "date":
        return date.fromisoformat(text)
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _last(value: str | Sequence[str] | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return value[-1] if len(value) else None


@dataclass(frozen=True)
class ExploreSpec:
    """One exploration: ledger, filters, up to two groups, a measure and a chart type."""

    ledger: str = "issues"
    filters: tuple[Filter, ...] = ()
    group_by: tuple[Group, ...] = (Group("district"),)
    measure: Measure = field(default_factory=Measure)
    chart: ChartType = "bar"

    @staticmethod
    def default(ledger: str = "issues") -> ExploreSpec:
        """Counts by district: a sensible first view of any ledger (targets: by metric)."""
        return ExploreSpec(
            ledger, group_by=(Group("metric" if ledger == "targets" else "district"),)
        )

    def filter_for(self, name: str) -> Filter | None:
        return next((f for f in self.filters if f.field == name), None)

    @classmethod
    def from_choices(
        cls,
        ledger: str,
        filters: Sequence[Filter],
        group_tokens: Sequence[str],
        measure_token: str,
        chart: str,
    ) -> ExploreSpec:
        """The spec a page's widgets describe (group tokens "" = none), checked like a link."""
        return cls.from_query(
            {
                **cls(ledger, tuple(filters)).to_query(),
                "by": ",".join(t for t in group_tokens if t),
                "measure": measure_token,
                "chart": chart,
            }
        )

    # -- URL query parameters

    @staticmethod
    def is_query_key(key: str) -> bool:
        """True for the query parameters a spec owns (others, like the sidebar's, are kept)."""
        return key in _QUERY_KEYS or key.startswith(_FILTER_PREFIXES)

    def to_query(self) -> dict[str, str]:
        """The spec as URL query parameters (one value per key; lists comma-separated)."""
        out = {
            "ledger": self.ledger,
            "by": ",".join(g.token for g in self.group_by),
            "measure": self.measure.token,
            "chart": self.chart,
        }
        for f in self.filters:
            if isinstance(f, ValuesFilter):
                out[f"in.{f.field}"] = ",".join(_escape_item(v) for v in f.values)
            elif isinstance(f, RangeFilter):
                out[f"range.{f.field}"] = f"{_bound_text(f.low)}~{_bound_text(f.high)}"
            else:
                out[f"has.{f.field}"] = f.text
        return out

    @classmethod
    def from_query(cls, params: Mapping[str, str | Sequence[str]]) -> ExploreSpec:
        """The spec a link describes. Anything that does not fit the ledger (an unknown field,
        a bad date, a filter of the wrong kind) is dropped, never an error: links get edited."""
        ledger = _last(params.get("ledger")) or "issues"
        if ledger not in LEDGER_KINDS:
            ledger = "issues"
        spec = cls.default(ledger)
        kind = get_kind(ledger)
        fields = {f.name: f for f in kind.fields}
        by = _last(params.get("by"))
        groups = spec.group_by
        if by is not None:
            wanted = [Group.parse(t) for t in by.split(",") if t.strip()]
            groups = tuple(dict.fromkeys(g for g in wanted if _valid_group(ledger, g)))[:2]
        measure = spec.measure
        if (token := _last(params.get("measure"))) is not None:
            try:
                candidate = Measure.parse(token)
            except ValueError:
                candidate = measure
            if _valid_measure(ledger, candidate):
                measure = candidate
        chart = _last(params.get("chart")) or spec.chart
        filters: list[Filter] = []
        for key in params:
            prefix, _, name = key.partition(".")
            f = fields.get(name)
            raw = _last(params.get(key))
            if f is None or raw is None or any(x.field == name for x in filters):
                continue
            mode = _filter_mode(ledger, f)
            parsed: Filter | None = None
            if prefix == "in" and mode == "values":
                values = tuple(dict.fromkeys(_split_items(raw)))
                parsed = ValuesFilter(name, values) if values else None
            elif prefix == "range" and mode == "range":
                lo, _, hi = raw.partition("~")
                try:
                    low, high = _parse_bound(lo, f.type), _parse_bound(hi, f.type)
                except ValueError:
                    continue
                parsed = RangeFilter(name, low, high) if (low, high) != (None, None) else None
            elif prefix == "has" and mode == "contains" and raw.strip():
                parsed = ContainsFilter(name, raw.strip())
            if parsed is not None:
                filters.append(parsed)
        return cls(
            ledger,
            tuple(filters),
            groups,
            measure,
            cast(ChartType, chart if chart in CHARTS else "bar"),
        )


def _valid_group(ledger: str, g: Group) -> bool:
    kind = get_kind(ledger)
    if g.field not in kind.field_names:
        return False
    f = kind.field(g.field)
    if not _groupable(ledger, f):
        return False
    return g.period in PERIODS if f.type == "date" else g.period is None


def _valid_measure(ledger: str, m: Measure) -> bool:
    if m.kind == "count":
        return m.name == ""
    if m.kind == "metric":
        return m.name in METRICS and METRICS[m.name].ledger == ledger
    kind = get_kind(ledger)
    return m.name in kind.field_names and _measurable(ledger, kind.field(m.name))


# ---------------------------------------------------------------------------------------------
# Choices for the page's widgets


def group_choices(ledger: str) -> dict[str, str]:
    """Grouping tokens → Chinese names for a ledger ("found_on.week" → "发现日期（按周）")."""
    out: dict[str, str] = {}
    for f in get_kind(ledger).fields:
        if not _groupable(ledger, f):
            continue
        if f.type == "date":
            for period, name in PERIODS.items():
                out[Group(f.name, cast(Period, period)).token] = f"{f.label}（{name}）"
        else:
            out[f.name] = f.label
    return out


def measure_choices(ledger: str) -> dict[str, str]:
    """Measure tokens → Chinese names: 行数, sums and means, then the ledger's metrics."""
    out = {"count": "行数"}
    for f in get_kind(ledger).fields:
        if _measurable(ledger, f):
            out[f"sum.{f.name}"] = f"{f.label}合计"
            out[f"mean.{f.name}"] = f"{f.label}平均值"
    for key, m in METRICS.items():
        if m.ledger == ledger:
            out[f"metric.{key}"] = f"指标：{m.label}"
    return out


def filter_fields(ledger: str) -> dict[str, str]:
    """Fields a ledger can be filtered by → Chinese names (personal fields never)."""
    return {f.name: f.label for f in get_kind(ledger).fields if _filter_mode(ledger, f)}


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


def _label(kind: str, f: Field, value: object) -> str | None:
    """The text a user sees and chooses for one stored value: 是/否 for booleans, a metric's
    Chinese name, 全市 for a city-wide target; None for a blank."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        text = ""
    elif f.type == "bool":
        return "是" if bool(value) else "否"
    else:
        text = str(value).strip()
    if kind == "targets" and f.name == "district":
        return text or _CITY
    if kind == "targets" and f.name == "metric" and text in METRICS:
        return METRICS[text].label
    return text or None


def _coded(frame: pd.DataFrame, kind: str, f: Field) -> tuple[np.ndarray, list[str | None]]:
    """A coded column as (code of each row, label of each code); the last code is the blank.

    Labels are worked out once per distinct value, so a million rows cost one factorize.
    """
    codes, uniques = pd.factorize(frame[f.name], use_na_sentinel=True)
    labels = [_label(kind, f, u) for u in uniques]
    labels.append(_label(kind, f, None))
    codes = np.where(codes < 0, len(labels) - 1, codes)
    return codes, labels


def field_control(frame: pd.DataFrame, ledger: str, name: str) -> FieldControl:
    """The filter control of one field, with choices (or bounds) taken from `frame`."""
    f = get_kind(ledger).field(name)
    mode = _filter_mode(ledger, f)
    present = name in frame.columns
    if mode == "values":
        options: list[str] = []
        if f.type == "bool":
            options = ["是", "否"]
        elif present:
            codes, labels = _coded(frame, ledger, f)
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


# ---------------------------------------------------------------------------------------------
# Filtering and grouping


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
            codes, labels = _coded(frame, ledger, f)
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
        raw_codes, raw_labels = _coded(frame, ledger, f)
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
        return "行数", "行", 0
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
        # rate looks districts up by name
        names = [t if t == "district" else f"__by{i}" for i, t in enumerate(tokens)]
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


# ---------------------------------------------------------------------------------------------
# The result


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
    keys_natural = [_group_key(rows, spec.ledger, g) for g in groups]
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
                rows, keys, spec, as_of=as_of, population=population, settings=settings
            )
        except (KeyError, ValueError) as exc:
            error = str(exc.args[0]) if exc.args else str(exc)
    value: float | None = None
    if isinstance(out, float):
        value, table = out, empty
    else:
        table = _order(out, keys, natural)
    if m.kind == "metric" and spec.ledger == "issues" and len(real_issues(rows)) < len(rows):
        notes.append("指标按问题统计，不含问题描述记为“无”的检查记录。")
    if len(table) > TABLE_MAX_ROWS:
        notes.append(
            f"共 {len(table):,} 组，表格只显示前 {TABLE_MAX_ROWS:,} 组，下载文件包含全部。"
        )
    chart = None
    if groups and not table.empty and error is None:
        orders = [[str(c) for c in k.cat.categories] for k in keys]
        chart, chart_notes = _chart(table, spec, groups, labels, natural, orders, unit)
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


# ---------------------------------------------------------------------------------------------
# The chart (aggregated rows only: at most CHART_MAX_CATEGORIES × CHART_MAX_SERIES points)


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
_FIXED_COLORS: Mapping[tuple[str, str], Mapping[str, str]] = {
    ("issues", "status"): palette.STATUS_COLORS,
    ("units", "status"): palette.UNIT_STATUS_COLORS,
    ("units", "level"): palette.LEVEL_COLORS,
}


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
    """Statuses and levels keep the colours they have on every other page."""
    fixed = _FIXED_COLORS.get((spec.ledger, field_name), {})
    if fixed and all(d in fixed for d in domain):
        return alt.Scale(domain=domain, range=[fixed[d] for d in domain])
    return alt.Scale(domain=domain, range=list(_SERIES_COLORS[: len(domain)]))


def _chart(
    table: pd.DataFrame,
    spec: ExploreSpec,
    groups: Sequence[Group],
    labels: Mapping[str, str],
    natural: Sequence[bool],
    orders: Sequence[Sequence[str]],
    unit: str,
) -> tuple[alt.Chart | alt.LayerChart, list[str]]:
    """The chart of an aggregated table, and notes on what it leaves out or changes.

    One group: bars down the side (categories) or along the bottom (periods), or a line.
    Two groups: the second one is the colour (grouped or stacked bars, lines) or the heatmap's
    columns. Stacking only adds what can be added: rates and means fall back to grouped bars.
    Categories are sized by step, so legends and long labels never squeeze the bars.
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


# ---------------------------------------------------------------------------------------------
# Describing and downloading


def describe(spec: ExploreSpec) -> list[str]:
    """The spec in Chinese, one line each: ledger, filters, grouping, measure."""
    kind = get_kind(spec.ledger)
    lines = [f"台账：{kind.label}"]
    for f in spec.filters:
        label = kind.field(f.field).label
        if isinstance(f, ValuesFilter):
            lines.append(f"筛选：{label} 为 {'、'.join(f.values)}")
        elif isinstance(f, RangeFilter):
            low = _bound_text(f.low) or "不限"
            high = _bound_text(f.high) or "不限"
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


def _notes(result: ExploreResult, scope: Sequence[str]) -> list[str]:
    return [
        "数据探索导出",
        *scope,
        *describe(result.spec),
        f"符合条件的行数：{result.rows_matched:,}（共 {result.rows_total:,} 行）",
        *result.notes,
    ]


def _result_frame(result: ExploreResult) -> pd.DataFrame:
    if result.value is not None or (result.table.empty and not result.spec.group_by):
        return pd.DataFrame({"value": [result.value]})
    return result.table


def result_excel(result: ExploreResult, scope: Sequence[str] = ()) -> bytes:
    """The aggregated result as .xlsx: a 说明 sheet (scope, filters, grouping) and 汇总结果."""
    return to_excel_bytes(
        {"汇总结果": _result_frame(result)},
        kinds={"汇总结果": result.spec.ledger},
        labels=result.labels,
        notes=_notes(result, scope),
    )


def result_csv(result: ExploreResult) -> bytes:
    """The aggregated result as CSV (UTF-8 with BOM, Chinese headers)."""
    return to_csv_bytes(_result_frame(result), kind=result.spec.ledger, labels=result.labels)


def _export_rows(result: ExploreResult) -> tuple[pd.DataFrame, list[str]]:
    rows = result.rows.head(ROWS_EXPORT_MAX)
    notes = []
    if len(result.rows) > ROWS_EXPORT_MAX:
        notes.append(
            f"符合条件的 {len(result.rows):,} 行中只导出了前 {ROWS_EXPORT_MAX:,} 行；请加筛选条件分批导出。"
        )
    return rows, notes


def rows_excel(result: ExploreResult, scope: Sequence[str] = ()) -> bytes:
    """The filtered rows (at most `ROWS_EXPORT_MAX`) as .xlsx, personal data masked."""
    rows, notes = _export_rows(result)
    return to_excel_bytes(
        {"明细": rows},
        kinds={"明细": result.spec.ledger},
        notes=[*_notes(result, scope), *notes],
    )


def rows_csv(result: ExploreResult) -> bytes:
    """The filtered rows (at most `ROWS_EXPORT_MAX`) as CSV, personal data masked."""
    rows, _ = _export_rows(result)
    return to_csv_bytes(rows, kind=result.spec.ledger)


@dataclass(frozen=True)
class Download:
    """One download of a result: built only when the user clicks (`data` is called then)."""

    key: str
    label: str
    data: Callable[[], bytes] = field(repr=False)
    file_name: str
    mime: str


def downloads(result: ExploreResult, scope: Sequence[str], name: str) -> tuple[Download, ...]:
    """The result and its filtered rows, each as Excel and CSV, named `{name}_汇总.xlsx` etc."""
    return (
        Download("result_xlsx", "结果（Excel）", partial(result_excel, result, scope),
                 f"{name}_汇总.xlsx", XLSX_MIME),
        Download("result_csv", "结果（CSV）", partial(result_csv, result), f"{name}_汇总.csv", CSV_MIME),
        Download("rows_xlsx", "明细（Excel）", partial(rows_excel, result, scope),
                 f"{name}_明细.xlsx", XLSX_MIME),
        Download("rows_csv", "明细（CSV）", partial(rows_csv, result), f"{name}_明细.csv", CSV_MIME),
    )  # fmt: skip
