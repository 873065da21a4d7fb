"""Roles × pages, checked on the server: each role opens the pages it may and is refused the
others the same way whether it follows a link or types the URL, on SQLite and on PostgreSQL.

The sidebar lists only the pages a role may open; nobody who is not logged in gets past the
login form; a district clerk's dashboards open on their own district.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from civdash.accounts import Accounts
from civdash.config import DEFAULT_SETTINGS
from civdash.districts import DistrictTable
from civdash.pages import PAGES
from civdash.sample.loader import packaged_file
from civdash.store import Store
from civdash.ui.auth import USER_KEY
from civdash.ui.state import DISTRICT_KEY
from tests.conftest import TEST_ACCOUNTS, TEST_PASSWORD, add_test_accounts
from tests.pages.conftest import APP, logged_in

REFUSAL = "如需此权限，请联系管理员"

ROLE_PAGES: dict[str, set[str]] = {
    "admin": set(PAGES),
    "editor": set(PAGES) - {"users"},
    "district": set(PAGES) - {"users"},
    "viewer": set(PAGES) - {"users", "upload", "data_status"},
}
"""Role → the pages it may open (issue 13: viewers see dashboards and 周例会 only)."""


@pytest.fixture
def office(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A store with the district table and one account per role, served to the app."""
    geojson = packaged_file("districts.geojson")
    with Store(db_url) as store:
        store.commit_districts(
            DistrictTable.from_geojson(geojson),
            geojson,
            file_name="区县.geojson",
            committed_by="测试",
        )
        add_test_accounts(store)
    monkeypatch.setenv("CIVDASH_DATABASE_URL", db_url)
    monkeypatch.setenv("CIVDASH_NO_SAMPLE", "1")
    st.cache_resource.clear()
    st.cache_data.clear()
    yield db_url
    st.cache_resource.clear()
    st.cache_data.clear()


def _open(role: str | None, page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    if role is not None:
        logged_in(at, role)
    at.switch_page(PAGES[page].path).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _refused(at: AppTest) -> bool:
    return any(REFUSAL in e.value for e in at.error)


def _sidebar_links(at: AppTest) -> set[str]:
    return {link.proto.label for link in at.sidebar.get("page_link")}


@pytest.mark.parametrize("role", list(ROLE_PAGES))
def test_each_role_opens_its_pages_and_is_refused_the_others(office: str, role: str) -> None:
    titles = {key: PAGES[key].title for key in PAGES}
    for key in PAGES:
        at = _open(role, key)
        may = key in ROLE_PAGES[role]
        assert _refused(at) is not may, (role, key)
        assert _sidebar_links(at) == {titles[k] for k in ROLE_PAGES[role]}, (role, key)
    with Store(office) as store:
        audit = store.audit(500)
    denied = audit[audit["action"] == "denied"]
    refused = set(PAGES) - ROLE_PAGES[role]
    assert set(zip(denied["actor"], denied["role"], strict=True)) == (
        {(TEST_ACCOUNTS[role][0], role)} if refused else set()
    )
    assert sorted(d.split("。")[0] for d in denied["detail"]) == sorted(
        f"拒绝：{PAGES[k].title}" for k in refused
    )
    assert len(denied) == len(refused)  # each refusal once, not once per rerun


@pytest.mark.parametrize("page", list(PAGES))
def test_without_logging_in_every_page_shows_only_the_login_form(office: str, page: str) -> None:
    at = _open(None, page)
    assert [t.label for t in at.text_input] == ["用户名", "密码"]
    assert [b.label for b in at.button] == ["登录"]
    assert not _sidebar_links(at)
    assert not at.title or at.title[0].value == "文明创建数据看板"


def test_logging_in_opens_the_page_and_a_wrong_password_says_so(office: str) -> None:
    name = TEST_ACCOUNTS["editor"][0]
    at = _open(None, "data_status")
    at.text_input(key="login_name").input(name)
    at.text_input(key="login_password").input("wrong-password")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["用户名或密码不正确。"]
    assert USER_KEY not in at.session_state
    assert not _sidebar_links(at)
    at.text_input(key="login_password").input(TEST_PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    assert at.session_state[USER_KEY] == name
    assert PAGES["data_status"].title in _sidebar_links(at)
    with Store(office) as store:
        audit = store.audit(20)
        actions = list(zip(audit["action"], audit["actor"], strict=True))
    assert ("login", name) in actions and ("login_failed", name) in actions


def test_an_empty_store_first_asks_for_the_first_admin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CIVDASH_HOME", str(tmp_path))
    monkeypatch.delenv("CIVDASH_DATABASE_URL", raising=False)
    monkeypatch.setenv("CIVDASH_NO_SAMPLE", "1")
    st.cache_resource.clear()
    at = AppTest.from_file(APP, default_timeout=90).run()
    assert [t.label for t in at.text_input] == ["用户名", "密码", "再输入一次密码"]
    at.text_input(key="setup_name").input("王主任")
    at.text_input(key="setup_password").input("first-admin-pw")
    at.text_input(key="setup_again").input("first-admin-pw")
    at.button[0].click().run()
    assert not at.exception
    assert at.session_state[USER_KEY] == "王主任"
    store = Store(f"sqlite:///{tmp_path / 'civdash.sqlite'}")
    accounts = Accounts(store, DEFAULT_SETTINGS)
    assert accounts.get("王主任").role == "admin"
    # once an admin exists, the form is gone: the next visitor gets the login page
    st.cache_resource.clear()
    again = AppTest.from_file(APP, default_timeout=90).run()
    assert [b.label for b in again.button] == ["登录"]
    store.close()


def test_a_district_clerks_dashboards_open_on_their_district(office: str) -> None:
    at = _open("district", "overview")
    assert at.session_state[DISTRICT_KEY] == TEST_ACCOUNTS["district"][1]
    other = _open("editor", "overview")
    assert other.session_state[DISTRICT_KEY] == "全市"


def test_a_disabled_account_is_logged_out_at_its_next_run(office: str) -> None:
    at = _open("editor", "overview")
    assert not _refused(at) and _sidebar_links(at)
    with Store(office) as store:
        Accounts(store, DEFAULT_SETTINGS).disable(TEST_ACCOUNTS["editor"][0], actor="测试")
    at.run()
    assert [b.label for b in at.button] == ["登录"]
    assert any("停用" in i.value for i in at.info)


def test_a_disabled_accounts_open_session_is_told_why_it_ended(office: str) -> None:
    """Disabling an account ends its login sessions (on every server): the next run of an open
    one says the account was disabled, not that the session went idle."""
    from civdash.sessions import Sessions
    from civdash.ui.auth import TOKEN_KEY

    name = TEST_ACCOUNTS["viewer"][0]
    at = _open("viewer", "overview")
    with Store(office) as store:
        at.session_state[TOKEN_KEY] = Sessions(store, DEFAULT_SETTINGS).open(name)
    at.run()
    assert _sidebar_links(at)  # the session resumes while the account is active
    with Store(office) as store:
        Accounts(store, DEFAULT_SETTINGS).disable(name, actor="测试")
    at.run()
    assert [b.label for b in at.button] == ["登录"]
    assert [i.value for i in at.info] == ["账号已停用或已删除，请联系管理员。"]


# ---- roles × actions -----------------------------------------------------------------------------

ROLE_ACTIONS: dict[str, set[str]] = {
    "admin": {"upload_own", "upload_other", "set_current", "delete", "edit_targets",
              "manage_users", "download", "view_audit"},
    "editor": {"upload_own", "upload_other", "set_current", "edit_targets", "download",
               "view_audit"},
    "district": {"upload_own", "download"},
    "viewer": {"download"},
}  # fmt: skip
"""Role → what it may do (issue 13): everything else must be refused on the server."""

ACTIONS = sorted(set().union(*ROLE_ACTIONS.values()))
OTHER = "南港区"
"""A district that is not the tests' district clerk's own (东湖区)."""


@pytest.fixture
def office_with_ledgers(office: str) -> str:
    """The office's store with the sample's latest workbooks committed as whole-city ledgers."""
    from civdash.ingest import ingest_file
    from civdash.sample.workbooks import LATEST_FILES

    with Store(office) as store:
        districts = store.districts()
        for name in LATEST_FILES[1:]:
            name = name.format(d="2026-11-15")
            data = packaged_file(name)
            result = ingest_file(data, file_name=name, districts=districts)
            store.commit(result, data, committed_by="测试管理员", role="admin")
    return office


def _observed(role: str, action: str) -> bool:
    """Whether `role` can take `action` in the app, as the page shows it to them."""
    page = {
        "upload_own": "upload", "upload_other": "upload", "set_current": "data_status",
        "delete": "data_status", "view_audit": "data_status", "edit_targets": "targets",
        "manage_users": "users", "download": "meeting",
    }[action]  # fmt: skip
    at = AppTest.from_file(APP, default_timeout=120)
    logged_in(at, role)
    if action == "upload_other":  # even a scope forced into the session
        at.session_state["upload_scope"] = OTHER
    at.switch_page(PAGES[page].path).run()
    assert not at.exception, [e.value for e in at.exception]
    if _refused(at):
        return False
    buttons = {b.label for b in at.button}
    if action == "upload_own":
        own = TEST_ACCOUNTS[role][1]
        scope = [s for s in at.selectbox if s.label == "提交范围"]
        shown = " ".join(m.value for m in at.markdown)
        return bool(scope) or f"提交范围**：{own}" in shown
    if action == "upload_other":
        scope = [s for s in at.selectbox if s.label == "提交范围"]
        return bool(scope) and scope[0].value == OTHER
    if action == "set_current":
        return "设为当前快照" in buttons
    if action == "delete":
        return "删除快照…" in buttons
    if action == "view_audit":
        return "审计日志" in [h.value for h in at.subheader]
    if action == "edit_targets":
        return "保存目标任务" in buttons
    if action == "manage_users":
        return "账号管理" in [t.value for t in at.title]
    # download: the 周例会 pack (buttons that make it at the first click, or its downloads)
    return "下载通报（Word）" in buttons | {d.proto.label for d in at.get("download_button")}


@pytest.mark.slow
@pytest.mark.parametrize("role", list(ROLE_ACTIONS))
def test_each_role_may_take_exactly_its_actions(office_with_ledgers: str, role: str) -> None:
    observed = {action for action in ACTIONS if _observed(role, action)}
    assert observed == ROLE_ACTIONS[role]


def test_a_session_idle_longer_than_the_setting_must_log_in_again(
    office: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    from civdash.ui.auth import SEEN_KEY

    monkeypatch.setenv("CIVDASH_SESSION_IDLE_MINUTES", "10")
    st.cache_resource.clear()
    at = _open("viewer", "overview")
    assert _sidebar_links(at)
    at.session_state[SEEN_KEY] = time.monotonic() - 11 * 60  # eleven minutes without a click
    at.run()
    assert [b.label for b in at.button] == ["登录"]
    assert [i.value for i in at.info] == ["闲置超过 10 分钟，已自动退出，请重新登录。"]


def test_the_sixth_wrong_password_is_refused_unchecked_and_the_lockout_audited(office: str) -> None:
    name = TEST_ACCOUNTS["editor"][0]
    at = _open(None, "overview")
    for _ in range(6):
        at.text_input(key="login_name").input(name)
        at.text_input(key="login_password").input("wrong-password")
        at.button[0].click().run()
    (message,) = [e.value for e in at.error]
    assert message.startswith("密码连续输错 5 次，账号已锁定")
    at.text_input(key="login_name").input(name)
    at.text_input(key="login_password").input(TEST_PASSWORD)  # even the right one, while locked
    at.button[0].click().run()
    assert USER_KEY not in at.session_state
    with Store(office) as store:
        actions = store.audit(20, actor=name)["action"].tolist()
    assert actions[:2] == ["login_locked", "login_locked"]
    assert "lockout" in actions and actions.count("login_failed") >= 4
