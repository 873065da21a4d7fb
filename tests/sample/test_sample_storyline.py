"""The storyline of civdash/sample/README.md, checked on what the generated files say."""

from __future__ import annotations

import itertools
from pathlib import Path

import pandas as pd
import pytest

from civdash import sample
from tests.sample.conftest import close_rate, issues_frame, overdue, read_ledger

MIN_ISSUES = 20
"""Responsible units with fewer issues are not ranked (their rate swings on a single problem)."""


pytestmark = pytest.mark.slow  # its fixture replays the sample city week by week (~20 s)


@pytest.fixture(scope="module")
def weekly_issues(history, districts) -> dict:
    return {f.as_of: issues_frame(f, districts) for f in history if f.kind == "issues"}


@pytest.fixture(scope="module")
def weekly_volunteers(history, districts) -> dict:
    out = {}
    for f in history:
        if f.kind == "volunteers":
            df = read_ledger(Path(f.path), "volunteers")
            df = df[~df["row"].isin(f.bad_rows)]
            out[f.as_of] = pd.Series([districts.resolve(d) for d in df["district"]])
    return out


def _unit_rates(df: pd.DataFrame) -> pd.Series:
    counts = df.groupby("responsible_unit").size()
    rates = df.groupby("responsible_unit").apply(close_rate)
    return rates[counts >= MIN_ISSUES].sort_values()


def test_issue_ledger_grows_from_about_900_to_about_2100(weekly_issues):
    sizes = [len(df) for df in weekly_issues.values()]
    assert sizes == sorted(sizes)
    assert 800 <= sizes[0] <= 1100 and 1800 <= sizes[-1] <= 2500


def test_nangang_has_the_lowest_close_rate_every_week(weekly_issues):
    for as_of, df in weekly_issues.items():
        rates = df.groupby("district").apply(close_rate)
        assert rates.idxmin() == sample.LAGGING_DISTRICT, (as_of, rates.round(1).to_dict())
        assert rates.max() - rates[sample.LAGGING_DISTRICT] > 8


def test_nangang_overdue_problems_are_mostly_markets_and_back_lanes(weekly_issues):
    last = max(weekly_issues)
    df = weekly_issues[last]
    late = df[overdue(df, last) & (df["district"] == sample.LAGGING_DISTRICT)]
    assert late["point_type"].isin(["集贸市场", "背街小巷"]).mean() > 0.5
    by_district = df[overdue(df, last)].groupby("district").size()
    assert by_district.idxmax() == sample.LAGGING_DISTRICT
    assert (
        by_district[sample.LAGGING_DISTRICT] > 2 * by_district.drop(sample.LAGGING_DISTRICT).max()
    )


def test_slow_units_are_on_the_black_list_every_week(weekly_issues):
    for as_of, df in weekly_issues.items():
        bottom5 = set(_unit_rates(df).index[:5])
        assert set(sample.SLOW_UNITS) <= bottom5, (as_of, bottom5)


def test_slow_units_have_overdue_problems_every_week(weekly_issues):
    for as_of, df in weekly_issues.items():
        late = df[overdue(df, as_of)].groupby("responsible_unit").size()
        for unit in sample.SLOW_UNITS:
            assert late.get(unit, 0) >= 3, (as_of, unit)


def test_market_supervision_improves_more_than_any_unit(weekly_issues):
    first, last = min(weekly_issues), max(weekly_issues)
    gain = (_unit_rates(weekly_issues[last]) - _unit_rates(weekly_issues[first])).dropna()
    assert gain.idxmax() == sample.IMPROVING_UNIT
    assert gain.max() > 30
    early = _unit_rates(weekly_issues[first])
    assert sample.IMPROVING_UNIT in set(early.index[:5])


def test_city_close_rate_dips_after_the_simulated_evaluation_then_recovers(weekly_issues):
    rates = {d: close_rate(df) for d, df in weekly_issues.items()}
    dates = sorted(rates)
    dip = min(rates, key=rates.get)
    assert (
        sample.SIMULATED_EVALUATION[1]
        < dip
        <= sample.SIMULATED_EVALUATION[1] + pd.Timedelta(days=7)
    )
    assert rates[dates[-1]] > rates[dates[0]] and rates[dates[-1]] < 90


def test_volunteers_grow_every_week_toward_but_below_13_percent(weekly_volunteers, districts):
    counts = [len(v) for _, v in sorted(weekly_volunteers.items())]
    assert all(b > a for a, b in itertools.pairwise(counts))
    population = sum(districts.population().values())
    assert 21_000 < counts[0] < 23_500 and 29_000 < counts[-1] < 31_000
    assert counts[-1] / population * 100 < 13


def test_nangang_volunteers_grow_slowest(weekly_volunteers):
    first, last = min(weekly_volunteers), max(weekly_volunteers)
    growth = weekly_volunteers[last].value_counts() / weekly_volunteers[first].value_counts()
    assert growth.idxmin() == sample.LAGGING_DISTRICT


def test_every_star_level_is_populated(history):
    f = next(f for f in history if f.kind == "volunteers" and f.as_of == sample.END_DATE)
    hours = pd.to_numeric(read_ledger(Path(f.path), "volunteers")["hours"], errors="coerce")
    bands = pd.cut(hours, [0, 100, 300, 600, 1000, 1500, float("inf")], right=False)
    assert (bands.value_counts() > 20).all()


def test_units_count_named_batch_and_rising_village(history, districts):
    frames = {f.as_of: read_ledger(Path(f.path), "units") for f in history if f.kind == "units"}
    first, last = min(frames), max(frames)
    assert 400 <= len(frames[first]) <= len(frames[last]) <= 600
    named = {d: df["status"].isin(["已命名", "复查保留"]).sum() for d, df in frames.items()}
    assert named[last] - named[first] > 50  # the naming batch of NAMING_DAY
    rising = [
        df.loc[df["unit_name"] == sample.RISING_CREATION_UNIT, "score"].item()
        for _, df in sorted(frames.items())
    ]
    assert rising[0] < 65 and rising[-1] > 85
