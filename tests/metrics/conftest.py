"""Small hand-made ledgers whose metric values are worked out by hand in the tests."""

from __future__ import annotations

import pandas as pd
import pytest

AS_OF = "2026-11-15"


def _dates(values: list[str | None]) -> pd.Series:
    return pd.to_datetime(pd.Series(values, dtype="object"))


@pytest.fixture
def issues() -> pd.DataFrame:
    """Nine rows; "h" records an inspection without a problem (无) and never counts.

    id  status   found  deadline  rectified  district unit      note
    a   已整改   11-01  11-05     11-04      东湖区   城管局     on time, 3 days
    b   已销号   11-02  11-06     11-09      东湖区   城管局     late, 7 days
    c   已整改   11-03  —         11-05      西湖区   交警支队   no deadline, 2 days
    d   待整改   11-04  11-10     —          西湖区   交警支队   overdue
    e   整改中   11-05  11-20     —          东湖区   住建局     not yet due
    f   长期整改 11-06  —         —          西湖区   住建局     long-term: never overdue
    g   待整改   11-07  11-15     —          东湖区   住建局     due today: not overdue
    h   待整改   11-08  11-09     —          东湖区   城管局     description 无
    i   已销号   11-01  11-05     —          西湖区   交警支队   closed, no date
    """
    return pd.DataFrame(
        {
            "issue_id": list("abcdefghi"),
            "found_on": _dates(
                [
                    "2026-11-01",
                    "2026-11-02",
                    "2026-11-03",
                    "2026-11-04",
                    "2026-11-05",
                    "2026-11-06",
                    "2026-11-07",
                    "2026-11-08",
                    "2026-11-01",
                ]
            ),
            "district": [
                "东湖区",
                "东湖区",
                "西湖区",
                "西湖区",
                "东湖区",
                "西湖区",
                "东湖区",
                "东湖区",
                "西湖区",
            ],
            "street": [
                "甲街道",
                "乙街道",
                "丙街道",
                "丙街道",
                "甲街道",
                "丙街道",
                None,
                "甲街道",
                "丙街道",
            ],
            "category": [
                "环境卫生",
                "交通秩序",
                "交通秩序",
                "环境卫生",
                "环境卫生",
                "市容市貌",
                "环境卫生",
                "环境卫生",
                "交通秩序",
            ],
            "description": [
                "垃圾桶满溢",
                "乱停车",
                "占道",
                "破损",
                "小广告",
                "油烟",
                "积水",
                "无",
                "护栏损坏",
            ],
            "responsible_unit": [
                "城管局",
                "城管局",
                "交警支队",
                "交警支队",
                "住建局",
                "住建局",
                "住建局",
                "城管局",
                "交警支队",
            ],
            "deadline": _dates(
                [
                    "2026-11-05",
                    "2026-11-06",
                    None,
                    "2026-11-10",
                    "2026-11-20",
                    None,
                    "2026-11-15",
                    "2026-11-09",
                    "2026-11-05",
                ]
            ),
            "status": [
                "已整改",
                "已销号",
                "已整改",
                "待整改",
                "整改中",
                "长期整改",
                "待整改",
                "待整改",
                "已销号",
            ],
            "rectified_on": _dates(
                ["2026-11-04", "2026-11-09", "2026-11-05", None, None, None, None, None, None]
            ),
            "source_row": range(2, 11),
        }
    ).astype({"district": "str", "street": "str", "status": "str", "description": "str"})


@pytest.fixture
def volunteers() -> pd.DataFrame:
    """Five volunteers: hours 0, 99.5, 100, 650, 1500; two party members."""
    return pd.DataFrame(
        {
            "volunteer_id": ["v1", "v2", "v3", "v4", "v5"],
            "name": ["张一", "李二", "王三", "赵四", "钱五"],
            "district": ["东湖区", "东湖区", "西湖区", "西湖区", "西湖区"],
            "registered_on": _dates(
                ["2026-01-05", "2026-02-10", "2026-03-15", "2026-03-20", "2026-04-01"]
            ),
            "hours": [0.0, 99.5, 100.0, 650.0, 1500.0],
            "is_party_member": pd.array([True, False, None, True, False], dtype="boolean"),
            "star_level": pd.array([0, 0, 1, 3, 5], dtype="Int64"),
            "source_row": range(2, 7),
        }
    )


@pytest.fixture
def units() -> pd.DataFrame:
    """Four units: scores 90 (no target), 78 (target 75), none (target 90), 60 (no target)."""
    return pd.DataFrame(
        {
            "unit_id": ["u1", "u2", "u3", "u4"],
            "unit_name": ["市第一中学", "东湖社区", "西湖村", "市图书馆"],
            "category": ["文明校园", "文明社区", "文明村镇", "文明单位"],
            "level": ["省级", "市级", "县级", "市级"],
            "district": ["东湖区", "东湖区", "西湖区", "西湖区"],
            "status": ["已命名", "复查保留", "培育中", "已撤销"],
            "score": [90.0, 78.0, None, 60.0],
            "target_score": [None, 75.0, 90.0, None],
            "source_row": range(2, 6),
        }
    )


@pytest.fixture
def assessments() -> pd.DataFrame:
    """Two 测评 rounds; the metrics count the latest (2026年11月) only.

    round  district  item          full  score  lost
    10月   东湖区    环境卫生       2     1      1
    10月   西湖区    交通秩序       2     2      0
    11月   东湖区    环境卫生       2     1.5    0.5
    11月   东湖区    公益广告       1     1      0
    11月   西湖区    交通秩序       2     0.5    1.5
    """
    return pd.DataFrame(
        {
            "round": ["2026年10月模拟测评"] * 2 + ["2026年11月模拟测评"] * 3,
            "assessed_on": _dates(
                ["2026-10-12", "2026-10-13", "2026-11-10", "2026-11-10", "2026-11-11"]
            ),
            "district": ["东湖区", "西湖区", "东湖区", "东湖区", "西湖区"],
            "street": ["甲街道", "丙街道", "甲街道", "乙街道", "丙街道"],
            "location": ["中山路农贸市场", "解放路口", "中山路农贸市场", "东湖广场", "解放路口"],
            "point_type": ["集贸市场", "主要交通路口", "集贸市场", "公共广场", "主要交通路口"],
            "item": ["环境卫生", "交通秩序", "环境卫生", "公益广告", "交通秩序"],
            "full_points": [2.0, 2.0, 2.0, 1.0, 2.0],
            "score": [1.0, 2.0, 1.5, 1.0, 0.5],
            "points_lost": [1.0, 0.0, 0.5, 0.0, 1.5],
            "responsible_unit": ["市场监管局", "交警支队", "市场监管局", "宣传部", "交警支队"],
            "source_row": range(2, 7),
        }
    )
