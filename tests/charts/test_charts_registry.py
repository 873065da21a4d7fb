"""The chart registry (`charts.CHARTS`, filled by `@dashboard_chart` beside each builder) and
the one chart-configuration function (`charts.configure`)."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd
import pytest
from chart_spec import AS_OF

from civdash import charts, numbers
from civdash.config import DEFAULT_SETTINGS
from civdash.ledgers import get_kind
from civdash.metrics import red_black_list

TOOLKIT_NAMES = [
    "issue_status_by_week",
    "issues_new_vs_closed",
    "open_issue_aging",
    "issue_breakdown",
    "red_black_chart",
    "volunteer_registrations",
    "star_level_distribution",
    "hours_histogram",
    "units_by_category_level",
    "score_distribution",
]


def _chained(chart: alt.TopLevelMixin, style: str) -> Any:
    """What each style was before `configure` set it in one step: Altair's chained calls."""
    if style == "projector":
        return (
            chart.configure(
                font=charts.FONT, background="white", numberFormat=numbers.CHART_NUMBER_FORMAT
            )
            .configure_axis(
                labelFontSize=24,
                titleFontSize=24,
                labelLimit=360,
                titlePadding=12,
                labelExpr=charts.wrap_label("datum.label", 15),
            )
            .configure_legend(
                labelFontSize=24, titleFontSize=24, symbolSize=300, titleLimit=480, labelLimit=360
            )
            .configure_title(fontSize=28, anchor="start")
            .configure_text(fontSize=24)
            .configure_view(strokeWidth=0)
        )
    k = 1.6 if style == "large" else 1.0
    return (
        chart.configure(font=charts.FONT, numberFormat=numbers.CHART_NUMBER_FORMAT)
        .configure_axis(
            labelFontSize=round(12 * k),
            titleFontSize=round(13 * k),
            labelLimit=round(220 * k),
            labelExpr=charts.wrap_label("datum.label", 18),
            grid=True,
            gridOpacity=0.4,
        )
        .configure_title(fontSize=round(16 * k), anchor="start", subtitleFontSize=round(12 * k))
        .configure_legend(
            labelFontSize=round(12 * k),
            titleFontSize=round(13 * k),
            symbolSize=round(120 * k * k),
            orient="top",
            labelLimit=round(220 * k),
        )
        .configure_text(fontSize=round(12 * k))
        .configure_view(strokeWidth=0)
    )


@pytest.mark.parametrize("style", ["screen", "large", "projector"])
def test_configure_gives_the_spec_of_altairs_chained_configuration(issues, style):
    layered = charts.issue_breakdown(issues)
    single = charts.open_issue_aging(issues, as_of=AS_OF)
    facet = single.facet(column="overdue:N")
    for chart in (layered, single, facet):
        assert charts.configure(chart, style=style).to_dict() == _chained(chart, style).to_dict()


def test_configure_leaves_the_chart_as_it_was_and_replaces_an_earlier_configuration(issues):
    chart = charts.issue_breakdown(issues)
    before = chart.to_dict()
    page = charts.configure(chart)
    assert chart.config is alt.Undefined
    assert chart.to_dict() == before
    slide = charts.configure(page, style="projector").to_dict()["config"]
    assert slide["background"] == "white"
    assert slide["axis"]["labelFontSize"] == 24
    assert "grid" not in slide["axis"]  # nothing of the page's configuration is left


def test_the_registry_holds_the_toolkits_charts_in_order():
    assert list(charts.CHARTS) == TOOLKIT_NAMES


@pytest.mark.parametrize("name", TOOLKIT_NAMES)
def test_every_chart_is_registered_beside_its_builder_with_a_ledger_and_title(name):
    spec = charts.CHARTS[name]
    assert spec.name == name
    assert spec.builder.__module__ == "civdash.charts"
    assert get_kind(spec.ledger).key == spec.ledger
    assert any("\u4e00" <= c <= "\u9fff" for c in spec.title)


def test_a_registered_chart_builds_what_its_builder_builds(issues):
    day = pd.Timestamp(AS_OF).date()
    via = charts.CHARTS["open_issue_aging"].build(issues, as_of=day, settings=DEFAULT_SETTINGS)
    assert via.to_dict() == charts.open_issue_aging(issues, as_of=day).to_dict()
    by_point = charts.CHARTS["issue_breakdown"].build(
        issues, as_of=day, settings=DEFAULT_SETTINGS, field="point_type", top=3
    )
    assert by_point.to_dict() == charts.issue_breakdown(issues, "point_type", top=3).to_dict()


def test_the_red_black_chart_is_drawn_from_the_issues_with_the_rule_options(issues):
    day = pd.Timestamp(AS_OF).date()
    via = charts.CHARTS["red_black_chart"].build(
        issues, as_of=day, settings=DEFAULT_SETTINGS, rule="threshold", only_listed=False
    )
    table = red_black_list(issues, day, rule="threshold", settings=DEFAULT_SETTINGS)
    assert via.to_dict() == charts.red_black_chart(table, only_listed=False).to_dict()


def test_a_chart_name_cannot_be_registered_twice():
    before = dict(charts.CHARTS)

    def again(issues: pd.DataFrame) -> alt.Chart:
        return alt.Chart(issues)

    with pytest.raises(ValueError, match="open_issue_aging"):
        charts.dashboard_chart("又一个", ledger="issues", name="open_issue_aging")(again)
    assert dict(charts.CHARTS) == before
