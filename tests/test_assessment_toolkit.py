"""The toolkit's 测评 charts and map: the 测评结果 page's, for the rounds in a store."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from civdash import toolkit
from civdash.metrics.assessments import assessment_ranking, loss_pareto, round_summary
from civdash.store import Store
from tests.views.assessment_rounds import MARKET, rounds_store, two_rounds


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    return rounds_store(tmp_path_factory.mktemp("rounds"))


def _rows(chart: object) -> pd.DataFrame:
    (rows,) = chart.to_dict()["datasets"].values()  # type: ignore[attr-defined]
    return pd.DataFrame(rows)


def test_each_named_chart_draws_the_pages_figures(store: Store) -> None:
    trend = _rows(toolkit.assessment_chart("trend", store))
    assert (
        trend["score_rate"].tolist() == round_summary(two_rounds())["score_rate"].round(2).tolist()
    )
    ranking = _rows(toolkit.assessment_chart("ranking", store, by="street"))
    expected = assessment_ranking(two_rounds(), by="street")
    assert sorted(ranking["group"]) == sorted(expected["street"])
    pareto = _rows(toolkit.assessment_chart("pareto", store, district="南港区", large=True))
    mine = loss_pareto(two_rounds().query("district == '南港区'"))
    assert pareto["group"].tolist() == mine["item"].tolist()
    large = toolkit.assessment_chart("pareto", store, large=True).to_dict()["config"]
    assert large["axis"]["labelFontSize"] > 12


def test_the_map_is_the_pages_with_the_points(store: Store) -> None:
    html = toolkit.assessment_map(store, district="南港区").get_root().render()
    assert MARKET in html and "测评点位" in html


def test_unknown_chart_and_a_store_without_assessments_say_so_in_chinese(
    store: Store, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match="没有名为『趋势』的图表，可选：trend、ranking、pareto。"):
        toolkit.assessment_chart("趋势", store)
    empty = Store(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    with pytest.raises(ValueError, match="还没有导入测评结果台账，无法显示全市的测评结果"):
        toolkit.assessment_chart("trend", empty)
