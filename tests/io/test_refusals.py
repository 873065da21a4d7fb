"""Files that cannot be read safely are refused with one Chinese sentence; nothing else happens."""

from __future__ import annotations

import io
import random
import struct
import zipfile

import pytest

from civdash.config import Settings
from civdash.io import FileRefused, read_table, sniff_format
from tests.io.helpers import fixture, rewrite_zip, xlsx_bytes, zip_part

ENCRYPTED = "文件已加密，请取消密码后上传。"
UNRECOGNISED = "无法识别的文件格式"
ACCEPTED = "请上传 .xlsx / .xls / .ods / .csv 文件。"
ZIP_BOMB = "文件解压后过大，疑似压缩炸弹，已拒绝。"


def _refusal(data: bytes, file_name: str | None = None, **kwargs: object) -> str:
    with pytest.raises(FileRefused) as caught:
        read_table(data, file_name, **kwargs)  # type: ignore[arg-type]
    return str(caught.value)


@pytest.mark.parametrize("name", ["encrypted.xlsx", "encrypted.xls", "encrypted.ods"])
def test_password_protected_files_are_refused_as_encrypted(name):
    assert _refusal(fixture(name), name) == ENCRYPTED


def test_encrypted_xlsx_is_refused_before_any_parser_runs():
    with pytest.raises(FileRefused, match=ENCRYPTED):
        sniff_format(fixture("encrypted.xlsx"), "encrypted.xlsx")


def _docx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        zf.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "what"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "报告.xlsx", "『报告.xlsx』是PDF 文件"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "截图.xls", "『截图.xls』是图片"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", None, "该文件是图片"),
        (_docx(), "台账.xlsx", "『台账.xlsx』是Word 文档"),
        (random.Random(7).randbytes(4096), "data.xls", "『data.xls』不是表格文件"),
    ],
    ids=["pdf", "png", "jpeg", "docx", "random"],  # the bytes of a zip differ by the second
)
def test_non_spreadsheets_are_refused_naming_the_accepted_formats(data, name, what):
    text = _refusal(data, name)
    assert text.startswith(UNRECOGNISED)
    assert what in text
    assert text.endswith(ACCEPTED)


def test_empty_file_is_refused():
    assert _refusal(b"", "空.xlsx") == "文件是空的（0 字节），请检查后重新上传。"


@pytest.mark.parametrize(
    "data",
    [
        b"\r\n\r\n  \r\n",
        xlsx_bytes({"Sheet1": []}),
    ],
    ids=["blank-csv", "empty-workbook"],
)
def test_file_without_any_cell_is_refused_as_no_data(data):
    assert _refusal(data) == "文件中没有任何数据，请检查是否上传了正确的文件。"


@pytest.mark.parametrize(
    ("limit", "shown"), [(1024 * 1024, "1 MB"), (int(2.5 * 1024 * 1024), "2.5 MB")]
)
def test_file_over_the_size_limit_is_refused_saying_the_limit(limit, shown):
    data = b"a,b\r\n" + b"1,2\r\n" * (limit // 5 + 1)
    text = _refusal(data, "big.csv", settings=Settings(max_file_bytes=limit))
    assert text == f"文件大小超过 {shown} 的上限，请拆分后分批上传。"


def test_file_path_over_the_size_limit_is_refused_before_reading(tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(b"x" * 2048)
    with pytest.raises(FileRefused, match="上限"):
        read_table(path, settings=Settings(max_file_bytes=1024))


@pytest.mark.parametrize(
    "name", ["volunteers_messy.xlsx", "volunteers_messy.xls", "issues_gbk.csv"]
)
def test_more_rows_than_the_limit_are_refused(name):
    text = _refusal(fixture(name), name, settings=Settings(max_rows=3))
    assert text.endswith("超过 3 行的上限，请拆分后分批上传。")


def test_corrupt_zip_is_refused_as_damaged():
    assert "已损坏" in _refusal(b"PK\x03\x04" + b"\x00" * 200, "坏.xlsx")


def test_truncated_xlsx_is_refused_as_damaged():
    data = fixture("volunteers_messy.xlsx")
    assert "已损坏" in _refusal(data[: len(data) // 2], "半个.xlsx")


def test_xls_with_broken_ole_structure_is_refused_as_damaged():
    data = fixture("volunteers_messy.xls")
    assert "已损坏" in _refusal(data[:1024], "坏.xls")


def test_xlsb_is_refused_with_a_save_as_hint():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(
            "[Content_Types].xml", "application/vnd.ms-excel.sheet.binary.macroEnabled.main"
        )
        zf.writestr("xl/workbook.bin", b"\x00")
    assert _refusal(buf.getvalue()).startswith(
        "暂不支持 Excel 二进制工作簿（.xlsb），请另存为 .xlsx 后上传"
    )


def test_xml_spreadsheet_2003_without_any_sheet_is_refused_as_no_data():
    # Excel 2003 XML is read (tests/io/test_spreadsheetml.py); an empty one holds no data
    data = (
        b'<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
        b'<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"></Workbook>'
    )
    assert _refusal(data, "导出.xls") == "文件中没有任何数据，请检查是否上传了正确的文件。"


# ---- zip bombs -------------------------------------------------------------------------------


def test_part_that_compresses_too_well_is_refused_as_zip_bomb():
    bomb = rewrite_zip(
        xlsx_bytes({"S": [["姓名"]]}), add={"xl/media/padding.bin": b"\x00" * (8 * 1024 * 1024)}
    )
    assert _refusal(bomb, "炸弹.xlsx") == ZIP_BOMB


def test_part_larger_than_the_unzipped_limit_is_refused_as_zip_bomb():
    rng = random.Random(3)
    data = rewrite_zip(
        xlsx_bytes({"S": [["姓名"]]}), add={"xl/media/big.bin": rng.randbytes(300_000)}
    )
    assert _refusal(data, settings=Settings(max_unzipped_bytes=200_000)) == ZIP_BOMB


def test_many_parts_adding_up_past_the_limit_are_refused_as_zip_bomb():
    rng = random.Random(4)
    parts = {f"xl/media/p{i}.bin": rng.randbytes(60_000) for i in range(5)}
    data = rewrite_zip(xlsx_bytes({"S": [["姓名"]]}), add=parts)
    assert _refusal(data, settings=Settings(max_unzipped_bytes=250_000)) == ZIP_BOMB


def _declare_size(data: bytes, name: str, size: int) -> bytes:
    """Rewrite the uncompressed size a zip declares for `name`, in its local and central headers."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo(name)
    struct.pack_into("<I", out, info.header_offset + 22, size)
    central = data.find(b"PK\x01\x02")
    while central >= 0:
        name_len = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46 : central + 46 + name_len] == name.encode():
            struct.pack_into("<I", out, central + 24, size)
        central = data.find(b"PK\x01\x02", central + 4)
    return bytes(out)


def test_part_lying_about_its_unpacked_size_is_refused_as_zip_bomb():
    honest = rewrite_zip(
        xlsx_bytes({"S": [["姓名"]]}), add={"xl/media/pad.bin": b"\x00" * (8 * 1024 * 1024)}
    )
    lying = _declare_size(honest, "xl/media/pad.bin", 1000)
    with zipfile.ZipFile(io.BytesIO(lying)) as zf:
        assert zf.getinfo("xl/media/pad.bin").file_size == 1000
    assert _refusal(lying, "谎报.xlsx") == ZIP_BOMB


def test_ratio_is_not_judged_for_small_parts():
    # a 500 KB part of zeros compresses ~1000:1 but is below the 1 MB floor
    data = rewrite_zip(
        xlsx_bytes(
            {
                "S": [
                    ["姓名", "所属区县", "注册日期", "服务时长"],
                    ["张三", "东湖区", "2026-01-01", 3],
                ]
            }
        ),
        add={"xl/media/padding.bin": b"\x00" * 500_000},
    )
    assert read_table(data).body.shape == (1, 4)


@pytest.mark.parametrize("name", ["volunteers_messy.ods"])
def test_ods_zip_bomb_is_refused(name):
    bomb = rewrite_zip(fixture(name), add={"Pictures/pad.bin": b"\x00" * (8 * 1024 * 1024)})
    assert _refusal(bomb, name) == ZIP_BOMB


# ---- XML entity tricks -----------------------------------------------------------------------

LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>\n'
)


@pytest.mark.parametrize(
    "part",
    ["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/workbook.xml", "docProps/core.xml"],
)
def test_xml_part_declaring_entities_is_refused(part):
    data = xlsx_bytes({"S": [["姓名", "服务时长"], ["张三", 3]]})
    original = zip_part(data, part).decode("utf-8")
    body = original.split("?>", 1)[1]
    tricked = rewrite_zip(data, {part: (LAUGHS + body).encode("utf-8")})
    assert "不安全的 XML 实体声明" in _refusal(tricked, "x.xlsx")


@pytest.mark.parametrize(
    "comment", ["x" * 50_000, "<a>" + "x" * 50_000], ids=["plain", "tag-inside"]
)
def test_entity_declaration_hidden_after_a_long_comment_is_refused(comment):
    data = xlsx_bytes({"S": [["姓名"], ["张三"]]})
    part = "xl/worksheets/sheet1.xml"
    body = zip_part(data, part).decode("utf-8").split("?>", 1)[1]
    padded = '<?xml version="1.0"?>\n<!--' + comment + "-->\n" + LAUGHS.split("\n", 1)[1] + body
    assert "不安全的 XML 实体声明" in _refusal(rewrite_zip(data, {part: padded.encode()}))


def test_utf16_xml_part_declaring_entities_is_refused():
    data = xlsx_bytes({"S": [["姓名"], ["张三"]]})
    part = "xl/sharedStrings.xml"
    body = zip_part(data, part).decode("utf-8").split("?>", 1)[1]
    text = '<?xml version="1.0" encoding="UTF-16"?>\n' + LAUGHS.split("\n", 1)[1] + body
    assert "不安全的 XML 实体声明" in _refusal(rewrite_zip(data, {part: text.encode("utf-16")}))


def test_ods_content_declaring_entities_is_refused():
    data = fixture("volunteers_messy.ods")
    body = zip_part(data, "content.xml").decode("utf-8").split("?>", 1)[1]
    tricked = rewrite_zip(data, {"content.xml": (LAUGHS + body).encode()})
    assert "不安全的 XML 实体声明" in _refusal(tricked, "x.ods")


# ---- user choices that do not fit the file --------------------------------------------------


def test_unknown_sheet_is_refused_listing_the_sheets():
    text = _refusal(fixture("volunteers_messy.xlsx"), sheet="汇总")
    assert (
        text
        == "文件中没有名为『汇总』的工作表，请从 『填表说明』、『志愿者台账』、『2025年数据』 中选择。"
    )


def test_header_row_beyond_the_sheet_is_refused():
    text = _refusal(xlsx_bytes({"S": [["姓名", "服务时长"], ["张三", 3]]}), header_row=40)
    assert text.startswith("表头行号 40 超出范围")


def test_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown ledger kind"):
        read_table(fixture("issues_gbk.csv"), kind="budgets")


@pytest.mark.parametrize("row", [0, -3])
def test_header_row_must_be_a_positive_number(row):
    text = _refusal(xlsx_bytes({"S": [["姓名"], ["张三"]]}), header_row=row)
    assert text == "表头行号必须是从 1 开始的正整数，请重新填写。"
