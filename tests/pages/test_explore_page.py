"""数据探索 page: widgets by key, the result table, downloads, and links that reproduce a view."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
import streamlit as st
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import app_test as app_test_module

from civdash.metrics import compute
from civdash.store import Store
from tests.pages.conftest import logged_in

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGE = "app_pages/explore.py"


@pytest.fixture(scope="module")
def warm(sample_home: Path) -> Iterator[Path]:
    """The sample store, with the app's caches cleared once for this module rather than per
    test: every test here only reads it, and a warm cache spares each one the cold start."""
    st.cache_resource.clear()
    st.cache_data.clear()
    yield sample_home
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def app(warm: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The app on the shared sample store (read-only), caches kept warm between tests."""
    monkeypatch.setenv("CIVDASH_HOME", str(warm))
    monkeypatch.delenv("CIVDASH_DATABASE_URL", raising=False)
    monkeypatch.delenv("CIVDASH_NO_SAMPLE", raising=False)
    return logged_in(AppTest.from_file(APP, default_timeout=120))


@pytest.fixture
def files(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Callable[[], object]]]:
    """What each download button would send, by file name.

    Downloads are deferred (built on click), so AppTest's media manager is swapped for one
    that keeps each button's callable; the test calls it as a click would.
    """
    made: dict[str, Callable[[], object]] = {}

    class Recording(MediaFileManager):
        def add_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kw):  # type: ignore[no-untyped-def]
            made[str(file_name)] = data_callable
            return super().add_deferred(data_callable, mimetype, coordinates, file_name, **kw)

    monkeypatch.setattr(app_test_module, "MediaFileManager", Recording)
    yield made


def _open(at: AppTest, **params: str) -> AppTest:
    """The explore page opened from a link with `params`.

    The first run goes through app.py (navigation and sidebar; before it, AppTest would run the
    page file on its own); the sidebar keeps the link's other parameters for the page.
    """
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _table(at: AppTest) -> dict[str, list[Any]]:
    frame = at.dataframe[0].value
    return {str(c): frame[c].tolist() for c in frame.columns}


def _volunteers(home: Path) -> pd.DataFrame:
    """The sample's current volunteer rows, straight from the store."""
    store = Store(f"sqlite:///{home / 'civdash.sqlite'}")
    snap = store.current("volunteers")
    assert snap is not None
    return store.load(snap.id)


def test_page_opens_on_issues_by_district(app: AppTest) -> None:
    at = _open(app)
    assert at.title[0].value == "数据探索"
    assert at.selectbox(key="explore_ledger").value == "issues"
    table = _table(at)
    assert list(table) == ["所属区县", "问题数"]
    assert sum(table["问题数"]) > 1000
    assert at.selectbox(key="explore_measure").options[0] == "问题数"  # not 行数
    assert at.query_params["ledger"] == "issues"
    assert at.query_params["by"] == "district"


def test_choosing_ledger_group_and_measure_shows_compute_numbers(
    app: AppTest, sample_home: Path
) -> None:
    at = _open(app)
    at.selectbox(key="explore_ledger").select("volunteers").run()
    at.selectbox(key="explore_by1").select("street").run()
    at.selectbox(key="explore_measure").select("metric.star_volunteers").run()
    assert not at.exception
    table = _table(at)
    assert list(table) == ["街道/乡镇", "星级志愿者人数（人）"]
    want = compute("star_volunteers", _volunteers(sample_home), as_of="2026-11-15", by="street")
    assert isinstance(want, pd.DataFrame)
    assert dict(zip(table["街道/乡镇"], table["星级志愿者人数（人）"], strict=True)) == dict(
        zip(want["street"], want["value"], strict=True)
    )
    assert at.query_params["measure"] == "metric.star_volunteers"
    assert at.query_params["by"] == "street"


def test_downloads_exist_and_carry_the_result(
    app: AppTest, files: dict[str, Callable[[], object]]
) -> None:
    at = _open(app)
    keys = {b.key for b in at.download_button}
    assert keys == {
        "explore_dl_result_xlsx",
        "explore_dl_result_csv",
        "explore_dl_rows_xlsx",
        "explore_dl_rows_csv",
    }
    xlsx = files["数据探索_问题整改_20261115_汇总.xlsx"]()
    assert isinstance(xlsx, bytes) and xlsx
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    assert book.sheetnames == ["说明", "汇总结果"]
    assert next(book["汇总结果"].values) == ("所属区县", "问题数")
    csv = files["数据探索_问题整改_20261115_汇总.csv"]()
    assert isinstance(csv, bytes) and csv.startswith("\ufeff所属区县,问题数".encode())
    rows = files["数据探索_问题整改_20261115_明细.csv"]()
    assert isinstance(rows, bytes) and rows.count(b"\r\n") > 1000


def test_volunteer_detail_download_is_masked(
    app: AppTest, files: dict[str, Callable[[], object]], sample_home: Path
) -> None:
    at = _open(app, ledger="volunteers", by="district")
    assert at.selectbox(key="explore_ledger").value == "volunteers"
    data = files["数据探索_志愿者_20261115_明细.csv"]()
    assert isinstance(data, bytes)
    text = data.decode("utf-8-sig")
    phones = _volunteers(sample_home)["phone"].dropna().astype(str).head(50)
    assert not any(p in text for p in phones)
    assert "****" in text


def test_a_link_reproduces_the_view(app: AppTest) -> None:
    at = _open(
        app,
        ledger="issues",
        by="found_on.month,status",
        measure="count",
        chart="stacked",
        **{"in.source": "暗访督查,12345热线", "range.found_on": "2026-09-01~"},
        district="南港区",
    )
    assert at.selectbox(key="explore_by1").value == "found_on.month"
    assert at.selectbox(key="explore_by2").value == "status"
    assert at.selectbox(key="explore_chart").value == "stacked"
    assert set(at.multiselect(key="explore_filter_fields").value) == {"found_on", "source"}
    assert at.multiselect(key="explore_f_source").value == ["暗访督查", "12345热线"]
    table = _table(at)
    assert list(table) == ["发现日期（按月）", "整改状态", "问题数"]
    assert min(table["发现日期（按月）"]) == "2026-09"
    assert at.query_params["in.source"] == "暗访督查,12345热线"
    assert at.query_params["range.found_on"] == "2026-09-01~"
    assert at.query_params["district"] == "南港区", "the sidebar's parameters stay"
    assert any("南港区" in c.value for c in at.caption)


def test_filter_widgets_narrow_the_rows_and_the_url(app: AppTest) -> None:
    at = _open(app)
    total = sum(_table(at)["问题数"])
    at.multiselect(key="explore_filter_fields").set_value(["status"]).run()
    at.multiselect(key="explore_f_status").set_value(["待整改"]).run()
    assert not at.exception
    assert sum(_table(at)["问题数"]) < total
    assert at.query_params["in.status"] == "待整改"
    at.multiselect(key="explore_filter_fields").set_value([]).run()
    assert "in.status" not in at.query_params
    assert sum(_table(at)["问题数"]) == total


def test_no_grouping_shows_one_number(app: AppTest) -> None:
    at = _open(app, ledger="issues", by="", measure="metric.issue_close_rate")
    assert not at.dataframe
    assert at.metric[0].label == "指标：问题整改率"
    assert at.metric[0].value.endswith("%")


def test_a_metric_that_cannot_be_grouped_says_why(app: AppTest) -> None:
    at = _open(app, ledger="volunteers", by="street", measure="metric.volunteer_rate")
    assert at.warning[0].value == (
        "『注册志愿者占常住人口比例』要用各区县的常住人口计算，只能按所属区县分组或不分组。"
    )


def test_empty_store_says_what_is_missing(empty_home: Path) -> None:
    at = logged_in(AppTest.from_file(APP, default_timeout=60))
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert "还没有导入" in at.info[0].value
    assert at.get("page_link"), "a link to the upload page"
    assert not at.dataframe
    # the next test must not find this empty store in the caches
    st.cache_resource.clear()
    st.cache_data.clear()
