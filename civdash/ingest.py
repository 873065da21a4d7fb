"""Ingest: turn one spreadsheet into a clean, validated ledger and its problems.

read (civdash.io) → match headers (civdash.ledgers.matching) → normalise values
(civdash.normalize) → validate (pandera schemas in civdash.validation) → `IngestResult`.
Nothing is stored here; `civdash.store.Store.commit` stores a result.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from civdash.config import DEFAULT_SETTINGS, Settings
from civdash.districts import (
    DistrictTable,
    PopulationMerge,
    boundary_crs,
    is_datav,
    load_geojson,
    merge_population,
)
from civdash.geo import to_wgs84
from civdash.io import FileRefused, RawTable, read_table
from civdash.io.reader import SHEET_COLUMN, SHEET_ROW_STRIDE
from civdash.ledgers import LEDGER_KINDS, get_kind
from civdash.ledgers.base import DeriveContext, Field, LedgerKind
from civdash.ledgers.matching import ColumnMatch, exact_matches, match_columns
from civdash.normalize import (
    Parsed,
    _cell_text,
    clean_text,
    parse_bool,
    parse_title,
    parser_for,
    stable_id,
)
from civdash.privacy import is_personal, looks_masked, mask_value
from civdash.problems import Problem, Severity, problems_frame, quote_cell

SOURCE_ROW = "source_row"
"""Column of `IngestResult.rows` holding each row's number as the spreadsheet shows it."""


@dataclass(frozen=True)
class SheetCount:
    """One sheet of a multi-sheet ledger: how many rows came from it, and how many were valid."""

    name: str
    rows_read: int
    rows_valid: int


@dataclass(frozen=True)
class IngestResult:
    """One file read and checked.

    `rows` holds the valid rows only: one column per field of the kind, in the registry's order
    (dates as datetime64 at midnight, floats float64, ints Int64, bools bool, text as str), plus
    `source_row`. Invalid rows are never in `rows`; `problems` says why.
    """

    kind: str
    sheet: str | None
    header_row: int | None
    rows_read: int
    rows: pd.DataFrame
    problems: list[Problem]
    columns: dict[str, str]
    as_of: date | None
    file_name: str = ""
    sha256: str = ""
    invalid_rows: tuple[int, ...] = ()
    warnings: tuple[str, ...] = field(default=())
    sheets: tuple[SheetCount, ...] = ()
    """Rows read and valid per sheet, when the table was read from several sheets."""
    skipped_sheets: tuple[tuple[str, str], ...] = ()
    """(sheet, reason) of the workbook's sheets that were not read (other layout, hidden …)."""

    @property
    def rows_valid(self) -> int:
        return len(self.rows)

    @property
    def rows_invalid(self) -> int:
        return self.rows_read - len(self.rows)

    def problems_frame(self) -> pd.DataFrame:
        return problems_frame(self.problems)

    def summary(self) -> dict[str, object]:
        """The `--json` object of the CLI contract."""
        return {
            "kind": self.kind,
            "sheet": self.sheet,
            "header_row": self.header_row,
            "rows_read": self.rows_read,
            "rows_valid": self.rows_valid,
            "rows_invalid": self.rows_invalid,
            "columns": self.columns,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "problems": [p.to_dict() for p in self.problems],
            **(
                {
                    "sheets": [
                        {"name": c.name, "rows_read": c.rows_read, "rows_valid": c.rows_valid}
                        for c in self.sheets
                    ],
                }
                if self.sheets
                else {}
            ),
            **(
                {"skipped_sheets": [{"name": n, "reason": r} for n, r in self.skipped_sheets]}
                if self.skipped_sheets
                else {}
            ),
        }


def _dtype_for(f: Field) -> str:
    return {
        "date": "datetime64[s]",
        "float": "float64",
        "int": "Int64",
        "bool": "bool",
    }.get(f.type, "str")


def _empty_column(f: Field, index: pd.Index) -> pd.Series:
    """A field no column supplies reads as a column of blank cells would: an absent 是否党员
    is false, an absent target's 区县 is "" (city-wide), anything else is missing."""
    blank = parser_for(f)(pd.Series([None], dtype=object)).values.iat[0]
    return pd.Series(blank, index=index, dtype=_dtype_for(f))


def _message(where: str, label: str, value: str, reason: str, fix: str) -> str:
    shown = f"为 {quote_cell(value)}，" if value else ""
    return f"{where}『{label}』{shown}{reason}，{fix}。"


class _Collector:
    """Problems of one file, with the raw cell text looked up only for the cells that failed."""

    def __init__(self, raw: RawTable, match: ColumnMatch) -> None:
        self.raw = raw
        self.match = match
        self.items: list[Problem] = []
        self.error_cells: set[tuple[int, str]] = set()

    def raw_value(self, row: int, column: int | None) -> str:
        if column is None:
            return ""
        cell = self.raw.body.at[row, column] if row in self.raw.body.index else None
        if cell is None or (not isinstance(cell, str) and pd.isna(cell)):
            return ""
        return str(_cell_text(cell))

    def add(
        self,
        row: int,
        f: Field,
        problem: tuple[str, str],
        *,
        severity: Severity = "error",
        column: int | None = None,
        value: str | None = None,
    ) -> None:
        if severity == "error":
            if (row, f.name) in self.error_cells:
                return
            self.error_cells.add((row, f.name))
        text = value if value is not None else self.raw_value(row, column)
        sheet, sheet_row = self.raw.locate(row)
        # the value keeps the raw text (shown masked); a message quotes a personal one masked
        quoted = mask_value(text, f.personal) if f.personal and text else text
        message = _message(self.raw.row_label(row), f.label, quoted, *problem)
        self.items.append(Problem(row, f.name, text, message, severity, sheet, sheet_row))

    def add_parsed(self, f: Field, parsed: Parsed, column: int | None) -> None:
        for row, problem in parsed.errors.items():
            self.add(int(row), f, problem, column=column)
        for row, problem in parsed.warnings.items():
            self.add(int(row), f, problem, severity="warning", column=column)


def _outside_scope(frame: pd.DataFrame, k: LedgerKind, scope: str, problems: _Collector) -> None:
    """A district's part holds its own district's rows: each other row is an error naming it."""
    by = k.narrow_by
    values = frame[by]
    other = values.notna() & (values != scope)
    column = problems.match.by_field.get(by)
    for row, value in values[other].items():
        if (int(row), by) in problems.error_cells:
            continue
        problems.add(
            int(row),
            k.field(by),
            (f"不是{scope}的数据", f"您只能提交{scope}的数据，请删除该行或交由{value}报送"),
            column=column,
        )


def _refuse_masked(parsed: Parsed) -> Parsed:
    """Masked personal values (138****8000 from an error report sent back) are not numbers: each
    is left blank with a warning, so a mask never overwrites the real number."""
    masked = looks_masked(parsed.values)
    if not masked.any():
        return parsed
    warnings = dict(parsed.warnings)
    for row in masked[masked].index:
        warnings[int(row)] = (
            "是脱敏后的号码，未导入",
            "请在原表格中修改后上传原表格，或填写完整号码",
        )
    return Parsed(parsed.values.where(~masked), parsed.errors, warnings)


def _fits(f: Field, raw: pd.Series) -> bool:
    """Do a column's values read as `f`'s (at most one in five distinct values unreadable)?"""
    uniques = clean_text(raw).dropna().unique()[:200]
    if len(uniques) == 0:
        return False
    known = parser_for(f)(pd.Series(uniques))
    return len(known.errors) + len(known.warnings) <= 0.2 * len(uniques)


def ingest_table(
    raw: RawTable,
    *,
    kind: str = "auto",
    mapping: Mapping[str, str] | None = None,
    districts: DistrictTable | None = None,
    crs: str | None = None,
    settings: Settings = DEFAULT_SETTINGS,
    file_name: str = "",
    sha256: str = "",
    scope: str | None = None,
) -> IngestResult:
    """Match, normalise and validate a table already read by `civdash.io.read_table`.

    The app calls this again when the user changes the kind or the column mapping, without
    reading the file again. With `scope` (a district clerk's part), a row of another district
    is an error that names the district.
    """
    kind = choose_kind(raw) if kind in ("", "auto", None) else kind
    k = get_kind(kind)
    if SHEET_COLUMN in raw.headers and SHEET_COLUMN not in (mapping or {}):
        target = _sheet_name_field(raw, k, match_columns(kind, raw.headers, mapping), districts)
        if target is not None:
            mapping = {**(mapping or {}), SHEET_COLUMN: target}
    match = match_columns(kind, raw.headers, mapping)
    by_field = match.by_field
    body = raw.body
    if len(body) == 0:
        raise FileRefused("文件只有表头，没有数据行，请填写数据后重新上传。")
    index = body.index
    problems = _Collector(raw, match)

    # a field may take another's column when the values are its own: an 整改情况 column
    # holding 已完成/未整改 is the status column, not free-text measures
    for f in k.input_fields:
        lender = f.borrows
        borrow = lender and f.name not in by_field and lender in by_field
        if borrow and _fits(f, body[by_field[lender]]):
            by_field[f.name] = by_field.pop(lender)

    values: dict[str, pd.Series] = {}
    for f in k.input_fields:
        col: int | None = by_field.get(f.name)
        if col is None:
            continue
        extra: dict[str, object] = {"districts": districts}
        if f.base:
            extra["base"] = values.get(f.base)
        parsed = parser_for(f)(body[col], **extra)
        if is_personal(kind, f.name):
            parsed = _refuse_masked(parsed)
        problems.add_parsed(f, parsed, col)
        values[f.name] = parsed.values
    for header, targets in k.extra_headers.items():
        col = by_field.get(header)
        if col is None:
            continue
        if targets == ("is_party_member",):
            parsed = parse_bool(body[col], political=True)
            problems.add_parsed(k.field("is_party_member"), parsed, col)
            values["is_party_member"] = parsed.values
        elif targets == ("level", "category"):
            level, category = parse_title(body[col])
            problems.add_parsed(k.field("category"), category, col)
            values.setdefault("level", level.values)
            values.setdefault("category", category.values)

    missing = [f for f in k.required if f not in values]
    for name in missing:
        f = k.field(name)
        problems.items.append(
            Problem(
                raw.header_row,
                name,
                "",
                f"表头中缺少必填列『{f.label}』，请在表头中添加该列，或在列对应关系中指定哪一列是『{f.label}』。",
                "error",
            )
        )

    for group in k.missing_groups(values):
        labels = "』或『".join(k.field(name).label for name in group)
        problems.items.append(
            Problem(
                raw.header_row,
                group[0],
                "",
                f"表头中缺少『{labels}』列，至少要有其中一列，请在表头中添加，或在列对应关系中指定。",
                "error",
            )
        )
        missing.append(group[0])

    frame = pd.DataFrame(index=index)
    for f in k.fields:
        v = values.get(f.name)
        frame[f.name] = _empty_column(f, index) if v is None else v.astype(_dtype_for(f))

    _derive(k, frame, values, problems, raw, districts, crs, settings)

    from civdash.validation import schema_failures  # pandera: loaded when first validating

    schema_input = frame.drop(columns=[n for n in missing if n in frame], errors="ignore")
    for row, name, reason, fix in schema_failures(kind, schema_input):
        if (row, name) not in problems.error_cells:
            problems.add(row, k.field(name), (reason, fix), column=by_field.get(name))

    if scope and k.narrow_by and k.narrow_by in values:
        _outside_scope(frame, k, scope, problems)
    bad_rows = {r for r, _ in problems.error_cells}
    if missing:
        bad_rows = set(index)
    valid = frame[~index.isin(list(bad_rows))] if bad_rows else frame
    valid = valid.copy()
    valid[SOURCE_ROW] = valid.index.astype("int64")
    valid = valid.reset_index(drop=True)
    order = {f.name: i for i, f in enumerate(k.fields)}
    problems.items.sort(key=lambda p: (p.row or 0, order.get(p.field, 99), p.severity))
    return IngestResult(
        kind=kind,
        sheet=raw.sheet,
        header_row=raw.header_row,
        rows_read=len(index),
        rows=valid,
        problems=problems.items,
        columns=ColumnMatch(
            kind, match.headers, {c: f for f, c in by_field.items()}
        ).source_to_field(),
        as_of=raw.as_of or _latest_date(valid, k.as_of_from),
        file_name=file_name,
        sha256=sha256,
        invalid_rows=tuple(sorted(bad_rows)),
        sheets=_sheet_counts(raw, index, valid[SOURCE_ROW]),
        skipped_sheets=raw.skipped_sheets,
    )


def _latest_date(rows: pd.DataFrame, name: str) -> date | None:
    """The latest date in column `name` of `rows` (a kind's `as_of_from`), or None."""
    if not name or name not in rows.columns or rows.empty:
        return None
    latest = pd.to_datetime(rows[name], errors="coerce").max()
    return None if pd.isna(latest) else latest.date()


def _sheet_counts(raw: RawTable, read: pd.Index, valid: pd.Series) -> tuple[SheetCount, ...]:
    if not raw.multi_sheet:
        return ()
    read_at = np.asarray(read, dtype=np.int64) // SHEET_ROW_STRIDE
    valid_at = valid.to_numpy(dtype=np.int64) // SHEET_ROW_STRIDE
    return tuple(
        SheetCount(p.name, int((read_at == k).sum()), int((valid_at == k).sum()))
        for k, p in enumerate(raw.parts)
    )


def _derive(
    k: LedgerKind,
    frame: pd.DataFrame,
    values: Mapping[str, pd.Series],
    problems: _Collector,
    raw: RawTable,
    districts: DistrictTable | None,
    crs: str | None,
    settings: Settings,
) -> None:
    """Columns computed from others and the kind's own rules: generated ids, duplicate ids,
    the kind's `derive` hook and whole-table `checks`, coordinate checks."""
    by_field = problems.match.by_field
    if k.id_from and frame[k.id_field].isna().any():
        # 可不填: a blank id, like a file without the id column, is made from what identifies
        # the row, so that the same row gets the same id in next week's file
        made = stable_id(k.id_prefix, *(frame[p].astype("str") for p in k.id_from))
        frame[k.id_field] = frame[k.id_field].fillna(made)
    if k.id_field and k.id_field in values:
        ids = frame[k.id_field]
        dup = ids.notna() & ids.duplicated(keep="first")
        if dup.any():
            first = ids[ids.notna()].groupby(ids[ids.notna()]).head(1)
            first_row = pd.Series(first.index, index=first.to_numpy())
            f = k.field(k.id_field)
            for row, value in ids[dup].items():
                problems.add(
                    int(row),
                    f,
                    (
                        f"与第 {int(first_row[value])} 行重复",
                        "编号在一个文件中不能重复，请核对后删除或更正重复行",
                    ),
                    column=by_field.get(k.id_field),
                )

    def add(row: int, name: str, problem: tuple[str, str], *, severity: Severity = "error") -> None:
        problems.add(row, k.field(name), problem, severity=severity, column=by_field.get(name))

    context = DeriveContext(frame, values, settings, add, raw.row_label)
    for step in (k.derive, *k.checks):
        if step is not None:
            step(context)
    if "lat" in k.field_names and ("lat" in values or "lon" in values):
        _check_coordinates(frame, problems, k, districts, crs or raw.crs_hint)


def _check_coordinates(
    frame: pd.DataFrame,
    problems: _Collector,
    k: LedgerKind,
    districts: DistrictTable | None,
    crs: str | None,
) -> None:
    """Convert GCJ-02/BD-09 to WGS-84; swap lat/lon back when that lands in the city; drop
    (0, 0) and points outside the city's bounds with a warning. The row always stays."""
    lat = frame["lat"].to_numpy(dtype=float, na_value=np.nan)
    lon = frame["lon"].to_numpy(dtype=float, na_value=np.nan)
    both = ~np.isnan(lat) & ~np.isnan(lon)
    if not both.any():
        return
    lat, lon = to_wgs84(lat, lon, crs)
    lat = np.where(both, lat, np.nan)
    lon = np.where(both, lon, np.nan)
    bounds = districts.bounds() if districts else None
    if bounds is not None:
        pad = 0.02
        lo_lat, lo_lon, hi_lat, hi_lon = (
            bounds[0] - pad,
            bounds[1] - pad,
            bounds[2] + pad,
            bounds[3] + pad,
        )
    else:
        lo_lat, lo_lon, hi_lat, hi_lon = -90.0, -180.0, 90.0, 180.0

    def inside(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return (a >= lo_lat) & (a <= hi_lat) & (b >= lo_lon) & (b <= hi_lon)

    zero = both & (np.abs(lat) < 1e-9) & (np.abs(lon) < 1e-9)
    ok = both & inside(lat, lon) & ~zero
    swapped = both & ~ok & ~zero & inside(lon, lat)
    dropped = both & ~ok & ~swapped
    fl, fo = k.field("lat"), k.field("lon")
    by_field = problems.match.by_field
    idx = frame.index
    for i in np.flatnonzero(swapped):
        row = int(idx[i])
        problems.add(
            row,
            fl,
            ("与经度填反了", "已自动对调，请在原表中更正"),
            severity="warning",
            column=by_field.get("lat"),
        )
    for i in np.flatnonzero(dropped):
        row = int(idx[i])
        reason = "为 (0, 0)，不是有效坐标" if zero[i] else "不在本市范围内"
        problems.add(
            row,
            fl,
            (reason, "已忽略该坐标（该行保留），请核对经纬度"),
            severity="warning",
            column=by_field.get("lat"),
            value=f"{frame['lat'].iat[i]}, {frame['lon'].iat[i]}",
        )
    new_lat = np.where(swapped, lon, np.where(ok, lat, np.nan))
    new_lon = np.where(swapped, lat, np.where(ok, lon, np.nan))
    frame["lat"] = new_lat
    frame["lon"] = new_lon
    _ = fo


_STREET_SUFFIXES = ("街道", "街道办事处", "办事处", "街办", "镇", "乡")
_DISTRICT_SUFFIXES = ("区", "县", "市", "旗")
_GENERIC_SHEET = re.compile(
    r"^(?:sheet|工作表|表|页|第.+页|\d+月|[一二三四五六七八九十]+月|\d+)\s*\d*$", re.IGNORECASE
)


def _sheet_name_field(
    raw: RawTable, k: LedgerKind, match: ColumnMatch, districts: DistrictTable | None
) -> str | None:
    """The field the sheet names supply, for a workbook with one sheet per district, street,
    team or department and no column of its own for it: the first of the kind's `sheet_fields`
    that no column feeds and that the names fit (districts resolve; streets end in 街道/镇/乡).

    The names are those of the `SHEET_COLUMN` a multi-sheet read adds (an error report made
    from such a read keeps the column, so the fixed report is read the same way)."""
    column = raw.body[raw.headers.index(SHEET_COLUMN)]
    names = [str(n).strip() for n in column.dropna().unique()]
    if not names:
        return None
    taken = set(match.by_field)
    for name in k.sheet_fields:
        if name in taken:
            continue
        if name == "district":
            fits = all(
                districts.resolve(n) is not None if districts else n.endswith(_DISTRICT_SUFFIXES)
                for n in names
            )
        elif name == "street":
            fits = all(n.endswith(_STREET_SUFFIXES) for n in names)
        else:
            fits = not any(_GENERIC_SHEET.match(n) for n in names)
        if fits:
            return name
    return None


def choose_kind(raw: RawTable) -> str:
    """The ledger kind whose fields the header matches best; refuse when none matches."""
    scores = {k: raw.kind_scores.get(k, 0.0) for k in LEDGER_KINDS}
    best = max(scores, key=lambda k: scores[k])
    if scores[best] < 2.0 or exact_matches(best, raw.headers) == 0:
        raise FileRefused(
            no_ledger_message(
                raw, "请检查表头，或指定台账类型和列对应（命令行用 --kind 和 --map）。"
            )
        )
    return best


def no_ledger_message(raw: RawTable, what_to_do: str) -> str:
    """Why a file is no ledger kind, naming the header it was judged by: "未识别出台账类型：第 1 行
    表头（留言编号、留言用户、留言主题 等）中没有……的列名，…"."""
    named = [h for h in raw.headers if h and not h.startswith("列")][:4]
    shown = "、".join(quote_cell(h, 12) for h in named)
    more = " 等" if len(named) < len([h for h in raw.headers if h]) else ""
    where = f"第 {raw.header_row} 行表头（{shown}{more}）中" if shown else "表头中"
    labels = [get_kind(k).label for k in LEDGER_KINDS]
    kinds = "或".join(("、".join(labels[:-1]), labels[-1])) if len(labels) > 1 else labels[0]
    return f"未识别出台账类型：{where}没有{kinds}台账的列名，{what_to_do}"


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def ingest_file(
    source: bytes | str | Path,
    *,
    file_name: str | None = None,
    kind: str = "auto",
    sheet: str | None = None,
    sheets: Sequence[str] | None = None,
    header_row: int | None = None,
    mapping: Mapping[str, str] | None = None,
    districts: DistrictTable | None = None,
    crs: str | None = None,
    settings: Settings = DEFAULT_SETTINGS,
    scope: str | None = None,
) -> IngestResult:
    """Read, match, normalise and validate one ledger file. Raises `FileRefused` when the file
    cannot be read at all (encrypted, not a spreadsheet, too large, no recognisable ledger).

    >>> result = ingest_file("sample_data/city/targets.xlsx")   # doctest: +SKIP
    >>> result.kind, result.rows_valid                          # doctest: +SKIP
    ('targets', 12)
    """
    read = read_file(
        source,
        file_name=file_name,
        kind=kind,
        sheet=sheet,
        sheets=sheets,
        header_row=header_row,
        mapping=mapping,
        settings=settings,
    )
    return ingest_table(
        read.raw,
        kind=kind,
        mapping=mapping,
        districts=districts,
        crs=crs,
        settings=settings,
        file_name=read.file_name,
        sha256=read.sha256,
        scope=scope,
    )


@dataclass(frozen=True)
class ReadFile:
    """A ledger file as read, before its columns are matched (`read_file`)."""

    raw: RawTable
    file_name: str
    sha256: str


def read_file(
    source: bytes | str | Path,
    *,
    file_name: str | None = None,
    kind: str = "auto",
    sheet: str | None = None,
    sheets: Sequence[str] | None = None,
    header_row: int | None = None,
    mapping: Mapping[str, str] | None = None,
    settings: Settings = DEFAULT_SETTINGS,
) -> ReadFile:
    """The first half of `ingest_file`: the size check and `civdash.io.read_table`. Raises
    `FileRefused`. The command line reads with this while the store opens in another thread."""
    if isinstance(source, str | Path):
        path = Path(source)
        file_name = file_name or path.name
        if path.stat().st_size > settings.max_file_bytes:
            raise FileRefused(
                f"文件大小超过 {settings.max_file_bytes // (1024 * 1024)} MB 上限，请拆分后分批上传。"
            )
        data = path.read_bytes()
    else:
        data = source
    raw = read_table(
        data,
        file_name,
        kind=None if kind in ("", "auto") else kind,
        sheet=sheet,
        sheets=sheets,
        header_row=header_row,
        mapping=mapping,
        settings=settings,
    )
    return ReadFile(raw, file_name or "", file_sha256(data))


@dataclass(frozen=True)
class DistrictFile:
    """A district table as read from a boundary file or sheet, and how it was read."""

    table: DistrictTable
    file_name: str
    """The file's name; with a population sheet, both names: "杭州.json（常住人口：人口.csv）"."""
    content: bytes
    """What the stored snapshot is fingerprinted by: the file's bytes, followed by the coordinate
    system they were converted from and the population sheet's bytes when those shaped the table
    (so the same boundaries read another way are not mistaken for a duplicate)."""
    has_boundaries: bool
    """A GeoJSON file (False for a sheet of names and populations)."""
    datav: bool
    """A DataV / 阿里云 area file (`adcode` and `center` on every feature)."""
    crs: str
    """The coordinate system the boundaries were converted from ("WGS-84": kept as they were)."""
    crs_assumed: bool
    """GCJ-02 was taken because the file is a DataV file and no coordinate system was given."""
    population: PopulationMerge | None
    """How the population sheet's rows matched the districts, when there was one."""
    population_file: str | None
    """The population sheet's file name, when there was one."""


def read_districts(
    source: str | Path, *, file_name: str | None = None, crs: str | None = None
) -> DistrictTable:
    """The city's districts from a GeoJSON FeatureCollection or a sheet with 区县 / 常住人口.

    A sheet gives names and populations but no map. Boundaries are converted from `crs` to
    WGS-84; without `crs` a DataV / 阿里云 file is converted from GCJ-02 (see `load_districts`).
    """
    path = Path(source)
    return districts_from_bytes(path.read_bytes(), file_name or path.name, crs=crs)


def districts_from_bytes(data: bytes, file_name: str, *, crs: str | None = None) -> DistrictTable:
    """`read_districts` for a file's bytes (an upload). Raises `FileRefused` with one Chinese
    sentence when the file cannot serve as a district table."""
    return load_districts(data, file_name, crs=crs).table


def load_districts(
    data: bytes,
    file_name: str,
    *,
    crs: str | None = None,
    population: tuple[bytes, str] | None = None,
) -> DistrictFile:
    """Read a district table (GeoJSON boundaries or a sheet) and, optionally, take its
    population from a separate sheet (`population`: the sheet's bytes and file name).

    Boundaries are stored in WGS-84: `crs` ("GCJ-02", "BD-09", or "WGS-84" for no conversion)
    says what they are in; without it a DataV / 阿里云 file (`adcode` and `center` properties)
    is taken as GCJ-02 and anything else as WGS-84. The sheet is read as the districts ledger
    kind (区县 / 常住人口, or a 区划代码 / adcode column) and matched by code or by name
    (`civdash.districts.merge_population`). Raises `FileRefused` with one Chinese sentence.

    >>> read = load_districts(Path("330100_full.json").read_bytes(), "330100_full.json",
    ...                       population=(Path("人口.csv").read_bytes(), "人口.csv"))  # doctest: +SKIP
    >>> read.crs, read.crs_assumed, read.population.unmatched                    # doctest: +SKIP
    ('GCJ-02', True, ('临平',))
    """
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    name, content = file_name, data
    datav, code = False, "WGS-84"
    if head.startswith(b"{") or file_name.lower().endswith((".geojson", ".json")):
        collection = _geojson_collection(data)
        datav = is_datav(collection)
        try:
            code = boundary_crs(collection, crs)
            table = DistrictTable.from_geojson(collection, crs=code)
        except (ValueError, TypeError, AttributeError, KeyError, IndexError) as exc:
            raise _geojson_refusal(exc) from exc
        has_boundaries = True
    else:
        table = _district_sheet(data, file_name)
        has_boundaries = False
    if code != "WGS-84":
        content += b"\0civdash:crs=" + code.encode()
    merge = None
    if population is not None:
        pop_data, pop_name = population
        merge = merge_population(table, _district_sheet(pop_data, pop_name, codes_only=True))
        table = merge.table
        name = f"{file_name}（常住人口：{pop_name}）"
        content += b"\0civdash:population\0" + pop_data
    return DistrictFile(
        table=table,
        file_name=name,
        content=content,
        has_boundaries=has_boundaries,
        datav=datav,
        crs=code,
        crs_assumed=datav and not crs,
        population=merge,
        population_file=population[1] if population is not None else None,
    )


def _geojson_collection(data: bytes) -> Mapping[str, object]:
    try:
        return load_geojson(data)
    except UnicodeDecodeError as exc:
        raise FileRefused("区县边界文件不是 UTF-8 编码的 GeoJSON，请转换编码后上传。") from exc
    except (ValueError, TypeError) as exc:
        raise _geojson_refusal(exc) from exc


def _geojson_refusal(exc: Exception) -> FileRefused:
    message = str(exc) if isinstance(exc, ValueError) and str(exc) else ""
    return FileRefused(
        message if message.endswith("。") else "区县边界文件不是有效的 GeoJSON，请检查文件内容。"
    )


_CODE_HEADERS = {"adcode": "code"}
"""Header names of a division-code column the districts kind has no synonym for."""


def _district_sheet(data: bytes, file_name: str, *, codes_only: bool = False) -> DistrictTable:
    """A sheet of districts (区县, 常住人口, 区划代码, 别名) as a table without boundaries.

    With `codes_only` (a population sheet), a sheet whose rows name districts only by code
    (区划代码 / adcode, no 区县 column) is accepted too: the code stands in for the name, and
    refusals name the 常住人口表. A 常住人口 column headed in
    万人 ("常住人口（万人）") is converted to persons.
    """
    raw = read_table(data, file_name, kind="districts")
    mapping = dict(_CODE_HEADERS)
    if codes_only:
        match = match_columns("districts", raw.headers, mapping)
        if "name" not in match.by_field and "code" in match.by_field:
            mapping[raw.headers[match.by_field["code"]]] = "name"
    result = ingest_table(raw, kind="districts", mapping=mapping)
    errors = [p.message for p in result.problems if p.severity == "error"]
    if errors:
        raise FileRefused(("常住人口表有误：" if codes_only else "区县表有误：") + errors[0])
    # blanks as None: DistrictTable.from_records takes a NaN alias for a list of aliases
    records = result.rows.drop(columns=SOURCE_ROW).astype(object)
    records = records.where(records.notna(), None)
    population_header = next((h for h, f in result.columns.items() if f == "population"), "")
    if "万" in population_header:
        records["population"] = [
            None if p is None else float(round(float(p) * 10_000)) for p in records["population"]
        ]
    table = DistrictTable.from_records(records.to_dict("records"))
    if not table.districts:
        raise FileRefused("区县表中没有任何区县，请检查文件内容。")
    return table
