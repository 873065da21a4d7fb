"""District parts: each district submits its own part; the city ledger in force is assembled from
the latest part of each district (or a newer whole-city file), on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime

import pandas as pd
import pytest

from civdash.dashboard import snapshot_at
from civdash.store import CommitRefusedError, ShrinkHeldError, Store
from tests.store.helpers import ledger_result, ledger_rows

DISTRICTS = ("城关区", "东湖区", "南港区", "西山区", "北塘镇", "临江镇", "高新技术产业开发区")


def district_rows(district: str, n: int, *, start: int = 3, tag: str = "") -> pd.DataFrame:
    rows = ledger_rows("volunteers", n, first_row=start)
    rows["district"] = district
    rows["name"] = [f"{district}{tag}志愿者{i}" for i in range(n)]
    return rows


def commit_part(store: Store, district: str, n: int, *, tag: str = "", day: int = 15) -> int:
    result = ledger_result(
        "volunteers",
        district_rows(district, n, tag=tag),
        as_of=date(2026, 11, day),
        file_name=f"{district}{tag}.xlsx",
        rows_invalid=0,
    )
    data = f"{district}{tag}{n}{day}".encode()
    outcome = store.commit(result, data, committed_by=f"{district}填报员", role="district",
                           district=district)  # fmt: skip
    return outcome.snapshot.id


def test_the_city_ledger_is_the_union_of_the_districts_latest_parts(store: Store) -> None:
    for i, d in enumerate(DISTRICTS):
        commit_part(store, d, 3 + i)
    current = store.current("volunteers")
    assert current is not None and current.assembled and current.scope == ""
    rows = store.load(current.id)
    expected = pd.concat([district_rows(d, 3 + i) for i, d in enumerate(DISTRICTS)])
    assert sorted(rows["name"]) == sorted(expected["name"])
    assert current.rows_valid == len(expected)
    parts = store.parts(current.id)
    assert set(parts) == set(DISTRICTS)
    assert {p.committed_by for p in parts.values()} == {f"{d}填报员" for d in DISTRICTS}
    # a district's new part replaces only its own rows
    commit_part(store, "东湖区", 4, tag="新")
    again = store.load(store.current("volunteers").id)  # type: ignore[union-attr]
    names = sorted(again[again["district"] == "东湖区"]["name"])
    assert names == [f"东湖区新志愿者{i}" for i in range(4)]
    assert len(again[again["district"] == "城关区"]) == 3


def test_a_whole_city_file_replaces_every_district_and_parts_build_on_it(store: Store) -> None:
    city = pd.concat([district_rows(d, 4, start=10 * i) for i, d in enumerate(DISTRICTS[:3])])
    result = ledger_result("volunteers", city, file_name="全市.xlsx", rows_invalid=0)
    store.commit(result, b"city", committed_by="市创城办", role="editor")
    assert not store.current("volunteers").assembled  # type: ignore[union-attr]
    commit_part(store, "南港区", 4, tag="报送")
    current = store.current("volunteers")
    assert current is not None and current.assembled
    rows = store.load(current.id)
    assert len(rows) == 12
    assert sorted(rows[rows["district"] == "南港区"]["name"])[0].startswith("南港区报送")
    assert sorted(store.parts(current.id)) == sorted(DISTRICTS[:3])


def test_a_part_holding_another_districts_rows_is_refused(store: Store) -> None:
    rows = pd.concat([district_rows("东湖区", 2), district_rows("南港区", 1, start=20)])
    result = ledger_result("volunteers", rows, rows_invalid=0)
    with pytest.raises(CommitRefusedError, match="这是东湖区的报送，文件中却有南港区的数据"):
        store.commit(result, b"x", committed_by="东湖区填报员", district="东湖区")
    assert store.snapshots() == []


def test_a_shrinking_part_is_held_against_its_own_districts_rows_only(store: Store) -> None:
    commit_part(store, "东湖区", 10)
    commit_part(store, "南港区", 10)
    with pytest.raises(ShrinkHeldError):
        commit_part(store, "东湖区", 5, tag="少")
    commit_part(store, "南港区", 9, tag="略少")  # 10 % fewer: within the share


def test_deleting_a_part_drops_the_ledgers_assembled_from_it(store: Store) -> None:
    commit_part(store, "东湖区", 3)
    second = commit_part(store, "南港区", 3)
    store.delete(second, actor="管理员", role="admin")
    current = store.current("volunteers")
    assert current is not None
    assert set(store.parts(current.id)) == {"东湖区"}


def test_making_an_earlier_part_current_reassembles_the_city(store: Store) -> None:
    first = commit_part(store, "东湖区", 3, day=8)
    commit_part(store, "东湖区", 5, tag="新", day=15)
    store.set_current(first, actor="市创城办", role="editor")
    current = store.current("volunteers")
    assert current is not None and store.parts(current.id)["东湖区"].id == first
    audit = store.audit(5)
    assert list(audit["action"][:2]) == ["assemble", "set_current"]
    assert audit["role"].iat[0] == "editor"


def test_seven_clerks_submitting_at_once_make_one_city_of_all_their_rows(db_url: str) -> None:
    Store(db_url).close()

    def submit(i_d: tuple[int, str]) -> int:
        i, d = i_d
        with Store(db_url) as own:  # each clerk's own server session
            return commit_part(own, d, 5 + i)

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(submit, enumerate(DISTRICTS)))
    with Store(db_url) as store:
        current = store.current("volunteers")
        assert current is not None and set(store.parts(current.id)) == set(DISTRICTS)
        rows = store.load(current.id)
        expected = pd.concat([district_rows(d, 5 + i) for i, d in enumerate(DISTRICTS)])
        assert sorted(rows["name"]) == sorted(expected["name"])
        # in force: the latest assembly, not a part
        assert snapshot_at(store.snapshots(), "volunteers", None).id == current.id  # type: ignore[union-attr]
        assert snapshot_at(store.snapshots(), "volunteers", date(2026, 11, 30)).id == current.id  # type: ignore[union-attr]


def test_a_backdated_commit_keeps_its_time(store: Store) -> None:
    result = ledger_result("volunteers", district_rows("东湖区", 2), rows_invalid=0)
    when = datetime(2026, 11, 12, 9, 30, tzinfo=UTC)
    out = store.commit(result, b"p", committed_by="东湖区填报员", district="东湖区",
                       committed_at=when)  # fmt: skip
    assert out.snapshot.committed_at == when


def test_the_same_file_is_one_snapshot_per_scope_and_a_part_sent_twice_is_noticed(
    store: Store,
) -> None:
    rows = district_rows("东湖区", 3)
    result = ledger_result(
        "volunteers", rows, as_of=date(2026, 11, 15), file_name="东湖区.xlsx", rows_invalid=0
    )
    data = b"the same workbook"
    part = store.commit(result, data, committed_by="张晓", role="district", district="东湖区")
    again = store.commit(result, data, committed_by="张晓", role="district", district="东湖区")
    assert not again.created and again.snapshot.id == part.snapshot.id
    # the city office sends the very same workbook as the whole city: a snapshot of its own
    city = store.commit(result, data, committed_by="李明", role="editor", allow_shrink=True)
    assert city.created and city.snapshot.id != part.snapshot.id
    assert city.snapshot.scope == "" and part.snapshot.scope == "东湖区"
    assert city.snapshot.sha256 == hashlib.sha256(data).hexdigest()
