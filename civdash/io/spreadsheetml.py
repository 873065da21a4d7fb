"""Excel 2003 XML spreadsheets (SpreadsheetML), as Java web systems export them as ".xls".

Such a file is one XML document: `<Workbook>` holds one `<Worksheet ss:Name>` per sheet, each
with a `<Table>` of `<Row>`s of `<Cell>`s whose `<Data ss:Type>` gives the value. Rows and cells
may skip positions with `ss:Index` (1-based), and a cell may span more columns (`ss:MergeAcross`)
and rows (`ss:MergeDown`); its value then sits in the range's top-left cell, as in a workbook.

The XML goes through defusedxml's parser, which refuses any DOCTYPE or ENTITY declaration
(billion laughs, external entities): spreadsheets never need one. Events are handled as they come
(no element tree is built), so memory grows with the cells kept, not with the XML.

Where a cell lands: Excel gives an unindexed cell the column after the previous cell (and its
MergeAcross) and never puts a cell on a column that a MergeDown from a row above covers; writers
skip such columns with `ss:Index`. LibreOffice (7.x) numbers columns without the covered ones
instead, for unindexed and indexed cells alike. A value that lands on a covered column is only
possible in that numbering, so when one does, the workbook is placed again that way.
"""

from __future__ import annotations

import codecs
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from xml.etree.ElementTree import ParseError

import pandas as pd
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from civdash.config import DEFAULT_SETTINGS, Settings
from civdash.io import messages as msg
from civdash.io.layout import Grid, cell_text
from civdash.io.merges import Merge
from civdash.io.messages import FileRefused

MAX_COLUMNS = 16_384
"""Excel's last column (XFD); a cell holding a value beyond it means the file is broken."""
MAX_GRID_CELLS = 20_000_000
"""Cells kept in the row lists (each row as wide as its last value), over all sheets. A 100 MB
file cannot hold that many real values; a few values far right on every row would make each row
list tens of thousands of slots long."""
_FEED_BYTES = 1 << 20
_EXPAT_CODECS = {"utf-8", "utf8", "utf-16", "utf16", "us-ascii", "ascii", "iso-8859-1", "latin-1"}
_GB_CODECS = {"gb2312", "gbk", "x-gbk", "cp936", "gb18030"}
_DECLARED = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._\-]+)["']""")
_HIDDEN = {"SheetHidden", "SheetVeryHidden"}
_SS = "urn:schemas-microsoft-com:office:spreadsheet}"
"""How expat names the spreadsheet namespace's attributes (ss:Index → _SS + "Index")."""


@dataclass(frozen=True)
class XmlSheet:
    """One worksheet: `rows[i][j]` is the cell at spreadsheet row i+1, column j+1."""

    name: str
    visible: bool
    rows: Grid
    """Values as typed by ss:Type: str, float, datetime, bool; None when empty. Trailing empty
    cells of a row and trailing empty rows are left out."""
    merges: list[Merge]
    """Merged ranges (first row, first column, last row, last column; 0-based, inclusive)."""


def read_spreadsheetml(data: bytes, settings: Settings = DEFAULT_SETTINGS) -> list[XmlSheet]:
    """Every worksheet of an Excel 2003 XML workbook, in workbook order.

    Raises `FileRefused`: `XML_ENTITIES` for a DOCTYPE/ENTITY declaration, `CORRUPT` for XML that
    does not parse, `too_many_rows` for a sheet with values beyond `settings.max_rows`.

    >>> xml = (b'<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
    ...        b'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="S">'
    ...        b'<Table><Row><Cell ss:Index="2"><Data ss:Type="Number">3</Data></Cell></Row>'
    ...        b'</Table></Worksheet></Workbook>')
    >>> read_spreadsheetml(xml)[0].rows
    [[None, 3.0]]
    """
    text, encoding = _as_parsable(data)
    try:
        return _parse(text, encoding, settings, skip_covered=False)
    except _CoveredCell:
        return _parse(text, encoding, settings, skip_covered=True)


def body_frame(rows: Sequence[Sequence[object]], width: int) -> pd.DataFrame:
    """`rows` as a DataFrame with columns 0..n-1 (at least `width`) typed like the other readers'
    bodies: float64 for numbers, datetime64[ms] for dates, nullable boolean for TRUE/FALSE, and
    text for anything else; a column mixing kinds becomes text (dates as 2026-11-15, whole
    numbers without ".0", booleans as TRUE/FALSE)."""
    n = max([width, *map(len, rows)])
    columns = {c: _column([r[c] if c < len(r) else None for r in rows]) for c in range(n)}
    return pd.DataFrame(columns, index=pd.RangeIndex(len(rows)))


def _column(values: list[object]) -> pd.Series:
    kinds = {type(v) for v in values if v is not None}
    if kinds == {float}:
        return pd.Series(values, dtype="float64")
    if kinds == {datetime}:
        return pd.Series(values, dtype="datetime64[ms]")
    if kinds == {bool}:
        return pd.Series(values, dtype="boolean")
    return pd.Series([_text(v) for v in values], dtype="str")


def _text(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return cell_text(value)


# ---- parsing ---------------------------------------------------------------------------------


class _CoveredCell(Exception):
    """A value landed on a column covered by a MergeDown from above: LibreOffice's numbering."""


def _as_parsable(data: bytes) -> tuple[bytes, str | None]:
    """The bytes to hand to expat and the encoding to tell it, if any.

    expat reads UTF-8, UTF-16 and Latin-1 itself; a workbook declared as GBK/GB2312 (Chinese Java
    systems write those) or any other Python codec is decoded here and handed over as UTF-8.
    """
    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return data, None
    declared = _DECLARED.match(data[:1024])
    if declared is None:
        return data, None
    name = declared.group(1).decode("ascii").lower()
    if name in _EXPAT_CODECS:
        return data, None
    codec = "gb18030" if name in _GB_CODECS else name
    try:
        codecs.lookup(codec)
        return data.decode(codec).encode("utf-8"), "utf-8"
    except (LookupError, UnicodeDecodeError) as exc:
        raise FileRefused(msg.CORRUPT) from exc


def _parse(
    data: bytes, encoding: str | None, settings: Settings, *, skip_covered: bool
) -> list[XmlSheet]:
    book = _Workbook(settings, skip_covered)
    parser = DefusedXMLParser(target=book, encoding=encoding, forbid_dtd=True, forbid_entities=True)
    # defusedxml guards the expat parser it made (its DOCTYPE, ENTITY and external-reference
    # handlers raise); element events go from that parser straight to `book`, without the
    # ElementTree layer that would rebuild each tag and attribute dict first (a third faster)
    expat = parser.parser
    expat.StartElementHandler = book.start
    expat.EndElementHandler = book.end
    expat.CharacterDataHandler = book.data
    try:
        for start in range(0, len(data), _FEED_BYTES):
            parser.feed(data[start : start + _FEED_BYTES])
        parser.close()
    except DefusedXmlException as exc:
        raise FileRefused(msg.XML_ENTITIES) from exc
    except (ParseError, ValueError, OverflowError) as exc:
        raise FileRefused(msg.CORRUPT) from exc
    if not book.seen_workbook:
        raise FileRefused(msg.CORRUPT)
    return book.sheets


def _attr(attrs: list[str], name: str) -> str | None:
    """Attribute ss:`name` (or a bare `name`, which some hand-made files use) from expat's
    [name, value, name, value …] list."""
    for i in range(0, len(attrs), 2):
        key = attrs[i]
        if key == name or key == _SS + name:
            return attrs[i + 1]
    return None


def _count(attrs: list[str], name: str, default: int, least: int) -> int:
    raw = _attr(attrs, name)
    if raw is None:
        return default
    value = int(raw.strip())  # ValueError → CORRUPT
    if value < least:
        raise ValueError(f"{name}={value}")
    return value


@dataclass
class _Sheet:
    name: str
    visible: bool = True
    rows: Grid = field(default_factory=list)
    merges: list[Merge] = field(default_factory=list)
    last_row: int = 0
    """1-based number of the last row holding a value (counted past `max_rows` too)."""
    down: dict[int, tuple[int, int]] = field(default_factory=dict)
    """Column → (first, last) 0-based rows of a MergeDown covering it from the row below first."""


class _Workbook:
    """Builds the sheets from expat's element events (names as "namespace}local")."""

    def __init__(self, settings: Settings, skip_covered: bool) -> None:
        self.max_rows = settings.max_rows
        self.skip_covered = skip_covered
        self.sheets: list[XmlSheet] = []
        self.seen_workbook = False
        self.cells = 0
        self.names: dict[str, str] = {}  # expat name → local name
        self.stack: list[str] = []
        self.sheet: _Sheet | None = None
        self.row = -1  # 0-based row number of the current row
        self.next_position = 1  # where an unindexed cell goes (1-based, in the file's numbering)
        self.covered: list[int] = []  # columns covered from above in the current row, sorted
        self.values: dict[int, object] = {}
        self.cell: tuple[int, str | None] | None = None  # (column, ss:Type) of the open cell
        self.on_covered = False  # the open cell sits on a column covered from above
        self.data_depth = 0  # stack depth of the open <Data>, 0 when none
        self.text: list[str] = []
        self.in_visible = False

    # -- parser events ---------------------------------------------------------------------------
    def start(self, tag: str, attrs: list[str]) -> None:
        name = self.names.get(tag)
        if name is None:
            name = self.names[tag] = tag.rpartition("}")[2]
        stack = self.stack
        parent = stack[-1] if stack else ""
        stack.append(name)
        if self.data_depth:
            return  # rich text inside <Data>: only its text counts
        if name == "Cell":
            if parent == "Row" and self.sheet is not None:
                self._start_cell(attrs)
        elif name == "Data":
            if parent == "Cell" and self.cell is not None:
                self.cell = (self.cell[0], _attr(attrs, "Type"))
                self.data_depth = len(stack)
                self.text = []
        elif name == "Row":
            if parent == "Table" and self.sheet is not None:
                self._start_row(attrs)
        elif name == "Workbook" and not parent:
            self.seen_workbook = True
        elif name == "Worksheet":
            self.sheet = _Sheet(_attr(attrs, "Name") or f"Sheet{len(self.sheets) + 1}")
            self.row = -1
        elif name == "Visible" and parent == "WorksheetOptions" and self.sheet is not None:
            self.in_visible = True
            self.text = []

    def data(self, text: str) -> None:
        if self.data_depth or self.in_visible:
            self.text.append(text)

    def end(self, tag: str) -> None:
        depth = len(self.stack)
        name = self.stack.pop()
        if self.data_depth:
            if depth == self.data_depth:
                self.data_depth = 0
                self._end_data()
            return
        if self.sheet is None:
            return
        if name == "Cell":
            self.cell = None
        elif name == "Row":
            if self.stack and self.stack[-1] == "Table":
                self._end_row()
        elif name == "Visible" and self.in_visible:
            self.in_visible = False
            if "".join(self.text).strip() in _HIDDEN:
                self.sheet.visible = False
        elif name == "Worksheet":
            self._end_sheet()

    def close(self) -> None:
        return None

    # -- rows and cells --------------------------------------------------------------------------
    def _start_row(self, attrs: list[str]) -> None:
        assert self.sheet is not None
        # rows come top to bottom: an index that goes back is refused, as Excel does
        self.row = _count(attrs, "Index", self.row + 2, self.row + 2) - 1
        self.next_position = 1
        self.values = {}
        down = self.sheet.down
        if down:
            for c in [c for c, (_, last) in down.items() if last < self.row]:
                del down[c]
            self.covered = sorted(c for c, (first, _) in down.items() if first < self.row)
        else:
            self.covered = []

    def _start_cell(self, attrs: list[str]) -> None:
        assert self.sheet is not None
        if attrs:
            # cells come left to right: an index that goes back is refused, as Excel does
            position = _count(attrs, "Index", self.next_position, self.next_position)
            across = min(_count(attrs, "MergeAcross", 0, 0), MAX_COLUMNS)
            down = min(_count(attrs, "MergeDown", 0, 0), self.max_rows)
        else:
            position, across, down = self.next_position, 0, 0
        self.next_position = position + across + 1
        col = position - 1
        if self.skip_covered:
            for c in self.covered:  # the position-th column that no merge from above covers
                if c <= col:
                    col += 1
        # an empty cell on a covered column says nothing (some writers put placeholders there)
        self.on_covered = not self.skip_covered and col in self.covered
        self.cell = (col, None)
        if across or down:
            self.sheet.merges.append((self.row, col, self.row + down, col + across))
            if down:
                for c in range(col, col + across + 1):
                    self.sheet.down[c] = (self.row, self.row + down)

    def _end_data(self) -> None:
        assert self.cell is not None
        col, kind = self.cell
        value = _value(kind, "".join(self.text))
        if value is None:
            return
        if self.on_covered:
            raise _CoveredCell
        if col >= MAX_COLUMNS:
            raise ValueError(f"column {col + 1} beyond {MAX_COLUMNS}")
        self.values[col] = value

    def _end_row(self) -> None:
        assert self.sheet is not None
        if not self.values:
            return
        number = self.row + 1
        self.sheet.last_row = max(self.sheet.last_row, number)
        if number > self.max_rows:
            return  # counted, not kept: the sheet is refused when it ends
        width = max(self.values) + 1
        self.cells += width
        if self.cells > MAX_GRID_CELLS:
            raise ValueError("too many cells")
        row: list[object] = [None] * width
        for c, v in self.values.items():
            row[c] = v
        rows = self.sheet.rows
        rows.extend([] for _ in range(self.row - len(rows)))  # rows skipped with ss:Index
        rows.append(row)

    def _end_sheet(self) -> None:
        sheet = self.sheet
        assert sheet is not None
        if sheet.last_row > self.max_rows:
            raise FileRefused(msg.too_many_rows(sheet.last_row, self.max_rows))
        rows = sheet.rows
        while rows and not rows[-1]:
            rows.pop()
        self.sheets.append(XmlSheet(sheet.name, sheet.visible, rows, sheet.merges))
        self.sheet = None


def _value(kind: str | None, text: str) -> object:
    """A cell's value by its ss:Type; what does not parse as its type is kept as text."""
    if kind == "String" or kind is None:
        return text or None
    raw = text.strip()
    if not raw:
        return None
    if kind == "Number":
        try:
            number = float(raw)
        except ValueError:
            return raw
        return number if math.isfinite(number) else raw
    if kind == "DateTime":
        try:
            return datetime.fromisoformat(raw).replace(tzinfo=None)
        except ValueError:
            return raw
    if kind == "Boolean":
        lowered = raw.lower()
        if lowered in ("1", "true"):
            return True
        if lowered in ("0", "false"):
            return False
        return raw
    return raw  # Error (#DIV/0!, #N/A …) and anything unknown: the text Excel shows
