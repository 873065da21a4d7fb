"""One registry of ledger kinds. Add a kind by adding its `LedgerKind` here."""

from __future__ import annotations

from civdash.ledgers.base import Field, LedgerKind, normalize_header
from civdash.ledgers.districts import DISTRICTS
from civdash.ledgers.issues import ISSUES
from civdash.ledgers.targets import TARGETS
from civdash.ledgers.units import UNITS
from civdash.ledgers.volunteers import VOLUNTEERS

REGISTRY: dict[str, LedgerKind] = {
    k.key: k for k in (UNITS, VOLUNTEERS, ISSUES, TARGETS, DISTRICTS)
}
"""Every ledger kind by key."""

LEDGER_KINDS: tuple[str, ...] = ("units", "volunteers", "issues", "targets")
"""The kinds a user uploads as spreadsheets and the store keeps as snapshots of rows."""


def get_kind(key: str) -> LedgerKind:
    """The ledger kind for `key` ("units", "volunteers", "issues", "targets", "districts")."""
    try:
        return REGISTRY[key]
    except KeyError:
        raise KeyError(f"unknown ledger kind {key!r}; known: {', '.join(REGISTRY)}") from None


__all__ = ["LEDGER_KINDS", "REGISTRY", "Field", "LedgerKind", "get_kind", "normalize_header"]
