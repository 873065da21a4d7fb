"""The 数据导入 page's widgets: the uploader, one review per file, templates, the district table.

The workflow itself lives in `civdash.upload` (no streamlit); this module only reads widgets and
renders a `Review`. Per session it keeps, in session state: the `Workbench` that holds the files
read and checked, the column mappings and cell edits per file, and the outcome of each commit (so
a rerun after committing shows it again).

Who submits is the logged-in account (`Submitter`), and for which part: a district clerk always
its own district's part, an editor or admin the whole city or the district chosen in 提交范围.
A district's part is checked with rows of other districts refused (`FileChoice.scope`), compared
with that district's current part, and committed as that district's part; the commit itself is
checked again on the server (`require_action`) right before it is stored.

Widget keys carry the first 12 hex digits of the file's sha256, so two files uploaded together
never share a widget, and the page tests pick widgets by those keys.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from civdash import templates
from civdash import upload as up
from civdash.accounts import ROLES, Account
from civdash.exports import XLSX_MIME
from civdash.geo import CRS_CHOICES
from civdash.ingest import DistrictFile
from civdash.io import FileRefused
from civdash.ledgers import LEDGER_KINDS, get_kind
from civdash.permissions import allowed
from civdash.store import CommitRefusedError, SnapshotInfo
from civdash.ui.auth import require_action
from civdash.ui.state import district_table, get_store, load_snapshot, settings
from civdash.ui.tables import show_table
from civdash.views.common import MISSING_CELL

__all__ = [
    "Submitter",
    "check_results",
    "checked_file",
    "column_mapping",
    "commit_form",
    "district_replacement",
    "dropped_files",
    "file_areas",
    "fix_rows",
    "no_traceback",
    "submitter",
    "template_downloads",
]

logger = logging.getLogger(__name__)

STATE = "upload_state"  # mapping and cell edits per file, by (file, sheet, header row[, kind])
DONE = "upload_done"  # (style, message) of each commit or set-current, by (kind, sha256, scope)
BENCH = "upload_bench"
SCOPE = "upload_scope"  # an editor's or admin's choice of 提交范围 ("" = the whole city)
CITY = ""


@dataclass(frozen=True)
class Submitter:
    """Who submits (the logged-in account) and which part: "" the whole city, else a district."""

    account: Account
    scope: str

    @property
    def district(self) -> str | None:
        return self.scope or None

    def require(self) -> None:
        """Refuse (audited, page stopped) unless the account may commit this scope: called on the
        server right before a commit, whatever the page showed."""
        if self.scope:
            require_action(self.account, "upload", self.scope)
        else:
            require_action(self.account, "upload_city")


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
    st.data_editor(frame, key=f"{key}__{version}", placeholder=MISSING_CELL, **kwargs)
    edited = (st.session_state.get(f"{key}__{version}") or {}).get("edited_rows")
    if edited:
        st.session_state[f"{key}__v"] = version + 1
        return dict(edited)
    return None


def _refuse(where: Any, upload: up.Upload, reason: str, account: Account, scope: str) -> None:
    where.error(f"『{upload.name}』{reason}")
    if _bench().first_refusal(upload.sha256, reason):
        up.record_refusal(get_store(), upload, reason, actor=account.name, role=account.role,
                          scope=scope or None)  # fmt: skip


# ---- the files ------------------------------------------------------------------------------------


def submitter(account: Account) -> Submitter:
    """Who submits, and 提交范围: fixed to a district clerk's own district (shown), chosen by an
    editor or admin (the whole city or one district). A district clerk's scope never comes from
    a widget or session state."""
    role = ROLES.get(account.role, account.role)
    if account.role == "district":
        scope = account.district or ""
        st.markdown(f"**提交人**：{account.name}（{role}） · **提交范围**：{scope}（本区县的部分）")
        return Submitter(account, scope)
    table = district_table()
    options = [CITY, *(table.names if table else ())]
    if st.session_state.get(SCOPE) not in options:
        st.session_state.pop(SCOPE, None)
    c1, _ = st.columns([1, 2])
    scope = c1.selectbox(
        "提交范围", options, key=SCOPE,
        format_func=lambda d: f"{d}（该区县的部分）" if d else "全市（整份台账）",
        help="选择区县时，文件只能含该区县的行，提交后与其他区县最近报送的部分合并为全市台账。",
    )  # fmt: skip
    st.caption(f"提交人：{account.name}（{role}）")
    return Submitter(account, scope or CITY)


def dropped_files() -> list[up.Upload]:
    """The uploader; the files dropped, each once (by content)."""
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


def checked_file(upload: up.Upload, sub: Submitter) -> up.Review | None:
    """Read the file (with a progress bar), ask for kind, sheet and header row, and check it.

    None when the file is refused or cannot be checked; the reason is shown above everything
    else, as is a missing required column of the review returned. For a district's part, rows
    of other districts are errors naming the row and the district."""
    refuse = partial(_refuse, account=sub.account, scope=sub.scope)
    alert = st.container()  # what is wrong comes before anything else
    bar = st.empty()

    def progress(fraction: float, text: str) -> None:
        bar.progress(fraction, text=text)

    sid = _sid(upload)
    try:
        auto = _bench().table(upload, progress=progress)
    except FileRefused as exc:
        bar.empty()
        refuse(alert, upload, str(exc))
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
        refuse(alert, upload, up.no_ledger(raw))
        return None
    where = (sid, tag, raw.header_row)
    mapping = _state().get((*where, kind))
    choice = up.FileChoice(
        raw.sheet, raw.header_row, kind, mapping, _state().get(where, ()), sheets, sub.district
    )
    try:
        review = _bench().check(
            upload, choice, district_table(), districts_key=_districts_id(), progress=progress
        )
    except FileRefused as exc:
        bar.empty()
        refuse(alert, upload, str(exc))
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
        show_table(up.problems_table(review, fields, levels), hide_index=True, width="stretch")
    only = st.toggle("只看有问题的行", value=bool(result.invalid_rows), key=f"only_{sid}")
    st.caption("数据预览（规范化后的值；红色为错误，黄色为提醒；个人信息已脱敏）")
    show_table(up.preview_styler(review, only_problems=only), width="stretch", height=320)


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


def commit_form(review: up.Review, sub: Submitter) -> None:
    """The as-of date, what changes against what the file replaces (the city ledger in force,
    or the district's current part), what the store's commit rules say (no valid row: why the
    button is disabled; districts or too many rows lost: the numbers and a checkbox to confirm),
    and the commit button (or the outcome, once committed)."""
    st.subheader("提交")
    store = get_store()
    key = (review.kind, review.content_sha256, sub.scope)
    done = st.session_state.setdefault(DONE, {}).get(key)
    if done is not None:
        shown, message = done
        (st.success if shown == "success" else st.info)(message)
        st.page_link("app_pages/overview.py", label="查看总览看板", icon=":material/dashboard:")
        st.page_link("app_pages/data_status.py", label="查看导入记录", icon=":material/history:")
        return
    sid = _sid(review.upload)
    existing = up.find_committed(store.snapshots(review.kind), review)
    if existing is not None:
        _already_committed(existing, sub.account, key, sid)
    as_of = st.columns(3)[0].date_input(
        "数据截至日期", value=up.default_as_of(review), format="YYYY-MM-DD", key=f"asof_{sid}",
        help="已按文件标题中的日期预填" if review.result.as_of else "文件标题中没有日期，默认为今天",
    )  # fmt: skip
    current = store.current(review.kind)
    part = store.current(review.kind, scope=sub.scope) if sub.scope else None
    compared, load = _compared(review, sub, current, part)
    diff = _bench().diff(review, compared, load)
    check = up.commit_check(
        review, current, store.rows_by_district(current.id) if current else None, as_of=as_of,
        max_share=store.settings.max_shrink_share, committed=existing, diff=diff,
        district=sub.district, part=part,
    )  # fmt: skip
    if sub.scope:
        st.info(_merge_sentence(sub.scope, current))
        if compared is not None:
            st.caption(_compared_caption(sub.scope, compared))
    st.markdown(up.diff_summary(diff, compared))
    if not check.needs_confirmation and (warning := up.diff_warning(diff)):
        st.warning(warning)
    if not diff.status_changes.empty:
        show_table(diff.status_changes, hide_index=True)
    if not diff.examples.empty:
        with st.expander("变更明细（前 200 项）"):
            show_table(diff.examples, hide_index=True, width="stretch")
    replaced = part if sub.scope else current
    if replaced and as_of < replaced.as_of:
        what = f"{sub.scope}当前报送的部分" if sub.scope else "当前快照"
        st.warning(
            f"截至日期早于{what}（截至 {replaced.as_of:%Y-%m-%d}），提交后不会成为当前快照。"
        )
    if held := st.session_state.pop(f"held_{sid}", None):
        st.error(held)  # the store held a commit this page had not asked to confirm
    confirmed = _confirmation(check, f"shrink_ok_{sid}_{current.id if current else 0}")
    if check.refusal:
        st.error(check.refusal)
    label = f"确认导入 {review.result.rows_valid:,} 行有效数据"
    if sub.scope:
        label += f"（{sub.scope}的部分）"
    ready = check.can_commit and confirmed
    if st.button(label, type="primary", disabled=not ready, key=f"go_{sid}"):
        sub.require()  # the server's check, whatever the page showed
        try:
            with st.spinner("正在保存快照…"):
                outcome = up.commit_review(
                    store, review, as_of=as_of, committed_by=sub.account.name,
                    allow_shrink=check.needs_confirmation and confirmed,
                    role=sub.account.role, district=sub.district,
                )  # fmt: skip
        except CommitRefusedError as exc:
            # the current snapshot changed since this page was drawn: show the store's reason
            # above the confirmation the next run draws for the new current snapshot
            st.session_state[f"held_{sid}"] = exc.message
        else:
            shown = "success" if outcome.created else "info"
            st.session_state[DONE][key] = (shown, outcome.message)
        st.rerun()


def _already_committed(existing: SnapshotInfo, account: Account, key: Any, sid: str) -> None:
    """Said when this content is already a snapshot; 设为当前快照 for the roles that may."""
    st.info(up.already_committed_message(existing))
    if existing.is_current or not allowed(account, "set_current"):
        return
    if st.button("设为当前快照", key=f"current_{sid}", icon=":material/restore:"):
        require_action(account, "set_current")
        store = get_store()
        store.set_current(existing.id, actor=account.name, role=account.role)
        detail = up.audit_detail(store.audit(20), "set_current", existing.id)
        st.session_state[DONE][key] = ("success", detail)
        st.rerun()


def _compared(
    review: up.Review, sub: Submitter, current: SnapshotInfo | None, part: SnapshotInfo | None
) -> tuple[SnapshotInfo | None, Callable[[int], pd.DataFrame]]:
    """What the file replaces, and how to read its rows: the city ledger in force for a
    whole-city file; for a district's part, that district's current part, else (no part yet)
    the district's rows of the city ledger in force."""
    if not sub.scope:
        return current, load_snapshot
    if part is not None:
        return part, load_snapshot
    by = get_kind(review.kind).narrow_by
    if current is None or not by:
        return None, load_snapshot

    def district_only(snapshot_id: int) -> pd.DataFrame:
        rows = load_snapshot(snapshot_id)
        return rows[rows[by] == sub.scope]

    return current, district_only


def _compared_caption(scope: str, compared: SnapshotInfo) -> str:
    at = f"截至 {compared.as_of:%Y-%m-%d}，{compared.committed_by or '—'}"
    if compared.scope:
        return f"对比对象：{scope}当前报送的部分（快照 #{compared.id}，{at}）。"
    return f"对比对象：当前全市台账（快照 #{compared.id}，{at}）中{scope}的行。"


def _merge_sentence(scope: str, current: SnapshotInfo | None) -> str:
    """How a district's part joins the city ledger, with the other districts' part dates."""
    head = f"本文件作为{scope}的部分提交，"
    if current is None:
        return head + "成为全市台账中该区县的数据；其他区县报送后一并汇总。"
    if current.assembled:
        others = {d: s for d, s in get_store().parts(current.id).items() if d != scope}
        if others:
            dates = "、".join(f"{d} {s.as_of:%m-%d}" for d, s in sorted(others.items()))
            return (
                head + f"与其他区县最近报送的部分（{dates}）合并为全市台账，不影响其他区县的数据。"
            )
        return head + "成为全市台账中该区县的数据，不影响其他区县的数据。"
    return head + (
        f"与当前全市台账（快照 #{current.id}，截至 {current.as_of:%Y-%m-%d}）中其他区县的数据"
        "合并为新的全市台账，不影响其他区县的数据。"
    )


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
        show_table(dropped, hide_index=True)
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


def district_replacement(account: Account) -> None:
    """Upload new district boundaries (a DataV / 阿里云 file is in GCJ-02) or a district table,
    optionally with a population sheet; see which ledger districts would no longer resolve,
    confirm when some would not, and replace the table (admins only: checked again on the
    server when the button is clicked)."""
    if not allowed(account, "manage_districts"):
        return
    table = district_table()
    st.caption(
        "上传本市区县边界（GeoJSON 文件，如 DataV、阿里云 下载的区县边界，每个区县须有名称，可带常住人口）"
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
        _refuse(st, upload, str(exc), account, CITY)
        return
    crs = _district_crs(read, upload.sha256[:12]) if read.has_boundaries else None
    if population is not None or (crs is not None and crs != read.crs):
        try:
            read = up.read_district_file(upload.data, upload.name, crs=crs, population=population)
        except FileRefused as exc:
            _refuse(st, population or upload, str(exc), account, CITY)
            return
    for note in up.district_file_notes(read):
        st.warning(note)
    show_table(up.district_summary(read.table), hide_index=True)
    current = {k: _current_rows(k) for k in LEDGER_KINDS}
    check = up.check_districts(current, read.table)
    confirmed = True
    warning = check.warning()
    if warning:
        st.warning(warning)
        show_table(check.unresolved, hide_index=True)
        confirmed = st.checkbox(
            "我已核对，仍用新区县表替换当前区县表",
            key=f"districts_confirm_{hashlib.sha256(read.content).hexdigest()[:12]}",
        )
    if not check.renamed.empty:
        st.info(
            "以下区县名称在新区县表中写法不同：今后导入的台账按新名称保存；已入库的行仍是原名称，"
            "重新导入这些台账后才会计入新名称的区县。"
        )
        show_table(check.renamed, hide_index=True)
    if st.button("替换区县表", type="primary", disabled=not confirmed, key="districts_go"):
        require_action(account, "manage_districts")
        with st.spinner("正在保存区县表…"):
            outcome = up.commit_districts(
                get_store(), read.table, read.content, read.file_name, account.name,
                make_current=True,
            )  # fmt: skip
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
