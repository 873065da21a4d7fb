"""Shared fixtures: the sample city's store, and the databases the store tests run against.

`sample_home` is a CIVDASH_HOME holding the whole sample city, built once per test run for every
test that needs it (toolkit, notebook, pages, browser) and only read afterwards; tests that
change a store work on a copy of its file. Under pytest-xdist (the default, see pyproject.toml)
the first worker that needs it builds it in the run's shared temporary directory while the others
wait on a file lock.

`db_url` is parametrized: a fresh SQLite file, and a fresh schema on a real PostgreSQL server
(marked `postgres`). The server is `$CIVDASH_TEST_POSTGRES_URL` when set (tests only create and
drop their own schemas in it); otherwise a throwaway cluster is started from the Debian server
binaries for the session. Without binaries the PostgreSQL cases are skipped, except under CI
(`$CI` set), where they fail.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest
from filelock import FileLock

from civdash.cluster import postgres_bindir, postgres_cluster

if TYPE_CHECKING:
    from civdash.store import Store

POSTGRES_MISSING = "PostgreSQL 未安装：apt-get install postgresql"


def missing_system_tool(message: str, in_ci: str | None = None) -> NoReturn:
    """A test needs a Debian package that is not installed: skipped on a developer's machine,
    failed under CI ($CI set), where scripts/test.sh must have installed it."""
    if os.environ.get("CI"):
        pytest.fail(in_ci or message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def sample_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CIVDASH_HOME whose SQLite store (`civdash.sqlite`) holds the whole sample city.

    Built once per test run (about 5 s), shared by every xdist worker; read-only for the
    tests that use it."""
    return _built_sample_home(_run_temp_dir(tmp_path_factory))


def _run_temp_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test run's temporary directory: an xdist worker's own is a folder inside it."""
    basetemp = tmp_path_factory.getbasetemp()
    return basetemp.parent if os.environ.get("PYTEST_XDIST_WORKER") else basetemp


TEST_PASSWORD = "civdash-test-2026"
"""The password of the tests' own accounts (never shipped: the sample city has none)."""
TEST_ACCOUNTS = {
    "admin": ("测试管理员", None),
    "editor": ("测试编辑", None),
    "district": ("测试东湖", "东湖区"),
    "viewer": ("测试查看", None),
}
"""Role → (account name, district) of the accounts the tests log in with."""


def add_test_accounts(store: Store) -> None:
    """Give `store` one account per role, each with `TEST_PASSWORD`."""
    from civdash.accounts import Accounts
    from civdash.config import DEFAULT_SETTINGS

    accounts = Accounts(store, DEFAULT_SETTINGS)
    for role, (name, district) in TEST_ACCOUNTS.items():
        accounts.add(name, role, district=district, password=TEST_PASSWORD, actor="测试")


@cache
def _built_sample_home(root: Path) -> Path:
    # Memoised by the run's temporary directory, not only session-scoped: a conftest that
    # imports this fixture registers it again for its folder, and the city is still built once.
    import civdash

    home = root / "sample_store"
    built = home / ".built"
    with FileLock(root / "sample_store.lock"):
        if not built.is_file():
            shutil.rmtree(home, ignore_errors=True)  # left half-built by a worker that died
            store = civdash.sample_store(home)
            add_test_accounts(store)
            store.close()
            built.touch()
    return home


@pytest.fixture(scope="session")
def sample_url(sample_home: Path) -> str:
    """The SQLAlchemy URL of the sample city's store."""
    return f"sqlite:///{(sample_home / 'civdash.sqlite').as_posix()}"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A SQLAlchemy URL of a database on a running PostgreSQL server."""
    url = os.environ.get("CIVDASH_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    bindir = postgres_bindir()
    if bindir is None:
        missing_system_tool(POSTGRES_MISSING)
    with postgres_cluster(bindir, database="civdash_test") as server:
        yield server.url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a new SQLite file, or a new PostgreSQL schema dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'civdash.sqlite'}"
        return
    yield request.getfixturevalue("postgres_schema_url")


@pytest.fixture
def postgres_schema_url(postgres_server: str) -> Iterator[str]:
    """A new, empty PostgreSQL schema on the test server (dropped afterwards), as a URL."""
    import psycopg
    import sqlalchemy as sa

    server = sa.make_url(postgres_server)
    schema = f"test_{uuid.uuid4().hex[:12]}"
    conninfo = server.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield server.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


PAGE_FAILURE_LOGGER = "civdash.ui.errors"


@pytest.fixture(autouse=True)
def _no_page_failure(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """A page that failed still fails its test: the app turns an exception into a Chinese
    message (civdash.ui.errors), which AppTest does not count in `at.exception`, and logs it.
    A test that makes a page fail on purpose takes the records with `taken_page_failures`."""
    yield
    failures = [r for r in caplog.get_records("call") if r.name == PAGE_FAILURE_LOGGER]
    assert not failures, "页面出错：\n" + "\n".join(caplog.text.splitlines()[-40:])


def taken_page_failures(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The page failures logged so far in this test (their messages), cleared from the log."""
    messages = [r.getMessage() for r in caplog.records if r.name == PAGE_FAILURE_LOGGER]
    caplog.clear()
    return messages
