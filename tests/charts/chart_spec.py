"""Reading Vega-Lite specs in chart tests."""

from __future__ import annotations

from typing import Any

import altair as alt

AS_OF = "2026-11-15"


def chart_rows(chart: alt.TopLevelMixin) -> list[dict[str, Any]]:
    """Every data row the chart's Vega-Lite spec carries (all datasets, all layers)."""
    spec = chart.to_dict()
    rows: list[dict[str, Any]] = []
    for values in spec.get("datasets", {}).values():
        rows.extend(values)
    return rows


def main_rows(chart: alt.TopLevelMixin) -> list[dict[str, Any]]:
    """The rows of the chart's first (main) layer."""
    spec = chart.to_dict()
    data = spec["layer"][0].get("data", spec.get("data")) if "layer" in spec else spec["data"]
    return spec["datasets"][data["name"]]


def encoding(chart: alt.TopLevelMixin, layer: int = 0) -> dict[str, Any]:
    spec = chart.to_dict()
    return spec["layer"][layer]["encoding"] if "layer" in spec else spec["encoding"]


def mark(chart: alt.TopLevelMixin, layer: int = 0) -> str:
    spec = chart.to_dict()
    m = spec["layer"][layer]["mark"] if "layer" in spec else spec["mark"]
    return m["type"] if isinstance(m, dict) else m


def title(chart: alt.TopLevelMixin) -> str:
    spec = chart.to_dict()
    t = spec.get("title") or spec["layer"][0].get("title")
    return t["text"] if isinstance(t, dict) else t
