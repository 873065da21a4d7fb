import numpy as np
import pytest

from civdash.geo import (
    bd09_to_gcj02,
    gcj02_to_bd09,
    geometry_to_wgs84,
    normalize_crs,
    ring_area,
    to_wgs84,
    wgs84_to_gcj02,
    wind_for_d3,
)


def test_gcj02_round_trip_is_under_a_metre():
    lat, lon = np.array([30.30, 30.45]), np.array([120.15, 120.40])
    glat, glon = wgs84_to_gcj02(lat, lon)
    assert np.all(np.abs(glat - lat) > 1e-4)  # the offset is real (hundreds of metres)
    wlat, wlon = to_wgs84(glat, glon, "GCJ-02")
    assert np.allclose(wlat, lat, atol=1e-6) and np.allclose(wlon, lon, atol=1e-6)


def test_bd09_round_trip():
    lat, lon = np.array([30.3]), np.array([120.2])
    blat, blon = gcj02_to_bd09(*wgs84_to_gcj02(lat, lon))
    glat, _glon = bd09_to_gcj02(blat, blon)
    wlat, wlon = to_wgs84(blat, blon, "百度")
    assert np.allclose(wlat, lat, atol=1e-5) and np.allclose(wlon, lon, atol=1e-5)
    assert np.allclose(glat, wgs84_to_gcj02(lat, lon)[0], atol=1e-5)


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("gcj02", "GCJ-02"),
        ("高德", "GCJ-02"),
        ("BD-09", "BD-09"),
        ("百度", "BD-09"),
        (None, "WGS-84"),
        ("wgs84", "WGS-84"),
    ],
)
def test_crs_names(name, code):
    assert normalize_crs(name) == code


def test_unknown_crs_is_refused_in_chinese():
    with pytest.raises(ValueError, match="不支持的坐标系"):
        normalize_crs("CGCS2000")


def test_rings_are_wound_for_d3_once_and_only_polygons_change():
    ccw = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]
    hole = [[0.2, 0.2], [0.2, 0.8], [0.8, 0.8], [0.8, 0.2], [0.2, 0.2]]  # clockwise
    wound = wind_for_d3({"type": "Polygon", "coordinates": [ccw, hole]})
    outer, inner = wound["coordinates"]
    assert ring_area(outer) < 0 < ring_area(inner)  # outer clockwise, hole counterclockwise
    assert wind_for_d3(wound) == wound  # already wound: left as it is
    multi = wind_for_d3({"type": "MultiPolygon", "coordinates": [[ccw], [ccw[::-1]]]})
    assert all(ring_area(p[0]) < 0 for p in multi["coordinates"])
    point = {"type": "Point", "coordinates": [1.0, 2.0]}
    assert wind_for_d3(point) == point
    assert ring_area(ccw) > 0  # the input is not changed


def _shifted(points: list[list[float]], to: str = "GCJ-02") -> list[list[float]]:
    """WGS-84 [lon, lat] points as a Chinese web map publishes them."""
    arr = np.array(points, dtype=float)
    lat, lon = wgs84_to_gcj02(arr[:, 1], arr[:, 0])
    if to == "BD-09":
        lat, lon = gcj02_to_bd09(lat, lon)
    return [[float(x), float(y)] for x, y in zip(lon, lat, strict=True)]


OUTER = [[120.1, 30.2], [120.3, 30.2], [120.3, 30.4], [120.1, 30.4], [120.1, 30.2]]
HOLE = [[120.15, 30.25], [120.2, 30.25], [120.2, 30.3], [120.15, 30.25]]
ISLAND = [[120.5, 30.5], [120.52, 30.5], [120.52, 30.52], [120.5, 30.5]]


@pytest.mark.parametrize(("crs", "tolerance"), [("GCJ-02", 1e-6), ("BD-09", 1e-5)])
def test_every_ring_of_a_multipolygon_is_converted_and_its_structure_kept(crs, tolerance):
    wgs = [[OUTER, HOLE], [ISLAND]]
    shifted = {
        "type": "MultiPolygon",
        "coordinates": [[_shifted(ring, crs) for ring in polygon] for polygon in wgs],
        "bbox": [0, 0, 1, 1],
    }
    back = geometry_to_wgs84(shifted, crs)
    assert back["type"] == "MultiPolygon" and back["bbox"] == [0, 0, 1, 1]
    assert [[len(r) for r in p] for p in back["coordinates"]] == [[5, 4], [4]]
    for got, want in zip(back["coordinates"], wgs, strict=True):
        for ring_got, ring_want in zip(got, want, strict=True):
            assert np.abs(np.array(ring_got) - np.array(ring_want)).max() < tolerance
    assert shifted["coordinates"][1][0] == _shifted(ISLAND, crs)  # the input is left alone


def test_a_polygon_is_converted_like_ingest_converts_points_and_keeps_a_height():
    ring = [[*p, 12.5] for p in _shifted(OUTER)]
    back = geometry_to_wgs84({"type": "Polygon", "coordinates": [ring]}, "高德")
    arr = np.array(ring)
    lat, lon = to_wgs84(arr[:, 1], arr[:, 0], "GCJ-02")
    assert np.allclose(np.array(back["coordinates"][0])[:, :2], np.c_[lon, lat], atol=1e-7)
    assert {p[2] for p in back["coordinates"][0]} == {12.5}


def test_wgs84_geometry_is_copied_unchanged():
    polygon = {"type": "Polygon", "coordinates": [OUTER]}
    copy = geometry_to_wgs84(polygon, "WGS-84")
    assert copy == polygon and copy["coordinates"] is not polygon["coordinates"]
