"""Just enough of the OLE2 compound-file format to tell what an OLE2 file is.

Old .xls files, .doc files and *encrypted* .xlsx files all start with the OLE2 magic bytes. The
stream names say which one it is: `Workbook`/`Book` is an .xls, `EncryptionInfo` +
`EncryptedPackage` is a password-protected OOXML file. An .xls with a password has a FILEPASS
record right after the BOF record at the start of its `Workbook` stream.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_FREE = 0xFFFFFFFF
_END = 0xFFFFFFFE
_SPECIAL = 0xFFFFFFFA  # ids at or above this are markers, not sectors
_DIR_ENTRY = 128
_BIFF_FILEPASS = 0x002F
_BIFF_BOUNDSHEET = 0x0085
_BIFF_EOF = 0x000A


@dataclass(frozen=True)
class OleInfo:
    names: frozenset[str]
    """Names of every stream and storage in the file."""
    workbook_encrypted: bool
    """The .xls workbook stream starts with a FILEPASS record (saved with a password)."""

    @property
    def is_encrypted_ooxml(self) -> bool:
        return "EncryptionInfo" in self.names or "EncryptedPackage" in self.names

    @property
    def is_workbook(self) -> bool:
        return "Workbook" in self.names or "Book" in self.names


def inspect_ole(data: bytes) -> OleInfo:
    """List the streams of an OLE2 file; raises ValueError when the structure is broken."""
    if not data.startswith(MAGIC) or len(data) < 512:
        raise ValueError("not an OLE2 file")
    shift = struct.unpack_from("<H", data, 0x1E)[0]
    if shift not in (9, 12):
        raise ValueError("bad sector size")
    size = 1 << shift
    n_sectors = (len(data) - size) // size + 1

    def sector(sid: int) -> bytes:
        start = (sid + 1) * size
        if sid >= _SPECIAL or start >= len(data):
            raise ValueError("sector out of range")
        return data[start : start + size]

    fat_ids = [s for s in struct.unpack_from("<109I", data, 0x4C) if s < _SPECIAL]
    difat, n_difat = struct.unpack_from("<II", data, 0x44)
    for _ in range(min(n_difat, n_sectors)):
        if difat >= _SPECIAL:
            break
        ids = struct.unpack(f"<{size // 4}I", sector(difat))
        fat_ids.extend(s for s in ids[:-1] if s < _SPECIAL)
        difat = ids[-1]
    fat: list[int] = []
    for sid in fat_ids:
        fat.extend(struct.unpack(f"<{size // 4}I", sector(sid)))

    def chain(start: int, limit: int) -> list[int]:
        out: list[int] = []
        sid = start
        while sid < _SPECIAL and len(out) < limit:
            if sid >= len(fat):
                raise ValueError("broken sector chain")
            out.append(sid)
            sid = fat[sid]
        return out

    first_dir = struct.unpack_from("<I", data, 0x30)[0]
    directory = b"".join(sector(s) for s in chain(first_dir, n_sectors))
    names: set[str] = set()
    workbook: tuple[int, int] | None = None
    for off in range(0, len(directory) - _DIR_ENTRY + 1, _DIR_ENTRY):
        entry = directory[off : off + _DIR_ENTRY]
        name_len = struct.unpack_from("<H", entry, 64)[0]
        kind = entry[66]
        if kind not in (1, 2, 5) or not 2 <= name_len <= 64:
            continue
        name = entry[: name_len - 2].decode("utf-16-le", errors="replace")
        names.add(name)
        if kind == 2 and name in ("Workbook", "Book"):
            start, length = struct.unpack_from("<II", entry, 116)
            workbook = (start, length)
    encrypted = False
    if workbook is not None and workbook[1] >= 4096:  # smaller streams live in the mini stream
        head = b"".join(sector(s) for s in chain(workbook[0], 4))
        encrypted = _has_filepass(head)
    return OleInfo(frozenset(names), encrypted)


def _has_filepass(stream: bytes) -> bool:
    """Walk the first BIFF records of the workbook globals looking for FILEPASS."""
    pos = 0
    while pos + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, pos)
        if kind == _BIFF_FILEPASS:
            return True
        if kind in (_BIFF_BOUNDSHEET, _BIFF_EOF):
            return False
        pos += 4 + length
    return False
