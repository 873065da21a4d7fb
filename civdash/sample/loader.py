"""The sample city in a store: ten weeks of history, the last one read from its messy files.

What a newcomer opens on first start is the office ten weeks into the campaign. The latest week
(and the targets) arrive the way every real upload does: the messy workbooks packaged in
civdash/sample/files/ are read by `ingest_file`, their deliberately bad rows are left out, and the
result is committed. That is what 数据导入 and 数据概况 show. The nine earlier weeks are the
simulated city's rows as the office's system holds them: every row valid, committed straight from
the simulation through `Store.commit` (so the commit rules apply). Each such snapshot is the rows
of a clean CSV file, `HistoryWeek.data`, whose SHA-256 it carries like any uploaded file's.

Reading the simulation instead of writing and re-reading nine weeks of workbooks is what makes
loading take seconds rather than half a minute.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import date
from importlib.resources import files
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from civdash.config import DEFAULT_SETTINGS, Settings
from civdash.districts import DistrictTable
from civdash.ingest import SOURCE_ROW, IngestResult, ingest_file
from civdash.ledgers import DeriveContext, LedgerKind, get_kind
from civdash.ledgers.base import Field
from civdash.sample.city import END_DATE
from civdash.sample.simulation import LEDGERS, SampleCity, as_of_dates, simulate
from civdash.sample.workbooks import ledger_file_name

if TYPE_CHECKING:
    from civdash.store import CommitOutcome, Store

__all__ = ["SAMPLE_BY", "HistoryWeek", "history_week", "load_sample", "packaged_file"]

SAMPLE_BY = "示例数据"
"""Who committed the sample city's snapshots, as the audit log shows it."""

_DISTRICTS_FILE = "districts.geojson"
_TARGETS_FILE = "targets.xlsx"


def packaged_file(name: str) -> bytes:
    """The bytes of one file in civdash/sample/files/ (see `LATEST_FILES`), from the installed
    package: a checkout, a wheel or a zip."""
    return files("civdash.sample").joinpath("files", name).read_bytes()


@dataclass(frozen=True)
class HistoryWeek:
    """One earlier week of a ledger: the rows as the office's system holds them, and the file.

    `result` is what `ingest_file` returns for `data`, a clean UTF-8 CSV of the week (headers are
    the registry's labels, dates ISO, 是/否, a deadline as a date), built without reading it back.
    """

    result: IngestResult
    data: bytes


def _typed(values: pd.Series, f: Field) -> pd.Series:
    """A column in the dtype ingest gives the field's type (blank text is missing)."""
    if f.type == "date":
        return pd.to_datetime(values).astype("datetime64[s]")
    if f.type == "float":
        return values.astype("float64")
    if f.type == "int":
        return values.astype("Int64")
    if f.type == "bool":
        return values.astype("bool")
    return values.where(values.ne("")).astype("str")


def _derive(k: LedgerKind, rows: pd.DataFrame, settings: Settings) -> None:
    """Run the kind's own derive hook and checks on `rows` (indexed by row number), as ingest
    does: derived columns such as 星级 are filled in. The simulated rows break no rule."""

    def add(row: int, name: str, problem: tuple[str, str], *, severity: str = "error") -> None:
        if severity == "error":
            raise ValueError(f"示例城市的{k.label}台账第 {row} 行『{name}』{problem[0]}")

    supplied = {f.name: rows[f.name] for f in k.input_fields}
    context = DeriveContext(rows, supplied, settings, add, lambda row: f"第 {row} 行")
    for step in (k.derive, *k.checks):
        if step is not None:
            step(context)


def _csv(kind: str, rows: pd.DataFrame) -> bytes:
    """The week's rows as a clean CSV file with the registry's labels, which ingests to them."""
    fields = get_kind(kind).input_fields
    columns = {
        f.label: rows[f.name].map({True: "是", False: "否"}) if f.type == "bool" else rows[f.name]
        for f in fields
    }
    table = pa.Table.from_pandas(pd.DataFrame(columns), preserve_index=False)
    for i, f in enumerate(fields):
        if f.type == "date":  # ISO dates, not timestamps at midnight
            table = table.set_column(i, f.label, pc.cast(table.column(i), pa.date32()))
    out = io.BytesIO(b"\xef\xbb\xbf")  # a byte-order mark, as offices' CSV files have
    out.seek(0, io.SEEK_END)
    pa_csv.write_csv(table, out, pa_csv.WriteOptions(quoting_style="needed"))
    return out.getvalue()


def history_week(
    city: SampleCity, kind: str, as_of: date, settings: Settings = DEFAULT_SETTINGS
) -> HistoryWeek:
    """Ledger `kind` (one of LEDGERS) of the week ending `as_of`, from the simulated `city`.

    >>> week = history_week(simulate(), "units", date(2026, 11, 8))    # doctest: +SKIP
    >>> week.result.rows_valid, week.result.file_name                   # doctest: +SKIP
    (478, 'units_2026-11-08.csv')
    """
    k = get_kind(kind)
    frame = city.ledger_at(kind, as_of)
    frame.index = pd.RangeIndex(2, len(frame) + 2)  # CSV record numbers, the header being 1
    blank = pd.Series(None, index=frame.index, dtype=object)
    rows = pd.DataFrame(
        {f.name: _typed(blank if f.derived else frame[f.name], f) for f in k.fields}
    )
    _derive(k, rows, settings)
    rows[SOURCE_ROW] = rows.index.astype("int64")
    rows = rows.reset_index(drop=True)
    data = _csv(kind, rows)
    result = IngestResult(
        kind=kind,
        sheet=None,
        header_row=1,
        rows_read=len(rows),
        rows=rows,
        problems=[],
        columns={f.label: f.name for f in k.input_fields},
        as_of=None,
        file_name=f"{kind}_{as_of.isoformat()}.csv",
        sha256=hashlib.sha256(data).hexdigest(),
    )
    return HistoryWeek(result, data)


def load_sample(store: Store, *, force: bool = False) -> list[CommitOutcome]:
    """Load the sample city into `store` when it is empty (or `force`); returns the commits made:
    the districts, the targets, and units, volunteers and issues for ten Sundays.

    >>> from civdash.store import Store                       # doctest: +SKIP
    >>> len(load_sample(Store("sqlite:///demo.sqlite")))      # doctest: +SKIP
    32
    """
    if not force and not store.is_empty():
        return []
    settings = store.settings
    geojson = packaged_file(_DISTRICTS_FILE)
    districts = DistrictTable.from_geojson(geojson)
    outcomes = [
        store.commit_districts(
            districts, geojson, file_name=_DISTRICTS_FILE, committed_by=SAMPLE_BY
        )
    ]
    dates = as_of_dates()
    # what arrives as the clerks' workbooks: the targets, and every ledger of the last week
    packaged = {("targets", dates[0]): _TARGETS_FILE} | {
        (kind, END_DATE): ledger_file_name(kind, END_DATE) for kind in LEDGERS
    }
    city = simulate()
    # in date order, and by kind within a date
    steps = sorted([(as_of, kind) for as_of in dates for kind in LEDGERS] + [(dates[0], "targets")])
    for as_of, kind in steps:
        name = packaged.get((kind, as_of))
        if name is None:
            week = history_week(city, kind, as_of, settings)
            result, data = week.result, week.data
        else:
            data = packaged_file(name)
            result = ingest_file(
                data, file_name=name, kind=kind, districts=districts, settings=settings
            )
        outcomes.append(store.commit(result, data, committed_by=SAMPLE_BY, as_of=as_of))
    return outcomes
