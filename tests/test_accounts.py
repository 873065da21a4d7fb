"""Accounts: Argon2 hashes, roles, the lockout and the audit trail, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from civdash import accounts as acc
from civdash.accounts import AccountError, Accounts, LoginRefused
from civdash.config import Settings
from civdash.districts import District, DistrictTable
from civdash.permissions import PermissionDenied, allowed, require
from civdash.store import Store

PASSWORD = "correct horse 42"


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with Store(db_url, settings=Settings(lockout_minutes=15, login_window_minutes=15)) as s:
        table = DistrictTable((District("东湖区"), District("南港区")))
        s.commit_districts(table, b"districts", file_name="d.geojson", committed_by="测试")
        yield s


@pytest.fixture
def accounts(store: Store) -> Accounts:
    return Accounts(store)


def test_passwords_are_stored_as_argon2_hashes_never_in_clear(
    accounts: Accounts, store: Store
) -> None:
    accounts.add("王科长", "admin", password=PASSWORD, actor="系统")
    with store.engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT password_hash FROM users")).scalar_one()
        dump = " ".join(str(v) for row in conn.execute(sa.text("SELECT * FROM audit")) for v in row)
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert PASSWORD not in dump
    assert accounts.authenticate("王科长", PASSWORD).role == "admin"
    assert accounts.has_admin()


@pytest.mark.parametrize(
    ("name", "role", "district", "password", "message"),
    [
        ("a", "boss", None, PASSWORD, "角色『boss』不存在"),
        ("a", "district", None, PASSWORD, "区县填报员必须指定所属区县"),
        ("a", "district", "西山区", PASSWORD, "区县『西山区』不在当前区县表中"),
        ("a", "viewer", "东湖区", PASSWORD, "不用指定区县"),
        ("", "viewer", None, PASSWORD, "用户名不能为空"),
        ("a", "viewer", None, "", "密码不能为空"),
        ("a", "viewer", None, "short", "密码至少需要 8 个字符"),
    ],
)
def test_bad_accounts_are_refused_in_one_chinese_sentence(
    accounts: Accounts, name: str, role: str, district: str | None, password: str, message: str
) -> None:
    with pytest.raises(AccountError, match=message):
        accounts.add(name, role, district=district, password=password)
    assert accounts.list() == []


def test_a_district_clerk_is_bound_to_a_resolved_district_and_names_are_unique(
    accounts: Accounts,
) -> None:
    clerk = accounts.add("东湖填报员", "district", district="东湖", password=PASSWORD)
    assert clerk.district == "东湖区" and clerk.scope == "东湖区"
    with pytest.raises(AccountError, match="用户名『东湖填报员』已存在"):
        accounts.add("东湖填报员", "viewer", password=PASSWORD)


def test_an_account_without_a_password_cannot_log_in(accounts: Accounts) -> None:
    accounts.add("李娜", "district", district="南港区")
    with pytest.raises(LoginRefused, match="还没有设置密码"):
        accounts.authenticate("李娜", "anything at all")
    assert not accounts.has_admin()


def test_five_wrong_passwords_lock_the_account_and_the_sixth_is_not_checked(
    accounts: Accounts, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    accounts.add("张晓", "editor", password=PASSWORD)
    checked: list[str] = []
    real = acc._verify
    monkeypatch.setattr(acc, "_verify", lambda h, p: checked.append(p) or real(h, p))
    for i in range(4):
        with pytest.raises(LoginRefused, match="用户名或密码不正确"):
            accounts.authenticate("张晓", f"wrong-{i}")
    with pytest.raises(LoginRefused, match="账号已锁定"):
        accounts.authenticate("张晓", "wrong-4")
    assert len(checked) == 5
    with pytest.raises(LoginRefused, match="账号已锁定"):
        accounts.authenticate("张晓", "wrong-5")
    with pytest.raises(LoginRefused, match="账号已锁定"):
        accounts.authenticate("张晓", PASSWORD)  # even the right one, while locked
    assert len(checked) == 5  # the sixth and seventh were never checked
    actions = list(store.audit(20, actor="张晓")["action"])
    assert actions[:3] == ["login_locked", "login_locked", "lockout"]
    assert actions.count("login_failed") == 5


def test_the_lock_expires_and_an_admin_can_unlock(accounts: Accounts, store: Store) -> None:
    accounts.add("张晓", "editor", password=PASSWORD)
    for i in range(5):
        with pytest.raises(LoginRefused):
            accounts.authenticate("张晓", f"wrong-{i}")
    users = store.users_table
    with store.write() as conn:
        past = datetime.now(UTC) - timedelta(minutes=1)
        conn.execute(sa.update(users).where(users.c.name == "张晓").values(locked_until=past))
    assert accounts.authenticate("张晓", PASSWORD).name == "张晓"
    for i in range(5):
        with pytest.raises(LoginRefused):
            accounts.authenticate("张晓", f"wrong-{i}")
    accounts.unlock("张晓", actor="王科长", actor_role="admin")
    assert accounts.authenticate("张晓", PASSWORD).name == "张晓"


def test_disabling_logs_out_and_the_last_admin_stays(accounts: Accounts) -> None:
    accounts.add("王科长", "admin", password=PASSWORD)
    accounts.add("张晓", "viewer", password=PASSWORD)
    accounts.disable("张晓", actor="王科长", actor_role="admin")
    assert accounts.active("张晓") is None
    with pytest.raises(LoginRefused, match="已停用"):
        accounts.authenticate("张晓", PASSWORD)
    with pytest.raises(AccountError, match="不能停用最后一个管理员"):
        accounts.disable("王科长")
    accounts.enable("张晓", actor="王科长", actor_role="admin")
    assert accounts.active("张晓") is not None


def test_users_change_their_own_password_with_the_old_one(accounts: Accounts) -> None:
    accounts.add("张晓", "viewer", password=PASSWORD)
    with pytest.raises(LoginRefused):
        accounts.change_own_password("张晓", "not the old one", "a new password")
    accounts.change_own_password("张晓", PASSWORD, "a new password")
    assert accounts.authenticate("张晓", "a new password").name == "张晓"


@pytest.mark.parametrize(
    ("role", "action", "district", "expected"),
    [
        ("admin", "manage_users", None, True),
        ("admin", "delete", None, True),
        ("editor", "upload", "南港区", True),
        ("editor", "upload_city", None, True),
        ("editor", "set_current", None, True),
        ("editor", "delete", None, False),
        ("editor", "manage_users", None, False),
        ("district", "upload", "东湖区", True),
        ("district", "upload", "南港区", False),
        ("district", "upload_city", None, False),
        ("district", "set_current", None, False),
        ("district", "download", None, True),
        ("viewer", "upload", "东湖区", False),
        ("viewer", "view_meeting", None, True),
        ("viewer", "view_status", None, False),
    ],
)
def test_roles_allow_what_the_table_says(
    accounts: Accounts, role: str, action: str, district: str | None, expected: bool
) -> None:
    account = accounts.add(f"u-{role}", role, district="东湖区" if role == "district" else None)
    assert allowed(account, action, district) is expected
    if not expected:
        with pytest.raises(PermissionDenied):
            require(account, action, district)
    assert not allowed(None, action, district)
