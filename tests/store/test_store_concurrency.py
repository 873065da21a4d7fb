"""Two writers at once: SQLite and PostgreSQL both end with one consistent state."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from civdash.store import CommitOutcome, Store
from tests.store.helpers import ledger_result, ledger_rows

ROWS = ledger_rows("volunteers", n=3000)  # big enough that the two transactions overlap


def _race(db_url: str, *jobs: tuple[bytes, date]) -> list[CommitOutcome]:
    """Each job commits from its own Store (its own connections), all released at once."""
    stores = [Store(db_url) for _ in jobs]
    start = threading.Barrier(len(jobs))

    def commit(store: Store, data: bytes, as_of: date) -> CommitOutcome:
        start.wait()
        return store.commit(ledger_result("volunteers", ROWS, as_of=as_of), data)

    try:
        with ThreadPoolExecutor(len(jobs)) as pool:
            futures = [pool.submit(commit, s, *job) for s, job in zip(stores, jobs, strict=True)]
            return [f.result() for f in futures]
    finally:
        for s in stores:
            s.close()


def test_two_writers_committing_the_same_file_store_it_once(db_url: str) -> None:
    outcomes = _race(db_url, (b"same", date(2026, 11, 15)), (b"same", date(2026, 11, 15)))

    assert sorted(o.created for o in outcomes) == [False, True]
    assert outcomes[0].snapshot.id == outcomes[1].snapshot.id
    loser = next(o for o in outcomes if not o.created)
    assert "未重复保存" in loser.message
    with Store(db_url) as store:
        assert len(store.snapshots()) == 1
        assert len(store.load(outcomes[0].snapshot.id)) == len(ROWS)
        assert sorted(store.audit()["action"]) == ["commit", "duplicate"]


def test_two_writers_committing_different_files_leave_the_newer_one_current(db_url: str) -> None:
    outcomes = _race(db_url, (b"older", date(2026, 11, 1)), (b"newer", date(2026, 11, 15)))

    assert all(o.created for o in outcomes)
    with Store(db_url) as store:
        snapshots = store.snapshots("volunteers")
        assert [s.as_of for s in snapshots] == [date(2026, 11, 15), date(2026, 11, 1)]
        assert [s.is_current for s in snapshots] == [True, False]
