"""What a file really is (by its bytes, never its extension) and whether it is safe to open.

Offices rename files freely: an HTML table arrives as .xls, a CSV as .xlsx, a Word document as
.xls. So the format comes from magic bytes and, for zip files, from the parts inside.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from io import BytesIO

from civdash.config import Settings
from civdash.io import messages as msg
from civdash.io.messages import FileRefused
from civdash.io.ole import MAGIC as OLE_MAGIC
from civdash.io.ole import inspect_ole
from civdash.io.text import decode_head, looks_binary

_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"
_OTHER_BINARIES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "PDF 文件"),
    (b"\x89PNG", "图片"),
    (b"\xff\xd8\xff", "图片"),
    (b"GIF8", "图片"),
    (b"II*\x00", "图片"),
    (b"MM\x00*", "图片"),
    (b"RIFF", "音视频或图片文件"),
    (b"Rar!", "压缩包"),
    (b"7z\xbc\xaf\x27\x1c", "压缩包"),
    (b"\x1f\x8b", "压缩包"),
    (b"{\\rtf", "RTF 文档"),
)

MAX_ZIP_ENTRIES = 10_000
"""More parts than any real workbook has; a zip with more is refused like a zip bomb."""
RATIO_FLOOR = 1024 * 1024
"""Compression ratio is only judged for parts larger than this when unpacked."""
PROBE_BYTES = 1024 * 1024
"""How much of each deflated part is unpacked to check its declared size."""
_XML_SUFFIXES = (".xml", ".rels", ".rdf", ".vml")
_PROLOGUE_LIMIT = 1024 * 1024
_DTD = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_COMMENT_OR_PI = re.compile(rb"<!--.*?-->|<\?.*?\?>", re.DOTALL)
_ROOT = re.compile(rb"<[A-Za-z_]")
_XML_2003_ROOT = re.compile(
    r"(?:<\?.*?\?>\s*|<!--.*?-->\s*|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>\s*)*"
    r"<(?:[A-Za-z_][\w.\-]*:)?Workbook[\s/>]",
    re.DOTALL | re.IGNORECASE,
)
"""An XML document whose root is <Workbook>: an Excel 2003 XML spreadsheet (a DOCTYPE is let
through here so that the parser refuses it, naming the entities)."""
_HTML_START = re.compile(
    r"^(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|table|style|title)\b",
    re.IGNORECASE | re.DOTALL,
)


def sniff_format(data: bytes, file_name: str | None = None) -> str:
    """The format of `data`: "xlsx", "xlsm", "xls", "ods", "xml2003", "csv" or "html".

    Decided by content: a zip is an .xlsx/.xlsm when it holds an Excel workbook part and an .ods
    when its `mimetype` says so; an OLE2 file is an .xls unless it is an encrypted OOXML package;
    text is an Excel 2003 XML spreadsheet ("xml2003") when it is XML with a <Workbook> root or the
    spreadsheet namespace, HTML when it starts like a web page, else CSV. Raises `FileRefused` for
    empty, encrypted, corrupt or non-spreadsheet files. `file_name` is only used in messages.

    >>> sniff_format(b"\\xef\\xbb\\xbf\\xe5\\xa7\\x93\\xe5\\x90\\x8d,\\xe6\\x97\\xb6\\xe9\\x95\\xbf\\r\\n")
    'csv'
    """
    if not data:
        raise FileRefused(msg.EMPTY_FILE)
    if data.startswith(_ZIP_MAGICS):
        try:
            with zipfile.ZipFile(BytesIO(data)) as zf:
                return zip_format(zf, file_name)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
            raise FileRefused(msg.CORRUPT_ZIP) from exc
    if data.startswith(OLE_MAGIC):
        return _ole_format(data, file_name)
    for magic, what in _OTHER_BINARIES:
        if data.startswith(magic):
            raise FileRefused(msg.unrecognised(file_name, what))
    return _text_format(data, file_name)


def zip_format(zf: zipfile.ZipFile, file_name: str | None = None) -> str:
    """ "xlsx", "xlsm" or "ods" for a zip-based spreadsheet; refuses every other zip."""
    names = set(zf.namelist())
    if any(info.flag_bits & 0x1 for info in zf.infolist()):
        raise FileRefused(msg.ENCRYPTED)
    content_types = (
        _read_head(zf, "[Content_Types].xml", 256 * 1024) if "[Content_Types].xml" in names else b""
    )
    if b"sheet.binary.macroEnabled.main" in content_types or "xl/workbook.bin" in names:
        raise FileRefused(msg.XLSB)
    if (
        b"sheet.macroEnabled.main+xml" in content_types
        or b"template.macroEnabled.main+xml" in content_types
    ):
        return "xlsm"
    if (
        b"spreadsheetml.sheet.main+xml" in content_types
        or b"spreadsheetml.template.main+xml" in content_types
        or "xl/workbook.xml" in names
    ):
        return "xlsx"
    if "mimetype" in names:
        mime = _read_head(zf, "mimetype", 256).strip()
        if mime.startswith(_ODS_MIME):
            if "META-INF/manifest.xml" in names and b"encryption-data" in _read_head(
                zf, "META-INF/manifest.xml", 512 * 1024
            ):
                raise FileRefused(msg.ENCRYPTED)
            return "ods"
        if b"opendocument.text" in mime:
            raise FileRefused(msg.unrecognised(file_name, "文字文档"))
    if "word/document.xml" in names:
        raise FileRefused(msg.unrecognised(file_name, "Word 文档"))
    if "ppt/presentation.xml" in names:
        raise FileRefused(msg.unrecognised(file_name, "演示文稿"))
    raise FileRefused(msg.unrecognised(file_name, "压缩包"))


def check_zip_safety(zf: zipfile.ZipFile, raw: bytes, settings: Settings) -> None:
    """Refuse zip bombs and XML entity tricks before any parser sees the archive.

    Every part and the total must stay under `settings.max_unzipped_bytes`, and parts over 1 MB
    unpacked must not compress better than `settings.max_zip_ratio`. The sizes a zip declares
    can lie, so the start of every deflated part (up to 1 MB of it) is also unpacked to check
    that it really stays within its declared size and the ratio. Every XML part's prologue is
    scanned for DOCTYPE/ENTITY declarations, which spreadsheets never need (billion laughs,
    external entities). `raw` is the zip file's bytes.
    """
    infos = zf.infolist()
    if len(infos) > MAX_ZIP_ENTRIES:
        raise FileRefused(msg.ZIP_BOMB)
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise FileRefused(msg.ENCRYPTED)
        total += info.file_size
        if info.file_size > settings.max_unzipped_bytes or total > settings.max_unzipped_bytes:
            raise FileRefused(msg.ZIP_BOMB)
        if info.file_size > RATIO_FLOOR and info.file_size > settings.max_zip_ratio * max(
            info.compress_size, 1
        ):
            raise FileRefused(msg.ZIP_BOMB)
        if _inflates_beyond_declared(raw, info, settings):
            raise FileRefused(msg.ZIP_BOMB)
    for info in infos:
        if info.filename.lower().endswith(_XML_SUFFIXES) and _prologue_declares_dtd(zf, info):
            raise FileRefused(msg.XML_ENTITIES)


def _inflates_beyond_declared(raw: bytes, info: zipfile.ZipInfo, settings: Settings) -> bool:
    """Unpack the start of a deflated part: does it outgrow its declared size or the ratio?"""
    if info.compress_type != zipfile.ZIP_DEFLATED:
        return False
    off = info.header_offset
    if raw[off : off + 4] != b"PK\x03\x04":
        raise FileRefused(msg.CORRUPT_ZIP)
    name_len, extra_len = struct.unpack_from("<HH", raw, off + 26)
    start = off + 30 + name_len + extra_len
    compressed = raw[start : start + min(info.compress_size, PROBE_BYTES)]
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    pending, produced = compressed, 0
    try:
        while pending and not inflater.eof:
            produced += len(inflater.decompress(pending, 1024 * 1024))
            pending = inflater.unconsumed_tail
            consumed = len(compressed) - len(pending)
            if produced > info.file_size:
                return True
            if produced > RATIO_FLOOR and produced > settings.max_zip_ratio * max(consumed, 1):
                return True
    except zlib.error as exc:
        raise FileRefused(msg.CORRUPT_ZIP) from exc
    return False


def _prologue_declares_dtd(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """Does the part declare a DTD before its root element? A DTD can only sit in the prologue,
    so reading stops at the first element; a prologue longer than 1 MB counts as a trick."""
    buf = b""
    try:
        with zf.open(info) as part:
            while len(buf) < _PROLOGUE_LIMIT:
                chunk = part.read(8192)
                if not chunk:
                    break
                buf += chunk
                text = _as_utf8(buf)
                if _DTD.search(text):
                    return True
                # a comment or instruction still open at the end of the buffer may hide "<x"
                cleaned = _COMMENT_OR_PI.sub(b"", text)
                still_open = [p for p in (cleaned.find(b"<!--"), cleaned.find(b"<?")) if p >= 0]
                if _ROOT.search(cleaned, 0, min(still_open, default=len(cleaned))):
                    return False
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise FileRefused(msg.CORRUPT_ZIP) from exc
    return len(buf) >= _PROLOGUE_LIMIT


def _as_utf8(buf: bytes) -> bytes:
    """XML parts may be UTF-16; compare their prologue as UTF-8."""
    if buf.startswith((b"\xff\xfe", b"\xfe\xff")) or buf[1:2] == b"\x00" or buf[:1] == b"\x00":
        codec = "utf-16-be" if buf.startswith(b"\xfe\xff") or buf[:1] == b"\x00" else "utf-16-le"
        return buf[: len(buf) // 2 * 2].decode(codec, errors="ignore").encode("utf-8")
    return buf


def _read_head(zf: zipfile.ZipFile, name: str, limit: int) -> bytes:
    with zf.open(name) as part:
        return part.read(limit)


def _ole_format(data: bytes, file_name: str | None) -> str:
    try:
        info = inspect_ole(data)
    except (ValueError, IndexError, UnicodeDecodeError) as exc:
        raise FileRefused(msg.CORRUPT) from exc
    if info.is_encrypted_ooxml or info.workbook_encrypted:
        raise FileRefused(msg.ENCRYPTED)
    if info.is_workbook:
        return "xls"
    if "WordDocument" in info.names:
        raise FileRefused(msg.unrecognised(file_name, "Word 文档"))
    if "PowerPoint Document" in info.names:
        raise FileRefused(msg.unrecognised(file_name, "演示文稿"))
    raise FileRefused(msg.unrecognised(file_name))


def _text_format(data: bytes, file_name: str | None) -> str:
    if looks_binary(data[:8192]):
        raise FileRefused(msg.unrecognised(file_name))
    head = decode_head(data[:8192])
    if head is None:
        raise FileRefused(msg.unrecognised(file_name))
    stripped = head.lstrip("\ufeff \t\r\n")
    lowered = stripped[:4096].lower()
    if _XML_2003_ROOT.match(stripped[:8192]) or (
        lowered.startswith("<?xml") and "urn:schemas-microsoft-com:office:spreadsheet" in lowered
    ):
        return "xml2003"
    if _HTML_START.match(stripped[:4096]) or (
        lowered.startswith("<") and ("<table" in lowered or "<html" in lowered)
    ):
        return "html"
    return "csv"
