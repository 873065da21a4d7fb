"""The upload workflow without Streamlit: read once, remap, review, fix, report, diff, commit."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from civdash import upload as up
from civdash.config import Settings
from civdash.districts import District, DistrictTable
from civdash.ingest import SOURCE_ROW
from civdash.io import FileRefused
from civdash.io.messages import too_large
from civdash.ledgers.matching import IGNORE
from civdash.store import LOCAL_TZ, CommitRefusedError, ShrinkHeldError, Store
from civdash.templates import example_rows, template_workbook
from tests.io.helpers import fixture, rewrite_zip, xlsx_bytes

CITY = DistrictTable(
    (
        District("城关区", 300000),
        District("东湖区", 250000),
        District("南港区", 200000),
        District("西山区", 150000, aliases=("西山县",)),
        District("高新技术产业开发区", 120000, aliases=("高新区",)),
    )
)

VOLUNTEER_HEADER = ["姓名", "所属区县", "注册日期", "累计服务时长（小时）", "联系电话"]


def _volunteers(*rows: list[object], header: list[str] = VOLUNTEER_HEADER) -> bytes:
    return xlsx_bytes({"志愿者台账": [["注册志愿者台账（截至2026年11月15日）"], header, *rows]})


GOOD = ["张伟", "东湖区", "2024-03-01", 120.5, "13800000001"]
BAD_DISTRICT = ["李娜", "北岭区", "2025-06-18", 36, "13800000002"]
BAD_HOURS = ["王芳", "南港区", "2026-03-01", -5, "13800000003"]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{tmp_path / 'civdash.sqlite'}")
    yield s
    s.close()


def _review(
    data: bytes, name: str = "志愿者.xlsx", choice: up.FileChoice | None = None
) -> up.Review:
    return up.Workbench().check(up.Upload.of(name, data), choice or up.FileChoice(), CITY)


def _error_cells(review: up.Review) -> set[tuple[int, str]]:
    return {
        (int(p.row), p.field) for p in review.result.problems if p.severity == "error" and p.row
    }


# ---- public API ----------------------------------------------------------------------------------


def test_public_api_is_guarded() -> None:
    assert sorted(up.__all__, key=str.lower) == sorted(
        [
            "CONFIRM_LABEL", "CommitCheck", "DistrictCheck", "FileChoice", "FixTable", "IGNORE_LABEL",
            "MSG_NO_LEDGER_FIX", "MSG_REPORT_MASKED", "MSG_STEP_CHECK", "MSG_STEP_DONE", "MSG_STEP_MATCH", "MSG_STEP_READ",
            "MSG_UNEXPECTED", "REPORT_ALL_ROWS_LIMIT", "REPORT_COLUMNS",
            "Review", "SnapshotDiff", "Upload", "Workbench", "already_committed_message",
            "apply_editor_rows", "apply_edits", "audit_detail", "audit_table", "check_districts",
            "commit_check", "commit_districts", "commit_review", "content_bytes", "default_as_of", "detect_kind",
            "diff_against", "diff_summary", "diff_warning", "district_file_notes", "district_summary",
            "edits_from_editor", "error_report", "field_options", "find_committed", "fix_table",
            "history_table", "mapping_conflicts", "mapping_from_table", "mapping_table",
            "missing_required_message", "no_ledger", "preview_styler", "problems_table", "read_district_file",
            "record_refusal", "report_file_name", "report_has_all_rows", "sheets_read",
            "sheets_summary", "snapshot_label",
        ],
        key=str.lower,
    )  # fmt: skip
    assert all(hasattr(up, name) for name in up.__all__)


def test_upload_module_does_not_import_streamlit() -> None:
    source = Path(up.__file__).read_text(encoding="utf-8")
    assert "import streamlit" not in source


# ---- reading once, progress ----------------------------------------------------------------------


def test_remapping_a_column_does_not_read_the_file_again(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    real = up.read_table

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(kwargs.get("header_row"))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(up, "read_table", counting)
    bench = up.Workbench()
    upload = up.Upload.of("v.xlsx", _volunteers(GOOD, BAD_DISTRICT))
    first = bench.check(upload, up.FileChoice(), CITY)
    remapped = up.FileChoice(mapping=(("联系电话", IGNORE),))
    second = bench.check(upload, remapped, CITY)
    assert len(calls) == 1
    assert "联系电话" in first.result.columns
    assert "联系电话" not in second.result.columns


def test_a_different_header_row_reads_the_file_again_and_is_kept() -> None:
    bench = up.Workbench()
    upload = up.Upload.of("v.xlsx", _volunteers(GOOD))
    auto = bench.table(upload)
    assert auto.header_row == 2
    explicit = bench.table(upload, auto.sheet, 1)
    assert explicit.header_row == 1
    assert bench.table(upload, auto.sheet, 1) is explicit
    assert bench.table(upload, auto.sheet, 2) is auto


def test_the_diff_is_kept_per_review_and_current_snapshot(store: Store) -> None:
    bench = up.Workbench()
    upload = up.Upload.of("v.xlsx", _volunteers(GOOD))
    review = bench.check(upload, up.FileChoice(), CITY)
    loads: list[int] = []

    def load(snapshot_id: int) -> pd.DataFrame:
        loads.append(snapshot_id)
        return store.load(snapshot_id)

    assert not bench.diff(review, None, load).has_current
    current = up.commit_review(store, _review(_volunteers(GOOD, BAD_DISTRICT))).snapshot
    first = bench.diff(review, current, load)
    assert bench.diff(review, current, load) is first
    assert loads == [current.id]
    assert (first.added, first.unchanged) == (0, 1)


def test_progress_is_reported_in_steps_read_match_check() -> None:
    steps: list[tuple[float, str]] = []
    upload = up.Upload.of("v.xlsx", _volunteers(GOOD))
    up.Workbench().check(upload, up.FileChoice(), CITY, progress=lambda f, t: steps.append((f, t)))
    assert [t for _, t in steps] == [
        up.MSG_STEP_READ,
        up.MSG_STEP_MATCH,
        up.MSG_STEP_CHECK,
        up.MSG_STEP_DONE,
    ]
    assert [f for f, _ in steps] == sorted(f for f, _ in steps)
    assert steps[-1][0] == 1.0


def test_forgotten_files_free_their_tables() -> None:
    bench = up.Workbench()
    a = up.Upload.of("a.xlsx", _volunteers(GOOD))
    b = up.Upload.of("b.xlsx", _volunteers(BAD_DISTRICT))
    ta = bench.table(a)
    bench.table(b)
    bench.keep_only([b.sha256])
    assert bench.table(a) is not ta


# ---- refusals ------------------------------------------------------------------------------------


def _pdf() -> bytes:
    return b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (fixture("encrypted.xlsx"), "加密.xlsx", "文件已加密，请取消密码后上传。"),
        (fixture("encrypted.xls"), "加密.xls", "文件已加密，请取消密码后上传。"),
        (
            _pdf(),
            "报告.xlsx",
            "无法识别的文件格式，『报告.xlsx』是PDF 文件，请上传 .xlsx / .xls / .ods / .csv 文件。",
        ),
        (b"", "空.xlsx", "文件是空的（0 字节），请检查后重新上传。"),
        (
            rewrite_zip(
                xlsx_bytes({"S": [["姓名"]]}), add={"xl/media/pad.bin": b"\x00" * (8 * 1024 * 1024)}
            ),
            "炸弹.xlsx",
            "文件解压后过大，疑似压缩炸弹，已拒绝。",
        ),
    ],
)
def test_unreadable_files_are_refused_with_one_sentence(
    data: bytes, name: str, message: str
) -> None:
    with pytest.raises(FileRefused) as caught:
        up.Workbench().table(up.Upload.of(name, data))
    assert str(caught.value) == message


def test_file_over_the_size_limit_is_refused() -> None:
    bench = up.Workbench(Settings(max_file_bytes=1024))
    with pytest.raises(FileRefused) as caught:
        bench.table(up.Upload.of("大.xlsx", _volunteers(*[GOOD] * 200)))
    assert str(caught.value) == too_large(1024)
    assert str(caught.value).endswith("请拆分后分批上传。")


def test_header_only_file_is_refused() -> None:
    with pytest.raises(FileRefused) as caught:
        _review(template_workbook("volunteers", CITY.names))
    assert str(caught.value) == "文件只有表头，没有数据行，请填写数据后重新上传。"


def test_file_naming_no_ledger_is_refused_until_a_kind_is_chosen() -> None:
    data = xlsx_bytes({"S": [["甲", "乙", "丙"], ["1", "2", "3"]]})
    upload = up.Upload.of("无关.xlsx", data)
    bench = up.Workbench()
    assert up.detect_kind(bench.table(upload)) is None
    with pytest.raises(FileRefused, match=r"^未识别出台账类型"):
        bench.check(upload, up.FileChoice(), CITY)
    chosen = bench.check(upload, up.FileChoice(kind="volunteers"), CITY)
    assert chosen.missing_required == ["姓名", "所属区县", "注册日期", "累计服务时长（小时）"]
    assert chosen.result.rows_valid == 0


def test_an_unexpected_failure_while_reading_becomes_a_refusal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("boom")

    monkeypatch.setattr(up, "read_table", broken)
    with pytest.raises(FileRefused) as caught:
        up.Workbench().table(up.Upload.of("x.xlsx", b"PK\x03\x04"))
    assert str(caught.value) == up.MSG_UNEXPECTED


def test_a_refusal_is_recorded_in_the_audit_and_nothing_is_stored(store: Store) -> None:
    upload = up.Upload.of("报告.xlsx", _pdf())
    bench = up.Workbench()
    with pytest.raises(FileRefused) as caught:
        bench.table(upload)
    reason = str(caught.value)
    assert bench.first_refusal(upload.sha256, reason)
    up.record_refusal(store, upload, reason, actor=" 王科长 ")
    assert not bench.first_refusal(upload.sha256, reason)
    audit = store.audit()
    assert list(audit["action"]) == ["refuse"]
    assert audit["file_name"].iat[0] == "报告.xlsx"
    assert audit["actor"].iat[0] == "王科长"
    assert audit["detail"].iat[0] == reason
    assert store.is_empty()


# ---- mapping -------------------------------------------------------------------------------------


def test_required_field_missing_is_named_and_remapping_the_column_supplies_it() -> None:
    header = ["姓名", "所属区县", "注册日期", "公益时数"]
    data = _volunteers(["张伟", "东湖区", "2024-03-01", 12], header=header)
    review = _review(data)
    assert review.missing_required == ["累计服务时长（小时）"]
    assert review.result.rows_valid == 0
    assert up.missing_required_message(review).startswith("缺少必填列『累计服务时长（小时）』")

    table = up.mapping_table(review)
    assert list(table.columns) == ["源列名", "示例值", "对应字段"]
    assert table.set_index("源列名").at["公益时数", "对应字段"] == up.IGNORE_LABEL
    position = list(table["源列名"]).index("公益时数")
    edited = up.apply_editor_rows(table, {position: {"对应字段": "*累计服务时长（小时）"}})
    mapping = up.mapping_from_table(edited, "volunteers")
    assert mapping["公益时数"] == "hours"
    fixed = _review(data, choice=up.FileChoice().with_mapping(mapping))
    assert fixed.missing_required == []
    assert fixed.result.rows_valid == 1
    assert fixed.result.rows["hours"].tolist() == [12.0]


def test_mapping_table_round_trips_to_the_same_result() -> None:
    review = _review(_volunteers(GOOD, BAD_DISTRICT))
    mapping = up.mapping_from_table(up.mapping_table(review), "volunteers")
    again = _review(_volunteers(GOOD, BAD_DISTRICT), choice=up.FileChoice().with_mapping(mapping))
    assert again.result.columns == review.result.columns
    assert again.result.rows_valid == review.result.rows_valid


def test_mapping_table_masks_personal_data_in_its_samples() -> None:
    table = up.mapping_table(_review(_volunteers(GOOD))).set_index("源列名")
    assert table.at["联系电话", "示例值"] == "138****0001"


def test_compound_title_header_is_offered_once_for_units() -> None:
    options = up.field_options("units")
    assert next(iter(options)) == up.IGNORE_LABEL
    assert options["称号（级别+创建类别）"] == "称号"
    assert "荣誉称号（级别+创建类别）" not in options
    assert options["*单位名称"] == "unit_name"


def test_a_field_chosen_for_two_columns_is_called_out() -> None:
    mapping = {"姓名": "name", "名字": "name", "区县": "district"}
    assert up.mapping_conflicts(mapping, "volunteers") == [
        "『*姓名』同时对应了『姓名』、『名字』，只会导入最后一列『名字』，请只保留一列。"
    ]


def test_error_report_columns_are_left_out_when_the_report_comes_back() -> None:
    review = _review(_volunteers(GOOD, BAD_DISTRICT))
    back = _review(up.error_report(review), "志愿者_问题报告.xlsx")
    assert "问题说明" not in back.result.columns
    assert "原行号" not in back.result.columns
    assert back.result.rows_read == 2
    assert back.result.rows_valid == 1
    assert back.result.as_of == date(2026, 11, 15)


# ---- review --------------------------------------------------------------------------------------


def test_problems_table_filters_by_field_and_severity() -> None:
    review = _review(_volunteers(GOOD, BAD_DISTRICT, BAD_HOURS))
    every = up.problems_table(review)
    assert list(every.columns) == ["行号", "字段", "原值", "说明", "级别"]
    assert set(every["级别"]) == {"错误"}
    only_district = up.problems_table(review, fields=["所属区县"])
    assert only_district["行号"].tolist() == [4]
    assert only_district["原值"].tolist() == ["北岭区"]
    assert up.problems_table(review, severities=["提醒"]).empty


def test_preview_highlights_exactly_the_invalid_cells_and_masks_phones() -> None:
    review = _review(_volunteers(GOOD, BAD_DISTRICT, BAD_HOURS))
    styler = review_styler = up.preview_styler(review)
    frame = styler.data
    assert frame.index.tolist() == [3, 4, 5]
    assert frame["状态"].tolist() == ["✓", "✗", "✗"]
    assert frame.at[4, "所属区县"] == "北岭区"  # raw text of an invalid row
    assert frame.at[3, "注册日期"] == "2024-03-01"  # normalized value of a valid row
    assert frame.at[3, "联系电话"] == "138****0001"
    styles = review_styler._compute().ctx  # (row position, column position) → [(prop, value)]
    red = {
        (frame.index[r], frame.columns[c])
        for (r, c), props in styles.items()
        if ("background-color", "#FFC7CE") in props
    }
    assert red == {(4, "所属区县"), (5, "累计服务时长（小时）")}


def test_preview_can_show_only_the_rows_with_problems() -> None:
    review = _review(_volunteers(GOOD, BAD_DISTRICT, GOOD, BAD_HOURS))
    assert up.preview_styler(review, only_problems=True).data.index.tolist() == [4, 6]
    assert up.preview_styler(review, limit=2).data.index.tolist() == [3, 4]


# ---- fixing in the page --------------------------------------------------------------------------


def test_fixing_a_cell_in_the_editor_revalidates_the_row() -> None:
    bench = up.Workbench()
    upload = up.Upload.of("v.xlsx", _volunteers(GOOD, BAD_DISTRICT, BAD_HOURS))
    review = bench.check(upload, up.FileChoice(), CITY)
    fix = up.fix_table(review)
    assert fix.frame.index.tolist() == [4, 5]
    assert fix.frame.at[4, "所属区县"] == "北岭区"
    assert "不是本市的区县" in fix.frame.at[4, "问题"]
    assert fix.frame.at[4, "联系电话"] == "138****0002"
    assert "联系电话" in fix.locked

    edits = up.edits_from_editor(
        fix, {0: {"所属区县": "东湖", "联系电话": "changed", "问题": "x"}, "1": {"姓名": "王芳"}}
    )
    assert edits == {(4, fix.columns["所属区县"]): "东湖"}  # unchanged, locked cells dropped
    fixed = bench.check(upload, review.choice.with_edits(edits), CITY)
    assert fixed.result.rows_valid == 2
    assert fixed.result.invalid_rows == (5,)
    row = fixed.result.rows.set_index(SOURCE_ROW).loc[4]
    assert row["district"] == "东湖区"
    assert row["phone"] == "13800000002"  # the masked value never reaches the data


def test_edits_change_the_content_hash_and_the_same_edits_give_the_same_hash() -> None:
    data = _volunteers(GOOD, BAD_DISTRICT)
    plain = _review(data)
    edits = up.FileChoice().with_edits({(4, 1): "东湖区"})
    a = _review(data, choice=edits)
    b = _review(data, choice=up.FileChoice().with_edits({(4, 1): "东湖区"}))
    assert plain.content_sha256 == plain.upload.sha256
    assert a.content_sha256 != plain.content_sha256
    assert a.content_sha256 == b.content_sha256
    assert a.result.sha256 == a.content_sha256


def test_clearing_a_cell_empties_it() -> None:
    data = _volunteers(GOOD)
    review = _review(data, choice=up.FileChoice().with_edits({(3, 0): " "}))
    assert review.result.rows_valid == 0
    assert "为空，这是必填项" in review.result.problems[0].message


def test_content_bytes_without_edits_are_the_file() -> None:
    assert up.content_bytes(b"abc") == b"abc"
    assert up.content_bytes(b"abc", [(4, 1, "东湖区")]).startswith(b"abc")
    assert up.content_bytes(b"abc", [(4, 1, "x"), (3, 1, "y")]) == up.content_bytes(
        b"abc", [(3, 1, "y"), (4, 1, "x")]
    )


# ---- error report --------------------------------------------------------------------------------


def _report_sheet(review: up.Review) -> openpyxl.worksheet.worksheet.Worksheet:
    return openpyxl.load_workbook(io.BytesIO(up.error_report(review))).worksheets[0]


def test_error_report_highlights_exactly_the_invalid_cells() -> None:
    review = _review(_volunteers(GOOD, BAD_DISTRICT, BAD_HOURS))
    ws = _report_sheet(review)
    assert ws.cell(1, 1).value == "注册志愿者台账（截至2026年11月15日）"
    header = [c.value for c in ws[2]]
    assert header == ["原行号", *VOLUNTEER_HEADER, "问题说明"]
    red = set()
    for row in ws.iter_rows(min_row=3):
        for cell in row:
            if cell.fill.fgColor.rgb == "FFFFC7CE":
                red.add((row[0].value, header[cell.column - 1]))
    assert red == {(4, "所属区县"), (5, "累计服务时长（小时）")}
    notes = {row[0].value: row[-1].value for row in ws.iter_rows(min_row=3)}
    assert notes[3] is None
    assert "北岭区" in notes[4]
    assert "时长不能为负数" in notes[5]
    assert openpyxl.load_workbook(io.BytesIO(up.error_report(review))).sheetnames[1] == "问题清单"


def test_error_report_keeps_formula_like_text_as_text() -> None:
    csv = (
        # the fifth column is not personal data: personal columns are masked in the report
        "姓名,所属区县,注册日期,累计服务时长（小时）,志愿服务队\n"
        '=HYPERLINK(""http://x""),北岭区,2024-03-01,1,@SUM(A1)\n'
    )
    review = _review(
        csv.replace('=HYPERLINK(""http://x"")', '"=HYPERLINK(""http://x"")"').encode(), "v.csv"
    )
    ws = _report_sheet(review)
    name, team = ws.cell(2, 2), ws.cell(2, 6)
    assert name.data_type == "s"
    assert name.value == '=HYPERLINK("http://x")'
    assert name.quotePrefix
    assert team.data_type == "s"
    assert team.value == "@SUM(A1)"


def test_error_report_of_a_libreoffice_xls_marks_the_rows_the_problems_name() -> None:
    review = _review(fixture("units_offset.xls"), "units_offset.xls")
    ws = _report_sheet(review)
    header = [c.value for c in ws[ws.max_row - review.result.rows_read]]
    district = header.index("所属区县") + 1
    red_rows = {
        row[0].value
        for row in ws.iter_rows(min_row=1)
        if row[district - 1].fill.fgColor.rgb == "FFFFC7CE"
    }
    assert red_rows == set(review.result.invalid_rows)


def test_error_report_of_a_big_file_lists_only_the_rows_with_problems(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(up, "REPORT_ALL_ROWS_LIMIT", 2)
    review = _review(_volunteers(GOOD, BAD_DISTRICT, GOOD, BAD_HOURS))
    assert not up.report_has_all_rows(review)
    ws = _report_sheet(review)
    assert ws.cell(1, 1).value == (
        "本文件共 4 行，报告只列出有问题的 2 行；请按『原行号』在原表格中修改后重新上传原表格。"
    )
    assert ws.cell(2, 1).value == "注册志愿者台账（截至2026年11月15日）"
    assert [row[0].value for row in ws.iter_rows(min_row=4)] == [4, 6]


def test_report_file_name_says_what_it_is() -> None:
    assert up.report_file_name("志愿者台账.xls") == "志愿者台账_问题报告.xlsx"


# ---- commit --------------------------------------------------------------------------------------


def test_commit_stores_the_valid_rows_once_and_recognises_the_same_file(store: Store) -> None:
    store.commit_districts(CITY, b"city", file_name="city.geojson")
    data = _volunteers(GOOD, BAD_DISTRICT)
    review = _review(data)
    outcome = up.commit_review(store, review, as_of=date(2026, 11, 15), committed_by="王科长")
    assert outcome.created
    assert outcome.snapshot.rows_valid == 1
    assert outcome.snapshot.rows_invalid == 1
    assert outcome.snapshot.committed_by == "王科长"
    assert outcome.snapshot.sha256 == review.content_sha256
    assert store.load(outcome.snapshot.id)["name"].tolist() == ["张伟"]
    assert up.find_committed(store.snapshots("volunteers"), review) == outcome.snapshot

    again = up.commit_review(store, _review(data), committed_by="李")
    assert not again.created
    assert again.message.startswith("该文件已于")
    assert f"（快照 #{outcome.snapshot.id}）" in again.message
    assert len(store.snapshots("volunteers")) == 1


def test_a_fixed_file_is_a_different_snapshot_from_its_original(store: Store) -> None:
    data = _volunteers(GOOD, BAD_DISTRICT)
    original = up.commit_review(store, _review(data), as_of=date(2026, 11, 8))
    fixed = _review(data, choice=up.FileChoice().with_edits({(4, 1): "东湖区"}))
    outcome = up.commit_review(store, fixed, as_of=date(2026, 11, 15))
    assert outcome.created
    assert outcome.snapshot.id != original.snapshot.id
    assert outcome.snapshot.rows_valid == 2


NOTHING_VALID = "文件中没有有效数据行（读取 1 行，全部有误），未保存；请按检查结果改正后重新提交。"


def test_nothing_valid_cannot_be_committed_and_the_store_says_why(store: Store) -> None:
    review = _review(_volunteers(BAD_DISTRICT))
    assert not review.can_commit
    check = up.commit_check(review, None, None, as_of=date(2026, 11, 15), max_share=0.3)
    assert (check.can_commit, check.refusal) == (False, NOTHING_VALID)
    with pytest.raises(CommitRefusedError) as refused:
        up.commit_review(store, review, committed_by=" 王科长 ")
    assert refused.value.message == check.refusal
    assert store.is_empty()
    audit = store.audit()
    assert audit[["action", "file_name", "actor"]].values.tolist() == [
        ["refuse", "志愿者.xlsx", "王科长"]
    ]
    assert audit["sha256"].iat[0] == review.content_sha256


def _city_volunteers(per_district: dict[str, int], name: str = "张伟") -> bytes:
    """A volunteers file with `n` valid rows in each district."""
    rows = [
        [f"{name}{district}{i}", district, "2024-03-01", 10 + i, "13800000001"]
        for district, n in per_district.items()
        for i in range(n)
    ]
    return _volunteers(*rows)


def test_commit_check_shows_what_the_store_would_hold(store: Store) -> None:
    current = up.commit_review(
        store, _review(_city_volunteers({"东湖区": 4, "南港区": 3, "西山区": 3}))
    ).snapshot
    review = _review(_city_volunteers({"东湖区": 4}, name="李娜"))
    counts = store.rows_by_district(current.id)
    diff = up.diff_against(store.load(current.id), review.result.rows, "volunteers")

    check = up.commit_check(
        review, current, counts, as_of=date(2026, 11, 22), max_share=0.3, diff=diff
    )

    assert check.can_commit and check.needs_confirmation
    assert check.numbers() == {"当前快照行数": "10", "本文件有效行数": "4", "减少比例": "60%"}
    assert check.dropped_table().to_dict("records") == [
        {"区县": "南港区", "当前快照行数": 3, "本文件行数": 0},
        {"区县": "西山区", "当前快照行数": 3, "本文件行数": 0},
    ]
    assert check.confirmation() == (
        f"提交前请核对：与当前快照 #{current.id}（志愿者，截至 2026-11-15，10 行）相比，"
        "本文件只有 4 行（减少 60%，超过允许的 30%），且没有南港区（当前 3 行）、西山区（当前 3 行）的数据。"
        "当前快照中有 10 行（100%）在本文件中找不到。"
        "提交后本文件将替换当前快照，文件中没有的区县和行将不再计入统计；"
        "请确认上传的是完整台账，而不是其中一部分。"
    )
    with pytest.raises(ShrinkHeldError) as held:
        up.commit_review(store, review, as_of=date(2026, 11, 22))
    assert held.value.check == check.shrink  # the page and the store judge the same numbers
    outcome = up.commit_review(store, review, as_of=date(2026, 11, 22), allow_shrink=True)
    assert outcome.created and outcome.snapshot.is_current


@pytest.mark.parametrize(
    ("as_of", "committed", "held"),
    [(date(2026, 11, 22), False, True), (date(2026, 11, 1), False, False),
     (date(2026, 11, 22), True, False)],
    ids=["becomes-current", "older-date", "already-stored"],
)  # fmt: skip
def test_commit_check_holds_only_what_would_become_current_and_is_new(
    store: Store, as_of: date, committed: bool, held: bool
) -> None:
    full = _review(_city_volunteers({"东湖区": 2, "南港区": 2}))
    current = up.commit_review(store, full).snapshot
    review = _review(_city_volunteers({"东湖区": 2}))
    check = up.commit_check(
        review, current, store.rows_by_district(current.id), as_of=as_of, max_share=0.3,
        committed=current if committed else None,
    )  # fmt: skip
    assert check.needs_confirmation is held
    assert check.can_commit


def test_already_committed_message_offers_to_make_an_old_snapshot_current(store: Store) -> None:
    old = up.commit_review(store, _review(_volunteers(GOOD)), as_of=date(2026, 11, 8)).snapshot
    up.commit_review(store, _review(_volunteers(GOOD, GOOD)), as_of=date(2026, 11, 15))
    at = old.committed_at.astimezone(LOCAL_TZ)
    assert up.already_committed_message(store.snapshot(old.id)) == (
        f"该文件已于 {at:%Y-%m-%d %H:%M} 导入（快照 #{old.id}，截至 2026-11-08），再次提交不会重复保存。"
        "该快照目前不是当前快照，如需以它为准，请点『设为当前快照』。"
    )
    assert up.already_committed_message(old).endswith("再次提交不会重复保存。")


def test_two_users_committing_the_same_file_at_once_leave_one_snapshot(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    Store(url).close()
    data = _volunteers(GOOD, BAD_DISTRICT)
    outcomes: list[object] = []
    barrier = threading.Barrier(2)

    def user(name: str) -> None:
        store = Store(url)
        review = up.Workbench().check(up.Upload.of("v.xlsx", data), up.FileChoice(), CITY)
        barrier.wait()
        outcomes.append(up.commit_review(store, review, committed_by=name))
        store.close()

    threads = [threading.Thread(target=user, args=(n,)) for n in ("甲", "乙")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with Store(url) as store:
        assert len(store.snapshots("volunteers")) == 1
        assert sorted(store.audit()["action"]) == ["commit", "duplicate"]
    assert sorted(o.created for o in outcomes) == [False, True]  # type: ignore[attr-defined]


def test_a_commit_interrupted_midway_stores_nothing(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import civdash.store as store_module

    def dies(*args: object, **kwargs: object) -> None:
        raise ConnectionError("browser closed, worker killed")

    monkeypatch.setattr(store_module, "_bulk_insert", dies)
    with pytest.raises(ConnectionError):
        up.commit_review(store, _review(_volunteers(GOOD)), committed_by="王科长")
    assert store.is_empty()
    assert store.audit().empty


def test_as_of_defaults_to_the_title_date() -> None:
    assert up.default_as_of(_review(_volunteers(GOOD))) == date(2026, 11, 15)


# ---- what will change ----------------------------------------------------------------------------


def _issue_rows(*rows: tuple[str, str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "issue_id": [r[0] for r in rows],
            "status": [r[1] for r in rows],
            "description": [r[2] for r in rows],
            SOURCE_ROW: range(3, 3 + len(rows)),
        }
    )


def test_diff_counts_added_removed_and_changed_rows_by_id() -> None:
    current = _issue_rows(("Q1", "待整改", "a"), ("Q2", "整改中", "b"), ("Q3", "待整改", "c"))
    new = _issue_rows(("Q1", "已整改", "a"), ("Q2", "整改中", "b2"), ("Q4", "待整改", "d"))
    diff = up.diff_against(current, new, "issues")
    assert (diff.added, diff.removed, diff.changed, diff.unchanged) == (1, 1, 2, 0)
    assert diff.changed_fields == {"整改状态": 1, "问题描述": 1}
    assert diff.status_changes.to_dict("records") == [
        {"原状态": "待整改", "新状态": "已整改", "数量": 1}
    ]
    assert set(diff.examples["字段"]) == {"整改状态", "问题描述"}


def test_diff_counts_status_changes_by_from_and_to() -> None:
    current = _issue_rows(*[(f"Q{i}", "待整改", "x") for i in range(5)])
    new = _issue_rows(
        ("Q0", "已整改", "x"),
        ("Q1", "已整改", "x"),
        ("Q2", "整改中", "x"),
        ("Q3", "待整改", "x"),
        ("Q4", "已整改", "x"),
    )
    diff = up.diff_against(current, new, "issues")
    assert diff.status_changes.to_dict("records") == [
        {"原状态": "待整改", "新状态": "已整改", "数量": 3},
        {"原状态": "待整改", "新状态": "整改中", "数量": 1},
    ]
    assert diff.unchanged == 1


def test_diff_without_a_current_snapshot_adds_everything() -> None:
    new = _issue_rows(("Q1", "待整改", "a"))
    diff = up.diff_against(None, new, "issues")
    assert (diff.has_current, diff.added, diff.removed, diff.changed) == (False, 1, 0, 0)
    assert up.diff_summary(diff, None) == "本台账还没有快照，提交后将成为第一个快照（1 行）。"


def test_volunteers_without_ids_are_matched_by_name_district_and_registration() -> None:
    def frame(hours: list[float]) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "volunteer_id": [None, None],
                "name": ["张伟", "李娜"],
                "district": ["东湖区", "南港区"],
                "registered_on": pd.to_datetime(["2024-03-01", "2025-06-18"]),
                "hours": hours,
                SOURCE_ROW: [3, 4],
            }
        )

    diff = up.diff_against(frame([10.0, 20.0]), frame([10.0, 25.5]), "volunteers")
    assert (diff.added, diff.removed, diff.changed, diff.unchanged) == (0, 0, 1, 1)
    assert diff.changed_fields == {"累计服务时长（小时）": 1}


def test_diff_compares_whole_number_columns_with_blanks() -> None:
    # 命名年份 is Int64: a blank is pd.NA, which has no truth value in a plain comparison
    def units(years: list[int | None]) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "unit_id": ["U1", "U2", "U3"],
                "named_year": pd.array(years, dtype="Int64"),
                SOURCE_ROW: [3, 4, 5],
            }
        )

    diff = up.diff_against(units([2023, None, None]), units([2023, None, 2024]), "units")
    assert (diff.changed, diff.unchanged) == (1, 2)
    assert diff.changed_fields == {"命名年份": 1}
    assert diff.examples.to_dict("records") == [
        {"标识": "U3", "字段": "命名年份", "原值": "", "新值": "2024"}
    ]


def test_targets_are_matched_by_metric_and_district() -> None:
    current = pd.DataFrame(
        {
            "metric": ["issue_close_rate", "volunteer_count"],
            "district": ["", "东湖区"],
            "target": [90.0, 100.0],
        }
    )
    new = pd.DataFrame(
        {
            "metric": ["issue_close_rate", "volunteer_count"],
            "district": ["", "南港区"],
            "target": [95.0, 100.0],
        }
    )
    diff = up.diff_against(current, new, "targets")
    assert (diff.added, diff.removed, diff.changed) == (1, 1, 1)


def test_diff_against_a_stored_snapshot_of_the_same_file_changes_nothing(store: Store) -> None:
    review = _review(_volunteers(GOOD, ["李娜", "东湖区", "2025-06-18", 36, "13800000002"]))
    outcome = up.commit_review(store, review)
    diff = up.diff_against(store.load(outcome.snapshot.id), review.result.rows, "volunteers")
    assert (diff.added, diff.removed, diff.changed, diff.unchanged) == (0, 0, 0, 2)


def test_diff_summary_names_the_current_snapshot(store: Store) -> None:
    review = _review(_volunteers(GOOD))
    outcome = up.commit_review(store, review)
    diff = up.diff_against(store.load(outcome.snapshot.id), review.result.rows, "volunteers")
    text = up.diff_summary(diff, outcome.snapshot)
    assert text.startswith(
        f"与当前快照 #{outcome.snapshot.id}（截至 2026-11-15）相比：新增 **0** 行"
    )


# ---- history -------------------------------------------------------------------------------------


def test_history_and_audit_tables_say_who_did_what_when(store: Store) -> None:
    review = _review(_volunteers(GOOD))
    outcome = up.commit_review(store, review, committed_by="王科长")
    store.delete(outcome.snapshot.id, actor="李主任")
    up.commit_review(store, _review(_volunteers(GOOD, BAD_DISTRICT)), committed_by="王科长")
    history = up.history_table(store.snapshots())
    assert list(history.columns) == [
        "编号", "台账", "截至日期", "当前", "文件", "提交人", "提交时间", "读取行", "有效行", "无效行", "文件指纹",
    ]  # fmt: skip
    assert history.at[0, "台账"] == "志愿者"
    assert history.at[0, "当前"] == "✓"
    assert len(history.at[0, "文件指纹"]) == 12
    audit = up.audit_table(store.audit())
    assert audit["操作"].tolist() == ["导入", "删除快照", "导入"]
    assert audit["操作人"].tolist() == ["王科长", "李主任", "王科长"]
    detail = up.audit_detail(store.audit(), "delete", outcome.snapshot.id)
    assert detail.startswith(f"已删除快照 #{outcome.snapshot.id}（志愿者")
    assert "志愿者" in up.snapshot_label(store.snapshots()[0])


# ---- districts -----------------------------------------------------------------------------------


def _geojson(*names: str) -> bytes:
    square = {
        "type": "Polygon",
        "coordinates": [[[120, 30], [120.1, 30], [120.1, 30.1], [120, 30]]],
    }
    feats = [
        {"type": "Feature", "properties": {"name": n, "population": 1000}, "geometry": square}
        for n in names
    ]
    return json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False).encode()


def test_district_file_is_read_from_geojson_or_a_table() -> None:
    geo = up.read_district_file(_geojson("东湖区", "南港区"), "city.geojson")
    assert geo.table.names == ("东湖区", "南港区")
    assert geo.table.has_geometry and geo.crs == "WGS-84" and not geo.datav
    sheet = xlsx_bytes({"区县": [["区县", "常住人口"], ["东湖区", 250000], ["南港区", 200000]]})
    table = up.read_district_file(sheet, "区县.xlsx").table
    assert table.names == ("东湖区", "南港区")
    assert table.population() == {"东湖区": 250000.0, "南港区": 200000.0}
    summary = up.district_summary(geo.table)
    assert summary["边界"].tolist() == ["有", "有"]
    assert up.district_file_notes(geo) == ()


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"{not json", "city.geojson", "区县边界文件不是有效的 GeoJSON，请检查文件内容。"),
        (
            b'{"type": "Feature"}',
            "city.geojson",
            "区县边界文件不是 GeoJSON FeatureCollection，请检查文件内容。",
        ),
        (_pdf(), "city.xlsx", "无法识别的文件格式"),
    ],
)
def test_bad_district_files_are_refused(data: bytes, name: str, message: str) -> None:
    with pytest.raises(FileRefused) as caught:
        up.read_district_file(data, name)
    assert str(caught.value).startswith(message)


def test_district_names_of_current_snapshots_are_re_resolved_against_the_new_table() -> None:
    current = {
        "volunteers": pd.DataFrame(
            {"district": ["东湖区", "东湖区", "西山区", "高新技术产业开发区"]}
        ),
        "targets": pd.DataFrame({"district": ["", "东湖区"]}),
        "units": None,
    }
    new = DistrictTable((District("东湖区"), District("高新区", aliases=("高新技术产业开发区",))))
    check = up.check_districts(current, new)
    assert check.unresolved.to_dict("records") == [
        {"台账": "志愿者", "原区县名称": "西山区", "行数": 1, "新表中对应": "", "结果": "无法对应"}
    ]
    assert check.renamed["原区县名称"].tolist() == ["高新技术产业开发区"]
    assert check.renamed["结果"].tolist() == ["改为『高新区』"]
    unchanged = check.names[check.names["结果"] == "不变"]
    assert unchanged[["台账", "行数"]].to_dict("records") == [
        {"台账": "志愿者", "行数": 2},
        {"台账": "目标任务", "行数": 1},
    ]


def test_replacing_the_districts_stores_a_new_current_table(store: Store) -> None:
    data = _geojson("东湖区", "南港区")
    table = up.read_district_file(data, "city.geojson").table
    outcome = up.commit_districts(store, table, data, "city.geojson", " 王科长 ")
    assert outcome.created
    assert store.districts().names == ("东湖区", "南港区")  # type: ignore[union-attr]
    assert store.current("districts").committed_by == "王科长"  # type: ignore[union-attr]


def test_a_datav_upload_is_converted_and_takes_population_by_name_and_code() -> None:
    from tests.test_districts import datav_bytes

    sheet = xlsx_bytes(
        {
            "常住人口": [
                ["行政区划代码", "区县", "常住人口"],
                ["330106000000", "西湖", 1130000],
                [None, "萧山", 2011000],
                [None, "临平", 1170000],
            ]
        }
    )
    read = up.read_district_file(
        datav_bytes(), "330100_full.json", population=up.Upload.of("人口.xlsx", sheet)
    )
    assert read.datav and read.crs == "GCJ-02" and read.crs_assumed
    assert read.table.population() == {"西湖区": 1130000.0, "萧山区": 2011000.0}
    assert up.district_file_notes(read) == (
        "以下 1 个区县没有常住人口，按每万人计算的指标不含它们：桐庐县；请在常住人口表中补上。",
        "常住人口表中以下 1 行对应不上任何区县，未使用：临平；请核对区县名称或区划代码。",
    )
    summary = up.district_summary(read.table)
    assert summary["区划代码"].tolist() == ["330106", "330109", "330122"]
    bare = up.read_district_file(datav_bytes(), "330100_full.json", crs="WGS-84")
    assert not bare.crs_assumed
    assert up.district_file_notes(bare) == (
        "区县表中没有常住人口，按每万人计算的指标将无法显示；"
        "请另附常住人口表（区县、常住人口两列，或区划代码、常住人口两列）。",
    )


def test_a_population_sheet_with_a_bad_number_is_refused_naming_the_sheet() -> None:
    from tests.test_districts import datav_bytes

    sheet = xlsx_bytes({"人口": [["区县", "常住人口"], ["西湖区", "很多"]]})
    with pytest.raises(FileRefused) as caught:
        up.read_district_file(datav_bytes(), "a.json", population=up.Upload.of("p.xlsx", sheet))
    assert str(caught.value) == (
        "常住人口表有误：第 2 行『常住人口』为 很多，不是数字，请填写人数，如 263000。"
    )


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (
            ("西湖区", "萧山区"),
            "现有台账中的区县名称在新区县表中全都对应不上：东湖区（志愿者 2 行、目标任务 1 行）、"
            "高新技术产业开发区（志愿者 1 行）；换成新区县表后，这些行不计入任何区县，"
            "地图和各区县统计中它们的数会是 0。",
        ),
        (
            ("东湖区", "萧山区"),
            "现有台账中有 1 个区县名称在新区县表中对应不上：高新技术产业开发区（志愿者 1 行）；"
            "换成新区县表后，这些行不计入任何区县，地图和各区县统计中它们的数会是 0。",
        ),
        (("东湖", "高新区"), None),
    ],
)
def test_district_check_warns_of_ledger_districts_the_new_table_cannot_resolve(
    names: tuple[str, ...], expected: str | None
) -> None:
    current = {
        "volunteers": pd.DataFrame({"district": ["东湖区", "东湖区", "高新技术产业开发区"]}),
        "targets": pd.DataFrame({"district": ["", "东湖区"]}),
        "issues": None,
    }
    new = DistrictTable(
        tuple(District(n, aliases=("高新技术产业开发区",) if n == "高新区" else ()) for n in names)
    )
    check = up.check_districts(current, new)
    assert check.warning() == expected
    assert check.complete is (expected is None)


def test_no_ledgers_means_any_district_table_is_complete() -> None:
    check = up.check_districts({"units": None}, DistrictTable((District("西湖区"),)))
    assert check.complete and check.warning() is None


def test_a_table_kept_aside_can_be_made_current_by_committing_it_again(db_url: str) -> None:
    with Store(db_url) as store:
        first = up.commit_districts(store, CITY, b"city", "city.geojson", "王科长")
        other = DistrictTable((District("西湖区"),))
        aside = up.commit_districts(store, other, b"xh", "xh.json", "王科长", make_current=False)
        assert aside.created and not aside.snapshot.is_current
        assert store.current("districts").id == first.snapshot.id  # type: ignore[union-attr]
        assert aside.message.endswith(
            f"；当前快照仍为 #{first.snapshot.id}（截至 {first.snapshot.as_of}）"
        )
        again = up.commit_districts(store, other, b"xh", "xh.json", "张晓", make_current=True)
        assert not again.created and again.snapshot.is_current
        assert again.message.endswith(f"；已将快照 #{aside.snapshot.id} 设为当前区县表")
        assert store.districts().names == ("西湖区",)  # type: ignore[union-attr]
        assert store.audit()["actor"].iloc[0] == "张晓"


# ---- templates in, clean out ---------------------------------------------------------------------


def test_a_filled_template_reviews_without_problems_and_commits(store: Store) -> None:
    data = template_workbook("issues", CITY.names, rows=example_rows("issues", CITY.names))
    review = _review(data, "问题整改台账模板.xlsx")
    assert review.result.problems == []
    assert up.fix_table(review).frame.empty
    assert up.commit_review(store, review).snapshot.rows_valid == 2


def test_error_report_masks_personal_data_and_a_masked_number_sent_back_is_not_imported() -> None:
    csv = (
        "姓名,所属区县,注册日期,累计服务时长（小时）,联系电话,身份证号\n"
        "张三,北岭区,2024-03-01,1,13800138000,110105199001011234\n"
        "李四,东湖区,2024-03-01,2,13900139000,110105199001015678\n"
    )
    review = _review(csv.encode(), "v.csv")
    data = up.error_report(review)
    book = openpyxl.load_workbook(io.BytesIO(data))
    cells = [str(c.value) for row in book.worksheets[0].iter_rows() for c in row if c.value]
    assert "138****8000" in cells and "110105********1234" in cells
    assert not any("13800138000" in c or "199001011234" in c for c in cells)
    header = list(book.worksheets[0][1])
    phone = next(c for c in header if c.value == "联系电话")
    assert phone.comment is not None and phone.comment.text == up.MSG_REPORT_MASKED
    again = _review(data, "v_问题报告.xlsx")
    assert again.result.rows["phone"].isna().all()
    warned = [p for p in again.result.problems if p.field == "phone"]
    assert warned and all(p.severity == "warning" for p in warned)
    assert "是脱敏后的号码，未导入" in warned[0].message
