import json

import pytest

from civdash.districts import District, DistrictTable

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[120.0, 30.0], [120.2, 30.0], [120.2, 30.2], [120.0, 30.0]]],
}


def _geojson(**props):
    return {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": props, "geometry": SQUARE}],
    }


def test_geojson_gives_names_population_aliases_and_bounds():
    t = DistrictTable.from_geojson(
        json.dumps(
            _geojson(name="高新技术产业开发区", population=41000, aliases=["高新区"])
        ).encode()
    )
    assert t.names == ("高新技术产业开发区",)
    assert t.population() == {"高新技术产业开发区": 41000.0}
    assert t.resolve("高新区") == "高新技术产业开发区"
    assert t.bounds() == (30.0, 120.0, 30.2, 120.2)


def test_geojson_without_names_is_refused_in_chinese():
    with pytest.raises(ValueError, match="缺少 name"):
        DistrictTable.from_geojson(_geojson(population=1))


def test_ambiguous_prefix_does_not_resolve():
    t = DistrictTable((District("东湖区"), District("东湖新区")))
    assert t.resolve("东湖区") == "东湖区"
    assert t.resolve("东") is None


def test_records_round_trip_keeps_aliases_and_geometry():
    t = DistrictTable((District("东湖区", 52000.0, "330101", ("东湖",), SQUARE),))
    back = DistrictTable.from_records(t.to_records())
    assert back == t
