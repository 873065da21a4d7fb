"""The `ExploreSpec`: one view (ledger, filters, up to two groups, a measure, a chart type), a
frozen value that round-trips through URL query parameters so an analyst can send a link::

    ?ledger=issues&in.status=待整改,整改中&by=street&measure=metric.overdue_issues&chart=bar

Lists are comma-separated (a backslash escapes a comma or a backslash), ranges are ``low~high``
with either side open. A link is read leniently: whatever does not fit the ledger is dropped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, TypeAlias, cast

from civdash.explore.fields import filter_mode, groupable, measurable
from civdash.ledgers import LEDGER_KINDS, get_kind
from civdash.metrics import METRICS

__all__ = [
    "CHARTS",
    "PERIODS",
    "ChartType",
    "ContainsFilter",
    "ExploreSpec",
    "Filter",
    "Group",
    "Measure",
    "Period",
    "RangeFilter",
    "ValuesFilter",
    "bound_text",
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

_QUERY_KEYS = ("ledger", "by", "measure", "chart")
_FILTER_PREFIXES = ("in.", "range.", "has.")


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


def bound_text(v: date | float | None) -> str:
    """One side of a range as written in a link: 2026-09-01, 60, 59.5; "" when open."""
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
        """Counts by the kind's `default_group`: a sensible first view of any ledger (by
        district; targets by metric)."""
        group = get_kind(ledger).default_group
        groups = (Group(group),) if group in get_kind(ledger).field_names else ()
        return ExploreSpec(ledger, group_by=groups)

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
                out[f"range.{f.field}"] = f"{bound_text(f.low)}~{bound_text(f.high)}"
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
            mode = filter_mode(ledger, f)
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
    if not groupable(ledger, f):
        return False
    return g.period in PERIODS if f.type == "date" else g.period is None


def _valid_measure(ledger: str, m: Measure) -> bool:
    if m.kind == "count":
        return m.name == ""
    if m.kind == "metric":
        return m.name in METRICS and METRICS[m.name].ledger == ledger
    kind = get_kind(ledger)
    return m.name in kind.field_names and measurable(ledger, kind.field(m.name))
