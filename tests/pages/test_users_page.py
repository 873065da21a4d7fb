"""账号管理 driven through AppTest on a private copy of the sample store, checking the accounts and
the audit trail after every change.

Most tests run the page's own script (logged in as the tests' admin, tests/conftest.py's
TEST_ACCOUNTS), so they do not pay for the whole app; two go through app.py to check the page is
reached (and refused) the way a user reaches it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from civdash.accounts import Account, Accounts, LoginRefused
from civdash.config import DEFAULT_SETTINGS
from civdash.store import LOCAL_TZ, Store
from civdash.ui.auth import USER_KEY
from civdash.ui.users import MISMATCH
from tests.conftest import TEST_ACCOUNTS, TEST_PASSWORD
from tests.pages.conftest import APP

PAGE = str(Path(__file__).resolve().parents[2] / "app_pages" / "users.py")
ADMIN = TEST_ACCOUNTS["admin"][0]
EDITOR = TEST_ACCOUNTS["editor"][0]
VIEWER = TEST_ACCOUNTS["viewer"][0]
NEW_PASSWORD = "dongHu-2026-new"
WAITING = "南港填报员"


@pytest.fixture
def store(fresh_home: Path) -> Iterator[Store]:
    store = Store(f"sqlite:///{(fresh_home / 'civdash.sqlite').as_posix()}")
    yield store
    store.close()


@pytest.fixture(autouse=True)
def accounts(store: Store) -> Accounts:
    """Every test's store (a copy of the sample store) and its accounts: the tests' four, and a clerk without a password (as the sample
    city's clerks are until an admin sets one)."""
    accounts = Accounts(store, DEFAULT_SETTINGS)
    if accounts.get(WAITING) is None:
        accounts.add(WAITING, "district", district="南港区", actor="测试")
    return accounts


def _page(user: str = ADMIN) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state[USER_KEY] = user
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _table(at: AppTest) -> pd.DataFrame:
    frame = at.dataframe[0].value
    assert isinstance(frame, pd.DataFrame)
    return frame.set_index("用户名")


def _errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def _last(store: Store, action: str) -> pd.Series:
    audit = store.audit(50)
    rows = audit[audit["action"] == action]
    assert not rows.empty, f"no {action} in the audit"
    return rows.iloc[0]


def _pick(at: AppTest, name: str) -> AppTest:
    at.selectbox(key="users_pick").select(name)
    return _run(at)


def _add(
    at: AppTest,
    name: str,
    role: str = "district",
    district: str | None = None,
    password: str = "",
    again: str | None = None,
) -> AppTest:
    if at.selectbox(key="users_add_role").value != role:
        at.selectbox(key="users_add_role").select(role)
        _run(at)
    at.text_input(key="users_add_name").input(name)
    if district is not None:
        at.selectbox(key="users_add_district").select(district)
    at.text_input(key="users_add_password").input(password)
    at.text_input(key="users_add_again").input(password if again is None else again)
    at.button(key="users_add_submit").click()
    return _run(at)


def _no_password_shown(at: AppTest, password: str) -> None:
    """Nothing the page writes (messages, table) holds `password` (only the field typed into)."""
    texts = [
        str(e.value) for kind in ("success", "error", "markdown", "caption") for e in at.get(kind)
    ]
    texts += [_table(at).to_string()]
    assert texts and all(password not in t for t in texts)


def test_the_table_shows_every_account_with_role_district_and_state_in_chinese(
    accounts: Accounts,
) -> None:
    at = _page()
    table = _table(at)
    assert list(table.columns) == ["角色", "区县", "状态", "最近登录"]
    assert set(table.index) == {a.name for a in accounts.list()}
    assert table.loc[ADMIN, "角色"] == "管理员"
    clerk = TEST_ACCOUNTS["district"][0]
    assert (table.loc[clerk, "角色"], table.loc[clerk, "区县"]) == ("区县填报员", "东湖区")
    assert table.loc[EDITOR, "状态"] == "正常"
    assert table.loc[WAITING, "状态"] == "未设置密码"
    assert pd.isna(table.loc[WAITING, "最近登录"])


def test_admin_adds_a_district_clerk_who_can_log_in_and_the_audit_names_the_admin(
    accounts: Accounts, store: Store
) -> None:
    at = _add(_page(), "  新东湖填报员 ", "district", "东湖区", NEW_PASSWORD)
    assert _errors(at) == []
    assert at.success[0].value == "已添加账号『新东湖填报员』：区县填报员（东湖区）。"
    clerk = accounts.get("新东湖填报员")
    assert clerk is not None and (clerk.role, clerk.district) == ("district", "东湖区")
    assert accounts.authenticate("新东湖填报员", NEW_PASSWORD).name == "新东湖填报员"
    row = _last(store, "user_add")
    assert (row["actor"], row["role"], row["scope"]) == (ADMIN, "admin", "东湖区")
    assert "新东湖填报员" in row["detail"] and NEW_PASSWORD not in row["detail"]
    assert _table(at).loc["新东湖填报员", "状态"] == "正常"
    _no_password_shown(at, NEW_PASSWORD)


def test_an_account_added_without_a_password_cannot_log_in_yet(accounts: Accounts) -> None:
    at = _add(_page(), "会议室", "viewer")
    assert at.success[0].value == "已添加账号『会议室』：查看，还没有密码，设置密码后才能登录。"
    assert _table(at).loc["会议室", "状态"] == "未设置密码"
    with pytest.raises(LoginRefused, match="还没有设置密码"):
        accounts.authenticate("会议室", "")


def test_the_district_field_is_offered_only_for_the_district_role() -> None:
    at = _page()
    assert at.selectbox(key="users_add_role").value == "district"
    assert "东湖区" in at.selectbox(key="users_add_district").options
    at.selectbox(key="users_add_role").select("editor")
    _run(at)
    assert not [s for s in at.selectbox if s.key == "users_add_district"]


@pytest.mark.parametrize(
    ("name", "role", "district", "password", "again", "message"),
    [
        (EDITOR, "viewer", None, "", None, f"用户名『{EDITOR}』已存在，请换一个用户名。"),
        ("无区县", "district", None, "", None, "区县填报员必须指定所属区县（--district 区县）。"),
        ("两次不同", "viewer", None, NEW_PASSWORD, NEW_PASSWORD + "x", MISMATCH),
        ("太短", "viewer", None, "short", None, "密码至少需要 8 个字符。"),
    ],
    ids=["duplicate", "district-role-without-district", "mismatch", "short"],
)
def test_a_bad_new_account_is_refused_with_the_reason_and_nothing_is_added(
    accounts: Accounts,
    name: str,
    role: str,
    district: str | None,
    password: str,
    again: str | None,
    message: str,
) -> None:
    before = accounts.list()
    at = _add(_page(), name, role, district, password, again)
    assert _errors(at) == [message]
    assert at.success.len == 0
    assert accounts.list() == before


def test_admin_resets_a_password_and_the_clerk_can_then_log_in(
    accounts: Accounts, store: Store
) -> None:
    clerk = accounts.get(WAITING)
    assert clerk is not None and not clerk.has_password
    at = _pick(_page(), clerk.name)
    at.text_input(key="users_pw_new").input(NEW_PASSWORD)
    at.text_input(key="users_pw_again").input(NEW_PASSWORD)
    at.button(key="users_pw_submit").click()
    _run(at)
    assert _errors(at) == []
    assert at.success[0].value.startswith(f"已为账号『{clerk.name}』设置新密码")
    assert accounts.authenticate(clerk.name, NEW_PASSWORD).name == clerk.name
    row = _last(store, "user_password")
    assert (row["actor"], row["role"]) == (ADMIN, "admin")
    assert clerk.name in row["detail"] and NEW_PASSWORD not in row["detail"]


@pytest.mark.parametrize(
    ("password", "again", "message"),
    [("", "", "密码不能为空。"), (NEW_PASSWORD, "something-else", MISMATCH)],
    ids=["empty", "mismatch"],
)
def test_a_bad_new_password_is_refused_and_the_old_one_still_works(
    accounts: Accounts, password: str, again: str, message: str
) -> None:
    at = _pick(_page(), EDITOR)
    at.text_input(key="users_pw_new").input(password)
    at.text_input(key="users_pw_again").input(again)
    at.button(key="users_pw_submit").click()
    _run(at)
    assert _errors(at) == [message]
    assert accounts.authenticate(EDITOR, TEST_PASSWORD).name == EDITOR


def test_admin_disables_and_enables_an_account(accounts: Accounts, store: Store) -> None:
    at = _pick(_page(), EDITOR)
    at.button(key="users_disable").click()
    _run(at)
    assert at.success[0].value == f"已停用账号『{EDITOR}』。"
    assert _table(at).loc[EDITOR, "状态"] == "已停用"
    assert accounts.active(EDITOR) is None
    with pytest.raises(LoginRefused, match="已停用"):
        accounts.authenticate(EDITOR, TEST_PASSWORD)
    row = _last(store, "user_disable")
    assert (row["actor"], row["role"]) == (ADMIN, "admin")

    assert not [b for b in at.button if b.key == "users_disable"]
    at.button(key="users_enable").click()
    _run(at)
    assert at.success[0].value == f"已启用账号『{EDITOR}』。"
    assert _table(at).loc[EDITOR, "状态"] == "正常"
    assert accounts.authenticate(EDITOR, TEST_PASSWORD).name == EDITOR
    row = _last(store, "user_enable")
    assert (row["actor"], row["role"]) == (ADMIN, "admin")


def _lock(accounts: Accounts, name: str) -> Account:
    for i in range(DEFAULT_SETTINGS.max_failed_logins):
        with pytest.raises(LoginRefused):
            accounts.authenticate(name, f"wrong-{i}")
    locked = accounts.get(name)
    assert locked is not None and locked.locked_until is not None
    return locked


def test_admin_unlocks_a_locked_account(accounts: Accounts, store: Store) -> None:
    locked = _lock(accounts, VIEWER)
    assert locked.locked_until is not None
    until = f"{locked.locked_until.astimezone(LOCAL_TZ):%H:%M}"
    at = _page()
    assert _table(at).loc[VIEWER, "状态"] == f"已锁定（至 {until}）"
    _pick(at, EDITOR)
    assert not [b for b in at.button if b.key == "users_unlock"]  # only a locked one offers it
    _pick(at, VIEWER)
    at.button(key="users_unlock").click()
    _run(at)
    assert at.success[0].value == f"已解锁账号『{VIEWER}』，可以重新登录。"
    assert _table(at).loc[VIEWER, "状态"] == "正常"
    assert accounts.authenticate(VIEWER, TEST_PASSWORD).name == VIEWER
    row = _last(store, "user_unlock")
    assert (row["actor"], row["role"]) == (ADMIN, "admin")


def test_admin_changes_a_role_and_its_district(accounts: Accounts, store: Store) -> None:
    at = _pick(_page(), VIEWER)
    assert at.selectbox(key="users_role").value == "viewer"
    at.selectbox(key="users_role").select("district")
    _run(at)
    at.selectbox(key="users_role_district").select("南港区")
    at.button(key="users_role_apply").click()
    _run(at)
    assert at.success[0].value == f"已把账号『{VIEWER}』改为区县填报员（南港区）。"
    changed = accounts.get(VIEWER)
    assert changed is not None and (changed.role, changed.district) == ("district", "南港区")
    row = _last(store, "user_role")
    assert (row["actor"], row["role"]) == (ADMIN, "admin")
    assert (_table(at).loc[VIEWER, "角色"], _table(at).loc[VIEWER, "区县"]) == (
        "区县填报员",
        "南港区",
    )


def test_picking_another_account_starts_the_role_fields_from_its_own_role() -> None:
    at = _pick(_page(), VIEWER)
    at.selectbox(key="users_role").select("editor")
    _run(at)
    _pick(at, TEST_ACCOUNTS["district"][0])
    assert at.selectbox(key="users_role").value == "district"
    assert at.selectbox(key="users_role_district").value == "东湖区"


def test_the_last_admin_cannot_disable_or_demote_themselves(accounts: Accounts) -> None:
    assert [a.name for a in accounts.list() if a.role == "admin"] == [ADMIN]
    at = _pick(_page(), ADMIN)
    at.button(key="users_disable").click()
    _run(at)
    assert _errors(at) == ["不能停用最后一个管理员账号。"]
    at.selectbox(key="users_role").select("viewer")
    _run(at)
    at.button(key="users_role_apply").click()
    _run(at)
    assert _errors(at) == ["不能停用最后一个管理员账号。"]
    me = accounts.get(ADMIN)
    assert me is not None and (me.active, me.role) == (True, "admin")


def test_an_admin_demoted_elsewhere_cannot_make_the_change_they_had_open(
    accounts: Accounts,
) -> None:
    at = _pick(_page(), EDITOR)
    accounts.add("第二管理员", "admin", password=TEST_PASSWORD, actor="测试")
    accounts.set_role(ADMIN, "viewer", actor="第二管理员", actor_role="admin")
    at.button(key="users_disable").click()
    _run(at)
    assert _errors(at) == ["您的角色（查看）不能管理账号。如需此权限，请联系管理员。"]
    assert accounts.active(EDITOR) is not None


@pytest.mark.parametrize("role", ["editor", "district", "viewer"])
def test_a_non_admin_is_refused_the_page_and_the_refusal_is_audited(
    store: Store, role: str
) -> None:
    name = TEST_ACCOUNTS[role][0]
    at = _page(name)
    label = {"editor": "市创城办", "district": "区县填报员", "viewer": "查看"}[role]
    assert _errors(at) == [f"您的角色（{label}）不能管理账号。如需此权限，请联系管理员。"]
    assert at.dataframe.len == 0
    assert at.text_input.len == 0 and at.button.len == 0 and at.selectbox.len == 0
    row = _last(store, "denied")
    assert (row["actor"], row["role"]) == (name, role)
    assert "manage_users" in row["detail"]


def test_nobody_logged_in_is_asked_to_log_in(fresh_home: Path) -> None:
    at = AppTest.from_file(PAGE, default_timeout=60)
    _run(at)
    assert _errors(at) == ["请先登录。"]
    assert at.dataframe.len == 0 and at.button.len == 0


def test_through_the_app_an_admin_opens_the_page_and_a_viewer_is_refused(
    fresh_home: Path,
) -> None:
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state[USER_KEY] = ADMIN
    at.switch_page("app_pages/users.py")
    _run(at)
    assert [t.value for t in at.title] == ["账号管理"]
    assert ADMIN in _table(at).index

    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state[USER_KEY] = VIEWER
    at.switch_page("app_pages/users.py")
    _run(at)
    assert any("不能管理账号" in e for e in _errors(at))
    assert not [b for b in at.button if b.key == "users_add_submit"]
