"""督办通知: one Word notice per responsible unit that is late, and all of them as one .zip.

A responsible unit gets a notice when, on the as-of date, it has overdue issues
(`metrics.issue_state`: open, not 长期整改, deadline before the date; days overdue = as-of date
− deadline) or lost points in the latest 测评 round (points_lost > 0). The notice lists them,
the unit's escalation history (督办 → 通报 → 约谈 → 问责, `Store.escalations`), the reply deadline
(`Settings.notice_reply_days` working days after the as-of date) and the unit's contacts, the
phone masked (`civdash.privacy`).

Text from the ledgers is written as text, verbatim: Word never reads it as a field or a formula
(no field codes are written), phone and ID numbers inside it are masked, and characters XML
cannot hold are dropped. The same input gives the same bytes (the zip entries are dated the
as-of date).

>>> files = notices(issues, assessments, contacts, escalations, date(2026, 11, 15))  # doctest: +SKIP
>>> sorted(files)[:2]                                                               # doctest: +SKIP
['督办通知_市城管局.docx', '督办通知_市住建局.docx']
>>> open("督办通知.zip", "wb").write(notices_zip(issues, None, contacts, None, as_of))   # doctest: +SKIP
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
import pandas as pd
import xlsxwriter
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm

from civdash.assessments import load_rounds
from civdash.briefing import DOCX_MIME, HEI, KAI, TEXT_WIDTH_MM, OfficialDocument
from civdash.config import DEFAULT_SETTINGS, Settings
from civdash.dashboard import snapshot_at
from civdash.exports.excel import HEADER_STYLE, XLSX_MIME, column_width, xlsx_bytes
from civdash.metrics import issue_state, real_issues
from civdash.metrics.assessments import latest_round, round_rows
from civdash.privacy import looks_masked, mask_free_text, mask_value
from civdash.store import ESCALATION_LEVELS, LOCAL_TZ, Store
from civdash.views.common import cn_date

__all__ = [
    "DOCX_MIME",
    "INDEX_NAME",
    "XLSX_MIME",
    "ZIP_MIME",
    "NoticeData",
    "NoticesRefused",
    "UnitNotice",
    "escalations_until",
    "load_notice_data",
    "lost_items",
    "notice_docx",
    "notice_file_names",
    "notice_units",
    "notices",
    "notices_zip",
    "overdue_issues",
    "reply_deadline",
    "unit_notices",
    "zip_file_name",
]

ZIP_MIME = "application/zip"
INDEX_NAME = "督办通知清单.xlsx"
"""The zip's index: one row per unit notified, with its counts and file."""

OVERDUE_HEADER = ("编号", "发现日期", "区县", "点位", "问题描述", "整改时限", "逾期天数")
LOST_HEADER = ("测评项目", "指标编号", "点位", "分值", "失分", "失分原因")
HISTORY_HEADER = ("级别", "日期", "事由")
INDEX_HEADER = (
    "序号",
    "责任单位",
    "所属区县",
    "逾期问题数",
    "最长逾期天数",
    "失分项数",
    "失分",
    "最近督办",
    "通知文件",
)

_NUMERALS = "一二三四五六七八九十"
_FILE_BAD = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*\s]+')
_FILE_UNIT_CHARS = 60
"""Longest unit name in a file name (Windows paths stay well under 260 characters)."""


@dataclass(frozen=True)
class UnitNotice:
    """What one responsible unit's 督办通知 says."""

    unit: str
    overdue: pd.DataFrame = field(repr=False)
    """Its overdue issues (`overdue_issues` columns), longest overdue first."""
    lost: pd.DataFrame = field(repr=False)
    """Its lost items in the latest round (`lost_items` columns), most points lost first."""
    contact: Mapping[str, str] | None
    """负责人 (leader), 联络员 (liaison), phone (masked) and district; None when not on file."""
    escalations: pd.DataFrame = field(repr=False)
    """Its escalation records (level, on_date, reason), oldest first."""
    round: str | None
    """The latest 测评 round the lost items are from (None without assessments)."""

    @property
    def points_lost(self) -> float:
        return float(self.lost["points_lost"].sum()) if len(self.lost) else 0.0

    @property
    def latest_escalation(self) -> tuple[str, date] | None:
        """(level, date) of its latest escalation record, if any."""
        if self.escalations.empty:
            return None
        last = self.escalations.iloc[-1]
        return str(last["level"]), pd.Timestamp(last["on_date"]).date()


# ---------------------------------------------------------------- what each unit is told


def overdue_issues(issues: pd.DataFrame | None, as_of: date) -> pd.DataFrame:
    """The issues overdue on `as_of` (open, not 长期整改, deadline before it) with
    `days_overdue` = as-of date − deadline, longest overdue first; free text masked."""
    columns = [
        "responsible_unit",
        "issue_id",
        "found_on",
        "district",
        "location",
        "description",
        "deadline",
        "days_overdue",
    ]
    if issues is None or issues.empty:
        return pd.DataFrame(columns=columns)
    state = issue_state(real_issues(issues), as_of)
    late = state[state["is_overdue"]].copy()
    deadline = pd.to_datetime(late["deadline"], errors="coerce").dt.normalize()
    late["days_overdue"] = (pd.Timestamp(as_of) - deadline).dt.days.astype("int64")
    for name in columns:
        if name not in late.columns:
            late[name] = pd.Series(pd.NA, index=late.index, dtype="string")
    for name in ("description", "location"):
        late[name] = mask_free_text(late[name].astype("string"))
    late["responsible_unit"] = _units(late["responsible_unit"])
    late = late.sort_values(
        ["days_overdue", "responsible_unit", "issue_id"],
        ascending=[False, True, True],
        kind="stable",
    )
    return late[columns].reset_index(drop=True)


def _latest_round(assessments: pd.DataFrame | None) -> tuple[str | None, pd.DataFrame]:
    """The latest 测评 round and its rows, as the 测评 metrics pick it
    (`civdash.metrics.assessments`: rounds ordered by their first 测评日期, then name)."""
    if assessments is None or assessments.empty or "round" not in assessments.columns:
        return None, pd.DataFrame()
    latest = latest_round(assessments)
    if latest is None:
        return None, assessments.iloc[0:0]
    return latest, round_rows(assessments, latest)


def lost_items(assessments: pd.DataFrame | None) -> tuple[str | None, pd.DataFrame]:
    """The latest round and its items that lost points (points_lost > 0) with a responsible
    unit, most points lost first; 失分原因 masked."""
    columns = [
        "responsible_unit",
        "district",
        "location",
        "item",
        "item_code",
        "full_points",
        "points_lost",
        "description",
    ]
    latest, rows = _latest_round(assessments)
    if latest is None or rows.empty:
        return latest, pd.DataFrame(columns=columns)
    rows = rows.copy()
    full = pd.to_numeric(rows["full_points"], errors="coerce")
    score = pd.to_numeric(rows.get("score", pd.Series(np.nan, index=rows.index)), errors="coerce")
    lost = pd.to_numeric(
        rows.get("points_lost", pd.Series(np.nan, index=rows.index)), errors="coerce"
    )
    # the ledger derives one from the other; a frame built by hand may carry only the score
    rows["points_lost"] = lost.fillna(full - score).astype("float64")
    for name in columns:
        if name not in rows.columns:
            rows[name] = pd.Series(pd.NA, index=rows.index, dtype="string")
    rows["responsible_unit"] = _units(rows["responsible_unit"])
    rows = rows[(rows["points_lost"] > 0) & rows["responsible_unit"].notna()]
    rows["description"] = mask_free_text(rows["description"].astype("string"))
    rows["location"] = mask_free_text(rows["location"].astype("string"))
    rows = rows.sort_values(
        ["points_lost", "responsible_unit", "item_code", "location", "item"],
        ascending=[False, True, True, True, True],
        kind="stable",
        na_position="last",
    )
    return latest, rows[columns].reset_index(drop=True)


def _units(values: pd.Series) -> pd.Series:
    """Responsible unit names as the store keeps them (NFKC, trimmed); blank → missing."""
    text = values.astype("string").map(
        lambda v: unicodedata.normalize("NFKC", v).strip() if isinstance(v, str) else v
    )
    return text.astype("string").replace("", pd.NA)


def reply_deadline(as_of: date, settings: Settings = DEFAULT_SETTINGS) -> date:
    """The day a unit must reply by: `settings.notice_reply_days` working days (Monday to
    Friday) after `as_of`, as "N个工作日" deadlines count (a weekend day counts from Monday).

    >>> reply_deadline(date(2026, 11, 13))  # a Friday: three working days → Wednesday
    datetime.date(2026, 11, 18)
    """
    day = np.datetime64(as_of, "D")
    due = np.busday_offset(day, settings.notice_reply_days, roll="forward")
    return pd.Timestamp(due).date()


def notice_units(
    issues: pd.DataFrame | None,
    assessments: pd.DataFrame | None,
    as_of: date,
    escalations: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per responsible unit that gets a notice: `responsible_unit`, `overdue`,
    `max_days_overdue`, `lost_items`, `points_lost`, `latest_level`, `latest_on`; the units
    with most overdue issues, then most points lost, first."""
    rows = []
    for n in unit_notices(issues, assessments, None, escalations, as_of):
        latest = n.latest_escalation
        rows.append(
            {
                "responsible_unit": n.unit,
                "overdue": len(n.overdue),
                "max_days_overdue": int(n.overdue["days_overdue"].max()) if len(n.overdue) else 0,
                "lost_items": len(n.lost),
                "points_lost": n.points_lost,
                "latest_level": latest[0] if latest else None,
                "latest_on": latest[1] if latest else None,
            }
        )
    columns = [
        "responsible_unit",
        "overdue",
        "max_days_overdue",
        "lost_items",
        "points_lost",
        "latest_level",
        "latest_on",
    ]
    table = pd.DataFrame(rows, columns=columns)
    return table.sort_values(
        ["overdue", "points_lost", "responsible_unit"],
        ascending=[False, False, True],
        kind="stable",
    ).reset_index(drop=True)


def unit_notices(
    issues: pd.DataFrame | None,
    assessments: pd.DataFrame | None,
    contacts: pd.DataFrame | None,
    escalations: pd.DataFrame | None,
    as_of: date,
) -> list[UnitNotice]:
    """What each unit with overdue issues or lost items is told, by unit name."""
    late = overdue_issues(issues, as_of)
    latest, lost = lost_items(assessments)
    units = sorted(set(late["responsible_unit"].dropna()) | set(lost["responsible_unit"].dropna()))
    people = _contacts(contacts)
    history = _history(escalations)
    return [
        UnitNotice(
            unit=str(unit),
            overdue=late[late["responsible_unit"] == unit].reset_index(drop=True),
            lost=lost[lost["responsible_unit"] == unit].reset_index(drop=True),
            contact=people.get(str(unit)),
            escalations=history[history["responsible_unit"] == unit].reset_index(drop=True),
            round=latest,
        )
        for unit in units
    ]


def _contacts(contacts: pd.DataFrame | None) -> dict[str, dict[str, str]]:
    """Unit → its contact (the first row naming it), the phone masked (once: a frame read
    through the dashboard arrives masked already)."""
    if contacts is None or contacts.empty or "responsible_unit" not in contacts.columns:
        return {}
    out: dict[str, dict[str, str]] = {}
    units = _units(contacts["responsible_unit"])
    for i, unit in enumerate(units):
        if pd.isna(unit) or unit in out:
            continue
        row = contacts.iloc[i]
        phone = _plain(row.get("phone"))
        if phone and not bool(looks_masked(pd.Series([phone])).iat[0]):
            phone = mask_value(phone, "phone")
        out[str(unit)] = {
            "leader": _plain(row.get("leader")),
            "liaison": _plain(row.get("liaison")),
            "phone": phone,
            "district": _plain(row.get("district")),
        }
    return out


def _history(escalations: pd.DataFrame | None) -> pd.DataFrame:
    columns = ["responsible_unit", "level", "on_date", "reason"]
    if escalations is None or escalations.empty:
        return pd.DataFrame(columns=columns)
    frame = escalations.copy()
    frame["on_date"] = pd.to_datetime(frame["on_date"], errors="coerce")
    frame["responsible_unit"] = _units(frame["responsible_unit"])
    order = ["on_date", "id"] if "id" in frame.columns else ["on_date"]
    frame = frame.sort_values(order, kind="stable")
    frame["reason"] = mask_free_text(frame["reason"].astype("string"))
    return frame[columns]


def _plain(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


# ---------------------------------------------------------------- from the store


class NoticesRefused(ValueError):
    """Notices cannot be made (no issues ledger in force); `str(exc)` is one Chinese line."""


@dataclass(frozen=True)
class NoticeData:
    """What the notices are made from, as the store holds it on one day."""

    as_of: date
    """The day issues are judged overdue on."""
    issues: pd.DataFrame = field(repr=False)
    assessments: pd.DataFrame | None = field(repr=False)
    contacts: pd.DataFrame | None = field(repr=False)
    escalations: pd.DataFrame = field(repr=False)
    issued_on: date | None = None
    """The day the notices are sent (their date, and the reply deadline counts from it):
    today for the latest data, the day asked for an earlier one; None: `as_of`."""

    @property
    def issued(self) -> date:
        """The day the notices are dated and the reply deadline counts from."""
        return self.issued_on or self.as_of

    def zip(self, settings: Settings = DEFAULT_SETTINGS) -> bytes:
        """`notices_zip` of this data."""
        return notices_zip(
            self.issues,
            self.assessments,
            self.contacts,
            self.escalations,
            self.as_of,
            settings,
            issued_on=self.issued_on,
        )

    def units(self) -> pd.DataFrame:
        """`notice_units` of this data."""
        return notice_units(self.issues, self.assessments, self.as_of, self.escalations)


_MSG_NO_ISSUES = (
    "还没有导入问题整改台账{when}，无法生成督办通知；"
    "请先导入问题整改台账，或运行 python -m civdash load-sample。"
)


def load_notice_data(store: Store, as_of: date | None = None) -> NoticeData:
    """The issues ledger in force on `as_of` (None: the current one, judged on its own as-of
    date), every 测评 round up to then (`assessments.load_rounds`), the contacts in force and
    the escalation records up to then (`escalations_until`; all of them for None). Notices of
    the latest data are issued today (`issued_on`), an earlier day's on that day.
    `NoticesRefused` when there is no issues ledger to judge."""
    snap = snapshot_at(store.snapshots("issues"), "issues", as_of)
    if snap is None:
        when = f"（截至 {as_of:%Y-%m-%d}）" if as_of is not None else ""
        raise NoticesRefused(_MSG_NO_ISSUES.format(when=when))
    people = snapshot_at(store.snapshots("contacts"), "contacts", as_of)
    return NoticeData(
        as_of=as_of or snap.as_of,
        issues=store.load(snap.id),
        assessments=load_rounds(store, as_of),
        contacts=store.load(people.id) if people is not None else None,
        escalations=escalations_until(store.escalations(), as_of),
        issued_on=as_of or max(issue_day(), snap.as_of),
    )


def issue_day() -> date:
    """Today in the office's time zone: the day notices of the latest data are issued."""
    return datetime.now(LOCAL_TZ).date()


def escalations_until(escalations: pd.DataFrame, day: date | None) -> pd.DataFrame:
    """The escalation records dated on or before `day` (all of them for None): a notice made
    for an earlier day shows the history as it was then; one made from the latest data shows
    every step taken, those decided after the data's as-of date too."""
    if day is None:
        return escalations
    return escalations[pd.to_datetime(escalations["on_date"]) <= pd.Timestamp(day)]


# ---------------------------------------------------------------- the .docx


def _day(value: object) -> str:
    if value is None or value is pd.NA or pd.isna(value):  # type: ignore[arg-type]
        return ""
    return f"{pd.Timestamp(value):%Y-%m-%d}"  # type: ignore[arg-type]


def _points(value: object) -> str:
    """2.0 → "2", 0.25 → "0.25"."""
    if value is None or pd.isna(value):  # type: ignore[arg-type]
        return ""
    return f"{round(float(value), 4):g}"  # type: ignore[arg-type]


def _escalation_sentence(history: pd.DataFrame) -> str:
    """What was done before, and what comes next: "此前已对你单位约谈（2026年11月20日）；
    逾期仍未整改到位的，将予以问责。"."""
    if history.empty:
        return "逾期仍未整改到位的，将按照督办、通报、约谈、问责的程序逐级升级处理。"
    last = history.iloc[-1]
    level = str(last["level"])
    done = f"此前已对你单位{level}（{cn_date(pd.Timestamp(last['on_date']).date())}）"
    if level in ESCALATION_LEVELS and level != ESCALATION_LEVELS[-1]:
        following = ESCALATION_LEVELS[ESCALATION_LEVELS.index(level) + 1]
        return f"{done}；逾期仍未整改到位的，将予以{following}。"
    return f"{done}；逾期仍未整改到位的，将依规依纪严肃追责。"


def notice_docx(
    unit: str,
    issues: pd.DataFrame,
    lost_items: pd.DataFrame,
    contact: Mapping[str, str] | None,
    escalations: pd.DataFrame,
    as_of: date,
    reply_by: date,
    *,
    round: str | None = None,
    settings: Settings = DEFAULT_SETTINGS,
    issued_on: date | None = None,
) -> bytes:
    """One unit's 督办通知 as a Word file: 版头 (`settings.office_name`), 文号 line, title, the
    unit addressed, what it is late with, then 一 its overdue issues (`overdue_issues` rows:
    编号, 发现日期, 区县, 点位, 问题描述, 整改时限, 逾期天数), 二 its lost items in `round`
    (`lost_items` rows), 三 its escalation history, 四 what it must do by `reply_by`, 五 its
    contacts (phone already masked), and the office's signature, dated `issued_on` (the day
    it is sent: its 文号 year and signature; default `as_of`).
    """
    issued = issued_on or as_of
    doc = OfficialDocument()
    office = settings.office_name
    width_pt = Mm(TEXT_WIDTH_MM).pt
    doc.banner(office, size=min(30.0, math.floor(width_pt / max(len(office), 1))))
    doc.para(f"创城督〔{issued.year}〕　　号", align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    title = doc.para("督办通知", font=HEI, size=22, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    title.paragraph_format.space_before = Mm(4)
    doc.para(
        f"（数据截至{cn_date(as_of)}）", font=KAI, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False
    )
    doc.para()
    doc.para(f"{unit}：", indent=False)
    found = []
    if len(issues):
        most = int(issues["days_overdue"].max())
        found.append(f"你单位有逾期未整改问题{len(issues):,}个，最长逾期{most:,}天")
    if len(lost_items):
        points = _points(lost_items["points_lost"].sum())
        where = f"在{round}中" if round else "在最近一次测评中"
        found.append(f"{where}你单位负责的测评项目失分{len(lost_items):,}项、共失{points}分")
    doc.para(
        f"截至{cn_date(as_of)}，{'；'.join(found)}。现予督办，请高度重视，对照以下清单逐项整改到位，"
        f"并于{cn_date(reply_by)}前将整改情况书面报送{office}。"
    )
    sections = iter(_NUMERALS)
    if len(issues):
        doc.heading(f"{next(sections)}、逾期未整改问题")
        rows = [
            [
                _plain(r.issue_id),
                _day(r.found_on),
                _plain(r.district),
                _plain(r.location),
                _plain(r.description),
                _day(r.deadline),
                f"{int(r.days_overdue):,}",
            ]
            for r in issues.itertuples(index=False)
        ]
        doc.table(f"逾期未整改问题清单（共{len(rows):,}个）", OVERDUE_HEADER, rows)
    if len(lost_items):
        doc.heading(f"{next(sections)}、测评失分项目")
        if round:
            doc.para(f"测评批次：{round}。")
        rows = [
            [
                _plain(r.item),
                _plain(r.item_code),
                _plain(r.location),
                _points(r.full_points),
                _points(r.points_lost),
                _plain(r.description),
            ]
            for r in lost_items.itertuples(index=False)
        ]
        doc.table(f"测评失分项目清单（共{len(rows):,}项）", LOST_HEADER, rows)
    doc.heading(f"{next(sections)}、督办记录")
    if escalations.empty:
        doc.para("此前无督办、通报、约谈或问责记录。")
    else:
        rows = [
            [_plain(r.level), _day(r.on_date), _plain(r.reason)]
            for r in escalations.itertuples(index=False)
        ]
        doc.table("督办记录", HISTORY_HEADER, rows)
    doc.heading(f"{next(sections)}、整改和反馈要求")
    days = settings.notice_reply_days
    doc.para(
        f"（一）请于{cn_date(reply_by)}前（{days}个工作日内）将整改情况、整改前后对比照片和长效措施"
        f"书面报送{office}。"
    )
    doc.para("（二）确因客观原因不能按期整改到位的，请说明原因，提出整改时限和临时管控措施。")
    doc.para(f"（三）{_escalation_sentence(escalations)}")
    doc.heading(f"{next(sections)}、联系方式")
    if contact:
        district = contact.get("district") or "市直部门"
        doc.para(
            f"{unit}（{district}）负责人：{contact.get('leader') or '未登记'}；"
            f"联络员：{contact.get('liaison') or '未登记'}；"
            f"联系电话：{contact.get('phone') or '未登记'}。"
        )
    else:
        doc.para(f"尚未登记你单位联系人，请将负责人、联络员及联系电话报送{office}。")
    doc.para()
    doc.para(office, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    doc.para(cn_date(issued), align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    props = doc.doc.core_properties
    props.title = f"督办通知（{unit}）"
    props.author = office
    moment = datetime(issued.year, issued.month, issued.day)
    props.created = props.modified = moment
    props.revision = 1
    return _stable_zip(doc.save(), issued)


# ---------------------------------------------------------------- files and the .zip


def zip_file_name(unit: str) -> str:
    """A file name for `unit`'s notice that Windows, macOS and Linux all accept: no
    <>:"/\\|?* or control characters, no trailing dot or space, the unit's name cut to 60
    characters (the 督办通知_ prefix keeps it from being a device name such as CON).

    >>> zip_file_name('市住建局/城建科: "重点"')
    '督办通知_市住建局_城建科_重点.docx'
    """
    name = _FILE_BAD.sub("_", unicodedata.normalize("NFKC", unit)).strip("._ ")
    name = name[:_FILE_UNIT_CHARS].rstrip("._ ") or "未命名单位"
    return f"督办通知_{name}.docx"


def notice_file_names(units: Iterable[str]) -> dict[str, str]:
    """Unit → its notice's file name (`zip_file_name`), unique even where Windows ignores
    case or two names differ only in characters a file name cannot hold: a later one gets
    "（2）", "（3）" …, in the order given."""
    out: dict[str, str] = {}
    taken: set[str] = {INDEX_NAME.casefold()}
    for unit in units:
        base = zip_file_name(unit)
        name, n = base, 1
        while name.casefold() in taken:
            n += 1
            name = base.removesuffix(".docx") + f"（{n}）.docx"
        taken.add(name.casefold())
        out[unit] = name
    return out


def notices(
    issues_frame: pd.DataFrame | None,
    assessments_frame: pd.DataFrame | None,
    contacts_frame: pd.DataFrame | None,
    escalations_frame: pd.DataFrame | None,
    as_of: date,
    settings: Settings = DEFAULT_SETTINGS,
    *,
    issued_on: date | None = None,
) -> dict[str, bytes]:
    """File name → .docx bytes: a 督办通知 for every responsible unit with overdue issues on
    `as_of` or lost items in the latest 测评 round, in unit order, with its escalation records
    (those given: `escalations_until` picks the ones of an earlier day). Any frame may be None
    (that ledger is not loaded yet): its part is left out. Each is dated `issued_on` (default
    `as_of`) and asks for a reply that many working days later."""
    found = unit_notices(issues_frame, assessments_frame, contacts_frame, escalations_frame, as_of)
    return _documents(found, as_of, settings, issued_on or as_of)


def notices_zip(
    issues_frame: pd.DataFrame | None,
    assessments_frame: pd.DataFrame | None,
    contacts_frame: pd.DataFrame | None,
    escalations_frame: pd.DataFrame | None,
    as_of: date,
    settings: Settings = DEFAULT_SETTINGS,
    *,
    issued_on: date | None = None,
) -> bytes:
    """Every notice of `notices` in one .zip, after `INDEX_NAME`: a workbook listing the units
    notified (所属区县, 逾期问题数, 最长逾期天数, 失分项数, 失分, 最近督办, 通知文件). A zip
    with only the index (an empty list) when no unit is late."""
    found = unit_notices(issues_frame, assessments_frame, contacts_frame, escalations_frame, as_of)
    issued = issued_on or as_of
    documents = _documents(found, as_of, settings, issued)
    index = _index_xlsx(found, list(documents), as_of, reply_deadline(issued, settings))
    # .docx and .xlsx files are zips already: stored as they are
    return _zip([(INDEX_NAME, index), *documents.items()], issued, compress=False)


def _documents(
    found: Sequence[UnitNotice], as_of: date, settings: Settings, issued_on: date
) -> dict[str, bytes]:
    names = notice_file_names(n.unit for n in found)
    reply_by = reply_deadline(issued_on, settings)
    return {
        names[n.unit]: notice_docx(
            n.unit,
            n.overdue,
            n.lost,
            n.contact,
            n.escalations,
            as_of,
            reply_by,
            round=n.round,
            settings=settings,
            issued_on=issued_on,
        )
        for n in found
    }


def _index_xlsx(
    found: Sequence[UnitNotice], names: Sequence[str], as_of: date, reply_by: date
) -> bytes:
    """The zip's index workbook (text written as text: `exports.excel.xlsx_bytes`)."""
    rows: list[list[object]] = []
    for i, (n, name) in enumerate(zip(found, names, strict=True), 1):
        latest = n.latest_escalation
        districts = sorted(set(n.overdue["district"].dropna()) | set(n.lost["district"].dropna()))
        district = (n.contact or {}).get("district") or "、".join(map(str, districts))
        rows.append(
            [
                i,
                n.unit,
                district,
                len(n.overdue),
                int(n.overdue["days_overdue"].max()) if len(n.overdue) else 0,
                len(n.lost),
                n.points_lost,
                f"{latest[0]}（{latest[1]:%Y-%m-%d}）" if latest else "",
                name,
            ]
        )
    title = f"督办通知清单（数据截至{cn_date(as_of)}，反馈截止{cn_date(reply_by)}，共{len(rows)}个单位）"

    def write(book: xlsxwriter.Workbook) -> None:
        # dated the as-of date, not the time of writing: the same input gives the same bytes
        book.set_properties({"created": datetime(as_of.year, as_of.month, as_of.day)})
        header = book.add_format(dict(HEADER_STYLE))
        sheet = book.add_worksheet("督办通知清单")
        sheet.write_string(0, 0, title)
        for c, name in enumerate(INDEX_HEADER):
            texts = [name, *(str(r[c]) for r in rows)]
            sheet.set_column(c, c, column_width(texts))
            sheet.write_string(1, c, name, header)
        for r, row in enumerate(rows, start=2):
            for c, value in enumerate(row):
                if isinstance(value, str):
                    sheet.write_string(r, c, value)  # text stays text, never a formula
                else:
                    sheet.write_number(r, c, float(value))  # type: ignore[arg-type]

    return xlsx_bytes(write)


def _zip(files: Sequence[tuple[str, bytes]], as_of: date, *, compress: bool = True) -> bytes:
    """The files in a zip, every entry dated `as_of` (stored as they are when not `compress`:
    .docx and .xlsx files are zips already)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=(as_of.year, as_of.month, as_of.day, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def _stable_zip(data: bytes, as_of: date) -> bytes:
    """A .docx (a zip) rewritten with every entry dated `as_of`: python-docx dates them with
    the time of writing, which would make the same notice differ from one second to the next."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        files = [(info.filename, source.read(info)) for info in source.infolist()]
    return _zip(files, as_of)
