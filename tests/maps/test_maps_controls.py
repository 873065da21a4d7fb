"""The map's own controls speak Chinese: a scale bar in 米 / 公里 only, 放大 / 缩小, and an
attribution without a link off the machine (in the rendered HTML, and as Chromium draws it)."""

from __future__ import annotations

import json
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from map_support import render
from playwright.sync_api import sync_playwright

from civdash import maps
from civdash.districts import DistrictTable
from civdash.maps.controls import ATTRIBUTION_PREFIX


def test_a_map_has_no_leaflet_scale_of_its_own_and_a_chinese_one(districts: DistrictTable):
    html = render(maps.base_map(districts))
    assert "L.control.scale()" not in html  # folium's control_scale: kilometres and miles
    assert html.count("L.control.scale(") == 1
    assert "imperial: false" in html and '" 公里"' in html
    assert 'setPrefix("" || false)' in html and ATTRIBUTION_PREFIX == ""
    assert "leafletjs.com" not in html


def test_tiles_keep_their_chinese_attribution_after_the_prefix(districts: DistrictTable):
    html = render(maps.base_map(districts, tiles="osm"))
    assert json.dumps("© OpenStreetMap 贡献者") in html  # folium writes it as JSON
    assert html.count("L.control.scale(") == 1


def _controls(page_file: Path) -> dict[str, object]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1000, "height": 700})
        page.goto(page_file.as_uri())
        page.wait_for_selector(".leaflet-control-scale-line")
        found = page.evaluate(
            """() => ({
                scales: [...document.querySelectorAll('.leaflet-control-scale-line')]
                    .map(e => e.textContent),
                attribution: document.querySelector('.leaflet-control-attribution').textContent,
                links: document.querySelectorAll('.leaflet-control-attribution a').length,
                zoom: [...document.querySelectorAll('.leaflet-control-zoom a')]
                    .map(e => e.title),
            })"""
        )
        browser.close()
    return found


@pytest.mark.browser
def test_chromium_draws_one_scale_bar_in_metres_or_kilometres_and_chinese_titles(
    districts: DistrictTable, tmp_path: Path
):
    page_file = tmp_path / "map.html"
    page_file.write_text(render(maps.base_map(districts)), encoding="utf-8")
    # Playwright's sync API refuses a thread with a running asyncio loop (the browser tests'
    # session-wide Playwright leaves one in the main thread): use a thread of our own
    with ThreadPoolExecutor(1) as pool:
        found = pool.submit(_controls, page_file).result()
    [scale] = found["scales"]  # type: ignore[misc]
    assert re.fullmatch(r"\d+ (米|公里)", scale), scale
    assert found["attribution"] == ATTRIBUTION_PREFIX
    assert found["links"] == 0
    assert found["zoom"] == ["放大", "缩小"]
