"""Ingest: turn one spreadsheet into a clean, validated ledger and its problems.

read (civdash.io) → match headers (civdash.ledgers.matching) → normalise values
(civdash.normalize) → validate (pandera schemas in civdash.validation) → `IngestResult`.
Nothing is stored here; `civdash.store.Store.commit` stores a result.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from civdash.config import DEFAULT_SETTINGS, Settings
from civdash.districts import DistrictTable
from civdash.geo import to_wgs84
from civdash.io import FileRefused, RawTable, read_table
from civdash.ledgers import LEDGER_KINDS, get_kind
from civdash.ledgers.base import Field, LedgerKind
from civdash.ledgers.matching import ColumnMatch, match_columns
from civdash.metrics import METRICS, star_level
from civdash.normalize import (
    PARSERS,
    Parsed,
    _cell_text,
    clean_text,
    parse_bool,
    parse_issue_status,
    parse_title,
    stable_id,
)
from civdash.problems import Problem, Severity, problems_frame
from civdash.validation import schema_failures

SOURCE_ROW = "source_row"
"""Column of `IngestResult.rows` holding each row's number as the spreadsheet shows it."""


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
        }


def _dtype_for(f: Field) -> str:
    return {
        "date": "datetime64[s]",
        "float": "float64",
        "int": "Int64",
        "bool": "bool",
    }.get(f.type, "str")


def _empty_column(f: Field, index: pd.Index) -> pd.Series:
    if f.type == "bool":
        return pd.Series(False, index=index, dtype="bool")
    return pd.Series(pd.NA if f.type == "int" else None, index=index, dtype=_dtype_for(f))


def _message(row: int | None, label: str, value: str, reason: str, fix: str) -> str:
    where = f"第 {row} 行" if row is not None else "表头中"
    shown = f"为 {value}，" if value else ""
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
        self.items.append(
            Problem(row, f.name, text, _message(row, f.label, text, *problem), severity)
        )

    def add_parsed(self, f: Field, parsed: Parsed, column: int | None) -> None:
        for row, problem in parsed.errors.items():
            self.add(int(row), f, problem, column=column)
        for row, problem in parsed.warnings.items():
            self.add(int(row), f, problem, severity="warning", column=column)


def _looks_like_status(raw: pd.Series) -> bool:
    uniques = clean_text(raw).dropna().unique()[:200]
    if len(uniques) == 0:
        return False
    known = parse_issue_status(pd.Series(uniques))
    return len(known.errors) <= 0.2 * len(uniques)


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
) -> IngestResult:
    """Match, normalise and validate a table already read by `civdash.io.read_table`.

    The app calls this again when the user changes the kind or the column mapping, without
    reading the file again.
    """
    kind = choose_kind(raw) if kind in ("", "auto", None) else kind
    k = get_kind(kind)
    match = match_columns(kind, raw.headers, mapping)
    by_field = match.by_field
    body = raw.body
    if len(body) == 0:
        raise FileRefused("文件只有表头，没有数据行，请填写数据后重新上传。")
    index = body.index
    problems = _Collector(raw, match)

    # 整改情况 holding statuses (已完成/未整改) is the status column, not free-text measures
    if (
        kind == "issues"
        and "status" not in by_field
        and "measures" in by_field
        and _looks_like_status(body[by_field["measures"]])
    ):
        by_field["status"] = by_field.pop("measures")

    values: dict[str, pd.Series] = {}
    for f in k.input_fields:
        col: int | None = by_field.get(f.name)
        if col is None:
            continue
        parser = PARSERS[f.parser or f.type]
        extra: dict[str, object] = {"districts": districts}
        if f.name == "deadline":
            extra["found_on"] = values.get("found_on")
        parsed = parser(body[col], **extra)
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

    frame = pd.DataFrame(index=index)
    for f in k.fields:
        v = values.get(f.name)
        frame[f.name] = _empty_column(f, index) if v is None else v.astype(_dtype_for(f))

    _derive(kind, frame, values, problems, raw, districts, crs, settings)

    schema_input = frame.drop(columns=[n for n in missing if n in frame], errors="ignore")
    for row, name, reason, fix in schema_failures(kind, schema_input):
        if (row, name) not in problems.error_cells:
            problems.add(row, k.field(name), (reason, fix), column=by_field.get(name))

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
        as_of=raw.as_of,
        file_name=file_name,
        sha256=sha256,
        invalid_rows=tuple(sorted(bad_rows)),
    )


def _derive(
    kind: str,
    frame: pd.DataFrame,
    values: Mapping[str, pd.Series],
    problems: _Collector,
    raw: RawTable,
    districts: DistrictTable | None,
    crs: str | None,
    settings: Settings,
) -> None:
    """Columns computed from others: ids, star level, percent targets, coordinate checks."""
    k = get_kind(kind)
    by_field = problems.match.by_field
    if kind == "units" and "unit_id" not in values:
        frame["unit_id"] = stable_id("U", frame["unit_name"], frame["district"])
    if kind == "issues" and "issue_id" not in values:
        frame["issue_id"] = stable_id(
            "Q",
            frame["found_on"].astype("str"),
            frame["district"],
            frame["location"],
            frame["description"],
            frame["responsible_unit"],
        )
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
    if kind == "volunteers":
        frame["star_level"] = star_level(frame["hours"], settings.star_thresholds)
    if kind == "targets" and "metric" in values:
        _targets_in_percent(frame, values)
    if kind == "issues":
        long_term = values["deadline"].attrs.get("long_term") if "deadline" in values else None
        if long_term is not None and long_term.any():
            frame.loc[long_term & frame["status"].isna(), "status"] = "长期整改"
        early = (
            frame["rectified_on"].notna()
            & frame["found_on"].notna()
            & (frame["rectified_on"] < frame["found_on"])
        )
        for row in early[early].index:
            problems.add(
                int(row),
                k.field("rectified_on"),
                ("早于发现日期", "请核对整改完成日期"),
                severity="warning",
                column=by_field.get("rectified_on"),
            )
    if "lat" in k.field_names and ("lat" in values or "lon" in values):
        _check_coordinates(frame, problems, k, districts, crs or raw.crs_hint)


def _targets_in_percent(frame: pd.DataFrame, values: Mapping[str, pd.Series]) -> None:
    rate = frame["metric"].map(lambda m: bool(m in METRICS and METRICS[m].is_rate)).astype(bool)
    explicit = values["target"].attrs.get("explicit_percent")
    if explicit is None:
        explicit = pd.Series(False, index=frame.index)
    share = rate & ~explicit.astype(bool) & frame["target"].gt(0) & frame["target"].le(1)
    frame.loc[share, "target"] = frame.loc[share, "target"] * 100


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


def choose_kind(raw: RawTable) -> str:
    """The ledger kind whose fields the header matches best; refuse when none matches."""
    scores = {k: raw.kind_scores.get(k, 0.0) for k in LEDGER_KINDS}
    best = max(scores, key=lambda k: scores[k])
    if scores[best] < 2.0:
        raise FileRefused(
            "未识别出台账类型：表头中没有找到创建单位、志愿者、问题整改或目标任务台账的列名，"
            "请检查表头或手动选择台账类型。"
        )
    return best


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def ingest_file(
    source: bytes | str | Path,
    *,
    file_name: str | None = None,
    kind: str = "auto",
    sheet: str | None = None,
    header_row: int | None = None,
    mapping: Mapping[str, str] | None = None,
    districts: DistrictTable | None = None,
    crs: str | None = None,
    settings: Settings = DEFAULT_SETTINGS,
) -> IngestResult:
    """Read, match, normalise and validate one ledger file. Raises `FileRefused` when the file
    cannot be read at all (encrypted, not a spreadsheet, too large, no recognisable ledger).

    >>> result = ingest_file("sample_data/city/targets.xlsx")   # doctest: +SKIP
    >>> result.kind, result.rows_valid                          # doctest: +SKIP
    ('targets', 12)
    """
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
        header_row=header_row,
        settings=settings,
    )
    return ingest_table(
        raw,
        kind=kind,
        mapping=mapping,
        districts=districts,
        crs=crs,
        settings=settings,
        file_name=file_name or "",
        sha256=file_sha256(data),
    )


def read_districts(source: str | Path, *, file_name: str | None = None) -> DistrictTable:
    """The city's districts from a GeoJSON FeatureCollection or a sheet with 区县 / 常住人口.

    A sheet gives names and populations but no map.
    """
    path = Path(source)
    return districts_from_bytes(path.read_bytes(), file_name or path.name)


def districts_from_bytes(data: bytes, file_name: str) -> DistrictTable:
    """`read_districts` for a file's bytes (an upload). Raises `FileRefused` with one Chinese
    sentence when the file cannot serve as a district table."""
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{") or file_name.lower().endswith((".geojson", ".json")):
        try:
            return DistrictTable.from_geojson(data)
        except UnicodeDecodeError as exc:
            raise FileRefused("区县边界文件不是 UTF-8 编码的 GeoJSON，请转换编码后上传。") from exc
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            message = str(exc) if isinstance(exc, ValueError) and str(exc) else ""
            raise FileRefused(
                message
                if message.endswith("。")
                else "区县边界文件不是有效的 GeoJSON，请检查文件内容。"
            ) from exc
    result = ingest_table(read_table(data, file_name, kind="districts"), kind="districts")
    errors = [p.message for p in result.problems if p.severity == "error"]
    if errors:
        raise FileRefused("区县表有误：" + errors[0])
    # blanks as None: DistrictTable.from_records takes a NaN alias for a list of aliases
    records = result.rows.drop(columns=SOURCE_ROW).astype(object)
    records = records.where(records.notna(), None)
    table = DistrictTable.from_records(records.to_dict("records"))
    if not table.districts:
        raise FileRefused("区县表中没有任何区县，请检查文件内容。")
    return table
