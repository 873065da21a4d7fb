"""Login sessions that outlive a page load: a reload, a link to 周例会 or a second tab keeps the
user logged in until the session goes idle.

A login opens a session: a random token (256 bits) that the browser keeps in a cookie; the store
keeps only its SHA-256, with the user and when it was last seen, so every app server behind the
proxy knows it and a stolen database holds no usable token. Each visit resumes the session from
the cookie's token; one idle for longer than `Settings.session_idle_minutes` is gone, and so are
all of a user's sessions when the account is disabled or its password reset.

>>> sessions = Sessions(store, settings)                  # doctest: +SKIP
>>> token = sessions.open("张晓")                          # doctest: +SKIP
>>> sessions.resume(token)                                 # doctest: +SKIP
'张晓'
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from civdash.config import DEFAULT_SETTINGS, Settings
from civdash.store import Store

__all__ = ["COOKIE", "Sessions"]

COOKIE = "civdash_session"
"""The cookie holding a browser's session token."""

_TOUCH_EVERY = timedelta(seconds=60)
"""How often a busy session's last-seen time is written (not on every click)."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class Sessions:
    """The logged-in browsers of one store."""

    def __init__(self, store: Store, settings: Settings = DEFAULT_SETTINGS) -> None:
        self._store = store
        self._table = store.sessions_table
        self._idle = timedelta(minutes=settings.session_idle_minutes)

    def open(self, name: str, *, now: datetime | None = None) -> str:
        """A new session for account `name`; returns the token for the browser's cookie."""
        token = secrets.token_urlsafe(32)
        at = now or datetime.now(UTC)
        with self._store.write() as conn:
            conn.execute(sa.delete(self._table).where(self._table.c.last_seen_at < at - self._idle))
            conn.execute(
                sa.insert(self._table).values(
                    token_sha256=_digest(token), user_name=name, created_at=at, last_seen_at=at
                )
            )
        return token

    def resume(self, token: str | None, *, now: datetime | None = None) -> str | None:
        """The user name of the session `token` opened, when it is not idle; None otherwise
        (an idle session is removed)."""
        if not token:
            return None
        at = now or datetime.now(UTC)
        t = self._table
        where = t.c.token_sha256 == _digest(token)
        with self._store.engine.connect() as conn:
            row = conn.execute(sa.select(t.c.user_name, t.c.last_seen_at).where(where)).first()
        if row is None:
            return None
        seen = _utc(row.last_seen_at)
        if at - seen > self._idle:
            self.close(token)
            return None
        if at - seen > _TOUCH_EVERY:
            with self._store.write() as conn:
                conn.execute(sa.update(t).where(where).values(last_seen_at=at))
        return str(row.user_name)

    def close(self, token: str | None) -> None:
        """End the session `token` opened (logging out)."""
        if token:
            with self._store.write() as conn:
                conn.execute(
                    sa.delete(self._table).where(self._table.c.token_sha256 == _digest(token))
                )

    def close_all(self, name: str) -> int:
        """End every session of account `name` (disabled, or its password reset); how many."""
        with self._store.write() as conn:
            done = conn.execute(sa.delete(self._table).where(self._table.c.user_name == name))
        return int(done.rowcount or 0)
