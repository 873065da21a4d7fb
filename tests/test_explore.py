"""数据探索: the spec and its URL, filters, grouping, measures (checked against metrics.compute on
the sample city), charts from aggregated rows, scale, and the downloads of a result."""

from __future__ import annotations

import io
import time
from datetime import date
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from civdash import explore as ex
from civdash import palette
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
    field_control,
)
from civdash.ingest import ingest_file
from civdash.metrics import MISSING_GROUP, compute

CITY = Path(__file__).resolve().parents[1] / "sample_data" / "city"
AS_OF = "2026-11-15"


@pytest.fixture(scope="module")
def districts() -> DistrictTable:
    return DistrictTable.from_geojson(CITY / "districts.geojson")


@pytest.fixture(scope="module")
def sample(districts: DistrictTable) -> dict[str, pd.DataFrame]:
    """The sample city's latest ledgers, read the way an upload is read."""
    return {
        kind: ingest_file(next(CITY.glob(f"{kind}*.xlsx")), kind=kind, districts=districts).rows
        for kind in ("units", "volunteers", "issues", "targets")
    }


def _by(result: ex.ExploreResult, key: str) -> dict[str, float]:
    return {str(k): float(v) for k, v in zip(result.table[key], result.table["value"], strict=True)}


def _compute_by(key: str, frame: pd.DataFrame, by: str, **kw: object) -> dict[str, float]:
    out = compute(key, frame, as_of=AS_OF, by=by, **kw)  # type: ignore[arg-type]
    assert isinstance(out, pd.DataFrame)
    return {str(k): float(v) for k, v in zip(out[by], out["value"], strict=True)}


def test_public_api_is_what_all_lists() -> None:
    assert set(ex.__all__) == {
        "CHARTS", "CHART_MAX_CATEGORIES", "CHART_MAX_SERIES", "PERIODS", "ROWS_EXPORT_MAX",
        "TABLE_MAX_ROWS", "ChartType", "ContainsFilter", "Download", "ExploreResult",
        "ExploreSpec", "FieldControl", "Filter", "Group", "Measure", "RangeFilter", "ValuesFilter",
        "apply_filters", "describe", "downloads", "explore", "field_control", "filter_fields",
        "group_choices", "measure_choices", "result_csv", "result_excel", "rows_csv", "rows_excel",
    }  # fmt: skip
    assert all(hasattr(ex, name) for name in ex.__all__)


# ---------------------------------------------------------------- spec ↔ URL

ROUND_TRIPS = [
    ExploreSpec(),
    ExploreSpec.default("targets"),
    ExploreSpec("volunteers", group_by=(), measure=Measure("metric", "volunteer_rate")),
    ExploreSpec(
        "issues",
        filters=(
            ValuesFilter("status", ("待整改", "整改中")),
            RangeFilter("found_on", date(2026, 9, 1), None),
            ContainsFilter("description", "垃圾, 桶&=1+1 \\ 50%"),
        ),
        group_by=(Group("found_on", "week"), Group("status")),
        measure=Measure("metric", "overdue_issues"),
        chart="stacked",
    ),
    ExploreSpec(
        "units",
        filters=(
            ValuesFilter("street", ("东湖,街道", "back\\slash", MISSING_GROUP)),
            RangeFilter("score", 59.5, 100.0),
            RangeFilter("named_year", None, 2020.0),
        ),
        group_by=(Group("level"), Group("category")),
        measure=Measure("mean", "score"),
        chart="heatmap",
    ),
    ExploreSpec(
        "volunteers",
        filters=(ValuesFilter("is_party_member", ("是",)), ContainsFilter("name", "张")),
        group_by=(Group("registered_on", "month"),),
        measure=Measure("sum", "hours"),
        chart="line",
    ),
]


@pytest.mark.parametrize("spec", ROUND_TRIPS)
def test_spec_round_trips_through_query_parameters(spec: ExploreSpec) -> None:
    query = spec.to_query()
    assert all(isinstance(v, str) for v in query.values()), "one value per key, no lists"
    assert ExploreSpec.from_query(query) == spec


def test_query_parameters_are_readable() -> None:
    spec = ROUND_TRIPS[3]
    assert spec.to_query() == {
        "ledger": "issues",
        "by": "found_on.week,status",
        "measure": "metric.overdue_issues",
        "chart": "stacked",
        "in.status": "待整改,整改中",
        "range.found_on": "2026-09-01~",
        "has.description": "垃圾, 桶&=1+1 \\ 50%",
    }


def test_repeated_parameters_take_the_last_value() -> None:
    spec = ExploreSpec.from_query({"ledger": ["units", "volunteers"], "by": ["team"]})
    assert spec.ledger == "volunteers" and spec.group_by == (Group("team"),)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ExploreSpec()),
        ({"ledger": "nonsense"}, ExploreSpec()),
        ({"ledger": "targets"}, ExploreSpec.default("targets")),
        (
            {"by": "district,status,street"},
            ExploreSpec(group_by=(Group("district"), Group("status"))),
        ),
        ({"by": "district,district"}, ExploreSpec(group_by=(Group("district"),))),
        ({"by": "found_on"}, ExploreSpec(group_by=())),
        ({"by": "found_on.year,lat,issue_id,nope"}, ExploreSpec(group_by=())),
        ({"by": "district.month"}, ExploreSpec(group_by=())),
        ({"by": ""}, ExploreSpec(group_by=())),
        ({"measure": "metric.volunteer_rate"}, ExploreSpec()),
        ({"measure": "sum.description"}, ExploreSpec()),
        ({"measure": "median.hours"}, ExploreSpec()),
        ({"chart": "pie"}, ExploreSpec()),
        ({"in.hours": "1,2"}, ExploreSpec()),
        ({"range.status": "1~2"}, ExploreSpec()),
        ({"range.found_on": "2026-13-01~"}, ExploreSpec()),
        ({"range.found_on": "~"}, ExploreSpec()),
        ({"has.status": "待"}, ExploreSpec()),
        ({"in.status": ""}, ExploreSpec()),
        ({"in.nope": "x"}, ExploreSpec()),
    ],
)
def test_what_does_not_fit_the_ledger_is_dropped(
    params: dict[str, str], expected: ExploreSpec
) -> None:
    assert ExploreSpec.from_query(params) == expected


def test_personal_fields_cannot_be_filtered_or_grouped_through_a_link() -> None:
    spec = ExploreSpec.from_query(
        {"ledger": "volunteers", "has.phone": "138", "in.id_number": "1101", "by": "phone"}
    )
    assert spec.filters == () and spec.group_by == ()
    assert "phone" not in ex.filter_fields("volunteers")
    assert "phone" not in ex.group_choices("volunteers")


def test_the_sidebars_parameters_are_not_the_specs() -> None:
    keys = [*ROUND_TRIPS[3].to_query(), *ROUND_TRIPS[4].to_query()]
    assert all(ExploreSpec.is_query_key(k) for k in keys)
    assert not ExploreSpec.is_query_key("district")
    assert not ExploreSpec.is_query_key("as_of")


def test_widget_choices_make_the_same_spec_as_a_link() -> None:
    spec = ROUND_TRIPS[3]
    made = ExploreSpec.from_choices(
        "issues", spec.filters, ("found_on.week", "status"), "metric.overdue_issues", "stacked"
    )
    assert made == spec
    assert ExploreSpec.from_choices("issues", (), ("", ""), "count", "bar").group_by == ()
    assert ExploreSpec.from_choices("issues", (), ("hours",), "sum.hours", "pie") == ExploreSpec(
        group_by=(), chart="bar"
    )


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


# ---------------------------------------------------------------- numbers match the catalogue


def test_row_count_by_district_is_volunteer_count(sample: dict[str, pd.DataFrame]) -> None:
    vol = sample["volunteers"]
    result = explore(vol, ExploreSpec("volunteers", group_by=(Group("district"),)), as_of=AS_OF)
    assert _by(result, "district") == _compute_by("volunteer_count", vol, "district")
    assert result.rows_matched == result.rows_total == len(vol)


def test_sum_of_hours_by_street_is_service_hours(sample: dict[str, pd.DataFrame]) -> None:
    vol = sample["volunteers"]
    spec = ExploreSpec("volunteers", group_by=(Group("street"),), measure=Measure("sum", "hours"))
    got = _by(explore(vol, spec, as_of=AS_OF), "street")
    want = _compute_by("service_hours", vol, "street")
    assert got.keys() == want.keys()
    assert all(got[k] == pytest.approx(want[k]) for k in want)


def test_mean_score_by_category_is_unit_avg_score(sample: dict[str, pd.DataFrame]) -> None:
    units = sample["units"]
    spec = ExploreSpec("units", group_by=(Group("category"),), measure=Measure("mean", "score"))
    got = _by(explore(units, spec, as_of=AS_OF), "category")
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
    assert _by(result, "responsible_unit") == pytest.approx(want, nan_ok=True)


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
    assert _by(result, "found_on.week") == pytest.approx(want, nan_ok=True)
    assert list(result.table["found_on.week"]) == sorted(want), "periods oldest first"
    assert {"numerator", "denominator"} <= set(result.table.columns)


def test_volunteer_rate_needs_population_and_district_grouping(
    sample: dict[str, pd.DataFrame], districts: DistrictTable
) -> None:
    vol = sample["volunteers"]
    pop = districts.population()
    spec = ExploreSpec("volunteers", measure=Measure("metric", "volunteer_rate"))
    got = _by(explore(vol, spec, as_of=AS_OF, population=pop), "district")
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
            "description": ["垃圾(桶)满溢", "占道经营", "GARBAGE", "乱停车", "无"],
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
    assert _by(result, "street") == {"甲街道": 2.0, MISSING_GROUP: 2.0, "乙街道": 1.0}


def test_weeks_start_on_monday_and_months_on_the_first(small: pd.DataFrame) -> None:
    week = explore(small, ExploreSpec("issues", group_by=(Group("found_on", "week"),)), as_of=AS_OF)
    # 11-01 is a Sunday (week of 10-26); 11-02 and 11-09 are Mondays; 11-15 is a Sunday
    assert _by(week, "found_on.week") == {
        "2026-10-26": 1.0,
        "2026-11-02": 1.0,
        "2026-11-09": 2.0,
        MISSING_GROUP: 1.0,
    }
    month = explore(
        small, ExploreSpec("issues", group_by=(Group("found_on", "month"),)), as_of=AS_OF
    )
    assert _by(month, "found_on.month") == {"2026-11": 4.0, MISSING_GROUP: 1.0}


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
    assert _by(party, "is_party_member")["是"] == compute("party_volunteers", vol, as_of=AS_OF)
    targets = explore(sample["targets"], ExploreSpec.default("targets"), as_of=AS_OF)
    assert "注册志愿者占常住人口比例" in set(targets.table["metric"])
    city = explore(
        sample["targets"], ExploreSpec("targets", group_by=(Group("district"),)), as_of=AS_OF
    )
    assert "全市" in set(city.table["district"])


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


# ---------------------------------------------------------------- charts


def _chart_rows(result: ex.ExploreResult) -> list[dict[str, object]]:
    assert result.chart is not None
    spec = result.chart.to_dict()
    return [row for rows in spec["datasets"].values() for row in rows]


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
    rows = _chart_rows(result)
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
    first = {str(row["g2"]): int(str(row["o2"])) for row in _chart_rows(result)}
    assert first["待整改"] < first["已销号"]
    grouped = ExploreSpec.from_query({"by": "responsible_unit,source", "chart": "bar"})
    rows = _chart_rows(explore(sample["issues"], grouped, as_of=AS_OF))
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
    assert len(_chart_rows(result)) <= 2 * ex.CHART_MAX_CATEGORIES
    assert any("图表只显示" in note for note in result.notes)
    assert any("表格只显示前 1,000 组" in note for note in result.notes)


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
    assert len(_chart_rows(result)) <= ex.CHART_MAX_CATEGORIES * ex.CHART_MAX_CATEGORIES
    assert elapsed < 3.0, f"1,000,000 rows took {elapsed:.2f} s"


# ---------------------------------------------------------------- downloads


def _book(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def test_result_excel_has_the_view_and_the_table(sample: dict[str, pd.DataFrame]) -> None:
    spec = ExploreSpec.from_query({"ledger": "issues", "by": "district", "in.status": "待整改"})
    result = explore(sample["issues"], spec, as_of=AS_OF)
    book = _book(ex.result_excel(result, ["范围：全市", "截至日期：2026-11-15"]))
    assert book.sheetnames == ["说明", "汇总结果"]
    notes = [c.value for c in book["说明"]["A"]]
    assert notes[:4] == ["数据探索导出", "范围：全市", "截至日期：2026-11-15", "台账：问题整改"]
    assert "筛选：整改状态 为 待整改" in notes
    rows = list(book["汇总结果"].values)
    assert rows[0] == ("所属区县", "行数")
    assert {r[0]: r[1] for r in rows[1:]} == _by(result, "district")


def test_result_csv_of_a_single_value(sample: dict[str, pd.DataFrame]) -> None:
    spec = ExploreSpec("units", group_by=(), measure=Measure("metric", "named_units"))
    result = explore(sample["units"], spec, as_of=AS_OF)
    text = ex.result_csv(result).decode("utf-8-sig").splitlines()
    assert text == ["已命名单位数（个）", f"{result.value}"]


def test_downloads_name_their_files_and_build_only_when_asked(
    sample: dict[str, pd.DataFrame],
) -> None:
    result = explore(sample["units"], ExploreSpec.default("units"), as_of=AS_OF)
    made = ex.downloads(result, ["范围：全市"], "数据探索_创建单位_20261115")
    assert [d.file_name for d in made] == [
        "数据探索_创建单位_20261115_汇总.xlsx",
        "数据探索_创建单位_20261115_汇总.csv",
        "数据探索_创建单位_20261115_明细.xlsx",
        "数据探索_创建单位_20261115_明细.csv",
    ]
    assert len({d.key for d in made}) == 4
    assert all(callable(d.data) for d in made)
    assert made[1].data().decode("utf-8-sig").startswith("所属区县,行数")


def test_rows_downloads_are_masked_and_capped(
    sample: dict[str, pd.DataFrame], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ex, "ROWS_EXPORT_MAX", 50)
    vol = sample["volunteers"]
    result = explore(vol, ExploreSpec.default("volunteers"), as_of=AS_OF)
    book = _book(ex.rows_excel(result))
    rows = list(book["明细"].values)
    assert len(rows) == 51
    header = list(rows[0])
    phones = [r[header.index("联系电话")] for r in rows[1:] if r[header.index("联系电话")]]
    assert phones and all("****" in p for p in phones)
    ids = [r[header.index("身份证号")] for r in rows[1:] if r[header.index("身份证号")]]
    assert ids and all("********" in i for i in ids)
    notes = [c.value for c in book["说明"]["A"]]
    assert f"符合条件的 {len(vol):,} 行中只导出了前 50 行；请加筛选条件分批导出。" in notes
    csv_lines = ex.rows_csv(result).decode("utf-8-sig").splitlines()
    assert len(csv_lines) == 51
    raw_phones = set(vol["phone"].dropna().astype(str))
    assert not any(p in line for line in csv_lines for p in list(raw_phones)[:200])
