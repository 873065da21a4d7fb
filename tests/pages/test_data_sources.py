"""数据来源 on the dashboard pages: which parts (date, who) the ledgers shown are made of."""

from __future__ import annotations

import pytest

from tests.pages.conftest import open_app_page


def _sources(at) -> list[str]:
    return [e.label for e in at.expander if e.label.startswith("数据来源")]


@pytest.mark.parametrize("page", ["app_pages/overview.py", "app_pages/units.py"])
def test_every_dashboard_page_says_which_parts_its_ledger_is_made_of(app, page):
    at = open_app_page(app, page)
    (label,) = _sources(at)
    assert label.startswith("数据来源：由 7 个区县的报送合成：城关区 11月12日 陈静、")
    html = "".join(str(h.proto.body) for h in at.get("html"))
    assert "南港区" in html and "刘芳" in html and "2026-11-14" in html  # the late part, in full


def test_a_district_sees_its_own_part(app):
    at = open_app_page(app, "app_pages/issues.py", f_district="东湖区")
    assert _sources(at) == ["数据来源：东湖区的报送：东湖区 11月11日 张晓"]
