"""Loading the sample city: ten weeks of district parts submitted by seven clerks, nine from the
simulation and the last from the packaged files; one district late in the last week."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date, time, timedelta
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

from civdash.accounts import Accounts, LoginRefused
from civdash.dashboard import ledger_history, snapshot_at
from civdash.districts import DistrictTable
from civdash.ingest import ingest_file
from civdash.ledgers import get_kind
from civdash.sample import (
    CLERKS,
    EDITOR,
    END_DATE,
    LATE_DISTRICT,
    LEDGERS,
    SAMPLE_BY,
    UNKNOWN_DISTRICT,
    SampleCity,
    as_of_dates,
    history_parts,
    history_week,
    ledger_file_name,
    load_sample,
    packaged_file,
    simulate,
)
from civdash.sample.assessments import ROUNDS
from civdash.sample.loader import latest_parts, submitted_at
from civdash.store import LOCAL_TZ, SnapshotInfo, Store
from civdash.submissions import LATE, ON_TIME, late_districts, submissions

LAST_WEEK_BEFORE = date(2026, 11, 8)
CLERK_OF = {c.district: c.name for c in CLERKS}
LOADED = 2 + 3 * 7 * 10 + 1 + len(ROUNDS)
"""Commits of `load_sample`: districts, targets, seven parts of three ledgers for ten weeks, the
contacts list and one report per 测评 round."""


@cache
def _city() -> SampleCity:
    return simulate()


@pytest.fixture(scope="module")
def districts() -> DistrictTable:
    return DistrictTable.from_geojson(packaged_file("districts.geojson"))


@pytest.mark.parametrize("kind", LEDGERS)
def test_an_earlier_week_holds_exactly_what_its_csv_file_ingests_to(kind, districts):
    week = history_week(_city(), kind, LAST_WEEK_BEFORE)
    read = ingest_file(week.data, file_name=week.result.file_name, kind=kind, districts=districts)
    assert read.rows_invalid == 0 and not read.problems
    assert read.sha256 == week.result.sha256
    assert read.columns == week.result.columns
    pd.testing.assert_frame_equal(read.rows, week.result.rows)


@pytest.mark.parametrize("kind", LEDGERS)
def test_the_packaged_files_hold_the_simulated_last_week_apart_from_the_bad_rows(kind, districts):
    name = ledger_file_name(kind, END_DATE)
    read = ingest_file(packaged_file(name), file_name=name, kind=kind, districts=districts)
    truth = history_week(_city(), kind, END_DATE).result.rows
    key = get_kind(kind).id_field
    filed = read.rows.set_index(key)
    simulated = truth.set_index(key).loc[filed.index]
    assert len(truth) - len(filed) <= len(read.invalid_rows) <= 15
    differ = {c: _differs(filed[c], simulated[c]) for c in filed.columns.drop("source_row")}
    changed = {c for c, rows in differ.items() if rows.any()}
    # the one issue filed at (0, 0) loses its coordinates when read; and a deadline written as
    # "N个工作日" for an issue found on a weekend counts from the Monday after when read, where
    # the simulation counted from the Friday before
    assert changed <= {"lat", "lon", "deadline"}, changed
    assert all(differ[c].sum() <= 1 for c in changed - {"deadline"})
    if "deadline" in changed:
        written = _city().issues_at(END_DATE).set_index(key)["deadline_text"]
        moved = filed.index[differ["deadline"].to_numpy()]
        assert written.loc[moved].str.endswith("个工作日").all()


def _differs(a: pd.Series, b: pd.Series) -> pd.Series:
    return ~((a == b).fillna(False).astype(bool) | (a.isna() & b.isna()))


@pytest.mark.parametrize("kind", LEDGERS)
def test_an_earlier_weeks_parts_are_its_rows_district_by_district_each_its_own_csv_file(
    kind, districts
):
    week = history_week(_city(), kind, LAST_WEEK_BEFORE).result.rows
    parts = history_parts(_city(), kind, LAST_WEEK_BEFORE)
    assert list(parts) == [c.district for c in CLERKS]
    for district, part in parts.items():
        result = part.result
        assert result.file_name == f"{get_kind(kind).label}台账_2026-11-08（{district}）.csv"
        read = ingest_file(part.data, file_name=result.file_name, kind=kind, districts=districts)
        assert read.rows_invalid == 0 and read.sha256 == result.sha256
        pd.testing.assert_frame_equal(read.rows, result.rows)
        assert result.rows["source_row"].tolist() == list(range(2, len(result.rows) + 2))
    key = get_kind(kind).id_field
    union = pd.concat([p.result.rows for p in parts.values()]).drop(columns="source_row")
    pd.testing.assert_frame_equal(
        _by(union, key), _by(week.drop(columns="source_row"), key), check_index_type=False
    )


@pytest.mark.parametrize("kind", LEDGERS)
def test_the_last_weeks_parts_are_the_districts_rows_of_the_packaged_workbook(kind, districts):
    name = ledger_file_name(kind, END_DATE)
    read = ingest_file(packaged_file(name), file_name=name, kind=kind, districts=districts)
    parts = latest_parts(kind, districts)
    assert list(parts) == [c.district for c in CLERKS]
    key = get_kind(kind).id_field
    union = pd.concat([p.result.rows for p in parts.values()])
    pd.testing.assert_frame_equal(_by(union, key), _by(read.rows, key))
    # every bad row is in its district's part, with its problems; a row of a district that is
    # not the city's is in none
    nowhere = {p.row for p in read.problems if p.value == UNKNOWN_DISTRICT}
    invalid = sorted(r for p in parts.values() for r in p.result.invalid_rows)
    assert nowhere and invalid == sorted(set(read.invalid_rows) - nowhere)
    for district, part in parts.items():
        result = part.result
        assert set(result.rows["district"]) == {district}
        assert result.rows_invalid == len(result.invalid_rows)
        mine = {*result.rows["source_row"], *result.invalid_rows}
        assert {p.row for p in result.problems} <= mine
        assert {p.row for p in read.problems if p.row in mine} == {p.row for p in result.problems}
        assert result.file_name == f"{get_kind(kind).label}台账_2026-11-15（{district}）.xlsx"


def _by(rows: pd.DataFrame, key: str) -> pd.DataFrame:
    return rows.sort_values(key).reset_index(drop=True)


@pytest.mark.slow  # > 8 s: in the full suite, not the fast tier
def test_load_sample_commits_each_districts_parts_week_by_week_as_its_clerk(db_url):
    store = Store(db_url)
    told: list[tuple[int, int, str, int]] = []
    try:
        outcomes = load_sample(
            store,
            progress=lambda done, total, step: told.append(
                (done, total, step, len(store.snapshots()))
            ),
        )
        assert len(outcomes) == LOADED and all(o.created for o in outcomes)
        snaps = store.snapshots()
        submitted = [s for s in snaps if not s.assembled]
        counts = pd.Series([s.kind for s in submitted]).value_counts().to_dict()
        assert counts == {
            "units": 70,
            "volunteers": 70,
            "issues": 70,
            "districts": 1,
            "targets": 1,
            "contacts": 1,
            "assessments": len(ROUNDS),  # one report a month, each its own snapshot
        }
        for s in submitted:
            if s.kind in LEDGERS:
                assert s.scope and s.committed_by == CLERK_OF[s.scope], s
            else:  # the district table, the targets, the contacts and the 测评 reports:
                assert (s.scope, s.committed_by) == ("", EDITOR)  # whole-city files of the office
        audit = store.audit(limit=10_000)
        commits = audit[audit["action"] == "commit"]
        assert set(commits["role"]) == {"district", "editor"}
        assert not set(audit["action"]) & {"refuse", "hold"}
        assert set(audit[audit["action"] == "user_add"]["actor"]) == {SAMPLE_BY}
        for kind in LEDGERS:
            current = store.current(kind)
            assert current is not None and current.assembled and current.as_of == END_DATE
            parts = store.parts(current.id)
            assert {d: p.committed_by for d, p in parts.items()} == CLERK_OF
            label = get_kind(kind).label
            assert {p.file_name for p in parts.values()} == {
                f"{label}台账_2026-11-15（{d}）.xlsx" for d in CLERK_OF
            }
            assert 3 <= sum(p.rows_invalid for p in parts.values()) <= 15  # the bad rows
            earlier = [s for s in submitted if s.kind == kind and s.as_of < END_DATE]
            assert sorted({s.as_of for s in earlier}) == as_of_dates()[:-1]
            assert all(s.file_name.endswith(".csv") and s.rows_invalid == 0 for s in earlier)
        targets = store.current("targets")
        assert targets is not None and (targets.as_of, targets.rows_invalid) == (
            date(2026, 9, 13),
            1,
        )
        assert load_sample(store) == []  # only into an empty store
        # no account with a known password ships: the first start asks for the first admin
        accounts = Accounts(store)
        assert not accounts.has_admin()
        assert not any(a.has_password for a in accounts.list())
    finally:
        store.close()
    total = told[-1][1]
    assert [t[:2] for t in told] == [(done, total) for done in range(total + 1)]
    steps = [t[2] for t in told]
    assert steps[:3] == [
        "保存区县名单和边界，建立各区县填报员账号",
        "生成青澜市十周的台账",
        "读取并检查 9月13日 的目标任务表格",
    ]
    assert "保存 9月9日 东湖区报送的台账" in steps  # a Wednesday clerk of the first week
    assert "读取并检查 11月15日 的问题整改表格" in steps
    assert steps[-2:] == [f"保存 11月14日 {LATE_DISTRICT}报送的台账", "示例城市已载入"]
    # each step is told before its work: nothing is stored before the first, everything before
    # the last word
    assert told[0][3] == 0 and told[-1][3] == len(snaps) > told[-2][3]


@pytest.fixture
def sample_copy(sample_home: Path, tmp_path: Path) -> Iterator[Store]:
    """A private copy of the shared sample store (logging in writes the audit trail)."""
    shutil.copy2(sample_home / "civdash.sqlite", tmp_path / "civdash.sqlite")
    store = Store(f"sqlite:///{tmp_path / 'civdash.sqlite'}")
    yield store
    store.close()


def test_the_sample_accounts_exist_without_passwords_and_cannot_log_in(sample_copy):
    accounts = Accounts(sample_copy)
    editor = accounts.get(EDITOR)
    assert editor is not None and (editor.role, editor.district) == ("editor", None)
    for clerk in CLERKS:
        account = accounts.get(clerk.name)
        assert account is not None and account.active and not account.has_password
        assert (account.role, account.district) == ("district", clerk.district)
    for name in (EDITOR, CLERKS[1].name):
        with pytest.raises(LoginRefused) as refused:
            accounts.authenticate(name, "civdash-guess-2026")
        assert str(refused.value) == f"账号『{name}』还没有设置密码，请联系管理员设置后再登录。"
    # until an admin sets a password
    accounts.set_password(CLERKS[1].name, "donghu-2026-11", actor="测试管理员")
    assert accounts.authenticate(CLERKS[1].name, "donghu-2026-11").district == "东湖区"


def _parts(store: Store, kind: str) -> list[SnapshotInfo]:
    return [s for s in store.snapshots(kind) if s.scope]


def test_each_week_seven_clerks_submit_on_different_days_before_the_friday_deadline(sample_url):
    store = Store(sample_url)
    try:
        for kind in LEDGERS:
            for as_of in as_of_dates():
                week = [s for s in _parts(store, kind) if s.as_of == as_of]
                assert {s.scope: s.committed_by for s in week} == CLERK_OF
                local = [s.committed_at.astimezone(LOCAL_TZ) for s in week]
                assert len({t.date() for t in local}) >= 3  # Wednesday to Friday
                friday = as_of - timedelta(days=2)
                for s, t in zip(week, local, strict=True):
                    if as_of == END_DATE and s.scope == LATE_DISTRICT:
                        assert t.date() == friday + timedelta(days=1)  # the Saturday
                    else:
                        assert friday - timedelta(days=2) <= t.date() <= friday
                        assert t.date() < friday or t.time() < time(17, 0)
    finally:
        store.close()
    assert f"{submitted_at(CLERKS[3], END_DATE):%m-%d %a}" == "11-14 Sat"


def test_exactly_one_district_is_late_in_the_latest_week_and_none_before(sample_url):
    store = Store(sample_url)
    try:
        snaps, names = store.snapshots(), [c.district for c in CLERKS]
        latest = submissions(snaps, names, END_DATE)
        assert late_districts(latest) == {
            LATE_DISTRICT: [f"{get_kind(k).label}{LATE}" for k in ("units", "volunteers", "issues")]
        }
        assert {s.last.committed_by for s in latest if s.status == LATE} == {
            CLERK_OF[LATE_DISTRICT]
        }
        for as_of in as_of_dates()[:-1]:
            assert {s.status for s in submissions(snaps, names, as_of)} == {ON_TIME}, as_of
    finally:
        store.close()


@pytest.mark.parametrize("kind", LEDGERS)
def test_the_assembled_city_ledger_is_the_union_of_its_parts_row_for_row(sample_url, kind):
    store = Store(sample_url)
    key = get_kind(kind).id_field
    try:
        snaps = store.snapshots()
        for as_of in (LAST_WEEK_BEFORE, END_DATE):
            city = snapshot_at(snaps, kind, as_of)
            assert city is not None and city.assembled and city.as_of == as_of
            assert ledger_history(snaps, city)[-1] == city
            parts = store.parts(city.id)
            assert {p.as_of for p in parts.values()} == {as_of}
            union = pd.concat([store.load(p.id) for p in parts.values()])
            pd.testing.assert_frame_equal(_by(store.load(city.id), key), _by(union, key))
            if as_of == LAST_WEEK_BEFORE:  # the same rows as the week's whole-city file
                week = history_week(_city(), kind, as_of).result.rows.drop(columns="source_row")
                rows = store.load(city.id).drop(columns="source_row")
                pd.testing.assert_frame_equal(_by(rows, key), _by(week, key))
    finally:
        store.close()


def test_the_helper_process_sends_back_exactly_the_parts_made_in_process():
    """`load_sample` has a helper process make the weeks' parts while it commits: what comes
    back through the pipe is what `week_parts` makes here, row for row and byte for byte."""
    from civdash.config import DEFAULT_SETTINGS
    from civdash.sample.loader import _Helper, week_parts

    jobs = [("issues", LAST_WEEK_BEFORE), ("units", END_DATE)]
    with _Helper(jobs, DEFAULT_SETTINGS) as helper:
        sent = [helper.result(i) for i in range(len(jobs))]
        assert helper.result(len(jobs)) is None  # nothing more: the helper has finished
    for (kind, as_of), got in zip(jobs, sent, strict=True):
        made = week_parts(kind, as_of)
        assert got is not None and list(got) == list(made)
        for district, part in made.items():
            other = got[district]
            assert other.data == part.data
            assert other.result.sha256 == part.result.sha256
            assert other.result.problems == part.result.problems
            pd.testing.assert_frame_equal(other.result.rows, part.result.rows)


@pytest.mark.slow
@pytest.mark.parametrize("failure", ["cannot start", "dies at once"])
def test_without_its_helper_process_the_sample_city_loads_the_same(
    failure, tmp_path, sample_url, monkeypatch
):
    """Where no process can be started, or the helper dies, the parts are made in-process and
    the store ends up holding the same snapshots as the sample store made with the helper."""
    import subprocess

    import civdash.sample.loader as loader

    if failure == "cannot start":

        def refuse(*args: object, **kwargs: object) -> None:
            raise OSError("no processes here")

        monkeypatch.setattr(loader.subprocess, "Popen", refuse)
    else:
        real = subprocess.Popen

        def exits(command: list[str], **kwargs: object) -> subprocess.Popen[bytes]:
            return real([command[0], "-c", "raise SystemExit(3)"], **kwargs)  # type: ignore[call-overload]

        monkeypatch.setattr(loader.subprocess, "Popen", exits)
    store = Store(f"sqlite:///{tmp_path / 'civdash.sqlite'}")
    reference = Store(sample_url)
    try:
        assert len(load_sample(store)) == LOADED

        def seen(s: Store) -> list[tuple[object, ...]]:
            return sorted(
                (x.kind, x.scope, x.as_of, x.file_name, x.rows_valid, x.rows_invalid)
                + ((x.sha256,) if not x.assembled else ())
                for x in s.snapshots()
            )

        assert seen(store) == seen(reference)
    finally:
        store.close()
        reference.close()
