"""Text files: guessing the encoding Chinese offices use, and reading CSV into rows.

Excel in China saves "CSV" as GBK (GB18030 covers it), "CSV UTF-8" with a BOM, and "Unicode text"
as UTF-16 with a BOM and tabs; WPS and web systems add UTF-8 without a BOM.
"""

from __future__ import annotations

import codecs
import csv
import io
import re

import pandas as pd

from civdash.io import messages as msg
from civdash.io.messages import FileRefused

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 26))
_DELIMITERS = (",", "\t", ";", "|")


def _bom_codec(data: bytes) -> str | None:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return codec
    return None


def _utf16_without_bom(head: bytes) -> str | None:
    """UTF-16 text without a BOM has a NUL in every other byte (for the ASCII characters)."""
    if len(head) < 4:
        return None
    even = head[0::2].count(0)
    odd = head[1::2].count(0)
    half = len(head) // 2
    if odd > 0.3 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.3 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def looks_binary(head: bytes) -> bool:
    """Control characters (other than tab, newlines) mean this is not a text file."""
    if _bom_codec(head) or _utf16_without_bom(head):
        return False
    if not head:
        return False
    controls = len(head) - len(head.translate(None, _CONTROL))
    return controls > max(2, len(head) // 100)


def decode_head(head: bytes) -> str | None:
    """Decode the start of a text file for sniffing; None when no Chinese encoding fits."""
    codec = _bom_codec(head) or _utf16_without_bom(head)
    if codec:
        return head.decode(codec, errors="ignore")
    for codec in ("utf-8", "gb18030"):
        try:
            return codecs.getincrementaldecoder(codec)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
    return None


def decode_text(data: bytes) -> tuple[str, str]:
    """The whole text and the encoding it was read with ("utf-8", "utf-8-sig", "gbk", "gb18030",
    "utf-16" …). Raises `FileRefused` when no encoding fits."""
    codec = _bom_codec(data) or _utf16_without_bom(data[:8192])
    if codec:
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError as exc:
            raise FileRefused(msg.UNKNOWN_ENCODING) from exc
    for codec in ("utf-8", "gbk", "gb18030"):
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError:
            continue
    raise FileRefused(msg.UNKNOWN_ENCODING)


def sniff_delimiter(sample: str) -> str:
    """The delimiter that splits the widest line of the sample (comma on ties)."""
    lines = sample.splitlines()[:50]
    best, best_count = ",", 0
    for d in _DELIMITERS:
        count = max((line.count(d) for line in lines), default=0)
        if count > best_count:
            best, best_count = d, count
    return best


def split_records(text: str, delimiter: str, limit: int) -> tuple[list[list[str]], int]:
    """The first `limit` CSV records and the number of physical lines they span."""
    if limit <= 0:
        return [], 0
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows: list[list[str]] = []
    for record in reader:
        rows.append(record)
        if len(rows) >= limit:
            break
    return rows, reader.line_num


def line_offset(text: str, lines: int) -> int:
    """Character offset where physical line `lines + 1` starts (0-based count of lines skipped)."""
    pos = 0
    for _ in range(lines):
        nl = text.find("\n", pos)
        if nl < 0:
            return len(text)
        pos = nl + 1
    return pos


_WIDTH_ERROR = re.compile(r"Expected (\d+) fields .* saw (\d+)")


def read_records_frame(text: str, delimiter: str, width: int) -> pd.DataFrame:
    """CSV records as a frame of strings (empty cells missing), columns 0..n-1, one row per record
    including blank lines, so positions map back to record numbers."""
    if not text:
        return pd.DataFrame({i: pd.Series([], dtype="str") for i in range(width)})
    names = list(range(max(width, 1)))
    for _ in range(3):
        try:
            return pd.read_csv(
                io.StringIO(text),
                sep=delimiter,
                header=None,
                names=names,
                dtype="str",
                keep_default_na=False,
                na_values=[""],
                skip_blank_lines=False,
                index_col=False,
                engine="c",
            )
        except pd.errors.ParserError as exc:
            found = _WIDTH_ERROR.search(str(exc))
            if not found:
                break
            names = list(range(int(found.group(2))))
    # A ragged file the C parser cannot take: read it with the csv module.
    records = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    n = max([width, *map(len, records)])
    padded = [r + [""] * (n - len(r)) for r in records]
    frame = pd.DataFrame(padded, columns=list(range(n)), dtype="str")
    return frame.replace("", None)
