"""The store under test, on each database of `db_url`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from civdash.store import Store


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with Store(db_url) as s:
        yield s
