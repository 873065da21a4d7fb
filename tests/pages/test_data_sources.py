"""数据来源 on the dashboard pages: which parts (date, who) the ledgers shown are made of."""

from __future__ import annotations

import pytest

from tests.pages.conftest import open_app_page


def _sources(at) -> list[str]:
    return [e.label for e in at.expander if e.label.startswith("数据来源")]


ONE_LEDGER = "数据来源：由 7 个区县的报送合成：城关区 11月12日 陈静、"


@pytest.mark.parametrize(
    ("page", "label"),
    [
        ("app_pages/overview.py", "数据来源：问题整改等 3 类台账"),
        ("app_pages/units.py", ONE_LEDGER),
        ("app_pages/volunteers.py", ONE_LEDGER),
        ("app_pages/issues.py", ONE_LEDGER),
        ("app_pages/map.py", "数据来源：问题整改等 2 类台账"),
        ("app_pages/targets.py", "数据来源：志愿者等 3 类台账"),
        ("app_pages/explore.py", ONE_LEDGER),
    ],
)
def test_every_dashboard_page_says_which_parts_its_ledgers_are_made_of(app, page, label):
    at = open_app_page(app, page)
    (shown,) = _sources(at)
    assert shown.startswith(label)
    html = "".join(str(h.proto.body) for h in at.get("html"))
    assert "南港区" in html and "刘芳" in html and "2026-11-14" in html  # the late part, in full


def test_a_district_sees_its_own_part(app):
    at = open_app_page(app, "app_pages/issues.py", f_district="东湖区")
    assert _sources(at) == ["数据来源：东湖区的报送：东湖区 11月11日 张晓"]
