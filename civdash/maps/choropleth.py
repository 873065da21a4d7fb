"""District choropleths: each district coloured by a catalogue metric, with its legend.

Counts that grow with district size are shown per 10,000 residents when populations are known;
tooltips and popups carry each district's value, already escaped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import folium
import numpy as np
import pandas as pd

from civdash import palette
from civdash.config import DEFAULT_SETTINGS, Settings
from civdash.districts import DistrictTable
from civdash.maps.assets import AssetMode, OfflineMap
from civdash.maps.base import (
    Districts,
    add_layer_control,
    base_map,
    district_collection,
    district_features,
)
from civdash.maps.layers import GeoJsonLayer, ensure_styles
from civdash.maps.legend import add_legend
from civdash.maps.payload import esc
from civdash.metrics import METRICS, DateLike, compute, format_value, metric_key

__all__ = ["CHOSEN_OUTLINE", "add_district_choropleth", "choropleth_map"]

CHOSEN_OUTLINE = 4
"""Border width (px) of the chosen district on a map of every district; the others have 1.5."""


def _breaks(values: np.ndarray, classes: int) -> list[float]:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return []
    lo, hi = float(finite.min()), float(finite.max())
    if lo == hi:
        return [lo, hi]
    n = min(classes, max(int(np.unique(finite).size), 1))
    return [float(x) for x in np.linspace(lo, hi, n + 1)]


def _class_of(value: float, breaks: Sequence[float]) -> int:
    if len(breaks) < 2:
        return 0
    for i in range(len(breaks) - 1):
        if value <= breaks[i + 1]:
            return i
    return len(breaks) - 2


def add_district_choropleth(
    m: folium.Map,
    districts: Districts,
    frame: pd.DataFrame,
    metric: str,
    *,
    as_of: DateLike,
    population: Mapping[str, float] | None = None,
    per_capita: bool | None = None,
    classes: int = 5,
    settings: Settings = DEFAULT_SETTINGS,
    name: str | None = None,
    chosen: str | None = None,
) -> folium.Map:
    """Colour each district by a catalogue metric, with a legend, tooltips and popups.

    Counts that grow with district size (volunteers, hours, issues, units) are shown per 10,000
    residents when `per_capita` is True, or when it is None and populations are known. Districts
    without rows get 0 for counts and 无数据 for rates and means. The `chosen` district (the
    sidebar's) is outlined in black, drawn last so no neighbour's border covers it.
    """
    mdef = METRICS[metric_key(metric)]
    collection = district_collection(districts)
    if population is None and isinstance(districts, DistrictTable):
        population = districts.population()
    if population is None:
        population = {
            str(f.get("properties", {}).get("name")): float(f["properties"]["population"])
            for f in collection.get("features", [])
            if (f.get("properties") or {}).get("population") not in (None, "")
        }
    use_per_capita = mdef.per_capita and (
        per_capita if per_capita is not None else bool(population)
    )
    table = compute(
        mdef.key,
        frame,
        as_of=as_of,
        population=population if mdef.needs_population else None,
        by="district",
        settings=settings,
    )
    assert isinstance(table, pd.DataFrame)
    by_district = dict(
        zip(table["district"].astype(str), table["value"].astype(float), strict=True)
    )
    gcj02 = bool(getattr(m, "gcj02", False))
    rows = []
    for dname, geom, _ in district_features(collection, gcj02):
        value = by_district.get(dname, 0.0 if mdef.additive else math.nan)
        pop = (population or {}).get(dname)
        shown = value
        if use_per_capita:
            shown = value / pop * 10_000 if pop else math.nan
        rows.append((dname, geom, value, shown, pop))
    values = np.array([r[3] for r in rows], dtype="float64")
    breaks = _breaks(values, classes)
    ramp = palette.sequential_for(mdef.better)
    n_classes = max(len(breaks) - 1, 1)
    colors = [ramp[round(i * (len(ramp) - 1) / max(n_classes - 1, 1))] for i in range(n_classes)]
    unit = f"{mdef.unit}/万人" if use_per_capita else mdef.unit
    title = f"每万人{mdef.label}" if use_per_capita else mdef.label
    decimals = max(mdef.decimals, 1) if use_per_capita else mdef.decimals

    def number(v: float) -> str:
        return "无数据" if not math.isfinite(v) else f"{v:,.{decimals}f}"

    def fmt(v: float) -> str:
        return "无数据" if not math.isfinite(v) else f"{number(v)}{unit}"

    features = []
    for dname, geom, value, shown, pop in sorted(rows, key=lambda r: r[0] == chosen):
        color = colors[_class_of(shown, breaks)] if math.isfinite(shown) else palette.NO_DATA
        lines = [f"<b>{esc(dname)}</b>", f"{esc(title)}：{esc(fmt(shown))}"]
        if use_per_capita:
            lines.append(f"{esc(mdef.label)}：{esc(format_value(mdef.key, value))}")
        if pop:
            lines.append(f"常住人口：{pop:,.0f}人")
        features.append(
            {
                "type": "Feature",
                "geometry": geom,
                "properties": {
                    "s": {
                        "color": palette.BLACK if dname == chosen else "#555555",
                        "weight": CHOSEN_OUTLINE if dname == chosen else 1.5,
                        "fillColor": color,
                        "fillOpacity": 0.8,
                    },
                    "t": f"{esc(dname)}：{esc(fmt(shown))}",
                    "o": {"sticky": True},
                    "p": "<div class='civdash-popup'>" + "<br>".join(lines) + "</div>",
                },
            }
        )
    ensure_styles(m)
    GeoJsonLayer({"type": "FeatureCollection", "features": features}, name=name or title).add_to(m)
    entries = [
        (colors[i], f"{number(breaks[i])} – {number(breaks[i + 1])}", "swatch")
        for i in range(len(breaks) - 1)
    ]
    if len(breaks) == 2 and breaks[0] == breaks[1]:
        entries = [(colors[0], number(breaks[0]), "swatch")]
    if any(not math.isfinite(r[3]) for r in rows):
        entries.append((palette.NO_DATA, "无数据", "swatch"))
    better = {"higher": "越高越好", "lower": "越低越好"}.get(mdef.better or "", "")
    add_legend(m, f"{title}（{unit}）", entries, note=better or None)
    return m


def choropleth_map(
    districts: Districts,
    frame: pd.DataFrame,
    metric: str,
    *,
    as_of: DateLike,
    population: Mapping[str, float] | None = None,
    per_capita: bool | None = None,
    settings: Settings = DEFAULT_SETTINGS,
    tiles: str | None = None,
    tile_token: str | None = None,
    assets: AssetMode = "inline",
    asset_url: str = "",
    chosen: str | None = None,
) -> OfflineMap:
    """A district map coloured by one metric, with legend and layer control; the `chosen`
    district outlined."""
    m = base_map(
        districts,
        tiles=tiles,
        tile_token=tile_token,
        assets=assets,
        asset_url=asset_url,
        outline=False,
    )
    add_district_choropleth(
        m,
        districts,
        frame,
        metric,
        as_of=as_of,
        population=population,
        per_capita=per_capita,
        settings=settings,
        chosen=chosen,
    )
    add_layer_control(m)
    return m
