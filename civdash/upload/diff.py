"""What committing a file changes against the current snapshot of its kind.

`diff_against` matches rows by id, or by the kind's composite key where a file has no ids, and
counts rows added, removed and changed (with examples, personal data masked, and status moves);
`diff_summary` and `diff_warning` say it to the clerk before the commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from civdash.ledgers import get_kind
from civdash.privacy import mask_texts
from civdash.store import SnapshotInfo
from civdash.upload._cells import cell_text

__all__ = ["SnapshotDiff", "diff_against", "diff_summary", "diff_warning"]


@dataclass(frozen=True)
class SnapshotDiff:
    """What committing `new_rows` changes against the current snapshot of the kind.

    Rows are matched by id (unit_id, volunteer_id, issue_id) or, where a file has no ids, by the
    kind's `composite_key` (a volunteer's name + district + registration date; a target's metric
    + district). `status_changes` counts rows whose status moved, by (from, to).
    """

    kind: str
    has_current: bool
    added: int
    removed: int
    changed: int
    unchanged: int
    changed_fields: dict[str, int]
    """Field label → rows whose value changed."""
    status_changes: pd.DataFrame
    """Columns 原状态, 新状态, 数量 (most frequent first)."""
    examples: pd.DataFrame
    """Up to 200 changed cells: 标识, 字段, 原值, 新值."""


def _row_keys(frame: pd.DataFrame, fields: Sequence[str]) -> pd.Series:
    parts = [
        frame[f].astype("str").fillna("") if f in frame else pd.Series("", index=frame.index)
        for f in fields
    ]
    key = parts[0].astype(object)
    for p in parts[1:]:
        key = key + "|" + p.astype(object)
    return key


def diff_against(
    current_rows: pd.DataFrame | None, new_rows: pd.DataFrame, kind: str
) -> SnapshotDiff:
    """Rows added, removed and changed by committing `new_rows` over `current_rows`.

    >>> diff = diff_against(store.load_current("issues"), review.result.rows, "issues")  # doctest: +SKIP
    >>> diff.added, diff.removed, diff.changed                                             # doctest: +SKIP
    (12, 3, 40)
    """
    k = get_kind(kind)
    empty_status = pd.DataFrame(columns=["原状态", "新状态", "数量"])
    empty_examples = pd.DataFrame(columns=["标识", "字段", "原值", "新值"])
    if current_rows is None:
        return SnapshotDiff(kind, False, len(new_rows), 0, 0, 0, {}, empty_status, empty_examples)
    idf = k.id_field
    use_id = bool(
        idf
        and idf in current_rows
        and idf in new_rows
        and current_rows[idf].notna().all()
        and new_rows[idf].notna().all()
    )
    # a kind without a composite key: a row is what it reads
    composite = k.composite_key or tuple(f.name for f in k.input_fields)
    key_fields: tuple[str, ...] = (idf,) if use_id else composite
    cur = current_rows.assign(_key=_row_keys(current_rows, key_fields))
    new = new_rows.assign(_key=_row_keys(new_rows, key_fields))
    cur = cur.drop_duplicates("_key", keep="last").set_index("_key")
    new = new.drop_duplicates("_key", keep="last").set_index("_key")
    both = cur.index.intersection(new.index)
    added = len(new.index.difference(cur.index))
    removed = len(cur.index.difference(new.index))
    compare = [f.name for f in k.fields if f.name in cur.columns and f.name in new.columns]
    changed_mask = pd.Series(False, index=both)
    changed_fields: dict[str, int] = {}
    examples: list[dict[str, str]] = []
    for name in compare:
        a = cur.loc[both, name]
        b = new.loc[both, name]
        differs = _differs(a, b)
        n = int(differs.sum())
        if n:
            changed_fields[k.field(name).label] = n
            changed_mask |= differs
            for key in differs[differs].index[: max(0, 200 - len(examples))]:
                examples.append(
                    {
                        "标识": str(key),
                        "字段": k.field(name).label,
                        "原值": mask_texts([cell_text(a.at[key])], kind, name)[0],
                        "新值": mask_texts([cell_text(b.at[key])], kind, name)[0],
                    }
                )
    status = empty_status
    if "status" in compare and len(both):
        a = cur.loc[both, "status"].astype("str").fillna("（空）")
        b = new.loc[both, "status"].astype("str").fillna("（空）")
        moved = a != b
        if moved.any():
            status = (
                pd.DataFrame({"原状态": a[moved], "新状态": b[moved]})
                .value_counts()
                .rename("数量")
                .reset_index()
            )
            status["数量"] = status["数量"].astype("int64")
    changed = int(changed_mask.sum())
    return SnapshotDiff(
        kind,
        True,
        added,
        removed,
        changed,
        len(both) - changed,
        changed_fields,
        status,
        pd.DataFrame(examples, columns=["标识", "字段", "原值", "新值"])
        if examples
        else empty_examples,
    )


def diff_summary(diff: SnapshotDiff, current: SnapshotInfo | None) -> str:
    """One Markdown paragraph: what committing changes against the current snapshot."""
    if not diff.has_current or current is None:
        return f"本台账还没有快照，提交后将成为第一个快照（{diff.added:,} 行）。"
    text = (
        f"与当前快照 #{current.id}（截至 {current.as_of:%Y-%m-%d}）相比：新增 **{diff.added:,}** 行，"
        f"删除 **{diff.removed:,}** 行，变更 **{diff.changed:,}** 行，不变 {diff.unchanged:,} 行。"
    )
    if diff.changed_fields:
        top = sorted(diff.changed_fields.items(), key=lambda kv: -kv[1])[:5]
        text += " 变更最多的字段：" + "、".join(f"{label} {n:,} 行" for label, n in top) + "。"
    if not diff.status_changes.empty:
        text += " 状态变化见下表。"
    return text


def diff_warning(diff: SnapshotDiff) -> str | None:
    """A warning when the file would drop much of the current snapshot: a snapshot replaces the
    whole ledger, so a partial file (one district's rows) would silently lose the others.

    When the store would hold the commit, the page says this inside the confirmation
    (`CommitCheck.confirmation`) instead of as a second message."""
    before = diff.removed + diff.changed + diff.unchanged
    if not diff.has_current or diff.removed < max(10, 0.5 * before):
        return None
    return (
        removed_sentence(diff).removesuffix("。")
        + "，提交后这些行将不再计入统计。请确认上传的是完整台账，而不是其中一部分。"
    )


def removed_sentence(diff: SnapshotDiff) -> str:
    """ "当前快照中有 1,200 行（60%）在本文件中找不到。" """
    before = diff.removed + diff.changed + diff.unchanged
    share = 100 * diff.removed / before if before else 0
    return f"当前快照中有 {diff.removed:,} 行（{share:.0f}%）在本文件中找不到。"


def _differs(a: pd.Series, b: pd.Series) -> pd.Series:
    both_missing = a.isna().to_numpy() & b.isna().to_numpy()
    if pd.api.types.is_float_dtype(a.dtype) and pd.api.types.is_float_dtype(b.dtype):
        same = np.isclose(a.to_numpy(dtype=float), b.to_numpy(dtype=float), rtol=0, atol=1e-9)
    else:
        # blanks as None: pd.NA (an Int64 column's blank) has no truth value to compare with
        same = (_objects(a) == _objects(b)).astype(bool)
    return pd.Series(~(same | both_missing), index=a.index)


def _objects(s: pd.Series) -> np.ndarray:
    return s.astype(object).where(s.notna(), None).to_numpy()
