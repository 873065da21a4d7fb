"""The 测评结果 page and its 周例会 slide in real Chromium, on the sample city: the headline is
the latest round's 得分率 of the rounds in the store, the map draws the districts and the 点位
in its iframe, and the slide keeps to the projector rules at 1920×1080 and 1280×720 in present
mode. Screenshots (the page at both sizes, its map, the slide in present mode at both sizes)
go to a temporary directory and, when `$CIVDASH_SHOTS` is set (docs/screenshots/issue16), to
that directory."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, expect

from civdash.assessments import load_rounds
from civdash.metrics import compute, format_value
from civdash.pages import PAGES
from civdash.store import Store
from civdash.views.assessments import RATE

from .conftest import WAIT_MS, AppTab, Traffic, log_in
from .test_meeting_browser import MEASURE

pytestmark = pytest.mark.browser

PAGE = PAGES["assessments"]
FOLIUM_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
VIEWPORTS = [(1920, 1080), (1280, 720)]


def _served_rate(store_url: str) -> tuple[str, str, int]:
    """The latest round, its 得分率 as the cards write it, and the number of districts."""
    with Store(store_url) as store:
        rounds = load_rounds(store)
        districts = store.districts()
    assert rounds is not None and districts is not None
    latest = rounds["round"].iloc[-1]
    value = float(compute(RATE, rounds, as_of=date(2026, 11, 30)))  # type: ignore[arg-type]
    return str(latest), format_value(RATE, value), len(districts.names)


def test_the_page_shows_the_rate_and_the_map_draws_districts_and_points(tab: AppTab) -> None:
    latest, rate, districts = _served_rate(tab.store_url)
    since = len(tab.traffic.urls)
    tab.open(PAGE)
    hero = tab.page.locator(".cd-assessment-rate")
    expect(hero).to_have_text(rate, timeout=WAIT_MS)
    expect(tab.page.get_by_text(latest).first).to_be_visible()
    tab.screenshot("assessments")
    tab.screenshot("assessments-1280x720", width=1280, height=720)

    tab.page.get_by_role("tab", name="地图").click()
    tab.settle()
    iframe = tab.page.locator(FOLIUM_FRAME)
    expect(iframe).to_have_count(1, timeout=WAIT_MS)
    frame = iframe.element_handle().content_frame()
    assert frame is not None
    frame.wait_for_function(
        "n => document.querySelectorAll('.leaflet-overlay-pane path').length >= n",
        arg=districts,
        timeout=WAIT_MS,
    )
    the_map = tab.page.frame_locator(FOLIUM_FRAME)
    expect(the_map.locator(".civdash-pt").first).to_be_visible(timeout=WAIT_MS)
    expect(the_map.get_by_text("测评点位").first).to_be_visible()
    expect(the_map.get_by_text("反复失分").first).to_be_visible()
    tab.page.get_by_role("tablist").evaluate("e => e.scrollIntoView()")
    tab.screenshot("assessments-map")
    assert tab.exceptions() == []
    assert tab.traffic.offsite(since) == []
    assert tab.traffic.page_errors == []


@pytest.mark.parametrize("size", VIEWPORTS, ids=[f"{w}x{h}" for w, h in VIEWPORTS])
def test_the_slide_keeps_to_the_projector_rules_in_present_mode(
    browser: Browser, app_url: str, screenshot_dirs: list, size: tuple[int, int]
) -> None:
    width, height = size
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    traffic = Traffic(own_host=urlsplit(app_url).netloc)
    page = context.new_page()
    page.on("pageerror", lambda e: traffic.page_errors.append(str(e)))
    try:
        log_in(page, f"{app_url}/meeting?present=1")
        tab = AppTab(page, app_url, traffic, screenshot_dirs, "")
        counter = page.locator(".cd-top span").last
        expect(counter).to_have_text(re.compile(r"^1 / \d+$"), timeout=WAIT_MS)
        total = int(counter.inner_text().split("/")[1])
        for number in range(1, total + 1):
            tab.settle()
            if page.locator(".cd-title").first.inner_text().startswith("测评得分与失分"):
                break
            page.keyboard.press("ArrowRight")
            expect(counter).to_have_text(re.compile(rf"^{number + 1} / "), timeout=WAIT_MS)
        else:
            pytest.fail("周例会中没有测评幻灯片")
        m = page.evaluate(MEASURE)
        assert m["fits"], f"the 测评 slide scrolls: {m['heights']}"
        assert not [t for t in m["texts"] if t["size"] < 24]
        assert not [t for t in m["texts"] if t["contrast"] < 4.5]
        assert len(m["numbers"]) == 3 and all(size >= 64 for size in m["numbers"])
        expect(page.get_by_test_id("stSidebar")).to_be_hidden()
        tab.screenshot(f"assessments-slide-present-{width}x{height}", width=width, height=height)
        assert traffic.page_errors == []
    finally:
        context.close()
