"""The base map: framed on the districts, their outlines and names, optional tiles, the layer
switcher.

By default a map has no tile layer (district shapes on a plain background), so it works without
internet. Tiles are an opt-in: "osm", "amap" (高德, GCJ-02: overlays are shifted to match),
"tianditu" (天地图, needs a token) or an intranet tile URL template.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import folium
import numpy as np

from civdash.districts import DistrictTable
from civdash.maps.assets import AssetMode, OfflineMap
from civdash.maps.controls import add_chinese_controls
from civdash.maps.layers import GeoJsonLayer, ensure_styles
from civdash.maps.payload import esc
from civdash.names import short_name

__all__ = [
    "TILE_PROVIDERS",
    "Districts",
    "add_districts",
    "add_layer_control",
    "base_map",
    "district_collection",
    "district_features",
    "to_gcj02",
]

Districts = DistrictTable | Mapping[str, Any]

TILE_PROVIDERS: Mapping[str, str] = {
    "osm": "OpenStreetMap",
    "amap": "高德地图",
    "tianditu": "天地图",
}
"""Optional online base maps (a URL template with {z}/{x}/{y} is accepted too)."""


def to_gcj02(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """WGS-84 coordinates shifted to GCJ-02, the datum of 高德 tiles."""
    from civdash.geo import wgs84_to_gcj02

    glat, glon = wgs84_to_gcj02(lat, lon)
    return np.asarray(glat, dtype="float64"), np.asarray(glon, dtype="float64")


def district_collection(districts: Districts | None) -> dict[str, Any]:
    """The districts as a GeoJSON FeatureCollection (empty for None)."""
    if districts is None:
        return {"type": "FeatureCollection", "features": []}
    if isinstance(districts, DistrictTable):
        return districts.to_geojson()
    return dict(districts)


def _round_coords(coords: Any, gcj02: bool) -> Any:
    arr = np.asarray(coords, dtype="float64") if _is_ring(coords) else None
    if arr is not None:
        lon, lat = arr[:, 0], arr[:, 1]
        if gcj02:
            lat, lon = to_gcj02(lat, lon)
        return np.round(np.column_stack([lon, lat]), 5).tolist()
    return [_round_coords(c, gcj02) for c in coords]


def _is_ring(coords: Any) -> bool:
    return (
        bool(coords)
        and isinstance(coords[0], Sequence)
        and bool(coords[0])
        and isinstance(coords[0][0], int | float)
    )


def _geometry(geometry: Mapping[str, Any], gcj02: bool) -> dict[str, Any]:
    coords = geometry.get("coordinates", [])
    if geometry.get("type") == "Point":
        lon, lat = coords[0], coords[1]
        if gcj02:
            glat, glon = to_gcj02(np.array([lat]), np.array([lon]))
            lat, lon = float(glat[0]), float(glon[0])
        return {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]}
    return {"type": geometry.get("type"), "coordinates": _round_coords(coords, gcj02)}


def _bounds_of(collection: Mapping[str, Any]) -> list[list[float]] | None:
    lats: list[float] = []
    lons: list[float] = []

    def visit(c: Any) -> None:
        if c and isinstance(c[0], int | float):
            lons.append(float(c[0]))
            lats.append(float(c[1]))
        else:
            for x in c:
                visit(x)

    for f in collection.get("features", []):
        geom = f.get("geometry") or {}
        visit(geom.get("coordinates", []))
    if not lats:
        return None
    return [[min(lats), min(lons)], [max(lats), max(lons)]]


def _add_tiles(m: folium.Map, tiles: str, token: str | None, attribution: str | None) -> None:
    if tiles == "osm":
        folium.TileLayer(
            "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
            attr="© OpenStreetMap 贡献者",
            name="OpenStreetMap",
            control=False,
            max_zoom=19,
        ).add_to(m)
    elif tiles == "amap":
        folium.TileLayer(
            "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
            "&x={x}&y={y}&z={z}",
            attr="© 高德地图",
            name="高德地图",
            subdomains="1234",
            control=False,
            max_zoom=18,
        ).add_to(m)
    elif tiles == "tianditu":
        if not token:
            raise ValueError("使用天地图底图需要提供天地图密钥（tk），请在设置中填写。")
        for layer, name in (("vec", "天地图"), ("cva", "天地图注记")):
            folium.TileLayer(
                f"https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
                f"&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
                f"&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={token}",
                attr="© 天地图",
                name=name,
                subdomains="01234567",
                control=False,
                overlay=layer == "cva",
                max_zoom=18,
            ).add_to(m)
    elif "{z}" in tiles and "{x}" in tiles and "{y}" in tiles:
        folium.TileLayer(tiles, attr=attribution or "底图", name="底图", control=False).add_to(m)
    else:
        known = "、".join(f"{k}（{v}）" for k, v in TILE_PROVIDERS.items())
        raise ValueError(
            f"不支持的底图『{tiles}』，可选：{known}，或含 {{z}}/{{x}}/{{y}} 的瓦片地址。"
        )


def base_map(
    districts: Districts | None = None,
    *,
    tiles: str | None = None,
    tile_token: str | None = None,
    tile_attribution: str | None = None,
    assets: AssetMode = "inline",
    asset_url: str = "",
    outline: bool = True,
    labels: bool = True,
    height: str | int = "100%",
) -> OfflineMap:
    """An offline map framed on the districts, with their outlines and names.

    `tiles=None` (default) draws no tiles at all: district shapes on a plain background, which
    works without internet. "osm", "amap" (高德; overlays are shifted to GCJ-02 to line up),
    "tianditu" (needs `tile_token`) or a URL template add an online base map.
    """
    gcj02 = tiles == "amap"
    m = OfflineMap(
        location=[35.0, 105.0],
        zoom_start=4,
        tiles=None,
        control_scale=False,  # Leaflet's bar shows miles: add_chinese_controls draws one in 公里
        maxZoom=18,  # MarkerCluster needs a maximum zoom, and with no tiles none is implied
        assets=assets,
        asset_url=asset_url,
        gcj02=gcj02,
        height=height,
    )
    add_chinese_controls(m)
    if tiles:
        _add_tiles(m, tiles, tile_token, tile_attribution)
    ensure_styles(m)
    collection = district_collection(districts)
    if outline and collection["features"]:
        add_districts(m, collection, labels=labels)
    bounds = _bounds_of(collection)
    if bounds:
        if gcj02:
            lat, lon = to_gcj02(np.array([b[0] for b in bounds]), np.array([b[1] for b in bounds]))
            bounds = [[float(lat[0]), float(lon[0])], [float(lat[1]), float(lon[1])]]
        m.fit_bounds(bounds)
    return m


def district_features(
    collection: Mapping[str, Any], gcj02: bool
) -> Iterator[tuple[str, dict[str, Any], Mapping[str, Any]]]:
    """(name, geometry rounded to 1 m and shifted if `gcj02`, properties) of each district."""
    for feat in collection.get("features", []):
        props = feat.get("properties") or {}
        geom = feat.get("geometry")
        if not geom:
            continue
        name = str(props.get("name") or props.get("名称") or props.get("NAME") or "")
        yield name, _geometry(geom, gcj02), props


def add_districts(
    m: folium.Map, districts: Districts, *, labels: bool = True, name: str = "区县边界"
) -> folium.Map:
    """District outlines on a light fill, with each name as a label (escaped).

    A label sits where clusters of points gather, so it is short (a long name's shortest alias,
    `civdash.names`) and drawn on a white ground above the markers. The full name stays in the
    feature's `name` (a click names the district by it) and in a choropleth's tooltip.
    """
    gcj02 = bool(getattr(m, "gcj02", False))
    label_opts = (
        {"permanent": True, "direction": "center", "className": "civdash-label"}
        if labels
        else {"sticky": True}
    )
    features = [
        {
            "type": "Feature",
            "geometry": geom,
            "properties": {
                "s": {
                    "color": "#666666",
                    "weight": 1.5,
                    "fillColor": "#FFFFFF",
                    "fillOpacity": 0.6,
                },
                "t": esc(short_name(dname, props.get("aliases")) if labels else dname),
                "o": label_opts,
                "name": dname,
            },
        }
        for dname, geom, props in district_features(district_collection(districts), gcj02)
    ]
    ensure_styles(m)
    GeoJsonLayer({"type": "FeatureCollection", "features": features}, name=name).add_to(m)
    return m


def add_layer_control(m: folium.Map) -> folium.Map:
    """The layer switcher (expanded, top right); add it after every layer."""
    folium.LayerControl(position="topright", collapsed=False).add_to(m)
    return m
