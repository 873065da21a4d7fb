"""Chart builders, checked through their Vega-Lite specs (`chart.to_dict()`)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import altair as alt
import pandas as pd
import pytest
from chart_spec import AS_OF, chart_rows, encoding, main_rows, mark, title

from civdash import charts, numbers, palette
from civdash.config import Settings
from civdash.metrics import red_black_list

CJK = re.compile(r"[\u4e00-\u9fff]")


def _rows(chart: alt.TopLevelMixin, *fields: str) -> set[tuple]:
    return {tuple(r[f] for f in fields) for r in main_rows(chart)}


def test_status_by_week_counts_each_week_by_current_status_with_overdue_apart(issues):
    chart = charts.issue_status_by_week(issues, as_of=AS_OF, weeks=4)
    assert mark(chart) == "bar"
    assert _rows(chart, "week_label", "status", "count") == {
        ("10月26日", "待整改", 1),
        ("11月2日", "已整改", 1),
        ("11月2日", "逾期", 1),
        ("11月9日", "整改中", 1),
        ("11月9日", "已销号", 1),
        ("11月9日", "长期整改", 1),
    }
    enc = encoding(chart)
    assert enc["x"]["sort"] == ["10月19日", "10月26日", "11月2日", "11月9日"]
    assert enc["color"]["scale"]["domain"] == list(palette.STATUS_ORDER)


def test_every_status_chart_gives_overdue_the_bad_red_and_each_status_its_own_colour(issues):
    scale = encoding(charts.issue_status_by_week(issues, as_of=AS_OF))["color"]["scale"]
    colors = dict(zip(scale["domain"], scale["range"], strict=True))
    assert colors["逾期"] == palette.BAD
    assert len(set(colors.values())) == len(colors)
    aging = encoding(charts.open_issue_aging(issues, as_of=AS_OF))["color"]["scale"]
    assert dict(zip(aging["domain"], aging["range"], strict=True))["逾期"] == palette.BAD


def test_new_vs_closed_counts_found_and_rectified_per_week(issues):
    chart = charts.issues_new_vs_closed(issues, as_of=AS_OF, weeks=3)
    assert _rows(chart, "week_label", "series", "count") == {
        ("10月26日", "新发现", 1),
        ("11月2日", "新发现", 2),
        ("11月9日", "新发现", 3),
        ("10月26日", "已整改", 0),
        ("11月2日", "已整改", 1),
        ("11月9日", "已整改", 1),
    }
    assert encoding(chart)["xOffset"]["field"] == "series"


def test_aging_buckets_open_issues_by_days_since_found(issues):
    chart = charts.open_issue_aging(issues, as_of=AS_OF)
    # b 12 days and overdue; c 6 days; f 19 days; closed and long-term issues are left out
    assert _rows(chart, "bucket", "overdue", "count") == {
        ("7天以内", "未逾期", 1),
        ("8–15天", "逾期", 1),
        ("16–30天", "未逾期", 1),
    }
    assert encoding(chart)["x"]["sort"] == [b[2] for b in charts.AGING_BUCKETS]


@pytest.mark.parametrize(
    ("field", "top", "expected"),
    [
        ("category", 1, [("环境卫生", 3), ("其余2项", 3)]),
        ("category", 12, [("环境卫生", 3), ("交通秩序", 2), ("市容市貌", 1)]),
        ("point_type", 12, [("背街小巷", 3), ("集贸市场", 1), ("公园", 1), ("未填写", 1)]),
        ("source", 5, [("暗访督查", 6)]),
    ],
)
def test_breakdown_counts_largest_groups_and_folds_the_rest_into_other(
    issues, field, top, expected
):
    chart = charts.issue_breakdown(issues, field, top=top)
    assert [(r["name"], r["count"]) for r in main_rows(chart)] == expected
    assert mark(chart, 0) == "bar"
    assert mark(chart, 1) == "text"
    # the chart's title names the field; a rotated axis title beside the labels was cut off
    assert title(chart) == f"问题数量（按{charts.BREAKDOWN_FIELDS[field]}）"
    assert encoding(chart)["y"]["title"] is None


def test_breakdown_by_unknown_field_lists_the_choices_in_chinese(issues):
    with pytest.raises(
        ValueError, match="不能按『description』统计问题，可选：category（问题类别）"
    ):
        charts.issue_breakdown(issues, "description")


def test_red_black_chart_shows_listed_units_coloured_by_list(issues):
    table = red_black_list(issues, AS_OF, top_n=1, bottom_n=1)
    chart = charts.red_black_chart(table)
    # 交警支队 and 城管局 both at 50 %: 交警支队 has no overdue issue and ranks first
    assert [(r["unit"], r["close_rate"], r["label"]) for r in main_rows(chart)] == [
        ("交警支队", 50.0, "红榜"),
        ("住建局", 0.0, "黑榜"),
    ]
    scale = encoding(chart)["color"]["scale"]
    colors = dict(zip(scale["domain"], scale["range"], strict=True))
    assert colors["红榜"] == palette.GOOD
    assert colors["黑榜"] == palette.BAD


def test_red_black_chart_can_show_every_unit(issues):
    table = red_black_list(issues, AS_OF, top_n=1, bottom_n=1)
    assert len(main_rows(charts.red_black_chart(table, only_listed=False))) == 3


@pytest.fixture
def volunteers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": ["甲", "乙", "丙", "丁", "戊"],
            "registered_on": pd.to_datetime(
                ["2026-01-05", "2026-01-06", "2026-01-14", "2026-01-15", "2026-01-16"]
            ),
            "hours": [0.0, 99.0, 100.0, 350.0, 1600.0],
        }
    )


def test_registrations_are_cumulative_per_week_with_target_rule(volunteers):
    chart = charts.volunteer_registrations(volunteers, target=10, due="2026-12-31")
    rows = main_rows(chart)
    assert [r["total"] for r in rows] == [2, 5]
    assert mark(chart, 0) == "line"
    assert mark(chart, 1) == "rule"
    labels = [r.get("label") for r in chart_rows(chart) if "label" in r]
    assert labels == ["目标 10人（2026年12月31日前）"]


def test_registrations_without_target_are_a_single_line(volunteers):
    chart = charts.volunteer_registrations(volunteers)
    assert isinstance(chart, alt.Chart)
    assert mark(chart) == "line"


def test_star_distribution_counts_each_level_from_hours(volunteers):
    chart = charts.star_level_distribution(volunteers)
    assert [(r["level"], r["count"]) for r in main_rows(chart)] == [
        ("未评星", 2),
        ("一星", 1),
        ("二星", 1),
        ("三星", 0),
        ("四星", 0),
        ("五星", 1),
    ]


def test_star_distribution_follows_configured_thresholds(volunteers):
    settings = Settings(star_thresholds=(50, 200, 500, 800, 1000))
    chart = charts.star_level_distribution(volunteers, settings=settings)
    assert [r["count"] for r in main_rows(chart)] == [1, 2, 1, 0, 0, 1]


def test_hours_histogram_is_binned_in_pandas_and_counts_everyone():
    frame = pd.DataFrame({"hours": [0.0, 10.0, 20.0, 40.0]})
    chart = charts.hours_histogram(frame, bins=4, clip_quantile=1.0)
    rows = main_rows(chart)
    assert [(r["start"], r["end"], r["count"]) for r in rows] == [
        (0.0, 10.0, 1),
        (10.0, 20.0, 1),
        (20.0, 30.0, 1),
        (30.0, 40.0, 1),
    ]
    assert rows[-1]["range"] == "≥30小时"
    assert encoding(chart)["x"]["bin"] == "binned"


def test_hours_histogram_marks_star_thresholds_inside_the_range():
    frame = pd.DataFrame({"hours": [0.0, 150.0, 320.0, 400.0]})
    chart = charts.hours_histogram(frame, bins=4, clip_quantile=1.0)
    stars = [r["label"] for r in chart_rows(chart) if "label" in r]
    assert stars == ["一星", "二星"]


@pytest.fixture
def units() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit_name": ["甲", "乙", "丙", "丁"],
            "category": ["文明单位", "文明单位", "文明校园", None],
            "level": ["省级", "市级", "市级", "县级"],
            "score": [90.0, 78.0, 60.0, None],
            "target_score": [None, 75.0, None, 90.0],
        }
    )


def test_units_by_category_and_level_counts_every_pair(units):
    chart = charts.units_by_category_level(units)
    assert _rows(chart, "category", "level", "count") == {
        ("文明单位", "省级", 1),
        ("文明单位", "市级", 1),
        ("文明校园", "市级", 1),
        ("未填写", "县级", 1),
    }
    assert encoding(chart)["x"]["sort"] == ["文明单位", "文明校园", "未填写"]


def test_score_distribution_splits_pass_and_fail_with_pass_mark_rule(units):
    chart = charts.score_distribution(units)
    # 90 passes the pass mark 80, 78 passes its own target 75, 60 fails; one unit has no score
    assert _rows(chart, "start", "passed", "count") == {
        (90.0, "达标", 1),
        (75.0, "达标", 1),
        (60.0, "未达标", 1),
    }
    rule = [r for r in chart_rows(chart) if "mark" in r]
    assert rule == [{"mark": 80.0, "label": "达标线 80分"}]


def test_target_progress_shows_completion_percent_and_state():
    progress = pd.DataFrame(
        {
            "metric": ["问题整改率", "overdue_issues", "volunteer_count"],
            "district": ["", "", "东湖区"],
            "current": [80.0, 10.0, 12000.0],
            "target": [90.0, 5.0, 10000.0],
        }
    )
    rows = main_rows(charts.target_progress(progress))
    assert [(r["name"], r["actual"], r["state"]) for r in rows] == [
        ("全市·问题整改率", 88.9, "进度滞后"),
        ("全市·逾期未整改问题数", 50.0, "进度滞后"),
        ("东湖区·注册志愿者人数", 120.0, "进度正常"),
    ]
    assert rows[0]["detail"] == "80.0 / 90.0%"


def test_target_progress_uses_given_on_track_and_caps_long_bars():
    progress = pd.DataFrame(
        {"metric": ["issue_count"], "current": [400.0], "target": [100.0], "on_track": [False]}
    )
    row = main_rows(charts.target_progress(progress, cap=150))[0]
    assert (row["progress"], row["actual"], row["state"]) == (150.0, 400.0, "进度滞后")


def test_large_type_configuration_scales_fonts_for_the_projector(issues):
    chart = charts.issue_breakdown(issues)
    normal = charts.configure(chart).to_dict()["config"]
    large = charts.configure(chart, style="large").to_dict()["config"]
    assert large["axis"]["labelFontSize"] > normal["axis"]["labelFontSize"] >= 12
    assert large["title"]["fontSize"] > normal["title"]["fontSize"]
    assert "Microsoft YaHei" in normal["font"]


@pytest.mark.parametrize("style", ["screen", "large", "projector"])
def test_every_configured_chart_writes_numbers_with_thousands_separators(issues, style):
    """Axes, text marks and tooltips without a format of their own get `numbers`' format:
    104620.5 reads 104,620.5 on a chart as in a table (Vega-Lite's default writes 104620.5)."""
    import vl_convert as vlc

    frame = pd.DataFrame({"name": ["a", "b"], "value": [104620.5, 61842.0]})
    bars = alt.Chart(frame).mark_bar().encode(y="name:N", x="value:Q", tooltip=["value:Q"])
    labels = alt.Chart(frame).mark_text().encode(y="name:N", x="value:Q", text="value:Q")
    spec = charts.configure(bars + labels, style=style).to_dict()
    assert spec["config"]["numberFormat"] == numbers.CHART_NUMBER_FORMAT == ",.2~f"
    vega = json.dumps(vlc.vegalite_to_vega(spec), ensure_ascii=False)
    assert 'format(datum[\\"value\\"], \\",.2~f\\")' in vega
    assert '"format": ",.2~f"' in vega  # the quantitative axis


BUILDERS: dict[str, Callable[..., alt.TopLevelMixin]] = {
    "status_by_week": lambda i, v, u: charts.issue_status_by_week(i, as_of=AS_OF),
    "new_vs_closed": lambda i, v, u: charts.issues_new_vs_closed(i, as_of=AS_OF),
    "aging": lambda i, v, u: charts.open_issue_aging(i, as_of=AS_OF),
    "category": lambda i, v, u: charts.issue_breakdown(i, "category"),
    "unit": lambda i, v, u: charts.issue_breakdown(i, "responsible_unit"),
    "red_black": lambda i, v, u: charts.red_black_chart(
        red_black_list(i, AS_OF), only_listed=False
    ),
    "registrations": lambda i, v, u: charts.volunteer_registrations(v, target=60000),
    "stars": lambda i, v, u: charts.star_level_distribution(v),
    "hours": lambda i, v, u: charts.hours_histogram(v),
    "units": lambda i, v, u: charts.units_by_category_level(u),
    "scores": lambda i, v, u: charts.score_distribution(u),
}


@pytest.mark.parametrize("name", list(BUILDERS))
def test_fifty_thousand_rows_become_a_few_hundred_chart_rows(
    name, big_issues, big_volunteers, big_units
):
    chart = BUILDERS[name](big_issues, big_volunteers, big_units)
    assert len(chart_rows(chart)) <= 400


@pytest.mark.parametrize("name", list(BUILDERS))
def test_every_chart_has_a_chinese_title(name, issues, volunteers, units):
    frame_units = units.assign(district="东湖区")
    chart = BUILDERS[name](issues, volunteers, frame_units)
    assert CJK.search(title(chart))


@pytest.mark.parametrize("name", list(BUILDERS))
def test_every_chart_builds_from_an_empty_ledger(name, issues, volunteers, units):
    chart = BUILDERS[name](issues.iloc[0:0], volunteers.iloc[0:0], units.iloc[0:0])
    assert chart.to_dict()["$schema"].startswith("https://vega.github.io/schema/vega-lite/")


def test_every_name_in_all_exists():
    assert all(hasattr(charts, name) for name in charts.__all__)
