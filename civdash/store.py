"""Snapshots and audit in a SQL database: SQLite by default, PostgreSQL by URL.

A *snapshot* is one committed ledger file: its metadata in `snapshots`, its rows in the table of
its kind (`rows_units`, `rows_volunteers`, …, one typed column per registry field, so adding a
field to the registry adds a column), and an Arrow copy of the same rows in `snapshot_frames`.
Every change also appends to `audit`, which nothing updates or deletes (triggers refuse it).

Why the Arrow copy: Python's sqlite3 module turns every value into a Python object, so reading a
million rows back from typed columns takes longer than reading the original spreadsheet. The
copy is written from the same Arrow table in the same transaction and reads back in a fraction of
a second; the typed tables stay the SQL-facing truth for notebooks, reports and schema changes,
and `load` falls back to them whenever the copy is missing or its columns no longer match.

Typical use::

    store = Store()  # a SQLite file under $CIVDASH_HOME
    outcome = store.commit(result, upload.getvalue(), committed_by="王科长")
    outcome.message  # '已保存快照 #1（志愿者，截至 2026-11-15，有效 1,234 行）'
    rows = store.load_current("volunteers")

Nothing wrong becomes current: `Store.commit` refuses a result with no valid row
(`CommitRefusedError`) and holds a commit that would replace the current snapshot while dropping
districts it has, or more than `Settings.max_shrink_share` of its rows (`ShrinkHeldError`, unless
`allow_shrink=True`): a one-district file or a sheet of errors must not empty the dashboard. Both
are audited (`refuse`, `hold`) and store nothing else. `shrink_check` is the rule as a pure
function, so the upload page shows the clerk the numbers the store will judge.
"""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import sqlalchemy as sa
from sqlalchemy import event

from civdash import aggregates
from civdash.config import Settings, database_url
from civdash.districts import DistrictTable
from civdash.ingest import SOURCE_ROW, IngestResult
from civdash.ledgers import REGISTRY, LedgerKind
from civdash.ledgers.base import ValueType
from civdash.migrations import migrate

__all__ = [
    "AUDIT_COLUMNS",
    "ESCALATION_COLUMNS",
    "ESCALATION_LEVELS",
    "ESCALATION_REASON_CHARS",
    "LOCAL_TZ",
    "SQLITE_BUSY_TIMEOUT_MS",
    "CommitOutcome",
    "CommitRefusedError",
    "EscalationError",
    "EscalationNotFoundError",
    "ShrinkCheck",
    "ShrinkHeldError",
    "SnapshotInfo",
    "SnapshotNotFoundError",
    "Store",
    "disk_full",
    "exception_chain",
    "nothing_valid_message",
    "part_fingerprint",
    "rows_by_district",
    "shrink_check",
    "will_become_current",
]

AUDIT_COLUMNS = (
    "at",
    "action",
    "kind",
    "snapshot_id",
    "file_name",
    "sha256",
    "actor",
    "detail",
    "role",
    "scope",
)
"""Columns of `Store.audit()`. `action`: commit, assemble, duplicate, refuse, hold, delete,
set_current, and the account actions (login, login_failed, login_locked, lockout, logout,
user_add, user_password, user_disable, user_enable, user_unlock, user_role, denied), the escalation
records' (escalation_add, escalation_edit, escalation_delete) and notices. `role`: the
acting user's role; `scope`: the district acted on ("" the whole city; empty before accounts)."""

LOCAL_TZ = timezone(timedelta(hours=8), "北京时间")
"""Times shown to users and "today" for an undated file: the office works in China Standard Time."""

SQLITE_BUSY_TIMEOUT_MS = 30_000
"""How long a SQLite writer waits for another writer before giving up."""

_PG_WRITE_LOCK = 0x63_69_76_64_61_73_68
"""Advisory lock key ("civdash") that makes PostgreSQL writers take turns, as SQLite's do."""

# Messages users read.
_MSG_SAVED = "已保存快照 #{id}（{label}，截至 {as_of}，有效 {valid:,} 行）"
_MSG_NOT_CURRENT = "；当前快照仍为 #{id}（截至 {as_of}）"
_MSG_DUPLICATE = "该文件已于 {at} 导入（快照 #{id}），未重复保存"
_MSG_DELETED = "已删除快照 #{id}（{label}，截至 {as_of}，有效 {valid:,} 行）"
_MSG_NEW_CURRENT = "；快照 #{id}（截至 {as_of}）成为当前快照"
_MSG_NONE_LEFT = "；{label}台账已无快照"
_MSG_SET_CURRENT = "已将快照 #{id}（{label}，截至 {as_of}）设为当前快照"
_MSG_NOT_FOUND = "快照 #{id} 不存在，可能已被删除，请刷新页面后重新选择。"
_MSG_UNKNOWN_KIND = "未知的台账类型『{kind}』，可选：{known}。"
_MSG_NO_SOURCE_ROW = (
    "台账数据缺少 source_row 列（每行在原表格中的行号），无法保存，请重新读取文件。"
)
_MSG_AUDIT_APPEND_ONLY = "审计日志只能追加，不能修改或删除。"
_MSG_NO_PARTS = "{label}台账不按区县分开报送，请由市创城办提交全市文件。"
_MSG_OTHER_DISTRICTS = (
    "这是{district}的报送，文件中却有{others}的数据，未保存；请只提交{district}的数据。"
)
_MSG_ASSEMBLED_FILE = "各区县报送汇总（{n} 个区县）"
_MSG_ASSEMBLED = (
    "已汇总全市{label}台账 #{id}：{district}改用报送 #{part}，共 {n} 个区县、{rows:,} 行"
)
_MSG_NO_VALID_ROW = (
    "文件中没有有效数据行（读取 {read:,} 行，全部有误），未保存；请按检查结果改正后重新提交。"
)
_MSG_NO_ROW = "文件中没有数据行，未保存；请核对工作表和表头所在行，填好数据后重新提交。"
_MSG_SHRINK_BASE = (
    "与当前快照 #{id}（{label}，截至 {as_of}，{rows:,} 行）相比，本文件{has} {new:,} 行"
)
_MSG_SHRINK_SHARE = "（减少 {share}，超过允许的 {limit}）"
_MSG_SHRINK_SHARE_OK = "（减少 {share}）"
_MSG_SHRINK_DROPPED = "，{also}没有{districts}的数据"
_MSG_HELD = "，未保存；{how}。"
_HOW_CONFIRM = "请确认上传的是完整台账；如确需以此替换当前数据，请确认后重新提交"
_MSG_CONFIRMED = "；提交人已确认替换：{reason}"

_SQL_TYPES: dict[str, type[sa.types.TypeEngine[Any]]] = {
    "str": sa.Text,
    "text": sa.Text,
    "date": sa.Date,
    "float": sa.Float,
    "int": sa.BigInteger,  # IngestResult ints are Int64; a 32-bit column would refuse some on PostgreSQL
    "bool": sa.Boolean,
}
_ARROW_TYPES: dict[str, pa.DataType] = {
    "str": pa.large_string(),
    "text": pa.large_string(),
    "date": pa.date32(),
    "float": pa.float64(),
    "int": pa.int64(),
    "bool": pa.bool_(),
}
_T = TypeVar("_T")
_TEXT_DTYPE = pd.StringDtype(na_value=np.nan)  # pandas' default "str" dtype
_BATCH_ROWS = 100_000
"""Rows converted at a time by the bulk paths; bounds memory."""
_SQLITE_ROWS_PER_INSERT = 250
"""Rows per multi-row INSERT statement (also capped by SQLite's limit on bound variables)."""


class SnapshotNotFoundError(LookupError):
    """The snapshot id does not exist (never did, or was deleted)."""


class CommitRefusedError(ValueError):
    """The store would not store this result; `message` is one Chinese sentence saying what is
    wrong and how to fix it. The refusal is in the audit trail; nothing else was stored."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ShrinkCheck:
    """What a new current snapshot would lose against the current one: the numbers of the rule.

    `dropped` lists the districts with rows in the current snapshot and none in the new one,
    with their current row counts (most rows first). An empty district (a city-wide target, or
    a kind without districts) is not a district. `held` when any district is dropped or more
    than `max_share` of the rows would be lost.
    """

    kind: str
    current_id: int
    current_as_of: date
    current_rows: int
    new_rows: int
    max_share: float
    dropped: tuple[tuple[str, int], ...]

    @property
    def share(self) -> float:
        """The share of the current rows the new snapshot lacks (0 when it has as many or more)."""
        if self.current_rows <= 0 or self.new_rows >= self.current_rows:
            return 0.0
        return (self.current_rows - self.new_rows) / self.current_rows

    @property
    def too_many_lost(self) -> bool:
        lost = self.current_rows - self.new_rows
        # exactly at the limit passes; the tolerance keeps 30 of 100 at 30 % from tipping over
        return lost > 0 and lost > self.max_share * self.current_rows + 1e-9

    @property
    def held(self) -> bool:
        return bool(self.dropped) or self.too_many_lost

    def reason(self) -> str:
        """What would be lost, with the numbers: "与当前快照 #3（志愿者，截至 2026-11-15，1,000 行）
        相比，本文件只有 600 行（减少 40%，超过允许的 30%），且没有南港区（当前 250 行）的数据"."""
        text = _MSG_SHRINK_BASE.format(
            id=self.current_id,
            label=REGISTRY[self.kind].label if self.kind in REGISTRY else self.kind,
            as_of=self.current_as_of,
            rows=self.current_rows,
            has="只有" if self.new_rows < self.current_rows else "有",
            new=self.new_rows,
        )
        if self.share > 0:
            template = _MSG_SHRINK_SHARE if self.too_many_lost else _MSG_SHRINK_SHARE_OK
            text += template.format(share=_percent(self.share), limit=_percent(self.max_share))
        if self.dropped:
            districts = "、".join(f"{name}（当前 {n:,} 行）" for name, n in self.dropped)
            text += _MSG_SHRINK_DROPPED.format(
                also="且" if self.too_many_lost else "但", districts=districts
            )
        return text

    def message(self, how: str = _HOW_CONFIRM) -> str:
        """The sentence for a held commit; `how` says what to do where it is read (the command
        line ends "…，请加 --allow-shrink 重新提交")."""
        return self.reason() + _MSG_HELD.format(how=how)


class ShrinkHeldError(CommitRefusedError):
    """The commit would replace the current snapshot while dropping districts or too many rows;
    `check` carries the numbers. Commit again with `allow_shrink=True` once a person confirmed."""

    def __init__(self, check: ShrinkCheck) -> None:
        super().__init__(check.message())
        self.check = check


@dataclass(frozen=True)
class SnapshotInfo:
    """One committed ledger file. `committed_at` is UTC; `columns` maps source header → field."""

    id: int
    kind: str
    as_of: date
    committed_at: datetime
    committed_by: str
    file_name: str
    sha256: str
    rows_read: int
    rows_valid: int
    rows_invalid: int
    is_current: bool
    sheet: str | None
    header_row: int | None
    columns: dict[str, str]
    scope: str = ""
    """"" for a whole-city snapshot, else the district this part is of."""
    assembled: bool = False
    """The city ledger assembled from district parts: its rows are the parts' (`Store.parts`)."""


@dataclass(frozen=True)
class CommitOutcome:
    """What a commit did: `created` is False when the same file was already stored."""

    snapshot: SnapshotInfo
    created: bool
    message: str


@dataclass(frozen=True)
class _Guard:
    """What `Store.commit` checks inside the write transaction: the new rows per district."""

    new_counts: dict[str, int]
    allow_shrink: bool


@dataclass(frozen=True)
class _Meta:
    kind: str
    as_of: date
    committed_by: str
    file_name: str
    sha256: str
    rows_read: int
    rows_valid: int
    rows_invalid: int
    sheet: str | None
    header_row: int | None
    columns: dict[str, str]
    role: str = ""
    scope: str = ""
    committed_at: datetime | None = None


class Store:
    """Snapshots of ledgers and their audit trail in one SQL database.

    `url` is a SQLAlchemy URL; the default is `civdash.config.database_url()`, a SQLite file under
    `$CIVDASH_HOME` (created if missing). `postgresql://…` URLs use psycopg 3. `settings` holds the
    commit rules' thresholds (default `Settings.from_env()`). Safe to share between threads; each
    call uses its own connection and transaction.
    """

    def __init__(self, url: str | None = None, *, settings: Settings | None = None) -> None:
        self._settings = settings if settings is not None else Settings.from_env()
        self._engine = _make_engine(url or database_url())
        self._kinds: dict[str, LedgerKind] = dict(REGISTRY)
        self._columns = {key: _stored_columns(kind) for key, kind in self._kinds.items()}
        self._metadata = sa.MetaData()
        self._snapshots = _snapshots_table(self._metadata)
        self._frames = _frames_table(self._metadata)
        self._audit = _audit_table(self._metadata)
        self._parts = _parts_table(self._metadata)
        self._users = _users_table(self._metadata)
        self._sessions = _sessions_table(self._metadata)
        self._aggs = _aggregates_table(self._metadata)
        self._escalations = _escalations_table(self._metadata)
        self._last_aggregates: dict[str, tuple[int, pd.DataFrame]] = {}
        """Per kind, the aggregates of the city ledger this store assembled last: the next
        part's assembly starts from them without reading them back."""
        self._rows = {
            key: _rows_table(self._metadata, key, cols) for key, cols in self._columns.items()
        }
        self._ensure_schema()

    # -- lifecycle -----------------------------------------------------------------------------

    @property
    def settings(self) -> Settings:
        """The thresholds this store's commit rules use (e.g. `max_shrink_share`)."""
        return self._settings

    @property
    def engine(self) -> sa.Engine:
        """The SQLAlchemy engine, for reading the tables with SQL (e.g. from a notebook)."""
        return self._engine

    def close(self) -> None:
        """Close pooled connections."""
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self._engine.url.render_as_string(hide_password=True)!r})"

    # -- committing ----------------------------------------------------------------------------

    def commit(
        self,
        result: IngestResult,
        data: bytes,
        *,
        committed_by: str = "",
        as_of: date | None = None,
        make_current: bool | None = None,
        allow_shrink: bool = False,
        role: str = "",
        district: str | None = None,
        committed_at: datetime | None = None,
    ) -> CommitOutcome:
        """Store the valid rows of `result` as a snapshot of `data` (the uploaded file's bytes).

        With `district`, the snapshot is that district's part: every row must be of the district,
        it is compared with the district's current rows, and when it becomes the district's
        current part the city ledger is assembled anew (`Store.parts`). `role` is the committing
        user's role, for the audit trail.

        The snapshot is dated by `as_of`, else the date in the file's title, else today. It becomes
        the current one of its kind when it is at least as recent as the current one, unless
        `make_current` says otherwise. The same bytes committed again for the same kind store
        nothing and say so. All of it is one transaction: a failure stores nothing.

        Nothing wrong becomes current. A result without a valid row raises `CommitRefusedError`.
        A snapshot that would become current but lacks districts the current one has, or more
        than `settings.max_shrink_share` of its rows, raises `ShrinkHeldError` (the numbers in
        its `check`) unless `allow_shrink`; then the commit's audit entry says it was confirmed.
        Both are audited and store nothing else; the check runs in the commit's transaction, so
        it judges the snapshot that is current when the rows are written.
        """
        self._kind(result.kind)
        when = as_of or result.as_of or _today()
        if isinstance(when, datetime):
            when = when.date()
        meta = _Meta(
            kind=result.kind,
            as_of=when,
            committed_by=committed_by,
            file_name=result.file_name,
            sha256=part_fingerprint(hashlib.sha256(data).hexdigest(), district),
            rows_read=result.rows_read,
            rows_valid=result.rows_valid,
            rows_invalid=result.rows_invalid,
            sheet=result.sheet,
            header_row=result.header_row,
            columns=dict(result.columns),
            role=role,
            scope=district or "",
            committed_at=committed_at,
        )
        if district:
            self._check_part(result, district)
        rows = _arrow_rows(self._columns[result.kind], result.rows)
        guard = _Guard(rows_by_district(result.rows), allow_shrink)
        return self._commit(meta, rows, make_current, guard)

    def _check_part(self, result: IngestResult, district: str) -> None:
        """A district's part holds that district's rows only (ingest with `scope` says which
        rows are not; this is the store's own guard)."""
        by = self._kind(result.kind).narrow_by
        if not by:
            raise CommitRefusedError(_MSG_NO_PARTS.format(label=self._kind(result.kind).label))
        values = result.rows[by] if by in result.rows.columns else pd.Series([], dtype="str")
        other = sorted({str(v) for v in values.dropna().unique() if v != district})
        if other:
            raise CommitRefusedError(
                _MSG_OTHER_DISTRICTS.format(district=district, others="、".join(other))
            )

    def commit_districts(
        self,
        table: DistrictTable,
        data: bytes,
        *,
        file_name: str,
        committed_by: str = "",
        make_current: bool | None = None,
        role: str = "",
    ) -> CommitOutcome:
        """Store the district table (names, population, aliases, boundaries) as a snapshot.

        It becomes the current district table unless `make_current` is False (a table whose
        names the current ledgers do not use is kept aside until someone makes it current).
        """
        records = pd.DataFrame(
            table.to_records(), columns=["name", "population", "code", "aliases", "geometry"]
        )
        records[SOURCE_ROW] = np.arange(1, len(records) + 1)
        meta = _Meta(
            kind="districts",
            as_of=_today(),
            committed_by=committed_by,
            file_name=file_name,
            sha256=hashlib.sha256(data).hexdigest(),
            rows_read=len(records),
            rows_valid=len(records),
            rows_invalid=0,
            sheet=None,
            header_row=None,
            columns={},
            role=role,
        )
        rows = _arrow_rows(self._columns["districts"], records)
        return self._commit(meta, rows, make_current)

    def _commit(
        self,
        meta: _Meta,
        rows: pa.Table,
        make_current: bool | None,
        guard: _Guard | None = None,
    ) -> CommitOutcome:
        """Store a snapshot in one write transaction. With a `guard` (every `Store.commit`) a
        result without valid rows is refused and a shrinking current snapshot held: the refusal
        is audited in the transaction, which commits, and raised after it."""
        refusal: CommitRefusedError | None = None
        try:
            # compressing the Arrow copy needs no database: it runs while the rows are inserted
            with ThreadPoolExecutor(max_workers=1) as pool, self._write() as conn:
                if guard is not None and meta.rows_valid == 0:
                    refusal = CommitRefusedError(nothing_valid_message(meta.rows_read))
                    self._audit_unstored(conn, "refuse", meta, refusal.message)
                elif existing := _find_snapshot_by_hash(
                    conn, self._snapshots, meta.kind, meta.sha256
                ):
                    return self._record_duplicate(conn, existing, meta)
                else:
                    current = self._current_in(conn, meta.kind, meta.scope)
                    becomes_current = will_become_current(
                        meta.as_of, current.as_of if current else None, make_current
                    )
                    held = (
                        self._held(conn, meta, guard)
                        if becomes_current and guard is not None
                        else None
                    )
                    if held is not None and not (guard and guard.allow_shrink):
                        refusal = ShrinkHeldError(held)
                        self._audit_unstored(conn, "hold", meta, refusal.message)
                    else:
                        frame = (
                            pool.submit(_frame_bytes, rows)
                            if rows.num_rows >= _BATCH_ROWS
                            else _done(_frame_bytes(rows))  # too small to gain from a thread
                        )
                        # rows per district: the guard counted them already (every ledger commit)
                        counts = guard.new_counts if guard else _arrow_district_rows(rows)
                        return self._insert_snapshot(
                            conn, meta, rows, frame, current, becomes_current, held, counts
                        )
        except sa.exc.IntegrityError:
            # Another writer stored the same file between our check and our insert, and
            # UNIQUE(kind, sha256) refused the second copy: report it as the duplicate it is.
            with self._write() as conn:
                existing = _find_snapshot_by_hash(conn, self._snapshots, meta.kind, meta.sha256)
                if existing is not None:
                    return self._record_duplicate(conn, existing, meta)
            raise
        assert refusal is not None  # every other way out of the transaction returned
        raise refusal

    def _insert_snapshot(
        self,
        conn: sa.Connection,
        meta: _Meta,
        rows: pa.Table,
        frame: Future[bytes],
        current: SnapshotInfo | None,
        becomes_current: bool,
        confirmed: ShrinkCheck | None,
        counts: Mapping[str, int],
    ) -> CommitOutcome:
        snaps = self._snapshots
        if becomes_current and current is not None:
            conn.execute(sa.update(snaps).where(snaps.c.id == current.id).values(is_current=False))
        snapshot_id: int = conn.execute(
            sa.insert(snaps)
            .values(
                kind=meta.kind,
                as_of=meta.as_of,
                committed_at=(meta.committed_at or datetime.now(UTC)).astimezone(UTC),
                committed_by=meta.committed_by,
                file_name=meta.file_name,
                sha256=meta.sha256,
                rows_read=meta.rows_read,
                rows_valid=meta.rows_valid,
                rows_invalid=meta.rows_invalid,
                sheet=meta.sheet,
                header_row=meta.header_row,
                columns=meta.columns,
                is_current=becomes_current,
                scope=meta.scope,
                assembled=False,
                district_rows=dict(counts),
            )
            .returning(snaps.c.id)
        ).scalar_one()
        _bulk_insert(conn, self._rows[meta.kind], snapshot_id, rows)
        conn.execute(sa.insert(self._frames).values(snapshot_id=snapshot_id, data=frame.result()))
        info = self._get(conn, snapshot_id)
        if not info.scope:
            self._write_aggregates(conn, info, lambda: _pandas_rows(self._columns[info.kind], rows))
        message = _MSG_SAVED.format(
            id=info.id, label=self._kind(info.kind).label, as_of=info.as_of, valid=info.rows_valid
        )
        if not becomes_current and current is not None:
            message += _MSG_NOT_CURRENT.format(id=current.id, as_of=current.as_of)
        if confirmed is not None:
            message += _MSG_CONFIRMED.format(reason=confirmed.reason())
        self._append_audit(
            conn, "commit", info, detail=message, actor=meta.committed_by, role=meta.role
        )
        if meta.scope and becomes_current:
            self._assemble(
                conn,
                info,
                actor=meta.committed_by,
                role=meta.role,
                at=meta.committed_at,
                part_rows=lambda: _pandas_rows(self._columns[info.kind], rows),
            )
        return CommitOutcome(snapshot=info, created=True, message=message)

    # -- district parts ------------------------------------------------------------------------

    def _sources(self, conn: sa.Connection, snapshot_id: int) -> dict[str, int]:
        """District → the snapshot its rows come from, for an assembled city ledger ({} else)."""
        p = self._parts
        return {
            d: int(s)
            for d, s in conn.execute(
                sa.select(p.c.district, p.c.source_id).where(p.c.version_id == snapshot_id)
            )
        }

    def _composition(self, conn: sa.Connection, version: SnapshotInfo) -> dict[str, int]:
        """District → source snapshot of a city ledger (a whole-city file: itself for each of its
        districts)."""
        if version.assembled:
            return self._sources(conn, version.id)
        return {d: version.id for d in self._district_counts(conn, version.kind, version.id)}

    def _assemble(
        self,
        conn: sa.Connection,
        part: SnapshotInfo,
        *,
        actor: str,
        role: str,
        at: datetime | None = None,
        part_rows: Callable[[], pd.DataFrame] | None = None,
    ) -> SnapshotInfo:
        """A new current city ledger of `part`'s kind: the current one with `part`'s district
        taken from `part`. It holds no rows of its own, only where each district's come from.
        `part_rows` gives the part's rows when they are at hand (just committed)."""
        snaps = self._snapshots
        current = self._current_in(conn, part.kind)
        composition = self._composition(conn, current) if current is not None else {}
        composition[part.scope] = part.id
        found = conn.execute(
            sa.select(snaps).where(snaps.c.id.in_(sorted(set(composition.values()))))
        ).all()
        sources = {row.id: _snapshot_info(row) for row in found}
        kept = {row.id: _json_value(row.district_rows) for row in found}
        counts = {
            d: (
                int(kept[src].get(d, 0))
                if kept[src] is not None
                else self._district_counts(conn, part.kind, src).get(d, 0)
            )
            for d, src in composition.items()
        }
        as_of = max(sources[src].as_of for src in composition.values())
        fingerprint = json.dumps(sorted(composition.items()), ensure_ascii=False)
        if current is not None:
            conn.execute(sa.update(snaps).where(snaps.c.id == current.id).values(is_current=False))
        version_id: int = conn.execute(
            sa.insert(snaps)
            .values(
                kind=part.kind,
                as_of=as_of,
                committed_at=(at or datetime.now(UTC)).astimezone(UTC),
                committed_by=actor,
                file_name=_MSG_ASSEMBLED_FILE.format(n=len(composition)),
                # the same composition may be assembled again (a part made current twice):
                # an assembly's fingerprint is its composition and a random nonce
                sha256=hashlib.sha256(
                    f"assembled:{fingerprint}:{uuid.uuid4().hex}".encode()
                ).hexdigest(),
                rows_read=sum(counts.values()),
                rows_valid=sum(counts.values()),
                rows_invalid=0,
                sheet=None,
                header_row=None,
                columns={},
                is_current=True,
                scope="",
                assembled=True,
                district_rows={d: n for d, n in counts.items() if n},
            )
            .returning(snaps.c.id)
        ).scalar_one()
        conn.execute(
            sa.insert(self._parts),
            [
                {"version_id": version_id, "district": d, "source_id": src}
                for d, src in sorted(composition.items())
            ],
        )
        version = self._get(conn, version_id)
        self._assembled_aggregates(
            conn,
            version,
            composition,
            current,
            part.scope,
            {part.id: part_rows} if part_rows else {},
        )
        detail = _MSG_ASSEMBLED.format(
            id=version_id,
            label=self._kind(part.kind).label,
            district=part.scope,
            part=part.id,
            n=len(composition),
            rows=version.rows_valid,
        )
        self._append_audit(conn, "assemble", version, detail=detail, actor=actor, role=role)
        return version

    # -- metric aggregates ---------------------------------------------------------------------

    @cached_property
    def _agg_version(self) -> str:
        return aggregates.definitions_version(self._settings)

    @property
    def aggregates_version(self) -> str:
        """The version of the metric definitions and settings this store's aggregates are read
        and written with (`aggregates.definitions_version`)."""
        return self._agg_version

    def _write_aggregates(
        self, conn: sa.Connection, info: SnapshotInfo, rows: Callable[[], pd.DataFrame]
    ) -> None:
        """Compute and keep the metric aggregates of a city ledger snapshot in `conn`'s
        transaction (replacing any it had); other snapshots (parts, kinds without metrics) have
        none. `rows` gives its rows, only when they are needed."""
        if info.scope or info.kind not in aggregates.aggregated_kinds():
            return
        table = aggregates.aggregate(info.kind, rows(), as_of=info.as_of, settings=self._settings)
        self._keep_aggregates(conn, info.id, table)

    def _keep_aggregates(self, conn: sa.Connection, snapshot_id: int, table: pd.DataFrame) -> None:
        conn.execute(sa.delete(self._aggs).where(self._aggs.c.snapshot_id == snapshot_id))
        conn.execute(
            sa.insert(self._aggs).values(
                snapshot_id=snapshot_id,
                version=self._agg_version,
                made_at=datetime.now(UTC),
                data=_frame_bytes(pa.Table.from_pandas(table, preserve_index=False, nthreads=1)),
            )
        )

    def _assembled_aggregates(
        self,
        conn: sa.Connection,
        version: SnapshotInfo,
        composition: Mapping[str, int],
        previous: SnapshotInfo | None,
        changed: str,
        at_hand: Mapping[int, Callable[[], pd.DataFrame]],
    ) -> None:
        """The aggregates of a newly assembled city ledger. A district's rows (and cuts) depend
        only on its own rows and the as-of date, so those of the districts that kept their
        source are taken from the ledger it replaces when that has the same as-of date; the
        others are computed from their sources' rows, and the city's are the districts' sums."""
        if version.kind not in aggregates.aggregated_kinds():
            return
        before = None
        if previous is not None and previous.as_of == version.as_of:
            last = self._last_aggregates.get(version.kind)
            # what this store wrote last for the kind (a committed snapshot's never changes)
            if last is not None and last[0] == previous.id:
                before = last[1]
            else:
                before = self._read_aggregates(conn, previous.id)
        kept = {
            d
            for d in composition
            if before is not None
            and d != changed
            and aggregates.is_clean_district(d)
            and aggregates.districts_apart(version.kind)
        }
        fresh = {d: src for d, src in composition.items() if d not in kept}
        pieces = []
        if before is not None and kept:
            pieces.append(before[before["district"].isin(kept)])
        if fresh:
            rows = self._load_assembled(conn, version, fresh, at_hand)
            made = aggregates.aggregate(
                version.kind, rows, as_of=version.as_of, settings=self._settings
            )
            pieces.append(made[made["district"] != aggregates.CITY])
        table = aggregates.with_city(pieces)
        self._keep_aggregates(conn, version.id, table)
        self._last_aggregates[version.kind] = (version.id, table)

    def _read_aggregates(
        self, conn: sa.Connection, snapshot_id: int, *, whole: bool = False
    ) -> pd.DataFrame | None:
        found = conn.execute(
            sa.select(self._aggs.c.version, self._aggs.c.data).where(
                self._aggs.c.snapshot_id == snapshot_id
            )
        ).first()
        if found is None or found.version != self._agg_version:
            return None
        table = pa.ipc.open_stream(pa.py_buffer(found.data)).read_all()
        if whole:  # the city's and the districts' rows only (filtered before pandas sees them)
            table = table.filter(pc.equal(table["cut"], aggregates.CITY))
        return table.to_pandas()

    def aggregates(self, snapshot_id: int, *, whole: bool = False) -> pd.DataFrame | None:
        """The metric aggregates kept for a city ledger snapshot (`aggregates.AGGREGATE_COLUMNS`),
        or None when it has none made with this store's `aggregates_version` (not built yet, or
        made under other definitions or settings: never read then). `whole` keeps only the
        city's and the districts' rows, not the cuts (what a metric table needs)."""
        with self._read() as conn:
            return self._read_aggregates(conn, snapshot_id, whole=whole)

    def stale_aggregates(self) -> list[SnapshotInfo]:
        """The city ledger snapshots whose aggregates are missing or were made under other
        definitions or settings: what `rebuild_aggregates` has to do, current ones first, then
        newest first (the pages' figures come back soonest)."""
        snaps, aggs = self._snapshots, self._aggs
        with self._read() as conn:
            found = conn.execute(
                sa.select(snaps)
                .outerjoin(aggs, aggs.c.snapshot_id == snaps.c.id)
                .where(
                    snaps.c.scope == "",
                    snaps.c.kind.in_(aggregates.aggregated_kinds()),
                    sa.or_(aggs.c.version.is_(None), aggs.c.version != self._agg_version),
                )
            ).all()
        stale = [_snapshot_info(row) for row in found]
        return sorted(stale, key=lambda s: (not s.is_current, -s.as_of.toordinal(), -s.id))

    def rebuild_aggregates(self, snapshot_id: int, *, force: bool = False) -> bool:
        """Make a snapshot's aggregates anew from its rows, in one transaction; False when the
        snapshot was deleted meanwhile, needs none, or (unless `force`) already has them made
        with this store's definitions (another server rebuilt it first)."""
        with self._write() as conn:
            try:
                info = self._get(conn, snapshot_id)
            except SnapshotNotFoundError:
                return False
            if info.scope or info.kind not in aggregates.aggregated_kinds():
                return False
            if not force and self._read_aggregates(conn, info.id) is not None:
                return False
            self._write_aggregates(conn, info, lambda: self._load_in(conn, info))
            snaps = self._snapshots
            kept = conn.execute(sa.select(snaps.c.district_rows).where(snaps.c.id == info.id))
            if kept.scalar() is None:  # a snapshot from before the counts were kept
                counts = self._district_counts(conn, info.kind, info.id)
                conn.execute(
                    sa.update(snaps).where(snaps.c.id == info.id).values(district_rows=counts)
                )
        return True

    def parts(self, snapshot_id: int) -> dict[str, SnapshotInfo]:
        """District → the snapshot its rows come from, for an assembled city ledger (empty for
        any other snapshot): what the ledger in force is made of (date, who)."""
        with self._read() as conn:
            return {d: self._get(conn, src) for d, src in self._sources(conn, snapshot_id).items()}

    def _current_in(self, conn: sa.Connection, kind: str, scope: str = "") -> SnapshotInfo | None:
        snaps = self._snapshots
        row = conn.execute(
            sa.select(snaps).where(
                snaps.c.kind == kind, snaps.c.scope == scope, snaps.c.is_current.is_(True)
            )
        ).first()
        return _snapshot_info(row) if row is not None else None

    def _held(self, conn: sa.Connection, meta: _Meta, guard: _Guard) -> ShrinkCheck | None:
        """The check of a snapshot about to replace what is current when the rule holds it, else
        None. A whole-city file is compared with the city ledger in force; a district's part with
        that district's rows in it."""
        current = self._current_in(conn, meta.kind)
        if current is None or self._kind(meta.kind).accumulates_by:
            return None
        counts = self._district_counts(conn, meta.kind, current.id)
        if meta.scope:
            counts = {meta.scope: counts.get(meta.scope, 0)} if meta.scope in counts else {}
            if not counts:
                return None
        check = shrink_check(current, counts, guard.new_counts, self._settings.max_shrink_share)
        return check if check.held else None

    def _district_counts(self, conn: sa.Connection, kind: str, snapshot_id: int) -> dict[str, int]:
        """Rows per district of a stored snapshot (of an assembled ledger: of its parts): as
        counted when it was committed, or (a snapshot from before they were kept) by GROUP BY
        on the rows table."""
        kept = _json_value(
            conn.execute(
                sa.select(self._snapshots.c.district_rows).where(
                    self._snapshots.c.id == snapshot_id
                )
            ).scalar()
        )
        if kept is not None:
            return {str(d): int(n) for d, n in kept.items()}
        sources = self._sources(conn, snapshot_id)
        if sources:
            out: dict[str, int] = {}
            for district, source in sources.items():
                out[district] = self._district_counts(conn, kind, source).get(district, 0)
            return {d: n for d, n in out.items() if n}
        table = self._rows[kind]
        count = sa.func.count().label("n")
        if "district" in table.c:
            query = (
                sa.select(table.c.district, count)
                .where(table.c.snapshot_id == snapshot_id)
                .group_by(table.c.district)
            )
        else:
            query = sa.select(sa.null(), count).where(table.c.snapshot_id == snapshot_id)
        return _tally((value, n) for value, n in conn.execute(query))

    def _audit_unstored(self, conn: sa.Connection, action: str, meta: _Meta, detail: str) -> None:
        """Audit a commit that stored nothing (`refuse`, `hold`): who tried which file, and why."""
        self.audit_event(
            action,
            actor=meta.committed_by,
            role=meta.role,
            scope=meta.scope,
            detail=detail,
            kind=meta.kind,
            file_name=meta.file_name,
            sha256=meta.sha256,
            conn=conn,
        )

    def _record_duplicate(
        self, conn: sa.Connection, existing: SnapshotInfo, meta: _Meta
    ) -> CommitOutcome:
        at = existing.committed_at.astimezone(LOCAL_TZ)
        message = _MSG_DUPLICATE.format(at=f"{at:%Y-%m-%d %H:%M}", id=existing.id)
        self._append_audit(
            conn,
            "duplicate",
            existing,
            detail=message,
            actor=meta.committed_by,
            file_name=meta.file_name,
        )
        return CommitOutcome(snapshot=existing, created=False, message=message)

    # -- reading -------------------------------------------------------------------------------

    def snapshots(self, kind: str | None = None) -> list[SnapshotInfo]:
        """Snapshots of `kind` (all kinds when None), the most recent as-of date first."""
        snaps = self._snapshots
        query = sa.select(snaps).order_by(
            snaps.c.as_of.desc(), snaps.c.committed_at.desc(), snaps.c.id.desc()
        )
        if kind is not None:
            self._kind(kind)
            query = query.where(snaps.c.kind == kind)
        with self._read() as conn:
            return [_snapshot_info(row) for row in conn.execute(query)]

    def snapshot(self, snapshot_id: int) -> SnapshotInfo:
        """The snapshot with this id; `SnapshotNotFoundError` when there is none."""
        with self._read() as conn:
            return self._get(conn, snapshot_id)

    def current(self, kind: str, scope: str = "") -> SnapshotInfo | None:
        """The current snapshot of `kind` (the city ledger in force), or of a district's parts
        with `scope`; None when there is none."""
        self._kind(kind)
        with self._read() as conn:
            return self._current_in(conn, kind, scope)

    def load(self, snapshot_id: int) -> pd.DataFrame:
        """The rows of a snapshot, shaped like `IngestResult.rows`.

        One column per field in registry order, then `source_row`; dates datetime64[s], floats
        float64, ints Int64, bools bool, text str; ordered by `source_row`.
        """
        with self._read() as conn:
            return self._load_in(conn, self._get(conn, snapshot_id))

    def _load_in(self, conn: sa.Connection, info: SnapshotInfo) -> pd.DataFrame:
        """The rows of `info` read through `conn` (a commit's transaction sees its own rows)."""
        if info.assembled:
            return self._load_assembled(conn, info, self._sources(conn, info.id))
        return self._load_stored(conn, info)

    def _load_stored(self, conn: sa.Connection, info: SnapshotInfo) -> pd.DataFrame:
        """The rows a (not assembled) snapshot holds."""
        columns = self._columns[info.kind]
        schema = _arrow_schema(columns)
        blob = conn.execute(
            sa.select(self._frames.c.data).where(self._frames.c.snapshot_id == info.id)
        ).scalar()
        rows = _read_frame(blob, schema) if blob is not None else None
        if rows is None:
            rows = _read_rows(conn, self._rows[info.kind], info.id, schema)
        return _pandas_rows(columns, rows)

    def rows_by_district(self, snapshot_id: int) -> dict[str, int]:
        """Rows per district of a stored snapshot ("" for rows without one), counted in SQL the
        way `Store.commit` counts the current snapshot it checks a new one against."""
        with self._read() as conn:
            info = self._get(conn, snapshot_id)
            return self._district_counts(conn, info.kind, info.id)

    def _load_assembled(
        self,
        conn: sa.Connection,
        info: SnapshotInfo,
        sources: dict[str, int],
        at_hand: Mapping[int, Callable[[], pd.DataFrame]] | None = None,
    ) -> pd.DataFrame:
        """The rows of an assembled city ledger: each district's rows from its source (from
        `at_hand` when a source's rows are there)."""
        by = self._kind(info.kind).narrow_by
        pieces = []
        loaded: dict[int, pd.DataFrame] = {}
        for district, source in sorted(sources.items()):
            if source not in loaded:
                make = (at_hand or {}).get(source)
                loaded[source] = (
                    make() if make is not None else self._load_stored(conn, self._get(conn, source))
                )
            rows = loaded[source]
            pieces.append(rows[rows[by] == district])
        if not pieces:
            return _pandas_rows(
                self._columns[info.kind], _arrow_schema(self._columns[info.kind]).empty_table()
            )
        return pd.concat(pieces, ignore_index=True)

    def load_current(self, kind: str) -> pd.DataFrame | None:
        """The rows of the current snapshot of `kind`, or None when there is none."""
        info = self.current(kind)
        return self.load(info.id) if info is not None else None

    def districts(self) -> DistrictTable | None:
        """The current district table, or None when none was committed."""
        rows = self.load_current("districts")
        if rows is None:
            return None
        records = rows.drop(columns=SOURCE_ROW).astype(object)
        records = records.where(records.notna(), None)
        return DistrictTable.from_records(records.to_dict("records"))

    def is_empty(self) -> bool:
        """True when no snapshot of any kind is stored (the audit trail does not count)."""
        with self._read() as conn:
            return conn.execute(sa.select(self._snapshots.c.id).limit(1)).first() is None

    def audit(self, limit: int = 200, *, actor: str | None = None) -> pd.DataFrame:
        """The latest `limit` audit entries (of one user with `actor`), newest first, with the
        columns of `AUDIT_COLUMNS`."""
        a = self._audit
        query = sa.select(*(a.c[name] for name in AUDIT_COLUMNS))
        if actor is not None:
            query = query.where(a.c.actor == actor)
        with self._read() as conn:
            rows = conn.execute(query.order_by(a.c.id.desc()).limit(limit)).all()
        frame = pd.DataFrame([tuple(r) for r in rows], columns=list(AUDIT_COLUMNS))
        frame["at"] = pd.to_datetime([_as_utc(t) for t in frame["at"]], utc=True).as_unit("us")
        frame["snapshot_id"] = frame["snapshot_id"].astype("Int64")
        for name in ("action", "kind", "file_name", "sha256", "actor", "detail", "role", "scope"):
            frame[name] = frame[name].astype(_TEXT_DTYPE)
        return frame

    # -- changing ------------------------------------------------------------------------------

    def set_current(self, snapshot_id: int, *, actor: str = "", role: str = "") -> None:
        """Make this snapshot the current one of its kind (a no-op when it already is). A
        district's part becomes its district's current part, and the city ledger is assembled
        anew with it."""
        with self._write() as conn:
            info = self._get(conn, snapshot_id)
            if info.is_current:
                return
            self._make_current(conn, info.kind, info.id, info.scope)
            detail = _MSG_SET_CURRENT.format(
                id=info.id, label=self._kind(info.kind).label, as_of=info.as_of
            )
            self._append_audit(conn, "set_current", info, detail=detail, actor=actor, role=role)
            if info.scope:
                self._assemble(conn, self._get(conn, info.id), actor=actor, role=role)

    def delete(self, snapshot_id: int, *, actor: str = "", role: str = "") -> None:
        """Delete a snapshot and its rows. If it was current, the newest remaining one of its kind
        and scope (by as-of date, then commit time) becomes current. City ledgers assembled from
        a deleted part go with it."""
        snaps = self._snapshots
        with self._write() as conn:
            info = self._get(conn, snapshot_id)
            label = self._kind(info.kind).label
            p = self._parts
            versions = [
                int(v)
                for (v,) in conn.execute(
                    sa.select(p.c.version_id).where(
                        p.c.source_id == snapshot_id, p.c.version_id != snapshot_id
                    )
                )
            ]
            current_version = self._current_in(conn, info.kind)
            lost_current = current_version is not None and current_version.id in versions
            if versions:
                conn.execute(sa.delete(snaps).where(snaps.c.id.in_(versions)))
            if lost_current and info.scope:
                successor = conn.execute(
                    sa.select(snaps.c.id)
                    .where(snaps.c.kind == info.kind, snaps.c.scope == "")
                    .order_by(snaps.c.as_of.desc(), snaps.c.committed_at.desc(), snaps.c.id.desc())
                    .limit(1)
                ).first()
                if successor is not None:
                    self._make_current(conn, info.kind, successor.id)
            conn.execute(sa.delete(snaps).where(snaps.c.id == snapshot_id))
            detail = _MSG_DELETED.format(
                id=info.id, label=label, as_of=info.as_of, valid=info.rows_valid
            )
            if info.is_current or (lost_current and info.scope == ""):
                successor = conn.execute(
                    sa.select(snaps.c.id, snaps.c.as_of)
                    .where(snaps.c.kind == info.kind, snaps.c.scope == info.scope)
                    .order_by(snaps.c.as_of.desc(), snaps.c.committed_at.desc(), snaps.c.id.desc())
                    .limit(1)
                ).first()
                if successor is None:
                    detail += _MSG_NONE_LEFT.format(label=label)
                else:
                    self._make_current(conn, info.kind, successor.id, info.scope)
                    detail += _MSG_NEW_CURRENT.format(id=successor.id, as_of=successor.as_of)
            self._append_audit(conn, "delete", info, detail=detail, actor=actor, role=role)

    def record_refusal(
        self,
        file_name: str,
        sha256: str,
        reason: str,
        *,
        actor: str = "",
        role: str = "",
        scope: str | None = None,
    ) -> None:
        """Note in the audit trail that a file was refused (nothing else is stored)."""
        self.audit_event(
            "refuse",
            actor=actor,
            role=role,
            scope=scope,
            detail=reason,
            file_name=file_name,
            sha256=sha256,
        )

    def audit_event(
        self,
        action: str,
        *,
        actor: str = "",
        role: str = "",
        scope: str | None = None,
        detail: str = "",
        kind: str | None = None,
        snapshot_id: int | None = None,
        file_name: str | None = None,
        sha256: str | None = None,
        conn: sa.Connection | None = None,
    ) -> None:
        """Append one entry to the audit trail (in `conn`'s transaction when given)."""
        values = {
            "at": datetime.now(UTC),
            "action": action,
            "kind": kind,
            "snapshot_id": snapshot_id,
            "file_name": file_name,
            "sha256": sha256,
            "actor": actor,
            "detail": detail,
            "role": role or None,
            "scope": scope,
        }
        if conn is not None:
            conn.execute(sa.insert(self._audit).values(**values))
            return
        with self._write() as own:
            own.execute(sa.insert(self._audit).values(**values))

    @property
    def users_table(self) -> sa.Table:
        """The accounts table (`civdash.accounts` reads and writes it)."""
        return self._users

    @property
    def sessions_table(self) -> sa.Table:
        """Logged-in browsers' sessions (`civdash.sessions` reads and writes it)."""
        return self._sessions

    def write(self) -> AbstractContextManager[sa.Connection]:
        """A write transaction on the store's database; writers take turns (see `_write`)."""
        return self._write()

    # -- escalations (督办 → 通报 → 约谈 → 问责) ------------------------------------------------
    # Each step taken against a responsible unit, kept apart from the snapshots: recorded, edited
    # and deleted by the office, every change audited with the whole record. The store does not
    # know roles: callers check `permissions.require(account, "record_escalations")` first.

    def escalations(self, unit: str | None = None) -> pd.DataFrame:
        """The escalation records (of one responsible unit with `unit`), oldest first (by date,
        then as recorded), with the columns of `ESCALATION_COLUMNS`: `on_date` datetime64[s],
        `recorded_at` / `updated_at` UTC, `district` missing for a city department."""
        e = self._escalations
        query = sa.select(*(e.c[name] for name in ESCALATION_COLUMNS)).order_by(e.c.on_date, e.c.id)
        if unit is not None:
            query = query.where(e.c.responsible_unit == _unit_name(unit))
        with self._read() as conn:
            rows = conn.execute(query).all()
        return _escalation_frame(rows)

    def record_escalation(
        self,
        unit: str,
        level: str,
        on: date | str,
        reason: str,
        *,
        actor: str,
        role: str = "",
        district: str | None = None,
    ) -> int:
        """Record that `level` (督办, 通报, 约谈 or 问责) was taken against `unit` on `on`, and
        why; the new record's id. Invalid values raise `EscalationError` (one Chinese sentence);
        nothing is stored then."""
        record = _valid_escalation(unit, level, on, reason, district, self._district_names())
        e = self._escalations
        with self._write() as conn:
            new_id = int(
                conn.execute(
                    sa.insert(e)
                    .values(**record, recorded_by=actor, recorded_at=datetime.now(UTC))
                    .returning(e.c.id)
                ).scalar_one()
            )
            detail = _MSG_ESCALATION_ADDED.format(id=new_id, record=_escalation_text(record))
            self.audit_event(
                "escalation_add", actor=actor, role=role, scope=record["district"] or "",
                detail=detail, conn=conn,
            )  # fmt: skip
        return new_id

    def update_escalation(
        self,
        escalation_id: int,
        *,
        unit: str | None = None,
        level: str | None = None,
        on: date | str | None = None,
        reason: str | None = None,
        district: str | None = None,
        actor: str,
        role: str = "",
    ) -> None:
        """Change an escalation record: each field given replaces the stored one (None keeps
        it; `district=""` makes the unit a city department). Validated as when recorded;
        audited with the record before and after. A record that no longer exists raises
        `EscalationNotFoundError`."""
        e = self._escalations
        names = self._district_names()
        with self._write() as conn:
            before = self._escalation_in(conn, escalation_id)
            record = _valid_escalation(
                before["responsible_unit"] if unit is None else unit,
                before["level"] if level is None else level,
                before["on_date"] if on is None else on,
                before["reason"] if reason is None else reason,
                before["district"] if district is None else district,
                names,
            )
            kept = {k: before[k] for k in record}
            if record == kept:
                return
            conn.execute(
                sa.update(e)
                .where(e.c.id == escalation_id)
                .values(**record, updated_by=actor, updated_at=datetime.now(UTC))
            )
            detail = _MSG_ESCALATION_CHANGED.format(
                id=escalation_id, before=_escalation_text(kept), after=_escalation_text(record)
            )
            self.audit_event(
                "escalation_edit", actor=actor, role=role, scope=record["district"] or "",
                detail=detail, conn=conn,
            )  # fmt: skip

    def delete_escalation(self, escalation_id: int, *, actor: str, role: str = "") -> None:
        """Delete an escalation record; the audit entry keeps what it said. A record that no
        longer exists raises `EscalationNotFoundError`."""
        e = self._escalations
        with self._write() as conn:
            before = self._escalation_in(conn, escalation_id)
            conn.execute(sa.delete(e).where(e.c.id == escalation_id))
            detail = _MSG_ESCALATION_DELETED.format(
                id=escalation_id, record=_escalation_text(before)
            )
            self.audit_event(
                "escalation_delete", actor=actor, role=role, scope=before["district"] or "",
                detail=detail, conn=conn,
            )  # fmt: skip

    def _escalation_in(self, conn: sa.Connection, escalation_id: int) -> dict[str, Any]:
        e = self._escalations
        row = conn.execute(sa.select(e).where(e.c.id == int(escalation_id))).first()
        if row is None:
            raise EscalationNotFoundError(_MSG_ESCALATION_NOT_FOUND.format(id=escalation_id))
        return dict(row._mapping)

    def _district_names(self) -> DistrictTable | None:
        """The current district table (an escalation's district must be one of it), if any."""
        return self.districts()

    # -- helpers -------------------------------------------------------------------------------

    def _kind(self, key: str) -> LedgerKind:
        try:
            return self._kinds[key]
        except KeyError:
            raise ValueError(
                _MSG_UNKNOWN_KIND.format(kind=key, known="、".join(self._kinds))
            ) from None

    def _get(self, conn: sa.Connection, snapshot_id: int) -> SnapshotInfo:
        row = conn.execute(
            sa.select(self._snapshots).where(self._snapshots.c.id == snapshot_id)
        ).first()
        if row is None:
            raise SnapshotNotFoundError(_MSG_NOT_FOUND.format(id=snapshot_id))
        return _snapshot_info(row)

    def _make_current(
        self, conn: sa.Connection, kind: str, snapshot_id: int, scope: str = ""
    ) -> None:
        snaps = self._snapshots
        # clear first: a partial unique index allows one current snapshot per kind and scope
        conn.execute(
            sa.update(snaps)
            .where(snaps.c.kind == kind, snaps.c.scope == scope, snaps.c.is_current.is_(True))
            .values(is_current=False)
        )
        conn.execute(sa.update(snaps).where(snaps.c.id == snapshot_id).values(is_current=True))

    def _append_audit(
        self,
        conn: sa.Connection,
        action: str,
        info: SnapshotInfo,
        *,
        detail: str,
        actor: str,
        file_name: str | None = None,
        role: str = "",
    ) -> None:
        self.audit_event(
            action,
            actor=actor,
            role=role,
            scope=info.scope,
            detail=detail,
            kind=info.kind,
            snapshot_id=info.id,
            file_name=info.file_name if file_name is None else file_name,
            sha256=info.sha256,
            conn=conn,
        )

    @contextmanager
    def _read(self) -> Iterator[sa.Connection]:
        with self._engine.connect() as conn:
            yield conn

    @contextmanager
    def _write(self) -> Iterator[sa.Connection]:
        """A write transaction. Writers take turns: SQLite starts it with BEGIN IMMEDIATE (waiting
        up to the busy timeout), PostgreSQL takes a transaction-scoped advisory lock."""
        with self._engine.connect() as conn:
            conn.execution_options(civdash_write=True)
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(
                        sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_WRITE_LOCK}
                    )
                yield conn

    def _ensure_schema(self) -> None:
        """Run the schema migrations (`civdash.migrations`), then create the rows table of each
        registered kind and add a column for each new registry field. Writers take turns, so two
        servers starting on one database do not migrate it twice."""
        with self._write() as conn:
            migrate(conn)
            for table in self._rows.values():
                table.create(conn, checkfirst=True)
            inspector = sa.inspect(conn)
            preparer = conn.dialect.identifier_preparer
            for table in self._rows.values():
                have = {c["name"] for c in inspector.get_columns(table.name)}
                for column in table.columns:
                    if column.name not in have:
                        conn.execute(
                            sa.text(
                                f"ALTER TABLE {preparer.format_table(table)} ADD COLUMN "
                                f"{preparer.quote(column.name)} {column.type.compile(conn.dialect)}"
                            )
                        )


# -- commit rules ------------------------------------------------------------------------------


def nothing_valid_message(rows_read: int) -> str:
    """Why a result without valid rows is refused, and what to do about it."""
    return _MSG_NO_VALID_ROW.format(read=rows_read) if rows_read else _MSG_NO_ROW


def will_become_current(
    as_of: date, current_as_of: date | None, make_current: bool | None = None
) -> bool:
    """Whether a snapshot dated `as_of` becomes current: `make_current` when given, else when
    there is no current snapshot or it is at least as recent as the current one."""
    if make_current is not None:
        return make_current
    return current_as_of is None or as_of >= current_as_of


def rows_by_district(rows: pd.DataFrame) -> dict[str, int]:
    """Rows per district of ledger rows shaped like `IngestResult.rows`; rows without a district
    (city-wide targets, kinds without a district field) count under ""."""
    if rows.empty:
        return {}
    if "district" not in rows.columns:
        return {"": len(rows)}
    return _tally(rows["district"].value_counts(dropna=False, sort=False).items())


def shrink_check(
    current: SnapshotInfo,
    current_counts: Mapping[str, int],
    new_counts: Mapping[str, int],
    max_share: float,
) -> ShrinkCheck:
    """What replacing `current` (its rows per district: `current_counts`) with a snapshot of
    `new_counts` rows per district would lose; see `ShrinkCheck.held` for the rule.

    >>> check = shrink_check(current, {"东湖区": 600, "南港区": 400}, {"东湖区": 650}, 0.3)  # doctest: +SKIP
    >>> check.held, check.dropped, f"{check.share:.0%}"                                     # doctest: +SKIP
    (True, (('南港区', 400),), '35%')
    """
    dropped = sorted(
        (
            (name, n)
            for name, n in current_counts.items()
            if name and n and not new_counts.get(name)
        ),
        key=lambda item: (-item[1], item[0]),
    )
    return ShrinkCheck(
        kind=current.kind,
        current_id=current.id,
        current_as_of=current.as_of,
        current_rows=sum(current_counts.values()),
        new_rows=sum(new_counts.values()),
        max_share=max_share,
        dropped=tuple(dropped),
    )


def _arrow_district_rows(rows: pa.Table) -> dict[str, int]:
    """Rows per district of a snapshot's rows as `Store._district_counts` counts them in SQL."""
    if "district" not in rows.column_names:
        return _tally([(None, rows.num_rows)]) if rows.num_rows else {}
    counts = pc.value_counts(rows["district"])
    values, n = counts.field("values").to_pylist(), counts.field("counts").to_pylist()
    return _tally(zip(values, n, strict=True))


def _tally(counts: Iterable[tuple[Any, Any]]) -> dict[str, int]:
    """(district value, rows) pairs as rows per district name; null and blank count under ""."""
    out: dict[str, int] = {}
    for value, n in counts:
        key = "" if value is None or pd.isna(value) else str(value).strip()
        out[key] = out.get(key, 0) + int(n)
    return out


def _percent(share: float) -> str:
    """0.3 → "30%", 0.305 → "30.5%"."""
    return f"{share * 100:.1f}".removesuffix(".0") + "%"


# -- schema ------------------------------------------------------------------------------------


def _stored_columns(kind: LedgerKind) -> tuple[tuple[str, ValueType], ...]:
    """The fields, then the columns stored beside them (`LedgerKind.stored_extras`: the
    districts' boundaries as GeoJSON text)."""
    fields = tuple((f.name, f.type) for f in kind.fields)
    return fields + kind.stored_extras


def _snapshots_table(metadata: sa.MetaData) -> sa.Table:
    table = sa.Table(
        "snapshots",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("committed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("committed_by", sa.Text, nullable=False, default=""),
        sa.Column("file_name", sa.Text, nullable=False, default=""),
        sa.Column("sha256", sa.Text, nullable=False),
        sa.Column("rows_read", sa.Integer, nullable=False),
        sa.Column("rows_valid", sa.Integer, nullable=False),
        sa.Column("rows_invalid", sa.Integer, nullable=False),
        sa.Column("sheet", sa.Text),
        sa.Column("header_row", sa.Integer),
        sa.Column("columns", sa.JSON, nullable=False),
        sa.Column("is_current", sa.Boolean, nullable=False, default=False),
        sa.Column("scope", sa.Text, nullable=False, default="", server_default=""),
        sa.Column(
            "assembled", sa.Boolean, nullable=False, default=False, server_default=sa.false()
        ),
        sa.Column("district_rows", sa.JSON),
        sa.UniqueConstraint("kind", "sha256", name="uq_snapshots_kind_sha256"),
        sa.Index("ix_snapshots_kind_as_of", "kind", "as_of"),
        # never reuse the id of a deleted snapshot: the audit trail and caches refer to ids
        sqlite_autoincrement=True,
    )
    sa.Index(
        "uq_snapshots_one_current",
        table.c.kind,
        table.c.scope,
        unique=True,
        sqlite_where=table.c.is_current.is_(True),
        postgresql_where=table.c.is_current.is_(True),
    )
    return table


def _snapshot_key(name: str) -> sa.Column[int]:
    """The key of a table whose rows belong to a snapshot (deleted with it)."""
    return sa.Column(
        name,
        sa.Integer,
        sa.ForeignKey("snapshots.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    )


def _frames_table(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        "snapshot_frames",
        metadata,
        _snapshot_key("snapshot_id"),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )


def _aggregates_table(metadata: sa.MetaData) -> sa.Table:
    """Each city ledger snapshot's metric aggregates (an Arrow table) and their version."""
    return sa.Table(
        "snapshot_aggregates",
        metadata,
        _snapshot_key("snapshot_id"),
        sa.Column("version", sa.Text, nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )


def _parts_table(metadata: sa.MetaData) -> sa.Table:
    """Which snapshot each district's rows of an assembled city ledger come from."""
    return sa.Table(
        "snapshot_parts",
        metadata,
        _snapshot_key("version_id"),
        sa.Column("district", sa.Text, primary_key=True),
        sa.Column(
            "source_id",
            sa.Integer,
            sa.ForeignKey("snapshots.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Index("ix_snapshot_parts_source", "source_id"),
    )


def _users_table(metadata: sa.MetaData) -> sa.Table:
    """Accounts (read and written by `civdash.accounts`)."""
    return sa.Table(
        "users",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("district", sa.Text),
        sa.Column("password_hash", sa.Text),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"),
        sa.Column("first_failed_at", sa.DateTime(timezone=True)),
        sa.Column("locked_until", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Text, nullable=False, server_default=""),
        sa.Column("last_login_at", sa.DateTime(timezone=True)),
        sa.Column("password_changed_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("name", name="uq_users_name"),
        sqlite_autoincrement=True,
    )


def _sessions_table(metadata: sa.MetaData) -> sa.Table:
    """Logged-in browsers (read and written by `civdash.sessions`)."""
    return sa.Table(
        "login_sessions",
        metadata,
        sa.Column("token_sha256", sa.Text, primary_key=True),
        sa.Column("user_name", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Index("ix_login_sessions_user", "user_name"),
    )


def _rows_table(
    metadata: sa.MetaData, kind: str, columns: Sequence[tuple[str, ValueType]]
) -> sa.Table:
    return sa.Table(
        f"rows_{kind}",
        metadata,
        _snapshot_key("snapshot_id"),
        sa.Column(SOURCE_ROW, sa.Integer, primary_key=True, autoincrement=False),
        *(sa.Column(name, _SQL_TYPES[vtype]) for name, vtype in columns),
    )


def _audit_table(metadata: sa.MetaData) -> sa.Table:
    table = sa.Table(
        "audit",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("kind", sa.Text),
        sa.Column("snapshot_id", sa.Integer),  # no foreign key: entries outlive their snapshot
        sa.Column("file_name", sa.Text),
        sa.Column("sha256", sa.Text),
        sa.Column("actor", sa.Text, nullable=False, default=""),
        sa.Column("detail", sa.Text, nullable=False, default=""),
        sa.Column("role", sa.Text),
        sa.Column("scope", sa.Text),
        sqlite_autoincrement=True,
    )
    return table


# -- escalations -------------------------------------------------------------------------------

ESCALATION_LEVELS = ("督办", "通报", "约谈", "问责")
"""The steps taken against a responsible unit that keeps failing, mildest first."""
ESCALATION_COLUMNS = (
    "id",
    "responsible_unit",
    "level",
    "on_date",
    "reason",
    "district",
    "recorded_by",
    "recorded_at",
    "updated_by",
    "updated_at",
)
"""Columns of `Store.escalations()`."""
ESCALATION_REASON_CHARS = 2000

_MSG_ESCALATION_ADDED = "记录督办升级 #{id}：{record}"
_MSG_ESCALATION_CHANGED = "修改督办记录 #{id}：{before} 改为 {after}"
_MSG_ESCALATION_DELETED = "删除督办记录 #{id}：{record}"
_MSG_ESCALATION_NOT_FOUND = "督办记录 #{id} 不存在，可能已被删除，请刷新页面后重新选择。"
_MSG_NO_UNIT = "请填写责任单位。"
_MSG_BAD_LEVEL = "督办级别『{level}』无效，只能是{levels}之一。"
_MSG_BAD_DATE = "日期『{value}』无法识别，请按 2026-11-20 的格式填写。"
_MSG_FUTURE_DATE = "日期 {on} 晚于今天（{today}），请填写已经采取督办措施的日期。"
_MSG_NO_REASON = "请填写事由（为什么督办、通报、约谈或问责）。"
_MSG_LONG_REASON = "事由有 {n:,} 字，超过 {most:,} 字，请精简后再保存。"
_MSG_BAD_DISTRICT = "区县『{district}』不在当前区县表中，可选：{known}；市直部门请留空。"


class EscalationError(ValueError):
    """An escalation record that cannot be stored as given; `message` says what to fix."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class EscalationNotFoundError(LookupError):
    """The escalation record does not exist (never did, or was deleted)."""


def _unit_name(text: object) -> str:
    """A responsible unit's name as the ledgers store it (NFKC, trimmed)."""
    return unicodedata.normalize("NFKC", str(text)).strip()


def _valid_escalation(
    unit: object,
    level: object,
    on: object,
    reason: object,
    district: object,
    districts: DistrictTable | None,
) -> dict[str, Any]:
    """The record to store (`responsible_unit`, `level`, `on_date`, `reason`, `district`), or
    `EscalationError` naming the first thing wrong."""
    name = _unit_name(unit) if unit is not None else ""
    if not name:
        raise EscalationError(_MSG_NO_UNIT)
    step = str(level or "").strip()
    if step not in ESCALATION_LEVELS:
        raise EscalationError(
            _MSG_BAD_LEVEL.format(level=step, levels="、".join(ESCALATION_LEVELS))
        )
    day = _escalation_day(on)
    today = _today()
    if day > today:
        raise EscalationError(_MSG_FUTURE_DATE.format(on=day, today=today))
    why = str(reason or "").strip()
    if not why:
        raise EscalationError(_MSG_NO_REASON)
    if len(why) > ESCALATION_REASON_CHARS:
        raise EscalationError(_MSG_LONG_REASON.format(n=len(why), most=ESCALATION_REASON_CHARS))
    where = _unit_name(district) if district is not None else ""
    if where and districts is not None:
        resolved = districts.resolve(where)
        if resolved is None:
            known = "、".join(districts.names)
            raise EscalationError(_MSG_BAD_DISTRICT.format(district=where, known=known))
        where = resolved
    return {
        "responsible_unit": name,
        "level": step,
        "on_date": day,
        "reason": why,
        "district": where or None,
    }


def _escalation_day(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        stamp = pd.Timestamp(str(value).strip())
    except (TypeError, ValueError):
        stamp = pd.NaT
    if pd.isna(stamp):
        raise EscalationError(_MSG_BAD_DATE.format(value=value))
    return stamp.date()


def _escalation_text(record: Mapping[str, Any]) -> str:
    """One record in words, for the audit trail: "市住建局（东湖区）约谈，2026-11-20，事由：…"."""
    where = f"（{record['district']}）" if record.get("district") else ""
    return (
        f"{record['responsible_unit']}{where}{record['level']}，"
        f"{record['on_date']:%Y-%m-%d}，事由：{record['reason']}"
    )


def _escalation_frame(rows: Sequence[sa.Row[Any]]) -> pd.DataFrame:
    frame = pd.DataFrame([tuple(r) for r in rows], columns=list(ESCALATION_COLUMNS))
    frame["id"] = frame["id"].astype("int64")
    frame["on_date"] = pd.to_datetime(frame["on_date"]).astype("datetime64[s]")
    for name in ("recorded_at", "updated_at"):
        frame[name] = pd.to_datetime(
            [None if t is None else _as_utc(t) for t in frame[name]], utc=True
        ).as_unit("us")
    for name in ("responsible_unit", "level", "reason", "district", "recorded_by", "updated_by"):
        frame[name] = frame[name].astype(_TEXT_DTYPE)
    return frame


def _escalations_table(metadata: sa.MetaData) -> sa.Table:
    """Escalation records (`Store.escalations`); their history is in the audit trail."""
    return sa.Table(
        "escalations",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("responsible_unit", sa.Text, nullable=False),
        sa.Column("level", sa.Text, nullable=False),
        sa.Column("on_date", sa.Date, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("district", sa.Text),
        sa.Column("recorded_by", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Text),
        sa.Column("updated_at", sa.DateTime(timezone=True)),
        sa.Index("ix_escalations_unit", "responsible_unit", "on_date"),
        sqlite_autoincrement=True,
    )


# -- engine ------------------------------------------------------------------------------------


def exception_chain(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and the exceptions it was raised from (a driver's error under SQLAlchemy's
    wrapper, then causes and contexts), each once."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        yield current
        seen.add(id(current))
        orig = getattr(current, "orig", None)
        current = (
            orig if isinstance(orig, BaseException) else current.__cause__ or current.__context__
        )


def disk_full(exc: BaseException) -> bool:
    """Whether `exc`, or an exception it was raised from, says the database's disk is full
    (SQLite's SQLITE_FULL, PostgreSQL's 53100 disk_full). The transaction was rolled back:
    nothing of it was stored."""
    return any(
        getattr(e, "sqlite_errorname", None) == "SQLITE_FULL"
        or getattr(e, "sqlstate", None) == "53100"
        for e in exception_chain(exc)
    )


def _make_engine(url: str) -> sa.Engine:
    parsed = sa.make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database
        if path and path != ":memory:" and not path.startswith("file:"):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(
        parsed,
        json_serializer=lambda obj: json.dumps(obj, ensure_ascii=False),
        # a server restarted (or a connection dropped) since a pooled connection was last used:
        # found and replaced when it is checked out, so the next page run just works
        pool_pre_ping=parsed.get_backend_name() != "sqlite",
    )
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _configure_sqlite)
        event.listen(engine, "begin", _begin_sqlite)
    return engine


def _configure_sqlite(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    # The sqlite3 module's own transaction handling is switched off so that _begin_sqlite decides
    # how each transaction starts (the SQLAlchemy recipe for SQLite transactions).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL; skips an fsync per commit
    cursor.close()


def _begin_sqlite(conn: sa.Connection) -> None:
    # A writer takes the write lock up front: a reader that later tried to write could fail at
    # once with SQLITE_BUSY instead of waiting for the busy timeout.
    write = conn.get_execution_options().get("civdash_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


# -- snapshot rows -----------------------------------------------------------------------------


def part_fingerprint(file_sha256: str, district: str | None) -> str:
    """The fingerprint a snapshot is stored under: the file's SHA-256 for a whole-city file, and
    for a district's part the SHA-256 of the file's and the district's together. The same file
    is then one snapshot per scope: a clerk's part and the same workbook sent by the city office
    as the whole city are two snapshots, while sending the same part twice is still noticed.

    >>> part_fingerprint("ab" * 32, None) == "ab" * 32
    True
    >>> len(part_fingerprint("ab" * 32, "东湖区"))
    64
    """
    if not district:
        return file_sha256
    return hashlib.sha256(f"{file_sha256}\n{district}".encode()).hexdigest()


def _find_snapshot_by_hash(
    conn: sa.Connection, snapshots: sa.Table, kind: str, sha256: str
) -> SnapshotInfo | None:
    row = conn.execute(
        sa.select(snapshots).where(snapshots.c.kind == kind, snapshots.c.sha256 == sha256)
    ).first()
    return _snapshot_info(row) if row is not None else None


def _snapshot_info(row: sa.Row[Any]) -> SnapshotInfo:
    m = row._mapping
    columns = m["columns"]
    if isinstance(columns, str):
        columns = json.loads(columns)
    return SnapshotInfo(
        id=int(m["id"]),
        kind=m["kind"],
        as_of=m["as_of"],
        committed_at=_as_utc(m["committed_at"]),
        committed_by=m["committed_by"],
        file_name=m["file_name"],
        sha256=m["sha256"],
        rows_read=int(m["rows_read"]),
        rows_valid=int(m["rows_valid"]),
        rows_invalid=int(m["rows_invalid"]),
        is_current=bool(m["is_current"]),
        sheet=m["sheet"],
        header_row=m["header_row"],
        columns=dict(columns or {}),
        scope=m["scope"] or "",
        assembled=bool(m["assembled"]),
    )


def _as_utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; every stored time is UTC
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _today() -> date:
    return datetime.now(LOCAL_TZ).date()


def _arrow_schema(columns: Sequence[tuple[str, ValueType]]) -> pa.Schema:
    return pa.schema(
        [(SOURCE_ROW, pa.int64()), *((name, _ARROW_TYPES[vtype]) for name, vtype in columns)]
    )


def _arrow_rows(columns: Sequence[tuple[str, ValueType]], rows: pd.DataFrame) -> pa.Table:
    """The rows as an Arrow table of the stored schema (source_row, then one column per field),
    in source_row order. A field missing from `rows` is stored empty (False for bools)."""
    if SOURCE_ROW not in rows.columns:
        raise ValueError(_MSG_NO_SOURCE_ROW)
    n = len(rows)
    arrays = [pa.array(rows[SOURCE_ROW].to_numpy(dtype="int64"))]
    for name, vtype in columns:
        if name not in rows.columns:
            arrays.append(
                pa.array(np.zeros(n, dtype=bool))
                if vtype == "bool"
                else pa.nulls(n, _ARROW_TYPES[vtype])
            )
            continue
        series = rows[name]
        if vtype in ("str", "text"):
            array = pa.array(series.astype(_TEXT_DTYPE), from_pandas=True)
        elif vtype == "date":
            if not pd.api.types.is_datetime64_any_dtype(series.dtype):
                series = pd.to_datetime(series)
            array = pa.array(series.dt.normalize(), from_pandas=True)
        elif vtype == "float":
            array = pa.array(series.astype("float64"), from_pandas=True)
        elif vtype == "int":
            array = pa.array(series.astype("Int64"))
        else:
            array = pa.array(series.astype("boolean").fillna(False).to_numpy(dtype=bool))
        arrays.append(array.cast(_ARROW_TYPES[vtype]))
    return _in_source_order(pa.Table.from_arrays(arrays, schema=_arrow_schema(columns)))


def _in_source_order(rows: pa.Table) -> pa.Table:
    order = rows[SOURCE_ROW]
    if len(rows) < 2 or pc.all(pc.greater(order[1:], order[:-1])).as_py():
        return rows
    return rows.sort_by(SOURCE_ROW)


def _pandas_rows(columns: Sequence[tuple[str, ValueType]], rows: pa.Table) -> pd.DataFrame:
    rows = _in_source_order(rows)
    data: dict[str, Any] = {}
    for name, vtype in columns:
        column = rows[name]
        if vtype in ("str", "text"):
            data[name] = _TEXT_DTYPE.__from_arrow__(column)
        elif vtype == "date":
            data[name] = column.cast(pa.timestamp("s")).to_numpy()
        elif vtype == "float":
            data[name] = column.to_numpy()
        elif vtype == "int":
            data[name] = pd.Int64Dtype().__from_arrow__(column)
        else:
            data[name] = pc.fill_null(column, False).to_numpy()
    data[SOURCE_ROW] = rows[SOURCE_ROW].to_numpy()
    return pd.DataFrame(data)


def _frame_bytes(rows: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    options = pa.ipc.IpcWriteOptions(compression="zstd")
    with pa.ipc.new_stream(sink, rows.schema, options=options) as writer:
        writer.write_table(rows)
    return sink.getvalue().to_pybytes()


def _read_frame(blob: bytes, schema: pa.Schema) -> pa.Table | None:
    """The Arrow copy of a snapshot's rows, or None when its columns differ from `schema` (the
    registry changed since it was written): then the typed rows are read instead."""
    table = pa.ipc.open_stream(pa.py_buffer(blob)).read_all()
    return table if table.schema.equals(schema) else None


# -- bulk paths --------------------------------------------------------------------------------


def _bulk_insert(conn: sa.Connection, table: sa.Table, snapshot_id: int, rows: pa.Table) -> None:
    """Insert a snapshot's rows through the driver, inside `conn`'s transaction."""
    raw: Any = conn.connection.driver_connection
    preparer = conn.dialect.identifier_preparer
    target = preparer.format_table(table)
    names = ", ".join(preparer.quote(c.name) for c in table.columns)
    if conn.dialect.name in ("sqlite", "postgresql"):
        bulk = _bulk_insert_sqlite if conn.dialect.name == "sqlite" else _bulk_insert_postgresql
        dbapi_error = conn.dialect.loaded_dbapi.Error
        try:
            bulk(raw, target, names, snapshot_id, rows)
        except dbapi_error as exc:
            # the same exception types SQLAlchemy raises for its own statements
            raise sa.exc.DBAPIError.instance(
                f"bulk insert into {target}", None, exc, dbapi_error
            ) from exc
    else:
        records = [{"snapshot_id": snapshot_id, **r} for r in rows.to_pylist()]
        if records:
            conn.execute(sa.insert(table), records)


def _bulk_insert_sqlite(
    raw: sqlite3.Connection, target: str, names: str, snapshot_id: int, rows: pa.Table
) -> None:
    # Multi-row INSERTs with bound parameters: far fewer statement steps than executemany, and
    # floats stay exact (SQLite's own text-to-float parsing is not always correctly rounded).
    width = rows.num_columns + 1
    per_insert = max(
        1, min(_SQLITE_ROWS_PER_INSERT, raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // width)
    )
    values = "(" + ", ".join("?" * width) + ")"
    head = f"INSERT INTO {target} ({names}) VALUES "
    full = head + ", ".join([values] * per_insert)
    batches = rows.to_batches(max_chunksize=_BATCH_ROWS)
    if not batches:
        return
    # Turning Arrow values into Python objects and binding them both need the GIL, but SQLite's
    # own work does not: converting the next batch on a second thread overlaps the two. (The
    # first is converted here: there is nothing to overlap it with; a thread starts only for a
    # second.)
    with ThreadPoolExecutor(max_workers=1) as pool, closing(raw.cursor()) as cursor:
        upcoming = _done(_parameter_grid(batches[0], snapshot_id))
        for following in [*batches[1:], None]:
            grid = upcoming.result()
            if following is not None:
                upcoming = pool.submit(_parameter_grid, following, snapshot_id)
            for start in range(0, len(grid), per_insert):
                part = grid[start : start + per_insert]
                sql = full if len(part) == per_insert else head + ", ".join([values] * len(part))
                cursor.execute(sql, part.ravel().tolist())


def _json_value(value: Any) -> Any:
    """A JSON column's value (some drivers hand back its text)."""
    return json.loads(value) if isinstance(value, str) else value


def _done(value: _T) -> Future[_T]:
    """A future that already has its `value` (work too small to send to a thread)."""
    future: Future[_T] = Future()
    future.set_result(value)
    return future


def _parameter_grid(batch: pa.RecordBatch, snapshot_id: int) -> np.ndarray:
    """Rows × (snapshot_id, columns…) of Python values, ready to bind."""
    grid = np.empty((batch.num_rows, batch.num_columns + 1), dtype=object)
    grid[:, 0] = snapshot_id
    for j, column in enumerate(batch.columns, start=1):
        grid[:, j] = _python_values(column)
    return grid


def _python_values(array: pa.Array) -> np.ndarray:
    """An Arrow column as Python values the sqlite3 module binds, None for null."""
    kind = array.type
    if pa.types.is_date32(kind):
        array = array.cast(pa.large_string())  # ISO text, as SQLAlchemy stores dates in SQLite
    if pa.types.is_large_string(array.type):
        # strings repeat (districts, streets, teams): build each distinct one once
        encoded = array.dictionary_encode()
        distinct = np.empty(len(encoded.dictionary) + 1, dtype=object)
        distinct[:-1] = encoded.dictionary.to_pylist()
        distinct[-1] = None
        codes = pc.fill_null(encoded.indices, len(encoded.dictionary)).to_numpy()
        return distinct[codes]
    if pa.types.is_boolean(kind):
        return (
            pc.fill_null(array, False)
            .to_numpy(zero_copy_only=False)
            .astype(np.int64)
            .astype(object)
        )
    nulls = array.is_null().to_numpy(zero_copy_only=False)
    out = pc.fill_null(array, 0).to_numpy().astype(object)
    if nulls.any():
        out[nulls] = None
    return out


def _bulk_insert_postgresql(
    raw: Any, target: str, names: str, snapshot_id: int, rows: pa.Table
) -> None:
    # COPY in CSV, written by Arrow: strings always quoted (so "" is an empty string and a bare
    # empty field is NULL), floats in shortest round-trip form, dates ISO.
    options = pa_csv.WriteOptions(include_header=False, quoting_style="needed")
    with (
        raw.cursor() as cursor,
        cursor.copy(f"COPY {target} ({names}) FROM STDIN (FORMAT csv)") as copy,
    ):
        for batch in rows.to_batches(max_chunksize=_BATCH_ROWS):
            ids = pa.array(np.full(batch.num_rows, snapshot_id, dtype=np.int64))
            with_id = pa.RecordBatch.from_arrays(
                [ids, *batch.columns], names=["snapshot_id", *batch.schema.names]
            )
            buffer = io.BytesIO()
            pa_csv.write_csv(with_id, buffer, options)
            copy.write(buffer.getbuffer())


def _read_rows(
    conn: sa.Connection, table: sa.Table, snapshot_id: int, schema: pa.Schema
) -> pa.Table:
    """A snapshot's typed rows as an Arrow table of `schema`, in source_row order."""
    preparer = conn.dialect.identifier_preparer
    names = ", ".join(preparer.quote(name) for name in schema.names)
    query = (
        f"SELECT {names} FROM {preparer.format_table(table)} "
        f"WHERE snapshot_id = {int(snapshot_id)} ORDER BY {preparer.quote(SOURCE_ROW)}"
    )
    raw: Any = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        return _read_rows_postgresql(raw, query, schema)
    batches = []
    with closing(raw.cursor()) as cursor:
        cursor.execute(query)
        while chunk := cursor.fetchmany(_BATCH_ROWS):
            columns = zip(*chunk, strict=True)
            arrays = [
                _arrow_values(values, field.type)
                for values, field in zip(columns, schema, strict=True)
            ]
            batches.append(pa.RecordBatch.from_arrays(arrays, schema=schema))
    return pa.Table.from_batches(batches, schema=schema)


def _arrow_values(values: Sequence[Any], kind: pa.DataType) -> pa.Array:
    if pa.types.is_date32(kind):
        # SQLite returns the ISO text SQLAlchemy stored
        return pa.array(values, pa.large_string()).cast(pa.date32())
    if pa.types.is_boolean(kind):
        return pa.array(values, pa.int64()).cast(pa.bool_())
    return pa.array(values, kind)


def _read_rows_postgresql(raw: Any, query: str, schema: pa.Schema) -> pa.Table:
    buffer = io.BytesIO()
    with raw.cursor() as cursor:
        # pin the output formats COPY uses: ISO dates, shortest exact floats
        cursor.execute("SET LOCAL datestyle = 'ISO, YMD'")
        cursor.execute("SET LOCAL extra_float_digits = 1")
        with cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT csv)") as copy:
            for block in copy:
                buffer.write(block)
    buffer.seek(0)
    if not buffer.getbuffer().nbytes:
        return schema.empty_table()
    return pa_csv.read_csv(
        buffer,
        read_options=pa_csv.ReadOptions(column_names=schema.names),
        parse_options=pa_csv.ParseOptions(newlines_in_values=True),
        convert_options=pa_csv.ConvertOptions(
            column_types=schema,
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
            true_values=["t"],
            false_values=["f"],
        ),
    )
