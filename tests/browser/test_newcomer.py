"""What a newcomer sees, read off every page in real Chromium (issue 12's "Done when").

Every page of the registry, with 全市 and with the district of the longest name, in every state a
user reaches by clicking: each tab (问题整改, 数据导入), each slide of 周例会, each ledger of
数据探索, every expander opened and every table scrolled through. On all of it the test fails on
- a Latin word outside a short allowlist (`visible_text.LATIN_ALLOWED`, each entry justified);
- a missing value printed raw: None, nan, NaN, NaT, <NA> (and JavaScript's null, undefined);
- in a table cell or a chart label, a number of five or more digits without thousands
  separators (dates, record codes and masked phone numbers are not numbers).
"Visible" is what `visible_text` reads: displayed DOM text, inputs, text drawn on the grids' and
charts' canvases, and the text inside the map's frame. All violations of a page are reported at
once, grouped by the state they were seen in; the full list also goes to a JSON file.

Run alone: `python -m pytest tests/browser/test_newcomer.py -n 0`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from playwright.sync_api import Browser, Frame, expect

from civdash import pages

from .conftest import WAIT_MS, AppPage, AppTab, Traffic, log_in, serve_app
from .visible_text import (
    CANVASES_DRAWN,
    COLLECT,
    PAGE_HOOK,
    QUIET,
    RERUN_DONE,
    RULES,
    SCROLL_GRIDS,
    Violation,
    violations,
)

PAGES = list(pages.PAGES.values())
PROBE = Path(__file__).with_name("probe_app.py")
CITY = "全市"
LONGEST_DISTRICT = "高新技术产业开发区"
SCOPES = (CITY, LONGEST_DISTRICT)
GRID_STEPS = 80
"""At most this many scrolled views of a page's tables per state: every row of the sample
city's tables, and a bound on the time a longer table would take."""
QUIET_FRAMES = 3
SHOWN_PER_GROUP = 12
"""Distinct texts the failure message shows per page state and rule (all go to the JSON file)."""


# ---- reading a state ----------------------------------------------------------------------------


def _settle(tab: AppTab) -> None:
    """Wait for the run the last click asked for (if any), then for the page to be drawn."""
    tab.page.wait_for_function(RERUN_DONE, timeout=WAIT_MS)
    tab.settle()


def _open_expanders(tab: AppTab) -> None:
    """Open every closed expander (its content is what a user sees after one click)."""
    closed = tab.page.locator('[data-testid="stExpander"] details:not([open]) > summary')
    for _ in range(closed.count()):
        closed.first.click()
    expect(closed).to_have_count(0)
    _settle(tab)


def _read_frame(frame: Frame) -> list[tuple[str, str]]:
    frame.wait_for_load_state("load", timeout=WAIT_MS)
    if frame.evaluate("() => !!document.querySelector('.leaflet-container')"):
        # the map is drawn when its district shapes are
        frame.wait_for_function(
            "() => document.querySelectorAll('.leaflet-overlay-pane path').length > 0",
            timeout=WAIT_MS,
        )
    frame.evaluate(QUIET, QUIET_FRAMES)
    return [(text, where) for text, where in frame.evaluate(COLLECT)]


def _read_document(tab: AppTab) -> list[tuple[str, str]]:
    """(text, where) of everything the page and its shown frames show now."""
    page = tab.page
    page.wait_for_function(CANVASES_DRAWN, timeout=WAIT_MS)
    page.evaluate(QUIET, QUIET_FRAMES)
    texts = [(text, where) for text, where in page.evaluate(COLLECT)]
    for frame in page.frames[1:]:
        if frame.frame_element().is_visible():
            texts += _read_frame(frame)
    return texts


def _read(tab: AppTab) -> list[tuple[str, str]]:
    """(text, where) of everything visible in this state: with every expander open, every table
    scrolled through, and the content of each popover while it is open."""
    page = tab.page
    _open_expanders(tab)
    page.wait_for_function(CANVASES_DRAWN, timeout=WAIT_MS)
    page.evaluate(SCROLL_GRIDS, GRID_STEPS)
    texts = _read_document(tab)
    popovers = page.get_by_test_id("stPopover").locator("button")
    for i in range(popovers.count()):
        popovers.nth(i).click()
        body = page.get_by_test_id("stPopoverBody")
        expect(body).to_be_visible()
        _settle(tab)
        texts += _read_document(tab)
        page.keyboard.press("Escape")
        expect(body).to_be_hidden()
    return texts


# ---- the states of a page -----------------------------------------------------------------------


def _tabs(tab: AppTab) -> Iterator[str]:
    """Each tab of the page's tab bar, clicked in turn; the page as it opens if it has none."""
    main = tab.page.get_by_test_id("stMain")
    labels = main.get_by_role("tab").all_inner_texts()
    if not labels:
        yield ""
    for label in labels:
        button = main.get_by_role("tab", name=label, exact=True)
        button.click()
        expect(button).to_have_attribute("aria-selected", "true")
        _settle(tab)
        yield label


def _slides(tab: AppTab) -> Iterator[str]:
    """Each slide of the deck, turned with 下一页 as a user would."""
    counter = tab.page.locator(".cd-top span").last
    expect(counter).to_have_text(re.compile(r"^1 / \d+$"), timeout=WAIT_MS)
    total = int(counter.inner_text().split("/")[1])
    assert total >= 7, f"周例会只有 {total} 页幻灯片"
    for number in range(1, total + 1):
        expect(counter).to_have_text(f"{number} / {total}", timeout=WAIT_MS)
        _settle(tab)
        yield f"第{number}页"
        if number < total:
            tab.page.get_by_role("button", name="下一页 ▶").click()


def _ledgers(tab: AppTab) -> Iterator[str]:
    """Each ledger of 数据探索's 台账 choice, with the view it starts with."""
    choice = tab.page.get_by_test_id("stMain").get_by_role("combobox", name="台账")
    choice.click()
    labels = tab.page.get_by_role("option").all_inner_texts()
    tab.page.keyboard.press("Escape")
    assert len(labels) >= 3, f"数据探索只能选择 {labels}"
    for label in labels:
        choice.click()
        tab.page.get_by_role("option", name=label, exact=True).click()
        expect(choice).to_have_value(label)
        _settle(tab)
        yield label


STATES: dict[str, Callable[[AppTab], Iterator[str]]] = {
    "meeting": _slides,
    "explore": _ledgers,
}
"""How to reach every state of a page; any other page: each tab of its tab bar, if it has one."""


# ---- the walk -----------------------------------------------------------------------------------


@contextmanager
def _session(browser: Browser, url: str, *, login: bool = True) -> Iterator[AppTab]:
    """A fresh Chinese-locale 1920×1080 tab whose frames record the text drawn on canvases."""
    context = browser.new_context(
        viewport={"width": 1920, "height": 1080}, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    context.add_init_script(PAGE_HOOK)
    traffic = Traffic(own_host=urlsplit(url).netloc)
    page = context.new_page()
    page.on("pageerror", lambda error: traffic.page_errors.append(str(error)))
    try:
        if login:
            log_in(page, url)
        yield AppTab(page, url, traffic, [], "")
    finally:
        context.close()


@pytest.fixture
def newcomer(browser: Browser, app_url: str) -> Iterator[AppTab]:
    with _session(browser, app_url) as tab:
        yield tab


def _go(tab: AppTab, target: AppPage, scope: str) -> None:
    """Open the page as a link does: the district in the URL, on a new session."""
    query = "" if scope == CITY else f"?district={quote(scope)}"
    tab.page.goto(f"{tab.origin}/{target.url_path}{query}")
    heading = tab.page.get_by_test_id("stMain").locator("h1").first
    expect(heading).to_have_text(re.compile(rf"^{re.escape(target.title)}"), timeout=WAIT_MS)
    _settle(tab)
    district = tab.page.get_by_test_id("stSidebar").get_by_role("combobox", name="区县")
    if district.count():  # the pages the filter acts on
        expect(district).to_have_value(scope)


def _report(target: AppPage, scope: str, found: dict[str, list[Violation]], out: Path) -> str:
    """The failure message: per state and rule, the distinct offending texts."""
    lines = [f"『{target.title}』（{scope}）上新用户会看到的问题："]
    for state, items in found.items():
        for rule in RULES:
            hits = [v for v in items if v.rule == rule]
            if not hits:
                continue
            tokens = sorted({v.token for v in hits})
            lines.append(f"  [{state or '页面'}] {rule}：{'、'.join(tokens[:30])}")
            texts = list(dict.fromkeys(f"{v.where}: {v.text[:100]}" for v in hits))
            lines += [f"      {t}" for t in texts[:SHOWN_PER_GROUP]]
            if len(texts) > SHOWN_PER_GROUP:
                lines.append(f"      ……另有 {len(texts) - SHOWN_PER_GROUP} 处，见 {out}")
    return "\n".join(lines)


@pytest.mark.browser
@pytest.mark.parametrize("scope", SCOPES, ids=["city", "longest-district"])
@pytest.mark.parametrize("target", PAGES, ids=[p.key for p in PAGES])
def test_every_visible_text_reads_as_chinese_with_clean_values_and_numbers(
    newcomer: AppTab, target: AppPage, scope: str, tmp_path: Path
) -> None:
    tab = newcomer
    _go(tab, target, scope)
    found: dict[str, list[Violation]] = {}
    seen: set[tuple[str, str]] = set()
    for state in STATES.get(target.key, _tabs)(tab):
        fresh = [t for t in _read(tab) if t not in seen]
        seen.update(fresh)
        hits = [v for text, where in fresh for v in violations(text, where)]
        hits += [Violation("异常", e.strip()[:60], e, "text") for e in tab.exceptions()]
        if hits:
            found[state] = hits
    assert any(text.startswith(target.title) for text, _ in seen), "没有读到页面标题"
    assert tab.traffic.page_errors == []
    out = tmp_path / f"{target.key}-{scope}.json"
    report = {state: [vars(v) for v in hits] for state, hits in found.items()}
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1))
    assert not found, _report(target, scope, found, out)


# ---- the reader and the rules, checked ----------------------------------------------------------


@pytest.mark.browser
def test_the_reader_sees_what_a_user_sees_and_nothing_hidden(
    browser: Browser, tmp_path: Path
) -> None:
    """On probe_app.py: a raw None drawn in a grid cell, a long number drawn on a chart, English
    in an opened expander, in a frame and in Streamlit's own placeholder are found; hidden text,
    an icon's ligature name, dates, codes, a masked phone number and the hotline are not."""
    with serve_app(tmp_path, PROBE) as url, _session(browser, url, login=False) as tab:
        tab.page.goto(url)
        expect(tab.page.locator("h1")).to_have_text("探针页", timeout=WAIT_MS)
        _settle(tab)
        found = {
            (v.rule, v.token, v.where)
            for text, where in _read(tab)
            for v in violations(text, where)
        }
    assert found == {
        ("拉丁词", "Upload", "text"),
        ("拉丁词", "your", "text"),
        ("拉丁词", "ledger", "text"),
        ("拉丁词", "Choose", "text"),
        ("拉丁词", "options", "text"),
        ("空值", "None", "table"),
        ("数字无千分位", "61842", "table"),
        ("数字无千分位", "104620", "chart"),
        ("拉丁词", "Expanded", "text"),
        ("拉丁词", "words", "text"),
        ("拉丁词", "Frame", "text"),
    }


@pytest.mark.parametrize(
    ("text", "where", "expected"),
    [
        ("命名年份 None", "table", [("空值", "None")]),
        ("nan", "table", [("空值", "nan")]),
        ("NaT", "text", [("空值", "NaT")]),
        ("<NA>", "table", [("空值", "<NA>")]),
        ("Upload", "text", [("拉丁词", "Upload")]),
        ("比例尺 5 mi", "chart", [("拉丁词", "mi")]),
        ("10 km", "chart", [("拉丁词", "km")]),
        (
            "Limit 100MB per file • XLSX",
            "text",
            [("拉丁词", "Limit"), ("拉丁词", "per"), ("拉丁词", "file")],
        ),
        ("下载通报（Word）、幻灯片（PPT）、数据表（Excel）", "text", []),
        ("支持 .xlsx / .xls / .ods / .csv、GeoJSON（DataV）", "text", []),
        ("坐标系 WGS-84 / GCJ-02 / BD-09", "text", []),
        ("QLDW0039 QLZY000123 6d307718725a", "table", []),
        ("按 Esc 退出", "text", []),
        ("61842", "table", [("数字无千分位", "61842")]),
        ("104620.5小时", "chart", [("数字无千分位", "104620.5")]),
        ("−12345个", "table", [("数字无千分位", "12345")]),
        ("61842", "text", []),
        ("61,842 104,620.5 1109 0.123456", "table", []),
        ("2026-11-15 2026/11/15 20261115 2026年11月15日", "table", []),
        ("138****8000 110101********1234", "table", []),
        ("12345热线 12345政务服务热线", "chart", []),
        ("QLWT2026110001", "table", []),
        ("20261315", "table", [("数字无千分位", "20261315")]),
    ],
)
def test_the_rules_flag_what_a_newcomer_stumbles_on(
    text: str, where: str, expected: list[tuple[str, str]]
) -> None:
    assert [(v.rule, v.token) for v in violations(text, where)] == expected
