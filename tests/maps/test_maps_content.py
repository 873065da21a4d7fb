"""What a map shows: escaped text, no personal data, legends, layers and choropleth values."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from map_support import AS_OF, XSS, legends, render

from civdash import maps, palette
from civdash.districts import DistrictTable


def _issue_html(issues: pd.DataFrame, **kwargs) -> str:
    return render(maps.issue_map(issues, as_of=AS_OF, **kwargs))


@pytest.mark.parametrize(
    "field", ["description", "location", "responsible_unit", "street", "issue_id", "category"]
)
def test_issue_text_with_html_appears_only_escaped(issues, field):
    frame = issues.assign(**{field: [XSS, *issues[field].iloc[1:]]})
    html = _issue_html(frame)
    assert XSS not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_script_end_tag_in_text_cannot_close_the_page_script(issues):
    frame = issues.assign(
        description=["</script><script>alert(1)</script>", *issues["description"][1:]]
    )
    html = _issue_html(frame)
    assert "</script><script>alert(1)" not in html
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_quotes_in_text_are_escaped(issues):
    frame = issues.assign(
        responsible_unit=['城管局" onmouseover="x', *issues["responsible_unit"][1:]]
    )
    html = _issue_html(frame)
    assert 'onmouseover="x' not in html
    assert "城管局&quot; onmouseover=&quot;x" in html


def test_unit_and_district_names_are_escaped(districts, units):
    table = DistrictTable.from_geojson(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"name": "<b>东湖区</b>"},
                    "geometry": {
                        "type": "Polygon",
                        "coordinates": [
                            [[114.3, 30.5], [114.4, 30.5], [114.4, 30.6], [114.3, 30.5]]
                        ],
                    },
                }
            ],
        }
    )
    m = maps.base_map(table)
    maps.add_unit_points(m, units.assign(unit_name=[XSS, "张三家庭", "东湖社区"]))
    html = render(m)
    assert "<b>东湖区</b>" not in html and "&lt;b&gt;东湖区&lt;/b&gt;" in html
    assert XSS not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_columns_outside_the_popup_fields_never_reach_the_map(issues):
    frame = issues.assign(
        name=["王小明"] * 4,
        phone=["13987654321"] * 4,
        id_number=["420102199001011234"] * 4,
        measures=["联系王小明核实"] * 4,
    )
    html = _issue_html(frame)
    for secret in ("王小明", "13987654321", "420102199001011234"):
        assert secret not in html


@pytest.mark.parametrize(
    ("text", "shown", "hidden"),
    [
        ("市民反映噪音，联系电话13812345678", "138****5678", "13812345678"),
        ("联系人手机 138-1234-5678", "138****5678", "138-1234"),
        ("联系人手机 138 1234 5678 已回访", "138****5678", "138 1234"),
        ("投诉人身份证420102199001011234", "420102********1234", "420102199001011234"),
        ("身份证42010219900101123X请回电", "420102********123X", "42010219900101123X"),
    ],
)
def test_phone_and_id_numbers_in_free_text_are_masked(issues, text, shown, hidden):
    html = _issue_html(issues.assign(description=[text, *issues["description"][1:]]))
    assert hidden not in html
    assert shown in html


def test_masking_happens_before_long_descriptions_are_shortened(issues):
    text = "问" * 71 + "电话13812345678"  # the cut at 80 characters falls inside the number
    html = _issue_html(issues.assign(description=[text, *issues["description"][1:]]))
    assert "1381234" not in html
    assert "问" * 71 + "电话138****…" in html


def test_household_units_are_never_mapped(districts, units):
    m = maps.base_map(districts)
    maps.add_unit_points(m, units)
    html = render(m)
    assert "张三家庭" not in html
    assert "市第一中学" in html
    assert "文明家庭不在地图上显示" in html


def test_volunteer_choropleth_shows_only_district_figures(districts):
    volunteers = pd.DataFrame(
        {
            "name": ["李秀英", "周建国"],
            "district": ["东湖区", "西湖区"],
            "phone": ["13911112222", "13933334444"],
            "hours": [10.0, 20.0],
        }
    )
    html = render(maps.choropleth_map(districts, volunteers, "volunteer_rate", as_of=AS_OF))
    for secret in ("李秀英", "周建国", "13911112222"):
        assert secret not in html
    # 1 volunteer in 200,000 residents
    assert "东湖区：0.00%" in html


def test_issue_map_has_status_legend_and_named_layers(districts, issues, units):
    html = _issue_html(issues, districts=districts, units=units)
    for layer in ("区县边界", "问题点位", "创建单位"):
        assert json.dumps(layer) in html
    assert "L.control.layers" in html
    status_legend = next(box for box in legends(html) if "问题整改状态" in box)
    for status in palette.STATUS_ORDER:
        swatch = f'style="background:{palette.STATUS_COLORS[status]}"></i>{status}</div>'
        assert swatch in status_legend
    assert '<i class="civdash-ring-swatch" style="background:#D55E00"></i>逾期' in status_legend


def test_issue_without_coordinates_is_counted_in_the_legend(issues):
    assert "1 个问题没有坐标，未在地图上显示" in _issue_html(issues)


def test_overdue_issue_is_drawn_with_the_overdue_colour_and_a_ring(issues):
    html = _issue_html(issues)
    payload = json.loads(re.search(r"var D = (\{.*?\});\n", html).group(1))
    kinds = payload["K"]
    assert kinds[0] == {"l": "逾期", "c": palette.BAD, "r": True}
    assert kinds[1] == {"l": "待整改", "c": palette.WARNING, "r": False}  # its own colour
    # rows with coordinates: a (overdue), b (已销号), c (长期整改)
    labels = [kinds[payload["A"].index(ch)]["l"] for ch in payload["k"]]
    assert labels == ["逾期", "已销号", "长期整改"]


def test_popup_fields_carry_chinese_labels(issues):
    html = _issue_html(issues)
    payload = json.loads(re.search(r"var D = (\{.*?\});\n", html).group(1))
    assert [label for _, label in payload["P"]] == [
        "问题编号",
        "发现日期",
        "整改时限",
        "整改完成日期",
        "所属区县",
        "街道/乡镇",
        "点位类型",
        "问题类别",
        "问题来源",
        "责任单位",
        "问题描述",
    ]


@pytest.mark.parametrize(
    ("metric", "per_capita", "expected"),
    [
        # 2 issues in 200,000 residents = 0.1 per 10,000; 南港区 has no population
        ("issue_count", None, ["东湖区：0.1个/万人", "西湖区：0.2个/万人", "南港区：无数据"]),
        # without per-capita: plain counts, and a district without issues has 0
        ("issue_count", False, ["东湖区：2个", "西湖区：2个", "南港区：0个"]),
        # rates are never per capita; a district without issues has no rate
        ("issue_close_rate", None, ["东湖区：50.0%", "西湖区：0.0%", "南港区：无数据"]),
    ],
)
def test_choropleth_tooltips_show_each_districts_value(
    districts, issues, metric, per_capita, expected
):
    html = render(
        maps.choropleth_map(districts, issues, metric, as_of=AS_OF, per_capita=per_capita)
    )
    for text in expected:
        assert text in html


def test_choropleth_colours_follow_the_ramp_and_grey_for_no_data(districts, issues):
    html = render(maps.choropleth_map(districts, issues, "issue_close_rate", as_of=AS_OF))
    fills = re.findall(r'"fillColor":"(#[0-9A-F]{6})"', html)
    # 西湖区 lowest (0 %) takes the lightest blue, 东湖区 highest the darkest, 南港区 no data
    assert fills == [palette.SEQUENTIAL[-1], palette.SEQUENTIAL[0], palette.NO_DATA]
    assert "问题整改率（%）" in html and "越高越好" in html


def test_lower_is_better_metric_uses_the_warning_ramp(districts, issues):
    html = render(maps.choropleth_map(districts, issues, "逾期未整改问题数", as_of=AS_OF))
    fills = set(re.findall(r'"fillColor":"(#[0-9A-F]{6})"', html))
    assert fills <= {*palette.SEQUENTIAL_BAD, palette.NO_DATA}
    assert "越低越好" in html


def test_choropleth_accepts_plain_geojson(districts, issues):
    html = render(maps.choropleth_map(districts.to_geojson(), issues, "issue_count", as_of=AS_OF))
    assert "东湖区：0.1个/万人" in html
