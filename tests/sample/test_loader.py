"""Loading the sample city: nine weeks of history from the simulation, the last from its files."""

from __future__ import annotations

from datetime import date
from functools import cache

import pandas as pd
import pytest

from civdash.districts import DistrictTable
from civdash.ingest import ingest_file
from civdash.ledgers import get_kind
from civdash.sample import (
    END_DATE,
    LEDGERS,
    SAMPLE_BY,
    SampleCity,
    as_of_dates,
    history_week,
    ledger_file_name,
    load_sample,
    packaged_file,
    simulate,
)
from civdash.store import Store

LAST_WEEK_BEFORE = date(2026, 11, 8)


@cache
def _city() -> SampleCity:
    return simulate()


@pytest.fixture(scope="module")
def districts() -> DistrictTable:
    return DistrictTable.from_geojson(packaged_file("districts.geojson"))


@pytest.mark.parametrize("kind", LEDGERS)
def test_an_earlier_week_holds_exactly_what_its_csv_file_ingests_to(kind, districts):
    week = history_week(_city(), kind, LAST_WEEK_BEFORE)
    read = ingest_file(week.data, file_name=week.result.file_name, kind=kind, districts=districts)
    assert read.rows_invalid == 0 and not read.problems
    assert read.sha256 == week.result.sha256
    assert read.columns == week.result.columns
    pd.testing.assert_frame_equal(read.rows, week.result.rows)


@pytest.mark.parametrize("kind", LEDGERS)
def test_the_packaged_files_hold_the_simulated_last_week_apart_from_the_bad_rows(kind, districts):
    name = ledger_file_name(kind, END_DATE)
    read = ingest_file(packaged_file(name), file_name=name, kind=kind, districts=districts)
    truth = history_week(_city(), kind, END_DATE).result.rows
    key = get_kind(kind).id_field
    filed = read.rows.set_index(key)
    simulated = truth.set_index(key).loc[filed.index]
    assert len(truth) - len(filed) <= len(read.invalid_rows) <= 15
    differ = {c: _differs(filed[c], simulated[c]) for c in filed.columns.drop("source_row")}
    changed = {c for c, rows in differ.items() if rows.any()}
    # the one issue filed at (0, 0) loses its coordinates when read; and a deadline written as
    # "N个工作日" for an issue found on a weekend counts from the Monday after when read, where
    # the simulation counted from the Friday before
    assert changed <= {"lat", "lon", "deadline"}, changed
    assert all(differ[c].sum() <= 1 for c in changed - {"deadline"})
    if "deadline" in changed:
        written = _city().issues_at(END_DATE).set_index(key)["deadline_text"]
        moved = filed.index[differ["deadline"].to_numpy()]
        assert written.loc[moved].str.endswith("个工作日").all()


def _differs(a: pd.Series, b: pd.Series) -> pd.Series:
    return ~((a == b).fillna(False).astype(bool) | (a.isna() & b.isna()))


def test_load_sample_commits_nine_simulated_weeks_then_the_packaged_files(db_url):
    store = Store(db_url)
    try:
        outcomes = load_sample(store)
        assert len(outcomes) == 32 and all(o.created for o in outcomes)
        snaps = store.snapshots()
        assert {s.committed_by for s in snaps} == {SAMPLE_BY}
        assert pd.Series([s.kind for s in snaps]).value_counts().to_dict() == {
            "units": 10,
            "volunteers": 10,
            "issues": 10,
            "districts": 1,
            "targets": 1,
        }
        for kind in LEDGERS:
            current = store.current(kind)
            assert current is not None
            assert (current.as_of, current.file_name) == (
                END_DATE,
                ledger_file_name(kind, END_DATE),
            )
            assert 5 <= current.rows_invalid <= 15  # the deliberately bad rows
            earlier = [s for s in store.snapshots(kind) if s.as_of < END_DATE]
            assert [s.as_of for s in reversed(earlier)] == as_of_dates()[:-1]
            assert all(s.file_name.endswith(".csv") and s.rows_invalid == 0 for s in earlier)
        targets = store.current("targets")
        assert targets is not None and (targets.as_of, targets.rows_invalid) == (
            date(2026, 9, 13),
            1,
        )
        assert not set(store.audit()["action"]) & {"refuse", "hold"}
        assert load_sample(store) == []  # only into an empty store
    finally:
        store.close()
