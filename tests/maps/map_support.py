"""Test data and readers of rendered map HTML shared by the map tests."""

from __future__ import annotations

import json
import re

import folium
import numpy as np
import pandas as pd
from branca.element import Element

AS_OF = "2026-11-15"
XSS = "<img src=x onerror=alert(1)>"

_ASSET = re.compile(r"<(?:script|link)\b[^>]*?\b(?:src|href)=[\"']([^\"']*)[\"']", re.IGNORECASE)


def render(m: folium.Map) -> str:
    return m.get_root().render()


def asset_urls(html: str) -> list[str]:
    """src/href of every <script> and <link> tag."""
    return _ASSET.findall(html)


def external_asset_urls(html: str) -> list[str]:
    return [u for u in asset_urls(html) if re.match(r"^(https?:)?//", u, re.IGNORECASE)]


def legends(html: str) -> list[str]:
    """The HTML of every legend box, decoded from the page script."""
    return [json.loads(m) for m in re.findall(r'div\.innerHTML = ("(?:[^"\\]|\\.)*");', html)]


def count_elements(element: Element) -> int:
    """Folium/branca elements in the map's tree."""
    return 1 + sum(count_elements(c) for c in element._children.values())


def big_issues(n: int = 50_000, seed: int = 11) -> pd.DataFrame:
    """A worst case for size: every description and location unique, 30 random characters."""
    rng = np.random.default_rng(seed)
    pool = np.array(
        list(
            "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年"
            "动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化"
            "高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天"
        )
    )
    found = pd.Timestamp("2026-08-01") + pd.to_timedelta(rng.integers(0, 106, n), unit="D")
    status = rng.choice(
        ["待整改", "整改中", "已整改", "已销号", "长期整改"], n, p=[0.15, 0.15, 0.3, 0.35, 0.05]
    )
    closed = np.isin(status, ["已整改", "已销号"])
    return pd.DataFrame(
        {
            "issue_id": [f"WT2026-{i:06d}" for i in range(n)],
            "found_on": found,
            "district": rng.choice(["东湖区", "西湖区", "南港区"], n),
            "street": rng.choice([f"第{i}街道" for i in range(60)], n),
            "location": ["".join(rng.choice(pool, 8)) + f"{i}号" for i in range(n)],
            "point_type": rng.choice(["背街小巷", "集贸市场", "公交站点", "主次干道", "小区"], n),
            "category": rng.choice(["环境卫生", "交通秩序", "公益广告", "市容市貌"], n),
            "description": ["".join(rng.choice(pool, 30)) for _ in range(n)],
            "source": rng.choice(["暗访督查", "模拟测评", "实地考察", "市民投诉"], n),
            "responsible_unit": rng.choice([f"责任单位{i}" for i in range(150)], n),
            "deadline": (found + pd.to_timedelta(rng.choice([3, 7, 15], n), unit="D")).where(
                status != "长期整改"
            ),
            "status": status,
            "rectified_on": (found + pd.to_timedelta(rng.integers(0, 20, n), unit="D")).where(
                closed
            ),
            "lat": 30.5 + rng.random(n) * 0.1,
            "lon": 114.3 + rng.random(n) * 0.3,
        }
    )
