"""CivDash (文明创建数据看板): read a civilization office's ledgers, store snapshots, compute metrics."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
