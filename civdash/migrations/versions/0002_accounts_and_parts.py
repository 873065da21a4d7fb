"""Accounts, district parts and who did what.

- `users`: accounts with a role (admin, editor, district, viewer), a district for district
  clerks, an Argon2 password hash (none until one is set), and the failed-login counters of the
  lockout.
- `snapshots.scope`: "" for a whole-city file, else the district a part is of; existing
  snapshots become whole-city. One current snapshot per kind and scope.
- `snapshots.assembled` and `snapshot_parts`: the city ledger assembled from district parts is a
  snapshot of its own holding no rows, only which part (or whole-city file) each district's rows
  come from.
- `audit.role` and `audit.scope`: the role of the logged-in user and the scope acted on.
- `login_sessions`: a logged-in browser's session (the SHA-256 of the token its cookie holds),
  so a reload or a link keeps the user logged in, on every app server, until it goes idle.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("district", sa.Text),
        sa.Column("password_hash", sa.Text),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"),
        sa.Column("first_failed_at", sa.DateTime(timezone=True)),
        sa.Column("locked_until", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Text, nullable=False, server_default=""),
        sa.Column("last_login_at", sa.DateTime(timezone=True)),
        sa.Column("password_changed_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("name", name="uq_users_name"),
        sqlite_autoincrement=True,
    )
    op.add_column("snapshots", sa.Column("scope", sa.Text, nullable=False, server_default=""))
    op.add_column(
        "snapshots",
        sa.Column("assembled", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.drop_index("uq_snapshots_one_current", table_name="snapshots")
    op.create_index(
        "uq_snapshots_one_current",
        "snapshots",
        ["kind", "scope"],
        unique=True,
        sqlite_where=sa.text("is_current = 1"),
        postgresql_where=sa.text("is_current"),
    )
    op.create_table(
        "snapshot_parts",
        sa.Column(
            "version_id",
            sa.Integer,
            sa.ForeignKey("snapshots.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("district", sa.Text, primary_key=True),
        sa.Column(
            "source_id",
            sa.Integer,
            sa.ForeignKey("snapshots.id", ondelete="CASCADE"),
            nullable=False,
        ),
    )
    op.create_index("ix_snapshot_parts_source", "snapshot_parts", ["source_id"])
    op.add_column("audit", sa.Column("role", sa.Text))
    op.add_column("audit", sa.Column("scope", sa.Text))
    op.create_table(
        "login_sessions",
        sa.Column("token_sha256", sa.Text, primary_key=True),
        sa.Column("user_name", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_login_sessions_user", "login_sessions", ["user_name"])
