"""Reading a file once per session, progress, and the files that are refused."""

from __future__ import annotations

import pandas as pd
import pytest

from civdash import upload as up
from civdash.config import Settings
from civdash.io import FileRefused
from civdash.io.messages import too_large
from civdash.ledgers.matching import IGNORE
from civdash.store import Store
from civdash.templates import template_workbook
from civdash.upload import workbench
from tests.io.helpers import fixture, rewrite_zip, xlsx_bytes
from tests.upload.helpers import (
    BAD_DISTRICT,
    CITY,
    GOOD,
    check_file,
    pdf_bytes,
    volunteers_xlsx,
)


def test_remapping_a_column_does_not_read_the_file_again(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    real = workbench.read_table

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(kwargs.get("header_row"))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(workbench, "read_table", counting)
    bench = up.Workbench()
    upload = up.Upload.of("v.xlsx", volunteers_xlsx(GOOD, BAD_DISTRICT))
    first = bench.check(upload, up.FileChoice(), CITY)
    remapped = up.FileChoice(mapping=(("联系电话", IGNORE),))
    second = bench.check(upload, remapped, CITY)
    assert len(calls) == 1
    assert "联系电话" in first.result.columns
    assert "联系电话" not in second.result.columns


def test_a_different_header_row_reads_the_file_again_and_is_kept() -> None:
    bench = up.Workbench()
    upload = up.Upload.of("v.xlsx", volunteers_xlsx(GOOD))
    auto = bench.table(upload)
    assert auto.header_row == 2
    explicit = bench.table(upload, auto.sheet, 1)
    assert explicit.header_row == 1
    assert bench.table(upload, auto.sheet, 1) is explicit
    assert bench.table(upload, auto.sheet, 2) is auto


def test_the_diff_is_kept_per_review_and_current_snapshot(store: Store) -> None:
    bench = up.Workbench()
    upload = up.Upload.of("v.xlsx", volunteers_xlsx(GOOD))
    review = bench.check(upload, up.FileChoice(), CITY)
    loads: list[int] = []

    def load(snapshot_id: int) -> pd.DataFrame:
        loads.append(snapshot_id)
        return store.load(snapshot_id)

    assert not bench.diff(review, None, load).has_current
    current = up.commit_review(store, check_file(volunteers_xlsx(GOOD, BAD_DISTRICT))).snapshot
    first = bench.diff(review, current, load)
    assert bench.diff(review, current, load) is first
    assert loads == [current.id]
    assert (first.added, first.unchanged) == (0, 1)


def test_progress_is_reported_in_steps_read_match_check() -> None:
    steps: list[tuple[float, str]] = []
    upload = up.Upload.of("v.xlsx", volunteers_xlsx(GOOD))
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
    a = up.Upload.of("a.xlsx", volunteers_xlsx(GOOD))
    b = up.Upload.of("b.xlsx", volunteers_xlsx(BAD_DISTRICT))
    ta = bench.table(a)
    bench.table(b)
    bench.keep_only([b.sha256])
    assert bench.table(a) is not ta


# ---- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (fixture("encrypted.xlsx"), "加密.xlsx", "文件已加密，请取消密码后上传。"),
        (fixture("encrypted.xls"), "加密.xls", "文件已加密，请取消密码后上传。"),
        (
            pdf_bytes(),
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
    ids=["encrypted-xlsx", "encrypted-xls", "pdf", "empty", "zip-bomb"],  # a zip's bytes vary
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
        bench.table(up.Upload.of("大.xlsx", volunteers_xlsx(*[GOOD] * 200)))
    assert str(caught.value) == too_large(1024)
    assert str(caught.value).endswith("请拆分后分批上传。")


def test_header_only_file_is_refused() -> None:
    with pytest.raises(FileRefused) as caught:
        check_file(template_workbook("volunteers", CITY.names))
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

    monkeypatch.setattr(workbench, "read_table", broken)
    with pytest.raises(FileRefused) as caught:
        up.Workbench().table(up.Upload.of("x.xlsx", b"PK\x03\x04"))
    assert str(caught.value) == up.MSG_UNEXPECTED


def test_a_refusal_is_recorded_in_the_audit_and_nothing_is_stored(store: Store) -> None:
    upload = up.Upload.of("报告.xlsx", pdf_bytes())
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
