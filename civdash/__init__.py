"""CivDash (文明创建数据看板): read a civilization office's ledgers, store snapshots, compute metrics.

The public API is the names in `__all__`: the dashboard's numbers, charts and maps, one import
away in a notebook. They live in `civdash.toolkit` and are imported on first use, so
`import civdash` stays fast (pandas, SQLAlchemy, Altair and Folium load only when needed).

>>> import civdash
>>> store = civdash.open_store()                                   # doctest: +SKIP
>>> led = civdash.ledgers_at(store, district="南港区")              # doctest: +SKIP
>>> civdash.compute_metric(led, "问题整改率")                        # doctest: +SKIP
75.24...
>>> civdash.chart("issue_breakdown", led, field="point_type")       # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "assessment_chart",
    "assessment_losses",
    "assessment_map",
    "assessment_ranking",
    "assessment_repeats",
    "assessment_rounds",
    "assessment_summary",
    "chart",
    "compute_metric",
    "dashboard_map",
    "enable_offline_charts",
    "export_chart",
    "export_map",
    "ledger_parts",
    "ledgers_at",
    "metric_by_week",
    "metric_catalogue",
    "notices_zip",
    "open_store",
    "read_ledger",
    "sample_store",
]

if TYPE_CHECKING:
    from civdash.toolkit import (
        assessment_chart,
        assessment_losses,
        assessment_map,
        assessment_ranking,
        assessment_repeats,
        assessment_rounds,
        assessment_summary,
        chart,
        compute_metric,
        dashboard_map,
        enable_offline_charts,
        export_chart,
        export_map,
        ledger_parts,
        ledgers_at,
        metric_by_week,
        metric_catalogue,
        notices_zip,
        open_store,
        read_ledger,
        sample_store,
    )


def __getattr__(name: str) -> Any:
    """Import the toolkit on first use of a public name; anything else is not here (so that
    `from civdash import maps` still finds the submodule)."""
    if name in __all__:
        from civdash import toolkit

        value = getattr(toolkit, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'civdash' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
