"""测评结果 page: where the city loses points in the 测评, as one frozen `AssessmentsView`.

`build_assessments_view(led, rows)` merges the rounds of every assessments snapshot up to the
as-of date in force (`metrics.assessments.merge_rounds`: a monthly upload of one round adds it,
a corrected re-upload of a round replaces it) and turns them into the headline (the latest
round's 测评得分率, its change against the previous round, 失分 and 失分项数), the district
ranking with its 红黑榜, the trend per round, the 失分项 Pareto, repeat losses (the same item lost
at the same 点位 round after round), rankings by street, responsible unit and 点位类型, and the
map (districts coloured by 得分率, one marker per 点位).

The page, the 周例会 slide (`civdash.meeting`) and the 通报 section (`civdash.briefing`) are all
written from this object, so they show the same figures; every figure is one of
`civdash.metrics.assessments` on the same rows.

The sidebar's district narrows everything but the district ranking and the map's colours,
which compare every district (the chosen one marked), as the 地图 page does. Free text
(点位, 失分原因) is masked: assessors quote complaints' phone numbers too.

>>> view = build_assessments_view(led, lambda sid: store.load(sid))   # doctest: +SKIP
>>> view.headlines[0].value_text                                      # doctest: +SKIP
'87.6%'
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cached_property
from typing import Any, Literal

import altair as alt
import folium
import pandas as pd

from civdash import palette
from civdash.accounts import ROLES, Account
from civdash.charts import (
    ASSESSMENT_GROUPS,
    ASSESSMENT_LISTS,
    CITY_SERIES,
    Chart,
    assessment_ranking_chart,
    assessment_trend,
    loss_pareto_chart,
)
from civdash.config import DEFAULT_SETTINGS, Settings
from civdash.dashboard import Change, Ledgers, narrow, shown_rows
from civdash.districts import DistrictTable
from civdash.exports import to_csv_bytes, to_excel_bytes
from civdash.maps.assessments import assessment_map, assessment_points, located
from civdash.metrics import METRICS, format_value
from civdash.metrics.assessments import (
    AssessmentListRule,
    assessment_ranking,
    loss_pareto,
    merge_rounds,
    previous_round,
    repeat_losses,
    round_rows,
    round_summary,
    rounds,
)
from civdash.names import CHOSEN_MARK, district_labels, short_names
from civdash.numbers import ARROWS, FLAT
from civdash.permissions import allowed
from civdash.privacy import mask_free_text
from civdash.views.common import BAR_STEP, Headline, Target, cn_date, headline, scope_target

__all__ = [
    "HEADLINE_METRICS",
    "KIND",
    "PARETO_TOP",
    "RANKING_BY",
    "AssessmentsView",
    "assessments_view",
    "build_assessments_view",
    "empty_message",
    "missing_text",
    "rounds_in_force",
]

KIND = "assessments"
HEADLINE_METRICS = ("assessment_score_rate", "points_lost", "failed_items")
"""The headline: the score rate (the biggest number), then points lost and items that lost."""
RATE = HEADLINE_METRICS[0]
RATE_DECIMALS = METRICS[RATE].decimals
"""得分率 is written with the catalogue's precision everywhere: cards, tables, charts, slides."""
PARETO_TOP = 10
"""测评项目 the Pareto chart shows (its table and the downloads have them all)."""
RANKING_BY: Mapping[str, str] = {
    k: v for k, v in ASSESSMENT_GROUPS.items() if k in ("street", "responsible_unit", "point_type")
}
"""What the page ranks the scope by besides districts: street, responsible unit, 点位类型."""

RowsOf = Callable[[int], pd.DataFrame]
"""A snapshot id → its rows as pages show them, every district (masked: the app passes
`ui.state.district_rows(id, "assessments", None)`, a notebook `shown_rows(store.load(id), …)`)."""


# ---------------------------------------------------------------- rows in force


def rounds_in_force(led: Ledgers, rows: RowsOf) -> pd.DataFrame | None:
    """Every round of every assessments snapshot up to the one in force (`led.history`), each
    round from the latest snapshot holding it (`merge_rounds`), every district; None when no
    assessments have been imported."""
    snaps = led.history.get(KIND, ())
    if not snaps:
        return None
    in_force = led.snapshots[KIND]
    return merge_rounds([(s.as_of, s.id, rows(s.id)) for s in snaps], prefer=in_force.id)


def _someone(role: str) -> Account:
    """An active account of `role` (to ask the permission table what the role may do)."""
    return Account("", role, None, True, True, None, datetime.min, None)


def empty_message() -> str:
    """What the page says when no 测评 results have been imported, naming who may import them."""
    roles = [ROLES[r] for r in ROLES if allowed(_someone(r), "upload_city")]
    return (
        "还没有导入测评结果。第三方模拟测评报告（每个点位、每个测评项目的分值和得分或失分）"
        f"由{'、'.join(roles)}在『数据导入』页上传，每轮一份；上传后本页显示得分率、"
        "各区县排名、失分项和反复失分的点位。"
    )


def missing_text(led: Ledgers) -> str:
    """What the page says when it has nothing to show for the ledgers in force: nothing
    imported yet (`empty_message`), nothing as early as the chosen as-of date, or nothing in
    the chosen district."""
    if led.has(KIND):
        return f"{led.scope_label}在已导入的测评结果中没有数据。"
    dated = [s.as_of for s in led.stored if s.kind == KIND]
    if dated and led.as_of is not None:
        return (
            f"截至{cn_date(led.as_of)}还没有测评结果：最早一轮测评结果截至{cn_date(min(dated))}，"
            "请在侧栏选择更晚的截至日期。"
        )
    return empty_message()


# ---------------------------------------------------------------- the view


def _float(value: object) -> float:
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
    return out


def _day(value: object) -> date | None:
    if value is None or value is pd.NaT:
        return None
    try:
        stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if pd.isna(stamp) else stamp.date()


def _e(text: object) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def _points(value: float) -> str:
    """Points as the cards write them (the catalogue's 失分: "12.50分")."""
    return format_value("points_lost", value)


def _bounds(table: DistrictTable | None, name: str | None) -> list[list[float]] | None:
    """[[south, west], [north, east]] of a district's boundary, or None."""
    if table is None or name is None:
        return None
    for d in table.districts:
        if d.name != name or not d.geometry:
            continue
        lats: list[float] = []
        lons: list[float] = []
        stack: list[Any] = [d.geometry.get("coordinates", [])]
        while stack:
            item = stack.pop()
            if item and isinstance(item[0], int | float):
                lons.append(float(item[0]))
                lats.append(float(item[1]))
            else:
                stack.extend(item or ())
        if lats:
            return [[min(lats), min(lons)], [max(lats), max(lons)]]
    return None


@dataclass(frozen=True, eq=False)
class AssessmentsView:
    """Everything the 测评结果 page, its 周例会 slide and its 通报 section show for one scope.

    `frame` is every round in scope, `city` every round of every district (the district
    ranking and the map's colours compare them all). Tables and charts are computed when
    first read, so a page showing one tab at a time pays only for that tab.
    """

    scope: str
    district: str | None
    as_of: date | None
    """The as-of date of the assessments snapshot in force."""
    frame: pd.DataFrame = field(repr=False)
    city: pd.DataFrame = field(repr=False)
    rule: AssessmentListRule = field(default_factory=AssessmentListRule)
    districts: DistrictTable | None = field(default=None, repr=False)
    target: Target | None = None
    settings: Settings = field(default=DEFAULT_SETTINGS, repr=False)

    # ------------------------------------------------------------ rounds

    @cached_property
    def rounds(self) -> tuple[str, ...]:
        """The rounds in scope, oldest first."""
        return tuple(rounds(self.frame))

    @property
    def round(self) -> str:
        """The latest round in scope (the headline's)."""
        return self.rounds[-1]

    @cached_property
    def previous_round(self) -> str | None:
        return previous_round(self.frame, self.round)

    @cached_property
    def city_round(self) -> str:
        """The latest round of the whole city (the district ranking's and the map's)."""
        return tuple(rounds(self.city))[-1]

    @cached_property
    def summary(self) -> pd.DataFrame:
        """`round_summary` of the scope: one row per round, oldest first."""
        return round_summary(self.frame)

    def _summary_row(self, name: str | None) -> Mapping[str, Any] | None:
        if name is None:
            return None
        hit = self.summary[self.summary["round"].astype(str) == name]
        return hit.iloc[0].to_dict() if len(hit) else None

    @property
    def current(self) -> Mapping[str, Any]:
        """The latest round's totals in scope (a `round_summary` row)."""
        row = self._summary_row(self.round)
        assert row is not None
        return row

    @property
    def previous(self) -> Mapping[str, Any] | None:
        """The previous round's totals in scope, None in a first round."""
        return self._summary_row(self.previous_round)

    @property
    def round_date(self) -> date | None:
        """The day the latest round started (its first 测评日期)."""
        return _day(self.current.get("assessed_on"))

    @property
    def round_text(self) -> str:
        """ "2026年11月模拟测评（2026年11月12日起测评）"."""
        when = f"（{cn_date(self.round_date)}起测评）" if self.round_date else ""
        return f"{self.round}{when}"

    @property
    def compared_text(self) -> str:
        """ "较2026年10月模拟测评" or "首轮测评，暂无上轮对比"."""
        return f"较{self.previous_round}" if self.previous_round else "首轮测评，暂无上轮对比"

    # ------------------------------------------------------------ headline

    def value(self, key: str, which: Literal["current", "previous"] = "current") -> float:
        """A headline metric of the latest (or previous) round in scope, as the summary has it."""
        column = {RATE: "score_rate", "points_lost": "points_lost", "failed_items": "failed_items"}
        row = self.current if which == "current" else self.previous
        return math.nan if row is None else _float(row[column[key]])

    def change(self, key: str) -> float | None:
        """The latest round's value minus the previous round's (None in a first round)."""
        if self.previous is None:
            return None
        return self.value(key) - self.value(key, "previous")

    @cached_property
    def headlines(self) -> tuple[Headline, ...]:
        """Cards: 测评得分率 (with the scope's target), 失分, 失分项数, each with its change
        against the previous round, coloured by the metric's better direction."""
        out = []
        prev_day = _day(self.previous.get("assessed_on")) if self.previous else None
        for key in HEADLINE_METRICS:
            mdef = METRICS[key]
            before = self.value(key, "previous") if self.previous is not None else None
            ch = Change(key, mdef.label, self.value(key), before, prev_day, mdef.unit)
            card = headline(ch, self.target if key == RATE else None)
            if self.previous_round is None:
                card = replace(
                    card,
                    delta_text="无上轮数据",
                    delta_color="gray",
                    delta_arrow="off",
                    compared_with="首轮测评",
                )
            else:
                card = replace(card, compared_with=self.compared_text)
            out.append(card)
        return tuple(out)

    @property
    def hero(self) -> Headline:
        """The 测评得分率 card: the biggest number on the page."""
        return self.headlines[0]

    def delta_line(self, card: Headline) -> str:
        """ "↑ +1.2 个百分点" (the arrow and the change), "无上轮数据" in a first round."""
        if self.previous_round is None:
            return card.delta_text
        arrow = ARROWS.get(card.delta_arrow, "")
        return f"{arrow} {card.delta_text}" if arrow else card.delta_text

    def hero_html(self) -> str:
        """The score rate as a block of large type for the meeting-room projector: scope,
        round, the rate, its change in the colour of its direction, the target; escaped."""
        h = self.hero
        color = palette.DELTA_COLORS[h.delta_color]
        lines = [
            f'<div style="font-size:clamp(1.2rem,1.5vw,1.7rem);font-weight:600">'
            f"{_e(h.label)} · {_e(self.scope)}</div>",
            f'<div style="font-size:clamp(1rem,1.2vw,1.35rem);color:{palette.MUTED_TEXT}">'
            f"{_e(self.round)}</div>",
            f'<div class="cd-assessment-rate" style="font-size:clamp(3.5rem,6vw,8.5rem);'
            f'font-weight:700;line-height:1.05;margin:0.2rem 0;white-space:nowrap">'
            f"{_e(h.value_text)}</div>",
            f'<div style="font-size:clamp(1.2rem,1.5vw,1.7rem)">'
            f'<span style="color:{color};font-weight:700">{_e(self.delta_line(h))}</span> '
            f'<span style="color:{palette.MUTED_TEXT}">{_e(h.compared_with)}</span></div>',
        ]
        if h.target_text:
            lines.append(
                f'<div style="font-size:clamp(1rem,1.2vw,1.35rem);margin-top:0.5rem">'
                f"{_e(h.target_text)}</div>"
            )
        return (
            '<div style="border:1px solid #d0d4dc;border-radius:0.75rem;padding:1rem 1.5rem">'
            + "".join(lines)
            + "</div>"
        )

    # ------------------------------------------------------------ trend

    @cached_property
    def trend(self) -> pd.DataFrame:
        """得分率 per round: 全市 (every round of the city), and the district in scope."""
        city = round_summary(self.city).assign(series=CITY_SERIES)
        parts = [city]
        if self.district is not None:
            parts.append(self.summary.assign(series=self.district))
        keep = ["round", "assessed_on", "series", "score_rate", "points_lost", "failed_items"]
        out = pd.concat([p[keep] for p in parts], ignore_index=True)
        order = {name: i for i, name in enumerate(rounds(self.city))}
        out["_order"] = out["round"].astype(str).map(order)
        return (
            out.sort_values(["_order", "series"], kind="stable")
            .drop(columns="_order")
            .reset_index(drop=True)
        )

    @cached_property
    def trend_chart(self) -> Chart:
        return assessment_trend(self.trend)

    # ------------------------------------------------------------ rankings

    @cached_property
    def district_ranking(self) -> pd.DataFrame:
        """`assessment_ranking` of every district in the city's latest round under `rule`."""
        return assessment_ranking(self.city, by="district", round=self.city_round, **self._rule())

    def _rule(self) -> dict[str, Any]:
        """`assessment_ranking`'s options for the view's 红黑榜 rule."""
        r = self.rule
        return {
            "rule": r.rule,
            "top_n": r.top_n,
            "bottom_n": r.bottom_n,
            "red_at": r.red_at,
            "black_below": r.black_below,
            "min_items": r.min_items,
            "settings": self.settings,
        }

    def ranking_of(self, by: str) -> pd.DataFrame:
        """`assessment_ranking` of the scope's latest round by `by` (street, responsible_unit,
        point_type; district gives `district_ranking`)."""
        if by == "district":
            return self.district_ranking
        return self._rankings(by)

    def _rankings(self, by: str) -> pd.DataFrame:
        cache = self.__dict__.setdefault("_ranking_cache", {})
        if by not in cache:
            cache[by] = assessment_ranking(self.frame, by=by, round=self.round, **self._rule())
        return cache[by]

    def ranking_table(self, by: str = "district") -> pd.DataFrame:
        """A ranking for display: 排名, the group, 得分率（%）, 较上轮（个百分点）, 失分（分）,
        失分项数, 测评项数, 榜单 (the chosen district marked ▶ in the district ranking)."""
        ranking = self.ranking_of(by)
        name = ASSESSMENT_GROUPS[by]
        groups = ranking[by].astype("string").fillna("未填写").tolist()
        if by == "district":  # a narrow column: short names, the chosen one marked
            groups = district_labels(groups, self.districts, chosen=self.district)
        return pd.DataFrame(
            {
                "排名": ranking["rank"].astype("Int64"),
                name: groups,
                "得分率（%）": pd.to_numeric(ranking["score_rate"], errors="coerce").round(
                    RATE_DECIMALS
                ),
                "较上轮（个百分点）": pd.to_numeric(
                    ranking["score_rate_change"], errors="coerce"
                ).round(RATE_DECIMALS),
                "失分（分）": pd.to_numeric(ranking["points_lost"], errors="coerce").round(2),
                "失分项数（项）": ranking["failed_items"].astype("Int64"),
                "测评项数（项）": ranking["items"].astype("Int64"),
                "榜单": ranking["list"].astype("string").fillna("").map(ASSESSMENT_LISTS),
            }
        ).reset_index(drop=True)

    def ranking_chart(self, by: str = "district") -> Chart:
        """`assessment_ranking_chart` of `ranking_of(by)` (districts by their short names)."""
        ranking = self.ranking_of(by)
        if by == "district":
            short = short_names(self.districts)
            ranking = ranking.assign(district=ranking["district"].map(lambda n: short.get(n, n)))
        # one readable bar per group, however many groups there are
        return assessment_ranking_chart(ranking, by=by).properties(height=alt.Step(BAR_STEP))

    @property
    def lists_note(self) -> str:
        return f"{self.city_round}各区县按得分率排名。规则：{self.rule.text}。"

    @property
    def ranking_note(self) -> str:
        """Where the chosen district stands ("▶ 南港区：第 5 名（共 7 个区县）"); "" for 全市."""
        if self.district is None:
            return ""
        r = self.district_ranking
        mine = r[r["district"].astype(str) == self.district]
        if mine.empty or pd.isna(mine["rank"].iloc[0]):
            return f"{self.district}在{self.city_round}中没有测评结果。"
        return (
            f"{CHOSEN_MARK}{self.district}：第 {int(mine['rank'].iloc[0])} 名（共 {len(r)} 个区县）"
        )

    def listed(self, which: Literal["red", "black"]) -> list[str]:
        """Districts on the red (or black) list of the latest round, best (worst) first."""
        r = self.district_ranking
        rows = r[r["list"].astype("string").fillna("") == which]
        rows = rows.sort_values("rank", ascending=which == "red", kind="stable")
        return rows["district"].astype(str).tolist()

    def lowest(self, n: int, by: str = "district") -> pd.DataFrame:
        """The `n` groups with the lowest 得分率 (a `ranking_of(by)` slice, worst first)."""
        r = self.ranking_of(by)
        rated = r[pd.to_numeric(r["score_rate"], errors="coerce").notna()]
        return rated.sort_values("rank", ascending=False, kind="stable").head(n)

    # ------------------------------------------------------------ losses

    @cached_property
    def pareto(self) -> pd.DataFrame:
        """`loss_pareto` of the scope's latest round by 测评项目 (every item that lost points)."""
        return loss_pareto(self.frame, round=self.round, by="item", with_units=True)

    @cached_property
    def pareto_table(self) -> pd.DataFrame:
        """The Pareto for display: 测评项目, 指标编号, 失分（分）, 失分项数, 占比, 累计占比 and
        the responsible units that lost the points (most first)."""
        p = self.pareto
        code = (
            p["item_code"].astype("string").fillna("")
            if "item_code" in p.columns
            else pd.Series("", index=p.index, dtype="string")
        )
        return pd.DataFrame(
            {
                "测评项目": p["item"].astype("string"),
                "指标编号": code,
                "失分（分）": pd.to_numeric(p["points_lost"], errors="coerce").round(2),
                "失分项数（项）": p["failed_items"].astype("Int64"),
                "占全部失分（%）": pd.to_numeric(p["share"], errors="coerce").round(1),
                "累计占比（%）": pd.to_numeric(p["cumulative_share"], errors="coerce").round(1),
                "责任单位": p["responsible_units"].astype("string"),
            }
        ).reset_index(drop=True)

    @cached_property
    def pareto_chart(self) -> Chart:
        chart = loss_pareto_chart(self.pareto, by="item", top=PARETO_TOP)
        return chart.properties(height=alt.Step(BAR_STEP))

    @property
    def pareto_note(self) -> str:
        """How concentrated the losses are, in a sentence."""
        p = self.pareto
        if p.empty:
            return f"{self.round}没有失分项。"
        total = float(pd.to_numeric(p["points_lost"], errors="coerce").sum())
        cumulative = pd.to_numeric(p["cumulative_share"], errors="coerce")
        reach = int((cumulative < 80).sum()) + 1
        reach = min(reach, len(p))
        return (
            f"{self.round}共失分 {_points(total)}，涉及 {len(p):,} 个测评项目；"
            f"失分最多的 {reach} 个项目占全部失分的 {float(cumulative.iloc[reach - 1]):.1f}%。"
        )

    @cached_property
    def repeats(self) -> pd.DataFrame:
        """`repeat_losses` of the scope: the same item at the same 点位 lost in two or more
        consecutive rounds up to the latest."""
        return repeat_losses(self.frame)

    @cached_property
    def repeat_table(self) -> pd.DataFrame:
        """Repeat losses for display (the longest streaks first), free text masked."""
        r = self.repeats
        return pd.DataFrame(
            {
                "区县": r["district"].astype("string"),
                "街道/乡镇": r["street"].astype("string"),
                "测评点位": mask_free_text(r["location"].astype("string")),
                "测评项目": r["item"].astype("string"),
                "责任单位": r["responsible_unit"].astype("string"),
                "连续失分（轮）": r["rounds_lost"].astype("Int64"),
                "累计失分（分）": pd.to_numeric(r["points_lost"], errors="coerce").round(2),
                "最近失分原因": mask_free_text(r["description"].astype("string")),
            }
        ).reset_index(drop=True)

    @property
    def repeat_note(self) -> str:
        n = len(self.repeats)
        if n == 0:
            return "没有同一点位同一项目连续两轮及以上失分的情况。"
        longest = int(self.repeats["rounds_lost"].max())
        return f"共 {n:,} 处点位的同一项目连续两轮及以上失分，最长连续 {longest} 轮。"

    # ------------------------------------------------------------ the map

    @cached_property
    def points(self) -> pd.DataFrame:
        """One row per 测评点位 of the scope's latest round (`maps.assessments.assessment_points`)."""
        return assessment_points(round_rows(self.frame, self.round), self.repeats)

    @cached_property
    def points_unplaced(self) -> int:
        """点位 of the latest round without usable coordinates (not drawn on the map)."""
        return located(self.points)[1]

    @property
    def map_note(self) -> str:
        """What the map shows, and how many 点位 it could not place."""
        total = len(self.points)
        left = (
            f"，其中 {self.points_unplaced:,} 个没有坐标，未在地图上显示"
            if self.points_unplaced
            else ""
        )
        return (
            f"区县颜色：各区县{self.city_round}得分率；圆点：{self.round}的 {total:,} 个测评点位"
            f"{left}。"
        )

    def build_map(self, *, tiles: str | None = None, tile_token: str | None = None) -> folium.Map:
        """A new map (the app renders and renames a map's elements: never share one):
        districts coloured by the city's latest 得分率, the scope's 点位 on top, framed on the
        chosen district."""
        table = (
            self.districts if self.districts is not None and self.districts.has_geometry else None
        )
        return assessment_map(
            table,
            round_rows(self.city, self.city_round),
            self.points,
            as_of=self.as_of or date.today(),
            chosen=self.district,
            bounds=_bounds(table, self.district),
            settings=self.settings,
            tiles=tiles,
            tile_token=tile_token,
        )

    # ------------------------------------------------------------ words and files

    @property
    def summary_sentence(self) -> str:
        """The 通报's and the deck's sentence: "2026年11月模拟测评，全市测评得分率为89.99%，较上轮
        提高1.69个百分点；失分40.00分，失分项47项。"."""
        rate, lost, failed = (h.value_text for h in self.headlines)
        d = self.change(RATE)
        if d is None:
            how = "（首轮测评）"
        elif self.hero.delta_text == FLAT:
            how = "，与上轮持平"
        else:
            how = f"，较上轮{'提高' if d > 0 else '下降'}{abs(d):.{RATE_DECIMALS}f}个百分点"
        return f"{self.round}，{self.scope}测评得分率为{rate}{how}；失分{lost}，失分项{failed}。"

    def workbook(self) -> bytes:
        """Everything on the page as an Excel workbook (formula-safe, personal data masked):
        a 说明 sheet, the rankings, the Pareto, repeat losses and the latest round's rows."""
        sheets = {"区县排名": self.ranking_table("district")}
        for by, name in RANKING_BY.items():
            if by in self.frame.columns:
                sheets[f"{name.split('/')[0]}排名"] = self.ranking_table(by)
        sheets["失分项"] = self.pareto_table
        sheets["反复失分"] = self.repeat_table
        sheets["各轮得分率"] = self.trend.rename(
            columns={
                "round": "测评批次",
                "assessed_on": "测评日期",
                "series": "范围",
                "score_rate": "得分率（%）",
                "points_lost": "失分（分）",
                "failed_items": "失分项数（项）",
            }
        )
        sheets["本轮测评明细"] = self.round_rows()
        notes = [
            f"测评结果 · {self.scope}",
            self.round_text,
            self.summary_sentence,
            self.lists_note,
            self.pareto_note,
            self.repeat_note,
        ]
        return to_excel_bytes(sheets, kinds={"本轮测评明细": KIND}, notes=notes)

    def round_rows(self) -> pd.DataFrame:
        """The latest round's rows in scope (canonical columns)."""
        return round_rows(self.frame, self.round).reset_index(drop=True)

    def rows_csv(self) -> bytes:
        """The latest round's rows in scope as CSV (Chinese headers, formula-safe, masked)."""
        return to_csv_bytes(self.round_rows(), kind=KIND)

    @property
    def file_stem(self) -> str:
        day = self.round_date.isoformat() if self.round_date else "未注明日期"
        return f"{self.scope}测评结果_{day}"


def assessments_view(
    city: pd.DataFrame,
    *,
    district: str | None = None,
    as_of: date | None = None,
    districts: DistrictTable | None = None,
    rule: AssessmentListRule | None = None,
    target: Target | None = None,
    settings: Settings = DEFAULT_SETTINGS,
) -> AssessmentsView | None:
    """The view of `city` (every round of every district, as `rounds_in_force` merges them)
    for `district` (None = 全市); None when the scope holds no 测评 rows."""
    shown = shown_rows(city, KIND, None)
    frame = narrow(shown, KIND, district)
    if frame.empty or not rounds(frame):
        return None
    return AssessmentsView(
        scope=district or "全市",
        district=district,
        as_of=as_of,
        frame=frame,
        city=shown,
        rule=rule or AssessmentListRule.from_settings(settings),
        districts=districts,
        target=target,
        settings=settings,
    )


def build_assessments_view(
    led: Ledgers, rows: RowsOf, *, rule: AssessmentListRule | None = None
) -> AssessmentsView | None:
    """The 测评结果 page for the ledgers in force; None when no assessments are in scope.

    `rows` gives a snapshot's rows, every district (`RowsOf`); the sidebar's district narrows
    the view, its as-of date chose the snapshots (`led.history`)."""
    city = rounds_in_force(led, rows)
    if city is None:
        return None
    return assessments_view(
        city,
        district=led.district,
        as_of=led.kind_as_of(KIND),
        districts=led.districts,
        rule=rule or AssessmentListRule.from_settings(led.settings),
        target=scope_target(led.targets(), RATE, led.district),
        settings=led.settings,
    )
