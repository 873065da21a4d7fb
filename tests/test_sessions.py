"""Login sessions kept across page loads: resumed by token, gone when idle or closed, stored
only as a digest."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from civdash.config import DEFAULT_SETTINGS
from civdash.sessions import Sessions
from civdash.store import Store

T0 = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


def test_a_session_resumes_until_it_goes_idle(db_url: str) -> None:
    settings = replace(DEFAULT_SETTINGS, session_idle_minutes=30)
    with Store(db_url) as store:
        sessions = Sessions(store, settings)
        token = sessions.open("张晓", now=T0)
        assert sessions.resume(token, now=T0 + timedelta(minutes=29)) == "张晓"
        # each visit counts as activity: 29 minutes after the last one it still resumes
        assert sessions.resume(token, now=T0 + timedelta(minutes=58)) == "张晓"
        assert sessions.resume(token, now=T0 + timedelta(minutes=89)) is None
        assert sessions.resume(token, now=T0 + timedelta(minutes=90)) is None  # removed
        assert sessions.resume("made-up-token", now=T0) is None
        assert sessions.resume(None) is None


def test_the_store_holds_no_usable_token_and_logout_ends_a_session(db_url: str) -> None:
    with Store(db_url) as store:
        sessions = Sessions(store)
        token = sessions.open("李娜")
        other = sessions.open("李娜")
        with store.engine.connect() as conn:
            kept = conn.execute(sa.select(store.sessions_table)).all()
        assert token not in {str(v) for row in kept for v in row}
        sessions.close(token)
        assert sessions.resume(token) is None
        assert sessions.resume(other) == "李娜"
        assert sessions.close_all("李娜") == 1
        assert sessions.resume(other) is None


def test_disabling_an_account_or_resetting_its_password_logs_it_out_everywhere(
    db_url: str,
) -> None:
    from civdash.accounts import Accounts

    with Store(db_url) as store:
        accounts = Accounts(store, DEFAULT_SETTINGS)
        accounts.add("管理员", "admin", password="admin-password", actor="测试")
        accounts.add("张晓", "editor", password="first-password", actor="管理员")
        sessions = Sessions(store)
        token = sessions.open("张晓")
        accounts.change_own_password("张晓", "first-password", "second-password")
        assert sessions.resume(token) == "张晓"  # changing one's own keeps this browser
        accounts.set_password("张晓", "third-password", actor="管理员", actor_role="admin")
        assert sessions.resume(token) is None
        token = sessions.open("张晓")
        accounts.disable("张晓", actor="管理员", actor_role="admin")
        assert sessions.resume(token) is None
