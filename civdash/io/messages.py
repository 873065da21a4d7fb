"""What `civdash.io` tells the user, in one place: refusals and the reasons rows are skipped.

Every refusal is one Chinese sentence that says what is wrong and what to do; tests assert the text.
"""

from __future__ import annotations

ACCEPTED = ".xlsx / .xls / .ods / .csv"


class FileRefused(Exception):
    """The file cannot be read at all; `str(exc)` is one Chinese sentence with the reason."""


ENCRYPTED = "文件已加密，请取消密码后上传。"
EMPTY_FILE = "文件是空的（0 字节），请检查后重新上传。"
NO_DATA = "文件中没有任何数据，请检查是否上传了正确的文件。"
ZIP_BOMB = "文件解压后过大，疑似压缩炸弹，已拒绝。"
XML_ENTITIES = (
    "文件中含有不安全的 XML 实体声明（DOCTYPE/ENTITY），已拒绝，请用 Excel 或 WPS 重新保存后上传。"
)
CORRUPT_ZIP = "文件已损坏（压缩包无法打开），请用 Excel 或 WPS 重新保存后上传。"
CORRUPT = "文件已损坏或内容不完整，无法读取，请用 Excel 或 WPS 重新保存后上传。"
XLSB = f"暂不支持 Excel 二进制工作簿（.xlsb），请另存为 .xlsx 后上传（支持 {ACCEPTED}）。"
HEADER_ROW_NOT_POSITIVE = "表头行号必须是从 1 开始的正整数，请重新填写。"
UNKNOWN_ENCODING = "无法识别 CSV 文件的文字编码，请另存为“CSV UTF-8”格式后上传。"


def unrecognised(file_name: str | None = None, what: str | None = None) -> str:
    """Not a spreadsheet: "无法识别的文件格式，『报告.pdf』是 PDF 文件，请上传 .xlsx / … 文件。"."""
    subject = f"『{file_name}』" if file_name else "该文件"
    detail = f"{subject}是{what}" if what else f"{subject}不是表格文件"
    return f"无法识别的文件格式，{detail}，请上传 {ACCEPTED} 文件。"


def too_large(limit_bytes: int) -> str:
    return f"文件大小超过 {_megabytes(limit_bytes)} MB 的上限，请拆分后分批上传。"


def too_many_rows(rows: int, limit: int) -> str:
    return f"文件有 {rows} 行，超过 {limit} 行的上限，请拆分后分批上传。"


def no_such_sheet(sheet: str, names: tuple[str, ...]) -> str:
    listed = "、".join(f"『{n}』" for n in names) or "（无）"
    return f"文件中没有名为『{sheet}』的工作表，请从 {listed} 中选择。"


def header_row_out_of_range(row: int, last: int) -> str:
    return f"表头行号 {row} 超出范围，工作表共 {last} 行，请填写 1 到 {last} 之间的行号。"


def _megabytes(n: int) -> str:
    mb = n / (1024 * 1024)
    return f"{mb:.0f}" if mb >= 10 or mb == int(mb) else f"{mb:.1f}"


# Reasons a row is not data (RawTable.skipped); shown to the user next to the row number.
SKIP_BLANK = "空行"
SKIP_TOTAL = "合计行"
SKIP_FOOTER = "表尾（填报人、审核人、注释等）"
SKIP_AFTER_FOOTER = "表尾之后的内容"
SKIP_FORMULA = "数据下方只有公式结果（0 或空值）的行"


# Sheets of a workbook that were not read (RawTable.skipped_sheets).
SHEET_INSTRUCTIONS = "填表说明页，不是台账"
SHEET_HIDDEN = "隐藏的工作表"
NO_SHEET_CHOSEN = "没有选择任何工作表，请至少选择一个工作表。"


def sheet_other_layout(chosen: str) -> str:
    return f"表头与工作表『{chosen}』不同"


def mapped_not_found(source: str) -> str:
    """A column the user mapped by hand is nowhere in the file."""
    return f"列对应中指定的列名『{source}』在文件前 30 行中都找不到，请核对列名是否与表头中的写法一致。"


def mapped_elsewhere(source: str, row: int, header_row: int) -> str:
    """A column the user mapped by hand is on another row than the header the others are on."""
    return (
        f"列对应中指定的列名『{source}』在第 {row} 行，而表头在第 {header_row} 行，"
        "请只指定同一表头行中的列名。"
    )
