"""Every 测评 round the store holds, as one frame: what the 测评 page, the notices and the
toolkit read the rounds' trend, Pareto and repeat losses from.

Third-party reports arrive one round at a time (a monthly 模拟测评), each committed as a snapshot
of the `assessments` ledger; a corrected report of a round is committed again. The ledger in
force holds the latest upload only, so the rounds are put together from every snapshot
(`metrics.merge_rounds`): each round from the most recent snapshot that holds it, the ledger in
force first for its own rounds.

>>> frame = load_rounds(store)                                       # doctest: +SKIP
>>> metrics.rounds(frame)[-2:]                                        # doctest: +SKIP
['2026年10月模拟测评', '2026年11月模拟测评']
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pandas as pd

from civdash.dashboard import snapshot_at
from civdash.metrics import merge_rounds
from civdash.store import Store

__all__ = ["KIND", "load_rounds"]

KIND = "assessments"
"""The ledger kind of 测评 results."""


def load_rounds(
    store: Store,
    as_of: date | None = None,
    *,
    loader: Callable[[int], pd.DataFrame] | None = None,
) -> pd.DataFrame | None:
    """Every 测评 round in the city's assessments snapshots as of `as_of` (None: all of them),
    oldest round first; None when there is no such snapshot.

    Each round's rows come from the snapshot in force on `as_of` (the current one for None)
    when it holds that round, else from the most recent snapshot (as_of, then id) that does.
    `loader` reads a snapshot's rows (default `store.load`; the app passes its cached one).
    """
    snaps = [s for s in store.snapshots(KIND) if not s.scope]
    if as_of is not None:
        snaps = [s for s in snaps if s.as_of <= as_of]
    if not snaps:
        return None
    in_force = snapshot_at(snaps, KIND, as_of)
    load = loader or store.load
    return merge_rounds(
        ((s.as_of, s.id, load(s.id)) for s in snaps),
        prefer=in_force.id if in_force is not None else None,
    )
