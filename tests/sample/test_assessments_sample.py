"""The sample city's 测评 rounds and responsible units' contacts: one snapshot per monthly report,
the storyline of civdash/sample/README.md, every row valid, the same rows for the same seed."""

from __future__ import annotations

import itertools
from datetime import date

import numpy as np
import openpyxl
import pandas as pd
import pytest

from civdash.config import DEFAULT_SETTINGS
from civdash.districts import DistrictTable
from civdash.ingest import ingest_file
from civdash.sample import EDITOR, LAGGING_DISTRICT, SIMULATED_EVALUATION, packaged_file
from civdash.sample.assessments import (
    ASSESSMENT_FIELDS,
    CONTACT_FIELDS,
    IMPROVING_DISTRICT,
    REPEAT_LOSS,
    ROUNDS,
    contacts,
    round_rows,
    simulate_assessments,
)
from civdash.sample.city import DISTRICT_BY_NAME, END_DATE
from civdash.sample.loader import (
    CONTACTS_DAY,
    _Helper,
    history_round,
    reported_at,
    week_parts,
)
from civdash.sample.simulation import CITY_DEPARTMENTS
from civdash.sample.workbooks import CONTACTS_FILE, ROUND_FILE
from civdash.store import Store

KEY = ["round", "district", "location", "item"]


@pytest.fixture(scope="module")
def districts() -> DistrictTable:
    return DistrictTable.from_geojson(packaged_file("districts.geojson"))


@pytest.fixture(scope="module")
def stored(sample_url: str) -> dict[str, object]:
    """What the sample store holds: the assessments snapshots with their rows, the current
    contacts and the current issues."""
    store = Store(sample_url)
    try:
        snaps = sorted(store.snapshots("assessments"), key=lambda s: s.id)
        contacts_snap = store.current("contacts")
        assert contacts_snap is not None
        issues = store.current("issues")
        assert issues is not None
        return {
            "snaps": snaps,
            "rows": {s.id: store.load(s.id) for s in snaps},
            "contacts_snaps": store.snapshots("contacts"),
            "contacts": store.load(contacts_snap.id),
            "issues": store.load(issues.id),
        }
    finally:
        store.close()


def _rate(rows: pd.DataFrame) -> float:
    """得分率 straight from the rows: sum(score) / sum(full_points) × 100."""
    return 100 * float(rows["score"].sum()) / float(rows["full_points"].sum())


def _all_rounds(stored: dict) -> pd.DataFrame:
    return pd.concat(stored["rows"].values(), ignore_index=True)


# --- the store ---------------------------------------------------------------------------------


def test_each_monthly_report_is_its_own_snapshot_dated_its_last_day(stored):
    snaps = stored["snaps"]
    assert len(snaps) >= 6 and len(snaps) == len(ROUNDS)
    held = [stored["rows"][s.id]["round"].unique().tolist() for s in snaps]
    assert held == [[r.name] for r in ROUNDS]  # committed oldest first, one round each
    assert [s.as_of for s in snaps] == [r.as_of for r in ROUNDS]
    assert all(s.committed_by == EDITOR and not s.scope for s in snaps)
    assert all(s.rows_invalid == 0 for s in snaps)
    assert [s.committed_at for s in snaps] == sorted(s.committed_at for s in snaps)
    assert [s.is_current for s in snaps] == [False] * (len(snaps) - 1) + [True]
    # one round a month, each inside its month, the last before the last as-of date
    months = [(r.days[0].year, r.days[0].month) for r in ROUNDS]
    assert [b[1] - a[1] for a, b in itertools.pairwise(months)] == [1] * (len(ROUNDS) - 1)
    for r in ROUNDS:
        assert r.name == f"{r.days[0].year}年{r.days[0].month}月模拟测评"
        assert {d.month for d in r.days} == {r.days[0].month} and r.as_of < END_DATE
    october = next(r for r in ROUNDS if r.days[0].month == 10)
    assert (october.days[0], october.as_of) == SIMULATED_EVALUATION


def test_each_round_checks_points_in_every_district_on_its_own_days(stored):
    for snap in stored["snaps"]:
        rows = stored["rows"][snap.id]
        rnd = next(r for r in ROUNDS if r.name == rows["round"].iloc[0])
        assert set(rows["district"]) == set(DISTRICT_BY_NAME)
        assert rows.groupby("district")["location"].nunique().min() >= 8
        days = {d.date() for d in pd.to_datetime(rows["assessed_on"])}
        assert days <= set(rnd.days)
        assert rows[KEY].duplicated().sum() == 0
        assert rows["full_points"].between(0.5, 2).all()
        assert (rows["score"] + rows["points_lost"] - rows["full_points"]).abs().max() < 1e-9
        lost = rows[rows["points_lost"] > 0]
        assert lost["description"].notna().all() and lost["description"].str.len().gt(3).all()
        assert rows.loc[rows["points_lost"] == 0, "description"].isna().all()
        assert rows["item_code"].str.fullmatch(r"\d\.\d\.\d").all()


def test_the_stored_rounds_are_the_simulated_ones(stored):
    simulated = simulate_assessments()
    for snap in stored["snaps"]:
        rows = stored["rows"][snap.id].drop(columns="source_row")
        truth = round_rows(simulated, rows["round"].iloc[0])
        assert len(rows) == len(truth)
        got = rows.sort_values(KEY).reset_index(drop=True)
        want = truth.sort_values(KEY).reset_index(drop=True)
        for field in ("score", "points_lost", "full_points"):
            np.testing.assert_allclose(got[field], want[field])
        assert got["responsible_unit"].tolist() == want["responsible_unit"].tolist()


def test_contacts_name_every_responsible_unit_of_the_current_issues_and_the_rounds(stored):
    assert len(stored["contacts_snaps"]) == 1
    listed = stored["contacts"]
    named = set(stored["issues"]["responsible_unit"].dropna()) | set(
        _all_rounds(stored)["responsible_unit"].dropna()
    )
    assert named <= set(listed["responsible_unit"])
    assert listed["responsible_unit"].is_unique
    assert listed["phone"].str.fullmatch(r"13[89]0000\d{4}").all()  # fictional mobiles
    assert listed["leader"].notna().all() and listed["liaison"].notna().all()
    city = listed[listed["district"].isna() | listed["district"].eq("")]
    assert set(city["responsible_unit"]) == set(CITY_DEPARTMENTS) - {"高新区管委会"}
    local = listed.drop(city.index)
    assert set(local["district"]) <= set(DISTRICT_BY_NAME)
    harbour = listed.loc[listed["responsible_unit"] == REPEAT_LOSS.responsible_unit, "district"]
    assert harbour.tolist() == [LAGGING_DISTRICT]


# --- the storyline -----------------------------------------------------------------------------


def test_the_improving_district_rises_round_over_round_by_more_than_eight_points(stored):
    rates = [
        _rate(stored["rows"][s.id].query("district == @IMPROVING_DISTRICT"))
        for s in stored["snaps"]
    ]
    assert rates[-1] - rates[0] >= 8
    assert all(b > a for a, b in itertools.pairwise(rates)), rates
    assert 76 <= rates[0] <= 80 and 91 <= rates[-1] <= 95
    # from the bottom of the ranking in the first round to the top in the last
    first, last = (stored["rows"][s.id] for s in (stored["snaps"][0], stored["snaps"][-1]))
    assert first.groupby("district").apply(_rate).idxmin() == IMPROVING_DISTRICT
    assert last.groupby("district").apply(_rate).idxmax() == IMPROVING_DISTRICT


def test_the_city_scores_85_to_92_percent_and_no_other_district_changes_as_much(stored):
    for snap in stored["snaps"]:
        rows = stored["rows"][snap.id]
        assert 85 <= _rate(rows) <= 92
        assert rows.groupby("district").apply(_rate).between(78, 95).all()
    first, last = (stored["rows"][s.id] for s in (stored["snaps"][0], stored["snaps"][-1]))
    gains = last.groupby("district").apply(_rate) - first.groupby("district").apply(_rate)
    assert gains.idxmax() == IMPROVING_DISTRICT
    assert gains.drop(IMPROVING_DISTRICT).max() < 8


def test_one_item_loses_points_at_the_same_point_in_every_round_and_only_that_one(stored):
    rows = _all_rounds(stored)
    lost = rows[rows["points_lost"] > 0]
    at = lost[(lost["location"] == REPEAT_LOSS.location) & (lost["item"] == REPEAT_LOSS.item)]
    assert sorted(at["round"]) == sorted(r.name for r in ROUNDS)  # lost in every round
    assert set(at["district"]) == {REPEAT_LOSS.district}
    assert set(at["street"]) == {REPEAT_LOSS.street}
    assert set(at["responsible_unit"]) == {REPEAT_LOSS.responsible_unit}
    assert set(at["point_type"]) == {REPEAT_LOSS.point_type}
    # every other item at every 点位 loses points in at most three rounds running
    order = {r.name: k for k, r in enumerate(ROUNDS)}
    for (location, item), group in lost.groupby(["location", "item"]):
        if (location, item) == (REPEAT_LOSS.location, REPEAT_LOSS.item):
            continue
        ks = sorted(order[r] for r in group["round"])
        assert _longest_run(ks) <= 3, (location, item, ks)


def _longest_run(ks: list[int]) -> int:
    """The most consecutive rounds in `ks` (sorted round numbers)."""
    longest = run = 1
    for a, b in itertools.pairwise(ks):
        run = run + 1 if b == a + 1 else 1
        longest = max(longest, run)
    return longest


# --- every row valid, same seed same rows --------------------------------------------------------


@pytest.mark.parametrize("rnd", ROUNDS[:-1], ids=lambda r: r.name)
def test_an_earlier_rounds_report_is_what_its_csv_file_ingests_to(rnd, districts):
    report = history_round(rnd)
    read = ingest_file(
        report.data, file_name=report.result.file_name, kind="assessments", districts=districts
    )
    assert read.rows_invalid == 0 and not read.problems
    assert read.sha256 == report.result.sha256
    pd.testing.assert_frame_equal(read.rows, report.result.rows)


def test_the_latest_rounds_workbook_reads_to_the_simulated_round_with_every_row_valid(districts):
    read = ingest_file(packaged_file(ROUND_FILE), file_name=ROUND_FILE, districts=districts)
    assert read.kind == "assessments"
    assert read.rows_invalid == 0
    assert not [p for p in read.problems if p.severity == "error"]
    truth = round_rows(simulate_assessments(), ROUNDS[-1].name)
    assert read.rows_read == len(truth)  # every row accounted for: no 小计 or 合计 read as data
    got = read.rows[list(ASSESSMENT_FIELDS)].sort_values(KEY).reset_index(drop=True)
    want = truth.sort_values(KEY).reset_index(drop=True)
    assert got["district"].tolist() == want["district"].tolist()  # from the sheets' names
    np.testing.assert_allclose(got["score"], want["score"])
    np.testing.assert_allclose(got["points_lost"], want["points_lost"])
    assert got["description"].fillna("").tolist() == want["description"].tolist()


def test_the_latest_rounds_workbook_is_messy_the_way_reports_are():
    import io

    book = openpyxl.load_workbook(io.BytesIO(packaged_file(ROUND_FILE)))
    assert book.sheetnames[0] == "测评说明"
    assert sorted(book.sheetnames[1:]) == sorted(d.short for d in DISTRICT_BY_NAME.values())
    for ws in book.worksheets[1:]:
        merged = {str(r) for r in ws.merged_cells.ranges}
        assert "A1:P1" in merged  # the title
        assert any(r.startswith("D3:") for r in merged)  # 点位信息 over 街道 / 测评点位 / 点位类型
        first = [row[0] for row in ws.iter_rows(values_only=True)]
        assert first.count("合计") == 1 and first.count("小计") >= 8


def test_the_contacts_workbook_reads_to_the_simulated_contacts(districts):
    read = ingest_file(packaged_file(CONTACTS_FILE), file_name=CONTACTS_FILE, districts=districts)
    assert read.kind == "contacts" and read.rows_invalid == 0 and not read.problems
    truth = contacts().set_index("responsible_unit")
    got = read.rows.set_index("responsible_unit").loc[truth.index]
    assert got["phone"].tolist() == truth["phone"].tolist()
    assert got["liaison"].tolist() == truth["liaison"].tolist()
    assert got["district"].fillna("").tolist() == truth["district"].tolist()


def test_the_same_seed_gives_the_same_rows_and_another_seed_other_rows():
    first, again = simulate_assessments(), simulate_assessments()
    pd.testing.assert_frame_equal(first, again)
    assert list(first.columns) == list(ASSESSMENT_FIELDS)
    pd.testing.assert_frame_equal(contacts(), contacts())
    assert list(contacts().columns) == list(CONTACT_FIELDS)
    other = simulate_assessments(seed=7)
    assert not other["points_lost"].equals(first["points_lost"])
    assert not contacts(seed=7)["liaison"].equals(contacts()["liaison"])


def test_the_helper_process_sends_back_exactly_the_office_files_made_in_process():
    jobs = [("contacts", CONTACTS_DAY), ("assessments", ROUNDS[0].as_of)]
    jobs.append(("assessments", ROUNDS[-1].as_of))
    with _Helper(jobs, DEFAULT_SETTINGS) as helper:
        sent = [helper.result(i) for i in range(len(jobs))]
    for (kind, as_of), got in zip(jobs, sent, strict=True):
        made = week_parts(kind, as_of)
        assert got is not None and list(got) == list(made) == [""]
        assert got[""].data == made[""].data
        assert got[""].result.sha256 == made[""].result.sha256
        pd.testing.assert_frame_equal(got[""].result.rows, made[""].result.rows)


def test_reports_arrive_the_next_working_day():
    assert [reported_at(r).date() for r in ROUNDS] == [
        date(2026, 6, 19),
        date(2026, 7, 17),
        date(2026, 8, 21),
        date(2026, 9, 18),
        date(2026, 10, 19),  # the October round ends on a Friday
        date(2026, 11, 13),
    ]
