"""A walk through every page of the real app in Chromium, on the sample city.

What AppTest cannot see: the pages as a browser draws them (no exception box, no uncaught
JavaScript error, charts drawn),
that the browser never fetches anything from another host (offices are often offline), and the
map inside its iframe: district shapes, issue points, and an issue whose description is markup
(`<img src=x onerror=alert(1)>`, pasted from a web form) shown as text, never run.
Screenshots of every page at 1920×1080 (总览 also at 1280×720) go to a temporary directory and,
when `$CIVDASH_SHOTS` is set, to that directory.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin

import pandas as pd
import pytest
from playwright.sync_api import Browser, expect

from civdash import pages
from civdash.store import Store

from .conftest import WAIT_MS, AppPage, AppTab, log_in, serve_app

pytestmark = pytest.mark.browser

PAGES = list(pages.PAGES.values())
MAP = pages.PAGES["map"]
HOSTILE_MARKUP = "<img src=x onerror=alert(1)>"
FOLIUM_FRAME = 'iframe[title="streamlit_folium.st_folium"]'


def _shot_name(target: AppPage) -> str:
    return f"{PAGES.index(target) + 1:02d}-{target.key}"


def test_sidebar_links_every_page_of_the_registry(tab: AppTab) -> None:
    links = tab.page.get_by_test_id("stSidebar").get_by_role("link")
    expect(links).to_have_count(len(PAGES), timeout=WAIT_MS)
    for link, target in zip(links.all(), PAGES, strict=True):
        expect(link).to_have_accessible_name(target.title)
        href = urljoin(f"{tab.origin}/", link.get_attribute("href") or "")
        assert href == f"{tab.origin}/{target.url_path}"


@pytest.mark.parametrize("target", PAGES, ids=[p.key for p in PAGES])
def test_page_renders_without_exception_and_fetches_only_from_the_app(
    tab: AppTab, target: AppPage
) -> None:
    since = len(tab.traffic.urls)
    tab.open(target)
    tab.screenshot(_shot_name(target))
    if target.default:
        tab.screenshot(f"{_shot_name(target)}-1280x720", width=1280, height=720)
    assert tab.exceptions() == []
    assert tab.traffic.offsite(since) == []
    assert tab.traffic.dialogs == []
    assert tab.traffic.page_errors == []


def _served_city(store_url: str) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """The issues in force and the district names of the store the app serves."""
    with Store(store_url) as store:
        issues = store.load_current("issues")
        districts = store.districts()
    assert issues is not None and districts is not None
    return issues, districts.names


# The clustered issue layer: the only MarkerClusterGroup on the map (units are not clustered).
_ISSUE_LAYER = """Object.values(window).find(v => v && typeof v.zoomToShowLayer === "function")"""
# Finds the issue marker nearest the given point, zooms the map until that marker is shown on
# its own (not inside a cluster), centres it and tags its icon for Playwright to click.
_REVEAL_MARKER = f"""([lat, lon]) => new Promise(done => {{
    const group = {_ISSUE_LAYER};
    let best = null, bestDistance = Infinity;
    for (const marker of group.getLayers()) {{
        const p = marker.getLatLng();
        const d = (p.lat - lat) ** 2 + (p.lng - lon) ** 2;
        if (d < bestDistance) {{ best = marker; bestDistance = d; }}
    }}
    group.zoomToShowLayer(best, () => {{
        group._map.panTo(best.getLatLng(), {{animate: false}});
        best._icon.setAttribute("data-civdash-test", "hostile");
        done(Math.sqrt(bestDistance));
    }});
}})"""


def test_map_shows_districts_and_issue_points_and_markup_as_text(tab: AppTab) -> None:
    issues, district_names = _served_city(tab.store_url)
    hostile_rows = issues[issues["description"].str.contains(HOSTILE_MARKUP, regex=False)]
    assert len(hostile_rows) == 1, "示例城市应有一条描述为恶意标记的问题"
    hostile = hostile_rows.iloc[0]
    located = int((issues["lat"].notna() & issues["lon"].notna()).sum())
    tab.open(MAP)
    since = len(tab.traffic.urls)
    iframe = tab.page.locator(FOLIUM_FRAME)
    expect(iframe).to_have_count(1)
    frame = iframe.element_handle().content_frame()
    assert frame is not None
    the_map = tab.page.frame_locator(FOLIUM_FRAME)

    # district shapes are SVG paths; issue points are clusters or single circle markers
    frame.wait_for_function(
        "n => document.querySelectorAll('.leaflet-overlay-pane path').length >= n",
        arg=len(district_names),
        timeout=WAIT_MS,
    )
    expect(the_map.locator(".civdash-cluster").first).to_be_visible(timeout=WAIT_MS)
    assert frame.evaluate(f"() => {_ISSUE_LAYER}.getLayers().length") == located

    # the markup is in the map's data only as escaped text
    assert "&lt;img src=x onerror=alert(1)&gt;" in frame.content()

    # the whole map in the viewport: focusing a partly hidden iframe scrolls the page mid-click
    iframe.evaluate("element => element.scrollIntoView({block: 'center'})")
    distance = frame.evaluate(_REVEAL_MARKER, [float(hostile["lat"]), float(hostile["lon"])])
    assert distance < 1e-4  # the marker found is the hostile issue's own point
    the_map.locator('[data-civdash-test="hostile"]').click()
    popup = the_map.locator(".leaflet-popup-content")
    expect(popup).to_contain_text(HOSTILE_MARKUP, timeout=WAIT_MS)
    expect(popup).to_contain_text(str(hostile["issue_id"]))
    tab.settle()
    tab.screenshot(f"{_shot_name(MAP)}-popup")

    assert popup.locator("img").count() == 0
    assert frame.evaluate("() => document.querySelectorAll('img[src=\"x\"]').length") == 0
    assert tab.traffic.dialogs == []
    assert tab.traffic.page_errors == []
    assert tab.traffic.offsite(since) == []
    assert not [u for u in tab.traffic.urls[since:] if u.rstrip("/").endswith("/x")]
    assert tab.exceptions() == []


def test_a_link_to_a_page_opened_first_on_a_fresh_server_shows_the_app_and_its_filter(
    browser: Browser, browser_home: Path
) -> None:
    """An analyst's link (page + district in the URL) must work right after a server restart,
    when no session has run app.py yet: with the whole navigation, sidebar and filter.

    (Why the page files are not in a `pages/` folder: until st.navigation has run once in a
    server process, Streamlit takes such a folder next to app.py for an old-style multipage app
    and serves /map as the page file alone, without app.py's navigation and sidebar.)"""
    with serve_app(browser_home) as url:
        context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
        try:
            page = context.new_page()
            log_in(page, f"{url}/{MAP.url_path}?district=南港区")
            heading = page.get_by_test_id("stMain").locator("h1").first
            expect(heading).to_have_text(re.compile(rf"^{MAP.title}"), timeout=WAIT_MS)
            links = page.get_by_test_id("stSidebar").get_by_role("link")
            expect(links).to_have_count(len(PAGES))
            for link, target in zip(links.all(), PAGES, strict=True):
                expect(link).to_have_accessible_name(target.title)
            district = page.get_by_test_id("stSidebar").get_by_role("combobox", name="区县")
            expect(district).to_have_value("南港区")
        finally:
            context.close()
