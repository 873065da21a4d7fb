"""The numbers pages need from a ledger snapshot, computed once when it is committed.

Every catalogue metric is a sum of per-row parts (`MetricDef.parts`: a numerator and, for a
ratio, a denominator), so one pass over a snapshot's rows gives each metric's numerator and
denominator for the whole city, for each district, and for each district by every cut the pages
show (street, responsible unit, point type, category, level, team …). That long table is small
(metrics × groups: a few thousand rows at a million volunteers) and the store keeps it beside the
snapshot, in the commit's transaction (`Store.aggregates`). Pages, the meeting deck, the briefing
and the toolkit then read a year of history from these tables instead of a year of rows:

>>> agg = aggregate("issues", issues, as_of="2026-11-15")                      # doctest: +SKIP
>>> metric_table(agg, population)      # == dashboard.metric_table(...) of the same rows    # doctest: +SKIP
>>> by_cut(agg, "issue_close_rate", "street", district="东湖区")              # doctest: +SKIP

Population is not stored: a rate per resident (志愿者注册率) is worked out when read, from the
district table in force then. Each table is stamped with `definitions_version(settings)`, a digest
of the metric definitions, the cuts and the settings they use; a table with another stamp is not
read (`Store.stale_aggregates` lists what to rebuild, `python -m civdash rebuild-aggregates`).
"""

from __future__ import annotations

import hashlib
import inspect
import math
from collections.abc import Mapping
from functools import cache

import numpy as np
import pandas as pd

from civdash.config import DEFAULT_SETTINGS, Settings
from civdash.ledgers import REGISTRY, get_kind
from civdash.metrics import METRICS, MISSING_GROUP, MetricDef
from civdash.metrics.catalogue import LatestOnly
from civdash.metrics.dates import DateLike, as_day
from civdash.metrics.state import shared_issue_states

__all__ = [
    "AGGREGATE_COLUMNS",
    "CITY",
    "aggregate",
    "aggregated_kinds",
    "by_cut",
    "cuts",
    "definitions_version",
    "districts_apart",
    "is_clean_district",
    "metric_table",
    "unit_counts",
    "unit_counts_by_district",
    "unit_counts_in",
    "with_city",
]

CITY = ""
"""The district (and cut) of a city-wide row."""
AGGREGATE_COLUMNS = ("metric", "district", "cut", "grp", "numerator", "denominator")
"""One row: a metric's numerator and denominator in one group. `district` "" is the whole city;
`cut` "" is the district (or city) as a whole, else a field name with its value in `grp`. The
denominator is NaN for a plain sum and for a rate per resident (the population is read later)."""
FORMAT = 1
"""Bumped when the shape or the rules of the stored tables change."""


def _metrics_of(kind: str) -> list[MetricDef]:
    return [m for m in METRICS.values() if m.ledger == kind]


def aggregated_kinds() -> tuple[str, ...]:
    """The ledger kinds that have catalogue metrics (the ones aggregated at commit)."""
    return tuple(k for k in REGISTRY if _metrics_of(k))


_NAME_FIELDS = frozenset({"name", "unit_name"})


@cache
def cuts(kind: str) -> tuple[str, ...]:
    """The fields of `kind` the metrics are also cut by within each district: the coded fields
    the explorer filters by a list of values (street, team, point type, responsible unit …),
    never personal data, free text, names, numbers or dates (`explore.fields.filter_mode`)."""
    k = get_kind(kind)
    return tuple(
        f.name
        for f in k.fields
        if f.name not in (k.narrow_by, k.id_field)
        and f.type not in ("date", "float", "int", "text")
        and f.name not in _NAME_FIELDS
        and not f.personal
    )


def definitions_version(settings: Settings = DEFAULT_SETTINGS) -> str:
    """A digest of everything a stored table depends on: the metric definitions (their code),
    which rows count, the cuts, and the settings the metrics read. Another digest: rebuild."""
    from civdash.metrics import assessments, catalogue, state

    h = hashlib.sha256(f"format {FORMAT}\n".encode())
    for module in (catalogue, state):
        h.update(inspect.getsource(module).encode())
    for rule in assessments.LATEST_ROUND_RULE:  # which round is the latest
        h.update(inspect.getsource(rule).encode())
    for kind in aggregated_kinds():
        k = get_kind(kind)
        counts = inspect.getsource(k.counts) if k.counts is not None else ""
        h.update(f"{kind}:{cuts(kind)}:{k.narrow_by}:{counts}\n".encode())
    h.update(repr((settings.star_thresholds, settings.unit_pass_mark)).encode())
    return h.hexdigest()[:16]


def _group_codes(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """A group column as `metrics.compute` reads it (text, stripped, blanks as 未填写): each
    row's group number and the groups' names, sorted. Only the distinct values are turned into
    text, so a million rows cost one factorize."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    names = [str(u).strip() or MISSING_GROUP for u in uniques]
    names.append(MISSING_GROUP)  # the rows without a value
    codes = np.where(codes < 0, len(uniques), codes)
    final, groups = pd.factorize(np.array(names, dtype=object), sort=True)
    return final[codes], np.asarray(groups, dtype=object)


def aggregate(
    kind: str,
    frame: pd.DataFrame,
    *,
    as_of: DateLike,
    settings: Settings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """Every metric of one snapshot of `kind` as numerators and denominators (`AGGREGATE_COLUMNS`):
    the whole city, each district, and each district by each of `cuts(kind)`.

    The city's sums are taken as `metrics.compute` takes them, so its values are the very ones;
    a group's are added up in row order (one pass for all metrics), which agrees with `compute`
    exactly for counts and to the last binary digit or so (1e-15) for sums of hours or scores.
    A metric of the latest 测评 round (`MetricDef.latest`) is summed over that round's rows,
    except in the cut by round itself, which holds every round (as `compute(by="round")`).
    """
    day = as_day(as_of)
    rows = get_kind(kind).counted(frame)
    present = [m for m in _metrics_of(kind) if not m.missing_columns(frame.columns)]
    with shared_issue_states():
        computed = [(mdef, *mdef.parts(rows, day, settings)) for mdef in present]
    blocks: dict[LatestOnly | None, list[tuple[MetricDef, pd.Series, pd.Series | None]]] = {}
    for part in computed:
        blocks.setdefault(part[0].latest, []).append(part)
    every = cuts(kind)
    tables = []
    for latest, block in blocks.items():
        values: dict[str, np.ndarray] = {}
        ratio: dict[str, bool] = {}
        for mdef, num, den in block:
            values[f"n:{mdef.key}"] = num.to_numpy(dtype="float64")
            ratio[mdef.key] = den is not None and not mdef.needs_population
            if ratio[mdef.key]:
                assert den is not None
                values[f"d:{mdef.key}"] = den.to_numpy(dtype="float64")
        parts = pd.DataFrame(values, index=rows.index)
        if latest is None:
            wide = _wide(kind, rows, parts, every)
        else:  # the parts are per row: the latest round's are those of its rows
            mask = latest.rows(rows)
            wide = _wide(kind, rows[mask], parts[mask], [c for c in every if c != latest.of])
            if latest.of in every:
                wide += _wide(kind, rows, parts, [latest.of], whole=False)
        tables.append(_long(wide, list(parts.columns), ratio))
    if not tables:
        return _long([], [], {})
    return tables[0] if len(tables) == 1 else pd.concat(tables, ignore_index=True)


_Wide = tuple[np.ndarray, np.ndarray, str, np.ndarray]
"""Sums (a row per group, a column per n:metric and d:metric), districts, cut, groups."""


def _wide(
    kind: str,
    rows: pd.DataFrame,
    parts: pd.DataFrame,
    cut_by: list[str] | tuple[str, ...],
    *,
    whole: bool = True,
) -> list[_Wide]:
    """The sums of `parts` for the city and each district (`whole`), and for each district by
    each of `cut_by`."""
    names = list(parts.columns)
    wide: list[_Wide] = []
    if whole:
        city = parts.sum().to_numpy(dtype="float64")[None, :]
        wide.append((city, np.array([CITY], dtype=object), CITY, np.array([CITY], dtype=object)))
    by = get_kind(kind).narrow_by
    if by and by in rows.columns and not rows.empty:
        matrix = np.nan_to_num(parts.to_numpy(dtype="float64"), nan=0.0)  # sums skip blanks
        district, districts = _group_codes(rows[by])
        for cut in (*([""] if whole else []), *(c for c in cut_by if c in rows.columns)):
            grp, groups = _group_codes(rows[cut]) if cut else (np.zeros(len(rows), int), None)
            width = len(groups) if groups is not None else 1
            found, which = np.unique(district * width + grp, return_inverse=True)
            sums = (
                np.column_stack(
                    [
                        np.bincount(which, weights=matrix[:, j], minlength=len(found))
                        for j in range(matrix.shape[1])
                    ]
                )
                if names
                else np.zeros((len(found), 0))
            )
            d_names = districts[found // width]
            g_names = groups[found % width] if groups is not None else np.full(len(found), CITY)
            wide.append((sums, d_names, cut, np.asarray(g_names, dtype=object)))
    return wide


def _long(
    wide: list[tuple[np.ndarray, np.ndarray, str, np.ndarray]],
    names: list[str],
    ratio: Mapping[str, bool],
) -> pd.DataFrame:
    """Wide sums (a column per n:metric and d:metric, a row per group) → a row per metric and
    group."""
    if not ratio or not wide:
        return pd.DataFrame(columns=list(AGGREGATE_COLUMNS))
    sums = np.concatenate([w for w, *_ in wide])
    district = np.concatenate([d for _, d, _, _ in wide])
    cut = np.concatenate([np.full(len(d), c, dtype=object) for _, d, c, _ in wide])
    grp = np.concatenate([g for *_, g in wide])
    n = len(district)
    column = {name: j for j, name in enumerate(names)}
    keys = list(ratio)
    return pd.DataFrame(
        {
            "metric": np.repeat(np.array(keys, dtype=object), n),
            "district": np.tile(district, len(keys)),
            "cut": np.tile(cut, len(keys)),
            "grp": np.tile(grp, len(keys)),
            "numerator": np.concatenate([sums[:, column[f"n:{k}"]] for k in keys]),
            "denominator": np.concatenate(
                [sums[:, column[f"d:{k}"]] if ratio[k] else np.full(n, math.nan) for k in keys]
            ),
        }
    )


_UNIT_SLOTS = {  # metric → (column of the sums, the denominator's column or None)
    "issue_count": (0, None),
    "issue_close_rate": (2, 1),
    "overdue_issues": (3, None),
}
_UNIT_COLUMNS = ["issues", "assessed", "closed", "overdue"]


def unit_counts(
    agg: pd.DataFrame, district: str | None = None, by: str = "responsible_unit"
) -> pd.DataFrame | None:
    """`metrics.lists.unit_counts` (what the 红黑榜 judges each unit on) from an issues
    snapshot's aggregates, in `district` or the whole city; None when they lack a part of it."""
    every = unit_counts_by_district(agg, by)
    return None if every is None else unit_counts_in(every, district)


def unit_counts_in(every: Mapping[str | None, pd.DataFrame], district: str | None) -> pd.DataFrame:
    """`district`'s table of `unit_counts_by_district` (the city's for None); an empty one
    for a district without issues."""
    found = every.get(district or None)
    return found if found is not None else every[None].iloc[0:0]


def unit_counts_by_district(
    agg: pd.DataFrame, by: str = "responsible_unit"
) -> dict[str | None, pd.DataFrame] | None:
    """`unit_counts` of the whole city (key None) and of every district, from one grouping of
    the aggregates (a page keeps them per snapshot: switching district then reads, not counts);
    None when they lack a part of it. Counts are whole numbers, so their sums are exact in
    any order."""
    metric = agg["metric"].to_numpy(dtype=object)
    if not set(_UNIT_SLOTS) <= set(metric):
        return None
    mine = (agg["cut"].to_numpy(dtype=object) == by) & np.isin(metric, list(_UNIT_SLOTS))
    rows = agg[mine]
    key = rows["metric"].to_numpy(dtype=object)
    num = rows["numerator"].to_numpy(dtype="float64")
    den = np.nan_to_num(rows["denominator"].to_numpy(dtype="float64"), nan=0.0)
    values = {column: np.zeros(len(rows)) for column in _UNIT_COLUMNS}
    for name, (column, den_column) in _UNIT_SLOTS.items():
        this = key == name
        values[_UNIT_COLUMNS[column]] += np.where(this, num, 0.0)
        if den_column is not None:
            values[_UNIT_COLUMNS[den_column]] += np.where(this, den, 0.0)
    unit_code, units = pd.factorize(rows["grp"].to_numpy(dtype=object).astype(str), sort=True)
    district_code, districts = pd.factorize(rows["district"].to_numpy(dtype=object).astype(str))

    def table(select: np.ndarray | None) -> pd.DataFrame:
        codes = unit_code if select is None else unit_code[select]
        found = np.bincount(codes, minlength=len(units)) > 0
        sums = {
            column: np.bincount(
                codes, weights=v if select is None else v[select], minlength=len(units)
            )[found].astype("int64")
            for column, v in values.items()
        }
        out = pd.DataFrame(sums, columns=_UNIT_COLUMNS)
        out.insert(0, "unit", pd.array(np.asarray(units, dtype=object)[found], dtype="string"))
        return out

    every: dict[str | None, pd.DataFrame] = {None: table(None)}
    for i, district in enumerate(districts):
        every[str(district)] = table(district_code == i)
    return every


def districts_apart(kind: str) -> bool:
    """Do a district's aggregates of `kind` depend on its own rows alone? Not when a metric
    counts the latest 测评 round of the whole ledger: an assembled ledger is then aggregated
    from all its rows, not district by district."""
    return all(m.latest is None for m in _metrics_of(kind))


def is_clean_district(name: str) -> bool:
    """Is `name` a district's own group in the aggregates (not blank, 未填写 or padded)?"""
    return bool(name) and name == name.strip() and name != MISSING_GROUP


def with_city(pieces: list[pd.DataFrame]) -> pd.DataFrame:
    """District rows and cuts (no city rows) with the city rows added: each metric's
    numerators and denominators summed over the districts (in the pieces' order)."""
    if not pieces:
        return pd.DataFrame(columns=list(AGGREGATE_COLUMNS))
    columns = {
        c: np.concatenate([p[c].to_numpy(dtype=object) for p in pieces])
        for c in ("metric", "district", "cut", "grp")
    }
    num = np.concatenate([p["numerator"].to_numpy(dtype="float64") for p in pieces])
    den = np.concatenate([p["denominator"].to_numpy(dtype="float64") for p in pieces])
    whole = columns["cut"] == CITY
    which, metrics = pd.factorize(columns["metric"][whole], sort=False)
    n = len(metrics)
    den_whole = den[whole]
    den_sum = np.bincount(which, weights=np.nan_to_num(den_whole, nan=0.0), minlength=n)
    den_seen = np.bincount(which, weights=~np.isnan(den_whole), minlength=n)
    city_text = np.full(n, CITY, dtype=object)
    return pd.DataFrame(
        {
            "metric": np.concatenate([np.asarray(metrics, dtype=object), columns["metric"]]),
            "district": np.concatenate([city_text, columns["district"]]),
            "cut": np.concatenate([city_text, columns["cut"]]),
            "grp": np.concatenate([city_text, columns["grp"]]),
            "numerator": np.concatenate([np.bincount(which, weights=num[whole], minlength=n), num]),
            "denominator": np.concatenate([np.where(den_seen > 0, den_sum, math.nan), den]),
        }
    )


def _values(
    mdef: MetricDef, num: pd.Series, den: pd.Series, population: pd.Series | None
) -> pd.Series:
    """Metric values from summed parts, as `metrics.compute` divides them."""
    if mdef.needs_population:
        assert population is not None
        den = population
    elif den.isna().all():
        return num.astype("float64")
    return num.astype("float64") / den.astype("float64").where(den > 0) * mdef.scale


def metric_table(agg: pd.DataFrame, population: Mapping[str, float] | None) -> pd.DataFrame:
    """The metric table of a snapshot (`dashboard.metric_table`: district, metric, value; city
    rows with district "") from its stored aggregates. A rate per resident needs `population`
    ({district: residents}) and is left out without it, as there.

    A few dozen rows, worked out in plain Python: a trend reads one per week of history."""
    whole = agg[agg["cut"] == CITY] if (agg["cut"] != CITY).any() else agg
    total = (
        float(sum(v for v in population.values() if v is not None and v == v))
        if population
        else math.nan
    )
    order = {key: i for i, key in enumerate(METRICS)}
    found = []
    for key, district, num, den in zip(
        whole["metric"], whole["district"], whole["numerator"], whole["denominator"], strict=True
    ):
        mdef = METRICS[key]
        if mdef.needs_population:
            if not population:
                continue
            residents = total if district == CITY else population.get(district)
            den = math.nan if residents is None else float(residents)
        elif den != den:  # a plain sum
            found.append((order[key], district != CITY, district, key, float(num)))
            continue
        value = num / den * mdef.scale if den > 0 else math.nan
        found.append((order[key], district != CITY, district, key, value))
    found.sort(key=lambda r: r[:3])
    return pd.DataFrame(
        [(d, key, value) for _, _, d, key, value in found], columns=["district", "metric", "value"]
    )


def by_cut(
    agg: pd.DataFrame,
    key: str,
    cut: str,
    *,
    district: str | None = None,
    population: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """One metric by one cut (a frame of `cut`, value and, for rates, numerator and denominator,
    as `metrics.compute(key, rows, by=cut)` gives it) in `district`, or city-wide for None (the
    groups of every district added up). `cut="district"` gives the districts."""
    mdef = METRICS[key]
    rows = agg[agg["metric"] == key]
    if cut == "district":
        rows = rows[(rows["cut"] == CITY) & (rows["district"] != CITY)].assign(grp=rows["district"])
    else:
        rows = rows[rows["cut"] == cut]
        if district:
            rows = rows[rows["district"] == district]
    summed = rows.groupby("grp", sort=True)[["numerator", "denominator"]].sum(min_count=1)
    pop = None
    if mdef.needs_population:
        if cut != "district" or not population:
            raise ValueError(f"『{mdef.label}』需要按区县提供常住人口，且只能按区县分组。")
        pop = pd.Series([population.get(str(d), math.nan) for d in summed.index], summed.index)
        pop = pd.to_numeric(pop, errors="coerce").astype("float64")
    out = pd.DataFrame(
        {
            cut: summed.index.astype(str),
            "value": _values(mdef, summed["numerator"], summed["denominator"], pop).to_numpy(),
        }
    )
    if mdef.is_rate:
        out["numerator"] = summed["numerator"].to_numpy()
        out["denominator"] = (pop if pop is not None else summed["denominator"]).to_numpy()
    return out.reset_index(drop=True)
