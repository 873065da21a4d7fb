import pytest

from civdash.ledgers import REGISTRY, get_kind
from civdash.ledgers.base import normalize_header
from civdash.ledgers.matching import exact_matches, header_scores, match_columns


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("服务时长（小时）", "服务时长"),
        (" *姓 名 ", "姓名"),
        ("所在区(县)", "所在区"),
        ("ＡＢＣ　时长", "abc时长"),
        ("备注：", "备注"),
    ],
)
def test_normalize_header_drops_spaces_brackets_and_marks(header, expected):
    assert normalize_header(header) == expected


def test_synonyms_map_volunteer_headers_and_leave_others_unmapped():
    m = match_columns(
        "volunteers", ["序号", "志愿者姓名", "服务时长（小时）", "所在区（县）", "注册时间", "备注"]
    )
    assert m.source_to_field() == {
        "志愿者姓名": "name",
        "服务时长（小时）": "hours",
        "所在区（县）": "district",
        "注册时间": "registered_on",
    }
    assert m.unmapped() == ["序号", "备注"]
    assert m.missing_required() == []


def test_exact_match_beats_partial_match():
    # "时长" is an exact synonym of hours; "服务时长备注" only contains it
    m = match_columns("volunteers", ["服务时长备注", "时长", "姓名", "区县", "注册日期"])
    assert m.by_field["hours"] == 1


def test_one_field_takes_one_column_and_one_column_one_field():
    m = match_columns("issues", ["所属区县", "区县", "问题描述", "问题内容"])
    assert list(m.by_field).count("district") == 1
    assert m.by_field["district"] == 0
    assert m.by_field["description"] == 2
    assert len(set(m.by_column)) == len(m.by_column)


def test_user_mapping_wins_over_synonyms():
    m = match_columns("volunteers", ["姓名", "昵称", "区县"], {"昵称": "name", "姓名": "-"})
    assert m.by_field["name"] == 1
    assert 0 not in m.by_column


def test_user_mapping_to_unknown_field_is_refused_in_chinese():
    with pytest.raises(ValueError, match="不是志愿者台账的字段"):
        match_columns("volunteers", ["姓名"], {"姓名": "nickname"})


def test_title_column_fills_level_and_category_unless_they_have_columns():
    m = match_columns("units", ["单位名称", "所属区县", "称号"])
    assert m.source_to_field()["称号"] == "level+category"
    assert m.missing_required() == []
    m = match_columns("units", ["单位名称", "所属区县", "称号", "级别", "创建类别"])
    assert "称号" not in m.source_to_field()


def test_missing_required_fields_are_named():
    m = match_columns("issues", ["问题描述", "所属区县"])
    assert m.missing_required() == ["found_on", "responsible_unit", "status"]


def test_header_scores_pick_the_kind_of_a_header_row():
    scores = header_scores(["问题编号", "发现日期", "所属区县", "问题描述", "责任单位", "整改状态"])
    assert max(scores, key=lambda k: scores[k]) == "issues"
    assert header_scores(["青澜市注册志愿者台账（截至2026年11月15日）"])["volunteers"] == 0


def test_every_kind_has_unique_field_names_and_labels():
    for key, kind in REGISTRY.items():
        assert get_kind(key) is kind
        assert len(set(kind.field_names)) == len(kind.fields)
        assert len({f.label for f in kind.fields}) == len(kind.fields)
        assert set(kind.required) <= set(kind.field_names)


def test_partial_match_never_takes_a_column_whose_last_word_names_another_kind_of_value():
    # 问题序号 holds serial numbers; 问题说明 explains the problem: only the latter is 问题描述
    m = match_columns("issues", ["问题序号", "问题位置", "问题说明", "评审组", "处理意见"])
    assert m.by_field["description"] == 2
    assert m.by_field["location"] == 1
    assert 0 not in m.by_column


@pytest.mark.parametrize(
    ("header", "field"),
    [("留言编号", "issue_id"), ("检查发现日期", "found_on"), ("具体问题内容", "description")],
)
def test_partial_match_whose_last_word_agrees_with_the_field_still_counts(header, field):
    assert match_columns("issues", [header]).by_column == {0: field}


def test_a_cell_of_long_free_text_names_no_field():
    reply = "现将网友在平台栏目反映的问题调查核实情况答复如下：经调查了解，所属街道已组织整改，责任单位已落实。"
    assert match_columns("issues", [reply]).by_column == {}
    assert max(header_scores([reply, reply]).values()) == 0


def test_a_kind_is_only_recognised_by_at_least_one_exact_column_name():
    activities = ["序号", "年份", "月份", "服务中心", "活动类型", "活动日期", "活动名称"]
    assert exact_matches("units", activities) == 0
    assert header_scores(activities)["units"] >= 2.0  # resemblance alone is not recognition
    assert exact_matches("units", ["单位名称", "所属区县", "活动类型"]) == 2
