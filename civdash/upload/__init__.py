"""The upload workflow without Streamlit: read → map columns → review → fix → commit, and history.

The 数据导入 page is a thin view over this package. A clerk's file goes through these steps:

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

Where each step lives: `workbench` (the file, the choices, the session cache, reading and
checking), `mapping` (column mapping), `review` (problems, preview, fixing in the page),
`report` (the error report in Excel), `diff` (what will change), `commit` (commit rules and the
commit), `history` (snapshots and audit as tables), `districts` (replacing the district table).

Nothing here imports streamlit; everything can be driven from a notebook or a test.
"""

from __future__ import annotations

from civdash.upload.commit import (
    CONFIRM_LABEL,
    CommitCheck,
    already_committed_message,
    commit_check,
    commit_review,
    default_as_of,
    find_committed,
    record_refusal,
)
from civdash.upload.diff import SnapshotDiff, diff_against, diff_summary, diff_warning
from civdash.upload.districts import (
    DistrictCheck,
    check_districts,
    commit_districts,
    district_file_notes,
    district_summary,
    read_district_file,
)
from civdash.upload.history import audit_detail, audit_table, history_table, snapshot_label
from civdash.upload.mapping import (
    IGNORE_LABEL,
    apply_editor_rows,
    field_options,
    mapping_conflicts,
    mapping_from_table,
    mapping_table,
    missing_required_message,
)
from civdash.upload.report import (
    MSG_REPORT_MASKED,
    REPORT_ALL_ROWS_LIMIT,
    error_report,
    report_file_name,
    report_has_all_rows,
)
from civdash.upload.review import (
    FixTable,
    edits_from_editor,
    fix_table,
    preview_styler,
    problems_table,
)
from civdash.upload.workbench import (
    MSG_NO_LEDGER_FIX,
    MSG_STEP_CHECK,
    MSG_STEP_DONE,
    MSG_STEP_MATCH,
    MSG_STEP_READ,
    MSG_UNEXPECTED,
    REPORT_COLUMNS,
    FileChoice,
    Review,
    Upload,
    Workbench,
    apply_edits,
    content_bytes,
    detect_kind,
    no_ledger,
    sheets_read,
    sheets_summary,
)

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
