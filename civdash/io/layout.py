"""Where the table is in a sheet: title rows, the header row(s), the data, and what is not data.

Works on the top of a sheet as a grid (`grid[i][j]` = cell at spreadsheet row i+1, column j),
which every format can supply cheaply, and on the body as a DataFrame, which may have a million
rows: every rule on the body is vectorised.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from civdash.io import messages as msg
from civdash.ledgers import REGISTRY, normalize_header
from civdash.ledgers.matching import MAX_HEADER_CHARS, header_scores

PEEK_ROWS = 30
"""Header rows are looked for among the first rows of a sheet; titles above them are skipped."""
FIRST_COLUMNS = 6
"""合计 and footer words are looked for in the first non-empty cell among this many columns."""

PAIR_MARGIN = 1.0
"""A two-row header must name at least one more field than any single row: a title line above
the header (填报单位：… 统计时间：…) must not be glued onto it for a stray partial match."""
MAX_HEADER_ROWS = 3
"""Group cells merged across columns, sub-groups, sub-headers: 受益人数 → 成人 → 男 / 女."""
MAPPED_WEIGHT = 10.0
"""Score of a column name the user mapped by hand: more than any row of synonyms can reach."""

Grid = list[list[object]]

_INSTRUCTION_SHEET = re.compile(
    r"填表说明|填报说明|说明|须知|示例|instruction|readme|说明书|帮助", re.IGNORECASE
)
_NUMBER_LIKE = re.compile(r"^[\s+\-]*[\d.,:/\-年月日时分秒%\s]+$")


def cell_text(value: object) -> str:
    """A cell as header/title text: trimmed, inner whitespace runs collapsed; "" when empty."""
    if value is None:
        return ""
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):  # pandas Timestamps too
        if pd.isna(value):
            return ""
        return (
            value.date().isoformat()
            if value.time() == datetime.min.time()
            else value.isoformat(sep=" ")
        )
    if value is pd.NA:
        return ""
    return " ".join(str(value).split())


def row_texts(row: Sequence[object], width: int) -> list[str]:
    texts = [cell_text(v) for v in row[:width]]
    return texts + [""] * (width - len(texts))


def is_instruction_sheet(name: str) -> bool:
    """填表说明 / 说明 / instructions sheets explain the form; they never hold the ledger."""
    return bool(_INSTRUCTION_SHEET.search(name))


@functools.cache
def _field_names() -> tuple[frozenset[str], tuple[str, ...]]:
    """Every normalised header spelling of every kind, and those long enough to match partially."""
    names: set[str] = set()
    for k in REGISTRY.values():
        for f in k.input_fields:
            names.update(f.header_names())
        names.update(normalize_header(e) for e in k.extra_headers)
    names.discard("")
    return frozenset(names), tuple(n for n in names if len(n) >= 2)


def _may_name_field(text: str) -> bool:
    """Could this cell match some field at all (exactly, or one text containing the other)?"""
    n = normalize_header(text)
    if not n or len(n) > MAX_HEADER_CHARS:
        return False
    exact, partial = _field_names()
    if n in exact:
        return True
    return len(n) >= 2 and any(x in n or n in x for x in partial)


class Scorer:
    """How strongly a row looks like a header: `header_scores` for `kind`, or the best of all kinds.

    `mapped` holds the column names the user mapped by hand (normalised): the header is the row
    where they are, so each one found in a row outweighs any number of synonyms.

    `bound` is a cheap upper limit of the score (each column adds at most 1.5: an exact match plus
    the required-field bonus), so rows that cannot beat the best row so far are not scored.
    """

    def __init__(self, kind: str | None, mapped: Iterable[str] = ()) -> None:
        self.kind = kind
        self.mapped = frozenset(n for n in (normalize_header(m) for m in mapped) if n)
        self._cache: dict[tuple[str, ...], float] = {}

    def __call__(self, cells: Sequence[str]) -> float:
        key = tuple(cells)
        if key not in self._cache:
            scores = header_scores(list(key)) if any(key) else {}
            base = scores.get(self.kind, 0.0) if self.kind else max(scores.values(), default=0.0)
            self._cache[key] = base + MAPPED_WEIGHT * self._mapped_in(key)
        return self._cache[key]

    def _mapped_in(self, cells: Sequence[str]) -> int:
        if not self.mapped:
            return 0
        return len(self.mapped & {normalize_header(c) for c in cells})

    def bound(self, cells: Sequence[str]) -> float:
        return 1.5 * sum(1 for c in cells if _may_name_field(c)) + MAPPED_WEIGHT * self._mapped_in(
            cells
        )


@dataclass(frozen=True)
class Header:
    row: int
    """1-based row number of the (first) header row."""
    rows: int
    """1, or 2 for a merged two-row header."""
    headers: tuple[str, ...]
    """Combined header text per grid column."""
    score: float


def _could_be_subheader(row: Sequence[object]) -> bool:
    """Sub-headers are words: a row holding numbers or dates is data, not a second header row."""
    for v in row:
        if v is None or v == "":
            continue
        if not isinstance(v, str):
            return False
        if _NUMBER_LIKE.match(v):
            return False
    return True


def is_free_text_row(texts: Sequence[str]) -> bool:
    """A row holding a cell of long free text (a complaint, an official reply) is data, never a
    header: column names are short."""
    return any(len(t) > MAX_HEADER_CHARS for t in texts)


def _is_number_cell(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float | date | datetime):
        return True
    return isinstance(value, str) and bool(_NUMBER_LIKE.match(value))


def is_mostly_numbers(row: Sequence[object]) -> bool:
    """A row whose cells are mostly numbers or dates ("市辖区 | 72 | 0 | 0") is data: column names
    are words."""
    cells = [v for v in row if v is not None and cell_text(v)]
    return 2 * sum(_is_number_cell(v) for v in cells) > len(cells)


def combine_header_rows(upper: Sequence[str], lower: Sequence[str], score: Scorer) -> list[str]:
    """Combine a group row and the sub-header row under it into one header per column.

    The two-row case of `combine_header_levels`.
    """
    return combine_header_levels([upper, lower], score)


def combine_header_levels(levels: Sequence[Sequence[str]], score: Scorer) -> list[str]:
    """Combine header rows, top first (groups, sub-groups, sub-headers), into one header per column.

    A group cell merged across several columns holds its text in the first column only, so it is
    carried right over the columns that have something below it, within the same parent group.
    Each column then reads along its path from the top: the shortest ending of the path that names
    a field best is used ("测评情况" over "得分" gives "得分"); when no ending names a field, the
    whole path is joined ("联系方式" over "座机" gives "联系方式座机"; "受益人数" → "成人" → "男"
    gives "受益人数成人男"). A header merged down over all rows (序号) keeps its own text.
    """
    n = len(levels)
    width = max((len(r) for r in levels), default=0)
    grid = [[r[j] if j < len(r) else "" for j in range(width)] for r in levels]
    paths = [[""] * n for _ in range(width)]
    for level in range(n):
        carry = ""
        for j in range(width):
            text = grid[level][j]
            below = any(grid[m][j] for m in range(level + 1, n))
            same_parent = j > 0 and all(paths[j][m] == paths[j - 1][m] for m in range(level))
            if text:
                paths[j][level] = carry = text
            elif carry and below and same_parent:
                paths[j][level] = carry
            else:
                carry = ""
    return [_path_text(path, score) for path in paths]


def _path_text(path: Sequence[str], score: Scorer) -> str:
    parts: list[str] = []
    for p in path:
        if p and (not parts or parts[-1] != p):
            parts.append(p)
    if len(parts) <= 1:
        return parts[0] if parts else ""
    endings = ["".join(parts[i:]) for i in range(len(parts))]  # longest first
    scores = [score([e]) for e in endings]
    best = max(scores)
    if best <= 0:
        return endings[0]
    return endings[max(i for i, s in enumerate(scores) if s == best)]


def _could_head_a_group(row: Sequence[object]) -> bool:
    """The top row of a multi-row header holds words only: not dates or numbers, and not the
    "填报单位：… 统计时间：…" labels of a title line."""
    return _could_be_subheader(row) and not any(
        isinstance(v, str) and (":" in v or "：" in v) for v in row
    )


def _group_spans(above: Sequence[Sequence[str]], row: Sequence[str]) -> int:
    """Cells of `row` under columns where every row above is empty: sub-headers of a group cell
    merged across columns (a data row under a complete header has none)."""
    return sum(1 for j, t in enumerate(row) if t and not any(r[j] for r in above))


def _merged_down(above: Sequence[Sequence[str]], row: Sequence[str]) -> int:
    """Columns named in the first row above and empty in `row`: headers merged down (序号)."""
    return sum(1 for j, t in enumerate(above[0]) if t and not row[j])


def _header_of(texts: Sequence[Sequence[str]], i: int, rows: int, score: Scorer) -> Header:
    levels = [list(map(str, texts[k])) for k in range(i, i + rows)]
    combined = levels[0] if rows == 1 else combine_header_levels(levels, score)
    return Header(i + 1, rows, tuple(combined), score(combined))


def find_header(grid: Grid, score: Scorer, header_row: int | None = None) -> Header | None:
    """The header of a sheet top: the row (or up to three rows) that best names ledger fields.

    Single rows are scored; rows of long free text never are. Two or three rows are combined
    where the rows below could be sub-headers under merged group cells, and win when they name
    at least one more field than every single row, or when their shape leaves no doubt (group
    cells over sub-headers beside headers merged down) and they name no fewer fields. `header_row`
    (1-based, the user's choice) restricts the search to that row and the rows starting there.
    With no row naming any field, the first row about as wide as the widest is the header.
    None for an empty grid.
    """
    if not grid:
        return None
    width = max((len(r) for r in grid), default=0)
    if width == 0:
        return None
    texts = [row_texts(r, width) for r in grid]
    filled = [sum(1 for t in row if t) for row in texts]
    prose = [is_free_text_row(t) or is_mostly_numbers(r) for t, r in zip(texts, grid, strict=True)]
    if header_row is not None:
        candidates = [header_row - 1] if 0 < header_row <= len(grid) else []
    else:
        candidates = [i for i in range(len(grid)) if filled[i] >= 2 and not prose[i]] or [
            i for i in range(len(grid)) if filled[i] and not prose[i]
        ]
    if not candidates:
        return None

    # Score rows in order of their upper bound; stop once no row left can beat the best.
    bounds = {i: score.bound(texts[i]) for i in candidates}
    best: Header | None = None
    for i in sorted(candidates, key=lambda i: (-bounds[i], i)):
        if best is not None and bounds[i] < best.score:
            break
        s = score(texts[i]) if bounds[i] > 0 else 0.0
        if best is None or s > best.score or (s == best.score and i + 1 < best.row):
            best = Header(i + 1, 1, tuple(texts[i]), s)
    assert best is not None
    if best.score <= 0 and header_row is None:
        widest = max(filled[i] for i in candidates)
        i = next(i for i in candidates if 2 * filled[i] >= widest)
        best = Header(i + 1, 1, tuple(texts[i]), 0.0)
    singles_best = best.score
    for i in candidates:
        if filled[i] < 2 or not _could_head_a_group(grid[i]):
            continue
        for rows in range(2, MAX_HEADER_ROWS + 1):
            j = i + rows - 1
            if j >= len(grid) or prose[j] or not _could_be_subheader(grid[j]):
                break
            above = texts[i:j]
            if not _group_spans(above, texts[j]):
                break
            multi = _header_of(texts, i, rows, score)
            clear_shape = (
                i + 1 == best.row
                and _group_spans(above, texts[j]) >= 2
                and _merged_down(above, texts[j]) >= 1
                and multi.score >= best.score
            )
            if (multi.score >= singles_best + PAIR_MARGIN and multi.score > best.score) or (
                clear_shape
            ):
                best = multi
    return best


# ---- title rows: as-of date and coordinate system -------------------------------------------

_DATE = re.compile(r"(?<!\d)(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})(?!\d)")
_COMPACT_DATE = re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)")
_AS_OF_LABEL = re.compile(
    r"(截至|截止|统计时间|统计日期|统计截止|数据时间|数据日期|更新时间|更新日期|报送时间|报送日期|填报时间|填报日期|制表时间|制表日期|时间|日期)"
    r"\s*(?:为|到|至)?\s*[:：]?\s*$"
)
_PERIOD = re.compile(r"\s*日?\s*(?:至|到|-|—|–|~|～)\s*")
_EXCEL_EPOCH = date(1899, 12, 30)


def _valid_date(y: str, m: str, d: str) -> date | None:
    try:
        return date(int(y), int(m), int(d))
    except ValueError:
        return None


def _date_in_text(text: str) -> tuple[date | None, bool]:
    """The date in one piece of title text and whether a 截至/统计时间 label introduces it."""
    first: date | None = None
    previous_end = -1
    for m in _DATE.finditer(text):
        found = _valid_date(*m.groups())
        if found is None:
            continue
        if _AS_OF_LABEL.search(text[max(0, m.start() - 12) : m.start()]):
            return found, True
        # a period "2026年1月1日至2026年11月15日" is as of its end
        is_period_end = previous_end >= 0 and _PERIOD.fullmatch(text[previous_end : m.start()])
        first = found if is_period_end else first or found
        previous_end = m.end()
    for m in _COMPACT_DATE.finditer(text):
        found = _valid_date(*m.groups())
        if found and _AS_OF_LABEL.search(text[max(0, m.start() - 12) : m.start()]):
            return found, True
    return first, False


def _cell_date(value: object) -> date | None:
    """A real date cell, or an Excel serial number in a plausible range."""
    if isinstance(value, datetime | pd.Timestamp) and not pd.isna(value):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, float | int) and not isinstance(value, bool) and 20000 <= value <= 80000:
        return _EXCEL_EPOCH + timedelta(days=int(value))
    return None


def find_as_of(rows: Sequence[Sequence[object]]) -> date | None:
    """The as-of date of a ledger from its title rows.

    "XX台账（截至2026年11月15日）", "截止2026-11-15", "（2026.11.15）", "统计时间：2026/11/15", or a
    label cell "统计时间：" followed by a date cell. A labelled date beats an unlabelled one.
    """
    fallback: date | None = None
    for row in rows:
        cells = [v for v in row if v is not None and cell_text(v)]
        for k, value in enumerate(cells):
            text = unicodedata.normalize("NFKC", cell_text(value))
            found, labelled = _date_in_text(text)
            if labelled:
                return found
            fallback = fallback or found
            if _AS_OF_LABEL.search(text) and k + 1 < len(cells):
                nxt = cells[k + 1]
                as_date = _cell_date(nxt)
                if as_date is None:
                    as_date, _ = _date_in_text(unicodedata.normalize("NFKC", cell_text(nxt)))
                if as_date is not None:
                    return as_date
    return fallback


_GCJ = re.compile(r"gcj[\s\-_]*0?2|火星坐标|高德|腾讯", re.IGNORECASE)
_BD = re.compile(r"bd[\s\-_]*0?9|百度", re.IGNORECASE)


def find_crs(texts: Sequence[str]) -> str | None:
    """ "GCJ-02" or "BD-09" when the file says its coordinates are in that system."""
    joined = unicodedata.normalize("NFKC", "\n".join(texts))
    gcj, bd = _GCJ.search(joined), _BD.search(joined)
    if gcj and bd:
        return "GCJ-02" if gcj.start() < bd.start() else "BD-09"
    if gcj:
        return "GCJ-02"
    if bd:
        return "BD-09"
    return None


def title_text(rows: Sequence[Sequence[object]]) -> str | None:
    """The title rows as text, one line per row; a date cell after 统计时间： reads as a date."""
    lines = []
    for row in rows:
        parts: list[str] = []
        for value in row:
            text = cell_text(value)
            if not text:
                continue
            as_date = _cell_date(value) if parts and _AS_OF_LABEL.search(parts[-1]) else None
            parts.append(as_date.isoformat() if as_date else text)
        if parts:
            lines.append(" ".join(parts))
    return "\n".join(lines) or None


# ---- the body: rows that are not data, columns that hold nothing -----------------------------

_SPACE = "\\s\u3000"
"""Whitespace in a label: RE2's \\s is ASCII only, and "合　计" is spaced with U+3000."""
_TOTAL = (
    f"^[{_SPACE}]*(?:(?:全|各|本)[{_SPACE}]*[市区县省镇乡页表][{_SPACE}]*|总[{_SPACE}]*)?"
    f"[合小总共][{_SPACE}]*计(?:$|[{_SPACE}:：（(\\[【\\d])"
)
"""合计, 小计, 总计, 共计, 总合计, 全区合计, 全市总计, 本页小计, "合 计", "合　计", "合计：", "总计（人）"."""
_ZERO_TEXT = r"^\s*(?:[+\-]?0+(?:\.0*)?\s*%?|[-—–/]|#(?:DIV/0!|N/A|VALUE!|REF!|NUM!))\s*$"
"""What a formula filled down past the data shows: 0, 0.00, 0%, a dash, an Excel error."""
_FOOTER = (
    r"^\s*(?:填\s*[报表]\s*人|填报单位|填报日期|填报时间|审\s*核\s*人|审\s*核\s*[:：]|审\s*批\s*人"
    r"|制\s*表|(?:单位|主要)?负\s*责\s*人|联\s*系\s*人\s*[:：]|统\s*计\s*人|经\s*办\s*人"
    r"|注\s*\d*\s*[:：]|备\s*注\s*[:：]|附\s*注|(?:填表|填报)?说\s*明\s*(?:[:：\d一二三四五六七八九十]|$))"
)


def _is_text(s: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(s.dtype) or s.dtype == object


def _arrow_text(s: pd.Series) -> pa.Array:
    if s.dtype == object:
        s = s.map(
            lambda v: None if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
        )
        return pa.array(s.tolist(), type=pa.large_string())
    return pa.array(s.array)


def _as_bool(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(pc.fill_null(values, False), dtype=bool)


def nonempty_mask(s: pd.Series) -> np.ndarray:
    """Cells that hold something: not missing, and for text not only whitespace."""
    present = s.notna().to_numpy().copy()
    if _is_text(s) and present.any():
        text = _arrow_text(s)
        present &= ~_as_bool(pc.equal(pc.utf8_trim_whitespace(text), ""))
    return present


@dataclass(frozen=True)
class BodySplit:
    keep: np.ndarray
    """Boolean mask over body rows: the data rows."""
    skipped: tuple[tuple[int, str], ...]
    """(row number, reason) for every other row, in row order."""
    filled: dict[object, np.ndarray]
    """Per column, which rows hold something."""


_TAIL_CHUNK = 256


def _zero_only(
    body: pd.DataFrame, filled: dict[object, np.ndarray], rows: np.ndarray
) -> np.ndarray:
    """For these row positions: does every non-empty cell hold only 0, 0%, a dash or an error?"""
    zeros = np.zeros(len(rows), dtype=np.int32)
    count = np.zeros(len(rows), dtype=np.int32)
    for c in body.columns:
        present = filled[c][rows]
        if not present.any():
            continue
        count += present
        s = body[c].iloc[rows]
        if _is_text(s):
            hit = _as_bool(pc.match_substring_regex(_arrow_text(s), _ZERO_TEXT))
        elif pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
            hit = s.to_numpy(dtype=float, na_value=np.nan) == 0.0
        else:
            hit = np.zeros(len(rows), dtype=bool)
        zeros += present & hit
    return (count > 0) & (zeros == count)


def _filled_down_formulas(
    body: pd.DataFrame, filled: dict[object, np.ndarray], not_data: np.ndarray, limit: int
) -> list[int]:
    """Positions of the rows after the last data row that hold nothing but formula results filled
    down past the data (a 合计 column showing 0, "", "-"). Only the end of the body is looked at."""
    found: list[int] = []
    end = limit
    while end > 0:
        start = max(0, end - _TAIL_CHUNK)
        rows = np.arange(start, end)
        zero = _zero_only(body, filled, rows)
        for k in range(len(rows) - 1, -1, -1):
            if zero[k]:
                found.append(int(rows[k]))
            elif not not_data[rows[k]]:
                return found
        end = start
    return found


def split_body(body: pd.DataFrame) -> BodySplit:
    """Tell data rows from blank rows, 合计/小计/总计 rows and the footer (填报人, 审核人, 注：…).

    A total row is one whose first non-empty cell (in the first few columns) is a total label
    (合计, 小计, 总计, 共计, 总合计, 全区合计 …), wherever the row is. A footer row's first non-empty
    cell starts with a footer word and the row has few cells; it and every row after it are not
    data. Rows after the last data row holding only formula results (0, "-", #DIV/0!) are not
    data either. `first_row` is the spreadsheet number of
    the body's first row. Vectorised: only the first columns are searched with regular
    expressions, over whole columns at once.
    """
    n = len(body)
    filled: dict[object, np.ndarray] = {c: nonempty_mask(body[c]) for c in body.columns}
    count = np.zeros(n, dtype=np.int32)
    for mask in filled.values():
        count += mask
    blank = count == 0
    total = np.zeros(n, dtype=bool)
    footer = np.zeros(n, dtype=bool)
    found = np.zeros(n, dtype=bool)
    few = count <= max(3, len(body.columns) // 3)
    for c in list(body.columns)[:FIRST_COLUMNS]:
        is_first = filled[c] & ~found
        found |= filled[c]
        s = body[c]
        if not _is_text(s):
            continue
        rows = np.flatnonzero(is_first)
        if len(rows) == 0:
            continue
        sub = _arrow_text(s.iloc[rows])
        total[rows] |= _as_bool(pc.match_substring_regex(sub, _TOTAL))
        footer[rows] |= _as_bool(pc.match_substring_regex(sub, _FOOTER)) & few[rows]
        if found.all():
            break
    keep = ~(blank | total)
    reasons: dict[int, str] = {}
    footer_rows = np.flatnonzero(footer)
    if len(footer_rows):
        start = int(footer_rows[0])
        keep[start:] = False
        for i in range(start, n):
            if footer[i]:
                reasons[i] = msg.SKIP_FOOTER
            elif blank[i]:
                reasons[i] = msg.SKIP_BLANK
            else:
                reasons[i] = msg.SKIP_AFTER_FOOTER
        limit = start
    else:
        limit = n
    for formula_row in _filled_down_formulas(body, filled, blank | total, limit):
        keep[formula_row] = False
        reasons[formula_row] = msg.SKIP_FORMULA
    for pos in np.flatnonzero(total[:limit]):
        reasons[int(pos)] = msg.SKIP_TOTAL
    for pos in np.flatnonzero(blank[:limit]):
        reasons[int(pos)] = msg.SKIP_BLANK
    row_numbers = body.index
    skipped = tuple((int(row_numbers[i]), reasons[i]) for i in sorted(reasons))
    return BodySplit(keep, skipped, filled)
