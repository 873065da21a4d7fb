"""The metric aggregates stored at commit give the numbers computed from the rows.

For every city ledger of the sample city (every week, every assembled version, whole-city files),
the metric table read from the stored aggregates equals `dashboard.metric_table` of its rows, for
every metric, district and the whole city; the cuts equal `metrics.compute(by=cut)`, and the
红黑榜's unit counts equal `metrics.lists.unit_counts`. Counts agree exactly; sums of hours, days
and scores are added up in another order (per group in row order, the city over its districts
for an assembled ledger) and agree to 1e-12 relative, far below the one decimal shown.
"""

from __future__ import annotations

import json
import math
import threading
from datetime import date

import pandas as pd
import pytest

from civdash import aggregates
from civdash.config import DEFAULT_SETTINGS, Settings
from civdash.dashboard import metric_table
from civdash.ingest import SOURCE_ROW
from civdash.metrics import METRICS, compute
from civdash.metrics.lists import unit_counts
from civdash.sample import load_sample
from civdash.store import Store
from civdash.ui.frames import FrameCache
from tests.store.helpers import ledger_result

REL = 1e-12
COUNT_UNITS = ("人", "个")


def _same(key: str, stored: float, fresh: float) -> bool:
    if math.isnan(stored) or math.isnan(fresh):
        return math.isnan(stored) and math.isnan(fresh)
    if METRICS[key].unit in COUNT_UNITS:
        return stored == fresh
    return math.isclose(stored, fresh, rel_tol=REL, abs_tol=1e-12)


def _city_ledgers(store: Store) -> list:
    return [s for s in store.snapshots() if not s.scope and s.kind in aggregates.aggregated_kinds()]


def assert_metric_tables_agree(store: Store) -> int:
    """Every city ledger's stored metric table against the one computed from its rows; the
    number of ledgers compared."""
    table = store.districts()
    population = table.population() if table is not None else None
    compared = 0
    for snap in _city_ledgers(store):
        stored = store.aggregates(snap.id, whole=True)
        assert stored is not None, f"快照 #{snap.id} 没有指标汇总"
        got = aggregates.metric_table(stored, population)
        want = metric_table(snap.kind, store.load(snap.id), as_of=snap.as_of, population=population)
        assert got[["district", "metric"]].values.tolist() == (
            want[["district", "metric"]].values.tolist()
        ), snap
        for key, district, a, b in zip(
            want["metric"], want["district"], got["value"], want["value"], strict=True
        ):
            assert _same(key, a, b), (snap.id, snap.as_of, key, district or "全市", a, b)
        compared += 1
    return compared


@pytest.fixture(scope="module")
def sample(sample_url: str) -> Store:
    return Store(sample_url)


@pytest.mark.slow  # > 8 s: in the full suite, not the fast tier
def test_stored_metric_tables_equal_fresh_computation_for_every_week_metric_and_district(
    sample: Store,
) -> None:
    compared = assert_metric_tables_agree(sample)
    # ten weeks × three ledgers, each week's versions assembled from seven districts' parts
    assert compared >= 3 * 10 * 7


@pytest.mark.postgres
def test_stored_aggregates_equal_fresh_computation_on_postgresql(
    postgres_schema_url: str,
) -> None:
    with Store(postgres_schema_url) as store:
        load_sample(store)
        assert assert_metric_tables_agree(store) >= 3 * 10 * 7


def test_every_cut_in_every_district_equals_compute_by_that_field(sample: Store) -> None:
    population = sample.districts().population()
    for kind in aggregates.aggregated_kinds():
        snap = sample.current(kind)
        rows = sample.load(snap.id)
        stored = sample.aggregates(snap.id)
        for district in (None, "东湖区", "南港区"):
            mine = rows if district is None else rows[rows["district"] == district]
            for key in stored["metric"].unique():
                if METRICS[key].needs_population:
                    got = aggregates.by_cut(stored, key, "district", population=population)
                    want = compute(
                        key, rows, as_of=snap.as_of, by="district", population=population
                    )
                    assert got["value"].tolist() == pytest.approx(want["value"].tolist(), rel=REL)
                    continue
                for cut in aggregates.cuts(kind):
                    got = aggregates.by_cut(stored, key, cut, district=district)
                    want = compute(key, mine, as_of=snap.as_of, by=cut)
                    assert got[cut].tolist() == want[cut].astype(str).tolist(), (key, cut)
                    for a, b in zip(got["value"], want["value"], strict=True):
                        assert _same(key, a, b), (kind, district, key, cut, a, b)


@pytest.mark.slow  # > 8 s: in the full suite, not the fast tier
def test_red_black_list_unit_counts_from_aggregates_equal_those_from_rows(sample: Store) -> None:
    for snap in _city_ledgers(sample):
        if snap.kind != "issues":
            continue
        rows, stored = sample.load(snap.id), sample.aggregates(snap.id)
        every = aggregates.unit_counts_by_district(stored)
        assert every is not None and set(every) == {None, *rows["district"].unique()}
        for district in (None, *rows["district"].unique(), "火星区"):
            mine = rows if district is None else rows[rows["district"] == district]
            pd.testing.assert_frame_equal(
                aggregates.unit_counts(stored, district),
                unit_counts(mine, snap.as_of),
                check_dtype=False,
            )


def test_a_city_file_commit_stores_its_aggregates_in_the_same_transaction(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = pd.DataFrame(
        {
            "name": ["甲", "乙", "丙"],
            "district": ["东湖区", "东湖区", "南港区"],
            "hours": [120.5, 10.0, 700.25],
            SOURCE_ROW: [2, 3, 4],
        }
    )
    result = ledger_result("volunteers", rows)
    failing = pytest.raises(RuntimeError, match="汇总失败")

    def broken(*args: object, **kwargs: object) -> pd.DataFrame:
        raise RuntimeError("汇总失败")

    with monkeypatch.context() as m:
        m.setattr(aggregates, "aggregate", broken)
        with failing:
            store.commit(result, b"v1", as_of=date(2026, 11, 15))
    assert store.snapshots() == []  # nothing half-stored: no snapshot without its aggregates

    snap = store.commit(result, b"v1", as_of=date(2026, 11, 15)).snapshot
    stored = store.aggregates(snap.id, whole=True)
    got = aggregates.metric_table(stored, None).set_index(["district", "metric"])["value"]
    assert got[("", "volunteer_count")] == 3
    assert got[("东湖区", "service_hours")] == 130.5
    assert got[("", "star_volunteers")] == 2
    store.delete(snap.id)
    assert store.aggregates(snap.id) is None


def test_other_star_thresholds_make_the_aggregates_stale_until_rebuilt(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'civdash.sqlite'}"
    rows = pd.DataFrame(
        {"name": ["甲", "乙"], "district": ["东湖区", "南港区"], "hours": [150.0, 50.0],
         SOURCE_ROW: [2, 3]}
    )  # fmt: skip
    with Store(url, settings=DEFAULT_SETTINGS) as store:
        snap = store.commit(ledger_result("volunteers", rows), b"x", as_of=date(2026, 11, 15))
        assert store.stale_aggregates() == []
    stricter = Settings(star_thresholds=(200, 400, 600, 800, 1000))
    with Store(url, settings=stricter) as store:
        # made under other thresholds: never read, listed for rebuilding
        assert store.aggregates(snap.snapshot.id) is None
        assert [s.id for s in store.stale_aggregates()] == [snap.snapshot.id]
        assert store.rebuild_aggregates(snap.snapshot.id)
        assert store.stale_aggregates() == []
        stored = store.aggregates(snap.snapshot.id, whole=True)
        table = aggregates.metric_table(stored, None).set_index(["district", "metric"])["value"]
        assert table[("", "star_volunteers")] == 0  # 150 hours is no star at 200
        assert not store.rebuild_aggregates(snap.snapshot.id)  # already rebuilt: nothing to do


def test_the_cli_rebuilds_stale_aggregates_and_says_how_many(tmp_path, capsys) -> None:
    from civdash.cli import main

    url = f"sqlite:///{tmp_path / 'civdash.sqlite'}"
    rows = pd.DataFrame({"name": ["甲"], "district": ["东湖区"], "hours": [150.0], SOURCE_ROW: [2]})
    with Store(url) as store:
        snap = store.commit(ledger_result("volunteers", rows), b"x", as_of=date(2026, 11, 15))
    assert main(["rebuild-aggregates", "--db", url]) == 0
    assert "都是最新的，无需重算" in capsys.readouterr().out
    assert main(["rebuild-aggregates", "--all", "--db", url]) == 0
    out = capsys.readouterr().out
    assert "需要重算指标汇总的快照：1 个" in out
    assert f"[1/1] #{snap.snapshot.id} 志愿者 截至 2026-11-15" in out


def _frame(n: int) -> pd.DataFrame:
    return pd.DataFrame({"x": range(n)}, dtype="int64")


def test_the_frame_cache_is_bounded_by_bytes_and_drops_the_least_recently_used() -> None:
    one = _frame(1000)  # 8,000 bytes of values plus the index
    cache = FrameCache(int(2.5 * one.memory_usage(deep=True).sum()))
    for key in "abc":
        cache.get(key, lambda: _frame(1000))
    assert cache.bytes_used <= cache.max_bytes
    assert len(cache) == 2
    made: list[str] = []
    cache.get("b", lambda: made.append("b") or _frame(1000))  # kept: not made again
    cache.get("a", lambda: made.append("a") or _frame(1000))  # dropped first: made again
    assert made == ["a"]
    huge = cache.get("huge", lambda: _frame(100_000))  # larger than the budget: not kept
    assert len(huge) == 100_000 and len(cache) == 2 and cache.bytes_used <= cache.max_bytes


def test_two_sessions_asking_for_one_frame_at_once_read_it_once() -> None:
    cache = FrameCache(10**8)
    started, calls = threading.Event(), []

    def slow() -> pd.DataFrame:
        calls.append(1)
        started.wait(1.0)
        return _frame(10)

    threads = [threading.Thread(target=cache.get, args=("k", slow)) for _ in range(4)]
    for t in threads:
        t.start()
    started.set()
    for t in threads:
        t.join()
    assert len(calls) == 1


def test_peek_gives_what_is_kept_and_never_makes_it() -> None:
    cache = FrameCache(10**8)
    assert cache.peek("k") is None and len(cache) == 0
    kept = cache.get("k", lambda: _frame(3))
    assert cache.peek("k") is kept


@pytest.mark.parametrize("kind", ["volunteers", "issues", "units", "targets"])
def test_a_districts_rows_narrowed_from_the_citys_as_shown_are_those_made_from_its_rows(
    kind: str, sample_url: str
) -> None:
    """The app narrows a district's frame from the city's masked frame when that is kept
    (`ui.state.district_rows`): the same frame as masking the district's rows."""
    from civdash.dashboard import narrow, shown_rows

    with Store(sample_url) as store:
        snap = store.current(kind)
        assert snap is not None
        rows = store.load(snap.id)
        districts = store.districts()
    assert districts is not None
    city = shown_rows(rows, kind, None)
    for district in districts.names:
        pd.testing.assert_frame_equal(
            narrow(city, kind, district), shown_rows(rows, kind, district)
        )


def test_a_districts_first_visit_narrows_the_citys_frame_as_shown_without_reading_again(
    sample_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from civdash.dashboard import shown_rows
    from civdash.ui import state

    cache = FrameCache(10**9)
    store = Store(sample_url)
    reads: list[int] = []
    load = store.load
    monkeypatch.setattr(store, "load", lambda i: reads.append(i) or load(i))
    monkeypatch.setattr(state, "frame_cache", lambda: cache)
    monkeypatch.setattr(state, "get_store", lambda: store)
    try:
        snap = store.current("volunteers")
        assert snap is not None
        # the city's frame as shown is kept; its rows were dropped from the cache since
        city = cache.get(
            ("shown", snap.id, None), lambda: shown_rows(load(snap.id), "volunteers", None)
        )
        mine = state.district_rows(snap.id, "volunteers", "东湖区")
        assert reads == []  # narrowed from the city's frame: nothing read, nothing masked again
        assert set(mine["district"]) == {"东湖区"} and len(mine) < len(city)
        issues = store.current("issues")
        assert issues is not None
        state.district_rows(issues.id, "issues", "东湖区")  # nothing kept: read, then kept
        state.district_rows(issues.id, "issues", "南港区")
        assert reads == [issues.id]
    finally:
        store.close()


def test_the_cuts_are_the_fields_the_explorer_filters_by_a_list_of_values() -> None:
    from civdash.explore.fields import filter_mode
    from civdash.ledgers import get_kind

    for kind in aggregates.aggregated_kinds():
        k = get_kind(kind)
        listed = tuple(
            f.name for f in k.fields if f.name != k.narrow_by and filter_mode(kind, f) == "values"
        )
        assert aggregates.cuts(kind) == listed


def test_a_frame_that_fails_to_load_is_asked_for_again() -> None:
    cache = FrameCache(10**8)

    def broken() -> pd.DataFrame:
        raise OSError("数据库暂时不可用")

    with pytest.raises(OSError):
        cache.get("k", broken)
    assert len(cache) == 0
    assert len(cache.get("k", lambda: _frame(3))) == 3


def test_rows_per_district_kept_at_commit_are_those_sql_counts(store: Store) -> None:
    import sqlalchemy as sa

    rows = pd.DataFrame(
        {
            "name": ["甲", "乙", "丙", "丁"],
            "district": ["东湖区", "东湖区", None, "南港区"],
            "hours": [1.0, 2.0, 3.0, 4.0],
            SOURCE_ROW: [2, 3, 4, 5],
        }
    )
    snap = store.commit(ledger_result("volunteers", rows), b"k", as_of=date(2026, 11, 15)).snapshot
    with store.engine.connect() as conn:
        kept = conn.execute(
            sa.text("SELECT district_rows FROM snapshots WHERE id = :i"), {"i": snap.id}
        ).scalar()
        counted = conn.execute(
            sa.text(
                "SELECT district, count(*) FROM rows_volunteers WHERE snapshot_id = :i "
                "GROUP BY district"
            ),
            {"i": snap.id},
        ).all()
    kept = json.loads(kept) if isinstance(kept, str) else kept
    assert kept == {(d or ""): n for d, n in counted} == {"东湖区": 2, "": 1, "南港区": 1}
    assert store.rows_by_district(snap.id) == kept
