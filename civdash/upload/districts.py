"""Replacing the city's district table from an upload: read it, say what is missing, check the
current ledgers' district names against it, and commit it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import pandas as pd

from civdash.districts import DistrictTable, describe_names
from civdash.ingest import DistrictFile, load_districts
from civdash.ledgers import LEDGER_KINDS, get_kind
from civdash.store import CommitOutcome, Store
from civdash.upload.workbench import Upload, safely

__all__ = [
    "DistrictCheck",
    "check_districts",
    "commit_districts",
    "district_file_notes",
    "district_summary",
    "read_district_file",
]


def read_district_file(
    data: bytes, file_name: str, *, crs: str | None = None, population: Upload | None = None
) -> DistrictFile:
    """The city's districts from an uploaded GeoJSON, or a sheet with 区县 / 常住人口 columns,
    with the population of a separate sheet when one is given (see `civdash.ingest.load_districts`:
    `crs` None converts a DataV / 阿里云 file from GCJ-02 and keeps anything else as it is).

    Raises `FileRefused` with one Chinese sentence when a file cannot serve as a district table.
    """
    extra = (population.data, population.name) if population is not None else None
    read: DistrictFile = safely(lambda: load_districts(data, file_name, crs=crs, population=extra))
    return read


_MSG_NO_POPULATION_HINT = "请另附常住人口表（区县、常住人口两列，或区划代码、常住人口两列）"
"""How the page says to supply the population; the command line names its --population option."""


def district_file_notes(
    read: DistrictFile, population_hint: str = _MSG_NO_POPULATION_HINT
) -> tuple[str, ...]:
    """What is wrong with the population of a district file just read, one sentence each:
    districts without a population, and rows of the population sheet that match no district
    (or a district an earlier row already gave). Empty when nothing is."""
    notes = []
    merge = read.population
    names = read.table.names
    missing = (
        merge.missing
        if merge is not None
        else tuple(d.name for d in read.table.districts if d.population is None)
    )
    if missing and len(missing) == len(names) and merge is None:
        notes.append(f"区县表中没有常住人口，按每万人计算的指标将无法显示；{population_hint}。")
    elif missing:
        notes.append(
            f"以下 {len(missing)} 个区县没有常住人口，按每万人计算的指标不含它们："
            f"{'、'.join(missing)}；请在常住人口表中补上。"
        )
    if merge is not None and merge.unmatched:
        notes.append(
            f"常住人口表中以下 {len(merge.unmatched)} 行对应不上任何区县，未使用："
            f"{'、'.join(merge.unmatched)}；请核对区县名称或区划代码。"
        )
    if merge is not None and merge.repeated:
        notes.append(
            f"常住人口表中以下行与前面的行对应同一个区县，未使用：{'、'.join(merge.repeated)}。"
        )
    return tuple(notes)


def district_summary(table: DistrictTable) -> pd.DataFrame:
    """The districts of a table as the user checks them before replacing the city's."""
    return pd.DataFrame(
        [
            {
                "区县": d.name,
                "区划代码": d.code or "",
                "常住人口": d.population,
                "别名": "、".join(d.aliases),
                "边界": "有" if d.geometry else "无",
            }
            for d in table.districts
        ],
        columns=["区县", "区划代码", "常住人口", "别名", "边界"],
    )


@dataclass(frozen=True)
class DistrictCheck:
    """How the district names in the current snapshots fare against a new district table."""

    names: pd.DataFrame
    """One row per (台账, 原区县名称): 行数, 新表中对应, 结果 (不变 / 改为… / 无法对应)."""

    @property
    def unresolved(self) -> pd.DataFrame:
        return self.names[self.names["结果"] == "无法对应"].reset_index(drop=True)

    @property
    def renamed(self) -> pd.DataFrame:
        return self.names[self.names["结果"].str.startswith("改为")].reset_index(drop=True)

    @property
    def complete(self) -> bool:
        """Every district name of the current ledgers resolves (true when there are none)."""
        return self.unresolved.empty

    def warning(self) -> str | None:
        """Why the new table should not become current without a word, or None when it may:
        the ledger districts it cannot resolve, with their rows per ledger."""
        if self.complete:
            return None
        bad = self.unresolved
        counts: dict[str, dict[str, int]] = {}
        for row in bad.itertuples(index=False):
            counts.setdefault(str(row.原区县名称), {})[str(row.台账)] = int(row.行数)
        lead = (
            "现有台账中的区县名称在新区县表中全都对应不上"
            if len(bad) == len(self.names)
            else f"现有台账中有 {len(counts)} 个区县名称在新区县表中对应不上"
        )
        return (
            f"{lead}：{describe_names(counts)}；换成新区县表后，这些行不计入任何区县，"
            "地图和各区县统计中它们的数会是 0。"
        )


def check_districts(
    current: Mapping[str, pd.DataFrame | None], table: DistrictTable
) -> DistrictCheck:
    """Re-resolve every district name of the current snapshots against `table`.

    `current` maps a ledger kind to its current rows (None when it has none). A target's empty
    district (city-wide) is not a name and is skipped.
    """
    rows = []
    for kind in LEDGER_KINDS:
        frame = current.get(kind)
        if frame is None or "district" not in frame or frame.empty:
            continue
        names = frame["district"].astype("str").fillna("")
        counts = names[names.str.strip() != ""].value_counts(sort=False)
        for name, n in sorted(counts.items()):
            hit = table.resolve(name)
            outcome = "无法对应" if hit is None else "不变" if hit == name else f"改为『{hit}』"
            rows.append(
                {
                    "台账": get_kind(kind).label,
                    "原区县名称": name,
                    "行数": int(n),
                    "新表中对应": hit or "",
                    "结果": outcome,
                }
            )
    return DistrictCheck(
        pd.DataFrame(rows, columns=["台账", "原区县名称", "行数", "新表中对应", "结果"])
    )


def commit_districts(
    store: Store,
    table: DistrictTable,
    data: bytes,
    file_name: str,
    committed_by: str = "",
    *,
    make_current: bool | None = None,
) -> CommitOutcome:
    """Replace the city's district table (a new current snapshot of kind districts, unless
    `make_current` is False). `data` is what the snapshot is fingerprinted by
    (`DistrictFile.content` for a file read with `read_district_file`).

    With `make_current` True, a table stored before (the same content) is made current again.
    """
    who = committed_by.strip()
    outcome = store.commit_districts(
        table, data, file_name=file_name, committed_by=who, make_current=make_current
    )
    if make_current and not outcome.snapshot.is_current:
        store.set_current(outcome.snapshot.id, actor=who)
        outcome = replace(
            outcome,
            snapshot=store.snapshot(outcome.snapshot.id),
            message=f"{outcome.message}；已将快照 #{outcome.snapshot.id} 设为当前区县表",
        )
    return outcome
