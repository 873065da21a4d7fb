"""Computing a catalogue metric on a canonical ledger frame, city-wide or per group.

>>> compute("issue_close_rate", issues, as_of="2026-11-15")                    # doctest: +SKIP
87.5
>>> compute("issue_close_rate", issues, as_of="2026-11-15", by="district")     # doctest: +SKIP

Rates are in percent units (87.5 means 87.5 %). A rate whose denominator is 0 is NaN.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd

from civdash.config import DEFAULT_SETTINGS, Settings
from civdash.ledgers import get_kind
from civdash.metrics.catalogue import METRICS, MetricDef, metric_key
from civdash.metrics.dates import DateLike, as_day
from civdash.metrics.format import MISSING_GROUP

__all__ = ["compute"]


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


def _check_columns(mdef: MetricDef, frame: pd.DataFrame, by: list[str]) -> None:
    missing = mdef.missing_columns(frame.columns, by)
    if missing:
        raise KeyError(
            f"计算『{mdef.label}』需要{get_kind(mdef.ledger).label}台账中的列："
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
    in it. A rate or mean with nothing to divide by is NaN. A metric of the latest 测评 round
    (`MetricDef.latest`) is computed on the frame's latest round, or per round `by="round"`.
    """
    mdef = METRICS[metric_key(key)]
    day = as_day(as_of)
    groups = [by] if isinstance(by, str) else list(by or [])
    _check_columns(mdef, frame, groups)
    rows = get_kind(mdef.ledger).counted(frame)  # e.g. inspection records without a problem
    rows = mdef.latest_rows(rows, groups)  # a 测评 metric: the latest round (unless by round)
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
