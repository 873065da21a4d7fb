"""A ledger kind defined here alone goes through the whole house: template → ingest → commit →
load → explore → download, with no other module changed (issue 11's proof).

宣传阵地 (billboards) has a name, a district and street, a date, a number, a coded field with
value synonyms and colours, and a personal phone field. It is registered for these tests only.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from civdash import ledgers
from civdash.districts import District, DistrictTable
from civdash.explore import ExploreSpec, downloads, explore, group_choices
from civdash.ingest import ingest_file
from civdash.ledgers import LEDGER_KINDS, REGISTRY, Field, LedgerKind, Vocabulary
from civdash.store import Store
from civdash.templates import example_rows, template_file_name, template_workbook

CITY = DistrictTable((District("城关区", 300000), District("东湖区", 250000)))
AS_OF = date(2026, 11, 15)

MEDIUM_COLORS = {
    "户外大屏": "#0072B2",
    "公交站牌": "#E69F00",
    "围挡": "#009E73",
    "宣传栏": "#CC79A7",
}


def _examples(districts: Sequence[str]) -> list[dict[str, Any]]:
    d = list(districts) or ["城关区"]
    return [
        {
            "board_id": "B001",
            "name": "人民广场大屏",
            "district": d[0],
            "street": "中山街道",
            "installed_on": date(2026, 3, 1),
            "area": 48.5,
            "medium": "户外大屏",
            "phone": "13912345678",
        },
        {
            "board_id": "B002",
            "name": "解放路工地围挡",
            "district": d[1 % len(d)],
            "installed_on": date(2026, 6, 18),
            "area": 120,
            "medium": "围挡",
        },
    ]


BILLBOARDS = LedgerKind(
    key="billboards",
    label="宣传阵地",
    id_field="board_id",
    title_words=("宣传阵地", "公益广告"),
    composite_key=("name", "district"),
    count_noun="阵地数",
    examples=_examples,
    fields=(
        Field("board_id", "阵地编号", synonyms=("编号",), hint="可不填"),
        Field("name", "阵地名称", required=True, synonyms=("名称",), hint="阵地名称"),
        Field(
            "district",
            "所属区县",
            required=True,
            parser="district",
            synonyms=("区县",),
            hint="从下拉列表选择本市区县",
        ),
        Field("street", "街道/乡镇", synonyms=("街道",)),
        Field("installed_on", "设置日期", type="date", required=True, hint="日期，如 2026-11-15"),
        Field("area", "面积（平方米）", type="float", min_value=0, synonyms=("面积",)),
        Field(
            "medium",
            "阵地类型",
            vocabulary=Vocabulary(
                "阵地类型",
                tuple(MEDIUM_COLORS),
                {"LED屏": "户外大屏", "大屏": "户外大屏", "站牌": "公交站牌", "工地围挡": "围挡"},
                found_inside="longest",
            ),
            colors=MEDIUM_COLORS,
            hint="从下拉列表选择",
        ),
        Field("phone", "联系电话", personal="phone", synonyms=("电话",)),
    ),
)


@pytest.fixture
def billboards() -> Iterator[LedgerKind]:
    ledgers.register(BILLBOARDS)
    try:
        yield BILLBOARDS
    finally:
        ledgers.unregister(BILLBOARDS.key)


def _filled_template() -> bytes:
    rows = [
        *example_rows("billboards", CITY.names),
        # value synonyms: LED屏 is a 户外大屏; "公交站牌（东门）" holds the spelling 站牌 inside
        {"name": "东门站台", "district": "东湖", "installed_on": "2026/9/1", "medium": "LED屏"},
        {
            "name": "北站站牌",
            "district": "城关区",
            "installed_on": 46270,
            "medium": "公交站牌（东门）",
        },
    ]
    return template_workbook("billboards", CITY.names, rows=rows)


def test_a_registered_kind_is_an_uploaded_ledger_and_leaves_when_unregistered(billboards):
    assert "billboards" in LEDGER_KINDS and REGISTRY["billboards"] is billboards
    with pytest.raises(TypeError):
        REGISTRY["billboards"] = billboards  # type: ignore[index]  # the registry is read-only
    with pytest.raises(ValueError, match="already registered"):
        ledgers.register(billboards)
    ledgers.unregister("billboards")
    try:
        assert "billboards" not in LEDGER_KINDS and "billboards" not in REGISTRY
    finally:
        ledgers.register(billboards)


def test_template_of_the_new_kind_lists_its_fields_and_vocabulary(billboards):
    wb = openpyxl.load_workbook(io.BytesIO(template_workbook("billboards", CITY.names)))
    assert wb.sheetnames == ["宣传阵地台账", "填表说明", "选项"]
    headers = [c.value for c in wb.worksheets[0][1]]
    assert headers == ["阵地编号", "*阵地名称", "*所属区县", "街道/乡镇", "*设置日期",
                       "面积（平方米）", "阵地类型", "联系电话"]  # fmt: skip
    lists = {
        col[0].value: [c.value for c in col[1:] if c.value is not None]
        for col in wb["选项"].iter_cols()
    }
    assert lists == {"所属区县": ["城关区", "东湖区"], "阵地类型": list(MEDIUM_COLORS)}
    assert template_file_name("billboards") == "宣传阵地台账模板.xlsx"


def test_new_kind_from_template_through_store_explore_and_download(billboards, tmp_path: Path):
    data = _filled_template()
    result = ingest_file(data, file_name=template_file_name("billboards"), districts=CITY)
    assert result.kind == "billboards"  # recognised from its headers, like any ledger
    assert result.problems == []
    rows = result.rows.set_index("name")
    assert rows["medium"].tolist() == ["户外大屏", "围挡", "户外大屏", "公交站牌"]
    assert rows.loc["东门站台", "district"] == "东湖区"
    assert rows.loc["北站站牌", "installed_on"] == pd.Timestamp("2026-09-05")
    assert rows.loc["人民广场大屏", "phone"] == "13912345678"

    # a Store opened after registering keeps the new kind's rows in a table of their own
    with Store(f"sqlite:///{tmp_path / 'civdash.sqlite'}") as store:
        outcome = store.commit(result, data, committed_by="宣传科", as_of=AS_OF)
        assert outcome.created and store.current("billboards") is not None
        loaded = store.load(outcome.snapshot.id)
    pd.testing.assert_frame_equal(loaded, result.rows, check_dtype=False)

    spec = ExploreSpec.from_query({"ledger": "billboards", "by": "district", "measure": "sum.area"})
    assert spec.ledger == "billboards" and [g.field for g in spec.group_by] == ["district"]
    assert "medium" in group_choices("billboards") and "phone" not in group_choices("billboards")
    by_district = explore(loaded, spec, as_of=AS_OF)
    assert by_district.error is None
    table = by_district.table.set_index("district")["value"]
    assert table.to_dict() == {"东湖区": 120.0, "城关区": 48.5}
    assert by_district.labels["value"] == "面积（平方米）合计"

    counts = explore(loaded, ExploreSpec.default("billboards"), as_of=AS_OF)
    assert counts.table["value"].sum() == 4
    stacked = ExploreSpec.from_query(
        {"ledger": "billboards", "by": "district,medium", "chart": "stacked"}
    )
    chart = explore(loaded, stacked, as_of=AS_OF).chart
    assert chart is not None
    scale = chart.to_dict()["encoding"]["color"]["scale"]  # the kind's colours per value
    assert scale["range"] == [MEDIUM_COLORS[v] for v in scale["domain"]]

    files = {d.key: d.data() for d in downloads(by_district, ["全市"], "宣传阵地")}
    detail = pd.read_csv(io.BytesIO(files["rows_csv"]), encoding="utf-8-sig", dtype=str)
    assert "联系电话" in detail.columns
    assert detail["联系电话"].dropna().tolist() == ["139****5678"]
    book = openpyxl.load_workbook(io.BytesIO(files["rows_xlsx"]))
    cells = [str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert "139****5678" in cells and not any("13912345678" in c for c in cells)
    summary = openpyxl.load_workbook(io.BytesIO(files["result_xlsx"]))
    assert "汇总结果" in summary.sheetnames
    assert pd.read_csv(io.BytesIO(files["result_csv"]), encoding="utf-8-sig").shape == (2, 2)
