"""The public API of `civdash.explore`: the package re-exports what its modules define."""

from __future__ import annotations

from civdash import explore as ex


def test_public_api_is_what_all_lists() -> None:
    assert set(ex.__all__) == {
        "CHARTS", "CHART_MAX_CATEGORIES", "CHART_MAX_SERIES", "PERIODS", "ROWS_EXPORT_MAX",
        "TABLE_MAX_ROWS", "ChartType", "ContainsFilter", "Download", "ExploreResult",
        "ExploreSpec", "FieldControl", "Filter", "Group", "Measure", "RangeFilter", "ValuesFilter",
        "apply_filters", "describe", "downloads", "explore", "field_control", "filter_fields",
        "group_choices", "measure_choices", "result_csv", "result_excel", "rows_csv", "rows_excel",
    }  # fmt: skip
    assert all(hasattr(ex, name) for name in ex.__all__)
