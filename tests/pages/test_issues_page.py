"""问题整改 page on the sample city: cards, tabs, the overdue list and the 红黑榜 rule."""

from __future__ import annotations

import time

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from civdash.dashboard import snapshot_at
from civdash.metrics import compute, format_value, red_black_list
from civdash.store import Store
from civdash.ui.state import DISTRICT_KEY
from tests.pages.conftest import APP, logged_in

PAGE = "app_pages/issues.py"
TAB = "issues_tab"
LATE_UNITS = ("港口街道办事处", "渔港街道办事处", "市住建局")


@pytest.fixture(scope="module")
def ledger(sample_home):
    """The sample store's issues in force, their as-of date and every weekly snapshot by date."""
    store = Store(f"sqlite:///{sample_home / 'civdash.sqlite'}")
    snaps = store.snapshots("issues")  # the city ledgers in force, assembled from parts
    dates = {s.as_of for s in snaps}
    frames = {d: store.load(snapshot_at(snaps, "issues", d).id) for d in dates}
    store.close()
    as_of = max(frames)
    return frames[as_of], as_of, frames


def _open(at: AppTest, tab: str | None = None, **state: object) -> AppTest:
    for key, value in state.items():
        at.session_state[key] = value
    if tab:
        at.session_state[TAB] = tab
    at.switch_page(PAGE).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _lists(at: AppTest) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The red and the black list tables of the 红黑榜 tab."""
    return at.dataframe[0].value, at.dataframe[1].value


def test_issues_page_shows_cards_from_the_catalogue_and_progress_charts(app, ledger):
    issues, as_of, _ = ledger
    at = _open(app)
    assert at.title[0].value == "问题整改 · 全市"
    cards = {m.label: m for m in at.metric}
    for key, label in (("issue_close_rate", "问题整改率"), ("overdue_issues", "逾期未整改问题数")):
        assert cards[label].value == format_value(key, compute(key, issues, as_of=as_of))  # type: ignore[arg-type]
    assert len(at.get("vega_lite_chart")) == 4  # by week, new vs closed, aging, overdue by point


def test_only_the_open_tab_is_drawn(app):
    at = _open(app, tab="问题分布")
    assert len(at.get("vega_lite_chart")) == 3  # category, point type, source
    assert not at.dataframe


def test_overdue_tab_lists_every_overdue_issue_longest_first(app, ledger):
    issues, as_of, _ = ledger
    at = _open(app, tab="逾期问题")
    table = at.dataframe[0].value
    assert len(table) == compute("overdue_issues", issues, as_of=as_of)
    assert table["逾期天数"].is_monotonic_decreasing
    assert {"责任单位", "问题描述", "整改时限"} <= set(table.columns)


def test_rank_rule_lists_the_late_units_black_with_their_streak(app, ledger):
    issues, as_of, history = ledger
    at = _open(app, tab="红黑榜")
    red, black = _lists(at)
    expected = red_black_list(issues, as_of, history=history)
    assert set(black["责任单位"]) == set(expected.loc[expected["list"] == "黑榜", "unit"])
    assert set(red["责任单位"]) == set(expected.loc[expected["list"] == "红榜", "unit"])
    streak = black.set_index("责任单位")["连续上黑榜周数"]
    for unit in LATE_UNITS:
        assert streak[unit] >= 3


def test_switching_to_thresholds_changes_the_lists_as_red_black_list_says(app, ledger):
    issues, as_of, _ = ledger
    at = _open(app, tab="红黑榜")
    at.radio(key="rb_rule").set_value("threshold").run()
    at.number_input(key="rb_red_at").set_value(95.0).run()
    at.number_input(key="rb_black_below").set_value(80.0).run()
    red, black = _lists(at)
    expected = red_black_list(issues, as_of, rule="threshold", red_at=95.0, black_below=80.0)
    assert set(red["责任单位"]) == set(expected.loc[expected["list"] == "红榜", "unit"])
    assert set(black["责任单位"]) == set(expected.loc[expected["list"] == "黑榜", "unit"])
    assert "整改率≥95%上红榜，低于80%上黑榜" in at.caption[-1].value or any(
        "整改率≥95%上红榜" in c.value for c in at.caption
    )


def test_list_sizes_follow_the_rank_rule_inputs(app):
    at = _open(app, tab="红黑榜")
    at.number_input(key="rb_top_n").set_value(3).run()
    at.number_input(key="rb_bottom_n").set_value(2).run()
    red, black = _lists(at)
    assert len(red) == 3 and len(black) == 2
    assert black["责任单位"].iloc[0] == "港口街道办事处"


def test_sidebar_district_narrows_the_page(app, ledger):
    issues, as_of, _ = ledger
    at = _open(app, **{DISTRICT_KEY: "南港区"})
    assert at.title[0].value == "问题整改 · 南港区"
    mine = issues[issues["district"] == "南港区"]
    cards = {m.label: m.value for m in at.metric}
    assert cards["问题整改率"] == format_value(
        "issue_close_rate",
        compute("issue_close_rate", mine, as_of=as_of),  # type: ignore[arg-type]
    )


def test_issues_page_reruns_stay_fast(app):
    at = _open(app, tab="红黑榜")
    at.run()
    start = time.perf_counter()
    at.run()
    assert time.perf_counter() - start < 1.0


def test_issues_page_without_issues_says_what_is_missing(empty_home):
    at = logged_in(AppTest.from_file(APP))
    at.switch_page(PAGE).run()
    assert not at.exception
    assert "问题整改" in at.info[0].value
