"""The issue map in real Chromium: loads with the network cut off, and popups show text as text."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from map_support import AS_OF, XSS, big_issues, render
from playwright.sync_api import sync_playwright

from civdash import maps
from civdash.districts import DistrictTable

pytestmark = pytest.mark.browser


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def page_file(tmp_path_factory, districts_module) -> Path:
    frame = big_issues(300, seed=5)
    frame.loc[0, ["description", "status", "lat", "lon"]] = [XSS, "待整改", 30.55, 114.35]
    html = render(maps.issue_map(frame, as_of=AS_OF, districts=districts_module))
    path = tmp_path_factory.mktemp("map") / "issues.html"
    path.write_text(html, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def districts_module() -> DistrictTable:
    ring = [[114.3, 30.5], [114.6, 30.5], [114.6, 30.6], [114.3, 30.6], [114.3, 30.5]]
    return DistrictTable.from_geojson(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"name": "东湖区"},
                    "geometry": {"type": "Polygon", "coordinates": [ring]},
                }
            ],
        }
    )


def test_map_loads_offline_and_popup_shows_markup_as_text(page_file):
    # Playwright's sync API refuses to start in a thread with a running asyncio loop, which the
    # browser tests' session-wide Playwright leaves in the main thread: use a thread of our own.
    with ThreadPoolExecutor(1) as pool:
        external, errors, dialogs, tooltip, popup, images = pool.submit(
            _open_popup, page_file
        ).result()
    assert external == []
    assert errors == []
    assert dialogs == []
    assert tooltip.endswith("· 逾期")
    assert XSS in popup
    assert "问题编号\tWT2026-000000" in popup
    assert images == 0


def _open_popup(page_file: Path) -> tuple[list[str], list[str], list[str], str, str, int]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1000, "height": 700})
        external: list[str] = []
        errors: list[str] = []
        dialogs: list[str] = []
        page.route(
            "**/*",
            lambda route: (
                route.continue_()
                if route.request.url.startswith(("file:", "data:"))
                else (external.append(route.request.url), route.abort())
            ),
        )
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(page_file.as_uri())
        page.wait_for_function("document.querySelectorAll('.civdash-cluster').length > 0")
        # open the first issue (the one whose description is markup) as a user would
        page.evaluate(
            """() => new Promise(done => {
                const group = Object.values(window).find(v => v && v.zoomToShowLayer);
                const marker = group.getLayers().find(m => m.civdashIndex === 0);
                group.zoomToShowLayer(marker, () => setTimeout(done, 300));
            })"""
        )
        box = page.evaluate(
            """() => {
                const group = Object.values(window).find(v => v && v.zoomToShowLayer);
                const marker = group.getLayers().find(m => m.civdashIndex === 0);
                const r = marker._icon.getBoundingClientRect();
                return {x: r.x + r.width / 2, y: r.y + r.height / 2};
            }"""
        )
        page.mouse.move(box["x"], box["y"])
        hover = ".leaflet-tooltip:not(.civdash-label)"  # district names are permanent labels
        page.wait_for_selector(hover)
        tooltip = page.inner_text(hover)
        page.mouse.click(box["x"], box["y"])
        page.wait_for_selector(".leaflet-popup-content")
        popup = page.inner_text(".leaflet-popup-content")
        images = page.locator(".leaflet-popup-content img").count()
        browser.close()
    return external, errors, dialogs, tooltip, popup, images
