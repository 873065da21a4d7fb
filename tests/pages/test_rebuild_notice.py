"""Stale metric aggregates: the pages say they are being rebuilt, and show the same numbers
(computed from the rows meanwhile) as with them."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from civdash.store import Store
from tests.pages.conftest import APP, logged_in, open_app_page

PAGE = "app_pages/overview.py"


def _shown(at: AppTest) -> tuple[list[str], list[str]]:
    return [m.value for m in at.metric], [h.value for h in at.html if h.value.startswith("<div")]


@pytest.mark.slow  # > 8 s: in the full suite, not the fast tier
def test_pages_say_the_aggregates_are_being_rebuilt_and_show_the_same_numbers(
    fresh_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _shown(open_app_page(logged_in(AppTest.from_file(APP, default_timeout=90)), PAGE))
    url = f"sqlite:///{fresh_home / 'civdash.sqlite'}"
    with Store(url) as store, store.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM snapshot_aggregates"))  # as after a definitions change
    import streamlit as st

    st.cache_resource.clear()

    release = threading.Event()
    rebuild = Store.rebuild_aggregates

    def held(self: Store, snapshot_id: int, *, force: bool = False) -> bool:
        release.wait(30)  # the rebuild stays in progress while the page is looked at
        return rebuild(self, snapshot_id, force=force)

    monkeypatch.setattr(Store, "rebuild_aggregates", held)
    at = open_app_page(logged_in(AppTest.from_file(APP, default_timeout=90)), PAGE)
    text = " ".join(p.proto.text for p in at.get("progress"))
    assert "正在后台重算各周的指标汇总（0/" in text
    assert "结果相同" in text
    assert _shown(at) == before  # computed from the rows: the very same numbers

    release.set()
    with Store(url) as store:
        for _ in range(600):
            if not store.stale_aggregates():
                break
            threading.Event().wait(0.1)
        assert store.stale_aggregates() == []
    at.run()
    assert not at.get("progress")
    assert _shown(at) == before
