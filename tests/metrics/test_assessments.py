"""测评 metrics: 得分率, 失分, 失分项数 of the latest round, rankings with the 红黑榜, the 失分项
Pareto, repeat losses, rounds merged from several snapshots, and the same figures through the
store's aggregates, the targets, the explorer and the toolkit.

Every expected value is worked out below from the rows of `three_rounds` (see its table):
得分率 = Σ得分 ÷ Σ分值 × 100, 失分 = Σ失分, 失分项数 = rows with 失分 > 0.
"""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest

from civdash import aggregates, toolkit
from civdash.assessments import load_rounds
from civdash.config import Settings
from civdash.dashboard import Filters, load_ledgers, metric_table, stored_tables
from civdash.explore import ExploreSpec, explore
from civdash.ingest import SOURCE_ROW, IngestResult, ingest_file
from civdash.ledgers import get_kind
from civdash.metrics import (
    METRICS,
    AssessmentListRule,
    assessment_ranking,
    compute,
    latest_round,
    latest_round_rows,
    loss_pareto,
    merge_rounds,
    previous_round,
    repeat_losses,
    round_rows,
    round_summary,
    rounds,
)
from civdash.metrics import assessments as assessment_module
from civdash.store import Store
from civdash.views.targets import evaluate_targets

SEP, OCT, NOV = "2026年9月模拟测评", "2026年10月模拟测评", "2026年11月模拟测评"
"""Written this way, the names sort 10月 < 11月 < 9月: rounds must be ordered by date."""
AS_OF = "2026-11-30"
KEYS = ("assessment_score_rate", "points_lost", "failed_items")

# 点位 (district, street, location, point type, item, responsible unit) checked every round
T = ("东湖区", "甲街道", "中山路农贸市场", "集贸市场", "环境卫生", "市场监管局")
P = ("东湖区", "甲街道", "东湖广场", "公共广场", "公益广告", "宣传部")
S = ("西湖区", "丙街道", "解放路口", "主要交通路口", "交通秩序", "交警支队")
Q = ("西湖区", "丁街道", "西湖公园", "公园", "设施完好", "园林局")
X = ("西湖区", "丁街道", "西湖公园", "公园", "公益广告", "宣传部")

FIELDS = ("district", "street", "location", "point_type", "item", "responsible_unit")


def frame_of(*records: tuple) -> pd.DataFrame:
    """Rows from (round, day, point, full points, score, description); 失分 = 分值 − 得分."""
    rows = []
    for i, (rnd, day, point, full, score, text) in enumerate(records):
        rows.append(
            {
                "round": rnd,
                "assessed_on": pd.Timestamp(day),
                **dict(zip(FIELDS, point, strict=True)),
                "item_code": {"环境卫生": "3.2.1", "公益广告": "1.4.2"}.get(point[4]),
                "full_points": float(full),
                "score": float(score),
                "points_lost": float(full) - float(score),
                "description": text,
                "assessor": "第三方测评机构",
                SOURCE_ROW: i + 3,
            }
        )
    return pd.DataFrame(rows)


def three_rounds() -> pd.DataFrame:
    """Three monthly rounds.

    点位  item      9月 (full, score)  10月          11月
    T     环境卫生  2, 1   lost 1      2, 1.5 lost .5  2, 0   lost 2    lost every round
    P     公益广告  1, .5  lost .5     1, 1            1, 0   lost 1    lost in 9月 and 11月
    S     交通秩序  2, 1.5 lost .5     2, 1   lost 1   2, 2             not lost in the latest
    Q     设施完好  2, 2               2, 1   lost 1   2, 1.5 lost .5   lost in 10月 and 11月
    X     公益广告                                     1, 1             new in 11月
    """
    return frame_of(
        (SEP, "2026-09-10", T, 2, 1, "垃圾堆放"),
        (SEP, "2026-09-10", P, 1, 0.5, "广告破损"),
        (SEP, "2026-09-11", S, 2, 1.5, "闯红灯"),
        (SEP, "2026-09-11", Q, 2, 2, ""),
        (OCT, "2026-10-12", T, 2, 1.5, "地面积水"),
        (OCT, "2026-10-12", P, 1, 1, ""),
        (OCT, "2026-10-13", S, 2, 1, "乱停车"),
        (OCT, "2026-10-13", Q, 2, 1, "座椅损坏"),
        (NOV, "2026-11-11", T, 2, 0, "垃圾满溢，无人清理"),
        (NOV, "2026-11-10", P, 1, 0, "公益广告缺失"),
        (NOV, "2026-11-11", S, 2, 2, ""),
        (NOV, "2026-11-12", Q, 2, 1.5, "护栏松动"),
        (NOV, "2026-11-12", X, 1, 1, ""),
    )


# ---------------------------------------------------------------- the three metrics


def test_score_rate_points_lost_and_failed_items_of_one_round():
    nov = round_rows(three_rounds(), NOV)
    assert compute("测评得分率", nov, as_of=AS_OF) == pytest.approx(
        (0 + 0 + 2 + 1.5 + 1) / (2 + 1 + 2 + 2 + 1) * 100
    )
    assert compute("失分", nov, as_of=AS_OF) == pytest.approx(2 + 1 + 0 + 0.5 + 0)
    assert compute("失分项数", nov, as_of=AS_OF) == 3  # T, P, Q


def test_a_report_giving_only_points_lost_or_only_scores_gives_the_same_figures():
    nov = round_rows(three_rounds(), NOV)
    for dropped in ("score", "points_lost"):
        for key in KEYS:
            got = compute(key, nov.drop(columns=dropped), as_of=AS_OF)
            assert got == pytest.approx(compute(key, nov, as_of=AS_OF)), (dropped, key)


def test_the_catalogue_names_resolve_and_targets_read_them_as_rates_or_counts():
    assert [METRICS[k].label for k in KEYS] == ["测评得分率", "失分", "失分项数"]
    assert METRICS["assessment_score_rate"].is_rate and not METRICS["points_lost"].is_rate
    assert [METRICS[k].better for k in KEYS] == ["higher", "lower", "lower"]
    assert METRICS["failed_items"].unit in ("项", "个")


@pytest.mark.parametrize("key", KEYS)
def test_a_frame_of_several_rounds_counts_the_latest_round_only(key):
    frame = three_rounds()
    latest = round_rows(frame, NOV)
    assert compute(key, frame, as_of=AS_OF) == pytest.approx(compute(key, latest, as_of=AS_OF))
    by = compute(key, frame, as_of=AS_OF, by="district")
    assert by.equals(compute(key, latest, as_of=AS_OF, by="district"))
    # the rows given in another order: the latest round is still found by its dates
    shuffled = frame.sample(frac=1.0, random_state=3)
    assert compute(key, shuffled, as_of=AS_OF) == pytest.approx(compute(key, latest, as_of=AS_OF))


@pytest.mark.parametrize("key", KEYS)
def test_grouped_by_round_every_round_counts_each_in_its_own_group(key):
    frame = three_rounds()
    by = compute(key, frame, as_of=AS_OF, by="round").set_index("round")["value"]
    for name in (SEP, OCT, NOV):
        assert by[name] == pytest.approx(compute(key, round_rows(frame, name), as_of=AS_OF))


# ---------------------------------------------------------------- rounds


def test_rounds_are_ordered_by_their_first_date_then_by_name():
    frame = three_rounds()
    assert rounds(frame) == [SEP, OCT, NOV]
    assert latest_round(frame) == NOV
    assert previous_round(frame) == OCT
    assert previous_round(frame, OCT) == SEP
    assert previous_round(frame, SEP) is None
    same_day = frame_of(
        ("乙批次", "2026-11-01", T, 2, 1, ""), ("甲批次", "2026-11-01", P, 1, 1, "")
    )
    assert rounds(same_day) == ["乙批次", "甲批次"]  # a tie on the date: by name
    assert latest_round(frame.iloc[0:0]) is None
    assert latest_round_rows(frame).equals(round_rows(frame, NOV))


def test_an_unknown_round_is_named_with_the_rounds_there_are():
    with pytest.raises(
        KeyError, match="没有测评批次『2025年模拟测评』，现有的批次：2026年9月模拟测评、"
    ):
        round_rows(three_rounds(), "2025年模拟测评")


def test_round_summary_has_each_rounds_sums_oldest_first():
    frame = three_rounds()
    summary = round_summary(frame)
    assert summary["round"].tolist() == [SEP, OCT, NOV]
    assert summary["assessed_on"].tolist() == [
        pd.Timestamp(d) for d in ("2026-09-10", "2026-10-12", "2026-11-10")
    ]
    assert summary["items"].tolist() == [4, 4, 5]
    assert summary["full_points"].tolist() == [7, 7, 8]
    assert summary["score"].tolist() == [1 + 0.5 + 1.5 + 2, 1.5 + 1 + 1 + 1, 0 + 0 + 2 + 1.5 + 1]
    assert summary["points_lost"].tolist() == [1 + 0.5 + 0.5, 0.5 + 1 + 1, 2 + 1 + 0.5]
    assert summary["failed_items"].tolist() == [3, 3, 3]
    for row in summary.itertuples():
        rows = round_rows(frame, row.round)
        assert row.score_rate == pytest.approx(compute("测评得分率", rows, as_of=AS_OF))


def test_round_summary_by_district_splits_each_round():
    summary = round_summary(three_rounds(), by="district")
    assert list(zip(summary["round"], summary["district"], strict=True)) == [
        (r, d) for r in (SEP, OCT, NOV) for d in ("东湖区", "西湖区")
    ]
    nov_east = summary[(summary["round"] == NOV) & (summary["district"] == "东湖区")].iloc[0]
    assert nov_east["score_rate"] == pytest.approx((0 + 0) / (2 + 1) * 100)
    assert nov_east["points_lost"] == 2 + 1


# ---------------------------------------------------------------- rankings and the 红黑榜


def test_district_ranking_of_the_latest_round_with_the_change_against_the_previous_round():
    table = assessment_ranking(three_rounds(), "district", top_n=1, bottom_n=1)
    west_now, west_before = (2 + 1.5 + 1) / (2 + 2 + 1) * 100, (1 + 1) / (2 + 2) * 100
    east_now, east_before = (0 + 0) / (2 + 1) * 100, (1.5 + 1) / (2 + 1) * 100
    assert table["district"].tolist() == ["西湖区", "东湖区"]
    assert table["rank"].tolist() == [1, 2]
    assert table["score_rate"].tolist() == pytest.approx([west_now, east_now])
    assert table["score_rate_change"].tolist() == pytest.approx(
        [west_now - west_before, east_now - east_before]
    )
    assert table["list"].tolist() == ["red", "black"]
    assert table.attrs["round"] == NOV and table.attrs["previous_round"] == OCT


def test_a_group_not_assessed_in_the_previous_round_has_no_change():
    south = ("南港区", "戊街道", "南港车站", "公交站点", "站台秩序", "交通运输局")
    frame = pd.concat([three_rounds(), frame_of((NOV, "2026-11-12", south, 2, 1, "候车拥挤"))])
    table = assessment_ranking(frame, "district").set_index("district")
    assert math.isnan(table.loc["南港区", "score_rate_change"])
    assert not math.isnan(table.loc["东湖区", "score_rate_change"])
    first = assessment_ranking(frame, "district", round=SEP)
    assert first["score_rate_change"].isna().all()


def test_street_ranking_rank_rule_red_top_black_bottom_and_never_black_without_a_loss():
    frame = three_rounds()
    # 11月 by street: 丙 (S) 2/2; 丁 (Q, X) 2.5/3; 甲 (T, P) 0/3
    table = assessment_ranking(frame, "street", top_n=1, bottom_n=1)
    assert table["street"].tolist() == ["丙街道", "丁街道", "甲街道"]
    assert table["list"].tolist() == ["red", "", "black"]
    wider = assessment_ranking(frame, "street", top_n=0, bottom_n=3)
    assert wider["list"].tolist() == ["", "black", "black"]  # 丙街道 lost nothing


def test_threshold_rule_lists_by_score_rate():
    table = assessment_ranking(
        three_rounds(), "street", rule="threshold", red_at=100, black_below=50
    )
    assert dict(zip(table["street"], table["list"], strict=True)) == {
        "丙街道": "red",  # 100 ≥ 100
        "丁街道": "",  # 83.3: neither
        "甲街道": "black",  # 0 < 50
    }


def test_the_rule_defaults_come_from_the_settings_and_the_environment(monkeypatch):
    settings = Settings(
        assessment_list_rule="threshold", assessment_red_at=80.0, assessment_black_below=10.0
    )
    table = assessment_ranking(three_rounds(), "street", settings=settings)
    assert table["list"].tolist() == ["red", "red", "black"]  # 100, 83.3 ≥ 80; 0 < 10
    monkeypatch.setenv("CIVDASH_ASSESSMENT_LIST_RULE", "阈值")
    monkeypatch.setenv("CIVDASH_ASSESSMENT_RED_AT", "95%")
    monkeypatch.setenv("CIVDASH_ASSESSMENT_BLACK_BOTTOM", "2")
    rule = AssessmentListRule.from_settings(Settings.from_env())
    assert (rule.rule, rule.red_at, rule.bottom_n) == ("threshold", 95.0, 2)
    assert rule.text.startswith("得分率≥95%上红榜")
    monkeypatch.setenv("CIVDASH_ASSESSMENT_LIST_RULE", "按心情")
    with pytest.raises(ValueError, match="CIVDASH_ASSESSMENT_LIST_RULE 为 按心情"):
        Settings.from_env()


# ---------------------------------------------------------------- where points are lost


def test_loss_pareto_by_item_most_first_with_shares_summing_to_100():
    pareto = loss_pareto(three_rounds())  # 11月: 环境卫生 2, 公益广告 1 (+0), 设施完好 .5
    total = 2 + 1 + 0.5
    assert pareto["item"].tolist() == ["环境卫生", "公益广告", "设施完好"]
    assert pareto["item_code"].fillna("").tolist() == ["3.2.1", "1.4.2", ""]
    assert pareto["points_lost"].tolist() == [2, 1, 0.5]
    assert pareto["failed_items"].tolist() == [1, 1, 1]
    assert pareto["share"].tolist() == pytest.approx(
        [2 / total * 100, 1 / total * 100, 0.5 / total * 100]
    )
    assert pareto["share"].sum() == pytest.approx(100)
    assert pareto["cumulative_share"].is_monotonic_increasing
    assert pareto["cumulative_share"].iloc[-1] == pytest.approx(100)
    assert "交通秩序" not in set(pareto["item"])  # nothing lost there in 11月


def test_loss_pareto_of_an_earlier_round_and_by_another_field():
    frame = three_rounds()
    by_unit = loss_pareto(frame, OCT, by="responsible_unit")
    assert by_unit["responsible_unit"].tolist() == ["交警支队", "园林局", "市场监管局"]
    assert by_unit["points_lost"].tolist() == [1, 1, 0.5]
    assert "item_code" not in by_unit.columns


def test_loss_pareto_names_the_units_that_lost_the_points_most_first():
    frame = frame_of(
        (NOV, "2026-11-10", T, 2, 1.5, ""),  # 市场监管局 loses .5 on 环境卫生
        (NOV, "2026-11-10", (*S[:4], "环境卫生", "城管局"), 2, 0.5, ""),  # 城管局 1.5
        (NOV, "2026-11-10", (*Q[:4], "环境卫生", "园林局"), 2, 2, ""),  # 园林局 nothing
    )
    pareto = loss_pareto(frame, with_units=True)
    assert pareto["responsible_units"].tolist() == ["城管局、市场监管局"]


def test_repeat_losses_are_consecutive_rounds_up_to_the_latest():
    repeats = repeat_losses(three_rounds())
    # T lost in all three rounds; Q in 10月 and 11月; P in 9月 and 11月 only (not 10月): not a
    # repeat; S in 9月 and 10月 but not in the latest: not a repeat
    assert repeats["location"].tolist() == ["中山路农贸市场", "西湖公园"]
    assert repeats["item"].tolist() == ["环境卫生", "设施完好"]
    assert repeats["rounds_lost"].tolist() == [3, 2]
    assert repeats["points_lost"].tolist() == [1 + 0.5 + 2, 1 + 0.5]
    assert repeats["latest_round"].tolist() == [NOV, NOV]
    assert repeats["description"].tolist() == ["垃圾满溢，无人清理", "护栏松动"]
    assert repeats["responsible_unit"].tolist() == ["市场监管局", "园林局"]
    assert repeat_losses(three_rounds(), min_rounds=3)["location"].tolist() == ["中山路农贸市场"]


def test_a_point_missing_from_a_round_breaks_its_streak():
    frame = three_rounds()
    without_t_in_oct = frame[~((frame["round"] == OCT) & (frame["location"] == T[2]))]
    assert T[2] not in set(repeat_losses(without_t_in_oct)["location"])


# ---------------------------------------------------------------- rounds from snapshots


def test_merge_rounds_adds_new_rounds_and_a_re_upload_replaces_its_round():
    frame = three_rounds()
    first = frame[frame["round"].isin([SEP, OCT])]  # one upload holding two rounds
    monthly = round_rows(frame, NOV)  # next month: the new round alone
    corrected = round_rows(frame, OCT).assign(score=lambda f: f["full_points"])
    corrected = corrected.assign(points_lost=0.0)  # 10月 re-uploaded: nothing lost after all
    merged = merge_rounds([(date(2026, 10, 20), 1, first), (date(2026, 11, 20), 2, monthly)])
    assert rounds(merged) == [SEP, OCT, NOV] and len(merged) == len(frame)
    fixed = merge_rounds(
        [
            (date(2026, 10, 20), 1, first),
            (date(2026, 11, 20), 2, monthly),
            (date(2026, 11, 25), 3, corrected),
        ]
    )
    assert len(fixed) == len(frame)
    assert round_rows(fixed, OCT)["points_lost"].sum() == 0
    assert round_rows(fixed, SEP).equals(round_rows(merged, SEP))
    # the snapshot in force wins for its own rounds
    kept = merge_rounds(
        [(date(2026, 10, 20), 1, first), (date(2026, 11, 25), 3, corrected)], prefer=1
    )
    assert round_rows(kept, OCT)["points_lost"].sum() == pytest.approx(0.5 + 1 + 1)


# ---------------------------------------------------------------- through the store


def _result(rows: pd.DataFrame, as_of: date) -> IngestResult:
    fields = get_kind("assessments").field_names
    shaped = rows.reindex(columns=[*fields, SOURCE_ROW])
    for f in get_kind("assessments").fields:
        if f.type in ("str", "text"):
            shaped[f.name] = shaped[f.name].astype("str").mask(shaped[f.name].isna())
    return IngestResult(
        kind="assessments",
        sheet="Sheet1",
        header_row=2,
        rows_read=len(shaped),
        rows=shaped,
        problems=[],
        columns={},
        as_of=as_of,
        file_name="测评结果.xlsx",
    )


@pytest.fixture
def store(tmp_path) -> Store:
    """A SQLite store holding two committed 测评 snapshots: 9月 + 10月, then 11月."""
    frame = three_rounds()
    s = Store(f"sqlite:///{(tmp_path / 'civdash.sqlite').as_posix()}")
    s.commit(
        _result(frame[frame["round"] != NOV], date(2026, 10, 20)), b"first", committed_by="测试"
    )
    s.commit(
        _result(round_rows(frame, NOV), date(2026, 11, 20)),
        b"second",
        committed_by="测试",
        allow_shrink=True,
    )
    return s


def test_load_rounds_puts_every_committed_round_together(store):
    merged = load_rounds(store)
    assert rounds(merged) == [SEP, OCT, NOV]
    assert (
        round_summary(merged)["points_lost"].tolist()
        == round_summary(three_rounds())["points_lost"].tolist()
    )
    assert rounds(load_rounds(store, date(2026, 10, 31))) == [SEP, OCT]
    assert load_rounds(store, date(2026, 1, 1)) is None


def test_aggregates_of_a_committed_snapshot_equal_compute_per_district_and_cut(store):
    assert "assessments" in aggregates.aggregated_kinds()
    assert store.stale_aggregates() == []
    for snap in store.snapshots("assessments"):
        rows = store.load(snap.id)
        agg = store.aggregates(snap.id)
        assert agg is not None
        got = aggregates.metric_table(agg, None)
        want = metric_table("assessments", rows, as_of=snap.as_of, population=None)
        assert (
            got[["district", "metric"]].values.tolist()
            == want[["district", "metric"]].values.tolist()
        )
        assert got["value"].tolist() == pytest.approx(want["value"].tolist(), nan_ok=True)
        for key in KEYS:
            for cut in ("round", "street", "point_type", "responsible_unit"):
                stored = aggregates.by_cut(agg, key, cut)
                fresh = compute(key, rows, as_of=snap.as_of, by=cut)
                assert stored[cut].tolist() == fresh[cut].tolist(), (key, cut)
                assert stored["value"].tolist() == pytest.approx(fresh["value"].tolist())
    older = store.snapshots("assessments")[-1]  # 9月 + 10月: the round cut holds both
    assert aggregates.by_cut(store.aggregates(older.id), "points_lost", "round")[
        "round"
    ].tolist() == [
        OCT,
        SEP,
    ]


def test_the_definitions_version_follows_the_latest_round_rule(monkeypatch):
    before = aggregates.definitions_version()
    monkeypatch.setattr(assessment_module, "LATEST_ROUND_RULE", (assessment_module.rounds,))
    assert aggregates.definitions_version() != before


def test_an_assembled_ledger_counts_the_latest_round_of_the_whole_city(tmp_path):
    """District parts holding different rounds: the city's latest round is the rule, as
    computing from the assembled rows says (not each district's own latest)."""
    frame = three_rounds()
    east, west = frame[frame["district"] == "东湖区"], frame[frame["district"] == "西湖区"]
    day = date(2026, 11, 20)
    s = Store(f"sqlite:///{(tmp_path / 'parts.sqlite').as_posix()}")
    s.commit(_result(round_rows(east, OCT), day), b"e1", committed_by="东", district="东湖区")
    s.commit(_result(round_rows(west, OCT), day), b"w1", committed_by="西", district="西湖区")
    s.commit(_result(round_rows(east, NOV), day), b"e2", committed_by="东", district="东湖区")
    city = next(x for x in s.snapshots("assessments") if x.is_current and not x.scope)
    rows = s.load(city.id)
    assert rounds(rows) == [OCT, NOV]
    got = aggregates.metric_table(s.aggregates(city.id, whole=True), None)
    want = metric_table("assessments", rows, as_of=day, population=None)
    assert (
        got[["district", "metric"]].values.tolist() == want[["district", "metric"]].values.tolist()
    )
    assert got["value"].tolist() == pytest.approx(want["value"].tolist(), nan_ok=True)


def test_a_target_of_the_score_rate_is_accepted_and_shows_the_latest_rounds_value(store, tmp_path):
    csv = "指标,区县,目标值,完成时限\n测评得分率,全市,90%,2026-12-31\n失分,,3,2026-12-31\n"
    result = ingest_file(csv.encode("utf-8"), file_name="目标任务.csv", kind="targets")
    assert result.rows_invalid == 0
    assert result.rows["metric"].tolist() == ["assessment_score_rate", "points_lost"]
    assert result.rows["target"].tolist() == [90.0, 3.0]
    store.commit(result, csv.encode("utf-8"), committed_by="测试", as_of=date(2026, 11, 20))
    led = load_ledgers(store.snapshots(), store.load, Filters())
    statuses = {s.key: s for s in evaluate_targets(led, stored_tables(store, None))}
    nov = round_rows(three_rounds(), NOV)
    for key in ("assessment_score_rate", "points_lost"):
        assert statuses[key].available
        assert statuses[key].current == pytest.approx(compute(key, nov, as_of=AS_OF))
        assert len(statuses[key].history) == 2  # one value per 测评 snapshot


# ---------------------------------------------------------------- explorer and toolkit


def test_the_explorer_measures_the_latest_round_and_cuts_by_round_and_item():
    frame = three_rounds()
    spec = ExploreSpec.from_query(
        {"ledger": "assessments", "by": "round", "measure": "metric.assessment_score_rate"}
    )
    table = explore(frame, spec, as_of=AS_OF).table.set_index("round")["value"]
    for name in (SEP, OCT, NOV):
        rows = round_rows(frame, name)
        assert table[name] == pytest.approx(compute("测评得分率", rows, as_of=AS_OF))
    by_item = ExploreSpec.from_query(
        {"ledger": "assessments", "by": "item", "measure": "metric.points_lost"}
    )
    result = explore(frame, by_item, as_of=AS_OF)
    items = result.table.set_index("item")["value"]
    pareto = loss_pareto(frame).set_index("item")["points_lost"]
    assert items[items > 0].sort_index().tolist() == pareto.sort_index().tolist()
    assert f"指标只计最近一个测评批次（{NOV}）；按『测评批次』分组可查看各测评批次的数值。" in (
        result.notes
    )
    assert not any("最近一个" in n for n in explore(frame, spec, as_of=AS_OF).notes)


def test_toolkit_says_which_items_lose_most_points_and_who_is_responsible(store):
    losses = toolkit.assessment_losses(store)
    assert losses["item"].tolist() == ["环境卫生", "公益广告", "设施完好"]
    assert losses["responsible_units"].tolist() == ["市场监管局", "宣传部", "园林局"]
    assert toolkit.assessment_summary(store)["round"].tolist() == [SEP, OCT, NOV]
    ranking = toolkit.assessment_ranking(store, top_n=1, bottom_n=1)
    assert ranking["list"].tolist() == ["red", "black"]
    assert toolkit.assessment_repeats(store)["rounds_lost"].tolist() == [3, 2]
    east = toolkit.assessment_rounds(store, district="东湖区")
    assert set(east["district"]) == {"东湖区"}
    with pytest.raises(ValueError, match="还没有导入测评结果台账"):
        toolkit.assessment_rounds(store, as_of="2026-01-01")


def test_with_fewer_groups_than_the_lists_hold_the_worst_is_never_red_nor_the_best_black():
    frame = three_rounds()  # three streets in the latest round
    table = assessment_ranking(frame, "street", top_n=3, bottom_n=3)
    assert table["list"].tolist()[0] == "red" and table["list"].tolist()[-1] == "black"
    assert table["list"].tolist().count("red") == 2  # up to the middle, not past it
