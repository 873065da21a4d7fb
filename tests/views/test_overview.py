"""The 总览 view: 本周变化 counted by hand, headline cards and the hero on hand-made snapshots."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from civdash import palette
from civdash.dashboard import Filters
from civdash.districts import District, DistrictTable
from civdash.maps import render_html
from civdash.views.common import Headline
from civdash.views.overview import (
    HERO_METRIC,
    Card,
    Hero,
    WeekChanges,
    build_overview_view,
    week_changes,
)
from tests.views.test_targets import W1, W2, W3, issues, make_ledgers, targets

BEFORE, NOW = date(2026, 11, 8), date(2026, 11, 15)


def issue_rows(rows: list[tuple[str, str, str | None, str | None, str]]) -> pd.DataFrame:
    """(issue_id, status, deadline, rectified_on, description); all found 11-01 in 南港区."""
    ids, status, deadline, rectified, description = zip(*rows, strict=True)
    n = len(rows)
    return pd.DataFrame(
        {
            "issue_id": list(ids),
            "found_on": pd.to_datetime(["2026-11-01"] * n),
            "district": ["南港区"] * n,
            "location": ["渔港菜市场"] * n,
            "status": list(status),
            "deadline": pd.to_datetime(list(deadline)),
            "rectified_on": pd.to_datetime(list(rectified)),
            "description": list(description),
            "responsible_unit": ["渔港街道办事处"] * n,
        }
    )


@pytest.fixture
def two_weeks() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Last week and this week.

    id  last week (11-08)          this week (11-15)          counts as
    a   待整改, due 11-05: overdue  still overdue              —
    b   待整改, due 11-10           still open: now overdue    新增逾期
    c   已整改                      已销号                     — (closed already)
    d   待整改, no deadline         已整改                     已整改
    e   —                           待整改, due 11-20          新发现
    f   —                           已整改                     新发现, 已整改
    g   —                           待整改, due 11-12          新发现, 新增逾期
    h   —                           无 (no problem recorded)   never counted
    """
    before = issue_rows(
        [
            ("a", "待整改", "2026-11-05", None, "占道经营"),
            ("b", "待整改", "2026-11-10", None, "垃圾堆放"),
            ("c", "已整改", "2026-11-05", "2026-11-04", "路灯不亮"),
            ("d", "待整改", None, None, "广告破损"),
        ]
    )
    now = issue_rows(
        [
            ("a", "待整改", "2026-11-05", None, "占道经营"),
            ("b", "待整改", "2026-11-10", None, "垃圾堆放"),
            ("c", "已销号", "2026-11-05", "2026-11-04", "路灯不亮"),
            ("d", "已整改", None, "2026-11-12", "广告破损"),
            ("e", "待整改", "2026-11-20", None, "车辆乱停"),
            ("f", "已整改", "2026-11-20", "2026-11-13", "井盖缺失"),
            ("g", "待整改", "2026-11-12", None, "投诉人电话13800001234，楼道堆物"),
            ("h", "待整改", "2026-11-12", None, "无"),
        ]
    )
    return before, now


def test_week_changes_counts_new_closed_and_newly_overdue_by_issue_id(two_weeks):
    before, now = two_weeks
    changes = week_changes(now, before, as_of=NOW, previous_as_of=BEFORE)
    assert (changes.new, changes.closed, changes.newly_overdue) == (3, 2, 2)
    table = changes.table
    assert table["变化"].tolist() == [
        "新增逾期",
        "新增逾期",
        "新发现",
        "新发现",
        "新发现",
        "已整改",
        "已整改",
    ]
    by_change = table.groupby("变化")["问题编号"].apply(sorted).to_dict()
    assert by_change == {"新增逾期": ["b", "g"], "新发现": ["e", "f", "g"], "已整改": ["d", "f"]}
    assert changes.compared_text == "11-08 → 11-15"
    overdue = table[table["变化"] == "新增逾期"]
    assert set(overdue["状态"]) == {"逾期"} and set(overdue["整改时限"]) <= {
        "2026-11-10",
        "2026-11-12",
    }


def test_week_changes_masks_phone_numbers_in_descriptions(two_weeks):
    before, now = two_weeks
    table = week_changes(now, before, as_of=NOW, previous_as_of=BEFORE).table
    text = " ".join(table["问题描述"])
    assert "13800001234" not in text
    assert "138****1234" in text


def test_week_changes_in_a_first_week_says_there_is_nothing_to_compare(two_weeks):
    _, now = two_weeks
    changes = week_changes(now, None, as_of=NOW, previous_as_of=None)
    assert (changes.new, changes.closed, changes.newly_overdue) == (0, 0, 0)
    assert changes.table.empty and changes.compared_text == "无上周数据"


def test_week_changes_table_is_capped_with_the_most_urgent_first(two_weeks):
    before, now = two_weeks
    changes = week_changes(now, before, as_of=NOW, previous_as_of=BEFORE, limit=3)
    assert changes.table["变化"].tolist() == ["新增逾期", "新增逾期", "新发现"]
    assert changes.new == 3  # the counts are not capped


# ---------------------------------------------------------------- the view


def test_hero_is_the_close_rate_with_its_change_target_and_projection():
    frames = {("issues", d): issues(r, 10) for d, r in ((W1, 5), (W2, 6), (W3, 7))}
    frames["targets", W1] = targets(("issue_close_rate", "", 90, "2026-12-31"))
    led, table_for = make_ledgers(frames)
    view = build_overview_view(led, table_for)
    assert view.hero is not None
    h = view.hero.card.headline
    assert (h.key, h.value_text, h.delta_text, h.compared_with) == (
        HERO_METRIC, "70.0%", "+10.0 个百分点", "较11月8日"
    )  # fmt: skip
    assert h.delta_color == "green"
    assert view.hero.card.trend == (50.0, 60.0, 70.0)
    assert view.hero.target_status == "可按期完成"
    assert view.hero.projection == "按当前进度可按期完成：预计2026年11月29日达标"
    assert HERO_METRIC not in [c.headline.key for c in view.cards]
    assert [c.headline.key for c in view.cards] == ["issue_on_time_rate", "overdue_issues"]
    assert view.missing == ("志愿者", "创建单位")
    assert view.map is None  # no boundaries
    assert view.progress_chart is not None


def test_cards_say_there_is_no_last_week_in_a_first_week():
    led, table_for = make_ledgers({("issues", W3): issues(5, 10)})
    view = build_overview_view(led, table_for)
    assert view.hero is not None
    assert view.hero.card.headline.compared_with == ""
    assert "无上周数据" in view.hero.html()
    assert view.changes is not None and view.changes.previous_as_of is None
    assert view.progress_chart is None


def test_district_filter_narrows_cards_changes_and_target():
    frames = {
        ("issues", d): pd.concat([issues(r, 10), issues(3, 10, "南港区", start=100)])
        for d, r in ((W2, 6), (W3, 8))
    }
    frames["targets", W1] = targets(
        ("issue_close_rate", "", 90, None), ("issue_close_rate", "南港区", 85, None)
    )
    led, table_for = make_ledgers(frames, Filters("南港区"))
    view = build_overview_view(led, table_for)
    assert view.hero is not None
    assert view.hero.card.value_text == "30.0%"
    assert view.hero.card.headline.target_text.startswith("目标 85.0%")
    assert view.hero.scope == "南港区"
    overdue = next(c for c in view.cards if c.headline.key == "overdue_issues")
    assert overdue.value_text == "0个"
    assert [t.name for t in view.targets] == ["南港区·问题整改率"]


def test_large_counts_are_shown_in_wan_on_cards():
    vols = pd.DataFrame(
        {
            "volunteer_id": ["V1", "V2"],
            "district": ["东湖区", "南港区"],
            "hours": [1_500_000.0, 1_275_006.5],
            "is_party_member": [True, False],
            "registered_on": pd.to_datetime(["2026-01-01", "2026-02-01"]),
        }
    )
    led, table_for = make_ledgers({("volunteers", W3): vols, ("issues", W3): issues(1, 2)})
    view = build_overview_view(led, table_for)
    cards = {c.headline.key: c for c in view.cards}
    # one 万 rule everywhere (civdash.numbers): whole 万 from 100万 on, on 志愿者 as here
    assert cards["service_hours"].value_text == "278万小时"
    assert cards["volunteer_rate"].label == "志愿者注册率"
    assert cards["volunteer_rate"].value_text == "0.01%"


def test_overview_map_is_offline_and_follows_the_district_filter():
    square = {
        "东湖区": [[120.0, 30.0], [120.1, 30.0], [120.1, 30.1], [120.0, 30.1], [120.0, 30.0]],
        "南港区": [[120.1, 30.0], [120.2, 30.0], [120.2, 30.1], [120.1, 30.1], [120.1, 30.0]],
    }
    table = DistrictTable(
        tuple(
            District(n, population=p, geometry={"type": "Polygon", "coordinates": [square[n]]})
            for n, p in (("东湖区", 10_000), ("南港区", 5_000))
        )
    )
    frames = {("issues", W3): pd.concat([issues(5, 10), issues(3, 10, "南港区", start=100)])}
    led, table_for = make_ledgers(frames, Filters("南港区"))
    led = type(led)(led.filters, led.snapshots, led.previous, led.frames, led.previous_frames,
                    led.history, table, led.settings)  # fmt: skip
    view = build_overview_view(led, table_for)
    assert view.map is not None
    page = render_html(view.map)
    assert "南港区" in page and "东湖区" not in page  # without the whole snapshot: only its shape
    assert "https://" not in page.replace("https://leafletjs.com", "")

    whole = {led.snapshots["issues"].id: frames["issues", W3]}
    view = build_overview_view(led, table_for, whole.__getitem__)
    assert view.map is not None
    page = render_html(view.map)
    assert "东湖区：50.0%" in page and "南港区：30.0%" in page  # every district, coloured
    assert "[[30.0, 120.1], [30.1, 120.2]]" in page  # zoomed to 南港区


def test_hero_html_escapes_every_text():
    hostile = "<img src=x onerror=alert(1)>"
    headline = Headline(
        key=HERO_METRIC, label="问题整改率", value_text="87.6%", delta_text="+0.5 个百分点",
        delta_color="green", delta_arrow="up", compared_with="较11月8日", help="",
        target_text=f"目标 {hostile}", on_target=False,
    )  # fmt: skip
    hero = Hero(Card(headline, "问题整改率", "87.6%", "", ()), hostile, "可按期完成", hostile)
    page = hero.html()
    assert "<img" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "87.6%" in page and "↑ +0.5 个百分点" in page


def _card(key: str, trend: tuple[float, ...], *, delta_color: str = "green") -> Card:
    headline = Headline(
        key=key, label=key, value_text="", delta_text="", delta_color=delta_color,  # type: ignore[arg-type]
        delta_arrow="down", compared_with="较11月8日", help="", target_text="", on_target=None,
    )  # fmt: skip
    return Card(headline, key, "", "", trend)


def test_a_sparkline_is_coloured_by_its_own_trend_not_by_the_weeks_change():
    # 逾期未整改问题数 fell this week (a green change) after rising for months: the line is red
    overdue = _card("overdue_issues", (120.0, 150.0, 179.0, 169.0), delta_color="green")
    assert overdue.trend_color == palette.BAD
    assert f'stroke="{palette.BAD}"' in overdue.sparkline
    # 已命名单位数 fell this week (a red change) after rising: the line is green
    named = _card("named_units", (300.0, 320.0, 334.0, 331.0), delta_color="red")
    assert named.trend_color == palette.GOOD
    assert f'stroke="{palette.GOOD}"' in named.sparkline


def test_a_flat_or_single_point_trend_is_grey_and_a_lone_point_draws_no_line():
    assert _card("overdue_issues", (5.0, 5.0)).trend_color == palette.LIGHT_GREY
    lone = _card("overdue_issues", (5.0,))
    assert lone.trend_color == palette.LIGHT_GREY and lone.sparkline == ""


def test_the_sparkline_is_an_inline_svg_with_no_script_and_no_request():
    svg = _card("named_units", (1.0, 3.0, 2.0)).sparkline
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count(",") == 3  # three points
    assert "<script" not in svg and "href" not in svg


def test_the_week_counts_are_written_with_separators():
    frame = pd.DataFrame(columns=["变化"])
    changes = WeekChanges(NOW, BEFORE, new=12_345, closed=7, newly_overdue=0, table=frame)
    assert changes.counts == (
        ("新增逾期问题", "0个"),
        ("新发现问题", "12,345个"),
        ("已整改问题", "7个"),
    )
