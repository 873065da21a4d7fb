"""The sample city 青澜市 itself: its storyline's dates and actors, its seven districts and their
boundaries.

青澜市 is a fictional county-level city of 260,000 residents in seven 区县-level units. The
boundaries are drawn on a unit square from shared nodes, so neighbouring districts share their
edges and the map tiles without gaps or overlaps; region code 3399xx does not exist. The
storyline (who lags, who improves, when the 模拟测评 happens) is told in README.md beside this
file and checked by tests/sample/.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from datetime import date, time
from typing import Any, cast

import numpy as np
import pandas as pd

__all__ = [
    "CITY",
    "CLERKS",
    "DISTRICTS",
    "DISTRICT_BY_NAME",
    "EDITOR",
    "END_DATE",
    "IMPROVING_UNIT",
    "LAGGING_DISTRICT",
    "LATE_DISTRICT",
    "RISING_CREATION_UNIT",
    "SIMULATED_EVALUATION",
    "SLOW_UNITS",
    "Clerk",
    "DistrictSpec",
    "Geography",
    "coordinates",
    "districts_geojson",
    "geography",
    "geojson_text",
    "inside",
    "words",
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


@dataclass(frozen=True)
class Clerk:
    """A district's 区县填报员 in the sample city, and when in the week they usually submit their
    district's parts (the deadline is Friday 17:00)."""

    name: str
    district: str
    weekday: int
    """0 = Monday: 2–4, Wednesday to Friday."""
    at: time


CLERKS = (
    Clerk("陈静", "城关区", 3, time(10, 30)),
    Clerk("张晓", "东湖区", 2, time(16, 20)),
    Clerk("王磊", "西山区", 4, time(9, 15)),
    Clerk("刘芳", "南港区", 4, time(16, 30)),
    Clerk("赵颖", "北塘镇", 3, time(15, 0)),
    Clerk("孙浩", "高新技术产业开发区", 2, time(11, 40)),
    Clerk("周婷", "临江镇", 4, time(11, 20)),
)
"""One clerk per district. Their accounts have no password: they cannot log in until an admin
sets one."""
EDITOR = "李明"
"""The 市创城办 editor: commits the district table and the targets (no password either)."""
LATE_DISTRICT = LAGGING_DISTRICT
"""The one district whose parts of the last week arrive after the deadline (on the Saturday)."""


def words(text: str) -> tuple[str, ...]:
    """A word list written as one space-separated string (keeps the data tables short)."""
    return tuple(text.split())


# ---------------------------------------------------------------------------------------------
# The city: districts, streets, roads, boundaries
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DistrictSpec:
    """One district: its names and code, its streets and roads, and its part in the storyline."""

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
DISTRICTS: tuple[DistrictSpec, ...] = (
    # name, code, population, aliases, streets, roads, ring, volunteers % start → end,
    # issue weight, slowness, score offset, the district's own team
    DistrictSpec(
        "城关区", "339902", 61842, (), words("鼓楼街道 文昌街道 府前街道 南门街道 西门街道"),
        words("人民路 解放路 中山路 鼓楼街 文昌路 府前街 南门大街 西门路"),
        "KLPMQN", 10.0, 13.4, 1.15, 0.9, 1.5, "鼓楼义工服务队",
    ),
    DistrictSpec(
        "东湖区", "339903", 45317, (), words("湖滨街道 东湖街道 望湖街道 白沙街道"),
        words("湖滨路 东湖大道 望湖路 白沙路 环湖东路 迎宾大道"),
        "PDEM", 9.0, 12.1, 0.95, 0.9, 0.5, "护湖志愿服务队",
    ),
    DistrictSpec(
        "西山区", "339904", 32905, (), words("西山街道 青峰街道 龙泉镇"),
        words("西山路 青峰路 龙泉路 石门街 山前路"),
        "JKNI", 8.2, 11.0, 0.85, 1.0, 0.0, "护林志愿服务队",
    ),
    DistrictSpec(
        "南港区", "339905", 41268, (), words("港口街道 南港街道 渔港街道 沙洲镇"),
        words("港口路 渔港路 南港大道 沙洲路 海塘路 船厂路 鱼市街"),
        "QMEFG", 7.2, 8.3, 1.6, 1.7, -4.0, "渔港平安志愿服务队",
    ),
    DistrictSpec(
        "北塘镇", "339906", 24136, (), words("北塘集镇 新塘片区 塘湾片区"),
        words("北塘大街 新塘路 塘湾路 镇前街"),
        "ABLKJ", 7.6, 10.2, 0.75, 0.85, -0.5, "乡风文明志愿服务队",
    ),
    DistrictSpec(
        "高新技术产业开发区", "339971", 31074, ("高新区",), words("科创街道 云谷街道"),
        words("科创大道 云谷路 创业路 智慧大道 高新一路"),
        "BCDPL", 9.0, 12.8, 0.9, 0.95, 1.0, "企业志愿服务联盟",
    ),
    DistrictSpec(
        "临江镇", "339907", 23458, (), words("临江集镇 江滨片区 桃源片区"),
        words("临江路 江滨路 桃源路 滨江大道"),
        "INQGH", 7.8, 10.5, 0.7, 1.0, 0.0, "护江志愿服务队",
    ),
)
# fmt: on
DISTRICT_BY_NAME = {d.name: d for d in DISTRICTS}

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


def _ring(spec: DistrictSpec) -> list[list[float]]:
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


def inside(ring: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Ray-casting point-in-polygon test for many points at once."""
    hit = np.zeros(lon.shape, dtype=bool)
    x0, y0 = ring[:-1, 0], ring[:-1, 1]
    x1, y1 = ring[1:, 0], ring[1:, 1]
    for i in range(len(x0)):
        crosses = (y0[i] > lat) != (y1[i] > lat)
        with np.errstate(divide="ignore", invalid="ignore"):
            xc = x0[i] + (lat - y0[i]) * (x1[i] - x0[i]) / (y1[i] - y0[i])
        hit ^= crosses & (lon < xc)
    return hit


@dataclass(frozen=True)
class Geography:
    """The districts' boundary rings and where each street's centre lies inside them."""

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
            keep = inside(ring, x, y)
            lon = np.concatenate([lon, x[keep]])
            lat = np.concatenate([lat, y[keep]])
        return np.round(lon[:n], 6), np.round(lat[:n], 6)


def geography() -> Geography:
    """Street centres spread out inside each district, well away from its boundary."""
    rings = {d.name: np.array(_ring(d)) for d in DISTRICTS}
    centres: dict[tuple[str, str], tuple[float, float]] = {}
    for d in DISTRICTS:
        ring = rings[d.name]
        rng = np.random.default_rng(int(d.code))
        lo, hi = ring.min(axis=0), ring.max(axis=0)
        pts = rng.uniform(lo, hi, size=(600, 2))
        pts = pts[inside(ring, pts[:, 0], pts[:, 1])]
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
    return Geography(rings, centres)


def _clearance(ring: np.ndarray, p: np.ndarray) -> float:
    a, b = ring[:-1], ring[1:]
    ab = b - a
    t = np.clip(((p - a) * ab).sum(axis=1) / (ab**2).sum(axis=1), 0, 1)
    closest = a + ab * t[:, None]
    return float(np.sqrt(((closest - p) ** 2).sum(axis=1)).min())


def coordinates(
    rng: np.random.Generator, geo: Geography, frame: pd.DataFrame, *, missing: float, spread: float
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
    """The FeatureCollection of the packaged files/districts.geojson."""
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


def geojson_text() -> str:
    data = districts_geojson()
    head = json.dumps({k: v for k, v in data.items() if k != "features"}, ensure_ascii=False)
    feats = ",\n".join(
        json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in data["features"]
    )
    return head[:-1] + ', "features": [\n' + feats + "\n]}\n"
