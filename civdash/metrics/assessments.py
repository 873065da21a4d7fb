"""测评: where the city loses points, round by round, and who must act on it.

Pure functions of an assessments frame (one row per 测评 item checked at one 点位 in one round,
the `assessments` ledger's fields). A frame may hold one round or many (`merge_rounds` puts a
year of monthly snapshots together). Rounds are ordered by their first 测评日期, then by name:

>>> rounds(frame), latest_round(frame), previous_round(frame)               # doctest: +SKIP
(['2026年9月模拟测评', '2026年10月模拟测评', '2026年11月模拟测评'], '2026年11月模拟测评', '2026年10月模拟测评')
>>> assessment_ranking(frame, by="district")      # the latest round's 红黑榜 of districts  # doctest: +SKIP
>>> loss_pareto(frame, by="item").head(5)          # the items that lose most points          # doctest: +SKIP

The figures are the catalogue's (测评得分率 = 得分 ÷ 分值 × 100, 失分, 失分项数: the same
`catalogue.assessment_points`), so a ranking, a Pareto or a summary agrees with `compute` and
with the stored aggregates for the same round. The catalogue's 测评 metrics count the latest
round only (`latest_round_mask`, the one rule); these functions take a round, or every round.

Group columns read as `compute` reads them: text, trimmed, a blank one as 未填写.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

import numpy as np
import pandas as pd

from civdash.config import DEFAULT_SETTINGS, Settings
from civdash.metrics.catalogue import FAILED_ITEMS, POINTS_LOST, assessment_points
from civdash.metrics.dates import DateLike, as_day
from civdash.metrics.format import MISSING_GROUP
from civdash.metrics.lists import rank_lists

__all__ = [
    "ASSESSMENT_LABELS",
    "LATEST_ROUND_RULE",
    "LIST_LABELS",
    "RANKING_GROUPS",
    "AssessmentListRule",
    "assessment_ranking",
    "latest_round",
    "latest_round_mask",
    "latest_round_rows",
    "loss_pareto",
    "merge_rounds",
    "previous_round",
    "repeat_losses",
    "round_rows",
    "round_summary",
    "rounds",
]

ROUND = "round"
"""The field naming a 测评 round (测评批次)."""

RANKING_GROUPS = ("district", "street", "responsible_unit", "point_type")
"""What rankings are drawn up for: districts, streets, responsible units, point types."""

LIST_LABELS: Mapping[str, str] = MappingProxyType({"red": "红榜", "black": "黑榜", "": ""})
"""The `list` column of a ranking as the office writes it."""

ASSESSMENT_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "round": "测评批次",
        "assessed_on": "测评日期",
        "district": "区县",
        "street": "街道/乡镇",
        "location": "测评点位",
        "point_type": "点位类型",
        "item": "测评项目",
        "item_code": "指标编号",
        "responsible_unit": "责任单位",
        "responsible_units": "责任单位",
        "assessor": "测评单位",
        "items": "测评项数",
        "full_points": "分值",
        "score": "得分",
        POINTS_LOST: "失分",
        FAILED_ITEMS: "失分项数",
        "score_rate": "得分率（%）",
        "score_rate_change": "较上轮（百分点）",
        "rank": "排名",
        "list": "红黑榜",
        "share": "失分占比（%）",
        "cumulative_share": "累计占比（%）",
        "rounds_lost": "连续失分轮数",
        "latest_round": "最近一轮",
        "description": "失分原因",
    }
)
"""Chinese headers of the columns these functions return (read-only)."""

_SUMS = ("items", "full_points", "score", POINTS_LOST, FAILED_ITEMS)

# Messages users read.
_MSG_NO_ROUND = "没有测评批次『{name}』，现有的批次：{known}。"
_MSG_NO_COLUMN = "测评结果中没有列『{name}』，无法按它{what}。"
_MSG_BAD_RULE = "红黑榜规则应为 rank（按排名）或 threshold（按得分率阈值），收到『{rule}』。"


# ---------------------------------------------------------------------------------------------
# Rounds


def _labels(column: pd.Series, blank: str | None = MISSING_GROUP) -> tuple[np.ndarray, list[str]]:
    """A column as each row's group number and the groups' names, sorted: text, trimmed, a
    blank as `blank` (blank=None: no group, number -1). Only distinct values become text."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    texts = [str(u).strip() or blank for u in uniques]
    texts.append(blank)  # the rows without a value
    codes = np.where(codes < 0, len(uniques), codes)
    final, groups = pd.factorize(np.array(texts, dtype=object), sort=True, use_na_sentinel=True)
    return np.asarray(final[codes], dtype="int64"), [str(g) for g in groups]


def _round_positions(frame: pd.DataFrame) -> tuple[np.ndarray, list[str], list[pd.Timestamp]]:
    """Each row's round as its place in time (0 = oldest, -1 = no round), the rounds oldest →
    newest and each one's first 测评日期. A round without a date comes before the dated ones."""
    if ROUND not in frame.columns or frame.empty:
        return np.full(len(frame), -1, dtype="int64"), [], []
    codes, names = _labels(frame[ROUND], blank=None)
    if not names:
        return codes, [], []
    if "assessed_on" in frame.columns:
        days = pd.to_datetime(frame["assessed_on"], errors="coerce").to_numpy("datetime64[ns]")
        named = codes >= 0
        first = (
            pd.Series(days[named]).groupby(codes[named]).min().reindex(range(len(names)))
        ).tolist()
    else:
        first = [pd.NaT] * len(names)
    order = sorted(
        range(len(names)),
        key=lambda i: (pd.notna(first[i]), first[i] if pd.notna(first[i]) else 0, names[i]),
    )
    place = np.empty(len(names), dtype="int64")
    place[order] = np.arange(len(names))
    positions = np.where(codes >= 0, place[np.where(codes >= 0, codes, 0)], -1)
    return positions, [names[i] for i in order], [pd.Timestamp(first[i]) for i in order]


def rounds(frame: pd.DataFrame) -> list[str]:
    """The 测评 rounds in `frame`, oldest → newest (by first 测评日期, then name)."""
    return _round_positions(frame)[1]


def latest_round(frame: pd.DataFrame) -> str | None:
    """The newest round in `frame`; None when it has none."""
    found = rounds(frame)
    return found[-1] if found else None


def _check_round(found: list[str], name: str) -> int:
    if name not in found:
        raise KeyError(_MSG_NO_ROUND.format(name=name, known="、".join(found) or "（无）"))
    return found.index(name)


def previous_round(frame: pd.DataFrame, round: str | None = None) -> str | None:
    """The round before `round` (default: the latest) in `frame`; None for the first one.

    A `round` not in `frame` is a KeyError naming the rounds there are."""
    found = rounds(frame)
    if not found:
        return None
    at = len(found) - 1 if round is None else _check_round(found, round)
    return found[at - 1] if at > 0 else None


def round_rows(frame: pd.DataFrame, round: str) -> pd.DataFrame:
    """The rows of one round (a KeyError naming the rounds there are when it is not there)."""
    positions, found, _ = _round_positions(frame)
    return frame[positions == _check_round(found, round)]


def latest_round_mask(frame: pd.DataFrame) -> np.ndarray:
    """Which rows belong to the latest round: the rule the catalogue's 测评 metrics count by.
    A frame without rounds (no `round` column, or every one blank) is one round: every row."""
    positions, found, _ = _round_positions(frame)
    if not found:
        return np.ones(len(frame), dtype=bool)
    return positions == len(found) - 1


LATEST_ROUND_RULE = (_labels, _round_positions, latest_round_mask)
"""The code that says which round is the latest (the stored aggregates' definitions version
digests it: another rule, other aggregates)."""


def latest_round_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of the latest round (`latest_round_mask`)."""
    return frame[latest_round_mask(frame)]


# ---------------------------------------------------------------------------------------------
# Sums per round and group


def _parts(frame: pd.DataFrame) -> pd.DataFrame:
    """Per-row parts of every sum (as the catalogue's metrics take them): the row is a 测评 item;
    分值 and 得分 count where both are known; 失分 and 失分项 wherever a loss is known."""
    full, score, lost = assessment_points(frame)
    scored = (full.notna() & score.notna()).to_numpy()
    lost_values = lost.fillna(0.0).to_numpy(dtype="float64")
    return pd.DataFrame(
        {
            "items": np.ones(len(frame), dtype="int64"),
            "full_points": np.where(scored, full.to_numpy(dtype="float64"), 0.0),
            "score": np.where(scored, score.to_numpy(dtype="float64"), 0.0),
            POINTS_LOST: lost_values,
            FAILED_ITEMS: (lost_values > 0).astype("int64"),
        },
        index=frame.index,
    )


_NUMBERS = ("full_points", "score", POINTS_LOST)


def _take(frame: pd.DataFrame, mask: np.ndarray, *columns: str) -> pd.DataFrame:
    """The rows of `mask` with the 测评 figures and `columns` only (those present): copying a
    few columns of a year's rows, not all of them."""
    wanted = [c for c in dict.fromkeys((*_NUMBERS, *columns)) if c in frame.columns]
    return frame.loc[mask, wanted]


def _rate(score: pd.Series, full: pd.Series) -> pd.Series:
    return (score / full.where(full > 0) * 100.0).astype("float64")


def _grouped(frame: pd.DataFrame, by: list[str], keys: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """The sums of `frame`'s rows per combination of `keys` (group numbers), as columns `by`
    (group numbers still) + `_SUMS` + score_rate."""
    parts = _parts(frame).assign(**{b: keys[b] for b in by})
    sums = parts.groupby(by, sort=True)[list(_SUMS)].sum().reset_index()
    sums["score_rate"] = _rate(sums["score"], sums["full_points"])
    return sums


def _need(frame: pd.DataFrame, column: str, what: str) -> None:
    if column not in frame.columns:
        raise KeyError(_MSG_NO_COLUMN.format(name=column, what=what))


def round_summary(frame: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """One row per round (oldest first) and, with `by`, per group within it: round, assessed_on
    (the round's first 测评日期), [by], items (测评项数), full_points, score, points_lost,
    failed_items, score_rate (得分 ÷ 分值 × 100; NaN without 分值). Rows without a round are left
    out. The latest round's row is what the catalogue's metrics give for the frame."""
    positions, found, first = _round_positions(frame)
    named = positions >= 0
    rows = _take(frame, named, *([by] if by is not None else []))
    keys: dict[str, np.ndarray] = {"_round": positions[named]}
    names: list[str] = []
    if by is not None:
        _need(frame, by, "汇总")
        keys[by], names = _labels(rows[by])
    sums = _grouped(rows, list(keys), keys)
    place = sums.pop("_round").to_numpy()
    out = pd.DataFrame(
        {
            "round": pd.array([found[p] for p in place], dtype="string"),
            "assessed_on": pd.to_datetime(pd.Series([first[p] for p in place], dtype="object")),
        }
    )
    if by is not None:
        out[by] = pd.array([names[c] for c in sums.pop(by).to_numpy()], dtype="string")
    for column in (*_SUMS, "score_rate"):
        out[column] = sums[column].to_numpy()
    return out


# ---------------------------------------------------------------------------------------------
# Rankings: the 红黑榜 by 得分率


@dataclass(frozen=True)
class AssessmentListRule:
    """How the 测评 红黑榜 is drawn up (defaults: `Settings.assessment_*`).

    `rule="rank"`: the best `top_n` groups by 得分率 are red, the worst `bottom_n` of the rest
    black (a group that lost no point never is); `rule="threshold"`: 得分率 ≥ `red_at` is red,
    below `black_below` black. Groups with fewer than `min_items` 测评 items are not ranked."""

    rule: Literal["rank", "threshold"] = "rank"
    top_n: int = 3
    bottom_n: int = 3
    red_at: float = 90.0
    black_below: float = 80.0
    min_items: int = 1

    def __post_init__(self) -> None:
        if self.rule not in ("rank", "threshold"):
            raise ValueError(_MSG_BAD_RULE.format(rule=self.rule))

    @staticmethod
    def from_settings(
        settings: Settings = DEFAULT_SETTINGS, **overrides: object
    ) -> AssessmentListRule:
        """The rule the settings give, with any of its fields overridden (None: the setting)."""
        given = {k: v for k, v in overrides.items() if v is not None}
        values: dict[str, object] = {
            "rule": settings.assessment_list_rule,
            "top_n": settings.assessment_red_top,
            "bottom_n": settings.assessment_black_bottom,
            "red_at": settings.assessment_red_at,
            "black_below": settings.assessment_black_below,
        }
        return AssessmentListRule(**(values | given))  # type: ignore[arg-type]

    @property
    def text(self) -> str:
        """The rule in words, e.g. "得分率排名前3名上红榜，后3名上黑榜（未失分的不上黑榜）"."""
        floor = f"（测评项少于{self.min_items}项的不参评）" if self.min_items > 1 else ""
        if self.rule == "threshold":
            return f"得分率≥{self.red_at:g}%上红榜，低于{self.black_below:g}%上黑榜{floor}"
        return (
            f"得分率排名前{self.top_n}名上红榜，后{self.bottom_n}名上黑榜"
            f"（未失分的不上黑榜）{floor}"
        )


def _by_group(
    frame: pd.DataFrame, by: str, labels: tuple[np.ndarray, list[str]] | None = None
) -> pd.DataFrame:
    """Sums of one round's rows per group of `by` (`labels`: its `_labels`, when known), the
    group as text."""
    codes, names = labels if labels is not None else _labels(frame[by])
    sums = _grouped(frame, [by], {by: codes})
    sums[by] = pd.array([names[c] for c in sums[by].to_numpy()], dtype="string")
    return sums


def assessment_ranking(
    frame: pd.DataFrame,
    by: str = "district",
    round: str | None = None,
    *,
    rule: Literal["rank", "threshold"] | None = None,
    top_n: int | None = None,
    bottom_n: int | None = None,
    red_at: float | None = None,
    black_below: float | None = None,
    min_items: int | None = None,
    settings: Settings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """The ranking of `by` (district, street, responsible_unit, point_type) by 得分率 in `round`
    (default: the latest), with its 红黑榜 (`AssessmentListRule`: the rule and sizes default to
    the settings' `assessment_*`).

    Columns: [by], items, full_points, score, points_lost, failed_items, score_rate,
    score_rate_change (percentage points against the previous round; NaN where the group was
    not assessed then), rank (1 = best 得分率; ties: fewer 失分项, more items, name; NA when not
    ranked), list ("red", "black" or ""). In rank order. `attrs` name the round, the previous
    round and the rule in words.
    """
    _need(frame, by, "排名")
    spec = AssessmentListRule.from_settings(
        settings,
        rule=rule,
        top_n=top_n,
        bottom_n=bottom_n,
        red_at=red_at,
        black_below=black_below,
        min_items=min_items,
    )
    positions, found, _ = _round_positions(frame)
    columns = [by, *_SUMS, "score_rate", "score_rate_change", "rank", "list"]
    if not found:
        empty = pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})
        return empty.astype({by: "string", "rank": "Int64", "list": "string"})
    at = len(found) - 1 if round is None else _check_round(found, round)
    table = _by_group(_take(frame, positions == at, by), by)
    if at > 0:
        before = _by_group(_take(frame, positions == at - 1, by), by)
        before = before.set_index(by)["score_rate"]
        table["score_rate_change"] = table["score_rate"] - table[by].map(before).astype("float64")
    else:
        table["score_rate_change"] = math.nan
    eligible = table["score_rate"].notna() & (table["items"] >= spec.min_items)
    ranked = table[eligible].sort_values(
        ["score_rate", FAILED_ITEMS, "items", by],
        ascending=[False, True, False, True],
        kind="stable",
    )
    table["rank"] = pd.Series(pd.NA, index=table.index, dtype="Int64")
    table.loc[ranked.index, "rank"] = np.arange(1, len(ranked) + 1)
    lists = pd.Series("", index=table.index, dtype="string")
    if spec.rule == "threshold":
        lists[eligible & (table["score_rate"] >= spec.red_at)] = "red"
        lists[eligible & (table["score_rate"] < spec.black_below)] = "black"
    else:
        # a group that lost nothing is never black-listed
        red, black = rank_lists(ranked.index, spec.top_n, spec.bottom_n, ranked[POINTS_LOST] > 0)
        lists[red] = "red"
        lists[black] = "black"
    table["list"] = lists
    out = table.sort_values(["rank", by], na_position="last", kind="stable")[columns]
    out = out.reset_index(drop=True)
    out.attrs = {
        "round": found[at],
        "previous_round": found[at - 1] if at > 0 else None,
        "rule": spec.text,
    }
    return out


# ---------------------------------------------------------------------------------------------
# Where points are lost


def _units_by_loss(
    rows: pd.DataFrame, labels: tuple[np.ndarray, list[str]], groups: pd.Series
) -> pd.Series:
    """For each group (`labels`: each row's group number and the groups' names), its
    responsible units ordered by the points they lost there, joined by 、 (blank: 未填写)."""
    lost = assessment_points(rows)[2].fillna(0.0)
    hit = lost.to_numpy() > 0
    codes, names = labels
    units, unit_names = (
        _labels(rows["responsible_unit"])
        if "responsible_unit" in rows.columns
        else (np.zeros(len(rows), dtype="int64"), [MISSING_GROUP])
    )
    pairs = pd.DataFrame({"g": codes[hit], "u": units[hit], "lost": lost.to_numpy()[hit]})
    sums = pairs.groupby(["g", "u"], sort=False)["lost"].sum().reset_index()
    sums["unit"] = [unit_names[u] for u in sums["u"]]
    sums = sums.sort_values(["g", "lost", "unit"], ascending=[True, False, True], kind="stable")
    joined = sums.groupby("g", sort=False)["unit"].agg("、".join)
    joined.index = [names[g] for g in joined.index]
    return groups.map(joined).fillna("").astype("string")


def loss_pareto(
    frame: pd.DataFrame,
    round: str | None = None,
    by: str = "item",
    *,
    with_units: bool = False,
) -> pd.DataFrame:
    """失分项 Pareto: which `by` (测评项目 by default; or point_type, responsible_unit, district
    …) lose most points in `round` (default: the latest).

    Columns: [by], item_code (when by="item": the first one written for the item), points_lost,
    failed_items, share (% of all points lost in the round), cumulative_share; only groups that
    lost points, most first (ties: more 失分项, then name). `with_units` adds
    responsible_units: the units that lost points there, most first, joined by 、.
    """
    _need(frame, by, "统计失分")
    positions, found, _ = _round_positions(frame)
    columns = [by, *(["item_code"] if by == "item" else []), POINTS_LOST, FAILED_ITEMS]
    columns += ["share", "cumulative_share", *(["responsible_units"] if with_units else [])]
    if not found:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns}).astype({by: "string"})
    at = len(found) - 1 if round is None else _check_round(found, round)
    rows = _take(frame, positions == at, by, "item_code", "responsible_unit")
    labels = _labels(rows[by])
    table = _by_group(rows, by, labels)
    table = table[table[POINTS_LOST] > 0].sort_values(
        [POINTS_LOST, FAILED_ITEMS, by], ascending=[False, False, True], kind="stable"
    )
    if by == "item":
        code = _text(rows, "item_code", blank="").replace("", pd.NA)
        first = code.groupby(labels[0]).first()
        first.index = [labels[1][i] for i in first.index]
        table.insert(1, "item_code", table[by].map(first).astype("string"))
    running = table[POINTS_LOST].cumsum()
    total = float(running.iloc[-1]) if len(running) else 0.0
    table["share"] = table[POINTS_LOST] / total * 100.0 if total > 0 else math.nan
    table["cumulative_share"] = running / total * 100.0 if total > 0 else math.nan
    if with_units:
        table["responsible_units"] = _units_by_loss(rows, labels, table[by])
    out = table[columns].reset_index(drop=True)
    out.attrs = {"round": found[at]}
    return out


def repeat_losses(frame: pd.DataFrame, min_rounds: int = 2) -> pd.DataFrame:
    """The same 测评项目 at the same 点位 (district + location + item) lost (points_lost > 0)
    in at least `min_rounds` consecutive rounds up to and including the latest one: what keeps
    losing points. A round in between without a loss there (or without that 点位) ends the
    streak.

    Columns: district, street, location, item, responsible_unit, rounds_lost (the streak's
    length), points_lost (lost over the streak), latest_round, description (the latest round's
    失分原因); longest streak first, then most points.
    """
    columns = ["district", "street", "location", "item", "responsible_unit"]
    out_columns = [*columns, "rounds_lost", POINTS_LOST, "latest_round", "description"]
    positions, found, _ = _round_positions(frame)
    lost = assessment_points(frame)[2].to_numpy(dtype="float64")
    hit = (positions >= 0) & (lost > 0)
    empty = pd.DataFrame({c: pd.Series(dtype="string") for c in out_columns}).astype(
        {"rounds_lost": "int64", POINTS_LOST: "float64"}
    )
    if not found or not hit.any():
        return empty
    last = len(found) - 1
    rows = _take(frame, hit, *columns, "description")
    key = pd.DataFrame({c: _text(rows, c) for c in ("district", "location", "item")})
    point = key.groupby(["district", "location", "item"], sort=False).ngroup().to_numpy()
    pairs = pd.DataFrame({"point": point, "at": positions[hit], "lost": lost[hit]})
    per = pairs.groupby(["point", "at"], sort=False)["lost"].sum().reset_index()
    per = per.sort_values(["point", "at"], ascending=[True, False], kind="stable")
    step = per.groupby("point", sort=False).cumcount().to_numpy()
    # lost rounds newest first: the streak is the run that steps back one round at a time from
    # the latest (a gap can never close again further back)
    in_streak = per["at"].to_numpy() == last - step
    streak = per[in_streak].groupby("point")["lost"].agg(["size", "sum"])
    streak = streak[streak["size"] >= min_rounds]
    if streak.empty:
        return empty
    latest_rows = (positions[hit] == last) & np.isin(point, streak.index.to_numpy())
    detail = pd.DataFrame(
        {
            "point": point[latest_rows],
            **{c: _text(rows[latest_rows], c) for c in columns},
            "description": _text(rows[latest_rows], "description", blank=""),
        }
    ).drop_duplicates("point")
    out = detail.merge(streak, left_on="point", right_index=True)
    out = out.rename(columns={"size": "rounds_lost", "sum": POINTS_LOST})
    out["rounds_lost"] = out["rounds_lost"].astype("int64")
    out["latest_round"] = pd.array([found[last]] * len(out), dtype="string")
    out = out.sort_values(
        ["rounds_lost", POINTS_LOST, "district", "location", "item"],
        ascending=[False, False, True, True, True],
        kind="stable",
    )
    return out[out_columns].reset_index(drop=True)


def _text(rows: pd.DataFrame, column: str, blank: str = MISSING_GROUP) -> pd.Series:
    """A column as text, trimmed, a blank (or absent) one as `blank`."""
    if column not in rows.columns:
        return pd.Series(blank, index=rows.index, dtype="string")
    codes, names = _labels(rows[column], blank=blank)
    values = np.asarray(names, dtype=object)[codes] if len(codes) else np.array([], dtype=object)
    return pd.Series(pd.array(values, dtype="string"), index=rows.index)


# ---------------------------------------------------------------------------------------------
# Rounds from several snapshots


def merge_rounds(
    snapshots: Iterable[tuple[DateLike, int, pd.DataFrame]], *, prefer: int | None = None
) -> pd.DataFrame:
    """Every round of several assessments snapshots, given as (as_of, snapshot_id, frame): the
    rows of each round from the most recent snapshot (by as_of, then id) that holds it, or from
    snapshot `prefer` (the ledger in force) for the rounds it holds.

    A monthly upload of one round adds that round without dropping the earlier ones; a
    corrected re-upload of a round replaces it. Rows come oldest round first; rows without a
    round are left out.
    """
    given = sorted(snapshots, key=lambda s: (as_day(s[0]), s[1]), reverse=True)
    given.sort(key=lambda s: s[1] != prefer)  # stable: the preferred one first
    claimed: set[str] = set()
    pieces: list[pd.DataFrame] = []
    for _, _, frame in given:
        if ROUND not in frame.columns or frame.empty:
            continue
        codes, names = _labels(frame[ROUND], blank=None)
        fresh = np.array([n not in claimed for n in names], dtype=bool)
        take = (codes >= 0) & fresh[np.where(codes >= 0, codes, 0)] if names else codes >= 0
        if take.any():
            pieces.append(frame[take])
            claimed.update(n for n, f in zip(names, fresh, strict=True) if f)
    if not pieces:
        frames = [f for _, _, f in given]
        return frames[0].iloc[0:0] if frames else pd.DataFrame()
    merged = pd.concat(pieces, ignore_index=True) if len(pieces) > 1 else pieces[0]
    positions = _round_positions(merged)[0]
    return merged.iloc[np.argsort(positions, kind="stable")].reset_index(drop=True)
