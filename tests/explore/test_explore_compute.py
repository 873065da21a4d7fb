"""Filters, grouping and measures; the numbers are checked against metrics.compute on the sample
city, and a million rows stay fast."""

from __future__ import annotations

import time
from datetime import date

import numpy as np
import pandas as pd
import pytest

from civdash import explore as ex
from civdash.districts import DistrictTable
from civdash.explore import (
    ContainsFilter,
    ExploreSpec,
    Group,
    Measure,
    RangeFilter,
    ValuesFilter,
    apply_filters,
    explore,
)
from civdash.metrics import MISSING_GROUP, compute
from tests.explore.helpers import AS_OF, chart_rows, values_by


def _compute_by(key: str, frame: pd.DataFrame, by: str, **kw: object) -> dict[str, float]:
    out = compute(key, frame, as_of=AS_OF, by=by, **kw)  # type: ignore[arg-type]
    assert isinstance(out, pd.DataFrame)
    return {str(k): float(v) for k, v in zip(out[by], out["value"], strict=True)}


# ---------------------------------------------------------------- numbers match the catalogue


def test_row_count_by_district_is_volunteer_count(sample: dict[str, pd.DataFrame]) -> None:
    vol = sample["volunteers"]
    result = explore(vol, ExploreSpec("volunteers", group_by=(Group("district"),)), as_of=AS_OF)
    assert values_by(result, "district") == _compute_by("volunteer_count", vol, "district")
    assert result.rows_matched == result.rows_total == len(vol)


def test_sum_of_hours_by_street_is_service_hours(sample: dict[str, pd.DataFrame]) -> None:
    vol = sample["volunteers"]
    spec = ExploreSpec("volunteers", group_by=(Group("street"),), measure=Measure("sum", "hours"))
    got = values_by(explore(vol, spec, as_of=AS_OF), "street")
    want = _compute_by("service_hours", vol, "street")
    assert got.keys() == want.keys()
    assert all(got[k] == pytest.approx(want[k]) for k in want)


def test_mean_score_by_category_is_unit_avg_score(sample: dict[str, pd.DataFrame]) -> None:
    units = sample["units"]
    spec = ExploreSpec("units", group_by=(Group("category"),), measure=Measure("mean", "score"))
    got = values_by(explore(units, spec, as_of=AS_OF), "category")
    want = _compute_by("unit_avg_score", units, "category")
    assert got == pytest.approx(want, nan_ok=True)


@pytest.mark.parametrize("metric", ["issue_close_rate", "overdue_issues", "avg_days_to_close"])
def test_metric_measure_with_a_filter_is_compute_on_the_filtered_rows(
    sample: dict[str, pd.DataFrame], metric: str
) -> None:
    issues = sample["issues"]
    spec = ExploreSpec(
        "issues",
        filters=(ValuesFilter("source", ("暗访督查", "12345热线")),),
        group_by=(Group("responsible_unit"),),
        measure=Measure("metric", metric),
    )
    result = explore(issues, spec, as_of=AS_OF)
    rows = issues[issues["source"].isin(["暗访督查", "12345热线"])]
    assert result.rows_matched == len(rows) > 0
    want = _compute_by(metric, rows, "responsible_unit")
    assert values_by(result, "responsible_unit") == pytest.approx(want, nan_ok=True)


def test_metric_by_week_is_compute_by_the_monday_of_each_week(
    sample: dict[str, pd.DataFrame],
) -> None:
    issues = sample["issues"]
    spec = ExploreSpec(
        "issues",
        group_by=(Group("found_on", "week"),),
        measure=Measure("metric", "issue_close_rate"),
        chart="line",
    )
    result = explore(issues, spec, as_of=AS_OF)
    found = pd.to_datetime(issues["found_on"])
    monday = (found - pd.to_timedelta(found.dt.day_of_week, unit="D")).dt.strftime("%Y-%m-%d")
    want = _compute_by("issue_close_rate", issues.assign(week=monday), "week")
    assert values_by(result, "found_on.week") == pytest.approx(want, nan_ok=True)
    assert list(result.table["found_on.week"]) == sorted(want), "periods oldest first"
    assert {"numerator", "denominator"} <= set(result.table.columns)


def test_volunteer_rate_needs_population_and_district_grouping(
    sample: dict[str, pd.DataFrame], districts: DistrictTable
) -> None:
    vol = sample["volunteers"]
    pop = districts.population()
    spec = ExploreSpec("volunteers", measure=Measure("metric", "volunteer_rate"))
    got = values_by(explore(vol, spec, as_of=AS_OF, population=pop), "district")
    assert got == pytest.approx(_compute_by("volunteer_rate", vol, "district", population=pop))

    by_street = explore(
        vol,
        ExploreSpec("volunteers", group_by=(Group("street"),), measure=spec.measure),
        as_of=AS_OF,
        population=pop,
    )
    assert by_street.error == (
        "『注册志愿者占常住人口比例』要用各区县的常住人口计算，只能按所属区县分组或不分组。"
    )
    assert by_street.chart is None and by_street.table.empty

    no_population = explore(vol, spec, as_of=AS_OF)
    assert no_population.error is not None and "常住人口" in no_population.error


def test_a_column_the_upload_lacked_is_named_not_ignored() -> None:
    issues = pd.DataFrame({"district": ["东湖区"], "status": ["待整改"], "description": ["x"]})
    by_source = explore(issues, ExploreSpec(group_by=(Group("source"),)), as_of=AS_OF)
    assert by_source.error == "当前问题整改台账中没有『问题来源』列，无法按它分组。"
    vol = pd.DataFrame({"district": ["东湖区"]})
    hours = explore(vol, ExploreSpec("volunteers", measure=Measure("sum", "hours")), as_of=AS_OF)
    assert hours.error == "当前志愿者台账中没有『累计服务时长（小时）』列，无法计算合计。"


def test_without_grouping_the_result_is_one_value(sample: dict[str, pd.DataFrame]) -> None:
    issues = sample["issues"]
    spec = ExploreSpec("issues", group_by=(), measure=Measure("metric", "issue_close_rate"))
    result = explore(issues, spec, as_of=AS_OF)
    want = compute("issue_close_rate", issues, as_of=AS_OF)
    assert result.value == pytest.approx(want)
    assert result.value_text == f"{want:.1f}%"
    assert result.chart is None


def test_two_groups_count_every_combination(sample: dict[str, pd.DataFrame]) -> None:
    issues = sample["issues"]
    spec = ExploreSpec("issues", group_by=(Group("district"), Group("status")))
    table = explore(issues, spec, as_of=AS_OF).table
    want = issues.groupby(["district", "status"]).size()
    got = table.set_index(["district", "status"])["value"]
    assert got.sort_index().to_dict() == want.astype(float).sort_index().to_dict()


# ---------------------------------------------------------------- filters and groups


@pytest.fixture
def small() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "issue_id": ["a", "b", "c", "d", "e"],
            "found_on": pd.to_datetime(
                ["2026-11-01", "2026-11-02", "2026-11-09", "2026-11-15", None]
            ).astype("datetime64[s]"),
            "district": ["东湖区", "东湖区", "西湖区", "西湖区", "东湖区"],
            "street": ["甲街道", None, " 甲街道", "", "乙街道"],
            "description": ["垃圾(桶)满溢", "占道经营", "GARBAGE", "乱停车", "绿化带杂物"],
            "responsible_unit": ["城管局"] * 5,
            "status": ["已整改", "待整改", "长期整改", "已销号", "待整改"],
        }
    )


def test_values_filter_matches_blanks_with_the_missing_label(small: pd.DataFrame) -> None:
    rows = apply_filters(small, "issues", [ValuesFilter("street", ("甲街道", MISSING_GROUP))])
    assert rows["issue_id"].tolist() == ["a", "b", "c", "d"]


def test_range_filter_is_inclusive_and_drops_blanks(small: pd.DataFrame) -> None:
    f = RangeFilter("found_on", date(2026, 11, 2), date(2026, 11, 9))
    assert apply_filters(small, "issues", [f])["issue_id"].tolist() == ["b", "c"]
    open_end = RangeFilter("found_on", date(2026, 11, 9), None)
    assert apply_filters(small, "issues", [open_end])["issue_id"].tolist() == ["c", "d"]


def test_contains_filter_ignores_case_and_regex_characters(small: pd.DataFrame) -> None:
    assert apply_filters(small, "issues", [ContainsFilter("description", "garb")])[
        "issue_id"
    ].tolist() == ["c"]
    assert apply_filters(small, "issues", [ContainsFilter("description", "(桶)")])[
        "issue_id"
    ].tolist() == ["a"]


def test_filters_combine_and_a_missing_column_matches_nothing(small: pd.DataFrame) -> None:
    both = [ValuesFilter("district", ("东湖区",)), ValuesFilter("status", ("待整改",))]
    assert apply_filters(small, "issues", both)["issue_id"].tolist() == ["b", "e"]
    assert apply_filters(small, "issues", [ValuesFilter("source", ("暗访督查",))]).empty


def test_groups_trim_spaces_and_name_blanks(small: pd.DataFrame) -> None:
    result = explore(small, ExploreSpec("issues", group_by=(Group("street"),)), as_of=AS_OF)
    assert values_by(result, "street") == {"甲街道": 2.0, MISSING_GROUP: 2.0, "乙街道": 1.0}


def test_the_count_is_named_by_the_ledger_and_counts_what_its_pages_count(
    small: pd.DataFrame,
) -> None:
    # an inspection record whose description is 无 is a row of the ledger but not an issue
    rows = small.assign(description=small["description"].mask(small["issue_id"] == "e", "无"))
    result = explore(rows, ExploreSpec("issues", group_by=(Group("district"),)), as_of=AS_OF)
    assert result.labels["value"] == "问题数"
    assert values_by(result, "district") == {"东湖区": 2.0, "西湖区": 2.0}
    assert result.rows_matched == 5  # the detail download still holds every matching row
    assert "不含问题描述记为“无”的检查记录" in " ".join(result.notes)
    total = explore(rows, ExploreSpec("issues", group_by=()), as_of=AS_OF)
    assert total.value == compute("issue_count", rows, as_of=AS_OF) == 4
    people = pd.DataFrame({"district": ["东湖区"], "name": ["张三"]})
    volunteers = explore(people, ExploreSpec("volunteers", group_by=()), as_of=AS_OF)
    assert volunteers.labels["value"] == "志愿者人数" and volunteers.value == 1
    assert ex.measure_choices("units")["count"] == "创建单位数"


def test_weeks_start_on_monday_and_months_on_the_first(small: pd.DataFrame) -> None:
    week = explore(small, ExploreSpec("issues", group_by=(Group("found_on", "week"),)), as_of=AS_OF)
    # 11-01 is a Sunday (week of 10-26); 11-02 and 11-09 are Mondays; 11-15 is a Sunday
    assert values_by(week, "found_on.week") == {
        "2026-10-26": 1.0,
        "2026-11-02": 1.0,
        "2026-11-09": 2.0,
        MISSING_GROUP: 1.0,
    }
    month = explore(
        small, ExploreSpec("issues", group_by=(Group("found_on", "month"),)), as_of=AS_OF
    )
    assert values_by(month, "found_on.month") == {"2026-11": 4.0, MISSING_GROUP: 1.0}


def test_coded_groups_follow_the_registry_order_others_the_values(small: pd.DataFrame) -> None:
    status = explore(small, ExploreSpec("issues", group_by=(Group("status"),)), as_of=AS_OF)
    assert status.table["status"].tolist() == ["待整改", "已整改", "已销号", "长期整改"]
    district = explore(small, ExploreSpec("issues", group_by=(Group("district"),)), as_of=AS_OF)
    assert district.table["district"].tolist() == ["东湖区", "西湖区"], "largest first"


def test_numbers_group_in_numeric_order() -> None:
    units = pd.DataFrame({"named_year": pd.array([2019, 9, 2019, 10], dtype="Int64")})
    result = explore(units, ExploreSpec("units", group_by=(Group("named_year"),)), as_of=AS_OF)
    assert result.table["named_year"].tolist() == ["9", "10", "2019"]


def test_booleans_and_targets_read_as_the_office_says_them(
    sample: dict[str, pd.DataFrame],
) -> None:
    vol = sample["volunteers"]
    party = explore(
        vol, ExploreSpec("volunteers", group_by=(Group("is_party_member"),)), as_of=AS_OF
    )
    assert party.table["is_party_member"].tolist() == ["是", "否"]
    assert values_by(party, "is_party_member")["是"] == compute(
        "party_volunteers", vol, as_of=AS_OF
    )
    targets = explore(sample["targets"], ExploreSpec.default("targets"), as_of=AS_OF)
    assert "注册志愿者占常住人口比例" in set(targets.table["metric"])
    city = explore(
        sample["targets"], ExploreSpec("targets", group_by=(Group("district"),)), as_of=AS_OF
    )
    assert "全市" in set(city.table["district"])


# ---------------------------------------------------------------- scale


def test_grouping_a_million_rows_stays_fast() -> None:
    rng = np.random.default_rng(7)
    n = 1_000_000
    districts = np.array(["东湖区", "南港区", "城关区", "西山区", "临江镇", "北塘镇", "高新区"])
    vol = pd.DataFrame(
        {
            "district": pd.array(districts[rng.integers(0, 7, n)], dtype="str"),
            "street": pd.array([f"街道{i}" for i in rng.integers(0, 40, n)], dtype="str"),
            "team": pd.array([f"服务队{i}" for i in rng.integers(0, 600, n)], dtype="str"),
            "registered_on": pd.Timestamp("2015-01-01")
            + pd.to_timedelta(rng.integers(0, 4000, n), unit="D"),
            "hours": rng.gamma(1.2, 60.0, n).round(1),
            "is_party_member": rng.random(n) < 0.3,
        }
    )
    spec = ExploreSpec.from_query(
        {
            "ledger": "volunteers",
            "by": "district,registered_on.month",
            "measure": "sum.hours",
            "chart": "heatmap",
            "in.is_party_member": "是",
        }
    )
    explore(vol.head(1000), spec, as_of=AS_OF)  # warm up imports
    start = time.perf_counter()
    result = explore(vol, spec, as_of=AS_OF)
    elapsed = time.perf_counter() - start
    assert result.rows_matched == int(vol["is_party_member"].sum())
    assert result.table["value"].sum() == pytest.approx(
        vol.loc[vol["is_party_member"], "hours"].sum()
    )
    assert len(chart_rows(result)) <= ex.CHART_MAX_CATEGORIES * ex.CHART_MAX_CATEGORIES
    assert elapsed < 3.0, f"1,000,000 rows took {elapsed:.2f} s"
