"""What every dashboard page stands on: the ledgers in force at an as-of date, for a district.

Pure functions, no streamlit: the app passes a `loader` (snapshot id → rows, cached there) and
gets back a frozen `Ledgers`; notebooks do the same with `Store.load`. Week-over-week compares the
chosen snapshot with the one closest to seven days earlier, and says which two dates it compares.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Protocol, TypeVar

import numpy as np
import pandas as pd

from civdash import aggregates
from civdash.config import DEFAULT_SETTINGS, Settings
from civdash.districts import DistrictTable
from civdash.ledgers import LEDGER_KINDS, REGISTRY, get_kind
from civdash.metrics import METRICS, compute, format_change, format_value
from civdash.privacy import mask_frame
from civdash.store import SnapshotInfo, Store

Loader = Callable[[int], pd.DataFrame]
"""Snapshot id → its rows (the app caches this by id)."""

CITY = ""
"""The district key of city-wide values and city-wide targets."""

T = TypeVar("T")


class Memo(Protocol):
    """(name, compute) → `compute()`, or what it returned before for the same name and ledgers."""

    def __call__(self, name: str, compute: Callable[[], T], /) -> T: ...


def compute_now(name: str, compute: Callable[[], T], /) -> T:
    """The `Memo` that keeps nothing (notebooks, tests): every call computes."""
    return compute()


@dataclass(frozen=True)
class Filters:
    """The shared sidebar's choices: a district (None = 全市) and an as-of date (None = latest)."""

    district: str | None = None
    as_of: date | None = None


def snapshot_at(
    snapshots: Sequence[SnapshotInfo], kind: str, as_of: date | None
) -> SnapshotInfo | None:
    """The city ledger of `kind` in force at `as_of`: the current one when `as_of` is None, else
    the latest with an as-of date on or before it. District parts are not ledgers in force by
    themselves: the city ledger assembled from them is (`SnapshotInfo.assembled`)."""
    mine = [s for s in snapshots if s.kind == kind and not s.scope]
    if as_of is None:
        current = [s for s in mine if s.is_current]
        if current:
            return current[0]
        return max(mine, key=lambda s: (s.as_of, s.id), default=None)
    eligible = [s for s in mine if s.as_of <= as_of]
    return max(eligible, key=lambda s: (s.as_of, s.id), default=None)


def ledger_history(
    snapshots: Sequence[SnapshotInfo], snap: SnapshotInfo
) -> tuple[SnapshotInfo, ...]:
    """The city ledgers of `snap`'s kind up to `snap`, one per as-of date (the one that date ended
    with: the last assembled from that week's parts, or the file committed last), oldest first;
    `snap` itself stands for its own date."""
    latest: dict[date, SnapshotInfo] = {}
    for s in snapshots:
        if s.kind != snap.kind or s.scope or s.as_of > snap.as_of:
            continue
        kept = latest.get(s.as_of)
        if kept is None or (s.committed_at, s.id) > (kept.committed_at, kept.id):
            latest[s.as_of] = s
    latest[snap.as_of] = snap
    return tuple(latest[d] for d in sorted(latest))


def previous_snapshot(snapshots: Sequence[SnapshotInfo], snap: SnapshotInfo) -> SnapshotInfo | None:
    """The earlier snapshot of the same kind closest to seven days before `snap` (None in a
    first week with no history)."""
    earlier = [s for s in ledger_history(snapshots, snap) if s.as_of < snap.as_of]
    if not earlier:
        return None
    target = snap.as_of - timedelta(days=7)
    return min(earlier, key=lambda s: (abs((s.as_of - target).days), -s.as_of.toordinal()))


def _dated(kind: str) -> bool:
    """Does a snapshot of `kind` hold data as of its date? Targets are edited in the app (dated
    the day of the edit): not a data as-of date."""
    k = REGISTRY.get(kind)
    return bool(k is not None and k.uploaded and k.dated)


def as_of_choices(snapshots: Sequence[SnapshotInfo]) -> list[date]:
    """Every as-of date of the ledger snapshots, newest first (the sidebar's choices). A
    ledger whose snapshots add to it (a month's 测评 round) dates no state of the ledgers: its
    dates are not offered, and its pages take the rounds up to the date chosen."""
    return sorted(
        {s.as_of for s in snapshots if _dated(s.kind) and not REGISTRY[s.kind].accumulates_by},
        reverse=True,
    )


@dataclass(frozen=True)
class Ledgers:
    """The ledgers in force at an as-of date, narrowed to a district when one is chosen."""

    filters: Filters
    snapshots: Mapping[str, SnapshotInfo]
    previous: Mapping[str, SnapshotInfo]
    frames: Mapping[str, pd.DataFrame]
    previous_frames: Mapping[str, pd.DataFrame]
    history: Mapping[str, tuple[SnapshotInfo, ...]]
    districts: DistrictTable | None
    settings: Settings = field(default=DEFAULT_SETTINGS)
    memo: Memo = field(default=compute_now, repr=False, compare=False)
    """Keeps what `cached` computes; the app's keeps it per store state, filters and settings."""
    stored: tuple[SnapshotInfo, ...] = field(default=(), repr=False, compare=False)
    """Every snapshot `load_ledgers` was given, district parts included: who submitted what and
    when (`civdash.submissions`)."""

    def cached(self, name: str, compute: Callable[[], T]) -> T:
        """`compute()`, kept by the app for later runs and other sessions with the same ledgers.

        `compute` must depend only on these ledgers (their snapshots, district, as-of date,
        districts and settings, and the app's metric tables of them), and what it returns is
        shared, so it is read-only. Used for the pages' views: at a million volunteers,
        recomputing one on every rerun would take most of a second.
        """
        return self.memo(name, compute)

    @property
    def as_of(self) -> date | None:
        """The as-of date shown: the chosen one, else the newest snapshot in force."""
        if self.filters.as_of is not None:
            return self.filters.as_of
        dates = [s.as_of for k, s in self.snapshots.items() if _dated(k)]
        return max(dates, default=None)

    @property
    def district(self) -> str | None:
        return self.filters.district

    @property
    def scope_label(self) -> str:
        return self.filters.district or "全市"

    def has(self, kind: str) -> bool:
        return kind in self.frames

    def frame(self, kind: str) -> pd.DataFrame:
        """Rows of `kind` in force (district-filtered); an empty frame when there is none."""
        return self.frames.get(kind, pd.DataFrame())

    def kind_as_of(self, kind: str) -> date | None:
        snap = self.snapshots.get(kind)
        return snap.as_of if snap else None

    def population(self) -> dict[str, float] | None:
        """Resident population by district (only the chosen district when filtered)."""
        if self.districts is None:
            return None
        pop = self.districts.population()
        if self.district:
            pop = {k: v for k, v in pop.items() if k == self.district}
        return pop or None

    def targets(self) -> pd.DataFrame:
        """Targets that apply to the current scope: city-wide ones, plus the district's own."""
        t = self.frames.get("targets")
        if t is None or t.empty:
            return pd.DataFrame(columns=["metric", "district", "target", "due"])
        return t


Narrowed = Callable[[int, str, str | None], pd.DataFrame]
"""(snapshot id, kind, district) → the snapshot's rows in that district (the app caches this)."""


def narrow(frame: pd.DataFrame, kind: str, district: str | None) -> pd.DataFrame:
    """The rows of a ledger of `kind` in `district` (all rows for None; a kind that does not
    narrow keeps them all: a district's page still sees the city-wide targets)."""
    return get_kind(kind).narrow(frame, district)


def shown_rows(frame: pd.DataFrame, kind: str, district: str | None) -> pd.DataFrame:
    """The rows pages, the meeting deck and the toolkit work from: narrowed to `district`, with
    personal data masked and the numbers in free text masked (`civdash.privacy`). The store
    keeps what the clerk wrote; nothing read through `Ledgers` can show it."""
    return mask_frame(narrow(frame, kind, district), kind)


class _Frames(Mapping[str, pd.DataFrame]):
    """Ledger frames narrowed to the district on first access: a page pays only for the
    ledgers it reads (narrowing a million volunteers takes a tenth of a second)."""

    def __init__(self, make: Mapping[str, Callable[[], pd.DataFrame]]) -> None:
        self._make = dict(make)
        self._frames: dict[str, pd.DataFrame] = {}

    def __getitem__(self, kind: str) -> pd.DataFrame:
        frame = self._frames.get(kind)
        if frame is None:
            frame = self._frames[kind] = self._make[kind]()
        return frame

    def __iter__(self) -> Iterator[str]:
        return iter(self._make)

    def __len__(self) -> int:
        return len(self._make)

    def __contains__(self, kind: object) -> bool:
        return kind in self._make


def load_ledgers(
    snapshots: Sequence[SnapshotInfo],
    loader: Loader,
    filters: Filters,
    *,
    districts: DistrictTable | None = None,
    settings: Settings = DEFAULT_SETTINGS,
    narrowed: Narrowed | None = None,
    memo: Memo = compute_now,
) -> Ledgers:
    """The ledgers in force for `filters`, with the snapshots a week earlier for comparison.

    Frames are narrowed to the district and masked when first read. `narrowed` gives a
    snapshot's rows as shown in the district (default: `shown_rows(loader(id), …)`) and `memo` keeps `Ledgers.cached` values;
    the app passes both, cached across runs.

    >>> from civdash.store import Store                                  # doctest: +SKIP
    >>> store = Store()                                                   # doctest: +SKIP
    >>> led = load_ledgers(store.snapshots(), store.load, Filters("南港区"),
    ...                    districts=store.districts())                   # doctest: +SKIP
    >>> led.frame("issues")["district"].unique().tolist()                 # doctest: +SKIP
    ['南港区']
    """

    def rows(snapshot_id: int, kind: str) -> Callable[[], pd.DataFrame]:
        if narrowed is not None:
            return lambda: narrowed(snapshot_id, kind, filters.district)
        return lambda: shown_rows(loader(snapshot_id), kind, filters.district)

    in_force: dict[str, SnapshotInfo] = {}
    previous: dict[str, SnapshotInfo] = {}
    frames: dict[str, Callable[[], pd.DataFrame]] = {}
    previous_frames: dict[str, Callable[[], pd.DataFrame]] = {}
    history: dict[str, tuple[SnapshotInfo, ...]] = {}
    for kind in LEDGER_KINDS:
        snap = snapshot_at(snapshots, kind, filters.as_of)
        if snap is None:
            continue
        in_force[kind] = snap
        frames[kind] = rows(snap.id, kind)
        history[kind] = ledger_history(snapshots, snap)
        prev = previous_snapshot(snapshots, snap)
        if prev is not None and get_kind(kind).dated:  # week-over-week compares data only
            previous[kind] = prev
            previous_frames[kind] = rows(prev.id, kind)
    return Ledgers(
        filters,
        in_force,
        previous,
        _Frames(frames),
        _Frames(previous_frames),
        history,
        districts,
        settings,
        memo,
        stored=tuple(snapshots),
    )


# ---------------------------------------------------------------- metric tables


def metric_table(
    kind: str,
    frame: pd.DataFrame,
    *,
    as_of: date,
    population: Mapping[str, float] | None,
    settings: Settings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """Every catalogue metric of one ledger snapshot, city-wide (district "") and per district.

    Small (metrics × districts), so the app caches one per snapshot and builds trends from them
    without keeping old snapshots' rows in memory.
    """
    rows: list[dict[str, object]] = []
    for key, mdef in METRICS.items():
        if mdef.ledger != kind:
            continue
        if mdef.needs_population and not population:
            continue
        city = compute(key, frame, as_of=as_of, population=population, settings=settings)
        rows.append({"district": CITY, "metric": key, "value": float(city)})  # type: ignore[arg-type]
        if "district" in frame.columns and not frame.empty:
            by = compute(
                key, frame, as_of=as_of, population=population, by="district", settings=settings
            )
            assert isinstance(by, pd.DataFrame)
            for district, value in zip(by["district"], by["value"], strict=True):
                rows.append({"district": district, "metric": key, "value": float(value)})
    return pd.DataFrame(rows, columns=["district", "metric", "value"])


def stored_metric_table(
    store: Store,
    snapshot_id: int,
    kind: str,
    as_of: date,
    population: Mapping[str, float] | None,
    *,
    loader: Loader | None = None,
) -> pd.DataFrame:
    """A snapshot's `metric_table` from the aggregates the store keeps with it (no rows read),
    or from its rows (`loader`, default `store.load`) when it has none made with the store's
    definitions yet (they are being rebuilt)."""
    stored = store.aggregates(snapshot_id, whole=True)
    if stored is not None:
        return aggregates.metric_table(stored, population)
    rows = (loader or store.load)(snapshot_id)
    return metric_table(kind, rows, as_of=as_of, population=population, settings=store.settings)


def stored_tables(
    store: Store, population: Mapping[str, float] | None
) -> Callable[[SnapshotInfo], pd.DataFrame]:
    """A snapshot → its `stored_metric_table` (the `table_for` of trends and views)."""
    return lambda snap: stored_metric_table(store, snap.id, snap.kind, snap.as_of, population)


def metric_value(table: pd.DataFrame, key: str, district: str | None) -> float:
    """One value from a `metric_table` (NaN when absent)."""
    hit = table[(table["metric"] == key) & (table["district"] == (district or CITY))]
    return float(hit["value"].iloc[0]) if len(hit) else float("nan")


def metric_history(
    ledgers: Ledgers, key: str, table_for: Callable[[SnapshotInfo], pd.DataFrame]
) -> pd.DataFrame:
    """The metric at every snapshot up to the as-of date: DataFrame(as_of, value), oldest first."""
    kind = METRICS[key].ledger
    points = [
        {"as_of": pd.Timestamp(s.as_of), "value": metric_value(table_for(s), key, ledgers.district)}
        for s in ledgers.history.get(kind, ())
    ]
    out = pd.DataFrame(points, columns=["as_of", "value"])
    return out[out["value"].notna()].reset_index(drop=True)


@dataclass(frozen=True)
class Change:
    """A metric now and a week earlier, with what the change means for that metric's direction."""

    key: str
    label: str
    value: float
    previous: float | None
    previous_as_of: date | None
    unit: str

    @property
    def delta(self) -> float | None:
        if self.previous is None or np.isnan(self.previous) or np.isnan(self.value):
            return None
        return self.value - self.previous

    @property
    def is_good(self) -> bool | None:
        """True when the change goes the metric's better way, False the other way, None flat/unknown."""
        better = METRICS[self.key].better
        d = self.delta
        if d is None or better is None or abs(d) < 1e-9:
            return None
        return (d > 0) == (better == "higher")

    @property
    def value_text(self) -> str:
        return format_value(self.key, self.value)

    @property
    def delta_text(self) -> str:
        """e.g. "+1.2 个百分点" for rates, "+35人" for counts, "无上周数据" in a first week."""
        d = self.delta
        if d is None:
            return "无上周数据" if self.previous_as_of is None else "—"
        return format_change(self.key, d)


def change(
    key: str,
    now: pd.DataFrame,
    before: pd.DataFrame | None,
    *,
    district: str | None,
    previous_as_of: date | None,
) -> Change:
    """A `Change` from two metric tables (the one in force and the one a week earlier)."""
    mdef = METRICS[key]
    prev = metric_value(before, key, district) if before is not None else None
    return Change(
        key, mdef.label, metric_value(now, key, district), prev, previous_as_of, mdef.unit
    )
