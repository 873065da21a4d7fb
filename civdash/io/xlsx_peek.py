"""Read the first rows of .xlsx worksheets by streaming their XML, without parsing whole sheets.

Choosing the sheet and the header row needs only the top of each sheet, but a parser that loads
a sheet loads all of it (a million-row ledger takes seconds). So this module streams each
worksheet part out of the zip and stops after the rows it needs, and streams the shared-string
table only up to the highest string index those rows use. The body is then loaded once, by
fastexcel, starting at the first data row.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET

_SHARED = "sharedStrings"
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")


@dataclass(frozen=True)
class SheetPart:
    name: str
    part: str
    visible: bool


@dataclass
class SheetPeek:
    """The top of one worksheet: `rows[i][j]` is the cell at spreadsheet row i+1, column j+1."""

    rows: list[list[object]] = field(default_factory=list)
    complete: bool = False
    """The whole sheet was read: it has no rows beyond `rows`."""
    first_col: int | None = None
    """First column (0-based) of the sheet's declared dimension, when the file states one."""


class _SharedRef(int):
    """A cell that holds shared string number `int(self)`, resolved after all peeks."""


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _attr(elem: Element, local_name: str) -> str | None:
    for key, value in elem.attrib.items():
        if _local(key) == local_name:
            return value
    return None


def _unescape(text: str) -> str:
    """OOXML writes control characters as _xHHHH_ (e.g. _x000D_ for a carriage return)."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def _read_xml(zf: zipfile.ZipFile, name: str) -> Element | None:
    if name not in zf.NameToInfo:
        return None
    with zf.open(name) as part:
        root: Element = SafeET.parse(part, forbid_dtd=True).getroot()
        return root


def _rels(zf: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id → (type suffix, target part) for `part`."""
    folder, base = posixpath.split(part)
    root = _read_xml(zf, posixpath.join(folder, "_rels", f"{base}.rels"))
    out: dict[str, tuple[str, str]] = {}
    if root is None:
        return out
    for rel in root:
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External" or not target:
            continue
        path = (
            target.lstrip("/")
            if target.startswith("/")
            else posixpath.normpath(posixpath.join(folder, target))
        )
        out[rel.get("Id", "")] = (rel.get("Type", "").rpartition("/")[2], path)
    return out


def workbook_parts(zf: zipfile.ZipFile) -> tuple[list[SheetPart], str | None]:
    """Worksheets in workbook order (name, part, visible) and the shared-strings part, if any."""
    workbook = "xl/workbook.xml"
    for _rid, (kind, target) in _rels(zf, "").items():
        if kind == "officeDocument":
            workbook = target
    root = _read_xml(zf, workbook)
    if root is None:
        raise KeyError(workbook)
    rels = _rels(zf, workbook)
    sheets: list[SheetPart] = []
    for elem in root.iter():
        if _local(elem.tag) != "sheet":
            continue
        kind, target = rels.get(_attr(elem, "id") or "", ("", ""))
        if kind != "worksheet" or target not in zf.NameToInfo:
            continue  # chart sheets and dialog sheets hold no table
        state = (elem.get("state") or "visible").lower()
        sheets.append(SheetPart(elem.get("name", ""), target, state == "visible"))
    shared = next((t for k, t in rels.values() if k == _SHARED and t in zf.NameToInfo), None)
    return sheets, shared


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def _inline_text(elem: Element) -> str:
    """Text of an <is> or <si> element: plain <t>, or rich-text runs <r><t>, without <rPh> phonetics."""
    parts: list[str] = []
    for child in elem:
        tag = _local(child.tag)
        if tag == "t":
            parts.append(child.text or "")
        elif tag == "r":
            parts.extend(t.text or "" for t in child if _local(t.tag) == "t")
    return _unescape("".join(parts))


def _cell_value(cell: Element) -> object:
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        inline = next((c for c in cell if _local(c.tag) == "is"), None)
        return _inline_text(inline) if inline is not None else None
    value = next((c.text for c in cell if _local(c.tag) == "v"), None)
    if value is None:
        return None
    if kind == "s":
        try:
            return _SharedRef(int(value))
        except ValueError:
            return None
    if kind in ("str", "e", "d"):
        return _unescape(value)
    if kind == "b":
        return value.strip() == "1"
    try:
        return float(value)
    except ValueError:
        return value


def peek_sheet(zf: zipfile.ZipFile, part: str, max_rows: int) -> SheetPeek:
    """The first `max_rows` rows of a worksheet part, read by streaming; shared strings unresolved."""
    peek = SheetPeek()
    rows: dict[int, list[object]] = {}
    peek.complete = True
    with zf.open(part) as stream:
        row_no = 0
        for _event, elem in SafeET.iterparse(stream, events=("end",), forbid_dtd=True):
            tag = _local(elem.tag)
            if tag == "dimension":
                _read_dimension(elem.get("ref", ""), peek)
            elif tag == "row":
                row_no = int(elem.get("r") or row_no + 1)
                if row_no > max_rows:
                    peek.complete = False
                    break
                cells: list[object] = []
                col = -1
                for cell in elem:
                    if _local(cell.tag) != "c":
                        continue
                    ref = _CELL_REF.match(cell.get("r", ""))
                    col = _column_index(ref.group(1)) if ref else col + 1
                    value = _cell_value(cell)
                    if value is None or value == "":
                        continue
                    if col >= len(cells):
                        cells.extend([None] * (col + 1 - len(cells)))
                    cells[col] = value
                if cells:
                    rows[row_no] = cells
                elem.clear()
            elif tag == "sheetData":
                break
    if rows:
        last = max(rows)
        peek.rows = [rows.get(r, []) for r in range(1, last + 1)]
    return peek


def _read_dimension(ref: str, peek: SheetPeek) -> None:
    """<dimension ref="B3:H1000"/>: the sheet's used range as the writer declared it."""
    corners = [m for m in (_CELL_REF.match(p) for p in ref.upper().split(":")) if m]
    if corners:
        peek.first_col = _column_index(corners[0].group(1))


def resolve_shared_strings(zf: zipfile.ZipFile, part: str | None, peeks: list[SheetPeek]) -> None:
    """Replace shared-string references in the peeks, streaming the table only as far as needed."""
    wanted = {v for p in peeks for row in p.rows for v in row if isinstance(v, _SharedRef)}
    if not wanted:
        return
    strings: list[str] = []
    if part is not None:
        highest = max(wanted)
        with zf.open(part) as stream:
            for _event, elem in SafeET.iterparse(stream, events=("end",), forbid_dtd=True):
                if _local(elem.tag) == "si":
                    strings.append(_inline_text(elem))
                    elem.clear()
                    if len(strings) > highest:
                        break
    for p in peeks:
        for row in p.rows:
            for j, v in enumerate(row):
                if isinstance(v, _SharedRef):
                    row[j] = strings[v] if v < len(strings) else None
