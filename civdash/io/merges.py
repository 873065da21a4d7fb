"""Merged cells in the data body: a merged range's value belongs to every cell it covers.

Clerks merge 所属区县 / 街道 / 责任单位 cells over the rows that share them, and 序号 over groups.
A spreadsheet keeps such a value only in the range's top-left cell, so a loader sees it in the
first row and blanks below, and ingest would call the other rows' district empty. Here the
ranges are read from each format and, for every range whose top row is a data row, the
top-left value is copied into the range's other cells. Header merges are not touched (the
two-row header logic reads them as they are), and nothing outside a merged range is filled.

Where the ranges come from:

- .xlsx/.xlsm: the `<mergeCell ref="C4:C6"/>` elements after `<sheetData>`. The worksheet part is
  inflated chunk by chunk keeping only its tail (no XML parsing; ISA-L's inflate from the
  optional `isal` package when installed, else zlib), in a thread beside the body load, so a
  million-row sheet pays one inflate of its XML, mostly off the critical path.
- .ods: the `table:number-rows-spanned` / `table:number-columns-spanned` attributes of the cells
  of content.xml, found with `bytes.find` and placed by counting row and cell tags (with their
  repeats) instead of parsing the XML.
- .xls: the MERGEDCELLS records, through python-calamine (fastexcel does not expose them).
- HTML: `civdash.io.html_table` records each rowspan/colspan cell as a range.
"""

from __future__ import annotations

import html
import re
import struct
import threading
import zipfile
import zlib
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from io import BytesIO
from typing import Any

import numpy as np
import pandas as pd

from civdash.io.layout import cell_text


def _isal() -> Any:
    """`isal.isal_zlib` (ISA-L inflates about four times faster than zlib), when installed."""
    try:
        from isal import isal_zlib
    except ImportError:  # pragma: no cover - depends on the environment
        return None
    return isal_zlib


_ISAL: Any = _isal()
INFLATER: Any = _ISAL or zlib
"""The module whose `decompressobj` inflates worksheet parts: `isal.isal_zlib` when installed."""
_INFLATE_ERRORS: tuple[type[BaseException], ...] = (
    (zlib.error,) if _ISAL is None else (zlib.error, _ISAL.error)
)

Merge = tuple[int, int, int, int]
"""A merged range: first row, first column, last row, last column; 0-based and inclusive."""
Merges = np.ndarray
"""Merged ranges as an (n, 4) int64 array, one `Merge` per row."""

_CHUNK = 1 << 15
"""Compressed bytes inflated per step while scanning a worksheet part (at most 8× as many
inflated bytes come out of one step: small enough to stay in the CPU cache)."""
TAIL_WINDOW = 32 * 1024 * 1024
"""Inflated bytes kept from the end of a worksheet part: the <mergeCells> block sits there. A
part whose tail after </sheetData> is longer (some 900k merged ranges) is scanned again."""

_REF_WIDTH = 32
"""Bytes read per ref: '="XFD1048576:XFD1048576"' and some spaces fit."""
_NO_MERGES = np.zeros((0, 4), dtype=np.int64)


def as_merges(ranges: Iterable[Merge]) -> Merges:
    """A list of `Merge` tuples as `Merges`."""
    return np.asarray(list(ranges), dtype=np.int64).reshape(-1, 4)


_SHEET_DATA_END = re.compile(
    rb"</(?:[A-Za-z_][\w.\-]*:)?sheetData\s*>|<(?:[A-Za-z_][\w.\-]*:)?sheetData\s*/>"
)


class _Stopped(Exception):
    """The caller no longer needs the ranges (the body load failed)."""


_UNREADABLE: tuple[type[BaseException], ...] = (
    _Stopped,
    zipfile.BadZipFile,
    OSError,
    EOFError,
    ValueError,
    KeyError,
    *_INFLATE_ERRORS,
)
"""Why ranges may not be read: stopped, or a part that cannot be inflated. The reading is best
effort: fastexcel, which loads the body, decides whether the file is readable."""


# ---- .xlsx / .xlsm ---------------------------------------------------------------------------


def xlsx_merges(data: bytes, info: zipfile.ZipInfo, stop: threading.Event | None = None) -> Merges:
    """The merged ranges of one worksheet part (`info`) of the .xlsx in `data`.

    Inflates the part once, straight from the zip's bytes, keeping only the last `TAIL_WINDOW`
    of it, and reads the <mergeCell> refs after </sheetData>. Best effort: a part that cannot be
    inflated gives no ranges (fastexcel decides whether the file is readable), and so does
    `stop` being set (the body load failed).
    """
    try:
        tail = _after_sheet_data(_part_chunks(data, info, stop))
        if tail is None:  # the tail outgrew the window: find </sheetData> chunk by chunk
            tail = _after_sheet_data_scanning(_part_chunks(data, info, stop))
    except _UNREADABLE:
        return _NO_MERGES
    return parse_merge_refs(tail)


def parse_merge_refs(xml_tail: bytes) -> Merges:
    """Ranges of the <mergeCell ref="A1:B2"/> elements of the <mergeCells> block in a piece of
    worksheet XML, as an (n, 4) array (see `Merge`); refs that are not A1 ranges are skipped.

    Vectorised: a million-row sheet may hold hundreds of thousands of merged ranges. Each ref is
    cut out by splitting the block on "ref" and read character by character across all refs at
    once (letters → column, digits → row, ":" → second corner, up to the closing quote).
    """
    start = xml_tail.find(b"mergeCells")
    open_end = xml_tail.find(b">", start) if start >= 0 else -1
    if open_end < 0 or xml_tail[open_end - 1 : open_end] == b"/":
        return _NO_MERGES
    close = xml_tail.find(b"mergeCells", open_end)
    block = xml_tail[open_end + 1 : close if close >= 0 else len(xml_tail)]
    pieces = block.split(b"ref")[1:]
    n = len(pieces)
    if n == 0:
        return _NO_MERGES
    chars = np.frombuffer(np.array(pieces, dtype=f"S{_REF_WIDTH}").tobytes(), dtype=np.uint8)
    chars = chars.reshape(n, _REF_WIDTH)
    cols = [np.zeros(n, np.int64), np.zeros(n, np.int64)]
    rows = [np.zeros(n, np.int64), np.zeros(n, np.int64)]
    second = np.zeros(n, dtype=bool)
    started = np.zeros(n, dtype=bool)
    ended = np.zeros(n, dtype=bool)
    for j in range(_REF_WIDTH):
        ch = chars[:, j].astype(np.int64)
        quote = (ch == 34) | (ch == 39)
        active = started & ~ended & ~quote
        ended |= quote & started
        started |= quote
        if not active.any():
            if ended.all():
                break
            continue
        up = ch & 0xDF  # a-z → A-Z
        letter = active & (up >= 65) & (up <= 90)
        digit = active & (ch >= 48) & (ch <= 57)
        for k, part in ((0, ~second), (1, second)):
            cols[k] = np.where(letter & part, cols[k] * 26 + up - 64, cols[k])
            rows[k] = np.where(digit & part, rows[k] * 10 + ch - 48, rows[k])
        second |= active & (ch == 58)
    c1 = np.where(second, cols[1], cols[0])
    r1 = np.where(second, rows[1], rows[0])
    ok = ended & (cols[0] > 0) & (rows[0] > 0) & (c1 > 0) & (r1 > 0)
    out = np.stack(
        [
            np.minimum(rows[0], r1) - 1,
            np.minimum(cols[0], c1) - 1,
            np.maximum(rows[0], r1) - 1,
            np.maximum(cols[0], c1) - 1,
        ],
        axis=1,
    )
    return out[ok]


def _part_chunks(
    data: bytes, info: zipfile.ZipInfo, stop: threading.Event | None, size: int | None = None
) -> Iterator[bytes]:
    """The inflated bytes of one zip part in chunks of up to `size` bytes (8 × `_CHUNK`), read
    straight from the zip's bytes (no CRC pass); never more than the part's declared size."""
    size = size or 8 * _CHUNK
    limit = info.file_size
    if info.compress_type not in (zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED):
        with zipfile.ZipFile(BytesIO(data)) as zf, zf.open(info) as part:
            while chunk := part.read(size):
                if stop is not None and stop.is_set():
                    raise _Stopped
                yield chunk
        return
    off = info.header_offset
    if data[off : off + 4] != b"PK\x03\x04":
        raise zipfile.BadZipFile("bad local header")
    name_len, extra_len = struct.unpack_from("<HH", data, off + 26)
    start = off + 30 + name_len + extra_len
    raw = memoryview(data)[start : start + info.compress_size]
    if info.compress_type == zipfile.ZIP_STORED:
        for pos in range(0, min(len(raw), limit), size):
            if stop is not None and stop.is_set():
                raise _Stopped
            yield bytes(raw[pos : min(pos + size, limit)])
        return
    inflater = INFLATER.decompressobj(-zlib.MAX_WBITS)
    produced = 0
    step = max(1, size // 8)
    for pos in range(0, len(raw), step):
        if stop is not None and stop.is_set():
            raise _Stopped
        pending: bytes | memoryview = raw[pos : pos + step]
        while pending:
            out = inflater.decompress(pending, size)
            pending = inflater.unconsumed_tail
            produced += len(out)
            if produced > limit:
                raise zipfile.BadZipFile("part larger than declared")
            if out:
                yield out
        if inflater.eof:
            return


def _after_sheet_data(chunks: Iterable[bytes]) -> bytes | None:
    """What follows </sheetData>, keeping only the last `TAIL_WINDOW` bytes; None when the end
    of sheetData fell out of the window (the tail is longer than the window)."""
    window: deque[bytes] = deque()
    size = 0
    dropped = False
    for chunk in chunks:
        window.append(chunk)
        size += len(chunk)
        while len(window) > 1 and size - len(window[0]) >= TAIL_WINDOW:
            size -= len(window.popleft())
            dropped = True
    # "sheetData" occurs in the start tag, the end tag and at most in text inside sheetData
    # (escaped text cannot hold "<"): look for the end tag from the last chunk backwards and
    # join only the chunks from there on (the tail is usually a few kilobytes)
    kept = list(window)
    for i in range(len(kept) - 1, -1, -1):
        probe = kept[i] + (kept[i + 1][:64] if i + 1 < len(kept) else b"")
        if b"sheetData" in probe:
            tail = b"".join(kept[i:])
            end = _last_sheet_data_end(tail)
            if end is not None:
                return tail[end:]
    return None if dropped else b"".join(kept)


def _last_sheet_data_end(buf: bytes) -> int | None:
    """Offset just after the last </sheetData> (or <sheetData/>) in `buf`."""
    pos = len(buf)
    while (pos := buf.rfind(b"sheetData", 0, pos)) >= 0:
        lt = buf.rfind(b"<", max(0, pos - 64), pos)
        m = _SHEET_DATA_END.match(buf, lt) if lt >= 0 else None
        if m is not None:
            return m.end()
    return None


def _after_sheet_data_scanning(chunks: Iterable[bytes]) -> bytes:
    """What follows </sheetData>, looking for it in every chunk (for very long tails)."""
    kept: list[bytes] = []
    carry = b""
    found = False
    for chunk in chunks:
        if found:
            kept.append(chunk)
            continue
        buf = carry + chunk
        end = _last_sheet_data_end(buf) if b"sheetData" in buf else None
        if end is not None:
            found = True
            kept.append(buf[end:])
        else:
            carry = buf[-256:]
    return b"".join(kept)


# ---- .ods ------------------------------------------------------------------------------------

_ODS_TABLE_NS = re.compile(
    rb"xmlns:([A-Za-z_][\w.\-]*)\s*=\s*[\"']urn:oasis:names:tc:opendocument:xmlns:table:1\.0[\"']"
)
_ODS_READ = 1 << 20


class _OdsScan:
    """Spanned cells of one table of an ODS content.xml, fed in pieces that each end before a
    row start tag (so no row is split across pieces).

    Rows and cells are not tokenised one by one: rows are counted with `bytes.count` between
    the few places that matter (a spanned cell, a row with number-rows-repeated), and a spanned
    cell's column is the number of cell tags before it in its row, plus column repeats.
    """

    def __init__(self, prefix: bytes, sheet: str) -> None:
        p = re.escape(prefix)
        self.row_tag = b"<" + prefix + b":table-row"  # also starts table-rows, table-row-group
        self.cell_tag = b"<" + prefix + b":table-cell"
        self.covered_tag = b"<" + prefix + b":covered-table-cell"
        self.table_end = b"</" + prefix + b":table>"
        self.table_start = re.compile(rb"<" + p + rb":table(?=[\s/>])([^>]*)>")
        self.name = re.compile(p + rb":name\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
        self.events = (b"-spanned", b"number-rows-repeated")
        self.rows_repeated = _count_attr(p, b"number-rows-repeated")
        self.cols_repeated = _count_attr(p, b"number-columns-repeated")
        self.rows_spanned = _count_attr(p, b"number-rows-spanned")
        self.cols_spanned = _count_attr(p, b"number-columns-spanned")
        self.sheet = sheet
        self.in_table = False
        self.done = False
        self.row = 0
        """Rows of the table before the current piece."""
        self.merges: list[Merge] = []

    def feed(self, buf: bytes, end: int | None = None) -> None:
        """Scan buf[:end], which must end before a row start tag (or be the last piece)."""
        end = len(buf) if end is None else end
        pos = 0
        if not self.in_table:
            while True:
                m = self.table_start.search(buf, pos, end)
                if m is None:
                    return
                pos = m.end()
                named = self.name.search(m.group(1))
                text = (named.group(1) or named.group(2)) if named else None
                if text is not None and html.unescape(text.decode()) == self.sheet:
                    self.in_table = True
                    break
        stop = buf.find(self.table_end, pos, end)
        if stop < 0:
            stop = end
        else:
            self.done = True
        rows = 0  # row starts in buf[pos:at]
        extra = 0  # rows added by number-rows-repeated on the rows before the current one
        pending = 0  # repeats of the current row, counted once the next row starts
        at = pos
        tags: set[int] = set()
        for needle in self.events:  # bytes.find: several times faster than a regex here
            found = buf.find(needle, pos, stop)
            while found >= 0:
                tags.add(buf.rfind(b"<", pos, found))
                found = buf.find(needle, found + len(needle), stop)
        tags.discard(-1)
        for lt in sorted(tags):
            new_rows = self._rows(buf, at, lt)
            if new_rows:
                rows, extra, pending = rows + new_rows, extra + pending, 0
            at = lt
            tag = buf[lt : buf.find(b">", lt) + 1]
            if self._is_row(tag):
                rows += 1
                extra += pending
                pending = _attr_int(self.rows_repeated, tag, 1) - 1
                at = lt + 1
            elif tag.startswith((self.cell_tag, self.covered_tag)):
                row_span = _attr_int(self.rows_spanned, tag, 1)
                col_span = _attr_int(self.cols_spanned, tag, 1)
                if row_span > 1 or col_span > 1:
                    r = self.row + rows - 1 + extra
                    c = self._column(buf, lt)
                    self.merges.append((r, c, r + row_span - 1, c + col_span - 1))
        rows += self._rows(buf, at, stop)
        self.row += rows + extra + pending

    def _is_row(self, tag: bytes) -> bool:
        return tag.startswith(self.row_tag) and tag[len(self.row_tag) : len(self.row_tag) + 1] in (
            b" ",
            b"\t",
            b"\r",
            b"\n",
            b">",
            b"/",
        )

    def _rows(self, buf: bytes, start: int, end: int) -> int:
        """Row start tags in buf[start:end] (not table-rows / table-row-group)."""
        if end <= start:
            return 0
        t = self.row_tag
        return (
            buf.count(t, start, end)
            - buf.count(t + b"s", start, end)
            - buf.count(t + b"-", start, end)
        )

    def _column(self, buf: bytes, cell_at: int) -> int:
        """Column of the cell tag at `cell_at`: cells before it in its row, with their repeats."""
        row_at = buf.rfind(self.row_tag, 0, cell_at)
        while row_at >= 0 and not self._is_row(buf[row_at : row_at + len(self.row_tag) + 1]):
            row_at = buf.rfind(self.row_tag, 0, row_at)
        start = max(row_at, 0)
        col = buf.count(self.cell_tag, start, cell_at) + buf.count(self.covered_tag, start, cell_at)
        if buf.find(b"columns-repeated", start, cell_at) >= 0:
            col += sum(
                int(r.group(1)) - 1 for r in self.cols_repeated.finditer(buf, start, cell_at)
            )
        return col


def _count_attr(prefix: bytes, name: bytes) -> re.Pattern[bytes]:
    return re.compile(prefix + rb":" + name + rb"\s*=\s*[\"'](\d+)[\"']")


def _attr_int(pattern: re.Pattern[bytes], attrs: bytes, default: int) -> int:
    m = pattern.search(attrs)
    return max(1, int(m.group(1))) if m else default


def ods_merges(data: bytes, sheet: str, stop: threading.Event | None = None) -> Merges:
    """The merged ranges of sheet `sheet` of the .ods in `data`.

    content.xml is streamed in pieces cut before a row start tag, so no row is split; see
    `_OdsScan`. Best effort like `xlsx_merges`: unreadable or stopped gives no ranges.
    """
    try:
        return as_merges(_ods_spans(data, sheet, stop))
    except _UNREADABLE:
        return _NO_MERGES


def _ods_spans(data: bytes, sheet: str, stop: threading.Event | None) -> list[Merge]:
    with zipfile.ZipFile(BytesIO(data)) as zf:
        info = zf.NameToInfo.get("content.xml")
    if info is None:
        return []
    scan: _OdsScan | None = None
    buf = b""
    for chunk in _part_chunks(data, info, stop, _ODS_READ):
        buf += chunk
        if scan is None:
            if len(buf) < 1 << 16 and len(buf) < info.file_size:
                continue  # the root tag, which declares the prefixes, may not be complete yet
            scan = _ods_scan(buf, sheet)
        cut = buf.rfind(scan.row_tag)
        if cut <= 0:
            continue  # no row starts here yet: keep reading
        scan.feed(buf, cut)
        buf = buf[cut:]
        if scan.done:
            return scan.merges
    scan = scan or _ods_scan(buf, sheet)
    scan.feed(buf)
    return scan.merges


def _ods_scan(head: bytes, sheet: str) -> _OdsScan:
    ns = _ODS_TABLE_NS.search(head)
    return _OdsScan(ns.group(1) if ns else b"table", sheet)


# ---- .xls ------------------------------------------------------------------------------------


def xls_merges(data: bytes, sheet: str) -> Merges:
    """The merged ranges (MERGEDCELLS records) of sheet `sheet` of the .xls in `data`, read with
    python-calamine; none when it cannot read them."""
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(BytesIO(data))
        ranges = book.get_sheet_by_name(sheet).merged_cell_ranges or []
    except (KeyboardInterrupt, SystemExit, MemoryError):
        raise
    except BaseException:  # pyo3 panics derive from BaseException; fastexcel read it anyway
        return _NO_MERGES
    return as_merges((r0, c0, r1, c1) for (r0, c0), (r1, c1) in ranges)


# ---- filling the body ------------------------------------------------------------------------


def fill_merged(
    frame: pd.DataFrame,
    merges: Merges,
    filled: Mapping[object, np.ndarray],
    keep: np.ndarray,
    targets: Iterable[int],
) -> pd.DataFrame:
    """`frame` with each body merge's top-left value copied into the range's empty cells.

    `frame` is indexed by consecutive spreadsheet row numbers (1-based) and its columns are sheet
    column numbers (0-based). A range counts when its top row is a body row; it is clipped to the
    body. `filled[c]` says which rows of column c hold something: only empty cells are filled and
    only from a top-left cell that holds something. Only data rows (`keep`) and columns in
    `targets` receive values: a 合计 row or footer merged across the table changes nothing, and a
    merge reaching into a column without header or data does not create a column.

    A column filled from itself keeps its dtype; a column filled from another column (a merge
    across columns) keeps its dtype when both agree, takes the source's when it was empty, and
    becomes text when they differ.
    """
    arr = np.asarray(merges, dtype=np.int64).reshape(-1, 4)
    n = len(frame)
    if len(arr) == 0 or n == 0:
        return frame
    first = int(frame.index[0])
    top = arr[:, 0] + 1 - first  # body positions
    bottom = np.minimum(arr[:, 2] + 1 - first, n - 1)
    inside = (top >= 0) & (top < n) & ((bottom > top) | (arr[:, 3] > arr[:, 1]))
    if not inside.any():
        return frame
    top, bottom, c0, c1 = top[inside], bottom[inside], arr[inside, 1], arr[inside, 3]
    positions = {c: i for i, c in enumerate(frame.columns)}
    out = frame
    for c in sorted(set(targets)):
        if c not in positions:
            continue
        covers = (c0 <= c) & (c <= c1)
        if not covers.any():
            continue
        src_cols, rows, src_rows = _cells_of(c, top[covers], bottom[covers], c0[covers])
        empty = keep[rows] & ~filled[c][rows]
        new = frame[c]
        changed = False
        for sc in np.unique(src_cols[empty]):
            if sc not in positions:
                continue
            pick = empty & (src_cols == sc)
            has = filled[sc][src_rows[pick]]
            if has.any():
                source = new if sc == c else frame[sc]
                new = _assign(new, source, rows[pick][has], src_rows[pick][has], sc == c)
                changed = True
        if changed:
            if out is frame:
                out = frame.copy(deep=False)
            out[c] = new
    return out


def _cells_of(
    c: int, top: np.ndarray, bottom: np.ndarray, c0: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For the ranges covering column c: (source column, target row, source row) of every cell
    in column c that each range covers, its own top-left cell excluded."""
    start = top + (c0 == c)  # in its own column a range starts below its top-left cell
    lengths = np.maximum(bottom - start + 1, 0)
    total = int(lengths.sum())
    offsets = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    rows = np.repeat(start, lengths) + offsets
    return np.repeat(c0, lengths), rows, np.repeat(top, lengths)


def _assign(
    target: pd.Series, source: pd.Series, rows: np.ndarray, src_rows: np.ndarray, same: bool
) -> pd.Series:
    """`target` with its rows[i] (positions) set to source's src_rows[i]."""
    if same:
        take = np.arange(len(target))
        take[rows] = src_rows
        return target.take(take).set_axis(target.index)
    if target.dtype == source.dtype:
        values = target.array.copy()
        values[rows] = source.array.take(src_rows)
        return pd.Series(values, index=target.index, name=target.name)
    objects = target.to_numpy(dtype=object, na_value=None).copy()
    objects[rows] = source.to_numpy(dtype=object, na_value=None)[src_rows]
    series = pd.Series(objects, index=target.index, name=target.name).infer_objects()
    if series.dtype == object:  # text beside numbers or dates: the column becomes text
        series = series.map(lambda v: v if v is None or isinstance(v, str) else cell_text(v))
        series = series.astype("str")
    return series
