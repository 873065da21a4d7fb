"""The 账号管理 page's widgets: the accounts table, 添加账号, and one account's 重置密码, 停用 /
启用, 解锁 and 修改角色.

Only an admin gets past `admin_or_stop` (checked on the server, refused and audited like any
other page). Every change asks the database again right before it is made whether the acting
user is still an active admin (`_acting_admin`), so an admin demoted or disabled in another
session cannot go on changing accounts from a page already open. Each change is made through
`civdash.accounts.Accounts` with the admin as actor and role, so the audit records who did it;
its refusals (`AccountError`, one Chinese sentence) are shown as they are. Passwords are typed
into forms that the browser empties once submitted; no message, table or log line holds one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import pandas as pd
import streamlit as st

from civdash.accounts import ROLES, Account, AccountError, Accounts
from civdash.store import LOCAL_TZ
from civdash.ui import auth
from civdash.ui.state import district_table, settings
from civdash.ui.tables import show_table

__all__ = [
    "ACCOUNT_COLUMNS",
    "MISMATCH",
    "account_status",
    "account_table",
    "accounts_frame",
    "add_account",
    "admin_or_stop",
    "manage_account",
    "show_flash",
]

ACCOUNT_COLUMNS = ("用户名", "角色", "区县", "状态", "最近登录")
MISMATCH = "两次输入的密码不一致，请重新输入。"
NOT_LOGGED_IN = "请先登录。"
_GONE = "账号已停用或已删除，请联系管理员。"
_FLASH = "users_flash"
_PICK = "users_pick"
_ROLE = "users_role"
_ROLE_DISTRICT = "users_role_district"
_CHOOSE_DISTRICT = "请选择区县"
_ROLE_KEYS = tuple(ROLES)


def account_status(account: Account, now: datetime | None = None) -> str:
    """正常 / 已停用 / 已锁定（至 HH:MM，北京时间）/ 未设置密码: what stops the account logging
    in, the weightiest first (a disabled account stays disabled when its lock runs out)."""
    if not account.active:
        return "已停用"
    if account.locked(now) and account.locked_until is not None:
        return f"已锁定（至 {account.locked_until.astimezone(LOCAL_TZ):%H:%M}）"
    if not account.has_password:
        return "未设置密码"
    return "正常"


def accounts_frame(accounts: Sequence[Account], now: datetime | None = None) -> pd.DataFrame:
    """One row per account, as the table shows it (`ACCOUNT_COLUMNS`; no password hash)."""
    rows = [
        (
            a.name,
            a.role_label,
            a.district,
            account_status(a, now),
            f"{a.last_login_at.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M}" if a.last_login_at else None,
        )
        for a in accounts
    ]
    return pd.DataFrame(rows, columns=list(ACCOUNT_COLUMNS), dtype=object)


def admin_or_stop() -> Account:
    """The logged-in admin; anyone else sees the refusal (audited) and the page stops."""
    account = auth.current_user()
    if account is None:
        st.error(NOT_LOGGED_IN)
        st.stop()
    auth.require_action(account, "manage_users")
    return account


def show_flash() -> None:
    """The outcome of the change made before the last rerun."""
    if done := st.session_state.pop(_FLASH, None):
        st.success(done)


def account_table() -> list[Account]:
    """The accounts table; returns the accounts it shows."""
    everyone = auth.accounts().list()
    show_table(accounts_frame(everyone), hide_index=True, width="stretch")
    s = settings()
    st.caption(
        f"未设置密码的账号不能登录，为它重置密码后才能登录；密码连续输错 {s.max_failed_logins} 次的"
        f"账号锁定 {s.lockout_minutes:g} 分钟，可以在『管理已有账号』里提前解锁。"
    )
    return everyone


def add_account(admin: Account) -> None:
    """添加账号: 角色 (outside the form, so the 区县 field appears for a district clerk only),
    then 用户名, 区县, 初始密码 twice (both empty: the account cannot log in until one is set)."""
    with st.columns([2, 3])[0]:
        _add_form(admin)


def _add_form(admin: Account) -> None:
    role: str = st.selectbox(
        "角色", _ROLE_KEYS, index=_ROLE_KEYS.index("district"), format_func=_role_label,
        key="users_add_role",
    )  # fmt: skip
    with st.form("users_add", clear_on_submit=True):
        name = st.text_input("用户名", key="users_add_name")
        district = _district_field("users_add_district") if role == "district" else None
        password = st.text_input(
            "初始密码", type="password", key="users_add_password",
            help="可以不填：不填的账号暂时不能登录，以后在『管理已有账号』里为它设置密码。",
        )  # fmt: skip
        again = st.text_input("再输入一次初始密码", type="password", key="users_add_again")
        submitted = st.form_submit_button("添加账号", type="primary", key="users_add_submit")
    if not submitted:
        return
    if password != again:
        st.error(MISMATCH)
        return
    where = f"（{district}）" if district else ""
    _apply(
        admin,
        lambda accounts, by: accounts.add(
            name, role, district=district, password=password or None, **by
        ),
        f"已添加账号『{name.strip()}』：{ROLES[role]}{where}"
        + ("。" if password else "，还没有密码，设置密码后才能登录。"),
    )


def manage_account(admin: Account, everyone: Sequence[Account]) -> None:
    """One account chosen from `everyone`, and what an admin may do to it, side by side."""
    by_name = {a.name: a for a in everyone}
    name = st.columns([2, 3])[0].selectbox(
        "账号", list(by_name), format_func=lambda n: _label(by_name[n]), key=_PICK,
        on_change=_forget_role_choice,
    )  # fmt: skip
    if name is None:
        return
    account = by_name[name]
    password, status, role = st.columns(3, gap="large")
    with password:
        _reset_password(admin, account)
    with status:
        _status_buttons(admin, account)
    with role:
        _change_role(admin, account)


def _reset_password(admin: Account, account: Account) -> None:
    st.subheader("重置密码")
    with st.form("users_password", clear_on_submit=True):
        password = st.text_input("新密码", type="password", key="users_pw_new")
        again = st.text_input("再输入一次新密码", type="password", key="users_pw_again")
        submitted = st.form_submit_button("重置密码", key="users_pw_submit")
    if not submitted:
        return
    if password != again:
        st.error(MISMATCH)
        return
    _apply(
        admin,
        lambda accounts, by: accounts.set_password(account.name, password, **by),
        f"已为账号『{account.name}』设置新密码，账号同时解除锁定。请把新密码当面或电话告诉本人。",
    )


def _status_buttons(admin: Account, account: Account) -> None:
    st.subheader("账号状态")
    st.caption(f"当前状态：{account_status(account)}。停用的账号不能登录，已登录的会被退出。")
    if account.active:
        if st.button("停用账号", key="users_disable"):
            _apply(
                admin,
                lambda accounts, by: accounts.disable(account.name, **by),
                f"已停用账号『{account.name}』。",
            )
    elif st.button("启用账号", key="users_enable"):
        _apply(
            admin,
            lambda accounts, by: accounts.enable(account.name, **by),
            f"已启用账号『{account.name}』。",
        )
    if account.locked() and st.button("解锁", key="users_unlock"):
        _apply(
            admin,
            lambda accounts, by: accounts.unlock(account.name, **by),
            f"已解锁账号『{account.name}』，可以重新登录。",
        )


def _change_role(admin: Account, account: Account) -> None:
    st.subheader("修改角色")
    current = _ROLE_KEYS.index(account.role) if account.role in _ROLE_KEYS else 0
    role: str = st.selectbox(
        "新角色", _ROLE_KEYS, index=current, format_func=_role_label, key=_ROLE
    )
    district = _district_field(_ROLE_DISTRICT, account.district) if role == "district" else None
    if not st.button("修改角色", key="users_role_apply"):
        return
    where = f"（{district}）" if district else ""
    _apply(
        admin,
        lambda accounts, by: accounts.set_role(account.name, role, district, **by),
        f"已把账号『{account.name}』改为{ROLES[role]}{where}。",
    )


def _district_field(key: str, current: str | None = None) -> str | None:
    """区县: a choice from the district table (a text field while none is committed)."""
    table = district_table()
    if table is None:
        return st.text_input("区县", value=current or "", key=key) or None
    names = list(table.names)
    index = names.index(current) if current in names else None
    return st.selectbox("区县", names, index=index, placeholder=_CHOOSE_DISTRICT, key=key)


def _apply(admin: Account, change: Callable[[Accounts, dict[str, Any]], object], done: str) -> None:
    """Make `change` as `admin` (checked again first), then rerun with `done` shown; an
    `AccountError` is shown as it is and nothing changes."""
    actor = _acting_admin(admin.name)
    try:
        change(auth.accounts(), {"actor": actor.name, "actor_role": actor.role})
    except AccountError as exc:
        st.error(str(exc))
        return
    st.session_state[_FLASH] = done
    st.rerun()


def _acting_admin(name: str) -> Account:
    """The acting user as the database has them now: still active and still an admin."""
    account = auth.accounts().active(name)
    if account is None:
        auth.logout(_GONE)
        st.rerun()
    auth.require_action(account, "manage_users")
    return account


def _forget_role_choice() -> None:
    """Another account was picked: its role fields start from its own role and district."""
    st.session_state.pop(_ROLE, None)
    st.session_state.pop(_ROLE_DISTRICT, None)


def _role_label(role: str) -> str:
    return ROLES[role]


def _label(account: Account) -> str:
    where = f" · {account.district}" if account.district else ""
    return f"{account.name}（{account.role_label}{where} · {account_status(account)}）"
