"""Failures on a page in AppTest: a Chinese message with a retry button, the details in the log,
never Streamlit's exception box; Streamlit's own control flow passes through untouched."""

from __future__ import annotations

import logging
import shutil
import socket
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from civdash.store import Store
from civdash.ui.errors import DATABASE_DOWN, DISK_FULL, RETRY
from tests.conftest import taken_page_failures
from tests.pages.conftest import APP, logged_in

PAGE_FAILED_START = "这个页面出了意外问题，没能完整显示（错误编号 "


def _closed_port() -> int:
    """A port of 127.0.0.1 on which nothing listens (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _retry_button(at: AppTest):  # type: ignore[no-untyped-def]
    return next(b for b in at.button if b.label == RETRY)


def test_a_page_that_raises_shows_a_chinese_message_with_retry_and_logs_the_traceback(
    app: AppTest, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from civdash.views import overview

    working = overview.build_overview_view
    broken = [True]

    def sometimes_broken(*args: Any, **kwargs: Any) -> Any:
        if broken[0]:
            raise RuntimeError("总览视图坏了：测试")
        return working(*args, **kwargs)

    monkeypatch.setattr(overview, "build_overview_view", sometimes_broken)
    app.run()
    assert not app.exception
    [message] = [e.value for e in app.error]
    assert message.startswith(PAGE_FAILED_START)
    assert message.endswith("请把错误编号告诉系统管理员，详细情况已记入服务器日志。")
    assert "RuntimeError" not in message and "测试" not in message  # no technical details
    number = message.removeprefix(PAGE_FAILED_START).split("）")[0]
    [record] = [r for r in caplog.records if r.name == "civdash.ui.errors"]
    assert record.levelno == logging.ERROR
    assert record.getMessage() == f"页面出错（错误编号 {number}）"
    assert record.exc_info is not None and str(record.exc_info[1]) == "总览视图坏了：测试"
    assert "Traceback" in caplog.text
    assert len(taken_page_failures(caplog)) == 1

    broken[0] = False  # the view works again: 重试 shows the page
    _retry_button(app).click().run()
    assert not app.exception and not app.error
    assert app.title[0].value.startswith("总览")


def test_an_unreachable_database_says_so_in_chinese_and_the_page_recovers_when_it_is_back(
    empty_home: Path,
    sample_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv(
        "CIVDASH_DATABASE_URL", f"postgresql+psycopg://civdash@127.0.0.1:{_closed_port()}/civdash"
    )
    at = logged_in(AppTest.from_file(APP, default_timeout=90))
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [DATABASE_DOWN]
    assert DATABASE_DOWN.startswith("数据库暂时无法连接")
    assert not at.title  # nothing of the page was drawn from a database it could not read
    [logged] = taken_page_failures(caplog)
    assert logged.startswith("数据库无法连接（错误编号 ")

    # the database is back (here: a copy of the sample city's)
    shutil.copy2(sample_home / "civdash.sqlite", tmp_path / "civdash.sqlite")
    monkeypatch.setenv("CIVDASH_DATABASE_URL", f"sqlite:///{tmp_path / 'civdash.sqlite'}")
    _retry_button(at).click().run()
    assert not at.exception and not at.error
    assert at.title[0].value.startswith("总览")


def test_a_database_lost_after_start_shows_the_same_message(
    fresh_home: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    at = logged_in(AppTest.from_file(APP, default_timeout=90))
    at.run()
    assert not at.exception and not at.error

    def unreachable(self: Store, *args: object, **kwargs: object) -> None:
        # what SQLAlchemy raises when the server refused the connection
        import sqlalchemy.exc

        raise sqlalchemy.exc.OperationalError("SELECT 1", {}, ConnectionRefusedError(111))

    monkeypatch.setattr(Store, "snapshots", unreachable)
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [DATABASE_DOWN]
    assert [b.label for b in at.button if b.label == RETRY] == [RETRY]
    assert len(taken_page_failures(caplog)) == 1


def test_a_full_disk_says_so_not_that_the_database_is_unreachable(
    fresh_home: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import sqlite3

    import sqlalchemy.exc

    at = logged_in(AppTest.from_file(APP, default_timeout=90))
    at.run()
    assert not at.exception and not at.error

    def full(self: Store, *args: object, **kwargs: object) -> None:
        cause = sqlite3.OperationalError("database or disk is full")
        cause.sqlite_errorname = "SQLITE_FULL"  # type: ignore[attr-defined]  # as sqlite3 sets it
        raise sqlalchemy.exc.OperationalError("INSERT", {}, cause)

    monkeypatch.setattr(Store, "snapshots", full)
    at.run()
    assert [e.value for e in at.error] == [DISK_FULL]
    assert DISK_FULL.startswith("服务器磁盘空间已满，刚才的操作没有保存任何数据")
    [logged] = taken_page_failures(caplog)
    assert logged.startswith("磁盘已满（错误编号 ")


def _control_flow() -> None:
    import streamlit as st

    from civdash.ui.errors import page_errors

    with page_errors():
        runs = st.session_state.setdefault("runs", 0)
        st.session_state["runs"] = runs + 1
        st.write(f"第 {runs + 1} 次运行")
        if runs == 0:
            st.rerun()
        st.stop()
        st.write("不应显示")


def test_rerun_and_stop_pass_through_the_error_guard(caplog: pytest.LogCaptureFixture) -> None:
    at = AppTest.from_function(_control_flow).run()
    assert not at.exception and not at.error
    assert at.session_state["runs"] == 2
    assert [m.value for m in at.markdown] == ["第 2 次运行"]
    assert taken_page_failures(caplog) == []
