"""The review: problems, the preview, and fixing cells in the page."""

from __future__ import annotations

from civdash import upload as up
from civdash.ingest import SOURCE_ROW
from tests.upload.helpers import (
    BAD_DISTRICT,
    BAD_HOURS,
    CITY,
    GOOD,
    check_file,
    volunteers_xlsx,
)


def test_problems_table_filters_by_field_and_severity() -> None:
    review = check_file(volunteers_xlsx(GOOD, BAD_DISTRICT, BAD_HOURS))
    every = up.problems_table(review)
    assert list(every.columns) == ["行号", "字段", "原值", "说明", "级别"]
    assert set(every["级别"]) == {"错误"}
    only_district = up.problems_table(review, fields=["所属区县"])
    assert only_district["行号"].tolist() == [4]
    assert only_district["原值"].tolist() == ["北岭区"]
    assert up.problems_table(review, severities=["提醒"]).empty


def test_preview_highlights_exactly_the_invalid_cells_and_masks_phones() -> None:
    review = check_file(volunteers_xlsx(GOOD, BAD_DISTRICT, BAD_HOURS))
    styler = review_styler = up.preview_styler(review)
    frame = styler.data
    assert frame.index.tolist() == [3, 4, 5]
    assert frame["状态"].tolist() == ["✓", "✗", "✗"]
    assert frame.at[4, "所属区县"] == "北岭区"  # raw text of an invalid row
    assert frame.at[3, "注册日期"] == "2024-03-01"  # normalized value of a valid row
    assert frame.at[3, "联系电话"] == "138****0001"
    styles = review_styler._compute().ctx  # (row position, column position) → [(prop, value)]
    red = {
        (frame.index[r], frame.columns[c])
        for (r, c), props in styles.items()
        if ("background-color", "#FFC7CE") in props
    }
    assert red == {(4, "所属区县"), (5, "累计服务时长（小时）")}


def test_preview_can_show_only_the_rows_with_problems() -> None:
    review = check_file(volunteers_xlsx(GOOD, BAD_DISTRICT, GOOD, BAD_HOURS))
    assert up.preview_styler(review, only_problems=True).data.index.tolist() == [4, 6]
    assert up.preview_styler(review, limit=2).data.index.tolist() == [3, 4]


# ---- fixing in the page --------------------------------------------------------------------------


def test_fixing_a_cell_in_the_editor_revalidates_the_row() -> None:
    bench = up.Workbench()
    upload = up.Upload.of("v.xlsx", volunteers_xlsx(GOOD, BAD_DISTRICT, BAD_HOURS))
    review = bench.check(upload, up.FileChoice(), CITY)
    fix = up.fix_table(review)
    assert fix.frame.index.tolist() == [4, 5]
    assert fix.frame.at[4, "所属区县"] == "北岭区"
    assert "不是本市的区县" in fix.frame.at[4, "问题"]
    assert fix.frame.at[4, "联系电话"] == "138****0002"
    assert "联系电话" in fix.locked

    edits = up.edits_from_editor(
        fix, {0: {"所属区县": "东湖", "联系电话": "changed", "问题": "x"}, "1": {"姓名": "王芳"}}
    )
    assert edits == {(4, fix.columns["所属区县"]): "东湖"}  # unchanged, locked cells dropped
    fixed = bench.check(upload, review.choice.with_edits(edits), CITY)
    assert fixed.result.rows_valid == 2
    assert fixed.result.invalid_rows == (5,)
    row = fixed.result.rows.set_index(SOURCE_ROW).loc[4]
    assert row["district"] == "东湖区"
    assert row["phone"] == "13800000002"  # the masked value never reaches the data


def test_edits_change_the_content_hash_and_the_same_edits_give_the_same_hash() -> None:
    data = volunteers_xlsx(GOOD, BAD_DISTRICT)
    plain = check_file(data)
    edits = up.FileChoice().with_edits({(4, 1): "东湖区"})
    a = check_file(data, choice=edits)
    b = check_file(data, choice=up.FileChoice().with_edits({(4, 1): "东湖区"}))
    assert plain.content_sha256 == plain.upload.sha256
    assert a.content_sha256 != plain.content_sha256
    assert a.content_sha256 == b.content_sha256
    assert a.result.sha256 == a.content_sha256


def test_clearing_a_cell_empties_it() -> None:
    data = volunteers_xlsx(GOOD)
    review = check_file(data, choice=up.FileChoice().with_edits({(3, 0): " "}))
    assert review.result.rows_valid == 0
    assert "为空，这是必填项" in review.result.problems[0].message


def test_content_bytes_without_edits_are_the_file() -> None:
    assert up.content_bytes(b"abc") == b"abc"
    assert up.content_bytes(b"abc", [(4, 1, "东湖区")]).startswith(b"abc")
    assert up.content_bytes(b"abc", [(4, 1, "x"), (3, 1, "y")]) == up.content_bytes(
        b"abc", [(3, 1, "y"), (4, 1, "x")]
    )
