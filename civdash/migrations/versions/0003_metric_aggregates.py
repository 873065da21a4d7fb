"""Metric aggregates kept beside each city ledger snapshot.

- `snapshot_aggregates`: for a whole-city or assembled snapshot of a ledger with metrics, every
  catalogue metric's numerator and denominator for the city, each district, and each district
  by every cut the pages show (`civdash.aggregates`), as one compressed Arrow table, with the
  version of the metric definitions and settings it was made with. Written in the commit's
  transaction. A snapshot without a row here (every snapshot of a store from before this
  revision) has none yet: `Store.stale_aggregates` lists it and the app rebuilds it in the
  background (`python -m civdash rebuild-aggregates` does it at once).
- `snapshots.district_rows`: rows per district, counted at commit (the shrink check, the
  assembly and 报送情况 read it instead of counting a million rows again); NULL for snapshots
  from before this revision, which are still counted in SQL.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("snapshots", sa.Column("district_rows", sa.JSON))
    op.create_table(
        "snapshot_aggregates",
        sa.Column(
            "snapshot_id",
            sa.Integer,
            sa.ForeignKey("snapshots.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("version", sa.Text, nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("snapshot_aggregates")
    op.drop_column("snapshots", "district_rows")
