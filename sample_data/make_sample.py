"""The sample city 青澜市: a deterministic generator of weekly ledgers written the way offices write them.

青澜市 is a fictional county-level city of 260,000 residents in seven 区县-level units. Its
ledgers are simulated on a continuous time line (every volunteer's registration date and hours,
every unit's status events, every issue's found / rectified / verified dates), so the file for any
Sunday is a view of one city and every week-over-week trend is real. `generate` writes that city as
messy .xlsx files: merged title rows with the as-of date, note rows, varying header spellings,
a two-row header, 合计 rows, 填报人 footers, mixed date styles, district spellings, full-width
digits and a handful of genuinely bad rows per file. The storyline is in sample_data/README.md.

Usage:
    python sample_data/make_sample.py --out DIR            # every week (cache)
    python sample_data/make_sample.py --out sample_data/city --latest-only

Only the standard library, numpy and pandas are used. The .xlsx files are written by a small
OOXML writer (`_Workbook`) rather than xlsxwriter: xlsxwriter took 4.6 s for one 30,000-row
volunteer file on this machine (constant_memory mode), about 40 s for ten weeks.
"""

from __future__ import annotations

import argparse
import json
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

__all__ = [
    "CITY",
    "DISTRICTS",
    "END_DATE",
    "IMPOSSIBLE_DATE",
    "IMPROVING_UNIT",
    "LAGGING_DISTRICT",
    "LATEST_FILES",
    "RISING_CREATION_UNIT",
    "SIMULATED_EVALUATION",
    "SLOW_UNITS",
    "UNKNOWN_DISTRICT",
    "SampleCity",
    "SampleFile",
    "as_of_dates",
    "districts_geojson",
    "generate",
    "ledger_file_name",
    "main",
    "simulate",
]

CITY = "青澜市"
END_DATE = date(2026, 11, 15)
"""The last as-of date (a Sunday); weekly files are dated on the Sundays before it."""
MAX_WEEKS = 26
ISSUES_START = date(2026, 3, 1)
UNITS_START = date(2026, 6, 1)
VOLUNTEERS_START = date(2015, 1, 1)
WINDOW_START = date(2026, 9, 13)
"""First as-of date of the default ten weeks; the volunteer drive is calibrated from here."""

MARKET_SUPERVISION_DAY = date(2026, 10, 5)
"""督办 notice to 市市场监管局: its backlog is cleared within two weeks of this day."""
SIMULATED_EVALUATION = (date(2026, 10, 13), date(2026, 10, 16))
"""模拟测评 by a third party: a burst of issues found on these days."""
REVIEW_DAY = date(2026, 9, 25)
NAMING_DAY = date(2026, 10, 20)
REVOKE_DAY = date(2026, 10, 30)
TARGETS_ISSUED = date(2026, 8, 31)

LAGGING_DISTRICT = "南港区"
IMPROVING_UNIT = "市市场监管局"
"""The responsible unit whose rectification rate jumps after MARKET_SUPERVISION_DAY."""
SLOW_UNITS = ("港口街道办事处", "渔港街道办事处", "市住建局")
"""Responsible units that stay at the bottom of the rectification ranking every week."""
RISING_CREATION_UNIT = "渔港村"
"""A creation unit in 南港区 whose evaluation score climbs from the low 60s to about 90."""

_EXCEL_EPOCH = date(1899, 12, 30)


def _words(text: str) -> tuple[str, ...]:
    """A word list written as one space-separated string (keeps the data tables short)."""
    return tuple(text.split())


# ---------------------------------------------------------------------------------------------
# The city: districts, streets, roads, boundaries
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _DistrictSpec:
    name: str
    code: str
    population: int
    aliases: tuple[str, ...]
    streets: tuple[str, ...]
    roads: tuple[str, ...]
    ring: str
    """Node letters of the boundary, see `_NODES`."""
    volunteer_rate_start: float
    """Registered volunteers as % of population on WINDOW_START."""
    volunteer_rate_end: float
    """… and on END_DATE."""
    issue_weight: float
    slowness: float
    """Multiplier on rectification time for issues in this district."""
    score_offset: float
    special_team: str

    @property
    def short(self) -> str:
        return self.aliases[0] if self.aliases else self.name


# fmt: off
DISTRICTS: tuple[_DistrictSpec, ...] = (
    # name, code, population, aliases, streets, roads, ring, volunteers % start → end,
    # issue weight, slowness, score offset, the district's own team
    _DistrictSpec(
        "城关区", "339902", 61842, (), _words("鼓楼街道 文昌街道 府前街道 南门街道 西门街道"),
        _words("人民路 解放路 中山路 鼓楼街 文昌路 府前街 南门大街 西门路"),
        "KLPMQN", 10.0, 13.4, 1.15, 0.9, 1.5, "鼓楼义工服务队",
    ),
    _DistrictSpec(
        "东湖区", "339903", 45317, (), _words("湖滨街道 东湖街道 望湖街道 白沙街道"),
        _words("湖滨路 东湖大道 望湖路 白沙路 环湖东路 迎宾大道"),
        "PDEM", 9.0, 12.1, 0.95, 0.9, 0.5, "护湖志愿服务队",
    ),
    _DistrictSpec(
        "西山区", "339904", 32905, (), _words("西山街道 青峰街道 龙泉镇"),
        _words("西山路 青峰路 龙泉路 石门街 山前路"),
        "JKNI", 8.2, 11.0, 0.85, 1.0, 0.0, "护林志愿服务队",
    ),
    _DistrictSpec(
        "南港区", "339905", 41268, (), _words("港口街道 南港街道 渔港街道 沙洲镇"),
        _words("港口路 渔港路 南港大道 沙洲路 海塘路 船厂路 鱼市街"),
        "QMEFG", 7.2, 8.3, 1.6, 1.7, -4.0, "渔港平安志愿服务队",
    ),
    _DistrictSpec(
        "北塘镇", "339906", 24136, (), _words("北塘集镇 新塘片区 塘湾片区"),
        _words("北塘大街 新塘路 塘湾路 镇前街"),
        "ABLKJ", 7.6, 10.2, 0.75, 0.85, -0.5, "乡风文明志愿服务队",
    ),
    _DistrictSpec(
        "高新技术产业开发区", "339971", 31074, ("高新区",), _words("科创街道 云谷街道"),
        _words("科创大道 云谷路 创业路 智慧大道 高新一路"),
        "BCDPL", 9.0, 12.8, 0.9, 0.95, 1.0, "企业志愿服务联盟",
    ),
    _DistrictSpec(
        "临江镇", "339907", 23458, (), _words("临江集镇 江滨片区 桃源片区"),
        _words("临江路 江滨路 桃源路 滨江大道"),
        "INQGH", 7.8, 10.5, 0.7, 1.0, 0.0, "护江志愿服务队",
    ),
)
# fmt: on
_DISTRICT_BY_NAME = {d.name: d for d in DISTRICTS}

# Boundary nodes on a unit square (x east, y north); districts share edges between nodes, and
# every edge gets the same two wiggle points in both districts, so the map tiles without gaps.
# fmt: off
_NODES: dict[str, tuple[float, float]] = {
    "A": (0.05, 0.95), "B": (0.60, 1.00), "C": (0.97, 0.93), "D": (1.00, 0.60),
    "E": (0.98, 0.30), "F": (0.88, 0.02), "G": (0.45, 0.00), "H": (0.03, 0.06),
    "I": (0.00, 0.33), "J": (0.01, 0.68), "K": (0.33, 0.70), "L": (0.61, 0.67),
    "P": (0.64, 0.55), "M": (0.65, 0.36), "Q": (0.46, 0.33), "N": (0.32, 0.35),
}
# fmt: on
_LON0, _LON_SPAN, _LAT0, _LAT_SPAN = 120.05, 0.42, 30.20, 0.30


def _edge_points(a: str, b: str) -> list[tuple[float, float]]:
    """The points of edge a→b, without b; the wiggle depends only on the unordered pair."""
    u, v = sorted((a, b))
    (x0, y0), (x1, y1) = _NODES[u], _NODES[v]
    dx, dy = x1 - x0, y1 - y0
    pts = [(x0, y0)]
    for k, t in enumerate((1 / 3, 2 / 3)):
        off = ((zlib.crc32(f"{u}{v}{k}".encode()) % 2001) / 1000 - 1) * 0.11
        pts.append((x0 + dx * t - dy * off, y0 + dy * t + dx * off))
    pts.append((x1, y1))
    if (u, v) != (a, b):
        pts.reverse()
    return pts[:-1]


def _ring(spec: _DistrictSpec) -> list[list[float]]:
    """The district's closed boundary ring as [lon, lat], counter-clockwise (RFC 7946)."""
    nodes = spec.ring
    pts: list[tuple[float, float]] = []
    for i, a in enumerate(nodes):
        pts.extend(_edge_points(a, nodes[(i + 1) % len(nodes)]))
    ring = [[round(_LON0 + x * _LON_SPAN, 5), round(_LAT0 + y * _LAT_SPAN, 5)] for x, y in pts]
    area = sum(
        ring[i][0] * ring[(i + 1) % len(ring)][1] - ring[(i + 1) % len(ring)][0] * ring[i][1]
        for i in range(len(ring))
    )
    if area < 0:
        ring.reverse()
    return [*ring, ring[0]]


def _inside(ring: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Ray-casting point-in-polygon test for many points at once."""
    inside = np.zeros(lon.shape, dtype=bool)
    x0, y0 = ring[:-1, 0], ring[:-1, 1]
    x1, y1 = ring[1:, 0], ring[1:, 1]
    for i in range(len(x0)):
        crosses = (y0[i] > lat) != (y1[i] > lat)
        with np.errstate(divide="ignore", invalid="ignore"):
            xc = x0[i] + (lat - y0[i]) * (x1[i] - x0[i]) / (y1[i] - y0[i])
        inside ^= crosses & (lon < xc)
    return inside


@dataclass(frozen=True)
class _Geography:
    rings: dict[str, np.ndarray]
    street_centres: dict[tuple[str, str], tuple[float, float]]

    def sample(
        self, rng: np.random.Generator, district: str, street: str, n: int, spread: float = 0.012
    ) -> tuple[np.ndarray, np.ndarray]:
        """`n` points around the street's centre, all inside the district boundary."""
        ring = self.rings[district]
        cx, cy = self.street_centres[(district, street)]
        lon = np.empty(0)
        lat = np.empty(0)
        while len(lon) < n:
            m = 2 * (n - len(lon)) + 4
            x = rng.normal(cx, spread, m)
            y = rng.normal(cy, spread * 0.85, m)
            keep = _inside(ring, x, y)
            lon = np.concatenate([lon, x[keep]])
            lat = np.concatenate([lat, y[keep]])
        return np.round(lon[:n], 6), np.round(lat[:n], 6)


def _geography() -> _Geography:
    rings = {d.name: np.array(_ring(d)) for d in DISTRICTS}
    centres: dict[tuple[str, str], tuple[float, float]] = {}
    for d in DISTRICTS:
        ring = rings[d.name]
        rng = np.random.default_rng(int(d.code))
        lo, hi = ring.min(axis=0), ring.max(axis=0)
        pts = rng.uniform(lo, hi, size=(600, 2))
        pts = pts[_inside(ring, pts[:, 0], pts[:, 1])]
        # keep away from the boundary so street clusters sit well inside the district
        core = pts[[_clearance(ring, p) > 0.012 for p in pts]]
        pts = core if len(core) >= len(d.streets) else pts
        mid = pts.mean(axis=0)
        chosen = [pts[np.argmin(((pts - mid) ** 2).sum(axis=1))]]
        while len(chosen) < len(d.streets):
            dist = np.min([((pts - c) ** 2).sum(axis=1) for c in chosen], axis=0)
            chosen.append(pts[np.argmax(dist)])
        for street, c in zip(d.streets, chosen, strict=True):
            centres[(d.name, street)] = (float(c[0]), float(c[1]))
    return _Geography(rings, centres)


def _clearance(ring: np.ndarray, p: np.ndarray) -> float:
    a, b = ring[:-1], ring[1:]
    ab = b - a
    t = np.clip(((p - a) * ab).sum(axis=1) / (ab**2).sum(axis=1), 0, 1)
    closest = a + ab * t[:, None]
    return float(np.sqrt(((closest - p) ** 2).sum(axis=1)).min())


def _coordinates(
    rng: np.random.Generator, geo: _Geography, frame: pd.DataFrame, *, missing: float, spread: float
) -> tuple[np.ndarray, np.ndarray]:
    """(lon, lat) clustered around each row's street, inside its district; a share left blank."""
    n = len(frame)
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    for key, idx in frame.groupby(["district", "street"]).indices.items():
        district, street = cast("tuple[str, str]", key)
        lon[idx], lat[idx] = geo.sample(rng, str(district), str(street), len(idx), spread=spread)
    blank = rng.random(n) < missing
    return np.where(blank, np.nan, lon), np.where(blank, np.nan, lat)


def districts_geojson() -> dict[str, Any]:
    """The FeatureCollection of sample_data/city/districts.geojson."""
    feats = []
    for d in DISTRICTS:
        feats.append(
            {
                "type": "Feature",
                "properties": {
                    "name": d.name,
                    "population": d.population,
                    "code": d.code,
                    "aliases": list(d.aliases),
                },
                "geometry": {"type": "Polygon", "coordinates": [_ring(d)]},
            }
        )
    return {"type": "FeatureCollection", "name": f"{CITY}区县边界", "features": feats}


def _geojson_text() -> str:
    data = districts_geojson()
    head = json.dumps({k: v for k, v in data.items() if k != "features"}, ensure_ascii=False)
    feats = ",\n".join(
        json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in data["features"]
    )
    return head[:-1] + ', "features": [\n' + feats + "\n]}\n"


# ---------------------------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------------------------

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴"
)
_GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建国红梅志文辉鹏飞斌宇浩凯健俊帆帅"
    "欣怡佳琪雪晨阳婷慧颖倩蕾洁琳晶燕丹宁波亮林峰海斌嘉欢晓春秋云龙凤琴瑶璐思源子轩梓涵雨泽博"
)
_SURNAME_W = np.linspace(3.0, 0.4, len(_SURNAMES))
_SURNAME_W /= _SURNAME_W.sum()


def _names(rng: np.random.Generator, n: int) -> list[str]:
    sur = rng.choice(list(_SURNAMES), size=n, p=_SURNAME_W)
    g1 = rng.choice(list(_GIVEN), size=n)
    g2 = rng.choice(list(_GIVEN), size=n)
    two = rng.random(n) < 0.72
    return [s + a + (b if t else "") for s, a, b, t in zip(sur, g1, g2, two, strict=True)]


def _local_office(district: str, street: str) -> str:
    """The street office or town government responsible for a street (属地管理)."""
    if street.endswith("街道"):
        return street + "办事处"
    if street.endswith("镇"):
        return street + "人民政府"
    return district + "人民政府"


# ---------------------------------------------------------------------------------------------
# Volunteers
# ---------------------------------------------------------------------------------------------

_CITY_TEAMS = _words(
    "青澜市红十字志愿服务队 青澜市文明交通志愿服务队 青澜市蓝天救援队 青澜市人民医院医疗志愿服务队 "
    "国网青澜供电公司共产党员服务队 青澜市图书馆文化志愿服务队 青澜市银发志愿服务队 "
    "青澜市青年志愿者协会服务队"
)


def _teams() -> dict[str, list[str]]:
    """District → its teams (street teams, themed teams); "" → city-wide teams. 60 in all."""
    out: dict[str, list[str]] = {"": list(_CITY_TEAMS)}
    for d in DISTRICTS:
        own = [f"{s}志愿服务队" for s in d.streets]
        own += [
            f"{d.short}青年志愿服务队",
            f"{d.short}巾帼志愿服务队",
            f"{d.short}党员先锋志愿服务队",
            f"{d.short}{d.special_team}",
        ]
        out[d.name] = own
    return out


def _simulate_volunteers(rng: np.random.Generator) -> pd.DataFrame:
    teams = _teams()
    parts = []
    span_before = (WINDOW_START - VOLUNTEERS_START).days
    span_window = (END_DATE - WINDOW_START).days
    for d in DISTRICTS:
        n0 = round(d.population * d.volunteer_rate_start / 100)
        n1 = round(d.population * d.volunteer_rate_end / 100)
        # before the drive: registrations grow year by year; during it: accelerating
        before = rng.beta(2.4, 1.0, n0) * span_before
        during = rng.beta(1.35, 1.0, n1 - n0) * span_window
        offsets = np.concatenate([np.floor(before), span_before + 1 + np.floor(during)])
        offsets = np.minimum(offsets, (END_DATE - VOLUNTEERS_START).days).astype(int)
        n = len(offsets)
        own = teams[d.name]
        team_w = np.concatenate(
            [rng.uniform(0.5, 2.5, len(own)), rng.uniform(0.1, 0.4, len(_CITY_TEAMS))]
        )
        team_w /= team_w.sum()
        street_w = rng.uniform(0.6, 1.6, len(d.streets))
        street_w /= street_w.sum()
        parts.append(
            pd.DataFrame(
                {
                    "reg_offset": offsets,
                    "district": d.name,
                    "street": rng.choice(list(d.streets), size=n, p=street_w),
                    "team": rng.choice(own + list(_CITY_TEAMS), size=n, p=team_w),
                    "tiebreak": rng.random(n),
                }
            )
        )
    v = pd.concat(parts, ignore_index=True).sort_values(["reg_offset", "tiebreak"], kind="stable")
    v = v.reset_index(drop=True)
    n = len(v)
    v["volunteer_id"] = [f"QLZY{i:06d}" for i in range(1, n + 1)]
    v["registered_on"] = pd.Timestamp(VOLUNTEERS_START) + pd.to_timedelta(v["reg_offset"], unit="D")
    v["name"] = _names(rng, n)
    female = rng.random(n) < 0.56
    v["gender"] = np.where(female, "女", "男")
    age = np.clip(rng.normal(41, 14, n), 18, 74).astype(int)
    birth_offset = rng.integers(0, 365, n)
    birth = v["registered_on"] - pd.to_timedelta(age * 365 + birth_offset, unit="D")
    party_p = np.where(v["team"].str.contains("党员"), 0.92, np.where(age < 26, 0.06, 0.25))
    v["is_party_member"] = rng.random(n) < party_p
    # hours: a one-off amount on joining, then a personal weekly rate (long-tailed, many idle)
    v["base_hours"] = np.round(rng.exponential(2.0, n) * 2) / 2
    active = rng.random(n) < 0.62
    v["weekly_rate"] = np.where(active, np.exp(rng.normal(np.log(0.55), 1.15, n)), 0.0)
    codes = v["district"].map({d.name: d.code for d in DISTRICTS})
    seq = rng.integers(0, 500, n) * 2 + np.where(female, 0, 1)
    v["id_number"] = _id_numbers(
        codes + birth.dt.strftime("%Y%m%d") + pd.Series(seq).map("{:03d}".format)
    )
    v.loc[rng.random(n) < 0.05, "id_number"] = ""
    v["phone"] = [f"1380000{x:04d}" for x in rng.integers(0, 10000, n)]
    v.loc[rng.random(n) < 0.08, "phone"] = ""
    return v.drop(columns=["tiebreak"])


def _id_numbers(bodies: pd.Series) -> list[str]:
    """18-digit IDs with valid check digits; region 3399xx does not exist, so they are fictional."""
    texts = bodies.tolist()
    digits = np.frombuffer("".join(texts).encode("ascii"), dtype=np.uint8).reshape(-1, 17) - 48
    weights = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
    check = np.array(list("10X98765432"))[(digits.astype(int) @ weights) % 11]
    return [b + c for b, c in zip(texts, check.tolist(), strict=True)]


def _hours_at(v: pd.DataFrame, as_of: date) -> np.ndarray:
    weeks = np.maximum(0, (pd.Timestamp(as_of) - v["registered_on"]).dt.days.to_numpy()) / 7
    return np.floor((v["base_hours"].to_numpy() + v["weekly_rate"].to_numpy() * weeks) * 2) / 2


# ---------------------------------------------------------------------------------------------
# Creation units
# ---------------------------------------------------------------------------------------------

_CITY_ORGS = _words(
    "财政局 税务局 人力社保局 自然资源和规划局 住建局 交通运输局 水利局 农业农村局 商务局 文广旅体局 "
    "卫健局 审计局 统计局 应急管理局 市场监管局 医保局 城管局 行政审批服务局 教育局 公安局 人民法院 "
    "人民检察院 司法局 民政局 生态环境局 档案馆 图书馆 气象局 消防救援大队 人民医院 中医院 "
    "第二人民医院 妇幼保健院 疾控中心 总工会 团市委 妇联 科协"
)
_ENTERPRISES = _words(
    "国网青澜供电公司 中国移动青澜分公司 中国电信青澜分公司 青澜农商银行 工商银行青澜支行 "
    "农业银行青澜支行 中国银行青澜支行 建设银行青澜支行 邮储银行青澜支行 青澜港务集团 青澜水务集团 "
    "青澜公交集团 青澜城投集团 青澜日报社 青澜广播电视台"
)
_FIRM_WORDS = _words(
    "恒达 华盛 宏远 永兴 新澜 港兴 瑞丰 鼎盛 嘉禾 东升 兴业 博远 天禾 汇通 长青 立信 万盛 锦程 同舟 远航"
)
_FIRM_TRADES = _words("纺织 机械 食品 物流 建材 电子 船舶 水产 印务 化纤 包装 汽配")
_VILLAGE_HEADS = "上下东西南北前后新大小高中"
_VILLAGE_ROOTS = "塘山桥湾岙溪河庄埠墩浦堰田坞"
_COMMUNITY_WORDS = _words(
    "锦绣 和园 康乐 幸福 阳光 翠苑 金桥 银湖 紫荆 桂花 兰亭 梅园 竹林 松涛 枫林 东苑 西苑 春晖 百合 景苑"
)
_WINDOWS = _words(
    "市政务服务中心综合受理窗口 市政务服务中心不动产登记窗口 市政务服务中心公积金窗口 "
    "市政务服务中心社保窗口 市政务服务中心医保窗口 市税务局办税服务厅 青澜火车站售票窗口 "
    "青澜汽车客运站售票窗口 市人民医院门诊服务台 市中医院门诊服务台 市公安局出入境窗口 "
    "市车管所业务大厅 市民卡服务中心"
)
_CATEGORY_DEPARTMENT = {
    "文明单位": ("市直机关工委", "市国资委", "市经信局"),
    "文明村镇": ("市农业农村局",),
    "文明社区": ("市民政局",),
    "文明校园": ("市教育局",),
    "文明家庭": ("市妇联",),
    "文明窗口": ("市行政审批服务局", "市直机关工委"),
}
_TARGET_SCORE = {"全国": 90.0, "省级": 85.0, "市级": 80.0, "县级": 75.0}
_LEVEL_OFFSET = {"全国": 8.0, "省级": 5.0, "市级": 1.0, "县级": -1.0}


def _unit_catalogue(rng: np.random.Generator) -> list[dict[str, Any]]:
    """Every creation unit: name, category, district, street (before levels and statuses)."""
    units: list[dict[str, Any]] = []
    seen: set[str] = set()

    def add(name: str, category: str, district: str, street: str) -> None:
        if name not in seen:
            seen.add(name)
            units.append(
                {"unit_name": name, "category": category, "district": district, "street": street}
            )

    def place(weights: Sequence[float] | None = None) -> tuple[str, str]:
        d = DISTRICTS[
            int(rng.choice(len(DISTRICTS), p=_norm(weights or [x.population for x in DISTRICTS])))
        ]
        return d.name, str(rng.choice(list(d.streets)))

    for org in _CITY_ORGS:
        add(f"{CITY}{org}", "文明单位", *_city_seat(rng))
    for ent in _ENTERPRISES:
        add(ent, "文明单位", *_city_seat(rng))
    firms = [f"青澜{w}{t}有限公司" for w in _FIRM_WORDS for t in _FIRM_TRADES]
    for i in rng.permutation(len(firms))[:80]:
        add(firms[i], "文明单位", *place([1, 1, 0.8, 1.6, 0.7, 2.2, 0.7]))
    for d in DISTRICTS:
        for s in d.streets:
            add(_local_office(d.name, s), "文明单位", d.name, s)
    # villages and towns (rural districts carry most of them)
    rural = {
        "西山区": 14,
        "南港区": 16,
        "北塘镇": 22,
        "临江镇": 20,
        "东湖区": 6,
        "高新技术产业开发区": 4,
    }
    names = [h + r for h in _VILLAGE_HEADS for r in _VILLAGE_ROOTS]
    pool = iter(rng.permutation(names))
    for dname, k in rural.items():
        d = _DISTRICT_BY_NAME[dname]
        for _ in range(k):
            add(f"{next(pool)}村", "文明村镇", dname, str(rng.choice(list(d.streets))))
    add(f"{RISING_CREATION_UNIT}", "文明村镇", LAGGING_DISTRICT, "沙洲镇")
    for dname, s in (
        ("西山区", "龙泉镇"),
        ("南港区", "沙洲镇"),
        ("北塘镇", "北塘集镇"),
        ("临江镇", "临江集镇"),
    ):
        add(dname if s.endswith("集镇") else s, "文明村镇", dname, s)
    # communities sit in urban streets
    for d in DISTRICTS:
        urban = [s for s in d.streets if s.endswith("街道") or s.endswith("集镇")]
        for s in urban:
            k = 3 if d.name in ("城关区", "东湖区") else 2
            for w in rng.choice(list(_COMMUNITY_WORDS), size=k, replace=False):
                add(f"{s[:2]}{w}社区", "文明社区", d.name, s)
    # schools
    for name in (
        "青澜市第一中学",
        "青澜市第二中学",
        "青澜市第三中学",
        "青澜中学",
        "青澜职业技术学校",
        "青澜市实验小学",
        "青澜市特殊教育学校",
    ):
        add(name, "文明校园", *_city_seat(rng))
    for d in DISTRICTS:
        add(f"{d.short}实验小学", "文明校园", d.name, d.streets[0])
        for s in d.streets:
            add(f"{s[:2]}小学", "文明校园", d.name, s)
            if rng.random() < 0.5:
                add(f"{s[:2]}中学", "文明校园", d.name, s)
            if rng.random() < 0.4:
                add(f"{s[:2]}幼儿园", "文明校园", d.name, s)
    # families
    for person in _names(rng, 90):
        add(f"{person}家庭", "文明家庭", *place())
    # service windows
    for w in _WINDOWS:
        add(w, "文明窗口", *_city_seat(rng))
    for d in DISTRICTS:
        for s in d.streets[:3]:
            add(f"国网青澜供电公司{s[:2]}供电营业厅", "文明窗口", d.name, s)
        add(f"青澜农商银行{d.short}支行营业部", "文明窗口", d.name, d.streets[0])
    return units


def _city_seat(rng: np.random.Generator) -> tuple[str, str]:
    """City-level organisations sit downtown (城关区) or in 东湖区's new civic centre."""
    if rng.random() < 0.7:
        return "城关区", str(rng.choice(["鼓楼街道", "府前街道", "文昌街道"]))
    return "东湖区", str(rng.choice(["湖滨街道", "望湖街道"]))


def _norm(w: Sequence[float]) -> np.ndarray:
    a = np.asarray(w, dtype=float)
    return a / a.sum()


def _simulate_units(rng: np.random.Generator, geo: _Geography) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Units (static fields and status event dates) and their score evaluations (date, delta)."""
    u = pd.DataFrame(_unit_catalogue(rng))
    n = len(u)
    national = {
        "青澜市人民医院",
        "青澜市第一中学",
        "国网青澜供电公司",
        "市政务服务中心综合受理窗口",
    }
    level = rng.choice(["省级", "市级", "县级"], size=n, p=[0.15, 0.37, 0.48])
    level = np.where(u["unit_name"].isin(list(national)), "全国", level)
    level = np.where(u["category"].eq("文明家庭") & (level == "省级"), "市级", level)
    level[rng.choice(np.flatnonzero(u["category"].eq("文明村镇")), 1)] = "全国"
    level[rng.choice(np.flatnonzero(u["category"].eq("文明家庭")), 1)] = "全国"
    u["level"] = level
    u.loc[u["unit_name"].eq(RISING_CREATION_UNIT), "level"] = "市级"
    status_p = {
        "全国": [0, 0, 0.45, 0.55, 0],
        "省级": [0, 0.06, 0.44, 0.50, 0],
        "市级": [0.16, 0.17, 0.33, 0.29, 0.05],
        "县级": [0.33, 0.21, 0.26, 0.17, 0.03],
    }
    statuses = ("培育中", "已申报", "已命名", "复查保留", "已撤销")
    u["status0"] = [statuses[int(rng.choice(5, p=status_p[lv]))] for lv in u["level"]]
    u.loc[u["unit_name"].eq(RISING_CREATION_UNIT), "status0"] = "培育中"
    named = u["status0"].isin(["已命名", "复查保留", "已撤销"])
    year = rng.integers(2014, 2026, n)
    year = np.where(u["status0"].eq("复查保留"), np.minimum(year, 2023), year)
    u["named_year0"] = np.where(named, year, 0)
    # new units join over the summer and autumn as 培育中
    no_date = pd.Series(pd.NaT, index=u.index, dtype="datetime64[ns]")
    t0 = pd.Timestamp(UNITS_START)
    span = (END_DATE - UNITS_START).days
    new = rng.choice(
        np.flatnonzero(u["level"].eq("县级") & ~u["category"].eq("文明单位")), 30, replace=False
    )
    created = no_date.copy()
    created.iloc[new] = t0 + pd.to_timedelta(rng.integers(0, span - 4, len(new)), unit="D")
    u["created_on"] = created
    u.loc[new, "status0"] = "培育中"
    u.loc[new, "named_year0"] = 0
    # 培育中 → 已申报 at any time; a naming batch on NAMING_DAY; a review on REVIEW_DAY
    cultivating = u["status0"].eq("培育中")
    applies = cultivating & (rng.random(n) < 0.42)
    applied_on = t0 + pd.to_timedelta(
        pd.Series(rng.integers(14, span - 3, n), index=u.index), unit="D"
    )
    start = u["created_on"].fillna(t0)
    applied_on = applied_on.where(applied_on > start, start + pd.Timedelta(days=7))
    u["applied_on"] = applied_on.where(applies)
    u.loc[u["unit_name"].eq(RISING_CREATION_UNIT), "applied_on"] = pd.Timestamp(2026, 10, 9)
    declared_by_naming = u["status0"].eq("已申报") | (u["applied_on"] < pd.Timestamp(NAMING_DAY))
    batch = declared_by_naming & u["level"].isin(["市级", "县级"]) & (rng.random(n) < 0.7)
    batch &= ~u["unit_name"].eq(RISING_CREATION_UNIT)
    u["named_on"] = pd.Series(pd.Timestamp(NAMING_DAY), index=u.index).where(batch)
    review = u["status0"].eq("已命名") & (u["named_year0"] <= 2023) & (rng.random(n) < 0.85)
    u["reviewed_on"] = pd.Series(pd.Timestamp(REVIEW_DAY), index=u.index).where(review)
    nangang_named = np.flatnonzero(
        u["district"].eq(LAGGING_DISTRICT)
        & u["status0"].isin(["已命名", "复查保留"])
        & u["level"].isin(["市级", "县级"])
        & u["category"].isin(["文明单位", "文明窗口"])
    )
    other_named = np.flatnonzero(
        ~u["district"].eq(LAGGING_DISTRICT) & u["status0"].eq("复查保留") & u["level"].eq("县级")
    )
    revoked = [*rng.choice(nangang_named, 2, replace=False), *rng.choice(other_named, 1)]
    revoked_on = no_date.copy()
    revoked_on.iloc[revoked] = pd.Timestamp(REVOKE_DAY)
    u["revoked_on"] = revoked_on
    # department, target score, coordinates
    u["department"] = [str(rng.choice(_CATEGORY_DEPARTMENT[c])) for c in u["category"]]
    u.loc[u["unit_name"].str.startswith(CITY), "department"] = "市直机关工委"
    u["target_score"] = [_TARGET_SCORE[lv] for lv in u["level"]]
    u["lon"], u["lat"] = _coordinates(rng, geo, u, missing=0.12, spread=0.01)
    # scores: a baseline, then re-evaluations that drift upwards
    offset = u["district"].map({d.name: d.score_offset for d in DISTRICTS}).to_numpy()
    base = rng.normal(80.5, 6.5, n) + offset + u["level"].map(_LEVEL_OFFSET).to_numpy()
    scored = ~u["category"].eq("文明家庭") & ~(cultivating & (rng.random(n) < 0.5))
    u["score0"] = np.where(scored, np.clip(np.round(base, 1), 60, 97), np.nan)
    u.loc[u["category"].eq("文明家庭"), "target_score"] = np.nan
    u["unit_id"] = [f"QLDW{i:04d}" for i in range(1, n + 1)]
    # re-evaluations come thicker as the annual inspection nears, and mostly find improvement
    k = rng.poisson(2.2, n) * scored
    ev_unit = np.repeat(np.arange(n), k)
    ev = pd.DataFrame(
        {
            "unit": ev_unit,
            "on": t0
            + pd.to_timedelta(np.floor(rng.beta(2.0, 1.0, len(ev_unit)) * (span + 1)), unit="D"),
            "delta": np.round(rng.normal(1.3, 2.0, len(ev_unit)), 1),
        }
    )
    rising = int(np.flatnonzero(u["unit_name"].eq(RISING_CREATION_UNIT))[0])
    u.loc[rising, "score0"] = 62.5
    ev = ev[ev["unit"] != rising]
    climb = pd.DataFrame(
        {
            "unit": rising,
            "on": pd.to_datetime(
                ["2026-09-18", "2026-10-02", "2026-10-16", "2026-10-30", "2026-11-12"]
            ),
            "delta": [6.0, 7.5, 6.0, 5.0, 3.0],
        }
    )
    ev = pd.concat([ev, climb], ignore_index=True).sort_values(["on", "unit"], kind="stable")
    return u, ev.reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Issues
# ---------------------------------------------------------------------------------------------

# fmt: off
_POINT_WEIGHTS: dict[str, float] = {
    "新时代文明实践中心": 1.5, "政务大厅": 1, "银行网点": 1.5, "窗口单位": 1.5, "公交站点": 4,
    "公交车": 1.5, "出租车": 1, "室外公厕": 3, "公共广场": 2.5, "宾馆酒店": 1.5, "公园": 3, "社区": 5,
    "建筑工地": 3, "景区": 0.5, "中小学校": 2, "商场超市": 3, "医院": 2, "公共文化设施": 1.5,
    "主要交通路口": 5, "背街小巷": 8, "商业大街": 5, "主次干道": 6, "城乡接合部": 2, "集贸市场": 6,
    "小区": 8, "乡镇": 0, "其他": 1,
}
# fmt: on
# fmt: off
_POINT_OVERRIDES: dict[str, dict[str, float]] = {
    "城关区": {"商业大街": 9, "主要交通路口": 8, "公交站点": 6, "背街小巷": 10, "城乡接合部": 0.5},
    "东湖区": {"公园": 7, "景区": 2, "小区": 9},
    "西山区": {"景区": 3, "乡镇": 3, "城乡接合部": 4},
    "南港区": {"集贸市场": 24, "背街小巷": 26, "城乡接合部": 6, "乡镇": 2},
    "北塘镇": {"乡镇": 6, "城乡接合部": 5, "集贸市场": 7, "主要交通路口": 2, "商业大街": 2,
              "公交车": 0.5, "出租车": 0.3, "建筑工地": 2},
    "高新技术产业开发区": {"建筑工地": 10, "主次干道": 8, "小区": 10, "集贸市场": 2, "背街小巷": 3},
    "临江镇": {"乡镇": 6, "城乡接合部": 5, "集贸市场": 6, "景区": 2, "主要交通路口": 2,
              "公交车": 0.5, "出租车": 0.3},
}
# fmt: on
_DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    "环境卫生": _words(
        "地面有垃圾杂物，未及时清扫 垃圾桶满溢，周边散落垃圾 污水横流，异味明显 卫生死角积存建筑垃圾 "
        "绿化带内有白色垃圾 墙面有“牛皮癣”小广告"
    ),
    "占道经营": _words("流动摊贩占道经营 店外经营、出店摆放商品 摊位超出划定区域经营"),
    "乱堆乱放": _words("楼道堆放杂物 杂物乱堆乱放 废旧家具堆放未清运"),
    "车辆乱停": _words("非机动车乱停乱放 机动车占用人行道停放 共享单车堆积无序"),
    "设施破损": _words("路面破损坑洼 盲道被占用或破损 路灯不亮 护栏破损 座椅损坏 洗手池损坏"),
    "公益广告": _words("公益广告数量不足 公益广告破损褪色 未设置社会主义核心价值观宣传内容"),
    "文明交通": _words("行人闯红灯 电动车驾乘人员未戴头盔 机动车不礼让行人 斑马线标线模糊"),
    "服务规范": _words("工作人员服务态度生硬 未设置便民服务设施 无障碍设施缺失 未公示服务承诺"),
    "公厕管理": _words("公厕地面湿滑、有异味 公厕缺少洗手液和厕纸 公厕设施损坏"),
    "食品安全": _words("生熟食品未分区摆放 经营户未亮证经营 从业人员未规范佩戴口罩"),
    "违规广告": _words("违规设置户外广告牌 店招店牌破损 乱拉横幅"),
    "噪声油烟": _words("餐饮油烟直排 夜间施工噪声扰民"),
    "文明行为": _words("随地吐痰 未在指定区域吸烟 不文明养犬，犬只未牵绳"),
    "工地管理": _words("工地围挡破损 渣土车未覆盖 出入口车辆未冲洗"),
}
_CLOSED_MEASURES: dict[str, tuple[str, ...]] = {
    "环境卫生": _words(
        "已清理垃圾杂物，落实每日保洁 已清扫冲洗，增加清运频次 已清除小广告，安排专人巡查"
    ),
    "占道经营": _words("已劝导摊贩入室经营，加强巡查 已清理出店经营，约谈经营户"),
    "乱堆乱放": _words("已清理堆放杂物 已督促物业清运"),
    "车辆乱停": _words("已规范停放，施划停车线 已组织志愿者劝导规范停放"),
    "设施破损": _words("已修复破损设施 已更换损坏部件并复查"),
    "公益广告": _words("已增设公益广告 已更换破损公益广告"),
    "文明交通": _words("已增派文明交通劝导员 已重新施划标线"),
    "服务规范": _words("已开展服务礼仪培训 已公示服务承诺，设置便民设施"),
    "公厕管理": _words("已补齐洗手液和厕纸，落实专人保洁 已维修公厕设施"),
    "食品安全": _words("已督促经营户亮证经营、生熟分区 已开展专项检查"),
    "违规广告": _words("已拆除违规广告 已规范店招店牌"),
    "噪声油烟": _words("已安装油烟净化装置 已责令调整施工时间"),
    "文明行为": _words("已设置文明提示牌，加强劝导 已开展文明养犬宣传"),
    "工地管理": _words("已修复围挡，落实冲洗制度 已落实渣土车覆盖"),
}
_PROGRESS_MEASURES = _words(
    "正在整改 已制定整改方案，正在推进 已交办物业，正在处理 已约谈相关责任人，整改中 施工中，预计本月完成"
)
_LONG_MEASURES = ("纳入长效管理，持续整改", "已列入改造计划，长期坚持")
# fmt: off
_LITTER = {"环境卫生": 0.35, "设施破损": 0.25, "文明行为": 0.2, "公益广告": 0.2}
_FRINGE = {"环境卫生": 0.4, "乱堆乱放": 0.3, "违规广告": 0.15, "车辆乱停": 0.15}
_CATEGORY_BY_POINT: dict[str, dict[str, float]] = {
    "集贸市场": {"环境卫生": 0.35, "占道经营": 0.25, "食品安全": 0.2, "乱堆乱放": 0.1, "公益广告": 0.1},
    "背街小巷": {"环境卫生": 0.35, "乱堆乱放": 0.25, "车辆乱停": 0.15, "设施破损": 0.15, "违规广告": 0.1},
    "小区": {"环境卫生": 0.3, "乱堆乱放": 0.25, "车辆乱停": 0.2, "设施破损": 0.1, "公益广告": 0.1,
             "文明行为": 0.05},
    "社区": {"公益广告": 0.3, "环境卫生": 0.3, "设施破损": 0.2, "服务规范": 0.2},
    "主要交通路口": {"文明交通": 0.6, "设施破损": 0.2, "车辆乱停": 0.2},
    "主次干道": {"占道经营": 0.25, "车辆乱停": 0.25, "环境卫生": 0.2, "违规广告": 0.15, "设施破损": 0.15},
    "商业大街": {"占道经营": 0.3, "车辆乱停": 0.2, "环境卫生": 0.2, "违规广告": 0.15, "噪声油烟": 0.15},
    "公交站点": {"设施破损": 0.3, "公益广告": 0.3, "环境卫生": 0.2, "文明行为": 0.2},
    "公交车": {"服务规范": 0.4, "公益广告": 0.3, "环境卫生": 0.3},
    "出租车": {"服务规范": 0.5, "公益广告": 0.3, "环境卫生": 0.2},
    "室外公厕": {"公厕管理": 0.8, "设施破损": 0.2},
    "建筑工地": {"工地管理": 0.7, "公益广告": 0.2, "噪声油烟": 0.1},
    "公园": _LITTER, "景区": _LITTER, "公共广场": _LITTER,
    "中小学校": {"公益广告": 0.4, "环境卫生": 0.2, "文明交通": 0.2, "设施破损": 0.2},
    "城乡接合部": _FRINGE, "乡镇": _FRINGE,
}
# fmt: on
_SERVICE_CATEGORIES = {"服务规范": 0.4, "公益广告": 0.3, "设施破损": 0.15, "环境卫生": 0.15}
_SOURCE_P = {
    "暗访督查": 0.34,
    "实地考察": 0.12,
    "网上测评": 0.08,
    "市民投诉": 0.14,
    "12345热线": 0.2,
    "媒体曝光": 0.03,
    "其他": 0.02,
    "模拟测评": 0.07,
}
_BANKS = ("工商银行", "农业银行", "中国银行", "建设银行", "青澜农商银行", "邮储银行")
_PLACE_WORDS = _words("金色 阳光 锦绣 翠湖 香樟 凤凰 海棠 华庭 名都 江南 世纪 御景")


def _location(rng: np.random.Generator, point: str, d: _DistrictSpec, street: str) -> str:
    r = str(rng.choice(list(d.roads)))
    w = str(rng.choice(list(_PLACE_WORDS)))
    s2 = street[:2]
    pick: dict[str, Callable[[], str]] = {
        "新时代文明实践中心": lambda: f"{street}新时代文明实践所",
        "政务大厅": lambda: f"{d.short}便民服务中心",
        "银行网点": lambda: f"{rng.choice(list(_BANKS))}{s2}支行",
        "窗口单位": lambda: (
            f"{s2}{rng.choice(['供电营业厅', '移动营业厅', '办税服务厅', '不动产登记点'])}"
        ),
        "公交站点": lambda: f"{r}公交站",
        "公交车": lambda: f"{int(rng.integers(1, 40))}路公交车",
        "出租车": lambda: f"出租车（车牌尾号{int(rng.integers(0, 10000)):04d}）",
        "室外公厕": lambda: f"{r}公厕",
        "公共广场": lambda: f"{s2}文化广场",
        "宾馆酒店": lambda: f"{w}大酒店",
        "公园": lambda: f"{s2}公园",
        "社区": lambda: f"{s2}{w}社区",
        "建筑工地": lambda: f"{w}{rng.choice(['府', '苑', '广场'])}项目工地",
        "景区": lambda: f"{d.short}{rng.choice(['风景区', '森林公园', '古镇景区'])}",
        "中小学校": lambda: f"{s2}{rng.choice(['小学', '中学'])}",
        "商场超市": lambda: f"{w}{rng.choice(['购物中心', '超市', '商厦'])}",
        "医院": lambda: str(
            rng.choice(["市人民医院", "市中医院", "市第二人民医院", f"{s2}卫生院"])
        ),
        "公共文化设施": lambda: str(
            rng.choice(["市图书馆", "市文化馆", "市博物馆", "市体育中心", f"{s2}文化站"])
        ),
        "主要交通路口": lambda: f"{r}与{rng.choice([x for x in d.roads if x != r])}交叉口",
        "背街小巷": lambda: f"{r}{int(rng.integers(1, 30))}弄",
        "商业大街": lambda: f"{r}商业街",
        "主次干道": lambda: f"{r}",
        "城乡接合部": lambda: (
            f"{r}{rng.choice(list(_VILLAGE_HEADS))}{rng.choice(list(_VILLAGE_ROOTS))}村段"
        ),
        "集贸市场": lambda: f"{s2}{rng.choice(['农贸市场', '菜市场', '水产市场'])}",
        "小区": lambda: f"{w}{rng.choice(['小区', '花园', '苑'])}",
        "乡镇": lambda: f"{s2}集镇区",
        "其他": lambda: f"{r}沿线",
    }
    return pick[point]()


def _responsible(rng: np.random.Generator, point: str, district: str, street: str) -> str:
    """The 责任单位 a problem at this point type is assigned to."""
    local = _local_office(district, street)
    choices: dict[str, float]
    if point == "集贸市场":
        share = 0.85 if district == LAGGING_DISTRICT else 0.25
        choices = {local: share, "市市场监管局": 1 - share}
    elif point == "背街小巷":
        choices = {local: 0.7, "市城管局": 0.3}
    elif point in ("商业大街", "主次干道", "公共广场", "室外公厕", "城乡接合部"):
        choices = {"市城管局": 0.6, local: 0.4}
    elif point in ("公交站点", "出租车"):
        choices = {"市交通运输局": 1.0}
    elif point == "公交车":
        choices = {"青澜公交集团": 1.0}
    elif point == "主要交通路口":
        choices = {"市公安局交警大队": 0.8, "市城管局": 0.2}
    elif point == "建筑工地":
        if district == "高新技术产业开发区":
            choices = {"市住建局": 0.4, "高新区管委会": 0.6}
        else:
            choices = {"市住建局": 0.8, local: 0.2}
    elif point == "小区":
        choices = {"市住建局": 0.45, local: 0.55}
    elif point in ("社区", "乡镇"):
        choices = {local: 1.0}
    elif point == "医院":
        choices = {"市卫健局": 1.0}
    elif point == "中小学校":
        choices = {"市教育局": 1.0}
    elif point == "银行网点":
        choices = {"人民银行青澜市支行": 1.0}
    elif point == "窗口单位":
        choices = {"市行政审批服务局": 0.4, "国网青澜供电公司": 0.3, "市税务局": 0.3}
    elif point == "政务大厅":
        choices = {"市行政审批服务局": 1.0}
    elif point == "新时代文明实践中心":
        choices = {"市委宣传部": 0.4, local: 0.6}
    elif point == "宾馆酒店":
        choices = {"市文广旅体局": 0.5, "市市场监管局": 0.5}
    elif point == "公园":
        choices = {"市城管局": 0.5, local: 0.5}
    elif point in ("景区", "公共文化设施"):
        choices = {"市文广旅体局": 1.0}
    elif point == "商场超市":
        choices = {"市商务局": 0.5, "市市场监管局": 0.5}
    else:
        choices = {local: 0.7, "市生态环境局": 0.3}
    names = list(choices)
    return names[int(rng.choice(len(names), p=_norm(list(choices.values()))))]


# responsible unit → (rectification time as a multiple of the time limit, share stuck for months)
_UNIT_PACE: dict[str, tuple[float, float]] = {
    "港口街道办事处": (3.0, 0.42),
    "渔港街道办事处": (2.6, 0.36),
    "市住建局": (2.6, 0.32),
    "南港街道办事处": (1.4, 0.12),
    "沙洲镇人民政府": (1.3, 0.10),
    "市城管局": (0.85, 0.05),
    IMPROVING_UNIT: (3.0, 0.45),
}
_DEFAULT_PACE = (0.8, 0.06)


def _simulate_issues(rng: np.random.Generator, geo: _Geography) -> pd.DataFrame:
    days = pd.date_range(ISSUES_START, END_DATE, freq="D")
    rate = np.where(days < pd.Timestamp(WINDOW_START), 4.6, 15.0) * np.where(
        days.day_of_week < 5, 1.2, 0.45
    )
    spike = (days >= pd.Timestamp(SIMULATED_EVALUATION[0])) & (
        days <= pd.Timestamp(SIMULATED_EVALUATION[1])
    )
    counts = rng.poisson(rate)
    spike_counts = np.where(spike, rng.poisson(52, len(days)), 0)
    found = np.concatenate([np.repeat(days, counts), np.repeat(days, spike_counts)])
    from_evaluation = np.concatenate(
        [np.zeros(counts.sum(), bool), np.ones(spike_counts.sum(), bool)]
    )
    order = np.argsort(found, kind="stable")
    found, from_evaluation = found[order], from_evaluation[order]
    n = len(found)
    dist_idx = rng.choice(
        len(DISTRICTS), size=n, p=_norm([d.population * d.issue_weight for d in DISTRICTS])
    )
    point = np.empty(n, dtype=object)
    street = np.empty(n, dtype=object)
    for k, d in enumerate(DISTRICTS):
        idx = np.flatnonzero(dist_idx == k)
        weights = {**_POINT_WEIGHTS, **_POINT_OVERRIDES.get(d.name, {})}
        point[idx] = rng.choice(list(weights), size=len(idx), p=_norm(list(weights.values())))
        # in 南港区 the problems concentrate in the old port streets
        p_street = [0.36, 0.18, 0.32, 0.14] if d.name == LAGGING_DISTRICT else None
        street[idx] = rng.choice(list(d.streets), size=len(idx), p=p_street)
    category = np.empty(n, dtype=object)
    for pt in _POINT_WEIGHTS:
        idx = np.flatnonzero(point == pt)
        cats = _CATEGORY_BY_POINT.get(pt, _SERVICE_CATEGORIES)
        category[idx] = rng.choice(list(cats), size=len(idx), p=_norm(list(cats.values())))
    description = np.empty(n, dtype=object)
    for cat, texts in _DESCRIPTIONS.items():
        idx = np.flatnonzero(category == cat)
        description[idx] = rng.choice(list(texts), size=len(idx))
    # citizens complain (12345, 市民投诉) most about lanes, housing estates and markets
    sources = [s for s in _SOURCE_P if s != "模拟测评"]
    complained = np.isin(point, ["背街小巷", "小区", "集贸市场"])
    source = np.empty(n, dtype=object)
    for mask, boost in ((complained, 2.0), (~complained, 1.0)):
        p_src = [_SOURCE_P[s] * (boost if s in ("市民投诉", "12345热线") else 1.0) for s in sources]
        source[mask] = rng.choice(sources, size=int(mask.sum()), p=_norm(p_src))
    source[from_evaluation] = "模拟测评"
    location = []
    responsible = []
    for k, pt, st in zip(dist_idx.tolist(), point.tolist(), street.tolist(), strict=True):
        d = DISTRICTS[k]
        location.append(_location(rng, pt, d, st))
        responsible.append(_responsible(rng, pt, d.name, st))
    df = pd.DataFrame(
        {
            "found_on": pd.to_datetime(found),
            "district": [DISTRICTS[k].name for k in dist_idx],
            "street": street,
            "point_type": point,
            "category": category,
            "location": location,
            "description": description,
            "source": source,
            "responsible_unit": responsible,
        }
    )
    # the time limit as the clerk wrote it, and the deadline it means
    long_term = rng.random(n) < np.where(
        df["point_type"].isin(["建筑工地", "城乡接合部", "小区"]), 0.08, 0.03
    )
    kind = rng.choice(["date", "days", "workdays", "immediate"], size=n, p=[0.45, 0.27, 0.13, 0.15])
    ndays = rng.choice([3, 5, 7, 10, 15], size=n, p=[0.15, 0.25, 0.35, 0.15, 0.10])
    nwork = rng.choice([5, 10, 15], size=n, p=[0.5, 0.35, 0.15])
    found_day = np.asarray(found).astype("datetime64[D]")
    # N个工作日 counts N weekdays after the day found (a Saturday counts from Friday)
    due = np.where(
        kind == "immediate",
        found_day + 1,
        np.where(
            kind == "workdays",
            np.busday_offset(found_day, nwork, roll="backward"),
            found_day + ndays.astype("timedelta64[D]"),
        ),
    )
    limit_days = np.where(long_term, 0, (due - found_day).astype(int)).astype(float)
    deadline_text = np.select(
        [long_term, kind == "immediate", kind == "workdays", kind == "days"],
        [
            rng.choice(["长期坚持", "长期整改", "持续整改"], size=n),
            "立行立改",
            np.char.add(nwork.astype(str), "个工作日"),
            np.char.add(ndays.astype(str), "天"),
        ],
        "",
    )
    deadline = pd.Series(pd.to_datetime(due)).where(~long_term)
    df["deadline_text"] = deadline_text.astype(object)
    df["deadline"] = deadline
    df["long_term"] = long_term
    # rectification: days = time limit × the unit's pace × noise; some stay stuck for months
    pace = np.array([_UNIT_PACE.get(u, _DEFAULT_PACE)[0] for u in df["responsible_unit"]])
    stuck_p = np.array([_UNIT_PACE.get(u, _DEFAULT_PACE)[1] for u in df["responsible_unit"]])
    slow = df["district"].map({d.name: d.slowness for d in DISTRICTS}).to_numpy()
    special = df["responsible_unit"].isin(list(_UNIT_PACE)).to_numpy()
    slow = np.where(special, 1.0, slow)
    # 南港区's markets and back lanes are where rectification stalls (属地 offices, old port)
    hard = (
        df["district"].eq(LAGGING_DISTRICT) & df["point_type"].isin(["集贸市场", "背街小巷"])
    ).to_numpy()
    pace = np.where(hard, pace * 1.5, pace)
    stuck_p = np.where(hard, np.minimum(stuck_p * 1.4, 0.6), stuck_p)
    days_needed = np.maximum(limit_days, 1.5) * pace * slow * np.exp(rng.normal(0, 0.55, n))
    stuck = rng.random(n) < stuck_p * np.where(special, 1.0, slow)
    found_off = (df["found_on"] - pd.Timestamp(ISSUES_START)).dt.days.to_numpy().astype(float)
    # stuck problems wait for the autumn push: most of the old backlog is cleared in the window
    push = rng.uniform(
        (WINDOW_START - ISSUES_START).days - 40, (END_DATE - ISSUES_START).days + 120, n
    )
    days_needed = np.where(stuck, np.maximum(30, push - found_off), days_needed)
    rect_offset = np.round(days_needed).astype(float)
    # 督办 to 市市场监管局: its open backlog is cleared within two weeks; new issues go fast
    crack = float((MARKET_SUPERVISION_DAY - ISSUES_START).days)
    market = df["responsible_unit"].eq(IMPROVING_UNIT).to_numpy()
    backlog = market & (found_off < crack) & (found_off + rect_offset > crack)
    rect_offset = np.where(backlog, crack - found_off + rng.integers(1, 15, n), rect_offset)
    after = market & (found_off >= crack)
    fast = np.round(np.maximum(limit_days, 1.5) * 0.5 * np.exp(rng.normal(0, 0.4, n)))
    rect_offset = np.where(after, fast, rect_offset)
    rect_offset = np.where(long_term, np.inf, rect_offset)
    started = np.minimum(rng.integers(0, 4, n).astype(float), rect_offset)
    verify_lag = np.where(rng.random(n) < 0.07, np.inf, rng.integers(2, 13, n))
    df["started_offset"] = found_off + started
    df["rectified_offset"] = found_off + rect_offset
    df["verified_offset"] = found_off + rect_offset + verify_lag
    df["measure_closed"] = [str(rng.choice(list(_CLOSED_MEASURES[c]))) for c in df["category"]]
    df["measure_progress"] = rng.choice(list(_PROGRESS_MEASURES), size=n)
    df["measure_long"] = rng.choice(list(_LONG_MEASURES), size=n)
    df["lon"], df["lat"] = _coordinates(rng, geo, df, missing=0.08, spread=0.012)
    month_seq = df.groupby(df["found_on"].dt.strftime("%Y%m")).cumcount() + 1
    df.insert(
        0, "issue_id", "QLWT" + df["found_on"].dt.strftime("%Y%m") + month_seq.map("{:04d}".format)
    )
    # one description a clerk pasted from a web form: it must be shown as text, never run
    hostile = int(np.flatnonzero(df["point_type"].eq("室外公厕").to_numpy())[3])
    df.loc[hostile, "description"] = (
        '=HYPERLINK("http://x") <img src=x onerror=alert(1)> 洗手池损坏'
    )
    return df


# ---------------------------------------------------------------------------------------------
# The city at a date: clean canonical frames (the truth behind the messy files)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleCity:
    """The simulated city. `*_at(as_of)` give the canonical rows a perfect clerk would file."""

    volunteers: pd.DataFrame
    units: pd.DataFrame
    unit_scores: pd.DataFrame
    issues: pd.DataFrame
    geography: _Geography = field(repr=False)

    def volunteers_at(self, as_of: date, *, with_mess: bool = False) -> pd.DataFrame:
        """Volunteers registered on or before `as_of`, with their hours on that day."""
        v = self.volunteers
        v = v[v["registered_on"] <= pd.Timestamp(as_of)].copy()
        v["hours"] = _hours_at(v, as_of)
        v["registered_on"] = v["registered_on"].dt.date
        cols = [
            "volunteer_id",
            "name",
            "gender",
            "district",
            "street",
            "team",
            "registered_on",
            "hours",
            "is_party_member",
            "phone",
            "id_number",
        ]
        return v[cols + _mess_columns(v, with_mess)].reset_index(drop=True)

    def units_at(self, as_of: date, *, with_mess: bool = False) -> pd.DataFrame:
        """Units that exist on `as_of`, with their status, named year and latest score."""
        t = pd.Timestamp(as_of)
        u = self.units
        present = u["created_on"].isna() | (u["created_on"] <= t)
        u = u[present].copy()
        status = u["status0"].copy()
        for col, value in (
            ("applied_on", "已申报"),
            ("named_on", "已命名"),
            ("reviewed_on", "复查保留"),
            ("revoked_on", "已撤销"),
        ):
            status = status.where(~(u[col] <= t), value)
        u["status"] = status
        named_now = u["named_on"] <= t
        year = u["named_year0"].where(~named_now, 2026)
        u["named_year"] = year.where(year > 0).astype("Int64")
        ev = self.unit_scores[self.unit_scores["on"] <= t]
        delta = ev.groupby("unit")["delta"].sum()
        u["score"] = np.clip(u["score0"] + delta.reindex(u.index).fillna(0.0), 60.0, 98.0).round(1)
        cols = [
            "unit_id",
            "unit_name",
            "category",
            "level",
            "district",
            "street",
            "status",
            "score",
            "target_score",
            "named_year",
            "department",
            "lat",
            "lon",
        ]
        return u[cols + _mess_columns(u, with_mess)].reset_index(drop=True)

    def issues_at(self, as_of: date, *, with_mess: bool = False) -> pd.DataFrame:
        """Issues found on or before `as_of`, with their status on that day.

        `deadline` is the date the time limit means (None for 长期整改); `deadline_text` is how
        the clerk wrote it when not as a date ("7天", "15个工作日", "立行立改", "长期坚持").
        """
        t = float((as_of - ISSUES_START).days)
        i = self.issues
        i = i[i["found_on"] <= pd.Timestamp(as_of)].copy()
        rect = i["rectified_offset"].to_numpy()
        status = np.select(
            [
                i["long_term"].to_numpy(),
                i["verified_offset"].to_numpy() <= t,
                rect <= t,
                i["started_offset"].to_numpy() <= t,
            ],
            ["长期整改", "已销号", "已整改", "整改中"],
            "待整改",
        )
        i["status"] = status
        closed = np.isin(status, ["已整改", "已销号"])
        rect_on = pd.Timestamp(ISSUES_START) + pd.to_timedelta(np.where(closed, rect, 0), unit="D")
        i["rectified_on"] = pd.Series(rect_on, index=i.index).where(closed).dt.date
        i["measures"] = np.select(
            [closed, status == "长期整改", status == "整改中"],
            [i["measure_closed"], i["measure_long"], i["measure_progress"]],
            "",
        )
        i["found_on"] = i["found_on"].dt.date
        i["deadline"] = i["deadline"].dt.date
        cols = [
            "issue_id",
            "found_on",
            "district",
            "street",
            "location",
            "point_type",
            "category",
            "description",
            "source",
            "responsible_unit",
            "deadline",
            "deadline_text",
            "status",
            "rectified_on",
            "measures",
            "lat",
            "lon",
        ]
        return i[cols + _mess_columns(i, with_mess)].reset_index(drop=True)


def _mess_columns(df: pd.DataFrame, wanted: bool) -> list[str]:
    """The per-record random draws that decide how a clerk misspells it (same every week)."""
    return [c for c in df.columns if c.startswith("mess_")] if wanted else []


def _add_mess(df: pd.DataFrame, rng: np.random.Generator, names: Sequence[str]) -> None:
    for name in names:
        df[f"mess_{name}"] = rng.random(len(df))
    df["mess_pick"] = rng.integers(0, 60, len(df))


def simulate(seed: int = 2026) -> SampleCity:
    """The city for `seed`: the same seed always gives the same city."""
    geo = _geography()
    rng = np.random.default_rng([seed, 1])
    volunteers = _simulate_volunteers(rng)
    units, scores = _simulate_units(np.random.default_rng([seed, 2]), geo)
    issues = _simulate_issues(np.random.default_rng([seed, 3]), geo)
    mess = np.random.default_rng([seed, 4])
    _add_mess(volunteers, mess, ("district", "date", "hours"))
    _add_mess(units, mess, ("district",))
    _add_mess(issues, mess, ("district", "found", "deadline", "rectified"))
    return SampleCity(volunteers, units, scores, issues, geo)


def as_of_dates(weeks: int = 10) -> list[date]:
    """The weekly as-of dates: consecutive Sundays ending on END_DATE."""
    if not 1 <= weeks <= MAX_WEEKS:
        raise ValueError(f"weeks must be between 1 and {MAX_WEEKS}, got {weeks}")
    return [END_DATE - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]


# ---------------------------------------------------------------------------------------------
# A small .xlsx writer: shared strings, a fixed style sheet, merges, frozen header, hidden sheets
# ---------------------------------------------------------------------------------------------

S_TITLE, S_NOTE, S_HEADER, S_TEXT, S_DATE, S_DATE_SLASH, S_DATE_CN = 1, 2, 3, 4, 5, 6, 7
S_NUM, S_PCT, S_TOTAL, S_FOOTER, S_PLAIN = 8, 10, 11, 12, 0  # 9 is 0.0 (unused)

_STYLES_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="4"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy/m/d"/>'
    '<numFmt numFmtId="166" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/>'
    '<numFmt numFmtId="167" formatCode="0.0"/></numFmts>'
    '<fonts count="4"><font><sz val="11"/><name val="宋体"/><family val="3"/><charset val="134"/></font>'
    '<font><b/><sz val="16"/><name val="黑体"/><family val="3"/><charset val="134"/></font>'
    '<font><b/><sz val="11"/><name val="宋体"/><family val="3"/><charset val="134"/></font>'
    '<font><sz val="10"/><name val="宋体"/><family val="3"/><charset val="134"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFD9E1F2"/><bgColor indexed="64"/>'
    "</patternFill></fill></fills>"
    '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
    '<border><left style="thin"><color auto="1"/></left><right style="thin"><color auto="1"/></right>'
    '<top style="thin"><color auto="1"/></top><bottom style="thin"><color auto="1"/></bottom>'
    "<diagonal/></border></borders>"
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="13">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1">'
    '<alignment horizontal="center" vertical="center"/></xf>'
    '<xf numFmtId="0" fontId="3" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1">'
    '<alignment horizontal="left" vertical="center" wrapText="1"/></xf>'
    '<xf numFmtId="0" fontId="2" fillId="2" borderId="1" xfId="0" applyFont="1" applyFill="1" '
    'applyBorder="1" applyAlignment="1"><alignment horizontal="center" vertical="center" wrapText="1"/></xf>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="1" xfId="0" applyBorder="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="1" xfId="0" applyNumberFormat="1" applyBorder="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="1" xfId="0" applyNumberFormat="1" applyBorder="1"/>'
    '<xf numFmtId="166" fontId="0" fillId="0" borderId="1" xfId="0" applyNumberFormat="1" applyBorder="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="1" xfId="0" applyBorder="1"/>'
    '<xf numFmtId="167" fontId="0" fillId="0" borderId="1" xfId="0" applyNumberFormat="1" applyBorder="1"/>'
    '<xf numFmtId="9" fontId="0" fillId="0" borderId="1" xfId="0" applyNumberFormat="1" applyBorder="1"/>'
    '<xf numFmtId="0" fontId="2" fillId="0" borderId="1" xfId="0" applyFont="1" applyBorder="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
    '<alignment horizontal="left" vertical="center"/></xf>'
    '</cellXfs><cellStyles count="1"><cellStyle name="常规" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


@dataclass(frozen=True)
class _Cell:
    """A value with an explicit style (a date written with another format, a plain serial …)."""

    value: Any
    style: int


def _col_letter(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


_XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def _tail(
    v: Any,
    sst: _SharedStrings,
    text_style: int,
    num_style: int,
    date_style: int,
    blank_style: int | None,
) -> str:
    """A cell's XML after `<c r="A1`: its style, type and value (or "" to leave the cell out)."""
    if type(v) is _Cell:
        text_style = num_style = date_style = v.style
        v = v.value
    t = type(v)
    if v is None or (t is float and v != v):
        return "" if blank_style is None else f'" s="{blank_style}"/>'
    if t is str:
        return f'" s="{text_style}" t="s"><v>{sst.index(v)}</v></c>'
    if t is date:
        return f'" s="{date_style}"><v>{(v - _EXCEL_EPOCH).days}</v></c>'
    if t is bool:
        return f'" s="{num_style}" t="b"><v>{int(v)}</v></c>'
    x = float(v)
    text = str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)
    return f'" s="{num_style}"><v>{text}</v></c>'


def _plain_strings(values: np.ndarray) -> bool:
    """All str, nothing to escape, no edge spaces: safe to drop into XML as they are."""
    if not all(type(v) is str for v in values):
        return False
    joined = "\x00".join(values)
    return (
        not any(c in joined for c in "&<>")
        and " \x00" not in joined
        and "\x00 " not in joined
        and joined[:1] != " "
        and joined[-1:] != " "
    )


class _Sheet:
    def __init__(self, name: str, widths: Sequence[float], *, hidden: bool = False) -> None:
        self.name = name
        self.widths = list(widths)
        self.hidden = hidden
        self.rows: list[str] = []
        self.merges: list[str] = []
        self.freeze_rows = 0
        self.next_row = 1
        self.max_col = len(widths)

    def merge(self, row: int, first_col: int, last_col: int, last_row: int | None = None) -> None:
        self.merges.append(
            f"{_col_letter(first_col)}{row}:{_col_letter(last_col)}{last_row or row}"
        )

    def add(
        self,
        cells: Sequence[Any],
        sst: _SharedStrings,
        *,
        style: int = S_TEXT,
        blank_style: int | None = S_TEXT,
        height: float | None = None,
    ) -> int:
        """Append one row; returns its spreadsheet row number.

        Strings and numbers take `style` (numbers S_NUM when `style` is S_TEXT), dates S_DATE;
        a `_Cell` carries its own style. None is a blank cell styled `blank_style` (left out when
        `blank_style` is None).
        """
        r = self.next_row
        self.next_row += 1
        num_style = S_NUM if style == S_TEXT else style
        ht = f' ht="{height}" customHeight="1"' if height else ""
        out = [f'<row r="{r}"{ht}>']
        for ci, v in enumerate(cells):
            tail = _tail(v, sst, style, num_style, S_DATE, blank_style)
            if tail:
                out.append(f'<c r="{_COLS[ci]}{r}{tail}')
        out.append("</row>")
        self.rows.append("".join(out))
        return r

    def add_body(
        self, columns: Sequence[Sequence[Any]], sst: _SharedStrings, *, date_style: int = S_DATE
    ) -> int:
        """Append many data rows given column by column; returns the first row number.

        Each column is built with numpy's element-wise string concatenation and a per-column
        cache of cell XML, which is what keeps ten weeks of 30,000-row files fast.
        """
        n = len(columns[0])
        first = self.next_row
        self.next_row += n
        nums = np.array([str(r) for r in range(first, first + n)], dtype=object)
        cells = []
        blank = np.array([_tail(None, sst, S_TEXT, S_NUM, date_style, S_TEXT)], dtype=object)
        for ci, values in enumerate(columns):
            arr = np.empty(n, dtype=object)
            arr[:] = values
            # XML for each distinct value once; code -1 (None/NaN) picks the blank cell at the end
            codes, uniques = pd.factorize(arr)
            pre = f'<c r="{_COLS[ci]}' + nums
            if len(uniques) > n // 2 and _plain_strings(uniques):
                # names, IDs, phones: unique per row, so written inline as xlsxwriter does
                texts = np.concatenate([uniques.astype(object), [""]])[codes]
                inline = f'" s="{S_TEXT}" t="inlineStr"><is><t>' + texts + "</t></is></c>"
                cells.append(np.where(codes >= 0, pre + inline, pre + blank[0]).tolist())
                continue
            tails = np.array(
                [_tail(v, sst, S_TEXT, S_NUM, date_style, S_TEXT) for v in uniques] + [blank[0]],
                dtype=object,
            )
            cells.append((pre + tails[codes]).tolist())
        heads = ('<row r="' + nums + '">').tolist()
        self.rows.append(
            "".join(["".join(row) + "</row>" for row in zip(heads, *cells, strict=True)])
        )
        return first

    def xml(self, selected: bool) -> str:
        last = f"{_col_letter(self.max_col - 1)}{max(self.next_row - 1, 1)}"
        pane = ""
        if self.freeze_rows:
            top = f"A{self.freeze_rows + 1}"
            pane = (
                f'<pane ySplit="{self.freeze_rows}" topLeftCell="{top}" activePane="bottomLeft" '
                f'state="frozen"/><selection pane="bottomLeft" activeCell="{top}" sqref="{top}"/>'
            )
        sel = ' tabSelected="1"' if selected else ""
        cols = "".join(
            f'<col min="{i + 1}" max="{i + 1}" width="{w}" customWidth="1"/>'
            for i, w in enumerate(self.widths)
        )
        merges = ""
        if self.merges:
            merges = (
                f'<mergeCells count="{len(self.merges)}">'
                + "".join(f'<mergeCell ref="{m}"/>' for m in self.merges)
                + "</mergeCells>"
            )
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'<dimension ref="A1:{last}"/><sheetViews><sheetView workbookViewId="0"{sel}>{pane}'
            '</sheetView></sheetViews><sheetFormatPr defaultRowHeight="14.25"/>'
            f"<cols>{cols}</cols><sheetData>{''.join(self.rows)}</sheetData>{merges}"
            '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
            "</worksheet>"
        )


_COLS = [_col_letter(i) for i in range(64)]


class _SharedStrings:
    def __init__(self) -> None:
        self._index: dict[str, int] = {}

    def index(self, s: str) -> int:
        i = self._index.get(s)
        if i is None:
            i = self._index[s] = len(self._index)
        return i

    def xml(self) -> str:
        strings = list(self._index)
        escaped = "\x00".join(strings).translate(_XML_ESCAPES).split("\x00") if strings else []
        items = [
            f'<si><t xml:space="preserve">{e}</t></si>'
            if s != s.strip()
            else f"<si><t>{e}</t></si>"
            for s, e in zip(strings, escaped, strict=True)
        ]
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            f'uniqueCount="{len(strings)}">' + "".join(items) + "</sst>"
        )


_ZIP_LEVEL = 1
"""zlib level 1: files about 30 % larger than at level 6, written three times faster."""


class _Workbook:
    """Just enough SpreadsheetML for Excel, WPS, LibreOffice, calamine and openpyxl to read."""

    def __init__(self, author: str, created: date) -> None:
        self.sheets: list[_Sheet] = []
        self.sst = _SharedStrings()
        self.author = author
        self.created = created
        self.active = 0

    def add_sheet(
        self, name: str, widths: Sequence[float], *, hidden: bool = False, active: bool = False
    ) -> _Sheet:
        sheet = _Sheet(name, widths, hidden=hidden)
        if active:
            self.active = len(self.sheets)
        self.sheets.append(sheet)
        return sheet

    def save(self, path: Path) -> None:
        n = len(self.sheets)
        ct = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/>'
            + "".join(
                f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                for i in range(n)
            )
            + '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sharedStrings+xml"/>'
            '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-'
            'package.core-properties+xml"/></Types>'
        )
        rels = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="xl/workbook.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
            'relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>'
        )
        stamp = f"{self.created.isoformat()}T09:00:00Z"
        core = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
            'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://'
            'purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:creator>{self.author}</dc:creator><cp:lastModifiedBy>{self.author}</cp:lastModifiedBy>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
            "</cp:coreProperties>"
        )
        hidden = ' state="hidden"'
        sheets = "".join(
            f'<sheet name="{s.name}" sheetId="{i + 1}"{hidden if s.hidden else ""} r:id="rId{i + 1}"/>'
            for i, s in enumerate(self.sheets)
        )
        workbook = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'<bookViews><workbookView activeTab="{self.active}"/></bookViews>'
            f"<sheets>{sheets}</sheets></workbook>"
        )
        wb_rels = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(
                f'<Relationship Id="rId{i + 1}" Type="http://schemas.openxmlformats.org/'
                f'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
                for i in range(n)
            )
            + f'<Relationship Id="rId{n + 1}" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId{n + 2}" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
        )
        parts = [
            ("[Content_Types].xml", ct),
            ("_rels/.rels", rels),
            ("docProps/core.xml", core),
            ("xl/workbook.xml", workbook),
            ("xl/_rels/workbook.xml.rels", wb_rels),
            ("xl/styles.xml", _STYLES_XML),
        ]
        parts += [
            (f"xl/worksheets/sheet{i + 1}.xml", s.xml(i == self.active))
            for i, s in enumerate(self.sheets)
        ]
        parts.append(("xl/sharedStrings.xml", self.sst.xml()))
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        with zipfile.ZipFile(tmp, "w") as zf:
            for name, text in parts:
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, text.encode("utf-8"), compresslevel=_ZIP_LEVEL)
        tmp.replace(path)


# ---------------------------------------------------------------------------------------------
# Writing ledgers the way clerks do
# ---------------------------------------------------------------------------------------------

_DISTRICT_VARIANTS: dict[str, tuple[str, ...]] = {
    "城关区": ("城关", " 城关区", "城关 区"),
    "东湖区": ("东湖", "东湖 区", "东湖区 "),
    "西山区": ("西山", "西山 区"),
    "南港区": ("南港", "南港 区", " 南港区"),
    "北塘镇": ("北塘", "北塘 镇"),
    "高新技术产业开发区": ("高新区", "高新 区"),
    "临江镇": ("临江", "临江镇 "),
}
UNKNOWN_DISTRICT = "西湖区"
IMPOSSIBLE_DATE = "2026-02-30"
_FULLWIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")


def _cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _typed_date(d: date, r: float) -> Any:
    """A date a clerk typed as text (or pasted as a bare serial number); `r` < 0.08 picks how."""
    if r < 0.025:
        return f"{d.year}/{d.month}/{d.day}"
    if r < 0.045:
        return f"{d.year}.{d.month:02d}.{d.day:02d}"
    if r < 0.065:
        return _cn_date(d)
    if r < 0.075:
        return _Cell((d - _EXCEL_EPOCH).days, S_NUM)
    return f"{d:%Y%m%d}"


def _messy_dates(values: Iterable[Any], r: np.ndarray) -> list[Any]:
    """Mostly real date cells; about 8 % of rows (the same rows every week) typed as text."""
    out = list(values)
    for i in np.flatnonzero(r < 0.08):
        d = out[i]
        if type(d) is date:  # not None, not NaT
            out[i] = _typed_date(d, float(r[i]))
    return out


def _messy_hours(values: Iterable[float], r: np.ndarray) -> list[Any]:
    """Numbers, except "12.5小时", full-width "１２．５" and numbers stored as text in ~3 %."""
    out: list[Any] = [float(h) for h in values]
    for i in np.flatnonzero(r < 0.03):
        h = out[i]
        out[i] = (
            f"{h:g}小时"
            if r[i] < 0.012
            else f"{h:g}".translate(_FULLWIDTH)
            if r[i] < 0.017
            else f"{h:g}"
        )
    return out


def _messy_districts(values: Iterable[str], r: np.ndarray, pick: np.ndarray) -> list[str]:
    """Canonical names, except 高新区 for a quarter of 高新 rows and other spellings in ~3 %."""
    out = list(values)
    for i, name in enumerate(out):
        if name == "高新技术产业开发区" and r[i] < 0.25:
            out[i] = "高新区"
        elif r[i] > 0.97:
            variants = _DISTRICT_VARIANTS[name]
            out[i] = variants[int(pick[i]) % len(variants)]
    return out


def _none_if_nan(values: Iterable[Any]) -> list[Any]:
    return [None if v is None or v != v or v == "" else v for v in values]


def _title_rows(sheet: _Sheet, wb: _Workbook, title: str, note: str | None, ncols: int) -> None:
    r = sheet.add([title], wb.sst, style=S_TITLE, blank_style=None, height=32)
    sheet.merge(r, 0, ncols - 1)
    if note:
        r = sheet.add([note], wb.sst, style=S_NOTE, blank_style=None, height=30)
        sheet.merge(r, 0, ncols - 1)


def _footer(
    sheet: _Sheet, wb: _Workbook, ncols: int, filler: str, checker: str, filed: date
) -> None:
    sheet.add([], wb.sst, blank_style=None)
    text = f"填报人：{filler}　　审核人：{checker}　　填报日期：{_cn_date(filed)}"
    r = sheet.add([text], wb.sst, style=S_FOOTER, blank_style=None)
    sheet.merge(r, 0, ncols - 1)


def _header(sheet: _Sheet, wb: _Workbook, headers: Sequence[str]) -> int:
    r = sheet.add(list(headers), wb.sst, style=S_HEADER, height=30)
    sheet.freeze_rows = r
    return r


@dataclass
class _Body:
    """Data columns being assembled, with the indices of rows made deliberately invalid."""

    cols: list[list[Any]]
    bad: set[int] = field(default_factory=set)

    @staticmethod
    def from_columns(columns: Sequence[Sequence[Any]]) -> _Body:
        return _Body([list(c) for c in columns])

    @property
    def n(self) -> int:
        return len(self.cols[0])

    def pick(
        self, rng: np.random.Generator, k: int, ok: Callable[[int], bool] = lambda i: True
    ) -> list[int]:
        """`k` rows not yet picked (and passing `ok`), chosen at random; marks them bad."""
        chosen: list[int] = []
        for x in rng.permutation(self.n):
            i = int(x)
            if i not in self.bad and ok(i):
                chosen.append(i)
                if len(chosen) == k:
                    break
        self.bad.update(chosen)
        return sorted(chosen)

    def insert_duplicate(self, rng: np.random.Generator, src: int, changes: dict[int, Any]) -> None:
        """Enter row `src` again further down, with `changes` by column (the copy is the bad row)."""
        at = int(rng.integers(src + 1, self.n + 1))
        for j, col in enumerate(self.cols):
            col.insert(at, changes.get(j, col[src]))
        self.bad = {b + 1 if b >= at else b for b in self.bad} | {at}

    def write(self, sheet: _Sheet, wb: _Workbook, *, date_style: int = S_DATE) -> list[int]:
        """Write the rows (renumbering 序号 in column 0); returns the bad rows' row numbers."""
        self.cols[0] = list(range(1, self.n + 1))
        first = sheet.add_body(self.cols, wb.sst, date_style=date_style)
        return [first + i for i in sorted(self.bad)]


# Volunteers ----------------------------------------------------------------------------------

_VOLUNTEER_LAYOUTS: tuple[dict[str, Any], ...] = (
    {
        "sheet": "志愿者台账",
        "headers": _words(
            "序号 志愿者编号 姓名 性别 所属区县 街道/乡镇 志愿服务队 注册日期 累计服务时长（小时） "
            "是否党员 联系电话 身份证号"
        ),
        "party": ("是", "否"),
        "date_style": S_DATE,
        "phone_numeric": False,
        "note": "说明：1.服务时长以“志愿青澜”平台记录为准；2.是否党员填“是”或“否”。",
    },
    {
        "sheet": "Sheet1",
        "headers": _words(
            "序号 注册编号 志愿者姓名 性别 所在区（县） 乡镇（街道） 服务队名称 注册时间 服务时长（小时） "
            "党员 手机号码 身份证号码"
        ),
        "party": ("√", None),
        "date_style": S_DATE_SLASH,
        "phone_numeric": True,
        "note": None,
    },
    {
        "sheet": "注册志愿者",
        "headers": _words(
            "序号 编号 姓名 性别 区县 所属街道 所属组织 注册日期 时长 政治面貌 联系方式 证件号码"
        ),
        "party": ("中共党员", "群众"),
        "date_style": S_DATE_CN,
        "phone_numeric": False,
        "note": "单位：人、小时",
    },
)


def _write_volunteers(
    city: SampleCity, as_of: date, path: Path, rng: np.random.Generator, layout: dict[str, Any]
) -> tuple[list[int], str]:
    v = city.volunteers_at(as_of, with_mess=True)
    n = len(v)
    yes, no = layout["party"]
    young = v["mess_pick"].to_numpy() == 0
    if no == "群众":
        party = [
            yes if p else ("共青团员" if y else no)
            for p, y in zip(v["is_party_member"].tolist(), young.tolist(), strict=True)
        ]
    else:
        party = [yes if p else no for p in v["is_party_member"].tolist()]
    phones = _none_if_nan(v["phone"].tolist())
    if layout["phone_numeric"]:
        phones = [None if p is None else float(p) for p in phones]
    cols = [
        [0] * n,
        v["volunteer_id"].tolist(),
        v["name"].tolist(),
        v["gender"].tolist(),
        _messy_districts(
            v["district"].tolist(), v["mess_district"].to_numpy(), v["mess_pick"].to_numpy()
        ),
        v["street"].tolist(),
        v["team"].tolist(),
        _messy_dates(v["registered_on"].tolist(), v["mess_date"].to_numpy()),
        _messy_hours(v["hours"].tolist(), v["mess_hours"].to_numpy()),
        party,
        phones,
        _none_if_nan(v["id_number"].tolist()),
    ]
    body = _Body.from_columns(cols)
    for i in body.pick(rng, 2):
        body.cols[7][i] = IMPOSSIBLE_DATE
    for i in body.pick(rng, 2):
        body.cols[8][i] = -float(rng.choice([5, 12.5, 3]))
    for i in body.pick(rng, 2):
        body.cols[4][i] = UNKNOWN_DISTRICT
    for i in body.pick(rng, 1 + int(rng.integers(0, 2))):
        body.cols[2][i] = None
    # the same volunteer entered twice: the later row repeats an earlier 志愿者编号
    sources = body.pick(rng, 2)
    body.bad.difference_update(sources)
    extra = [float(x) for x in rng.integers(1, 60, len(sources))]
    for src, hours in sorted(zip(sources, extra, strict=True), reverse=True):
        body.insert_duplicate(rng, src, {8: hours})
    wb = _Workbook("青澜市志愿服务指导中心", as_of)
    sheet = wb.add_sheet(layout["sheet"], (6, 13, 9, 6, 12, 12, 26, 13, 12, 9, 14, 21), active=True)
    ncols = len(layout["headers"])
    _title_rows(sheet, wb, f"{CITY}注册志愿者台账（截至{_cn_date(as_of)}）", layout["note"], ncols)
    _header(sheet, wb, layout["headers"])
    bad = body.write(sheet, wb, date_style=layout["date_style"])
    total_hours = round(float(v["hours"].sum()), 1)
    sheet.add(
        ["合计", None, f"{body.n}人", None, None, None, None, None, total_hours, None, None, None],
        wb.sst,
        style=S_TOTAL,
    )
    _footer(sheet, wb, ncols, "周晓燕", "陈建国", as_of + timedelta(days=1))
    wb.save(path)
    return bad, f"注册志愿者 {body.n} 行（含 {len(bad)} 行错误示例）"


# Units ---------------------------------------------------------------------------------------

_COUNTY_LEVEL_SPELLINGS = ("县级", "县级", "县级", "区县级", "县（区）级")


def _title_of(level: str, category: str, name: str, pick: int) -> str:
    """The 称号 a clerk writes: level + category, 文明村 / 文明乡镇, 县级 spelled three ways."""
    if category == "文明村镇":
        category = "文明村" if name.endswith("村") else "文明乡镇"
    if level == "县级":
        level = _COUNTY_LEVEL_SPELLINGS[pick % len(_COUNTY_LEVEL_SPELLINGS)]
    return f"{level}{category}"


def _write_units(
    city: SampleCity, as_of: date, path: Path, rng: np.random.Generator, combined_title: bool
) -> tuple[list[int], str]:
    u = city.units_at(as_of, with_mess=True)
    n = len(u)
    districts = _messy_districts(
        u["district"].tolist(), u["mess_district"].to_numpy(), u["mess_pick"].to_numpy()
    )
    scores = _none_if_nan(u["score"].tolist())
    targets = _none_if_nan(u["target_score"].tolist())
    years = [None if pd.isna(y) else int(y) for y in u["named_year"]]
    lat, lon = _none_if_nan(u["lat"].tolist()), _none_if_nan(u["lon"].tolist())
    if combined_title:
        groups = [
            ("序号", None),
            ("编号", None),
            ("单位名称", None),
            ("称号", None),
            ("所属区县", None),
            ("乡镇（街道）", None),
            ("创建状态", None),
            ("测评情况", ("得分", "目标分")),
            ("命名年份", None),
            ("主管部门", None),
            ("地理坐标", ("经度", "纬度")),
        ]
        titles = [
            _title_of(lv, c, nm, int(p))
            for lv, c, nm, p in zip(
                u["level"], u["category"], u["unit_name"], u["mess_pick"], strict=True
            )
        ]
        cols = [
            [0] * n,
            u["unit_id"].tolist(),
            u["unit_name"].tolist(),
            titles,
            districts,
            u["street"].tolist(),
            u["status"].tolist(),
            scores,
            targets,
            years,
            u["department"].tolist(),
            lon,
            lat,
        ]
        name_col, dist_col, score_col, lon_col, lat_col = 2, 4, 7, 11, 12
        widths: tuple[float, ...] = (6, 11, 30, 16, 12, 12, 10, 8, 8, 10, 14, 11, 11)
    else:
        groups = [
            ("序号", None),
            ("单位编号", None),
            ("创建单位名称", None),
            ("创建类别", None),
            ("级别", None),
            ("所在区", None),
            ("街道", None),
            ("状态", None),
            ("测评情况", ("测评得分", "目标分值")),
            ("命名时间", None),
            ("牵头单位", None),
            ("纬度", None),
            ("经度", None),
        ]
        cols = [
            [0] * n,
            u["unit_id"].tolist(),
            u["unit_name"].tolist(),
            u["category"].tolist(),
            u["level"].tolist(),
            districts,
            u["street"].tolist(),
            u["status"].tolist(),
            scores,
            targets,
            years,
            u["department"].tolist(),
            lat,
            lon,
        ]
        name_col, dist_col, score_col, lat_col, lon_col = 2, 5, 8, 12, 13
        widths = (6, 11, 30, 10, 8, 12, 12, 10, 9, 9, 10, 14, 11, 11)
    body = _Body.from_columns(cols)
    for i in body.pick(rng, 1):
        body.cols[name_col][i] = None
    for i in body.pick(rng, 2):
        body.cols[dist_col][i] = UNKNOWN_DISTRICT
    for i in body.pick(rng, 1, lambda i: body.cols[score_col][i] is not None):
        body.cols[score_col][i] = 105.0
    for i in body.pick(rng, 1, lambda i: body.cols[score_col][i] is not None):
        body.cols[score_col][i] = "优秀"
    # a clerk swapped 经度 and 纬度 in two rows (kept, with a warning)
    for i in body.pick(rng, 2, lambda i: body.cols[lat_col][i] is not None):
        body.cols[lat_col][i], body.cols[lon_col][i] = body.cols[lon_col][i], body.cols[lat_col][i]
        body.bad.discard(i)
    wb = _Workbook("青澜市文明办", as_of)
    sheet = wb.add_sheet("创建单位", widths, active=True)
    ncols = len(cols)
    _title_rows(
        sheet,
        wb,
        f"{CITY}文明创建单位台账（截至{_cn_date(as_of)}）",
        "注：测评得分为最近一次测评结果；称号按“级别+类别”填写。" if combined_title else None,
        ncols,
    )
    # a two-row header: 测评情况 (and 地理坐标) over their sub-columns, the rest merged downwards
    top: list[Any] = []
    sub: list[Any] = []
    r_top = sheet.next_row
    for label, children in groups:
        if children:
            sheet.merge(r_top, len(top), len(top) + len(children) - 1)
            top += [label] + [None] * (len(children) - 1)
            sub += list(children)
        else:
            sheet.merge(r_top, len(top), len(top), r_top + 1)
            top.append(label)
            sub.append(None)
    sheet.add(top, wb.sst, style=S_HEADER, blank_style=S_HEADER, height=22)
    sheet.add(sub, wb.sst, style=S_HEADER, blank_style=S_HEADER, height=22)
    sheet.freeze_rows = r_top + 1
    bad = body.write(sheet, wb)
    total: list[Any] = [None] * ncols
    total[0], total[name_col] = "合计", f"共{body.n}个单位"
    sheet.add(total, wb.sst, style=S_TOTAL)
    _footer(sheet, wb, ncols, "吴敏", "郑志刚", as_of + timedelta(days=1))
    # the drop-down lists clerks pick from, kept on a hidden sheet
    lists = wb.add_sheet("字典", (14, 10, 8, 10), hidden=True)
    lists.add(["区县", "创建类别", "级别", "创建状态"], wb.sst, style=S_PLAIN, blank_style=None)
    columns = (
        [d.name for d in DISTRICTS],
        ["文明单位", "文明村镇", "文明社区", "文明校园", "文明家庭", "文明窗口"],
        ["全国", "省级", "市级", "县级"],
        ["培育中", "已申报", "已命名", "复查保留", "已撤销"],
    )
    for k in range(max(len(c) for c in columns)):
        lists.add(
            [c[k] if k < len(c) else None for c in columns], wb.sst, style=S_PLAIN, blank_style=None
        )
    wb.save(path)
    return bad, f"创建单位 {n} 个（含 {len(bad)} 行错误示例、2 行经纬度颠倒）"


# Issues --------------------------------------------------------------------------------------

_ISSUE_LAYOUTS: tuple[dict[str, Any], ...] = (
    {
        "headers": _words(
            "序号 问题编号 发现日期 所属区县 街道/乡镇 具体点位 点位类型 问题类别 问题描述 问题来源 "
            "责任单位 整改时限 整改状态 整改完成日期 整改措施 经度 纬度"
        ),
        "status": {},
        "lon_first": True,
        "date_style": S_DATE,
        "note": "说明：整改状态填写待整改、整改中、已整改、已销号或长期整改；"
        "整改时限可填写日期、天数或“立行立改”。",
    },
    {
        "headers": _words(
            "序号 编号 发现时间 区县 乡镇（街道） 点位 点位类别 问题类型 存在问题 来源 整改责任单位 "
            "完成时限 办理状态 办结时间 整改情况 lat lng"
        ),
        "status": {
            "待整改": "未整改",
            "整改中": "正在整改",
            "已整改": "已完成",
            "已销号": "销号",
            "长期整改": "长期坚持",
        },
        "lon_first": False,
        "date_style": S_DATE_CN,
        "note": None,
    },
)
_ISSUE_GUIDE = (
    "问题整改台账填报说明",
    "1. 每周日18:00前报送，截至当日的全部问题均需列出（含已销号问题）。",
    "2. 发现日期、整改完成日期请按“2026-11-15”格式填写。",
    "3. 整改时限可填写具体日期、“7天”“15个工作日”“立行立改”或“长期坚持”。",
    "4. 整改状态：待整改、整改中、已整改、已销号、长期整改。",
    "5. 已整改问题经复核后方可销号。",
)


def _write_issues(
    city: SampleCity, as_of: date, path: Path, rng: np.random.Generator, layout: dict[str, Any]
) -> tuple[list[int], str]:
    i = city.issues_at(as_of, with_mess=True)
    n = len(i)
    deadline_dates = _messy_dates(i["deadline"].tolist(), i["mess_deadline"].to_numpy())
    deadlines = [t or d for t, d in zip(i["deadline_text"].tolist(), deadline_dates, strict=True)]
    rectified = _messy_dates(
        _none_if_nan(i["rectified_on"].tolist()), i["mess_rectified"].to_numpy()
    )
    status = [layout["status"].get(s, s) for s in i["status"]]
    lat, lon = _none_if_nan(i["lat"].tolist()), _none_if_nan(i["lon"].tolist())
    coords = (lon, lat) if layout["lon_first"] else (lat, lon)
    cols = [
        [0] * n,
        i["issue_id"].tolist(),
        _messy_dates(i["found_on"].tolist(), i["mess_found"].to_numpy()),
        _messy_districts(
            i["district"].tolist(), i["mess_district"].to_numpy(), i["mess_pick"].to_numpy()
        ),
        i["street"].tolist(),
        i["location"].tolist(),
        i["point_type"].tolist(),
        i["category"].tolist(),
        i["description"].tolist(),
        i["source"].tolist(),
        i["responsible_unit"].tolist(),
        deadlines,
        status,
        rectified,
        _none_if_nan(i["measures"].tolist()),
        *coords,
    ]
    body = _Body.from_columns(cols)
    hostile = {k for k, d in enumerate(i["description"]) if d.startswith("=HYPERLINK")}
    body.bad.update(hostile)  # never corrupt the hostile row: it must stay valid
    for k in body.pick(rng, 2):
        body.cols[2][k] = IMPOSSIBLE_DATE
    for k in body.pick(rng, 2):
        body.cols[3][k] = UNKNOWN_DISTRICT
    for k in body.pick(rng, 2):
        body.cols[10][k] = None
    for k in body.pick(rng, 1):
        body.cols[8][k] = None
    # coordinates: two rows with 经度/纬度 swapped, one with (0, 0); kept with a warning
    for k in body.pick(rng, 2, lambda k: body.cols[15][k] is not None):
        body.cols[15][k], body.cols[16][k] = body.cols[16][k], body.cols[15][k]
        body.bad.discard(k)
    for k in body.pick(rng, 1, lambda k: body.cols[15][k] is not None):
        body.cols[15][k], body.cols[16][k] = 0.0, 0.0
        body.bad.discard(k)
    body.bad.difference_update(hostile)
    wb = _Workbook("青澜市创城办督查科", as_of)
    guide = wb.add_sheet("填报说明", (90,))
    for line in _ISSUE_GUIDE:
        guide.add([line], wb.sst, style=S_PLAIN, blank_style=None)
    widths = (6, 15, 13, 12, 12, 24, 12, 10, 34, 10, 18, 13, 10, 13, 30, 11, 11)
    sheet = wb.add_sheet("问题整改台账", widths, active=True)
    ncols = len(layout["headers"])
    _title_rows(
        sheet,
        wb,
        f"{CITY}创建全国文明城市问题整改台账（截至{_cn_date(as_of)}）",
        layout["note"],
        ncols,
    )
    _header(sheet, wb, layout["headers"])
    bad = body.write(sheet, wb, date_style=layout["date_style"])
    closed = int(np.isin(i["status"], ["已整改", "已销号"]).sum())
    total: list[Any] = [None] * ncols
    total[0], total[5], total[8] = "合计", f"共{n}条", f"已整改{closed}条，未整改{n - closed}条"
    sheet.add(total, wb.sst, style=S_TOTAL)
    _footer(sheet, wb, ncols, "李静", "张卫东", as_of + timedelta(days=1))
    wb.save(path)
    return bad, f"问题 {n} 条（含 {len(bad)} 行错误示例、3 行坐标需提醒、1 行恶意文本）"


# Targets -------------------------------------------------------------------------------------

# fmt: off
_TARGET_ROWS: tuple[tuple[str, str, Any, str, Any, str], ...] = (
    ("注册志愿者占常住人口比例", "全市", "13%", "%", date(2026, 12, 31), "市志愿服务指导中心"),
    ("注册志愿者占常住人口比例", "城关区", "14%", "%", date(2026, 12, 31), "城关区"),
    ("注册志愿者占常住人口比例", "南港区", "11%", "%", date(2026, 12, 31), "南港区"),
    ("星级志愿者人数", "全市", 6500, "人", date(2026, 12, 31), "市志愿服务指导中心"),
    ("党员志愿者人数", "全市", 10000, "人", date(2026, 12, 31), "市委组织部"),
    ("问题整改率", "全市", 90, "%", date(2026, 12, 31), "市创城办"),
    ("问题整改率", "南港区", 85, "%", date(2026, 12, 31), "南港区"),
    ("问题整改率", "高新区", 92, "%", date(2026, 12, 31), "高新区管委会"),
    ("按期整改率", "全市", 85, "%", "2026/12/31", "市创城办"),
    ("销号率", "全市", 80, "%", "2026年11月30日", "市创城办"),
    ("逾期未整改问题数", "全市", 50, "条", date(2026, 11, 30), "市创城办"),
    ("已命名单位数", "全市", 350, "个", date(2026, 12, 31), "市文明办"),
    ("创建单位达标率", "全市", _Cell(0.85, S_PCT), "%", date(2026, 12, 31), "市文明办"),
    ("平均测评得分", "全市", 85, "分", date(2026, 12, 31), "市文明办"),
    ("公益广告覆盖率", "全市", "100%", "%", date(2026, 12, 31), "市委宣传部"),
)
# fmt: on
"""The last row names a metric outside the catalogue: a realistic row the reader must flag."""


def _write_targets(path: Path) -> tuple[list[int], str]:
    wb = _Workbook("青澜市文明办", TARGETS_ISSUED)
    sheet = wb.add_sheet("目标任务", (6, 28, 10, 10, 6, 15, 20, 16), active=True)
    headers = ("序号", "指标名称", "区县", "目标值", "单位", "完成时限", "牵头部门", "备注")
    _title_rows(
        sheet,
        wb,
        f"{CITY}2026年创建全国文明城市重点指标目标任务",
        f"（{_cn_date(TARGETS_ISSUED)}{CITY}文明办印发）",
        len(headers),
    )
    _header(sheet, wb, headers)
    bad = []
    for k, (metric, district, target, unit, due, lead) in enumerate(_TARGET_ROWS, start=1):
        remark = "新增指标" if metric == "公益广告覆盖率" else None
        r = sheet.add([k, metric, district, target, unit, due, lead, remark], wb.sst)
        if metric == "公益广告覆盖率":
            bad.append(r)
    _footer(sheet, wb, len(headers), "吴敏", "郑志刚", TARGETS_ISSUED)
    wb.save(path)
    return bad, f"目标任务 {len(_TARGET_ROWS)} 条（最后一条指标不在指标目录中）"


# ---------------------------------------------------------------------------------------------
# generate()
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleFile:
    """One generated file: what it is, the date it is as of, a note for the UI."""

    path: Path
    kind: str
    as_of: date
    note: str
    bad_rows: tuple[int, ...] = ()
    """Spreadsheet row numbers (1-based) that were made invalid on purpose."""


_KIND_CODE = {"units": 11, "volunteers": 12, "issues": 13}
LATEST_FILES = (
    "districts.geojson",
    "targets.xlsx",
    "units_{d}.xlsx",
    "volunteers_{d}.xlsx",
    "issues_{d}.xlsx",
)
"""The files committed under sample_data/city/ ({d} = END_DATE in ISO form)."""


def ledger_file_name(kind: str, as_of: date) -> str:
    return f"{kind}_{as_of.isoformat()}.xlsx"


def generate(
    out_dir: Path, *, weeks: int = 10, seed: int = 2026, latest_only: bool = False
) -> list[SampleFile]:
    """Write the sample city into `out_dir`; same arguments, same bytes.

    Files: districts.geojson, targets.xlsx and `{kind}_{as_of}.xlsx` for units, volunteers and
    issues on each of `weeks` consecutive Sundays ending on END_DATE (only the last one with
    `latest_only`). Returns them in that order: districts, targets, then week by week.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    dates = as_of_dates(weeks)
    city = simulate(seed)
    geo_path = out_dir / "districts.geojson"
    geo_path.write_text(_geojson_text(), encoding="utf-8", newline="\n")
    files = [
        SampleFile(
            geo_path,
            "districts",
            dates[0],
            f"{CITY}区县边界：{len(DISTRICTS)} 个区县，常住人口合计 "
            f"{sum(d.population for d in DISTRICTS):,} 人",
        )
    ]
    targets_path = out_dir / "targets.xlsx"
    bad, note = _write_targets(targets_path)
    files.append(SampleFile(targets_path, "targets", dates[0], note, tuple(bad)))
    for as_of in dates[-1:] if latest_only else dates:
        # the layout alternates week by week (offices change templates); fixed by the date
        week_no = (as_of - END_DATE).days // 7
        for kind in ("units", "volunteers", "issues"):
            rng = np.random.default_rng([seed, _KIND_CODE[kind], as_of.toordinal()])
            path = out_dir / ledger_file_name(kind, as_of)
            if kind == "units":
                bad, note = _write_units(city, as_of, path, rng, combined_title=week_no % 2 == 0)
            elif kind == "volunteers":
                layout = _VOLUNTEER_LAYOUTS[week_no % len(_VOLUNTEER_LAYOUTS)]
                bad, note = _write_volunteers(city, as_of, path, rng, layout)
            else:
                layout = _ISSUE_LAYOUTS[week_no % len(_ISSUE_LAYOUTS)]
                bad, note = _write_issues(city, as_of, path, rng, layout)
            files.append(
                SampleFile(path, kind, as_of, f"截至{_cn_date(as_of)}：{note}", tuple(bad))
            )
    return files


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=f"生成示例城市（{CITY}）的台账文件")
    parser.add_argument("--out", type=Path, required=True, help="输出目录")
    parser.add_argument("--weeks", type=int, default=10, help="周数（默认 10）")
    parser.add_argument("--seed", type=int, default=2026, help="随机种子（默认 2026）")
    parser.add_argument(
        "--latest-only",
        action="store_true",
        help="只写最近一周的台账（即 sample_data/city/ 中提交的文件）",
    )
    args = parser.parse_args(list(argv) if argv is not None else None)
    t0 = time.perf_counter()
    files = generate(args.out, weeks=args.weeks, seed=args.seed, latest_only=args.latest_only)
    for f in files:
        print(f"{f.path}\t{f.kind}\t{f.as_of}\t{f.note}")
    print(f"{len(files)} files in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
