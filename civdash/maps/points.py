"""Point layers: issues by status (clustered) and creation units, with their popups and legends.

Issue points are packed into one compact columnar payload (`payload.pack_points`) and drawn by
one MarkerCluster layer whose tooltip and popup content is built on demand, so 50,000 points make
one folium element, not 50,000. Every text shown is HTML-escaped in Python, phone and ID numbers
in free text are masked (`civdash.privacy`), and only the fields listed in `ISSUE_POPUP_FIELDS` /
`UNIT_POPUP_FIELDS` are ever written: no personal data.
"""

from __future__ import annotations

from collections.abc import Iterable

import folium
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from civdash import palette
from civdash.ledgers.base import LedgerKind
from civdash.ledgers.issues import ISSUES
from civdash.ledgers.units import NAMED_STATUSES, UNITS
from civdash.ledgers.units import STATUSES as UNIT_STATUSES
from civdash.maps.assets import AssetMode, OfflineMap
from civdash.maps.base import Districts, add_layer_control, base_map, district_collection, to_gcj02
from civdash.maps.layers import PointLayer, ensure_styles
from civdash.maps.legend import add_legend
from civdash.maps.payload import pack_points, shorten
from civdash.metrics import DateLike, issue_state, real_issues
from civdash.privacy import mask_free_text

__all__ = [
    "ISSUE_POPUP_FIELDS",
    "TEXT_BUDGET_BYTES",
    "UNIT_POPUP_FIELDS",
    "add_issue_points",
    "add_unit_points",
    "issue_map",
]

ISSUE_POPUP_FIELDS: tuple[str, ...] = (
    "issue_id",
    "found_on",
    "deadline",
    "rectified_on",
    "district",
    "street",
    "point_type",
    "category",
    "source",
    "responsible_unit",
    "description",
)
"""Issue fields shown in a point's popup (the location is its title, the status its badge)."""

UNIT_POPUP_FIELDS: tuple[str, ...] = (
    "category",
    "level",
    "score",
    "named_year",
    "district",
    "street",
    "department",
)
"""Creation-unit fields shown in a unit's popup (the name is its title, the status its badge)."""

_ISSUE_TEXT_FIELDS = (
    "issue_id",
    "location",
    "district",
    "street",
    "point_type",
    "category",
    "source",
    "responsible_unit",
    "description",
)
_HOUSEHOLD_CATEGORIES = frozenset({"文明家庭"})
"""Creation units that are households: where they live is personal data, so they are not mapped."""

_DETAIL_LEVELS: tuple[tuple[int, int, int], ...] = (
    (80, 80, 40),
    (80, 30, 40),
    (80, 0, 40),
    (40, 0, 30),
    (20, 0, 20),
)
"""Characters of (description of open issues, of closed issues, location), most detail first.

A map of tens of thousands of issues with long unique descriptions would grow past what a
browser loads comfortably, so detail is shed in this order until the text fits the budget;
0 leaves the description out (the ledger has it).
"""

TEXT_BUDGET_BYTES = 3_000_000
"""Default budget for the descriptions and locations carried by an issue map (≈ 5 MB page)."""


def _coordinates(frame: pd.DataFrame, gcj02: bool) -> tuple[pd.DataFrame, int]:
    """Rows with usable coordinates, with _lat/_lon (shifted if `gcj02`); how many were not."""
    lat = pd.to_numeric(frame["lat"], errors="coerce")
    lon = pd.to_numeric(frame["lon"], errors="coerce")
    ok = lat.between(-90, 90) & lon.between(-180, 180) & ~((lat == 0) & (lon == 0))
    kept = frame[ok.fillna(False).astype(bool)]
    lat_a = lat[kept.index].to_numpy(dtype="float64")
    lon_a = lon[kept.index].to_numpy(dtype="float64")
    if gcj02 and len(kept):
        lat_a, lon_a = to_gcj02(lat_a, lon_a)
    kept = kept.assign(_lat=lat_a, _lon=lon_a)
    return kept, int(len(frame) - len(kept))


def _popup_rows(ledger: LedgerKind, fields: Iterable[str]) -> list[tuple[str, str]]:
    """(field, label) of each popup row, labelled as the ledger kind labels its fields."""
    return [(f, ledger.field(f).label) for f in fields]


def _text_bytes(*columns: pd.Series) -> int:
    """UTF-8 bytes of the distinct values (what the payload carries), plus a separator each."""
    total = 0
    for col in columns:
        distinct = pa.array(col.dropna().astype("string[pyarrow]").unique(), type=pa.string())
        total += int(pc.sum(pc.binary_length(distinct)).as_py() or 0) + len(distinct)
    return total


def _fit_text(
    description: pd.Series, location: pd.Series, is_open: pd.Series, budget: int
) -> tuple[pd.Series, pd.Series, int]:
    """Descriptions and locations shortened just enough to fit `budget` bytes; the level used."""
    description = mask_free_text(description.astype("string").str.strip())
    location = mask_free_text(location.astype("string").str.strip())
    for level, (open_chars, closed_chars, location_chars) in enumerate(_DETAIL_LEVELS):
        desc = shorten(description, open_chars).where(is_open, shorten(description, closed_chars))
        loc = shorten(location, location_chars)
        if _text_bytes(desc, loc) <= budget or level == len(_DETAIL_LEVELS) - 1:
            return desc, loc, level
    raise AssertionError("unreachable: the last detail level always returns")


def add_issue_points(
    m: folium.Map,
    issues: pd.DataFrame,
    *,
    as_of: DateLike,
    name: str = "问题点位",
    cluster: bool = True,
    legend: bool = True,
    text_budget: int = TEXT_BUDGET_BYTES,
) -> folium.Map:
    """Issue points coloured by status (逾期 red with a black ring), clustered, as one layer.

    Hover shows the location and status; a click opens the issue's details. Rows without usable
    coordinates are left out and counted in the legend. When descriptions and locations exceed
    `text_budget` bytes, closed issues' descriptions are shortened or left out first (the legend
    says so).
    """
    state = issue_state(real_issues(issues), as_of)
    kept, missing = _coordinates(state, bool(getattr(m, "gcj02", False)))
    status = kept["status"].astype("string").fillna("待整改")
    status = status.mask(kept["is_overdue"].astype(bool), palette.OVERDUE)
    categories = [(s, palette.STATUS_COLORS[s], s == palette.OVERDUE) for s in palette.STATUS_ORDER]
    text = {f: kept[f] for f in _ISSUE_TEXT_FIELDS if f in kept.columns}
    blank = pd.Series(pd.NA, index=kept.index, dtype="string")
    is_open = ~kept["is_closed"].astype(bool)
    description, location, level = _fit_text(
        text.get("description", blank),
        text.get("location", kept.get("street", blank)),
        is_open,
        text_budget,
    )
    text["location"] = location
    if "description" in text:
        text["description"] = description
    dates = [f for f in ("found_on", "deadline", "rectified_on") if f in kept.columns]
    popup = _popup_rows(ISSUES, (f for f in ISSUE_POPUP_FIELDS if f in text or f in dates))
    payload = pack_points(
        kept,
        category=status,
        categories=categories,
        text_fields=text,
        date_fields=dates,
        popup=popup,
        title="location",
        tooltip=["location"],
    )
    ensure_styles(m)
    m.add_child(PointLayer(payload, name=name, cluster=cluster, shape="circle"))
    if legend:
        entries = [
            (palette.STATUS_COLORS[s], s, "ring" if s == palette.OVERDUE else "dot")
            for s in palette.STATUS_ORDER
        ]
        notes = []
        if missing:
            notes.append(f"{missing} 个问题没有坐标，未在地图上显示")
        if level >= 2:
            notes.append("问题较多，已整改问题的描述未显示，详见问题台账")
        elif level == 1:
            notes.append("问题较多，已整改问题的描述只显示开头")
        add_legend(m, "问题整改状态", entries, note="；".join(notes) or None)
    return m


def _unit_text(values: pd.Series, field: str) -> pd.Series:
    if field == "score":
        number = pd.to_numeric(values, errors="coerce")
        return number.map(lambda v: "" if pd.isna(v) else f"{v:g}分").astype("string")
    if field == "named_year":
        number = pd.to_numeric(values, errors="coerce")
        return number.map(lambda v: "" if pd.isna(v) else f"{int(v)}年").astype("string")
    return values.astype("string")


def add_unit_points(
    m: folium.Map,
    units: pd.DataFrame,
    *,
    name: str = "创建单位",
    legend: bool = True,
    legend_position: str = "bottomright",
) -> folium.Map:
    """Creation units as square markers coloured by status, in their own layer.

    文明家庭 are households, so their locations are never put on a map.
    """
    households = (
        units["category"].astype("string").isin(_HOUSEHOLD_CATEGORIES).fillna(False).astype(bool)
        if "category" in units.columns
        else pd.Series(False, index=units.index)
    )
    kept, missing = _coordinates(units[~households], bool(getattr(m, "gcj02", False)))
    if "status" in kept.columns:
        status = kept["status"].astype("string").fillna("培育中")
    else:
        status = pd.Series("培育中", index=kept.index, dtype="string")
    categories = [(s, palette.UNIT_STATUS_COLORS[s], False) for s in UNIT_STATUSES]
    text = {
        f: _unit_text(kept[f], f) for f in ("unit_name", *UNIT_POPUP_FIELDS) if f in kept.columns
    }
    if "unit_name" in text:
        text["unit_name"] = mask_free_text(text["unit_name"])
    popup = _popup_rows(UNITS, (f for f in UNIT_POPUP_FIELDS if f in text))
    payload = pack_points(
        kept,
        category=status,
        categories=categories,
        text_fields=text,
        date_fields=[],
        popup=popup,
        title="unit_name",
        tooltip=["unit_name"],
    )
    ensure_styles(m)
    m.add_child(PointLayer(payload, name=name, cluster=False, shape="square"))
    if legend:
        entries = [(palette.UNIT_STATUS_COLORS[s], s, "square") for s in UNIT_STATUSES]
        note = f"{'、'.join(NAMED_STATUSES)}为已命名单位；文明家庭不在地图上显示"
        if missing:
            note += f"；{missing} 个单位没有坐标，未显示"
        add_legend(m, "创建单位（方块）", entries, note=note, position=legend_position)
    return m


def issue_map(
    issues: pd.DataFrame,
    *,
    as_of: DateLike,
    districts: Districts | None = None,
    units: pd.DataFrame | None = None,
    tiles: str | None = None,
    tile_token: str | None = None,
    assets: AssetMode = "inline",
    asset_url: str = "",
    cluster: bool = True,
) -> OfflineMap:
    """District outlines, issue points by status, creation units, legends and a layer control.

    Without districts the map is framed on the points.
    """
    m = base_map(districts, tiles=tiles, tile_token=tile_token, assets=assets, asset_url=asset_url)
    add_issue_points(m, issues, as_of=as_of, cluster=cluster)
    if units is not None:
        add_unit_points(m, units)
    if not district_collection(districts)["features"]:
        points = [f for f in (issues, units) if f is not None and len(f)]
        lats = (
            pd.concat([pd.to_numeric(f["lat"], errors="coerce") for f in points])
            if points
            else None
        )
        lons = (
            pd.concat([pd.to_numeric(f["lon"], errors="coerce") for f in points])
            if points
            else None
        )
        if lats is not None and lons is not None and lats.notna().any():
            m.fit_bounds([[lats.min(), lons.min()], [lats.max(), lons.max()]])
    add_layer_control(m)
    return m
