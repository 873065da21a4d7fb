"""Committing ledger results as snapshots and loading them back."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import UTC, date, datetime

import pandas as pd
import pytest
import sqlalchemy as sa

import civdash.store as store_module
from civdash.ledgers import REGISTRY
from civdash.store import LOCAL_TZ, Store
from tests.store.helpers import count_rows, ledger_result, ledger_rows

DATA = b"PK\x03\x04 the uploaded file's bytes"


@pytest.mark.parametrize("kind", sorted(REGISTRY))
def test_every_kind_loads_back_with_the_ingest_dtypes_and_values(store: Store, kind: str) -> None:
    rows = ledger_rows(kind)
    snapshot = store.commit(ledger_result(kind, rows), DATA).snapshot

    loaded = store.load(snapshot.id)

    expected = rows.copy()
    if kind == "districts":  # boundaries are stored beside the registry fields
        expected.insert(
            len(expected.columns) - 1, "geometry", pd.Series([pd.NA] * len(rows), dtype="str")
        )
    pd.testing.assert_frame_equal(loaded, expected, check_exact=True)


@pytest.mark.parametrize("kind", sorted(REGISTRY))
def test_typed_rows_load_the_same_as_the_arrow_copy(store: Store, kind: str) -> None:
    rows = ledger_rows(kind, n=9)
    snapshot = store.commit(ledger_result(kind, rows), DATA).snapshot
    from_copy = store.load(snapshot.id)
    with store.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM snapshot_frames"))

    from_typed_rows = store.load(snapshot.id)

    pd.testing.assert_frame_equal(from_typed_rows, from_copy, check_exact=True)


def test_load_orders_rows_by_source_row(store: Store) -> None:
    rows = ledger_rows("volunteers").iloc[[3, 0, 5, 1, 4, 2]].reset_index(drop=True)
    snapshot = store.commit(ledger_result("volunteers", rows), DATA).snapshot

    loaded = store.load(snapshot.id)

    pd.testing.assert_frame_equal(loaded, rows.sort_values("source_row", ignore_index=True))


def test_a_snapshot_without_rows_loads_as_an_empty_typed_frame(store: Store) -> None:
    # no commit stores one any more, but a database from before the rule may hold one
    rows = ledger_rows("issues")
    snapshot = store.commit(ledger_result("issues", rows), DATA).snapshot
    with store.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM rows_issues"))
        conn.execute(sa.text("DELETE FROM snapshot_frames"))

    loaded = store.load(snapshot.id)

    assert loaded.empty
    assert loaded.dtypes.to_dict() == rows.dtypes.to_dict()


def test_a_field_missing_from_the_rows_is_stored_empty(store: Store) -> None:
    rows = ledger_rows("volunteers").drop(columns=["star_level", "is_party_member"])
    snapshot = store.commit(ledger_result("volunteers", rows), DATA).snapshot

    loaded = store.load(snapshot.id)

    assert loaded["star_level"].isna().all()
    assert loaded["star_level"].dtype == "Int64"
    assert not loaded["is_party_member"].any()


def test_snapshot_records_where_the_rows_came_from(store: Store) -> None:
    before = datetime.now(UTC)
    result = ledger_result("volunteers", file_name="10月志愿者.xlsx")

    info = store.commit(result, DATA, committed_by="王科长").snapshot

    assert info == store.snapshot(info.id)
    assert (info.kind, info.file_name, info.committed_by) == (
        "volunteers",
        "10月志愿者.xlsx",
        "王科长",
    )
    assert info.sha256 == hashlib.sha256(DATA).hexdigest()
    assert (info.rows_read, info.rows_valid, info.rows_invalid) == (7, 6, 1)
    assert (info.sheet, info.header_row) == ("Sheet1", 2)
    assert info.columns == {"姓名": "name", "累计服务时长（小时）": "hours"}
    assert info.committed_at.tzinfo is not None
    assert before <= info.committed_at <= datetime.now(UTC)


def test_commit_message_names_the_snapshot_kind_date_and_valid_rows(store: Store) -> None:
    rows = pd.concat([ledger_rows("volunteers", n=617, first_row=3)] * 2, ignore_index=True)
    rows["source_row"] = range(3, 3 + len(rows))

    outcome = store.commit(ledger_result("volunteers", rows), DATA)

    assert outcome.created
    assert (
        outcome.message
        == f"已保存快照 #{outcome.snapshot.id}（志愿者，截至 2026-11-15，有效 1,234 行）"
    )
    assert store.audit().iloc[0]["detail"] == outcome.message


def test_explicit_as_of_wins_over_the_date_in_the_title(store: Store) -> None:
    result = ledger_result(as_of=date(2026, 11, 15))

    info = store.commit(result, DATA, as_of=date(2026, 10, 31)).snapshot

    assert info.as_of == date(2026, 10, 31)


def test_date_in_the_title_is_used_when_no_as_of_is_given(store: Store) -> None:
    assert store.commit(ledger_result(as_of=date(2026, 9, 30)), DATA).snapshot.as_of == date(
        2026, 9, 30
    )


def test_undated_file_is_dated_today_in_china(store: Store) -> None:
    before = datetime.now(LOCAL_TZ).date()
    info = store.commit(ledger_result(as_of=None), DATA).snapshot
    assert info.as_of in {before, datetime.now(LOCAL_TZ).date()}


def test_first_snapshot_of_a_kind_becomes_current(store: Store) -> None:
    info = store.commit(ledger_result(), DATA).snapshot
    assert info.is_current
    assert store.current("volunteers") == info
    assert store.current("issues") is None
    assert store.load_current("issues") is None


def test_newer_snapshot_replaces_the_current_one(store: Store) -> None:
    old = store.commit(ledger_result(as_of=date(2026, 11, 1)), b"old").snapshot
    new = store.commit(ledger_result(as_of=date(2026, 11, 15)), b"new").snapshot

    assert store.current("volunteers") == new
    assert not store.snapshot(old.id).is_current


def test_snapshot_with_the_same_date_replaces_the_current_one(store: Store) -> None:
    store.commit(ledger_result(as_of=date(2026, 11, 15)), b"morning")
    corrected = store.commit(ledger_result(as_of=date(2026, 11, 15)), b"afternoon").snapshot
    assert store.current("volunteers") == corrected


def test_older_snapshot_is_kept_but_the_current_one_stays_and_the_message_says_so(
    store: Store,
) -> None:
    current = store.commit(ledger_result(as_of=date(2026, 11, 15)), b"new").snapshot

    outcome = store.commit(ledger_result(as_of=date(2026, 11, 1)), b"old")

    assert outcome.created and not outcome.snapshot.is_current
    assert store.current("volunteers") == current
    assert outcome.message == (
        f"已保存快照 #{outcome.snapshot.id}（志愿者，截至 2026-11-01，有效 6 行）"
        f"；当前快照仍为 #{current.id}（截至 2026-11-15）"
    )


def test_make_current_false_keeps_the_current_snapshot(store: Store) -> None:
    current = store.commit(ledger_result(as_of=date(2026, 11, 1)), b"a").snapshot
    newer = store.commit(ledger_result(as_of=date(2026, 11, 15)), b"b", make_current=False).snapshot
    assert store.current("volunteers") == current
    assert not newer.is_current


def test_make_current_false_on_the_first_snapshot_leaves_no_current_one(store: Store) -> None:
    store.commit(ledger_result(), DATA, make_current=False)
    assert store.current("volunteers") is None


def test_make_current_true_makes_an_older_snapshot_current(store: Store) -> None:
    store.commit(ledger_result(as_of=date(2026, 11, 15)), b"new")
    older = store.commit(ledger_result(as_of=date(2026, 11, 1)), b"old", make_current=True).snapshot
    assert store.current("volunteers") == older
    assert [s.is_current for s in store.snapshots("volunteers")] == [False, True]


def test_recommitting_the_same_bytes_stores_nothing_and_says_when_it_was_imported(
    store: Store,
) -> None:
    first = store.commit(ledger_result(), DATA, committed_by="甲").snapshot

    again = store.commit(ledger_result(as_of=date(2026, 12, 1)), DATA, committed_by="乙")

    at = first.committed_at.astimezone(LOCAL_TZ)
    assert not again.created
    assert again.snapshot == first
    assert again.message == f"该文件已于 {at:%Y-%m-%d %H:%M} 导入（快照 #{first.id}），未重复保存"
    assert [s.id for s in store.snapshots()] == [first.id]
    assert count_rows(store, "rows_volunteers") == 6
    latest = store.audit().iloc[0]
    assert (latest["action"], latest["snapshot_id"], latest["actor"]) == (
        "duplicate",
        first.id,
        "乙",
    )


def test_the_same_bytes_as_another_kind_is_a_separate_snapshot(store: Store) -> None:
    a = store.commit(ledger_result("volunteers"), DATA)
    b = store.commit(ledger_result("issues"), DATA)
    assert a.created and b.created
    assert a.snapshot.id != b.snapshot.id


def test_unique_constraint_turns_a_missed_duplicate_into_the_already_imported_outcome(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = store.commit(ledger_result(), DATA).snapshot
    real_lookup = store_module._find_snapshot_by_hash
    lookups: list[str] = []

    def miss_once(*args: object) -> object:
        # as if another process committed the file just after our check
        lookups.append("x")
        return None if len(lookups) == 1 else real_lookup(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(store_module, "_find_snapshot_by_hash", miss_once)

    again = store.commit(ledger_result(), DATA)

    assert not again.created
    assert again.snapshot.id == first.id
    assert len(store.snapshots()) == 1
    assert store.audit()["action"].tolist() == ["duplicate", "commit"]


def test_failure_midway_through_the_rows_stores_nothing(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept = store.commit(ledger_result(as_of=date(2026, 11, 1)), b"kept").snapshot
    real_insert = store_module._bulk_insert
    written: list[int] = []

    def half_then_fail(
        conn: sa.Connection, table: sa.Table, snapshot_id: int, rows: object
    ) -> None:
        real_insert(conn, table, snapshot_id, rows.slice(0, 3))  # type: ignore[attr-defined]
        written.append(
            conn.execute(
                sa.text(f"SELECT count(*) FROM {table.name} WHERE snapshot_id = {snapshot_id}")
            ).scalar_one()
        )
        raise OSError("磁盘已满")

    monkeypatch.setattr(store_module, "_bulk_insert", half_then_fail)
    with pytest.raises(OSError, match="磁盘已满"):
        store.commit(ledger_result(as_of=date(2026, 11, 15)), DATA)

    assert written == [3]  # rows really were inserted before the failure
    assert store.snapshots() == [kept]
    assert store.current("volunteers") == kept
    assert count_rows(store, "rows_volunteers") == 6
    assert count_rows(store, "snapshot_frames") == 1
    assert store.audit()["action"].tolist() == ["commit"]
    monkeypatch.undo()
    assert store.commit(ledger_result(as_of=date(2026, 11, 15)), DATA).created


def test_rows_breaking_a_constraint_store_nothing(store: Store) -> None:
    rows = ledger_rows("volunteers")
    rows.loc[4, "source_row"] = rows.loc[2, "source_row"]  # the same spreadsheet row twice

    with pytest.raises(sa.exc.IntegrityError):
        store.commit(ledger_result("volunteers", rows), DATA)

    assert store.is_empty()
    assert count_rows(store, "rows_volunteers") == 0
    assert store.audit().empty


def test_unknown_kind_is_refused_with_the_known_kinds(store: Store) -> None:
    with pytest.raises(
        ValueError,
        match="未知的台账类型『parks』，可选：units、volunteers、issues、targets、assessments、contacts、districts。",
    ):
        store.commit(dataclasses.replace(ledger_result(), kind="parks"), DATA)


def test_rows_without_source_row_are_refused(store: Store) -> None:
    rows = ledger_rows("volunteers").drop(columns="source_row")
    with pytest.raises(ValueError, match="缺少 source_row 列"):
        store.commit(ledger_result("volunteers", rows), DATA)
