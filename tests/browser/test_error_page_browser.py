"""With its database down, the served app says so in Chinese on every page, offers a retry, and
shows no link that leaves the machine (never Streamlit's "Ask Google" / "Ask ChatGPT" box).

The server's database is a PostgreSQL URL on a port of 127.0.0.1 where nothing listens: every
connection is refused at once. Screenshot: `error-database-down.png`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, expect

from civdash.pages import PAGES
from civdash.ui.errors import DATABASE_DOWN, RETRY

from .conftest import APP, WAIT_MS, _free_port, running_server

pytestmark = pytest.mark.browser

OWN_LINK = """(origin) => [...document.querySelectorAll('a[href]')]
    .map(a => a.href).filter(href => !href.startsWith(origin + '/') && href !== origin)"""


def test_every_page_says_the_database_is_down_in_chinese_without_a_link_off_the_machine(
    browser: Browser, tmp_path: Path, screenshot_dirs: list[Path]
) -> None:
    port, closed = _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if k != "CIVDASH_NO_SAMPLE"}
    env.update(
        CIVDASH_HOME=str(tmp_path),
        CIVDASH_DATABASE_URL=f"postgresql+psycopg://civdash@127.0.0.1:{closed}/civdash",
    )
    command = [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.fileWatcherType", "none", "--server.runOnSave", "false",
    ]  # fmt: skip
    log = tmp_path / "server.log"
    with running_server(command, env, log, port) as url:
        context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
        page = context.new_page()
        for target in PAGES.values():
            page.goto(f"{url}/{target.url_path}")
            alert = page.get_by_test_id("stAlertContentError").get_by_test_id("stMarkdownContainer")
            expect(alert).to_have_text(DATABASE_DOWN, timeout=WAIT_MS)
            expect(page.get_by_role("button", name=RETRY)).to_be_visible()
            expect(page.get_by_test_id("stApp")).to_have_attribute(
                "data-test-script-state", "notRunning", timeout=WAIT_MS
            )
            assert page.get_by_test_id("stException").count() == 0
            body = page.get_by_test_id("stMain").inner_text()
            assert "Ask Google" not in body and "has encountered an error" not in body
            assert page.evaluate(OWN_LINK, url) == [], target.key
            if target.default:
                shot = page.screenshot()
                for directory in screenshot_dirs:
                    (directory / "error-database-down.png").write_bytes(shot)
        # 重试 asks the database again (and is told the same while it is down)
        page.get_by_role("button", name=RETRY).click()
        expect(alert).to_have_text(DATABASE_DOWN)
        context.close()
    server_log = log.read_text(encoding="utf-8")
    assert "数据库无法连接（错误编号 " in server_log  # the details went to the server's log
    assert "OperationalError" in server_log and f"port {closed} failed" in server_log
    assert urlsplit(url).hostname == "127.0.0.1"
