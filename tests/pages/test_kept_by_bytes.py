"""What an app server keeps between page runs is bounded by bytes (CIVDASH_CACHE_MB), views,
decks, maps and metric tables as well as snapshot rows, and the server sheds it when it nears
its memory ceiling (CIVDASH_MEMORY_MB)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import altair as alt
import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from civdash.pages import PAGES
from civdash.ui import state
from civdash.ui.frames import FrameCache, MemoryGuard, value_bytes


def _frame(n: int) -> pd.DataFrame:
    return pd.DataFrame({"x": range(n), "name": [f"单位{i}" for i in range(n)]})


def _size(frame: pd.DataFrame) -> int:
    return int(frame.memory_usage(index=True, deep=True).sum())


@dataclass(frozen=True)
class _View:
    title: str
    table: pd.DataFrame
    charts: tuple[alt.Chart, ...]
    by_district: dict[str, pd.DataFrame]


class _Lazy(Mapping[str, pd.DataFrame]):
    """Like the dashboard's lazy ledger frames: reading it would load every snapshot."""

    def __getitem__(self, key: str) -> pd.DataFrame:
        raise AssertionError("measuring a value must not read a lazy mapping")

    def __iter__(self) -> Iterator[str]:
        raise AssertionError("measuring a value must not iterate a lazy mapping")

    def __len__(self) -> int:
        raise AssertionError("measuring a value must not size a lazy mapping")


def test_a_views_bytes_are_those_of_the_frames_and_charts_it_holds_each_counted_once() -> None:
    table, chart_data, east = _frame(2000), _frame(3000), _frame(500)
    view = _View(
        title="总览",
        table=table,
        charts=(alt.Chart(chart_data).mark_bar(), alt.Chart(chart_data).mark_line()),
        by_district={"东湖区": east, "南港区": east},
    )
    frames = _size(table) + _size(chart_data) + _size(east)
    measured = value_bytes(view)
    assert frames <= measured <= frames + 64 * 1024  # the frames, plus small change


def test_measuring_never_reads_a_lazy_mapping() -> None:
    @dataclass(frozen=True)
    class Holder:
        frames: Mapping[str, pd.DataFrame]
        table: pd.DataFrame

    table = _frame(100)
    assert value_bytes(Holder(_Lazy(), table)) >= _size(table)


def test_views_are_dropped_by_bytes_least_recently_used_first() -> None:
    one = _View("a", _frame(5000), (), {})
    cache = FrameCache(int(2.5 * value_bytes(one)))
    for key in "abc":
        cache.get(key, lambda key=key: _View(key, _frame(5000), (), {}))
    assert len(cache) == 2 and cache.bytes_used <= cache.max_bytes
    made: list[str] = []
    cache.get("a", lambda: made.append("a") or one)  # the least recently used was dropped
    assert made == ["a"]


def test_trim_drops_the_least_recently_used_down_to_the_bytes_asked() -> None:
    cache = FrameCache(10**9)
    for key in "abcd":
        cache.get(key, lambda: _frame(10_000))
    cache.peek("a")  # now the most recently used
    dropped = cache.trim(cache.bytes_used // 2)
    assert dropped > 0 and len(cache) == 2
    assert cache.peek("a") is not None and cache.peek("d") is not None
    assert cache.peek("b") is None and cache.peek("c") is None


def test_the_memory_guard_sheds_kept_data_only_past_its_share_of_the_ceiling() -> None:
    cache = FrameCache(10**9)
    for key in "abcd":
        cache.get(key, lambda: _frame(10_000))
    full = cache.bytes_used
    resident = [800 * 2**20]
    other = FrameCache(10**9)
    other.get("view", lambda: _frame(10_000))
    guard = MemoryGuard((cache, other), 1000 * 2**20, resident=lambda: resident[0])
    assert not guard.check() and cache.bytes_used == full  # 80 % of the ceiling: nothing dropped
    resident[0] = 900 * 2**20  # past 85 %
    assert guard.check() and cache.bytes_used <= full // 2 and len(other) == 0
    assert guard.trims == 1
    assert not MemoryGuard((cache,), 10**9, resident=lambda: None).check()  # memory unknown


def test_the_cache_budget_and_the_ceiling_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from civdash.config import Settings

    monkeypatch.setenv("CIVDASH_CACHE_MB", "64")
    monkeypatch.setenv("CIVDASH_VIEW_CACHE_MB", "32")
    monkeypatch.setenv("CIVDASH_MEMORY_MB", "1024")
    config = Settings.from_env()
    assert config.cache_bytes == 64 * 2**20 and config.view_cache_bytes == 32 * 2**20
    assert config.memory_ceiling_bytes == 1024 * 2**20
    monkeypatch.delenv("CIVDASH_MEMORY_MB")
    assert Settings.from_env().memory_ceiling_bytes == 1536 * 2**20  # the default, 1.5 GB


def test_the_pages_views_metric_tables_and_decks_are_kept_within_the_servers_byte_budget(
    app: AppTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows, views = FrameCache(48 * 2**20), FrameCache(8 * 2**20)
    monkeypatch.setattr(state, "frame_cache", lambda: rows)
    monkeypatch.setattr(state, "view_cache", lambda: views)
    for module in ("civdash.ui.meeting", "civdash.ui.issues", "civdash.ui.maps"):
        monkeypatch.setattr(f"{module}.view_cache", lambda: views)
    for key in ("overview", "issues", "meeting", "volunteers", "map"):
        app.switch_page(PAGES[key].path).run()
        assert not app.exception, [e.value for e in app.exception]
        assert rows.bytes_used <= rows.max_bytes and views.bytes_used <= views.max_bytes
    kinds = {key[0] for key in views._lru}  # what the server makes and keeps, by what it is
    assert {"view", "metrics", "deck"} <= kinds, kinds
    assert {key[0] for key in rows._lru} <= {"rows", "shown"}
    st.cache_resource.clear()


def test_a_server_past_its_ceiling_sheds_kept_data_at_the_next_page_run(
    app: AppTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = FrameCache(10**9)
    monkeypatch.setattr(state, "frame_cache", lambda: cache)
    app.switch_page(PAGES["overview"].path).run()
    kept = set(cache._lru)
    assert kept
    guard = MemoryGuard((cache,), 2**30, resident=lambda: 2**30)  # at the ceiling
    monkeypatch.setattr(state, "_memory_guard", lambda: guard)
    app.switch_page(PAGES["volunteers"].path).run()  # the guard runs before the page
    assert not app.exception, [e.value for e in app.exception]
    assert guard.trims == 1 and not kept <= set(cache._lru)  # the older ones were dropped
    st.cache_resource.clear()
