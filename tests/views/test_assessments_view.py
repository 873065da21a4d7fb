"""The 测评结果 view on two hand-made rounds: every figure it shows is the one
`civdash.metrics.assessments` (and the catalogue's `compute`) gives for the same rows; the
district narrows it, the as-of date chooses the rounds, a re-upload of a round replaces it, and
what it writes (HTML, map, files) is escaped, masked and formula-safe."""

from __future__ import annotations

import io
import math
from datetime import date

import openpyxl
import pandas as pd
import pytest

from civdash.dashboard import Filters, Ledgers, shown_rows
from civdash.metrics import compute, format_change, format_value
from civdash.metrics.assessments import (
    AssessmentListRule,
    assessment_ranking,
    loss_pareto,
    merge_rounds,
    repeat_losses,
    round_rows,
    round_summary,
)
from civdash.names import CHOSEN_MARK
from civdash.views.assessments import (
    RATE,
    AssessmentsView,
    assessments_view,
    build_assessments_view,
    empty_message,
    missing_text,
)
from tests.views.assessment_rounds import (
    FORMULA,
    HOSTILE,
    MARKET,
    PHONE,
    ROUNDS,
    district_table,
    round_frame,
    rounds_ledgers,
    snapshot_day,
    two_rounds,
)

LATEST, PREVIOUS = ROUNDS[1][0], ROUNDS[0][0]
FRAMES = {1: round_frame(0), 2: round_frame(1)}


def _rows(sid: int) -> pd.DataFrame:
    return shown_rows(FRAMES[sid], "assessments", None)


@pytest.fixture(scope="module")
def city() -> AssessmentsView:
    view = build_assessments_view(rounds_ledgers(), _rows)
    assert view is not None
    return view


@pytest.fixture(scope="module")
def nangang() -> AssessmentsView:
    view = build_assessments_view(rounds_ledgers(Filters("南港区")), _rows)
    assert view is not None
    return view


def _chart_rows(chart: object) -> pd.DataFrame:
    """The one dataset every layer of a 测评 chart draws."""
    (rows,) = chart.to_dict()["datasets"].values()  # type: ignore[attr-defined]
    return pd.DataFrame(rows)


def _rate(frame: pd.DataFrame) -> float:
    return float(compute(RATE, frame, as_of=date(2026, 11, 30)))  # type: ignore[arg-type]


# ---------------------------------------------------------------- the headline


def test_headline_is_the_latest_rounds_catalogue_metrics_with_the_change_since_the_last(
    city: AssessmentsView,
) -> None:
    frame = two_rounds()
    assert city.rounds == (PREVIOUS, LATEST)
    rate, lost, failed = city.headlines
    # the catalogue's metric of a frame of several rounds is the latest round's
    assert rate.value_text == format_value(RATE, _rate(frame))
    assert rate.value_text == format_value(RATE, _rate(round_rows(frame, LATEST)))
    change = _rate(round_rows(frame, LATEST)) - _rate(round_rows(frame, PREVIOUS))
    assert change > 0
    assert rate.delta_text == format_change(RATE, change, compact=True)
    assert (rate.delta_color, rate.delta_arrow) == ("green", "up")
    assert rate.compared_with == f"较{PREVIOUS}"
    summary = round_summary(frame).set_index("round")
    for card, key in ((lost, "points_lost"), (failed, "failed_items")):
        assert card.value_text == format_value(key, float(summary.at[LATEST, key]))
        before = float(summary.at[PREVIOUS, key])
        assert card.value_text != format_value(key, before)
        assert card.delta_color == "green"  # fewer points lost, fewer items: better
    assert city.value(RATE) == pytest.approx(summary.at[LATEST, "score_rate"])


def test_the_hero_is_escaped_and_says_the_round_and_the_change(city: AssessmentsView) -> None:
    html = city.hero_html()
    assert city.hero.value_text in html and LATEST in html
    assert f"↑ {city.hero.delta_text}" in html
    hostile = assessments_view(two_rounds().assign(round=lambda f: f["round"] + HOSTILE))
    assert hostile is not None
    assert HOSTILE not in hostile.hero_html()
    assert "&lt;img src=x onerror=alert(1)&gt;" in hostile.hero_html()


def test_a_first_round_has_no_change_and_says_so() -> None:
    view = assessments_view(round_frame(0))
    assert view is not None and view.previous_round is None
    assert all(h.delta_text == "无上轮数据" and h.delta_color == "gray" for h in view.headlines)
    assert view.compared_text == "首轮测评，暂无上轮对比"
    assert "（首轮测评）" in view.summary_sentence


def test_a_target_for_the_score_rate_is_on_its_card() -> None:
    led = rounds_ledgers()
    frames = dict(led.frames)
    frames["targets"] = pd.DataFrame(
        {"metric": [RATE], "district": [""], "target": [92.0], "due": [pd.Timestamp("2026-12-31")]}
    )
    with_target = type(led)(
        led.filters, led.snapshots, led.previous, frames, {}, led.history, led.districts
    )
    view = build_assessments_view(with_target, _rows)
    assert view is not None
    assert view.hero.target_text.startswith("目标 92.00%")
    assert view.hero.on_target is False


# ---------------------------------------------------------------- rankings, losses, repeats


def test_district_ranking_is_assessment_ranking_of_the_latest_round_under_the_rule() -> None:
    rule = AssessmentListRule("rank", top_n=1, bottom_n=1)
    view = assessments_view(two_rounds(), rule=rule)
    assert view is not None
    expected = assessment_ranking(two_rounds(), by="district", top_n=1, bottom_n=1)
    table = view.ranking_table()
    assert table["区县"].tolist() == expected["district"].tolist()
    assert table["排名"].tolist() == expected["rank"].tolist()
    assert table["得分率（%）"].tolist() == expected["score_rate"].round(2).tolist()
    assert table["较上轮（个百分点）"].tolist() == expected["score_rate_change"].round(2).tolist()
    assert table["榜单"].tolist() == ["红榜", "—", "黑榜"]
    assert view.listed("black") == ["南港区"] and view.listed("red") == ["东湖区"]
    assert view.lists_note.endswith(f"规则：{rule.text}。")
    data = _chart_rows(view.ranking_chart())
    assert data.set_index("group")["score_rate"].to_dict() == pytest.approx(
        expected.set_index("district")["score_rate"].round(2).to_dict()
    )


def test_rankings_by_street_unit_and_point_type_are_of_the_scope(nangang: AssessmentsView) -> None:
    mine = two_rounds().query("district == '南港区'")
    for by in ("street", "responsible_unit", "point_type"):
        expected = assessment_ranking(mine, by=by)
        table = nangang.ranking_table(by)
        assert table.iloc[:, 1].tolist() == expected[by].tolist()
        assert table["失分（分）"].tolist() == expected["points_lost"].round(2).tolist()


def test_pareto_is_loss_pareto_of_the_latest_round_with_its_units(city: AssessmentsView) -> None:
    expected = loss_pareto(two_rounds(), by="item", with_units=True)
    table = city.pareto_table
    assert table["测评项目"].tolist() == expected["item"].tolist()
    assert table["失分（分）"].tolist() == expected["points_lost"].round(2).tolist()
    assert table["累计占比（%）"].tolist() == expected["cumulative_share"].round(1).tolist()
    assert table["责任单位"].tolist() == expected["responsible_units"].tolist()
    assert table["累计占比（%）"].iloc[-1] == 100.0
    data = _chart_rows(city.pareto_chart)
    assert data["group"].tolist() == expected["item"].tolist()
    assert data["cumulative_share"].tolist() == expected["cumulative_share"].round(1).tolist()


def test_repeat_losses_are_the_same_item_at_the_same_point_round_after_round(
    city: AssessmentsView,
) -> None:
    expected = repeat_losses(two_rounds())
    assert len(city.repeats) == len(expected) == 1
    row = city.repeat_table.iloc[0]
    assert (row["测评点位"], row["测评项目"], row["连续失分（轮）"]) == (MARKET, "环境整洁", 2)
    assert row["累计失分（分）"] == expected["points_lost"].iloc[0] == 2.5
    assert PHONE not in row["最近失分原因"] and "138****1234" in row["最近失分原因"]
    assert city.repeat_note == "共 1 处点位的同一项目连续两轮及以上失分，最长连续 2 轮。"


def test_trend_has_every_round_for_the_city_and_the_chosen_district(
    nangang: AssessmentsView,
) -> None:
    summary = round_summary(two_rounds())
    mine = round_summary(two_rounds().query("district == '南港区'"))
    trend = nangang.trend
    assert trend["series"].tolist() == ["全市", "南港区", "全市", "南港区"]
    assert trend.loc[trend["series"] == "全市", "score_rate"].tolist() == pytest.approx(
        summary["score_rate"].tolist()
    )
    assert trend.loc[trend["series"] == "南港区", "score_rate"].tolist() == pytest.approx(
        mine["score_rate"].tolist()
    )
    lines = _chart_rows(nangang.trend_chart)
    assert lines["score_rate"].tolist() == trend["score_rate"].round(2).tolist()


# ---------------------------------------------------------------- scope and rounds in force


def test_a_district_narrows_all_but_the_district_ranking_which_marks_it(
    nangang: AssessmentsView,
) -> None:
    mine = two_rounds().query("district == '南港区'")
    assert set(nangang.frame["district"]) == {"南港区"}
    assert nangang.hero.value_text == format_value(RATE, _rate(mine))
    assert nangang.hero.delta_color == "red"  # 南港区 lost more this round
    table = nangang.ranking_table()
    assert len(table) == 3 and f"{CHOSEN_MARK}南港区" in table["区县"].tolist()
    assert nangang.ranking_note == f"{CHOSEN_MARK}南港区：第 3 名（共 3 个区县）"
    assert set(nangang.pareto["item"]) == set(loss_pareto(mine)["item"])
    assert nangang.scope == "南港区" and "南港区测评得分率为" in nangang.summary_sentence


def test_the_as_of_date_chooses_the_rounds_reported_by_then() -> None:
    led = rounds_ledgers(Filters(as_of=snapshot_day(0)))
    view = build_assessments_view(led, _rows)
    assert view is not None
    assert view.rounds == (PREVIOUS,) and view.previous_round is None
    assert view.hero.value_text == format_value(RATE, _rate(round_frame(0)))


def test_a_corrected_report_of_a_round_replaces_it_and_keeps_the_others() -> None:
    corrected = round_frame(1).assign(score=lambda f: f["full_points"], points_lost=0.0)
    frames = {1: round_frame(0), 2: round_frame(1), 3: corrected}
    led = rounds_ledgers(frames=frames)
    view = build_assessments_view(led, lambda sid: shown_rows(frames[sid], "assessments", None))
    assert view is not None
    assert view.rounds == (PREVIOUS, LATEST)
    assert view.hero.value_text == "100.00%" and view.pareto.empty
    merged = merge_rounds([(snapshot_day(1), 3, corrected), (snapshot_day(0), 1, round_frame(0))])
    assert len(view.city) == len(merged)


def test_no_rows_in_scope_is_no_view_and_the_empty_message_names_who_may_upload() -> None:
    assert assessments_view(two_rounds(), district="西山区") is None
    assert assessments_view(two_rounds().iloc[0:0]) is None
    assert "管理员、市创城办在『数据导入』页上传" in empty_message()


# ---------------------------------------------------------------- map and files


def test_the_map_colours_districts_by_the_rate_and_counts_points_without_coordinates(
    city: AssessmentsView,
) -> None:
    points = city.points
    assert len(points) == 6 and city.points_unplaced == 3
    assert "其中 3 个没有坐标，未在地图上显示" in city.map_note
    market = points.set_index("location").loc[MARKET]
    assert market["state"] == "反复失分" and market["points_lost"] == 1.5
    html = city.build_map().get_root().render()
    assert "3 个点位没有坐标，未在地图上显示" in html
    latest = round_rows(two_rounds(), LATEST)
    by = compute(RATE, latest, as_of=date(2026, 11, 30), by="district")
    for name, value in zip(by["district"], by["value"], strict=True):  # type: ignore[index]
        assert f"{name}：{value:,.2f}%" in html
    assert HOSTILE not in html and PHONE not in html
    assert city.build_map() is not city.build_map()  # a new map per run: never shared


def test_the_workbook_and_csv_are_formula_safe_masked_and_whole(city: AssessmentsView) -> None:
    book = openpyxl.load_workbook(io.BytesIO(city.workbook()))
    assert {"说明", "区县排名", "失分项", "反复失分", "本轮测评明细"} <= set(book.sheetnames)
    detail = list(book["本轮测评明细"].iter_rows(values_only=True))
    assert len(detail) == 1 + len(round_rows(two_rounds(), LATEST))
    cells = [c for row in detail for c in row if isinstance(c, str)]
    assert FORMULA in cells  # text, never a formula
    assert not any(PHONE in c for c in cells)
    sheet = book["本轮测评明细"]
    formula_cell = next(c for row in sheet.iter_rows() for c in row if c.value == FORMULA)
    assert formula_cell.data_type == "s"
    text = city.rows_csv().decode("utf-8-sig")
    assert f"'{FORMULA}" in text and PHONE not in text


def test_the_view_of_a_frame_without_coordinates_or_districts_still_draws() -> None:
    frame = two_rounds().drop(columns=["lat", "lon"])
    view = assessments_view(frame, districts=None)
    assert view is not None and view.points_unplaced == 6
    assert "6 个点位没有坐标" in view.build_map().get_root().render()
    assert math.isfinite(view.value(RATE))


def test_district_table_of_the_fixture_has_boundaries() -> None:
    assert district_table().has_geometry


def test_what_the_page_says_when_there_is_nothing_to_show() -> None:
    early = rounds_ledgers(Filters(as_of=date(2026, 10, 1)))
    assert build_assessments_view(early, _rows) is None
    assert missing_text(early) == (
        "截至2026年10月1日还没有测评结果：最早一轮测评结果截至2026年10月16日，"
        "请在侧栏选择更晚的截至日期。"
    )
    west = rounds_ledgers(Filters("西山区"))
    assert build_assessments_view(west, _rows) is None
    assert missing_text(west) == "西山区在已导入的测评结果中没有数据。"
    assert missing_text(Ledgers(Filters(), {}, {}, {}, {}, {}, None)) == empty_message()
