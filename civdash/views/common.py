"""What the pages' views share: headline cards, targets in scope, dates.

A headline card (`Headline`) is one catalogue metric now, its change since the snapshot about a
week earlier coloured by the metric's better direction, and the scope's target (`scope_target`:
the district's own target, else the city-wide one for rates and means). `headlines_for` builds
the cards of one ledger from the metric tables the app caches per snapshot (`TableFor`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Literal

import pandas as pd

from civdash.dashboard import CITY, Change, Ledgers, change
from civdash.metrics import METRICS, compared_text, format_change, format_gap, format_value
from civdash.numbers import FLAT
from civdash.store import SnapshotInfo

__all__ = [
    "BAR_STEP",
    "MISSING_CELL",
    "Headline",
    "TableFor",
    "Target",
    "cn_date",
    "headline",
    "headlines_for",
    "scope_target",
    "sparkline_svg",
    "target_records",
]

TableFor = Callable[[SnapshotInfo], pd.DataFrame]
"""A snapshot → its metric table (`dashboard.metric_table`); the app caches it per snapshot."""

BAR_STEP = 40
"""Pixels per bar of the horizontal bar charts: readable from the back of a meeting room."""

MISSING_CELL = "—"
"""A blank cell of a page's table (`st.dataframe(placeholder=…)`: Streamlit shows "None")."""


# ---------------------------------------------------------------- targets and headline cards


def cn_date(d: date) -> str:
    """2026年12月31日."""
    return f"{d.year}年{d.month}月{d.day}日"


@dataclass(frozen=True)
class Target:
    """One target that applies to the page's scope."""

    key: str
    value: float
    due: date | None
    district: str
    """The district the target was set for; "" for a city-wide target."""

    @property
    def text(self) -> str:
        """e.g. "目标 85.0%（2026年12月31日前）"."""
        due = f"（{cn_date(self.due)}前）" if self.due else ""
        return f"目标 {format_value(self.key, self.value)}{due}"

    def reached(self, value: float) -> bool | None:
        """Whether `value` meets the target in the metric's better direction (None: no value)."""
        if value is None or math.isnan(value):
            return None
        if METRICS[self.key].better == "lower":
            return value <= self.value
        return value >= self.value

    def gap_text(self, value: float) -> str:
        """ "已达标" or "尚差 3.2 个百分点" / "尚差 1,234人"."""
        ok = self.reached(value)
        if ok is None:
            return "暂无数据"
        if ok:
            return "已达标"
        return format_gap(self.key, self.value - value)


def _text(value: object) -> str:
    return "" if value is None or value is pd.NA or value != value else str(value).strip()


def target_records(targets: pd.DataFrame) -> list[dict[str, Any]]:
    """A targets table as plain records: it has a few dozen rows, and looking targets up in
    Python is far cheaper than a pandas filter per lookup."""
    return targets.to_dict("records") if "metric" in targets.columns else []


def scope_target(
    targets: pd.DataFrame | Sequence[Mapping[str, Any]], key: str, district: str | None
) -> Target | None:
    """The target of metric `key` for the scope: the district's own target when it has one;
    otherwise the city-wide one, but for a district only when the metric is a rate or a mean
    (a city-wide count target such as 10,000 party volunteers says nothing about one district).
    `targets` is `Ledgers.targets()` or, for many lookups, its `target_records`.
    """
    records = target_records(targets) if isinstance(targets, pd.DataFrame) else targets
    rows = [r for r in records if _text(r.get("metric")) == key]
    wanted = [r for r in rows if _text(r.get("district")) == (district or CITY)]
    if not wanted and district and not METRICS[key].additive:
        wanted = [r for r in rows if _text(r.get("district")) == CITY]
    if not wanted:
        return None
    row = wanted[-1]
    value = float(row["target"])
    if math.isnan(value):
        return None
    due = pd.Timestamp(row["due"]).date() if _text(row.get("due")) else None
    return Target(key, value, due, _text(row.get("district")))


@dataclass(frozen=True)
class Headline:
    """One headline card: value, week-over-week change coloured by the metric's direction, target."""

    key: str
    label: str
    value_text: str
    delta_text: str
    """ "+1.2 个百分点", "−35人", or "无上周数据"."""
    delta_color: Literal["green", "red", "gray"]
    """green: the change goes the metric's better way; red: the other way; gray: flat/unknown."""
    delta_arrow: Literal["up", "down", "off"]
    compared_with: str
    """ "较11月8日" (the snapshot compared with), "" in a first week."""
    help: str
    """The metric's definition, for the card's tooltip."""
    target_text: str
    """ "目标 85.0%（2026年12月31日前）· 尚差 10.1 个百分点", "" without a target."""
    on_target: bool | None


def headline(ch: Change, target: Target | None = None) -> Headline:
    """A card from a `dashboard.Change` and the scope's target (if any).

    The value and its change follow `civdash.numbers` (10万 and more in 万: a card stays
    readable on a projector); a change that rounds to zero at the precision shown is 持平 in
    grey, not a coloured "+0.0"."""
    d = ch.delta
    delta_text = format_change(ch.key, d, compact=True) if d is not None else ch.delta_text
    flat = delta_text == FLAT
    good = None if flat else ch.is_good
    color: Literal["green", "red", "gray"] = "gray" if good is None else "green" if good else "red"
    arrow: Literal["up", "down", "off"] = "off" if d is None or flat else "up" if d > 0 else "down"
    target_text = f"{target.text} · {target.gap_text(ch.value)}" if target else ""
    return Headline(
        key=ch.key,
        label=ch.label,
        value_text=format_value(ch.key, ch.value, compact=True),
        delta_text=delta_text,
        delta_color=color,
        delta_arrow=arrow,
        compared_with=compared_text(ch.previous_as_of),
        help=METRICS[ch.key].definition,
        target_text=target_text,
        on_target=target.reached(ch.value) if target else None,
    )


def sparkline_svg(
    values: Sequence[float], color: str, *, width: int = 200, height: int = 44
) -> str:
    """A trend as a small line in `color`, an inline SVG (no script, no request): the cards'
    sparkline, coloured by the trend's own direction rather than by the week's change
    (Streamlit's card draws its chart in the change's colour). "" with fewer than two values.
    """
    finite = [float(v) for v in values if math.isfinite(v)]
    if len(finite) < 2:
        return ""
    low, high = min(finite), max(finite)
    span = (high - low) or 1.0
    pad = 3.0
    step = (width - 2 * pad) / (len(finite) - 1)
    points = " ".join(
        f"{pad + i * step:.1f},{pad + (height - 2 * pad) * (1 - (v - low) / span):.1f}"
        for i, v in enumerate(finite)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="100%" height="{height}" '
        f'viewBox="0 0 {width} {height}" preserveAspectRatio="none" role="img" aria-hidden="true">'
        f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="2.5" '
        'stroke-linejoin="round" stroke-linecap="round" vector-effect="non-scaling-stroke"/>'
        "</svg>"
    )


def _zero_if_nan(value: float) -> float:
    return 0.0 if math.isnan(value) else value


def headlines_for(
    led: Ledgers, kind: str, keys: Sequence[str], table_for: TableFor
) -> tuple[Headline, ...]:
    """Cards for catalogue metrics of one ledger: now vs the snapshot about a week earlier."""
    snap = led.snapshots[kind]
    prev = led.previous.get(kind)
    now = table_for(snap)
    before = table_for(prev) if prev is not None else None
    targets = target_records(led.targets())
    out = []
    for key in keys:
        if not (now["metric"] == key).any():
            continue  # e.g. volunteer_rate without population
        ch = change(
            key, now, before, district=led.district, previous_as_of=prev.as_of if prev else None
        )
        if METRICS[key].additive:
            # a metric table has no row for a district without rows: that count is 0, not unknown
            ch = replace(
                ch,
                value=_zero_if_nan(ch.value),
                previous=None if ch.previous is None else _zero_if_nan(ch.previous),
            )
        out.append(headline(ch, scope_target(targets, key, led.district)))
    return tuple(out)
