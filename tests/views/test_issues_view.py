"""问题整改 view: headline numbers, the overdue list, charts and the 红黑榜 on the sample city.

The ledgers are the simulated truth of the sample city (ten weekly issue snapshots), so the
storyline of civdash/sample/README.md holds: 港口街道办事处, 渔港街道办事处 and 市住建局 are on the
black list every week.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd
import pytest

from civdash import palette, sample
from civdash.config import Settings
from civdash.dashboard import Filters, Ledgers, load_ledgers, metric_table
from civdash.districts import DistrictTable
from civdash.metrics import compute, format_value, red_black_list
from civdash.store import SnapshotInfo
from civdash.views.issues import (
    OVERDUE_LIMIT,
    IssuesView,
    ListRule,
    build_issues_view,
    overdue_table,
    unit_lists,
)
from tests.snapshots import snapshot_info

AS_OF = sample.END_DATE
LATE_UNITS = ("港口街道办事处", "渔港街道办事处", "市住建局")


class _City:
    """Weekly issue snapshots of the simulated sample city behind a store-like loader."""

    def __init__(self) -> None:
        sim = sample.simulate()
        self.districts = DistrictTable.from_geojson(sample.districts_geojson())
        self.frames: dict[int, pd.DataFrame] = {}
        self.snapshots: list[SnapshotInfo] = []
        for day in sample.as_of_dates():
            frame = sim.issues_at(day).drop(columns="deadline_text")
            for col in ("found_on", "deadline", "rectified_on"):
                frame[col] = pd.to_datetime(frame[col])
            self._add("issues", day, frame)

    def _add(self, kind: str, day: date, frame: pd.DataFrame) -> None:
        sid = len(self.snapshots) + 1
        self.frames[sid] = frame
        self.snapshots.append(snapshot_info(sid, kind, day, current=day == AS_OF, rows=len(frame)))

    def load(self, sid: int) -> pd.DataFrame:
        return self.frames[sid]

    def ledgers(self, district: str | None = None, as_of: date | None = None) -> Ledgers:
        return load_ledgers(
            self.snapshots, self.load, Filters(district, as_of), districts=self.districts
        )

    def table_for(self, snap: SnapshotInfo) -> pd.DataFrame:
        return metric_table(
            snap.kind,
            self.load(snap.id),
            as_of=snap.as_of,
            population=self.districts.population(),
        )


@pytest.fixture(scope="module")
def city() -> _City:
    return _City()


def _view(city: _City, rule: ListRule | None = None, district: str | None = None) -> IssuesView:
    led = city.ledgers(district)
    rule = rule or ListRule()
    return build_issues_view(led, city.table_for, rule=rule, lists=unit_lists(led, city.load, rule))


def _history(city: _City, district: str | None = None) -> dict[date, pd.DataFrame]:
    out = {}
    for s in city.snapshots:
        frame = city.load(s.id)
        out[s.as_of] = frame if district is None else frame[frame["district"] == district]
    return out


def _black(table: pd.DataFrame) -> set[str]:
    return set(table.loc[table["list"] == "黑榜", "unit"])


def test_headlines_match_the_catalogue_and_compare_with_last_week(city):
    view = _view(city)
    issues = city.ledgers().frame("issues")
    cards = {h.key: h for h in view.headlines}
    assert list(cards) == [
        "issue_count",
        "issue_close_rate",
        "issue_on_time_rate",
        "overdue_issues",
    ]
    for key, card in cards.items():
        value = compute(key, issues, as_of=AS_OF)
        assert card.value_text == format_value(key, value)  # type: ignore[arg-type]
    assert view.as_of == AS_OF
    assert view.previous_as_of == date(2026, 11, 8)
    assert cards["issue_count"].compared_with == "较11月8日"


def test_lists_are_red_black_list_of_the_snapshot_with_its_history(city):
    rule = ListRule("rank", top_n=3, bottom_n=4)
    led = city.ledgers()
    expected = red_black_list(
        led.frame("issues"), AS_OF, top_n=3, bottom_n=4, history=_history(city)
    )
    pd.testing.assert_frame_equal(unit_lists(led, city.load, rule), expected)


def test_repeatedly_late_units_are_black_listed_for_weeks_in_a_row(city):
    view = _view(city)
    black = view.lists.set_index("unit")
    for unit in LATE_UNITS:
        assert black.loc[unit, "list"] == "黑榜"
        assert black.loc[unit, "black_streak"] >= 3
    shown = view.black.set_index("责任单位")
    assert shown.loc["港口街道办事处", "连续上黑榜周数"] >= 3
    assert view.history_weeks == 10


def test_threshold_rule_lists_what_red_black_list_says(city):
    rule = ListRule("threshold", red_at=95.0, black_below=80.0)
    view = _view(city, rule)
    expected = red_black_list(
        city.ledgers().frame("issues"), AS_OF, rule="threshold", red_at=95.0, black_below=80.0
    )
    assert set(view.red["责任单位"]) == set(expected.loc[expected["list"] == "红榜", "unit"])
    assert set(view.black["责任单位"]) == _black(expected)
    assert view.rule.text == "整改率≥95%上红榜，低于80%上黑榜"


def test_switching_the_rule_changes_the_lists(city):
    by_rank = _view(city, ListRule("rank", top_n=5, bottom_n=5))
    by_threshold = _view(city, ListRule("threshold", red_at=90.0, black_below=85.0))
    assert len(by_rank.red) == 5 and len(by_rank.black) == 5
    assert len(by_threshold.red) > 5
    assert _black(by_rank.lists) < _black(by_threshold.lists)


def test_black_list_is_shown_worst_first_and_red_list_best_first(city):
    view = _view(city)
    assert view.black["排名"].is_monotonic_decreasing
    assert view.red["排名"].tolist() == [1, 2, 3, 4, 5]
    assert view.black["责任单位"].iloc[0] == "港口街道办事处"


def test_district_scope_narrows_lists_and_history(city):
    view = _view(city, district="南港区")
    led = city.ledgers("南港区")
    expected = red_black_list(led.frame("issues"), AS_OF, history=_history(city, "南港区"))
    pd.testing.assert_frame_equal(view.lists, expected)
    assert view.scope == "南港区"


def test_rule_defaults_come_from_settings():
    rule = ListRule.from_settings(Settings(red_list_size=3, black_list_size=7))
    assert (rule.rule, rule.top_n, rule.bottom_n) == ("rank", 3, 7)
    assert rule.text.startswith("整改率排名前3名上红榜，后7名上黑榜")
    assert "少于5个" in ListRule(min_issues=5).text


def test_overdue_list_counts_every_overdue_issue_longest_first(city):
    view = _view(city)
    issues = city.ledgers().frame("issues")
    assert view.overdue_total == compute("overdue_issues", issues, as_of=AS_OF)
    assert len(view.overdue) == min(view.overdue_total, OVERDUE_LIMIT)
    days = view.overdue["逾期天数"]
    assert days.is_monotonic_decreasing and (days > 0).all()
    first = view.overdue.iloc[0]
    assert (pd.Timestamp(AS_OF) - pd.Timestamp(first["整改时限"])).days == first["逾期天数"]
    assert {"责任单位", "问题描述", "整改时限", "逾期天数"} <= set(view.overdue.columns)


def test_overdue_list_masks_phone_and_id_numbers_in_free_text(city):
    led = city.ledgers()
    issues = led.frame("issues").copy()
    late = issues.index[issues["status"] == "待整改"][0]
    issues.loc[late, ["deadline", "description", "location"]] = [
        pd.Timestamp("2026-11-01"),
        "市民投诉：电话13800001234，身份证339901199001011234",
        "<b>渔港菜市场</b>",
    ]
    view = build_issues_view(
        replace(led, frames={**led.frames, "issues": issues}),
        city.table_for,
        rule=ListRule(),
        lists=pd.DataFrame(),
    )
    row = view.overdue[view.overdue["问题编号"] == issues.loc[late, "issue_id"]].iloc[0]
    assert row["问题描述"] == "市民投诉：电话138****1234，身份证339901********1234"
    assert row["具体点位"] == "<b>渔港菜市场</b>"  # plain text for st.dataframe, never HTML


def test_charts_are_built_from_aggregated_rows(city):
    view = _view(city)
    for chart in (view.status_by_week, view.new_vs_closed, view.aging, view.lists_chart):
        spec = chart.to_dict()
        rows = sum(len(v) for v in spec.get("datasets", {}).values())
        assert 0 < rows < 200
    assert [name for name, _ in view.breakdowns] == ["问题类别", "点位类型", "问题来源"]


def test_overdue_by_point_type_counts_every_overdue_issue_in_the_overdue_red(city):
    view = _view(city)
    spec = view.overdue_by_point_type.to_dict()
    rows = next(iter(spec["datasets"].values()))
    assert sum(r["count"] for r in rows) == view.overdue_total
    assert spec["layer"][0]["mark"]["color"] == palette.OVERDUE_COLOR
    assert spec["layer"][0]["title"]["text"] == "逾期未整改问题（按点位类型）"


def test_red_black_list_is_only_computed_when_read(city):
    calls: list[int] = []
    led = city.ledgers()

    def lists() -> pd.DataFrame:
        calls.append(1)
        return unit_lists(led, city.load, ListRule())

    view = build_issues_view(led, city.table_for, rule=ListRule(), lists=lists)
    _ = view.status_by_week, view.overdue
    assert calls == []
    assert len(view.red) == 5 and len(view.black) == 5
    assert calls == [1]


@pytest.mark.parametrize("district", ["南港区", "城关区"])
def test_headline_close_rate_of_a_district_is_that_districts(city, district):
    view = _view(city, district=district)
    issues = city.ledgers(district).frame("issues")
    card = next(h for h in view.headlines if h.key == "issue_close_rate")
    assert card.value_text == format_value(
        "issue_close_rate",
        compute("issue_close_rate", issues, as_of=AS_OF),  # type: ignore[arg-type]
    )


def test_the_overdue_tables_narrow_district_column_uses_short_names(city):
    view = _view(city)
    shown = set(view.overdue["区县"])
    assert "高新区" in shown and "高新技术产业开发区" not in shown  # the sample's alias
    full, total = overdue_table(city.ledgers().frame("issues"), view.as_of)
    assert total == view.overdue_total
    assert "高新技术产业开发区" in set(full["区县"])  # the table other outputs take is unchanged
