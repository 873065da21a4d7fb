"""50,000 issue points: one layer element, a page under 5 MB, built in well under a few seconds."""

from __future__ import annotations

import time

import pytest
from folium.map import Layer
from map_support import AS_OF, big_issues, count_elements, render

from civdash import maps


@pytest.fixture(scope="module")
def fifty_thousand():
    return big_issues(50_000)


@pytest.fixture(scope="module")
def big_map(fifty_thousand):
    started = time.perf_counter()
    m = maps.issue_map(fifty_thousand, as_of=AS_OF)
    html = render(m)
    return m, html, time.perf_counter() - started


def test_fifty_thousand_points_are_one_layer_not_fifty_thousand_elements(big_map):
    m, _, _ = big_map
    layers = [c for c in m._children.values() if isinstance(c, Layer)]
    assert len(layers) == 1
    assert count_elements(m) < 30


def test_fifty_thousand_unique_issues_render_under_five_megabytes(big_map):
    _, html, _ = big_map
    assert len(html.encode("utf-8")) < 5_000_000


def test_fifty_thousand_points_build_and_render_quickly(big_map):
    # measured ≈ 0.7 s on one core; the bound only catches a per-marker regression
    _, _, seconds = big_map
    assert seconds < 5.0


def test_oversized_text_sheds_closed_issue_descriptions_first_and_says_so(big_map):
    _, html, _ = big_map
    assert "问题较多，已整改问题的描述未显示，详见问题台账" in html


def test_small_map_keeps_every_description_whole(issues):
    long = "长" * 80
    html = render(maps.issue_map(issues.assign(description=[long] * 4), as_of=AS_OF))
    assert long in html
    assert "问题较多" not in html


# Bytes carried at each detail level for the frame below: locations 58; descriptions
# 241 + 241 whole, closed ones cut to 30 characters 94, open ones cut to 40 → 124, to 20 → 64.
@pytest.mark.parametrize(
    ("budget", "open_text", "closed_text"),
    [
        (10_000_000, "开" * 80, "关" * 80),  # 540 bytes fit: everything whole
        (400, "开" * 80, "关" * 30 + "…"),  # 393: closed issues' descriptions are cut first
        (300, "开" * 80, None),  # 299: then left out
        (200, "开" * 40 + "…", None),  # 182: then open ones are cut
        (150, "开" * 20 + "…", None),  # 122
        (10, "开" * 20 + "…", None),  # the shortest level is the floor
    ],
)
def test_text_budget_decides_how_much_description_travels(issues, budget, open_text, closed_text):
    frame = issues.assign(
        description=["开" * 80, "关" * 80, "关" * 80, "开" * 80],
        status=["待整改", "已整改", "已销号", "整改中"],
        lat=[30.55, 30.56, 30.57, 30.58],
        lon=[114.35, 114.36, 114.45, 114.46],
    )
    m = maps.base_map(None)
    maps.add_issue_points(m, frame, as_of=AS_OF, text_budget=budget)
    html = render(m)
    assert open_text in html
    assert open_text.rstrip("…") + "开" not in html
    if closed_text is None:
        assert "关" not in html
    else:
        assert closed_text in html
        assert closed_text.rstrip("…") + "关" not in html
