"""Listing, switching and deleting snapshots; the audit trail; the district table."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd
import pytest
import sqlalchemy as sa

from civdash.districts import District, DistrictTable
from civdash.store import AUDIT_COLUMNS, SnapshotNotFoundError, Store
from tests.store.helpers import count_rows, ledger_result


def _commit(store: Store, kind: str, as_of: date, data: bytes, **kw: object) -> int:
    return store.commit(ledger_result(kind, as_of=as_of), data, **kw).snapshot.id  # type: ignore[arg-type]


def test_snapshots_are_listed_newest_as_of_first_and_filtered_by_kind(store: Store) -> None:
    a = _commit(store, "volunteers", date(2026, 11, 1), b"a")
    b = _commit(store, "issues", date(2026, 11, 20), b"b")
    c = _commit(store, "volunteers", date(2026, 11, 15), b"c")

    assert [s.id for s in store.snapshots()] == [b, c, a]
    assert [s.id for s in store.snapshots("volunteers")] == [c, a]
    assert store.snapshots("targets") == []


def test_unknown_snapshot_id_is_reported_in_chinese(store: Store) -> None:
    with pytest.raises(
        SnapshotNotFoundError, match=r"^快照 #99 不存在，可能已被删除，请刷新页面后重新选择。$"
    ):
        store.snapshot(99)
    with pytest.raises(SnapshotNotFoundError):
        store.load(99)
    with pytest.raises(SnapshotNotFoundError):
        store.delete(99)
    with pytest.raises(SnapshotNotFoundError):
        store.set_current(99)


def test_set_current_switches_the_current_snapshot_and_is_audited(store: Store) -> None:
    old = _commit(store, "volunteers", date(2026, 11, 1), b"old")
    new = _commit(store, "volunteers", date(2026, 11, 15), b"new")

    store.set_current(old, actor="李主任")

    assert store.current("volunteers").id == old  # type: ignore[union-attr]
    assert not store.snapshot(new).is_current
    entry = store.audit().iloc[0]
    assert (entry["action"], entry["snapshot_id"], entry["actor"]) == ("set_current", old, "李主任")
    assert entry["detail"] == f"已将快照 #{old}（志愿者，截至 2026-11-01）设为当前快照"


def test_set_current_on_the_current_snapshot_changes_nothing(store: Store) -> None:
    only = _commit(store, "volunteers", date(2026, 11, 1), b"only")
    store.set_current(only)
    assert store.audit()["action"].tolist() == ["commit"]


def test_deleting_the_current_snapshot_makes_the_newest_remaining_one_current(store: Store) -> None:
    nov1 = _commit(store, "volunteers", date(2026, 11, 1), b"1")
    nov15 = _commit(store, "volunteers", date(2026, 11, 15), b"15")
    nov8 = _commit(store, "volunteers", date(2026, 11, 8), b"8")  # committed last, dated between

    store.delete(nov15, actor="王科长")

    assert store.current("volunteers").id == nov8  # type: ignore[union-attr]
    assert [s.id for s in store.snapshots("volunteers")] == [nov8, nov1]
    entry = store.audit().iloc[0]
    assert (entry["action"], entry["snapshot_id"], entry["actor"]) == ("delete", nov15, "王科长")
    assert entry["detail"] == (
        f"已删除快照 #{nov15}（志愿者，截至 2026-11-15，有效 6 行）"
        f"；快照 #{nov8}（截至 2026-11-08）成为当前快照"
    )


def test_deleting_a_snapshot_that_is_not_current_keeps_the_current_one(store: Store) -> None:
    old = _commit(store, "volunteers", date(2026, 11, 1), b"old")
    new = _commit(store, "volunteers", date(2026, 11, 15), b"new")
    store.delete(old)
    assert store.current("volunteers").id == new  # type: ignore[union-attr]


def test_deleting_the_last_snapshot_removes_its_rows_and_leaves_no_current_one(
    store: Store,
) -> None:
    only = _commit(store, "volunteers", date(2026, 11, 1), b"only")

    store.delete(only)

    assert store.current("volunteers") is None
    assert store.is_empty()
    assert count_rows(store, "rows_volunteers") == 0
    assert count_rows(store, "snapshot_frames") == 0
    assert store.audit().iloc[0]["detail"].endswith("；志愿者台账已无快照")


def test_a_deleted_file_can_be_committed_again_under_a_new_id(store: Store) -> None:
    first = _commit(store, "volunteers", date(2026, 11, 1), b"same")
    store.delete(first)

    again = store.commit(ledger_result(as_of=date(2026, 11, 1)), b"same")

    assert again.created
    assert again.snapshot.id > first  # ids are never reused: the audit trail refers to them


def test_refused_files_are_audited_without_storing_anything(store: Store) -> None:
    store.record_refusal("加密.xlsx", "ab" * 32, "文件已加密，请取消密码后重新上传。", actor="张三")

    entry = store.audit().iloc[0]
    assert entry["action"] == "refuse"
    assert (entry["file_name"], entry["sha256"], entry["actor"]) == ("加密.xlsx", "ab" * 32, "张三")
    assert entry["detail"] == "文件已加密，请取消密码后重新上传。"
    assert pd.isna(entry["kind"]) and pd.isna(entry["snapshot_id"])
    assert store.is_empty()


def test_audit_lists_every_action_newest_first_with_typed_columns(store: Store) -> None:
    before = datetime.now(UTC)
    a = _commit(store, "volunteers", date(2026, 11, 1), b"a", committed_by="甲")
    store.commit(ledger_result(as_of=date(2026, 11, 1)), b"a", committed_by="乙")
    store.record_refusal("坏.xls", "00" * 32, "不是表格文件")
    b = _commit(store, "volunteers", date(2026, 11, 15), b"b")
    store.set_current(a)
    store.delete(b)

    audit = store.audit()

    assert list(audit.columns) == list(AUDIT_COLUMNS)
    assert audit["action"].tolist() == [
        "delete",
        "set_current",
        "commit",
        "refuse",
        "duplicate",
        "commit",
    ]
    assert audit["snapshot_id"].tolist() == [b, a, b, pd.NA, a, a]
    assert audit["actor"].tolist()[-2:] == ["乙", "甲"]
    assert str(audit["at"].dtype) == "datetime64[us, UTC]"
    assert str(audit["snapshot_id"].dtype) == "Int64"
    assert audit["at"].is_monotonic_decreasing
    assert audit["at"].min() >= before
    assert store.audit(limit=2)["action"].tolist() == ["delete", "set_current"]


def test_audit_entries_cannot_be_changed_or_removed(store: Store) -> None:
    store.record_refusal("a.xlsx", "00" * 32, "原因")
    for statement in ("UPDATE audit SET actor = '改'", "DELETE FROM audit"):
        with (
            pytest.raises(sa.exc.DBAPIError, match="审计日志只能追加，不能修改或删除"),
            store.engine.begin() as conn,
        ):
            conn.execute(sa.text(statement))
    assert store.audit()["actor"].tolist() == [""]


def test_is_empty_until_a_snapshot_is_committed(store: Store) -> None:
    assert store.is_empty()
    _commit(store, "targets", date(2026, 11, 1), b"t")
    assert not store.is_empty()


CITY = DistrictTable(
    (
        District(
            "东湖区",
            population=512_300.0,
            code="360102",
            aliases=("东湖",),
            geometry={
                "type": "Polygon",
                "coordinates": [[[115.9, 28.6], [116.0, 28.6], [116.0, 28.7], [115.9, 28.6]]],
            },
        ),
        District("高新技术产业开发区", population=None, code=None, aliases=("高新区", "高新")),
    )
)


def test_district_table_round_trips_with_boundaries_and_aliases(store: Store) -> None:
    assert store.districts() is None

    outcome = store.commit_districts(
        CITY, b'{"type": "FeatureCollection"}', file_name="区县.geojson", committed_by="甲"
    )

    assert outcome.created
    assert outcome.snapshot.kind == "districts"
    assert outcome.snapshot.file_name == "区县.geojson"
    assert outcome.message.startswith(f"已保存快照 #{outcome.snapshot.id}（区县，截至 ")
    assert outcome.message.endswith("，有效 2 行）")
    assert store.districts() == CITY
    assert store.load(outcome.snapshot.id)["name"].tolist() == ["东湖区", "高新技术产业开发区"]


def test_recommitting_the_same_district_file_is_a_noop(store: Store) -> None:
    first = store.commit_districts(CITY, b"geo", file_name="a.geojson")
    again = store.commit_districts(CITY, b"geo", file_name="a.geojson")
    assert first.created and not again.created
    assert len(store.snapshots("districts")) == 1


def test_newer_district_table_replaces_the_current_one(store: Store) -> None:
    store.commit_districts(CITY, b"v1", file_name="a.geojson")
    smaller = DistrictTable(CITY.districts[:1])
    store.commit_districts(smaller, b"v2", file_name="b.geojson")
    assert store.districts() == smaller
