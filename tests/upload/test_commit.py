"""Committing: once per content, the store's commit rules before the button, the as-of date."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import pytest

from civdash import upload as up
from civdash.store import LOCAL_TZ, CommitRefusedError, ShrinkHeldError, Store
from civdash.templates import example_rows, template_workbook
from tests.upload.helpers import (
    BAD_DISTRICT,
    CITY,
    GOOD,
    check_file,
    volunteers_xlsx,
)


def test_commit_stores_the_valid_rows_once_and_recognises_the_same_file(store: Store) -> None:
    store.commit_districts(CITY, b"city", file_name="city.geojson")
    data = volunteers_xlsx(GOOD, BAD_DISTRICT)
    review = check_file(data)
    outcome = up.commit_review(store, review, as_of=date(2026, 11, 15), committed_by="王科长")
    assert outcome.created
    assert outcome.snapshot.rows_valid == 1
    assert outcome.snapshot.rows_invalid == 1
    assert outcome.snapshot.committed_by == "王科长"
    assert outcome.snapshot.sha256 == review.content_sha256
    assert store.load(outcome.snapshot.id)["name"].tolist() == ["张伟"]
    assert up.find_committed(store.snapshots("volunteers"), review) == outcome.snapshot

    again = up.commit_review(store, check_file(data), committed_by="李")
    assert not again.created
    assert again.message.startswith("该文件已于")
    assert f"（快照 #{outcome.snapshot.id}）" in again.message
    assert len(store.snapshots("volunteers")) == 1


def test_a_fixed_file_is_a_different_snapshot_from_its_original(store: Store) -> None:
    data = volunteers_xlsx(GOOD, BAD_DISTRICT)
    original = up.commit_review(store, check_file(data), as_of=date(2026, 11, 8))
    fixed = check_file(data, choice=up.FileChoice().with_edits({(4, 1): "东湖区"}))
    outcome = up.commit_review(store, fixed, as_of=date(2026, 11, 15))
    assert outcome.created
    assert outcome.snapshot.id != original.snapshot.id
    assert outcome.snapshot.rows_valid == 2


NOTHING_VALID = "文件中没有有效数据行（读取 1 行，全部有误），未保存；请按检查结果改正后重新提交。"


def test_nothing_valid_cannot_be_committed_and_the_store_says_why(store: Store) -> None:
    review = check_file(volunteers_xlsx(BAD_DISTRICT))
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
    return volunteers_xlsx(*rows)


def test_commit_check_shows_what_the_store_would_hold(store: Store) -> None:
    current = up.commit_review(
        store, check_file(_city_volunteers({"东湖区": 4, "南港区": 3, "西山区": 3}))
    ).snapshot
    review = check_file(_city_volunteers({"东湖区": 4}, name="李娜"))
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
    full = check_file(_city_volunteers({"东湖区": 2, "南港区": 2}))
    current = up.commit_review(store, full).snapshot
    review = check_file(_city_volunteers({"东湖区": 2}))
    check = up.commit_check(
        review, current, store.rows_by_district(current.id), as_of=as_of, max_share=0.3,
        committed=current if committed else None,
    )  # fmt: skip
    assert check.needs_confirmation is held
    assert check.can_commit


def test_already_committed_message_offers_to_make_an_old_snapshot_current(store: Store) -> None:
    old = up.commit_review(
        store, check_file(volunteers_xlsx(GOOD)), as_of=date(2026, 11, 8)
    ).snapshot
    up.commit_review(store, check_file(volunteers_xlsx(GOOD, GOOD)), as_of=date(2026, 11, 15))
    at = old.committed_at.astimezone(LOCAL_TZ)
    assert up.already_committed_message(store.snapshot(old.id)) == (
        f"该文件已于 {at:%Y-%m-%d %H:%M} 导入（快照 #{old.id}，截至 2026-11-08），再次提交不会重复保存。"
        "该快照目前不是当前快照，如需以它为准，请点『设为当前快照』。"
    )
    assert up.already_committed_message(old).endswith("再次提交不会重复保存。")


def test_two_users_committing_the_same_file_at_once_leave_one_snapshot(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    Store(url).close()
    data = volunteers_xlsx(GOOD, BAD_DISTRICT)
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
        up.commit_review(store, check_file(volunteers_xlsx(GOOD)), committed_by="王科长")
    assert store.is_empty()
    assert store.audit().empty


def test_as_of_defaults_to_the_title_date() -> None:
    assert up.default_as_of(check_file(volunteers_xlsx(GOOD))) == date(2026, 11, 15)


# ---- templates in, clean out ---------------------------------------------------------------------


def test_a_filled_template_reviews_without_problems_and_commits(store: Store) -> None:
    data = template_workbook("issues", CITY.names, rows=example_rows("issues", CITY.names))
    review = check_file(data, "问题整改台账模板.xlsx")
    assert review.result.problems == []
    assert up.fix_table(review).frame.empty
    assert up.commit_review(store, review).snapshot.rows_valid == 2
