"""总览 page in AppTest on the sample city: the numbers are the catalogue's, filters narrow them."""

from __future__ import annotations

import base64
import re
import time
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from civdash import palette
from civdash.dashboard import snapshot_at
from civdash.metrics import compute, format_value
from civdash.store import Store
from civdash.views.overview import week_changes
from tests.pages.conftest import logged_in, open_app_page

PAGE = "app_pages/overview.py"
NOW, BEFORE = date(2026, 11, 15), date(2026, 11, 8)


@pytest.fixture(scope="module")
def sample_issues(sample_home: Path) -> dict[date, pd.DataFrame]:
    """The sample store's issues snapshots of 11-15 (current) and 11-08."""
    store = Store(f"sqlite:///{sample_home / 'civdash.sqlite'}")
    try:
        snaps = store.snapshots("issues")  # the city ledgers in force, assembled from parts
        return {d: store.load(snapshot_at(snaps, "issues", d).id) for d in (NOW, BEFORE)}
    finally:
        store.close()


def open_page(at: AppTest, **state: str) -> AppTest:
    return open_app_page(at, PAGE, **state)


def cards(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def hero(at: AppTest) -> str:
    (block,) = [h.value for h in at.html if h.value.startswith("<div")]  # not the sparklines
    return block


def sparklines(at: AppTest) -> list[str]:
    """The cards' sparklines as SVG text (each is an <img> of a data: URI)."""
    pages = "".join(h.value for h in at.html)
    found = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', pages)
    return [base64.b64decode(s).decode("utf-8") for s in found]


def test_overview_shows_the_close_rate_biggest_and_the_week_on_the_sample(app, sample_issues):
    at = open_page(app)
    issues = sample_issues[NOW]
    rate = compute("issue_close_rate", issues, as_of=NOW)
    assert at.title[0].value == "总览 · 全市"
    assert "变化均与 2026-11-08 的快照相比" in at.caption[0].value  # says which two dates
    assert f">{format_value('issue_close_rate', rate)}</div>" in hero(at)  # type: ignore[arg-type]
    assert "较11月8日" in hero(at) and "目标 90.0%" in hero(at)
    shown = cards(at)
    for key, label in [
        ("issue_on_time_rate", "按期整改率"),
        ("overdue_issues", "逾期未整改问题数"),
    ]:
        assert shown[label] == format_value(key, compute(key, issues, as_of=NOW))  # type: ignore[arg-type]
    assert {
        "志愿者注册率",
        "星级志愿者人数",
        "志愿服务总时长",
        "已命名单位数",
        "创建单位达标率",
    } <= set(shown)
    changes = week_changes(issues, sample_issues[BEFORE], as_of=NOW, previous_as_of=BEFORE)
    assert shown["新发现问题"] == f"{changes.new:,}个"
    assert shown["已整改问题"] == f"{changes.closed:,}个"
    assert shown["新增逾期问题"] == f"{changes.newly_overdue:,}个"
    assert any(s.value == "本周变化（11-08 → 11-15）" for s in at.subheader)
    assert len(at.get("vega_lite_chart")) == 1  # the target bullets


def test_overview_cards_colour_changes_by_the_metric_direction(app):
    at = open_page(app)
    by_label = {m.label: m for m in at.metric}
    # 逾期 fell by 9: fewer overdue problems is good, so green although the arrow points down
    overdue = by_label["逾期未整改问题数"].proto
    assert overdue.delta.startswith("−") and overdue.delta_description == "较11月8日"
    assert by_label["逾期未整改问题数"].proto.color == by_label["星级志愿者人数"].proto.color
    assert by_label["按期整改率"].proto.color != by_label["星级志愿者人数"].proto.color
    # the sparklines are coloured by their own trend: 逾期未整改问题数 rose over the season (red)
    # though it fell this week (a green change); 星级志愿者人数 rose (green)
    lines = sparklines(at)
    assert len(lines) == len(by_label) - 3  # every card but the three week counts
    assert any(f'stroke="{palette.BAD}"' in s for s in lines)
    assert any(f'stroke="{palette.GOOD}"' in s for s in lines)


def test_district_filter_narrows_the_overview(app, sample_issues):
    at = open_page(app, f_district="南港区")
    issues = sample_issues[NOW]
    mine = issues[issues["district"] == "南港区"]
    rate = compute("issue_close_rate", mine, as_of=NOW)
    assert at.title[0].value == "总览 · 南港区"
    assert f">{format_value('issue_close_rate', rate)}</div>" in hero(at)  # type: ignore[arg-type]
    assert "目标 85.0%" in hero(at)  # 南港区's own target, not the city's 90 %
    before = sample_issues[BEFORE]
    changes = week_changes(
        mine, before[before["district"] == "南港区"], as_of=NOW, previous_as_of=BEFORE
    )
    assert cards(at)["新增逾期问题"] == f"{changes.newly_overdue:,}个"
    table = next(t.value for t in at.dataframe if "变化" in t.value.columns)
    assert set(table["区县"]) == {"南港区"}


def test_first_week_says_there_is_no_last_week(app):
    at = open_page(app, f_as_of="2026-09-13")
    assert "无上周数据" in hero(at)
    assert any(m.proto.delta == "无上周数据" for m in at.metric)
    assert any("第一期问题整改台账" in i.value for i in at.info)


def test_overview_on_an_empty_store_says_what_to_upload(empty_home):
    at = logged_in(
        AppTest.from_file(str(Path(__file__).resolve().parents[2] / "app.py"), default_timeout=60)
    )
    at.run()
    assert not at.exception
    assert any("还没有导入问题整改台账" in i.value for i in at.info)


def test_overview_rerun_is_fast_once_snapshots_are_cached(app):
    at = open_page(app)
    start = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - start
    assert not at.exception
    assert elapsed < 3.0, f"总览 rerun took {elapsed:.2f} s"  # ~0.2 s on an idle machine
