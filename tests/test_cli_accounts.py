# ruff: noqa: F811 - the fixtures imported from tests.test_cli are parameters here
"""`python -m civdash user …` and committing as a user (`commit --by NAME [--district 区县]`)."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from civdash.accounts import Accounts
from civdash.names import display_width
from civdash.store import Store
from tests.test_cli import city, env, run_cli, write_xlsx  # noqa: F401 - fixtures

PASSWORD = "a long password"


def _url(environment: dict[str, str]) -> str:
    return f"sqlite:///{Path(environment['CIVDASH_HOME']) / 'civdash.sqlite'}"


def _user(
    *args: str,
    tmp_path: Path,
    env: dict[str, str],
    password: str | None = PASSWORD,
) -> subprocess.CompletedProcess[str]:
    """`user …` in this process, with the password on standard input."""
    saved = sys.stdin
    sys.stdin = io.StringIO("" if password is None else password + "\n")
    try:
        return run_cli("user", *args, cwd=tmp_path, env=env)
    finally:
        sys.stdin = saved


def test_the_password_is_read_from_standard_input_by_the_real_command(tmp_path, env):
    done = subprocess.run(
        [sys.executable, "-m", "civdash", "user", "add", "王科长", "--role", "admin",
         "--password-stdin"],
        input=PASSWORD + "\n", capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    with Store(_url(env)) as store:
        assert Accounts(store).authenticate("王科长", PASSWORD).name == "王科长"


def test_users_are_added_listed_disabled_and_given_passwords(tmp_path, env, city):
    assert run_cli("districts", str(city), cwd=tmp_path, env=env).returncode == 0
    made = _user("add", "王科长", "--role", "admin", "--password-stdin", tmp_path=tmp_path, env=env)
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip() == "已新建账号『王科长』（管理员）。"
    clerk = _user("add", "东湖填报员", "--role", "district", "--district", "东湖",
                  "--password-stdin", tmp_path=tmp_path, env=env)  # fmt: skip
    assert clerk.stdout.strip() == "已新建账号『东湖填报员』（区县填报员，东湖区）。"
    listing = _user("list", tmp_path=tmp_path, env=env, password=None)
    lines = listing.stdout.splitlines()
    assert [line.split() for line in lines] == [
        ["王科长", "admin", "管理员", "-", "正常"],
        ["东湖填报员", "district", "区县填报员", "东湖区", "正常"],
    ]
    # aligned as a terminal shows it: every column starts at the same place on both lines
    assert len({display_width(line[: line.index("正常")]) for line in lines}) == 1
    assert _user("disable", "东湖填报员", tmp_path=tmp_path, env=env).returncode == 0
    again = _user("passwd", "王科长", "--password-stdin", tmp_path=tmp_path, env=env,
                  password="another long one")  # fmt: skip
    assert again.returncode == 0
    with Store(_url(env)) as store:
        accounts = Accounts(store)
        assert accounts.authenticate("王科长", "another long one").role == "admin"
        assert accounts.active("东湖填报员") is None
        actions = set(store.audit(50)["action"])
    assert {"user_add", "user_disable", "user_password"} <= actions


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (("add", "x", "--role", "boss"), PASSWORD, "角色『boss』不存在"),
        (("add", "x", "--role", "district"), PASSWORD, "区县填报员必须指定所属区县"),
        (("add", "x", "--role", "district", "--district", "火星区"), PASSWORD, "不在当前区县表中"),
        (("add", "王科长", "--role", "viewer"), PASSWORD, "用户名『王科长』已存在"),
        (("add", "y", "--role", "viewer"), "", "密码不能为空"),
    ],
)
def test_bad_user_input_exits_2_with_one_chinese_line(
    tmp_path,
    env,
    city,
    args,
    password,
    message,
):
    run_cli("districts", str(city), cwd=tmp_path, env=env)
    _user("add", "王科长", "--role", "admin", "--password-stdin", tmp_path=tmp_path, env=env)
    done = _user(*args, "--password-stdin", tmp_path=tmp_path, env=env, password=password)
    assert done.returncode == 2
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1


def _part(tmp_path: Path, district: str, name: str = "东湖区.xlsx") -> Path:
    rows = [
        ["姓名", "所属区县", "注册日期", "服务时长"],
        ["张三", district, "2026-01-05", 3],
        ["李四", district, "2026-01-06", 4],
    ]
    return write_xlsx(tmp_path / name, rows, title="志愿者台账（截至2026年11月15日）")


def test_a_district_clerk_commits_its_own_part_and_nothing_else(tmp_path, env, city):
    run_cli("districts", str(city), cwd=tmp_path, env=env)
    with Store(_url(env)) as store:
        Accounts(store).add("东湖填报员", "district", district="东湖区")
    own = run_cli("commit", str(_part(tmp_path, "东湖区")), "--by", "东湖填报员",
                  "--district", "东湖", cwd=tmp_path, env=env)  # fmt: skip
    assert own.returncode == 0, own.stderr
    other = run_cli("commit", str(_part(tmp_path, "城关区", "城关区.xlsx")), "--by", "东湖填报员",
                    "--district", "城关区", cwd=tmp_path, env=env)  # fmt: skip
    assert other.returncode == 2
    assert (
        other.stderr.strip() == "您是东湖区的填报员，只能提交东湖区的数据，不能导入台账（城关区）。"
    )
    city_wide = run_cli("commit", str(_part(tmp_path, "东湖区", "全市.xlsx")), "--by", "东湖填报员",
                        cwd=tmp_path, env=env)  # fmt: skip
    assert city_wide.returncode == 2 and "不能提交全市台账" in city_wide.stderr
    with Store(_url(env)) as store:
        parts = [s for s in store.snapshots("volunteers") if s.scope]
        assert [(s.scope, s.committed_by) for s in parts] == [("东湖区", "东湖填报员")]
        audit = store.audit(20)
        commit = audit[audit["action"] == "commit"].iloc[0]
        assert (commit["actor"], commit["role"], commit["scope"]) == (
            "东湖填报员",
            "district",
            "东湖区",
        )
        assert (audit["action"] == "denied").sum() == 2


def test_rows_of_another_district_in_a_part_are_refused_by_row(tmp_path, env, city):
    run_cli("districts", str(city), cwd=tmp_path, env=env)
    rows = [
        ["姓名", "所属区县", "注册日期", "服务时长"],
        ["张三", "东湖区", "2026-01-05", 3],
        ["李四", "城关区", "2026-01-06", 4],
    ]
    path = write_xlsx(tmp_path / "混合.xlsx", rows, title="志愿者台账（截至2026年11月15日）")
    done = run_cli("commit", str(path), "--by", "张晓", "--district", "东湖区", "--json",
                   cwd=tmp_path, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "第 4 行『所属区县』为 城关区，不是东湖区的数据，您只能提交东湖区的数据" in done.stdout


def test_commit_by_an_unknown_or_disabled_account_is_refused(tmp_path, env, city):
    run_cli("districts", str(city), cwd=tmp_path, env=env)
    done = run_cli("commit", str(_part(tmp_path, "东湖区")), "--by", "路人甲",
                   cwd=tmp_path, env=env)  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.startswith("账号『路人甲』不存在或已停用")


def _in_a_terminal(
    args: list[str], env: dict[str, str], cwd: Path, typed: list[str]
) -> tuple[str, int]:
    """Run `python -m civdash ARGS` in a pseudo-terminal, typing each of `typed` after a prompt
    ending in "：" appears; (everything the terminal showed, exit status)."""
    import errno
    import os
    import pty

    pid, fd = pty.fork()
    if pid == 0:  # the child: the command, in the terminal
        os.chdir(cwd)
        os.execvpe(sys.executable, [sys.executable, "-m", "civdash", *args], env)
    shown = b""
    for asked, answer in enumerate(typed, start=1):
        # type only once the prompt is shown: getpass discards what was typed before it
        while shown.decode("utf-8", "ignore").count("：") < asked:
            shown += os.read(fd, 1024)
        os.write(fd, answer.encode() + b"\n")
    try:
        while chunk := os.read(fd, 1024):
            shown += chunk
    except OSError as closed:  # Linux says EIO once the child has closed the terminal
        if closed.errno != errno.EIO:
            raise
    _, status = os.waitpid(pid, 0)
    return shown.decode("utf-8", "replace"), os.waitstatus_to_exitcode(status)


def test_without_password_stdin_the_password_is_asked_twice_without_echo(tmp_path, env):
    shown, status = _in_a_terminal(
        ["user", "add", "王科长", "--role", "admin"],
        env,
        tmp_path,
        ["typed secret 1", "typed secret 1"],
    )
    assert status == 0, shown
    assert "密码：" in shown and "再输入一次密码：" in shown
    assert "typed secret" not in shown  # not echoed
    with Store(_url(env)) as store:
        assert Accounts(store).authenticate("王科长", "typed secret 1").role == "admin"


def test_without_a_terminal_or_password_stdin_the_command_says_how(tmp_path, env):
    done = subprocess.run(
        [sys.executable, "-m", "civdash", "user", "add", "王科长", "--role", "admin"],
        input=PASSWORD + "\n", capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2
    assert (
        done.stderr.strip() == "没有可输入密码的终端；从脚本或管道提供密码时请加 --password-stdin。"
    )
    with Store(_url(env)) as store:
        assert Accounts(store).list() == []
