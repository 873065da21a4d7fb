"""`read_table`: any ledger file → one raw table (header texts + data rows with their row numbers).

The steps are the same for every format: sniff the format from the bytes, refuse what is unsafe,
look at the top of each sheet to choose the sheet and the header row, load the data rows once
(reading the sheet's merged ranges beside them), set aside blank, 合计 and footer rows, then give
each merged range in the data rows its value in every cell it covers (`civdash.io.merges`).
Values are otherwise returned as read; normalising them is the job of `civdash.normalize`.
"""

from __future__ import annotations

import logging
import threading
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from io import BytesIO
from pathlib import Path
from xml.etree.ElementTree import ParseError

import fastexcel
import numpy as np
import pandas as pd
import pyarrow as pa
from defusedxml import DefusedXmlException

from civdash.config import DEFAULT_SETTINGS, Settings
from civdash.io import messages as msg
from civdash.io.html_table import decode_html, parse_html
from civdash.io.layout import (
    PEEK_ROWS,
    Grid,
    Header,
    Scorer,
    cell_text,
    find_as_of,
    find_crs,
    find_header,
    is_instruction_sheet,
    split_body,
    title_text,
)
from civdash.io.merges import (
    Merges,
    as_merges,
    fill_merged,
    ods_merges,
    xls_merges,
    xlsx_merges,
)
from civdash.io.messages import FileRefused
from civdash.io.sniff import check_zip_safety, sniff_format
from civdash.io.spreadsheetml import body_frame, read_spreadsheetml
from civdash.io.text import (
    decode_text,
    line_offset,
    read_records_frame,
    sniff_delimiter,
    split_records,
)
from civdash.io.xlsx_peek import (
    SheetPart,
    SheetPeek,
    peek_sheet,
    resolve_shared_strings,
    workbook_parts,
)
from civdash.ledgers import REGISTRY, normalize_header
from civdash.ledgers.matching import header_scores

# fastexcel logs dtype fallbacks as warnings; without a handler Python would print them on stderr
logging.getLogger("fastexcel").addHandler(logging.NullHandler())

Source = bytes | str | Path


@dataclass(frozen=True)
class RawTable:
    """One sheet of a ledger file, as read: header texts and data rows, nothing normalised.

    `body` has one column per header (positions 0..n-1) and is indexed by the row numbers the
    spreadsheet shows (1-based; CSV record numbers; HTML <tr> order). Its values are as the file
    holds them: text, float64 or datetime64 columns; except that a merged range in the data rows
    (所属区县 merged over the rows that share it; an HTML rowspan/colspan) gives its top-left
    value to the empty cells it covers, as the clerk sees it.
    """

    file_format: str
    """"xlsx", "xlsm", "xls", "ods", "xml2003" (Excel 2003 XML), "csv" or "html", from the
    content."""
    sheet: str | None
    """The sheet read (None for CSV and HTML)."""
    sheets: tuple[str, ...]
    """Every sheet name, hidden ones included, for a sheet picker."""
    header_row: int
    """1-based row number of the (first) header row."""
    header_rows: int
    """1, or 2 for a two-row header (merged group cells above sub-headers)."""
    headers: tuple[str, ...]
    """One header text per body column; "列7" for a column that has data but no header."""
    body: pd.DataFrame
    kind_scores: dict[str, float]
    """`header_scores(headers)`: how well the header matches each ledger kind."""
    as_of: date | None
    """The date the title rows say the ledger is as of (截至/统计时间 …)."""
    title: str | None
    """The title rows above the header, one line per row."""
    skipped: tuple[tuple[int, str], ...]
    """(row number, reason) of rows that are not data: blank, 合计/小计/总计, footer and after."""
    encoding: str | None = None
    """The text encoding a CSV was read with."""
    crs_hint: str | None = None
    """"GCJ-02" or "BD-09" when the title, headers or footer name that coordinate system."""
    parts: tuple[SheetRows, ...] = ()
    """The sheets read into one table, when there are several (one sheet per district, street,
    department or team, same layout): their rows are numbered `offset` + the sheet's row number,
    and the last column, `SHEET_COLUMN`, holds each row's sheet name. Empty for one sheet."""
    skipped_sheets: tuple[tuple[str, str], ...] = ()
    """(sheet name, reason) of the sheets not read: other layouts (说明, 汇总), hidden, empty."""

    @property
    def multi_sheet(self) -> bool:
        return len(self.parts) > 1

    def locate(self, row: int) -> tuple[str | None, int]:
        """(sheet name, row number in that sheet) of a body row; the sheet is None when the table
        is one sheet (then the row number is the spreadsheet's own)."""
        if not self.parts:
            return None, row
        part = self.parts[min(row // SHEET_ROW_STRIDE, len(self.parts) - 1)]
        return part.name, row - part.offset

    def row_label(self, row: int) -> str:
        """How a message names a body row: "第 12 行", or "工作表『东湖区』第 12 行"."""
        sheet, number = self.locate(row)
        return f"第 {number} 行" if sheet is None else f"工作表『{sheet}』第 {number} 行"


SHEET_ROW_STRIDE = 10_000_000
"""Row numbers of the k-th sheet of a multi-sheet table start at k × this (more rows than any
sheet can have), so every row keeps a number of its own and its sheet's row number."""
SHEET_COLUMN = "工作表名称"
"""Header of the column a multi-sheet table adds: the sheet each row came from."""


@dataclass(frozen=True)
class SheetRows:
    """One sheet of a multi-sheet table: its name, row-number offset, header row and row count."""

    name: str
    offset: int
    header_row: int
    rows: int


@dataclass(frozen=True)
class _Candidate:
    name: str
    visible: bool
    grid: Grid
    header: Header | None


# ---- entry points ---------------------------------------------------------------------------


def read_table(
    source: Source,
    file_name: str | None = None,
    *,
    kind: str | None = None,
    sheet: str | None = None,
    sheets: Sequence[str] | None = None,
    header_row: int | None = None,
    mapping: Mapping[str, str] | None = None,
    settings: Settings = DEFAULT_SETTINGS,
) -> RawTable:
    """Read one ledger file (bytes or a path) into a `RawTable`; raise `FileRefused` if it cannot be.

    Without `sheet`, the visible, non-instruction sheet whose header best matches a ledger kind
    (only `kind`, when given) is read, together with every other visible sheet of the same layout
    (one sheet per district, street, department or team); sheets of another layout are skipped
    and named in `skipped_sheets`. `sheet` reads that sheet alone; `sheets` reads the sheets of
    the same layout among those named (the clerk left the others out). Without `header_row`
    (1-based), the header is the best matching row among the first 30, combined with up to two
    rows below when they are sub-headers under merged group cells. `mapping` (source header →
    field, the user's column choices) steers it: the header is the row where those names are,
    and a name found in no header row is refused with a message that says so.

    >>> raw = read_table("tests/io/fixtures/volunteers_messy.xlsx")   # doctest: +SKIP
    >>> raw.sheet, raw.header_row, raw.header_rows, raw.as_of           # doctest: +SKIP
    ('志愿者台账', 3, 2, datetime.date(2026, 11, 15))
    """
    if kind is not None and kind not in REGISTRY:
        raise ValueError(f"unknown ledger kind {kind!r}; known: {', '.join(REGISTRY)}")
    if header_row is not None and header_row < 1:
        raise FileRefused(msg.HEADER_ROW_NOT_POSITIVE)
    data, file_name = _load(source, file_name, settings)
    fmt = sniff_format(data, file_name)
    mapped = [m for m in (mapping or {}) if m != SHEET_COLUMN]
    choice = _Choice(Scorer(kind, mapped), sheet, sheets, header_row, tuple(mapped))
    if fmt in ("xlsx", "xlsm"):
        return _read_xlsx(data, fmt, choice, settings)
    if fmt in ("xls", "ods"):
        return _read_calamine(data, fmt, choice, settings)
    if fmt == "xml2003":
        return _read_spreadsheetml(data, choice, settings)
    asked = sheet if sheet is not None else (sheets[0] if sheets else None)
    if asked is not None:
        raise FileRefused(msg.no_such_sheet(asked, ()))
    if fmt == "csv":
        return _read_csv(data, choice, settings)
    return _read_html(data, choice, settings)


def list_sheets(source: Source, file_name: str | None = None) -> list[tuple[str, bool]]:
    """Every sheet of a workbook as (name, visible), in workbook order; [] for CSV and HTML."""
    data, file_name = _load(source, file_name, DEFAULT_SETTINGS)
    fmt = sniff_format(data, file_name)
    if fmt in ("xlsx", "xlsm"):
        with _open_zip(data, DEFAULT_SETTINGS) as zf:
            parts, _shared = _workbook_parts(zf)
        return [(p.name, p.visible) for p in parts]
    if fmt in ("xls", "ods"):
        reader = _excel_reader(data)
        out = []
        with _calamine_errors():
            for name in reader.sheet_names:
                loaded = reader.load_sheet(name, header_row=None, n_rows=1)
                out.append((name, loaded.visible == "visible"))
        return out
    if fmt == "xml2003":
        return [(s.name, s.visible) for s in read_spreadsheetml(data)]
    return []


# ---- sources --------------------------------------------------------------------------------


def _load(source: Source, file_name: str | None, settings: Settings) -> tuple[bytes, str | None]:
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
    else:
        path = Path(source)
        file_name = file_name or path.name
        if path.stat().st_size > settings.max_file_bytes:
            raise FileRefused(msg.too_large(settings.max_file_bytes))
        data = path.read_bytes()
    if len(data) > settings.max_file_bytes:
        raise FileRefused(msg.too_large(settings.max_file_bytes))
    return data, file_name


def _open_zip(data: bytes, settings: Settings) -> zipfile.ZipFile:
    try:
        zf = zipfile.ZipFile(BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise FileRefused(msg.CORRUPT_ZIP) from exc
    try:
        check_zip_safety(zf, data, settings)
    except BaseException:
        zf.close()
        raise
    return zf


def _workbook_parts(zf: zipfile.ZipFile) -> tuple[list[SheetPart], str | None]:
    try:
        return workbook_parts(zf)
    except DefusedXmlException as exc:
        raise FileRefused(msg.XML_ENTITIES) from exc
    except (KeyError, ParseError, zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise FileRefused(msg.CORRUPT) from exc


def _excel_reader(data: bytes) -> fastexcel.ExcelReader:
    with _calamine_errors():
        return fastexcel.read_excel(data)


@contextmanager
def _calamine_errors() -> Iterator[None]:
    """Turn fastexcel's errors into refusals the user can act on."""
    try:
        yield
    except (KeyboardInterrupt, SystemExit, MemoryError, FileRefused):
        raise
    except BaseException as exc:  # pyo3 panics derive from BaseException
        text = str(exc).lower()
        if "password" in text or "encrypt" in text:
            raise FileRefused(msg.ENCRYPTED) from exc
        raise FileRefused(msg.CORRUPT) from exc


# ---- choosing the sheet and the header -------------------------------------------------------


def _choose(candidates: list[_Candidate], sheet: str | None) -> _Candidate:
    """The sheet to read: the named one, else the best-scoring visible non-instruction sheet.

    Hidden and instruction sheets lose: they are chosen only when no other sheet names any field.
    """
    names = tuple(c.name for c in candidates)
    if sheet is not None:
        for c in candidates:
            if c.name == sheet:
                return c
        raise FileRefused(msg.no_such_sheet(sheet, names))

    def score(c: _Candidate) -> float:
        return c.header.score if c.header else 0.0

    def eligible(c: _Candidate) -> bool:
        return c.visible and not is_instruction_sheet(c.name)

    groups = (
        [c for c in candidates if eligible(c) and score(c) > 0],
        [c for c in candidates if score(c) > 0],
        [c for c in candidates if eligible(c) and c.header],
        [c for c in candidates if c.header],
    )
    for group in groups:
        if group:
            return max(group, key=score)  # max keeps the first of equals: workbook order
    raise FileRefused(msg.NO_DATA)


def _header_for(candidate: _Candidate, score: Scorer, header_row: int | None) -> Header:
    if header_row is None:
        if candidate.header is None:
            raise FileRefused(msg.NO_DATA)
        return candidate.header
    header = find_header(candidate.grid, score, header_row)
    if header is None:
        raise FileRefused(msg.header_row_out_of_range(header_row, max(len(candidate.grid), 1)))
    return header


def _peek_depth(header_row: int | None) -> int:
    return max(PEEK_ROWS, (header_row or 0) + 2)


# ---- one sheet or several ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Choice:
    """What the caller asked for: how headers are scored, which sheets, which header row."""

    score: Scorer
    sheet: str | None
    sheets: Sequence[str] | None
    header_row: int | None
    mapped: tuple[str, ...]
    """Source column names the user mapped by hand."""

    @property
    def depth(self) -> int:
        return _peek_depth(self.header_row)


def _layout(headers: Sequence[str]) -> tuple[str, ...]:
    """A header as compared between sheets: normalised names, trailing empty columns dropped."""
    out = [normalize_header(h) for h in headers]
    while out and not out[-1]:
        out.pop()
    return tuple(out)


def _check_mapped(choice: _Choice, header: Header, grids: Sequence[Grid]) -> None:
    """Every column name the user mapped must be in the header row: say where it is otherwise."""
    have = {normalize_header(h) for h in header.headers}
    for source in choice.mapped:
        wanted = normalize_header(source)
        if not wanted or wanted in have:
            continue
        for grid in grids:
            for i, row in enumerate(grid):
                if any(normalize_header(cell_text(v)) == wanted for v in row):
                    raise FileRefused(msg.mapped_elsewhere(source, i + 1, header.row))
        raise FileRefused(msg.mapped_not_found(source))


def _read_sheets(
    fmt: str,
    names: Sequence[str],
    candidates: list[_Candidate],
    load: Callable[[_Candidate, Header], RawTable],
    choice: _Choice,
) -> RawTable:
    """Choose the sheet (or sheets) and the header, load them, and make one table of them."""
    if choice.sheets is not None:
        unknown = [n for n in choice.sheets if n not in names]
        if unknown:
            raise FileRefused(msg.no_such_sheet(unknown[0], tuple(names)))
        pool = [c for c in candidates if c.name in choice.sheets]
        if not pool:
            raise FileRefused(msg.NO_SHEET_CHOSEN)
        chosen = _choose(pool, None)
    else:
        pool = candidates
        chosen = _choose(candidates, choice.sheet)
    header = _header_for(chosen, choice.score, choice.header_row)
    _check_mapped(choice, header, [chosen.grid, *(c.grid for c in pool if c is not chosen)])
    members: list[tuple[_Candidate, Header]] = []
    skipped: list[tuple[str, str]] = []
    layout = _layout(header.headers)
    for c in pool:
        if c is chosen:
            members.append((c, header))
            continue
        if choice.sheet is not None or c.header is None:
            continue  # one sheet asked for; empty sheets are not news
        picked = choice.sheets is not None
        if not picked and is_instruction_sheet(c.name):
            skipped.append((c.name, msg.SHEET_INSTRUCTIONS))
        elif not picked and not c.visible:
            skipped.append((c.name, msg.SHEET_HIDDEN))
        elif _layout(c.header.headers) != layout:
            skipped.append((c.name, msg.sheet_other_layout(chosen.name)))
        else:
            members.append((c, c.header))
    tables = [load(c, h) for c, h in members]
    first = tables[0]
    same = [t for t in tables if t.headers == first.headers]
    skipped += [
        (t.sheet or "", msg.sheet_other_layout(chosen.name)) for t in tables if t not in same
    ]
    order = {n: i for i, n in enumerate(names)}
    skipped.sort(key=lambda item: order.get(item[0], 0))
    if len(same) == 1:
        return replace(first, skipped_sheets=tuple(skipped))
    return _stack(fmt, same, tuple(skipped))


def _stack(fmt: str, tables: Sequence[RawTable], skipped: tuple[tuple[str, str], ...]) -> RawTable:
    """Several sheets of one layout as one table: rows renumbered per sheet (`SheetRows`) and the
    sheet name in a last column, `SHEET_COLUMN`."""
    first = tables[0]
    width = len(first.headers)
    bodies = []
    parts = []
    rows_skipped: list[tuple[int, str]] = []
    for k, t in enumerate(tables):
        offset = k * SHEET_ROW_STRIDE
        body = t.body.set_axis(t.body.index + offset, axis=0)
        body = body.assign(**{str(width): pd.Series(t.sheet, index=body.index, dtype="str")})
        body.columns = pd.RangeIndex(width + 1)
        bodies.append(body)
        parts.append(SheetRows(t.sheet or "", offset, t.header_row, len(t.body)))
        rows_skipped += [(row + offset, why) for row, why in t.skipped]
    return RawTable(
        file_format=fmt,
        sheet=first.sheet,
        sheets=first.sheets,
        header_row=first.header_row,
        header_rows=first.header_rows,
        headers=(*first.headers, SHEET_COLUMN),
        body=pd.concat(bodies),
        kind_scores=first.kind_scores,
        as_of=next((t.as_of for t in tables if t.as_of), None),
        title=first.title,
        skipped=tuple(rows_skipped),
        encoding=None,
        crs_hint=next((t.crs_hint for t in tables if t.crs_hint), None),
        parts=tuple(parts),
        skipped_sheets=skipped,
    )


# ---- formats --------------------------------------------------------------------------------


def _read_xlsx(data: bytes, fmt: str, choice: _Choice, settings: Settings) -> RawTable:
    with _open_zip(data, settings) as zf:
        parts, shared = _workbook_parts(zf)
        names = tuple(p.name for p in parts)
        if not parts:
            raise FileRefused(msg.NO_DATA)
        wanted = [p for p in parts if choice.sheet is None or p.name == choice.sheet]
        if not wanted:
            raise FileRefused(msg.no_such_sheet(choice.sheet or "", names))
        infos = {p.name: zf.getinfo(p.part) for p in wanted}
        try:
            peeks = {p.name: peek_sheet(zf, p.part, choice.depth) for p in wanted}
            resolve_shared_strings(zf, shared, list(peeks.values()))
        except DefusedXmlException as exc:
            raise FileRefused(msg.XML_ENTITIES) from exc
        except (ParseError, zipfile.BadZipFile, OSError, EOFError, ValueError, KeyError) as exc:
            raise FileRefused(msg.CORRUPT) from exc
    candidates = [
        _Candidate(
            p.name, p.visible, peeks[p.name].rows, find_header(peeks[p.name].rows, choice.score)
        )
        for p in wanted
    ]

    def load(c: _Candidate, header: Header) -> RawTable:
        peek = peeks[c.name]
        data_start = header.row + header.rows
        merges = as_merges([])
        if peek.complete and data_start > len(c.grid):
            frame = pd.DataFrame()  # the sheet ends before any data row
        else:
            info = infos[c.name]
            frame, merges = _load_with_merges(
                lambda: _load_body(data, c.name, data_start),
                lambda stop: xlsx_merges(data, info, stop),
            )
        offset = _column_offset(frame, c.grid, data_start, peek)
        return _finish(
            fmt, c.name, names, c.grid, header, frame, data_start, offset, settings, merges
        )

    return _read_sheets(fmt, names, candidates, load, choice)


def _load_body(
    data: bytes, sheet: str, data_start: int, reader: fastexcel.ExcelReader | None = None
) -> pd.DataFrame:
    """The rows from `data_start` to the end, loaded once. Dtypes are inferred from all rows, so
    a 合计 label under numbers stays as text instead of being dropped as a bad number. `reader`:
    one already open on `data` (an .xls/.ods is parsed whole when it is opened)."""
    reader = reader or _excel_reader(data)
    with _calamine_errors():
        try:
            loaded = reader.load_sheet(
                sheet, header_row=None, skip_rows=data_start - 1, schema_sample_rows=None
            )
        except fastexcel.InvalidParametersError:
            return pd.DataFrame()  # the sheet ends before the first data row
        table = loaded.to_arrow()
    # .ods date cells arrive as Arrow dates, which pandas would hold as Python objects
    for i, column in enumerate(table.schema):
        if pa.types.is_date(column.type):
            table = table.set_column(i, column.name, table.column(i).cast(pa.timestamp("ms")))
    frame: pd.DataFrame = table.to_pandas()
    return frame


def _load_with_merges(
    load: Callable[[], pd.DataFrame], merges: Callable[[threading.Event], Merges]
) -> tuple[pd.DataFrame, Merges]:
    """Load the body while a second thread reads the sheet's merged ranges.

    fastexcel releases the GIL while it loads, and so does zlib while it inflates, so on a
    machine with a spare core the ranges cost next to no wall time. When the load fails, the
    reader of ranges is told to stop.
    """
    stop = threading.Event()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="civdash-merges") as pool:
        future = pool.submit(merges, stop)
        try:
            frame = load()
        except BaseException:
            stop.set()
            raise
        return frame, future.result()


def _column_offset(frame: pd.DataFrame, grid: Grid, data_start: int, peek: SheetPeek) -> int:
    """Sheet column of the loaded frame's first column.

    The loader starts its columns at the leftmost column used anywhere in the sheet; the peek
    only knows the top rows. The data rows both have in common decide; failing that, the
    declared dimension; failing that, the leftmost column the peek saw.
    """
    used = [j for row in grid for j, v in enumerate(row) if v is not None]
    if not used or frame.shape[1] == 0:
        return 0
    lo = max(0, max(used) - frame.shape[1] + 1)
    hi = min(used)
    if lo >= hi:
        return hi
    overlap = range(data_start - 1, min(len(grid), data_start - 1 + len(frame)))
    if len(overlap) == 0:
        return peek.first_col if peek.first_col is not None and lo <= peek.first_col <= hi else hi

    def agreement(off: int) -> int:
        total = 0
        for i in overlap:
            row = grid[i]
            values = frame.iloc[i - (data_start - 1)]
            for c in range(frame.shape[1]):
                j = off + c
                mine = cell_text(row[j]) if j < len(row) else ""
                theirs = cell_text(values.iat[c])
                total += (bool(mine) == bool(theirs)) + (mine == theirs and bool(mine))
        return total

    return max(range(lo, hi + 1), key=lambda off: (agreement(off), off == peek.first_col))


def _read_calamine(data: bytes, fmt: str, choice: _Choice, settings: Settings) -> RawTable:
    if fmt == "ods":
        _open_zip(data, settings).close()  # refuses zip bombs and entity tricks before calamine
    reader = _excel_reader(data)
    names = tuple(reader.sheet_names)
    if choice.sheet is not None and choice.sheet not in names:
        raise FileRefused(msg.no_such_sheet(choice.sheet, names))
    candidates = []
    for name in names:
        if choice.sheet is not None and name != choice.sheet:
            continue
        with _calamine_errors():
            top = reader.load_sheet(
                name, header_row=None, skip_rows=0, n_rows=choice.depth, dtypes="string"
            )
            grid = _frame_to_grid(top.to_pandas())
        candidates.append(
            _Candidate(name, top.visible == "visible", grid, find_header(grid, choice.score))
        )

    def load(c: _Candidate, header: Header) -> RawTable:
        data_start = header.row + header.rows
        name = c.name
        frame, merges = _load_with_merges(
            lambda: _load_body(data, name, data_start, reader),
            (lambda stop: ods_merges(data, name, stop))
            if fmt == "ods"
            else (lambda stop: xls_merges(data, name)),
        )
        return _finish(fmt, name, names, c.grid, header, frame, data_start, 0, settings, merges)

    return _read_sheets(fmt, names, candidates, load, choice)


def _frame_to_grid(frame: pd.DataFrame) -> Grid:
    grid: Grid = []
    for row in frame.itertuples(index=False, name=None):
        cells = [None if (v is None or (isinstance(v, float) and np.isnan(v))) else v for v in row]
        while cells and cells[-1] is None:
            cells.pop()
        grid.append(cells)
    while grid and not grid[-1]:
        grid.pop()
    return grid


def _read_csv(data: bytes, choice: _Choice, settings: Settings) -> RawTable:
    text, encoding = decode_text(data)
    if "\n" not in text and "\r" in text:
        text = text.replace("\r", "\n")  # classic Mac line ends
    delimiter = sniff_delimiter(text[:65536])
    records, _lines = split_records(text, delimiter, choice.depth)
    grid: Grid = [[v if v.strip() else None for v in r] for r in records]
    candidate = _Candidate("", True, grid, find_header(grid, choice.score))
    header = _header_for(candidate, choice.score, choice.header_row)
    _check_mapped(choice, header, [grid])
    data_start = header.row + header.rows
    # the body starts on the physical line after the header's last record (records may span lines)
    _above, lines_above = split_records(text, delimiter, data_start - 1)
    frame = read_records_frame(
        text[line_offset(text, lines_above) :], delimiter, len(header.headers)
    )
    return _finish("csv", None, (), grid, header, frame, data_start, 0, settings, encoding=encoding)


def _read_html(data: bytes, choice: _Choice, settings: Settings) -> RawTable:
    parsed = parse_html(decode_html(data))
    preamble = parsed.preamble
    grid: Grid = [list(r) for r in parsed.rows]
    depth = choice.depth
    candidate = _Candidate("", True, grid[:depth], find_header(grid[:depth], choice.score))
    header = _header_for(candidate, choice.score, choice.header_row)
    _check_mapped(choice, header, [grid[:depth]])
    data_start = header.row + header.rows
    body_rows = grid[data_start - 1 :]
    width = max([len(header.headers), *map(len, body_rows)])
    columns = {
        c: pd.Series([r[c] if c < len(r) else None for r in body_rows], dtype="str")
        for c in range(width)
    }
    frame = pd.DataFrame(columns, index=range(len(body_rows)))
    preamble_rows: Grid = [[line] for line in preamble]
    return _finish(
        "html",
        None,
        (),
        preamble_rows + grid[: header.row - 1],
        header,
        frame,
        data_start,
        0,
        settings,
        as_merges(parsed.merges),
        title_rows_given=True,
    )


def _read_spreadsheetml(data: bytes, choice: _Choice, settings: Settings) -> RawTable:
    """An Excel 2003 XML workbook: parsed whole (it is one XML document), then read like the
    others from the parsed rows and merged ranges of each sheet."""
    parsed = read_spreadsheetml(data, settings)
    names = tuple(s.name for s in parsed)
    if choice.sheet is not None and choice.sheet not in names:
        raise FileRefused(msg.no_such_sheet(choice.sheet, names))
    by_name = {s.name: s for s in parsed}
    depth = choice.depth
    candidates = [
        _Candidate(s.name, s.visible, s.rows[:depth], find_header(s.rows[:depth], choice.score))
        for s in parsed
        if choice.sheet is None or s.name == choice.sheet
    ]

    def load(c: _Candidate, header: Header) -> RawTable:
        sheet = by_name[c.name]
        data_start = header.row + header.rows
        frame = body_frame(sheet.rows[data_start - 1 :], len(header.headers))
        return _finish(
            "xml2003",
            c.name,
            names,
            c.grid,
            header,
            frame,
            data_start,
            0,
            settings,
            as_merges(sheet.merges),
        )

    return _read_sheets("xml2003", names, candidates, load, choice)


# ---- shared tail: columns, rows, title --------------------------------------------------------


def _finish(
    fmt: str,
    sheet: str | None,
    sheets: Sequence[str],
    grid: Grid,
    header: Header,
    frame: pd.DataFrame,
    data_start: int,
    offset: int,
    settings: Settings,
    merges: Merges | None = None,
    *,
    encoding: str | None = None,
    title_rows_given: bool = False,
) -> RawTable:
    if len(frame) > settings.max_rows:
        raise FileRefused(msg.too_many_rows(len(frame), settings.max_rows))
    headers = list(header.headers)
    frame = frame.copy(deep=False)
    frame.columns = [offset + i for i in range(frame.shape[1])]
    for c, h in enumerate(headers):
        if h and c not in frame.columns:
            frame[c] = pd.Series([None] * len(frame), dtype="str", index=frame.index)
    frame = frame[sorted(frame.columns)]
    frame.index = pd.RangeIndex(data_start, data_start + len(frame))

    # which rows are data is decided on the cells as the file holds them: a row that only a
    # merge from above reaches stays blank, and a footer merged across the table stays a footer
    split = split_body(frame)
    keep_rows = np.flatnonzero(split.keep)
    kept_cols: list[int] = []
    out_headers: list[str] = []
    columns: list[int] = [int(c) for c in frame.columns]
    if merges is not None and len(merges):
        # values go only into columns that are kept anyway: a header, or data of their own
        targets = [
            c
            for c in columns
            if (c < len(headers) and headers[c]) or split.filled[c][split.keep].any()
        ]
        frame = fill_merged(frame, merges, split.filled, split.keep, targets)
    for pos, c in enumerate(columns):
        text = headers[c] if c < len(headers) else ""
        if text or split.filled[c][split.keep].any():
            kept_cols.append(pos)
            out_headers.append(text or f"列{c + 1}")
    frame_cols = frame.iloc[:, kept_cols] if len(kept_cols) < frame.shape[1] else frame
    # usually only a total and a footer at the end are set aside: slice instead of copying rows
    k = len(keep_rows)
    body = frame_cols.iloc[:k] if k == 0 or keep_rows[-1] == k - 1 else frame_cols.iloc[keep_rows]
    body = body.set_axis(pd.RangeIndex(len(kept_cols)), axis=1)

    title_rows = grid if title_rows_given else grid[: header.row - 1]
    title = title_text(title_rows)
    footer_rows = [
        row
        for row, reason in split.skipped
        if reason != msg.SKIP_BLANK and reason != msg.SKIP_TOTAL
    ][:50]
    footer_texts = [cell_text(v) for r in footer_rows for v in frame.loc[r].to_numpy(dtype=object)]
    return RawTable(
        file_format=fmt,
        sheet=sheet,
        sheets=tuple(sheets),
        header_row=header.row,
        header_rows=header.rows,
        headers=tuple(out_headers),
        body=body,
        kind_scores=header_scores(out_headers),
        as_of=find_as_of(title_rows),
        title=title,
        skipped=split.skipped,
        encoding=encoding,
        crs_hint=find_crs([title or "", *out_headers, *footer_texts]),
    )
