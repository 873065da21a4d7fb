"""compute() over hand-made ledgers: every value below is worked out by hand in the docstrings."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from civdash.config import Settings
from civdash.metrics import MISSING_GROUP, compute, star_level

AS_OF = "2026-11-15"


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        # a..g and i count; h ("无") is an inspection without a problem
        ("issue_count", 8.0),
        # closed a, b, c, i over all but long-term f: 4 / 7
        ("issue_close_rate", 400 / 7),
        # verified b, i: 2 / 7
        ("issue_verified_rate", 200 / 7),
        # closed with a deadline: a (on time), b (late), i (no date: cannot show it was on time)
        ("issue_on_time_rate", 100 / 3),
        # only d: g is due today, f is long-term, e is not yet due, h is not an issue
        ("overdue_issues", 1.0),
        # a 3 days, b 7, c 2; i has no rectification date
        ("avg_days_to_close", 4.0),
    ],
)
def test_issue_metrics_city_wide(issues, key, expected):
    assert compute(key, issues, as_of=AS_OF) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("问题总数", {"东湖区": 4.0, "西湖区": 4.0}),
        # 东湖: a, b closed of a, b, e, g; 西湖: c, i closed of c, d, i (f long-term)
        ("问题整改率", {"东湖区": 50.0, "西湖区": 200 / 3}),
        ("逾期未整改问题数", {"东湖区": 0.0, "西湖区": 1.0}),
    ],
)
def test_issue_metrics_by_district(issues, key, expected):
    table = compute(key, issues, as_of=AS_OF, by="district")
    assert dict(zip(table["district"], table["value"], strict=True)) == pytest.approx(expected)


def test_rate_by_group_carries_numerator_and_denominator(issues):
    table = compute("issue_close_rate", issues, as_of=AS_OF, by="district")
    assert list(table.columns) == ["district", "value", "numerator", "denominator"]
    row = table.set_index("district").loc["西湖区"]
    assert (row["numerator"], row["denominator"]) == (2.0, 3.0)


def test_grouping_by_two_fields_reports_blank_values_as_missing_group(issues):
    table = compute("issue_count", issues, as_of=AS_OF, by=["district", "street"])
    counts = {(d, s): v for d, s, v in table[["district", "street", "value"]].itertuples(False)}
    assert counts == {
        ("东湖区", "甲街道"): 2.0,
        ("东湖区", "乙街道"): 1.0,
        ("东湖区", MISSING_GROUP): 1.0,
        ("西湖区", "丙街道"): 4.0,
    }


@pytest.mark.parametrize(
    "key", ["issue_close_rate", "issue_verified_rate", "issue_on_time_rate", "avg_days_to_close"]
)
def test_rate_with_nothing_to_divide_by_is_nan_not_an_error(issues, key):
    long_term_only = issues[issues["status"] == "长期整改"]
    assert math.isnan(compute(key, long_term_only, as_of=AS_OF))


@pytest.mark.parametrize(
    ("key", "expected"), [("issue_count", 0.0), ("overdue_issues", 0.0), ("issue_close_rate", None)]
)
def test_empty_ledger_gives_zero_counts_and_nan_rates(issues, key, expected):
    value = compute(key, issues.iloc[0:0], as_of=AS_OF)
    assert math.isnan(value) if expected is None else value == expected


def test_group_whose_issues_are_all_long_term_gets_nan_rate(issues):
    without_e_g = issues[~issues["issue_id"].isin(["e", "g"])]  # 住建局 keeps only long-term f
    table = compute("issue_close_rate", without_e_g, as_of=AS_OF, by="responsible_unit")
    rates = table.set_index("responsible_unit")["value"]
    assert math.isnan(rates["住建局"])
    assert rates["城管局"] == 100.0


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("volunteer_count", 5.0),
        ("service_hours", 2349.5),
        ("hours_per_volunteer", 469.9),
        # blank party membership counts as not a member
        ("party_volunteers", 2.0),
        # 100, 650 and 1500 hours reach 一星 (100 h) or more; 99.5 does not
        ("star_volunteers", 3.0),
    ],
)
def test_volunteer_metrics(volunteers, key, expected):
    assert compute(key, volunteers, as_of=AS_OF) == pytest.approx(expected)


def test_star_volunteers_follow_the_configured_thresholds(volunteers):
    lenient = Settings(star_thresholds=(50, 200, 500, 800, 1000))
    assert compute("star_volunteers", volunteers, as_of=AS_OF, settings=lenient) == 4.0


def test_star_volunteers_read_the_star_level_column_when_hours_are_absent(volunteers):
    rated = volunteers.drop(columns="hours").assign(
        star_level=pd.array([1, 2, 0, 0, None], dtype="Int64")
    )
    assert compute("star_volunteers", rated, as_of=AS_OF) == 2.0
    table = compute("star_volunteers", rated, as_of=AS_OF, by="district")
    assert dict(zip(table["district"], table["value"], strict=True)) == {
        "东湖区": 2.0,
        "西湖区": 0.0,
    }
    with pytest.raises(KeyError, match="需要志愿者台账中的列：hours"):
        compute("star_volunteers", rated.drop(columns="star_level"), as_of=AS_OF)


def test_volunteer_rate_city_wide_counts_every_district_population(volunteers):
    population = {"东湖区": 1000, "西湖区": 3000}
    assert compute("volunteer_rate", volunteers, as_of=AS_OF, population=population) == 0.125


def test_volunteer_rate_by_district_uses_each_population(volunteers):
    population = {"东湖区": 1000.0, "西湖区": 3000.0}
    table = compute("volunteer_rate", volunteers, as_of=AS_OF, population=population, by="district")
    assert dict(zip(table["district"], table["value"], strict=True)) == pytest.approx(
        {"东湖区": 0.2, "西湖区": 0.1}
    )


def test_volunteer_rate_of_district_without_population_is_nan(volunteers):
    table = compute(
        "volunteer_rate", volunteers, as_of=AS_OF, population={"东湖区": 1000.0}, by="district"
    )
    assert math.isnan(table.set_index("district").loc["西湖区", "value"])


def test_volunteer_rate_without_population_says_what_is_missing(volunteers):
    with pytest.raises(ValueError, match="需要常住人口数据"):
        compute("volunteer_rate", volunteers, as_of=AS_OF)


def test_volunteer_rate_by_district_needs_population_per_district(volunteers):
    with pytest.raises(ValueError, match="按区县提供常住人口"):
        compute("volunteer_rate", volunteers, as_of=AS_OF, population=4000.0, by="district")


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("unit_count", 4.0),
        ("named_units", 2.0),
        # u1 90 ≥ pass mark 80, u2 78 ≥ own target 75, u4 60 < 80; u3 has no score
        ("unit_pass_rate", 200 / 3),
        ("unit_avg_score", 76.0),
    ],
)
def test_unit_metrics(units, key, expected):
    assert compute(key, units, as_of=AS_OF) == pytest.approx(expected)


def test_unit_pass_rate_uses_configured_pass_mark_when_unit_has_no_target(units):
    strict = Settings(unit_pass_mark=95.0)
    # u1 90 < 95 now fails; u2 still passes its own target of 75
    assert compute("unit_pass_rate", units, as_of=AS_OF, settings=strict) == pytest.approx(100 / 3)


def test_metric_on_a_ledger_without_its_column_names_the_column(units):
    with pytest.raises(KeyError, match="hours"):
        compute("service_hours", units, as_of=AS_OF)


@pytest.mark.parametrize(
    ("thresholds", "hours", "levels"),
    [
        ((100, 300, 600, 1000, 1500), [0, 99.9, 100, 300, 1499, 1500, 9999], [0, 0, 1, 2, 4, 5, 5]),
        ((100, 200, 500, 800, 1000), [150, 200, 999, 1000], [1, 2, 4, 5]),
        ((300, 100, 1500, 600, 1000), [100, 350], [1, 2]),
    ],
)
def test_star_level_counts_thresholds_reached(thresholds, hours, levels):
    assert star_level(pd.Series(hours), thresholds).tolist() == levels


def test_star_level_of_missing_hours_is_missing():
    result = star_level(pd.Series([None, 120.0]), (100, 300))
    assert str(result.dtype) == "Int64"
    assert result.isna().tolist() == [True, False]
