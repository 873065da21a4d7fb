"""Files shaped like the ones offices really send (see shared/realworld/MANIFEST.md), rebuilt small:
a 问政 / 12345 export, a software-review list, per-county statistics. Each must be read the way the
clerk needs, or refused with a sentence that says why."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from civdash.districts import District, DistrictTable
from civdash.ingest import ingest_file
from civdash.io import FileRefused
from civdash.problems import QUOTE_LIMIT
from tests.io.helpers import xlsx_bytes

REPLY = (
    "现将网友在平台《问政西地省》栏目向书记留言反映“A2区景蓉花苑物业管理有问题”的调查核实情况向该网友答复如下："
    "您好，首先感谢您对我们工作的信任和支持，经调查了解，针对来信所反映的小区停车收费问题，业委会已召开业主大会，"
    "辖区桂花坪街道牵头组织社区、物业公司、业主委员会、业主代表的会议，区住房和城乡建设局也参加了会议。"
)
MESSAGES_HEADER = [
    "留言编号",
    "留言用户",
    "留言主题",
    "留言时间",
    "留言详情",
    "答复意见",
    "答复时间",
]


def messages_export(rows: int = 12) -> bytes:
    """A 问政 platform export: header in row 1, then long free text in every row."""
    body = [
        [
            f"{2400 + i}",
            f"A00{i:04d}",
            f"A{i % 7}区街道物业管理有问题",
            f"2019/4/{1 + i % 28} 9:32:09",
            "\n\t\t" + REPLY[: 60 + i],
            REPLY,
            "2019/5/9 10:00:00",
        ]
        for i in range(rows)
    ]
    return xlsx_bytes({"Sheet1": [MESSAGES_HEADER, *body]})


def test_a_messages_export_is_no_ledger_of_itself():
    with pytest.raises(FileRefused, match="未识别出台账类型"):
        ingest_file(messages_export(), file_name="留言.xlsx")


def test_as_issues_its_header_is_row_1_and_missing_fields_are_named_once():
    result = ingest_file(messages_export(), file_name="留言.xlsx", kind="issues")
    assert (result.header_row, result.rows_read, result.rows_valid) == (1, 12, 0)
    assert [p.row for p in result.problems] == [1] * len(result.problems)  # no row errors
    assert {p.field for p in result.problems} == {
        "found_on",
        "district",
        "description",
        "responsible_unit",
        "status",
    }
    assert "district" not in result.columns.values()  # a reply is never 所属区县


def test_mapped_columns_steer_the_header_and_only_the_unmapped_required_fields_are_named():
    mapping = {"留言主题": "description", "留言时间": "found_on"}
    result = ingest_file(messages_export(), file_name="留言.xlsx", kind="issues", mapping=mapping)
    assert (result.header_row, result.rows_read) == (1, 12)
    assert result.columns["留言主题"] == "description"
    assert result.columns["留言时间"] == "found_on"
    missing = [p for p in result.problems if p.severity == "error"]
    assert [p.field for p in missing] == ["district", "responsible_unit", "status"]
    assert all(p.row == 1 for p in missing)


def test_a_mapped_name_found_in_no_row_is_refused_naming_it():
    with pytest.raises(FileRefused) as refused:
        ingest_file(
            messages_export(),
            file_name="留言.xlsx",
            kind="issues",
            mapping={"留言主题": "description", "办理时间": "found_on"},
        )
    assert str(refused.value) == (
        "列对应中指定的列名『办理时间』在文件前 30 行中都找不到，请核对列名是否与表头中的写法一致。"
    )


def test_a_mapped_name_on_another_row_than_the_header_is_refused_naming_both_rows():
    data = xlsx_bytes({"Sheet1": [["截至2026年11月15日", "办理时间"], MESSAGES_HEADER, ["1"] * 7]})
    with pytest.raises(FileRefused) as refused:
        ingest_file(data, file_name="留言.xlsx", kind="issues",
                    mapping={"留言主题": "description", "办理时间": "found_on"})  # fmt: skip
    assert "『办理时间』在第 1 行，而表头在第 2 行" in str(refused.value)


def review_list() -> bytes:
    """A software-review problem list: 问题序号 | 问题位置 | 问题说明 | 评审组 | 处理意见, and two empty
    sheets."""
    rows = [
        ["问题序号", "问题位置", "问题说明", "评审组", "处理意见"],
        [1, "1.1背景说明", "背景介绍过于简单，没有说明项目来源", "G", "接受，该段进行修改"],
        [2, None, "参考资料里的链接是否有效", "F", "接受"],
    ]
    return xlsx_bytes({"Sheet1": rows, "Sheet2": [], "Sheet3": []})


def test_a_review_list_is_refused_by_itself_and_as_issues_maps_its_explanation():
    with pytest.raises(FileRefused, match="未识别出台账类型"):
        ingest_file(review_list(), file_name="评审.xlsx")
    result = ingest_file(review_list(), file_name="评审.xlsx", kind="issues")
    assert result.columns["问题说明"] == "description"
    assert "问题序号" not in result.columns


def county_counts() -> bytes:
    """Per-county case counts with short county names and English 'county' header."""
    rows = [["county", "入库数(系统)", "现场处罚(系统)"], ["萧山", 2056, 155], ["临平", 45, 246]]
    return xlsx_bytes({"Sheet1": rows})


def test_county_statistics_are_refused_as_no_ledger_clearly():
    with pytest.raises(FileRefused) as refused:
        ingest_file(county_counts(), file_name="处罚统计.xlsx")
    assert str(refused.value) == (
        "未识别出台账类型：第 1 行表头（county、入库数(系统)、现场处罚(系统)）中没有创建单位、"
        "志愿者、问题整改、目标任务、测评结果或责任单位联系人台账的列名，请检查表头，或指定台账类型和列对应"
        "（命令行用 --kind 和 --map）。"
    )


def test_short_county_names_resolve_against_a_real_district_table():
    hangzhou = DistrictTable(
        tuple(District(n) for n in ("上城区", "萧山区", "余杭区", "临平区", "桐庐县", "建德市"))
    )
    assert [hangzhou.resolve(n) for n in ("萧山", "临平", "桐庐", "建德")] == [
        "萧山区",
        "临平区",
        "桐庐县",
        "建德市",
    ]


def test_a_message_quotes_at_most_forty_characters_of_a_cell():
    header = ["问题编号", "发现日期", "所属区县", "问题描述", "责任单位", "整改状态"]
    data = xlsx_bytes({"Sheet1": [header, ["Q1", "2026-11-02", REPLY, "占道", "城管局", "待整改"]]})
    city = DistrictTable((District("东湖区"),))
    result = ingest_file(data, file_name="q.xlsx", districts=city)
    [problem] = [p for p in result.problems if p.field == "district"]
    assert f"为 {REPLY[:QUOTE_LIMIT]}…，" in problem.message
    assert REPLY[: QUOTE_LIMIT + 1] not in problem.message
    assert problem.value == REPLY  # the raw value stays whole for the report


def test_snapshots_piped_into_head_ends_quietly(tmp_path: Path):
    import os

    env = {**os.environ, "CIVDASH_HOME": str(tmp_path)}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    env.pop("CIVDASH_DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "civdash", "snapshots"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader goes away before the first line (`| head -0`)
    error = process.stderr.read().decode()
    process.wait(timeout=120)
    assert error == ""
    assert process.returncode == 141


def test_the_cli_reports_rows_per_sheet_and_the_sheets_left_out(tmp_path: Path):
    import os

    from tests.io.helpers import fixture

    path = tmp_path / "问题.xlsx"
    path.write_bytes(fixture("issues_by_district.xlsx"))
    districts = tmp_path / "districts.json"
    districts.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "properties": {"name": n}, "geometry": None}
                    for n in ("东湖区", "南港区", "城关区")
                ],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    env = {**os.environ, "CIVDASH_HOME": str(tmp_path / "home")}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    done = subprocess.run(
        [sys.executable, "-m", "civdash", "ingest", str(path), "--districts", str(districts)],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "工作表：东湖区 等 3 个" in done.stdout
    assert "  工作表『南港区』：读取 2 行，有效 1 行" in done.stdout
    assert "  工作表『汇总』未读取：表头与工作表『东湖区』不同" in done.stdout
