"""What the explore tests share: the as-of date, specs that exercise every part of a link, and
reading a result's table and chart as plain values."""

from __future__ import annotations

from datetime import date

from civdash import explore as ex
from civdash.explore import ContainsFilter, ExploreSpec, Group, Measure, RangeFilter, ValuesFilter
from civdash.metrics import MISSING_GROUP

AS_OF = "2026-11-15"

ROUND_TRIPS = [
    ExploreSpec(),
    ExploreSpec.default("targets"),
    ExploreSpec("volunteers", group_by=(), measure=Measure("metric", "volunteer_rate")),
    ExploreSpec(
        "issues",
        filters=(
            ValuesFilter("status", ("待整改", "整改中")),
            RangeFilter("found_on", date(2026, 9, 1), None),
            ContainsFilter("description", "垃圾, 桶&=1+1 \\ 50%"),
        ),
        group_by=(Group("found_on", "week"), Group("status")),
        measure=Measure("metric", "overdue_issues"),
        chart="stacked",
    ),
    ExploreSpec(
        "units",
        filters=(
            ValuesFilter("street", ("东湖,街道", "back\\slash", MISSING_GROUP)),
            RangeFilter("score", 59.5, 100.0),
            RangeFilter("named_year", None, 2020.0),
        ),
        group_by=(Group("level"), Group("category")),
        measure=Measure("mean", "score"),
        chart="heatmap",
    ),
    ExploreSpec(
        "volunteers",
        filters=(ValuesFilter("is_party_member", ("是",)), ContainsFilter("name", "张")),
        group_by=(Group("registered_on", "month"),),
        measure=Measure("sum", "hours"),
        chart="line",
    ),
]
"""Specs that use every filter, period, measure kind and chart type (and commas, backslashes and
URL characters in values); `ROUND_TRIPS[3]` is the one the readable-link tests spell out."""


def values_by(result: ex.ExploreResult, key: str) -> dict[str, float]:
    """The result's value of each group of column `key`."""
    return {str(k): float(v) for k, v in zip(result.table[key], result.table["value"], strict=True)}


def chart_rows(result: ex.ExploreResult) -> list[dict[str, object]]:
    """Every data row the result's chart carries."""
    assert result.chart is not None
    spec = result.chart.to_dict()
    return [row for rows in spec["datasets"].values() for row in rows]
