"""The upload package: its public API, and no streamlit in any of its modules."""

from __future__ import annotations

from pathlib import Path

from civdash import upload as up


def test_public_api_is_guarded() -> None:
    assert sorted(up.__all__, key=str.lower) == sorted(
        [
            "CONFIRM_LABEL", "CommitCheck", "DistrictCheck", "FileChoice", "FixTable", "IGNORE_LABEL",
            "MSG_NO_LEDGER_FIX", "MSG_REPORT_MASKED", "MSG_STEP_CHECK", "MSG_STEP_DONE", "MSG_STEP_MATCH", "MSG_STEP_READ",
            "MSG_UNEXPECTED", "REPORT_ALL_ROWS_LIMIT", "REPORT_COLUMNS",
            "Review", "SnapshotDiff", "Upload", "Workbench", "already_committed_message",
            "apply_editor_rows", "apply_edits", "audit_detail", "audit_table", "check_districts",
            "commit_check", "commit_districts", "commit_review", "content_bytes", "default_as_of", "detect_kind",
            "diff_against", "diff_summary", "diff_warning", "district_file_notes", "district_summary",
            "edits_from_editor", "error_report", "field_options", "find_committed", "fix_table",
            "history_table", "mapping_conflicts", "mapping_from_table", "mapping_table",
            "missing_required_message", "no_ledger", "preview_styler", "problems_table", "read_district_file",
            "record_refusal", "report_file_name", "report_has_all_rows", "sheets_read",
            "sheets_summary", "snapshot_label",
        ],
        key=str.lower,
    )  # fmt: skip
    assert all(hasattr(up, name) for name in up.__all__)


def test_upload_module_does_not_import_streamlit() -> None:
    modules = sorted(Path(up.__file__).parent.glob("*.py"))
    assert len(modules) > 1  # the package, not only its __init__
    for module in modules:
        source = module.read_text(encoding="utf-8")
        assert "import streamlit" not in source, module.name
