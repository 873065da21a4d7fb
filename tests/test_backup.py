"""`python -m civdash backup FILE` / `restore FILE [--yes]`: the round trip gives back every
snapshot, row, audit entry and account, on SQLite (online backup API) and PostgreSQL (pg_dump /
pg_restore); a file that is no backup, or one from a newer CivDash, is refused and changes
nothing."""

from __future__ import annotations

import io
import sqlite3
from contextlib import closing, redirect_stderr, redirect_stdout
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from civdash import cli
from civdash.accounts import Accounts
from civdash.backup import BackupError, backup, backup_revision, restore
from civdash.migrations import SCHEMA_HEAD
from civdash.store import Store
from tests.store.test_store_parts import commit_part


def _cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = cli.main(list(args))
    return code, out.getvalue(), err.getvalue()


def _state(url: str) -> dict[str, object]:
    """Everything a restore must give back, as plain values."""
    with Store(url) as store:
        snapshots = sorted(
            (s.id, s.kind, s.scope, s.sha256, s.is_current) for s in store.snapshots()
        )
        rows = {s.id: store.load(s.id) for s in store.snapshots()}
        audit = store.audit(limit=10_000)
        accounts = sorted(
            (a.name, a.role, a.district, a.has_password) for a in Accounts(store).list()
        )
        aggregates = {s.id: store.aggregates(s.id) for s in store.snapshots() if not s.scope}
        escalations = store.escalations()
    return {
        "snapshots": snapshots,
        "rows": rows,
        "audit": audit[["at", "action", "actor", "detail"]].reset_index(drop=True),
        "accounts": accounts,
        "aggregates": aggregates,
        "escalations": escalations,
    }


def _filled(url: str) -> None:
    with Store(url) as store:
        Accounts(store).add("王主任", "admin", password="backup-pass-2026", actor="测试")
        Accounts(store).add("张晓", "district", district="东湖区", actor="测试")
        for district, n in (("东湖区", 4), ("南港区", 3)):
            commit_part(store, district, n)
        commit_part(store, "东湖区", 5, tag="第二周", day=22)
        store.record_escalation("市住建局", "约谈", "2025-06-01", "连续两周上黑榜", actor="王主任")


def _emptied(url: str) -> None:
    """Every snapshot and account gone, as after a mistake or a broken disk."""
    with Store(url) as store:
        for snap in sorted(store.snapshots(), key=lambda s: -s.id):
            if any(s.id == snap.id for s in store.snapshots()):
                store.delete(snap.id, actor="测试")
        engine = store.engine
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM login_sessions"))
        conn.execute(sa.text("DELETE FROM users"))
        conn.execute(sa.text("DELETE FROM escalations"))


def test_backup_delete_everything_restore_gives_everything_back(db_url: str, tmp_path: Path):
    _filled(db_url)
    before = _state(db_url)
    file = tmp_path / "备份" / "civdash.backup"
    code, out, err = _cli("backup", str(file), "--db", db_url)
    assert code == 0, err
    assert out.startswith(f"已备份到 {file}：快照 {len(before['snapshots'])} 个，账号 2 个")  # type: ignore[arg-type]
    assert backup_revision(file) == SCHEMA_HEAD
    with Store(db_url) as store:
        latest = store.audit(limit=1).iloc[0]
        assert (latest["action"], latest["actor"]) == ("backup", "命令行")
    _emptied(db_url)
    with Store(db_url) as store:
        assert store.snapshots() == [] and Accounts(store).list() == []
    code, out, err = _cli("restore", str(file), "--yes", "--db", db_url)
    assert code == 0, err
    assert "已从" in out and f"快照 {len(before['snapshots'])} 个" in out  # type: ignore[arg-type]
    after = _state(db_url)
    assert after["snapshots"] == before["snapshots"]
    assert after["accounts"] == before["accounts"]
    for sid, rows in before["rows"].items():  # type: ignore[attr-defined]
        pd.testing.assert_frame_equal(after["rows"][sid], rows)  # type: ignore[index]
    for sid, table in before["aggregates"].items():  # type: ignore[attr-defined]
        pd.testing.assert_frame_equal(after["aggregates"][sid], table)  # type: ignore[index]
    assert len(before["escalations"]) == 1  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(after["escalations"], before["escalations"])  # type: ignore[arg-type]
    # the audit trail as it was when the backup was taken is back (the backup's own entry was
    # written after the copy), followed by the restore's
    audit = after["audit"]
    kept = before["audit"]
    assert len(audit) == len(kept) + 1  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(audit.iloc[1:].reset_index(drop=True), kept, check_dtype=False)  # type: ignore[union-attr,attr-defined]
    assert audit["action"].iloc[0] == "restore"  # type: ignore[index]

    with Store(db_url) as store:  # the password still works: its hash came back
        assert Accounts(store).authenticate("王主任", "backup-pass-2026").name == "王主任"


def test_a_restore_without_yes_and_without_a_terminal_changes_nothing(db_url: str, tmp_path: Path):
    _filled(db_url)
    file = tmp_path / "civdash.backup"
    assert _cli("backup", str(file), "--db", db_url)[0] == 0
    commit_part(Store(db_url), "南港区", 6, tag="之后")
    before = _state(db_url)["snapshots"]
    code, out, err = _cli("restore", str(file), "--db", db_url)  # stdin is not a terminal here
    assert code == 2 and out == ""
    assert (
        err.strip()
        == "恢复会替换数据库中的全部数据（快照、账号、审计记录）；确认无误请加 --yes 重新运行。"
    )
    assert _state(db_url)["snapshots"] == before


def test_a_backup_from_a_newer_civdash_is_refused_and_changes_nothing(db_url: str, tmp_path: Path):
    _filled(db_url)
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:  # as a later version would have left it
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '0099'"))
    file = tmp_path / "newer.backup"
    backup(db_url, file)  # the library call: the command would not open a store it cannot read
    with engine.begin() as conn:
        conn.execute(sa.text(f"UPDATE alembic_version SET version_num = '{SCHEMA_HEAD}'"))
        conn.execute(sa.text("DELETE FROM snapshot_aggregates"))
    engine.dispose()
    assert backup_revision(file) == "0099"
    code, out, err = _cli("restore", str(file), "--yes", "--db", db_url)
    assert code == 2 and out == ""
    assert err.strip() == (
        f"备份文件来自更新版本的 CivDash（数据库结构版本 0099，本程序最高支持 {SCHEMA_HEAD}），"
        "请先升级 CivDash 再恢复。"
    )
    with Store(db_url) as store:  # untouched: the aggregates deleted above are still gone
        assert all(store.aggregates(s.id) is None for s in store.snapshots() if not s.scope)


def test_a_file_that_is_no_backup_is_refused_in_one_chinese_line(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'civdash.sqlite'}"
    _filled(url)
    not_backup = tmp_path / "台账.xlsx"
    not_backup.write_bytes(b"PK\x03\x04 a workbook, not a backup")
    other_sqlite = tmp_path / "other.sqlite"
    with closing(sqlite3.connect(other_sqlite)) as conn:
        conn.execute("CREATE TABLE t (x)")
    for path, said in (
        (
            not_backup,
            "台账.xlsx 不是 CivDash 的备份文件（既不是 SQLite 数据库，也不是 pg_dump 文件）。",
        ),
        (other_sqlite, "other.sqlite 是 SQLite 数据库，但不是 CivDash 的数据库备份。"),
        (tmp_path / "missing.backup", f"找不到备份文件 {tmp_path / 'missing.backup'}。"),
    ):
        code, out, err = _cli("restore", str(path), "--yes", "--db", url)
        assert (code, out, err.strip()) == (2, "", said)


def test_a_sqlite_backup_taken_during_an_open_write_transaction_holds_what_was_committed(
    tmp_path: Path,
):
    """The online backup API copies a consistent state while a writer works: a transaction
    still open when the backup is taken is not in it."""
    url = f"sqlite:///{tmp_path / 'civdash.sqlite'}"
    _filled(url)
    writer = sqlite3.connect(tmp_path / "civdash.sqlite", isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute(
            "INSERT INTO audit (at, action, actor, detail) VALUES ('2026-12-01', 'x', '进行中', '')"
        )
        info = backup(url, tmp_path / "during.backup")
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    with closing(sqlite3.connect(info.path)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT count(*) FROM audit WHERE actor = '进行中'").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM snapshots").fetchone()[0] == info.snapshots > 0


def test_a_sqlite_backup_cannot_be_restored_into_postgresql_and_back(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'civdash.sqlite'}"
    _filled(url)
    file = backup(url, tmp_path / "civdash.backup").path
    with pytest.raises(BackupError, match="这是 SQLite 的备份文件，不能恢复到 PostgreSQL 数据库。"):
        restore("postgresql+psycopg://nobody@127.0.0.1:1/none", file)
