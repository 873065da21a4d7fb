"""周例会 page in AppTest on the sample city: slides in order, next/previous, the sidebar's
district, the projector flag, auto-advance, and a store with nothing in it."""

from __future__ import annotations

import time

from streamlit.testing.v1 import AppTest

from tests.pages.conftest import APP, open_app_page

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
    assert "目标风险" in slide_text(at)
    assert at.query_params["slide"] == "2"
    at.button(key="deck_pgdn").click().run()  # a presentation clicker's PageDown
    assert "本周问题变化" in slide_text(at)
    at.button(key="deck_prev").click().run()
    assert "目标风险" in slide_text(at)
    at.button(key="deck_home").click().run()
    assert "本周核心指标" in slide_text(at)
    at.button(key="deck_prev").click().run()  # not before the first slide
    assert "本周核心指标" in slide_text(at)


def test_the_deck_follows_the_sidebar_district(app: AppTest) -> None:
    at = open_page(app, f_district="南港区")
    assert at.title[0].value == "周例会 · 南港区"
    assert "南港区文明城市创建工作周例会" in slide_text(at)


def test_a_link_opens_a_slide_and_present_starts_the_projector_view(app: AppTest) -> None:
    app.query_params["slide"] = "4"
    app.query_params["present"] = "1"
    at = open_page(app)
    assert "红黑榜" in slide_text(at)
    assert not at.title  # the projector view has the slide only
    assert any("display: none !important" in h.value for h in at.html)
    (link,) = [h.value for h in at.html if '<a class="cd-mode' in h.value]
    assert "退出放映" in link and 'href="?slide=4"' in link  # a reload without present=1


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
    assert "目标风险" in slide_text(at)
    at.run()  # not yet: ten seconds have not passed since
    assert "目标风险" in slide_text(at)


def test_an_empty_store_says_what_to_import(empty_home: object) -> None:
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert "还没有导入" in at.info[0].value
