"""The simulated city: every volunteer, creation unit and issue of 青澜市 on one time line.

Each volunteer has a registration date and accrues hours at a personal rate; each creation unit
has its status events (申报, the naming batch, the 复查, revocations) and score re-evaluations;
each issue has its found, rectified and verified dates. So the ledger of any Sunday is a view of
one city (`SampleCity.volunteers_at(as_of)` …) and every week-over-week trend is real. The same
seed always gives the same city.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from civdash.sample.city import (
    CITY,
    DISTRICT_BY_NAME,
    DISTRICTS,
    END_DATE,
    IMPROVING_UNIT,
    ISSUES_START,
    LAGGING_DISTRICT,
    MARKET_SUPERVISION_DAY,
    MAX_WEEKS,
    NAMING_DAY,
    REVIEW_DAY,
    REVOKE_DAY,
    RISING_CREATION_UNIT,
    SIMULATED_EVALUATION,
    UNITS_START,
    VOLUNTEERS_START,
    WINDOW_START,
    DistrictSpec,
    Geography,
    coordinates,
    geography,
    words,
)

__all__ = [
    "CITY_DEPARTMENTS",
    "LEDGERS",
    "SampleCity",
    "as_of_dates",
    "responsible_units",
    "simulate",
]

LEDGERS = ("units", "volunteers", "issues")
"""The ledgers the city's clerks file every Sunday, in the order they are written."""

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

_CITY_TEAMS = words(
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

_CITY_ORGS = words(
    "财政局 税务局 人力社保局 自然资源和规划局 住建局 交通运输局 水利局 农业农村局 商务局 文广旅体局 "
    "卫健局 审计局 统计局 应急管理局 市场监管局 医保局 城管局 行政审批服务局 教育局 公安局 人民法院 "
    "人民检察院 司法局 民政局 生态环境局 档案馆 图书馆 气象局 消防救援大队 人民医院 中医院 "
    "第二人民医院 妇幼保健院 疾控中心 总工会 团市委 妇联 科协"
)
_ENTERPRISES = words(
    "国网青澜供电公司 中国移动青澜分公司 中国电信青澜分公司 青澜农商银行 工商银行青澜支行 "
    "农业银行青澜支行 中国银行青澜支行 建设银行青澜支行 邮储银行青澜支行 青澜港务集团 青澜水务集团 "
    "青澜公交集团 青澜城投集团 青澜日报社 青澜广播电视台"
)
_FIRM_WORDS = words(
    "恒达 华盛 宏远 永兴 新澜 港兴 瑞丰 鼎盛 嘉禾 东升 兴业 博远 天禾 汇通 长青 立信 万盛 锦程 同舟 远航"
)
_FIRM_TRADES = words("纺织 机械 食品 物流 建材 电子 船舶 水产 印务 化纤 包装 汽配")
_VILLAGE_HEADS = "上下东西南北前后新大小高中"
_VILLAGE_ROOTS = "塘山桥湾岙溪河庄埠墩浦堰田坞"
_COMMUNITY_WORDS = words(
    "锦绣 和园 康乐 幸福 阳光 翠苑 金桥 银湖 紫荆 桂花 兰亭 梅园 竹林 松涛 枫林 东苑 西苑 春晖 百合 景苑"
)
_WINDOWS = words(
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
        d = DISTRICT_BY_NAME[dname]
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


def _simulate_units(rng: np.random.Generator, geo: Geography) -> tuple[pd.DataFrame, pd.DataFrame]:
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
    u["lon"], u["lat"] = coordinates(rng, geo, u, missing=0.12, spread=0.01)
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
    "环境卫生": words(
        "地面有垃圾杂物，未及时清扫 垃圾桶满溢，周边散落垃圾 污水横流，异味明显 卫生死角积存建筑垃圾 "
        "绿化带内有白色垃圾 墙面有“牛皮癣”小广告"
    ),
    "占道经营": words("流动摊贩占道经营 店外经营、出店摆放商品 摊位超出划定区域经营"),
    "乱堆乱放": words("楼道堆放杂物 杂物乱堆乱放 废旧家具堆放未清运"),
    "车辆乱停": words("非机动车乱停乱放 机动车占用人行道停放 共享单车堆积无序"),
    "设施破损": words("路面破损坑洼 盲道被占用或破损 路灯不亮 护栏破损 座椅损坏 洗手池损坏"),
    "公益广告": words("公益广告数量不足 公益广告破损褪色 未设置社会主义核心价值观宣传内容"),
    "文明交通": words("行人闯红灯 电动车驾乘人员未戴头盔 机动车不礼让行人 斑马线标线模糊"),
    "服务规范": words("工作人员服务态度生硬 未设置便民服务设施 无障碍设施缺失 未公示服务承诺"),
    "公厕管理": words("公厕地面湿滑、有异味 公厕缺少洗手液和厕纸 公厕设施损坏"),
    "食品安全": words("生熟食品未分区摆放 经营户未亮证经营 从业人员未规范佩戴口罩"),
    "违规广告": words("违规设置户外广告牌 店招店牌破损 乱拉横幅"),
    "噪声油烟": words("餐饮油烟直排 夜间施工噪声扰民"),
    "文明行为": words("随地吐痰 未在指定区域吸烟 不文明养犬，犬只未牵绳"),
    "工地管理": words("工地围挡破损 渣土车未覆盖 出入口车辆未冲洗"),
}
_CLOSED_MEASURES: dict[str, tuple[str, ...]] = {
    "环境卫生": words(
        "已清理垃圾杂物，落实每日保洁 已清扫冲洗，增加清运频次 已清除小广告，安排专人巡查"
    ),
    "占道经营": words("已劝导摊贩入室经营，加强巡查 已清理出店经营，约谈经营户"),
    "乱堆乱放": words("已清理堆放杂物 已督促物业清运"),
    "车辆乱停": words("已规范停放，施划停车线 已组织志愿者劝导规范停放"),
    "设施破损": words("已修复破损设施 已更换损坏部件并复查"),
    "公益广告": words("已增设公益广告 已更换破损公益广告"),
    "文明交通": words("已增派文明交通劝导员 已重新施划标线"),
    "服务规范": words("已开展服务礼仪培训 已公示服务承诺，设置便民设施"),
    "公厕管理": words("已补齐洗手液和厕纸，落实专人保洁 已维修公厕设施"),
    "食品安全": words("已督促经营户亮证经营、生熟分区 已开展专项检查"),
    "违规广告": words("已拆除违规广告 已规范店招店牌"),
    "噪声油烟": words("已安装油烟净化装置 已责令调整施工时间"),
    "文明行为": words("已设置文明提示牌，加强劝导 已开展文明养犬宣传"),
    "工地管理": words("已修复围挡，落实冲洗制度 已落实渣土车覆盖"),
}
_PROGRESS_MEASURES = words(
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
_PLACE_WORDS = words("金色 阳光 锦绣 翠湖 香樟 凤凰 海棠 华庭 名都 江南 世纪 御景")


def _location(rng: np.random.Generator, point: str, d: DistrictSpec, street: str) -> str:
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


CITY_DEPARTMENTS = words(
    "市城管局 市市场监管局 市住建局 市交通运输局 市公安局交警大队 市卫健局 市教育局 市商务局 "
    "市文广旅体局 市行政审批服务局 市税务局 市生态环境局 市委宣传部 人民银行青澜市支行 "
    "国网青澜供电公司 青澜公交集团 高新区管委会"
)
"""The responsible units above the streets' offices that `_responsible` assigns problems to (and
the 测评 rounds name): city departments and companies, and 高新区's administrative committee."""


def responsible_units() -> dict[str, str]:
    """Every responsible unit the sample's issues and 测评 rounds can name → its district ("" for
    a city department): the offices of all streets and towns (属地), then CITY_DEPARTMENTS."""
    out = {_local_office(d.name, s): d.name for d in DISTRICTS for s in d.streets}
    for unit in CITY_DEPARTMENTS:
        out[unit] = "高新技术产业开发区" if unit == "高新区管委会" else ""
    return out


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


def _simulate_issues(rng: np.random.Generator, geo: Geography) -> pd.DataFrame:
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
    df["lon"], df["lat"] = coordinates(rng, geo, df, missing=0.08, spread=0.012)
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
    geography: Geography = field(repr=False)

    def ledger_at(self, kind: str, as_of: date) -> pd.DataFrame:
        """The rows of ledger `kind` (one of LEDGERS) a perfect clerk would file on `as_of`:
        `units_at`, `volunteers_at` or `issues_at`."""
        if kind not in LEDGERS:
            raise KeyError(f"the sample city files no {kind!r} ledger, only {LEDGERS}")
        rows_at: Callable[[date], pd.DataFrame] = getattr(self, f"{kind}_at")
        return rows_at(as_of)

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
    geo = geography()
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
