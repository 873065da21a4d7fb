"""周例会: the weekly review meeting as a deck of slides, one message each.

`build_deck(led, table_for, loader)` turns the ledgers in force (the sidebar's district and as-of
date) into a frozen `Deck`: the meeting-mode page shows its slides on the projector, and
`civdash.briefing` writes the same content to the 通报 (.docx), the slide pack (.pptx) and the
workbook of underlying tables (.xlsx). Pure: no streamlit, every text already formatted and
masked, so every output says the same thing.

Slides, in meeting order: headline numbers with week-over-week change; the districts that did
not submit this week's ledgers on time (报送情况: the week whose deadline is on or before the as-of
date); targets at risk; issues new / closed / newly overdue this week; 红黑榜 with black-list
streaks; the district map coloured by 问题整改率; each lagging district's top overdue issues;
the latest 测评 round (得分率 and its change, the lowest districts, the items losing most points);
volunteers toward target. A slide whose ledger has not been imported is left out (the deck says
which ones in `missing`). The deck also says what the ledgers in force are made of: each
district's part (date, who) or a whole-city file (`Reporting.sources`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal, Protocol

import altair as alt
import pandas as pd

from civdash import palette
from civdash.charts import ASSESSMENT_GROUPS, Chart, configure, volunteer_registrations
from civdash.dashboard import CITY, Ledgers, Loader, shown_rows
from civdash.geo import wind_for_d3
from civdash.ledgers import REGISTRY, get_kind
from civdash.metrics import format_value
from civdash.names import short_name, short_names
from civdash.numbers import ARROWS, FLAT, MISSING, number
from civdash.numbers import change as signed
from civdash.store import LOCAL_TZ, SnapshotInfo
from civdash.submissions import (
    LATE,
    ON_TIME,
    Submission,
    city_file_districts,
    deadline_label,
    reporting_deadline,
    submission_kinds,
    submission_table,
    submissions,
)
from civdash.submissions import MISSING as NOT_SUBMITTED
from civdash.views.assessments import (
    RATE,
    RATE_DECIMALS,
    AssessmentsView,
    build_assessments_view,
)
from civdash.views.common import TableFor, cn_date, scope_target
from civdash.views.issues import CountsFor, ListRule, overdue_table, unit_lists
from civdash.views.overview import (
    CARD_METRICS,
    HERO_METRIC,
    Card,
    WeekChanges,
    build_overview_view,
)
from civdash.views.targets import STATUS_BEHIND, TargetStatus, lookup_for, metric_at
from civdash.views.volunteers import registration_target

__all__ = [
    "SLIDE_ROWS",
    "BigNumber",
    "Deck",
    "PartsSource",
    "Reporting",
    "Slide",
    "SlideTable",
    "Tone",
    "build_deck",
    "build_reporting",
]

Tone = Literal["good", "bad", "neutral"]

SLIDE_ROWS = 6
"""Most table rows on a slide: six rows of 24 px text fit a 1280×720 projector."""
LAGGING_DISTRICTS = 3
"""Most districts given a slide of their own overdue issues (the worst first)."""
ASSESSMENT_ROWS = 4
"""Rows of each table of the 测评 slide: under its three big numbers and beside its footnote,
four fit 1280×720 (the lowest districts then cover a black list of three)."""
ITEM_LIMIT = 12
"""Characters of a 测评项目 kept in the 测评 slide's table (two tables share its width)."""
TEXT_LIMIT = 20
"""Characters of free text (问题描述, 点位) kept on a slide; the workbook keeps them whole."""
CHART_HEIGHT = 400
"""Pixels of a slide's chart: fits under the title at 1280×720."""
CHART_WIDTH = 700
"""Pixels of a chart beside big numbers (two thirds of a 1280 px slide, less the axis)."""


@dataclass(frozen=True)
class BigNumber:
    """A number for the back row: label, value, change since a week earlier, and a note."""

    label: str
    value: str
    delta: str = ""
    """ "↑ +1.2 个百分点", "持平", "无上周数据" (arrows: `numbers.ARROWS`)."""
    tone: Tone = "neutral"
    """good: the change goes the metric's better way; bad: the other way."""
    note: str = ""
    """ "较11月15日 · 目标 85.0% · 尚差 3.1 个百分点"."""
    hero: bool = False


@dataclass(frozen=True, eq=False)
class SlideTable:
    """A small table: display headers, every cell already text (formatted and masked)."""

    title: str
    frame: pd.DataFrame
    tones: tuple[Tone, ...] = ()
    """Per row: good (红榜), bad (黑榜 / 逾期) or neutral; empty for all neutral."""
    note: str = ""
    """e.g. "共 23 个，显示前 6 个"."""


@dataclass(frozen=True, eq=False)
class Slide:
    """One message: a title, the message in one sentence, and what backs it."""

    key: str
    """headline / submissions / targets / changes / lists / map / district:<name> / assessments /
    volunteers."""
    title: str
    message: str
    tone: Tone = "neutral"
    """Whether the message is good or bad news (colours the message)."""
    numbers: tuple[BigNumber, ...] = ()
    tables: tuple[SlideTable, ...] = ()
    chart: Chart | None = field(default=None, repr=False)
    """An Altair chart (aggregated data only), styled for the projector."""
    footnote: str = ""
    """A rule or source in small print, e.g. how the 红黑榜 is drawn up."""


class PartsSource(Protocol):
    """What the deck asks the store about how ledgers are made (`civdash.store.Store` is one):
    the parts an assembled city ledger is made of, and the districts a whole-city file holds."""

    def parts(self, snapshot_id: int) -> Mapping[str, SnapshotInfo]: ...

    def rows_by_district(self, snapshot_id: int) -> Mapping[str, int]: ...


@dataclass(frozen=True, eq=False)
class Reporting:
    """报送情况 of the week in view, and what the ledgers in force are made of: the 周例会's
    slide 未按时报送的区县 and the 通报's section 报送情况 are both written from it."""

    deadline: datetime
    """The week's deadline: the last one on or before the as-of date (Beijing time)."""
    districts: tuple[str, ...]
    """The districts judged: every district, or the one a district's deck is for."""
    late: tuple[Submission, ...]
    """Every ledger a district did not submit on time (迟报 or 未报送), ledger by ledger."""
    arrived: Mapping[tuple[str, str], SnapshotInfo]
    """(ledger kind, district) → the first file that came after the deadline, for each 迟报."""
    sources: tuple[str, ...] = ()
    """What the ledgers in force are made of, a sentence per group of ledgers made alike:
    "志愿者、问题整改台账由各区县报送汇总：城关区（11月15日，王芳）、…"."""
    table: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    """Every ledger and district of the week, on time or not (`submissions.submission_table`):
    the workbook's sheet 报送情况."""

    @property
    def on_time(self) -> bool:
        """Every district judged submitted every ledger on time."""
        return not self.late

    @property
    def deadline_text(self) -> str:
        """ "11月13日（周五）17:00"."""
        return deadline_label(self.deadline)

    @property
    def source_line(self) -> str:
        """ "数据来源：…。" ("" when unknown)."""
        return f"数据来源：{'；'.join(self.sources)}。" if self.sources else ""

    def missing_districts(self) -> list[str]:
        """Districts with a ledger not submitted at all, in district order."""
        names = {s.district for s in self.late if s.status == NOT_SUBMITTED}
        return [d for d in self.districts if d in names]

    def late_only_districts(self) -> list[str]:
        """Districts that submitted everything, some of it after the deadline."""
        names = {s.district for s in self.late} - set(self.missing_districts())
        return [d for d in self.districts if d in names]

    @property
    def message(self) -> str:
        """The slide's message: who is missing and who was late, or that all were on time."""
        if self.on_time:
            who = self.districts[0] if len(self.districts) == 1 else "各区县均"
            return f"{who}按时报送本周台账（截止{self.deadline_text}）。"
        groups = []
        if missing := self.missing_districts():
            groups.append(f"{'、'.join(missing)}未报送")
        if late := self.late_only_districts():
            groups.append(f"{'、'.join(late)}迟报")
        return f"截止{self.deadline_text}，{'；'.join(groups)}。"

    def arrival_text(self, sub: Submission) -> str:
        """ "11月14日 09:30，南港区填报员报送" for a 迟报 ("" otherwise); a whole-city file from the
        city office says so: "…，市创城办报送全市文件"."""
        snap = self.arrived.get((sub.kind, sub.district))
        if snap is None:
            return ""
        done = "报送" if snap.scope else "报送全市文件"
        return f"{_moment(snap.committed_at)}，{snap.committed_by or _UNSIGNED}{done}"

    def ledger_lines(self) -> list[str]:
        """The 通报's lines, ledgers with the same story in one: "问题整改台账：西山区未报送；
        南港区迟报（11月14日 09:30，南港区填报员报送）。"."""
        alike: dict[str, list[str]] = {}
        for kind in dict.fromkeys(s.kind for s in self.late):
            mine = [s for s in self.late if s.kind == kind]
            missing = [s.district for s in mine if s.status == NOT_SUBMITTED]
            parts = [f"{'、'.join(missing)}未报送"] if missing else []
            late: dict[str, list[str]] = {}
            for s in mine:
                if s.status == LATE:
                    late.setdefault(self.arrival_text(s), []).append(s.district)
            parts += [
                f"{'、'.join(names)}迟报" + (f"（{when}）" if when else "")
                for when, names in late.items()
            ]
            alike.setdefault("；".join(parts), []).append(REGISTRY[kind].label)
        return [f"{'、'.join(labels)}台账：{story}。" for story, labels in alike.items()]


@dataclass(frozen=True, eq=False)
class Deck:
    """The week's meeting for one scope (全市 or a district) at one as-of date."""

    scope: str
    as_of: date
    previous_as_of: date | None
    """The issues snapshot compared with (closest to seven days earlier); None in a first week."""
    slides: tuple[Slide, ...]
    summary: str
    """The 通报's summary paragraph, written from the numbers."""
    missing: tuple[str, ...]
    """Labels of the ledgers not imported (their slides are left out)."""
    tables: Mapping[str, pd.DataFrame] = field(repr=False)
    """The underlying tables, whole (sheet name → frame, display headers), for the workbook."""
    reporting: Reporting | None = None
    """Who submitted this week's ledgers, and what the ledgers in force are made of (None when
    there is no district table to judge by)."""
    assessments: AssessmentsView | None = field(default=None, repr=False)
    """The latest 测评 round in scope (the 测评 slide and the 通报's 测评失分情况 are written from
    it); None when no 测评 results have been imported."""

    @property
    def compared_text(self) -> str:
        """Which two dates the week-over-week changes compare, in words."""
        if self.previous_as_of is None:
            return f"截至{cn_date(self.as_of)}；首期数据，暂无上周对比"
        return f"对比{cn_date(self.previous_as_of)}与{cn_date(self.as_of)}"

    @property
    def title(self) -> str:
        return f"{self.scope}文明城市创建工作周例会"

    def slide(self, key: str) -> Slide | None:
        return next((s for s in self.slides if s.key == key), None)


# ---------------------------------------------------------------- helpers


def _tones(tone: Tone, rows: int) -> tuple[Tone, ...]:
    return (tone,) * rows


def _tone(color: str) -> Tone:
    return "good" if color == "green" else "bad" if color == "red" else "neutral"


def _arrowed(card: Card) -> str:
    h = card.headline
    if not h.compared_with:
        return "无上周数据"
    arrow = ARROWS.get(h.delta_arrow, "")
    return f"{arrow} {h.delta_text}" if arrow else h.delta_text


def _number(card: Card, *, hero: bool = False) -> BigNumber:
    h = card.headline
    note = card.target_text  # the slide says once which dates are compared
    return BigNumber(
        label=card.label,
        value=card.value_text,
        delta=_arrowed(card),
        tone=_tone(h.delta_color),
        note=note,
        hero=hero,
    )


def _short(text: object, limit: int = TEXT_LIMIT) -> str:
    s = "" if text is None or (isinstance(text, float) and math.isnan(text)) else str(text)
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _head(frame: pd.DataFrame, rows: int, measure: str) -> tuple[pd.DataFrame, str]:
    """The first `rows` rows, and "共 29 个，显示前 6 个" when some are left out."""
    note = f"共 {len(frame):,} {measure}，显示前 {rows} {measure}" if len(frame) > rows else ""
    return frame.head(rows).reset_index(drop=True), note


def _texts(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as text ("" for missing), so slides and documents show the same thing."""
    return frame.astype("string").fillna("").astype(object)


# ---------------------------------------------------------------- slides


def _headline_slide(cards: Sequence[Card], hero: Card | None, compared: str) -> Slide:
    numbers = ([_number(hero, hero=True)] if hero else []) + [_number(c) for c in cards]
    worse = [n.label for n in numbers if n.tone == "bad"]
    better = [n.label for n in numbers if n.tone == "good"]
    if not worse and not better:
        message = f"{compared}：各项指标与上周持平或暂无上周数据。"
        tone: Tone = "neutral"
    elif worse:
        message = f"{compared}：{'、'.join(worse)}变差，需重点关注。"
        tone = "bad"
    else:
        message = f"{compared}：{'、'.join(better)}好转，无指标变差。"
        tone = "good"
    return Slide("headline", "本周核心指标", message, tone, numbers=tuple(numbers))


def _projected(s: TargetStatus) -> str:
    text = s.projected_text
    try:
        return cn_date(date.fromisoformat(text))
    except ValueError:
        return text


def _targets_table(statuses: Sequence[TargetStatus], *, status: bool = False) -> pd.DataFrame:
    """目标, 当前值, 目标值, 差距, 完成时限, 预计达标 (and 状态 for the workbook)."""
    columns = ["目标", "当前值", "目标值", "差距", "完成时限", "预计达标"]
    rows = [
        {
            "目标": s.short_name,
            "当前值": format_value(s.key, s.current),
            "目标值": format_value(s.key, s.target),
            "差距": s.gap_text,
            "完成时限": cn_date(s.due) if s.due else "—",
            "预计达标": _projected(s),
            "状态": s.status,
        }
        for s in statuses
    ]
    return pd.DataFrame(rows, columns=[*columns, "状态"] if status else columns)


def _targets_slide(statuses: Sequence[TargetStatus]) -> Slide:
    at_risk = [s for s in statuses if s.status == STATUS_BEHIND]
    if not statuses:
        return Slide("targets", "目标风险", "尚未设定目标任务，可在『目标进度』页填写。")
    if not at_risk:
        message = f"全部 {len(statuses)} 项目标已达标或按当前进度可按期完成。"
        return Slide("targets", "目标风险", message, "good")
    table, note = _head(_targets_table(at_risk), SLIDE_ROWS, "项")
    message = (
        f"{len(at_risk)} 项目标按当前进度无法按期完成："
        f"{'、'.join(s.short_name for s in at_risk[:3])}{'等' if len(at_risk) > 3 else ''}。"
    )
    return Slide(
        "targets",
        "目标风险",
        message,
        "bad",
        tables=(
            SlideTable("按当前进度无法按期完成的目标", table, _tones("bad", len(table)), note),
        ),
    )


def _changes_slide(changes: WeekChanges) -> Slide:
    if changes.previous_as_of is None:
        return Slide(
            "changes",
            "本周问题变化",
            "首期问题整改台账，暂无上周对比：下周起显示新发现、已整改和新增逾期的问题。",
        )
    numbers = (
        BigNumber(
            "新增逾期",
            f"{changes.newly_overdue:,}个",
            tone="bad" if changes.newly_overdue else "good",
        ),
        BigNumber("新发现", f"{changes.new:,}个"),
        BigNumber("已整改", f"{changes.closed:,}个", tone="good" if changes.closed else "neutral"),
    )
    late = changes.table[changes.table["变化"] == "新增逾期"]
    late = late[["问题编号", "区县", "点位", "责任单位", "整改时限"]].copy()
    late["点位"] = late["点位"].map(_short)
    table, note = _head(late, SLIDE_ROWS, "个")
    net = changes.closed - changes.new
    trend = "积压减少" if net > 0 else "积压增加" if net < 0 else "积压持平"
    span = f"{cn_date(changes.previous_as_of)[5:]}至{cn_date(changes.as_of)[5:]}"
    message = (
        f"{span}：新发现 {changes.new:,} 个，已整改 {changes.closed:,} 个（{trend}），"
        f"新增逾期 {changes.newly_overdue:,} 个。"
    )
    tables = (
        (SlideTable("新增逾期问题", _texts(table), _tones("bad", len(table)), note),)
        if len(table)
        else ()
    )
    return Slide(
        "changes",
        "本周问题变化",
        message,
        "bad" if changes.newly_overdue or net < 0 else "good",
        numbers=numbers,
        tables=tables,
    )


_OVERDUE = ("问题编号", "区县", "点位", "问题描述", "责任单位", "整改时限", "逾期天数")

_SHEET_LIST_COLUMNS = {
    "rank": "排名",
    "unit": "责任单位",
    "list": "榜单",
    "close_rate": "整改率（%）",
    "issues": "问题数",
    "assessed": "纳入考核",
    "closed": "已整改",
    "open": "未整改",
    "overdue": "逾期",
    "black_streak": "连续上黑榜（周）",
}

_LIST_COLUMNS = {
    "rank": "排名",
    "unit": "责任单位",
    "close_rate": "整改率",
    "overdue": "逾期",
    "black_streak": "连续上黑榜",
}


def _list_table(lists: pd.DataFrame, which: str) -> pd.DataFrame:
    rows = lists[lists["list"] == which]
    if which == "黑榜":
        rows = rows.sort_values("rank", ascending=False, kind="stable")
    out = pd.DataFrame(
        {
            "排名": rows["rank"].astype("Int64").astype("string").fillna("—"),
            "责任单位": rows["unit"].astype("string"),
            "整改率": rows["close_rate"].map(lambda v: f"{v:.1f}%"),
            "逾期": rows["overdue"].map(lambda v: f"{int(v):,}个"),
        }
    )
    if which == "黑榜":
        out["连续上黑榜"] = rows["black_streak"].map(lambda v: f"{int(v)}周")
    return _texts(out.reset_index(drop=True))


def _lists_slide(lists: pd.DataFrame, rule: ListRule) -> Slide:
    red, black = _list_table(lists, "红榜"), _list_table(lists, "黑榜")
    streaks = lists[(lists["list"] == "黑榜") & (lists["black_streak"] >= 2)]
    streaks = streaks.sort_values("black_streak", ascending=False, kind="stable")
    if len(streaks):
        named = "、".join(
            f"{u}（连续{int(n)}周）"
            for u, n in zip(streaks["unit"], streaks["black_streak"], strict=True)
        )
        message = f"连续上黑榜：{named}。"
        tone: Tone = "bad"
    elif len(black):
        message = f"本周黑榜 {len(black)} 个单位，均为首次上榜。"
        tone = "bad"
    else:
        message = "本周无单位上黑榜。"
        tone = "good"
    red_table, red_note = _head(red, SLIDE_ROWS, "个")
    black_table, black_note = _head(black, SLIDE_ROWS, "个")
    return Slide(
        "lists",
        "红黑榜",
        message,
        tone,
        tables=(
            SlideTable("红榜", red_table, _tones("good", len(red_table)), red_note),
            SlideTable("黑榜", black_table, _tones("bad", len(black_table)), black_note),
        ),
        footnote=f"规则：{rule.text}",
    )


def district_rates(led: Ledgers, table_for: TableFor) -> pd.DataFrame:
    """问题整改率 and overdue issues of every district at the as-of date (all districts, also
    when the deck is for one: the map shows it among the others), lowest rate first."""
    snap = led.snapshots["issues"]
    lookup = lookup_for(table_for)(snap)
    names = led.districts.names if led.districts else ()
    rows = [
        {
            "district": n,
            "close_rate": metric_at(lookup, HERO_METRIC, n),
            "overdue": metric_at(lookup, "overdue_issues", n),
        }
        for n in names
    ]
    out = pd.DataFrame(rows, columns=["district", "close_rate", "overdue"])
    out["overdue"] = out["overdue"].fillna(0.0)
    return out.sort_values(["close_rate", "overdue"], ascending=[True, False], na_position="last")


def district_map_chart(led: Ledgers, rates: pd.DataFrame) -> alt.LayerChart | None:
    """The districts coloured by 问题整改率, each labelled with its name and rate (a static
    chart: it renders the same on the projector, in the slide pack and in the notice)."""
    table = led.districts
    if table is None or not table.has_geometry:
        return None
    geo = table.to_geojson()
    by_name = rates.set_index("district")["close_rate"].to_dict()
    features = []
    labels = []
    for f in geo.get("features", []):
        name = str((f.get("properties") or {}).get("name", ""))
        rate = by_name.get(name, math.nan)
        props = {
            "name": name,
            "rate": None if math.isnan(rate) else round(rate, 1),
            "chosen": name == led.district,
        }
        geometry = wind_for_d3(f.get("geometry") or {})
        features.append({"type": "Feature", "geometry": geometry, "properties": props})
        centre = _centre(f.get("geometry") or {})
        if centre:
            # a label inside a district's shape: the short name (civdash.names)
            short = short_name(name, (f.get("properties") or {}).get("aliases"))
            text = f"{short}\n{rate:.1f}%" if not math.isnan(rate) else f"{short}\n无数据"
            labels.append(
                {"lon": centre[0], "lat": centre[1], "label": text, "chosen": name == led.district}
            )
    shapes = (
        alt.Chart(alt.Data(values=features))
        .mark_geoshape(stroke="#333333")
        .encode(
            # a district meeting's own district stands out among the others
            strokeWidth=alt.condition("datum.properties.chosen", alt.value(6), alt.value(1.5)),
            color=alt.Color(
                "properties.rate:Q",
                title="问题整改率（%）",
                scale=alt.Scale(scheme="blues"),
                legend=alt.Legend(orient="right", format=".0f"),
            ),
        )
    )
    text = (
        alt.Chart(pd.DataFrame(labels, columns=["lon", "lat", "label", "chosen"]))
        .mark_text(
            fontSize=24,
            fontWeight="bold",
            lineBreak="\n",
            color=palette.BLACK,
            stroke="white",
            strokeWidth=4,
            strokeOpacity=0.9,
        )
        .encode(longitude="lon:Q", latitude="lat:Q", text="label:N")
    )
    text_top = text.mark_text(fontSize=24, fontWeight="bold", lineBreak="\n", color=palette.BLACK)
    return alt.LayerChart(
        layer=[shapes, text, text_top],
        projection=alt.Projection(type="mercator"),
        width=900,
        height=CHART_HEIGHT,
    )


def _centre(geometry: Mapping[str, Any]) -> tuple[float, float] | None:
    """A label point: the centre of the bounding box of the largest ring."""
    coords = geometry.get("coordinates") or []
    rings: list[list[Any]] = []
    if geometry.get("type") == "Polygon":
        rings = [coords[0]] if coords else []
    elif geometry.get("type") == "MultiPolygon":
        rings = [p[0] for p in coords if p]
    if not rings:
        return None
    ring = max(rings, key=len)
    lons = [float(p[0]) for p in ring]
    lats = [float(p[1]) for p in ring]
    return (min(lons) + max(lons)) / 2, (min(lats) + max(lats)) / 2


def _map_slide(led: Ledgers, rates: pd.DataFrame) -> Slide | None:
    chart = district_map_chart(led, rates)
    if chart is None:
        return None
    known = rates[rates["close_rate"].notna()]
    if known.empty:
        message = "各区县暂无问题整改数据。"
    else:
        low, high = known.iloc[0], known.iloc[-1]
        message = (
            f"整改率最低：{low['district']} {low['close_rate']:.1f}%；"
            f"最高：{high['district']} {high['close_rate']:.1f}%。"
        )
    if led.district and not known.empty:
        mine = known[known["district"] == led.district]
        if len(mine):
            place = int((known["district"] == led.district).to_numpy().nonzero()[0][0])
            message = (
                f"{led.district}整改率 {mine['close_rate'].iloc[0]:.1f}%，"
                f"在 {len(known)} 个区县中排第 {len(known) - place} 位。"
            )
    return Slide("map", "各区县问题整改率", message, chart=configure(chart, style="projector"))


def _overdue_rows(issues: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Every overdue issue, longest overdue first (the 问题整改 page's list, whole): 问题编号, 区县,
    点位, 问题描述, 责任单位, 整改时限, 逾期天数."""
    table, _ = overdue_table(issues, as_of, limit=None)
    return table.rename(columns={"具体点位": "点位"})[list(_OVERDUE)]


def _lagging(rates: pd.DataFrame, led: Ledgers, table_for: TableFor) -> list[str]:
    """Districts whose 问题整改率 is below the city's (or their target), worst first."""
    if led.district:
        return [led.district]
    lookup = lookup_for(table_for)(led.snapshots["issues"])
    city = metric_at(lookup, HERO_METRIC, CITY)
    out = []
    targets = led.targets()
    for row in rates.itertuples():
        rate = float(row.close_rate)
        if math.isnan(rate):
            continue
        target = scope_target(targets, HERO_METRIC, str(row.district))
        below = rate < city or (target is not None and not target.reached(rate))
        if below and row.overdue > 0:
            out.append(str(row.district))
    return out[:LAGGING_DISTRICTS]


def _district_slide(name: str, overdue: pd.DataFrame, rates: pd.DataFrame) -> Slide:
    mine = overdue[overdue["区县"] == name] if "区县" in overdue.columns else overdue
    rate = rates.loc[rates["district"] == name, "close_rate"]
    rate_text = (
        f"整改率 {rate.iloc[0]:.1f}%，" if len(rate) and not math.isnan(rate.iloc[0]) else ""
    )
    if mine.empty:
        return Slide(
            f"district:{name}", f"{name} · 逾期问题", f"{name}{rate_text}无逾期未整改问题。", "good"
        )
    shown = mine[["点位", "问题描述", "责任单位", "逾期天数"]].copy()
    for col in ("点位", "问题描述"):
        if col in shown.columns:
            shown[col] = shown[col].map(_short)
    shown["逾期天数"] = shown["逾期天数"].map(lambda d: f"{int(d)}天")
    table, note = _head(_texts(shown), SLIDE_ROWS, "个")
    units = mine["责任单位"].astype("string").value_counts()
    top = f"，最多的是{units.index[0]}（{int(units.iloc[0])}个）" if units.max() > 1 else ""
    message = f"{name}{rate_text}逾期未整改 {len(mine):,} 个{top}。"
    return Slide(
        f"district:{name}",
        f"{name} · 逾期最久的问题",
        message,
        "bad",
        tables=(
            SlideTable("逾期未整改问题（逾期最久的在前）", table, _tones("bad", len(table)), note),
        ),
    )


def _volunteers_slide(led: Ledgers, cards: Sequence[Card]) -> Slide:
    # two numbers beside the chart: more do not fit a 1280×720 projector at 64 px
    mine = [c for c in cards if c.headline.key in ("volunteer_rate", "star_volunteers")]
    numbers = tuple(_number(c) for c in mine)
    target, due, _ = registration_target(led)
    chart = volunteer_registrations(led.frame("volunteers"), target=target, due=due)
    chart = configure(
        chart.properties(width=CHART_WIDTH, height=CHART_HEIGHT - 60), style="projector"
    )
    rate = next((c for c in mine if c.headline.key == "volunteer_rate"), None)
    count = len(led.frame("volunteers"))
    if rate is not None and rate.target_text:
        message = f"志愿者注册率 {rate.value_text}，{rate.target_text}。"
        tone: Tone = "good" if rate.headline.on_target else "bad"
    elif target is not None:
        gap = target - count
        message = f"注册志愿者 {count:,} 人，目标 {target:,.0f} 人，" + (
            "已达标。" if gap <= 0 else f"尚差 {gap:,.0f} 人。"
        )
        tone = "good" if gap <= 0 else "bad"
    else:
        message = f"注册志愿者 {count:,} 人（未设定注册目标）。"
        tone = "neutral"
    return Slide("volunteers", "志愿者队伍建设", message, tone, numbers=numbers, chart=chart)


def _list_tone(code: object) -> Tone:
    """A 测评 红黑榜 code as a row's tone: 红榜 good, 黑榜 bad."""
    return "good" if code == "red" else "bad" if code == "black" else "neutral"


def _assessments_slide(view: AssessmentsView) -> Slide:
    """测评得分与失分: the latest round's 得分率 (the biggest number), 失分 and 失分项数 with their
    change against the previous round; the lowest districts (a district's deck: its lowest
    streets) and the items losing most points, five of each; repeat losses in the message."""
    numbers = tuple(
        BigNumber(
            label=card.label,
            value=card.value_text,
            delta=view.delta_line(card),
            tone=_tone(card.delta_color),
            note=card.target_text if i == 0 else "",
            hero=i == 0,
        )
        for i, card in enumerate(view.headlines)
    )
    by = "district" if view.district is None else "street"
    group = ASSESSMENT_GROUPS[by]
    low = view.lowest(ASSESSMENT_ROWS, by)
    if by == "district":
        names = short_names(view.districts)
        groups = [names.get(str(n), str(n)) for n in low["district"]]
    else:
        groups = [_short(n, 8) for n in low[by]]
    lowest = pd.DataFrame(
        {
            "排名": low["rank"].astype("Int64").astype("string").fillna(MISSING),
            group: groups,
            "得分率": [format_value(RATE, float(v)) for v in low["score_rate"]],
            "较上轮": [
                MISSING if pd.isna(v) else signed(float(v), RATE_DECIMALS, short=True)
                for v in low["score_rate_change"]
            ],
        }
    )
    top = view.pareto.head(ASSESSMENT_ROWS)
    items = pd.DataFrame(
        {
            "测评项目": [_short(t, ITEM_LIMIT) for t in top["item"]],
            "失分": [format_value("points_lost", float(v)) for v in top["points_lost"]],
            "占比": [f"{float(v):.1f}%" for v in top["share"]],
        }
    )
    tones = tuple(_list_tone(c) for c in low["list"].astype("string").fillna(""))
    rate = view.hero
    repeats = len(view.repeats)
    parts = [f"得分率 {rate.value_text}，{_change_words(view)}"]
    parts.append(f"{repeats} 处点位同一项目连续失分" if repeats else "无连续失分点位")
    where = "区县" if by == "district" else "街道"
    return Slide(
        "assessments",
        f"测评得分与失分 · {view.round}",
        "；".join(parts) + "。",
        _tone(rate.delta_color),
        numbers=numbers,
        tables=(
            SlideTable(f"得分率最低的{where}", _texts(lowest), tones),
            SlideTable("失分最多的测评项目", _texts(items), _tones("bad", len(items))),
        ),
        footnote=f"红黑榜规则：{view.rule.text}",
    )


def _change_words(view: AssessmentsView) -> str:
    """ "较上轮提高 1.69 个百分点", "与上轮持平", "首轮测评"."""
    d = view.change(RATE)
    if d is None:
        return "首轮测评"
    if view.hero.delta_text == FLAT:
        return "与上轮持平"
    return f"较上轮{'提高' if d > 0 else '下降'} {abs(d):.{RATE_DECIMALS}f} 个百分点"


# ---------------------------------------------------------------- 报送情况

_REPORTING_TITLE = "未按时报送的区县"
_UNSIGNED = "未署名"


def _day(d: date) -> str:
    return f"{d.month}月{d.day}日"


def _moment(moment: datetime) -> str:
    """ "11月14日 09:30", Beijing time."""
    local = moment.astimezone(LOCAL_TZ)
    return f"{_day(local.date())} {local:%H:%M}"


def _ledger_kinds(led: Ledgers) -> list[str]:
    """The data ledgers in force, in the order the deck shows them."""
    return [k for k, _ in CARD_METRICS if k in led.snapshots]


def _city_districts(
    snaps: Sequence[SnapshotInfo], kinds: Sequence[str], since: datetime, store: PartsSource | None
) -> dict[int, set[str]]:
    """The districts each whole-city file of the week holds rows of (none asked without a
    store: a whole-city file then counts for every district)."""
    if store is None:
        return {}
    mine = [s for s in snaps if s.kind in kinds]
    return city_file_districts(mine, store.rows_by_district, since=since)


def _first_late(
    snaps: Sequence[SnapshotInfo], sub: Submission, city_districts: Mapping[int, set[str]]
) -> SnapshotInfo | None:
    """The first file of `sub`'s ledger and district after the deadline (nothing came in the
    week before it, or it would not be late)."""
    after = [
        s
        for s in snaps
        if s.kind == sub.kind
        and not s.assembled
        and s.committed_at > sub.deadline
        and (
            s.scope == sub.district
            if s.scope
            else sub.district in city_districts.get(s.id, {sub.district})
        )
    ]
    return min(after, key=lambda s: (s.committed_at, s.id), default=None)


def _made_of(
    snap: SnapshotInfo, district: str | None, store: PartsSource | None, order: Sequence[str]
) -> str:
    """How one ledger in force is made: "由各区县报送汇总（数据均截至11月15日）：城关区（王芳）、…",
    with each part's date when they differ, or "为全市文件（11月15日，市创城办）" (in a
    district's deck, its own part only)."""

    def who(s: SnapshotInfo) -> str:
        return s.committed_by or _UNSIGNED

    if not snap.assembled:
        return f"为全市文件（{_day(snap.as_of)}，{who(snap)}）"
    parts = dict(store.parts(snap.id)) if store is not None else {}
    if not parts:
        return f"由各区县报送汇总（数据截至{_day(snap.as_of)}）"
    if district is not None:
        part = parts.get(district)
        if part is None:
            return f"中暂无{district}的数据"
        source = "全市文件" if not part.scope else f"{district}报送"
        return f"为{source}（{_day(part.as_of)}，{who(part)}）"
    groups: dict[tuple[str, str, bool], list[str]] = {}
    rank = {name: i for i, name in enumerate(order)}
    for name in sorted(parts, key=lambda n: (rank.get(n, len(rank)), n)):
        part = parts[name]
        groups.setdefault((_day(part.as_of), who(part), not part.scope), []).append(name)
    days = {day for day, _, _ in groups}
    same_day = days.pop() if len(days) == 1 else None  # the usual week: said once
    listed = "、".join(
        f"{'、'.join(names)}（"
        + "，".join(x for x in ("全市文件" if city else "", "" if same_day else day, person) if x)
        + "）"
        for (day, person, city), names in groups.items()
    )
    if same_day:
        return f"由各区县报送汇总（数据均截至{same_day}）：{listed}"
    return f"由各区县报送汇总：{listed}"


def _sources(led: Ledgers, store: PartsSource | None) -> tuple[str, ...]:
    """What the ledgers in force are made of, ledgers made alike in one sentence:
    "志愿者、问题整改台账由各区县报送汇总（数据均截至11月15日）：…"."""
    alike: dict[str, list[str]] = {}
    order = led.districts.names if led.districts else ()
    for kind in _ledger_kinds(led):
        made = _made_of(led.snapshots[kind], led.district, store, order)
        alike.setdefault(made, []).append(get_kind(kind).label)
    return tuple(f"{'、'.join(labels)}台账{made}" for made, labels in alike.items())


def build_reporting(led: Ledgers, store: PartsSource | None = None) -> Reporting | None:
    """报送情况 for the week whose deadline is on or before the as-of date in view, over the
    ledgers in force (every district, or the one chosen), from every snapshot `led` was loaded
    with; None without a district table. `store` tells which districts a whole-city file holds
    and which parts an assembled ledger is made of (without it a whole-city file counts for
    every district and the parts are not named)."""
    kinds = [k for k in _ledger_kinds(led) if k in submission_kinds()]
    if led.districts is None or led.as_of is None or not led.stored or not kinds:
        return None
    districts = (led.district,) if led.district else tuple(led.districts.names)
    deadline = reporting_deadline(led.as_of, led.settings)
    held = _city_districts(led.stored, kinds, deadline - timedelta(days=7), store)
    subs = submissions(
        led.stored,
        districts,
        led.as_of,
        city_districts=held,
        settings=led.settings,
        kinds=kinds,
    )
    late = tuple(s for s in subs if s.status != ON_TIME)
    arrived = {
        (s.kind, s.district): first
        for s in late
        if s.status == LATE and (first := _first_late(led.stored, s, held)) is not None
    }
    table = submission_table(
        led.stored, districts, led.as_of, city_districts=held, settings=led.settings, kinds=kinds
    )
    return Reporting(deadline, districts, late, arrived, _sources(led, store), table)


def _reporting_slide(rep: Reporting) -> Slide:
    """未按时报送的区县: per district, the ledgers not submitted and those that came late (when,
    by whom); when everyone was on time, one line that says so."""
    if rep.on_time:
        return Slide("submissions", _REPORTING_TITLE, rep.message, "good")
    missing, late_only = rep.missing_districts(), rep.late_only_districts()
    rows: list[dict[str, str]] = []
    tones: list[Tone] = []
    for district in (*missing, *late_only):
        mine = [s for s in rep.late if s.district == district]
        late = [s for s in mine if s.status == LATE]
        arrivals = [
            rep.arrived[(s.kind, district)] for s in late if (s.kind, district) in rep.arrived
        ]
        last = max(arrivals, key=lambda s: s.committed_at, default=None)
        people = dict.fromkeys(_short(a.committed_by or _UNSIGNED, 10) for a in arrivals)
        labels = [get_kind(s.kind).label for s in mine if s.status == NOT_SUBMITTED]
        rows.append(
            {
                "区县": district,
                "未报送": "、".join(labels) or MISSING,
                "迟报": "、".join(get_kind(s.kind).label for s in late) or MISSING,
                "报送时间": _moment(last.committed_at) if last else MISSING,
                "报送人": "、".join(people) or MISSING,
            }
        )
        tones.append("bad" if district in missing else "neutral")
    table, note = _head(pd.DataFrame(rows), SLIDE_ROWS, "个")
    numbers: tuple[BigNumber, ...] = ()
    if len(rep.districts) > 1:
        on_time = len(rep.districts) - len(missing) - len(late_only)
        numbers = (
            BigNumber("按时报送", number(on_time, 0, "个区县"), tone="good"),
            BigNumber("迟报", number(len(late_only), 0, "个区县"), tone="bad"),
            BigNumber("未报送", number(len(missing), 0, "个区县"), tone="bad"),
        )
    return Slide(
        "submissions",
        _REPORTING_TITLE,
        rep.message,
        "bad",
        numbers=numbers,
        tables=(SlideTable("未按时报送的台账", table, tuple(tones[: len(table)]), note),),
        footnote=f"报送截止：{rep.deadline_text}",
    )


# ---------------------------------------------------------------- summary and tables


def _summary(
    scope: str,
    as_of: date,
    hero: Card | None,
    changes: WeekChanges | None,
    statuses: Sequence[TargetStatus],
    lists: pd.DataFrame | None,
    lagging: Sequence[str],
) -> str:
    parts = [f"截至{cn_date(as_of)}"]
    if hero is not None:
        change = ""
        if hero.headline.compared_with:
            change = f"，{hero.headline.compared_with}{hero.headline.delta_text}"
        parts.append(f"{scope}问题整改率为{hero.value_text}{change}")
    if changes is not None and changes.previous_as_of is not None:
        parts.append(
            f"本周新发现问题{changes.new:,}个、已整改{changes.closed:,}个、"
            f"新增逾期{changes.newly_overdue:,}个"
        )
    text = "，".join(parts) + "。"
    behind = [s.short_name for s in statuses if s.status == STATUS_BEHIND]
    if behind:
        text += f"按当前进度，{'、'.join(behind)}等{len(behind)}项目标无法按期完成。"
    elif statuses:
        text += "各项目标均已达标或可按期完成。"
    if lists is not None and len(lists):
        black = lists[lists["list"] == "黑榜"]
        if len(black):
            text += f"{'、'.join(black['unit'].astype(str))}列入本周黑榜"
            again = black[black["black_streak"] >= 2]
            if len(again):
                text += f"，其中{'、'.join(again['unit'].astype(str))}连续多周上榜"
            text += "。"
    if lagging and scope == "全市":
        text += f"{'、'.join(lagging)}整改进度落后，请相关区县和责任单位抓紧整改。"
    return text


def _overdue_by_unit(overdue: pd.DataFrame) -> pd.DataFrame:
    if overdue.empty:
        return pd.DataFrame(columns=["责任单位", "逾期问题数", "最长逾期天数"])
    g = overdue.groupby(overdue["责任单位"].astype("string").fillna("（未填写）"), sort=False)
    out = pd.DataFrame({"逾期问题数": g.size(), "最长逾期天数": g["逾期天数"].max()})
    out = out.sort_values(["逾期问题数", "最长逾期天数"], ascending=False, kind="stable")
    return out.reset_index(names="责任单位")


def _number_rows(slide: Slide | None) -> pd.DataFrame:
    rows = [
        {"指标": n.label, "本周": n.value, "较上周": n.delta, "说明": n.note}
        for n in (slide.numbers if slide else ())
    ]
    return pd.DataFrame(rows, columns=["指标", "本周", "较上周", "说明"])


# ---------------------------------------------------------------- the deck


def build_deck(
    led: Ledgers,
    table_for: TableFor,
    loader: Loader,
    *,
    rule: ListRule | None = None,
    store: PartsSource | None = None,
    counts_for: CountsFor | None = None,
) -> Deck | None:
    """The week's deck for the ledgers in force; None when nothing has been imported.

    `table_for` maps a snapshot to its metric table and `loader` a snapshot id to its rows (the
    app passes its cached `ui.metrics_for` / `ui.load_snapshot`). The 红黑榜 follows `rule`
    (default: the settings' list sizes). `store` (a `Store`) names the parts the ledgers in
    force are made of and the districts a whole-city file holds (`build_reporting`).
    `counts_for` gives the 红黑榜 of earlier weeks from their stored aggregates (`unit_lists`).
    """
    if not any(led.has(k) for k, _ in CARD_METRICS) or led.as_of is None:
        return None
    rule = rule or ListRule.from_settings(led.settings)
    view = build_overview_view(led, table_for, with_map=False)
    hero = view.hero.card if view.hero else None
    prev = led.previous.get("issues")
    previous_as_of = prev.as_of if prev else None
    compared = (
        f"对比{previous_as_of.month}月{previous_as_of.day}日"
        if previous_as_of
        else "首期数据、暂无上周对比"
    )
    slides: list[Slide] = [_headline_slide(view.cards, hero, compared)]
    reporting = build_reporting(led, store)
    if reporting is not None:  # right after the numbers: are they complete?
        slides.append(_reporting_slide(reporting))
    slides.append(_targets_slide(view.targets))
    tables: dict[str, pd.DataFrame] = {}
    lists: pd.DataFrame | None = None
    lagging: list[str] = []
    if led.has("issues") and view.changes is not None:
        issues_as_of = led.snapshots["issues"].as_of
        slides.append(_changes_slide(view.changes))
        lists = unit_lists(led, loader, rule, counts_for)
        slides.append(_lists_slide(lists, rule))
        rates = district_rates(led, table_for)
        map_slide = _map_slide(led, rates)
        if map_slide is not None:
            slides.append(map_slide)
        overdue = _overdue_rows(led.frame("issues"), issues_as_of)
        lagging = _lagging(rates, led, table_for)
        slides.extend(_district_slide(name, overdue, rates) for name in lagging)
        tables["本周变化"] = view.changes.table
        tables["红黑榜"] = lists.assign(
            close_rate=lists["close_rate"].round(1), list=lists["list"].replace("", "—")
        ).rename(columns=_SHEET_LIST_COLUMNS)
        tables["逾期问题（按责任单位）"] = _overdue_by_unit(overdue)
        tables["逾期问题明细"] = overdue
        tables["区县整改率"] = rates.rename(
            columns={"district": "区县", "close_rate": "问题整改率（%）", "overdue": "逾期问题数"}
        ).round(1)
    assessments = (
        build_assessments_view(led, lambda sid: shown_rows(loader(sid), "assessments", None))
        if led.has("assessments")
        else None
    )
    if assessments is not None:  # where points are lost, after the issues behind them
        slides.append(_assessments_slide(assessments))
        tables["测评区县排名"] = assessments.ranking_table("district")
        tables["测评失分项"] = assessments.pareto_table
        tables["反复失分点位"] = assessments.repeat_table
    if led.has("volunteers"):
        slides.append(_volunteers_slide(led, view.cards))
    tables = {
        "核心指标": _number_rows(slides[0]),
        "目标进度": _targets_table(view.targets, status=True),
        **tables,
        **({"报送情况": reporting.table} if reporting is not None else {}),
    }
    return Deck(
        scope=led.scope_label,
        as_of=led.as_of,
        previous_as_of=previous_as_of,
        slides=tuple(slides),
        summary=_summary(
            led.scope_label, led.as_of, hero, view.changes, view.targets, lists, lagging
        )
        + (assessments.summary_sentence if assessments is not None else ""),
        missing=tuple(get_kind(k).label for k, _ in CARD_METRICS if not led.has(k)),
        tables=tables,
        reporting=reporting,
        assessments=assessments,
    )
