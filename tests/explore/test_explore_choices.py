"""The page's choices: groupings, measures, a spec in Chinese, and the filter control of a field."""

from __future__ import annotations

from datetime import date

import pandas as pd

from civdash import explore as ex
from civdash.explore import RangeFilter, field_control
from tests.explore.helpers import ROUND_TRIPS


def test_describe_says_the_view_in_chinese() -> None:
    assert ex.describe(ROUND_TRIPS[3]) == [
        "台账：问题整改",
        "筛选：整改状态 为 待整改、整改中",
        "筛选：发现日期 从 2026-09-01 到 不限",
        "筛选：问题描述 包含“垃圾, 桶&=1+1 \\ 50%”",
        "分组：发现日期（按周）、整改状态",
        "度量：指标：逾期未整改问题数",
    ]


def test_choices_offer_periods_for_dates_and_the_ledgers_own_metrics() -> None:
    groups = ex.group_choices("issues")
    assert groups["found_on.week"] == "发现日期（按周）"
    assert groups["found_on.month"] == "发现日期（按月）"
    assert "found_on" not in groups and "lat" not in groups and "issue_id" not in groups
    measures = ex.measure_choices("units")
    assert next(iter(measures)) == "count"
    assert measures["mean.score"] == "测评得分平均值"
    assert "sum.lat" not in measures and "sum.named_year" not in measures
    assert measures["metric.unit_pass_rate"] == "指标：创建单位达标率"
    assert not any(m.startswith("metric.issue") for m in measures)


# ---------------------------------------------------------------- filter controls


def test_field_controls_follow_the_registry(sample: dict[str, pd.DataFrame]) -> None:
    issues = sample["issues"]
    status = field_control(issues, "issues", "status")
    assert status.widget == "multiselect"
    assert list(status.options) == [
        s
        for s in ("待整改", "整改中", "已整改", "已销号", "长期整改")
        if s in set(issues["status"])
    ]
    assert field_control(issues, "issues", "description").widget == "text"
    found = field_control(issues, "issues", "found_on")
    assert found.widget == "date_range"
    assert found.low == issues["found_on"].min().date()
    assert field_control(sample["volunteers"], "volunteers", "name").widget == "text"
    party = field_control(sample["volunteers"], "volunteers", "is_party_member")
    assert party.options == ("是", "否")
    hours = field_control(sample["volunteers"], "volunteers", "hours")
    assert hours.widget == "number_range" and hours.low == 0.0


def test_a_control_at_its_full_range_filters_nothing() -> None:
    ctl = ex.FieldControl("hours", "时长", "number_range", low=0.0, high=100.0)
    assert ctl.to_filter((0.0, 100.0)) is None
    assert ctl.to_filter((10.0, 100.0)) == RangeFilter("hours", 10.0, None)
    assert ctl.value_for(RangeFilter("hours", -5.0, 500.0)) == (0.0, 100.0)
    assert ctl.value_for(None) == (0.0, 100.0)


def test_clean_keeps_a_half_picked_date_range_and_drops_vanished_choices() -> None:
    dates = ex.FieldControl(
        "found_on", "发现日期", "date_range", low=date(2026, 1, 1), high=date(2026, 12, 31)
    )
    assert dates.clean((date(2026, 3, 1),)) == (date(2026, 3, 1),)
    assert dates.clean((date(2025, 1, 1), date(2026, 3, 1))) == (date(2026, 1, 1), date(2026, 3, 1))
    status = ex.FieldControl("status", "整改状态", "multiselect", options=("待整改", "已整改"))
    assert status.clean(["已整改", "已撤销"]) == ["已整改"]
    assert status.to_filter([]) is None
    assert ex.FieldControl("description", "问题描述", "text").to_filter("  ") is None
