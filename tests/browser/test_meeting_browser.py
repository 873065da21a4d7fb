"""The 周例会 deck on a projector, in real Chromium: at 1920×1080 and 1280×720 every slide fits
without scrolling, text is at least 24 px, headline numbers at least 64 px, every text has a
contrast of at least 4.5:1, and the keys a presentation clicker sends turn the slides."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import docx
import openpyxl
import pptx
import pytest
from playwright.sync_api import Browser, Page, expect

from .conftest import WAIT_MS, AppTab, Traffic, log_in

pytestmark = pytest.mark.browser

VIEWPORTS = [(1920, 1080), (1280, 720)]

MEASURE = """() => {
  const parse = c => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05); };
  const background = el => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c.length >= 3 && (c.length < 4 || c[3] > 0)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const main = document.querySelector('[data-testid="stMain"]');
  const root = document.querySelector('[data-testid="stMainBlockContainer"]');
  const texts = [];
  for (const el of root.querySelectorAll('*')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const r = el.getBoundingClientRect();
    if (r.width <= 2 || r.height <= 2) continue;  // the clicker's keys: buttons kept off screen
    const s = getComputedStyle(el);
    if (s.visibility === 'hidden' || s.display === 'none') continue;
    const svg = el instanceof SVGElement;
    const fill = svg ? (el.getAttribute('fill') || s.fill) : s.color;
    const color = parse(fill.startsWith('#') ? fill.slice(1).match(/../g).map(h => parseInt(h, 16)).join(',') : fill);
    texts.push({text: el.textContent.trim().slice(0, 30), size: parseFloat(s.fontSize),
                contrast: ratio(color.slice(0, 3), svg ? [255, 255, 255] : background(el))});
  }
  return {
    fits: main.scrollHeight <= main.clientHeight + 1 && main.scrollWidth <= main.clientWidth + 1
          && document.documentElement.scrollHeight <= innerHeight + 1,
    heights: [main.scrollHeight, main.clientHeight, innerHeight],
    numbers: [...document.querySelectorAll('.cd-value')].map(e => parseFloat(getComputedStyle(e).fontSize)),
    texts,
    slide: document.querySelector('.cd-top span:last-child').textContent,
  };
}"""


@pytest.fixture(params=VIEWPORTS, ids=[f"{w}x{h}" for w, h in VIEWPORTS])
def projector(request: pytest.FixtureRequest, browser: Browser, app_url: str) -> Iterator[AppTab]:
    width, height = request.param
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    traffic = Traffic(own_host=urlsplit(app_url).netloc)
    context.on("request", lambda r: traffic.urls.append(r.url))
    page = context.new_page()
    page.on("pageerror", lambda e: traffic.page_errors.append(str(e)))
    log_in(page, f"{app_url}/meeting?present=1")
    yield AppTab(page, app_url, traffic, [], "")
    context.close()


def _at_slide(tab: AppTab, number: int, total: int | None = None) -> None:
    counter = tab.page.locator(".cd-top span").last
    of = str(total) if total else r"\d+"
    expect(counter).to_have_text(re.compile(rf"^{number} / {of}$"), timeout=WAIT_MS)
    tab.settle()


def _total(page: Page) -> int:
    text = page.locator(".cd-top span").last.inner_text()
    return int(text.split("/")[1])


def test_every_slide_fits_the_projector_in_large_type_with_contrast(projector: AppTab) -> None:
    tab = projector
    expect(tab.page.locator(".cd-slide").first).to_be_visible(timeout=WAIT_MS)
    tab.settle()
    total = _total(tab.page)
    assert total >= 7
    expect(tab.page.get_by_test_id("stSidebar")).to_be_hidden()
    for number in range(1, total + 1):
        _at_slide(tab, number, total)
        m = tab.page.evaluate(MEASURE)
        where = f"slide {m['slide']}"
        assert m["fits"], f"{where} scrolls: {m['heights']}"
        small = [t for t in m["texts"] if t["size"] < 24]
        assert not small, f"{where}: text under 24 px: {small[:5]}"
        faint = [t for t in m["texts"] if t["contrast"] < 4.5]
        assert not faint, f"{where}: contrast under 4.5: {faint[:5]}"
        assert all(size >= 64 for size in m["numbers"]), f"{where}: {m['numbers']}"
        if number == 1:
            assert len(m["numbers"]) >= 6
        assert tab.exceptions() == []
        if number < total:
            tab.page.keyboard.press("ArrowRight")
    assert tab.traffic.offsite() == []
    assert tab.traffic.page_errors == []


def test_arrow_keys_and_a_clickers_page_keys_move_between_slides(projector: AppTab) -> None:
    tab = projector
    expect(tab.page.locator(".cd-slide").first).to_be_visible(timeout=WAIT_MS)
    _at_slide(tab, 1)
    for key, number in [
        ("ArrowRight", 2),
        ("PageDown", 3),
        ("ArrowDown", 4),
        ("ArrowLeft", 3),
        ("PageUp", 2),
        ("ArrowUp", 1),
        ("ArrowLeft", 1),
    ]:
        tab.page.keyboard.press(key)
        if key == "ArrowLeft" and number == 1:
            # nothing on screen changes at the first slide, so the counter cannot tell when
            # the key's run is over: give it time to start before waiting for it to end (a
            # key pressed while it starts was lost under a loaded CI machine)
            tab.page.wait_for_timeout(1500)
        _at_slide(tab, number)
    tab.page.keyboard.press("PageDown")
    _at_slide(tab, 2)
    tab.page.keyboard.press("Home")
    _at_slide(tab, 1)
    tab.page.keyboard.press("PageDown")
    _at_slide(tab, 2)
    tab.page.keyboard.press("Escape")  # back to the app, on the same slide
    expect(tab.page.get_by_test_id("stSidebar")).to_be_visible(timeout=WAIT_MS)
    _at_slide(tab, 2)
    assert "present" not in tab.page.url
    tab.page.get_by_role("link", name="全屏放映").click()
    expect(tab.page.get_by_test_id("stSidebar")).to_be_hidden(timeout=WAIT_MS)
    _at_slide(tab, 2)


def test_the_briefing_pack_downloads_from_the_meeting_page(browser: Browser, app_url: str) -> None:
    """One click on 下载通报 makes the pack and downloads the notice; the other two files then
    download too, even after other sessions have run on the server in between: Streamlit
    deletes a file no session refers to after two runs, which cancelled 通报 downloads under
    issue 15's load run (civdash/ui/downloads.py)."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, accept_downloads=True)
    others = browser.new_context(viewport={"width": 1280, "height": 720})
    page, other = context.new_page(), others.new_page()
    files = {}

    def download(label: str) -> None:
        with page.expect_download(timeout=WAIT_MS) as caught:
            page.get_by_role("button", name=label).click()
        assert caught.value.failure() is None, label
        files[caught.value.suggested_filename] = Path(caught.value.path()).read_bytes()

    try:
        log_in(page, f"{app_url}/meeting")
        expect(page.locator(".cd-slide").first).to_be_visible(timeout=WAIT_MS)
        total = _total(page)
        download("下载通报（Word）")  # made on this click, then downloaded without another
        log_in(other, f"{app_url}/meeting", "viewer")
        for _ in range(2):  # two more page runs of another user's session
            other.reload()
            expect(other.locator(".cd-slide").first).to_be_visible(timeout=WAIT_MS)
        download("下载幻灯片（PPT）")
        download("下载数据表（Excel）")
    finally:
        context.close()
        others.close()
    assert len(files) == 3 and all(n.startswith("全市创城工作") for n in files)
    by_ext = {n.rsplit(".", 1)[1]: data for n, data in files.items()}
    notice = docx.Document(io.BytesIO(by_ext["docx"]))
    assert any("关于全市文明城市创建工作进展情况的通报" in p.text for p in notice.paragraphs)
    slides = pptx.Presentation(io.BytesIO(by_ext["pptx"]))
    assert len(slides.slides) == total + 1  # a title slide, then the deck
    book = openpyxl.load_workbook(io.BytesIO(by_ext["xlsx"]), read_only=True)
    assert {"红黑榜", "逾期问题明细"} <= set(book.sheetnames)


def test_the_notices_zip_downloads_at_one_click(browser: Browser, app_url: str) -> None:
    """问题整改 → 督办: one click on 下载督办通知 makes the .zip and downloads it."""
    context = browser.new_context(viewport={"width": 1280, "height": 720}, accept_downloads=True)
    page = context.new_page()
    try:
        log_in(page, f"{app_url}/issues")
        page.get_by_role("tab", name="督办").click()
        with page.expect_download(timeout=WAIT_MS) as caught:
            page.get_by_role("button", name="下载督办通知").click()
        assert caught.value.failure() is None
        data = Path(caught.value.path()).read_bytes()
    finally:
        context.close()
    assert caught.value.suggested_filename.endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
    assert any(n.endswith(".xlsx") for n in names) and any(n.endswith(".docx") for n in names)
