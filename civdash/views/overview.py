"""总览 page: what a director opens on Monday morning, as one frozen `OverviewView`.

`build_overview_view(led, table_for)` gathers, for the sidebar's district and as-of date:

- the headline number (问题整改率: field-inspection problems are where points are lost week by
  week) with its target and the projected date of reaching it;
- headline cards for the key metrics, each with its change since the snapshot about a week
  earlier (coloured by the metric's better direction), its target, and a sparkline of its value
  at every snapshot;
- every target in scope as progress bullets (`charts.target_progress`);
- a small district map of 问题整改率 (offline: `maps.choropleth_map` inlines its assets);
- 本周变化: issues new, closed and newly overdue since the previous issues snapshot (by issue_id).

`table_for` maps a snapshot to its metric table; the app passes `ui.metrics_for` (cached per
snapshot), so trends never recompute old snapshots.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

import altair as alt
import folium
import numpy as np
import pandas as pd

from civdash import maps, numbers, palette
from civdash.charts import target_progress
from civdash.dashboard import CITY, Change, Ledgers, Loader
from civdash.districts import DistrictTable
from civdash.ledgers import get_kind
from civdash.metrics import METRICS, format_value, issue_state, real_issues
from civdash.names import shorten
from civdash.numbers import ARROWS
from civdash.privacy import mask_free_text
from civdash.views.common import (
    Headline,
    TableFor,
    Target,
    headline,
    scope_target,
    sparkline_svg,
    target_records,
)
from civdash.views.targets import (
    SHORT_LABELS,
    STATUS_BEHIND,
    STATUS_REACHED,
    Lookup,
    TargetStatus,
    evaluate_targets,
    lookup_for,
    metric_at,
    progress_frame,
)

__all__ = [
    "CARD_METRICS",
    "CHANGE_KINDS",
    "CHANGE_TABLE_LIMIT",
    "HERO_METRIC",
    "MAP_METRIC",
    "Card",
    "Hero",
    "OverviewView",
    "WeekChanges",
    "build_overview_view",
    "week_changes",
]

HERO_METRIC = "issue_close_rate"
"""The number that matters most: the rectification rate (where inspection points are lost)."""

CARD_METRICS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("volunteers", ("volunteer_rate", "star_volunteers", "service_hours")),
    ("issues", ("issue_close_rate", "issue_on_time_rate", "overdue_issues")),
    ("units", ("named_units", "unit_pass_rate")),
)
"""The headline cards by ledger, in the order the page shows them (the hero is left out)."""

MAP_METRIC = "issue_close_rate"

NEW, CLOSED, NEWLY_OVERDUE = "新发现", "已整改", "新增逾期"
CHANGE_KINDS = (NEWLY_OVERDUE, NEW, CLOSED)
"""Rows of the 本周变化 table, the most urgent first."""
CHANGE_TABLE_LIMIT = 200
"""Most rows of the 本周变化 table the page sends to the browser (the view keeps them all: the
briefing workbook lists every change)."""


@dataclass(frozen=True)
class Card:
    """A headline card (`views.common.Headline`) in the short form a card has room for, with
    the metric's value at every snapshot for a sparkline."""

    headline: Headline
    label: str
    """The catalogue label, or its short alias (SHORT_LABELS)."""
    value_text: str
    """As `format_value(compact=True)`: 万 from 10万 on ("27.5万人", "278万小时")."""
    target_text: str
    """ "目标 13.00% · 尚差 1.57 个百分点" ("" without a target)."""
    trend: tuple[float, ...]

    @property
    def trend_color(self) -> str:
        """The sparkline's colour: whether the whole trend shown (first to last snapshot) went
        the metric's better way (`palette.direction_color`). It can differ from the week's
        change: 逾期未整改问题数 may fall this week after rising for months, and then the
        change is green while the line is red."""
        if len(self.trend) < 2:
            return palette.LIGHT_GREY
        return palette.direction_color(
            self.trend[-1] - self.trend[0], METRICS[self.headline.key].better
        )

    @property
    def sparkline(self) -> str:
        """The trend as a small inline SVG in `trend_color` ("" with fewer than two values)."""
        return sparkline_svg(self.trend, self.trend_color)


@dataclass(frozen=True)
class Hero:
    """The biggest number on the page, its change and where it stands against its target."""

    card: Card
    scope: str
    target_status: str
    """已达标 / 可按期完成 / 按当前进度无法按期完成 / "" without a target."""
    projection: str
    """e.g. "按当前进度可按期完成：预计2026年12月16日达标" ("" without a target)."""

    def html(self) -> str:
        """The number as a block of large type for the meeting-room projector; every text in it
        is escaped."""
        h = self.card.headline
        arrow = ARROWS.get(h.delta_arrow, "")
        delta_color = palette.DELTA_COLORS[h.delta_color]
        compared = h.compared_with or "无上周数据"
        delta = f"{arrow} {h.delta_text}" if h.compared_with else ""
        status_color = palette.PROGRESS_TEXT.get(self.target_status, palette.TEXT)
        lines = [
            f'<div style="font-size:clamp(1.2rem,1.5vw,1.7rem);font-weight:600">{_e(h.label)} · {_e(self.scope)}</div>',
            f'<div style="font-size:clamp(3.5rem,6vw,8.5rem);font-weight:700;line-height:1.05;'
            f'margin:0.2rem 0;white-space:nowrap">{_e(self.card.value_text)}</div>',
            f'<div style="font-size:clamp(1.2rem,1.5vw,1.7rem)"><span style="color:{delta_color};font-weight:600">'
            f'{_e(delta)}</span> <span style="color:#555">{_e(compared)}</span></div>',
        ]
        if h.target_text:
            lines.append(
                f'<div style="font-size:clamp(1rem,1.2vw,1.35rem);margin-top:0.6rem">{_e(h.target_text)}</div>'
            )
        if self.target_status:
            text = self.projection or self.target_status
            lines.append(
                f'<div style="font-size:clamp(1rem,1.2vw,1.35rem);font-weight:600;color:{status_color}">{_e(text)}</div>'
            )
        return (
            '<div style="border:1px solid #d0d4dc;border-radius:0.75rem;padding:1rem 1.5rem">'
            + "".join(lines)
            + "</div>"
        )


def _e(text: str) -> str:
    return html.escape(text, quote=True)


@dataclass(frozen=True, eq=False)
class WeekChanges:
    """Issues that changed between the previous issues snapshot and the one in force."""

    as_of: date
    previous_as_of: date | None
    """None in a first week: nothing to compare with, all counts are 0."""
    new: int
    closed: int
    newly_overdue: int
    table: pd.DataFrame
    """变化, 问题编号, 发现日期, 区县, 点位, 问题描述, 责任单位, 整改时限, 状态 (display headers),
    newly overdue first, each kind newest first; every change unless `week_changes` was given a
    limit."""

    @property
    def counts(self) -> tuple[tuple[str, str], ...]:
        """The three counts as the page's cards show them, the most urgent first."""
        return (
            ("新增逾期问题", numbers.number(self.newly_overdue, 0, "个")),
            ("新发现问题", numbers.number(self.new, 0, "个")),
            ("已整改问题", numbers.number(self.closed, 0, "个")),
        )

    @property
    def compared_text(self) -> str:
        if self.previous_as_of is None:
            return "无上周数据"
        return f"{self.previous_as_of:%m-%d} → {self.as_of:%m-%d}"


@dataclass(frozen=True, eq=False)
class OverviewView:
    """Everything the 总览 page shows for one scope and as-of date."""

    scope: str
    as_of: date | None
    hero: Hero | None
    """None without an issues ledger."""
    cards: tuple[Card, ...]
    missing: tuple[str, ...]
    """Labels of the ledgers not imported (their cards are left out)."""
    targets: tuple[TargetStatus, ...]
    progress_chart: alt.LayerChart | None
    """None when no target has a value."""
    behind: tuple[str, ...]
    """Names of the targets that will not be met at the current pace."""
    map: folium.Map | None
    """None without district boundaries."""
    changes: WeekChanges | None


# ---------------------------------------------------------------- 本周变化

_CHANGE_COLUMNS = {
    "issue_id": "问题编号",
    "found_on": "发现日期",
    "district": "区县",
    "location": "点位",
    "description": "问题描述",
    "responsible_unit": "责任单位",
    "deadline": "整改时限",
    "status": "状态",
}


_STATE_COLUMNS = ["issue_id", "status", "found_on", "deadline", "rectified_on", "description"]
_CHANGE_ORDER = {k: i for i, k in enumerate(CHANGE_KINDS)}


def _member(ids: list[object], among: pd.Series) -> np.ndarray:
    """Which of `ids` are in `among` (a set lookup: Arrow-backed isin goes through Python lists)."""
    known = set(among.tolist())
    return np.fromiter((i in known for i in ids), dtype=bool, count=len(ids))


def _days(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, errors="coerce").dt.strftime("%Y-%m-%d").fillna("")


def week_changes(
    now: pd.DataFrame,
    before: pd.DataFrame | None,
    *,
    as_of: date,
    previous_as_of: date | None,
    limit: int | None = None,
) -> WeekChanges:
    """Issues new, closed and newly overdue between two issues snapshots, matched by issue_id.

    新发现: in `now`, not in `before`. 已整改: closed (已整改/已销号) in `now` and not closed in
    `before` (or new and already closed). 新增逾期: overdue at `as_of` and not overdue at
    `previous_as_of` (or new). Rows recording no problem (无) never count.
    """
    columns = ["变化", *_CHANGE_COLUMNS.values()]
    if before is None or previous_as_of is None:
        return WeekChanges(as_of, None, 0, 0, 0, pd.DataFrame(columns=columns))
    state = issue_state(real_issues(now)[_STATE_COLUMNS], as_of)
    prev = issue_state(real_issues(before)[_STATE_COLUMNS], previous_as_of)
    ids = state["issue_id"].tolist()
    new = ~_member(ids, prev["issue_id"])
    closed = state["is_closed"] & ~_member(ids, prev.loc[prev["is_closed"], "issue_id"])
    overdue = state["is_overdue"] & ~_member(ids, prev.loc[prev["is_overdue"], "issue_id"])
    parts = [
        state[mask].assign(change=label)
        for label, mask in ((NEWLY_OVERDUE, overdue), (NEW, new), (CLOSED, closed))
    ]
    # newly overdue first, each kind newest first; the other columns only for the rows shown
    rows = pd.concat(parts).sort_values("found_on", ascending=False, kind="stable")
    rows = rows.sort_values("change", key=lambda c: c.map(_CHANGE_ORDER), kind="stable")
    rows = rows if limit is None else rows.head(limit)
    rows = rows.join(now.reindex(columns=[c for c in _CHANGE_COLUMNS if c not in rows.columns]))
    status = rows["status"].astype("string").fillna("")
    table = pd.DataFrame(
        {
            "变化": rows["change"].astype(str),
            "问题编号": rows["issue_id"].astype("string").fillna(""),
            "发现日期": _days(rows["found_on"]),
            "区县": rows["district"].astype("string").fillna(""),
            "点位": rows["location"].astype("string").fillna(""),
            "问题描述": mask_free_text(rows["description"]).fillna(""),
            "责任单位": rows["responsible_unit"].astype("string").fillna(""),
            "整改时限": _days(rows["deadline"]),
            "状态": status.mask(rows["is_overdue"], "逾期"),
        },
        columns=columns,
    ).reset_index(drop=True)
    return WeekChanges(
        as_of=as_of,
        previous_as_of=previous_as_of,
        new=int(new.sum()),
        closed=int(closed.sum()),
        newly_overdue=int(overdue.sum()),
        table=table,
    )


# ---------------------------------------------------------------- the view


def _trend(
    led: Ledgers, kind: str, keys: Sequence[str], lookup: Lookup
) -> dict[str, tuple[float, ...]]:
    tables = [lookup(s) for s in led.history.get(kind, ())]
    where = led.district or CITY
    out: dict[str, tuple[float, ...]] = {}
    for key in keys:
        values = (metric_at(t, key, where) for t in tables)
        out[key] = tuple(round(v, 4) for v in values if not math.isnan(v))
    return out


def _card(h: Headline, value: float, target: Target | None, trend: tuple[float, ...]) -> Card:
    target_text = ""
    if target is not None:
        target_text = f"目标 {format_value(h.key, target.value)} · {target.gap_text(value)}"
    return Card(
        headline=h,
        label=SHORT_LABELS.get(h.key, h.label),
        value_text=format_value(h.key, value, compact=True),
        target_text=target_text,
        trend=trend,
    )


def _headline(
    led: Ledgers, kind: str, key: str, lookup: Lookup, target: Target | None
) -> tuple[Headline, float] | None:
    """`views.common.headlines_for` for one metric, read from the per-snapshot lookups (a dict
    lookup instead of a frame filter per value: the overview shows eight of them)."""
    now = lookup(led.snapshots[kind])
    if (CITY, key) not in now:
        return None
    prev = led.previous.get(kind)
    where = led.district or CITY
    value = metric_at(now, key, where)
    before = metric_at(lookup(prev), key, where) if prev is not None else None
    mdef = METRICS[key]
    ch = Change(key, mdef.label, value, before, prev.as_of if prev else None, mdef.unit)
    return headline(ch, target), value


def _hero(card: Card | None, targets: Sequence[TargetStatus], district: str | None) -> Hero | None:
    if card is None:
        return None
    own = [
        t
        for t in targets
        if t.key == HERO_METRIC and (t.evaluated_for or t.district) == (district or CITY)
    ]
    scope = district or "全市"
    if not own:
        return Hero(card, scope, "", "")
    status = own[0]
    text = "" if status.status == STATUS_REACHED else status.projection.message
    return Hero(card, scope, status.status, text)


def _map(led: Ledgers, loader: Loader | None) -> folium.Map | None:
    """Every district coloured by 问题整改率, so a chosen district is seen among the others,
    zoomed to the chosen district. Without `loader` (the whole snapshot) only the chosen
    district's own shape is drawn."""
    table = led.districts
    snap = led.snapshots.get("issues")
    if table is None or not table.has_geometry or snap is None:
        return None
    chosen = DistrictTable(tuple(d for d in table.districts if d.name == led.district))
    frame = led.frame("issues")
    if led.district and loader is not None:
        frame = loader(snap.id)
    elif led.district:
        table = chosen
    if not table.has_geometry:
        return None
    m = maps.choropleth_map(
        table,
        frame,
        MAP_METRIC,
        as_of=snap.as_of,
        population=table.population() or None,
        chosen=led.district,
    )
    bounds = chosen.bounds() if led.district else None
    if bounds is not None:
        m.fit_bounds([[bounds[0], bounds[1]], [bounds[2], bounds[3]]])
    return m


def _progress_chart(
    targets: Sequence[TargetStatus], districts: DistrictTable | None
) -> alt.LayerChart | None:
    frame = progress_frame(targets)
    if frame.empty:
        return None
    # "高新区·按期整改率": the chart's labels are where space is short (civdash.names)
    frame["district"] = shorten(frame["district"], districts)
    return target_progress(frame).properties(height=alt.Step(34))


def build_overview_view(
    led: Ledgers, table_for: TableFor, loader: Loader | None = None, *, with_map: bool = True
) -> OverviewView:
    """The 总览 page for the ledgers in force; ledgers not imported are listed in `missing`.

    `loader` (snapshot id → all its rows; the app passes `ui.load_snapshot`) lets the district map
    show every district when the sidebar has chosen one; without it the map shows only that one.

    `with_map=False` leaves the map out (the 周例会 deck draws its own). All but the map is kept
    by `led.cached` (the app passes `ui.metrics_for` as `table_for`,
    always the same); the map is built on every call, as rendering it renames its elements.
    """
    view = led.cached("overview_view", lambda: _overview_view(led, table_for))
    return replace(view, map=_map(led, loader)) if with_map else view


def _overview_view(led: Ledgers, table_for: TableFor) -> OverviewView:
    lookup = lookup_for(table_for)
    records = target_records(led.targets())
    cards: list[Card] = []
    hero_card: Card | None = None
    for kind, keys in CARD_METRICS:
        if not led.has(kind):
            continue
        trends = _trend(led, kind, keys, lookup)
        for key in keys:
            target = scope_target(records, key, led.district)
            found = _headline(led, kind, key, lookup, target)
            if found is None:
                continue  # e.g. volunteer_rate without population
            h, value = found
            card = _card(h, value, target, trends.get(key, ()))
            if h.key == HERO_METRIC:
                hero_card = card
            else:
                cards.append(card)
    targets = evaluate_targets(led, table_for, lookup=lookup)
    changes = None
    if led.has("issues"):
        snap, prev = led.snapshots["issues"], led.previous.get("issues")
        changes = week_changes(
            led.frame("issues"),
            led.previous_frames.get("issues"),
            as_of=snap.as_of,
            previous_as_of=prev.as_of if prev else None,
        )
    return OverviewView(
        scope=led.scope_label,
        as_of=led.as_of,
        hero=_hero(hero_card, targets, led.district),
        cards=tuple(cards),
        missing=tuple(get_kind(k).label for k, _ in CARD_METRICS if not led.has(k)),
        targets=targets,
        progress_chart=_progress_chart(targets, led.districts),
        behind=tuple(t.name for t in targets if t.status == STATUS_BEHIND),
        map=None,
        changes=changes,
    )
