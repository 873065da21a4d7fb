"""One registry of ledger kinds. Add a kind by writing its module (a `LedgerKind`) and
registering it here, or at run time with `register` (a notebook, a test).

`REGISTRY` is a read-only view of every kind by key; `LEDGER_KINDS` lists the keys of the kinds
users upload as spreadsheets, read from the registry on every use (so a kind registered later
is in it).
"""

from __future__ import annotations

from collections.abc import Iterator, KeysView, Mapping
from types import MappingProxyType

from civdash.ledgers.assessments import ASSESSMENTS
from civdash.ledgers.base import (
    DeriveContext,
    Field,
    LedgerKind,
    Otherwise,
    Vocabulary,
    normalize_header,
)
from civdash.ledgers.contacts import CONTACTS
from civdash.ledgers.districts import DISTRICTS
from civdash.ledgers.issues import ISSUES
from civdash.ledgers.targets import TARGETS
from civdash.ledgers.units import UNITS
from civdash.ledgers.volunteers import VOLUNTEERS

_KINDS: dict[str, LedgerKind] = {
    k.key: k for k in (UNITS, VOLUNTEERS, ISSUES, TARGETS, ASSESSMENTS, CONTACTS, DISTRICTS)
}

REGISTRY: Mapping[str, LedgerKind] = MappingProxyType(_KINDS)
"""Every ledger kind by key, in registration order (read-only: use `register`)."""


def register(kind: LedgerKind, *, replace: bool = False) -> LedgerKind | None:
    """Add `kind` to the registry (a `Store` opened afterwards has its rows table); returns the
    kind it replaced. A key already taken is an error unless `replace`."""
    previous = _KINDS.get(kind.key)
    if previous is not None and not replace:
        raise ValueError(f"ledger kind {kind.key!r} is already registered")
    _KINDS[kind.key] = kind
    return previous


def unregister(key: str) -> LedgerKind:
    """Remove the kind `key` from the registry and return it."""
    try:
        return _KINDS.pop(key)
    except KeyError:
        raise KeyError(f"unknown ledger kind {key!r}; known: {', '.join(_KINDS)}") from None


class _Uploaded(Mapping[str, LedgerKind]):
    """The registered kinds with `uploaded` set, read from the registry on every use."""

    def __getitem__(self, key: str) -> LedgerKind:
        kind = _KINDS[key]
        if not kind.uploaded:
            raise KeyError(key)
        return kind

    def __iter__(self) -> Iterator[str]:
        return iter([k for k, v in _KINDS.items() if v.uploaded])

    def __len__(self) -> int:
        return sum(1 for v in _KINDS.values() if v.uploaded)


class KindKeys(KeysView[str]):
    """Live, ordered kind keys that read like a tuple (`[i]`, `index`) and that UI widgets take
    as a list of options."""

    def __getitem__(self, index: int) -> str:
        return tuple(self)[index]

    def index(self, key: str) -> int:
        return tuple(self).index(key)

    def __repr__(self) -> str:
        return repr(tuple(self))


LEDGER_KINDS: KindKeys = KindKeys(_Uploaded())
"""The kinds a user uploads as spreadsheets and the store keeps as snapshots of rows."""


def get_kind(key: str) -> LedgerKind:
    """The ledger kind for `key` ("units", "volunteers", "issues", "targets", "assessments",
    "contacts", "districts")."""
    try:
        return _KINDS[key]
    except KeyError:
        raise KeyError(f"unknown ledger kind {key!r}; known: {', '.join(_KINDS)}") from None


__all__ = [
    "LEDGER_KINDS",
    "REGISTRY",
    "DeriveContext",
    "Field",
    "KindKeys",
    "LedgerKind",
    "Otherwise",
    "Vocabulary",
    "get_kind",
    "normalize_header",
    "register",
    "unregister",
]
