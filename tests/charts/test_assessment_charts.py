"""The 测评 chart builders: they draw the tables of `civdash.metrics.assessments` as given,
with the 红黑榜's colours, an axis that starts near the lowest rate, and the Pareto's cumulative
share on its own axis."""

from __future__ import annotations

import pandas as pd

from civdash import charts, palette
from civdash.metrics.assessments import assessment_ranking, loss_pareto, round_summary
from tests.views.assessment_rounds import two_rounds


def _spec(chart: object) -> dict:
    return chart.to_dict()  # type: ignore[attr-defined]


def _rows(chart: object) -> pd.DataFrame:
    (rows,) = _spec(chart)["datasets"].values()
    return pd.DataFrame(rows)


def test_ranking_bars_are_coloured_by_list_and_start_at_zero() -> None:
    ranking = assessment_ranking(two_rounds(), top_n=1, bottom_n=1)
    chart = charts.assessment_ranking_chart(ranking)
    rows = _rows(chart)
    assert rows["label"].tolist() == ["红榜", "—", "黑榜"]
    bars = _spec(chart)["layer"][0]
    assert bars["mark"] == {"type": "bar"}
    scale = bars["encoding"]["color"]["scale"]
    assert dict(zip(scale["domain"], scale["range"], strict=True))["黑榜"] == palette.BAD
    # a bar's length is its rate: from 0, however close the rates are
    assert bars["encoding"]["x"]["scale"]["domain"] == [0, 100]
    assert _spec(chart)["layer"][0]["title"]["text"] == "测评得分率（按区县）"


def test_pareto_shows_the_top_items_and_the_cumulative_share_on_its_own_axis() -> None:
    pareto = loss_pareto(two_rounds())
    chart = charts.loss_pareto_chart(pareto, top=1)
    spec = _spec(chart)
    assert spec["resolve"] == {"scale": {"x": "independent"}}
    line = spec["layer"][1]
    assert line["encoding"]["x"]["field"] == "cumulative_share"
    assert line["encoding"]["x"]["axis"]["orient"] == "top"
    assert _rows(chart)["group"].tolist() == pareto["item"].head(1).tolist()
    assert (
        spec["layer"][0]["layer"][0]["title"]["subtitle"]
        == "2 个测评项目有失分，显示失分最多的 1 个"
    )


def test_trend_has_a_line_per_series_city_blue_district_black() -> None:
    city = round_summary(two_rounds()).assign(series="全市")
    mine = round_summary(two_rounds().query("district == '南港区'")).assign(series="南港区")
    chart = charts.assessment_trend(pd.concat([mine, city]))
    color = _spec(chart)["layer"][0]["encoding"]["color"]["scale"]
    assert color == {"domain": ["全市", "南港区"], "range": [palette.NEUTRAL, palette.BLACK]}
    assert len(_rows(chart)) == 4


def test_the_ranking_chart_puts_tied_groups_in_the_rankings_order() -> None:
    """Equal rates: the bars stand in the order of the table beside them (its tie rule)."""
    import pandas as pd

    from civdash.charts import assessment_ranking_chart

    ranking = pd.DataFrame(
        {
            "district": ["甲区", "乙区", "丙区"],  # by name 乙 (U+4E59) would come first
            "score_rate": [100.0, 100.0, 90.0],
            "points_lost": [0.0, 0.0, 1.0],
            "failed_items": [0, 0, 1],
            "list": ["red", "", "black"],
            "rank": pd.array([1, 2, 3], dtype="Int64"),
        }
    )
    spec = assessment_ranking_chart(ranking).to_dict()
    sorts = [
        layer["encoding"]["y"]["sort"]
        for layer in spec["layer"]
        if "y" in layer.get("encoding", {}) and isinstance(layer["encoding"]["y"].get("sort"), list)
    ]
    assert sorts and all(s == ["甲区", "乙区", "丙区"] for s in sorts)
