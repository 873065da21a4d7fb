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

The package by capability:

- `spec`: the `ExploreSpec`, its filters, groups and measures, and its URL query encoding;
- `fields`: what each field can be in a view (filtered how, grouped, measured) and how its
  values read, from the ledger registry alone;
- `choices`: the page's widgets: groupings, measures, filterable fields, one field's filter
  control, and a spec described in Chinese;
- `compute`: filtering, grouping and measuring into an `ExploreResult`;
- `chart`: the Altair chart of an aggregated table;
- `files`: the result and its rows as Excel / CSV downloads (through `civdash.exports`).
"""

from __future__ import annotations

from civdash.explore.chart import CHART_MAX_CATEGORIES, CHART_MAX_SERIES
from civdash.explore.choices import (
    FieldControl,
    describe,
    field_control,
    filter_fields,
    group_choices,
    measure_choices,
)
from civdash.explore.compute import TABLE_MAX_ROWS, ExploreResult, apply_filters, explore
from civdash.explore.files import (
    ROWS_EXPORT_MAX,
    Download,
    downloads,
    result_csv,
    result_excel,
    rows_csv,
    rows_excel,
)
from civdash.explore.spec import (
    CHARTS,
    PERIODS,
    ChartType,
    ContainsFilter,
    ExploreSpec,
    Filter,
    Group,
    Measure,
    RangeFilter,
    ValuesFilter,
)

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
