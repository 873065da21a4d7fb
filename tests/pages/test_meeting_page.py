"""周例会 page in AppTest on the sample city: slides in order, next/previous, the sidebar's
district, the projector flag, auto-advance, 未按时报送的区县 and what the ledgers are made of,
and a store with nothing in it."""

from __future__ import annotations

import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from civdash.config import Settings
from civdash.dashboard import Filters, load_ledgers
from civdash.meeting import Reporting, build_reporting
from civdash.store import Store
from tests.pages.conftest import APP, logged_in, open_app_page
from tests.store.helpers import ledger_result, ledger_rows

PAGE = "app_pages/meeting.py"


def open_page(at: AppTest, **state: str) -> AppTest:
    return open_app_page(at, PAGE, **state)


def slide_text(at: AppTest) -> str:
    return "".join(h.value for h in at.html if 'class="cd-slide"' in h.value)


def test_the_deck_opens_on_the_headline_numbers_and_turns_page_by_page(app: AppTest) -> None:
    at = open_page(app)
    assert at.title[0].value == "周例会 · 全市"
    assert "本周核心指标" in slide_text(at) and "1 / " in slide_text(at)
    assert at.query_params["slide"] == "1"
    at.button(key="deck_next").click().run()
    assert "未按时报送的区县" in slide_text(at)
    assert at.query_params["slide"] == "2"
    at.button(key="deck_pgdn").click().run()  # a presentation clicker's PageDown
    assert "目标风险" in slide_text(at)
    at.button(key="deck_prev").click().run()
    assert "未按时报送的区县" in slide_text(at)
    at.button(key="deck_home").click().run()
    assert "本周核心指标" in slide_text(at)
    at.button(key="deck_prev").click().run()  # not before the first slide
    assert "本周核心指标" in slide_text(at)


def test_the_deck_follows_the_sidebar_district(app: AppTest) -> None:
    at = open_page(app, f_district="南港区")
    assert at.title[0].value == "周例会 · 南港区"
    assert "南港区文明城市创建工作周例会" in slide_text(at)


def test_a_link_opens_a_slide_and_present_starts_the_projector_view(app: AppTest) -> None:
    app.query_params["slide"] = "5"
    app.query_params["present"] = "1"
    at = open_page(app)
    assert "红黑榜" in slide_text(at)
    assert not at.title  # the projector view has the slide only
    assert any("display: none !important" in h.value for h in at.html)
    (link,) = [h.value for h in at.html if '<a class="cd-mode' in h.value]
    assert "退出放映" in link and 'href="?slide=5"' in link  # a reload without present=1


def test_the_enter_link_keeps_the_slide_and_the_filters(app: AppTest) -> None:
    at = open_page(app, f_district="南港区")
    at.button(key="deck_next").click().run()
    (link,) = [h.value for h in at.html if '<a class="cd-mode' in h.value]
    assert "全屏放映" in link
    href = link.split('href="')[1].split('"')[0]
    assert href.startswith("?")
    assert set(href[1:].split("&amp;")) == {
        "district=%E5%8D%97%E6%B8%AF%E5%8C%BA",
        "slide=2",
        "present=1",
    }


def test_auto_advance_turns_the_slide_when_its_time_is_up(app: AppTest) -> None:
    app.query_params["auto"] = "10"
    at = open_page(app)
    assert "本周核心指标" in slide_text(at)
    at.session_state["deck_turned_at"] = time.monotonic() - 11
    at.run()
    assert "未按时报送的区县" in slide_text(at)
    at.run()  # not yet: ten seconds have not passed since
    assert "未按时报送的区县" in slide_text(at)


def test_an_empty_store_says_what_to_import(empty_home: object) -> None:
    at = logged_in(AppTest.from_file(APP, default_timeout=90))
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert "还没有导入" in at.info[0].value


def _reporting(store: Store) -> Reporting:
    """报送情况 as the deck judges it, computed here from the same store."""
    led = load_ledgers(
        store.snapshots(),
        store.load,
        Filters(),
        districts=store.districts(),
        settings=Settings.from_env(),
    )
    rep = build_reporting(led, store)
    assert rep is not None
    return rep


def test_the_second_slide_says_who_did_not_submit_on_time(app: AppTest, sample_url: str) -> None:
    rep = _reporting(Store(sample_url))
    at = open_page(app)
    assert rep.source_line in [c.value for c in at.caption]
    at.button(key="deck_next").click().run()
    assert "未按时报送的区县" in slide_text(at)
    assert rep.message in slide_text(at)


def test_a_district_part_committed_now_shows_on_the_deck(fresh_home: Path) -> None:
    store = Store(f"sqlite:///{(fresh_home / 'civdash.sqlite').as_posix()}")
    as_of = max(s.as_of for s in store.snapshots("volunteers"))
    rows = ledger_rows("volunteers", 3)
    rows["district"] = "东湖区"
    result = ledger_result("volunteers", rows, as_of=as_of, rows_invalid=0)
    store.commit(result, b"part", committed_by="东湖区填报员", district="东湖区", allow_shrink=True)
    at = open_page(logged_in(AppTest.from_file(APP, default_timeout=90)))
    rep = _reporting(store)
    assert rep.source_line in [c.value for c in at.caption]
    assert "东湖区（东湖区填报员）" in rep.source_line  # the part committed here
    at.button(key="deck_next").click().run()
    assert rep.message in slide_text(at)
