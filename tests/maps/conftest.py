"""Districts, issues and units for map tests: hand-made ones and a 50,000-issue worst case."""

from __future__ import annotations

import pandas as pd
import pytest
from map_support import XSS

from civdash.districts import DistrictTable


def _square(lon: float, lat: float, size: float = 0.1) -> dict:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


@pytest.fixture
def districts() -> DistrictTable:
    return DistrictTable.from_geojson(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"name": "东湖区", "population": 200000},
                    "geometry": _square(114.3, 30.5),
                },
                {
                    "type": "Feature",
                    "properties": {"name": "西湖区", "population": 100000},
                    "geometry": _square(114.4, 30.5),
                },
                {
                    "type": "Feature",
                    "properties": {"name": "南港区"},
                    "geometry": _square(114.5, 30.5),
                },
            ],
        }
    )


@pytest.fixture
def issues() -> pd.DataFrame:
    """Four issues as of 2026-11-15: a overdue (东湖区), b closed, c long-term, d has no point."""
    return pd.DataFrame(
        {
            "issue_id": ["WT-001", "WT-002", "WT-003", "WT-004"],
            "found_on": pd.to_datetime(["2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04"]),
            "district": ["东湖区", "东湖区", "西湖区", "西湖区"],
            "street": ["甲街道", "乙街道", "丙街道", "丙街道"],
            "location": ["中山路12号", "解放路3号", "人民公园东门", "建设路"],
            "point_type": ["背街小巷", "集贸市场", "公园", "主次干道"],
            "category": ["环境卫生", "市容市貌", "设施维护", "交通秩序"],
            "description": [XSS, "摊位占道", "座椅破损", "乱停车"],
            "source": ["暗访督查", "市民投诉", "模拟测评", "12345热线"],
            "responsible_unit": ["城管局", "市场监管局", "园林局", "交警支队"],
            "deadline": pd.to_datetime(["2026-11-05", "2026-11-09", None, "2026-11-30"]),
            "status": ["待整改", "已销号", "长期整改", "整改中"],
            "rectified_on": pd.to_datetime([None, "2026-11-06", None, None]),
            "measures": ["", "已清理", "", ""],
            "lat": [30.55, 30.56, 30.57, None],
            "lon": [114.35, 114.36, 114.45, None],
            "source_row": [2, 3, 4, 5],
        }
    )


@pytest.fixture
def units() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit_id": ["u1", "u2", "u3"],
            "unit_name": ["市第一中学", "张三家庭", "东湖社区"],
            "category": ["文明校园", "文明家庭", "文明社区"],
            "level": ["省级", "市级", "市级"],
            "district": ["东湖区", "东湖区", "东湖区"],
            "street": ["甲街道", "甲街道", "乙街道"],
            "status": ["已命名", "已命名", "培育中"],
            "score": [92.5, 88.0, None],
            "target_score": [None, None, 85.0],
            "named_year": [2024, 2025, None],
            "department": ["教育局", "妇联", "民政局"],
            "lat": [30.52, 30.53, 30.54],
            "lon": [114.31, 114.32, 114.33],
            "source_row": [2, 3, 4],
        }
    )
