"""The metric catalogue of domain.md as pure functions of canonical ledger frames.

Every metric is one `MetricDef` in `METRICS`; targets, charts, maps and the app look metrics up
there by key or Chinese name (`metric_key("问题整改率") == "issue_close_rate"`). A metric is
computed from per-row parts (a numerator and, for ratios, a denominator) so that the same
definition gives the city-wide value and the value per district, street or responsible unit:

>>> compute("issue_close_rate", issues, as_of="2026-11-15")                    # doctest: +SKIP
87.5
>>> compute("issue_close_rate", issues, as_of="2026-11-15", by="district")     # doctest: +SKIP

Rates are in percent units (87.5 means 87.5 %). A rate whose denominator is 0 is NaN.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal, NamedTuple, TypeAlias

import numpy as np
import pandas as pd

from civdash.config import DEFAULT_SETTINGS, Settings
from civdash.ledgers.issues import CLOSED_STATUSES, LONG_TERM
from civdash.ledgers.units import NAMED_STATUSES

__all__ = [
    "COLUMN_LABELS",
    "METRICS",
    "MISSING_GROUP",
    "NO_ISSUE_MARKERS",
    "STAR_LABELS",
    "DateLike",
    "MetricDef",
    "Projection",
    "UnknownMetricError",
    "WeekOverWeek",
    "compute",
    "format_value",
    "issue_state",
    "metric_key",
    "metric_series",
    "project_target",
    "real_issues",
    "red_black_list",
    "star_level",
    "week_over_week",
]

DateLike: TypeAlias = date | datetime | pd.Timestamp | str
"""A date as callers pass it: date, datetime, Timestamp or ISO text."""
Better: TypeAlias = Literal["higher", "lower"]
Parts: TypeAlias = tuple[pd.Series, "pd.Series | None"]

MISSING_GROUP = "未填写"
"""Group label for rows whose grouping field is blank."""

NO_ISSUE_MARKERS = frozenset({"无", "无问题", "未发现问题", "暂无问题", "暂无", "/", "-", "—"})
"""Descriptions that record an inspection without a problem: not counted as issues."""

STAR_LABELS = ("未评星", "一星", "二星", "三星", "四星", "五星")
"""Display names of star levels 0–5."""

COLUMN_LABELS: Mapping[str, str] = {
    "unit": "责任单位",
    "issues": "问题数",
    "assessed": "纳入考核问题数",
    "closed": "已整改",
    "open": "未整改",
    "overdue": "逾期未整改",
    "close_rate": "整改率（%）",
    "rank": "排名",
    "list": "红黑榜",
    "black_streak": "连续上黑榜周数",
    "as_of": "截至日期",
    "value": "数值",
    "numerator": "分子",
    "denominator": "分母",
    "district": "区县",
    "street": "街道/乡镇",
    "category": "类别",
    "responsible_unit": "责任单位",
}
"""Chinese headers for the columns of the frames this module returns."""


class UnknownMetricError(KeyError, ValueError):
    """A metric name that is neither a catalogue key nor a known Chinese name."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class MetricDef:
    """One row of the metric catalogue.

    `parts(frame, as_of, settings)` returns the per-row numerator and denominator (None for a
    plain sum); the metric is sum(numerator) / sum(denominator) × `scale`.
    """

    key: str
    label: str
    ledger: Literal["volunteers", "issues", "units"]
    unit: str
    better: Better | None
    is_rate: bool
    definition: str
    parts: Callable[[pd.DataFrame, pd.Timestamp, Settings], Parts] = field(
        repr=False, compare=False
    )
    columns: tuple[str, ...] = ()
    scale: float = 1.0
    aliases: tuple[str, ...] = ()
    per_capita: bool = False
    """A count that districts of different size are compared on per 10,000 residents."""
    needs_population: bool = False
    decimals: int = 0
    additive: bool = True
    """The value is a sum over rows (a count or total): an empty group is 0, not NaN."""


# ---------------------------------------------------------------------------------------------
# Derived columns


def star_level(hours: pd.Series, thresholds: Sequence[float]) -> pd.Series:
    """Star level 0–5 from cumulative hours: the number of thresholds reached (Int64, NA if no hours).

    >>> star_level(pd.Series([0, 100, 299.5, 1500, None]), (100, 300, 600, 1000, 1500)).tolist()
    [0, 1, 1, 5, <NA>]
    """
    values = pd.to_numeric(hours, errors="coerce").astype("float64")
    edges = np.sort(np.asarray(thresholds, dtype="float64"))
    levels = np.searchsorted(edges, values.to_numpy(), side="right")
    out = pd.Series(levels, index=hours.index, dtype="Int64")
    return out.mask(values.isna())


def _timestamp(value: DateLike) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    if ts is pd.NaT:
        raise ValueError(f"截至日期『{value}』无法识别，请使用 2026-11-15 这样的日期。")
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts.normalize()


def _dates(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    return pd.to_datetime(frame[column], errors="coerce").dt.normalize()


def real_issues(issues: pd.DataFrame) -> pd.DataFrame:
    """Issue rows that record a problem: rows whose description says 无 / 无问题 are dropped."""
    if "description" not in issues.columns or issues.empty:
        return issues
    text = issues["description"].astype("string").str.strip()
    return issues[~text.isin(NO_ISSUE_MARKERS).fillna(False).astype(bool)]


def issue_state(issues: pd.DataFrame, as_of: DateLike) -> pd.DataFrame:
    """A copy of `issues` with the columns every issue metric is built from.

    - `is_closed`: status 已整改 or 已销号;
    - `is_overdue`: not closed, not 长期整改, with a deadline before `as_of` (long-term never is);
    - `days_open`: days from found_on to rectified_on (closed) or to `as_of` (still open);
    - `closed_on_time`: for closed issues with a deadline, rectified on or before it (a closed
      issue without a rectification date cannot show it was on time: False); NA otherwise.
    """
    day = _timestamp(as_of)
    out = issues.copy()
    status = out["status"].astype("string")
    closed = status.isin(CLOSED_STATUSES).fillna(False).astype(bool)
    long_term = status.eq(LONG_TERM).fillna(False).astype(bool)
    found = _dates(out, "found_on")
    deadline = _dates(out, "deadline")
    rectified = _dates(out, "rectified_on")
    out["is_closed"] = closed
    out["is_overdue"] = ~closed & ~long_term & deadline.notna() & (deadline < day)
    end = rectified.where(closed, day)
    out["days_open"] = (end - found).dt.days.astype("Int64")
    on_time = (rectified.notna() & (rectified <= deadline)).astype("boolean")
    out["closed_on_time"] = on_time.mask(~(closed & deadline.notna()))
    return out


# ---------------------------------------------------------------------------------------------
# Per-row parts of each metric


def _ones(frame: pd.DataFrame) -> pd.Series:
    return pd.Series(1.0, index=frame.index)


def _count(frame: pd.DataFrame, as_of: pd.Timestamp, settings: Settings) -> Parts:
    return _ones(frame), None


def _volunteer_rate(frame: pd.DataFrame, as_of: pd.Timestamp, settings: Settings) -> Parts:
    return _ones(frame), None  # the denominator is the population, supplied per group


def _stars(frame: pd.DataFrame, as_of: pd.Timestamp, settings: Settings) -> Parts:
    if "hours" in frame.columns:
        level = star_level(frame["hours"], settings.star_thresholds)
    else:
        level = pd.to_numeric(frame["star_level"], errors="coerce").astype("Int64")
    return (level >= 1).fillna(False).astype("float64"), None


def _hours(frame: pd.DataFrame) -> pd.Series:
    return pd.to_numeric(frame["hours"], errors="coerce").astype("float64").fillna(0.0)


def _service_hours(frame: pd.DataFrame, as_of: pd.Timestamp, settings: Settings) -> Parts:
    return _hours(frame), None


def _hours_per_volunteer(frame: pd.DataFrame, as_of: pd.Timestamp, settings: Settings) -> Parts:
    return _hours(frame), _ones(frame)


def _party(frame: pd.DataFrame, as_of: pd.Timestamp, settings: Settings) -> Parts:
    party = frame["is_party_member"].astype("boolean").fillna(False).astype("float64")
    return party, None


def _status(frame: pd.DataFrame) -> pd.Series:
    return frame["status"].astype("string")


def _assessed(frame: pd.DataFrame) -> pd.Series:
    """Issues counted in rectification rates: all but 长期整改 (long-term ones have no end)."""
    return _status(frame).ne(LONG_TERM).fillna(True).astype("float64")


def _close_rate(frame: pd.DataFrame, as_of: pd.Timestamp, settings: Settings) -> Parts:
    closed = _status(frame).isin(CLOSED_STATUSES).fillna(False).astype("float64")
    return closed, _assessed(frame)


def _verified_rate(frame: pd.DataFrame, as_of: pd.Timestamp, settings: Settings) -> Parts:
    verified = _status(frame).eq("已销号").fillna(False).astype("float64")
    return verified, _assessed(frame)


def _on_time_rate(frame: pd.DataFrame, as_of: pd.Timestamp, settings: Settings) -> Parts:
    state = issue_state(frame, as_of)
    judged = state["closed_on_time"].notna()
    on_time = state["closed_on_time"].fillna(False).astype("float64")
    return on_time, judged.astype("float64")


def _overdue(frame: pd.DataFrame, as_of: pd.Timestamp, settings: Settings) -> Parts:
    return issue_state(frame, as_of)["is_overdue"].astype("float64"), None


def _days_to_close(frame: pd.DataFrame, as_of: pd.Timestamp, settings: Settings) -> Parts:
    state = issue_state(frame, as_of)
    days = state["days_open"].astype("Float64").where(state["is_closed"])
    known = days.notna()
    return days.fillna(0.0).astype("float64"), known.astype("float64")


def _named(frame: pd.DataFrame, as_of: pd.Timestamp, settings: Settings) -> Parts:
    named = frame["status"].astype("string").isin(NAMED_STATUSES).fillna(False)
    return named.astype("float64"), None


def _score(frame: pd.DataFrame) -> pd.Series:
    return pd.to_numeric(frame["score"], errors="coerce").astype("float64")


def _pass_rate(frame: pd.DataFrame, as_of: pd.Timestamp, settings: Settings) -> Parts:
    score = _score(frame)
    if "target_score" in frame.columns:
        target = pd.to_numeric(frame["target_score"], errors="coerce").astype("float64")
        mark = target.fillna(settings.unit_pass_mark)
    else:
        mark = pd.Series(settings.unit_pass_mark, index=frame.index)
    scored = score.notna()
    return (scored & (score >= mark)).astype("float64"), scored.astype("float64")


def _avg_score(frame: pd.DataFrame, as_of: pd.Timestamp, settings: Settings) -> Parts:
    score = _score(frame)
    return score.fillna(0.0), score.notna().astype("float64")


def _def(
    key: str,
    label: str,
    ledger: Literal["volunteers", "issues", "units"],
    unit: str,
    better: Better | None,
    definition: str,
    parts: Callable[[pd.DataFrame, pd.Timestamp, Settings], Parts],
    *,
    columns: tuple[str, ...] = (),
    aliases: tuple[str, ...] = (),
    per_capita: bool = False,
    needs_population: bool = False,
    decimals: int | None = None,
    additive: bool = True,
) -> MetricDef:
    is_rate = unit == "%"
    return MetricDef(
        key=key,
        label=label,
        ledger=ledger,
        unit=unit,
        better=better,
        is_rate=is_rate,
        definition=definition,
        parts=parts,
        columns=columns,
        scale=100.0 if is_rate else 1.0,
        aliases=aliases,
        per_capita=per_capita,
        needs_population=needs_population,
        decimals=(1 if unit in ("%", "小时", "天", "分") else 0) if decimals is None else decimals,
        additive=additive and not is_rate,
    )


_CATALOGUE = (
    _def(
        "volunteer_count",
        "注册志愿者人数",
        "volunteers",
        "人",
        "higher",
        "志愿者台账中的有效记录数",
        _count,
        aliases=("志愿者人数", "注册志愿者数", "志愿者数"),
        per_capita=True,
    ),
    _def(
        "volunteer_rate",
        "注册志愿者占常住人口比例",
        "volunteers",
        "%",
        "higher",
        "注册志愿者人数 ÷ 常住人口 × 100%",
        _volunteer_rate,
        needs_population=True,
        aliases=("志愿者注册率", "注册志愿者比例", "注册志愿者占比", "注册志愿者占常住人口比重"),
        decimals=2,
    ),
    _def(
        "star_volunteers",
        "星级志愿者人数",
        "volunteers",
        "人",
        "higher",
        "累计服务时长达到一星及以上的志愿者人数",
        _stars,
        columns=("hours",),
        aliases=("星级志愿者数",),
        per_capita=True,
    ),
    _def(
        "service_hours",
        "志愿服务总时长",
        "volunteers",
        "小时",
        "higher",
        "志愿者累计服务时长之和",
        _service_hours,
        columns=("hours",),
        aliases=("服务总时长", "志愿服务时长", "累计服务时长"),
        per_capita=True,
    ),
    _def(
        "hours_per_volunteer",
        "人均服务时长",
        "volunteers",
        "小时",
        "higher",
        "志愿服务总时长 ÷ 注册志愿者人数",
        _hours_per_volunteer,
        columns=("hours",),
        aliases=("人均志愿服务时长",),
        additive=False,
    ),
    _def(
        "party_volunteers",
        "党员志愿者人数",
        "volunteers",
        "人",
        "higher",
        "是党员的注册志愿者人数",
        _party,
        columns=("is_party_member",),
        aliases=("党员志愿者数",),
        per_capita=True,
    ),
    _def(
        "issue_count",
        "问题总数",
        "issues",
        "个",
        None,
        "发现的问题数（不含记为“无”的检查记录）",
        _count,
        aliases=("问题数", "问题数量", "发现问题数"),
        per_capita=True,
    ),
    _def(
        "issue_close_rate",
        "问题整改率",
        "issues",
        "%",
        "higher",
        "（已整改 + 已销号）÷（全部问题 − 长期整改）× 100%",
        _close_rate,
        columns=("status",),
        aliases=("整改率", "整改完成率", "问题整改完成率"),
    ),
    _def(
        "issue_verified_rate",
        "销号率",
        "issues",
        "%",
        "higher",
        "已销号 ÷（全部问题 − 长期整改）× 100%",
        _verified_rate,
        columns=("status",),
        aliases=("问题销号率",),
    ),
    _def(
        "issue_on_time_rate",
        "按期整改率",
        "issues",
        "%",
        "higher",
        "在整改时限内完成的问题 ÷ 有整改时限的已整改问题 × 100%",
        _on_time_rate,
        columns=("status", "found_on"),
        aliases=("按时整改率", "按期完成率"),
    ),
    _def(
        "overdue_issues",
        "逾期未整改问题数",
        "issues",
        "个",
        "lower",
        "未整改且已超过整改时限的问题数（长期整改不计逾期）",
        _overdue,
        columns=("status", "found_on"),
        aliases=("逾期问题数", "逾期未整改数", "逾期数"),
        per_capita=True,
    ),
    _def(
        "avg_days_to_close",
        "平均整改天数",
        "issues",
        "天",
        "lower",
        "已整改问题从发现到整改完成的平均天数",
        _days_to_close,
        columns=("status", "found_on"),
        aliases=("平均整改时长", "平均整改用时"),
        additive=False,
    ),
    _def(
        "unit_count",
        "创建单位数",
        "units",
        "个",
        "higher",
        "创建单位台账中的单位数",
        _count,
        aliases=("创建单位数量", "单位数"),
        per_capita=True,
    ),
    _def(
        "named_units",
        "已命名单位数",
        "units",
        "个",
        "higher",
        "状态为已命名或复查保留的单位数",
        _named,
        columns=("status",),
        aliases=("命名单位数", "已命名创建单位数"),
        per_capita=True,
    ),
    _def(
        "unit_pass_rate",
        "创建单位达标率",
        "units",
        "%",
        "higher",
        "测评得分达到目标分（无目标分时按及格线）的单位 ÷ 有得分的单位 × 100%",
        _pass_rate,
        columns=("score",),
        aliases=("达标率", "单位达标率"),
    ),
    _def(
        "unit_avg_score",
        "平均测评得分",
        "units",
        "分",
        "higher",
        "有得分单位的测评得分平均值",
        _avg_score,
        columns=("score",),
        aliases=("平均得分", "测评平均分", "平均分"),
        additive=False,
    ),
)

METRICS: Mapping[str, MetricDef] = {m.key: m for m in _CATALOGUE}
"""The metric catalogue by key, in the order of domain.md."""


def _name_key(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).split()).lower()


_BY_NAME: Mapping[str, str] = {
    _name_key(n): m.key for m in _CATALOGUE for n in (m.key, m.label, *m.aliases)
}


def metric_key(name: str) -> str:
    """The catalogue key for a key or a Chinese name ("问题整改率" → "issue_close_rate").

    Raises `UnknownMetricError` (a KeyError) with a Chinese message listing the known names.
    """
    key = _BY_NAME.get(_name_key(str(name)))
    if key is None:
        known = "、".join(m.label for m in _CATALOGUE)
        raise UnknownMetricError(f"未知指标『{name}』，可用的指标有：{known}。")
    return key


# ---------------------------------------------------------------------------------------------
# Computing


def _population_for_groups(
    mdef: MetricDef, keys: pd.DataFrame, by: list[str], population: float | Mapping[str, float]
) -> pd.Series:
    if by != ["district"] or not isinstance(population, Mapping):
        raise ValueError(
            f"按{'、'.join(by)}计算『{mdef.label}』需要按区县提供常住人口"
            "（{区县: 人口}），且只能按区县分组。"
        )
    pop = keys["district"].map(lambda d: population.get(str(d), math.nan))
    return pd.to_numeric(pop, errors="coerce").astype("float64")


def _no_population(mdef: MetricDef) -> ValueError:
    return ValueError(f"计算『{mdef.label}』需要常住人口数据，请先导入区县常住人口。")


def _total_population(mdef: MetricDef, population: float | Mapping[str, float] | None) -> float:
    if population is None:
        raise _no_population(mdef)
    if isinstance(population, Mapping):
        return float(sum(v for v in population.values() if v is not None and v == v))
    return float(population)


def _ratio(num: float, den: float, scale: float) -> float:
    return num / den * scale if den > 0 else math.nan


def _ratios(num: pd.Series, den: pd.Series, scale: float) -> pd.Series:
    num = num.astype("float64")
    den = den.astype("float64")
    return num / den.where(den > 0) * scale


_LEDGER_LABELS = {"volunteers": "志愿者", "issues": "问题整改", "units": "创建单位"}


def _check_columns(mdef: MetricDef, frame: pd.DataFrame, by: list[str]) -> None:
    missing = [c for c in (*mdef.columns, *by) if c not in frame.columns]
    # a star level can come from the star_level column when hours is absent
    if mdef.key == "star_volunteers" and "star_level" in frame.columns and missing == ["hours"]:
        return
    if missing:
        raise KeyError(
            f"计算『{mdef.label}』需要{_LEDGER_LABELS[mdef.ledger]}台账中的列："
            f"{'、'.join(missing)}，当前数据中没有。"
        )


def compute(
    key: str,
    frame: pd.DataFrame,
    *,
    as_of: DateLike,
    population: float | Mapping[str, float] | None = None,
    by: str | Sequence[str] | None = None,
    settings: Settings = DEFAULT_SETTINGS,
) -> float | pd.DataFrame:
    """The metric `key` (key or Chinese name) of a canonical ledger frame.

    `by=None` gives one float. `by="district"` or `by=["district", "category"]` gives a frame with
    the group columns and `value` (rates also carry `numerator` and `denominator`); blank group
    values are reported as 未填写. `population` (常住人口) is needed by volunteer_rate: a number
    for the whole frame, or {district: population}; city-wide, a mapping counts every district
    in it. A rate or mean with nothing to divide by is NaN.
    """
    mdef = METRICS[metric_key(key)]
    day = _timestamp(as_of)
    groups = [by] if isinstance(by, str) else list(by or [])
    _check_columns(mdef, frame, groups)
    rows = real_issues(frame) if mdef.ledger == "issues" else frame
    num, den = mdef.parts(rows, day, settings)

    if not groups:
        if mdef.needs_population:
            return _ratio(float(num.sum()), _total_population(mdef, population), mdef.scale)
        if den is None:
            return float(num.sum())
        return _ratio(float(num.sum()), float(den.sum()), mdef.scale)

    keys = rows[groups].astype("string").fillna(MISSING_GROUP)
    keys = keys.apply(lambda s: s.str.strip().replace("", MISSING_GROUP))
    parts = keys.assign(numerator=num.to_numpy())
    if den is not None:
        parts = parts.assign(denominator=den.to_numpy())
    out = parts.groupby(groups, sort=True, dropna=False).sum(numeric_only=True).reset_index()
    if mdef.needs_population:
        if population is None:
            raise _no_population(mdef)
        out["denominator"] = _population_for_groups(mdef, out, groups, population)
    if "denominator" in out.columns:
        out["value"] = _ratios(out["numerator"], out["denominator"], mdef.scale)
    else:
        out["value"] = out["numerator"].astype("float64")
        out = out.drop(columns="numerator")
    cols = [*groups, "value", *(c for c in ("numerator", "denominator") if c in out.columns)]
    if not mdef.is_rate:
        cols = [*groups, "value"]
    return out[cols].reset_index(drop=True)


def format_value(key: str, value: float | None, *, with_unit: bool = True) -> str:
    """A value as the dashboard shows it: "87.5%", "1,234人", "—" when there is no value."""
    mdef = METRICS[metric_key(key)]
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    text = f"{value:,.{mdef.decimals}f}"
    return f"{text}{mdef.unit}" if with_unit else text


# ---------------------------------------------------------------------------------------------
# 红黑榜


@dataclass(frozen=True)
class _ListRule:
    by: str
    rule: Literal["rank", "threshold"]
    top_n: int
    bottom_n: int
    red_at: float
    black_below: float
    min_issues: int


def _unit_table(issues: pd.DataFrame, as_of: pd.Timestamp, rule: _ListRule) -> pd.DataFrame:
    rows = real_issues(issues)
    columns = [
        "unit",
        "issues",
        "assessed",
        "closed",
        "open",
        "overdue",
        "close_rate",
        "rank",
        "list",
    ]
    if rows.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns}).astype(
            {"unit": "string", "list": "string", "rank": "Int64"}
        )
    state = issue_state(rows, as_of)
    assessed = state["status"].astype("string").ne(LONG_TERM).fillna(True)
    unit = state[rule.by].astype("string").str.strip().fillna("")
    unit = unit.mask(unit == "", MISSING_GROUP)
    parts = pd.DataFrame(
        {
            "unit": unit,
            "issues": 1,
            "assessed": assessed.astype(int),
            "closed": (state["is_closed"] & assessed).astype(int),
            "overdue": state["is_overdue"].astype(int),
        }
    )
    table = parts.groupby("unit", sort=True).sum().reset_index()
    table["open"] = table["assessed"] - table["closed"]
    rate = table["closed"] / table["assessed"].where(table["assessed"] > 0) * 100.0
    table["close_rate"] = rate.astype("float64")
    eligible = table["close_rate"].notna() & (table["assessed"] >= rule.min_issues)
    ranked = table[eligible].sort_values(
        ["close_rate", "overdue", "assessed", "unit"],
        ascending=[False, True, False, True],
        kind="stable",
    )
    table["rank"] = pd.Series(pd.NA, index=table.index, dtype="Int64")
    table.loc[ranked.index, "rank"] = np.arange(1, len(ranked) + 1)
    lists = pd.Series("", index=table.index, dtype="string")
    if rule.rule == "threshold":
        lists[eligible & (table["close_rate"] >= rule.red_at)] = "红榜"
        lists[eligible & (table["close_rate"] < rule.black_below)] = "黑榜"
    else:
        red = ranked.index[: max(rule.top_n, 0)]
        lists[red] = "红榜"
        rest = ranked.drop(index=red)
        # a unit that has rectified everything is never black-listed, whatever its rank
        rest = rest[rest["close_rate"] < 100.0]
        if rule.bottom_n > 0:
            lists[rest.index[-rule.bottom_n :]] = "黑榜"
    table["list"] = lists
    order = table.sort_values(["rank", "unit"], na_position="last", kind="stable")
    return order[columns].reset_index(drop=True)


def _closest_snapshot(
    dates: Sequence[pd.Timestamp], target: pd.Timestamp, before: pd.Timestamp, window_days: int
) -> pd.Timestamp | None:
    best: pd.Timestamp | None = None
    best_key: tuple[float, float] | None = None
    for d in dates:
        if d >= before:
            continue
        gap = abs((d - target).days)
        if gap > window_days:
            continue
        key = (gap, (d - target).days)  # on a tie, the older snapshot (a full week back) wins
        if best_key is None or key < best_key:
            best, best_key = d, key
    return best


def red_black_list(
    issues: pd.DataFrame,
    as_of: DateLike,
    *,
    by: str = "responsible_unit",
    rule: Literal["rank", "threshold"] = "rank",
    top_n: int | None = None,
    bottom_n: int | None = None,
    red_at: float = 90.0,
    black_below: float = 85.0,
    min_issues: int = 1,
    history: Mapping[DateLike, pd.DataFrame] | None = None,
    settings: Settings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """The weekly 红黑榜 of responsible units, ranked by rectification rate.

    `rule="rank"`: the best `top_n` units go on the red list and the worst `bottom_n` of the
    rest on the black list (a unit at 100 % never does); `rule="threshold"`: rate ≥ `red_at` is
    red, rate < `black_below` is black. Sizes default to the settings. Ties are broken by fewer
    overdue issues, then more issues, then name. Units with fewer than `min_issues` assessed
    issues (long-term ones do not count) are ranked on nothing and listed nowhere.

    `black_streak` is the number of consecutive weeks, up to this one, the unit has been on the
    black list: `history` holds earlier issue snapshots by date, and for each week back the
    snapshot closest to 7, 14, … days earlier (within 3 days) is judged by the same rule; a
    missing week ends the streak.

    Columns: unit, issues, assessed, closed, open, overdue, close_rate, rank, list, black_streak
    (Chinese headers in `COLUMN_LABELS`).
    """
    day = _timestamp(as_of)
    spec = _ListRule(
        by=by,
        rule=rule,
        top_n=settings.red_list_size if top_n is None else top_n,
        bottom_n=settings.black_list_size if bottom_n is None else bottom_n,
        red_at=red_at,
        black_below=black_below,
        min_issues=min_issues,
    )
    if by not in issues.columns:
        raise KeyError(f"问题整改台账中没有列『{by}』，无法生成红黑榜。")
    table = _unit_table(issues, day, spec)
    streak = (table["list"] == "黑榜").astype(int)
    snapshots = {_timestamp(d): f for d, f in (history or {}).items()}
    dates = sorted(snapshots)
    still = set(table.loc[table["list"] == "黑榜", "unit"])
    week, newer = 1, day
    while still and dates:
        snap = _closest_snapshot(dates, day - timedelta(days=7 * week), newer, window_days=3)
        if snap is None:
            break
        earlier = _unit_table(snapshots[snap], snap, spec)
        black = set(earlier.loc[earlier["list"] == "黑榜", "unit"])
        still &= black
        streak += table["unit"].isin(still).astype(int)
        week, newer = week + 1, snap
    table["black_streak"] = streak.astype("int64")
    return table


# ---------------------------------------------------------------------------------------------
# Week over week and targets


def metric_series(
    key: str,
    snapshots: Mapping[DateLike, pd.DataFrame],
    *,
    district: str | None = None,
    population: float | Mapping[str, float] | None = None,
    settings: Settings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """The metric at each snapshot date: a frame (as_of, value) sorted by date.

    `district` (canonical name; "" or None = city-wide) restricts every snapshot to one district,
    and then a population mapping supplies that district's population.
    """
    mkey = metric_key(key)
    rows: list[tuple[pd.Timestamp, float]] = []
    for when, frame in snapshots.items():
        day = _timestamp(when)
        pop = population
        if district:
            frame = frame[frame["district"].astype("string") == district]
            if isinstance(population, Mapping):
                pop = population.get(district)
        value = compute(mkey, frame, as_of=day, population=pop, settings=settings)
        rows.append((day, float(value)))  # type: ignore[arg-type]
    out = pd.DataFrame(rows, columns=["as_of", "value"])
    out["as_of"] = pd.to_datetime(out["as_of"])
    out["value"] = out["value"].astype("float64")
    return out.sort_values("as_of", kind="stable").reset_index(drop=True)


class WeekOverWeek(NamedTuple):
    current: float
    previous: float
    previous_date: date | None


def _series_points(series: pd.DataFrame | pd.Series) -> pd.Series:
    if isinstance(series, pd.DataFrame):
        s = pd.Series(series["value"].to_numpy(dtype="float64"), index=series["as_of"])
    else:
        s = series.astype("float64")
    s.index = pd.DatetimeIndex([_timestamp(d) for d in s.index])
    s = s.groupby(level=0).last()
    return s.sort_index()


def week_over_week(series: pd.DataFrame | pd.Series, as_of: DateLike) -> WeekOverWeek:
    """(current, previous, previous_date) for a "较上周" figure.

    `current` is the value of the latest snapshot on or before `as_of`; `previous` that of the
    earlier snapshot closest to 7 days before it (on a tie, the older one). Missing → NaN / None.
    """
    points = _series_points(series)
    points = points[points.index <= _timestamp(as_of)]
    if points.empty:
        return WeekOverWeek(math.nan, math.nan, None)
    now = points.index[-1]
    prev = _closest_snapshot(list(points.index[:-1]), now - timedelta(days=7), now, 10**6)
    if prev is None:
        return WeekOverWeek(float(points.iloc[-1]), math.nan, None)
    return WeekOverWeek(float(points.iloc[-1]), float(points[prev]), prev.date())


@dataclass(frozen=True)
class Projection:
    """Where a metric stands against its target and when, at the recent pace, it gets there.

    `gap` is what is still to go in the better direction (≤ 0: reached). `pace` is the change per
    week from a straight-line fit over the history. `projected_date` is None when the pace never
    reaches the target.
    """

    current: float
    target: float
    gap: float
    pace: float
    projected_date: date | None
    due: date | None
    on_track: bool
    message: str


def _cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def project_target(
    series: pd.DataFrame | pd.Series,
    target: float,
    due: DateLike | None,
    better: Better | None,
) -> Projection:
    """Project a metric's history (as from `metric_series`) to its target and due date.

    >>> s = pd.DataFrame({"as_of": pd.to_datetime(["2026-11-01", "2026-11-08"]), "value": [80, 82]})
    >>> project_target(s, 90, "2026-11-30", "higher").message
    '按当前进度无法按期完成：预计2026年12月6日达标，晚于完成时限2026年11月30日'
    """
    points = _series_points(series).dropna()
    due_day = None if due is None or (isinstance(due, float) and math.isnan(due)) else due
    due_ts = _timestamp(due_day) if due_day is not None and pd.notna(due_day) else None
    due_date = due_ts.date() if due_ts is not None else None
    if points.empty:
        return Projection(
            math.nan, target, math.nan, math.nan, None, due_date, False, "暂无数据，无法测算进度"
        )
    current = float(points.iloc[-1])
    last = points.index[-1]
    direction = better or ("higher" if target >= float(points.iloc[0]) else "lower")
    sign = 1.0 if direction == "higher" else -1.0
    gap = (target - current) * sign
    pace = math.nan
    if len(points) >= 2:
        days = (points.index - points.index[0]).days.to_numpy(dtype="float64")
        slope = float(np.polyfit(days, points.to_numpy(dtype="float64"), 1)[0])
        # a flat history fits a slope of ±1e-15, not 0: treat rounding noise as no progress
        scale = max(float(np.abs(points.to_numpy(dtype="float64")).max()), 1.0)
        if abs(slope) < 1e-9 * scale:
            slope = 0.0
        pace = slope * 7.0
    if gap <= 0:
        return Projection(current, target, gap, pace, last.date(), due_date, True, "已达到目标")
    if due_ts is not None and last > due_ts:
        return Projection(
            current,
            target,
            gap,
            pace,
            None,
            due_date,
            False,
            f"已超过完成时限{_cn_date(due_ts.date())}，目标尚未完成",
        )
    if math.isnan(pace):
        return Projection(
            current, target, gap, pace, None, due_date, False, "只有一期数据，暂无法测算进度"
        )
    toward = pace * sign
    if toward <= 0:
        return Projection(
            current,
            target,
            gap,
            pace,
            None,
            due_date,
            False,
            "按当前进度无法按期完成：近期指标没有改善",
        )
    projected = (last + timedelta(days=math.ceil(round(gap / toward * 7.0, 6)))).date()
    if due_date is None:
        return Projection(
            current,
            target,
            gap,
            pace,
            projected,
            None,
            True,
            f"按当前进度预计{_cn_date(projected)}达标",
        )
    if projected <= due_date:
        return Projection(
            current,
            target,
            gap,
            pace,
            projected,
            due_date,
            True,
            f"按当前进度可按期完成：预计{_cn_date(projected)}达标",
        )
    return Projection(
        current,
        target,
        gap,
        pace,
        projected,
        due_date,
        False,
        f"按当前进度无法按期完成：预计{_cn_date(projected)}达标，晚于完成时限{_cn_date(due_date)}",
    )
