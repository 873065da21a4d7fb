"""The sample city's files: deterministic, packaged copies current, messy the documented ways."""

from __future__ import annotations

import itertools
import json
import zipfile
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from python_calamine import CalamineWorkbook

from civdash import sample
from civdash.districts import DistrictTable
from civdash.ingest import ingest_file
from civdash.ledgers import get_kind
from civdash.ledgers.matching import match_columns
from civdash.sample import city, workbooks
from tests.sample.conftest import ledger_layout, read_ledger, sheet_rows

FILES_DIR = Path(sample.__file__).parent / "files"
"""The files packaged with civdash: districts, targets, the latest week's ledgers, the contacts
list and the latest 测评 round's report."""
OFFICE_FILES = 2
"""generate() ends with the contacts list and the latest 测评 round's report."""
LATEST = sample.END_DATE.isoformat()


USES_HISTORY = pytest.mark.slow
"""A test of the whole generated history: generating ten weeks of workbooks takes about 20 s,
so these run in CI and not in the fast tier."""


def _unsupplied(kind: str, headers: list[str]) -> set[str]:
    """Fields of `kind` that no header feeds (称号 feeds level + category, 政治面貌 the party flag)."""
    k = get_kind(kind)
    supplied: set[str] = set()
    for target in match_columns(kind, headers).by_field:
        supplied |= set(k.extra_headers.get(target, (target,)))
    return {f.name for f in k.input_fields} - supplied


def _all_cells(path: Path) -> dict[str, list[list[object]]]:
    wb = CalamineWorkbook.from_path(str(path))
    return {name: wb.get_sheet_by_name(name).to_python() for name in wb.sheet_names}


@USES_HISTORY
def test_history_is_districts_targets_then_three_ledgers_per_sunday(history):
    assert [f.kind for f in history[:2]] == ["districts", "targets"]
    assert [f.kind for f in history[-OFFICE_FILES:]] == ["contacts", "assessments"]
    weekly = history[2:-OFFICE_FILES]
    assert [f.kind for f in weekly] == ["units", "volunteers", "issues"] * 10
    dates = sorted({f.as_of for f in weekly})
    assert dates[-1] == date(2026, 11, 15)
    assert all(d.weekday() == 6 for d in dates)
    assert [b - a for a, b in itertools.pairwise(dates)] == [timedelta(days=7)] * 9
    assert all(Path(f.path).is_file() and f.note for f in history)


@USES_HISTORY
def test_generation_is_byte_for_byte_deterministic(history, tmp_path):
    again = sample.generate(tmp_path, weeks=2)  # a week's file depends on its date alone
    first = {Path(f.path).name: f for f in history}
    kept = history[:2] + history[-6 - OFFICE_FILES :]
    assert [Path(f.path).name for f in again] == [Path(f.path).name for f in kept]
    for f in again:
        twin = first[Path(f.path).name]
        assert Path(f.path).read_bytes() == Path(twin.path).read_bytes(), f.path


@USES_HISTORY
def test_latest_only_writes_the_same_latest_week_as_the_full_history(history, tmp_path):
    latest = sample.generate(tmp_path, latest_only=True)
    full = {Path(f.path).name: f for f in history}
    assert len(latest) == 5 + OFFICE_FILES
    for f in latest:
        twin = full[Path(f.path).name]
        assert Path(f.path).read_bytes() == Path(twin.path).read_bytes()
        assert f.bad_rows == twin.bad_rows


@USES_HISTORY
def test_committed_files_are_what_generate_produces(history):
    generated = {Path(f.path).name: Path(f.path) for f in history}
    committed = sorted(p.name for p in FILES_DIR.iterdir())
    expected = sorted(n.format(d=LATEST) for n in workbooks.PACKAGED_FILES)
    assert committed == expected
    assert (FILES_DIR / "districts.geojson").read_bytes() == generated[
        "districts.geojson"
    ].read_bytes()
    for name in expected:
        if name.endswith(".xlsx"):
            assert _all_cells(FILES_DIR / name) == _all_cells(generated[name]), name


def test_committed_files_stay_under_ten_megabytes():
    assert sum(p.stat().st_size for p in FILES_DIR.iterdir()) < 10 * 1024 * 1024


def test_districts_tile_a_city_of_260000_without_overlaps():
    data = json.loads((FILES_DIR / "districts.geojson").read_text(encoding="utf-8"))
    props = [f["properties"] for f in data["features"]]
    assert len(props) == 7
    assert sum(p["population"] for p in props) == 260_000
    assert all(len(p["code"]) == 6 and p["code"].isdigit() for p in props)
    assert {"高新区"} <= {a for p in props for a in p["aliases"]}
    rings = [np.array(f["geometry"]["coordinates"][0]) for f in data["features"]]
    assert all(8 <= len(r) - 1 <= 20 and (r[0] == r[-1]).all() for r in rings)
    lon, lat = np.meshgrid(np.linspace(120.0, 120.5, 200), np.linspace(30.15, 30.55, 200))
    hits = sum(city.inside(r, lon.ravel(), lat.ravel()).astype(int) for r in rings)
    assert hits.max() == 1
    table = DistrictTable.from_geojson(FILES_DIR / "districts.geojson")
    min_lat, min_lon, max_lat, max_lon = table.bounds()
    assert 30.1 < min_lat < max_lat < 30.6 and 120.0 <= min_lon < max_lon <= 120.5


@pytest.mark.parametrize(
    ("kind", "layouts"),
    [("volunteers", workbooks.VOLUNTEER_LAYOUTS), ("issues", workbooks.ISSUE_LAYOUTS)],
)
def test_every_header_layout_maps_to_every_field(kind, layouts):
    for layout in layouts:
        assert _unsupplied(kind, layout["headers"]) == set(), layout["headers"]


@USES_HISTORY
@pytest.mark.parametrize("as_of", [date(2026, 11, 8), date(2026, 11, 15)])
def test_both_units_layouts_map_every_field(history, as_of):
    f = next(f for f in history if f.kind == "units" and f.as_of == as_of)
    headers, _, _ = ledger_layout(sheet_rows(Path(f.path)))
    assert _unsupplied("units", headers) == set()


@USES_HISTORY
def test_title_row_names_the_as_of_date_and_footer_names_the_clerk(history):
    for f in history[2:5]:
        rows = sheet_rows(Path(f.path))
        assert f"截至{f.as_of.year}年{f.as_of.month}月{f.as_of.day}日" in rows[0][0]
        assert any(r[0] == "合计" for r in rows)
        assert rows[-1][0].startswith("填报人：") and "审核人：" in rows[-1][0]


@USES_HISTORY
def test_latest_volunteers_carry_the_documented_mess(history, districts):
    f = next(f for f in history if f.kind == "volunteers" and f.as_of == sample.END_DATE)
    df = read_ledger(Path(f.path), "volunteers")
    hours = [h for h in df["hours"] if isinstance(h, str)]
    assert any(h.endswith("小时") for h in hours)
    assert any("１" in h or "２" in h or "０" in h for h in hours)
    dates = df["registered_on"]
    assert sum(isinstance(d, date) for d in dates) > 0.9 * len(df)
    texts = [d for d in dates if isinstance(d, str)]
    assert (
        any("年" in d for d in texts)
        and any("/" in d for d in texts)
        and any("." in d for d in texts)
    )
    assert any(isinstance(d, float) for d in dates)  # a bare Excel serial
    spellings = set(df["district"]) - set(districts.names)
    assert {"高新区", sample.UNKNOWN_DISTRICT} <= spellings
    assert all(districts.resolve(s) for s in spellings - {sample.UNKNOWN_DISTRICT})
    assert set(df["is_party_member"]) == {"是", "否"}
    assert 0.25 < (df["is_party_member"] == "是").mean() < 0.4
    assert all(str(p).startswith("1380000") for p in df["phone"] if p)


@USES_HISTORY
def test_bad_rows_are_the_documented_mistakes(history):
    for f in history[2:-OFFICE_FILES]:
        df = read_ledger(Path(f.path), f.kind).set_index("row")
        assert 5 <= len(f.bad_rows) <= 15
        for row in f.bad_rows:
            r = df.loc[row]
            if f.kind == "volunteers":
                dup = (df["volunteer_id"] == r["volunteer_id"]).sum() > 1
                neg = isinstance(r["hours"], float) and r["hours"] < 0
                assert (
                    r["registered_on"] == sample.IMPOSSIBLE_DATE
                    or neg
                    or not r["name"]
                    or r["district"] == sample.UNKNOWN_DISTRICT
                    or dup
                ), r
            elif f.kind == "issues":
                assert (
                    r["found_on"] == sample.IMPOSSIBLE_DATE
                    or not r["responsible_unit"]
                    or not r["description"]
                    or r["district"] == sample.UNKNOWN_DISTRICT
                ), r
            else:
                assert (
                    not r["unit_name"]
                    or r["district"] == sample.UNKNOWN_DISTRICT
                    or r["score"] in (105.0, "优秀")
                ), r


@USES_HISTORY
def test_hostile_description_is_written_verbatim_as_text(history):
    f = next(f for f in history if f.kind == "issues" and f.as_of == sample.END_DATE)
    df = read_ledger(Path(f.path), "issues")
    hostile = [d for d in df["description"] if "onerror" in str(d)]
    assert hostile == ['=HYPERLINK("http://x") <img src=x onerror=alert(1)> 洗手池损坏']
    assert "<f>" not in _raw_sheet(Path(f.path))


def _raw_sheet(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))


@USES_HISTORY
def test_issue_time_limits_are_written_every_way(history):
    f = next(f for f in history if f.kind == "issues" and f.as_of == sample.END_DATE)
    limits = read_ledger(Path(f.path), "issues")["deadline"]
    texts = {str(v) for v in limits if isinstance(v, str)}
    assert {"立行立改", "7天", "15个工作日"} <= texts
    assert texts & {"长期坚持", "长期整改", "持续整改"}
    assert sum(isinstance(v, date) for v in limits) > 0.3 * len(limits)


@USES_HISTORY
def test_targets_use_catalogue_names_and_percent_forms(history):
    f = next(f for f in history if f.kind == "targets")
    df = read_ledger(Path(f.path), "targets")
    rate = df[(df["metric"] == "注册志愿者占常住人口比例") & (df["district"] == "全市")]
    assert rate["target"].tolist() == ["13%"]
    assert {"问题整改率", "按期整改率", "星级志愿者人数", "已命名单位数", "创建单位达标率"} <= set(
        df["metric"]
    )
    assert 0.85 in df["target"].tolist()  # a fraction formatted as a percentage
    assert f.bad_rows == (int(df["row"].iloc[-1]),)  # 公益广告覆盖率 is not in the catalogue


@USES_HISTORY
@pytest.mark.parametrize("name", [n.format(d=LATEST) for n in sample.LATEST_FILES[1:]])
def test_ingest_rejects_exactly_the_documented_bad_rows(history, districts, name):
    f = next(f for f in history if Path(f.path).name == name)
    result = ingest_file(FILES_DIR / name, kind=f.kind, districts=districts)
    assert tuple(result.invalid_rows) == f.bad_rows
    if f.kind != "targets":  # the targets title carries an issue date, not 截至
        assert result.as_of == f.as_of
