"""责任单位联系人 (`contacts`): one row per responsible unit, a blank 区县 for a city department,
the phone checked loosely, kept verbatim and masked wherever it leaves the app."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest

from civdash.cli import export_frame as cli_export_frame
from civdash.districts import District, DistrictTable
from civdash.exports import to_csv_bytes, to_excel_bytes
from civdash.ingest import IngestResult, ingest_file
from civdash.ledgers import LEDGER_KINDS, get_kind
from civdash.ledgers.contacts import is_phone_number
from civdash.privacy import mask_frame, personal_fields
from civdash.store import Store
from civdash.templates import example_rows, template_file_name, template_workbook

CITY = DistrictTable(
    (District("城关区", 60000), District("东湖区", 50000), District("南港区", 40000))
)
MOBILE = "13912345678"
LANDLINE = "0571-87654321"


def _ingest(*rows: str, header: str = "责任单位,负责人,联络员,联系电话,所属区县") -> IngestResult:
    data = ("\n".join((header, *rows)) + "\n").encode("utf-8")
    return ingest_file(data, file_name="联系人.csv", kind="contacts", districts=CITY)


@pytest.fixture(scope="module")
def contacts() -> IngestResult:
    return _ingest(
        f"市城管局,王建国,陈静,{MOBILE},",
        f"东湖区市场监管局,刘洋,赵磊,{LANDLINE},东湖",
        "南港区交通局,孙丽,周强,87654321转12,南港区",
    )


def test_a_blank_district_is_a_city_department_and_others_resolve(contacts: IngestResult) -> None:
    assert contacts.problems == []
    assert contacts.rows["district"].tolist() == ["", "东湖区", "南港区"]
    assert get_kind("contacts").field("district").blank_label == "市直部门"
    # every district's pages see every contact, city departments included
    assert get_kind("contacts").narrow(contacts.rows, "东湖区").equals(contacts.rows)


def test_a_district_outside_the_city_is_an_error() -> None:
    result = _ingest(f"西山区城管局,王,李,{MOBILE},西山区")
    assert result.rows_valid == 0
    (p,) = result.problems
    assert (p.row, p.field, p.severity) == (2, "district", "error")
    assert p.message.startswith("第 2 行『所属区县』为 西山区，不是本市的区县")


def test_a_unit_named_twice_is_an_error_on_the_later_row() -> None:
    result = _ingest(
        f"市城管局,王建国,陈静,{MOBILE},",
        f"市交通局,李,张,{LANDLINE},",
        f"市 城管局,赵,钱,{LANDLINE},",
    )
    assert result.rows["responsible_unit"].tolist() == ["市城管局", "市交通局"]
    assert [(p.row, p.field, p.message) for p in result.problems] == [
        (
            4,
            "responsible_unit",
            "第 4 行『责任单位』为 市 城管局，与第 2 行重复：每个责任单位只能有一行，"
            "请删除其中一行，或合并两行的联系人。",
        )
    ]


@pytest.mark.parametrize(
    "phone",
    [MOBILE, "139 1234 5678", "139-1234-5678", "+8613912345678", LANDLINE, "(0571)87654321",
     "87654321", "12345678", "0571-12345678", "0571-87654321转8001", f"{MOBILE}/{LANDLINE}",
     f"{LANDLINE}、{MOBILE}"],
)  # fmt: skip
def test_mobiles_and_landlines_are_phone_numbers(phone: str) -> None:
    assert is_phone_number(phone)


@pytest.mark.parametrize("phone", ["1391234567", "23912345678", "110", "见通讯录", "12345"])
def test_other_text_is_not_a_phone_number(phone: str) -> None:
    assert not is_phone_number(phone)


def test_an_odd_phone_is_kept_verbatim_with_a_warning_that_does_not_show_it() -> None:
    result = _ingest("市城管局,王建国,陈静,1391234567,", "市交通局,李,张,办公室转,")
    assert result.rows["phone"].tolist() == ["1391234567", "办公室转"]
    assert [(p.row, p.field, p.severity) for p in result.problems] == [
        (2, "phone", "warning"),
        (3, "phone", "warning"),
    ]
    first = result.problems[0]
    assert first.value == "1391234567"  # the raw cell, shown masked by the review
    assert "1391234567" not in first.message and "****67" in first.message
    assert first.message.endswith(
        "不像手机号或座机号，已按原样保存；请核对，手机号为 11 位，座机号如 0571-12345678。"
    )


def test_liaison_and_phone_are_required() -> None:
    result = _ingest("市城管局,王建国,,", header="责任单位,负责人,联络员,联系电话")
    assert {(p.field, p.severity) for p in result.problems} == {
        ("liaison", "error"),
        ("phone", "error"),
    }
    assert result.rows_valid == 0


def test_the_phone_is_masked_in_every_export(contacts: IngestResult) -> None:
    assert personal_fields("contacts") == ("phone",)
    rows = contacts.rows
    masked = mask_frame(rows, "contacts")["phone"].tolist()
    assert masked[0] == "139****5678" and MOBILE not in masked
    assert LANDLINE not in masked

    csv_text = to_csv_bytes(rows, kind="contacts").decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(csv_text)))
    assert table[0][:4] == ["责任单位", "负责人", "联络员", "联系电话"]
    assert [r[3] for r in table[1:]] == masked
    assert MOBILE not in csv_text and LANDLINE not in csv_text

    book = openpyxl.load_workbook(
        io.BytesIO(to_excel_bytes({"联系人": rows}, kinds={"联系人": "contacts"}))
    )
    cells = [str(c.value) for row in book["联系人"].iter_rows() for c in row if c.value]
    assert "139****5678" in cells and not any(MOBILE in c or LANDLINE in c for c in cells)

    out = cli_export_frame(contacts)
    assert out["phone"].tolist() == masked and list(out.columns) == list(
        get_kind("contacts").field_names
    )


def test_the_template_round_trips_with_no_problem() -> None:
    assert "contacts" in LEDGER_KINDS
    examples = example_rows("contacts", CITY.names)
    data = template_workbook("contacts", CITY.names, rows=examples)
    result = ingest_file(data, file_name=template_file_name("contacts"), districts=CITY)
    assert (result.kind, result.problems, result.rows_valid) == ("contacts", [], len(examples))
    assert result.rows["district"].tolist() == ["", "城关区"]
    ws = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    phone = [c.value for c in ws[1]].index("*联系电话")
    assert ws.cell(2, phone + 1).number_format == "@"  # the phone is text: leading 0 survives


def test_a_contact_list_is_recognised_by_its_header() -> None:
    data = f"序号,单位名称,主要负责人,联系人,手机号码\n1,市城管局,王建国,陈静,{MOBILE}\n"
    result = ingest_file(data.encode("utf-8"), file_name="通讯录.csv", districts=CITY)
    assert result.kind == "contacts" and result.problems == []
    assert result.columns == {
        "单位名称": "responsible_unit",
        "主要负责人": "leader",
        "联系人": "liaison",
        "手机号码": "phone",
    }


def test_contacts_are_no_weekly_district_submission() -> None:
    from civdash.submissions import submission_kinds

    assert "contacts" not in submission_kinds() and "assessments" not in submission_kinds()
    assert not get_kind("contacts").dated


def test_contacts_commit_and_load_back_with_the_blank_district(
    contacts: IngestResult, tmp_path: Path
) -> None:
    store = Store(f"sqlite:///{tmp_path / 'civdash.db'}")
    snapshot = store.commit(contacts, b"contacts file", committed_by="测试").snapshot
    loaded = store.load(snapshot.id)
    assert loaded["district"].tolist() == ["", "东湖区", "南港区"]
    assert loaded["phone"].tolist() == [MOBILE, LANDLINE, "87654321转12"]
