"""Replacing the district table from an upload."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from civdash import upload as up
from civdash.districts import District, DistrictTable
from civdash.io import FileRefused
from civdash.store import Store
from tests.io.helpers import xlsx_bytes
from tests.upload.helpers import (
    CITY,
    pdf_bytes,
)


def _geojson(*names: str) -> bytes:
    square = {
        "type": "Polygon",
        "coordinates": [[[120, 30], [120.1, 30], [120.1, 30.1], [120, 30]]],
    }
    feats = [
        {"type": "Feature", "properties": {"name": n, "population": 1000}, "geometry": square}
        for n in names
    ]
    return json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False).encode()


def test_district_file_is_read_from_geojson_or_a_table() -> None:
    geo = up.read_district_file(_geojson("东湖区", "南港区"), "city.geojson")
    assert geo.table.names == ("东湖区", "南港区")
    assert geo.table.has_geometry and geo.crs == "WGS-84" and not geo.datav
    sheet = xlsx_bytes({"区县": [["区县", "常住人口"], ["东湖区", 250000], ["南港区", 200000]]})
    table = up.read_district_file(sheet, "区县.xlsx").table
    assert table.names == ("东湖区", "南港区")
    assert table.population() == {"东湖区": 250000.0, "南港区": 200000.0}
    summary = up.district_summary(geo.table)
    assert summary["边界"].tolist() == ["有", "有"]
    assert up.district_file_notes(geo) == ()


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"{not json", "city.geojson", "区县边界文件不是有效的 GeoJSON，请检查文件内容。"),
        (
            b'{"type": "Feature"}',
            "city.geojson",
            "区县边界文件不是 GeoJSON FeatureCollection，请检查文件内容。",
        ),
        (pdf_bytes(), "city.xlsx", "无法识别的文件格式"),
    ],
)
def test_bad_district_files_are_refused(data: bytes, name: str, message: str) -> None:
    with pytest.raises(FileRefused) as caught:
        up.read_district_file(data, name)
    assert str(caught.value).startswith(message)


def test_district_names_of_current_snapshots_are_re_resolved_against_the_new_table() -> None:
    current = {
        "volunteers": pd.DataFrame(
            {"district": ["东湖区", "东湖区", "西山区", "高新技术产业开发区"]}
        ),
        "targets": pd.DataFrame({"district": ["", "东湖区"]}),
        "units": None,
    }
    new = DistrictTable((District("东湖区"), District("高新区", aliases=("高新技术产业开发区",))))
    check = up.check_districts(current, new)
    assert check.unresolved.to_dict("records") == [
        {"台账": "志愿者", "原区县名称": "西山区", "行数": 1, "新表中对应": "", "结果": "无法对应"}
    ]
    assert check.renamed["原区县名称"].tolist() == ["高新技术产业开发区"]
    assert check.renamed["结果"].tolist() == ["改为『高新区』"]
    unchanged = check.names[check.names["结果"] == "不变"]
    assert unchanged[["台账", "行数"]].to_dict("records") == [
        {"台账": "志愿者", "行数": 2},
        {"台账": "目标任务", "行数": 1},
    ]


def test_replacing_the_districts_stores_a_new_current_table(store: Store) -> None:
    data = _geojson("东湖区", "南港区")
    table = up.read_district_file(data, "city.geojson").table
    outcome = up.commit_districts(store, table, data, "city.geojson", " 王科长 ")
    assert outcome.created
    assert store.districts().names == ("东湖区", "南港区")  # type: ignore[union-attr]
    assert store.current("districts").committed_by == "王科长"  # type: ignore[union-attr]


def test_a_datav_upload_is_converted_and_takes_population_by_name_and_code() -> None:
    from tests.test_districts import datav_bytes

    sheet = xlsx_bytes(
        {
            "常住人口": [
                ["行政区划代码", "区县", "常住人口"],
                ["330106000000", "西湖", 1130000],
                [None, "萧山", 2011000],
                [None, "临平", 1170000],
            ]
        }
    )
    read = up.read_district_file(
        datav_bytes(), "330100_full.json", population=up.Upload.of("人口.xlsx", sheet)
    )
    assert read.datav and read.crs == "GCJ-02" and read.crs_assumed
    assert read.table.population() == {"西湖区": 1130000.0, "萧山区": 2011000.0}
    assert up.district_file_notes(read) == (
        "以下 1 个区县没有常住人口，按每万人计算的指标不含它们：桐庐县；请在常住人口表中补上。",
        "常住人口表中以下 1 行对应不上任何区县，未使用：临平；请核对区县名称或区划代码。",
    )
    summary = up.district_summary(read.table)
    assert summary["区划代码"].tolist() == ["330106", "330109", "330122"]
    bare = up.read_district_file(datav_bytes(), "330100_full.json", crs="WGS-84")
    assert not bare.crs_assumed
    assert up.district_file_notes(bare) == (
        "区县表中没有常住人口，按每万人计算的指标将无法显示；"
        "请另附常住人口表（区县、常住人口两列，或区划代码、常住人口两列）。",
    )


def test_a_population_sheet_with_a_bad_number_is_refused_naming_the_sheet() -> None:
    from tests.test_districts import datav_bytes

    sheet = xlsx_bytes({"人口": [["区县", "常住人口"], ["西湖区", "很多"]]})
    with pytest.raises(FileRefused) as caught:
        up.read_district_file(datav_bytes(), "a.json", population=up.Upload.of("p.xlsx", sheet))
    assert str(caught.value) == (
        "常住人口表有误：第 2 行『常住人口』为 很多，不是数字，请填写人数，如 263000。"
    )


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (
            ("西湖区", "萧山区"),
            "现有台账中的区县名称在新区县表中全都对应不上：东湖区（志愿者 2 行、目标任务 1 行）、"
            "高新技术产业开发区（志愿者 1 行）；换成新区县表后，这些行不计入任何区县，"
            "地图和各区县统计中它们的数会是 0。",
        ),
        (
            ("东湖区", "萧山区"),
            "现有台账中有 1 个区县名称在新区县表中对应不上：高新技术产业开发区（志愿者 1 行）；"
            "换成新区县表后，这些行不计入任何区县，地图和各区县统计中它们的数会是 0。",
        ),
        (("东湖", "高新区"), None),
    ],
)
def test_district_check_warns_of_ledger_districts_the_new_table_cannot_resolve(
    names: tuple[str, ...], expected: str | None
) -> None:
    current = {
        "volunteers": pd.DataFrame({"district": ["东湖区", "东湖区", "高新技术产业开发区"]}),
        "targets": pd.DataFrame({"district": ["", "东湖区"]}),
        "issues": None,
    }
    new = DistrictTable(
        tuple(District(n, aliases=("高新技术产业开发区",) if n == "高新区" else ()) for n in names)
    )
    check = up.check_districts(current, new)
    assert check.warning() == expected
    assert check.complete is (expected is None)


def test_no_ledgers_means_any_district_table_is_complete() -> None:
    check = up.check_districts({"units": None}, DistrictTable((District("西湖区"),)))
    assert check.complete and check.warning() is None


def test_a_table_kept_aside_can_be_made_current_by_committing_it_again(db_url: str) -> None:
    with Store(db_url) as store:
        first = up.commit_districts(store, CITY, b"city", "city.geojson", "王科长")
        other = DistrictTable((District("西湖区"),))
        aside = up.commit_districts(store, other, b"xh", "xh.json", "王科长", make_current=False)
        assert aside.created and not aside.snapshot.is_current
        assert store.current("districts").id == first.snapshot.id  # type: ignore[union-attr]
        assert aside.message.endswith(
            f"；当前快照仍为 #{first.snapshot.id}（截至 {first.snapshot.as_of}）"
        )
        again = up.commit_districts(store, other, b"xh", "xh.json", "张晓", make_current=True)
        assert not again.created and again.snapshot.is_current
        assert again.message.endswith(f"；已将快照 #{aside.snapshot.id} 设为当前区县表")
        assert store.districts().names == ("西湖区",)  # type: ignore[union-attr]
        assert store.audit()["actor"].iloc[0] == "张晓"
