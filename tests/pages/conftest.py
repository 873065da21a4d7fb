"""Page tests: the app against a store holding the sample city (tests/conftest.py builds it
once per test session as `sample_home`)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def _use_home(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CIVDASH_HOME", str(home))
    monkeypatch.delenv("CIVDASH_DATABASE_URL", raising=False)
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def app(sample_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    """The app on the shared sample store (read-only tests)."""
    _use_home(sample_home, monkeypatch)
    yield AppTest.from_file(APP, default_timeout=90)
    st.cache_resource.clear()


@pytest.fixture
def fresh_home(sample_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the sample store for tests that change it."""
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy2(sample_home / "civdash.sqlite", home / "civdash.sqlite")
    _use_home(home, monkeypatch)
    return home


@pytest.fixture
def empty_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A store with nothing in it (the app must not load the sample into it: see EMPTY flag)."""
    home = tmp_path / "empty"
    home.mkdir()
    _use_home(home, monkeypatch)
    monkeypatch.setenv("CIVDASH_NO_SAMPLE", "1")
    return home


def open_app_page(at: AppTest, page: str, **state: str) -> AppTest:
    """Run the app, set session state (e.g. the sidebar's `f_district`), switch to `page` and
    check it rendered without an exception."""
    at.run()
    for key, value in state.items():
        at.session_state[key] = value
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at
