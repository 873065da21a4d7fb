"""地图 page on the sample city: renders, follows the metric and district choices, and a click on a
district shape narrows the dashboard to it."""

from __future__ import annotations

import time

import pytest
from streamlit.testing.v1 import AppTest

from civdash.districts import DistrictTable
from civdash.metrics import compute, format_value
from civdash.store import Store
from civdash.ui import maps as ui_maps
from civdash.ui.state import ALL, DISTRICT_KEY
from tests.pages.conftest import APP, logged_in

PAGE = "app_pages/map.py"


def _open(at: AppTest, **state: object) -> AppTest:
    for key, value in state.items():
        at.session_state[key] = value
    at.switch_page(PAGE).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _counts(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.fixture(scope="module")
def issues(sample_home):
    """The issues snapshot in force in the sample store, and its as-of date."""
    store = Store(f"sqlite:///{sample_home / 'civdash.sqlite'}")
    snap = store.current("issues")
    frame = store.load(snap.id)
    store.close()
    return frame, snap.as_of


def _expected(issues, key: str, district: str | None = None) -> str:
    frame, as_of = issues
    if district:
        frame = frame[frame["district"] == district]
    return format_value(key, compute(key, frame, as_of=as_of))  # type: ignore[arg-type]


def test_map_page_renders_the_map_counts_and_district_ranking(app, issues):
    at = _open(app)
    assert at.title[0].value == "地图 · 全市"
    counts = _counts(at)
    assert counts["问题总数"] == _expected(issues, "issue_count")
    assert counts["逾期未整改问题数"] == _expected(issues, "overdue_issues")
    ranking = at.dataframe[0].value
    assert len(ranking) == 7 and ranking["区县"].iloc[-1] == "南港区"
    assert "问题整改率（%）" in ranking.columns
    assert [e for e in at.main if type(e).__name__ == "UnknownElement"], "the st_folium map"


def test_choosing_a_metric_recolours_the_map_per_10000_residents(app):
    at = _open(app)
    at.selectbox(key="map_metric").set_value("overdue_issues").run()
    assert "每万人逾期未整改问题数（个/万人）" in at.dataframe[0].value.columns
    assert "区县颜色：每万人逾期未整改问题数（个/万人）" in at.caption[0].value
    at.toggle(key="map_per_capita").set_value(False).run()
    assert "逾期未整改问题数（个）" in at.dataframe[0].value.columns


def test_rates_cannot_be_divided_by_population(app):
    at = _open(app)
    assert at.toggle(key="map_per_capita").disabled  # 问题整改率 is already a rate


def test_sidebar_district_narrows_the_points_and_counts(app, issues):
    at = _open(app, **{DISTRICT_KEY: "南港区"})
    assert at.title[0].value == "地图 · 南港区"
    counts = _counts(at)
    assert counts["逾期未整改问题数"] == _expected(issues, "overdue_issues", "南港区")
    assert counts["问题总数"] == _expected(issues, "issue_count", "南港区")
    assert len(at.dataframe[0].value) == 7  # the choropleth still compares every district


def test_tianditu_without_a_token_says_so_and_stays_offline(app):
    at = _open(app)
    at.selectbox(key="map_tiles").set_value("tianditu").run()
    assert any("天地图密钥" in i.value for i in at.info)


def test_map_page_rerun_stays_fast(app):
    at = _open(app)
    at.run()  # warm
    start = time.perf_counter()
    at.run()
    assert time.perf_counter() - start < 1.0


def test_map_page_without_issues_says_what_is_missing(empty_home):
    at = logged_in(AppTest.from_file(APP))
    at.switch_page(PAGE).run()
    assert not at.exception
    assert "问题整改" in at.info[0].value
    assert at.get("page_link")


def test_map_page_warns_when_the_district_table_lacks_a_ledger_district(fresh_home):
    from dataclasses import replace

    store = Store(f"sqlite:///{fresh_home / 'civdash.sqlite'}")
    old = store.districts()
    assert old is not None
    renamed = tuple(replace(d, name="南港新区") if d.name == "南港区" else d for d in old.districts)
    store.commit_districts(DistrictTable(renamed), b"renamed", file_name="改名.geojson")
    store.close()
    at = _open(logged_in(AppTest.from_file(APP, default_timeout=90)))
    (warning,) = [w.value for w in at.warning if w.value.startswith("台账中有")]
    assert warning.startswith(
        "台账中有 1 个区县名称不在当前区县表中，这些行在地图上不计入任何区县：南港区（"
    )


@pytest.fixture
def clicks(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """`_on_map_change` against a plain dict as session state and the sample district names."""
    state: dict[str, object] = {DISTRICT_KEY: ALL}
    monkeypatch.setattr(ui_maps.st, "session_state", state)
    table = DistrictTable.from_records({"name": n} for n in ("东湖区", "南港区"))
    monkeypatch.setattr(ui_maps, "district_table", lambda: table)
    return state


def _click(state: dict[str, object], drawing: dict[str, object]) -> None:
    state[ui_maps.MAP_KEY] = {"last_active_drawing": drawing}
    ui_maps._on_map_change()


def _district(tooltip: str) -> dict[str, object]:
    return {"type": "Feature", "geometry": {"type": "Polygon"}, "properties": {"t": tooltip}}


def test_clicking_a_district_sets_the_sidebar_filter_and_again_clears_it(clicks):
    _click(clicks, _district("南港区：75.2%"))
    assert clicks[DISTRICT_KEY] == "南港区"
    _click(clicks, _district("东湖区：92.7%"))
    assert clicks[DISTRICT_KEY] == "东湖区"
    _click(clicks, _district("东湖区：92.7%"))
    assert clicks[DISTRICT_KEY] == ALL


def test_clicking_an_issue_marker_leaves_the_filter_alone(clicks):
    clicks[DISTRICT_KEY] = "南港区"
    _click(clicks, {"type": "Feature", "geometry": {"type": "Point"}, "properties": {}})
    assert clicks[DISTRICT_KEY] == "南港区"
