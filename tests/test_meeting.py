"""The 周例会 deck: its slides, numbers, week-over-week dates and escaping, on the sample city
and on hand-made snapshots; 报送情况 (未按时报送的区县) on a store of district parts."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from civdash import palette
from civdash.dashboard import Filters, Ledgers, load_ledgers, metric_table
from civdash.meeting import (
    SLIDE_ROWS,
    Deck,
    build_deck,
    build_reporting,
    district_map_chart,
    district_rates,
)
from civdash.metrics import compute, format_value
from civdash.names import short_names
from civdash.slides import slide_html, split_number
from civdash.store import LOCAL_TZ, SnapshotInfo, Store
from civdash.toolkit import ledgers_at
from civdash.views.common import cn_date
from civdash.views.issues import ListRule, unit_lists
from tests.store.helpers import ledger_result, ledger_rows
from tests.views.test_targets import DISTRICTS, make_ledgers

HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def store(sample_home: Path) -> Store:
    return Store(f"sqlite:///{(sample_home / 'civdash.sqlite').as_posix()}")


def _table_for(store: Store):  # type: ignore[no-untyped-def]
    population = store.districts().population()  # type: ignore[union-attr]

    def table_for(snap: SnapshotInfo) -> pd.DataFrame:
        return metric_table(snap.kind, store.load(snap.id), as_of=snap.as_of, population=population)

    return table_for


def _deck(store: Store, **where: object) -> tuple[Deck, Ledgers]:
    led = ledgers_at(store, **where)  # type: ignore[arg-type]
    deck = build_deck(led, _table_for(store), store.load)
    assert deck is not None
    return deck, led


@pytest.fixture(scope="module")
def city(store: Store) -> tuple[Deck, Ledgers]:
    return _deck(store)


def test_slides_follow_the_meeting_order(city: tuple[Deck, Ledgers]) -> None:
    deck, _ = city
    keys = [s.key for s in deck.slides]
    assert keys[:6] == ["headline", "submissions", "targets", "changes", "lists", "map"]
    assert keys[-2:] == ["assessments", "volunteers"]  # 测评 after the issues behind its losses
    lagging = keys[6:-2]
    assert lagging and all(k.startswith("district:") for k in lagging)
    # the sample city's storyline: 南港区 lags the most
    assert lagging[0] == "district:南港区"
    assert all(s.message for s in deck.slides)


def test_headline_numbers_are_the_metrics_of_the_snapshot_in_force(
    city: tuple[Deck, Ledgers], store: Store
) -> None:
    deck, led = city
    issues = led.frame("issues")
    as_of = led.snapshots["issues"].as_of
    numbers = {n.label: n for n in deck.slides[0].numbers}
    rate = compute("issue_close_rate", issues, as_of=as_of)
    overdue = compute("overdue_issues", issues, as_of=as_of)
    assert numbers["问题整改率"].value == format_value("issue_close_rate", float(rate))  # type: ignore[arg-type]
    assert numbers["问题整改率"].hero
    assert numbers["逾期未整改问题数"].value == format_value("overdue_issues", float(overdue))  # type: ignore[arg-type]
    before = store.load(led.previous["issues"].id)
    prev_rate = float(compute("issue_close_rate", before, as_of=led.previous["issues"].as_of))  # type: ignore[arg-type]
    delta = float(rate) - prev_rate  # type: ignore[arg-type]
    assert f"{abs(delta):.1f} 个百分点" in numbers["问题整改率"].delta
    assert numbers["问题整改率"].tone == ("good" if delta > 0 else "bad")


def test_week_over_week_compares_with_the_snapshot_a_week_earlier_and_says_so(
    city: tuple[Deck, Ledgers],
) -> None:
    deck, _ = city
    assert deck.previous_as_of == deck.as_of - timedelta(days=7)
    assert deck.compared_text == f"对比{cn_date(deck.previous_as_of)}与{cn_date(deck.as_of)}"
    changes = deck.slide("changes")
    assert changes is not None
    span = f"{deck.previous_as_of.month}月{deck.previous_as_of.day}日至{deck.as_of.month}月{deck.as_of.day}日"
    assert changes.message.startswith(span)


def test_a_first_week_has_no_comparison_and_no_crash(store: Store) -> None:
    first = min(s.as_of for s in store.snapshots() if s.kind == "issues")
    deck, _ = _deck(store, as_of=first)
    assert deck.previous_as_of is None
    assert "暂无上周对比" in deck.compared_text
    assert all(n.delta == "无上周数据" for n in deck.slides[0].numbers)
    changes = deck.slide("changes")
    assert changes is not None and "首期" in changes.message and not changes.tables


def test_the_red_black_slide_is_the_list_with_its_streaks(
    city: tuple[Deck, Ledgers], store: Store
) -> None:
    deck, led = city
    lists = unit_lists(led, store.load, ListRule.from_settings(led.settings))
    slide = deck.slide("lists")
    assert slide is not None
    red, black = slide.tables
    assert set(red.frame["责任单位"]) == set(lists.loc[lists["list"] == "红榜", "unit"])
    assert set(black.frame["责任单位"]) == set(lists.loc[lists["list"] == "黑榜", "unit"])
    streaks = dict(zip(lists["unit"], lists["black_streak"], strict=True))
    for unit, weeks in zip(black.frame["责任单位"], black.frame["连续上黑榜"], strict=True):
        assert weeks == f"{streaks[unit]}周"
    longest = max(streaks[u] for u in black.frame["责任单位"])
    assert longest >= 2 and f"连续{longest}周" in slide.message
    assert slide.footnote.startswith("规则：整改率排名前")


def test_a_district_deck_is_the_same_deck_for_one_district(store: Store) -> None:
    deck, led = _deck(store, district="南港区")
    assert deck.scope == "南港区" and deck.title.startswith("南港区")
    keys = [s.key for s in deck.slides]
    assert keys.count("district:南港区") == 1 and not any(
        k.startswith("district:") and k != "district:南港区" for k in keys
    )
    changes = deck.slide("changes")
    assert changes is not None and changes.tables
    assert set(changes.tables[0].frame["区县"]) == {"南港区"}
    assert set(deck.tables["逾期问题明细"]["区县"]) == {"南港区"}
    mapped = deck.slide("map")
    assert mapped is not None and mapped.message.startswith("南港区整改率")
    assert mapped.chart is not None
    shapes = mapped.chart.to_dict()["layer"][0]["data"]["values"]
    assert [f["properties"]["name"] for f in shapes if f["properties"]["chosen"]] == ["南港区"]
    # the map still shows every district, so the chosen one is seen among the others
    assert len(district_rates(led, _table_for(store))) == len(store.districts().names)  # type: ignore[union-attr]


def test_slide_tables_fit_the_projector_and_the_workbook_keeps_everything(
    city: tuple[Deck, Ledgers],
) -> None:
    deck, led = city
    for slide in deck.slides:
        for table in slide.tables:
            assert len(table.frame) <= SLIDE_ROWS
    overdue = deck.tables["逾期问题明细"]
    as_of = led.snapshots["issues"].as_of
    assert len(overdue) == compute("overdue_issues", led.frame("issues"), as_of=as_of)
    by_unit = deck.tables["逾期问题（按责任单位）"]
    assert by_unit["逾期问题数"].sum() == len(overdue)
    assert overdue["逾期天数"].is_monotonic_decreasing


def test_the_summary_is_written_from_the_numbers(city: tuple[Deck, Ledgers]) -> None:
    deck, _ = city
    hero = deck.slides[0].numbers[0]
    assert deck.summary.startswith(f"截至{cn_date(deck.as_of)}，全市问题整改率为{hero.value}")
    changes = deck.slide("changes")
    assert changes is not None
    new, closed = (n.value for n in changes.numbers[1:])
    assert f"本周新发现问题{new}" in deck.summary and f"已整改{closed}" in deck.summary


def test_the_map_is_every_district_with_rings_wound_for_vega(
    city: tuple[Deck, Ledgers], store: Store
) -> None:
    _, led = city
    rates = district_rates(led, _table_for(store))
    chart = district_map_chart(led, rates)
    assert chart is not None
    spec = chart.to_dict()
    features = spec["layer"][0]["data"]["values"]
    assert {f["properties"]["name"] for f in features} == set(store.districts().names)  # type: ignore[union-attr]

    def area(ring: list[list[float]]) -> float:
        return sum(
            a[0] * b[1] - b[0] * a[1] for a, b in zip(ring, [*ring[1:], ring[0]], strict=True)
        )

    for f in features:
        polygons = f["geometry"]["coordinates"]
        if f["geometry"]["type"] == "Polygon":
            polygons = [polygons]
        for rings in polygons:
            assert area(rings[0]) < 0  # outer ring clockwise: d3 reads it as the district
    labels = (
        spec["layer"][1]["data"]["values"] if "values" in spec["layer"][1].get("data", {}) else None
    )
    named = {
        r["label"].split("\n")[0]
        for r in (labels or spec["datasets"][spec["layer"][1]["data"]["name"]])
    }
    # a label inside a shape: each district by its short name (高新技术产业开发区 as 高新区)
    assert named == set(short_names(store.districts()).values())
    assert "高新区" in named


# ---------------------------------------------------------------- hand-made snapshots

W1, W2 = date(2026, 11, 8), date(2026, 11, 15)


def _issues(description: str, unit: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "issue_id": ["Q1", "Q2"],
            "found_on": pd.to_datetime(["2026-10-01", "2026-10-01"]),
            "district": ["东湖区", "东湖区"],
            "location": [HOSTILE, "菜市场"],
            "status": ["待整改", "已整改"],
            "deadline": pd.to_datetime(["2026-10-10", "2026-10-10"]),
            "rectified_on": pd.to_datetime([None, "2026-10-05"]),
            "description": [description, "占道经营"],
            "responsible_unit": [unit, "城管局"],
        }
    )


def test_cell_text_is_escaped_and_personal_data_masked_on_every_slide() -> None:
    frames = {
        ("issues", W1): _issues("占道经营", "=HYPERLINK(1)"),
        ("issues", W2): _issues(f"投诉人13800001234 {HOSTILE}", f"{HOSTILE}局"),
    }
    led, table_for = make_ledgers(frames, Filters("东湖区"))
    deck = build_deck(led, table_for, lambda sid: list(frames.values())[sid - 1])
    assert deck is not None
    pages = "".join(slide_html(deck, i) for i in range(len(deck.slides)))
    assert "&lt;img src=x onerror=alert(1)&gt;" in pages
    assert "<img" not in pages
    assert "13800001234" not in pages and "138****1234" in pages
    detail = deck.tables["逾期问题明细"]["问题描述"].tolist()
    assert detail == [f"投诉人138****1234 {HOSTILE}"]  # whole in the workbook, masked
    # stored text is kept verbatim: only what is shown is escaped
    district = deck.slide("district:东湖区")
    assert district is not None
    assert district.tables[0].frame["责任单位"].tolist() == [f"{HOSTILE}局"]


def test_ledgers_not_imported_are_left_out_and_named() -> None:
    frames = {
        ("issues", W1): _issues("占道经营", "城管局"),
        ("issues", W2): _issues("占道经营", "城管局"),
    }
    led, table_for = make_ledgers(frames)
    deck = build_deck(led, table_for, lambda sid: list(frames.values())[sid - 1])
    assert deck is not None
    assert deck.slide("volunteers") is None
    assert set(deck.missing) == {"志愿者", "创建单位"}
    assert (
        build_deck(make_ledgers({("targets", W1): pd.DataFrame()})[0], table_for, frames.get)
        is None
    )  # type: ignore[arg-type]


def test_split_number_keeps_digits_big_and_the_unit_small() -> None:
    assert split_number("278万小时") == ("278", "万小时")
    assert split_number("87.6%") == ("87.6", "%")
    assert split_number("6,013人") == ("6,013", "人")
    assert split_number("−9个") == ("−9", "个")
    assert split_number("—") == ("—", "")


@pytest.mark.parametrize(
    "color", [palette.GOOD_TEXT, palette.BAD_TEXT, palette.TEXT, palette.MUTED_TEXT]
)
def test_slide_text_colours_have_contrast_for_a_projector(color: str) -> None:
    assert palette.contrast_ratio(color, "#FFFFFF") >= 4.5


def test_contrast_ratio_is_wcag() -> None:
    assert math.isclose(palette.contrast_ratio("#000000", "#FFFFFF"), 21.0)
    assert math.isclose(palette.contrast_ratio("#777777", "#FFFFFF"), 4.48, abs_tol=0.01)


def test_the_workbook_has_every_target_with_its_status_and_every_change(
    city: tuple[Deck, Ledgers],
) -> None:
    deck, _ = city
    targets = deck.tables["目标进度"]
    slide = deck.slide("targets")
    assert slide is not None
    at_risk = targets[targets["状态"] == "按当前进度无法按期完成"]
    assert f"{len(at_risk)} 项目标" in slide.message
    assert len(targets) >= len(at_risk) > SLIDE_ROWS  # the slide shows six, the workbook all
    changes = deck.slide("changes")
    assert changes is not None
    counts = deck.tables["本周变化"]["变化"].value_counts()
    for number in changes.numbers:
        assert f"{counts.get(number.label, 0):,}个" == number.value


def test_a_store_with_only_volunteers_gets_the_slides_it_can_fill(store: Store) -> None:
    snaps = sorted(store.snapshots("volunteers"), key=lambda s: s.as_of)[-2:]
    frames = {("volunteers", s.as_of): store.load(s.id) for s in snaps}
    led, table_for = make_ledgers(frames)
    deck = build_deck(led, table_for, {1: frames[("volunteers", snaps[0].as_of)]}.get)  # type: ignore[arg-type]
    assert deck is not None
    assert [s.key for s in deck.slides] == ["headline", "submissions", "targets", "volunteers"]
    assert set(deck.missing) == {"问题整改", "创建单位"}
    assert "问题整改率" not in {n.label for n in deck.slides[0].numbers}
    assert "".join(slide_html(deck, i) for i in range(len(deck.slides)))


# ---------------------------------------------------------------- 报送情况: district parts

DUE = datetime(2026, 11, 13, 17, 0, tzinfo=LOCAL_TZ)
"""The week's deadline for an as-of date of 2026-11-13 (a Friday): 17:00 that day."""
PART_DAY = date(2026, 11, 13)


def commit_part(
    store: Store, district: str, at: datetime, *, n: int = 3, as_of: date = PART_DAY
) -> int:
    """`district`'s volunteers part (as of 11月13日), committed by its clerk at `at`."""
    rows = ledger_rows("volunteers", n)
    rows["district"] = district
    rows["name"] = [f"{district}志愿者{i}" for i in range(n)]
    result = ledger_result(
        "volunteers", rows, as_of=as_of, file_name=f"{district}.xlsx", rows_invalid=0
    )
    outcome = store.commit(
        result,
        f"{district}{at.isoformat()}".encode(),
        committed_by=f"{district}填报员",
        role="district",
        district=district,
        committed_at=at.astimezone(UTC),  # the store keeps UTC (SQLite drops the offset)
    )
    return outcome.snapshot.id


def parts_store(tmp_path: Path, *, late_at: datetime | None) -> Store:
    """东湖区 and 南港区 (tests.views.test_targets.DISTRICTS) each send their volunteers part:
    东湖区 on Thursday, 南港区 at `late_at` (None: on Thursday too)."""
    store = Store(f"sqlite:///{(tmp_path / 'parts.sqlite').as_posix()}")
    store.commit_districts(DISTRICTS, b"districts", file_name="districts.json")
    thursday = datetime(2026, 11, 12, 10, 0, tzinfo=LOCAL_TZ)
    commit_part(store, "东湖区", thursday)
    commit_part(store, "南港区", late_at or thursday + timedelta(hours=1))
    return store


def parts_deck(store: Store, district: str | None = None) -> Deck:
    led = load_ledgers(
        store.snapshots(), store.load, Filters(district), districts=store.districts()
    )
    population = DISTRICTS.population()

    def table_for(snap: SnapshotInfo) -> pd.DataFrame:
        return metric_table(snap.kind, store.load(snap.id), as_of=snap.as_of, population=population)

    deck = build_deck(led, table_for, store.load, store=store)
    assert deck is not None
    return deck


LATE_AT = datetime(2026, 11, 14, 9, 30, tzinfo=LOCAL_TZ)


def test_a_district_that_sent_its_part_after_the_deadline_is_on_the_slide(tmp_path: Path) -> None:
    deck = parts_deck(parts_store(tmp_path, late_at=LATE_AT))
    assert [s.key for s in deck.slides][:2] == ["headline", "submissions"]
    slide = deck.slide("submissions")
    assert slide is not None
    assert slide.title == "未按时报送的区县"
    assert slide.message == "截止11月13日（周五）17:00，南港区迟报。"
    assert slide.tone == "bad"
    (table,) = slide.tables
    assert table.frame.to_dict("records") == [
        {
            "区县": "南港区",
            "未报送": "—",
            "迟报": "志愿者",
            "报送时间": "11月14日 09:30",
            "报送人": "南港区填报员",
        }
    ]
    assert [(n.label, n.value) for n in slide.numbers] == [
        ("按时报送", "1个区县"),
        ("迟报", "1个区县"),
        ("未报送", "0个区县"),
    ]
    assert slide.footnote == "报送截止：11月13日（周五）17:00"
    assert "未按时报送的区县" in slide_html(deck, 1) and "南港区填报员" in slide_html(deck, 1)
    sheet = deck.tables["报送情况"]
    assert sheet.set_index("区县")["状态"].to_dict() == {"东湖区": "按时报送", "南港区": "迟报"}


def test_the_deck_says_which_parts_the_ledger_in_force_is_made_of(tmp_path: Path) -> None:
    deck = parts_deck(parts_store(tmp_path, late_at=LATE_AT))
    assert deck.reporting is not None
    assert deck.reporting.source_line == (
        "数据来源：志愿者台账由各区县报送汇总（数据均截至11月13日）："
        "东湖区（东湖区填报员）、南港区（南港区填报员）。"
    )
    assert deck.reporting.ledger_lines() == [
        "志愿者台账：南港区迟报（11月14日 09:30，南港区填报员报送）。"
    ]


def test_when_every_district_sent_on_time_the_slide_says_so_in_one_line(tmp_path: Path) -> None:
    deck = parts_deck(parts_store(tmp_path, late_at=None))
    slide = deck.slide("submissions")
    assert slide is not None
    assert slide.message == "各区县均按时报送本周台账（截止11月13日（周五）17:00）。"
    assert slide.tone == "good"
    assert not slide.tables and not slide.numbers and not slide.footnote
    assert deck.reporting is not None and deck.reporting.on_time


def test_a_district_that_sent_nothing_this_week_is_missing(tmp_path: Path) -> None:
    store = parts_store(tmp_path, late_at=None)
    # a week later 东湖区 sends its part on time and 南港区 nothing
    thursday = datetime(2026, 11, 19, 9, 0, tzinfo=LOCAL_TZ)
    commit_part(store, "东湖区", thursday, n=4, as_of=date(2026, 11, 20))
    led = load_ledgers(
        store.snapshots(), store.load, Filters(as_of=date(2026, 11, 20)), districts=DISTRICTS
    )
    rep = build_reporting(led, store)
    assert rep is not None
    assert rep.message == "截止11月20日（周五）17:00，南港区未报送。"
    assert rep.ledger_lines() == ["志愿者台账：南港区未报送。"]
    assert rep.sources == (
        "志愿者台账由各区县报送汇总：东湖区（11月20日，东湖区填报员）、南港区（11月13日，南港区填报员）",
    )


def test_a_district_deck_judges_its_own_district_only(tmp_path: Path) -> None:
    store = parts_store(tmp_path, late_at=LATE_AT)
    own = parts_deck(store, "东湖区").slide("submissions")
    assert (
        own is not None and own.message == "东湖区按时报送本周台账（截止11月13日（周五）17:00）。"
    )
    late = parts_deck(store, "南港区")
    slide = late.slide("submissions")
    assert slide is not None and slide.message == "截止11月13日（周五）17:00，南港区迟报。"
    assert not slide.numbers  # no count of districts for one district
    assert late.reporting is not None
    assert late.reporting.sources == ("志愿者台账为南港区报送（11月13日，南港区填报员）",)


def test_a_whole_city_file_counts_only_for_the_districts_it_holds(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{(tmp_path / 'city.sqlite').as_posix()}")
    store.commit_districts(DISTRICTS, b"districts", file_name="districts.json")
    rows = ledger_rows("volunteers", 3)
    rows["district"] = "东湖区"
    result = ledger_result(
        "volunteers", rows, as_of=PART_DAY, file_name="全市.xlsx", rows_invalid=0
    )
    at = datetime(2026, 11, 12, 15, 0, tzinfo=LOCAL_TZ)
    store.commit(
        result, b"city", committed_by="市创城办", role="editor", committed_at=at.astimezone(UTC)
    )
    deck = parts_deck(store)
    assert deck.reporting is not None
    assert deck.reporting.message == "截止11月13日（周五）17:00，南港区未报送。"
    assert deck.reporting.source_line == "数据来源：志愿者台账为全市文件（11月13日，市创城办）。"


def test_a_deck_without_a_district_table_has_no_reporting_slide() -> None:
    frames = {("issues", W1): _issues("占道经营", "城管局"), ("issues", W2): _issues("x", "y")}
    led, table_for = make_ledgers(frames)
    bare = Ledgers(
        led.filters, led.snapshots, led.previous, led.frames, led.previous_frames, led.history, None
    )
    deck = build_deck(bare, table_for, lambda sid: list(frames.values())[sid - 1])
    assert deck is not None and deck.reporting is None
    assert deck.slide("submissions") is None and "报送情况" not in deck.tables
