"""The display-name rule (`civdash.names`): short names where space is short, the chosen district
marked in lists of every district."""

from __future__ import annotations

import pandas as pd
import pytest

from civdash.districts import District, DistrictTable
from civdash.names import (
    CHOSEN_MARK,
    SHORT_ENOUGH,
    district_labels,
    mark_chosen,
    short_name,
    short_names,
    shorten,
)

TABLE = DistrictTable(
    (
        District("城关区", aliases=("城关",)),
        District("高新技术产业开发区", aliases=("高新开发区", "高新区")),
        District("经济技术开发区"),
    )
)


@pytest.mark.parametrize(
    ("name", "aliases", "shown"),
    [
        ("高新技术产业开发区", ("高新开发区", "高新区"), "高新区"),  # the shortest alias
        ("高新技术产业开发区", "高新开发区、高新区", "高新区"),  # aliases as GeoJSON text
        ("高新技术产业开发区", ("高新区", "高新园"), "高新区"),  # the first of equal ones
        ("城关区", ("城关",), "城关区"),  # short enough: never replaced
        ("经济技术开发区", (), "经济技术开发区"),  # no alias: kept (it wraps where it must)
        ("经济技术开发区", ("经济技术开发区（东区）",), "经济技术开发区"),  # no shorter alias
        ("经济技术开发区", None, "经济技术开发区"),
    ],
)
def test_a_long_name_is_shown_by_its_shortest_alias(name, aliases, shown):
    assert short_name(name, aliases) == shown


def test_names_up_to_the_limit_are_kept_as_they_are():
    assert SHORT_ENOUGH == 5
    assert short_name("五个字的区", ("五区",)) == "五个字的区"
    assert short_name("六个字的新区", ("六区",)) == "六区"


def test_short_names_cover_every_district_and_shorten_keeps_what_it_does_not_know():
    assert short_names(TABLE) == {
        "城关区": "城关区",
        "高新技术产业开发区": "高新区",
        "经济技术开发区": "经济技术开发区",
    }
    assert short_names(None) == {}
    values = pd.Series(["高新技术产业开发区", "全市", None, "西湖区", "城关区"], dtype=object)
    assert shorten(values, TABLE).tolist() == ["高新区", "全市", None, "西湖区", "城关区"]
    assert shorten(values, None) is values


def test_the_chosen_district_is_marked_once_in_a_list_of_every_district():
    names = ["城关区", "高新技术产业开发区", "经济技术开发区"]
    assert district_labels(names, TABLE) == ["城关区", "高新区", "经济技术开发区"]
    assert district_labels(names, TABLE, chosen="高新技术产业开发区") == [
        "城关区",
        f"{CHOSEN_MARK}高新区",
        "经济技术开发区",
    ]
    assert mark_chosen(["甲", "乙"], None) == ["甲", "乙"]
    assert mark_chosen(["甲", "乙"], "乙") == ["甲", f"{CHOSEN_MARK}乙"]
