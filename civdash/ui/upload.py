"""The 数据导入 page's widgets: the uploader, one review per file, templates, the district table.

The workflow itself lives in `civdash.upload` (no streamlit); this module only reads widgets and
renders a `Review`. Per session it keeps, in session state: the clerk's name (shared with the
数据概况 page), the `Workbench` that holds the files read and checked, the column mappings and
cell edits per file, and the outcome of each commit (so a rerun after committing shows it again).

Widget keys carry the first 12 hex digits of the file's sha256, so two files uploaded together
never share a widget, and the page tests pick widgets by those keys.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from civdash import templates
from civdash import upload as up
from civdash.exports import XLSX_MIME
from civdash.geo import CRS_CHOICES
from civdash.ingest import DistrictFile
from civdash.io import FileRefused
from civdash.ledgers import LEDGER_KINDS, get_kind
from civdash.store import CommitRefusedError
from civdash.ui.state import district_table, get_store, load_snapshot, settings

__all__ = [
    "USER",
    "check_results",
    "checked_file",
    "column_mapping",
    "commit_form",
    "district_replacement",
    "dropped_files",
    "file_areas",
    "fix_rows",
    "no_traceback",
    "template_downloads",
]

logger = logging.getLogger(__name__)

USER = "civdash_user"
"""Session-state key of the clerk's name, kept across pages."""
STATE = "upload_state"  # mapping and cell edits per file, by (file, sheet, header row[, kind])
DONE = "upload_done"  # (style, message) of each commit or set-current, by (kind, content sha256)
BENCH = "upload_bench"


def _state() -> dict[Any, Any]:
    return st.session_state.setdefault(STATE, {})


def _bench() -> up.Workbench:
    return st.session_state.setdefault(BENCH, up.Workbench(settings()))


def _sid(upload: up.Upload) -> str:
    return upload.sha256[:12]


def _where(review: up.Review) -> tuple[str, str, int | None]:
    """(file, sheets, header row): the key of the cell edits made to this table."""
    return _sid(review.upload), "|".join(up.sheets_read(review.raw)), review.choice.header_row


def _editor(frame: pd.DataFrame, key: str, **kwargs: Any) -> dict[Any, Any] | None:
    """A data editor whose edits are handed back once (then it starts afresh from new data)."""
    version = st.session_state.setdefault(f"{key}__v", 0)
    st.data_editor(frame, key=f"{key}__{version}", **kwargs)
    edited = (st.session_state.get(f"{key}__{version}") or {}).get("edited_rows")
    if edited:
        st.session_state[f"{key}__v"] = version + 1
        return dict(edited)
    return None


def _refuse(where: Any, upload: up.Upload, reason: str) -> None:
    where.error(f"『{upload.name}』{reason}")
    if _bench().first_refusal(upload.sha256, reason):
        up.record_refusal(get_store(), upload, reason, actor=st.session_state.get(USER, ""))


# ---- the files ------------------------------------------------------------------------------------


def dropped_files() -> list[up.Upload]:
    """The clerk's name and the uploader; the files dropped, each once (by content)."""
    who = st.text_input("提交人（姓名或科室）", value=st.session_state.get(USER, ""), key="who")
    st.session_state[USER] = who
    files = st.file_uploader(
        "把台账文件拖到这里，或点击选择（可一次选多个；支持 .xlsx / .xls / .ods / .csv）",
        accept_multiple_files=True, key="files",
    )  # fmt: skip
    uploads = list(
        {u.sha256: u for u in (up.Upload.of(f.name, f.getvalue()) for f in files or ())}.values()
    )
    _bench().keep_only(u.sha256 for u in uploads)
    return uploads


def file_areas(uploads: Sequence[up.Upload]) -> list[DeltaGenerator]:
    """Where each file is shown: a tab per file when there are several."""
    if not uploads:
        return []
    return list(st.tabs([u.name for u in uploads])) if len(uploads) > 1 else [st.container()]


@contextmanager
def no_traceback(upload: up.Upload) -> Iterator[None]:
    """A user's file never shows a traceback: anything unexpected becomes one Chinese line."""
    try:
        yield
    except Exception:
        logger.exception("upload page failed on %s", upload.name)
        st.error(f"『{upload.name}』{up.MSG_UNEXPECTED}")


def checked_file(upload: up.Upload) -> up.Review | None:
    """Read the file (with a progress bar), ask for kind, sheet and header row, and check it.

    None when the file is refused or cannot be checked; the reason is shown above everything
    else, as is a missing required column of the review returned."""
    alert = st.container()  # what is wrong comes before anything else
    bar = st.empty()

    def progress(fraction: float, text: str) -> None:
        bar.progress(fraction, text=text)

    sid = _sid(upload)
    try:
        auto = _bench().table(upload, progress=progress)
    except FileRefused as exc:
        bar.empty()
        _refuse(alert, upload, str(exc))
        return None
    default = up.sheets_read(auto)
    picked = tuple(st.session_state.get(f"sheets_{sid}", default))
    tag = "|".join(picked)
    header_row = st.session_state.get(f"hdr_{sid}_{tag}")
    sheets = None if picked == default else picked
    try:
        raw, problem = _bench().table(upload, None, header_row, progress, sheets=sheets), None
    except FileRefused as exc:  # the user's sheets or header row, not the file, is at fault
        raw, problem = None, str(exc)
    shown = raw or auto
    detected = up.detect_kind(raw) if raw else None
    c1, c2, c3 = st.columns(3)
    kind = c1.selectbox(
        "台账类型", LEDGER_KINDS, index=LEDGER_KINDS.index(detected) if detected else None,
        format_func=lambda k: get_kind(k).label, placeholder="请选择台账类型",
        key=f"kind_{sid}_{tag}_{shown.header_row}",
    )  # fmt: skip
    if auto.sheets:
        c2.multiselect(
            "工作表（同格式的可一并读取）", auto.sheets, default=list(default),
            placeholder="请选择工作表", key=f"sheets_{sid}",
        )  # fmt: skip
    else:
        c2.text_input("工作表", "（只有一个表）", disabled=True, key=f"sheet_na_{sid}")
    c3.number_input("表头所在行", min_value=1, value=shown.header_row, key=f"hdr_{sid}_{tag}")
    if raw is None:
        bar.empty()
        alert.error(problem)
        return None
    if summary := up.sheets_summary(raw):
        st.caption(summary)
    if kind is None:
        bar.empty()
        _refuse(alert, upload, up.no_ledger(raw))
        return None
    where = (sid, tag, raw.header_row)
    mapping = _state().get((*where, kind))
    choice = up.FileChoice(
        raw.sheet, raw.header_row, kind, mapping, _state().get(where, ()), sheets
    )
    try:
        review = _bench().check(
            upload, choice, district_table(), districts_key=_districts_id(), progress=progress
        )
    except FileRefused as exc:
        bar.empty()
        _refuse(alert, upload, str(exc))
        return None
    bar.empty()
    if review.missing_required:
        alert.error(up.missing_required_message(review))
    return review


def _districts_id() -> int | None:
    current = get_store().current("districts")
    return current.id if current else None


# ---- the review, in the order a clerk works -------------------------------------------------------


def column_mapping(review: up.Review) -> None:
    """Source column → field, editable; an edit reruns the check under the new mapping."""
    key = (*_where(review), review.choice.kind)
    with st.expander("列对应关系（源列 → 字段）", expanded=bool(review.missing_required)):
        table = up.mapping_table(review)
        edited = _editor(
            table, f"map_{key[0]}", hide_index=True, width="stretch", disabled=["源列名", "示例值"],
            column_config={"对应字段": st.column_config.SelectboxColumn(
                "对应字段", options=list(up.field_options(review.kind)), required=True)},
        )  # fmt: skip
        if edited:
            table = up.apply_editor_rows(table, edited)
            _state()[key] = tuple(up.mapping_from_table(table, review.kind).items())
            st.rerun()
        for message in up.mapping_conflicts(dict(review.choice.mapping or ()), review.kind):
            st.warning(message)


def check_results(review: up.Review) -> None:
    """Counts, the problems (filterable) and a preview with the problem cells marked."""
    st.subheader("检查结果")
    result = review.result
    cols = st.columns(4)
    cols[0].metric("读取行数", f"{result.rows_read:,}")
    cols[1].metric("有效行（将导入）", f"{result.rows_valid:,}")
    cols[2].metric("无效行（不导入）", f"{result.rows_invalid:,}")
    cols[3].metric("提醒", f"{review.warnings:,}")
    sid = _sid(review.upload)
    if result.problems:
        every = up.problems_table(review)
        f1, f2 = st.columns(2)
        fields = f1.multiselect(
            "按字段筛选", sorted(set(every["字段"])), placeholder="全部字段", key=f"pf_{sid}"
        )
        levels = f2.multiselect(
            "按级别筛选", ["错误", "提醒"], placeholder="全部级别", key=f"ps_{sid}"
        )
        st.dataframe(up.problems_table(review, fields, levels), hide_index=True, width="stretch")
    only = st.toggle("只看有问题的行", value=bool(result.invalid_rows), key=f"only_{sid}")
    st.caption("数据预览（规范化后的值；红色为错误，黄色为提醒；个人信息已脱敏）")
    st.dataframe(up.preview_styler(review, only_problems=only), width="stretch", height=320)


def fix_rows(review: up.Review) -> None:
    """The invalid rows as an editable table (an edit reruns the check) and the error report."""
    if not review.result.invalid_rows or review.missing_required:
        return
    where = _where(review)
    st.subheader("修正问题")
    st.caption(
        "在下表中直接修改原值，改完自动重新检查；也可以下载问题报告，在 Excel 中改好后重新上传。"
    )
    fix = up.fix_table(review)
    edited = _editor(fix.frame, f"fix_{where[0]}", disabled=list(fix.locked), width="stretch")
    if edited:
        edits = up.edits_from_editor(fix, edited)
        if edits:
            _state()[where] = review.choice.with_edits(edits).edits
            st.rerun()
    st.download_button(
        "下载问题报告（Excel）", data=partial(up.error_report, review), mime=XLSX_MIME, icon=":material/download:",
        file_name=up.report_file_name(review.upload.name), key=f"report_{where[0]}",
    )  # fmt: skip
    if len(fix.frame) < len(review.result.invalid_rows):
        st.caption(f"上表只列出前 {len(fix.frame)} 个无效行，其余请下载问题报告查看。")
    if not up.report_has_all_rows(review):
        st.caption("文件较大，问题报告只列出有问题的行，请按『原行号』在原表格中修改后重新上传。")


def commit_form(review: up.Review) -> None:
    """The as-of date, what changes against the current snapshot, what the store's commit rules
    say (no valid row: why the button is disabled; districts or too many rows lost: the numbers
    and a checkbox to confirm), and the commit button (or the outcome, once committed)."""
    st.subheader("提交")
    store = get_store()
    key = (review.kind, review.content_sha256)
    done = st.session_state.setdefault(DONE, {}).get(key)
    if done is not None:
        shown, message = done
        (st.success if shown == "success" else st.info)(message)
        st.page_link("app_pages/overview.py", label="查看总览看板", icon=":material/dashboard:")
        st.page_link("app_pages/data_status.py", label="查看导入记录", icon=":material/history:")
        return
    sid = _sid(review.upload)
    who = st.session_state.get(USER, "").strip()
    existing = up.find_committed(store.snapshots(review.kind), review)
    if existing is not None:
        st.info(up.already_committed_message(existing))
        if not existing.is_current and st.button(
            "设为当前快照", disabled=not who, key=f"current_{sid}", icon=":material/restore:"
        ):
            store.set_current(existing.id, actor=who)
            detail = up.audit_detail(store.audit(20), "set_current", existing.id)
            st.session_state[DONE][key] = ("success", detail)
            st.rerun()
    as_of = st.columns(3)[0].date_input(
        "数据截至日期", value=up.default_as_of(review), format="YYYY-MM-DD", key=f"asof_{sid}",
        help="已按文件标题中的日期预填" if review.result.as_of else "文件标题中没有日期，默认为今天",
    )  # fmt: skip
    current = store.current(review.kind)
    diff = _bench().diff(review, current, load_snapshot)
    check = up.commit_check(
        review, current, store.rows_by_district(current.id) if current else None, as_of=as_of,
        max_share=store.settings.max_shrink_share, committed=existing, diff=diff,
    )  # fmt: skip
    st.markdown(up.diff_summary(diff, current))
    if not check.needs_confirmation and (warning := up.diff_warning(diff)):
        st.warning(warning)
    if not diff.status_changes.empty:
        st.dataframe(diff.status_changes, hide_index=True)
    if not diff.examples.empty:
        with st.expander("变更明细（前 200 项）"):
            st.dataframe(diff.examples, hide_index=True, width="stretch")
    if current and as_of < current.as_of:
        st.warning(
            f"截至日期早于当前快照（截至 {current.as_of:%Y-%m-%d}），提交后不会成为当前快照。"
        )
    if held := st.session_state.pop(f"held_{sid}", None):
        st.error(held)  # the store held a commit this page had not asked to confirm
    confirmed = _confirmation(check, f"shrink_ok_{sid}_{current.id if current else 0}")
    if check.refusal:
        st.error(check.refusal)
    if not who:
        st.info("请先在页面上方填写提交人。")
    label = f"确认导入 {review.result.rows_valid:,} 行有效数据"
    ready = bool(who) and check.can_commit and confirmed
    if st.button(label, type="primary", disabled=not ready, key=f"go_{sid}"):
        try:
            with st.spinner("正在保存快照…"):
                outcome = up.commit_review(
                    store, review, as_of=as_of, committed_by=who,
                    allow_shrink=check.needs_confirmation and confirmed,
                )  # fmt: skip
        except CommitRefusedError as exc:
            # the current snapshot changed since this page was drawn: show the store's reason
            # above the confirmation the next run draws for the new current snapshot
            st.session_state[f"held_{sid}"] = exc.message
        else:
            shown = "success" if outcome.created else "info"
            st.session_state[DONE][key] = (shown, outcome.message)
        st.rerun()


def _confirmation(check: up.CommitCheck, key: str) -> bool:
    """The numbers of a commit the store would hold, and the checkbox that confirms it; True
    when nothing needs confirming or the box is ticked. The key names the current snapshot, so a
    new current snapshot asks again."""
    if not check.needs_confirmation:
        return True
    st.warning(check.confirmation())
    for col, (label, value) in zip(st.columns(3), check.numbers().items(), strict=True):
        col.metric(label, value)
    dropped = check.dropped_table()
    if not dropped.empty:
        st.caption("本文件中没有以下区县的数据：")
        st.dataframe(dropped, hide_index=True)
    return st.checkbox(up.CONFIRM_LABEL, key=key)


# ---- the other tabs -------------------------------------------------------------------------------


def template_downloads() -> None:
    """A download button per ledger kind (the templates list the city's districts)."""
    st.caption("按模板填写的文件可以直接导入。模板含填表说明、下拉选项和示例。")
    table = district_table()
    names = table.names if table else ()
    for kind in LEDGER_KINDS:
        st.download_button(
            f"下载{get_kind(kind).label}台账模板", data=partial(templates.template_workbook, kind, names),
            file_name=templates.template_file_name(kind), mime=XLSX_MIME, icon=":material/description:", key=f"tpl_{kind}",
        )  # fmt: skip


def district_replacement() -> None:
    """Upload new district boundaries (a DataV / 阿里云 file is in GCJ-02) or a district table,
    optionally with a population sheet; see which ledger districts would no longer resolve,
    confirm when some would not, and replace the table."""
    table = district_table()
    st.caption(
        "上传本市区县边界（GeoJSON，如 DataV/阿里云 的区县文件；properties 含 name，可含 population）"
        "或区县表（区县、常住人口两列）以替换当前区县表。边界文件没有常住人口时，可另附常住人口表。"
    )
    if table:
        st.write("当前区县：" + "、".join(table.names))
    file = st.file_uploader("区县边界或区县表", key="district_file")
    pop_file = st.file_uploader(
        "常住人口表（可选；区县、常住人口两列，或区划代码、常住人口两列）",
        key="district_population",
    )
    if file is None:
        return
    upload = up.Upload.of(file.name, file.getvalue())
    population = up.Upload.of(pop_file.name, pop_file.getvalue()) if pop_file else None
    try:
        read = up.read_district_file(upload.data, upload.name)
    except FileRefused as exc:
        _refuse(st, upload, str(exc))
        return
    crs = _district_crs(read, upload.sha256[:12]) if read.has_boundaries else None
    if population is not None or (crs is not None and crs != read.crs):
        try:
            read = up.read_district_file(upload.data, upload.name, crs=crs, population=population)
        except FileRefused as exc:
            _refuse(st, population or upload, str(exc))
            return
    for note in up.district_file_notes(read):
        st.warning(note)
    st.dataframe(up.district_summary(read.table), hide_index=True)
    current = {k: _current_rows(k) for k in LEDGER_KINDS}
    check = up.check_districts(current, read.table)
    confirmed = True
    warning = check.warning()
    if warning:
        st.warning(warning)
        st.dataframe(check.unresolved, hide_index=True)
        confirmed = st.checkbox(
            "我已核对，仍用新区县表替换当前区县表",
            key=f"districts_confirm_{hashlib.sha256(read.content).hexdigest()[:12]}",
        )
    if not check.renamed.empty:
        st.info(
            "以下区县名称在新区县表中写法不同：今后导入的台账按新名称保存；已入库的行仍是原名称，"
            "重新导入这些台账后才会计入新名称的区县。"
        )
        st.dataframe(check.renamed, hide_index=True)
    who = st.session_state.get(USER, "").strip()
    if not who:
        st.info("请先在『上传台账』中填写提交人。")
    if st.button(
        "替换区县表", type="primary", disabled=not who or not confirmed, key="districts_go"
    ):
        with st.spinner("正在保存区县表…"):
            outcome = up.commit_districts(
                get_store(), read.table, read.content, read.file_name, who, make_current=True
            )
        (st.success if outcome.created else st.info)(outcome.message)


_CRS_LABELS = {
    "WGS-84": "WGS-84（GPS、天地图；不换算）",
    "GCJ-02": "GCJ-02（高德、腾讯、DataV/阿里云）",
    "BD-09": "BD-09（百度）",
}


def _district_crs(read: DistrictFile, key: str) -> str:
    """The coordinate system of the uploaded boundaries: GCJ-02 preselected for a DataV file,
    with a caption saying why. The key names the file, so another file is preselected anew."""
    choices = list(CRS_CHOICES)
    crs: str = st.selectbox(
        "边界坐标系（保存时换算为 WGS-84）",
        choices,
        index=choices.index(read.crs),
        format_func=lambda c: _CRS_LABELS[c],
        key=f"district_crs_{key}",
    )
    if read.datav:
        st.caption(
            "这是 DataV（阿里云）区县边界文件（属性含 adcode、center），坐标为 GCJ-02，所以预选了 GCJ-02；"
            "如果坐标已经是 WGS-84，请改选 WGS-84。"
        )
    return crs


def _current_rows(kind: str) -> pd.DataFrame | None:
    current = get_store().current(kind)
    return load_snapshot(current.id) if current else None
