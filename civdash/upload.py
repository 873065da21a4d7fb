"""The upload workflow without Streamlit: read → map columns → review → fix → commit, and history.

The 数据导入 page is a thin view over this module. A clerk's file goes through these steps:

1. `Workbench.table` reads it once into a `RawTable` (kept per session, keyed by the file's hash,
   the sheet and the header row, so remapping a column never reads the file again);
2. `Workbench.check` matches, normalises and validates it into a `Review` for the user's
   `FileChoice` (kind, sheet, header row, column mapping, cell edits);
3. the review offers `problems_table`, `preview_styler`, `fix_table` / `edits_from_editor`
   (fix cells in the page) and `error_report` (fix them in Excel);
4. `diff_against` says what will change against the current snapshot; `commit_check` says what
   the store's commit rules will make of it (no valid row: refused; districts or too many rows
   lost: the clerk must confirm), with the store's own rule and numbers; `commit_review` stores
   the valid rows as one snapshot.

Which bytes are hashed when cells were fixed in the page: `content_bytes` appends the edits to the
original bytes, so the snapshot's sha256 is that of "this file with these fixes". Committing the
same file with the same fixes again is recognised as a duplicate; the unfixed original uploaded
later is a different content (its invalid rows would be dropped) and is not mistaken for it.

Nothing here imports streamlit; everything can be driven from a notebook or a test.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xlsxwriter

from civdash.config import DEFAULT_SETTINGS, Settings
from civdash.districts import DistrictTable, describe_names
from civdash.ingest import (
    SOURCE_ROW,
    DistrictFile,
    IngestResult,
    choose_kind,
    ingest_table,
    load_districts,
    no_ledger_message,
)
from civdash.io import FileRefused, RawTable, read_table
from civdash.io.reader import SHEET_COLUMN
from civdash.ledgers import LEDGER_KINDS, get_kind
from civdash.ledgers.matching import IGNORE
from civdash.privacy import is_personal, mask_field, mask_texts
from civdash.store import (
    LOCAL_TZ,
    CommitOutcome,
    ShrinkCheck,
    SnapshotInfo,
    Store,
    nothing_valid_message,
    rows_by_district,
    shrink_check,
    will_become_current,
)

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

__all__ = [
    "CONFIRM_LABEL",
    "IGNORE_LABEL",
    "MSG_NO_LEDGER_FIX",
    "MSG_REPORT_MASKED",
    "MSG_STEP_CHECK",
    "MSG_STEP_DONE",
    "MSG_STEP_MATCH",
    "MSG_STEP_READ",
    "MSG_UNEXPECTED",
    "REPORT_ALL_ROWS_LIMIT",
    "REPORT_COLUMNS",
    "CommitCheck",
    "DistrictCheck",
    "FileChoice",
    "FixTable",
    "Review",
    "SnapshotDiff",
    "Upload",
    "Workbench",
    "already_committed_message",
    "apply_editor_rows",
    "apply_edits",
    "audit_detail",
    "audit_table",
    "check_districts",
    "commit_check",
    "commit_districts",
    "commit_review",
    "content_bytes",
    "default_as_of",
    "detect_kind",
    "diff_against",
    "diff_summary",
    "diff_warning",
    "district_file_notes",
    "district_summary",
    "edits_from_editor",
    "error_report",
    "field_options",
    "find_committed",
    "fix_table",
    "history_table",
    "mapping_conflicts",
    "mapping_from_table",
    "mapping_table",
    "missing_required_message",
    "no_ledger",
    "preview_styler",
    "problems_table",
    "read_district_file",
    "record_refusal",
    "report_file_name",
    "report_has_all_rows",
    "sheets_read",
    "sheets_summary",
    "snapshot_label",
]

logger = logging.getLogger(__name__)

Progress = Callable[[float, str], None]
"""Called with (fraction done, what is happening) while a file is read and checked."""

IGNORE_LABEL = "（不导入）"
"""The mapping choice that leaves a column out."""

REPORT_COLUMNS = ("原行号", "问题说明")
"""Columns the error report adds; left out by default when the report comes back fixed."""

# ---- what the user reads -----------------------------------------------------------------------

MSG_UNEXPECTED = "文件无法处理，请用 Excel 或 WPS 重新保存后再上传；如仍不行，请联系管理员。"
MSG_NO_LEDGER_FIX = "请核对表头所在行，或在上方手动选择台账类型。"
MSG_REPORT_MASKED = (
    "本报告中的联系电话、身份证号等个人信息已脱敏，重新上传本报告时这些号码不会导入；"
    "需要修改时请按『原行号』在原表格中修改后上传原表格。"
)
MSG_STEP_READ = "正在读取文件…"
MSG_STEP_MATCH = "正在匹配表头…"
MSG_STEP_CHECK = "正在规范化和校验数据…"
MSG_STEP_DONE = "检查完成"
_SEVERITY_LABELS = {"error": "错误", "warning": "提醒"}
_ACTION_LABELS = {
    "commit": "导入",
    "duplicate": "重复导入（未保存）",
    "refuse": "拒收文件",
    "hold": "待确认（未保存）",
    "delete": "删除快照",
    "set_current": "设为当前",
}
_ERROR_FILL = "#FFC7CE"
_ERROR_FONT = "#9C0006"
_WARNING_FILL = "#FFEB9C"
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
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
        """Labels of required fields no column supplies."""
        supplied: set[str] = set()
        for target in self.result.columns.values():
            supplied.update(target.split("+"))
        k = get_kind(self.result.kind)
        return [k.field(f).label for f in k.required if f not in supplied]

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
            districts_key if districts_key is not None else id(districts),
        )
        with self._lock:
            hit = self._reviews.get(key)
            if hit is not None:
                self._reviews.move_to_end(key)
                return hit
        review = _safely(lambda: self._check(upload, raw, choice, districts, progress))
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
        raw = _safely(
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


def missing_required_message(review: Review) -> str:
    """ "缺少必填列『注册日期』…": said before anything else, since no row can be valid."""
    labels = "、".join(f"『{label}』" for label in review.missing_required)
    return (
        f"缺少必填列{labels}，所有行都无法导入。请在下方『列对应关系』中指定哪一列是{labels}，"
        "或在表格中补上该列后重新上传。"
    )


def report_file_name(file_name: str) -> str:
    """志愿者台账.xls → 志愿者台账_问题报告.xlsx."""
    stem = file_name.rsplit(".", 1)[0] if "." in file_name else file_name
    return f"{stem or '台账'}_问题报告.xlsx"


def _safely(fn: Callable[[], Any]) -> Any:
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


# ---- column mapping -----------------------------------------------------------------------------


def field_options(kind: str) -> dict[str, str]:
    """The mapping choices of a kind: label shown → target ("-", a field, or a compound header).

    Required fields are marked with * (as in the templates); a compound header (称号 → 级别 + 类别) is offered once.
    """
    k = get_kind(kind)
    out = {IGNORE_LABEL: IGNORE}
    for f in k.input_fields:
        out[f"*{f.label}" if f.required else f.label] = f.name
    seen: set[tuple[str, ...]] = set()
    for header, targets in k.extra_headers.items():
        if targets in seen:
            continue
        seen.add(targets)
        labels = "+".join(k.field(t).label for t in targets)
        out[f"{header}（{labels}）"] = header
    return out


def _target_of(kind: str, header: str, mapped: str) -> str:
    """The mapping target behind `IngestResult.columns[header]` ("level+category" → 称号)."""
    k = get_kind(kind)
    if mapped in k.field_names:
        return mapped
    options = set(field_options(kind).values())
    for extra, targets in k.extra_headers.items():
        if "+".join(targets) == mapped and extra in options:
            return extra
    return IGNORE


def mapping_table(review: Review, samples: int = 3) -> pd.DataFrame:
    """One row per source column: 源列名, 示例值, 对应字段 (a label of `field_options`)."""
    labels = {v: k for k, v in field_options(review.kind).items()}
    rows = []
    for pos, header in enumerate(review.raw.headers):
        mapped = review.result.columns.get(header)
        target = _target_of(review.kind, header, mapped) if mapped else IGNORE
        values = review.raw.body[pos] if pos in review.raw.body.columns else pd.Series([])
        texts = [t for t in (_text(v) for v in values.head(50)) if t][:samples]
        texts = mask_texts(texts, review.kind, _field_of_column(review, pos))
        rows.append(
            {
                "源列名": header,
                "示例值": "、".join(texts)[:60],
                "对应字段": labels.get(target, IGNORE_LABEL),
            }
        )
    return pd.DataFrame(rows, columns=["源列名", "示例值", "对应字段"])


def apply_editor_rows(
    frame: pd.DataFrame, edited_rows: Mapping[Any, Mapping[str, Any]]
) -> pd.DataFrame:
    """`frame` with `st.data_editor`'s `edited_rows` ({row position: {column: value}}) applied."""
    out = frame.copy()
    for pos, changes in edited_rows.items():
        i = int(pos)
        if 0 <= i < len(out):
            for column, value in changes.items():
                if column in out.columns:
                    out.iloc[i, out.columns.get_loc(column)] = value
    return out


def mapping_from_table(table: pd.DataFrame, kind: str) -> dict[str, str]:
    """The full mapping (source header → target, "-" for left out) from an edited mapping table."""
    options = field_options(kind)
    out: dict[str, str] = {}
    for header, label in zip(table["源列名"], table["对应字段"], strict=True):
        out[str(header)] = options.get(str(label), IGNORE) if isinstance(label, str) else IGNORE
    return out


def mapping_conflicts(mapping: Mapping[str, str], kind: str) -> list[str]:
    """Fields chosen for more than one column: one sentence each (the last column wins)."""
    labels = {v: k for k, v in field_options(kind).items()}
    by_target: dict[str, list[str]] = {}
    for header, target in mapping.items():
        if target != IGNORE:
            by_target.setdefault(target, []).append(header)
    return [
        f"『{labels.get(t, t)}』同时对应了{'、'.join(f'『{h}』' for h in hs)}，"
        f"只会导入最后一列『{hs[-1]}』，请只保留一列。"
        for t, hs in by_target.items()
        if len(hs) > 1
    ]


def _field_of_column(review: Review, pos: int) -> str | None:
    header = review.raw.headers[pos]
    mapped = review.result.columns.get(header)
    if not mapped or "+" in mapped:
        return None
    return mapped


# ---- review: problems and preview ---------------------------------------------------------------


def problems_table(
    review: Review,
    fields: Sequence[str] | None = None,
    severities: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The problems as the user reads them (行号, 字段, 原值, 说明, 级别), optionally filtered by
    field labels and severity labels (错误 / 提醒)."""
    k = get_kind(review.kind)
    labels = k.labels()
    rows = [
        {
            "工作表": p.sheet,
            "行号": p.shown_row,
            "字段": labels.get(p.field, p.field),
            "原值": mask_texts([p.value], review.kind, p.field)[0],
            "说明": p.message,
            "级别": _SEVERITY_LABELS[p.severity],
        }
        # errors first: they keep rows out; warnings only inform
        for p in sorted(review.result.problems, key=lambda p: p.severity != "error")
    ]
    frame = pd.DataFrame(rows, columns=["工作表", "行号", "字段", "原值", "说明", "级别"])
    frame["行号"] = frame["行号"].astype("Int64")
    if not review.raw.multi_sheet:
        frame = frame.drop(columns="工作表")
    if fields:
        frame = frame[frame["字段"].isin(list(fields))]
    if severities:
        frame = frame[frame["级别"].isin(list(severities))]
    return frame.reset_index(drop=True)


def _cell_marks(review: Review) -> dict[tuple[int, str], str]:
    """(row, field) → "error" or "warning" (an error wins over a warning)."""
    marks: dict[tuple[int, str], str] = {}
    for p in review.result.problems:
        if p.row is None:
            continue
        key = (int(p.row), p.field)
        if p.severity == "error" or key not in marks:
            marks[key] = p.severity
    return marks


def preview_styler(review: Review, limit: int = 500, only_problems: bool = False) -> Styler:
    """The normalized rows (raw text for invalid rows, which have no normalized values), one
    column per mapped field, with invalid cells red and warnings yellow; personal data masked.

    The first `limit` rows in file order, or only the rows with a problem. Only those rows are
    looked up (a file of 200,000 rows is not walked cell by cell on every rerun of the page).
    """
    k = get_kind(review.kind)
    fields = [f for f in k.fields if f.name in _mapped_fields(review) or f.derived]
    marks = _cell_marks(review)
    invalid = set(review.result.invalid_rows)
    order = review.raw.body.index
    if only_problems:
        order = order[order.isin(list({r for r, _ in marks} | invalid))]
    rows = order[:limit]

    valid = review.result.rows
    shown = valid[valid[SOURCE_ROW].isin(rows)].set_index(SOURCE_ROW)
    ok = rows.isin(shown.index) & ~rows.isin(list(invalid))
    normalized = shown.reindex(rows[ok])
    raw_rows = review.raw.body.loc[rows[~ok]]
    data: dict[str, list[str]] = {"状态": ["✓" if good else "✗" for good in ok]}
    for f in fields:
        good = iter([_text(v) for v in normalized[f.name]])
        col = review.column_of(f.name)
        bad = iter([_text(v) for v in raw_rows[col]] if col is not None else [""] * len(raw_rows))
        data[f.label] = [next(good) if is_ok else next(bad) for is_ok in ok]
    frame = pd.DataFrame(data, index=pd.Index(list(rows), name="行号"))
    for f in fields:
        frame[f.label] = mask_texts(list(frame[f.label]), review.kind, f.name)
    styles = pd.DataFrame("", index=frame.index, columns=frame.columns)
    for (r, name), severity in marks.items():
        if r in styles.index and name in k.field_names:
            label = k.field(name).label
            if label in styles.columns:
                styles.at[r, label] = (
                    f"background-color: {_ERROR_FILL}; color: {_ERROR_FONT}"
                    if severity == "error"
                    else f"background-color: {_WARNING_FILL}"
                )
    for r in frame.index:
        if r in invalid:
            styles.at[r, "状态"] = f"color: {_ERROR_FONT}; font-weight: bold"
    if review.raw.multi_sheet:
        # each row as the clerk finds it: its sheet and that sheet's row number
        frame.index = pd.Index([review.raw.row_label(r) for r in frame.index], name="行号")
        styles.index = frame.index
    return frame.style.apply(lambda _: styles, axis=None)


def _mapped_fields(review: Review) -> set[str]:
    out: set[str] = set()
    for target in review.result.columns.values():
        out.update(target.split("+"))
    return out


# ---- fix: in the page, or in Excel --------------------------------------------------------------

PROBLEM_COLUMN = "问题"


@dataclass(frozen=True)
class FixTable:
    """The invalid rows as an editable table of raw text, and how to map edits back to cells."""

    frame: pd.DataFrame
    """Index: row numbers; one column per mapped source column, then 问题."""
    columns: dict[str, int]
    """Editor column name → body column position."""
    locked: tuple[str, ...]
    """Columns that cannot be edited (问题, the sheet name, and masked personal data)."""
    rows: tuple[int, ...] = ()
    """The body row of each line of `frame` (its index shows the clerk's row numbers)."""


def fix_table(review: Review, limit: int = 200) -> FixTable:
    """The first `limit` invalid rows, with the raw text of every mapped column."""
    rows = list(review.result.invalid_rows)[:limit]
    rows = [r for r in rows if r in review.raw.body.index]
    messages: dict[int, list[str]] = {}
    for p in review.result.problems:
        if p.row is not None and p.severity == "error":
            messages.setdefault(int(p.row), []).append(p.message)
    columns: dict[str, int] = {}
    locked: list[str] = []
    data: dict[str, list[str]] = {}
    for pos, header in enumerate(review.raw.headers):
        name = _field_of_column(review, pos)
        mapped = review.result.columns.get(header)
        if mapped is None:
            continue
        column = header if header not in columns else f"{header}（第{pos + 1}列）"
        columns[column] = pos
        values = [_text(review.raw.body.at[r, pos]) for r in rows]
        if header == SHEET_COLUMN and review.raw.multi_sheet:
            locked.append(column)  # where the row came from, not a cell to edit
        if name is not None and is_personal(review.kind, name):
            locked.append(column)  # shown masked: an edit could only store the mask
        values = mask_texts(values, review.kind, name)
        data[column] = values
    data[PROBLEM_COLUMN] = ["；".join(messages.get(r, [])) for r in rows]
    locked.append(PROBLEM_COLUMN)
    shown = [review.raw.row_label(r) for r in rows] if review.raw.multi_sheet else rows
    frame = pd.DataFrame(data, index=pd.Index(shown, name="行号"))
    return FixTable(frame, columns, tuple(locked), tuple(rows))


def edits_from_editor(
    fix: FixTable, edited_rows: Mapping[Any, Mapping[str, Any]]
) -> dict[tuple[int, int], str]:
    """Cell edits from `st.data_editor`'s `edited_rows` ({row position: {column: value}}) as
    {(row number, body column): text}; unchanged cells and locked columns are ignored."""
    out: dict[tuple[int, int], str] = {}
    rows = list(fix.rows) or [int(r) for r in fix.frame.index]
    for pos, changes in edited_rows.items():
        i = int(pos)
        if not 0 <= i < len(rows):
            continue
        row = int(rows[i])
        for column, value in changes.items():
            if column in fix.locked or column not in fix.columns:
                continue
            text = (
                ""
                if value is None or (isinstance(value, float) and math.isnan(value))
                else str(value)
            )
            if text == fix.frame[column].iat[i]:
                continue
            out[(row, fix.columns[column])] = text
    return out


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


REPORT_ALL_ROWS_LIMIT = 20_000
"""Up to this many rows the error report holds every row (fix it and upload it again); above
it, only the rows with a problem (writing 200,000 rows to .xlsx takes minutes)."""


def report_has_all_rows(review: Review) -> bool:
    return review.result.rows_read <= REPORT_ALL_ROWS_LIMIT


def error_report(review: Review) -> bytes:
    """The file's data rows as .xlsx: invalid cells red, warnings yellow, a 问题说明 column.

    The title rows come first (they carry the as-of date), then the header, then every data row
    in file order with its original row number, so the clerk fixes the cells in Excel and uploads
    the report again. A file of more than `REPORT_ALL_ROWS_LIMIT` rows gets only its rows with a
    problem, and a first line that says so: those are fixed in the original file by row number.
    Text that starts like a formula (= + - @) is stored as text.
    """
    raw = review.raw
    if not report_has_all_rows(review):
        problem_rows = sorted({int(p.row) for p in review.result.problems if p.row is not None})
        body = raw.body.loc[raw.body.index.intersection(problem_rows)]
        note = (
            f"本文件共 {review.result.rows_read:,} 行，报告只列出有问题的 {len(body):,} 行；"
            "请按『原行号』在原表格中修改后重新上传原表格。"
        )
        raw = replace(raw, body=body, title="\n".join(filter(None, [note, raw.title])))
    marks = _cell_marks(review)
    messages: dict[int, list[str]] = {}
    for p in review.result.problems:
        if p.row is not None and p.row in raw.body.index:
            messages.setdefault(int(p.row), []).append(p.message)
    field_columns: dict[str, int] = {}
    for name in get_kind(review.kind).field_names:
        col = review.column_of(name)
        if col is not None:
            field_columns[name] = col
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buf,
        {
            "constant_memory": True,  # rows are written in order: low memory for big files
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    formats = _ReportFormats(wb)
    ws = wb.add_worksheet(_sheet_title(raw.sheet or review.label))
    r = 0
    for line in (raw.title or "").splitlines():
        if line.strip():
            _write_cell(ws, r, 0, line, formats, None)
            r += 1
    header_at = r
    headers = [REPORT_COLUMNS[0], *raw.headers, REPORT_COLUMNS[1]]
    for c, h in enumerate(headers):
        ws.write_string(r, c, h, formats.header)
    personal = {c for name, c in field_columns.items() if is_personal(review.kind, name)}
    for c in sorted(personal):
        ws.write_comment(r, c + 1, MSG_REPORT_MASKED, {"x_scale": 3, "y_scale": 1.5})
    r += 1
    # row → {body column → severity}; most rows have none
    by_row: dict[int, dict[int, str]] = {}
    for (row, name), severity in marks.items():
        col = field_columns.get(name)
        if col is not None:
            by_row.setdefault(row, {})[col] = severity
    body = raw.body
    shown = {c: mask_field(body[c], review.kind, name) for name, c in field_columns.items()}
    columns = [_report_column(shown.get(c, body[c])) for c in body.columns]
    note_col = len(headers) - 1
    for i, row in enumerate(body.index.tolist()):
        ws.write_number(r, 0, raw.locate(row)[1])
        row_marks = by_row.get(row)
        for c, (kind, values) in enumerate(columns):
            value = values[i]
            mark = row_marks.get(c) if row_marks else None
            if value is None:
                if mark is not None:
                    ws.write_blank(r, c + 1, None, formats.plain[mark])
            elif kind == "text":
                style = formats.text if value[:1] in _FORMULA_PREFIXES else formats.plain
                ws.write_string(r, c + 1, value, style[mark])
            elif kind == "date":
                ws.write_datetime(r, c + 1, value, formats.date[mark])
            else:
                _write_cell(ws, r, c + 1, value, formats, mark)
        if row in messages:
            _write_cell(ws, r, note_col, "；".join(messages[row]), formats, "note")
        r += 1
    ws.freeze_panes(header_at + 1, 1)
    ws.autofilter(header_at, 0, max(header_at, r - 1), len(headers) - 1)
    ws.set_column(0, 0, 8)
    ws.set_column(1, len(headers) - 2, 14)
    ws.set_column(len(headers) - 1, len(headers) - 1, 60)

    listing = wb.add_worksheet("问题清单")
    table = problems_table(review)
    for c, h in enumerate(table.columns):
        listing.write_string(0, c, str(h), formats.header)
    for i, rec in enumerate(table.itertuples(index=False), start=1):
        for c, v in enumerate(rec):
            _write_cell(listing, i, c, v, formats, None)
    listing.set_column(0, 0, 8)
    listing.set_column(1, 2, 16)
    listing.set_column(3, 3, 80)
    wb.close()
    return buf.getvalue()


class _ReportFormats:
    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        def fmt(**kw: Any) -> Any:
            return wb.add_format(kw)

        self.header = fmt(bold=True, bg_color="#DDEBF7", border=1)
        self.plain = {
            None: None,
            "error": fmt(bg_color=_ERROR_FILL, font_color=_ERROR_FONT),
            "warning": fmt(bg_color=_WARNING_FILL),
            "note": fmt(font_color=_ERROR_FONT, text_wrap=True),
        }
        self.text = {
            None: fmt(quote_prefix=True),
            "error": fmt(bg_color=_ERROR_FILL, font_color=_ERROR_FONT, quote_prefix=True),
            "warning": fmt(bg_color=_WARNING_FILL, quote_prefix=True),
            "note": fmt(font_color=_ERROR_FONT, text_wrap=True, quote_prefix=True),
        }
        self.date = {
            None: fmt(num_format="yyyy-mm-dd"),
            "error": fmt(num_format="yyyy-mm-dd", bg_color=_ERROR_FILL, font_color=_ERROR_FONT),
            "warning": fmt(num_format="yyyy-mm-dd", bg_color=_WARNING_FILL),
            "note": fmt(num_format="yyyy-mm-dd"),
        }


def _report_column(series: pd.Series) -> tuple[str, list[Any]]:
    """A body column as ("text" | "date" | "any", Python values with None for blanks): typed
    once per column, so a 200,000-row report is not typed cell by cell."""
    values = series.astype(object).where(series.notna(), None).tolist()
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return "date", values
    if isinstance(series.dtype, pd.StringDtype):
        return "text", values
    return "any", values


def _write_cell(
    ws: Any, r: int, c: int, value: Any, formats: _ReportFormats, mark: str | None
) -> None:
    """One cell, typed as the file had it; a highlighted cell keeps its fill even when empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        if mark in ("error", "warning"):
            ws.write_blank(r, c, None, formats.plain[mark])
        return
    if isinstance(value, pd.Timestamp | datetime):
        if pd.isna(value):
            if mark in ("error", "warning"):
                ws.write_blank(r, c, None, formats.plain[mark])
            return
        ws.write_datetime(r, c, pd.Timestamp(value).to_pydatetime(), formats.date[mark])
    elif isinstance(value, date):
        ws.write_datetime(r, c, datetime(value.year, value.month, value.day), formats.date[mark])
    elif isinstance(value, bool | np.bool_):
        ws.write_boolean(r, c, bool(value), formats.plain[mark])
    elif isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
        if math.isfinite(number):
            ws.write_number(r, c, number, formats.plain[mark])
        else:
            ws.write_string(r, c, str(value), formats.plain[mark])
    else:
        text = str(value)
        # a text cell starting like a formula keeps Excel's quote prefix: it stays text on edit
        style = formats.text[mark] if text.startswith(_FORMULA_PREFIXES) else formats.plain[mark]
        ws.write_string(r, c, text, style)


def _sheet_title(name: str) -> str:
    cleaned = "".join(ch for ch in name if ch not in "[]:*?/\\")
    return (cleaned or "数据")[:31]


# ---- commit --------------------------------------------------------------------------------------


def default_as_of(review: Review) -> date:
    """The as-of date to propose: the one in the file's title, else today (China time)."""
    return review.result.as_of or datetime.now(LOCAL_TZ).date()


def find_committed(snapshots: Iterable[SnapshotInfo], review: Review) -> SnapshotInfo | None:
    """The snapshot already holding exactly this content (same kind, same sha256), if any."""
    for s in snapshots:
        if s.kind == review.kind and s.sha256 == review.content_sha256:
            return s
    return None


def already_committed_message(snapshot: SnapshotInfo) -> str:
    """Said before the commit button when this exact content is already a snapshot; when that
    snapshot is not the current one, how to make it current."""
    at = snapshot.committed_at.astimezone(LOCAL_TZ)
    text = (
        f"该文件已于 {at:%Y-%m-%d %H:%M} 导入（快照 #{snapshot.id}，截至 {snapshot.as_of:%Y-%m-%d}），"
        "再次提交不会重复保存。"
    )
    if not snapshot.is_current:
        text += "该快照目前不是当前快照，如需以它为准，请点『设为当前快照』。"
    return text


def commit_review(
    store: Store,
    review: Review,
    *,
    as_of: date | None = None,
    committed_by: str = "",
    allow_shrink: bool = False,
) -> CommitOutcome:
    """Store the valid rows of `review` as one snapshot (one transaction); the same content
    committed before is recognised by the store and not stored twice.

    The store's commit rules apply: no valid row raises `CommitRefusedError`, and a snapshot that
    would drop districts or too many rows raises `ShrinkHeldError` unless `allow_shrink` (the
    clerk confirmed what `commit_check` showed)."""
    data = content_bytes(review.upload.data, review.choice.edits)
    return store.commit(
        review.result,
        data,
        committed_by=committed_by.strip(),
        as_of=as_of,
        allow_shrink=allow_shrink,
    )


@dataclass(frozen=True)
class CommitCheck:
    """What the store's commit rules will make of a review, shown before the commit button.

    `refusal` is the store's sentence when nothing can be committed (no valid row). `shrink` holds
    the numbers the clerk must confirm when the commit would replace the current snapshot while
    losing districts or too many rows (None when nothing needs confirming); `removed` is the
    diff's count of current rows this file lacks, said in the same confirmation.
    """

    refusal: str | None
    shrink: ShrinkCheck | None
    removed: str | None = None

    @property
    def can_commit(self) -> bool:
        return self.refusal is None

    @property
    def needs_confirmation(self) -> bool:
        return self.shrink is not None

    def confirmation(self) -> str:
        """The paragraph above the numbers and the checkbox ("" when nothing needs confirming)."""
        if self.shrink is None:
            return ""
        text = f"提交前请核对：{self.shrink.reason()}。"
        if self.removed:
            text += self.removed
        return text + _MSG_CONFIRM_REPLACE

    def numbers(self) -> dict[str, str]:
        """当前快照行数, 本文件有效行数, 减少比例 (with the allowed share), as shown."""
        if self.shrink is None:
            return {}
        s = self.shrink
        return {
            "当前快照行数": f"{s.current_rows:,}",
            "本文件有效行数": f"{s.new_rows:,}",
            "减少比例": f"{s.share:.1%}".replace(".0%", "%"),
        }

    def dropped_table(self) -> pd.DataFrame:
        """The districts the file lacks: 区县, 当前快照行数, 本文件行数 (always 0)."""
        dropped = self.shrink.dropped if self.shrink is not None else ()
        return pd.DataFrame(
            [{"区县": name, "当前快照行数": n, "本文件行数": 0} for name, n in dropped],
            columns=["区县", "当前快照行数", "本文件行数"],
        )


_MSG_CONFIRM_REPLACE = (
    "提交后本文件将替换当前快照，文件中没有的区县和行将不再计入统计；"
    "请确认上传的是完整台账，而不是其中一部分。"
)
CONFIRM_LABEL = "我已核对，确认以此文件替换当前数据"
"""The checkbox a clerk ticks before a commit that `CommitCheck.needs_confirmation`."""


def commit_check(
    review: Review,
    current: SnapshotInfo | None,
    current_counts: Mapping[str, int] | None,
    *,
    as_of: date,
    max_share: float,
    committed: SnapshotInfo | None = None,
    diff: SnapshotDiff | None = None,
) -> CommitCheck:
    """What committing `review` dated `as_of` will meet in the store: the store's own rule
    (`civdash.store.shrink_check`) on `current`'s rows per district (`Store.rows_by_district`)
    and the review's, with the store's `max_share`, so the page and the store cannot disagree.

    Nothing is held when the file is already stored (`committed`: the store reports it as a
    duplicate) or would not become current (an older as-of date).

    >>> check = commit_check(review, current, store.rows_by_district(current.id),
    ...                      as_of=date(2026, 11, 22), max_share=store.settings.max_shrink_share)  # doctest: +SKIP
    >>> check.needs_confirmation, check.dropped_table()                                       # doctest: +SKIP
    """
    if not review.can_commit:
        return CommitCheck(nothing_valid_message(review.result.rows_read), None)
    if (
        committed is not None
        or current is None
        or current_counts is None
        or not will_become_current(as_of, current.as_of)
    ):
        return CommitCheck(None, None)
    check = shrink_check(current, current_counts, rows_by_district(review.result.rows), max_share)
    if not check.held:
        return CommitCheck(None, None)
    removed = _removed_sentence(diff) if diff is not None and diff.removed else None
    return CommitCheck(None, check, removed)


def record_refusal(store: Store, upload: Upload, reason: str, *, actor: str = "") -> None:
    """Note a refused file in the audit trail (nothing else is stored)."""
    store.record_refusal(upload.name, upload.sha256, reason, actor=actor.strip())


# ---- what will change -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SnapshotDiff:
    """What committing `new_rows` changes against the current snapshot of the kind.

    Rows are matched by id (unit_id, volunteer_id, issue_id) or, where a file has no ids, by what
    identifies a row (a volunteer's name + district + registration date; a target's metric +
    district). `status_changes` counts rows whose status moved, by (from, to).
    """

    kind: str
    has_current: bool
    added: int
    removed: int
    changed: int
    unchanged: int
    changed_fields: dict[str, int]
    """Field label → rows whose value changed."""
    status_changes: pd.DataFrame
    """Columns 原状态, 新状态, 数量 (most frequent first)."""
    examples: pd.DataFrame
    """Up to 200 changed cells: 标识, 字段, 原值, 新值."""


_COMPOSITE_KEYS: dict[str, tuple[str, ...]] = {
    "units": ("unit_name", "district"),
    "volunteers": ("name", "district", "registered_on"),
    "issues": ("found_on", "district", "location", "description", "responsible_unit"),
    "targets": ("metric", "district"),
}


def _row_keys(frame: pd.DataFrame, fields: Sequence[str]) -> pd.Series:
    parts = [
        frame[f].astype("str").fillna("") if f in frame else pd.Series("", index=frame.index)
        for f in fields
    ]
    key = parts[0].astype(object)
    for p in parts[1:]:
        key = key + "|" + p.astype(object)
    return key


def diff_against(
    current_rows: pd.DataFrame | None, new_rows: pd.DataFrame, kind: str
) -> SnapshotDiff:
    """Rows added, removed and changed by committing `new_rows` over `current_rows`.

    >>> diff = diff_against(store.load_current("issues"), review.result.rows, "issues")  # doctest: +SKIP
    >>> diff.added, diff.removed, diff.changed                                             # doctest: +SKIP
    (12, 3, 40)
    """
    k = get_kind(kind)
    empty_status = pd.DataFrame(columns=["原状态", "新状态", "数量"])
    empty_examples = pd.DataFrame(columns=["标识", "字段", "原值", "新值"])
    if current_rows is None:
        return SnapshotDiff(kind, False, len(new_rows), 0, 0, 0, {}, empty_status, empty_examples)
    idf = k.id_field
    use_id = bool(
        idf
        and idf in current_rows
        and idf in new_rows
        and current_rows[idf].notna().all()
        and new_rows[idf].notna().all()
    )
    key_fields: tuple[str, ...] = (idf,) if use_id else _COMPOSITE_KEYS[kind]
    cur = current_rows.assign(_key=_row_keys(current_rows, key_fields))
    new = new_rows.assign(_key=_row_keys(new_rows, key_fields))
    cur = cur.drop_duplicates("_key", keep="last").set_index("_key")
    new = new.drop_duplicates("_key", keep="last").set_index("_key")
    both = cur.index.intersection(new.index)
    added = len(new.index.difference(cur.index))
    removed = len(cur.index.difference(new.index))
    compare = [f.name for f in k.fields if f.name in cur.columns and f.name in new.columns]
    changed_mask = pd.Series(False, index=both)
    changed_fields: dict[str, int] = {}
    examples: list[dict[str, str]] = []
    for name in compare:
        a = cur.loc[both, name]
        b = new.loc[both, name]
        differs = _differs(a, b)
        n = int(differs.sum())
        if n:
            changed_fields[k.field(name).label] = n
            changed_mask |= differs
            for key in differs[differs].index[: max(0, 200 - len(examples))]:
                examples.append(
                    {
                        "标识": str(key),
                        "字段": k.field(name).label,
                        "原值": mask_texts([_text(a.at[key])], kind, name)[0],
                        "新值": mask_texts([_text(b.at[key])], kind, name)[0],
                    }
                )
    status = empty_status
    if "status" in compare and len(both):
        a = cur.loc[both, "status"].astype("str").fillna("（空）")
        b = new.loc[both, "status"].astype("str").fillna("（空）")
        moved = a != b
        if moved.any():
            status = (
                pd.DataFrame({"原状态": a[moved], "新状态": b[moved]})
                .value_counts()
                .rename("数量")
                .reset_index()
            )
            status["数量"] = status["数量"].astype("int64")
    changed = int(changed_mask.sum())
    return SnapshotDiff(
        kind,
        True,
        added,
        removed,
        changed,
        len(both) - changed,
        changed_fields,
        status,
        pd.DataFrame(examples, columns=["标识", "字段", "原值", "新值"])
        if examples
        else empty_examples,
    )


def diff_summary(diff: SnapshotDiff, current: SnapshotInfo | None) -> str:
    """One Markdown paragraph: what committing changes against the current snapshot."""
    if not diff.has_current or current is None:
        return f"本台账还没有快照，提交后将成为第一个快照（{diff.added:,} 行）。"
    text = (
        f"与当前快照 #{current.id}（截至 {current.as_of:%Y-%m-%d}）相比：新增 **{diff.added:,}** 行，"
        f"删除 **{diff.removed:,}** 行，变更 **{diff.changed:,}** 行，不变 {diff.unchanged:,} 行。"
    )
    if diff.changed_fields:
        top = sorted(diff.changed_fields.items(), key=lambda kv: -kv[1])[:5]
        text += " 变更最多的字段：" + "、".join(f"{label} {n:,} 行" for label, n in top) + "。"
    if not diff.status_changes.empty:
        text += " 状态变化见下表。"
    return text


def diff_warning(diff: SnapshotDiff) -> str | None:
    """A warning when the file would drop much of the current snapshot: a snapshot replaces the
    whole ledger, so a partial file (one district's rows) would silently lose the others.

    When the store would hold the commit, the page says this inside the confirmation
    (`CommitCheck.confirmation`) instead of as a second message."""
    before = diff.removed + diff.changed + diff.unchanged
    if not diff.has_current or diff.removed < max(10, 0.5 * before):
        return None
    return (
        _removed_sentence(diff).removesuffix("。")
        + "，提交后这些行将不再计入统计。请确认上传的是完整台账，而不是其中一部分。"
    )


def _removed_sentence(diff: SnapshotDiff) -> str:
    """ "当前快照中有 1,200 行（60%）在本文件中找不到。" """
    before = diff.removed + diff.changed + diff.unchanged
    share = 100 * diff.removed / before if before else 0
    return f"当前快照中有 {diff.removed:,} 行（{share:.0f}%）在本文件中找不到。"


def _differs(a: pd.Series, b: pd.Series) -> pd.Series:
    both_missing = a.isna().to_numpy() & b.isna().to_numpy()
    if pd.api.types.is_float_dtype(a.dtype) and pd.api.types.is_float_dtype(b.dtype):
        same = np.isclose(a.to_numpy(dtype=float), b.to_numpy(dtype=float), rtol=0, atol=1e-9)
    else:
        # blanks as None: pd.NA (an Int64 column's blank) has no truth value to compare with
        same = (_objects(a) == _objects(b)).astype(bool)
    return pd.Series(~(same | both_missing), index=a.index)


def _objects(s: pd.Series) -> np.ndarray:
    return s.astype(object).where(s.notna(), None).to_numpy()


# ---- history --------------------------------------------------------------------------------------


def snapshot_label(s: SnapshotInfo) -> str:
    """ "#12 志愿者 · 截至 2026-11-15 · 当前" for pickers."""
    current = " · 当前" if s.is_current else ""
    return f"#{s.id} {get_kind(s.kind).label} · 截至 {s.as_of:%Y-%m-%d} · {s.file_name}{current}"


def history_table(snapshots: Iterable[SnapshotInfo]) -> pd.DataFrame:
    """Every snapshot: who committed which file when, its hash and row counts (China time)."""
    rows = [
        {
            "编号": s.id,
            "台账": get_kind(s.kind).label,
            "截至日期": s.as_of.isoformat(),
            "当前": "✓" if s.is_current else "",
            "文件": s.file_name,
            "提交人": s.committed_by,
            "提交时间": f"{s.committed_at.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M}",
            "读取行": s.rows_read,
            "有效行": s.rows_valid,
            "无效行": s.rows_invalid,
            "文件指纹": s.sha256[:12],
        }
        for s in snapshots
    ]
    return pd.DataFrame(
        rows,
        columns=[
            "编号",
            "台账",
            "截至日期",
            "当前",
            "文件",
            "提交人",
            "提交时间",
            "读取行",
            "有效行",
            "无效行",
            "文件指纹",
        ],
    )


def audit_detail(audit: pd.DataFrame, action: str, snapshot_id: int) -> str:
    """The detail of the latest `action` on `snapshot_id` in `Store.audit()` (what the store said
    it did, e.g. which snapshot became current after a delete)."""
    hits = audit[(audit["action"] == action) & (audit["snapshot_id"] == snapshot_id)]
    if hits.empty:
        return f"快照 #{snapshot_id} 已更新。"
    return str(hits["detail"].iloc[0])


def audit_table(audit: pd.DataFrame) -> pd.DataFrame:
    """`Store.audit()` as the user reads it: 时间 (China time), 操作, 台账, 快照, 文件, 操作人, 说明."""
    out = pd.DataFrame(
        {
            "时间": [f"{t.tz_convert(LOCAL_TZ):%Y-%m-%d %H:%M:%S}" for t in audit["at"]],
            "操作": [_ACTION_LABELS.get(str(a), str(a)) for a in audit["action"]],
            "台账": [
                get_kind(str(k)).label if isinstance(k, str) and k else "" for k in audit["kind"]
            ],
            "快照": [f"#{int(i)}" if pd.notna(i) else "" for i in audit["snapshot_id"]],
            "文件": audit["file_name"].fillna(""),
            "操作人": audit["actor"].fillna(""),
            "说明": audit["detail"].fillna(""),
            "文件指纹": audit["sha256"].fillna("").str.slice(0, 12),
        }
    )
    return out


# ---- districts ------------------------------------------------------------------------------------


def read_district_file(
    data: bytes, file_name: str, *, crs: str | None = None, population: Upload | None = None
) -> DistrictFile:
    """The city's districts from an uploaded GeoJSON, or a sheet with 区县 / 常住人口 columns,
    with the population of a separate sheet when one is given (see `civdash.ingest.load_districts`:
    `crs` None converts a DataV / 阿里云 file from GCJ-02 and keeps anything else as it is).

    Raises `FileRefused` with one Chinese sentence when a file cannot serve as a district table.
    """
    extra = (population.data, population.name) if population is not None else None
    read: DistrictFile = _safely(lambda: load_districts(data, file_name, crs=crs, population=extra))
    return read


_MSG_NO_POPULATION_HINT = "请另附常住人口表（区县、常住人口两列，或区划代码、常住人口两列）"
"""How the page says to supply the population; the command line names its --population option."""


def district_file_notes(
    read: DistrictFile, population_hint: str = _MSG_NO_POPULATION_HINT
) -> tuple[str, ...]:
    """What is wrong with the population of a district file just read, one sentence each:
    districts without a population, and rows of the population sheet that match no district
    (or a district an earlier row already gave). Empty when nothing is."""
    notes = []
    merge = read.population
    names = read.table.names
    missing = (
        merge.missing
        if merge is not None
        else tuple(d.name for d in read.table.districts if d.population is None)
    )
    if missing and len(missing) == len(names) and merge is None:
        notes.append(f"区县表中没有常住人口，按每万人计算的指标将无法显示；{population_hint}。")
    elif missing:
        notes.append(
            f"以下 {len(missing)} 个区县没有常住人口，按每万人计算的指标不含它们："
            f"{'、'.join(missing)}；请在常住人口表中补上。"
        )
    if merge is not None and merge.unmatched:
        notes.append(
            f"常住人口表中以下 {len(merge.unmatched)} 行对应不上任何区县，未使用："
            f"{'、'.join(merge.unmatched)}；请核对区县名称或区划代码。"
        )
    if merge is not None and merge.repeated:
        notes.append(
            f"常住人口表中以下行与前面的行对应同一个区县，未使用：{'、'.join(merge.repeated)}。"
        )
    return tuple(notes)


def district_summary(table: DistrictTable) -> pd.DataFrame:
    """The districts of a table as the user checks them before replacing the city's."""
    return pd.DataFrame(
        [
            {
                "区县": d.name,
                "区划代码": d.code or "",
                "常住人口": d.population,
                "别名": "、".join(d.aliases),
                "边界": "有" if d.geometry else "无",
            }
            for d in table.districts
        ],
        columns=["区县", "区划代码", "常住人口", "别名", "边界"],
    )


@dataclass(frozen=True)
class DistrictCheck:
    """How the district names in the current snapshots fare against a new district table."""

    names: pd.DataFrame
    """One row per (台账, 原区县名称): 行数, 新表中对应, 结果 (不变 / 改为… / 无法对应)."""

    @property
    def unresolved(self) -> pd.DataFrame:
        return self.names[self.names["结果"] == "无法对应"].reset_index(drop=True)

    @property
    def renamed(self) -> pd.DataFrame:
        return self.names[self.names["结果"].str.startswith("改为")].reset_index(drop=True)

    @property
    def complete(self) -> bool:
        """Every district name of the current ledgers resolves (true when there are none)."""
        return self.unresolved.empty

    def warning(self) -> str | None:
        """Why the new table should not become current without a word, or None when it may:
        the ledger districts it cannot resolve, with their rows per ledger."""
        if self.complete:
            return None
        bad = self.unresolved
        counts: dict[str, dict[str, int]] = {}
        for row in bad.itertuples(index=False):
            counts.setdefault(str(row.原区县名称), {})[str(row.台账)] = int(row.行数)
        lead = (
            "现有台账中的区县名称在新区县表中全都对应不上"
            if len(bad) == len(self.names)
            else f"现有台账中有 {len(counts)} 个区县名称在新区县表中对应不上"
        )
        return (
            f"{lead}：{describe_names(counts)}；换成新区县表后，这些行不计入任何区县，"
            "地图和各区县统计中它们的数会是 0。"
        )


def check_districts(
    current: Mapping[str, pd.DataFrame | None], table: DistrictTable
) -> DistrictCheck:
    """Re-resolve every district name of the current snapshots against `table`.

    `current` maps a ledger kind to its current rows (None when it has none). A target's empty
    district (city-wide) is not a name and is skipped.
    """
    rows = []
    for kind in LEDGER_KINDS:
        frame = current.get(kind)
        if frame is None or "district" not in frame or frame.empty:
            continue
        names = frame["district"].astype("str").fillna("")
        counts = names[names.str.strip() != ""].value_counts(sort=False)
        for name, n in sorted(counts.items()):
            hit = table.resolve(name)
            outcome = "无法对应" if hit is None else "不变" if hit == name else f"改为『{hit}』"
            rows.append(
                {
                    "台账": get_kind(kind).label,
                    "原区县名称": name,
                    "行数": int(n),
                    "新表中对应": hit or "",
                    "结果": outcome,
                }
            )
    return DistrictCheck(
        pd.DataFrame(rows, columns=["台账", "原区县名称", "行数", "新表中对应", "结果"])
    )


def commit_districts(
    store: Store,
    table: DistrictTable,
    data: bytes,
    file_name: str,
    committed_by: str = "",
    *,
    make_current: bool | None = None,
) -> CommitOutcome:
    """Replace the city's district table (a new current snapshot of kind districts, unless
    `make_current` is False). `data` is what the snapshot is fingerprinted by
    (`DistrictFile.content` for a file read with `read_district_file`).

    With `make_current` True, a table stored before (the same content) is made current again.
    """
    who = committed_by.strip()
    outcome = store.commit_districts(
        table, data, file_name=file_name, committed_by=who, make_current=make_current
    )
    if make_current and not outcome.snapshot.is_current:
        store.set_current(outcome.snapshot.id, actor=who)
        outcome = replace(
            outcome,
            snapshot=store.snapshot(outcome.snapshot.id),
            message=f"{outcome.message}；已将快照 #{outcome.snapshot.id} 设为当前区县表",
        )
    return outcome


# ---- small helpers --------------------------------------------------------------------------------


def _text(v: Any) -> str:
    """A cell or value as the user reads it: dates ISO, whole numbers without .0, blank as ""."""
    if v is None or v is pd.NA or v is pd.NaT:
        return ""
    if isinstance(v, float | np.floating):
        number = float(v)
        if math.isnan(number):
            return ""
        # 15 significant digits, as Excel shows numbers: 32.05099999999999 reads 32.051
        return str(int(number)) if number.is_integer() and abs(number) < 1e15 else f"{number:.15g}"
    if isinstance(v, pd.Timestamp | datetime):
        ts = pd.Timestamp(v)
        return ts.strftime("%Y-%m-%d") if ts == ts.normalize() else ts.isoformat(sep=" ")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, bool | np.bool_):
        return "是" if v else "否"
    if isinstance(v, np.integer):
        return str(int(v))
    return str(v)
