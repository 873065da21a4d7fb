"""数据来源: which parts the ledger in force is made of (district, date, who).

The city ledger in force may be assembled from the districts' parts (`Store.parts`); every page,
the toolkit and the meeting say what it is made of. `composition(store, snapshot)` answers for any
snapshot: an assembled ledger is its parts (a district whose rows come from a whole-city file
names that file), a whole-city file or a district's part is itself.

>>> comp = composition(store, store.current("issues"), order=districts.names)  # doctest: +SKIP
>>> comp.summary()                                                             # doctest: +SKIP
'由 7 个区县的报送合成：城关区 11月12日 陈静、东湖区 11月11日 张晓、西山区 11月13日 王磊 等'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

import pandas as pd

from civdash.store import LOCAL_TZ, SnapshotInfo, Store

__all__ = ["Composition", "LedgerPart", "composition"]

CITY = "全市"
"""What a whole-city file's part is called in the table."""
TABLE_COLUMNS = ("区县", "截至", "报送时间", "报送人", "行数", "文件")


@dataclass(frozen=True)
class LedgerPart:
    """One part of a ledger in force: the rows of `district` ("" = a whole-city file's rows)
    from snapshot `snapshot_id`, committed at `committed_at` (UTC) by `committed_by`."""

    district: str
    snapshot_id: int
    as_of: date
    committed_at: datetime
    committed_by: str
    rows: int
    file_name: str
    city_file: bool = False
    """The rows come from a whole-city file (the city office's), not the district's own part."""

    @property
    def submitted(self) -> str:
        """ "11月12日" (Beijing time)."""
        local = self.committed_at.astimezone(LOCAL_TZ)
        return f"{local.month}月{local.day}日"

    def short(self) -> str:
        """ "东湖区 11月11日 张晓" (a whole-city file: "全市文件 11月8日 李明")."""
        who = self.committed_by or "未署名"
        if not self.district:
            return f"全市文件 {self.submitted} {who}"
        suffix = "（全市文件）" if self.city_file else ""
        return f"{self.district} {self.submitted} {who}{suffix}"


@dataclass(frozen=True)
class Composition:
    """What `snapshot` is made of: its parts in district order."""

    snapshot: SnapshotInfo
    parts: tuple[LedgerPart, ...]

    def summary(self, limit: int | None = 3) -> str:
        """One Chinese line: how many districts' parts, then the first `limit` of them (all for
        None; none for 0).

        >>> when = datetime(2026, 11, 11, 8, 20, tzinfo=LOCAL_TZ)
        >>> parts = tuple(
        ...     LedgerPart(d, i, date(2026, 11, 15), when, who, 10, "")
        ...     for i, (d, who) in enumerate([("东湖区", "张晓"), ("西山区", "王磊")])
        ... )
        >>> Composition(None, parts).summary(limit=1)
        '由 2 个区县的报送合成：东湖区 11月11日 张晓 等'
        """
        if not self.parts:
            return "没有数据来源记录"
        if len(self.parts) == 1 and not self.parts[0].district:
            return self.parts[0].short()
        if len(self.parts) == 1:
            return f"{self.parts[0].district}的报送：{self.parts[0].short()}"
        head = f"由 {len(self.parts)} 个区县的报送合成"
        shown = self.parts if limit is None else self.parts[:limit]
        if not shown:
            return head
        more = " 等" if len(shown) < len(self.parts) else ""
        return f"{head}：{'、'.join(p.short() for p in shown)}{more}"

    def table(self, *, snapshot_ids: bool = False) -> pd.DataFrame:
        """The parts as people read them: 区县, 截至, 报送时间, 报送人, 行数, 文件; with
        `snapshot_ids`, 来源快照 ("#12", "#3（全市文件）") after 区县 (数据概况 lists snapshots
        by number)."""
        rows = [
            {
                "区县": p.district or CITY,
                "来源快照": f"#{p.snapshot_id}" + ("（全市文件）" if p.city_file else ""),
                "截至": p.as_of.isoformat(),
                "报送时间": f"{p.committed_at.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M}",
                "报送人": p.committed_by or "未署名",
                "行数": p.rows,
                "文件": p.file_name,
            }
            for p in self.parts
        ]
        columns = list(TABLE_COLUMNS)
        if snapshot_ids:
            columns.insert(1, "来源快照")
        return pd.DataFrame(rows, columns=columns)

    def only(self, district: str) -> Composition:
        """The parts that hold `district`'s rows (a whole-city file holds every district's)."""
        mine = tuple(p for p in self.parts if p.district in (district, ""))
        return replace(self, parts=mine)


def composition(
    store: Store, snapshot: SnapshotInfo | int, *, order: Sequence[str] = ()
) -> Composition:
    """What `snapshot` (or the snapshot with that id) is made of: an assembled city ledger its
    districts' parts, in `order` (district names; the others after them by name); any other
    snapshot is its own one part. A district whose rows come from a whole-city file is that
    file's part, with the district's rows counted."""
    info = store.snapshot(snapshot) if isinstance(snapshot, int) else snapshot
    if not info.assembled:
        return Composition(info, (_part(info, info.scope, info.rows_valid),))
    sources = store.parts(info.id)
    rank = {name: i for i, name in enumerate(order)}
    parts = []
    counts: dict[int, dict[str, int]] = {}
    for district in sorted(sources, key=lambda d: (rank.get(d, len(rank)), d)):
        source = sources[district]
        if source.scope:
            rows = source.rows_valid
        else:
            if source.id not in counts:
                counts[source.id] = store.rows_by_district(source.id)
            rows = counts[source.id].get(district, 0)
        parts.append(_part(source, district, rows))
    return Composition(info, tuple(parts))


def _part(source: SnapshotInfo, district: str, rows: int) -> LedgerPart:
    return LedgerPart(
        district=district,
        snapshot_id=source.id,
        as_of=source.as_of,
        committed_at=source.committed_at,
        committed_by=source.committed_by,
        rows=rows,
        file_name=source.file_name,
        city_file=not source.scope,
    )
