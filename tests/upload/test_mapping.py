"""Column mapping: required columns named, the mapping table, compound headers, conflicts."""

from __future__ import annotations

from datetime import date

from civdash import upload as up
from tests.upload.helpers import (
    BAD_DISTRICT,
    GOOD,
    check_file,
    volunteers_xlsx,
)


def test_required_field_missing_is_named_and_remapping_the_column_supplies_it() -> None:
    header = ["姓名", "所属区县", "注册日期", "公益时数"]
    data = volunteers_xlsx(["张伟", "东湖区", "2024-03-01", 12], header=header)
    review = check_file(data)
    assert review.missing_required == ["累计服务时长（小时）"]
    assert review.result.rows_valid == 0
    assert up.missing_required_message(review).startswith("缺少必填列『累计服务时长（小时）』")

    table = up.mapping_table(review)
    assert list(table.columns) == ["源列名", "示例值", "对应字段"]
    assert table.set_index("源列名").at["公益时数", "对应字段"] == up.IGNORE_LABEL
    position = list(table["源列名"]).index("公益时数")
    edited = up.apply_editor_rows(table, {position: {"对应字段": "*累计服务时长（小时）"}})
    mapping = up.mapping_from_table(edited, "volunteers")
    assert mapping["公益时数"] == "hours"
    fixed = check_file(data, choice=up.FileChoice().with_mapping(mapping))
    assert fixed.missing_required == []
    assert fixed.result.rows_valid == 1
    assert fixed.result.rows["hours"].tolist() == [12.0]


def test_mapping_table_round_trips_to_the_same_result() -> None:
    review = check_file(volunteers_xlsx(GOOD, BAD_DISTRICT))
    mapping = up.mapping_from_table(up.mapping_table(review), "volunteers")
    again = check_file(
        volunteers_xlsx(GOOD, BAD_DISTRICT), choice=up.FileChoice().with_mapping(mapping)
    )
    assert again.result.columns == review.result.columns
    assert again.result.rows_valid == review.result.rows_valid


def test_mapping_table_masks_personal_data_in_its_samples() -> None:
    table = up.mapping_table(check_file(volunteers_xlsx(GOOD))).set_index("源列名")
    assert table.at["联系电话", "示例值"] == "138****0001"


def test_compound_title_header_is_offered_once_for_units() -> None:
    options = up.field_options("units")
    assert next(iter(options)) == up.IGNORE_LABEL
    assert options["称号（级别+创建类别）"] == "称号"
    assert "荣誉称号（级别+创建类别）" not in options
    assert options["*单位名称"] == "unit_name"


def test_a_field_chosen_for_two_columns_is_called_out() -> None:
    mapping = {"姓名": "name", "名字": "name", "区县": "district"}
    assert up.mapping_conflicts(mapping, "volunteers") == [
        "『*姓名』同时对应了『姓名』、『名字』，只会导入最后一列『名字』，请只保留一列。"
    ]


def test_error_report_columns_are_left_out_when_the_report_comes_back() -> None:
    review = check_file(volunteers_xlsx(GOOD, BAD_DISTRICT))
    back = check_file(up.error_report(review), "志愿者_问题报告.xlsx")
    assert "问题说明" not in back.result.columns
    assert "原行号" not in back.result.columns
    assert back.result.rows_read == 2
    assert back.result.rows_valid == 1
    assert back.result.as_of == date(2026, 11, 15)
