"""报送情况: who submitted this week's part on time, late, or not at all."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from civdash.store import LOCAL_TZ
from civdash.submissions import (
    LATE,
    MISSING,
    ON_TIME,
    late_districts,
    reporting_deadline,
    submission_table,
    submissions,
)
from tests.snapshots import snapshot_info

DISTRICTS = ("东湖区", "南港区", "西山区")


def _part(sid: int, district: str, when: datetime, kind: str = "volunteers"):  # type: ignore[no-untyped-def]
    return replace(
        snapshot_info(sid, kind, date(2026, 11, 15)),
        scope=district,
        committed_at=when,
        committed_by=f"{district}填报员",
    )


def test_the_week_ends_at_the_last_deadline_on_or_before_the_as_of_date() -> None:
    assert reporting_deadline(date(2026, 11, 15)) == datetime(2026, 11, 13, 17, 0, tzinfo=LOCAL_TZ)
    assert reporting_deadline(date(2026, 11, 13)) == datetime(2026, 11, 13, 17, 0, tzinfo=LOCAL_TZ)
    assert reporting_deadline(date(2026, 11, 12)) == datetime(2026, 11, 6, 17, 0, tzinfo=LOCAL_TZ)


def test_on_time_late_and_missing_are_told_apart() -> None:
    snaps = [
        _part(1, "东湖区", datetime(2026, 11, 12, 10, 0, tzinfo=LOCAL_TZ)),
        _part(2, "南港区", datetime(2026, 11, 14, 9, 0, tzinfo=LOCAL_TZ)),  # after Friday 17:00
        _part(3, "西山区", datetime(2026, 11, 5, 9, 0, tzinfo=LOCAL_TZ)),  # last week's
    ]
    subs = submissions(snaps, DISTRICTS, date(2026, 11, 15), kinds=["volunteers"])
    assert {s.district: s.status for s in subs} == {
        "东湖区": ON_TIME,
        "南港区": LATE,
        "西山区": MISSING,
    }
    assert late_districts(subs) == {"南港区": ["志愿者迟报"], "西山区": ["志愿者未报送"]}
    table = submission_table(snaps, DISTRICTS, date(2026, 11, 15), kinds=["volunteers"])
    row = table[table["区县"] == "南港区"].iloc[0]
    assert (row["状态"], row["报送人"], row["截止时间"]) == (
        LATE,
        "南港区填报员",
        "11月13日（周五）17:00",
    )


def test_a_whole_city_file_counts_for_the_districts_it_holds() -> None:
    city = replace(
        snapshot_info(9, "volunteers", date(2026, 11, 15)),
        committed_at=datetime(2026, 11, 13, 9, 0, tzinfo=LOCAL_TZ),
        committed_by="市创城办",
    )
    subs = submissions(
        [city], DISTRICTS, date(2026, 11, 15), city_districts={9: {"东湖区"}}, kinds=["volunteers"]
    )
    assert {s.district: s.status for s in subs} == {
        "东湖区": ON_TIME,
        "南港区": MISSING,
        "西山区": MISSING,
    }
    assert subs[0].on_behalf is True


def test_a_past_week_keeps_its_record_and_last_weeks_late_ledger_is_not_this_weeks() -> None:
    def part(sid: int, district: str, when: datetime, as_of: date):  # type: ignore[no-untyped-def]
        return replace(_part(sid, district, when), as_of=as_of)

    snaps = [
        # the week of 11-08 (deadline Friday 11-06 17:00): 东湖区 on time, 南港区 late on Monday
        part(1, "东湖区", datetime(2026, 11, 5, 10, 0, tzinfo=LOCAL_TZ), date(2026, 11, 8)),
        part(2, "南港区", datetime(2026, 11, 9, 9, 0, tzinfo=LOCAL_TZ), date(2026, 11, 8)),
        # the week of 11-15: 东湖区 on time; 西山区 sends nothing until the week after
        part(3, "东湖区", datetime(2026, 11, 12, 10, 0, tzinfo=LOCAL_TZ), date(2026, 11, 15)),
        part(4, "西山区", datetime(2026, 11, 19, 10, 0, tzinfo=LOCAL_TZ), date(2026, 11, 22)),
    ]
    earlier = submissions(snaps, DISTRICTS, date(2026, 11, 8), kinds=["volunteers"])
    assert {s.district: s.status for s in earlier} == {
        "东湖区": ON_TIME,
        "南港区": LATE,
        "西山区": MISSING,
    }
    assert {s.district: s.last.id if s.last else None for s in earlier} == {
        "东湖区": 1,
        "南港区": 2,
        "西山区": None,
    }
    later = submissions(snaps, DISTRICTS, date(2026, 11, 15), kinds=["volunteers"])
    assert {s.district: s.status for s in later} == {
        "东湖区": ON_TIME,
        "南港区": MISSING,  # its late 11-08 ledger arrived in this week's window, but is last week's
        "西山区": MISSING,  # its ledger of 11-22 is next week's
    }
    assert {s.district: s.last.id if s.last else None for s in later} == {
        "东湖区": 3,
        "南港区": 2,
        "西山区": None,
    }
