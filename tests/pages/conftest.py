"""Page tests: the app against a store holding the sample city (tests/conftest.py builds it
once per test run as `sample_home`).

The app keeps snapshots, metric tables and views in `st.cache_resource` for the whole server, as
it does for every user. Tests that only read the sample store (`app`) share those caches within a
module, as a server's visitors do: they are cleared when a module starts and ends, and around
every test on another store (`fresh_home`, `empty_home`), so no test sees another store's data
and the first page test of a module still starts cold.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from civdash.store import Store
from civdash.ui.auth import USER_KEY
from tests.conftest import TEST_ACCOUNTS, add_test_accounts

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def _clear_caches() -> None:
    st.cache_resource.clear()
    st.cache_data.clear()


def _use_home(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CIVDASH_HOME", str(home))
    monkeypatch.delenv("CIVDASH_DATABASE_URL", raising=False)


@pytest.fixture(scope="module")
def sample_caches(sample_home: Path) -> Iterator[Path]:
    """The sample store, with the app's caches cleared when a module starts and ends rather
    than per test: every `app` test only reads it, and a warm cache spares each the cold start."""
    _clear_caches()
    yield sample_home
    _clear_caches()


def logged_in(at: AppTest, role: str = "admin") -> AppTest:
    """`at` with a session logged in as the tests' account of `role` (tests/conftest.py's
    TEST_ACCOUNTS, which every copy of the sample store holds), as after the login form."""
    at.session_state[USER_KEY] = TEST_ACCOUNTS[role][0]
    return at


@pytest.fixture
def app(sample_caches: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The app on the shared sample store (read-only tests), caches kept within the module,
    logged in as the tests' admin."""
    _use_home(sample_caches, monkeypatch)
    return logged_in(AppTest.from_file(APP, default_timeout=90))


@pytest.fixture
def fresh_home(
    sample_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """A private copy of the sample store for tests that change it (caches cleared around it)."""
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy2(sample_home / "civdash.sqlite", home / "civdash.sqlite")
    _use_home(home, monkeypatch)
    _clear_caches()
    yield home
    _clear_caches()


@pytest.fixture
def empty_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A store with nothing in it (the app must not load the sample into it: see EMPTY flag);
    caches cleared around it."""
    home = tmp_path / "empty"
    home.mkdir()
    store = Store(f"sqlite:///{home / 'civdash.sqlite'}")
    add_test_accounts(store)  # an office that has set up its accounts but loaded nothing yet
    store.close()
    _use_home(home, monkeypatch)
    monkeypatch.setenv("CIVDASH_NO_SAMPLE", "1")
    _clear_caches()
    yield home
    _clear_caches()


def open_app_page(at: AppTest, page: str, **state: str) -> AppTest:
    """Open the app on `page` with session state set (e.g. the sidebar's `f_district`), as a
    link to that page would, and check it rendered without an exception. (The first run goes
    straight to the page: the sidebar keeps filters already in session state.)"""
    for key, value in state.items():
        at.session_state[key] = value
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at
