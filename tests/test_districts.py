import json

import numpy as np
import pytest

from civdash.districts import (
    District,
    DistrictTable,
    describe_names,
    is_datav,
    merge_population,
)
from civdash.geo import wgs84_to_gcj02
from civdash.ingest import load_districts
from civdash.io import FileRefused
from tests.io.helpers import xlsx_bytes

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


# ---- DataV / 阿里云 area files ---------------------------------------------------------------------

CITY_ADCODE = 330100
DATAV_DISTRICTS = (
    # name, adcode, polygons of (lon0, lat0, size) squares in WGS-84
    ("西湖区", 330106, ((120.05, 30.20, 0.10),)),
    ("萧山区", 330109, ((120.25, 30.10, 0.15), (120.45, 30.30, 0.03))),  # an island: 2 polygons
    ("桐庐县", 330122, ((119.50, 29.75, 0.20),)),
)


def datav_wgs84_rings() -> dict[str, list[list[list[list[float]]]]]:
    """The districts of `datav_city` as WGS-84 MultiPolygon coordinates (the truth)."""
    out = {}
    for name, _code, squares in DATAV_DISTRICTS:
        out[name] = [
            [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]] for x, y, d in squares
        ]
    return out


def datav_city() -> dict[str, object]:
    """A DataV-shaped FeatureCollection of three 杭州 districts: MultiPolygons whose coordinates
    are the GCJ-02 offsets of `datav_wgs84_rings`, and the properties DataV files carry."""
    truth = datav_wgs84_rings()
    features = []
    for i, (name, code, squares) in enumerate(DATAV_DISTRICTS):
        polygons = []
        for polygon in truth[name]:
            ring = np.array(polygon[0])
            lat, lon = wgs84_to_gcj02(ring[:, 1], ring[:, 0])
            polygons.append([[[float(a), float(b)] for a, b in zip(lon, lat, strict=True)]])
        x, y, d = squares[0]
        clat, clon = wgs84_to_gcj02(np.array([y + d / 2]), np.array([x + d / 2]))
        center = [round(float(clon[0]), 6), round(float(clat[0]), 6)]
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "adcode": code,
                    "name": name,
                    "center": center,
                    "centroid": center,
                    "childrenNum": 0,
                    "level": "district",
                    "parent": {"adcode": CITY_ADCODE},
                    "subFeatureIndex": i,
                    "acroutes": [100000, 330000, CITY_ADCODE],
                },
                "geometry": {"type": "MultiPolygon", "coordinates": polygons},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def datav_bytes() -> bytes:
    return json.dumps(datav_city(), ensure_ascii=False).encode("utf-8")


def _max_error(table: DistrictTable) -> float:
    truth = datav_wgs84_rings()
    worst = 0.0
    for d in table.districts:
        assert d.geometry is not None and d.geometry["type"] == "MultiPolygon"
        got = np.array(d.geometry["coordinates"], dtype=float)
        want = np.array(truth[d.name], dtype=float)
        assert got.shape == want.shape  # same polygons, rings and points
        worst = max(worst, float(np.abs(got - want).max()))
    return worst


def test_datav_file_is_converted_from_gcj02_and_keeps_adcode_as_the_code():
    collection = datav_city()
    assert is_datav(collection)
    shifted = np.array(collection["features"][0]["geometry"]["coordinates"], dtype=float)
    assert np.abs(shifted - np.array(datav_wgs84_rings()["西湖区"])).max() > 1e-3  # a real offset
    t = DistrictTable.from_geojson(datav_bytes())
    assert t.names == ("西湖区", "萧山区", "桐庐县")
    assert [d.code for d in t.districts] == ["330106", "330109", "330122"]
    assert _max_error(t) < 1e-6
    assert t.population() == {}


def test_datav_file_read_as_wgs84_when_told_is_not_converted():
    t = DistrictTable.from_geojson(datav_city(), crs="WGS-84")
    feature = datav_city()["features"][1]
    assert t.districts[1].geometry == feature["geometry"]  # type: ignore[index]


def test_a_plain_geojson_is_not_taken_for_datav_and_keeps_its_code():
    plain = _geojson(name="东湖区", code="420102", adcode=420100)
    assert not is_datav(plain)
    t = DistrictTable.from_geojson(plain)
    assert t.districts[0].geometry == SQUARE and t.districts[0].code == "420102"


def test_population_is_matched_by_name_as_ledgers_resolve_it():
    t = DistrictTable.from_geojson(datav_city())
    sheet = DistrictTable(
        (District("萧山", 2011000.0), District("临平", 1170000.0), District("桐 庐 县", 456000.0))
    )
    merge = merge_population(t, sheet)
    assert merge.table.population() == {"萧山区": 2011000.0, "桐庐县": 456000.0}
    assert merge.matched == 2
    assert merge.missing == ("西湖区",)
    assert merge.unmatched == ("临平",)
    assert merge.table.districts[1].geometry == t.districts[1].geometry


def test_population_is_matched_by_code_even_a_12_digit_statistical_one():
    t = DistrictTable.from_geojson(datav_city())
    sheet = DistrictTable(
        (
            District("西湖", 1130000.0, code="330106000000"),
            District("某新区", 1.0, code="330199"),
            District("萧山区", 2011000.0),
            District("萧山", 9.0),
        )
    )
    merge = merge_population(t, sheet)
    assert merge.table.population() == {"西湖区": 1130000.0, "萧山区": 2011000.0}
    assert merge.unmatched == ("某新区",) and merge.repeated == ("萧山",)
    assert merge.missing == ("桐庐县",)


def test_names_are_described_with_their_rows_per_ledger_and_cut_after_the_limit():
    counts = {f"区{i}": {"志愿者": i} for i in range(1, 13)}
    text = describe_names(counts, limit=2)
    assert text == "区1（志愿者 1 行）、区2（志愿者 2 行）、等 12 个"


def test_load_districts_merges_a_population_csv_by_name_and_says_what_it_did():
    csv = "区县,常住人口（万人）\n萧山,201.1\n临平,117\n桐庐,45.6\n".encode()
    read = load_districts(datav_bytes(), "330100_full.json", population=(csv, "人口.csv"))
    assert (read.crs, read.crs_assumed, read.datav, read.has_boundaries) == (
        "GCJ-02",
        True,
        True,
        True,
    )
    assert _max_error(read.table) < 1e-6
    assert read.table.population() == {"萧山区": 2011000.0, "桐庐县": 456000.0}  # 万人 → 人
    assert read.population is not None and read.population.unmatched == ("临平",)
    assert read.population_file == "人口.csv"
    assert read.file_name == "330100_full.json（常住人口：人口.csv）"


def test_load_districts_takes_a_code_only_population_sheet_in_xlsx():
    sheet = xlsx_bytes(
        {"人口": [["adcode", "常住人口"], [330106, 1130000], [330122000000, 456000]]}
    )
    read = load_districts(datav_bytes(), "330100_full.json", population=(sheet, "人口.xlsx"))
    assert read.table.population() == {"西湖区": 1130000.0, "桐庐县": 456000.0}
    assert read.population is not None and read.population.missing == ("萧山区",)


def test_the_same_boundaries_read_another_way_have_another_fingerprint():
    data = datav_bytes()
    gcj = load_districts(data, "a.json")
    wgs = load_districts(data, "a.json", crs="WGS-84")
    population = ("区县,常住人口\n萧山,1\n".encode(), "p.csv")
    with_pop = load_districts(data, "a.json", population=population)
    assert wgs.content == data and not wgs.crs_assumed and wgs.crs == "WGS-84"
    assert len({gcj.content, wgs.content, with_pop.content}) == 3


def test_a_sheet_only_district_table_keeps_working():
    sheet = xlsx_bytes({"区县": [["区县", "常住人口"], ["东湖区", 250000], ["南港区", 200000]]})
    read = load_districts(sheet, "区县.xlsx")
    assert not read.has_boundaries and read.crs == "WGS-84" and read.content == sheet
    assert read.table.population() == {"东湖区": 250000.0, "南港区": 200000.0}


def test_an_unknown_crs_is_refused_in_chinese():
    with pytest.raises(FileRefused, match="不支持的坐标系『火星2』"):
        load_districts(datav_bytes(), "a.json", crs="火星2")
