"""The database itself: tables follow the registry, SQLite connection settings, default URL."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from civdash import ledgers
from civdash.ledgers import REGISTRY, Field
from civdash.store import SQLITE_BUSY_TIMEOUT_MS, Store
from tests.store.helpers import ledger_result, ledger_rows


def _columns(store: Store, table: str) -> dict[str, str]:
    return {c["name"]: str(c["type"]) for c in sa.inspect(store.engine).get_columns(table)}


def test_rows_tables_have_one_typed_column_per_registry_field(store: Store) -> None:
    columns = _columns(store, "rows_volunteers")
    assert list(columns) == ["snapshot_id", "source_row", *REGISTRY["volunteers"].field_names]
    assert columns["registered_on"] == "DATE"
    assert columns["hours"] == "FLOAT" or columns["hours"].startswith("DOUBLE")
    assert columns["star_level"] == "BIGINT"
    assert columns["is_party_member"] == "BOOLEAN"
    assert columns["name"] == "TEXT"
    assert "geometry" in _columns(store, "rows_districts")


def test_a_field_added_to_the_registry_becomes_a_column_of_an_existing_database(
    db_url: str, request: pytest.FixtureRequest
) -> None:
    with Store(db_url) as before:
        old = before.commit(ledger_result(), b"old").snapshot.id
    volunteers = REGISTRY["volunteers"]
    extended = dataclasses.replace(
        volunteers, fields=(*volunteers.fields, Field("shoe_size", "鞋码", type="int"))
    )
    previous = ledgers.register(extended, replace=True)
    assert previous is volunteers
    request.addfinalizer(lambda: ledgers.register(volunteers, replace=True))

    with Store(db_url) as after:
        assert "shoe_size" in _columns(after, "rows_volunteers")
        old_rows = after.load(old)
        assert old_rows["shoe_size"].isna().all()
        assert old_rows["shoe_size"].dtype == "Int64"
        rows = ledger_rows("volunteers")  # built from the extended registry
        assert rows["shoe_size"].notna().any()
        new = after.commit(ledger_result("volunteers", rows), b"new").snapshot.id
        pd.testing.assert_frame_equal(after.load(new), rows)


@pytest.mark.parametrize(
    "db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_plain_postgresql_urls_use_psycopg_3(db_url: str) -> None:
    with Store(db_url.replace("postgresql+psycopg://", "postgresql://", 1)) as store:
        assert store.engine.dialect.driver == "psycopg"
        assert store.is_empty()


def test_every_sqlite_connection_uses_wal_a_busy_timeout_and_foreign_keys(tmp_path: Path) -> None:
    with (
        Store(f"sqlite:///{tmp_path / 'c.sqlite'}") as store,
        store.engine.connect() as a,
        store.engine.connect() as b,
    ):
        for conn in (a, b):
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == SQLITE_BUSY_TIMEOUT_MS
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_default_database_is_a_sqlite_file_under_civdash_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "not" / "yet" / "there"
    monkeypatch.setenv("CIVDASH_HOME", str(home))
    monkeypatch.delenv("CIVDASH_DATABASE_URL", raising=False)

    with Store() as store:
        store.commit(ledger_result(), b"x")

    assert (home / "civdash.sqlite").is_file()
    with Store(f"sqlite:///{home / 'civdash.sqlite'}") as reopened:
        assert len(reopened.snapshots()) == 1
