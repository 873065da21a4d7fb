"""District names on the maps (issue 12): short names on a white ground above the markers, the
full name kept for clicks, and the chosen district outlined among the others."""

from __future__ import annotations

import json
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from map_support import AS_OF, big_issues, render
from playwright.sync_api import sync_playwright

from civdash import maps
from civdash.districts import DistrictTable
from civdash.maps.choropleth import CHOSEN_OUTLINE

RING = [[114.3, 30.5], [114.6, 30.5], [114.6, 30.6], [114.3, 30.6], [114.3, 30.5]]
EAST = [[114.6, 30.5], [114.9, 30.5], [114.9, 30.6], [114.6, 30.6], [114.6, 30.5]]


@pytest.fixture(scope="module")
def table() -> DistrictTable:
    return DistrictTable.from_geojson(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"name": "高新技术产业开发区", "aliases": "高新区"},
                    "geometry": {"type": "Polygon", "coordinates": [RING]},
                },
                {
                    "type": "Feature",
                    "properties": {"name": "东湖区"},
                    "geometry": {"type": "Polygon", "coordinates": [EAST]},
                },
            ],
        }
    )


def _features(html: str) -> list[dict]:
    """The properties of every district feature the map's GeoJSON layers carry."""
    out = []
    for blob in re.findall(r"L\.geoJson\((\{.*?\}), \{", html, flags=re.DOTALL):
        out.extend(f["properties"] for f in json.loads(blob)["features"])
    return out


def test_district_labels_use_short_names_and_keep_the_full_name(table):
    html = render(maps.base_map(table))
    labels = [p for p in _features(html) if p.get("o", {}).get("permanent")]
    assert [(p["t"], p["name"]) for p in labels] == [
        ("高新区", "高新技术产业开发区"),
        ("东湖区", "东湖区"),
    ]
    css = re.search(r"\.civdash-label \{([^}]*)\}", html)
    assert css is not None and "background: rgba(255,255,255,.9)" in css.group(1)


def test_the_chosen_district_is_outlined_and_drawn_last(table):
    frame = big_issues(50, seed=3).assign(district="东湖区")
    html = render(
        maps.choropleth_map(table, frame, "issue_count", as_of=AS_OF, chosen="高新技术产业开发区")
    )
    shapes = [p for p in _features(html) if "s" in p and "p" in p]
    assert [p["t"].split("：")[0] for p in shapes] == ["东湖区", "高新技术产业开发区"]
    assert [p["s"]["weight"] for p in shapes] == [1.5, CHOSEN_OUTLINE]
    plain = render(maps.choropleth_map(table, frame, "issue_count", as_of=AS_OF))
    assert {p["s"]["weight"] for p in _features(plain) if "p" in p} == {1.5}


@pytest.mark.browser
def test_labels_are_drawn_above_the_cluster_bubbles_on_a_white_ground(table, tmp_path: Path):
    frame = big_issues(300, seed=5)
    frame["lat"], frame["lon"] = 30.55, 114.45  # every point under the label of 高新区
    path = tmp_path / "labels.html"
    path.write_text(render(maps.issue_map(frame, as_of=AS_OF, districts=table)), "utf-8")
    with ThreadPoolExecutor(1) as pool:  # see test_maps_browser: the sync API in its own thread
        found = pool.submit(_label_and_cluster, path).result()
    assert found["labels"] == ["高新区", "东湖区"]
    assert found["labelPane"] > found["markerPane"]
    assert found["background"] == "rgba(255, 255, 255, 0.9)"
    assert found["overlap"], "the label and the cluster share a spot: the label is the one seen"


def _label_and_cluster(path: Path) -> dict:
    with sync_playwright() as p:
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 900, "height": 600})
        page.goto(path.as_uri())
        page.wait_for_function("document.querySelectorAll('.civdash-cluster').length > 0")
        found = page.evaluate(
            """() => {
                const z = e => Number(getComputedStyle(e.closest('.leaflet-pane')).zIndex);
                const labels = [...document.querySelectorAll('.civdash-label')];
                const cluster = document.querySelector('.civdash-cluster');
                const a = labels[0].getBoundingClientRect(), b = cluster.getBoundingClientRect();
                return {
                    labels: labels.map(l => l.innerText),
                    labelPane: z(labels[0]),
                    markerPane: z(cluster),
                    background: getComputedStyle(labels[0]).backgroundColor,
                    overlap: a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom,
                };
            }"""
        )
        browser.close()
    return found
