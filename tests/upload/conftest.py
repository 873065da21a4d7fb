"""A fresh SQLite store per upload test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from civdash.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{tmp_path / 'civdash.sqlite'}")
    yield s
    s.close()
