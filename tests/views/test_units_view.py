"""The 创建单位 view, checked against the metric catalogue and hand-counted small ledgers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import numpy as np
import pandas as pd
import pytest

from civdash import palette
from civdash.config import DEFAULT_SETTINGS, Settings
from civdash.dashboard import Filters, Ledgers, load_ledgers, metric_table
from civdash.districts import District, DistrictTable
from civdash.metrics import compute
from civdash.store import SnapshotInfo
from civdash.views.common import TableFor, headline, scope_target
from civdash.views.units import UNIT_TABLE_LIMIT, UnitsView, build_units_view
from tests.snapshots import snapshot_info

NOW, BEFORE = date(2026, 11, 15), date(2026, 11, 8)
CITY_WIDE = Filters()
DISTRICTS = DistrictTable(
    (
        District("东湖区", population=10_000),
        District("南港区", population=5_000),
        District("西山区", population=2_000),
    )
)


def make_ledgers(
    frames: Mapping[tuple[str, date], pd.DataFrame],
    filters: Filters = CITY_WIDE,
    *,
    districts: DistrictTable | None = DISTRICTS,
    settings: Settings = DEFAULT_SETTINGS,
) -> tuple[Ledgers, TableFor]:
    """Ledgers over hand-made snapshots, and the `table_for` the app would pass (uncached)."""
    latest = {kind: max(d for k, d in frames if k == kind) for kind, _ in frames}
    snaps, by_id = [], {}
    for sid, ((kind, as_of), frame) in enumerate(frames.items(), start=1):
        snaps.append(snapshot_info(sid, kind, as_of, current=as_of == latest[kind]))
        by_id[sid] = frame
    led = load_ledgers(snaps, by_id.__getitem__, filters, districts=districts, settings=settings)
    population = districts.population() if districts else None

    def table_for(snap: SnapshotInfo) -> pd.DataFrame:
        return metric_table(
            snap.kind, by_id[snap.id], as_of=snap.as_of, population=population, settings=settings
        )

    return led, table_for


def units_frame(rows: list[tuple]) -> pd.DataFrame:
    cols = [
        "unit_id",
        "unit_name",
        "category",
        "level",
        "district",
        "status",
        "score",
        "target_score",
    ]
    frame = pd.DataFrame(rows, columns=cols)
    frame["street"] = "某街道"
    frame["named_year"] = pd.array([2020] * len(frame), dtype="Int64")
    frame["department"] = "市直机关工委"
    frame["lat"] = np.nan
    frame["lon"] = np.nan
    frame["score"] = frame["score"].astype("float64")
    frame["target_score"] = frame["target_score"].astype("float64")
    return frame


# id   name   category  level  district status   score  target   result (pass mark 80)
UNITS_NOW = units_frame(
    [
        ("U1", "甲单位", "文明单位", "省级", "东湖区", "复查保留", 90.0, 85.0),  # passes
        ("U2", "乙单位", "文明单位", "市级", "东湖区", "已命名", 84.0, 85.0),  # 1.0 short
        ("U3", "丙社区", "文明社区", "市级", "东湖区", "已申报", 79.0, None),  # 80: 1.0 short
        ("U4", "丁村", "文明村镇", "县级", "南港区", "培育中", 60.0, 80.0),  # 20.0 short
        ("U5", "戊村", "文明村镇", "县级", "南港区", "已撤销", 88.0, None),  # passes
        ("U6", "己校", "文明校园", "省级", "南港区", "已命名", None, 85.0),  # not scored
        ("U7", "庚单位", "文明单位", "全国", "南港区", "复查保留", 95.0, 90.0),  # passes
    ]
)
UNITS_BEFORE = units_frame(
    [
        ("U1", "甲单位", "文明单位", "省级", "东湖区", "已命名", 88.0, 85.0),
        ("U2", "乙单位", "文明单位", "市级", "东湖区", "已命名", 86.0, 85.0),
        ("U3", "丙社区", "文明社区", "市级", "东湖区", "培育中", 70.0, None),
        ("U4", "丁村", "文明村镇", "县级", "南港区", "培育中", 60.0, 80.0),
        ("U5", "戊村", "文明村镇", "县级", "南港区", "已命名", 88.0, None),
        ("U7", "庚单位", "文明单位", "全国", "南港区", "复查保留", 95.0, 90.0),
    ]
)
TARGETS = pd.DataFrame(
    {
        "metric": ["named_units", "unit_pass_rate", "unit_pass_rate", "unit_avg_score"],
        "district": ["", "", "南港区", ""],
        "target": [5.0, 85.0, 70.0, 85.0],
        "due": pd.to_datetime(["2026-12-31", "2026-12-31", "2026-12-31", None]),
    }
)


def view_for(filters: Filters = CITY_WIDE, **kw: object) -> UnitsView:
    frames = {("units", BEFORE): UNITS_BEFORE, ("units", NOW): UNITS_NOW, ("targets", NOW): TARGETS}
    led, table_for = make_ledgers(frames, filters, **kw)  # type: ignore[arg-type]
    return build_units_view(led, table_for)


def test_headlines_are_the_catalogue_values_with_week_over_week_change():
    view = view_for()
    cards = {h.key: h for h in view.headlines}
    assert list(cards) == ["unit_count", "named_units", "unit_pass_rate", "unit_avg_score"]
    for key, card in cards.items():
        now = compute(key, UNITS_NOW, as_of=NOW)
        before = compute(key, UNITS_BEFORE, as_of=BEFORE)
        assert isinstance(now, float) and isinstance(before, float)
        assert card.label and card.help
        assert card.compared_with == "较11月8日"
        if key == "unit_count":
            assert (card.value_text, card.delta_text) == ("7个", "+1个")
    # named: U1 U2 U6 U7 now (4) vs U1 U2 U5 U7 before (4): flat
    assert cards["named_units"].value_text == "4个"
    assert (cards["named_units"].delta_text, cards["named_units"].delta_arrow) == ("持平", "off")
    assert cards["named_units"].delta_color == "gray"
    # pass rate: 3 of 6 scored now (50.0%) vs 4 of 6 before (U3 was 70 < 80: 66.7%)
    assert cards["unit_pass_rate"].value_text == "50.0%"
    assert cards["unit_pass_rate"].delta_text == "−16.7 个百分点"
    assert (cards["unit_pass_rate"].delta_color, cards["unit_pass_rate"].delta_arrow) == (
        "red",
        "down",
    )


def test_headline_targets_say_how_far_the_scope_is_from_them():
    cards = {h.key: h for h in view_for().headlines}
    assert cards["named_units"].target_text == "目标 5个（2026年12月31日前） · 尚差 1个"
    assert cards["named_units"].on_target is False
    assert cards["unit_pass_rate"].target_text.startswith("目标 85.0%（2026年12月31日前）")
    assert cards["unit_avg_score"].target_text.startswith("目标 85.0分 ·")  # no due date
    assert cards["unit_count"].target_text == ""


def test_a_district_gets_its_own_target_and_city_rate_targets_but_not_city_count_targets():
    cards = {h.key: h for h in view_for(Filters("南港区")).headlines}
    assert cards["unit_count"].value_text == "4个"
    assert cards["unit_pass_rate"].target_text.startswith("目标 70.0%")  # its own
    assert cards["unit_avg_score"].target_text.startswith("目标 85.0分")  # city-wide mean
    assert cards["named_units"].target_text == ""  # 5 named units is a city-wide count


def test_scope_target_prefers_the_districts_own_row():
    city, own, fallback = (
        scope_target(TARGETS, "unit_pass_rate", d) for d in (None, "南港区", "东湖区")
    )
    assert city is not None and (city.value, city.district) == (85.0, "")
    assert own is not None and (own.value, own.district) == (70.0, "南港区")
    assert fallback is not None and (fallback.value, fallback.district) == (85.0, "")
    assert scope_target(TARGETS, "named_units", "东湖区") is None
    assert scope_target(TARGETS.iloc[0:0], "named_units", None) is None


def test_counts_cross_district_category_and_level_with_totals():
    counts = view_for().counts
    assert list(counts.columns) == ["区县", "创建类别", "全国", "省级", "市级", "县级", "合计"]
    rows = {(r["区县"], r["创建类别"]): r for r in counts.to_dict("records")}
    assert rows[("东湖区", "文明单位")]["省级"] == 1 and rows[("东湖区", "文明单位")]["市级"] == 1
    assert rows[("南港区", "文明村镇")]["县级"] == 2
    assert rows[("南港区", "文明单位")]["全国"] == 1
    assert rows[("合计", "")]["合计"] == len(UNITS_NOW)
    assert counts["区县"].tolist()[:3] == ["东湖区", "东湖区", "南港区"]  # district table order
    assert counts["合计"].iloc[:-1].sum() == len(UNITS_NOW)


def test_status_pipeline_follows_the_lifecycle_and_counts_the_weekly_change():
    status = view_for().status_counts
    assert status["status"].tolist() == ["培育中", "已申报", "已命名", "复查保留", "已撤销"]
    assert status["count"].tolist() == [1, 1, 2, 2, 1]
    assert status["previous"].tolist() == [2, 0, 3, 1, 0]
    assert status["change"].tolist() == [-1, 1, -1, 1, 1]
    spec = view_for().status_chart.to_dict()
    colors = spec["layer"][0]["encoding"]["color"]["scale"]["range"]
    assert colors[-1] == palette.UNIT_STATUS_COLORS["已撤销"]


def test_below_target_uses_each_units_target_then_the_pass_mark_largest_gap_first():
    view = view_for()
    below = view.below_target
    assert view.below_target_total == 3
    assert below["单位名称"].tolist() == ["丁村", "丙社区", "乙单位"]
    assert below["差距（分）"].tolist() == [20.0, 1.0, 1.0]
    assert below.loc[below["单位名称"] == "丙社区", "达标分"].item() == 80.0
    assert "80 分" in view.pass_rule_text


def test_the_configured_pass_mark_applies_to_units_without_their_own_target():
    view = view_for(settings=Settings(unit_pass_mark=75.0))
    assert "丙社区" not in view.below_target["单位名称"].tolist()
    cards = {h.key: h for h in view.headlines}
    # 4 of 6 scored units pass with 丙社区 at 79 ≥ 75
    assert cards["unit_pass_rate"].value_text == "66.7%"


def test_units_table_filters_by_category_and_status_and_keeps_every_unit_by_default():
    view = view_for()
    assert view.filter_units().total == len(UNITS_NOW)
    villages = view.filter_units(["文明村镇"])
    assert villages.total == 2 and set(villages.rows["单位名称"]) == {"丁村", "戊村"}
    both = view.filter_units(["文明村镇"], ["已撤销"])
    assert both.rows["单位名称"].tolist() == ["戊村"]
    assert view.filter_units(["文明校园"], ["已撤销"]).total == 0
    assert view.category_options == ("文明单位", "文明村镇", "文明社区", "文明校园")
    assert view.status_options == ("培育中", "已申报", "已命名", "复查保留", "已撤销")
    assert set(view.units["是否达标"]) == {"达标", "未达标", "未测评"}


def test_units_table_is_limited_and_reports_the_full_count():
    many = pd.concat([UNITS_NOW] * (UNIT_TABLE_LIMIT // len(UNITS_NOW) + 2), ignore_index=True)
    frames = {("units", NOW): many}
    led, table_for = make_ledgers(frames)
    rows = build_units_view(led, table_for).filter_units()
    assert rows.total == len(many) and len(rows.rows) == UNIT_TABLE_LIMIT


def test_a_district_without_units_and_a_first_week_render_without_errors():
    frames = {("units", NOW): UNITS_NOW}
    led, table_for = make_ledgers(frames, Filters("西山区"))
    view = build_units_view(led, table_for)
    assert view.previous_as_of is None
    assert view.counts["合计"].tolist() == [0]
    assert view.below_target_total == 0 and view.filter_units().total == 0
    assert {h.delta_text for h in view.headlines} == {"无上周数据"}
    view.score_chart.to_dict()
    view.status_chart.to_dict()


def test_charts_get_aggregated_rows_not_units():
    spec = view_for().area_level_chart.to_dict()
    rows = next(iter(spec["datasets"].values()))
    assert {(r["area"], r["level"], r["count"]) for r in rows} == {
        ("东湖区", "省级", 1),
        ("东湖区", "市级", 2),
        ("南港区", "县级", 2),
        ("南港区", "省级", 1),
        ("南港区", "全国", 1),
    }
    assert spec["encoding"]["x"]["title"] == "区县"


def test_a_chosen_district_is_broken_down_by_street():
    spec = view_for(Filters("南港区")).area_level_chart.to_dict()
    rows = next(iter(spec["datasets"].values()))
    assert {r["area"] for r in rows} == {"某街道"}
    assert sum(r["count"] for r in rows) == 4
    assert spec["encoding"]["x"]["title"] == "街道/乡镇"


def test_headline_colour_follows_the_metrics_better_direction():
    from civdash.dashboard import Change

    worse = headline(Change("unit_avg_score", "平均测评得分", 80.0, 82.0, BEFORE, "分"))
    assert (worse.delta_text, worse.delta_color, worse.delta_arrow) == ("−2.0分", "red", "down")
    first = headline(Change("unit_avg_score", "平均测评得分", 80.0, None, None, "分"))
    assert (first.delta_text, first.delta_color, first.compared_with) == ("无上周数据", "gray", "")


def test_large_totals_are_shown_in_wan_and_small_ones_as_they_are():
    from civdash.dashboard import Change

    big = headline(
        Change("service_hours", "志愿服务总时长", 2_775_006.5, 2_754_064.0, BEFORE, "小时")
    )
    # the one 万 rule (civdash.numbers): whole 万 from 100万 on, as 总览 writes it
    assert (big.value_text, big.delta_text) == ("278万小时", "+20,942.5小时")
    bigger = headline(
        Change("service_hours", "志愿服务总时长", 2_900_000.0, 2_700_000.0, BEFORE, "小时")
    )
    assert bigger.delta_text == "+20万小时"  # one 万 rule: a trailing .0 is dropped
    small = headline(Change("volunteer_count", "注册志愿者人数", 29_710.0, 28_613.0, BEFORE, "人"))
    assert (small.value_text, small.delta_text) == ("29,710人", "+1,097人")
    rate = headline(Change("volunteer_rate", "注册志愿者占常住人口比例", 11.43, 11.0, BEFORE, "%"))
    assert rate.value_text == "11.43%"


@pytest.mark.parametrize("column", ["score", "target_score"])
def test_units_with_all_blank_scores_have_no_pass_rate_but_still_render(column):
    blank = UNITS_NOW.assign(**{column: np.nan})
    led, table_for = make_ledgers({("units", NOW): blank})
    view = build_units_view(led, table_for)
    view.score_chart.to_dict()
    if column == "score":
        assert {h.key: h.value_text for h in view.headlines}["unit_pass_rate"] == "—"
        assert view.below_target_total == 0
    else:
        assert view.pass_rule_text == "达标线：80 分。"


def test_district_columns_and_the_district_axis_use_short_names():
    long = DistrictTable((District("高新技术产业开发区", aliases=("高新区",)), District("南港区")))
    units = UNITS_NOW.assign(district=UNITS_NOW["district"].replace("东湖区", "高新技术产业开发区"))
    led, table_for = make_ledgers({("units", NOW): units}, districts=long)
    view = build_units_view(led, table_for)
    for table in (view.below_target, view.units, view.counts):
        assert "高新区" in set(table["区县"]) and "高新技术产业开发区" not in set(table["区县"])
    spec = view.area_level_chart.to_dict()
    assert spec["encoding"]["x"]["sort"] == ["高新区", "南港区"]
    assert {r["area"] for r in next(iter(spec["datasets"].values()))} == {"高新区", "南港区"}
