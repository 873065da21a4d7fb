"""The real app in real Chromium: a Streamlit server on the sample city, and a browser that
records every request it makes.

The server runs `streamlit run app.py` on a free port of 127.0.0.1 against a private copy of the
sample store (built once per session by tests/conftest.py's `sample_home`). Chromium is Debian's
(`apt-get install chromium fonts-noto-cjk`, which scripts/test.sh does as root): without it the
browser tests are skipped, or fail under CI (`$CI` set). Everything waits by polling the server
or the page, never by sleeping a fixed time.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Dialog, Page, Playwright, expect, sync_playwright

from civdash.pages import Page as AppPage  # a page of the app's registry (not playwright's Page)
from civdash.sessions import COOKIE
from tests.conftest import missing_system_tool

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
STARTUP_SECONDS = 90
WAIT_MS = 120_000
"""How long a page may take to render (the first run on a busy 2-core machine is slow)."""
CHROMIUM_MISSING = (
    "未找到 Chromium 浏览器，跳过浏览器测试；请以 root 运行 scripts/test.sh，"
    "或执行 apt-get install chromium fonts-noto-cjk 后重试。"
)
CHROMIUM_MISSING_IN_CI = (
    "未找到 Chromium 浏览器：CI 中浏览器测试必须运行，"
    "请在 CI 镜像中执行 apt-get install chromium fonts-noto-cjk（scripts/test.sh 以 root 运行时会安装）。"
)
LOCAL_SCHEMES = ("data:", "blob:", "about:")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    """Poll /_stcore/health until the server answers "ok" (or exits, or the time is up)."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"Streamlit 服务启动失败（退出码 {proc.returncode}）：\n{log.read_text()[-3000:]}"
            )
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().strip() == b"ok":
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(
        f"Streamlit 服务 {STARTUP_SECONDS} 秒内没有就绪：\n{log.read_text()[-3000:]}"
    )


@contextmanager
def serve_app(
    home: Path, script: Path = APP, extra_env: dict[str, str] | None = None
) -> Iterator[str]:
    """`streamlit run app.py` (or another `script`) on a free port of 127.0.0.1 with
    CIVDASH_HOME=`home` (and `extra_env`); its URL.

    Ready when /_stcore/health answers; stopped (terminated, then killed) on exit.
    """
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "CIVDASH_DATABASE_URL"}
    # the store holds the sample already; never load it again inside the server
    env.update(CIVDASH_HOME=str(home), CIVDASH_NO_SAMPLE="1", **(extra_env or {}))
    log = home / f"streamlit-{port}.log"
    command = [
        sys.executable, "-m", "streamlit", "run", str(script),
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
        # other files may change while the tests run: no "source changed, rerun?" banner
        "--server.fileWatcherType", "none",
        "--server.runOnSave", "false",
    ]  # fmt: skip
    with running_server(command, env, log, port) as url:
        yield url


@contextmanager
def running_server(command: list[str], env: dict[str, str], log: Path, port: int) -> Iterator[str]:
    """Run `command` (a Streamlit server listening on `port`) in the checkout with `env`, its
    output in `log`; yields its URL on 127.0.0.1 once /_stcore/health answers, stops it on exit
    (terminated, then killed). `serve_app` starts the usual one; the offline-server test runs
    one under the socket recorder, the error-page test one against a database that is down."""
    with log.open("wb") as out:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def browser_home(sample_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the sample city's store for the app servers of the browser tests."""
    home = tmp_path_factory.mktemp("browser_home")
    shutil.copy2(sample_home / "civdash.sqlite", home / "civdash.sqlite")
    return home


@pytest.fixture(scope="session")
def app_url(browser_home: Path) -> Iterator[str]:
    """URL of the app on the sample city, one server for the whole session."""
    with serve_app(browser_home) as url:
        yield url


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's Chromium; skipped without it, except under CI where it must be there."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        missing_system_tool(CHROMIUM_MISSING, CHROMIUM_MISSING_IN_CI)
    return path


@pytest.fixture(scope="session")
def playwright_session() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(chromium_path: str, playwright_session: Playwright) -> Iterator[Browser]:
    browser = playwright_session.chromium.launch(
        executable_path=chromium_path,
        args=["--no-sandbox", "--disable-background-networking", "--disable-component-update"],
    )
    yield browser
    browser.close()


def log_in(page: Page, url: str, role: str = "admin", *, name: str | None = None) -> None:
    """Open `url` and log in through the login form as the tests' account of `role`
    (tests/conftest.py; or as account `name`, with the same password), as a user does; the
    tab's cookie keeps it logged in for later visits."""
    from tests.conftest import TEST_ACCOUNTS, TEST_PASSWORD

    page.goto(url)
    form = page.get_by_test_id("stForm")
    form.get_by_label("用户名").fill(name or TEST_ACCOUNTS[role][0])
    form.get_by_label("密码").fill(TEST_PASSWORD)
    form.get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("stSidebar").get_by_text("当前用户")).to_be_attached(timeout=WAIT_MS)
    page.wait_for_function(f"document.cookie.includes({json.dumps(COOKIE + '=')})", timeout=WAIT_MS)


@dataclass
class Traffic:
    """What the browser did: every request and websocket URL, dialogs, uncaught page errors."""

    own_host: str
    urls: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def offsite(self, since: int = 0) -> list[str]:
        """URLs (from index `since` on) that went to any host but the app's own."""
        return [
            url
            for url in self.urls[since:]
            if not url.startswith(LOCAL_SCHEMES) and urlsplit(url).netloc != self.own_host
        ]


@dataclass
class AppTab:
    """One browser tab on the app (one Streamlit session) and what it did.

    `open` goes to a page through the sidebar navigation as a user would, then waits, by polling
    the page, until the page's heading is shown and Streamlit is idle with every chart drawn.
    """

    page: Page
    origin: str
    traffic: Traffic
    shot_dirs: list[Path]
    store_url: str
    """The database the served app reads (for tests to know what it should show)."""

    def open(self, target: AppPage) -> None:
        nav = self.page.get_by_test_id("stSidebar")
        nav.get_by_role("link", name=target.title, exact=True).click()
        expect(self.page).to_have_url(re.compile(rf"/{re.escape(target.url_path)}(\?.*)?$"))
        heading = self.page.get_by_test_id("stMain").locator("h1").first
        expect(heading).to_have_text(re.compile(rf"^{re.escape(target.title)}"), timeout=WAIT_MS)
        self.settle()

    def settle(self) -> None:
        """Wait until no script runs, no "Running..." widget shows, no element is still a
        loading placeholder (skeleton) and every chart is drawn."""
        app = self.page.get_by_test_id("stApp")
        expect(app).to_have_attribute("data-test-script-state", "notRunning", timeout=WAIT_MS)
        expect(self.page.get_by_test_id("stStatusWidget")).to_be_hidden(timeout=WAIT_MS)
        expect(self.page.get_by_test_id("stSkeleton")).to_have_count(0, timeout=WAIT_MS)
        self.page.wait_for_function(CHARTS_DRAWN, timeout=WAIT_MS)
        expect(app).to_have_attribute("data-test-script-state", "notRunning", timeout=WAIT_MS)

    def exceptions(self) -> list[str]:
        return self.page.get_by_test_id("stException").all_inner_texts()

    def screenshot(self, name: str, *, width: int = 1920, height: int = 1080) -> list[Path]:
        """The viewport at width×height as `name`.png in every screenshot directory."""
        size = self.page.viewport_size
        if size != {"width": width, "height": height}:
            self.page.set_viewport_size({"width": width, "height": height})
            self.page.wait_for_function(f"window.innerWidth === {width}")
            self.settle()
        png = self.page.screenshot()
        if size is not None and size != {"width": width, "height": height}:
            self.page.set_viewport_size(size)
            self.page.wait_for_function(f"window.innerWidth === {size['width']}")
        paths = [d / f"{name}.png" for d in self.shot_dirs]
        for path in paths:
            path.write_bytes(png)
        return paths


CHARTS_DRAWN = """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
    .every(chart => chart.querySelector('canvas, svg'))"""
"""True when every Altair chart on the page has been drawn by Vega."""


@pytest.fixture(scope="session")
def screenshot_dirs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Where screenshots go: a temporary directory, and `$CIVDASH_SHOTS` too when set."""
    dirs = [tmp_path_factory.mktemp("screenshots")]
    if os.environ.get("CIVDASH_SHOTS"):
        dirs.append(Path(os.environ["CIVDASH_SHOTS"]))
        dirs[-1].mkdir(parents=True, exist_ok=True)
    return dirs


@pytest.fixture(scope="module")
def tab(
    browser: Browser, app_url: str, browser_home: Path, screenshot_dirs: list[Path]
) -> Iterator[AppTab]:
    """A Chinese-locale 1920×1080 tab on the app's default page, kept across a module's tests.

    Every request of the tab and its frames (the map's iframe too) and its websockets are
    recorded, and so is any alert/confirm dialog, which would mean page text ran as script.
    """
    context = browser.new_context(
        viewport={"width": 1920, "height": 1080}, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    traffic = Traffic(own_host=urlsplit(app_url).netloc)
    context.on("request", lambda request: traffic.urls.append(request.url))
    page = context.new_page()
    page.on("websocket", lambda ws: traffic.urls.append(ws.url))
    page.on("pageerror", lambda error: traffic.page_errors.append(str(error)))

    def dismiss(dialog: Dialog) -> None:
        traffic.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", dismiss)
    log_in(page, app_url)
    store_url = f"sqlite:///{browser_home / 'civdash.sqlite'}"
    yield AppTab(page, app_url, traffic, screenshot_dirs, store_url)
    context.close()
