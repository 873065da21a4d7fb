"""Ledgers for chart tests: a few hand-made rows, and 50,000-row ones to check aggregation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

BIG = 50_000


@pytest.fixture
def issues() -> pd.DataFrame:
    """Week of 11-02: a 已整改 (closed 11-04), b 待整改 overdue; week of 11-09: c 整改中,
    d 已销号 (closed 11-12), e 长期整改; week of 10-26: f 待整改 not overdue (deadline 11-30)."""
    return pd.DataFrame(
        {
            "issue_id": list("abcdef"),
            "found_on": pd.to_datetime(
                ["2026-11-02", "2026-11-03", "2026-11-09", "2026-11-10", "2026-11-11", "2026-10-27"]
            ),
            "district": ["东湖区", "东湖区", "西湖区", "西湖区", "东湖区", "西湖区"],
            "category": ["环境卫生", "环境卫生", "交通秩序", "环境卫生", "市容市貌", "交通秩序"],
            "point_type": ["背街小巷", "集贸市场", "背街小巷", "公园", "背街小巷", None],
            "source": ["暗访督查"] * 6,
            "description": ["问题"] * 6,
            "responsible_unit": ["城管局", "城管局", "交警支队", "交警支队", "住建局", "住建局"],
            "deadline": pd.to_datetime(
                ["2026-11-05", "2026-11-06", "2026-11-20", "2026-11-15", None, "2026-11-30"]
            ),
            "status": ["已整改", "待整改", "整改中", "已销号", "长期整改", "待整改"],
            "rectified_on": pd.to_datetime(["2026-11-04", None, None, "2026-11-12", None, None]),
        }
    ).astype({"status": "str", "district": "str"})


@pytest.fixture(scope="session")
def big_issues() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    found = pd.Timestamp("2025-11-01") + pd.to_timedelta(rng.integers(0, 380, BIG), unit="D")
    status = rng.choice(["待整改", "整改中", "已整改", "已销号", "长期整改"], BIG)
    closed = np.isin(status, ["已整改", "已销号"])
    return pd.DataFrame(
        {
            "issue_id": [f"WT{i:06d}" for i in range(BIG)],
            "found_on": found,
            "district": rng.choice(["东湖区", "西湖区", "南港区"], BIG),
            "street": rng.choice([f"街道{i}" for i in range(40)], BIG),
            "category": rng.choice([f"类别{i}" for i in range(30)], BIG),
            "point_type": rng.choice(["背街小巷", "集贸市场", "公园", "小区"], BIG),
            "source": rng.choice(["暗访督查", "模拟测评", "12345热线"], BIG),
            "description": [f"问题描述{i}" for i in range(BIG)],
            "responsible_unit": rng.choice([f"单位{i}" for i in range(200)], BIG),
            "deadline": found + pd.to_timedelta(rng.integers(1, 30, BIG), unit="D"),
            "status": status,
            "rectified_on": (found + pd.to_timedelta(rng.integers(0, 40, BIG), unit="D")).where(
                closed
            ),
        }
    )


@pytest.fixture(scope="session")
def big_volunteers() -> pd.DataFrame:
    rng = np.random.default_rng(8)
    return pd.DataFrame(
        {
            "name": [f"志愿者{i}" for i in range(BIG)],
            "district": rng.choice(["东湖区", "西湖区"], BIG),
            "registered_on": pd.Timestamp("2016-01-01")
            + pd.to_timedelta(rng.integers(0, 3800, BIG), unit="D"),
            "hours": rng.exponential(120, BIG).round(1),
            "is_party_member": rng.random(BIG) < 0.3,
        }
    )


@pytest.fixture(scope="session")
def big_units() -> pd.DataFrame:
    rng = np.random.default_rng(9)
    return pd.DataFrame(
        {
            "unit_name": [f"单位{i}" for i in range(BIG)],
            "category": rng.choice(
                ["文明单位", "文明村镇", "文明社区", "文明校园", "文明家庭"], BIG
            ),
            "level": rng.choice(["全国", "省级", "市级", "县级", None], BIG),
            "district": rng.choice(["东湖区", "西湖区"], BIG),
            "status": rng.choice(["培育中", "已命名"], BIG),
            "score": rng.uniform(40, 100, BIG).round(1),
            "target_score": np.where(rng.random(BIG) < 0.5, 85.0, np.nan),
        }
    )
