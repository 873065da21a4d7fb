"""Charts from aggregated rows only: marks, fixed colours, stacking order, fallbacks and caps."""

from __future__ import annotations

import pandas as pd
import pytest

from civdash import explore as ex
from civdash import palette
from civdash.explore import ExploreSpec, Group, explore
from tests.explore.helpers import AS_OF, chart_rows


def _mark(result: ex.ExploreResult) -> str:
    assert result.chart is not None
    spec = result.chart.to_dict()
    mark = spec["layer"][0]["mark"] if "layer" in spec else spec["mark"]
    return mark["type"] if isinstance(mark, dict) else mark


@pytest.mark.parametrize(
    ("chart", "by", "mark"),
    [
        ("bar", ("district",), "bar"),
        ("line", ("found_on.month",), "line"),
        ("stacked", ("found_on.week", "status"), "bar"),
        ("heatmap", ("street", "status"), "rect"),
    ],
)
def test_charts_carry_only_aggregated_rows(
    sample: dict[str, pd.DataFrame], chart: str, by: tuple[str, ...], mark: str
) -> None:
    spec = ExploreSpec.from_query({"ledger": "issues", "by": ",".join(by), "chart": chart})
    result = explore(sample["issues"], spec, as_of=AS_OF)
    rows = chart_rows(result)
    assert _mark(result) == mark
    assert 0 < len(rows) <= 2 * len(result.table), "rows of the aggregated table, nothing more"
    assert len(rows) <= 2 * ex.CHART_MAX_CATEGORIES * ex.CHART_MAX_CATEGORIES
    assert {"g1", "value"} <= set(rows[0])


def test_stacked_issue_statuses_keep_their_colours(sample: dict[str, pd.DataFrame]) -> None:
    spec = ExploreSpec.from_query({"ledger": "issues", "by": "district,status", "chart": "stacked"})
    result = explore(sample["issues"], spec, as_of=AS_OF)
    assert result.chart is not None
    scale = result.chart.to_dict()["encoding"]["color"]["scale"]
    assert scale["range"] == [palette.STATUS_COLORS[s] for s in scale["domain"]]


def test_stacks_start_from_the_first_status_and_grouped_bars_stay_readable(
    sample: dict[str, pd.DataFrame],
) -> None:
    stacked = ExploreSpec.from_query({"by": "found_on.week,status", "chart": "stacked"})
    result = explore(sample["issues"], stacked, as_of=AS_OF)
    assert result.chart is not None
    assert result.chart.to_dict()["encoding"]["order"] == {
        "field": "o2",
        "sort": "ascending",
        "type": "quantitative",
    }
    first = {str(row["g2"]): int(str(row["o2"])) for row in chart_rows(result)}
    assert first["待整改"] < first["已销号"]
    grouped = ExploreSpec.from_query({"by": "responsible_unit,source", "chart": "bar"})
    rows = chart_rows(explore(sample["issues"], grouped, as_of=AS_OF))
    assert len({r["g1"] for r in rows}) * len({r["g2"] for r in rows}) <= 120


def test_charts_that_would_mislead_fall_back_with_a_note(sample: dict[str, pd.DataFrame]) -> None:
    heat = explore(sample["issues"], ExploreSpec(chart="heatmap"), as_of=AS_OF)
    assert _mark(heat) == "bar"
    assert "热力图需要两个分组字段，已改为柱状图。" in heat.notes
    rate = ExploreSpec.from_query(
        {"by": "district,source", "measure": "metric.issue_close_rate", "chart": "stacked"}
    )
    stacked = explore(sample["issues"], rate, as_of=AS_OF)
    assert "比率和平均值不能相加，堆叠柱状图已改为分组柱状图。" in stacked.notes
    assert stacked.chart is not None and "yOffset" in stacked.chart.to_dict()["encoding"]


def test_many_groups_are_capped_in_the_chart_and_the_table_not_in_the_data() -> None:
    n = 1500
    units = pd.DataFrame(
        {
            "unit_name": [f"单位{i:04d}" for i in range(n)],
            "department": [f"部门{i:04d}" for i in range(n)],
        }
    )
    result = explore(units, ExploreSpec("units", group_by=(Group("department"),)), as_of=AS_OF)
    assert len(result.table) == n
    assert len(result.display_table) == ex.TABLE_MAX_ROWS and result.table_truncated
    assert len(chart_rows(result)) <= 2 * ex.CHART_MAX_CATEGORIES
    assert any("图表只显示" in note for note in result.notes)
    assert any("表格只显示前 1,000 组" in note for note in result.notes)
