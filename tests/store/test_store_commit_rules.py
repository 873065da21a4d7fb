"""Nothing wrong becomes current: `Store.commit` refuses results without valid rows and holds
snapshots that would replace the current one while losing districts or too many rows."""

from __future__ import annotations

import hashlib
import re
from datetime import date

import pandas as pd
import pytest
import sqlalchemy as sa

import civdash.store as store_module
from civdash.config import Settings
from civdash.store import (
    CommitRefusedError,
    ShrinkHeldError,
    Store,
    rows_by_district,
    shrink_check,
)
from tests.store.helpers import count_rows, ledger_result, ledger_rows

NOV_8 = date(2026, 11, 8)
NOV_15 = date(2026, 11, 15)


def rows_in(districts: dict[str, int], kind: str = "volunteers") -> pd.DataFrame:
    """Ledger rows of `kind` with `n` rows in each district (in order)."""
    names = [name for name, n in districts.items() for _ in range(n)]
    rows = ledger_rows(kind, n=len(names))
    rows["district"] = pd.Series(names, dtype="str")
    return rows


def commit(
    store: Store, districts: dict[str, int], data: bytes, as_of: date = NOV_8, **kw: object
) -> store_module.CommitOutcome:
    result = ledger_result("volunteers", rows_in(districts), as_of=as_of, file_name="志愿者.xlsx")
    return store.commit(result, data, committed_by="张晓", **kw)  # type: ignore[arg-type]


FULL = {"东湖区": 5, "南港区": 3, "西山区": 2}  # 10 rows


# ---- no valid row --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("invalid", "message"),
    [
        (4, "文件中没有有效数据行（读取 4 行，全部有误），未保存；请按检查结果改正后重新提交。"),
        (0, "文件中没有数据行，未保存；请核对工作表和表头所在行，填好数据后重新提交。"),
    ],
    ids=["all-rows-invalid", "no-rows"],
)
def test_a_result_without_valid_rows_is_refused_audited_and_nothing_is_stored(
    store: Store, invalid: int, message: str
) -> None:
    current = commit(store, FULL, b"full").snapshot
    empty = ledger_result("volunteers", ledger_rows("volunteers").iloc[0:0], rows_invalid=invalid)

    with pytest.raises(CommitRefusedError) as refused:
        store.commit(empty, b"all wrong", committed_by="王科长", as_of=NOV_15)

    assert refused.value.message == message == str(refused.value)
    assert not isinstance(refused.value, ShrinkHeldError)
    assert store.snapshots() == [store.snapshot(current.id)]
    assert store.current("volunteers") == current
    assert count_rows(store, "rows_volunteers") == 10
    entry = store.audit().iloc[0]
    assert (entry["action"], entry["kind"], entry["file_name"], entry["actor"]) == (
        "refuse",
        "volunteers",
        "台账.xlsx",
        "王科长",
    )
    assert entry["sha256"] == hashlib.sha256(b"all wrong").hexdigest()
    assert entry["detail"] == message
    assert pd.isna(entry["snapshot_id"])


def test_the_first_commit_of_a_kind_is_refused_too_when_nothing_is_valid(store: Store) -> None:
    empty = ledger_result("issues", ledger_rows("issues").iloc[0:0], rows_invalid=2)
    with pytest.raises(CommitRefusedError, match="读取 2 行，全部有误"):
        store.commit(empty, b"x")
    assert store.is_empty()
    assert store.audit()["action"].tolist() == ["refuse"]


# ---- shrinking -----------------------------------------------------------------------------------


def test_a_commit_dropping_a_district_is_held_with_the_numbers(store: Store) -> None:
    current = commit(store, FULL, b"full").snapshot

    with pytest.raises(ShrinkHeldError) as held:
        commit(store, {"东湖区": 6, "西山区": 3}, b"no nangang", as_of=NOV_15)

    check = held.value.check
    assert (check.current_id, check.current_rows, check.new_rows) == (current.id, 10, 9)
    assert check.dropped == (("南港区", 3),)
    assert check.share == pytest.approx(0.1)
    assert held.value.message == (
        f"与当前快照 #{current.id}（志愿者，截至 2026-11-08，10 行）相比，本文件只有 9 行（减少 10%），"
        "但没有南港区（当前 3 行）的数据，未保存；"
        "请确认上传的是完整台账；如确需以此替换当前数据，请确认后重新提交。"
    )
    assert store.snapshots() == [current]
    assert count_rows(store, "rows_volunteers") == 10
    entry = store.audit().iloc[0]
    assert (entry["action"], entry["kind"], entry["actor"]) == ("hold", "volunteers", "张晓")
    assert entry["detail"] == held.value.message
    assert entry["sha256"] == hashlib.sha256(b"no nangang").hexdigest()


def test_a_one_district_file_names_every_district_it_would_drop(store: Store) -> None:
    commit(store, FULL, b"full")

    with pytest.raises(ShrinkHeldError) as held:
        commit(store, {"东湖区": 5}, b"one district", as_of=NOV_15)

    assert held.value.check.dropped == (("南港区", 3), ("西山区", 2))
    assert "（减少 50%，超过允许的 30%），且没有南港区（当前 3 行）、西山区（当前 2 行）的数据" in (
        held.value.message
    )


def test_more_than_the_allowed_share_of_rows_lost_is_held(store: Store) -> None:
    current = commit(store, FULL, b"full").snapshot

    with pytest.raises(ShrinkHeldError) as held:
        commit(store, {"东湖区": 3, "南港区": 2, "西山区": 1}, b"six", as_of=NOV_15)

    assert held.value.check.dropped == ()
    assert held.value.check.share == pytest.approx(0.4)
    assert held.value.message.startswith(
        f"与当前快照 #{current.id}（志愿者，截至 2026-11-08，10 行）相比，"
        "本文件只有 6 行（减少 40%，超过允许的 30%），未保存；"
    )
    assert store.current("volunteers") == current


def test_losing_exactly_the_allowed_share_commits(store: Store) -> None:
    commit(store, FULL, b"full")

    outcome = commit(store, {"东湖区": 4, "南港区": 2, "西山区": 1}, b"seven", as_of=NOV_15)

    assert outcome.created and outcome.snapshot.is_current
    assert "确认" not in outcome.message
    assert store.audit().iloc[0]["detail"] == outcome.message


def test_the_allowed_share_is_configurable(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with Store(db_url, settings=Settings(max_shrink_share=0.5)) as store:
        commit(store, FULL, b"full")
        assert commit(store, {"东湖区": 3, "南港区": 2, "西山区": 1}, b"six", NOV_15).created
    monkeypatch.setenv("CIVDASH_MAX_SHRINK", "10%")
    with Store(db_url) as store:
        assert store.settings.max_shrink_share == 0.1
        with pytest.raises(ShrinkHeldError, match=re.escape("减少 16.7%，超过允许的 10%")):
            commit(store, {"东湖区": 3, "南港区": 1, "西山区": 1}, b"five", date(2026, 11, 22))


@pytest.mark.parametrize(
    ("text", "share"), [("0.3", 0.3), ("25%", 0.25), (" 40 ％", 0.4), ("1", 1.0)]
)
def test_the_allowed_share_is_read_as_a_fraction_or_a_percentage(
    monkeypatch: pytest.MonkeyPatch, text: str, share: float
) -> None:
    monkeypatch.setenv("CIVDASH_MAX_SHRINK", text)
    assert Settings.from_env().max_shrink_share == pytest.approx(share)


@pytest.mark.parametrize("text", ["30", "-5%", "三成"])
def test_an_allowed_share_that_is_no_share_is_refused_in_chinese(
    monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    monkeypatch.setenv("CIVDASH_MAX_SHRINK", text)
    with pytest.raises(ValueError) as refused:
        Settings.from_env()
    assert str(refused.value) == (
        f"环境变量 CIVDASH_MAX_SHRINK 为 {text}，应为 0 到 1 之间的比例（如 0.3）或百分数（如 30%），"
        "请改正后重新运行。"
    )


def test_a_confirmed_shrink_is_committed_and_the_audit_says_it_was_confirmed(
    store: Store,
) -> None:
    current = commit(store, FULL, b"full").snapshot

    outcome = commit(store, {"东湖区": 5}, b"one district", as_of=NOV_15, allow_shrink=True)

    assert outcome.created and store.current("volunteers") == outcome.snapshot
    assert outcome.message == (
        f"已保存快照 #{outcome.snapshot.id}（志愿者，截至 2026-11-15，有效 5 行）"
        f"；提交人已确认替换：与当前快照 #{current.id}（志愿者，截至 2026-11-08，10 行）相比，"
        "本文件只有 5 行（减少 50%，超过允许的 30%），且没有南港区（当前 3 行）、西山区（当前 2 行）的数据"
    )
    entry = store.audit().iloc[0]
    assert (entry["action"], entry["detail"]) == ("commit", outcome.message)


def test_allow_shrink_says_nothing_when_nothing_shrinks(store: Store) -> None:
    commit(store, FULL, b"full")
    outcome = commit(store, FULL, b"same rows again", as_of=NOV_15, allow_shrink=True)
    assert "确认" not in outcome.message


def test_an_older_snapshot_that_will_not_become_current_is_not_held(store: Store) -> None:
    current = commit(store, FULL, b"full", as_of=NOV_15).snapshot

    outcome = commit(store, {"东湖区": 1}, b"old", as_of=NOV_8)

    assert outcome.created and not outcome.snapshot.is_current
    assert store.current("volunteers") == current


def test_an_older_snapshot_made_current_by_request_is_held(store: Store) -> None:
    commit(store, FULL, b"full", as_of=NOV_15)
    with pytest.raises(ShrinkHeldError):
        commit(store, {"东湖区": 1}, b"old", as_of=NOV_8, make_current=True)


def test_city_wide_targets_are_not_a_district(store: Store) -> None:
    def targets(districts: dict[str, int], data: bytes) -> store_module.CommitOutcome:
        result = ledger_result("targets", rows_in(districts, "targets"), as_of=None)
        return store.commit(result, data)

    targets({"": 3, "东湖区": 1}, b"v1")

    assert targets({"东湖区": 1, "南港区": 2}, b"v2").created  # the city-wide rows went: 25 % fewer
    with pytest.raises(ShrinkHeldError) as held:
        targets({"": 3}, b"v3")
    assert held.value.check.dropped == (("南港区", 2), ("东湖区", 1))


def test_a_kind_without_districts_checks_only_the_share_of_rows(store: Store) -> None:
    def districts(n: int, data: bytes) -> store_module.CommitOutcome:
        return store.commit(ledger_result("districts", ledger_rows("districts", n=n)), data)

    districts(10, b"ten")
    assert districts(7, b"seven").created
    with pytest.raises(ShrinkHeldError) as held:
        districts(4, b"four")
    assert (held.value.check.dropped, held.value.check.current_rows) == ((), 7)


def test_recommitting_a_stored_file_is_still_a_duplicate_not_a_hold(store: Store) -> None:
    small = commit(store, {"东湖区": 5}, b"small").snapshot
    commit(store, FULL, b"full", as_of=NOV_15)

    again = commit(store, {"东湖区": 5}, b"small", as_of=date(2026, 11, 22))

    assert not again.created and again.snapshot == store.snapshot(small.id)
    assert store.audit()["action"].iloc[0] == "duplicate"


# ---- the rule and its numbers --------------------------------------------------------------------


def test_rows_per_district_are_counted_alike_in_sql_and_in_pandas(store: Store) -> None:
    rows = rows_in({"东湖区": 3, "": 1, "南港区": 2})
    rows.loc[5, "district"] = None
    snapshot = store.commit(ledger_result("volunteers", rows), b"x").snapshot

    assert store.rows_by_district(snapshot.id) == rows_by_district(rows)
    assert rows_by_district(rows) == {"东湖区": 3, "": 2, "南港区": 1}


def test_the_shrink_rule_as_a_pure_function() -> None:
    from tests.snapshots import snapshot_info

    current = snapshot_info(7, "volunteers", NOV_8, rows=1000)
    check = shrink_check(current, {"东湖区": 600, "南港区": 400}, {"东湖区": 650}, 0.3)
    assert (check.held, check.too_many_lost, check.dropped) == (True, True, (("南港区", 400),))
    assert f"{check.share:.0%}" == "35%"
    assert not shrink_check(current, {"东湖区": 10}, {"东湖区": 7}, 0.3).held
    assert shrink_check(current, {"东湖区": 10}, {"东湖区": 6}, 0.3).held
    assert shrink_check(current, {"东湖区": 10}, {"东湖区": 9}, 0.0).held


# ---- the check is part of the commit's transaction -----------------------------------------------


def test_the_current_snapshot_is_checked_when_the_commit_writes_not_before(db_url: str) -> None:
    # A clerk's page checked the file against the current snapshot and found nothing to confirm;
    # meanwhile another user made a snapshot with one more district current.
    with Store(db_url) as clerk, Store(db_url) as colleague:
        first = commit(clerk, FULL, b"full").snapshot
        page = shrink_check(
            first, clerk.rows_by_district(first.id), {"东湖区": 5, "南港区": 3, "西山区": 2}, 0.3
        )
        assert not page.held
        commit(colleague, {**FULL, "城关区": 1}, b"with chengguan", as_of=NOV_15)

        with pytest.raises(ShrinkHeldError) as held:
            commit(clerk, FULL, b"clerk's file", as_of=NOV_15)

        assert held.value.check.dropped == (("城关区", 1),)
        assert [s.file_name for s in colleague.snapshots()] == ["志愿者.xlsx"] * 2


def test_the_check_reads_the_current_rows_on_the_connection_that_inserts(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    commit(store, FULL, b"full")
    seen: list[tuple[str, sa.Connection, bool]] = []
    counts = Store._district_counts
    insert = store_module._bulk_insert

    def counting(self: Store, conn: sa.Connection, *args: object) -> dict[str, int]:
        seen.append(("check", conn, conn.in_transaction()))
        return counts(self, conn, *args)  # type: ignore[arg-type]

    def inserting(conn: sa.Connection, *args: object) -> None:
        seen.append(("insert", conn, conn.in_transaction()))
        insert(conn, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(Store, "_district_counts", counting)
    monkeypatch.setattr(store_module, "_bulk_insert", inserting)
    commit(store, FULL, b"again", as_of=NOV_15)

    assert [what for what, _, _ in seen] == ["check", "insert"]
    assert seen[0][1] is seen[1][1]
    assert all(in_transaction for _, _, in_transaction in seen)
