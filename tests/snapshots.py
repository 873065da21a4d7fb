"""A `SnapshotInfo` for tests that build ledgers from hand-made frames, without a store."""

from __future__ import annotations

from datetime import UTC, date, datetime

from civdash.store import SnapshotInfo


def snapshot_info(
    sid: int, kind: str, as_of: date, *, current: bool = True, rows: int = 0
) -> SnapshotInfo:
    """Snapshot `sid` of `kind` as of `as_of`, committed by 测试 on 2026-11-16."""
    return SnapshotInfo(
        id=sid,
        kind=kind,
        as_of=as_of,
        committed_at=datetime(2026, 11, 16, tzinfo=UTC),
        committed_by="测试",
        file_name=f"{kind}_{as_of}.xlsx",
        sha256=f"{sid:064d}",
        rows_read=rows,
        rows_valid=rows,
        rows_invalid=0,
        is_current=current,
        sheet=None,
        header_row=None,
        columns={},
    )
