"""创建单位 page in AppTest on the sample city: numbers match the catalogue, filters narrow."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from civdash.metrics import compute, format_value
from civdash.store import Store
from tests.pages.conftest import logged_in, open_app_page

PAGE = "app_pages/units.py"


@pytest.fixture(scope="module")
def sample_units(sample_home: Path) -> dict[str, pd.DataFrame]:
    """The units rows of the sample store: the current snapshot and the 2026-10-18 one."""
    store = Store(f"sqlite:///{sample_home / 'civdash.sqlite'}")
    try:
        snaps = [s for s in store.snapshots() if s.kind == "units"]
        current = next(s for s in snaps if s.is_current)
        october = next(s for s in snaps if s.as_of.isoformat() == "2026-10-18")
        return {"current": store.load(current.id), "2026-10-18": store.load(october.id)}
    finally:
        store.close()


def open_page(at: AppTest, **state: str) -> AppTest:
    return open_app_page(at, PAGE, **state)


def cards(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def table_with(at: AppTest, column: str) -> pd.DataFrame:
    """The page's table that has `column` (AppTest does not expose a dataframe's key)."""
    return next(t.value for t in at.dataframe if column in t.value.columns)


def test_units_page_shows_the_catalogue_numbers_for_the_city(app, sample_units):
    at = open_page(app)
    units = sample_units["current"]
    assert at.title[0].value == "创建单位 · 全市"
    shown = cards(at)
    for key, label in [
        ("unit_count", "创建单位数"),
        ("named_units", "已命名单位数"),
        ("unit_pass_rate", "创建单位达标率"),
        ("unit_avg_score", "平均测评得分"),
    ]:
        assert shown[label] == format_value(key, compute(key, units, as_of="2026-11-15"))  # type: ignore[arg-type]
    assert any("目标 85.0%" in c.value for c in at.caption)  # the sample's pass-rate target
    assert len(at.get("vega_lite_chart")) == 4
    table = table_with(at, "单位编号")
    assert len(table) == len(units)
    assert any(f"共 {len(units):,} 个单位" in c.value for c in at.caption)


def test_category_and_status_widgets_narrow_the_units_table(app, sample_units):
    at = open_page(app)
    units = sample_units["current"]
    at.multiselect(key="units_category").set_value(["文明村镇"]).run()
    table = table_with(at, "单位编号")
    assert set(table["创建类别"]) == {"文明村镇"}
    assert len(table) == (units["category"] == "文明村镇").sum()
    at.multiselect(key="units_status").set_value(["已撤销"]).run()
    table = table_with(at, "单位编号")
    expected = units[(units["category"] == "文明村镇") & (units["status"] == "已撤销")]
    assert sorted(table["单位名称"]) == sorted(expected["unit_name"])
    assert any(f"共 {len(expected):,} 个单位" in c.value for c in at.caption)


def test_units_without_a_score_or_year_show_a_dash_not_none(app, sample_units):
    at = open_page(app)
    table = next(t for t in at.dataframe if "单位编号" in t.value.columns)
    units = sample_units["current"]
    assert table.value["测评得分"].isna().sum() == units["score"].isna().sum() > 0
    assert table.value["命名年份"].isna().sum() == units["named_year"].isna().sum() > 0
    # Streamlit draws a missing cell as "None" unless the table names a placeholder
    assert table.proto.placeholder == "—"


def test_the_district_filter_narrows_every_number_to_that_district(app, sample_units):
    at = open_page(app, f_district="南港区")
    south = sample_units["current"].query("district == '南港区'")
    assert at.title[0].value == "创建单位 · 南港区"
    assert cards(at)["创建单位数"] == f"{len(south)}个"
    below = table_with(at, "差距（分）")
    assert set(below["区县"]) == {"南港区"}
    assert set(table_with(at, "单位编号")["区县"]) == {"南港区"}


def test_an_earlier_as_of_date_shows_that_weeks_ledger(app, sample_units):
    at = open_page(app, f_as_of="2026-10-18")
    october = sample_units["2026-10-18"]
    assert cards(at)["创建单位数"] == f"{len(october)}个"
    assert "截至 2026年10月18日" in at.caption[0].value


def test_an_empty_store_says_what_is_missing_and_links_to_upload(empty_home):
    at = logged_in(
        AppTest.from_file(str(Path(__file__).resolve().parents[2] / "app.py"), default_timeout=60)
    )
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert "创建单位" in at.info[0].value
    assert len(at.metric) == 0
