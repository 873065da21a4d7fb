"""The 目标进度 view: targets in scope, progress and projection on hand-made snapshots, and the
editor's round trip (validation messages, canonical CSV, saving to a store)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from civdash import palette
from civdash.dashboard import Filters, Ledgers, load_ledgers, metric_table
from civdash.districts import District, DistrictTable
from civdash.ingest import ingest_file
from civdash.metrics import METRICS
from civdash.store import CommitRefusedError, ShrinkHeldError, SnapshotInfo, Store
from civdash.views.targets import (
    JUDGEMENT_COLOURS,
    MSG_NO_TARGETS,
    STATUS_BEHIND,
    STATUS_NO_DATA,
    STATUS_ON_TRACK,
    STATUS_REACHED,
    STATUSES,
    TableFor,
    build_targets_view,
    canonical_csv,
    editor_frame,
    evaluate_targets,
    parse_target_edits,
    progress_frame,
    save_target_edit,
    targets_in_scope,
    trend_chart,
)
from tests.snapshots import snapshot_info

W1, W2, W3 = date(2026, 11, 1), date(2026, 11, 8), date(2026, 11, 15)
DISTRICTS = DistrictTable(
    (District("东湖区", population=10_000), District("南港区", population=5_000))
)
NAMES = DISTRICTS.names


CITY_WIDE = Filters()


def make_ledgers(
    frames: Mapping[tuple[str, date], pd.DataFrame], filters: Filters = CITY_WIDE
) -> tuple[Ledgers, TableFor]:
    """Ledgers over hand-made snapshots, and the uncached `table_for` the app would pass."""
    latest = {kind: max(d for k, d in frames if k == kind) for kind, _ in frames}
    snaps, by_id = [], {}
    for sid, ((kind, as_of), frame) in enumerate(frames.items(), start=1):
        snaps.append(snapshot_info(sid, kind, as_of, current=as_of == latest[kind]))
        by_id[sid] = frame
    led = load_ledgers(snaps, by_id.__getitem__, filters, districts=DISTRICTS)

    def table_for(snap: SnapshotInfo) -> pd.DataFrame:
        return metric_table(
            snap.kind, by_id[snap.id], as_of=snap.as_of, population=DISTRICTS.population()
        )

    return led, table_for


def issues(closed: int, total: int, district: str = "东湖区", start: int = 0) -> pd.DataFrame:
    """`total` issues in `district`, the first `closed` of them rectified (no deadlines)."""
    n = range(start, start + total)
    return pd.DataFrame(
        {
            "issue_id": [f"Q{i:04d}" for i in n],
            "found_on": pd.to_datetime(["2026-10-20"] * total),
            "district": [district] * total,
            "status": ["已整改" if i - start < closed else "待整改" for i in n],
            "deadline": pd.to_datetime([None] * total),
            "rectified_on": pd.to_datetime(
                ["2026-10-25" if i - start < closed else None for i in n]
            ),
            "description": ["占道经营"] * total,
            "responsible_unit": ["城管局"] * total,
        }
    )


def targets(*rows: tuple[str, str, float, str | None]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["metric", "district", "target", "due"])
    frame["due"] = pd.to_datetime(frame["due"])
    return frame


def weekly_issues(rates: tuple[int, int, int]) -> dict[tuple[str, date], pd.DataFrame]:
    """Issues at three Sundays: 10 issues in 东湖区 with `rates`[i] × 10 % rectified."""
    return {("issues", d): issues(r // 10, 10) for d, r in zip((W1, W2, W3), rates, strict=True)}


# ---------------------------------------------------------------- scope


def test_city_scope_lists_every_target_city_wide_first_in_catalogue_order():
    rows = targets(
        ("issue_close_rate", "南港区", 85, None),
        ("volunteer_rate", "", 13, None),
        ("issue_close_rate", "", 90, None),
    )
    scoped = targets_in_scope(rows, None)
    assert scoped[["metric", "district"]].values.tolist() == [
        ["volunteer_rate", ""],
        ["issue_close_rate", ""],
        ["issue_close_rate", "南港区"],
    ]
    assert scoped["evaluated_for"].tolist() == ["", "", "南港区"]


def test_district_scope_keeps_its_own_targets_and_city_rates_but_not_city_counts():
    rows = targets(
        ("issue_close_rate", "", 90, None),
        ("issue_close_rate", "南港区", 85, None),
        ("unit_pass_rate", "", 85, None),
        ("party_volunteers", "", 10_000, None),  # a count: says nothing about one district
        ("volunteer_rate", "东湖区", 14, None),
    )
    scoped = targets_in_scope(rows, "南港区")
    assert scoped[["metric", "district", "target"]].values.tolist() == [
        ["issue_close_rate", "南港区", 85.0],
        ["unit_pass_rate", "", 85.0],
    ]
    assert set(scoped["evaluated_for"]) == {"南港区"}


# ---------------------------------------------------------------- evaluation


def test_projection_reaches_the_target_at_ten_points_a_week():
    frames = weekly_issues((50, 60, 70))
    frames["targets", W1] = targets(("issue_close_rate", "", 90, "2026-12-31"))
    led, table_for = make_ledgers(frames)
    (status,) = evaluate_targets(led, table_for)
    assert status.current == pytest.approx(70.0)
    assert status.history["value"].tolist() == pytest.approx([50.0, 60.0, 70.0])
    assert status.projection.pace == pytest.approx(10.0)
    # 20 points to go at 10 a week: two weeks after the last snapshot
    assert status.projection.projected_date == date(2026, 11, 29)
    assert status.status == STATUS_ON_TRACK
    assert status.gap_text == "尚差 20.0 个百分点"
    assert status.pace_text == "每周 +10.0 个百分点"  # a change reads as on the cards
    assert status.projected_text == "2026-11-29"
    assert status.completion == pytest.approx(70 / 90 * 100)


def test_a_target_out_of_reach_by_its_due_date_says_so():
    frames = weekly_issues((50, 60, 70))
    frames["targets", W1] = targets(("issue_close_rate", "", 90, "2026-11-22"))
    led, table_for = make_ledgers(frames)
    (status,) = evaluate_targets(led, table_for)
    assert status.status == STATUS_BEHIND == "按当前进度无法按期完成"
    assert status.projection.message.startswith("按当前进度无法按期完成")
    assert status.projected_text == "2026-11-29"  # when it would be reached, late


def test_a_worsening_metric_has_no_projected_date():
    frames = weekly_issues((70, 60, 50))
    frames["targets", W1] = targets(("issue_close_rate", "", 90, "2026-12-31"))
    led, table_for = make_ledgers(frames)
    (status,) = evaluate_targets(led, table_for)
    assert status.status == STATUS_BEHIND
    assert status.projected_text == "按当前进度无法按期完成"


def test_reached_and_lower_is_better_targets():
    frames = weekly_issues((80, 90, 100))
    frames["targets", W1] = targets(
        ("issue_close_rate", "", 90, None), ("overdue_issues", "", 5, None)
    )
    led, table_for = make_ledgers(frames)
    close, overdue = evaluate_targets(led, table_for)
    assert close.status == STATUS_REACHED and close.gap_text == "已达标"
    assert overdue.current == 0  # no deadlines: nothing overdue, 0 ≤ 5
    assert overdue.status == STATUS_REACHED and overdue.completion == 100.0


def test_one_snapshot_or_a_missing_ledger_cannot_be_projected():
    frames = {("issues", W3): issues(5, 10)}
    frames["targets", W1] = targets(
        ("issue_close_rate", "", 90, "2026-12-31"), ("unit_pass_rate", "", 85, None)
    )
    led, table_for = make_ledgers(frames)
    close, units = evaluate_targets(led, table_for)
    assert close.status == STATUS_NO_DATA
    assert close.projected_text == "只有一期数据，暂无法测算进度"
    assert not units.available and units.status == STATUS_NO_DATA
    assert units.projected_text == "未导入相关台账"
    assert progress_frame([close, units])["metric"].tolist() == ["issue_close_rate"]


def test_a_city_rate_target_is_judged_on_the_chosen_district():
    frames = {
        ("issues", d): pd.concat([issues(r, 10), issues(3, 10, "南港区", start=100)])
        for d, r in ((W1, 6), (W2, 7), (W3, 8))
    }
    frames["targets", W1] = targets(("issue_close_rate", "", 90, None))
    led, table_for = make_ledgers(frames, Filters("南港区"))
    (status,) = evaluate_targets(led, table_for)
    assert status.current == pytest.approx(30.0)
    assert status.name == "南港区（全市目标）·问题整改率"
    # flat at 30 %: the fitted slope is ±1e-15, which must read as "no improvement"
    assert status.status == STATUS_BEHIND
    assert status.projected_text == "按当前进度无法按期完成"


def test_targets_view_counts_statuses_and_keeps_the_whole_table_for_editing():
    frames = weekly_issues((50, 60, 70))
    frames["targets", W1] = targets(
        ("issue_close_rate", "", 90, "2026-12-31"),
        ("issue_close_rate", "南港区", 85, "2026-12-31"),
        ("overdue_issues", "", 5, None),
    )
    led, table_for = make_ledgers(frames, Filters("东湖区"))
    view = build_targets_view(led, table_for)
    assert view.table["目标"].tolist() == ["东湖区（全市目标）·问题整改率"]
    assert view.counts == {STATUS_REACHED: 0, STATUS_ON_TRACK: 1, STATUS_BEHIND: 0,
                           STATUS_NO_DATA: 0}  # fmt: skip
    assert "逾期未整改问题数" in view.scope_note
    assert len(view.editor) == 3  # every stored target, whatever the scope
    assert view.editable and view.editor_key.startswith("targets_editor_")


def test_trend_chart_is_one_small_facet_per_target_from_the_snapshot_values():
    frames = weekly_issues((50, 60, 70))
    frames["targets", W1] = targets(
        ("issue_close_rate", "", 90, "2026-12-31"), ("issue_count", "", 5, None)
    )
    led, table_for = make_ledgers(frames)
    chart = trend_chart(evaluate_targets(led, table_for))
    assert chart is not None
    spec = chart.to_dict()
    rows = next(iter(spec["datasets"].values()))
    names = {r["name"] for r in rows}
    assert names == {"全市·问题整改率", "全市·问题总数"}
    series = {r["series"] for r in rows if r["name"] == "全市·问题整改率"}
    assert series == {"实际值", "目标值", "按当前进度推算"}
    assert len(rows) <= 3 * 2 + 2 * 2 + 2  # per-snapshot values only, never ledger rows
    assert spec["facet"]["field"] == "name" and spec["columns"] == 3


def test_trend_chart_is_none_without_values():
    assert trend_chart([]) is None


# ---------------------------------------------------------------- editing


def editor_rows(*rows: tuple[object, object, object, object]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["指标", "区县", "目标值", "完成时限"])


def test_editor_frame_round_trips_to_the_same_canonical_bytes():
    stored = targets(("issue_close_rate", "南港区", 85, "2026-12-31"),
                     ("volunteer_rate", "", 13, None))  # fmt: skip
    shown = editor_frame(stored)
    assert shown.values.tolist() == [
        ["注册志愿者占常住人口比例", "全市", 13.0, None],
        ["问题整改率", "南港区", 85.0, date(2026, 12, 31)],
    ]
    edit = parse_target_edits(shown, districts=NAMES, current=stored)
    assert edit.ok and edit.unchanged
    assert edit.data == canonical_csv(stored)


def test_canonical_csv_ignores_row_order_and_metric_spelling():
    a = parse_target_edits(
        editor_rows(("问题整改率", "全市", 90, "2026-12-31"), ("销号率", "南港区", 80, None)),
        districts=NAMES,
    )
    b = parse_target_edits(
        editor_rows(
            ("issue_verified_rate", "南港区", "80", None), ("整改率", "", 90.0, date(2026, 12, 31))
        ),
        districts=NAMES,
    )
    assert a.ok and b.ok
    assert a.data == b.data
    assert a.data.decode().splitlines() == [
        "metric,district,target,due",
        "issue_close_rate,,90.0,2026-12-31",
        "issue_verified_rate,南港区,80.0,",
    ]


def test_parsed_edit_is_a_targets_ingest_result_in_canonical_order():
    edit = parse_target_edits(
        editor_rows(("销号率", "南港区", 80, "2026-11-30"), ("问题整改率", "全市", 90, None)),
        districts=NAMES,
        as_of=W3,
    )
    assert edit.result is not None
    result = edit.result
    assert (result.kind, result.rows_valid, result.rows_invalid, result.as_of) == (
        "targets",
        2,
        0,
        W3,
    )
    rows = result.rows
    assert rows["metric"].tolist() == ["issue_close_rate", "issue_verified_rate"]
    assert rows["district"].tolist() == ["", "南港区"]
    assert rows["target"].tolist() == [90.0, 80.0]
    assert rows["due"].dtype == "datetime64[s]" and pd.isna(rows["due"].iloc[0])
    assert rows["source_row"].tolist() == [1, 2]


CATALOGUE = "、".join(m.label for m in METRICS.values())


# the editor's table is checked by ingest, as an uploaded targets file is: the messages are
# ingest's (the targets kind's rules for negative, over-100 and duplicate targets)
@pytest.mark.parametrize(
    ("row", "message"),
    [
        (("公益广告覆盖率", "全市", 90, None),
         f"第 1 行『指标』为 公益广告覆盖率，不是指标目录中的指标，请改为以下之一：{CATALOGUE}。"),
        (("问题整改率", "全市", "九十", None),
         "第 1 行『目标值』为 九十，不是数字，请填写数字或百分比，如 13%。"),
        (("问题整改率", "全市", None, None),
         "第 1 行『目标值』为空，这是必填项，请填写『目标值』后重新上传。"),
        ((None, "全市", 90, None), "第 1 行『指标』为空，这是必填项，请填写『指标』后重新上传。"),
        (("问题整改率", "西湖区", 90, None),
         "第 1 行『区县』为 西湖区，不是本市的区县，请改为以下之一：全市、东湖区、南港区。"),
        (("问题整改率", "全市", -5, None), "第 1 行『目标值』为 -5，目标值不能为负数，请核对。"),
        (("问题整改率", "全市", 900, None),
         "第 1 行『目标值』为 900，『问题整改率』是百分比，目标值不能超过 100，请填写如 90（表示 90%）。"),
        (("问题整改率", "全市", 90, "年底"),
         "第 1 行『完成时限』为 年底，无法识别为日期，请填写如 2026-11-15 或 2026年11月15日 的日期。"),
    ],
)  # fmt: skip
def test_bad_edits_are_refused_with_a_message_naming_row_and_value(row, message):
    edit = parse_target_edits(editor_rows(row), districts=NAMES)
    assert edit.errors == (message,)
    assert edit.result is None and not edit.ok


def test_duplicate_targets_and_blank_rows():
    edit = parse_target_edits(
        editor_rows(
            ("问题整改率", "南港区", 85, None),
            (None, None, None, None),  # a row added and left empty: ignored
            ("整改率", "南港区", 80, None),
        ),
        districts=NAMES,
    )
    assert edit.errors == (
        "第 3 行『指标』为 整改率，与第 1 行重复：南港区的『问题整改率』只能有一个目标，请删除其中一行。",
    )


def test_the_editor_and_an_uploaded_targets_file_agree_on_the_same_table():
    """One validation path: a duplicate city-wide target and a rate of 150 % are refused by an
    upload exactly as by the editor, and a share (0.9) is read as 90 % both ways."""
    rows = (
        ("问题整改率", "全市", 90, None),
        ("按期整改率", "全市", "150%", None),
        ("整改率", None, 95, "2026-12-31"),
        ("销号率", "南港区", 0.9, None),
    )
    csv_text = "指标,区县,目标值,完成时限\n" + "\n".join(
        ",".join("" if v is None else str(v) for v in row) for row in rows
    )
    uploaded = ingest_file(csv_text.encode("utf-8"), file_name="目标任务.csv", districts=DISTRICTS)
    edit = parse_target_edits(editor_rows(*rows), districts=DISTRICTS)
    upload_errors = [p.message for p in uploaded.problems if p.severity == "error"]
    # the file's rows start under its header (row 2); the editor's at its row 1
    assert upload_errors == [
        "第 3 行『目标值』为 150%，『按期整改率』是百分比，目标值不能超过 100，请填写如 90（表示 90%）。",
        "第 4 行『指标』为 整改率，与第 2 行重复：全市的『问题整改率』只能有一个目标，请删除其中一行。",
    ]
    assert list(edit.errors) == [
        "第 2 行『目标值』为 150%，『按期整改率』是百分比，目标值不能超过 100，请填写如 90（表示 90%）。",
        "第 3 行『指标』为 整改率，与第 1 行重复：全市的『问题整改率』只能有一个目标，请删除其中一行。",
    ]
    fixed = parse_target_edits(editor_rows(rows[0], rows[3]), districts=DISTRICTS)
    assert fixed.ok and fixed.result is not None
    assert fixed.result.rows["target"].tolist() == [90.0, 90.0]
    read = ingest_file(
        "指标,区县,目标值\n问题整改率,全市,90\n销号率,南港区,0.9\n".encode(),
        file_name="t.csv",
        districts=DISTRICTS,
    )
    assert read.rows["target"].tolist() == [90.0, 90.0]


def test_saving_commits_a_targets_snapshot_and_an_identical_table_restores_its_version(
    tmp_path: Path,
):
    store = Store(f"sqlite:///{tmp_path / 'civdash.sqlite'}")
    first = parse_target_edits(editor_rows(("问题整改率", "全市", 90, None)), districts=NAMES)
    second = parse_target_edits(editor_rows(("问题整改率", "全市", 95, None)), districts=NAMES)
    try:
        message = save_target_edit(store, first, committed_by="王科长", as_of=W2)
        assert message.startswith("目标任务已保存。已保存快照 #1（目标任务，截至 2026-11-08")
        save_target_edit(store, second, committed_by="王科长", as_of=W3)
        assert store.load_current("targets")["target"].tolist() == [95.0]  # type: ignore[index]
        message = save_target_edit(store, first, committed_by="王科长", as_of=W3)
        assert "已恢复该版本为当前目标任务" in message
        current = store.current("targets")
        assert current is not None and current.id == 1
        assert len(store.snapshots("targets")) == 2
        with pytest.raises(ValueError, match="目标任务有错误"):
            save_target_edit(
                store,
                parse_target_edits(editor_rows((None, "全市", 1, None)), districts=NAMES),
                committed_by="",
                as_of=W3,
            )
    finally:
        store.close()


def test_saving_follows_the_store_commit_rules(db_url: str) -> None:
    both = parse_target_edits(
        editor_rows(("问题整改率", "东湖区", 90, None), ("问题整改率", "南港区", 85, None)),
        districts=NAMES,
    )
    only_east = parse_target_edits(editor_rows(("问题整改率", "东湖区", 92, None)), districts=NAMES)
    nothing = parse_target_edits(editor_rows(), districts=NAMES)
    with Store(db_url) as store:
        save_target_edit(store, both, committed_by="王科长", as_of=W2)

        with pytest.raises(ShrinkHeldError) as held:
            save_target_edit(store, only_east, committed_by="王科长", as_of=W3)
        assert held.value.check.dropped == (("南港区", 1),)
        with pytest.raises(CommitRefusedError) as refused:
            save_target_edit(store, nothing, committed_by="王科长", as_of=W3)
        assert refused.value.message == MSG_NO_TARGETS
        assert store.audit()["action"].tolist()[:2] == ["refuse", "hold"]

        message = save_target_edit(
            store, only_east, committed_by="王科长", as_of=W3, allow_shrink=True
        )
        assert "提交人已确认替换" in message
        assert store.load_current("targets")["district"].tolist() == ["东湖区"]  # type: ignore[index]


def test_targets_behind_schedule_weigh_more_than_the_other_counts():
    frames = {
        ("issues", d): pd.concat([issues(r, 10), issues(3, 10, "南港区", start=100)])
        for d, r in ((W1, 6), (W2, 7), (W3, 8))
    }
    frames["targets", W1] = targets(
        ("issue_close_rate", "南港区", 90, "2026-12-31"),
        ("issue_close_rate", "", 40, "2026-12-31"),
    )
    led, table_for = make_ledgers(frames)
    view = build_targets_view(led, table_for)
    cards = {label: (value, note, colour) for label, value, note, colour in view.count_cards}
    assert cards[f":red[**{STATUS_BEHIND}**]"] == ("1项", "需加快进度", "red")
    assert cards[STATUS_REACHED] == ("1项", None, "gray")
    assert cards[STATUS_NO_DATA] == ("0项", None, "gray")


def test_no_count_is_red_when_every_target_is_on_track():
    frames = weekly_issues((50, 60, 70))
    frames["targets", W1] = targets(("issue_close_rate", "", 90, "2026-12-31"))
    led, table_for = make_ledgers(frames)
    view = build_targets_view(led, table_for)
    assert all(colour == "gray" for *_, colour in view.count_cards)
    assert [label for label, *_ in view.count_cards] == list(STATUSES)


def test_every_judgement_in_the_table_is_coloured_from_the_palette():
    for column in ("进度判断", "预计达标日期"):
        shown = JUDGEMENT_COLOURS[column]
        assert set(shown) == set(STATUSES)
        assert shown[STATUS_BEHIND] == (palette.BAD_TEXT, palette.BAD_FILL)
        assert shown[STATUS_ON_TRACK][0] == shown[STATUS_REACHED][0] == palette.GOOD_TEXT


def test_the_pace_column_writes_the_change_as_the_cards_do():
    frames = weekly_issues((50, 60, 70))
    frames["targets", W1] = targets(("issue_close_rate", "", 90, "2026-12-31"))
    led, table_for = make_ledgers(frames)
    view = build_targets_view(led, table_for)
    assert view.table["近期趋势"].tolist() == ["每周 +10.0 个百分点"]
    assert view.table["差距"].tolist() == ["尚差 20.0 个百分点"]
