"""地图 view: metric choices, the district ranking behind the choropleth, the map and clicks.

The ledgers are the simulated truth of the sample city's last week (issues, units, volunteers).
"""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pandas as pd
import pytest

from civdash import sample
from civdash.dashboard import Filters, Ledgers, load_ledgers
from civdash.districts import District, DistrictTable
from civdash.maps.choropleth import CHOSEN_OUTLINE
from civdash.metrics import METRICS, compute, format_value
from civdash.names import CHOSEN_MARK, short_names
from civdash.views.map import (
    DEFAULT_METRIC,
    build_map_view,
    clicked_district,
    metric_options,
    toggle_district,
)
from tests.snapshots import snapshot_info

AS_OF = sample.END_DATE
HOSTILE = "<img src=x onerror=alert(1)>"


class _City:
    """The sample city's last week behind a store-like loader."""

    def __init__(self) -> None:
        sim = sample.simulate()
        self.districts = DistrictTable.from_geojson(sample.districts_geojson())
        issues = sim.issues_at(AS_OF).drop(columns="deadline_text")
        for col in ("found_on", "deadline", "rectified_on"):
            issues[col] = pd.to_datetime(issues[col])
        rounds = sample.simulate_assessments()
        rounds["assessed_on"] = pd.to_datetime(rounds["assessed_on"])
        self.frames = {
            1: issues,
            2: sim.units_at(AS_OF),
            3: sim.volunteers_at(AS_OF),
            4: rounds,
        }
        self.snapshots = [
            snapshot_info(sid, kind, AS_OF, rows=len(self.frames[sid]))
            for sid, kind in ((1, "issues"), (2, "units"), (3, "volunteers"), (4, "assessments"))
        ]

    def load(self, sid: int) -> pd.DataFrame:
        return self.frames[sid]

    def ledgers(self, district: str | None = None, kinds: tuple[str, ...] = ()) -> Ledgers:
        snaps = [s for s in self.snapshots if not kinds or s.kind in kinds]
        return load_ledgers(snaps, self.load, Filters(district), districts=self.districts)


@pytest.fixture(scope="module")
def city() -> _City:
    return _City()


@pytest.fixture(scope="module")
def view(city):
    return build_map_view(city.ledgers(), city.load)


@pytest.fixture(scope="module")
def html(view) -> str:
    return view.map.get_root().render()


def test_every_catalogue_metric_can_colour_the_map_when_all_ledgers_are_loaded(city):
    options = metric_options(city.ledgers())
    assert [o.key for o in options] == list(METRICS)
    per_capita = {o.key for o in options if o.per_capita}
    assert {"volunteer_count", "issue_count", "overdue_issues"} <= per_capita
    assert "issue_close_rate" not in per_capita


def test_metrics_of_missing_ledgers_or_population_are_not_offered(city):
    only_issues = metric_options(city.ledgers(kinds=("issues",)))
    assert {METRICS[o.key].ledger for o in only_issues} == {"issues"}
    led = city.ledgers()
    no_population = DistrictTable(
        tuple(replace(d, population=None) for d in led.districts.districts)
    )
    keys = [o.key for o in metric_options(replace(led, districts=no_population))]
    assert "volunteer_rate" not in keys
    assert not any(o.per_capita for o in metric_options(replace(led, districts=no_population)))


def test_ranking_holds_each_districts_value_best_first(city, view):
    assert view.metric == DEFAULT_METRIC
    assert view.metric_title == "问题整改率" and view.unit == "%"
    by = compute("issue_close_rate", city.frames[1], as_of=AS_OF, by="district")
    # a narrow column beside the map: 高新技术产业开发区 by its alias 高新区 (civdash.names)
    short = short_names(city.districts)
    expected = dict(zip(by["district"].map(short), by["value"].round(1), strict=True))
    assert "高新区" in expected
    column = "问题整改率（%）"
    assert dict(zip(view.ranking["区县"], view.ranking[column], strict=True)) == expected
    assert view.ranking[column].is_monotonic_decreasing
    assert view.ranking["排名"].tolist() == list(range(1, 8))
    assert view.ranking["区县"].iloc[-1] == "南港区"  # the district that lags


def test_counts_are_shown_per_10000_residents_for_per_capita_metrics(city):
    view = build_map_view(city.ledgers(), city.load, metric="volunteer_count")
    assert view.per_capita and view.metric_title == "每万人注册志愿者人数"
    assert view.unit == "人/万人"
    row = view.ranking.set_index("区县").loc["南港区"]
    count = compute("volunteer_count", city.frames[3], as_of=AS_OF, by="district")
    raw = float(count.set_index("district").loc["南港区", "value"])
    assert row["每万人注册志愿者人数（人/万人）"] == pytest.approx(raw / 41268 * 10_000, abs=0.05)
    assert row["注册志愿者人数（人）"] == raw
    assert row["常住人口（人）"] == 41268
    plain = build_map_view(city.ledgers(), city.load, metric="volunteer_count", per_capita=False)
    assert not plain.per_capita and "注册志愿者人数（人）" in plain.ranking.columns


def test_lower_is_better_metrics_rank_the_smallest_first(city):
    view = build_map_view(city.ledgers(), city.load, metric="overdue_issues")
    shown = view.ranking["每万人逾期未整改问题数（个/万人）"]
    assert shown.is_monotonic_increasing
    assert view.ranking["区县"].iloc[-1] == "南港区"


def test_counts_above_the_map_come_from_the_catalogue(city, view):
    counts = {c.label: c.value_text for c in view.counts}
    issues = city.frames[1]
    assert counts["问题总数"] == format_value(
        "issue_count", compute("issue_count", issues, as_of=AS_OF)
    )  # type: ignore[arg-type]
    assert counts["逾期未整改问题数"] == format_value(
        "overdue_issues",
        compute("overdue_issues", issues, as_of=AS_OF),  # type: ignore[arg-type]
    )
    assert counts["创建单位数"] == format_value("unit_count", len(city.frames[2]))


def _overlays(html: str) -> list[str]:
    """Names of the layers in the layer control, in order."""
    return [json.loads(n) for n in re.findall(r'("(?:[^"\\]|\\.)*") : civdash_', html)]


def _outline_weights(html: str) -> dict[str, float]:
    """District → border width of the choropleth's districts drawn wider than the rest."""
    found = re.findall(r'"s":\{"color":"[^"]*","weight":([0-9.]+),[^}]*\},"t":"([^"：]*)：', html)
    return {name: float(w) for w, name in found if float(w) != 1.5}


def _last_fit(html: str) -> list[list[float]]:
    calls = re.findall(r"fitBounds\(\s*(\[\[.*?\]\])", html, flags=re.DOTALL)
    return json.loads(calls[-1])


def test_map_has_district_shapes_issue_points_units_legend_and_layer_control(view, html):
    assert view.has_boundaries and view.notice == ""
    assert _overlays(html) == ["区县边界", "问题整改率", "问题点位", "创建单位"]
    assert html.count("L.markerClusterGroup(") == 1
    assert "问题整改状态" in html and "创建单位（方块）" in html


def test_map_takes_no_keyboard_focus_so_a_click_in_the_app_iframe_lands(html):
    # Leaflet's keyboard handler focuses the map on mouse-down, which scrolls a half-visible
    # map iframe into view mid-click: the district click would miss.
    assert re.search(r'"keyboard":\s*false', html)


def test_map_loads_nothing_from_other_hosts(html):
    urls = re.findall(r"<(?:script|link)\b[^>]*?\b(?:src|href)=[\"']([^\"']*)", html)
    assert urls and not [u for u in urls if re.match(r"^(https?:)?//", u)]
    assert "tile.openstreetmap" not in html


def test_hostile_description_in_the_sample_never_reaches_the_map_as_html(city, html):
    assert city.frames[1]["description"].str.contains(HOSTILE, regex=False).any()
    assert HOSTILE not in html
    assert "onerror=alert" not in html.replace("onerror=alert(1)&gt;", "")


def test_map_of_50000_points_is_one_layer_of_bounded_size(city):
    from tests.maps.map_support import big_issues  # the maps tests' worst case

    issues = big_issues()
    frames = {**city.frames, 1: issues}
    led = city.ledgers()
    led = replace(led, frames={**led.frames, "issues": issues})
    view = build_map_view(led, frames.__getitem__)
    html = view.map.get_root().render()
    assert html.count("L.markerClusterGroup(") == 1
    assert len(html.encode()) < 5_000_000


def test_a_chosen_district_zooms_the_map_and_keeps_all_districts_in_the_ranking(city):
    view = build_map_view(city.ledgers("南港区"), city.load)
    assert view.focus == "南港区" and view.scope == "南港区"
    assert len(view.ranking) == 7
    # marked in the list of every district, and outlined on the map of every district
    assert view.ranking["区县"].iloc[-1] == f"{CHOSEN_MARK}南港区"
    marked = [n for n in view.ranking["区县"] if n.startswith(CHOSEN_MARK)]
    assert marked == [f"{CHOSEN_MARK}南港区"]
    assert view.ranking_note == f"{CHOSEN_MARK}南港区：第 7 名（共 7 个区县）"
    assert _outline_weights(view.map.get_root().render()) == {"南港区": CHOSEN_OUTLINE}
    city_wide = build_map_view(city.ledgers(), city.load)
    assert city_wide.ranking_note == ""
    assert _outline_weights(city_wide.map.get_root().render()) == {}
    issues = city.frames[1]
    mine = issues[issues["district"] == "南港区"]
    counts = {c.label: c.value_text for c in view.counts}
    assert counts["问题总数"] == format_value("issue_count", len(mine))
    south = next(d for d in city.districts.districts if d.name == "南港区")
    lons, lats = zip(*south.geometry["coordinates"][0], strict=True)
    fit = _last_fit(view.map.get_root().render())
    assert fit == [[min(lats), min(lons)], [max(lats), max(lons)]]


def test_tianditu_without_token_falls_back_to_no_tiles(city):
    view = build_map_view(city.ledgers(), city.load, tiles="tianditu", tile_token=" ")
    assert view.tiles == "none" and "天地图密钥" in view.notice
    online = build_map_view(city.ledgers(), city.load, tiles="osm")
    assert online.tiles == "osm"
    assert "tile.openstreetmap.org" in online.map.get_root().render()


def test_without_boundaries_the_map_shows_points_and_says_so(city):
    led = city.ledgers()
    bare = DistrictTable(tuple(District(d.name, d.population) for d in led.districts.districts))
    view = build_map_view(replace(led, districts=bare), city.load)
    assert not view.has_boundaries and "区县边界" in view.notice
    assert len(view.ranking) == 7


def _feature(geometry: str, **props: object) -> dict[str, object]:
    return {
        "type": "Feature",
        "geometry": {"type": geometry, "coordinates": []},
        "properties": props,
    }


NAMES = ("东湖区", "南港区", "高新技术产业开发区")


@pytest.mark.parametrize(
    ("drawing", "expected"),
    [
        (_feature("Polygon", t="南港区：75.2%"), "南港区"),
        (_feature("MultiPolygon", t="高新技术产业开发区：91.4%"), "高新技术产业开发区"),
        (_feature("Polygon", t="东湖区"), "东湖区"),  # the outline layer's label
        (_feature("Polygon", name="南港区", t="whatever"), "南港区"),
        (_feature("Polygon", t="&lt;b&gt;南港区：1"), None),
        (_feature("Point", t="南港区：渔港菜市场 · 逾期"), None),  # an issue marker
        (_feature("Polygon", t="西湖区：80%"), None),
        (None, None),
        ({}, None),
    ],
)
def test_clicked_district_reads_the_clicked_feature(drawing, expected):
    assert clicked_district(drawing, NAMES) == expected


def test_clicked_district_unescapes_html_in_names():
    names = ("<b>东湖区</b>",)
    assert (
        clicked_district(_feature("Polygon", t="&lt;b&gt;东湖区&lt;/b&gt;：1"), names) == names[0]
    )


@pytest.mark.parametrize(
    ("current", "clicked", "expected"),
    [(None, "南港区", "南港区"), ("东湖区", "南港区", "南港区"), ("南港区", "南港区", None)],
)
def test_clicking_the_chosen_district_again_returns_to_the_whole_city(current, clicked, expected):
    assert toggle_district(current, clicked) == expected


def test_metric_needing_an_unloaded_ledger_is_refused(city):
    with pytest.raises(ValueError, match="台账"):
        build_map_view(city.ledgers(kinds=("issues",)), city.load, metric="volunteer_count")


def test_the_map_names_ledger_districts_the_district_table_lacks(city, view):
    assert view.district_warning == ""  # the sample city's names all match
    led = city.ledgers()
    renamed = DistrictTable(
        tuple(
            replace(d, name="南港新区") if d.name == "南港区" else d
            for d in led.districts.districts
        )
    )
    some = build_map_view(replace(led, districts=renamed), city.load)
    rows = {
        kind: int((city.load(sid)["district"] == "南港区").sum())
        for sid, kind in ((1, "问题整改"), (2, "创建单位"), (3, "志愿者"))
    }
    assert some.district_warning.startswith(
        "台账中有 1 个区县名称不在当前区县表中，这些行在地图上不计入任何区县：南港区（"
    )
    for kind, n in rows.items():
        assert f"{kind} {n:,} 行" in some.district_warning
    other_city = DistrictTable(
        (District("西湖区", 1130000.0, geometry=led.districts.districts[0].geometry),)
    )
    none = build_map_view(replace(led, districts=other_city), city.load)
    assert none.district_warning.startswith(
        "台账中的区县名称与当前区县表全都对不上，地图上每个区县都显示为 0："
    )
    assert none.district_warning.endswith(
        "请在『数据导入』页换用名称一致的区县表（或在『数据概况』页把原来的区县表设为当前），"
        "或按区县表中的名称重新导入这些台账。"
    )
