"""Accounts: who may log in, with which role, and the failed-login lockout.

Accounts live in the store's database (table `users`, made by the migrations). Passwords are
hashed with Argon2id (argon2-cffi, the algorithm OWASP recommends first), never stored or logged
in clear. An account may exist without a password (the sample city's clerks): it cannot log in
until an admin sets one.

Five wrong passwords within `Settings.login_window_minutes` lock the account for
`Settings.lockout_minutes`; while locked every password is refused without being checked. Logins,
failures, lockouts and every change to an account are written to the audit trail.

>>> accounts = Accounts(Store())                                                # doctest: +SKIP
>>> accounts.add("王科长", "admin", password="…", actor="系统")                    # doctest: +SKIP
>>> accounts.authenticate("王科长", "…").role                                    # doctest: +SKIP
'admin'
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from civdash.config import Settings
from civdash.store import Store

__all__ = [
    "ROLES",
    "Account",
    "AccountError",
    "Accounts",
    "LoginRefused",
]

logger = logging.getLogger(__name__)

ROLES = MappingProxyType(
    {
        "admin": "管理员",
        "editor": "市创城办",
        "district": "区县填报员",
        "viewer": "查看",
    }
)
"""Role key → the name people use for it."""

_HASHER = PasswordHasher()
_MSG_UNKNOWN_ROLE = "角色『{role}』不存在，可选：{roles}。"
_MSG_NEEDS_DISTRICT = "区县填报员必须指定所属区县（--district 区县）。"
_MSG_NO_DISTRICT_FOR_ROLE = "只有区县填报员属于某个区县，{label}不用指定区县。"
_MSG_UNKNOWN_DISTRICT = "区县『{district}』不在当前区县表中，可选：{names}。"
_MSG_DUPLICATE = "用户名『{name}』已存在，请换一个用户名。"
_MSG_EMPTY_NAME = "用户名不能为空。"
_MSG_EMPTY_PASSWORD = "密码不能为空。"
_MSG_SHORT_PASSWORD = "密码至少需要 {n} 个字符。"
_MSG_NO_SUCH_USER = "用户『{name}』不存在。"
_MSG_BAD_LOGIN = "用户名或密码不正确。"
_MSG_LOCKED = "密码连续输错 {n} 次，账号已锁定，请 {minutes} 分钟后再试，或请管理员解锁。"
_MSG_DISABLED = "账号『{name}』已停用，请联系管理员。"
_MSG_NO_PASSWORD = "账号『{name}』还没有设置密码，请联系管理员设置后再登录。"
_MSG_LAST_ADMIN = "不能停用最后一个管理员账号。"
MIN_PASSWORD = 8
"""Shortest password accepted."""


class AccountError(ValueError):
    """An account change or a login that cannot be done; `str(exc)` is one Chinese sentence."""


class LoginRefused(AccountError):
    """A login refused: wrong name or password, locked, disabled, or no password yet."""


@dataclass(frozen=True)
class Account:
    """One account, without its password hash."""

    name: str
    role: str
    district: str | None
    active: bool
    has_password: bool
    locked_until: datetime | None
    created_at: datetime
    last_login_at: datetime | None

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)

    @property
    def scope(self) -> str:
        """What the account may submit for: its district, or "" (the whole city)."""
        return self.district or ""

    def locked(self, now: datetime | None = None) -> bool:
        return self.locked_until is not None and self.locked_until > (now or _now())


class Accounts:
    """The accounts of one store. Safe to share between threads (each call has its own
    transaction); every change is audited with the acting user's name."""

    def __init__(self, store: Store, settings: Settings | None = None) -> None:
        self._store = store
        self._settings = settings or store.settings
        self._users = store.users_table

    # -- reading -------------------------------------------------------------------------------

    def get(self, name: str) -> Account | None:
        with self._store.engine.connect() as conn:
            row = conn.execute(sa.select(self._users).where(self._users.c.name == name)).first()
        return _account(row) if row is not None else None

    def list(self) -> list[Account]:
        with self._store.engine.connect() as conn:
            rows = conn.execute(sa.select(self._users).order_by(self._users.c.id)).all()
        return [_account(r) for r in rows]

    def has_admin(self) -> bool:
        """Is there an active admin who can log in? (The first-start form runs only while not.)"""
        u = self._users
        with self._store.engine.connect() as conn:
            row = conn.execute(
                sa.select(u.c.id).where(
                    u.c.role == "admin", u.c.active.is_(True), u.c.password_hash.is_not(None)
                )
            ).first()
        return row is not None

    # -- changing ------------------------------------------------------------------------------

    def add(
        self,
        name: str,
        role: str,
        *,
        district: str | None = None,
        password: str | None = None,
        actor: str = "",
        actor_role: str = "",
    ) -> Account:
        """Create an account (without a password it cannot log in until one is set)."""
        name = name.strip()
        if not name:
            raise AccountError(_MSG_EMPTY_NAME)
        district = self._check_role(role, district)
        hashed = _hash(password) if password is not None else None
        now = _now()
        with self._store.write() as conn:
            exists = conn.execute(
                sa.select(self._users.c.id).where(self._users.c.name == name)
            ).first()
            if exists is not None:
                raise AccountError(_MSG_DUPLICATE.format(name=name))
            conn.execute(
                sa.insert(self._users).values(
                    name=name,
                    role=role,
                    district=district,
                    password_hash=hashed,
                    active=True,
                    failed_logins=0,
                    created_at=now,
                    created_by=actor,
                    password_changed_at=now if hashed else None,
                )
            )
            detail = f"新建账号『{name}』（{ROLES[role]}{f'，{district}' if district else ''}）"
            self._store.audit_event(
                "user_add", actor=actor, role=actor_role, scope=district, detail=detail, conn=conn
            )
        account = self.get(name)
        assert account is not None
        return account

    def set_password(
        self, name: str, password: str, *, actor: str = "", actor_role: str = ""
    ) -> None:
        """Set (or reset) an account's password; it also unlocks the account."""
        hashed = _hash(password)
        self._update(
            name,
            {
                "password_hash": hashed,
                "password_changed_at": _now(),
                "failed_logins": 0,
                "first_failed_at": None,
                "locked_until": None,
            },
            "user_password",
            "修改了账号『{name}』的密码" if actor != name else "修改了自己的密码",
            actor,
            actor_role,
            end_sessions=actor != name,  # a reset password ends the sessions opened with the old
        )

    def change_own_password(self, name: str, old: str, new: str) -> None:
        """A user changes their own password: the old one must be right (and is checked like a
        login, so guessing it here counts toward the lockout)."""
        account = self.authenticate(name, old, action="password_check")
        self.set_password(name, new, actor=name, actor_role=account.role)

    def disable(self, name: str, *, actor: str = "", actor_role: str = "") -> None:
        account = self._require(name)
        if account.role == "admin" and account.active and self._active_admins() <= 1:
            raise AccountError(_MSG_LAST_ADMIN)
        self._update(
            name,
            {"active": False},
            "user_disable",
            "停用了账号『{name}』",
            actor,
            actor_role,
            end_sessions=True,
        )

    def enable(self, name: str, *, actor: str = "", actor_role: str = "") -> None:
        self._update(
            name,
            {"active": True, "failed_logins": 0, "first_failed_at": None, "locked_until": None},
            "user_enable",
            "启用了账号『{name}』",
            actor,
            actor_role,
        )

    def unlock(self, name: str, *, actor: str = "", actor_role: str = "") -> None:
        self._update(
            name,
            {"failed_logins": 0, "first_failed_at": None, "locked_until": None},
            "user_unlock",
            "解锁了账号『{name}』",
            actor,
            actor_role,
        )

    def set_role(
        self,
        name: str,
        role: str,
        district: str | None = None,
        *,
        actor: str = "",
        actor_role: str = "",
    ) -> None:
        district = self._check_role(role, district)
        account = self._require(name)
        if account.role == "admin" and role != "admin" and self._active_admins() <= 1:
            raise AccountError(_MSG_LAST_ADMIN)
        label = f"{ROLES[role]}{f'，{district}' if district else ''}"
        self._update(
            name,
            {"role": role, "district": district},
            "user_role",
            f"把账号『{{name}}』改为{label}",
            actor,
            actor_role,
        )

    # -- logging in ----------------------------------------------------------------------------

    def authenticate(self, name: str, password: str, *, action: str = "login") -> Account:
        """The account when `password` is right; else `LoginRefused` (audited).

        A locked account is refused before its password is looked at, so a guess made while it is
        locked is never checked. The fifth wrong password within the window locks it. The audit
        entries and counters of a refusal are committed before it is raised.
        """
        with self._store.write() as conn:
            outcome = self._login(conn, name.strip(), password, action)
        if isinstance(outcome, LoginRefused):
            raise outcome
        return outcome

    def _login(
        self, conn: sa.Connection, name: str, password: str, action: str
    ) -> Account | LoginRefused:
        s = self._settings
        now = _now()
        u = self._users
        audit = self._store.audit_event
        row = conn.execute(sa.select(u).where(u.c.name == name)).first()
        if row is None:
            audit("login_failed", actor=name, detail="用户名不存在", conn=conn)
            return LoginRefused(_MSG_BAD_LOGIN)
        account = _account(row)

        def note(what: str, detail: str) -> None:
            audit(
                what,
                actor=account.name,
                role=account.role,
                scope=account.district,
                detail=detail,
                conn=conn,
            )

        if account.locked(now):
            note("login_locked", "账号锁定期间尝试登录，未核对密码")
            return LoginRefused(self._locked_message())
        if not account.active:
            note("login_failed", "账号已停用")
            return LoginRefused(_MSG_DISABLED.format(name=account.name))
        if row.password_hash is None:
            note("login_failed", "账号未设置密码")
            return LoginRefused(_MSG_NO_PASSWORD.format(name=account.name))
        if _verify(row.password_hash, password):
            conn.execute(
                sa.update(u)
                .where(u.c.id == row.id)
                .values(failed_logins=0, first_failed_at=None, locked_until=None, last_login_at=now)
            )
            if action == "login":
                note("login", "登录成功")
            return account
        first = _utc(row.first_failed_at)
        if first is None or now - first > timedelta(minutes=s.login_window_minutes):
            failures, first = 1, now
        else:
            failures = int(row.failed_logins) + 1
        locked_until = None
        if failures >= s.max_failed_logins:
            locked_until = now + timedelta(minutes=s.lockout_minutes)
        conn.execute(
            sa.update(u)
            .where(u.c.id == row.id)
            .values(failed_logins=failures, first_failed_at=first, locked_until=locked_until)
        )
        detail = f"密码错误（{s.login_window_minutes:g} 分钟内第 {failures} 次）"
        note("login_failed", detail)
        if locked_until is None:
            return LoginRefused(_MSG_BAD_LOGIN)
        detail = f"密码连续输错 {failures} 次，账号锁定 {s.lockout_minutes:g} 分钟"
        note("lockout", detail)
        return LoginRefused(self._locked_message())

    def active(self, name: str) -> Account | None:
        """The account if it may still be logged in (exists, active); None otherwise. Pages ask
        on every run, so an account disabled on one server is logged out on every server."""
        account = self.get(name)
        return account if account is not None and account.active else None

    # -- helpers -------------------------------------------------------------------------------

    def _locked_message(self) -> str:
        s = self._settings
        return _MSG_LOCKED.format(n=s.max_failed_logins, minutes=f"{s.lockout_minutes:g}")

    def _check_role(self, role: str, district: str | None) -> str | None:
        if role not in ROLES:
            raise AccountError(_MSG_UNKNOWN_ROLE.format(role=role, roles="、".join(ROLES)))
        district = (district or "").strip() or None
        if role == "district":
            if district is None:
                raise AccountError(_MSG_NEEDS_DISTRICT)
            table = self._store.districts()
            if table is not None:
                resolved = table.resolve(district)
                if resolved is None:
                    raise AccountError(
                        _MSG_UNKNOWN_DISTRICT.format(
                            district=district, names="、".join(table.names)
                        )
                    )
                district = resolved
            return district
        if district is not None:
            raise AccountError(_MSG_NO_DISTRICT_FOR_ROLE.format(label=ROLES[role]))
        return None

    def _require(self, name: str) -> Account:
        account = self.get(name)
        if account is None:
            raise AccountError(_MSG_NO_SUCH_USER.format(name=name))
        return account

    def _active_admins(self) -> int:
        u = self._users
        with self._store.engine.connect() as conn:
            return int(
                conn.execute(
                    sa.select(sa.func.count()).where(u.c.role == "admin", u.c.active.is_(True))
                ).scalar_one()
            )

    def _update(
        self,
        name: str,
        values: dict[str, Any],
        action: str,
        detail: str,
        actor: str,
        actor_role: str,
        *,
        end_sessions: bool = False,
    ) -> None:
        """Change account `name` and audit it; `end_sessions` logs it out in every browser."""
        u = self._users
        with self._store.write() as conn:
            done = conn.execute(sa.update(u).where(u.c.name == name).values(**values))
            if done.rowcount == 0:
                raise AccountError(_MSG_NO_SUCH_USER.format(name=name))
            if end_sessions:
                logins = self._store.sessions_table
                conn.execute(sa.delete(logins).where(logins.c.user_name == name))
            self._store.audit_event(
                action, actor=actor, role=actor_role, detail=detail.format(name=name), conn=conn
            )


def _hash(password: str) -> str:
    if not password:
        raise AccountError(_MSG_EMPTY_PASSWORD)
    if len(password) < MIN_PASSWORD:
        raise AccountError(_MSG_SHORT_PASSWORD.format(n=MIN_PASSWORD))
    return _HASHER.hash(password)


def _verify(hashed: str, password: str) -> bool:
    try:
        return _HASHER.verify(hashed, password)
    except VerifyMismatchError:
        return False
    except (VerificationError, InvalidHashError):
        logger.warning("a stored password hash could not be checked")
        return False


def _now() -> datetime:
    return datetime.now(UTC)


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _account(row: sa.Row[Any]) -> Account:
    m = row._mapping
    return Account(
        name=m["name"],
        role=m["role"],
        district=m["district"],
        active=bool(m["active"]),
        has_password=m["password_hash"] is not None,
        locked_until=_utc(m["locked_until"]),
        created_at=_utc(m["created_at"]) or _now(),
        last_login_at=_utc(m["last_login_at"]),
    )
