"""Faults a city's deployment meets: a full disk during a commit, two editors making different
snapshots current at the same moment, a process killed in the middle of a commit, and a
PostgreSQL server restarted under open sessions. Nothing is half-stored, the winner is clear and
both are audited, and pages recover by themselves."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from civdash.store import Store, disk_full
from tests.store.helpers import ledger_result, ledger_rows

ROOT = Path(__file__).resolve().parents[2]


def _counts(url: str) -> dict[str, int]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                table: int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar() or 0)
                for table in ("snapshots", "rows_volunteers", "snapshot_frames", "audit",
                              "snapshot_aggregates")
            }  # fmt: skip
    finally:
        engine.dispose()


def test_a_full_disk_during_a_sqlite_commit_stores_nothing_and_says_so(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'civdash.sqlite'}"
    with Store(url) as store:
        store.commit(
            ledger_result("volunteers", ledger_rows("volunteers", 50), as_of=date(2026, 11, 8)),
            b"w1",
        )
    before = _counts(url)
    store = Store(url)
    try:
        pages = store.engine.connect().exec_driver_sql("PRAGMA page_count").scalar()
        store.engine.dispose()

        @event.listens_for(store.engine, "connect")
        def little_room(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            # the disk fills up: a few pages more than the database has now
            dbapi_connection.execute(f"PRAGMA max_page_count={int(pages) + 3}")

        big = ledger_result("volunteers", ledger_rows("volunteers", 5000), as_of=date(2026, 11, 15))
        with pytest.raises(sa.exc.OperationalError) as raised:
            store.commit(big, b"w2")
        assert disk_full(raised.value)
        assert _counts(url) == before  # nothing of it: no snapshot, no rows, no audit entry
        event.remove(store.engine, "connect", little_room)
        store.engine.dispose()
        outcome = store.commit(big, b"w2")  # room again: the same commit goes through
        assert outcome.created and len(store.load(outcome.snapshot.id)) == 5000
    finally:
        store.close()


def test_the_page_and_the_command_line_say_the_disk_is_full_in_chinese(tmp_path: Path) -> None:
    import sqlite3

    from civdash.cli import _database_failure

    full = sa.exc.OperationalError(
        "INSERT", {}, sqlite3.OperationalError("database or disk is full")
    )
    full.orig.sqlite_errorname = "SQLITE_FULL"  # type: ignore[union-attr]  # as sqlite3 sets it
    assert disk_full(full)
    assert _database_failure(full) == (
        "数据库所在磁盘已满，本次操作没有保存任何数据；请清理磁盘空间后重试。"
    )
    refused = sa.exc.OperationalError(
        "SELECT 1", {}, ConnectionRefusedError(111, "Connection refused")
    )
    assert not disk_full(refused)
    assert (
        _database_failure(refused)
        == "无法连接数据库，本次操作没有保存任何数据：[Errno 111] Connection refused"
    )


def test_two_editors_making_different_snapshots_current_at_once_leave_one_winner_both_audited(
    db_url: str,
) -> None:
    with Store(db_url) as store:
        ids = [
            store.commit(
                ledger_result("volunteers", ledger_rows("volunteers", 20), as_of=date(2026, 11, d)),
                f"week{d}".encode(),
            ).snapshot.id
            for d in (1, 8, 15)
        ]
    older = ids[:2]  # the newest (15th) is current; two editors each bring back an older one
    stores = [Store(db_url) for _ in older]
    start = threading.Barrier(len(older))

    def make_current(store: Store, snapshot_id: int, who: str) -> None:
        start.wait()
        store.set_current(snapshot_id, actor=who, role="editor")

    threads = [
        threading.Thread(target=make_current, args=(s, i, who))
        for s, i, who in zip(stores, older, ("张晓", "李娜"), strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in stores:
        s.close()
    with Store(db_url) as store:
        current = [s for s in store.snapshots("volunteers") if s.is_current]
        assert len(current) == 1 and current[0].id in older
        audit = store.audit()
        moves = audit[audit["action"] == "set_current"].sort_values("at")
        assert sorted(moves["actor"]) == ["张晓", "李娜"]
        assert sorted(moves["snapshot_id"].astype(int)) == sorted(older)
        # the winner is the one whose change came last
        assert int(moves["snapshot_id"].iloc[-1]) == current[0].id


_COMMIT_SCRIPT = """
import sys
from datetime import date
from civdash.store import Store
from tests.store.helpers import ledger_result, ledger_rows
store = Store(sys.argv[1])
result = ledger_result("volunteers", ledger_rows("volunteers", int(sys.argv[2])), as_of=date(2026, 11, 22))
print("committing", flush=True)
store.commit(result, b"killed-mid-commit")
print("committed", flush=True)
"""


@pytest.mark.slow
def test_a_process_killed_in_the_middle_of_a_commit_leaves_nothing_half_stored(db_url: str) -> None:
    """SIGKILL while the commit's transaction is writing rows (no clean shutdown, as when an
    app server dies): the database rolls it back, and the next commit of the same file works."""
    with Store(db_url) as store:
        store.commit(
            ledger_result("volunteers", ledger_rows("volunteers", 30), as_of=date(2026, 11, 15)),
            b"first",
        )
    before = _counts(db_url)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", _COMMIT_SCRIPT, db_url, "300000"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stdout.readline().strip() == "committing"
    engine = sa.create_engine(db_url)
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:  # until the transaction is under way
            if _writing(engine, db_url):
                break
            time.sleep(0.01)
        else:
            pytest.fail("the commit never started writing")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        engine.dispose()
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert _counts(db_url) == before
    with Store(db_url) as store:  # the store is whole and takes the same file again
        assert len(store.snapshots()) == 1
        outcome = store.commit(
            ledger_result("volunteers", ledger_rows("volunteers", 40), as_of=date(2026, 11, 22)),
            b"killed-mid-commit",
        )
        assert outcome.created


def _writing(engine: sa.Engine, url: str) -> bool:
    """Is another connection inside a write transaction now?"""
    if url.startswith("sqlite"):
        wal = Path(sa.make_url(url).database + "-wal")  # type: ignore[operator]
        return wal.exists() and wal.stat().st_size > 1_000_000
    with engine.connect() as conn:
        return bool(
            conn.execute(
                sa.text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                    "AND pid <> pg_backend_pid()"
                )
            ).scalar()
        )


@pytest.mark.postgres
@pytest.mark.slow
def test_postgresql_restarted_under_an_open_session_pages_say_so_then_recover_by_themselves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from streamlit.testing.v1 import AppTest

    from civdash.cluster import postgres_bindir, postgres_cluster
    from civdash.ui.errors import DATABASE_DOWN
    from tests.conftest import POSTGRES_MISSING, missing_system_tool, taken_page_failures
    from tests.pages.conftest import logged_in

    bindir = postgres_bindir()
    if bindir is None:
        missing_system_tool(POSTGRES_MISSING)
    with postgres_cluster(bindir) as server:
        monkeypatch.setenv("CIVDASH_DATABASE_URL", server.url)
        monkeypatch.setenv("CIVDASH_NO_SAMPLE", "1")
        monkeypatch.setenv("CIVDASH_HOME", str(tmp_path))
        from civdash.accounts import Accounts
        from tests.conftest import TEST_ACCOUNTS, TEST_PASSWORD

        with Store(server.url) as store:
            for role, (name, district) in TEST_ACCOUNTS.items():
                Accounts(store).add(
                    name, role, district=district, password=TEST_PASSWORD, actor="测试"
                )
            store.commit(
                ledger_result(
                    "volunteers", ledger_rows("volunteers", 30), as_of=date(2026, 11, 15)
                ),
                b"v",
            )
        import streamlit as st

        st.cache_resource.clear()
        at = logged_in(AppTest.from_file(str(ROOT / "app.py"), default_timeout=90))
        at.switch_page("app_pages/volunteers.py").run()
        assert not at.exception and not at.error
        server.stop()
        at.run()  # the database is down: a clear Chinese message, nothing else of the page
        assert [e.value for e in at.error] == [DATABASE_DOWN]
        assert taken_page_failures(caplog)
        server.start()
        at.run()  # back: the next run works, with no restart and no 重试 click
        assert not at.exception and not at.error
        assert at.title and at.title[0].value.startswith("志愿者")
        server.stop()  # restarted between two runs: the pooled connections are stale,
        server.start()  # found so when checked out (pool_pre_ping) and replaced
        at.run()
        assert not at.exception and not at.error
        assert at.title and at.title[0].value.startswith("志愿者")
        st.cache_resource.clear()


def test_disk_full_is_not_mistaken_for_another_failure() -> None:
    assert not disk_full(ValueError("x"))
    assert not disk_full(sa.exc.OperationalError("x", {}, Exception("database is locked")))
