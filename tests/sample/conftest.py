"""Fixtures for the sample city: one generated history per session, read back with calamine.

The reader here is deliberately small and independent of civdash.io: it finds the 序号 header
row, joins a two-row header, stops at 合计, maps headers with the ledger registry and parses the
few value forms the generator writes, so the storyline is checked on what the files say.
"""

from __future__ import annotations

import pickle
import re
import shutil
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from filelock import FileLock
from python_calamine import CalamineWorkbook

from civdash.districts import DistrictTable
from civdash.ledgers.matching import match_columns
from civdash.sample import SampleFile, generate
from tests.conftest import _run_temp_dir

STATUS_WORDS = {
    "未整改": "待整改",
    "正在整改": "整改中",
    "已完成": "已整改",
    "销号": "已销号",
    "长期坚持": "长期整改",
}
_EPOCH = date(1899, 12, 30)
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")


@pytest.fixture(scope="session")
def history(tmp_path_factory: pytest.TempPathFactory) -> list[SampleFile]:
    """The default ten weeks, generated once per test run and shared by every xdist worker
    (the list of files is kept beside them)."""
    root = _run_temp_dir(tmp_path_factory)
    out = root / "sample_city"
    listing = out / "files.pickle"
    with FileLock(root / "sample_city.lock"):
        if not listing.is_file():
            shutil.rmtree(out, ignore_errors=True)  # left half-written by a worker that died
            files = generate(out)
            listing.write_bytes(pickle.dumps(files))
    files: list[SampleFile] = pickle.loads(listing.read_bytes())
    return files


@pytest.fixture(scope="session")
def districts(history: list[SampleFile]) -> DistrictTable:
    geo = next(f for f in history if f.kind == "districts")
    return DistrictTable.from_geojson(Path(geo.path))


def sheet_rows(path: Path) -> list[list[object]]:
    """The rows of the data sheet: the visible sheet with the most rows."""
    wb = CalamineWorkbook.from_path(str(path))
    visible = [s.name for s in wb.sheets_metadata if str(s.visible).endswith("Visible")]
    sheets = [wb.get_sheet_by_name(name).to_python() for name in visible]
    return max(sheets, key=len)


def ledger_layout(rows: list[list[object]]) -> tuple[list[str], int, int]:
    """(headers, first data row, row after the data: 合计 or blank); two-row headers joined."""
    h = next(i for i, r in enumerate(rows) if r and r[0] == "序号")
    headers = [str(c) for c in rows[h]]
    start = h + 1
    if rows[start][0] == "":  # sub-headers under merged group cells (测评情况 → 得分, 目标分)
        headers = [str(sub) or top for top, sub in zip(headers, rows[start], strict=True)]
        start += 1
    end = next(i for i in range(start, len(rows)) if rows[i][0] in ("合计", ""))
    return headers, start, end


@cache
def read_ledger(path: Path, kind: str) -> pd.DataFrame:
    """Data rows as canonical fields (raw cell values) plus `row`, the spreadsheet row number.

    Cached for the session: callers must not modify the frame they get.
    """
    rows = sheet_rows(path)
    headers, start, end = ledger_layout(rows)
    by_field = match_columns(kind, headers).by_field
    frame = pd.DataFrame({f: [r[c] for r in rows[start:end]] for f, c in by_field.items()})
    frame["row"] = range(start + 1, end + 1)
    return frame


def parse_date(value: object) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, float):
        return _EPOCH + timedelta(days=int(value))
    for fmt in _DATE_FORMATS:
        try:
            return pd.to_datetime(str(value), format=fmt).date()
        except ValueError:
            continue
    return None


def parse_deadline(value: object, found: date) -> date | None:
    """ledgers.md: a date; N天; N个工作日 (weekdays); 立行立改 = next day; 长期… = none."""
    text = str(value)
    if m := re.fullmatch(r"(\d+)天", text):
        return found + timedelta(days=int(m[1]))
    if m := re.fullmatch(r"(\d+)个工作日", text):
        return pd.Timestamp(np.busday_offset(found, int(m[1]), roll="backward")).date()
    if text == "立行立改":
        return found + timedelta(days=1)
    if text.startswith(("长期", "持续")):
        return None
    return parse_date(value)


def issues_frame(f: SampleFile, districts: DistrictTable) -> pd.DataFrame:
    """The issues of one weekly file, without its deliberately bad rows, with parsed values."""
    df = read_ledger(Path(f.path), "issues")
    df = df[~df["row"].isin(f.bad_rows)].copy()
    df["district"] = [districts.resolve(d) for d in df["district"]]
    df["status"] = [STATUS_WORDS.get(s, s) for s in df["status"]]
    found = [parse_date(v) for v in df["found_on"]]
    df["found_on"] = found
    df["deadline"] = [parse_deadline(v, d) for v, d in zip(df["deadline"], found, strict=True)]
    return df


def close_rate(df: pd.DataFrame) -> float:
    """问题整改率: (已整改 + 已销号) / (all − 长期整改) × 100."""
    base = df[df["status"] != "长期整改"]
    return 100 * float(base["status"].isin(["已整改", "已销号"]).mean())


def overdue(df: pd.DataFrame, as_of: date) -> pd.Series:
    open_ = df["status"].isin(["待整改", "整改中"])
    late = [d is not None and d < as_of for d in df["deadline"]]
    return open_ & pd.Series(late, index=df.index)
