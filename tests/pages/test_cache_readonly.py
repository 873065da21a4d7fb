"""The app's shared caches are read-only: rendering every dashboard page leaves them as loaded.

Snapshot rows, a district's rows, metric tables and the pages' views are kept once per server
(`st.cache_resource`) and handed to every run and session as the same objects, so a page that
assigned into one would change what every later run shows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from civdash.dashboard import metric_table, shown_rows
from civdash.pages import PAGES, Page
from civdash.store import Store
from civdash.ui import state
from civdash.ui.state import ALL, DISTRICT_KEY

DISTRICT = "南港区"
DASHBOARD = tuple(p for p in PAGES.values() if p.section == "看板")
ISSUE_TABS = ("整改进度", "红黑榜", "逾期问题", "问题分布")


def _visit(at: AppTest, page: Page, district: str, tab: str | None = None) -> dict[str, Any]:
    """Open `page` for `district` (and issues tab); what it shows, for comparing visits."""
    at.session_state[DISTRICT_KEY] = district
    if tab is not None:
        at.session_state["issues_tab"] = tab
    at.switch_page(page.path).run()
    assert not at.exception, [e.value for e in at.exception]
    return {
        "title": [t.value for t in at.title],
        "metrics": [(m.label, m.value, m.delta) for m in at.metric],
        "captions": [c.value for c in at.caption],
        "tables": [t.value for t in at.dataframe],
        "charts": [c.proto.spec for c in at.get("vega_lite_chart")],
    }


def _all_visits(at: AppTest) -> dict[tuple[str, str, str | None], dict[str, Any]]:
    shown = {}
    for district in (ALL, DISTRICT):
        for page in DASHBOARD:
            tabs: tuple[str | None, ...] = ISSUE_TABS if page.key == "issues" else (None,)
            for tab in tabs:
                shown[(page.key, district, tab)] = _visit(at, page, district, tab)
    return shown


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Ids of the snapshots the app reads from the store, in order."""
    seen: list[int] = []
    original = Store.load

    def counting(self: Store, snapshot_id: int) -> pd.DataFrame:
        seen.append(snapshot_id)
        return original(self, snapshot_id)

    monkeypatch.setattr(Store, "load", counting)
    return seen


def test_every_page_leaves_the_cached_frames_as_loaded(app, sample_home: Path, loads):
    _all_visits(app)
    read = sorted(set(loads))
    assert read, "the pages read no snapshot"
    store = Store(f"sqlite:///{sample_home / 'civdash.sqlite'}")
    try:
        districts = store.current("districts")
        assert districts is not None
        population = store.districts().population()  # type: ignore[union-attr]
        for sid in read:
            before = len(loads)
            cached = state.load_snapshot(sid)
            assert len(loads) == before, "the snapshot was not in the app's cache"
            fresh = store.load(sid)
            pd.testing.assert_frame_equal(cached, fresh)
            snap = store.snapshot(sid)
            pd.testing.assert_frame_equal(
                state.district_rows(sid, snap.kind, DISTRICT),
                shown_rows(fresh, snap.kind, DISTRICT),
            )
            if snap.kind in ("units", "volunteers", "issues"):
                pd.testing.assert_frame_equal(
                    state.snapshot_metrics(sid, snap.kind, snap.as_of, districts.id),
                    metric_table(
                        snap.kind,
                        fresh,
                        as_of=snap.as_of,
                        population=population,
                        settings=state.settings(),
                    ),
                )
    finally:
        store.close()


def test_a_page_shows_the_same_when_visited_again_after_every_page(app):
    first = _all_visits(app)
    again = _all_visits(app)
    assert again.keys() == first.keys()
    for visit, shown in first.items():
        later = again[visit]
        for part in ("title", "metrics", "captions", "charts"):
            assert later[part] == shown[part], (visit, part)
        assert len(later["tables"]) == len(shown["tables"]), visit
        for before, after in zip(shown["tables"], later["tables"], strict=True):
            pd.testing.assert_frame_equal(after, before, obj=str(visit))
