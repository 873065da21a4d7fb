"""测评结果 (`assessments`): a messy third-party 测评 workbook written by LibreOffice is read with
every row accounted for; 得分 / 失分 are derived from each other and checked; the template
round-trips; the command line reports the contract's keys; the kind is told apart from issues."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from civdash import upload as up
from civdash.districts import District, DistrictTable
from civdash.ingest import IngestResult, ingest_file
from civdash.io import read_table
from civdash.ledgers import LEDGER_KINDS, get_kind
from civdash.ledgers.issues import POINT_TYPES
from civdash.ledgers.matching import header_scores
from civdash.templates import example_rows, template_file_name, template_workbook
from tests.conftest import missing_system_tool

ROOT = Path(__file__).resolve().parents[2]
CITY = DistrictTable(
    (District("城关区", 60000), District("东湖区", 50000), District("南港区", 40000))
)
TITLE = "青澜市2026年11月模拟测评失分明细"
ROUND = "2026年11月模拟测评"

# the data rows of each district's sheet: 街道, 点位名称, 点位类型, 测评项目, 指标编号, 分值, 得分,
# 失分, 责任单位, 失分原因 (None leaves the cell blank)
SHEETS: dict[str, list[tuple[object, ...]]] = {
    "东湖区": [
        ("湖滨街道", "湖滨农贸市场", "农贸市场", "市场环境整洁", "3.2.1", 2, 1.5, None,
         "东湖区市场监管局", "东侧通道杂物堆放"),
        ("湖滨街道", "湖滨公园", "公园", "公益广告刊播", "4.1.2", 1, None, 1,
         "东湖区城管局", "未设置公益广告"),
        ("湖滨街道", "东湖小学", "学校", "校园周边秩序", "2.3.1", 1, 1, 0,
         "东湖区教育局", None),
        ("东湖街道", "东湖路口", "主要交通路口", "行人遵守交通信号", "2.1.4", 2, 1, 0.5,
         "市公安局交警支队", "行人闯红灯 3 起"),
        ("东湖街道", "东湖社区", "社区", "楼道整洁", "3.4.2", 0.5, None, 0.25,
         "东湖街道办事处", "楼道堆放杂物"),
    ],
    "南港区": [
        ("港口街道", "港口公交站", "公交站点", "站牌完好", "3.1.1", 1, None, 0.5,
         "南港区交通局", "站牌破损"),
        ("港口街道", "港口广场", "广场", "无乱张贴", "3.3.3", 1.5, 1.5, None,
         "南港区城管局", None),
        ("青石镇", "青石菜市场", "菜市场", "市场环境整洁", "3.2.1", 2, 0.8, 1.2,
         "南港区市场监管局", "地面积水，摊位外溢"),
    ],
}  # fmt: skip
DATA_ROWS = sum(len(rows) for rows in SHEETS.values())
INCONSISTENT = ("东湖区", 9)
"""(sheet, row in that sheet) of 东湖路口: 分值 2, 得分 1, 失分 0.5 do not add up."""


def _messy_workbook(path: Path) -> None:
    """What a third-party 测评 report looks like, one sheet per district (no 区县 column):

      1  title 青澜市2026年11月模拟测评失分明细 (merged A1:N1)
      2  序号 | 测评批次 | 测评日期 | 街道 | 点位名称 | 点位类型 | 测评项目 | 指标编号 | 测评结果 (merged
         over 3 columns) | 责任单位 | 失分原因; the other cells merged down over rows 2–3
      3  分值 | 得分 | 失分 under 测评结果
      4… data rows, a blank row and a 小计 row after the second, 合计 (formulas) at the end,
         then a blank row and the 填报人 footer.
    A 填表说明 sheet comes first."""
    wb = xlsxwriter.Workbook(str(path))
    bold = wb.add_format({"bold": True, "align": "center", "valign": "vcenter", "border": 1})
    title = wb.add_format({"bold": True, "font_size": 14, "align": "center"})
    day = wb.add_format({"num_format": "yyyy-mm-dd"})
    notes = wb.add_worksheet("填表说明")
    notes.write("A1", "说明：每个区县一张表，得分与失分至少填写一项。")
    top = ["序号", "测评批次", "测评日期", "街道", "点位名称", "点位类型", "测评项目", "指标编号"]
    after = ["责任单位", "失分原因"]
    for district, rows in SHEETS.items():
        ws = wb.add_worksheet(district)
        ws.merge_range("A1:M1", TITLE, title)
        for c, text in enumerate(top):
            ws.merge_range(1, c, 2, c, text, bold)
        ws.merge_range(1, 8, 1, 10, "测评结果", bold)
        ws.write_row(2, 8, ["分值", "得分", "失分"], bold)
        for c, text in enumerate(after, start=11):
            ws.merge_range(1, c, 2, c, text, bold)
        r = 3
        for n, row in enumerate(rows, start=1):
            ws.write_number(r, 0, n)
            ws.write_string(r, 1, ROUND)
            ws.write_datetime(r, 2, datetime(2026, 11, 10 + n % 3), day)
            for c, value in enumerate(row, start=3):
                if isinstance(value, str):
                    ws.write_string(r, c, value)
                elif value is not None:
                    ws.write_number(r, c, value)
            r += 1
            if n == 2:
                r += 1  # a blank row
                ws.write_string(r, 0, "小　计")
                ws.write_formula(r, 8, "=SUM(I4:I5)")
                r += 1
        ws.write_string(r, 0, "合计")
        for c in (8, 9, 10):
            col = "IJK"[c - 8]
            ws.write_formula(r, c, f"=SUM({col}4:{col}{r})")
        ws.write_string(r + 2, 0, "填报人：王敏　　审核人：李强　　填报日期：2026年11月15日")
    wb.close()


def _libreoffice_copy(src: Path, out_dir: Path, profile: Path) -> Path:
    """`src` opened and saved again as .xlsx by LibreOffice headless (its own profile, so a
    LibreOffice running elsewhere on the machine does not interfere)."""
    out_dir.mkdir()
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(out_dir),
            str(src),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return out_dir / f"{src.stem}.xlsx"


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("soffice") is None:
        missing_system_tool("LibreOffice 未安装：apt-get install libreoffice-calc")
    tmp = tmp_path_factory.mktemp("assessments")
    source = tmp / "测评失分明细.xlsx"
    _messy_workbook(source)
    return _libreoffice_copy(source, tmp / "libreoffice", tmp / "profile")


@pytest.fixture(scope="module")
def report(report_file: Path) -> IngestResult:
    return ingest_file(report_file.read_bytes(), file_name=report_file.name, districts=CITY)


def _row(result: IngestResult, location: str) -> dict[str, object]:
    rows = result.rows[result.rows["location"] == location]
    assert len(rows) == 1, location
    return rows.iloc[0].to_dict()


# ---------------------------------------------------------------- the LibreOffice workbook


def test_the_file_is_written_by_libreoffice(report_file: Path) -> None:
    with zipfile.ZipFile(report_file) as z:
        app = z.read("docProps/app.xml").decode("utf-8")
    assert "<Application>LibreOffice" in app
    assert openpyxl.load_workbook(report_file).sheetnames == ["填表说明", "东湖区", "南港区"]


def test_every_row_of_the_messy_report_is_accounted_for(report: IngestResult) -> None:
    assert report.kind == "assessments"
    assert report.rows_read == DATA_ROWS == 8
    assert report.rows_read == report.rows_valid + report.rows_invalid
    assert (report.rows_valid, report.rows_invalid) == (7, 1)
    assert [(s.name, s.rows_read, s.rows_valid) for s in report.sheets] == [
        ("东湖区", 5, 4),
        ("南港区", 3, 3),
    ]
    # 小计, 合计, the blank rows and the footer are no data: every location read is a data row
    expected = {row[1] for rows in SHEETS.values() for row in rows} - {"东湖路口"}
    assert set(report.rows["location"]) == expected
    assert not report.rows["location"].str.contains("计|填报人").any()


def test_subtotals_totals_blank_rows_and_the_footer_are_set_aside(report_file: Path) -> None:
    raw = read_table(report_file.read_bytes(), report_file.name)
    skipped = {raw.locate(row): reason for row, reason in raw.skipped}
    total, blank, footer = "合计行", "空行", "表尾（填报人、审核人、注释等）"
    assert skipped == {
        ("东湖区", 6): blank,
        ("东湖区", 7): total,  # 小　计, spaced with a full-width space
        ("东湖区", 11): total,
        ("东湖区", 12): blank,
        ("东湖区", 13): footer,
        ("南港区", 6): blank,
        ("南港区", 7): total,
        ("南港区", 9): total,
        ("南港区", 10): blank,
        ("南港区", 11): footer,
    }
    # every row below the two-row header is either data or set aside
    assert len(raw.body) + len(skipped) == (13 - 3) + (11 - 3)


def test_the_merged_header_is_combined_and_the_sheet_gives_the_district(
    report: IngestResult,
) -> None:
    columns = report.columns
    assert {columns[h] for h in columns} >= {
        "round",
        "assessed_on",
        "street",
        "location",
        "point_type",
        "item",
        "item_code",
        "full_points",
        "score",
        "points_lost",
        "responsible_unit",
        "description",
        "district",
    }
    assert [h for h, f in columns.items() if f == "district"] == ["工作表名称"]
    by_district = report.rows.groupby("district")["location"].apply(set).to_dict()
    assert by_district == {
        "东湖区": {"湖滨农贸市场", "湖滨公园", "东湖小学", "东湖社区"},
        "南港区": {"港口公交站", "港口广场", "青石菜市场"},
    }
    assert set(report.rows["round"]) == {ROUND}


def test_score_and_points_lost_are_derived_from_each_other(report: IngestResult) -> None:
    def figures(location: str) -> tuple[float, float, float]:
        row = _row(report, location)
        return row["full_points"], row["score"], row["points_lost"]  # type: ignore[return-value]

    assert figures("湖滨农贸市场") == (2, 1.5, 0.5)  # 失分 derived
    assert figures("湖滨公园") == (1, 0, 1)  # 得分 derived
    assert figures("东湖小学") == (1, 1, 0)  # both given, consistent
    assert figures("东湖社区") == (0.5, 0.25, 0.25)
    assert figures("港口公交站") == (1, 0.5, 0.5)
    assert figures("港口广场") == (1.5, 1.5, 0)
    assert figures("青石菜市场") == (2, 0.8, 1.2)
    assert _row(report, "湖滨农贸市场")["point_type"] == "集贸市场"
    assert _row(report, "东湖小学")["point_type"] == "中小学校"
    assert _row(report, "湖滨公园")["description"] == "未设置公益广告"


def test_an_inconsistent_row_is_reported_with_its_sheet_and_row_number(
    report: IngestResult,
) -> None:
    errors = [p for p in report.problems if p.severity == "error"]
    assert len(errors) == 1
    (p,) = errors
    sheet, row = INCONSISTENT
    assert (p.sheet, p.shown_row, p.field, p.value) == (sheet, row, "score", "1")
    assert p.message == (
        f"工作表『{sheet}』第 {row} 行『得分』为 1，与分值 2、失分 0.5 不符（分值 − 失分 = 1.5），"
        "请核对『得分』和『失分』，或只填其中一列。"
    )
    assert p.to_dict()["sheet"] == sheet and p.to_dict()["row"] == row


# ---------------------------------------------------------------- the row arithmetic


def _csv(*rows: str, header: str = "测评批次,测评日期,区县,点位,测评项目,分值,得分,失分") -> bytes:
    return ("\n".join((header, *rows)) + "\n").encode("utf-8")


def _ingest(data: bytes) -> IngestResult:
    return ingest_file(data, file_name="测评.csv", kind="assessments", districts=CITY)


def test_a_row_with_neither_score_nor_points_lost_is_an_error_naming_both() -> None:
    result = _ingest(_csv("11月测评,2026-11-12,东湖区,湖滨公园,公益广告,1,,"))
    assert result.rows_valid == 0
    assert [(p.row, p.field, p.message) for p in result.problems] == [
        (
            2,
            "score",
            "第 2 行『得分』与『失分』都为空，请至少填写『得分』或『失分』其中一列，"
            "另一列会按 得分 = 分值 − 失分 自动计算。",
        )
    ]


def test_figures_within_a_hundredth_agree_and_ranges_are_checked() -> None:
    result = _ingest(
        _csv(
            "11月测评,2026-11-12,东湖区,点位1,项目1,1,0.333,0.667",
            "11月测评,2026-11-12,东湖区,点位2,项目2,1,0.33,0.66",
            "11月测评,2026-11-12,东湖区,点位3,项目3,1,1.5,",
            "11月测评,2026-11-12,东湖区,点位4,项目4,1,,2",
            "11月测评,2026-11-12,东湖区,点位5,项目5,0,0,",
            "11月测评,2026-11-12,东湖区,点位6,项目6,2,-1,",
        )
    )
    assert result.rows["location"].tolist() == ["点位1"]
    assert [(p.row, p.field, p.message) for p in result.problems] == [
        (
            3,
            "score",
            "第 3 行『得分』为 0.33，与分值 1、失分 0.66 不符（分值 − 失分 = 0.34），"
            "请核对『得分』和『失分』，或只填其中一列。",
        ),
        (4, "score", "第 4 行『得分』为 1.5，超过分值 1，得分应在 0 到分值之间，请核对后重新上传。"),
        (5, "points_lost", "第 5 行『失分』为 2，超过分值 1，失分应在 0 到分值之间，请核对后重新上传。"),
        (6, "full_points", "第 6 行『分值』为 0，应大于 0，请填写该测评项目的分值（满分），如 2 或 0.5。"),
        (7, "score", "第 7 行『得分』为 -1，不能为负数，得分应在 0 到分值之间，请核对后重新上传。"),
    ]  # fmt: skip


def test_a_report_with_only_a_points_lost_column_derives_the_score() -> None:
    header = "测评轮次,测评时间,区县,点位名称,失分项目,标准分,扣分值,扣分原因,测评机构"
    result = _ingest(
        _csv("第三轮,2026-11-12,东湖,湖滨公园,公益广告,2,0.5,缺失,某公司", header=header)
    )
    assert result.problems == []
    row = result.rows.iloc[0]
    assert (row["district"], row["score"], row["points_lost"]) == ("东湖区", 1.5, 0.5)
    assert (row["description"], row["assessor"]) == ("缺失", "某公司")


def test_a_header_without_score_and_points_lost_is_refused_for_every_row() -> None:
    header = "测评批次,测评日期,区县,点位,测评项目,分值"
    result = _ingest(_csv("11月测评,2026-11-12,东湖区,湖滨公园,公益广告,1", header=header))
    assert result.rows_valid == 0 and result.rows_invalid == 1
    assert [(p.row, p.message) for p in result.problems] == [
        (
            1,
            "表头中缺少『得分』或『失分』列，至少要有其中一列，请在表头中添加，或在列对应关系中指定。",
        )
    ]


def test_the_upload_review_names_the_missing_pair_before_anything_else() -> None:
    header = "测评批次,测评日期,区县,点位,测评项目,分值"
    data = _csv("11月测评,2026-11-12,东湖区,湖滨公园,公益广告,1", header=header)
    review = up.Workbench().check(
        up.Upload.of("测评.csv", data), up.FileChoice(kind="assessments"), CITY
    )
    assert review.missing_required == ["得分或失分"]
    assert up.missing_required_message(review).startswith(
        "缺少必填列『得分或失分』，所有行都无法导入。"
    )


# ---------------------------------------------------------------- kind, template, command line


def test_auto_detection_tells_a_test_report_from_an_issue_ledger() -> None:
    report = [
        "序号",
        "点位名称",
        "点位类型",
        "测评内容",
        "分值",
        "得分",
        "失分",
        "存在问题",
        "责任单位",
    ]
    issues = ["序号", "发现日期", "区县", "点位", "点位类型", "存在问题", "责任单位", "整改状态"]
    for header, kind in ((report, "assessments"), (issues, "issues")):
        scores = header_scores(header)
        assert max(scores, key=lambda k: scores[k]) == kind, header
    data = _csv("11月测评,2026-11-12,东湖区,湖滨公园,公益广告,1,,1")
    assert ingest_file(data, file_name="测评.csv", districts=CITY).kind == "assessments"


def test_the_template_round_trips_and_lists_the_point_types() -> None:
    assert "assessments" in LEDGER_KINDS
    examples = example_rows("assessments", CITY.names)
    data = template_workbook("assessments", CITY.names, rows=examples)
    result = ingest_file(data, file_name=template_file_name("assessments"), districts=CITY)
    assert (result.kind, result.problems, result.rows_valid) == ("assessments", [], len(examples))
    wb = openpyxl.load_workbook(io.BytesIO(data))
    lists = {col[0].value: [c.value for c in col[1:] if c.value] for col in wb["选项"].iter_cols()}
    assert lists["点位类型"] == list(POINT_TYPES)
    assert lists["所属区县"] == list(CITY.names)
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[1]]
    column = openpyxl.utils.get_column_letter(headers.index("点位类型") + 1)
    kinds = {
        str(dv.sqref).split(":")[0].rstrip("0123456789"): dv
        for dv in ws.data_validations.dataValidation
    }
    assert kinds[column].type == "list" and "选项" in kinds[column].formula1
    assert headers[:2] == ["*测评批次", "*测评日期"] and "得分" in headers and "失分" in headers


def test_the_kind_reuses_the_issue_point_types_and_declares_its_rules() -> None:
    k = get_kind("assessments")
    assert k.field("point_type").vocabulary is get_kind("issues").field("point_type").vocabulary
    assert k.composite_key == ("round", "district", "location", "item")
    assert k.one_of == (("score", "points_lost"),)
    assert k.sheet_fields[0] == "district" and k.dated and k.narrow_by == "district"
    assert k.required == ("round", "assessed_on", "district", "location", "item", "full_points")


def test_command_line_ingest_prints_the_contract_json(report_file: Path, tmp_path: Path) -> None:
    env = {**os.environ, "CIVDASH_HOME": str(tmp_path / "home"), "PYTHONPATH": str(ROOT)}
    env.pop("CIVDASH_DATABASE_URL", None)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "civdash",
            "ingest",
            str(report_file),
            "--kind=assessments",
            "--json",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert {
        "kind",
        "sheet",
        "header_row",
        "rows_read",
        "rows_valid",
        "rows_invalid",
        "columns",
        "as_of",
        "problems",
    } <= set(out)
    assert (out["kind"], out["rows_read"], out["rows_valid"], out["rows_invalid"]) == (
        "assessments",
        8,
        7,
        1,
    )
    (problem,) = out["problems"]
    assert {"row", "field", "value", "message", "severity"} <= set(problem)
    assert (problem["sheet"], problem["row"], problem["field"]) == (*INCONSISTENT, "score")


# ---------------------------------------------------------------- rounds add up, snapshot by snapshot


def test_a_report_without_a_dated_title_is_as_of_its_last_assessment_day() -> None:
    result = _ingest(
        _csv(
            "11月测评,2026-11-12,东湖区,点位1,项目1,1,1,",
            "11月测评,2026-11-19,南港区,点位2,项目2,1,0.5,",
            "11月测评,2026-11-05,城关区,点位3,项目3,1,,0",
        )
    )
    assert result.as_of is not None and result.as_of.isoformat() == "2026-11-19"


def test_a_months_round_with_fewer_rows_and_districts_adds_to_the_rounds_before_it(
    tmp_path: Path,
) -> None:
    """A report of one round replaces nothing, so the shrink check (a file that silently drops
    districts or rows) does not hold it; both rounds stay in force."""
    from civdash.assessments import load_rounds
    from civdash.store import Store

    october = _csv(
        *(
            f"10月测评,2026-10-{10 + i},{d},点位{i},项目{i},1,1,"
            for i, d in enumerate(["城关区", "东湖区", "南港区"] * 4)
        )
    )
    november = _csv("11月测评,2026-11-12,东湖区,点位1,项目1,1,0.5,")
    with Store(f"sqlite:///{tmp_path / 'civdash.sqlite'}") as store:
        store.commit(_ingest(october), october, committed_by="测评员")
        outcome = store.commit(_ingest(november), november, committed_by="测评员")
        current = store.current("assessments")
        assert current is not None and current.id == outcome.snapshot.id
        assert current.as_of.isoformat() == "2026-11-12"
        rounds = load_rounds(store)
    assert rounds is not None
    assert rounds.groupby("round").size().to_dict() == {"10月测评": 12, "11月测评": 1}
