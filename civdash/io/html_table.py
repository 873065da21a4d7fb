"""HTML tables, as web systems export them and save them as ".xls".

Excel opens such a file as a sheet: each <tr> is a row, <td>/<th> are cells, and a cell with
colspan/rowspan becomes a merged range whose text sits in its top-left cell. The grid built here
follows the same rule, so title rows and two-row headers look the same as in a real workbook.
Text outside any table before the first one (an <h1> title, say) is kept as preamble lines.
Each spanning cell is also recorded as a merged range, so the reader can fill data rows the way
`civdash.io.merges` fills merged cells of a workbook.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

from civdash.io.text import decode_text

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_GB = ("gb2312", "gbk", "gb18030", "x-gbk", "cp936")
_MAX_COLSPAN = 512
_MAX_ROWSPAN = 65536
_SKIP_CONTENT = ("script", "style", "head", "title")


def decode_html(data: bytes) -> str:
    """HTML bytes as text: BOM, then the <meta charset>, then UTF-8 / GBK."""
    if not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        declared = _CHARSET.search(data[:4096])
        if declared:
            codec = declared.group(1).decode("ascii").lower()
            codec = "gb18030" if codec in _GB else codec
            try:
                return data.decode(codec)
            except (LookupError, UnicodeDecodeError):
                pass
    text, _encoding = decode_text(data)
    return text


def _span(value: str | None, limit: int) -> int:
    try:
        return max(1, min(int(value or "1"), limit))
    except ValueError:
        return 1


class _Table:
    def __init__(self) -> None:
        self.row: list[str | None] | None = None
        self.carry: dict[int, int] = {}  # column → rows still covered by a rowspan from above
        self.cell: list[str] | None = None
        self.cell_col = 0
        self.cell_span = 1
        self.row_spans: list[tuple[int, int, int]] = []  # (column, colspan, rowspan) in this row
        self.spans: list[tuple[int, int, int, int]] = []  # merged ranges, rows as in the output
        self.last_row = -1


class _TableParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str | None]] = []
        self.preamble: list[str] = []
        self.merges: list[tuple[int, int, int, int]] = []
        self._tables: list[_Table] = []
        self._skip = 0
        self._text: list[str] = []

    # -- structure ---------------------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_CONTENT:
            self._skip += 1
            return
        if tag == "br":
            self.handle_data("\n")
        elif tag == "table":
            if not self._tables:
                self._flush_preamble()
            self._tables.append(_Table())
        elif not self._tables:
            if tag in ("p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "tr"):
                self._flush_preamble()
        elif tag == "tr":
            self._end_row()
            self._start_row()
        elif tag in ("td", "th"):
            t = self._tables[-1]
            if t.row is None:
                self._start_row()
            self._end_cell()
            a = dict(attrs)
            self._start_cell(
                _span(a.get("colspan"), _MAX_COLSPAN), _span(a.get("rowspan"), _MAX_ROWSPAN)
            )

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_CONTENT:
            self._skip = max(0, self._skip - 1)
        elif tag == "table" and self._tables:
            self._end_row()
            self._end_table()
        elif not self._tables:
            if tag in ("p", "div", "h1", "h2", "h3", "h4", "h5", "h6"):
                self._flush_preamble()
        elif tag == "tr":
            self._end_row()
        elif tag in ("td", "th"):
            self._end_cell()

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._tables:
            cell = self._tables[-1].cell
            if cell is not None:
                cell.append(data)
        else:
            self._text.append(data)

    # -- grid building -----------------------------------------------------------------------
    def _flush_preamble(self) -> None:
        text = " ".join("".join(self._text).split())
        if text:
            self.preamble.append(text)
        self._text = []

    def _start_row(self) -> None:
        t = self._tables[-1]
        t.row = []
        t.cell_col = 0

    def _next_free(self, t: _Table, col: int) -> int:
        while t.carry.get(col, 0) > 0:
            col += 1
        return col

    def _start_cell(self, colspan: int, rowspan: int) -> None:
        t = self._tables[-1]
        assert t.row is not None
        col = self._next_free(t, t.cell_col)
        t.cell = []
        t.cell_col = col
        # the cells this one covers: text only in the top-left, like a merged range in Excel
        width = col + colspan
        if len(t.row) < width:
            t.row.extend([None] * (width - len(t.row)))
        if rowspan > 1:
            for c in range(col, width):
                t.carry[c] = (
                    rowspan  # decremented at the end of this row, so it covers rowspan-1 more
                )
        t.cell_span = colspan
        if colspan > 1 or rowspan > 1:
            t.row_spans.append((col, colspan, rowspan))

    def _end_cell(self) -> None:
        t = self._tables[-1]
        if t.cell is None or t.row is None:
            return
        text = "\n".join(" ".join(line.split()) for line in "".join(t.cell).split("\n")).strip()
        t.row[t.cell_col] = text or None
        t.cell_col += t.cell_span
        t.cell = None

    def _end_row(self) -> None:
        if not self._tables:
            return
        t = self._tables[-1]
        self._end_cell()
        if t.row is None:
            return
        index = len(self.rows)
        for col, colspan, rowspan in t.row_spans:
            t.spans.append((index, col, index + rowspan - 1, col + colspan - 1))
        t.row_spans = []
        t.last_row = index
        self.rows.append(t.row)
        for col in list(t.carry):
            t.carry[col] -= 1
            if t.carry[col] <= 0:
                del t.carry[col]
        t.row = None

    def _end_table(self) -> None:
        """A rowspan reaches no further than its table's last row."""
        t = self._tables.pop()
        self.merges.extend((r0, c0, min(r1, t.last_row), c1) for r0, c0, r1, c1 in t.spans)

    def close(self) -> None:
        super().close()
        while self._tables:
            self._end_row()
            self._end_table()
        self._flush_preamble()


@dataclass(frozen=True)
class HtmlGrid:
    rows: list[list[str | None]]
    """All table rows in <tr> order; a spanning cell's text sits in its top-left cell only."""
    preamble: list[str]
    """Text lines before the first table (a title)."""
    merges: list[tuple[int, int, int, int]]
    """One range per spanning cell: first row, first column, last row, last column (0-based,
    inclusive; rows index `rows`)."""


def parse_html(text: str) -> HtmlGrid:
    """The rows, preamble and spanning cells of every table in an HTML page."""
    parser = _TableParser()
    parser.feed(text)
    parser.close()
    return HtmlGrid(parser.rows, parser.preamble, parser.merges)


def parse_html_tables(text: str) -> tuple[list[list[str | None]], list[str]]:
    """All table rows in <tr> order (spans expanded like merged cells) and the preamble lines."""
    grid = parse_html(text)
    return grid.rows, grid.preamble
