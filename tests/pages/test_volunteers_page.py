"""志愿者 page in AppTest on the sample city: catalogue numbers, team ranking, no personal data."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from civdash.metrics import compute, format_value
from civdash.store import Store
from tests.pages.conftest import logged_in, open_app_page

PAGE = "app_pages/volunteers.py"
PHONE = re.compile(r"1380000\d{4}")
ID_NUMBER = re.compile(r"3399\d{14}")


@pytest.fixture(scope="module")
def sample_volunteers(sample_home: Path) -> tuple[pd.DataFrame, dict[str, float]]:
    store = Store(f"sqlite:///{sample_home / 'civdash.sqlite'}")
    try:
        frame = store.load_current("volunteers")
        districts = store.districts()
        assert frame is not None and districts is not None
        return frame, districts.population()
    finally:
        store.close()


def open_page(at: AppTest, **state: str) -> AppTest:
    return open_app_page(at, PAGE, **state)


def cards(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def table_with(at: AppTest, column: str) -> pd.DataFrame:
    """The page's table that has `column` (AppTest does not expose a dataframe's key)."""
    return next(t.value for t in at.dataframe if column in t.value.columns)


def test_volunteers_page_shows_the_catalogue_numbers_for_the_city(app, sample_volunteers):
    at = open_page(app)
    vol, population = sample_volunteers
    assert at.title[0].value == "志愿者 · 全市"
    shown = cards(at)
    for key, label in [
        ("volunteer_count", "注册志愿者人数"),
        ("volunteer_rate", "注册志愿者占常住人口比例"),
        ("star_volunteers", "星级志愿者人数"),
        ("service_hours", "志愿服务总时长"),
        ("party_volunteers", "党员志愿者人数"),
    ]:
        value = compute(key, vol, as_of="2026-11-15", population=population)
        assert isinstance(value, float)
        # totals of 100,000 or more are shown in 万, whole from 100万 on (2,775,006.5 → 278万)
        expected = format_value(key, value, compact=True)
        assert value < 1e6 or expected == f"{value / 1e4:,.0f}万小时"
        assert shown[label] == expected
    share = vol["is_party_member"].mean() * 100
    assert shown["党员志愿者占比"] == f"{share:.1f}%"
    assert any("党员总数" in c.value for c in at.caption)
    # the target written as the card writes it (13.00%, the rate's own precision)
    assert any("目标线：注册志愿者占常住人口 13.00%" in c.value for c in at.caption)
    assert len(at.get("vega_lite_chart")) == 6


def test_no_phone_or_id_number_is_on_the_page(app):
    at = open_page(app)
    for frame in at.dataframe:
        cols = set(frame.value.columns)
        assert not {"phone", "id_number", "name", "联系电话", "身份证号", "姓名"} & cols
        text = frame.value.to_csv()
        assert not PHONE.search(text) and not ID_NUMBER.search(text)
    for chart in at.get("vega_lite_chart"):
        spec = str(chart.proto)
        assert not PHONE.search(spec) and not ID_NUMBER.search(spec)


def test_the_team_ranking_switches_between_volunteers_and_hours(app, sample_volunteers):
    at = open_page(app)
    vol, _ = sample_volunteers
    teams = table_with(at, "志愿服务队")
    assert teams["注册人数"].is_monotonic_decreasing
    assert teams["志愿服务队"].iloc[0] == vol["team"].value_counts().index[0]
    at.segmented_control(key="vol_team_sort").set_value("hours").run()
    teams = table_with(at, "志愿服务队")
    assert teams["服务总时长（小时）"].is_monotonic_decreasing
    top = vol.groupby("team")["hours"].sum().sort_values(ascending=False)
    assert teams["志愿服务队"].iloc[0] == top.index[0]
    assert teams["服务总时长（小时）"].iloc[0] == pytest.approx(top.iloc[0], abs=0.05)
    assert any("服务总时长最多的 20 支" in c.value for c in at.caption)


def test_the_district_filter_narrows_the_cards_to_that_district(app, sample_volunteers):
    at = open_page(app, f_district="南港区")
    vol, population = sample_volunteers
    south = vol[vol["district"] == "南港区"]
    assert at.title[0].value == "志愿者 · 南港区"
    shown = cards(at)
    assert shown["注册志愿者人数"] == f"{len(south):,}人"
    rate = len(south) / population["南港区"] * 100
    assert shown["注册志愿者占常住人口比例"] == f"{rate:.2f}%"
    assert any("目标 11.00%" in c.value for c in at.caption)  # 南港区's own target
    teams = table_with(at, "志愿服务队")
    assert set(teams["主要所在区县"]) == {"南港区"}


def test_an_empty_store_says_what_is_missing_and_links_to_upload(empty_home):
    at = logged_in(
        AppTest.from_file(str(Path(__file__).resolve().parents[2] / "app.py"), default_timeout=60)
    )
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert "志愿者" in at.info[0].value
    assert len(at.metric) == 0
