"""Escalation records of responsible units (督办 → 通报 → 约谈 → 问责).

- `escalations`: one row per step taken against a responsible unit: its level (督办, 通报, 约谈
  or 问责), the day it was taken, why, the district of a district's unit (NULL for a city
  department), and who recorded it when (UTC), and who last changed it. A record is edited or
  deleted in place; the audit trail keeps every version (`Store.record_escalation`,
  `update_escalation`, `delete_escalation` each append an entry holding the whole record).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("responsible_unit", sa.Text, nullable=False),
        sa.Column("level", sa.Text, nullable=False),
        sa.Column("on_date", sa.Date, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("district", sa.Text),
        sa.Column("recorded_by", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Text),
        sa.Column("updated_at", sa.DateTime(timezone=True)),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_escalations_unit", "escalations", ["responsible_unit", "on_date"])


def downgrade() -> None:
    op.drop_index("ix_escalations_unit", table_name="escalations")
    op.drop_table("escalations")
