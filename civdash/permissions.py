"""What each role may do, checked on the server for every action.

A page or an action asks `require(account, action, district)` before it does anything: hiding a
button is not a check. The same table answers the navigation (which pages a role sees) and the
command line (which scope `--by` may commit).

| role | 中文 | may |
|---|---|---|
| admin | 管理员 | everything: users, the district table, deleting snapshots |
| editor | 市创城办 | upload for any district or the whole city, make current, edit targets, record escalations (督办 → 问责), audit |
| district | 区县填报员 | upload its own district's part, dashboards, 周例会, downloads, its submissions |
| viewer | 查看 | dashboards, 周例会 and downloads |
"""

from __future__ import annotations

from types import MappingProxyType

from civdash.accounts import ROLES, Account

__all__ = [
    "ACTIONS",
    "PermissionDenied",
    "allowed",
    "require",
]

ACTIONS = MappingProxyType(
    {
        "view_dashboards": "查看看板",
        "view_meeting": "查看周例会",
        "download": "下载数据和材料",
        "upload": "导入台账",
        "upload_city": "提交全市台账",
        "view_status": "查看报送情况和导入记录",
        "set_current": "设为当前快照",
        "delete": "删除快照",
        "edit_targets": "修改目标任务",
        "record_escalations": "记录督办升级",
        "view_audit": "查看审计日志",
        "manage_users": "管理账号",
        "manage_districts": "替换区县表",
    }
)
"""Action key → what it is, in the words of a refusal."""

_VIEW = frozenset({"view_dashboards", "view_meeting", "download"})
_GRANTS = MappingProxyType(
    {
        "admin": frozenset(ACTIONS),
        "editor": _VIEW
        | {
            "upload",
            "upload_city",
            "view_status",
            "set_current",
            "edit_targets",
            "record_escalations",
            "view_audit",
        },
        "district": _VIEW | {"upload", "view_status"},
        "viewer": _VIEW,
    }
)
"""Role → the actions it may take (a district clerk's uploads are limited to its district)."""


class PermissionDenied(PermissionError):
    """An action the user's role does not allow; `str(exc)` is one Chinese sentence."""


def allowed(account: Account | None, action: str, district: str | None = None) -> bool:
    """May `account` take `action` (for `district`, when the action concerns one)?

    A district clerk may upload only its own district's part; nobody who is not logged in, or
    whose account is disabled, may do anything.
    """
    if action not in ACTIONS:
        raise KeyError(f"unknown action {action!r}")
    if account is None or not account.active:
        return False
    if action not in _GRANTS.get(account.role, frozenset()):
        return False
    if action == "upload" and account.role == "district":
        return district is not None and district == account.district
    return True


def require(account: Account | None, action: str, district: str | None = None) -> None:
    """Raise `PermissionDenied` unless `allowed(account, action, district)`."""
    if allowed(account, action, district):
        return
    if account is None:
        raise PermissionDenied("请先登录。")
    what = ACTIONS[action]
    if action == "upload" and account.role == "district" and district != account.district:
        target = district or "全市"
        raise PermissionDenied(
            f"您是{account.district}的填报员，只能提交{account.district}的数据，不能{what}（{target}）。"
        )
    raise PermissionDenied(f"您的角色（{ROLES.get(account.role, account.role)}）不能{what}。")
