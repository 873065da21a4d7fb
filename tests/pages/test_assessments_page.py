"""测评结果 page (AppTest): on a store of two monthly rounds it shows the latest round's 得分率,
失分 and 失分项数 and the district ranking as `civdash.metrics.assessments` computes them from
the rounds in the store, for every role; the sidebar's district narrows it; a store without
测评 results says so and who may upload them; on the sample city it renders every tab."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from civdash.assessments import load_rounds
from civdash.metrics import compute, format_value
from civdash.metrics.assessments import assessment_ranking, loss_pareto, round_summary
from civdash.names import CHOSEN_MARK
from civdash.store import Store
from civdash.ui.state import DISTRICT_KEY
from civdash.views.assessments import RATE, empty_message
from tests.conftest import add_test_accounts
from tests.pages.conftest import APP, logged_in
from tests.views.assessment_rounds import ROUNDS, rounds_store

PAGE = "app_pages/assessments.py"
TAB = "assessments_tab"


def _clear() -> None:
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture(scope="module")
def rounds_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with the district table, the tests' accounts and two monthly rounds."""
    home = tmp_path_factory.mktemp("rounds_home")
    store = rounds_store(home)
    add_test_accounts(store)
    store.close()
    return home


@pytest.fixture(scope="module")
def rounds(rounds_home: Path) -> pd.DataFrame:
    """Every round in the store, merged as the app merges them."""
    with Store(f"sqlite:///{rounds_home / 'civdash.sqlite'}") as store:
        frame = load_rounds(store)
    assert frame is not None and frame["round"].nunique() == 2
    return frame


@pytest.fixture
def home(rounds_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("CIVDASH_HOME", str(rounds_home))
    monkeypatch.delenv("CIVDASH_DATABASE_URL", raising=False)
    monkeypatch.setenv("CIVDASH_NO_SAMPLE", "1")
    _clear()
    yield rounds_home
    _clear()


def _open(role: str = "admin", tab: str | None = None, **state: object) -> AppTest:
    at = logged_in(AppTest.from_file(APP, default_timeout=90), role)
    for key, value in state.items():
        at.session_state[key] = value
    if tab:
        at.session_state[TAB] = tab
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _html(at: AppTest) -> str:
    return "".join(str(h.proto.body) for h in at.get("html"))


def _rate(frame: pd.DataFrame) -> str:
    return format_value(RATE, float(compute(RATE, frame, as_of=date(2026, 11, 30))))  # type: ignore[arg-type]


def test_headline_and_ranking_are_the_metrics_of_the_rounds_in_the_store(
    home: Path, rounds: pd.DataFrame
) -> None:
    at = _open()
    assert at.title[0].value == "测评结果 · 全市"
    assert (
        at.caption[0].value.startswith(f"{ROUNDS[1][0]}（") and "共 2 轮测评" in at.caption[0].value
    )
    assert f">{_rate(rounds)}<" in _html(at)
    latest = round_summary(rounds).iloc[-1]
    cards = {m.label: m.value for m in at.metric}
    assert cards == {
        "失分": format_value("points_lost", float(latest["points_lost"])),
        "失分项数": format_value("failed_items", float(latest["failed_items"])),
    }
    table = at.dataframe[0].value
    expected = assessment_ranking(rounds, by="district")
    assert table["区县"].tolist() == expected["district"].tolist()
    assert table["得分率（%）"].tolist() == expected["score_rate"].round(2).tolist()
    assert (
        table["榜单"].tolist()
        == expected["list"].map({"red": "红榜", "black": "黑榜", "": "—"}).tolist()
    )


@pytest.mark.parametrize("role", ["admin", "editor", "district", "viewer"])
def test_every_role_sees_the_page_and_a_clerk_sees_their_own_district(
    home: Path, rounds: pd.DataFrame, role: str
) -> None:
    at = _open(role)
    scope = "东湖区" if role == "district" else "全市"
    assert at.title[0].value == f"测评结果 · {scope}"
    mine = rounds if scope == "全市" else rounds[rounds["district"] == scope]
    assert f">{_rate(mine)}<" in _html(at)
    assert len(at.dataframe[0].value) == 3  # the ranking compares every district


def test_the_sidebars_district_narrows_the_page_and_is_marked_in_the_ranking(
    home: Path, rounds: pd.DataFrame
) -> None:
    at = _open(**{DISTRICT_KEY: "南港区"})
    assert at.title[0].value == "测评结果 · 南港区"
    mine = rounds[rounds["district"] == "南港区"]
    assert f">{_rate(mine)}<" in _html(at)
    assert f"{CHOSEN_MARK}南港区" in at.dataframe[0].value["区县"].tolist()
    assert any(f"{CHOSEN_MARK}南港区：第 3 名" in c.value for c in at.caption)


def test_the_loss_tab_is_the_pareto_and_the_repeat_tab_the_repeat_losses(
    home: Path, rounds: pd.DataFrame
) -> None:
    at = _open(tab="失分项")
    pareto = at.dataframe[0].value
    assert pareto["测评项目"].tolist() == loss_pareto(rounds)["item"].tolist()
    at = _open(tab="反复失分")
    repeats = at.dataframe[0].value
    assert repeats["测评点位"].tolist() == ["南港农贸市场"]
    assert "138****1234" in repeats["最近失分原因"].iloc[0]


def test_the_rule_widgets_change_the_lists(home: Path) -> None:
    at = _open(**{"as_top_n": 1, "as_bottom_n": 1})
    assert at.dataframe[0].value["榜单"].tolist() == ["红榜", "—", "黑榜"]


@pytest.fixture
def empty_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "empty"
    home.mkdir()
    with Store(f"sqlite:///{home / 'civdash.sqlite'}") as store:
        add_test_accounts(store)
    monkeypatch.setenv("CIVDASH_HOME", str(home))
    monkeypatch.delenv("CIVDASH_DATABASE_URL", raising=False)
    monkeypatch.setenv("CIVDASH_NO_SAMPLE", "1")
    _clear()
    yield home
    _clear()


@pytest.mark.parametrize(("role", "link"), [("editor", True), ("viewer", False)])
def test_without_assessments_the_page_says_who_may_upload_them(
    empty_store: Path, role: str, link: bool
) -> None:
    at = _open(role)
    assert [i.value for i in at.info] == [empty_message()]
    assert "管理员、市创城办" in at.info[0].value
    assert bool(at.main.get("page_link")) is link
    assert not at.dataframe and not at.metric


def test_the_page_renders_every_tab_on_the_sample_city(
    sample_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CIVDASH_HOME", str(sample_home))
    monkeypatch.delenv("CIVDASH_DATABASE_URL", raising=False)
    _clear()
    try:
        for tab in ("区县排名", "得分趋势", "失分项", "反复失分", "地图", "街道与责任单位"):
            at = _open(tab=tab)
            assert at.title[0].value == "测评结果 · 全市", tab
            assert not at.error, tab
        assert len(at.dataframe[0].value) > 1  # streets of the sample city
    finally:
        _clear()
