"""The store's history as the clerk reads it: snapshots, who committed what, and the audit."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from civdash.ledgers import get_kind
from civdash.store import LOCAL_TZ, SnapshotInfo

__all__ = ["audit_detail", "audit_table", "history_table", "snapshot_label"]

_ACTION_LABELS = {
    "commit": "导入",
    "duplicate": "重复导入（未保存）",
    "refuse": "拒收文件",
    "hold": "待确认（未保存）",
    "delete": "删除快照",
    "set_current": "设为当前",
}


def snapshot_label(s: SnapshotInfo) -> str:
    """ "#12 志愿者 · 截至 2026-11-15 · 当前" for pickers."""
    current = " · 当前" if s.is_current else ""
    return f"#{s.id} {get_kind(s.kind).label} · 截至 {s.as_of:%Y-%m-%d} · {s.file_name}{current}"


def fingerprint(sha256: str) -> str:
    """The first 12 hex digits of a file's SHA-256 in groups of four, easy to compare by eye
    (and never read as a 12-digit number when all twelve happen to be digits).

    >>> fingerprint("7238317563429f0e")
    '7238-3175-6342'
    """
    head = sha256[:12]
    return "-".join(head[i : i + 4] for i in range(0, len(head), 4))


def history_table(snapshots: Iterable[SnapshotInfo]) -> pd.DataFrame:
    """Every snapshot: who committed which file when, its hash and row counts (China time)."""
    rows = [
        {
            "编号": s.id,
            "台账": get_kind(s.kind).label,
            "截至日期": s.as_of.isoformat(),
            "当前": "✓" if s.is_current else "",
            "文件": s.file_name,
            "提交人": s.committed_by,
            "提交时间": f"{s.committed_at.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M}",
            "读取行": s.rows_read,
            "有效行": s.rows_valid,
            "无效行": s.rows_invalid,
            "文件指纹": fingerprint(s.sha256),
        }
        for s in snapshots
    ]
    return pd.DataFrame(
        rows,
        columns=[
            "编号",
            "台账",
            "截至日期",
            "当前",
            "文件",
            "提交人",
            "提交时间",
            "读取行",
            "有效行",
            "无效行",
            "文件指纹",
        ],
    )


def audit_detail(audit: pd.DataFrame, action: str, snapshot_id: int) -> str:
    """The detail of the latest `action` on `snapshot_id` in `Store.audit()` (what the store said
    it did, e.g. which snapshot became current after a delete)."""
    hits = audit[(audit["action"] == action) & (audit["snapshot_id"] == snapshot_id)]
    if hits.empty:
        return f"快照 #{snapshot_id} 已更新。"
    return str(hits["detail"].iloc[0])


def audit_table(audit: pd.DataFrame) -> pd.DataFrame:
    """`Store.audit()` as the user reads it: 时间 (China time), 操作, 台账, 快照, 文件, 操作人, 说明."""
    out = pd.DataFrame(
        {
            "时间": [f"{t.tz_convert(LOCAL_TZ):%Y-%m-%d %H:%M:%S}" for t in audit["at"]],
            "操作": [_ACTION_LABELS.get(str(a), str(a)) for a in audit["action"]],
            "台账": [
                get_kind(str(k)).label if isinstance(k, str) and k else "" for k in audit["kind"]
            ],
            "快照": [f"#{int(i)}" if pd.notna(i) else "" for i in audit["snapshot_id"]],
            "文件": audit["file_name"].fillna(""),
            "操作人": audit["actor"].fillna(""),
            "说明": audit["detail"].fillna(""),
            "文件指纹": [fingerprint(h) if isinstance(h, str) else "" for h in audit["sha256"]],
        }
    )
    return out
