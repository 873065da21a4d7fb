"""The store's schema changes through Alembic migrations, and an existing store upgrades in place.

`tests/fixtures/store_v0.sqlite` was made by CivDash before accounts and migrations (commit
e9ff0a3): districts, two weeks of volunteers, issues and units, targets, a duplicate, a refusal,
two make-currents and a delete. It must upgrade keeping every snapshot, row and audit entry, on
SQLite and (its contents copied into the same old schema) on PostgreSQL.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from civdash.migrations import BASELINE, SCHEMA_HEAD, alembic_config, head_revision
from civdash.store import Store

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "store_v0.sqlite"
V0_SNAPSHOTS = 8
V0_AUDIT = 14


def test_the_head_constant_is_the_scripts_head() -> None:
    assert head_revision() == SCHEMA_HEAD


def test_a_fresh_store_has_exactly_the_schema_the_code_expects(db_url: str) -> None:
    with Store(db_url) as store, store.engine.connect() as conn:
        context = MigrationContext.configure(conn)
        assert context.get_current_revision() == SCHEMA_HEAD
        structural = store._metadata  # the tables migrations own, beside the rows tables
        diffs = compare_metadata(context, structural)
        rows_tables = {t for t in structural.tables if t.startswith("rows_")}
        relevant = [d for d in diffs if not _about(d, rows_tables)]
        assert relevant == []


def _about(diff: object, tables: set[str]) -> bool:
    text = repr(diff)
    return any(f"'{t}'" in text for t in tables)


def _v0_copy(tmp_path: Path) -> str:
    path = tmp_path / "civdash.sqlite"
    shutil.copy(FIXTURE, path)
    return f"sqlite:///{path}"


def _dump(url: str) -> dict[str, pd.DataFrame]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        tables = {
            name: pd.read_sql_table(name, conn).sort_values(list(_keys(name)))
            for name in ("snapshots", "audit", "rows_volunteers", "rows_issues", "rows_units")
        }
    engine.dispose()
    return {k: v.reset_index(drop=True) for k, v in tables.items()}


def _keys(table: str) -> tuple[str, ...]:
    return ("id",) if table in ("snapshots", "audit") else ("snapshot_id", "source_row")


def test_a_store_from_before_migrations_upgrades_in_place_keeping_everything(
    tmp_path: Path,
) -> None:
    url = _v0_copy(tmp_path)
    before = _dump(url)
    assert len(before["snapshots"]) == V0_SNAPSHOTS and len(before["audit"]) == V0_AUDIT
    with Store(url) as store:
        snaps = store.snapshots()
        assert len(snaps) == V0_SNAPSHOTS
        assert {s.scope for s in snaps} == {""}  # existing snapshots become whole-city
        assert len(store.audit(1000)) == V0_AUDIT
        for snap in snaps:
            rows = store.load(snap.id)
            assert len(rows) == snap.rows_valid
        assert store.current("volunteers") is not None
        with store.engine.connect() as conn:
            assert MigrationContext.configure(conn).get_current_revision() == SCHEMA_HEAD
    after = _dump(url)
    for name, old in before.items():
        new = after[name][list(old.columns)]
        pd.testing.assert_frame_equal(new, old, check_dtype=False)
    # upgrading again is a no-op
    with Store(url) as store:
        assert len(store.snapshots()) == V0_SNAPSHOTS


@pytest.mark.postgres
def test_a_postgresql_store_from_before_migrations_upgrades_in_place(
    tmp_path: Path, postgres_schema_url: str
) -> None:
    pg = postgres_schema_url
    source = sa.create_engine(_v0_copy(tmp_path))
    target = sa.create_engine(pg)
    # the old schema, as CivDash made it before migrations: the baseline, without a version
    with target.begin() as conn:
        command.upgrade(alembic_config(conn), BASELINE)
        conn.execute(sa.text("DROP TABLE alembic_version"))
    old = sa.MetaData()
    old.reflect(source)
    with source.connect() as src, target.begin() as dst:
        for name in ("rows_volunteers", "rows_issues", "rows_units", "rows_targets",
                     "rows_districts"):  # fmt: skip
            table = old.tables[name]
            columns = (sa.Column(c.name, c.type, primary_key=c.primary_key) for c in table.columns)
            sa.Table(name, sa.MetaData(), *columns).create(dst)
        targets = sa.MetaData()
        targets.reflect(dst)
        for name in ("snapshots", "snapshot_frames", "audit", "rows_volunteers", "rows_issues",
                     "rows_units", "rows_targets", "rows_districts"):  # fmt: skip
            rows = [dict(r._mapping) for r in src.execute(sa.select(old.tables[name]))]
            if rows:
                dst.execute(sa.insert(targets.tables[name]), rows)
        for name in ("snapshots", "audit"):
            dst.execute(
                sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"(SELECT max(id) FROM {name}))"
                )
            )
    source.dispose()
    target.dispose()
    before = _dump(pg)
    with Store(pg) as store:
        snaps = store.snapshots()
        assert len(snaps) == V0_SNAPSHOTS and {s.scope for s in snaps} == {""}
        assert len(store.audit(1000)) == V0_AUDIT
        for snap in snaps:
            assert len(store.load(snap.id)) == snap.rows_valid
    after = _dump(pg)
    for name, rows in before.items():
        pd.testing.assert_frame_equal(after[name][list(rows.columns)], rows, check_dtype=False)


def test_an_upgraded_store_lists_every_city_ledger_for_its_aggregates_until_rebuilt(
    tmp_path: Path,
) -> None:
    from civdash import aggregates
    from civdash.dashboard import metric_table

    with Store(_v0_copy(tmp_path)) as store:
        city = [s for s in store.snapshots() if s.kind in aggregates.aggregated_kinds()]
        stale = store.stale_aggregates()
        assert {s.id for s in stale} == {s.id for s in city} and city
        assert stale[0].is_current  # the current ledgers first: the pages' numbers come first
        assert all(store.aggregates(s.id) is None for s in city)
        for snap in stale:
            assert store.rebuild_aggregates(snap.id)
        assert store.stale_aggregates() == []
        population = store.districts().population()
        for snap in city:
            got = aggregates.metric_table(store.aggregates(snap.id, whole=True), population)
            want = metric_table(
                snap.kind, store.load(snap.id), as_of=snap.as_of, population=population
            )
            assert got["value"].tolist() == pytest.approx(
                want["value"].tolist(), rel=1e-12, nan_ok=True
            )
