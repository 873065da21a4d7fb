"""The sample city in a store: ten weeks of district parts, the last one read from its messy files.

What a newcomer opens on first start is the office ten weeks into the campaign. Each week every
district's clerk (`CLERKS`, one account per district) submits the district's part of the units,
volunteers and issues ledgers on their usual day, Wednesday to Friday before the Friday 17:00
deadline; the city ledger in force is assembled from the parts by the store. In the last week
`LATE_DISTRICT`'s clerk submits on the Saturday, so 报送情况 has one late district to show. The
district table and the targets are whole-city files committed by the 市创城办 editor (`EDITOR`).
None of these accounts has a password: they cannot log in until an admin sets one.

The latest week (and the targets) arrive the way real uploads do: the messy workbooks packaged
in civdash/sample/files/ are read by `ingest_file`, their deliberately bad rows are left out, and
each district's rows (with its own bad rows) are committed as its part. The nine earlier weeks
are the simulated city's rows as the office's system holds them: every row valid, committed
straight from the simulation through `Store.commit` (so the commit rules apply). Each such part
is the rows of a clean CSV file, `HistoryWeek.data`, whose SHA-256 it carries like any uploaded
file's.

Reading the simulation instead of writing and re-reading nine weeks of workbooks is what makes
loading take seconds rather than half a minute.

The editor also commits the office's own whole-city files on the day they arrived: the
responsible units' contacts list (packaged, read by ingest) and the third-party evaluator's
report of each monthly 测评 round, one `assessments` snapshot per round (the earlier rounds from
the simulation as clean CSV files, the latest one the packaged workbook, read by ingest).
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from importlib.resources import files
from pathlib import PurePath
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from python_calamine import CalamineWorkbook

from civdash.accounts import Accounts
from civdash.config import DEFAULT_SETTINGS, Settings
from civdash.districts import DistrictTable
from civdash.ingest import SOURCE_ROW, IngestResult, ingest_file
from civdash.ledgers import DeriveContext, LedgerKind, get_kind
from civdash.ledgers.base import Field
from civdash.sample.assessments import (
    ROUNDS,
    AssessmentRound,
    round_rows,
    simulate_assessments,
)
from civdash.sample.city import CLERKS, EDITOR, END_DATE, LATE_DISTRICT, TARGETS_ISSUED, Clerk
from civdash.sample.simulation import LEDGERS, SampleCity, as_of_dates, simulate
from civdash.sample.workbooks import CONTACTS_FILE, ROUND_FILE, ledger_file_name
from civdash.store import LOCAL_TZ

if TYPE_CHECKING:
    from civdash.store import CommitOutcome, Store

__all__ = [
    "CONTACTS_DAY",
    "SAMPLE_BY",
    "HistoryWeek",
    "SampleProgress",
    "history_parts",
    "history_round",
    "history_week",
    "load_sample",
    "packaged_file",
    "reported_at",
    "submitted_at",
]

SAMPLE_BY = "示例数据"
"""Who set the sample city up, as the audit log names the creator of its accounts."""

SampleProgress = Callable[[int, int, str], None]
"""Told by `load_sample` before each step, and once at the end: (steps done, steps in all, what is
being done now, in Chinese for the first-start screen: "保存 9月13日 的志愿者台账")."""

_DISTRICTS_FILE = "districts.geojson"
_TARGETS_FILE = "targets.xlsx"


SHOWN_DISTRICTS_FILE = "区县边界.geojson"
"""The name the sample's district boundaries are stored under (数据概况 shows it)."""


def shown_file_name(
    kind: str, as_of: date | None = None, suffix: str = ".xlsx", *, district: str | None = None
) -> str:
    """The name a sample ledger is stored under, which 数据概况 shows: Chinese, as a clerk names
    the file (the packaged files keep their short ASCII names for scripts and notebooks); a
    district's part names its district.

    >>> shown_file_name("issues", date(2026, 11, 15)), shown_file_name("targets")
    ('问题整改台账_2026-11-15.xlsx', '目标任务.xlsx')
    >>> shown_file_name("units", date(2026, 11, 8), ".csv", district="东湖区")
    '创建单位台账_2026-11-08（东湖区）.csv'
    """
    k = get_kind(kind)
    part = f"（{district}）" if district else ""
    if k.dated and as_of is not None:
        return f"{k.label}台账_{as_of.isoformat()}{part}{suffix}"
    return f"{k.label}{part}{suffix}"


def submitted_at(clerk: Clerk, as_of: date, kind: str = LEDGERS[0]) -> datetime:
    """When `clerk` submitted their district's part of `kind` for the week ending on the Sunday
    `as_of`: on their usual day at about their usual time (a few minutes earlier or later from
    week to week), the three ledgers a few minutes apart; `LATE_DISTRICT`'s clerk submits the
    last week's on the Saturday, after the deadline.

    >>> f"{submitted_at(CLERKS[1], date(2026, 11, 8)):%m-%d %H:%M %a}"
    '11-04 16:31 Wed'
    """
    monday = as_of - timedelta(days=6)
    if clerk.district == LATE_DISTRICT and as_of == END_DATE:
        day, at = monday + timedelta(days=5), time(10, 5)
    else:
        day, at = monday + timedelta(days=clerk.weekday), clerk.at
    # -20 … +20 minutes from week to week; a Friday clerk's usual time is 16:30 at the latest
    drift = (as_of.toordinal() // 7 * 13 + sum(map(ord, clerk.name))) % 41 - 20
    minutes = drift + 4 * LEDGERS.index(kind)
    return datetime.combine(day, at, LOCAL_TZ) + timedelta(minutes=minutes)


CONTACTS_DAY = TARGETS_ISSUED
"""The 市创城办 sends its list of the responsible units' contacts out with the targets."""
_CONTACTS_AT = time(16, 0)


def reported_at(rnd: AssessmentRound) -> datetime:
    """When the editor commits the evaluator's report of `rnd`: the next working day after its
    last day, in the afternoon.

    >>> f"{reported_at(ROUNDS[-1]):%m-%d %H:%M %a}"
    '11-13 14:30 Fri'
    """
    day = rnd.as_of + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(14, 30), LOCAL_TZ)


def packaged_file(name: str) -> bytes:
    """The bytes of one file in civdash/sample/files/ (see `LATEST_FILES`), from the installed
    package: a checkout, a wheel or a zip."""
    return files("civdash.sample").joinpath("files", name).read_bytes()


@dataclass(frozen=True)
class HistoryWeek:
    """One earlier week of a ledger (or of one district's part of it): the rows as the office's
    system holds them, and the file.

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


def _csv_table(kind: str, rows: pd.DataFrame) -> pa.Table:
    """The columns of `_csv`'s file: the registry's labels, ISO dates, 是/否."""
    fields = get_kind(kind).input_fields
    columns = {
        f.label: rows[f.name].map({True: "是", False: "否"}) if f.type == "bool" else rows[f.name]
        for f in fields
    }
    table = pa.Table.from_pandas(pd.DataFrame(columns), preserve_index=False)
    for i, f in enumerate(fields):
        if f.type == "date":  # ISO dates, not timestamps at midnight
            table = table.set_column(i, f.label, pc.cast(table.column(i), pa.date32()))
    return table


def _csv(table: pa.Table) -> bytes:
    """Rows (from `_csv_table`) as a clean CSV file, which ingests to them."""
    out = io.BytesIO(b"\xef\xbb\xbf")  # a byte-order mark, as offices' CSV files have
    out.seek(0, io.SEEK_END)
    pa_csv.write_csv(table, out, pa_csv.WriteOptions(quoting_style="needed"))
    return out.getvalue()


def _history_rows(kind: str, frame: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """The rows of simulated `frame` as ingest makes them of their clean CSV file."""
    k = get_kind(kind)
    frame = frame.set_axis(pd.RangeIndex(2, len(frame) + 2))  # CSV records, the header being 1
    blank = pd.Series(None, index=frame.index, dtype=object)
    rows = pd.DataFrame(
        {f.name: _typed(blank if f.derived else frame[f.name], f) for f in k.fields}
    )
    _derive(k, rows, settings)
    rows[SOURCE_ROW] = rows.index.astype("int64")
    return rows.reset_index(drop=True)


def _history_file(
    kind: str, rows: pd.DataFrame, file_name: str, table: pa.Table | None = None
) -> HistoryWeek:
    """`rows` (from `_history_rows`) and their clean CSV file (of `table`, their `_csv_table`
    when it is at hand)."""
    k = get_kind(kind)
    data = _csv(table if table is not None else _csv_table(kind, rows))
    result = IngestResult(
        kind=kind,
        sheet=None,
        header_row=1,
        rows_read=len(rows),
        rows=rows,
        problems=[],
        columns={f.label: f.name for f in k.input_fields},
        as_of=None,
        file_name=file_name,
        sha256=hashlib.sha256(data).hexdigest(),
    )
    return HistoryWeek(result, data)


def history_week(
    city: SampleCity, kind: str, as_of: date, settings: Settings = DEFAULT_SETTINGS
) -> HistoryWeek:
    """Ledger `kind` (one of LEDGERS) of the week ending `as_of`, from the simulated `city`.

    >>> week = history_week(simulate(), "units", date(2026, 11, 8))    # doctest: +SKIP
    >>> week.result.rows_valid, week.result.file_name                   # doctest: +SKIP
    (478, '创建单位台账_2026-11-08.csv')
    """
    rows = _history_rows(kind, city.ledger_at(kind, as_of), settings)
    return _history_file(kind, rows, shown_file_name(kind, as_of, ".csv"))


def history_parts(
    city: SampleCity, kind: str, as_of: date, settings: Settings = DEFAULT_SETTINGS
) -> dict[str, HistoryWeek]:
    """District → its part of ledger `kind` for the week ending `as_of`: the district's rows of
    `history_week`, as the clean CSV file its clerk submits (rows numbered in that file).

    >>> parts = history_parts(simulate(), "units", date(2026, 11, 8))              # doctest: +SKIP
    >>> parts["东湖区"].result.file_name                                            # doctest: +SKIP
    '创建单位台账_2026-11-08（东湖区）.csv'
    """
    week = _history_rows(kind, city.ledger_at(kind, as_of), settings)
    table = _csv_table(kind, week)  # once for the week: each part's file is a filter of it
    out = {}
    for c in CLERKS:
        mine = (week["district"] == c.district).to_numpy()
        if mine.any():
            rows = week[mine].reset_index(drop=True)
            rows[SOURCE_ROW] = pd.RangeIndex(2, len(rows) + 2, dtype="int64")  # its own file's
            file_name = shown_file_name(kind, as_of, ".csv", district=c.district)
            out[c.district] = _history_file(kind, rows, file_name, table.filter(mine))
    return out


def history_round(rnd: AssessmentRound, settings: Settings = DEFAULT_SETTINGS) -> HistoryWeek:
    """The evaluator's report of the earlier 测评 round `rnd` as the office's system holds it:
    the simulated rows of the round, as a clean CSV file named after it.

    >>> history_round(ROUNDS[0]).result.file_name                    # doctest: +SKIP
    '2026年6月模拟测评结果.csv'
    """
    rows = _history_rows("assessments", round_rows(_simulated_rounds(), rnd.name), settings)
    return _history_file("assessments", rows, f"{rnd.name}结果.csv")


def _whole_city_file(
    name: str, kind: str, shown: str, districts: DistrictTable, settings: Settings
) -> HistoryWeek:
    """A packaged whole-city file (the contacts list, the latest round's report) as
    `ingest_file` reads it."""
    data = packaged_file(name)
    read = ingest_file(data, file_name=shown, kind=kind, districts=districts, settings=settings)
    return HistoryWeek(read, data)


def _raw_districts(data: bytes, result: IngestResult, districts: DistrictTable) -> dict[int, str]:
    """Spreadsheet row → district, for the invalid rows of a workbook read by ingest whose
    district cell names one of `districts` (the others belong to no district's part)."""
    if not result.invalid_rows or result.sheet is None or result.header_row is None:
        return {}
    label = next((h for h, f in result.columns.items() if f == "district"), None)
    grid = (
        CalamineWorkbook.from_filelike(io.BytesIO(data))
        .get_sheet_by_name(result.sheet)
        .to_python(skip_empty_area=False)
    )
    header = next(
        (
            [str(c).strip() for c in grid[r]]
            for r in (result.header_row - 1, result.header_row)
            if label in [str(c).strip() for c in grid[r]]
        ),
        None,
    )
    if header is None:
        return {}
    column = header.index(str(label))
    out = {}
    for row in result.invalid_rows:
        name = districts.resolve(str(grid[row - 1][column]).strip())
        if name is not None:
            out[row] = name
    return out


def latest_parts(
    kind: str, districts: DistrictTable, settings: Settings = DEFAULT_SETTINGS
) -> dict[str, HistoryWeek]:
    """District → its part of the packaged workbook of ledger `kind` (the last week): its rows,
    valid and invalid, as `ingest_file` reads them. The workbook holds the seven parts in one file;
    a part's SHA-256 is the workbook's bytes followed by its district's name. Rows whose district
    is not one of the city's belong to no part."""
    name = ledger_file_name(kind, END_DATE)
    data = packaged_file(name)
    suffix = PurePath(name).suffix
    read = ingest_file(
        data,
        file_name=shown_file_name(kind, END_DATE, suffix),
        kind=kind,
        districts=districts,
        settings=settings,
    )
    bad = _raw_districts(data, read, districts)
    out = {}
    for c in CLERKS:
        rows = read.rows[read.rows["district"] == c.district].reset_index(drop=True)
        invalid = tuple(r for r in read.invalid_rows if bad.get(r) == c.district)
        mine = {*rows[SOURCE_ROW].tolist(), *invalid}
        part = data + c.district.encode()
        out[c.district] = HistoryWeek(
            dataclasses.replace(
                read,
                rows=rows,
                rows_read=len(rows) + len(invalid),
                problems=[p for p in read.problems if p.row in mine],
                invalid_rows=invalid,
                file_name=shown_file_name(kind, END_DATE, suffix, district=c.district),
                sha256=hashlib.sha256(part).hexdigest(),
            ),
            part,
        )
    return out


@dataclass(frozen=True)
class _OfficeFile:
    """A whole-city file the 市创城办 editor commits: the contacts list, a round's report."""

    kind: str
    as_of: date
    at: datetime
    step: str


def _office_files() -> list[_OfficeFile]:
    """The contacts list and the six 测评 reports, in the order they were committed."""
    contacts = _OfficeFile(
        "contacts",
        CONTACTS_DAY,
        datetime.combine(CONTACTS_DAY, _CONTACTS_AT, LOCAL_TZ),
        "保存责任单位联系人名单",
    )
    rounds = [
        _OfficeFile("assessments", r.as_of, reported_at(r), f"保存{r.name}结果") for r in ROUNDS
    ]
    return sorted([contacts, *rounds], key=lambda f: f.at)


def load_sample(
    store: Store, *, force: bool = False, progress: SampleProgress | None = None
) -> list[CommitOutcome]:
    """Load the sample city into `store` when it is empty (or `force`); returns the commits made:
    the districts, the targets, and each district's parts of units, volunteers and issues for
    ten Sundays (the store assembles the city ledgers from them); and the office's whole-city
    files: the contacts of the responsible units and the six monthly 测评 reports, each
    committed when it arrived (the ones before the first week first).

    The accounts of the editor and the seven clerks are added (without passwords) when missing.
    `progress`, when given, is told before each step what it is and how many steps there are
    (the app's first start shows it as a progress bar), and once more when all are done.

    >>> from civdash.store import Store                       # doctest: +SKIP
    >>> len(load_sample(Store("sqlite:///demo.sqlite")))      # doctest: +SKIP
    219
    """
    if not force and not store.is_empty():
        return []
    dates = as_of_dates()
    settings = store.settings
    office = _office_files()
    # the simulation, the targets, then each clerk's sitting of each week and each office file
    # (the last week's workbooks are read first)
    total = 3 + len(LEDGERS) + len(dates) * len(CLERKS) + len(office)
    tell = progress or (lambda done, total, step: None)
    done = 0

    def step(what: str) -> None:
        nonlocal done
        tell(done, total, what)
        done += 1

    # What is committed in each sitting, in order: the office files that came before the first
    # week, then week by week the clerks' parts and the office files of that week.
    first_monday = dates[0] - timedelta(days=6)
    before = [f for f in office if f.at.date() < first_monday]
    weekly: list[list[_OfficeFile]] = [[] for _ in dates]
    for f in office:
        if f not in before:  # in the week it arrived (one after the last goes in the last)
            weekly[next((w for w, d in enumerate(dates) if f.at.date() <= d), -1)].append(f)
    jobs = [(f.kind, f.as_of) for f in before]
    for w, as_of in enumerate(dates):
        jobs += [(kind, as_of) for kind in LEDGERS] + [(f.kind, f.as_of) for f in weekly[w]]
    # Each job's parts are made (and the last week's workbooks read) by a helper process, in
    # the order they are committed, while this one commits the ones before: making parts and
    # committing them run on two cores. The first week's parts are made here while the helper
    # starts and makes the 测评 reports that come before them; so is the small contacts list,
    # read by ingest, which this process has ready (the helper has not, so early on). Only this
    # process touches the store.
    first = len(before)
    here = {*range(first, first + len(LEDGERS) + len(weekly[0]))}
    here |= {i for i, (kind, _) in enumerate(jobs) if kind == "contacts"}
    sent = [i for i in range(len(jobs)) if i not in here]
    made: dict[int, dict[str, HistoryWeek]] = {}

    def parts_of(i: int) -> dict[str, HistoryWeek]:
        if i in here:
            return made[i]
        got = helper.result(sent.index(i))
        return got if got is not None else week_parts(*jobs[i], settings)

    def commit_office(f: _OfficeFile, parts: dict[str, HistoryWeek]) -> CommitOutcome:
        step(f.step)
        part = parts[_WHOLE_CITY]
        return store.commit(
            part.result,
            part.data,
            committed_by=EDITOR,
            role="editor",
            as_of=f.as_of,
            committed_at=f.at.astimezone(UTC),
        )

    with _Helper([jobs[i] for i in sent], settings) as helper:
        step("保存区县名单和边界，建立各区县填报员账号")
        geojson = packaged_file(_DISTRICTS_FILE)
        districts = DistrictTable.from_geojson(geojson)
        outcomes = [
            store.commit_districts(
                districts,
                geojson,
                file_name=SHOWN_DISTRICTS_FILE,
                committed_by=EDITOR,
                role="editor",
            )
        ]
        _add_accounts(store)
        step("生成青澜市十周的台账")
        made.update((i, week_parts(jobs[i][0], jobs[i][1], settings)) for i in sorted(here))
        step(f"读取并检查 {dates[0].month}月{dates[0].day}日 的目标任务表格")
        data = packaged_file(_TARGETS_FILE)
        result = ingest_file(
            data,
            file_name=shown_file_name("targets", suffix=PurePath(_TARGETS_FILE).suffix),
            kind="targets",
            districts=districts,
            settings=settings,
        )
        issued = datetime.combine(dates[0] - timedelta(days=5), time(9, 30), LOCAL_TZ)
        outcomes.append(
            store.commit(
                result,
                data,
                committed_by=EDITOR,
                role="editor",
                as_of=dates[0],
                committed_at=issued.astimezone(UTC),
            )
        )
        i = 0
        for f in before:
            outcomes.append(commit_office(f, parts_of(i)))
            i += 1
        for week, as_of in enumerate(dates):
            parts: dict[str, dict[str, HistoryWeek]] = {}
            for kind in LEDGERS:
                if as_of == END_DATE:
                    step(f"读取并检查 {as_of.month}月{as_of.day}日 的{get_kind(kind).label}表格")
                parts[kind] = parts_of(i)
                i += 1
            files = {id(f): parts_of(i + k) for k, f in enumerate(weekly[week])}
            i += len(weekly[week])
            sittings: list[tuple[datetime, Clerk | _OfficeFile]] = [
                (submitted_at(c, as_of), c) for c in CLERKS
            ]
            sittings += [(f.at, f) for f in weekly[week]]
            for when, who in sorted(sittings, key=lambda s: s[0]):
                if isinstance(who, _OfficeFile):
                    outcomes.append(commit_office(who, files[id(who)]))
                else:
                    step(f"保存 {when.month}月{when.day}日 {who.district}报送的台账")
                    outcomes += _submit(store, who, as_of, parts)
    tell(total, total, "示例城市已载入")
    return outcomes


@cache
def _simulated() -> SampleCity:
    return simulate()


@cache
def _simulated_rounds() -> pd.DataFrame:
    return simulate_assessments()


@cache
def _sample_districts() -> DistrictTable:
    return DistrictTable.from_geojson(packaged_file(_DISTRICTS_FILE))


_WHOLE_CITY = ""
"""The key of a whole-city file among `week_parts`' parts."""


def week_parts(
    kind: str, as_of: date, settings: Settings = DEFAULT_SETTINGS
) -> dict[str, HistoryWeek]:
    """District → its part of ledger `kind` for the week ending `as_of`, as `load_sample`
    commits them: `latest_parts` for the last week, `history_parts` of the simulation before.

    The office's whole-city files are the one part "": the contacts list (packaged, read by
    ingest), and the report of the 测评 round that ends on `as_of` (the latest round's packaged
    workbook read by ingest, an earlier round's `history_round`)."""
    if kind == "contacts":
        shown = shown_file_name(kind, suffix=PurePath(CONTACTS_FILE).suffix)
        return {
            _WHOLE_CITY: _whole_city_file(CONTACTS_FILE, kind, shown, _sample_districts(), settings)
        }
    if kind == "assessments":
        (rnd,) = [r for r in ROUNDS if r.as_of == as_of]
        if rnd == ROUNDS[-1]:
            shown = f"{rnd.name}结果{PurePath(ROUND_FILE).suffix}"
            part = _whole_city_file(ROUND_FILE, kind, shown, _sample_districts(), settings)
        else:
            part = history_round(rnd, settings)
        return {_WHOLE_CITY: part}
    if as_of == END_DATE:
        return latest_parts(kind, _sample_districts(), settings)
    return history_parts(_simulated(), kind, as_of, settings)


class _Helper:
    """The helper process of `load_sample` (`python -m civdash.sample.helper`), making
    `week_parts` of each of its jobs in order and sending them back pickled, and the thread
    reading them as they come. Where it cannot start, or fails, `result` says None and
    `load_sample` makes the parts itself: the sample city loads all the same, only slower."""

    def __init__(self, jobs: list[tuple[str, date]], settings: Settings) -> None:
        self._results: list[dict[str, HistoryWeek]] = []
        self._arrived = threading.Condition()
        self._done = not jobs
        self._proc: subprocess.Popen[bytes] | None = None
        if self._done:
            return
        here = str(PurePath(__file__).parents[2])  # where this `civdash` is imported from
        paths = [here, *filter(None, [os.environ.get("PYTHONPATH")])]
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "civdash.sample.helper"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env={**os.environ, "PYTHONPATH": os.pathsep.join(paths)},
            )
        except OSError:
            self._done = True
            return
        threading.Thread(
            target=self._read, args=(jobs, settings), name="civdash-sample", daemon=True
        ).start()

    def _read(self, jobs: list[tuple[str, date]], settings: Settings) -> None:
        proc = self._proc
        assert proc is not None and proc.stdin is not None and proc.stdout is not None
        try:
            pickle.dump((jobs, settings), proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            proc.stdin.close()
            for _ in jobs:
                parts = pickle.load(proc.stdout)
                with self._arrived:
                    self._results.append(parts)
                    self._arrived.notify_all()
        except (OSError, EOFError, pickle.UnpicklingError):
            pass  # the helper failed: `_made_parts` makes the rest itself
        finally:
            with self._arrived:
                self._done = True
                self._arrived.notify_all()

    def result(self, i: int) -> dict[str, HistoryWeek] | None:
        """The helper's `i`th result, once it has come; None when the helper stopped before."""
        with self._arrived:
            self._arrived.wait_for(lambda: len(self._results) > i or self._done)
            return self._results[i] if len(self._results) > i else None

    def __enter__(self) -> _Helper:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the helper (it has finished, unless loading failed) and let its pipes go."""
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()
        for pipe in (self._proc.stdin, self._proc.stdout):
            if pipe is not None and not pipe.closed:
                pipe.close()


def _add_accounts(store: Store) -> None:
    """The editor's and the clerks' accounts, without passwords, unless they exist."""
    accounts = Accounts(store)
    wanted = [(EDITOR, "editor", None), *((c.name, "district", c.district) for c in CLERKS)]
    for name, role, district in wanted:
        if accounts.get(name) is None:
            accounts.add(name, role, district=district, actor=SAMPLE_BY)


def _submit(
    store: Store, clerk: Clerk, as_of: date, parts: Mapping[str, Mapping[str, HistoryWeek]]
) -> list[CommitOutcome]:
    """`clerk` commits their district's part of each ledger of the week ending `as_of`."""
    out = []
    for kind in LEDGERS:
        part = parts[kind].get(clerk.district)
        if part is None:
            continue
        out.append(
            store.commit(
                part.result,
                part.data,
                committed_by=clerk.name,
                role="district",
                district=clerk.district,
                as_of=as_of,
                committed_at=submitted_at(clerk, as_of, kind).astimezone(UTC),
            )
        )
    return out
