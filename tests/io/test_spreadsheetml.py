"""Excel 2003 XML spreadsheets ("XML 电子表格 2003", saved as .xls by web systems) are read like
any other workbook: every sheet, typed cells, merged cells, through a parser that refuses entities.

issues_xml2003.xls is written by LibreOffice's "Microsoft Excel 2003 XML" filter (see
make_fixtures.issues_xml2003): an instruction sheet, then a 问题整改台账 with a title, a two-row
merged header, 所属区县 merged down over data rows, a 合计 row and a 填报人 footer. The hand-written
workbook below is shaped like Excel's own output: a hidden sheet, sparse ss:Index rows and cells,
rich text, a Boolean and an Error cell, a comment.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from civdash.config import Settings
from civdash.districts import District, DistrictTable
from civdash.ingest import ingest_file
from civdash.io import FileRefused, list_sheets, read_table, sniff_format, spreadsheetml
from civdash.io.spreadsheetml import read_spreadsheetml
from tests.io.helpers import FIXTURES, fixture

LIBREOFFICE_FILE = "issues_xml2003.xls"
CITY = DistrictTable((District("东湖区", 1), District("南港区", 1)))
XML_ENTITIES = (
    "文件中含有不安全的 XML 实体声明（DOCTYPE/ENTITY），已拒绝，请用 Excel 或 WPS 重新保存后上传。"
)
CORRUPT = "文件已损坏或内容不完整，无法读取，请用 Excel 或 WPS 重新保存后上传。"
ISSUE_HEADERS = (
    "序号",
    "问题编号",
    "发现日期",
    "所属区县",
    "具体点位",
    "问题描述",
    "责任单位",
    "整改时限",
    "整改状态",
    "整改完成日期",
    "扣分",
)
FOUND, DISTRICT, LOCATION, DESCRIPTION, DONE, POINTS = 2, 3, 4, 5, 9, 10

PROLOGUE = """<?xml version="1.0"?>
<?mso-application progid="Excel.Sheet"?>
"""
WORKBOOK_OPEN = """<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"
 xmlns:o="urn:schemas-microsoft-com:office:office"
 xmlns:x="urn:schemas-microsoft-com:office:excel"
 xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"
 xmlns:html="http://www.w3.org/TR/REC-html40">
"""

# Excel's layout: a hidden sheet naming more volunteer fields than the visible one, then the
# visible ledger (written with ss: prefixes, as some Java exporters do). Row 3 skips 所属区县 and
# 注册日期 with ss:Index; row 5 is reached with Row ss:Index (row 4 absent); 姓名 on row 3 is rich
# text; 服务时长 on row 5 is an Error cell; 备注 on row 2 carries a comment.
HAND_WRITTEN = (
    PROLOGUE
    + WORKBOOK_OPEN
    + """ <DocumentProperties xmlns="urn:schemas-microsoft-com:office:office">
  <Author>export</Author><Created>2026-11-15T08:00:00Z</Created>
 </DocumentProperties>
 <Styles><Style ss:ID="Default" ss:Name="Normal"><Font ss:FontName="宋体"/></Style></Styles>
 <Worksheet ss:Name="2025年数据">
  <Table>
   <Row>
    <Cell><Data ss:Type="String">志愿者编号</Data></Cell>
    <Cell><Data ss:Type="String">姓名</Data></Cell>
    <Cell><Data ss:Type="String">性别</Data></Cell>
    <Cell><Data ss:Type="String">所属区县</Data></Cell>
    <Cell><Data ss:Type="String">注册日期</Data></Cell>
    <Cell><Data ss:Type="String">累计服务时长（小时）</Data></Cell>
    <Cell><Data ss:Type="String">是否党员</Data></Cell>
   </Row>
   <Row>
    <Cell><Data ss:Type="String">V001</Data></Cell>
    <Cell><Data ss:Type="String">赵敏</Data></Cell>
   </Row>
  </Table>
  <WorksheetOptions xmlns="urn:schemas-microsoft-com:office:excel">
   <Visible>SheetHidden</Visible>
  </WorksheetOptions>
 </Worksheet>
 <ss:Worksheet ss:Name="志愿者">
  <ss:Table ss:ExpandedColumnCount="6" ss:ExpandedRowCount="6">
   <ss:Row>
    <ss:Cell><ss:Data ss:Type="String">姓名</ss:Data></ss:Cell>
    <ss:Cell><ss:Data ss:Type="String">所属区县</ss:Data></ss:Cell>
    <ss:Cell><ss:Data ss:Type="String">注册日期</ss:Data></ss:Cell>
    <ss:Cell><ss:Data ss:Type="String">服务时长</ss:Data></ss:Cell>
    <ss:Cell><ss:Data ss:Type="String">是否党员</ss:Data></ss:Cell>
    <ss:Cell><ss:Data ss:Type="String">备注</ss:Data></ss:Cell>
   </ss:Row>
   <ss:Row>
    <ss:Cell><ss:Data ss:Type="String">李娜</ss:Data></ss:Cell>
    <ss:Cell><ss:Data ss:Type="String">东湖区</ss:Data></ss:Cell>
    <ss:Cell><ss:Data ss:Type="DateTime">2025-06-18T00:00:00.000</ss:Data></ss:Cell>
    <ss:Cell><ss:Data ss:Type="Number">36.5</ss:Data></ss:Cell>
    <ss:Cell><ss:Data ss:Type="Boolean">1</ss:Data></ss:Cell>
    <ss:Cell><ss:Data ss:Type="String">已核验</ss:Data><ss:Comment ss:Author="审核">
     <ss:Data xmlns="http://www.w3.org/TR/REC-html40"><B>审核：</B>批注不是单元格的值</ss:Data>
    </ss:Comment></ss:Cell>
   </ss:Row>
   <ss:Row>
    <ss:Cell><ss:Data ss:Type="String"
      xmlns="http://www.w3.org/TR/REC-html40"><B>王</B><html:Font html:Color="#FF0000">芳</html:Font></ss:Data></ss:Cell>
    <ss:Cell ss:Index="4"><ss:Data ss:Type="Number">12</ss:Data></ss:Cell>
    <ss:Cell><ss:Data ss:Type="Boolean">0</ss:Data></ss:Cell>
   </ss:Row>
   <ss:Row ss:Index="5">
    <ss:Cell><ss:Data ss:Type="String">刘洋</ss:Data></ss:Cell>
    <ss:Cell><ss:Data ss:Type="String">南港区</ss:Data></ss:Cell>
    <ss:Cell><ss:Data ss:Type="DateTime">2023-11-05T00:00:00.000</ss:Data></ss:Cell>
    <ss:Cell ss:Formula="=1/0"><ss:Data ss:Type="Error">#DIV/0!</ss:Data></ss:Cell>
    <ss:Cell ss:Index="6"><ss:Data ss:Type="String">时长待补</ss:Data></ss:Cell>
   </ss:Row>
  </ss:Table>
  <x:WorksheetOptions><x:Selected/></x:WorksheetOptions>
 </ss:Worksheet>
</Workbook>
"""
)


def workbook(rows: str, options: str = "", prologue: str = PROLOGUE) -> bytes:
    """One sheet named S holding `rows` (the <Row> elements)."""
    return (
        prologue
        + WORKBOOK_OPEN
        + f'<Worksheet ss:Name="S"><Table>{rows}</Table>{options}</Worksheet></Workbook>'
    ).encode()


def row(*cells: str, attrs: str = "") -> str:
    return f"<Row{attrs}>{''.join(cells)}</Row>"


def cell(value: str, attrs: str = "", kind: str = "String") -> str:
    return f'<Cell{attrs}><Data ss:Type="{kind}">{value}</Data></Cell>'


def refusal(data: bytes) -> str:
    with pytest.raises(FileRefused) as caught:
        read_table(data, "导出.xls")
    return str(caught.value)


@pytest.fixture(scope="module")
def issues():
    return read_table(FIXTURES / LIBREOFFICE_FILE)


@pytest.fixture(scope="module")
def volunteers():
    return read_table(HAND_WRITTEN.encode(), "志愿者导出.xls")


def values(raw, c):
    return [None if pd.isna(v) else v for v in raw.body[c]]


# ---- the LibreOffice-written ledger ------------------------------------------------------------


def test_format_is_taken_from_the_content_whatever_the_extension():
    data = fixture(LIBREOFFICE_FILE)
    assert sniff_format(data, "台账.xls") == "xml2003"
    assert read_table(data, "renamed.xlsx").file_format == "xml2003"


def test_ledger_sheet_wins_over_the_instruction_sheet(issues):
    assert issues.sheet == "问题整改台账"
    assert issues.sheets == ("填表说明", "问题整改台账")
    assert list_sheets(fixture(LIBREOFFICE_FILE)) == [("填表说明", True), ("问题整改台账", True)]


def test_two_row_merged_header_is_combined(issues):
    assert (issues.header_row, issues.header_rows) == (2, 2)
    assert issues.headers == ISSUE_HEADERS
    assert max(issues.kind_scores, key=issues.kind_scores.__getitem__) == "issues"


def test_as_of_date_and_title_come_from_the_merged_title_row(issues):
    assert issues.as_of == dt.date(2026, 11, 15)
    assert issues.title == "北岭市文明城市创建问题整改台账（截至2026年11月15日）"


def test_total_blank_and_footer_rows_are_set_aside(issues):
    assert issues.skipped == (
        (9, "合计行"),
        (10, "空行"),
        (11, "表尾（填报人、审核人、注释等）"),
    )
    assert list(issues.body.index) == [4, 5, 6, 7, 8]


def test_district_merged_down_over_data_rows_fills_every_row(issues):
    assert values(issues, DISTRICT) == ["东湖区", "东湖区", "东湖区", "南港区", "南港区"]


def test_cells_right_of_a_merged_district_stay_in_their_columns(issues):
    # LibreOffice numbers the cells of rows 5-6 and 8 without the covered 所属区县 column, and
    # row 6 has an empty 具体点位: read as numbered, 问题描述 would land in 具体点位
    assert values(issues, LOCATION) == ["湖滨市场", "湖滨公园", None, "港口公交站", "港口广场"]
    assert values(issues, DESCRIPTION)[2] == "占道经营"
    assert values(issues, DONE) == [
        None,
        pd.Timestamp(2026, 11, 4),
        None,
        None,
        pd.Timestamp(2026, 11, 12),
    ]


def test_dates_are_datetimes_and_numbers_are_floats(issues):
    body = issues.body
    assert pd.api.types.is_datetime64_any_dtype(body[FOUND])
    assert body.at[4, FOUND] == pd.Timestamp(2026, 11, 2)
    assert body[POINTS].dtype == "float64"
    assert list(body[POINTS]) == [0.5, 1.0, 2.0, 1.0, 0.5]
    # 序号 shares its column with the 合计 label, so it is text, as for the other formats
    assert list(body[0]) == ["1", "2", "3", "4", "5"]


def test_ingest_gives_valid_issue_rows():
    result = ingest_file(FIXTURES / LIBREOFFICE_FILE, districts=CITY)
    assert result.kind == "issues"
    assert (result.rows_valid, result.rows_invalid) == (5, 0)
    assert result.problems == []
    assert result.as_of == dt.date(2026, 11, 15)
    rows = result.rows.set_index("issue_id")
    assert list(rows["source_row"]) == [4, 5, 6, 7, 8]
    assert list(rows["district"]) == ["东湖区", "东湖区", "东湖区", "南港区", "南港区"]
    assert list(rows["status"]) == ["整改中", "已整改", "待整改", "整改中", "已整改"]
    assert rows.at["WT-001", "deadline"] == pd.Timestamp(2026, 11, 9)  # 7天
    assert rows.at["WT-002", "deadline"] == pd.Timestamp(2026, 11, 4)  # 立行立改
    assert rows.at["WT-004", "deadline"] == pd.Timestamp(2026, 11, 20)  # 10个工作日
    assert rows.at["WT-005", "rectified_on"] == pd.Timestamp(2026, 11, 12)
    assert pd.isna(rows.at["WT-003", "location"])


def test_more_rows_than_the_limit_are_refused():
    with pytest.raises(FileRefused, match="超过 3 行的上限，请拆分后分批上传。"):
        read_table(fixture(LIBREOFFICE_FILE), settings=Settings(max_rows=3))


def test_a_row_indexed_far_beyond_the_limit_is_refused_with_its_number():
    data = workbook(row(cell("姓名")) + row(cell("张三"), attrs=' ss:Index="1000000"'))
    with pytest.raises(FileRefused) as caught:
        read_table(data, settings=Settings(max_rows=100))
    assert str(caught.value) == "文件有 1000000 行，超过 100 行的上限，请拆分后分批上传。"


def test_values_far_right_on_many_rows_are_refused_before_filling_memory(monkeypatch):
    monkeypatch.setattr(spreadsheetml, "MAX_GRID_CELLS", 1000)
    rows = "".join(row(cell("x", ' ss:Index="300"')) for _ in range(4))
    assert refusal(workbook(rows)) == CORRUPT


# ---- the hand-written workbook ----------------------------------------------------------------


def test_hidden_sheet_loses_to_the_visible_one(volunteers):
    assert volunteers.file_format == "xml2003"
    assert volunteers.sheet == "志愿者"
    assert volunteers.sheets == ("2025年数据", "志愿者")
    assert list_sheets(HAND_WRITTEN.encode()) == [("2025年数据", False), ("志愿者", True)]


def test_user_can_pick_the_hidden_sheet():
    raw = read_table(HAND_WRITTEN.encode(), sheet="2025年数据")
    assert raw.headers[0] == "志愿者编号"
    assert values(raw, 1) == ["赵敏"]


def test_sparse_rows_and_cells_land_in_their_columns(volunteers):
    assert volunteers.headers == ("姓名", "所属区县", "注册日期", "服务时长", "是否党员", "备注")
    assert list(volunteers.body.index) == [2, 3, 5]
    assert volunteers.skipped == ((4, "空行"),)
    assert values(volunteers, 1) == ["东湖区", None, "南港区"]
    assert values(volunteers, 2) == [pd.Timestamp(2025, 6, 18), None, pd.Timestamp(2023, 11, 5)]
    assert values(volunteers, 5) == ["已核验", None, "时长待补"]


def test_rich_text_is_plain_text_and_comments_are_not_values(volunteers):
    assert values(volunteers, 0) == ["李娜", "王芳", "刘洋"]
    assert volunteers.body.at[2, 5] == "已核验"


def test_boolean_and_error_cells(volunteers):
    assert values(volunteers, 4) == [True, False, None]
    # the error text sits among numbers, so the column is text, as Excel shows it
    assert values(volunteers, 3) == ["36.5", "12", "#DIV/0!"]


def test_cell_values_are_typed_by_ss_type():
    data = workbook(
        row(
            cell("张三"),
            cell("3", kind="Number"),
            cell("2026-11-15T08:30:00.000", kind="DateTime"),
            cell("1", kind="Boolean"),
            cell("#N/A", kind="Error"),
            cell("", kind="String"),
            cell("1.5E-2", kind="Number"),
        )
    )
    (sheet,) = read_spreadsheetml(data)
    assert sheet.rows == [
        ["张三", 3.0, dt.datetime(2026, 11, 15, 8, 30), True, "#N/A", None, 0.015]
    ]


# ---- where cells land ----------------------------------------------------------------------------


def test_merges_are_zero_based_inclusive_ranges():
    data = workbook(
        row(cell("标题", ' ss:MergeAcross="2"'))
        + row(cell("区县", ' ss:MergeDown="2"'), cell("点位"), cell("状态"))
        + row(cell("甲", ' ss:Index="2" ss:MergeAcross="1" ss:MergeDown="1"'))
    )
    (sheet,) = read_spreadsheetml(data)
    assert sheet.merges == [(0, 0, 0, 2), (1, 0, 3, 0), (2, 1, 3, 2)]


@pytest.mark.parametrize(
    "second_row",
    [
        row(cell("港口", ' ss:Index="2"'), cell("已整改")),
        row("<Cell/>", cell("港口"), cell("已整改")),
    ],
    ids=["index", "empty-placeholder"],
)
def test_excel_numbering_counts_the_column_covered_from_above(second_row):
    # as Excel writes it: ss:Index counts every column, the covered one included (some writers
    # put an empty cell there instead)
    data = workbook(
        row(cell("东湖区", ' ss:MergeDown="1"'), cell("湖滨"), cell("待整改")) + second_row
    )
    (sheet,) = read_spreadsheetml(data)
    assert sheet.rows == [["东湖区", "湖滨", "待整改"], [None, "港口", "已整改"]]


def test_cells_numbered_without_covered_columns_are_placed_after_them():
    # as LibreOffice writes it: unindexed cells and ss:Index both skip the covered column
    data = workbook(
        row(cell("1"), cell("东湖区", ' ss:MergeDown="2"'), cell("湖滨"), cell("积水"), cell("7天"))
        + row(cell("2"), cell("公园"), cell("破损"), cell("3天"))
        + row(cell("3"), cell("占道", ' ss:Index="3"'))
    )
    (sheet,) = read_spreadsheetml(data)
    assert sheet.rows == [
        ["1", "东湖区", "湖滨", "积水", "7天"],
        ["2", None, "公园", "破损", "3天"],
        ["3", None, None, "占道"],
    ]


@pytest.mark.parametrize(
    ("options", "visible"),
    [
        ("", True),
        (
            '<WorksheetOptions xmlns="urn:schemas-microsoft-com:office:excel">'
            "<Visible>SheetVeryHidden</Visible></WorksheetOptions>",
            False,
        ),
        ("<x:WorksheetOptions><x:Visible>SheetHidden</x:Visible></x:WorksheetOptions>", False),
    ],
)
def test_sheet_visibility_comes_from_the_worksheet_options(options, visible):
    (sheet,) = read_spreadsheetml(workbook(row(cell("姓名")), options))
    assert sheet.visible is visible


def test_gbk_declared_workbook_is_read():
    text = workbook(row(cell("姓名"), cell("所属区县")) + row(cell("张三"), cell("东湖区")))
    data = text.decode().replace('version="1.0"?>', 'version="1.0" encoding="GBK"?>', 1)
    raw = read_table(data.encode("gbk"), "导出.xls")
    assert raw.headers == ("姓名", "所属区县")
    assert values(raw, 1) == ["东湖区"]


def test_trailing_empty_cells_far_right_do_not_widen_the_table():
    # LibreOffice ends every row with an empty cell in column 16384
    data = workbook(row(cell("姓名"), '<Cell ss:Index="16384"/>'))
    (sheet,) = read_spreadsheetml(data)
    assert sheet.rows == [["姓名"]]


# ---- refusals ----------------------------------------------------------------------------------

LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE Workbook [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>\n'
)
PASSWD = (
    '<?xml version="1.0"?>\n<!DOCTYPE Workbook [<!ENTITY passwd SYSTEM "file:///etc/passwd">]>\n'
)


@pytest.mark.parametrize(
    ("prologue", "value"),
    [(LAUGHS, "&lol3;"), (PASSWD, "&passwd;"), ('<!DOCTYPE Workbook SYSTEM "x.dtd">\n', "x")],
    ids=["billion-laughs", "external-entity", "doctype-only"],
)
def test_workbook_declaring_a_doctype_or_entities_is_refused(prologue, value):
    rows = row(cell("姓名"), cell("所属区县")) + row(cell(value), cell("东湖区"))
    data = workbook(rows, prologue=prologue)
    assert sniff_format(data) == "xml2003"  # taken for a workbook, so the parser refuses it
    assert refusal(data) == XML_ENTITIES
    with pytest.raises(FileRefused, match="实体声明"):
        list_sheets(data)


def test_utf16_workbook_declaring_entities_is_refused():
    text = LAUGHS.replace('version="1.0"', 'version="1.0" encoding="UTF-16"') + WORKBOOK_OPEN
    text += '<Worksheet ss:Name="S"><Table><Row><Cell><Data ss:Type="String">&lol3;</Data>'
    text += "</Cell></Row></Table></Worksheet></Workbook>"
    assert refusal(text.encode("utf-16")) == XML_ENTITIES


@pytest.mark.parametrize(
    "data",
    [
        workbook(row(cell("姓名")))[:-40],
        workbook(row(cell("姓名")) + "<Row><Cell></Row>"),
        workbook(row(cell("姓名", ' ss:Index="B"'))),
        workbook(row(cell("姓名", ' ss:Index="16385"'))),
        workbook(row(cell("姓名"), cell("所属区县", ' ss:Index="1"'))),
        workbook(
            row(cell("姓名"), attrs=' ss:Index="3"') + row(cell("张三"), attrs=' ss:Index="2"')
        ),
    ],
    ids=[
        "truncated",
        "unbalanced",
        "bad-index",
        "beyond-the-last-column",
        "cell-index-going-back",
        "row-index-going-back",
    ],
)
def test_malformed_workbook_is_refused_as_damaged(data):
    assert refusal(data) == CORRUPT


def test_workbook_without_any_sheet_is_refused_as_no_data():
    data = (PROLOGUE + WORKBOOK_OPEN + "</Workbook>").encode()
    assert refusal(data) == "文件中没有任何数据，请检查是否上传了正确的文件。"
