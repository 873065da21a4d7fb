"""Who is logged in: the login page, the first admin's setup form, idle sessions, single sign-on,
and the server-side check before every page runs.

A session holds only the user's name and when it was last active. Every run looks the account up
again (`Accounts.active`), so an account disabled or deleted on any server is logged out on every
server at its next run, and a role change applies at once. A session idle for longer than
`Settings.session_idle_minutes` must log in again.

With `Settings.sso_header` set (CIVDASH_SSO_HEADER, only for an office whose reverse proxy
authenticates users and sets that header), the header's user name (percent-encoded when it is
not ASCII) is trusted and mapped to the local account of that name and its role; without the
setting the header is ignored.
"""

from __future__ import annotations

import json
import time
from urllib.parse import unquote

import streamlit as st

from civdash.accounts import ROLES, Account, AccountError, Accounts, LoginRefused
from civdash.pages import PAGES, Page, by_section
from civdash.permissions import PermissionDenied, allowed, require
from civdash.sessions import COOKIE, Sessions
from civdash.ui.state import get_store, settings

__all__ = [
    "accounts",
    "current_user",
    "guard_page",
    "keep_cookie",
    "login_page",
    "logout",
    "page_links",
    "require_action",
    "setup_page",
    "user_menu",
]

USER_KEY = "auth_user"
SEEN_KEY = "auth_seen"
NOTICE_KEY = "auth_notice"
TOKEN_KEY = "auth_token"
_CLEAR_COOKIE_KEY = "auth_clear_cookie"
_DENIED_KEY = "auth_denied"


@st.cache_resource(show_spinner=False)
def accounts() -> Accounts:
    return Accounts(get_store(), settings())


@st.cache_resource(show_spinner=False)
def sessions() -> Sessions:
    return Sessions(get_store(), settings())


def _start_session(account: Account, *, remember: bool = True) -> None:
    """Log this Streamlit session in as `account`; with `remember`, the browser keeps a session
    token in a cookie so a reload or a link does not ask for the password again."""
    st.session_state[USER_KEY] = account.name
    st.session_state[SEEN_KEY] = time.monotonic()
    if remember:
        st.session_state[TOKEN_KEY] = sessions().open(account.name)


def _cookie_script(token: str | None) -> str:
    """A script setting (or, with None, clearing) the browser's session cookie."""
    value = f"{COOKIE}={token or ''}; path=/; SameSite=Strict"
    if token is None:
        value += "; max-age=0"
    secure = '(location.protocol === "https:" ? "; Secure" : "")'
    script = f"document.cookie = {json.dumps(value)} + {secure};"
    return f"<script data-civdash='session'>{script}</script>"


def keep_cookie() -> None:
    """Hand the browser its session token (each run while logged in; the element is hidden)."""
    token = st.session_state.get(TOKEN_KEY)
    if token:
        st.html(_cookie_script(token), unsafe_allow_javascript=True)


def _resume_from_cookie() -> str | None:
    """The user of the session the browser's cookie names, logging this session in as it."""
    token = st.context.cookies.get(COOKIE)
    if not isinstance(token, str):  # no browser (a test harness) has no cookies
        return None
    name = sessions().resume(token)
    if name:
        st.session_state[USER_KEY] = name
        st.session_state[SEEN_KEY] = time.monotonic()
        st.session_state[TOKEN_KEY] = token
    return name


def logout(reason: str | None = None) -> None:
    """End the session (`reason` is shown on the login page); the browser's cookie goes too."""
    name = st.session_state.pop(USER_KEY, None)
    st.session_state.pop(SEEN_KEY, None)
    sessions().close(st.session_state.pop(TOKEN_KEY, None))
    st.session_state[_CLEAR_COOKIE_KEY] = True
    if name and reason is None:
        get_store().audit_event("logout", actor=name, detail="退出登录")
    if reason:
        st.session_state[NOTICE_KEY] = reason


def _sso_user() -> Account | None:
    header = settings().sso_header
    if not header:
        return None
    # a proxy sends a non-ASCII user name percent-encoded (HTTP headers are Latin-1)
    name = unquote(st.context.headers.get(header) or "").strip()
    if not name:
        return None
    account = accounts().active(name)
    if account is None:
        st.session_state[NOTICE_KEY] = (
            f"单点登录的用户『{name}』在本系统中没有可用账号，请联系管理员。"
        )
        return None
    if st.session_state.get(USER_KEY) != account.name:
        get_store().audit_event(
            "login", actor=account.name, role=account.role, scope=account.district,
            detail=f"单点登录（{header}）",
        )  # fmt: skip
        _start_session(account, remember=False)
    return account


def current_user() -> Account | None:
    """The logged-in account of this session, checked again on every run; None when nobody is
    (or the session went idle, or the account was disabled)."""
    sso = _sso_user()
    if sso is not None:
        st.session_state[SEEN_KEY] = time.monotonic()
        return sso
    name = st.session_state.get(USER_KEY)
    if not name and not st.session_state.get(_CLEAR_COOKIE_KEY):
        name = _resume_from_cookie()
    if not name:
        return None
    token = st.session_state.get(TOKEN_KEY)
    if token and sessions().resume(token) is None:  # idle, or ended on another server
        if accounts().active(name) is None:  # disabling an account ends its sessions
            logout("账号已停用或已删除，请联系管理员。")
        else:
            logout(f"闲置超过 {settings().session_idle_minutes:g} 分钟，已自动退出，请重新登录。")
        return None
    idle = time.monotonic() - st.session_state.get(SEEN_KEY, time.monotonic())
    limit = settings().session_idle_minutes
    if idle > limit * 60:
        get_store().audit_event("logout", actor=name, detail=f"闲置超过 {limit:g} 分钟，自动退出")
        logout(f"闲置超过 {limit:g} 分钟，已自动退出，请重新登录。")
        return None
    account = accounts().active(name)
    if account is None:
        logout("账号已停用或已删除，请联系管理员。")
        return None
    st.session_state[SEEN_KEY] = time.monotonic()
    return account


def login_page() -> None:
    """用户名 / 密码 / 登录. A refusal says why in one sentence (and is audited by Accounts)."""
    st.title("文明创建数据看板")
    if st.session_state.pop(_CLEAR_COOKIE_KEY, False):
        st.html(_cookie_script(None), unsafe_allow_javascript=True)
    if notice := st.session_state.pop(NOTICE_KEY, None):
        st.info(notice)
    narrow, _ = st.columns([2, 3])
    with narrow.form("login", border=True):
        st.subheader("登录")
        name = st.text_input("用户名", key="login_name")
        password = st.text_input("密码", type="password", key="login_password")
        submitted = st.form_submit_button("登录", type="primary")
    if submitted:
        try:
            account = accounts().authenticate(name, password)
        except LoginRefused as exc:
            st.error(str(exc))
            return
        _start_session(account)
        st.rerun()


def setup_page() -> None:
    """The first start's form: create the first admin. Runs only while no admin can log in."""
    st.title("文明创建数据看板：首次使用")
    st.write("还没有管理员账号。请先建立第一个管理员账号，之后用它登录、添加其他人员的账号。")
    narrow, _ = st.columns([2, 3])
    with narrow.form("setup", border=True):
        name = st.text_input("用户名", key="setup_name")
        password = st.text_input("密码", type="password", key="setup_password")
        again = st.text_input("再输入一次密码", type="password", key="setup_again")
        submitted = st.form_submit_button("创建管理员并登录", type="primary")
    if not submitted:
        return
    if password != again:
        st.error("两次输入的密码不一致，请重新输入。")
        return
    if accounts().has_admin():  # another browser finished the setup first
        st.error("管理员账号已经建立，请用它登录。")
        return
    try:
        account = accounts().add(name, "admin", password=password, actor=name.strip() or "首次使用")
    except AccountError as exc:
        st.error(str(exc))
        return
    _start_session(account)
    st.rerun()


def may_open(account: Account, page: Page) -> bool:
    """Whether `account` may open `page` (a district clerk's pages act on its own district)."""
    return allowed(account, page.action, account.district or None)


def page_links(account: Account) -> None:
    """The sidebar's navigation: the pages `account` may open, under their section headings."""
    with st.sidebar:
        for section, pages in by_section().items():
            mine = [p for p in pages if may_open(account, p)]
            if mine:
                st.caption(section)
                for page in mine:
                    st.page_link(page.path, label=page.title, icon=page.icon)


def guard_page(account: Account, url_path: str) -> None:
    """Refuse the page at `url_path` unless the role may open it: checked on the server before
    the page runs, so a hidden link or a typed URL is refused the same way."""
    page = next((p for p in PAGES.values() if p.url_path == url_path), None)
    if page is not None:
        _check(account, page.action, account.district or None, page.title)


def require_action(account: Account | None, action: str, district: str | None = None) -> None:
    """Refuse (a Chinese message, audited, the page stopped) unless `account` may `action`;
    nobody logged in is told to log in."""
    if account is None:
        st.error("请先登录。")
        st.stop()
    _check(account, action, district, None)


def _check(account: Account, action: str, district: str | None, page: str | None) -> None:
    """Return when `account` may `action`; else say why (audited once), and stop the run."""
    try:
        require(account, action, district)
    except PermissionDenied as exc:
        message = str(exc)
    else:
        return
    key = (account.name, action, page, district)
    if st.session_state.get(_DENIED_KEY) != key:  # audited once per refusal, not per rerun
        st.session_state[_DENIED_KEY] = key
        get_store().audit_event(
            "denied", actor=account.name, role=account.role, scope=district,
            detail=f"拒绝：{page or action}。{message}",
        )  # fmt: skip
    st.error(f"{message}如需此权限，请联系管理员。")
    st.stop()


def user_menu(account: Account) -> None:
    """The sidebar's user line: name, role, 修改密码, 退出登录."""
    where = f" · {account.district}" if account.district else ""
    with st.sidebar:
        st.caption(f"当前用户：{account.name}（{ROLES[account.role]}{where}）")
        left, right = st.columns(2)
        with left.popover("修改密码"), st.form("own_password"):
            old = st.text_input("原密码", type="password", key="pw_old")
            new = st.text_input("新密码", type="password", key="pw_new")
            again = st.text_input("再输入一次新密码", type="password", key="pw_again")
            if st.form_submit_button("确认修改"):
                _change_own_password(account, old, new, again)
        if right.button("退出登录", key="logout"):
            logout()
            st.rerun()
        st.divider()


def _change_own_password(account: Account, old: str, new: str, again: str) -> None:
    if new != again:
        st.error("两次输入的新密码不一致。")
        return
    try:
        accounts().change_own_password(account.name, old, new)
    except AccountError as exc:
        st.error(str(exc))
    else:
        st.success("密码已修改。")
