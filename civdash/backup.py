"""Backups of the store: `python -m civdash backup FILE` and `restore FILE [--yes]`.

- SQLite (the default store): SQLite's online backup API copies the database page by page into
  FILE, a SQLite database itself, consistent even while app servers read and commit (a commit
  made during the copy makes SQLite start the copy again). A restore copies FILE back over the
  store the same way, in one step that readers see either before or after.
- PostgreSQL: `pg_dump --format=custom` into FILE, and `pg_restore --clean --if-exists` from it
  (the client programs of Debian's `postgresql-client`, of the server's major version or newer).

Either way the backup holds everything: snapshots and their rows, the aggregates, accounts
(password hashes only), login sessions and the audit trail. A restore refuses a file that is not
a CivDash backup, or one made by a newer CivDash (its schema revision is not one this version
knows: upgrade CivDash first), each with one Chinese sentence; a file from an older version is
upgraded by the migrations when the store is next opened (at the end of the restore). App
servers should be stopped during a restore: their caches would hold frames of the store replaced.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from civdash.migrations import BASELINE

__all__ = ["BackupError", "BackupInfo", "backup", "backup_revision", "known_revisions", "restore"]

_SQLITE_MAGIC = b"SQLite format 3\x00"
_PGDUMP_MAGIC = b"PGDMP"


class BackupError(ValueError):
    """A backup or restore that cannot be done; the message is one Chinese sentence."""


@dataclass(frozen=True)
class BackupInfo:
    """What `backup` wrote or `restore` read."""

    path: Path
    engine: str
    """"sqlite" or "postgresql"."""
    revision: str | None
    """The schema revision of the store in the file."""
    snapshots: int
    accounts: int


def known_revisions() -> list[str]:
    """The schema revisions this version of CivDash has migrations for, oldest first."""
    from alembic.script import ScriptDirectory

    from civdash.migrations import alembic_config

    script = ScriptDirectory.from_config(alembic_config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def _sqlite_path(url: sa.URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("内存中的数据库无法备份或恢复，请指定一个 SQLite 数据库文件。")
    return Path(url.database)


def _libpq(url: sa.URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string for pg_dump / pg_restore, and the environment carrying the
    password (never on a command line, where `ps` would show it)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _schema_options(url: sa.URL) -> list[str]:
    """`--schema NAME` when the URL confines the store to a schema (`options=-csearch_path=NAME`,
    as when one PostgreSQL database holds several stores): only that schema is backed up."""
    options = url.query.get("options")
    text = " ".join(options) if isinstance(options, tuple) else str(options or "")
    found = re.search(r"-c\s*search_path\s*=\s*([A-Za-z_][A-Za-z0-9_$]*)", text)
    return ["--schema", found.group(1)] if found else []


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"找不到 PostgreSQL 的 {name} 程序，请安装与数据库同一大版本的 postgresql-client。"
        )
    return found


def _counts(conn: sa.Connection) -> tuple[int, int]:
    inspector = sa.inspect(conn)
    snapshots = (
        conn.execute(sa.text("SELECT count(*) FROM snapshots")).scalar() or 0
        if inspector.has_table("snapshots")
        else 0
    )
    accounts = (
        conn.execute(sa.text("SELECT count(*) FROM users")).scalar() or 0
        if inspector.has_table("users")
        else 0
    )
    return int(snapshots), int(accounts)


def backup(url: str, target: Path) -> BackupInfo:
    """Copy the store at `url` into the file `target` (replaced if it exists; written beside it
    first, then renamed, so a failed backup leaves no half file under that name)."""
    parsed = sa.make_url(url)
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    os.close(handle)
    partial = Path(name)
    try:
        if parsed.get_backend_name() == "sqlite":
            source = _sqlite_path(parsed)
            if not source.exists():
                raise BackupError(f"数据库文件 {source} 不存在，没有可备份的数据。")
            with (
                closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src,
                closing(sqlite3.connect(partial)) as dst,
            ):
                src.backup(dst)
        elif parsed.get_backend_name() == "postgresql":
            conninfo, env = _libpq(parsed)
            done = subprocess.run(
                [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(partial),
                 *_schema_options(parsed), "--dbname", conninfo],
                env=env, capture_output=True, text=True, check=False,
            )  # fmt: skip
            if done.returncode != 0:
                raise BackupError(f"pg_dump 备份失败：{_last_line(done.stderr)}")
        else:
            raise BackupError(f"不支持备份 {parsed.get_backend_name()} 数据库。")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return _describe(target, url)


def _describe(path: Path, url: str) -> BackupInfo:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            snapshots, accounts = _counts(conn)
    finally:
        engine.dispose()
    return BackupInfo(
        path, sa.make_url(url).get_backend_name(), backup_revision(path), snapshots, accounts
    )


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "（无输出）"


def backup_revision(path: Path) -> str | None:
    """The schema revision of the store in a backup file (`BASELINE` for a store from before
    migrations). Raises `BackupError` for a file that is not a CivDash backup."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"找不到备份文件 {path}。")
    with path.open("rb") as fh:
        head = fh.read(16)
    if head.startswith(_SQLITE_MAGIC):
        return _sqlite_revision(path)
    if head.startswith(_PGDUMP_MAGIC):
        return _pgdump_revision(path)
    raise BackupError(
        f"{path.name} 不是 CivDash 的备份文件（既不是 SQLite 数据库，也不是 pg_dump 文件）。"
    )


def _sqlite_revision(path: Path) -> str | None:
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            tables = {
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            if "snapshots" not in tables:
                raise BackupError(f"{path.name} 是 SQLite 数据库，但不是 CivDash 的数据库备份。")
            if "alembic_version" not in tables:
                return BASELINE
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            return str(row[0]) if row else BASELINE
    except sqlite3.DatabaseError as exc:
        raise BackupError(
            f"{path.name} 无法作为 SQLite 数据库读取（{exc}），文件可能已损坏。"
        ) from exc


def _pgdump_revision(path: Path) -> str | None:
    listing = subprocess.run(
        [_pg_tool("pg_restore"), "--list", str(path)], capture_output=True, text=True, check=False
    )
    if listing.returncode != 0:
        raise BackupError(f"{path.name} 无法读取：{_last_line(listing.stderr)}")
    if not re.search(r"TABLE DATA \S+ snapshots ", listing.stdout):
        raise BackupError(f"{path.name} 是 pg_dump 文件，但不是 CivDash 的数据库备份。")
    if not re.search(r"TABLE DATA \S+ alembic_version ", listing.stdout):
        return BASELINE
    data = subprocess.run(
        [_pg_tool("pg_restore"), "--data-only", "--table=alembic_version", "--file=-", str(path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    found = re.search(
        r"^COPY [^\n]*alembic_version[^\n]*FROM stdin;\n([^\n\\]+)\n", data.stdout, re.M
    )
    return found.group(1).strip() if found else BASELINE


def restore(url: str, source: Path) -> BackupInfo:
    """Replace everything in the store at `url` with the backup `source` (`backup`'s file).
    Raises `BackupError` (nothing changed) for a file that is not a backup, one of the other
    database kind, or one made by a newer CivDash."""
    source = Path(source)
    revision = backup_revision(source)
    known = known_revisions()
    if revision is not None and revision not in known:
        raise BackupError(
            f"备份文件来自更新版本的 CivDash（数据库结构版本 {revision}，本程序最高支持 "
            f"{known[-1]}），请先升级 CivDash 再恢复。"
        )
    parsed = sa.make_url(url)
    with source.open("rb") as fh:
        is_sqlite = fh.read(16).startswith(_SQLITE_MAGIC)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if not is_sqlite:
            raise BackupError("这是 PostgreSQL 的备份文件，不能恢复到 SQLite 数据库。")
        target = _sqlite_path(parsed)
        target.parent.mkdir(parents=True, exist_ok=True)
        with (
            closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src,
            closing(sqlite3.connect(target, timeout=30)) as dst,
        ):
            src.backup(dst)
    elif backend == "postgresql":
        if is_sqlite:
            raise BackupError("这是 SQLite 的备份文件，不能恢复到 PostgreSQL 数据库。")
        conninfo, env = _libpq(parsed)
        done = subprocess.run(
            [_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
             "--single-transaction", "--exit-on-error", "--dbname", conninfo, str(source)],
            env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise BackupError(f"pg_restore 恢复失败，数据库未改动：{_last_line(done.stderr)}")
    else:
        raise BackupError(f"不支持恢复到 {backend} 数据库。")
    return _describe(source, url)
