"""目标进度 page: every target in scope with actual, gap, trend and projected date, as one
frozen `TargetsView`; and the in-app editor's round trip (`editor_frame` → `parse_target_edits`).

`build_targets_view(led, table_for)` evaluates each target against the metric's history from the
snapshot history (one metric table per snapshot; the app passes `ui.metrics_for`, cached per
snapshot) and projects it with `metrics.project_target`. Which targets apply follows
`views.common.scope_target`: for 全市 every target, city-wide and per district; for one district
its own targets, plus city-wide targets of rates and means it has none of its own for (a
city-wide count such as 10,000 party volunteers says nothing about one district).

Edits are saved as a new 目标任务 snapshot: `parse_target_edits` checks the edited table through
the same ingest as an uploaded targets file (the targets kind's rules, Chinese messages naming
the row and the value) and builds the `IngestResult` plus a canonical CSV of the table, so saving
the same targets twice is recognised by the store as a duplicate.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from types import MappingProxyType
from typing import Literal

import altair as alt
import numpy as np
import pandas as pd

from civdash import numbers, palette
from civdash.charts import configure
from civdash.dashboard import CITY, Ledgers
from civdash.districts import District, DistrictTable
from civdash.ingest import SOURCE_ROW, IngestResult, ingest_table
from civdash.io import RawTable
from civdash.ledgers.targets import TARGETS
from civdash.metrics import (
    METRICS,
    MetricDef,
    Projection,
    format_gap,
    format_pace,
    format_value,
    project_target,
)
from civdash.store import CommitRefusedError, ShrinkHeldError, SnapshotInfo, Store
from civdash.views.common import TableFor

__all__ = [
    "ALL_DISTRICTS",
    "EDITOR_COLUMNS",
    "EDITOR_KEY",
    "JUDGEMENT_COLOURS",
    "MSG_NO_TARGETS",
    "SHORT_LABELS",
    "STATUSES",
    "STATUS_BEHIND",
    "STATUS_NO_DATA",
    "STATUS_ON_TRACK",
    "STATUS_REACHED",
    "Lookup",
    "TargetEdit",
    "TargetStatus",
    "TargetsView",
    "build_targets_view",
    "canonical_csv",
    "editor_frame",
    "evaluate_targets",
    "lookup_for",
    "metric_at",
    "parse_target_edits",
    "progress_frame",
    "save_target_edit",
    "targets_in_scope",
    "trend_chart",
    "value_lookup",
]

ALL_DISTRICTS = "全市"
"""How the editor and the tables write a city-wide target's district."""

EDITOR_COLUMNS = {"metric": "指标", "district": "区县", "target": "目标值", "due": "完成时限"}
"""Targets ledger field → editor column header."""

MSG_NO_TARGETS = "目标任务表中没有任何目标，未保存；请至少填写一行目标后再保存。"
"""Said when every row of the editor was deleted: the store refuses an empty snapshot."""

EDITOR_KEY = "targets_editor"
"""Prefix of the editor's widget key (see `TargetsView.editor_key`)."""

STATUS_REACHED = "已达标"
STATUS_ON_TRACK = "可按期完成"
STATUS_BEHIND = "按当前进度无法按期完成"
STATUS_NO_DATA = "暂无法测算"
STATUSES = (STATUS_REACHED, STATUS_ON_TRACK, STATUS_BEHIND, STATUS_NO_DATA)
"""The progress judgements, in the order the page counts them."""

JUDGEMENT_COLOURS: Mapping[str, Mapping[str, tuple[str, str]]] = MappingProxyType(
    {
        column: MappingProxyType(
            {s: (palette.PROGRESS_TEXT[s], palette.PROGRESS_FILLS[s]) for s in STATUSES}
        )
        for column in ("进度判断", "预计达标日期")
    }
)
"""The table's cells that state a judgement, in its colour (text, tint) from the palette:
按当前进度无法按期完成 in the "bad" colour wherever it is written (`ui.show_table(colours=…)`)."""
"""No value (ledger not imported) or a single snapshot (no pace yet)."""

SHORT_LABELS = {"volunteer_rate": "志愿者注册率"}
"""Titles shorter than the catalogue label (a catalogue alias), where space is short."""

_ORDER = {key: i for i, key in enumerate(METRICS)}


# ---------------------------------------------------------------- evaluating targets


@dataclass(frozen=True, eq=False)
class TargetStatus:
    """One target in scope, evaluated at the as-of date."""

    key: str
    label: str
    district: str
    """The district the target was set for; "" for a city-wide target."""
    evaluated_for: str
    """The district whose value is compared ("" = the city): a city-wide rate target shown for
    one district is judged on that district's value."""
    target: float
    due: date | None
    history: pd.DataFrame
    """(as_of, value) at every snapshot up to the as-of date, oldest first."""
    projection: Projection
    available: bool
    """False when the metric's ledger has not been imported (or the value cannot be computed)."""

    @property
    def name(self) -> str:
        """e.g. "南港区·问题整改率" (a city-wide target applied to a district says 全市目标)."""
        scope = self.district or ALL_DISTRICTS
        if self.evaluated_for and not self.district:
            scope = f"{self.evaluated_for}（全市目标）"
        return f"{scope}·{self.label}"

    @property
    def short_name(self) -> str:
        """As `name`, with the metric's short alias (SHORT_LABELS) where it has one."""
        return self.name.replace(self.label, SHORT_LABELS.get(self.key, self.label))

    @property
    def current(self) -> float:
        return self.projection.current

    @property
    def reached(self) -> bool:
        return self.available and not math.isnan(self.current) and self.projection.gap <= 0

    @property
    def status(self) -> str:
        """已达标 / 可按期完成 / 按当前进度无法按期完成 / 暂无数据."""
        if not self.available or math.isnan(self.current):
            return STATUS_NO_DATA
        if self.reached:
            return STATUS_REACHED
        if self.projection.on_track:
            return STATUS_ON_TRACK
        if math.isnan(self.projection.pace) and not self._past_due:
            return STATUS_NO_DATA  # one snapshot only: no pace to project yet
        return STATUS_BEHIND

    @property
    def _past_due(self) -> bool:
        last = self.history["as_of"].iloc[-1] if len(self.history) else None
        return self.due is not None and last is not None and last.date() > self.due

    @property
    def completion(self) -> float:
        """Current value in percent of the target (for lower-is-better: target ÷ current)."""
        current, target = self.current, self.target
        if math.isnan(current):
            return math.nan
        if METRICS[self.key].better == "lower":
            return 100.0 if current <= target else target / current * 100.0
        if target == 0:
            return 100.0 if current >= 0 else 0.0
        return current / target * 100.0

    @property
    def gap_text(self) -> str:
        """ "已达标", "尚差 2.4 个百分点", "尚差 320人", or "—" without data."""
        if math.isnan(self.current):
            return "—"
        if self.reached:
            return STATUS_REACHED
        return format_gap(self.key, self.target - self.current)

    @property
    def pace_text(self) -> str:
        """Change per week of the straight-line fit over every snapshot, written as a change is
        on the cards (`format_pace`): "每周 +0.6 个百分点", "每周 −9个", "—" without a pace."""
        return format_pace(self.key, self.projection.pace)

    @property
    def projected_text(self) -> str:
        """The projected date of reaching the target, or why there is none."""
        if self.status == STATUS_NO_DATA:
            return self.projection.message if self.available else "未导入相关台账"
        if self.reached:
            return STATUS_REACHED
        if self._past_due:
            return "已过完成时限"
        when = self.projection.projected_date
        if when is None:
            return STATUS_BEHIND
        return when.isoformat()


def targets_in_scope(targets: pd.DataFrame, district: str | None) -> pd.DataFrame:
    """The target rows that apply to the scope, with `evaluated_for` (the district judged).

    全市 (`district` None): every row, each judged on its own district (city-wide on the city).
    One district: its own rows, plus city-wide rows of non-additive metrics (rates, means) for
    which it has no target of its own, judged on the district.
    """
    cols = ["metric", "district", "target", "due", "evaluated_for"]
    if targets.empty:
        return pd.DataFrame(columns=cols)
    rows = targets.assign(
        metric=targets["metric"].astype("string").fillna("").astype(str),
        district=targets["district"].astype("string").str.strip().fillna(CITY).astype(str)
        if "district" in targets.columns
        else CITY,
    )
    rows = rows[rows["metric"].isin(list(METRICS))]
    if district is None:
        out = rows.assign(evaluated_for=rows["district"])
    else:
        own = rows[rows["district"] == district]
        city = rows[rows["district"] == CITY]
        city = city[~city["metric"].isin(set(own["metric"]))]
        city = city[[not METRICS[k].additive for k in city["metric"]]]
        out = pd.concat([own, city]).assign(evaluated_for=district)
    order = out["metric"].map(_ORDER)
    out = out.assign(_o=order, _city=out["district"] != CITY)
    out = out.sort_values(["_o", "_city", "district"], kind="stable")
    return out[cols].reset_index(drop=True)


def _due(value: object) -> date | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return pd.Timestamp(value).date()


def _project(history: pd.DataFrame, target: float, due: date | None, mdef: MetricDef) -> Projection:
    """`metrics.project_target`, with a flat history read as "no improvement".

    A flat series fits a slope of ±1e-15 rather than 0, and project_target then computes a date
    millions of years away and overflows.
    """
    try:
        return project_target(history, target, due, mdef.better)
    except OverflowError:
        current = float(history["value"].iloc[-1])
        sign = -1.0 if mdef.better == "lower" else 1.0
        return Projection(
            current, target, (target - current) * sign, 0.0, None, due, False,
            "按当前进度无法按期完成：近期指标没有改善",
        )  # fmt: skip


def value_lookup(table: pd.DataFrame) -> dict[tuple[str, str], float]:
    """A metric table (`dashboard.metric_table`) as {(district, metric): value}."""
    keys = zip(table["district"].tolist(), table["metric"].tolist(), strict=True)
    return dict(zip(keys, table["value"].astype("float64").tolist(), strict=True))


Lookup = Callable[[SnapshotInfo], Mapping[tuple[str, str], float]]
"""A snapshot → its metrics as {(district, metric): value} (see `lookup_for`)."""


def metric_at(values: Mapping[tuple[str, str], float], key: str, district: str) -> float:
    """One value of a `value_lookup` ("" = the city). A metric table has no row for a district
    without rows: its count is 0, its rates and means unknown (NaN)."""
    hit = values.get((district, key))
    if hit is not None:
        return hit
    if METRICS[key].additive and (CITY, key) in values:
        return 0.0
    return math.nan


def lookup_for(table_for: TableFor) -> Lookup:
    """`value_lookup` of each snapshot's metric table, each built once per call of a view."""
    memo: dict[int, Mapping[tuple[str, str], float]] = {}

    def lookup(snap: SnapshotInfo) -> Mapping[tuple[str, str], float]:
        if snap.id not in memo:
            memo[snap.id] = value_lookup(table_for(snap))
        return memo[snap.id]

    return lookup


def evaluate_targets(
    led: Ledgers, table_for: TableFor, *, lookup: Lookup | None = None
) -> tuple[TargetStatus, ...]:
    """Every target in the sidebar's scope, evaluated on the snapshot history up to the as-of."""
    lookup = lookup or lookup_for(table_for)
    out: list[TargetStatus] = []
    rows = targets_in_scope(led.targets(), led.district)
    values: dict[str, list[tuple[pd.Timestamp, Mapping[tuple[str, str], float]]]] = {}
    for rec in rows.to_dict("records"):
        key = str(rec["metric"])
        mdef = METRICS[key]
        where = str(rec["evaluated_for"])
        if mdef.ledger not in values:
            values[mdef.ledger] = [
                (pd.Timestamp(s.as_of), lookup(s)) for s in led.history.get(mdef.ledger, ())
            ]
        points = [
            {"as_of": when, "value": metric_at(table, key, where)}
            for when, table in values[mdef.ledger]
        ]
        history = pd.DataFrame(points, columns=["as_of", "value"])
        history = history[history["value"].notna()].reset_index(drop=True)
        due = _due(rec["due"])
        target = float(rec["target"])
        projection = _project(history, target, due, mdef)
        out.append(
            TargetStatus(
                key=key,
                label=mdef.label,
                district=str(rec["district"]),
                evaluated_for="" if where == str(rec["district"]) else where,
                target=target,
                due=due,
                history=history,
                projection=projection,
                available=led.has(mdef.ledger) and not history.empty,
            )
        )
    return tuple(out)


def progress_frame(statuses: Sequence[TargetStatus]) -> pd.DataFrame:
    """The input of `charts.target_progress`: metric, district, current, target, on_track.

    Targets without a value are left out (nothing to draw)."""
    rows = [
        {
            "metric": s.key,
            "district": s.district or s.evaluated_for,
            "current": s.current,
            "target": s.target,
            "on_track": s.reached or s.projection.on_track,
        }
        for s in statuses
        if s.available and not math.isnan(s.current)
    ]
    return pd.DataFrame(rows, columns=["metric", "district", "current", "target", "on_track"])


_SERIES_ACTUAL, _SERIES_TARGET, _SERIES_PACE = "实际值", "目标值", "按当前进度推算"


def _trend_rows(s: TargetStatus) -> list[dict[str, object]]:
    if not s.available or s.history.empty:
        return []
    rows: list[dict[str, object]] = [
        {"name": s.short_name, "as_of": t, "value": float(v), "series": _SERIES_ACTUAL}
        for t, v in zip(s.history["as_of"], s.history["value"], strict=True)
    ]
    first, last = s.history["as_of"].iloc[0], s.history["as_of"].iloc[-1]
    end = pd.Timestamp(s.due) if s.due is not None and pd.Timestamp(s.due) > last else last
    if end == first:
        end = first + pd.Timedelta(days=7)
    rows += [
        {"name": s.short_name, "as_of": t, "value": s.target, "series": _SERIES_TARGET}
        for t in (first, end)
    ]
    pace = s.projection.pace
    if not s.reached and not math.isnan(pace) and end > last:
        weeks = (end - last).days / 7.0
        rows += [
            {"name": s.short_name, "as_of": last, "value": s.current, "series": _SERIES_PACE},
            {
                "name": s.short_name,
                "as_of": end,
                "value": s.current + pace * weeks,
                "series": _SERIES_PACE,
            },
        ]
    return rows


def trend_chart(
    statuses: Sequence[TargetStatus], *, columns: int = 3, width: int = 205
) -> alt.FacetChart | None:
    """Small multiples, one per target: the actual value at each snapshot, the target as a
    dashed line to its due date, and the current pace carried on to the due date.

    Built from the per-snapshot values only (a few points per target), configured in large type
    (ready to render). None without data.
    """
    rows = [r for s in statuses for r in _trend_rows(s)]
    if not rows:
        return None
    data = pd.DataFrame(rows)
    names = list(dict.fromkeys(data["name"]))
    domain = [_SERIES_ACTUAL, _SERIES_TARGET, _SERIES_PACE]
    encoding = {
        "x": alt.X("as_of:T", title=None, axis=alt.Axis(format="%m-%d", tickCount=4)),
        "y": alt.Y("value:Q", title=None, scale=alt.Scale(zero=False)),
        "color": alt.Color(
            "series:N",
            title="",
            scale=alt.Scale(domain=domain, range=[palette.NEUTRAL, palette.BLACK, palette.GREY]),
            legend=alt.Legend(symbolType="stroke", symbolStrokeWidth=3),
        ),
        "strokeDash": alt.StrokeDash(
            "series:N",
            title="",
            scale=alt.Scale(domain=domain, range=[[1, 0], [6, 4], [2, 3]]),
        ),
        "tooltip": [
            alt.Tooltip("name:N", title="目标"),
            alt.Tooltip("series:N", title=""),
            alt.Tooltip("as_of:T", title="日期", format="%Y-%m-%d"),
            alt.Tooltip("value:Q", title="数值", format=",.2f"),
        ],
    }
    actual = alt.datum.series == _SERIES_ACTUAL
    base = alt.layer(
        alt.Chart()
        .transform_filter(actual)
        .mark_line(point=alt.OverlayMarkDef(size=40), strokeWidth=3)
        .encode(**encoding),
        alt.Chart().transform_filter(~actual).mark_line(strokeWidth=2).encode(**encoding),
        data=data,
    ).properties(width=width, height=140)
    facet = base.facet(
        facet=alt.Facet(
            "name:N",
            sort=names,
            title=None,
            header=alt.Header(labelFontSize=17, labelLimit=width + 40),
        ),
        columns=columns,
    ).resolve_scale(y="independent", x="independent")
    return configure(facet, style="large")


# ---------------------------------------------------------------- the view


@dataclass(frozen=True, eq=False)
class TargetsView:
    """Everything the 目标进度 page shows for one scope and as-of date."""

    scope: str
    as_of: date | None
    targets_as_of: date | None
    """The as-of date of the targets snapshot in force (None: no targets imported)."""
    targets_snapshot_id: int | None
    editable: bool
    """True when the targets in force are the current ones (or there are none): saving an edit
    of older targets would silently undo the newer ones."""
    statuses: tuple[TargetStatus, ...]
    table: pd.DataFrame
    """One row per target, display headers (完成度 is a number for a progress column)."""
    progress: pd.DataFrame
    """Input of `charts.target_progress`."""
    trend: alt.FacetChart | None
    counts: dict[str, int]
    """Targets per status (已达标, 可按期完成, 按当前进度无法按期完成, 暂无数据)."""
    scope_note: str
    """Why some targets are not listed for a district scope ("" for 全市)."""
    editor: pd.DataFrame
    """Every stored target (not only the scope's) in the editor's columns."""
    metric_options: tuple[str, ...]
    district_options: tuple[str, ...]
    district_names: tuple[str, ...]

    @property
    def count_cards(self) -> tuple[tuple[str, str, str | None, Literal["red", "gray"]], ...]:
        """The counts as cards: (label, value, note, colour). Targets that will not be met at
        the current pace weigh more than the others: a red label and a red note."""
        cards: list[tuple[str, str, str | None, Literal["red", "gray"]]] = []
        for status, count in self.counts.items():
            value = numbers.number(count, 0, "项")
            if status == STATUS_BEHIND and count:
                cards.append((f":red[**{status}**]", value, "需加快进度", "red"))
            else:
                cards.append((status, value, None, "gray"))
        return tuple(cards)

    @property
    def editor_key(self) -> str:
        """The editor's widget key, new with each targets snapshot: after a save the editor
        starts again from the stored table instead of replaying the edits just saved."""
        return f"{EDITOR_KEY}_{self.targets_snapshot_id or 0}"


def _table(statuses: Sequence[TargetStatus]) -> pd.DataFrame:
    rows = [
        {
            "目标": s.name,
            "当前值": format_value(s.key, s.current) if s.available else "未导入",
            "目标值": format_value(s.key, s.target),
            "完成度": round(s.completion, 1) if not math.isnan(s.completion) else None,
            "差距": s.gap_text,
            "近期趋势": s.pace_text,
            "完成时限": s.due.isoformat() if s.due else "未设定",
            "预计达标日期": s.projected_text,
            "进度判断": s.status,
        }
        for s in statuses
    ]
    cols = ["目标", "当前值", "目标值", "完成度", "差距", "近期趋势", "完成时限",
            "预计达标日期", "进度判断"]  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


def _scope_note(led: Ledgers) -> str:
    if led.district is None:
        return ""
    targets = targets_in_scope(led.targets(), None)
    city_counts = [
        METRICS[k].label
        for k, d in zip(targets["metric"], targets["district"], strict=True)
        if d == CITY and METRICS[k].additive
    ]
    if not city_counts:
        return ""
    return (
        f"全市数量类目标（{'、'.join(dict.fromkeys(city_counts))}）不按区县分解，"
        "选择『全市』可查看。"
    )


def build_targets_view(led: Ledgers, table_for: TableFor) -> TargetsView:
    """The 目标进度 page for the ledgers in force (works without a targets snapshot too).

    Kept by `led.cached` (the app passes `ui.metrics_for` as `table_for`, always the same).
    """
    return led.cached("targets_view", lambda: _targets_view(led, table_for))


def _targets_view(led: Ledgers, table_for: TableFor) -> TargetsView:
    statuses = evaluate_targets(led, table_for)
    counts = {k: sum(s.status == k for s in statuses) for k in STATUSES}
    names = led.districts.names if led.districts is not None else ()
    snap = led.snapshots.get("targets")
    return TargetsView(
        scope=led.scope_label,
        as_of=led.as_of,
        targets_as_of=led.kind_as_of("targets"),
        targets_snapshot_id=snap.id if snap else None,
        editable=snap is None or snap.is_current,
        statuses=statuses,
        table=_table(statuses),
        progress=progress_frame(statuses),
        trend=trend_chart(statuses),
        counts=counts,
        scope_note=_scope_note(led),
        editor=editor_frame(led.frame("targets")),
        metric_options=tuple(m.label for m in METRICS.values()),
        district_options=(ALL_DISTRICTS, *names),
        district_names=tuple(names),
    )


# ---------------------------------------------------------------- editing and saving


def editor_frame(targets: pd.DataFrame) -> pd.DataFrame:
    """Stored targets as the editor shows them: 指标 (Chinese label), 区县 (全市 or a name),
    目标值, 完成时限 (a date or None), in catalogue order."""
    cols = list(EDITOR_COLUMNS.values())
    if targets.empty:
        return pd.DataFrame(
            {c: pd.Series(dtype="float64" if c == "目标值" else "object") for c in cols}
        )
    rows = targets_in_scope(targets, None)
    due = pd.to_datetime(rows["due"], errors="coerce")
    return pd.DataFrame(
        {
            "指标": [METRICS[k].label for k in rows["metric"]],
            "区县": rows["district"].replace(CITY, ALL_DISTRICTS).tolist(),
            "目标值": rows["target"].astype("float64").to_numpy(),
            "完成时限": [None if pd.isna(d) else d.date() for d in due],
        },
        columns=cols,
    )


@dataclass(frozen=True, eq=False)
class TargetEdit:
    """The edited targets table checked: `errors` (Chinese, one per problem) or a result to commit.

    `data` is the canonical CSV of the table (the snapshot's bytes: identical tables are
    recognised as duplicates); `unchanged` says the table equals the targets in force.
    """

    errors: tuple[str, ...]
    result: IngestResult | None
    data: bytes
    unchanged: bool

    @property
    def ok(self) -> bool:
        return not self.errors and self.result is not None


def _blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def canonical_csv(rows: pd.DataFrame) -> bytes:
    """Targets (metric key, district "", target, due) as CSV in catalogue order: the same table
    always gives the same bytes, whatever order or spelling the rows were edited in."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["metric", "district", "target", "due"])
    scoped = targets_in_scope(rows, None)
    for rec in scoped.to_dict("records"):
        due = _due(rec["due"])
        writer.writerow(
            [
                rec["metric"],
                rec["district"],
                repr(float(rec["target"])),
                due.isoformat() if due else "",
            ]
        )
    return out.getvalue().encode("utf-8")


def _editor_table(edited: pd.DataFrame) -> RawTable:
    """The editor's table as a read targets file: its column headers, one row per filled row,
    numbered as the editor shows them (rows left entirely blank are ignored)."""
    numbered = edited.set_axis(range(1, len(edited) + 1))
    filled = numbered[~numbered.map(_blank).all(axis=1)] if len(numbered) else numbered
    body = filled.set_axis(range(len(edited.columns)), axis=1).astype(object)
    return RawTable(
        file_format="editor",
        sheet=None,
        sheets=(),
        header_row=0,  # the editor's header sits above its row 1
        header_rows=1,
        headers=tuple(str(c) for c in edited.columns),
        body=body,
        kind_scores={},
        as_of=None,
        title=None,
        skipped=(),
    )


def parse_target_edits(
    edited: pd.DataFrame,
    *,
    districts: Sequence[str] | DistrictTable,
    current: pd.DataFrame | None = None,
    as_of: date | None = None,
    file_name: str = "目标任务（页面编辑）.csv",
) -> TargetEdit:
    """Check the editor's table and build the 目标任务 snapshot to commit.

    The table goes through the same ingest and schema as an uploaded targets file (so the same
    rows pass or fail both ways, with the same messages, e.g. "第 3 行『目标值』为 九十，不是数字，
    …"); rows are numbered as the editor shows them and rows left entirely blank are ignored. A
    rate's target is in percent (90 means 90 %).
    """
    table = (
        districts
        if isinstance(districts, DistrictTable)
        else DistrictTable(tuple(District(name) for name in districts))
    )
    raw = _editor_table(edited)
    if raw.body.empty:  # every row deleted: the store refuses the empty table (MSG_NO_TARGETS)
        rows = pd.DataFrame(columns=[*TARGETS.field_names, SOURCE_ROW])
        read = IngestResult("targets", None, 1, 0, rows, [], {}, as_of, file_name)
    else:
        read = ingest_table(raw, kind="targets", districts=table, file_name=file_name)
    errors = tuple(p.message for p in read.problems if p.severity == "error")
    if errors:
        return TargetEdit(errors, None, b"", False)
    data = canonical_csv(read.rows)
    unchanged = current is not None and data == canonical_csv(current)
    ordered = targets_in_scope(read.rows, None).drop(columns="evaluated_for")
    ordered[SOURCE_ROW] = np.arange(1, len(ordered) + 1, dtype="int64")
    result = replace(
        read,
        header_row=1,
        rows=ordered.reset_index(drop=True),
        as_of=as_of,
        sha256=hashlib.sha256(data).hexdigest(),
    )
    return TargetEdit((), result, data, unchanged)


def save_target_edit(
    store: Store,
    edit: TargetEdit,
    *,
    committed_by: str,
    as_of: date,
    allow_shrink: bool = False,
) -> str:
    """Commit a checked edit as the current 目标任务 snapshot; the confirmation to show.

    The same table saved before is not stored twice (the store knows its bytes): the version
    saved then becomes the current one again, so undoing an edit by typing the old values back
    works as the user expects. The store's commit rules apply: an empty table raises
    `CommitRefusedError` (said in the editor's words), and removing every target of a district or
    more than the allowed share of the targets raises `ShrinkHeldError` unless `allow_shrink`
    (the user confirmed what it said).
    """
    if not edit.ok or edit.result is None:
        raise ValueError("目标任务有错误，未保存：" + "；".join(edit.errors))
    try:
        outcome = store.commit(
            edit.result,
            edit.data,
            committed_by=committed_by,
            as_of=as_of,
            allow_shrink=allow_shrink,
        )
    except ShrinkHeldError:
        raise
    except CommitRefusedError as exc:  # an empty table: the store audited it, speaking of files
        raise CommitRefusedError(MSG_NO_TARGETS) from exc
    if outcome.created:
        return f"目标任务已保存。{outcome.message}"
    snap = outcome.snapshot
    if not snap.is_current:
        store.set_current(snap.id, actor=committed_by)
    return (
        f"目标任务已保存：与 {snap.as_of:%Y-%m-%d} 保存的版本（快照 #{snap.id}）完全相同，"
        "已恢复该版本为当前目标任务。"
    )
