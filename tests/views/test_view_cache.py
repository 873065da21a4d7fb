"""Ledgers.cached and lazily narrowed frames: what lets the app keep views between reruns."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TypeVar

import pandas as pd

from civdash.dashboard import Filters, load_ledgers
from civdash.views.units import build_units_view
from tests.snapshots import snapshot_info
from tests.views.test_units_view import (
    BEFORE,
    DISTRICTS,
    NOW,
    TARGETS,
    UNITS_BEFORE,
    UNITS_NOW,
    make_ledgers,
)

T = TypeVar("T")
FRAMES = {
    ("units", BEFORE): UNITS_BEFORE,
    ("units", NOW): UNITS_NOW,
    ("targets", BEFORE): TARGETS,
}
ROWS = list(FRAMES.values())
SNAPSHOTS = [
    snapshot_info(sid, kind, as_of, current=as_of == NOW or kind == "targets")
    for sid, (kind, as_of) in enumerate(FRAMES, start=1)
]


class KeepAll:
    """A memo like the app's: one value per name, counting the computations."""

    def __init__(self) -> None:
        self.kept: dict[str, object] = {}
        self.computed: list[str] = []

    def __call__(self, name: str, compute: Callable[[], T], /) -> T:
        if name not in self.kept:
            self.computed.append(name)
            self.kept[name] = compute()
        return self.kept[name]  # type: ignore[return-value]


def test_without_a_memo_every_view_is_computed_afresh():
    led, table_for = make_ledgers(FRAMES)
    assert build_units_view(led, table_for) is not build_units_view(led, table_for)


def test_a_view_is_computed_once_per_memo_and_equals_the_uncached_one():
    led, table_for = make_ledgers(FRAMES)
    memo = KeepAll()
    rows = dict(enumerate(ROWS, start=1))
    kept = load_ledgers(SNAPSHOTS, rows.__getitem__, Filters(), districts=DISTRICTS, memo=memo)
    first = build_units_view(kept, table_for)
    assert build_units_view(kept, table_for) is first
    assert memo.computed == ["units_view"]
    fresh = build_units_view(led, table_for)
    assert first.headlines == fresh.headlines
    pd.testing.assert_frame_equal(first.units, fresh.units)


def test_frames_are_narrowed_to_the_district_when_first_read_and_once():
    calls: list[tuple[int, str, str | None]] = []

    def narrowed(sid: int, kind: str, district: str | None) -> pd.DataFrame:
        calls.append((sid, kind, district))
        rows = ROWS[sid - 1]
        return rows if kind == "targets" else rows[rows["district"] == district]

    led = load_ledgers(SNAPSHOTS, ROWS.__getitem__, Filters("南港区"), narrowed=narrowed)
    assert led.has("units") and led.has("targets") and not led.has("volunteers")
    assert calls == []
    assert set(led.frame("units")["district"]) == {"南港区"}
    led.frame("units")
    assert calls == [(2, "units", "南港区")]
    assert set(led.previous_frames["units"]["unit_id"]) == {"U4", "U5", "U7"}
    assert calls[-1] == (1, "units", "南港区")


def test_without_narrowed_the_loader_rows_are_filtered_to_the_district():
    led, _ = make_ledgers(FRAMES, Filters("东湖区"))
    assert set(led.frame("units")["unit_id"]) == {"U1", "U2", "U3"}
    assert led.kind_as_of("units") == date(2026, 11, 15)
