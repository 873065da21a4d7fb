"""Names and numbers that fit (issue 12): labels wrap instead of "…", one 其他 bar at most, the
target bars' axis ends where the bars do and their values sit clear of the 100 % rule.

Most checks read the Vega-Lite spec; the wrapping ones render it with vl-convert (the Vega the
exports use) and read the SVG's text, since only a renderer measures a label."""

from __future__ import annotations

import re

import pandas as pd
import pytest
import vl_convert as vlc
from chart_spec import AS_OF, encoding, main_rows

from civdash import charts, palette
from civdash.views.issues import _overdue_by

LONG_UNIT = "高新技术产业开发区城市管理综合行政执法局第一中队"  # 24 characters


def _svg_texts(chart) -> list[str]:
    svg = vlc.vegalite_to_svg(chart.to_dict())
    return [re.sub(r"<[^>]+>", "|", t) for t in re.findall(r"<text[^>]*>(.*?)</text>", svg)]


def _bars(names: list[str], counts: list[int]) -> pd.DataFrame:
    return pd.DataFrame({"name": names, "count": counts, "members": names})


# ---------------------------------------------------------------- labels wrap, never "…"


def test_a_long_axis_label_wraps_onto_lines_and_is_never_cut():
    chart = charts.group_bars(
        _bars([LONG_UNIT, "东湖区"], [5, 3]),
        title="t",
        field="责任单位",
        measure="问题数",
        color="#000",
    )
    texts = _svg_texts(charts.configure(chart))
    assert not any("…" in t for t in texts)
    wrapped = next(t for t in texts if t.startswith("|高新"))
    assert wrapped.replace("|", "") == LONG_UNIT
    assert wrapped.count("|") == 4  # two lines: <tspan>…</tspan><tspan>…</tspan>
    # the cause: without the wrapping expression Vega cuts the label at the axis's width limit
    plain = chart.configure_axis(labelLimit=220)
    assert any("…" in t for t in _svg_texts(plain))


@pytest.mark.parametrize("style", ["screen", "large", "projector"])
def test_every_style_wraps_labels_within_its_width_limit(style):
    bars = charts.group_bars(_bars(["甲"], [1]), title="t", field="f", measure="m", color="#000")
    config = charts.configure(bars, style=style).to_dict()["config"]["axis"]
    chars = config["labelLimit"] // config["labelFontSize"]
    assert config["labelExpr"] == charts.wrap_label("datum.label", chars)


def test_a_region_metric_label_breaks_after_the_dot_when_both_halves_fit():
    expr = charts.wrap_label("datum.label", 18)
    assert "indexof(datum.label, '·')" in expr
    chart = charts.target_progress(
        pd.DataFrame(
            {
                "metric": ["volunteer_rate"],
                "district": ["高新技术产业开发区"],
                "current": [12.79],
                "target": [13.0],
            }
        )
    )
    texts = _svg_texts(charts.configure(chart, style="large"))
    assert "|高新技术产业开发区·||注册志愿者占常住人口比例|" in texts
    assert not any("…" in t for t in texts)


# ---------------------------------------------------------------- one 其他


def test_the_value_other_is_folded_into_the_rest_bar_never_shown_beside_it():
    values = pd.Series(["甲"] * 5 + ["乙"] * 4 + ["其他"] * 6 + ["丙", "丁"])
    groups = charts.top_groups(values, 2)
    assert groups["name"].tolist() == ["甲", "乙", "其余3项"]
    assert groups["count"].tolist() == [5, 4, 8]
    assert groups["members"].iloc[-1] == "其他、丙、丁"
    assert not groups["name"].str.startswith("其他").any()


def test_without_a_rest_bar_other_is_its_own_bar_after_the_named_groups():
    values = pd.Series(["其他"] * 6 + ["甲"] * 3 + ["乙", None, " "])
    groups = charts.top_groups(values, 12)
    assert groups["name"].tolist() == ["甲", "未填写", "乙", "其他"]
    assert groups["count"].tolist() == [3, 2, 1, 6]


def test_a_long_rest_lists_its_first_members_in_the_tooltip():
    values = pd.Series([f"单位{i:02d}" for i in range(30) for _ in range(30 - i)])
    rest = charts.top_groups(values, 3).iloc[-1]
    assert rest["name"] == "其余27项" and rest["members"].endswith("等27项")
    assert rest["members"].count("、") == charts.REST_MEMBERS_SHOWN - 1


def test_issue_charts_show_other_once_with_the_breakdown_and_overdue_rule(issues):
    many = pd.concat([issues] * 3, ignore_index=True)
    many["point_type"] = ["其他", "背街小巷", "公园", "小区", "集贸市场", "社区"] * 3
    many["deadline"] = pd.Timestamp("2026-11-01")
    many["status"] = "待整改"
    overdue = _overdue_by(many, pd.Timestamp(AS_OF).date(), "point_type", top=3)
    for chart in (charts.issue_breakdown(many, "point_type", top=3), overdue):
        names = [r["name"] for r in main_rows(chart)]
        assert names[-1] == "其余3项"
        assert "其他" not in names
        assert encoding(chart)["y"]["title"] is None
        tooltip = {t["field"]: t["title"] for t in encoding(chart)["tooltip"]}
        assert tooltip["members"] == "包括"


# ---------------------------------------------------------------- the target bars


def _progress(*pcts: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "metric": ["issue_count"] * len(pcts),
            "district": [f"区{i}" for i in range(len(pcts))],
            "current": list(pcts),
            "target": [100.0] * len(pcts),
        }
    )


@pytest.mark.parametrize(
    ("pcts", "end"),
    [((60.0, 95.0), 100), ((60.0, 104.0), 110), ((60.0, 400.0), 120), ((), 100)],
)
def test_the_target_axis_ends_at_100_or_the_longest_bar_never_stretched(pcts, end):
    chart = charts.target_progress(_progress(*pcts))
    scale = encoding(chart)["x"]["scale"]
    assert scale["domain"] == [0, end]
    assert scale["nice"] is False
    rule = chart.to_dict()["layer"][2]
    assert rule["mark"]["type"] == "rule"


def test_target_values_are_a_column_right_of_the_plot_not_text_over_the_bars():
    chart = charts.target_progress(_progress(98.0, 30.0))
    spec = chart.to_dict()
    assert spec["resolve"] == {"axis": {"y": "independent"}}
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["bar", "tick", "rule"]
    right = spec["layer"][1]["encoding"]["y"]["axis"]
    assert right["orient"] == "right" and right["labelColor"] == palette.BLACK
    rows = main_rows(chart)
    assert rows[0]["row"] == f"{rows[0]['name']}\t{rows[0]['detail']}"
    texts = _svg_texts(charts.configure(chart, style="large"))
    # left: the names, right: the details, each once; no label is drawn across the plot
    assert sum("区0" in t for t in texts) == 1
    assert sum(t.startswith("98") and "/ 100" in t for t in texts) == 1
