"""报送情况: for each ledger and district, its last submission and whether this week's is in.

Districts submit their part of each ledger every week by a deadline (Settings: every Friday
17:00 by default). The week judged is the one ending at the last deadline on or before the end of
the as-of date in view, so a meeting looking at the week of 11月15日 sees who was late that week.
A district's part counts, and so does a whole-city file holding that district's rows (the city
office submitting for it).

- 按时报送: something arrived in the week, on or before the deadline;
- 迟报: the first arrival of the week came after the deadline;
- 未报送: nothing since the previous deadline.

>>> rows = submission_table(store.snapshots(), districts.names, date(2026, 11, 15))  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pandas as pd

from civdash.config import DEFAULT_SETTINGS, Settings
from civdash.ledgers import REGISTRY
from civdash.store import LOCAL_TZ, SnapshotInfo

__all__ = [
    "LATE",
    "MISSING",
    "ON_TIME",
    "Submission",
    "city_file_districts",
    "late_districts",
    "reporting_deadline",
    "submission_kinds",
    "submission_table",
    "submissions",
]

ON_TIME = "按时报送"
LATE = "迟报"
MISSING = "未报送"
_WEEKDAY_NAMES = "一二三四五六日"


@dataclass(frozen=True)
class Submission:
    """One district's submission of one ledger for the week ending at `deadline`."""

    kind: str
    district: str
    status: str
    deadline: datetime
    last: SnapshotInfo | None
    """The latest part (or whole-city file) for the district, whenever it came."""
    on_behalf: bool = False
    """The last arrival was a whole-city file from the city office, not the district's part."""


def submission_kinds() -> tuple[str, ...]:
    """The ledgers districts submit parts of every week: uploaded, dated, kept per district and
    `reported_weekly` (not a 测评 report, which arrives city-wide once a round)."""
    return tuple(
        k.key
        for k in REGISTRY.values()
        if k.uploaded and k.dated and k.narrow_by and k.reported_weekly
    )


def reporting_deadline(reference: date, settings: Settings = DEFAULT_SETTINGS) -> datetime:
    """The last deadline on or before the end of `reference` (Beijing time).

    >>> reporting_deadline(date(2026, 11, 15)).strftime("%Y-%m-%d %H:%M %a")
    '2026-11-13 17:00 Fri'
    """
    hour, minute = (int(x) for x in settings.submission_time.split(":"))
    end = datetime.combine(reference, time(23, 59, 59), LOCAL_TZ)
    days_back = (reference.weekday() - settings.submission_weekday) % 7
    due = datetime.combine(reference - timedelta(days=days_back), time(hour, minute), LOCAL_TZ)
    return due if due <= end else due - timedelta(days=7)


def deadline_label(deadline: datetime) -> str:
    """ "11月13日（周五）17:00"."""
    local = deadline.astimezone(LOCAL_TZ)
    return f"{local.month}月{local.day}日（周{_WEEKDAY_NAMES[local.weekday()]}）{local:%H:%M}"


def _covers(snapshot: SnapshotInfo, district: str, city_districts: Mapping[int, set[str]]) -> bool:
    if snapshot.assembled:
        return False  # an assembly is not a submission
    if snapshot.scope:
        return snapshot.scope == district
    return district in city_districts.get(snapshot.id, set())


def city_file_districts(
    snapshots: Iterable[SnapshotInfo],
    rows_by_district: Callable[[int], Mapping[str, int]],
    *,
    since: datetime | None = None,
) -> dict[int, set[str]]:
    """The districts each whole-city file (committed after `since`) holds rows of, for
    `submissions(city_districts=…)`; `rows_by_district` is `Store.rows_by_district` or a cached
    copy of it."""
    return {
        s.id: {d for d in rows_by_district(s.id) if d}
        for s in snapshots
        if not s.scope and not s.assembled and (since is None or s.committed_at > since)
    }


def submissions(
    snapshots: Iterable[SnapshotInfo],
    districts: Sequence[str],
    reference: date,
    *,
    city_districts: Mapping[int, set[str]] | None = None,
    settings: Settings = DEFAULT_SETTINGS,
    kinds: Sequence[str] | None = None,
) -> list[Submission]:
    """Every (ledger, district) for the week ending at `reporting_deadline(reference)`.

    A week's submission is one that arrived after the previous deadline and before the next one
    (after its own deadline: 迟报), of a ledger whose as-of date is nearer this week's deadline
    than any other (within three days of it: a Sunday's ledger is the Friday's; so the previous
    week's ledger sent late does not count as this week's, nor next week's as this one's).
    Later arrivals do not change an earlier week's record; `last` is the week's latest
    submission, or else the latest before its deadline.

    `city_districts` names the districts a whole-city file holds rows of (snapshot id → names);
    without it a whole-city file counts for every district."""
    deadline = reporting_deadline(reference, settings)
    start, late_until = deadline - timedelta(days=7), deadline + timedelta(days=7)
    due = deadline.date()
    ledger_dates = (due - timedelta(days=3), due + timedelta(days=3))
    snaps = list(snapshots)
    everyone = {s.id: set(districts) for s in snaps if not s.scope}
    covered = {**everyone, **(city_districts or {})}
    out = []
    for kind in kinds or submission_kinds():
        mine = [s for s in snaps if s.kind == kind]
        for district in districts:
            arrivals = sorted(
                (s for s in mine if _covers(s, district, covered) and s.committed_at <= late_until),
                key=lambda s: s.committed_at,
            )
            # this week's: arrived after the previous deadline (until the next one, late) and
            # not the previous week's ledger sent late
            in_week = [
                s
                for s in arrivals
                if s.committed_at > start
                and (s.as_of is None or ledger_dates[0] <= s.as_of <= ledger_dates[1])
            ]
            if not in_week:
                status = MISSING
            elif in_week[0].committed_at <= deadline:
                status = ON_TIME
            else:
                status = LATE
            before = [s for s in arrivals if s.committed_at <= deadline]
            last = in_week[-1] if in_week else (before[-1] if before else None)
            out.append(
                Submission(
                    kind, district, status, deadline, last, last is not None and not last.scope
                )
            )
    return out


def submission_table(
    snapshots: Iterable[SnapshotInfo],
    districts: Sequence[str],
    reference: date,
    **options: object,
) -> pd.DataFrame:
    """`submissions` as the table people read: 台账, 区县, 状态, 最近报送 (date and time), 报送人,
    行数, 截止时间."""
    rows = []
    for s in submissions(snapshots, districts, reference, **options):  # type: ignore[arg-type]
        last = s.last
        rows.append(
            {
                "台账": REGISTRY[s.kind].label,
                "区县": s.district,
                "状态": s.status,
                "最近报送": (
                    f"{last.committed_at.astimezone(LOCAL_TZ):%m-%d %H:%M}" if last else "—"
                ),
                "报送人": (
                    (f"{last.committed_by}（全市文件）" if s.on_behalf else last.committed_by)
                    if last
                    else "—"
                ),
                "行数": last.rows_valid if last else None,
                "截止时间": deadline_label(s.deadline),
            }
        )
    return pd.DataFrame(
        rows, columns=["台账", "区县", "状态", "最近报送", "报送人", "行数", "截止时间"]
    )


def late_districts(subs: Iterable[Submission]) -> dict[str, list[str]]:
    """District → the ledgers it has not submitted on time (late or missing), for the 周例会
    slide and the 通报; districts with everything on time are left out."""
    out: dict[str, list[str]] = {}
    for s in subs:
        if s.status != ON_TIME:
            out.setdefault(s.district, []).append(f"{REGISTRY[s.kind].label}{s.status}")
    return out
