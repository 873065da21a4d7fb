"""One uploaded file, the clerk's choices for it, and the session's cache of reads and checks.

`Workbench.table` reads a file once into a `RawTable` (kept per session, keyed by the file's
hash, the sheet and the header row, so remapping a column never reads the file again);
`Workbench.check` matches, normalises and validates it into a `Review` for the user's
`FileChoice` (kind, sheet, header row, column mapping, cell edits).

Which bytes are hashed when cells were fixed in the page: `content_bytes` appends the edits to the
original bytes, so the snapshot's sha256 is that of "this file with these fixes". Committing the
same file with the same fixes again is recognised as a duplicate; the unfixed original uploaded
later is a different content (its invalid rows would be dropped) and is not mistaken for it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from civdash.config import DEFAULT_SETTINGS, Settings
from civdash.districts import DistrictTable
from civdash.ingest import IngestResult, choose_kind, ingest_table, no_ledger_message
from civdash.io import FileRefused, RawTable, read_table
from civdash.ledgers import get_kind
from civdash.ledgers.matching import IGNORE
from civdash.store import SnapshotInfo
from civdash.upload.diff import SnapshotDiff, diff_against

__all__ = [
    "MSG_NO_LEDGER_FIX",
    "MSG_STEP_CHECK",
    "MSG_STEP_DONE",
    "MSG_STEP_MATCH",
    "MSG_STEP_READ",
    "MSG_UNEXPECTED",
    "REPORT_COLUMNS",
    "FileChoice",
    "Review",
    "Upload",
    "Workbench",
    "apply_edits",
    "content_bytes",
    "detect_kind",
    "no_ledger",
    "sheets_read",
    "sheets_summary",
]

logger = logging.getLogger(__name__)

Progress = Callable[[float, str], None]
"""Called with (fraction done, what is happening) while a file is read and checked."""

REPORT_COLUMNS = ("原行号", "问题说明")
"""Columns the error report adds (`civdash.upload.report`); left out by default when the report
comes back fixed."""

# ---- what the user reads -----------------------------------------------------------------------

MSG_UNEXPECTED = "文件无法处理，请用 Excel 或 WPS 重新保存后再上传；如仍不行，请联系管理员。"
MSG_NO_LEDGER_FIX = "请核对表头所在行，或在上方手动选择台账类型。"
MSG_STEP_READ = "正在读取文件…"
MSG_STEP_MATCH = "正在匹配表头…"
MSG_STEP_CHECK = "正在规范化和校验数据…"
MSG_STEP_DONE = "检查完成"
_EDIT_MARK = b"\n\x00civdash-edits\x00\n"


# ---- one uploaded file and the user's choices ----------------------------------------------------


@dataclass(frozen=True)
class Upload:
    """One uploaded file: its name, bytes and their sha256 (which identifies it in the session)."""

    name: str
    data: bytes = field(repr=False)
    sha256: str

    @staticmethod
    def of(name: str, data: bytes) -> Upload:
        return Upload(name, bytes(data), hashlib.sha256(data).hexdigest())


@dataclass(frozen=True)
class FileChoice:
    """What the user chose for one file; `None`/"auto" means "as detected".

    `mapping` is the full column mapping (source header → field name, "-" to leave a column out)
    once the user edited it. `edits` are cells fixed in the page: (row number, body column, text).
    """

    sheet: str | None = None
    header_row: int | None = None
    kind: str = "auto"
    mapping: tuple[tuple[str, str], ...] | None = None
    edits: tuple[tuple[int, int, str], ...] = ()
    sheets: tuple[str, ...] | None = None
    """The sheets to read together (the clerk left the others out); None: as detected."""
    scope: str | None = None
    """The district whose part this file is (rows of other districts are errors); None: the
    whole city."""

    def with_mapping(self, mapping: Mapping[str, str]) -> FileChoice:
        return replace(self, mapping=tuple(mapping.items()))

    def with_edits(self, edits: Mapping[tuple[int, int], str]) -> FileChoice:
        merged = {(r, c): v for r, c, v in self.edits}
        merged.update(edits)
        return replace(self, edits=tuple(sorted((r, c, v) for (r, c), v in merged.items())))


@dataclass(frozen=True)
class Review:
    """One file read and checked under the user's choices: everything the review step shows."""

    upload: Upload
    choice: FileChoice
    raw: RawTable
    """The table as read, with the user's cell edits applied."""
    result: IngestResult
    detected_kind: str | None
    """The kind the header suggests (None when it names no ledger)."""
    content_sha256: str
    """sha256 of `content_bytes(upload.data, choice.edits)`: what the snapshot records."""

    @property
    def kind(self) -> str:
        return self.result.kind

    @property
    def label(self) -> str:
        return get_kind(self.result.kind).label

    @property
    def missing_required(self) -> list[str]:
        """Labels of required fields no column supplies (and "得分或失分" for a `one_of` group
        none of whose fields has a column)."""
        supplied: set[str] = set()
        for target in self.result.columns.values():
            supplied.update(target.split("+"))
        k = get_kind(self.result.kind)
        groups = ["或".join(k.field(f).label for f in g) for g in k.missing_groups(supplied)]
        return [k.field(f).label for f in k.required if f not in supplied] + groups

    @property
    def errors(self) -> int:
        return sum(p.severity == "error" for p in self.result.problems)

    @property
    def warnings(self) -> int:
        return sum(p.severity == "warning" for p in self.result.problems)

    @property
    def can_commit(self) -> bool:
        return self.result.rows_valid > 0

    def column_of(self, field_name: str) -> int | None:
        """The body column that feeds `field_name` (None when no column does)."""
        for header, target in self.result.columns.items():
            if field_name in target.split("+") and header in self.raw.headers:
                return self.raw.headers.index(header)
        return None

    def field_of(self, pos: int) -> str | None:
        """The one field the body column at `pos` feeds (None when it feeds none, or several:
        a compound header such as 称号 → 级别 + 类别)."""
        mapped = self.result.columns.get(self.raw.headers[pos])
        if not mapped or "+" in mapped:
            return None
        return mapped


# ---- the per-session cache ----------------------------------------------------------------------


class Workbench:
    """Reads and checks a session's uploads, keeping recent tables and results in memory.

    One per user session (the page keeps it in session state); never shared between users.
    """

    def __init__(self, settings: Settings = DEFAULT_SETTINGS, keep: int = 6) -> None:
        self.settings = settings
        self._keep = keep
        self._tables: OrderedDict[
            tuple[str, str | None, tuple[str, ...] | None, int | None], RawTable
        ] = OrderedDict()
        self._reviews: OrderedDict[tuple[Any, ...], Review] = OrderedDict()
        self._diffs: OrderedDict[tuple[Any, ...], SnapshotDiff] = OrderedDict()
        self._refusals: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def table(
        self,
        upload: Upload,
        sheet: str | None = None,
        header_row: int | None = None,
        progress: Progress | None = None,
        *,
        sheets: Sequence[str] | None = None,
    ) -> RawTable:
        """The file read on `sheet` (or the `sheets` chosen together) with its header on
        `header_row` (None: as detected)."""
        auto = self._read(upload, None, None, None, progress)
        chosen = tuple(sheets) if sheets is not None else None
        if chosen is not None and chosen == sheets_read(auto):
            chosen = None
        if chosen is not None:
            return self._read(upload, None, chosen, header_row, progress)
        if sheet in (None, auto.sheet) and header_row in (None, auto.header_row):
            return auto
        if header_row is None:
            return self._read(upload, sheet, None, None, progress)
        if sheet in (None, auto.sheet) and not auto.multi_sheet:
            sheet = auto.sheet
        return self._read(upload, sheet, None, header_row, progress)

    def check(
        self,
        upload: Upload,
        choice: FileChoice,
        districts: DistrictTable | None = None,
        *,
        districts_key: object = None,
        progress: Progress | None = None,
    ) -> Review:
        """Match, normalise and validate the file under `choice`; raise `FileRefused` when it
        cannot be checked (header only, no recognisable ledger)."""
        raw = self.table(upload, choice.sheet, choice.header_row, progress, sheets=choice.sheets)
        key = (
            upload.sha256,
            sheets_read(raw),
            raw.header_row,
            choice.kind,
            choice.mapping,
            choice.edits,
            choice.scope,
            districts_key if districts_key is not None else id(districts),
        )
        with self._lock:
            hit = self._reviews.get(key)
            if hit is not None:
                self._reviews.move_to_end(key)
                return hit
        review = safely(lambda: self._check(upload, raw, choice, districts, progress))
        with self._lock:
            self._reviews[key] = review
            while len(self._reviews) > self._keep:
                self._reviews.popitem(last=False)
        return review

    def diff(
        self,
        review: Review,
        current: SnapshotInfo | None,
        load: Callable[[int], pd.DataFrame],
    ) -> SnapshotDiff:
        """`diff_against` the current snapshot (rows read with `load(id)`), kept per review so
        that a rerun of the page does not compare 200,000 rows again."""
        key = ("diff", review.content_sha256, review.kind, review.choice, current and current.id)
        with self._lock:
            hit = self._diffs.get(key)
        if hit is not None:
            return hit
        rows = load(current.id) if current is not None else None
        diff = diff_against(rows, review.result.rows, review.kind)
        with self._lock:
            self._diffs[key] = diff
            while len(self._diffs) > self._keep:
                self._diffs.popitem(last=False)
        return diff

    def keep_only(self, sha256s: Iterable[str]) -> None:
        """Forget the files no longer uploaded (frees their tables)."""
        keep = set(sha256s)
        with self._lock:
            for k in [k for k in self._tables if k[0] not in keep]:
                del self._tables[k]
            for k in [k for k in self._reviews if k[0] not in keep]:
                del self._reviews[k]

    def first_refusal(self, sha256: str, reason: str) -> bool:
        """True the first time this file is refused for this reason in this session: the audit
        records a refusal once, not on every rerun of the page."""
        with self._lock:
            if (sha256, reason) in self._refusals:
                return False
            self._refusals.add((sha256, reason))
            return True

    # -- internals --

    def _read(
        self,
        upload: Upload,
        sheet: str | None,
        sheets: tuple[str, ...] | None,
        header_row: int | None,
        progress: Progress | None,
    ) -> RawTable:
        key = (upload.sha256, sheet, sheets, header_row)
        with self._lock:
            hit = self._tables.get(key)
            if hit is not None:
                self._tables.move_to_end(key)
                return hit
        if progress:
            progress(0.05, MSG_STEP_READ)
        raw = safely(
            lambda: read_table(
                upload.data,
                upload.name,
                sheet=sheet,
                sheets=sheets,
                header_row=header_row,
                settings=self.settings,
            )
        )
        with self._lock:
            self._tables[key] = raw
            while len(self._tables) > self._keep:
                self._tables.popitem(last=False)
        return raw

    def _check(
        self,
        upload: Upload,
        raw: RawTable,
        choice: FileChoice,
        districts: DistrictTable | None,
        progress: Progress | None,
    ) -> Review:
        if progress:
            progress(0.45, MSG_STEP_MATCH)
        edited = apply_edits(raw, {(r, c): v for r, c, v in choice.edits})
        detected = detect_kind(raw)
        kind = detected if choice.kind in ("", "auto") else choice.kind
        if kind is None:
            raise FileRefused(no_ledger(raw))
        mapping = dict(choice.mapping) if choice.mapping is not None else _default_mapping(raw)
        if progress:
            progress(0.6, MSG_STEP_CHECK)
        content = content_bytes(upload.data, choice.edits)
        sha = hashlib.sha256(content).hexdigest()
        result = ingest_table(
            edited,
            kind=kind,
            mapping=mapping,
            districts=districts,
            settings=self.settings,
            file_name=upload.name,
            sha256=sha,
            scope=choice.scope,
        )
        if progress:
            progress(1.0, MSG_STEP_DONE)
        return Review(upload, choice, edited, result, detected, sha)


def sheets_read(raw: RawTable) -> tuple[str, ...]:
    """The sheets a table was read from, in workbook order (empty for CSV and HTML)."""
    return tuple(p.name for p in raw.parts) or ((raw.sheet,) if raw.sheet else ())


def sheets_summary(raw: RawTable) -> str | None:
    """One line on the sheets of a workbook: which were read (rows each) and which were not,
    and why; None for a one-sheet read with nothing left out."""
    parts = []
    if raw.multi_sheet:
        read = "、".join(f"『{p.name}』{p.rows:,} 行" for p in raw.parts)
        parts.append(f"已合并读取 {len(raw.parts)} 个同格式工作表：{read}")
    if raw.skipped_sheets:
        skipped = "、".join(f"『{name}』（{reason}）" for name, reason in raw.skipped_sheets)
        parts.append(f"未读取：{skipped}")
    return "。".join(parts) + "。" if parts else None


def safely(fn: Callable[[], Any]) -> Any:
    """Run a reading step; anything but a refusal becomes one (the user never sees a traceback)."""
    try:
        return fn()
    except FileRefused:
        raise
    except (KeyboardInterrupt, SystemExit, MemoryError):
        raise
    except Exception as exc:
        logger.exception("unexpected error while reading an upload")
        raise FileRefused(MSG_UNEXPECTED) from exc


def _default_mapping(raw: RawTable) -> dict[str, str]:
    """Columns the error report added are left out when the fixed report comes back."""
    return {h: IGNORE for h in raw.headers if h in REPORT_COLUMNS}


def no_ledger(raw: RawTable) -> str:
    """Why the page cannot check a file until the clerk picks its kind."""
    return no_ledger_message(raw, MSG_NO_LEDGER_FIX)


def detect_kind(raw: RawTable) -> str | None:
    """The ledger kind the header names, or None when it names none."""
    try:
        return choose_kind(raw)
    except FileRefused:
        return None


# ---- edits made in the page -------------------------------------------------------------------


def apply_edits(raw: RawTable, edits: Mapping[tuple[int, int], str]) -> RawTable:
    """The table with some cells replaced by the user's text (an empty text empties the cell)."""
    if not edits:
        return raw
    body = raw.body.copy()
    for col in sorted({c for _, c in edits}):
        if col not in body.columns:
            continue
        column = body[col].astype(object)
        column = column.where(column.notna(), None)
        for (row, c), text in edits.items():
            if c == col and row in column.index:
                column.at[row] = text if text.strip() else None
        body[col] = column
    return replace(raw, body=body)


def content_bytes(data: bytes, edits: Iterable[tuple[int, int, str]] = ()) -> bytes:
    """The bytes a snapshot's sha256 is taken of: the file, plus the cell edits made in the page."""
    edits = sorted(edits)
    if not edits:
        return data
    return data + _EDIT_MARK + json.dumps(edits, ensure_ascii=False).encode("utf-8")
