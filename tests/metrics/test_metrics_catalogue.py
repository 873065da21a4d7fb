"""The catalogue: every metric of domain.md, its Chinese name, unit and direction."""

from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd
import pytest

from civdash.ledgers import REGISTRY
from civdash.metrics import METRICS, UnknownMetricError, compute, format_value, metric_key
from civdash.metrics import catalogue as catalogue_module

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
    ("assessment_score_rate", "测评得分率", "assessments", "%", "higher", True),
    ("points_lost", "失分", "assessments", "分", "lower", False),
    ("failed_items", "失分项数", "assessments", "项", "lower", False),
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


# ---------------------------------------------------------------- one entry is a whole metric
# A metric is one entry in civdash/metrics/catalogue.py: the tests below hold every entry, a new
# one included, to what the rest of the app relies on, with no other edit.

POPULATION = {"东湖区": 1000.0, "西湖区": 2000.0}


@pytest.mark.parametrize("key", list(METRICS))
def test_every_metric_reads_columns_its_ledger_kind_has(key):
    mdef = METRICS[key]
    kind = REGISTRY[mdef.ledger]
    named = [*mdef.columns, *(s for _, s in mdef.stand_ins)]
    assert set(named) <= set(kind.field_names)


@pytest.mark.parametrize("key", list(METRICS))
def test_every_metric_computes_city_wide_and_by_district_consistently(request, key):
    """The conftest ledgers (one fixture per ledger kind, named by its key) give each metric a
    value city-wide and per district; the districts add up to the city (counts), their parts do
    (rates), or the city lies among them (means)."""
    mdef = METRICS[key]
    frame = request.getfixturevalue(mdef.ledger)
    population = POPULATION if mdef.needs_population else None
    city = compute(key, frame, as_of="2026-11-15", population=population)
    table = compute(key, frame, as_of="2026-11-15", population=population, by="district")
    assert isinstance(city, float) and isinstance(table, pd.DataFrame)
    assert list(table["district"]) == ["东湖区", "西湖区"]
    if mdef.additive:
        assert table["value"].sum() == pytest.approx(city)
    elif mdef.is_rate:
        ratio = table["numerator"].sum() / table["denominator"].sum() * mdef.scale
        assert ratio == pytest.approx(city)
    else:
        assert table["value"].min() <= city <= table["value"].max()
    assert format_value(key, city).endswith(mdef.unit)
    assert metric_key(mdef.label) == key


def test_a_stand_in_column_takes_the_place_of_a_missing_one():
    stars = METRICS["star_volunteers"]
    assert stars.stand_ins == (("hours", "star_level"),)
    assert stars.missing_columns(["district", "star_level"]) == []
    assert stars.missing_columns(["district"]) == ["hours"]
    # a grouping column has no stand-in: everything missing is named
    assert stars.missing_columns(["star_level"], by=["district"]) == ["hours", "district"]


def _strings_outside_docstrings(source: str) -> set[str]:
    tree = ast.parse(source)
    docs = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs
    }


def test_no_metric_module_but_the_catalogue_names_a_metric():
    """compute, the lists and the trends treat every metric alike: what is special about one
    metric (a stand-in column, a population) is said in its catalogue entry."""
    folder = Path(catalogue_module.__file__).parent
    named = {
        path.name: sorted(
            _strings_outside_docstrings(path.read_text(encoding="utf-8")) & set(METRICS)
        )
        for path in sorted(folder.glob("*.py"))
        if path.name != "catalogue.py"
    }
    assert named and all(keys == [] for keys in named.values()), named


def test_the_guard_above_sees_a_metric_named_in_code_but_not_in_a_docstring():
    source = '"""compute("issue_close_rate", …)"""\nif key == "star_volunteers":\n    pass\n'
    assert _strings_outside_docstrings(source) & set(METRICS) == {"star_volunteers"}
