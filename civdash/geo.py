"""Coordinates: GCJ-02 / BD-09 → WGS-84 and the sanity checks of ledgers.md.

Chinese web maps publish shifted coordinates: 高德 and 腾讯 use GCJ-02, 百度 uses BD-09. Offices copy
coordinates from those maps, so ingest converts them to WGS-84 (what GeoJSON and Leaflet expect).
The inverse of the GCJ-02 offset has no closed form; a few fixed-point iterations bring it well
under a metre, which is more than enough for inspection points.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = math.pi * 3000.0 / 180.0

CRS_CHOICES = ("WGS-84", "GCJ-02", "BD-09")


def _transform_lat(x: FloatArray, y: FloatArray) -> FloatArray:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * math.pi) + 20.0 * np.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * math.pi) + 40.0 * np.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * math.pi) + 320 * np.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x: FloatArray, y: FloatArray) -> FloatArray:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * math.pi) + 20.0 * np.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * math.pi) + 40.0 * np.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * math.pi) + 300.0 * np.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lat: FloatArray, lon: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The GCJ-02 offset applied to WGS-84 points (vectorised)."""
    lat = np.asarray(lat, dtype=float)
    lon = np.asarray(lon, dtype=float)
    dlat = _transform_lat(lon - 105.0, lat - 35.0)
    dlon = _transform_lon(lon - 105.0, lat - 35.0)
    radlat = lat / 180.0 * math.pi
    magic = 1 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * math.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * math.pi)
    return lat + dlat, lon + dlon


def gcj02_to_wgs84(lat: FloatArray, lon: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Invert the GCJ-02 offset by fixed-point iteration (error < 1e-7 degrees)."""
    lat = np.asarray(lat, dtype=float)
    lon = np.asarray(lon, dtype=float)
    wlat, wlon = lat.copy(), lon.copy()
    for _ in range(6):
        glat, glon = wgs84_to_gcj02(wlat, wlon)
        wlat = wlat - (glat - lat)
        wlon = wlon - (glon - lon)
    return wlat, wlon


def bd09_to_gcj02(lat: FloatArray, lon: FloatArray) -> tuple[FloatArray, FloatArray]:
    x = np.asarray(lon, dtype=float) - 0.0065
    y = np.asarray(lat, dtype=float) - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.sin(theta), z * np.cos(theta)


def gcj02_to_bd09(lat: FloatArray, lon: FloatArray) -> tuple[FloatArray, FloatArray]:
    x = np.asarray(lon, dtype=float)
    y = np.asarray(lat, dtype=float)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.sin(theta) + 0.006, z * np.cos(theta) + 0.0065


def to_wgs84(lat: FloatArray, lon: FloatArray, crs: str | None) -> tuple[FloatArray, FloatArray]:
    """Convert points in `crs` ("WGS-84", "GCJ-02" or "BD-09") to WGS-84.

    >>> lat, lon = wgs84_to_gcj02(np.array([30.3]), np.array([120.2]))
    >>> [round(float(v[0]), 6) for v in gcj02_to_wgs84(lat, lon)]
    [30.3, 120.2]
    """
    code = normalize_crs(crs)
    if code == "GCJ-02":
        return gcj02_to_wgs84(lat, lon)
    if code == "BD-09":
        return gcj02_to_wgs84(*bd09_to_gcj02(lat, lon))
    return np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)


def geometry_to_wgs84(geometry: Mapping[str, Any], crs: str | None) -> dict[str, Any]:
    """A copy of a GeoJSON geometry with every point converted from `crs` to WGS-84 by
    `to_wgs84`, the conversion ingest applies to points. The structure is kept: a MultiPolygon
    stays a MultiPolygon with the same polygons, rings and points (a third value such as a height
    is kept as it is). Converted values are rounded to 1e-7° (about a centimetre).

    >>> lat, lon = wgs84_to_gcj02(np.array([30.3]), np.array([120.2]))
    >>> shifted = {"type": "Point", "coordinates": [float(lon[0]), float(lat[0])]}
    >>> geometry_to_wgs84(shifted, "GCJ-02")["coordinates"]
    [120.2, 30.3]
    """
    kind = geometry.get("type")
    if kind == "GeometryCollection":
        parts = geometry.get("geometries") or []
        return {**geometry, "geometries": [geometry_to_wgs84(g, crs) for g in parts]}
    coords = geometry.get("coordinates")
    points: list[Sequence[float]] = []
    _collect_points(coords, points)
    if not points or normalize_crs(crs) == "WGS-84":
        return {**geometry, "coordinates": _rebuild(coords, iter(points))}
    lon = np.array([float(p[0]) for p in points])
    lat = np.array([float(p[1]) for p in points])
    wlat, wlon = to_wgs84(lat, lon, crs)
    converted = [
        [x, y, *p[2:]]
        for x, y, p in zip(
            np.round(wlon, 7).tolist(), np.round(wlat, 7).tolist(), points, strict=True
        )
    ]
    return {**geometry, "coordinates": _rebuild(coords, iter(converted))}


def _is_point(value: Any) -> bool:
    return (
        isinstance(value, Sequence)
        and len(value) >= 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value[:2])
    )


def _collect_points(coords: Any, out: list[Sequence[float]]) -> None:
    if _is_point(coords):
        out.append(coords)
    elif isinstance(coords, Sequence) and not isinstance(coords, str):
        for c in coords:
            _collect_points(c, out)


def _rebuild(coords: Any, points: Iterator[Sequence[float]]) -> Any:
    """`coords` with each point replaced, in order, by the next of `points` (as a list)."""
    if _is_point(coords):
        return list(next(points))
    if isinstance(coords, Sequence) and not isinstance(coords, str):
        return [_rebuild(c, points) for c in coords]
    return coords


def normalize_crs(crs: str | None) -> str:
    """Name of a coordinate system from what users write (高德/GCJ02/火星 → GCJ-02, 百度 → BD-09)."""
    if not crs:
        return "WGS-84"
    key = crs.upper().replace("-", "").replace("_", "").replace(" ", "")
    if key in {"GCJ02", "GCJ", "火星", "火星坐标", "高德", "腾讯", "AMAP"} or "GCJ" in key:
        return "GCJ-02"
    if key in {"BD09", "BD", "百度", "BAIDU"} or "BD09" in key:
        return "BD-09"
    if key in {"WGS84", "WGS", "GPS", "EPSG4326"}:
        return "WGS-84"
    raise ValueError(f"不支持的坐标系『{crs}』，可选：WGS-84、GCJ-02（高德/腾讯）、BD-09（百度）。")


def ring_area(ring: Sequence[Sequence[float]]) -> float:
    """Twice the signed area of a closed lon/lat ring: positive when it runs counterclockwise."""
    return sum(
        float(a[0]) * float(b[1]) - float(b[0]) * float(a[1]) for a, b in itertools.pairwise(ring)
    )


def wind_for_d3(geometry: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a GeoJSON (Multi)Polygon with its rings wound as d3-geo (Vega's geoshape)
    expects: outer rings clockwise, holes counterclockwise. Other geometries are copied as they are.

    GeoJSON (RFC 7946) winds outer rings the other way, and d3-geo reads such a ring as the whole
    globe minus the district: the map becomes one filled rectangle. Rings already wound for d3 are
    left as they are, so this is safe to repeat.
    """

    def polygon(rings: Sequence[Sequence[Any]]) -> list[list[Any]]:
        out = []
        for i, ring in enumerate(rings):
            ring = list(ring)
            outer = i == 0
            out.append(ring[::-1] if len(ring) >= 4 and (ring_area(ring) > 0) == outer else ring)
        return out

    kind, coords = geometry.get("type"), geometry.get("coordinates")
    if kind == "Polygon" and isinstance(coords, list):
        return {**geometry, "coordinates": polygon(coords)}
    if kind == "MultiPolygon" and isinstance(coords, list):
        return {**geometry, "coordinates": [polygon(p) for p in coords]}
    return dict(geometry)
