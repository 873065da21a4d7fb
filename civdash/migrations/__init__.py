"""Schema changes of the store, through Alembic: an existing store upgrades in place.

The structural tables (snapshots, their Arrow copies, the audit trail, accounts, the parts of an
assembled ledger) change only through the revisions in `versions/`. The rows tables (`rows_units`,
`rows_volunteers` …) follow the ledger registry instead: one column per field, so `Store` adds a
table for a kind or a column for a field after the migrations have run (see `Store._ensure_rows`).

A store made before migrations existed (CivDash before accounts) has the baseline tables but no
`alembic_version`: it is stamped as the baseline, then upgraded like any other.
"""

from __future__ import annotations

from importlib.resources import files
from typing import TYPE_CHECKING

import sqlalchemy as sa

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = ["BASELINE", "SCHEMA_HEAD", "alembic_config", "current_revision", "migrate"]

BASELINE = "0001"
"""The schema of every store made before migrations existed."""
SCHEMA_HEAD = "0004"
"""The newest revision; `tests/store/test_migrations.py` checks it is the scripts' head."""


def alembic_config(conn: sa.Connection | None = None) -> Config:
    """An Alembic configuration for the migrations shipped in this package (no alembic.ini)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(files("civdash.migrations")))
    if conn is not None:
        cfg.attributes["connection"] = conn
    return cfg


def current_revision(conn: sa.Connection) -> str | None:
    """The store's revision; `BASELINE` for a store from before migrations; None when empty."""
    revision = _stamped(conn)
    if revision is None and sa.inspect(conn).has_table("snapshots"):
        return BASELINE
    return revision


def _stamped(conn: sa.Connection) -> str | None:
    """The revision in the store's alembic_version table (None without one), read with plain
    SQL: a store already at the head is opened without importing Alembic (a command-line
    `ingest` that only reads the district table starts faster)."""
    if not sa.inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    return str(heads[0])


def migrate(conn: sa.Connection) -> bool:
    """Bring the store on `conn` (inside a write transaction) to `SCHEMA_HEAD`; True when anything
    was run. A store from before migrations is stamped as the baseline first."""
    revision = _stamped(conn)
    if revision == SCHEMA_HEAD:
        return False
    from alembic import command

    cfg = alembic_config(conn)
    if revision is None and sa.inspect(conn).has_table("snapshots"):
        command.stamp(cfg, BASELINE)
    command.upgrade(cfg, "head")
    return True
