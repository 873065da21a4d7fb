"""Snapshots and the audit trail as the clerk reads them."""

from __future__ import annotations

import pandas as pd

from civdash import upload as up
from civdash.store import Store
from tests.upload.helpers import (
    BAD_DISTRICT,
    GOOD,
    check_file,
    volunteers_xlsx,
)


def test_history_and_audit_tables_say_who_did_what_when(store: Store) -> None:
    review = check_file(volunteers_xlsx(GOOD))
    outcome = up.commit_review(store, review, committed_by="王科长")
    store.delete(outcome.snapshot.id, actor="李主任")
    up.commit_review(store, check_file(volunteers_xlsx(GOOD, BAD_DISTRICT)), committed_by="王科长")
    history = up.history_table(store.snapshots())
    assert list(history.columns) == [
        "编号", "台账", "截至日期", "当前", "文件", "提交人", "提交时间", "读取行", "有效行", "无效行", "文件指纹",
    ]  # fmt: skip
    assert history.at[0, "台账"] == "志愿者"
    assert history.at[0, "当前"] == "✓"
    sha = store.snapshots()[0].sha256
    assert history.at[0, "文件指纹"] == f"{sha[:4]}-{sha[4:8]}-{sha[8:12]}"
    audit = up.audit_table(store.audit())
    assert audit["操作"].tolist() == ["导入", "删除快照", "导入"]
    assert audit["操作人"].tolist() == ["王科长", "李主任", "王科长"]
    detail = up.audit_detail(store.audit(), "delete", outcome.snapshot.id)
    assert detail.startswith(f"已删除快照 #{outcome.snapshot.id}（志愿者")
    assert "志愿者" in up.snapshot_label(store.snapshots()[0])


def test_the_audit_log_groups_a_fingerprint_so_twelve_digits_never_read_as_a_number():
    from civdash.upload.history import audit_table

    audit = pd.DataFrame(
        {
            "at": [pd.Timestamp("2026-11-14 02:29", tz="UTC")] * 2,
            "action": ["assemble", "login"],
            "kind": ["issues", None],
            "snapshot_id": [422, None],
            "file_name": ["各区县报送汇总（7 个区县）", None],
            "actor": ["刘芳", "王主任"],
            "detail": ["", ""],
            "sha256": ["226630934575" + "0" * 52, None],
        }
    )
    assert audit_table(audit)["文件指纹"].tolist() == ["2266-3093-4575", ""]
