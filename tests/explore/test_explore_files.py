"""The downloads of a result: the aggregated table and the filtered rows, as Excel and CSV."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from civdash import explore as ex
from civdash.explore import ExploreSpec, Measure, explore
from civdash.explore import files as explore_files
from tests.explore.helpers import AS_OF, values_by


def _book(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def test_result_excel_has_the_view_and_the_table(sample: dict[str, pd.DataFrame]) -> None:
    spec = ExploreSpec.from_query({"ledger": "issues", "by": "district", "in.status": "待整改"})
    result = explore(sample["issues"], spec, as_of=AS_OF)
    book = _book(ex.result_excel(result, ["范围：全市", "截至日期：2026-11-15"]))
    assert book.sheetnames == ["说明", "汇总结果"]
    notes = [c.value for c in book["说明"]["A"]]
    assert notes[:4] == ["数据探索导出", "范围：全市", "截至日期：2026-11-15", "台账：问题整改"]
    assert "筛选：整改状态 为 待整改" in notes
    rows = list(book["汇总结果"].values)
    assert rows[0] == ("所属区县", "问题数")
    assert {r[0]: r[1] for r in rows[1:]} == values_by(result, "district")


def test_result_csv_of_a_single_value(sample: dict[str, pd.DataFrame]) -> None:
    spec = ExploreSpec("units", group_by=(), measure=Measure("metric", "named_units"))
    result = explore(sample["units"], spec, as_of=AS_OF)
    text = ex.result_csv(result).decode("utf-8-sig").splitlines()
    assert text == ["已命名单位数（个）", f"{result.value}"]


def test_downloads_name_their_files_and_build_only_when_asked(
    sample: dict[str, pd.DataFrame],
) -> None:
    result = explore(sample["units"], ExploreSpec.default("units"), as_of=AS_OF)
    made = ex.downloads(result, ["范围：全市"], "数据探索_创建单位_20261115")
    assert [d.file_name for d in made] == [
        "数据探索_创建单位_20261115_汇总.xlsx",
        "数据探索_创建单位_20261115_汇总.csv",
        "数据探索_创建单位_20261115_明细.xlsx",
        "数据探索_创建单位_20261115_明细.csv",
    ]
    assert len({d.key for d in made}) == 4
    assert all(callable(d.data) for d in made)
    assert made[1].data().decode("utf-8-sig").startswith("所属区县,创建单位数")


def test_rows_downloads_are_masked_and_capped(
    sample: dict[str, pd.DataFrame], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(explore_files, "ROWS_EXPORT_MAX", 50)  # where the cap is read
    vol = sample["volunteers"]
    result = explore(vol, ExploreSpec.default("volunteers"), as_of=AS_OF)
    book = _book(ex.rows_excel(result))
    rows = list(book["明细"].values)
    assert len(rows) == 51
    header = list(rows[0])
    phones = [r[header.index("联系电话")] for r in rows[1:] if r[header.index("联系电话")]]
    assert phones and all("****" in p for p in phones)
    ids = [r[header.index("身份证号")] for r in rows[1:] if r[header.index("身份证号")]]
    assert ids and all("********" in i for i in ids)
    notes = [c.value for c in book["说明"]["A"]]
    assert f"符合条件的 {len(vol):,} 行中只导出了前 50 行；请加筛选条件分批导出。" in notes
    csv_lines = ex.rows_csv(result).decode("utf-8-sig").splitlines()
    assert len(csv_lines) == 51
    raw_phones = set(vol["phone"].dropna().astype(str))
    assert not any(p in line for line in csv_lines for p in list(raw_phones)[:200])
