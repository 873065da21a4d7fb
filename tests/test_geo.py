import numpy as np
import pytest

from civdash.geo import (
    bd09_to_gcj02,
    gcj02_to_bd09,
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
