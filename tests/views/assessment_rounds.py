"""Two 测评 rounds of three districts, built by hand, as frames, as ledgers and as a store: what
the 测评结果 view, page, slide and 通报 tests compare with `civdash.metrics.assessments`.

The story: 南港区's 南港农贸市场 loses 环境整洁 in both rounds (the repeat loss, its reason
carrying a hostile tag and a phone number), 东湖区 stops losing 交通秩序, 城关区 loses 环境整洁
in the second round with a reason that looks like a formula. Every 点位 has three items
(环境整洁 2 points, 交通秩序 1, 公益广告 1); the second 点位 of each district has no coordinates.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from civdash.dashboard import Filters, Ledgers, load_ledgers
from civdash.districts import DistrictTable
from civdash.ingest import SOURCE_ROW
from civdash.sample.loader import packaged_file
from civdash.store import Store
from tests.snapshots import snapshot_info
from tests.store.helpers import ledger_result

ROUNDS = (("2026年10月模拟测评", date(2026, 10, 14)), ("2026年11月模拟测评", date(2026, 11, 11)))
DISTRICT_NAMES = ("城关区", "东湖区", "南港区")
ITEMS = (("环境整洁", "3.1.1", 2.0), ("交通秩序", "2.2.1", 1.0), ("公益广告", "1.1.1", 1.0))
HOSTILE = "<img src=x onerror=alert(1)>"
PHONE = "13800001234"
FORMULA = "=1+2 占道经营"
MARKET = "南港农贸市场"

LOSSES = {
    (0, "南港区", 0, "环境整洁"): 1.0,
    (0, "东湖区", 0, "交通秩序"): 0.5,
    (0, "东湖区", 1, "交通秩序"): 0.5,
    (0, "城关区", 1, "公益广告"): 0.5,
    (0, "城关区", 0, "交通秩序"): 1.0,
    (1, "南港区", 0, "环境整洁"): 1.5,
    (1, "南港区", 1, "公益广告"): 0.5,
    (1, "城关区", 0, "环境整洁"): 0.5,
}
"""(round, district, 点位, item) → points lost; every other item scores full points."""

CENTRES = {"城关区": (30.30, 120.15), "东湖区": (30.32, 120.30), "南港区": (30.22, 120.25)}


def location(district: str, point: int) -> str:
    return MARKET if (district, point) == ("南港区", 0) else f"{district}点位{point}"


def reason(r: int, district: str, point: int, item: str) -> str | None:
    if (r, district, point, item) == (1, "南港区", 0, "环境整洁"):
        return f"地面有垃圾 {HOSTILE} 投诉人{PHONE}"
    if (r, district, point, item) == (1, "城关区", 0, "环境整洁"):
        return FORMULA
    return "存在问题" if LOSSES.get((r, district, point, item)) else None


def round_frame(r: int) -> pd.DataFrame:
    """Round `r` (0 or 1): 3 districts × 2 点位 × 3 items, canonical fields."""
    name, day = ROUNDS[r]
    rows = []
    for district in DISTRICT_NAMES:
        for point in range(2):
            lat, lon = CENTRES[district]
            for item, code, full in ITEMS:
                lost = LOSSES.get((r, district, point, item), 0.0)
                rows.append(
                    {
                        "round": name,
                        "assessed_on": pd.Timestamp(day),
                        "district": district,
                        "street": f"{district[:2]}街道",
                        "location": location(district, point),
                        "point_type": "集贸市场" if point == 0 else "背街小巷",
                        "item": item,
                        "item_code": code,
                        "full_points": full,
                        "score": full - lost,
                        "points_lost": lost,
                        "responsible_unit": f"{district[:2]}{item}责任单位",
                        "description": reason(r, district, point, item),
                        "assessor": "某测评机构",
                        "lat": lat if point == 0 else None,
                        "lon": lon if point == 0 else None,
                    }
                )
    return pd.DataFrame(rows)


def two_rounds() -> pd.DataFrame:
    """Both rounds, every district."""
    return pd.concat([round_frame(0), round_frame(1)], ignore_index=True)


def district_table() -> DistrictTable:
    """The sample city's districts, with their boundaries (the map draws them)."""
    return DistrictTable.from_geojson(packaged_file("districts.geojson"))


def snapshot_day(r: int) -> date:
    """A round's report is committed two days after it starts."""
    return ROUNDS[r][1] + timedelta(days=2)


CITY = Filters()


def rounds_ledgers(
    filters: Filters = CITY, frames: dict[int, pd.DataFrame] | None = None
) -> Ledgers:
    """Ledgers over one assessments snapshot per round (id 1: round 0, id 2: round 1), or
    over `frames` (snapshot id → rows, dated by round)."""
    frames = frames or {1: round_frame(0), 2: round_frame(1)}
    last = max(frames)
    snaps = [
        snapshot_info(sid, "assessments", snapshot_day(min(sid - 1, 1)), current=sid == last)
        for sid in frames
    ]
    return load_ledgers(snaps, frames.__getitem__, filters, districts=district_table())


def rounds_store(home: Path) -> Store:
    """A SQLite store under `home` holding the district table and one assessments snapshot per
    round, committed as the monthly reports are (the second becomes current)."""
    home.mkdir(parents=True, exist_ok=True)
    store = Store(f"sqlite:///{home / 'civdash.sqlite'}")
    geojson = packaged_file("districts.geojson")
    store.commit_districts(district_table(), geojson, file_name="区县.geojson", committed_by="测试")
    for r in (0, 1):
        rows = round_frame(r)
        rows[SOURCE_ROW] = range(3, 3 + len(rows))
        result = ledger_result("assessments", rows, as_of=snapshot_day(r), rows_invalid=0)
        store.commit(
            result,
            f"测评报告{r}".encode(),
            committed_by="测试编辑",
            as_of=snapshot_day(r),
            allow_shrink=True,
        )
    return store
