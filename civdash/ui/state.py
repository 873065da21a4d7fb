"""Store access for the app: one Store per server, snapshots cached by id, the shared filters.

A committed snapshot never changes, so its rows and its rows in one district (`FrameCache`,
bounded by bytes: CIVDASH_CACHE_MB), its metric table (read from the aggregates stored with it)
and the district table are each kept once per server, keyed by snapshot id, and handed to every
run as the same objects: copying a million-row frame on every rerun, as
`st.cache_data` does, was most of a page's warm rerun. They are read-only: nothing in the app
assigns into them (pandas copy-on-write keeps derived frames from writing back), and
tests/pages/test_cache_readonly.py renders every page and checks the cached frames are unchanged.
The pages' views are kept the same way (`Ledgers.cached`), per store state, filters and settings.

Filters live in session state (they survive page changes) and are written back to the URL on
every run (Streamlit clears query parameters when the page changes), so a link reproduces the view.
"""

from __future__ import annotations

import importlib
import os
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from html import escape
from typing import TypeVar, cast

import pandas as pd
import pyarrow as pa
import streamlit as st

from civdash import aggregates
from civdash.config import Settings
from civdash.dashboard import (
    Filters,
    Ledgers,
    as_of_choices,
    load_ledgers,
    narrow,
    shown_rows,
    snapshot_at,
    stored_metric_table,
)
from civdash.districts import DistrictTable
from civdash.ingest import SOURCE_ROW
from civdash.ledgers import get_kind
from civdash.parts import Composition, composition
from civdash.sample import load_sample
from civdash.store import SnapshotInfo, Store
from civdash.ui.frames import FrameCache, MemoryGuard

DISTRICT_KEY = "f_district"
AS_OF_KEY = "f_as_of"
HOME_KEY = "f_home"
"""The district the filter opens on and resets to: a district clerk's own, else 全市."""
ALL = "全市"
LATEST = "最新"
UPLOAD_PAGE = "app_pages/upload.py"

T = TypeVar("T")


PROGRESS_EVERY_S = 0.2
"""The first start's progress bar is redrawn at most this often (seconds)."""


@st.cache_resource(show_spinner=False)
def get_store() -> Store:
    """The server's store (see `first_start` for the sample city it starts with)."""
    return Store()


@st.cache_resource(show_spinner=False)
def _arrow_allocator() -> str:
    """The app server's Arrow buffers (the text columns of every frame) come from the C
    library's allocator rather than pyarrow's default mimalloc, which keeps freed pages for
    later: one server's peak memory through the benchmark's walk of a year of city-scale
    history was 996 MB with mimalloc and 936 MB with it (`bench_dashboard.py --walk`)."""
    pa.set_memory_pool(pa.system_memory_pool())
    return pa.default_memory_pool().backend_name


@st.cache_resource(show_spinner=False)
def _first_start_gate() -> tuple[threading.Lock, threading.Event]:
    """One per server: the lock one session holds while it loads the sample city, and the
    event set once the store has been checked (and filled), so later runs skip the check."""
    return threading.Lock(), threading.Event()


def first_start() -> None:
    """On the server's first run, load the sample city into an empty store (unless
    CIVDASH_NO_SAMPLE is set), showing a title and a progress bar with each step.

    The check is made once per server, as the store was opened: a store emptied later (every
    snapshot deleted) stays empty. A second session arriving while the first loads waits for it.
    """
    _arrow_allocator()
    lock, checked = _first_start_gate()
    if checked.is_set():
        return
    if not lock.acquire(blocking=False):
        with st.spinner("首次启动：正在载入示例城市（青澜市）数据，请稍候……"):
            lock.acquire()
    try:
        if not checked.is_set():
            store = get_store()
            if store.is_empty() and not os.environ.get("CIVDASH_NO_SAMPLE"):
                _load_sample_with_progress(store)
            checked.set()
    finally:
        lock.release()
    _warm_page_imports()


PAGE_MODULES = (
    "civdash.charts",
    "civdash.views.overview",
    "civdash.meeting",
    "civdash.views.issues",
    "civdash.views.map",
)
"""What the pages import beyond the app's own start (Altair, folium and the views: about 0.4 s).
Never a module that declares a Streamlit component (streamlit_folium): a component imported
outside a script run is not served, and the page shows Streamlit's English loading error."""


@st.cache_resource(show_spinner=False)
def _warm_page_imports() -> threading.Thread:
    """Import the pages' modules in a background thread, once per server, while the first run
    shows the login form (or the form creating the first admin) and the user types: the first
    page after logging in does not wait for them. A module that fails to import here fails
    again, with its message, where a page imports it."""

    def run() -> None:
        for name in PAGE_MODULES:
            try:
                importlib.import_module(name)
            except Exception:  # a page importing it shows the failure
                continue

    thread = threading.Thread(target=run, name="civdash-imports", daemon=True)
    thread.start()
    return thread


def _load_sample_with_progress(store: Store) -> None:
    screen = st.empty()
    with screen.container():
        st.title("文明创建数据看板")
        st.subheader("首次启动：正在载入示例城市（青澜市）")
        st.caption(
            "数据库里还没有数据，先载入一个虚构城市十周的台账，便于熟悉各个页面；"
            "在『数据导入』上传本单位的台账后，看板就显示真实数据。约需十几秒。"
        )
        bar = st.progress(0.0, text="正在准备……")

    shown = [0.0]  # when the bar was last redrawn

    def tell(done: int, total: int, step: str) -> None:
        # a redraw at most every PROGRESS_EVERY_S: some steps take milliseconds, and each redraw
        # is a message to the browser and a repaint there (on the machine doing the loading)
        now = time.monotonic()
        if done < total and now - shown[0] < PROGRESS_EVERY_S:
            return
        shown[0] = now
        text = f"第 {min(done + 1, total)}/{total} 步：{step}……" if done < total else step
        bar.progress(done / total, text=text)

    load_sample(store, progress=tell)
    screen.empty()


@st.cache_resource(show_spinner=False)
def settings() -> Settings:
    return Settings.from_env()


@st.cache_resource(show_spinner=False)
def frame_cache() -> FrameCache:
    """The snapshot rows the server keeps between page runs (as read, and as a district's
    pages show them), at most `Settings.cache_bytes` of them (CIVDASH_CACHE_MB)."""
    return FrameCache(settings().cache_bytes)


@st.cache_resource(show_spinner=False)
def view_cache() -> FrameCache:
    """What the server makes from the rows and keeps (metric tables, the pages' views, decks,
    maps, 红黑榜), at most `Settings.view_cache_bytes` of it (CIVDASH_VIEW_CACHE_MB)."""
    return FrameCache(settings().view_cache_bytes)


@st.cache_resource(show_spinner=False)
def _memory_guard() -> MemoryGuard:
    return MemoryGuard((frame_cache(), view_cache()), settings().memory_ceiling_bytes)


def check_memory() -> bool:
    """At the start of a page run: past 85 % of the server's memory ceiling
    (CIVDASH_MEMORY_MB), drop the older half of what it keeps. Whether it did."""
    return _memory_guard().check()


def load_snapshot(snapshot_id: int) -> pd.DataFrame:
    """Rows of a snapshot, cached by id and shared (read-only: never assign into it)."""
    return frame_cache().get(("rows", snapshot_id), lambda: get_store().load(snapshot_id))


def district_rows(snapshot_id: int, kind: str, district: str | None) -> pd.DataFrame:
    """Rows of a snapshot as pages show them: in one district (all rows for None), personal
    data masked (`dashboard.shown_rows`); cached by id and district and shared (read-only).

    A district's are narrowed from the city's as shown when those are kept (masking works row
    by row, so narrowing the masked rows gives the same frame): a first visit of a district
    then neither reads the snapshot again nor masks it again. The snapshot's rows stay kept
    beside the city's frame, which shares their unmasked columns (pandas copies on write)."""
    cache = frame_cache()

    def make() -> pd.DataFrame:
        if district is not None:
            whole = cache.peek(("shown", snapshot_id, None))
            if isinstance(whole, pd.DataFrame):
                return narrow(whole, kind, district)
        return shown_rows(load_snapshot(snapshot_id), kind, district)

    return cache.get(("shown", snapshot_id, district), make)


def snapshot_metrics(
    snapshot_id: int, kind: str, as_of: date, districts_id: int | None
) -> pd.DataFrame:
    """Every metric of one snapshot (city and per district), kept by snapshot id and shared
    (read-only): from the aggregates stored with it at commit (a few hundred bytes read, no
    rows), or, while they are being rebuilt (`civdash.ui.rebuild`), from its rows."""

    def make() -> pd.DataFrame:
        table = _district_table(districts_id) if districts_id is not None else None
        population = table.population() if table else None
        return stored_metric_table(
            get_store(), snapshot_id, kind, as_of, population, loader=load_snapshot
        )

    return view_cache().get(("metrics", snapshot_id, kind, as_of, districts_id), make)


class _NotStored(LookupError):
    """No aggregates stored yet: raised, so that the cache keeps nothing and asks again."""


def _unit_counts_by_district(snapshot_id: int) -> dict[str | None, pd.DataFrame]:
    """Every district's (and the city's) unit counts of a snapshot, counted together: a
    district's first visit reads them instead of going back to fifty-odd weeks' aggregates."""

    def make() -> dict[str | None, pd.DataFrame]:
        stored = get_store().aggregates(snapshot_id)
        counts = aggregates.unit_counts_by_district(stored) if stored is not None else None
        if counts is None:
            raise _NotStored(snapshot_id)  # nothing is kept: asked again next time
        return counts

    return view_cache().get(("unit_counts", snapshot_id), make)


def _unit_counts(snapshot_id: int, district: str | None) -> pd.DataFrame:
    return aggregates.unit_counts_in(_unit_counts_by_district(snapshot_id), district)


def unit_counts_for(snap: SnapshotInfo, district: str | None) -> pd.DataFrame | None:
    """What the 红黑榜 judges each responsible unit on in an issues snapshot
    (`metrics.lists.unit_counts`), from its stored aggregates; None while it has none."""
    try:
        return _unit_counts(snap.id, district)
    except _NotStored:
        return None


_RUN_DISTRICTS: ContextVar[tuple[int | None] | None] = ContextVar(
    "civdash_run_districts", default=None
)
"""The current district table's snapshot id for this page run (set by `ledgers()`), so that the
trends' fifty-odd metric tables do not each ask the store for it."""


def metrics_for(snap: SnapshotInfo) -> pd.DataFrame:
    """The metric table of a snapshot (`snapshot_metrics`) with the current district table's
    population."""
    known = _RUN_DISTRICTS.get()
    if known is None:
        districts = get_store().current("districts")
        known = (districts.id if districts else None,)
    return snapshot_metrics(snap.id, snap.kind, snap.as_of, known[0])


@st.cache_resource(show_spinner=False, max_entries=8)
def _district_table(snapshot_id: int) -> DistrictTable:
    # as Store.districts(), from the cached rows of that snapshot
    records = load_snapshot(snapshot_id).drop(columns=SOURCE_ROW).astype(object)
    return DistrictTable.from_records(records.where(records.notna(), None).to_dict("records"))


def district_table() -> DistrictTable | None:
    """The current district table, cached by its snapshot id (shared, read-only)."""
    districts = get_store().current("districts")
    return _district_table(districts.id) if districts else None


def snapshots() -> list[SnapshotInfo]:
    return get_store().snapshots()


def _init_from_url(district_names: tuple[str, ...], dates: list[date]) -> None:
    qp = st.query_params
    if DISTRICT_KEY not in st.session_state:
        wanted = qp.get("district")
        home = st.session_state.get(HOME_KEY, ALL)
        st.session_state[DISTRICT_KEY] = wanted if wanted in district_names else home
    if AS_OF_KEY not in st.session_state:
        wanted = qp.get("as_of")
        st.session_state[AS_OF_KEY] = wanted if wanted in {d.isoformat() for d in dates} else LATEST


def _reset() -> None:
    st.session_state[DISTRICT_KEY] = st.session_state.get(HOME_KEY, ALL)
    st.session_state[AS_OF_KEY] = LATEST


def sidebar(*, filters: bool = True, home_district: str | None = None) -> Filters:
    """The shared sidebar: district, as-of snapshot, reset. Returns the filters in force.

    `home_district` (a district clerk's own) is where the district filter opens and what 重置筛选
    returns to; a link with its own district still opens on that one.

    `filters=False` (a page they do not act on: `civdash.pages.Page.filters`) draws none of
    them and leaves them out of the page's URL; the choices are kept for the next page.
    """
    snaps = snapshots()
    table = district_table()
    names = table.names if table else ()
    st.session_state[HOME_KEY] = home_district if home_district in names else ALL
    dates = as_of_choices(snaps)
    _init_from_url(names, dates)
    if st.session_state[DISTRICT_KEY] not in (ALL, *names):
        st.session_state[DISTRICT_KEY] = ALL
    date_options = [LATEST, *(d.isoformat() for d in dates)]
    if st.session_state[AS_OF_KEY] not in date_options:
        st.session_state[AS_OF_KEY] = LATEST
    if not filters:
        # Streamlit forgets a widget's value after a run that does not draw it; set anew, the
        # values outlive this page
        for key in (DISTRICT_KEY, AS_OF_KEY):
            st.session_state[key] = st.session_state[key]
        _write_url(Filters())
        return current_filters()
    with st.sidebar:
        st.selectbox("区县", [ALL, *names], key=DISTRICT_KEY)
        st.selectbox(
            "截至日期",
            date_options,
            key=AS_OF_KEY,
            format_func=lambda v: f"最新（{dates[0]:%Y-%m-%d}）" if v == LATEST and dates else v,
        )
        st.button("重置筛选", on_click=_reset, width="stretch")
    in_force = current_filters()
    _write_url(in_force)
    return in_force


def _write_url(filters: Filters) -> None:
    """The URL's district and as-of parameters set to `filters` (absent for 全市 / 最新)."""
    qp = {k: v for k, v in st.query_params.items() if k not in ("district", "as_of")}
    if filters.district:
        qp["district"] = filters.district
    if filters.as_of:
        qp["as_of"] = filters.as_of.isoformat()
    if dict(st.query_params) != qp:
        st.query_params.from_dict(qp)


def current_filters() -> Filters:
    district = st.session_state.get(DISTRICT_KEY, ALL)
    as_of = st.session_state.get(AS_OF_KEY, LATEST)
    return Filters(
        district=None if district == ALL else district,
        as_of=None if as_of == LATEST else date.fromisoformat(as_of),
    )


@dataclass(frozen=True)
class _Kept:
    """The app's `Ledgers.memo`: a value is kept per name, store state (every snapshot id and
    which are current), filters and settings, and shared by all sessions (read-only), in the
    server's byte-bounded cache."""

    key: tuple[object, ...]

    def __call__(self, name: str, compute: Callable[[], T], /) -> T:
        return cast(T, view_cache().get(("view", self.key, name), compute))


def ledgers_key(led: Ledgers) -> tuple[object, ...]:
    """What anything made from `led` depends on (a meeting deck, its files, the 督办通知): the
    snapshots in force and a week earlier, district, date, districts and settings, and every
    snapshot stored (the 报送情况 slide judges who submitted from all of them, a part that came
    late for an earlier week included)."""
    return (
        tuple(sorted((k, s.id) for k, s in led.snapshots.items())),
        tuple(sorted((k, s.id) for k, s in led.previous.items())),
        led.district,
        led.as_of,
        led.districts.names if led.districts else (),
        repr(led.settings),
        tuple(sorted(s.id for s in led.stored)),
    )


def ledgers() -> Ledgers:
    """The ledgers in force for the sidebar's filters (rows cached by snapshot id and district,
    pages' views kept by `Ledgers.cached`)."""
    snaps, filters, config = snapshots(), current_filters(), settings()
    state = tuple((s.id, s.is_current) for s in snaps)
    table = snapshot_at(snaps, "districts", None)
    _RUN_DISTRICTS.set((table.id if table is not None else None,))
    return load_ledgers(
        snaps,
        load_snapshot,
        filters,
        districts=district_table(),
        settings=config,
        narrowed=district_rows,
        memo=_Kept((filters.district, filters.as_of, state, repr(config))),
    )


def _composition(snapshot_id: int, order: tuple[str, ...]) -> Composition:
    """What a snapshot is made of (a committed snapshot and its parts never change), kept."""
    return view_cache().get(
        ("composition", snapshot_id, order),
        lambda: composition(get_store(), snapshot_id, order=order),
    )


def composition_of(snapshot_id: int) -> Composition:
    """What a snapshot is made of (`civdash.parts`), districts in the district table's order;
    kept per snapshot for the whole server."""
    table = district_table()
    return _composition(snapshot_id, tuple(table.names) if table else ())


def data_sources(led: Ledgers, *kinds: str) -> None:
    """数据来源: a small expander under a page's heading saying which parts (date, who) each
    ledger of `kinds` the page shows is made of (those with no snapshot are left out), the
    district's own part only when one district is chosen."""
    order = tuple(led.districts.names) if led.districts is not None else ()
    found = []
    for kind in kinds:
        snap = led.snapshots.get(kind)
        if snap is None:
            continue
        comp = _composition(snap.id, order)
        if led.filters.district and get_kind(kind).narrow_by:
            comp = comp.only(led.filters.district)
        found.append((get_kind(kind).label, comp))
    if not found:
        return
    label, first = found[0]
    head = first.summary(limit=2) if len(found) == 1 else f"{label}等 {len(found)} 类台账"
    # HTML rather than caption and dataframe elements: the page's own elements keep their
    # places (tests and readers find the page's first caption and table where they were)
    blocks = [
        f'<p style="font-size:.85rem;opacity:.75;margin:.25rem 0">{escape(label)}：'
        f"{escape(comp.summary(limit=None))}</p>"
        + comp.table().to_html(index=False, border=0, justify="left")
        for label, comp in found
    ]
    with st.expander(f"数据来源：{head}", expanded=False):
        st.html("".join(blocks))


def require_data(led: Ledgers, *kinds: str) -> bool:
    """Say what is missing, with a link to the upload page, when a needed ledger has no snapshot.
    (Under its heading a page says which parts its ledgers are made of: `data_sources`.)"""
    missing = [k for k in kinds if not led.has(k)]
    if not missing:
        return True
    labels = "、".join(get_kind(k).label for k in missing)
    st.info(f"还没有导入{labels}台账，本页需要它才能显示。请先上传文件。")
    st.page_link(UPLOAD_PAGE, label="前往『数据导入』", icon="📤")
    return False
