"""A city-scale store for benchmarks: 1,000,000 volunteers, 50,000 issues, 5,000 units.

The sample city's seven districts (names, shapes and codes from civdash/sample/files/districts.geojson)
with their population scaled up to a large city's, and weekly snapshots of canonical ledger rows
generated directly with numpy: no spreadsheets, no ingest, so a store of several million rows is
built in about a minute and always the same for the same seed. Each ledger is simulated once on a
time line (registration dates and hours, found / rectified / verified dates, unit scores) and each
week is a view of it at that Sunday, so week-over-week figures are plausible:

- volunteers: the rows registered by the as-of date (the last week has `volunteers` rows), hours
  growing a little each week;
- issues: the rows found by the as-of date, statuses as of that date (the last week has `issues`
  rows, one of them with the hostile description `<img src=x onerror=alert(1)>`);
- units: all `units` rows every week, a few scores moving; targets: the sample city's.

Run by hand, or from benchmarks/bench_dashboard.py, which builds the store once into
benchmarks/out/ and reuses it:

    python benchmarks/city.py --out /tmp/city.sqlite                      # default sizes, 6 weeks
    python benchmarks/city.py --out /tmp/small.sqlite --volunteers 100000 --weeks 4
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from civdash import store as store_module
from civdash.accounts import Accounts
from civdash.config import DEFAULT_SETTINGS
from civdash.districts import DistrictTable
from civdash.ingest import SOURCE_ROW, IngestResult, ingest_file
from civdash.ledgers.issues import LONG_TERM, POINT_TYPES, SOURCES
from civdash.ledgers.units import CATEGORIES, LEVELS
from civdash.metrics import star_level
from civdash.store import LOCAL_TZ, Store

ROOT = Path(__file__).resolve().parents[1]
DISTRICTS_FILE = ROOT / "civdash" / "sample" / "files" / "districts.geojson"
TARGETS_FILE = ROOT / "civdash" / "sample" / "files" / "targets.xlsx"
END_DATE = date(2026, 11, 15)
"""The last as-of date (a Sunday, as in the sample city)."""
POPULATION_SCALE = 32
"""The sample's 260,000 residents × 32 ≈ 8.3 million: 1,000,000 volunteers is then about 12%."""
HOSTILE_DESCRIPTION = '=HYPERLINK("http://x") <img src=x onerror=alert(1)> 洗手池损坏'
COMMITTED_BY = "城市规模基准"
BENCH_ADMIN = "基准管理员"
"""The account the page benchmarks are logged in as (no password: it never logs in by form)."""

_SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹")
_GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国文婷")
_TEAM_KINDS = ("青年", "巾帼", "党员", "文明交通", "环保", "助老", "关爱未成年人", "社区")
_ISSUE_CATEGORIES = ("环境卫生", "市容市貌", "交通秩序", "公益广告", "设施维护", "公厕管理",
                     "文明养犬", "经营秩序", "窗口服务")  # fmt: skip
_PROBLEMS = (
    "地面有垃圾杂物，未及时清扫", "墙面有“牛皮癣”小广告", "非机动车乱停乱放", "流动摊贩占道经营",
    "公益广告破损褪色", "店招店牌破损", "公厕设施损坏", "楼道堆放杂物", "护栏破损", "路灯不亮",
    "斑马线标线模糊", "污水横流，异味明显", "工地围挡破损", "渣土车未覆盖", "随地吐痰",
    "不文明养犬，犬只未牵绳", "机动车不礼让行人", "共享单车堆积无序", "无障碍设施缺失",
    "未公示服务承诺", "座椅损坏", "废旧家具堆放未清运", "违规设置户外广告牌",
)  # fmt: skip
_PLACES = ("路", "街", "菜市场", "公园", "广场", "小区", "公交站", "学校门口", "商业街", "公厕")
_MEASURES = ("已清扫冲洗，增加清运频次", "已清除小广告，安排专人巡查", "已规范停放", "已修复",
             "已增设公益广告", "已约谈经营户")  # fmt: skip
_UNIT_KINDS = {
    "文明单位": ("局", "公司", "医院", "银行支行", "税务分局"),
    "文明村镇": ("村", "镇"),
    "文明社区": ("社区",),
    "文明校园": ("小学", "中学", "幼儿园", "职业学校"),
    "文明家庭": ("家庭",),
    "文明窗口": ("服务窗口", "营业厅", "办事大厅"),
    "其他": ("单位",),
}
_DEPARTMENTS = ("市直机关工委", "市教育局", "市民政局", "市妇联", "市农业农村局", "市国资委")


@dataclass(frozen=True)
class CitySize:
    """How big the generated city is and how many weekly snapshots it has."""

    volunteers: int = 1_000_000
    issues: int = 50_000
    units: int = 5_000
    weeks: int = 6
    seed: int = 2026

    @property
    def key(self) -> str:
        """A short name for this size, used in cached file names."""
        return f"v{self.volunteers}_i{self.issues}_u{self.units}_w{self.weeks}_s{self.seed}"


def as_of_dates(weeks: int) -> list[date]:
    """The weekly as-of dates, oldest first, ending on END_DATE."""
    return [END_DATE - timedelta(days=7 * k) for k in range(weeks - 1, -1, -1)]


def districts_geojson(population_scale: int = POPULATION_SCALE) -> dict[str, Any]:
    """The sample city's districts with the population of a large city."""
    collection = json.loads(DISTRICTS_FILE.read_text(encoding="utf-8"))
    out = copy.deepcopy(collection)
    for feature in out["features"]:
        feature["properties"]["population"] *= population_scale
    return out


# ---------------------------------------------------------------------------------------------
# Geography


def _inside(ring: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Even-odd rule: which points lie inside the polygon ring (vectorised over points)."""
    inside = np.zeros(len(lon), dtype=bool)
    x0, y0 = ring[-1]
    for x1, y1 in ring:
        crosses = (y1 > lat) != (y0 > lat)
        with np.errstate(divide="ignore", invalid="ignore"):
            x_at = (x0 - x1) * (lat - y1) / (y0 - y1) + x1
        inside ^= crosses & (lon < x_at)
        x0, y0 = x1, y1
    return inside


@dataclass(frozen=True)
class _Geography:
    names: tuple[str, ...]
    population: np.ndarray
    rings: tuple[np.ndarray, ...]
    bounds: tuple[float, float, float, float]

    @staticmethod
    def load(collection: dict[str, Any]) -> _Geography:
        names, population, rings = [], [], []
        for feature in collection["features"]:
            names.append(feature["properties"]["name"])
            population.append(float(feature["properties"]["population"]))
            rings.append(np.asarray(feature["geometry"]["coordinates"][0], dtype="float64"))
        stacked = np.concatenate(rings)
        lon_min, lat_min = stacked.min(axis=0)
        lon_max, lat_max = stacked.max(axis=0)
        return _Geography(
            tuple(names), np.asarray(population), tuple(rings), (lon_min, lat_min, lon_max, lat_max)
        )

    def points(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """n points spread over the city (uniform by area): lon, lat and district index."""
        lon_min, lat_min, lon_max, lat_max = self.bounds
        lon_out, lat_out, idx_out = [], [], []
        got = 0
        while got < n:
            m = int((n - got) * 1.6) + 64
            lon = rng.uniform(lon_min, lon_max, m)
            lat = rng.uniform(lat_min, lat_max, m)
            idx = np.full(m, -1)
            for k, ring in enumerate(self.rings):
                idx[(idx < 0) & _inside(ring, lon, lat)] = k
            keep = idx >= 0
            lon_out.append(lon[keep])
            lat_out.append(lat[keep])
            idx_out.append(idx[keep])
            got += int(keep.sum())
        return (
            np.concatenate(lon_out)[:n],
            np.concatenate(lat_out)[:n],
            np.concatenate(idx_out)[:n],
        )


def _streets(names: Sequence[str], per_district: int = 12) -> list[list[str]]:
    return [[f"{name[:2]}第{k + 1}街道" for k in range(per_district)] for name in names]


def _pick(
    rng: np.random.Generator, pool: Sequence[str], n: int, p: Sequence[float] | None = None
) -> np.ndarray:
    return np.asarray(pool, dtype=object)[rng.choice(len(pool), n, p=p)]


def _dates(base: date, days: np.ndarray) -> np.ndarray:
    """base + days as datetime64[s]; NaN / inf days become NaT."""
    out = np.full(len(days), np.datetime64("NaT"), dtype="datetime64[s]")
    ok = np.isfinite(days)
    out[ok] = np.datetime64(base, "s") + (days[ok].astype("int64") * 86400).astype("timedelta64[s]")
    return out


def _text(values: np.ndarray | list[str]) -> pd.Series:
    return pd.Series(values, dtype="str")


# ---------------------------------------------------------------------------------------------
# The simulated city


class City:
    """The simulated city: `*_at(as_of)` give each ledger's canonical rows at an as-of date."""

    def __init__(self, size: CitySize = CitySize()) -> None:
        self.size = size
        self.collection = districts_geojson()
        self.geo = _Geography.load(self.collection)
        self.districts = DistrictTable.from_geojson(self.collection)
        self.dates = as_of_dates(size.weeks)
        rng = np.random.default_rng(size.seed)
        self._volunteers = self._simulate_volunteers(rng)
        self._issues = self._simulate_issues(rng)
        self._units = self._simulate_units(rng)

    # -- volunteers ----------------------------------------------------------------------------

    def _simulate_volunteers(self, rng: np.random.Generator) -> dict[str, Any]:
        n = self.size.volunteers
        first = self.dates[0]
        # registered over ten years; the last weeks add about 1% of the rows each
        late = int(n * 0.01 * (len(self.dates) - 1))
        early_days = np.sort(rng.integers(0, (first - date(2016, 1, 1)).days + 1, n - late))
        late_days = (
            np.sort(rng.integers(1, (END_DATE - first).days + 1, late))
            + (first - date(2016, 1, 1)).days
        )
        days = np.concatenate([early_days, late_days]).astype("float64")
        weights = self.geo.population / self.geo.population.sum()
        district = rng.choice(len(self.geo.names), n, p=weights)
        streets = _streets(self.geo.names)
        street_no = rng.integers(0, len(streets[0]), n)
        names = np.asarray([s + g1 + g2 for s in _SURNAMES for g1 in _GIVEN for g2 in _GIVEN])
        teams = np.asarray(
            [
                f"{d[:2]}{kind}志愿服务{k + 1}队"
                for d in self.geo.names
                for kind in _TEAM_KINDS
                for k in range(5)
            ],
            dtype=object,
        ).reshape(len(self.geo.names), -1)
        return {
            "volunteer_id": np.asarray([f"ZY{i:08d}" for i in range(1, n + 1)], dtype=object),
            "name": names[rng.integers(0, len(names), n)],
            "gender": np.where(rng.random(n) < 0.56, "女", "男").astype(object),
            "district": np.asarray(self.geo.names, dtype=object)[district],
            "street": np.asarray(streets, dtype=object)[district, street_no],
            "team": teams[district, rng.integers(0, teams.shape[1], n)],
            "registered_days": days,
            "final_hours": np.round(rng.pareto(1.4, n) * 30, 1),
            "is_party_member": rng.random(n) < 0.32,
            "phone": np.asarray([f"1380{i % 10_000_000:07d}" for i in range(n)], dtype=object),
        }

    def volunteers_at(self, as_of: date) -> pd.DataFrame:
        v = self._volunteers
        registered = _dates(date(2016, 1, 1), v["registered_days"])
        keep = registered <= np.datetime64(as_of, "s")
        # hours grow towards their final value over the weeks shown
        week = self.dates.index(as_of) if as_of in self.dates else len(self.dates) - 1
        factor = 1.0 - 0.01 * (len(self.dates) - 1 - week)
        hours = np.round(v["final_hours"][keep] * factor, 1)
        frame = pd.DataFrame(
            {
                "volunteer_id": _text(v["volunteer_id"][keep]),
                "name": _text(v["name"][keep]),
                "gender": _text(v["gender"][keep]),
                "district": _text(v["district"][keep]),
                "street": _text(v["street"][keep]),
                "team": _text(v["team"][keep]),
                "registered_on": registered[keep],
                "hours": hours,
                "is_party_member": v["is_party_member"][keep],
                "phone": _text(v["phone"][keep]),
            }
        )
        frame["star_level"] = star_level(frame["hours"], DEFAULT_SETTINGS.star_thresholds)
        return frame

    # -- issues --------------------------------------------------------------------------------

    @property
    def _ISSUES_START(self) -> date:
        """Issues are found from 1 March, or from three months before a longer history's first
        week (52 weeks begin in November of the year before): every week has issues."""
        return min(date(2026, 3, 1), self.dates[0] - timedelta(days=90))

    def _simulate_issues(self, rng: np.random.Generator) -> dict[str, Any]:
        n = self.size.issues
        span = (END_DATE - self._ISSUES_START).days
        found = np.sort(rng.integers(0, span + 1, n)).astype("float64")
        lon, lat, district = self.geo.points(rng, n)
        no_point = rng.random(n) < 0.05
        lon, lat = np.where(no_point, np.nan, lon), np.where(no_point, np.nan, lat)
        streets = _streets(self.geo.names)
        street = np.asarray(streets, dtype=object)[district, rng.integers(0, len(streets[0]), n)]
        limit = rng.choice([1.0, 3.0, 7.0, 15.0], n, p=[0.1, 0.3, 0.4, 0.2])
        long_term = rng.random(n) < 0.04
        slow = rng.random(n) < 0.15
        rectify_after = np.round(limit * np.exp(rng.normal(-0.3, 0.6, n)) * np.where(slow, 3, 1))
        rectified = np.where(long_term, np.inf, found + np.maximum(rectify_after, 0))
        verified = rectified + rng.integers(1, 10, n)
        started = found + np.minimum(rng.integers(0, 4, n), np.maximum(rectify_after, 0))
        place = _pick(rng, _PLACES, n)
        problem = _pick(rng, _PROBLEMS, n)
        problem[int(np.flatnonzero(~no_point)[n // 3])] = HOSTILE_DESCRIPTION
        month = (pd.Timestamp(self._ISSUES_START) + pd.to_timedelta(found, unit="D")).strftime(
            "%Y%m"
        )
        seq = pd.Series(1, index=range(n)).groupby(np.asarray(month)).cumsum().to_numpy()
        return {
            "issue_id": np.asarray(
                [f"WT{m}{s:05d}" for m, s in zip(month, seq, strict=True)], dtype=object
            ),
            "found_days": found,
            "district": np.asarray(self.geo.names, dtype=object)[district],
            "street": street,
            "location": np.asarray(
                [
                    f"{s[:4]}{k % 97 + 1}号{p}"
                    for k, (s, p) in enumerate(zip(street, place, strict=True))
                ],
                dtype=object,
            ),
            "point_type": _pick(rng, POINT_TYPES[:-1], n),
            "category": _pick(rng, _ISSUE_CATEGORIES, n),
            "description": problem,
            "source": _pick(rng, SOURCES[:-1], n),
            "responsible_unit": np.asarray(
                [
                    f"{d[:2]}{u}"
                    for d in self.geo.names
                    for u in ("城管局", "住建局", "市场监管所", "交警大队")
                ]
                + [f"{s}办事处" for row in streets for s in row],
                dtype=object,
            )[rng.integers(0, len(self.geo.names) * (4 + len(streets[0])), n)],
            "deadline_days": np.where(long_term, np.nan, found + limit),
            "long_term": long_term,
            "started_days": started,
            "rectified_days": rectified,
            "verified_days": verified,
            "measures": _pick(rng, _MEASURES, n),
            "lat": lat,
            "lon": lon,
        }

    def issues_at(self, as_of: date) -> pd.DataFrame:
        s = self._issues
        day = float((as_of - self._ISSUES_START).days)
        keep = s["found_days"] <= day
        rect = s["rectified_days"][keep]
        status = np.select(
            [
                s["long_term"][keep],
                s["verified_days"][keep] <= day,
                rect <= day,
                s["started_days"][keep] <= day,
            ],
            [LONG_TERM, "已销号", "已整改", "整改中"],
            default="待整改",
        ).astype(object)
        closed = rect <= day
        return pd.DataFrame(
            {
                "issue_id": _text(s["issue_id"][keep]),
                "found_on": _dates(self._ISSUES_START, s["found_days"][keep]),
                "district": _text(s["district"][keep]),
                "street": _text(s["street"][keep]),
                "location": _text(s["location"][keep]),
                "point_type": _text(s["point_type"][keep]),
                "category": _text(s["category"][keep]),
                "description": _text(s["description"][keep]),
                "source": _text(s["source"][keep]),
                "responsible_unit": _text(s["responsible_unit"][keep]),
                "deadline": _dates(self._ISSUES_START, s["deadline_days"][keep]),
                "status": _text(status),
                "rectified_on": _dates(self._ISSUES_START, np.where(closed, rect, np.nan)),
                "measures": _text(np.where(closed, s["measures"][keep], None)),
                "lat": s["lat"][keep],
                "lon": s["lon"][keep],
            }
        )

    # -- units ---------------------------------------------------------------------------------

    def _simulate_units(self, rng: np.random.Generator) -> dict[str, Any]:
        n = self.size.units
        lon, lat, district = self.geo.points(rng, n)
        no_point = rng.random(n) < 0.05
        streets = _streets(self.geo.names)
        category = _pick(rng, CATEGORIES, n, p=[0.3, 0.15, 0.15, 0.12, 0.15, 0.1, 0.03])
        names = [
            f"{self.geo.names[d][:2]}{streets[d][k % len(streets[d])][2:-2]}{k + 1}号"
            f"{_UNIT_KINDS[c][k % len(_UNIT_KINDS[c])]}"
            for k, (d, c) in enumerate(zip(district, category, strict=True))
        ]
        status = _pick(rng, ("培育中", "已申报", "已命名", "复查保留", "已撤销"), n,
                       p=[0.25, 0.1, 0.4, 0.23, 0.02])  # fmt: skip
        named = np.isin(status, ["已命名", "复查保留", "已撤销"])
        score = np.round(np.clip(rng.normal(80, 8, n), 40, 100), 1)
        # a tenth of the named units were named during the weeks shown (已申报 before that week)
        late = (status == "已命名") & (rng.random(n) < 0.1)
        weeks = max(len(self.dates), 2)
        return {
            "unit_id": np.asarray([f"DW{i:06d}" for i in range(1, n + 1)], dtype=object),
            "unit_name": np.asarray(names, dtype=object),
            "category": category,
            "level": _pick(rng, LEVELS, n, p=[0.02, 0.13, 0.45, 0.4]),
            "district": np.asarray(self.geo.names, dtype=object)[district],
            "street": np.asarray(streets, dtype=object)[
                district, rng.integers(0, len(streets[0]), n)
            ],
            "status": status,
            "score": np.where(rng.random(n) < 0.1, np.nan, score),
            "gain": rng.normal(0.4, 0.8, n),
            "target_score": np.where(named, 80.0, 85.0),
            "named_year": np.where(late, 2026, np.where(named, rng.integers(2015, 2026, n), -1)),
            "named_week": np.where(late, rng.integers(1, weeks, n), 0),
            "department": _pick(rng, _DEPARTMENTS, n),
            "lat": np.where(no_point, np.nan, lat),
            "lon": np.where(no_point, np.nan, lon),
        }

    def units_at(self, as_of: date) -> pd.DataFrame:
        u = self._units
        week = self.dates.index(as_of) if as_of in self.dates else len(self.dates) - 1
        score = np.clip(np.round(u["score"] - u["gain"] * (len(self.dates) - 1 - week), 1), 0, 100)
        pending = u["named_week"] > week
        status = np.where(pending, "已申报", u["status"])
        named_year = pd.Series(u["named_year"], dtype="Int64").mask(
            (u["named_year"] <= 0) | pending
        )
        return pd.DataFrame(
            {
                "unit_id": _text(u["unit_id"]),
                "unit_name": _text(u["unit_name"]),
                "category": _text(u["category"]),
                "level": _text(u["level"]),
                "district": _text(u["district"]),
                "street": _text(u["street"]),
                "status": _text(status),
                "score": score,
                "target_score": np.where(pending, 85.0, u["target_score"]),
                "named_year": named_year,
                "department": _text(u["department"]),
                "lat": u["lat"],
                "lon": u["lon"],
            }
        )


# ---------------------------------------------------------------------------------------------
# Into a store


def _result(kind: str, rows: pd.DataFrame, as_of: date, file_name: str) -> IngestResult:
    """An IngestResult for rows that are already canonical (every row valid)."""
    rows = rows.reset_index(drop=True)
    rows[SOURCE_ROW] = np.arange(2, len(rows) + 2)
    return IngestResult(
        kind=kind,
        sheet=None,
        header_row=1,
        rows_read=len(rows),
        rows=rows,
        problems=[],
        columns={},
        as_of=as_of,
        file_name=file_name,
    )


def build_store(url: str, size: CitySize = CitySize(), *, log: bool = True) -> dict[str, float]:
    """Generate the city and commit it (districts, targets, every week's ledgers) into `url`.

    Returns seconds spent generating and committing, and the rows committed.
    """
    t0 = time.perf_counter()
    city = City(size)
    timings = {"simulate": time.perf_counter() - t0, "generate": 0.0, "commit": 0.0, "rows": 0.0}
    timings |= {f"commit_{k}": 0.0 for k in ("units", "volunteers", "issues")}
    timings |= {f"aggregate_{k}": 0.0 for k in ("units", "volunteers", "issues")}
    store = Store(url)
    spent = _AggregateTimer(timings)
    try:
        Accounts(store).add(BENCH_ADMIN, "admin", actor=COMMITTED_BY)
        geo_bytes = json.dumps(city.collection, ensure_ascii=False).encode("utf-8")
        store.commit_districts(
            city.districts, geo_bytes, file_name="districts.geojson", committed_by=COMMITTED_BY
        )
        targets = ingest_file(TARGETS_FILE, kind="targets", districts=city.districts)
        store.commit(
            targets, TARGETS_FILE.read_bytes(), committed_by=COMMITTED_BY, as_of=city.dates[0]
        )
        for as_of in city.dates:
            for kind, make in (
                ("units", city.units_at),
                ("volunteers", city.volunteers_at),
                ("issues", city.issues_at),
            ):
                t = time.perf_counter()
                rows = make(as_of)
                name = f"{kind}_{as_of.isoformat()}.xlsx"
                result = _result(kind, rows, as_of, name)
                timings["generate"] += time.perf_counter() - t
                t = time.perf_counter()
                tag = f"{size.key} {kind} {as_of.isoformat()}".encode()
                spent.kind = kind
                store.commit(
                    result,
                    hashlib.sha256(tag).digest(),
                    committed_by=COMMITTED_BY,
                    as_of=as_of,
                    # sent in on the Friday before the as-of Sunday, as an office would
                    committed_at=datetime.combine(
                        as_of - timedelta(days=2), clock_time(16), LOCAL_TZ
                    ),
                )
                timings["commit"] += time.perf_counter() - t
                timings[f"commit_{kind}"] += time.perf_counter() - t
                timings["rows"] += len(rows)
                if log:
                    print(
                        f"  {as_of} {kind:<10} {len(rows):>9,} 行  "
                        f"生成+提交累计 {time.perf_counter() - t0:6.1f} s",
                        flush=True,
                    )
    finally:
        spent.restore()
        store.close()
    return timings


class _AggregateTimer:
    """Adds the time `civdash.aggregates.aggregate` takes during each commit to
    timings["aggregate_<kind>"], so the report can say what the aggregates add to a commit."""

    def __init__(self, timings: dict[str, float]) -> None:
        self.kind = ""
        self._original = store_module.aggregates.aggregate
        original = self._original

        def timed(*args: Any, **kwargs: Any) -> pd.DataFrame:
            t = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                timings[f"aggregate_{self.kind}"] += time.perf_counter() - t

        store_module.aggregates.aggregate = timed  # type: ignore[assignment]

    def restore(self) -> None:
        store_module.aggregates.aggregate = self._original  # type: ignore[assignment]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="SQLite file to create")
    parser.add_argument("--volunteers", type=int, default=CitySize.volunteers)
    parser.add_argument("--issues", type=int, default=CitySize.issues)
    parser.add_argument("--units", type=int, default=CitySize.units)
    parser.add_argument("--weeks", type=int, default=CitySize.weeks)
    parser.add_argument("--seed", type=int, default=CitySize.seed)
    args = parser.parse_args()
    if args.out.exists():
        parser.error(f"{args.out} 已存在；请换一个文件名或先删除它。")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    size = CitySize(args.volunteers, args.issues, args.units, args.weeks, args.seed)
    timings = build_store(f"sqlite:///{args.out}", size)
    print(
        f"{args.out}: {int(timings['rows']):,} 行；模拟 {timings['simulate']:.1f} s，"
        f"生成 {timings['generate']:.1f} s，提交 {timings['commit']:.1f} s"
    )


if __name__ == "__main__":
    main()
