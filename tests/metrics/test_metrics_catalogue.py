"""The catalogue: every metric of domain.md, its Chinese name, unit and direction."""

from __future__ import annotations

import math

import pytest

from civdash import metrics
from civdash.metrics import METRICS, UnknownMetricError, format_value, metric_key

# key, 中文, ledger, unit, better, is_rate — the table of domain.md
CATALOGUE = [
    ("volunteer_count", "注册志愿者人数", "volunteers", "人", "higher", False),
    ("volunteer_rate", "注册志愿者占常住人口比例", "volunteers", "%", "higher", True),
    ("star_volunteers", "星级志愿者人数", "volunteers", "人", "higher", False),
    ("service_hours", "志愿服务总时长", "volunteers", "小时", "higher", False),
    ("hours_per_volunteer", "人均服务时长", "volunteers", "小时", "higher", False),
    ("party_volunteers", "党员志愿者人数", "volunteers", "人", "higher", False),
    ("issue_count", "问题总数", "issues", "个", None, False),
    ("issue_close_rate", "问题整改率", "issues", "%", "higher", True),
    ("issue_verified_rate", "销号率", "issues", "%", "higher", True),
    ("issue_on_time_rate", "按期整改率", "issues", "%", "higher", True),
    ("overdue_issues", "逾期未整改问题数", "issues", "个", "lower", False),
    ("avg_days_to_close", "平均整改天数", "issues", "天", "lower", False),
    ("unit_count", "创建单位数", "units", "个", "higher", False),
    ("named_units", "已命名单位数", "units", "个", "higher", False),
    ("unit_pass_rate", "创建单位达标率", "units", "%", "higher", True),
    ("unit_avg_score", "平均测评得分", "units", "分", "higher", False),
]


def test_catalogue_has_exactly_the_metrics_of_domain_md_in_order():
    assert list(METRICS) == [row[0] for row in CATALOGUE]


@pytest.mark.parametrize(("key", "label", "ledger", "unit", "better", "is_rate"), CATALOGUE)
def test_metric_definition_matches_domain_md(key, label, ledger, unit, better, is_rate):
    mdef = METRICS[key]
    assert (mdef.key, mdef.label, mdef.ledger, mdef.unit, mdef.better, mdef.is_rate) == (
        key,
        label,
        ledger,
        unit,
        better,
        is_rate,
    )
    assert mdef.definition  # a Chinese sentence the app can show next to the number


@pytest.mark.parametrize(("key", "label"), [(row[0], row[1]) for row in CATALOGUE])
def test_chinese_name_and_key_both_resolve_to_the_key(key, label):
    assert metric_key(label) == key
    assert metric_key(key) == key


@pytest.mark.parametrize(
    ("name", "key"),
    [
        (" 问题 整改率 ", "issue_close_rate"),
        ("ISSUE_CLOSE_RATE", "issue_close_rate"),
        ("整改率", "issue_close_rate"),
        ("志愿者注册率", "volunteer_rate"),
        ("逾期问题数", "overdue_issues"),
        ("平均得分", "unit_avg_score"),
    ],
)
def test_spacing_case_and_common_aliases_resolve(name, key):
    assert metric_key(name) == key


def test_unknown_metric_names_the_value_and_lists_the_catalogue_in_chinese():
    with pytest.raises(UnknownMetricError) as err:
        metric_key("文明指数")
    message = str(err.value)
    assert message.startswith("未知指标『文明指数』，可用的指标有：注册志愿者人数、")
    assert isinstance(err.value, KeyError)


@pytest.mark.parametrize(
    ("key", "value", "text"),
    [
        ("issue_close_rate", 87.456, "87.5%"),
        ("volunteer_count", 12345.0, "12,345人"),
        ("service_hours", 1234.56, "1,234.6小时"),
        ("avg_days_to_close", 4.0, "4.0天"),
        ("volunteer_rate", 12.3456, "12.35%"),
        ("issue_close_rate", math.nan, "—"),
        ("unit_avg_score", None, "—"),
    ],
)
def test_format_value_shows_the_unit_and_a_dash_for_no_value(key, value, text):
    assert format_value(key, value) == text


def test_every_name_in_all_exists_and_the_core_functions_are_exported():
    public = {n for n in vars(metrics) if not n.startswith("_")}
    exported = set(metrics.__all__)
    assert exported <= public
    assert {"compute", "red_black_list", "project_target", "metric_series"} <= exported
