"""志愿者 page: registrations, coverage of the population, stars, hours, teams and party members.

`build_volunteers_view(led, table_for)` returns one frozen `VolunteersView`. Everything is
aggregated in pandas/numpy before it reaches a chart or a table, so a 1,000,000-row ledger
becomes a few hundred chart rows: the team table is built with integer codes and `bincount`
rather than a string groupby. No personal data (name, phone, ID number) leaves this module.

Per-district rates and party shares come from the metric tables (`table_for`, cached per
snapshot by the app), so every district stays on the chart when the sidebar narrows the page to
one of them; that one is highlighted.

On party members: plans ask that ≥ 90 % of party members register as volunteers. That rate needs
the number of party members, which no ledger carries, so the page shows party volunteers and their
share of all volunteers and says so, rather than inventing a denominator.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Literal

import altair as alt
import numpy as np
import pandas as pd

from civdash import numbers, palette
from civdash.charts import Chart, hours_histogram, star_level_distribution, volunteer_registrations
from civdash.dashboard import CITY, Ledgers, metric_value
from civdash.metrics import MISSING_GROUP, compared_text, format_value
from civdash.names import short_names, shorten
from civdash.views.common import (
    BAR_STEP,
    Headline,
    TableFor,
    cn_date,
    headlines_for,
    scope_target,
    target_records,
)

__all__ = [
    "HEADLINE_METRICS",
    "PARTY_NOTE",
    "TEAM_CHART_SIZE",
    "TEAM_SORT_LABELS",
    "TEAM_TABLE_SIZE",
    "TeamSort",
    "VolunteersView",
    "build_volunteers_view",
    "registration_target",
]

HEADLINE_METRICS = ("volunteer_count", "volunteer_rate", "star_volunteers", "service_hours")
TEAM_TABLE_SIZE = 20
TEAM_CHART_SIZE = 10
TeamSort = Literal["volunteers", "hours"]
TEAM_SORT_LABELS: Mapping[TeamSort, str] = MappingProxyType(
    {"volunteers": "注册人数", "hours": "服务总时长"}
)

PARTY_NOTE = (
    "规划中的“党员注册志愿者比例 ≥ 90%”以党员总数为分母；台账中没有党员总数，"
    "这里显示党员志愿者人数及其占注册志愿者的比例。"
)

_TEAM_COLUMNS: Mapping[str, str] = MappingProxyType(
    {
        "team": "志愿服务队",
        "district": "主要所在区县",
        "volunteers": "注册人数",
        "hours": "服务总时长（小时）",
        "hours_per_volunteer": "人均时长（小时）",
        "star_volunteers": "星级志愿者",
        "party_volunteers": "党员志愿者",
    }
)


@dataclass(frozen=True)
class VolunteersView:
    """Everything the 志愿者 page shows for one scope and as-of date."""

    scope: str
    as_of: date | None
    previous_as_of: date | None
    headlines: tuple[Headline, ...]
    registrations_chart: Chart
    registration_target_text: str
    """How the target line was set ("" when there is no target for the scope)."""
    district_rates: pd.DataFrame | None
    """district, volunteers, population, rate, target, reached (None without population)."""
    district_rates_chart: Chart | None
    star_chart: Chart
    hours_chart: Chart
    teams: pd.DataFrame
    """Every team: team, district, volunteers, hours, hours_per_volunteer, star_volunteers,
    party_volunteers (a few thousand rows at most, not per volunteer)."""
    party: tuple[Headline, ...]
    """Party volunteers (with week-over-week and target) and their share of all volunteers."""
    party_by_district: pd.DataFrame
    """district, volunteers, party_volunteers, share (%)."""
    party_chart: Chart

    @property
    def team_count(self) -> int:
        return len(self.teams)

    def top_teams(self, by: TeamSort = "volunteers", n: int = TEAM_TABLE_SIZE) -> pd.DataFrame:
        """The `n` largest teams by registered volunteers or by service hours (display headers)."""
        other = "hours" if by == "volunteers" else "volunteers"
        top = self.teams.sort_values([by, other, "team"], ascending=[False, False, True])
        return top.head(n)[list(_TEAM_COLUMNS)].rename(columns=_TEAM_COLUMNS).reset_index(drop=True)

    def teams_caption(self, by: TeamSort = "volunteers", n: int = TEAM_TABLE_SIZE) -> str:
        """ "共 60 支服务队，表中为注册人数最多的 20 支。" """
        shown = min(n, self.team_count)
        return f"共 {self.team_count:,} 支服务队，表中为{TEAM_SORT_LABELS[by]}最多的 {shown} 支。"

    def teams_chart(self, by: TeamSort = "volunteers", n: int = TEAM_CHART_SIZE) -> alt.LayerChart:
        """Horizontal bars of the `n` largest teams by `by`."""
        top = self.top_teams(by, n)
        field = _TEAM_COLUMNS[by]
        data = pd.DataFrame({"team": top["志愿服务队"], "value": top[field].astype("float64")})
        order = data["team"].tolist()
        unit = "人" if by == "volunteers" else "小时"
        base = alt.Chart(data, title=alt.TitleParams(f"服务队排行（按{TEAM_SORT_LABELS[by]}）"))
        bars = base.mark_bar(color=palette.NEUTRAL).encode(
            y=alt.Y("team:N", sort=order, title=""),
            x=alt.X("value:Q", title=f"{TEAM_SORT_LABELS[by]}（{unit}）"),
            tooltip=[
                alt.Tooltip("team:N", title="志愿服务队"),
                alt.Tooltip("value:Q", title=TEAM_SORT_LABELS[by], format=",.0f"),
            ],
        )
        text = base.mark_text(align="left", dx=4).encode(
            y=alt.Y("team:N", sort=order),
            x=alt.X("value:Q"),
            text=alt.Text("value:Q", format=",.0f"),
        )
        return alt.LayerChart(layer=[bars, text]).properties(height=alt.Step(30))


# ---------------------------------------------------------------- helpers


def _codes(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Integer codes and their labels; blank cells become 未填写. Cleans only distinct values,
    so it costs one factorize on a million rows."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    labels = pd.Series(uniques, dtype="object").astype("string").str.strip().fillna("")
    labels = labels.mask(labels == "", MISSING_GROUP)
    merged, names = pd.factorize(pd.concat([labels, pd.Series([MISSING_GROUP])], ignore_index=True))
    lookup = merged[:-1]
    missing = merged[-1]
    out = np.where(codes >= 0, lookup[np.clip(codes, 0, None)] if len(lookup) else missing, missing)
    return out.astype(np.int64), [str(n) for n in names.to_numpy(dtype=object)]


def _hours(frame: pd.DataFrame) -> np.ndarray:
    return pd.to_numeric(frame["hours"], errors="coerce").astype("float64").fillna(0.0).to_numpy()


def _party(frame: pd.DataFrame) -> np.ndarray:
    if "is_party_member" not in frame.columns:
        return np.zeros(len(frame))
    return frame["is_party_member"].astype("boolean").fillna(False).to_numpy(dtype="float64")


def _team_table(vol: pd.DataFrame, first_star: float) -> pd.DataFrame:
    team, names = _codes(vol["team"])
    n = len(names)
    hours = _hours(vol)
    count = np.bincount(team, minlength=n)
    total = np.bincount(team, weights=hours, minlength=n)
    stars = np.bincount(team, weights=(hours >= first_star).astype("float64"), minlength=n)
    party = np.bincount(team, weights=_party(vol), minlength=n)
    district, dnames = _codes(vol["district"])
    pairs = np.bincount(team * len(dnames) + district, minlength=n * len(dnames))
    main = pairs.reshape(n, len(dnames)).argmax(axis=1) if len(dnames) else np.zeros(n, int)
    out = pd.DataFrame(
        {
            "team": names,
            "district": [dnames[i] for i in main] if len(dnames) else [MISSING_GROUP] * n,
            "volunteers": count.astype("int64"),
            "hours": total.round(1),
            "hours_per_volunteer": np.divide(total, count, out=np.zeros(n), where=count > 0).round(
                1
            ),
            "star_volunteers": stars.astype("int64"),
            "party_volunteers": party.astype("int64"),
        }
    )
    return out[out["volunteers"] > 0].reset_index(drop=True)


def _by_district(table: pd.DataFrame, key: str) -> pd.Series:
    rows = table[(table["metric"] == key) & (table["district"] != CITY)]
    return pd.Series(rows["value"].to_numpy(dtype="float64"), index=rows["district"].astype(str))


def _district_rates(led: Ledgers, now: pd.DataFrame) -> pd.DataFrame | None:
    if led.districts is None or not (now["metric"] == "volunteer_rate").any():
        return None
    population = pd.Series(led.districts.population(), dtype="float64")
    counts = _by_district(now, "volunteer_count").reindex(population.index).fillna(0.0)
    targets = target_records(led.targets())
    goal = [scope_target(targets, "volunteer_rate", d) for d in population.index]
    out = pd.DataFrame(
        {
            "district": population.index.astype(str),
            "volunteers": counts.to_numpy(dtype="int64"),
            "population": population.to_numpy(dtype="int64"),
            "rate": (counts / population.where(population > 0) * 100.0).round(2).to_numpy(),
            "target": [t.value if t else math.nan for t in goal],
        }
    )
    known = out["target"].notna() & out["rate"].notna()
    out["reached"] = (out["rate"] >= out["target"]).astype("boolean").mask(~known)
    return out.sort_values(["rate", "district"], ascending=[False, True]).reset_index(drop=True)


def _district_rates_chart(rates: pd.DataFrame, selected: str | None) -> alt.LayerChart:
    data = rates.assign(
        state=[
            "未设目标" if pd.isna(r) else "达到目标" if r else "低于目标" for r in rates["reached"]
        ],
        label=[f"{r:.1f}%" for r in rates["rate"]],
        focus=[1.0 if selected in (None, d) else 0.35 for d in rates["district"]],
        target_text=["未设目标" if math.isnan(t) else f"{t:g}%" for t in rates["target"]],
    )
    order = data["district"].tolist()
    states = ["达到目标", "低于目标", "未设目标"]
    base = alt.Chart(
        data, title=alt.TitleParams("各区县注册志愿者占常住人口比例", subtitle="黑色短线为目标")
    )
    y = alt.Y("district:N", sort=order, title="")
    bars = base.mark_bar().encode(
        y=y,
        x=alt.X("rate:Q", title="占常住人口比例（%）"),
        color=alt.Color(
            "state:N",
            title="",
            scale=alt.Scale(domain=states, range=[palette.GOOD, palette.BAD, palette.NEUTRAL]),
        ),
        opacity=alt.Opacity("focus:Q", legend=None, scale=None),
        tooltip=[
            alt.Tooltip("district:N", title="区县"),
            alt.Tooltip("volunteers:Q", title="注册志愿者（人）", format=","),
            alt.Tooltip("population:Q", title="常住人口（人）", format=","),
            alt.Tooltip("rate:Q", title="占比（%）", format=".2f"),
            alt.Tooltip("target_text:N", title="目标"),
        ],
    )
    # labels sit inside the bar end, clear of the target tick just past it
    text = base.mark_text(align="right", dx=-6, color="white", fontWeight="bold").encode(
        y=y, x=alt.X("rate:Q"), text=alt.Text("label:N")
    )
    ticks = (
        alt.Chart(data[data["target"].notna()])
        .mark_tick(color=palette.BLACK, thickness=3, size=BAR_STEP - 4)
        .encode(y=alt.Y("district:N", sort=order), x=alt.X("target:Q"))
    )
    return alt.LayerChart(layer=[bars, text, ticks]).properties(height=alt.Step(BAR_STEP))


def registration_target(led: Ledgers) -> tuple[float | None, date | None, str]:
    """The target line of the cumulative registrations chart, in volunteers.

    A 注册志愿者人数 target for the scope is used as it is; otherwise a 注册率 target is turned
    into people with the scope's resident population.
    """
    targets = led.targets()
    count = scope_target(targets, "volunteer_count", led.district)
    if count is not None:
        return count.value, count.due, count.text
    rate = scope_target(targets, "volunteer_rate", led.district)
    population = led.population()
    if rate is None or not population:
        return None, None, ""
    people = sum(population.values())
    value = rate.value / 100.0 * people
    due = f"（{cn_date(rate.due)}前）" if rate.due else ""
    text = (
        f"目标线：注册志愿者占常住人口 {format_value('volunteer_rate', rate.value)}{due}，"
        f"按常住人口 {numbers.number(people)} 人折合 {numbers.number(value)} 人。"
    )
    return value, rate.due, text


def _share_headline(led: Ledgers, now: pd.DataFrame, before: pd.DataFrame | None) -> Headline:
    def share(table: pd.DataFrame | None) -> float:
        if table is None:
            return math.nan
        party = metric_value(table, "party_volunteers", led.district)
        total = metric_value(table, "volunteer_count", led.district)
        return party / total * 100.0 if total > 0 else math.nan

    value, previous = share(now), share(before)
    prev = led.previous.get("volunteers")
    delta = value - previous
    delta_text = "无上周数据" if before is None else numbers.change(delta, 1, "个百分点")
    flat = delta_text == numbers.FLAT
    arrow: Literal["up", "down", "off"] = (
        "off" if math.isnan(delta) or flat else "up" if delta > 0 else "down"
    )
    return Headline(
        key="party_share",
        label="党员志愿者占比",
        value_text=numbers.number(value, 1, "%"),
        delta_text=delta_text,
        delta_color="gray",  # a larger share of party members is neither good nor bad in itself
        delta_arrow=arrow,
        compared_with=compared_text(prev.as_of if prev else None),
        help="党员志愿者人数 ÷ 注册志愿者人数 × 100%",
        target_text="",
        on_target=None,
    )


def _party_by_district(led: Ledgers, now: pd.DataFrame) -> pd.DataFrame:
    counts = _by_district(now, "volunteer_count")
    party = _by_district(now, "party_volunteers").reindex(counts.index).fillna(0.0)
    names = led.districts.names if led.districts is not None else ()
    order = [d for d in names if d in counts.index] + sorted(set(counts.index) - set(names))
    out = pd.DataFrame(
        {
            "district": order,
            "volunteers": counts.reindex(order).to_numpy(dtype="int64"),
            "party_volunteers": party.reindex(order).to_numpy(dtype="int64"),
        }
    )
    out["share"] = (
        out["party_volunteers"] / out["volunteers"].where(out["volunteers"] > 0) * 100
    ).round(1)
    return out.sort_values(["share", "district"], ascending=[False, True]).reset_index(drop=True)


def _party_chart(party: pd.DataFrame, selected: str | None) -> alt.LayerChart:
    data = party.assign(
        label=[
            f"{numbers.number(p, 0, '人')} · {numbers.number(s, 1, '%')}"
            for p, s in zip(party["party_volunteers"], party["share"], strict=True)
        ],
        focus=[1.0 if selected in (None, d) else 0.35 for d in party["district"]],
    )
    order = data["district"].tolist()
    base = alt.Chart(
        data, title=alt.TitleParams("各区县党员志愿者", subtitle="占本区县注册志愿者的比例")
    )
    y = alt.Y("district:N", sort=order, title="")
    bars = base.mark_bar(color=palette.NEUTRAL).encode(
        y=y,
        x=alt.X("share:Q", title="党员占注册志愿者比例（%）"),
        opacity=alt.Opacity("focus:Q", legend=None, scale=None),
        tooltip=[
            alt.Tooltip("district:N", title="区县"),
            alt.Tooltip("party_volunteers:Q", title="党员志愿者（人）", format=","),
            alt.Tooltip("volunteers:Q", title="注册志愿者（人）", format=","),
            alt.Tooltip("share:Q", title="占比（%）", format=".1f"),
        ],
    )
    text = base.mark_text(align="left", dx=4).encode(
        y=y, x=alt.X("share:Q"), text=alt.Text("label:N")
    )
    return alt.LayerChart(layer=[bars, text]).properties(height=alt.Step(BAR_STEP))


# ---------------------------------------------------------------- the view


def build_volunteers_view(led: Ledgers, table_for: TableFor) -> VolunteersView:
    """The 志愿者 page for the ledgers in force (`led` must hold a volunteers snapshot).

    Kept by `led.cached` (the app passes `ui.metrics_for` as `table_for`, always the same).
    """
    return led.cached("volunteers_view", lambda: _volunteers_view(led, table_for))


def _volunteers_view(led: Ledgers, table_for: TableFor) -> VolunteersView:
    settings = led.settings
    vol = led.frame("volunteers")
    snap = led.snapshots["volunteers"]
    prev = led.previous.get("volunteers")
    now = table_for(snap)
    before = table_for(prev) if prev is not None else None
    target, due, target_text = registration_target(led)
    rates = _district_rates(led, now)
    party_by_district = _party_by_district(led, now)
    party_count = headlines_for(led, "volunteers", ("party_volunteers",), table_for)
    first_star = min(settings.star_thresholds) if settings.star_thresholds else math.inf
    # chart axes and the team table's 区县 column are narrow places: short names (civdash.names)
    chosen = short_names(led.districts).get(led.district, led.district) if led.district else None

    def short(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(district=shorten(frame["district"], led.districts))

    return VolunteersView(
        scope=led.scope_label,
        as_of=snap.as_of,
        previous_as_of=prev.as_of if prev else None,
        headlines=headlines_for(led, "volunteers", HEADLINE_METRICS, table_for),
        registrations_chart=volunteer_registrations(vol, target=target, due=due),
        registration_target_text=target_text,
        district_rates=rates,
        district_rates_chart=_district_rates_chart(short(rates), chosen)
        if rates is not None
        else None,
        star_chart=star_level_distribution(vol, settings=settings),
        hours_chart=hours_histogram(vol, settings=settings),
        teams=short(_team_table(vol, first_star)),
        party=(*party_count, _share_headline(led, now, before)),
        party_by_district=party_by_district,
        party_chart=_party_chart(short(party_by_district), chosen),
    )
