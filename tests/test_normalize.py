from datetime import date

import numpy as np
import pandas as pd
import pytest

from civdash.districts import District, DistrictTable
from civdash.ledgers.issues import ISSUES
from civdash.ledgers.units import UNITS
from civdash.ledgers.volunteers import VOLUNTEERS
from civdash.normalize import (
    as_text,
    parse_bool,
    parse_date,
    parse_deadline,
    parse_district,
    parse_hours,
    parse_percent,
    parse_population,
    parse_target_district,
    parse_title,
    parser_for,
    split_title,
    stable_id,
    verbatim_text,
)

# coded fields are read by their vocabulary, through the one coded-value parser
parse_issue_status = parser_for(ISSUES.field("status"))
parse_unit_status = parser_for(UNITS.field("status"))
parse_point_type = parser_for(ISSUES.field("point_type"))

CITY = DistrictTable(
    (
        District("城关区"),
        District("东湖区"),
        District("南港区"),
        District("高新技术产业开发区", aliases=("高新区",)),
    )
)


def _day(s: str) -> pd.Timestamp:
    return pd.Timestamp(s)


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-15",
        "2026/11/15",
        "2026.11.15",
        "2026年11月15日",
        "20261115",
        "2026-11-15 00:00:00",
        " 2026 年 11 月 15 日 ",
        "２０２６－１１－１５",
        "46341",
    ],
)
def test_date_text_in_every_listed_form_is_read(text):
    p = parse_date(pd.Series([text], index=[7]))
    assert p.values.iloc[0] == _day("2026-11-15")
    assert p.errors == {}


def test_real_date_cells_and_excel_serials_are_read():
    cells = pd.Series(pd.to_datetime(["2026-11-15 13:45"]), index=[3])
    assert parse_date(cells).values.iloc[0] == _day("2026-11-15")
    serials = pd.Series([46341.0, 20261115.0], index=[3, 4])
    assert parse_date(serials).values.tolist() == [_day("2026-11-15"), _day("2026-11-15")]


@pytest.mark.parametrize("text", ["2026-02-30", "2026年13月1日", "20260231"])
def test_impossible_dates_are_errors(text):
    p = parse_date(pd.Series([text], index=[9]))
    assert pd.isna(p.values.iloc[0])
    assert p.errors == {9: ("日期不存在", "请填写真实存在的日期")}


def test_unreadable_date_is_an_error_with_an_example_of_the_right_form():
    p = parse_date(pd.Series(["下周一"], index=[4]))
    assert p.errors[4][0] == "无法识别为日期"
    assert "2026-11-15" in p.errors[4][1]


def test_blank_date_is_not_a_parse_error():
    p = parse_date(pd.Series([None, ""], index=[2, 3], dtype="str"))
    assert p.errors == {}
    assert p.values.isna().all()


@pytest.mark.parametrize(
    ("cell", "hours"),
    [("12.5小时", 12.5), ("１２", 12.0), ("8 h", 8.0), ("1,200", 1200.0), ("3个小时", 3.0)],
)
def test_hours_with_units_and_full_width_digits_are_numbers(cell, hours):
    p = parse_hours(pd.Series([cell], index=[5]))
    assert p.values.iloc[0] == hours
    assert p.errors == {}


def test_hours_that_are_not_numbers_are_errors():
    p = parse_hours(pd.Series(["很多"], index=[5]))
    assert 5 in p.errors


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("是", True),
        ("√", True),
        ("Y", True),
        ("1", True),
        ("否", False),
        ("×", False),
        ("N", False),
        ("0", False),
        (None, False),
    ],
)
def test_booleans_in_office_spellings(cell, expected):
    p = parse_bool(pd.Series([cell], index=[2], dtype=object))
    assert bool(p.values.iloc[0]) is expected
    assert p.errors == {}


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("中共党员", True), ("中共预备党员", True), ("群众", False), ("共青团员", False)],
)
def test_political_status_column_marks_party_members(cell, expected):
    assert bool(parse_bool(pd.Series([cell]), political=True).values.iloc[0]) is expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("东湖区", "东湖区"),
        ("东湖", "东湖区"),
        ("东 湖 区", "东湖区"),
        ("高新区", "高新技术产业开发区"),
        ("南港", "南港区"),
        ("城关", "城关区"),
    ],
)
def test_districts_resolve_exact_spaces_alias_and_prefix(raw, expected):
    p = parse_district(pd.Series([raw], index=[3]), districts=CITY)
    assert p.values.iloc[0] == expected
    assert p.errors == {}


def test_unresolved_district_is_an_error_listing_the_options():
    p = parse_district(pd.Series(["西湖区"], index=[12]), districts=CITY)
    reason, fix = p.errors[12]
    assert reason == "不是本市的区县"
    assert "东湖区" in fix and "高新技术产业开发区" in fix


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("未整改", "待整改"),
        ("正在整改", "整改中"),
        ("已完成", "已整改"),
        ("完成", "已整改"),
        ("销号", "已销号"),
        ("长期坚持", "长期整改"),
        ("已销号", "已销号"),
    ],
)
def test_issue_statuses_map_to_canonical(raw, expected):
    assert parse_issue_status(pd.Series([raw])).values.iloc[0] == expected


def test_unknown_issue_status_is_an_error():
    p = parse_issue_status(pd.Series(["看情况"], index=[8]))
    assert p.errors[8][0] == "不是可识别的整改状态"


def test_unit_status_synonyms():
    assert parse_unit_status(pd.Series(["保留", "摘牌"])).values.tolist() == ["复查保留", "已撤销"]


@pytest.mark.parametrize(
    ("title", "level", "category"),
    [
        ("省级文明单位", "省级", "文明单位"),
        ("市级文明村", "市级", "文明村镇"),
        ("全国文明校园", "全国", "文明校园"),
        ("区县级文明乡镇", "县级", "文明村镇"),
        ("县（区）级文明社区", "县级", "文明社区"),
        ("文明家庭", None, "文明家庭"),
    ],
)
def test_title_splits_into_level_and_category(title, level, category):
    assert split_title(title) == (level, category)


def test_title_column_parser_reports_unknown_titles():
    level, category = parse_title(pd.Series(["省级文明单位", "优秀单位"], index=[4, 5]))
    assert level.values.iloc[0] == "省级"
    assert 5 in category.errors


FOUND = pd.Series(pd.to_datetime(["2026-11-13"] * 6).astype("datetime64[s]"), index=range(2, 8))


@pytest.mark.parametrize(
    ("deadline", "expected"),
    [
        ("3天", "2026-11-16"),
        ("7天内", "2026-11-20"),
        ("立行立改", "2026-11-14"),
        ("2026-12-01", "2026-12-01"),
        ("2026年12月1日", "2026-12-01"),
    ],
)
def test_deadline_as_date_days_or_immediately(deadline, expected):
    p = parse_deadline(pd.Series([deadline], index=[2]), base=FOUND)
    assert p.values.iloc[0] == _day(expected)


def test_deadline_in_working_days_skips_weekends():
    # found on Friday 2026-11-13: 5 working days later is Friday 2026-11-20, 1 is Monday 11-16
    p = parse_deadline(pd.Series(["5个工作日", "1个工作日"], index=[2, 3]), base=FOUND)
    assert p.values.tolist() == [_day("2026-11-20"), _day("2026-11-16")]


@pytest.mark.parametrize("text", ["长期坚持", "长期整改", "持续整改"])
def test_long_term_deadline_has_no_date(text):
    p = parse_deadline(pd.Series([text], index=[2]), base=FOUND)
    assert pd.isna(p.values.iloc[0])
    assert p.values.attrs["long_term"].iloc[0]
    assert p.errors == {}


def test_relative_deadline_without_found_date_is_an_error():
    p = parse_deadline(pd.Series(["3天"], index=[2]), base=pd.Series([pd.NaT], index=[2]))
    assert "发现日期" in p.errors[2][0]


@pytest.mark.parametrize(("cell", "value"), [("13%", 13.0), ("13", 13.0), (" 9.5 % ", 9.5)])
def test_percent_text_is_in_percent_units(cell, value):
    assert parse_percent(pd.Series([cell])).values.iloc[0] == value


def test_population_in_wan():
    assert parse_population(pd.Series(["26.3万", "38,000人"])).values.tolist() == [
        263000.0,
        38000.0,
    ]


def test_point_type_variants_and_unknowns():
    p = parse_point_type(pd.Series(["农贸市场", "银行网点（营业厅）", "城中村"], index=[2, 3, 4]))
    assert p.values.tolist() == ["集贸市场", "银行网点", "其他"]
    assert 4 in p.warnings and p.errors == {}


def test_unknown_unit_status_names_the_allowed_values():
    p = parse_unit_status(pd.Series(["评选中"], index=[3]))
    assert p.errors[3] == (
        "不是可识别的创建状态",
        "请改为以下之一：培育中、已申报、已命名、复查保留、已撤销",
    )


def test_unit_level_and_category_columns_read_their_vocabularies():
    level = parser_for(UNITS.field("level"))(
        pd.Series(["国家级", "县 (区) 级", "乡级"], index=[2, 3, 4])
    )
    assert level.values.tolist()[:2] == ["全国", "县级"]
    assert level.errors[4][0] == "不是可识别的级别"
    category = parser_for(UNITS.field("category"))(
        pd.Series(["市级文明村", "文明小区", "优秀单位"], index=[2, 3, 4])
    )
    assert category.values.tolist() == ["文明村镇", "文明社区", "其他"]
    assert category.warnings[4] == ("不在常用创建类别中，已归为『其他』", "如需区分请改为标准类别")


def test_issue_source_takes_the_first_spelling_found_inside_the_text():
    p = parser_for(ISSUES.field("source"))(
        pd.Series(["12345 政务热线", "市民来电投诉", "网络测评", "领导交办"], index=[2, 3, 4, 5])
    )
    assert p.values.tolist() == ["12345热线", "市民投诉", "网上测评", "其他"]
    assert p.warnings[5] == ("不在常用问题来源中，已归为『其他』", "如需区分请改为标准来源")
    assert p.errors == {}


def test_gender_spellings_and_unknowns_left_blank_with_a_warning():
    p = parser_for(VOLUNTEERS.field("gender"))(
        pd.Series(["男性", " F ", "Male", "保密"], index=[2, 3, 4, 5])
    )
    assert p.values.tolist()[:3] == ["男", "女", "男"] and pd.isna(p.values.iloc[3])
    assert p.warnings == {5: ("无法识别的性别，已留空", "请填写『男』或『女』")}


def test_a_target_district_offers_citywide_first():
    p = parse_target_district(pd.Series(["全市", None, "西湖区"], index=[2, 3, 4]), districts=CITY)
    assert p.values.tolist()[:2] == ["", ""]
    assert p.errors[4] == (
        "不是本市的区县",
        "请改为以下之一：全市、城关区、东湖区、南港区、高新技术产业开发区",
    )


def test_numbers_as_text_keep_phone_numbers_whole():
    assert as_text(pd.Series([13800138000.0, 12.5])).tolist() == ["13800138000", "12.5"]


def test_free_text_is_kept_verbatim():
    hostile = ' <img src=x onerror=alert(1)>  =HYPERLINK("x") '
    assert verbatim_text(pd.Series([hostile])).iloc[0] == hostile


def test_stable_ids_repeat_for_the_same_content_and_stay_unique():
    a = stable_id("Q", pd.Series(["x", "x", "y"]))
    b = stable_id("Q", pd.Series(["x", "x", "y"]))
    assert a.tolist() == b.tolist()
    assert a.is_unique


def test_dates_are_whole_days():
    p = parse_date(pd.Series(["2026-11-15 18:30:00"]))
    assert p.values.iloc[0].date() == date(2026, 11, 15)
    assert np.issubdtype(p.values.dtype, np.datetime64)


def test_a_numpy_float_cell_is_written_as_its_number_not_numpys_repr() -> None:
    text = as_text(pd.Series([np.float64(120.391355), np.float64(2.0)], dtype=object))
    assert text.tolist() == ["120.391355", "2"]
