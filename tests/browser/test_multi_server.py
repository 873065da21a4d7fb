"""Two app servers on one PostgreSQL behind nginx (`civdash.cluster`), in real Chromium through
nginx: a commit made through server A shows on server B at its next page run, an account
disabled elsewhere is logged out on every server, and a user whose server died is carried to
the other one, still logged in, with nothing committed lost."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from civdash.cluster import SERVER_HEADER, Cluster, nginx_binary, postgres_bindir
from civdash.pages import PAGES
from civdash.sample import history_week, simulate
from tests.conftest import missing_system_tool

from .conftest import WAIT_MS

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.slow]

PASSWORD = "cluster-pass-2026"
NEW_WEEK = date(2026, 11, 22)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    missing = [
        what
        for what, found in (("nginx", nginx_binary()), ("PostgreSQL", postgres_bindir()))
        if not found
    ]
    if missing:
        missing_system_tool(f"未找到 {'、'.join(missing)}：请以 root 运行 scripts/test.sh 安装。")
    with Cluster(servers=2, sample=True) as running:
        running.add_user("李娜", "editor", PASSWORD)
        running.add_user("王主任", "admin", PASSWORD)
        running.add_user("赵敏", "viewer", PASSWORD)
        yield running


def _session_on(browser: Browser, cluster: Cluster, server: int) -> tuple[BrowserContext, Page]:
    """A new browser session through nginx that nginx routed to app server `server` (new
    sessions are spread by the hash of their first request's id: try until one lands there)."""
    wanted = f"127.0.0.1:{cluster.server_ports[server]}"
    for _ in range(40):
        context = browser.new_context(viewport={"width": 1280, "height": 720})
        page = context.new_page()
        response = page.goto(cluster.url)
        assert response is not None
        if response.headers.get(SERVER_HEADER.lower()) == wanted:
            return context, page
        context.close()
    raise AssertionError(f"nginx 没有把新会话分到 {wanted}")


def _log_in(page: Page, name: str) -> None:
    form = page.get_by_test_id("stForm")
    form.get_by_label("用户名", exact=True).fill(name)
    form.get_by_label("密码", exact=True).fill(PASSWORD)
    form.get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("stSidebar").get_by_text("当前用户")).to_be_attached(timeout=WAIT_MS)


def _served_by(page: Page, cluster: Cluster) -> str:
    """Which app server answers this tab's next request (its cookies decide)."""
    response = page.request.get(f"{cluster.url}/_stcore/health")
    return response.headers.get(SERVER_HEADER.lower(), "")


def test_a_commit_through_one_server_shows_on_the_other(
    browser: Browser, cluster: Cluster, tmp_path
):
    a_context, a = _session_on(browser, cluster, 0)
    b_context, b = _session_on(browser, cluster, 1)
    try:
        _log_in(a, "李娜")
        _log_in(b, "王主任")
        # every later request of a tab goes to the server it started on (sticky sessions)
        assert _served_by(a, cluster) == f"127.0.0.1:{cluster.server_ports[0]}"
        assert _served_by(b, cluster) == f"127.0.0.1:{cluster.server_ports[1]}"
        b.goto(f"{cluster.url}/{PAGES['data_status'].key}")
        chosen = b.get_by_role("combobox", name="选择快照")  # the newest snapshot, preselected
        expect(chosen).to_have_value(re.compile(r"^#\d+ "), timeout=WAIT_MS)
        week = history_week(simulate(), "volunteers", NEW_WEEK)
        file = tmp_path / week.result.file_name
        file.write_bytes(week.data)
        expect(chosen).not_to_have_value(re.compile(re.escape(file.name)))

        a.goto(f"{cluster.url}/{PAGES['upload'].key}")
        uploader = a.get_by_test_id("stFileUploaderDropzone").first.locator("input[type=file]")
        uploader.set_input_files(str(file))
        commit = a.get_by_role("button", name=f"确认导入 {week.result.rows_valid:,} 行有效数据")
        expect(commit).to_be_enabled(timeout=WAIT_MS)
        commit.click()
        expect(a.get_by_text("已保存").first).to_be_visible(timeout=WAIT_MS)

        b.reload()  # server B's next page run
        expect(chosen).to_have_value(re.compile(re.escape(file.name) + ".*当前$"), timeout=WAIT_MS)
    finally:
        a_context.close()
        b_context.close()


def test_an_account_disabled_elsewhere_is_logged_out_on_every_server(
    browser: Browser, cluster: Cluster
):
    contexts = []
    try:
        pages = []
        for server in (0, 1):
            context, page = _session_on(browser, cluster, server)
            contexts.append(context)
            _log_in(page, "赵敏")
            pages.append(page)
        cluster.cli("user", "disable", "赵敏")
        # on server A the open session's next run (a click in the sidebar) says why it ended
        link = (
            pages[0]
            .get_by_test_id("stSidebar")
            .get_by_role("link", name=re.compile(PAGES["issues"].title))
        )
        link.click()
        expect(pages[0].get_by_text("账号已停用或已删除，请联系管理员。")).to_be_visible(
            timeout=WAIT_MS
        )
        # on server B a reload finds that the login cookie no longer lets the account in
        pages[1].reload()
        for page in pages:
            expect(page.get_by_test_id("stForm").get_by_role("button", name="登录")).to_be_visible(
                timeout=WAIT_MS
            )
            expect(page.get_by_test_id("stSidebar").get_by_text("当前用户")).to_have_count(0)
    finally:
        for context in contexts:
            context.close()


def test_when_a_server_dies_its_users_go_on_on_the_other_logged_in(
    browser: Browser, cluster: Cluster
):
    context, page = _session_on(browser, cluster, 1)
    try:
        _log_in(page, "王主任")
        expect(page.get_by_test_id("stMetric").first).to_be_visible(timeout=WAIT_MS)
        cluster.kill_server(1)
        page.reload()  # nginx finds server 1 gone and sends the tab to server 0
        expect(page.get_by_test_id("stSidebar").get_by_text("当前用户")).to_be_attached(
            timeout=WAIT_MS
        )
        expect(page.get_by_test_id("stMetric").first).to_be_visible(timeout=WAIT_MS)
        assert _served_by(page, cluster) == f"127.0.0.1:{cluster.server_ports[0]}"
    finally:
        context.close()
        cluster.start_server(1)
        cluster.wait_healthy(1)
