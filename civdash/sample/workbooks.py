"""The sample city's ledgers written the way its clerks write them, as real .xlsx files.

Each weekly file is messy the way offices' files are: a merged title row with the as-of date, a
note row, header spellings that change from week to week, a two-row header, a 合计 row, a 填报人
footer, dates typed as text in five ways, district spellings, full-width digits, a hidden 字典
sheet, a 填报说明 sheet before the data, and a handful of genuinely bad rows (`SampleFile.bad_rows`).
README.md beside this file lists every kind of mess; tests/sample/ checks them.

The files are written with xlsxwriter; the big ledgers (volunteers, issues) in its constant-memory
mode, which streams each row to disk as it is written. Every text goes through `write_string`, so
the hostile description `=HYPERLINK(…)` stays text. Same arguments, same bytes.

    python -m civdash.sample --out DIR                  # every week, 32 files
    python -m civdash.sample --out DIR --latest-only    # what civdash/sample/files/ holds
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from civdash.sample.assessments import (
    ASSESSOR,
    ROUNDS,
    AssessmentRound,
    contacts,
    round_rows,
    simulate_assessments,
)
from civdash.sample.city import (
    CITY,
    DISTRICT_BY_NAME,
    DISTRICTS,
    END_DATE,
    TARGETS_ISSUED,
    geojson_text,
    words,
)
from civdash.sample.simulation import LEDGERS, SampleCity, as_of_dates, simulate

__all__ = [
    "CONTACTS_FILE",
    "IMPOSSIBLE_DATE",
    "ISSUE_LAYOUTS",
    "LATEST_FILES",
    "PACKAGED_FILES",
    "ROUND_FILE",
    "UNKNOWN_DISTRICT",
    "VOLUNTEER_LAYOUTS",
    "SampleFile",
    "generate",
    "ledger_file_name",
    "main",
    "write_contacts",
    "write_ledger",
    "write_round",
]

UNKNOWN_DISTRICT = "西湖区"
"""A district that is not in 青澜市: the deliberately bad district of every ledger."""
IMPOSSIBLE_DATE = "2026-02-30"

_EXCEL_EPOCH = date(1899, 12, 30)
_FULLWIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")

# ---------------------------------------------------------------------------------------------
# Workbooks: the clerks' styles over xlsxwriter
# ---------------------------------------------------------------------------------------------

_FORMATS: dict[str, dict[str, Any]] = {
    "title": {"bold": True, "font_size": 16, "font_name": "黑体", "align": "center"},
    "note": {"font_size": 10, "align": "left", "text_wrap": True},
    "header": {
        "bold": True,
        "bg_color": "#D9E1F2",
        "border": 1,
        "align": "center",
        "text_wrap": True,
    },
    "cell": {"border": 1},
    "date": {"border": 1, "num_format": "yyyy-mm-dd"},
    "date_slash": {"border": 1, "num_format": "yyyy/m/d"},
    "date_cn": {"border": 1, "num_format": 'yyyy"年"m"月"d"日"'},
    "percent": {"border": 1, "num_format": "0%"},
    "total": {"bold": True, "border": 1},
    "footer": {"align": "left"},
    "plain": {},
}
"""Named cell styles; every one is vertically centred in 宋体 unless it says otherwise."""


@dataclass(frozen=True)
class _Cell:
    """A value with its own style: a date in another format, a serial number typed as a number …"""

    value: Any
    style: str


class _Workbook:
    """One .xlsx file being written; `big` streams rows to disk (xlsxwriter's constant memory).

    Written to a `.part` file and renamed on a clean exit, so a crash leaves no half file.
    """

    def __init__(self, path: Path, author: str, created: date, *, big: bool = False) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._part = path.with_name(path.name + ".part")
        self.book = xlsxwriter.Workbook(
            str(self._part),
            {
                "constant_memory": big,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "default_format_properties": {"font_name": "宋体", "valign": "vcenter"},
            },
        )
        # a fixed creation time: the same city gives the same bytes
        stamp = datetime(created.year, created.month, created.day, 9)
        self.book.set_properties({"author": author, "created": stamp})
        self.styles = {name: self.book.add_format(props) for name, props in _FORMATS.items()}

    def add_sheet(
        self, name: str, widths: Sequence[float], *, hidden: bool = False, active: bool = False
    ) -> _Sheet:
        ws = self.book.add_worksheet(name)
        for i, width in enumerate(widths):
            ws.set_column(i, i, width)
        if hidden:
            ws.hide()
        if active:
            ws.activate()
        return _Sheet(ws, self.styles)

    def __enter__(self) -> _Workbook:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.book.close()
        if exc_type is None:
            self._part.replace(self.path)
        else:
            self._part.unlink(missing_ok=True)


class _Sheet:
    """A worksheet filled top to bottom; row numbers are 1-based, as the spreadsheet shows them."""

    def __init__(self, ws: Worksheet, styles: dict[str, Format]) -> None:
        self.ws = ws
        self.styles = styles
        self.next_row = 1

    def add(
        self,
        cells: Sequence[Any],
        *,
        style: str = "cell",
        blank_style: str | None = "cell",
        height: float | None = None,
    ) -> int:
        """Append one row; returns its row number. Texts and numbers take `style`, dates the
        date style, a `_Cell` its own; None is a blank cell in `blank_style` (none: left out)."""
        r = self.next_row
        self.next_row += 1
        if height:
            self.ws.set_row(r - 1, height)
        blank = self.styles[blank_style] if blank_style else None
        self._write(r - 1, cells, self.styles[style], self.styles["date"], blank)
        return r

    def add_merged(self, text: str, ncols: int, *, style: str, height: float | None = None) -> int:
        """Append one row whose cells `ncols` wide are merged into one holding `text`."""
        r = self.next_row
        self.next_row += 1
        if height:
            self.ws.set_row(r - 1, height)
        self.ws.merge_range(r - 1, 0, r - 1, ncols - 1, text, self.styles[style])
        return r

    def add_body(self, columns: Sequence[Sequence[Any]], *, date_style: str = "date") -> int:
        """Append the data rows, given column by column; returns the first row's number."""
        first = self.next_row
        cell, dates = self.styles["cell"], self.styles[date_style]
        for i, row in enumerate(zip(*columns, strict=True)):
            self._write(first - 1 + i, row, cell, dates, cell)
        self.next_row += len(columns[0])
        return first

    def freeze(self, rows: int) -> None:
        """Keep the top `rows` rows (title and header) on screen while scrolling."""
        self.ws.freeze_panes(rows, 0)

    def _write(
        self, r: int, cells: Iterable[Any], fmt: Format, date_fmt: Format, blank: Format | None
    ) -> None:
        ws = self.ws
        for c, value in enumerate(cells):
            v, f, df = value, fmt, date_fmt
            if type(v) is _Cell:
                f = df = self.styles[v.style]
                v = v.value
            t = type(v)
            if t is str:
                ws.write_string(r, c, v, f)
            elif t is date:
                ws.write_number(r, c, (v - _EXCEL_EPOCH).days, df)
            elif v is None or v != v:  # None, NaN
                if blank is not None:
                    ws.write_blank(r, c, None, blank)
            elif t is bool:
                ws.write_boolean(r, c, v, f)
            else:
                ws.write_number(r, c, v, f)


# ---------------------------------------------------------------------------------------------
# Writing ledgers the way clerks do
# ---------------------------------------------------------------------------------------------

_DISTRICT_VARIANTS: dict[str, tuple[str, ...]] = {
    "城关区": ("城关", " 城关区", "城关 区"),
    "东湖区": ("东湖", "东湖 区", "东湖区 "),
    "西山区": ("西山", "西山 区"),
    "南港区": ("南港", "南港 区", " 南港区"),
    "北塘镇": ("北塘", "北塘 镇"),
    "高新技术产业开发区": ("高新区", "高新 区"),
    "临江镇": ("临江", "临江镇 "),
}


def _cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _typed_date(d: date, r: float) -> Any:
    """A date a clerk typed as text (or pasted as a bare serial number); `r` < 0.08 picks how."""
    if r < 0.025:
        return f"{d.year}/{d.month}/{d.day}"
    if r < 0.045:
        return f"{d.year}.{d.month:02d}.{d.day:02d}"
    if r < 0.065:
        return _cn_date(d)
    if r < 0.075:
        return _Cell((d - _EXCEL_EPOCH).days, "cell")
    return f"{d:%Y%m%d}"


def _messy_dates(values: Iterable[Any], r: np.ndarray) -> list[Any]:
    """Mostly real date cells; about 8 % of rows (the same rows every week) typed as text."""
    out = list(values)
    for i in np.flatnonzero(r < 0.08):
        d = out[i]
        if type(d) is date:  # not None, not NaT
            out[i] = _typed_date(d, float(r[i]))
    return out


def _messy_hours(values: Iterable[float], r: np.ndarray) -> list[Any]:
    """Numbers, except "12.5小时", full-width "１２．５" and numbers stored as text in ~3 %."""
    out: list[Any] = [float(h) for h in values]
    for i in np.flatnonzero(r < 0.03):
        h = out[i]
        out[i] = (
            f"{h:g}小时"
            if r[i] < 0.012
            else f"{h:g}".translate(_FULLWIDTH)
            if r[i] < 0.017
            else f"{h:g}"
        )
    return out


def _messy_districts(values: Iterable[str], r: np.ndarray, pick: np.ndarray) -> list[str]:
    """Canonical names, except 高新区 for a quarter of 高新 rows and other spellings in ~3 %."""
    out = list(values)
    for i, name in enumerate(out):
        if name == "高新技术产业开发区" and r[i] < 0.25:
            out[i] = "高新区"
        elif r[i] > 0.97:
            variants = _DISTRICT_VARIANTS[name]
            out[i] = variants[int(pick[i]) % len(variants)]
    return out


def _none_if_nan(values: Iterable[Any]) -> list[Any]:
    return [None if v is None or v != v or v == "" else v for v in values]


def _title_rows(sheet: _Sheet, title: str, note: str | None, ncols: int) -> None:
    sheet.add_merged(title, ncols, style="title", height=32)
    if note:
        sheet.add_merged(note, ncols, style="note", height=30)


def _footer(sheet: _Sheet, ncols: int, filler: str, checker: str, filed: date) -> None:
    sheet.add([], blank_style=None)
    text = f"填报人：{filler}　　审核人：{checker}　　填报日期：{_cn_date(filed)}"
    sheet.add_merged(text, ncols, style="footer")


def _header(sheet: _Sheet, headers: Sequence[str]) -> None:
    r = sheet.add(list(headers), style="header", height=30)
    sheet.freeze(r)


@dataclass
class _Body:
    """Data columns being assembled, with the indices of rows made deliberately invalid."""

    cols: list[list[Any]]
    bad: set[int] = field(default_factory=set)

    @staticmethod
    def from_columns(columns: Sequence[Sequence[Any]]) -> _Body:
        return _Body([list(c) for c in columns])

    @property
    def n(self) -> int:
        return len(self.cols[0])

    def pick(
        self, rng: np.random.Generator, k: int, ok: Callable[[int], bool] = lambda i: True
    ) -> list[int]:
        """`k` rows not yet picked (and passing `ok`), chosen at random; marks them bad."""
        chosen: list[int] = []
        for x in rng.permutation(self.n):
            i = int(x)
            if i not in self.bad and ok(i):
                chosen.append(i)
                if len(chosen) == k:
                    break
        self.bad.update(chosen)
        return sorted(chosen)

    def insert_duplicate(self, rng: np.random.Generator, src: int, changes: dict[int, Any]) -> None:
        """Enter row `src` again further down, with `changes` by column (the copy is the bad row)."""
        at = int(rng.integers(src + 1, self.n + 1))
        for j, col in enumerate(self.cols):
            col.insert(at, changes.get(j, col[src]))
        self.bad = {b + 1 if b >= at else b for b in self.bad} | {at}

    def write(self, sheet: _Sheet, *, date_style: str = "date") -> list[int]:
        """Write the rows (renumbering 序号 in column 0); returns the bad rows' row numbers."""
        self.cols[0] = list(range(1, self.n + 1))
        first = sheet.add_body(self.cols, date_style=date_style)
        return [first + i for i in sorted(self.bad)]


# Volunteers ----------------------------------------------------------------------------------

VOLUNTEER_LAYOUTS: tuple[dict[str, Any], ...] = (
    {
        "sheet": "志愿者台账",
        "headers": words(
            "序号 志愿者编号 姓名 性别 所属区县 街道/乡镇 志愿服务队 注册日期 累计服务时长（小时） "
            "是否党员 联系电话 身份证号"
        ),
        "party": ("是", "否"),
        "date_style": "date",
        "phone_numeric": False,
        "note": "说明：1.服务时长以“志愿青澜”平台记录为准；2.是否党员填“是”或“否”。",
    },
    {
        "sheet": "Sheet1",
        "headers": words(
            "序号 注册编号 志愿者姓名 性别 所在区（县） 乡镇（街道） 服务队名称 注册时间 服务时长（小时） "
            "党员 手机号码 身份证号码"
        ),
        "party": ("√", None),
        "date_style": "date_slash",
        "phone_numeric": True,
        "note": None,
    },
    {
        "sheet": "注册志愿者",
        "headers": words(
            "序号 编号 姓名 性别 区县 所属街道 所属组织 注册日期 时长 政治面貌 联系方式 证件号码"
        ),
        "party": ("中共党员", "群众"),
        "date_style": "date_cn",
        "phone_numeric": False,
        "note": "单位：人、小时",
    },
)
"""The three layouts the volunteer ledger rotates through, week by week."""


def _write_volunteers(
    city: SampleCity, as_of: date, path: Path, rng: np.random.Generator, week_no: int
) -> tuple[list[int], str]:
    layout = VOLUNTEER_LAYOUTS[week_no % len(VOLUNTEER_LAYOUTS)]
    v = city.volunteers_at(as_of, with_mess=True)
    n = len(v)
    yes, no = layout["party"]
    young = v["mess_pick"].to_numpy() == 0
    if no == "群众":
        party = [
            yes if p else ("共青团员" if y else no)
            for p, y in zip(v["is_party_member"].tolist(), young.tolist(), strict=True)
        ]
    else:
        party = [yes if p else no for p in v["is_party_member"].tolist()]
    phones = _none_if_nan(v["phone"].tolist())
    if layout["phone_numeric"]:
        phones = [None if p is None else float(p) for p in phones]
    cols = [
        [0] * n,
        v["volunteer_id"].tolist(),
        v["name"].tolist(),
        v["gender"].tolist(),
        _messy_districts(
            v["district"].tolist(), v["mess_district"].to_numpy(), v["mess_pick"].to_numpy()
        ),
        v["street"].tolist(),
        v["team"].tolist(),
        _messy_dates(v["registered_on"].tolist(), v["mess_date"].to_numpy()),
        _messy_hours(v["hours"].tolist(), v["mess_hours"].to_numpy()),
        party,
        phones,
        _none_if_nan(v["id_number"].tolist()),
    ]
    body = _Body.from_columns(cols)
    for i in body.pick(rng, 2):
        body.cols[7][i] = IMPOSSIBLE_DATE
    for i in body.pick(rng, 2):
        body.cols[8][i] = -float(rng.choice([5, 12.5, 3]))
    for i in body.pick(rng, 2):
        body.cols[4][i] = UNKNOWN_DISTRICT
    for i in body.pick(rng, 1 + int(rng.integers(0, 2))):
        body.cols[2][i] = None
    # the same volunteer entered twice: the later row repeats an earlier 志愿者编号
    sources = body.pick(rng, 2)
    body.bad.difference_update(sources)
    extra = [float(x) for x in rng.integers(1, 60, len(sources))]
    for src, hours in sorted(zip(sources, extra, strict=True), reverse=True):
        body.insert_duplicate(rng, src, {8: hours})
    ncols = len(layout["headers"])
    widths = (6, 13, 9, 6, 12, 12, 26, 13, 12, 9, 14, 21)
    with _Workbook(path, "青澜市志愿服务指导中心", as_of, big=True) as wb:
        sheet = wb.add_sheet(layout["sheet"], widths, active=True)
        _title_rows(sheet, f"{CITY}注册志愿者台账（截至{_cn_date(as_of)}）", layout["note"], ncols)
        _header(sheet, layout["headers"])
        bad = body.write(sheet, date_style=layout["date_style"])
        total_hours = round(float(v["hours"].sum()), 1)
        total = ["合计", None, f"{body.n}人", None, None, None, None, None, total_hours]
        sheet.add([*total, None, None, None], style="total")
        _footer(sheet, ncols, "周晓燕", "陈建国", as_of + timedelta(days=1))
    return bad, f"注册志愿者 {body.n} 行（含 {len(bad)} 行错误示例）"


# Units ---------------------------------------------------------------------------------------

_COUNTY_LEVEL_SPELLINGS = ("县级", "县级", "县级", "区县级", "县（区）级")


def _title_of(level: str, category: str, name: str, pick: int) -> str:
    """The 称号 a clerk writes: level + category, 文明村 / 文明乡镇, 县级 spelled three ways."""
    if category == "文明村镇":
        category = "文明村" if name.endswith("村") else "文明乡镇"
    if level == "县级":
        level = _COUNTY_LEVEL_SPELLINGS[pick % len(_COUNTY_LEVEL_SPELLINGS)]
    return f"{level}{category}"


def _write_units(
    city: SampleCity, as_of: date, path: Path, rng: np.random.Generator, week_no: int
) -> tuple[list[int], str]:
    combined_title = week_no % 2 == 0  # one 称号 column, or 类别 and 级别
    u = city.units_at(as_of, with_mess=True)
    n = len(u)
    districts = _messy_districts(
        u["district"].tolist(), u["mess_district"].to_numpy(), u["mess_pick"].to_numpy()
    )
    scores = _none_if_nan(u["score"].tolist())
    targets = _none_if_nan(u["target_score"].tolist())
    years = [None if pd.isna(y) else int(y) for y in u["named_year"]]
    lat, lon = _none_if_nan(u["lat"].tolist()), _none_if_nan(u["lon"].tolist())
    groups: list[tuple[str, tuple[str, ...] | None]]
    if combined_title:
        groups = [
            ("序号", None),
            ("编号", None),
            ("单位名称", None),
            ("称号", None),
            ("所属区县", None),
            ("乡镇（街道）", None),
            ("创建状态", None),
            ("测评情况", ("得分", "目标分")),
            ("命名年份", None),
            ("主管部门", None),
            ("地理坐标", ("经度", "纬度")),
        ]
        titles = [
            _title_of(lv, c, nm, int(p))
            for lv, c, nm, p in zip(
                u["level"], u["category"], u["unit_name"], u["mess_pick"], strict=True
            )
        ]
        cols = [
            [0] * n,
            u["unit_id"].tolist(),
            u["unit_name"].tolist(),
            titles,
            districts,
            u["street"].tolist(),
            u["status"].tolist(),
            scores,
            targets,
            years,
            u["department"].tolist(),
            lon,
            lat,
        ]
        name_col, dist_col, score_col, lon_col, lat_col = 2, 4, 7, 11, 12
        widths: tuple[float, ...] = (6, 11, 30, 16, 12, 12, 10, 8, 8, 10, 14, 11, 11)
    else:
        groups = [
            ("序号", None),
            ("单位编号", None),
            ("创建单位名称", None),
            ("创建类别", None),
            ("级别", None),
            ("所在区", None),
            ("街道", None),
            ("状态", None),
            ("测评情况", ("测评得分", "目标分值")),
            ("命名时间", None),
            ("牵头单位", None),
            ("纬度", None),
            ("经度", None),
        ]
        cols = [
            [0] * n,
            u["unit_id"].tolist(),
            u["unit_name"].tolist(),
            u["category"].tolist(),
            u["level"].tolist(),
            districts,
            u["street"].tolist(),
            u["status"].tolist(),
            scores,
            targets,
            years,
            u["department"].tolist(),
            lat,
            lon,
        ]
        name_col, dist_col, score_col, lat_col, lon_col = 2, 5, 8, 12, 13
        widths = (6, 11, 30, 10, 8, 12, 12, 10, 9, 9, 10, 14, 11, 11)
    body = _Body.from_columns(cols)
    for i in body.pick(rng, 1):
        body.cols[name_col][i] = None
    for i in body.pick(rng, 2):
        body.cols[dist_col][i] = UNKNOWN_DISTRICT
    for i in body.pick(rng, 1, lambda i: body.cols[score_col][i] is not None):
        body.cols[score_col][i] = 105.0
    for i in body.pick(rng, 1, lambda i: body.cols[score_col][i] is not None):
        body.cols[score_col][i] = "优秀"
    # a clerk swapped 经度 and 纬度 in two rows (kept, with a warning)
    for i in body.pick(rng, 2, lambda i: body.cols[lat_col][i] is not None):
        body.cols[lat_col][i], body.cols[lon_col][i] = body.cols[lon_col][i], body.cols[lat_col][i]
        body.bad.discard(i)
    ncols = len(cols)
    with _Workbook(path, "青澜市文明办", as_of) as wb:
        sheet = wb.add_sheet("创建单位", widths, active=True)
        _title_rows(
            sheet,
            f"{CITY}文明创建单位台账（截至{_cn_date(as_of)}）",
            "注：测评得分为最近一次测评结果；称号按“级别+类别”填写。" if combined_title else None,
            ncols,
        )
        _two_row_header(sheet, groups)
        bad = body.write(sheet)
        total: list[Any] = [None] * ncols
        total[0], total[name_col] = "合计", f"共{body.n}个单位"
        sheet.add(total, style="total")
        _footer(sheet, ncols, "吴敏", "郑志刚", as_of + timedelta(days=1))
        # the drop-down lists clerks pick from, kept on a hidden sheet
        lists = wb.add_sheet("字典", (14, 10, 8, 10), hidden=True)
        lists.add(["区县", "创建类别", "级别", "创建状态"], style="plain", blank_style=None)
        columns = (
            [d.name for d in DISTRICTS],
            ["文明单位", "文明村镇", "文明社区", "文明校园", "文明家庭", "文明窗口"],
            ["全国", "省级", "市级", "县级"],
            ["培育中", "已申报", "已命名", "复查保留", "已撤销"],
        )
        for k in range(max(len(c) for c in columns)):
            row = [c[k] if k < len(c) else None for c in columns]
            lists.add(row, style="plain", blank_style=None)
    return bad, f"创建单位 {n} 个（含 {len(bad)} 行错误示例、2 行经纬度颠倒）"


def _two_row_header(sheet: _Sheet, groups: Sequence[tuple[str, tuple[str, ...] | None]]) -> None:
    """测评情况 (and 地理坐标) merged over their sub-columns, every other header merged down."""
    top = sheet.next_row - 1
    sheet.ws.set_row(top, 22)
    sheet.ws.set_row(top + 1, 22)
    style = sheet.styles["header"]
    col = 0
    for label, children in groups:
        if children:
            sheet.ws.merge_range(top, col, top, col + len(children) - 1, label, style)
            for k, child in enumerate(children):
                sheet.ws.write_string(top + 1, col + k, child, style)
            col += len(children)
        else:
            sheet.ws.merge_range(top, col, top + 1, col, label, style)
            col += 1
    sheet.next_row += 2
    sheet.freeze(top + 2)


# Issues --------------------------------------------------------------------------------------

ISSUE_LAYOUTS: tuple[dict[str, Any], ...] = (
    {
        "headers": words(
            "序号 问题编号 发现日期 所属区县 街道/乡镇 具体点位 点位类型 问题类别 问题描述 问题来源 "
            "责任单位 整改时限 整改状态 整改完成日期 整改措施 经度 纬度"
        ),
        "status": {},
        "lon_first": True,
        "date_style": "date",
        "note": "说明：整改状态填写待整改、整改中、已整改、已销号或长期整改；"
        "整改时限可填写日期、天数或“立行立改”。",
    },
    {
        "headers": words(
            "序号 编号 发现时间 区县 乡镇（街道） 点位 点位类别 问题类型 存在问题 来源 整改责任单位 "
            "完成时限 办理状态 办结时间 整改情况 lat lng"
        ),
        "status": {
            "待整改": "未整改",
            "整改中": "正在整改",
            "已整改": "已完成",
            "已销号": "销号",
            "长期整改": "长期坚持",
        },
        "lon_first": False,
        "date_style": "date_cn",
        "note": None,
    },
)
"""The two layouts the issue ledger alternates between, week by week."""

_ISSUE_GUIDE = (
    "问题整改台账填报说明",
    "1. 每周日18:00前报送，截至当日的全部问题均需列出（含已销号问题）。",
    "2. 发现日期、整改完成日期请按“2026-11-15”格式填写。",
    "3. 整改时限可填写具体日期、“7天”“15个工作日”“立行立改”或“长期坚持”。",
    "4. 整改状态：待整改、整改中、已整改、已销号、长期整改。",
    "5. 已整改问题经复核后方可销号。",
)


def _write_issues(
    city: SampleCity, as_of: date, path: Path, rng: np.random.Generator, week_no: int
) -> tuple[list[int], str]:
    layout = ISSUE_LAYOUTS[week_no % len(ISSUE_LAYOUTS)]
    i = city.issues_at(as_of, with_mess=True)
    n = len(i)
    deadline_dates = _messy_dates(i["deadline"].tolist(), i["mess_deadline"].to_numpy())
    deadlines = [t or d for t, d in zip(i["deadline_text"].tolist(), deadline_dates, strict=True)]
    rectified = _messy_dates(
        _none_if_nan(i["rectified_on"].tolist()), i["mess_rectified"].to_numpy()
    )
    status = [layout["status"].get(s, s) for s in i["status"]]
    lat, lon = _none_if_nan(i["lat"].tolist()), _none_if_nan(i["lon"].tolist())
    coords = (lon, lat) if layout["lon_first"] else (lat, lon)
    cols = [
        [0] * n,
        i["issue_id"].tolist(),
        _messy_dates(i["found_on"].tolist(), i["mess_found"].to_numpy()),
        _messy_districts(
            i["district"].tolist(), i["mess_district"].to_numpy(), i["mess_pick"].to_numpy()
        ),
        i["street"].tolist(),
        i["location"].tolist(),
        i["point_type"].tolist(),
        i["category"].tolist(),
        i["description"].tolist(),
        i["source"].tolist(),
        i["responsible_unit"].tolist(),
        deadlines,
        status,
        rectified,
        _none_if_nan(i["measures"].tolist()),
        *coords,
    ]
    body = _Body.from_columns(cols)
    hostile = {k for k, d in enumerate(i["description"]) if d.startswith("=HYPERLINK")}
    body.bad.update(hostile)  # never corrupt the hostile row: it must stay valid
    for k in body.pick(rng, 2):
        body.cols[2][k] = IMPOSSIBLE_DATE
    for k in body.pick(rng, 2):
        body.cols[3][k] = UNKNOWN_DISTRICT
    for k in body.pick(rng, 2):
        body.cols[10][k] = None
    for k in body.pick(rng, 1):
        body.cols[8][k] = None
    # coordinates: two rows with 经度/纬度 swapped, one with (0, 0); kept with a warning
    for k in body.pick(rng, 2, lambda k: body.cols[15][k] is not None):
        body.cols[15][k], body.cols[16][k] = body.cols[16][k], body.cols[15][k]
        body.bad.discard(k)
    for k in body.pick(rng, 1, lambda k: body.cols[15][k] is not None):
        body.cols[15][k], body.cols[16][k] = 0.0, 0.0
        body.bad.discard(k)
    body.bad.difference_update(hostile)
    ncols = len(layout["headers"])
    widths = (6, 15, 13, 12, 12, 24, 12, 10, 34, 10, 18, 13, 10, 13, 30, 11, 11)
    with _Workbook(path, "青澜市创城办督查科", as_of, big=True) as wb:
        guide = wb.add_sheet("填报说明", (90,))
        for line in _ISSUE_GUIDE:
            guide.add([line], style="plain", blank_style=None)
        sheet = wb.add_sheet("问题整改台账", widths, active=True)
        title = f"{CITY}创建全国文明城市问题整改台账（截至{_cn_date(as_of)}）"
        _title_rows(sheet, title, layout["note"], ncols)
        _header(sheet, layout["headers"])
        bad = body.write(sheet, date_style=layout["date_style"])
        closed = int(np.isin(i["status"], ["已整改", "已销号"]).sum())
        total: list[Any] = [None] * ncols
        total[0], total[5], total[8] = "合计", f"共{n}条", f"已整改{closed}条，未整改{n - closed}条"
        sheet.add(total, style="total")
        _footer(sheet, ncols, "李静", "张卫东", as_of + timedelta(days=1))
    return bad, f"问题 {n} 条（含 {len(bad)} 行错误示例、3 行坐标需提醒、1 行恶意文本）"


# 测评 reports ---------------------------------------------------------------------------------

_ROUND_GROUPS: tuple[tuple[str, tuple[str, ...] | None], ...] = (
    ("序号", None),
    ("测评批次", None),
    ("测评日期", None),
    ("点位信息", ("街道", "测评点位", "点位类型")),
    ("测评内容", ("指标编号", "测评项目", "分值")),
    ("测评结果", ("得分", "失分", "失分原因")),
    ("责任单位", None),
    ("测评单位", None),
    ("地理坐标", ("经度", "纬度")),
)
"""The report's two-row header: groups merged over their sub-columns, the rest merged down."""
_ROUND_GUIDE = (
    "测评说明",
    "1. 本次模拟测评依据《全国文明城市测评体系》实地考察部分，按点位类型抽取测评项目逐项打分。",
    "2. 每个区县一张工作表，点位后为点位小计，表尾为区县合计。",
    "3. 失分栏为空表示该项目未失分；得分率 = 得分 ÷ 分值 × 100%。",
    "4. 请各责任单位对照失分原因立即整改，整改情况报市创城办。",
)


def _sheet_name(district: str) -> str:
    """How the evaluator names a district's sheet: its short name (高新区)."""
    return DISTRICT_BY_NAME[district].short


def _points(x: float) -> float | int:
    """A number of points as a report writes it: 2, not 2.0."""
    return int(x) if float(x).is_integer() else float(x)


def _write_round(rows: pd.DataFrame, rnd: AssessmentRound, path: Path) -> tuple[list[int], str]:
    """The evaluator's report of one round: a 测评说明 sheet, then one sheet per district with a
    merged title and note, the two-row header, the 点位 one after another each followed by its
    小计 row, a 合计 row and a 制表 footer. 失分 is left blank where nothing was lost; one
    district's sheet has its dates typed as text."""
    ncols = 16
    widths = (6, 20, 13, 10, 22, 10, 8, 24, 6, 6, 6, 34, 18, 14, 11, 11)
    with _Workbook(path, ASSESSOR, rnd.as_of) as wb:
        guide = wb.add_sheet("测评说明", (90,))
        for line in _ROUND_GUIDE:
            guide.add([line], style="plain", blank_style=None)
        for k, d in enumerate(DISTRICTS):
            mine = rows[rows["district"] == d.name]
            day = mine["assessed_on"].iloc[0]
            full, score = float(mine["full_points"].sum()), float(mine["score"].sum())
            sheet = wb.add_sheet(_sheet_name(d.name), widths, active=k == 0)
            _title_rows(
                sheet,
                f"{CITY}{rnd.name}得分明细表（{d.name}）",
                f"测评单位：{ASSESSOR}　　测评日期：{_cn_date(day)}　　"
                f"应得分 {full:g} 分，实得分 {score:g} 分，得分率 {100 * score / full:.2f}%",
                ncols,
            )
            _two_row_header(sheet, _ROUND_GROUPS)
            n = 0
            for _, point in mine.groupby("location", sort=False):
                for r in point.itertuples(index=False):
                    n += 1
                    lost = _points(r.points_lost) if r.points_lost > 0 else None
                    when = _cn_date(r.assessed_on) if k == 3 else r.assessed_on
                    sheet.add(
                        [
                            n,
                            r.round,
                            when,
                            r.street,
                            r.location,
                            r.point_type,
                            r.item_code,
                            r.item,
                            _points(r.full_points),
                            _points(r.score),
                            lost,
                            r.description or None,
                            r.responsible_unit,
                            r.assessor,
                            r.lon,
                            r.lat,
                        ]
                    )
                subtotal: list[Any] = [None] * ncols
                subtotal[0] = "小计"
                subtotal[8] = _points(float(point["full_points"].sum()))
                subtotal[9] = _points(float(point["score"].sum()))
                subtotal[10] = _points(float(point["points_lost"].sum()))
                sheet.add(subtotal, style="total")
            total: list[Any] = [None] * ncols
            total[0], total[4] = "合计", f"共{mine['location'].nunique()}个点位、{n}项"
            total[8], total[9] = _points(full), _points(score)
            total[10] = _points(float(mine["points_lost"].sum()))
            sheet.add(total, style="total")
            sheet.add([], blank_style=None)
            sheet.add_merged(
                f"制表：{ASSESSOR}项目组　　审核人：钱立新　　日期：{_cn_date(rnd.as_of)}",
                ncols,
                style="footer",
            )
    lost = rows[rows["points_lost"] > 0]
    rate = 100 * rows["score"].sum() / rows["full_points"].sum()
    return [], (
        f"{rnd.name}：{rows['location'].nunique()} 个点位 {len(rows)} 项，"
        f"失分 {len(lost)} 项，得分率 {rate:.2f}%（每个区县一张工作表，含点位小计和合计行）"
    )


def _write_contacts(rows: pd.DataFrame, path: Path) -> tuple[list[int], str]:
    """The 市创城办's list of the responsible units' contacts: city departments first (所属区县
    blank), then the streets' and towns' offices district by district."""
    headers = ("序号", "责任单位", "所属区县", "负责人", "联络员", "联系电话")
    ordered = pd.concat([rows[rows["district"] == ""], rows[rows["district"] != ""]])
    with _Workbook(path, "青澜市创城办", TARGETS_ISSUED) as wb:
        sheet = wb.add_sheet("联系人名单", (6, 22, 18, 10, 10, 14), active=True)
        _title_rows(
            sheet,
            f"{CITY}创建全国文明城市责任单位联系人名单",
            f"（{_cn_date(TARGETS_ISSUED)}更新；市直部门所属区县留空）",
            len(headers),
        )
        _header(sheet, headers)
        for n, r in enumerate(ordered.itertuples(index=False), start=1):
            sheet.add([n, r.responsible_unit, r.district or None, r.leader, r.liaison, r.phone])
        _footer(sheet, len(headers), "吴敏", "郑志刚", TARGETS_ISSUED)
    city = int((rows["district"] == "").sum())
    return [], f"责任单位联系人 {len(rows)} 个（市直部门 {city} 个）"


# Targets -------------------------------------------------------------------------------------

# fmt: off
_TARGET_ROWS: tuple[tuple[str, str, Any, str, Any, str], ...] = (
    ("注册志愿者占常住人口比例", "全市", "13%", "%", date(2026, 12, 31), "市志愿服务指导中心"),
    ("注册志愿者占常住人口比例", "城关区", "14%", "%", date(2026, 12, 31), "城关区"),
    ("注册志愿者占常住人口比例", "南港区", "11%", "%", date(2026, 12, 31), "南港区"),
    ("星级志愿者人数", "全市", 6500, "人", date(2026, 12, 31), "市志愿服务指导中心"),
    ("党员志愿者人数", "全市", 10000, "人", date(2026, 12, 31), "市委组织部"),
    ("问题整改率", "全市", 90, "%", date(2026, 12, 31), "市创城办"),
    ("问题整改率", "南港区", 85, "%", date(2026, 12, 31), "南港区"),
    ("问题整改率", "高新区", 92, "%", date(2026, 12, 31), "高新区管委会"),
    ("按期整改率", "全市", 85, "%", "2026/12/31", "市创城办"),
    ("销号率", "全市", 80, "%", "2026年11月30日", "市创城办"),
    ("逾期未整改问题数", "全市", 50, "条", date(2026, 11, 30), "市创城办"),
    ("已命名单位数", "全市", 350, "个", date(2026, 12, 31), "市文明办"),
    ("创建单位达标率", "全市", _Cell(0.85, "percent"), "%", date(2026, 12, 31), "市文明办"),
    ("平均测评得分", "全市", 85, "分", date(2026, 12, 31), "市文明办"),
    ("公益广告覆盖率", "全市", "100%", "%", date(2026, 12, 31), "市委宣传部"),
)
# fmt: on
"""The last row names a metric outside the catalogue: a realistic row the reader must flag."""


def _write_targets(path: Path) -> tuple[list[int], str]:
    headers = ("序号", "指标名称", "区县", "目标值", "单位", "完成时限", "牵头部门", "备注")
    bad = []
    with _Workbook(path, "青澜市文明办", TARGETS_ISSUED) as wb:
        sheet = wb.add_sheet("目标任务", (6, 28, 10, 10, 6, 15, 20, 16), active=True)
        _title_rows(
            sheet,
            f"{CITY}2026年创建全国文明城市重点指标目标任务",
            f"（{_cn_date(TARGETS_ISSUED)}{CITY}文明办印发）",
            len(headers),
        )
        _header(sheet, headers)
        for k, (metric, district, target, unit, due, lead) in enumerate(_TARGET_ROWS, start=1):
            remark = "新增指标" if metric == "公益广告覆盖率" else None
            r = sheet.add([k, metric, district, target, unit, due, lead, remark])
            if metric == "公益广告覆盖率":
                bad.append(r)
        _footer(sheet, len(headers), "吴敏", "郑志刚", TARGETS_ISSUED)
    return bad, f"目标任务 {len(_TARGET_ROWS)} 条（最后一条指标不在指标目录中）"


# ---------------------------------------------------------------------------------------------
# generate()
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleFile:
    """One generated file: what it is, the date it is as of, a note for the UI."""

    path: Path
    kind: str
    as_of: date
    note: str
    bad_rows: tuple[int, ...] = ()
    """Spreadsheet row numbers (1-based) that were made invalid on purpose."""


_Writer = Callable[[SampleCity, date, Path, np.random.Generator, int], tuple[list[int], str]]


@dataclass(frozen=True)
class _WeeklyFile:
    """How one weekly ledger is written: its writer, and the number that seeds its bad rows."""

    kind: str
    seed: int
    write: _Writer


_WEEKLY_FILES = (
    _WeeklyFile("units", 11, _write_units),
    _WeeklyFile("volunteers", 12, _write_volunteers),
    _WeeklyFile("issues", 13, _write_issues),
)
LATEST_FILES = (
    "districts.geojson",
    "targets.xlsx",
    "units_{d}.xlsx",
    "volunteers_{d}.xlsx",
    "issues_{d}.xlsx",
)
"""The weekly files packaged in civdash/sample/files/ ({d} = END_DATE in ISO form)."""
CONTACTS_FILE = "contacts.xlsx"
ROUND_FILE = f"assessments_{ROUNDS[-1].as_of.isoformat()}.xlsx"
"""The report of the latest 测评 round (the earlier ones are loaded from the simulation)."""
PACKAGED_FILES = (*LATEST_FILES, CONTACTS_FILE, ROUND_FILE)
"""Every file in civdash/sample/files/: what `load_sample` reads."""


def ledger_file_name(kind: str, as_of: date) -> str:
    return f"{kind}_{as_of.isoformat()}.xlsx"


def write_ledger(
    city: SampleCity, kind: str, as_of: date, out_dir: Path, *, seed: int = 2026
) -> SampleFile:
    """Write the `kind` ledger of `as_of` (a Sunday up to END_DATE) into `out_dir`, as its clerk
    files it that week; the layout is the week's (offices change templates)."""
    (weekly,) = [w for w in _WEEKLY_FILES if w.kind == kind]
    rng = np.random.default_rng([seed, weekly.seed, as_of.toordinal()])
    path = Path(out_dir) / ledger_file_name(kind, as_of)
    week_no = (as_of - END_DATE).days // 7  # the layouts alternate by the date, not the run
    bad, note = weekly.write(city, as_of, path, rng, week_no)
    return SampleFile(path, kind, as_of, f"截至{_cn_date(as_of)}：{note}", tuple(bad))


def write_round(
    out_dir: Path, rnd: AssessmentRound = ROUNDS[-1], *, seed: int = 2026
) -> SampleFile:
    """Write the evaluator's report of 测评 round `rnd` (default the latest) into `out_dir` as
    `assessments_{last day}.xlsx`."""
    path = Path(out_dir) / f"assessments_{rnd.as_of.isoformat()}.xlsx"
    bad, note = _write_round(round_rows(simulate_assessments(seed), rnd.name), rnd, path)
    return SampleFile(path, "assessments", rnd.as_of, note, tuple(bad))


def write_contacts(out_dir: Path, *, seed: int = 2026) -> SampleFile:
    """Write the responsible units' contacts list into `out_dir` as contacts.xlsx."""
    path = Path(out_dir) / CONTACTS_FILE
    bad, note = _write_contacts(contacts(seed), path)
    return SampleFile(path, "contacts", TARGETS_ISSUED, note, tuple(bad))


def generate(
    out_dir: Path, *, weeks: int = 10, seed: int = 2026, latest_only: bool = False
) -> list[SampleFile]:
    """Write the sample city into `out_dir`; same arguments, same bytes.

    Files: districts.geojson, targets.xlsx and `{kind}_{as_of}.xlsx` for units, volunteers and
    issues on each of `weeks` consecutive Sundays ending on END_DATE (only the last one with
    `latest_only`), then contacts.xlsx and the latest 测评 round's report (ROUND_FILE). Returns
    them in that order: districts, targets, week by week, contacts, the round.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    dates = as_of_dates(weeks)
    city = simulate(seed)
    geo_path = out_dir / "districts.geojson"
    geo_path.write_text(geojson_text(), encoding="utf-8", newline="\n")
    files = [
        SampleFile(
            geo_path,
            "districts",
            dates[0],
            f"{CITY}区县边界：{len(DISTRICTS)} 个区县，常住人口合计 "
            f"{sum(d.population for d in DISTRICTS):,} 人",
        )
    ]
    targets_path = out_dir / "targets.xlsx"
    bad, note = _write_targets(targets_path)
    files.append(SampleFile(targets_path, "targets", dates[0], note, tuple(bad)))
    for as_of in dates[-1:] if latest_only else dates:
        files += [write_ledger(city, kind, as_of, out_dir, seed=seed) for kind in LEDGERS]
    files += [write_contacts(out_dir, seed=seed), write_round(out_dir, seed=seed)]
    return files


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m civdash.sample", description=f"生成示例城市（{CITY}）的台账文件"
    )
    parser.add_argument("--out", type=Path, required=True, help="输出目录")
    parser.add_argument("--weeks", type=int, default=10, help="周数（默认 10）")
    parser.add_argument("--seed", type=int, default=2026, help="随机种子（默认 2026）")
    parser.add_argument(
        "--latest-only",
        action="store_true",
        help="只写最近一周的台账（即 civdash/sample/files/ 中随包发布的文件，含联系人名单和最近一次测评结果）",
    )
    args = parser.parse_args(list(argv) if argv is not None else None)
    t0 = time.perf_counter()
    files = generate(args.out, weeks=args.weeks, seed=args.seed, latest_only=args.latest_only)
    for f in files:
        print(f"{f.path}\t{f.kind}\t{f.as_of}\t{f.note}")
    print(f"{len(files)} files in {time.perf_counter() - t0:.1f} s")
    return 0
