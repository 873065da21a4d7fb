"""The server never tries to reach another machine: from its first start on an empty store,
through every page in Chromium, to a websocket opened from a foreign origin.

The server is `streamlit run app.py` exactly as the README starts it: no flags for the address,
headless mode or usage statistics, so what keeps it on the machine is `.streamlit/config.toml`
(and `ui.chrome.keep_on_machine`). It runs under tests/browser/socket_recorder.py, which writes
down every socket connect, datagram and name lookup of the process; every one must be a
loopback address, "localhost" or a Unix socket. (The server listens on every interface here,
as it does by default, on a free port, for the length of the test.)

On the way, the first start is looked at: the app's frame (the navigation), a title and a
progress bar with its steps while the sample city loads (screenshot `first-start.png`).
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, expect

from civdash.pages import PAGES

from .conftest import WAIT_MS, AppTab, Traffic, _free_port, running_server

pytestmark = pytest.mark.browser

ISSUE_TABS = ("整改进度", "红黑榜", "逾期问题", "问题分布")
LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def _is_local(record: dict[str, object]) -> bool:
    """A Unix socket, or a connection / lookup of a loopback address or of localhost."""
    if record["family"] == "AF_UNIX":
        return True
    host = record["host"]
    if host is None or host in ("", "0.0.0.0", "::"):  # a passive lookup (for listening)
        return record["event"] == "socket.getaddrinfo"
    host = str(host).split("%")[0]
    if host.lower() in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@contextmanager
def recorded_server(home: Path) -> Iterator[tuple[str, Path, Path]]:
    """`streamlit run app.py --server.port N` under the socket recorder, on store `home`
    (the sample city is loaded on first start); (URL, record log, server log)."""
    port = _free_port()
    records, log = home / "sockets.jsonl", home / "server.log"
    env = {k: v for k, v in os.environ.items() if k not in ("CIVDASH_DATABASE_URL",
                                                             "CIVDASH_NO_SAMPLE")}  # fmt: skip
    env["CIVDASH_HOME"] = str(home)
    command = [
        sys.executable, "-m", "tests.browser.socket_recorder", str(records),
        "run", "app.py", "--server.port", str(port),
        # other files may change while the tests run: no "source changed, rerun?" banner
        "--server.fileWatcherType", "none", "--server.runOnSave", "false",
    ]  # fmt: skip
    with running_server(command, env, log, port) as url:
        yield url, records, log


def _foreign_origin_websocket(url: str) -> bytes:
    """Open the app's websocket as another site's page would (Origin: another host): Streamlit
    refuses it after comparing that origin with the addresses it knows for this machine."""
    parts = urlsplit(url)
    request = (
        f"GET /_stcore/stream HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        "Origin: http://intranet-portal.example\r\n\r\n"
    )
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as s:
        s.sendall(request.encode("ascii"))
        return s.recv(200)


def test_from_first_start_through_every_page_the_server_never_leaves_the_machine(
    browser: Browser, tmp_path: Path, screenshot_dirs: list[Path]
) -> None:
    home = tmp_path / "empty"
    home.mkdir()
    with recorded_server(home) as (url, records, log):
        context = browser.new_context(
            viewport={"width": 1920, "height": 1080}, locale="zh-CN", timezone_id="Asia/Shanghai"
        )
        traffic = Traffic(own_host=urlsplit(url).netloc)
        context.on("request", lambda request: traffic.urls.append(request.url))
        page = context.new_page()
        page.goto(url)

        # the first start: a title and a progress bar naming its step
        progress = page.get_by_test_id("stProgress")
        expect(progress).to_contain_text(re.compile(r"第 \d+/\d+ 步："), timeout=WAIT_MS)
        main = page.get_by_test_id("stMain")
        expect(main.locator("h1")).to_have_text("文明创建数据看板")
        expect(main).to_contain_text("首次启动：正在载入示例城市（青澜市）")
        shot = page.screenshot()
        for directory in screenshot_dirs:
            (directory / "first-start.png").write_bytes(shot)

        # then the form for the first admin (no account ships), and the dashboards
        form = page.get_by_test_id("stForm")
        expect(form.get_by_role("button", name="创建管理员并登录")).to_be_visible(timeout=WAIT_MS)
        expect(progress).to_have_count(0)
        form.get_by_label("用户名").fill("王主任")
        form.get_by_label("密码", exact=True).fill("first-admin-2026")
        form.get_by_label("再输入一次密码").fill("first-admin-2026")
        form.get_by_role("button", name="创建管理员并登录").click()
        nav = page.get_by_test_id("stSidebar")
        expect(nav.get_by_role("link")).to_have_count(len(PAGES), timeout=WAIT_MS)

        tab = AppTab(page, url, traffic, screenshot_dirs, f"sqlite:///{home / 'civdash.sqlite'}")
        heading = main.locator("h1").first
        expect(heading).to_have_text(re.compile("^总览"), timeout=WAIT_MS)
        tab.settle()
        for target in PAGES.values():
            tab.open(target)
            if target.key == "issues":
                for name in ISSUE_TABS:
                    page.get_by_role("tab", name=name).click()
                    tab.settle()
        assert tab.exceptions() == []
        assert traffic.offsite() == []

        answer = _foreign_origin_websocket(url)
        assert answer.startswith(b"HTTP/1.1 403")
        context.close()

    server_log = log.read_text(encoding="utf-8")
    assert "Rejecting WebSocket connection" in server_log  # the origin check did run
    assert "Did not auto detect external IP" not in server_log
    recorded = [json.loads(line) for line in records.read_text(encoding="utf-8").splitlines()]
    offsite = [r for r in recorded if not _is_local(r)]
    assert offsite == [], "服务器试图连接本机以外的地址"
