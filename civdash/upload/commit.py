"""Committing a review: the as-of date, what the store's commit rules will say, and the commit.

`commit_check` runs the store's own rules before the commit button (no valid row: refused;
districts or too many rows lost: the clerk must confirm, with the store's numbers), so the page
and the store cannot disagree; `commit_review` stores the valid rows as one snapshot, and the
same content committed again is recognised as a duplicate (`find_committed`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from civdash.ledgers import get_kind
from civdash.store import (
    LOCAL_TZ,
    CommitOutcome,
    ShrinkCheck,
    SnapshotInfo,
    Store,
    nothing_valid_message,
    part_fingerprint,
    rows_by_district,
    shrink_check,
    will_become_current,
)
from civdash.upload.diff import SnapshotDiff, removed_sentence
from civdash.upload.workbench import Review, Upload, content_bytes

__all__ = [
    "CONFIRM_LABEL",
    "CommitCheck",
    "already_committed_message",
    "commit_check",
    "commit_review",
    "default_as_of",
    "find_committed",
    "record_refusal",
]


def default_as_of(review: Review) -> date:
    """The as-of date to propose: the one in the file's title, else today (China time)."""
    return review.result.as_of or datetime.now(LOCAL_TZ).date()


def find_committed(snapshots: Iterable[SnapshotInfo], review: Review) -> SnapshotInfo | None:
    """The snapshot already holding exactly this content for the same scope (same kind, same
    fingerprint: `store.part_fingerprint`), if any."""
    fingerprint = part_fingerprint(review.content_sha256, review.choice.scope or None)
    for s in snapshots:
        if s.kind == review.kind and s.sha256 == fingerprint:
            return s
    return None


def already_committed_message(snapshot: SnapshotInfo) -> str:
    """Said before the commit button when this exact content is already a snapshot; when that
    snapshot is not the current one, how to make it current."""
    at = snapshot.committed_at.astimezone(LOCAL_TZ)
    text = (
        f"该文件已于 {at:%Y-%m-%d %H:%M} 导入（快照 #{snapshot.id}，截至 {snapshot.as_of:%Y-%m-%d}），"
        "再次提交不会重复保存。"
    )
    if not snapshot.is_current:
        text += "该快照目前不是当前快照，如需以它为准，请点『设为当前快照』。"
    return text


def commit_review(
    store: Store,
    review: Review,
    *,
    as_of: date | None = None,
    committed_by: str = "",
    allow_shrink: bool = False,
    role: str = "",
    district: str | None = None,
) -> CommitOutcome:
    """Store the valid rows of `review` as one snapshot (one transaction); the same content
    committed before is recognised by the store and not stored twice. With `district` it is
    that district's part (`Store.commit`); `role` is the committing user's, for the audit.

    The store's commit rules apply: no valid row raises `CommitRefusedError`, and a snapshot that
    would drop districts or too many rows raises `ShrinkHeldError` unless `allow_shrink` (the
    clerk confirmed what `commit_check` showed)."""
    data = content_bytes(review.upload.data, review.choice.edits)
    return store.commit(
        review.result,
        data,
        committed_by=committed_by.strip(),
        as_of=as_of,
        allow_shrink=allow_shrink,
        role=role,
        district=district or None,
    )


@dataclass(frozen=True)
class CommitCheck:
    """What the store's commit rules will make of a review, shown before the commit button.

    `refusal` is the store's sentence when nothing can be committed (no valid row). `shrink` holds
    the numbers the clerk must confirm when the commit would replace the current snapshot while
    losing districts or too many rows (None when nothing needs confirming); `removed` is the
    diff's count of current rows this file lacks, said in the same confirmation.
    """

    refusal: str | None
    shrink: ShrinkCheck | None
    removed: str | None = None
    district: str | None = None
    """The district whose part is committed (None: a whole-city file)."""

    @property
    def can_commit(self) -> bool:
        return self.refusal is None

    @property
    def needs_confirmation(self) -> bool:
        return self.shrink is not None

    def confirmation(self) -> str:
        """The paragraph above the numbers and the checkbox ("" when nothing needs confirming)."""
        if self.shrink is None:
            return ""
        text = f"提交前请核对：{self.shrink.reason()}。"
        if self.removed:
            text += self.removed
        if self.district:
            return text + _MSG_CONFIRM_PART.format(district=self.district)
        return text + _MSG_CONFIRM_REPLACE

    def numbers(self) -> dict[str, str]:
        """当前快照行数, 本文件有效行数, 减少比例 (with the allowed share), as shown."""
        if self.shrink is None:
            return {}
        s = self.shrink
        return {
            "当前快照行数": f"{s.current_rows:,}",
            "本文件有效行数": f"{s.new_rows:,}",
            "减少比例": f"{s.share:.1%}".replace(".0%", "%"),
        }

    def dropped_table(self) -> pd.DataFrame:
        """The districts the file lacks: 区县, 当前快照行数, 本文件行数 (always 0)."""
        dropped = self.shrink.dropped if self.shrink is not None else ()
        return pd.DataFrame(
            [{"区县": name, "当前快照行数": n, "本文件行数": 0} for name, n in dropped],
            columns=["区县", "当前快照行数", "本文件行数"],
        )


_MSG_CONFIRM_REPLACE = (
    "提交后本文件将替换当前快照，文件中没有的区县和行将不再计入统计；"
    "请确认上传的是完整台账，而不是其中一部分。"
)
_MSG_CONFIRM_PART = (
    "提交后本文件将替换{district}当前报送的数据，文件中没有的行将不再计入统计；"
    "请确认上传的是{district}的完整台账。"
)
_MSG_NO_PARTS = "{label}台账不按区县分开报送，请由市创城办提交全市文件。"
CONFIRM_LABEL = "我已核对，确认以此文件替换当前数据"
"""The checkbox a clerk ticks before a commit that `CommitCheck.needs_confirmation`."""


def commit_check(
    review: Review,
    current: SnapshotInfo | None,
    current_counts: Mapping[str, int] | None,
    *,
    as_of: date,
    max_share: float,
    committed: SnapshotInfo | None = None,
    diff: SnapshotDiff | None = None,
    district: str | None = None,
    part: SnapshotInfo | None = None,
) -> CommitCheck:
    """What committing `review` dated `as_of` will meet in the store: the store's own rule
    (`civdash.store.shrink_check`) on `current`'s rows per district (`Store.rows_by_district`)
    and the review's, with the store's `max_share`, so the page and the store cannot disagree.

    Nothing is held when the file is already stored (`committed`: the store reports it as a
    duplicate) or would not become current (an older as-of date).

    With `district` the file is that district's part, judged as the store judges one: it becomes
    current against the district's current `part`, and only the district's rows of the city
    ledger `current` count; a ledger not kept per district is refused.

    >>> check = commit_check(review, current, store.rows_by_district(current.id),
    ...                      as_of=date(2026, 11, 22), max_share=store.settings.max_shrink_share)  # doctest: +SKIP
    >>> check.needs_confirmation, check.dropped_table()                                       # doctest: +SKIP
    """
    if district and not get_kind(review.kind).narrow_by:
        return CommitCheck(_MSG_NO_PARTS.format(label=review.label), None, district=district)
    if not review.can_commit:
        return CommitCheck(nothing_valid_message(review.result.rows_read), None, district=district)
    against = (part.as_of if part else None) if district else (current.as_of if current else None)
    if (
        committed is not None
        or get_kind(review.kind).accumulates_by  # a new round adds; nothing is replaced
        or current is None
        or current_counts is None
        or not will_become_current(as_of, against)
    ):
        return CommitCheck(None, None, district=district)
    if district:
        current_counts = {d: n for d, n in current_counts.items() if d == district}
        if not current_counts:
            return CommitCheck(None, None, district=district)
    check = shrink_check(current, current_counts, rows_by_district(review.result.rows), max_share)
    if not check.held:
        return CommitCheck(None, None, district=district)
    removed = removed_sentence(diff) if diff is not None and diff.removed else None
    return CommitCheck(None, check, removed, district)


def record_refusal(
    store: Store,
    upload: Upload,
    reason: str,
    *,
    actor: str = "",
    role: str = "",
    scope: str | None = None,
) -> None:
    """Note a refused file in the audit trail (nothing else is stored): who, in which role, for
    which district's part (`scope`)."""
    store.record_refusal(
        upload.name, upload.sha256, reason, actor=actor.strip(), role=role, scope=scope
    )
