"""The metric catalogue of domain.md: every metric as one `MetricDef` in `METRICS`.

Targets, charts, maps, the explorer, the toolkit and the app look metrics up here by key or by
Chinese name (`metric_key("问题整改率") == "issue_close_rate"`). A metric is defined by per-row
parts (a numerator and, for ratios, a denominator) so that the same definition gives the
city-wide value and the value per district, street or responsible unit (`compute` sums them).

Adding a metric is one `_def(...)` entry in `_CATALOGUE` below, with its parts function beside
the others: which ledger it reads, its Chinese name and aliases, unit, direction, definition.
Everything that lists metrics (targets and their template, the map's metric choice, the
explorer's measures, the toolkit's catalogue, the 目标进度 page) reads `METRICS`. Showing it on
a page's headline cards is that page's choice (its `HEADLINE_METRICS`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal, TypeAlias

import numpy as np
import pandas as pd

from civdash.config import Settings
from civdash.ledgers.issues import CLOSED_STATUSES, LONG_TERM
from civdash.ledgers.units import NAMED_STATUSES
from civdash.ledgers.volunteers import star_level
from civdash.metrics.state import issue_state

__all__ = [
    "FAILED_ITEMS",
    "METRICS",
    "POINTS_LOST",
    "SCORE_RATE",
    "Better",
    "LatestOnly",
    "MetricDef",
    "Parts",
    "UnknownMetricError",
    "assessment_points",
    "metric_key",
]

Better: TypeAlias = Literal["higher", "lower"]
"""Which way a metric improves."""
Parts: TypeAlias = tuple[pd.Series, "pd.Series | None"]
"""Per-row numerator and denominator (None: the metric is a plain sum)."""


class UnknownMetricError(KeyError, ValueError):
    """A metric name that is neither a catalogue key nor a known Chinese name."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class LatestOnly:
    """A metric of the rows of the latest value of the field `of` only: a 测评 metric of a
    frame that holds several rounds is the latest round's (rounds are not added up). Grouped by
    the field `of` itself, every value counts, each in its own group (the metric per round).

    `rows(frame)` marks the rows of the latest value (a boolean array)."""

    of: str
    rows: Callable[[pd.DataFrame], np.ndarray] = field(repr=False, compare=False)


@dataclass(frozen=True)
class MetricDef:
    """One row of the metric catalogue.

    `parts(frame, as_of, settings)` returns the per-row numerator and denominator (None for a
    plain sum); the metric is sum(numerator) / sum(denominator) × `scale`.
    """

    key: str
    label: str
    ledger: str
    """The key of the ledger kind the metric is computed from."""
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
    stand_ins: tuple[tuple[str, str], ...] = ()
    """(column, stand-in): a needed column that another can replace when it is absent."""
    latest: LatestOnly | None = None
    """Counts the latest value of a field only (the latest 测评 round); None: every row."""

    def latest_rows(self, rows: pd.DataFrame, by: Iterable[str] = ()) -> pd.DataFrame:
        """The rows of `rows` (the ones its ledger counts) this metric is computed on, grouped
        `by`: those of the latest value of the field `latest.of`, unless grouped by it."""
        if self.latest is None or self.latest.of in set(by):
            return rows
        return rows[self.latest.rows(rows)]

    def missing_columns(self, present: Iterable[str], by: Iterable[str] = ()) -> list[str]:
        """The needed columns (and grouping columns `by`) not in `present`; none when every
        missing one has its stand-in present (a star level read when hours are absent)."""
        have = set(present)
        missing = [c for c in (*self.columns, *by) if c not in have]
        replaced = {c for c, stand_in in self.stand_ins if stand_in in have}
        return [] if missing and set(missing) <= replaced else missing


# ---------------------------------------------------------------------------------------------
# Per-row parts of each metric: (numerator, denominator) of the rows that count


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


# The 测评 metrics. Their keys name the columns of civdash.metrics.assessments' frames too
# (失分 and 失分项数 per round and group are these metrics), so they are spelled once, here.
SCORE_RATE = "assessment_score_rate"
POINTS_LOST = "points_lost"
"""The key of 失分, and the assessments field it sums."""
FAILED_ITEMS = "failed_items"


def assessment_points(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(full points, score, points lost) of each 测评 row as floats. A report gives 得分 or 失分;
    the other is 分值 minus it (ingest derives it; a frame built by hand may lack a column)."""

    def column(name: str) -> pd.Series:
        if name not in frame.columns:
            return pd.Series(np.nan, index=frame.index, dtype="float64")
        return pd.to_numeric(frame[name], errors="coerce").astype("float64")

    full, score, lost = column("full_points"), column("score"), column(POINTS_LOST)
    score = score.fillna((full - lost).round(4))
    lost = lost.fillna((full - score).round(4))
    return full, score, lost


def _latest_round(frame: pd.DataFrame) -> np.ndarray:
    # the rule (rounds ordered by their first 测评日期, then name) is civdash.metrics.assessments'
    from civdash.metrics.assessments import latest_round_mask

    return latest_round_mask(frame)


_LATEST_ROUND = LatestOnly("round", _latest_round)


def _score_rate(frame: pd.DataFrame, as_of: pd.Timestamp, settings: Settings) -> Parts:
    full, score, _ = assessment_points(frame)
    scored = full.notna() & score.notna()
    return score.where(scored, 0.0), full.where(scored, 0.0)


def _points_lost(frame: pd.DataFrame, as_of: pd.Timestamp, settings: Settings) -> Parts:
    return assessment_points(frame)[2].fillna(0.0), None


def _failed_items(frame: pd.DataFrame, as_of: pd.Timestamp, settings: Settings) -> Parts:
    return assessment_points(frame)[2].gt(0).astype("float64"), None


# ---------------------------------------------------------------------------------------------
# The catalogue


def _def(
    key: str,
    label: str,
    ledger: str,
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
    stand_ins: tuple[tuple[str, str], ...] = (),
    latest: LatestOnly | None = None,
) -> MetricDef:
    """A catalogue entry; what follows from the unit is worked out here: a "%" metric is a
    rate (scaled by 100, never additive), and rates, hours, days and scores show one decimal."""
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
        stand_ins=stand_ins,
        latest=latest,
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
        stand_ins=(("hours", "star_level"),),
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
    _def(
        SCORE_RATE,
        "测评得分率",
        "assessments",
        "%",
        "higher",
        "最近一轮测评的 得分之和 ÷ 分值之和 × 100%",
        _score_rate,
        columns=("full_points", "score"),
        stand_ins=(("score", POINTS_LOST),),
        aliases=("得分率", "测评得分率", "模拟测评得分率", "测评成绩得分率"),
        decimals=2,
        latest=_LATEST_ROUND,
    ),
    _def(
        POINTS_LOST,
        "失分",
        "assessments",
        "分",
        "lower",
        "最近一轮测评各项目失分之和",
        _points_lost,
        columns=(POINTS_LOST,),
        stand_ins=((POINTS_LOST, "score"),),
        aliases=("失分值", "扣分", "测评失分", "扣分值", "失分总数"),
        decimals=2,
        latest=_LATEST_ROUND,
    ),
    _def(
        FAILED_ITEMS,
        "失分项数",
        "assessments",
        "项",
        "lower",
        "最近一轮测评中失分大于 0 的测评项目数",
        _failed_items,
        columns=(POINTS_LOST,),
        stand_ins=((POINTS_LOST, "score"),),
        aliases=("失分项", "失分项目数", "扣分项数"),
        latest=_LATEST_ROUND,
    ),
)

METRICS: Mapping[str, MetricDef] = MappingProxyType({m.key: m for m in _CATALOGUE})
"""The metric catalogue by key, in the order of domain.md (read-only: it is shared by every
user of the server)."""


def _name_key(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).split()).lower()


_BY_NAME: Mapping[str, str] = MappingProxyType(
    {_name_key(n): m.key for m in _CATALOGUE for n in (m.key, m.label, *m.aliases)}
)


def metric_key(name: str) -> str:
    """The catalogue key for a key or a Chinese name ("问题整改率" → "issue_close_rate").

    Raises `UnknownMetricError` (a KeyError) with a Chinese message listing the known names.
    """
    key = _BY_NAME.get(_name_key(str(name)))
    if key is None:
        known = "、".join(m.label for m in _CATALOGUE)
        raise UnknownMetricError(f"未知指标『{name}』，可用的指标有：{known}。")
    return key
