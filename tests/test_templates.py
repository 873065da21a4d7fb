"""Templates: every ledger kind's template is a workbook a clerk can fill and upload cleanly."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import openpyxl
import pytest

from civdash import templates
from civdash.districts import District, DistrictTable
from civdash.ingest import ingest_file
from civdash.io import FileRefused
from civdash.ledgers import LEDGER_KINDS, get_kind
from civdash.templates import example_rows, template_file_name, template_workbook

CITY = DistrictTable(
    (
        District("城关区", 300000),
        District("东湖区", 250000),
        District("高新技术产业开发区", 120000, aliases=("高新区",)),
    )
)


def _open(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def _validations(ws: openpyxl.worksheet.worksheet.Worksheet) -> dict[str, Any]:
    """Column letter → data validation of the ledger sheet."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            out[rng.coord.rstrip("0123456789").split(":")[0].rstrip("0123456789")] = dv
    return out


def test_public_api_is_guarded() -> None:
    assert sorted(templates.__all__) == [
        "CITYWIDE",
        "REQUIRED_MARK",
        "choices_for",
        "example_rows",
        "template_fields",
        "template_file_name",
        "template_workbook",
    ]


@pytest.mark.parametrize("kind", LEDGER_KINDS)
def test_template_filled_with_its_examples_ingests_without_any_problem(kind: str) -> None:
    data = template_workbook(kind, CITY.names, rows=example_rows(kind, CITY.names))
    result = ingest_file(data, file_name=template_file_name(kind), districts=CITY)
    assert result.kind == kind
    assert result.problems == []
    assert result.rows_valid == len(example_rows(kind, CITY.names)) > 0
    required = set(get_kind(kind).required)
    assert required <= set(result.columns.values())


@pytest.mark.parametrize("kind", LEDGER_KINDS)
def test_template_without_a_district_table_still_ingests_its_examples(kind: str) -> None:
    data = template_workbook(kind, rows=example_rows(kind))
    result = ingest_file(data, file_name="t.xlsx")
    assert result.problems == []
    assert result.rows_valid > 0


@pytest.mark.parametrize("kind", LEDGER_KINDS)
def test_empty_template_is_refused_as_header_only(kind: str) -> None:
    with pytest.raises(FileRefused, match="只有表头"):
        ingest_file(template_workbook(kind, CITY.names), file_name="t.xlsx", districts=CITY)


@pytest.mark.parametrize("kind", LEDGER_KINDS)
def test_template_headers_are_registry_labels_with_required_ones_marked(kind: str) -> None:
    wb = _open(template_workbook(kind, CITY.names))
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[1]]
    fields = get_kind(kind).input_fields
    assert headers == [f"*{f.label}" if f.required else f.label for f in fields]
    assert ws.freeze_panes == "A2"


@pytest.mark.parametrize("kind", LEDGER_KINDS)
def test_template_has_instructions_and_a_hidden_options_sheet(kind: str) -> None:
    wb = _open(template_workbook(kind, CITY.names))
    names = wb.sheetnames
    assert names == [f"{get_kind(kind).label}台账", "填表说明", "选项"]
    assert wb["选项"].sheet_state == "hidden"
    notes = [c.value for row in wb["填表说明"].iter_rows() for c in row if c.value]
    assert f"{get_kind(kind).label}台账填表说明" in notes
    assert "填写示例（仅供参考，不会被导入）" in notes


def test_issue_template_lists_districts_statuses_sources_and_point_types() -> None:
    wb = _open(template_workbook("issues", CITY.names))
    ws = wb.worksheets[0]
    options = wb["选项"]
    lists = {
        col[0].value: [c.value for c in col[1:] if c.value is not None]
        for col in options.iter_cols()
    }
    assert lists["所属区县"] == list(CITY.names)
    assert lists["整改状态"] == ["待整改", "整改中", "已整改", "已销号", "长期整改"]
    assert "暗访督查" in lists["问题来源"]
    assert len(lists["点位类型"]) == 27  # the 26 types and 其他
    headers = [c.value for c in ws[1]]
    validations = _validations(ws)
    district_col = openpyxl.utils.get_column_letter(headers.index("*所属区县") + 1)
    dv = validations[district_col]
    assert dv.type == "list"
    assert dv.formula1 == "'选项'!$A$2:$A$4"


def test_unit_template_lists_category_level_and_status() -> None:
    wb = _open(template_workbook("units", CITY.names))
    lists = {
        col[0].value: [c.value for c in col[1:] if c.value is not None]
        for col in wb["选项"].iter_cols()
    }
    assert lists["创建类别"][:2] == ["文明单位", "文明村镇"]
    assert lists["级别"] == ["全国", "省级", "市级", "县级"]
    assert lists["创建状态"] == ["培育中", "已申报", "已命名", "复查保留", "已撤销"]


def test_target_template_offers_citywide_and_the_metric_catalogue() -> None:
    wb = _open(template_workbook("targets", CITY.names))
    lists = {
        col[0].value: [c.value for c in col[1:] if c.value is not None]
        for col in wb["选项"].iter_cols()
    }
    assert lists["区县"][0] == "全市"
    assert "问题整改率" in lists["指标"]


def test_date_columns_are_date_formatted_and_ids_are_text() -> None:
    data = template_workbook("volunteers", CITY.names, rows=example_rows("volunteers", CITY.names))
    ws = _open(data).worksheets[0]
    headers = [c.value for c in ws[1]]
    registered = ws.cell(2, headers.index("*注册日期") + 1)
    assert registered.number_format == "yyyy-mm-dd"
    assert registered.value.date() == date(2024, 3, 5)
    phone = ws.cell(2, headers.index("联系电话") + 1)
    assert phone.data_type == "s"
    assert phone.value == "13800001234"


def test_without_districts_the_district_column_has_no_list_and_the_notes_say_why() -> None:
    wb = _open(template_workbook("volunteers"))
    assert "所属区县" not in [c.value for c in wb["选项"][1]]
    notes = [c.value for row in wb["填表说明"].iter_rows() for c in row if c.value]
    assert "7. 尚未导入本市区县表，区县列暂无下拉列表，请填写区县全称。" in notes


def test_text_that_looks_like_a_formula_stays_text() -> None:
    rows = [dict(example_rows("issues", CITY.names)[0], description='=HYPERLINK("x")')]
    ws = _open(template_workbook("issues", CITY.names, rows=rows)).worksheets[0]
    headers = [c.value for c in ws[1]]
    cell = ws.cell(2, headers.index("*问题描述") + 1)
    assert cell.data_type == "s"
    assert cell.value == '=HYPERLINK("x")'


def test_unknown_kind_has_no_template() -> None:
    with pytest.raises(KeyError):
        template_workbook("districts")
