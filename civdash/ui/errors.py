"""An unexpected failure on a page becomes a Chinese message with a retry button; the details go
to the server log.

app.py runs the store check, the sidebar and the page inside `page_errors()`, and fragments that
rerun on their own (the meeting page's auto-advance) run inside it too. Streamlit's own control
flow (`st.rerun`, `st.stop`, `st.switch_page`) raises BaseExceptions that are not errors and pass
through untouched. What the user reads says what happened in their terms and what to do; the
exception and its traceback are logged (logger "civdash.ui.errors") with an error number that
the message shows, so an administrator can find it. A database that cannot be reached says so
("数据库暂时无法连接……") and is logged as one line with the driver's message; nothing about it is
cached, so the page recovers by itself on the next run (or 重试) once the database is back.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import sqlalchemy.exc
import streamlit as st

from civdash.store import LOCAL_TZ, disk_full, exception_chain

__all__ = [
    "DATABASE_DOWN",
    "DISK_FULL",
    "PAGE_FAILED",
    "RETRY",
    "database_unreachable",
    "page_errors",
    "show_failure",
]

logger = logging.getLogger(__name__)

DATABASE_DOWN = (
    "数据库暂时无法连接，页面读不到数据。请稍等片刻后点『重试』；"
    "如果几分钟后仍然连不上，请联系系统管理员检查数据库服务。"
)
PAGE_FAILED = (
    "这个页面出了意外问题，没能完整显示（错误编号 {ref}）。请点『重试』，或换一个区县、日期再看；"
    "如果仍然出错，请把错误编号告诉系统管理员，详细情况已记入服务器日志。"
)
DISK_FULL = (
    "服务器磁盘空间已满，刚才的操作没有保存任何数据（已保存的数据不受影响）。"
    "请联系系统管理员清理磁盘空间后，再点『重试』或重新提交。"
)
RETRY = "重试"

_CONNECTION_ERRORS = (
    sqlalchemy.exc.OperationalError,  # refused, timed out, unreadable SQLite file, locked
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.DisconnectionError,
    sqlalchemy.exc.TimeoutError,  # no connection free in the pool
)


def database_unreachable(exc: BaseException) -> bool:
    """Whether `exc`, or an exception it was raised from, says the database cannot be reached."""
    return any(isinstance(e, _CONNECTION_ERRORS) for e in exception_chain(exc))


def _error_number() -> str:
    """ "20261115-093012-4f2a": when, in China Standard Time, and four hex digits."""
    return f"{datetime.now(LOCAL_TZ):%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


def show_failure(exc: Exception) -> None:
    """The Chinese message for `exc` and a retry button (a click reruns the page); logged."""
    ref = _error_number()
    if disk_full(exc):
        logger.error("磁盘已满（错误编号 %s）：%s", ref, exc)
        st.error(DISK_FULL, icon=":material/hard_drive:")
    elif database_unreachable(exc):
        # a known state, repeated on every run while it lasts: one line, the driver's words
        logger.error("数据库无法连接（错误编号 %s）：%s", ref, exc)
        st.error(DATABASE_DOWN, icon=":material/cloud_off:")
    else:
        logger.error("页面出错（错误编号 %s）", ref, exc_info=exc)
        st.error(PAGE_FAILED.format(ref=ref), icon=":material/error:")
    # a key of its own: a fragment and its page may both fail in one run
    st.button(RETRY, key=f"civdash_retry_{ref}", icon=":material/refresh:")


@contextmanager
def page_errors() -> Iterator[None]:
    """Run a page (or a fragment) so that an exception becomes `show_failure`'s message."""
    try:
        yield
    except Exception as exc:  # st.rerun / st.stop / st.switch_page are BaseExceptions: not here
        show_failure(exc)
