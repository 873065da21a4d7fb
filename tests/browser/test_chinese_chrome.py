"""Streamlit's own words on the served app are Chinese (civdash/ui/chrome.py), as Chromium draws
them: the uploader, a text box's hint, a table's toolbar tip, a box still loading, and the map's
scale bar, zoom buttons and attribution. Screenshots: `upload-chinese.png`, `map-scale.png`.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from civdash.maps.controls import ATTRIBUTION_PREFIX
from civdash.pages import PAGES
from civdash.ui.chrome import STREAMLIT_ZH

from .conftest import WAIT_MS, AppTab

pytestmark = pytest.mark.browser

FOLIUM_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
ENGLISH = re.compile(r"Upload|per file|Drag and drop|Press Enter")


def test_the_uploader_and_a_text_box_speak_chinese(tab: AppTab) -> None:
    tab.open(PAGES["upload"])
    page = tab.page
    zone = page.get_by_test_id("stFileUploaderDropzone").first
    expect(zone.locator("button")).to_have_text(re.compile("选择文件$"))
    expect(zone.get_by_test_id("stFileUploaderDropzoneInstructions")).to_have_text(
        "每个文件不超过 100 MB"
    )
    assert not ENGLISH.search(zone.inner_text())
    tab.screenshot("upload-chinese")

    # a file dragged over the box
    dragged = page.evaluate_handle(
        "() => { const d = new DataTransfer(); d.items.add(new File(['x'], '台账.xlsx')); "
        "return d; }"
    )
    zone.dispatch_event("dragenter", {"dataTransfer": dragged})
    expect(zone).to_contain_text("松开鼠标即可上传")
    zone.dispatch_event("dragleave", {"dataTransfer": dragged})

    assert not ENGLISH.search(page.get_by_test_id("stMain").inner_text())

    # a text box in a form (账号管理's 添加账号): its hint
    tab.open(PAGES["users"])
    name = page.get_by_test_id("stForm").get_by_test_id("stTextInput").first
    name.locator("input").fill("王科长")
    expect(name.get_by_test_id("InputInstructions")).to_have_text("按回车键提交")
    name.locator("input").fill("")
    assert not ENGLISH.search(page.get_by_test_id("stMain").inner_text())


def test_a_table_toolbar_tip_and_a_loading_box_speak_chinese(tab: AppTab) -> None:
    tab.open(PAGES["data_status"])
    page = tab.page
    table = page.get_by_test_id("stDataFrame").first
    table.hover()
    toolbar = page.get_by_test_id("stElementToolbar").first
    download = toolbar.get_by_role("button", name="下载为 CSV 文件")
    download.hover()
    expect(page.get_by_test_id("stTooltipContent")).to_have_text("下载为 CSV 文件", timeout=5000)
    labels = [b.get_attribute("aria-label") for b in toolbar.get_by_role("button").all()]
    assert labels and set(labels) <= set(STREAMLIT_ZH.values())

    # what a table, chart or map shows while its code loads in the browser
    after = page.evaluate(
        """() => {
            const box = document.createElement('div');
            box.setAttribute('data-testid', 'stSkeleton');
            document.body.appendChild(box);
            const content = getComputedStyle(box, '::after').content;
            box.remove();
            return content;
        }"""
    )
    assert after == '"正在加载……"'


def test_the_map_scale_is_in_kilometres_and_its_controls_speak_chinese(tab: AppTab) -> None:
    tab.open(PAGES["map"])
    the_map = tab.page.frame_locator(FOLIUM_FRAME)
    scale = the_map.locator(".leaflet-control-scale-line")
    expect(scale).to_have_count(1, timeout=WAIT_MS)
    expect(scale).to_have_text(re.compile(r"^\d+ (米|公里)$"))
    attribution = the_map.locator(".leaflet-control-attribution")
    expect(attribution).to_have_text(ATTRIBUTION_PREFIX)
    expect(attribution.locator("a")).to_have_count(0)
    zoom = the_map.locator(".leaflet-control-zoom a")
    assert [a.get_attribute("title") for a in zoom.all()] == ["放大", "缩小"]
    tab.screenshot("map-scale")
