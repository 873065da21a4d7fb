"""The sidebar's filters appear only on the pages they act on, and the chosen district is marked
wherever every district is listed (issue 12, item 7)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from civdash.names import CHOSEN_MARK
from civdash.pages import PAGES
from civdash.ui.state import AS_OF_KEY, DISTRICT_KEY
from tests.pages.conftest import open_app_page

FILTER_LABELS = {"区县", "截至日期"}


def _sidebar_filters(at: AppTest) -> set[str]:
    labels = {s.label for s in at.sidebar.selectbox}
    return labels & FILTER_LABELS


def test_filters_are_shown_only_on_the_pages_they_act_on_and_outlive_the_others(app: AppTest):
    assert {k for k, p in PAGES.items() if not p.filters} == {"upload", "data_status", "users"}
    at = open_app_page(app, PAGES["overview"].path)
    assert _sidebar_filters(at) == FILTER_LABELS
    at.selectbox(key=DISTRICT_KEY).select("南港区").run()  # chosen as a user does
    assert at.query_params["district"] == "南港区"
    for key in ("upload", "data_status"):
        at.switch_page(PAGES[key].path).run()
        assert not at.exception, [e.value for e in at.exception]
        assert _sidebar_filters(at) == set(), key
        assert not [b for b in at.sidebar.button if b.label == "重置筛选"], key
        assert "district" not in at.query_params, key  # a link to it carries no filter
    # the choice made before is still in force on the next page that uses it
    at.switch_page(PAGES["issues"].path).run()
    assert _sidebar_filters(at) == FILTER_LABELS
    assert at.selectbox(key=DISTRICT_KEY).value == "南港区"
    assert at.selectbox(key=AS_OF_KEY).value == "最新"
    assert at.title[0].value == "问题整改 · 南港区"


@pytest.mark.parametrize("key", [k for k, p in PAGES.items() if p.filters and k != "overview"])
def test_every_dashboard_page_shows_the_filters(app: AppTest, key: str):
    at = open_app_page(app, PAGES[key].path)
    assert _sidebar_filters(at) == FILTER_LABELS


def test_the_map_ranking_marks_the_chosen_district_with_short_names(app: AppTest):
    at = open_app_page(app, PAGES["map"].path, **{DISTRICT_KEY: "南港区"})
    ranking = at.dataframe[0].value
    assert len(ranking) == 7
    marked = [name for name in ranking["区县"] if name.startswith(CHOSEN_MARK)]
    assert marked == [f"{CHOSEN_MARK}南港区"]
    assert "高新区" in set(ranking["区县"])  # 高新技术产业开发区, by its alias in a narrow column
    assert any(c.value == f"{CHOSEN_MARK}南港区：第 7 名（共 7 个区县）" for c in at.caption)


def test_the_map_ranking_of_the_whole_city_marks_nothing(app: AppTest):
    at = open_app_page(app, PAGES["map"].path)
    ranking = at.dataframe[0].value
    assert not any(name.startswith(CHOSEN_MARK) for name in ranking["区县"])
    assert not any("第" in c.value and "名（共" in c.value for c in at.caption)
