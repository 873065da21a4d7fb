"""测评 on the map: districts coloured by 测评得分率, each 测评点位 a marker coloured by what it lost.

A round checks every item at every 点位; the map shows one marker per 点位 (district + location),
not one per item: red with a black ring where the same item was lost again (反复失分), orange
where the 点位 lost points this round, green where it lost none. Its popup says the 点位's 得分率,
points lost and which items lost them. A 点位 whose rows carry no coordinates is not drawn, and
the legend says how many were left out.

Every text is escaped in Python (`payload.pack_points`) and free text is masked
(`civdash.privacy`): the 点位 is written by the assessor and may quote a phone number.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import folium
import numpy as np
import pandas as pd

from civdash import palette
from civdash.config import DEFAULT_SETTINGS, Settings
from civdash.maps.assets import AssetMode, OfflineMap
from civdash.maps.base import Districts, add_layer_control, base_map, district_collection
from civdash.maps.choropleth import add_district_choropleth
from civdash.maps.layers import PointLayer, ensure_styles
from civdash.maps.legend import add_legend
from civdash.maps.payload import pack_points, shorten
from civdash.maps.points import _coordinates
from civdash.metrics import DateLike, format_value
from civdash.privacy import mask_free_text

__all__ = [
    "POINT_STATES",
    "add_assessment_points",
    "assessment_map",
    "assessment_points",
    "located",
]

REPEATED, LOST, CLEAN = "反复失分", "本轮失分", "未失分"
POINT_STATES: tuple[tuple[str, str, bool], ...] = (
    (REPEATED, palette.BAD, True),
    (LOST, palette.WARNING, False),
    (CLEAN, palette.GOOD, False),
)
"""A 点位 marker's state: (label, colour, black ring), the worst first."""

_POPUP = (
    ("district", "区县"),
    ("street", "街道/乡镇"),
    ("point_type", "点位类型"),
    ("score_text", "得分率"),
    ("lost_text", "失分"),
    ("lost_items", "失分项目"),
    ("units", "责任单位"),
)
"""The rows of a 点位's popup: (column of `assessment_points`, label)."""

LOST_ITEMS_CHARS = 80
"""Characters of a popup's 失分项目 list (the page's tables have them whole)."""

_KEY = ("district", "location")


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series("", index=frame.index, dtype="string")
    return frame[column].astype("string").str.strip().fillna("")


def _joined(values: Iterable[object]) -> str:
    return "、".join(dict.fromkeys(str(v) for v in values if isinstance(v, str) and v))


def assessment_points(rows: pd.DataFrame, repeats: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per 测评点位 (district + location) of one round's `rows`: district, street,
    location, point_type, items, full_points, score, points_lost, failed_items, score_rate,
    lost_items (the items that lost points, most first), units (their responsible units),
    state (反复失分 / 本轮失分 / 未失分), lat, lon (the first coordinates its rows give;
    NaN when none), score_text, lost_text.

    `repeats` is `metrics.assessments.repeat_losses`: a 点位 with one of its items there is
    反复失分.
    """
    columns = [
        "district", "street", "location", "point_type", "items", "full_points", "score",
        "points_lost", "failed_items", "score_rate", "lost_items", "units", "state", "lat",
        "lon", "score_text", "lost_text",
    ]  # fmt: skip
    if rows.empty:
        return pd.DataFrame(columns=columns)
    work = pd.DataFrame(
        {
            "district": _text(rows, "district"),
            "location": _text(rows, "location"),
            "street": _text(rows, "street"),
            "point_type": _text(rows, "point_type"),
            "item": _text(rows, "item"),
            "unit": _text(rows, "responsible_unit"),
            "full_points": pd.to_numeric(rows["full_points"], errors="coerce").fillna(0.0),
            "score": pd.to_numeric(rows["score"], errors="coerce").fillna(0.0),
            "points_lost": pd.to_numeric(rows["points_lost"], errors="coerce").fillna(0.0),
            "lat": pd.to_numeric(rows["lat"], errors="coerce") if "lat" in rows else np.nan,
            "lon": pd.to_numeric(rows["lon"], errors="coerce") if "lon" in rows else np.nan,
        }
    )
    work["failed"] = (work["points_lost"] > 0).astype(int)
    usable = work["lat"].notna() & work["lon"].notna()
    work["lat"] = work["lat"].where(usable)
    work["lon"] = work["lon"].where(usable)
    groups = work.groupby(list(_KEY), sort=True, dropna=False)
    out = groups.agg(
        street=("street", "first"),
        point_type=("point_type", "first"),
        items=("item", "size"),
        full_points=("full_points", "sum"),
        score=("score", "sum"),
        points_lost=("points_lost", "sum"),
        failed_items=("failed", "sum"),
        lat=("lat", "first"),
        lon=("lon", "first"),
    ).reset_index()
    lost = work[work["failed"] > 0].sort_values("points_lost", ascending=False, kind="stable")
    lost_items = lost.groupby(list(_KEY))["item"].agg(_joined)
    units = lost.groupby(list(_KEY))["unit"].agg(_joined)
    index = pd.MultiIndex.from_frame(out[list(_KEY)])
    out["lost_items"] = lost_items.reindex(index).fillna("").to_numpy()
    out["units"] = units.reindex(index).fillna("").to_numpy()
    out["score_rate"] = out["score"] / out["full_points"].where(out["full_points"] > 0) * 100.0
    repeated: set[tuple[str, str]] = set()
    if repeats is not None and len(repeats):
        repeated = set(zip(_text(repeats, "district"), _text(repeats, "location"), strict=True))
    keys = list(zip(out["district"], out["location"], strict=True))
    out["state"] = [
        REPEATED if k in repeated else LOST if n > 0 else CLEAN
        for k, n in zip(keys, out["failed_items"], strict=True)
    ]
    out["score_text"] = out["score_rate"].map(
        lambda v: "" if pd.isna(v) else format_value("assessment_score_rate", float(v))
    )
    out["lost_text"] = [
        f"{p:g}分（{int(n)}项）" if n else "未失分"
        for p, n in zip(out["points_lost"].round(2), out["failed_items"], strict=True)
    ]
    return out[columns]


def located(points: pd.DataFrame, *, gcj02: bool = False) -> tuple[pd.DataFrame, int]:
    """The 点位 of `points` with usable coordinates (as the map draws them: in range, not
    (0, 0)), with _lat/_lon, and how many were left out."""
    return _coordinates(points, gcj02)


def add_assessment_points(
    m: folium.Map, points: pd.DataFrame, *, name: str = "测评点位", legend: bool = True
) -> int:
    """`assessment_points` as markers coloured by state, in their own layer, with a legend;
    how many 点位 had no coordinates (left out, and said in the legend)."""
    kept, missing = located(points, gcj02=bool(getattr(m, "gcj02", False)))
    text = {
        "location": shorten(mask_free_text(_text(kept, "location")), 40),
        "lost_items": shorten(_text(kept, "lost_items"), LOST_ITEMS_CHARS),
        **{field: _text(kept, field) for field, _ in _POPUP if field not in ("lost_items",)},
    }
    payload = pack_points(
        kept,
        category=_text(kept, "state"),
        categories=POINT_STATES,
        text_fields=text,
        date_fields=[],
        popup=_POPUP,
        title="location",
        tooltip=["location", "score_text"],
    )
    ensure_styles(m)
    m.add_child(PointLayer(payload, name=name, cluster=False, shape="circle"))
    if legend:
        entries = [(color, label, "ring" if ring else "dot") for label, color, ring in POINT_STATES]
        note = "反复失分：同一项目连续两轮以上失分"
        if missing:
            note += f"；{missing} 个点位没有坐标，未在地图上显示"
        add_legend(m, "测评点位", entries, note=note)
    return missing


def assessment_map(
    districts: Districts | None,
    round_rows: pd.DataFrame,
    points: pd.DataFrame,
    *,
    as_of: DateLike,
    chosen: str | None = None,
    bounds: list[list[float]] | None = None,
    settings: Settings = DEFAULT_SETTINGS,
    tiles: str | None = None,
    tile_token: str | None = None,
    assets: AssetMode = "inline",
    asset_url: str = "",
    population: Mapping[str, float] | None = None,
) -> OfflineMap:
    """Districts coloured by the 测评得分率 of `round_rows` (one round, every district: the
    `chosen` one outlined), the `points` (`assessment_points`) on top, legends and a layer
    control; framed on `bounds` when given (the chosen district), else on the districts, else
    on the points."""
    # the outlines carry each district's name as a label, above the colours drawn over them:
    # the room reads which district is which without hovering
    m = base_map(districts, tiles=tiles, tile_token=tile_token, assets=assets, asset_url=asset_url)
    m.options["keyboard"] = False  # see civdash.views.map: a click must not scroll the page
    has_shapes = bool(district_collection(districts)["features"])
    if has_shapes and districts is not None:
        add_district_choropleth(
            m,
            districts,
            round_rows,
            "assessment_score_rate",
            as_of=as_of,
            population=population,
            settings=settings,
            name="区县测评得分率",
            chosen=chosen,
        )
    add_assessment_points(m, points)
    if bounds is None and not has_shapes:
        lat = pd.to_numeric(points.get("lat"), errors="coerce").dropna()
        lon = pd.to_numeric(points.get("lon"), errors="coerce").dropna()
        if len(lat) and len(lon):
            bounds = [[float(lat.min()), float(lon.min())], [float(lat.max()), float(lon.max())]]
    if bounds is not None:
        m.fit_bounds(bounds)
    add_layer_control(m)
    return m
