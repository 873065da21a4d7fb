"""地图 page: the district choropleth, issue points and creation units as one frozen `MapView`.

`build_map_view(led, loader, metric=…)` colours every district by one catalogue metric (per
10,000 residents for counts that grow with a district's size, when populations are known), and
draws the issues and creation units of the scope on top, each in its own layer. The choropleth
always compares all districts, so it is computed from the whole snapshot (`loader`: snapshot id →
rows, cached by the app); the points follow the sidebar's district and the map zooms to it.

Clicking a district narrows the dashboard to it: the app hands st_folium's `last_active_drawing`
(the clicked GeoJSON feature) to `clicked_district`, and `toggle_district` says the new filter.

>>> view = build_map_view(led, store.load, metric="overdue_issues")      # doctest: +SKIP
>>> view.ranking.head(3)                                                   # doctest: +SKIP
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import folium
import numpy as np
import pandas as pd

from civdash import maps
from civdash.dashboard import Ledgers, Loader
from civdash.districts import describe_names
from civdash.ledgers import get_kind
from civdash.metrics import METRICS, compute, format_value
from civdash.names import CHOSEN_MARK, district_labels

__all__ = [
    "DEFAULT_METRIC",
    "NO_TILES",
    "TILE_CHOICES",
    "MapCount",
    "MapView",
    "MetricOption",
    "build_map_view",
    "clicked_district",
    "metric_options",
    "toggle_district",
]

DEFAULT_METRIC = "issue_close_rate"
"""The metric the map opens with: where rectification is slipping."""

NO_TILES = "none"
TILE_CHOICES: Mapping[str, str] = {NO_TILES: "无底图（离线）", **maps.TILE_PROVIDERS}
"""Base map choices: none (works without internet) or an online tile provider."""

_PER_10K = 10_000


@dataclass(frozen=True)
class MetricOption:
    """A catalogue metric the choropleth can show with the ledgers loaded."""

    key: str
    label: str
    per_capita: bool
    """Shown per 10,000 residents by default (a count that grows with district size)."""


@dataclass(frozen=True)
class MapCount:
    """A number shown above the map."""

    label: str
    value_text: str
    help: str


@dataclass(frozen=True)
class MapView:
    """Everything the 地图 page shows for one scope, as-of date and metric."""

    scope: str
    as_of: date | None
    metric: str
    metric_title: str
    """ "问题整改率" or "每万人逾期未整改问题数"."""
    unit: str
    """ "%", "个/万人", …"""
    per_capita: bool
    counts: tuple[MapCount, ...]
    ranking: pd.DataFrame
    """Districts ranked by the metric, best first (display headers; short names, the chosen
    district marked "▶"); empty without districts."""
    ranking_note: str
    """Where the chosen district stands ("▶ 南港区：第 7 名（共 7 个区县）"); "" for 全市."""
    has_boundaries: bool
    focus: str | None
    """The district the map is zoomed to (the sidebar's district), None for the whole city."""
    tiles: str
    notice: str
    """A message about the map ("" when none), e.g. a tile provider that needs a token."""
    map: folium.Map
    district_warning: str = ""
    """Names the ledgers' districts that the district table lacks ("" when it has them all):
    their rows count for no district, so the map would show 0 there without a word."""


def _population(led: Ledgers) -> dict[str, float]:
    return led.districts.population() if led.districts is not None else {}


def metric_options(led: Ledgers) -> tuple[MetricOption, ...]:
    """The catalogue metrics whose ledger is loaded (and population, where one is needed)."""
    population = _population(led)
    return tuple(
        MetricOption(key, m.label, m.per_capita and bool(population))
        for key, m in METRICS.items()
        if led.has(m.ledger) and (population or not m.needs_population)
    )


def clicked_district(drawing: Mapping[str, Any] | None, names: Sequence[str]) -> str | None:
    """The district whose shape was clicked, from st_folium's `last_active_drawing`.

    That value is the clicked layer as GeoJSON: a district is a (Multi)Polygon whose properties
    carry its name (`name`) or, as CivDash's maps write them, its tooltip `t` ("南港区：75.0%",
    HTML-escaped). A click on an issue or unit marker (a Point) is not a district click.

    >>> feature = {"geometry": {"type": "Polygon"}, "properties": {"t": "南港区：75.0%"}}
    >>> clicked_district(feature, ["南港区", "东湖区"])
    '南港区'
    """
    if not isinstance(drawing, Mapping):
        return None
    geometry = drawing.get("geometry") or {}
    if geometry.get("type") not in ("Polygon", "MultiPolygon"):
        return None
    props = drawing.get("properties") or {}
    name = props.get("name")
    if isinstance(name, str) and name in names:
        return name
    tooltip = html.unescape(str(props.get("t") or "")).strip()
    for candidate in sorted(names, key=len, reverse=True):
        if tooltip == candidate or tooltip.startswith(candidate + "："):
            return candidate
    return None


def toggle_district(current: str | None, clicked: str) -> str | None:
    """The district filter after a click: the clicked district, or the whole city (None) when
    it was already the one chosen."""
    return None if clicked == current else clicked


def _points(coords: Any) -> Iterator[tuple[float, float]]:
    if coords and isinstance(coords[0], int | float):
        yield float(coords[0]), float(coords[1])
        return
    for c in coords or ():
        yield from _points(c)


def _district_bounds(led: Ledgers, name: str) -> list[list[float]] | None:
    if led.districts is None:
        return None
    for d in led.districts.districts:
        if d.name == name and d.geometry:
            pts = list(_points(d.geometry.get("coordinates", [])))
            if pts:
                lons, lats = zip(*pts, strict=True)
                return [[min(lats), min(lons)], [max(lats), max(lons)]]
    return None


def _ranking(
    led: Ledgers, frame: pd.DataFrame, key: str, as_of: date, per_capita: bool
) -> tuple[pd.DataFrame, str, str]:
    """Districts with the metric (per 10,000 residents when asked), ranked best first."""
    mdef = METRICS[key]
    population = _population(led)
    title = f"每万人{mdef.label}" if per_capita else mdef.label
    unit = f"{mdef.unit}/万人" if per_capita else mdef.unit
    names = list(led.districts.names) if led.districts is not None else []
    if not names:
        return pd.DataFrame(), title, unit
    by = compute(
        key,
        frame,
        as_of=as_of,
        population=population if mdef.needs_population else None,
        by="district",
        settings=led.settings,
    )
    assert isinstance(by, pd.DataFrame)
    values = dict(zip(by["district"].astype(str), by["value"].astype(float), strict=True))
    raw = np.array([values.get(n, 0.0 if mdef.additive else math.nan) for n in names], dtype=float)
    pop = np.array([population.get(n, math.nan) for n in names], dtype=float)
    shown = raw / pop * _PER_10K if per_capita else raw
    decimals = max(mdef.decimals, 1) if per_capita else mdef.decimals
    # a narrow column beside the map: short names, the sidebar's district marked (civdash.names)
    labels = district_labels(names, led.districts, chosen=led.district)
    table = pd.DataFrame({"区县": labels, f"{title}（{unit}）": np.round(shown, decimals)})
    if per_capita:
        table[f"{mdef.label}（{mdef.unit}）"] = np.round(raw, mdef.decimals)
    if population:
        table["常住人口（人）"] = pd.array(
            [round(p) if math.isfinite(p) else pd.NA for p in pop], dtype="Int64"
        )
    order = pd.Series(shown if mdef.better == "lower" else -shown)
    ranks = order.rank(method="min", na_option="keep")
    table.insert(0, "排名", ranks.astype("Int64"))
    table = table.iloc[np.lexsort((np.arange(len(names)), order.fillna(np.inf).to_numpy()))]
    return table.reset_index(drop=True), title, unit


def _ranking_note(ranking: pd.DataFrame, led: Ledgers) -> str:
    """The chosen district's place in the ranking, in a sentence ("" for 全市 or no rank)."""
    if led.district is None or ranking.empty:
        return ""
    mine = ranking[ranking["区县"].str.startswith(CHOSEN_MARK)]
    if mine.empty or pd.isna(mine["排名"].iloc[0]):
        return ""
    return (
        f"{CHOSEN_MARK}{led.district}：第 {int(mine['排名'].iloc[0])} 名"
        f"（共 {len(ranking)} 个区县）"
    )


def _counts(led: Ledgers) -> tuple[MapCount, ...]:
    """Issues, overdue issues and creation units in scope, as the catalogue counts them."""
    wanted = [("issues", "issue_count"), ("issues", "overdue_issues"), ("units", "unit_count")]
    out = []
    for kind, key in wanted:
        as_of = led.kind_as_of(kind)
        if as_of is None:
            continue
        value = compute(key, led.frame(kind), as_of=as_of, settings=led.settings)
        mdef = METRICS[key]
        out.append(MapCount(mdef.label, format_value(key, float(value)), mdef.definition))  # type: ignore[arg-type]
    return tuple(out)


def build_map_view(
    led: Ledgers,
    loader: Loader,
    *,
    metric: str = DEFAULT_METRIC,
    per_capita: bool | None = None,
    tiles: str = NO_TILES,
    tile_token: str | None = None,
) -> MapView:
    """The 地图 page for the ledgers in force (`led` must hold an issues snapshot).

    `metric` is a catalogue key whose ledger is loaded; `per_capita` (None: whenever the metric
    is a per-capita count and populations are known) divides by 常住人口 per 10,000. `tiles` is
    a key of `TILE_CHOICES`; 天地图 without a token falls back to no tiles, with a notice.
    """
    mdef = METRICS[metric]
    if not led.has(mdef.ledger):
        raise ValueError(f"还没有导入{mdef.label}所需的台账，无法在地图上显示该指标。")
    population = _population(led)
    use_per_capita = bool(mdef.per_capita and population and per_capita is not False)
    notice = ""
    tile_key = tiles if tiles in TILE_CHOICES else NO_TILES
    if tile_key == "tianditu" and not (tile_token or "").strip():
        tile_key, notice = NO_TILES, "使用天地图底图需要填写天地图密钥（tk），已改为无底图显示。"
    districts = led.districts if led.districts is not None and led.districts.has_geometry else None

    metric_as_of = led.kind_as_of(mdef.ledger) or date.today()
    whole = loader(led.snapshots[mdef.ledger].id)  # every district, for the comparison
    ranking, title, unit = _ranking(led, whole, metric, metric_as_of, use_per_capita)

    m = maps.base_map(
        districts,
        tiles=None if tile_key == NO_TILES else tile_key,
        tile_token=(tile_token or "").strip() or None,
    )
    # Leaflet's keyboard handler focuses the map on mouse-down; inside the app's iframe that
    # scrolls a half-visible map into view mid-click, so the click misses the district.
    m.options["keyboard"] = False
    if districts is not None:
        maps.add_district_choropleth(
            m,
            districts,
            whole,
            metric,
            as_of=metric_as_of,
            per_capita=use_per_capita,
            settings=led.settings,
            chosen=led.district,
        )
    issues_as_of = led.kind_as_of("issues") or metric_as_of
    maps.add_issue_points(m, led.frame("issues"), as_of=issues_as_of)
    if led.has("units"):
        # its legend goes bottom left, so the right side keeps the layer control in view
        maps.add_unit_points(m, led.frame("units"), legend_position="bottomleft")
    focus = led.district
    bounds = _district_bounds(led, focus) if focus else None
    if bounds is None and districts is None:
        bounds = _frame_bounds(led.frame("issues"))
    if bounds is not None:
        m.fit_bounds(bounds)
    maps.add_layer_control(m)
    if districts is None:
        notice = notice or "还没有导入区县边界，地图只显示问题点位和创建单位。"
    return MapView(
        scope=led.scope_label,
        as_of=led.kind_as_of("issues"),
        metric=metric,
        metric_title=title,
        unit=unit,
        per_capita=use_per_capita,
        counts=_counts(led),
        ranking=ranking,
        ranking_note=_ranking_note(ranking, led),
        has_boundaries=districts is not None,
        focus=focus,
        tiles=tile_key,
        notice=notice,
        map=m,
        district_warning=_district_mismatch(led, loader),
    )


def _district_mismatch(led: Ledgers, loader: Loader) -> str:
    """A warning naming the district names of the ledgers in force (whole snapshots) that are not
    in the district table, with their rows per ledger; "" when all are (or there is no table)."""
    if led.districts is None:
        return ""
    known = set(led.districts.names)
    missing: dict[str, dict[str, int]] = {}
    found = False
    for kind, snap in led.snapshots.items():
        frame = loader(snap.id)
        if "district" not in frame.columns:
            continue
        names = frame["district"].dropna().astype(str)
        for name, n in names[names.str.strip() != ""].value_counts().items():
            if name in known:
                found = True
            else:
                missing.setdefault(str(name), {})[get_kind(kind).label] = int(n)
    if not missing:
        return ""
    missing = dict(sorted(missing.items(), key=lambda item: -sum(item[1].values())))
    lead = (
        "台账中的区县名称与当前区县表全都对不上，地图上每个区县都显示为 0"
        if not found
        else f"台账中有 {len(missing)} 个区县名称不在当前区县表中，这些行在地图上不计入任何区县"
    )
    return (
        f"{lead}：{describe_names(missing)}。请在『数据导入』页换用名称一致的区县表"
        "（或在『数据概况』页把原来的区县表设为当前），或按区县表中的名称重新导入这些台账。"
    )


def _frame_bounds(frame: pd.DataFrame) -> list[list[float]] | None:
    if frame.empty or "lat" not in frame.columns or "lon" not in frame.columns:
        return None
    lat = pd.to_numeric(frame["lat"], errors="coerce")
    lon = pd.to_numeric(frame["lon"], errors="coerce")
    ok = lat.between(-90, 90) & lon.between(-180, 180) & ~((lat == 0) & (lon == 0))
    if not ok.any():
        return None
    return [
        [float(lat[ok].min()), float(lon[ok].min())],
        [float(lat[ok].max()), float(lon[ok].max())],
    ]
