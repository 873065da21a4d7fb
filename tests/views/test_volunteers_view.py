"""The 志愿者 view, checked against the metric catalogue, a plain groupby and hand counts."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd
import pytest

from civdash.config import Settings
from civdash.dashboard import Filters
from civdash.districts import District, DistrictTable
from civdash.metrics import compute
from civdash.views.volunteers import (
    PARTY_NOTE,
    TEAM_TABLE_SIZE,
    VolunteersView,
    build_volunteers_view,
)
from tests.views.test_units_view import CITY_WIDE, make_ledgers

NOW, BEFORE = date(2026, 11, 15), date(2026, 11, 8)
POPULATION = {"东湖区": 10_000, "南港区": 5_000, "西山区": 2_000}


def volunteers_frame(rows: list[tuple]) -> pd.DataFrame:
    cols = ["volunteer_id", "district", "team", "registered_on", "hours", "is_party_member"]
    frame = pd.DataFrame(rows, columns=cols)
    frame["registered_on"] = pd.to_datetime(frame["registered_on"])
    frame["hours"] = frame["hours"].astype("float64")
    frame["is_party_member"] = frame["is_party_member"].astype(bool)
    frame["name"] = "某某"
    frame["gender"] = "女"
    frame["street"] = "某街道"
    frame["phone"] = "13800001234"
    frame["id_number"] = "339903198611079942"
    frame["star_level"] = pd.array([0] * len(frame), dtype="Int64")
    return frame


#  id   district team        registered     hours  party
VOL_NOW = volunteers_frame(
    [
        ("V1", "东湖区", "湖滨服务队", "2025-01-10", 120.0, True),  # 一星
        ("V2", "东湖区", "湖滨服务队", "2025-03-02", 20.0, False),
        ("V3", "东湖区", "东湖青年队", "2026-10-01", 350.0, True),  # 二星
        ("V4", "东湖区", " ", "2026-11-10", 0.0, False),  # blank team
        ("V5", "南港区", "港口服务队", "2024-06-01", 1600.0, False),  # 五星
        ("V6", "南港区", "港口服务队", "2026-11-12", 5.0, True),
        ("V7", "南港区", "湖滨服务队", "2026-09-01", 80.0, False),  # a team across districts
    ]
)
VOL_BEFORE = VOL_NOW[~VOL_NOW["volunteer_id"].isin(["V4", "V6"])].assign(
    hours=lambda f: f["hours"] - 10
)
TARGETS = pd.DataFrame(
    {
        "metric": ["volunteer_rate", "volunteer_rate", "party_volunteers", "star_volunteers"],
        "district": ["", "南港区", "", ""],
        "target": [0.05, 0.08, 4.0, 3.0],
        "due": pd.to_datetime(["2026-12-31"] * 4),
    }
)


def view_for(filters: Filters = CITY_WIDE, targets: pd.DataFrame = TARGETS, **kw) -> VolunteersView:
    frames = {
        ("volunteers", BEFORE): VOL_BEFORE,
        ("volunteers", NOW): VOL_NOW,
        ("targets", NOW): targets,
    }
    led, table_for = make_ledgers(frames, filters, **kw)
    return build_volunteers_view(led, table_for)


def test_headlines_are_the_catalogue_values_of_the_scope():
    view = view_for()
    cards = {h.key: h for h in view.headlines}
    assert list(cards) == ["volunteer_count", "volunteer_rate", "star_volunteers", "service_hours"]
    rate = compute("volunteer_rate", VOL_NOW, as_of=NOW, population=POPULATION)
    assert cards["volunteer_rate"].value_text == f"{rate:.2f}%" == "0.04%"
    assert cards["volunteer_count"].value_text == "7人"
    assert cards["volunteer_count"].delta_text == "+2人"
    assert cards["star_volunteers"].value_text == "3人"  # V1 V3 V5
    assert cards["star_volunteers"].target_text.endswith("已达标")
    assert cards["service_hours"].value_text == "2,175.0小时"
    assert cards["volunteer_rate"].target_text.startswith("目标 0.05%（2026年12月31日前）")


def test_party_members_are_counted_and_shared_without_inventing_a_party_denominator():
    view = view_for()
    count, share = view.party
    assert count.key == "party_volunteers" and count.value_text == "3人"
    assert count.delta_text == "+1人"  # V6 joined
    assert count.target_text == "目标 4人（2026年12月31日前） · 尚差 1人"
    assert (share.label, share.value_text) == ("党员志愿者占比", "42.9%")
    assert share.delta_text == "+2.9 个百分点"  # 2 of 5 → 3 of 7
    assert share.delta_color == "gray"
    assert "党员总数" in PARTY_NOTE
    by = view.party_by_district.set_index("district")
    assert by.loc["东湖区", "party_volunteers"] == 2 and by.loc["东湖区", "share"] == 50.0
    assert by.loc["南港区", "share"] == pytest.approx(33.3)


def test_rate_per_district_divides_by_population_and_carries_each_districts_target():
    rates = view_for().district_rates
    assert rates is not None
    by = rates.set_index("district")
    assert by.loc["东湖区", "rate"] == 0.04 and by.loc["南港区", "rate"] == 0.06
    assert by.loc["西山区", "volunteers"] == 0 and by.loc["西山区", "rate"] == 0.0
    assert by.loc["南港区", "target"] == 0.08 and by.loc["东湖区", "target"] == 0.05
    assert rates["reached"].dtype == "boolean"
    assert not by.loc["南港区", "reached"] and not by.loc["东湖区", "reached"]
    assert rates["district"].tolist() == ["南港区", "东湖区", "西山区"]  # highest rate first
    expected = compute("volunteer_rate", VOL_NOW, as_of=NOW, population=POPULATION, by="district")
    assert isinstance(expected, pd.DataFrame)
    for d, value in zip(expected["district"], expected["value"], strict=True):
        assert by.loc[d, "rate"] == pytest.approx(round(value, 2))


def test_a_district_view_keeps_every_district_on_the_rate_chart_and_highlights_it():
    view = view_for(Filters("南港区"))
    assert {h.key: h.value_text for h in view.headlines}["volunteer_count"] == "3人"
    assert view.district_rates is not None and len(view.district_rates) == 3
    spec = view.district_rates_chart.to_dict()  # type: ignore[union-attr]
    rows = next(iter(spec["datasets"].values()))
    assert {r["district"]: r["focus"] for r in rows} == {
        "南港区": 1.0,
        "东湖区": 0.35,
        "西山区": 0.35,
    }
    # the city's 4 party volunteers target is a count: it does not apply to one district
    assert view.party[0].target_text == ""


def test_registrations_target_line_turns_the_rate_target_into_people():
    view = view_for()
    assert view.registration_target_text == (
        "目标线：注册志愿者占常住人口 0.05%（2026年12月31日前），按常住人口 17,000 人折合 8 人。"
    )
    spec = view.registrations_chart.to_dict()
    values = [r for rows in spec["datasets"].values() for r in rows if "target" in r]
    assert values[0]["target"] == pytest.approx(8.5)
    south = view_for(Filters("南港区"))
    assert (
        "0.08%" in south.registration_target_text and "5,000 人" in south.registration_target_text
    )


def test_a_volunteer_count_target_is_used_as_it_is():
    count = pd.DataFrame(
        {"metric": ["volunteer_count"], "district": [""], "target": [30.0], "due": [pd.NaT]}
    )
    view = view_for(targets=count)
    assert view.registration_target_text == "目标 30人"


def test_cumulative_registrations_end_at_the_number_of_volunteers():
    spec = view_for().registrations_chart.to_dict()
    line = spec["layer"][0]
    rows = spec["datasets"][line["data"]["name"]]
    assert rows[-1]["total"] == len(VOL_NOW)
    assert [r["total"] for r in rows] == sorted(r["total"] for r in rows)


def test_team_table_matches_a_plain_groupby_and_labels_blank_teams():
    teams = view_for().teams.set_index("team")
    clean = VOL_NOW.assign(team=VOL_NOW["team"].str.strip().replace("", "未填写"))
    expected = clean.groupby("team").agg(
        volunteers=("volunteer_id", "size"),
        hours=("hours", "sum"),
        party=("is_party_member", "sum"),
    )
    for team, row in expected.iterrows():
        assert teams.loc[team, "volunteers"] == row["volunteers"]
        assert teams.loc[team, "hours"] == pytest.approx(row["hours"])
        assert teams.loc[team, "party_volunteers"] == row["party"]
    assert teams.loc["湖滨服务队", "district"] == "东湖区"  # 2 of its 3 volunteers
    assert teams.loc["港口服务队", "star_volunteers"] == 1
    assert teams.loc["港口服务队", "hours_per_volunteer"] == 802.5


def test_top_teams_sort_by_volunteers_or_hours_and_stop_at_n():
    view = view_for()
    assert view.team_count == 4
    assert view.top_teams("volunteers")["志愿服务队"].tolist()[0] == "湖滨服务队"
    by_hours = view.top_teams("hours", 2)
    assert by_hours["志愿服务队"].tolist() == ["港口服务队", "东湖青年队"]
    assert list(by_hours.columns)[:3] == ["志愿服务队", "主要所在区县", "注册人数"]
    chart = view.teams_chart("hours", 2).to_dict()
    rows = next(iter(chart["datasets"].values()))
    assert [r["team"] for r in rows] == ["港口服务队", "东湖青年队"]


def test_no_personal_data_reaches_the_view():
    view = view_for()
    frames = [view.teams, view.top_teams(), view.party_by_district, view.district_rates]
    for frame in frames:
        assert frame is not None
        assert not {"phone", "id_number", "name", "联系电话", "身份证号", "姓名"} & set(
            frame.columns
        )
    charts = [
        view.registrations_chart,
        view.district_rates_chart,
        view.star_chart,
        view.hours_chart,
        view.party_chart,
        view.teams_chart(),
    ]
    text = json.dumps([c.to_dict() for c in charts], ensure_ascii=False)  # type: ignore[union-attr]
    assert "13800001234" not in text and "339903198611079942" not in text and "某某" not in text


def test_a_district_without_volunteers_renders_empty_charts_and_tables():
    view = view_for(Filters("西山区"))
    assert {h.key: h.value_text for h in view.headlines}["volunteer_count"] == "0人"
    assert view.team_count == 0 and view.top_teams().empty
    for chart in (view.registrations_chart, view.star_chart, view.hours_chart, view.teams_chart()):
        chart.to_dict()
    assert view.party[1].value_text == "—"


def test_without_population_there_is_no_rate_card_and_no_rate_chart():
    view = view_for(districts=None)
    assert "volunteer_rate" not in {h.key for h in view.headlines}
    assert view.district_rates is None and view.district_rates_chart is None
    assert view.registration_target_text == ""


def test_star_thresholds_come_from_the_settings():
    view = view_for(settings=Settings(star_thresholds=(10, 50, 100, 500, 1000)))
    rows = view.star_chart.to_dict()
    counts = {r["level"]: r["count"] for r in next(iter(rows["datasets"].values()))}
    assert counts == {"未评星": 2, "一星": 1, "二星": 1, "三星": 2, "四星": 0, "五星": 1}
    assert view.teams.set_index("team").loc["湖滨服务队", "star_volunteers"] == 3


def _big(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "volunteer_id": np.arange(n).astype(str),
            "district": rng.choice(list(POPULATION), n),
            "team": rng.choice([f"服务队{i}" for i in range(800)], n),
            "registered_on": pd.Timestamp("2015-01-01")
            + pd.to_timedelta(rng.integers(0, 4300, n), unit="D"),
            "hours": rng.gamma(1.2, 90, n).round(1),
            "is_party_member": rng.random(n) < 0.3,
        }
    )
    frame["phone"] = "13800001234"
    frame["id_number"] = None
    return frame


def test_a_large_ledger_reaches_the_charts_as_a_few_hundred_rows():
    big = _big(200_000)
    led, table_for = make_ledgers({("volunteers", NOW): big, ("targets", NOW): TARGETS})
    view = build_volunteers_view(led, table_for)
    charts = [view.registrations_chart, view.star_chart, view.hours_chart, view.teams_chart()]
    for chart in charts:
        rows = sum(len(v) for v in chart.to_dict()["datasets"].values())
        assert rows < 500
    assert view.team_count == 800
    assert view.teams["volunteers"].sum() == len(big)
    assert len(view.top_teams()) == TEAM_TABLE_SIZE


def test_charts_and_the_team_table_name_a_long_district_by_its_alias_and_mark_it():
    long = DistrictTable(
        (
            District("东湖区", population=10_000),
            District("南港经济技术开发区", population=5_000, aliases=("南港开发区", "南港区")),
            District("西山区", population=2_000),
        )
    )
    moved = {"南港区": "南港经济技术开发区"}
    frames = {
        ("volunteers", NOW): VOL_NOW.assign(district=VOL_NOW["district"].replace(moved)),
        ("targets", NOW): TARGETS.assign(district=TARGETS["district"].replace(moved)),
    }
    led, table_for = make_ledgers(frames, Filters("南港经济技术开发区"), districts=long)
    view = build_volunteers_view(led, table_for)
    for chart in (view.district_rates_chart, view.party_chart):
        rows = next(iter(chart.to_dict()["datasets"].values()))  # type: ignore[union-attr]
        focus = {r["district"]: r["focus"] for r in rows}
        assert focus["南港区"] == 1.0 and focus["东湖区"] == 0.35  # short, and still highlighted
    assert set(view.teams["district"]) == {"南港区"}  # the district's own teams
