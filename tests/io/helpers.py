"""Small builders for tests/io: workbooks written by xlsxwriter in memory, zips rewritten part by part."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import xlsxwriter

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def xlsx_bytes(
    sheets: Mapping[str, Iterable[Iterable[object]]], hidden: Iterable[str] = ()
) -> bytes:
    """A workbook with one sheet per entry, rows written from A1 down (None leaves a cell empty)."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    ws.write(r, c, value)
        if name in hidden:
            ws.hide()
    wb.close()
    return buf.getvalue()


def xlsx_with(build: Callable[[xlsxwriter.Workbook], None]) -> bytes:
    """A workbook built by `build(workbook)`, for layouts the plain row writer cannot express."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    build(wb)
    wb.close()
    return buf.getvalue()


def rewrite_zip(
    data: bytes,
    replace: Mapping[str, bytes] | None = None,
    add: Mapping[str, bytes] | None = None,
    *,
    compression: int = zipfile.ZIP_DEFLATED,
) -> bytes:
    """Copy a zip, replacing some parts and adding others."""
    replace, add = replace or {}, add or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", compression) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, replace.get(info.filename, src.read(info.filename)))
        for name, content in add.items():
            dst.writestr(name, content)
    return out.getvalue()


def zip_part(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return zf.read(name)
