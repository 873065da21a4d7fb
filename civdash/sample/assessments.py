"""The sample city's monthly 模拟测评 rounds and the contacts of its responsible units.

A third-party evaluator checks the same 点位库 of 青澜市 every month against a small 测评体系:
each 点位 (a park, a market, a back lane …) against the items that apply to its type, each item
worth 0.5–2 points, with the points lost and the reason. Its report is one round: six of them,
June to November 2026, the October one on the days of the `SIMULATED_EVALUATION` that added a
burst of problems to the issues ledger. The storyline (README.md beside this file):

- `IMPROVING_DISTRICT` climbs from a 得分率 of about 78 % in June to about 93 % in November;
- `REPEAT_LOSS`: 港口农贸市场 loses points for 农贸市场周边占道经营 in every round, and no other
  item at any 点位 loses points in more than three rounds running;
- the rest are noisy but plausible: the city scores 85–92 %, 南港区 a little below the others.

Every responsible unit named is one the issues ledger names (`responsible_units`), and
`contacts` lists 负责人, 联络员 and a phone for each of them. Same seed, same rows; the rows are
made from the seed and the districts alone (no `simulate()`), so they cost milliseconds.

>>> rounds = simulate_assessments()
>>> rounds["round"].nunique(), rounds["district"].nunique(), len(rounds)
(6, 7, 2346)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from civdash.ledgers.assessments import ASSESSMENTS
from civdash.ledgers.contacts import CONTACTS
from civdash.sample.city import (
    DISTRICTS,
    LAGGING_DISTRICT,
    SIMULATED_EVALUATION,
    DistrictSpec,
    geography,
)
from civdash.sample.simulation import _local_office, _names, responsible_units

__all__ = [
    "ASSESSMENT_FIELDS",
    "ASSESSOR",
    "CONTACT_FIELDS",
    "IMPROVING_DISTRICT",
    "REPEAT_LOSS",
    "ROUNDS",
    "AssessmentRound",
    "RepeatLoss",
    "contacts",
    "round_rows",
    "simulate_assessments",
]

ASSESSOR = "第三方测评机构"


@dataclass(frozen=True)
class AssessmentRound:
    """One 模拟测评: its name and the days the evaluators spent in the city (one district a day,
    in turn). The report is as of the last day."""

    name: str
    days: tuple[date, ...]

    @property
    def as_of(self) -> date:
        return self.days[-1]


def _between(first: date, last: date) -> tuple[date, ...]:
    return tuple(date.fromordinal(d) for d in range(first.toordinal(), last.toordinal() + 1))


ROUNDS = (
    AssessmentRound("2026年6月模拟测评", _between(date(2026, 6, 16), date(2026, 6, 18))),
    AssessmentRound("2026年7月模拟测评", _between(date(2026, 7, 14), date(2026, 7, 16))),
    AssessmentRound("2026年8月模拟测评", _between(date(2026, 8, 18), date(2026, 8, 20))),
    AssessmentRound("2026年9月模拟测评", _between(date(2026, 9, 15), date(2026, 9, 17))),
    AssessmentRound("2026年10月模拟测评", _between(*SIMULATED_EVALUATION)),
    AssessmentRound("2026年11月模拟测评", _between(date(2026, 11, 10), date(2026, 11, 12))),
)
"""The monthly rounds, oldest first; the last one ends before END_DATE."""

IMPROVING_DISTRICT = "北塘镇"
"""The district whose 得分率 rises round over round, from about 78 % to about 93 %."""


@dataclass(frozen=True)
class RepeatLoss:
    """The item that loses points at the same 点位 in every round."""

    district: str
    street: str
    location: str
    point_type: str
    item: str
    responsible_unit: str


REPEAT_LOSS = RepeatLoss(
    LAGGING_DISTRICT,
    "港口街道",
    "港口农贸市场",
    "集贸市场",
    "农贸市场周边占道经营",
    "港口街道办事处",
)

ASSESSMENT_FIELDS = ASSESSMENTS.field_names
"""The canonical fields of the assessments ledger (shared/ledgers.md), in order."""
CONTACT_FIELDS = CONTACTS.field_names

# ---------------------------------------------------------------------------------------------
# The 测评体系: items, their points, how often they lose points and why
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Item:
    code: str
    name: str
    points: float
    weight: float
    """How readily the item loses points, relative to the others."""
    reasons: tuple[str, ...]


# fmt: off
_ITEMS = (
    _Item("1.1.1", "公益广告宣传", 1.0, 1.0, (
        "公益广告数量不足，未达到规定比例", "公益广告破损褪色，未及时更换",
        "未设置社会主义核心价值观宣传内容", "公益广告被商业广告遮挡")),
    _Item("1.2.1", "未成年人思想道德建设阵地", 1.5, 0.6, (
        "乡村学校少年宫活动记录不全", "未成年人活动场所未正常开放",
        "心理健康辅导室无专人值守")),
    _Item("1.3.1", "文明劝导志愿服务", 1.0, 0.8, (
        "现场无文明劝导志愿者", "志愿服务站点无人值守", "志愿者未佩戴统一标识")),
    _Item("1.3.2", "新时代文明实践站建设", 1.0, 0.5, (
        "实践站活动台账不完整", "实践站未公示活动计划", "实践站场地被挪作他用")),
    _Item("2.1.1", "窗口服务规范", 1.0, 0.6, (
        "工作人员未佩戴工作牌", "未公示服务承诺和投诉电话", "工作人员服务态度生硬")),
    _Item("2.1.2", "无障碍设施", 0.5, 0.9, (
        "盲道被占用或中断", "无障碍坡道缺失", "无障碍卫生间被锁闭或堆放杂物")),
    _Item("2.1.3", "控烟及禁烟标识", 0.5, 0.5, (
        "室内有人吸烟无人劝阻", "未张贴禁烟标识", "禁烟标识脱落")),
    _Item("2.2.1", "文明交通秩序", 1.0, 1.2, (
        "行人闯红灯", "电动车驾乘人员未戴头盔", "机动车不礼让斑马线行人")),
    _Item("2.2.2", "公交站点设施", 0.5, 0.8, (
        "候车亭座椅损坏", "站牌信息模糊", "候车亭顶棚破损")),
    _Item("3.1.1", "环境卫生", 1.5, 1.4, (
        "地面有烟头、纸屑等垃圾", "垃圾桶满溢未及时清运", "卫生死角积存垃圾",
        "墙面有“牛皮癣”小广告")),
    _Item("3.1.2", "垃圾分类", 1.0, 1.3, (
        "垃圾分类投放点混投混放", "分类垃圾桶标识不清", "无垃圾分类宣传")),
    _Item("3.1.3", "公厕卫生", 1.0, 1.0, (
        "公厕有异味，地面湿滑", "公厕缺少洗手液和厕纸", "公厕设施损坏未修复")),
    _Item("3.2.1", "占道经营", 1.0, 1.3, (
        "流动摊贩占道经营", "店外经营、出店摆放商品", "餐饮店占道摆放桌椅")),
    _Item("3.2.2", "乱停乱放", 1.0, 1.4, (
        "非机动车乱停乱放", "机动车占用人行道停放", "共享单车堆积无序")),
    _Item("3.2.3", "乱搭乱建及违规广告", 1.0, 0.8, (
        "违规搭建雨棚", "乱拉横幅", "店招店牌破损")),
    _Item("3.3.1", "农贸市场周边占道经营", 2.0, 1.3, (
        "市场周边流动摊贩占道经营", "市场门口出店经营", "市场周边马路市场未取缔")),
    _Item("3.3.2", "农贸市场内环境卫生", 1.5, 1.1, (
        "市场内地面污水横流", "水产区异味明显", "垃圾未及时清运")),
    _Item("3.3.3", "农贸市场规范经营", 1.0, 0.8, (
        "经营户未亮证经营", "生熟食品未分区摆放", "公平秤缺失")),
    _Item("3.4.1", "公园绿地设施维护", 0.5, 0.7, (
        "健身器材损坏", "绿化带内有白色垃圾", "园内座椅破损")),
)
# fmt: on
_ITEM = {i.name: i for i in _ITEMS}

_ITEMS_BY_POINT: dict[str, tuple[str, ...]] = {
    "公园": ("公益广告宣传", "文明劝导志愿服务", "环境卫生", "垃圾分类", "公厕卫生", "公园绿地设施维护"),
    "集贸市场": (
        "农贸市场周边占道经营", "农贸市场内环境卫生", "农贸市场规范经营", "公益广告宣传",
        "公厕卫生", "垃圾分类",
    ),
    "背街小巷": ("环境卫生", "占道经营", "乱停乱放", "乱搭乱建及违规广告", "垃圾分类"),
    "主次干道": ("占道经营", "乱停乱放", "公益广告宣传", "文明交通秩序", "无障碍设施", "乱搭乱建及违规广告"),
    "公交站点": ("公交站点设施", "公益广告宣传", "文明交通秩序", "文明劝导志愿服务", "无障碍设施"),
    "社区": (
        "未成年人思想道德建设阵地", "新时代文明实践站建设", "公益广告宣传", "垃圾分类",
        "环境卫生", "乱停乱放",
    ),
    "医院": ("窗口服务规范", "无障碍设施", "控烟及禁烟标识", "文明劝导志愿服务", "乱停乱放", "公厕卫生"),
    "窗口单位": ("窗口服务规范", "无障碍设施", "控烟及禁烟标识", "公益广告宣传"),
}  # fmt: skip
"""The items checked at each type of 点位 (the types are the issues ledger's)."""

# ---------------------------------------------------------------------------------------------
# The 点位库: the same points every round
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Point:
    district: str
    street: str
    location: str
    point_type: str
    owner: str
    """The unit responsible for the 点位 as a whole (属地 or its department)."""
    lon: float
    lat: float


_HOSPITALS = {"城关区": "市人民医院", "东湖区": "市中医院", "西山区": "市第二人民医院"}
_COMMUNITY = ("锦绣", "和园", "康乐", "幸福", "阳光", "翠苑", "金桥", "春晖")
_WINDOWS = (
    ("供电营业厅", "国网青澜供电公司"),
    ("办税服务厅", "市税务局"),
    ("便民服务中心", "市行政审批服务局"),
)


def _points(rng: np.random.Generator) -> list[_Point]:
    """Ten 点位 per district (two back lanes, two communities, one of each other type), and a
    second market in 南港区: its 港口农贸市场 is `REPEAT_LOSS`'s."""
    geo = geography()
    out: list[_Point] = []
    for k, d in enumerate(DISTRICTS):
        streets = list(d.streets)
        picked = iter(rng.choice(streets, size=12).tolist())  # the street of each 点位 in turn
        roads = rng.choice(list(d.roads), size=3, replace=False).tolist()
        lanes = rng.integers(1, 30, 2).tolist()
        communities = rng.choice(list(_COMMUNITY), size=2, replace=False).tolist()
        window, window_unit = _WINDOWS[k % len(_WINDOWS)]
        s = [next(picked) for _ in range(9)]
        wanted: list[tuple[str, str, str, str | None]] = [
            ("公园", f"{s[0][:2]}公园", s[0], "市城管局" if k % 2 == 0 else None),
        ]
        if d.name == REPEAT_LOSS.district:
            other = next(x for x in streets if x != REPEAT_LOSS.street)
            wanted += [
                ("集贸市场", REPEAT_LOSS.location, REPEAT_LOSS.street, None),
                ("集贸市场", f"{other[:2]}菜市场", other, None),
            ]
        else:
            owner = "市市场监管局" if k % 3 == 1 else None
            wanted.append(("集贸市场", f"{s[1][:2]}农贸市场", s[1], owner))
        wanted += [
            ("背街小巷", f"{roads[0]}{lanes[0]}弄", s[2], None),
            ("背街小巷", f"{roads[1]}{lanes[1]}弄", s[3], None),
            ("主次干道", roads[2], s[4], "市城管局"),
            ("公交站点", f"{roads[0]}公交站", s[5], "市交通运输局"),
            ("社区", f"{s[6][:2]}{communities[0]}社区", s[6], None),
            ("社区", f"{s[7][:2]}{communities[1]}社区", s[7], None),
            ("医院", _HOSPITALS.get(d.name, f"{s[8][:2]}卫生院"), s[8], "市卫健局"),
            ("窗口单位", f"{s[0][:2]}{window}", s[0], window_unit),
        ]
        for point_type, location, street, owner in wanted:
            lon, lat = geo.sample(rng, d.name, street, 1, spread=0.008)
            unit = owner or _local_office(d.name, street)
            out.append(
                _Point(d.name, street, location, point_type, unit, float(lon[0]), float(lat[0]))
            )
    return out


def _unit_for(point: _Point, item: str) -> str:
    """The responsible unit of `item` at `point`, as the 分值式目标分解表 assigns it: the 点位's
    own unit, except where an item has a lead department (交警 for traffic, 城管 for toilets
    and illegal structures, 市场监管 for the markets' trading, 宣传部 for the roads' posters)."""
    if item == "文明交通秩序":
        return "市公安局交警大队"
    if item == "乱搭乱建及违规广告":
        return "市城管局"
    if item == "公厕卫生" and point.point_type != "医院":
        return "市城管局"
    if item == "农贸市场规范经营":
        return "市市场监管局"
    if item == "公益广告宣传" and point.point_type == "主次干道":
        return "市委宣传部"
    return point.owner


# ---------------------------------------------------------------------------------------------
# The rounds
# ---------------------------------------------------------------------------------------------


def _target_rate(district: DistrictSpec, k: int, rng: np.random.Generator) -> float:
    """The 得分率 (%) `district` gets in round `k` (0 = June)."""
    if district.name == IMPROVING_DISTRICT:
        return 78.0 + 3.0 * k + float(rng.uniform(-0.6, 0.6))
    if district.name == LAGGING_DISTRICT:
        return 82.5 + 0.4 * k + float(rng.normal(0, 1.0))
    rate = 87.0 + 1.2 * district.score_offset + 0.5 * k + float(rng.normal(0, 1.4))
    return float(np.clip(rate, 83.0, 94.5))


def _quarter(x: float) -> float:
    return round(x * 4) / 4


def _losses(
    rng: np.random.Generator,
    full: np.ndarray,
    weight: np.ndarray,
    budget: float,
    forced: dict[int, float],
    eligible: np.ndarray,
) -> np.ndarray:
    """Points lost per row: `forced` rows first, then rows drawn by `weight` among the
    `eligible`, each losing all its points or half, until `budget` points are lost (in quarters
    of a point, as evaluators score)."""
    lost = np.zeros(len(full))
    for i, x in forced.items():
        lost[i] = x
    left = _quarter(budget - lost.sum())
    pool = np.flatnonzero(eligible & (lost == 0))
    order = rng.choice(pool, size=len(pool), replace=False, p=weight[pool] / weight[pool].sum())
    halves = rng.random(len(order)) < 0.45
    for i, half in zip(order.tolist(), halves.tolist(), strict=True):
        if left < 0.25:
            break
        x = _quarter(full[i] / 2) if half else full[i]
        x = min(max(x, 0.25), left)
        lost[i] = x
        left = _quarter(left - x)
    return lost


def simulate_assessments(seed: int = 2026) -> pd.DataFrame:
    """Every round's rows (one per item checked at a 点位), oldest round first, in the canonical
    fields of the assessments ledger (`ASSESSMENT_FIELDS`): assessed_on is a date, the points
    are floats, description is blank where nothing was lost."""
    rng = np.random.default_rng([seed, 5])
    points = _points(rng)
    rows = [(p, _ITEM[item]) for p in points for item in _ITEMS_BY_POINT[p.point_type]]
    district = np.array([p.district for p, _ in rows])
    full = np.array([i.points for _, i in rows])
    weight = np.array([i.weight for _, i in rows]) * rng.uniform(0.6, 1.6, len(rows))
    repeat = next(
        n
        for n, (p, i) in enumerate(rows)
        if (p.location, i.name) == (REPEAT_LOSS.location, REPEAT_LOSS.item)
    )
    streak = np.zeros(len(rows), dtype=int)
    frames = []
    for k, rnd in enumerate(ROUNDS):
        lost = np.zeros(len(rows))
        for d in DISTRICTS:
            mine = district == d.name
            budget = (1 - _target_rate(d, k, rng) / 100) * full[mine].sum()
            forced = {}
            if d.name == REPEAT_LOSS.district:
                at = int(np.flatnonzero(np.flatnonzero(mine) == repeat)[0])
                forced[at] = float(rng.choice([1.0, 1.5, 2.0]))
            # no other item loses points at a 点位 more than three rounds running
            lost[mine] = _losses(rng, full[mine], weight[mine], budget, forced, streak[mine] < 3)
        streak = np.where(lost > 0, streak + 1, 0)
        day = {d.name: rnd.days[n % len(rnd.days)] for n, d in enumerate(DISTRICTS)}
        reasons = [
            str(rng.choice(list(_repeat_reasons() if n == repeat else i.reasons))) if x > 0 else ""
            for n, ((_, i), x) in enumerate(zip(rows, lost, strict=True))
        ]
        frames.append(
            pd.DataFrame(
                {
                    "round": rnd.name,
                    "assessed_on": [day[p.district] for p, _ in rows],
                    "district": district,
                    "street": [p.street for p, _ in rows],
                    "location": [p.location for p, _ in rows],
                    "point_type": [p.point_type for p, _ in rows],
                    "item": [i.name for _, i in rows],
                    "item_code": [i.code for _, i in rows],
                    "full_points": full,
                    "score": full - lost,
                    "points_lost": lost,
                    "responsible_unit": [_unit_for(p, i.name) for p, i in rows],
                    "description": reasons,
                    "assessor": ASSESSOR,
                    "lat": [p.lat for p, _ in rows],
                    "lon": [p.lon for p, _ in rows],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)[list(ASSESSMENT_FIELDS)]


def _repeat_reasons() -> tuple[str, ...]:
    return (
        "港口农贸市场北门外流动摊贩占道经营，马路市场未取缔",
        "市场周边三轮车占道卖菜，早市时段尤为突出",
        "市场东侧道路摊贩出店经营、占用人行道",
    )


def round_rows(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """The rows of round `name` of `frame` (from `simulate_assessments`), numbered from 0."""
    return frame[frame["round"] == name].reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Contacts of the responsible units
# ---------------------------------------------------------------------------------------------


def contacts(seed: int = 2026, units: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per responsible unit (default: every unit the issues and the rounds can name,
    `responsible_units`): its 负责人 and 联络员 (fictional names) and the liaison's mobile
    number (1380000xxxx / 1390000xxxx, none of them real), district blank for a city unit."""
    rng = np.random.default_rng([seed, 6])
    where = responsible_units()
    names = list(units) if units is not None else list(where)
    n = len(names)
    people = _names(rng, 2 * n)
    numbers = rng.choice(10_000, size=n, replace=False)
    prefix = rng.choice(["1380000", "1390000"], size=n)
    return pd.DataFrame(
        {
            "responsible_unit": names,
            "leader": people[:n],
            "liaison": people[n:],
            "phone": [f"{p}{x:04d}" for p, x in zip(prefix, numbers.tolist(), strict=True)],
            "district": [where.get(u, "") for u in names],
        }
    )[list(CONTACT_FIELDS)]
