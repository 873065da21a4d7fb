"""数据概况 as data: who has submitted this week (报送情况), what the ledgers in force are made
of, and the history and audit log with who acted, in which role and for which district.

No streamlit here: `civdash.ui.status` draws these tables.

>>> view = status_view(store.snapshots(), districts.names, date(2026, 11, 15))  # doctest: +SKIP
>>> view.summary                                                                 # doctest: +SKIP
'11月13日（周五）17:00 截止：未报送：东湖区（志愿者）；迟报：南港区（问题整改）；其余按时报送。'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import MappingProxyType

import pandas as pd

from civdash import palette
from civdash import upload as up
from civdash.accounts import ROLES
from civdash.config import DEFAULT_SETTINGS, Settings
from civdash.ledgers import REGISTRY
from civdash.store import SnapshotInfo
from civdash.submissions import (
    LATE,
    MISSING,
    ON_TIME,
    Submission,
    deadline_label,
    reporting_deadline,
    submission_kinds,
    submission_table,
    submissions,
)

__all__ = [
    "ACTION_LABELS",
    "LATE_FILL",
    "LATE_TEXT",
    "SUBMISSION_COLOURS",
    "StatusView",
    "actor_choices",
    "audit_table",
    "history_table",
    "scope_label",
    "status_summary",
    "status_view",
    "submission_snapshots",
    "week_choices",
]

LATE_TEXT = "#8A5A00"
"""WARNING (orange) darkened for text (contrast 5.3:1 on its tint, 5.9:1 on white)."""
LATE_FILL = "#FDF1D8"
"""A cell tinted "late" (a light tint of WARNING)."""

SUBMISSION_COLOURS: Mapping[str, Mapping[str, tuple[str, str]]] = MappingProxyType(
    {
        "状态": MappingProxyType(
            {
                ON_TIME: (palette.GOOD_TEXT, palette.GOOD_FILL),
                LATE: (LATE_TEXT, LATE_FILL),
                MISSING: (palette.BAD_TEXT, palette.BAD_FILL),
            }
        )
    }
)
"""报送情况's 状态 cells (text, tint) for `ui.show_table(colours=…)`: on time good, late the
warning orange, missing bad."""

_SEVERITY = {MISSING: 0, LATE: 1, ON_TIME: 2}

ACTION_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "commit": "导入",
        "duplicate": "重复导入（未保存）",
        "refuse": "拒收文件",
        "hold": "待确认（未保存）",
        "delete": "删除快照",
        "set_current": "设为当前",
        "assemble": "汇总全市台账",
        "login": "登录",
        "login_failed": "登录失败",
        "login_locked": "锁定期间登录",
        "lockout": "账号锁定",
        "logout": "退出登录",
        "denied": "拒绝操作",
        "user_add": "添加账号",
        "user_password": "设置密码",
        "user_disable": "停用账号",
        "user_enable": "启用账号",
        "user_unlock": "解除锁定",
        "user_role": "修改角色",
        "backup": "备份数据库",
        "restore": "从备份恢复",
        "escalation_add": "记录督办升级",
        "escalation_edit": "修改督办记录",
        "escalation_delete": "删除督办记录",
        "notices": "生成督办通知",
    }
)
"""Audit action → what the log calls it."""


@dataclass(frozen=True)
class StatusView:
    """报送情况 for the week ending at `deadline`."""

    deadline: datetime
    submissions: tuple[Submission, ...]
    table: pd.DataFrame
    """台账, 区县, 状态, 最近报送, 报送人, 行数, 截止时间: missing first, then late, then on time."""
    summary: str
    """One line naming the missing and late districts first."""

    @property
    def all_on_time(self) -> bool:
        return all(s.status == ON_TIME for s in self.submissions)


def week_choices(
    as_of_dates: Iterable[date],
    today: date,
    settings: Settings = DEFAULT_SETTINGS,
    weeks: int = 8,
) -> tuple[list[datetime], int]:
    """The reporting deadlines to choose from, newest first, and the index of the default: the
    week of the latest as-of date (what the dashboards and the 周例会 show). The list runs from
    this week's deadline (still to come, when it is later) back `weeks` weeks before the
    default."""
    latest = max(as_of_dates, default=today)
    default = reporting_deadline(latest, settings)
    upcoming = reporting_deadline(today, settings) + timedelta(days=7)
    newest = max(default, upcoming)
    out = []
    week = newest
    while week >= default - timedelta(days=7 * weeks):
        out.append(week)
        week -= timedelta(days=7)
    return out, out.index(default)


def status_view(
    snapshots: Iterable[SnapshotInfo],
    districts: Sequence[str],
    reference: date,
    *,
    city_districts: Mapping[int, set[str]] | None = None,
    settings: Settings = DEFAULT_SETTINGS,
) -> StatusView:
    """Every (ledger, district) of the week ending at `reporting_deadline(reference)`."""
    snaps = list(snapshots)
    subs = submissions(
        snaps, districts, reference, city_districts=city_districts, settings=settings
    )
    table = submission_table(
        snaps, districts, reference, city_districts=city_districts, settings=settings
    )
    order = sorted(range(len(table)), key=lambda i: _SEVERITY.get(str(table["状态"].iat[i]), 3))
    table = table.iloc[order].reset_index(drop=True)
    deadline = reporting_deadline(reference, settings)
    return StatusView(deadline, tuple(subs), table, status_summary(subs, deadline))


def status_summary(subs: Iterable[Submission], deadline: datetime) -> str:
    """ "11月13日（周五）17:00 截止：未报送：东湖区（志愿者）；迟报：南港区（问题整改）；其余按时报送。"."""
    subs = list(subs)
    when = f"{deadline_label(deadline)} 截止："
    if not subs:
        return when + "还没有需要报送的台账。"
    parts = []
    for status in (MISSING, LATE):
        by_district: dict[str, list[str]] = {}
        for s in subs:
            if s.status == status:
                by_district.setdefault(s.district, []).append(REGISTRY[s.kind].label)
        if by_district:
            named = "、".join(f"{d}（{'、'.join(kinds)}）" for d, kinds in by_district.items())
            parts.append(f"{status}：{named}")
    if not parts:
        return when + "各区县均已按时报送。"
    rest = "；其余按时报送。" if any(s.status == ON_TIME for s in subs) else "。"
    return when + "；".join(parts) + rest


def submission_snapshots(snapshots: Iterable[SnapshotInfo]) -> list[SnapshotInfo]:
    """The snapshots 报送情况 judges: of the ledgers districts submit, not assembled."""
    kinds = set(submission_kinds())
    return [s for s in snapshots if s.kind in kinds]


def scope_label(s: SnapshotInfo) -> str:
    """全市 / 全市（汇总） / the district, as the history's 范围 column says."""
    if s.assembled:
        return "全市（汇总）"
    return s.scope or "全市"


def history_table(snapshots: Iterable[SnapshotInfo]) -> pd.DataFrame:
    """`civdash.upload.history_table` with 范围 (全市, 全市（汇总）, or the district) after 台账."""
    snaps = list(snapshots)
    table = up.history_table(snaps)
    table.insert(2, "范围", [scope_label(s) for s in snaps])
    return table


def audit_table(audit: pd.DataFrame) -> pd.DataFrame:
    """`civdash.upload.audit_table` with every action named (logins, refusals, user changes)
    and who acted in which role (角色) for which district (范围) after 操作人."""
    table = up.audit_table(audit)
    table["操作"] = [ACTION_LABELS.get(str(a), str(a)) for a in audit["action"]]
    at = list(table.columns).index("操作人") + 1
    roles = [ROLES.get(str(r), "") if isinstance(r, str) else "" for r in audit["role"]]
    table.insert(at, "角色", roles)
    scopes = [str(s) if isinstance(s, str) and s else "" for s in audit["scope"]]
    table.insert(at + 1, "范围", scopes)
    return table


def actor_choices(audit: pd.DataFrame, accounts: Iterable[str]) -> list[str]:
    """Everyone who appears in the audit log or has an account, sorted (the filter's choices)."""
    names = {str(a) for a in audit["actor"] if isinstance(a, str) and a}
    names.update(a for a in accounts if a)
    return sorted(names)
