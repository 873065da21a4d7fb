"""Refusals in real Chromium: a role that may not open a page is refused by the server when it
types the page's URL, and the sidebar does not offer the page; a button left on screen after the
role was taken away is refused when clicked; a logged-out browser sees only the login form on
every URL; the session survives a reload and ends at 退出登录."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from civdash.accounts import Accounts
from civdash.config import DEFAULT_SETTINGS
from civdash.pages import PAGES
from civdash.store import Store
from tests.conftest import TEST_ACCOUNTS, TEST_PASSWORD
from tests.pages.test_roles import REFUSAL, ROLE_PAGES

from .conftest import WAIT_MS, log_in, serve_app

pytestmark = pytest.mark.browser


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    yield context
    context.close()


@pytest.mark.parametrize("role", ["viewer", "district", "editor"])
def test_a_typed_url_of_a_page_the_role_may_not_open_is_refused(
    context: BrowserContext, app_url: str, role: str
) -> None:
    refused = [PAGES[k] for k in PAGES if k not in ROLE_PAGES[role]]
    assert refused
    page = context.new_page()
    log_in(page, f"{app_url}/{refused[0].url_path}", role)
    sidebar = page.get_by_test_id("stSidebar")
    for target in refused:
        page.goto(f"{app_url}/{target.url_path}")  # the cookie keeps the user logged in
        alert = page.get_by_test_id("stAlertContentError")
        expect(alert).to_contain_text(REFUSAL, timeout=WAIT_MS)
        expect(page.get_by_test_id("stMain").locator("h1")).to_have_count(0)
        expect(page.get_by_test_id("stFileUploader")).to_have_count(0)
        expect(sidebar.get_by_role("link", name=target.title, exact=True)).to_have_count(0)
        expect(sidebar).to_contain_text(f"当前用户：{TEST_ACCOUNTS[role][0]}")
    allowed = sorted(ROLE_PAGES[role])
    expect(sidebar.get_by_role("link")).to_have_count(len(allowed))


def test_logged_out_every_url_shows_the_login_form_and_a_reload_keeps_a_login(
    context: BrowserContext, app_url: str
) -> None:
    page = context.new_page()
    for target in PAGES.values():
        page.goto(f"{app_url}/{target.url_path}")
        form = page.get_by_test_id("stForm")
        expect(form.get_by_role("button", name="登录")).to_be_visible(timeout=WAIT_MS)
        expect(form.get_by_label("密码")).to_be_visible()
        expect(page.get_by_test_id("stApp")).to_have_attribute(
            "data-test-script-state", "notRunning", timeout=WAIT_MS
        )
        expect(page.get_by_test_id("stSidebar").get_by_role("link")).to_have_count(0)
        shown = page.get_by_test_id("stMain").inner_text().split()
        # the ligature of the password box's eye icon (once its font is in), not text
        shown = [w for w in shown if w != "visibility"]
        assert shown == ["文明创建数据看板", "登录", "用户名", "密码", "登录"], shown
    log_in(page, f"{app_url}/data_status", "editor")
    page.reload()
    heading = page.get_by_test_id("stMain").locator("h1").first
    expect(heading).to_have_text(re.compile(f"^{PAGES['data_status'].title}"), timeout=WAIT_MS)
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("button", name="登录")).to_be_visible(timeout=WAIT_MS)
    page.reload()  # the cookie went with the session
    expect(page.get_by_role("button", name="登录")).to_be_visible(timeout=WAIT_MS)


def test_a_button_still_on_screen_after_the_role_was_taken_away_is_refused_by_the_server(
    browser: Browser, sample_home: Path, tmp_path: Path
) -> None:
    """An admin asks to delete a snapshot; before confirming, another admin makes them an
    editor. The 确认删除 button is still on their screen: clicking it is refused on the server
    (and audited), and the snapshot stays."""
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy2(sample_home / "civdash.sqlite", home / "civdash.sqlite")
    store = Store(f"sqlite:///{home / 'civdash.sqlite'}")
    accounts = Accounts(store, DEFAULT_SETTINGS)
    accounts.add("第二管理员", "admin", password=TEST_PASSWORD, actor="测试")
    snapshots = len(store.snapshots())
    with serve_app(home) as url:
        context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
        page = context.new_page()
        try:
            log_in(page, f"{url}/data_status", "admin", name="第二管理员")
            main = page.get_by_test_id("stMain")
            main.get_by_role("button", name="删除快照…").click()
            confirm = main.get_by_role("button", name="确认删除")
            expect(confirm).to_be_visible(timeout=WAIT_MS)
            accounts.set_role("第二管理员", "editor", actor="测试管理员", actor_role="admin")
            confirm.click()
            alert = page.get_by_test_id("stAlertContentError")
            expect(alert).to_contain_text("不能删除快照", timeout=WAIT_MS)
            expect(alert).to_contain_text(REFUSAL)
        finally:
            context.close()
    assert len(store.snapshots()) == snapshots
    audit = store.audit(20)
    denied = audit[(audit["action"] == "denied") & (audit["actor"] == "第二管理员")]
    assert list(denied["role"]) == ["editor"]
    store.close()


def test_single_sign_on_trusts_the_proxys_header_only_when_configured(
    browser: Browser, sample_home: Path, tmp_path: Path
) -> None:
    """With CIVDASH_SSO_HEADER set, the header's user (percent-encoded: HTTP headers are
    Latin-1) is logged in as the local account of that name with its role; without the setting
    the same header gets the login form."""
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy2(sample_home / "civdash.sqlite", home / "civdash.sqlite")
    headers = {"X-Remote-User": quote(TEST_ACCOUNTS["editor"][0])}
    sso = {"CIVDASH_SSO_HEADER": "X-Remote-User"}
    for extra_env, logged_in in ((sso, True), ({}, False)):
        with serve_app(home, extra_env=extra_env) as url:
            context = browser.new_context(
                viewport={"width": 1920, "height": 1080}, locale="zh-CN", extra_http_headers=headers
            )
            page = context.new_page()
            try:
                page.goto(f"{url}/data_status")
                if logged_in:
                    sidebar = page.get_by_test_id("stSidebar")
                    expect(sidebar).to_contain_text(
                        f"当前用户：{TEST_ACCOUNTS['editor'][0]}（市创城办）", timeout=WAIT_MS
                    )
                    heading = page.get_by_test_id("stMain").locator("h1").first
                    expect(heading).to_have_text(re.compile("^数据概况"), timeout=WAIT_MS)
                    expect(sidebar.get_by_role("link", name="账号管理")).to_have_count(0)
                else:
                    expect(page.get_by_role("button", name="登录")).to_be_visible(timeout=WAIT_MS)
            finally:
                context.close()
    with Store(f"sqlite:///{home / 'civdash.sqlite'}") as store:
        audit = store.audit(20)
    logins = audit[(audit["action"] == "login") & (audit["actor"] == TEST_ACCOUNTS["editor"][0])]
    assert list(logins["detail"]) == ["单点登录（X-Remote-User）"]
